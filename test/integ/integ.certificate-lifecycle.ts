/*
 * Certificate rotation and revocation against the real AWS IoT API. A device provisions itself by
 * claim (as in integ.fleet-provisioning), then:
 * - rotation, as docs/identity.md describes it: an operator holding only grantStartRotation creates
 *   a job from the rotation job template; the device takes it over the jobs MQTT API, publishes a
 *   CSR naming the job on its rotate topic, receives its new certificate, reconnects with it,
 *   confirms and reports the job SUCCEEDED, which the job execution then shows. The old
 *   certificate ends INACTIVE, detached from the thing and the device policy, and refused when
 *   the device tries it; the new one is ACTIVE, the only one attached to the thing
 *   (EXCLUSIVE_THING), with the device policy. A refused connection is AWS IoT refusing it, not
 *   a timeout; "nothing attached" is read by a probe function that takes an absent list as empty.
 * - revocation: the operator (grantRevoke only) starts the revocation state machine for the
 *   serial; the execution SUCCEEDS, the allow list row is REVOKED, no certificate is left attached
 *   or ACTIVE, and the device can no longer connect.
 */
import { App, Aws, Duration, Stack } from 'aws-cdk-lib';
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { certificateArn, deviceConnects, invokeOnce, LIST_THING_PRINCIPALS, probeCounts, waitFor } from './support/device-assertions';
import { TestFleet } from './support/test-fleet';
import { exactly } from './support/exactly';

const SERIAL = 'SN0001';

const app = new App();
const stack = new Stack(app, 'SecureIotInteg-CertificateLifecycle');
const fleet = new TestFleet(stack, 'Fleet', { name: 'lifecycle', serials: [SERIAL] });
const operator = fleet.addOperator();
const probe = fleet.addProbe();
const thingName = fleet.thingName(SERIAL);
const thingArn = `arn:${Aws.PARTITION}:iot:${Aws.REGION}:${Aws.ACCOUNT_ID}:thing/${thingName}`;
// The job ID must start with rotationJobIdPrefix (grantStartRotation); the run ID keeps it apart
// from the previous deployment's job, which AWS IoT may still be deleting.
const jobId = `${fleet.provisioning.rotationJobIdPrefix}secure-iot-integ-lifecycle-${fleet.runId}`;

const integ = new IntegTest(app, 'CertificateLifecycle', { testCases: [stack], diffAssets: false, stackUpdateWorkflow: false });
const a = integ.assertions;
const kmsDecrypt = { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [fleet.provisioning.encryptionKey.keyArn] };
const allowListRow = () => a.awsApiCall('DynamoDB', 'getItem', {
  TableName: fleet.provisioning.allowListTable.tableName,
  Key: { serialNumber: { S: SERIAL } },
  ConsistentRead: true,
});

// ---- Provisioning
const provision = invokeOnce(integ, fleet.device, { action: 'provision', serialNumber: SERIAL }, 'outcome', exactly('provisioned'), ['certificateId']);
const firstId = provision.getAttString('Payload.certificateId');
// AWS IoT may take seconds to authorize a certificate just attached: the device retries connecting (idempotent).
const connects = deviceConnects(integ, fleet.device, 'current', true, firstId, Duration.minutes(2));

// ---- Rotation
const startRotation = invokeOnce(integ, operator, { action: 'startRotation', jobId, thingArn }, 'jobId', exactly(jobId));
// AWS IoT creates a job's executions asynchronously (and paced by the template's rollout): the
// device takes its job once the execution is QUEUED, as a device told by notify-next would.
const queued = waitFor(a.awsApiCall('IoT', 'describeJobExecution', { jobId, thingName }),
  ExpectedResult.objectLike({ execution: { jobId, status: 'QUEUED' } }), Duration.minutes(3));
// One invocation: a job execution serves one CSR. The device waits up to 60 s for its certificate
// (topic rule, state machine, send function), inside the assertion provider's 2 minutes.
const rotate = invokeOnce(integ, fleet.device, { action: 'rotate', jobId }, 'outcome', exactly('rotated'), ['newCertificateId', 'oldCertificateId']);
const newId = rotate.getAttString('Payload.newCertificateId');
// The device's SUCCEEDED reached the job (`rotated` says AWS IoT accepted it; this reads it back).
const jobSucceeded = waitFor(a.awsApiCall('IoT', 'describeJobExecution', { jobId, thingName }),
  ExpectedResult.objectLike({ execution: { jobId, status: 'SUCCEEDED' } }), Duration.minutes(1));
// The old certificate is retired by the execution the confirmation starts, and detaching
// propagates asynchronously: each check waits up to 3 minutes.
const rotationWait = Duration.minutes(3);
const oldInactive = waitFor(a.awsApiCall('IoT', 'describeCertificate', { certificateId: firstId }),
  ExpectedResult.objectLike({ certificateDescription: { status: 'INACTIVE' } }), rotationWait);
const onlyNewAttached = waitFor(a.awsApiCall('IoT', 'listThingPrincipalsV2', { thingName }),
  ExpectedResult.objectLike({ thingPrincipalObjects: [{ principal: certificateArn(newId), thingPrincipalType: 'EXCLUSIVE_THING' }] }), rotationWait, [LIST_THING_PRINCIPALS]);
const oldPolicyDetached = probeCounts(integ, probe, { action: 'attachedPolicies', target: certificateArn(firstId) }, 0, rotationWait);
const newActive = waitFor(a.awsApiCall('IoT', 'describeCertificate', { certificateId: newId }),
  ExpectedResult.objectLike({ certificateDescription: { status: 'ACTIVE' } }), rotationWait);
const newPolicy = waitFor(a.awsApiCall('IoT', 'listAttachedPolicies', { target: certificateArn(newId) }),
  ExpectedResult.objectLike({ policies: [{ policyName: fleet.devicePolicy.policyName }] }), rotationWait);
const rotatedRow = waitFor(allowListRow(),
  ExpectedResult.objectLike({ Item: { status: { S: 'PROVISIONED' }, certificateId: { S: newId }, previousCertificateId: { S: firstId } } }), rotationWait, [kmsDecrypt]);
const oldRefused = deviceConnects(integ, fleet.device, 'previous', false, firstId, rotationWait);
const newConnects = deviceConnects(integ, fleet.device, 'current', true, newId, rotationWait);

// ---- Revocation
const revoke = invokeOnce(integ, operator, { action: 'revoke', serialNumber: SERIAL }, 'executionArn', ExpectedResult.stringLikeRegexp('^arn:'), ['executionArn']);
// Deactivation, detaching and its 10 s settling rounds: a few minutes at most.
const revocationWait = Duration.minutes(5);
const revoked = waitFor(a.awsApiCall('StepFunctions', 'describeExecution', { executionArn: revoke.getAttString('Payload.executionArn') }),
  ExpectedResult.objectLike({ status: 'SUCCEEDED' }), revocationWait);
const revokedRow = waitFor(allowListRow(), ExpectedResult.objectLike({ Item: { status: { S: 'REVOKED' } } }), revocationWait, [kmsDecrypt]);
// The revocation ends (AnyCertificateLeft) only when the thing lists no certificate; this reads it again.
const noneAttached = probeCounts(integ, probe, { action: 'thingPrincipals', thingName }, 0, revocationWait);
const newInactive = waitFor(a.awsApiCall('IoT', 'describeCertificate', { certificateId: newId }),
  ExpectedResult.objectLike({ certificateDescription: { status: 'INACTIVE' } }), revocationWait);
const oldStillInactive = a.awsApiCall('IoT', 'describeCertificate', { certificateId: firstId })
  .expect(ExpectedResult.objectLike({ certificateDescription: { status: 'INACTIVE' } }));
const refused = deviceConnects(integ, fleet.device, 'current', false, newId, revocationWait);

provision.next(connects)
  .next(startRotation).next(queued).next(rotate).next(jobSucceeded).next(oldInactive).next(onlyNewAttached).next(oldPolicyDetached).next(newActive).next(newPolicy)
  .next(rotatedRow).next(oldRefused).next(newConnects)
  .next(revoke).next(revoked).next(revokedRow).next(noneAttached).next(newInactive).next(oldStillInactive).next(refused);
