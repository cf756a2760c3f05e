import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asBoolean, judge, possibleAt } from '../../private/cfn-values';
import { resolvedProperties } from '../../private/cfn';
import { defineRule } from '../../rule-definition';

const TYPE = 'AWS::IoT::DomainConfiguration';

/**
 * IoTSecurity-TLS2: clients of a domain configuration cannot choose another custom authorizer.
 *
 * `AuthorizerConfig.AllowAuthorizerOverride` true (boolean or string, any case) is a violation;
 * absent means false. A value the template cannot read is reported as
 * `Unresolved::AuthorizerConfig.AllowAuthorizerOverride`, one that is not a boolean as
 * `Invalid::AuthorizerConfig.AllowAuthorizerOverride`: findings of this rule.
 */
export const IoTDomainConfigurationAuthorizerOverride = defineRule({
  id: 'TLS2',
  practice: Practice.DATA_IN_TRANSIT,
  iotLens: ['IOTSEC03', 'IOTSEC07'],
  attackEnterprise: ['T1078', 'T1550.001'],
  attackIcs: ['T0859', 'T0822'],
  level: NagMessageLevel.WARN,
  info: "The domain configuration lets clients override its default authorizer.",
  explanation:
    "With AllowAuthorizerOverride, a client names any custom authorizer of the account in its connection request, " +
    "so the endpoint's authentication is only as strong as the weakest authorizer in the account, including test and legacy ones.",
  fix: 'Remove AllowAuthorizerOverride (or set it false); give endpoints that need another authorizer their own domain configuration.',
  resourceTypes: [TYPE],
}, (node: CfnResource): NagRuleResult => {
  const values = possibleAt(node, resolvedProperties(node), ['AuthorizerConfig', 'AllowAuthorizerOverride']);
  return judge(values, asBoolean, (allowed) => allowed === true, 'AuthorizerConfig.AllowAuthorizerOverride');
});
