import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { defineRule } from '../../rule-definition';
import { Findings, UNREADABLE_PROPERTIES, readList, readProperties, readString } from '../updates/private/template-values';

/**
 * The frequencies the rule accepts. The least demanding risk profile audits weekly; BIWEEKLY and
 * MONTHLY leave a shared or revoked certificate in use for up to a month before anyone is told.
 */
const FREQUENT_ENOUGH = new Set(['DAILY', 'WEEKLY']);

/**
 * IoTSecurity-MON5: a scheduled Device Defender audit must run at least weekly and run at least
 * one check.
 *
 * Findings: `Infrequent::Frequency` (BIWEEKLY, MONTHLY or any other value),
 * `Missing::Frequency`, `Missing::TargetCheckNames` (absent or empty), and `Unresolved::<path>`
 * for a value known only at deploy time. Compared without regard to case.
 */
export const IoTScheduledAuditFrequency = defineRule(
  {
    id: 'MON5',
    practice: Practice.AUDIT_AND_MONITORING,
    attackEnterprise: ['T1562', 'T1078'],
    attackIcs: ['T0859'],
    level: NagMessageLevel.WARN,
    info: 'The scheduled Device Defender audit runs less often than weekly, or runs no check.',
    explanation:
      'Audit checks find weaknesses only when they run: at a biweekly or monthly schedule a leaked, shared or revoked device '
      + 'certificate, or a policy opened too wide, stays in use for weeks before the audit reports it.',
    fix: 'Set Frequency to DAILY or WEEKLY (the risk profiles use WEEKLY for consumer fleets and DAILY otherwise) and list the checks to run in TargetCheckNames.',
    resourceTypes: ['AWS::IoT::ScheduledAudit'],
  },
  (node: CfnResource): NagRuleResult => {
    const props = readProperties(node);
    if (!props) return [...UNREADABLE_PROPERTIES];
    const findings = new Findings();
    const frequency = readString(props.Frequency);
    if (frequency.kind === 'value') {
      if (!FREQUENT_ENOUGH.has(frequency.value.trim().toUpperCase())) findings.add('Infrequent', 'Frequency');
    } else {
      findings.unjudged(frequency, 'Frequency');
    }
    const checks = readList(props.TargetCheckNames);
    if (checks.kind === 'value') {
      if (checks.value.length === 0) findings.add('Missing', 'TargetCheckNames');
    } else {
      findings.unjudged(checks, 'TargetCheckNames');
    }
    return findings.toArray();
  },
);
