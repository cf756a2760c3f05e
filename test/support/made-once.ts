/*
 * Something slow that several test files need (a synthesized app, the packed tarball), made once
 * however many jest workers ask: the first takes a lock (a folder made atomically, holding its
 * process ID), makes the thing in a work folder and publishes it by rename, so nobody reads half of
 * it; the others wait for it. A lock whose process died is taken over.
 */
import * as fs from 'fs';
import * as path from 'path';

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Whether a process of this machine still runs (EPERM: it runs, as another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `dir` if it exists; else, unless another process is making it, makes it with `make` (which fills
 * the work folder it is given) and returns it; undefined while another process is making it.
 * When `make` returns false (its inputs changed while it ran), the work folder is returned
 * unpublished.
 */
export function tryMadeOnce(dir: string, make: (work: string) => boolean | void): string | undefined {
  if (fs.existsSync(dir)) return dir;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const lock = `${dir}.lock`;
  try {
    fs.mkdirSync(lock);
  } catch {
    const pidFile = path.join(lock, 'pid');
    const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : NaN;
    if (Number.isFinite(pid) && pid > 0 && !alive(pid)) fs.rmSync(lock, { recursive: true, force: true });
    return fs.existsSync(dir) ? dir : undefined;
  }
  try {
    fs.writeFileSync(path.join(lock, 'pid'), `${process.pid}`);
    if (fs.existsSync(dir)) return dir;
    const work = fs.mkdtempSync(`${dir}.work-`);
    try {
      if (make(work) === false) return work;
      fs.renameSync(work, dir);
    } catch (e) {
      fs.rmSync(work, { recursive: true, force: true });
      throw e;
    }
    return dir;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** `tryMadeOnce`, waiting (at most `waitMs`) while another process makes it. */
export function madeOnce(dir: string, make: (work: string) => boolean | void, waitMs: number): string {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const made = tryMadeOnce(dir, make);
    if (made) return made;
    if (Date.now() > deadline) throw new Error(`waited ${waitMs} ms for another process making ${dir}`);
    sleep(500);
  }
}

/** Waits half a second: between two tries of `tryMadeOnce`. */
export function pause(): void {
  sleep(500);
}
