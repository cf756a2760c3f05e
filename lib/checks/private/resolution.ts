import { CfnElement, CfnResource, Stack, Token, ValidationResult } from 'aws-cdk-lib';
import type { NativeView } from './custom-resources';

/*
 * The reader: a resource as CloudFormation will see it, memoized for one validation pass. The
 * bottom of what the rules read through (see `cfn.ts`): the stack model is built on it.
 */

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
let pass: Pass | undefined;

/**
 * What one validation pass memoizes besides resolved resources: each stack's model (see
 * `StackModel.of`), and each element's logical ID (see `resolvedLogicalId`).
 */
export interface Pass {
  readonly models: WeakMap<Stack, unknown>;
  readonly logicalIds: WeakMap<CfnElement, string>;
}

/** Runs `fn` with resolved resources and stack models memoized, then drops the memo. */
export function withResolutionCache<T>(fn: () => T): T {
  const outer = cache;
  const outerPass = pass;
  cache = outer ?? new WeakMap();
  pass = outerPass ?? { models: new WeakMap(), logicalIds: new WeakMap() };
  try {
    return fn();
  } finally {
    cache = outer;
    pass = outerPass;
  }
}

/** The current pass, or `undefined` outside one. */
export function currentPass(): Pass | undefined {
  return pass;
}

/**
 * The logical ID of an element (a resource, a view, a parameter...) as the template holds it.
 * CDK derives it anew at each resolve (a hash of the construct path), so within a pass it is
 * derived once per element.
 */
export function resolvedLogicalId(element: CfnElement): string {
  const memo = pass?.logicalIds;
  let id = memo?.get(element);
  if (id === undefined) {
    id = synthesizedLogicalId(element) ?? Stack.of(element).resolve(element.logicalId) as string;
    memo?.set(element, id);
  }
  return id;
}

/**
 * What `element.logicalId` resolves to, without the round trip through the token resolver: the
 * function CDK's lazy logical ID calls (`_synthesizeLogicalId`, internal: its override, else the
 * stack's allocation). `undefined` where that function is missing or gives a token, for the
 * resolver to read.
 */
function synthesizedLogicalId(element: CfnElement): string | undefined {
  const synthesize = (element as unknown as { _synthesizeLogicalId?: () => unknown })._synthesizeLogicalId;
  if (typeof synthesize !== 'function') return undefined;
  const id = synthesize.call(element);
  return typeof id === 'string' && !Token.isUnresolved(id) ? id : undefined;
}

/**
 * The resolved form of each native view of a custom resource (see `stack-model.ts`): the view is
 * read as the native type with the properties its API call maps to, never rendered.
 */
const views = new WeakMap<object, ResolvedResource>();

/** The properties a rule reads of a view that stands for `view.type`; a partial view records what is read. */
export function registerView(node: CfnResource, view: NativeView): void {
  const logicalId = resolvedLogicalId(node);
  views.set(node, { logicalId, type: view.type, properties: view.partial ? recording(view.properties) : view.properties });
}

const READS = Symbol.for('cdk-secure-iot.checks.reads');

/** Properties that remember which of their keys were read (see `readKeys`). */
function recording(properties: { [key: string]: unknown }): { [key: string]: unknown } {
  const reads = new Set<string>();
  return new Proxy(properties, {
    get(target, key, receiver) {
      if (key === READS) return reads;
      if (typeof key === 'string' && key !== 'Ref' && key !== 'Condition' && !key.startsWith('Fn::')) reads.add(key);
      return Reflect.get(target, key, receiver);
    },
  });
}

/**
 * The property names read of a partial view since the last call (then forgotten); `undefined`
 * for any other resource.
 */
export function readKeys(node: CfnResource): Set<string> | undefined {
  const reads = (views.get(node)?.properties as { [READS]?: Set<string> } | undefined)?.[READS];
  if (!reads) return undefined;
  const out = new Set(reads);
  reads.clear();
  return out;
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
  const hit = views.get(node) ?? cache?.get(node);
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
