import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asArray, referencedLogicalId, resolvedProperties } from '../../private/cfn';
import { branches, Findings, isObject, possibleAt, possibleValues } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';

const TYPE = 'AWS::IoT::TopicRule';

/**
 * The property (path) that names the destination of each rule action type, in CloudFormation's
 * casing; actions whose destination is several properties are keyed by all of them.
 */
const DESTINATION: { [action: string]: readonly (readonly string[])[] } = {
  CloudwatchAlarm: [['AlarmName']],
  CloudwatchLogs: [['LogGroupName']],
  CloudwatchMetric: [['MetricNamespace'], ['MetricName']],
  DynamoDB: [['TableName']],
  DynamoDBv2: [['PutItem', 'TableName']],
  Elasticsearch: [['Endpoint'], ['Index']],
  Firehose: [['DeliveryStreamName']],
  Http: [['Url']],
  IotAnalytics: [['ChannelName']],
  IotEvents: [['InputName']],
  Kafka: [['DestinationArn'], ['Topic']],
  Kinesis: [['StreamName']],
  Lambda: [['FunctionArn']],
  Location: [['TrackerName']],
  OpenSearch: [['Endpoint'], ['Index']],
  Republish: [['Topic']],
  S3: [['BucketName']],
  Sns: [['TargetArn']],
  Sqs: [['QueueUrl']],
  StepFunctions: [['StateMachineName']],
  Timestream: [['DatabaseName'], ['TableName']],
};

/** One form of a value, as a comparable key: a resource of the stack by logical ID, anything else as written. */
function valueKey(value: unknown): string {
  const id = referencedLogicalId(value);
  return id !== undefined ? `resource:${id}` : JSON.stringify(value ?? null);
}

/** The destinations one rule action can have, as `<Type>=<key>`, in every `Fn::If` form. */
function destinations(rule: CfnResource, action: unknown): string[] {
  const out: string[] = [];
  for (const a of possibleValues(rule, action)) {
    if (!isObject(a)) continue;
    for (const [type, paths] of Object.entries(DESTINATION)) {
      if (a[type] === undefined) continue;
      let keys = [''];
      for (const path of paths) {
        const forms = possibleAt(rule, a[type], []).flatMap((v) => branches(pathValue(v, path)));
        keys = keys.flatMap((k) => forms.map((f) => `${k}|${valueKey(f)}`));
      }
      out.push(...keys.map((k) => `${type}=${k}`));
    }
  }
  return out;
}

function pathValue(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const key of path) v = isObject(v) ? v[key] : undefined;
  return v;
}

/**
 * IoTSecurity-BC2: a topic rule's error action does not write where its actions write.
 *
 * The destination of the `ErrorAction` (the table, bucket, queue, stream, function, log group,
 * topic... each action type names, see `DESTINATION`) is compared with that of every action of
 * `Actions`, in every `Fn::If` form: the same resource of the stack (by `Ref`/`Fn::GetAtt`) or
 * the same value as written is `SameDestination::<action type>`. A rule without error action is
 * IoTSecurity-DAT1's.
 */
export const IoTTopicRuleErrorActionSeparate = defineRule({
  id: 'BC2',
  practice: Practice.BUSINESS_CONTINUITY,
  iotLens: ['IOTSEC10'],
  attackEnterprise: ['T1499', 'T1485'],
  attackIcs: ['T0809', 'T0815'],
  level: NagMessageLevel.WARN,
  info: 'The topic rule\'s error action writes to the same destination as one of its actions.',
  explanation:
    'AWS IoT runs the error action when an action fails: because its destination is throttled, missing, full or denies the rule\'s role. ' +
    'An error action aimed at that same destination fails for the same reason at the same moment, so the messages it should have kept ' +
    'for replay are lost exactly when they are needed.',
  fix: 'Point the error action at a separate, durable destination (an SQS queue, an S3 bucket or a CloudWatch Logs group that no action of the rule writes to), and alarm on it.',
  resourceTypes: [TYPE],
}, (node: CfnResource): NagRuleResult => {
  const findings = new Findings();
  for (const payload of possibleAt(node, resolvedProperties(node), ['TopicRulePayload'])) {
    if (!isObject(payload)) continue;
    const errorDestinations = new Set(destinations(node, payload.ErrorAction));
    if (errorDestinations.size === 0) continue;
    for (const list of possibleValues(node, payload.Actions)) {
      for (const action of asArray(list)) {
        for (const d of destinations(node, action)) {
          if (errorDestinations.has(d)) findings.add('SameDestination', d.split('=')[0]);
        }
      }
    }
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
