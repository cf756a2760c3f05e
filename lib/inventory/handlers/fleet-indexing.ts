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
import { SSMClient } from '@aws-sdk/client-ssm';
import { CustomResourceRequest, CustomResourceResult, respond } from '../../core/private/custom-resource';
import { KeptSetting } from '../../core/private/kept-setting';

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

const iot = new IoTClient({});
/** The configuration found before any resource of this library set it, and the setting's owner. */
const kept = new KeptSetting<ThingIndexingConfiguration>(new SSMClient({}), {
  what: 'fleet indexing',
  description: 'cdk-secure-iot: fleet indexing configuration found before the library set it, and the resource that owns it; restored on delete',
  isPrevious: (previous) => Boolean(previous),
});

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

/** The physical ID: stable for the resource's life, distinct for each resource. */
export function physicalIdOf(event: CustomResourceEvent): string {
  return event.PhysicalResourceId ?? `fleet-indexing:${event.StackId}/${event.LogicalResourceId}`;
}

/** The custom resource's logic, apart from answering CloudFormation. */
export async function onEvent(event: CustomResourceEvent): Promise<OnEventResult> {
  const parameter = event.ResourceProperties.PreviousConfigurationParameter;
  const physicalId = physicalIdOf(event);

  if (event.RequestType === 'Delete') {
    const state = await kept.read(parameter);
    // Another resource took the setting over (a moved construct): it is theirs to restore.
    if (state && state.owner === physicalId) {
      await iot.send(new UpdateIndexingConfigurationCommand({ thingIndexingConfiguration: writable(state.previous) }));
      await kept.forget(parameter);
    }
    return { PhysicalResourceId: physicalId };
  }

  const desired = parseConfiguration(event.ResourceProperties.ThingIndexingConfiguration);
  if (event.RequestType === 'Create') await kept.takeOwnership(parameter, physicalId, current);
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
