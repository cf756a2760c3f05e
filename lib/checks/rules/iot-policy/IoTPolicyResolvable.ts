import { NagMessageLevel } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { iotPolicyRuleResult } from '../../private/iot-policy-sources';
import { defineRule } from '../../rule-definition';

/**
 * Every part of an IoT policy the pack judges must be readable at synth: a document from
 * `Fn::ImportValue` or a parameter, a `Fn::If`, an action built from a parameter or a malformed
 * JSON string cannot be checked, and is reported instead of passing silently. The finding ID
 * names what could not be read, e.g. `Unresolved::Statement[0].Action`.
 */
export const IoTPolicyResolvable = defineRule({
  id: 'ID5',
  practice: Practice.IDENTITY_AND_ACCESS,
  attackEnterprise: ['T1078'],
  attackIcs: ['T0859'],
  level: NagMessageLevel.WARN,
  info: 'Part of the IoT policy cannot be read at synth time, so it was not checked for least privilege.',
  explanation: 'The wildcard, scoping and control-plane rules can only judge what is known at synth; a value '
    + 'resolved at deploy time could grant anything.',
  fix: 'Write the policy document, its actions and its resources in the template (Fn::Sub and Fn::Join with Ref, '
    + 'Fn::GetAtt and pseudo parameters are fine), or acknowledge this finding after reviewing the deployed policy.',
  resourceTypes: ['*'],
}, (node) => iotPolicyRuleResult(node, (f) => f.unresolved));
