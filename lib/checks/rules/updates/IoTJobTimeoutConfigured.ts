import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asNumber, Invalid, isSet, possibleValues } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';
import { JOB_TYPES, judgeJobSetting } from './private/job-settings';

/** The in-progress timeout CloudFormation accepts, in minutes: 1 minute to 7 days. */
const TIMEOUT_RANGE_MINUTES = { min: 1, max: 10080 } as const;

/**
 * IoTSecurity-UPD3: a job, job template or OTA update must time out executions that stay
 * IN_PROGRESS.
 *
 * Findings: `Missing::<config>` or `Missing::<config>.InProgressTimeoutInMinutes`,
 * `Invalid::<config>.InProgressTimeoutInMinutes` outside 1..10080 or not a number, and
 * `Unresolved::<path>` for a block known only at deploy time or inherited from a job template the
 * rule cannot read. Every branch of an `Fn::If` and every allowed value of a parameter is judged;
 * a timeout given by a parameter without allowed values counts: any value CloudFormation accepts
 * is a timeout.
 */
export const IoTJobTimeoutConfigured = defineRule(
  {
    id: 'UPD3',
    practice: Practice.SECURE_UPDATES,
    iotLens: ['IOTSEC09'],
    attackEnterprise: ['T1495'],
    attackIcs: ['T0857', 'T0839', 'T0814'],
    level: NagMessageLevel.WARN,
    info: 'The IoT job, job template or OTA update does not time out executions that stay in progress.',
    explanation:
      'Without an in-progress timeout a device that hangs or is held mid-update stays IN_PROGRESS for ever: it never counts as '
      + 'TIMED_OUT, so abort criteria cannot see it and the fleet view shows an update that neither failed nor finished.',
    fix: 'Set TimeoutConfig.InProgressTimeoutInMinutes (AwsJobTimeoutConfig on an OTA update) to the longest time a healthy device needs, 1 to 10080 minutes.',
    resourceTypes: JOB_TYPES,
  },
  (node: CfnResource): NagRuleResult => judgeJobSetting(node, 'timeout', ({ block }, path, findings) => {
    const timeoutPath = `${path}.InProgressTimeoutInMinutes`;
    for (const value of possibleValues(node, block.InProgressTimeoutInMinutes)) {
      const minutes = asNumber(value);
      if (!isSet(value)) {
        findings.add('Missing', timeoutPath);
      } else if (minutes instanceof Invalid
        || (typeof minutes === 'number' && (minutes < TIMEOUT_RANGE_MINUTES.min || minutes > TIMEOUT_RANGE_MINUTES.max))) {
        findings.add('Invalid', timeoutPath);
      }
    }
  }),
);
