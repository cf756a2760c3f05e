/*
 * Fleet provisioning by claim, end to end: a device holding the claim certificate gets its own
 * certificate over MQTT (CreateCertificateFromCsr with a CSR made on the device, then RegisterThing
 * with the template and its serial), and AWS IoT holds exactly what the construct promises: the
 * thing secure-iot-integ-fleet-<serial>, one certificate attached to it (the device's own, not the
 * claim), ACTIVE, with the device policy; the allow list row PROVISIONED; the device connecting
 * as its thing with it. The device claims a criticality of its own (`low`) and the thing carries
 * the one the hook sets (the fleet's risk profile's), so a device cannot choose it. A second
 * provisioning with the same serial is refused by the pre-provisioning hook itself (its log says
 * so: a throttle, a bad parameter or a failing hook would not) and changes nothing: the row still
 * names the first certificate, the thing still has that one alone, the second is not ACTIVE.
 */
import { App, Aws, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
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
// It claims a criticality of its own: the hook must replace it (a device claiming 'low' could be
// contained automatically where the fleet says otherwise; one claiming 'safety-critical', never).
const DEVICE_CLAIMED_CRITICALITY = 'low';
if (DEVICE_CLAIMED_CRITICALITY === fleet.criticality) throw new Error('the device must claim another criticality than the hook sets');
const provision = invokeOnce(integ, fleet.device, { action: 'provision', serialNumber: SERIAL, criticality: DEVICE_CLAIMED_CRITICALITY },
  'outcome', exactly('provisioned'), ['certificateId', 'thingName']);
const deviceCertificateId = provision.getAttString('Payload.certificateId');
const deviceCertificateArn = certificateArn(deviceCertificateId);

// The registry may lag RegisterThing's answer by seconds: each registry read waits up to 2 minutes.
const registryWait = Duration.minutes(2);
const thing = waitFor(a.awsApiCall('IoT', 'describeThing', { thingName }),
  ExpectedResult.objectLike({ thingName, attributes: { serialNumber: SERIAL, criticality: fleet.criticality } }), registryWait);
// Exactly one principal: the device's own certificate (the claim certificate is never attached to a thing).
const onlyDeviceCertificate = () => waitFor(a.awsApiCall('IoT', 'listThingPrincipalsV2', { thingName }),
  ExpectedResult.objectLike({ thingPrincipalObjects: [{ principal: deviceCertificateArn }] }), registryWait, [LIST_THING_PRINCIPALS]);
const principals = onlyDeviceCertificate();
const active = waitFor(a.awsApiCall('IoT', 'describeCertificate', { certificateId: deviceCertificateId }),
  ExpectedResult.objectLike({ certificateDescription: { certificateId: deviceCertificateId, status: 'ACTIVE' } }), registryWait);
const policy = waitFor(a.awsApiCall('IoT', 'listAttachedPolicies', { target: deviceCertificateArn }),
  ExpectedResult.objectLike({ policies: [{ policyName: fleet.devicePolicy.policyName }] }), registryWait);
// The hook's conditional write happened before AWS IoT answered: no wait needed, a consistent read.
const provisionedRow = () => {
  const call = a.awsApiCall('DynamoDB', 'getItem', {
    TableName: fleet.provisioning.allowListTable.tableName,
    Key: { serialNumber: { S: SERIAL } },
    ConsistentRead: true,
  }).expect(ExpectedResult.objectLike({ Item: { status: { S: 'PROVISIONED' }, certificateId: { S: deviceCertificateId } } }));
  call.provider.addToRolePolicy({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [fleet.provisioning.encryptionKey.keyArn] });
  return call;
};
const row = provisionedRow();

// The device connects as its thing with its own certificate (the device policy: client ID = thing
// name, certificate attached); AWS IoT may take seconds to authorize it, so the attempt is retried.
const connects = deviceConnects(integ, fleet.device, 'current', true, deviceCertificateId, registryWait);

// The same serial again, from another claim connection: the hook admits a serial once.
// `refused` is any error response on RegisterThing's rejected topic (mqtt.ts makes a RejectedError
// only of the SDK's modeled error: the statusCode, errorCode and errorMessage the device
// provisioning MQTT API documents, which the device returns and logs). AWS documents no errorCode
// for a hook's refusal in particular: the pre-provisioning hook page says only that the request
// fails (with ACCESS_DENIED, in some of its versions, which it says of a hook that fails too). So
// no code is asserted; what follows tells the hook's refusal from a throttle, a bad template
// parameter or a failing hook.
const again = invokeOnce(integ, fleet.device, { action: 'provision', serialNumber: SERIAL }, 'outcome', exactly('refused'), ['certificateId']);
// The hook logged its refusal of this serial (a function's logs reach CloudWatch within seconds to
// a minute): a throttled or failing hook logs no such line, and a template error comes after an
// admission, not a refusal. With the row below still PROVISIONED for the first certificate, the
// refusal's reason is that one: already provisioned.
const hookLog = (fleet.provisioning.hookFunction as lambda.Function).logGroup;
// Only the matching lines, and few: the whole answer goes back to CloudFormation, which takes 4 KB.
// The log group is encrypted with the provisioning key: CloudWatch Logs decrypts on read, and
// kms:Decrypt through it (kms:ViaService) covers a caller-side check should AWS make one.
const hookRefused = waitFor(a.awsApiCall('CloudWatchLogs', 'filterLogEvents', {
  logGroupName: hookLog.logGroupName,
  filterPattern: `"refused" "already provisioned" "${SERIAL}"`,
  limit: 5,
}),
ExpectedResult.objectLike({ events: Match.arrayWith([Match.objectLike({ message: Match.stringLikeRegexp(`refused.*already provisioned.*${SERIAL}`) })]) }),
// Logs reach CloudWatch within seconds to a minute of the invocation.
Duration.minutes(5), [{
  Effect: 'Allow',
  Action: ['kms:Decrypt'],
  Resource: [fleet.provisioning.encryptionKey.keyArn],
  Condition: { StringEquals: { 'kms:ViaService': `logs.${Aws.REGION}.amazonaws.com` } },
}]);
// Nothing changed: the row still names the first certificate, the thing has it alone, and the
// second attempt's certificate was never activated (CreateCertificateFromCsr makes it
// PENDING_ACTIVATION; only RegisterThing's template activates it).
const rowUnchanged = provisionedRow();
const principalsUnchanged = onlyDeviceCertificate();
const secondNotActive = a.awsApiCall('IoT', 'describeCertificate', { certificateId: again.getAttString('Payload.certificateId') })
  .expect(ExpectedResult.objectLike({ certificateDescription: { status: Match.stringLikeRegexp('^(?!ACTIVE$)[A-Z_]+$') } }));

provision.next(thing).next(principals).next(active).next(policy).next(row).next(connects).next(again)
  .next(hookRefused).next(rowUnchanged).next(principalsUnchanged).next(secondNotActive);
