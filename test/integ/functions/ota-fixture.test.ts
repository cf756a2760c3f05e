import {
  AddThingToThingGroupCommand,
  CancelJobCommand,
  DeleteJobCommand,
  DeletePackageVersionCommand,
  DescribeEndpointCommand,
  DescribeJobCommand,
  IoTClient,
  ListJobsCommand,
  ListPackageVersionsCommand,
  ResourceNotFoundException,
  UpdateThingCommand,
} from '@aws-sdk/client-iot';
import { DeleteThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { ExecutionDoesNotExist, ListExecutionsCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { bucketAndPrefix, Clients, FixtureProperties, onEvent } from './ota-fixture';
import { CustomResourceRequest } from '../../../lib/core/private/custom-resource';

const iot = mockClient(IoTClient);
const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);
const iotData = mockClient(IoTDataPlaneClient);
const endpoints: string[] = [];
const clients: Clients = {
  iot: new IoTClient({}),
  s3: new S3Client({}),
  sfn: new SFNClient({}),
  iotData: (endpoint) => {
    endpoints.push(endpoint);
    return new IoTDataPlaneClient({ endpoint });
  },
  sleep: async () => undefined,
};
const SM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Release';
const notFound = () => new ResourceNotFoundException({ message: 'gone', $metadata: {} });

const props: FixtureProperties = {
  ThingName: 'secure-iot-integ-ota-canary-1',
  ThingTypeName: 'secure-iot-integ-ota-device',
  ThingGroupNames: ['secure-iot-integ-ota-device-canary', 'secure-iot-integ-ota-fleet'],
  StateMachineArn: SM,
  PackageName: 'secure-iot-integ-ota-device',
  ObjectPrefixes: ['upload-bucket/incoming/secure-iot-integ-ota-device/', 'release-bucket/releases/secure-iot-integ-ota-device/'],
};
const request = (type: 'Create' | 'Update' | 'Delete', physicalId?: string): CustomResourceRequest<FixtureProperties> => ({
  RequestType: type,
  ResponseURL: 'https://example.com/response',
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/SecureIotInteg-SignedOta/1',
  RequestId: 'request-1',
  LogicalResourceId: 'Fixture',
  PhysicalResourceId: physicalId,
  ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:f', ...props },
});

beforeEach(() => {
  iot.reset();
  s3.reset();
  sfn.reset();
  iotData.reset();
  endpoints.length = 0;
  iot.on(DescribeEndpointCommand).resolves({ endpointAddress: 'abc-ats.iot.eu-west-1.amazonaws.com' });
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

test('Create gives the thing its type and puts it in every group', async () => {
  expect(await onEvent(request('Create'), clients)).toEqual({ PhysicalResourceId: 'secure-iot-integ-ota-canary-1-fixture' });
  expect(iot.commandCalls(UpdateThingCommand)[0].args[0].input).toEqual({ thingName: props.ThingName, thingTypeName: props.ThingTypeName });
  expect(iot.commandCalls(AddThingToThingGroupCommand).map((c) => c.args[0].input)).toEqual(props.ThingGroupNames.map((thingGroupName) => ({ thingGroupName, thingName: props.ThingName })));
  expect(sfn.calls()).toHaveLength(0);
});

describe('Delete removes what the release automation made', () => {
  function world() {
    sfn.on(ListExecutionsCommand).resolves({ executions: [
      { executionArn: `${SM}:a`, stateMachineArn: SM, name: 'a', status: 'RUNNING', startDate: new Date() },
      { executionArn: `${SM}:b`, stateMachineArn: SM, name: 'b', status: 'RUNNING', startDate: new Date() },
    ] });
    sfn.on(StopExecutionCommand, { executionArn: `${SM}:b` }).rejects(new ExecutionDoesNotExist({ message: 'ended', $metadata: {} }));
    iot.on(ListJobsCommand, { thingGroupName: props.ThingGroupNames[0] }).resolves({ jobs: [{ jobId: 'fw1-canary', status: 'COMPLETED' }] });
    iot.on(ListJobsCommand, { thingGroupName: props.ThingGroupNames[1] }).resolvesOnce({ jobs: [{ jobId: 'fw1-fleet' }], nextToken: 't' }).resolves({ jobs: [{ jobId: 'fw2-fleet' }] });
    // The completed canary job is deleted at once; the fleet job is in progress, then being deleted, then gone.
    iot.on(DescribeJobCommand, { jobId: 'fw1-canary' }).resolvesOnce({ job: { status: 'COMPLETED' } }).rejects(notFound());
    iot.on(DescribeJobCommand, { jobId: 'fw1-fleet' })
      .resolvesOnce({ job: { status: 'IN_PROGRESS' } })
      .resolvesOnce({ job: { status: 'DELETION_IN_PROGRESS' } })
      .rejects(notFound());
    iot.on(DescribeJobCommand, { jobId: 'fw2-fleet' }).rejects(notFound());
    iot.on(ListPackageVersionsCommand).resolves({ packageVersionSummaries: [{ versionName: '1.0.0' }] });
    s3.on(ListObjectVersionsCommand, { Bucket: 'upload-bucket' })
      .resolvesOnce({ Versions: [{ Key: 'incoming/secure-iot-integ-ota-device/1.0.0/firmware.bin', VersionId: 'v1' }], IsTruncated: true, NextKeyMarker: 'k', NextVersionIdMarker: 'm' })
      .resolves({ DeleteMarkers: [{ Key: 'incoming/secure-iot-integ-ota-device/0.9.0/firmware.bin', VersionId: 'd1' }], IsTruncated: false });
    s3.on(ListObjectVersionsCommand, { Bucket: 'release-bucket' }).resolves({ IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({});
  }

  test('stops running executions, deletes the jobs of the groups, the package versions and every object version', async () => {
    world();
    await onEvent(request('Delete', 'secure-iot-integ-ota-canary-1-fixture'), clients);
    expect(sfn.commandCalls(ListExecutionsCommand)[0].args[0].input).toMatchObject({ stateMachineArn: SM, statusFilter: 'RUNNING' });
    expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input.executionArn)).toEqual([`${SM}:a`, `${SM}:b`]);
    // Only the active job is cancelled; every job is deleted with force.
    expect(iot.commandCalls(CancelJobCommand).map((c) => c.args[0].input)).toEqual([{ jobId: 'fw1-fleet', force: true, comment: 'Integration test cleanup' }]);
    expect(iot.commandCalls(DeleteJobCommand).map((c) => c.args[0].input)).toEqual([{ jobId: 'fw1-canary', force: true }, { jobId: 'fw1-fleet', force: true }]);
    expect(iot.commandCalls(ListJobsCommand).map((c) => c.args[0].input)).toEqual([
      { thingGroupName: props.ThingGroupNames[0], nextToken: undefined },
      { thingGroupName: props.ThingGroupNames[1], nextToken: undefined },
      { thingGroupName: props.ThingGroupNames[1], nextToken: 't' },
    ]);
    expect(iot.commandCalls(DeletePackageVersionCommand).map((c) => c.args[0].input)).toEqual([{ packageName: props.PackageName, versionName: '1.0.0' }]);
    expect(s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'upload-bucket', Prefix: 'incoming/secure-iot-integ-ota-device/', KeyMarker: undefined, VersionIdMarker: undefined },
      { Bucket: 'upload-bucket', Prefix: 'incoming/secure-iot-integ-ota-device/', KeyMarker: 'k', VersionIdMarker: 'm' },
      { Bucket: 'release-bucket', Prefix: 'releases/secure-iot-integ-ota-device/', KeyMarker: undefined, VersionIdMarker: undefined },
    ]);
    expect(s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'upload-bucket', Delete: { Objects: [{ Key: 'incoming/secure-iot-integ-ota-device/1.0.0/firmware.bin', VersionId: 'v1' }], Quiet: true } },
      { Bucket: 'upload-bucket', Delete: { Objects: [{ Key: 'incoming/secure-iot-integ-ota-device/0.9.0/firmware.bin', VersionId: 'd1' }], Quiet: true } },
    ]);
    expect(endpoints).toEqual(['https://abc-ats.iot.eu-west-1.amazonaws.com']);
    expect(iot.commandCalls(DescribeEndpointCommand)[0].args[0].input).toEqual({ endpointType: 'iot:Data-ATS' });
    expect(iotData.commandCalls(DeleteThingShadowCommand)[0].args[0].input).toEqual({ thingName: props.ThingName, shadowName: '$package' });
    // Package versions go only once no job is left.
    const order = iot.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);
    expect(order.lastIndexOf('DescribeJobCommand')).toBeLessThan(order.indexOf('DeletePackageVersionCommand'));
  });

  test('a job IoT is still busy with is tried again; one that never goes fails the delete, loudly', async () => {
    world();
    iot.on(DescribeJobCommand, { jobId: 'fw1-fleet' }).resolves({ job: { status: 'CANCELED' } });
    iot.on(DeleteJobCommand, { jobId: 'fw1-fleet' }).rejects(Object.assign(new Error('busy'), { name: 'InvalidStateTransitionException' }));
    await expect(onEvent(request('Delete', 'secure-iot-integ-ota-canary-1-fixture'), clients)).rejects.toThrow(/delete jobs: Error: jobs still there after five minutes/);
    expect(iot.commandCalls(DeleteJobCommand, { jobId: 'fw1-fleet' })).toHaveLength(30);
    // The other steps still ran.
    expect(iot.commandCalls(DeletePackageVersionCommand)).toHaveLength(1);
    expect(iotData.commandCalls(DeleteThingShadowCommand)).toHaveLength(1);
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(2);
  });

  test('a shadow it may not delete fails the delete, after everything else was removed', async () => {
    world();
    iotData.on(DeleteThingShadowCommand).rejects(Object.assign(new Error('not authorized'), { name: 'UnauthorizedException' }));
    sfn.on(StopExecutionCommand, { executionArn: `${SM}:a` }).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const failure = onEvent(request('Delete', 'secure-iot-integ-ota-canary-1-fixture'), clients);
    await expect(failure).rejects.toThrow('clean-up incomplete (2 of its steps failed): stop executions: AccessDeniedException: denied | delete the $package shadow: UnauthorizedException: not authorized');
    expect(iot.commandCalls(DeleteJobCommand)).toHaveLength(2);
    expect(iot.commandCalls(DeletePackageVersionCommand)).toHaveLength(1);
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(2);
  });

  test('objects S3 could not delete fail the delete', async () => {
    world();
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'incoming/x', Code: 'AccessDenied' }] });
    await expect(onEvent(request('Delete', 'secure-iot-integ-ota-canary-1-fixture'), clients)).rejects.toThrow(/could not delete 1 object versions in upload-bucket: incoming\/x AccessDenied/);
    // The release bucket's prefix is still cleaned after the upload bucket's failed.
    expect(s3.commandCalls(ListObjectVersionsCommand, { Bucket: 'release-bucket' })).toHaveLength(1);
  });

  test('a state machine, groups or package already gone are nothing to clean', async () => {
    sfn.on(ListExecutionsCommand).rejects(Object.assign(new Error('no'), { name: 'StateMachineDoesNotExist' }));
    iot.on(ListJobsCommand).rejects(notFound());
    iot.on(ListPackageVersionsCommand).rejects(notFound());
    iotData.on(DeleteThingShadowCommand).rejects(Object.assign(new Error('none'), { name: 'ResourceNotFoundException' }));
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
    await onEvent(request('Delete', 'secure-iot-integ-ota-canary-1-fixture'), clients);
    expect(iot.commandCalls(DeleteJobCommand)).toHaveLength(0);
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  test('after a Create that failed there is nothing to clean', async () => {
    await onEvent(request('Delete', 'failed-request-1'), clients);
    expect(sfn.calls()).toHaveLength(0);
    expect(iot.calls()).toHaveLength(0);
  });
});

test('object prefixes are bucket/prefix', () => {
  expect(bucketAndPrefix('b/incoming/x/')).toEqual({ bucket: 'b', prefix: 'incoming/x/' });
  expect(() => bucketAndPrefix('b')).toThrow(/must be bucket\/prefix, got "b"/);
  expect(() => bucketAndPrefix('b/')).toThrow(/must be bucket\/prefix/);
});
