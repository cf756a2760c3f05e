import { CfnResource } from 'aws-cdk-lib';
import { parse as parseYaml } from 'yaml';
import { Findings, possibleValues, referencedParameter, Unresolved } from './cfn-values';
import { eachReading, evaluate, Evaluated, field, isJsonObject, Placeholders } from './intrinsics';

/**
 * Documents that a property holds as a string: a Greengrass deployment's configuration merge
 * (`ConfigurationUpdate.Merge`, a JSON string), a component recipe (`InlineRecipe`, JSON or YAML),
 * an IoT job document (`Document`, JSON). The string may be written literally, built with
 * `Fn::Join`/`Fn::Sub` around references (what CDK renders for `JSON.stringify` or
 * `Stack.toJsonString` of a value holding tokens), chosen by `Fn::If`, or come from a parameter.
 *
 * Each form the property can deploy in (both branches of an `Fn::If`, each allowed value of a
 * parameter) is rendered with the pack's evaluator (`intrinsics.evaluate`) and parsed. A value
 * only known at deploy time stays a placeholder inside the string it was part of, so the rest of
 * the document can still be judged; `scalar` tells a rule whether a value it reads is one.
 */

/** One form of a document, parsed, with the table its placeholders decode against. */
export interface ParsedDocument {
  readonly document: Evaluated;
  readonly ph: Placeholders;
}

/** How a document string is written. */
export type DocumentSyntax = 'json' | 'json-or-yaml';

function parameterValues(node: CfnResource, name: string): readonly (string | Unresolved)[] | undefined {
  const ref = { Ref: name };
  if (!referencedParameter(node, ref)) return undefined;
  return possibleValues(node, ref).map((v) => (typeof v === 'string' || v instanceof Unresolved ? v : new Unresolved(`Ref:${name}`)));
}

/** One form a value can deploy in, rendered, with the table its placeholders decode against. */
export interface RenderedForm {
  readonly value: Evaluated;
  readonly ph: Placeholders;
}

/**
 * Every form `value` can deploy in (each branch of an `Fn::If`, each allowed value of a
 * parameter), rendered by the pack's evaluator; absent forms are left out. A form that cannot be
 * read at all (an import, a parameter without allowed values in structural position), or more
 * forms than the evaluator reads, adds `Unresolved::<path>` to `findings`.
 */
export function renderedForms(node: CfnResource, value: unknown, path: string, findings: Findings): RenderedForm[] {
  if (value === undefined) return [];
  const ph = new Placeholders();
  const readings = eachReading((reading) => evaluate(value, ph, 'cloudformation', reading), (name) => parameterValues(node, name));
  if (!readings.complete) findings.add('Unresolved', path);
  const out: RenderedForm[] = [];
  for (const rendered of readings.results) {
    if (rendered === undefined) continue;
    if (rendered instanceof Unresolved) findings.add('Unresolved', path);
    else out.push({ value: rendered, ph });
  }
  return out;
}

/**
 * Every form the document in `value` can deploy in, parsed (see `renderedForms`). An absent value
 * yields nothing. A string that does not parse once rendered adds `Unresolved::<path>` when a
 * deploy-time value made it so, `Invalid::<path>` when it is a literal that is not a document in
 * `syntax` (the service would reject it).
 */
export function parsedDocuments(
  node: CfnResource, value: unknown, syntax: DocumentSyntax, path: string, findings: Findings,
): ParsedDocument[] {
  const out: ParsedDocument[] = [];
  for (const { value: rendered, ph } of renderedForms(node, value, path, findings)) {
    if (typeof rendered !== 'string') {
      // CloudFormation wants a string here; an object written in its place is read as the document it would serialize to.
      out.push({ document: rendered, ph });
      continue;
    }
    if (rendered.trim() === '') continue;
    const parsed = parseText(rendered, syntax);
    if (parsed === undefined) findings.add(ph.isLiteral(rendered) ? 'Invalid' : 'Unresolved', path);
    else out.push({ document: parsed, ph });
  }
  return out;
}

function parseText(text: string, syntax: DocumentSyntax): Evaluated | undefined {
  try {
    return JSON.parse(text) as Evaluated;
  } catch {
    if (syntax === 'json') return undefined;
  }
  try {
    const parsed = parseYaml(text, { maxAliasCount: 100 }) as unknown;
    return parsed === null || typeof parsed !== 'object' ? undefined : (parsed as Evaluated);
  } catch {
    return undefined;
  }
}

/**
 * A scalar of a parsed document as text: a literal string, number or boolean as its text;
 * `Unresolved` for a string holding a value known only at deploy time; `undefined` for absent
 * or for a list or object.
 */
export function scalar(value: Evaluated | undefined, ph: Placeholders): string | Unresolved | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Unresolved) return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return undefined;
  return ph.isLiteral(value) ? value : new Unresolved('deploy-time value');
}

/** The members of an object of a parsed document, or none for anything else. */
export function members(value: Evaluated | undefined): [string, Evaluated][] {
  return isJsonObject(value) ? Object.entries(value) : [];
}

/**
 * The member `name` of an object of a parsed document: the exact key, else the same key in
 * another casing (Greengrass recipes and configurations are written in both).
 */
export function member(value: Evaluated | undefined, name: string): Evaluated | undefined {
  return isJsonObject(value) ? field(value, name) : undefined;
}

/** The items of a list of a parsed document; a single value is a list of one. */
export function items(value: Evaluated | undefined): Evaluated[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * The literal strings of a list (or of a single value) of a parsed document, trimmed; each value
 * known only at deploy time adds `Unresolved::<path>` to `findings`.
 */
export function literalTexts(value: Evaluated | undefined, ph: Placeholders, findings: Findings, path: string): string[] {
  const out: string[] = [];
  for (const item of items(value)) {
    const text = scalar(item, ph);
    if (text instanceof Unresolved) findings.add('Unresolved', path);
    else if (text !== undefined) out.push(text.trim());
  }
  return out;
}
