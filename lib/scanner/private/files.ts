import * as fs from 'fs';
import { ScanInputError } from '../scan-error';
import { DEFAULT_SCAN_LIMITS, ResolvedLimits } from './limits';

/** What both `fs.Stats` and a folder's `fs.Dirent` say of a path's kind. */
type FileKind = Pick<fs.Stats, 'isFile' | 'isDirectory' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>;

/**
 * What a path is when it is not a regular file, in plain words (`a FIFO`, `a device`), or
 * `undefined` for a regular file. Reading a FIFO waits for a writer that may never come, and a
 * device (`/dev/zero`, `/dev/urandom`) never ends: neither is ever read as a template.
 */
export function notAFile(stats: FileKind): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'a special file';
}

/** Why `stat` or `open` failed, in plain words, as the problem of a `ScanInputError`: a missing file, a link loop. */
export function statProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'ELOOP') return 'is a symbolic link in a loop (it leads back to itself)';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)';
  return `cannot be read (${code ?? 'unknown error'})`;
}

/**
 * The bytes of `file`, which must be a regular file (links followed): anything else is refused by
 * name before it is opened, as opening a device can act on it. The file is then opened without
 * blocking and checked again, so one swapped for a FIFO in between is refused too, never waited on.
 */
export function readRegularFile(file: string, _limits: ResolvedLimits = DEFAULT_SCAN_LIMITS): Buffer {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(file);
  } catch (e) {
    throw new ScanInputError(file, statProblem(e));
  }
  const kind = notAFile(stats);
  if (kind !== undefined) throw new ScanInputError(file, `is ${kind}, not a file: not read`);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new ScanInputError(file, statProblem(e));
  }
  try {
    const opened = notAFile(fs.fstatSync(fd));
    if (opened !== undefined) throw new ScanInputError(file, `is ${opened}, not a file: not read`);
    return fs.readFileSync(fd);
  } catch (e) {
    if (e instanceof ScanInputError) throw e;
    throw new ScanInputError(file, statProblem(e));
  } finally {
    fs.closeSync(fd);
  }
}
