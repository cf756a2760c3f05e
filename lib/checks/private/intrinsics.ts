import { Unresolved } from './cfn-values';

/**
 * Static rendering of CloudFormation intrinsics into strings a rule can read.
 *
 * A value that is only known at deploy time (a `Ref`, a `Fn::GetAtt`, a pseudo parameter) is
 * kept inside the rendered string as a placeholder: a private-use character pair around an
 * index into a `Placeholders` table. Placeholders survive concatenation and `JSON.parse`, so a
 * policy document that CDK rendered as `Fn::Join` around tokens inside `JSON.stringify` (or a
 * provisioning template inside a JSON string inside a property) can be parsed as JSON and still
 * say, for each string in it, which parts are literal and which are opaque. A value that cannot
 * be rendered at all (an `Fn::If` in structural position, malformed JSON) is the pack's
 * `Unresolved`, as in `cfn-values`.
 */

/** One piece of a rendered string. */
export type Segment =
  /** Literal text. */
  | { readonly kind: 'text'; readonly text: string }
  /** A `Ref`/`Fn::GetAtt` to a resource or parameter: unknown, but one fixed value, never a wildcard. */
  | { readonly kind: 'ref'; readonly label: string }
  /** A pseudo parameter such as `AWS::Region`: fixed for the stack. */
  | { readonly kind: 'pseudo'; readonly label: string }
  /** A provisioning-template parameter: a value of the one device being provisioned. */
  | { readonly kind: 'device'; readonly label: string }
  /** Anything that cannot be read statically (`Fn::If`, `Fn::ImportValue`, ...). */
  | { readonly kind: 'unresolved'; readonly label: string };

/**
 * Which intrinsics a value may hold: CloudFormation's, a fleet provisioning template's (where a
 * `Ref` names a template parameter, i.e. a per-device value), or none (plain JSON, such as a
 * policy document given as a JSON string, where `{"Ref": ...}` is just an object).
 */
export type Dialect = 'cloudformation' | 'provisioning' | 'none';

/** A value after static evaluation: JSON, with strings that may hold placeholders. */
export type Evaluated = string | number | boolean | null | Unresolved | Evaluated[] | { [key: string]: Evaluated };

const OPEN = '\uE000';
const CLOSE = '\uE001';
const MAX_DEPTH = 64;
const PSEUDO = /^AWS::[A-Za-z]+$/;
/**
 * Parameters of a provisioning template that many devices share (the issuer-side subject
 * fields of their certificates): fixed values, not the device's own. `CommonName`,
 * `SerialNumber` and `Id` of the certificate, and template parameters the device sends, are.
 */
const SHARED_CERTIFICATE_FIELD = /^AWS::IoT::Certificate::(Country|Organization|OrganizationalUnit|DistinguishedNameQualifier|StateName|Locality|Title|Surname|GivenName|Initials|Pseudonym|GenerationQualifier)$/;

function provisioningKind(name: string): 'device' | 'ref' {
  return SHARED_CERTIFICATE_FIELD.test(name) ? 'ref' : 'device';
}

/** The table behind the placeholders of one analysis; strings from one table only decode with it. */
export class Placeholders {
  private readonly segments: Segment[] = [];
  // A per-table tag keeps a stray private-use character in user input from decoding as ours.
  private readonly tag = Math.random().toString(36).slice(2, 8);
  private readonly pattern = new RegExp(`${OPEN}${this.tag}(\\d+)${CLOSE}`, 'g');

  /** A string standing for `segment`; text is returned as is. */
  public encode(segment: Segment): string {
    if (segment.kind === 'text') return segment.text;
    this.segments.push(segment);
    return `${OPEN}${this.tag}${this.segments.length - 1}${CLOSE}`;
  }

  /** The segments of a rendered string, adjacent text merged. */
  public decode(value: string): Segment[] {
    const out: Segment[] = [];
    const pushText = (text: string) => {
      if (!text) return;
      const last = out[out.length - 1];
      if (last?.kind === 'text') out[out.length - 1] = { kind: 'text', text: last.text + text };
      else out.push({ kind: 'text', text });
    };
    let at = 0;
    this.pattern.lastIndex = 0;
    for (let m = this.pattern.exec(value); m; m = this.pattern.exec(value)) {
      pushText(value.slice(at, m.index));
      const segment = this.segments[Number(m[1])];
      if (segment) out.push(segment);
      else pushText(m[0]);
      at = m.index + m[0].length;
    }
    pushText(value.slice(at));
    return out;
  }

  /** Whether a rendered string is plain text, with no placeholder in it. */
  public isLiteral(value: string): boolean {
    return !value.includes(OPEN) || this.decode(value).every((s) => s.kind === 'text');
  }
}

/** How a segment is shown in a finding: text as is, anything else as `${label}`. */
export function displaySegments(segments: readonly Segment[]): string {
  return segments.map((s) => (s.kind === 'text' ? s.text : `\${${s.label}}`)).join('');
}

function isIntrinsic(value: object, dialect: Dialect): value is { [key: string]: unknown } {
  if (dialect === 'none' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

function isNoValue(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && Object.keys(value).length === 1 && (value as { Ref?: unknown }).Ref === 'AWS::NoValue';
}

/**
 * Evaluates a value in structural position (a document, a statement, a list): intrinsics that
 * yield strings are rendered, `AWS::NoValue` removes the key or element, and anything that
 * cannot be read becomes `Unresolved`. `undefined` means the value is absent. Never throws.
 */
export function evaluate(value: unknown, ph: Placeholders, dialect: Dialect, depth = 0): Evaluated | undefined {
  if (depth > MAX_DEPTH) return new Unresolved('nesting too deep');
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : new Unresolved('not a finite number');
  if (value instanceof Unresolved) return value;
  if (typeof value !== 'object') return new Unresolved(`a ${typeof value}`);
  if (Array.isArray(value)) {
    const out: Evaluated[] = [];
    for (const item of value) {
      if (dialect !== 'none' && isNoValue(item)) continue;
      const v = evaluate(item, ph, dialect, depth + 1);
      if (v !== undefined) out.push(v);
    }
    return out;
  }
  if (isIntrinsic(value, dialect)) {
    if (isNoValue(value)) return undefined;
    const [fn, arg] = Object.entries(value)[0];
    if (fn === 'Fn::If') return new Unresolved('Fn::If');
    if (fn === 'Fn::Select') return select(arg, ph, dialect, depth);
    if (fn === 'Fn::Split') return split(arg, ph, dialect, depth);
    return renderString(value, ph, dialect, depth);
  }
  // A null prototype, so a `__proto__` key from parsed JSON stays an ordinary key.
  const out: { [key: string]: Evaluated } = Object.create(null);
  for (const [key, item] of Object.entries(value)) {
    const v = evaluate(item, ph, dialect, depth + 1);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function select(arg: unknown, ph: Placeholders, dialect: Dialect, depth: number): Evaluated {
  if (!Array.isArray(arg) || arg.length !== 2) return new Unresolved('Fn::Select');
  const index = renderString(arg[0], ph, dialect, depth + 1);
  const list = evaluate(arg[1], ph, dialect, depth + 1);
  if (!/^\d+$/.test(index) || !Array.isArray(list)) return new Unresolved('Fn::Select');
  return list[Number(index)] ?? new Unresolved('Fn::Select');
}

function split(arg: unknown, ph: Placeholders, dialect: Dialect, depth: number): Evaluated {
  if (!Array.isArray(arg) || arg.length !== 2) return new Unresolved('Fn::Split');
  const delimiter = renderString(arg[0], ph, dialect, depth + 1);
  const source = renderString(arg[1], ph, dialect, depth + 1);
  if (!delimiter || !ph.isLiteral(delimiter) || !ph.isLiteral(source)) return new Unresolved('Fn::Split');
  return source.split(delimiter);
}

/**
 * Renders a value in string position to a string with placeholders. What cannot be read becomes
 * an `unresolved` placeholder, so the rest of the string can still be judged. Never throws.
 */
export function renderString(value: unknown, ph: Placeholders, dialect: Dialect, depth = 0): string {
  const unresolved = (label: string) => ph.encode({ kind: 'unresolved', label });
  if (depth > MAX_DEPTH) return unresolved('nesting too deep');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Unresolved) return unresolved(value.reason);
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !isIntrinsic(value, dialect)) {
    return unresolved(Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`);
  }
  const [fn, arg] = Object.entries(value)[0];
  switch (fn) {
    case 'Ref':
      return renderRef(arg, ph, dialect);
    case 'Fn::GetAtt':
      return renderGetAtt(arg, ph, dialect);
    case 'Fn::Join':
      return renderJoin(arg, ph, dialect, depth);
    case 'Fn::Sub':
      return renderSub(arg, ph, dialect, depth);
    case 'Fn::Select':
    case 'Fn::Split': {
      const v = fn === 'Fn::Select' ? select(arg, ph, dialect, depth) : split(arg, ph, dialect, depth);
      return typeof v === 'string' ? v : unresolved(fn);
    }
    case 'Fn::ToJsonString': {
      // AWS::LanguageExtensions: the document is serialized at deploy time, placeholders and all.
      const v = evaluate(arg, ph, dialect, depth + 1);
      return v === undefined || v instanceof Unresolved || containsUnresolved(v, 0) ? unresolved(fn) : JSON.stringify(v);
    }
    default:
      return unresolved(fn);
  }
}

function containsUnresolved(value: Evaluated, depth: number): boolean {
  if (value instanceof Unresolved || depth > MAX_DEPTH) return true;
  if (Array.isArray(value)) return value.some((v) => containsUnresolved(v, depth + 1));
  if (value && typeof value === 'object') return Object.values(value).some((v) => containsUnresolved(v, depth + 1));
  return false;
}

function renderRef(name: unknown, ph: Placeholders, dialect: Dialect): string {
  if (typeof name !== 'string') return ph.encode({ kind: 'unresolved', label: 'Ref' });
  if (name === 'AWS::NoValue') return ph.encode({ kind: 'unresolved', label: name });
  if (PSEUDO.test(name)) return ph.encode({ kind: 'pseudo', label: name });
  return ph.encode({ kind: dialect === 'provisioning' ? provisioningKind(name) : 'ref', label: name });
}

function renderGetAtt(arg: unknown, ph: Placeholders, dialect: Dialect): string {
  // Provisioning templates have no Fn::GetAtt.
  if (dialect !== 'cloudformation') return ph.encode({ kind: 'unresolved', label: 'Fn::GetAtt' });
  if (typeof arg === 'string' && arg.length > 0) return ph.encode({ kind: 'ref', label: arg });
  if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string' && typeof arg[1] === 'string') {
    return ph.encode({ kind: 'ref', label: `${arg[0]}.${arg[1]}` });
  }
  return ph.encode({ kind: 'unresolved', label: 'Fn::GetAtt' });
}

function renderJoin(arg: unknown, ph: Placeholders, dialect: Dialect, depth: number): string {
  if (!Array.isArray(arg) || arg.length !== 2) return ph.encode({ kind: 'unresolved', label: 'Fn::Join' });
  const delimiter = renderString(arg[0], ph, dialect, depth + 1);
  const list = evaluate(arg[1], ph, dialect, depth + 1);
  if (!Array.isArray(list)) return ph.encode({ kind: 'unresolved', label: 'Fn::Join' });
  return list.map((item) => renderString(item, ph, dialect, depth + 1)).join(delimiter);
}

function renderSub(arg: unknown, ph: Placeholders, dialect: Dialect, depth: number): string {
  let template: unknown = arg;
  let vars: { [name: string]: unknown } = {};
  if (Array.isArray(arg)) {
    if (arg.length !== 2 || typeof arg[1] !== 'object' || arg[1] === null || Array.isArray(arg[1])) {
      return ph.encode({ kind: 'unresolved', label: 'Fn::Sub' });
    }
    template = arg[0];
    vars = arg[1] as { [name: string]: unknown };
  }
  if (typeof template !== 'string') return ph.encode({ kind: 'unresolved', label: 'Fn::Sub' });
  let out = '';
  let at = 0;
  while (at < template.length) {
    const start = template.indexOf('${', at);
    if (start < 0) break;
    out += template.slice(at, start);
    if (template[start + 2] === '!') {
      // `${!Literal}` is the literal text `${Literal}`.
      out += '${';
      at = start + 3;
      continue;
    }
    const end = template.indexOf('}', start + 2);
    if (end < 0) {
      out += template.slice(start);
      at = template.length;
      break;
    }
    const name = template.slice(start + 2, end).trim();
    out += subVariable(name, vars, ph, dialect, depth);
    at = end + 1;
  }
  return out + template.slice(at);
}

function subVariable(name: string, vars: { [name: string]: unknown }, ph: Placeholders, dialect: Dialect, depth: number): string {
  if (Object.prototype.hasOwnProperty.call(vars, name)) return renderString(vars[name], ph, dialect, depth + 1);
  if (PSEUDO.test(name)) return renderRef(name, ph, dialect);
  // `iot:ClientId`, `aws:SourceIp`, `cognito-identity.amazonaws.com:sub`: policy variables, not
  // CloudFormation's. CDK users should escape them as `${!iot:...}`; left unescaped they are
  // meant for the policy, so they pass through as written.
  if ((name.includes(':') && !name.includes('::')) || name === '') return `\${${name}}`;
  if (dialect === 'provisioning') return ph.encode({ kind: provisioningKind(name), label: name });
  return ph.encode({ kind: 'ref', label: name });
}

/** Whether an evaluated value is an object (not a list, not unresolved). */
export function isObject(v: Evaluated | undefined): v is { [key: string]: Evaluated } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Unresolved);
}

/**
 * A field of an evaluated object: the exact key, else the same key in any casing, so that a
 * document writing `action` is judged rather than passed over.
 */
export function field(obj: { [key: string]: Evaluated }, name: string): Evaluated | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  const key = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : obj[key];
}

/**
 * Parses a rendered JSON string. Placeholders inside JSON strings survive; one outside a string
 * (a token rendered where JSON wants a number, say) makes the whole value unresolvable.
 */
export function parseJson(value: string): Evaluated {
  try {
    return JSON.parse(value) as Evaluated;
  } catch {
    return new Unresolved('malformed JSON');
  }
}
