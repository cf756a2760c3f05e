import { CfnResource, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import { CfnRoleAlias } from 'aws-cdk-lib/aws-iot';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { Findings, Unresolved } from '../../private/cfn-values';
import { reviewRole } from '../../private/iam-policy';
import { rolesOf } from '../../private/role-refs';
import { defineRule } from '../../rule-definition';

const TYPE = 'AWS::IoT::RoleAlias';
const ROLE = 'AWS::IAM::Role';

/**
 * The role of another stack of the app that the alias's `roleArn` token points at. In the
 * template a cross-stack reference is an import the stack cannot read, but the CDK token still
 * knows its target, so the role's own stack can be reviewed.
 */
function roleInAnotherStack(node: CfnResource): CfnResource | undefined {
  const roleArn = node instanceof CfnRoleAlias ? node.roleArn : undefined;
  if (typeof roleArn !== 'string' || !Token.isUnresolved(roleArn)) return undefined;
  const token = Tokenization.reverseString(roleArn).firstToken;
  const target = token instanceof Reference ? token.target : undefined;
  return target && CfnResource.isCfnResource(target) && target.cfnResourceType === ROLE && Stack.of(target) !== Stack.of(node)
    ? target : undefined;
}

/**
 * IoTSecurity-GW1: the role behind a role alias grants a device or gateway only what it needs.
 *
 * `RoleArn` is followed through `Fn::GetAtt`/`Ref` (or an ARN built with `Fn::Join`/`Fn::Sub`,
 * or a literal ARN whose name is a role of the stack) to the `AWS::IAM::Role`, and every `Fn::If`
 * branch is followed. Everything granting the role is read: its inline `Policies`, its
 * `ManagedPolicyArns` (managed policies of the stack by their documents, AWS-managed ones by name),
 * and each `AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy` and `AWS::IAM::RolePolicy` of the stack naming it.
 * Findings, one each:
 * - `Action::<action>`: `*` or a wildcard action (`s3:*`, `s3:Get*`);
 * - `AdminService::<service>`: any action of iam, sts, organizations, account, sso, identitystore, controltower;
 * - `AdminAction::<action>`: an action (or a wildcard matching one) that the IAM dataset files under
 *   `Permissions management` in any service (`kms:CreateGrant`, `iot:AttachPolicy`, `s3:PutBucketPolicy`), or one
 *   of `ADMIN_ACTIONS` (`private/iam-policy.ts`): KMS key administration, turning off CloudTrail, Config, GuardDuty,
 *   Security Hub or logs, minting IoT certificates, rewriting role aliases, topic rules, logging or Device Defender;
 * - `NotAction`, `NotResource`;
 * - `Resource::<arn>`: `*`, or every resource of a service or type (`arn:aws:iot:r:a:topic/*`), for an action
 *   that can be scoped. Actions the IAM dataset says support no resource-level permission (Device Defender's
 *   `iot:DescribeAccountAuditConfiguration`, `iot:StartOnDemandAuditTask`, `iot:ListAuditFindings`,
 *   `iot:DescribeEndpoint`, `sts:GetCallerIdentity`...), and `cloudwatch:PutMetricData`, may stand on `*`;
 *   an action that can be scoped (`iot:CreateScheduledAudit` on `scheduledaudit`) may not;
 * - `ManagedPolicy::<name>`: any AWS-managed policy (name without path, a part computed at deploy as `${...}`, see `private/display.ts`).
 *   AWS writes them to grant on `*` across the account (AmazonS3ReadOnlyAccess reads every bucket,
 *   SecretsManagerReadWrite every secret) and changes them without notice; none can be scoped to the
 *   thing. Only a policy in `DEVICE_SAFE_AWS_MANAGED_POLICIES` (`private/iam-policy.ts`, empty today) passes.
 * Deny statements are ignored; a permissions boundary is not credited (the grant is what is reviewed).
 * A role in another stack of the same CDK app is followed through its reference token and
 * reviewed in its own stack. What cannot be read is a finding of this rule, since it may grant
 * anything: `Unresolved::RoleArn` (an imported or parameter ARN), `Unresolved::ManagedPolicyArns` (a customer-managed
 * policy outside the stack), `Unresolved::PolicyDocument`, `Unresolved::Statement`, `Unresolved::Action`,
 * `Unresolved::Resource`, `Unresolved::Policies`.
 */
export const IoTRoleAliasLeastPrivilege = defineRule({
  id: 'GW1',
  practice: Practice.GATEWAYS_AND_IT,
  iotLens: ['IOTSEC04'],
  attackEnterprise: ['T1078.004', 'T1098.003', 'T1530', 'T1562.008'],
  attackIcs: ['T0859', 'T0890'],
  auditCheck: 'IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK',
  level: NagMessageLevel.ERROR,
  info: 'The role behind the role alias grants wildcard, administrative or account-wide permissions.',
  explanation:
    'Every device or gateway holding a certificate allowed to assume the role alias gets these AWS credentials. ' +
    'A key extracted from one device then reaches every resource the role can: wildcards and admin actions turn a stolen device into an account compromise.',
  fix: 'Grant the role only the actions the devices use, on their own resources (scope by ${credentials-iot:ThingName} where you can); no admin services, no NotAction, no AWS-managed policies (they grant on * across the account).',
  resourceTypes: [TYPE],
}, (node: CfnResource): NagRuleResult => {
  const findings = new Findings();
  const seen = new Set<CfnResource>();
  let roles = rolesOf(node, resolvedProperties(node).RoleArn);
  const crossStack = roles.every((r) => r instanceof Unresolved) ? roleInAnotherStack(node) : undefined;
  if (crossStack) roles = [crossStack];
  for (const role of roles) {
    if (role instanceof Unresolved) {
      findings.unreadable(role, 'RoleArn');
    } else if (!seen.has(role)) {
      seen.add(role);
      // The role's policies are read in the role's own stack.
      reviewRole(role, role, findings);
    }
  }
  if (seen.size === 0) findings.add('Unresolved', 'RoleArn');
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
