import { NagMessageLevel } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { iotPolicyRuleResult } from '../../private/iot-policy-sources';
import { defineRule } from '../../rule-definition';
import { AUDIT_CHECKS } from '../../../core/private/audit-checks';

/**
 * IoTSecurity-ID1: an IoT policy must not Allow a wildcard action: `*`, `iot:*`, a glob that
 * matches more than one IoT action (`iot:*Publish*`, `iot:Up*`), or `NotAction`. A glob matching
 * one action (`iot:?onnect`) is that action. Reads `AWS::IoT::Policy`, the policies of
 * provisioning templates and policies created through `AwsCustomResource` (any `Custom::` type).
 * Every form the document can deploy in is judged: both branches of each `Fn::If`, each allowed
 * value of a stack parameter (see IoTSecurity-ID5 for what cannot be read).
 */
export const IoTPolicyNoWildcardActions = defineRule({
  id: 'ID1',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC04'],
  attackEnterprise: ['T1078', 'T1098'],
  attackIcs: ['T0859'],
  auditCheck: new Map(AUDIT_CHECKS).get('IotPolicyOverlyPermissiveCheck'),
  level: NagMessageLevel.ERROR,
  info: 'The IoT policy allows a wildcard action or uses NotAction.',
  explanation: 'A device policy that allows every action, every action matching a glob, or everything but a list, '
    + 'gives a stolen device credential far more than the device needs, including actions added to AWS IoT later.',
  fix: 'List the exact actions the device needs (for example iot:Connect, iot:Publish, iot:Subscribe, iot:Receive) '
    + 'in Action, and do not use NotAction with Allow.',
  resourceTypes: ['*'],
}, (node) => iotPolicyRuleResult(node, (f) => f.wildcardActions));
