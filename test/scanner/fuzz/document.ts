/*
 * A YAML/JSON document as written, not as read: mappings are lists of entries (so a key can be
 * written twice), and YAML's tags, anchors and aliases are nodes of their own. The fuzzer builds
 * templates, manifests and acknowledgement files in this form and writes each in one of the
 * styles a user can write: JSON (pretty or on one line), YAML block style or YAML flow style.
 */

export type Doc =
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'null' }
  | { readonly k: 'map'; readonly entries: ReadonlyArray<readonly [string, Doc]> }
  | { readonly k: 'seq'; readonly items: readonly Doc[] }
  /** A YAML tag (`!Ref`, `!GetAtt`, `!Foo`, `!!binary`): JSON writes CloudFormation's long form, or `{ "<tag>": value }` for any other tag. */
  | { readonly k: 'tag'; readonly tag: string; readonly value: Doc }
  /** `&name value`; JSON writes the value. */
  | { readonly k: 'anchor'; readonly name: string; readonly value: Doc }
  /** `*name`; JSON writes what the anchor holds (or null where it names nothing written before, or itself). */
  | { readonly k: 'alias'; readonly name: string }
  /** A value YAML block style writes inline in flow style (deep nesting would otherwise indent past any size). */
  | { readonly k: 'flow'; readonly value: Doc }
  /** A scalar YAML reads by its own rules (`yes`, `~`, `.nan`, `0x1F`, `!!str 5`), written plain in YAML; JSON writes `json`. */
  | { readonly k: 'raw'; readonly yaml: string; readonly json: Doc };

export const str = (v: string): Doc => ({ k: 'str', v });
export const num = (v: number): Doc => ({ k: 'num', v });
export const bool = (v: boolean): Doc => ({ k: 'bool', v });
export const nul: Doc = { k: 'null' };
export const map = (entries: ReadonlyArray<readonly [string, Doc]>): Doc => ({ k: 'map', entries });
export const seq = (items: readonly Doc[]): Doc => ({ k: 'seq', items });

/** A plain JSON value as a document. */
export function fromJs(value: unknown): Doc {
  if (value === null || value === undefined) return nul;
  if (typeof value === 'string') return str(value);
  if (typeof value === 'number') return num(value);
  if (typeof value === 'boolean') return bool(value);
  if (Array.isArray(value)) return seq(value.map(fromJs));
  return map(Object.entries(value as object).map(([k, v]) => [k, fromJs(v)] as const));
}

/** The value a document stands for, as JSON.parse would give it back from `writeJson` (last key wins). */
export function toJs(doc: Doc, anchors = new Map<string, Doc>()): unknown {
  switch (doc.k) {
    case 'str': case 'num': case 'bool': return doc.v;
    case 'null': return null;
    case 'seq': return doc.items.map((d) => toJs(d, anchors));
    case 'map': {
      const out: { [key: string]: unknown } = Object.create(null);
      for (const [key, value] of doc.entries) out[key] = toJs(value, anchors);
      return out;
    }
    case 'tag': return { [longTag(doc.tag)]: toJs(doc.value, anchors) };
    case 'anchor': { anchors.delete(doc.name); const v = toJs(doc.value, anchors); anchors.set(doc.name, doc.value); return v; }
    case 'alias': { const target = anchors.get(doc.name); return target === undefined ? null : toJs(target, anchors); }
    case 'flow': return toJs(doc.value, anchors);
    case 'raw': return toJs(doc.json, anchors);
  }
}

const FN_TAGS = new Set(['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform',
  'And', 'Equals', 'If', 'Not', 'Or', 'Length', 'ToJsonString']);

/** The long-form key of a short tag: `!Sub` is `Fn::Sub`, `!Ref` is `Ref`; any other tag is kept as the key. */
function longTag(tag: string): string {
  const name = tag.slice(1);
  if (name === 'Ref' || name === 'Condition' || tag.startsWith('!!')) return name === 'Ref' || name === 'Condition' ? name : tag;
  return FN_TAGS.has(name) || name === 'GetAtt' ? `Fn::${name}` : tag;
}

export type Style = 'json' | 'json-compact' | 'yaml-block' | 'yaml-flow';

export function write(doc: Doc, style: Style): string {
  switch (style) {
    case 'json': return `${writeJson(doc, '  ', '', new Map())}\n`;
    case 'json-compact': return writeJson(doc, '', '', new Map());
    case 'yaml-flow': return `${writeFlow(doc)}\n`;
    case 'yaml-block': return `${writeBlock(doc, 0).join('\n')}\n`;
  }
}

function writeJson(doc: Doc, step: string, indent: string, anchors: Map<string, Doc>): string {
  const nl = step ? '\n' : '';
  const inner = indent + step;
  switch (doc.k) {
    case 'str': return JSON.stringify(doc.v);
    case 'num': return JSON.stringify(doc.v);
    case 'bool': return String(doc.v);
    case 'null': return 'null';
    case 'seq':
      return doc.items.length === 0 ? '[]'
        : `[${nl}${doc.items.map((d) => inner + writeJson(d, step, inner, anchors)).join(`,${nl}`)}${nl}${indent}]`;
    case 'map':
      return doc.entries.length === 0 ? '{}'
        : `{${nl}${doc.entries.map(([k, v]) => `${inner}${JSON.stringify(k)}:${step ? ' ' : ''}${writeJson(v, step, inner, anchors)}`).join(`,${nl}`)}${nl}${indent}}`;
    case 'tag': {
      const value = doc.tag === '!GetAtt' && doc.value.k === 'str' && doc.value.v.indexOf('.') > 0
        ? seq([str(doc.value.v.slice(0, doc.value.v.indexOf('.'))), str(doc.value.v.slice(doc.value.v.indexOf('.') + 1))])
        : doc.value;
      return writeJson(map([[longTag(doc.tag), value]]), step, indent, anchors);
    }
    case 'anchor': {
      // Set once written: an alias inside its own anchor (a self-reference) writes null.
      anchors.delete(doc.name);
      const text = writeJson(doc.value, step, indent, anchors);
      anchors.set(doc.name, doc.value);
      return text;
    }
    case 'alias': { const target = anchors.get(doc.name); return target === undefined ? 'null' : writeJson(target, step, indent, anchors); }
    case 'flow': return writeJson(doc.value, step, indent, anchors);
    case 'raw': return writeJson(doc.json, step, indent, anchors);
  }
}

/** Keys and strings YAML reads as themselves when written plain. */
const PLAIN = /^[A-Za-z][A-Za-z0-9_]*(::[A-Za-z0-9]+)*$/;
const YAML_WORDS = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

function yamlString(s: string): string {
  return PLAIN.test(s) && !YAML_WORDS.test(s) ? s : JSON.stringify(s);
}

function scalarYaml(doc: Doc): string | undefined {
  switch (doc.k) {
    case 'str': return yamlString(doc.v);
    case 'num': return JSON.stringify(doc.v);
    case 'bool': return String(doc.v);
    case 'null': return 'null';
    case 'alias': return `*${doc.name}`;
    case 'seq': return doc.items.length === 0 ? '[]' : undefined;
    case 'map': return doc.entries.length === 0 ? '{}' : undefined;
    case 'flow': return writeFlow(doc.value);
    case 'raw': return doc.yaml;
    default: return undefined;
  }
}

function writeFlow(doc: Doc): string {
  const s = scalarYaml(doc);
  if (s !== undefined) return s;
  switch (doc.k) {
    case 'seq': return `[${doc.items.map(writeFlow).join(', ')}]`;
    case 'map': return `{${doc.entries.map(([k, v]) => `${k === '<<' ? '<<' : JSON.stringify(k)}: ${writeFlow(v)}`).join(', ')}}`;
    case 'tag': return `${doc.tag} ${writeFlow(doc.value)}`;
    case 'anchor': return `&${doc.name} ${writeFlow(doc.value)}`;
    case 'flow': return writeFlow(doc.value);
    default: throw new Error(`unreachable ${doc.k}`);
  }
}

/** The node's properties (tag, anchor) and what is left to write below them. */
function properties(doc: Doc): { props: string; body: Doc } {
  const props: string[] = [];
  let body = doc;
  while (body.k === 'tag' || body.k === 'anchor') {
    props.push(body.k === 'tag' ? body.tag : `&${body.name}`);
    body = body.value;
  }
  return { props: props.join(' '), body };
}

/** Block style: each collection below its key or dash, two spaces deeper; scalars, aliases and empty collections inline. */
function writeBlock(doc: Doc, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const { props, body } = properties(doc);
  const inline = scalarYaml(body);
  if (inline !== undefined) return [`${pad}${props ? `${props} ` : ''}${inline}`];
  const lines: string[] = props ? [`${pad}${props}`] : [];
  if (body.k === 'seq') {
    for (const item of body.items) lines.push(...child(`${pad}-`, item, indent + 2));
  } else if (body.k === 'map') {
    for (const [k, v] of body.entries) lines.push(...child(`${pad}${yamlKey(k)}:`, v, indent + 2));
  }
  return lines;
}

function yamlKey(k: string): string {
  // `<<` is YAML's merge key only when plain.
  return k === '<<' ? '<<' : yamlString(k);
}

function child(head: string, value: Doc, indent: number): string[] {
  const { props, body } = properties(value);
  const inline = scalarYaml(body);
  if (inline !== undefined) return [`${head} ${props ? `${props} ` : ''}${inline}`];
  return [`${head}${props ? ` ${props}` : ''}`, ...writeBlock(body, indent)];
}
