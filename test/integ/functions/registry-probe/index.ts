/*
 * The registry probe: reads what an assertion needs to find EMPTY, where an awsApiCall cannot say
 * it. ListAttachedPolicies and ListThingPrincipals type their lists as optional (the SDK v3 models:
 * `policies?`, `principals?`), and integ-tests' objectLike fails on a missing key, so `{policies: []}`
 * would fail should AWS IoT omit an empty list. Here an absent list is an empty one, every page is
 * read, and the answer always has `count` and the names.
 * - `{"action": "attachedPolicies", "target": <certificate ARN>}` → `{count, policies}`
 * - `{"action": "thingPrincipals", "thingName"}` → `{count, principals}`
 */
import { IoTClient, ListAttachedPoliciesCommand, ListThingPrincipalsCommand } from '@aws-sdk/client-iot';

const iot = new IoTClient({});

export type ProbeEvent =
  | { action: 'attachedPolicies'; target: string }
  | { action: 'thingPrincipals'; thingName: string };

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export async function handler(event: ProbeEvent): Promise<{ count: number; policies?: string[]; principals?: string[] }> {
  switch (event?.action) {
    case 'attachedPolicies': {
      if (!isString(event.target)) throw new Error('attachedPolicies needs target');
      const policies: string[] = [];
      let marker: string | undefined;
      do {
        const page = await iot.send(new ListAttachedPoliciesCommand({ target: event.target, recursive: false, marker }));
        policies.push(...(page.policies ?? []).map((p) => p.policyName ?? ''));
        marker = page.nextMarker;
      } while (marker);
      return { count: policies.length, policies };
    }
    case 'thingPrincipals': {
      if (!isString(event.thingName)) throw new Error('thingPrincipals needs thingName');
      const principals: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await iot.send(new ListThingPrincipalsCommand({ thingName: event.thingName, nextToken }));
        principals.push(...(page.principals ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return { count: principals.length, principals };
    }
    default:
      throw new Error(`unknown action ${JSON.stringify((event as { action?: unknown })?.action)}`);
  }
}
