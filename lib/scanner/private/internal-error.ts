/**
 * The class of an error the scanner did not expect (`TypeError`), for a bug-report line: never its
 * message, which may hold any text of the file being read.
 */
export function errorClass(e: unknown): string {
  return e instanceof Error && /^[A-Za-z]{1,40}$/.test(e.name) ? e.name : typeof e;
}
