/*
 * Checks, for the signed OTA integration test, that what the release published and what the
 * canary device downloaded is the image Signer signed, not the upload it signed it from:
 *  - DescribeSigningJob names the signed object (bucket, key) and the source it signed;
 *  - the signed object, the released object and the source are read and hashed (SHA-256, size;
 *    S3 ETags cannot be compared: under SSE-KMS they are no digest of the content);
 *  - the canary's job execution carries, in its status details, the SHA-256 and size of the image
 *    the device downloaded (the test's device stores them when it reports SUCCEEDED).
 * `releasedIsSource` is reported, not judged here: whether Signer's output for the platform differs
 * from its input is Signer's format; the test asserts `releasedIsSigned` and `deviceGotSigned`.
 */
import { createHash } from 'crypto';
import { DescribeJobExecutionCommand, IoTClient } from '@aws-sdk/client-iot';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeSigningJobCommand, SignerClient } from '@aws-sdk/client-signer';

export interface SignedImageEvent {
  readonly signingJobId: string;
  readonly releaseBucket: string;
  readonly releaseKey: string;
  readonly thingName: string;
  readonly canaryJobId: string;
}

export interface Digest {
  readonly bytes: number;
  readonly sha256: string;
}

export interface SignedImageReport {
  readonly signingStatus?: string;
  readonly signedBucket?: string;
  readonly signedKey?: string;
  readonly signed?: Digest;
  readonly released?: Digest;
  readonly source?: Digest;
  readonly device?: Partial<Digest>;
  /** The released object has the signed object's size and SHA-256. */
  readonly releasedIsSigned: boolean;
  /** The canary device downloaded an image with the signed object's size and SHA-256. */
  readonly deviceGotSigned: boolean;
  /** The released object has the unsigned source's size and SHA-256. */
  readonly releasedIsSource: boolean;
}

export interface Clients {
  readonly signer: Pick<SignerClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
  readonly iot: Pick<IoTClient, 'send'>;
}

const same = (a: Partial<Digest> | undefined, b: Partial<Digest> | undefined) =>
  a?.sha256 !== undefined && a.sha256 === b?.sha256 && a.bytes !== undefined && a.bytes === b?.bytes;

async function digest(c: Clients, bucket: string, key: string, versionId?: string): Promise<Digest> {
  const res = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  const body = Buffer.from(await res.Body!.transformToByteArray());
  return { bytes: body.byteLength, sha256: createHash('sha256').update(body).digest('hex') };
}

/** The device's report in the execution's status details. */
export function deviceDigest(details: { [k: string]: string } | undefined): Partial<Digest> | undefined {
  if (!details) return undefined;
  const bytes = /^\d+$/.test(details.downloadBytes ?? '') ? Number(details.downloadBytes) : undefined;
  return { bytes, sha256: details.downloadSha256 };
}

export async function checkSignedImage(event: SignedImageEvent, c: Clients): Promise<SignedImageReport> {
  const job = await c.signer.send(new DescribeSigningJobCommand({ jobId: event.signingJobId }));
  const signedBucket = job.signedObject?.s3?.bucketName;
  const signedKey = job.signedObject?.s3?.key;
  const source = job.source?.s3;
  const released = await digest(c, event.releaseBucket, event.releaseKey);
  const signed = signedBucket && signedKey ? await digest(c, signedBucket, signedKey) : undefined;
  const unsigned = source?.bucketName && source.key ? await digest(c, source.bucketName, source.key, source.version) : undefined;
  const execution = (await c.iot.send(new DescribeJobExecutionCommand({ jobId: event.canaryJobId, thingName: event.thingName }))).execution;
  const device = deviceDigest(execution?.statusDetails?.detailsMap);
  return {
    signingStatus: job.status,
    signedBucket,
    signedKey,
    signed,
    released,
    source: unsigned,
    device,
    releasedIsSigned: same(released, signed),
    deviceGotSigned: same(device, signed),
    releasedIsSource: same(released, unsigned),
  };
}

const clients: Clients = { signer: new SignerClient({}), s3: new S3Client({}), iot: new IoTClient({}) };

export async function handler(event: SignedImageEvent): Promise<SignedImageReport> {
  const report = await checkSignedImage(event, clients);
  console.log(JSON.stringify(report));
  return report;
}
