import { DescribeEventConfigurationsCommand, IoTClient, UpdateEventConfigurationsCommand } from '@aws-sdk/client-iot';
import {
  DeleteParameterCommand, GetParameterCommand, ParameterAlreadyExists, ParameterNotFound, PutParameterCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { CustomResourceEvent, EVENT_TYPES, onEvent } from '../../../lib/monitoring/handlers/iot-event-configurations';

const iot = mockClient(IoTClient);
const ssm = mockClient(SSMClient);

const PARAM = '/cdk-secure-iot/iot-event-configurations/state';
const STACK = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/S/1';
const ME = `iot-event-configurations:${STACK}/EventConfigurations`;
/** The account before: thing events on (someone else's), jobs off, CA certificates on. */
const FOUND = { THING: { Enabled: true }, JOB: { Enabled: false }, CA_CERTIFICATE: { Enabled: true } };
const FOUND_FLAT = Object.fromEntries(EVENT_TYPES.map((t) => [t, t === 'THING' || t === 'CA_CERTIFICATE']));

function event(type: 'Create' | 'Update' | 'Delete', types: unknown, extra: Partial<CustomResourceEvent> = {}): CustomResourceEvent {
  return {
    RequestType: type,
    ResponseURL: 'https://example.invalid/response',
    StackId: STACK,
    RequestId: 'req-1',
    LogicalResourceId: 'EventConfigurations',
    ResourceProperties: { ServiceToken: 'arn:fn', EnabledEventTypes: types as string[], StateParameter: PARAM },
    ...extra,
  };
}

const kept = (owner: string, previous: object = FOUND_FLAT) => ({ Parameter: { Value: JSON.stringify({ previous, owner }) } });
const updates = () => iot.commandCalls(UpdateEventConfigurationsCommand).map((c) => c.args[0].input.eventConfigurations);
const written = () => ssm.commandCalls(PutParameterCommand).map((c) => ({ ...c.args[0].input, Value: JSON.parse(c.args[0].input.Value!) }));

beforeEach(() => {
  iot.reset();
  ssm.reset();
  iot.on(DescribeEventConfigurationsCommand).resolves({ eventConfigurations: FOUND as never });
  iot.on(UpdateEventConfigurationsCommand).resolves({});
  ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'nope', $metadata: {} }));
  ssm.on(PutParameterCommand).resolves({});
  ssm.on(DeleteParameterCommand).resolves({});
});

test('Create keeps every type as it found it, takes ownership, and switches on only the types asked for', async () => {
  const result = await onEvent(event('Create', ['JOB', 'JOB_EXECUTION', 'CERTIFICATE', 'CA_CERTIFICATE']));
  expect(written()).toEqual([expect.objectContaining({ Name: PARAM, Overwrite: false, Value: { previous: FOUND_FLAT, owner: ME } })]);
  expect(updates()).toEqual([{ JOB: { Enabled: true }, JOB_EXECUTION: { Enabled: true }, CERTIFICATE: { Enabled: true }, CA_CERTIFICATE: { Enabled: true } }]);
  expect(result).toEqual({ PhysicalResourceId: ME, Data: { EnabledEventTypes: 'JOB,JOB_EXECUTION,CERTIFICATE,CA_CERTIFICATE' } });
});

test('Create after a move keeps the earliest finding, not the configuration the old resource set', async () => {
  ssm.on(GetParameterCommand).resolves(kept('iot-event-configurations:old'));
  await onEvent(event('Create', ['JOB']));
  expect(iot.commandCalls(DescribeEventConfigurationsCommand)).toHaveLength(0);
  expect(written()).toEqual([expect.objectContaining({ Overwrite: true, Value: { previous: FOUND_FLAT, owner: ME } })]);
  expect(updates()).toEqual([{ JOB: { Enabled: true } }]);
});

test('Create racing another writer keeps that writer\'s earlier finding', async () => {
  ssm.on(GetParameterCommand).rejectsOnce(new ParameterNotFound({ message: 'nope', $metadata: {} })).resolves(kept('iot-event-configurations:other', { ...FOUND_FLAT, JOB: true }));
  ssm.on(PutParameterCommand, { Overwrite: false }).rejects(new ParameterAlreadyExists({ message: 'exists', $metadata: {} }));
  await onEvent(event('Create', ['JOB']));
  expect(written().at(-1)).toEqual(expect.objectContaining({ Overwrite: true, Value: { previous: { ...FOUND_FLAT, JOB: true }, owner: ME } }));
});

test('Update switches on new types and puts back, as found, the ones no longer asked for', async () => {
  ssm.on(GetParameterCommand).resolves(kept(ME));
  await onEvent(event('Update', ['JOB', 'THING_GROUP_MEMBERSHIP'], {
    PhysicalResourceId: ME,
    OldResourceProperties: { EnabledEventTypes: ['JOB', 'JOB_EXECUTION', 'CA_CERTIFICATE'], StateParameter: PARAM },
  }));
  // JOB_EXECUTION was off before the library; CA_CERTIFICATE was on: each goes back to that.
  expect(updates()).toEqual([{ JOB_EXECUTION: { Enabled: false }, CA_CERTIFICATE: { Enabled: true }, JOB: { Enabled: true }, THING_GROUP_MEMBERSHIP: { Enabled: true } }]);
  expect(written()).toEqual([]);
});

test('Delete puts back each type it switched on as it was found, never touches the others, and forgets the state', async () => {
  ssm.on(GetParameterCommand).resolves(kept(ME));
  const result = await onEvent(event('Delete', ['JOB', 'JOB_EXECUTION', 'CERTIFICATE', 'CA_CERTIFICATE'], { PhysicalResourceId: ME }));
  expect(updates()).toEqual([{ JOB: { Enabled: false }, JOB_EXECUTION: { Enabled: false }, CERTIFICATE: { Enabled: false }, CA_CERTIFICATE: { Enabled: true } }]);
  expect(ssm.commandCalls(DeleteParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: PARAM }]);
  expect(result).toEqual({ PhysicalResourceId: ME });
});

test('Delete of a resource that no longer owns the setting (a moved construct) leaves it to the new owner', async () => {
  ssm.on(GetParameterCommand).resolves(kept('iot-event-configurations:new'));
  await onEvent(event('Delete', ['JOB'], { PhysicalResourceId: ME }));
  expect(updates()).toEqual([]);
  expect(ssm.commandCalls(DeleteParameterCommand)).toHaveLength(0);
});

test('Delete with no state kept (already restored) does nothing, so it is safe to repeat', async () => {
  await onEvent(event('Delete', ['JOB'], { PhysicalResourceId: ME }));
  expect(updates()).toEqual([]);
});

test('Delete after a bad request still restores what it owns: every type as found', async () => {
  ssm.on(GetParameterCommand).resolves(kept(ME));
  await onEvent(event('Delete', ['NOT_A_TYPE'], { PhysicalResourceId: ME }));
  expect(updates()).toEqual([Object.fromEntries(EVENT_TYPES.map((t) => [t, { Enabled: FOUND_FLAT[t] }]))]);
});

test.each([
  [['JOBS']],
  ['JOB'],
  [[1]],
])('Create refuses event types AWS IoT does not have (%j) before changing anything', async (types) => {
  await expect(onEvent(event('Create', types))).rejects.toThrow(/EnabledEventTypes must be a list of THING, .*CA_CERTIFICATE, got/);
  expect(updates()).toEqual([]);
  expect(written()).toEqual([]);
});
