/*
 * The fleet test fixture (functions/fleet-fixture): what Create makes (allow list rows, the claim
 * certificate with its policy, its key only in the secret) and what Delete removes, against
 * aws-sdk-client-mock doubles of AWS IoT, DynamoDB, Secrets Manager and Step Functions.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  AttachPolicyCommand, CreateKeysAndCertificateCommand, DeleteCertificateCommand, DeleteJobCommand, DeleteThingCommand,
  DescribeCertificateCommand, DetachPolicyCommand, DetachThingPrincipalCommand, IoTClient, ListAttachedPoliciesCommand,
  ListJobExecutionsForThingCommand, ListPrincipalThingsCommand, ListThingPrincipalsCommand, UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListExecutionsCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { FixtureProperties, fixtureTiming, onEvent } from './fleet-fixture';

const iot = mockClient(IoTClient);
const dynamodb = mockClient(DynamoDBClient);
const secrets = mockClient(SecretsManagerClient);
const sfn = mockClient(SFNClient);

const ID = (c: string) => c.repeat(64);
const ARN = (id: string) => `arn:aws:iot:eu-west-1:111122223333:cert/${id}`;
const PROPS: FixtureProperties = {
  AllowListTable: 'AllowList',
  Serials: ['SN1'],
  ThingNamePrefix: 'secure-iot-integ-x-',
  ClaimPolicyName: 'ClaimPolicy',
  ClaimSecretArn: 'arn:claim-secret',
  DeviceSecretArn: 'arn:device-secret',
  RotationJobIdPrefix: 'rotate-abcd1234-',
  StateMachineArns: ['arn:aws:states:eu-west-1:111122223333:stateMachine:Rotation'],
};
const err = (name: string) => Object.assign(new Error(name), { name });

beforeEach(() => {
  iot.reset(); dynamodb.reset(); secrets.reset(); sfn.reset();
  fixtureTiming.sleep = async () => undefined;
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('Create', () => {
  test('allows the serials, makes the claim certificate with the claim policy, and keeps its key out of the response', async () => {
    iot.on(CreateKeysAndCertificateCommand).resolves({
      certificateId: ID('c'), certificateArn: ARN(ID('c')), certificatePem: 'CLAIM-CERT', keyPair: { PrivateKey: 'CLAIM-KEY', PublicKey: 'PUB' },
    });
    const response = await onEvent({ RequestType: 'Create', ResourceProperties: PROPS });
    expect(response).toEqual({ PhysicalResourceId: ID('c'), Data: { ClaimCertificateId: ID('c'), ClaimCertificateArn: ARN(ID('c')), RunId: 'cccccccc' } });
    expect(JSON.stringify(response)).not.toContain('CLAIM-KEY');
    expect(dynamodb.commandCalls(PutItemCommand)[0].args[0].input).toEqual({
      TableName: 'AllowList', Item: { serialNumber: { S: 'SN1' }, status: { S: 'ALLOWED' } }, ConditionExpression: 'attribute_not_exists(serialNumber)',
    });
    expect(iot.commandCalls(CreateKeysAndCertificateCommand)[0].args[0].input).toEqual({ setAsActive: true });
    expect(iot.commandCalls(AttachPolicyCommand)[0].args[0].input).toEqual({ policyName: 'ClaimPolicy', target: ARN(ID('c')) });
    expect(JSON.parse(secrets.commandCalls(PutSecretValueCommand)[0].args[0].input.SecretString!))
      .toEqual({ certificateId: ID('c'), certificatePem: 'CLAIM-CERT', privateKey: 'CLAIM-KEY' });
    expect(JSON.stringify((console.log as jest.Mock).mock.calls)).not.toContain('CLAIM-KEY');
  });

  test('a claim certificate whose key could not be stored is removed before the failure is reported', async () => {
    iot.on(CreateKeysAndCertificateCommand).resolves({ certificateId: ID('c'), certificateArn: ARN(ID('c')), certificatePem: 'C', keyPair: { PrivateKey: 'K' } });
    secrets.on(PutSecretValueCommand).rejects(err('AccessDeniedException'));
    iot.on(DescribeCertificateCommand).resolves({ certificateDescription: { certificateArn: ARN(ID('c')), status: 'ACTIVE' } });
    iot.on(ListAttachedPoliciesCommand).resolves({ policies: [{ policyName: 'ClaimPolicy' }] });
    iot.on(ListPrincipalThingsCommand).resolves({ things: [] });
    await expect(onEvent({ RequestType: 'Create', ResourceProperties: PROPS })).rejects.toThrow(/AccessDeniedException/);
    expect(iot.commandCalls(DetachPolicyCommand)[0].args[0].input).toEqual({ policyName: 'ClaimPolicy', target: ARN(ID('c')) });
    expect(iot.commandCalls(UpdateCertificateCommand)[0].args[0].input).toEqual({ certificateId: ID('c'), newStatus: 'INACTIVE' });
    expect(iot.commandCalls(DeleteCertificateCommand)[0].args[0].input).toEqual({ certificateId: ID('c') });
  });

  test('a row the test already moved on is not reset', async () => {
    dynamodb.on(PutItemCommand).rejects(err('ConditionalCheckFailedException'));
    iot.on(DescribeCertificateCommand).resolves({ certificateDescription: { certificateArn: ARN(ID('c')) } });
    await expect(onEvent({ RequestType: 'Update', PhysicalResourceId: ID('c'), ResourceProperties: PROPS }))
      .resolves.toEqual({ PhysicalResourceId: ID('c'), Data: { ClaimCertificateId: ID('c'), ClaimCertificateArn: ARN(ID('c')), RunId: 'cccccccc' } });
    expect(iot.commandCalls(CreateKeysAndCertificateCommand)).toHaveLength(0);
  });
});

describe('Delete', () => {
  function account() {
    const certificates: { [id: string]: { status: string; policies: string[]; things: string[] } } = {
      [ID('a')]: { status: 'INACTIVE', policies: [], things: [] }, // rotated away: only the allow list and the device know it
      [ID('b')]: { status: 'ACTIVE', policies: ['DevicePolicy'], things: ['secure-iot-integ-x-SN1'] },
      [ID('c')]: { status: 'ACTIVE', policies: ['ClaimPolicy'], things: [] }, // the claim
      [ID('d')]: { status: 'PENDING_ACTIVATION', policies: [], things: [] }, // a refused provisioning's
    };
    sfn.on(ListExecutionsCommand).resolves({ executions: [{ executionArn: 'arn:exec-1' } as never] });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ certificateIds: [ID('a'), ID('d')], current: { privateKeyPem: 'K' } }) });
    dynamodb.on(GetItemCommand).resolves({ Item: { serialNumber: { S: 'SN1' }, certificateId: { S: ID('b') }, previousCertificateId: { S: ID('a') } } });
    iot.on(ListJobExecutionsForThingCommand).resolves({ executionSummaries: [{ jobId: 'rotate-abcd1234-run' }, { jobId: 'someone-elses-job' }] });
    iot.on(ListThingPrincipalsCommand).resolves({ principals: [ARN(ID('b'))] });
    iot.on(DescribeCertificateCommand).callsFake(({ certificateId }) => {
      const c = certificates[certificateId];
      if (!c) throw err('ResourceNotFoundException');
      return { certificateDescription: { certificateArn: ARN(certificateId), status: c.status } };
    });
    iot.on(ListAttachedPoliciesCommand).callsFake(({ target }) => ({ policies: certificates[target.split('/')[1]].policies.map((policyName) => ({ policyName })) }));
    iot.on(ListPrincipalThingsCommand).callsFake(({ principal }) => ({ things: certificates[principal.split('/')[1]].things }));
    return certificates;
  }

  test('stops running executions, deletes the rotation jobs, every certificate the test touched and the thing', async () => {
    account();
    await onEvent({ RequestType: 'Delete', PhysicalResourceId: ID('c'), ResourceProperties: PROPS });
    expect(sfn.commandCalls(ListExecutionsCommand)[0].args[0].input).toMatchObject({ stateMachineArn: PROPS.StateMachineArns[0], statusFilter: 'RUNNING' });
    expect(sfn.commandCalls(StopExecutionCommand)[0].args[0].input).toMatchObject({ executionArn: 'arn:exec-1' });
    expect(iot.commandCalls(DeleteJobCommand).map((c) => c.args[0].input)).toEqual([{ jobId: 'rotate-abcd1234-run', force: true }]);
    expect(iot.commandCalls(DeleteCertificateCommand).map((c) => c.args[0].input.certificateId).sort()).toEqual([ID('a'), ID('b'), ID('c'), ID('d')]);
    expect(iot.commandCalls(DetachPolicyCommand).map((c) => c.args[0].input)).toEqual(expect.arrayContaining([
      { policyName: 'DevicePolicy', target: ARN(ID('b')) }, { policyName: 'ClaimPolicy', target: ARN(ID('c')) },
    ]));
    expect(iot.commandCalls(DetachThingPrincipalCommand).map((c) => c.args[0].input)).toEqual([{ thingName: 'secure-iot-integ-x-SN1', principal: ARN(ID('b')) }]);
    // Only ACTIVE certificates are deactivated (the pending one cannot be).
    expect(iot.commandCalls(UpdateCertificateCommand).map((c) => c.args[0].input.certificateId).sort()).toEqual([ID('b'), ID('c')]);
    expect(iot.commandCalls(DeleteThingCommand).map((c) => c.args[0].input)).toEqual([{ thingName: 'secure-iot-integ-x-SN1' }]);
  });

  test('waits out detach propagation (DeleteConflictException) and a thing still held', async () => {
    account();
    iot.on(DeleteCertificateCommand).rejectsOnce(err('DeleteConflictException')).resolves({});
    iot.on(DeleteThingCommand).rejectsOnce(err('InvalidRequestException')).resolves({});
    await onEvent({ RequestType: 'Delete', PhysicalResourceId: ID('c'), ResourceProperties: PROPS });
    expect(iot.commandCalls(DeleteCertificateCommand)).toHaveLength(5);
    expect(iot.commandCalls(DeleteThingCommand)).toHaveLength(2);
  });

  test('a refused provisioning\'s PENDING_ACTIVATION certificate is deactivated when it cannot be deleted as it is, else left to expire', async () => {
    account();
    iot.on(DeleteCertificateCommand, { certificateId: ID('d') }).rejectsOnce(err('CertificateStateException')).resolves({});
    await onEvent({ RequestType: 'Delete', PhysicalResourceId: ID('c'), ResourceProperties: PROPS });
    expect(iot.commandCalls(UpdateCertificateCommand, { certificateId: ID('d') }).map((c) => c.args[0].input)).toEqual([{ certificateId: ID('d'), newStatus: 'INACTIVE' }]);
    expect(iot.commandCalls(DeleteCertificateCommand, { certificateId: ID('d') })).toHaveLength(2);

    iot.reset();
    account();
    iot.on(DeleteCertificateCommand, { certificateId: ID('d') }).rejects(err('CertificateStateException'));
    iot.on(UpdateCertificateCommand, { certificateId: ID('d') }).rejects(err('InvalidRequestException'));
    await expect(onEvent({ RequestType: 'Delete', PhysicalResourceId: ID('c'), ResourceProperties: PROPS })).resolves.toBeDefined();
  });

  test('a policy or thing detached meanwhile (ResourceNotFoundException) is done, not a failure', async () => {
    account();
    iot.on(DetachPolicyCommand).rejects(err('ResourceNotFoundException'));
    iot.on(DetachThingPrincipalCommand).rejects(err('ResourceNotFoundException'));
    await expect(onEvent({ RequestType: 'Delete', PhysicalResourceId: ID('c'), ResourceProperties: PROPS })).resolves.toBeDefined();
    expect(iot.commandCalls(DeleteCertificateCommand).map((c) => c.args[0].input.certificateId).sort()).toEqual([ID('a'), ID('b'), ID('c'), ID('d')]);

    iot.reset();
    account();
    iot.on(DetachPolicyCommand).rejects(err('ThrottlingException'));
    await expect(onEvent({ RequestType: 'Delete', PhysicalResourceId: ID('c'), ResourceProperties: PROPS })).rejects.toThrow(/ThrottlingException/);
  });

  test('nothing was ever made (a failed create): the delete succeeds', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'generated-placeholder' });
    dynamodb.on(GetItemCommand).resolves({});
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    iot.on(ListJobExecutionsForThingCommand).rejects(err('ResourceNotFoundException'));
    iot.on(ListThingPrincipalsCommand).rejects(err('ResourceNotFoundException'));
    iot.on(DeleteThingCommand).rejects(err('ResourceNotFoundException'));
    await expect(onEvent({ RequestType: 'Delete', PhysicalResourceId: 'a-request-id', ResourceProperties: PROPS })).resolves.toEqual({ PhysicalResourceId: 'a-request-id' });
    expect(iot.commandCalls(DeleteCertificateCommand)).toHaveLength(0);
  });

  test('what cannot be removed fails the delete, after everything else was tried', async () => {
    account();
    iot.on(DeleteCertificateCommand, { certificateId: ID('b') }).rejects(err('DeleteConflictException'));
    await expect(onEvent({ RequestType: 'Delete', PhysicalResourceId: ID('c'), ResourceProperties: PROPS }))
      .rejects.toThrow(new RegExp(`Left in the account: removing certificate ${ID('b')}: DeleteConflictException`));
    expect(iot.commandCalls(DeleteCertificateCommand, { certificateId: ID('c') })).toHaveLength(1);
    expect(iot.commandCalls(DeleteThingCommand)).toHaveLength(1);
  });
});
