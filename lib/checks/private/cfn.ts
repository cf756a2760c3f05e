import { CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import { StackModel } from './stack-model';

/*
 * What the rules read a stack through: each resource as the template will hold it (the reader,
 * `resolution.ts`, re-exported here) and the other elements of its stack (lookups on the stack
 * model, which is built on the reader).
 */
export {
  currentPass, memoizeInPass, readKeys, registerView, resolvedLogicalId, resolvedProperties, resolveResource, withResolutionCache,
} from './resolution';
export type { Pass, ResolvedResource } from './resolution';

/** The resource with this logical ID in the same stack as `node`, if there is one (see `StackModel`). */
export function findInStack(node: CfnResource, logicalId: string): CfnResource | undefined {
  return StackModel.of(node).resource(logicalId);
}

/** The parameter with this logical ID in the same stack as `node`, if there is one. */
export function findParameterInStack(node: CfnResource, logicalId: string): CfnParameter | undefined {
  return StackModel.of(node).parameter(logicalId);
}

/**
 * All resources of the stack `node` belongs to (nested stacks excluded), and after each custom
 * resource the native resources it stands for (see `StackModel.resourcesWithViews`); with `type`,
 * only those of that type (a view as its native type), in the same order. Built once per stack
 * and pass, so a rule may call it for every resource it judges; the list is shared: do not change it.
 */
export function resourcesInStack(node: CfnResource, type?: string): readonly CfnResource[] {
  const model = StackModel.of(node);
  return type === undefined ? model.resourcesWithViews() : model.resourcesOfType(type);
}

/** An output of a stack as the template will hold it. */
export interface ResolvedOutput {
  readonly logicalId: string;
  /** The output's `Value`, tokens resolved to intrinsics. */
  readonly value: unknown;
}

/** The outputs of the stack `node` belongs to (nested stacks excluded), rendered as the template holds them. */
export function outputsInStack(node: CfnResource): ResolvedOutput[] {
  const stack = Stack.of(node);
  const out: ResolvedOutput[] = [];
  for (const element of StackModel.of(node).outputs()) {
    const rendered = stack.resolve((element as unknown as { _toCloudFormation(): object })._toCloudFormation()) as { Outputs?: { [id: string]: { Value?: unknown } } };
    for (const [logicalId, body] of Object.entries(rendered.Outputs ?? {})) out.push({ logicalId, value: body?.Value });
  }
  return out;
}

/**
 * The logical ID a value points at: `{ Ref: X }`, `{ 'Fn::GetAtt': [X, attr] }` or `'X.attr'`
 * forms; `undefined` for anything else (a literal, a parameter, an import).
 */
export function referencedLogicalId(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as { [k: string]: unknown };
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  if (keys[0] === 'Ref' && typeof v.Ref === 'string' && !v.Ref.startsWith('AWS::')) return v.Ref;
  if (keys[0] === 'Fn::GetAtt') {
    const g = v['Fn::GetAtt'];
    if (Array.isArray(g) && typeof g[0] === 'string') return g[0];
    if (typeof g === 'string') return g.split('.')[0];
  }
  return undefined;
}

/** A value as an array: `undefined` is `[]`, a scalar is `[scalar]`. */
export function asArray<T>(value: T | T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
