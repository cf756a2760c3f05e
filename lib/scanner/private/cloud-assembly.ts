import * as fs from 'fs';
import * as path from 'path';
import { ScanInputError } from '../scan-error';
import { notAFile, readRegularFile, statProblem } from './files';
import { asInputError, counted, ReadContext } from './read-context';
import { AssemblyAcknowledgments, decodeText, isMapping, jsonType, LoadedTemplate, loadTemplate, parseTemplateText, quoted, readTextFile } from './template-loader';

/** `Validations.ACKNOWLEDGED_RULES_METADATA_KEY` of aws-cdk-lib, which older versions lack. */
const ACKNOWLEDGED_RULES = 'aws:cdk:acknowledged-rules';

/**
 * A cloud assembly has a `manifest.json` and, written by every CDK version since 1.0, a
 * `cdk.out` version marker, or a manifest with `artifacts`; a web app's `manifest.json` has neither.
 * A `manifest.json` that is no regular file (a FIFO) is only read where the marker says it must be
 * a manifest, and then refused by name.
 */
export function isCloudAssembly(dir: string, ctx: ReadContext): boolean {
  const manifest = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifest)) return false;
  if (fs.existsSync(path.join(dir, 'cdk.out'))) return true;
  ctx.take(manifest, 'file');
  try {
    const parsed = JSON.parse(decodeText(manifest, readRegularFile(manifest, ctx.limits)));
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
function artifactMetadata(dir: string, artifact: { [key: string]: unknown }, r: AssemblyRead, report: ArtifactProblem): ArtifactMetadata {
  const { ctx } = r;
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
      // No spread: a list of a million entries would overflow the call's arguments.
      const own = metadata.get(constructPath);
      const kept = entries.filter(isMapping);
      if (own === undefined) {
        metadata.set(constructPath, kept);
      } else {
        for (const e of kept) own.push(e);
      }
    }
  };
  take(artifact.metadata, "'metadata'");
  const extra = artifact.additionalMetadataFile;
  if (extra !== undefined) {
    if (typeof extra !== 'string' || extra === '') {
      problems.push(`'additionalMetadataFile' must be a file name (a string, relative to the manifest's folder), got ${described(extra)}`);
    } else {
      const file = path.join(dir, extra);
      const away = outsideProblem(r, file);
      try {
        if (away !== undefined) throw new ScanInputError(file, away);
        // Read once however many artifacts name it: 150 artifacts naming one 6 MB file parsed it 150 times.
        const real = realPath(file);
        let read = r.metadataFiles.get(real);
        if (read === undefined) {
          try {
            ctx.take(file, 'file');
            read = { value: parseTemplateText(file, readTextFile(file, ctx.limits), ctx.limits).template };
          } catch (e) {
            read = { error: e };
          }
          r.metadataFiles.set(real, read);
        }
        if ('error' in read) throw read.error;
        take(read.value, `the metadata file ${quoted(extra)}`);
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

/** A node of a tree of construct paths, one level per `/`-separated segment. */
interface PathNode {
  readonly parent?: PathNode;
  readonly children: Map<string, PathNode>;
  /**
   * The template file of the stack whose construct this is (the first one the metadata names), or
   * null where the metadata names one outside the assembly: the resources below belong to no stack read.
   */
  stackTemplate?: string | null;
  /** The acknowledgments made on this construct: finding ID -> reason, the last one written kept. */
  reasons?: Map<string, string>;
}

/**
 * The acknowledgments (`Validations.of(x).acknowledge`) a CDK app recorded in its cloud assembly,
 * by template file: the construct metadata maps each path to a logical ID, each stack (nested ones
 * included) to its template file, and holds every acknowledgment on the construct it was made on,
 * which covers every resource below it. Each is kept once, on its node of a tree of construct
 * paths; a finding looks its resource's node up and walks up to the root, the deepest
 * acknowledgment winning (as cdk-nag reads them). Work and memory grow with the metadata's size:
 * copying every acknowledgment above a resource into its own table took 4 GB for 40,000
 * acknowledgments on the app and 40,000 resources. `outside` says whether a template file the
 * metadata names leaves the assembly (its resources then belong to no template read).
 */
function assemblyAcknowledgments(dir: string, metadata: ArtifactMetadata, outside: (file: string) => boolean): Map<string, AssemblyAcknowledgments> {
  const root: PathNode = { children: new Map() };
  const logicalIds: [string, string][] = [];
  const nodeByPath = new Map<string, PathNode>();
  const nodeAt = (constructPath: string) => {
    const known = nodeByPath.get(constructPath);
    if (known !== undefined) return known;
    let node = root;
    for (const segment of constructPath.split('/')) {
      let child = node.children.get(segment);
      if (!child) {
        child = { parent: node, children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    nodeByPath.set(constructPath, node);
    return node;
  };
  let acknowledged = false;
  for (const [constructPath, entries] of metadata) {
    for (const e of entries) {
      if (e.type === 'aws:cdk:templateFile' && typeof e.data === 'string') {
        const node = nodeAt(constructPath);
        const file = path.resolve(dir, e.data);
        if (node.stackTemplate === undefined) node.stackTemplate = outside(file) ? null : file;
      }
      if (e.type === 'aws:cdk:logicalId' && typeof e.data === 'string') logicalIds.push([constructPath, e.data]);
      if (e.type === ACKNOWLEDGED_RULES && e.data && typeof e.data === 'object') {
        const node = nodeAt(constructPath);
        const reasons = node.reasons ?? new Map<string, string>();
        node.reasons = reasons;
        // A reason is a string as CDK writes it; any other value is kept as its JSON text (String() of a mapping read without a prototype throws).
        for (const [key, reason] of Object.entries(e.data)) reasons.set(key.replace(/^annotation::/i, ''), typeof reason === 'string' ? reason : JSON.stringify(reason) ?? 'null');
        acknowledged = true;
      }
    }
  }
  const result = new Map<string, AssemblyAcknowledgments>();
  if (!acknowledged) return result;
  const byTemplate = new Map<string, Map<string, PathNode>>();
  // Each construct path walked once, however many logical IDs it holds: 20,000 entries under one
  // path of 200,000 segments walked it 20,000 times (two minutes); once, the work is the file's size.
  const walked = new Map<string, { node: PathNode; stackTemplate: string | null | undefined }>();
  for (const [resourcePath, logicalId] of logicalIds) {
    let down = walked.get(resourcePath);
    if (down === undefined) {
      // Down the resource's path, as far as the tree goes: the deepest stack is its own, and the
      // deepest node is where its lookups start (the tree holds only stacks, acknowledgments and what is above them).
      let node = root;
      let stackTemplate: string | null | undefined;
      for (const segment of resourcePath.split('/')) {
        const child = node.children.get(segment);
        if (!child) break;
        node = child;
        if (node.stackTemplate !== undefined) stackTemplate = node.stackTemplate;
      }
      down = { node, stackTemplate };
      walked.set(resourcePath, down);
    }
    const { node, stackTemplate } = down;
    if (!stackTemplate) continue;
    const nodes = byTemplate.get(stackTemplate) ?? new Map<string, PathNode>();
    byTemplate.set(stackTemplate, nodes);
    nodes.set(logicalId, node);
  }
  for (const [file, nodes] of byTemplate) {
    result.set(file, {
      reasonFor(logicalId: string, findingId: string): string | undefined {
        for (let node = nodes.get(logicalId); node !== undefined; node = node.parent) {
          const reason = node.reasons?.get(findingId);
          if (reason !== undefined) return reason;
        }
        return undefined;
      },
    });
  }
  return result;
}

function readManifest(file: string, ctx: ReadContext): { [key: string]: unknown } {
  ctx.take(file, 'file');
  const manifest = parseTemplateText(file, readTextFile(file, ctx.limits), ctx.limits).template;
  if (!isMapping(manifest)) throw new ScanInputError(file, `is not a cloud assembly manifest: a manifest is a mapping with 'artifacts', got ${described(manifest)}`);
  return manifest;
}

/** One read of a cloud assembly and the assemblies nested in it. */
interface AssemblyRead {
  readonly ctx: ReadContext;
  /** The real path of the assembly read (the outermost): nothing it names is read from outside it. */
  readonly root: string;
  /** The assembly as named. */
  readonly rootAs: string;
  /**
   * Every template read or tried as the assembly's: real path -> the path it was read as. Only
   * these are left out of the folder walk; its manifests and metadata files are read again there,
   * so a template planted under such a name is read all the same.
   */
  readonly tried: Map<string, string>;
  /** The templates read, in the order met. */
  readonly found: LoadedTemplate[];
  /** Every template file read or tried (resolved paths), so none is read twice. */
  readonly loaded: Set<string>;
  /** The assemblies read: real path -> the folder as named. */
  readonly read: Map<string, string>;
  /** The chain of assemblies holding the one being read: real path -> the folder as named. */
  readonly holding: Map<string, string>;
  /** The metadata files read (real path): what each holds, or why it could not be read. */
  readonly metadataFiles: Map<string, { readonly value: unknown } | { readonly error: unknown }>;
}

const ARTIFACT_SHAPE = "an artifact is a mapping with a 'type' (aws:cloudformation:stack, cdk:cloud-assembly, ...) and 'properties'";

/** What reading a cloud assembly found, for the folder walk that met it. */
export interface AssemblyFound {
  /** False when the assembly lists no stack and none of its artifacts failed (an empty assembly). */
  readonly listsSomething: boolean;
  /** The real paths of the assemblies read, nested ones included. */
  readonly assemblies: ReadonlySet<string>;
  /** Every template read or tried as the assembly's (its error recorded): real path -> the path it was read as. */
  readonly files: ReadonlyMap<string, string>;
}

/**
 * The templates of the cloud assembly `dir`, passed to `add` in the order met: its stacks, the
 * nested stacks they deploy (named in the construct metadata, or as `aws:asset:path` of the
 * parent's `AWS::CloudFormation::Stack`, or any `*.nested.template.json` left), and nested
 * assemblies (stages). An artifact the manifest gets wrong (null, wrongly typed, a nested assembly
 * that is missing, holds the one naming it or nests past `maxAssemblyNesting`, a path leading
 * outside the assembly's folder) is one named error; the other artifacts are read all the same.
 * Each assembly is read once, however many artifacts name it.
 *
 * Only what the manifest leads to is read here: the folder walk (inputs.ts) reads the rest of the
 * assembly's folder as any folder's, as a manifest.json anyone can plant must hide nothing.
 */
export function readAssembly(dir: string, ctx: ReadContext, add: (t: LoadedTemplate) => void): AssemblyFound {
  const unreadableBefore = ctx.unreadable.length;
  const r: AssemblyRead = { ctx, root: realPath(dir), rootAs: dir, tried: new Map(), found: [], loaded: new Set(), read: new Map(), holding: new Map(), metadataFiles: new Map() };
  try {
    readAssemblies(dir, r);
  } finally {
    // Past the file limit, what was read is still reported.
    r.found.forEach(add);
  }
  return {
    listsSomething: r.found.length > 0 || ctx.unreadable.length > unreadableBefore,
    assemblies: new Set(r.read.keys()),
    files: r.tried,
  };
}

/**
 * Why `file`, named by the assembly, is not read as its own: its real path (links resolved) lies
 * outside the assembly's folder. `undefined` when inside.
 */
function outsideProblem(r: AssemblyRead, file: string): string | undefined {
  const real = realPath(file);
  const rel = path.relative(r.root, real);
  if (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel)) return undefined;
  return `leads outside the cloud assembly ${r.rootAs} (to ${real}): not read; an assembly names only files and folders inside its own folder`;
}

/**
 * Reads `dir` and its nested assemblies, depth first, with a stack of its own rather than the
 * reader's: however deep a manifest's chain, the reader never runs out of stack.
 */
function readAssemblies(dir: string, r: AssemblyRead): void {
  const open: { artifacts: Generator<string, void, void>; real: string }[] = [];
  const enter = (d: string) => {
    const real = realPath(d);
    r.read.set(real, d);
    r.holding.set(real, d);
    open.push({ artifacts: assemblyArtifacts(d, real, open.length + 1, r), real });
  };
  enter(dir);
  while (open.length > 0) {
    const top = open[open.length - 1];
    const next = top.artifacts.next();
    if (next.done) {
      open.pop();
      r.holding.delete(top.real);
    } else {
      enter(next.value);
    }
  }
}

/**
 * Reads the artifacts of the assembly `dir` (the `level`th in its chain), yielding each nested
 * assembly to read before the next artifact.
 */
function* assemblyArtifacts(dir: string, real: string, level: number, r: AssemblyRead): Generator<string, void, void> {
  const { ctx } = r;
  const manifestFile = path.join(dir, 'manifest.json');
  let manifest: { [key: string]: unknown };
  try {
    // A nested assembly's manifest.json linked from outside is not the assembly's (the folder walk reads what it leads to).
    const away = outsideProblem(r, manifestFile);
    if (away !== undefined) throw new ScanInputError(manifestFile, away);
    manifest = readManifest(manifestFile, ctx);
  } catch (e) {
    ctx.unreadable.push(asInputError(manifestFile, e));
    return;
  }
  const artifacts = manifest.artifacts === undefined ? {} : manifest.artifacts;
  if (!isMapping(artifacts)) {
    ctx.unreadable.push(new ScanInputError(manifestFile, `'artifacts' must be a mapping of artifact IDs to artifacts, got ${described(artifacts)}`));
  }
  const maxNesting = ctx.limits.maxAssemblyNesting;
  for (const [id, artifact] of Object.entries(isMapping(artifacts) ? artifacts : {})) {
    const report: ArtifactProblem = (problem) => ctx.unreadable.push(new ScanInputError(manifestFile, `artifact ${quoted(id)}: ${problem}`));
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
      const start = r.found.length;
      const metadata = artifactMetadata(dir, artifact, r, report);
      const stackFile = path.join(dir, templateFile);
      const away = outsideProblem(r, stackFile);
      if (away !== undefined) report(`'properties.templateFile' ${quoted(templateFile)} ${away}`);
      else withNestedStacks(dir, stackFile, r);
      for (const [constructPath, entries] of metadata) {
        for (const e of entries) {
          if (e.type !== 'aws:cdk:templateFile' || typeof e.data !== 'string') continue;
          const nested = path.join(dir, e.data);
          if (r.loaded.has(path.resolve(nested)) || !fs.existsSync(nested)) continue;
          const nestedAway = outsideProblem(r, nested);
          if (nestedAway !== undefined) {
            // Said once: every artifact's lookups below refuse it all the same.
            r.loaded.add(path.resolve(nested));
            report(`the template file ${quoted(e.data)} (aws:cdk:templateFile of ${quoted(constructPath)}) ${nestedAway}`);
          } else {
            withNestedStacks(dir, nested, r);
          }
        }
      }
      const acks = assemblyAcknowledgments(dir, metadata, (file) => outsideProblem(r, file) !== undefined);
      for (let i = start; i < r.found.length; i++) {
        const own = acks.get(path.resolve(r.found[i].file));
        if (own) r.found[i] = { ...r.found[i], assemblyAcknowledgments: own };
      }
    } else {
      const directoryName = properties.directoryName;
      if (typeof directoryName !== 'string' || directoryName === '') {
        report(`'properties.directoryName' must be the nested assembly's folder (a string, relative to the manifest's folder), got ${described(directoryName)}`);
        continue;
      }
      const nestedDir = path.join(dir, directoryName);
      const nestedAway = outsideProblem(r, nestedDir);
      if (nestedAway !== undefined) {
        report(`the nested assembly ${quoted(directoryName)} ${nestedAway}`);
        continue;
      }
      const nestedReal = realPath(nestedDir);
      const holder = r.holding.get(nestedReal);
      if (holder !== undefined) {
        report(nestedReal === real
          ? `the nested assembly ${quoted(directoryName)} is this assembly itself: a nested assembly is a folder of its own (a stage's assembly-<name> folder)`
          : `the nested assembly ${quoted(directoryName)} is ${holder}, which holds this assembly (a cycle): a nested assembly is a folder of its own (a stage's assembly-<name> folder)`);
        continue;
      }
      if (r.read.has(nestedReal)) continue;
      if (level >= maxNesting) {
        report(`the nested assembly ${quoted(directoryName)} would be nested ${level + 1} levels deep, past the limit of ${counted(maxNesting)} `
          + '(--max-assembly-nesting raises it): a stage nests a few levels');
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
      yield nestedDir;
    }
  }
  let names: string[];
  try {
    ctx.take(dir, 'folder');
    names = fs.readdirSync(dir).sort();
  } catch (e) {
    // A folder whose manifest can be read but not its listing: its stacks are read, its left-over nested templates cannot be looked for.
    ctx.unreadable.push(asInputError(dir, e));
    return;
  }
  for (const name of names) {
    // A link leading out of the assembly is not its template (the folder walk follows it, as any link).
    if (name.endsWith('.nested.template.json') && outsideProblem(r, path.join(dir, name)) === undefined) loadOnce(path.join(dir, name), r);
  }
}

/** Loads `file` unless this read has read or tried it already: the template, or `undefined` (unread, or its error recorded). */
function loadOnce(file: string, r: AssemblyRead): LoadedTemplate | undefined {
  const key = path.resolve(file);
  if (r.loaded.has(key)) return undefined;
  r.loaded.add(key);
  r.tried.set(realPath(file), file);
  try {
    r.ctx.take(file, 'file');
    const loaded = loadTemplate(file, r.ctx.limits);
    r.found.push(loaded);
    return loaded;
  } catch (e) {
    r.ctx.unreadable.push(asInputError(file, e));
    return undefined;
  }
}

/** The real path of `p` (links resolved), or its absolute path where it cannot be resolved. */
export function realPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Loads `file` and, depth first, every nested stack template its `AWS::CloudFormation::Stack`
 * resources deploy where `aws:asset:path` names it, with a stack of its own (a chain of nested
 * stacks as deep as a manifest likes never runs the reader out of stack). A nested stack past
 * `maxAssemblyNesting` levels is a named error on the template that deploys it.
 */
function withNestedStacks(dir: string, file: string, r: AssemblyRead): void {
  const maxNesting = r.ctx.limits.maxAssemblyNesting;
  const todo: { file: string; level: number }[] = [{ file, level: 1 }];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    const loaded = loadOnce(next.file, r);
    if (!loaded) continue;
    const children: { file: string; level: number }[] = [];
    for (const [logicalId, resource] of Object.entries<any>(loaded.template.Resources)) {
      const assetPath = resource?.Metadata?.['aws:asset:path'];
      if (resource?.Type !== 'AWS::CloudFormation::Stack' || typeof assetPath !== 'string' || !assetPath.endsWith('.json')) continue;
      const nested = path.join(dir, assetPath);
      if (r.loaded.has(path.resolve(nested)) || !fs.existsSync(nested)) continue;
      const away = outsideProblem(r, nested);
      if (away !== undefined) {
        r.loaded.add(path.resolve(nested));
        r.ctx.unreadable.push(new ScanInputError(next.file, `the nested stack ${quoted(logicalId)} (aws:asset:path ${quoted(assetPath)}) ${away}`, loaded.resourceLines.get(logicalId)));
        continue;
      }
      if (next.level >= maxNesting) {
        r.ctx.unreadable.push(new ScanInputError(next.file, `the nested stack ${quoted(logicalId)} (${quoted(assetPath)}) would be nested ${next.level + 1} levels deep, `
          + `past the limit of ${counted(maxNesting)} (--max-assembly-nesting raises it): not read`, loaded.resourceLines.get(logicalId)));
        continue;
      }
      children.push({ file: nested, level: next.level + 1 });
    }
    // Reversed onto the stack, so the first nested stack is read first, as a recursive reader would.
    for (let i = children.length - 1; i >= 0; i--) todo.push(children[i]);
  }
}

