/*
 * `npm run bench`: prints the library's speed and size figures. Not part of `npm test`: timings
 * belong in a report, never in a pass/fail test.
 *
 * 1. Synth: the reference deployment (bin/) and every example found at run time
 *    (examples/NAME/app.ts) against a plain CDK app of one stack with one resource, each
 *    synthesized in a fresh process as `cdk synth` runs an app (CDK's CloudFormation validator on
 *    all of them), several runs, median and ratio, peak memory; the share of the time spent in
 *    module loading, app code, each validation plugin and CDK's synthesis (bench/synth-probe.js);
 *    resources per stack against CloudFormation's 500 limit.
 * 2. Rule pack: IotSecurityChecks' cost per resource on generated apps of 500, 2,000 and 5,000
 *    resources, next to cdk-nag's AwsSolutionsChecks on the same app.
 * 3. Scanner: `cdk-secure-iot scan` on one generated template of about 500 resources, in process
 *    (median after warm-up) and as a fresh process, as CI runs it; then its wall time, CPU time and
 *    peak memory by input size, each input in a fresh process (bench/scan-inputs.ts builds them):
 *    templates of 100 KB to 16 MB (JSON; YAML to 2 MB), a folder, a cloud assembly, a long
 *    acknowledgments file, and hostile files at the default limits.
 * 4. FleetProvisioning's template size, which does not depend on the fleet size.
 * 5. Opt-in (`npm run bench -- app-command`): the app command's cost, ts-node with TypeScript's
 *    or SWC's transpiler against compiled JS.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AwsSolutionsChecks } from 'cdk-nag';
import { App, Stack } from 'aws-cdk-lib';
import { DevicePolicy, FleetProvisioning, IotSecurityChecks, scanTemplates } from '../lib';
import { generatedApp } from './generated-app';
import {
  acknowledgmentsText, aliasYaml, cloudAssembly, longScalarTemplate, nestedTemplate, Template, templateFolder, templateOfSize, yamlScalarAtLimit,
} from './scan-inputs';

const ROOT = path.resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/**
 * Runs of each pack per app size. A pass takes 50-800 ms, and the median of 5 moved by 0.15 in the
 * ratio between three runs on a quiet machine at 500 resources (GC and the JIT's late tiers land
 * in a few samples); the median of 15 moves by a few hundredths.
 */
const PACK_RUNS = Number(process.env.BENCH_PACK_RUNS ?? 15);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** An app as `cdk synth` runs it: its file, and the folder of the cdk.json that holds its context. */
interface SynthApp {
  readonly name: string;
  readonly file: string;
  readonly cdkDir: string;
}

/** What the probe (bench/synth-probe.js) measured in one synth process, plus its wall time. */
interface SynthRun {
  readonly ms: number;
  readonly peakMb: number;
  readonly status: number | null;
  readonly stderr: string;
  readonly shares: { [share: string]: number };
  /** Resources of each stack template the run wrote, by the template's path in the assembly. */
  readonly resources: { [stack: string]: number };
}

/** Share names in the order the table prints them; anything else a probe reports follows. */
const SHARES = [
  'module loading',
  'app code and constructs',
  'IotSecurityChecks',
  'AwsSolutionsChecks',
  'SecurityPostureReport',
  'CloudFormationValidatePlugin',
  'CDK synthesis (prepare, aspects, templates)',
];
const SHARE_TITLES: { [share: string]: string } = {
  'CloudFormationValidatePlugin': "CDK's validator",
  'CDK synthesis (prepare, aspects, templates)': 'CDK synthesis',
  'app code and constructs': 'app code and constructs',
};
/** Node's start-up before the probe, process spawn and exit: the wall time the probe cannot split. */
const OUTSIDE = 'node start-up, spawn, exit';

/** The reference deployment, every example found now (examples/NAME/app.ts), and the baseline. */
function synthApps(): SynthApp[] {
  const examples = fs.readdirSync(path.join(ROOT, 'examples'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(ROOT, 'examples', e.name, 'app.ts')))
    .map((e) => e.name)
    .sort();
  return [
    { name: 'reference deployment (bin/)', file: 'bin/reference-deployment.ts', cdkDir: ROOT },
    ...examples.map((name) => {
      const dir = path.join(ROOT, 'examples', name);
      return { name: `examples/${name}`, file: `examples/${name}/app.ts`, cdkDir: fs.existsSync(path.join(dir, 'cdk.json')) ? dir : ROOT };
    }),
    { name: BASELINE, file: 'bench/one-resource-app.ts', cdkDir: ROOT },
  ];
}
const BASELINE = 'CDK app, one stack of one resource';

function countResources(dir: string, into: { [stack: string]: number }, prefix = ''): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) countResources(file, into, `${prefix}${entry.name}/`);
    else if (entry.name.endsWith('.template.json')) {
      const template = JSON.parse(fs.readFileSync(file, 'utf8'));
      into[`${prefix}${entry.name.replace(/\.template\.json$/, '')}`] = Object.keys(template.Resources ?? {}).length;
    }
  }
}

type Runner = 'ts-node' | 'ts-node-swc' | 'node';

/**
 * The preload that registers ts-node with SWC's transpiler (`ts-node --swc`), the tests' too: ts-node
 * reads no environment variable for SWC, and `TS_NODE_SWC=true`, which this bench set until now,
 * left every "SWC" run on TypeScript's transpiler.
 */
const TS_NODE_SWC = path.join(ROOT, 'test', 'support', 'ts-node-swc.js');

/** The transpiler the app's cdk.json runs it with: ts-node with SWC (`--swc`) or with TypeScript. */
function cdkJsonRunner(app: SynthApp): Runner {
  const command: string = JSON.parse(fs.readFileSync(path.join(app.cdkDir, 'cdk.json'), 'utf8')).app ?? '';
  return /\s--swc(\s|$)/.test(command) ? 'ts-node-swc' : 'ts-node';
}

/**
 * One synth in a fresh process, as `cdk synth` runs the app (cdk.json's context; ts-node's
 * transpile-only register with the transpiler of cdk.json's app command unless told otherwise,
 * or a compiled JS file as is), with the probe preloaded.
 */
function synthOnce(app: SynthApp, runner = cdkJsonRunner(app), file = app.file): SynthRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const probeFile = path.join(dir, 'probe.json');
  const outdir = path.join(dir, 'out');
  const context = JSON.parse(fs.readFileSync(path.join(app.cdkDir, 'cdk.json'), 'utf8')).context ?? {};
  const loader = runner === 'node' ? [] : ['-r', runner === 'ts-node-swc' ? TS_NODE_SWC : 'ts-node/register/transpile-only'];
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['-r', require.resolve('./synth-probe.js'), ...loader, path.join(ROOT, file)], {
    cwd: app.cdkDir,
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify(context),
      BENCH_PROBE_FILE: probeFile,
    },
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  try {
    if (!fs.existsSync(probeFile)) throw new Error(`bench: ${file} did not run to its end (exit ${child.status}):\n${child.stderr}`);
    const probe = JSON.parse(fs.readFileSync(probeFile, 'utf8'));
    const shares: { [share: string]: number } = { ...probe.spent };
    const inside = Object.values(shares).reduce((a, b) => a + b, 0);
    shares[OUTSIDE] = Math.max(0, ms - inside);
    const resources: { [stack: string]: number } = {};
    if (fs.existsSync(outdir)) countResources(outdir, resources);
    return { ms, peakMb: probe.maxRssKb / 1024, status: child.status, stderr: child.stderr, shares, resources };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function synthRuns(app: SynthApp, runner?: Runner, file?: string): SynthRun[] {
  synthOnce(app, runner, file); // warms the file system cache
  return Array.from({ length: RUNS }, () => synthOnce(app, runner, file));
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);

function benchSynth(): void {
  const apps = synthApps();
  const results = new Map<SynthApp, SynthRun[]>();
  for (const app of apps) results.set(app, synthRuns(app));
  const baseline = median(results.get(apps[apps.length - 1])!.map((r) => r.ms));

  console.log(`\n## Synth (median of ${RUNS} runs after one warm-up, each a fresh process as cdk.json runs the app: `
    + "ts-node transpile-only with cdk.json's transpiler, cdk.json's context, every registered validator and CDK's CloudFormation validator active)\n");
  console.log('| app | median s | x baseline | peak memory MB | exit |');
  console.log('|---|---:|---:|---:|---|');
  const failures: string[] = [];
  for (const [app, runs] of results) {
    const ms = median(runs.map((r) => r.ms));
    const status = runs[runs.length - 1].status;
    if (status !== 0) failures.push(`${app.name}: ${runs[runs.length - 1].stderr.split('\n').filter((l) => /error/i.test(l)).slice(0, 3).join(' / ')}`);
    console.log(`| ${app.name} | ${seconds(ms)} | ${(ms / baseline).toFixed(1)} | ${Math.max(...runs.map((r) => r.peakMb)).toFixed(0)} `
      + `| ${status === 0 ? '0' : `${status} (validation failed)`} |`);
  }
  for (const failure of failures) console.log(`\nexit != 0: ${failure}`);

  const seen = new Set<string>();
  for (const runs of results.values()) for (const r of runs) Object.keys(r.shares).forEach((s) => seen.add(s));
  const shares = [...SHARES.filter((s) => seen.has(s)), ...[...seen].filter((s) => !SHARES.includes(s) && s !== OUTSIDE).sort(), OUTSIDE];
  console.log('\n## Where the synth time goes (median ms of each share over the runs; % of the median wall time; "-" = not registered by the app)\n');
  console.log(`| app | ${shares.map((s) => SHARE_TITLES[s] ?? s).join(' | ')} |`);
  console.log(`|---|${shares.map(() => '---:').join('|')}|`);
  for (const [app, runs] of results) {
    const wall = median(runs.map((r) => r.ms));
    const cells = shares.map((s) => {
      if (!runs.some((r) => s in r.shares)) return '-';
      const ms = median(runs.map((r) => r.shares[s] ?? 0));
      return `${(ms / 1000).toFixed(2)} s (${(100 * ms / wall).toFixed(0)} %)`;
    });
    console.log(`| ${app.name} | ${cells.join(' | ')} |`);
  }

  console.log("\n## Resources per stack (CloudFormation's limit: 500 per template)\n");
  console.log('| app | stack | resources | of the 500 limit |');
  console.log('|---|---|---:|---:|');
  for (const [app, runs] of results) {
    if (app.name === BASELINE) continue;
    const resources = runs[runs.length - 1].resources;
    for (const [stack, count] of Object.entries(resources).sort(([a], [b]) => a.localeCompare(b))) {
      console.log(`| ${app.name} | ${stack} | ${count} | ${(100 * count / 500).toFixed(0)} % |`);
    }
  }
}

/** The TypeScript files of a folder, without the Lambda handlers (bundled apart by esbuild). */
function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => !f.split(path.sep).includes('handlers'));
}

/**
 * What the app command in cdk.json costs: the reference deployment through ts-node with
 * TypeScript's transpiler (cdk.json's command), through ts-node's SWC transpiler (if @swc/core
 * is installed), and as compiled JS (lib/ and bin/ transpiled once by esbuild, the cost of
 * keeping it fresh shown apart). Opt-in: `npm run bench -- app-command`.
 */
function benchAppCommand(): void {
  const app: SynthApp = { name: 'reference deployment (bin/)', file: 'bin/reference-deployment.ts', cdkDir: ROOT };
  const rows: [string, SynthRun[]][] = [['ts-node --transpile-only (TypeScript)', synthRuns(app, 'ts-node')]];
  let swc = true;
  try {
    require.resolve('@swc/core');
  } catch {
    swc = false;
  }
  if (swc) rows.push(['ts-node --transpile-only --swc', synthRuns(app, 'ts-node-swc')]);
  // At dist/'s depth in the package, so lib/ finds package.json and the bundled handlers as from dist/lib.
  const out = path.join(ROOT, '.bench-js');
  let transpileMs = 0;
  try {
    const start = process.hrtime.bigint();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('esbuild').buildSync({
      entryPoints: [...tsFiles(path.join(ROOT, 'lib')), ...tsFiles(path.join(ROOT, 'bin'))],
      outdir: out, outbase: ROOT, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'error',
    });
    transpileMs = Number(process.hrtime.bigint() - start) / 1e6;
    rows.push(['node, compiled JS (lib/ and bin/ transpiled beforehand)', synthRuns(app, 'node', path.relative(ROOT, path.join(out, 'bin', 'reference-deployment.js')))]);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  console.log(`\n## App command (the reference deployment; median of ${RUNS} runs after one warm-up)\n`);
  console.log('| app command | median s | module loading s | peak memory MB | exit |');
  console.log('|---|---:|---:|---:|---|');
  for (const [name, runs] of rows) {
    console.log(`| ${name} | ${seconds(median(runs.map((r) => r.ms)))} | ${seconds(median(runs.map((r) => r.shares['module loading'] ?? 0)))} `
      + `| ${Math.max(...runs.map((r) => r.peakMb)).toFixed(0)} | ${runs.map((r) => r.status).join(', ')} |`);
  }
  console.log(`\nTranspiling lib/ and bin/ with esbuild took ${transpileMs.toFixed(0)} ms (once, outside the timed runs).`);
}

/**
 * Median ms of each validation, measured alternately so neither pack profits from caches the
 * other warmed, after warm-up rounds (JIT, CDK's token caches): at least two, and until each
 * validation has run for a second in all. At the first, smallest app two rounds left the larger
 * pack's code half-optimized, and its ratio swung between 0.55 and 0.78 from run to run.
 */
function timeAlternately(validations: (() => void)[], runs: number): number[] {
  const warmedMs = validations.map(() => 0);
  for (let round = 0; round < 2 || warmedMs.some((ms) => ms < 1000); round++) {
    validations.forEach((validate, i) => {
      const start = process.hrtime.bigint();
      validate();
      warmedMs[i] += Number(process.hrtime.bigint() - start) / 1e6;
    });
  }
  const samples: number[][] = validations.map(() => []);
  for (let round = 0; round < runs; round++) {
    validations.forEach((validate, i) => {
      const start = process.hrtime.bigint();
      validate();
      samples[i].push(Number(process.hrtime.bigint() - start) / 1e6);
    });
  }
  return samples.map(median);
}

function benchPack(): void {
  console.log(`\n## Rule pack cost per resource (validateScope on one generated app; median of ${PACK_RUNS} alternating runs after a second of warm-up each)\n`);
  console.log('| resources | IotSecurityChecks ms | us/resource | AwsSolutionsChecks ms | us/resource | Iot/AwsSolutions |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const target of [500, 2000, 5000]) {
    const { app, resources } = generatedApp(target);
    const [iotMs, awsMs] = timeAlternately([
      () => new IotSecurityChecks().validateScope(app),
      () => new AwsSolutionsChecks().validateScope(app),
    ], PACK_RUNS);
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
    benchScanPerResource(file, resources);
    benchScanSizes(JSON.parse(fs.readFileSync(file, 'utf8')), dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function benchScanPerResource(file: string, resources: number): void {
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
}

/** One scan in a fresh process: its wall time, CPU time and peak memory (bench/scan-probe.js), exit code. */
interface ScanRun {
  readonly ms: number;
  readonly cpuMs: number;
  readonly peakMib: number;
  readonly status: number | null;
  readonly stderr: string;
}

/** The longest one scan of the size benchmark may take before it is stopped and reported as such. */
const SCAN_TIMEOUT_MS = 120_000;

/**
 * The command line compiled as the package's bin runs (lib/ transpiled by esbuild, no type
 * check, 0.5 s) into `dir`, beside a copy of package.json and a link to node_modules, so
 * it finds both as from dist/lib; the scans are then node's start-up and the scan itself, not
 * ts-node's transpiling. Returns the CLI's path.
 */
function compiledCli(dir: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('esbuild').buildSync({
    entryPoints: tsFiles(path.join(ROOT, 'lib')), outdir: path.join(dir, 'lib'), outbase: path.join(ROOT, 'lib'),
    format: 'cjs', platform: 'node', target: 'node20', logLevel: 'error',
  });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return path.join(dir, 'lib', 'scanner', 'cli.js');
}

function scanOnce(cli: string, args: string[], cwd: string): ScanRun {
  const probeFile = path.join(cwd, `probe-${process.pid}.json`);
  fs.rmSync(probeFile, { force: true });
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['-r', require.resolve('./scan-probe.js'), cli, 'scan', ...args, '--format', 'json', '--fail-on', 'none'], {
    cwd, env: { ...process.env, BENCH_PROBE_FILE: probeFile }, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 256 * 1024 * 1024, timeout: SCAN_TIMEOUT_MS, killSignal: 'SIGKILL',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const probe = fs.existsSync(probeFile) ? JSON.parse(fs.readFileSync(probeFile, 'utf8')) : { maxRssKb: NaN, cpuMs: NaN };
  return { ms, cpuMs: probe.cpuMs, peakMib: probe.maxRssKb / 1024, status: child.status, stderr: child.stderr ?? '' };
}

const MB = 1_000_000;
const bytesShown = (n: number) => (n >= MB ? `${(n / MB).toFixed(1)} MB` : `${(n / 1000).toFixed(0)} KB`);

/**
 * The scanner's time and peak memory by input size (issue 20: bytes in, ms and MiB out), each
 * input scanned once in a fresh process of the compiled command line with `--format json`
 * (the report to /dev/null): generated templates of 100 KB to 8 MB as JSON, to 1 MB as YAML
 * (copies of the 500-resource template's resources), a folder of templates, a cloud assembly with a large
 * manifest, a 100,000-entry acknowledgments file, and the hostile files at the scanner's default
 * limits (alias expansion, nesting, one long scalar). A process that is not done in two minutes
 * is stopped and shown as such.
 */
function benchScanSizes(base: Template, dir: string): void {
  const cli = compiledCli(path.join(dir, 'cli'));
  const inputs = path.join(dir, 'inputs');
  fs.mkdirSync(inputs);
  const rows: { input: string; bytes: number; resources?: number; args: string[] }[] = [];
  const put = (name: string, text: string) => {
    fs.writeFileSync(path.join(inputs, name), text);
    return Buffer.byteLength(text);
  };
  scanOnce(cli, [path.join(inputs, '..', 'generated.template.json')], inputs); // warms the file system cache
  rows.push({ input: 'the process alone: a template of one topic', bytes: put('one.json', '{"Resources":{"T":{"Type":"AWS::SNS::Topic"}}}\n'), resources: 1, args: ['one.json'] });
  // Each at most the default limits: 8 MiB a file (--max-file-bytes), 1 MiB of YAML (--max-yaml-bytes).
  for (const [format, sizes] of [['json', [100_000, MB, 4 * MB, 8 * MB]], ['yaml', [100_000, MB]]] as const) {
    for (const size of sizes) {
      const { text, resources } = templateOfSize(base, size, format);
      const name = `t-${size}.${format}`;
      rows.push({ input: `template, ${format.toUpperCase()}`, bytes: put(name, text), resources, args: [name] });
    }
  }
  const [files, perFile] = [500, 10];
  rows.push({ input: `folder of ${files} templates of ${perFile} resources`, bytes: templateFolder(base, path.join(inputs, 'repo'), files, perFile), resources: files * perFile, args: ['repo'] });
  const asm = cloudAssembly(base, path.join(inputs, 'cdk.out'), 20);
  rows.push({ input: `cloud assembly, 20 stacks, manifest ${bytesShown(asm.manifestBytes)}`, bytes: asm.bytes, resources: asm.resources, args: ['cdk.out'] });
  const template = put('base.json', JSON.stringify(base, null, 1));
  const acks = put('acks.json', acknowledgmentsText(base, 100_000));
  rows.push({
    input: `acknowledgments file of 100,000 entries (${bytesShown(acks)}, --max-file-bytes 16MiB: past the 8 MiB default), on the 500-resource template`,
    bytes: template + acks,
    resources: Object.keys(base.Resources).length,
    args: ['base.json', '--acknowledgments', 'acks.json', '--max-file-bytes', '16MiB'],
  });
  const aliases = aliasYaml();
  rows.push({ input: `YAML aliases expanding to ${aliases.values.toLocaleString('en')} values (limit 500,000)`, bytes: put('aliases.yaml', aliases.text), resources: 1, args: ['aliases.yaml'] });
  rows.push({ input: 'nested 200 levels deep (the limit), YAML', bytes: put('nested.yaml', nestedTemplate(200, 'yaml')), resources: 1, args: ['nested.yaml'] });
  rows.push({ input: 'nested 200 levels deep (the limit), JSON', bytes: put('nested.json', nestedTemplate(200, 'json')), resources: 1, args: ['nested.json'] });
  rows.push({ input: 'one scalar of 1 MiB (the limit), JSON', bytes: put('scalar.json', longScalarTemplate(1024 * 1024, 'json')), resources: 1, args: ['scalar.json'] });
  rows.push({ input: 'one scalar filling the 1 MiB of YAML a scan reads (the limit), YAML', bytes: put('scalar.yaml', longScalarTemplate(yamlScalarAtLimit(), 'yaml')), resources: 1, args: ['scalar.yaml'] });

  console.log('\n## Scanner by input size (each input scanned once in a fresh process: node on the command line compiled by esbuild, --format json; '
    + 'wall ms from spawn to exit, CPU ms and peak resident memory of the process)\n');
  console.log('| input | bytes in | resources | wall ms | CPU ms | peak MiB | exit |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const row of rows) {
    const r = scanOnce(cli, row.args, inputs);
    const exit = r.status === null ? `stopped after ${SCAN_TIMEOUT_MS / 1000} s` : `${r.status}${r.status === 2 ? `: ${r.stderr.split('\n')[0].slice(0, 120)}` : ''}`;
    console.log(`| ${row.input} | ${row.bytes.toLocaleString('en')} | ${row.resources?.toLocaleString('en') ?? ''} | ${r.ms.toFixed(0)} `
      + `| ${r.cpuMs.toFixed(0)} | ${r.peakMib.toFixed(0)} | ${exit} |`);
  }
}

/**
 * Fleet provisioning's template size. The fleet size is not an input: devices are rows of the
 * allow list, never resources, so this one figure holds for one device or a million (the test
 * `the template does not grow with the fleet` proves it).
 */
function benchProvisioningTemplate(): void {
  console.log('\n## FleetProvisioning template size (each row its own app; the fleet size is not an input: devices are allow list rows, not resources)\n');
  console.log('| devices | resources | template bytes |');
  console.log('|---:|---:|---:|');
  for (const devices of [10, 1_000_000]) {
    // One app per fleet: the same props a deployment for that fleet would use.
    const app = new App();
    const stack = new Stack(app, 'Provisioning');
    new FleetProvisioning(stack, 'FleetProvisioning', { devicePolicy: new DevicePolicy(stack, 'DevicePolicy'), thingNamePrefix: 'sensor-' });
    const template = app.synth().getStackByName('Provisioning').template;
    const bytes = Buffer.byteLength(JSON.stringify(template));
    console.log(`| ${devices.toLocaleString('en')} | ${Object.keys(template.Resources).length} | ${bytes.toLocaleString('en')} bytes |`);
  }
}

console.log(`# cdk-secure-iot benchmark (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${os.cpus().length} cores)`);
const only = process.argv[2];
if (!only || only === 'synth') benchSynth();
if (!only || only === 'pack') benchPack();
if (!only || only === 'scan') benchScan();
if (!only || only === 'provisioning') benchProvisioningTemplate();
if (only === 'app-command') benchAppCommand();
