import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asBoolean, judge, possibleAt } from '../../private/cfn-values';
import { resolvedProperties } from '../../private/cfn';
import { defineRule } from '../../rule-definition';

const TYPE = 'AWS::IoT::Authorizer';

/**
 * IoTSecurity-ID9: a custom authorizer has AWS IoT verify the token signature.
 *
 * `SigningDisabled` true, as a boolean or as the string `"true"` in any case, is a violation;
 * absent means false. A `SigningDisabled` the template cannot read is reported as
 * `Unresolved::SigningDisabled`, one that is not a boolean (`"yes"`) as `Invalid::SigningDisabled`:
 * findings of this rule. The authorizer's `Status` is not
 * considered: an inactive authorizer is one property away from taking connections.
 */
export const IoTAuthorizerTokenSigning = defineRule({
  id: 'ID9',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC03'],
  attackEnterprise: ['T1078', 'T1550.001', 'T1499'],
  attackIcs: ['T0859', 'T0822'],
  level: NagMessageLevel.ERROR,
  info: 'The custom authorizer has token signing disabled.',
  explanation:
    'With SigningDisabled, AWS IoT invokes the authorizer Lambda for any token from anyone: forged or replayed tokens reach your code unchecked, ' +
    'and unauthenticated callers can run up Lambda invocations at will.',
  fix: 'Remove SigningDisabled (or set it false) and give the authorizer TokenKeyName and TokenSigningPublicKeys; devices sign their tokens.',
  resourceTypes: [TYPE],
}, (node: CfnResource): NagRuleResult => {
  const values = possibleAt(node, resolvedProperties(node), ['SigningDisabled']);
  return judge(values, asBoolean, (disabled) => disabled === true, 'SigningDisabled');
});
