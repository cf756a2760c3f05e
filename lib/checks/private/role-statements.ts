import { CfnResource } from 'aws-cdk-lib';
import { asArray } from './cfn';
import { Findings, possibleValues, Unresolved } from './cfn-values';
import { forEachRoleGrant, forEachStatement, inPassPerStack } from './iam-policy';

/** What grants an IAM role of the stack its permissions, read statement by statement. */
export interface RoleGrants {
  /** Every Allow statement, in every form its document can deploy in. */
  readonly statements: readonly { [key: string]: unknown }[];
  /** The AWS-managed policies attached, by name without path. */
  readonly awsManagedPolicies: readonly string[];
}

/**
 * The Allow statements granting `role` (an `AWS::IAM::Role` of the stack), from everything
 * `forEachRoleGrant` finds grants it (inline, managed and attached policies, followed by `Ref`,
 * name or ARN), and its AWS-managed policies by name. What cannot be read is added to `findings`
 * (`Unresolved::Policies`, `::PolicyDocument`, `::Statement`, `::ManagedPolicyArns`).
 *
 * Read once per role and validation pass: a rule that judges a role's permissions should start
 * here, so that every rule reading the same role shares one reading. The result is shared: do not
 * change it.
 */
export function roleGrants(node: CfnResource, role: CfnResource, findings: Findings): RoleGrants {
  const read = inPassPerStack('role-statements.role-grants', node, role, () => {
    const found = new Findings();
    return { grants: readRoleGrants(node, role, found), findings: found };
  });
  // In the order found: the same findings, in the same order, as reading the role here would add.
  findings.addAll(read.findings);
  return read.grants;
}

function readRoleGrants(node: CfnResource, role: CfnResource, findings: Findings): RoleGrants {
  const statements: { [key: string]: unknown }[] = [];
  const awsManagedPolicies: string[] = [];
  const document = (doc: unknown) => forEachStatement(node, doc, findings, (s) => {
    if (!possibleValues(node, s.Effect).every((e) => typeof e === 'string' && e.toLowerCase() === 'deny')) statements.push(s);
  });
  forEachRoleGrant(node, role, findings, { document, awsManaged: (name) => awsManagedPolicies.push(name) });
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
