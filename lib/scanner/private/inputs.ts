import * as fs from 'fs';
import * as path from 'path';
import { ScanInputError } from '../scan-error';
import { isCloudAssembly, readAssembly, realPath } from './cloud-assembly';
import { notAFile, readRegularFile, statProblem } from './files';
import { DEFAULT_READ_SETTINGS, ReadSettings } from './limits';
import { asInputError, counted, ReadContext, ReadsExhausted } from './read-context';
import { decodeText, isTemplate, LoadedTemplate, loadTemplate, parseTemplateText, quoted } from './template-loader';

/** What the inputs expanded to: the templates to scan, the files of a folder passed over, the files that could not be read. */
export interface ExpandedInputs {
  readonly templates: LoadedTemplate[];
  /** Files and folders met while walking a plain folder that are not read, with why. */
  /**
   * Files and folders passed over, each with why; `read` where the note is about one that was read
   * all the same (a template a cloud assembly's manifest does not name, a package folder walked).
   */
  readonly skipped: { file: string; reason: string; read?: boolean }[];
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

const TEMPLATE_EXTENSIONS = new Set(['.json', '.yaml', '.yml', '.template']);
/**
 * Text that says it is a template: the version key, or a `Resources` key as JSON or YAML write one
 * (block or flow style, plain or quoted: `Resources:`, `"Resources" :`, `{Resources: ...}`).
 */
const LOOKS_LIKE_TEMPLATE = /AWSTemplateFormatVersion|(?:^|[{,])\s*(?:Resources|"Resources"|'Resources')\s*:/m;

/**
 * Folders a walk does not enter, each listed as skipped with why: version control data and
 * `node_modules`, which no deployment reads templates from. Everything else is walked, dot-folders
 * too: a CI gate must not miss a template that deploys, and `.aws-sam/build` holds the templates
 * `sam deploy` uploads, `.serverless` the ones the Serverless Framework deploys.
 */
function skippedFolder(name: string): string | undefined {
  if (name === '.git' || name === '.hg' || name === '.svn') return 'version control data: not walked';
  if (name === 'node_modules') return 'installed npm packages (node_modules), not this project\'s templates: not walked (scan it by name to read it)';
  return undefined;
}

/**
 * Why a folder holding `entries` is installed packages or a cache (a Python virtual environment,
 * a Lambda function's dependencies in `.aws-sam/build` with botocore's thousand JSON files, mypy's
 * cache), or `undefined`. Such a folder is still walked and every file in it read, as any file
 * can plant the marker that says so, but the files in it that are not templates are counted in
 * one note, not listed one by one.
 */
function packageFolder(entries: readonly fs.Dirent[]): string | undefined {
  if (entries.some((e) => e.name === 'pyvenv.cfg')) return 'a Python virtual environment (it holds a pyvenv.cfg)';
  if (entries.some((e) => e.name === 'CACHEDIR.TAG')) return 'a cache folder (it holds a CACHEDIR.TAG)';
  const distInfo = entries.find((e) => e.isDirectory() && e.name.endsWith('.dist-info'));
  return distInfo && `installed Python packages (it holds ${quoted(distInfo.name)})`;
}

/** A file named as CloudFormation and CDK name templates: `x.template.json`, `x.template.yaml`, `x.template`. */
const NAMED_AS_TEMPLATE = /(\.template\.(json|ya?ml)|\.template)$/i;

/** A folder of installed packages or a cache, walked quietly: how many of its files were not templates. */
interface QuietFolder {
  readonly folder: string;
  readonly what: string;
  notTemplates: number;
}

/**
 * Expands the command line's inputs: a file is a template (unreadable if it is not one); a
 * folder with a `manifest.json` is a cloud assembly (every stack template the manifest lists,
 * nested stacks and nested assemblies included); any other folder yields every template found
 * in it. A file that cannot be read is recorded in `unreadable` and the rest are read; only a
 * path that does not exist, or a folder with nothing to scan, stops the expansion. Past
 * `maxFiles` files and folders read, one error says so and nothing more is read.
 */
export function expandInputs(inputs: readonly string[], settings: ReadSettings = DEFAULT_READ_SETTINGS): ExpandedInputs {
  const result: ExpandedInputs = { templates: [], skipped: [], unreadable: [] };
  const ctx = new ReadContext(settings, result.unreadable);
  const seen = new Set<string>();
  const add = (t: LoadedTemplate) => {
    const key = path.resolve(t.file);
    if (seen.has(key)) return;
    seen.add(key);
    result.templates.push(t);
  };
  try {
    for (const input of inputs) expandInput(input, ctx, result, add);
  } catch (e) {
    // The file limit was reached: its error is recorded, and what was read before it is reported.
    if (!(e instanceof ReadsExhausted)) throw e;
  }
  return result;
}

function expandInput(input: string, ctx: ReadContext, result: ExpandedInputs, add: (t: LoadedTemplate) => void): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(input);
  } catch (e) {
    throw new ScanInputError(input, (e as NodeJS.ErrnoException)?.code === 'ENOENT' ? 'no such file or folder' : statProblem(e));
  }
  if (!stat.isDirectory()) {
    try {
      ctx.take(input, 'file');
      add(loadTemplate(input, ctx.limits));
    } catch (e) {
      result.unreadable.push(asInputError(input, e));
    }
  } else {
    // A folder named is walked, a cloud assembly (cdk.out) too: read through its manifest, for its
    // acknowledgments and nested stacks, then as any folder for what the manifest does not name.
    // A manifest.json anyone can plant in a folder of templates must not hide the others.
    const before = result.templates.length + result.unreadable.length;
    const skippedBefore = result.skipped.length;
    walkFolder(input, ctx, result, add);
    if (result.templates.length + result.unreadable.length === before) {
      // The error replaces the report, so what was skipped is said in it: the first, and how many.
      const skipped = result.skipped.slice(skippedBefore);
      const said = skipped.length === 0 ? ''
        : `; skipped: ${skipped[0].file} (${skipped[0].reason})${skipped.length > 1 ? ` and ${skipped.length - 1} more` : ''}`;
      throw new ScanInputError(input, `the folder holds no CloudFormation template (.json, .yaml, .yml or .template with a Resources section)${said}`);
    }
  }
}

/** One walk of a folder named on the command line. */
interface FolderWalk {
  readonly ctx: ReadContext;
  readonly result: ExpandedInputs;
  readonly add: (t: LoadedTemplate) => void;
  /** The folder named. */
  readonly top: string;
  /** Real path -> the path it was walked as, of every folder walked (cloud assemblies too). */
  readonly walked: Map<string, string>;
  /** Real path -> the path it was read as, of every file read. */
  readonly read: Map<string, string>;
  /** Symbolic links met, followed once the folders themselves are walked. */
  readonly links: Visit[];
  /** The folders of installed packages and caches met, walked quietly. */
  readonly quiet: QuietFolder[];
  /** The real paths of the cloud assemblies read through their manifests (nested ones included), each read once. */
  readonly assemblies: Set<string>;
  /** The folders of the cloud assemblies met, as walked, with their manifests. */
  readonly assemblyFolders: { readonly folder: string; readonly manifest: string }[];
  /** The templates read through a manifest (resolved paths). */
  readonly viaManifest: Set<string>;
  /** The files met (links to files too) without a template's extension: not read, counted in one note. */
  otherFiles: number;
}

/** A folder entry to visit: a folder at `depth` below the one named, or an entry of one. */
type Visit = {
  readonly full: string; readonly real: string; readonly name: string; readonly depth: number; readonly entry?: fs.Dirent;
  /** The folder of installed packages or cache this entry lies in, if any. */
  readonly quiet?: QuietFolder;
};

/**
 * Every template in `dir` and below (cloud assemblies through their manifests): a file with a
 * template's extension that is not a template is skipped with a note; one that says it is a
 * template (`AWSTemplateFormatVersion`, a `Resources` key) but cannot be read is unreadable.
 *
 * Symbolic links are followed (unless `followLinks` is false, when each is listed as skipped)
 * after the folder's own entries, so a file is read under its own name and a link to it is
 * noted: every folder is walked and every file read once, by real path, so links that loop, or
 * two links to one folder, read it once, and the link that led back is said. The walk keeps a
 * stack of its own, so no depth runs it out of stack; past `maxFolderDepth`, a folder is a named error.
 */
function walkFolder(dir: string, ctx: ReadContext, result: ExpandedInputs, add: (t: LoadedTemplate) => void): void {
  const w: FolderWalk = {
    ctx, result, add, top: dir, walked: new Map(), read: new Map(), links: [], quiet: [], assemblies: new Set(), assemblyFolders: [], viaManifest: new Set(), otherFiles: 0,
  };
  const skippedBefore = result.skipped.length;
  const templatesBefore = result.templates.length;
  try {
    walkFrom({ full: dir, real: realPath(dir), name: path.basename(dir), depth: 0 }, w);
    // Following a link may walk folders holding more links: each is added here and followed in turn.
    for (let i = 0; i < w.links.length; i++) followLink(w.links[i], w);
    noteUnlistedTemplates(result.templates.slice(templatesBefore), w);
    if (w.otherFiles > 0) result.skipped.push({ file: dir, reason: otherFilesNote(w.otherFiles) });
    for (const q of w.quiet) {
      result.skipped.push({
        file: q.folder, read: true,
        reason: `${q.what}: walked, and every file in it read${q.notTemplates === 0 ? '' : `; ${counted(q.notTemplates)} of its files with a template's extension `
          + `${q.notTemplates === 1 ? 'is not a template' : 'are not templates'} (counted here, not listed one by one)`}`,
      });
    }
  } finally {
    // In the order of their paths, as the folder's entries are, whether met before or after the links.
    const skipped = result.skipped.splice(skippedBefore).sort((a, b) => a.file.localeCompare(b.file));
    for (const s of skipped) result.skipped.push(s);
  }
}

/**
 * The templates read in an assembly's folder that its manifest does not name: read as any folder's
 * (a planted manifest.json must not hide the folder's other templates), and said.
 */
function noteUnlistedTemplates(templates: readonly LoadedTemplate[], w: FolderWalk): void {
  if (w.assemblyFolders.length === 0) return;
  for (const t of templates) {
    if (w.viaManifest.has(path.resolve(t.file))) continue;
    // The deepest assembly holding it: the manifest that would have named it.
    let holder: { folder: string; manifest: string } | undefined;
    const real = realPath(t.file);
    for (const a of w.assemblyFolders) {
      if (real.startsWith(a.folder + path.sep) && (holder === undefined || a.folder.length > holder.folder.length)) holder = a;
    }
    if (holder !== undefined) {
      w.result.skipped.push({
        file: t.file, read: true,
        reason: `a template the cloud assembly's manifest does not name (${holder.manifest}): read as a plain template, without the assembly's acknowledgments `
          + '(a stale template of a stack since removed? delete it)',
      });
    }
  }
}

/** Walks the folder `start`, depth first, with a stack of its own. */
function walkFrom(start: Visit, w: FolderWalk): void {
  const todo: Visit[] = [start];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    const { full, name, entry } = next;
    if (entry === undefined || entry.isDirectory()) {
      const skipped = entry === undefined ? undefined : skippedFolder(name);
      if (skipped !== undefined) w.result.skipped.push({ file: full, reason: skipped });
      else visitFolder(next, todo, w);
    } else if (entry.isSymbolicLink()) {
      if (w.ctx.settings.followLinks) w.links.push(next);
      else w.result.skipped.push({ file: full, reason: 'a symbolic link: not followed (--no-follow-links)' });
    } else if (entry.isFile()) {
      if (TEMPLATE_EXTENSIONS.has(path.extname(name).toLowerCase())) readFolderFile(next, w);
      else w.otherFiles++;
    } else {
      // Reading a FIFO waits for a writer, a device may never end: neither is opened, each is said.
      w.result.skipped.push({ file: full, reason: `${notAFile(entry)}, not a file` });
    }
  }
}

/**
 * Lists the folder `v` onto `todo`, once and no deeper than `maxFolderDepth`; a cloud assembly is
 * first read through its manifest (its stacks with their acknowledgments, its nested stacks and
 * assemblies), then walked as any folder for what the manifest does not lead to, the files it
 * read left out.
 */
function visitFolder(v: Visit, todo: Visit[], w: FolderWalk): void {
  const { full, real, depth } = v;
  const walkedAs = w.walked.get(real);
  if (walkedAs !== undefined) {
    // Only links lead to a folder twice: one walked through a link, met again under its own name.
    w.result.skipped.push({ file: full, reason: `a folder already walked (as ${walkedAs}, through a symbolic link): not walked again` });
    return;
  }
  const maxDepth = w.ctx.limits.maxFolderDepth;
  if (depth > maxDepth) {
    w.result.unreadable.push(new ScanInputError(full, `is ${depth} folders below ${w.top}, past the limit of ${counted(maxDepth)} `
      + '(--max-folder-depth raises it): not walked'));
    return;
  }
  w.walked.set(real, full);
  // A nested assembly read through the manifest holding it is walked only.
  let assembly = w.assemblies.has(real);
  if (!assembly && isCloudAssembly(full, w.ctx)) {
    assembly = true;
    const manifest = path.join(full, 'manifest.json');
    const found = readAssembly(full, w.ctx, (t) => {
      w.viaManifest.add(path.resolve(t.file));
      w.add(t);
    });
    for (const a of found.assemblies) {
      w.assemblies.add(a);
      w.assemblyFolders.push({ folder: a, manifest: path.join(a, 'manifest.json') });
    }
    for (const [fileReal, as] of found.files) if (!w.read.has(fileReal)) w.read.set(fileReal, as);
    if (!found.assemblies.has(real)) w.assemblyFolders.push({ folder: real, manifest });
    if (!found.listsSomething) {
      w.result.unreadable.push(new ScanInputError(manifest, 'the cloud assembly lists no stack template (a folder with a manifest.json is read as a cloud assembly: scan its templates by name)'));
    }
  }
  let entries: fs.Dirent[];
  try {
    w.ctx.take(full, 'folder');
    entries = fs.readdirSync(full, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch (e) {
    w.result.unreadable.push(asInputError(full, e));
    return;
  }
  let quiet = v.quiet;
  // An assembly's own files (tree.json, *.assets.json, assets' code) are read, but counted, not listed.
  const packages = quiet === undefined ? (assembly ? 'a cloud assembly, read through its manifest' : packageFolder(entries)) : undefined;
  if (packages !== undefined) {
    quiet = { folder: full, what: packages, notTemplates: 0 };
    w.quiet.push(quiet);
  }
  // Reversed onto the stack, so the entries are visited in order, each folder's before the next entry.
  for (let i = entries.length - 1; i >= 0; i--) {
    const name = entries[i].name;
    // A file an assembly's manifest led to (its templates, manifest and metadata) is read once, as the assembly's.
    if (entries[i].isFile() && w.read.has(path.join(real, name))) continue;
    todo.push({ full: path.join(full, name), real: path.join(real, name), name, depth: depth + 1, entry: entries[i], quiet });
  }
}

/** Follows the symbolic link `link`, met in a folder: a linked folder is walked and a linked file read, each once. */
function followLink(link: Visit, w: FolderWalk): void {
  const { full, name } = link;
  let target: fs.Stats;
  try {
    target = fs.statSync(full);
  } catch (e) {
    w.result.skipped.push({ file: full, reason: brokenLink(full, e) });
    return;
  }
  const real = realPath(full);
  if (target.isDirectory()) {
    const skipped = skippedFolder(name);
    const walkedAs = w.walked.get(real);
    if (skipped !== undefined) {
      w.result.skipped.push({ file: full, reason: `a symbolic link to ${skipped}` });
    } else if (walkedAs !== undefined) {
      w.result.skipped.push({ file: full, reason: `a symbolic link to a folder already walked (${walkedAs}): not walked again` });
    } else {
      walkFrom({ full, real, name, depth: link.depth, quiet: link.quiet }, w);
    }
  } else if (!target.isFile()) {
    w.result.skipped.push({ file: full, reason: `a symbolic link to ${notAFile(target)}, not a file` });
  } else if (TEMPLATE_EXTENSIONS.has(path.extname(name).toLowerCase())) {
    const readAs = w.read.get(real);
    if (readAs !== undefined) w.result.skipped.push({ file: full, reason: `a symbolic link to a file already read (${readAs}): not read again` });
    else readFolderFile({ ...link, real }, w);
  } else {
    w.otherFiles++;
  }
}

/** The note of a folder walk on the files it did not read for their names: how many, and how to read one. */
function otherFilesNote(n: number): string {
  return `${counted(n)} ${n === 1 ? 'file' : 'files'} without a template's extension (.json, .yaml, .yml, .template) `
    + `${n === 1 ? 'was' : 'were'} not read: name a file to scan it`;
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

/**
 * Reads the file `v`, met in a folder walk, as a template if it is one. A name says what such a file
 * usually is, not what this one is: CloudFormation deploys a template under any name
 * (`manifest.json` outside a cloud assembly, `tsconfig.json`), so every file is parsed and its
 * value decides; a known name only says what a file that is not a template is.
 */
function readFolderFile(v: Visit, w: FolderWalk): void {
  const { full: file, name } = v;
  const { result } = w;
  w.read.set(v.real, file);
  const known = KNOWN_OTHER_FILES.find(([pattern]) => pattern.test(name));
  // In a folder of installed packages or a cache, files that are not templates are counted, not listed.
  // In a folder of installed packages, a cache or an assembly's own files, what is not a template is
  // counted, not listed; but a file named as a template (`Stack.template.json`) is always said.
  const notATemplate = (reason: string) => {
    if (v.quiet !== undefined && !NAMED_AS_TEMPLATE.test(name)) v.quiet.notTemplates++;
    else result.skipped.push({ file, reason });
  };
  const skipKnown = () => notATemplate(`not a CloudFormation template (${known![1]})`);
  w.ctx.take(file, 'file');
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, w.ctx.limits);
  } catch (e) {
    // A file a folder holds for its tools (a package-lock.json of tens of MB, past maxFileBytes)
    // is what its name says; any other file that cannot be read might be a template.
    if (known) skipKnown();
    else result.unreadable.push(asInputError(file, e));
    return;
  }
  let text: string;
  try {
    text = decodeText(file, bytes);
  } catch (e) {
    const error = asInputError(file, e);
    const binary = /is a binary file|is not UTF-8 text/.test(error.problem);
    // Binary content under a template's extension (a compressed or encrypted file) is not a
    // template; but one invalid byte must not hide one that is: text that reads as a template
    // once the bad bytes are replaced is unreadable (exit 2), never a note.
    const lossy = binary ? new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes) : '';
    if (binary && LOOKS_LIKE_TEMPLATE.test(lossy)) {
      const nul = error.problem.startsWith('is a binary');
      result.unreadable.push(new ScanInputError(file, `${nul ? 'holds a NUL byte' : 'is not UTF-8 text'}, yet reads as a CloudFormation template `
        + '(AWSTemplateFormatVersion or a Resources key): CloudFormation reads templates as UTF-8 text (save the file as UTF-8)',
      lineOfByte(bytes, nul ? bytes.indexOf(0) : firstDifference(bytes, Buffer.from(lossy, 'utf8')))));
    } else if (known) {
      skipKnown();
    } else if (binary) {
      notATemplate(error.problem);
    } else {
      result.unreadable.push(error);
    }
    return;
  }
  // A known name is read all the same: the parsed value decides, as `{"Reso\u0075rces": ...}` is
  // a template whatever text a pattern looks for.
  let loaded: LoadedTemplate;
  try {
    loaded = parseTemplateText(file, text, w.ctx.limits);
  } catch (e) {
    // A broken file that says it is a template is unreadable; any other is not ours to judge. The
    // reader's own failure (not a ScanInputError) is never taken for "not a template": it is reported.
    if (LOOKS_LIKE_TEMPLATE.test(text) || !(e instanceof ScanInputError)) {
      result.unreadable.push(asInputError(file, e));
    } else if (known) {
      skipKnown();
    } else {
      notATemplate(`not a CloudFormation template (${asInputError(file, e).problem})`);
    }
    return;
  }
  if (isTemplate(loaded.template)) {
    w.add(loaded);
  } else if (known) {
    skipKnown();
  } else {
    notATemplate('not a CloudFormation template (no Resources section)');
  }
}

/** The first offset where `a` and `b` differ: where a lossy decoding replaced the first byte that is not UTF-8. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** The 1-based line of the byte at `offset`. */
function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}
