/*
 * Bugs the fuzzer found in files other helpers own, each kept as a regression case (in
 * regressions/, naming its entry here) but left out of the run until its owner fixes it. Random
 * runs tolerate a violation an entry matches, so the rest of the properties stay checked. When a
 * bug is fixed, delete its entry: its regression case then runs with the others.
 */
import { FuzzCase } from './arbitraries';

export interface KnownOpen {
  readonly id: string;
  /** The bug, in one line. */
  readonly bug: string;
  /** Who owns the file the fix goes in. */
  readonly owner: string;
  /** The violation(s) it causes, as check.ts words them. */
  readonly violation: RegExp;
  /** Only in cases of this shape. */
  readonly when?: (c: FuzzCase) => boolean;
}

export const KNOWN_OPEN: readonly KnownOpen[] = [
];

/** The entry a violation of case `c` is a known open bug of, if any. */
export function knownOpen(violation: string, c: FuzzCase): KnownOpen | undefined {
  return KNOWN_OPEN.find((k) => k.violation.test(violation) && (k.when?.(c) ?? true));
}
