import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { defineRule } from '../../rule-definition';
import { effectiveJobSetting, JOB_TYPES } from './private/job-settings';
import { Findings, readPresence, UNREADABLE_PROPERTIES } from './private/template-values';

/** The exponential-rate key of each type's rollout block: the job template names it differently. */
const EXPONENTIAL_KEY: { readonly [type: string]: string } = {
  'AWS::IoT::Job': 'ExponentialRate',
  'AWS::IoT::JobTemplate': 'ExponentialRolloutRate',
  'AWS::IoT::OTAUpdate': 'ExponentialRate',
};

/**
 * IoTSecurity-UPD2: a job, job template or OTA update must roll out in stages, at a constant
 * (`MaximumPerMinute`) or exponential rate.
 *
 * Findings: `Missing::<config>` (no rollout block, or one with neither rate), `Unresolved::<path>`
 * when a rate sits behind an `Fn::If` or the setting is inherited from a job template the rule
 * cannot read, and `Invalid::<config>` for a block CloudFormation would reject. A rate given by a
 * parameter counts: whatever its value, the rollout is paced.
 */
export const IoTJobStagedRollout = defineRule(
  {
    id: 'UPD2',
    practice: Practice.SECURE_UPDATES,
    attackEnterprise: ['T1195', 'T1495'],
    attackIcs: ['T0857', 'T0839', 'T0862', 'T0814'],
    level: NagMessageLevel.ERROR,
    info: 'The IoT job, job template or OTA update has no staged rollout rate.',
    explanation:
      'An unpaced job notifies every target at once, so a faulty or tampered update reaches the whole fleet before an abort '
      + 'criterion has enough executions to trip; a constant or exponential rate lets the first devices fail while the rest still wait.',
    fix: 'Set JobExecutionsRolloutConfig (AwsJobExecutionsRolloutConfig on an OTA update) with MaximumPerMinute or an exponential rate (ExponentialRate; ExponentialRolloutRate on a job template).',
    resourceTypes: JOB_TYPES,
  },
  (node: CfnResource): NagRuleResult => {
    const setting = effectiveJobSetting(node, 'rollout');
    if (!setting) return NagRuleCompliance.NOT_APPLICABLE;
    if (setting === 'unreadable') return [...UNREADABLE_PROPERTIES];
    const findings = new Findings();
    const { path, read } = setting;
    if (setting.unreadableSource) {
      findings.add('Unresolved', setting.unreadableSource);
      return findings.toArray();
    }
    if (read.kind !== 'value') {
      findings.unjudged(read, path);
      return findings.toArray();
    }

    const rateKeys = ['MaximumPerMinute', EXPONENTIAL_KEY[setting.readFromType]];
    const rates = rateKeys.map((key) => ({ key, read: readPresence(read.value[key]) }));
    if (rates.some((r) => r.read.kind === 'value')) return findings.toArray();
    const unknown = rates.filter((r) => r.read.kind === 'unresolved');
    if (unknown.length > 0) {
      unknown.forEach((r) => findings.add('Unresolved', `${path}.${r.key}`));
    } else {
      findings.add('Missing', path);
    }
    return findings.toArray();
  },
);
