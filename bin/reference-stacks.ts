import { CfnParameter, Environment, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { Construct } from 'constructs';
import {
  AllowListDirection, AssetTags, BackupAndRecovery, Criticality, DataCategory, DataClass, DataProtection, DeviceInventory, DevicePolicy,
  DeviceTopic, DynamicGroupQuery, FleetAuditing, FleetIndexing, FleetMonitoring, FleetProvisioning, GatewayCredentials,
  GreengrassCoreCredentials, IncidentResponse, IndexedFieldType, RiskProfile, SecureIotEndpoint, SegmentedNetwork,
  SignedFirmwarePipeline, TelemetryPipeline, TelemetryStore, THING_NAME_VARIABLE, TopicAccess,
} from '../lib';
import { secureKey, secureLogGroup } from '../lib/core/private/secure-defaults';

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

  const updates = new Stack(scope, 'SecureIotUpdates', {
    env: environment,
    description: 'cdk-secure-iot reference deployment: signed, staged, rollback-proof firmware updates (practice 4)',
  });
  AssetTags.apply(updates, { criticality: Criticality.HIGH, owner: 'iot-platform', dataClass: DataClass.INTERNAL });
  // The code-signing certificate (with its private key) is imported into ACM out of band.
  const certificateArn = new CfnParameter(updates, 'CodeSigningCertificateArn', {
    type: 'String',
    description: 'ARN of the ACM code-signing certificate AWS Signer signs firmware with',
    allowedPattern: '^arn:aws[a-z-]*:acm:[a-z0-9-]+:\\d{12}:certificate/[0-9a-f-]+$',
  });
  new SignedFirmwarePipeline(updates, 'Firmware', {
    riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE,
    signingCertificate: acm.Certificate.fromCertificateArn(updates, 'CodeSigningCertificate', certificateArn.valueAsString),
    deviceTypes: [
      { thingTypeName: 'pump-controller', targetThingGroupNames: ['pumps-north', 'pumps-south'] },
      { thingTypeName: 'flow-sensor', targetThingGroupNames: ['flow-sensors'] },
    ],
    maintenanceWindows: [{ startTime: 'cron(0 2 ? * SUN *)', durationMinutes: 240 }],
  });

  const connectivity = new Stack(scope, 'SecureIotConnectivity', {
    env: environment,
    description: 'cdk-secure-iot reference deployment: zoned network, device endpoint and gateway credentials (practices 1, 6, 7)',
  });
  AssetTags.apply(connectivity, { criticality: Criticality.HIGH, owner: 'iot-platform', dataClass: DataClass.CONFIDENTIAL });
  const profile = RiskProfile.INDUSTRIAL;
  const network = new SegmentedNetwork(connectivity, 'Network', {
    riskProfile: profile,
    flows: [{ from: 'edge', to: 'processing', port: 8883 }, { from: 'processing', to: 'data', port: 5432 }],
  });
  network.allowExternal({ zone: 'management', direction: AllowListDirection.EGRESS, cidr: '198.51.100.0/24', port: 443 });
  new SecureIotEndpoint(connectivity, 'DeviceEndpoint', { riskProfile: profile });
  const logKey = secureKey(connectivity, 'GatewayLogKey', { description: 'Encrypts the gateways\' log group' });
  const gatewayLogs = secureLogGroup(connectivity, 'GatewayLogs', { encryptionKey: logKey });
  const gateways = new GatewayCredentials(connectivity, 'GatewayCredentials', { riskProfile: profile });
  gateways.grantWriteThingLogs(gatewayLogs);
  new GreengrassCoreCredentials(connectivity, 'LineOneCore', {
    riskProfile: profile,
    coreDeviceThingName: 'line-1-greengrass-core',
    logGroups: [secureLogGroup(connectivity, 'LineOneCoreLogs', {
      encryptionKey: logKey,
      logGroupName: '/aws/greengrass/UserComponent/line-1/com.example.Telemetry',
    })],
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


  // Practices 9 and 10: playbooks that contain a device the way the profile says, and backups
  // (with restore tests) of every stateful resource of the deployment.
  const resilience = new Stack(scope, 'SecureIotResilience', {
    env: environment,
    description: 'cdk-secure-iot reference deployment: incident response and business continuity (practices 9, 10)',
  });
  AssetTags.apply(resilience, { criticality: Criticality.HIGH, owner: 'iot-platform', dataClass: DataClass.CONFIDENTIAL });
  const backup = new BackupAndRecovery(resilience, 'BackupAndRecovery', { riskProfile: RiskProfile.INDUSTRIAL });
  new IncidentResponse(resilience, 'IncidentResponse', {
    riskProfile: RiskProfile.INDUSTRIAL,
    deviceFailureModes: backup.deviceFailureModes,
  });
  BackupAndRecovery.select(scope, backup.tagValue);

  return [inventory, identity, updates, connectivity, data, monitoring, telemetry, resilience];
}
