import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, PreProvisioningHookEvent } from '../../../lib/identity/handlers/fleet-provisioning-hook';

const ddb = mockClient(DynamoDBClient);
const CERT = 'a'.repeat(64);
const event = (parameters: object = { SerialNumber: 'SN-0001' }, extra: Partial<PreProvisioningHookEvent> = {}): PreProvisioningHookEvent => ({
  claimCertificateId: 'b'.repeat(64),
  certificateId: CERT,
  certificatePem: '-----BEGIN CERTIFICATE-----',
  templateArn: 'arn:aws:iot:eu-west-1:111122223333:provisioningtemplate/T',
  clientId: 'provisioning-1',
  parameters: parameters as PreProvisioningHookEvent['parameters'],
  ...extra,
});
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'no', $metadata: {} });

beforeEach(() => {
  ddb.reset();
  process.env.ALLOW_LIST_TABLE = 'AllowList';
  process.env.TEMPLATE_PARAMETERS = 'Site,Criticality';
  process.env.DEFAULT_CRITICALITY = 'medium';
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

test('admits a serial on the allow list with one conditional write, once', async () => {
  ddb.on(UpdateItemCommand).resolves({ Attributes: { serialNumber: { S: 'SN-0001' }, status: { S: 'PROVISIONED' } } });
  expect(await handler(event())).toEqual({ allowProvisioning: true, parameterOverrides: { Criticality: 'medium' } });
  const calls = ddb.commandCalls(UpdateItemCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0].args[0].input;
  expect(input.TableName).toBe('AllowList');
  expect(input.Key).toEqual({ serialNumber: { S: 'SN-0001' } });
  expect(input.ConditionExpression).toBe('attribute_exists(serialNumber) AND (#status = :allowed OR (#status = :provisioned AND certificateId = :cert))');
  expect(input.ExpressionAttributeValues![':cert']).toEqual({ S: CERT });
  expect(input.ExpressionAttributeValues![':allowed']).toEqual({ S: 'ALLOWED' });
});

test('what the allow list knows of the device overrides what it claims', async () => {
  ddb.on(UpdateItemCommand).resolves({ Attributes: { site: { S: 'plant-1' }, criticality: { S: 'high' } } });
  expect(await handler(event({ SerialNumber: 'SN-0001', Site: 'elsewhere' }))).toEqual({ allowProvisioning: true, parameterOverrides: { Site: 'plant-1', Criticality: 'high' } });
});

test('the criticality is never the device\'s: a device claiming safety-critical gets the allow list\'s, else the fleet default', async () => {
  ddb.on(UpdateItemCommand).resolves({ Attributes: { serialNumber: { S: 'SN-0001' } } });
  expect(await handler(event({ SerialNumber: 'SN-0001', Criticality: 'safety-critical' }))).toEqual({ allowProvisioning: true, parameterOverrides: { Criticality: 'medium' } });
  ddb.on(UpdateItemCommand).resolves({ Attributes: { criticality: { S: 'low' } } });
  expect(await handler(event({ SerialNumber: 'SN-0001', Criticality: 'safety-critical' }))).toEqual({ allowProvisioning: true, parameterOverrides: { Criticality: 'low' } });
  // Without a default configured, it fails closed rather than keep the device's claim.
  delete process.env.DEFAULT_CRITICALITY;
  await expect(handler(event({ SerialNumber: 'SN-0001', Criticality: 'safety-critical' }))).rejects.toThrow(/DEFAULT_CRITICALITY/);
});

test('only parameters the template declares are overridden', async () => {
  process.env.TEMPLATE_PARAMETERS = 'Model';
  ddb.on(UpdateItemCommand).resolves({ Attributes: { site: { S: 'plant-1' } } });
  expect(await handler(event())).toEqual({ allowProvisioning: true });
});

test('refuses an unknown, revoked or already provisioned serial (the condition fails)', async () => {
  ddb.on(UpdateItemCommand).rejects(conditionFailed());
  expect(await handler(event())).toEqual({ allowProvisioning: false });
});

test('a second device reusing a provisioned serial is refused; the same request retried is admitted', async () => {
  // Simulates the table: the first write wins, the condition admits only the same certificate again.
  let owner: string | undefined;
  ddb.on(UpdateItemCommand).callsFake((input) => {
    const cert = input.ExpressionAttributeValues[':cert'].S;
    if (owner !== undefined && owner !== cert) throw conditionFailed();
    owner = cert;
    return { Attributes: {} };
  });
  expect(await handler(event())).toMatchObject({ allowProvisioning: true });
  expect(await handler(event())).toMatchObject({ allowProvisioning: true });
  expect(await handler(event(undefined, { certificateId: 'c'.repeat(64) }))).toEqual({ allowProvisioning: false });
});

test.each([
  ['no parameters', event(undefined, { parameters: undefined })],
  ['no serial', event({})],
  ['a serial that is not a string', event({ SerialNumber: 42 })],
  ['a serial with characters a thing name cannot hold', event({ SerialNumber: 'SN 1/../x' })],
  ['a serial too long', event({ SerialNumber: 'x'.repeat(129) })],
  ['no certificate ID', event(undefined, { certificateId: undefined })],
  ['a malformed certificate ID', event(undefined, { certificateId: 'nope' })],
  ['not an object', 'garbage' as unknown as PreProvisioningHookEvent],
  ['null', null as unknown as PreProvisioningHookEvent],
])('refuses a malformed payload without touching the table: %s', async (_name, e) => {
  expect(await handler(e)).toEqual({ allowProvisioning: false });
  expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(0);
});

test('table throttling fails closed: the error is thrown, nothing admitted', async () => {
  ddb.on(UpdateItemCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
  await expect(handler(event())).rejects.toThrow('slow down');
});

test('without its table setting it throws rather than admit', async () => {
  delete process.env.ALLOW_LIST_TABLE;
  await expect(handler(event())).rejects.toThrow('ALLOW_LIST_TABLE is not set');
});
