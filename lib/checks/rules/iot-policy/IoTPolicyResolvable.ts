import { NagMessageLevel } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { iotPolicyRuleResult } from '../../private/iot-policy-sources';
import { defineRule } from '../../rule-definition';

/**
 * IoTSecurity-ID5: every part of an IoT policy the pack judges must be readable at synth. A
 * document from `Fn::ImportValue`, a stack parameter without `AllowedValues` (anywhere in the
 * document: its value could be `*`), an `Fn::GetAtt` in an action or a malformed JSON string
 * cannot be checked, and is reported instead of passing silently. The finding ID names what
 * could not be read, e.g. `Unresolved::Statement[0].Action`.
 *
 * `Fn::If` and parameters with `AllowedValues` are readable: the other rules judge every form
 * the document can deploy in (each branch, each allowed value; picks on one condition or one
 * parameter agree). Past 64 such forms the rest are not judged, and the document, e.g.
 * `Unresolved::PolicyDocument`, is this rule's finding.
 */
export const IoTPolicyResolvable = defineRule({
  id: 'ID5',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC04', 'IOTSEC14'],
  attackEnterprise: ['T1078'],
  attackIcs: ['T0859'],
  level: NagMessageLevel.WARN,
  info: 'Part of the IoT policy cannot be read at synth time, so it was not checked for least privilege.',
  explanation: 'The wildcard, scoping and control-plane rules can only judge what is known at synth; a value '
    + 'resolved at deploy time could grant anything.',
  fix: 'Write the policy document, its actions and its resources in the template (Fn::Sub and Fn::Join with Ref, '
    + 'Fn::GetAtt and pseudo parameters are fine), give parameters AllowedValues, or acknowledge this finding after '
    + 'reviewing the deployed policy.',
  resourceTypes: ['*'],
}, (node) => iotPolicyRuleResult(node, (f) => f.unresolved));
