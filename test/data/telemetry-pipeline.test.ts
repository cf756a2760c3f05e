import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  AssetTags, Criticality, DataCategory, DataClass, DataProtection, IoTTopicRuleErrorAction, RiskProfile, TELEMETRY_RETENTION_DAYS,
  TelemetryPipeline, TelemetryPipelineProps, TelemetryStore,
} from '../../lib';
import { retentionFindingsOf } from '../runtime/retained-data';
import { confusedDeputyFindingsOf } from '../runtime/trust-policy';
import { newValidatedApp, validationFindings } from '../validation';

const stack = () => new Stack(new App(), 'S');
const only = (t: Template, type: string) => Object.values(t.findResources(type))[0];
const ruleOf = (t: Template) => only(t, 'AWS::IoT::TopicRule').Properties.TopicRulePayload;

test('defaults: S3 store, whole payload with device and time, 90 days for confidential data, an SQS error action', () => {
  const s = stack();
  const tp = new TelemetryPipeline(s, 'TP', { topicFilter: 'dt/plant1/+/telemetry' });
  const t = Template.fromStack(s);
  const rule = ruleOf(t);
  expect(rule.Sql).toBe("SELECT *, clientid() AS deviceId, timestamp() AS receivedAtMs FROM 'dt/plant1/+/telemetry'");
  expect(rule.AwsIotSqlVersion).toBe('2016-03-23');
  expect(rule.Actions).toEqual([{ S3: expect.objectContaining({ BucketName: { Ref: expect.stringMatching(/^TPBucket/) }, Key: expect.stringContaining('${clientid()}') }) }]);
  expect(rule.ErrorAction).toEqual({ Sqs: { QueueUrl: { Ref: expect.stringMatching(/^TPDeadLetterQueue/) }, RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^TPRuleRole/), 'Arn'] } } });
  expect(IoTTopicRuleErrorAction(s.node.findChild('TP').node.findChild('Rule').node.defaultChild as never)).toBe('Compliant');
  const bucket = Object.values(t.findResources('AWS::S3::Bucket')).find((b) => b.Properties.LifecycleConfiguration)!;
  expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ ExpirationInDays: 90, NoncurrentVersionExpiration: { NoncurrentDays: 1 } })]);
  expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^TPKey/), 'Arn'] } });
  expect(bucket.DeletionPolicy).toBe('Retain');
  expect(tp.retentionDays).toBe(90);
  expect(tp.bucket).toBeDefined();
  expect(tp.table).toBeUndefined();
});

test('the dead-letter queue is encrypted with the key, keeps messages 14 days, refuses plain HTTP, and an alarm watches it', () => {
  const s = stack();
  const topic = new sns.Topic(s, 'Alarms');
  new TelemetryPipeline(s, 'TP', { topicFilter: 'dt/#', alarmTopic: topic });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TPKey'), 'Arn'] }, MessageRetentionPeriod: 1209600 });
  t.hasResourceProperties('AWS::SQS::QueuePolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
  t.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, Period: 300,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
  });
});

test('the rule role may write only to its store and queue, with the key, and only IoT of this account may assume it', () => {
  const s = stack();
  new TelemetryPipeline(s, 'TP', { topicFilter: 'dt/+' });
  const t = Template.fromStack(s);
  const role = Object.values(t.findResources('AWS::IAM::Role')).find((r) => JSON.stringify(r).includes('iot.amazonaws.com'))!;
  expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iot:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':rule/*']] } },
  });
  const policy = Object.values(t.findResources('AWS::IAM::Policy'))[0];
  const actions = (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((st) => ([] as string[]).concat(st.Action)).sort();
  expect(actions).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey', 's3:PutObject', 'sqs:SendMessage']);
});

test('DynamoDB store: keyed by device and time, TTL at the retention, point-in-time recovery, deletion protection, retained', () => {
  const s = stack();
  const tp = new TelemetryPipeline(s, 'TP', { topicFilter: 'dt/+/telemetry', store: TelemetryStore.DYNAMODB, dataClass: DataClass.RESTRICTED });
  const t = Template.fromStack(s);
  expect(ruleOf(t).Sql).toBe("SELECT *, clientid() AS deviceId, timestamp() AS receivedAtMs, floor(timestamp() / 1000) + 2592000 AS expiresAt FROM 'dt/+/telemetry'");
  expect(ruleOf(t).Actions).toEqual([{ DynamoDBv2: { PutItem: { TableName: { Ref: expect.stringMatching(/^TPTable/) } }, RoleArn: expect.anything() } }]);
  const table = only(t, 'AWS::DynamoDB::Table');
  expect(table.Properties).toEqual(expect.objectContaining({
    KeySchema: [{ AttributeName: 'deviceId', KeyType: 'HASH' }, { AttributeName: 'receivedAtMs', KeyType: 'RANGE' }],
    TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    DeletionProtectionEnabled: true,
    SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^TPKey/), 'Arn'] }, SSEEnabled: true, SSEType: 'KMS' },
  }));
  expect(table.DeletionPolicy).toBe('Retain');
  t.resourceCountIs('AWS::S3::Bucket', 0);
  expect(tp.table).toBeDefined();
  expect(tp.retentionDays).toBe(30);
});

test('projection, sampling and a condition keep only what is used', () => {
  const s = stack();
  const tp = new TelemetryPipeline(s, 'TP', { topicFilter: 'dt/+/telemetry', fields: ['temperature', 'env.humidity'], samplePercent: 10, condition: 'temperature > 40' });
  expect(tp.sql).toBe("SELECT temperature, env.humidity AS env_humidity, clientid() AS deviceId, timestamp() AS receivedAtMs FROM 'dt/+/telemetry' WHERE rand() * 100 < 10 AND (temperature > 40)");
  expect(ruleOf(Template.fromStack(s)).Sql).toBe(tp.sql);
});

test.each(Object.entries(TELEMETRY_RETENTION_DAYS))('retention by data class: %s keeps %d days; retentionDays wins', (dataClass, days) => {
  expect(new TelemetryPipeline(stack(), 'TP', { topicFilter: 't', dataClass: dataClass as DataClass }).retentionDays).toBe(days);
  const s = stack();
  new TelemetryPipeline(s, 'TP', { topicFilter: 't', dataClass: dataClass as DataClass, retentionDays: 400 });
  Template.fromStack(s).hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 400 })] } });
  Template.fromStack(s).hasResourceProperties('AWS::S3::Bucket', { Tags: Match.arrayWith([{ Key: 'data-class', Value: dataClass }]) });
});

test.each([[RiskProfile.CONSUMER, 900], [RiskProfile.INDUSTRIAL, 300], [RiskProfile.CRITICAL_INFRASTRUCTURE, 60]])('%s: the dead-letter alarm period', (riskProfile, period) => {
  const s = stack();
  new TelemetryPipeline(s, 'TP', { topicFilter: 't', riskProfile });
  Template.fromStack(s).hasResourceProperties('AWS::CloudWatch::Alarm', { Period: period });
});

test('DataProtection\'s telemetry key encrypts the store; grantRead lets a consumer read and decrypt', () => {
  const s = stack();
  const dp = new DataProtection(s, 'DP', { iotCoreEncryption: false });
  const tp = new TelemetryPipeline(s, 'TP', { topicFilter: 't', encryptionKey: dp.keyFor(DataCategory.TELEMETRY), ruleName: 'plant_telemetry' });
  const reader = new iam.Role(s, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  tp.grantRead(reader);
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::KMS::Key', 5);
  t.hasResourceProperties('AWS::IoT::TopicRule', { RuleName: 'plant_telemetry' });
  t.hasResourceProperties('AWS::S3::Bucket', { BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('DPTelemetryKey'), 'Arn'] } } })] } });
  const readerPolicy = Object.values(t.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles).includes('Reader'))!;
  const kmsStatement = (readerPolicy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
    .find((st) => ([] as string[]).concat(st.Action).includes('kms:Decrypt'))!;
  expect(kmsStatement.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/DPTelemetryKey/), 'Arn'] });
});

test.each([
  [{ topicFilter: 'a/#/b' }, /topicFilter must be an MQTT topic filter .*got "a\/#\/b"/],
  [{ topicFilter: 'a/b+' }, /topicFilter must be an MQTT topic filter/],
  [{ topicFilter: "a'; DROP" }, /topicFilter must be an MQTT topic filter/],
  [{ topicFilter: '' }, /topicFilter must be an MQTT topic filter/],
  [{ topicFilter: 't', store: 'KINESIS' as TelemetryStore }, /store must be one of S3, DYNAMODB, got "KINESIS"/],
  [{ topicFilter: 't', dataClass: 'secret' as DataClass }, /dataClass must be one of public, internal, confidential, restricted, got "secret"/],
  [{ topicFilter: 't', retentionDays: 0 }, /retentionDays must be an integer from 1 to 3650, got 0/],
  [{ topicFilter: 't', retentionDays: 3651 }, /retentionDays must be an integer from 1 to 3650, got 3651/],
  [{ topicFilter: 't', fields: [] }, /fields must be a non-empty list of payload field names, got \[\]/],
  [{ topicFilter: 't', fields: ['a; b'] }, /fields: each must be a field name such as 'temperature' or 'env.humidity', got "a; b"/],
  [{ topicFilter: 't', samplePercent: 0 }, /samplePercent must be a number above 0 and up to 100, got 0/],
  [{ topicFilter: 't', samplePercent: 101 }, /samplePercent must be a number above 0 and up to 100, got 101/],
  [{ topicFilter: 't', condition: ' ' }, /condition must be a non-empty IoT SQL condition/],
  [{ topicFilter: 't', ruleName: 'my-rule' }, /ruleName must be 1-128 letters, digits or underscores, got "my-rule"/],
  [{ topicFilter: 't', riskProfile: 'x' as unknown as RiskProfile }, /riskProfile must be a RiskProfile, got "x"/],
])('rejects %j', (props, message) => {
  expect(() => new TelemetryPipeline(stack(), 'TP', props as TelemetryPipelineProps)).toThrow(new RegExp(`^S/TP: TelemetryPipeline: .*${message.source}`));
});

test('missing props are an error naming the topic filter, not a TypeError', () => {
  expect(() => new TelemetryPipeline(stack(), 'TP', undefined as never)).toThrow(/^S\/TP: TelemetryPipeline: topicFilter must be an MQTT topic filter .*got undefined/);
});

test.each(RiskProfile.PRESETS.flatMap((p) => Object.values(TelemetryStore).map((store) => [p.name, store, p] as const)))(
  'passes every validator with no unacknowledged finding (%s, %s)', (_, store, riskProfile) => {
    const app = newValidatedApp();
    const s = new Stack(app, 'S');
    AssetTags.apply(s, { criticality: Criticality.HIGH, owner: 'iot-platform' });
    new TelemetryPipeline(s, 'TP', { topicFilter: 'dt/+/telemetry', store, riskProfile });
    expect(validationFindings(app)).toEqual([]);
  });

test.each(Object.values(TelemetryStore))('passes every validator under the reference deployment\'s feature flags (cdk.json) with the %s store', (store) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { context } = require('../../cdk.json');
  const app = newValidatedApp({ context });
  const s = new Stack(app, 'S');
  AssetTags.apply(s, { criticality: Criticality.HIGH, owner: 'iot-platform' });
  new TelemetryPipeline(s, 'TP', { topicFilter: 'dt/+/telemetry', store, fields: ['temperature'], samplePercent: 50 });
  expect(validationFindings(app)).toEqual([]);
});

describe('confused deputy and retention (issue 18, items 6 and 7)', () => {
  test('the dead-letter queue, which holds the telemetry the store refused, is retained with its key', () => {
    for (const store of [TelemetryStore.S3, TelemetryStore.DYNAMODB]) {
      const s = stack();
      new TelemetryPipeline(s, 'TP', { topicFilter: 'dt/+/telemetry', store });
      const t = Template.fromStack(s);
      t.hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(retentionFindingsOf(t.toJSON())).toEqual([]);
    }
  });

  test('the rule role trusts AWS IoT only for this account\'s rules, and only for this rule when it is named', () => {
    const arnOf = (rule: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iot:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:rule/${rule}`]] });
    for (const [ruleName, sourceArn] of [[undefined, arnOf('*')], ['plant1_telemetry', arnOf('plant1_telemetry')]] as const) {
      const s = stack();
      new TelemetryPipeline(s, 'TP', { topicFilter: 'dt/+/telemetry', ruleName });
      const t = Template.fromStack(s);
      t.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({
            Principal: { Service: 'iot.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': sourceArn } },
          })],
        },
      });
      expect(confusedDeputyFindingsOf(t.toJSON())).toEqual([]);
    }
  });
});
