import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/*
 * Every template the reference app (`npx cdk synth`) and the examples write, synthesized as `cdk
 * synth` does (a fresh process with the app's cdk.json context), once per set of sources: the
 * runtime checks in this folder all read the same templates, and each example takes tens of
 * seconds to synthesize. The cache lives in the system's temporary folder under a hash of every
 * file that can change a template (lib, bin, examples, the handler bundles, the lock file), and is
 * written by rename, so parallel jest workers never read half a cache.
 */

const ROOT = path.resolve(__dirname, '..', '..');
/** How long one app may take to synthesize before the child is killed (a hung synth fails, it does not stall `npm test`). */
const SYNTH_TIMEOUT_MS = 240_000;

/** An app whose templates the runtime checks read. */
export interface RuntimeApp {
  /** `reference` or the example's folder name. */
  readonly name: string;
  /** The entry point, relative to the repository. */
  readonly entry: string;
  /** The folder `cdk synth` runs from (its cdk.json gives the context). */
  readonly cwd: string;
}

/** The reference app and every example with an app.ts. */
export function runtimeApps(): RuntimeApp[] {
  const apps: RuntimeApp[] = [{ name: 'reference', entry: 'bin/reference-deployment.ts', cwd: ROOT }];
  for (const name of fs.readdirSync(path.join(ROOT, 'examples')).sort()) {
    const dir = path.join(ROOT, 'examples', name);
    if (!fs.existsSync(path.join(dir, 'app.ts'))) continue;
    apps.push({ name, entry: `examples/${name}/app.ts`, cwd: fs.existsSync(path.join(dir, 'cdk.json')) ? dir : ROOT });
  }
  return apps;
}

/** A CloudFormation template as the runtime checks read it. */
export interface CfnTemplate {
  readonly Resources: { [logicalId: string]: { Type: string; Properties?: any; DependsOn?: any; Condition?: string; DeletionPolicy?: string; UpdateReplacePolicy?: string; Metadata?: any } };
  readonly Parameters?: { [name: string]: any };
  readonly Conditions?: { [name: string]: any };
  readonly Outputs?: { [name: string]: any };
  readonly Mappings?: { [name: string]: any };
}

/** One stack's template of one app. */
export interface SynthesizedStack {
  /** The app it comes from (`reference`, `minimal`...). */
  readonly app: string;
  /** The stack's artifact ID in the cloud assembly. */
  readonly stack: string;
  /** The region and account the stack is pinned to, when it is (`unknown-...` otherwise). */
  readonly environment: string;
  readonly template: CfnTemplate;
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
    .concat([path.join(ROOT, 'package-lock.json'), path.join(ROOT, 'cdk.json')])
    .sort();
  for (const file of files) {
    hash.update(path.relative(ROOT, file));
    hash.update(fs.readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function synthesizeApp(app: RuntimeApp, outdir: string): void {
  const context = JSON.parse(fs.readFileSync(path.join(app.cwd, 'cdk.json'), 'utf8')).context ?? {};
  try {
    execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, app.entry)], {
      cwd: app.cwd,
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
      stdio: 'pipe',
      timeout: SYNTH_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stdout?: Buffer; stderr?: Buffer; signal?: string; message: string };
    throw new Error(`synthesizing ${app.entry} failed${err.signal ? ` (killed by ${err.signal} after ${SYNTH_TIMEOUT_MS} ms)` : ''}: ${err.message}\n`
      + `${err.stdout?.toString() ?? ''}\n${err.stderr?.toString() ?? ''}`);
  }
}

/** A template of a CloudFormation stack, told by its shape: a Resources object of typed resources. */
function isTemplate(value: unknown): value is CfnTemplate {
  const resources = (value as CfnTemplate | undefined)?.Resources;
  return typeof resources === 'object' && resources !== null
    && Object.values(resources).every((r) => typeof (r as { Type?: unknown })?.Type === 'string');
}

/**
 * The stacks of a cloud assembly and of the assemblies nested in it (a CDK Pipelines stage), and
 * the templates a StackSet deploys (written as JSON file assets beside the stack that deploys them).
 */
function readAssembly(app: string, outdir: string): SynthesizedStack[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const stacks: SynthesizedStack[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts) as [string, any][]) {
    if (artifact.type === 'cdk:cloud-assembly') {
      stacks.push(...readAssembly(app, path.join(outdir, artifact.properties.directoryName)));
    } else if (artifact.type === 'aws:cloudformation:stack') {
      stacks.push({
        app,
        stack: id,
        environment: artifact.environment,
        template: JSON.parse(fs.readFileSync(path.join(outdir, artifact.properties.templateFile), 'utf8')),
      });
    }
  }
  for (const file of fs.readdirSync(outdir).filter((f) => /^asset\..*\.json$/.test(f)).sort()) {
    const content = JSON.parse(fs.readFileSync(path.join(outdir, file), 'utf8'));
    if (isTemplate(content)) stacks.push({ app, stack: `stackset-template:${file}`, environment: 'unknown-account/unknown-region', template: content });
  }
  return stacks;
}

let memo: SynthesizedStack[] | undefined;

/** Every stack of the reference app and the examples, synthesized once per set of sources. */
export function synthesizedStacks(): SynthesizedStack[] {
  if (memo) return memo;
  const cacheRoot = path.join(os.tmpdir(), 'cdk-secure-iot-runtime');
  const hash = sourcesHash();
  let cache = path.join(cacheRoot, hash);
  if (!fs.existsSync(path.join(cache, 'done'))) {
    fs.mkdirSync(cacheRoot, { recursive: true });
    const work = fs.mkdtempSync(path.join(cacheRoot, 'work-'));
    for (const app of runtimeApps()) synthesizeApp(app, path.join(work, app.name));
    fs.writeFileSync(path.join(work, 'done'), new Date().toISOString());
    if (sourcesHash() !== hash) {
      // The sources changed while the apps synthesized: this run reads what it made, and nothing
      // is published under a hash it may not match.
      cache = work;
    } else {
      try {
        fs.renameSync(work, cache);
      } catch {
        // Another worker finished first: its cache is as good as ours.
        fs.rmSync(work, { recursive: true, force: true });
      }
    }
  }
  memo = runtimeApps().flatMap((app) => readAssembly(app.name, path.join(cache, app.name)));
  return memo;
}

/** The resources of one type across every synthesized stack, with where each comes from. */
export function resourcesOfType(type: string): Array<{ stack: SynthesizedStack; logicalId: string; resource: CfnTemplate['Resources'][string] }> {
  return synthesizedStacks().flatMap((stack) => Object.entries(stack.template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([logicalId, resource]) => ({ stack, logicalId, resource })));
}
