import * as fs from 'fs';
import * as path from 'path';
import { ScanInputError } from '../scan-error';
import { decodeText, isTemplate, LoadedTemplate, loadTemplate, parseTemplateText } from './template-loader';

/** What the inputs expanded to: the templates to scan, the files of a folder passed over, the files that could not be read. */
export interface ExpandedInputs {
  readonly templates: LoadedTemplate[];
  /** Files met while walking a plain folder that are not CloudFormation templates, with why. */
  readonly skipped: { file: string; reason: string }[];
  /** Templates (named, in a folder or in a cloud assembly) that could not be read, each with why: the others are read all the same. */
  readonly unreadable: ScanInputError[];
}

/** Files a folder often holds beside its templates, by name, with what they are. */
const KNOWN_OTHER_FILES: [RegExp, string][] = [
  [/^package(-lock)?\.json$/, 'an npm package file'],
  [/^tsconfig(\..+)?\.json$/, 'a TypeScript configuration'],
  [/^(jsconfig|\.eslintrc|\.prettierrc)(\..+)?\.json$/, 'a tool configuration'],
  [/^cdk(\.context)?\.json$/, 'a CDK app configuration'],
  [/^(manifest|tree)\.json$|\.assets\.json$|\.metadata\.json$/, 'a cloud assembly file (the templates of a cdk.out are read through its manifest)'],
  [/^(samconfig|\.?cfnlintrc|\.?taskcat)(\..+)?\.(json|ya?ml)$/, 'a tool configuration'],
];

/** A `ScanInputError` for whatever went wrong reading `file`, so one bad file never stops the others. */
function asInputError(file: string, e: unknown): ScanInputError {
  if (e instanceof ScanInputError) return e;
  return new ScanInputError(file, `cannot be read (${(e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e)})`);
}

const TEMPLATE_EXTENSIONS = new Set(['.json', '.yaml', '.yml', '.template']);
/** `Validations.ACKNOWLEDGED_RULES_METADATA_KEY` of aws-cdk-lib, which older versions lack. */
const ACKNOWLEDGED_RULES = 'aws:cdk:acknowledged-rules';
const LOOKS_LIKE_TEMPLATE = /AWSTemplateFormatVersion|^Resources:|"Resources"\s*:/m;
const SKIPPED_DIRS = new Set(['node_modules', '.git']);

/**
 * Expands the command line's inputs: a file is a template (unreadable if it is not one); a
 * folder with a `manifest.json` is a cloud assembly (every stack template the manifest lists,
 * nested stacks and nested assemblies included); any other folder yields every template found
 * in it. A file that cannot be read is recorded in `unreadable` and the rest are read; only a
 * path that does not exist, or a folder with nothing to scan, stops the expansion.
 */
export function expandInputs(inputs: readonly string[]): ExpandedInputs {
  const result: ExpandedInputs = { templates: [], skipped: [], unreadable: [] };
  const seen = new Set<string>();
  const add = (t: LoadedTemplate) => {
    const key = path.resolve(t.file);
    if (seen.has(key)) return;
    seen.add(key);
    result.templates.push(t);
  };
  for (const input of inputs) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(input);
    } catch {
      throw new ScanInputError(input, 'no such file or folder');
    }
    if (!stat.isDirectory()) {
      try {
        add(loadTemplate(input));
      } catch (e) {
        result.unreadable.push(asInputError(input, e));
      }
    } else if (isCloudAssembly(input)) {
      const unreadableBefore = result.unreadable.length;
      const found = cloudAssemblyTemplates(input, result.unreadable);
      if (found.length === 0 && result.unreadable.length === unreadableBefore) {
        throw new ScanInputError(path.join(input, 'manifest.json'), 'the cloud assembly lists no stack template');
      }
      found.forEach(add);
    } else {
      const before = result.templates.length + result.unreadable.length;
      walkFolder(input, add, result);
      if (result.templates.length + result.unreadable.length === before) {
        throw new ScanInputError(input, 'the folder holds no CloudFormation template (.json, .yaml, .yml or .template with a Resources section)');
      }
    }
  }
  return result;
}

/**
 * A cloud assembly has a `manifest.json` and, written by every CDK version since 1.0, a
 * `cdk.out` version marker, or a manifest with `artifacts`; a web app's `manifest.json` has neither.
 */
function isCloudAssembly(dir: string): boolean {
  const manifest = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifest)) return false;
  if (fs.existsSync(path.join(dir, 'cdk.out'))) return true;
  try {
    const parsed = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    return typeof parsed?.artifacts === 'object' && parsed.artifacts !== null;
  } catch {
    return false;
  }
}

interface MetadataEntry {
  readonly type?: string;
  readonly data?: unknown;
}

interface ManifestArtifact {
  readonly type?: string;
  readonly properties?: { readonly templateFile?: string; readonly directoryName?: string };
  readonly metadata?: ArtifactMetadata;
  readonly additionalMetadataFile?: string;
}

type ArtifactMetadata = { [path: string]: MetadataEntry[] };

/** A stack artifact's construct metadata: in the manifest, or (newer CDK) in a file beside it. */
function artifactMetadata(dir: string, artifact: ManifestArtifact): ArtifactMetadata {
  let metadata: ArtifactMetadata = artifact.metadata ?? {};
  if (artifact.additionalMetadataFile) {
    try {
      metadata = { ...metadata, ...JSON.parse(fs.readFileSync(path.join(dir, artifact.additionalMetadataFile), 'utf8')) };
    } catch {
      // The metadata only adds nested stacks and acknowledgments; without it the stack is still scanned.
    }
  }
  return metadata;
}

/**
 * The acknowledgments (`Validations.of(x).acknowledge`) a CDK app recorded in its cloud
 * assembly, by template file and logical ID: the construct metadata maps each path to a logical
 * ID, each stack (nested ones included) to its template file, and holds every acknowledgment on
 * the construct it was made on, which covers every resource below it.
 */
function assemblyAcknowledgments(dir: string, metadata: ArtifactMetadata): Map<string, Map<string, Map<string, string>>> {
  const stackRoots: [string, string][] = [];
  const logicalIds: [string, string][] = [];
  const acks: [string, { [id: string]: string }][] = [];
  for (const [constructPath, entries] of Object.entries(metadata)) {
    for (const e of entries ?? []) {
      if (e.type === 'aws:cdk:templateFile' && typeof e.data === 'string') stackRoots.push([constructPath, path.resolve(dir, e.data)]);
      if (e.type === 'aws:cdk:logicalId' && typeof e.data === 'string') logicalIds.push([constructPath, e.data]);
      if (e.type === ACKNOWLEDGED_RULES && e.data && typeof e.data === 'object') acks.push([constructPath, e.data as { [id: string]: string }]);
    }
  }
  const within = (p: string, ancestor: string) => p === ancestor || p.startsWith(ancestor + '/');
  const result = new Map<string, Map<string, Map<string, string>>>();
  if (acks.length === 0) return result;
  for (const [resourcePath, logicalId] of logicalIds) {
    const root = stackRoots.filter(([r]) => within(resourcePath, r)).sort((a, b) => b[0].length - a[0].length)[0];
    if (!root) continue;
    for (const [ackPath, data] of acks) {
      if (!within(resourcePath, ackPath)) continue;
      const byLogicalId = result.get(root[1]) ?? new Map<string, Map<string, string>>();
      result.set(root[1], byLogicalId);
      const ids = byLogicalId.get(logicalId) ?? new Map<string, string>();
      byLogicalId.set(logicalId, ids);
      for (const [key, reason] of Object.entries(data)) ids.set(key.replace(/^annotation::/i, ''), String(reason));
    }
  }
  return result;
}

function readManifest(dir: string): { artifacts?: { [id: string]: ManifestArtifact } } {
  const file = path.join(dir, 'manifest.json');
  const manifest = parseTemplateText(file, decodeText(file, fs.readFileSync(file))).template;
  if (typeof manifest !== 'object' || manifest === null) throw new ScanInputError(file, 'is not a cloud assembly manifest');
  return manifest;
}

/**
 * The templates of a cloud assembly: its stacks, the nested stacks they deploy (named in the
 * construct metadata, or as `aws:asset:path` of the parent's `AWS::CloudFormation::Stack`, or
 * any `*.nested.template.json` left), and nested assemblies (stages).
 */
function cloudAssemblyTemplates(dir: string, unreadable: ScanInputError[]): LoadedTemplate[] {
  const templates: LoadedTemplate[] = [];
  const included = (file: string) => templates.some((t) => path.resolve(t.file) === path.resolve(file))
    || unreadable.some((u) => path.resolve(u.file) === path.resolve(file));
  let artifacts: { [id: string]: ManifestArtifact };
  try {
    artifacts = readManifest(dir).artifacts ?? {};
  } catch (e) {
    unreadable.push(asInputError(path.join(dir, 'manifest.json'), e));
    return templates;
  }
  for (const artifact of Object.values(artifacts)) {
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      const start = templates.length;
      const metadata = artifactMetadata(dir, artifact);
      withNestedStacks(dir, path.join(dir, artifact.properties.templateFile), templates, unreadable);
      for (const entries of Object.values(metadata)) {
        for (const e of entries ?? []) {
          const nested = typeof e.data === 'string' ? path.join(dir, e.data) : undefined;
          if (e.type === 'aws:cdk:templateFile' && nested && fs.existsSync(nested) && !included(nested)) withNestedStacks(dir, nested, templates, unreadable);
        }
      }
      const acks = assemblyAcknowledgments(dir, metadata);
      for (let i = start; i < templates.length; i++) {
        const own = acks.get(path.resolve(templates[i].file));
        if (own) templates[i] = { ...templates[i], assemblyAcknowledgments: own };
      }
    } else if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      templates.push(...cloudAssemblyTemplates(path.join(dir, artifact.properties.directoryName), unreadable));
    }
  }
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (name.endsWith('.nested.template.json') && !included(file)) {
      try {
        templates.push(loadTemplate(file));
      } catch (e) {
        unreadable.push(asInputError(file, e));
      }
    }
  }
  return templates;
}

/**
 * Loads `file` and, depth first, every nested stack template its `AWS::CloudFormation::Stack`
 * resources deploy where `aws:asset:path` names it.
 */
function withNestedStacks(dir: string, file: string, into: LoadedTemplate[], unreadable: ScanInputError[]): void {
  let loaded: LoadedTemplate;
  try {
    loaded = loadTemplate(file);
  } catch (e) {
    unreadable.push(asInputError(file, e));
    return;
  }
  into.push(loaded);
  for (const resource of Object.values<any>(loaded.template.Resources)) {
    const assetPath = resource?.Metadata?.['aws:asset:path'];
    if (resource?.Type === 'AWS::CloudFormation::Stack' && typeof assetPath === 'string' && assetPath.endsWith('.json')) {
      const nested = path.join(dir, assetPath);
      if (fs.existsSync(nested) && !into.some((t) => path.resolve(t.file) === path.resolve(nested))
        && !unreadable.some((u) => path.resolve(u.file) === path.resolve(nested))) {
        withNestedStacks(dir, nested, into, unreadable);
      }
    }
  }
}

/**
 * Every template in `dir` and below (cloud assemblies through their manifests): a file with a
 * template's extension that is not a template is skipped with a note; one that says it is a
 * template (`AWSTemplateFormatVersion`, a `Resources` key) but cannot be read is unreadable.
 */
function walkFolder(dir: string, add: (t: LoadedTemplate) => void, result: ExpandedInputs): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch (e) {
    result.unreadable.push(asInputError(dir, e));
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('.')) continue;
      if (isCloudAssembly(full)) {
        cloudAssemblyTemplates(full, result.unreadable).forEach(add);
      } else {
        walkFolder(full, add, result);
      }
    } else if (entry.isFile() && TEMPLATE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
      readFolderFile(full, entry.name, add, result);
    }
  }
}

function readFolderFile(file: string, name: string, add: (t: LoadedTemplate) => void, result: ExpandedInputs): void {
  const known = KNOWN_OTHER_FILES.find(([pattern]) => pattern.test(name));
  if (known) {
    result.skipped.push({ file, reason: `not a CloudFormation template (${known[1]})` });
    return;
  }
  let text: string;
  try {
    text = decodeText(file, fs.readFileSync(file));
  } catch (e) {
    const error = asInputError(file, e);
    // Binary content under a template's extension (a compressed or encrypted file) is not a template.
    if (/is a binary file|is not UTF-8 text/.test(error.message)) {
      result.skipped.push({ file, reason: error.problem });
    } else {
      result.unreadable.push(error);
    }
    return;
  }
  let loaded: LoadedTemplate;
  try {
    loaded = parseTemplateText(file, text);
  } catch (e) {
    // A broken file that says it is a template is unreadable; any other is not ours to judge.
    if (LOOKS_LIKE_TEMPLATE.test(text)) {
      result.unreadable.push(asInputError(file, e));
    } else {
      result.skipped.push({ file, reason: `not a CloudFormation template (${asInputError(file, e).problem})` });
    }
    return;
  }
  if (isTemplate(loaded.template)) {
    add(loaded);
  } else {
    result.skipped.push({ file, reason: 'not a CloudFormation template (no Resources section)' });
  }
}
