import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties, resourcesInStack } from '../../private/cfn';
import { Findings } from '../../private/cfn-values';
import { reviewRole } from '../../private/iam-policy';
import { trustedServices } from '../../private/role-refs';
import { StackModel } from '../../private/stack-model';
import { defineRule } from '../../rule-definition';
import { IoTRoleAliasLeastPrivilege } from './IoTRoleAliasLeastPrivilege';

const ROLE = 'AWS::IAM::Role';
const ROLE_ALIAS = 'AWS::IoT::RoleAlias';
const CREDENTIALS_PROVIDER = 'credentials.iot.amazonaws.com';

/**
 * Whether a role alias of the stack points at `role` (then IoTSecurity-GW1 judges it): by `Ref`,
 * `Fn::GetAtt` or `Fn::Sub`, or by an ARN built from the role's name; a role alias made by a
 * custom resource counts (see `StackModel`).
 */
function behindRoleAlias(role: CfnResource): boolean {
  const model = StackModel.of(role);
  return resourcesInStack(role).some((r) => {
    if (r.cfnResourceType !== ROLE_ALIAS) return false;
    try {
      return model.refersTo(resolvedProperties(r).RoleArn, role);
    } catch {
      return false;
    }
  });
}

/**
 * IoTSecurity-GW3: every IAM role the AWS IoT credentials provider may assume (trusted by
 * `credentials.iot.amazonaws.com`) grants devices only what they need, whether or not a native
 * `AWS::IoT::RoleAlias` of the stack points at it: a role alias made by a custom resource, in
 * another template or by hand hands out the same credentials. A role behind a role alias of the
 * stack is IoTSecurity-GW1's (one cause, one finding); this rule judges the others by the same
 * review and with the same finding IDs (`Action::`, `AdminService::`, `AdminAction::`,
 * `Resource::`, `ManagedPolicy::`, `NotAction`, `NotResource`, `Unresolved::...`).
 */
export const IoTCredentialsProviderRoleLeastPrivilege = defineRule({
  id: 'GW3',
  practice: Practice.GATEWAYS_AND_IT,
  iotLens: ['IOTSEC04'],
  attackEnterprise: IoTRoleAliasLeastPrivilege.metadata.attackEnterprise,
  attackIcs: IoTRoleAliasLeastPrivilege.metadata.attackIcs,
  auditCheck: 'IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK',
  level: NagMessageLevel.ERROR,
  info: 'A role the AWS IoT credentials provider may assume grants wildcard, administrative or account-wide permissions.',
  explanation:
    'A role trusted by credentials.iot.amazonaws.com can be handed to devices by any role alias, including one created outside this '
    + 'template: every certificate allowed to assume that alias gets its credentials, so a key extracted from one device reaches all it grants.',
  fix: IoTRoleAliasLeastPrivilege.metadata.fix,
  resourceTypes: [ROLE],
}, (node: CfnResource): NagRuleResult => {
  if (!trustedServices(node, node).has(CREDENTIALS_PROVIDER)) return NagRuleCompliance.NOT_APPLICABLE;
  if (behindRoleAlias(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const findings = new Findings();
  reviewRole(node, node, findings);
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
