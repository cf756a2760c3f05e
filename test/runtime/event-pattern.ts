/*
 * EventBridge's event pattern matching, as the EventBridge user guide ("Event patterns",
 * "Content filtering in Amazon EventBridge event patterns") describes it, for the runtime checks:
 * does any event a producer puts match a rule's pattern?
 *
 * - Every field of the pattern must match; an array of values matches when any value matches; a
 *   field of the event that is an array matches when any of its elements matches.
 * - Nested objects match nested fields; `$or` at any level matches when any of its patterns does.
 * - Content filters: exact values (string, number, boolean, null), `prefix`, `suffix` (each also
 *   with `equals-ignore-case`), `equals-ignore-case`, `anything-but` (a value, a list, `prefix`,
 *   `suffix`, `equals-ignore-case`, `wildcard`), `numeric`, `exists`, `wildcard`, `cidr`.
 *
 * A filter this matcher does not know throws: a rule must never pass because its pattern was not
 * understood. `FREE` stands for a value the producer does not fix (an S3 object key the uploader
 * chooses): it matches every string filter that some string satisfies.
 */

/** A value a producer chooses freely: it satisfies every string filter that some string satisfies. */
export const FREE: unique symbol = Symbol('free');

type Json = null | boolean | number | string | typeof FREE | Json[] | { [key: string]: Json };

const isObject = (v: unknown): v is { [key: string]: unknown } => typeof v === 'object' && v !== null && !Array.isArray(v);

function wildcardRegex(pattern: string): RegExp {
  const body = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 's');
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

function cidrContains(cidr: string, ip: string): boolean {
  const [base, bits] = cidr.split('/');
  const b = ipv4ToInt(base);
  const n = Number(bits);
  if (b === undefined || !Number.isInteger(n) || n < 0 || n > 32) throw new Error(`cidr: only IPv4 ranges are understood, got ${JSON.stringify(cidr)}`);
  const v = ipv4ToInt(ip);
  if (v === undefined) return false;
  const block = 2 ** (32 - n);
  return Math.floor(b / block) === Math.floor(v / block);
}

function numericMatches(conditions: unknown, value: unknown): boolean {
  if (!Array.isArray(conditions) || conditions.length === 0 || conditions.length % 2 !== 0) {
    throw new Error(`numeric takes operator/number pairs, got ${JSON.stringify(conditions)}`);
  }
  if (typeof value !== 'number') return false;
  for (let i = 0; i < conditions.length; i += 2) {
    const [op, n] = [conditions[i], conditions[i + 1]];
    if (typeof n !== 'number') throw new Error(`numeric: ${JSON.stringify(op)} needs a number, got ${JSON.stringify(n)}`);
    const ok = op === '=' ? value === n : op === '<' ? value < n : op === '<=' ? value <= n : op === '>' ? value > n : op === '>=' ? value >= n : undefined;
    if (ok === undefined) throw new Error(`numeric: unknown operator ${JSON.stringify(op)}`);
    if (!ok) return false;
  }
  return true;
}

/** A string filter (`prefix` / `suffix` value, possibly `{ equals-ignore-case }`). */
function stringTest(kind: 'prefix' | 'suffix', arg: unknown): (s: string) => boolean {
  if (typeof arg === 'string') return kind === 'prefix' ? (s) => s.startsWith(arg) : (s) => s.endsWith(arg);
  if (isObject(arg) && typeof arg['equals-ignore-case'] === 'string' && Object.keys(arg).length === 1) {
    const a = (arg['equals-ignore-case'] as string).toLowerCase();
    return kind === 'prefix' ? (s) => s.toLowerCase().startsWith(a) : (s) => s.toLowerCase().endsWith(a);
  }
  throw new Error(`${kind} takes a string or { "equals-ignore-case": string }, got ${JSON.stringify(arg)}`);
}

/** Whether one content filter (an element of a pattern's value array) matches one event value. */
function filterMatches(filter: unknown, value: Json): boolean {
  if (!isObject(filter)) {
    if (value === FREE) return typeof filter === 'string';
    if (typeof filter === 'number' && typeof value === 'number') return filter === value;
    return filter === value;
  }
  const keys = Object.keys(filter);
  if (keys.length !== 1) throw new Error(`a content filter has exactly one operator, got ${JSON.stringify(filter)}`);
  const [op] = keys;
  const arg = filter[op];
  switch (op) {
    case 'prefix':
    case 'suffix': {
      const test = stringTest(op, arg);
      return value === FREE || (typeof value === 'string' && test(value));
    }
    case 'equals-ignore-case':
      if (typeof arg !== 'string') throw new Error(`equals-ignore-case takes a string, got ${JSON.stringify(arg)}`);
      return value === FREE || (typeof value === 'string' && value.toLowerCase() === arg.toLowerCase());
    case 'wildcard':
      if (typeof arg !== 'string') throw new Error(`wildcard takes a string, got ${JSON.stringify(arg)}`);
      return value === FREE || (typeof value === 'string' && wildcardRegex(arg).test(value));
    case 'numeric':
      return numericMatches(arg, value);
    case 'cidr':
      if (typeof arg !== 'string') throw new Error(`cidr takes a string, got ${JSON.stringify(arg)}`);
      return typeof value === 'string' && cidrContains(arg, value);
    case 'anything-but': {
      // A value chosen freely can always be something else.
      if (value === FREE) return true;
      if (Array.isArray(arg)) return !arg.some((a) => filterMatches(a, value));
      if (isObject(arg)) {
        const [inner] = Object.keys(arg);
        if (Object.keys(arg).length !== 1 || !['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(inner)) {
          throw new Error(`anything-but takes a value, a list, or one of prefix, suffix, equals-ignore-case, wildcard; got ${JSON.stringify(arg)}`);
        }
        // A value that is no string has no prefix, suffix or case to compare: it is something else.
        if (typeof value !== 'string') return true;
        const innerArgs = Array.isArray(arg[inner]) ? arg[inner] as unknown[] : [arg[inner]];
        return !innerArgs.some((a) => filterMatches({ [inner]: a }, value));
      }
      return !filterMatches(arg, value);
    }
    default:
      throw new Error(`unknown content filter ${JSON.stringify(op)} in ${JSON.stringify(filter)}`);
  }
}

function leafMatches(filters: unknown[], present: boolean, value: Json | undefined): boolean {
  return filters.some((filter) => {
    if (isObject(filter) && 'exists' in filter) {
      if (typeof filter.exists !== 'boolean') throw new Error(`exists takes true or false, got ${JSON.stringify(filter.exists)}`);
      // exists matches leaves only: an object is not a leaf.
      const leaf = present && value !== undefined && !isObject(value);
      return filter.exists ? leaf : !present;
    }
    if (!present || value === undefined) return false;
    const values: Json[] = Array.isArray(value) ? value : [value];
    return values.some((v) => filterMatches(filter, v));
  });
}

function objectMatches(pattern: { [key: string]: unknown }, event: unknown): boolean {
  for (const [key, condition] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(condition) || condition.length < 2 || !condition.every(isObject)) {
        throw new Error(`$or takes a list of at least two patterns, got ${JSON.stringify(condition)}`);
      }
      if (!condition.some((p) => objectMatches(p as { [key: string]: unknown }, event))) return false;
      continue;
    }
    const present = isObject(event) && Object.prototype.hasOwnProperty.call(event, key);
    const value = present ? (event as { [key: string]: Json })[key] : undefined;
    if (Array.isArray(condition)) {
      if (condition.length === 0) throw new Error(`the pattern of ${key} is an empty list, which matches nothing`);
      if (!leafMatches(condition, present, value)) return false;
    } else if (isObject(condition)) {
      if (!present || !isObject(value)) return false;
      if (!objectMatches(condition, value)) return false;
    } else {
      throw new Error(`the pattern of ${key} must be a list or an object, got ${JSON.stringify(condition)}`);
    }
  }
  return true;
}

/** Whether `event` matches the EventBridge `pattern`. Throws on a pattern it does not understand. */
export function eventMatches(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) throw new Error(`an event pattern is a JSON object, got ${JSON.stringify(pattern)}`);
  return objectMatches(pattern, event);
}
