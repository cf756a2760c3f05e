import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { alwaysSet } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';
import { JOB_TYPES, judgeJobSetting, targetsOneThing } from './private/job-settings';

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
 * Findings: `Missing::<config>` (no rollout block, or one with neither rate, in some branch of an
 * `Fn::If`), `Unresolved::<path>` for a block known only at deploy time or inherited from a job
 * template the rule cannot read, and `Invalid::<config>` for a block CloudFormation would reject.
 * A rate given by a parameter counts: whatever its value, the rollout is paced. A job or OTA update
 * that targets exactly one thing (see `targetsOneThing`) has nothing to stage and passes.
 */
export const IoTJobStagedRollout = defineRule(
  {
    id: 'UPD2',
    practice: Practice.SECURE_UPDATES,
    iotLens: ['IOTSEC09', 'IOTSEC13'],
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
  (node: CfnResource): NagRuleResult => (targetsOneThing(node) ? NagRuleCompliance.COMPLIANT : judgeJobSetting(node, 'rollout', ({ block, fromType }, path, findings) => {
    const rates = ['MaximumPerMinute', EXPONENTIAL_KEY[fromType]];
    if (!rates.some((key) => alwaysSet(node, block[key]))) findings.add('Missing', path);
  })),
);
