import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { defineRule } from '../../rule-definition';
import { Findings, UNREADABLE_PROPERTIES, readBoolean, readObject, readPresence, readProperties } from '../updates/private/template-values';

const TARGETS = 'AuditNotificationTargetConfigurations';
const SNS = `${TARGETS}.Sns`;

/**
 * IoTSecurity-MON3: the account's Device Defender audit configuration must send its results to
 * an enabled SNS target with a topic and a role.
 *
 * Findings: `Missing::AuditNotificationTargetConfigurations.Sns` (no target),
 * `Disabled::AuditNotificationTargetConfigurations.Sns` (`Enabled` false or left out: the API
 * takes a missing flag as false), `Missing::AuditNotificationTargetConfigurations.Sns.TargetArn` or `.RoleArn`, and
 * `Unresolved::<path>` for a block or flag known only at deploy time. A topic or role given by a
 * `Ref`, `Fn::GetAtt` or parameter counts as present.
 */
export const IoTAuditNotificationTarget = defineRule(
  {
    id: 'MON3',
    practice: Practice.AUDIT_AND_MONITORING,
    attackEnterprise: ['T1562'],
    attackIcs: ['T0878'],
    level: NagMessageLevel.WARN,
    info: 'The Device Defender audit configuration sends its findings to no enabled SNS target.',
    explanation:
      'Audit findings that go nowhere wait in the console until someone looks: a shared device certificate or an overly permissive '
      + 'policy found at night is acted on days later. An SNS target lets the findings page a human or start a response playbook.',
    fix: 'Set AuditNotificationTargetConfigurations.Sns with Enabled: true, TargetArn (an SNS topic) and RoleArn (a role that may publish to it); with the alpha AccountAuditConfiguration pass targetTopic.',
    resourceTypes: ['AWS::IoT::AccountAuditConfiguration'],
  },
  (node: CfnResource): NagRuleResult => {
    const props = readProperties(node);
    if (!props) return [...UNREADABLE_PROPERTIES];
    const findings = new Findings();
    const targets = readObject(props[TARGETS]);
    if (targets.kind === 'absent') {
      findings.add('Missing', SNS);
      return findings.toArray();
    }
    if (targets.kind !== 'value') {
      findings.unjudged(targets, TARGETS);
      return findings.toArray();
    }
    const sns = readObject(targets.value.Sns);
    if (sns.kind !== 'value') {
      findings.unjudged(sns, SNS);
      return findings.toArray();
    }
    const enabled = readBoolean(sns.value.Enabled);
    if (enabled.kind === 'absent' || (enabled.kind === 'value' && !enabled.value)) {
      findings.add('Disabled', SNS);
    } else if (enabled.kind !== 'value') {
      findings.unjudged(enabled, `${SNS}.Enabled`);
    }
    for (const member of ['TargetArn', 'RoleArn']) {
      const present = readPresence(sns.value[member]);
      if (present.kind !== 'value') findings.unjudged(present, `${SNS}.${member}`);
    }
    return findings.toArray();
  },
);
