/*
 * Custom resource: the event types AWS IoT publishes on `$aws/events/...` (job, job execution,
 * certificate, registry events), one setting per account and region that CloudFormation has no
 * resource for (UpdateEventConfigurations).
 *
 * The resource switches on the types it is given and nothing else. What the account had before
 * is kept in an SSM parameter, one per account and region like the setting, with the resource
 * that owns the setting now: Create keeps what it found (unless the parameter already holds an
 * earlier finding, as when a construct moves and the new resource is created before the old one
 * is deleted) and takes ownership; Update switches on the new types and puts back, as found, the
 * types it no longer asks for; Delete puts back every type it switched on as it was found, but
 * only while it still owns the setting. Types it never asked for are never written. Every step
 * is safe to repeat.
 */
import {
  DescribeEventConfigurationsCommand,
  EventType,
  IoTClient,
  UpdateEventConfigurationsCommand,
} from '@aws-sdk/client-iot';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CustomResourceRequest, CustomResourceResult, respond } from '../../core/private/custom-resource';
import { KeptSetting } from '../../core/private/kept-setting';

/** The properties the construct passes. */
export interface IotEventConfigurationsProperties {
  /** The event types to switch on (UpdateEventConfigurations keys). */
  readonly EnabledEventTypes: string[];
  /** The SSM parameter that keeps the configuration found before, and the setting's owner. */
  readonly StateParameter: string;
}

export type CustomResourceEvent = CustomResourceRequest<IotEventConfigurationsProperties>;

/** The keys UpdateEventConfigurations takes (AWS IoT API reference). */
export const EVENT_TYPES: readonly string[] = [
  'THING', 'THING_GROUP', 'THING_TYPE', 'THING_GROUP_MEMBERSHIP', 'THING_GROUP_HIERARCHY', 'THING_TYPE_ASSOCIATION',
  'JOB', 'JOB_EXECUTION', 'POLICY', 'CERTIFICATE', 'CA_CERTIFICATE',
];

const iot = new IoTClient({});
/** Each event type's `Enabled` as found before any resource of this library set it, and the setting's owner. */
const kept = new KeptSetting<{ [eventType: string]: boolean }>(new SSMClient({}), {
  what: 'IoT event configuration',
  description: 'cdk-secure-iot: AWS IoT event configurations found before the library set them, and the resource that owns them; restored on delete',
  isPrevious: (previous) => Boolean(previous) && typeof previous === 'object',
});

function eventTypesOf(list: unknown, what: string): string[] {
  if (!Array.isArray(list) || list.some((t) => typeof t !== 'string' || !EVENT_TYPES.includes(t))) {
    throw new Error(`${what} must be a list of ${EVENT_TYPES.join(', ')}, got ${JSON.stringify(list)}`);
  }
  return [...new Set(list as string[])];
}

/** Each type's `Enabled` now; a type the account never set is off. */
async function current(): Promise<{ [eventType: string]: boolean }> {
  const out = await iot.send(new DescribeEventConfigurationsCommand({}));
  const found: { [eventType: string]: boolean } = {};
  for (const t of EVENT_TYPES) found[t] = out.eventConfigurations?.[t as EventType]?.Enabled === true;
  return found;
}

async function update(configurations: { [eventType: string]: boolean }): Promise<void> {
  if (Object.keys(configurations).length === 0) return;
  const eventConfigurations: { [eventType: string]: { Enabled: boolean } } = {};
  for (const [t, enabled] of Object.entries(configurations)) eventConfigurations[t] = { Enabled: enabled };
  await iot.send(new UpdateEventConfigurationsCommand({ eventConfigurations }));
}

/** The physical ID: stable for the resource's life, distinct for each resource. */
export function physicalIdOf(event: CustomResourceEvent): string {
  return event.PhysicalResourceId ?? `iot-event-configurations:${event.StackId}/${event.LogicalResourceId}`;
}

/** The custom resource's logic, apart from answering CloudFormation. */
export async function onEvent(event: CustomResourceEvent): Promise<CustomResourceResult> {
  const parameter = event.ResourceProperties.StateParameter;
  const physicalId = physicalIdOf(event);

  if (event.RequestType === 'Delete') {
    const state = await kept.read(parameter);
    // Another resource took the setting over (a moved construct): it is theirs to restore.
    if (state && state.owner === physicalId) {
      let switchedOn: readonly string[];
      try {
        switchedOn = eventTypesOf(event.ResourceProperties.EnabledEventTypes, 'EnabledEventTypes');
      } catch {
        // A stack must be able to delete what a bad request created: put every type back as found.
        switchedOn = EVENT_TYPES;
      }
      const restore: { [eventType: string]: boolean } = {};
      for (const t of switchedOn) restore[t] = state.previous[t] === true;
      await update(restore);
      await kept.forget(parameter);
    }
    return { PhysicalResourceId: physicalId };
  }

  const desired = eventTypesOf(event.ResourceProperties.EnabledEventTypes, 'EnabledEventTypes');
  const state = event.RequestType === 'Create'
    ? await kept.takeOwnership(parameter, physicalId, current)
    : (await kept.read(parameter)) ?? await kept.takeOwnership(parameter, physicalId, current);
  const configurations: { [eventType: string]: boolean } = {};
  if (event.RequestType === 'Update' && event.OldResourceProperties) {
    // Types no longer asked for go back to what they were before the library switched them on.
    for (const t of eventTypesOf(event.OldResourceProperties.EnabledEventTypes, 'the previous EnabledEventTypes')) {
      if (!desired.includes(t)) configurations[t] = state.previous[t] === true;
    }
  }
  for (const t of desired) configurations[t] = true;
  await update(configurations);
  return { PhysicalResourceId: physicalId, Data: { EnabledEventTypes: desired.join(',') } };
}

/** Lambda entry point. Always answers CloudFormation, so a stack never hangs on a failure. */
export async function handler(event: CustomResourceEvent): Promise<void> {
  try {
    const result = await onEvent(event);
    await respond(event, 'SUCCESS', result);
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    console.error(JSON.stringify({ level: 'ERROR', requestType: event.RequestType, message }));
    // The same physical ID as success: a failed Create is followed by a Delete that must
    // recognise the setting as its own to put it back.
    await respond(event, 'FAILED', { PhysicalResourceId: physicalIdOf(event) }, message);
  }
}
