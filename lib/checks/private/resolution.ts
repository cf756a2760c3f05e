import { CfnElement, CfnResource, IResolvable, IResolveContext, Stack, Token, ValidationResult } from 'aws-cdk-lib';
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
 * holds it (see `withoutValidators`), so no rule reports such a resource as unreadable.
 */
export function resolveResource(node: CfnResource): ResolvedResource {
  const hit = views.get(node) ?? cache?.get(node);
  if (hit) return hit;
  let body: RenderedBody;
  try {
    body = renderedBody(node);
  } catch {
    body = {
      Type: node.cfnResourceType, Properties: typedProperties(node),
      DeletionPolicy: node.cfnOptions.deletionPolicy, UpdateReplacePolicy: node.cfnOptions.updateReplacePolicy,
    };
  }
  const resolved: ResolvedResource = {
    logicalId: resolvedLogicalId(node),
    type: body.Type ?? node.cfnResourceType,
    properties: body.Properties ?? {},
    deletionPolicy: body.DeletionPolicy,
    updateReplacePolicy: body.UpdateReplacePolicy,
  };
  cache?.set(node, resolved);
  return resolved;
}

const RETYPED = new WeakMap<CfnResource, CfnResource>();

/**
 * The resource as the rules must meet it: itself, or, where the template gives it another type
 * than its construct says (`addOverride('Type', ...)`, a type given as a token), a stand-in with
 * the template's type (path, stack, metadata and acknowledgments those of the resource), so each
 * rule of the deployed type judges it and no rule of the other type does. Custom resources keep
 * their own type: their native views stand for what they create (see `stack-model.ts`).
 */
export function asTemplated(node: CfnResource): CfnResource {
  const declared = node.cfnResourceType;
  if (!Token.isUnresolved(declared) && (declared.startsWith('Custom::') || declared === 'AWS::CloudFormation::CustomResource')) return node;
  // Only a token type, a `Type` override or a renderer of its own can make the template's type
  // another: any other resource is itself without a render (the stack model indexes every
  // resource through here, also for a rule used on its own, outside a pass's memo).
  const internals = node as unknown as CfnResourceInternals;
  if (!Token.isUnresolved(declared) && !('Type' in internals.rawOverrides) && internals._toCloudFormation === CDK_TO_CLOUDFORMATION) return node;
  const resolved = resolveResource(node);
  if (resolved.type === declared || typeof resolved.type !== 'string') return node;
  let retyped = RETYPED.get(node);
  if (!retyped || retyped.cfnResourceType !== resolved.type) {
    retyped = Object.create(node, { cfnResourceType: { value: resolved.type, enumerable: true } }) as CfnResource;
    RETYPED.set(node, retyped);
  }
  cache?.set(retyped, resolved);
  return retyped;
}

/** The parts of a rendered resource the rules read. */
export interface RenderedBody {
  Type?: string;
  Properties?: { [key: string]: any };
  DeletionPolicy?: unknown;
  UpdateReplacePolicy?: unknown;
}

/** What `renderedBody` reads of a `CfnResource` beyond its public API (CDK internals, stable since 2.0). */
interface CfnResourceInternals {
  readonly cfnProperties: { [key: string]: unknown };
  readonly rawOverrides: object;
  renderProperties(props: { [key: string]: unknown }): { [key: string]: unknown } | undefined;
  shouldSynthesize(): boolean;
  _toCloudFormation(): object;
}

const CDK_TO_CLOUDFORMATION = (CfnResource.prototype as unknown as CfnResourceInternals)._toCloudFormation;

/**
 * The resource as CDK's own renderer writes it into the template, `_toCloudFormation` (internal,
 * but what every template is written with), reduced to what the rules read: the type, the
 * properties (the typed props resolved and mapped to CloudFormation's names by the L1's
 * `renderProperties`, then the raw `addOverride`s merged in as CDK merges them), and the two
 * retention policies. That is the same sequence `_toCloudFormation` runs, less the parts no rule
 * reads and that cost half of a render (the logical ID, `DependsOn` and `Metadata`, each resolved
 * anew), and it gives the same result: test/checks/reading.test.ts compares the two on every
 * resource of the reference app and the bench app, and with the template `app.synth()` writes on
 * hand-built edge cases (overrides, tokens an L1 renders, Type overrides). A resource that
 * overrides `_toCloudFormation`, or that CDK leaves out of the template, is rendered by CDK's
 * function itself.
 */
export function renderedBody(node: CfnResource): RenderedBody {
  return withoutValidators(() => render(node));
}

function render(node: CfnResource): RenderedBody {
  const internals = node as unknown as CfnResourceInternals;
  const stack = Stack.of(node);
  if (internals._toCloudFormation !== CDK_TO_CLOUDFORMATION || !internals.shouldSynthesize()) {
    const rendered = stack.resolve(stack.resolve(internals._toCloudFormation())) as { Resources?: { [id: string]: RenderedBody } };
    return Object.values(rendered.Resources ?? {})[0] ?? {};
  }
  const body: RenderedBody = { Type: node.cfnResourceType };
  // As `_toCloudFormation`: empty props count as none, and `renderProperties` runs either way (an
  // L1 may render properties from nothing); what it gives replaces them unless all undefined.
  const resolvedProps = stack.resolve(internals.cfnProperties) as unknown;
  const props = resolvedProps && typeof resolvedProps === 'object' && Object.keys(resolvedProps).length > 0 ? resolvedProps : undefined;
  const rendered = internals.renderProperties((props ?? {}) as { [key: string]: unknown });
  if (rendered) body.Properties = Object.values(rendered).some((v) => v !== undefined) ? rendered : undefined;
  else if (props) body.Properties = props as { [key: string]: unknown };
  const { DeletionPolicy, UpdateReplacePolicy } = stack.resolve({
    DeletionPolicy: node.cfnOptions.deletionPolicy, UpdateReplacePolicy: node.cfnOptions.updateReplacePolicy,
  }) as RenderedBody;
  if (UpdateReplacePolicy !== undefined) body.UpdateReplacePolicy = UpdateReplacePolicy;
  if (DeletionPolicy !== undefined) body.DeletionPolicy = DeletionPolicy;
  // An `addDeletionOverride` is an `undefined` value, which a plain resolve drops: CDK resolves the
  // overrides in a post-processor with `removeEmpty: false`, and so does this.
  const overrides = stack.resolve({
    creationStack: [],
    resolve(context: IResolveContext) {
      context.registerPostProcessor({ postProcess: () => context.resolve(internals.rawOverrides, { removeEmpty: false }) });
      return {};
    },
  } as unknown as IResolvable) as { [key: string]: unknown };
  // The stack resolves its whole template once more when it writes it: tokens an L1's
  // `renderProperties` or an override produced resolve there, and `undefined` list items drop out.
  return stack.resolve(mergeOverrides(body, overrides)) as RenderedBody;
}

/** Intrinsics an override replaces whole rather than merges into (CDK's `deepMerge`). */
const REPLACED_WHOLE = new Set(['Ref', 'Fn::Base64', 'Fn::Cidr', 'Fn::FindInMap', 'Fn::GetAtt', 'Fn::GetAZs',
  'Fn::ImportValue', 'Fn::Join', 'Fn::Select', 'Fn::Split', 'Fn::Sub', 'Fn::Transform', 'Fn::And', 'Fn::Equals',
  'Fn::If', 'Fn::Not', 'Fn::Or']);

const isIntrinsic = (value: object) => {
  const keys = Object.keys(value);
  return keys.length === 1 && REPLACED_WHOLE.has(keys[0]);
};

/**
 * `addOverride`s merged into the rendered resource exactly as CDK's `deepMerge` (internal to
 * aws-cdk-lib) merges them: objects merge key by key, an intrinsic on either side replaces
 * rather than merges, `undefined` (`addDeletionOverride`) removes, an object left empty is removed.
 */
function mergeOverrides(target: any, source: { [key: string]: unknown }): any {
  for (const key of Object.keys(source)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const value = source[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      if (typeof target[key] !== 'object' || target[key] === null || isIntrinsic(target[key]) || isIntrinsic(value)) target[key] = {};
      mergeOverrides(target[key], value as { [key: string]: unknown });
      if (Object.keys(target[key]).length === 0) delete target[key];
    } else if (value === undefined) {
      delete target[key];
    } else {
      target[key] = value;
    }
  }
  return target;
}

/**
 * `fn` with the typed L1 validators' `assertSuccess` silenced. The validators only judge the typed
 * props' shapes; the mapping to CloudFormation names that follows them is kept, and a value they
 * would reject (a JSON-string `PolicyDocument`) passes through as written.
 */
function withoutValidators<T>(fn: () => T): T {
  const proto = ValidationResult.prototype as unknown as { assertSuccess(): void };
  const assertSuccess = proto.assertSuccess;
  proto.assertSuccess = () => undefined;
  try {
    return fn();
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
