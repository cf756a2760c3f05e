/*
 * A parser of the AWS IoT fleet indexing query syntax (the `queryString` of SearchIndex and of
 * dynamic thing groups): terms `field:value`, quoted values, wildcards `*` and `?` in values,
 * ranges `field:[a TO b]` / `{a TO b}` (`*` as an open bound), comparisons `field<n`, `<=`, `>`,
 * `>=`, `AND`, `OR`, `NOT`, implicit AND between terms, parentheses. It rejects what AWS IoT
 * would reject at deploy time (or accept and match nothing): an unknown field, a term without a
 * field, an unbalanced parenthesis, a missing operand. It returns the fields each query reads and
 * how, so `DeviceInventory` can ask the app's fleet indexing for them.
 */

import { describeValue } from '../../core/private/describe';

/** How a query reads a field. */
export interface FieldUse {
  /** The field, e.g. `attributes.site`, `connectivity.connected`. */
  readonly field: string;
  /** True when compared or ranged, which needs a typed (custom or managed) field. */
  readonly ranged: boolean;
  /** True when compared with a number (the field must be indexed as a Number). */
  readonly numeric: boolean;
}

/** A parsed query node. */
export type QueryNode =
  | { readonly kind: 'and' | 'or'; readonly left: QueryNode; readonly right: QueryNode }
  | { readonly kind: 'not'; readonly operand: QueryNode }
  | { readonly kind: 'term'; readonly field: string; readonly op: ':' | '<' | '<=' | '>' | '>=' | 'range'; readonly values: readonly string[] };

type TokenKind = 'word' | 'quoted' | '(' | ')' | ':' | 'cmp' | '[' | ']' | '{' | '}' | 'AND' | 'OR' | 'NOT' | 'TO' | 'end';
interface Tok { readonly kind: TokenKind; readonly text: string; readonly at: number }

/** A query AWS IoT would not accept, with the position (1-based) where it goes wrong. */
export class QuerySyntaxError extends Error {}

const WORD_CHAR = /[^\s()[\]{}:<>="]/;

function tokenize(query: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    if (/\s/.test(c)) { i++; continue; }
    if ('()[]{}:'.includes(c)) { toks.push({ kind: c as TokenKind, text: c, at: i }); i++; continue; }
    if (c === '<' || c === '>') {
      const text = query[i + 1] === '=' ? `${c}=` : c;
      toks.push({ kind: 'cmp', text, at: i });
      i += text.length;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let text = '';
      while (j < query.length && query[j] !== '"') {
        if (query[j] === '\\' && j + 1 < query.length) j++;
        text += query[j++];
      }
      if (j >= query.length) throw new QuerySyntaxError(`unterminated quoted value starting at position ${i + 1}`);
      toks.push({ kind: 'quoted', text, at: i });
      i = j + 1;
      continue;
    }
    if (c === '=') throw new QuerySyntaxError(`'=' at position ${i + 1}: use ':' to match a field`);
    let j = i;
    while (j < query.length && (WORD_CHAR.test(query[j]) || (query[j] === '\\' && j + 1 < query.length && j++ >= 0))) j++;
    const text = query.slice(i, j);
    const kind: TokenKind = text === 'AND' || text === 'OR' || text === 'NOT' || text === 'TO' ? text : 'word';
    toks.push({ kind, text, at: i });
    i = j;
  }
  toks.push({ kind: 'end', text: '', at: query.length });
  return toks;
}

/** The fields fleet indexing knows, beside `attributes.*`, `shadow.*` and `deviceDefender.*`. */
const MANAGED_FIELDS = new Set([
  'thingName', 'thingId', 'thingTypeName', 'thingGroupNames', 'registry.version',
  'connectivity.connected', 'connectivity.timestamp', 'connectivity.disconnectReason', 'connectivity.version',
]);
const FIELD_FORMS = [
  /^attributes\.[A-Za-z0-9_.,@/:#-]{1,128}$/,
  /^shadow\.(reported|desired|delta)\.[A-Za-z0-9_.-]{1,128}$/,
  /^shadow\.(version|hasDelta)$/,
  /^shadow\.name\.[A-Za-z0-9:_-]{1,64}\.((reported|desired|delta)\.[A-Za-z0-9_.-]{1,128}|version|hasDelta)$/,
  /^deviceDefender\.(violationCount|[A-Za-z0-9:_-]{1,128}\.[A-Za-z0-9:_-]{1,128}\.(inViolation|metricValue\.[A-Za-z]+|lastViolationTime|lastViolationValue\.[A-Za-z]+))$/,
];
const NUMBER = /^-?\d+(\.\d+)?$/;

class Parser {
  private pos = 0;
  public readonly uses: FieldUse[] = [];
  constructor(private readonly toks: Tok[]) {}

  public parse(): QueryNode {
    if (this.kind() === 'end') throw new QuerySyntaxError('the query is empty');
    const node = this.or();
    if (this.kind() !== 'end') throw this.unexpected('AND, OR or the end of the query');
    return node;
  }

  private get peek(): Tok { return this.toks[this.pos]; }
  private kind(): TokenKind { return this.toks[this.pos].kind; }
  private next(): Tok { return this.toks[this.pos++]; }
  private unexpected(expected: string): QuerySyntaxError {
    const t = this.peek;
    return new QuerySyntaxError(`expected ${expected} at position ${t.at + 1}, found ${t.kind === 'end' ? 'the end of the query' : JSON.stringify(t.text)}`);
  }

  private or(): QueryNode {
    let left = this.and();
    while (this.kind() === 'OR') {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): QueryNode {
    let left = this.not();
    for (;;) {
      if (this.kind() === 'AND') {
        this.next();
      } else if (!(['word', 'quoted', '(', 'NOT'] as TokenKind[]).includes(this.kind())) {
        return left;
      }
      left = { kind: 'and', left, right: this.not() };
    }
  }

  private not(): QueryNode {
    if (this.kind() === 'NOT') {
      this.next();
      return { kind: 'not', operand: this.not() };
    }
    if (this.kind() === '(') {
      this.next();
      const inner = this.or();
      if (this.kind() !== ')') throw this.unexpected("')'");
      this.next();
      return inner;
    }
    return this.term();
  }

  private term(): QueryNode {
    const fieldTok = this.peek;
    if (fieldTok.kind !== 'word') throw this.unexpected('a field such as attributes.site');
    this.next();
    const field = fieldTok.text;
    if (this.kind() !== ':' && this.kind() !== 'cmp') {
      throw new QuerySyntaxError(`${JSON.stringify(field)} at position ${fieldTok.at + 1} has no field: write field:value (e.g. thingName:${field})`);
    }
    if (!MANAGED_FIELDS.has(field) && !FIELD_FORMS.some((f) => f.test(field))) {
      throw new QuerySyntaxError(`unknown field ${JSON.stringify(field)} at position ${fieldTok.at + 1}: fleet indexing knows ${[...MANAGED_FIELDS].join(', ')}, attributes.<name>, shadow.(reported|desired).<path>, shadow.name.<shadow>.<...> and deviceDefender.<...>`);
    }
    const opTok = this.next();
    if (opTok.kind === 'cmp') {
      const quoted = this.kind() === 'quoted';
      const value = this.value(false);
      this.uses.push({ field, ranged: true, numeric: !quoted && NUMBER.test(value) });
      return { kind: 'term', field, op: opTok.text as '<', values: [value] };
    }
    if (this.kind() === '[' || this.kind() === '{') {
      this.next();
      const lowQuoted = this.kind() === 'quoted';
      const low = this.value(true);
      if (this.kind() !== 'TO') throw this.unexpected("'TO' in a range");
      this.next();
      const highQuoted = this.kind() === 'quoted';
      const high = this.value(true);
      if (this.kind() !== ']' && this.kind() !== '}') throw this.unexpected("']' or '}' closing the range");
      this.next();
      if (low === '*' && high === '*') throw new QuerySyntaxError(`the range of ${field} at position ${fieldTok.at + 1} has no bound: use ${field}:* to match any value`);
      this.uses.push({ field, ranged: true, numeric: !lowQuoted && !highQuoted && [low, high].every((v) => v === '*' || NUMBER.test(v)) });
      return { kind: 'term', field, op: 'range', values: [low, high] };
    }
    const value = this.value(true);
    this.uses.push({ field, ranged: false, numeric: false });
    return { kind: 'term', field, op: ':', values: [value] };
  }

  private value(wildcardOk: boolean): string {
    const t = this.peek;
    if (t.kind === 'quoted') { this.next(); return t.text; }
    if (t.kind !== 'word') throw this.unexpected('a value');
    if (!wildcardOk && /[*?]/.test(t.text)) throw new QuerySyntaxError(`a comparison takes no wildcard: ${JSON.stringify(t.text)} at position ${t.at + 1}`);
    this.next();
    return t.text;
  }
}

/** Parses a fleet indexing query; throws `QuerySyntaxError` saying where and why it is invalid. */
export function parseFleetIndexQuery(query: string): { readonly ast: QueryNode; readonly uses: readonly FieldUse[] } {
  if (typeof query !== 'string') throw new QuerySyntaxError(`the query must be a string, got ${describeValue(query)}`);
  if (query.length > 1000) throw new QuerySyntaxError(`the query is ${query.length} characters long; AWS IoT takes at most 1000`);
  const parser = new Parser(tokenize(query));
  const ast = parser.parse();
  return { ast, uses: parser.uses };
}
