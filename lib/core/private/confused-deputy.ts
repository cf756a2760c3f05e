import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { describeValue } from './describe';

/*
 * Confused-deputy protection for every place the library lets an AWS service in (a role's trust
 * policy, a key, topic, queue or bucket policy): the service is admitted only when it acts for a
 * resource of this account (`aws:SourceAccount`) and, where the caller knows it, for that one
 * resource (`aws:SourceArn`). AWS documents the keys per service (IAM User Guide, "The confused
 * deputy problem"; each service's "Cross-service confused deputy prevention" page); the table of
 * which services send them, with its sources, is SERVICE_TRUST in ./service-trust.ts.
 */

/** Options of `confusedDeputySafePrincipal`. */
export interface ConfusedDeputySafePrincipalOptions {
  /**
   * The ARN of the resource the service acts for (a topic rule, a backup vault, a mitigation
   * action, an EventBridge rule...), matched with `ArnLike`: `*` only in its resource part, never
   * in its account. It must be an ARN of this stack's account.
   * @default - `aws:SourceAccount` alone: any resource of this account
   */
  readonly sourceArn?: string;
}

/**
 * A service principal bounded to this stack's account (`aws:SourceAccount`) and, given
 * `sourceArn`, to the resource that acts (`aws:SourceArn`). Use it for every role a service
 * assumes and every resource policy statement that admits a service that sends these keys; a
 * grant (`key.grant`, `topic.grantPublish`...) to it carries the conditions into the statement.
 */
export function confusedDeputySafePrincipal(scope: Construct, service: string, options: ConfusedDeputySafePrincipalOptions = {}): iam.ServicePrincipal {
  const stack = Stack.of(scope);
  if (typeof service !== 'string' || !/^[a-z0-9.-]+\.amazonaws\.com$/.test(service)) {
    throw new Error(`${scope.node.path}: confusedDeputySafePrincipal: service must be a service principal such as 'iot.amazonaws.com', got ${describeValue(service)}`);
  }
  const conditions: { [op: string]: { [key: string]: unknown } } = {
    StringEquals: { 'aws:SourceAccount': stack.account },
  };
  const sourceArn = options.sourceArn;
  if (sourceArn !== undefined) {
    const problem = sourceArnProblem(stack, sourceArn);
    if (problem) throw new Error(`${scope.node.path}: confusedDeputySafePrincipal(${service}): sourceArn ${problem}, got ${describeValue(sourceArn)}`);
    conditions.ArnLike = { 'aws:SourceArn': sourceArn };
  }
  return new iam.ServicePrincipal(service, { conditions });
}

/**
 * `arn:<partition>:<service>:<region>:<account>:<resource>` of this stack, for a resource whose
 * ARN the caller cannot take from the resource itself without a dependency cycle (a key policy
 * naming the vault the key encrypts).
 */
export function sourceArnIn(scope: Construct, service: string, resource: string, resourceName?: string, arnFormat: ArnFormat = ArnFormat.SLASH_RESOURCE_NAME): string {
  return Stack.of(scope).formatArn({ service, resource, resourceName, arnFormat });
}

function sourceArnProblem(stack: Stack, arn: unknown): string | undefined {
  if (typeof arn !== 'string') return 'must be a string';
  const parts = arn.split(':');
  if (parts.length === 1 && Token.isUnresolved(arn)) {
    // A resource's own ARN attribute (Fn::GetAtt / Ref): a resource of this stack, so of its account.
    return undefined;
  }
  if (parts.length < 6 || parts[0] !== 'arn') return 'must be an ARN (arn:<partition>:<service>:<region>:<account>:<resource>)';
  const account = parts[4];
  if (account === stack.account) return undefined;
  if (account === '' || account.includes('*') || account.includes('?')) {
    return 'must name the account (no wildcard): a wildcard admits the service acting for any account';
  }
  if (Token.isUnresolved(account) || Token.isUnresolved(stack.account)) {
    return `must be in this stack's account (build it with Stack.formatArn or take the resource's ARN)`;
  }
  return `must be in this stack's account (${stack.account})`;
}
