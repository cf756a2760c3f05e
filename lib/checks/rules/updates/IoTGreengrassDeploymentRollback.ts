import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { asEnum, asObject, Findings, judgeEach, readEach } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';
import { GREENGRASS_DEPLOYMENT } from './private/greengrass-deployment';

const POLICY = 'DeploymentPolicies.FailureHandlingPolicy';

/**
 * IoTSecurity-UPD5: a Greengrass deployment must roll a core device back when the deployment
 * fails on it.
 *
 * `DeploymentPolicies.FailureHandlingPolicy` `DO_NOTHING` (any case) leaves a core device on the
 * components and configuration that failed. Absent means `ROLLBACK`, AWS's default. Findings:
 * `NoRollback::DeploymentPolicies.FailureHandlingPolicy`, `Unresolved::<path>` for a value known
 * only at deploy time, `Invalid::<path>` for one CloudFormation would reject. A deployment to one
 * core device is judged too: rollback protects that device, whatever the size of the fleet.
 */
export const IoTGreengrassDeploymentRollback = defineRule({
  id: 'UPD5',
  practice: Practice.SECURE_UPDATES,
  iotLens: ['IOTSEC09', 'IOTSEC12'],
  attackEnterprise: ['T1495', 'T1489'],
  attackIcs: ['T0857', 'T0814'],
  level: NagMessageLevel.ERROR,
  info: 'The Greengrass deployment leaves a core device on a failed deployment instead of rolling it back.',
  explanation: 'With DO_NOTHING, a component that fails to install or start after an update stays broken on the gateway: the devices '
    + 'behind it lose their local broker, data buffering or control logic until someone deploys again, and a half-applied '
    + 'configuration may run with settings that were never meant to go together.',
  fix: 'Remove DeploymentPolicies.FailureHandlingPolicy (ROLLBACK is the default) or set it to ROLLBACK.',
  resourceTypes: [GREENGRASS_DEPLOYMENT],
}, (node: CfnResource): NagRuleResult => {
  const findings = new Findings();
  for (const policies of readEach(node, resolvedProperties(node).DeploymentPolicies, asObject, findings, 'DeploymentPolicies')) {
    judgeEach(node, policies?.FailureHandlingPolicy, asEnum, findings, POLICY, (v) => (v === 'DO_NOTHING' ? 'NoRollback' : undefined));
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
