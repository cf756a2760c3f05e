import { isIntrinsic, isNoValue, readString } from '../../updates/private/template-values';

/** The tags of a resource as far as they can be read at synth. */
export interface ReadTags {
  /** Tags whose key is a literal, with their value (`undefined` when known only at deploy). */
  readonly known: ReadonlyMap<string, string | undefined>;
  /**
   * True when some tags cannot be read: the whole property or an entry is an intrinsic, or a key
   * is. Such a tag may be any key, so a rule must not call a key missing on their account.
   */
  readonly someUnresolved: boolean;
}

/**
 * Reads the `Tags` property: a list of `{ Key, Value }` for every AWS IoT type. Anything else is
 * no tag at all, as CloudFormation would reject it.
 */
export function readTags(tags: unknown): ReadTags {
  const known = new Map<string, string | undefined>();
  let someUnresolved = false;
  const add = (key: unknown, value: unknown) => {
    const k = readString(key);
    if (k.kind === 'unresolved') someUnresolved = true;
    if (k.kind !== 'value') return;
    const v = readString(value);
    known.set(k.value, v.kind === 'value' ? v.value : v.kind === 'absent' ? '' : undefined);
  };

  if (tags === undefined || tags === null || isNoValue(tags)) return { known, someUnresolved };
  if (isIntrinsic(tags)) return { known, someUnresolved: true };
  if (Array.isArray(tags)) {
    for (const entry of tags) {
      if (isNoValue(entry)) continue;
      if (isIntrinsic(entry)) {
        someUnresolved = true;
      } else if (typeof entry === 'object' && entry !== null) {
        const tag = entry as { readonly Key?: unknown; readonly Value?: unknown };
        add(tag.Key, tag.Value);
      }
    }
  }
  return { known, someUnresolved };
}

/** System tags (`aws:` prefix) are set by AWS, not by the owner; Security Hub ignores them. */
export function isSystemTag(key: string): boolean {
  return key.toLowerCase().startsWith('aws:');
}
