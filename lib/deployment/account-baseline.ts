import { Construct } from 'constructs';
import { AssetTags, Criticality, DataClass } from '../core/asset-tags';
import { claimAccountSingleton } from '../core/private/account-singleton';
import { unknownPropProblems } from '../core/private/props';
import { RiskProfile } from '../core/risk-profile';
import { DataCategory, DataProtection, DataProtectionProps } from '../data/data-protection';
import { FleetIndexing, FleetIndexingProps } from '../inventory/fleet-indexing';
import { FleetAuditing, FleetAuditingProps } from '../monitoring/fleet-auditing';
import { IotEventConfigurations, IotEventConfigurationsProps } from '../monitoring/iot-event-configurations';
import { IncidentResponse, IncidentResponseProps } from '../response/incident-response';
import { describeValue } from '../core/private/describe';

/** Props of `AccountBaseline`. */
export interface AccountBaselineProps {
  /**
   * The profile the account's settings follow: audit frequency and log level (`FleetAuditing`),
   * a key per data category or one shared key (`DataProtection`).
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * Who answers for the account's IoT settings: the `owner` tag (practice 2).
   * @default 'iot-platform'
   */
  readonly owner?: string;
  /**
   * Fleet indexing's settings (custom fields, named shadows, Device Defender violations...).
   * @default - FleetIndexing's defaults: registry and shadow, connectivity
   */
  readonly fleetIndexing?: FleetIndexingProps;
  /**
   * Device Defender audit and IoT logging settings; `riskProfile` here wins over the baseline's.
   * `iotDataKey` defaults to the baseline's `CONFIGURATION` key when IoT Core encryption is on.
   * @default - FleetAuditing's defaults for the profile
   */
  readonly auditing?: FleetAuditingProps;
  /**
   * The keys per data category and the IoT Core encryption configuration; `riskProfile` here wins
   * over the baseline's.
   * @default - DataProtection's defaults for the profile: every category, IoT Core's data under the `CONFIGURATION` key
   */
  readonly dataProtection?: DataProtectionProps;
  /**
   * The account's incident response: Device Defender mitigation actions and the playbooks that
   * audit findings (account-wide) start; `riskProfile` here wins over the baseline's. Give the
   * profile of the account's most critical fleet: it sets when containment waits for a human.
   * @default - IncidentResponse's defaults for the profile
   */
  readonly incidentResponse?: IncidentResponseProps;
  /**
   * Which `$aws/events/...` topics AWS IoT publishes to (the account's event configurations).
   * @default - IotEventConfigurations.libraryEventTypes(): jobs and job executions (the firmware pipeline's rules and alarm), certificates and CA certificates
   */
  readonly eventConfigurations?: IotEventConfigurationsProps;
}

/** Criticality of the account's settings by profile: the baseline is what every fleet of the account stands on. */
const CRITICALITY: { readonly [profile: string]: Criticality } = {
  CONSUMER: Criticality.MEDIUM,
  INDUSTRIAL: Criticality.HIGH,
  CRITICAL_INFRASTRUCTURE: Criticality.SAFETY_CRITICAL,
};

/**
 * The settings AWS keeps once per account and region, and the account's response to Device
 * Defender's account-wide findings, set once for every fleet of the account:
 *
 * | setting | owned by | what happens to a setting the account has already |
 * |---|---|---|
 * | fleet indexing configuration | `FleetIndexing` | remembered in SSM, replaced, restored when the stack is deleted |
 * | Device Defender audit configuration and scheduled audit | `FleetAuditing` | written over: CloudFormation sets every check and the notification target, whatever the account had |
 * | AWS IoT logging (v2) and its log group `AWSIotLogsV2` | `FleetAuditing` | the setting is replaced; a log group that exists is adopted with `auditing: { adoptExistingLogGroup: true }`, or left to its owner with `iotLogging: false` |
 * | IoT Core encryption configuration | `DataProtection` | replaced by the `CONFIGURATION` key; left to its owner with `dataProtection: { iotCoreEncryption: false }` |
 * | AWS IoT event configurations (which `$aws/events/...` topics are published) | `IotEventConfigurations` | the types it needs are switched on, the others left as they are; each is put back as found when the stack is deleted |
 * | Device Defender mitigation actions, playbooks | `IncidentResponse` | new actions and playbooks beside any the account has (their names are generated) |
 *
 * Device Defender's audit findings start the playbooks: the audit relay of `auditing` puts one
 * finding event per non-compliant resource on `incidentResponse.findingsBus`, and is the one
 * producer that bus's policy admits (give `auditing.findingsBus` to send them elsewhere). The
 * playbooks no audit check feeds start on the ALARM state of alarms named for them
 * (`IncidentResponse.alarmNamePrefix`), which the fleets' `FleetMonitoring` and
 * `SignedFirmwarePipeline` define in their own stacks: no reference crosses the stacks.
 *
 * It composes those constructs, each of which keeps its own one-owner-per-environment guard, and
 * adds its own: a second `AccountBaseline` that may deploy to the same account and region is an
 * error at synth. Put it in a stack of its own per account and region (or in a StackSet, see
 * `examples/multi-account`); a `SecureIotDeployment` can take its log group (`iotLogGroup`) and its keys (`dataProtection`).
 */
export class AccountBaseline extends Construct {
  /** The profile the settings follow. */
  public readonly riskProfile: RiskProfile;
  /** Fleet indexing of the account and region. */
  public readonly fleetIndexing: FleetIndexing;
  /** Device Defender audit, scheduled audits and AWS IoT logging. */
  public readonly auditing: FleetAuditing;
  /** The keys per data category and IoT Core's encryption at rest. */
  public readonly dataProtection: DataProtection;
  /** Mitigation actions and playbooks for the account's findings. */
  public readonly incidentResponse: IncidentResponse;
  /** The event types AWS IoT publishes on `$aws/events/...` for the account. */
  public readonly eventConfigurations: IotEventConfigurations;

  constructor(scope: Construct, id: string, props: AccountBaselineProps = {}) {
    super(scope, id);
    const p = props ?? {};
    const problems = unknownPropProblems(p, ['riskProfile', 'owner', 'fleetIndexing', 'auditing', 'dataProtection', 'incidentResponse', 'eventConfigurations']);
    if (p.riskProfile !== undefined && !(p.riskProfile instanceof RiskProfile)) {
      problems.push(`riskProfile must be a RiskProfile (RiskProfile.CONSUMER, INDUSTRIAL, CRITICAL_INFRASTRUCTURE or RiskProfile.custom), got ${describeValue(p.riskProfile)}`);
    }
    const propsTypes = { fleetIndexing: 'FleetIndexingProps', auditing: 'FleetAuditingProps', dataProtection: 'DataProtectionProps', incidentResponse: 'IncidentResponseProps', eventConfigurations: 'IotEventConfigurationsProps' };
    for (const [prop, type] of Object.entries(propsTypes)) {
      const v = (p as { [key: string]: unknown })[prop];
      if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) problems.push(`${prop} must be an object of ${type}, got ${describeValue(v)}`);
    }
    if (problems.length > 0) throw new Error(`${this.node.path}: ${problems.join('; ')}`);

    claimAccountSingleton(this, 'account baseline');
    this.riskProfile = p.riskProfile ?? RiskProfile.INDUSTRIAL;
    AssetTags.apply(this, {
      criticality: CRITICALITY[this.riskProfile.name] ?? Criticality.HIGH,
      owner: p.owner ?? 'iot-platform',
      dataClass: DataClass.CONFIDENTIAL,
    });

    this.dataProtection = new DataProtection(this, 'DataProtection', { riskProfile: this.riskProfile, ...p.dataProtection });
    const iotDataKey = this.dataProtection.iotEncryptionConfiguration ? this.dataProtection.keyFor(DataCategory.CONFIGURATION) : undefined;
    this.fleetIndexing = new FleetIndexing(this, 'FleetIndexing', p.fleetIndexing);
    this.incidentResponse = new IncidentResponse(this, 'IncidentResponse', { riskProfile: this.riskProfile, ...p.incidentResponse });
    // The audit relay puts its findings on the playbooks' bus, whose policy admits only granted
    // producers; a bus given in `auditing` is the user's to wire.
    this.auditing = new FleetAuditing(this, 'Auditing', {
      riskProfile: this.riskProfile, iotDataKey, findingsBus: this.incidentResponse.findingsBus, ...p.auditing,
    });
    if (this.auditing.findingsBus === this.incidentResponse.findingsBus) {
      // The relay names a check, never a finding class: no class-only rule is made for it.
      this.incidentResponse._grantPutAuditFindings(this.auditing.findingsRelay);
    }
    this.eventConfigurations = new IotEventConfigurations(this, 'EventConfigurations', p.eventConfigurations);
  }
}
