import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asNumber, judge, possibleAt, referencedParameter } from '../../private/cfn-values';
import { resolvedProperties } from '../../private/cfn';
import { defineRule } from '../../rule-definition';

const TYPE = 'AWS::IoT::RoleAlias';

/** The longest credential lifetime any risk profile allows, seconds. */
const MAX_ROLE_ALIAS_CREDENTIAL_SECONDS = 3600;

/**
 * IoTSecurity-GW2: credentials issued through a role alias live an hour at most.
 *
 * `CredentialDurationSeconds` absent means the AWS default, 3600 s. A number or numeric string
 * is read as it is; a parameter is read by its `AllowedValues` or, failing those, its `MaxValue`.
 * A value the template cannot read is reported as `Unresolved::CredentialDurationSeconds`, one
 * that is not a number (`"ten"`) as `Invalid::CredentialDurationSeconds`: findings of this rule.
 */
export const IoTRoleAliasCredentialDuration = defineRule({
  id: 'GW2',
  practice: Practice.GATEWAYS_AND_IT,
  iotLens: ['IOTSEC04', 'IOTSEC05'],
  attackEnterprise: ['T1078.004', 'T1528', 'T1550.001'],
  attackIcs: ['T0859'],
  level: NagMessageLevel.ERROR,
  info: `The role alias issues credentials valid for more than ${MAX_ROLE_ALIAS_CREDENTIAL_SECONDS} seconds.`,
  explanation:
    'Temporary credentials taken from a gateway or device stay usable for their whole lifetime, even after the certificate that got them is revoked. ' +
    'Short lifetimes bound that window; devices refresh through the credentials provider at no cost.',
  fix: `Set CredentialDurationSeconds to ${MAX_ROLE_ALIAS_CREDENTIAL_SECONDS} or less (900 for critical infrastructure).`,
  resourceTypes: [TYPE],
}, (node: CfnResource): NagRuleResult => {
  const props = resolvedProperties(node);
  const parameter = referencedParameter(node, props.CredentialDurationSeconds);
  const values = parameter && !parameter.allowedValues?.length && parameter.maxValue !== undefined
    ? [parameter.maxValue]
    : possibleAt(node, props, ['CredentialDurationSeconds']);
  return judge(values, asNumber, (seconds) => seconds !== undefined && seconds > MAX_ROLE_ALIAS_CREDENTIAL_SECONDS, 'CredentialDurationSeconds');
});
