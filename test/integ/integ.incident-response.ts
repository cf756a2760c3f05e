/*
 * Incident response end to end (issue 24): a finding event on the findings bus starts the playbook,
 * the playbook verifies the claim against AWS IoT and contains the device as the profile says.
 *
 * Two IncidentResponse constructs, each with the shared-or-revoked-certificate playbook (the one that
 * quarantines, detaches the device's policies and, for a fail-closed device, deactivates its certificate):
 * - CONSUMER (AUTOMATIC_QUARANTINE): a low-criticality bulb is contained at once: in the quarantine
 *   group, its policy detached, its certificate INACTIVE, the incident CONTAINED. Beside it, four
 *   puts that must touch nothing: a claim naming the bystander thing with the bulb's certificate
 *   (CertificateNotAttachedToThing), a relay-shaped claim whose Device Defender finding does not exist
 *   (FindingUnreadable), an event of another detail type from the producer (refused: its grant is
 *   for finding events only), and a valid-looking claim put by a principal the bus does not admit
 *   (refused by EventBridge: no incident at all; the same principal's put on a control bus goes
 *   through, so the refusal is the findings bus policy's, not a missing IAM grant).
 * - INDUSTRIAL (AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL): a high-criticality pump waits for approval
 *   (incident OPEN, approval PENDING, execution RUNNING, device untouched: its certificate ACTIVE
 *   with its policy, and its groups exactly the static group it was created in, so not in
 *   quarantine); the approver approves through the decision function; the pump is quarantined and its policy detached, and its
 *   certificate stays ACTIVE (high fails open). A sensor with the same device policy, which no
 *   event names, keeps it.
 *
 * Timeouts: 10 minutes for a playbook's record (EventBridge to Step Functions, then a dozen calls
 * with retries: seconds in practice), 2 minutes for AWS IoT's registry to show what the playbook
 * wrote (eventually consistent reads). Run with `npm run integ -- incident-response`
 * (docs/verification.md: permissions, time, cost).
 *
 * Which producer: the findings bus denies events:PutEvents to every principal but those given
 * grantPutFindings, so the events are put by a test function given grantPutFindings (the documented
 * contract of producers other than the audit relay), in the relay's own shape where they carry a
 * finding (`detailOf` of the relay). The relay itself is not driven: it relays only findings that
 * ListAuditFindings returns for a real audit task, and an audit task needs the account's Device
 * Defender audit configuration, an account-wide setting this test must not touch.
 */
import { AwsApiCall, ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, ArnFormat, CustomResource, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { FindingClass, IncidentResponse, RiskProfile } from '../../lib';
import { detailOf } from '../../lib/monitoring/handlers/audit-findings-relay';
import { APPROVER } from './functions/incident-approver';
import { exactly } from './support/exactly';
import { testFunction } from './support/test-function';

const NAME = 'secure-iot-integ-incident';
const FINDING_CLASS = FindingClass.SHARED_OR_REVOKED_CERTIFICATE;

const app = new App();
/** Exported for the offline check of the test functions' grants (test/integ/incident-response.test.ts). */
export const stack = new Stack(app, 'SecureIotInteg-IncidentResponse');

// The smallest IncidentResponse that runs the path: one playbook, no weekly dry run in someone's
// account, and no quarantine DEBUG logging (it needs the account's AWS IoT logging configured).
const smallest = { findingClasses: [FINDING_CLASS], disableScheduledDryRun: true, disableQuarantineVerboseLogging: true };
const consumer = new IncidentResponse(stack, 'Consumer', { riskProfile: RiskProfile.CONSUMER, ...smallest });
// 30 minutes: long enough for the test to approve, short enough that a run nobody cleans up ends soon.
const industrial = new IncidentResponse(stack, 'Industrial', { riskProfile: RiskProfile.INDUSTRIAL, approvalTimeout: Duration.minutes(30), ...smallest });

// The device policies a playbook detaches (connect as the thing, nothing else), one per construct:
// which certificates still hold one (ListTargetsForPolicy) is what the assertions read.
function devicePolicy(id: string, name: string): iot.CfnPolicy {
  return new iot.CfnPolicy(stack, id, {
    policyName: `${NAME}-${name}`,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: Fn.sub('arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:client/${!iot:Connection.Thing.ThingName}'),
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
      }],
    },
  });
}
const consumerPolicy = devicePolicy('ConsumerDevicePolicy', 'consumer-device');
const industrialPolicy = devicePolicy('IndustrialDevicePolicy', 'industrial-device');

// The test devices' certificates: created by a custom resource, and removed by it on Delete with
// whatever the run left (see functions/incident-fixture).
const fixture = testFunction(stack, 'Fixture', {
  entry: 'incident-fixture/index.ts',
  description: `${NAME}: creates the test devices' certificates and removes them with what the run left`,
  timeout: Duration.minutes(5),
});
const provider = new cr.Provider(stack, 'FixtureProvider', {
  onEventHandler: fixture,
  logGroup: new logs.LogGroup(stack, 'FixtureProviderLogs', { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY }),
});
const certificates = stack.formatArn({ service: 'iot', resource: 'cert', resourceName: '*' });
// Neither supports a resource-level permission (Service Authorization Reference, AWS IoT).
fixture.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:CreateKeysAndCertificate', 'iot:ListAttachedPolicies'], resources: ['*'] }));
// Certificate IDs are not known before deployment. AttachPolicy and DetachPolicy are authorized
// on the target (the certificate); AttachThingPrincipal and DetachThingPrincipal on the certificate.
fixture.addToRolePolicy(new iam.PolicyStatement({
  actions: [
    'iot:AttachPolicy', 'iot:DetachPolicy', 'iot:AttachThingPrincipal', 'iot:DetachThingPrincipal',
    'iot:DescribeCertificate', 'iot:UpdateCertificate', 'iot:DeleteCertificate',
  ],
  resources: [certificates],
}));

interface TestDevice {
  readonly thingName: string;
  readonly certificateId: string;
  readonly certificateArn: string;
}

function device(id: string, response: IncidentResponse, policy: iot.CfnPolicy, name: string, criticality: string): TestDevice {
  const thing = new iot.CfnThing(stack, id, { thingName: `${NAME}-${name}`, attributePayload: { attributes: { criticality } } });
  const playbook = response.playbook(FINDING_CLASS).stateMachineArn;
  const thingArn = stack.formatArn({ service: 'iot', resource: 'thing', resourceName: thing.ref });
  const executions = stack.formatArn({
    service: 'states', resource: 'execution', arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    // arn:<partition>:states:<region>:<account>:stateMachine:<name>
    resourceName: `${Fn.select(6, Fn.split(':', playbook))}:*`,
  });
  fixture.addToRolePolicy(new iam.PolicyStatement({
    actions: ['iot:AttachThingPrincipal', 'iot:DetachThingPrincipal', 'iot:ListThingPrincipals', 'iot:ListThingGroupsForThing'], resources: [thingArn],
  }));
  fixture.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:RemoveThingFromThingGroup'], resources: [thingArn, response.quarantineGroup.attrArn] }));
  fixture.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [playbook] }));
  fixture.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StopExecution'], resources: [executions] }));
  // Depends on the thing, the policy, the quarantine group and the playbook (by reference): deleted
  // before any of them, so the cleanup finds them all.
  const certificate = new CustomResource(stack, `${id}Certificate`, {
    serviceToken: provider.serviceToken,
    resourceType: 'Custom::SecureIotIntegTestCertificate',
    properties: {
      ThingName: thing.ref,
      PolicyName: policy.ref,
      QuarantineGroupName: response.quarantineGroup.ref,
      StateMachineArn: playbook,
    },
  });
  // The role's statements must be in place before the first Create.
  certificate.node.addDependency(fixture.role!);
  return { thingName: thing.ref, certificateId: certificate.getAttString('CertificateId'), certificateArn: certificate.getAttString('CertificateArn') };
}

const bulb = device('Bulb', consumer, consumerPolicy, 'bulb', 'low');
const bystander = device('Bystander', consumer, consumerPolicy, 'bystander', 'low');
const pump = device('Pump', industrial, industrialPolicy, 'pump', 'high');
// A static group the pump is in from the start, as a fleet's device would be (a production line):
// while approval is pending, the pump's groups are exactly this one, so it is not in quarantine yet.
const pumpLine = new iot.CfnThingGroup(stack, 'PumpLine', {
  thingGroupName: `${NAME}-pump-line`,
  thingGroupProperties: { thingGroupDescription: `${NAME}: the pump's group before any incident (nothing is attached to it)` },
});
const pumpLineMembership = {
  service: 'Iot',
  parameters: { thingGroupName: pumpLine.ref, thingName: pump.thingName },
  physicalResourceId: cr.PhysicalResourceId.of(`${NAME}-pump-line-membership`),
};
new cr.AwsCustomResource(stack, 'PumpLineMembership', {
  onCreate: { ...pumpLineMembership, action: 'addThingToThingGroup' },
  // Removed before the group and the thing are deleted (it depends on both by reference).
  onDelete: { ...pumpLineMembership, action: 'removeThingFromThingGroup', ignoreErrorCodesMatching: 'ResourceNotFoundException' },
  // Both are authorized on the thing and on the thing group (Service Authorization Reference, AWS IoT).
  policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({
    actions: ['iot:AddThingToThingGroup', 'iot:RemoveThingFromThingGroup'],
    resources: [stack.formatArn({ service: 'iot', resource: 'thing', resourceName: pump.thingName }), pumpLine.attrArn],
  })]),
  installLatestAwsSdk: false,
});
// No event names it: with the pump's policy, it shows the approval touched the pump's certificate only.
const sensor = device('Sensor', industrial, industrialPolicy, 'sensor', 'medium');

// The producer (given grantPutFindings on both buses), the forger (its own IAM policy allows
// PutEvents on the consumer bus, the bus's policy does not admit it) and the approver.
const producer = testFunction(stack, 'Producer', { entry: 'incident-producer/index.ts', description: `${NAME}: a finding producer given grantPutFindings`, timeout: Duration.minutes(1) });
consumer.grantPutFindings(producer);
industrial.grantPutFindings(producer);
const forger = testFunction(stack, 'Forger', { entry: 'incident-producer/index.ts', description: `${NAME}: a principal the findings bus does not admit`, timeout: Duration.minutes(1) });
// A bus with no policy and no rules that the forger's put must reach: proof that its IAM policy is in
// effect, so the refusal on the findings bus is the bus policy's doing.
const controlBus = new events.EventBus(stack, 'ControlBus', { description: `${NAME}: the forger's control (nothing listens)` });
forger.addToRolePolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [consumer.findingsBus.eventBusArn, controlBus.eventBusArn] }));
const approver = testFunction(stack, 'Approver', { entry: 'incident-approver/index.ts', description: `${NAME}: the on-call approver`, timeout: Duration.minutes(1) });
industrial.grantReadIncidents(approver);
industrial.grantApprove(approver);

const integ = new IntegTest(app, 'IncidentResponse', { testCases: [stack], diffAssets: false, stackUpdateWorkflow: false });
const a = integ.assertions;

/** Waits: AWS IoT's registry and the incident table are read right after the playbook wrote them. */
const SHORT_WAIT = { totalTimeout: Duration.minutes(2), interval: Duration.seconds(10) };
/** EventBridge to Step Functions, then a playbook of a dozen calls with retries: seconds, given minutes. */
const PLAYBOOK_WAIT = { totalTimeout: Duration.minutes(10), interval: Duration.seconds(15) };

function put(fn: typeof producer, busName: string, detail: object, accepted: boolean, detailType?: string): IApiCall {
  return a.invokeFunction({ functionName: fn.functionName, payload: JSON.stringify({ busName, detail, detailType }) })
    .expect(ExpectedResult.objectLike({ Payload: Match.serializedJson(Match.objectLike({ accepted })) }));
}

/**
 * The incident records whose subject (the claimed thing, else certificate) is `subject`, with only
 * the attributes `items` assert: the response goes to the assertion provider's logs and into the
 * CloudFormation response (4096 bytes at most), and a pending incident's approvalToken (the task
 * token, which never leaves the incident table) or its finding must not. Every attribute is named
 * by placeholder: some (status) are DynamoDB reserved words.
 */
function incidents(response: IncidentResponse, subject: string, items: object[], wait: typeof SHORT_WAIT): IApiCall {
  const attributes = [...new Set(items.flatMap((item) => Object.keys(item)))];
  if (attributes.length === 0) throw new Error('incidents(): assert at least one attribute');
  const call = a.awsApiCall('DynamoDB', 'scan', {
    TableName: response.incidentTable.tableName,
    ConsistentRead: true,
    FilterExpression: '#subject = :subject',
    ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
    ExpressionAttributeNames: { '#subject': 'subject', ...Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name])) },
    ExpressionAttributeValues: { ':subject': { S: subject } },
  });
  // The table is encrypted with the construct's key: reading it needs kms:Decrypt.
  const decrypt = { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [response.encryptionKey.keyArn] };
  call.provider.addToRolePolicy(decrypt);
  call.expect(ExpectedResult.objectLike({ Items: items })).waitForAssertions(wait);
  (call as AwsApiCall).waiterProvider?.addToRolePolicy(decrypt);
  return call;
}

function executions(response: IncidentResponse, status: string, count: number): IApiCall {
  return a.awsApiCall('SFN', 'listExecutions', { stateMachineArn: response.playbook(FINDING_CLASS).stateMachineArn, statusFilter: status })
    .expect(ExpectedResult.objectLike({ executions: Array.from({ length: count }, () => ({ status })) }))
    .waitForAssertions(SHORT_WAIT);
}

const certificateStatus = (d: TestDevice, status: string) => a.awsApiCall('Iot', 'describeCertificate', { certificateId: d.certificateId })
  .expect(ExpectedResult.objectLike({ certificateDescription: { status } }))
  .waitForAssertions(SHORT_WAIT);
const certificatePolicies = (d: TestDevice, policy: iot.CfnPolicy) => a.awsApiCall('Iot', 'listAttachedPolicies', { target: d.certificateArn })
  .expect(ExpectedResult.objectLike({ policies: [{ policyName: policy.ref }] }))
  .waitForAssertions(SHORT_WAIT);
/** The certificates a device policy is still attached to: never an empty list (whether AWS IoT answers [] or nothing is not documented). */
const policyTargets = (policy: iot.CfnPolicy, holder: TestDevice) => a.awsApiCall('Iot', 'listTargetsForPolicy', { policyName: policy.ref })
  .expect(ExpectedResult.objectLike({ targets: [holder.certificateArn] }))
  .waitForAssertions(SHORT_WAIT);
const quarantined = (response: IncidentResponse, things: string[]) => a.awsApiCall('Iot', 'listThingsInThingGroup', { thingGroupName: response.quarantineGroup.ref })
  .expect(ExpectedResult.objectLike({ things }))
  .waitForAssertions(SHORT_WAIT);
const S = (value: string) => ({ S: value });
/** `value` and nothing else, inside an objectLike (exactly() is the top-level form). */
const whole = (value: string): object => JSON.parse(exactly(value).result);
/** A finding ID in the shape Device Defender gives them (a UUID) that no audit made: only "does not exist" can refuse it. */
const NO_SUCH_FINDING = '00000000-0000-4000-8000-000000000000';

// CONSUMER: automatic quarantine, and four puts that touch nothing.
const claim = { findingClass: FINDING_CLASS, severity: 'HIGH', reason: `${NAME}: a test finding` };
put(producer, consumer.findingsBus.eventBusName, { ...claim, thingName: bulb.thingName, certificateId: bulb.certificateId }, true)
  .next(put(producer, consumer.findingsBus.eventBusName, { ...claim, thingName: bystander.thingName, certificateId: bulb.certificateId }, true))
  // As the relay puts it (detailOf), for a finding Device Defender never made.
  .next(put(producer, consumer.findingsBus.eventBusName, detailOf({
    findingId: NO_SUCH_FINDING,
    taskId: `${NAME}-no-such-task`,
    checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK',
    severity: 'CRITICAL',
    nonCompliantResource: { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: bystander.certificateId } },
    reasonForNonCompliance: `${NAME}: a finding that does not exist`,
  }, `${NAME}-no-such-task`), true))
  // The producer's grant is for finding events only (events:detail-type).
  .next(put(producer, consumer.findingsBus.eventBusName, { ...claim, thingName: bystander.thingName, certificateId: bystander.certificateId }, false, `${NAME} not a finding`))
  .next(put(forger, controlBus.eventBusName, { ...claim, thingName: bystander.thingName, certificateId: bystander.certificateId }, true))
  .next(put(forger, consumer.findingsBus.eventBusName, { ...claim, thingName: bystander.thingName, certificateId: bystander.certificateId }, false))
  .next(incidents(consumer, bulb.thingName, [{
    status: S('CONTAINED'), findingClass: S(FINDING_CLASS), quarantinedThings: S(bulb.thingName), certificateId: S(bulb.certificateId),
    detachedPolicies: S(consumerPolicy.ref), certificateDeactivated: S('true'), criticality: S('low'), approver: S('none (automatic)'), dryRun: S('false'),
  }], PLAYBOOK_WAIT))
  // The whole rejection as the playbook writes it: the bulb's certificate verified as attached to the
  // bulb, so not to the bystander (not "attached to no thing", not "could not be listed").
  .next(incidents(consumer, bystander.thingName, [{
    status: S('REJECTED'),
    rejection: { S: whole(`CertificateNotAttachedToThing: certificate ${bulb.certificateId} is not attached to thing ${bystander.thingName} (it is attached to ${bulb.thingName})`) },
  }], PLAYBOOK_WAIT))
  // Refused because AWS IoT says the finding does not exist (DescribeAuditFinding's documented
  // not-found error, as Step Functions names an SDK integration's errors), not because the
  // playbook could not read findings at all (AccessDenied, a malformed request).
  .next(incidents(consumer, bystander.certificateId, [{
    status: S('REJECTED'),
    rejection: { S: whole(`FindingUnreadable: Device Defender finding ${NO_SUCH_FINDING} could not be read: Iot.ResourceNotFoundException`) },
  }], PLAYBOOK_WAIT))
  .next(executions(consumer, 'SUCCEEDED', 1))
  .next(executions(consumer, 'FAILED', 2))
  .next(quarantined(consumer, [bulb.thingName]))
  .next(certificateStatus(bulb, 'INACTIVE'))
  .next(certificateStatus(bystander, 'ACTIVE'))
  // The bulb's certificate no longer holds the device policy; the bystander's still does.
  .next(policyTargets(consumerPolicy, bystander));

// INDUSTRIAL: a high-criticality device waits for a human, then is contained on approval.
put(producer, industrial.findingsBus.eventBusName, { ...claim, thingName: pump.thingName, certificateId: pump.certificateId }, true)
  .next(incidents(industrial, pump.thingName, [{ status: S('OPEN'), approvalStatus: S('PENDING'), findingClass: S(FINDING_CLASS) }], PLAYBOOK_WAIT))
  .next(executions(industrial, 'RUNNING', 1))
  .next(certificateStatus(pump, 'ACTIVE'))
  .next(certificatePolicies(pump, industrialPolicy))
  // Last before the approval: the pump's groups are its line's only (an array literal is exact), so
  // the playbook did not quarantine before asking.
  .next(a.awsApiCall('Iot', 'listThingGroupsForThing', { thingName: pump.thingName })
    .expect(ExpectedResult.objectLike({ thingGroups: [{ groupName: pumpLine.ref }] }))
    .waitForAssertions(SHORT_WAIT))
  .next(a.invokeFunction({
    functionName: approver.functionName,
    payload: JSON.stringify({ tableName: industrial.incidentTable.tableName, thingName: pump.thingName, decisionFunctionName: industrial.decisionFunction.functionName }),
  }).expect(ExpectedResult.objectLike({ Payload: Match.serializedJson(Match.objectLike({ statusCode: 200 })) })))
  .next(incidents(industrial, pump.thingName, [{
    status: S('CONTAINED'), approvalStatus: S('APPROVED'), approver: S(`lambda:Invoke caller (${APPROVER})`), quarantinedThings: S(pump.thingName),
    certificateId: S(pump.certificateId), detachedPolicies: S(industrialPolicy.ref), certificateDeactivated: S('false'), criticality: S('high'),
  }], PLAYBOOK_WAIT))
  .next(executions(industrial, 'SUCCEEDED', 1))
  .next(quarantined(industrial, [pump.thingName]))
  .next(certificateStatus(pump, 'ACTIVE'))
  // The pump's certificate no longer holds the device policy; the sensor's, which no event named, still does.
  .next(policyTargets(industrialPolicy, sensor));
