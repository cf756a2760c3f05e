/*
 * Integration test: the signed firmware release path of SignedFirmwarePipeline, end to end.
 *
 * The stack deploys the pipeline with the CRITICAL_INFRASTRUCTURE profile (canary group first)
 * for one device type, a thing of that type in the canary group and in the fleet group, and a
 * throwaway code-signing certificate (ECDSA P-256, codeSigning) imported into ACM by a custom
 * resource. The assertions then upload firmware 1.0.0 as a build system would, act as the canary
 * device, and check each step with real calls: Signer signed the image, the released image and
 * the one the device downloaded are Signer's signed object (size and SHA-256), the package version
 * is published, the version registry holds the release, the canary job targets the canary group,
 * and the state machine created the fleet job only after it saw the canary job COMPLETED with its
 * one canary succeeded and none failed. Then an older image (0.9.0) is uploaded: the version gate
 * refuses it before anything is signed and no job is made for it.
 *
 * Needs fleet indexing (thing indexing mode REGISTRY at least) in the account and region: AWS IoT
 * Software Package Catalog itself requires it ("Enabling AWS IoT fleet indexing is a requirement
 * to use Software Package Catalog", Getting started with Software Package Catalog), and the
 * pipeline's dynamic thing groups exist only with it. The test does not switch it on. Job events
 * (event configurations) are not needed.
 */
import { App, ArnFormat, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import { AwsApiCall, ExpectedResult, IntegTest, InvocationType, Match } from '@aws-cdk/integ-tests-alpha';
import { RiskProfile, SignedFirmwarePipeline } from '../../lib';
import { testFunction } from './support/test-function';
import { exactly } from './support/exactly';

const PREFIX = 'secure-iot-integ-ota';
const DEVICE_TYPE = `${PREFIX}-device`;
const FLEET_GROUP = `${PREFIX}-fleet`;
const CANARY_GROUP = `${DEVICE_TYPE}-canary`;
const THING = `${PREFIX}-canary-1`;
const RELEASE = '1.0.0';
const ROLLBACK = '0.9.0';
const FILE = 'firmware.bin';
const uploadKey = (version: string) => `incoming/${DEVICE_TYPE}/${version}/${FILE}`;

const app = new App();
const stack = new Stack(app, 'SecureIotInteg-SignedOta');

// The device type, its fleet group and one device, which is both canary and fleet member.
const thingType = new iot.CfnThingType(stack, 'ThingType', {
  thingTypeName: DEVICE_TYPE,
  thingTypeProperties: { thingTypeDescription: 'cdk-secure-iot integration test device type (signed OTA)' },
});
const fleetGroup = new iot.CfnThingGroup(stack, 'FleetGroup', {
  thingGroupName: FLEET_GROUP,
  thingGroupProperties: { thingGroupDescription: 'cdk-secure-iot integration test fleet (signed OTA)' },
});
// AWS::IoT::Thing cannot name a thing type: the fixture below gives the thing its type.
const thing = new iot.CfnThing(stack, 'CanaryThing', {
  thingName: THING,
  attributePayload: { attributes: { firmwareVersion: '0.1.0' } },
});
// Deleted before its type: IoT deletes no thing type that things still have.
thing.node.addDependency(thingType);

// The code-signing certificate, made and imported by the test, deleted with the stack.
const certificateFunction = testFunction(stack, 'CertificateFunction', {
  entry: 'ota-certificate/index.ts',
  description: 'cdk-secure-iot integ (signed OTA): imports a throwaway code-signing certificate into ACM',
  timeout: Duration.minutes(1),
});
certificateFunction.addToRolePolicy(new iam.PolicyStatement({
  actions: ['acm:ImportCertificate', 'acm:DeleteCertificate'],
  resources: [stack.formatArn({ service: 'acm', resource: 'certificate', resourceName: '*' })],
}));
const certificateResource = new CustomResource(stack, 'CodeSigningCertificate', {
  serviceToken: certificateFunction.functionArn,
  resourceType: 'Custom::IntegCodeSigningCertificate',
  properties: { CommonName: `${PREFIX} code signing`, ValidityDays: '30' },
});
const signingCertificate = acm.Certificate.fromCertificateArn(stack, 'SigningCertificate', certificateResource.getAttString('CertificateArn'));

const pipeline = new SignedFirmwarePipeline(stack, 'Firmware', {
  riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE,
  signingCertificate,
  signatureValidity: Duration.days(1),
  // Short, so a release stuck on a canary that never reports ends within the hour.
  releaseTimeout: Duration.hours(1),
  deviceTypes: [{ thingTypeName: DEVICE_TYPE, targetThingGroupNames: [FLEET_GROUP] }],
});
const canaryGroup = pipeline.node.findChild('Canary0') as iot.CfnThingGroup;

// The thing's type and groups on Create; on Delete, everything the release automation made at run time.
const fixtureFunction = testFunction(stack, 'FixtureFunction', {
  entry: 'ota-fixture/index.ts',
  description: 'cdk-secure-iot integ (signed OTA): gives the test thing its type and groups; on delete, removes executions, jobs, package versions, shadow and objects',
  timeout: Duration.minutes(10),
});
const account = (resource: string, resourceName: string) => stack.formatArn({ service: 'iot', resource, resourceName });
const packageName = DEVICE_TYPE;
fixtureFunction.addToRolePolicy(new iam.PolicyStatement({
  actions: ['iot:AddThingToThingGroup'],
  resources: [account('thing', THING), canaryGroup.attrArn, fleetGroup.attrArn],
}));
fixtureFunction.addToRolePolicy(new iam.PolicyStatement({
  actions: ['iot:UpdateThing'],
  resources: [account('thing', THING), account('thingtype', DEVICE_TYPE)],
}));
// The thing's `$package` shadow, on the account's data endpoint. A named shadow is authorized on
// thing/<thing>/<shadow> (AWS IoT Core action resources; the Software Package Catalog policy
// examples use thing/<thing>/$package): the classic thing/<thing> ARN would not allow it, and the
// classic shadow is not deleted. `$package` is no IAM policy variable (those are `${...}`).
fixtureFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:DescribeEndpoint'], resources: ['*'] }));
fixtureFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:DeleteThingShadow'], resources: [account('thing', `${THING}/$package`)] }));
// ListJobs and ListExecutions name no job or execution; the job IDs are made at run time.
fixtureFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:ListJobs'], resources: ['*'] }));
fixtureFunction.addToRolePolicy(new iam.PolicyStatement({
  actions: ['iot:DescribeJob', 'iot:CancelJob', 'iot:DeleteJob'],
  resources: [account('job', '*')],
}));
fixtureFunction.addToRolePolicy(new iam.PolicyStatement({
  actions: ['iot:ListPackageVersions', 'iot:DeletePackageVersion'],
  resources: [account('package', packageName), account('package', `${packageName}/version/*`)],
}));
fixtureFunction.addToRolePolicy(new iam.PolicyStatement({
  actions: ['states:ListExecutions'],
  resources: [pipeline.stateMachine.stateMachineArn],
}));
fixtureFunction.addToRolePolicy(new iam.PolicyStatement({
  actions: ['states:StopExecution'],
  resources: [executionArns()],
}));
const objectPrefixes = [
  { bucket: pipeline.uploadBucket, prefixes: [`incoming/${DEVICE_TYPE}/`, `signed/${DEVICE_TYPE}/`] },
  { bucket: pipeline.releaseBucket, prefixes: [`releases/${DEVICE_TYPE}/`] },
];
for (const { bucket, prefixes } of objectPrefixes) {
  fixtureFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucketVersions'], resources: [bucket.bucketArn] }));
  fixtureFunction.addToRolePolicy(new iam.PolicyStatement({
    actions: ['s3:DeleteObjectVersion'],
    resources: prefixes.map((p) => bucket.arnForObjects(`${p}*`)),
  }));
}
const fixture = new CustomResource(stack, 'Fixture', {
  serviceToken: fixtureFunction.functionArn,
  resourceType: 'Custom::IntegSignedOtaFixture',
  properties: {
    ThingName: THING,
    ThingTypeName: DEVICE_TYPE,
    ThingGroupNames: [CANARY_GROUP, FLEET_GROUP],
    StateMachineArn: pipeline.stateMachine.stateMachineArn,
    PackageName: packageName,
    ObjectPrefixes: objectPrefixes.flatMap(({ bucket, prefixes }) => prefixes.map((p) => `${bucket.bucketName}/${p}`)),
  },
});
// Deleted first: before the pipeline (its package, state machine, buckets), the groups and the thing.
fixture.node.addDependency(pipeline, thing, thingType, fleetGroup);

// The canary device, and the reader of the state machine's executions.
const deviceFunction = testFunction(stack, 'DeviceFunction', {
  entry: 'ota-device/index.ts',
  description: 'cdk-secure-iot integ (signed OTA): the canary device, over the IoT Jobs device HTTPS API',
  timeout: Duration.minutes(1),
});
deviceFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:DescribeEndpoint'], resources: ['*'] }));
deviceFunction.addToRolePolicy(new iam.PolicyStatement({
  actions: ['iotjobsdata:DescribeJobExecution', 'iotjobsdata:UpdateJobExecution'],
  resources: [account('thing', THING)],
}));
const outcomeFunction = testFunction(stack, 'OutcomeFunction', {
  entry: 'ota-release-outcome/index.ts',
  description: 'cdk-secure-iot integ (signed OTA): reports how the release state machine handled an upload',
  timeout: Duration.minutes(1),
});
outcomeFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [pipeline.stateMachine.stateMachineArn] }));
outcomeFunction.addToRolePolicy(new iam.PolicyStatement({
  actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
  resources: [executionArns()],
}));

// Compares the released image and the device's download with the object Signer signed.
const signedImageFunction = testFunction(stack, 'SignedImageFunction', {
  entry: 'ota-signed-image/index.ts',
  description: 'cdk-secure-iot integ (signed OTA): compares the released and downloaded image with the signed object',
  timeout: Duration.minutes(1),
});
signedImageFunction.addToRolePolicy(new iam.PolicyStatement({
  actions: ['signer:DescribeSigningJob'],
  resources: [`arn:${stack.partition}:signer:${stack.region}:${stack.account}:/signing-jobs/*`],
}));
signedImageFunction.addToRolePolicy(new iam.PolicyStatement({
  actions: ['s3:GetObject'],
  resources: [pipeline.uploadBucket.arnForObjects(`signed/${DEVICE_TYPE}/*`), pipeline.releaseBucket.arnForObjects(`releases/${DEVICE_TYPE}/*`)],
}));
// The source is read at the version Signer signed.
signedImageFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObjectVersion'], resources: [pipeline.uploadBucket.arnForObjects(`incoming/${DEVICE_TYPE}/*`)] }));
signedImageFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [pipeline.encryptionKey.keyArn] }));
signedImageFunction.addToRolePolicy(new iam.PolicyStatement({
  actions: ['iot:DescribeJobExecution'],
  resources: [account('job', '*'), account('thing', THING)],
}));

/** The release state machine's executions: `arn:<partition>:states:<region>:<account>:execution:<name>:*`. */
function executionArns(): string {
  return stack.formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${pipeline.stateMachine.stateMachineName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

const integ = new IntegTest(app, 'SignedOta', { testCases: [stack], diffAssets: false, stackUpdateWorkflow: false });
const assertions = integ.assertions;

/** Uploads an image as a build system does; the bucket's default encryption (the pipeline's key) applies. */
function upload(version: string): AwsApiCall {
  const put = assertions.awsApiCall('S3', 'putObject', {
    Bucket: pipeline.uploadBucket.bucketName,
    Key: uploadKey(version),
    Body: `cdk-secure-iot integration test firmware ${version}\n`,
  }) as AwsApiCall;
  put.provider.addToRolePolicy({ Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: [pipeline.encryptionKey.keyArn] });
  return put;
}

/** How the state machine handled an upload, polled until `expected` holds. */
function outcomeOf(version: string, expected: object, totalTimeout: Duration): AwsApiCall {
  return assertions.invokeFunction({
    functionName: outcomeFunction.functionName,
    invocationType: InvocationType.REQUEST_RESPONSE,
    payload: JSON.stringify({ stateMachineArn: pipeline.stateMachine.stateMachineArn, key: uploadKey(version) }),
  }).expect(ExpectedResult.objectLike({ Payload: Match.serializedJson(Match.objectLike(expected)) }))
    .waitForAssertions({ totalTimeout, interval: Duration.seconds(30) }) as AwsApiCall;
}

const releaseKey = `releases/${DEVICE_TYPE}/${RELEASE}/${FILE}`;
const packageVersionArn = account('package', `${packageName}/version/${RELEASE}`);

// 1. A build system uploads firmware 1.0.0.
const first = upload(RELEASE);

// 2. The version gate passed it, Signer signed it, the registry committed it, the package version
// was published, and the canary job was created for the canary group, from the job template.
// Signing takes a minute or two; the state machine polls Signer every 10 seconds: 15 minutes.
const canaryJobs = assertions.awsApiCall('IoT', 'listJobs', { thingGroupName: CANARY_GROUP }) as AwsApiCall;
canaryJobs.assertAtPath('jobs.0.targetSelection', exactly('SNAPSHOT'))
  .waitForAssertions({ totalTimeout: Duration.minutes(15), interval: Duration.seconds(30) });
const canaryJobId = canaryJobs.getAttString('jobs.0.jobId');
const canaryJob = assertions.awsApiCall('IoT', 'describeJob', { jobId: canaryJobId }).expect(ExpectedResult.objectLike({
  job: {
    jobId: Match.stringLikeRegexp(`-${DEVICE_TYPE}-1_0_0-canary$`),
    targets: [canaryGroup.attrArn],
    targetSelection: 'SNAPSHOT',
    jobTemplateArn: pipeline.jobTemplate.attrArn,
    destinationPackageVersions: [packageVersionArn],
    // The template's abort criteria (CRITICAL_INFRASTRUCTURE: above 1 %, from 100 things) and timeout.
    abortConfig: { criteriaList: Match.arrayWith([{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 1, minNumberOfExecutedThings: 100 }]) },
    timeoutConfig: { inProgressTimeoutInMinutes: 60 },
    // The template's presigned URL configuration shows in the device's download (step 3).
  },
}));

// 3. The canary device takes the job: the document names 1.0.0 and a presigned URL of the signed
// image, the download works, the device reports SUCCEEDED (with the image's size and SHA-256 in the
// status details, which step 5 compares with the signed object, and which a retried call after a
// lost answer reports again). The rollout is paced (10 a minute): the execution can take a minute
// to be queued, so the device is asked again for 10 minutes.
const device = assertions.invokeFunction({
  functionName: deviceFunction.functionName,
  invocationType: InvocationType.REQUEST_RESPONSE,
  payload: JSON.stringify({ thingName: THING, jobId: canaryJobId, expectedVersion: RELEASE }),
}).expect(ExpectedResult.objectLike({
  Payload: Match.serializedJson(Match.objectLike({ outcome: 'SUCCEEDED', documentVersion: RELEASE, downloadStatus: 200 })),
})).waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(20) });

// 4. The release ends: the state machine checks the canary job every 5 minutes, creates the fleet
// job only once the canary succeeded, records the release and succeeds. 20 minutes. The canary gate
// itself: what DescribeCanaryJob last returned before CreateFleetJob was entered (from the
// execution's history) is the canary job COMPLETED, its one thing succeeded, none failed, rejected,
// timed out, cancelled or removed: the pipeline's `CanaryDone?` condition, met, not skipped.
const released = outcomeOf(RELEASE, {
  status: 'SUCCEEDED',
  verdict: 'PROCEED',
  states: Match.arrayWith([
    'CheckVersion', 'StartSigningJob', 'CommitVersion', 'PublishSignedImage', 'RegisterPackageVersion', 'PublishPackageVersion',
    'UpdateOutOfDateGroup', 'CreateCanaryJob', 'WaitForCanary', 'DescribeCanaryJob', 'CreateFleetJob', 'RecordRelease', 'Released',
  ]),
  canaryBeforeFleet: { status: 'COMPLETED', succeeded: 1, failed: 0, rejected: 0, timedOut: 0, canceled: 0, removed: 0 },
}, Duration.minutes(20));

// 5. What the release left: the signed image in the release bucket, made by a Signer job that
// succeeded with the test certificate on the pipeline's platform; the published package version;
// the registry entry; the fleet job for the fleet group.
// GetObject, not HeadObject: integ-tests would grant s3:HeadObject, which IAM does not have. Only
// the metadata is read back (the answer is cut to the asserted and referenced paths).
const signedImage = assertions.awsApiCall('S3', 'getObject', { Bucket: pipeline.releaseBucket.bucketName, Key: releaseKey }) as AwsApiCall;
signedImage.assertAtPath('Metadata.firmware-version', exactly(RELEASE));
// The release bucket is encrypted with the pipeline's key.
signedImage.provider.addToRolePolicy({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [pipeline.encryptionKey.keyArn] });
const signingJob = assertions.awsApiCall('Signer', 'describeSigningJob', { jobId: signedImage.getAttString('Metadata.signing-job-id') }).expect(ExpectedResult.objectLike({
  status: 'Succeeded',
  platformId: 'AWSIoTDeviceManagement-SHA256-ECDSA',
  signingMaterial: { certificateArn: signingCertificate.certificateArn },
  source: { s3: { bucketName: pipeline.uploadBucket.bucketName, key: uploadKey(RELEASE) } },
}));
// The released object, and the image the canary downloaded (its execution's status details), are
// the object the signing job wrote (same size and SHA-256): a pipeline publishing the upload fails.
const signedIsReleased = assertions.invokeFunction({
  functionName: signedImageFunction.functionName,
  invocationType: InvocationType.REQUEST_RESPONSE,
  payload: JSON.stringify({
    signingJobId: signedImage.getAttString('Metadata.signing-job-id'),
    releaseBucket: pipeline.releaseBucket.bucketName,
    releaseKey,
    thingName: THING,
    canaryJobId,
  }),
}).expect(ExpectedResult.objectLike({
  Payload: Match.serializedJson(Match.objectLike({
    signingStatus: 'Succeeded',
    signedBucket: pipeline.uploadBucket.bucketName,
    signedKey: Match.stringLikeRegexp(`^signed/${DEVICE_TYPE}/1\\.0\\.0/`),
    releasedIsSigned: true,
    deviceGotSigned: true,
  })),
}));
const packageVersion = assertions.awsApiCall('IoT', 'getPackageVersion', { packageName, versionName: RELEASE }).expect(ExpectedResult.objectLike({
  status: 'PUBLISHED',
  artifact: { s3Location: { bucket: pipeline.releaseBucket.bucketName, key: releaseKey } },
  attributes: { signingJobId: Match.stringLikeRegexp('.+') },
}));
const registry = () => assertions.awsApiCall('DynamoDB', 'getItem', {
  TableName: pipeline.versionRegistry.tableName,
  Key: { deviceType: { S: DEVICE_TYPE } },
  ConsistentRead: true,
}).expect(ExpectedResult.objectLike({
  Item: {
    currentVersion: { S: RELEASE },
    releaseStatus: { S: 'RELEASED' },
    sourceKey: { S: uploadKey(RELEASE) },
    jobIds: { L: [{ S: Match.stringLikeRegexp('-1_0_0-canary$') }, { S: Match.stringLikeRegexp('-1_0_0-fleet$') }] },
  },
})) as AwsApiCall;
const registryAfterRelease = registry();
// The table is encrypted with the pipeline's key.
registryAfterRelease.provider.addToRolePolicy({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [pipeline.encryptionKey.keyArn] });
const fleetJobs = assertions.awsApiCall('IoT', 'listJobs', { thingGroupName: FLEET_GROUP }).expect(ExpectedResult.objectLike({
  jobs: [Match.objectLike({ jobId: Match.stringLikeRegexp(`-${DEVICE_TYPE}-1_0_0-fleet$`), targetSelection: 'SNAPSHOT' })],
}));

// 6. A rollback: firmware 0.9.0 is uploaded after 1.0.0 was released. The version gate refuses it
// before signing: the execution goes CheckVersion, NotifyRefused (the alarm topic), and fails
// with FirmwareReleaseFailed. 10 minutes.
const rollback = upload(ROLLBACK);
const refused = outcomeOf(ROLLBACK, {
  status: 'FAILED',
  error: 'FirmwareReleaseFailed',
  verdict: 'REFUSED',
  reason: Match.stringLikeRegexp(`${DEVICE_TYPE} 0\\.9\\.0 is not greater than the released 1\\.0\\.0`),
  states: ['CheckVersion', 'Verdict?', 'NotifyRefused', 'ReleaseFailed'],
}, Duration.minutes(10));

// 7. And nothing came of it: still one job per group, only the 1.0.0 package version, the registry unchanged.
const canaryJobsAfter = assertions.awsApiCall('IoT', 'listJobs', { thingGroupName: CANARY_GROUP }).expect(ExpectedResult.objectLike({
  jobs: [Match.objectLike({ jobId: Match.stringLikeRegexp(`-${DEVICE_TYPE}-1_0_0-canary$`) })],
}));
const fleetJobsAfter = assertions.awsApiCall('IoT', 'listJobs', { thingGroupName: FLEET_GROUP }).expect(ExpectedResult.objectLike({
  jobs: [Match.objectLike({ jobId: Match.stringLikeRegexp(`-${DEVICE_TYPE}-1_0_0-fleet$`) })],
}));
const versionsAfter = assertions.awsApiCall('IoT', 'listPackageVersions', { packageName }).expect(ExpectedResult.objectLike({
  packageVersionSummaries: [Match.objectLike({ versionName: RELEASE, status: 'PUBLISHED' })],
}));
const registryAfterRollback = registry();

// In this order: each step needs the one before (the rollback only means something once 1.0.0 is released).
first.next(canaryJobs).next(canaryJob).next(device).next(released).next(signedImage).next(signingJob).next(signedIsReleased).next(packageVersion)
  .next(registryAfterRelease).next(fleetJobs).next(rollback).next(refused).next(canaryJobsAfter).next(fleetJobsAfter)
  .next(versionsAfter).next(registryAfterRollback);
