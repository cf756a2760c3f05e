import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asArray, resolvedProperties, resourcesInStack } from '../../private/cfn';
import { branches, Findings, isObject, possibleValues, Unresolved } from '../../private/cfn-values';
import { displayValue } from '../../private/display';
import { iamAction } from '../../private/iam-data';
import { isWildcardResource, templateString } from '../../private/iam-policy';
import { DEVICE_ACTIONS, parseAction } from '../../private/iot-policy-analyzer';
import { StackModel } from '../../private/stack-model';
import { defineRule } from '../../rule-definition';
import { trustedServices } from '../../private/role-refs';

const ROLE = 'AWS::IAM::Role';
const COGNITO_IDENTITY = 'cognito-identity.amazonaws.com';

/** The JSON-ish text fragments by which a value refers to a resource of the stack. */
function refersTo(value: unknown, role: CfnResource): boolean {
  // By Ref, GetAtt or Sub, and by the role's name or ARN where the template builds them.
  return StackModel.of(role).refersTo(value, role);
}

/** Whether an identity pool role attachment of the stack names the role (`Roles` or `RoleMappings`). */
function attachedToIdentityPool(role: CfnResource): boolean {
  return resourcesInStack(role).some((r) => {
    if (r.cfnResourceType !== 'AWS::Cognito::IdentityPoolRoleAttachment') return false;
    try {
      const p = resolvedProperties(r);
      return refersTo(p.Roles, role) || refersTo(p.RoleMappings, role);
    } catch {
      return false;
    }
  });
}

/** The policy documents that grant the role: its inline `Policies` and each `AWS::IAM::Policy` of the stack naming it. */
function documentsOf(role: CfnResource): unknown[] {
  const docs: unknown[] = [];
  for (const list of possibleValues(role, resolvedProperties(role).Policies)) {
    for (const item of asArray(list)) if (isObject(item)) docs.push(item.PolicyDocument);
  }
  for (const r of resourcesInStack(role)) {
    if (r.cfnResourceType !== 'AWS::IAM::Policy' && r.cfnResourceType !== 'AWS::IAM::ManagedPolicy') continue;
    const p = resolvedProperties(r);
    if (refersTo(p.Roles, role)) docs.push(p.PolicyDocument);
  }
  return docs;
}

/**
 * Whether an IoT action only reads the account's settings, never a resource: its access level is
 * only `Read` and it supports no resource-level permission (`iot:DescribeEndpoint`, which an app
 * needs to find the MQTT endpoint). It reads no device, so it is no control plane; a `List` of the
 * fleet (`iot:ListThings`) still is one.
 */
function harmlessLookup(name: string): boolean {
  const facts = iamAction('iot', name);
  return facts !== undefined && facts.wildcardOnly && facts.resourceTypes.length === 0
    && facts.accessLevels.length > 0 && facts.accessLevels.every((l) => l === 'Read')
    // Audit findings and tasks describe the fleet's weaknesses: not for every app user.
    && !/audit|finding|mitigation|task/i.test(facts.name);
}

/**
 * IoTSecurity-GW4: a Cognito identity pool role (trusted by `cognito-identity.amazonaws.com`, or
 * named by an `AWS::Cognito::IdentityPoolRoleAttachment` of the stack) must not allow AWS IoT
 * control-plane actions (`iot:AttachPolicy`, `iot:CreateJob`, `iot:DeleteThing`,
 * `iot:UpdateCertificate`... or a wildcard that matches one; a read of the account's settings with no
 * resource-level permission, such as `iot:DescribeEndpoint`, is not one), nor IoT data-plane actions on `*`
 * or on every resource of a type. Every app user (or, for the unauthenticated role, anyone on the
 * internet) holds these credentials. Anticipates Device Defender's
 * AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK and UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK.
 *
 * Findings: `Action::<action>` (as written) and `Resource::<arn>`; `Unresolved::PolicyDocument`
 * for a document that cannot be read. Reads inline policies and `AWS::IAM::Policy` /
 * `AWS::IAM::ManagedPolicy` resources of the stack that name the role.
 */
export const IoTCognitoRoleNoIotControl = defineRule({
  id: 'GW4',
  practice: Practice.GATEWAYS_AND_IT,
  iotLens: ['IOTSEC03', 'IOTSEC04'],
  attackEnterprise: ['T1078.004', 'T1098'],
  attackIcs: ['T0859'],
  auditChecks: ['AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK', 'UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK'],
  level: NagMessageLevel.ERROR,
  info: 'A Cognito identity pool role allows AWS IoT control-plane actions, or IoT data-plane actions on every resource.',
  explanation: 'Every user of the app (anyone, for an unauthenticated role) gets these credentials: with IoT control-plane actions '
    + 'they can attach policies, create jobs, delete things or revoke certificates across the fleet, and with data-plane actions on * '
    + 'they can read and command every device.',
  fix: 'Give identity pool roles only iot:Connect, iot:Publish, iot:Subscribe and iot:Receive on resources scoped by '
    + '${cognito-identity.amazonaws.com:sub}, and attach an IoT policy per identity; do administration from a backend role.',
  resourceTypes: [ROLE],
}, (node: CfnResource): NagRuleResult => {
  if (!trustedServices(node, node).has(COGNITO_IDENTITY) && !attachedToIdentityPool(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const findings = new Findings();
  for (const document of documentsOf(node)) {
    for (const doc of possibleValues(node, document)) {
      let parsed: unknown = doc;
      if (typeof doc === 'string') {
        try {
          parsed = JSON.parse(doc);
        } catch {
          parsed = undefined;
        }
      }
      if (doc instanceof Unresolved || !isObject(parsed)) {
        findings.add('Unresolved', 'PolicyDocument');
        continue;
      }
      for (const statement of asArray(parsed.Statement as unknown)) {
        if (!isObject(statement) || String(statement.Effect).toLowerCase() !== 'allow') continue;
        let dataPlane = false;
        for (const action of asArray(statement.Action as unknown)) {
          const info = typeof action === 'string' ? parseAction(action) : undefined;
          if (!info) continue;
          const judged = info.iotActions.filter((n) => !harmlessLookup(n));
          if (judged.some((n) => !DEVICE_ACTIONS.has(n))) findings.add('Action', info.display);
          else if (judged.length > 0) dataPlane = true;
        }
        if (!dataPlane) continue;
        for (const resource of asArray(statement.Resource as unknown)) {
          for (const branch of branches(resource)) {
            const shape = templateString(branch);
            if (shape !== undefined && (shape === '*' || isWildcardResource(shape))) findings.add('Resource', displayValue(branch));
          }
        }
      }
    }
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
