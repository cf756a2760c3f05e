import * as fs from 'fs';
import * as path from 'path';
import { run, described, RunResult, TS_NODE } from '../../support/child-process';

/**
 * Integration tests as `integ-runner` knows them: each `test/integ/integ.<name>.ts` is a CDK app
 * with an `IntegTest` (`@aws-cdk/integ-tests-alpha`), its snapshot is the cloud assembly it
 * synthesizes, kept in `integ.<name>.ts.snapshot/` beside it without the asset folders.
 *
 * Why not `integ-runner` itself: its newest release on npm (2.197.10) carries a toolkit that reads
 * cloud assemblies up to schema 53, and aws-cdk-lib 2.276 writes schema 55, so it refuses to read
 * the snapshots as well as to deploy ("Cloud assembly schema version mismatch"). This runner does
 * what it does with the project's own CDK CLI. The snapshots keep integ-runner's folder names and
 * files, less what no comparison reads (asset folders, tree.json, the per-stack metadata files): an
 * `integ-runner` that reads schema 55 would write them whole again with `--update-on-failed`.
 */

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const INTEG_DIR = path.join(ROOT, 'test', 'integ');

/** One integration test: `test/integ/integ.<name>.ts`. */
export interface IntegTestFile {
  /** `fleet-provisioning` for `integ.fleet-provisioning.ts`. */
  readonly name: string;
  readonly file: string;
  /** `test/integ/integ.<name>.ts.snapshot`, as integ-runner names it. */
  readonly snapshotDir: string;
}

/** Every integration test, by name. */
export function integTests(): IntegTestFile[] {
  return fs.readdirSync(INTEG_DIR)
    .filter((f) => /^integ\.[a-z0-9-]+\.ts$/.test(f))
    .sort()
    .map((f) => ({
      name: f.slice('integ.'.length, -'.ts'.length),
      file: path.join(INTEG_DIR, f),
      snapshotDir: path.join(INTEG_DIR, `${f}.snapshot`),
    }));
}

/** The tests `names` asks for (all when empty); an unknown name is an error that lists the known. */
export function selectTests(names: readonly string[]): IntegTestFile[] {
  const all = integTests();
  if (names.length === 0) return all;
  const unknown = names.filter((n) => !all.some((t) => t.name === n));
  if (unknown.length > 0) {
    throw new Error(`no integration test named ${unknown.map((n) => `'${n}'`).join(', ')}; the tests are: ${all.map((t) => t.name).join(', ')}`);
  }
  return all.filter((t) => names.includes(t.name));
}

/** The context of cdk.json, so an integration test synthesizes with the flags the project's apps use. */
export function projectContext(): { [key: string]: unknown } {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context?: { [key: string]: unknown } };
  return cdkJson.context ?? {};
}

/**
 * Synthesizes one integration test into `outdir` as the CDK CLI would run it (the App writes its
 * assembly when the process ends): `CDK_OUTDIR` and `CDK_CONTEXT_JSON` set, the TypeScript run by
 * ts-node without type checks, with SWC, as cdk.json's command runs it (`npm test` type-checks
 * every file with `tsc`).
 */
export function synthesize(test: IntegTestFile, outdir: string, timeoutMs = 180_000): RunResult {
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(outdir, { recursive: true });
  const { CDK_VALIDATION: _validation, ...env } = process.env;
  return run(process.execPath, [...TS_NODE, test.file], {
    cwd: ROOT,
    timeoutMs,
    env: {
      ...env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify(projectContext()),
      TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
    },
  });
}

/** Synthesizes `test` into `outdir`, or throws with the command's whole output. */
export function synthesizeOrThrow(test: IntegTestFile, outdir: string): void {
  const r = synthesize(test, outdir);
  if (r.status !== 0 || !fs.existsSync(path.join(outdir, 'integ.json'))) {
    throw new Error(`integration test '${test.name}' did not synthesize (an IntegTest writes integ.json):\n${described(r)}`);
  }
}

/** What `integ.json` says: the test cases, each with the stacks it deploys and its assertion stack. */
export interface IntegManifest {
  readonly version: string;
  readonly testCases: { [name: string]: IntegTestCase };
}

export interface IntegTestCase {
  /** Artifact IDs of the stacks under test. */
  readonly stacks: string[];
  /** Artifact ID of the stack holding the assertions. */
  readonly assertionStack?: string;
  readonly assertionStackName?: string;
  readonly regions?: string[];
  readonly stackUpdateWorkflow?: boolean;
  readonly diffAssets?: boolean;
}

export function readIntegManifest(dir: string): IntegManifest {
  return JSON.parse(fs.readFileSync(path.join(dir, 'integ.json'), 'utf8')) as IntegManifest;
}

/** A stack of the assembly: its artifact ID, its CloudFormation name and its template. */
export interface AssemblyStack {
  readonly artifactId: string;
  /** What the CDK CLI selects a stack by: its construct path (the artifact ID does not match). */
  readonly displayName: string;
  readonly stackName: string;
  readonly templateFile: string;
  readonly template: CfnTemplate;
}

export interface CfnTemplate {
  readonly Resources?: { [logicalId: string]: CfnTemplateResource };
  readonly [key: string]: unknown;
}

export interface CfnTemplateResource {
  readonly Type: string;
  readonly Properties?: { [key: string]: unknown };
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly [key: string]: unknown;
}

interface ManifestArtifact {
  readonly type: string;
  readonly properties?: { readonly templateFile?: string; readonly stackName?: string };
  readonly displayName?: string;
}

/** The stacks an integration test deploys: its test cases' and their assertion stacks. */
export function deployedStacks(dir: string): AssemblyStack[] {
  const cases = Object.values(readIntegManifest(dir).testCases);
  const ids = new Set(cases.flatMap((c) => [...c.stacks, ...c.assertionStackName ? [c.assertionStackName] : []]));
  return assemblyStacks(dir).filter((s) => ids.has(s.artifactId));
}

/** The CloudFormation stacks of an assembly (nested assemblies are not used by IntegTest). */
export function assemblyStacks(dir: string): AssemblyStack[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { artifacts?: { [id: string]: ManifestArtifact } };
  const stacks: AssemblyStack[] = [];
  for (const [artifactId, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const templateFile = artifact.properties.templateFile;
    stacks.push({
      artifactId,
      displayName: artifact.displayName ?? artifactId,
      stackName: artifact.properties.stackName ?? artifactId,
      templateFile,
      template: JSON.parse(fs.readFileSync(path.join(dir, templateFile), 'utf8')) as CfnTemplate,
    });
  }
  return stacks;
}

/**
 * The files of an assembly a snapshot keeps: the manifests and every template (nested stacks'
 * included). Left out: the asset folders (bundled code, built again at each synth, compared by
 * hash only when a test asks with `diffAssets`), `tree.json` and the validation report (what a
 * reviewer reads in a diff is the templates).
 */
export function snapshotFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .filter((f) => f === 'manifest.json' || f === 'integ.json' || f === 'cdk.out' || f.endsWith('.template.json') || f.endsWith('.assets.json'))
    .sort();
}

/** Replaces the snapshot of `test` with the assembly in `outdir`. */
export function writeSnapshot(test: IntegTestFile, outdir: string): string[] {
  fs.rmSync(test.snapshotDir, { recursive: true, force: true });
  fs.mkdirSync(test.snapshotDir, { recursive: true });
  const files = snapshotFiles(outdir);
  for (const f of files) {
    let content = JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf8')) as CfnTemplate;
    // The salts change at every synth and are not compared: kept, they would change every file.
    if (f.endsWith('.template.json')) content = withoutSalts(content);
    // Pretty and ending in a newline, so a change reads as a diff of lines.
    fs.writeFileSync(path.join(test.snapshotDir, f), `${JSON.stringify(content, undefined, 1)}\n`);
  }
  return files;
}

/** Asset hashes (SHA-256, hex), which change with every rebuild of the bundled code. */
const ASSET_HASH = /[0-9a-f]{64}/g;

/**
 * A template as the comparison reads it: without the `salt` integ-tests gives each assertion call
 * (the synth time, so that every deployment makes the call again), and with asset hashes replaced
 * unless `diffAssets` (as integ-runner compares).
 */
export function canonical(value: unknown, diffAssets: boolean): unknown {
  if (value === undefined) return undefined;
  const text = JSON.stringify(withoutSalts(value as CfnTemplate));
  return JSON.parse(diffAssets ? text : text.replace(ASSET_HASH, '<asset-hash>'));
}

function withoutSalts(template: CfnTemplate): CfnTemplate {
  const copy = JSON.parse(JSON.stringify(template)) as CfnTemplate;
  for (const r of Object.values(copy.Resources ?? {})) {
    if (r.Type.startsWith('Custom::DeployAssert@') && r.Properties) delete r.Properties.salt;
  }
  return copy;
}

/** One difference between a snapshot and a fresh synth. */
export interface SnapshotDifference {
  /** The file and the JSON path inside it. */
  readonly where: string;
  readonly snapshot: string;
  readonly synthesized: string;
}

/**
 * What differs between the snapshot of `test` and the assembly in `outdir`: the test cases and
 * their stacks (integ.json), and every template, asset hashes aside unless a test case asks for
 * them. A snapshot that is missing is one difference that says how to write it.
 */
export function compareWithSnapshot(test: IntegTestFile, outdir: string): SnapshotDifference[] {
  if (!fs.existsSync(path.join(test.snapshotDir, 'integ.json'))) {
    return [{ where: path.relative(ROOT, test.snapshotDir), snapshot: '(none)', synthesized: `a new test: write its snapshot with \`npm run integ:snapshot -- ${test.name}\`` }];
  }
  const differences: SnapshotDifference[] = [];
  const fresh = readIntegManifest(outdir);
  const kept = readIntegManifest(test.snapshotDir);
  const casesOf = (m: IntegManifest) => Object.fromEntries(Object.entries(m.testCases).map(([k, v]) => [k, { ...v, stacks: [...v.stacks].sort() }]));
  diff('integ.json testCases', casesOf(kept), casesOf(fresh), differences);
  const diffAssets = Object.values(fresh.testCases).some((c) => c.diffAssets === true);
  const keptTemplates = new Map(assemblyStacks(test.snapshotDir).map((s) => [s.templateFile, s.template]));
  const freshTemplates = new Map(assemblyStacks(outdir).map((s) => [s.templateFile, s.template]));
  for (const file of new Set([...keptTemplates.keys(), ...freshTemplates.keys()])) {
    diff(file, canonical(keptTemplates.get(file), diffAssets), canonical(freshTemplates.get(file), diffAssets), differences);
  }
  // Nested stacks' templates are files of their own that no artifact names.
  const nested = (dir: string) => snapshotFiles(dir).filter((f) => f.endsWith('.nested.template.json'));
  for (const file of new Set([...nested(test.snapshotDir), ...nested(outdir)])) {
    const read = (dir: string) => (fs.existsSync(path.join(dir, file)) ? JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) : undefined);
    diff(file, canonical(read(test.snapshotDir), diffAssets), canonical(read(outdir), diffAssets), differences);
  }
  return differences;
}

function diff(where: string, a: unknown, b: unknown, out: SnapshotDifference[]): void {
  if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      diff(`${where}.${key}`, a[key], b[key], out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((item, i) => diff(`${where}[${i}]`, item, b[i], out));
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    out.push({ where, snapshot: shown(a), synthesized: shown(b) });
  }
}

function isObject(v: unknown): v is { [key: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function shown(v: unknown): string {
  if (v === undefined) return '(absent)';
  const text = JSON.stringify(v);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The differences as a failing test or the runner prints them. */
export function describeDifferences(test: IntegTestFile, differences: readonly SnapshotDifference[]): string {
  const shownDiffs = differences.slice(0, 40).map((d) => `  ${d.where}\n    snapshot:    ${d.snapshot}\n    synthesized: ${d.synthesized}`);
  const more = differences.length > 40 ? [`  ... and ${differences.length - 40} more`] : [];
  return [
    `integration test '${test.name}' no longer matches its snapshot (${path.relative(ROOT, test.snapshotDir)}): ${differences.length} difference(s)`,
    ...shownDiffs,
    ...more,
    `If the change is meant, write the snapshot again: npm run integ:snapshot -- ${test.name}`,
  ].join('\n');
}
