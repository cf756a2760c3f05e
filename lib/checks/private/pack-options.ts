/**
 * The options of the pack in effect while it walks a tree, so that rules (plain cdk-nag
 * functions, which take only the resource) can read them. Outside a pass, or used in a pack of
 * your own, a rule sees the defaults.
 */
export interface PackOptions {
  /** See `IotSecurityChecksProps.requiredTagKeys`. */
  readonly requiredTagKeys: readonly string[];
}

/** The defaults: no tag key is required (see `IotSecurityChecksProps.requiredTagKeys`). */
export const DEFAULT_PACK_OPTIONS: PackOptions = { requiredTagKeys: [] };

let current: PackOptions = DEFAULT_PACK_OPTIONS;

/** The options of the pass in progress, or the defaults. */
export function packOptions(): PackOptions {
  return current;
}

/** Runs `fn` with `options` in effect, then restores what was before. */
export function withPackOptions<T>(options: PackOptions, fn: () => T): T {
  const outer = current;
  current = options;
  try {
    return fn();
  } finally {
    current = outer;
  }
}
