import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { defineRule } from '../../rule-definition';
import { Findings, UNREADABLE_PROPERTIES, readObject, readPresence, readProperties } from '../updates/private/template-values';

/**
 * IoTSecurity-MON4: a Device Defender security profile must send its alarms to an alert target.
 *
 * Findings: `Missing::AlertTargets` (absent or an empty map), `Missing::AlertTargets.<type>.AlertTargetArn`
 * or `.RoleArn` for a target that cannot deliver, and `Unresolved::<path>` for a map, target or
 * member known only at deploy time. A profile passes when at least one target is complete.
 */
export const IoTSecurityProfileAlertTargets = defineRule(
  {
    id: 'MON4',
    practice: Practice.AUDIT_AND_MONITORING,
    attackEnterprise: ['T1562'],
    attackIcs: ['T0878'],
    level: NagMessageLevel.WARN,
    info: 'The Device Defender security profile sends its alarms to no alert target.',
    explanation:
      'A behavior violation (a device opening new ports, sending far more messages, failing authorization) is only shown in the '
      + 'console unless the profile has an alert target, so a compromised device is noticed late or not at all. Note: AWS IoT '
      + 'Device Defender Detect is closed to new customers from 31 August 2026 (Audit is unaffected); the rule still applies '
      + 'to the security profiles of accounts that use Detect.',
    fix: 'Set AlertTargets with an SNS entry: AlertTargetArn (an SNS topic) and RoleArn (a role that may publish to it).',
    resourceTypes: ['AWS::IoT::SecurityProfile'],
  },
  (node: CfnResource): NagRuleResult => {
    const props = readProperties(node);
    if (!props) return [...UNREADABLE_PROPERTIES];
    const findings = new Findings();
    const targets = readObject(props.AlertTargets);
    if (targets.kind !== 'value') {
      findings.unjudged(targets, 'AlertTargets');
      return findings.toArray();
    }
    const entries = Object.entries(targets.value);
    if (entries.length === 0) {
      findings.add('Missing', 'AlertTargets');
      return findings.toArray();
    }
    const targetFindings = new Findings();
    let complete = false;
    for (const [type, entry] of entries) {
      const target = readObject(entry);
      if (target.kind !== 'value') {
        targetFindings.unjudged(target, `AlertTargets.${type}`);
        continue;
      }
      const members = ['AlertTargetArn', 'RoleArn'].map((m) => ({ m, read: readPresence(target.value[m]) }));
      if (members.every((x) => x.read.kind === 'value')) {
        complete = true;
        continue;
      }
      members.forEach((x) => {
        if (x.read.kind !== 'value') targetFindings.unjudged(x.read, `AlertTargets.${type}.${x.m}`);
      });
    }
    return complete ? findings.toArray() : targetFindings.toArray();
  },
);
