import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { RiskProfile } from '../../core/risk-profile';
import { iotActionsAlpha, iotAlpha } from '../../core/private/optional-modules';
import { acknowledge, nagArnPrefix, secureFunction, secureLogGroup } from '../../core/private/secure-defaults';
import { DevicePolicy } from '../device-policy';

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
 * Certificate rotation and revocation as Step Functions state machines of AWS SDK calls, each
 * with only the IAM actions its steps make.
 *
 * Rotation: a job (from `jobTemplate`) tells the device to rotate. The device makes a new key and
 * publishes a CSR on `<root>/<thing>/cert/rotate/csr` (its own tree: no other device can), a topic
 * rule starts the state machine, which refuses a device not PROVISIONED in the allow list, issues
 * the certificate, attaches it to the thing (EXCLUSIVE_THING) and to the device policy, records it
 * as pending and publishes it on `<root>/<thing>/cert/rotate/accepted`. The device connects with
 * the new certificate and publishes on `.../confirm`; the rule passes the connection's
 * certificate (`principal()`), and only when it is the pending one is the old certificate
 * deactivated and detached.
 *
 * Revocation: `{"serialNumber": "..."}` in; every certificate of the thing deactivated and
 * detached from the policy and the thing, and the allow list item marked REVOKED.
 */
export class CertificateLifecycle extends Construct {
  public readonly revocation: sfn.StateMachine;
  public readonly rotation: sfn.StateMachine;
  public readonly jobTemplate: iot.CfnJobTemplate;
  public readonly jobDocument: string;

  constructor(scope: Construct, id: string, props: CertificateLifecycleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const arn = (resource: string, name: string) => stack.formatArn({ service: 'iot', resource, resourceName: name });
    const thingArn = arn('thing', `${props.thingNamePrefix}*`);
    const certArn = arn('cert', '*');
    const policyArn = props.devicePolicy.policyArn;
    const table = props.allowListTable;

    // ---- Revocation
    const list = new tasks.CallAwsService(this, 'ListCertificates', {
      service: 'iot', action: 'listThingPrincipals', iamResources: [thingArn], iamAction: 'iot:ListThingPrincipals',
      parameters: { ThingName: sfn.JsonPath.stringAt('$.thingName') },
      resultSelector: { 'principals.$': '$.Principals' },
      resultPath: '$.found',
    });
    const certificateId = sfn.JsonPath.arrayGetItem(sfn.JsonPath.stringSplit(sfn.JsonPath.stringAt('$.principal'), '/'), 1);
    const deactivate = new tasks.CallAwsService(this, 'DeactivateCertificate', {
      service: 'iot', action: 'updateCertificate', iamResources: [certArn], iamAction: 'iot:UpdateCertificate',
      parameters: { CertificateId: certificateId, NewStatus: 'INACTIVE' }, resultPath: sfn.JsonPath.DISCARD,
    });
    const detachPolicy = new tasks.CallAwsService(this, 'DetachDevicePolicy', {
      service: 'iot', action: 'detachPolicy', iamResources: [policyArn, certArn], iamAction: 'iot:DetachPolicy',
      parameters: { PolicyName: props.devicePolicy.policyName, Target: sfn.JsonPath.stringAt('$.principal') }, resultPath: sfn.JsonPath.DISCARD,
    });
    const detachThing = new tasks.CallAwsService(this, 'DetachFromThing', {
      service: 'iot', action: 'detachThingPrincipal', iamResources: [thingArn], iamAction: 'iot:DetachThingPrincipal',
      parameters: { ThingName: sfn.JsonPath.stringAt('$.thingName'), Principal: sfn.JsonPath.stringAt('$.principal') }, resultPath: sfn.JsonPath.DISCARD,
    });
    const eachCertificate = new sfn.Map(this, 'EachCertificate', {
      itemsPath: '$.found.principals',
      itemSelector: { 'principal.$': '$$.Map.Item.Value', 'thingName.$': '$.thingName' },
      maxConcurrency: 5,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(deactivate.next(detachPolicy).next(detachThing));
    const markRevoked = new tasks.DynamoUpdateItem(this, 'MarkRevoked', {
      table,
      key: { serialNumber: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.serialNumber')) },
      updateExpression: 'SET #status = :revoked, revokedAt = :at',
      conditionExpression: 'attribute_exists(serialNumber)',
      expressionAttributeNames: { '#status': 'status' },
      expressionAttributeValues: {
        ':revoked': tasks.DynamoAttributeValue.fromString('REVOKED'),
        ':at': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.State.EnteredTime')),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    const validate = new sfn.Choice(this, 'SerialGiven')
      .when(sfn.Condition.and(sfn.Condition.isPresent('$.serialNumber'), sfn.Condition.isString('$.serialNumber')),
        new sfn.Pass(this, 'ThingName', { parameters: { 'serialNumber.$': '$.serialNumber', 'thingName.$': `States.Format('${props.thingNamePrefix}{}', $.serialNumber)` } })
          .next(list).next(eachCertificate).next(markRevoked).next(new sfn.Succeed(this, 'Revoked')))
      .otherwise(new sfn.Fail(this, 'NoSerial', { error: 'InvalidInput', cause: 'Start the revocation with {"serialNumber": "<serial>"}' }));
    this.revocation = this.stateMachine('Revocation', validate, props.encryptionKey);

    // ---- Rotation
    const root = props.devicePolicy.topicRoot;
    const describe = new tasks.CallAwsService(this, 'DescribeThing', {
      service: 'iot', action: 'describeThing', iamResources: [thingArn], iamAction: 'iot:DescribeThing',
      parameters: { ThingName: sfn.JsonPath.stringAt('$.thingName') },
      resultSelector: { 'serialNumber.$': '$.Attributes.serialNumber' },
      resultPath: '$.thing',
    });
    const serialKey = { serialNumber: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.thing.serialNumber')) };
    const refuseRevoked = new tasks.DynamoUpdateItem(this, 'RefuseUnlessProvisioned', {
      table, key: serialKey,
      updateExpression: 'SET rotationRequestedAt = :at',
      conditionExpression: '#status = :provisioned',
      expressionAttributeNames: { '#status': 'status' },
      expressionAttributeValues: { ':provisioned': tasks.DynamoAttributeValue.fromString('PROVISIONED'), ':at': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.State.EnteredTime')) },
      resultPath: sfn.JsonPath.DISCARD,
    });
    const issue = new tasks.CallAwsService(this, 'IssueFromCsr', {
      service: 'iot', action: 'createCertificateFromCsr', iamResources: ['*'], iamAction: 'iot:CreateCertificateFromCsr',
      parameters: { CertificateSigningRequest: sfn.JsonPath.stringAt('$.csr'), SetAsActive: true },
      resultSelector: { 'arn.$': '$.CertificateArn', 'id.$': '$.CertificateId', 'pem.$': '$.CertificatePem' },
      resultPath: '$.certificate',
    });
    const attachPolicy = new tasks.CallAwsService(this, 'AttachDevicePolicy', {
      service: 'iot', action: 'attachPolicy', iamResources: [policyArn, certArn], iamAction: 'iot:AttachPolicy',
      parameters: { PolicyName: props.devicePolicy.policyName, Target: sfn.JsonPath.stringAt('$.certificate.arn') }, resultPath: sfn.JsonPath.DISCARD,
    });
    const attachThing = new tasks.CallAwsService(this, 'AttachToThingExclusively', {
      service: 'iot', action: 'attachThingPrincipal', iamResources: [thingArn], iamAction: 'iot:AttachThingPrincipal',
      parameters: { ThingName: sfn.JsonPath.stringAt('$.thingName'), Principal: sfn.JsonPath.stringAt('$.certificate.arn'), ThingPrincipalType: 'EXCLUSIVE_THING' },
      resultPath: sfn.JsonPath.DISCARD,
    });
    const recordPending = new tasks.DynamoUpdateItem(this, 'RecordPending', {
      table, key: serialKey,
      updateExpression: 'SET pendingCertificateId = :id',
      expressionAttributeValues: { ':id': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.certificate.id')) },
      resultPath: sfn.JsonPath.DISCARD,
    });
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
    const send = new tasks.CallAwsService(this, 'SendCertificate', {
      service: 'lambda', action: 'invoke', iamAction: 'lambda:InvokeFunction', iamResources: [sender.functionArn],
      parameters: {
        FunctionName: sender.functionArn,
        Payload: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.send')),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    const sendInput = new sfn.Pass(this, 'CertificateToSend', {
      parameters: { 'thingName.$': '$.thingName', 'certificateId.$': '$.certificate.id', 'certificatePem.$': '$.certificate.pem' },
      resultPath: '$.send',
    });
    const rotationRefused = new sfn.Fail(this, 'RotationRefused', { error: 'NotProvisioned', cause: 'The device is not PROVISIONED in the allow list (revoked or unknown)' });
    refuseRevoked.addCatch(rotationRefused, { errors: ['DynamoDB.ConditionalCheckFailedException'] });
    const csrPath = refuseRevoked.next(issue).next(attachPolicy).next(attachThing).next(recordPending).next(sendInput).next(send);

    const confirm = new tasks.DynamoUpdateItem(this, 'PromotePending', {
      table, key: serialKey,
      updateExpression: 'SET certificateId = :new, previousCertificateId = certificateId, rotatedAt = :at REMOVE pendingCertificateId',
      conditionExpression: '#status = :provisioned AND pendingCertificateId = :new',
      expressionAttributeNames: { '#status': 'status' },
      expressionAttributeValues: {
        ':new': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.principal')),
        ':provisioned': tasks.DynamoAttributeValue.fromString('PROVISIONED'),
        ':at': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.State.EnteredTime')),
      },
      returnValues: tasks.DynamoReturnValues.UPDATED_OLD,
      resultSelector: { 'principal.$': `States.Format('${arn('cert', '{}')}', $.Attributes.certificateId.S)` },
      resultPath: '$.old',
    });
    confirm.addCatch(new sfn.Fail(this, 'NotThePendingCertificate', { error: 'NotPending', cause: 'The confirmation did not come over the pending certificate' }),
      { errors: ['DynamoDB.ConditionalCheckFailedException'] });
    const oldItem = (s: string) => new sfn.Pass(this, s, { parameters: { 'principal.$': '$.old.principal', 'thingName.$': '$.thingName' } });
    const retire = new tasks.CallAwsService(this, 'DeactivateOld', {
      service: 'iot', action: 'updateCertificate', iamResources: [certArn], iamAction: 'iot:UpdateCertificate',
      parameters: { CertificateId: certificateId, NewStatus: 'INACTIVE' }, resultPath: sfn.JsonPath.DISCARD,
    });
    const retireDetachPolicy = new tasks.CallAwsService(this, 'DetachOldFromPolicy', {
      service: 'iot', action: 'detachPolicy', iamResources: [policyArn, certArn], iamAction: 'iot:DetachPolicy',
      parameters: { PolicyName: props.devicePolicy.policyName, Target: sfn.JsonPath.stringAt('$.principal') }, resultPath: sfn.JsonPath.DISCARD,
    });
    const retireDetachThing = new tasks.CallAwsService(this, 'DetachOldFromThing', {
      service: 'iot', action: 'detachThingPrincipal', iamResources: [thingArn], iamAction: 'iot:DetachThingPrincipal',
      parameters: { ThingName: sfn.JsonPath.stringAt('$.thingName'), Principal: sfn.JsonPath.stringAt('$.principal') }, resultPath: sfn.JsonPath.DISCARD,
    });
    const confirmPath = confirm.next(oldItem('OldCertificate')).next(retire).next(retireDetachPolicy).next(retireDetachThing);

    const step = new sfn.Choice(this, 'Step')
      .when(sfn.Condition.and(sfn.Condition.stringEquals('$.step', 'csr'), sfn.Condition.isString('$.csr')), csrPath)
      .when(sfn.Condition.and(sfn.Condition.stringEquals('$.step', 'confirm'), sfn.Condition.isString('$.principal')), confirmPath)
      .otherwise(new sfn.Fail(this, 'UnknownStep', { error: 'InvalidInput', cause: 'step must be csr (with csr) or confirm' }));
    this.rotation = this.stateMachine('Rotation', describe.next(step), props.encryptionKey);
    table.encryptionKey?.grant(this.rotation, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*');
    table.encryptionKey?.grant(this.revocation, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*');

    // The device publishes under its own tree only, so topic(<n>) is its authenticated thing name.
    const levels = root.split('/').length;
    const alpha = iotAlpha(this);
    const actions = iotActionsAlpha(this);
    const errors = secureLogGroup(this, 'RuleErrors', { encryptionKey: props.encryptionKey });
    new alpha.TopicRule(this, 'RotationRule', {
      description: 'cdk-secure-iot: starts certificate rotation steps from devices',
      sql: alpha.IotSql.fromStringAsVer20160323(
        `SELECT csr, topic(${levels + 1}) AS thingName, topic(${levels + 4}) AS step, principal() AS principal FROM '${root}/+/cert/rotate/+' WHERE topic(${levels + 4}) = 'csr' OR topic(${levels + 4}) = 'confirm'`),
      actions: [new actions.StepFunctionsStateMachineAction(this.rotation, { executionNamePrefix: 'rotation' })],
      errorAction: new actions.CloudWatchLogsAction(errors),
    });

    this.jobDocument = JSON.stringify({
      operation: 'rotate-certificate',
      description: 'Generate a new key pair on the device, publish a CSR, connect with the certificate received, confirm, then delete the old key',
      csrTopic: `${root}/\${aws:iot:thing:ThingName}/${ROTATION_TOPICS.csr}`,
      acceptedTopic: `${root}/\${aws:iot:thing:ThingName}/${ROTATION_TOPICS.accepted}`,
      confirmTopic: `${root}/\${aws:iot:thing:ThingName}/${ROTATION_TOPICS.confirm}`,
    });
    const rollout = props.riskProfile.otaRollout;
    // The L1 types these blocks as `any`: CloudFormation's own names, as they are rendered.
    this.jobTemplate = new iot.CfnJobTemplate(this, 'RotationJobTemplate', {
      jobTemplateId: `${stack.stackName}-${this.node.addr.slice(0, 8)}-rotate-cert`.replace(/[^a-zA-Z0-9_-]/g, '-').slice(-64),
      description: 'cdk-secure-iot: rotate the device certificate',
      document: this.jobDocument,
      abortConfig: { CriteriaList: [{ Action: 'CANCEL', FailureType: 'FAILED', MinNumberOfExecutedThings: 10, ThresholdPercentage: props.riskProfile.otaAbortFailurePercent }] },
      timeoutConfig: { InProgressTimeoutInMinutes: 60 },
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

    const thingReason = props.thingNamePrefix
      ? `The devices of this fleet are the things ${props.thingNamePrefix}<serial>; serials are allow list data, not known at synth.`
      : 'The devices of this fleet are the things named by their serials, which are allow list data, not known at synth; give thingNamePrefix to narrow this.';
    const certReason = 'Certificate IDs are made by AWS IoT when a device is provisioned or rotates; no certificate is known at synth.';
    const kmsReason = 'kms:GenerateDataKey* on the allow list key only: DynamoDB asks for GenerateDataKey or GenerateDataKeyWithoutPlaintext with this one key.';
    for (const sm of [this.revocation, this.rotation]) {
      const policy = sm.role.node.tryFindChild('DefaultPolicy')!;
      acknowledge(policy, `AwsSolutions-IAM5[Resource::${nagArn(stack, 'thing', `${props.thingNamePrefix}*`)}]`, thingReason);
      acknowledge(policy, `AwsSolutions-IAM5[Resource::${nagArn(stack, 'cert', '*')}]`, certReason);
      acknowledge(policy, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', kmsReason);
      acknowledge(policy, 'AwsSolutions-IAM5[Resource::*]', sm === this.rotation
        ? 'X-Ray trace segments (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and iot:CreateCertificateFromCsr have no resource type; IAM accepts only "*" for them.'
        : 'X-Ray trace segments (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) have no resource type; IAM accepts only "*" for them.');
    }
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
