import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AUDIT_CHECKS } from '../core/private/audit-checks';
import { FindingEvent } from '../core/finding-event';
import { AuditFrequency, IotLogLevel } from '../core/iot-settings';
import { RiskProfile } from '../core/risk-profile';
import { claimAccountSingleton } from '../core/private/account-singleton';
import { acknowledge, nagArnPrefix, secureFunction, secureKey, secureLogGroup, secureTopic } from '../core/private/secure-defaults';
import { describeValue } from '../core/private/describe';
import { riskProfileOf } from '../core/private/risk-profile-of';

/** The day of the week a weekly or biweekly scheduled audit runs. */
export enum AuditDayOfWeek {
  /** Sunday. */
  SUNDAY = 'SUN',
  /** Monday. */
  MONDAY = 'MON',
  /** Tuesday. */
  TUESDAY = 'TUE',
  /** Wednesday. */
  WEDNESDAY = 'WED',
  /** Thursday. */
  THURSDAY = 'THU',
  /** Friday. */
  FRIDAY = 'FRI',
  /** Saturday. */
  SATURDAY = 'SAT',
}

/** The day of the month a monthly scheduled audit runs. */
export class AuditDayOfMonth {
  /** The last day of the month. */
  public static readonly LAST = new AuditDayOfMonth('LAST');

  /**
   * A day of the month, 1..31. In a month without that day, the audit runs on its last day.
   * @param day 1..31
   */
  public static of(day: number): AuditDayOfMonth {
    if (!Number.isInteger(day) || day < 1 || day > 31) {
      throw new Error(`AuditDayOfMonth.of: day must be an integer from 1 to 31, got ${describeValue(day)}`);
    }
    return new AuditDayOfMonth(String(day));
  }

  private constructor(
    /** The value the service takes: '1'..'31' or 'LAST'. */
    public readonly value: string,
  ) {}
}

/** Props of `FleetAuditing`. */
export interface FleetAuditingProps {
  /**
   * The risk profile the audit frequency and log level derive from.
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * How often the scheduled audit runs all 17 checks.
   * @default - the profile's `auditFrequency` (weekly for CONSUMER, daily otherwise)
   */
  readonly auditFrequency?: AuditFrequency;
  /**
   * The day a WEEKLY or BIWEEKLY audit runs; not allowed with other frequencies.
   * @default AuditDayOfWeek.MONDAY for WEEKLY and BIWEEKLY audits
   */
  readonly auditDayOfWeek?: AuditDayOfWeek;
  /**
   * The day a MONTHLY audit runs; not allowed with other frequencies.
   * @default AuditDayOfMonth.of(1) for MONTHLY audits
   */
  readonly auditDayOfMonth?: AuditDayOfMonth;
  /**
   * The DEVICE_CERTIFICATE_AGE_CHECK reports certificates active for this many days or more (30..3652).
   * @default 365
   */
  readonly deviceCertificateAgeThresholdDays?: number;
  /**
   * The topic audit results are sent to. An imported topic's key policy must let the
   * notification role use its key.
   * @default - a new topic encrypted with `encryptionKey`
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * The key that encrypts the notification topic, the relay's queues, log group and environment,
   * and the IoT log group. Its policy gets statements for SNS and CloudWatch Logs of this account; an imported
   * key's policy cannot be changed from here and must allow them itself.
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * The key AWS IoT Core encrypts its data with, if it is customer-managed (`DataProtection`'s
   * configuration key): the audit role must decrypt with it or audits fail.
   * @default - none: IoT Core's data is under AWS-owned keys
   */
  readonly iotDataKey?: kms.IKey;
  /**
   * Set the account's AWS IoT logging (v2) at `logLevel`, into the log group `AWSIotLogsV2`
   * created here. AWS keeps one logging setting per account and region; set false only where
   * another stack owns it (and its log group, which is then only read).
   * @default true
   */
  readonly iotLogging?: boolean;
  /**
   * The account's default AWS IoT log level. DISABLED is refused.
   * @default - the profile's `logLevel` (ERROR for CONSUMER, WARN for INDUSTRIAL, INFO for CRITICAL_INFRASTRUCTURE)
   */
  readonly logLevel?: IotLogLevel;
  /**
   * How long the IoT log group `AWSIotLogsV2` keeps events.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The account already has the log group `AWSIotLogsV2` (IoT logging was on before): use it as it
   * is instead of creating it encrypted with `encryptionKey` (CloudFormation cannot create a log
   * group that exists). Its encryption and retention stay as they are.
   * @default false
   */
  readonly adoptExistingLogGroup?: boolean;
  /**
   * The thing group whose members log at DEBUG: move a device in while it is investigated. The
   * group and its logging level are created with the account logging (`iotLogging`).
   * @default 'cdk-secure-iot-investigation'
   */
  readonly investigationThingGroupName?: string;
  /**
   * The EventBridge bus the audit relay puts one finding event on per non-compliant resource
   * (`FindingEvent`: source `cdk-secure-iot`, detail type `IoT Security Finding`, the finding's
   * ID in the detail). Give `IncidentResponse`'s findings bus, and let the relay put on it
   * (`findingsRelay`), for audit findings to start the playbooks.
   * @default - the account's default bus
   */
  readonly findingsBus?: events.IEventBus;
}

/**
 * What Device Defender audit reads, after the AWS managed policy AWSIoTDeviceDefenderAudit (v3),
 * split by whether IAM lets the action be scoped to a resource type. List and logging-option
 * actions take no resource; the rest are scoped to this account's resources of their type.
 */
function auditReadStatements(stack: Stack): iam.PolicyStatement[] {
  const iotArn = (resource: string) => stack.formatArn({ service: 'iot', resource, resourceName: '*' });
  return [
    new iam.PolicyStatement({
      sid: 'ListAndLoggingOptionsHaveNoResourceType',
      actions: [
        'iot:GetLoggingOptions', 'iot:GetV2LoggingOptions', 'iot:ListCACertificates', 'iot:ListCertificates',
        'iot:ListPolicies', 'iot:ListRoleAliases', 'iot:GetEffectivePolicies',
      ],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'ReadIotSecurityResources',
      actions: ['iot:DescribeCACertificate', 'iot:DescribeCertificate', 'iot:GetPolicy', 'iot:DescribeRoleAlias'],
      resources: [iotArn('cacert'), iotArn('cert'), iotArn('policy'), iotArn('rolealias')],
    }),
    new iam.PolicyStatement({
      sid: 'ReadCognitoPoolRoles',
      actions: ['cognito-identity:GetIdentityPoolRoles'],
      resources: [stack.formatArn({ service: 'cognito-identity', resource: 'identitypool', resourceName: '*' })],
    }),
    new iam.PolicyStatement({
      sid: 'ReadRolesBehindRoleAliasesAndPools',
      actions: [
        'iam:GetRole', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:GetRolePolicy',
        'iam:GenerateServiceLastAccessedDetails',
      ],
      resources: [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: '*' })],
    }),
    new iam.PolicyStatement({
      sid: 'ReadManagedPoliciesOfThoseRoles',
      actions: ['iam:GetPolicy', 'iam:GetPolicyVersion'],
      resources: [
        stack.formatArn({ service: 'iam', region: '', resource: 'policy', resourceName: '*' }),
        // AWS managed policies attached to those roles live in the 'aws' account.
        stack.formatArn({ service: 'iam', region: '', account: 'aws', resource: 'policy', resourceName: '*' }),
      ],
    }),
    new iam.PolicyStatement({
      sid: 'ServiceLastAccessedJobsHaveNoResourceType',
      actions: ['iam:GetServiceLastAccessedDetails'],
      resources: ['*'],
    }),
  ];
}

const THING_GROUP_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

/**
 * Device Defender audit and AWS IoT logging for the account and region (practice 8).
 *
 * - The account audit configuration with all 17 checks on, results sent to an encrypted SNS topic,
 *   and an audit role with a narrow inline policy instead of the AWS managed one.
 * - A relay from that topic (through a retained, encrypted queue with a dead-letter queue) that
 *   reads each audit task's non-compliant findings and puts one `FindingEvent` per finding on
 *   `findingsBus`, where the playbooks of `IncidentResponse` start.
 * - A scheduled audit of every check at the profile's frequency.
 * - AWS IoT logging v2 at the profile's level into `AWSIotLogsV2`, created encrypted and with
 *   retention, and DEBUG logging for the members of an investigation thing group.
 *
 * AWS keeps one audit configuration and one logging setting per account and region: one
 * `FleetAuditing` per environment in an app.
 */
export class FleetAuditing extends Construct {
  /** The topic audit results go to. */
  public readonly notificationTopic: sns.ITopic;
  /** The key that encrypts the topic, the relay's queues, log group and environment, and the IoT log group (when created). */
  public readonly encryptionKey: kms.IKey;
  /** The role Device Defender audit assumes to read the account's IoT configuration. */
  public readonly auditRole: iam.IRole;
  /** The account audit configuration. */
  public readonly auditConfiguration: iot.CfnAccountAuditConfiguration;
  /** The scheduled audit. */
  public readonly scheduledAudit: iot.CfnScheduledAudit;
  /** The log group AWS IoT logs to, `AWSIotLogsV2`: for metric filters and subscriptions. */
  public readonly iotLogGroup: logs.ILogGroup;
  /** The name of the investigation thing group whose members log at DEBUG. */
  public readonly investigationThingGroupName: string;
  /** The bus the relay puts finding events on. */
  public readonly findingsBus: events.IEventBus;
  /**
   * The function that relays audit findings to `findingsBus`: grant it `events:PutEvents` on a
   * bus whose resource policy admits only named producers (`IncidentResponse.grantPutFindings`).
   */
  public readonly findingsRelay: lambda.IFunction;
  /** The queue audit notifications wait in until the relay has put their findings. */
  public readonly relayQueue: sqs.IQueue;
  /** Where audit notifications the relay could not relay wait (14 days): its alarm goes off at the first one. */
  public readonly relayDeadLetterQueue: sqs.IQueue;
  /** Goes off when a notification lands in the dead-letter queue; add your actions to it. */
  public readonly relayDeadLetterAlarm: cloudwatch.IAlarm;
  /** Matches the finding events the relay puts on `findingsBus`, for rules of your own. */
  public readonly findingsEventPattern: events.EventPattern;

  constructor(scope: Construct, id: string, props: FleetAuditingProps = {}) {
    super(scope, id);
    props = props ?? {};
    const settings = this.validate(props);
    const stack = Stack.of(this);
    claimAccountSingleton(this, 'Device Defender audit configuration');

    this.encryptionKey = props.encryptionKey ?? secureKey(this, 'Key', {
      description: `Encrypts Device Defender audit notifications and AWS IoT logs (${this.node.path})`,
    });
    this.notificationTopic = props.notificationTopic ?? secureTopic(this, 'NotificationTopic', {
      masterKey: this.encryptionKey,
      displayName: 'Device Defender audit results',
    });

    // The alpha AccountAuditConfiguration L2 gives its role the AWS managed policy
    // AWSIoTDeviceDefenderAudit and takes no role of ours, and its ScheduledAudit's AuditCheck
    // enum lacks the three newest checks (DEVICE_CERTIFICATE_AGE_CHECK,
    // INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK,
    // IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK): both resources are L1s here.
    const auditRole = new iam.Role(this, 'AuditRole', {
      description: 'Assumed by Device Defender audit to read the IoT configuration it checks',
      assumedBy: iotPrincipal(stack),
      inlinePolicies: { AuditRead: new iam.PolicyDocument({ statements: auditReadStatements(stack) }) },
    });
    acknowledge(auditRole, 'AwsSolutions-IAM5[Resource::*]',
      'List actions, GetLoggingOptions, GetV2LoggingOptions, GetEffectivePolicies and GetServiceLastAccessedDetails support no resource-level permissions (Service Authorization Reference); every other statement is scoped to a resource type of this account.');
    for (const resource of ['cacert', 'cert', 'policy', 'rolealias']) {
      acknowledge(auditRole, `AwsSolutions-IAM5[Resource::${nagArnPrefix(stack, 'iot')}:${resource}/*]`,
        'Audit reads every resource of this type in the account: that is what an audit check is.');
    }
    acknowledge(auditRole, `AwsSolutions-IAM5[Resource::${nagArnPrefix(stack, 'cognito-identity')}:identitypool/*]`,
      'The Cognito role checks read the roles of every identity pool that connected to AWS IoT.');
    acknowledge(auditRole, `AwsSolutions-IAM5[Resource::${nagArnPrefix(stack, 'iam', { region: false })}:role/*]`,
      'The role-alias and Cognito checks read whichever roles those point to; read-only actions.');
    acknowledge(auditRole, `AwsSolutions-IAM5[Resource::${nagArnPrefix(stack, 'iam', { region: false })}:policy/*]`,
      'The role-alias and Cognito checks read the managed policies attached to those roles; read-only actions.');
    acknowledge(auditRole, `AwsSolutions-IAM5[Resource::${nagArnPrefix(stack, 'iam', { region: false, account: 'aws' })}:policy/*]`,
      'The role-alias and Cognito checks read the AWS managed policies attached to those roles; read-only actions.');
    if (props.iotDataKey) props.iotDataKey.grant(auditRole, 'kms:Decrypt');
    this.auditRole = auditRole;

    const notificationRole = new iam.Role(this, 'NotificationRole', {
      description: 'Assumed by Device Defender audit to publish results to the notification topic',
      assumedBy: iotPrincipal(stack),
    });
    notificationRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.notificationTopic.topicArn] }));
    // A topic of the user's own: its key, when CDK knows it; an imported topic's key policy is theirs to open.
    const topicKey = props.notificationTopic ? (props.notificationTopic as Partial<sns.Topic>).masterKey : this.encryptionKey;
    topicKey?.grant(notificationRole, 'kms:Decrypt', 'kms:GenerateDataKey');

    const checks: { [key: string]: unknown } = {};
    for (const [key] of AUDIT_CHECKS) {
      checks[key.charAt(0).toLowerCase() + key.slice(1)] = key === 'DeviceCertificateAgeCheck'
        ? { enabled: true, configuration: { certAgeThresholdInDays: String(settings.certAgeDays) } }
        : { enabled: true };
    }
    this.auditConfiguration = new iot.CfnAccountAuditConfiguration(this, 'AuditConfiguration', {
      accountId: stack.account,
      roleArn: auditRole.roleArn,
      auditCheckConfigurations: checks as iot.CfnAccountAuditConfiguration.AuditCheckConfigurationsProperty,
      auditNotificationTargetConfigurations: {
        sns: { enabled: true, targetArn: this.notificationTopic.topicArn, roleArn: notificationRole.roleArn },
      },
    });
    this.auditConfiguration.node.addDependency(auditRole, notificationRole);

    this.scheduledAudit = new iot.CfnScheduledAudit(this, 'ScheduledAudit', {
      frequency: settings.frequency,
      dayOfWeek: settings.dayOfWeek,
      dayOfMonth: settings.dayOfMonth,
      targetCheckNames: AUDIT_CHECKS.map(([, name]) => name),
    });
    // A scheduled audit may only name checks the account configuration has enabled.
    this.scheduledAudit.node.addDependency(this.auditConfiguration);

    this.findingsBus = props.findingsBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    // Every event the relay puts: the contract's source and detail type, and always the finding's ID.
    this.findingsEventPattern = {
      source: [FindingEvent.SOURCE],
      detailType: [FindingEvent.DETAIL_TYPE],
      detail: { findingId: [{ exists: true }] },
    };
    const relay = this.relayToEventBridge(stack);
    this.relayQueue = relay.queue;
    this.relayDeadLetterQueue = relay.deadLetters;
    this.findingsRelay = relay.fn;
    this.relayDeadLetterAlarm = relay.alarm;

    this.investigationThingGroupName = settings.investigationGroup;
    const logging = props.iotLogging ?? true;
    // Whoever owns the account's logging owns its log group: without logging here, it is only read.
    this.iotLogGroup = props.adoptExistingLogGroup || !logging
      ? logs.LogGroup.fromLogGroupName(this, 'IotLogGroup', 'AWSIotLogsV2')
      : secureLogGroup(this, 'IotLogGroup', {
        encryptionKey: this.encryptionKey,
        logGroupName: 'AWSIotLogsV2',
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      });
    if (logging) this.configureLogging(stack, settings.logLevel);
  }

  private validate(props: FleetAuditingProps) {
    const problems: string[] = [];
    const profile = riskProfileOf(this, props.riskProfile);
    const frequency = props.auditFrequency ?? profile.auditFrequency;
    if (!Object.values(AuditFrequency).includes(frequency)) {
      problems.push(`auditFrequency must be one of ${Object.values(AuditFrequency).join(', ')}, got ${describeValue(frequency)}`);
    }
    const weekly = frequency === AuditFrequency.WEEKLY || frequency === AuditFrequency.BIWEEKLY;
    if (props.auditDayOfWeek !== undefined) {
      if (!Object.values(AuditDayOfWeek).includes(props.auditDayOfWeek)) {
        problems.push(`auditDayOfWeek must be one of ${Object.values(AuditDayOfWeek).join(', ')}, got ${describeValue(props.auditDayOfWeek)}`);
      } else if (!weekly) {
        problems.push(`auditDayOfWeek is only for WEEKLY and BIWEEKLY audits, got ${props.auditDayOfWeek} with auditFrequency ${frequency}`);
      }
    }
    if (props.auditDayOfMonth !== undefined) {
      if (!(props.auditDayOfMonth instanceof AuditDayOfMonth)) {
        problems.push(`auditDayOfMonth must be made with AuditDayOfMonth.of(1..31) or AuditDayOfMonth.LAST, got ${describeValue(props.auditDayOfMonth)}`);
      } else if (frequency !== AuditFrequency.MONTHLY) {
        problems.push(`auditDayOfMonth is only for MONTHLY audits, got ${props.auditDayOfMonth.value} with auditFrequency ${frequency}`);
      }
    }
    const certAgeDays = props.deviceCertificateAgeThresholdDays ?? 365;
    if (!Token.isUnresolved(certAgeDays) && (!Number.isInteger(certAgeDays) || certAgeDays < 30 || certAgeDays > 3652)) {
      problems.push(`deviceCertificateAgeThresholdDays must be an integer from 30 to 3652, got ${describeValue(certAgeDays)}`);
    }
    const logLevel = props.logLevel ?? profile.logLevel;
    const levels: IotLogLevel[] = Object.values(IotLogLevel).filter((l) => l !== IotLogLevel.DISABLED);
    if (!levels.includes(logLevel)) {
      problems.push(`logLevel must be one of ${levels.join(', ')} (logging cannot be switched off here), got ${describeValue(logLevel)}`);
    }
    const group = props.investigationThingGroupName ?? 'cdk-secure-iot-investigation';
    if (typeof group !== 'string' || (!Token.isUnresolved(group) && !THING_GROUP_NAME.test(group))) {
      problems.push(`investigationThingGroupName must be 1-128 letters, digits, ':', '_' or '-', got ${describeValue(group)}`);
    }
    for (const flag of ['iotLogging', 'adoptExistingLogGroup'] as const) {
      if (props[flag] !== undefined && typeof props[flag] !== 'boolean') {
        problems.push(`${flag} must be true or false, got ${describeValue(props[flag])}`);
      }
    }
    const bus = props.findingsBus as events.IEventBus | undefined;
    if (bus !== undefined && (bus === null || typeof bus !== 'object' || typeof bus.eventBusArn !== 'string')) {
      problems.push(`findingsBus must be an events.IEventBus (an EventBus, or EventBus.fromEventBusArn), got ${describeValue(bus)}`);
    }
    if ((props.adoptExistingLogGroup || props.iotLogging === false) && props.logRetention !== undefined) {
      problems.push('logRetention cannot be set with adoptExistingLogGroup or iotLogging: false: the log group is not created here and keeps its own retention');
    }
    if (problems.length > 0) throw new Error(`${this.node.path}: FleetAuditing: ${problems.join('; ')}`);
    return {
      frequency,
      dayOfWeek: weekly ? (props.auditDayOfWeek ?? AuditDayOfWeek.MONDAY) : undefined,
      dayOfMonth: frequency === AuditFrequency.MONTHLY ? (props.auditDayOfMonth ?? AuditDayOfMonth.of(1)).value : undefined,
      certAgeDays,
      logLevel,
      investigationGroup: group,
    };
  }

  /**
   * Device Defender sends audit results to SNS only, one summary per audit task that names no
   * resource. An encrypted queue subscribed to the topic holds each summary until the relay
   * function has read the task's findings and put one finding event per non-compliant resource on
   * the findings bus; what it cannot relay goes, after five tries, to a dead-letter queue. Both
   * queues hold messages not yet delivered: they outlive the stack's deletion (retained).
   */
  private relayToEventBridge(stack: Stack) {
    // An audit of a large fleet can find tens of thousands of resources: one event each.
    const fnTimeout = Duration.minutes(15);
    const deadLetters = new sqs.Queue(this, 'RelayDeadLetterQueue', {
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const queue = new sqs.Queue(this, 'RelayQueue', {
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      // Lambda's SQS event source: at least the function's timeout, six times it as AWS advises.
      visibilityTimeout: Duration.seconds(fnTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Subscribed by hand: SqsSubscription would put the topic's ARN into the key policy, and the
    // topic is encrypted with that same key, a cycle CloudFormation refuses.
    queue.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: { ArnEquals: { 'aws:SourceArn': this.notificationTopic.topicArn } },
    }));
    this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowSnsOfThisAccountToDeliverToTheRelayQueue',
      principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }));
    const subscription = new sns.Subscription(this, 'RelaySubscription', {
      topic: this.notificationTopic,
      protocol: sns.SubscriptionProtocol.SQS,
      endpoint: queue.queueArn,
      rawMessageDelivery: true,
    });
    subscription.node.addDependency(queue);

    const fn = secureFunction(this, 'Relay', {
      handlerName: 'audit-findings-relay',
      description: 'cdk-secure-iot: relays Device Defender audit findings to EventBridge, one finding event per non-compliant resource',
      encryptionKey: this.encryptionKey,
      timeout: fnTimeout,
      environment: { FINDINGS_BUS: this.findingsBus.eventBusArn },
    });
    // ListAuditFindings has no resource type: IAM accepts only "*" (Service Authorization Reference).
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:ListAuditFindings'], resources: ['*'] }));
    // Only finding events, only on the findings bus.
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [this.findingsBus.eventBusArn],
      conditions: { StringEquals: { 'events:source': FindingEvent.SOURCE, 'events:detail-type': FindingEvent.DETAIL_TYPE } },
    }));
    fn.addEventSource(new SqsEventSource(queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: 2 }));
    const policy = fn.role!.node.tryFindChild('DefaultPolicy')!;
    acknowledge(policy, 'AwsSolutions-IAM5[Resource::*]',
      'iot:ListAuditFindings supports no resource-level permissions; IAM requires Resource "*" for it. Every other statement is scoped to one queue, one key or one bus.');

    const alarm = new cloudwatch.Alarm(this, 'RelayDeadLetterAlarm', {
      alarmDescription: 'Device Defender audit notifications the relay could not put on the findings bus wait in the dead-letter queue (see the relay function\'s log)',
      metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    return { queue, deadLetters, fn, alarm };
  }

  private configureLogging(stack: Stack, logLevel: IotLogLevel): void {
    claimAccountSingleton(this, 'IoT logging configuration');
    // An L1: the alpha Logging L2 makes its own role and lets IoT create the log group
    // unencrypted and kept forever; here the group exists first, encrypted with retention.
    const role = new iam.Role(this, 'LoggingRole', {
      description: 'Assumed by AWS IoT to write its logs to AWSIotLogsV2',
      assumedBy: iotPrincipal(stack),
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      // CreateLogGroup is harmless on a group that exists, and IoT calls it before writing.
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [
        stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: 'AWSIotLogsV2', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: 'AWSIotLogsV2:log-stream:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ],
    }));
    const policy = role.node.tryFindChild('DefaultPolicy')!;
    acknowledge(policy, `AwsSolutions-IAM5[Resource::${nagArnPrefix(stack, 'logs')}:log-group:AWSIotLogsV2:log-stream:*]`,
      'AWS IoT names its log streams itself; the statement is limited to the streams of the one IoT log group.');
    const logging = new iot.CfnLogging(this, 'Logging', {
      accountId: stack.account,
      defaultLogLevel: logLevel,
      roleArn: role.roleArn,
    });
    logging.node.addDependency(role, this.iotLogGroup);

    const group = this.investigationThingGroupName;
    if (!Token.isUnresolved(group)) claimAccountSingleton(this, `IoT resource-specific logging of thing group ${group}`);
    const thingGroup = new iot.CfnThingGroup(this, 'InvestigationThingGroup', {
      thingGroupName: group,
      thingGroupProperties: { thingGroupDescription: 'Devices under investigation: they log at DEBUG' },
    });
    const debug = new iot.CfnResourceSpecificLogging(this, 'InvestigationLogging', {
      targetType: 'THING_GROUP',
      targetName: thingGroup.ref,
      logLevel: IotLogLevel.DEBUG,
    });
    debug.node.addDependency(logging);
  }
}

function iotPrincipal(stack: Stack): iam.IPrincipal {
  // Only AWS IoT acting for this account may assume the role (confused-deputy protection).
  return new iam.ServicePrincipal('iot.amazonaws.com', {
    conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
  });
}

