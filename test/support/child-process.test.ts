import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { described, run, runOk } from './child-process';

const cwd = os.tmpdir();

test('a command that outlives its limit is killed with the processes it started', () => {
  const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'child-')), 'grandchild-ran');
  // The grandchild would write the marker after 3 s; the group is killed after 1 s.
  const r = run('bash', ['-c', `(sleep 3; touch ${marker}) & sleep 30`], { cwd, timeoutMs: 1000 });
  expect(r.timedOut).toBe(true);
  expect(r.ms).toBeLessThan(10_000);
  expect(described(r)).toMatch(/^bash -c .* was killed with everything it started after its time limit/);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 4000); // past the grandchild's 3 s
  expect(fs.existsSync(marker)).toBe(false);
});

test('a failure names the command, its folder, its status and its output', () => {
  expect(() => runOk('bash', ['-c', 'echo out; echo err >&2; exit 3'], { cwd, timeoutMs: 10_000 }))
    .toThrow(new RegExp(`^bash -c 'echo out; echo err >&2; exit 3' \\(in ${cwd}\\) exited 3\\n--- stdout ---\\nout\\n\\n--- stderr ---\\nerr\\n`));
});

test('a command that exits 124 by itself is not reported as timed out', () => {
  const r = run('bash', ['-c', 'exit 124'], { cwd, timeoutMs: 10_000 });
  expect(r).toMatchObject({ status: 124, timedOut: false });
});

test('a command that does not exist says so', () => {
  const r = run('no-such-command-here', [], { cwd, timeoutMs: 10_000 });
  expect(r.status).toBe(127);
  expect(described(r)).toMatch(/no-such-command-here .* exited 127/);
});

test('a command that ignores TERM is killed 5 s later, and reported as timed out', () => {
  const r = run('bash', ['-c', "trap '' TERM; sleep 30"], { cwd, timeoutMs: 1000 });
  expect(r.timedOut).toBe(true);
  expect(r.ms).toBeLessThan(15_000);
  expect(described(r)).toMatch(/was killed with everything it started after its time limit/);
});
