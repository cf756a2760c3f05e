import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { isSet, possibleAt } from '../../private/cfn-values';
import { resolvedProperties } from '../../private/cfn';
import { defineRule } from '../../rule-definition';

const TYPE = 'AWS::IoT::TopicRule';

/**
 * IoTSecurity-DAT1: a topic rule sends the messages its actions fail on somewhere.
 *
 * Practice 5 (data at rest): a topic rule is how device data reaches the store that keeps it, and
 * the error action is the only copy of a message the rule failed to deliver.
 * `TopicRulePayload.ErrorAction` must be a non-empty action; an intrinsic counts as set, an
 * `Fn::If` with an `AWS::NoValue` branch does not. A disabled rule is judged too: it is one
 * property away from running.
 */
export const IoTTopicRuleErrorAction = defineRule({
  id: 'DAT1',
  practice: Practice.DATA_AT_REST,
  iotLens: ['IOTSEC10'],
  attackEnterprise: ['T1499', 'T1562'],
  attackIcs: ['T0815', 'T0829'],
  level: NagMessageLevel.WARN,
  info: 'The topic rule has no error action: data its actions fail to deliver is lost.',
  explanation:
    'A topic rule is how device data reaches the store that keeps it. When a rule action fails (throttling, a missing permission, ' +
    'a deleted or full target), AWS IoT drops the message: the data never reaches storage, and no copy is kept to replay it from. ' +
    'An error action keeps what failed so it can be stored late rather than lost; without one, lost data and a target an attacker ' +
    'disabled look the same as a quiet fleet.',
  fix: 'Set TopicRulePayload.ErrorAction to a durable store (an SQS queue, an S3 bucket or CloudWatch Logs) so failed messages are kept for replay, and alarm on it.',
  resourceTypes: [TYPE],
}, (node: CfnResource): NagRuleResult => {
  const actions = possibleAt(node, resolvedProperties(node), ['TopicRulePayload', 'ErrorAction']);
  return actions.every(isSet) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
});
