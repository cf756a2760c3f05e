/*
 * The registry probe: reads what an assertion needs to find EMPTY, where an awsApiCall cannot say
 * it. ListAttachedPolicies and ListThingPrincipals type their lists as optional (the SDK v3 models:
 * `policies?`, `principals?`), and integ-tests' objectLike fails on a missing key, so `{policies: []}`
 * would fail should AWS IoT omit an empty list. Here an absent list is an empty one, every page is
 * read, and the answer always has `count` and the names.
 * - `{"action": "attachedPolicies", "target": <certificate ARN>}` → `{count, policies}`
 * - `{"action": "thingPrincipals", "thingName"}` → `{count, principals}`
 */
import { IoTClient } from '@aws-sdk/client-iot';
import { attachedPolicies, thingPrincipals } from '../shared/cleanup';

const iot = new IoTClient({});

export type ProbeEvent =
  | { action: 'attachedPolicies'; target: string }
  | { action: 'thingPrincipals'; thingName: string };

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export async function handler(event: ProbeEvent): Promise<{ count: number; policies?: string[]; principals?: string[] }> {
  switch (event?.action) {
    case 'attachedPolicies': {
      if (!isString(event.target)) throw new Error('attachedPolicies needs target');
      const policies = (await attachedPolicies(iot, event.target)).map((p) => p.policyName ?? '');
      return { count: policies.length, policies };
    }
    case 'thingPrincipals': {
      if (!isString(event.thingName)) throw new Error('thingPrincipals needs thingName');
      // A thing that is gone is an error here, never an empty list: the probe answers "none attached".
      const principals = await thingPrincipals(iot, event.thingName);
      return { count: principals.length, principals };
    }
    default:
      throw new Error(`unknown action ${JSON.stringify((event as { action?: unknown })?.action)}`);
  }
}
