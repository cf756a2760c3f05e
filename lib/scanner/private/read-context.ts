import * as path from 'path';
import { ScanInputError } from '../scan-error';
import { statProblem } from './files';
import { errorClass } from './internal-error';
import { ReadSettings, ResolvedLimits } from './limits';

/**
 * Thrown once a scan has read `maxFiles` files and folders: it unwinds the whole expansion (the
 * error naming the limit is already recorded), so nothing after it is read.
 */
export class ReadsExhausted extends Error {
  constructor() {
    super('the scan reached its limit of files read');
    this.name = 'ReadsExhausted';
  }
}

/** System errors `statProblem` has no words for, in plain words. */
const ERRNO_WORDS: { readonly [code: string]: string } = {
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'cannot be read (a part of its path is not a folder)',
  ENAMETOOLONG: 'cannot be read (its path is too long)',
  EMFILE: 'cannot be read (too many files are open)',
  ENFILE: 'cannot be read (too many files are open)',
  EIO: 'cannot be read (an input/output error of the disk)',
  EBUSY: 'cannot be read (it is busy)',
  ENOMEM: 'cannot be read (out of memory)',
  ENXIO: 'cannot be read (no such device)',
  ESTALE: 'cannot be read (a stale network file handle)',
  ETIMEDOUT: 'cannot be read (the file system timed out)',
  EAGAIN: 'cannot be read (it is not ready to be read)',
};

/**
 * A `ScanInputError` for whatever went wrong reading `file`, so one bad file never stops the
 * others: a system error in plain words (with its code where there are none), anything else as
 * an internal error of the scanner, by its class only, as its message may hold the file's text.
 */
export function asInputError(file: string, e: unknown): ScanInputError {
  // The file limit stops the whole expansion: no catch turns it into one file's error.
  if (e instanceof ReadsExhausted) throw e;
  if (e instanceof ScanInputError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z0-9]{1,30}$/.test(code)) {
    if (['ENOENT', 'ELOOP', 'EACCES', 'EPERM'].includes(code)) return new ScanInputError(file, statProblem(e));
    return new ScanInputError(file, ERRNO_WORDS[code] ?? `cannot be read (the system refused it, error code ${code})`);
  }
  return new ScanInputError(file, `could not be read: the scanner failed on this file with an internal error (${errorClass(e)}). `
    + 'This is a bug in cdk-secure-iot, not in the file: please report it with the file attached');
}

/** A whole number as the messages write it: `10,000`. */
export function counted(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * One expansion of a scan's inputs: its settings, where the files it cannot read are recorded, and
 * how many files and folders it has read, each counted once however often it is opened.
 */
export class ReadContext {
  private readonly taken = new Set<string>();
  private exhausted = false;

  constructor(public readonly settings: ReadSettings, public readonly unreadable: ScanInputError[]) {}

  public get limits(): ResolvedLimits {
    return this.settings.limits;
  }

  /**
   * Counts `p` (a file about to be read, or a folder about to be listed) against `maxFiles`. Past
   * the limit, the first time records one error on the folder, naming the limit, the flag and the
   * first path not read, and every time throws `ReadsExhausted`.
   */
  public take(p: string, kind: 'file' | 'folder'): void {
    const key = path.resolve(p);
    if (this.taken.has(key)) return;
    if (this.taken.size >= this.limits.maxFiles) {
      if (!this.exhausted) {
        this.exhausted = true;
        const folder = kind === 'folder' ? p : path.dirname(p);
        const what = kind === 'folder' ? 'it' : `${path.basename(p)} in it`;
        this.unreadable.push(new ScanInputError(folder, `the scan reached its limit of ${counted(this.limits.maxFiles)} files and folders read `
          + `(templates, manifests, metadata files, folders; --max-files raises it): ${what} and everything after it were not read`));
      }
      throw new ReadsExhausted();
    }
    this.taken.add(key);
  }
}
