import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { asEnum, asList, asObject, Findings, judgeEach, possibleValues, readEach } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';

/**
 * IoTSecurity-MON1: the account's AWS IoT logging must not be disabled, neither as a whole
 * (`DefaultLogLevel: DISABLED`) nor for an event type (`EventConfigurations[].LogLevel: DISABLED`).
 *
 * Findings: `Disabled::DefaultLogLevel`, `Disabled::EventConfigurations.<EventType>` (the index
 * when the event type is not a literal), `Missing::DefaultLogLevel`, `Unresolved::<path>` for a
 * level known only at deploy time and `Invalid::<path>` for one that is not a string. Every branch
 * of an `Fn::If` and every allowed value of a parameter is judged. Log levels are compared
 * without regard to case.
 */
export const IoTLoggingEnabled = defineRule(
  {
    id: 'MON1',
    practice: Practice.AUDIT_AND_MONITORING,
    iotLens: ['IOTSEC06', 'IOTSEC15'],
    attackEnterprise: ['T1562.008'],
    attackIcs: ['T0872'],
    auditCheck: 'LOGGING_DISABLED_CHECK',
    level: NagMessageLevel.ERROR,
    info: 'AWS IoT logging is disabled for the account or for an event type.',
    explanation:
      'With IoT logs off, connection attempts, authorization failures and rule errors leave no trace in CloudWatch: '
      + 'an intrusion cannot be detected or investigated, and Device Defender reports LOGGING_DISABLED_CHECK.',
    fix: 'Set DefaultLogLevel to ERROR, WARN, INFO or DEBUG (the risk profiles use ERROR, WARN and INFO) and give no event configuration the level DISABLED.',
    resourceTypes: ['AWS::IoT::Logging'],
  },
  (node: CfnResource): NagRuleResult => {
    const props = resolvedProperties(node);
    const findings = new Findings();
    judgeEach(node, props.DefaultLogLevel, asEnum, findings, 'DefaultLogLevel',
      (level) => (level === undefined ? 'Missing' : level === 'DISABLED' ? 'Disabled' : undefined));
    for (const events of readEach(node, props.EventConfigurations, asList, findings, 'EventConfigurations')) {
      (events ?? []).forEach((entry, i) => {
        for (const event of readEach(node, entry, asObject, findings, `EventConfigurations.${i}`)) {
          if (!event) continue;
          const types = possibleValues(node, event.EventType);
          const eventPath = `EventConfigurations.${types.length === 1 && typeof types[0] === 'string' ? types[0] : i}`;
          // An event without its own level logs at the default level, which is judged above.
          for (const level of readEach(node, event.LogLevel, asEnum, findings, `${eventPath}.LogLevel`)) {
            if (level === 'DISABLED') findings.add('Disabled', eventPath);
          }
        }
      });
    }
    return findings.toArray();
  },
);
