/*
 * Fleet provisioning by claim, end to end: a device holding the claim certificate gets its own
 * certificate over MQTT (CreateCertificateFromCsr with a CSR made on the device, then RegisterThing
 * with the template and its serial), and AWS IoT holds exactly what the construct promises: the
 * thing secure-iot-integ-fleet-<serial>, one certificate attached to it (the device's own, not the
 * claim), ACTIVE, with the device policy; the allow list row PROVISIONED; the device connecting
 * as its thing with it; and a second provisioning with the same serial refused by the
 * pre-provisioning hook.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { certificateArn, deviceConnects, invokeOnce, LIST_THING_PRINCIPALS, waitFor } from './support/device-assertions';
import { TestFleet } from './support/test-fleet';
import { exactly } from './support/exactly';

const SERIAL = 'SN0001';

const app = new App();
const stack = new Stack(app, 'SecureIotInteg-FleetProvisioning');
const fleet = new TestFleet(stack, 'Fleet', { name: 'fleet', serials: [SERIAL] });
const thingName = fleet.thingName(SERIAL);

const integ = new IntegTest(app, 'FleetProvisioning', { testCases: [stack], diffAssets: false, stackUpdateWorkflow: false });
const a = integ.assertions;

// The device provisions itself over MQTT (one invocation: RegisterThing is not repeatable).
const provision = invokeOnce(integ, fleet.device, { action: 'provision', serialNumber: SERIAL }, 'outcome', exactly('provisioned'), ['certificateId', 'thingName']);
const deviceCertificateId = provision.getAttString('Payload.certificateId');
const deviceCertificateArn = certificateArn(deviceCertificateId);

// The registry may lag RegisterThing's answer by seconds: each registry read waits up to 2 minutes.
const registryWait = Duration.minutes(2);
const thing = waitFor(a.awsApiCall('IoT', 'describeThing', { thingName }),
  ExpectedResult.objectLike({ thingName, attributes: { serialNumber: SERIAL } }), registryWait);
// Exactly one principal: the device's own certificate (the claim certificate is never attached to a thing).
const principals = waitFor(a.awsApiCall('IoT', 'listThingPrincipalsV2', { thingName }),
  ExpectedResult.objectLike({ thingPrincipalObjects: [{ principal: deviceCertificateArn }] }), registryWait, [LIST_THING_PRINCIPALS]);
const active = waitFor(a.awsApiCall('IoT', 'describeCertificate', { certificateId: deviceCertificateId }),
  ExpectedResult.objectLike({ certificateDescription: { certificateId: deviceCertificateId, status: 'ACTIVE' } }), registryWait);
const policy = waitFor(a.awsApiCall('IoT', 'listAttachedPolicies', { target: deviceCertificateArn }),
  ExpectedResult.objectLike({ policies: [{ policyName: fleet.devicePolicy.policyName }] }), registryWait);
// The hook's conditional write happened before AWS IoT answered: no wait needed, a consistent read.
const row = a.awsApiCall('DynamoDB', 'getItem', {
  TableName: fleet.provisioning.allowListTable.tableName,
  Key: { serialNumber: { S: SERIAL } },
  ConsistentRead: true,
}).expect(ExpectedResult.objectLike({ Item: { status: { S: 'PROVISIONED' }, certificateId: { S: deviceCertificateId } } }));
row.provider.addToRolePolicy({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [fleet.provisioning.encryptionKey.keyArn] });

// The device connects as its thing with its own certificate (the device policy: client ID = thing
// name, certificate attached); AWS IoT may take seconds to authorize it, so the attempt is retried.
const connects = deviceConnects(integ, fleet.device, 'current', true, deviceCertificateId, registryWait);

// The same serial again, from another claim connection: the hook admits a serial once.
const again = invokeOnce(integ, fleet.device, { action: 'provision', serialNumber: SERIAL }, 'outcome', exactly('refused'));

provision.next(thing).next(principals).next(active).next(policy).next(row).next(connects).next(again);
