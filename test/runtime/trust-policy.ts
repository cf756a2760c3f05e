import { arnServiceOfType, isThisAccount, renderCfn } from './cfn-render';
import { CfnTemplate, SynthesizedStack } from './synthesized';
import { IDENTITY_POLICY_TYPES, POLICY_PATHS, ServiceTrust, STATEMENT_PATHS, trustOf } from '../../lib/core/private/service-trust';

export { SERVICE_TRUST, trustOf } from '../../lib/core/private/service-trust';
export type { ServiceTrust } from '../../lib/core/private/service-trust';

/*
 * Confused-deputy protection, read from the templates: every IAM role whose trust policy admits an
 * AWS service and every resource policy that does (key, topic, queue, bucket, bus, vault, secret,
 * log resource policies, Lambda permissions) bounds the service to this account with
 * aws:SourceAccount and/or aws:SourceArn, where the service sends them, or with the service's own
 * equivalent. Which service sends what is SERVICE_TRUST (lib/core/private/service-trust.ts, shared
 * with the pack's rule GW15), each entry with the AWS page it comes from; a service the table does not know is a finding (add it, with its source).
 */

/** A statement that admits a service and does not bound it as AWS documents. */
export interface TrustFinding {
  readonly app: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly principal: string;
  readonly problem: string;
}

export function describeFinding(f: TrustFinding): string {
  return `${f.app} / ${f.stack} / ${f.logicalId} (${f.type}): ${f.principal}: ${f.problem}`;
}

function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function parseDoc(v: unknown): any {
  if (typeof v === 'string') {
    try {
      return JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  return v;
}

/** Every object with a `Statement` (or the statements themselves) under `value`: for resource types the table does not know. */
function findStatements(value: unknown, out: any[] = []): any[] {
  if (Array.isArray(value)) value.forEach((v) => findStatements(v, out));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Principal' in o && 'Effect' in o) out.push(o);
    else Object.values(o).forEach((v) => findStatements(v, out));
  }
  return out;
}

/** The conditions of a statement as [operator, key, values], keys lower-cased (IAM compares them case-insensitively). */
function conditionsOf(statement: any): Array<{ op: string; key: string; values: unknown[] }> {
  const out: Array<{ op: string; key: string; values: unknown[] }> = [];
  for (const [op, block] of Object.entries((statement.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
    for (const [key, v] of Object.entries(block ?? {})) out.push({ op, key: key.toLowerCase(), values: asArray(v) });
  }
  return out;
}

/** Operators that bind a key to the listed values (not IfExists, which passes when the key is absent; not negations). */
const BINDING_OPS = new Set(['StringEquals', 'StringLike', 'ArnEquals', 'ArnLike', 'StringEqualsIgnoreCase']);

interface StackContext { readonly stack: SynthesizedStack; readonly template: CfnTemplate }

/** Why one value of aws:SourceArn (or an equivalent key) does not bound the service to a resource of this account, or undefined. */
function sourceArnProblem(ctx: StackContext, value: unknown, services: string[], accountAlsoBound: boolean): string | undefined {
  const rendered = renderCfn(ctx.template, value);
  const whole = /^\$\{(?:GetAtt|Ref)=([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}$/.exec(rendered);
  if (whole) {
    const target = ctx.template.Resources[whole[1]];
    if (!target) return `aws:SourceArn refers to ${whole[1]}, which is not in the template`;
    const service = arnServiceOfType(target.Type);
    return service && services.includes(service) ? undefined
      : `aws:SourceArn is the ARN of ${whole[1]} (${target.Type}), not of a ${services.join('/')} resource`;
  }
  const parts = rendered.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return `aws:SourceArn ${JSON.stringify(rendered)} is not an ARN`;
  if (rendered.includes('${?}')) return `aws:SourceArn ${JSON.stringify(rendered)} cannot be read`;
  const [, , service, , account] = parts;
  if (!services.includes(service)) return `aws:SourceArn ${JSON.stringify(rendered)} is not an ARN of ${services.join('/')}`;
  if (account === '' && service === 's3') {
    return accountAlsoBound ? undefined : `aws:SourceArn ${JSON.stringify(rendered)} names no account (S3 ARNs have none): aws:SourceAccount must bound it too`;
  }
  if (!isThisAccount(ctx.stack, account)) return `aws:SourceArn ${JSON.stringify(rendered)} is not in this account (account part ${JSON.stringify(account)})`;
  return undefined;
}

/** Why a statement admitting `principal` is not bounded as `trust` asks, or undefined. */
function statementProblem(ctx: StackContext, statement: any, trust: ServiceTrust): string | undefined {
  if (trust.keys === 'unsupported') return undefined;
  const conds = conditionsOf(statement).filter((c) => BINDING_OPS.has(c.op));
  const problems: string[] = [];
  const accountConds = conds.filter((c) => c.key === 'aws:sourceaccount' || c.key === 'aws:sourceowner');
  let accountBound = false;
  for (const c of accountConds) {
    const bad = c.values.map((v) => renderCfn(ctx.template, v)).filter((r) => !isThisAccount(ctx.stack, r));
    if (bad.length > 0) problems.push(`aws:SourceAccount ${JSON.stringify(bad)} is not this account`);
    else accountBound = true;
  }
  const arnKeys = ['aws:sourcearn', ...(trust.equivalentKeys ?? []).map((k) => k.toLowerCase())];
  let arnBound = false;
  for (const c of conds.filter((x) => arnKeys.includes(x.key))) {
    const bad = c.values.map((v) => sourceArnProblem(ctx, v, trust.arnServices ?? [], accountBound || accountConds.length > 0)).filter((p): p is string => p !== undefined);
    if (bad.length > 0) problems.push(...bad);
    else arnBound = true;
  }
  if (problems.length > 0) return problems.join('; ');
  if (trust.keys === 'equivalent') {
    return arnBound ? undefined : `missing ${trust.equivalentKeys!.join(' or ')} (bound to this account's ${trust.arnServices!.join('/')} ARNs)`;
  }
  return accountBound || arnBound ? undefined : 'missing aws:SourceAccount and aws:SourceArn (bound to this account)';
}

function servicesOf(statement: any): unknown[] {
  const p = statement.Principal;
  if (!p || typeof p !== 'object') return [];
  return asArray(p.Service as unknown);
}

/** Every statement or permission of `stacks` that admits an AWS service without the bounds AWS documents for it. */
export function confusedDeputyFindings(stacks: SynthesizedStack[]): TrustFinding[] {
  const findings: TrustFinding[] = [];
  for (const stack of stacks) {
    const ctx: StackContext = { stack, template: stack.template };
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      const at = (principal: string, problem: string) => findings.push({ app: stack.app, stack: stack.stack, logicalId, type: resource.Type, principal, problem });
      const props = resource.Properties ?? {};
      if (resource.Type === 'AWS::Lambda::Permission') {
        const principal = renderCfn(stack.template, props.Principal);
        if (!/\.amazonaws\.com(\.cn)?$/.test(principal)) continue;
        const trust = trustOf(principal, 'resource');
        if (!trust) {
          at(principal, 'service not in the table of lib/core/private/service-trust.ts: find what AWS documents for it and add it with its source');
          continue;
        }
        // AddPermission's SourceAccount and SourceArn become the statement's aws:SourceAccount and aws:SourceArn conditions.
        const statement = {
          Condition: {
            ...(props.SourceAccount !== undefined ? { StringEquals: { 'aws:SourceAccount': props.SourceAccount } } : {}),
            ...(props.SourceArn !== undefined ? { ArnLike: { 'aws:SourceArn': props.SourceArn } } : {}),
          },
        };
        const problem = statementProblem(ctx, statement, trust);
        if (problem) at(principal, problem);
        continue;
      }
      if (IDENTITY_POLICY_TYPES.has(resource.Type)) continue;
      const where: 'role' | 'resource' = resource.Type === 'AWS::IAM::Role' ? 'role' : 'resource';
      const single = STATEMENT_PATHS[resource.Type];
      const paths = POLICY_PATHS[resource.Type] ?? (single ? [] : undefined);
      const statements = single ? asArray(parseDoc(props[single]))
        : paths ? paths.flatMap((p) => asArray(parseDoc(props[p])?.Statement))
          : findStatements(props);
      for (const statement of statements) {
        if (statement?.Effect !== 'Allow') continue;
        for (const raw of servicesOf(statement)) {
          // A principal written with the URL suffix (`iot.${AWS::URLSuffix}`) is the same service.
          const principal = renderCfn(stack.template, raw).replace('${AWS.URLSuffix}', 'amazonaws.com');
          if (!paths) {
            at(principal, `${resource.Type} is a resource policy the check does not know: add where it keeps its policy to POLICY_PATHS`);
            continue;
          }
          const trust = trustOf(principal, where);
          if (!trust) {
            at(principal, `service not in the table of lib/core/private/service-trust.ts (as a ${where} policy principal): find what AWS documents for it and add it with its source`);
            continue;
          }
          const problem = statementProblem(ctx, statement, trust);
          if (problem) at(principal, problem);
        }
      }
    }
  }
  return findings;
}

/** The findings of one CDK stack's template, for construct-level tests. */
export function confusedDeputyFindingsOf(template: { [key: string]: any }, environment = 'aws://unknown-account/unknown-region'): string[] {
  return confusedDeputyFindings([{ app: 'test', stack: 'test', environment, template: template as CfnTemplate }]).map(describeFinding);
}
