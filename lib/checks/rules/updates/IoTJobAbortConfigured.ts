import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { defineRule } from '../../rule-definition';
import { effectiveJobSetting, JOB_TYPES } from './private/job-settings';
import { Findings, readList, readNumber, readObject, readString, UNREADABLE_PROPERTIES } from './private/template-values';

/**
 * The highest abort threshold the rule accepts, in percent of executed things. The rule cannot
 * know the deployment's risk profile (the library's own profiles abort at 10, 5 and 1 %), so it
 * holds only the line past which an abort no longer limits the blast radius: a rollout that may
 * fail on more than half the fleet before it stops has not been staged.
 */
export const MAX_ABORT_THRESHOLD_PERCENT = 50;

/** Failure types that count failed executions; an abort must watch one of them. */
const FAILURE_TYPES = new Set(['FAILED', 'ALL']);

/**
 * IoTSecurity-UPD1: a job, job template or OTA update must abort itself when executions fail.
 *
 * Findings: `Missing::<config>` (no abort configuration), `Missing::<config>.<list>` (no criteria),
 * `NoFailureCriterion::<config>.<list>` (no criterion on FAILED or ALL),
 * `ThresholdAbove50::<config>.<list>.<i>.ThresholdPercentage`, `Invalid::<path>` (a value
 * CloudFormation would reject) and `Unresolved::<path>` for a value known only at deploy time (a
 * parameter, a condition) or a setting inherited from a job template the rule cannot read.
 */
export const IoTJobAbortConfigured = defineRule(
  {
    id: 'UPD1',
    practice: Practice.SECURE_UPDATES,
    attackEnterprise: ['T1195', 'T1495'],
    attackIcs: ['T0857', 'T0839', 'T0862', 'T0814'],
    level: NagMessageLevel.ERROR,
    info: 'The IoT job, job template or OTA update has no abort criteria on failed executions, or aborts only after more than half of them failed.',
    explanation:
      'Without abort criteria a faulty or tampered firmware image keeps rolling out to the whole fleet however many devices it bricks; '
      + 'an abort on FAILED (or ALL) executions at a low threshold stops the rollout while the damage is contained.',
    fix: `Set AbortConfig.CriteriaList (AwsJobAbortConfig.AbortCriteriaList on an OTA update) with a CANCEL criterion on FAILED or ALL and ThresholdPercentage of at most ${MAX_ABORT_THRESHOLD_PERCENT} (the risk profiles use 10, 5 and 1).`,
    resourceTypes: JOB_TYPES,
  },
  (node: CfnResource): NagRuleResult => {
    const setting = effectiveJobSetting(node, 'abort');
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

    const listName = node.cfnResourceType === 'AWS::IoT::OTAUpdate' ? 'AbortCriteriaList' : 'CriteriaList';
    const listPath = `${path}.${listName}`;
    const list = readList(read.value[listName]);
    if (list.kind === 'unresolved' || list.kind === 'invalid') {
      findings.unjudged(list, listPath);
      return findings.toArray();
    }
    const items = list.kind === 'value' ? list.value : [];

    let criteria = 0;
    let watchesFailures = false;
    let failureTypeUnknown = false;
    items.forEach((item, i) => {
      const itemPath = `${listPath}.${i}`;
      const criterion = readObject(item);
      if (criterion.kind === 'absent') return;
      criteria++;
      if (criterion.kind !== 'value') {
        failureTypeUnknown = true;
        findings.unjudged(criterion, itemPath);
        return;
      }
      const failureType = readString(criterion.value.FailureType);
      if (failureType.kind === 'value') {
        watchesFailures ||= FAILURE_TYPES.has(failureType.value.trim().toUpperCase());
      } else {
        failureTypeUnknown = true;
        findings.unjudged(failureType, `${itemPath}.FailureType`);
      }
      const threshold = readNumber(criterion.value.ThresholdPercentage);
      const thresholdPath = `${itemPath}.ThresholdPercentage`;
      if (threshold.kind === 'value') {
        if (threshold.value > MAX_ABORT_THRESHOLD_PERCENT) findings.add(`ThresholdAbove${MAX_ABORT_THRESHOLD_PERCENT}`, thresholdPath);
      } else {
        findings.unjudged(threshold, thresholdPath);
      }
    });

    if (criteria === 0) {
      findings.add('Missing', listPath);
    } else if (!watchesFailures && !failureTypeUnknown) {
      findings.add('NoFailureCriterion', listPath);
    }
    return findings.toArray();
  },
);
