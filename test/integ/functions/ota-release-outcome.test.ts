import { DescribeExecutionCommand, GetExecutionHistoryCommand, HistoryEvent, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { canarySeen, keyOf, outcome, summarize } from './ota-release-outcome';

const sfn = mockClient(SFNClient);
const SM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Release';
const KEY = 'incoming/secure-iot-integ-ota-device/0.9.0/firmware.bin';
const input = (key: string) => JSON.stringify({ 'detail-type': 'Object Created', 'detail': { bucket: { name: 'b' }, object: { key, 'version-id': 'v' } } });
let id = 0;
const entered = (name: string, type = 'TaskStateEntered'): HistoryEvent => ({ id: ++id, timestamp: new Date(), type: type as HistoryEvent['type'], stateEnteredEventDetails: { name } });
const exited = (name: string, output: object): HistoryEvent => ({ id: ++id, timestamp: new Date(), type: 'TaskStateExited', stateExitedEventDetails: { name, output: JSON.stringify(output) } });

beforeEach(() => {
  sfn.reset();
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

test('the key of an execution is the uploaded object\'s', () => {
  expect(keyOf(input(KEY))).toBe(KEY);
  expect(keyOf('{"detail":{}}')).toBeUndefined();
  expect(keyOf('not json')).toBeUndefined();
  expect(keyOf(undefined)).toBeUndefined();
});

test('states once each in the order first entered, and the version gate\'s verdict', () => {
  const refused = { gate: { verdict: 'REFUSED', reason: 'd 0.9.0 is not greater than the released 1.0.0: downgrades and re-releases are refused' } };
  expect(summarize([
    entered('CheckVersion'), exited('CheckVersion', refused), entered('Verdict?', 'ChoiceStateEntered'),
    entered('NotifyRefused'), entered('ReleaseFailed', 'FailStateEntered'),
  ])).toEqual({ states: ['CheckVersion', 'Verdict?', 'NotifyRefused', 'ReleaseFailed'], verdict: 'REFUSED', reason: refused.gate.reason });
  const polls = summarize([entered('WaitForCanary'), entered('DescribeCanaryJob'), entered('WaitForCanary'), entered('DescribeCanaryJob'), entered('CreateFleetJob')]);
  expect(polls.states).toEqual(['WaitForCanary', 'DescribeCanaryJob', 'CreateFleetJob']);
  expect(summarize([exited('CheckVersion', { gate: 'x' })]).verdict).toBeUndefined();
});

test('the canary job as the gate saw it just before the fleet job: the last DescribeCanaryJob output', () => {
  const canary = (Status: string, details: object) => ({ gate: { verdict: 'PROCEED' }, canary: { Job: { JobId: 'c', Status, JobProcessDetails: details } } });
  const polled = summarize([
    entered('WaitForCanary'), entered('DescribeCanaryJob'), exited('DescribeCanaryJob', canary('IN_PROGRESS', { NumberOfQueuedThings: 1 })),
    entered('CanaryDone?', 'ChoiceStateEntered'), entered('WaitForCanary'),
    entered('DescribeCanaryJob'), exited('DescribeCanaryJob', canary('COMPLETED', { NumberOfSucceededThings: 1, NumberOfFailedThings: 0 })),
    entered('CanaryDone?', 'ChoiceStateEntered'), entered('CreateFleetJob'), entered('RecordRelease'),
  ]);
  expect(polled.canaryBeforeFleet).toEqual({ status: 'COMPLETED', succeeded: 1, failed: 0, rejected: 0, timedOut: 0, canceled: 0, removed: 0 });
  // A gate that let the fleet job go while the canary was still running shows it.
  const early = summarize([
    entered('DescribeCanaryJob'), exited('DescribeCanaryJob', canary('IN_PROGRESS', { NumberOfInProgressThings: 1 })), entered('CreateFleetJob'),
  ]);
  expect(early.canaryBeforeFleet).toEqual({ status: 'IN_PROGRESS', succeeded: undefined, failed: 0, rejected: 0, timedOut: 0, canceled: 0, removed: 0 });
  // No canary polled before the fleet job (or no fleet job): nothing to report.
  expect(summarize([entered('CreateFleetJob'), entered('DescribeCanaryJob'), exited('DescribeCanaryJob', canary('COMPLETED', {}))])).not.toHaveProperty('canaryBeforeFleet');
  expect(summarize([entered('DescribeCanaryJob'), exited('DescribeCanaryJob', canary('FAILED', {})), entered('NotifyCanaryFailed')])).not.toHaveProperty('canaryBeforeFleet');
});

test('a canary output the test cannot read reports nothing', () => {
  expect(canarySeen('not json')).toBeUndefined();
  expect(canarySeen('{"canary":{}}')).toBeUndefined();
  expect(canarySeen('{"canary":{"Job":{"Status":"COMPLETED","JobProcessDetails":{"NumberOfRejectedThings":2}}}}')).toMatchObject({ status: 'COMPLETED', rejected: 2 });
});

test('finds the upload\'s executions over pages, prefers a SUCCEEDED one, and reads its history', async () => {
  sfn.on(ListExecutionsCommand).resolvesOnce({ executions: [
    { executionArn: `${SM}:other`, stateMachineArn: SM, name: 'other', status: 'SUCCEEDED', startDate: new Date() },
    { executionArn: `${SM}:dup`, stateMachineArn: SM, name: 'dup', status: 'FAILED', startDate: new Date() },
  ], nextToken: 'n' }).resolves({ executions: [{ executionArn: `${SM}:ok`, stateMachineArn: SM, name: 'ok', status: 'SUCCEEDED', startDate: new Date() }] });
  sfn.on(DescribeExecutionCommand, { executionArn: `${SM}:other` }).resolves({ input: input('incoming/x/1.0.0/f'), status: 'SUCCEEDED' });
  sfn.on(DescribeExecutionCommand, { executionArn: `${SM}:dup` }).resolves({ input: input(KEY), status: 'FAILED', error: 'FirmwareReleaseFailed' });
  sfn.on(DescribeExecutionCommand, { executionArn: `${SM}:ok` }).resolves({ input: input(KEY), status: 'SUCCEEDED' });
  sfn.on(GetExecutionHistoryCommand).resolvesOnce({ events: [entered('CheckVersion'), exited('CheckVersion', { gate: { verdict: 'PROCEED', reason: 'r' } })], nextToken: 'h' })
    .resolves({ events: [entered('Released', 'SucceedStateEntered')] });
  expect(await outcome({ stateMachineArn: SM, key: KEY })).toEqual({
    status: 'SUCCEEDED', executions: 2, states: ['CheckVersion', 'Released'], verdict: 'PROCEED', reason: 'r',
  });
  expect(sfn.commandCalls(ListExecutionsCommand)[1].args[0].input).toMatchObject({ stateMachineArn: SM, nextToken: 'n' });
  expect(sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input)).toEqual([
    { executionArn: `${SM}:ok`, nextToken: undefined, maxResults: 1000 },
    { executionArn: `${SM}:ok`, nextToken: 'h', maxResults: 1000 },
  ]);
});

test('a failed execution carries its error; no execution yet is NONE', async () => {
  sfn.on(ListExecutionsCommand).resolves({ executions: [{ executionArn: `${SM}:f`, stateMachineArn: SM, name: 'f', status: 'FAILED', startDate: new Date() }] });
  sfn.on(DescribeExecutionCommand).resolves({ input: input(KEY), status: 'FAILED', error: 'FirmwareReleaseFailed' });
  sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
  expect(await outcome({ stateMachineArn: SM, key: KEY })).toEqual({ status: 'FAILED', executions: 1, error: 'FirmwareReleaseFailed', states: [] });
  expect(await outcome({ stateMachineArn: SM, key: 'incoming/none' })).toEqual({ status: 'NONE', executions: 0, states: [] });
});
