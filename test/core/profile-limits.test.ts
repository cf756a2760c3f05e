/*
 * The library's security floors for profile settings are the limits its rules enforce: a profile
 * that RiskProfile.custom accepts never makes a construct fail the library's own rules, and one
 * step past a floor is both refused by RiskProfile.custom and failed by the rule.
 */
import * as iot from 'aws-cdk-lib/aws-iot';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { IoTRoleAliasCredentialDuration } from '../../lib/checks/rules/gateway';
import { IoTLoggingEnabled, IoTScheduledAuditFrequency } from '../../lib/checks/rules/monitoring';
import { IoTJobAbortConfigured } from '../../lib/checks/rules/updates';
import { AuditFrequency, IotLogLevel } from '../../lib/core/iot-settings';
import { ABORT_FAILURE_PERCENT, AUDIT_FREQUENCY, CREDENTIAL_DURATION_SEC, LOG_LEVEL } from '../../lib/core/private/profile-limits';
import { RiskProfile } from '../../lib/core/risk-profile';
import { check, newStack } from '../checks/rule-test-helpers';

const passes = (r: NagRuleResult) => r === NagRuleCompliance.COMPLIANT || (Array.isArray(r) && r.length === 0);

test('credential lifetime: the floor is GW2\'s limit', () => {
  const alias = (seconds: number) => new iot.CfnRoleAlias(newStack(), 'Alias', { roleArn: 'arn:aws:iam::111111111111:role/gw', credentialDurationSeconds: seconds });
  expect(passes(check(IoTRoleAliasCredentialDuration, alias(CREDENTIAL_DURATION_SEC.floorMax)))).toBe(true);
  expect(passes(check(IoTRoleAliasCredentialDuration, alias(CREDENTIAL_DURATION_SEC.floorMax + 1)))).toBe(false);
  expect(() => RiskProfile.custom({ name: 'x', credentialDurationSec: CREDENTIAL_DURATION_SEC.floorMax })).not.toThrow();
  expect(() => RiskProfile.custom({ name: 'x', credentialDurationSec: CREDENTIAL_DURATION_SEC.floorMax + 1 })).toThrow(/IoTSecurity-GW2/);
});

test('OTA abort threshold: the floor is UPD1\'s limit', () => {
  const template = (percent: number) => new iot.CfnJobTemplate(newStack(), 'Template', {
    jobTemplateId: 't', description: 'd', document: '{}',
    abortConfig: { CriteriaList: [{ Action: 'CANCEL', FailureType: 'FAILED', MinNumberOfExecutedThings: 10, ThresholdPercentage: percent }] },
    jobExecutionsRolloutConfig: { MaximumPerMinute: 10 },
    timeoutConfig: { InProgressTimeoutInMinutes: 60 },
  });
  expect(passes(check(IoTJobAbortConfigured, template(ABORT_FAILURE_PERCENT.floorMax)))).toBe(true);
  expect(passes(check(IoTJobAbortConfigured, template(ABORT_FAILURE_PERCENT.floorMax + 0.01)))).toBe(false);
  expect(() => RiskProfile.custom({ name: 'x', otaAbortFailurePercent: ABORT_FAILURE_PERCENT.floorMax })).not.toThrow();
  expect(() => RiskProfile.custom({ name: 'x', otaAbortFailurePercent: ABORT_FAILURE_PERCENT.floorMax + 0.01 })).toThrow(/IoTSecurity-UPD1/);
});

test.each(Object.values(AuditFrequency))('audit frequency %s: the floor is MON5\'s', (frequency) => {
  const audit = new iot.CfnScheduledAudit(newStack(), 'Audit', {
    frequency, targetCheckNames: ['LOGGING_DISABLED_CHECK'],
    ...(frequency === 'MONTHLY' ? { dayOfMonth: '1' } : frequency === 'DAILY' ? {} : { dayOfWeek: 'SUN' }),
  });
  const allowed = AUDIT_FREQUENCY.floor.includes(frequency);
  expect(passes(check(IoTScheduledAuditFrequency, audit))).toBe(allowed);
  const make = () => RiskProfile.custom({ name: 'x', auditFrequency: frequency });
  if (allowed) expect(make).not.toThrow(); else expect(make).toThrow(/IoTSecurity-MON5/);
});

test.each(Object.values(IotLogLevel))('log level %s: the floor is MON1\'s', (level) => {
  const stack = newStack();
  const logging = new iot.CfnLogging(stack, 'Logging', { accountId: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/log', defaultLogLevel: level });
  const allowed = LOG_LEVEL.floor.includes(level);
  expect(passes(check(IoTLoggingEnabled, logging))).toBe(allowed);
  const make = () => RiskProfile.custom({ name: 'x', logLevel: level });
  if (allowed) expect(make).not.toThrow(); else expect(make).toThrow(/IoTSecurity-MON1/);
});
