import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { asEnum, asList, Findings, judgeEach } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';

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
 * `Missing::Frequency`, `Missing::TargetCheckNames` (absent or empty), `Unresolved::<path>`
 * for a value known only at deploy time and `Invalid::<path>` for one CloudFormation would reject.
 * Every branch of an `Fn::If` and every allowed value of a parameter is judged. Compared without
 * regard to case.
 */
export const IoTScheduledAuditFrequency = defineRule(
  {
    id: 'MON5',
    practice: Practice.AUDIT_AND_MONITORING,
    iotLens: ['IOTSEC06', 'IOTSEC15'],
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
    const props = resolvedProperties(node);
    const findings = new Findings();
    judgeEach(node, props.Frequency, asEnum, findings, 'Frequency',
      (frequency) => (frequency === undefined ? 'Missing' : FREQUENT_ENOUGH.has(frequency) ? undefined : 'Infrequent'));
    judgeEach(node, props.TargetCheckNames, asList, findings, 'TargetCheckNames',
      (checks) => (checks === undefined || checks.length === 0 ? 'Missing' : undefined));
    return findings.toArray();
  },
);
