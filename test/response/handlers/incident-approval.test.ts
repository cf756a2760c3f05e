import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { InvalidToken, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as decide } from '../../../lib/response/handlers/incident-approval-decision';
import { ApprovalRequest, approvalMessage, handler as request } from '../../../lib/response/handlers/incident-approval-request';

const dynamodb = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);
const sns = mockClient(SNSClient);

const REQUEST: ApprovalRequest = {
  taskToken: 'token-1', incidentId: 'incident-1', findingClass: 'SHARED_OR_REVOKED_CERTIFICATE', thingName: 'pump-7',
  criticality: 'safety-critical', containment: 'HUMAN_APPROVAL_ONLY', dryRun: false,
};
const sent = () => sfn.commandCalls(SendTaskSuccessCommand).map((c) => ({ token: c.args[0].input.taskToken, output: JSON.parse(c.args[0].input.output!) }));

beforeEach(() => {
  dynamodb.reset();
  sfn.reset();
  sns.reset();
  process.env.TABLE_NAME = 'Incidents';
  process.env.TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:incidents';
  process.env.DECISION_URL = 'https://abc.lambda-url.eu-west-1.on.aws/';
  process.env.DECISION_FUNCTION = 'decide-fn';
  dynamodb.on(UpdateItemCommand).resolves({ Attributes: { approvalToken: { S: 'token-1' } } });
  sfn.on(SendTaskSuccessCommand).resolves({});
  sns.on(PublishCommand).resolves({});
});

describe('approval request', () => {
  test('keeps the token on the incident as PENDING and publishes the request with both links', async () => {
    expect(await request(REQUEST)).toEqual({ status: 'PENDING' });
    const update = dynamodb.commandCalls(UpdateItemCommand)[0].args[0].input;
    expect(update).toMatchObject({ TableName: 'Incidents', Key: { incidentId: { S: 'incident-1' } } });
    expect(update.ExpressionAttributeValues).toMatchObject({ ':token': { S: 'token-1' }, ':pending': { S: 'PENDING' } });
    const publish = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(publish.TopicArn).toBe('arn:aws:sns:eu-west-1:111122223333:incidents');
    expect(publish.Message).toContain('https://abc.lambda-url.eu-west-1.on.aws/?incidentId=incident-1&decision=approve');
    expect(publish.Message).toContain('decision=refuse');
    expect(publish.Message).toContain('aws lambda invoke --function-name decide-fn');
    expect(publish.Message).not.toContain('token-1');
    expect(sent()).toEqual([]);
  });

  test('a dry run approves at once and asks nobody', async () => {
    expect(await request({ ...REQUEST, dryRun: true })).toEqual({ status: 'DRY_RUN_APPROVED' });
    expect(sent()).toEqual([{ token: 'token-1', output: { approved: true, approver: 'dry-run' } }]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });

  test('a request without a token is an error', async () => {
    await expect(request({ ...REQUEST, taskToken: undefined as never })).rejects.toThrow(/taskToken and incidentId are required/);
  });

  test('the message escapes the incident ID in links', () => {
    expect(approvalMessage({ ...REQUEST, incidentId: 'a b' }, 'https://u/', 'f')).toContain('?incidentId=a%20b&decision=approve');
  });
});

describe('approval decision', () => {
  test('approval given through the URL: claimed once with the signer as approver, then the playbook goes on', async () => {
    const result = await decide({
      queryStringParameters: { incidentId: 'incident-1', decision: 'approve' },
      requestContext: { http: { method: 'GET' }, authorizer: { iam: { userArn: 'arn:aws:sts::111122223333:assumed-role/oncall/alice' } } },
    });
    expect(result.statusCode).toBe(200);
    const update = dynamodb.commandCalls(UpdateItemCommand)[0].args[0].input;
    expect(update.ConditionExpression).toBe('approvalStatus = :pending AND attribute_exists(approvalToken)');
    expect(update.UpdateExpression).toContain('REMOVE approvalToken');
    expect(update.ExpressionAttributeValues).toMatchObject({ ':decided': { S: 'APPROVED' }, ':approver': { S: 'arn:aws:sts::111122223333:assumed-role/oncall/alice' } });
    expect(sent()).toEqual([{ token: 'token-1', output: { approved: true, approver: 'arn:aws:sts::111122223333:assumed-role/oncall/alice', reason: '' } }]);
  });

  test('approval refused through a direct invoke: the playbook goes on with approved false', async () => {
    const result = await decide({ incidentId: 'incident-1', decision: 'refuse', reason: 'valve in use', approver: 'bob' });
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).message).toContain('refused');
    expect(sent()[0].output).toEqual({ approved: false, approver: 'lambda:Invoke caller (bob)', reason: 'valve in use' });
    expect(dynamodb.commandCalls(UpdateItemCommand)[0].args[0].input.ExpressionAttributeValues).toMatchObject({ ':decided': { S: 'REFUSED' } });
  });

  test('approval timed out: the late decision is answered 410 and the device stays as it is', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'timed out', $metadata: {} }));
    expect((await decide({ incidentId: 'incident-1', decision: 'approve' })).statusCode).toBe(410);
    sfn.on(SendTaskSuccessCommand).rejects(new InvalidToken({ message: 'bad', $metadata: {} }));
    expect((await decide({ incidentId: 'incident-1', decision: 'approve' })).statusCode).toBe(410);
  });

  test('a second decision, or one for an unknown incident, is answered 409 and sends nothing', async () => {
    dynamodb.on(UpdateItemCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    expect((await decide({ incidentId: 'incident-1', decision: 'approve' })).statusCode).toBe(409);
    dynamodb.on(UpdateItemCommand).resolves({ Attributes: {} });
    expect((await decide({ incidentId: 'incident-1', decision: 'approve' })).statusCode).toBe(409);
    expect(sent()).toEqual([]);
  });

  test('bad input is answered 400 without touching the table', async () => {
    expect((await decide({ incidentId: 'incident-1', decision: 'maybe' })).body).toMatch(/decision must be approve or refuse, got \\"maybe\\"/);
    expect((await decide({ incidentId: '../x', decision: 'approve' })).statusCode).toBe(400);
    expect((await decide(undefined as never)).statusCode).toBe(400);
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });

  test('other errors propagate', async () => {
    dynamodb.on(UpdateItemCommand).rejects(new Error('throttled'));
    await expect(decide({ incidentId: 'incident-1', decision: 'approve' })).rejects.toThrow('throttled');
  });
});
