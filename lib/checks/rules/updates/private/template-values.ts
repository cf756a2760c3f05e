/**
 * Static readers for values of a rendered CloudFormation template.
 *
 * A rule sees a property in one of four states: absent, a value it can judge, an intrinsic whose
 * value is only known at deploy time, or something CloudFormation would reject. Rules turn the
 * third state into an `Unresolved::<path>` finding rather than guess, so a template that hides a
 * setting behind a parameter or a condition never passes silently.
 *
 * Shared by the updates, monitoring and inventory rules. Not public API.
 */
import { CfnResource } from 'aws-cdk-lib';
import { resolvedProperties } from '../../../private/cfn';

/** What a template value is, read statically. */
export type Read<T> =
  | { readonly kind: 'absent' }
  | { readonly kind: 'value'; readonly value: T }
  | { readonly kind: 'unresolved' }
  | { readonly kind: 'invalid' };

/** A JSON object of the rendered template. */
export type TemplateObject = { readonly [key: string]: unknown };

const ABSENT: Read<never> = { kind: 'absent' };
const UNRESOLVED: Read<never> = { kind: 'unresolved' };
const INVALID: Read<never> = { kind: 'invalid' };

function value<T>(v: T): Read<T> {
  return { kind: 'value', value: v };
}

function isPlainObject(v: unknown): v is TemplateObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{ Ref: 'AWS::NoValue' }`: CloudFormation removes the property, as if it were not written. */
export function isNoValue(v: unknown): boolean {
  return isPlainObject(v) && Object.keys(v).length === 1 && v.Ref === 'AWS::NoValue';
}

/** An intrinsic function or a `Ref`: its value is only known when the stack deploys. */
export function isIntrinsic(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/** Only `Fn::If` can turn into `AWS::NoValue`; any other intrinsic yields some value. */
function mayBeRemoved(v: unknown): boolean {
  return isPlainObject(v) && Object.keys(v).length === 1 && 'Fn::If' in v;
}

function isAbsent(v: unknown): boolean {
  return v === undefined || v === null || isNoValue(v);
}

/**
 * Whether a value is there at all, for settings whose mere presence is what counts (an ARN, a
 * rate). A `Ref` or `Fn::GetAtt` is present whatever it resolves to; an `Fn::If` may remove it.
 */
export function readPresence(v: unknown): Read<unknown> {
  if (isAbsent(v)) return ABSENT;
  if (mayBeRemoved(v)) return UNRESOLVED;
  if (typeof v === 'string' && v.trim() === '') return ABSENT;
  return value(v);
}

/** An object property (a configuration block). */
export function readObject(v: unknown): Read<TemplateObject> {
  if (isAbsent(v)) return ABSENT;
  if (isIntrinsic(v)) return UNRESOLVED;
  return isPlainObject(v) ? value(v) : INVALID;
}

/** A list property. */
export function readList(v: unknown): Read<readonly unknown[]> {
  if (isAbsent(v)) return ABSENT;
  if (isIntrinsic(v)) return UNRESOLVED;
  return Array.isArray(v) ? value(v) : INVALID;
}

/** A string property; CloudFormation passes numbers and booleans on as their text. */
export function readString(v: unknown): Read<string> {
  if (isAbsent(v)) return ABSENT;
  if (isIntrinsic(v)) return UNRESOLVED;
  if (typeof v === 'string') return value(v);
  if (typeof v === 'number' || typeof v === 'boolean') return value(String(v));
  return INVALID;
}

/** A number property; CloudFormation accepts numbers written as strings (`"60"`). */
export function readNumber(v: unknown): Read<number> {
  if (isAbsent(v)) return ABSENT;
  if (isIntrinsic(v)) return UNRESOLVED;
  if (typeof v === 'number') return Number.isFinite(v) ? value(v) : INVALID;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? value(n) : INVALID;
  }
  return INVALID;
}

/** A boolean property; CloudFormation accepts `"true"` and `"false"` in any case. */
export function readBoolean(v: unknown): Read<boolean> {
  if (isAbsent(v)) return ABSENT;
  if (isIntrinsic(v)) return UNRESOLVED;
  if (typeof v === 'boolean') return value(v);
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true') return value(true);
    if (s === 'false') return value(false);
  }
  return INVALID;
}

/** Findings of one rule, without duplicates, in the order they were found. */
export class Findings {
  private readonly items: string[] = [];

  /** Adds `<kind>::<subject>` once. */
  public add(kind: string, subject: string): void {
    const finding = `${kind}::${subject}`;
    if (!this.items.includes(finding)) this.items.push(finding);
  }

  /**
   * Adds the finding for a value the rule could not judge: `Missing::`, `Unresolved::` (known
   * only at deploy time) or `Invalid::` (CloudFormation would reject it).
   */
  public unjudged(read: Exclude<Read<unknown>, { kind: 'value' }>, subject: string): void {
    this.add(read.kind === 'absent' ? 'Missing' : read.kind === 'unresolved' ? 'Unresolved' : 'Invalid', subject);
  }

  /** The findings; an empty list is cdk-nag's "compliant". */
  public toArray(): string[] {
    return [...this.items];
  }
}

/**
 * The resource's rendered properties, or `undefined` when CDK cannot render them (an L1 given a
 * value of the wrong type fails when resolved). Synthesis fails on such a resource anyway; the
 * rule reports `Unresolved::Properties` instead of throwing.
 */
export function readProperties(node: CfnResource): TemplateObject | undefined {
  try {
    return resolvedProperties(node);
  } catch {
    return undefined;
  }
}

/** The finding of a rule that could not read the resource at all. */
export const UNREADABLE_PROPERTIES: readonly string[] = ['Unresolved::Properties'];
