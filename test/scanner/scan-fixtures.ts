/*
 * What the scanner's tests share: a fresh folder of fixtures per test, files written into it, the
 * command line run in process (in a folder, as a user runs it), the input error a reader throws,
 * and the insecure policy every scan must report whatever surrounds it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../lib/scanner/cli';
import { ScanInputError } from '../../lib/scanner/scan-error';

/** A policy allowing every AWS IoT action on every resource: the finding no hostile neighbour may hide. */
export const OPEN_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };
/** A template of one open policy, `OpenPolicy`. */
export const INSECURE = { Resources: { OpenPolicy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: OPEN_POLICY } } } };
/** A template no rule finds anything in. */
export const CLEAN = { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } };

/** A new folder under the system's temporary folder. */
export function freshFolder(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Removes a folder made by `freshFolder`, whatever it holds. */
export function removeFolder(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes `content` (text, bytes, or JSON with `indent`) to `name` under `dir`, making its folders; returns the file's path. */
export function writeFile(dir: string, name: string, content: string | object | Buffer, indent?: number): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content, null, indent));
  return file;
}

/** The command line, in process, run in `cwd` (the test's own folder where not given): its exit code and what it wrote. */
export function runCli(argv: readonly string[], cwd?: string): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const before = process.cwd();
  if (cwd !== undefined) process.chdir(cwd);
  try {
    const code = main(argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
    return { code, stdout, stderr };
  } finally {
    process.chdir(before);
  }
}

/** The `ScanInputError` `fn` throws; any other outcome fails the test. */
export function inputError(fn: () => unknown): ScanInputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScanInputError) return e;
    throw new Error(`expected a ScanInputError, got ${e}`);
  }
  throw new Error('expected a ScanInputError, nothing was thrown');
}
