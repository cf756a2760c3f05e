import { CfnElement, CfnParameter, CfnResource, Stack, ValidationResult } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A resource as CloudFormation will see it: property overrides applied, tokens resolved to intrinsics. */
export interface ResolvedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: { [key: string]: any };
  /** `DeletionPolicy` as the template will hold it (absent means CloudFormation's default, Delete for most types). */
  readonly deletionPolicy?: unknown;
  /** `UpdateReplacePolicy` as the template will hold it. */
  readonly updateReplacePolicy?: unknown;
}

/**
 * Memo of resolved resources, alive only while a pack walks a tree (`withResolutionCache`).
 * Outside a pass every call resolves afresh, so a rule used on its own never sees stale state.
 */
let cache: WeakMap<CfnResource, ResolvedResource> | undefined;
let stackIndex: WeakMap<Stack, Map<string, CfnElement>> | undefined;

/** Runs `fn` with resolved resources and stack indexes memoized, then drops the memo. */
export function withResolutionCache<T>(fn: () => T): T {
  const outer = cache;
  const outerIndex = stackIndex;
  cache = outer ?? new WeakMap();
  stackIndex = outerIndex ?? new WeakMap();
  try {
    return fn();
  } finally {
    cache = outer;
    stackIndex = outerIndex;
  }
}

/**
 * The resource in CloudFormation terms (PascalCase properties), read the way the template will
 * be written. Reading the rendered form rather than typed L1 props means a rule sees raw
 * overrides, `CfnResource`s built by hand and resources brought in by `CfnInclude` alike.
 *
 * This is the one place every rule reads properties through, and CDK's typed L1 validators
 * are kept out of its way: valid CloudFormation they reject (a JSON-string `PolicyDocument` on
 * `AWS::IoT::Policy`, a JSON-string inline policy on `AWS::IAM::Role`) is read as the template
 * holds it (see `renderWithoutValidators`), so no rule reports such a resource as unreadable.
 */
export function resolveResource(node: CfnResource): ResolvedResource {
  const hit = cache?.get(node);
  if (hit) return hit;
  const stack = Stack.of(node);
  let rendered: { Resources?: { [id: string]: any } };
  try {
    rendered = renderWithoutValidators(node);
  } catch {
    rendered = { Resources: { [stack.resolve(node.logicalId)]: {
      Type: node.cfnResourceType, Properties: typedProperties(node),
      DeletionPolicy: node.cfnOptions.deletionPolicy, UpdateReplacePolicy: node.cfnOptions.updateReplacePolicy,
    } } };
  }
  const [logicalId, body] = Object.entries(rendered.Resources ?? {})[0] ?? [stack.resolve(node.logicalId), {}];
  const resolved: ResolvedResource = {
    logicalId,
    type: body.Type ?? node.cfnResourceType,
    properties: body.Properties ?? {},
    deletionPolicy: body.DeletionPolicy,
    updateReplacePolicy: body.UpdateReplacePolicy,
  };
  cache?.set(node, resolved);
  return resolved;
}

/**
 * The resource rendered by CDK's own renderer, `_toCloudFormation` (internal, but what every
 * template is written with: the only place property overrides and raw `addOverride`s are merged
 * in), with the typed L1 validators' `assertSuccess` silenced for the call. The validators only
 * judge the typed props' shapes; the mapping to CloudFormation names that follows them is kept,
 * and a value they would reject passes through as written.
 */
function renderWithoutValidators(node: CfnResource): { Resources?: { [id: string]: any } } {
  const proto = ValidationResult.prototype as unknown as { assertSuccess(): void };
  const assertSuccess = proto.assertSuccess;
  proto.assertSuccess = () => undefined;
  try {
    return Stack.of(node).resolve((node as unknown as { _toCloudFormation(): object })._toCloudFormation());
  } finally {
    proto.assertSuccess = assertSuccess;
  }
}

/**
 * The last resort, when even an unvalidated render fails: the typed L1 props, resolved, their
 * top-level names in CloudFormation's casing (nested names are read case-insensitively where it
 * matters, see `intrinsics.field`).
 */
function typedProperties(node: CfnResource): { [key: string]: unknown } {
  const typed = (node as unknown as { cfnProperties?: unknown }).cfnProperties;
  const resolved = Stack.of(node).resolve(typed ?? {}) as unknown;
  const out: { [key: string]: unknown } = {};
  if (resolved && typeof resolved === 'object' && !Array.isArray(resolved)) {
    for (const [key, value] of Object.entries(resolved)) out[key.charAt(0).toUpperCase() + key.slice(1)] = value;
  }
  return out;
}

/** The resource's properties, resolved (see `resolveResource`). */
export function resolvedProperties(node: CfnResource): { [key: string]: any } {
  return resolveResource(node).properties;
}

function indexStack(stack: Stack): Map<string, CfnElement> {
  const index = new Map<string, CfnElement>();
  const visit = (c: IConstruct) => {
    if (CfnElement.isCfnElement(c) && c.stack === stack) {
      index.set(stack.resolve(c.logicalId), c);
    }
    for (const child of c.node.children) {
      if (!Stack.isStack(child) || child === stack) visit(child);
    }
  };
  visit(stack);
  return index;
}

/**
 * Every element of the stack `node` belongs to (resources, parameters, conditions...) by logical
 * ID, nested stacks excluded; memoized for the pass. With `logicalId`, an index that lacks it is
 * rebuilt once, since the element may have been added after the index was built.
 */
function stackElements(node: CfnResource, logicalId?: string): Map<string, CfnElement> {
  const stack = Stack.of(node);
  let index = stackIndex?.get(stack);
  if (!index || (logicalId !== undefined && !index.has(logicalId))) {
    index = indexStack(stack);
    stackIndex?.set(stack, index);
  }
  return index;
}

/** The resource with this logical ID in the same stack as `node`, if there is one. */
export function findInStack(node: CfnResource, logicalId: string): CfnResource | undefined {
  const element = stackElements(node, logicalId).get(logicalId);
  return element && CfnResource.isCfnResource(element) ? element : undefined;
}

/** The parameter with this logical ID in the same stack as `node`, if there is one. */
export function findParameterInStack(node: CfnResource, logicalId: string): CfnParameter | undefined {
  if (logicalId.startsWith('AWS::')) return undefined;
  const element = stackElements(node, logicalId).get(logicalId);
  return element instanceof CfnParameter ? element : undefined;
}

/** All resources of the stack `node` belongs to (nested stacks excluded). */
export function resourcesInStack(node: CfnResource): CfnResource[] {
  return [...stackElements(node).values()].filter((e): e is CfnResource => CfnResource.isCfnResource(e));
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

// Keyed by the pass's resolution cache, so a memo dies with its pass.
const passMemos = new WeakMap<object, Map<string, WeakMap<object, unknown>>>();

/**
 * `compute()` for `node`, memoized under `key` for the current `withResolutionCache` pass, so
 * several rules reading the same derived value do the work once. Outside a pass it computes afresh.
 */
export function memoizeInPass<T>(key: string, node: object, compute: () => T): T {
  if (!cache) return compute();
  let byKey = passMemos.get(cache);
  if (!byKey) {
    byKey = new Map();
    passMemos.set(cache, byKey);
  }
  let memo = byKey.get(key);
  if (!memo) {
    memo = new WeakMap();
    byKey.set(key, memo);
  }
  if (memo.has(node)) return memo.get(node) as T;
  const value = compute();
  memo.set(node, value);
  return value;
}
