import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asList, Findings, readEach } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';
import { judgeCriterion, MAX_ABORT_THRESHOLD_PERCENT } from './IoTJobAbortConfigured';
import { GREENGRASS_DEPLOYMENT, JOB_CONFIGURATION, jobConfigurationBlocks, targetsOneCoreDevice } from './private/greengrass-deployment';

const ABORT = `${JOB_CONFIGURATION}.AbortConfig`;

/**
 * IoTSecurity-UPD6: a Greengrass deployment to a thing group must stop itself when it fails on
 * core devices: the Greengrass counterpart of UPD1, with the same criteria.
 *
 * `IotJobConfiguration.AbortConfig.CriteriaList` must hold a criterion on `FAILED` or `ALL`
 * executions with `ThresholdPercentage` of at most 50. Findings: `Missing::IotJobConfiguration.AbortConfig`,
 * `Missing::IotJobConfiguration.AbortConfig.CriteriaList`, `NoFailureCriterion::<list>`,
 * `ThresholdAbove50::<list>.<i>.ThresholdPercentage`, `Unresolved::<path>`, `Invalid::<path>`. A
 * deployment whose `TargetArn` is one core device (see `targetsOneCoreDevice`) has no fleet to
 * abort across and passes; UPD5 covers rolling that device back.
 */
export const IoTGreengrassDeploymentAbort = defineRule({
  id: 'UPD6',
  practice: Practice.SECURE_UPDATES,
  iotLens: ['IOTSEC09', 'IOTSEC12'],
  attackEnterprise: ['T1195', 'T1495'],
  attackIcs: ['T0857', 'T0839', 'T0814'],
  level: NagMessageLevel.ERROR,
  info: 'The Greengrass deployment to a thing group has no abort criteria on failed executions, or aborts only after more than half of them failed.',
  explanation: 'A Greengrass deployment is an IoT job over every core device of the group: without abort criteria a faulty or tampered '
    + 'component version keeps rolling out to every gateway, and every site behind them, however many fail.',
  fix: `Set ${ABORT}.CriteriaList with a CANCEL criterion on FAILED or ALL executions, ThresholdPercentage of at most `
    + `${MAX_ABORT_THRESHOLD_PERCENT} and MinNumberOfExecutedThings (the risk profiles abort at 10, 5 and 1 %).`,
  resourceTypes: [GREENGRASS_DEPLOYMENT],
}, (node: CfnResource): NagRuleResult => {
  if (targetsOneCoreDevice(node)) return NagRuleCompliance.COMPLIANT;
  const findings = new Findings();
  const listPath = `${ABORT}.CriteriaList`;
  for (const abort of jobConfigurationBlocks(node, 'AbortConfig', findings)) {
    if (!abort) {
      findings.add('Missing', ABORT);
      continue;
    }
    for (const list of readEach(node, abort.CriteriaList, asList, findings, listPath)) {
      const criteria = (list ?? []).map((item, i) => judgeCriterion(node, item, `${listPath}.${i}`, findings));
      if (!criteria.some((c) => c.present)) findings.add('Missing', listPath);
      else if (!criteria.some((c) => c.watchesFailures || c.failureTypeUnknown)) findings.add('NoFailureCriterion', listPath);
    }
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
