import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { isSet, neverThrow, possibleAt } from '../../private/cfn-values';
import { resolvedProperties } from '../../private/cfn';
import { defineRule } from '../../rule-definition';

const TYPE = 'AWS::IoT::TopicRule';

/**
 * DAT1: a topic rule sends the messages its actions fail on somewhere.
 *
 * `TopicRulePayload.ErrorAction` must be a non-empty action; an intrinsic counts as set, an
 * `Fn::If` with an `AWS::NoValue` branch does not. A disabled rule is judged too: it is one
 * property away from running.
 */
export const IoTTopicRuleErrorAction = defineRule({
  id: 'DAT1',
  practice: Practice.AUDIT_AND_MONITORING,
  attackEnterprise: ['T1499', 'T1562'],
  attackIcs: ['T0815', 'T0829'],
  level: NagMessageLevel.WARN,
  info: 'The topic rule has no error action.',
  explanation:
    'When a rule action fails (throttling, a missing permission, a deleted target), AWS IoT drops the message and tells no one. ' +
    'Without an error action, lost telemetry and a target an attacker disabled look the same as a quiet fleet.',
  fix: 'Set TopicRulePayload.ErrorAction, e.g. to a CloudWatch Logs or SQS action, and alarm on it.',
  resourceTypes: [TYPE],
}, neverThrow((node: CfnResource): NagRuleResult => {
  if (node.cfnResourceType !== TYPE) return NagRuleCompliance.NOT_APPLICABLE;
  const actions = possibleAt(node, resolvedProperties(node), ['TopicRulePayload', 'ErrorAction']);
  return actions.every(isSet) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
}));
