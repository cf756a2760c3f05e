/*
 * The Device Defender audit relay of `FleetAuditing`: SNS -> SQS -> this function -> EventBridge.
 *
 * Device Defender sends one SNS message per audit task, a summary that names no thing and no
 * certificate (accountId, taskId, taskStatus, counts, and per check its run status and counts).
 * For a task with non-compliant checks the relay reads the task's findings from AWS IoT
 * (ListAuditFindings by taskId, every page, suppressed findings left out) and puts one finding
 * event per non-compliant resource on the findings bus, in the contract of `FindingEvent`: the
 * playbooks read the finding again by its `findingId` and trust nothing else of the event.
 *
 * Nothing is lost or half-emitted silently: a message that cannot be read, whose findings cannot
 * be listed, or of whose events any entry is still refused after the retries is reported as a
 * batch item failure (logged with what was and was not emitted). SQS redelivers it, and after
 * the queue's maxReceiveCount moves it to the dead-letter queue, where it waits. A redelivered
 * message is relayed whole again: delivery is at least once, and a consumer that must act once
 * per finding keys on `findingId`.
 */
import { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { AuditFinding, IoTClient, ListAuditFindingsCommand } from '@aws-sdk/client-iot';
import { FindingDetail, FindingEvent } from '../../core/finding-event';

/** The part of an SQS event the relay reads (the Lambda SQS event source's shape). */
export interface SqsEvent {
  readonly Records: SqsRecord[];
}

/** One SQS message: the SNS message body, raw (the subscription delivers it raw). */
export interface SqsRecord {
  readonly messageId: string;
  readonly body: string;
}

/** The answer that lets SQS delete the messages relayed and keep only the failed ones. */
export interface SqsBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

/** One check of the audit notification's `auditDetails`. */
export interface AuditCheckSummary {
  readonly checkName?: string;
  readonly checkRunStatus?: string;
  readonly nonCompliantResourcesCount?: number;
}

/**
 * The audit notification Device Defender publishes to SNS (Device Defender developer guide,
 * "Audit notifications": schema `arn:aws:iot:::schema:auditnotification/1.0`).
 */
export interface AuditNotification {
  readonly accountId?: string;
  readonly taskId: string;
  readonly taskStatus?: string;
  readonly taskType?: string;
  readonly nonCompliantChecksCount?: number;
  readonly auditDetails?: AuditCheckSummary[];
}

/** How often and how patiently refused PutEvents entries are sent again. */
export const RETRY = { attempts: 4, baseDelayMs: 200 };

/** EventBridge takes at most 10 entries per PutEvents request. */
const ENTRIES_PER_REQUEST = 10;
/** PutEvents requests under way at once. */
const PARALLEL_REQUESTS = 4;
/** A Device Defender task ID (DescribeAuditTask, ListAuditFindings: `[a-zA-Z0-9-]{1,40}`). */
const TASK_ID = /^[a-zA-Z0-9-]{1,40}$/;
/** ListAuditFindings returns at most 250 findings a page. */
const PAGE_SIZE = 250;
/** Keeps one event far below EventBridge's 256 KB per request, whatever AWS IoT writes. */
const MAX_REASON_LENGTH = 1024;

const iot = new IoTClient({});
const eventBridge = new EventBridgeClient({});

/** A message that no retry can relay: it goes to the dead-letter queue after maxReceiveCount. */
export class MalformedNotification extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedNotification';
  }
}

/** Reads the audit notification from an SQS body: raw, or still in its SNS envelope. */
export function parseNotification(body: string): AuditNotification {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MalformedNotification(`the message is not JSON: ${body.slice(0, 200)}`);
  }
  const envelope = parsed as { Type?: unknown; Message?: unknown };
  if (envelope && typeof envelope === 'object' && envelope.Type === 'Notification' && typeof envelope.Message === 'string') {
    return parseNotification(envelope.Message);
  }
  const n = parsed as Partial<AuditNotification> | null;
  if (!n || typeof n !== 'object' || Array.isArray(n)) {
    throw new MalformedNotification(`the message is not a Device Defender audit notification (a JSON object): ${body.slice(0, 200)}`);
  }
  if (typeof n.taskId !== 'string' || !TASK_ID.test(n.taskId)) {
    throw new MalformedNotification(`the message has no valid taskId (1-40 letters, digits or '-'), got ${JSON.stringify(n.taskId)}`);
  }
  if (n.auditDetails !== undefined && !Array.isArray(n.auditDetails)) {
    throw new MalformedNotification(`auditDetails of task ${n.taskId} must be a list, got ${JSON.stringify(n.auditDetails)}`);
  }
  return n as AuditNotification;
}

/** Whether the task found anything: then its findings are read, whatever the task's final status. */
export function hasNonCompliantChecks(n: AuditNotification): boolean {
  return (typeof n.nonCompliantChecksCount === 'number' && n.nonCompliantChecksCount > 0)
    || (n.auditDetails ?? []).some((c) => c?.checkRunStatus === 'COMPLETED_NON_COMPLIANT' || (c?.nonCompliantResourcesCount ?? 0) > 0);
}

/** Every unsuppressed finding of the task, every page. */
export async function findingsOf(taskId: string): Promise<AuditFinding[]> {
  const findings: AuditFinding[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListAuditFindingsCommand({ taskId, listSuppressedFindings: false, maxResults: PAGE_SIZE, nextToken }));
    for (const f of page.findings ?? []) {
      // Suppressed findings are the ones the account chose to accept; a finding of another task is not this one's.
      if (f.isSuppressed === true || (f.taskId !== undefined && f.taskId !== taskId)) continue;
      findings.push(f);
    }
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  return findings;
}

/** The finding event's detail: what the finding says, and the finding's ID to read it again. */
export function detailOf(f: AuditFinding, taskId: string): FindingDetail {
  const id = f.nonCompliantResource?.resourceIdentifier;
  const reason = f.reasonForNonCompliance;
  const detail: { [key: string]: string | undefined } = {
    findingId: f.findingId,
    checkName: f.checkName,
    taskId: f.taskId ?? taskId,
    severity: f.severity,
    resourceType: f.nonCompliantResource?.resourceType,
    certificateId: id?.deviceCertificateId,
    policyName: id?.policyVersionIdentifier?.policyName,
    reason: reason && reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH)}...` : reason,
  };
  for (const key of Object.keys(detail)) if (detail[key] === undefined) delete detail[key];
  return detail as FindingDetail;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Puts the entries, at most 10 a request, sending refused entries (and requests that failed as a
 * whole) again with backoff. Returns how many were put; throws, saying how many were put and
 * how many were not, when any entry is still refused after the last attempt.
 */
export async function putAll(entries: PutEventsRequestEntry[]): Promise<number> {
  let put = 0;
  const refused: string[] = [];
  const putChunk = async (chunk: PutEventsRequestEntry[]) => {
    let pending = chunk;
    let lastError = '';
    for (let attempt = 1; pending.length > 0 && attempt <= RETRY.attempts; attempt++) {
      if (attempt > 1) await sleep(RETRY.baseDelayMs * 2 ** (attempt - 2));
      try {
        const out = await eventBridge.send(new PutEventsCommand({ Entries: pending }));
        const results = out.Entries ?? [];
        const failed = out.FailedEntryCount ?? 0;
        if (results.length !== pending.length) {
          // Without one result per entry the refused ones cannot be told apart: all again, or all put.
          if (failed > 0) {
            lastError = `${failed} of ${pending.length} refused, without per-entry results`;
            continue;
          }
          put += pending.length;
          pending = [];
          break;
        }
        const again = pending.filter((_, i) => results[i].ErrorCode !== undefined);
        lastError = results.filter((r) => r.ErrorCode !== undefined).map((r) => `${r.ErrorCode}: ${r.ErrorMessage ?? ''}`).join('; ');
        put += pending.length - again.length;
        pending = again;
      } catch (e) {
        lastError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
    }
    if (pending.length > 0) refused.push(`${pending.length} entries (${lastError})`);
  };
  const chunks: PutEventsRequestEntry[][] = [];
  for (let start = 0; start < entries.length; start += ENTRIES_PER_REQUEST) chunks.push(entries.slice(start, start + ENTRIES_PER_REQUEST));
  // A few requests at a time: an audit of a large fleet can find thousands of resources, and
  // EventBridge's PutEvents quota is per account and region, shared with everything else.
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) await putChunk(chunks[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_REQUESTS, chunks.length) }, worker));
  if (refused.length > 0) {
    throw new Error(`EventBridge refused ${refused.join(', ')} after ${RETRY.attempts} attempts; ${put} of ${entries.length} finding events were put`);
  }
  return put;
}

/** Relays one audit notification: the number of finding events put. */
export async function relay(body: string, busName: string): Promise<{ taskId: string; findings: number; put: number }> {
  const notification = parseNotification(body);
  if (!hasNonCompliantChecks(notification)) return { taskId: notification.taskId, findings: 0, put: 0 };
  const findings = await findingsOf(notification.taskId);
  const entries: PutEventsRequestEntry[] = [];
  for (const f of findings) {
    if (!f.findingId) {
      // A playbook can only act on a finding it can read again: without an ID the event is useless.
      console.error(JSON.stringify({ level: 'ERROR', taskId: notification.taskId, message: 'a finding without findingId is skipped', checkName: f.checkName }));
      continue;
    }
    entries.push({
      EventBusName: busName,
      Source: FindingEvent.SOURCE,
      DetailType: FindingEvent.DETAIL_TYPE,
      Detail: JSON.stringify(detailOf(f, notification.taskId)),
    });
  }
  const put = await putAll(entries);
  return { taskId: notification.taskId, findings: entries.length, put };
}

/** Lambda entry point (SQS event source with ReportBatchItemFailures). Never throws: each message succeeds or fails alone. */
export async function handler(event: SqsEvent): Promise<SqsBatchResponse> {
  const busName = process.env.FINDINGS_BUS;
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event?.Records ?? []) {
    try {
      if (!busName) throw new Error('the environment variable FINDINGS_BUS is not set');
      const result = await relay(record.body ?? '', busName);
      console.log(JSON.stringify({ level: 'INFO', messageId: record.messageId, ...result }));
    } catch (e) {
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      console.error(JSON.stringify({ level: 'ERROR', messageId: record.messageId, message, retried: 'SQS redelivers the message; after maxReceiveCount it waits in the dead-letter queue' }));
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
