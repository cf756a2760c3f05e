import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { FindingEvent } from '../../../lib';
import { handler } from './incident-producer';

const eventBridge = mockClient(EventBridgeClient);
const detail = { findingClass: 'SHARED_OR_REVOKED_CERTIFICATE', thingName: 'secure-iot-integ-incident-bulb', certificateId: 'c'.repeat(64) };
const named = (name: string, message = 'no') => Object.assign(new Error(message), { name });

beforeEach(() => eventBridge.reset());

test('puts one finding event in the contract the playbooks start on', async () => {
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  expect(await handler({ busName: 'bus', detail })).toEqual({ accepted: true, eventId: 'e-1' });
  expect(eventBridge.commandCalls(PutEventsCommand)[0].args[0].input).toEqual({
    Entries: [{ EventBusName: 'bus', Source: FindingEvent.SOURCE, DetailType: FindingEvent.DETAIL_TYPE, Detail: JSON.stringify(detail) }],
  });
});

test('puts another detail type when asked (what a grant limited to finding events must refuse)', async () => {
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] });
  await handler({ busName: 'bus', detail, detailType: 'Something Else' });
  expect(eventBridge.commandCalls(PutEventsCommand)[0].args[0].input.Entries![0]).toMatchObject({ Source: FindingEvent.SOURCE, DetailType: 'Something Else' });
});

test.each([
  ['the request fails (an explicit Deny in the bus policy)', () => eventBridge.on(PutEventsCommand).rejects(named('AccessDeniedException', 'explicit deny')), 'AccessDeniedException: explicit deny'],
  ['the entry fails', () => eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'no' }] }), 'NotAuthorizedForSourceException: no'],
])('a refusal for lack of authorization is the answer, not an error: %s', async (_name, arrange, refusal) => {
  arrange();
  expect(await handler({ busName: 'bus', detail })).toEqual({ accepted: false, refusal });
});

test.each([
  ['a throttled request', () => eventBridge.on(PutEventsCommand).rejects(named('ThrottlingException', 'Rate exceeded')), /Rate exceeded/],
  ['an entry failing for another reason', () => eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'oops' }] }), /failed the entry: InternalFailure/],
  ['an answer without an event ID', () => eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] }), /without an event ID/],
])('anything else fails the invocation (it says nothing about who may put findings): %s', async (_name, arrange, message) => {
  arrange();
  await expect(handler({ busName: 'bus', detail })).rejects.toThrow(message);
});

test('refuses a request without a bus or a detail', async () => {
  await expect(handler({ busName: 'bus' } as never)).rejects.toThrow(/busName and detail are required/);
  await expect(handler(undefined as never)).rejects.toThrow(/busName and detail are required/);
  expect(eventBridge.calls()).toHaveLength(0);
});
