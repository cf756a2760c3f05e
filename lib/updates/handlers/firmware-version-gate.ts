/*
 * The version gate of the signed firmware pipeline, called by its state machine.
 *
 * `check` reads an S3 "Object Created" event of the upload bucket, refuses what is not a
 * firmware release (bad key, unknown device type, not a semantic version) and any version not
 * strictly greater than the one the registry holds for the device type, and works out every name
 * the release will use. `commit` advances the registry with a conditional write, so two releases
 * racing for one device type cannot both win. `released` records the jobs once they exist.
 *
 * EventBridge delivers at least once and a failed execution can be redriven: an upload the
 * registry already holds (same device type, version and S3 object version) is a duplicate, and
 * every step after `commit` is safe to repeat.
 */
import {
  AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { compareVersions, isSemVer } from '../private/semver';

/** What the construct tells the handler about one device type (environment `PIPELINE_CONFIG`). */
export interface DeviceTypeConfig {
  /** The IoT software package of the device type. */
  readonly packageName: string;
  /** ARNs of the thing groups the fleet job targets. */
  readonly targets: string[];
  /** ARN of the canary thing group, when the rollout goes to it first. */
  readonly canaryTarget?: string;
  /** Name of the dynamic thing group that holds the device type's out-of-date things. */
  readonly complianceGroupName: string;
}

/** The handler's configuration, as JSON in the environment variable `PIPELINE_CONFIG`. */
export interface PipelineConfig {
  readonly tableName: string;
  readonly releaseBucket: string;
  /** Job IDs start with it, so the pipeline's IAM policy can be scoped to its own jobs. */
  readonly jobIdPrefix: string;
  readonly partition: string;
  readonly account: string;
  readonly deviceTypes: { [deviceType: string]: DeviceTypeConfig };
}

/** The part of an EventBridge "Object Created" event of S3 the gate reads. */
export interface ObjectCreatedDetail {
  readonly bucket?: { readonly name?: string };
  readonly object?: { readonly key?: string; readonly 'version-id'?: string; readonly size?: number };
}

/** Everything a release is called and where it goes; computed once, by `check`. */
export interface Release {
  readonly deviceType: string;
  readonly version: string;
  readonly fileName: string;
  readonly source: { readonly bucket: string; readonly key: string; readonly versionId: string };
  /** Where Signer writes the signed artifact, in the upload bucket. */
  readonly signedPrefix: string;
  readonly releaseBucket: string;
  readonly releaseKey: string;
  readonly packageName: string;
  /** The package version the jobs install, so each device's \$package shadow records it. */
  readonly packageVersionArn: string;
  /** The job document: the version comes from the registry entry this release creates. */
  readonly jobDocument: string;
  readonly canaryJobId: string;
  readonly fleetJobId: string;
  readonly targets: string[];
  readonly hasCanary: boolean;
  readonly canaryTargets: string[];
  readonly complianceGroupName: string;
  /** Things of the device type whose reported firmware is not this version. */
  readonly complianceQuery: string;
  readonly hasSbom: boolean;
  readonly sbom: { readonly bucket: string; readonly key: string; readonly version: string } | null;
}

export type Verdict = 'PROCEED' | 'DUPLICATE' | 'REFUSED' | 'IGNORED' | 'COMMITTED';

export interface GateResult {
  readonly verdict: Verdict;
  readonly reason: string;
  readonly release?: Release;
}

export type GateEvent =
  | { readonly action: 'check'; readonly detail: ObjectCreatedDetail }
  | { readonly action: 'commit'; readonly release: Release }
  | { readonly action: 'released'; readonly release: Release };

/** Uploads go under this prefix: `incoming/<deviceType>/<version>/<fileName>`. */
export const UPLOAD_PREFIX = 'incoming/';
/** An SBOM uploaded beside its firmware, before it: `<firmware key>.spdx.json` or `.cdx.json`. */
export const SBOM_SUFFIXES = ['.spdx.json', '.cdx.json'];
const DEVICE_TYPE = /^[A-Za-z0-9_-]{1,64}$/;
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

const dynamodb = new DynamoDBClient({});
const s3 = new S3Client({});

function config(): PipelineConfig {
  return JSON.parse(process.env.PIPELINE_CONFIG ?? '{}') as PipelineConfig;
}

const refuse = (reason: string): GateResult => ({ verdict: 'REFUSED', reason });

/** A job ID from a version: job IDs allow letters, digits, '-' and '_' only (64 at most). */
export function jobIdFor(prefix: string, deviceType: string, version: string, stage: 'canary' | 'fleet'): string {
  const id = `${prefix}-${deviceType}-${version.replace(/[^A-Za-z0-9_-]/g, '_')}-${stage}`;
  if (id.length <= 64) return id;
  // Too long: keep it unique and stable with a digest of the full name.
  let hash = 0n;
  for (const ch of id) hash = (hash * 131n + BigInt(ch.codePointAt(0)!)) % 0xffffffffffffn;
  return `${id.slice(0, 64 - 13 - stage.length - 1)}-${hash.toString(16).padStart(12, '0')}-${stage}`;
}

/** Parses an upload key; a string says why it is refused. */
export function parseKey(key: string, known: PipelineConfig['deviceTypes']): { deviceType: string; version: string; fileName: string } | string {
  if (!key.startsWith(UPLOAD_PREFIX)) return `the key ${JSON.stringify(key)} is not under ${UPLOAD_PREFIX}`;
  const parts = key.slice(UPLOAD_PREFIX.length).split('/');
  if (parts.length !== 3) return `the key ${JSON.stringify(key)} must be ${UPLOAD_PREFIX}<deviceType>/<version>/<fileName>`;
  const [deviceType, version, fileName] = parts;
  if (!DEVICE_TYPE.test(deviceType) || !Object.prototype.hasOwnProperty.call(known, deviceType)) {
    return `the device type ${JSON.stringify(deviceType)} is not one of the pipeline's (${Object.keys(known).join(', ')})`;
  }
  if (!isSemVer(version) || version.includes('+')) {
    return `the version ${JSON.stringify(version)} is not a semantic version without build metadata (MAJOR.MINOR.PATCH[-PRERELEASE])`;
  }
  if (!FILE_NAME.test(fileName)) return `the file name ${JSON.stringify(fileName)} must be 1-128 letters, digits, '.', '_' or '-'`;
  return { deviceType, version, fileName };
}

interface RegistryEntry {
  readonly version: string;
  readonly sourceKey: string;
  readonly sourceVersionId: string;
  readonly status: string;
}

async function readEntry(tableName: string, deviceType: string): Promise<RegistryEntry | undefined> {
  const { Item } = await dynamodb.send(new GetItemCommand({
    TableName: tableName,
    Key: { deviceType: { S: deviceType } },
    ConsistentRead: true,
  }));
  if (!Item) return undefined;
  return {
    version: Item.currentVersion?.S ?? '',
    sourceKey: Item.sourceKey?.S ?? '',
    sourceVersionId: Item.sourceVersionId?.S ?? '',
    status: Item.releaseStatus?.S ?? '',
  };
}

/** How a release stands against the registry's entry for its device type. */
function judge(release: Pick<Release, 'deviceType' | 'version' | 'source'>, entry: RegistryEntry | undefined): 'NEW' | 'SAME' | 'NOT_GREATER' | 'UNREADABLE' {
  if (!entry) return 'NEW';
  if (entry.version === release.version && entry.sourceKey === release.source.key && entry.sourceVersionId === release.source.versionId) return 'SAME';
  // Fail closed: an entry the gate cannot compare with lets nothing through.
  if (!isSemVer(entry.version)) return 'UNREADABLE';
  return compareVersions(release.version, entry.version) > 0 ? 'NEW' : 'NOT_GREATER';
}

const unreadable = (release: Pick<Release, 'deviceType'>, entry: RegistryEntry) =>
  refuse(`the registry entry of ${release.deviceType} holds ${JSON.stringify(entry.version)}, not a semantic version: correct it before releasing`);

async function findSbom(bucket: string, key: string): Promise<Release['sbom']> {
  for (const suffix of SBOM_SUFFIXES) {
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `${key}${suffix}` }));
      if (head.VersionId) return { bucket, key: `${key}${suffix}`, version: head.VersionId };
    } catch (e) {
      if (!(e instanceof NotFound) && (e as { name?: string }).name !== 'NotFound') throw e;
    }
  }
  return null;
}

/** The fleet-index query of a device type's things that do not run `version`. */
export function complianceQueryFor(deviceType: string, version: string): string {
  return `thingTypeName:${deviceType} AND NOT attributes.firmwareVersion:"${version}"`;
}

export async function check(detail: ObjectCreatedDetail): Promise<GateResult> {
  const cfg = config();
  const bucket = detail?.bucket?.name;
  const key = detail?.object?.key;
  const versionId = detail?.object?.['version-id'];
  if (typeof bucket !== 'string' || typeof key !== 'string' || typeof versionId !== 'string' || versionId === '') {
    return refuse('the event is not an S3 Object Created event of a versioned bucket (bucket.name, object.key and object.version-id are required)');
  }
  if (SBOM_SUFFIXES.some((s) => key.endsWith(s))) {
    return { verdict: 'IGNORED', reason: `${key} is an SBOM; it is registered with the firmware it names` };
  }
  const parsed = parseKey(key, cfg.deviceTypes);
  if (typeof parsed === 'string') return refuse(parsed);
  const { deviceType, version, fileName } = parsed;
  const type = cfg.deviceTypes[deviceType];
  const source = { bucket, key, versionId };
  const entry = await readEntry(cfg.tableName, deviceType);
  const standing = judge({ deviceType, version, source }, entry);
  if (standing === 'SAME' && entry!.status === 'RELEASED') {
    return { verdict: 'DUPLICATE', reason: `${deviceType} ${version} from this upload is already released` };
  }
  if (standing === 'UNREADABLE') return unreadable({ deviceType }, entry!);
  if (standing === 'NOT_GREATER') {
    return refuse(`${deviceType} ${version} is not greater than the released ${entry!.version}: downgrades and re-releases are refused`);
  }
  const releaseKey = `releases/${deviceType}/${version}/${fileName}`;
  const sbom = await findSbom(bucket, key);
  const jobDocument = JSON.stringify({
    operation: 'firmware-update',
    deviceType,
    version,
    file: {
      name: fileName,
      url: `\${aws:iot:s3-presigned-url:https://s3.${process.env.AWS_REGION}.amazonaws.com/${cfg.releaseBucket}/${releaseKey}}`,
    },
  });
  return {
    verdict: 'PROCEED',
    reason: standing === 'SAME' ? `${deviceType} ${version}: resuming a release that was committed but not finished` : `${deviceType} ${version} is greater than ${entry?.version ?? 'no release yet'}`,
    release: {
      deviceType,
      version,
      fileName,
      source,
      signedPrefix: `signed/${deviceType}/${version}/`,
      releaseBucket: cfg.releaseBucket,
      releaseKey,
      packageName: type.packageName,
      packageVersionArn: `arn:${cfg.partition}:iot:${process.env.AWS_REGION}:${cfg.account}:package/${type.packageName}/version/${version}`,
      jobDocument,
      canaryJobId: jobIdFor(cfg.jobIdPrefix, deviceType, version, 'canary'),
      fleetJobId: jobIdFor(cfg.jobIdPrefix, deviceType, version, 'fleet'),
      targets: type.targets,
      hasCanary: type.canaryTarget !== undefined,
      canaryTargets: type.canaryTarget === undefined ? [] : [type.canaryTarget],
      complianceGroupName: type.complianceGroupName,
      complianceQuery: complianceQueryFor(deviceType, version),
      hasSbom: sbom !== null,
      sbom,
    },
  };
}

function entryItem(release: Release, status: string): Record<string, AttributeValue> {
  return {
    deviceType: { S: release.deviceType },
    currentVersion: { S: release.version },
    sourceKey: { S: release.source.key },
    sourceVersionId: { S: release.source.versionId },
    releaseStatus: { S: status },
    committedAt: { S: new Date().toISOString() },
  };
}

/**
 * Advances the registry to the release's version, only from the entry it read: a concurrent
 * release that wrote first makes the condition fail, and the release is judged again against it.
 */
export async function commit(release: Release): Promise<GateResult> {
  const { tableName } = config();
  for (let attempt = 0; attempt < 3; attempt++) {
    const entry = await readEntry(tableName, release.deviceType);
    const standing = judge(release, entry);
    if (standing === 'SAME') return { verdict: 'COMMITTED', reason: `${release.deviceType} ${release.version} was already committed from this upload`, release };
    if (standing === 'UNREADABLE') return unreadable(release, entry!);
    if (standing === 'NOT_GREATER') {
      return refuse(`${release.deviceType} ${release.version} is not greater than ${entry!.version}, released while it was being signed`);
    }
    try {
      await dynamodb.send(new PutItemCommand({
        TableName: tableName,
        Item: entryItem(release, 'COMMITTED'),
        ...(entry
          ? {
            ConditionExpression: 'currentVersion = :seen AND sourceVersionId = :seenSource',
            ExpressionAttributeValues: { ':seen': { S: entry.version }, ':seenSource': { S: entry.sourceVersionId } },
          }
          : { ConditionExpression: 'attribute_not_exists(deviceType)' }),
      }));
      return { verdict: 'COMMITTED', reason: `${release.deviceType} ${release.version} replaces ${entry?.version ?? 'no release'}`, release };
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException) && (e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
    }
  }
  return refuse(`${release.deviceType} ${release.version}: the registry kept changing while committing; upload again`);
}

/** Marks the release as rolled out, so a repeated event for it is a duplicate. */
export async function released(release: Release): Promise<GateResult> {
  const { tableName } = config();
  try {
    await dynamodb.send(new UpdateItemCommand({
      TableName: tableName,
      Key: { deviceType: { S: release.deviceType } },
      UpdateExpression: 'SET releaseStatus = :released, releasedAt = :now, jobIds = :jobs',
      ConditionExpression: 'currentVersion = :version AND sourceVersionId = :source',
      ExpressionAttributeValues: {
        ':released': { S: 'RELEASED' },
        ':now': { S: new Date().toISOString() },
        ':jobs': { L: [...(release.hasCanary ? [release.canaryJobId] : []), release.fleetJobId].map((j) => ({ S: j })) },
        ':version': { S: release.version },
        ':source': { S: release.source.versionId },
      },
    }));
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException) && (e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
    return refuse(`${release.deviceType} ${release.version} was superseded in the registry before its rollout was recorded`);
  }
  return { verdict: 'COMMITTED', reason: `${release.deviceType} ${release.version} is rolling out`, release };
}

export async function handler(event: GateEvent): Promise<GateResult> {
  switch (event?.action) {
    case 'check': return check(event.detail);
    case 'commit': return commit(event.release);
    case 'released': return released(event.release);
    default: return refuse(`unknown action ${JSON.stringify((event as { action?: unknown })?.action)}`);
  }
}
