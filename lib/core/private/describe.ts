import { Token } from 'aws-cdk-lib';

/*
 * How error messages show a value the user gave. `JSON.stringify` is not safe for that: a construct
 * (or anything holding one) is circular and makes it throw a TypeError, a BigInt throws too, a
 * token prints as `"${Token[...]}"` or as a huge negative number, and `undefined` prints as
 * nothing. Every message of the library describes values with `describeValue`.
 */

/** The longest description, characters; longer ones are cut with an ellipsis. */
const MAX_LENGTH = 200;

/** Whether `value` is a CDK token: a value known only at deploy time. */
export function isToken(value: unknown): boolean {
  return (typeof value === 'string' || typeof value === 'number' || (typeof value === 'object' && value !== null)) && Token.isUnresolved(value);
}

/** The words for a value that is a token. */
export const TOKEN_DESCRIPTION = 'a token (a value known only at deploy time)';

/**
 * `value` for an error message: JSON for plain data (as `JSON.stringify` writes it), `a <Class> at '<path>'` for a construct,
 * `a <Class>` for another class instance, `a token (...)` for a token. Never throws.
 */
export function describeValue(value: unknown): string {
  const text = describe(value, 0);
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 3)}...` : text;
}

function describe(value: unknown, depth: number): string {
  try {
    if (value === undefined) return 'undefined';
    if (value === null) return 'null';
    if (isToken(value)) return TOKEN_DESCRIPTION;
    switch (typeof value) {
      case 'string': return JSON.stringify(value);
      case 'number': return String(value);
      case 'bigint': return `${value}n`;
      case 'boolean': return String(value);
      case 'symbol': return value.toString();
      case 'function': return `a function${value.name ? ` (${value.name})` : ''}`;
      default: break;
    }
    const path = (value as { node?: { path?: unknown } }).node?.path;
    const className = classNameOf(value as object);
    if (typeof path === 'string') return `a ${className ?? 'construct'} at '${path}'`;
    if (depth >= 2) return Array.isArray(value) ? '[...]' : '{...}';
    if (Array.isArray(value)) return `[${value.slice(0, 10).map((v) => describe(v, depth + 1)).join(',')}${value.length > 10 ? ',...' : ''}]`;
    const plain = className === undefined || className === 'Object';
    if (!plain) return `a ${className}`;
    const entries = Object.entries(value as object);
    return `{${entries.slice(0, 10).map(([k, v]) => `${JSON.stringify(k)}:${describe(v, depth + 1)}`).join(',')}${entries.length > 10 ? ',...' : ''}}`;
  } catch {
    // A getter that throws, a proxy: the value is still named, if not shown.
    return `a value of type ${typeof value}`;
  }
}

const JSII_RTTI = Symbol.for('jsii.rtti');

/**
 * A class's name as its users write it. aws-cdk-lib's bundled classes are renamed (`Topic2`) and
 * wrapped in subclasses of the same name; their jsii type info keeps the real one. A subclass of
 * ours inherits its base's type info (`Construct`), so the type info is used only when it belongs
 * to the same class as the value's own.
 */
function classNameOf(value: object): string | undefined {
  const ctor = (value as { constructor?: Function }).constructor;
  const name = ctor?.name;
  const bare = (n: string) => n.replace(/\d+$/, '');
  for (let c: Function | undefined = ctor; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    if (!Object.prototype.hasOwnProperty.call(c, JSII_RTTI)) continue;
    const fqn = ((c as unknown as { [key: symbol]: unknown })[JSII_RTTI] as { fqn?: unknown } | undefined)?.fqn;
    const short = typeof fqn === 'string' ? fqn.split('.').pop() : undefined;
    return short !== undefined && name !== undefined && bare(name) === short ? short : name;
  }
  return name;
}
