import { Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { AssetTagsProps, DataClass } from '../core/asset-tags';
import { RiskProfile } from '../core/risk-profile';
import { claimAccountSingleton } from '../core/private/account-singleton';
import { acknowledge, secureFunction, secureKey } from '../core/private/secure-defaults';
import { DevicePolicy, DeviceTopic, THING_NAME_VARIABLE, TopicAccess } from './device-policy';
import { applyAssetTags, criticalityOf } from '../core/private/default-tags';
import { CertificateLifecycle, ROTATION_TOPICS } from './private/certificate-lifecycle';
import { provisioningRole, templateThing } from './private/provisioning-role';
import { describeValue } from '../core/private/describe';
import { riskProfileOf, riskProfileProblems } from '../core/private/risk-profile-of';

/** How a provisioned device gets its certificate. */
export enum ProvisioningCertificateSource {
  /** From the device's CSR (`CreateCertificateFromCsr`): the private key never leaves the device. */
  CSR = 'CSR',
  /** AWS IoT makes the key pair (`CreateKeysAndCertificate`) and sends the private key to the device. */
  AWS_GENERATED_KEYS = 'AWS_GENERATED_KEYS',
}

/** Props of `FleetProvisioning`. */
export interface FleetProvisioningProps {
  /** The policy every provisioned device's certificate gets. */
  readonly devicePolicy: DevicePolicy;
  /**
   * The template's name, which the claim policy names in its topics.
   * @default - a name unique in the account, derived from the construct path
   */
  readonly templateName?: string;
  /**
   * The prefix of each thing's name: a device becomes the thing `<thingNamePrefix><SerialNumber>`,
   * so it cannot choose another device's name.
   * @default ''
   */
  readonly thingNamePrefix?: string;
  /**
   * How devices get their certificate; the claim policy allows only that MQTT API.
   * @default ProvisioningCertificateSource.CSR
   */
  readonly certificateSource?: ProvisioningCertificateSource;
  /**
   * The thing type of provisioned things.
   * @default - none
   */
  readonly thingType?: iot.CfnThingType;
  /**
   * Static thing groups provisioned things join.
   * @default - none
   */
  readonly thingGroups?: iot.CfnThingGroup[];
  /**
   * Device parameters that become thing attributes of the same name (letters and digits).
   * `SerialNumber` is always one (as `serialNumber`); `Site` comes from the allow list when it has
   * one; `Criticality` is always set by the pre-provisioning hook, never taken from the device: the
   * allow list item's `criticality`, else the criticality the risk profile implies
   * (`safety-critical` for CRITICAL_INFRASTRUCTURE, `high` when critical devices need approval,
   * `medium` otherwise).
   * @default ['Site', 'Criticality']
   */
  readonly deviceAttributes?: string[];
  /**
   * The allow list: a table with the partition key `serialNumber` (String). Each device is an
   * item with `status` `ALLOWED` before provisioning; the hook sets `PROVISIONED`, revocation `REVOKED`.
   * @default - a new table, encrypted with `encryptionKey`, point-in-time recovery on, retained
   */
  readonly allowListTable?: dynamodb.Table;
  /**
   * The key that encrypts the allow list, the functions' logs and environments, and the state machines' logs.
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Sign device certificates with your own CA: a Lambda function that AWS IoT calls with each CSR
   * (fleet provisioning by CSR and rotation alike), registered as the account's
   * `AWS::IoT::CertificateProvider` for `CreateCertificateFromCsr`. AWS keeps one default
   * certificate provider per account and region, so one construct in an app may set it. Needs
   * `certificateSource` CSR.
   * @default - AWS IoT's CA signs device certificates
   */
  readonly certificateProviderFunction?: lambda.IFunction;
  /**
   * Prefix of the claim certificate's client IDs: it may connect only as `<prefix>*`, so a
   * leaked claim key cannot take a provisioned device's client ID and disconnect it.
   * @default 'provisioning-'
   */
  readonly claimClientIdPrefix?: string;
  /**
   * The risk profile: the criticality tag, and the rotation job's rollout and abort threshold.
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * The practice 2 tags of every IoT resource.
   * @default - criticality from the risk profile, owner `unassigned`, data class confidential, each replaced by an `AssetTags.apply` above
   */
  readonly assetTags?: AssetTagsProps;
}

const TEMPLATE_NAME = /^[0-9A-Za-z_-]{1,36}$/;
const THING_PREFIX = /^[a-zA-Z0-9:_-]{0,64}$/;
const PARAMETER = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const CLIENT_PREFIX = /^[A-Za-z0-9:_-]{1,64}$/;

/**
 * Fleet provisioning by claim (practice 3): a provisioning template that makes the thing
 * `<prefix><SerialNumber>`, gives it a certificate and the `DevicePolicy`; a claim certificate
 * policy (`claimPolicy`) that can do nothing but call this template's provisioning topics; a
 * pre-provisioning hook that admits only serial numbers in the allow list, once each; and the
 * certificate lifecycle: rotation (a job template, and a flow that issues one certificate from the
 * device's CSR per rotation job execution, never two outstanding, retires it when not confirmed in
 * time, and retires the old one once the device confirms on the new one) and
 * revocation (a state machine, `grantRevoke`, that deactivates and detaches a device's
 * certificates and marks it in the allow list).
 *
 * The template does not grow with the fleet: devices are rows of the allow list, not resources.
 */
export class FleetProvisioning extends Construct {
  /** The provisioning template. */
  public readonly template: iot.CfnProvisioningTemplate;
  /** The template's name. */
  public readonly templateName: string;
  /** The account's certificate provider, when `certificateProviderFunction` is given. */
  public readonly certificateProvider?: iot.CfnCertificateProvider;
  /** The policy to attach to the claim certificate. */
  public readonly claimPolicy: iot.CfnPolicy;
  /** The allow list. */
  public readonly allowListTable: dynamodb.ITable;
  /** The pre-provisioning hook. */
  public readonly hookFunction: lambda.IFunction;
  /** The key that encrypts the allow list, logs and environments. */
  public readonly encryptionKey: kms.IKey;
  /** Revokes a device: start it with `{"serialNumber": "..."}` (EventBridge can target it). */
  public readonly revocationStateMachine: sfn.IStateMachine;
  /**
   * Rotates a certificate; started by the rotation topic rule on the device's CSR (which must name a
   * job made from `rotationJobTemplate` for this device) and on its confirmation.
   */
  public readonly rotationStateMachine: sfn.IStateMachine;
  /** The job template that asks devices to rotate their certificate. */
  public readonly rotationJobTemplate: iot.CfnJobTemplate;
  /** The job document of a rotation (JSON). */
  public readonly rotationJobDocument: string;
  /** Rotation jobs are created with IDs that start with this (what `grantStartRotation` allows). */
  public readonly rotationJobIdPrefix: string;
  private readonly thingNamePrefix: string;
  private readonly thingGroupArns: string[];
  /**
   * In alarm when a revocation execution failed, timed out or was aborted (AWS/States
   * ExecutionsFailed + ExecutionsTimedOut + ExecutionsAborted, any in five minutes): a revoked
   * device may still hold a certificate. FleetProvisioning has no notification topic: add an alarm
   * action (`addAlarmAction`) to be told.
   */
  public readonly revocationFailedAlarm: cloudwatch.IAlarm;
  /**
   * In alarm when a rotation execution failed, timed out or was aborted. Refused, unrequested and
   * expired rotations end as failed executions too, so this alarm also counts them: a burst of them
   * is itself worth a look (a stolen key trying to rotate).
   */
  public readonly rotationFailedAlarm: cloudwatch.IAlarm;

  constructor(scope: Construct, id: string, props: FleetProvisioningProps) {
    super(scope, id);
    const p = (props ?? {}) as FleetProvisioningProps;
    const problems: string[] = riskProfileProblems(p.riskProfile);
    if (!(p.devicePolicy instanceof DevicePolicy)) problems.push(`devicePolicy must be a DevicePolicy, got ${describeValue(p.devicePolicy)}`);
    this.templateName = p.templateName ?? Names.uniqueResourceName(this, { maxLength: 36, separator: '-' }).replace(/[^0-9A-Za-z_-]/g, '');
    if (typeof this.templateName !== 'string' || (!Token.isUnresolved(this.templateName) && !TEMPLATE_NAME.test(this.templateName))) {
      problems.push(`templateName must be 1-36 letters, digits, '_' or '-', got ${describeValue(this.templateName)}`);
    }
    const prefix = p.thingNamePrefix ?? '';
    if (typeof prefix !== 'string' || !THING_PREFIX.test(prefix)) problems.push(`thingNamePrefix must be 0-64 letters, digits, ':', '_' or '-', got ${describeValue(prefix)}`);
    const source = p.certificateSource ?? ProvisioningCertificateSource.CSR;
    if (!Object.values(ProvisioningCertificateSource).includes(source)) problems.push(`certificateSource must be one of ${Object.values(ProvisioningCertificateSource).join(', ')}, got ${describeValue(source)}`);
    const attributes = p.deviceAttributes ?? ['Site', 'Criticality'];
    if (!Array.isArray(attributes) || attributes.length > 49) {
      problems.push(`deviceAttributes must be a list of at most 49 parameter names, got ${describeValue(attributes)}`);
    } else {
      for (const a of attributes) {
        if (typeof a !== 'string' || !PARAMETER.test(a) || a === 'SerialNumber') problems.push(`deviceAttributes: each must be 1-64 letters and digits starting with a letter, not SerialNumber, got ${describeValue(a)}`);
      }
    }
    const clientPrefix = p.claimClientIdPrefix ?? 'provisioning-';
    if (typeof clientPrefix !== 'string' || !CLIENT_PREFIX.test(clientPrefix)) problems.push(`claimClientIdPrefix must be 1-64 letters, digits, ':', '_' or '-', got ${describeValue(clientPrefix)}`);
    if (p.allowListTable !== undefined) {
      const keys = p.allowListTable instanceof dynamodb.Table ? p.allowListTable.schemaV2().partitionKeys : [];
      if (keys.length !== 1 || keys[0].name !== 'serialNumber' || keys[0].type !== dynamodb.AttributeType.STRING) {
        problems.push(`allowListTable must have the partition key serialNumber (String), got ${keys.length ? keys.map((k) => `${k.name} (${k.type})`).join(' + ') : 'no partition key'}`);
      }
    }
    if (p.certificateProviderFunction !== undefined && source !== ProvisioningCertificateSource.CSR) {
      problems.push(`certificateProviderFunction signs CSRs, so certificateSource must be CSR, got ${describeValue(source)}`);
    }
    if (p.thingGroups !== undefined && (!Array.isArray(p.thingGroups) || p.thingGroups.some((g) => !(g instanceof iot.CfnThingGroup) || g.queryString !== undefined))) {
      problems.push('thingGroups must be a list of static thing groups (CfnThingGroup without a query; dynamic groups fill themselves)');
    }
    if (problems.length > 0) throw new Error(`${this.node.path}: FleetProvisioning: ${problems.join('; ')}`);

    const profile = riskProfileOf(this, p.riskProfile);
    const stack = Stack.of(this);
    this.encryptionKey = p.encryptionKey ?? secureKey(this, 'Key', { description: `Encrypts the device allow list and provisioning logs (${this.node.path})` });
    this.allowListTable = p.allowListTable ?? new dynamodb.Table(this, 'AllowList', {
      partitionKey: { name: 'serialNumber', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The hook: reads and conditionally updates one item per request.
    const hook = secureFunction(this, 'Hook', {
      handlerName: 'fleet-provisioning-hook',
      description: 'cdk-secure-iot: fleet provisioning pre-provisioning hook (allow list, once per serial)',
      encryptionKey: this.encryptionKey,
      timeout: Duration.seconds(5),
      environment: { ALLOW_LIST_TABLE: this.allowListTable.tableName, TEMPLATE_PARAMETERS: attributes.join(','), DEFAULT_CRITICALITY: criticalityOf(profile) },
    });
    this.allowListTable.grant(hook, 'dynamodb:UpdateItem');
    this.allowListTable.encryptionKey?.grant(hook, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*');
    hook.addPermission('InvokedByIoT', {
      principal: new iam.ServicePrincipal('iot.amazonaws.com'),
      sourceAccount: stack.account,
      sourceArn: stack.formatArn({ service: 'iot', resource: 'provisioningtemplate', resourceName: this.templateName }),
    });
    this.hookFunction = hook;
    acknowledge(hook.role!.node.tryFindChild('DefaultPolicy')!, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      'kms:GenerateDataKey* on the allow list key only: DynamoDB asks for GenerateDataKey or GenerateDataKeyWithoutPlaintext, both for this one key.');

    // What AWS IoT may do while provisioning: make the thing, activate and attach the certificate, attach the device policy.
    const arn = (resource: string, name: string) => stack.formatArn({ service: 'iot', resource, resourceName: name });
    const role = provisioningRole(this, 'ProvisioningRole', {
      purpose: this.templateName, thingNamePrefix: prefix, devicePolicy: p.devicePolicy, thingType: p.thingType, thingGroups: p.thingGroups,
    });

    const parameters: { [name: string]: unknown } = { 'SerialNumber': { Type: 'String' } };
    const attributePayload: { [name: string]: unknown } = { serialNumber: { Ref: 'SerialNumber' } };
    for (const a of attributes) {
      parameters[a] = { Type: 'String', Default: 'unassigned' };
      attributePayload[a.charAt(0).toLowerCase() + a.slice(1)] = { Ref: a };
    }
    // Both MQTT APIs hand the template the certificate they made as AWS::IoT::Certificate::Id.
    const certificate = { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } };
    parameters['AWS::IoT::Certificate::Id'] = { Type: 'String' };
    const body = {
      Parameters: parameters,
      Resources: {
        thing: templateThing(prefix, 'SerialNumber', attributePayload, p.thingType, p.thingGroups),
        certificate,
        policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: p.devicePolicy.policyName } },
      },
    };
    this.template = new iot.CfnProvisioningTemplate(this, 'Template', {
      templateName: this.templateName,
      description: 'cdk-secure-iot: fleet provisioning by claim, admitted by the allow list hook',
      enabled: true,
      templateType: 'FLEET_PROVISIONING',
      provisioningRoleArn: role.roleArn,
      preProvisioningHook: { targetArn: hook.functionArn, payloadVersion: '2020-04-01' },
      templateBody: stack.toJsonString(body),
    });
    this.template.node.addDependency(role, hook);

    // The claim certificate: connect under its own client ID prefix, and call this template's topics only.
    const topics = source === ProvisioningCertificateSource.CSR ? ['$aws/certificates/create-from-csr/json'] : ['$aws/certificates/create/json'];
    topics.push(`$aws/provisioning-templates/${this.templateName}/provision/json`);
    const replies = topics.map((t) => `${t}/*`);
    if (p.certificateProviderFunction) {
      claimAccountSingleton(this, 'default certificate provider for CreateCertificateFromCsr');
      this.certificateProvider = new iot.CfnCertificateProvider(this, 'CertificateProvider', {
        lambdaFunctionArn: p.certificateProviderFunction.functionArn,
        accountDefaultForOperations: ['CreateCertificateFromCsr'],
      });
      p.certificateProviderFunction.addPermission(`InvokedByIoT${Names.nodeUniqueId(this.node)}`, {
        principal: new iam.ServicePrincipal('iot.amazonaws.com'),
        sourceAccount: stack.account,
        sourceArn: this.certificateProvider.attrArn,
      });
    }
    this.claimPolicy = new iot.CfnPolicy(this, 'ClaimPolicy', {
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'ConnectForProvisioningOnly', Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client', `${clientPrefix}*`) },
          { Sid: 'ProvisioningRequests', Effect: 'Allow', Action: 'iot:Publish', Resource: topics.map((t) => arn('topic', t)) },
          { Sid: 'ProvisioningReplies', Effect: 'Allow', Action: 'iot:Subscribe', Resource: replies.map((t) => arn('topicfilter', t)) },
          { Sid: 'ProvisioningRepliesReceive', Effect: 'Allow', Action: 'iot:Receive', Resource: replies.map((t) => arn('topic', t)) },
        ],
      },
    });

    // Rotation talks over the device's own tree; a policy without one gets just those topics.
    if (!p.devicePolicy.ownTopicTree) {
      p.devicePolicy.addTopic(DeviceTopic.perDevice(`${p.devicePolicy.topicRoot}/${THING_NAME_VARIABLE}/${ROTATION_TOPICS.csr}`, TopicAccess.PUBLISH));
      p.devicePolicy.addTopic(DeviceTopic.perDevice(`${p.devicePolicy.topicRoot}/${THING_NAME_VARIABLE}/${ROTATION_TOPICS.confirm}`, TopicAccess.PUBLISH));
      p.devicePolicy.addTopic(DeviceTopic.perDevice(`${p.devicePolicy.topicRoot}/${THING_NAME_VARIABLE}/${ROTATION_TOPICS.accepted}`, TopicAccess.SUBSCRIBE));
    }
    const lifecycle = new CertificateLifecycle(this, 'Lifecycle', {
      allowListTable: this.allowListTable,
      encryptionKey: this.encryptionKey,
      devicePolicy: p.devicePolicy,
      thingNamePrefix: prefix,
      riskProfile: profile,
    });
    this.revocationStateMachine = lifecycle.revocation;
    this.rotationStateMachine = lifecycle.rotation;
    this.rotationJobTemplate = lifecycle.jobTemplate;
    this.rotationJobDocument = lifecycle.jobDocument;
    this.rotationJobIdPrefix = `rotate-${this.node.addr.slice(0, 8)}-`;
    this.thingNamePrefix = prefix;
    this.thingGroupArns = (p.thingGroups ?? []).map((g) => g.attrArn);
    this.revocationFailedAlarm = lifecycle.revocationFailedAlarm;
    this.rotationFailedAlarm = lifecycle.rotationFailedAlarm;

    applyAssetTags(this, profile, p.assetTags, DataClass.CONFIDENTIAL);
  }

  /** Lets `grantee` revoke devices (start the revocation state machine). */
  public grantRevoke(grantee: iam.IGrantable): iam.Grant {
    return this.revocationStateMachine.grantStartExecution(grantee);
  }

  /**
   * Lets `grantee` start certificate rotations: `iot:CreateJob` for jobs whose ID starts with
   * `rotationJobIdPrefix`, made from the rotation job template, targeting this fleet's things
   * (`thing/<thingNamePrefix>*`: every thing of the account when the fleet has no prefix) and this
   * fleet's own thing groups (`thingGroups`), no other group.
   *
   * IAM cannot require that the job is made from the template: CreateJob has no condition key for
   * the template or the document, so the grantee can also create a job of its own document for
   * these things (devices receive it; it does not rotate anything: the rotation state machine
   * acts only for a job made from the rotation template). Give it only to who may send jobs to
   * the fleet.
   */
  public grantStartRotation(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const arn = (resource: string, name: string) => stack.formatArn({ service: 'iot', resource, resourceName: name });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['iot:CreateJob'],
      resourceArns: [
        this.rotationJobTemplate.attrArn,
        arn('job', `${this.rotationJobIdPrefix}*`),
        arn('thing', `${this.thingNamePrefix}*`),
        ...this.thingGroupArns,
      ],
    });
  }
}
