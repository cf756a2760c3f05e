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
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  assemblyStacks, compareWithSnapshot, deployedStacks, describeDifferences, IntegTestFile, readIntegManifest, ROOT, selectTests, synthesizeOrThrow, writeSnapshot,
} from '../test/integ/support/assembly';
import { deleteRetained, RetainedResource, retainedResources, teardownClients, TeardownOutcome } from '../test/integ/support/teardown';

/** Where a deployment's assembly, outputs, log and record of retained resources go (git-ignored). */
const OUT = path.join(ROOT, 'integ.out');
const CDK = path.join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
/** The longest a deployment (with its waiting assertions) or a destroy may take before it is killed. */
const DEPLOY_TIMEOUT_SEC = 2 * 60 * 60;

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

function snapshot(tests: readonly IntegTestFile[]): number {
  for (const test of tests) {
    const outdir = outdirOf(test);
    synthesizeOrThrow(test, outdir);
    const files = writeSnapshot(test, outdir);
    console.log(`${test.name}: snapshot written (${files.length} files in ${path.relative(ROOT, test.snapshotDir)})`);
  }
  return 0;
}

function verify(tests: readonly IntegTestFile[]): number {
  let failed = 0;
  for (const test of tests) {
    const outdir = outdirOf(test);
    synthesizeOrThrow(test, outdir);
    const differences = compareWithSnapshot(test, outdir);
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

async function deploy(tests: readonly IntegTestFile[], region: string, clean: boolean): Promise<number> {
  const runs: TestRun[] = [];
  for (const test of tests) {
    runs.push(await deployOne(test, region, clean));
  }
  console.log('\nIntegration tests:');
  for (const r of runs) {
    console.log(`  ${r.passed ? 'PASS' : 'FAIL'}  ${r.test}  ${r.minutes.toFixed(1)} min  ${r.detail}`);
    for (const o of r.left.filter((l) => l.outcome === 'left')) {
      console.log(`        left in the account: ${o.resource.type} ${o.resource.physicalId}: ${o.reason}`);
    }
  }
  return runs.every((r) => r.passed) ? 0 : 1;
}

async function deployOne(test: IntegTestFile, region: string, clean: boolean): Promise<TestRun> {
  const start = Date.now();
  const minutes = () => (Date.now() - start) / 60_000;
  const outdir = outdirOf(test);
  console.log(`\n=== ${test.name}: synthesizing`);
  synthesizeOrThrow(test, outdir);
  const manifest = readIntegManifest(outdir);
  const cases = Object.values(manifest.testCases);
  const outside = cases.filter((c) => c.regions && c.regions.length > 0 && !c.regions.includes(region));
  if (outside.length > 0) {
    return { test: test.name, passed: false, minutes: minutes(), detail: `runs only in ${outside[0].regions!.join(', ')}, not ${region}`, left: [] };
  }
  const stacks = deployedStacks(outdir);
  const selectors = stacks.map((s) => s.displayName);
  const env = { ...process.env, AWS_REGION: region, AWS_DEFAULT_REGION: region, CDK_DEFAULT_REGION: region };
  const outputsFile = path.join(outdir, 'outputs.json');
  console.log(`=== ${test.name}: deploying ${stacks.map((s) => s.stackName).join(', ')} to ${region}`);
  const deployed = await cdk(['deploy', '--app', outdir, '--require-approval', 'never', '--ci', '--no-notices', '--outputs-file', outputsFile, ...selectors], env, path.join(outdir, 'deploy.log'));
  const results = assertionResults(outputsFile);
  const failedAssertions = results.filter((r) => r.status !== 'success');
  const passed = deployed === 0 && results.length > 0 && failedAssertions.length === 0;
  const detail = deployed !== 0
    ? `deployment failed (exit ${deployed}): a waiting assertion that timed out fails its custom resource; see ${path.relative(ROOT, path.join(outdir, 'deploy.log'))}`
    : results.length === 0
      ? 'no assertion results in the stack outputs'
      : failedAssertions.length > 0
        ? `${failedAssertions.length} of ${results.length} assertions failed: ${failedAssertions.map((f) => `${f.output}: ${f.message}`).join('; ')}`
        : `${results.length} assertions passed`;
  console.log(`=== ${test.name}: ${detail}`);
  if (!clean) {
    console.log(`=== ${test.name}: --no-clean: the stacks stay; destroy them with \`npx cdk destroy --app ${path.relative(ROOT, outdir)} --force ${selectors.join(' ')}\`, then \`npx ts-node --transpile-only scripts/integ.ts teardown ${test.name}\``);
    await recordRetained(test, region, stacks);
    return { test: test.name, passed, minutes: minutes(), detail, left: [] };
  }
  const retained = await recordRetained(test, region, stacks);
  console.log(`=== ${test.name}: destroying`);
  const destroyed = await cdk(['destroy', '--app', outdir, '--force', '--ci', '--no-notices', ...selectors], env, path.join(outdir, 'destroy.log'));
  if (destroyed !== 0) {
    return { test: test.name, passed: false, minutes: minutes(), detail: `${detail}; destroy failed (exit ${destroyed}), the stacks and ${retained.length} retained resources stay: see ${path.relative(ROOT, path.join(outdir, 'destroy.log'))}`, left: [] };
  }
  const left = await deleteRetained(teardownClients(region), retained);
  report(test, left);
  return { test: test.name, passed, minutes: minutes(), detail, left };
}

/** Records what the stacks retain, before they are gone, so a later `teardown` can find it. */
async function recordRetained(test: IntegTestFile, region: string, stacks: ReturnType<typeof assemblyStacks>): Promise<RetainedResource[]> {
  const retained = await retainedResources(teardownClients(region), stacks);
  fs.writeFileSync(path.join(outdirOf(test), 'retained.json'), `${JSON.stringify({ region, retained }, undefined, 2)}\n`);
  return retained;
}

async function teardown(tests: readonly IntegTestFile[], region: string): Promise<number> {
  let failed = 0;
  for (const test of tests) {
    const record = path.join(outdirOf(test), 'retained.json');
    if (!fs.existsSync(record)) {
      console.log(`${test.name}: nothing recorded (${path.relative(ROOT, record)} is absent)`);
      continue;
    }
    const { region: recordedRegion, retained } = JSON.parse(fs.readFileSync(record, 'utf8')) as { region: string; retained: RetainedResource[] };
    const at = recordedRegion ?? region;
    const clients = teardownClients(at);
    for (const stackName of new Set(retained.map((r) => r.stackName))) {
      const exists = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName })).then(
        (r) => (r.Stacks ?? []).some((s) => s.StackStatus !== 'DELETE_COMPLETE'),
        () => false,
      );
      if (exists) {
        console.error(`${test.name}: stack ${stackName} still exists in ${at}: destroy it first (the teardown deletes what a destroyed stack left)`);
        failed++;
      }
    }
    if (failed > 0) continue;
    const outcomes = await deleteRetained(clients, retained);
    report(test, outcomes);
    if (outcomes.some((o) => o.outcome === 'left')) failed++;
  }
  return failed > 0 ? 1 : 0;
}

function report(test: IntegTestFile, outcomes: readonly TeardownOutcome[]): void {
  for (const o of outcomes) {
    console.log(`${test.name}: ${o.outcome.padEnd(9)} ${o.resource.type} ${o.resource.physicalId}${o.reason ? ` (${o.reason})` : ''}`);
  }
}

interface AssertionResult {
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

/** Runs the project's CDK CLI under coreutils' `timeout`, its output shown and kept in `logFile`. */
function cdk(args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<number> {
  return new Promise((resolve) => {
    const log = fs.createWriteStream(logFile);
    const child = spawn('timeout', ['--kill-after=30', `${DEPLOY_TIMEOUT_SEC}`, process.execPath, CDK, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => { process.stdout.write(d); log.write(d); });
    child.stderr.on('data', (d) => { process.stderr.write(d); log.write(d); });
    child.on('close', (code) => { log.end(); resolve(code ?? 1); });
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e: Error) => { console.error(e.message); process.exitCode = 2; },
  );
}
