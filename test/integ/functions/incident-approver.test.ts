import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { APPROVER, handler } from './incident-approver';

const dynamodb = mockClient(DynamoDBClient);
const lambda = mockClient(LambdaClient);
const request = { tableName: 'Incidents', thingName: 'secure-iot-integ-incident-pump', decisionFunctionName: 'Decision' };
const answer = (statusCode: number, message: string) => new TextEncoder().encode(JSON.stringify({ statusCode, body: JSON.stringify({ message }) }));

beforeEach(() => {
  dynamodb.reset();
  lambda.reset();
});

test('approves the one pending incident of the thing through the decision function, naming the approver', async () => {
  // Two pages: the scan filters after reading, so a match can be on any page.
  dynamodb.on(ScanCommand)
    .resolvesOnce({ Items: [], LastEvaluatedKey: { incidentId: { S: 'x' } } })
    .resolvesOnce({ Items: [{ incidentId: { S: 'exec-1' } }] });
  lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: answer(200, 'approved') as never });

  expect(await handler(request)).toEqual({ incidentId: 'exec-1', statusCode: 200, message: JSON.stringify({ message: 'approved' }) });
  const scans = dynamodb.commandCalls(ScanCommand).map((c) => c.args[0].input);
  expect(scans[0]).toMatchObject({
    TableName: 'Incidents', ConsistentRead: true,
    FilterExpression: '#subject = :thing AND approvalStatus = :pending',
    ExpressionAttributeNames: { '#subject': 'subject' },
    ExpressionAttributeValues: { ':thing': { S: request.thingName }, ':pending': { S: 'PENDING' } },
  });
  expect(scans[1].ExclusiveStartKey).toEqual({ incidentId: { S: 'x' } });
  const invoke = lambda.commandCalls(InvokeCommand)[0].args[0].input;
  expect(invoke.FunctionName).toBe('Decision');
  expect(JSON.parse(Buffer.from(invoke.Payload as Uint8Array).toString('utf8'))).toEqual({ incidentId: 'exec-1', decision: 'approve', approver: APPROVER, reason: 'integration test' });
});

test.each([
  ['none', []],
  ['two', [{ incidentId: { S: 'a' } }, { incidentId: { S: 'b' } }]],
])('with %s pending it approves nothing and says so', async (_name, items) => {
  dynamodb.on(ScanCommand).resolves({ Items: items });
  expect(await handler(request)).toEqual({ statusCode: 0, message: `expected one incident of ${request.thingName} waiting for approval, found ${items.length}` });
  expect(lambda.calls()).toHaveLength(0);
});

test('a decision function that fails is reported, not taken for a decision', async () => {
  dynamodb.on(ScanCommand).resolves({ Items: [{ incidentId: { S: 'exec-1' } }] });
  lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode('{"errorMessage":"boom"}') as never });
  expect(await handler(request)).toEqual({ incidentId: 'exec-1', statusCode: 0, message: 'the decision function failed: {"errorMessage":"boom"}' });
});
