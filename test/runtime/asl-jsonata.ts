/*
 * A small interpreter for Step Functions state machines written in the JSONata query language,
 * on jsonata 2.0.6 (the version Step Functions implements), for tests: it runs a definition from
 * its start with the tasks answered by test doubles, so every branch of a playbook can be run
 * offline, inputs an attacker controls included. aws-local-stepfunctions runs JSONPath definitions
 * only.
 *
 * What it follows of Step Functions (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html
 * and the state type pages):
 * - `{% expr %}` strings anywhere in Arguments, Output, Assign, Items, ItemSelector, a Choice
 *   rule's Condition, Fail's Error and Cause, Wait's Seconds and Timestamp, TimeoutSeconds; an
 *   expression that evaluates to undefined is a States.QueryEvaluationError (as Step Functions
 *   reports a field whose expression returns nothing).
 * - `$states`: input, result (Task, Map, Parallel), errorOutput (Catch), context (Execution,
 *   State, StateMachine, Task.Token for `.waitForTaskToken`, Map.Item).
 * - Variables: Assign and Output of one state are both evaluated with the variables as they were
 *   when the state was entered, then the assignments apply at once. A Map iteration or a Parallel
 *   branch sees the outer variables; what it assigns stays inside it, and assigning an outer
 *   variable's name inside it is an error, as Step Functions refuses it.
 * - Retry (ErrorEquals, MaxAttempts, no waiting) and Catch (ErrorEquals, Output, Assign, Next);
 *   `States.ALL` matches every error, `States.TaskFailed` every error but States.Timeout.
 * - Step Functions' own functions: $partition, $range, $hash, $random, $uuid, $parse; $eval is
 *   refused as Step Functions refuses it. JSONata's own ($now, $millis, $string...) come with it.
 *
 * Tasks are answered by doubles keyed by the task's Resource ARN
 * (`arn:aws:states:::aws-sdk:iot:describeThing`, `arn:aws:states:::dynamodb:updateItem`,
 * `arn:aws:states:::lambda:invoke.waitForTaskToken`...): a double gets the evaluated Arguments
 * and returns the task's result (for `.waitForTaskToken`, the output the decision sends with
 * SendTaskSuccess), or throws `new TaskFailure(error, cause)`. A task whose Resource has no
 * double fails the run loudly (a test must say what every call does). Every call is recorded.
 */
import * as crypto from 'crypto';
import jsonata from 'jsonata';

/** One state of a JSONata definition, as far as this interpreter reads it. */
export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Comment?: string;
  readonly QueryLanguage?: string;
  readonly Resource?: string;
  readonly Arguments?: unknown;
  readonly Output?: unknown;
  readonly Assign?: { [name: string]: unknown };
  readonly Catch?: { ErrorEquals: string[]; Next: string; Output?: unknown; Assign?: { [name: string]: unknown } }[];
  readonly Retry?: { ErrorEquals: string[]; MaxAttempts?: number; IntervalSeconds?: number; BackoffRate?: number }[];
  readonly TimeoutSeconds?: number | string;
  readonly HeartbeatSeconds?: number | string;
  readonly Choices?: { Condition: string; Next: string; Output?: unknown; Assign?: { [name: string]: unknown } }[];
  readonly Default?: string;
  readonly Seconds?: number | string;
  readonly Timestamp?: string;
  readonly Error?: string;
  readonly Cause?: string;
  readonly Items?: unknown;
  readonly ItemSelector?: unknown;
  readonly ItemProcessor?: AslMachine;
  readonly Iterator?: AslMachine;
  readonly MaxConcurrency?: number | string;
  readonly Branches?: AslMachine[];
}

/** A definition (or a Map's item processor, or a Parallel branch). */
export interface AslMachine {
  readonly StartAt: string;
  readonly States: { [name: string]: AslState };
  readonly QueryLanguage?: string;
  readonly Comment?: string;
  readonly TimeoutSeconds?: number;
}

/** The context a double gets beside the arguments. */
export interface TaskContext {
  /** The state's name. */
  readonly state: string;
  /** The task's Resource ARN. */
  readonly resource: string;
  /** The task token, for a `.waitForTaskToken` task. */
  readonly taskToken?: string;
}

/** A test double for one task Resource: returns the task's result or throws a TaskFailure. */
export type TaskDouble = (args: any, context: TaskContext) => unknown | Promise<unknown>;

/** Test doubles by task Resource ARN. */
export interface TaskDoubles { [resource: string]: TaskDouble }

/** A task's failure as Step Functions names it (`Iot.ResourceNotFoundException`, `States.Timeout`...). */
export class TaskFailure extends Error {
  constructor(public readonly error: string, public readonly cause: string = '') {
    super(`${error}: ${cause}`);
  }
}

/** One call a task made. */
export interface TaskCall {
  /** The state that made it. */
  readonly state: string;
  /** The task's Resource ARN. */
  readonly resource: string;
  /** The service (`iot`, `dynamodb`, `lambda`, `sns`...). */
  readonly service: string;
  /** The action as the Resource names it (`updateCertificate`, `putItem`, `invoke`). */
  readonly action: string;
  /** The arguments, evaluated. */
  readonly arguments: any;
}

/** The end of a run. */
export interface RunResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Every task call, in order. */
  readonly calls: TaskCall[];
  /** Every state entered, in order (states of Map iterations and Parallel branches included). */
  readonly states: string[];
  /** The top-level variables at the end. */
  readonly variables: { [name: string]: unknown };
}

/** Options of a run. */
export interface RunOptions {
  /** The execution's name (`$states.context.Execution.Name`). */
  readonly executionName?: string;
  /** The execution's start time. */
  readonly startTime?: string;
  /** The state machine's ARN. */
  readonly stateMachineArn?: string;
  /** At most this many state transitions (a loop that never ends fails the run). */
  readonly maxTransitions?: number;
}

/** A failure inside the run, as Step Functions would name it. */
class StatesError extends Error {
  constructor(public readonly error: string, public readonly cause: string) {
    super(`${error}: ${cause}`);
  }
}

const EXPRESSION = /^\{%([\s\S]*)%\}$/;

/** The service and action of a task Resource ARN. */
export function taskTarget(resource: string): { service: string; action: string; pattern?: string } {
  const m = /^arn:[^:]+:states:::(?:aws-sdk:)?([a-z0-9-]+):([A-Za-z0-9]+)(?:\.(sync|waitForTaskToken))?(?::\d+)?$/.exec(resource);
  if (!m) throw new Error(`asl-jsonata: cannot read the task Resource ${JSON.stringify(resource)}`);
  return { service: m[1], action: m[2], pattern: m[3] };
}

function hash(data: string, algorithm: string): string {
  const names: { [a: string]: string } = { 'MD5': 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
  const name = names[algorithm ?? 'SHA-256'];
  if (!name) throw new StatesError('States.QueryEvaluationError', `$hash: unsupported algorithm ${algorithm}`);
  return crypto.createHash(name).update(String(data)).digest('hex');
}

/** Step Functions' own JSONata functions (and $eval, which it refuses). */
const FUNCTIONS: { [name: string]: (...args: any[]) => unknown } = {
  partition: (array: unknown[], size: number) => {
    if (!Array.isArray(array) || !(size > 0)) throw new StatesError('States.QueryEvaluationError', '$partition needs an array and a positive size');
    const out: unknown[][] = [];
    for (let i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));
    return out;
  },
  range: (start: number, end: number, step = 1) => {
    if (step === 0) throw new StatesError('States.QueryEvaluationError', '$range: step must not be 0');
    const out: number[] = [];
    for (let v = start; step > 0 ? v <= end : v >= end; v += step) out.push(v);
    return out;
  },
  hash,
  random: () => Math.random(),
  uuid: () => crypto.randomUUID(),
  parse: (text: string) => {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new StatesError('States.QueryEvaluationError', `$parse: ${(e as Error).message}`);
    }
  },
  eval: () => { throw new StatesError('States.QueryEvaluationError', '$eval is not supported by Step Functions'); },
};

const compiled = new Map<string, jsonata.Expression>();

async function evalExpression(expr: string, bindings: { [k: string]: unknown }, where: string): Promise<unknown> {
  let e = compiled.get(expr);
  if (!e) {
    try {
      e = jsonata(expr);
    } catch (err) {
      throw new Error(`asl-jsonata: ${where}: the JSONata ${JSON.stringify(expr)} does not parse: ${(err as Error).message}`);
    }
    compiled.set(expr, e);
  }
  let value: unknown;
  try {
    value = await e.evaluate(undefined, { ...FUNCTIONS, ...bindings });
  } catch (err) {
    if (err instanceof StatesError) throw err;
    throw new StatesError('States.QueryEvaluationError', `${where}: ${(err as Error).message}`);
  }
  if (value === undefined) {
    throw new StatesError('States.QueryEvaluationError', `${where}: the JSONata expression '${expr.trim()}' returned nothing (undefined)`);
  }
  // JSONata sequences and frozen arrays become plain JSON, as Step Functions hands values on as JSON.
  return JSON.parse(JSON.stringify(value));
}

/** A field's value: `{% %}` strings evaluated, at any depth. */
async function template(value: unknown, bindings: { [k: string]: unknown }, where: string): Promise<unknown> {
  if (typeof value === 'string') {
    const m = EXPRESSION.exec(value.trim());
    return m ? evalExpression(m[1], bindings, where) : value;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [i, v] of value.entries()) out.push(await template(v, bindings, `${where}[${i}]`));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: { [k: string]: unknown } = {};
    for (const [k, v] of Object.entries(value)) out[k] = await template(v, bindings, `${where}.${k}`);
    return out;
  }
  return value;
}

function matches(errorEquals: string[], error: string): boolean {
  return errorEquals.some((e) => e === error || e === 'States.ALL' || (e === 'States.TaskFailed' && error !== 'States.Timeout' && !error.startsWith('States.Runtime')));
}

interface Scope {
  /** Variables visible here: the outer ones and this scope's own. */
  vars: { [name: string]: unknown };
  /** Names of outer variables this scope may read but not assign. */
  readonly outer: Set<string>;
}

class Run {
  public readonly calls: TaskCall[] = [];
  public readonly states: string[] = [];
  private transitions = 0;
  private tokens = 0;

  constructor(private readonly doubles: TaskDoubles, private readonly execution: object, private readonly options: RunOptions) {}

  /** Runs a machine (or a branch, or an iteration) to its end; throws StatesError on failure. */
  public async machine(m: AslMachine, input: unknown, scope: Scope, extraContext: object = {}): Promise<unknown> {
    let name = m.StartAt;
    let stateInput = input;
    for (;;) {
      if (++this.transitions > (this.options.maxTransitions ?? 1000)) throw new Error('asl-jsonata: too many transitions (a loop?)');
      const state = m.States[name];
      if (!state) throw new Error(`asl-jsonata: no state ${JSON.stringify(name)}`);
      if (state.QueryLanguage && state.QueryLanguage !== 'JSONata') throw new Error(`asl-jsonata: state ${name} is not JSONata`);
      this.states.push(name);
      const step = await this.state(name, state, stateInput, scope, extraContext);
      if (step.next === undefined) return step.output;
      name = step.next;
      stateInput = step.output;
    }
  }

  private context(name: string, extra: object, token?: string): object {
    return {
      Execution: this.execution,
      State: { Name: name, EnteredTime: new Date().toISOString(), RetryCount: 0 },
      StateMachine: { Id: this.options.stateMachineArn ?? 'arn:aws:states:eu-west-1:111122223333:stateMachine:test', Name: 'test' },
      ...(token ? { Task: { Token: token } } : {}),
      ...extra,
    };
  }

  private bindings(scope: Scope, states: object): { [k: string]: unknown } {
    return { ...scope.vars, states };
  }

  /** Output and Assign of a state, both with the variables as they were on entry; then assigns. */
  private async finish(name: string, state: { Output?: unknown; Assign?: { [n: string]: unknown } }, scope: Scope, states: object, defaultOutput: unknown): Promise<unknown> {
    const b = this.bindings(scope, states);
    const output = state.Output === undefined ? defaultOutput : await template(state.Output, b, `${name}.Output`);
    if (state.Assign) {
      const assigned = await template(state.Assign, b, `${name}.Assign`) as { [k: string]: unknown };
      for (const k of Object.keys(assigned)) {
        if (scope.outer.has(k)) throw new StatesError('States.Runtime', `${name}: cannot assign the outer-scope variable ${k} inside a Map or Parallel`);
      }
      Object.assign(scope.vars, assigned);
    }
    return output;
  }

  private async state(name: string, state: AslState, input: unknown, scope: Scope, extra: object): Promise<{ next?: string; output: unknown }> {
    const next = state.End ? undefined : state.Next;
    const base = { input, context: this.context(name, extra) };
    switch (state.Type) {
      case 'Pass':
        return { next, output: await this.finish(name, state, scope, base, input) };
      case 'Succeed':
        return { output: await this.finish(name, state, scope, base, input) };
      case 'Fail': {
        const b = this.bindings(scope, base);
        const error = state.Error === undefined ? undefined : String(await template(state.Error, b, `${name}.Error`));
        const cause = state.Cause === undefined ? undefined : String(await template(state.Cause, b, `${name}.Cause`));
        throw new StatesError(error ?? '', cause ?? '');
      }
      case 'Wait': {
        const b = this.bindings(scope, base);
        if (state.Seconds !== undefined) await template(state.Seconds, b, `${name}.Seconds`);
        if (state.Timestamp !== undefined) await template(state.Timestamp, b, `${name}.Timestamp`);
        return { next, output: await this.finish(name, state, scope, base, input) };
      }
      case 'Choice': {
        const b = this.bindings(scope, base);
        for (const [i, rule] of (state.Choices ?? []).entries()) {
          const ok = await template(rule.Condition, b, `${name}.Choices[${i}].Condition`);
          if (typeof ok !== 'boolean') throw new StatesError('States.QueryEvaluationError', `${name}: the condition ${rule.Condition} returned ${JSON.stringify(ok)}, not a boolean`);
          if (ok) {
            const out = await this.finish(name, { Output: rule.Output ?? state.Output, Assign: { ...state.Assign, ...rule.Assign } }, scope, base, input);
            return { next: rule.Next, output: out };
          }
        }
        if (!state.Default) throw new StatesError('States.NoChoiceMatched', `${name}: no choice matched`);
        return { next: state.Default, output: await this.finish(name, state, scope, base, input) };
      }
      case 'Task':
      case 'Map':
      case 'Parallel':
        return this.work(name, state, input, scope, extra, next);
      default:
        throw new Error(`asl-jsonata: state ${name}: type ${state.Type} is not supported`);
    }
  }

  /** Task, Map and Parallel: the work, its retries, its catchers. */
  private async work(name: string, state: AslState, input: unknown, scope: Scope, extra: object, next?: string): Promise<{ next?: string; output: unknown }> {
    const attempts = new Map<number, number>();
    for (;;) {
      let token: string | undefined;
      try {
        let result: unknown;
        if (state.Type === 'Task') {
          const target = taskTarget(state.Resource ?? '');
          if (target.pattern === 'waitForTaskToken') token = `token-${++this.tokens}`;
          const states = { input, context: this.context(name, extra, token) };
          const args = state.Arguments === undefined ? {} : await template(state.Arguments, this.bindings(scope, states), `${name}.Arguments`);
          if (state.TimeoutSeconds !== undefined) await template(state.TimeoutSeconds, this.bindings(scope, states), `${name}.TimeoutSeconds`);
          this.calls.push({ state: name, resource: state.Resource!, service: target.service, action: target.action, arguments: args });
          const double = this.doubles[state.Resource!];
          if (!double) throw new Error(`asl-jsonata: no test double for ${state.Resource} (state ${name})`);
          try {
            result = await double(args, { state: name, resource: state.Resource!, taskToken: token });
          } catch (e) {
            if (e instanceof TaskFailure) throw new StatesError(e.error, e.cause);
            throw e;
          }
          result = result === undefined ? {} : JSON.parse(JSON.stringify(result));
        } else if (state.Type === 'Map') {
          result = await this.map(name, state, input, scope, extra);
        } else {
          const results: unknown[] = [];
          for (const branch of state.Branches ?? []) results.push(await this.machine(branch, input, this.inner(scope), extra));
          result = results;
        }
        const states = { input, result, context: this.context(name, extra, token) };
        return { next, output: await this.finish(name, state, scope, states, result) };
      } catch (e) {
        if (!(e instanceof StatesError)) throw e;
        const retry = (state.Retry ?? []).findIndex((r) => matches(r.ErrorEquals, e.error));
        if (retry >= 0) {
          const done = attempts.get(retry) ?? 0;
          if (done < (state.Retry![retry].MaxAttempts ?? 3)) {
            attempts.set(retry, done + 1);
            continue;
          }
        }
        const handler = (state.Catch ?? []).find((c) => matches(c.ErrorEquals, e.error));
        if (!handler) throw e;
        const errorOutput = { Error: e.error, Cause: e.cause };
        const states = { input, errorOutput, context: this.context(name, extra) };
        return { next: handler.Next, output: await this.finish(name, handler, scope, states, errorOutput) };
      }
    }
  }

  private inner(scope: Scope): Scope {
    return { vars: { ...scope.vars }, outer: new Set([...scope.outer, ...Object.keys(scope.vars)]) };
  }

  private async map(name: string, state: AslState, input: unknown, scope: Scope, extra: object): Promise<unknown[]> {
    const b = this.bindings(scope, { input, context: this.context(name, extra) });
    const items = state.Items === undefined ? input : await template(state.Items, b, `${name}.Items`);
    if (!Array.isArray(items)) throw new StatesError('States.QueryEvaluationError', `${name}: Items is not an array: ${JSON.stringify(items)}`);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (!processor) throw new Error(`asl-jsonata: Map ${name} has no ItemProcessor`);
    const out: unknown[] = [];
    for (const [index, value] of items.entries()) {
      const mapContext = { Map: { Item: { Index: index, Value: value } } };
      const itemInput = state.ItemSelector === undefined
        ? value
        : await template(state.ItemSelector, this.bindings(scope, { input, context: this.context(name, { ...extra, ...mapContext }) }), `${name}.ItemSelector`);
      out.push(await this.machine(processor, itemInput, this.inner(scope), extra));
    }
    return out;
  }
}

/**
 * Runs a JSONata state machine `definition` (the ASL JSON string or object) on `input`, the
 * tasks answered by `doubles` (by Resource ARN).
 */
export async function runJsonataStateMachine(definition: string | AslMachine, input: unknown, doubles: TaskDoubles, options: RunOptions = {}): Promise<RunResult> {
  const asl: AslMachine = typeof definition === 'string' ? JSON.parse(definition) : definition;
  if (asl.QueryLanguage !== 'JSONata') throw new Error('asl-jsonata: the definition is not in the JSONata query language (QueryLanguage: JSONata)');
  const execution = {
    Id: `arn:aws:states:eu-west-1:111122223333:execution:test:${options.executionName ?? 'execution-1'}`,
    Input: input,
    Name: options.executionName ?? 'execution-1',
    RoleArn: 'arn:aws:iam::111122223333:role/test',
    StartTime: options.startTime ?? '2026-12-07T12:00:00.000Z',
  };
  const run = new Run(doubles, execution, options);
  const scope: Scope = { vars: {}, outer: new Set() };
  try {
    const output = await run.machine(asl, JSON.parse(JSON.stringify(input ?? {})), scope);
    return { status: 'SUCCEEDED', output, calls: run.calls, states: run.states, variables: scope.vars };
  } catch (e) {
    if (!(e instanceof StatesError)) throw e;
    return { status: 'FAILED', error: e.error, cause: e.cause, calls: run.calls, states: run.states, variables: scope.vars };
  }
}
