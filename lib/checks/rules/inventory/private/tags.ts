import { CfnResource } from 'aws-cdk-lib';
import { asString, Invalid, isObject, isSet, possibleValues, Unresolved } from '../../../private/cfn-values';

/** The tags of a resource in one branch of its `Tags` property, as far as they can be read at synth. */
export interface ReadTags {
  /**
   * Tags there whatever CloudFormation picks, whose key is one literal, with whether the value is
   * set in every branch (a value known only at deploy counts as set).
   */
  readonly known: ReadonlyMap<string, { readonly valueSet: boolean }>;
  /**
   * True when some tags cannot be read: the whole property or an entry is known only at deploy,
   * or a key is. Such a tag may be any key, so a rule must not call a key missing on their account.
   */
  readonly someUnresolved: boolean;
}

/**
 * Reads the `Tags` property, a list of `{ Key, Value }` for every AWS IoT type, once for each
 * branch of an `Fn::If` around the whole list. An entry that a branch removes, or whose key may
 * be one of several values, is not known to be there. Anything but a list or an object entry is
 * no tag at all, as CloudFormation would reject it.
 */
export function readTags(node: CfnResource, tags: unknown): ReadTags[] {
  return possibleValues(node, tags).map((list) => {
    if (list instanceof Unresolved) return { known: new Map(), someUnresolved: true };
    const known = new Map<string, { valueSet: boolean }>();
    let someUnresolved = false;
    for (const entry of Array.isArray(list) ? list : []) {
      const forms = possibleValues(node, entry);
      const keys = forms.flatMap((f) => (f instanceof Unresolved || !isObject(f) ? [f] : possibleValues(node, f.Key).map(asString)));
      // A key CloudFormation would reject makes no tag; one known only at deploy may be any tag.
      if (keys.some((k) => k instanceof Unresolved && !(k instanceof Invalid))) someUnresolved = true;
      const key = keys[0];
      if (typeof key !== 'string' || !keys.every((k) => k === key)) continue;
      known.set(key, { valueSet: forms.every((f) => isObject(f) && possibleValues(node, f.Value).every(isSet)) });
    }
    return { known, someUnresolved };
  });
}

/** System tags (`aws:` prefix) are set by AWS, not by the owner; Security Hub ignores them. */
export function isSystemTag(key: string): boolean {
  return key.toLowerCase().startsWith('aws:');
}
