import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { alwaysSet, asBoolean, asList, asObject, Findings, isObject, possibleValues, readEach } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';

/**
 * IoTSecurity-MON4: a Device Defender security profile must send its alarms to an alert target.
 *
 * Findings: `Missing::AlertTargets` (absent or an empty map), `Missing::AlertTargets.<type>.AlertTargetArn`
 * or `.RoleArn` for a target that cannot deliver, and `Unresolved::<path>` for a map, target or
 * member known only at deploy time. A profile passes when at least one target is complete in
 * every branch of an `Fn::If`. A profile with behaviors that all set `SuppressAlerts: true`
 * (in every form the template can deploy them in) alerts no one whatever its targets:
 * `Suppressed::Behaviors`. A behavior whose `SuppressAlerts` cannot be read counts as alerting.
 */
export const IoTSecurityProfileAlertTargets = defineRule(
  {
    id: 'MON4',
    practice: Practice.AUDIT_AND_MONITORING,
    iotLens: ['IOTSEC06'],
    attackEnterprise: ['T1562'],
    attackIcs: ['T0878'],
    level: NagMessageLevel.WARN,
    info: 'The Device Defender security profile sends its alarms to no alert target, or suppresses the alerts of all its behaviors.',
    explanation:
      'A behavior violation (a device opening new ports, sending far more messages, failing authorization) is only shown in the '
      + 'console unless the profile has an alert target, so a compromised device is noticed late or not at all. Note: AWS IoT '
      + 'Device Defender Detect is closed to new customers from 31 August 2026 (Audit is unaffected); the rule still applies '
      + 'to the security profiles of accounts that use Detect.',
    fix: 'Set AlertTargets with an SNS entry: AlertTargetArn (an SNS topic) and RoleArn (a role that may publish to it), and leave '
      + 'SuppressAlerts false on the behaviors that should alert.',
    resourceTypes: ['AWS::IoT::SecurityProfile'],
  },
  (node: CfnResource): NagRuleResult => {
    const findings = new Findings();
    for (const targets of readEach(node, resolvedProperties(node).AlertTargets, asObject, findings, 'AlertTargets')) {
      const entries = Object.entries(targets ?? {});
      if (entries.length === 0) {
        findings.add('Missing', 'AlertTargets');
        continue;
      }
      // A target counts when it can deliver in every branch; the profile passes when one does.
      const targetFindings = entries.map(([type, entry]) => judgeTarget(node, entry, `AlertTargets.${type}`));
      if (!targetFindings.some((f) => f.isEmpty)) targetFindings.forEach((f) => findings.addAll(f));
    }
    for (const behaviors of readEach(node, resolvedProperties(node).Behaviors, asList, findings, 'Behaviors')) {
      const list = behaviors ?? [];
      if (list.length > 0 && list.every((b) => allSuppressed(node, b))) findings.add('Suppressed', 'Behaviors');
    }
    return findings.toArray();
  },
);

/** Whether a behavior sets `SuppressAlerts` to true in every form it can deploy in. */
function allSuppressed(node: CfnResource, behavior: unknown): boolean {
  const values = possibleValues(node, behavior).flatMap((b) => (isObject(b) ? possibleValues(node, b.SuppressAlerts) : [undefined]));
  return values.length > 0 && values.every((v) => asBoolean(v) === true);
}

function judgeTarget(node: CfnResource, entry: unknown, path: string): Findings {
  const findings = new Findings();
  for (const target of readEach(node, entry, asObject, findings, path)) {
    if (!target) {
      findings.add('Missing', path);
      continue;
    }
    for (const member of ['AlertTargetArn', 'RoleArn']) {
      if (!alwaysSet(node, target[member])) findings.add('Missing', `${path}.${member}`);
    }
  }
  return findings;
}
