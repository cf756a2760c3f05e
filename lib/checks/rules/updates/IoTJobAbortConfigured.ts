import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asEnum, asList, asNumber, asObject, Findings, judgeEach, possibleValues, readEach, Unresolved } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';
import { JOB_TYPES, judgeJobSetting, targetsOneThing } from './private/job-settings';

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
 * parameter without allowed values, an import) or a setting inherited from a job template the
 * rule cannot read. Every branch of an `Fn::If` and every allowed value of a parameter is judged;
 * a criterion that a branch removes does not count. A job or OTA update that targets exactly one
 * thing (see `targetsOneThing`) has no fleet to abort across and passes.
 */
export const IoTJobAbortConfigured = defineRule(
  {
    id: 'UPD1',
    practice: Practice.SECURE_UPDATES,
    iotLens: ['IOTSEC09', 'IOTSEC13'],
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
  (node: CfnResource): NagRuleResult => (targetsOneThing(node) ? NagRuleCompliance.COMPLIANT : judgeJobSetting(node, 'abort', ({ block, fromType }, path, findings) => {
    const listName = fromType === 'AWS::IoT::OTAUpdate' ? 'AbortCriteriaList' : 'CriteriaList';
    const listPath = `${path}.${listName}`;
    for (const list of readEach(node, block[listName], asList, findings, listPath)) {
      const criteria = (list ?? []).map((item, i) => judgeCriterion(node, item, `${listPath}.${i}`, findings));
      if (!criteria.some((c) => c.present)) {
        findings.add('Missing', listPath);
      } else if (!criteria.some((c) => c.watchesFailures || c.failureTypeUnknown)) {
        findings.add('NoFailureCriterion', listPath);
      }
    }
  })),
);

/** What one criterion of the list is, over every form it can take. */
export interface CriterionVerdict {
  /** It is in the list in every form (an unreadable criterion is there, only not readable). */
  present: boolean;
  /** In every form it is a criterion on FAILED or ALL executions. */
  watchesFailures: boolean;
  /** In some form its failure type cannot be read. */
  failureTypeUnknown: boolean;
}

/** Judges one abort criterion in every form it can take; its problems go to `findings` under `path`. */
export function judgeCriterion(node: CfnResource, item: unknown, path: string, findings: Findings): CriterionVerdict {
  const verdict: CriterionVerdict = { present: true, watchesFailures: true, failureTypeUnknown: false };
  for (const criterion of possibleValues(node, item).map(asObject)) {
    if (criterion === undefined) {
      verdict.present = false;
      verdict.watchesFailures = false;
    } else if (criterion instanceof Unresolved) {
      findings.unreadable(criterion, path);
      verdict.watchesFailures = false;
      verdict.failureTypeUnknown = true;
    } else {
      const types = possibleValues(node, criterion.FailureType).map(asEnum);
      verdict.watchesFailures &&= types.every((t) => typeof t === 'string' && FAILURE_TYPES.has(t));
      verdict.failureTypeUnknown ||= types.some((t) => typeof t !== 'string');
      judgeEach(node, criterion.FailureType, asEnum, findings, `${path}.FailureType`, (t) => (t === undefined ? 'Missing' : undefined));
      judgeEach(node, criterion.ThresholdPercentage, asNumber, findings, `${path}.ThresholdPercentage`, (percent) =>
        percent === undefined ? 'Missing' : percent > MAX_ABORT_THRESHOLD_PERCENT ? `ThresholdAbove${MAX_ABORT_THRESHOLD_PERCENT}` : undefined);
    }
  }
  return verdict;
}
