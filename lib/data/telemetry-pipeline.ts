import { Duration, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ASSET_TAG_KEYS, DataClass } from '../core/asset-tags';
import { RiskProfile } from '../core/risk-profile';
import { confusedDeputySafePrincipal, sourceArnIn } from '../core/private/confused-deputy';
import { iotActionsAlpha, iotAlpha } from '../core/private/optional-modules';
import { accessLogBucket, acknowledge, secureBucket, secureKey } from '../core/private/secure-defaults';
import { describeValue } from '../core/private/describe';

/** Where a `TelemetryPipeline` keeps device data. */
export enum TelemetryStore {
  /** One JSON object per message in an S3 bucket, partitioned by hour and device; expired by a lifecycle rule. */
  S3 = 'S3',
  /** One item per message in a DynamoDB table keyed by device and time; expired by TTL. */
  DYNAMODB = 'DYNAMODB',
}

/**
 * How long telemetry is kept by default, by its `DataClass`: the more harm a disclosure would do,
 * the less is kept (practice 5, keep only what is needed). Set `retentionDays` where a law or
 * contract asks for longer.
 */
export const TELEMETRY_RETENTION_DAYS: { readonly [dataClass: string]: number } = {
  [DataClass.PUBLIC]: 365,
  [DataClass.INTERNAL]: 180,
  [DataClass.CONFIDENTIAL]: 90,
  [DataClass.RESTRICTED]: 30,
};

/** Props of `TelemetryPipeline`. */
export interface TelemetryPipelineProps {
  /** The MQTT topic filter devices publish telemetry on, e.g. `dt/plant1/+/telemetry`. */
  readonly topicFilter: string;
  /**
   * Where the data is kept.
   * @default TelemetryStore.S3
   */
  readonly store?: TelemetryStore;
  /**
   * How sensitive the data is: decides the default retention and the `data-class` tag of the store.
   * @default DataClass.CONFIDENTIAL
   */
  readonly dataClass?: DataClass;
  /**
   * Days a message is kept (1..3650).
   * @default - by data class: PUBLIC 365, INTERNAL 180, CONFIDENTIAL 90, RESTRICTED 30 (`TELEMETRY_RETENTION_DAYS`)
   */
  readonly retentionDays?: number;
  /**
   * The payload fields to keep (an SQL projection): keep only what is used. Nested fields with dots.
   * @default - the whole payload
   */
  readonly fields?: string[];
  /**
   * The share of messages kept, percent (above 0, up to 100), sampled at random by the rule.
   * @default 100
   */
  readonly samplePercent?: number;
  /**
   * An extra IoT SQL condition a message must meet to be kept, e.g. `temperature > 40`.
   * @default - none
   */
  readonly condition?: string;
  /**
   * The key that encrypts the store and the dead-letter queue (e.g. `DataProtection`'s telemetry key).
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Where the dead-letter alarm notifies.
   * @default - no action: the alarm shows in CloudWatch only
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * The risk profile: decides how fast the dead-letter alarm fires (CONSUMER 15 min, INDUSTRIAL 5 min,
   * CRITICAL_INFRASTRUCTURE and custom profiles 1 min).
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * The topic rule's name (letters, digits and underscores).
   * @default - a name CloudFormation generates
   */
  readonly ruleName?: string;
}

const ALARM_PERIOD_MINUTES = new Map<RiskProfile, number>([
  [RiskProfile.CONSUMER, 15],
  [RiskProfile.INDUSTRIAL, 5],
  [RiskProfile.CRITICAL_INFRASTRUCTURE, 1],
]);

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const RULE_NAME = /^[a-zA-Z0-9_]{1,128}$/;

/**
 * Device telemetry from an MQTT topic filter into an encrypted store (practice 5): an AWS IoT
 * topic rule writes each message to S3 (lifecycle expiry) or DynamoDB (TTL, point-in-time
 * recovery), keeping only the fields and share of messages asked for, for the days its data class
 * allows. Messages the rule fails to deliver go to an encrypted dead-letter queue (kept 14 days)
 * with an alarm, so lost data and a broken store are noticed.
 */
export class TelemetryPipeline extends Construct {
  /** The topic rule's ARN. */
  public readonly topicRuleArn: string;
  /** The topic rule's name. */
  public readonly topicRuleName: string;
  /** The rule's IoT SQL statement. */
  public readonly sql: string;
  /** Days a message is kept. */
  public readonly retentionDays: number;
  /** The key that encrypts the store and the dead-letter queue. */
  public readonly encryptionKey: kms.IKey;
  /** The bucket, when the store is S3. */
  public readonly bucket?: s3.IBucket;
  /** The table, when the store is DynamoDB. */
  public readonly table?: dynamodb.ITable;
  /** Where the messages the rule failed to deliver wait for a replay. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** Fires when a message reaches the dead-letter queue. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The role the topic rule's actions use. */
  public readonly ruleRole: iam.IRole;

  constructor(scope: Construct, id: string, props: TelemetryPipelineProps) {
    super(scope, id);
    const settings = this.validate(props);
    const stack = Stack.of(this);
    this.retentionDays = settings.retentionDays;
    this.sql = settings.sql;
    Tags.of(this).add(ASSET_TAG_KEYS.dataClass, settings.dataClass);
    this.encryptionKey = props.encryptionKey ?? secureKey(this, 'Key', { description: `Encrypts telemetry kept by ${this.node.path}` });

    const role = new iam.Role(this, 'RuleRole', {
      description: `Assumed by the AWS IoT topic rule of ${this.node.path} to store telemetry`,
      // Only AWS IoT running this rule (its ARN, when named; a rule of this account otherwise: the
      // rule names the role, so the role cannot name a generated rule without a cycle).
      assumedBy: confusedDeputySafePrincipal(this, 'iot.amazonaws.com', {
        sourceArn: sourceArnIn(this, 'iot', 'rule', props.ruleName !== undefined && !Token.isUnresolved(props.ruleName) ? props.ruleName : '*'),
      }),
    });
    this.ruleRole = role;
    this.encryptionKey.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt', 'kms:Encrypt', 'kms:DescribeKey');

    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // It holds the telemetry the store refused, waiting for a replay: deleting the stack must not lose it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(deadLetterQueue, 'AwsSolutions-SQS3',
      'This queue is the dead-letter destination of the topic rule\'s error action; an SQS dead-letter queue behind it would catch nothing, as nothing consumes from it automatically.');
    this.deadLetterQueue = deadLetterQueue;

    const actions = iotActionsAlpha(this);
    let action;
    if (settings.store === TelemetryStore.DYNAMODB) {
      const table = new dynamodb.Table(this, 'Table', {
        partitionKey: { name: 'deviceId', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'receivedAtMs', type: dynamodb.AttributeType.NUMBER },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: this.encryptionKey,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        timeToLiveAttribute: 'expiresAt',
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.table = table;
      action = new actions.DynamoDBv2PutItemAction(table, { role });
    } else {
      const bucket = secureBucket(this, 'Bucket', {
        encryptionKey: this.encryptionKey,
        serverAccessLogsBucket: accessLogBucket(this, 'AccessLogs'),
        lifecycleRules: [{
          id: 'retention',
          expiration: Duration.days(settings.retentionDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        }],
      });
      this.bucket = bucket;
      const bucketId = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
      acknowledge(role.node.tryFindChild('DefaultPolicy')!, `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
        's3:PutObject on the objects of the one telemetry bucket: every message is a new object whose key the rule makes from time, device and a UUID.');
      action = new actions.S3PutObjectAction(bucket, {
        role,
        key: '${parse_time("yyyy/MM/dd/HH", timestamp(), "UTC")}/${clientid()}/${timestamp()}-${newuuid()}.json',
      });
    }

    const iot = iotAlpha(this);
    const rule = new iot.TopicRule(this, 'Rule', {
      topicRuleName: props.ruleName,
      description: `Keeps telemetry from ${props.topicFilter} for ${settings.retentionDays} days (${settings.dataClass})`,
      sql: iot.IotSql.fromStringAsVer20160323(settings.sql),
      actions: [action],
      errorAction: new actions.SqsQueueAction(deadLetterQueue, { role }),
    });
    this.topicRuleArn = rule.topicRuleArn;
    this.topicRuleName = rule.topicRuleName;

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: `Telemetry the topic rule of ${this.node.path} failed to store is waiting in its dead-letter queue: the store refuses writes or the rule lost its permission`,
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(settings.alarmPeriodMinutes), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) this.deadLetterAlarm.addAlarmAction(new cloudwatchActions.SnsAction(props.alarmTopic));
  }

  /** Lets `grantee` read the stored telemetry (and decrypt it). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.bucket ? this.bucket.grantRead(grantee) : this.table!.grantReadData(grantee);
  }

  private validate(props: TelemetryPipelineProps) {
    const problems: string[] = [];
    props = props ?? ({} as TelemetryPipelineProps);
    const profile = props.riskProfile ?? RiskProfile.INDUSTRIAL;
    if (!(profile instanceof RiskProfile)) problems.push(`riskProfile must be a RiskProfile, got ${describeValue(profile)}`);
    const filter = props.topicFilter;
    if (typeof filter !== 'string' || (!Token.isUnresolved(filter) && !validTopicFilter(filter))) {
      problems.push(`topicFilter must be an MQTT topic filter of 1-256 characters ('+' a whole level, '#' only as the last level, no quotes), got ${describeValue(filter)}`);
    }
    const store = props.store ?? TelemetryStore.S3;
    if (!Object.values(TelemetryStore).includes(store)) {
      problems.push(`store must be one of ${Object.values(TelemetryStore).join(', ')}, got ${describeValue(store)}`);
    }
    const dataClass = props.dataClass ?? DataClass.CONFIDENTIAL;
    if (!Object.values(DataClass).includes(dataClass)) {
      problems.push(`dataClass must be one of ${Object.values(DataClass).join(', ')}, got ${describeValue(dataClass)}`);
    }
    const retentionDays = props.retentionDays ?? TELEMETRY_RETENTION_DAYS[dataClass] ?? 90;
    if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 3650) {
      problems.push(`retentionDays must be an integer from 1 to 3650, got ${describeValue(retentionDays)}`);
    }
    const fields = props.fields;
    if (fields !== undefined) {
      if (!Array.isArray(fields) || fields.length === 0) {
        problems.push(`fields must be a non-empty list of payload field names, got ${describeValue(fields)}`);
      } else {
        for (const f of fields) {
          if (typeof f !== 'string' || !FIELD.test(f)) problems.push(`fields: each must be a field name such as 'temperature' or 'env.humidity', got ${describeValue(f)}`);
        }
      }
    }
    const sample = props.samplePercent ?? 100;
    if (typeof sample !== 'number' || !Number.isFinite(sample) || sample <= 0 || sample > 100) {
      problems.push(`samplePercent must be a number above 0 and up to 100, got ${describeValue(sample)}`);
    }
    if (props.condition !== undefined && (typeof props.condition !== 'string' || props.condition.trim() === '')) {
      problems.push(`condition must be a non-empty IoT SQL condition, got ${describeValue(props.condition)}`);
    }
    if (props.ruleName !== undefined && !Token.isUnresolved(props.ruleName) && !RULE_NAME.test(props.ruleName)) {
      problems.push(`ruleName must be 1-128 letters, digits or underscores, got ${describeValue(props.ruleName)}`);
    }
    if (problems.length > 0) throw new Error(`${this.node.path}: TelemetryPipeline: ${problems.join('; ')}`);

    const projection = [fields ? fields.map((f) => (f.includes('.') ? `${f} AS ${f.replace(/\./g, '_')}` : f)).join(', ') : '*',
      'clientid() AS deviceId', 'timestamp() AS receivedAtMs'];
    if (store === TelemetryStore.DYNAMODB) projection.push(`floor(timestamp() / 1000) + ${retentionDays * 86400} AS expiresAt`);
    const where = [
      ...(sample < 100 ? [`rand() * 100 < ${sample}`] : []),
      ...(props.condition ? [`(${props.condition})`] : []),
    ];
    const sql = `SELECT ${projection.join(', ')} FROM '${filter}'${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`;
    return { store, dataClass, retentionDays, sql, alarmPeriodMinutes: ALARM_PERIOD_MINUTES.get(profile) ?? 1 };
  }
}

function validTopicFilter(filter: string): boolean {
  if (filter.length < 1 || filter.length > 256 || /['"]/.test(filter)) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => (level.includes('#') ? level === '#' && i === levels.length - 1 : !level.includes('+') || level === '+'));
}
