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
import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { CustomResourceRequest, CustomResourceResult, respond } from '../../core/private/custom-resource';

/** The properties the construct passes. */
export interface IotEventConfigurationsProperties {
  /** The event types to switch on (UpdateEventConfigurations keys). */
  readonly EnabledEventTypes: string[];
  /** The SSM parameter that keeps the configuration found before, and the setting's owner. */
  readonly StateParameter: string;
}

export type CustomResourceEvent = CustomResourceRequest<IotEventConfigurationsProperties>;

/** What the SSM parameter holds. */
export interface KeptState {
  /** Each event type's `Enabled` as found before any resource of this library set it. */
  readonly previous: { [eventType: string]: boolean };
  /** The physical ID of the resource that owns the setting now. */
  readonly owner: string;
}

/** The keys UpdateEventConfigurations takes (AWS IoT API reference). */
export const EVENT_TYPES: readonly string[] = [
  'THING', 'THING_GROUP', 'THING_TYPE', 'THING_GROUP_MEMBERSHIP', 'THING_GROUP_HIERARCHY', 'THING_TYPE_ASSOCIATION',
  'JOB', 'JOB_EXECUTION', 'POLICY', 'CERTIFICATE', 'CA_CERTIFICATE',
];

const iot = new IoTClient({});
const ssm = new SSMClient({});
const isNamed = (e: unknown, name: string) => (e as Error)?.name === name;

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

async function readKept(name: string): Promise<KeptState | undefined> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name }));
    if (!out.Parameter?.Value) return undefined;
    const kept = JSON.parse(out.Parameter.Value) as KeptState;
    if (!kept?.previous || typeof kept.previous !== 'object' || typeof kept.owner !== 'string') {
      throw new Error(`${name} does not hold cdk-secure-iot's IoT event configuration state: ${out.Parameter.Value}`);
    }
    return kept;
  } catch (e) {
    if (e instanceof ParameterNotFound || isNamed(e, 'ParameterNotFound')) return undefined;
    throw e;
  }
}

async function writeKept(name: string, state: KeptState, overwrite: boolean): Promise<void> {
  await ssm.send(new PutParameterCommand({
    Name: name,
    Value: JSON.stringify(state),
    Type: 'String',
    Overwrite: overwrite,
    ...(overwrite ? {} : {
      Description: 'cdk-secure-iot: AWS IoT event configurations found before the library set them, and the resource that owns them; restored on delete',
    }),
  }));
}

/** Takes ownership of the setting, keeping the earliest configuration found. Returns what is kept. */
async function takeOwnership(parameter: string, owner: string): Promise<KeptState> {
  const kept = await readKept(parameter);
  if (kept) {
    if (kept.owner !== owner) await writeKept(parameter, { previous: kept.previous, owner }, true);
    return { previous: kept.previous, owner };
  }
  const state = { previous: await current(), owner };
  try {
    await writeKept(parameter, state, false);
    return state;
  } catch (e) {
    if (!(e instanceof ParameterAlreadyExists) && !isNamed(e, 'ParameterAlreadyExists')) throw e;
    // Written between our read and write: keep that earlier finding, as above.
    return takeOwnership(parameter, owner);
  }
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
    const kept = await readKept(parameter);
    // Another resource took the setting over (a moved construct): it is theirs to restore.
    if (kept && kept.owner === physicalId) {
      let switchedOn: readonly string[];
      try {
        switchedOn = eventTypesOf(event.ResourceProperties.EnabledEventTypes, 'EnabledEventTypes');
      } catch {
        // A stack must be able to delete what a bad request created: put every type back as found.
        switchedOn = EVENT_TYPES;
      }
      const restore: { [eventType: string]: boolean } = {};
      for (const t of switchedOn) restore[t] = kept.previous[t] === true;
      await update(restore);
      await ssm.send(new DeleteParameterCommand({ Name: parameter })).catch((e: Error) => {
        if (!(e instanceof ParameterNotFound) && !isNamed(e, 'ParameterNotFound')) throw e;
      });
    }
    return { PhysicalResourceId: physicalId };
  }

  const desired = eventTypesOf(event.ResourceProperties.EnabledEventTypes, 'EnabledEventTypes');
  const kept = event.RequestType === 'Create'
    ? await takeOwnership(parameter, physicalId)
    : (await readKept(parameter)) ?? await takeOwnership(parameter, physicalId);
  const configurations: { [eventType: string]: boolean } = {};
  if (event.RequestType === 'Update' && event.OldResourceProperties) {
    // Types no longer asked for go back to what they were before the library switched them on.
    for (const t of eventTypesOf(event.OldResourceProperties.EnabledEventTypes, 'the previous EnabledEventTypes')) {
      if (!desired.includes(t)) configurations[t] = kept.previous[t] === true;
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
