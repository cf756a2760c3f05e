/*
 * Runs a JSONPath state machine definition locally (aws-local-stepfunctions 3), every Task answered
 * by a test double keyed by the AWS API it calls, every call recorded as { state, service, action,
 * parameters }. Wait states become hooks (no sleeping): a test decides what the world does while
 * an execution waits (a device confirms, a revocation runs).
 *
 * The doubles are meant to be in-memory fakes of the services (FakeIot, FakeDynamoDb below) rather
 * than canned answers: a fake refuses a wrong parameter and evaluates a DynamoDB condition, so a
 * state machine that passes the wrong ARN or a condition that is not atomic fails here as it would
 * in AWS. A double throws `new AwsError(code)`; the runner names it as Step Functions does for the
 * task's integration (`Iot.ResourceNotFoundException` for `aws-sdk:iot`, `DynamoDB.Conditional...`
 * for the optimized `dynamodb:` integration, `DynamoDb.Conditional...` for `aws-sdk:dynamodb`), so
 * a Catch on the wrong name is seen.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import Module from 'module';
import * as path from 'path';

const { StateMachine, fromOwnRealm } = loadInterpreter();

/*
 * aws-local-stepfunctions 3.0.0 strips every backslash from the string an intrinsic function
 * returns (meant for escaped literals), so States.JsonToString of a value holding a newline
 * yields invalid JSON, which Step Functions does not do. Loaded with that line limited to the
 * functions whose results are not JSON text; the patch fails loudly if the line changes.
 */
function loadInterpreter(): typeof import('aws-local-stepfunctions') & { fromOwnRealm<T>(value: T): T } {
  const file = require.resolve('aws-local-stepfunctions');
  const source = fs.readFileSync(file, 'utf8');
  const strip = 'if (typeof result === "string") {\n      result = result.replaceAll("\\\\", "");';
  if (!source.includes(strip)) throw new Error(`asl-jsonpath: ${file} changed; check the JsonToString workaround`);
  const patched = source.replace(strip, 'if (typeof result === "string" && this.funcDefinition.name !== "States.JsonToString") {\n      result = result.replaceAll("\\\\", "");');
  // It runs in Node's own realm (jest gives tests another one): Promise.withResolvers, absent from
  // Node 20, is added there, and JSON crosses into that realm by its own JSON.parse (the
  // interpreter tells plain objects by their prototype).
  const prelude = 'if (typeof Promise.withResolvers !== "function") { Promise.withResolvers = function () { let resolve, reject; '
    + 'const promise = new Promise((res, rej) => { resolve = res; reject = rej; }); return { promise, resolve, reject }; }; }\n';
  const epilogue = '\nmodule.exports.fromOwnRealm = (value) => value === undefined ? undefined : JSON.parse(JSON.stringify(value));\n';
  const m = new Module(file, module);
  m.filename = file;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  (m as unknown as { _compile(code: string, file: string): void })._compile(prelude + patched + epilogue, file);
  return m.exports as typeof import('aws-local-stepfunctions') & { fromOwnRealm<T>(value: T): T };
}

/** An AWS API error as a service returns it (`code` is the exception name, e.g. `ResourceNotFoundException`). */
export class AwsError extends Error {
  constructor(public readonly code: string, message = code) {
    super(message);
    this.name = code;
  }
}

/** One SDK call a Task made. `service` and `action` as in the Task's resource (`iot`, `updateCertificate`). */
export interface RecordedCall {
  readonly state: string;
  readonly service: string;
  readonly action: string;
  readonly parameters: any;
}

/** A double: gets the task's effective parameters, returns the API's answer (PascalCase as Step Functions gives it) or throws AwsError. */
export type TaskDouble = (parameters: any, call: { state: string; service: string; action: string }) => unknown;

export interface Doubles {
  /** Keyed `<service>:<action>` as in the resource (`iot:describeThing`, `dynamodb:updateItem`, `lambda:invoke`). */
  readonly [serviceAction: string]: TaskDouble | undefined;
}

export interface RunOptions {
  /** Called when the execution reaches a Wait state (instead of waiting). */
  readonly onWait?: (state: string, wait: { seconds?: number; timestamp?: string }) => unknown | Promise<unknown>;
  /** The execution's name (`$$.Execution.Name`; the ID is made from it). */
  readonly executionName?: string;
  /** `$$.State.EnteredTime` (the interpreter does not fill it). */
  readonly enteredTime?: string;
}

export interface RunResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly calls: RecordedCall[];
  /** The names of the states entered, in order (Map iterations included). */
  readonly states: string[];
}

/** The service, action and error prefix of a Task resource. */
export function taskTarget(resource: string): { service: string; action: string; errorPrefix: string } {
  const sdk = /^arn:[^:]+:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)(\.[A-Za-z]+)?$/.exec(resource);
  if (sdk) return { service: sdk[1], action: sdk[2], errorPrefix: pascal(sdk[1]) };
  const optimized = /^arn:[^:]+:states:::([a-z0-9-]+):([A-Za-z0-9]+)(\.[A-Za-z]+)?$/.exec(resource);
  if (optimized) {
    const prefixes: Record<string, string> = { dynamodb: 'DynamoDB', lambda: 'Lambda', sns: 'SNS', sqs: 'SQS', events: 'EventBridge', states: 'StepFunctions' };
    return { service: optimized[1], action: optimized[2], errorPrefix: prefixes[optimized[1]] ?? pascal(optimized[1]) };
  }
  if (/^arn:[^:]+:lambda:/.test(resource)) return { service: 'lambda', action: 'invoke', errorPrefix: 'Lambda' };
  throw new Error(`asl-jsonpath: no double can answer the resource ${resource}`);
}

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Runs `definition` on `input`. Every Task state (in Map and Parallel branches too) is answered by
 * `doubles[service:action]`; a Task without a double fails the test with a clear error.
 */
export async function runJsonPathStateMachine(definition: object | string, input: unknown, doubles: Doubles, options: RunOptions = {}): Promise<RunResult> {
  const def = JSON.parse(typeof definition === 'string' ? definition : JSON.stringify(definition));
  const calls: RecordedCall[] = [];
  const states: string[] = [];
  const handlers: Record<string, (input: any) => Promise<any>> = {};
  const waits: Record<string, number> = {};
  // Retries happen, without their backoff (the interpreter would sleep it).
  const retries: Record<string, number> = {};
  const seen = new Map<string, string>();

  const visit = (machine: { States: Record<string, any>; QueryLanguage?: string }) => {
    if (machine.QueryLanguage === 'JSONata') throw new Error('asl-jsonpath: a JSONata definition; this runner runs JSONPath ones only');
    for (const [name, state] of Object.entries(machine.States)) {
      if (state.QueryLanguage === 'JSONata') throw new Error(`asl-jsonpath: the state ${name} is JSONata; this runner runs JSONPath ones only`);
      const previous = seen.get(name);
      const kind = state.Type === 'Task' ? state.Resource : state.Type;
      if (previous !== undefined && previous !== kind) throw new Error(`asl-jsonpath: two states named ${name} with different resources`);
      seen.set(name, kind);
      if (state.Retry) retries[name] = 0;
      if (state.Type === 'Task') {
        const { service, action, errorPrefix } = taskTarget(state.Resource);
        handlers[name] = async (parameters: any) => {
          calls.push({ state: name, service, action, parameters: clone(parameters) });
          const double = doubles[`${service}:${action}`];
          if (!double) throw new Error(`asl-jsonpath: no double for ${service}:${action} (state ${name})`);
          try {
            const answer = await double(clone(parameters), { state: name, service, action }) as any;
            // The optimized lambda:invoke integration fails on the function's error (FunctionError in
            // a 200 answer), named by its errorType; the aws-sdk:lambda:invoke integration returns it.
            if (errorPrefix === 'Lambda' && !/aws-sdk:/.test(state.Resource) && answer?.FunctionError !== undefined) {
              const err = new Error(JSON.stringify(answer.Payload));
              err.name = answer.Payload?.errorType ?? 'Lambda.Unknown';
              throw err;
            }
            return fromOwnRealm(answer ?? {});
          } catch (e) {
            if (e instanceof AwsError) {
              const code = e.code.endsWith('Exception') || e.code.startsWith('States.') ? e.code : `${e.code}Exception`;
              const err = new Error(e.message);
              err.name = code.startsWith('States.') ? code : `${errorPrefix}.${code}`;
              throw err;
            }
            throw e;
          }
        };
      } else if (state.Type === 'Wait') {
        // The interpreter cannot call back on a Wait: it becomes a Task whose handler runs the hook
        // and hands its input on unchanged (a Wait's output is its input).
        const wait = { seconds: state.Seconds, timestamp: state.Timestamp };
        const { Seconds, Timestamp, SecondsPath, TimestampPath, ...rest } = state;
        void Seconds; void Timestamp; void SecondsPath; void TimestampPath;
        machine.States[name] = { ...rest, Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:asl-jsonpath-wait' };
        waits[name] = 0;
        handlers[name] = async (waitInput: any) => {
          await options.onWait?.(name, wait);
          return fromOwnRealm(waitInput);
        };
      }
      for (const inner of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]) if (inner) visit(inner);
    }
  };
  visit(def);

  const machine = new StateMachine(fromOwnRealm(def), { validationOptions: { checkArn: false } });
  const name = options.executionName ?? 'test-execution';
  const execution = machine.run(fromOwnRealm(input) as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides: fromOwnRealm(waits), retryIntervalOverrides: fromOwnRealm(retries) },
    context: fromOwnRealm({
      Execution: { Id: `arn:aws:states:eu-west-1:111122223333:execution:machine:${name}`, Name: name },
      State: { EnteredTime: options.enteredTime ?? '2026-12-07T12:00:00.000Z' },
    }),
  });
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push((event as { state: { name: string } }).state.name);
    }
  })();
  let result: RunResult;
  try {
    const output = await execution.result;
    result = { status: 'SUCCEEDED', output: clone(output), calls, states };
  } catch (e) {
    const cause = (e as { cause?: { name?: string; message?: string; cause?: unknown } }).cause;
    // A Fail state's error and cause, or the error no Catch caught.
    const failure = cause as { name?: string; message?: string; errorName?: string } | undefined;
    const error = failure?.name ?? (e as Error).name;
    result = { status: 'FAILED', error, cause: failure?.message ?? (e as Error).message, calls, states };
  }
  await collect.catch(() => undefined);
  return result;
}

function clone<T>(v: T): T {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

// ---------------------------------------------------------------- fakes

/** The AWS IoT registry as the rotation and revocation state machines see it. */
export class FakeIot {
  public readonly things = new Map<string, { attributes: Record<string, string>; principals: Set<string> }>();
  public readonly certificates = new Map<string, { arn: string; status: string; policies: Set<string>; things: Set<string>; exclusive: boolean; csr?: string }>();
  public readonly policies = new Set<string>();
  public readonly jobs = new Map<string, { templateArn?: string; status: string; executions: Map<string, { status: string; executionNumber: number }> }>();
  /**
   * How many ListThingPrincipals calls still name a principal after DetachThingPrincipal
   * (AWS: "This call is asynchronous. It might take several seconds for the detachment to propagate").
   */
  public detachPropagationLists = 0;
  private readonly detaching = new Map<string, Map<string, number>>();
  private readonly faults: { action: string; code: string; times: number }[] = [];
  private serial = 0;

  /** The next `times` calls of `action` (`updateCertificate`...) fail with `code` (a transient error: `ThrottlingException`...). */
  public failNext(action: string, code: string, times = 1): void {
    this.faults.push({ action, code, times });
  }

  constructor(private readonly env: { partition: string; region: string; account: string }) {}

  public certArn(id: string): string {
    return `arn:${this.env.partition}:iot:${this.env.region}:${this.env.account}:cert/${id}`;
  }

  public addThing(name: string, attributes: Record<string, string> = {}): void {
    this.things.set(name, { attributes, principals: new Set() });
  }

  /** An ACTIVE certificate with the policies given, attached to `thing`. */
  public addCertificate(thing: string | undefined, policies: string[] = [], status = 'ACTIVE'): string {
    const id = crypto.createHash('sha256').update(`cert-${++this.serial}`).digest('hex');
    this.certificates.set(id, { arn: this.certArn(id), status, policies: new Set(policies), things: new Set(), exclusive: false });
    if (thing) {
      this.things.get(thing)!.principals.add(this.certArn(id));
      this.certificates.get(id)!.things.add(thing);
    }
    return id;
  }

  public addJob(jobId: string, templateArn: string | undefined, things: string[], status = 'IN_PROGRESS', executionStatus = 'IN_PROGRESS'): void {
    this.jobs.set(jobId, { templateArn, status, executions: new Map(things.map((t, i) => [t, { status: executionStatus, executionNumber: i + 1 }])) });
  }

  /** The certificates of a thing and their state, for assertions. */
  public fleet(thing: string): { id: string; status: string; policies: string[] }[] {
    return [...this.certificates.entries()]
      .filter(([, c]) => c.things.has(thing))
      .map(([id, c]) => ({ id, status: c.status, policies: [...c.policies].sort() }));
  }

  public activeCertificates(): string[] {
    return [...this.certificates.entries()].filter(([, c]) => c.status === 'ACTIVE').map(([id]) => id);
  }

  private idFromArn(arn: unknown): string {
    const m = typeof arn === 'string' ? new RegExp(`^arn:${this.env.partition}:iot:${this.env.region}:${this.env.account}:cert/([0-9a-f]{64})$`).exec(arn) : null;
    if (!m) throw new AwsError('InvalidRequestException', `not a certificate ARN of this account: ${JSON.stringify(arn)}`);
    if (!this.certificates.has(m[1])) throw new AwsError('ResourceNotFoundException', `no certificate ${m[1]}`);
    return m[1];
  }

  private thing(name: unknown) {
    if (typeof name !== 'string') throw new AwsError('InvalidRequestException', `ThingName must be a string, got ${JSON.stringify(name)}`);
    const t = this.things.get(name);
    if (!t) throw new AwsError('ResourceNotFoundException', `no thing ${name}`);
    return t;
  }

  private exactly(p: Record<string, unknown>, required: string[], optional: string[] = []): void {
    for (const k of required) if (p[k] === undefined) throw new AwsError('InvalidRequestException', `missing ${k}`);
    for (const k of Object.keys(p)) if (!required.includes(k) && !optional.includes(k)) throw new AwsError('InvalidRequestException', `unknown parameter ${k}`);
  }

  /** The doubles, keyed as `runJsonPathStateMachine` expects. */
  public doubles(): Doubles {
    const doubles = this.registry();
    return Object.fromEntries(Object.entries(doubles).map(([key, double]) => [key, (p: any, call: { state: string; service: string; action: string }) => {
      const fault = this.faults.find((f) => f.action === call.action && f.times > 0);
      if (fault) {
        fault.times--;
        throw new AwsError(fault.code, `${fault.code} (injected)`);
      }
      return double!(p, call);
    }]));
  }

  private registry(): Doubles {
    return {
      'iot:describeThing': (p) => {
        this.exactly(p, ['ThingName']);
        const t = this.thing(p.ThingName);
        return { ThingName: p.ThingName, Attributes: { ...t.attributes }, ThingArn: `arn:${this.env.partition}:iot:${this.env.region}:${this.env.account}:thing/${p.ThingName}` };
      },
      'iot:listThingPrincipals': (p) => {
        // One page at a time, as AWS IoT answers (25 unless MaxResults says otherwise).
        this.exactly(p, ['ThingName'], ['MaxResults', 'NextToken']);
        const detaching = this.detaching.get(p.ThingName) ?? new Map<string, number>();
        const all = [...detaching.keys(), ...this.thing(p.ThingName).principals];
        for (const [principal, left] of detaching) {
          if (left <= 1) detaching.delete(principal);
          else detaching.set(principal, left - 1);
        }
        const from = p.NextToken === undefined ? 0 : Number(p.NextToken);
        const size = p.MaxResults ?? 25;
        const page = all.slice(from, from + size);
        return from + size < all.length ? { Principals: page, NextToken: String(from + size) } : { Principals: page };
      },
      'iot:createCertificateFromCsr': (p) => {
        this.exactly(p, ['CertificateSigningRequest'], ['SetAsActive']);
        if (typeof p.CertificateSigningRequest !== 'string' || !/^-----BEGIN CERTIFICATE REQUEST-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE REQUEST-----\n?$/.test(p.CertificateSigningRequest)) {
          throw new AwsError('InvalidRequestException', 'The certificate signing request is not valid');
        }
        const id = crypto.createHash('sha256').update(`csr-${++this.serial}-${p.CertificateSigningRequest}`).digest('hex');
        this.certificates.set(id, { arn: this.certArn(id), status: p.SetAsActive === true ? 'ACTIVE' : 'INACTIVE', policies: new Set(), things: new Set(), exclusive: false, csr: p.CertificateSigningRequest });
        return { CertificateArn: this.certArn(id), CertificateId: id, CertificatePem: `-----BEGIN CERTIFICATE-----\n${Buffer.from(id).toString('base64')}\n-----END CERTIFICATE-----\n` };
      },
      'iot:updateCertificate': (p) => {
        this.exactly(p, ['CertificateId', 'NewStatus']);
        const c = this.certificates.get(p.CertificateId);
        if (!c) throw new AwsError('ResourceNotFoundException', `no certificate ${p.CertificateId}`);
        if (!['ACTIVE', 'INACTIVE', 'REVOKED'].includes(p.NewStatus)) throw new AwsError('InvalidRequestException', `NewStatus ${p.NewStatus}`);
        if (c.status === 'REVOKED' && p.NewStatus === 'ACTIVE') throw new AwsError('CertificateStateException', 'a revoked certificate cannot be activated');
        c.status = p.NewStatus;
        return {};
      },
      'iot:attachPolicy': (p) => {
        this.exactly(p, ['PolicyName', 'Target']);
        if (!this.policies.has(p.PolicyName)) throw new AwsError('ResourceNotFoundException', `no policy ${p.PolicyName}`);
        this.certificates.get(this.idFromArn(p.Target))!.policies.add(p.PolicyName);
        return {};
      },
      'iot:detachPolicy': (p) => {
        this.exactly(p, ['PolicyName', 'Target']);
        if (!this.policies.has(p.PolicyName)) throw new AwsError('ResourceNotFoundException', `no policy ${p.PolicyName}`);
        const c = this.certificates.get(this.idFromArn(p.Target))!;
        // Modelled: detaching a policy that is not attached to the target is refused (unverified: see docs/verification.md).
        if (!c.policies.has(p.PolicyName)) throw new AwsError('ResourceNotFoundException', `the policy ${p.PolicyName} is not attached to ${p.Target}`);
        c.policies.delete(p.PolicyName);
        return {};
      },
      'iot:attachThingPrincipal': (p) => {
        this.exactly(p, ['ThingName', 'Principal'], ['ThingPrincipalType']);
        const t = this.thing(p.ThingName);
        const c = this.certificates.get(this.idFromArn(p.Principal))!;
        if ((c.exclusive || p.ThingPrincipalType === 'EXCLUSIVE_THING') && [...c.things].some((x) => x !== p.ThingName)) {
          throw new AwsError('InvalidRequestException', 'the certificate is attached exclusively to another thing');
        }
        c.exclusive = c.exclusive || p.ThingPrincipalType === 'EXCLUSIVE_THING';
        c.things.add(p.ThingName);
        t.principals.add(p.Principal);
        return {};
      },
      'iot:detachThingPrincipal': (p) => {
        this.exactly(p, ['ThingName', 'Principal']);
        const t = this.thing(p.ThingName);
        const c = this.certificates.get(this.idFromArn(p.Principal))!;
        // Modelled: detaching a principal that is not attached is refused (unverified: see docs/verification.md).
        if (!t.principals.has(p.Principal)) throw new AwsError('ResourceNotFoundException', `${p.Principal} is not attached to ${p.ThingName}`);
        c.things.delete(p.ThingName);
        t.principals.delete(p.Principal);
        if (this.detachPropagationLists > 0) {
          if (!this.detaching.has(p.ThingName)) this.detaching.set(p.ThingName, new Map());
          this.detaching.get(p.ThingName)!.set(p.Principal, this.detachPropagationLists);
        }
        return {};
      },
      'iot:describeJobExecution': (p) => {
        this.exactly(p, ['JobId', 'ThingName'], ['ExecutionNumber']);
        const job = this.jobs.get(p.JobId);
        const execution = job?.executions.get(p.ThingName);
        if (!execution) throw new AwsError('ResourceNotFoundException', `no execution of job ${p.JobId} on ${p.ThingName}`);
        return { Execution: { JobId: p.JobId, ThingArn: `arn:${this.env.partition}:iot:${this.env.region}:${this.env.account}:thing/${p.ThingName}`, Status: execution.status, ExecutionNumber: execution.executionNumber } };
      },
      'iot:describeJob': (p) => {
        this.exactly(p, ['JobId'], ['BeforeSubstitution']);
        const job = this.jobs.get(p.JobId);
        if (!job) throw new AwsError('ResourceNotFoundException', `no job ${p.JobId}`);
        return { Job: { JobId: p.JobId, Status: job.status, ...(job.templateArn ? { JobTemplateArn: job.templateArn } : {}) } };
      },
    };
  }
}

type AttributeValue = { S?: string; N?: string; BOOL?: boolean; NULL?: boolean; M?: Record<string, AttributeValue>; L?: AttributeValue[] };
type Item = Record<string, AttributeValue>;

/**
 * DynamoDB tables in memory, with UpdateItem, GetItem and PutItem as the state machines use them: the
 * update and condition expressions are parsed and evaluated (SET of values and attribute copies,
 * REMOVE; =, <>, AND, OR, NOT, parentheses, attribute_exists, attribute_not_exists), a placeholder
 * without a value is a ValidationException, a failed condition a ConditionalCheckFailedException.
 */
export class FakeDynamoDb {
  public readonly tables = new Map<string, { key: string; items: Map<string, Item> }>();

  public addTable(name: string, key: string): void {
    this.tables.set(name, { key, items: new Map() });
  }

  public put(table: string, item: Record<string, string>): void {
    const t = this.table(table);
    const converted: Item = Object.fromEntries(Object.entries(item).map(([k, v]) => [k, { S: v }]));
    t.items.set(item[t.key], converted);
  }

  /** An item as plain strings, for assertions. */
  public get(table: string, key: string): Record<string, string> | undefined {
    const item = this.table(table).items.get(key);
    return item && Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.S ?? JSON.stringify(v)]));
  }

  private table(name: unknown) {
    const t = typeof name === 'string' ? this.tables.get(name) : undefined;
    if (!t) throw new AwsError('ResourceNotFoundException', `no table ${JSON.stringify(name)}`);
    return t;
  }

  private keyOf(t: { key: string }, key: unknown): string {
    const k = key as Item | undefined;
    if (!k || Object.keys(k).length !== 1 || !k[t.key] || typeof k[t.key].S !== 'string') {
      throw new AwsError('ValidationException', `the key must be { ${t.key}: { S } }, got ${JSON.stringify(key)}`);
    }
    return k[t.key].S!;
  }

  public doubles(): Doubles {
    const updateItem: TaskDouble = (p) => {
      const t = this.table(p.TableName);
      const key = this.keyOf(t, p.Key);
      const names: Record<string, string> = p.ExpressionAttributeNames ?? {};
      const values: Record<string, AttributeValue> = p.ExpressionAttributeValues ?? {};
      const used = new Set<string>();
      const old = t.items.get(key);
      if (p.ConditionExpression !== undefined && !evaluateCondition(p.ConditionExpression, old ?? {}, names, values, used)) {
        throw new AwsError('ConditionalCheckFailedException', 'The conditional request failed');
      }
      const next: Item = old ? clone(old) : { [t.key]: { S: key } };
      const updated = applyUpdate(p.UpdateExpression, next, old ?? {}, names, values, used);
      for (const placeholder of [...Object.keys(names), ...Object.keys(values)]) {
        if (!used.has(placeholder)) throw new AwsError('ValidationException', `Value provided in ExpressionAttribute${placeholder.startsWith('#') ? 'Names' : 'Values'} unused in expressions: ${placeholder}`);
      }
      t.items.set(key, next);
      if (p.ReturnValues === 'UPDATED_OLD') return { Attributes: Object.fromEntries(updated.filter((a) => old?.[a] !== undefined).map((a) => [a, old![a]])) };
      if (p.ReturnValues === 'ALL_NEW') return { Attributes: next };
      if (p.ReturnValues === 'ALL_OLD') return old ? { Attributes: old } : {};
      if (p.ReturnValues === 'UPDATED_NEW') return { Attributes: Object.fromEntries(updated.filter((a) => next[a] !== undefined).map((a) => [a, next[a]])) };
      return {};
    };
    const getItem: TaskDouble = (p) => {
      const t = this.table(p.TableName);
      const item = t.items.get(this.keyOf(t, p.Key));
      return item ? { Item: item } : {};
    };
    return { 'dynamodb:updateItem': updateItem, 'dynamodb:getItem': getItem };
  }
}

// A small reader of the DynamoDB expression grammar the state machines use.
function tokenize(expression: string): string[] {
  const tokens = expression.match(/<>|<=|>=|[=<>(),]|[#:]?[A-Za-z0-9_.]+/g) ?? [];
  if (tokens.join('').replace(/\s/g, '') !== expression.replace(/\s/g, '')) throw new AwsError('ValidationException', `Invalid expression: ${expression}`);
  return tokens;
}

function operandName(token: string, names: Record<string, string>, used: Set<string>): string {
  if (token.startsWith('#')) {
    if (!(token in names)) throw new AwsError('ValidationException', `An expression attribute name used in the document path is not defined; attribute name: ${token}`);
    used.add(token);
    return names[token];
  }
  if (RESERVED.has(token.toUpperCase())) throw new AwsError('ValidationException', `Attribute name is a reserved keyword; reserved keyword: ${token}`);
  return token;
}

function operandValue(token: string, item: Item, names: Record<string, string>, values: Record<string, AttributeValue>, used: Set<string>): AttributeValue | undefined {
  if (token.startsWith(':')) {
    if (!(token in values)) throw new AwsError('ValidationException', `An expression attribute value used in expression is not defined; attribute value: ${token}`);
    used.add(token);
    return values[token];
  }
  return item[operandName(token, names, used)];
}

/** Words DynamoDB reserves that the state machines could plausibly use bare (the full list is longer). */
const RESERVED = new Set(['STATUS', 'NAME', 'DATA', 'KEY', 'VALUE', 'TIMESTAMP', 'STATE', 'COUNT', 'DATE', 'TIME', 'TTL', 'USER', 'ZONE', 'OWNER', 'SIZE', 'TYPE']);

function evaluateCondition(expression: string, item: Item, names: Record<string, string>, values: Record<string, AttributeValue>, used: Set<string>): boolean {
  const tokens = tokenize(expression);
  let i = 0;
  const peek = () => tokens[i];
  const take = (expected?: string) => {
    const t = tokens[i++];
    if (t === undefined || (expected !== undefined && t.toUpperCase() !== expected)) throw new AwsError('ValidationException', `Invalid ConditionExpression: ${expression}`);
    return t;
  };
  const or = (): boolean => {
    let v = and();
    while (peek()?.toUpperCase() === 'OR') { take(); const r = and(); v = v || r; }
    return v;
  };
  const and = (): boolean => {
    let v = not();
    while (peek()?.toUpperCase() === 'AND') { take(); const r = not(); v = v && r; }
    return v;
  };
  const not = (): boolean => {
    if (peek()?.toUpperCase() === 'NOT') { take(); return !not(); }
    return primary();
  };
  const primary = (): boolean => {
    const t = take();
    if (t === '(') { const v = or(); take(')'); return v; }
    if (t === 'attribute_exists' || t === 'attribute_not_exists') {
      take('('); const name = operandName(take(), names, used); take(')');
      return t === 'attribute_exists' ? item[name] !== undefined : item[name] === undefined;
    }
    const left = operandValue(t, item, names, values, used);
    const op = take();
    const right = operandValue(take(), item, names, values, used);
    if (op === '=') return left !== undefined && right !== undefined && JSON.stringify(left) === JSON.stringify(right);
    if (op === '<>') return left !== undefined && right !== undefined && JSON.stringify(left) !== JSON.stringify(right);
    throw new AwsError('ValidationException', `the fake does not evaluate ${op} in ${expression}`);
  };
  const v = or();
  if (i !== tokens.length) throw new AwsError('ValidationException', `Invalid ConditionExpression: ${expression}`);
  return v;
}

/** Applies SET and REMOVE clauses to `next` (right-hand sides read `old`, as DynamoDB does); returns the attributes updated. */
function applyUpdate(expression: unknown, next: Item, old: Item, names: Record<string, string>, values: Record<string, AttributeValue>, used: Set<string>): string[] {
  if (typeof expression !== 'string') throw new AwsError('ValidationException', 'UpdateExpression is required');
  const tokens = tokenize(expression);
  const updated: string[] = [];
  let clause = '';
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i];
    if (['SET', 'REMOVE'].includes(t.toUpperCase())) { clause = t.toUpperCase(); i++; continue; }
    if (t === ',') { i++; continue; }
    if (clause === 'SET') {
      const name = operandName(t, names, used);
      if (tokens[i + 1] !== '=') throw new AwsError('ValidationException', `Invalid UpdateExpression: ${expression}`);
      const value = operandValue(tokens[i + 2], old, names, values, used);
      if (value === undefined) throw new AwsError('ValidationException', `The provided expression refers to an attribute that does not exist in the item: ${tokens[i + 2]}`);
      next[name] = value;
      updated.push(name);
      i += 3;
    } else if (clause === 'REMOVE') {
      const name = operandName(t, names, used);
      delete next[name];
      updated.push(name);
      i++;
    } else {
      throw new AwsError('ValidationException', `Invalid UpdateExpression: ${expression}`);
    }
  }
  return updated;
}
