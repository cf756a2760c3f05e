/*
 * The reference app (`npx cdk synth`) and every example, synthesized as `cdk synth` does (a fresh
 * process with the app's cdk.json context, every validator on), once per `npm test` run however
 * many test files read them: test/examples.test.ts reads the examples' cloud assemblies, the
 * runtime checks (test/runtime) every template of every app. Each app takes tens of seconds.
 *
 * The assemblies live in the run's folder (run-folder.ts: made for each jest run and removed after
 * it, so no run reads what another made), under a hash of every file that can change them (lib,
 * bin, examples, the handler bundles, the lock file, cdk.json, tsconfig.json), each made once across
 * jest's workers (test/support/made-once.ts): a worker that needs an app another is synthesizing
 * synthesizes the apps nobody has taken meanwhile, then waits for it.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { described, run, TS_NODE } from './child-process';
import { pause, tryMadeOnce } from './made-once';
import { runFolder } from './run-folder';

const ROOT = path.resolve(__dirname, '..', '..');
/** How long one app may take to synthesize before it and its children are killed. */
const SYNTH_TIMEOUT_MS = 240_000;

/** An app `cdk synth` can run. */
export interface SynthApp {
  /** `reference` or the example's folder name. */
  readonly name: string;
  /** The entry point, relative to the repository. */
  readonly entry: string;
  /** The folder `cdk synth` runs from (its cdk.json gives the context). */
  readonly cwd: string;
}

/** The reference app and every example with an app.ts. */
export function synthApps(): SynthApp[] {
  const apps: SynthApp[] = [{ name: 'reference', entry: 'bin/reference-deployment.ts', cwd: ROOT }];
  for (const name of fs.readdirSync(path.join(ROOT, 'examples')).sort()) {
    const dir = path.join(ROOT, 'examples', name);
    if (!fs.existsSync(path.join(dir, 'app.ts'))) continue;
    apps.push({ name, entry: `examples/${name}/app.ts`, cwd: fs.existsSync(path.join(dir, 'cdk.json')) ? dir : ROOT });
  }
  return apps;
}

function filesUnder(dir: string, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(full, out);
    else out.push(full);
  }
  return out;
}

/** A hash of every file that can change what the apps synthesize. */
function sourcesHash(): string {
  const hash = crypto.createHash('sha256');
  const files = ['lib', 'bin', 'examples', path.join('dist', 'handlers')]
    .flatMap((d) => filesUnder(path.join(ROOT, d)))
    .concat(['package-lock.json', 'cdk.json', 'tsconfig.json'].map((f) => path.join(ROOT, f)))
    .sort();
  for (const file of files) {
    hash.update(path.relative(ROOT, file));
    hash.update(fs.readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function synthesize(app: SynthApp, outdir: string): void {
  const context = JSON.parse(fs.readFileSync(path.join(app.cwd, 'cdk.json'), 'utf8')).context ?? {};
  const r = run(process.execPath, [...TS_NODE, path.join(ROOT, app.entry)], {
    cwd: app.cwd,
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    timeoutMs: SYNTH_TIMEOUT_MS,
  });
  if (r.status !== 0) throw new Error(`synthesizing ${app.entry} failed: ${described(r)}`);
}

let hashOfRun: string | undefined;
const known = new Map<string, string>();

/** The app's assembly folder, synthesized unless cached; undefined while another process synthesizes it. */
function tryAssembly(app: SynthApp): string | undefined {
  hashOfRun ??= sourcesHash();
  return tryMadeOnce(path.join(runFolder(), 'synth', hashOfRun, app.name), (work) => {
    synthesize(app, work);
    // Sources changed while it synthesized: this run reads what it made, unpublished.
    return sourcesHash() === hashOfRun;
  });
}

/** The cloud assembly folder of each app, synthesized once per set of sources across jest's workers. */
export function synthesizedAssemblies(apps: SynthApp[]): Map<SynthApp, string> {
  const result = new Map<SynthApp, string>();
  const deadline = Date.now() + apps.length * (SYNTH_TIMEOUT_MS + 30_000);
  let pending = apps.filter((app) => {
    if (known.has(app.name)) result.set(app, known.get(app.name)!);
    return !known.has(app.name);
  });
  while (pending.length > 0) {
    const waiting: SynthApp[] = [];
    for (const app of pending) {
      const dir = tryAssembly(app);
      if (dir) {
        known.set(app.name, dir);
        result.set(app, dir);
      } else {
        waiting.push(app);
      }
    }
    pending = waiting;
    if (pending.length > 0) {
      if (Date.now() > deadline) throw new Error(`waited too long for another process synthesizing ${pending.map((a) => a.name).join(', ')}`);
      pause();
    }
  }
  return result;
}

/** The cloud assembly folder of one app (`reference` or an example's folder name). */
export function synthesizedAssembly(name: string): string {
  const app = synthApps().find((a) => a.name === name);
  if (!app) throw new Error(`no app named ${name}: ${synthApps().map((a) => a.name).join(', ')}`);
  return synthesizedAssemblies([app]).get(app)!;
}
