import { ArnFormat, Duration, Fn, IResolveContext, Lazy, Names, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ASSET_TAG_KEYS, Criticality } from '../core/asset-tags';
import { FindingClass } from '../core/finding-class';
import { FindingEvent } from '../core/finding-event';
import { ContainmentMode, RiskProfile } from '../core/risk-profile';
import { acknowledge, nagArnPrefix, secureFunction, secureKey, secureLogGroup, secureTopic } from '../core/private/secure-defaults';
import { BackupAndRecovery } from '../continuity/backup-and-recovery';
import { DeviceFailureModes } from '../continuity/device-failure-modes';
import { awsCronProblem } from '../core/private/aws-cron';
import { Playbook } from './playbook';
import { PlaybookResources, playbookStateMachine, returnToBaselineStateMachine } from './private/playbook-state-machines';
import { describeValue } from '../core/private/describe';
import { riskProfileOf } from '../core/private/risk-profile-of';

/** A CloudWatch alarm whose ALARM state starts a playbook. */
export interface AlarmTrigger {
  /** The alarm. */
  readonly alarm: cloudwatch.IAlarm;
  /** The playbook it starts. */
  readonly findingClass: FindingClass;
}

/** Props of `IncidentResponse`. */
export interface IncidentResponseProps {
  /**
   * How much is at stake: gives the containment mode and the log level of the logging mitigation.
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * What happens to a device a finding names.
   * @default - the profile's `containment`
   */
  readonly containment?: ContainmentMode;
  /**
   * How long a playbook waits for a human decision before it escalates, leaving the device as it is
   * (5 minutes to 7 days).
   * @default Duration.hours(4)
   */
  readonly approvalTimeout?: Duration;
  /**
   * The finding classes to build a playbook for.
   * @default - every `FindingClass`
   */
  readonly findingClasses?: FindingClass[];
  /**
   * CloudWatch alarms whose ALARM state starts a playbook (e.g. the monitoring constructs'
   * authentication-failure and disconnect alarms).
   * @default - none: playbooks start from finding events only
   */
  readonly alarmTriggers?: AlarmTrigger[];
  /**
   * The bus finding events (`FindingEvent.SOURCE`, `FindingEvent.DETAIL_TYPE`) arrive on. Whoever
   * may put events on it can start a playbook (which still verifies the finding and the device at
   * the source before it acts): its resource policy is yours to keep to the producers you trust.
   * @default - a new event bus whose resource policy denies events:PutEvents to every principal
   * but those given `grantPutFindings`
   */
  readonly eventBus?: events.IEventBus;
  /**
   * The fail-open or fail-closed choice per device category (`BackupAndRecovery.deviceFailureModes`):
   * a fail-open device is never disconnected.
   * @default DeviceFailureModes.DEFAULT
   */
  readonly deviceFailureModes?: DeviceFailureModes;
  /**
   * When every playbook is exercised in a dry run (nothing is done to any device; the result is
   * recorded and published), as an AWS cron expression in UTC.
   * @default 'cron(0 4 ? * MON *)' (Mondays at 04:00)
   */
  readonly dryRunSchedule?: string;
  /**
   * Turn the scheduled dry run off. Untested playbooks fail when they are needed.
   * @default false
   */
  readonly disableScheduledDryRun?: boolean;
  /**
   * Turn off DEBUG logging of the quarantine thing group (AWS::IoT::ResourceSpecificLogging),
   * e.g. where the account's AWS IoT logging is not configured yet.
   * @default false
   */
  readonly disableQuarantineVerboseLogging?: boolean;
  /**
   * The key that encrypts the incident table, the topic, the state machines and the logs.
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Where incidents, approval requests and dry-run results are published.
   * @default - a new topic encrypted with `encryptionKey`
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * The `owner` tag of the resources this construct creates (a tag set closer to the scope, e.g.
   * by `AssetTags.apply`, wins).
   * @default 'security-operations'
   */
  readonly owner?: string;
}

/**
 * The source and detail type of the finding events that start playbooks.
 * @deprecated use `FindingEvent.SOURCE` and `FindingEvent.DETAIL_TYPE` (the same values)
 */
export const FINDING_EVENT = { source: FindingEvent.SOURCE, detailType: FindingEvent.DETAIL_TYPE } as const;

/**
 * What a writer of the incident table and topic, or a starter of an encrypted state machine, needs
 * of the key (DynamoDB, SNS and Step Functions call KMS with the caller's credentials).
 */
const KEY_USE = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];
const KMS_TOPIC_REASON = 'Publishing to the KMS-encrypted incident topic needs kms:GenerateDataKey* (CDK\'s grant for encrypted topics), on that one key only.';
/** The construct ID CDK gives the AwsCustomResource provider function in a stack. */
const AWS_CUSTOM_RESOURCE_PROVIDER = 'AWS679f53fac002430cb0da5b7982bd2287';
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;
const DRY_RUN_THING = 'cdk-secure-iot-dry-run';

/**
 * Incident response (practice 9): Device Defender mitigation actions, a Step Functions playbook
 * per finding class started by EventBridge, a human approval where the profile asks for one, a
 * return to baseline, a scheduled dry run of every playbook, and an encrypted incident table
 * that records everything done. Runbooks are rendered from the same model (`Playbook`).
 *
 * | containment (profile) | a device is contained... |
 * |---|---|
 * | AUTOMATIC_QUARANTINE (CONSUMER) | at once |
 * | AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL (INDUSTRIAL) | at once, unless its `criticality` attribute is high, safety-critical or unknown: then on approval |
 * | HUMAN_APPROVAL_ONLY (CRITICAL_INFRASTRUCTURE) | only on approval |
 *
 * A device of a fail-open category (`DeviceFailureModes`) is never disconnected, only quarantined.
 */
export class IncidentResponse extends Construct {
  /** The key that encrypts the table, topic, state machines and logs. */
  public readonly encryptionKey: kms.IKey;
  /** Every incident and what was done about it (PITR on, retained). */
  public readonly incidentTable: dynamodb.Table;
  /** Where incidents, approval requests and dry-run results are published. */
  public readonly notificationTopic: sns.ITopic;
  /** The containment mode the playbooks follow. */
  public readonly containment: ContainmentMode;
  /** The thing group quarantined devices are put in. */
  public readonly quarantineGroup: iot.CfnThingGroup;
  /** The recovery-only IoT policy of the quarantine group. */
  public readonly quarantinePolicy: iot.CfnPolicy;
  /** Mitigation action: add the thing to the quarantine group. */
  public readonly quarantineAction: iot.CfnMitigationAction;
  /** Mitigation action: deactivate the device certificate. */
  public readonly deactivateCertificateAction: iot.CfnMitigationAction;
  /** Mitigation action: turn AWS IoT logging back on (answers LOGGING_DISABLED_CHECK). */
  public readonly enableLoggingAction: iot.CfnMitigationAction;
  /** Mitigation action: publish the finding to the incident topic. */
  public readonly publishFindingAction: iot.CfnMitigationAction;
  /** The state machine that takes a device out of quarantine and closes its incident. */
  public readonly returnToBaseline: sfn.StateMachine;
  /** The function that takes approvers' decisions. */
  public readonly decisionFunction: lambda.IFunction;
  /** The IAM-authenticated URL approvers use. */
  public readonly decisionUrl: string;
  /** The fail-open or fail-closed choice per device category the playbooks respect. */
  public readonly deviceFailureModes: DeviceFailureModes;
  /** Alarms (one per state machine) on executions that failed or timed out, dry runs included; they notify the topic. */
  public readonly failureAlarms: cloudwatch.IAlarm[] = [];
  /**
   * The bus finding events arrive on: the construct's own (only producers given
   * `grantPutFindings` may put events on it), or the `eventBus` given.
   */
  public readonly findingsBus: events.IEventBus;

  /**
   * The prefix of the names of the alarms that start the playbook of `findingClass`
   * (`cdk-secure-iot-authentication-failure-spike-`...): for each class no Device Defender audit
   * check feeds (AUTHENTICATION_FAILURE_SPIKE, UNEXPECTED_DISCONNECTS, FAILED_FIRMWARE_ROLLOUT),
   * a rule on the account's default bus starts the playbook when any alarm of the account and
   * region whose name starts with it goes to ALARM, with no reference to the alarm's stack.
   * `FleetMonitoring` and `SignedFirmwarePipeline` name their alarms so. An alarm-started run names
   * no device: it records the incident and notifies, and touches no device.
   */
  public static alarmNamePrefix(findingClass: FindingClass): string {
    return FindingEvent.alarmNamePrefix(findingClass);
  }

  private readonly playbooks = new Map<FindingClass, sfn.StateMachine>();
  /** The findingClass-only rules waiting for a producer that may decide a class (see grantPutFindings). */
  private readonly pendingFindingRules: (() => void)[] = [];
  private readonly decisionFunctionUrl: lambda.FunctionUrl;
  /** The principals allowed to put events on the construct's own findings bus (undefined: a bus given by the user). */
  private readonly findingProducers?: string[];

  constructor(scope: Construct, id: string, props: IncidentResponseProps = {}) {
    super(scope, id);
    props = props ?? {};
    const profile = riskProfileOf(this, props.riskProfile);
    const containment = props.containment ?? profile.containment;
    const approvalTimeout = props.approvalTimeout ?? Duration.hours(4);
    const classes = props.findingClasses ?? Object.values(FindingClass);
    const dryRunSchedule = props.dryRunSchedule ?? 'cron(0 4 ? * MON *)';
    const owner = props.owner ?? 'security-operations';
    this.validate(props, { containment, approvalTimeout, classes, dryRunSchedule, owner });
    this.containment = containment;
    this.deviceFailureModes = props.deviceFailureModes ?? DeviceFailureModes.DEFAULT;
    const stack = Stack.of(this);

    // Lowest priority: AssetTags.apply (or any tag) on a scope above wins.
    Tags.of(this).add(ASSET_TAG_KEYS.criticality, Criticality.HIGH, { priority: 0 });
    Tags.of(this).add(ASSET_TAG_KEYS.owner, owner, { priority: 0 });

    this.encryptionKey = props.encryptionKey ?? secureKey(this, 'Key', {
      description: `Encrypts the incident records, notifications, playbooks and their logs (${this.node.path})`,
    });
    this.notificationTopic = props.notificationTopic ?? secureTopic(this, 'Notifications', {
      masterKey: this.encryptionKey,
      displayName: 'cdk-secure-iot: IoT incidents and approval requests',
    });

    this.incidentTable = new dynamodb.Table(this, 'Incidents', {
      partitionKey: { name: 'incidentId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Backed up by the library's default plan; lowest priority, so BackupAndRecovery.select(scope, value)
    // with another plan's tag value, on any scope above, wins.
    Tags.of(this.incidentTable).add(BackupAndRecovery.TAG_KEY, BackupAndRecovery.DEFAULT_TAG_VALUE, { priority: 0 });

    // The quarantine group and its recovery-only policy.
    this.quarantineGroup = new iot.CfnThingGroup(this, 'QuarantineGroup', {
      thingGroupProperties: {
        thingGroupDescription: 'cdk-secure-iot quarantine: devices a finding named, with only what they need to recover (jobs, streams) and verbose logging',
      },
    });
    const groupName = this.quarantineGroup.ref;
    const groupArn = this.quarantineGroup.attrArn;
    this.quarantinePolicy = new iot.CfnPolicy(this, 'QuarantinePolicy', { policyDocument: quarantinePolicyDocument() });
    this.attachQuarantinePolicy(groupArn);
    if (props.disableQuarantineVerboseLogging !== true) {
      new iot.CfnResourceSpecificLogging(this, 'QuarantineLogging', { targetType: 'THING_GROUP', targetName: groupName, logLevel: 'DEBUG' });
    }

    // Device Defender mitigation actions, each with a role allowed only its own action.
    this.quarantineAction = this.mitigationAction('Quarantine', { addThingsToThingGroupParams: { thingGroupNames: [groupName], overrideDynamicGroups: true } }, [
      new iam.PolicyStatement({ actions: ['iot:AddThingToThingGroup'], resources: [groupArn, stack.formatArn({ service: 'iot', resource: 'thing/*' })] }),
      // Authorized on the certificate whose things it lists (Service Authorization Reference: cert).
      new iam.PolicyStatement({ actions: ['iot:ListPrincipalThings'], resources: [stack.formatArn({ service: 'iot', resource: 'cert/*' })] }),
    ], [`Resource::${nagArnPrefix(this, 'iot')}:thing/*`, `Resource::${nagArnPrefix(this, 'iot')}:cert/*`],
    'The action adds the things of whichever certificate the audit finding names to the one quarantine group; thing names and certificate IDs are not known at deploy time.');
    this.deactivateCertificateAction = this.mitigationAction('DeactivateCertificate', { updateDeviceCertificateParams: { action: 'DEACTIVATE' } }, [
      new iam.PolicyStatement({ actions: ['iot:UpdateCertificate'], resources: [stack.formatArn({ service: 'iot', resource: 'cert/*' })] }),
    ], [`Resource::${nagArnPrefix(this, 'iot')}:cert/*`],
    'The action deactivates whichever device certificate the audit finding names; certificate IDs are not known at deploy time.');
    // AWS IoT assumes the logging role for this account and region only (AWS IoT's confused deputy page).
    const loggingRole = new iam.Role(this, 'IotLoggingRole', {
      assumedBy: new iam.ServicePrincipal('iot.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'iot', resource: '*' }) },
        },
      }),
      description: 'AWS IoT writes its logs (AWSIotLogsV2) with this role, set by the enable-logging mitigation action',
      inlinePolicies: {
        logs: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({
            actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:PutMetricFilter', 'logs:PutRetentionPolicy'],
            resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: 'AWSIotLogsV2:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
          })],
        }),
      },
    });
    acknowledge(loggingRole, `AwsSolutions-IAM5[Resource::${nagArnPrefix(this, 'logs')}:log-group:AWSIotLogsV2:*]`,
      'AWS IoT writes to the log group AWSIotLogsV2 and streams it names itself; the role is limited to that one log group.');
    this.enableLoggingAction = this.mitigationAction('EnableLogging', { enableIoTLoggingParams: { logLevel: profile.logLevel, roleArnForLogging: loggingRole.roleArn } }, [
      new iam.PolicyStatement({ actions: ['iot:SetV2LoggingOptions'], resources: ['*'] }),
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [loggingRole.roleArn] }),
    ], ['Resource::*'], 'iot:SetV2LoggingOptions supports no resource-level permission (Service Authorization Reference, AWS IoT); PassRole is limited to the logging role.');
    this.publishFindingAction = this.mitigationAction('PublishFinding', { publishFindingToSnsParams: { topicArn: this.notificationTopic.topicArn } }, [], [], '',
      (role) => this.notificationTopic.grantPublish(role));
    acknowledge(this.node.findChild('PublishFindingActionRole').node.findChild('DefaultPolicy'), 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', KMS_TOPIC_REASON);

    // Approvals.
    const logGroup = secureLogGroup(this, 'PlaybookLogs', { encryptionKey: this.encryptionKey });
    const decision = secureFunction(this, 'ApprovalDecision', {
      handlerName: 'incident-approval-decision',
      description: 'cdk-secure-iot: takes an approver\'s decision on an IoT incident containment',
      encryptionKey: this.encryptionKey,
      timeout: Duration.seconds(30),
      environment: { TABLE_NAME: this.incidentTable.tableName },
    });
    this.decisionFunctionUrl = decision.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    this.decisionFunction = decision;
    this.decisionUrl = this.decisionFunctionUrl.url;
    const request = secureFunction(this, 'ApprovalRequest', {
      handlerName: 'incident-approval-request',
      description: 'cdk-secure-iot: asks for a human approval of an IoT incident containment',
      encryptionKey: this.encryptionKey,
      timeout: Duration.seconds(30),
      environment: {
        TABLE_NAME: this.incidentTable.tableName,
        TOPIC_ARN: this.notificationTopic.topicArn,
        DECISION_URL: this.decisionUrl,
        DECISION_FUNCTION: decision.functionName,
      },
    });
    for (const fn of [decision, request]) {
      this.incidentTable.grant(fn, 'dynamodb:UpdateItem');
      // SendTaskSuccess supports no resource-level permission: the task token is the authority.
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: ['*'] }));
      acknowledge(fn.role!.node.tryFindChild('DefaultPolicy')!, 'AwsSolutions-IAM5[Resource::*]',
        'states:SendTaskSuccess supports no resource-level permission (Service Authorization Reference, AWS Step Functions); the task token itself names the one waiting execution.');
    }
    this.notificationTopic.grantPublish(request);
    acknowledge(request.role!.node.tryFindChild('DefaultPolicy')!, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', KMS_TOPIC_REASON);

    // Playbooks.
    const resources: PlaybookResources = {
      table: this.incidentTable,
      topic: this.notificationTopic,
      approvalFunction: request,
      quarantineGroupName: groupName,
      quarantineGroupArn: groupArn,
      containment,
      failureModes: this.deviceFailureModes,
      approvalTimeout,
      encryptionKey: this.encryptionKey,
      logGroup,
    };
    this.findingsBus = props.eventBus ?? this.ownFindingsBus();
    if (!props.eventBus) this.findingProducers = [];
    const bus = this.findingsBus;
    // One role for every rule target: it may start the playbooks, and use the key they are encrypted with.
    // EventBridge assumes it for this account's rules only (aws:SourceArn is the rule's ARN).
    const eventsRole = new iam.Role(this, 'EventsRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule/*' }) },
        },
      }),
      description: 'EventBridge starts the incident response playbooks with this role',
    });
    const useKey = (grantee: iam.IGrantable) => this.encryptionKey.grant(grantee, ...KEY_USE);
    useKey(eventsRole);
    for (const fn of [decision, request]) useKey(fn);
    const requestLogicalId = stack.getLogicalId(request.node.defaultChild as lambda.CfnFunction);
    for (const findingClass of classes) {
      const playbook = Playbook.of(findingClass);
      const machine = playbookStateMachine(new Construct(this, findingClass), playbook, resources);
      this.acknowledgeStateMachine(machine, requestLogicalId);
      useKey(machine);
      this.alarmOnFailure(findingClass, machine);
      this.playbooks.set(findingClass, machine);
      const input = (extra: object) => events.RuleTargetInput.fromObject({ findingClass, dryRun: false, source: events.EventField.source, ...extra });
      // An alarm run gives the playbook the alarm's name only: it names no device, so the playbook
      // records and notifies and touches nothing (whoever can name an alarm can start one).
      const alarmInput = input({ detail: { alarmName: events.EventField.fromPath('$.detail.alarmName') } });
      const findingsRule = () => new events.Rule(this, `${findingClass}Findings`, {
        eventBus: bus,
        description: `cdk-secure-iot: starts the ${playbook.title} playbook on a finding event`,
        eventPattern: {
          source: [FindingEvent.SOURCE],
          detailType: [FindingEvent.DETAIL_TYPE],
          detail: playbook.auditChecks.length > 0
            ? { $or: [{ findingClass: [findingClass] }, { checkName: playbook.auditChecks }] }
            : { findingClass: [findingClass] },
        },
        targets: [new targets.SfnStateMachine(machine, { role: eventsRole, input: input({ detail: events.EventField.fromPath('$.detail') }) })],
      });
      if (playbook.auditChecks.length > 0 || props.eventBus) {
        // The audit relay feeds the classes of audit checks; the producers of a bus given are the user's.
        findingsRule();
      } else {
        // Only a producer given grantPutFindings can put an event that names this class on the own bus.
        this.pendingFindingRules.push(findingsRule);
      }
      if (playbook.auditChecks.length === 0) {
        // CloudWatch sends alarm state changes to the default bus only; matching the name, not the
        // ARN, needs no reference to the stack that defines the alarm.
        new events.Rule(this, `${findingClass}NamedAlarms`, {
          description: `cdk-secure-iot: starts the ${playbook.title} playbook when an alarm named ${IncidentResponse.alarmNamePrefix(findingClass)}* goes to ALARM`,
          eventPattern: {
            source: ['aws.cloudwatch'],
            detailType: ['CloudWatch Alarm State Change'],
            detail: { alarmName: [{ prefix: IncidentResponse.alarmNamePrefix(findingClass) }], state: { value: ['ALARM'] } },
          },
          targets: [new targets.SfnStateMachine(machine, { role: eventsRole, input: alarmInput })],
        });
      }
      const alarms = (props.alarmTriggers ?? []).filter((t) => t.findingClass === findingClass);
      if (alarms.length > 0) {
        // CloudWatch sends alarm state changes to the default bus only.
        new events.Rule(this, `${findingClass}Alarms`, {
          description: `cdk-secure-iot: starts the ${playbook.title} playbook when one of its alarms goes to ALARM`,
          eventPattern: {
            source: ['aws.cloudwatch'],
            detailType: ['CloudWatch Alarm State Change'],
            resources: alarms.map((a) => a.alarm.alarmArn),
            detail: { state: { value: ['ALARM'] } },
          },
          targets: [new targets.SfnStateMachine(machine, { role: eventsRole, input: alarmInput })],
        });
      }
      if (props.disableScheduledDryRun !== true) {
        // One fail-closed and one fail-open device, so both branches of every playbook run.
        new events.Rule(this, `${findingClass}DryRun`, {
          description: `cdk-secure-iot: dry run of the ${playbook.title} playbook (nothing is done to any device)`,
          schedule: events.Schedule.expression(dryRunSchedule),
          targets: [Criticality.LOW, Criticality.SAFETY_CRITICAL].map((criticality) => new targets.SfnStateMachine(machine, {
            role: eventsRole,
            input: events.RuleTargetInput.fromObject({
              findingClass, dryRun: true, source: 'cdk-secure-iot.dry-run',
              detail: { thingName: DRY_RUN_THING, certificateId: 'dry-run-certificate', criticality },
            }),
          })),
        });
      }
    }

    this.returnToBaseline = returnToBaselineStateMachine(new Construct(this, 'ReturnToBaseline'), resources);
    this.acknowledgeStateMachine(this.returnToBaseline);
    useKey(this.returnToBaseline);
    this.alarmOnFailure('ReturnToBaseline', this.returnToBaseline);
    this.boundLogDelivery(stack);
    // CloudWatch publishes alarms to the encrypted topic with this key (an imported topic's or
    // key's policy must allow it already).
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': stack.account } };
    this.notificationTopic.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.notificationTopic.topicArn],
      conditions: fromThisAccount,
    }));
    this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: fromThisAccount,
    }));
    const provider = stack.node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER)?.node.tryFindChild('ServiceRole');
    if (provider) {
      acknowledge(provider, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'CDK\'s AwsCustomResource provider (attaches the quarantine policy to its thing group, which CloudFormation cannot do) comes with this policy; it only writes the provider\'s own logs.');
    }
    if (props.disableScheduledDryRun !== true) {
      new events.Rule(this, 'ReturnToBaselineDryRun', {
        description: 'cdk-secure-iot: dry run of the return to baseline (nothing is done to any device)',
        schedule: events.Schedule.expression(dryRunSchedule),
        targets: [new targets.SfnStateMachine(this.returnToBaseline, {
          role: eventsRole,
          input: events.RuleTargetInput.fromObject({ incidentId: 'dry-run-return-to-baseline', certificateAction: 'REACTIVATE', dryRun: true }),
        })],
      });
    }
  }

  /** The playbook state machine of a finding class; an error if it was not built. */
  public playbook(findingClass: FindingClass): sfn.IStateMachine {
    const machine = this.playbooks.get(findingClass);
    if (!machine) {
      throw new Error(`${this.node.path}: there is no playbook for finding class ${describeValue(findingClass)}; built: ${[...this.playbooks.keys()].join(', ')}`);
    }
    return machine;
  }

  /**
   * Lets `grantee` approve or refuse containments (through the decision URL or a direct invoke):
   * lambda:InvokeFunctionUrl and lambda:InvokeFunction on the decision function itself, not on
   * its versions (which would be a wildcard finding on the grantee's role).
   */
  public grantApprove(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['lambda:InvokeFunctionUrl', 'lambda:InvokeFunction'],
      resourceArns: [this.decisionFunction.functionArn],
    });
  }

  /**
   * Lets `grantee` put finding events on the findings bus. On the construct's own bus this also
   * admits the grantee's principal (an IAM role or user) in the bus's resource policy, which denies
   * every other principal; on a bus given as `eventBus`, only the identity policy is granted. Either
   * way the grant is limited to finding events (`events:source` and `events:detail-type` conditions).
   * The first grant also creates the rules that start the playbooks of the classes no audit check
   * feeds on a finding event naming the class (`detail.findingClass`): until a producer may put
   * such an event, the construct's own bus has none.
   */
  public grantPutFindings(grantee: iam.IGrantable): iam.Grant {
    const grant = this._grantPutAuditFindings(grantee);
    for (const create of this.pendingFindingRules.splice(0)) create();
    return grant;
  }

  /**
   * Admits a producer of Device Defender audit findings only (the audit relay of `FleetAuditing`,
   * whose events carry a `checkName` and never a `findingClass`): like `grantPutFindings`, without
   * the rules of the classes no audit check feeds, which such a producer cannot start.
   * @internal
   */
  public _grantPutAuditFindings(grantee: iam.IGrantable): iam.Grant {
    if (this.findingProducers) {
      const arn = principalArn(grantee.grantPrincipal);
      if (arn === undefined) {
        throw new Error(`${this.node.path}: grantPutFindings: the findings bus admits IAM roles and users by ARN; ${grantee.grantPrincipal} is neither (grant a role the producer uses)`);
      }
      if (!this.findingProducers.includes(arn)) this.findingProducers.push(arn);
    }
    // Finding events only: a producer granted here may put nothing else on the bus (a plain
    // PutEvents grant beside a producer's own narrower statement would void its conditions).
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['events:PutEvents'],
      resourceArns: [this.findingsBus.eventBusArn],
      conditions: { StringEquals: { 'events:source': FindingEvent.SOURCE, 'events:detail-type': FindingEvent.DETAIL_TYPE } },
    });
  }

  /** Lets `grantee` start the return to baseline of a device. */
  public grantReturnToBaseline(grantee: iam.IGrantable): iam.Grant {
    return this.returnToBaseline.grantStartExecution(grantee);
  }

  /** Lets `grantee` read the incident records. */
  public grantReadIncidents(grantee: iam.IGrantable): iam.Grant {
    return this.incidentTable.grantReadData(grantee);
  }

  /**
   * The construct's own findings bus: its resource policy denies events:PutEvents to every
   * principal but the producers given `grantPutFindings` (a Deny wins over any Allow, the
   * account's own identity policies included), so an event on it comes from a granted producer.
   */
  private ownFindingsBus(): events.EventBus {
    const bus = new events.EventBus(this, 'FindingsBus', { description: 'cdk-secure-iot: finding events for the incident response playbooks (granted producers only)' });
    new events.CfnEventBusPolicy(this, 'FindingsBusPolicy', {
      eventBusName: bus.eventBusName,
      statementId: 'OnlyGrantedFindingProducers',
      statement: Lazy.any({
        produce: () => ({
          Sid: 'OnlyGrantedFindingProducers',
          Effect: 'Deny',
          Principal: '*',
          Action: 'events:PutEvents',
          Resource: bus.eventBusArn,
          ...(this.findingProducers!.length > 0 ? { Condition: { ArnNotEquals: { 'aws:PrincipalArn': [...this.findingProducers!] } } } : {}),
        }),
      }),
    });
    return bus;
  }

  private validate(props: IncidentResponseProps, v: { containment: unknown; approvalTimeout: Duration; classes: unknown; dryRunSchedule: string; owner: string }): void {
    const problems: string[] = [];
    if (!Object.values(ContainmentMode).includes(v.containment as ContainmentMode)) {
      problems.push(`containment must be one of ${Object.values(ContainmentMode).join(', ')}, got ${describeValue(v.containment)}`);
    }
    if (!(v.approvalTimeout instanceof Duration)) {
      problems.push('approvalTimeout must be a Duration');
    } else if (!Token.isUnresolved(v.approvalTimeout.toSeconds())) {
      const seconds = v.approvalTimeout.toSeconds();
      if (seconds < 300 || seconds > 7 * 24 * 3600) {
        problems.push(`approvalTimeout must be from 5 minutes to 7 days, got ${v.approvalTimeout.toHumanString()}`);
      }
    }
    if (!Array.isArray(v.classes) || v.classes.length === 0) {
      problems.push(`findingClasses must be a non-empty list of FindingClass values, got ${describeValue(v.classes)}`);
    } else {
      for (const c of v.classes) {
        if (!Object.values(FindingClass).includes(c)) {
          problems.push(`findingClasses: there is no playbook for finding class ${describeValue(c)}; known classes: ${Object.values(FindingClass).join(', ')}`);
        }
      }
      if (new Set(v.classes).size !== v.classes.length) problems.push(`findingClasses lists a class twice: ${describeValue(v.classes)}`);
    }
    for (const t of props.alarmTriggers ?? []) {
      if (!t?.alarm || !Object.values(FindingClass).includes(t.findingClass)) {
        problems.push(`alarmTriggers: each needs an alarm and a FindingClass, got findingClass ${describeValue(t?.findingClass)}`);
      } else if (Array.isArray(v.classes) && !v.classes.includes(t.findingClass)) {
        problems.push(`alarmTriggers: ${t.findingClass} has no playbook here (findingClasses: ${v.classes.join(', ')})`);
      }
    }
    if (!Token.isUnresolved(v.dryRunSchedule)) {
      const problem = awsCronProblem(v.dryRunSchedule);
      if (problem) problems.push(`dryRunSchedule ${problem}, got ${describeValue(v.dryRunSchedule)}`);
    }
    if (typeof v.owner !== 'string' || (!Token.isUnresolved(v.owner) && !TAG_VALUE.test(v.owner))) {
      problems.push(`owner must be 1-256 letters, digits, spaces or _ . : / = + - @, got ${describeValue(v.owner)}`);
    }
    for (const flag of ['disableScheduledDryRun', 'disableQuarantineVerboseLogging'] as const) {
      if (props[flag] !== undefined && typeof props[flag] !== 'boolean') problems.push(`${flag} must be true or false, got ${describeValue(props[flag])}`);
    }
    if (props.deviceFailureModes !== undefined && !(props.deviceFailureModes instanceof DeviceFailureModes)) {
      problems.push('deviceFailureModes must be made with DeviceFailureModes.of() or be DeviceFailureModes.DEFAULT');
    }
    if (problems.length > 0) throw new Error(`${this.node.path}: IncidentResponse: ${problems.join('; ')}`);
  }

  private mitigationAction(
    id: string, actionParams: iot.CfnMitigationAction.ActionParamsProperty, statements: iam.PolicyStatement[],
    wildcardFindings: string[], reason: string, grant?: (role: iam.IRole) => void,
  ): iot.CfnMitigationAction {
    // Named, so the role's trust can name the one action that may use it: Device Defender sets
    // aws:SourceArn to the mitigation action's ARN (its confused deputy page).
    const stack = Stack.of(this);
    const actionName = `${Names.uniqueResourceName(this, { maxLength: 100, separator: '-' })}-${id}`;
    const role = new iam.Role(this, `${id}ActionRole`, {
      assumedBy: new iam.ServicePrincipal('iot.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: { 'aws:SourceArn': stack.formatArn({ service: 'iot', resource: 'mitigationaction', resourceName: actionName }) },
        },
      }),
      description: `Device Defender mitigation action ${id}: only what the action does`,
    });
    for (const s of statements) role.addToPolicy(s);
    grant?.(role);
    const policy = role.node.tryFindChild('DefaultPolicy');
    for (const finding of wildcardFindings) acknowledge(policy!, `AwsSolutions-IAM5[${finding}]`, reason);
    const action = new iot.CfnMitigationAction(this, `${id}Action`, { actionName, actionParams, roleArn: role.roleArn });
    if (policy) action.node.addDependency(policy);
    return action;
  }

  private attachQuarantinePolicy(groupArn: string): void {
    const call = (action: string): cr.AwsSdkCall => ({
      service: 'Iot',
      action,
      parameters: { policyName: this.quarantinePolicy.ref, target: groupArn },
      physicalResourceId: cr.PhysicalResourceId.of(`quarantine-policy@${this.node.addr}`),
    });
    const attach = new cr.AwsCustomResource(this, 'AttachQuarantinePolicy', {
      // Its own encrypted log group: under the '@aws-cdk/aws-lambda:useCdkManagedLogGroup' flag the
      // provider would otherwise get an unencrypted one.
      logGroup: secureLogGroup(this, 'AttachQuarantinePolicyLogs', { encryptionKey: this.encryptionKey }),
      onCreate: call('attachPolicy'),
      onDelete: call('detachPolicy'),
      installLatestAwsSdk: false,
      // Attach/DetachPolicy are authorized on the target (the thing group), not on the policy.
      policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({
        actions: ['iot:AttachPolicy', 'iot:DetachPolicy'],
        resources: [groupArn],
      })]),
    });
    attach.node.addDependency(this.quarantinePolicy);
  }

  /**
   * CDK lets the log delivery service (delivery.logs.amazonaws.com) decrypt with the state
   * machines' key from anywhere (the encrypted playbooks' logs need it); bounded here to this
   * account's log deliveries (aws:SourceAccount, aws:SourceArn as CloudWatch Logs' vended-logs
   * pages give them). An imported key's policy is its owner's.
   */
  private boundLogDelivery(stack: Stack): void {
    if (!(this.encryptionKey instanceof kms.Key)) return;
    const cfn = this.encryptionKey.node.defaultChild as kms.CfnKey;
    const policy = cfn.keyPolicy;
    const condition = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'logs', resource: '*' }) },
    };
    cfn.keyPolicy = Lazy.uncachedAny({
      produce: (context: IResolveContext) => {
        const doc = context.resolve(policy) as { Statement?: { Principal?: { Service?: unknown }; Condition?: object }[] };
        for (const statement of doc.Statement ?? []) {
          if (statement.Principal?.Service === 'delivery.logs.amazonaws.com' && statement.Condition === undefined) statement.Condition = context.resolve(condition);
        }
        return doc;
      },
    });
  }

  private alarmOnFailure(id: string, machine: sfn.StateMachine): void {
    const period = Duration.minutes(5);
    const alarm = new cloudwatch.Alarm(this, `${id}FailureAlarm`, {
      alarmDescription: `cdk-secure-iot: an execution of ${id} failed or timed out (a playbook that fails, in a dry run or for real, needs people)`,
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: { failed: machine.metricFailed({ period, statistic: 'Sum' }), timedOut: machine.metricTimedOut({ period, statistic: 'Sum' }) },
        period,
        label: 'failed or timed-out executions',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction({ bind: () => ({ alarmActionArn: this.notificationTopic.topicArn }) });
    this.failureAlarms.push(alarm);
  }

  private acknowledgeStateMachine(machine: sfn.StateMachine, requestLogicalId?: string): void {
    const policy = machine.role.node.tryFindChild('DefaultPolicy');
    if (!policy) return;
    acknowledge(policy, 'AwsSolutions-IAM5[Resource::*]',
      'Step Functions log delivery (logs:CreateLogDelivery and related), X-Ray (xray:PutTraceSegments), iot:DescribeAuditFinding and iot:ListAttachedPolicies support no resource-level permission (Service Authorization Reference).');
    acknowledge(policy, `AwsSolutions-IAM5[Resource::${nagArnPrefix(this, 'iot')}:thing/*]`,
      'A playbook reads and quarantines whichever thing the finding names; thing names are not known at deploy time. The quarantine group itself is named.');
    acknowledge(policy, `AwsSolutions-IAM5[Resource::${nagArnPrefix(this, 'iot')}:cert/*]`,
      'A playbook lists the things of, detaches the policies of and deactivates (the return to baseline re-attaches, reactivates or revokes) the certificate it verified; certificate IDs are not known at deploy time.');
    if (requestLogicalId) {
      acknowledge(policy, `AwsSolutions-IAM5[Resource::<${requestLogicalId}.Arn>:*]`,
        'CDK grants invoking the approval function and its versions (<arn>:*); it is the one function of this construct.');
    }
  }
}

/** The ARN `aws:PrincipalArn` has for a role or user principal; undefined for any other principal. */
function principalArn(principal: iam.IPrincipal): string | undefined {
  const role = principal as Partial<iam.IRole>;
  if (typeof role.roleArn === 'string') return role.roleArn;
  const user = principal as Partial<iam.IUser>;
  if (typeof user.userArn === 'string') return user.userArn;
  if (principal instanceof iam.ArnPrincipal && /:(role|user)\//.test(principal.arn)) return principal.arn;
  return undefined;
}

/**
 * The quarantine group's policy: connect as itself, and the jobs and streams topics a device
 * needs to receive a fix, all scoped to the connecting thing.
 */
function quarantinePolicyDocument(): object {
  const thing = '${!iot:Connection.Thing.ThingName}';
  const arn = (resource: string) => Fn.sub(`arn:\${AWS::Partition}:iot:\${AWS::Region}:\${AWS::AccountId}:${resource}`);
  const topics = (kind: string) => [`${kind}/$aws/things/${thing}/jobs/*`, `${kind}/$aws/things/${thing}/streams/*`].map(arn);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: arn(`client/${thing}`),
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
      },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: topics('topic') },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: topics('topicfilter') },
    ],
  };
}
