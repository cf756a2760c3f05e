/*
 * A small walker over an Amazon States Language definition, for testing which way a state
 * machine goes: Task results come from the test (a value, or an error to throw), Choice rules
 * are evaluated, ResultPath is applied. Enough of ASL for the library's state machines; not an
 * emulator (no Parameters, no ResultSelector: the test supplies what a task's result path gets).
 */

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What a task gives back: its result, or `{ error }` to fail with that error name. */
export type TaskOutcome = Json | { error: string };

function get(doc: Json, path: string): Json {
  if (path === '$') return doc;
  return path.replace(/^\$\./, '').split('.').reduce((v, k) => (v === undefined || v === null ? undefined : v[k]), doc);
}

function set(doc: Json, path: string | null | undefined, value: Json): Json {
  if (path === null) return doc;
  if (path === undefined || path === '$') return value;
  const copy = structuredClone(doc);
  const keys = path.replace(/^\$\./, '').split('.');
  let at = copy;
  for (const k of keys.slice(0, -1)) at = at[k] ??= {};
  at[keys[keys.length - 1]] = value;
  return copy;
}

function holds(rule: Json, doc: Json): boolean {
  if (rule.And) return rule.And.every((r: Json) => holds(r, doc));
  if (rule.Or) return rule.Or.some((r: Json) => holds(r, doc));
  if (rule.Not) return !holds(rule.Not, doc);
  const v = get(doc, rule.Variable);
  if ('IsPresent' in rule) return (v !== undefined) === rule.IsPresent;
  if ('StringEquals' in rule) return v === rule.StringEquals;
  if ('BooleanEquals' in rule) return v === rule.BooleanEquals;
  if ('NumericEquals' in rule) return v === rule.NumericEquals;
  if ('NumericGreaterThanEquals' in rule) return typeof v === 'number' && v >= rule.NumericGreaterThanEquals;
  throw new Error(`asl-walk: unsupported rule ${JSON.stringify(rule)}`);
}

/**
 * Walks `definition` from its start with `input`; `outcome(stateName, visit)` answers each Task
 * (visit counts from 1 for loops). Returns the states visited, in order, and the end state.
 */
export function walk(definition: Json, input: Json, outcome: (state: string, visit: number) => TaskOutcome, maxSteps = 200): { path: string[]; end: string; output: Json } {
  const path: string[] = [];
  const visits: { [name: string]: number } = {};
  let name: string = definition.StartAt;
  let doc = input;
  for (let step = 0; step < maxSteps; step++) {
    const state = definition.States[name];
    if (!state) throw new Error(`asl-walk: no state ${name}`);
    path.push(name);
    visits[name] = (visits[name] ?? 0) + 1;
    switch (state.Type) {
      case 'Succeed':
      case 'Fail':
        return { path, end: state.Type, output: doc };
      case 'Pass':
      case 'Wait':
        break;
      case 'Choice': {
        const rule = (state.Choices as Json[]).find((c) => holds(c, doc));
        name = rule ? rule.Next : state.Default;
        if (!name) throw new Error(`asl-walk: no choice matched in ${path[path.length - 1]}`);
        continue;
      }
      case 'Task': {
        const result = outcome(name, visits[name]);
        if (result && typeof result === 'object' && 'error' in result) {
          const c = (state.Catch ?? []).find((x: Json) => x.ErrorEquals.includes(result.error) || x.ErrorEquals.includes('States.ALL'));
          if (!c) return { path, end: `Uncaught:${result.error}`, output: doc };
          doc = set(doc, c.ResultPath, { Error: result.error });
          name = c.Next;
          continue;
        }
        doc = set(doc, state.ResultPath, result);
        break;
      }
      default:
        throw new Error(`asl-walk: unsupported state type ${state.Type}`);
    }
    if (state.End) return { path, end: 'End', output: doc };
    name = state.Next;
  }
  throw new Error('asl-walk: too many steps');
}
