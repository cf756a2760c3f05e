/*
 * Custom resource: the account's AWS IoT fleet indexing configuration. CloudFormation has no
 * resource for it; it is one setting per account and region.
 *
 * An SSM parameter, one per account and region like the setting itself, keeps the configuration
 * found before any of ours and which resource owns the setting now. Create keeps what it found
 * (unless the parameter already holds an earlier finding, as when a construct moves and the new
 * resource is created before the old one is deleted), takes ownership and applies its
 * configuration. Update applies the new one. Delete puts back what was found, but only while it
 * still owns the setting. Every step is safe to repeat.
 */
import {
  GetIndexingConfigurationCommand,
  IoTClient,
  ThingIndexingConfiguration,
  UpdateIndexingConfigurationCommand,
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

/** The properties the construct passes; CloudFormation turns every scalar into a string. */
export interface FleetIndexingProperties {
  /**
   * The thing indexing configuration to apply, as JSON. Without `deviceDefenderIndexingMode`
   * the account's current mode is kept.
   */
  readonly ThingIndexingConfiguration: string;
  /** The SSM parameter that keeps the configuration found before, and the setting's owner. */
  readonly PreviousConfigurationParameter: string;
}

export type CustomResourceEvent = CustomResourceRequest<FleetIndexingProperties>;
export type OnEventResult = CustomResourceResult;

/** What the SSM parameter holds. */
export interface KeptState {
  /** The configuration found before any resource of this library set it. */
  readonly previous: ThingIndexingConfiguration;
  /** The physical ID of the resource that owns the setting now. */
  readonly owner: string;
}

const iot = new IoTClient({});
const ssm = new SSMClient({});

/** Fields Get returns that Update does not take: IoT manages them itself. */
function writable(config: ThingIndexingConfiguration): ThingIndexingConfiguration {
  const { managedFields: _managed, ...rest } = config;
  return rest;
}

function parseConfiguration(json: string): ThingIndexingConfiguration {
  const parsed = JSON.parse(json) as ThingIndexingConfiguration;
  if (!parsed || typeof parsed !== 'object' || typeof parsed.thingIndexingMode !== 'string') {
    throw new Error(`ThingIndexingConfiguration must be a JSON object with thingIndexingMode, got ${json}`);
  }
  return parsed;
}

const isNamed = (e: unknown, name: string) => (e as Error)?.name === name;

async function readKept(name: string): Promise<KeptState | undefined> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name }));
    if (!out.Parameter?.Value) return undefined;
    const kept = JSON.parse(out.Parameter.Value) as KeptState;
    if (!kept?.previous || typeof kept.owner !== 'string') {
      throw new Error(`${name} does not hold cdk-secure-iot's fleet indexing state: ${out.Parameter.Value}`);
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
      Description: 'cdk-secure-iot: fleet indexing configuration found before the library set it, and the resource that owns it; restored on delete',
    }),
  }));
}

async function current(): Promise<ThingIndexingConfiguration> {
  const found = await iot.send(new GetIndexingConfigurationCommand({}));
  return writable(found.thingIndexingConfiguration ?? { thingIndexingMode: 'OFF' });
}

async function apply(desired: ThingIndexingConfiguration): Promise<void> {
  const config = desired.deviceDefenderIndexingMode === undefined
    ? { ...desired, deviceDefenderIndexingMode: (await current()).deviceDefenderIndexingMode ?? 'OFF' }
    : desired;
  await iot.send(new UpdateIndexingConfigurationCommand({ thingIndexingConfiguration: writable(config) }));
}

/** Takes ownership of the setting, keeping the earliest configuration found. */
async function takeOwnership(parameter: string, owner: string): Promise<void> {
  const kept = await readKept(parameter);
  if (kept) {
    if (kept.owner !== owner) await writeKept(parameter, { previous: kept.previous, owner }, true);
    return;
  }
  try {
    await writeKept(parameter, { previous: await current(), owner }, false);
  } catch (e) {
    if (!(e instanceof ParameterAlreadyExists) && !isNamed(e, 'ParameterAlreadyExists')) throw e;
    // Written between our read and write: keep that earlier finding, as above.
    await takeOwnership(parameter, owner);
  }
}

/** The physical ID: stable for the resource's life, distinct for each resource. */
export function physicalIdOf(event: CustomResourceEvent): string {
  return event.PhysicalResourceId ?? `fleet-indexing:${event.StackId}/${event.LogicalResourceId}`;
}

/** The custom resource's logic, apart from answering CloudFormation. */
export async function onEvent(event: CustomResourceEvent): Promise<OnEventResult> {
  const parameter = event.ResourceProperties.PreviousConfigurationParameter;
  const physicalId = physicalIdOf(event);

  if (event.RequestType === 'Delete') {
    const kept = await readKept(parameter);
    // Another resource took the setting over (a moved construct): it is theirs to restore.
    if (kept && kept.owner === physicalId) {
      await iot.send(new UpdateIndexingConfigurationCommand({ thingIndexingConfiguration: writable(kept.previous) }));
      await ssm.send(new DeleteParameterCommand({ Name: parameter })).catch((e: Error) => {
        if (!(e instanceof ParameterNotFound) && !isNamed(e, 'ParameterNotFound')) throw e;
      });
    }
    return { PhysicalResourceId: physicalId };
  }

  const desired = parseConfiguration(event.ResourceProperties.ThingIndexingConfiguration);
  if (event.RequestType === 'Create') await takeOwnership(parameter, physicalId);
  await apply(desired);
  return {
    PhysicalResourceId: physicalId,
    Data: { ThingIndexingMode: desired.thingIndexingMode ?? 'OFF' },
  };
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
