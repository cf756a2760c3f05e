/*
 * Reports how the release state machine handled one upload, for the signed OTA integration
 * test's assertions: EventBridge starts the executions, so the test knows the upload's key, not
 * the execution's ARN. It finds the executions whose input is the S3 "Object Created" event of
 * that key and reports one (a SUCCEEDED one first, then a RUNNING one: EventBridge delivers at
 * least once), with the states it entered in order, the version gate's verdict and reason, and
 * what the state machine saw of the canary job when it decided to create the fleet job: the
 * DescribeCanaryJob state's last output before CreateFleetJob was entered (the canary gate's
 * input), so the test can check the gate let the release on only for a canary that succeeded.
 * The answer stays small: a custom resource's response is at most 4 KB.
 */
import {
  DescribeExecutionCommand,
  ExecutionStatus,
  GetExecutionHistoryCommand,
  HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';

export interface OutcomeEvent {
  readonly stateMachineArn: string;
  /** The uploaded object's key, `incoming/<thingType>/<version>/<file>`. */
  readonly key: string;
}

export interface Outcome {
  /** NONE: no execution for the key yet. */
  readonly status: ExecutionStatus | 'NONE';
  readonly executions: number;
  readonly error?: string;
  /** Each state entered, once, in the order first entered. */
  readonly states: string[];
  readonly verdict?: string;
  readonly reason?: string;
  /** The canary job as DescribeCanaryJob last saw it before CreateFleetJob; absent if no fleet job was created after one. */
  readonly canaryBeforeFleet?: CanarySeen;
}

/**
 * The canary job's status and execution counts, as the state machine's `CanaryDone?` choice reads
 * them (`$.canary.Job.Status`, `$.canary.Job.JobProcessDetails.NumberOf*Things`). A count the
 * answer leaves out is reported as 0, as the gate treats it; `succeeded` stays absent if missing,
 * as the gate requires it present.
 */
export interface CanarySeen {
  readonly status?: string;
  readonly succeeded?: number;
  readonly failed: number;
  readonly rejected: number;
  readonly timedOut: number;
  readonly canceled: number;
  readonly removed: number;
}

const sfn = new SFNClient({});
const PREFERENCE: string[] = ['SUCCEEDED', 'RUNNING'];

export function keyOf(input: string | undefined): string | undefined {
  try {
    const key = JSON.parse(input ?? '')?.detail?.object?.key;
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}

/** What a DescribeCanaryJob state's output says of the canary job. */
export function canarySeen(output: string | undefined): CanarySeen | undefined {
  let job: { Status?: unknown; JobProcessDetails?: { [k: string]: unknown } } | undefined;
  try {
    job = JSON.parse(output ?? '')?.canary?.Job;
  } catch {
    return undefined;
  }
  if (typeof job !== 'object' || job === null) return undefined;
  const details = job.JobProcessDetails ?? {};
  const count = (name: string) => (typeof details[`NumberOf${name}Things`] === 'number' ? details[`NumberOf${name}Things`] as number : undefined);
  return {
    status: typeof job.Status === 'string' ? job.Status : undefined,
    succeeded: count('Succeeded'),
    failed: count('Failed') ?? 0,
    rejected: count('Rejected') ?? 0,
    timedOut: count('TimedOut') ?? 0,
    canceled: count('Canceled') ?? 0,
    removed: count('Removed') ?? 0,
  };
}

/**
 * States entered, once each, in order; the version gate's answer from the CheckVersion state's
 * output; and the canary job as the last DescribeCanaryJob before CreateFleetJob saw it.
 */
export function summarize(events: HistoryEvent[]): Pick<Outcome, 'states' | 'verdict' | 'reason' | 'canaryBeforeFleet'> {
  const states: string[] = [];
  let verdict: string | undefined;
  let reason: string | undefined;
  let lastCanary: CanarySeen | undefined;
  let canaryBeforeFleet: CanarySeen | undefined;
  for (const e of events) {
    const entered = e.stateEnteredEventDetails?.name;
    if (entered === 'CreateFleetJob' && !states.includes(entered)) canaryBeforeFleet = lastCanary;
    if (entered && !states.includes(entered)) states.push(entered);
    const exited = e.stateExitedEventDetails;
    if (exited?.name === 'DescribeCanaryJob') lastCanary = canarySeen(exited.output);
    if (exited?.name === 'CheckVersion' && verdict === undefined) {
      try {
        const gate = JSON.parse(exited.output ?? '')?.gate;
        verdict = typeof gate?.verdict === 'string' ? gate.verdict : undefined;
        reason = typeof gate?.reason === 'string' ? gate.reason.slice(0, 300) : undefined;
      } catch {
        // An output the test cannot read leaves the verdict unset, and the assertion fails on it.
      }
    }
  }
  return { states, verdict, reason, ...(canaryBeforeFleet ? { canaryBeforeFleet } : {}) };
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

export async function outcome(event: OutcomeEvent): Promise<Outcome> {
  const matching: { arn: string; status: string; error?: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: event.stateMachineArn, nextToken, maxResults: 100 }));
    for (const e of page.executions ?? []) {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
      if (keyOf(d.input) === event.key) matching.push({ arn: e.executionArn!, status: d.status ?? '', error: d.error });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  if (matching.length === 0) return { status: 'NONE', executions: 0, states: [] };
  const rank = (s: string) => (PREFERENCE.includes(s) ? PREFERENCE.indexOf(s) : PREFERENCE.length);
  const chosen = [...matching].sort((a, b) => rank(a.status) - rank(b.status))[0];
  return {
    status: chosen.status as ExecutionStatus,
    executions: matching.length,
    ...(chosen.error ? { error: chosen.error } : {}),
    ...summarize(await history(chosen.arn)),
  };
}

export async function handler(event: OutcomeEvent): Promise<Outcome> {
  const result = await outcome(event);
  console.log(JSON.stringify(result));
  return result;
}
