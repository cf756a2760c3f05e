import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { asEnum, Findings, judgeEach } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';

/**
 * IoTSecurity-MON6: a resource-specific logging level must not switch AWS IoT logs off for a
 * target (a thing group, client ID, source IP, principal, or the default target).
 *
 * Findings: `Disabled::LogLevel`, `Missing::LogLevel`, `Unresolved::LogLevel` for a level known
 * only at deploy time, `Invalid::LogLevel` for one that is not a string. Every branch of an
 * `Fn::If` and every allowed value of a parameter is judged. Compared without regard to case.
 */
export const IoTResourceLoggingEnabled = defineRule(
  {
    id: 'MON6',
    practice: Practice.AUDIT_AND_MONITORING,
    iotLens: ['IOTSEC06', 'IOTSEC15'],
    attackEnterprise: ['T1562.008'],
    attackIcs: ['T0872'],
    level: NagMessageLevel.ERROR,
    info: 'A resource-specific AWS IoT logging level is DISABLED.',
    explanation:
      'A resource-specific level overrides the account default for its target, so DISABLED silences exactly the devices it names '
      + 'while account-level logging, and Device Defender\'s LOGGING_DISABLED_CHECK, still look healthy.',
    fix: 'Set LogLevel to ERROR, WARN, INFO or DEBUG, or delete the resource so the target logs at the account default.',
    resourceTypes: ['AWS::IoT::ResourceSpecificLogging'],
  },
  (node: CfnResource): NagRuleResult => {
    const findings = new Findings();
    judgeEach(node, resolvedProperties(node).LogLevel, asEnum, findings, 'LogLevel',
      (level) => (level === undefined ? 'Missing' : level === 'DISABLED' ? 'Disabled' : undefined));
    return findings.toArray();
  },
);
