import { Duration, Lazy, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { FindingClass } from '../core/finding-class';
import { RiskProfile } from '../core/risk-profile';
import { findingAlarmName } from '../core/private/finding-alarm-name';
import { accessLogBucket, secureBucket, secureKey, secureTopic } from '../core/private/secure-defaults';
import { describeValue } from '../core/private/describe';
import { riskProfileOf } from '../core/private/risk-profile-of';

/**
 * Alarm thresholds of `FleetMonitoring`: counts over five minutes across the fleet. A threshold
 * left out comes from the risk profile (see `FleetMonitoring`).
 */
export interface FleetAlarmThresholds {
  /**
   * Connections refused because the device could not be authenticated (`Connect.AuthNError`).
   * @default - from the risk profile
   */
  readonly authenticationFailures?: number;
  /**
   * Connect, publish and subscribe requests refused by IoT policy (`Connect.AuthZError`,
   * `PublishIn.AuthZError`, `Subscribe.AuthZError`).
   * @default - from the risk profile
   */
  readonly authorizationFailures?: number;
  /**
   * Connections throttled (`Connect.Throttle`, `Connect.ClientIDThrottle`).
   * @default - from the risk profile
   */
  readonly connectThrottles?: number;
  /**
   * Publish requests refused as malformed or failed by the broker (`PublishIn.ClientError`, `PublishIn.ServerError`).
   * @default - from the risk profile
   */
  readonly publishErrors?: number;
  /**
   * Rule messages throttled (`RuleMessageThrottled`) and rule actions failed (`Failure`), all rules.
   * @default - from the risk profile
   */
  readonly ruleErrors?: number;
  /**
   * Job executions that failed (`FailedJobExecutionCount`), all jobs.
   * @default - from the risk profile
   */
  readonly jobExecutionFailures?: number;
}

/** Props of `FleetMonitoring`. */
export interface FleetMonitoringProps {
  /**
   * The risk profile the alarm thresholds and the anomaly band derive from.
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * Thresholds that replace the profile's, each a whole number of events in five minutes (1..1000000).
   * @default - the profile's
   */
  readonly thresholds?: FleetAlarmThresholds;
  /**
   * Where every alarm notifies. An encrypted topic's key policy must let `cloudwatch.amazonaws.com`
   * use its key (kms:Decrypt, kms:GenerateDataKey), or alarms cannot notify.
   * @default - a new topic encrypted with `encryptionKey`, whose key policy lets CloudWatch of this account use it
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * The key that encrypts the alarm topic and the trail. Its policy gets statements for CloudWatch
   * alarms and CloudTrail of this account; an imported key's policy cannot be changed from here
   * and must allow them itself.
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * The AWS IoT v2 log group the metric filters read (`FleetAuditing.iotLogGroup`).
   * @default - the account's `AWSIotLogsV2`, by name
   */
  readonly iotLogGroup?: logs.ILogGroup;
  /**
   * Record the account's control-plane API calls (AWS IoT and every other service) in a new
   * multi-region CloudTrail trail with log file validation, encrypted with `encryptionKey`, into
   * a retained, versioned bucket. Set false where an organization trail already records the
   * account: a second trail only doubles the cost.
   * @default true
   */
  readonly createTrail?: boolean;
  /**
   * Create a Device Defender Detect security profile (rules on authorization failures, message
   * size and connection attempts, ML on message volume) for every registered thing, alerting
   * `alarmTopic`. Detect is closed to new customers since 2026-08-31: only accounts that use it
   * can turn this on; the alarms above need no Detect.
   * @default false
   */
  readonly detectSecurityProfile?: boolean;
  /**
   * Alarm when this many registered devices or more are disconnected (1..1000000), counted every
   * five minutes by a fleet metric over fleet indexing's connectivity status. Needs fleet indexing
   * with connectivity (`FleetIndexing`, on by default there).
   * @default - no device availability metric or alarm
   */
  readonly disconnectedDevicesThreshold?: number;
  /**
   * The name of the CloudWatch dashboard.
   * @default - a name CloudFormation generates
   */
  readonly dashboardName?: string;
}

type Thresholds = Required<FleetAlarmThresholds>;

/**
 * Alarm thresholds by profile: events in five minutes across the fleet before someone is paged.
 * A consumer fleet is large and noisy; critical infrastructure has few devices, each known, so
 * a handful of failures is already an incident.
 */
export const FLEET_ALARM_THRESHOLDS: { readonly [profile: string]: Thresholds } = {
  CONSUMER: { authenticationFailures: 100, authorizationFailures: 100, connectThrottles: 50, publishErrors: 100, ruleErrors: 10, jobExecutionFailures: 10 },
  INDUSTRIAL: { authenticationFailures: 20, authorizationFailures: 20, connectThrottles: 10, publishErrors: 20, ruleErrors: 1, jobExecutionFailures: 5 },
  CRITICAL_INFRASTRUCTURE: { authenticationFailures: 5, authorizationFailures: 5, connectThrottles: 1, publishErrors: 5, ruleErrors: 1, jobExecutionFailures: 1 },
};

/** Width of the anomaly band (standard deviations) by profile: the more at stake, the narrower. */
const ANOMALY_BAND: { readonly [profile: string]: number } = { CONSUMER: 4, INDUSTRIAL: 3, CRITICAL_INFRASTRUCTURE: 2 };

/** The namespace of the metrics the IoT log filters publish. */
export const FLEET_LOG_METRICS_NAMESPACE = 'cdk-secure-iot/IoTLogs';

const FIVE_MINUTES = Duration.minutes(5);
const DASHBOARD_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * Watches the fleet and its supporting systems (practice 8) without Device Defender Detect, which
 * is closed to new customers since 2026-08-31:
 *
 * - CloudWatch alarms on AWS IoT Core metrics that signal attacks or outages (authentication and
 *   authorization failures, throttled connections, publish errors, rule errors, failed job
 *   executions), thresholds from the risk profile (`FLEET_ALARM_THRESHOLDS`), and
 *   anomaly-detection alarms on connection and message volume, where the fleet has a daily rhythm
 *   to learn.
 * - Metric filters over the AWS IoT v2 logs: connection failures and authorization failures by
 *   client ID, and unexpected disconnects (logged at INFO: seen at the INFO and DEBUG levels, and
 *   for devices in the investigation thing group).
 * - A CloudTrail trail with log file validation under a customer key (off where an organization
 *   trail exists), a dashboard, and, only where asked, a Detect security profile.
 */
export class FleetMonitoring extends Construct {
  /** Where every alarm notifies. */
  public readonly alarmTopic: sns.ITopic;
  /** The key that encrypts the alarm topic and the trail. */
  public readonly encryptionKey: kms.IKey;
  /**
   * The alarms, by name: `authenticationFailures`, `authorizationFailures`, `connectThrottles`,
   * `publishErrors`, `ruleActionFailures`, `ruleMessagesThrottled` (both at the `ruleErrors`
   * threshold), `jobExecutionFailures`, `connectionAnomaly`, `messageAnomaly`, and
   * `disconnectedDevices` with `disconnectedDevicesThreshold`.
   */
  public readonly alarms: { [name: string]: cloudwatch.IAlarm } = {};
  /** The thresholds in force. */
  public readonly thresholds: FleetAlarmThresholds;
  /** The dashboard of fleet health and security signals. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** The trail, unless `createTrail` is false. */
  public readonly trail?: cloudtrail.Trail;
  /** The Detect security profile, when `detectSecurityProfile` is on. */
  public readonly securityProfile?: iot.CfnSecurityProfile;

  private readonly action: cloudwatch.IAlarmAction;
  private readonly ownTopic: boolean;

  constructor(scope: Construct, id: string, props: FleetMonitoringProps = {}) {
    super(scope, id);
    props = props ?? {};
    const { profile, thresholds } = this.validate(props);
    this.thresholds = thresholds;
    const stack = Stack.of(this);

    this.encryptionKey = props.encryptionKey ?? secureKey(this, 'Key', {
      description: `Encrypts fleet monitoring alarms and the CloudTrail trail (${this.node.path})`,
    });
    this.ownTopic = !props.alarmTopic;
    this.alarmTopic = props.alarmTopic ?? secureTopic(this, 'AlarmTopic', { masterKey: this.encryptionKey, displayName: 'IoT fleet alarms' });
    // CloudWatch publishes alarm notifications to the encrypted topic: it must use the key.
    if (!props.alarmTopic) {
      this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }));
    }
    this.action = new cloudwatchActions.SnsAction(this.alarmTopic);

    const broker = (metricName: string) => iotMetric(metricName, { Protocol: 'MQTT' });
    let sums = 0;
    // Metric IDs must be unique across a graph that shows several sums: each sum has its own prefix.
    const sum = (label: string, names: string[]) => {
      if (names.length === 1) return broker(names[0]).with({ label });
      const prefix = `s${sums++}m`;
      return new cloudwatch.MathExpression({
        label,
        period: FIVE_MINUTES,
        expression: names.map((_, i) => `FILL(${prefix}${i}, 0)`).join(' + '),
        usingMetrics: Object.fromEntries(names.map((n, i) => [`${prefix}${i}`, broker(n)])),
      });
    };
    const signals = {
      authenticationFailures: sum('Authentication failures', ['Connect.AuthNError']),
      authorizationFailures: sum('Authorization failures', ['Connect.AuthZError', 'PublishIn.AuthZError', 'Subscribe.AuthZError']),
      connectThrottles: sum('Throttled connections', ['Connect.Throttle', 'Connect.ClientIDThrottle']),
      publishErrors: sum('Publish errors', ['PublishIn.ClientError', 'PublishIn.ServerError']),
      // Rule and job metrics carry a rule or job dimension; Metrics Insights sums them over all.
      ruleActionFailures: insights('Rule action failures', 'SELECT SUM(Failure) FROM SCHEMA("AWS/IoT", ActionType, RuleName)'),
      ruleMessagesThrottled: insights('Rule messages throttled', 'SELECT SUM(RuleMessageThrottled) FROM SCHEMA("AWS/IoT", RuleName)'),
      jobExecutionFailures: insights('Failed job executions', 'SELECT SUM(FailedJobExecutionCount) FROM SCHEMA("AWS/IoT", JobId)'),
    };
    const descriptions: { [k in keyof typeof signals]: string } = {
      authenticationFailures: 'Devices or scanners failing to authenticate: stolen or revoked certificates in use, or credential stuffing',
      authorizationFailures: 'Requests refused by IoT policy: a device reaching beyond its own topics, or a bad policy change',
      connectThrottles: 'Connections throttled: a reconnect storm, a duplicated client ID, or a flood from compromised devices',
      publishErrors: 'Publish requests refused or failed: malformed traffic or a broker problem',
      ruleActionFailures: 'Topic rule actions failing: device data is not reaching its store',
      ruleMessagesThrottled: 'Topic rule messages throttled: device data is being dropped before any action runs',
      jobExecutionFailures: 'Job executions failing: an update or remote operation is going wrong on devices',
    };
    const thresholdOf = (key: keyof typeof signals): number => (key.startsWith('rule') ? thresholds.ruleErrors : thresholds[key as keyof Thresholds]);
    // The alarms named for a playbook start it (IncidentResponse.alarmNamePrefix), wherever the
    // incident response is deployed in the account and region.
    const playbooks: { [k in keyof typeof signals]?: FindingClass } = {
      authenticationFailures: FindingClass.AUTHENTICATION_FAILURE_SPIKE,
      authorizationFailures: FindingClass.AUTHENTICATION_FAILURE_SPIKE,
    };
    for (const key of Object.keys(signals) as (keyof typeof signals)[]) {
      this.alarms[key] = this.alarm(pascal(key), signals[key], thresholdOf(key), descriptions[key], undefined, playbooks[key]);
    }

    const band = ANOMALY_BAND[profile.name] ?? 2;
    this.alarms.connectionAnomaly = this.anomaly('ConnectionAnomaly', broker('Connect.Success').with({ label: 'Connections' }), band,
      'Connection attempts far outside their usual band: a reconnect storm after an outage, or a flood of new clients', false);
    this.alarms.messageAnomaly = this.anomaly('MessageAnomaly', broker('PublishIn.Success').with({ label: 'Messages in' }), band,
      'Inbound messages far outside their usual band, or none at all: devices gone silent, or sending far more than they should', true);

    const availability: cloudwatch.IMetric[] = [];
    if (props.disconnectedDevicesThreshold !== undefined) {
      const disconnected = this.disconnectedDevices();
      availability.push(disconnected);
      this.alarms.disconnectedDevices = this.alarm('DisconnectedDevices', disconnected, props.disconnectedDevicesThreshold,
        'Registered devices disconnected, by fleet indexing: an outage of a site, a network or a device type',
        `${props.disconnectedDevicesThreshold} or more devices disconnected at once`, FindingClass.UNEXPECTED_DISCONNECTS);
    }

    const logGroup = props.iotLogGroup ?? logs.LogGroup.fromLogGroupName(this, 'IotLogGroup', 'AWSIotLogsV2');
    const logMetrics = this.metricFilters(logGroup);

    if (props.createTrail ?? true) this.trail = this.createTrail(stack);
    if (props.detectSecurityProfile) this.securityProfile = this.createSecurityProfile(stack);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: `# IoT fleet health and security (${profile.name})\nAlarms notify the fleet alarm topic; thresholds are events in five minutes.`, width: 24, height: 2 }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      graph('Connections and messages', [broker('Connect.Success').with({ label: 'Connections' }), broker('PublishIn.Success').with({ label: 'Messages in' })]),
      graph('Authentication and authorization', [signals.authenticationFailures, signals.authorizationFailures]),
      graph('Throttling and publish errors', [signals.connectThrottles, signals.publishErrors]),
    );
    this.dashboard.addWidgets(
      graph('Rules and jobs', [signals.ruleActionFailures, signals.ruleMessagesThrottled, signals.jobExecutionFailures]),
      graph('Unexpected disconnects (IoT logs) and disconnected devices', [logMetrics.disconnects, ...availability]),
      graph('Connection failures by client (top 10)', [insights('Top clients',
        `SELECT SUM(ConnectFailures) FROM SCHEMA("${FLEET_LOG_METRICS_NAMESPACE}", clientId) GROUP BY clientId ORDER BY SUM() DESC LIMIT 10`)]),
    );
  }

  private validate(props: FleetMonitoringProps): { profile: RiskProfile; thresholds: Thresholds } {
    const problems: string[] = [];
    const profile = riskProfileOf(this, props.riskProfile);
    // Custom profiles take the thresholds of the strictest preset: they are made for fleets that need tuning.
    const base = FLEET_ALARM_THRESHOLDS[profile.name] ?? FLEET_ALARM_THRESHOLDS.CRITICAL_INFRASTRUCTURE;
    const given = props.thresholds ?? {};
    const thresholds = { ...base } as { -readonly [k in keyof Thresholds]: number };
    for (const [key, value] of Object.entries(given)) {
      if (!(key in base)) {
        problems.push(`thresholds: ${key} is not a threshold; the thresholds are ${Object.keys(base).join(', ')}`);
      } else if (value !== undefined) {
        if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 1 || value > 1_000_000)) {
          problems.push(`thresholds.${key} must be a whole number of events from 1 to 1000000, got ${describeValue(value)}`);
        }
        thresholds[key as keyof Thresholds] = value;
      }
    }
    for (const flag of ['createTrail', 'detectSecurityProfile'] as const) {
      if (props[flag] !== undefined && typeof props[flag] !== 'boolean') problems.push(`${flag} must be true or false, got ${describeValue(props[flag])}`);
    }
    const disconnected = props.disconnectedDevicesThreshold;
    if (disconnected !== undefined && !Token.isUnresolved(disconnected) && (!Number.isInteger(disconnected) || disconnected < 1 || disconnected > 1_000_000)) {
      problems.push(`disconnectedDevicesThreshold must be a whole number of devices from 1 to 1000000, got ${describeValue(disconnected)}`);
    }
    if (props.dashboardName !== undefined && !Token.isUnresolved(props.dashboardName) && !DASHBOARD_NAME.test(props.dashboardName)) {
      problems.push(`dashboardName must be 1-255 letters, digits, '_' or '-', got ${describeValue(props.dashboardName)}`);
    }
    if (problems.length > 0) throw new Error(`${this.node.path}: FleetMonitoring: ${problems.join('; ')}`);
    return { profile, thresholds };
  }

  private alarm(
    id: string, metric: cloudwatch.IMetric, threshold: number, description: string, when = `${threshold} or more in 5 minutes`, playbook?: FindingClass,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `${id}Alarm`, {
      alarmName: playbook ? findingAlarmName(this, id, playbook) : undefined,
      alarmDescription: `${description} (${when})${playbook ? `; starts the ${playbook} playbook of IncidentResponse` : ''}`,
      metric,
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    return alarm;
  }

  private anomaly(id: string, metric: cloudwatch.Metric, stdDevs: number, description: string, silenceIsOutage: boolean): cloudwatch.Alarm {
    const alarm = new cloudwatch.AnomalyDetectionAlarm(this, `${id}Alarm`, {
      alarmDescription: `${description} (outside ${stdDevs} standard deviations for 3 of 3 periods of 5 minutes)`,
      metric,
      stdDevs,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      // Silence is an outage for inbound messages (devices send all the time); a stable fleet makes
      // no new connections for hours, so silence there is normal.
      treatMissingData: silenceIsOutage ? cloudwatch.TreatMissingData.BREACHING : cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    return alarm;
  }

  /** How many registered devices fleet indexing sees disconnected, every five minutes. */
  private disconnectedDevices(): cloudwatch.Metric {
    // Fleet metric names are unique in the account and region; this one is unique to the construct.
    const metricName = `${Names.uniqueResourceName(this, { maxLength: 100, separator: '-' })}-disconnected-devices`;
    new iot.CfnFleetMetric(this, 'DisconnectedDevices', {
      metricName,
      description: 'cdk-secure-iot: registered devices fleet indexing sees disconnected',
      indexName: 'AWS_Things',
      queryVersion: '2017-09-30',
      queryString: 'connectivity.connected:false',
      // A count of things needs a numeric field every thing has: the registry version.
      aggregationField: 'registry.version',
      aggregationType: { name: 'Statistics', values: ['count'] },
      period: FIVE_MINUTES.toSeconds(),
    });
    // Fleet metrics land in IoTFleetMetrics, named after the fleet metric, one series per aggregation.
    return new cloudwatch.Metric({
      namespace: 'IoTFleetMetrics', metricName, dimensionsMap: { AggregationType: 'count' }, statistic: 'Maximum', period: FIVE_MINUTES, label: 'Disconnected devices',
    });
  }

  private metricFilters(logGroup: logs.ILogGroup) {
    const filter = (id: string, metricName: string, pattern: logs.IFilterPattern, byClient: boolean) => {
      new logs.MetricFilter(this, id, {
        logGroup,
        metricNamespace: FLEET_LOG_METRICS_NAMESPACE,
        metricName,
        filterPattern: pattern,
        metricValue: '1',
        // Per client, to find the device behind a spike. CloudWatch stops a filter whose dimension
        // takes more than 1,000 values in an hour: a fleet-wide storm then shows in the AWS/IoT alarms.
        dimensions: byClient ? { clientId: '$.clientId' } : undefined,
        unit: cloudwatch.Unit.COUNT,
      });
      return new cloudwatch.Metric({ namespace: FLEET_LOG_METRICS_NAMESPACE, metricName, statistic: 'Sum', period: FIVE_MINUTES });
    };
    return {
      connectFailures: filter('ConnectFailuresFilter', 'ConnectFailures',
        logs.FilterPattern.all(logs.FilterPattern.stringValue('$.eventType', '=', 'Connect'), logs.FilterPattern.stringValue('$.status', '=', 'Failure')), true),
      authorizationFailures: filter('AuthorizationFailuresFilter', 'AuthorizationFailures',
        logs.FilterPattern.stringValue('$.reason', '=', 'AUTHORIZATION_FAILURE'), true),
      disconnects: filter('UnexpectedDisconnectsFilter', 'UnexpectedDisconnects',
        logs.FilterPattern.all(logs.FilterPattern.stringValue('$.eventType', '=', 'Disconnect'),
          logs.FilterPattern.stringValue('$.disconnectReason', '!=', 'CLIENT_INITIATED_DISCONNECT')), false)
        .with({ label: 'Unexpected disconnects' }),
    };
  }

  private createTrail(stack: Stack): cloudtrail.Trail {
    const key = this.encryptionKey;
    const trailArn = stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: '*' });
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudTrailOfThisAccountToEncrypt',
      principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
      actions: ['kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': stack.formatArn({ service: 'cloudtrail', region: '*', resource: 'trail', resourceName: '*' }) },
      },
    }));
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudTrailOfThisAccountToDescribe',
      principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
      actions: ['kms:DescribeKey'],
      resources: ['*'],
      conditions: { StringLike: { 'aws:SourceArn': trailArn } },
    }));
    const bucket: s3.IBucket = secureBucket(this, 'TrailBucket', {
      encryptionKey: key,
      serverAccessLogsBucket: accessLogBucket(this, 'TrailAccessLogs'),
    });
    // Named here, so the bucket policy can name the trail (its ARN from the trail itself would be
    // a cycle: the trail waits for the bucket policy).
    const trailName = Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    const trail = new cloudtrail.Trail(this, 'Trail', {
      bucket,
      trailName,
      encryptionKey: key,
      enableFileValidation: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
    });
    // CDK's Trail lets CloudTrail write to the bucket with no condition: any account's trail
    // naming this bucket could. CloudTrail sends aws:SourceArn (its bucket policy page): each of
    // its statements is bounded to this trail.
    const ownTrail = stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: trailName });
    const policy = bucket.policy!.node.defaultChild as s3.CfnBucketPolicy;
    policy.addPropertyOverride('PolicyDocument', Lazy.any({
      produce: () => {
        const document = stack.resolve(bucket.policy!.document) as { Statement: Array<{ Principal?: { Service?: unknown }; Condition?: { [op: string]: { [k: string]: unknown } } }> };
        for (const statement of document.Statement) {
          if (statement.Principal?.Service !== 'cloudtrail.amazonaws.com') continue;
          const equals = { ...(statement.Condition?.StringEquals ?? {}), 'aws:SourceArn': ownTrail };
          statement.Condition = { ...statement.Condition, StringEquals: equals };
        }
        return document;
      },
    }));
    return trail;
  }

  private createSecurityProfile(stack: Stack): iot.CfnSecurityProfile {
    const role = new iam.Role(this, 'DetectAlertRole', {
      description: 'Assumed by Device Defender Detect to publish violations to the fleet alarm topic',
      assumedBy: new iam.ServicePrincipal('iot.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.alarmTopic.topicArn] }));
    const topicKey = this.ownTopic ? this.encryptionKey : (this.alarmTopic as Partial<sns.Topic>).masterKey;
    topicKey?.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
    const rule = (name: string, metric: string, operator: string, count: number, durationSeconds?: number) => ({
      name, metric, criteria: { comparisonOperator: operator, value: { count: String(count) }, durationSeconds, consecutiveDatapointsToAlarm: 1, consecutiveDatapointsToClear: 1 },
    });
    const ml = (name: string, metric: string) => ({
      name, metric, criteria: { mlDetectionConfig: { confidenceLevel: 'HIGH' }, consecutiveDatapointsToAlarm: 1, consecutiveDatapointsToClear: 1 },
    });
    const profile = new iot.CfnSecurityProfile(this, 'SecurityProfile', {
      securityProfileDescription: 'cdk-secure-iot: behaviors of a healthy device; violations alert the fleet alarm topic',
      behaviors: [
        rule('AuthorizationFailures', 'aws:num-authorization-failures', 'less-than', 5, 300),
        rule('ConnectionAttempts', 'aws:num-connection-attempts', 'less-than', 10, 300),
        rule('MessageSize', 'aws:message-byte-size', 'less-than-equals', 128 * 1024),
        ml('MessagesSent', 'aws:num-messages-sent'),
        ml('Disconnects', 'aws:num-disconnects'),
      ],
      alertTargets: { SNS: { alertTargetArn: this.alarmTopic.topicArn, roleArn: role.roleArn } },
      targetArns: [stack.formatArn({ service: 'iot', resource: 'all', resourceName: 'registered-things' })],
    });
    profile.node.addDependency(role);
    return profile;
  }
}

function iotMetric(metricName: string, dimensionsMap: { [name: string]: string }): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: 'AWS/IoT', metricName, dimensionsMap, statistic: 'Sum', period: FIVE_MINUTES });
}

/**
 * A Metrics Insights query: for metrics that carry a per-rule or per-job dimension, summed over
 * all of them (an alarm takes one query as its whole metric).
 */
function insights(label: string, query: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({ label, expression: query, usingMetrics: {}, period: FIVE_MINUTES });
}

function graph(title: string, left: cloudwatch.IMetric[]): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left, width: 8, height: 6 });
}

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

