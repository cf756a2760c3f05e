import { CfnParameter, Environment, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { Construct } from 'constructs';
import {
  AccountBaseline, AllowListDirection, DeviceInventory, DeviceTopic, DynamicGroupQuery, IndexedFieldType, RiskProfile, SecureIotDeployment,
} from '../lib';
import { secureKey, secureLogGroup } from '../lib/core/private/secure-defaults';

/** The reference deployment's stacks: the account's baseline and the factory's fleet. */
export interface ReferenceDeployment {
  /** The account-and-region settings: fleet indexing, audit, logging, IoT Core encryption, incident response. */
  readonly baselineStack: Stack;
  /** The INDUSTRIAL fleet of the factory. */
  readonly factoryStack: Stack;
  /** The baseline construct. */
  readonly baseline: AccountBaseline;
  /** The factory's deployment. */
  readonly factory: SecureIotDeployment;
  /** Every stack, baseline first. */
  readonly stacks: Stack[];
}

/**
 * The reference deployment: one `AccountBaseline` stack and the INDUSTRIAL `SecureIotDeployment`
 * of a factory, in the same environment. Kept apart from the entry point so tests and the
 * benchmark synthesize exactly what `npx cdk synth` does.
 */
export function buildReferenceDeployment(scope: Construct, env: Partial<Environment> = {}): ReferenceDeployment {
  const environment = env.account || env.region ? { account: env.account, region: env.region } : undefined;
  const profile = RiskProfile.INDUSTRIAL;

  const baselineStack = new Stack(scope, 'SecureIotBaseline', {
    env: environment,
    description: 'cdk-secure-iot reference deployment: the account-and-region IoT settings (fleet indexing, Device Defender audit, IoT logging, IoT Core encryption) and incident response',
  });
  const factoryStack = new Stack(scope, 'SecureIotFactory', {
    env: environment,
    description: 'cdk-secure-iot reference deployment: the INDUSTRIAL fleet of a factory (identity, network, endpoint, gateways, signed OTA, telemetry, monitoring, backups)',
  });
  // The factory's inventory: groups by criticality and site, typed things, and dynamic groups over
  // the baseline's fleet indexing (which indexes the fields their queries read).
  const devices = new DeviceInventory(factoryStack, 'DeviceInventory', {
    riskProfile: profile,
    rootGroupName: 'factory',
    sites: ['plant-north', 'plant-south'],
    thingTypes: [{ name: 'line-sensor', description: 'Production line sensor' }],
    dynamicGroups: [
      { name: 'firmware-outdated', query: DynamicGroupQuery.firmwareOlderThan(1042), description: 'Firmware build below the current release' },
      { name: 'disconnected', query: DynamicGroupQuery.disconnected(), description: 'Not connected now' },
      { name: 'non-compliant', query: DynamicGroupQuery.nonCompliant(), description: 'Reports itself out of compliance' },
    ],
  });
  const baseline = new AccountBaseline(baselineStack, 'Baseline', {
    riskProfile: profile,
    fleetIndexing: {
      customFields: [
        { name: 'attributes.site', type: IndexedFieldType.STRING },
        ...devices.requiredCustomFields,
      ],
    },
  });

  // The code-signing certificate (with its private key) is imported into ACM out of band.
  const certificateArn = new CfnParameter(factoryStack, 'CodeSigningCertificateArn', {
    type: 'String',
    description: 'ARN of the ACM code-signing certificate AWS Signer signs firmware with',
    allowedPattern: '^arn:aws[a-z-]*:acm:[a-z0-9-]+:\\d{12}:certificate/[0-9a-f-]+$',
  });
  const factory = new SecureIotDeployment(factoryStack, 'Factory', {
    deploymentName: 'factory',
    riskProfile: profile,
    owner: 'plant-ops',
    signingCertificate: acm.Certificate.fromCertificateArn(factoryStack, 'CodeSigningCertificate', certificateArn.valueAsString),
    firmwareDeviceTypes: [
      { thingTypeName: 'line-controller', targetThingGroupNames: ['line-1', 'line-2'] },
      { thingTypeName: 'line-sensor', targetThingGroupNames: ['line-sensors'] },
    ],
    firmwareMaintenanceWindows: [{ startTime: 'cron(0 2 ? * SUN *)', durationMinutes: 240 }],
    greengrassCoreThingNames: ['line-1-greengrass-core'],
    deviceTopics: [DeviceTopic.sharedReceiveOnly('broadcast/maintenance-window')],
    iotLogGroup: baseline.auditing.iotLogGroup,
    // The baseline's fleet indexing counts connectivity, which this alarm reads.
    disconnectedDevicesThreshold: 50,
  });
  factory.network!.allowFlow('edge', 'processing', 8883);
  factory.network!.allowFlow('processing', 'data', 5432);
  factory.network!.allowExternal({ zone: 'management', direction: AllowListDirection.EGRESS, cidr: '198.51.100.0/24', port: 443 });
  const logKey = secureKey(factoryStack, 'GatewayLogKey', { description: 'Encrypts the gateways\' log group' });
  factory.gatewayCredentials!.grantWriteThingLogs(secureLogGroup(factoryStack, 'GatewayLogs', { encryptionKey: logKey }));

  return { baselineStack, factoryStack, baseline, factory, stacks: [baselineStack, factoryStack] };
}
