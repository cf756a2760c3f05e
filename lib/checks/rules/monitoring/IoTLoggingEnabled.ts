import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { defineRule } from '../../rule-definition';
import { Findings, UNREADABLE_PROPERTIES, readList, readObject, readProperties, readString } from '../updates/private/template-values';

/**
 * IoTSecurity-MON1: the account's AWS IoT logging must not be disabled, neither as a whole
 * (`DefaultLogLevel: DISABLED`) nor for an event type (`EventConfigurations[].LogLevel: DISABLED`).
 *
 * Findings: `Disabled::DefaultLogLevel`, `Disabled::EventConfigurations.<EventType>` (the index
 * when the event type is not a literal), `Missing::DefaultLogLevel`, and `Unresolved::<path>` for
 * a level known only at deploy time. Log levels are compared without regard to case.
 */
export const IoTLoggingEnabled = defineRule(
  {
    id: 'MON1',
    practice: Practice.AUDIT_AND_MONITORING,
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
    const props = readProperties(node);
    if (!props) return [...UNREADABLE_PROPERTIES];
    const findings = new Findings();

    const level = readString(props.DefaultLogLevel);
    if (level.kind === 'value') {
      if (level.value.trim().toUpperCase() === 'DISABLED') findings.add('Disabled', 'DefaultLogLevel');
    } else {
      findings.unjudged(level, 'DefaultLogLevel');
    }

    const events = readList(props.EventConfigurations);
    if (events.kind === 'unresolved' || events.kind === 'invalid') {
      findings.unjudged(events, 'EventConfigurations');
    } else if (events.kind === 'value') {
      events.value.forEach((entry, i) => {
        const event = readObject(entry);
        if (event.kind === 'absent') return;
        if (event.kind !== 'value') {
          findings.unjudged(event, `EventConfigurations.${i}`);
          return;
        }
        const type = readString(event.value.EventType);
        const name = type.kind === 'value' ? type.value : String(i);
        const eventLevel = readString(event.value.LogLevel);
        if (eventLevel.kind === 'value') {
          if (eventLevel.value.trim().toUpperCase() === 'DISABLED') findings.add('Disabled', `EventConfigurations.${name}`);
        } else if (eventLevel.kind !== 'absent') {
          // An event without its own level logs at the default level, which is judged above.
          findings.unjudged(eventLevel, `EventConfigurations.${name}.LogLevel`);
        }
      });
    }
    return findings.toArray();
  },
);
