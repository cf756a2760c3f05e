import { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { AuditFinding, IoTClient, ListAuditFindingsCommand } from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { FindingEvent } from '../../../lib/core/finding-event';
import { handler, parseNotification, RETRY } from '../../../lib/monitoring/handlers/audit-findings-relay';

const iot = mockClient(IoTClient);
const eventBridge = mockClient(EventBridgeClient);
const BUS = 'arn:aws:events:eu-west-1:111122223333:event-bus/findings';
const CERT = 'a'.repeat(64);

/** The notification Device Defender publishes (developer guide, "Audit notifications"). */
function notification(taskId: string, nonCompliant: number, status = 'COMPLETED') {
  return {
    accountId: '111122223333',
    taskId,
    taskStatus: status,
    taskType: 'SCHEDULED_AUDIT_TASK',
    scheduledAuditName: 'daily',
    failedChecksCount: 0,
    canceledChecksCount: 0,
    nonCompliantChecksCount: nonCompliant > 0 ? 1 : 0,
    compliantChecksCount: nonCompliant > 0 ? 16 : 17,
    totalChecksCount: 17,
    taskStartTime: 1524740766191,
    auditDetails: [{
      checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK',
      checkRunStatus: nonCompliant > 0 ? 'COMPLETED_NON_COMPLIANT' : 'COMPLETED_COMPLIANT',
      nonCompliantResourcesCount: nonCompliant,
      totalResourcesCount: 10,
    }],
  };
}

function certFinding(taskId: string, n: number): AuditFinding {
  return {
    findingId: `${taskId}-f${n}`,
    taskId,
    checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK',
    severity: 'CRITICAL',
    nonCompliantResource: { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: CERT } },
    relatedResources: [{ resourceType: 'CLIENT_ID', resourceIdentifier: { clientId: 'thing-1' } }],
    reasonForNonCompliance: 'Certificate shared by one or more devices.',
  };
}

const record = (messageId: string, body: unknown) => ({ messageId, body: typeof body === 'string' ? body : JSON.stringify(body) });
const putEntries = (): PutEventsRequestEntry[] => eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
const details = () => putEntries().map((e) => JSON.parse(e.Detail!));
const allPut = () => eventBridge.on(PutEventsCommand).callsFake((input) => ({ FailedEntryCount: 0, Entries: input.Entries.map((_: unknown, i: number) => ({ EventId: `e${i}` })) }));

let errors: jest.SpyInstance;
beforeEach(() => {
  iot.reset();
  eventBridge.reset();
  RETRY.baseDelayMs = 0;
  process.env.FINDINGS_BUS = BUS;
  allPut();
  errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

test('one finding event per non-compliant resource, in the FindingEvent contract, on the findings bus', async () => {
  iot.on(ListAuditFindingsCommand).resolves({
    findings: [
      certFinding('task1', 1),
      {
        findingId: 'task1-policy', taskId: 'task1', checkName: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK', severity: 'HIGH',
        nonCompliantResource: { resourceType: 'IOT_POLICY', resourceIdentifier: { policyVersionIdentifier: { policyName: 'open', policyVersionId: '3' } } },
        reasonForNonCompliance: 'Policy allows broad access to IoT data plane actions: [iot:Connect].',
      },
    ],
  });
  const out = await handler({ Records: [record('m1', notification('task1', 2))] });
  expect(out).toEqual({ batchItemFailures: [] });
  expect(iot.commandCalls(ListAuditFindingsCommand).map((c) => c.args[0].input)).toEqual([{ taskId: 'task1', listSuppressedFindings: false, maxResults: 250, nextToken: undefined }]);
  for (const entry of putEntries()) {
    expect(entry).toEqual(expect.objectContaining({ EventBusName: BUS, Source: FindingEvent.SOURCE, DetailType: FindingEvent.DETAIL_TYPE }));
  }
  expect(details()).toEqual([
    {
      findingId: 'task1-f1', checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', taskId: 'task1', severity: 'CRITICAL',
      resourceType: 'DEVICE_CERTIFICATE', certificateId: CERT, reason: 'Certificate shared by one or more devices.',
    },
    {
      findingId: 'task1-policy', checkName: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK', taskId: 'task1', severity: 'HIGH',
      resourceType: 'IOT_POLICY', policyName: 'open', reason: 'Policy allows broad access to IoT data plane actions: [iot:Connect].',
    },
  ]);
  // The relay never names a thing: a client ID is not a thing name, and the playbook reads the finding itself.
  expect(details().every((d) => d.thingName === undefined)).toBe(true);
});

test('reads every page of the task\'s findings and puts them 10 at a time', async () => {
  const first = Array.from({ length: 250 }, (_, i) => certFinding('big', i));
  const second = Array.from({ length: 7 }, (_, i) => certFinding('big', 250 + i));
  iot.on(ListAuditFindingsCommand, { taskId: 'big', nextToken: undefined }).resolves({ findings: first, nextToken: 'page2' })
    .on(ListAuditFindingsCommand, { taskId: 'big', nextToken: 'page2' }).resolves({ findings: second, nextToken: '' });
  const out = await handler({ Records: [record('m1', notification('big', 257))] });
  expect(out.batchItemFailures).toEqual([]);
  expect(iot.commandCalls(ListAuditFindingsCommand).map((c) => c.args[0].input.nextToken)).toEqual([undefined, 'page2']);
  const requests = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.length);
  expect(requests).toHaveLength(26);
  expect(Math.max(...requests)).toBe(10);
  expect(details().map((d) => d.findingId).sort()).toEqual([...first, ...second].map((f) => f.findingId).sort());
});

test('a large audit is put a few requests at a time, never more than 4 at once', async () => {
  iot.on(ListAuditFindingsCommand).resolves({ findings: Array.from({ length: 100 }, (_, i) => certFinding('t', i)) });
  eventBridge.reset();
  let inFlight = 0;
  let most = 0;
  eventBridge.on(PutEventsCommand).callsFake(async (input) => {
    most = Math.max(most, ++inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight--;
    return { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'e' })) };
  });
  const out = await handler({ Records: [record('m1', notification('t', 100))] });
  expect(out.batchItemFailures).toEqual([]);
  expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(10);
  expect(most).toBe(4);
});

test('several tasks in one batch are each relayed from their own findings; a compliant task reads nothing', async () => {
  iot.on(ListAuditFindingsCommand, { taskId: 'a' }).resolves({ findings: [certFinding('a', 1)] })
    .on(ListAuditFindingsCommand, { taskId: 'b' }).resolves({ findings: [certFinding('b', 1), certFinding('b', 2)] });
  const out = await handler({ Records: [record('m1', notification('a', 1)), record('m2', notification('clean', 0)), record('m3', notification('b', 2))] });
  expect(out.batchItemFailures).toEqual([]);
  expect(iot.commandCalls(ListAuditFindingsCommand).map((c) => c.args[0].input.taskId)).toEqual(['a', 'b']);
  expect(details().map((d) => d.findingId)).toEqual(['a-f1', 'b-f1', 'b-f2']);
});

test('a failed or canceled task\'s non-compliant checks are relayed too; suppressed findings and other tasks\' are not', async () => {
  iot.on(ListAuditFindingsCommand).resolves({
    findings: [certFinding('t', 1), { ...certFinding('t', 2), isSuppressed: true }, certFinding('other', 3)],
  });
  const out = await handler({ Records: [record('m1', notification('t', 3, 'FAILED'))] });
  expect(out.batchItemFailures).toEqual([]);
  expect(details().map((d) => d.findingId)).toEqual(['t-f1']);
});

test('the notification still in its SNS envelope (raw delivery off) is read the same', async () => {
  iot.on(ListAuditFindingsCommand).resolves({ findings: [certFinding('t', 1)] });
  const envelope = { Type: 'Notification', MessageId: 'x', TopicArn: 'arn:aws:sns:eu-west-1:111122223333:audit', Message: JSON.stringify(notification('t', 1)) };
  const out = await handler({ Records: [record('m1', envelope)] });
  expect(out.batchItemFailures).toEqual([]);
  expect(details().map((d) => d.findingId)).toEqual(['t-f1']);
});

test('entries EventBridge refuses are sent again, alone, until they are put', async () => {
  iot.on(ListAuditFindingsCommand).resolves({ findings: [1, 2, 3].map((n) => certFinding('t', n)) });
  eventBridge.reset();
  eventBridge.on(PutEventsCommand)
    .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'e1' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }, { EventId: 'e3' }] })
    .rejectsOnce(Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' }))
    .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e2' }] });
  const out = await handler({ Records: [record('m1', notification('t', 3))] });
  expect(out.batchItemFailures).toEqual([]);
  const calls = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.map((e) => JSON.parse(e.Detail!).findingId));
  expect(calls).toEqual([['t-f1', 't-f2', 't-f3'], ['t-f2'], ['t-f2']]);
});

test('entries still refused after the retries fail the message (SQS redelivers it, then the dead-letter queue keeps it), and say so', async () => {
  iot.on(ListAuditFindingsCommand).resolves({ findings: Array.from({ length: 12 }, (_, i) => certFinding('t', i)) });
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).callsFake((input) => ({
    FailedEntryCount: input.Entries.length > 2 ? 0 : 1,
    // The second request (2 entries) keeps refusing its last entry.
    Entries: input.Entries.map((_: unknown, i: number) => (input.Entries.length <= 2 && i === input.Entries.length - 1 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'boom' } : { EventId: `e${i}` })),
  }));
  const out = await handler({ Records: [record('m1', notification('t', 12)), record('m2', notification('clean', 0))] });
  expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
  expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1 + RETRY.attempts);
  const logged = errors.mock.calls.map((c) => JSON.parse(c[0]));
  expect(logged).toEqual([expect.objectContaining({
    level: 'ERROR', messageId: 'm1',
    message: expect.stringMatching(/EventBridge refused 1 entries \(InternalFailure: boom\) after 4 attempts; 11 of 12 finding events were put/),
  })]);
});

test('findings that cannot be listed fail the message; nothing of it is put', async () => {
  iot.on(ListAuditFindingsCommand).resolvesOnce({ findings: [certFinding('t', 1)], nextToken: 'p2' }).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
  const out = await handler({ Records: [record('m1', notification('t', 2))] });
  expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  expect(putEntries()).toEqual([]);
  expect(JSON.parse(errors.mock.calls[0][0]).message).toMatch(/AccessDeniedException: denied/);
});

test.each([
  ['not JSON', 'hello', /MalformedNotification: the message is not JSON: hello/],
  ['a JSON list', '[1]', /not a Device Defender audit notification/],
  ['no taskId', { taskStatus: 'COMPLETED', nonCompliantChecksCount: 1 }, /no valid taskId .* got undefined/],
  ['a taskId that is no task ID', { taskId: '../x', nonCompliantChecksCount: 1 }, /no valid taskId .* got "..\/x"/],
  ['auditDetails that are not a list', { taskId: 't', auditDetails: 'all fine' }, /auditDetails of task t must be a list/],
])('a malformed message (%s) is never dropped: it fails alone and is logged', async (_, body, message) => {
  iot.on(ListAuditFindingsCommand).resolves({ findings: [certFinding('ok', 1)] });
  const out = await handler({ Records: [record('bad', body as never), record('good', notification('ok', 1))] });
  expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
  expect(details().map((d) => d.findingId)).toEqual(['ok-f1']);
  expect(JSON.parse(errors.mock.calls[0][0])).toEqual(expect.objectContaining({ messageId: 'bad', message: expect.stringMatching(message) }));
});

test('a finding without an ID is not put (a playbook could not read it again), and is logged', async () => {
  iot.on(ListAuditFindingsCommand).resolves({ findings: [{ ...certFinding('t', 1), findingId: undefined }, certFinding('t', 2)] });
  const out = await handler({ Records: [record('m1', notification('t', 2))] });
  expect(out.batchItemFailures).toEqual([]);
  expect(details().map((d) => d.findingId)).toEqual(['t-f2']);
  expect(JSON.parse(errors.mock.calls[0][0]).message).toMatch(/without findingId/);
});

test('without its bus the function fails every message instead of dropping it', async () => {
  delete process.env.FINDINGS_BUS;
  const out = await handler({ Records: [record('m1', notification('t', 1))] });
  expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  expect(iot.commandCalls(ListAuditFindingsCommand)).toHaveLength(0);
});

test('a long reason is cut, so a request of 10 events stays far below EventBridge\'s 256 KB', async () => {
  iot.on(ListAuditFindingsCommand).resolves({ findings: [{ ...certFinding('t', 1), reasonForNonCompliance: 'x'.repeat(100_000) }] });
  await handler({ Records: [record('m1', notification('t', 1))] });
  expect(details()[0].reason).toHaveLength(1027);
});

test('parseNotification reads the documented payload as it is', () => {
  expect(parseNotification(JSON.stringify(notification('4e2bcd1ccbc2a5dd15292a82ab80c380', 1)))).toEqual(expect.objectContaining({ taskId: '4e2bcd1ccbc2a5dd15292a82ab80c380', taskStatus: 'COMPLETED' }));
});

test('the bundle Lambda runs (dist/handlers, as esbuild wrote it) relays the same way', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bundle = require('../../../dist/handlers/audit-findings-relay/index.js') as { handler: typeof handler };
  iot.on(ListAuditFindingsCommand).resolves({ findings: [certFinding('t', 1)] });
  const out = await bundle.handler({ Records: [record('m1', notification('t', 1)), record('m2', 'garbage')] });
  expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
  expect(putEntries()).toEqual([expect.objectContaining({ EventBusName: BUS, Source: 'cdk-secure-iot', DetailType: 'IoT Security Finding' })]);
  expect(details().map((d) => d.findingId)).toEqual(['t-f1']);
});
