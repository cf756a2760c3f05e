import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { alwaysSet, asBoolean, asObject, Findings, readEach } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';

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
 * `Ref`, `Fn::GetAtt` or parameter counts as present. Every branch of an `Fn::If` and every
 * allowed value of a parameter is judged.
 */
export const IoTAuditNotificationTarget = defineRule(
  {
    id: 'MON3',
    practice: Practice.AUDIT_AND_MONITORING,
    iotLens: ['IOTSEC06'],
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
    const findings = new Findings();
    for (const targets of readEach(node, resolvedProperties(node)[TARGETS], asObject, findings, TARGETS)) {
      for (const sns of readEach(node, targets?.Sns, asObject, findings, SNS)) {
        if (!sns) {
          findings.add('Missing', SNS);
          continue;
        }
        for (const enabled of readEach(node, sns.Enabled, asBoolean, findings, `${SNS}.Enabled`)) {
          if (enabled !== true) findings.add('Disabled', SNS);
        }
        for (const member of ['TargetArn', 'RoleArn']) {
          if (!alwaysSet(node, sns[member])) findings.add('Missing', `${SNS}.${member}`);
        }
      }
    }
    return findings.toArray();
  },
);
