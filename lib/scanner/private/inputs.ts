import * as fs from 'fs';
import * as path from 'path';
import { ScanInputError } from '../scan-error';
import { notAFile, readRegularFile, statProblem } from './files';
import { DEFAULT_READ_SETTINGS, ReadSettings } from './limits';
import { decodeText, isMapping, isTemplate, jsonType, LoadedTemplate, loadTemplate, parseTemplateText, quoted, readTextFile } from './template-loader';

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
/**
 * Text that says it is a template: the version key, or a `Resources` key as JSON or YAML write one
 * (block or flow style, plain or quoted: `Resources:`, `"Resources" :`, `{Resources: ...}`).
 */
const LOOKS_LIKE_TEMPLATE = /AWSTemplateFormatVersion|(?:^|[{,])\s*(?:Resources|"Resources"|'Resources')\s*:/m;
const SKIPPED_DIRS = new Set(['node_modules', '.git']);

/**
 * Expands the command line's inputs: a file is a template (unreadable if it is not one); a
 * folder with a `manifest.json` is a cloud assembly (every stack template the manifest lists,
 * nested stacks and nested assemblies included); any other folder yields every template found
 * in it. A file that cannot be read is recorded in `unreadable` and the rest are read; only a
 * path that does not exist, or a folder with nothing to scan, stops the expansion.
 */
export function expandInputs(inputs: readonly string[], _settings: ReadSettings = DEFAULT_READ_SETTINGS): ExpandedInputs {
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
    } catch (e) {
      throw new ScanInputError(input, (e as NodeJS.ErrnoException)?.code === 'ENOENT' ? 'no such file or folder' : statProblem(e));
    }
    if (!stat.isDirectory()) {
      try {
        add(loadTemplate(input));
      } catch (e) {
        result.unreadable.push(asInputError(input, e));
      }
    } else if (isCloudAssembly(input)) {
      const found = readAssembly(input, result);
      if (found === undefined) throw new ScanInputError(path.join(input, 'manifest.json'), 'the cloud assembly lists no stack template');
      found.forEach(add);
    } else {
      const before = result.templates.length + result.unreadable.length;
      const skippedBefore = result.skipped.length;
      walkFolder(input, add, result);
      if (result.templates.length + result.unreadable.length === before) {
        // The error replaces the report, so what was skipped is said in it: the first, and how many.
        const skipped = result.skipped.slice(skippedBefore);
        const said = skipped.length === 0 ? ''
          : `; skipped: ${skipped[0].file} (${skipped[0].reason})${skipped.length > 1 ? ` and ${skipped.length - 1} more` : ''}`;
        throw new ScanInputError(input, `the folder holds no CloudFormation template (.json, .yaml, .yml or .template with a Resources section)${said}`);
      }
    }
  }
  return result;
}

/**
 * A cloud assembly has a `manifest.json` and, written by every CDK version since 1.0, a
 * `cdk.out` version marker, or a manifest with `artifacts`; a web app's `manifest.json` has neither.
 * A `manifest.json` that is no regular file (a FIFO) is only read where the marker says it must be
 * a manifest, and then refused by name.
 */
function isCloudAssembly(dir: string): boolean {
  const manifest = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifest)) return false;
  if (fs.existsSync(path.join(dir, 'cdk.out'))) return true;
  try {
    const parsed = JSON.parse(decodeText(manifest, readRegularFile(manifest)));
    return typeof parsed?.artifacts === 'object' && parsed.artifacts !== null;
  } catch {
    return false;
  }
}

interface MetadataEntry {
  readonly type?: unknown;
  readonly data?: unknown;
}

/** Construct path -> its metadata entries (a `Map`: construct paths are data, `__proto__` included). */
type ArtifactMetadata = Map<string, MetadataEntry[]>;

/** What a manifest holds instead of what it should, for a message: `null`, `a list`, `the number 42`. */
function described(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return value === '' ? 'an empty string' : `the string ${quoted(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`;
  return jsonType(value);
}

/** Reports one problem of one artifact of `manifestFile`. */
type ArtifactProblem = (problem: string) => void;

/**
 * A stack artifact's construct metadata: in the manifest, or (newer CDK) in a file beside it. An
 * entry that is not what CDK writes (a mapping of construct paths to lists of `{ type, data }`) is
 * reported, the first one with how many more, and left out: the metadata only adds nested stacks
 * and acknowledgments, so without it the stack is still scanned, acknowledging less.
 */
function artifactMetadata(dir: string, artifact: { [key: string]: unknown }, report: ArtifactProblem): ArtifactMetadata {
  const metadata: ArtifactMetadata = new Map();
  const problems: string[] = [];
  const take = (source: unknown, where: string) => {
    if (source === undefined) return;
    if (!isMapping(source)) {
      problems.push(`${where} must be a mapping of construct paths to lists of { type, data } entries, got ${described(source)}`);
      return;
    }
    for (const [constructPath, entries] of Object.entries(source)) {
      if (!Array.isArray(entries)) {
        problems.push(`${where} of ${quoted(constructPath)} must be a list of { type, data } entries, got ${described(entries)}`);
        continue;
      }
      const bad = entries.findIndex((e) => !isMapping(e));
      if (bad >= 0) problems.push(`${where} of ${quoted(constructPath)}, entry ${bad + 1}, is ${described(entries[bad])}: an entry is a mapping { type, data }`);
      metadata.set(constructPath, [...(metadata.get(constructPath) ?? []), ...entries.filter(isMapping)]);
    }
  };
  take(artifact.metadata, "'metadata'");
  const extra = artifact.additionalMetadataFile;
  if (extra !== undefined) {
    if (typeof extra !== 'string' || extra === '') {
      problems.push(`'additionalMetadataFile' must be a file name (a string, relative to the manifest's folder), got ${described(extra)}`);
    } else {
      const file = path.join(dir, extra);
      try {
        take(parseTemplateText(file, readTextFile(file)).template, `the metadata file ${quoted(extra)}`);
      } catch (e) {
        problems.push(`the metadata file ${quoted(extra)} ${asInputError(file, e).problem.replace(/^(?!is )/, 'cannot be used: ')}`);
      }
    }
  }
  if (problems.length > 0) {
    report(`${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more metadata problem${problems.length > 2 ? 's' : ''})` : ''}; the stack is scanned without those entries`);
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
  for (const [constructPath, entries] of metadata) {
    for (const e of entries) {
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

function readManifest(file: string): { [key: string]: unknown } {
  const manifest = parseTemplateText(file, readTextFile(file)).template;
  if (!isMapping(manifest)) throw new ScanInputError(file, `is not a cloud assembly manifest: a manifest is a mapping with 'artifacts', got ${described(manifest)}`);
  return manifest;
}

/** The assemblies read in one expansion (real paths), and the chain of those holding the one being read. */
interface AssemblyWalk {
  readonly read: Set<string>;
  readonly holding: { readonly real: string; readonly dir: string }[];
}

/**
 * How deep cloud assemblies may nest. A CDK stage's assembly sits in its parent's, and stages nest
 * a few levels; a deeper chain is no app's (and would run the reader out of stack).
 */
export const MAX_ASSEMBLY_NESTING = 100;

const ARTIFACT_SHAPE = "an artifact is a mapping with a 'type' (aws:cloudformation:stack, cdk:cloud-assembly, ...) and 'properties'";

/**
 * The templates of a cloud assembly: its stacks, the nested stacks they deploy (named in the
 * construct metadata, or as `aws:asset:path` of the parent's `AWS::CloudFormation::Stack`, or
 * any `*.nested.template.json` left), and nested assemblies (stages). An artifact the manifest
 * gets wrong (null, wrongly typed, a nested assembly that is missing or holds the one naming it)
 * is one named error; the other artifacts are read all the same. Each assembly is read once,
 * however many artifacts name it.
 */
function cloudAssemblyTemplates(dir: string, unreadable: ScanInputError[], walk?: AssemblyWalk): LoadedTemplate[] {
  const templates: LoadedTemplate[] = [];
  const manifestFile = path.join(dir, 'manifest.json');
  const real = realPath(dir);
  const w: AssemblyWalk = walk ?? { read: new Set(), holding: [] };
  w.read.add(real);
  const included = (file: string) => templates.some((t) => path.resolve(t.file) === path.resolve(file))
    || unreadable.some((u) => path.resolve(u.file) === path.resolve(file));
  let manifest: { [key: string]: unknown };
  try {
    manifest = readManifest(manifestFile);
  } catch (e) {
    unreadable.push(asInputError(manifestFile, e));
    return templates;
  }
  const artifacts = manifest.artifacts === undefined ? {} : manifest.artifacts;
  if (!isMapping(artifacts)) {
    unreadable.push(new ScanInputError(manifestFile, `'artifacts' must be a mapping of artifact IDs to artifacts, got ${described(artifacts)}`));
  }
  for (const [id, artifact] of Object.entries(isMapping(artifacts) ? artifacts : {})) {
    const report: ArtifactProblem = (problem) => unreadable.push(new ScanInputError(manifestFile, `artifact ${quoted(id)}: ${problem}`));
    if (!isMapping(artifact)) {
      report(`is ${described(artifact)}: ${ARTIFACT_SHAPE}`);
      continue;
    }
    const type = artifact.type;
    if (typeof type !== 'string') {
      report(`'type' must be a string, got ${described(type)}: ${ARTIFACT_SHAPE}`);
      continue;
    }
    if (type !== 'aws:cloudformation:stack' && type !== 'cdk:cloud-assembly') continue;
    const properties = artifact.properties;
    if (!isMapping(properties)) {
      report(`'properties' must be a mapping, got ${described(properties)}`);
      continue;
    }
    if (type === 'aws:cloudformation:stack') {
      const templateFile = properties.templateFile;
      if (typeof templateFile !== 'string' || templateFile === '') {
        report(`'properties.templateFile' must be the stack template's file name (a string, relative to the manifest's folder), got ${described(templateFile)}`);
        continue;
      }
      const start = templates.length;
      const metadata = artifactMetadata(dir, artifact, report);
      withNestedStacks(dir, path.join(dir, templateFile), templates, unreadable);
      for (const entries of metadata.values()) {
        for (const e of entries) {
          const nested = typeof e.data === 'string' ? path.join(dir, e.data) : undefined;
          if (e.type === 'aws:cdk:templateFile' && nested && fs.existsSync(nested) && !included(nested)) withNestedStacks(dir, nested, templates, unreadable);
        }
      }
      const acks = assemblyAcknowledgments(dir, metadata);
      for (let i = start; i < templates.length; i++) {
        const own = acks.get(path.resolve(templates[i].file));
        if (own) templates[i] = { ...templates[i], assemblyAcknowledgments: own };
      }
    } else {
      const directoryName = properties.directoryName;
      if (typeof directoryName !== 'string' || directoryName === '') {
        report(`'properties.directoryName' must be the nested assembly's folder (a string, relative to the manifest's folder), got ${described(directoryName)}`);
        continue;
      }
      const nestedDir = path.join(dir, directoryName);
      const nestedReal = realPath(nestedDir);
      const holder = [...w.holding, { real, dir }].find((h) => h.real === nestedReal);
      if (holder !== undefined) {
        report(holder.real === real
          ? `the nested assembly ${quoted(directoryName)} is this assembly itself: a nested assembly is a folder of its own (a stage's assembly-<name> folder)`
          : `the nested assembly ${quoted(directoryName)} is ${holder.dir}, which holds this assembly (a cycle): a nested assembly is a folder of its own (a stage's assembly-<name> folder)`);
        continue;
      }
      if (w.read.has(nestedReal)) continue;
      if (w.holding.length + 1 >= MAX_ASSEMBLY_NESTING) {
        report(`the nested assembly ${quoted(directoryName)} would be nested ${MAX_ASSEMBLY_NESTING + 1} levels deep, past the limit of ${MAX_ASSEMBLY_NESTING}: a stage nests a few levels`);
        continue;
      }
      let nestedStats: fs.Stats | undefined;
      try {
        nestedStats = fs.statSync(nestedDir);
      } catch (e) {
        report(`the nested assembly ${quoted(directoryName)} ${(e as NodeJS.ErrnoException)?.code === 'ENOENT' ? 'does not exist' : statProblem(e)}`);
        continue;
      }
      if (!nestedStats.isDirectory()) {
        report(`the nested assembly ${quoted(directoryName)} is ${notAFile(nestedStats) ?? 'a file'}, not a folder holding a manifest.json`);
        continue;
      }
      if (!fs.existsSync(path.join(nestedDir, 'manifest.json'))) {
        report(`the nested assembly ${quoted(directoryName)} has no manifest.json`);
        continue;
      }
      templates.push(...cloudAssemblyTemplates(nestedDir, unreadable, { ...w, holding: [...w.holding, { real, dir }] }));
    }
  }
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch (e) {
    // A folder whose manifest can be read but not its listing: its stacks are read, its left-over nested templates cannot be looked for.
    unreadable.push(asInputError(dir, e));
    return templates;
  }
  for (const name of names) {
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

/** The real path of `p` (links resolved), or its absolute path where it cannot be resolved. */
function realPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
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
        // A manifest.json makes a folder an assembly, whose manifest says what it holds: one that
        // lists nothing would otherwise hide the folder and everything under it without a word.
        const found = readAssembly(full, result);
        if (found === undefined) {
          result.unreadable.push(new ScanInputError(path.join(full, 'manifest.json'), 'the cloud assembly lists no stack template (a folder with a manifest.json is read as a cloud assembly: scan its templates by name)'));
        }
        found?.forEach(add);
      } else {
        walkFolder(full, add, result);
      }
    } else if (entry.isSymbolicLink()) {
      // A linked file is read like any other (CloudFormation deploys what the link names); a linked
      // folder is not walked, as links can loop, but said, as is a link that leads nowhere.
      let target: fs.Stats;
      try {
        target = fs.statSync(full);
      } catch (e) {
        result.skipped.push({ file: full, reason: brokenLink(full, e) });
        continue;
      }
      if (target.isDirectory()) {
        result.skipped.push({ file: full, reason: 'a symbolic link to a folder (scan its target to read it)' });
      } else if (!target.isFile()) {
        result.skipped.push({ file: full, reason: `a symbolic link to ${notAFile(target)}, not a file` });
      } else if (TEMPLATE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
        readFolderFile(full, entry.name, add, result);
      }
    } else if (entry.isFile()) {
      if (TEMPLATE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) readFolderFile(full, entry.name, add, result);
    } else {
      // Reading a FIFO waits for a writer, a device may never end: neither is opened, each is said.
      result.skipped.push({ file: full, reason: `${notAFile(entry)}, not a file` });
    }
  }
}

/**
 * An assembly's templates, with the templates beside its manifest that it does not name said;
 * `undefined` when it lists no stack and none of its artifacts failed (an empty assembly).
 */
function readAssembly(dir: string, result: ExpandedInputs): LoadedTemplate[] | undefined {
  const unreadableBefore = result.unreadable.length;
  const found = cloudAssemblyTemplates(dir, result.unreadable);
  noteUnlistedTemplates(dir, found, result);
  return found.length === 0 && result.unreadable.length === unreadableBefore ? undefined : found;
}

/** How CDK names the templates it writes into an assembly. */
const ASSEMBLY_TEMPLATE_NAME = /\.template\.(json|ya?ml)$/i;

/**
 * Template files beside an assembly's manifest that the manifest does not name are not read (the
 * manifest says what the assembly deploys), but said: a stray or planted template is never
 * passed over in silence.
 */
function noteUnlistedTemplates(dir: string, found: readonly LoadedTemplate[], result: ExpandedInputs): void {
  const read = new Set(found.map((t) => path.resolve(t.file)));
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (ASSEMBLY_TEMPLATE_NAME.test(entry.name) && !read.has(path.resolve(full))) {
      result.skipped.push({ file: full, reason: 'a template the cloud assembly\'s manifest does not name: not read (scan it by name to read it)' });
    }
  }
}

/** Why the link `file` leads to nothing that can be read. */
function brokenLink(file: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ELOOP') return 'a symbolic link in a loop (it leads back to itself)';
  if (code === 'ENOENT') {
    let target = '?';
    try {
      target = fs.readlinkSync(file);
    } catch {
      // Named without its target.
    }
    return `a broken symbolic link (its target ${quoted(target)} does not exist)`;
  }
  return `a symbolic link whose target ${statProblem(e)}`;
}

function readFolderFile(file: string, name: string, add: (t: LoadedTemplate) => void, result: ExpandedInputs): void {
  // A name says what such a file usually is, not what this one is: CloudFormation deploys a
  // template under any name (`manifest.json` outside a cloud assembly, `x.metadata.json`), so one
  // whose text says it is a template is read like any other file.
  const known = KNOWN_OTHER_FILES.find(([pattern]) => pattern.test(name));
  const skipKnown = () => result.skipped.push({ file, reason: `not a CloudFormation template (${known![1]})` });
  let text: string;
  try {
    text = decodeText(file, readRegularFile(file));
  } catch (e) {
    const error = asInputError(file, e);
    // Binary content under a template's extension (a compressed or encrypted file) is not a template.
    if (known) {
      skipKnown();
    } else if (/is a binary file|is not UTF-8 text/.test(error.message)) {
      result.skipped.push({ file, reason: error.problem });
    } else {
      result.unreadable.push(error);
    }
    return;
  }
  if (known && !LOOKS_LIKE_TEMPLATE.test(text)) {
    skipKnown();
    return;
  }
  let loaded: LoadedTemplate;
  try {
    loaded = parseTemplateText(file, text);
  } catch (e) {
    // A broken file that says it is a template is unreadable; any other is not ours to judge.
    if (LOOKS_LIKE_TEMPLATE.test(text)) {
      result.unreadable.push(asInputError(file, e));
    } else if (known) {
      skipKnown();
    } else {
      result.skipped.push({ file, reason: `not a CloudFormation template (${asInputError(file, e).problem})` });
    }
    return;
  }
  if (isTemplate(loaded.template)) {
    add(loaded);
  } else if (known) {
    skipKnown();
  } else {
    result.skipped.push({ file, reason: 'not a CloudFormation template (no Resources section)' });
  }
}
