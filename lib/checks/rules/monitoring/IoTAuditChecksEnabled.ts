import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { asBoolean, asObject, Findings, readEach } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';
import { AUDIT_CHECKS } from '../../../core/private/audit-checks';

/**
 * IoTSecurity-MON2: the account's Device Defender audit configuration must enable every audit
 * check.
 *
 * A check is enabled only by `Enabled: true` (or `"true"`): CloudFormation disables a check that
 * is left out of `AuditCheckConfigurations`, and the API takes a missing `Enabled` as false, so an
 * absent check, an absent flag and `false` are all `Disabled::<CHECK_NAME>`. A flag or block
 * known only at deploy time is `Unresolved::<CHECK_NAME>`; the whole map so is
 * `Unresolved::AuditCheckConfigurations`; a flag CloudFormation would reject is `Invalid::<CHECK_NAME>`.
 * Every branch of an `Fn::If` and every allowed value of a parameter is judged.
 */
export const IoTAuditChecksEnabled = defineRule(
  {
    id: 'MON2',
    practice: Practice.AUDIT_AND_MONITORING,
    iotLens: ['IOTSEC06', 'IOTSEC15'],
    attackEnterprise: ['T1562', 'T1078'],
    attackIcs: ['T0859'],
    level: NagMessageLevel.ERROR,
    info: 'A Device Defender audit check is disabled in the account audit configuration.',
    explanation:
      'Each audit check is the only routine look at one class of weakness: shared or revoked device certificates, weak keys, '
      + 'overly permissive IoT policies and role aliases, disabled logs. A disabled check never reports, however bad things get, '
      + 'and a scheduled audit cannot run a check the account has disabled.',
    fix: 'Set Enabled: true for every check in AuditCheckConfigurations (the @aws-cdk/aws-iot-alpha AccountAuditConfiguration does so by default); acknowledge a check per finding, with a reason, only when its subject cannot exist in the account.',
    resourceTypes: ['AWS::IoT::AccountAuditConfiguration'],
  },
  (node: CfnResource): NagRuleResult => {
    const findings = new Findings();
    for (const configs of readEach(node, resolvedProperties(node).AuditCheckConfigurations, asObject, findings, 'AuditCheckConfigurations')) {
      for (const [key, name] of AUDIT_CHECKS) {
        for (const check of readEach(node, configs?.[key], asObject, findings, name)) {
          for (const enabled of readEach(node, check?.Enabled, asBoolean, findings, name)) {
            if (enabled !== true) findings.add('Disabled', name);
          }
        }
      }
    }
    return findings.toArray();
  },
);
