/*
 * The one way a test starts a child process. Jest's own timeout cannot stop a synchronous child
 * (the test's thread is blocked in it), and Node's `spawnSync` timeout kills only the child it
 * started, not what that child started (npm's scripts, `cdk synth`'s app, a browser). So every child
 * runs under coreutils' `timeout`, which puts the command in a process group of its own and
 * signals the whole group when the limit passes (TERM, then KILL 5 s later); `spawnSync`'s own limit
 * stays as a backstop a little later. A failure names the command, its folder, how it ended and
 * its whole output.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

export interface RunOptions {
  /** The folder the command runs in. */
  readonly cwd: string;
  /** The longest the command may run before it and everything it started are killed. */
  readonly timeoutMs: number;
  /** The environment; default the test's own (either way without the unit tests' `CDK_VALIDATION=false`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the command's standard input. */
  readonly input?: string;
}

export interface RunResult {
  readonly command: string;
  readonly cwd: string;
  /** The exit status, or `null` when a signal ended it. */
  readonly status: number | null;
  readonly signal: string | null;
  /** True when the time limit passed and the process group was killed. */
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Set by the unit tests' setup (test/support/unit-setup.ts) beside `CDK_VALIDATION=false`: a child
 * gets neither, so an app it synthesizes runs every validator, as in a user's shell.
 */
export const UNIT_TESTS_SKIP_CDK_VALIDATION = 'CDK_SECURE_IOT_UNIT_TESTS_SKIP_CDK_VALIDATION';

/** The environment a child gets: `env` without what the unit tests' setup added to it. */
export function childEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!env[UNIT_TESTS_SKIP_CDK_VALIDATION]) return env;
  const { [UNIT_TESTS_SKIP_CDK_VALIDATION]: _marker, CDK_VALIDATION: _validation, ...rest } = env;
  return rest;
}

/**
 * Node's arguments before a TypeScript file, to run it as the apps' cdk.json commands do: ts-node
 * without type checks, with SWC's transpiler (ts-node-swc.js says why).
 */
export const TS_NODE: readonly string[] = ['-r', path.join(__dirname, 'ts-node-swc.js')];

/** `timeout`'s exit status when it had to signal the command (124), or kill it (137 after -k). */
const TIMED_OUT = new Set([124, 137]);

/** Runs `command args` and returns how it ended; never throws for a failing command. */
export function run(command: string, args: readonly string[], options: RunOptions): RunResult {
  const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  const start = Date.now();
  const r = spawnSync('timeout', ['--kill-after=5', `${seconds}`, command, ...args], {
    cwd: options.cwd,
    env: childEnvironment(options.env ?? process.env),
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: (seconds + 15) * 1000,
    killSignal: 'SIGKILL',
  });
  const backstop = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  if (r.error && !backstop) {
    throw new Error(`${shown(command, args)} in ${options.cwd} could not start: ${r.error.message}`);
  }
  return {
    command: shown(command, args),
    cwd: options.cwd,
    status: r.status,
    signal: r.signal,
    // `timeout` exits 124 when the command ended on TERM; one that ignores TERM is killed, with
    // `timeout` itself (it signals its own process group), 5 s later.
    timedOut: backstop || ((r.signal !== null || (r.status !== null && TIMED_OUT.has(r.status))) && Date.now() - start >= seconds * 1000),
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    ms: Date.now() - start,
  };
}

/** Runs `command args` and returns its standard output; throws `described(...)` unless it exits 0. */
export function runOk(command: string, args: readonly string[], options: RunOptions): string {
  const r = run(command, args, options);
  if (r.status !== 0) throw new Error(described(r));
  return r.stdout;
}

/** The command, its folder, how it ended and its whole output: what a failing test prints. */
export function described(r: RunResult): string {
  const ended = r.timedOut
    ? `was killed with everything it started after its time limit (${(r.ms / 1000).toFixed(0)} s)`
    : r.signal ? `was killed by ${r.signal}` : `exited ${r.status}`;
  return `${r.command} (in ${r.cwd}) ${ended}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

function shown(command: string, args: readonly string[]): string {
  return [command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}
