import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  AssetTags, Criticality, FLEET_ALARM_THRESHOLDS, FLEET_LOG_METRICS_NAMESPACE, FleetAlarmThresholds, FleetAuditing, FleetMonitoring,
  FindingClass, IncidentResponse, IoTSecurityProfileAlertTargets, RiskProfile,
} from '../../lib';
import { eventMatches } from '../runtime/event-pattern';
import { newValidatedApp, validationFindings } from '../validation';

const stack = () => new Stack(new App(), 'S');
type Resource = { Properties: { [k: string]: any } };
const alarms = (t: Template) => Object.values(t.findResources('AWS::CloudWatch::Alarm')) as Resource[];
const alarmNamed = (t: Template, id: string) => Object.entries(t.findResources('AWS::CloudWatch::Alarm')).find(([k]) => k.startsWith(`FM${id}Alarm`))![1] as Resource;
const metricNames = (a: Resource) => (a.Properties.Metrics ?? []).map((m: any) => m.MetricStat?.Metric.MetricName ?? m.Expression).filter(Boolean);

test('alarms on the IoT Core metrics of attacks and outages, every one notifying an encrypted topic', () => {
  const s = stack();
  const fm = new FleetMonitoring(s, 'FM');
  const t = Template.fromStack(s);
  expect(Object.keys(fm.alarms).sort()).toEqual(['authenticationFailures', 'authorizationFailures', 'connectThrottles', 'connectionAnomaly',
    'jobExecutionFailures', 'messageAnomaly', 'publishErrors', 'ruleActionFailures', 'ruleMessagesThrottled']);
  expect(alarms(t)).toHaveLength(9);
  for (const a of alarms(t)) expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^FMAlarmTopic/) }]);
  t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FMKey'), 'Arn'] } });
  expect(metricNames(alarmNamed(t, 'AuthenticationFailures'))).toEqual(['Connect.AuthNError']);
  expect(metricNames(alarmNamed(t, 'AuthorizationFailures'))).toEqual(expect.arrayContaining(['Connect.AuthZError', 'PublishIn.AuthZError', 'Subscribe.AuthZError']));
  expect(metricNames(alarmNamed(t, 'ConnectThrottles'))).toEqual(expect.arrayContaining(['Connect.Throttle', 'Connect.ClientIDThrottle']));
  expect(metricNames(alarmNamed(t, 'PublishErrors'))).toEqual(expect.arrayContaining(['PublishIn.ClientError', 'PublishIn.ServerError']));
  expect(metricNames(alarmNamed(t, 'RuleActionFailures'))).toEqual(['SELECT SUM(Failure) FROM SCHEMA("AWS/IoT", ActionType, RuleName)']);
  expect(metricNames(alarmNamed(t, 'RuleMessagesThrottled'))).toEqual(['SELECT SUM(RuleMessageThrottled) FROM SCHEMA("AWS/IoT", RuleName)']);
  expect(metricNames(alarmNamed(t, 'JobExecutionFailures'))).toEqual(['SELECT SUM(FailedJobExecutionCount) FROM SCHEMA("AWS/IoT", JobId)']);
  const authN = alarmNamed(t, 'AuthenticationFailures').Properties;
  expect(authN.Metrics[0].MetricStat).toEqual({ Metric: { Namespace: 'AWS/IoT', MetricName: 'Connect.AuthNError', Dimensions: [{ Name: 'Protocol', Value: 'MQTT' }] }, Period: 300, Stat: 'Sum' });
});

test.each(RiskProfile.PRESETS.map((p) => [p.name, p]))('%s: thresholds from the profile table', (name, riskProfile) => {
  const s = stack();
  const fm = new FleetMonitoring(s, 'FM', { riskProfile });
  const t = Template.fromStack(s);
  const expected = FLEET_ALARM_THRESHOLDS[name];
  expect(fm.thresholds).toEqual(expected);
  expect(alarmNamed(t, 'AuthenticationFailures').Properties.Threshold).toBe(expected.authenticationFailures);
  expect(alarmNamed(t, 'AuthorizationFailures').Properties.Threshold).toBe(expected.authorizationFailures);
  expect(alarmNamed(t, 'ConnectThrottles').Properties.Threshold).toBe(expected.connectThrottles);
  expect(alarmNamed(t, 'PublishErrors').Properties.Threshold).toBe(expected.publishErrors);
  expect(alarmNamed(t, 'RuleActionFailures').Properties.Threshold).toBe(expected.ruleErrors);
  expect(alarmNamed(t, 'RuleMessagesThrottled').Properties.Threshold).toBe(expected.ruleErrors);
  expect(alarmNamed(t, 'JobExecutionFailures').Properties.Threshold).toBe(expected.jobExecutionFailures);
  expect(alarmNamed(t, 'ConnectionAnomaly').Properties.Metrics[0].Expression).toBe(`ANOMALY_DETECTION_BAND(m0, ${{ CONSUMER: 4, INDUSTRIAL: 3, CRITICAL_INFRASTRUCTURE: 2 }[name]})`);
});

test('the profile table is strictest for critical infrastructure', () => {
  for (const key of Object.keys(FLEET_ALARM_THRESHOLDS.CONSUMER) as (keyof FleetAlarmThresholds)[]) {
    expect(FLEET_ALARM_THRESHOLDS.CRITICAL_INFRASTRUCTURE[key]).toBeLessThanOrEqual(FLEET_ALARM_THRESHOLDS.INDUSTRIAL[key]!);
    expect(FLEET_ALARM_THRESHOLDS.INDUSTRIAL[key]).toBeLessThanOrEqual(FLEET_ALARM_THRESHOLDS.CONSUMER[key]!);
  }
});

test('explicit thresholds win; custom profiles start from the strictest table', () => {
  const s = stack();
  new FleetMonitoring(s, 'FM', { thresholds: { authenticationFailures: 7 } });
  expect(alarmNamed(Template.fromStack(s), 'AuthenticationFailures').Properties.Threshold).toBe(7);
  expect(alarmNamed(Template.fromStack(s), 'AuthorizationFailures').Properties.Threshold).toBe(20);
  const custom = RiskProfile.custom({ name: 'pumps', base: RiskProfile.CONSUMER });
  expect(new FleetMonitoring(stack(), 'FM', { riskProfile: custom }).thresholds).toEqual(FLEET_ALARM_THRESHOLDS.CRITICAL_INFRASTRUCTURE);
});

test('anomaly alarms: connection attempts (silence is normal) and inbound messages (silence is an outage)', () => {
  const s = stack();
  new FleetMonitoring(s, 'FM');
  const t = Template.fromStack(s);
  const conn = alarmNamed(t, 'ConnectionAnomaly').Properties;
  expect(conn).toEqual(expect.objectContaining({ ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold', EvaluationPeriods: 3, DatapointsToAlarm: 3, TreatMissingData: 'notBreaching', ThresholdMetricId: 'expr_1' }));
  expect(metricNames(alarmNamed(t, 'ConnectionAnomaly'))).toContain('Connect.Success');
  expect(alarmNamed(t, 'MessageAnomaly').Properties.TreatMissingData).toBe('breaching');
  expect(metricNames(alarmNamed(t, 'MessageAnomaly'))).toContain('PublishIn.Success');
});

test('metric filters over the IoT v2 logs: connection and authorization failures by client, unexpected disconnects', () => {
  const s = stack();
  new FleetMonitoring(s, 'FM');
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::Logs::MetricFilter', 3);
  t.allResourcesProperties('AWS::Logs::MetricFilter', { LogGroupName: 'AWSIotLogsV2' });
  t.hasResourceProperties('AWS::Logs::MetricFilter', {
    FilterPattern: '{ ($.eventType = "Connect") && ($.status = "Failure") }',
    MetricTransformations: [{ MetricName: 'ConnectFailures', MetricNamespace: FLEET_LOG_METRICS_NAMESPACE, MetricValue: '1', Unit: 'Count', Dimensions: [{ Key: 'clientId', Value: '$.clientId' }] }],
  });
  t.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '{ $.reason = "AUTHORIZATION_FAILURE" }', MetricTransformations: [Match.objectLike({ MetricName: 'AuthorizationFailures', Dimensions: [{ Key: 'clientId', Value: '$.clientId' }] })] });
  t.hasResourceProperties('AWS::Logs::MetricFilter', {
    FilterPattern: '{ ($.eventType = "Disconnect") && ($.disconnectReason != "CLIENT_INITIATED_DISCONNECT") }',
    MetricTransformations: [Match.objectLike({ MetricName: 'UnexpectedDisconnects', Dimensions: Match.absent() })],
  });
});

test('the metric filters read the log group FleetAuditing creates', () => {
  const s = stack();
  const auditing = new FleetAuditing(s, 'FA');
  new FleetMonitoring(s, 'FM', { iotLogGroup: auditing.iotLogGroup });
  Template.fromStack(s).allResourcesProperties('AWS::Logs::MetricFilter', { LogGroupName: { Ref: Match.stringLikeRegexp('^FAIotLogGroup') } });
});

test('CloudTrail may write to the trail bucket only for this trail (aws:SourceArn), not for any account\'s trail naming the bucket', () => {
  const s = stack();
  new FleetMonitoring(s, 'FM');
  const t = Template.fromStack(s);
  const trail = Object.values(t.findResources('AWS::CloudTrail::Trail'))[0];
  const name = trail.Properties.TrailName;
  expect(typeof name).toBe('string');
  const trailArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:trail/${name}`]] };
  const statements = Object.values(t.findResources('AWS::S3::BucketPolicy'))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .filter((st: any) => st.Principal?.Service === 'cloudtrail.amazonaws.com');
  expect(statements.map((st: any) => st.Action).sort()).toEqual(['s3:GetBucketAcl', 's3:PutObject']);
  for (const st of statements) expect(st.Condition.StringEquals['aws:SourceArn']).toEqual(trailArn);
  // The write keeps CDK's own condition too.
  expect(statements.find((st: any) => st.Action === 's3:PutObject').Condition.StringEquals['s3:x-amz-acl']).toBe('bucket-owner-full-control');
});

test('a multi-region trail with log file validation, encrypted with the key, into a retained versioned bucket; off on request', () => {
  const s = stack();
  const fm = new FleetMonitoring(s, 'FM');
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::CloudTrail::Trail', {
    EnableLogFileValidation: true, IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true,
    KMSKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FMKey'), 'Arn'] },
  });
  t.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ VersioningConfiguration: { Status: 'Enabled' }, LoggingConfiguration: Match.anyValue() }) });
  const key = Object.values(t.findResources('AWS::KMS::Key'))[0];
  const trailStatement = key.Properties.KeyPolicy.Statement.find((st: any) => st.Sid === 'AllowCloudTrailOfThisAccountToEncrypt');
  expect(trailStatement).toEqual(expect.objectContaining({ Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:GenerateDataKey*' }));
  expect(trailStatement.Condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
  expect(fm.trail).toBeDefined();

  const s2 = stack();
  expect(new FleetMonitoring(s2, 'FM', { createTrail: false }).trail).toBeUndefined();
  Template.fromStack(s2).resourceCountIs('AWS::CloudTrail::Trail', 0);
  Template.fromStack(s2).resourceCountIs('AWS::S3::Bucket', 0);
});

test('a dashboard of fleet health and security signals', () => {
  const s = stack();
  new FleetMonitoring(s, 'FM', { dashboardName: 'iot-fleet' });
  const t = Template.fromStack(s);
  const body = JSON.stringify(Object.values(t.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
  for (const text of ['Connect.AuthNError', 'PublishIn.Success', 'UnexpectedDisconnects', 'ConnectFailures', 'alarm']) expect(body).toContain(text);
  t.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'iot-fleet' });
});

test('no Detect security profile unless asked; when asked, rules and ML with an alert target', () => {
  const s = stack();
  new FleetMonitoring(s, 'FM');
  Template.fromStack(s).resourceCountIs('AWS::IoT::SecurityProfile', 0);

  const s2 = stack();
  const fm = new FleetMonitoring(s2, 'FM', { detectSecurityProfile: true });
  const profile = Object.values(Template.fromStack(s2).findResources('AWS::IoT::SecurityProfile'))[0];
  expect(profile.Properties.AlertTargets.SNS).toEqual({ AlertTargetArn: { Ref: expect.stringMatching(/^FMAlarmTopic/) }, RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/DetectAlertRole/), 'Arn'] } });
  const behaviors = profile.Properties.Behaviors as { Metric: string; Criteria: { MlDetectionConfig?: unknown } }[];
  expect(behaviors.map((b) => b.Metric)).toEqual(['aws:num-authorization-failures', 'aws:num-connection-attempts', 'aws:message-byte-size', 'aws:num-messages-sent', 'aws:num-disconnects']);
  expect(behaviors.filter((b) => b.Criteria.MlDetectionConfig)).toHaveLength(2);
  expect(IoTSecurityProfileAlertTargets(fm.securityProfile!)).toEqual([]);
});

test('a topic of your own receives the alarms', () => {
  const s = stack();
  const topic = new sns.Topic(s, 'Pager');
  const fm = new FleetMonitoring(s, 'FM', { alarmTopic: topic, createTrail: false });
  expect(fm.alarmTopic).toBe(topic);
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::SNS::Topic', 1);
  for (const a of alarms(t)) expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Pager/) }]);
});

test.each([
  [{ thresholds: { authenticationFailures: 0 } }, /thresholds.authenticationFailures must be a whole number of events from 1 to 1000000, got 0/],
  [{ thresholds: { ruleErrors: 2.5 } }, /thresholds.ruleErrors must be a whole number of events from 1 to 1000000, got 2.5/],
  [{ thresholds: { jobExecutionFailures: -1 } }, /thresholds.jobExecutionFailures must be a whole number of events from 1 to 1000000, got -1/],
  [{ thresholds: { connectionFailures: 3 } as FleetAlarmThresholds }, /thresholds: connectionFailures is not a threshold; the thresholds are authenticationFailures, authorizationFailures/],
  [{ createTrail: 'no' as unknown as boolean }, /createTrail must be true or false, got "no"/],
  [{ detectSecurityProfile: 1 as unknown as boolean }, /detectSecurityProfile must be true or false, got 1/],
  [{ dashboardName: 'iot fleet' }, /dashboardName must be 1-255 letters, digits, '_' or '-', got "iot fleet"/],
  [{ riskProfile: 'INDUSTRIAL' as unknown as RiskProfile }, /riskProfile must be a RiskProfile \(RiskProfile.CONSUMER, .*\), got "INDUSTRIAL"/],
])('rejects %j', (props, message) => {
  expect(() => new FleetMonitoring(stack(), 'FM', props)).toThrow(new RegExp(`^S/FM: (FleetMonitoring: )?.*${message.source}`));
});

test('null props are the defaults', () => {
  const s = stack();
  new FleetMonitoring(s, 'FM', null as never);
  expect(alarms(Template.fromStack(s))).toHaveLength(9);
});

test.each(RiskProfile.PRESETS.map((p) => [p.name, p]))('passes every validator with no unacknowledged finding (%s), Detect on', (_, riskProfile) => {
  const app = newValidatedApp();
  const s = new Stack(app, 'S');
  AssetTags.apply(s, { criticality: Criticality.HIGH, owner: 'iot-platform' });
  const auditing = new FleetAuditing(s, 'FA', { riskProfile, logRetention: logs.RetentionDays.ONE_YEAR });
  new FleetMonitoring(s, 'FM', { riskProfile, iotLogGroup: auditing.iotLogGroup, detectSecurityProfile: true });
  expect(validationFindings(app)).toEqual([]);
});

test('CloudWatch of this account may use the key of the alarm topic the construct creates, and of no topic it is given', () => {
  const s = stack();
  new FleetMonitoring(s, 'FM', { createTrail: false });
  const key = Object.values(Template.fromStack(s).findResources('AWS::KMS::Key'))[0];
  expect(key.Properties.KeyPolicy.Statement).toEqual(expect.arrayContaining([expect.objectContaining({
    Sid: 'AllowCloudWatchAlarmsOfThisAccount', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
  })]));
  const s2 = stack();
  new FleetMonitoring(s2, 'FM', { createTrail: false, alarmTopic: new sns.Topic(s2, 'Pager') });
  expect(JSON.stringify(Template.fromStack(s2).toJSON())).not.toContain('cloudwatch.amazonaws.com');
});

test('device availability: a fleet metric of disconnected devices from fleet indexing, and an alarm on it', () => {
  const s = stack();
  const fm = new FleetMonitoring(s, 'FM', { disconnectedDevicesThreshold: 25, createTrail: false });
  const t = Template.fromStack(s);
  const metric = Object.values(t.findResources('AWS::IoT::FleetMetric'))[0];
  expect(metric.Properties).toEqual(expect.objectContaining({
    IndexName: 'AWS_Things', QueryString: 'connectivity.connected:false', AggregationField: 'registry.version',
    AggregationType: { Name: 'Statistics', Values: ['count'] }, Period: 300, MetricName: expect.stringMatching(/^[a-zA-Z0-9_.-]+-disconnected-devices$/),
  }));
  const alarm = alarmNamed(t, 'DisconnectedDevices').Properties;
  expect(alarm.Threshold).toBe(25);
  expect(alarm.Metrics[0].MetricStat).toEqual({
    Metric: { Namespace: 'IoTFleetMetrics', MetricName: metric.Properties.MetricName, Dimensions: [{ Name: 'AggregationType', Value: 'count' }] }, Period: 300, Stat: 'Maximum',
  });
  expect(fm.alarms.disconnectedDevices).toBeDefined();
  const withoutAvailability = stack();
  new FleetMonitoring(withoutAvailability, 'FM', { createTrail: false });
  Template.fromStack(withoutAvailability).resourceCountIs('AWS::IoT::FleetMetric', 0);
  expect(() => new FleetMonitoring(stack(), 'FM', { disconnectedDevicesThreshold: 0 }))
    .toThrow(/^S\/FM: FleetMonitoring: disconnectedDevicesThreshold must be a whole number of devices from 1 to 1000000, got 0/);
});

test('device availability passes every validator', () => {
  const app = newValidatedApp();
  const s = new Stack(app, 'S');
  AssetTags.apply(s, { criticality: Criticality.HIGH, owner: 'iot-platform' });
  new FleetMonitoring(s, 'FM', { disconnectedDevicesThreshold: 10, createTrail: false });
  expect(validationFindings(app)).toEqual([]);
});

describe('alarms named for the playbooks they start (IncidentResponse.alarmNamePrefix)', () => {
  const named = (t: Template) => Object.fromEntries(Object.entries(t.findResources('AWS::CloudWatch::Alarm'))
    .filter(([, a]) => a.Properties.AlarmName !== undefined).map(([id, a]) => [id.replace(/[0-9A-F]{8}$/, ''), a.Properties.AlarmName as string]));
  const build = (app = new App(), stackName = 'S', id = 'FM') => {
    const s = new Stack(app, stackName);
    new FleetMonitoring(s, id, { disconnectedDevicesThreshold: 10, createTrail: false });
    return Template.fromStack(s);
  };

  test('the authentication and authorization failure alarms start AUTHENTICATION_FAILURE_SPIKE, the disconnected-devices alarm UNEXPECTED_DISCONNECTS; no other alarm is named for a playbook', () => {
    const names = named(build());
    const auth = IncidentResponse.alarmNamePrefix(FindingClass.AUTHENTICATION_FAILURE_SPIKE);
    const disconnects = IncidentResponse.alarmNamePrefix(FindingClass.UNEXPECTED_DISCONNECTS);
    expect(Object.keys(names).sort()).toEqual(['FMAuthenticationFailuresAlarm', 'FMAuthorizationFailuresAlarm', 'FMDisconnectedDevicesAlarm']);
    expect(names.FMAuthenticationFailuresAlarm.startsWith(auth)).toBe(true);
    expect(names.FMAuthorizationFailuresAlarm.startsWith(auth)).toBe(true);
    expect(names.FMDisconnectedDevicesAlarm.startsWith(disconnects)).toBe(true);
    // Each matches its playbook's rule, as EventBridge matches an alarm state change.
    for (const [findingClass, name] of [[FindingClass.AUTHENTICATION_FAILURE_SPIKE, names.FMAuthenticationFailuresAlarm], [FindingClass.UNEXPECTED_DISCONNECTS, names.FMDisconnectedDevicesAlarm]] as const) {
      const pattern = { 'source': ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], 'detail': { alarmName: [{ prefix: IncidentResponse.alarmNamePrefix(findingClass) }], state: { value: ['ALARM'] } } };
      expect(eventMatches(pattern, { 'source': 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', 'detail': { alarmName: name, state: { value: 'ALARM' } } })).toBe(true);
    }
  });

  test('the names are deterministic, unique across stacks and constructs, and within 255 characters on a long path', () => {
    const a = named(build());
    expect(named(build())).toEqual(a);
    const app = new App();
    const other = named(build(app, 'Other'));
    expect(Object.values(other).filter((n) => Object.values(a).includes(n))).toEqual([]);
    expect(new Set(Object.values(a)).size).toBe(3);
    const long = named(build(new App(), 'S'.repeat(120), 'F'.repeat(200)));
    for (const name of Object.values(long)) {
      expect(name.length).toBeLessThanOrEqual(255);
      expect(name).toMatch(/^cdk-secure-iot-(authentication-failure-spike|unexpected-disconnects)-.*-(AuthenticationFailures|AuthorizationFailures|DisconnectedDevices)$/);
    }
    expect(new Set(Object.values(long)).size).toBe(3);
  });
});
