import { AuditFrequency, IotLogLevel } from './iot-settings';
import { Practice } from './practice';
import { describeValue, isToken, TOKEN_DESCRIPTION } from './private/describe';
import { ABORT_FAILURE_PERCENT, AUDIT_FREQUENCY, BACKUP_RETENTION_DAYS, CREDENTIAL_DURATION_SEC, LOG_LEVEL } from './private/profile-limits';
import { unknownPropProblems } from './private/props';
import { RolloutRate } from './rollout-rate';
import { TlsSecurityPolicy } from './tls-security-policy';

/** What a construct does when monitoring finds a device behaving badly. */
export enum ContainmentMode {
  /** Move the device to a quarantine thing group and detach its policy at once. */
  AUTOMATIC_QUARANTINE = 'AUTOMATIC_QUARANTINE',
  /** Quarantine automatically, except devices tagged critical, which wait for a human's approval. */
  AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL = 'AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL',
  /** Alert, and act only on a human's approval: never cut a safety device off unasked. */
  HUMAN_APPROVAL_ONLY = 'HUMAN_APPROVAL_ONLY',
}

/** How workloads in the deployment's network reach the internet. */
export enum NetworkEgress {
  /** Private subnets with NAT gateways. */
  NAT = 'NAT',
  /** No route to the internet: isolated subnets, AWS services through VPC endpoints only. */
  NONE = 'NONE',
}

/** Every setting a risk profile decides. `RiskProfile.custom` takes any subset as overrides. */
export interface RiskProfileSettings {
  /** How often the scheduled Device Defender audit runs: DAILY or WEEKLY (the library's floor, IoTSecurity-MON5). */
  readonly auditFrequency: AuditFrequency;
  /** The account's AWS IoT log level: not DISABLED (IoTSecurity-MON1). */
  readonly logLevel: IotLogLevel;
  /** The TLS security policy of device-facing endpoints. */
  readonly deviceTlsPolicy: TlsSecurityPolicy;
  /**
   * Lifetime of temporary credentials issued through a role alias, seconds: 900..3600 (AWS allows
   * up to 43200; the library's floor is an hour, IoTSecurity-GW2).
   */
  readonly credentialDurationSec: number;
  /** How fast an OTA update reaches the fleet. */
  readonly otaRollout: RolloutRate;
  /** Whether an OTA update goes to a canary thing group before the fleet. */
  readonly otaCanaryGroupFirst: boolean;
  /**
   * An OTA update is cancelled when more than this share of its executions fail, percent: above 0,
   * at most 50 (AWS allows up to 100; the library's floor is 50, IoTSecurity-UPD1).
   */
  readonly otaAbortFailurePercent: number;
  /** What happens to a device a finding names. */
  readonly containment: ContainmentMode;
  /** How the deployment's network reaches the internet. */
  readonly networkEgress: NetworkEgress;
  /** How long recovery points are kept, days (1..36500; at least 7 with vault lock and second-region copy). */
  readonly backupRetentionDays: number;
  /** Whether the backup vault is locked against deletion of recovery points. */
  readonly backupVaultLock: boolean;
  /** Whether recovery points are copied to a second region. */
  readonly backupCopyToSecondRegion: boolean;
  /**
   * The practices a deployment of this profile must hold. Recorded today; the posture report
   * (planned, issue 14) will fail the synth when one of them is missing.
   */
  readonly requiredPractices: readonly Practice[];
}

/** Props of `RiskProfile.custom`. */
export interface CustomRiskProfileProps extends Partial<RiskProfileSettings> {
  /** The profile's name. */
  readonly name: string;
  /**
   * The profile whose settings are the starting point.
   * @default RiskProfile.INDUSTRIAL
   */
  readonly base?: RiskProfile;
}

const ALL_PRACTICES: readonly Practice[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

const SETTING_NAMES: readonly (keyof RiskProfileSettings)[] = [
  'auditFrequency', 'logLevel', 'deviceTlsPolicy', 'credentialDurationSec', 'otaRollout', 'otaCanaryGroupFirst',
  'otaAbortFailurePercent', 'containment', 'networkEgress', 'backupRetentionDays', 'backupVaultLock',
  'backupCopyToSecondRegion', 'requiredPractices',
];

/**
 * How much is at stake, and so how strict every construct's defaults are.
 *
 * Every construct takes an optional `riskProfile` and derives its defaults from it; a prop
 * given explicitly always wins. The three presets follow `DESIGN.md`:
 *
 * | setting | CONSUMER | INDUSTRIAL | CRITICAL_INFRASTRUCTURE |
 * |---|---|---|---|
 * | audit | weekly | daily | daily |
 * | log level | ERROR | WARN | INFO |
 * | device TLS | TLS13_1_2_2022_10 | TLS13_1_2_2022_10 | TLS13_1_3_2022_10 |
 * | credential lifetime | 3600 s | 3600 s | 900 s |
 * | OTA rollout | exponential to 1000/min | constant 100/min | canary first, constant 10/min |
 * | OTA abort above | 10 % | 5 % | 1 % |
 * | containment | automatic | automatic, approval for critical | approval only |
 * | egress | NAT | NAT | none |
 * | backup | 35 d | 90 d | 365 d, vault lock, second region |
 */
export class RiskProfile implements RiskProfileSettings {
  /**
   * A consumer device such as a smart bulb: a large fleet, low harm per device, fast rollouts.
   * Audits weekly, logs errors only, ramps updates exponentially from 50 to 1,000 things a minute.
   */
  public static readonly CONSUMER = new RiskProfile('CONSUMER', {
    auditFrequency: AuditFrequency.WEEKLY,
    logLevel: IotLogLevel.ERROR,
    deviceTlsPolicy: TlsSecurityPolicy.TLS13_1_2_2022_10,
    credentialDurationSec: 3600,
    otaRollout: RolloutRate.exponential({ baseRatePerMinute: 50, incrementFactor: 2, maximumPerMinute: 1000 }),
    otaCanaryGroupFirst: false,
    otaAbortFailurePercent: 10,
    containment: ContainmentMode.AUTOMATIC_QUARANTINE,
    networkEgress: NetworkEgress.NAT,
    backupRetentionDays: 35,
    backupVaultLock: false,
    backupCopyToSecondRegion: false,
    requiredPractices: ALL_PRACTICES,
  });

  /**
   * A factory: devices that run a production line, where a bad update stops work.
   * Audits daily, logs warnings, rolls updates out at 100 things a minute and stops at 5 % failures.
   */
  public static readonly INDUSTRIAL = new RiskProfile('INDUSTRIAL', {
    auditFrequency: AuditFrequency.DAILY,
    logLevel: IotLogLevel.WARN,
    deviceTlsPolicy: TlsSecurityPolicy.TLS13_1_2_2022_10,
    credentialDurationSec: 3600,
    otaRollout: RolloutRate.constant(100),
    otaCanaryGroupFirst: false,
    otaAbortFailurePercent: 5,
    containment: ContainmentMode.AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL,
    networkEgress: NetworkEgress.NAT,
    backupRetentionDays: 90,
    backupVaultLock: false,
    backupCopyToSecondRegion: false,
    requiredPractices: ALL_PRACTICES,
  });

  /**
   * Critical infrastructure such as a water utility, where a device failing can hurt people.
   * TLS 1.3 only, 15-minute credentials, canary-first updates at 10 things a minute stopped at 1 %
   * failures, no automatic containment, no internet egress, locked and copied backups kept a year.
   */
  public static readonly CRITICAL_INFRASTRUCTURE = new RiskProfile('CRITICAL_INFRASTRUCTURE', {
    auditFrequency: AuditFrequency.DAILY,
    logLevel: IotLogLevel.INFO,
    deviceTlsPolicy: TlsSecurityPolicy.TLS13_1_3_2022_10,
    credentialDurationSec: 900,
    otaRollout: RolloutRate.constant(10),
    otaCanaryGroupFirst: true,
    otaAbortFailurePercent: 1,
    containment: ContainmentMode.HUMAN_APPROVAL_ONLY,
    networkEgress: NetworkEgress.NONE,
    backupRetentionDays: 365,
    backupVaultLock: true,
    backupCopyToSecondRegion: true,
    requiredPractices: ALL_PRACTICES,
  });

  /** The three presets, from least to most strict. */
  public static readonly PRESETS: readonly RiskProfile[] = [
    RiskProfile.CONSUMER, RiskProfile.INDUSTRIAL, RiskProfile.CRITICAL_INFRASTRUCTURE,
  ];

  /**
   * A profile of your own: a preset's settings with some replaced. Every value is checked against
   * AWS's limits and the library's security floors (the limits the rule pack enforces on the
   * resources the setting reaches), so a profile never makes a construct fail the library's own
   * rules; all problems are reported in one error. Values must be literals, not tokens.
   */
  public static custom(props: CustomRiskProfileProps): RiskProfile {
    const { name, base, ...overrides } = props ?? ({} as CustomRiskProfileProps);
    const problems: string[] = unknownPropProblems(props, ['name', 'base', ...SETTING_NAMES]);
    if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/.test(name)) {
      problems.push(`name must be 1-64 letters, digits, spaces, '_', '.' or '-', starting with a letter or digit, got ${describeValue(name)}`);
    } else if (RiskProfile.PRESETS.some((p) => p.name.toLowerCase() === name.toLowerCase())) {
      // Constructs pick preset-specific values (alarm thresholds, the criticality tag) by a profile's
      // name, and the posture report enforces a profile by it: a custom profile must not pass for a preset.
      problems.push(`name must not be a preset's name (${RiskProfile.PRESETS.map((p) => p.name).join(', ')}): constructs and the posture report know a preset by its name; got ${describeValue(name)}`);
    }
    const baseIsProfile = base === undefined || base instanceof RiskProfile;
    if (!baseIsProfile) {
      problems.push(`base must be a RiskProfile (RiskProfile.CONSUMER, RiskProfile.INDUSTRIAL, RiskProfile.CRITICAL_INFRASTRUCTURE or one made with RiskProfile.custom), got ${describeValue(base)}`);
    }
    const known = Object.entries(overrides).filter(([k, v]) => v !== undefined && (SETTING_NAMES as readonly string[]).includes(k));
    // With a base that is not a profile, the overrides are still checked, against INDUSTRIAL.
    const start = baseIsProfile ? (base ?? RiskProfile.INDUSTRIAL) : RiskProfile.INDUSTRIAL;
    const settings: RiskProfileSettings = { ...start.settings, ...Object.fromEntries(known) };
    problems.push(...RiskProfile.problemsOf(settings));
    if (problems.length > 0) {
      throw new Error(`RiskProfile.custom(${describeValue(name)}): ${problems.join('; ')}`);
    }
    return new RiskProfile(name, settings);
  }

  private static problemsOf(s: RiskProfileSettings): string[] {
    const problems: string[] = [];
    // A profile's settings choose defaults while the app is synthesized: a token has no value yet.
    const literal = (prop: string, v: unknown): boolean => {
      if (!isToken(v)) return true;
      problems.push(`${prop} must be a literal value (a profile's settings choose defaults at synth time), got ${TOKEN_DESCRIPTION}`);
      return false;
    };
    const inRange = (prop: string, v: unknown, range: { min: number; max: number; integer: boolean; minExclusive?: boolean; unit: string; why: string }) => {
      if (!literal(prop, v)) return;
      const ok = typeof v === 'number' && Number.isFinite(v) && (range.minExclusive ? v > range.min : v >= range.min) && v <= range.max
        && (!range.integer || Number.isInteger(v));
      if (!ok) {
        problems.push(`${prop} must be ${range.integer ? 'an integer' : 'a number'} ${range.minExclusive ? `above ${range.min}` : `from ${range.min}`} to ${range.max}${range.unit}, got ${describeValue(v)} (${range.why})`);
      }
    };
    const oneOf = (prop: string, v: unknown, allowed: readonly unknown[], why?: string) => {
      if (literal(prop, v) && !allowed.includes(v)) problems.push(`${prop} must be one of ${allowed.join(', ')}, got ${describeValue(v)}${why ? ` (${why})` : ''}`);
    };
    const C = CREDENTIAL_DURATION_SEC;
    inRange('credentialDurationSec', s.credentialDurationSec, {
      min: C.awsMin, max: C.floorMax, integer: true, unit: ' seconds',
      why: `AWS IoT role aliases allow ${C.awsMin} to ${C.awsMax}; above ${C.floorMax} is under the library's security floor, rule ${C.rule}`,
    });
    const A = ABORT_FAILURE_PERCENT;
    inRange('otaAbortFailurePercent', s.otaAbortFailurePercent, {
      min: 0, max: A.floorMax, integer: false, minExclusive: true, unit: ' percent',
      why: `AWS IoT Jobs allow up to ${A.awsMax}; above ${A.floorMax} is under the library's security floor, rule ${A.rule}`,
    });
    const B = BACKUP_RETENTION_DAYS;
    inRange('backupRetentionDays', s.backupRetentionDays, {
      min: B.awsMin, max: B.libraryMax, integer: true, unit: ' days',
      why: `AWS Backup keeps a recovery point at least ${B.awsMin} day; ${B.libraryMax} is the library's bound`,
    });
    if (s.backupVaultLock === true && s.backupCopyToSecondRegion === true && typeof s.backupRetentionDays === 'number'
      && !isToken(s.backupRetentionDays) && s.backupRetentionDays < B.airGappedMin) {
      problems.push(`backupRetentionDays must be at least ${B.airGappedMin} days with backupVaultLock and backupCopyToSecondRegion, got ${s.backupRetentionDays} `
        + `(such a profile copies to a logically air-gapped vault, which AWS Backup makes keep copies at least ${B.airGappedMin} days)`);
    }
    oneOf('auditFrequency', s.auditFrequency, AUDIT_FREQUENCY.floor,
      `AWS also offers ${AUDIT_FREQUENCY.aws.filter((f) => !AUDIT_FREQUENCY.floor.includes(f)).join(' and ')}, under the library's security floor, rule ${AUDIT_FREQUENCY.rule}`);
    oneOf('logLevel', s.logLevel, LOG_LEVEL.floor, `DISABLED is under the library's security floor, rule ${LOG_LEVEL.rule}`);
    oneOf('containment', s.containment, Object.values(ContainmentMode));
    oneOf('networkEgress', s.networkEgress, Object.values(NetworkEgress));
    if (!(s.deviceTlsPolicy instanceof TlsSecurityPolicy) || !s.deviceTlsPolicy.isModern) {
      problems.push(`deviceTlsPolicy must be TlsSecurityPolicy.TLS13_1_2_2022_10, TLS13_1_3_2022_10 or TLS12_1_2_2022_10, got ${s.deviceTlsPolicy instanceof TlsSecurityPolicy ? s.deviceTlsPolicy.policyName : describeValue(s.deviceTlsPolicy)}`
        + ' (older policies are under the library\'s security floor, rule IoTSecurity-TLS1)');
    }
    if (!(s.otaRollout instanceof RolloutRate)) {
      problems.push(`otaRollout must be made with RolloutRate.constant() or RolloutRate.exponential(), got ${describeValue(s.otaRollout)}`);
    }
    for (const flag of ['otaCanaryGroupFirst', 'backupVaultLock', 'backupCopyToSecondRegion'] as const) {
      if (typeof s[flag] !== 'boolean') problems.push(`${flag} must be true or false, got ${describeValue(s[flag])}`);
    }
    const practices = s.requiredPractices;
    if (!Array.isArray(practices) || practices.some((p) => !ALL_PRACTICES.includes(p))) {
      problems.push(`requiredPractices must be a list of Practice values (1..10), got ${describeValue(practices)}`);
    }
    return problems;
  }

  public readonly auditFrequency: AuditFrequency;
  public readonly logLevel: IotLogLevel;
  public readonly deviceTlsPolicy: TlsSecurityPolicy;
  public readonly credentialDurationSec: number;
  public readonly otaRollout: RolloutRate;
  public readonly otaCanaryGroupFirst: boolean;
  public readonly otaAbortFailurePercent: number;
  public readonly containment: ContainmentMode;
  public readonly networkEgress: NetworkEgress;
  public readonly backupRetentionDays: number;
  public readonly backupVaultLock: boolean;
  public readonly backupCopyToSecondRegion: boolean;
  public readonly requiredPractices: readonly Practice[];

  private constructor(
    /** The profile's name. */
    public readonly name: string,
    private readonly settings: RiskProfileSettings,
  ) {
    this.auditFrequency = settings.auditFrequency;
    this.logLevel = settings.logLevel;
    this.deviceTlsPolicy = settings.deviceTlsPolicy;
    this.credentialDurationSec = settings.credentialDurationSec;
    this.otaRollout = settings.otaRollout;
    this.otaCanaryGroupFirst = settings.otaCanaryGroupFirst;
    this.otaAbortFailurePercent = settings.otaAbortFailurePercent;
    this.containment = settings.containment;
    this.networkEgress = settings.networkEgress;
    this.backupRetentionDays = settings.backupRetentionDays;
    this.backupVaultLock = settings.backupVaultLock;
    this.backupCopyToSecondRegion = settings.backupCopyToSecondRegion;
    this.requiredPractices = Object.freeze([...settings.requiredPractices]);
    // Every value was checked when the profile was made: nothing may change one afterwards. The
    // object itself stays extensible (not Object.freeze): jsii tags the objects it hands to other
    // languages with a property of its own.
    for (const key of ['name', ...SETTING_NAMES, 'settings']) {
      Object.defineProperty(this, key, { writable: false, configurable: false });
    }
    Object.freeze(this.settings);
  }
}
