/*
 * Semantic Versioning 2.0.0 (https://semver.org): parsing and precedence, written out because
 * the version gate must not depend on a package the Lambda bundle would have to carry, and the
 * rules are short. Build metadata is parsed but ignores precedence (rule 10), so `1.0.0+a` and
 * `1.0.0+b` are the same release: the gate refuses the second as not greater.
 */

/** A parsed semantic version. */
export interface SemVer {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  /** Pre-release identifiers, e.g. `['rc', 1n]`; empty for a release. */
  readonly prerelease: ReadonlyArray<string | bigint>;
  /** Build metadata identifiers; no part of precedence. */
  readonly build: readonly string[];
}

const NUMERIC = '0|[1-9]\\d*';
const PRERELEASE_ID = `(?:${NUMERIC}|\\d*[a-zA-Z-][0-9a-zA-Z-]*)`;
const SEMVER = new RegExp(
  `^(${NUMERIC})\\.(${NUMERIC})\\.(${NUMERIC})`
  + `(?:-(${PRERELEASE_ID}(?:\\.${PRERELEASE_ID})*))?`
  + '(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$',
);

/** The longest version string accepted: versions travel in S3 keys, job IDs and thing attributes. */
export const MAX_VERSION_LENGTH = 64;

/** Parses a SemVer 2.0.0 string (no leading `v`, no spaces); `undefined` when it is not one. */
export function parseSemVer(text: unknown): SemVer | undefined {
  if (typeof text !== 'string' || text.length > MAX_VERSION_LENGTH) return undefined;
  const m = SEMVER.exec(text);
  if (!m) return undefined;
  return {
    major: BigInt(m[1]),
    minor: BigInt(m[2]),
    patch: BigInt(m[3]),
    prerelease: m[4] === undefined ? [] : m[4].split('.').map((id) => (/^\d+$/.test(id) ? BigInt(id) : id)),
    build: m[5] === undefined ? [] : m[5].split('.'),
  };
}

/** Whether `text` is a SemVer 2.0.0 version. */
export function isSemVer(text: unknown): boolean {
  return parseSemVer(text) !== undefined;
}

function compareIds(a: string | bigint, b: string | bigint): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  // Numeric identifiers always have lower precedence than alphanumeric ones (rule 11.4.3).
  if (typeof a === 'bigint') return -1;
  if (typeof b === 'bigint') return 1;
  // Alphanumeric identifiers compare in ASCII order (rule 11.4.2), not by locale.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SemVer 2.0.0 precedence: negative when `a` comes before `b`, 0 when equal, positive after. */
export function compareSemVer(a: SemVer, b: SemVer): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  }
  // A pre-release comes before the release it precedes (rule 11.3).
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return (b.prerelease.length === 0 ? 0 : 1) - (a.prerelease.length === 0 ? 0 : 1);
  }
  const n = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < n; i++) {
    const c = compareIds(a.prerelease[i], b.prerelease[i]);
    if (c !== 0) return c;
  }
  // A larger set of pre-release fields has higher precedence when all before are equal (rule 11.4.4).
  return Math.sign(a.prerelease.length - b.prerelease.length);
}

/** Compares two version strings; throws if either is not SemVer 2.0.0. */
export function compareVersions(a: string, b: string): number {
  const pa = parseSemVer(a);
  const pb = parseSemVer(b);
  if (!pa || !pb) throw new Error(`not a semantic version: ${JSON.stringify(pa ? b : a)}`);
  return compareSemVer(pa, pb);
}
