import * as iotAlpha from '@aws-cdk/aws-iot-alpha';
import { CfnParameter, Stack } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IotSecurityChecks } from '../../../lib/checks/iot-security-checks';
import {
  ALL_RULES, IoTAuditChecksEnabled, IoTAuditNotificationTarget, IoTLoggingEnabled, IoTResourceLoggingEnabled,
  IoTScheduledAuditFrequency, IoTSecurityProfileAlertTargets,
} from '../../../lib/checks/rules';
import { AUDIT_CHECKS } from '../../../lib/core/private/audit-checks';
import { check, checkType, includeTemplate, newStack } from '../rule-test-helpers';

const LOGGING = 'AWS::IoT::Logging';
const RESOURCE_LOGGING = 'AWS::IoT::ResourceSpecificLogging';
const AUDIT = 'AWS::IoT::AccountAuditConfiguration';
const PROFILE = 'AWS::IoT::SecurityProfile';
const SCHEDULED = 'AWS::IoT::ScheduledAudit';
const ROLE = 'arn:aws:iam::123456789012:role/iot';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';

const ALL_CHECK_NAMES = AUDIT_CHECKS.map(([, name]) => name);

/** Every audit check enabled, keyed as CloudFormation writes them. */
function allChecks(enabled: unknown = true): { [key: string]: { Enabled: unknown } } {
  return Object.fromEntries(AUDIT_CHECKS.map(([key]) => [key, { Enabled: enabled }]));
}

function includeResources(stack: Stack, resources: object, extra: object = {}): void {
  includeTemplate(stack, { ...extra, Resources: resources });
}

function auditConfiguration(stack: Stack, props: Partial<iot.CfnAccountAuditConfigurationProps> = {}): iot.CfnAccountAuditConfiguration {
  return new iot.CfnAccountAuditConfiguration(stack, 'Audit', {
    accountId: '123456789012',
    roleArn: ROLE,
    auditCheckConfigurations: {},
    ...props,
  });
}

describe('IoTLoggingEnabled (MON1)', () => {
  const rule = IoTLoggingEnabled;

  test('Noncompliance 1: the alpha Logging L2 with LogLevel.DISABLED', () => {
    const stack = newStack();
    new iotAlpha.Logging(stack, 'Logging', { logLevel: iotAlpha.LogLevel.DISABLED });
    expect(checkType(rule, stack, LOGGING)).toEqual(['Disabled::DefaultLogLevel']);
  });

  test('Noncompliance 2: an event type switched off in an included template, in lower case', () => {
    const stack = newStack();
    includeResources(stack, {
      Logging: {
        Type: LOGGING,
        Properties: {
          AccountId: '123456789012', RoleArn: ROLE, DefaultLogLevel: 'ERROR',
          EventConfigurations: [{ EventType: 'Connect', LogLevel: 'disabled' }, { EventType: 'Publish-In', LogLevel: 'INFO' }],
        },
      },
    });
    expect(checkType(rule, stack, LOGGING)).toEqual(['Disabled::EventConfigurations.Connect']);
  });

  test('Noncompliance 3: an override switches off logging set up by the L2', () => {
    const stack = newStack();
    new iotAlpha.Logging(stack, 'Logging', { logLevel: iotAlpha.LogLevel.INFO });
    const logging = stack.node.findAll().find((c): c is iot.CfnLogging => c instanceof iot.CfnLogging)!;
    logging.addPropertyOverride('DefaultLogLevel', 'DISABLED');
    expect(check(rule, logging)).toEqual(['Disabled::DefaultLogLevel']);
  });

  test('Noncompliance 4: levels known only at deploy time', () => {
    const stack = newStack();
    const level = new CfnParameter(stack, 'Level');
    const logging = new iot.CfnLogging(stack, 'Logging', {
      accountId: stack.account, roleArn: ROLE, defaultLogLevel: level.valueAsString,
      eventConfigurations: [{ eventType: 'Connect', logLevel: level.valueAsString }],
    });
    expect(check(rule, logging)).toEqual(['Unresolved::DefaultLogLevel', 'Unresolved::EventConfigurations.Connect.LogLevel']);
  });

  test('Noncompliance 5: DISABLED in one branch of a condition, and among the allowed values of a parameter', () => {
    const stack = newStack();
    const level = new CfnParameter(stack, 'Level', { allowedValues: ['INFO', 'DISABLED'] });
    const logging = new iot.CfnLogging(stack, 'Logging', {
      accountId: stack.account, roleArn: ROLE, defaultLogLevel: 'ERROR',
      eventConfigurations: [{ eventType: 'Connect', logLevel: level.valueAsString }],
    });
    expect(check(rule, logging)).toEqual(['Disabled::EventConfigurations.Connect']);
    logging.addPropertyOverride('DefaultLogLevel', { 'Fn::If': ['Quiet', 'DISABLED', 'ERROR'] });
    expect(check(rule, logging)).toEqual(['Disabled::DefaultLogLevel', 'Disabled::EventConfigurations.Connect']);
  });

  test('Compliance: the alpha L2 default (ERROR), and a level per event type', () => {
    const stack = newStack();
    new iotAlpha.Logging(stack, 'Logging');
    expect(checkType(rule, stack, LOGGING)).toEqual([]);
    const other = newStack();
    new iot.CfnLogging(other, 'Logging', {
      accountId: '123456789012', roleArn: ROLE, defaultLogLevel: 'WARN',
      eventConfigurations: [{ eventType: 'Connect', logLevel: 'INFO' }, { eventType: 'Publish-Out' }],
    });
    expect(checkType(rule, other, LOGGING)).toEqual([]);

    const byCondition = newStack();
    const logging = new iot.CfnLogging(byCondition, 'Logging', { accountId: '123456789012', roleArn: ROLE, defaultLogLevel: 'WARN' });
    logging.addPropertyOverride('DefaultLogLevel', { 'Fn::If': ['Verbose', 'DEBUG', 'ERROR'] });
    expect(check(rule, logging)).toEqual([]);
  });
});

describe('IoTAuditChecksEnabled (MON2)', () => {
  const rule = IoTAuditChecksEnabled;

  test('Noncompliance 1: the alpha L2 with two checks turned off', () => {
    const stack = newStack();
    new iotAlpha.AccountAuditConfiguration(stack, 'Audit', {
      checkConfiguration: { loggingDisabledCheck: false, deviceCertificateAgeCheck: false },
    });
    expect(checkType(rule, stack, AUDIT)).toEqual(['Disabled::DEVICE_CERTIFICATE_AGE_CHECK', 'Disabled::LOGGING_DISABLED_CHECK']);
  });

  test('Noncompliance 2: an L1 that enables only the older checks leaves out the newest ones', () => {
    const stack = newStack();
    const configs = allChecks();
    delete configs.DeviceCertificateAgeCheck;
    delete configs.IoTPolicyPotentialMisConfigurationCheck;
    delete configs.IntermediateCaRevokedForActiveDeviceCertificatesCheck;
    auditConfiguration(stack, { auditCheckConfigurations: {} }).addPropertyOverride('AuditCheckConfigurations', configs);
    expect(checkType(rule, stack, AUDIT)).toEqual([
      'Disabled::DEVICE_CERTIFICATE_AGE_CHECK',
      'Disabled::INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK',
      'Disabled::IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK',
    ]);
  });

  test('Noncompliance 3: an empty map, and checks with Enabled "false" or no Enabled at all, in an included template', () => {
    // CfnInclude accepts only lower-case "true" and "false"; other spellings are covered by overrides.
    const stack = newStack();
    auditConfiguration(stack);
    expect(checkType(rule, stack, AUDIT)).toEqual(ALL_CHECK_NAMES.map((n) => `Disabled::${n}`).sort());

    const included = newStack();
    includeResources(included, {
      Audit: {
        Type: AUDIT,
        Properties: {
          AccountId: { 'Fn::Sub': '${AWS::AccountId}' }, RoleArn: ROLE,
          AuditCheckConfigurations: { ...allChecks('true'), LoggingDisabledCheck: { Enabled: 'false' }, ConflictingClientIdsCheck: {} },
        },
      },
    });
    expect(checkType(rule, included, AUDIT)).toEqual(['Disabled::CONFLICTING_CLIENT_IDS_CHECK', 'Disabled::LOGGING_DISABLED_CHECK']);

    const overridden = newStack();
    auditConfiguration(overridden).addPropertyOverride('AuditCheckConfigurations', { ...allChecks(), DeviceCertificateSharedCheck: { Enabled: 'False' } });
    expect(checkType(rule, overridden, AUDIT)).toEqual(['Disabled::DEVICE_CERTIFICATE_SHARED_CHECK']);
  });

  test('Noncompliance 4: flags and the whole map known only at deploy time', () => {
    const stack = newStack();
    const enabled = new CfnParameter(stack, 'Enabled');
    const audit = auditConfiguration(stack, {
      auditCheckConfigurations: { ...lowerCase(allChecks()), loggingDisabledCheck: { enabled: enabled.valueAsString as unknown as boolean } },
    });
    expect(check(rule, audit)).toEqual(['Unresolved::LOGGING_DISABLED_CHECK']);
    audit.addPropertyOverride('AuditCheckConfigurations', { 'Fn::ImportValue': 'audit-checks' });
    expect(check(rule, audit)).toEqual(['Unresolved::AuditCheckConfigurations']);
  });

  test('Noncompliance 5: every check disabled in one branch of a condition; a flag whose parameter allows "false"', () => {
    const stack = newStack();
    const audit = auditConfiguration(stack);
    audit.addPropertyOverride('AuditCheckConfigurations', { 'Fn::If': ['Prod', allChecks(), allChecks(false)] });
    expect(check(rule, audit)).toEqual(ALL_CHECK_NAMES.map((n) => `Disabled::${n}`).sort());

    const enabled = new CfnParameter(stack, 'Enabled', { allowedValues: ['true', 'false'] });
    audit.addPropertyOverride('AuditCheckConfigurations', { ...allChecks(), LoggingDisabledCheck: { Enabled: enabled.valueAsString } });
    expect(check(rule, audit)).toEqual(['Disabled::LOGGING_DISABLED_CHECK']);
  });

  test('Compliance: the alpha AccountAuditConfiguration default enables all 17 checks', () => {
    const stack = newStack();
    new iotAlpha.AccountAuditConfiguration(stack, 'Audit');
    expect(checkType(rule, stack, AUDIT)).toEqual([]);
    expect(AUDIT_CHECKS).toHaveLength(17);
    const other = newStack();
    auditConfiguration(other).addPropertyOverride('AuditCheckConfigurations', allChecks('TRUE'));
    expect(checkType(rule, other, AUDIT)).toEqual([]);

    const byCondition = newStack();
    auditConfiguration(byCondition).addPropertyOverride('AuditCheckConfigurations', { 'Fn::If': ['Prod', allChecks(), allChecks('true')] });
    expect(checkType(rule, byCondition, AUDIT)).toEqual([]);
  });
});

/** The typed L1 takes camelCase keys; the rule reads them rendered back to CloudFormation's. */
function lowerCase(configs: { [key: string]: { Enabled: unknown } }): iot.CfnAccountAuditConfiguration.AuditCheckConfigurationsProperty {
  return Object.fromEntries(Object.entries(configs).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), { enabled: v.Enabled as boolean }]));
}

describe('IoTAuditNotificationTarget (MON3)', () => {
  const rule = IoTAuditNotificationTarget;

  test('Noncompliance 1: the alpha AccountAuditConfiguration default sends notifications nowhere', () => {
    const stack = newStack();
    new iotAlpha.AccountAuditConfiguration(stack, 'Audit');
    expect(checkType(rule, stack, AUDIT)).toEqual(['Missing::AuditNotificationTargetConfigurations.Sns']);
  });

  test('Noncompliance 2: a disabled target, and one without Enabled, role or topic', () => {
    const stack = newStack();
    auditConfiguration(stack, { auditNotificationTargetConfigurations: { sns: { enabled: false, targetArn: TOPIC, roleArn: ROLE } } });
    expect(checkType(rule, stack, AUDIT)).toEqual(['Disabled::AuditNotificationTargetConfigurations.Sns']);

    const included = newStack();
    includeResources(included, {
      Audit: {
        Type: AUDIT,
        Properties: { AccountId: '1', RoleArn: ROLE, AuditCheckConfigurations: allChecks(), AuditNotificationTargetConfigurations: { Sns: {} } },
      },
    });
    expect(checkType(rule, included, AUDIT)).toEqual([
      'Disabled::AuditNotificationTargetConfigurations.Sns',
      'Missing::AuditNotificationTargetConfigurations.Sns.RoleArn',
      'Missing::AuditNotificationTargetConfigurations.Sns.TargetArn',
    ]);
  });

  test('Noncompliance 3: an override disables the target of the alpha L2, as the string "false"', () => {
    const stack = newStack();
    new iotAlpha.AccountAuditConfiguration(stack, 'Audit', { targetTopic: new sns.Topic(stack, 'Topic') });
    const audit = stack.node.findAll().find((c): c is iot.CfnAccountAuditConfiguration => c instanceof iot.CfnAccountAuditConfiguration)!;
    audit.addPropertyOverride('AuditNotificationTargetConfigurations.Sns.Enabled', 'false');
    expect(check(rule, audit)).toEqual(['Disabled::AuditNotificationTargetConfigurations.Sns']);
  });

  test('Noncompliance 4: the target and its flag known only at deploy time', () => {
    const stack = newStack();
    const audit = auditConfiguration(stack);
    audit.addPropertyOverride('AuditNotificationTargetConfigurations', { 'Fn::ImportValue': 'audit-targets' });
    expect(check(rule, audit)).toEqual(['Unresolved::AuditNotificationTargetConfigurations']);
    audit.addPropertyOverride('AuditNotificationTargetConfigurations', { Sns: { Enabled: { Ref: 'NotifyParameter' }, TargetArn: TOPIC, RoleArn: ROLE } });
    expect(check(rule, audit)).toEqual(['Unresolved::AuditNotificationTargetConfigurations.Sns.Enabled']);
  });

  test('Noncompliance 5: a condition whose branches lack the topic and role or the whole target; a flag whose parameter allows "false"', () => {
    const stack = newStack();
    const audit = auditConfiguration(stack);
    audit.addPropertyOverride('AuditNotificationTargetConfigurations', { 'Fn::If': ['Prod', { Sns: { Enabled: true } }, { Ref: 'AWS::NoValue' }] });
    expect(check(rule, audit)).toEqual([
      'Missing::AuditNotificationTargetConfigurations.Sns',
      'Missing::AuditNotificationTargetConfigurations.Sns.RoleArn',
      'Missing::AuditNotificationTargetConfigurations.Sns.TargetArn',
    ]);
    const notify = new CfnParameter(stack, 'Notify', { allowedValues: ['true', 'false'] });
    audit.addPropertyOverride('AuditNotificationTargetConfigurations', { Sns: { Enabled: notify.valueAsString, TargetArn: TOPIC, RoleArn: ROLE } });
    expect(check(rule, audit)).toEqual(['Disabled::AuditNotificationTargetConfigurations.Sns']);
  });

  test('Compliance: the alpha L2 with a target topic, and an L1 whose topic is a parameter', () => {
    const stack = newStack();
    new iotAlpha.AccountAuditConfiguration(stack, 'Audit', { targetTopic: new sns.Topic(stack, 'Topic') });
    expect(checkType(rule, stack, AUDIT)).toEqual([]);
    const other = newStack();
    const topic = new CfnParameter(other, 'Topic');
    auditConfiguration(other, { auditNotificationTargetConfigurations: { sns: { enabled: true, targetArn: topic.valueAsString, roleArn: ROLE } } });
    expect(checkType(rule, other, AUDIT)).toEqual([]);

    const byCondition = auditConfiguration(newStack());
    byCondition.addPropertyOverride('AuditNotificationTargetConfigurations.Sns', {
      'Fn::If': ['Prod', { Enabled: true, TargetArn: TOPIC, RoleArn: ROLE }, { Enabled: 'true', TargetArn: `${TOPIC}-dev`, RoleArn: ROLE }],
    });
    expect(check(rule, byCondition)).toEqual([]);
  });
});

describe('IoTSecurityProfileAlertTargets (MON4)', () => {
  const rule = IoTSecurityProfileAlertTargets;

  const TARGETS = { SNS: { AlertTargetArn: 'arn:aws:sns:us-east-1:123456789012:alerts', RoleArn: 'arn:aws:iam::123456789012:role/alerts' } };
  const behavior = (name: string, suppress?: unknown) => ({
    Name: name, Metric: 'aws:num-messages-sent', Criteria: { ComparisonOperator: 'greater-than', Value: { Count: '100' }, DurationSeconds: 300 },
    ...(suppress === undefined ? {} : { SuppressAlerts: suppress }),
  });

  test('Noncompliance: every behavior suppresses its alerts (plain template; L1 with "true" as a string)', () => {
    const stack = newStack();
    includeTemplate(stack, { Resources: { P: { Type: 'AWS::IoT::SecurityProfile', Properties: { AlertTargets: TARGETS, Behaviors: [behavior('a', true), behavior('b', true)] } } } });
    expect(checkType(rule, stack, 'AWS::IoT::SecurityProfile')).toEqual(['Suppressed::Behaviors']);
    const l1 = new iot.CfnSecurityProfile(newStack(), 'P', { alertTargets: { SNS: { alertTargetArn: TARGETS.SNS.AlertTargetArn, roleArn: TARGETS.SNS.RoleArn } }, behaviors: [{ name: 'a', suppressAlerts: 'true' as unknown as boolean }] });
    expect(check(rule, l1)).toEqual(['Suppressed::Behaviors']);
  });

  test('Compliance: one behavior that alerts is enough; no behaviors at all is not suppression', () => {
    const stack = newStack();
    includeTemplate(stack, { Resources: { P: { Type: 'AWS::IoT::SecurityProfile', Properties: { AlertTargets: TARGETS, Behaviors: [behavior('a', true), behavior('b')] } } } });
    expect(checkType(rule, stack, 'AWS::IoT::SecurityProfile')).toEqual([]);
    const s2 = newStack();
    includeTemplate(s2, { Resources: { P: { Type: 'AWS::IoT::SecurityProfile', Properties: { AlertTargets: TARGETS } } } });
    expect(checkType(rule, s2, 'AWS::IoT::SecurityProfile')).toEqual([]);
  });
  const behaviors: iot.CfnSecurityProfile.BehaviorProperty[] = [
    { name: 'Connections', metric: 'aws:num-connection-attempts', criteria: { comparisonOperator: 'less-than', value: { count: '10' }, durationSeconds: 300 } },
  ];

  test('Noncompliance 1: a security profile without alert targets', () => {
    const stack = newStack();
    new iot.CfnSecurityProfile(stack, 'Profile', { behaviors });
    expect(checkType(rule, stack, PROFILE)).toEqual(['Missing::AlertTargets']);
  });

  test('Noncompliance 2: an empty map in an included template', () => {
    const stack = newStack();
    includeResources(stack, { Profile: { Type: PROFILE, Properties: { SecurityProfileName: 'p', AlertTargets: {} } } });
    expect(checkType(rule, stack, PROFILE)).toEqual(['Missing::AlertTargets']);
  });

  test('Noncompliance 3: an SNS target whose role was removed by a deletion override', () => {
    const stack = newStack();
    const profile = new iot.CfnSecurityProfile(stack, 'Profile', { behaviors, alertTargets: { SNS: { alertTargetArn: TOPIC, roleArn: ROLE } } });
    profile.addPropertyDeletionOverride('AlertTargets.SNS.RoleArn');
    expect(check(rule, profile)).toEqual(['Missing::AlertTargets.SNS.RoleArn']);
  });

  test('Noncompliance 4: the targets, or the only target, removed by one branch of a condition', () => {
    const stack = newStack();
    const profile = new iot.CfnSecurityProfile(stack, 'Profile', { behaviors });
    profile.addPropertyOverride('AlertTargets', { 'Fn::If': ['Prod', { SNS: { AlertTargetArn: TOPIC, RoleArn: ROLE } }, { Ref: 'AWS::NoValue' }] });
    expect(check(rule, profile)).toEqual(['Missing::AlertTargets']);
    profile.addPropertyOverride('AlertTargets', { SNS: { 'Fn::If': ['Prod', { AlertTargetArn: TOPIC, RoleArn: ROLE }, { Ref: 'AWS::NoValue' }] } });
    expect(check(rule, profile)).toEqual(['Missing::AlertTargets.SNS']);
  });

  test('Noncompliance 5: targets known only at deploy time', () => {
    const profile = new iot.CfnSecurityProfile(newStack(), 'Profile', { behaviors });
    profile.addPropertyOverride('AlertTargets', { 'Fn::ImportValue': 'alert-targets' });
    expect(check(rule, profile)).toEqual(['Unresolved::AlertTargets']);
    profile.addPropertyOverride('AlertTargets', { SNS: { 'Fn::ImportValue': 'sns-target' } });
    expect(check(rule, profile)).toEqual(['Unresolved::AlertTargets.SNS']);
  });

  test('Compliance: an SNS alert target, typed and included', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Topic');
    new iot.CfnSecurityProfile(stack, 'Profile', { behaviors, alertTargets: { SNS: { alertTargetArn: topic.topicArn, roleArn: ROLE } } });
    expect(checkType(rule, stack, PROFILE)).toEqual([]);
    const included = newStack();
    includeResources(included, { Profile: { Type: PROFILE, Properties: { AlertTargets: { SNS: { AlertTargetArn: TOPIC, RoleArn: ROLE } } } } });
    expect(checkType(rule, included, PROFILE)).toEqual([]);

    const byCondition = new iot.CfnSecurityProfile(newStack(), 'Profile', { behaviors });
    byCondition.addPropertyOverride('AlertTargets.SNS', { 'Fn::If': ['Prod', { AlertTargetArn: TOPIC, RoleArn: ROLE }, { AlertTargetArn: `${TOPIC}-dev`, RoleArn: ROLE }] });
    expect(check(rule, byCondition)).toEqual([]);
  });

  test('the explanation records that Detect is closed to new customers', () => {
    expect(rule.metadata.explanation).toMatch(/closed to new customers from 31 August 2026/);
  });
});

describe('IoTScheduledAuditFrequency (MON5)', () => {
  const rule = IoTScheduledAuditFrequency;

  function l2Audit(stack: Stack, frequency: iotAlpha.Frequency): void {
    const config = new iotAlpha.AccountAuditConfiguration(stack, 'Config');
    new iotAlpha.ScheduledAudit(stack, 'Scheduled', {
      accountAuditConfiguration: config,
      frequency,
      dayOfWeek: frequency === iotAlpha.Frequency.WEEKLY || frequency === iotAlpha.Frequency.BI_WEEKLY ? iotAlpha.DayOfWeek.MONDAY : undefined,
      dayOfMonth: frequency === iotAlpha.Frequency.MONTHLY ? iotAlpha.DayOfMonth.of(1) : undefined,
      auditChecks: [iotAlpha.AuditCheck.DEVICE_CERTIFICATE_SHARED_CHECK, iotAlpha.AuditCheck.LOGGING_DISABLED_CHECK],
    });
  }

  test('Noncompliance 1: a monthly and a biweekly alpha ScheduledAudit', () => {
    for (const frequency of [iotAlpha.Frequency.MONTHLY, iotAlpha.Frequency.BI_WEEKLY]) {
      const stack = newStack();
      l2Audit(stack, frequency);
      expect(checkType(rule, stack, SCHEDULED)).toEqual(['Infrequent::Frequency']);
    }
  });

  test('Noncompliance 2: an included audit with no checks to run', () => {
    const stack = newStack();
    includeResources(stack, { Audit: { Type: SCHEDULED, Properties: { Frequency: 'DAILY', TargetCheckNames: [] } } });
    expect(checkType(rule, stack, SCHEDULED)).toEqual(['Missing::TargetCheckNames']);
  });

  test('Noncompliance 3: an override makes a daily audit monthly', () => {
    const stack = newStack();
    const audit = new iot.CfnScheduledAudit(stack, 'Audit', { frequency: 'DAILY', targetCheckNames: ['LOGGING_DISABLED_CHECK'] });
    audit.addPropertyOverride('Frequency', 'MONTHLY');
    audit.addPropertyOverride('DayOfMonth', '1');
    expect(check(rule, audit)).toEqual(['Infrequent::Frequency']);
  });

  test('Noncompliance 4: frequency and checks known only at deploy time', () => {
    const stack = newStack();
    const frequency = new CfnParameter(stack, 'Frequency');
    const checks = new CfnParameter(stack, 'Checks', { type: 'CommaDelimitedList' });
    const audit = new iot.CfnScheduledAudit(stack, 'Audit', { frequency: frequency.valueAsString, targetCheckNames: checks.valueAsList });
    expect(check(rule, audit)).toEqual(['Unresolved::Frequency', 'Unresolved::TargetCheckNames']);
  });

  test('Noncompliance 5: MONTHLY in one branch of a condition, and BIWEEKLY among the allowed values of a parameter', () => {
    const stack = newStack();
    const audit = new iot.CfnScheduledAudit(stack, 'Audit', { frequency: 'DAILY', targetCheckNames: ['LOGGING_DISABLED_CHECK'] });
    audit.addPropertyOverride('Frequency', { 'Fn::If': ['Prod', 'DAILY', 'MONTHLY'] });
    expect(check(rule, audit)).toEqual(['Infrequent::Frequency']);
    const frequency = new CfnParameter(stack, 'Frequency', { allowedValues: ['DAILY', 'BIWEEKLY'] });
    audit.addPropertyOverride('Frequency', frequency.valueAsString);
    expect(check(rule, audit)).toEqual(['Infrequent::Frequency']);
  });

  test('Compliance: daily and weekly alpha ScheduledAudits, and an included weekly one in lower case', () => {
    for (const frequency of [iotAlpha.Frequency.DAILY, iotAlpha.Frequency.WEEKLY]) {
      const stack = newStack();
      l2Audit(stack, frequency);
      expect(checkType(rule, stack, SCHEDULED)).toEqual([]);
    }
    const included = newStack();
    includeResources(included, { Audit: { Type: SCHEDULED, Properties: { Frequency: 'weekly', DayOfWeek: 'SUN', TargetCheckNames: ['LOGGING_DISABLED_CHECK'] } } });
    expect(checkType(rule, included, SCHEDULED)).toEqual([]);

    const stack = newStack();
    const frequency = new CfnParameter(stack, 'Frequency', { allowedValues: ['DAILY', 'WEEKLY'] });
    const audit = new iot.CfnScheduledAudit(stack, 'Audit', { frequency: frequency.valueAsString, targetCheckNames: ['LOGGING_DISABLED_CHECK'] });
    expect(check(rule, audit)).toEqual([]);
    audit.addPropertyOverride('Frequency', { 'Fn::If': ['Prod', 'DAILY', 'WEEKLY'] });
    expect(check(rule, audit)).toEqual([]);
  });
});

describe('IoTResourceLoggingEnabled (MON6)', () => {
  const rule = IoTResourceLoggingEnabled;

  test('Noncompliance 1: logging disabled for a thing group', () => {
    const stack = newStack();
    new iot.CfnResourceSpecificLogging(stack, 'Quiet', { targetType: 'THING_GROUP', targetName: 'lab', logLevel: 'DISABLED' });
    expect(checkType(rule, stack, RESOURCE_LOGGING)).toEqual(['Disabled::LogLevel']);
  });

  test('Noncompliance 2: the DEFAULT target disabled in an included template, in lower case', () => {
    const stack = newStack();
    includeResources(stack, { Quiet: { Type: RESOURCE_LOGGING, Properties: { TargetType: 'DEFAULT', TargetName: 'default', LogLevel: 'Disabled' } } });
    expect(checkType(rule, stack, RESOURCE_LOGGING)).toEqual(['Disabled::LogLevel']);
  });

  test('Noncompliance 3: an override, DISABLED in one branch of a condition or among a parameter\'s allowed values, a level known only at deploy time', () => {
    const stack = newStack();
    const logging = new iot.CfnResourceSpecificLogging(stack, 'Group', { targetType: 'THING_GROUP', targetName: 'fleet', logLevel: 'INFO' });
    logging.addPropertyOverride('LogLevel', 'DISABLED');
    expect(check(rule, logging)).toEqual(['Disabled::LogLevel']);
    logging.addPropertyOverride('LogLevel', { 'Fn::If': ['Quiet', 'DISABLED', 'INFO'] });
    expect(check(rule, logging)).toEqual(['Disabled::LogLevel']);
    const allowed = new CfnParameter(stack, 'AllowedLevel', { allowedValues: ['INFO', 'DISABLED'] });
    logging.addPropertyOverride('LogLevel', allowed.valueAsString);
    expect(check(rule, logging)).toEqual(['Disabled::LogLevel']);
    const free = new CfnParameter(stack, 'FreeLevel');
    logging.addPropertyOverride('LogLevel', free.valueAsString);
    expect(check(rule, logging)).toEqual(['Unresolved::LogLevel']);
  });

  test('Compliance: a thing group logged at DEBUG', () => {
    const stack = newStack();
    new iot.CfnResourceSpecificLogging(stack, 'Group', { targetType: 'THING_GROUP', targetName: 'canary', logLevel: 'DEBUG' });
    expect(checkType(rule, stack, RESOURCE_LOGGING)).toEqual([]);
  });

  test('Compliance: a level chosen by a condition whose branches both log', () => {
    const logging = new iot.CfnResourceSpecificLogging(newStack(), 'Group', { targetType: 'THING_GROUP', targetName: 'canary', logLevel: 'DEBUG' });
    logging.addPropertyOverride('LogLevel', { 'Fn::If': ['Quiet', 'WARN', 'DEBUG'] });
    expect(check(rule, logging)).toEqual([]);
  });
});

describe('monitoring rules in the pack', () => {
  test('the pack lists MON1 to MON6; only MON1 anticipates a Device Defender audit check', () => {
    const monitoring = ALL_RULES.filter((r) => r.metadata.id.startsWith('MON'));
    expect(monitoring.map((r) => r.metadata.id)).toEqual(['MON1', 'MON2', 'MON3', 'MON4', 'MON5', 'MON6']);
    expect(monitoring.every((r) => r.metadata.practice === 8)).toBe(true);
    expect(monitoring.filter((r) => r.metadata.auditCheck).map((r) => [r.metadata.id, r.metadata.auditCheck])).toEqual([['MON1', 'LOGGING_DISABLED_CHECK']]);
  });

  test('findings of the alpha AccountAuditConfiguration default through the pack', () => {
    const stack = newStack();
    new iotAlpha.AccountAuditConfiguration(stack, 'Audit');
    const report = new IotSecurityChecks().validateScope(stack);
    const names = report.violations.map((v) => v.ruleName).filter((n) => n.startsWith('IoTSecurity-MON'));
    expect(names).toEqual(['IoTSecurity-MON3[Missing::AuditNotificationTargetConfigurations.Sns]']);
  });
});
