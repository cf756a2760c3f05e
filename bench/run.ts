/*
 * `npm run bench`: prints the library's speed and size figures. Not part of `npm test`: timings
 * belong in a report, never in a pass/fail test.
 *
 * 1. Synth: the reference deployment (bin/) against an empty CDK app, each synthesized in a fresh
 *    process as `cdk synth` runs an app, several runs, median and ratio, with peak memory.
 * 2. Rule pack: IotSecurityChecks' cost per resource on generated apps of 500, 2,000 and 5,000
 *    resources, next to cdk-nag's AwsSolutionsChecks on the same app.
 * 3. Scanner: `cdk-secure-iot scan` on one generated template of about 500 resources, in process
 *    (median after warm-up) and as a fresh process, as CI runs it.
 * 4. FleetProvisioning's template size, which does not depend on the fleet size.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AwsSolutionsChecks } from 'cdk-nag';
import { App, Stack } from 'aws-cdk-lib';
import { DevicePolicy, FleetProvisioning, IotSecurityChecks, scanTemplates } from '../lib';
import { generatedApp } from './generated-app';

const ROOT = path.resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function synthOnce(app: string): { ms: number; peakMb: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const rssFile = path.join(dir, 'rss');
  const context = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context;
  const start = process.hrtime.bigint();
  execFileSync(process.execPath, [
    '-r', require.resolve('./report-peak-memory.js'),
    '-r', 'ts-node/register/transpile-only',
    path.join(ROOT, app),
  ], {
    cwd: ROOT,
    env: { ...process.env, CDK_OUTDIR: path.join(dir, 'out'), CDK_CONTEXT_JSON: JSON.stringify(context), BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const peakMb = Number(fs.readFileSync(rssFile, 'utf8')) / 1024;
  fs.rmSync(dir, { recursive: true, force: true });
  return { ms, peakMb };
}

function benchSynth(): void {
  const apps = { 'reference deployment (bin/)': 'bin/reference-deployment.ts', 'empty CDK app': 'bench/empty-app.ts' };
  const results: { [name: string]: { ms: number; peakMb: number } } = {};
  for (const [name, file] of Object.entries(apps)) {
    synthOnce(file); // warm the file system cache and ts-node's
    const runs = Array.from({ length: RUNS }, () => synthOnce(file));
    results[name] = { ms: median(runs.map((r) => r.ms)), peakMb: Math.max(...runs.map((r) => r.peakMb)) };
  }
  const empty = results['empty CDK app'].ms;
  console.log(`\n## Synth (median of ${RUNS} runs, each a fresh process with cdk.json's context and every validator active)\n`);
  console.log('| app | median ms | x empty app | peak memory MB |');
  console.log('|---|---:|---:|---:|');
  for (const [name, r] of Object.entries(results)) {
    console.log(`| ${name} | ${r.ms.toFixed(0)} | ${(r.ms / empty).toFixed(2)} | ${r.peakMb.toFixed(0)} |`);
  }
}

/**
 * Median ms of each validation, measured alternately so neither pack profits from caches the
 * other warmed, after two warm-up rounds (JIT, CDK's token caches).
 */
function timeAlternately(validations: (() => void)[], runs: number): number[] {
  const samples: number[][] = validations.map(() => []);
  for (let round = 0; round < runs + 2; round++) {
    validations.forEach((validate, i) => {
      const start = process.hrtime.bigint();
      validate();
      if (round >= 2) samples[i].push(Number(process.hrtime.bigint() - start) / 1e6);
    });
  }
  return samples.map(median);
}

function benchPack(): void {
  console.log('\n## Rule pack cost per resource (validateScope on one generated app; median of alternating runs after two warm-up rounds)\n');
  console.log('| resources | IotSecurityChecks ms | us/resource | AwsSolutionsChecks ms | us/resource | Iot/AwsSolutions |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const target of [500, 2000, 5000]) {
    const { app, resources } = generatedApp(target);
    const [iotMs, awsMs] = timeAlternately([
      () => new IotSecurityChecks().validateScope(app),
      () => new AwsSolutionsChecks().validateScope(app),
    ], Math.max(5, RUNS));
    console.log(`| ${resources} | ${iotMs.toFixed(0)} | ${(iotMs * 1000 / resources).toFixed(1)} | ${awsMs.toFixed(0)} `
      + `| ${(awsMs * 1000 / resources).toFixed(1)} | ${(iotMs / awsMs).toFixed(2)} |`);
  }
}

/** One template of about `target` resources: the generated app's stacks synthesized, merged into one. */
function generatedTemplate(target: number, dir: string): { file: string; resources: number } {
  const { app } = generatedApp(target);
  // What is measured is the scan; CDK's own template validator would only slow the set-up.
  const validation = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  let assembly;
  try {
    assembly = app.synth();
  } finally {
    if (validation === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = validation;
  }
  const merged: { [section: string]: { [id: string]: unknown } } = {};
  for (const stack of assembly.stacks) {
    for (const [section, entries] of Object.entries<{ [id: string]: unknown }>(stack.template)) {
      if (typeof entries === 'object') merged[section] = { ...merged[section], ...entries };
    }
  }
  const file = path.join(dir, 'generated.template.json');
  fs.writeFileSync(file, JSON.stringify(merged, null, 1));
  return { file, resources: Object.keys(merged.Resources ?? {}).length };
}

function benchScan(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scan-'));
  try {
    const { file, resources } = generatedTemplate(500, dir);
    const runs = Math.max(5, RUNS);
    const [inProcessMs] = timeAlternately([() => scanTemplates([file])], runs);
    const fresh: number[] = [];
    for (let i = 0; i < Math.min(3, runs) + 1; i++) {
      const start = process.hrtime.bigint();
      try {
        execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'lib/scanner/cli.ts'), 'scan', file, '--format', 'sarif', '--fail-on', 'none'], {
          cwd: ROOT, stdio: 'ignore', env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
        });
      } finally {
        if (i > 0) fresh.push(Number(process.hrtime.bigint() - start) / 1e6); // the first run warms the file system cache
      }
    }
    console.log(`\n## Scanner (cdk-secure-iot scan on one generated template; in process: median of ${runs} runs after two warm-up runs)\n`);
    console.log('| resources | in process ms | us/resource | fresh process ms (ts-node, SARIF) |');
    console.log('|---:|---:|---:|---:|');
    console.log(`| ${resources} | ${inProcessMs.toFixed(0)} | ${(inProcessMs * 1000 / resources).toFixed(1)} | ${median(fresh).toFixed(0)} |`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Fleet provisioning's template size. The fleet size is not an input: devices are rows of the
 * allow list, never resources, so this one figure holds for one device or a million (the test
 * `the template does not grow with the fleet` proves it).
 */
function benchProvisioningTemplate(): void {
  const app = new App();
  const stack = new Stack(app, 'Provisioning');
  new FleetProvisioning(stack, 'FleetProvisioning', { devicePolicy: new DevicePolicy(stack, 'DevicePolicy'), thingNamePrefix: 'sensor-' });
  const template = app.synth().getStackByName('Provisioning').template;
  const bytes = Buffer.byteLength(JSON.stringify(template));
  console.log('\n## FleetProvisioning template size (the same for any fleet size: devices are allow list rows, not resources)\n');
  console.log('| devices | resources | template bytes |');
  console.log('|---:|---:|---:|');
  for (const devices of [10, 1_000_000]) console.log(`| ${devices.toLocaleString('en')} | ${Object.keys(template.Resources).length} | ${bytes} |`);
}

console.log(`# cdk-secure-iot benchmark (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${os.cpus().length} cores)`);
const only = process.argv[2];
if (!only || only === 'synth') benchSynth();
if (!only || only === 'pack') benchPack();
if (!only || only === 'scan') benchScan();
if (!only || only === 'provisioning') benchProvisioningTemplate();
