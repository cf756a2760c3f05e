import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asArray, memoizeInPass, resolvedProperties, resolveResource, resourcesInStack } from '../../private/cfn';
import { asBoolean, asEnum, Findings, isObject, possibleAt, possibleValues, Unresolved } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';

const TABLE = 'AWS::DynamoDB::Table';
const GLOBAL_TABLE = 'AWS::DynamoDB::GlobalTable';
const BUCKET = 'AWS::S3::Bucket';
const TOPIC_RULE = 'AWS::IoT::TopicRule';
const DELIVERY_STREAM = 'AWS::KinesisFirehose::DeliveryStream';
const AUTO_DELETE = 'Custom::S3AutoDeleteObjects';

/** Whether `value` names `target`: a `Ref`/`Fn::GetAtt` to it or `${Target}` in an `Fn::Sub`, or its literal name (or ARN). */
function names(node: CfnResource, value: unknown, target: CfnResource, nameProperty: string): boolean {
  const id = target.stack.resolve(target.logicalId) as string;
  const text = JSON.stringify(value ?? null);
  if ([`"Ref":"${id}"`, `"Fn::GetAtt":["${id}"`, `"Fn::GetAtt":"${id}.`, `\${${id}}`, `\${${id}.`].some((r) => text.includes(r))) return true;
  const literal = possibleValues(target, resolvedProperties(target)[nameProperty]).filter((n): n is string => typeof n === 'string');
  return possibleValues(node, value).some((v) => typeof v === 'string' && literal.some((n) => v === n || v.endsWith(`:::${n}`) || v.endsWith(`:table/${n}`)));
}

/** The rule actions of a topic rule: `Actions` and `ErrorAction`, in every form; read once per rule and pass, whichever store asks. */
function ruleActions(rule: CfnResource): readonly { [key: string]: unknown }[] {
  return memoizeInPass('BC1.rule-actions', rule, () => readRuleActions(rule));
}

function readRuleActions(rule: CfnResource): { [key: string]: unknown }[] {
  const payload = possibleAt(rule, resolvedProperties(rule), ['TopicRulePayload']);
  const out: { [key: string]: unknown }[] = [];
  for (const p of payload) {
    if (!isObject(p)) continue;
    for (const list of possibleValues(rule, p.Actions)) {
      for (const a of asArray(list)) for (const v of possibleValues(rule, a)) if (isObject(v)) out.push(v);
    }
    for (const v of possibleValues(rule, p.ErrorAction)) if (isObject(v)) out.push(v);
  }
  return out;
}

/** One rule action that writes to a store: its S3, Firehose, DynamoDB or DynamoDBv2 (`PutItem`) target, as the first object of its forms. */
interface WriteAction {
  readonly rule: CfnResource;
  readonly s3?: { [key: string]: unknown };
  readonly firehose?: { [key: string]: unknown };
  readonly dynamoDb?: { [key: string]: unknown };
  readonly dynamoDbV2?: { [key: string]: unknown };
}

/**
 * The rule actions of the stack's topic rules that write to a store, in the order of the rules and
 * their actions. Every bucket and table of the stack asks: read once per stack and pass.
 */
function writeActions(store: CfnResource): readonly WriteAction[] {
  return memoizeInPass('BC1.write-actions', store.stack, () => resourcesInStack(store, TOPIC_RULE).flatMap((rule) => ruleActions(rule).map((a) => ({
    rule,
    s3: possibleValues(rule, a.S3).find(isObject),
    firehose: possibleValues(rule, a.Firehose).find(isObject),
    dynamoDb: possibleValues(rule, a.DynamoDB).find(isObject),
    dynamoDbV2: possibleAt(rule, a.DynamoDBv2, ['PutItem']).find(isObject),
  }))).filter((w) => w.s3 !== undefined || w.firehose !== undefined || w.dynamoDb !== undefined || w.dynamoDbV2 !== undefined));
}

/** Whether a topic rule of the stack writes device data to `store`, directly or through a Firehose stream. */
function writtenByTopicRule(store: CfnResource): boolean {
  const rules = resourcesInStack(store, TOPIC_RULE);
  if (rules.length === 0) return false;
  if (store.cfnResourceType === BUCKET) {
    const streams = resourcesInStack(store, DELIVERY_STREAM).filter((r) => ['S3DestinationConfiguration', 'ExtendedS3DestinationConfiguration']
      .some((d) => possibleValues(r, resolvedProperties(r)[d]).some((c) => isObject(c) && names(r, c.BucketARN, store, 'BucketName'))));
    return writeActions(store).some(({ rule, s3, firehose }) => (s3 !== undefined && names(rule, s3.BucketName, store, 'BucketName'))
      || (firehose !== undefined && streams.some((s) => names(rule, firehose.DeliveryStreamName, s, 'DeliveryStreamName'))));
  }
  return writeActions(store).some(({ rule, dynamoDb, dynamoDbV2 }) => (dynamoDb !== undefined && names(rule, dynamoDb.TableName, store, 'TableName'))
    || (dynamoDbV2 !== undefined && names(rule, dynamoDbV2.TableName, store, 'TableName')));
}

/** Whether a `DeletionPolicy`/`UpdateReplacePolicy` deletes the resource in some form: absent (the default), `Delete`, or unreadable. */
function deletes(node: CfnResource, policy: unknown): boolean {
  return possibleValues(node, policy).some((p) => p === undefined || p instanceof Unresolved || (typeof p === 'string' && p.toLowerCase() === 'delete'));
}

/**
 * IoTSecurity-BC1: a store a topic rule writes device data to can be recovered.
 *
 * Applies to a DynamoDB table (`AWS::DynamoDB::Table`, `AWS::DynamoDB::GlobalTable`) or an S3
 * bucket that an `AWS::IoT::TopicRule` of the stack writes to (its `Actions` or `ErrorAction`:
 * `DynamoDB`, `DynamoDBv2`, `S3`, or `Firehose` into a delivery stream of the stack whose S3
 * destination is the bucket), named by `Ref`/`Fn::GetAtt`, `Fn::Sub` or its literal name or ARN.
 * A stack without topic rules never meets it. Reasons:
 * - `PointInTimeRecovery`: a table (or a global table replica) without point-in-time recovery in some form;
 * - `Versioning`: a bucket whose `VersioningConfiguration.Status` is not `Enabled`;
 * - `DeletionPolicy::Delete` / `UpdateReplacePolicy::Delete` (CloudFormation's default when absent):
 *   deleting the stack, or replacing the resource, deletes the data. A table with
 *   `DeletionProtectionEnabled` true cannot be deleted, and CloudFormation cannot delete a bucket
 *   that holds objects, so for a bucket these are findings only when a `Custom::S3AutoDeleteObjects`
 *   of the stack (CDK's `autoDeleteObjects`) empties it first.
 * One finding per store with every reason in it (one cause, one finding): `Unrecoverable::` and the
 * reasons joined by `+` (`Unrecoverable::PointInTimeRecovery+DeletionPolicy+UpdateReplacePolicy`),
 * values that cannot be read as `Unresolved:<property>` among them, or `Unresolved::<property>`
 * alone when nothing else is found.
 */
export const IoTDeviceDataStoreRecoverable = defineRule({
  id: 'BC1',
  practice: Practice.BUSINESS_CONTINUITY,
  iotLens: ['IOTSEC10'],
  attackEnterprise: ['T1485', 'T1490'],
  attackIcs: ['T0809'],
  level: NagMessageLevel.WARN,
  info: 'A store that a topic rule writes device data to cannot be recovered: no point-in-time recovery or versioning, or deleted with the stack.',
  explanation:
    'Device telemetry cannot be collected twice: once a table is dropped, an item or object overwritten (a rule writing to a fixed key) ' +
    'or a bucket emptied, by mistake, a faulty deployment or an attacker, the readings of that period are gone. Point-in-time recovery ' +
    'and versioning give a way back; DeletionPolicy Retain keeps a stack deletion or a replacement from taking the data with it.',
  fix: 'Enable PointInTimeRecoverySpecification on the table (every replica) or VersioningConfiguration Enabled on the bucket, and set DeletionPolicy and UpdateReplacePolicy to Retain (CDK: RemovalPolicy.RETAIN), or DeletionProtectionEnabled on the table.',
  resourceTypes: [TABLE, GLOBAL_TABLE, BUCKET],
}, (node: CfnResource): NagRuleResult => {
  if (!writtenByTopicRule(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const props = resolvedProperties(node);
  const findings = new Findings();
  const judgeRecovery = (root: unknown) => {
    for (const v of possibleAt(node, root, ['PointInTimeRecoverySpecification', 'PointInTimeRecoveryEnabled']).map(asBoolean)) {
      if (v instanceof Unresolved) findings.unreadable(v, 'PointInTimeRecoverySpecification');
      else if (v !== true) findings.add('PointInTimeRecovery');
    }
  };
  const deletionProtected = (root: unknown) => possibleAt(node, root, ['DeletionProtectionEnabled']).every((v) => asBoolean(v) === true);
  let protectedFromDeletion: boolean;
  if (node.cfnResourceType === TABLE) {
    judgeRecovery(props);
    protectedFromDeletion = deletionProtected(props);
  } else if (node.cfnResourceType === GLOBAL_TABLE) {
    const replicas = possibleValues(node, props.Replicas).flatMap((list) => {
      if (list instanceof Unresolved) findings.unreadable(list, 'Replicas');
      return Array.isArray(list) ? list : [];
    });
    replicas.forEach(judgeRecovery);
    protectedFromDeletion = replicas.length > 0 && replicas.every(deletionProtected);
  } else {
    for (const status of possibleAt(node, props, ['VersioningConfiguration', 'Status']).map(asEnum)) {
      if (status instanceof Unresolved) findings.unreadable(status, 'VersioningConfiguration');
      else if (status !== 'ENABLED') findings.add('Versioning');
    }
    const id = node.stack.resolve(node.logicalId) as string;
    const emptied = resourcesInStack(node).some((r) => r.cfnResourceType === AUTO_DELETE && JSON.stringify(resolvedProperties(r).BucketName ?? null).includes(`"Ref":"${id}"`));
    protectedFromDeletion = !emptied;
  }
  if (!protectedFromDeletion) {
    const resource = resolveResource(node);
    if (deletes(node, resource.deletionPolicy)) findings.add('DeletionPolicy', 'Delete');
    if (deletes(node, resource.updateReplacePolicy)) findings.add('UpdateReplacePolicy', 'Delete');
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : [oneFinding(findings.toArray())];
});

/** The reasons a store cannot be recovered, in the order a finding lists them. */
const REASONS = ['PointInTimeRecovery', 'Versioning', 'DeletionPolicy::Delete', 'UpdateReplacePolicy::Delete'];

/**
 * Every reason of one store in one finding ID, so the store is acknowledged once with all of them
 * and a new reason makes a new ID: `Unrecoverable::<reason>+<reason>` (definite reasons in the
 * order of `REASONS`, what could not be read after them as `Unresolved:<property>`), or, when
 * nothing but unreadable values stand in the way, `Unresolved::<property>+<property>`.
 */
function oneFinding(found: string[]): string {
  const definite = REASONS.filter((r) => found.includes(r)).map((r) => r.replace('::Delete', ''));
  const unreadable = found.filter((f) => !REASONS.includes(f)).sort();
  if (definite.length > 0) return `Unrecoverable::${[...definite, ...unreadable.map((u) => u.replace('::', ':'))].join('+')}`;
  const kind = unreadable.every((u) => u.startsWith('Invalid::')) ? 'Invalid' : 'Unresolved';
  return `${kind}::${unreadable.map((u) => u.slice(u.indexOf('::') + 2)).join('+')}`;
}
