import * as buffer from 'buffer';
import { ScanLimits } from '../scan-limits';

/** Every limit of a scan, each set: the defaults of `ScanLimits`, where the caller set none. */
export type ResolvedLimits = { readonly [K in keyof ScanLimits]-?: number };

export const DEFAULT_SCAN_LIMITS: ResolvedLimits = {
  maxFileBytes: 8 * 1024 * 1024,
  maxYamlBytes: 1024 * 1024,
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

/** The flag of the command line that sets a limit: `--max-file-bytes` for `maxFileBytes`. */
export function limitFlag(name: keyof ScanLimits): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * The largest value each limit takes where a bound exists: a file is decoded into one string, so
 * none larger than the longest string Node.js holds can be read (536,870,888 bytes on 64-bit Node 20).
 */
const LARGEST: { readonly [K in keyof ScanLimits]?: { readonly value: number; readonly why: string } } = {
  maxFileBytes: { value: buffer.constants.MAX_STRING_LENGTH, why: 'the longest text Node.js holds' },
  maxYamlBytes: { value: buffer.constants.MAX_STRING_LENGTH, why: 'the longest text Node.js holds' },
};

/** The largest value the limit `name` takes, and why, where it has one below 2^53 - 1. */
export function limitLargest(name: keyof ScanLimits): { readonly value: number; readonly why: string } | undefined {
  return LARGEST[name];
}

/** What `value` may be for the limit `name`, in words: `a whole number of at least 1`. */
export function limitAllowed(name: keyof ScanLimits, unit = ''): string {
  const largest = LARGEST[name];
  return largest === undefined ? `a whole number${unit} of at least 1`
    : `a whole number${unit} from 1 to ${largest.value.toLocaleString('en-US')} (${largest.why})`;
}

/** True when `value` is a value the limit `name` takes: a whole number from 1 to its largest (2^53 - 1 where none is said). */
export function limitAccepts(name: keyof ScanLimits, value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= (LARGEST[name]?.value ?? Number.MAX_SAFE_INTEGER);
}

/**
 * `limits` over the defaults, each checked: a whole number from 1 to its largest. A bad one
 * throws an error naming the limit, the value and what is allowed (the command line checks its
 * flags the same way first, so it reports a bad flag as a usage error).
 */
export function resolveLimits(limits: ScanLimits | undefined, where: string): ResolvedLimits {
  const resolved: { -readonly [K in keyof ScanLimits]-?: number } = { ...DEFAULT_SCAN_LIMITS };
  for (const [name, value] of Object.entries(limits ?? {}) as [keyof ScanLimits, unknown][]) {
    if (value === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(DEFAULT_SCAN_LIMITS, name)) {
      throw new Error(`${where}: unknown limit '${String(name)}': the limits are ${Object.keys(DEFAULT_SCAN_LIMITS).join(', ')}`);
    }
    if (!limitAccepts(name, value)) {
      throw new Error(`${where}: the limit ${name} must be ${limitAllowed(name)}, got ${typeof value === 'number' ? String(value) : JSON.stringify(value) ?? typeof value}`);
    }
    resolved[name] = value;
  }
  return resolved;
}
