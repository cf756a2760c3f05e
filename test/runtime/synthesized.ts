import * as fs from 'fs';
import * as path from 'path';
import { SynthApp, synthApps, synthesizedAssemblies } from '../support/synthesized-apps';

/*
 * Every template the reference app (`npx cdk synth`) and the examples write, synthesized as `cdk
 * synth` does, once per `npm test` run (test/support/synthesized-apps.ts): the runtime checks in
 * this folder all read the same templates.
 */

/** An app whose templates the runtime checks read. */
export type RuntimeApp = SynthApp;

/** The reference app and every example with an app.ts. */
export const runtimeApps = synthApps;

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
  const apps = runtimeApps();
  const assemblies = synthesizedAssemblies(apps);
  memo = apps.flatMap((app) => readAssembly(app.name, assemblies.get(app)!));
  return memo;
}

/** The resources of one type across every synthesized stack, with where each comes from. */
export function resourcesOfType(type: string): Array<{ stack: SynthesizedStack; logicalId: string; resource: CfnTemplate['Resources'][string] }> {
  return synthesizedStacks().flatMap((stack) => Object.entries(stack.template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([logicalId, resource]) => ({ stack, logicalId, resource })));
}
