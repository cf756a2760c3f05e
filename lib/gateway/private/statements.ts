import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from '../../core/private/secure-defaults';
import { describeValue } from '../../core/private/describe';

/** The credentials provider's policy variable for the calling device's thing name. */
export const THING_NAME_VARIABLE = '${credentials-iot:ThingName}';

/**
 * Services whose actions a device or gateway never needs and which can widen its own access:
 * the role alias rule of the pack (IoTSecurity-GW1) flags them too.
 */
export const ADMIN_SERVICES: readonly string[] = ['iam', 'sts', 'organizations', 'account', 'sso', 'identitystore', 'controltower'];

const ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/** What is wrong with a statement for a token exchange role: NotAction, wildcard or admin actions. */
export function problemsOfStatement(statement: iam.PolicyStatement): string[] {
  if (!(statement instanceof iam.PolicyStatement)) {
    return [`each statement must be an iam.PolicyStatement, got ${describeValue(statement)}`];
  }
  const problems: string[] = [];
  if (statement.notActions.length > 0) {
    problems.push(`NotAction is not allowed (it grants every other action), got ${describeValue(statement.notActions)}`);
  }
  if (statement.effect === iam.Effect.DENY) return problems;
  if (statement.actions.length === 0 && statement.notActions.length === 0) {
    problems.push('a statement must name at least one action');
  }
  for (const action of statement.actions) {
    if (/[*?]/.test(action)) {
      problems.push(`action ${JSON.stringify(action)} has a wildcard; name each action the gateways call (e.g. 's3:GetObject')`);
    } else if (!ACTION.test(action)) {
      problems.push(`action ${JSON.stringify(action)} is not of the form 'service:Action'`);
    } else if (ADMIN_SERVICES.includes(action.split(':')[0].toLowerCase())) {
      problems.push(`action ${JSON.stringify(action)} belongs to an account administration service (${ADMIN_SERVICES.join(', ')}), which gateways never get`);
    }
  }
  return problems;
}

/**
 * A resolved policy value as cdk-nag prints it in a finding ID (its `flattenCfnReference`):
 * `${...}` becomes `<...>`, references `<LogicalId>` or `<LogicalId.Attr>`, joins are flattened.
 */
export function nagFlatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (node && typeof node === 'object') {
    const v = node as { [k: string]: any };
    if (v['Fn::Join']) {
      const [delimiter, items] = v['Fn::Join'] as [string, unknown[]];
      return items.map(nagFlatten).join(delimiter);
    }
    if (v['Fn::Sub']) return nagFlatten(v['Fn::Sub']);
    if (v['Fn::GetAtt']) {
      const [resource, attribute] = v['Fn::GetAtt'] as [unknown, unknown];
      return `<${nagFlatten(resource)}.${nagFlatten(attribute)}>`;
    }
    if (v['Fn::ImportValue']) return nagFlatten(v['Fn::ImportValue']);
    if (v.Ref) return `<${nagFlatten(v.Ref)}>`;
  }
  return JSON.stringify(node);
}

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for one resource ARN with a wildcard, on the
 * role's default policy. The finding ID holds the ARN as the template will: it is computed once
 * the app is prepared (from a validation hook), so a bucket of another stack is named by its
 * import, as cdk-nag will see it.
 */
export function acknowledgeWildcardResource(scope: Construct, role: iam.Role, arn: string, reason: string): void {
  scope.node.addValidation({
    validate: () => {
      const policy = role.node.tryFindChild('DefaultPolicy');
      if (policy) acknowledge(policy, `AwsSolutions-IAM5[Resource::${nagFlatten(Stack.of(policy).resolve(arn))}]`, reason);
      return [];
    },
  });
}
