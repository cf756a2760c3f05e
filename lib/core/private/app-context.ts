import { Node } from 'constructs';

/*
 * Context values of an app (the examples' and bin/'s), read as the CDK CLI hands them over:
 * cdk.json keeps JSON values (a list is a real array), but `-c key=value` always arrives as a
 * string, so a list given on the command line is the text of a JSON list. Each reader accepts both
 * and refuses anything else with a message that names the key and shows the expected form, so a
 * wrong value stops the app before any construct sees it (a string where CloudFormation wants a
 * list otherwise surfaces as a CfnSynthesisError, deep in aws-cdk-lib, at synth).
 *
 * A comma-separated string (`-c baselineRegions=eu-west-1,us-east-1`) is refused, not split: one
 * form for both cdk.json and the command line, and no guessing what a value such as
 * `[eu-west-1]` (JSON without quotes) or `ou-1, ou-2` was meant to be.
 */

/** What a string value must look like. */
export interface StringForm {
  /** The whole value must match. */
  readonly pattern: RegExp;
  /** What the pattern means, for the message: `a 12-digit account ID`. */
  readonly description: string;
  /** A valid value, shown in the message. */
  readonly example: string;
}

/** The account, region and other forms the apps read. */
export const CONTEXT_FORMS = {
  account: { pattern: /^\d{12}$/, description: 'a 12-digit AWS account ID', example: '111122223333' },
  region: { pattern: /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, description: 'an AWS Region name', example: 'eu-west-1' },
  // A StackSet's deployment targets take OU IDs and the organization's root ID (r-...).
  organizationalUnitId: { pattern: /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/, description: 'an AWS Organizations OU or root ID', example: 'ou-abcd-11111111' },
  repository: { pattern: /^[\w.-]+\/[\w.-]+$/, description: 'owner/name', example: 'example-org/iot-platform' },
  // A bucket name (S3's characters), where ${AWS::Region} and ${AWS::AccountId} may stand for the
  // parts a StackSet instance fills in.
  bucketName: {
    pattern: /^(?=.{3,80}$)(?!.*[.-]$)[a-z0-9](?:[a-z0-9.-]|\$\{AWS::(?:Region|AccountId)\})*$/,
    description: 'an S3 bucket name (lower-case letters, digits, dots and hyphens; ${AWS::Region} and ${AWS::AccountId} allowed)',
    // Without a placeholder, which a shell would expand unquoted after -c.
    example: 'iot-baseline-assets-111111111111-eu-west-1',
  },
  connectionArn: {
    pattern: /^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]+$/,
    description: 'a CodeConnections connection ARN',
    example: 'arn:aws:codeconnections:eu-west-1:222222222222:connection/00000000-0000-0000-0000-000000000000',
  },
  certificateArn: {
    pattern: /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/,
    description: 'an ACM certificate ARN',
    example: 'arn:aws:acm:eu-west-1:333333333333:certificate/11111111-1111-1111-1111-111111111111',
  },
} satisfies { [name: string]: StringForm };

/** How a value is shown in a message: strings as they were typed, anything else as JSON. */
function shown(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

/**
 * `context value 'key' must be <what>, e.g. -c key=<example> or "key": <example> in cdk.json; got <value>`.
 * The example is shown as each place takes it: a list as shell-quoted JSON text after -c, as JSON in cdk.json.
 */
function refused(key: string, what: string, example: unknown, value: unknown, hint = ''): Error {
  const typed = typeof example === 'string' ? example : `'${JSON.stringify(example)}'`;
  return new Error(`context value '${key}' must be ${what}, e.g. -c ${key}=${typed} or "${key}": ${JSON.stringify(example)} in cdk.json; `
    + `got ${shown(value)}${hint}`);
}

/** A string context value, checked against `form` when given. */
export function parseContextString(key: string, value: unknown, form?: StringForm): string {
  const what = form?.description ?? 'a string';
  const example = form?.example ?? 'value';
  if (typeof value !== 'string' || value === '') throw refused(key, what, example, value);
  if (form && !form.pattern.test(value)) throw refused(key, what, example, value);
  return value;
}

/**
 * The value of a JSON-list context key: a real array (cdk.json) or the text of a JSON list (`-c`).
 * At least one item: every list the apps read says where something goes, and an empty one would
 * deploy nothing without a word.
 */
function parseList(key: string, value: unknown, what: string, example: unknown[]): unknown[] {
  let list = value;
  if (typeof value === 'string') {
    const hint = /^[^[{"]*,/.test(value) ? ' (a comma-separated value is not read as a list: write it as a JSON list)' : '';
    try {
      list = JSON.parse(value);
    } catch {
      throw refused(key, what, example, value, hint || ' (not valid JSON)');
    }
    if (!Array.isArray(list)) throw refused(key, what, example, value, hint);
  }
  if (!Array.isArray(list) || list.length === 0) throw refused(key, what, example, value);
  return list;
}

/** A list of strings, each checked against `form` when given. */
export function parseContextStringList(key: string, value: unknown, example: string[], form?: StringForm): string[] {
  const what = `a JSON list of strings${form ? `, each ${form.description}` : ''}, at least one`;
  const list = parseList(key, value, what, example);
  const bad = list.find((item) => typeof item !== 'string' || item === '' || (form && !form.pattern.test(item)));
  if (bad !== undefined) throw refused(key, what, example, value, ` (${shown(bad)} is not ${form?.description ?? 'a string'})`);
  const twice = list.find((item, i) => list.indexOf(item) !== i);
  if (twice !== undefined) throw refused(key, `${what}, each once`, example, value, ` (${shown(twice)} is given twice)`);
  return list as string[];
}

/**
 * A list of objects with the given string fields, all required, each checked against its form:
 * `[{ "account": "...", "region": "..." }]`.
 */
export function parseContextObjectList<K extends string>(
  key: string, value: unknown, fields: { readonly [field in K]: StringForm }, example: { [field in K]: string }[], uniqueBy: K[] = [],
): { [field in K]: string }[] {
  const names = Object.keys(fields) as K[];
  const what = `a JSON list of objects with ${names.join(', ')}, at least one${uniqueBy.length ? `, no two with the same ${uniqueBy.join(' and ')}` : ''}`;
  const list = parseList(key, value, what, example);
  const items = list.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw refused(key, what, example, value, ` (item ${i} is not an object)`);
    }
    const record = item as { [field: string]: unknown };
    for (const name of names) {
      const field = record[name];
      if (field === undefined) throw refused(key, what, example, value, ` (item ${i} has no ${name})`);
      if (typeof field !== 'string' || !fields[name].pattern.test(field)) {
        throw refused(key, what, example, value, ` (item ${i}: ${name} ${shown(field)} is not ${fields[name].description})`);
      }
    }
    const unknown = Object.keys(record).filter((k) => !names.includes(k as K));
    if (unknown.length) throw refused(key, what, example, value, ` (item ${i}: unknown ${unknown.join(', ')})`);
    return Object.fromEntries(names.map((name) => [name, record[name]])) as { [field in K]: string };
  });
  if (uniqueBy.length) {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const id = JSON.stringify(uniqueBy.map((f) => item[f]));
      const first = seen.get(id);
      if (first !== undefined) throw refused(key, what, example, value, ` (items ${first} and ${i} have the same ${uniqueBy.join(' and ')})`);
      seen.set(id, i);
    });
  }
  return items;
}

/**
 * Reads an app's context values, collecting every problem: `check()` then throws once, naming
 * each key. Absent keys (undefined) take the fallback the reader is given.
 */
export class AppContext {
  private readonly problems: string[] = [];

  constructor(private readonly node: Node) {}

  /** A string, or `fallback` when the key is absent. */
  public string(key: string, fallback: string, form?: StringForm): string;
  public string(key: string, fallback: undefined, form?: StringForm): string | undefined;
  public string(key: string, fallback: string | undefined, form?: StringForm): string | undefined {
    return this.read(key, fallback, (v) => parseContextString(key, v, form));
  }

  /** A JSON list of strings, or `fallback` when the key is absent. */
  public stringList(key: string, fallback: string[], form?: StringForm): string[] {
    return this.read(key, fallback, (v) => parseContextStringList(key, v, fallback, form));
  }

  /** A JSON list of objects with the given string fields (no two alike in `uniqueBy`), or `fallback` when the key is absent. */
  public objectList<K extends string>(key: string, fallback: { [field in K]: string }[], fields: { readonly [field in K]: StringForm }, uniqueBy: K[] = []): { [field in K]: string }[] {
    return this.read(key, fallback, (v) => parseContextObjectList(key, v, fields, fallback, uniqueBy));
  }

  /** Throws one error listing every problem found, if any. */
  public check(): void {
    if (this.problems.length) throw new Error(this.problems.join('\n'));
  }

  private read<T>(key: string, fallback: T, parse: (value: unknown) => T): T {
    const value = this.node.tryGetContext(key);
    if (value === undefined) return fallback;
    try {
      return parse(value);
    } catch (e) {
      this.problems.push((e as Error).message);
      return fallback;
    }
  }
}

/**
 * Runs `read` over the app's context and returns what it read; when a value is wrong, writes each
 * problem to stderr and ends the process with status 2 (bad input), so `cdk synth` shows the
 * messages, not a stack trace.
 */
export function readAppContext<T>(node: Node, read: (context: AppContext) => T): T {
  const context = new AppContext(node);
  const values = read(context);
  try {
    context.check();
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  return values;
}
