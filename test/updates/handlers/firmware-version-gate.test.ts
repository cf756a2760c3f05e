import {
  ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  complianceQueryFor, handler, jobIdFor, parseKey, PipelineConfig, Release,
} from '../../../lib/updates/handlers/firmware-version-gate';

const dynamodb = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);

const CONFIG: PipelineConfig = {
  tableName: 'registry',
  releaseBucket: 'release-bucket',
  jobIdPrefix: 'fwS',
  partition: 'aws',
  account: '111122223333',
  deviceTypes: {
    sensor: { packageName: 'sensor', targets: ['arn:aws:iot:eu-west-1:111122223333:thinggroup/all'], complianceGroupName: 'sensor-firmware-out-of-date' },
    valve: {
      packageName: 'valve', targets: ['arn:aws:iot:eu-west-1:111122223333:thinggroup/valves'],
      canaryTarget: 'arn:aws:iot:eu-west-1:111122223333:thinggroup/valve-canary', complianceGroupName: 'valve-firmware-out-of-date',
    },
  },
};

const upload = (key: string, versionId = 'v-1') => ({ action: 'check' as const, detail: { bucket: { name: 'upload-bucket' }, object: { key, 'version-id': versionId } } });
const entry = (version: string, sourceVersionId = 'v-old', status = 'RELEASED', sourceKey = `incoming/sensor/${version}/fw.bin`) => ({
  Item: { deviceType: { S: 'sensor' }, currentVersion: { S: version }, sourceKey: { S: sourceKey }, sourceVersionId: { S: sourceVersionId }, releaseStatus: { S: status } },
});
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'nope', $metadata: {} });

beforeEach(() => {
  process.env.PIPELINE_CONFIG = JSON.stringify(CONFIG);
  process.env.AWS_REGION = 'eu-west-1';
  dynamodb.reset();
  s3.reset();
  dynamodb.on(GetItemCommand).resolves({});
  dynamodb.on(PutItemCommand).resolves({});
  dynamodb.on(UpdateItemCommand).resolves({});
  s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'no', $metadata: {} }));
});

describe('check', () => {
  test('a first release proceeds, with every name it will use', async () => {
    const r = await handler(upload('incoming/sensor/1.2.0/fw.bin'));
    expect(r.verdict).toBe('PROCEED');
    expect(r.release).toEqual({
      deviceType: 'sensor',
      version: '1.2.0',
      fileName: 'fw.bin',
      source: { bucket: 'upload-bucket', key: 'incoming/sensor/1.2.0/fw.bin', versionId: 'v-1' },
      signedPrefix: 'signed/sensor/1.2.0/',
      releaseBucket: 'release-bucket',
      releaseKey: 'releases/sensor/1.2.0/fw.bin',
      packageName: 'sensor',
      packageVersionArn: 'arn:aws:iot:eu-west-1:111122223333:package/sensor/version/1.2.0',
      jobDocument: expect.any(String),
      canaryJobId: 'fwS-sensor-1_2_0-canary',
      fleetJobId: 'fwS-sensor-1_2_0-fleet',
      targets: CONFIG.deviceTypes.sensor.targets,
      hasCanary: false,
      canaryTargets: [],
      complianceGroupName: 'sensor-firmware-out-of-date',
      complianceQuery: 'thingTypeName:sensor AND NOT attributes.firmwareVersion:"1.2.0"',
      hasSbom: false,
      sbom: null,
    });
    expect(JSON.parse(r.release!.jobDocument)).toEqual({
      operation: 'firmware-update',
      deviceType: 'sensor',
      version: '1.2.0',
      file: { name: 'fw.bin', url: '${aws:iot:s3-presigned-url:https://s3.eu-west-1.amazonaws.com/release-bucket/releases/sensor/1.2.0/fw.bin}' },
    });
    expect(dynamodb.commandCalls(GetItemCommand)[0].args[0].input).toMatchObject({ TableName: 'registry', Key: { deviceType: { S: 'sensor' } }, ConsistentRead: true });
  });

  test('a greater version proceeds; a canary group is targeted first where configured', async () => {
    dynamodb.on(GetItemCommand).resolves(entry('1.9.0'));
    const r = await handler(upload('incoming/valve/1.10.0/fw.bin'));
    expect(r.verdict).toBe('PROCEED');
    expect(r.release).toMatchObject({ hasCanary: true, canaryTargets: [CONFIG.deviceTypes.valve.canaryTarget] });
  });

  test('a downgrade is refused', async () => {
    dynamodb.on(GetItemCommand).resolves(entry('2.0.0'));
    const r = await handler(upload('incoming/sensor/1.9.9/fw.bin'));
    expect(r).toEqual({ verdict: 'REFUSED', reason: 'sensor 1.9.9 is not greater than the released 2.0.0: downgrades and re-releases are refused' });
  });

  test('an equal version from another upload is refused, and so is a pre-release of the released version', async () => {
    dynamodb.on(GetItemCommand).resolves(entry('2.0.0'));
    expect((await handler(upload('incoming/sensor/2.0.0/fw.bin', 'v-new'))).verdict).toBe('REFUSED');
    expect((await handler(upload('incoming/sensor/2.0.0-rc.1/fw.bin'))).verdict).toBe('REFUSED');
  });

  test('a duplicate delivery of a released upload is a duplicate; of a committed but unfinished one, it resumes', async () => {
    dynamodb.on(GetItemCommand).resolves(entry('2.0.0', 'v-1'));
    expect(await handler(upload('incoming/sensor/2.0.0/fw.bin', 'v-1'))).toEqual({ verdict: 'DUPLICATE', reason: 'sensor 2.0.0 from this upload is already released' });
    dynamodb.on(GetItemCommand).resolves(entry('2.0.0', 'v-1', 'COMMITTED'));
    const resumed = await handler(upload('incoming/sensor/2.0.0/fw.bin', 'v-1'));
    expect(resumed.verdict).toBe('PROCEED');
    expect(resumed.reason).toMatch(/resuming/);
  });

  test('a registry entry that is not a semantic version lets nothing through (fail closed)', async () => {
    dynamodb.on(GetItemCommand).resolves(entry('garbage'));
    expect(await handler(upload('incoming/sensor/99.0.0/fw.bin'))).toEqual({
      verdict: 'REFUSED', reason: 'the registry entry of sensor holds "garbage", not a semantic version: correct it before releasing',
    });
    const release = await releaseOf('incoming/sensor/99.0.0/fw.bin');
    dynamodb.on(GetItemCommand).resolves(entry('garbage'));
    expect((await handler({ action: 'commit', release })).verdict).toBe('REFUSED');
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(0);
  });

  test('an SBOM beside the image is found and registered with it', async () => {
    s3.on(HeadObjectCommand, { Bucket: 'upload-bucket', Key: 'incoming/sensor/1.0.0/fw.bin.cdx.json' }).resolves({ VersionId: 'sbom-v' });
    const r = await handler(upload('incoming/sensor/1.0.0/fw.bin'));
    expect(r.release).toMatchObject({ hasSbom: true, sbom: { bucket: 'upload-bucket', key: 'incoming/sensor/1.0.0/fw.bin.cdx.json', version: 'sbom-v' } });
  });

  test('an SBOM upload itself starts nothing', async () => {
    expect((await handler(upload('incoming/sensor/1.0.0/fw.bin.spdx.json'))).verdict).toBe('IGNORED');
    expect(dynamodb.commandCalls(GetItemCommand)).toHaveLength(0);
  });

  test('an S3 error other than not-found is not swallowed', async () => {
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(handler(upload('incoming/sensor/1.0.0/fw.bin'))).rejects.toThrow(/denied/);
  });

  test.each([
    [{}, /not an S3 Object Created event of a versioned bucket/],
    [{ bucket: { name: 'b' }, object: { key: 'incoming/sensor/1.0.0/fw.bin' } }, /version-id are required/],
    [null, /not an S3 Object Created event/],
  ])('a malformed event is refused: %p', async (detail, reason) => {
    const r = await handler({ action: 'check', detail: detail as never });
    expect(r.verdict).toBe('REFUSED');
    expect(r.reason).toMatch(reason);
  });

  test.each([
    ['elsewhere/sensor/1.0.0/fw.bin', /is not under incoming\//],
    ['incoming/sensor/fw.bin', /must be incoming\/<deviceType>\/<version>\/<fileName>/],
    ['incoming/sensor/1.0.0/sub/fw.bin', /must be incoming\/<deviceType>\/<version>\/<fileName>/],
    ['incoming/pump/1.0.0/fw.bin', /the device type "pump" is not one of the pipeline's \(sensor, valve\)/],
    ['incoming/constructor/1.0.0/fw.bin', /the device type "constructor" is not one of/],
    ['incoming/sensor/1.0/fw.bin', /the version "1.0" is not a semantic version/],
    ['incoming/sensor/v1.0.0/fw.bin', /the version "v1.0.0" is not a semantic version/],
    ['incoming/sensor/1.0.0+build/fw.bin', /without build metadata/],
    ['incoming/sensor/1.0.0/fw bin', /the file name "fw bin" must be/],
    ['incoming/sensor/1.0.0/.hidden', /the file name ".hidden" must be/],
  ])('%s is refused', async (key, reason) => {
    const r = await handler(upload(key));
    expect(r.verdict).toBe('REFUSED');
    expect(r.reason).toMatch(reason);
  });

  test('an unknown action is refused', async () => {
    expect(await handler({ action: 'nope' } as never)).toEqual({ verdict: 'REFUSED', reason: 'unknown action "nope"' });
    expect((await handler(undefined as never)).verdict).toBe('REFUSED');
  });
});

async function releaseOf(key: string, versionId = 'v-1'): Promise<Release> {
  dynamodb.on(GetItemCommand).resolves({});
  const release = (await handler(upload(key, versionId))).release!;
  // Start the calls under test from a clean count (resolvesOnce counts every earlier call).
  dynamodb.reset();
  dynamodb.on(GetItemCommand).resolves({});
  dynamodb.on(PutItemCommand).resolves({});
  dynamodb.on(UpdateItemCommand).resolves({});
  return release;
}

describe('commit', () => {
  test('the first release is written only if no entry exists', async () => {
    const release = await releaseOf('incoming/sensor/1.0.0/fw.bin');
    const r = await handler({ action: 'commit', release });
    expect(r.verdict).toBe('COMMITTED');
    const put = dynamodb.commandCalls(PutItemCommand)[0].args[0].input;
    expect(put.ConditionExpression).toBe('attribute_not_exists(deviceType)');
    expect(put.Item).toMatchObject({ deviceType: { S: 'sensor' }, currentVersion: { S: '1.0.0' }, sourceVersionId: { S: 'v-1' }, releaseStatus: { S: 'COMMITTED' } });
  });

  test('a later release is written only over the entry it read', async () => {
    const release = await releaseOf('incoming/sensor/1.1.0/fw.bin');
    dynamodb.on(GetItemCommand).resolves(entry('1.0.0', 'v-old'));
    await handler({ action: 'commit', release });
    expect(dynamodb.commandCalls(PutItemCommand)[0].args[0].input).toMatchObject({
      ConditionExpression: 'currentVersion = :seen AND sourceVersionId = :seenSource',
      ExpressionAttributeValues: { ':seen': { S: '1.0.0' }, ':seenSource': { S: 'v-old' } },
    });
  });

  test('two releases racing: the one whose conditional write fails is judged again, and refused when the winner is greater', async () => {
    const release = await releaseOf('incoming/sensor/1.1.0/fw.bin');
    dynamodb.on(GetItemCommand).resolvesOnce(entry('1.0.0')).resolves(entry('1.2.0', 'v-winner'));
    dynamodb.on(PutItemCommand).rejectsOnce(conditionFailed());
    const r = await handler({ action: 'commit', release });
    expect(r).toEqual({ verdict: 'REFUSED', reason: 'sensor 1.1.0 is not greater than 1.2.0, released while it was being signed' });
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(1);
  });

  test('racing an older release: the write is retried against the new entry and wins', async () => {
    const release = await releaseOf('incoming/sensor/1.5.0/fw.bin');
    dynamodb.on(GetItemCommand).resolvesOnce(entry('1.0.0')).resolves(entry('1.1.0', 'v-other'));
    dynamodb.on(PutItemCommand).rejectsOnce(conditionFailed()).resolves({});
    expect((await handler({ action: 'commit', release })).verdict).toBe('COMMITTED');
    const puts = dynamodb.commandCalls(PutItemCommand).map((c) => c.args[0].input.ExpressionAttributeValues);
    expect(puts).toEqual([{ ':seen': { S: '1.0.0' }, ':seenSource': { S: 'v-old' } }, { ':seen': { S: '1.1.0' }, ':seenSource': { S: 'v-other' } }]);
  });

  test('a registry that keeps changing gives up after three attempts', async () => {
    const release = await releaseOf('incoming/sensor/9.0.0/fw.bin');
    dynamodb.on(GetItemCommand).resolves(entry('1.0.0'));
    dynamodb.on(PutItemCommand).rejects(conditionFailed());
    expect((await handler({ action: 'commit', release })).reason).toMatch(/kept changing/);
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(3);
  });

  test('a repeated commit of the same upload is committed without writing', async () => {
    const release = await releaseOf('incoming/sensor/1.0.0/fw.bin');
    dynamodb.on(GetItemCommand).resolves(entry('1.0.0', 'v-1', 'COMMITTED', 'incoming/sensor/1.0.0/fw.bin'));
    expect((await handler({ action: 'commit', release })).verdict).toBe('COMMITTED');
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(0);
  });

  test('other DynamoDB errors fail the task (the state machine notifies)', async () => {
    const release = await releaseOf('incoming/sensor/1.0.0/fw.bin');
    dynamodb.on(PutItemCommand).rejects(new Error('throttled'));
    await expect(handler({ action: 'commit', release })).rejects.toThrow(/throttled/);
  });
});

describe('released', () => {
  test('records the jobs, only while the entry is still this release', async () => {
    const release = await releaseOf('incoming/valve/1.0.0/fw.bin');
    expect((await handler({ action: 'released', release })).verdict).toBe('COMMITTED');
    expect(dynamodb.commandCalls(UpdateItemCommand)[0].args[0].input).toMatchObject({
      ConditionExpression: 'currentVersion = :version AND sourceVersionId = :source',
      ExpressionAttributeValues: expect.objectContaining({
        ':released': { S: 'RELEASED' },
        ':jobs': { L: [{ S: 'fwS-valve-1_0_0-canary' }, { S: 'fwS-valve-1_0_0-fleet' }] },
      }),
    });
  });

  test('a release superseded meanwhile is reported, not recorded', async () => {
    const release = await releaseOf('incoming/sensor/1.0.0/fw.bin');
    dynamodb.on(UpdateItemCommand).rejects(conditionFailed());
    expect((await handler({ action: 'released', release })).verdict).toBe('REFUSED');
  });
});

test('job IDs: only letters, digits, - and _, at most 64, stable and distinct when shortened', () => {
  expect(jobIdFor('fwS', 'sensor', '1.0.0-rc.1', 'fleet')).toBe('fwS-sensor-1_0_0-rc_1-fleet');
  const long = jobIdFor('fwPrefix', 'a'.repeat(60), '1.0.0-alpha.beta.gamma', 'canary');
  expect(long).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  expect(long).toHaveLength(64);
  expect(jobIdFor('fwPrefix', 'a'.repeat(60), '1.0.0-alpha.beta.gamma', 'canary')).toBe(long);
  expect(jobIdFor('fwPrefix', 'a'.repeat(60), '1.0.0-alpha.beta.delta', 'canary')).not.toBe(long);
});

test('parseKey and complianceQueryFor', () => {
  expect(parseKey('incoming/sensor/1.0.0/fw.bin', CONFIG.deviceTypes)).toEqual({ deviceType: 'sensor', version: '1.0.0', fileName: 'fw.bin' });
  expect(complianceQueryFor('sensor', '1.0.0-rc.1')).toBe('thingTypeName:sensor AND NOT attributes.firmwareVersion:"1.0.0-rc.1"');
});
