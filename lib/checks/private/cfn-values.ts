import { CfnParameter, CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { findParameterInStack } from './cfn';
import { StackModel } from './stack-model';
import { hasDynamicReference, Invalid, isIntrinsic, isObject, Unresolved } from './value-kinds';

// Re-exported: the rules read every value, and what it is, through this module.
export { hasDynamicReference, Invalid, isIntrinsic, isObject, Unresolved };

/**
 * Static reading of a resource's CloudFormation property values, shared by every rule of the pack.
 *
 * A property can take several values once deployed: both branches of an `Fn::If`, each allowed
 * value of a parameter. Rules judge every one of them (a template that can deploy insecurely is
 * insecure) and report what they cannot read as a finding rather than guess. Conditions are
 * taken as independent of each other: two `Fn::If`s on the same condition are judged as if each
 * could go either way, which errs towards a finding.
 */

/** One value a property can take once deployed: a literal, `undefined` (absent), or `Unresolved`. */
export type Possible = unknown;

const MAX_DEPTH = 8;

/** The `CfnParameter` a `{ Ref }` names, if it is a parameter of the same stack. */
export function referencedParameter(node: CfnResource, value: unknown): CfnParameter | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== 'Ref' || typeof value.Ref !== 'string') return undefined;
  return findParameterInStack(node, value.Ref);
}

/**
 * The forms `value` takes once CloudFormation has picked a branch of every `Fn::If`:
 * `AWS::NoValue` as `undefined`, anything else as written (references are kept, so a rule can
 * follow them to a resource of the stack).
 */
export function branches(value: unknown, depth = 0): unknown[] {
  if (isObject(value) && Object.keys(value).length === 1) {
    if (value.Ref === 'AWS::NoValue') return [undefined];
    const arg = value['Fn::If'];
    if (Array.isArray(arg) && arg.length === 3) {
      if (depth > MAX_DEPTH) return [new Unresolved('nesting')];
      return [...branches(arg[1], depth + 1), ...branches(arg[2], depth + 1)];
    }
  }
  return [value];
}

/**
 * Every value `value` can take at deploy, as far as the template tells: both branches of an
 * `Fn::If`, the allowed values of a parameter, `Fn::Join`/`Fn::Sub` of literals folded to one
 * string, `AWS::NoValue` as `undefined`; anything else computed at deploy is `Unresolved`.
 * Arrays and plain objects are returned as they are (one value).
 */
export function possibleValues(node: CfnResource, value: unknown, depth = 0): Possible[] {
  return branches(value, depth).flatMap((b) => (b instanceof Unresolved ? [b] : leafValues(node, b, depth)));
}

/** The values of a form that is not an `Fn::If`. */
function leafValues(node: CfnResource, value: unknown, depth: number): Possible[] {
  if (value === undefined || value === null) return [undefined];
  if (typeof value === 'string') return hasDynamicReference(value) ? [new Unresolved('dynamic reference')] : [value];
  if (!isObject(value) || !isIntrinsic(value)) return [value];
  if (depth > MAX_DEPTH) return [new Unresolved('nesting')];
  const [fn] = Object.keys(value);
  const arg = value[fn];
  switch (fn) {
    case 'Ref': {
      const parameter = typeof arg === 'string' ? findParameterInStack(node, arg) : undefined;
      const allowed = parameter?.allowedValues;
      if (allowed && allowed.length > 0 && allowed.every((v) => typeof v === 'string')) {
        return allowed.flatMap((v) => possibleValues(node, v, depth + 1));
      }
      return [new Unresolved(`Ref:${String(arg)}`)];
    }
    case 'Fn::Join': {
      const folded = foldJoin(arg);
      return folded === undefined ? [new Unresolved(fn)] : possibleValues(node, folded, depth + 1);
    }
    case 'Fn::Sub':
      // A Sub with nothing to substitute is its string, `${!x}` being the escape for a literal `${x}`.
      if (typeof arg === 'string' && !/\$\{(?!!)/.test(arg)) return possibleValues(node, arg.replace(/\$\{!/g, '${'), depth + 1);
      return [new Unresolved(fn)];
    case 'Fn::FindInMap':
      return findInMapValues(node, arg, depth);
    default:
      // A malformed `Fn::If` lands here too: CloudFormation would reject it.
      return [new Unresolved(fn)];
  }
}

/**
 * The values an `Fn::FindInMap` can yield from the stack's own `Mappings`: a key known only at
 * deploy (`AWS::Region`, a parameter without allowed values) stands for every key of the map at
 * that level, so the result is every value it could pick (a `DefaultValue`, from
 * `AWS::LanguageExtensions`, where a pair of keys is missing). A map the stack does not hold, or a
 * map name that is not a literal, is `Unresolved`.
 */
function findInMapValues(node: CfnResource, arg: unknown, depth: number): Possible[] {
  if (!Array.isArray(arg) || arg.length < 3) return [new Unresolved('Fn::FindInMap')];
  const [mapName, topKey, secondKey, options] = arg;
  const names = possibleValues(node, mapName, depth + 1);
  if (names.length !== 1 || typeof names[0] !== 'string') return [new Unresolved('Fn::FindInMap')];
  const map = StackModel.of(node).mapping(names[0]);
  if (!map) return [new Unresolved('Fn::FindInMap')];
  const keysOf = (value: unknown, level: { [key: string]: unknown }): string[] => {
    const keys = possibleValues(node, value, depth + 1);
    return keys.every((k) => typeof k === 'string') ? (keys as string[]) : Object.keys(level);
  };
  const fallback = isObject(options) && 'DefaultValue' in options ? options.DefaultValue : undefined;
  const out: Possible[] = [];
  for (const top of keysOf(topKey, map)) {
    const level = map[top];
    const seconds = isObject(level) ? level : {};
    for (const second of keysOf(secondKey, seconds)) {
      const value = Object.prototype.hasOwnProperty.call(seconds, second) ? seconds[second] : fallback;
      if (value !== undefined) out.push(...possibleValues(node, value, depth + 1));
    }
  }
  return out.length > 0 ? out : [new Unresolved('Fn::FindInMap')];
}

function foldJoin(arg: unknown): string | undefined {
  if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string' || !Array.isArray(arg[1])) return undefined;
  const parts = arg[1];
  if (!parts.every((p) => typeof p === 'string' || typeof p === 'number')) return undefined;
  return parts.join(arg[0]);
}

/** Every value the property at `path` can take, following intrinsics at each step (see `possibleValues`). */
export function possibleAt(node: CfnResource, root: unknown, path: readonly string[]): Possible[] {
  let current = possibleValues(node, root);
  for (const key of path) {
    current = current.flatMap((v) => {
      if (v instanceof Unresolved) return [v];
      // A missing or mis-shaped parent leaves the child absent, as CloudFormation would read it.
      if (!isObject(v)) return [undefined];
      return possibleValues(node, v[key]);
    });
  }
  return current;
}

/**
 * A boolean as CloudFormation takes it: `true`/`false` or the strings `"true"`/`"false"` in any
 * case. `undefined` when absent; `Invalid` for anything else (CloudFormation would reject it).
 */
export function asBoolean(value: Possible): boolean | undefined | Unresolved {
  if (value === undefined || value instanceof Unresolved || typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return new Invalid('not a boolean');
}

/** A number as CloudFormation takes it: a number or a numeric string; `Invalid` otherwise. */
export function asNumber(value: Possible): number | undefined | Unresolved {
  if (value === undefined || value instanceof Unresolved) return value;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return new Invalid('not a number');
}

/** An enumerated string, upper-cased so `enable` and `ENABLE` compare equal; `Invalid` for non-strings. */
export function asEnum(value: Possible): string | undefined | Unresolved {
  if (value === undefined || value instanceof Unresolved) return value;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim().toUpperCase();
  return new Invalid('not a string');
}

/** A string; CloudFormation passes numbers and booleans on as their text. */
export function asString(value: Possible): string | undefined | Unresolved {
  if (value === undefined || value instanceof Unresolved || typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return new Invalid('not a string');
}

/** A configuration block (a plain object); `Invalid` for anything else. */
export function asObject(value: Possible): { [key: string]: unknown } | undefined | Unresolved {
  if (value === undefined || value instanceof Unresolved) return value;
  return isObject(value) ? value : new Invalid('not an object');
}

/** A list; `Invalid` for anything else. */
export function asList(value: Possible): readonly unknown[] | undefined | Unresolved {
  if (value === undefined || value instanceof Unresolved) return value;
  return Array.isArray(value) ? value : new Invalid('not a list');
}

/** Whether a value is set: present, not an empty string or object; an unresolved value counts as set. */
export function isSet(value: Possible): boolean {
  if (value === undefined) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (isObject(value) && !isIntrinsic(value)) return Object.keys(value).length > 0;
  return true;
}

/**
 * Whether the property is set whatever CloudFormation picks (see `isSet`), for settings whose
 * presence is what counts (an ARN, a rate): a `Ref` or `Fn::GetAtt` is set whatever it resolves
 * to, an `Fn::If` with an `AWS::NoValue` or empty branch is not.
 */
export function alwaysSet(node: CfnResource, value: unknown): boolean {
  return possibleValues(node, value).every(isSet);
}

/**
 * Runs a rule's check so that it never throws: a value shaped in a way the rule did not foresee
 * becomes an `Unresolved::Properties` finding of the rule instead of an exception.
 */
export function neverThrow(check: (node: CfnResource) => NagRuleResult): (node: CfnResource) => NagRuleResult {
  return (node) => {
    try {
      return check(node);
    } catch {
      return ['Unresolved::Properties'];
    }
  };
}

/**
 * The findings of one rule as `<Kind>::<path>`, without duplicates, in the order found. An empty
 * list is cdk-nag's "compliant".
 */
export class Findings {
  private readonly items = new Set<string>();

  /** Adds `<kind>::<path>` once, or `<kind>` alone for a finding about no one property. */
  public add(kind: string, path?: string): void {
    this.items.add(path === undefined ? kind : `${kind}::${path}`);
  }

  /** Adds the finding for a value the rule cannot judge: `Invalid::<path>` or `Unresolved::<path>`. */
  public unreadable(value: Unresolved, path: string): void {
    this.add(value instanceof Invalid ? 'Invalid' : 'Unresolved', path);
  }

  /** Adds every finding of `other`. */
  public addAll(other: Findings): void {
    other.items.forEach((f) => this.items.add(f));
  }

  /** Whether nothing was found. */
  public get isEmpty(): boolean {
    return this.items.size === 0;
  }

  /** The findings. */
  public toArray(): string[] {
    return [...this.items];
  }
}

/**
 * The verdict on a property from every value it can take: NON_COMPLIANT when one of them is a
 * violation (a template that can deploy insecurely is insecure), else a finding for each kind of
 * value that cannot be judged (`Invalid::<path>`, `Unresolved::<path>`, see `Findings.unreadable`),
 * else COMPLIANT.
 */
export function judge<T>(
  values: readonly Possible[],
  read: (value: Possible) => T | Unresolved,
  isViolation: (value: T) => boolean,
  path: string,
): NagRuleResult {
  const findings = new Findings();
  for (const value of values) {
    const read_ = read(value);
    if (read_ instanceof Unresolved) {
      findings.unreadable(read_, path);
    } else if (isViolation(read_)) {
      return NagRuleCompliance.NON_COMPLIANT;
    }
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
}

/**
 * Every value the property can take (see `possibleValues`), read by `read`. The ones it cannot
 * read go to `findings` under `path` (`Unresolved::` or `Invalid::`); the rest are returned,
 * `undefined` standing for a branch in which the property is absent.
 */
export function readEach<T>(
  node: CfnResource,
  value: unknown,
  read: (value: Possible) => T | undefined | Unresolved,
  findings: Findings,
  path: string,
): (T | undefined)[] {
  const readable: (T | undefined)[] = [];
  for (const possible of possibleValues(node, value)) {
    const v = read(possible);
    if (v instanceof Unresolved) findings.unreadable(v, path);
    else readable.push(v);
  }
  return readable;
}

/**
 * Judges a setting in every value it can take: `verdict` names the kind of finding a value is
 * (`Missing`, `Disabled`...), or `undefined` when it is fine; it is added to `findings` as
 * `<kind>::<path>`, and what cannot be read as with `readEach`.
 */
export function judgeEach<T>(
  node: CfnResource,
  value: unknown,
  read: (value: Possible) => T | undefined | Unresolved,
  findings: Findings,
  path: string,
  verdict: (value: T | undefined) => string | undefined,
): void {
  for (const v of readEach(node, value, read, findings, path)) {
    const kind = verdict(v);
    if (kind !== undefined) findings.add(kind, path);
  }
}
