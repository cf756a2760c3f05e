/*
 * The integration tests' runner (test/integ/integ.*.ts, each an IntegTest app).
 *
 *   npm run integ -- [test ...] [--region R] [--no-clean]   deploy, assert, destroy, tear down
 *   npm run integ:snapshot -- [test ...]                     write the snapshots again
 *   npx ts-node --transpile-only scripts/integ.ts verify [test ...]     compare with the snapshots (npm test does this)
 *   npx ts-node --transpile-only scripts/integ.ts teardown [test ...]   delete what a run left (its record in integ.out/)
 *
 * Why this and not `integ-runner`: test/integ/support/assembly.ts says. Deploying needs AWS
 * credentials (the SDK's default chain: AWS_PROFILE, environment, SSO) and a bootstrapped
 * account and region; docs/verification.md lists the permissions, times and costs.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  AssemblyStack, compareWithSnapshot, deployedStacks, describeDifferences, IntegTestFile, readIntegManifest, ROOT, selectTests, synthesizeOrThrow, writeSnapshot,
} from '../test/integ/support/assembly';
import { alive } from '../test/support/made-once';
import { deleteRetained, RetainedResource, retainedResources, TeardownClients, teardownClients, TeardownOutcome } from '../test/integ/support/teardown';

/** Where a deployment's assembly, outputs, logs and record of what it made go (git-ignored). */
const OUT = path.join(ROOT, 'integ.out');
const CDK = path.join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
/** The longest a deployment (with its waiting assertions) or a destroy may take before it is stopped. */
const CDK_TIMEOUT_MS = 2 * 60 * 60 * 1000;

const USAGE = 'usage: integ.ts <deploy|snapshot|verify|teardown> [test ...] [--region R] [--no-clean]';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'region': { type: 'string' },
      'no-clean': { type: 'boolean', default: false },
      'help': { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, ...names] = positionals;
  const tests = selectTests(names);
  switch (command) {
    case 'snapshot':
      return snapshot(tests);
    case 'verify':
      return verify(tests);
    case 'deploy':
      return deploy(tests, regionOf(values.region), !values['no-clean']);
    case 'teardown':
      return teardown(tests, regionOf(values.region));
    default:
      console.error(`integ: unknown command '${command ?? ''}'\n${USAGE}`);
      return 2;
  }
}

function regionOf(flag: string | undefined): string {
  const region = flag ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new Error('integ: no region: set AWS_REGION (or pass --region), the region the tests deploy to');
  }
  return region;
}

function outdirOf(test: IntegTestFile): string {
  return path.join(OUT, test.name);
}

/** Synthesizes into a folder of its own: `integ.out/<test>` may hold a deployment's record. */
function withScratchAssembly<T>(test: IntegTestFile, fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `integ-${test.name}-`));
  try {
    synthesizeOrThrow(test, dir);
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function snapshot(tests: readonly IntegTestFile[]): number {
  for (const test of tests) {
    const files = withScratchAssembly(test, (dir) => writeSnapshot(test, dir));
    console.log(`${test.name}: snapshot written (${files.length} files in ${path.relative(ROOT, test.snapshotDir)})`);
  }
  return 0;
}

function verify(tests: readonly IntegTestFile[]): number {
  let failed = 0;
  for (const test of tests) {
    const differences = withScratchAssembly(test, (dir) => compareWithSnapshot(test, dir));
    if (differences.length > 0) {
      failed++;
      console.error(describeDifferences(test, differences));
    } else {
      console.log(`${test.name}: matches its snapshot`);
    }
  }
  return failed > 0 ? 1 : 0;
}

interface TestRun {
  readonly test: string;
  readonly passed: boolean;
  readonly minutes: number;
  readonly detail: string;
  readonly left: readonly TeardownOutcome[];
}

/** Set by the first Ctrl+C: the running CDK command is stopped, what it made is destroyed, no other test starts. */
let interrupted = false;
let runningChild: ChildProcess | undefined;
/** What to do by hand when the runner is stopped for good, for the test it was running. */
let cleanupHint = '';

function onInterrupt(signal: NodeJS.Signals): void {
  if (interrupted) {
    console.error(`\nintegration tests: stopped. ${cleanupHint}`);
    process.exit(130);
  }
  interrupted = true;
  console.error(`\nintegration tests: ${signal}: stopping the running CDK command, then destroying what the test made (${signal} again leaves everything and exits)`);
  if (runningChild?.pid) killGroup(runningChild.pid, 'SIGINT');
}

async function deploy(tests: readonly IntegTestFile[], region: string, clean: boolean): Promise<number> {
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  const runs: TestRun[] = [];
  for (const test of tests) {
    if (interrupted) break;
    const start = Date.now();
    try {
      runs.push(await deployOne(test, region, clean, start));
    } catch (e) {
      // One test's failure (expired credentials, an unreadable stack) does not stop the others.
      runs.push({ test: test.name, passed: false, minutes: (Date.now() - start) / 60_000, detail: [`stopped: ${(e as Error).message.trim()}`, cleanupHint].filter(Boolean).join('. '), left: [] });
    }
  }
  console.log('\nIntegration tests:');
  for (const r of runs) {
    console.log(`  ${r.passed ? 'PASS' : 'FAIL'}  ${r.test}  ${r.minutes.toFixed(1)} min  ${r.detail}`);
    for (const o of r.left.filter((l) => l.outcome === 'left')) {
      console.log(`        left in the account: ${o.resource.type} ${o.resource.physicalId}: ${o.reason}`);
    }
  }
  if (interrupted) console.log(`  interrupted: ${tests.length - runs.length} test(s) not run`);
  return runs.length === tests.length && runs.every((r) => r.passed) ? 0 : 1;
}

/** The record of a deployment: written before it starts, so a stopped run can be cleaned up. */
interface DeploymentRecord {
  readonly region: string;
  readonly stacks: string[];
  readonly retained: RetainedResource[];
}

function recordFile(test: IntegTestFile): string {
  return path.join(outdirOf(test), 'retained.json');
}

function writeRecord(test: IntegTestFile, record: DeploymentRecord): void {
  fs.writeFileSync(recordFile(test), `${JSON.stringify(record, undefined, 2)}\n`);
}

/** The record of an earlier run that still lists resources to delete, if any. */
function pendingRecord(test: IntegTestFile): DeploymentRecord | undefined {
  if (!fs.existsSync(recordFile(test))) return undefined;
  const record = JSON.parse(fs.readFileSync(recordFile(test), 'utf8')) as DeploymentRecord;
  return record.retained?.length ? record : undefined;
}

/** After a teardown, the record keeps only what is still in the account (nothing: no record). */
function keepWhatIsLeft(test: IntegTestFile, region: string, stacks: string[], outcomes: readonly TeardownOutcome[]): void {
  const left = outcomes.filter((o) => o.outcome === 'left').map((o) => o.resource);
  if (left.length > 0) writeRecord(test, { region, stacks, retained: left });
  else fs.rmSync(recordFile(test), { force: true });
}

async function deployOne(test: IntegTestFile, region: string, clean: boolean, start: number): Promise<TestRun> {
  const minutes = () => (Date.now() - start) / 60_000;
  const outdir = outdirOf(test);
  const clients = teardownClients(region);
  cleanupHint = '';
  const lock = takeLock(test);
  try {
    // A record still listing resources is a run not torn down: its folder is all that finds them.
    const pending = pendingRecord(test);
    if (pending) {
      return {
        test: test.name, passed: false, minutes: minutes(), left: [],
        detail: `not run: an earlier run's ${pending.retained.length} retained resources in ${pending.region} are not torn down yet (${path.relative(ROOT, recordFile(test))}): destroy its stacks if they stand, then npx ts-node --transpile-only scripts/integ.ts teardown ${test.name}`,
      };
    }
    console.log(`\n=== ${test.name}: synthesizing`);
    fs.rmSync(outdir, { recursive: true, force: true });
    synthesizeOrThrow(test, outdir);
    const manifest = readIntegManifest(outdir);
    const cases = Object.values(manifest.testCases);
    const outside = cases.filter((c) => c.regions && c.regions.length > 0 && !c.regions.includes(region));
    if (outside.length > 0) {
      return { test: test.name, passed: false, minutes: minutes(), detail: `runs only in ${outside[0].regions!.join(', ')}, not ${region}`, left: [] };
    }
    const stacks = deployedStacks(outdir);
    const selectors = stacks.map((s) => s.displayName);
    // Another run's stacks (here or on another machine) are not this run's to destroy.
    const existing = await existingStacks(clients, stacks.map((s) => s.stackName));
    if (existing.length > 0) {
      return {
        test: test.name, passed: false, minutes: minutes(), left: [],
        detail: `not run: ${existing.join(', ')} already exist(s) in ${region} (another run, or one not destroyed): destroy them first`,
      };
    }
    const destroyCommand = `npx cdk destroy --app ${path.relative(ROOT, outdir)} --force ${selectors.map((x) => `'${x}'`).join(' ')}`;
    cleanupHint = `To clean up: ${destroyCommand}, then npx ts-node --transpile-only scripts/integ.ts teardown ${test.name} --region ${region}`;
    writeRecord(test, { region, stacks: stacks.map((s) => s.stackName), retained: [] });
    const env = { ...process.env, AWS_REGION: region, AWS_DEFAULT_REGION: region, CDK_DEFAULT_REGION: region };
    const outputsFile = path.join(outdir, 'outputs.json');
    console.log(`=== ${test.name}: deploying ${stacks.map((s) => s.stackName).join(', ')} to ${region}`);
    const deployed = await cdk(['deploy', '--app', outdir, '--require-approval', 'never', '--ci', '--no-notices', '--outputs-file', outputsFile, ...selectors], env, path.join(outdir, 'deploy.log'));
    const verdict = judge(deployed, assertionResults(outputsFile), expectedAssertionOutputs(stacks), path.join(outdir, 'deploy.log'));
    console.log(`=== ${test.name}: ${verdict.detail}`);
    // Recorded before the destroy, while the stacks still list them.
    const retained = await retainedResources(clients, stacks);
    writeRecord(test, { region, stacks: stacks.map((s) => s.stackName), retained });
    if (!clean) {
      console.log(`=== ${test.name}: --no-clean: the stacks stay. ${cleanupHint}`);
      return { test: test.name, passed: verdict.passed, minutes: minutes(), detail: verdict.detail, left: [] };
    }
    console.log(`=== ${test.name}: destroying`);
    const destroyed = await cdk(['destroy', '--app', outdir, '--force', '--ci', '--no-notices', ...selectors], env, path.join(outdir, 'destroy.log'));
    if (destroyed !== 0) {
      return {
        test: test.name, passed: false, minutes: minutes(), left: [],
        detail: `${verdict.detail}; destroy failed (exit ${destroyed}, ${path.relative(ROOT, path.join(outdir, 'destroy.log'))}): the stacks and ${retained.length} retained resources stay. ${cleanupHint}`,
      };
    }
    const left = await deleteRetained(clients, retained);
    report(test, left);
    keepWhatIsLeft(test, region, stacks.map((s) => s.stackName), left);
    cleanupHint = '';
    return { test: test.name, passed: verdict.passed, minutes: minutes(), detail: verdict.detail, left };
  } finally {
    lock.release();
  }
}

/** A lock file per test in integ.out: two runs of one test on this machine would share its folder and stacks. */
function takeLock(test: IntegTestFile): { release: () => void } {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `${test.name}.lock`);
  try {
    fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
  } catch {
    const holder = Number(fs.readFileSync(file, 'utf8').trim());
    if (holder && alive(holder)) throw new Error(`another run (pid ${holder}) is running '${test.name}' (${path.relative(ROOT, file)})`);
    fs.writeFileSync(file, `${process.pid}\n`);
  }
  return { release: () => fs.rmSync(file, { force: true }) };
}

/** Which of `names` exist in the region now (a stack deleted long ago is not listed by name). */
async function existingStacks(clients: TeardownClients, names: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const name of names) {
    if (await stackExists(clients, name)) found.push(name);
  }
  return found;
}

async function stackExists(clients: TeardownClients, name: string): Promise<boolean> {
  try {
    const r = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: name }));
    return (r.Stacks ?? []).some((s) => s.StackStatus !== 'DELETE_COMPLETE');
  } catch (e) {
    // Only CloudFormation's answer for a name it does not know means "no such stack".
    if ((e as Error).name === 'ValidationError' && /does not exist/.test((e as Error).message)) return false;
    throw e;
  }
}

async function teardown(tests: readonly IntegTestFile[], region: string): Promise<number> {
  let failedTests = 0;
  for (const test of tests) {
    const file = recordFile(test);
    if (!fs.existsSync(file)) {
      console.log(`${test.name}: nothing recorded (${path.relative(ROOT, file)} is absent)`);
      continue;
    }
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as DeploymentRecord;
    const at = record.region ?? region;
    const clients = teardownClients(at);
    const standing = await existingStacks(clients, record.stacks ?? []);
    if (standing.length > 0) {
      console.error(`${test.name}: ${standing.join(', ')} still exist(s) in ${at}: destroy first (the teardown deletes what destroyed stacks left)`);
      failedTests++;
      continue;
    }
    const outcomes = await deleteRetained(clients, record.retained);
    report(test, outcomes);
    keepWhatIsLeft(test, at, record.stacks ?? [], outcomes);
    if (outcomes.some((o) => o.outcome === 'left')) failedTests++;
  }
  return failedTests > 0 ? 1 : 0;
}

function report(test: IntegTestFile, outcomes: readonly TeardownOutcome[]): void {
  for (const o of outcomes) {
    console.log(`${test.name}: ${o.outcome.padEnd(9)} ${o.resource.type} ${o.resource.physicalId}${o.reason ? ` (${o.reason})` : ''}`);
  }
}

/** The `AssertionResults*` outputs the assertion stacks declare: each must come back as a success. */
export function expectedAssertionOutputs(stacks: readonly AssemblyStack[]): string[] {
  return stacks.flatMap((s) => Object.keys((s.template.Outputs ?? {}) as object).filter((k) => k.startsWith('AssertionResults')));
}

/**
 * A test passes when the deployment succeeded (a waiting assertion that never holds fails its
 * custom resource, so the deployment) and every assertion the stacks declare reported success.
 */
export function judge(deployExit: number, results: readonly AssertionResult[], expected: readonly string[], log: string): { passed: boolean; detail: string } {
  if (deployExit !== 0) {
    return { passed: false, detail: `deployment failed (exit ${deployExit}): a waiting assertion that timed out fails its custom resource; see ${path.relative(ROOT, log)}` };
  }
  const missing = expected.filter((e) => !results.some((r) => r.output === e));
  const failed = results.filter((r) => r.status !== 'success');
  if (failed.length > 0 || missing.length > 0) {
    const lines = [...failed.map((f) => `${f.output}: ${f.status}${f.message ? ` ${f.message}` : ''}`), ...missing.map((m) => `${m}: no result`)];
    return { passed: false, detail: `${failed.length + missing.length} of ${Math.max(expected.length, results.length)} assertions failed: ${lines.join('; ')}` };
  }
  return { passed: true, detail: `${results.length} assertions passed, and the waiting ones held` };
}

export interface AssertionResult {
  readonly output: string;
  readonly status: string;
  readonly message?: string;
}

/** The `AssertionResults*` outputs IntegTest's assertion stack writes: `{"status":"success"|"fail","message"}`. */
export function assertionResults(outputsFile: string): AssertionResult[] {
  if (!fs.existsSync(outputsFile)) return [];
  const outputs = JSON.parse(fs.readFileSync(outputsFile, 'utf8')) as { [stack: string]: { [key: string]: string } };
  const results: AssertionResult[] = [];
  for (const stackOutputs of Object.values(outputs)) {
    for (const [key, value] of Object.entries(stackOutputs)) {
      if (!key.startsWith('AssertionResults')) continue;
      try {
        const parsed = JSON.parse(value) as { status?: string; message?: string };
        results.push({ output: key, status: parsed.status ?? 'unknown', message: parsed.message });
      } catch {
        results.push({ output: key, status: 'unreadable', message: value });
      }
    }
  }
  return results;
}

/**
 * Runs the project's CDK CLI in a process group of its own (so a stop reaches everything it
 * started), its output shown and kept in `logFile`; stopped after CDK_TIMEOUT_MS. Resolves with the
 * exit code: 130 when stopped, 127 when it could not start.
 */
function cdk(args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<number> {
  return new Promise((resolve) => {
    const log = fs.createWriteStream(logFile);
    const child = spawn(process.execPath, [CDK, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    runningChild = child;
    const timer = setTimeout(() => {
      console.error(`integration tests: cdk ${args[0]} ran past ${CDK_TIMEOUT_MS / 60_000} minutes: stopping it`);
      if (child.pid) killGroup(child.pid, 'SIGINT');
      setTimeout(() => child.pid && killGroup(child.pid, 'SIGKILL'), 60_000).unref();
    }, CDK_TIMEOUT_MS);
    child.stdout.on('data', (d) => { process.stdout.write(d); log.write(d); });
    child.stderr.on('data', (d) => { process.stderr.write(d); log.write(d); });
    child.on('error', (e) => {
      clearTimeout(timer);
      log.end(`could not start the CDK CLI: ${e.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      runningChild = undefined;
      log.end();
      resolve(code ?? (signal ? 130 : 1));
    });
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e: Error) => { console.error(e.message); process.exitCode = 2; },
  );
}
