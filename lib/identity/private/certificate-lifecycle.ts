import { CfnResource, Duration, Names, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { RiskProfile } from '../../core/risk-profile';
import { confusedDeputySafePrincipal } from '../../core/private/confused-deputy';
import { IOT_TRANSIENT_ERRORS } from '../../core/private/iot-errors';
import { iotActionsAlpha, iotAlpha } from '../../core/private/optional-modules';
import { acknowledge, nagArnPrefix, secureFunction, secureLogGroup } from '../../core/private/secure-defaults';
import { DevicePolicy } from '../device-policy';

/** Retries AWS IoT's transient errors with backoff. */
const IOT_RETRY: sfn.RetryProps = {
  errors: IOT_TRANSIENT_ERRORS,
  interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6, maxDelay: Duration.seconds(60), jitterStrategy: sfn.JitterType.FULL,
};

/** Props of `CertificateLifecycle`. */
export interface CertificateLifecycleProps {
  readonly allowListTable: dynamodb.ITable;
  readonly encryptionKey: kms.IKey;
  readonly devicePolicy: DevicePolicy;
  readonly thingNamePrefix: string;
  readonly riskProfile: RiskProfile;
}

/** The topic levels, under a device's own tree, of the rotation exchange. */
export const ROTATION_TOPICS = { csr: 'cert/rotate/csr', accepted: 'cert/rotate/accepted', confirm: 'cert/rotate/confirm' } as const;

/**
 * How long an issued certificate waits for the device's confirmation before it is retired; the
 * rotation job's executions time out after as long (a device that has not rotated by then starts over).
 */
export const ROTATION_CONFIRMATION_TIMEOUT = Duration.minutes(60);

/** How long a revocation waits after detaching a page of certificates before it lists the thing's certificates again. */
export const REVOCATION_PROPAGATION_WAIT = Duration.seconds(10);

/** How many pages of certificates (ListThingPrincipals, 250 a page) a revocation detaches before it fails as incomplete. */
export const REVOCATION_MAX_ROUNDS = 20;

/**
 * Certificate rotation and revocation as Step Functions state machines of AWS SDK calls, each
 * with only the IAM actions its steps make, on the resource types IAM authorizes them on.
 *
 * Rotation happens only when asked: a job created from `jobTemplate` tells the device to rotate.
 * The device makes a new key and publishes `{"csr": "<PEM>", "jobId": "<the job's ID>"}` on
 * `<root>/<thing>/cert/rotate/csr` (its own tree: no other device can). A topic rule starts the
 * state machine with the thing name from the topic and the connection's certificate
 * (`principal()`). The state machine checks with AWS IoT that the job has a QUEUED or IN_PROGRESS
 * execution on this thing and was made from the rotation job template, then, in one conditional
 * write to the allow list, that the device is PROVISIONED, that the CSR came over the certificate
 * the allow list holds as the device's current one, that no other certificate is outstanding, and
 * that this job execution has not been used yet: it claims the device's one rotation slot and
 * consumes the request. Only then is a certificate issued, attached to the thing (EXCLUSIVE_THING)
 * and to the device policy, recorded as pending (again only while PROVISIONED and still this
 * execution's slot, so a revocation in between retires it) and sent on
 * `<root>/<thing>/cert/rotate/accepted`. A second CSR while one is outstanding is refused rather
 * than superseding it: superseding would let whoever publishes last (a stolen key, which can
 * always publish after the device) replace the certificate the device received; refusing mints one
 * certificate per request, and the timeout frees the slot.
 *
 * The device connects with the new certificate and publishes on `.../confirm`; only when the
 * connection's certificate is the pending one (one conditional write, which also frees the slot)
 * is the old certificate deactivated and detached. The execution that issued the certificate waits
 * `ROTATION_CONFIRMATION_TIMEOUT`, then retires the certificate if it is still the pending one (a
 * conditional write: exactly one of confirmation and expiry wins).
 *
 * Revocation: `{"serialNumber": "..."}` in; the allow list item marked REVOKED first (and its
 * rotation slot freed), then every certificate of the thing deactivated (every page of
 * `ListThingPrincipals`), and only then, a page at a time, each detached from the policy and the
 * thing (deactivated again first, for one attached since; one already detached
 * is skipped: detaching propagates asynchronously, so a listing can still name it); after a short
 * wait the thing is listed again, at most `REVOCATION_MAX_ROUNDS` times before the execution fails. Marking first closes the race with a rotation: a rotation that attached its
 * certificate before the mark sees it listed and deactivated here; one that attaches after fails
 * its conditional write and retires its own certificate.
 */
export class CertificateLifecycle extends Construct {
  public readonly revocation: sfn.StateMachine;
  public readonly rotation: sfn.StateMachine;
  public readonly jobTemplate: iot.CfnJobTemplate;
  public readonly jobDocument: string;
  /** The role the rotation topic rule's actions run with (bounded to this rule and account). */
  public readonly ruleRole: iam.Role;
  /** In alarm when a revocation execution failed, timed out or was aborted (a device may still hold an ACTIVE certificate). */
  public readonly revocationFailedAlarm: cloudwatch.Alarm;
  /** In alarm when a rotation execution failed, timed out or was aborted (refused and expired rotations end failed too). */
  public readonly rotationFailedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: CertificateLifecycleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const arn = (resource: string, name: string) => stack.formatArn({ service: 'iot', resource, resourceName: name });
    // IAM authorizes (Service Authorization Reference, the pinned dataset): ListThingPrincipals and
    // DescribeThing on the thing; UpdateCertificate, AttachPolicy/DetachPolicy (the target) and
    // AttachThingPrincipal/DetachThingPrincipal on the certificate; DescribeJob on the job,
    // DescribeJobExecution on the job or the thing; CreateCertificateFromCsr only on "*".
    const thingArn = arn('thing', `${props.thingNamePrefix}*`);
    const certArn = arn('cert', '*');
    const jobArn = arn('job', '*');
    const table = props.allowListTable;
    const root = props.devicePolicy.topicRoot;
    const policyName = props.devicePolicy.policyName;
    const discard = sfn.JsonPath.DISCARD;
    const str = (path: string) => tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(path));
    const lit = (value: string) => tasks.DynamoAttributeValue.fromString(value);
    const ccf = ['DynamoDB.ConditionalCheckFailedException'];
    // A Catch keeps the state (ResultPath) so the steps after it still know the certificate.
    const keep = { resultPath: '$.failure' };
    // Every IoT call retries AWS IoT's transient errors with backoff: a throttled DeactivateNew or
    // DeactivateOld must not leave a certificate ACTIVE (the allow list no longer names it).
    const iotCall = (stateId: string, action: string, iamResources: string[], parameters: { [k: string]: unknown }, extra: Partial<tasks.CallAwsServiceProps> = {}) =>
      new tasks.CallAwsService(this, stateId, {
        service: 'iot', action, iamAction: `iot:${action.charAt(0).toUpperCase()}${action.slice(1)}`, iamResources, parameters, resultPath: discard, ...extra,
      }).addRetry(IOT_RETRY);

    this.jobDocument = JSON.stringify({
      operation: 'rotate-certificate',
      description: 'Generate a new key pair on the device, publish {"csr": "<PEM>", "jobId": "<this job\'s ID>"} on csrTopic, '
        + 'connect with the certificate received on acceptedTopic, publish on confirmTopic over it, then delete the old key',
      csrTopic: `${root}/\${aws:iot:thing:ThingName}/${ROTATION_TOPICS.csr}`,
      acceptedTopic: `${root}/\${aws:iot:thing:ThingName}/${ROTATION_TOPICS.accepted}`,
      confirmTopic: `${root}/\${aws:iot:thing:ThingName}/${ROTATION_TOPICS.confirm}`,
      confirmWithinMinutes: ROTATION_CONFIRMATION_TIMEOUT.toMinutes(),
    });
    const rollout = props.riskProfile.otaRollout;
    // The L1 types these blocks as `any`: CloudFormation's own names, as they are rendered.
    this.jobTemplate = new iot.CfnJobTemplate(this, 'RotationJobTemplate', {
      jobTemplateId: `${stack.stackName}-${this.node.addr.slice(0, 8)}-rotate-cert`.replace(/[^a-zA-Z0-9_-]/g, '-').slice(-64),
      description: 'cdk-secure-iot: rotate the device certificate',
      document: this.jobDocument,
      abortConfig: { CriteriaList: [{ Action: 'CANCEL', FailureType: 'FAILED', MinNumberOfExecutedThings: 10, ThresholdPercentage: props.riskProfile.otaAbortFailurePercent }] },
      timeoutConfig: { InProgressTimeoutInMinutes: ROTATION_CONFIRMATION_TIMEOUT.toMinutes() },
      jobExecutionsRolloutConfig: rollout.exponentialRamp
        ? {
          MaximumPerMinute: rollout.maximumPerMinute,
          ExponentialRolloutRate: {
            BaseRatePerMinute: rollout.exponentialRamp.baseRatePerMinute,
            IncrementFactor: rollout.exponentialRamp.incrementFactor,
            RateIncreaseCriteria: { NumberOfSucceededThings: rollout.exponentialRamp.successesBeforeIncrease },
          },
        }
        : { MaximumPerMinute: rollout.maximumPerMinute },
    });

    // ---- Revocation
    const certificateId = sfn.JsonPath.arrayGetItem(sfn.JsonPath.stringSplit(sfn.JsonPath.stringAt('$.principal'), '/'), 1);
    const markRevoked = new tasks.DynamoUpdateItem(this, 'MarkRevoked', {
      table,
      key: { serialNumber: str('$.serialNumber') },
      updateExpression: 'SET #status = :revoked, revokedAt = :at REMOVE pendingCertificateId, pendingExecution',
      conditionExpression: 'attribute_exists(serialNumber)',
      expressionAttributeNames: { '#status': 'status' },
      expressionAttributeValues: { ':revoked': lit('REVOKED'), ':at': str('$$.State.EnteredTime') },
      resultPath: discard,
    });
    markRevoked.addCatch(new sfn.Fail(this, 'UnknownSerial', { error: 'UnknownSerial', cause: 'The serial number is not in the allow list' }), { errors: ccf });
    const list = iotCall('ListCertificates', 'listThingPrincipals', [thingArn], { ThingName: sfn.JsonPath.stringAt('$.thingName'), MaxResults: 250 }, {
      resultSelector: { 'principals.$': '$.Principals' }, resultPath: '$.found',
    });
    const revoked = new sfn.Succeed(this, 'Revoked');
    // A serial that never provisioned has no thing: marked REVOKED, nothing to detach.
    list.addCatch(revoked, { errors: ['Iot.ResourceNotFoundException'], resultPath: '$.failure' });
    // Every certificate listed is deactivated before any is detached: a detach that fails leaves
    // certificates attached but never one ACTIVE (the allow list already says REVOKED).
    const deactivate = iotCall('DeactivateCertificate', 'updateCertificate', [certArn], { CertificateId: certificateId, NewStatus: 'INACTIVE' });
    const deactivateEach = new sfn.Map(this, 'DeactivateEach', {
      itemsPath: '$.found.principals',
      itemSelector: { 'principal.$': '$$.Map.Item.Value' },
      maxConcurrency: 5,
      resultPath: discard,
    }).itemProcessor(deactivate);
    // DetachThingPrincipal is asynchronous ("might take several seconds to propagate"): a listing
    // right after it can still name a certificate just detached, whose policy and thing are gone.
    // Detaching what is no longer attached is an error AWS IoT gives; the certificate is inactive
    // already, so it is skipped.
    const alreadyDetached = ['Iot.ResourceNotFoundException'];
    const detachPolicy = iotCall('DetachDevicePolicy', 'detachPolicy', [certArn], { PolicyName: policyName, Target: sfn.JsonPath.stringAt('$.principal') });
    const detachThing = iotCall('DetachFromThing', 'detachThingPrincipal', [certArn], { ThingName: sfn.JsonPath.stringAt('$.thingName'), Principal: sfn.JsonPath.stringAt('$.principal') });
    detachPolicy.addCatch(detachThing, { errors: alreadyDetached, ...keep });
    detachThing.addCatch(new sfn.Succeed(this, 'AlreadyDetached'), { errors: alreadyDetached, ...keep });
    const detachEach = new sfn.Map(this, 'DetachEach', {
      itemsPath: '$.found.principals',
      itemSelector: { 'principal.$': '$$.Map.Item.Value', 'thingName.$': '$.thingName' },
      maxConcurrency: 5,
      resultPath: discard,
    }).itemProcessor(detachPolicy.next(detachThing));
    // ListThingPrincipals answers a page at a time; listing again after each detached page, until
    // none is left, also catches a certificate attached while the revocation runs. The rounds are
    // bounded: a certificate that stays listed fails the execution loudly (its alarm) instead of looping.
    const nextRound = new sfn.Pass(this, 'NextRound', { parameters: { 'n.$': 'States.MathAdd($.round.n, 1)' }, resultPath: '$.round' });
    const settle = new sfn.Wait(this, 'LetDetachPropagate', { time: sfn.WaitTime.duration(REVOCATION_PROPAGATION_WAIT) });
    const tooManyRounds = new sfn.Fail(this, 'RevocationIncomplete', {
      error: 'RevocationIncomplete',
      cause: `Certificates were still listed on the thing after ${REVOCATION_MAX_ROUNDS} rounds; every certificate listed was deactivated, some may still be attached`,
    });
    deactivateEach.next(detachEach).next(nextRound).next(new sfn.Choice(this, 'RoundsLeft')
      .when(sfn.Condition.numberGreaterThanEquals('$.round.n', REVOCATION_MAX_ROUNDS), tooManyRounds)
      .otherwise(settle.next(list)));
    const anyLeft = new sfn.Choice(this, 'AnyCertificateLeft')
      .when(sfn.Condition.isPresent('$.found.principals[0]'), deactivateEach)
      .otherwise(revoked);
    list.next(anyLeft);
    // First every certificate of the thing, page after page (NextToken), is deactivated: none is
    // detached before all are INACTIVE, so a detach that fails later leaves none ACTIVE.
    const pageParams = { ThingName: sfn.JsonPath.stringAt('$.thingName'), MaxResults: 250 };
    const firstPage = iotCall('ListToDeactivate', 'listThingPrincipals', [thingArn], pageParams, { resultPath: '$.page' });
    const nextPage = iotCall('ListNextToDeactivate', 'listThingPrincipals', [thingArn], { ...pageParams, NextToken: sfn.JsonPath.stringAt('$.page.NextToken') }, { resultPath: '$.page' });
    firstPage.addCatch(revoked, { errors: ['Iot.ResourceNotFoundException'], resultPath: '$.failure' });
    const deactivatePage = new sfn.Map(this, 'DeactivatePage', {
      itemsPath: '$.page.Principals',
      itemSelector: { 'principal.$': '$$.Map.Item.Value' },
      maxConcurrency: 5,
      resultPath: discard,
    }).itemProcessor(iotCall('DeactivateListed', 'updateCertificate', [certArn], { CertificateId: certificateId, NewStatus: 'INACTIVE' }));
    const deactivateAll = firstPage;
    firstPage.next(deactivatePage);
    nextPage.next(deactivatePage);
    deactivatePage.next(new sfn.Choice(this, 'MorePagesToDeactivate')
      .when(sfn.Condition.isPresent('$.page.NextToken'), nextPage)
      .otherwise(list));
    const validate = new sfn.Choice(this, 'SerialGiven')
      .when(sfn.Condition.and(sfn.Condition.isPresent('$.serialNumber'), sfn.Condition.isString('$.serialNumber')),
        new sfn.Pass(this, 'ThingName', { parameters: { 'serialNumber.$': '$.serialNumber', 'thingName.$': `States.Format('${props.thingNamePrefix}{}', $.serialNumber)`, 'round': { n: 0 } } })
          .next(markRevoked).next(deactivateAll))
      .otherwise(new sfn.Fail(this, 'NoSerial', { error: 'InvalidInput', cause: 'Start the revocation with {"serialNumber": "<serial>"}' }));
    this.revocation = this.stateMachine('Revocation', validate, props.encryptionKey);

    // ---- Rotation: the CSR
    const describe = iotCall('DescribeThing', 'describeThing', [thingArn], { ThingName: sfn.JsonPath.stringAt('$.thingName') }, {
      resultSelector: { 'serialNumber.$': '$.Attributes.serialNumber' }, resultPath: '$.thing',
    });
    const serialKey = { serialNumber: str('$.thing.serialNumber') };
    const notRequested = new sfn.Fail(this, 'RotationNotRequested', {
      error: 'NotRequested', cause: 'No QUEUED or IN_PROGRESS execution on this thing of a job made from the rotation job template has this jobId',
    });
    const findRequest = iotCall('FindRotationRequest', 'describeJobExecution', [jobArn, thingArn],
      { JobId: sfn.JsonPath.stringAt('$.jobId'), ThingName: sfn.JsonPath.stringAt('$.thingName') }, {
        resultSelector: { 'status.$': '$.Execution.Status', 'number.$': '$.Execution.ExecutionNumber' }, resultPath: '$.request',
      });
    findRequest.addCatch(notRequested, { errors: ['Iot.ResourceNotFoundException', 'Iot.InvalidRequestException'], resultPath: '$.failure' });
    const requestJob = iotCall('RotationRequestJob', 'describeJob', [jobArn], { JobId: sfn.JsonPath.stringAt('$.jobId') }, {
      resultSelector: { 'job.$': '$.Job' }, resultPath: '$.requestJob',
    });
    requestJob.addCatch(notRequested, { errors: ['Iot.ResourceNotFoundException', 'Iot.InvalidRequestException'], resultPath: '$.failure' });
    const claim = new tasks.DynamoUpdateItem(this, 'ClaimRotation', {
      table, key: serialKey,
      updateExpression: 'SET pendingExecution = :execution, rotationRequest = :request, rotationStartedAt = :at',
      // One write: provisioned, asked over the current certificate, nothing outstanding, this request unused.
      conditionExpression: '#status = :provisioned AND certificateId = :principal AND attribute_not_exists(pendingExecution) '
        + 'AND (attribute_not_exists(rotationRequest) OR rotationRequest <> :request)',
      expressionAttributeNames: { '#status': 'status' },
      expressionAttributeValues: {
        ':provisioned': lit('PROVISIONED'),
        ':principal': str('$.principal'),
        ':execution': str('$$.Execution.Id'),
        ':request': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.format('{}#{}', sfn.JsonPath.stringAt('$.jobId'), sfn.JsonPath.stringAt('$.request.number'))),
        ':at': str('$$.State.EnteredTime'),
      },
      resultPath: discard,
    });
    claim.addCatch(new sfn.Fail(this, 'RotationRefused', {
      error: 'Refused',
      cause: 'Not rotated: the device is not PROVISIONED, the CSR did not come over its current certificate, a certificate is already outstanding, or this request was used',
    }), { errors: ccf });
    const releaseSlot = (stateId: string) => new tasks.DynamoUpdateItem(this, stateId, {
      table, key: serialKey,
      updateExpression: 'REMOVE pendingExecution, pendingCertificateId',
      conditionExpression: 'pendingExecution = :execution',
      expressionAttributeValues: { ':execution': str('$$.Execution.Id') },
      resultPath: discard,
    });
    const issueFailed = new sfn.Fail(this, 'IssueFailed', { error: 'IssueFailed', cause: 'AWS IoT did not issue a certificate from the CSR' });
    const releaseAfterIssueFailed = releaseSlot('ReleaseAfterIssueFailed');
    releaseAfterIssueFailed.addCatch(issueFailed, { errors: ccf, ...keep });
    releaseAfterIssueFailed.next(issueFailed);
    const issue = iotCall('IssueFromCsr', 'createCertificateFromCsr', ['*'], { CertificateSigningRequest: sfn.JsonPath.stringAt('$.csr'), SetAsActive: true }, {
      resultSelector: { 'arn.$': '$.CertificateArn', 'id.$': '$.CertificateId', 'pem.$': '$.CertificatePem' }, resultPath: '$.certificate',
    });
    issue.addCatch(releaseAfterIssueFailed, { errors: ['States.ALL'], ...keep });

    // Retiring the new certificate: when it expires unconfirmed, or when issuance could not complete.
    const notConfirmed = new sfn.Fail(this, 'NewCertificateRetired', {
      error: 'NotConfirmed', cause: 'The issued certificate was retired: not confirmed in time, or the device was revoked or could not be given it',
    });
    const deactivateNew = iotCall('DeactivateNew', 'updateCertificate', [certArn], { CertificateId: sfn.JsonPath.stringAt('$.certificate.id'), NewStatus: 'INACTIVE' });
    const detachNewPolicy = iotCall('DetachNewFromPolicy', 'detachPolicy', [certArn], { PolicyName: policyName, Target: sfn.JsonPath.stringAt('$.certificate.arn') });
    const detachNewThing = iotCall('DetachNewFromThing', 'detachThingPrincipal', [certArn], { ThingName: sfn.JsonPath.stringAt('$.thingName'), Principal: sfn.JsonPath.stringAt('$.certificate.arn') });
    const releaseAfterRetire = releaseSlot('ReleaseAfterRetire');
    // Detaching what was never attached fails; the certificate is inactive either way.
    detachNewPolicy.addCatch(detachNewThing, { errors: ['States.ALL'], ...keep });
    detachNewThing.addCatch(releaseAfterRetire, { errors: ['States.ALL'], ...keep });
    releaseAfterRetire.addCatch(notConfirmed, { errors: ccf, ...keep });
    deactivateNew.next(detachNewPolicy).next(detachNewThing).next(releaseAfterRetire).next(notConfirmed);

    const attachPolicy = iotCall('AttachDevicePolicy', 'attachPolicy', [certArn], { PolicyName: policyName, Target: sfn.JsonPath.stringAt('$.certificate.arn') });
    const attachThing = iotCall('AttachToThingExclusively', 'attachThingPrincipal', [certArn], {
      ThingName: sfn.JsonPath.stringAt('$.thingName'), Principal: sfn.JsonPath.stringAt('$.certificate.arn'), ThingPrincipalType: 'EXCLUSIVE_THING',
    });
    attachPolicy.addCatch(deactivateNew, { errors: ['States.ALL'], ...keep });
    attachThing.addCatch(deactivateNew, { errors: ['States.ALL'], ...keep });
    const recordPending = new tasks.DynamoUpdateItem(this, 'RecordPending', {
      table, key: serialKey,
      updateExpression: 'SET pendingCertificateId = :id',
      // Still provisioned and still this execution's slot: a revocation since the claim retires it.
      conditionExpression: '#status = :provisioned AND pendingExecution = :execution',
      expressionAttributeNames: { '#status': 'status' },
      expressionAttributeValues: { ':id': str('$.certificate.id'), ':provisioned': lit('PROVISIONED'), ':execution': str('$$.Execution.Id') },
      resultPath: discard,
    });
    recordPending.addCatch(deactivateNew, { errors: ['States.ALL'], ...keep });

    // Step Functions has no SDK integration for the IoT data plane: a function publishes.
    const sender = secureFunction(this, 'SendCertificateFunction', {
      handlerName: 'fleet-provisioning-send-certificate',
      description: 'cdk-secure-iot: sends a rotating device its new certificate on its own topic',
      encryptionKey: props.encryptionKey,
      timeout: Duration.seconds(30),
      environment: { TOPIC_ROOT: root },
    });
    const acceptedTopics = arn('topic', `${root}/*/${ROTATION_TOPICS.accepted}`);
    sender.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:Publish'], resources: [acceptedTopics] }));
    acknowledge(sender.role!.node.tryFindChild('DefaultPolicy')!, `AwsSolutions-IAM5[Resource::${nagArn(stack, 'topic', `${root}/*/${ROTATION_TOPICS.accepted}`)}]`,
      'Publishes each rotating device its certificate on its own accepted topic; the thing name is known only at run time.');
    // The optimized integration: a function that throws fails the task (the SDK integration's
    // Invoke answers 200 with FunctionError, so its Catch never fired and the certificate waited
    // out the confirmation timeout though the device never received it).
    const send = new tasks.LambdaInvoke(this, 'SendCertificate', {
      lambdaFunction: sender,
      payload: sfn.TaskInput.fromJsonPathAt('$.send'),
      resultPath: discard,
    });
    const sendInput = new sfn.Pass(this, 'CertificateToSend', {
      parameters: { 'thingName.$': '$.thingName', 'certificateId.$': '$.certificate.id', 'certificatePem.$': '$.certificate.pem' },
      resultPath: '$.send',
    });
    const expire = new tasks.DynamoUpdateItem(this, 'ExpireIfStillPending', {
      table, key: serialKey,
      updateExpression: 'REMOVE pendingExecution, pendingCertificateId SET expiredCertificateId = :id',
      // Exactly one of the confirmation (PromotePending) and this write wins.
      conditionExpression: 'pendingExecution = :execution AND pendingCertificateId = :id',
      expressionAttributeValues: { ':id': str('$.certificate.id'), ':execution': str('$$.Execution.Id') },
      resultPath: discard,
    });
    expire.addCatch(new sfn.Succeed(this, 'NoLongerPending', { comment: 'Confirmed by the device, or the device was revoked' }), { errors: ccf, ...keep });
    expire.next(deactivateNew);
    send.addCatch(expire, { errors: ['States.ALL'], ...keep });
    const awaitConfirmation = new sfn.Wait(this, 'AwaitConfirmation', { time: sfn.WaitTime.duration(ROTATION_CONFIRMATION_TIMEOUT) });
    const csrPath = findRequest.next(requestJob).next(new sfn.Choice(this, 'RequestedByRotationJob')
      .when(sfn.Condition.and(
        sfn.Condition.isPresent('$.requestJob.job.JobTemplateArn'),
        sfn.Condition.stringEquals('$.requestJob.job.JobTemplateArn', this.jobTemplate.attrArn),
        sfn.Condition.or(sfn.Condition.stringEquals('$.request.status', 'QUEUED'), sfn.Condition.stringEquals('$.request.status', 'IN_PROGRESS')),
      ), claim.next(issue).next(attachPolicy).next(attachThing).next(recordPending).next(sendInput).next(send).next(awaitConfirmation).next(expire))
      .otherwise(notRequested));

    // ---- Rotation: the confirmation
    const confirm = new tasks.DynamoUpdateItem(this, 'PromotePending', {
      table, key: serialKey,
      updateExpression: 'SET certificateId = :new, previousCertificateId = certificateId, rotatedAt = :at REMOVE pendingCertificateId, pendingExecution',
      conditionExpression: '#status = :provisioned AND pendingCertificateId = :new',
      expressionAttributeNames: { '#status': 'status' },
      expressionAttributeValues: { ':new': str('$.principal'), ':provisioned': lit('PROVISIONED'), ':at': str('$$.State.EnteredTime') },
      returnValues: tasks.DynamoReturnValues.UPDATED_OLD,
      resultSelector: { 'principal.$': `States.Format('${arn('cert', '{}')}', $.Attributes.certificateId.S)` },
      resultPath: '$.old',
    });
    confirm.addCatch(new sfn.Fail(this, 'NotThePendingCertificate', { error: 'NotPending', cause: 'The confirmation did not come over the pending certificate' }), { errors: ccf });
    const oldItem = new sfn.Pass(this, 'OldCertificate', { parameters: { 'principal.$': '$.old.principal', 'thingName.$': '$.thingName' } });
    const retire = iotCall('DeactivateOld', 'updateCertificate', [certArn], { CertificateId: certificateId, NewStatus: 'INACTIVE' });
    const retireDetachPolicy = iotCall('DetachOldFromPolicy', 'detachPolicy', [certArn], { PolicyName: policyName, Target: sfn.JsonPath.stringAt('$.principal') });
    const retireDetachThing = iotCall('DetachOldFromThing', 'detachThingPrincipal', [certArn], { ThingName: sfn.JsonPath.stringAt('$.thingName'), Principal: sfn.JsonPath.stringAt('$.principal') });
    const confirmPath = confirm.next(oldItem).next(retire).next(retireDetachPolicy).next(retireDetachThing).next(new sfn.Succeed(this, 'Rotated'));

    const step = new sfn.Choice(this, 'Step')
      .when(sfn.Condition.and(sfn.Condition.stringEquals('$.step', 'csr'), sfn.Condition.isPresent('$.csr'), sfn.Condition.isString('$.csr'),
        sfn.Condition.isPresent('$.principal'), sfn.Condition.isString('$.principal'), sfn.Condition.isPresent('$.jobId'), sfn.Condition.isString('$.jobId')), csrPath)
      .when(sfn.Condition.and(sfn.Condition.stringEquals('$.step', 'csr'), sfn.Condition.isPresent('$.csr')), notRequested)
      .when(sfn.Condition.and(sfn.Condition.stringEquals('$.step', 'confirm'), sfn.Condition.isPresent('$.principal'), sfn.Condition.isString('$.principal')), confirmPath)
      .otherwise(new sfn.Fail(this, 'UnknownStep', { error: 'InvalidInput', cause: 'step must be csr (with csr and jobId) or confirm' }));
    this.rotation = this.stateMachine('Rotation', describe.next(step), props.encryptionKey);
    this.revocationFailedAlarm = this.failedAlarm('Revocation', this.revocation);
    this.rotationFailedAlarm = this.failedAlarm('Rotation', this.rotation);
    table.encryptionKey?.grant(this.rotation, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*');
    table.encryptionKey?.grant(this.revocation, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*');

    // The device publishes under its own tree only, so topic(<n>) is its authenticated thing name.
    const levels = root.split('/').length;
    const alpha = iotAlpha(this);
    const actions = iotActionsAlpha(this);
    const errors = secureLogGroup(this, 'RuleErrors', { encryptionKey: props.encryptionKey });
    // Named here so the role can name it: AWS IoT assumes the role for this rule of this account only.
    const ruleName = `${Names.uniqueResourceName(this, { maxLength: 119, separator: '_' }).replace(/[^a-zA-Z0-9_]/g, '_')}_rotation`;
    this.ruleRole = new iam.Role(this, 'RotationRuleRole', {
      description: `Assumed by the AWS IoT rule ${ruleName} to start certificate rotations and log its errors`,
      assumedBy: confusedDeputySafePrincipal(this, 'iot.amazonaws.com', { sourceArn: arn('rule', ruleName) }),
    });
    new alpha.TopicRule(this, 'RotationRule', {
      topicRuleName: ruleName,
      description: 'cdk-secure-iot: starts certificate rotation steps from devices',
      sql: alpha.IotSql.fromStringAsVer20160323(
        `SELECT csr, jobId, topic(${levels + 1}) AS thingName, topic(${levels + 4}) AS step, principal() AS principal FROM '${root}/+/cert/rotate/+' WHERE topic(${levels + 4}) = 'csr' OR topic(${levels + 4}) = 'confirm'`),
      actions: [new actions.StepFunctionsStateMachineAction(this.rotation, { executionNamePrefix: 'rotation', role: this.ruleRole })],
      errorAction: new actions.CloudWatchLogsAction(errors, { role: this.ruleRole }),
    });

    const thingReason = props.thingNamePrefix
      ? `The devices of this fleet are the things ${props.thingNamePrefix}<serial>; serials are allow list data, not known at synth.`
      : 'The devices of this fleet are the things named by their serials, which are allow list data, not known at synth; give thingNamePrefix to narrow this.';
    const certReason = 'Certificate IDs are made by AWS IoT when a device is provisioned or rotates; no certificate is known at synth. IAM authorizes AttachPolicy, DetachPolicy, AttachThingPrincipal, DetachThingPrincipal and UpdateCertificate on the certificate.';
    const kmsReason = 'kms:GenerateDataKey* on the allow list key only: DynamoDB asks for GenerateDataKey or GenerateDataKeyWithoutPlaintext with this one key.';
    acknowledge(this.rotation.role.node.tryFindChild('DefaultPolicy')!,
      `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(sender.node.defaultChild as CfnResource)}.Arn>:*]`,
      'Invoking the rotation\'s own send-certificate function, any version or alias of it (CDK\'s LambdaInvoke grant).');
    for (const sm of [this.revocation, this.rotation]) {
      const policy = sm.role.node.tryFindChild('DefaultPolicy')!;
      acknowledge(policy, `AwsSolutions-IAM5[Resource::${nagArn(stack, 'thing', `${props.thingNamePrefix}*`)}]`, thingReason);
      acknowledge(policy, `AwsSolutions-IAM5[Resource::${nagArn(stack, 'cert', '*')}]`, certReason);
      acknowledge(policy, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', kmsReason);
      acknowledge(policy, 'AwsSolutions-IAM5[Resource::*]', sm === this.rotation
        ? 'X-Ray trace segments (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and iot:CreateCertificateFromCsr have no resource type; IAM accepts only "*" for them.'
        : 'X-Ray trace segments (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) have no resource type; IAM accepts only "*" for them.');
    }
    acknowledge(this.rotation.role.node.tryFindChild('DefaultPolicy')!, `AwsSolutions-IAM5[Resource::${nagArn(stack, 'job', '*')}]`,
      'Rotation jobs are created at run time from the rotation job template, each with its own ID; the state machine only describes the job a device names, and checks it was made from the template.');
  }

  /** ExecutionsFailed + ExecutionsTimedOut + ExecutionsAborted of AWS/States for this state machine, any in five minutes. */
  private failedAlarm(id: string, sm: sfn.StateMachine): cloudwatch.Alarm {
    const period = Duration.minutes(5);
    return new cloudwatch.Alarm(this, `${id}FailedAlarm`, {
      alarmDescription: `cdk-secure-iot: a certificate ${id.toLowerCase()} execution failed, timed out or was aborted; a certificate may be left ACTIVE or attached`,
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
        usingMetrics: {
          failed: sm.metricFailed({ period, statistic: 'Sum' }),
          timedOut: sm.metricTimedOut({ period, statistic: 'Sum' }),
          aborted: sm.metricAborted({ period, statistic: 'Sum' }),
        },
        period,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private stateMachine(id: string, definition: sfn.IChainable, key: kms.IKey): sfn.StateMachine {
    const sm = new sfn.StateMachine(this, id, {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      logs: { destination: secureLogGroup(this, `${id}Logs`, { encryptionKey: key }), level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    return sm;
  }
}

/** An IoT ARN as cdk-nag prints it in finding IDs (pseudo parameters as `<AWS::Name>`, literals where the stack is pinned). */
export function nagArn(stack: Stack, resource: string, name: string): string {
  return `${nagArnPrefix(stack, 'iot')}:${resource}/${name}`;
}
