/*
 * Custom resource of the signed OTA integration test: sets up what CloudFormation cannot, and on
 * Delete removes what the release automation made at run time, so that destroying the test stack
 * leaves only the pipeline's retained resources.
 *
 * Create (and Update) gives the test thing its type and puts it into its thing groups
 * (AWS::IoT::Thing has no thing type, and CloudFormation has no thing group membership). Delete, in
 * this order, each step even if one before it failed (the failures are reported together):
 *  1. stops the release executions still running (one waiting for a canary that never finished),
 *     so none creates a job after the cleanup;
 *  2. cancels (force) and deletes (force) every job that targets the test's thing groups, and
 *     waits until they are gone;
 *  3. deletes every version of the test's software package (CloudFormation deletes the package,
 *     which IoT refuses while it has versions), and the thing's `$package` shadow, which AWS IoT
 *     writes when a job with destination package versions succeeds and the account's package
 *     configuration lets jobs update it (a thing's shadows outlive the thing);
 *  4. deletes every object version and delete marker under the given prefixes of the upload and
 *     release buckets (the buckets are retained: the runner deletes them).
 * Signing jobs cannot be deleted: they stay in Signer's job history, and cost nothing.
 */
import {
  AddThingToThingGroupCommand,
  CancelJobCommand,
  DeleteJobCommand,
  DeletePackageVersionCommand,
  DescribeJobCommand,
  IoTClient,
  ListJobsCommand,
  DescribeEndpointCommand,
  ListPackageVersionsCommand,
  UpdateThingCommand,
} from '@aws-sdk/client-iot';
import { DeleteThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CustomResourceRequest, CustomResourceResult, respond } from '../../../../lib/core/private/custom-resource';
import { errorName, stopRunningExecutions } from '../shared/cleanup';

export interface FixtureProperties {
  readonly ThingName: string;
  /** The thing's type (AWS::IoT::Thing cannot set one). */
  readonly ThingTypeName: string;
  /** Groups the thing joins, and whose jobs are deleted. */
  readonly ThingGroupNames: string[];
  readonly StateMachineArn: string;
  readonly PackageName: string;
  /** `bucket/prefix` entries: every object version under each prefix is deleted. */
  readonly ObjectPrefixes: string[];
}

export interface Clients {
  readonly iot: Pick<IoTClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
  readonly sfn: Pick<SFNClient, 'send'>;
  /** The IoT data plane client on the account's endpoint (`iot:Data-ATS`). */
  readonly iotData: (endpoint: string) => Pick<IoTDataPlaneClient, 'send'>;
  /** Waits between polls; tests pass one that does not wait. */
  readonly sleep: (ms: number) => Promise<void>;
}

const ACTIVE_JOB = ['IN_PROGRESS', 'SCHEDULED'];


async function jobsOf(c: Clients, thingGroupName: string): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await c.iot.send(new ListJobsCommand({ thingGroupName, nextToken }));
      ids.push(...(page.jobs ?? []).map((j) => j.jobId!).filter(Boolean));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (e) {
    if (errorName(e) !== 'ResourceNotFoundException') throw e;
  }
  return ids;
}

async function jobStatus(c: Clients, jobId: string): Promise<string | undefined> {
  try {
    return (await c.iot.send(new DescribeJobCommand({ jobId }))).job?.status ?? 'UNKNOWN';
  } catch (e) {
    if (errorName(e) === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

/**
 * Cancels (force) and deletes (force) the jobs, again while IoT is still busy with one (a job being
 * cancelled refuses deletion for a moment), until IoT no longer has them: about five minutes at most.
 */
async function deleteJobs(c: Clients, jobIds: string[]): Promise<void> {
  const retryLater = ['InvalidStateTransitionException', 'ConflictException', 'LimitExceededException', 'ThrottlingException'];
  for (let attempt = 0; attempt < 30; attempt++) {
    const left: string[] = [];
    for (const jobId of jobIds) {
      const status = await jobStatus(c, jobId);
      if (status === undefined) continue;
      left.push(jobId);
      if (status === 'DELETION_IN_PROGRESS') continue;
      try {
        if (ACTIVE_JOB.includes(status)) {
          await c.iot.send(new CancelJobCommand({ jobId, force: true, comment: 'Integration test cleanup' }));
        }
        await c.iot.send(new DeleteJobCommand({ jobId, force: true }));
      } catch (e) {
        if (errorName(e) !== 'ResourceNotFoundException' && !retryLater.includes(errorName(e) ?? '')) throw e;
      }
    }
    if (left.length === 0) return;
    await c.sleep(10_000);
  }
  throw new Error(`jobs still there after five minutes: ${jobIds.join(', ')}; delete the stack again to retry`);
}

async function deletePackageVersions(c: Clients, packageName: string): Promise<string[]> {
  const versions: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await c.iot.send(new ListPackageVersionsCommand({ packageName, nextToken }));
      versions.push(...(page.packageVersionSummaries ?? []).map((v) => v.versionName!).filter(Boolean));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (e) {
    if (errorName(e) === 'ResourceNotFoundException') return [];
    throw e;
  }
  for (const versionName of versions) {
    try {
      await c.iot.send(new DeletePackageVersionCommand({ packageName, versionName }));
    } catch (e) {
      if (errorName(e) !== 'ResourceNotFoundException') throw e;
    }
  }
  return versions;
}

async function deletePackageShadow(c: Clients, thingName: string): Promise<boolean> {
  const { endpointAddress } = await c.iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
  try {
    await c.iotData(`https://${endpointAddress}`).send(new DeleteThingShadowCommand({ thingName, shadowName: '$package' }));
    return true;
  } catch (e) {
    if (errorName(e) === 'ResourceNotFoundException') return false;
    throw e;
  }
}

/** Splits `bucket/prefix`. */
export function bucketAndPrefix(entry: string): { bucket: string; prefix: string } {
  const slash = entry.indexOf('/');
  if (slash <= 0 || slash === entry.length - 1) throw new Error(`ObjectPrefixes entries must be bucket/prefix, got ${JSON.stringify(entry)}`);
  return { bucket: entry.slice(0, slash), prefix: entry.slice(slash + 1) };
}

async function deleteObjects(c: Clients, entry: string): Promise<number> {
  const { bucket, prefix } = bucketAndPrefix(entry);
  let deleted = 0;
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  let truncated: boolean;
  do {
    const page = await c.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
    if (objects.length > 0) {
      const res = await c.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
      if ((res.Errors ?? []).length > 0) {
        throw new Error(`could not delete ${res.Errors!.length} object versions in ${bucket}: ${res.Errors!.slice(0, 3).map((e) => `${e.Key} ${e.Code}`).join('; ')}`);
      }
      deleted += objects.length;
    }
    truncated = page.IsTruncated === true;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  } while (truncated);
  return deleted;
}

/**
 * Every step runs even when one before it failed (an access denied on the shadow must not leave
 * the objects behind); the failures are then thrown together, so the Delete fails loudly and
 * deleting the stack again retries what is left. The order still matters when all works: no
 * execution left to create a job, no job left on a package version.
 */
export async function cleanUp(c: Clients, props: FixtureProperties): Promise<{ [k: string]: string }> {
  const failures: string[] = [];
  const step = async <T>(name: string, run: () => Promise<T>, none: T): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      return none;
    }
  };
  const stopped = await step('stop executions', () => stopRunningExecutions(c.sfn, props.StateMachineArn), 0);
  const jobIds: string[] = [];
  await step('delete jobs', async () => {
    jobIds.push(...new Set((await Promise.all(props.ThingGroupNames.map((g) => jobsOf(c, g)))).flat()));
    await deleteJobs(c, jobIds);
  }, undefined);
  const versions = await step('delete package versions', () => deletePackageVersions(c, props.PackageName), [] as string[]);
  const shadow = await step('delete the $package shadow', () => deletePackageShadow(c, props.ThingName), false);
  let objects = 0;
  for (const entry of props.ObjectPrefixes) objects += await step(`delete objects under ${entry}`, () => deleteObjects(c, entry), 0);
  const summary = { StoppedExecutions: String(stopped), DeletedJobs: jobIds.join(','), DeletedPackageVersions: versions.join(','), DeletedPackageShadow: String(shadow), DeletedObjectVersions: String(objects) };
  console.log(JSON.stringify({ level: failures.length ? 'ERROR' : 'INFO', cleanup: summary, failures }));
  if (failures.length > 0) throw new Error(`clean-up incomplete (${failures.length} of its steps failed): ${failures.join(' | ')}`);
  return summary;
}

export async function onEvent(event: CustomResourceRequest<FixtureProperties>, c: Clients): Promise<CustomResourceResult> {
  const props = event.ResourceProperties;
  const id = event.PhysicalResourceId ?? `${props.ThingName}-fixture`;
  if (event.RequestType === 'Delete') {
    // A Create that failed answered with this ID and made nothing: the test never ran.
    if (!id.startsWith('failed-')) await cleanUp(c, props);
    return { PhysicalResourceId: id };
  }
  await c.iot.send(new UpdateThingCommand({ thingName: props.ThingName, thingTypeName: props.ThingTypeName }));
  for (const thingGroupName of props.ThingGroupNames) {
    await c.iot.send(new AddThingToThingGroupCommand({ thingGroupName, thingName: props.ThingName }));
  }
  return { PhysicalResourceId: id };
}

const clients: Clients = {
  iot: new IoTClient({}),
  s3: new S3Client({}),
  sfn: new SFNClient({}),
  iotData: (endpoint) => new IoTDataPlaneClient({ endpoint }),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function handler(event: CustomResourceRequest<FixtureProperties>): Promise<void> {
  try {
    await respond(event, 'SUCCESS', await onEvent(event, clients));
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    console.error(JSON.stringify({ level: 'ERROR', requestType: event.RequestType, message }));
    // A failed Delete fails the stack's deletion, loudly: deleting the stack again retries it.
    await respond(event, 'FAILED', { PhysicalResourceId: event.PhysicalResourceId ?? `failed-${event.RequestId}` }, message);
  }
}
