import { DeviceEvent, Download, JobsDataPlane, readDocument, reported, runDevice } from './ota-device';

const SHA = 'a'.repeat(64);
const URL = 'https://s3.eu-west-1.amazonaws.com/release/releases/d/1.0.0/firmware.bin?X-Amz-Signature=abc';
const event: DeviceEvent = { thingName: 'secure-iot-integ-ota-canary-1', jobId: 'fw1-d-1_0_0-canary', expectedVersion: '1.0.0' };
const document = (version = '1.0.0', url: string = URL) => JSON.stringify({ operation: 'firmware-update', deviceType: 'd', version, file: { name: 'firmware.bin', url } });

function jobs(execution: { status?: string; jobDocument?: string; statusDetails?: { [k: string]: string } } | Error) {
  const updates: { status: string; statusDetails?: { [k: string]: string } }[] = [];
  const plane: JobsDataPlane = {
    describeJobExecution: async (input) => {
      expect(input).toEqual({ jobId: event.jobId, thingName: event.thingName, includeJobDocument: true });
      if (execution instanceof Error) throw execution;
      return { execution };
    },
    updateJobExecution: async (input) => {
      expect(input).toMatchObject({ jobId: event.jobId, thingName: event.thingName });
      updates.push({ status: input.status, statusDetails: input.statusDetails });
      return {};
    },
  };
  return { plane, updates };
}
const ok: Download = async (url) => {
  expect(url).toBe(URL);
  return { status: 200, bytes: 42, sha256: SHA };
};

test('a queued canary execution: IN_PROGRESS, the image downloaded, SUCCEEDED with the version', async () => {
  const { plane, updates } = jobs({ status: 'QUEUED', jobDocument: document() });
  expect(await runDevice(event, plane, ok)).toEqual({
    outcome: 'SUCCEEDED', jobId: event.jobId, reason: 'downloaded 42 bytes of 1.0.0', documentVersion: '1.0.0', downloadStatus: 200, downloadBytes: 42, downloadSha256: SHA,
  });
  expect(updates).toEqual([
    { status: 'IN_PROGRESS', statusDetails: { step: 'downloading' } },
    { status: 'SUCCEEDED', statusDetails: { firmwareVersion: '1.0.0', downloadStatus: '200', downloadBytes: '42', downloadSha256: SHA } },
  ]);
});

test('an execution already in progress (a retried call) is not started again', async () => {
  const { plane, updates } = jobs({ status: 'IN_PROGRESS', jobDocument: document() });
  expect((await runDevice(event, plane, ok)).outcome).toBe('SUCCEEDED');
  expect(updates.map((u) => u.status)).toEqual(['SUCCEEDED']);
});

test('no execution yet (a paced rollout) is WAITING; other errors fail the call', async () => {
  const notFound = Object.assign(new Error('no'), { name: 'ResourceNotFoundException' });
  expect(await runDevice(event, jobs(notFound).plane, ok)).toEqual({ outcome: 'WAITING', jobId: event.jobId, reason: 'no execution of the job for the thing yet' });
  await expect(runDevice(event, jobs(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })).plane, ok)).rejects.toThrow('denied');
});

test('an execution that already ended is reported as it is, without an update', async () => {
  // A retried call after a lost answer: what the device stored when it succeeded.
  const done = jobs({ status: 'SUCCEEDED', statusDetails: { firmwareVersion: '1.0.0', downloadStatus: '200', downloadBytes: '42', downloadSha256: SHA } });
  expect(await runDevice(event, done.plane, ok)).toEqual({
    outcome: 'SUCCEEDED', jobId: event.jobId, reason: 'the execution had already succeeded', documentVersion: '1.0.0', downloadStatus: 200, downloadBytes: 42, downloadSha256: SHA,
  });
  const cancelled = jobs({ status: 'CANCELED' });
  expect(await runDevice(event, cancelled.plane, ok)).toMatchObject({ outcome: 'FAILED', reason: 'the execution is CANCELED' });
  expect([...done.updates, ...cancelled.updates]).toEqual([]);
});

test('as a device would: another version, no presigned URL, or a failed download is reported FAILED', async () => {
  const older = jobs({ status: 'QUEUED', jobDocument: document('0.9.0') });
  expect(await runDevice(event, older.plane, ok)).toMatchObject({ outcome: 'FAILED', reason: 'the job carries version 0.9.0, not 1.0.0' });
  expect(older.updates).toEqual([{ status: 'FAILED', statusDetails: { reason: 'the job carries version 0.9.0, not 1.0.0' } }]);

  const placeholder = jobs({ status: 'QUEUED', jobDocument: document('1.0.0', '${aws:iot:s3-presigned-url:https://s3.eu-west-1.amazonaws.com/b/k}') });
  expect(await runDevice(event, placeholder.plane, ok)).toMatchObject({ outcome: 'FAILED', reason: expect.stringMatching(/no https URL/) });

  const denied = jobs({ status: 'QUEUED', jobDocument: document() });
  expect(await runDevice(event, denied.plane, async () => ({ status: 403, bytes: 243, sha256: SHA }))).toMatchObject({
    outcome: 'FAILED', reason: 'the download answered HTTP 403 with 243 bytes', downloadStatus: 403,
  });
  expect(denied.updates.map((u) => u.status)).toEqual(['IN_PROGRESS', 'FAILED']);

  const unreachable = jobs({ status: 'QUEUED', jobDocument: document() });
  expect(await runDevice(event, unreachable.plane, async () => { throw new Error('ECONNRESET'); })).toMatchObject({
    outcome: 'FAILED', reason: 'the download failed: ECONNRESET',
  });
});

test('the job document is read defensively', () => {
  expect(readDocument(document())).toEqual({ version: '1.0.0', url: URL });
  expect(readDocument(undefined)).toBe('the job document is not JSON');
  expect(readDocument('{')).toBe('the job document is not JSON');
  expect(readDocument('{"file":{"url":"https://x"}}')).toBe('the job document has no version');
  expect(readDocument('{"version":"1.0.0","file":{"url":"http://x"}}')).toMatch(/no https URL/);
});

test('stored status details are read defensively', () => {
  expect(reported(undefined)).toEqual({});
  expect(reported({ firmwareVersion: '1.0.0', downloadStatus: 'x', downloadBytes: '-1' })).toEqual({ documentVersion: '1.0.0' });
  expect(reported({ downloadStatus: '200' })).toEqual({ downloadStatus: 200 });
});
