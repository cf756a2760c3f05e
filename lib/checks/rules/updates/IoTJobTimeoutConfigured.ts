import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { defineRule } from '../../rule-definition';
import { effectiveJobSetting, JOB_TYPES } from './private/job-settings';
import { Findings, readNumber, readPresence, UNREADABLE_PROPERTIES } from './private/template-values';

/** The in-progress timeout CloudFormation accepts, in minutes: 1 minute to 7 days. */
const TIMEOUT_RANGE_MINUTES = { min: 1, max: 10080 } as const;

/**
 * IoTSecurity-UPD3: a job, job template or OTA update must time out executions that stay
 * IN_PROGRESS.
 *
 * Findings: `Missing::<config>` or `Missing::<config>.InProgressTimeoutInMinutes`,
 * `Invalid::<config>.InProgressTimeoutInMinutes` outside 1..10080 or not a number, and
 * `Unresolved::<path>` behind an `Fn::If` or inherited from a job template the rule cannot read.
 * A timeout given by a parameter counts: any value CloudFormation accepts is a timeout.
 */
export const IoTJobTimeoutConfigured = defineRule(
  {
    id: 'UPD3',
    practice: Practice.SECURE_UPDATES,
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
  (node: CfnResource): NagRuleResult => {
    const setting = effectiveJobSetting(node, 'timeout');
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

    const timeoutPath = `${path}.InProgressTimeoutInMinutes`;
    const raw = read.value.InProgressTimeoutInMinutes;
    const presence = readPresence(raw);
    if (presence.kind !== 'value') {
      findings.unjudged(presence, timeoutPath);
      return findings.toArray();
    }
    const minutes = readNumber(raw);
    if (minutes.kind === 'invalid'
      || (minutes.kind === 'value' && (minutes.value < TIMEOUT_RANGE_MINUTES.min || minutes.value > TIMEOUT_RANGE_MINUTES.max))) {
      findings.add('Invalid', timeoutPath);
    }
    return findings.toArray();
  },
);
