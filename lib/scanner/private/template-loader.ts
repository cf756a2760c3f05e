import * as fs from 'fs';
import { Alias, Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument } from 'yaml';
import { ScanInputError } from '../scan-error';

/** A CloudFormation template read from a file, in the long (JSON) form of every intrinsic. */
export interface LoadedTemplate {
  readonly file: string;
  readonly template: { [key: string]: any };
  /** The 1-based line of each resource's logical ID, where the parser gives it. */
  readonly resourceLines: ReadonlyMap<string, number>;
  /** Acknowledgments a CDK app recorded in its cloud assembly: logical ID -> finding ID -> reason. */
  readonly assemblyAcknowledgments?: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/** CloudFormation's YAML short tags whose long form is `Fn::<Name>`. */
const FN_TAGS = new Set([
  'Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform',
  'And', 'Equals', 'If', 'Not', 'Or', 'Length', 'ToJsonString',
]);

/** The long form of a value written with a short tag (`!Ref X` is `{ Ref: X }`). */
function longForm(tag: string, value: unknown, file: string, line: number | undefined): unknown {
  const name = tag.slice(1);
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt') {
    // `!GetAtt Res.Attr` (the attribute may itself hold dots: `Res.Outputs.Name`) or `!GetAtt [Res, Attr]`.
    if (typeof value === 'string') {
      const dot = value.indexOf('.');
      if (dot <= 0) throw new ScanInputError(file, `!GetAtt needs 'Resource.Attribute', got '${value}'`, line);
      return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
    }
    return { 'Fn::GetAtt': value };
  }
  if (FN_TAGS.has(name)) return { [`Fn::${name}`]: value === null ? '' : value };
  throw new ScanInputError(file, `unknown tag ${tag}: CloudFormation's short forms are !Ref, !GetAtt, !Sub, !Join, !If, ...`, line);
}

/** Reads `path` as a CloudFormation template, JSON or YAML by its first character. */
export function loadTemplate(file: string): LoadedTemplate {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ScanInputError(file, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (e as Error).message})`);
  }
  const template = parseTemplateText(file, text);
  if (!isTemplate(template.template)) {
    throw new ScanInputError(file, 'is not a CloudFormation template: it has no Resources section');
  }
  return template;
}

/** True when `value` has a `Resources` mapping, the one section every CloudFormation template needs. */
export function isTemplate(value: unknown): boolean {
  const resources = (value as { Resources?: unknown } | null)?.Resources;
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && typeof resources === 'object' && resources !== null && !Array.isArray(resources);
}

/** Parses template text; JSON goes through `JSON.parse` (fast, and exact about JSON), YAML through `yaml`. */
export function parseTemplateText(file: string, text: string): LoadedTemplate {
  const body = text.replace(/^\uFEFF/, '');
  return body.trimStart().startsWith('{') ? parseJson(file, body) : parseYaml(file, body);
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function parseJson(file: string, text: string): LoadedTemplate {
  let template: any;
  try {
    template = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message.replace(/\s*\(line \d+ column \d+\)$/, '');
    const position = /at position (\d+)/.exec(message);
    const line = position ? lineAt(text, Number(position[1])) : undefined;
    throw new ScanInputError(file, `JSON syntax error: ${message.replace(/ in JSON at position \d+/, '')}`, line);
  }
  return { file, template, resourceLines: isTemplate(template) ? jsonResourceLines(text) : new Map() };
}

/**
 * The line of each key of the top-level `Resources` object, by one pass over the text that
 * tracks strings and nesting depth (the text is already known to be valid JSON).
 */
function jsonResourceLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let depth = 0;
  let line = 1;
  let inResources = false;
  let pendingKey: string | undefined;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
    } else if (c === '"') {
      const start = i;
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const raw = text.slice(start, j + 1);
      i = j;
      if (expectKey) {
        const key = JSON.parse(raw) as string;
        if (depth === 1) pendingKey = key;
        if (depth === 2 && inResources && !lines.has(key)) lines.set(key, line);
        expectKey = false;
      }
    } else if (c === '{' || c === '[') {
      depth++;
      if (c === '{') expectKey = true;
      if (depth === 2) inResources = pendingKey === 'Resources' && c === '{';
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',') {
      // After a comma inside an object, a key follows; tracking object-vs-array per depth is
      // needed only at the two depths that hold keys we read.
      expectKey = true;
    } else if (c === ':') {
      expectKey = false;
    }
  }
  return lines;
}

function parseYaml(file: string, text: string): LoadedTemplate {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: false });
  const lineOf = (node: Node | null | undefined) => (node?.range ? lineCounter.linePos(node.range[0]).line : undefined);
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = err.linePos?.[0]?.line ?? lineCounter.linePos(err.pos[0]).line;
    throw new ScanInputError(file, `YAML syntax error: ${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`, line);
  }
  const template = toJs(doc, doc.contents as Node | null, file, lineOf) as { [key: string]: any };
  const resourceLines = new Map<string, number>();
  if (isMap(doc.contents)) {
    const resources = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'Resources');
    if (resources && isMap(resources.value)) {
      for (const pair of resources.value.items) {
        const line = lineOf(pair.key as Node);
        if (isScalar(pair.key) && line !== undefined) resourceLines.set(String(pair.key.value), line);
      }
    }
  }
  return { file, template, resourceLines };
}

const STANDARD_TAG = /^tag:yaml\.org,2002:/;

function toJs(doc: Document, node: Node | null | undefined, file: string, lineOf: (n: Node | null | undefined) => number | undefined): unknown {
  if (node === null || node === undefined) return null;
  let value: unknown;
  if (isAlias(node)) {
    value = toJs(doc, (node as Alias).resolve(doc) as Node | undefined, file, lineOf);
  } else if (isScalar(node)) {
    value = node.value;
  } else if (isMap(node)) {
    const obj: { [key: string]: unknown } = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? String(pair.key.value) : String(toJs(doc, pair.key as Node, file, lineOf));
      obj[key] = toJs(doc, pair.value as Node | null, file, lineOf);
    }
    value = obj;
  } else if (isSeq(node)) {
    value = node.items.map((item) => toJs(doc, item as Node, file, lineOf));
  }
  const tag = node.tag;
  if (tag && !STANDARD_TAG.test(tag)) {
    if (!tag.startsWith('!') || tag.startsWith('!!')) {
      throw new ScanInputError(file, `unknown tag ${tag}`, lineOf(node));
    }
    return longForm(tag, value, file, lineOf(node));
  }
  return value;
}
