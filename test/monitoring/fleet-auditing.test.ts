import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  AssetTags, AuditDayOfMonth, AuditDayOfWeek, AuditFrequency, Criticality, FleetAuditing,
  IoTAuditChecksEnabled, IotLogLevel, RiskProfile,
} from '../../lib';
import { AUDIT_CHECKS } from '../../lib/core/private/audit-checks';
import { detailOf } from '../../lib/monitoring/handlers/audit-findings-relay';
import { eventMatches } from '../runtime/event-pattern';
import { arnOf, callTarget, principalPolicy, resolveValue, roleOf, TEST_ENV } from '../runtime/iam';
import { CfnTemplate } from '../runtime/synthesized';
import { newValidatedApp, validationFindings } from '../validation';

function stack(app = new App(), id = 'S', env?: { account: string; region: string }) {
  return new Stack(app, id, { env });
}
const only = (t: Template, type: string) => Object.values(t.findResources(type))[0];
/** The IoT log group; the relay function has a log group of its own. */
const iotLogGroup = (t: Template) => Object.values(t.findResources('AWS::Logs::LogGroup')).find((g) => g.Properties.LogGroupName === 'AWSIotLogsV2');

test('all 17 audit checks are on, the certificate age check at 365 days, results to an encrypted topic through a role', () => {
  const s = stack();
  const fa = new FleetAuditing(s, 'FA');
  const t = Template.fromStack(s);
  const config = only(t, 'AWS::IoT::AccountAuditConfiguration');
  const checks = config.Properties.AuditCheckConfigurations;
  expect(Object.keys(checks).sort()).toEqual(AUDIT_CHECKS.map(([key]) => key).sort());
  expect(Object.keys(checks)).toHaveLength(17);
  for (const check of Object.values(checks) as { Enabled: boolean }[]) expect(check.Enabled).toBe(true);
  expect(checks.DeviceCertificateAgeCheck.Configuration).toEqual({ CertAgeThresholdInDays: '365' });
  expect(config.Properties.AuditNotificationTargetConfigurations.Sns).toEqual({
    Enabled: true, TargetArn: { Ref: expect.stringMatching(/NotificationTopic/) }, RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/NotificationRole/), 'Arn'] },
  });
  t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FAKey'), 'Arn'] } });
  expect(fa.notificationTopic).toBeDefined();
  expect(IoTAuditChecksEnabled(s.node.findChild('FA').node.findChild('AuditConfiguration') as never)).toEqual([]);
});

test('the audit role has no AWS managed policy and no wildcard action; only resource-less actions use "*"', () => {
  const s = stack();
  new FleetAuditing(s, 'FA');
  const t = Template.fromStack(s);
  const role = Object.values(t.findResources('AWS::IAM::Role')).find((r) => r.Properties.Policies?.[0]?.PolicyName === 'AuditRead')!;
  expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  const statements = (role.Properties.Policies[0].PolicyDocument.Statement as { Sid: string; Action: string | string[]; Resource: unknown }[])
    .map((st) => ({ ...st, Action: ([] as string[]).concat(st.Action) }));
  for (const st of statements) {
    expect(st.Action.every((a) => !a.includes('*'))).toBe(true);
    expect(st.Action.every((a) => /^(iot|iam|cognito-identity):(Get|List|Describe|Generate)/.test(a))).toBe(true);
  }
  const star = statements.filter((st) => st.Resource === '*').flatMap((st) => st.Action).sort();
  expect(star).toEqual(['iam:GetServiceLastAccessedDetails', 'iot:GetEffectivePolicies', 'iot:GetLoggingOptions', 'iot:GetV2LoggingOptions',
    'iot:ListCACertificates', 'iot:ListCertificates', 'iot:ListPolicies', 'iot:ListRoleAliases']);
  expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
});

test('iotDataKey lets the audit role decrypt IoT Core data under a customer key', () => {
  const s = stack();
  const key = new kms.Key(s, 'IotKey', { enableKeyRotation: true });
  new FleetAuditing(s, 'FA', { iotDataKey: key });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: Match.stringLikeRegexp('AuditRole') }],
    PolicyDocument: { Statement: [{ Action: 'kms:Decrypt', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IotKey'), 'Arn'] } }] },
  });
});

test.each([
  [RiskProfile.CONSUMER, 'WEEKLY', 'MON', 'ERROR'],
  [RiskProfile.INDUSTRIAL, 'DAILY', undefined, 'WARN'],
  [RiskProfile.CRITICAL_INFRASTRUCTURE, 'DAILY', undefined, 'INFO'],
])('%s: scheduled audit of every check at the profile frequency, logging at the profile level', (riskProfile, frequency, day, level) => {
  const s = stack();
  new FleetAuditing(s, 'FA', { riskProfile });
  const t = Template.fromStack(s);
  const audit = only(t, 'AWS::IoT::ScheduledAudit');
  expect(audit.Properties.Frequency).toBe(frequency);
  expect(audit.Properties.DayOfWeek).toBe(day);
  expect(audit.Properties.DayOfMonth).toBeUndefined();
  expect(audit.Properties.TargetCheckNames).toEqual(AUDIT_CHECKS.map(([, name]) => name));
  expect(audit.DependsOn).toEqual([expect.stringMatching(/AuditConfiguration/)]);
  t.hasResourceProperties('AWS::IoT::Logging', { DefaultLogLevel: level, RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('LoggingRole'), 'Arn'] } });
});

test('explicit frequency and days win over the profile', () => {
  const s = stack();
  new FleetAuditing(s, 'FA', { auditFrequency: AuditFrequency.BIWEEKLY, auditDayOfWeek: AuditDayOfWeek.FRIDAY, logLevel: IotLogLevel.DEBUG, deviceCertificateAgeThresholdDays: 90 });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IoT::ScheduledAudit', { Frequency: 'BIWEEKLY', DayOfWeek: 'FRI' });
  t.hasResourceProperties('AWS::IoT::Logging', { DefaultLogLevel: 'DEBUG' });
  t.hasResourceProperties('AWS::IoT::AccountAuditConfiguration', { AuditCheckConfigurations: { DeviceCertificateAgeCheck: { Enabled: true, Configuration: { CertAgeThresholdInDays: '90' } } } });

  const s2 = stack(new App());
  new FleetAuditing(s2, 'FA', { auditFrequency: AuditFrequency.MONTHLY });
  Template.fromStack(s2).hasResourceProperties('AWS::IoT::ScheduledAudit', { Frequency: 'MONTHLY', DayOfMonth: '1', DayOfWeek: Match.absent() });
  const s3 = stack(new App());
  new FleetAuditing(s3, 'FA', { auditFrequency: AuditFrequency.MONTHLY, auditDayOfMonth: AuditDayOfMonth.LAST });
  Template.fromStack(s3).hasResourceProperties('AWS::IoT::ScheduledAudit', { DayOfMonth: 'LAST' });
});

test('IoT logs go to AWSIotLogsV2, created encrypted, with retention, retained; the logging role may write only there', () => {
  const s = stack();
  const fa = new FleetAuditing(s, 'FA', { logRetention: logs.RetentionDays.TWO_YEARS });
  const t = Template.fromStack(s);
  const group = iotLogGroup(t)!;
  expect(group.Properties).toEqual(expect.objectContaining({ LogGroupName: 'AWSIotLogsV2', RetentionInDays: 731, KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^FAKey/), 'Arn'] } }));
  expect(group.DeletionPolicy).toBe('Retain');
  const logging = only(t, 'AWS::IoT::Logging');
  expect(logging.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/IotLogGroup/)]));
  t.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: Match.stringLikeRegexp('LoggingRole') }],
    PolicyDocument: { Statement: [{ Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: Match.arrayWith([Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':log-group:AWSIotLogsV2'])] })]) }] },
  });
  expect(fa.iotLogGroup.logGroupName).toBeDefined();
});

test('adoptExistingLogGroup uses the account\'s AWSIotLogsV2 as it is', () => {
  const s = stack();
  new FleetAuditing(s, 'FA', { adoptExistingLogGroup: true });
  expect(iotLogGroup(Template.fromStack(s))).toBeUndefined();
  Template.fromStack(s).resourceCountIs('AWS::IoT::Logging', 1);
});

test('the investigation thing group logs at DEBUG', () => {
  const s = stack();
  const fa = new FleetAuditing(s, 'FA', { investigationThingGroupName: 'forensics' });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'forensics' });
  t.hasResourceProperties('AWS::IoT::ResourceSpecificLogging', { TargetType: 'THING_GROUP', TargetName: { Ref: Match.stringLikeRegexp('InvestigationThingGroup') }, LogLevel: 'DEBUG' });
  expect(fa.investigationThingGroupName).toBe('forensics');
  const s2 = stack(new App());
  new FleetAuditing(s2, 'FA');
  Template.fromStack(s2).hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'cdk-secure-iot-investigation' });
});

test('iotLogging: false leaves the account logging alone', () => {
  const app = new App();
  const s = stack(app, 'A');
  new FleetAuditing(s, 'FA', { iotLogging: false });
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::IoT::Logging', 0);
  t.resourceCountIs('AWS::IoT::ResourceSpecificLogging', 0);
  expect(iotLogGroup(t)).toBeUndefined();
  t.resourceCountIs('AWS::IoT::ThingGroup', 0);
});

test('audit results reach the relay through retained encrypted queues; the relay puts finding events on the default bus', () => {
  const s = stack();
  const fa = new FleetAuditing(s, 'FA');
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs', RawMessageDelivery: true, Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FARelayQueue'), 'Arn'] } });
  t.hasResourceProperties('AWS::SQS::QueuePolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sqs:SendMessage', Principal: { Service: 'sns.amazonaws.com' }, Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Match.stringLikeRegexp('NotificationTopic') } } } })]) } });
  const queues = t.findResources('AWS::SQS::Queue');
  expect(Object.keys(queues)).toHaveLength(2);
  for (const q of Object.values(queues)) {
    // They hold notifications not yet relayed: deleting the stack must not delete them.
    expect(q.DeletionPolicy).toBe('Retain');
    expect(q.UpdateReplacePolicy).toBe('Retain');
    expect(q.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FAKey/), 'Arn'] });
  }
  const main = Object.values(queues).find((q) => q.Properties.RedrivePolicy)!;
  expect(main.Properties.RedrivePolicy.maxReceiveCount).toBe(5);
  expect(main.Properties.VisibilityTimeout).toBe(5400);
  t.resourceCountIs('AWS::Pipes::Pipe', 0);

  // The relay: an SQS event source reporting partial batch failures, the bus in its environment.
  t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FARelayQueue'), 'Arn'] },
    FunctionName: { Ref: Match.stringLikeRegexp('^FARelay[0-9A-F]{8}$') },
    FunctionResponseTypes: ['ReportBatchItemFailures'],
  });
  const fn = Object.values(t.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.FINDINGS_BUS)!;
  expect(fn.Properties.Environment.Variables.FINDINGS_BUS).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/default']] });
  expect(fn.Properties.Timeout).toBe(900);
  expect(fa.findingsRelay).toBeDefined();
  expect(fa.findingsBus.eventBusName).toBe('default');
  expect(fa.findingsEventPattern).toEqual({ source: ['cdk-secure-iot'], detailType: ['IoT Security Finding'], detail: { findingId: [{ exists: true }] } });
  // A dead letter is noticed.
  t.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FARelayDeadLetterQueue'), 'QueueName'] } }],
    Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  });
});

test('the relay role: ListAuditFindings (no resource type: "*"), PutEvents of finding events on the findings bus only, the queue and the key', () => {
  const s = stack();
  const bus = new events.EventBus(s, 'Findings');
  const fa = new FleetAuditing(s, 'FA', { findingsBus: bus });
  expect(fa.findingsBus).toBe(bus);
  const t = Template.fromStack(s);
  const fnRole = (Object.values(t.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.FINDINGS_BUS)!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
  const policy = Object.values(t.findResources('AWS::IAM::Policy')).find((p) => p.Properties.Roles[0].Ref === fnRole)!;
  const statements = policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Condition?: unknown }[];
  const byAction = (a: string) => statements.filter((st) => ([] as string[]).concat(st.Action).includes(a));
  expect(byAction('iot:ListAuditFindings')).toEqual([expect.objectContaining({ Resource: '*' })]);
  expect(byAction('events:PutEvents')).toEqual([expect.objectContaining({
    Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Findings/), 'Arn'] },
    Condition: { StringEquals: { 'events:source': 'cdk-secure-iot', 'events:detail-type': 'IoT Security Finding' } },
  })]);
  expect(byAction('sqs:ReceiveMessage')).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [expect.stringMatching(/^FARelayQueue/), 'Arn'] } })]);
  expect(byAction('kms:Decrypt').map((st) => st.Resource)).toEqual(expect.arrayContaining([{ 'Fn::GetAtt': [expect.stringMatching(/^FAKey/), 'Arn'] }]));
  // Nothing else: no wildcard action, no other "*" resource.
  expect(statements.flatMap((st) => ([] as string[]).concat(st.Action)).some((a) => a.endsWith('*') && !a.startsWith('kms:'))).toBe(false);
  expect(statements.filter((st) => st.Resource === '*').flatMap((st) => ([] as string[]).concat(st.Action))).toEqual(['iot:ListAuditFindings']);
  const fn = Object.values(t.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.FINDINGS_BUS)!;
  expect(fn.Properties.Environment.Variables.FINDINGS_BUS).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Findings/), 'Arn'] });
});

test('a topic of your own receives the results', () => {
  const s = stack();
  const key = new kms.Key(s, 'TopicKey', { enableKeyRotation: true });
  const topic = new sns.Topic(s, 'Mine', { masterKey: key });
  const fa = new FleetAuditing(s, 'FA', { notificationTopic: topic });
  expect(fa.notificationTopic).toBe(topic);
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::SNS::Topic', 1);
  t.hasResourceProperties('AWS::IoT::AccountAuditConfiguration', { AuditNotificationTargetConfigurations: { Sns: { TargetArn: { Ref: Match.stringLikeRegexp('^Mine') } } } });
  t.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: Match.stringLikeRegexp('NotificationRole') }],
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TopicKey'), 'Arn'] } })]) },
  });
});

test('one audit configuration and one logging setting per account and region', () => {
  const app = new App();
  new FleetAuditing(stack(app, 'A'), 'FA');
  expect(() => new FleetAuditing(stack(app, 'B'), 'FA')).toThrow(/B\/FA: the Device Defender audit configuration of account <any account>, region <any region> may be the one A\/FA/);
  const app2 = new App();
  new FleetAuditing(stack(app2, 'A', { account: '111122223333', region: 'eu-west-1' }), 'FA');
  expect(() => new FleetAuditing(stack(app2, 'B', { account: '111122223333', region: 'us-east-1' }), 'FA')).not.toThrow();
});

test.each([
  [{ auditFrequency: 'HOURLY' as AuditFrequency }, /auditFrequency must be one of DAILY, WEEKLY, BIWEEKLY, MONTHLY, got "HOURLY"/],
  [{ auditDayOfWeek: AuditDayOfWeek.MONDAY }, /auditDayOfWeek is only for WEEKLY and BIWEEKLY audits, got MON with auditFrequency DAILY/],
  [{ auditFrequency: AuditFrequency.WEEKLY, auditDayOfWeek: 'MONDAY' as AuditDayOfWeek }, /auditDayOfWeek must be one of SUN, MON, TUE, WED, THU, FRI, SAT, got "MONDAY"/],
  [{ auditFrequency: AuditFrequency.WEEKLY, auditDayOfMonth: AuditDayOfMonth.of(3) }, /auditDayOfMonth is only for MONTHLY audits, got 3 with auditFrequency WEEKLY/],
  [{ auditFrequency: AuditFrequency.MONTHLY, auditDayOfMonth: 3 as unknown as AuditDayOfMonth }, /auditDayOfMonth must be made with AuditDayOfMonth.of\(1..31\) or AuditDayOfMonth.LAST, got 3/],
  [{ deviceCertificateAgeThresholdDays: 29 }, /deviceCertificateAgeThresholdDays must be an integer from 30 to 3652, got 29/],
  [{ deviceCertificateAgeThresholdDays: 3653 }, /deviceCertificateAgeThresholdDays must be an integer from 30 to 3652, got 3653/],
  [{ logLevel: IotLogLevel.DISABLED }, /logLevel must be one of ERROR, WARN, INFO, DEBUG \(logging cannot be switched off here\), got "DISABLED"/],
  [{ investigationThingGroupName: 'under investigation' }, /investigationThingGroupName must be 1-128 letters, digits, ':', '_' or '-', got "under investigation"/],
  [{ iotLogging: 'no' as unknown as boolean }, /iotLogging must be true or false, got "no"/],
  [{ adoptExistingLogGroup: true, logRetention: logs.RetentionDays.ONE_DAY }, /logRetention cannot be set with adoptExistingLogGroup or iotLogging: false/],
  [{ iotLogging: false, logRetention: logs.RetentionDays.ONE_DAY }, /logRetention cannot be set with adoptExistingLogGroup or iotLogging: false/],
  [{ riskProfile: {} as RiskProfile }, /riskProfile must be a RiskProfile \(RiskProfile.CONSUMER, .*\), got \{\}/],
  [{ findingsBus: 'default' as unknown as events.IEventBus }, /findingsBus must be an events.IEventBus \(an EventBus, or EventBus.fromEventBusArn\), got "default"/],
])('rejects %j', (props, message) => {
  expect(() => new FleetAuditing(stack(), 'FA', props)).toThrow(new RegExp(`^S/FA: (FleetAuditing: )?.*${message.source}`));
});

test('AuditDayOfMonth.of rejects days the service does not accept', () => {
  expect(() => AuditDayOfMonth.of(0)).toThrow(/AuditDayOfMonth.of: day must be an integer from 1 to 31, got 0/);
  expect(() => AuditDayOfMonth.of(32)).toThrow(/got 32/);
  expect(() => AuditDayOfMonth.of(1.5)).toThrow(/got 1.5/);
  expect(AuditDayOfMonth.of(31).value).toBe('31');
});

test('null props are the defaults', () => {
  const s = stack();
  new FleetAuditing(s, 'FA', null as never);
  Template.fromStack(s).hasResourceProperties('AWS::IoT::ScheduledAudit', { Frequency: 'DAILY' });
});

test.each(RiskProfile.PRESETS.map((p) => [p.name, p]))('passes every validator with no unacknowledged finding (%s)', (_, riskProfile) => {
  const app = newValidatedApp();
  const s = new Stack(app, 'S');
  AssetTags.apply(s, { criticality: Criticality.HIGH, owner: 'iot-platform' });
  new FleetAuditing(s, 'FA', { riskProfile });
  expect(validationFindings(app)).toEqual([]);
});

test('passes every validator in a pinned environment too (acknowledgments name the literal account and region)', () => {
  const app = newValidatedApp();
  const s = new Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
  AssetTags.apply(s, { criticality: Criticality.HIGH, owner: 'iot-platform' });
  new FleetAuditing(s, 'FA');
  expect(validationFindings(app)).toEqual([]);
});

test('passes every validator under the reference deployment\'s feature flags (cdk.json), where subscriptions tighten key policies', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { context } = require('../../cdk.json');
  const app = newValidatedApp({ context });
  const s = new Stack(app, 'S');
  AssetTags.apply(s, { criticality: Criticality.HIGH, owner: 'iot-platform' });
  new FleetAuditing(s, 'FA');
  expect(validationFindings(app)).toEqual([]);
});

test('an imported topic: the notification role may publish to it; its key is the owner\'s to open, not the construct\'s key', () => {
  const s = stack();
  const topic = sns.Topic.fromTopicArn(s, 'Imported', 'arn:aws:sns:eu-west-1:111122223333:audit');
  new FleetAuditing(s, 'FA', { notificationTopic: topic });
  const t = Template.fromStack(s);
  const policy = Object.values(t.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles).includes('NotificationRole'))!;
  expect(policy.Properties.PolicyDocument.Statement).toEqual([{ Action: 'sns:Publish', Effect: 'Allow', Resource: 'arn:aws:sns:eu-west-1:111122223333:audit' }]);
});

test('the relay\'s calls are allowed on what they touch, and finding events on another bus or with another source are not', () => {
  const s = stack();
  const bus = new events.EventBus(s, 'Findings');
  new FleetAuditing(s, 'FA', { findingsBus: bus });
  const template = Template.fromStack(s).toJSON() as CfnTemplate;
  const fnId = Object.entries(template.Resources).find(([, r]) => r.Properties?.Environment?.Variables?.FINDINGS_BUS)![0];
  const policy = principalPolicy(template, roleOf(template, fnId));
  const busArn = String(resolveValue(template, template.Resources[fnId].Properties.Environment.Variables.FINDINGS_BUS));
  const finding = { 'events:source': 'cdk-secure-iot', 'events:detail-type': 'IoT Security Finding' };
  const list = callTarget('iot', 'ListAuditFindings', { taskId: 't' });
  for (const arn of list.resources) expect(policy.explain(list.iamAction, arn)).toMatch(/ALLOWED/);
  expect(policy.explain('events:PutEvents', busArn, finding)).toMatch(/ALLOWED/);
  expect(policy.isAllowed('events:PutEvents', busArn, { ...finding, 'events:source': 'aws.iot' })).toBe(false);
  expect(policy.isAllowed('events:PutEvents', `arn:aws:events:${TEST_ENV.region}:${TEST_ENV.account}:event-bus/default`, finding)).toBe(false);
  const queueArn = arnOf(template, Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::SQS::Queue' && r.Properties?.RedrivePolicy)![0]);
  for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) expect(policy.explain(action, queueArn)).toMatch(/ALLOWED/);
  expect(policy.explain('kms:Decrypt', arnOf(template, Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::KMS::Key')![0]))).toMatch(/ALLOWED/);
});

test('findingsEventPattern, as EventBridge reads it, matches every event the relay puts and no other producer\'s', () => {
  const s = stack();
  const fa = new FleetAuditing(s, 'FA');
  new events.Rule(s, 'Mine', { eventPattern: fa.findingsEventPattern });
  const rule = Object.values(Template.fromStack(s).findResources('AWS::Events::Rule'))[0];
  const pattern = rule.Properties.EventPattern;
  for (const [, checkName] of AUDIT_CHECKS) {
    const detail = detailOf({ findingId: 'f1', taskId: 't1', checkName, severity: 'LOW', nonCompliantResource: { resourceType: 'ACCOUNT_SETTINGS', resourceIdentifier: { account: '111122223333' } } }, 't1');
    expect(eventMatches(pattern, { 'source': 'cdk-secure-iot', 'detail-type': 'IoT Security Finding', detail })).toBe(true);
  }
  // A producer that names a finding class but no Device Defender finding is not the relay.
  expect(eventMatches(pattern, { 'source': 'cdk-secure-iot', 'detail-type': 'IoT Security Finding', 'detail': { findingClass: 'UNEXPECTED_DISCONNECTS' } })).toBe(false);
  expect(eventMatches(pattern, { 'source': 'cdk-secure-iot.fleet-auditing', 'detail-type': 'Device Defender Audit Result', 'detail': { findingId: 'f1' } })).toBe(false);
});
