import { Alias, Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument, Scalar, ScalarTag, Tags, visit } from 'yaml';
import { ScanInputError } from '../scan-error';
import { byteSize, readRegularFile } from './files';
import { DEFAULT_SCAN_LIMITS, ResolvedLimits } from './limits';
import { terminalSafe } from './terminal';

/**
 * A key written twice in one mapping. CloudFormation reads the last one (its value replaces the
 * first) for JSON and YAML alike: `validate-template` accepts such a template and
 * `get-template-summary` returns the last value (go-to-k/cdk-real-drift#1074, checked against the
 * service); a resource written twice deploys once, as its last version (aws-cloudformation/cfn-lint#35).
 * For the top-level sections AWS documents the behaviour as undefined ("don't use duplicate major
 * sections, such as the Resources section. Although CloudFormation might accept the template, it
 * will have an undefined behavior", CloudFormation User Guide, template-formats.html).
 */
export interface DuplicateKey {
  /** The keys (and `[index]`es) from the top of the document to the mapping that holds the key. */
  readonly path: string[];
  /** The key written twice. */
  readonly key: string;
  /** The 1-based line of the last occurrence, the one read. */
  readonly line?: number;
  /** The 1-based line of the first occurrence, the one replaced. */
  readonly firstLine?: number;
}

/**
 * The acknowledgments a CDK app recorded in its cloud assembly for one template: the reason of the
 * one that covers a resource's finding (the deepest above the resource's construct), if any. A
 * lookup, not a table: an acknowledgment on the app covers every resource, and copying it into
 * each one's table cost acknowledgments x resources.
 */
export interface AssemblyAcknowledgments {
  reasonFor(logicalId: string, findingId: string): string | undefined;
}

/** A CloudFormation template read from a file, in the long (JSON) form of every intrinsic. */
export interface LoadedTemplate {
  readonly file: string;
  readonly template: { [key: string]: any };
  /** The 1-based line of each resource's logical ID, where the parser gives it. */
  readonly resourceLines: ReadonlyMap<string, number>;
  /** Acknowledgments a CDK app recorded in its cloud assembly, looked up per resource and finding. */
  readonly assemblyAcknowledgments?: AssemblyAcknowledgments;
  /** Keys written twice, read as CloudFormation reads them: the last one wins. */
  readonly duplicateKeys?: DuplicateKey[];
  /** The line of the first YAML alias (`*name`), where the file uses any: CloudFormation itself refuses aliases. */
  readonly firstAliasLine?: number;
  /** The line of the first YAML merge key (`<<`), where the file uses any: CloudFormation itself refuses hash merges. */
  readonly firstMergeLine?: number;
}

/** CloudFormation's YAML short tags whose long form is `Fn::<Name>`. */
const FN_TAGS = new Set([
  'Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform',
  'And', 'Equals', 'If', 'Not', 'Or', 'Length', 'ToJsonString',
]);

/**
 * Text taken from a file, fit to print in a message: control characters (and the bidi controls
 * that reorder a line) escaped as JSON escapes them, and anything past 60 characters cut, so a
 * file's bytes never reach a terminal or a report as they are.
 */
export function printable(text: string): string {
  const short = text.length > 60 ? `${text.slice(0, 60)}...` : text;
  // JSON's escapes take the C0 controls and backslashes; terminalSafe the C1 and bidi controls JSON leaves.
  return terminalSafe(JSON.stringify(short).slice(1, -1).replace(/\\"/g, '"'));
}

/** A JSON object: a mapping, not null and not a list. */
export function isMapping(value: unknown): value is { [key: string]: any } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON type of a value, in words: `a number`, `a list`, `null`. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value === 'string' ? 'a string' : typeof value;
}

/** `printable(text)` in single quotes. */
export function quoted(text: string): string {
  return `'${printable(text)}'`;
}

/** The long form of a value written with a short tag (`!Ref X` is `{ Ref: X }`). */
function longForm(tag: string, value: unknown, file: string, line: number | undefined): unknown {
  const name = tag.slice(1);
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt') {
    // `!GetAtt Res.Attr` (the attribute may itself hold dots: `Res.Outputs.Name`) or `!GetAtt [Res, Attr]`.
    if (typeof value === 'string') {
      const dot = value.indexOf('.');
      if (dot <= 0) throw new ScanInputError(file, `!GetAtt needs 'Resource.Attribute', got ${quoted(value)}`, line);
      return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
    }
    return { 'Fn::GetAtt': value };
  }
  if (FN_TAGS.has(name)) return { [`Fn::${name}`]: value === null ? '' : value };
  throw new ScanInputError(file, `unknown tag ${printable(tag)}: CloudFormation's short forms are !Ref, !GetAtt, !Sub, !Join, !If, ...`, line);
}

/**
 * The text of a file, or why it is not text: CloudFormation reads UTF-8, and a file with NUL
 * bytes or bytes that are not UTF-8 is named in one line, never echoed.
 */
export function readTextFile(file: string, limits: ResolvedLimits = DEFAULT_SCAN_LIMITS): string {
  return decodeText(file, readRegularFile(file, limits));
}

/** `bytes` as UTF-8 text, or a `ScanInputError` saying what else they are. */
export function decodeText(file: string, bytes: Uint8Array): string {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw new ScanInputError(file, 'is UTF-16 text: CloudFormation reads templates in UTF-8 (save the file as UTF-8)');
  }
  if (bytes.indexOf(0) >= 0) throw new ScanInputError(file, 'is a binary file (it holds NUL bytes), not a template');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ScanInputError(file, 'is not UTF-8 text (CloudFormation reads templates in UTF-8)');
  }
}

/** Reads `path` as a CloudFormation template, JSON or YAML by its first character. */
export function loadTemplate(file: string, limits: ResolvedLimits = DEFAULT_SCAN_LIMITS): LoadedTemplate {
  const template = parseTemplateText(file, readTextFile(file, limits), limits);
  if (!isTemplate(template.template)) {
    throw new ScanInputError(file, 'is not a CloudFormation template: it has no Resources section');
  }
  return template;
}

/** True when `value` has a `Resources` mapping, the one section every CloudFormation template needs. */
export function isTemplate(value: unknown): boolean {
  return isMapping(value) && isMapping(value.Resources);
}

/**
 * Parses template text (or an acknowledgments list) within `limits`. Text that starts with `{` or
 * `[` goes through `JSON.parse` first (fast, and exact about JSON: its duplicate keys and lines); when
 * that fails it is read as YAML, since CloudFormation takes YAML flow style (`{Resources: {...}}`)
 * too. Only when both fail is it an error, naming both: the JSON syntax error and the YAML one.
 */
export function parseTemplateText(file: string, text: string, limits: ResolvedLimits = DEFAULT_SCAN_LIMITS): LoadedTemplate {
  const body = text.replace(/^\uFEFF/, '');
  if (!/^\s*[{[]/.test(body)) return parseYaml(file, body, limits);
  let jsonError: ScanInputError;
  try {
    return parseJson(file, body, limits);
  } catch (e) {
    if (!(e instanceof ScanInputError) || !e.problem.startsWith('JSON syntax error')) throw e;
    jsonError = e;
  }
  if (yamlTooLarge(body, limits)) {
    throw new ScanInputError(file, `${jsonError.problem}; not tried as YAML flow style, as it is larger than the ${byteSize(limits.maxYamlBytes)} of YAML a scan reads (--max-yaml-bytes raises it)`, jsonError.line);
  }
  try {
    return parseYaml(file, body, limits);
  } catch (e) {
    if (!(e instanceof ScanInputError) || !e.problem.startsWith('YAML syntax error')) throw e;
    const yamlAt = e.line !== undefined && jsonError.line !== undefined && e.line !== jsonError.line ? ` (line ${e.line})` : '';
    throw new ScanInputError(file, `${jsonError.problem}; read as YAML (flow style) instead, ${e.problem}${yamlAt}`, jsonError.line ?? e.line);
  }
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function parseJson(file: string, text: string, limits: ResolvedLimits): LoadedTemplate {
  let template: any;
  try {
    template = JSON.parse(text);
  } catch (e) {
    // V8 quotes the text around the error (`Unexpected token 'x', "..." is not valid JSON`): that
    // text may be anything, so the message keeps only what went wrong and where.
    const message = (e as Error).message;
    const position = /at position (\d+)/.exec(message);
    const line = position ? lineAt(text, Number(position[1])) : undefined;
    const token = /^Unexpected token '(.*?)', .* is not valid JSON$/s.exec(message);
    const what = token ? `Unexpected token ${quoted(token[1])}` : printable(message.replace(/ in JSON at position \d+.*$/s, ''));
    throw new ScanInputError(file, `JSON syntax error: ${what}`, line);
  }
  const structure = jsonStructure(file, text, limits);
  return { file, template: withoutPrototypes(template), resourceLines: structure.resourceLines, duplicateKeys: structure.duplicates };
}

/**
 * `value` with every mapping in it made a dictionary without a prototype, in place: a key read
 * from a file is data, so looking up `constructor` or `toString` in a template's mapping finds
 * what the file wrote, or nothing, never `Object.prototype`'s. JSON.parse already keeps
 * `__proto__` as an own key; the walk is iterative, as deep as the nesting limit lets a file be.
 */
function withoutPrototypes<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) if (typeof item === 'object' && item !== null) pending.push(item);
    } else {
      Object.setPrototypeOf(v, null);
      for (const key of Object.keys(v)) {
        const item = (v as { [key: string]: unknown })[key];
        if (typeof item === 'object' && item !== null) pending.push(item);
      }
    }
  }
  return value;
}

interface JsonFrame {
  readonly object: boolean;
  /** Object: each key read so far, with its line. */
  readonly keys?: Map<string, number>;
  /** Object: the key whose value is being read; array: the index. */
  label: string;
  index: number;
  expectKey: boolean;
}

/** The error of a value nested past `--max-nesting-depth`. */
function tooDeep(file: string, limit: number, line: number | undefined, how = ''): ScanInputError {
  return new ScanInputError(file, `nests deeper than the ${limit.toLocaleString('en-US')} levels a scan reads${how}: raise --max-nesting-depth to read it`, line);
}

/** The error of a string or key longer than `--max-scalar-length`. */
function tooLong(file: string, what: 'a key' | 'a string', length: number, limit: number, line: number | undefined): ScanInputError {
  return new ScanInputError(file, `holds ${what} of ${length.toLocaleString('en-US')} characters, longer than the ${limit.toLocaleString('en-US')} a scan reads: `
    + 'raise --max-scalar-length to read it', line);
}

/**
 * One pass over JSON text already known valid, tracking strings and nesting: the line of each
 * key of the top-level `Resources` object (the last one, the one read, where a key is written
 * twice), every key written twice in one object, nesting past `maxNestingDepth` and strings
 * (keys or values) longer than `maxScalarLength`.
 */
function jsonStructure(file: string, text: string, limits: ResolvedLimits): { resourceLines: Map<string, number>; duplicates: DuplicateKey[] } {
  const resourceLines = new Map<string, number>();
  const duplicates: DuplicateKey[] = [];
  const stack: JsonFrame[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
    } else if (c === 34) { // "
      let j = i + 1;
      let escaped = false;
      while (text.charCodeAt(j) !== 34) {
        if (text.charCodeAt(j) === 92) { escaped = true; j++; }
        j++;
      }
      const top = stack[stack.length - 1];
      const isKey = top?.object === true && top.expectKey;
      // The text's length bounds the string's (an escape is longer than what it stands for).
      if (j - i - 1 > limits.maxScalarLength) {
        const length = escaped ? (JSON.parse(text.slice(i, j + 1)) as string).length : j - i - 1;
        if (length > limits.maxScalarLength) throw tooLong(file, isKey ? 'a key' : 'a string', length, limits.maxScalarLength, line);
      }
      if (isKey) {
        const key = escaped ? JSON.parse(text.slice(i, j + 1)) as string : text.slice(i + 1, j);
        const first = top!.keys!.get(key);
        if (first !== undefined) duplicates.push({ path: stack.slice(0, -1).map((f) => f.label), key, line, firstLine: first });
        top!.keys!.set(key, line);
        top!.label = key;
        top!.expectKey = false;
        if (stack.length === 2 && stack[0].label === 'Resources') resourceLines.set(key, line);
      }
      i = j;
    } else if (c === 123 || c === 91) { // { [
      const object = c === 123;
      stack.push({ object, keys: object ? new Map() : undefined, label: object ? '' : '[0]', index: 0, expectKey: object });
      if (stack.length > limits.maxNestingDepth) throw tooDeep(file, limits.maxNestingDepth, line);
    } else if (c === 125 || c === 93) { // } ]
      stack.pop();
    } else if (c === 44) { // ,
      const top = stack[stack.length - 1];
      if (top.object) {
        top.expectKey = true;
      } else {
        top.index++;
        top.label = `[${top.index}]`;
      }
    }
  }
  return { resourceLines, duplicates };
}

/** Sets `key` on `obj`, a dictionary without a prototype, as an own data property, `__proto__` included. */
function setKey(obj: { [key: string]: unknown }, key: string, value: unknown): void {
  // `obj` has no prototype, so `__proto__` has no setter: an ordinary assignment makes an ordinary key.
  obj[key] = value;
}

/** True when `text` is more YAML than `limits.maxYamlBytes` lets a scan read. */
function yamlTooLarge(text: string, limits: ResolvedLimits): boolean {
  // A character is at least one byte in UTF-8 and at most three per UTF-16 unit: count only where it can matter.
  return text.length > limits.maxYamlBytes || (text.length * 3 > limits.maxYamlBytes && Buffer.byteLength(text, 'utf8') > limits.maxYamlBytes);
}

function parseYaml(file: string, text: string, limits: ResolvedLimits): LoadedTemplate {
  if (yamlTooLarge(text, limits)) {
    throw new ScanInputError(file, `is ${byteSize(Buffer.byteLength(text, 'utf8'))} of YAML, more than the ${byteSize(limits.maxYamlBytes)} of YAML a scan reads `
      + '(CloudFormation deploys templates of at most 1 MB, and YAML reads slowly): raise --max-yaml-bytes to read it');
  }
  const lineCounter = new LineCounter();
  // Duplicate keys are read, and reported, as CloudFormation reads them (see `DuplicateKey`);
  // hash merges (`<<: *base`) are applied by `YamlReader`, as the packaging tools apply them.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: false, version: '1.1', customTags: cloudFormationTags });
  const lineOf = (node: Node | null | undefined) => (node?.range ? lineCounter.linePos(node.range[0]).line : undefined);
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = err.linePos?.[0]?.line ?? lineCounter.linePos(err.pos[0]).line;
    const message = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    if (/Maximum call stack size exceeded/.test(message)) {
      throw new ScanInputError(file, 'nests deeper than the YAML reader can follow (some hundreds of levels, whatever --max-nesting-depth says; a template nests a few dozen)', line);
    }
    throw new ScanInputError(file, `YAML syntax error: ${printable(message)}`, line);
  }
  const reader = new YamlReader(doc, file, lineOf, limits);
  const template = reader.read() as { [key: string]: any };
  const resourceLines = new Map<string, number>();
  if (isMap(doc.contents)) {
    const resources = doc.contents.items.filter((p) => isScalar(p.key) && p.key.value === 'Resources').pop();
    if (resources && isMap(resources.value)) {
      for (const pair of resources.value.items) {
        const line = lineOf(pair.key as Node);
        if (isScalar(pair.key) && line !== undefined) resourceLines.set(String(pair.key.value), line);
      }
    }
  }
  return { file, template, resourceLines, duplicateKeys: reader.duplicates, firstAliasLine: reader.firstAliasLine, firstMergeLine: reader.firstMergeLine };
}

const STANDARD_TAG = /^tag:yaml\.org,2002:/;

/**
 * The YAML 1.1 types CloudFormation does not support ("The binary, omap, pairs, set, and timestamp
 * tags", CloudFormation User Guide, template-formats.html, through 2024): a value tagged with one is
 * refused by name, as the service refuses the template.
 */
const REFUSED_TAGS = new Set(['binary', 'omap', 'pairs', 'set', 'timestamp'].map((t) => `tag:yaml.org,2002:${t}`));

/**
 * CloudFormation reads YAML 1.1 (template-formats.html), whose plain `yes`, `no`, `on` and `off`
 * are booleans: the service deploys `PubliclyAccessible: on` as true (aws/aws-cli#5257 quotes
 * them in `cloudformation package` for that reason; ASFHyP3/hyp3#2061 shows a tag `YES` deployed
 * as `true`). Its parser, as PyYAML's and SnakeYAML's, does not count the single letters `y`,
 * `Y`, `n`, `N` among them (the yaml package's 1.1 schema does: a key `N` would read as `false`),
 * and it has no timestamp type, so `AWSTemplateFormatVersion: 2010-09-09` stays the string it is
 * everywhere. Octal (`0777`), binary (`0b1`) and sexagesimal (`1:20`) numbers are read as YAML 1.1
 * reads them.
 */
function cloudFormationTags(tags: Tags): Tags {
  return tags
    // Merges (`<<`) are applied by YamlReader, which reports them; the schema's own would hide the key.
    .filter((tag) => typeof tag === 'string' || (tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.tag !== 'tag:yaml.org,2002:merge'))
    .map((tag) => {
      if (typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:bool' || !(tag as ScalarTag).test) return tag;
      const test = new RegExp((tag as ScalarTag).test!.source.replace(/^\^\(\?:[YN]\|[yn]\|/, '^(?:'));
      return { ...(tag as ScalarTag), test };
    });
}

/** What a YAML node stands for once its aliases are expanded. */
interface Expansion {
  /** Its scalars, lists and mappings. */
  readonly values: number;
  /** The characters of its scalars, keys included. */
  readonly chars: number;
  /** The lists and mappings nested in it, as JSON counts `[` and `{`. */
  readonly depth: number;
}

/** A count as the messages write it: `10,000`, or beyond what a number holds. */
function counted(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US') : 'more than 10^308';
}

/** Where a value lies, from its key up to the top of the document. */
interface YamlPath {
  readonly label: string;
  readonly parent: YamlPath | undefined;
}

function pathLabels(path: YamlPath | undefined): string[] {
  const labels: string[] = [];
  for (let p = path; p; p = p.parent) labels.unshift(p.label);
  return labels;
}

/**
 * Turns a YAML document into the template's JSON form: short tags to long forms, aliases to
 * the values they name. Before building anything it measures what the aliases expand to, so a
 * self-referencing alias, an expansion past `maxAliasExpansion` values or past `maxYamlBytes`
 * characters of strings and keys, nesting past `maxNestingDepth` or a scalar (a key or a value)
 * longer than `maxScalarLength` is a named error, found in time linear in the file.
 */
class YamlReader {
  public readonly duplicates: DuplicateKey[] = [];
  public firstAliasLine?: number;
  public firstMergeLine?: number;
  private readonly targets = new Map<Alias, Node>();
  private readonly sizes = new Map<Node, Expansion>();
  private readonly reported = new Set<Node>();

  constructor(
    private readonly doc: Document,
    private readonly file: string,
    private readonly lineOf: (n: Node | null | undefined) => number | undefined,
    private readonly limits: ResolvedLimits,
  ) {}

  public read(): unknown {
    this.resolveAliases();
    const root = this.doc.contents as Node | null;
    const { values, chars } = this.measure(root, 1, [], false);
    // A file that large without aliases is bounded by its own size: only what aliases add is refused.
    const limit = this.limits.maxAliasExpansion;
    if (values > limit && this.targets.size > 0) {
      const [alias, count] = this.largestAlias('values');
      throw new ScanInputError(this.file,
        `YAML aliases expand the file past the ${limit.toLocaleString('en-US')} values a scan reads (*${printable(alias.source)} alone stands for `
        + `${counted(count)}): an alias bomb, read no further; raise --max-alias-expansion to read it`, this.lineOf(alias));
    }
    // A few values can stand for long strings: `X: &a <1 MB>` then `[*a, *a, ...]`. Expanded, the
    // file must still be what a scan reads of YAML, as without aliases its strings and keys never
    // come to more characters than its bytes.
    if (chars > this.limits.maxYamlBytes && this.targets.size > 0) {
      const [alias, count] = this.largestAlias('chars');
      throw new ScanInputError(this.file,
        `YAML aliases expand the file's strings and keys to ${counted(chars)} characters, past the ${byteSize(this.limits.maxYamlBytes)} of YAML a scan reads `
        + `(*${printable(alias.source)} alone stands for ${counted(count)}): read no further; raise --max-yaml-bytes to read it`, this.lineOf(alias));
    }
    return this.toJs(root, undefined);
  }

  /** The alias whose expansion is the largest by `measure`, and that size. */
  private largestAlias(measure: 'values' | 'chars'): [Alias, number] {
    let largest: [Alias, number] | undefined;
    for (const [alias, target] of this.targets) {
      const size = this.sizes.get(target)![measure];
      if (largest === undefined || size > largest[1]) largest = [alias, size];
    }
    return largest!;
  }

  /** Each alias's node, found once for all (as `Alias.resolve` does per alias): the last anchor of its name before it. */
  private resolveAliases(): void {
    const anchors = new Map<string, Node>();
    visit(this.doc, {
      Node: (_key, node) => {
        if (isAlias(node)) {
          const target = anchors.get(node.source);
          if (target === undefined) throw new ScanInputError(this.file, `the alias *${printable(node.source)} names no anchor before it`, this.lineOf(node));
          this.targets.set(node, target);
          this.firstAliasLine ??= this.lineOf(node);
        } else if ((node as { anchor?: string }).anchor) {
          anchors.set((node as { anchor?: string }).anchor!, node);
        }
      },
    });
  }

  /**
   * The values `node` expands to and its depth (the lists and mappings nested in it, as JSON
   * counts `[` and `{`), measuring each aliased node once. `open` holds the anchored nodes `node`
   * lies within: an alias to one of them would contain itself.
   */
  private measure(node: Node | null | undefined, level: number, open: Node[], isKey: boolean): Expansion {
    if (node === null || node === undefined || isScalar(node)) {
      const value = (node as Scalar | null | undefined)?.value;
      if (typeof value === 'string' && value.length > this.limits.maxScalarLength) {
        throw tooLong(this.file, isKey ? 'a key' : 'a string', value.length, this.limits.maxScalarLength, this.lineOf(node));
      }
      // What the scalar reads as: a string's characters, a number's or a boolean's as JSON writes it.
      return { values: 1, chars: typeof value === 'string' ? value.length : value === null || value === undefined ? 0 : String(value).length, depth: 0 };
    }
    if (isAlias(node)) {
      const target = this.targets.get(node)!;
      if (open.includes(target)) {
        throw new ScanInputError(this.file, `the alias *${printable(node.source)} refers to a node that contains it (a self-referencing alias): it has no value`, this.lineOf(node));
      }
      let size = this.sizes.get(target);
      if (size === undefined) {
        // Measured where it stands (from level 1), so nesting the alias pushes past the limit is said at the alias.
        size = this.measure(target, 1, open, isKey);
        this.sizes.set(target, size);
      }
      if (level + size.depth - 1 > this.limits.maxNestingDepth) this.tooDeep(node);
      return size;
    }
    if (level > this.limits.maxNestingDepth) this.tooDeep(node);
    const within = (node as { anchor?: string }).anchor ? [...open, node] : open;
    let values = 1;
    let chars = 0;
    let depth = 0;
    const children: [unknown, boolean][] = isMap(node) ? node.items.flatMap((p) => [[p.key, true], [p.value, false]] as [unknown, boolean][])
      : isSeq(node) ? node.items.map((item) => [item, false]) : [];
    for (const [child, childIsKey] of children) {
      const c = this.measure(child as Node | null, level + 1, within, childIsKey);
      values += c.values;
      chars += c.chars;
      depth = Math.max(depth, c.depth);
    }
    return { values, chars, depth: depth + 1 };
  }

  private tooDeep(node: Node | null | undefined): never {
    throw tooDeep(this.file, this.limits.maxNestingDepth, this.lineOf(node), ' (with its aliases expanded)');
  }

  private toJs(node: Node | null | undefined, path: YamlPath | undefined): unknown {
    if (node === null || node === undefined) return null;
    let value: unknown;
    if (isAlias(node)) {
      value = this.toJs(this.targets.get(node), path);
    } else if (isScalar(node)) {
      value = node.value;
    } else if (isMap(node)) {
      // A mapping of the file: no prototype, so a key it does not write is not found (`withoutPrototypes`).
      const obj: { [key: string]: unknown } = Object.create(null);
      const lines = new Map<string, number | undefined>();
      const merges: unknown[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node;
        if (isScalar(keyNode) && keyNode.value === '<<' && keyNode.type === Scalar.PLAIN) {
          // A YAML 1.1 merge key: the mappings it names fill in the keys this one does not write.
          this.firstMergeLine ??= this.lineOf(keyNode);
          const source = this.toJs(pair.value as Node | null, path);
          // One at a time: a spread passes every item as an argument, and a list as long as the file overflows the stack.
          if (Array.isArray(source)) for (const item of source) merges.push(item);
          else merges.push(source);
          continue;
        }
        if (!isScalar(keyNode)) {
          // `? [a, b]` or `? {a: 1}`: JSON has only string keys, and so has every template CloudFormation reads.
          throw new ScanInputError(this.file, `a mapping key that is ${isSeq(keyNode) ? 'a list' : isMap(keyNode) ? 'a mapping' : 'an alias'} (YAML's complex key, \`? ...\`): `
            + 'a template\'s keys are strings', this.lineOf(keyNode));
        }
        const key = String((keyNode as Scalar).value);
        const line = this.lineOf(keyNode);
        // A mapping read twice (through an alias) reports its duplicates once, at its first path.
        if (lines.has(key) && !this.reported.has(keyNode)) {
          this.reported.add(keyNode);
          this.duplicates.push({ path: pathLabels(path), key, line, firstLine: lines.get(key) });
        }
        lines.set(key, line);
        setKey(obj, key, this.toJs(pair.value as Node | null, { label: key, parent: path }));
      }
      // The keys written here win over merged ones; of the merged mappings, the first one wins.
      for (const source of merges) {
        if (source === null || typeof source !== 'object' || Array.isArray(source)) {
          throw new ScanInputError(this.file, 'a merge key (<<) must name a mapping or a list of mappings', this.lineOf(node));
        }
        for (const [k, v] of Object.entries(source)) if (!Object.prototype.hasOwnProperty.call(obj, k)) setKey(obj, k, v);
      }
      value = obj;
    } else if (isSeq(node)) {
      value = node.items.map((item, i) => this.toJs(item as Node, { label: `[${i}]`, parent: path }));
    }
    const tag = node.tag;
    if (tag && REFUSED_TAGS.has(tag)) {
      throw new ScanInputError(this.file, `the tag !!${tag.slice('tag:yaml.org,2002:'.length)} is one CloudFormation does not support (it refuses YAML's binary, omap, pairs, set and timestamp types): write the value as a string, list or mapping`, this.lineOf(node));
    }
    if (tag && !STANDARD_TAG.test(tag)) {
      if (!tag.startsWith('!') || tag.startsWith('!!')) {
        throw new ScanInputError(this.file, `unknown tag ${printable(tag)}`, this.lineOf(node));
      }
      return longForm(tag, value, this.file, this.lineOf(node));
    }
    return value;
  }
}
