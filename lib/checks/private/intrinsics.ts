import { isObject, Unresolved } from './value-kinds';

/**
 * Static rendering of CloudFormation intrinsics into strings a rule can read.
 *
 * A value that is only known at deploy time (a `Ref` to a resource, a `Fn::GetAtt`, a pseudo
 * parameter) is kept inside the rendered string as a placeholder: a private-use character pair
 * around an index into a `Placeholders` table. Placeholders survive concatenation and
 * `JSON.parse`, so a policy document that CDK rendered as `Fn::Join` around tokens inside
 * `JSON.stringify` (or a provisioning template inside a JSON string inside a property) can be
 * parsed as JSON and still say, for each string in it, which parts are literal and which are
 * opaque. A value that cannot be rendered at all (malformed JSON, an `Fn::If` read without a
 * `Reading`) is the pack's `Unresolved` (see `value-kinds`).
 *
 * A value that can deploy in several forms (both branches of an `Fn::If`, each allowed value of
 * a stack parameter) is read once per combination: `eachReading` runs a reader with a `Reading`
 * that picks one form at each choice, until every combination has been read.
 */

/** One piece of a rendered string. */
export type Segment =
  /** Literal text. */
  | { readonly kind: 'text'; readonly text: string }
  /** A `Ref`/`Fn::GetAtt` to a resource of the stack: unknown, but one fixed value, never a wildcard. */
  | { readonly kind: 'ref'; readonly label: string }
  /** A pseudo parameter such as `AWS::Region`: fixed for the stack. */
  | { readonly kind: 'pseudo'; readonly label: string }
  /**
   * A provisioning-template parameter that identifies the device being provisioned (see
   * `provisioningDeviceParameters`): a value of that one device.
   */
  | { readonly kind: 'device'; readonly label: string }
  /**
   * A provisioning-template parameter many devices may share (one with a `Default`, one that does
   * not name the thing, an issuer-side certificate field): fixed, but no device's identity.
   */
  | { readonly kind: 'shared'; readonly label: string }
  /**
   * Anything that cannot be read statically: a stack parameter without allowed values (it could
   * be `*`, or a device policy variable), `Fn::ImportValue`, an `Fn::If` read without a `Reading`.
   */
  | { readonly kind: 'unresolved'; readonly label: string };

/**
 * Which intrinsics a value may hold: CloudFormation's, a fleet provisioning template's (where a
 * `Ref` names a template parameter, i.e. a per-device value), or none (plain JSON, such as a
 * policy document given as a JSON string, where `{"Ref": ...}` is just an object).
 */
export type Dialect = 'cloudformation' | 'provisioning' | 'none';

/** A value after static evaluation: JSON, with strings that may hold placeholders. */
export type Evaluated = string | number | boolean | null | Unresolved | Evaluated[] | { [key: string]: Evaluated };

/**
 * The values a stack parameter can take (its allowed values, or one `Unresolved` when it has
 * none), or `undefined` when `name` is not a parameter of the stack (a resource, say).
 */
export type ParameterValues = (name: string) => readonly (string | Unresolved)[] | undefined;

/** One way of reading a value that can deploy in several forms; see `eachReading`. */
export interface Reading {
  /**
   * Picks one of `count` alternatives. Picks under the same `key` agree within one reading: a
   * parameter has one value per deployment, a condition one truth value.
   */
  choose(count: number, key?: string): number;
  /** See `ParameterValues`. */
  parameterValues(name: string): readonly (string | Unresolved)[] | undefined;
}

/** The readings of a value, one result each (see `eachReading`). */
export interface Readings<T> {
  readonly results: readonly T[];
  /** Whether every combination was read; false once `MAX_READINGS` were. */
  readonly complete: boolean;
}

/**
 * The most readings of one value. Past it the value is partly judged and reported as
 * unreadable: a document whose every combination cannot be judged cannot be called safe.
 */
export const MAX_READINGS = 64;

/**
 * Runs `read` once for each combination of the choices it meets, at most `MAX_READINGS` times.
 * Each run replays the picks of the one before up to its last choice that has an alternative
 * left, takes that alternative and starts every later choice afresh, so a choice nested in a
 * branch (an `Fn::If` inside an `Fn::If`) only counts where that branch is taken. `read` must
 * meet its choices in the same order given the same picks (it is a walk of the same value).
 */
export function eachReading<T>(read: (reading: Reading) => T, parameterValues: ParameterValues = () => undefined): Readings<T> {
  const results: T[] = [];
  let plan: number[] = [];
  for (;;) {
    if (results.length >= MAX_READINGS) return { results, complete: false };
    const made: { pick: number; count: number }[] = [];
    const byKey = new Map<string, number>();
    results.push(read({
      parameterValues,
      choose(count, key) {
        if (count <= 1) return 0;
        const agreed = key === undefined ? undefined : byKey.get(key);
        if (agreed !== undefined) return Math.min(agreed, count - 1);
        const pick = made.length < plan.length ? Math.min(plan[made.length], count - 1) : 0;
        made.push({ pick, count });
        if (key !== undefined) byKey.set(key, pick);
        return pick;
      },
    }));
    let last = made.length - 1;
    while (last >= 0 && made[last].pick + 1 >= made[last].count) last--;
    if (last < 0) return { results, complete: true };
    plan = [...made.slice(0, last).map((m) => m.pick), made[last].pick + 1];
  }
}

const OPEN = '\uE000';
const CLOSE = '\uE001';
const MAX_DEPTH = 64;
const PSEUDO = /^AWS::[A-Za-z]+$/;
/**
 * Certificate fields of just-in-time provisioning that identify one certificate, so one device.
 * Every other `AWS::IoT::Certificate::` field (country, organization...) is the issuer's, shared.
 */
const DEVICE_CERTIFICATE_FIELD = /^AWS::IoT::Certificate::(CommonName|SerialNumber|Id)$/;

/**
 * The parameters of a provisioning template that identify the one device being provisioned: the
 * certificate's own fields (common name, serial number, ID), and the parameters the device
 * supplies (declared without a `Default`) that make up the name of the template's
 * `AWS::IoT::Thing`. A parameter with a `Default` may be left to it by every device, and one
 * that does not name the thing (a site, a model) is shared by many devices: neither scopes a
 * policy to one device. `template` is the template as parsed, its intrinsics unevaluated.
 */
export function provisioningDeviceParameters(template: unknown): ReadonlySet<string> {
  const out = new Set<string>(['CommonName', 'SerialNumber', 'Id'].map((f) => `AWS::IoT::Certificate::${f}`));
  if (!isObject(template)) return out;
  const declared = isObject(template.Parameters) ? template.Parameters : {};
  const hasDefault = (name: string) => isObject(declared[name]) && (declared[name] as { [k: string]: unknown }).Default !== undefined;
  const resources = isObject(template.Resources) ? Object.values(template.Resources) : [];
  for (const resource of resources) {
    if (!isObject(resource) || resource.Type !== 'AWS::IoT::Thing' || !isObject(resource.Properties)) continue;
    for (const name of referencedNames(resource.Properties.ThingName, 0)) {
      if (DEVICE_CERTIFICATE_FIELD.test(name) || (!name.startsWith('AWS::') && !hasDefault(name))) out.add(name);
    }
  }
  return out;
}

/** The names a value refers to with `Ref` or `${Name}` inside `Fn::Sub`. */
function referencedNames(value: unknown, depth: number): string[] {
  if (depth > MAX_DEPTH) return [];
  if (Array.isArray(value)) return value.flatMap((v) => referencedNames(v, depth + 1));
  if (!isObject(value)) return [];
  if (typeof value.Ref === 'string') return [value.Ref];
  const sub = value['Fn::Sub'];
  const text = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
  const names = text === undefined ? [] : [...text.matchAll(/\$\{(?!!)([^}]+)\}/g)].map((m) => m[1].trim());
  return [...names, ...Object.values(value).flatMap((v) => referencedNames(v, depth + 1))];
}

/** The table behind the placeholders of one analysis; strings from one table only decode with it. */
export class Placeholders {
  private readonly segments: Segment[] = [];
  // A per-table tag keeps a stray private-use character in user input from decoding as ours.
  private readonly tag = Math.random().toString(36).slice(2, 8);
  // Compiled at the first decode of a string that holds a placeholder: most tables never need it.
  private patternOf?: RegExp;
  private get pattern(): RegExp {
    return (this.patternOf ??= new RegExp(`${OPEN}${this.tag}(\\d+)${CLOSE}`, 'g'));
  }

  /** A string standing for `segment`; text is returned as is. */
  public encode(segment: Segment): string {
    if (segment.kind === 'text') return segment.text;
    this.segments.push(segment);
    return `${OPEN}${this.tag}${this.segments.length - 1}${CLOSE}`;
  }

  /** The segments of a rendered string, adjacent text merged. */
  public decode(value: string): Segment[] {
    // Plain text (no placeholder can be in it): what the loop below would return.
    if (!value.includes(OPEN)) return value ? [{ kind: 'text', text: value }] : [];
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

/** What one evaluation needs besides the value. */
interface Context {
  readonly ph: Placeholders;
  readonly dialect: Dialect;
  /** Without one, an `Fn::If` is unresolved and every `Ref` names a resource. */
  readonly reading?: Reading;
  /** In the provisioning dialect, the parameters that identify the device (see `provisioningDeviceParameters`). */
  readonly deviceParameters?: ReadonlySet<string>;
}

/** The kind of segment a provisioning template's parameter renders to. */
function provisioningKind(name: string, ctx: Context): 'device' | 'shared' {
  return (ctx.deviceParameters ?? provisioningDeviceParameters(undefined)).has(name) ? 'device' : 'shared';
}

/**
 * The function and argument of `{ Ref }` or `{ 'Fn::...' }` in a dialect with intrinsics.
 * Unlike `value-kinds.isIntrinsic`, `{ Condition }` is not one: in a policy it is a statement's key.
 */
function intrinsicCall(value: unknown, dialect: Dialect): [fn: string, arg: unknown] | undefined {
  if (dialect === 'none' || !isObject(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::')) ? [keys[0], value[keys[0]]] : undefined;
}

function isNoValue(value: unknown): boolean {
  return isObject(value) && Object.keys(value).length === 1 && value.Ref === 'AWS::NoValue';
}

/**
 * The branch of an `Fn::If` this reading takes, or `Unresolved` without a reading or for a
 * malformed one. Picks on the same condition agree (see `Reading.choose`); conditions of
 * different names are taken as independent, which errs towards a finding.
 */
function ifBranch(arg: unknown, ctx: Context): unknown {
  if (!ctx.reading || !Array.isArray(arg) || arg.length !== 3) return new Unresolved('Fn::If');
  const key = typeof arg[0] === 'string' ? `${ctx.dialect}:Condition:${arg[0]}` : undefined;
  return arg[1 + ctx.reading.choose(2, key)];
}

/**
 * Evaluates a value in structural position (a document, a statement, a list): intrinsics that
 * yield strings are rendered, `Fn::If` takes the reading's branch, `AWS::NoValue` removes the
 * key or element, and anything that cannot be read becomes `Unresolved`. `undefined` means the
 * value is absent. Never throws.
 */
export function evaluate(
  value: unknown, ph: Placeholders, dialect: Dialect, reading?: Reading, deviceParameters?: ReadonlySet<string>,
): Evaluated | undefined {
  return evaluateIn(value, { ph, dialect, reading, deviceParameters }, 0);
}

function evaluateIn(value: unknown, ctx: Context, depth: number): Evaluated | undefined {
  if (depth > MAX_DEPTH) return new Unresolved('nesting too deep');
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : new Unresolved('not a finite number');
  if (value instanceof Unresolved) return value;
  if (typeof value !== 'object') return new Unresolved(`a ${typeof value}`);
  if (Array.isArray(value)) {
    const out: Evaluated[] = [];
    for (const item of value) {
      if (ctx.dialect !== 'none' && isNoValue(item)) continue;
      const v = evaluateIn(item, ctx, depth + 1);
      if (v !== undefined) out.push(v);
    }
    return out;
  }
  const call = intrinsicCall(value, ctx.dialect);
  if (call) {
    if (isNoValue(value)) return undefined;
    const [fn, arg] = call;
    if (fn === 'Fn::If') return evaluateIn(ifBranch(arg, ctx), ctx, depth + 1);
    if (fn === 'Fn::Select') return select(arg, ctx, depth);
    if (fn === 'Fn::Split') return split(arg, ctx, depth);
    return render(value, ctx, depth);
  }
  // A null prototype, so a `__proto__` key from parsed JSON stays an ordinary key.
  const out: { [key: string]: Evaluated } = Object.create(null);
  for (const [key, item] of Object.entries(value)) {
    const v = evaluateIn(item, ctx, depth + 1);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function select(arg: unknown, ctx: Context, depth: number): Evaluated {
  if (!Array.isArray(arg) || arg.length !== 2) return new Unresolved('Fn::Select');
  const index = render(arg[0], ctx, depth + 1);
  const list = evaluateIn(arg[1], ctx, depth + 1);
  if (!/^\d+$/.test(index) || !Array.isArray(list)) return new Unresolved('Fn::Select');
  return list[Number(index)] ?? new Unresolved('Fn::Select');
}

function split(arg: unknown, ctx: Context, depth: number): Evaluated {
  if (!Array.isArray(arg) || arg.length !== 2) return new Unresolved('Fn::Split');
  const delimiter = render(arg[0], ctx, depth + 1);
  const source = render(arg[1], ctx, depth + 1);
  if (!delimiter || !ctx.ph.isLiteral(delimiter) || !ctx.ph.isLiteral(source)) return new Unresolved('Fn::Split');
  return source.split(delimiter);
}

/**
 * Renders a value in string position to a string with placeholders. What cannot be read becomes
 * an `unresolved` placeholder, so the rest of the string can still be judged. Never throws.
 */
export function renderString(value: unknown, ph: Placeholders, dialect: Dialect, reading?: Reading): string {
  return render(value, { ph, dialect, reading }, 0);
}

function render(value: unknown, ctx: Context, depth: number): string {
  const unresolved = (label: string) => ctx.ph.encode({ kind: 'unresolved', label });
  if (depth > MAX_DEPTH) return unresolved('nesting too deep');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Unresolved) return unresolved(value.reason);
  const call = intrinsicCall(value, ctx.dialect);
  if (!call) return unresolved(Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`);
  const [fn, arg] = call;
  switch (fn) {
    case 'Ref':
      return renderRef(arg, ctx);
    case 'Fn::GetAtt':
      return renderGetAtt(arg, ctx);
    case 'Fn::If':
      return render(ifBranch(arg, ctx), ctx, depth + 1);
    case 'Fn::Join':
      return renderJoin(arg, ctx, depth);
    case 'Fn::Sub':
      return renderSub(arg, ctx, depth);
    case 'Fn::Select':
    case 'Fn::Split': {
      const v = fn === 'Fn::Select' ? select(arg, ctx, depth) : split(arg, ctx, depth);
      return typeof v === 'string' ? v : unresolved(fn);
    }
    case 'Fn::ImportValue': {
      // Named in findings by its export, so two imports never read alike (see `display.ts`).
      const name = render(arg, ctx, depth + 1);
      return unresolved(`${fn}:${displaySegments(ctx.ph.decode(name))}`);
    }
    case 'Fn::ToJsonString': {
      // AWS::LanguageExtensions: the document is serialized at deploy time, placeholders and all.
      const v = evaluateIn(arg, ctx, depth + 1);
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

function renderRef(name: unknown, ctx: Context): string {
  if (typeof name !== 'string') return ctx.ph.encode({ kind: 'unresolved', label: 'Ref' });
  if (name === 'AWS::NoValue') return ctx.ph.encode({ kind: 'unresolved', label: name });
  if (PSEUDO.test(name)) return ctx.ph.encode({ kind: 'pseudo', label: name });
  // A provisioning template's own parameters are the device's values, sent at provisioning.
  if (ctx.dialect === 'provisioning') return ctx.ph.encode({ kind: provisioningKind(name, ctx), label: name });
  return renderStackRef(name, ctx);
}

/**
 * A `Ref` (or `${Name}` in `Fn::Sub`) in CloudFormation: a stack parameter is each of its allowed
 * values, one per reading, and unreadable without them (the deployer may pass `*`); anything else
 * names a resource, one fixed value.
 */
function renderStackRef(name: string, ctx: Context): string {
  const values = ctx.reading?.parameterValues(name);
  if (values === undefined) return ctx.ph.encode({ kind: 'ref', label: name });
  const value = values.length === 0 ? undefined : values[ctx.reading!.choose(values.length, `Parameter:${name}`)];
  return typeof value === 'string' ? value : ctx.ph.encode({ kind: 'unresolved', label: name });
}

function renderGetAtt(arg: unknown, ctx: Context): string {
  // Provisioning templates have no Fn::GetAtt.
  if (ctx.dialect !== 'cloudformation') return ctx.ph.encode({ kind: 'unresolved', label: 'Fn::GetAtt' });
  if (typeof arg === 'string' && arg.length > 0) return ctx.ph.encode({ kind: 'ref', label: arg });
  if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string' && typeof arg[1] === 'string') {
    return ctx.ph.encode({ kind: 'ref', label: `${arg[0]}.${arg[1]}` });
  }
  return ctx.ph.encode({ kind: 'unresolved', label: 'Fn::GetAtt' });
}

function renderJoin(arg: unknown, ctx: Context, depth: number): string {
  if (!Array.isArray(arg) || arg.length !== 2) return ctx.ph.encode({ kind: 'unresolved', label: 'Fn::Join' });
  const delimiter = render(arg[0], ctx, depth + 1);
  const list = evaluateIn(arg[1], ctx, depth + 1);
  if (!Array.isArray(list)) return ctx.ph.encode({ kind: 'unresolved', label: 'Fn::Join' });
  return list.map((item) => render(item, ctx, depth + 1)).join(delimiter);
}

function renderSub(arg: unknown, ctx: Context, depth: number): string {
  let template: unknown = arg;
  let vars: { [name: string]: unknown } = {};
  if (Array.isArray(arg)) {
    if (arg.length !== 2 || !isObject(arg[1])) return ctx.ph.encode({ kind: 'unresolved', label: 'Fn::Sub' });
    template = arg[0];
    vars = arg[1];
  }
  if (typeof template !== 'string') return ctx.ph.encode({ kind: 'unresolved', label: 'Fn::Sub' });
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
    out += subVariable(name, vars, ctx, depth);
    at = end + 1;
  }
  return out + template.slice(at);
}

function subVariable(name: string, vars: { [name: string]: unknown }, ctx: Context, depth: number): string {
  if (Object.prototype.hasOwnProperty.call(vars, name)) return render(vars[name], ctx, depth + 1);
  if (PSEUDO.test(name)) return renderRef(name, ctx);
  // `iot:ClientId`, `aws:SourceIp`, `cognito-identity.amazonaws.com:sub`: policy variables, not
  // CloudFormation's. CDK users should escape them as `${!iot:...}`; left unescaped they are
  // meant for the policy, so they pass through as written.
  if ((name.includes(':') && !name.includes('::')) || name === '') return `\${${name}}`;
  if (ctx.dialect === 'provisioning') return ctx.ph.encode({ kind: provisioningKind(name, ctx), label: name });
  // `${Resource.Attribute}` is a GetAtt; `${Name}` a Ref.
  return name.includes('.') ? ctx.ph.encode({ kind: 'ref', label: name }) : renderStackRef(name, ctx);
}

/** Whether an evaluated value is a JSON object (not a list, not `Unresolved`). */
export function isJsonObject(v: Evaluated | undefined): v is { [key: string]: Evaluated } {
  return isObject(v) && !(v instanceof Unresolved);
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
