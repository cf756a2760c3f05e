import { Environment, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  AssetTags, Criticality, DataCategory, DataClass, DataProtection, FleetAuditing, FleetIndexing, FleetMonitoring, IndexedFieldType,
  TelemetryPipeline, TelemetryStore,
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
  new FleetIndexing(inventory, 'FleetIndexing', {
    customFields: [
      { name: 'attributes.firmwareVersion', type: IndexedFieldType.STRING },
      { name: 'attributes.site', type: IndexedFieldType.STRING },
    ],
  });

  const data = new Stack(scope, 'SecureIotData', {
    env: environment,
    description: 'cdk-secure-iot reference deployment: keys per data category, IoT Core encryption at rest, telemetry store (practice 5)',
  });
  AssetTags.apply(data, { criticality: Criticality.HIGH, owner: 'iot-platform', dataClass: DataClass.CONFIDENTIAL });
  const dataProtection = new DataProtection(data, 'DataProtection');

  const monitoring = new Stack(scope, 'SecureIotMonitoring', {
    env: environment,
    description: 'cdk-secure-iot reference deployment: Device Defender audit, IoT logging, alarms, trail and dashboard (practice 8)',
  });
  AssetTags.apply(monitoring, { criticality: Criticality.HIGH, owner: 'iot-platform', dataClass: DataClass.INTERNAL });
  const auditing = new FleetAuditing(monitoring, 'FleetAuditing', {
    iotDataKey: dataProtection.keyFor(DataCategory.CONFIGURATION),
  });
  const fleetMonitoring = new FleetMonitoring(monitoring, 'FleetMonitoring', {
    iotLogGroup: auditing.iotLogGroup,
    // FleetIndexing (inventory stack) indexes connectivity, which this fleet metric counts.
    disconnectedDevicesThreshold: 50,
  });

  // Its own stack: it uses the data stack's key and the monitoring stack's alarm topic.
  const telemetry = new Stack(scope, 'SecureIotTelemetry', {
    env: environment,
    description: 'cdk-secure-iot reference deployment: device telemetry into an encrypted store, with an alarmed dead-letter queue (practice 5)',
  });
  AssetTags.apply(telemetry, { criticality: Criticality.HIGH, owner: 'iot-platform', dataClass: DataClass.CONFIDENTIAL });
  new TelemetryPipeline(telemetry, 'Telemetry', {
    topicFilter: 'dt/+/telemetry',
    store: TelemetryStore.S3,
    encryptionKey: dataProtection.keyFor(DataCategory.TELEMETRY),
    alarmTopic: fleetMonitoring.alarmTopic,
  });

  return [inventory, data, monitoring, telemetry];
}
