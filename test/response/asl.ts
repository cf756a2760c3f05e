/*
 * Test helpers for the playbooks' state machines: the rendered definition with CloudFormation
 * references replaced by placeholders (for asl-validator), and a walker that follows a
 * definition from its start: it evaluates the JSONata of Assign, Output and Choice conditions
 * for real (with the jsonata package Step Functions' JSONata is based on) and takes each
 * Task's result (or error) from the test. Enough to prove each path; not a full interpreter.
 */
import { Template } from 'aws-cdk-lib/assertions';
import jsonata from 'jsonata';

export interface Asl {
  readonly StartAt: string;
  readonly QueryLanguage?: string;
  readonly States: { [name: string]: AslState };
}
export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Comment?: string;
  readonly Resource?: string;
  readonly Arguments?: unknown;
  readonly Assign?: { [name: string]: unknown };
  readonly Output?: unknown;
  readonly Choices?: { Condition: string; Next: string }[];
  readonly Default?: string;
  readonly Catch?: { ErrorEquals: string[]; Next: string; Output?: unknown }[];
  readonly TimeoutSeconds?: number;
  readonly Items?: unknown;
  readonly ItemProcessor?: { StartAt: string; States: { [name: string]: AslState } };
}

/** Every state of a definition, those inside Map states included. */
export function allStates(asl: { States: { [name: string]: AslState } }): { [name: string]: AslState } {
  const out: { [name: string]: AslState } = {};
  for (const [name, state] of Object.entries(asl.States)) {
    out[name] = state;
    if (state.ItemProcessor) Object.assign(out, allStates(state.ItemProcessor));
  }
  return out;
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { [k: string]: unknown };
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(sep);
  }
  if (v.Ref === 'AWS::Partition') return 'aws';
  if (v.Ref === 'AWS::Region') return 'eu-west-1';
  if (v.Ref === 'AWS::AccountId') return '111122223333';
  if (v.Ref) return `${v.Ref}`;
  if (v['Fn::GetAtt']) {
    const [id, attr] = v['Fn::GetAtt'] as [string, string];
    return attr === 'Arn' ? `arn:aws:lambda:eu-west-1:111122223333:function:${id}` : `${id}.${attr}`;
  }
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

/** The definitions of every state machine in a template, by logical ID. */
export function definitions(template: Template): { [logicalId: string]: Asl } {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  return Object.fromEntries(Object.entries(machines).map(([id, r]) => [id, JSON.parse(flatten(r.Properties.DefinitionString))]));
}

type Result = unknown | { error: string; cause?: string };
const isError = (r: unknown): r is { error: string; cause?: string } => typeof r === 'object' && r !== null && 'error' in r;

async function evaluate(value: unknown, bindings: { [k: string]: unknown }): Promise<unknown> {
  if (typeof value === 'string') {
    const m = /^\{%([\s\S]*)%\}$/.exec(value.trim());
    if (!m) return value;
    return jsonata(m[1]).evaluate({}, bindings);
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => evaluate(v, bindings)));
  if (value && typeof value === 'object') {
    const out: { [k: string]: unknown } = {};
    for (const [k, v] of Object.entries(value)) out[k] = await evaluate(v, bindings);
    return out;
  }
  return value;
}

export interface Walk {
  /** The states visited, in order. */
  readonly path: string[];
  /** The variables at the end. */
  readonly variables: { [name: string]: unknown };
  /** The arguments each Task was called with, by state. */
  readonly calls: { [state: string]: unknown };
  /** The type of the last state: Succeed or Fail (or a state with End). */
  readonly end: string;
}

/**
 * Walks `asl` from its start with `input`. A Task's result is `results[state]` (default `{}`);
 * `{ error: 'States.Timeout' }` makes it fail with that error, which its Catch handles.
 */
export async function walk(asl: Asl, input: unknown, results: { [state: string]: Result } = {}, executionName = 'incident-1'): Promise<Walk> {
  const path: string[] = [];
  const calls: { [state: string]: unknown } = {};
  let variables: { [name: string]: unknown } = {};
  let name = asl.StartAt;
  let stateInput: unknown = input;
  const context = { Execution: { Name: executionName, StartTime: '2026-11-30T00:00:00Z' }, Task: { Token: 'token-1' } };
  for (let steps = 0; steps < 100; steps++) {
    const state = asl.States[name];
    if (!state) throw new Error(`no state ${name}`);
    path.push(name);
    const base = { ...variables, states: { input: stateInput, context } };
    if (state.Type === 'Succeed' || state.Type === 'Fail') return { path, variables, calls, end: state.Type };
    if (state.Type === 'Choice') {
      let next = state.Default;
      for (const choice of state.Choices ?? []) {
        if (await evaluate(choice.Condition, base) === true) { next = choice.Next; break; }
      }
      if (!next) throw new Error(`Choice ${name}: no branch matched and no Default`);
      name = next;
      continue;
    }
    let result: unknown = stateInput;
    if (state.Type === 'Task' || state.Type === 'Map') {
      // A Map is taken as one call with its items; its result (default []) comes from the test.
      calls[name] = await evaluate(state.Type === 'Map' ? state.Items : state.Arguments, base);
      const r = results[name] ?? (state.Type === 'Map' ? [] : {});
      if (isError(r)) {
        const handler = state.Catch?.find((c) => c.ErrorEquals.includes(r.error) || c.ErrorEquals.includes('States.ALL'));
        if (!handler) return { path, variables, calls, end: `Uncaught ${r.error}` };
        const errorOutput = { Error: r.error, Cause: r.cause ?? '' };
        stateInput = handler.Output === undefined ? errorOutput : await evaluate(handler.Output, { ...base, states: { ...base.states, errorOutput } });
        name = handler.Next;
        continue;
      }
      result = r;
    }
    const withResult = { ...base, states: { ...base.states, result } };
    if (state.Assign) {
      const assigned = await evaluate(state.Assign, withResult) as { [k: string]: unknown };
      variables = { ...variables, ...assigned };
    }
    stateInput = state.Output === undefined ? result : await evaluate(state.Output, withResult);
    if (state.End || !state.Next) return { path, variables, calls, end: state.Type };
    name = state.Next;
  }
  throw new Error('walk: more than 100 steps');
}
