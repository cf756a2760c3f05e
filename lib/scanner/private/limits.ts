import { ScanLimits } from '../scan-limits';

/** Every limit of a scan, each set: the defaults of `ScanLimits`, where the caller set none. */
export type ResolvedLimits = { readonly [K in keyof ScanLimits]-?: number };

export const DEFAULT_SCAN_LIMITS: ResolvedLimits = {
  maxFileBytes: 16 * 1024 * 1024,
  maxScalarLength: 1024 * 1024,
  maxNestingDepth: 200,
  maxAliasExpansion: 500_000,
  maxFolderDepth: 32,
  maxFiles: 10_000,
  maxAssemblyNesting: 100,
};

/** How a scan reads its inputs: its limits, and whether a folder's symbolic links are followed. */
export interface ReadSettings {
  readonly limits: ResolvedLimits;
  /** Linked files and folders met in a folder walk are read (each folder once); when false they are listed as skipped. */
  readonly followLinks: boolean;
}

export const DEFAULT_READ_SETTINGS: ReadSettings = { limits: DEFAULT_SCAN_LIMITS, followLinks: true };

/**
 * `limits` over the defaults, each checked: a positive whole number (at most 2^53 - 1). A bad
 * one throws an error naming the limit, the value and what is allowed.
 */
export function resolveLimits(limits: ScanLimits | undefined, where: string): ResolvedLimits {
  const resolved: { -readonly [K in keyof ScanLimits]-?: number } = { ...DEFAULT_SCAN_LIMITS };
  for (const [name, value] of Object.entries(limits ?? {}) as [keyof ScanLimits, unknown][]) {
    if (value === undefined) continue;
    if (!(name in DEFAULT_SCAN_LIMITS)) {
      throw new Error(`${where}: unknown limit '${String(name)}': the limits are ${Object.keys(DEFAULT_SCAN_LIMITS).join(', ')}`);
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new Error(`${where}: the limit ${name} must be a whole number of at least 1, got ${typeof value === 'number' ? String(value) : JSON.stringify(value) ?? typeof value}`);
    }
    resolved[name] = value;
  }
  return resolved;
}
