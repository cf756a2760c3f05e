/*
 * Puts one finding event on a findings bus, in the contract the playbooks start on (the source,
 * detail type and detail the audit relay of FleetAuditing puts), and says whether EventBridge
 * took it. integ.incident-response deploys it twice: as the producer given grantPutFindings, and
 * as a forger whose own IAM policy allows events:PutEvents on the bus but whom the bus's policy
 * does not admit. `detailType` puts something other than a finding event, which the producer's
 * grant (limited by events:detail-type) must refuse.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { FindingDetail, FindingEvent } from '../../../../lib/core/finding-event';

export interface PutFindingRequest {
  readonly busName: string;
  readonly detail: FindingDetail;
  /** Another detail type than the findings' (a grant limited to finding events must refuse it). */
  readonly detailType?: string;
}

/** What EventBridge did with the event: taken (with its ID), or refused for lack of authorization. */
export interface PutFindingResult {
  readonly accepted: boolean;
  readonly eventId?: string;
  readonly refusal?: string;
}

/**
 * An authorization refusal, whether EventBridge fails the request (an explicit Deny in the bus's
 * policy) or the entry. Anything else (throttling, an internal error) is not an answer to "may this
 * principal put findings" and fails the invocation instead.
 */
const REFUSAL = /AccessDenied|NotAuthorized|Unauthorized/;

const eventBridge = new EventBridgeClient({});

export async function handler(request: PutFindingRequest): Promise<PutFindingResult> {
  if (typeof request?.busName !== 'string' || typeof request.detail !== 'object' || request.detail === null) {
    throw new Error('incident-producer: busName and detail are required');
  }
  let out;
  try {
    out = await eventBridge.send(new PutEventsCommand({
      Entries: [{
        EventBusName: request.busName,
        Source: FindingEvent.SOURCE,
        DetailType: request.detailType ?? FindingEvent.DETAIL_TYPE,
        Detail: JSON.stringify(request.detail),
      }],
    }));
  } catch (e) {
    const name = e instanceof Error ? e.name : String(e);
    if (REFUSAL.test(name)) return { accepted: false, refusal: `${name}: ${(e as Error).message}` };
    throw e;
  }
  const entry = out.Entries?.[0];
  if (entry?.ErrorCode !== undefined) {
    if (REFUSAL.test(entry.ErrorCode)) return { accepted: false, refusal: `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}` };
    throw new Error(`EventBridge failed the entry: ${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`);
  }
  if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
    throw new Error(`EventBridge answered without an event ID: ${JSON.stringify(out.Entries)}`);
  }
  return { accepted: true, eventId: entry.EventId };
}
