import { Environment, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  AssetTags, Criticality, DataClass, DeviceInventory, DevicePolicy, DeviceTopic, DynamicGroupQuery, FleetIndexing, FleetProvisioning,
  IndexedFieldType, THING_NAME_VARIABLE, TopicAccess,
} from '../lib';

/**
 * The reference deployment's stacks, one per concern. Kept apart from the entry point so tests
 * and the benchmark synthesize exactly what `npx cdk synth` does.
 */
export function buildReferenceDeployment(scope: Construct, env: Partial<Environment> = {}): Stack[] {
  const environment = env.account || env.region ? { account: env.account, region: env.region } : undefined;

  const inventory = new Stack(scope, 'SecureIotInventory', {
    env: environment,
    description: 'cdk-secure-iot reference deployment: fleet inventory (practice 2)',
  });
  AssetTags.apply(inventory, { criticality: Criticality.HIGH, owner: 'iot-platform', dataClass: DataClass.INTERNAL });
  const devices = new DeviceInventory(inventory, 'DeviceInventory', {
    sites: ['plant-north', 'plant-south'],
    thingTypes: [{ name: 'line-sensor', description: 'Production line sensor' }],
    dynamicGroups: [
      { name: 'firmware-outdated', query: DynamicGroupQuery.firmwareOlderThan(1042), description: 'Firmware build below the current release' },
      { name: 'disconnected', query: DynamicGroupQuery.disconnected(), description: 'Not connected now' },
      { name: 'disconnected-30d', query: DynamicGroupQuery.disconnectedForDays(30), description: 'Not connected for 30 days or more' },
      { name: 'non-compliant', query: DynamicGroupQuery.nonCompliant(), description: 'Reports itself out of compliance' },
    ],
  });
  new FleetIndexing(inventory, 'FleetIndexing', {
    customFields: [
      { name: 'attributes.firmwareVersion', type: IndexedFieldType.STRING },
      { name: 'attributes.site', type: IndexedFieldType.STRING },
      ...devices.requiredCustomFields,
    ],
  });

  const identity = new Stack(scope, 'SecureIotIdentity', {
    env: environment,
    description: 'cdk-secure-iot reference deployment: device identity, fleet provisioning and certificate lifecycle (practice 3)',
  });
  AssetTags.apply(identity, { criticality: Criticality.HIGH, owner: 'iot-platform', dataClass: DataClass.CONFIDENTIAL });
  const devicePolicy = new DevicePolicy(identity, 'DevicePolicy', {
    topics: [
      DeviceTopic.perDevice(`telemetry/${THING_NAME_VARIABLE}`, TopicAccess.PUBLISH),
      DeviceTopic.sharedReceiveOnly('broadcast/maintenance-window'),
    ],
  });
  new FleetProvisioning(identity, 'FleetProvisioning', {
    devicePolicy,
    thingNamePrefix: 'sensor-',
    thingType: devices.thingTypes['line-sensor'],
    thingGroups: [devices.rootGroup],
  });

  return [inventory, identity];
}
