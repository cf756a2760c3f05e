import * as fs from 'fs';
import { ScanInputError } from '../scan-error';
import { DEFAULT_SCAN_LIMITS, limitLargest, ResolvedLimits } from './limits';

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

const BYTE_UNITS: [number, string][] = [[2 ** 40, 'TiB'], [2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];

/** `n` bytes in words, exactly: `16 MiB` where it is a whole number of a unit, else `1,000 bytes`. */
export function byteSize(n: number): string {
  const unit = BYTE_UNITS.find(([u]) => n >= u && n % u === 0);
  return unit ? `${n / unit[0]} ${unit[1]}` : `${n.toLocaleString('en-US')} ${n === 1 ? 'byte' : 'bytes'}`;
}

/** `size` said beside `limit`, so the two never read as equal: `1.0 GiB`, or the exact bytes where rounding would hide the difference. */
function sizePastLimit(size: number, limit: number): string {
  const unit = BYTE_UNITS.find(([u]) => size >= u);
  if (unit !== undefined) {
    const rounded = Number((size / unit[0]).toFixed(1));
    if (rounded * unit[0] > limit) return `${rounded.toFixed(1)} ${unit[1]}`;
  }
  return `${size.toLocaleString('en-US')} bytes`;
}

/** The error of a file past `--max-file-bytes`: its size (or that it grew past the limit while read), the limit, the flag. */
function tooLarge(file: string, size: number | undefined, limit: number): ScanInputError {
  const largest = limitLargest('maxFileBytes')!;
  if (size !== undefined && size > largest.value) {
    return new ScanInputError(file, `is ${sizePastLimit(size, limit)}, larger than any file a scan can read (${largest.value.toLocaleString('en-US')} bytes, ${largest.why}): not read`);
  }
  const what = size === undefined ? `grew past the ${byteSize(limit)} a scan reads while it was read` : `is ${sizePastLimit(size, limit)}, larger than the ${byteSize(limit)} a scan reads`;
  return new ScanInputError(file, `${what}: raise --max-file-bytes to read it`);
}

/**
 * The bytes of `file`, which must be a regular file (links followed): anything else is refused by
 * name before it is opened, as opening a device can act on it. The file is then opened without
 * blocking and checked again, so one swapped for a FIFO in between is refused too, never waited on.
 * A file larger than `limits.maxFileBytes` is refused by its size before a byte is read (a sparse
 * file of terabytes costs nothing to make); one that grows while read is read no further than
 * one byte past the limit, and refused.
 */
export function readRegularFile(file: string, limits: ResolvedLimits = DEFAULT_SCAN_LIMITS): Buffer {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(file);
  } catch (e) {
    throw new ScanInputError(file, statProblem(e));
  }
  const kind = notAFile(stats);
  if (kind !== undefined) throw new ScanInputError(file, `is ${kind}, not a file: not read`);
  const limit = limits.maxFileBytes;
  if (stats.size > limit) throw tooLarge(file, stats.size, limit);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new ScanInputError(file, statProblem(e));
  }
  try {
    const opened = fs.fstatSync(fd);
    const openedKind = notAFile(opened);
    if (openedKind !== undefined) throw new ScanInputError(file, `is ${openedKind}, not a file: not read`);
    if (opened.size > limit) throw tooLarge(file, opened.size, limit);
    return readAtMost(fd, opened.size, limit, file);
  } catch (e) {
    if (e instanceof ScanInputError) throw e;
    throw new ScanInputError(file, statProblem(e));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The bytes of `fd` to its end, refused past `limit`: at most `limit + 1` bytes are ever read,
 * whatever the file grows to (or its size said: `/proc` files say 0).
 */
function readAtMost(fd: number, size: number, limit: number, file: string): Buffer {
  let buffer = Buffer.allocUnsafe(Math.min(limit + 1, Math.max(size + 1, 64 * 1024)));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > limit) throw tooLarge(file, undefined, limit);
      const larger = Buffer.allocUnsafe(Math.min(limit + 1, buffer.length * 2));
      buffer.copy(larger, 0, 0, length);
      buffer = larger;
    }
    const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
    if (read === 0) break;
    length += read;
  }
  if (length > limit) throw tooLarge(file, undefined, limit);
  return buffer.subarray(0, length);
}
