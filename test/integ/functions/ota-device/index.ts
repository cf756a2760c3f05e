/*
 * The canary device of the signed OTA integration test, acting over the AWS IoT Jobs device
 * HTTPS API (Signature Version 4) as a device with IAM credentials may: it reads its execution
 * of the canary job with the job document (IoT fills in the presigned URL of the released image
 * with the pipeline's presign role), checks the version is the one expected, downloads the image,
 * and reports SUCCEEDED only when the download worked; FAILED otherwise, as a device would. With
 * SUCCEEDED it stores what it got in the execution's status details (version, HTTP status, size,
 * SHA-256 of the image): a later call (the assertion retries when an answer is lost) reports the
 * same from there, and the test compares the hash with Signer's signed object.
 *
 * The jobs data plane answers only on the account's own endpoint (DescribeEndpoint, iot:Jobs):
 * the SDK's default `data.jobs.iot.<region>` endpoint refuses requests ("Invalid endpoint").
 * Its client, `@aws-sdk/client-iot-jobs-data-plane`, is part of the Lambda Node.js runtime's AWS
 * SDK but not of this project's dependencies: it is loaded from the runtime, through the small
 * interface below.
 */
import { createHash } from 'crypto';
import { DescribeEndpointCommand, IoTClient } from '@aws-sdk/client-iot';

export interface DeviceEvent {
  readonly thingName: string;
  readonly jobId: string;
  /** The firmware version the job must carry. */
  readonly expectedVersion: string;
}

export interface DeviceResult {
  /** WAITING: the execution is not there yet (rollouts are paced); call again. */
  readonly outcome: 'WAITING' | 'SUCCEEDED' | 'FAILED';
  readonly jobId: string;
  readonly reason: string;
  readonly documentVersion?: string;
  readonly downloadStatus?: number;
  readonly downloadBytes?: number;
  /** SHA-256 of the downloaded image, hex. */
  readonly downloadSha256?: string;
}

/** What the device uses of `@aws-sdk/client-iot-jobs-data-plane`. */
export interface JobsDataPlane {
  describeJobExecution(input: { jobId: string; thingName: string; includeJobDocument: boolean }): Promise<{
    execution?: { status?: string; jobDocument?: string; versionNumber?: number; statusDetails?: { [k: string]: string } };
  }>;
  updateJobExecution(input: { jobId: string; thingName: string; status: string; statusDetails?: { [k: string]: string } }): Promise<unknown>;
}

export interface Downloaded {
  readonly status: number;
  readonly bytes: number;
  /** SHA-256 of the body, hex. */
  readonly sha256: string;
}
export type Download = (url: string) => Promise<Downloaded>;

const errorName = (e: unknown) => (e as { name?: string })?.name;
const TERMINAL = ['SUCCEEDED', 'FAILED', 'REJECTED', 'CANCELED', 'REMOVED', 'TIMED_OUT'];

/** Reads the job document's version and image URL, or says why it cannot. */
export function readDocument(document: string | undefined): { version: string; url: string } | string {
  let doc: { version?: unknown; file?: { url?: unknown } };
  try {
    doc = JSON.parse(document ?? '');
  } catch {
    return 'the job document is not JSON';
  }
  if (typeof doc?.version !== 'string') return 'the job document has no version';
  const url = doc.file?.url;
  if (typeof url !== 'string' || !url.startsWith('https://')) return 'the job document has no https URL of the image (the presigned URL placeholder was not replaced)';
  return { version: doc.version, url };
}

export async function runDevice(event: DeviceEvent, jobs: JobsDataPlane, download: Download): Promise<DeviceResult> {
  const { jobId, thingName } = event;
  let execution;
  try {
    ({ execution } = await jobs.describeJobExecution({ jobId, thingName, includeJobDocument: true }));
  } catch (e) {
    if (errorName(e) === 'ResourceNotFoundException') return { outcome: 'WAITING', jobId, reason: 'no execution of the job for the thing yet' };
    throw e;
  }
  const status = execution?.status ?? '';
  if (status === 'SUCCEEDED') return { outcome: 'SUCCEEDED', jobId, reason: 'the execution had already succeeded', ...reported(execution?.statusDetails) };
  if (TERMINAL.includes(status)) return { outcome: 'FAILED', jobId, reason: `the execution is ${status}` };

  const fail = async (reason: string, extra: Partial<DeviceResult> = {}): Promise<DeviceResult> => {
    await jobs.updateJobExecution({ jobId, thingName, status: 'FAILED', statusDetails: { reason: reason.slice(0, 256) } });
    return { outcome: 'FAILED', jobId, reason, ...extra };
  };
  const doc = readDocument(execution?.jobDocument);
  if (typeof doc === 'string') return fail(doc);
  if (doc.version !== event.expectedVersion) return fail(`the job carries version ${doc.version}, not ${event.expectedVersion}`, { documentVersion: doc.version });
  if (status === 'QUEUED') await jobs.updateJobExecution({ jobId, thingName, status: 'IN_PROGRESS', statusDetails: { step: 'downloading' } });
  let got: Downloaded;
  try {
    got = await download(doc.url);
  } catch (e) {
    return fail(`the download failed: ${e instanceof Error ? e.message : String(e)}`, { documentVersion: doc.version });
  }
  const extra = { documentVersion: doc.version, downloadStatus: got.status, downloadBytes: got.bytes, downloadSha256: got.sha256 };
  if (got.status !== 200 || got.bytes === 0) return fail(`the download answered HTTP ${got.status} with ${got.bytes} bytes`, extra);
  await jobs.updateJobExecution({
    jobId, thingName, status: 'SUCCEEDED',
    statusDetails: { firmwareVersion: doc.version, downloadStatus: String(got.status), downloadBytes: String(got.bytes), downloadSha256: got.sha256 },
  });
  return { outcome: 'SUCCEEDED', jobId, reason: `downloaded ${got.bytes} bytes of ${doc.version}`, ...extra };
}

/** What the device stored in the status details when it reported SUCCEEDED. */
export function reported(details: { [k: string]: string } | undefined): Partial<DeviceResult> {
  const d = details ?? {};
  const number = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const out: { [k: string]: string | number } = {};
  if (d.firmwareVersion !== undefined) out.documentVersion = d.firmwareVersion;
  if (number(d.downloadStatus) !== undefined) out.downloadStatus = number(d.downloadStatus)!;
  if (number(d.downloadBytes) !== undefined) out.downloadBytes = number(d.downloadBytes)!;
  if (d.downloadSha256 !== undefined) out.downloadSha256 = d.downloadSha256;
  return out as Partial<DeviceResult>;
}

/** The runtime's jobs data plane client on the account's endpoint. */
async function runtimeJobsDataPlane(): Promise<JobsDataPlane> {
  const { endpointAddress } = await new IoTClient({}).send(new DescribeEndpointCommand({ endpointType: 'iot:Jobs' }));
  // A name in a variable: esbuild leaves the require for the runtime to resolve (NODE_PATH).
  const name = '@aws-sdk/client-iot-jobs-data-plane';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require(name);
  const client = new sdk.IoTJobsDataPlaneClient({ endpoint: `https://${endpointAddress}` });
  return {
    describeJobExecution: (input) => client.send(new sdk.DescribeJobExecutionCommand(input)),
    updateJobExecution: (input) => client.send(new sdk.UpdateJobExecutionCommand(input)),
  };
}

async function fetchImage(url: string): Promise<Downloaded> {
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, bytes: body.byteLength, sha256: createHash('sha256').update(body).digest('hex') };
}

export async function handler(event: DeviceEvent): Promise<DeviceResult> {
  const result = await runDevice(event, await runtimeJobsDataPlane(), fetchImage);
  console.log(JSON.stringify(result));
  return result;
}
