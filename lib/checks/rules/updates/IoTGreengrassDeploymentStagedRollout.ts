import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { alwaysSet, Findings } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';
import { GREENGRASS_DEPLOYMENT, JOB_CONFIGURATION, jobConfigurationBlocks, targetsOneCoreDevice } from './private/greengrass-deployment';

const ROLLOUT = `${JOB_CONFIGURATION}.JobExecutionsRolloutConfig`;

/**
 * IoTSecurity-UPD7: a Greengrass deployment to a thing group must reach its core devices in
 * stages: the Greengrass counterpart of UPD2.
 *
 * `IotJobConfiguration.JobExecutionsRolloutConfig` must set `MaximumPerMinute` or `ExponentialRate`
 * in every form the template can deploy in (a rate given by a parameter counts). Findings:
 * `Missing::IotJobConfiguration.JobExecutionsRolloutConfig`, `Unresolved::<path>`, `Invalid::<path>`.
 * A deployment to one core device (see `targetsOneCoreDevice`) has nothing to stage and passes.
 */
export const IoTGreengrassDeploymentStagedRollout = defineRule({
  id: 'UPD7',
  practice: Practice.SECURE_UPDATES,
  iotLens: ['IOTSEC09', 'IOTSEC12'],
  attackEnterprise: ['T1195', 'T1495'],
  attackIcs: ['T0857', 'T0839', 'T0814'],
  level: NagMessageLevel.ERROR,
  info: 'The Greengrass deployment to a thing group has no staged rollout rate.',
  explanation: 'Unpaced, a deployment notifies every core device of the group at once, so a faulty or tampered component reaches every '
    + 'gateway before an abort criterion has enough executions to trip.',
  fix: `Set ${ROLLOUT} with MaximumPerMinute or an ExponentialRate (BaseRatePerMinute, IncrementFactor, RateIncreaseCriteria).`,
  resourceTypes: [GREENGRASS_DEPLOYMENT],
}, (node: CfnResource): NagRuleResult => {
  if (targetsOneCoreDevice(node)) return NagRuleCompliance.COMPLIANT;
  const findings = new Findings();
  for (const rollout of jobConfigurationBlocks(node, 'JobExecutionsRolloutConfig', findings)) {
    if (!rollout || !['MaximumPerMinute', 'ExponentialRate'].some((key) => alwaysSet(node, rollout[key]))) findings.add('Missing', ROLLOUT);
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
