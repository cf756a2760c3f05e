import { createHash } from 'crypto';
import { DescribeJobExecutionCommand, IoTClient } from '@aws-sdk/client-iot';
import { GetObjectCommand, GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { DescribeSigningJobCommand, SignerClient } from '@aws-sdk/client-signer';
import { mockClient } from 'aws-sdk-client-mock';
import { checkSignedImage, Clients, deviceDigest, SignedImageEvent } from './ota-signed-image';

const signer = mockClient(SignerClient);
const s3 = mockClient(S3Client);
const iot = mockClient(IoTClient);
const clients: Clients = { signer: new SignerClient({}), s3: new S3Client({}), iot: new IoTClient({}) };
const event: SignedImageEvent = {
  signingJobId: 'job-1',
  releaseBucket: 'release-bucket',
  releaseKey: 'releases/d/1.0.0/firmware.bin',
  thingName: 'secure-iot-integ-ota-canary-1',
  canaryJobId: 'fw1-d-1_0_0-canary',
};
const UNSIGNED = 'cdk-secure-iot integration test firmware 1.0.0\n';
const SIGNED = '{"rawPayloadSize":48,"signature":"MEUCIQ..."}';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const body = (text: string) => ({ Body: { transformToByteArray: async () => new Uint8Array(Buffer.from(text)) } } as unknown as GetObjectCommandOutput);

function world(released: string, device: { [k: string]: string } | undefined) {
  signer.on(DescribeSigningJobCommand).resolves({
    status: 'Succeeded',
    signedObject: { s3: { bucketName: 'upload-bucket', key: 'signed/d/1.0.0/job-1' } },
    source: { s3: { bucketName: 'upload-bucket', key: 'incoming/d/1.0.0/firmware.bin', version: 'v1' } },
  });
  s3.on(GetObjectCommand, { Bucket: 'upload-bucket', Key: 'signed/d/1.0.0/job-1' }).resolves(body(SIGNED));
  s3.on(GetObjectCommand, { Bucket: 'upload-bucket', Key: 'incoming/d/1.0.0/firmware.bin' }).resolves(body(UNSIGNED));
  s3.on(GetObjectCommand, { Bucket: 'release-bucket', Key: event.releaseKey }).resolves(body(released));
  iot.on(DescribeJobExecutionCommand).resolves({ execution: { status: 'SUCCEEDED', statusDetails: { detailsMap: device } } });
}

beforeEach(() => {
  signer.reset();
  s3.reset();
  iot.reset();
});

test('a release of the signed object, downloaded by the device, is the signed image', async () => {
  world(SIGNED, { firmwareVersion: '1.0.0', downloadBytes: String(SIGNED.length), downloadSha256: sha(SIGNED) });
  expect(await checkSignedImage(event, clients)).toEqual({
    signingStatus: 'Succeeded',
    signedBucket: 'upload-bucket',
    signedKey: 'signed/d/1.0.0/job-1',
    signed: { bytes: SIGNED.length, sha256: sha(SIGNED) },
    released: { bytes: SIGNED.length, sha256: sha(SIGNED) },
    source: { bytes: UNSIGNED.length, sha256: sha(UNSIGNED) },
    device: { bytes: SIGNED.length, sha256: sha(SIGNED) },
    releasedIsSigned: true,
    deviceGotSigned: true,
    releasedIsSource: false,
  });
  // The source is read at the version Signer signed; the execution is the canary's, for the thing.
  expect(s3.commandCalls(GetObjectCommand, { Key: 'incoming/d/1.0.0/firmware.bin' })[0].args[0].input.VersionId).toBe('v1');
  expect(iot.commandCalls(DescribeJobExecutionCommand)[0].args[0].input).toEqual({ jobId: event.canaryJobId, thingName: event.thingName });
});

test('a pipeline that published the unsigned upload fails the check, and so does its device', async () => {
  world(UNSIGNED, { downloadBytes: String(UNSIGNED.length), downloadSha256: sha(UNSIGNED) });
  expect(await checkSignedImage(event, clients)).toMatchObject({ releasedIsSigned: false, deviceGotSigned: false, releasedIsSource: true });
});

test('a device that reported nothing, or a signing job without a signed object, never matches', async () => {
  world(SIGNED, undefined);
  expect(await checkSignedImage(event, clients)).toMatchObject({ releasedIsSigned: true, deviceGotSigned: false });
  signer.on(DescribeSigningJobCommand).resolves({ status: 'InProgress' });
  expect(await checkSignedImage(event, clients)).toMatchObject({ releasedIsSigned: false, deviceGotSigned: false, signed: undefined });
  expect(deviceDigest({ downloadBytes: 'x', downloadSha256: 'h' })).toEqual({ bytes: undefined, sha256: 'h' });
});
