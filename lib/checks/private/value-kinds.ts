/*
 * What a CloudFormation value is, before any reading: a plain object, an intrinsic, a dynamic
 * reference, or a value the pack cannot read (`Unresolved`). The bottom of the checks' imports:
 * the intrinsics renderer, the custom-resource reader and the stack model use these, and
 * `cfn-values` (which reads values through the stack model) re-exports them for the rules.
 */

/**
 * A value that cannot be read statically: a parameter without allowed values, an import, an
 * attribute of another resource, a dynamic reference, an intrinsic the reader does not follow.
 * Rules report it as `Unresolved::<path>` rather than pass it, because a value that cannot be
 * read cannot be judged safe.
 */
export class Unresolved {
  constructor(
    /** What made the value unreadable, e.g. `Fn::ImportValue` or `Ref:MyParam`. */
    public readonly reason: string,
  ) {}
}

/**
 * A value CloudFormation would reject, e.g. `"ten"` for a number. It cannot be judged either, so
 * it is an `Unresolved` to every rule, reported as `Invalid::<path>` (see `Findings.unreadable`).
 */
export class Invalid extends Unresolved {}

/** A plain (non-array) object. */
export function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ Ref }`, `{ 'Fn::...' }` or `{ Condition }`: a value CloudFormation computes at deploy. */
export function isIntrinsic(value: unknown): boolean {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::'));
}

/** Whether a string holds a dynamic reference (`{{resolve:ssm:...}}` and kin), read only at deploy. */
export function hasDynamicReference(value: string): boolean {
  return value.includes('{{resolve:');
}
