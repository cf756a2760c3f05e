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

/** A file name a terminal would act on: a control character, a line break, a bidi control. */
const controlInName = (c: FuzzCase) => c.files.some((f) => /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(f.path));

export const KNOWN_OPEN: readonly KnownOpen[] = [
  {
    id: 'manifest-template-outside-assembly',
    bug: "a cloud assembly manifest's templateFile ('../../../etc/hostname') is read outside the assembly folder, and named in the error",
    owner: 'walk (lib/scanner/private/inputs.ts)',
    violation: /^stderr: a line naming no file of the case: "cdk-secure-iot: \/etc\/hostname: /,
  },
  {
    id: 'file-name-control-characters-on-stderr',
    bug: "the CLI writes a file's name to stderr as it is: a template named 'new\\nline.json' in a scanned folder splits its error line in two, one named with ESC[31m colours the terminal",
    owner: 'limits (lib/scanner/cli.ts)',
    violation: /^stderr(-terminal)?: /,
    when: controlInName,
  },
  {
    id: 'acknowledgment-entry-echoed',
    bug: 'a bad acknowledgement entry is echoed whole on stderr through JSON.stringify, which leaves U+202E, U+2028 and C1 controls as they are (and any length)',
    owner: 'limits (lib/scanner/private/acknowledgments.ts)',
    violation: /^stderr-terminal: .*: acknowledgment \d+: /,
  },
  {
    id: 'limit-scalar-not-enforced',
    bug: 'maxScalarLength is not applied yet: a template with a 1 Mi + 1 character string is read, not refused by name',
    owner: 'limits (lib/scanner/private/template-loader.ts)',
    violation: /^limit\[scalar\]/,
  },
  {
    id: 'limit-file-size-not-enforced',
    bug: 'maxFileBytes is not applied yet: a 16 MiB + 1 byte template is read, not refused by name',
    owner: 'limits (lib/scanner/private/files.ts)',
    violation: /^limit\[file-size\]/,
  },
];

/** The entry a violation of case `c` is a known open bug of, if any. */
export function knownOpen(violation: string, c: FuzzCase): KnownOpen | undefined {
  return KNOWN_OPEN.find((k) => k.violation.test(violation) && (k.when?.(c) ?? true));
}
