import { Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BackupAndRecovery } from '../continuity/backup-and-recovery';
import { AssetTags, Criticality, DataClass } from '../core/asset-tags';
import { Practice } from '../core/practice';
import { unknownPropProblems } from '../core/private/props';
import { NetworkEgress, RiskProfile } from '../core/risk-profile';
import { RolloutRate } from '../core/rollout-rate';
import { TlsSecurityPolicy } from '../core/tls-security-policy';
import { DataCategory, DataProtection } from '../data/data-protection';
import { TelemetryPipeline, TelemetryStore } from '../data/telemetry-pipeline';
import { GatewayCredentials } from '../gateway/gateway-credentials';
import { GreengrassCoreCredentials } from '../gateway/greengrass-core-credentials';
import { DevicePolicy, DeviceTopic } from '../identity/device-policy';
import { FleetProvisioning } from '../identity/fleet-provisioning';
import { FleetMonitoring } from '../monitoring/fleet-monitoring';
import { SegmentedNetwork } from '../network/segmented-network';
import { POSTURE_METADATA_KEY } from '../report/posture-document';
import { SecurityPostureReport } from '../report/security-posture-report';
import { SecureIotEndpoint } from '../transport/secure-iot-endpoint';
import { FirmwareDeviceType, FirmwareMaintenanceWindow, SignedFirmwarePipeline } from '../updates/signed-firmware-pipeline';
import { PartSpec, partProblems, recordDisabled } from './private/parts';
import { describeValue, isToken, TOKEN_DESCRIPTION } from '../core/private/describe';
import { riskProfileProblems } from '../core/private/risk-profile-of';

/**
 * A part of a `SecureIotDeployment` switched off on purpose. The reason is recorded in the
 * stack's template, and the posture report shows the part as a gap of its practice.
 */
export interface DisabledPart {
  /** Why the part is off, for a reviewer to check (at least 10 characters). */
  readonly reason: string;
}

/** Props of `SecureIotDeployment`. */
export interface SecureIotDeploymentProps {
  /**
   * The fleet's name (1-32 lower-case letters, digits or '-', starting with a letter): it names
   * the telemetry topics (`dt/<name>/<thing>/telemetry`), the default device type and thing group,
   * and is the default `owner` tag.
   */
  readonly deploymentName: string;
  /**
   * What the fleet is, and so every default of every part: required, because no default fits a
   * smart bulb and a water pump alike.
   */
  readonly riskProfile: RiskProfile;
  /**
   * Who answers for the fleet: the `owner` tag (practice 2).
   * @default - the deployment's name
   */
  readonly owner?: string;
  /**
   * How much harm follows if the fleet is lost or subverted: the `criticality` tag.
   * @default - from the profile: CONSUMER medium, INDUSTRIAL high, CRITICAL_INFRASTRUCTURE safety-critical, custom profiles high
   */
  readonly criticality?: Criticality;
  /**
   * The class of the fleet's data: the `data-class` tag and the telemetry's retention.
   * @default DataClass.CONFIDENTIAL
   */
  readonly dataClass?: DataClass;

  /**
   * Your own device policy (practice 3).
   * @default - a new `DevicePolicy`: each device its own topic tree under `dt/<name>/<thing name>`, its shadow and its jobs
   */
  readonly devicePolicy?: DevicePolicy;
  /**
   * Topics beyond each device's own tree, for the deployment's device policy.
   * @default - none
   */
  readonly deviceTopics?: DeviceTopic[];
  /**
   * Your own fleet provisioning (practice 3), e.g. one with your own certificate provider.
   * @default - a new `FleetProvisioning` with the device policy: claim certificates, a pre-provisioning hook checking an allow list, certificate rotation and revocation
   */
  readonly provisioning?: FleetProvisioning;
  /**
   * Switch fleet provisioning off, with the reason (e.g. devices carry certificates of your own CA, registered with `DeviceCertificateAuthority`).
   * @default - provisioning is on
   */
  readonly disableProvisioning?: DisabledPart;

  /**
   * Your own backups (practice 10); the deployment's stateful resources are selected for its plan.
   * @default - a new `BackupAndRecovery` for the profile, whose plan selects the deployment's stateful resources (tag value: the deployment's name)
   */
  readonly backup?: BackupAndRecovery;
  /**
   * Switch backups off, with the reason (e.g. an organization backup policy covers the account).
   * @default - backups are on
   */
  readonly disableBackups?: DisabledPart;
  /**
   * The vault in another region that recovery points are copied to: required where the profile
   * copies backups to a second region (CRITICAL_INFRASTRUCTURE).
   * @default - none
   */
  readonly backupSecondRegionVault?: backup.IBackupVault;

  /**
   * Your own segmented network (practices 1 and 7), e.g. one shared by several fleets.
   * @default - a new `SegmentedNetwork` for the profile
   */
  readonly network?: SegmentedNetwork;
  /**
   * Switch the network off, with the reason: devices reach AWS IoT over the internet only.
   * @default - the network is on
   */
  readonly disableNetwork?: DisabledPart;

  /**
   * Your own device endpoint (practice 6), e.g. one with a custom domain or authorizer.
   * @default - a new `SecureIotEndpoint` with the profile's TLS policy
   */
  readonly endpoint?: SecureIotEndpoint;
  /**
   * Switch the endpoint off, with the reason: devices use the account's default endpoint.
   * @default - the endpoint is on
   */
  readonly disableEndpoint?: DisabledPart;

  /**
   * Your own gateway credentials (practice 7).
   * @default - a new `GatewayCredentials` with the profile's credential lifetime
   */
  readonly gatewayCredentials?: GatewayCredentials;
  /**
   * Switch the gateway credentials off, with the reason (a fleet without gateways).
   * @default - the gateway credentials are on
   */
  readonly disableGatewayCredentials?: DisabledPart;
  /**
   * The thing names of the fleet's AWS IoT Greengrass core devices: each gets its role alias,
   * token exchange role and core policy (`GreengrassCoreCredentials`).
   * @default - none
   */
  readonly greengrassCoreThingNames?: string[];

  /**
   * The ACM code-signing certificate AWS Signer signs firmware with. Required unless
   * `firmwareUpdates` or `disableFirmwareUpdates` is given.
   * @default - none
   */
  readonly signingCertificate?: acm.ICertificate;
  /**
   * The device types the firmware pipeline releases for.
   * @default - one: thing type `<name>-device` released to the thing group `<name>-fleet`
   */
  readonly firmwareDeviceTypes?: FirmwareDeviceType[];
  /**
   * When devices may install firmware.
   * @default - devices update when notified
   */
  readonly firmwareMaintenanceWindows?: FirmwareMaintenanceWindow[];
  /**
   * Your own firmware pipeline (practice 4).
   * @default - a new `SignedFirmwarePipeline` with the profile's rollout and abort threshold
   */
  readonly firmwareUpdates?: SignedFirmwarePipeline;
  /**
   * Switch firmware updates off, with the reason (e.g. devices are flashed at the factory only).
   * @default - firmware updates are on
   */
  readonly disableFirmwareUpdates?: DisabledPart;

  /**
   * The keys per data category (practice 5), e.g. `AccountBaseline.dataProtection`.
   * @default - a new `DataProtection` for the profile that leaves IoT Core's encryption configuration to the `AccountBaseline`
   */
  readonly dataProtection?: DataProtection;

  /**
   * The MQTT topic filter devices publish telemetry on.
   * @default 'dt/<name>/+/telemetry'
   */
  readonly telemetryTopicFilter?: string;
  /**
   * Where telemetry is kept.
   * @default TelemetryStore.S3
   */
  readonly telemetryStore?: TelemetryStore;
  /**
   * Your own telemetry pipeline (practice 5).
   * @default - a new `TelemetryPipeline` into an encrypted store under the `TELEMETRY` key
   */
  readonly telemetry?: TelemetryPipeline;
  /**
   * Switch the telemetry pipeline off, with the reason (e.g. the fleet sends no telemetry to AWS).
   * @default - the telemetry pipeline is on
   */
  readonly disableTelemetry?: DisabledPart;

  /**
   * AWS IoT's log group `AWSIotLogsV2`, e.g. `AccountBaseline.auditing.iotLogGroup`.
   * @default - the account's `AWSIotLogsV2`, by name
   */
  readonly iotLogGroup?: logs.ILogGroup;
  /**
   * Record the account's API calls in a trail of this deployment. Leave false where the
   * organization's trail records the account, or a second fleet of the account has one.
   * @default true
   */
  readonly createTrail?: boolean;
  /**
   * Alarm when this many of the fleet's devices are disconnected (needs fleet indexing with
   * connectivity, which `AccountBaseline` turns on).
   * @default - no device availability alarm
   */
  readonly disconnectedDevicesThreshold?: number;
  /**
   * Your own fleet monitoring (practice 8).
   * @default - a new `FleetMonitoring` with the profile's thresholds
   */
  readonly monitoring?: FleetMonitoring;
  /**
   * Switch fleet monitoring off, with the reason.
   * @default - monitoring is on
   */
  readonly disableMonitoring?: DisabledPart;
}

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** The `criticality` tag by profile; custom profiles are HIGH. */
const CRITICALITY: { readonly [profile: string]: Criticality } = {
  CONSUMER: Criticality.MEDIUM,
  INDUSTRIAL: Criticality.HIGH,
  CRITICAL_INFRASTRUCTURE: Criticality.SAFETY_CRITICAL,
};

const PARTS = {
  provisioning: { part: 'fleet provisioning (FleetProvisioning)', replaceProp: 'provisioning', disableProp: 'disableProvisioning', practice: Practice.IDENTITY_AND_ACCESS },
  backup: { part: 'backups (BackupAndRecovery)', replaceProp: 'backup', disableProp: 'disableBackups', practice: Practice.BUSINESS_CONTINUITY },
  network: { part: 'segmented network (SegmentedNetwork)', replaceProp: 'network', disableProp: 'disableNetwork', practice: Practice.RISK_ASSESSMENT },
  endpoint: { part: 'device endpoint (SecureIotEndpoint)', replaceProp: 'endpoint', disableProp: 'disableEndpoint', practice: Practice.DATA_IN_TRANSIT },
  gateways: { part: 'gateway credentials (GatewayCredentials)', replaceProp: 'gatewayCredentials', disableProp: 'disableGatewayCredentials', practice: Practice.GATEWAYS_AND_IT },
  firmware: { part: 'firmware updates (SignedFirmwarePipeline)', replaceProp: 'firmwareUpdates', disableProp: 'disableFirmwareUpdates', practice: Practice.SECURE_UPDATES },
  telemetry: { part: 'telemetry pipeline (TelemetryPipeline)', replaceProp: 'telemetry', disableProp: 'disableTelemetry', practice: Practice.DATA_AT_REST },
  monitoring: { part: 'fleet monitoring (FleetMonitoring)', replaceProp: 'monitoring', disableProp: 'disableMonitoring', practice: Practice.AUDIT_AND_MONITORING },
} satisfies { [key: string]: PartSpec };

const KNOWN_PROPS = [
  'deploymentName', 'riskProfile', 'owner', 'criticality', 'dataClass',
  'devicePolicy', 'deviceTopics', 'provisioning', 'disableProvisioning', 'backup', 'disableBackups', 'backupSecondRegionVault',
  'network', 'disableNetwork', 'endpoint', 'disableEndpoint',
  'gatewayCredentials', 'disableGatewayCredentials', 'greengrassCoreThingNames',
  'signingCertificate', 'firmwareDeviceTypes', 'firmwareMaintenanceWindows', 'firmwareUpdates', 'disableFirmwareUpdates',
  'dataProtection', 'telemetryTopicFilter', 'telemetryStore', 'telemetry', 'disableTelemetry',
  'iotLogGroup', 'createTrail', 'disconnectedDevicesThreshold', 'monitoring', 'disableMonitoring',
];

/**
 * One fleet's secure IoT deployment: the practice constructs composed for a `RiskProfile`, every
 * default derived from it. An account holds one `AccountBaseline` and as many deployments as it
 * has fleets.
 *
 * | part | construct | practice |
 * |---|---|---|
 * | device policy, provisioning with an allow-list hook, rotation, revocation | `DevicePolicy`, `FleetProvisioning` | 3 |
 * | zoned network, flow logs, private IoT endpoints | `SegmentedNetwork` | 1, 7 |
 * | device endpoint with the profile's TLS policy | `SecureIotEndpoint` | 6 |
 * | gateways' role alias, Greengrass cores | `GatewayCredentials`, `GreengrassCoreCredentials` | 7 |
 * | signed, staged firmware releases | `SignedFirmwarePipeline` | 4 |
 * | keys per data category, telemetry store | `DataProtection`, `TelemetryPipeline` | 5 |
 * | alarms, trail, dashboard | `FleetMonitoring` | 8 |
 * | backup vault and plan over the deployment's stores, restore tests | `BackupAndRecovery` | 10 |
 *
 * The account's settings and its incident response (Device Defender findings are account-wide,
 * so one responder per account) are the `AccountBaseline`'s.
 *
 * Each part is a readonly attribute for wiring onward; each can be replaced by your own
 * (`network`, `endpoint`, ...: it must be of the same class, in the same environment, and at
 * least as strict as the profile) or switched off with `disableXxx: { reason }`, which the
 * posture report shows as a gap. The deployment declares its profile on its stack
 * (`SecurityPostureReport.declareProfile`) and tags everything it creates for practice 2.
 */
export class SecureIotDeployment extends Construct {
  /** The deployment's name. */
  public readonly deploymentName: string;
  /** The profile every default follows. */
  public readonly riskProfile: RiskProfile;
  /** The device policy. */
  public readonly devicePolicy: DevicePolicy;
  /** Fleet provisioning, unless switched off. */
  public readonly provisioning?: FleetProvisioning;
  /** The backups, unless switched off. */
  public readonly backup?: BackupAndRecovery;
  /** The segmented network, unless switched off. */
  public readonly network?: SegmentedNetwork;
  /** The device endpoint, unless switched off. */
  public readonly endpoint?: SecureIotEndpoint;
  /** The gateways' credentials, unless switched off. */
  public readonly gatewayCredentials?: GatewayCredentials;
  /** The Greengrass cores' credentials, by thing name. */
  public readonly greengrassCores: { [thingName: string]: GreengrassCoreCredentials } = {};
  /** The firmware pipeline, unless switched off. */
  public readonly firmwareUpdates?: SignedFirmwarePipeline;
  /** The keys per data category. */
  public readonly dataProtection: DataProtection;
  /** The telemetry pipeline, unless switched off. */
  public readonly telemetry?: TelemetryPipeline;
  /** The fleet monitoring, unless switched off. */
  public readonly monitoring?: FleetMonitoring;

  constructor(scope: Construct, id: string, props: SecureIotDeploymentProps) {
    super(scope, id);
    const p = (props ?? {}) as SecureIotDeploymentProps;
    const problems = unknownPropProblems(p, KNOWN_PROPS);
    if (p.riskProfile === undefined) {
      problems.push('riskProfile is required: give RiskProfile.CONSUMER, RiskProfile.INDUSTRIAL, RiskProfile.CRITICAL_INFRASTRUCTURE or RiskProfile.custom({...})');
    } else {
      problems.push(...riskProfileProblems(p.riskProfile));
    }
    if (isToken(p.deploymentName)) {
      // It becomes the prefix of thing names, MQTT client IDs and topics that device policies and rules match literally.
      problems.push(`deploymentName must be a literal name (it prefixes the fleet's thing names, client IDs and topics), got ${TOKEN_DESCRIPTION}`);
    } else if (typeof p.deploymentName !== 'string' || !NAME.test(p.deploymentName)) {
      problems.push(`deploymentName must be 1-32 lower-case letters, digits or '-', starting with a letter, got ${describeValue(p.deploymentName)}`);
    }
    problems.push(
      ...partProblems(this, PARTS.provisioning, p.provisioning, p.disableProvisioning, FleetProvisioning, 'FleetProvisioning'),
      ...partProblems(this, PARTS.backup, p.backup, p.disableBackups, BackupAndRecovery, 'BackupAndRecovery'),
      ...partProblems(this, PARTS.network, p.network, p.disableNetwork, SegmentedNetwork, 'SegmentedNetwork'),
      ...partProblems(this, PARTS.endpoint, p.endpoint, p.disableEndpoint, SecureIotEndpoint, 'SecureIotEndpoint'),
      ...partProblems(this, PARTS.gateways, p.gatewayCredentials, p.disableGatewayCredentials, GatewayCredentials, 'GatewayCredentials'),
      ...partProblems(this, PARTS.firmware, p.firmwareUpdates, p.disableFirmwareUpdates, SignedFirmwarePipeline, 'SignedFirmwarePipeline'),
      ...partProblems(this, PARTS.telemetry, p.telemetry, p.disableTelemetry, TelemetryPipeline, 'TelemetryPipeline'),
      ...partProblems(this, PARTS.monitoring, p.monitoring, p.disableMonitoring, FleetMonitoring, 'FleetMonitoring'),
    );
    if (p.devicePolicy !== undefined && !(p.devicePolicy instanceof DevicePolicy)) {
      problems.push(`devicePolicy does not fit: it must be a DevicePolicy, got ${describeValue(p.devicePolicy)}`);
    }
    if (p.riskProfile instanceof RiskProfile && p.riskProfile.backupCopyToSecondRegion && p.backupSecondRegionVault === undefined
      && p.backup === undefined && p.disableBackups === undefined) {
      problems.push(`backupSecondRegionVault is required: the ${p.riskProfile.name} profile copies every recovery point to a second region; `
        + 'give a vault in another region, your own backups as backup, or disableBackups: { reason }');
    }
    if (p.dataProtection !== undefined && !(p.dataProtection instanceof DataProtection)) {
      problems.push(`dataProtection does not fit: it must be a DataProtection, got ${describeValue(p.dataProtection)}`);
    } else if (p.dataProtection !== undefined && !p.dataProtection.categories.includes(DataCategory.TELEMETRY)
      && p.telemetry === undefined && p.disableTelemetry === undefined) {
      problems.push('dataProtection does not fit: it has no TELEMETRY key for the telemetry pipeline');
    }
    if (p.riskProfile instanceof RiskProfile) problems.push(...this.strictnessProblems(p, p.riskProfile));
    if (p.signingCertificate === undefined && p.firmwareUpdates === undefined && p.disableFirmwareUpdates === undefined) {
      problems.push('signingCertificate is required for the firmware pipeline: give the ACM code-signing certificate, '
        + 'your own pipeline as firmwareUpdates, or disableFirmwareUpdates: { reason }');
    }
    const cores = p.greengrassCoreThingNames;
    if (cores !== undefined && (!Array.isArray(cores) || new Set(cores).size !== cores.length)) {
      problems.push(`greengrassCoreThingNames must be an array of distinct thing names, got ${describeValue(cores)}`);
    } else if (cores?.some(isToken)) {
      // Each core is a construct named after its thing, and its IoT policy names the thing literally.
      problems.push(`greengrassCoreThingNames must be literal thing names, got ${describeValue(cores)}`);
    }
    if (problems.length > 0) throw new Error(`${this.node.path}: ${problems.join('; ')}`);

    const profile = p.riskProfile;
    const name = p.deploymentName;
    this.deploymentName = name;
    this.riskProfile = profile;
    declareProfileOnce(this, profile);
    const dataClass = p.dataClass ?? DataClass.CONFIDENTIAL;
    AssetTags.apply(this, { criticality: p.criticality ?? CRITICALITY[profile.name] ?? Criticality.HIGH, owner: p.owner ?? name, dataClass });

    this.devicePolicy = p.devicePolicy ?? new DevicePolicy(this, 'DevicePolicy', { riskProfile: profile, topicRoot: `dt/${name}`, topics: p.deviceTopics });
    this.provisioning = this.part(PARTS.provisioning, p.provisioning, p.disableProvisioning,
      () => new FleetProvisioning(this, 'Provisioning', {
        riskProfile: profile,
        devicePolicy: this.devicePolicy,
        thingNamePrefix: `${name}-`,
        // Each fleet's claim connects under its own client IDs, not the account-wide default 'provisioning-'.
        claimClientIdPrefix: `${name}-claim-`,
      }));

    this.network = this.part(PARTS.network, p.network, p.disableNetwork,
      () => new SegmentedNetwork(this, 'Network', { riskProfile: profile }));
    this.endpoint = this.part(PARTS.endpoint, p.endpoint, p.disableEndpoint,
      () => new SecureIotEndpoint(this, 'DeviceEndpoint', { riskProfile: profile, domainConfigurationName: `${name}-devices` }));
    this.gatewayCredentials = this.part(PARTS.gateways, p.gatewayCredentials, p.disableGatewayCredentials,
      () => new GatewayCredentials(this, 'GatewayCredentials', { riskProfile: profile }));
    for (const thingName of cores ?? []) {
      this.greengrassCores[thingName] = new GreengrassCoreCredentials(this, `Core-${thingName}`, { riskProfile: profile, coreDeviceThingName: thingName });
    }

    this.dataProtection = p.dataProtection
      ?? new DataProtection(this, 'DataProtection', { riskProfile: profile, iotCoreEncryption: false });

    this.monitoring = this.part(PARTS.monitoring, p.monitoring, p.disableMonitoring,
      () => new FleetMonitoring(this, 'Monitoring', {
        riskProfile: profile,
        iotLogGroup: p.iotLogGroup,
        createTrail: p.createTrail,
        disconnectedDevicesThreshold: p.disconnectedDevicesThreshold,
      }));

    this.firmwareUpdates = this.part(PARTS.firmware, p.firmwareUpdates, p.disableFirmwareUpdates,
      () => new SignedFirmwarePipeline(this, 'Firmware', {
        riskProfile: profile,
        signingCertificate: p.signingCertificate!,
        deviceTypes: p.firmwareDeviceTypes ?? [{ thingTypeName: `${name}-device`, targetThingGroupNames: [`${name}-fleet`] }],
        maintenanceWindows: p.firmwareMaintenanceWindows,
        encryptionKey: this.dataProtection.categories.includes(DataCategory.FIRMWARE) ? this.dataProtection.keyFor(DataCategory.FIRMWARE) : undefined,
      }));

    this.telemetry = this.part(PARTS.telemetry, p.telemetry, p.disableTelemetry,
      () => new TelemetryPipeline(this, 'Telemetry', {
        riskProfile: profile,
        topicFilter: p.telemetryTopicFilter ?? `dt/${name}/+/telemetry`,
        store: p.telemetryStore,
        dataClass,
        encryptionKey: this.dataProtection.keyFor(DataCategory.TELEMETRY),
        alarmTopic: this.monitoring?.alarmTopic,
      }));

    this.backup = this.part(PARTS.backup, p.backup, p.disableBackups,
      () => new BackupAndRecovery(this, 'Backup', { riskProfile: profile, secondRegionVault: p.backupSecondRegionVault, tagValue: name }));
    // The deployment's stateful resources (tables, buckets) go into the plan with that tag value.
    if (this.backup) BackupAndRecovery.select(this, this.backup.tagValue);
  }

  /** The user's part, none (recorded as a gap) when switched off, or the one `create` makes. */
  private part<T>(spec: PartSpec, replacement: T | undefined, disabled: DisabledPart | undefined, create: () => T): T | undefined {
    if (disabled !== undefined) {
      recordDisabled(this, spec, disabled);
      return undefined;
    }
    return replacement ?? create();
  }

  /**
   * A replaced part must be at least as strict as the profile on every setting the profile
   * governs: a part of your own is how a fleet adapts the composition, not how it drops below its
   * profile. A setting that is a token cannot be judged, and is refused.
   */
  private strictnessProblems(p: SecureIotDeploymentProps, profile: RiskProfile): string[] {
    const problems: string[] = [];
    const misfit = (prop: string, detail: string) => problems.push(`${prop} does not fit: ${detail}`);
    const unjudged = (prop: string, setting: string, against: string) =>
      misfit(prop, `its ${setting} is ${TOKEN_DESCRIPTION}; a literal is needed to judge it against the ${profile.name} profile's ${against}`);

    const tls = p.endpoint instanceof SecureIotEndpoint ? p.endpoint.tlsSecurityPolicy : undefined;
    if (tls && (!tls.isModern || (profile.deviceTlsPolicy === TlsSecurityPolicy.TLS13_1_3_2022_10 && tls.policyName !== profile.deviceTlsPolicy.policyName))) {
      misfit('endpoint', `its TLS policy ${tls.policyName} is weaker than the ${profile.name} profile's ${profile.deviceTlsPolicy.policyName}`);
    }

    const egress = p.network instanceof SegmentedNetwork ? p.network.networkEgress : undefined;
    if (egress !== undefined && profile.networkEgress === NetworkEgress.NONE && egress !== NetworkEgress.NONE) {
      misfit('network', `its egress is ${egress}, the ${profile.name} profile allows none (isolated subnets and VPC endpoints only)`);
    }

    if (p.gatewayCredentials instanceof GatewayCredentials) {
      const duration = p.gatewayCredentials.credentialDurationSec;
      if (isToken(duration)) {
        unjudged('gatewayCredentials', 'credential lifetime', `${profile.credentialDurationSec} s`);
      } else if (duration > profile.credentialDurationSec) {
        misfit('gatewayCredentials', `its credentials live ${duration} s, the ${profile.name} profile allows at most ${profile.credentialDurationSec} s`);
      }
    }

    if (p.firmwareUpdates instanceof SignedFirmwarePipeline) {
      const f = p.firmwareUpdates;
      const faster = rolloutFasterThan(f.rolloutRate, profile.otaRollout);
      if (faster) misfit('firmwareUpdates', `its rollout (${describeRollout(f.rolloutRate)}) is faster than the ${profile.name} profile's (${describeRollout(profile.otaRollout)}): ${faster}`);
      if (isToken(f.abortFailurePercent)) {
        unjudged('firmwareUpdates', 'abort threshold', `${profile.otaAbortFailurePercent} %`);
      } else if (f.abortFailurePercent > profile.otaAbortFailurePercent) {
        misfit('firmwareUpdates', `its jobs abort only above ${f.abortFailurePercent} % failed executions, the ${profile.name} profile at ${profile.otaAbortFailurePercent} %`);
      }
      if (profile.otaCanaryGroupFirst && !f.canaryGroupFirst) {
        misfit('firmwareUpdates', `it releases to the fleet without a canary group first, the ${profile.name} profile releases to a canary group first`);
      }
    }

    if (p.backup instanceof BackupAndRecovery) {
      const b = p.backup;
      if (isToken(b.retentionDays)) {
        unjudged('backup', 'retention', `${profile.backupRetentionDays} days`);
      } else if (b.retentionDays < profile.backupRetentionDays) {
        misfit('backup', `it keeps recovery points ${b.retentionDays} days, the ${profile.name} profile ${profile.backupRetentionDays} days`);
      }
      if (profile.backupVaultLock && !b.vaultLock) {
        misfit('backup', `its vault is not locked (AWS Backup Vault Lock), the ${profile.name} profile locks it`);
      }
      if (profile.backupCopyToSecondRegion && !b.copyToSecondRegion) {
        misfit('backup', `it copies no recovery point to a second region, the ${profile.name} profile copies every one`);
      }
    }
    return problems;
  }
}

/** A rollout rate in words: "constant 100/min", "exponential from 50/min, x2 every 10 successes, to 1000/min". */
function describeRollout(rate: RolloutRate): string {
  const ramp = rate.exponentialRamp;
  return ramp
    ? `exponential from ${ramp.baseRatePerMinute}/min, x${ramp.incrementFactor} every ${ramp.successesBeforeIncrease} successes, to ${rate.maximumPerMinute}/min`
    : `constant ${rate.maximumPerMinute}/min`;
}

/**
 * How `rate` reaches the fleet faster than `limit`, or undefined when it never does: a higher top
 * rate, a higher starting rate (a constant rate starts at its top), or, both being exponential, a
 * steeper or earlier increase.
 */
function rolloutFasterThan(rate: RolloutRate, limit: RolloutRate): string | undefined {
  if (rate.maximumPerMinute > limit.maximumPerMinute) return `its top rate ${rate.maximumPerMinute}/min is above ${limit.maximumPerMinute}/min`;
  const start = (r: RolloutRate) => r.exponentialRamp?.baseRatePerMinute ?? r.maximumPerMinute;
  if (start(rate) > start(limit)) return `it starts at ${start(rate)}/min, above ${start(limit)}/min`;
  const a = rate.exponentialRamp;
  const b = limit.exponentialRamp;
  if (a && b && a.incrementFactor > b.incrementFactor) return `its rate grows x${a.incrementFactor}, more than x${b.incrementFactor}`;
  if (a && b && a.successesBeforeIncrease < b.successesBeforeIncrease) {
    return `its rate grows after ${a.successesBeforeIncrease} successes, fewer than ${b.successesBeforeIncrease}`;
  }
  return undefined;
}

/** Declares the profile on the stack; a stack holds deployments of one profile only, or the report could not say which it must enforce. */
function declareProfileOnce(deployment: SecureIotDeployment, profile: RiskProfile): void {
  const stack = Stack.of(deployment);
  const declared = stack.templateOptions.metadata?.[POSTURE_METADATA_KEY]?.riskProfile;
  if (declared !== undefined && declared !== profile.name) {
    throw new Error(`${deployment.node.path}: riskProfile ${profile.name} differs from the profile ${declared} already declared for stack ${stack.stackName}; `
      + 'put deployments of different profiles in different stacks');
  }
  SecurityPostureReport.declareProfile(stack, profile);
}
