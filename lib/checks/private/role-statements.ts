import { CfnResource } from 'aws-cdk-lib';
import { asArray, findInStack, referencedLogicalId, resolvedProperties, resourcesInStack } from './cfn';
import { branches, Findings, isObject, possibleValues, Unresolved } from './cfn-values';
import { awsManagedPolicyName, templateString } from './iam-policy';

/** What grants an IAM role of the stack its permissions, read statement by statement. */
export interface RoleGrants {
  /** Every Allow statement, in every form its document can deploy in. */
  readonly statements: readonly { [key: string]: unknown }[];
  /** The AWS-managed policies attached, by name without path. */
  readonly awsManagedPolicies: readonly string[];
}

/**
 * The Allow statements granting `role` (an `AWS::IAM::Role` of the stack): its inline `Policies`,
 * the managed policies of the stack in its `ManagedPolicyArns`, and every `AWS::IAM::Policy`,
 * `AWS::IAM::ManagedPolicy` and `AWS::IAM::RolePolicy` of the stack naming it (by `Ref` or literal
 * name), as IoTSecurity-GW1 reads them; AWS-managed policies by name. What cannot be read is
 * added to `findings` (`Unresolved::Policies`, `::PolicyDocument`, `::Statement`, `::ManagedPolicyArns`).
 */
export function roleGrants(node: CfnResource, role: CfnResource, findings: Findings): RoleGrants {
  const statements: { [key: string]: unknown }[] = [];
  const awsManagedPolicies: string[] = [];
  const props = resolvedProperties(role);
  const roleId = role.stack.resolve(role.logicalId) as string;
  const names = possibleValues(node, props.RoleName);
  const roleName = names.length === 1 && typeof names[0] === 'string' ? names[0] : undefined;

  const document = (doc: unknown) => {
    for (const d of possibleValues(node, doc)) {
      if (d === undefined) continue;
      let parsed: unknown = d;
      if (typeof d === 'string') {
        try {
          parsed = JSON.parse(d);
        } catch {
          parsed = undefined;
        }
      }
      if (!isObject(parsed)) {
        findings.unreadable(d instanceof Unresolved ? d : new Unresolved('PolicyDocument'), 'PolicyDocument');
        continue;
      }
      for (const list of possibleValues(node, parsed.Statement)) {
        for (const item of asArray(list)) {
          for (const s of possibleValues(node, item)) {
            if (s instanceof Unresolved) findings.unreadable(s, 'Statement');
            else if (isObject(s) && !possibleValues(node, s.Effect).every((e) => typeof e === 'string' && e.toLowerCase() === 'deny')) statements.push(s);
          }
        }
      }
    }
  };

  for (const list of possibleValues(node, props.Policies)) {
    if (list instanceof Unresolved) findings.unreadable(list, 'Policies');
    for (const item of asArray(list instanceof Unresolved ? undefined : list)) {
      for (const policy of possibleValues(node, item)) {
        if (policy instanceof Unresolved) findings.unreadable(policy, 'Policies');
        else if (isObject(policy)) document(policy.PolicyDocument);
      }
    }
  }
  for (const list of possibleValues(node, props.ManagedPolicyArns)) {
    if (list instanceof Unresolved) findings.unreadable(list, 'ManagedPolicyArns');
    for (const item of asArray(list instanceof Unresolved ? undefined : list)) {
      for (const arn of branches(item)) {
        const id = referencedLogicalId(arn);
        const target = id === undefined ? undefined : findInStack(node, id);
        if (target?.cfnResourceType === 'AWS::IAM::ManagedPolicy') {
          document(resolvedProperties(target).PolicyDocument);
          continue;
        }
        const shape = arn === undefined ? undefined : templateString(arn);
        const awsManaged = shape === undefined ? undefined : awsManagedPolicyName(shape);
        if (awsManaged !== undefined) awsManagedPolicies.push(awsManaged);
        else if (arn !== undefined) findings.add('Unresolved', 'ManagedPolicyArns');
      }
    }
  }
  for (const other of resourcesInStack(node)) {
    const type = other.cfnResourceType;
    if (type !== 'AWS::IAM::Policy' && type !== 'AWS::IAM::ManagedPolicy' && type !== 'AWS::IAM::RolePolicy') continue;
    const p = resolvedProperties(other);
    const entries = type === 'AWS::IAM::RolePolicy' ? [p.RoleName] : asArray(p.Roles as unknown);
    const names = (e: unknown) => branches(e).some((b) => referencedLogicalId(b) === roleId)
      || (roleName !== undefined && possibleValues(node, e).includes(roleName));
    if (entries.some(names)) document(p.PolicyDocument);
  }
  return { statements, awsManagedPolicies };
}

/** The strings a statement's `Action` (or `Resource`) can be; what cannot be read goes to `findings`. */
export function statementStrings(node: CfnResource, value: unknown, findings: Findings, path: string): string[] {
  const out: string[] = [];
  for (const list of possibleValues(node, value)) {
    for (const item of asArray(list)) {
      for (const v of possibleValues(node, item)) {
        if (typeof v === 'string') out.push(v);
        else if (v instanceof Unresolved) findings.unreadable(v, path);
      }
    }
  }
  return out;
}
