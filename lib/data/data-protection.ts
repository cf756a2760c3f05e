import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { RiskProfile } from '../core/risk-profile';
import { claimAccountSingleton } from '../core/private/account-singleton';
import { confusedDeputySafePrincipal } from '../core/private/confused-deputy';
import { allowLogsToUseKey, secureKey } from '../core/private/secure-defaults';
import { describeValue } from '../core/private/describe';

/**
 * What kind of data a key protects (practice 5). How sensitive the data is, is its `DataClass`;
 * this is what it is, and so who uses it.
 */
export enum DataCategory {
  /** Measurements devices send, kept by topic rules in S3 or DynamoDB. */
  TELEMETRY = 'telemetry',
  /** Device configuration and state: AWS IoT Core's own data at rest (registry, shadows, jobs). */
  CONFIGURATION = 'configuration',
  /** Firmware and software images and their signatures. */
  FIRMWARE = 'firmware',
  /** Logs: AWS IoT logs, function logs, audit trails. CloudWatch Logs may use this key. */
  LOGS = 'logs',
  /** Recovery points and their copies. */
  BACKUPS = 'backups',
}

/** Props of `DataProtection`. */
export interface DataProtectionProps {
  /**
   * The risk profile the defaults derive from (see `keyPerCategory`).
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * The categories of data the deployment holds; each gets a key. Asking for the key of a
   * category left out is an error.
   * @default - all five: telemetry, configuration, firmware, logs, backups
   */
  readonly categories?: DataCategory[];
  /**
   * One key per category, so that revoking or auditing one kind of data leaves the others alone.
   * Off, every category shares one key (fewer keys to pay for and administer).
   *
   * | profile | default |
   * |---|---|
   * | CONSUMER | false: one shared key |
   * | INDUSTRIAL, CRITICAL_INFRASTRUCTURE, custom profiles | true |
   *
   * @default - from the risk profile, as in the table
   */
  readonly keyPerCategory?: boolean;
  /**
   * Put AWS IoT Core's own data at rest (registry, shadows, jobs...) under the `CONFIGURATION`
   * key with `AWS::IoT::EncryptionConfiguration`. AWS keeps one such setting per account and
   * region, so an app may hold one `DataProtection` that sets it per environment. Set to false
   * only where another stack owns the setting; the data then stays under whatever key that
   * stack chose (AWS-owned keys by default).
   * @default true
   */
  readonly iotCoreEncryption?: boolean;
}

/** The default of `keyPerCategory` per preset; every other profile gets a key per category. */
const SHARED_KEY_PROFILES: readonly RiskProfile[] = [RiskProfile.CONSUMER];

/**
 * The actions AWS IoT Core needs on the key of its data at rest, named one by one (no wildcard):
 * it encrypts and decrypts data keys and re-encrypts them when the key is changed.
 */
const IOT_CORE_KEY_ACTIONS = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:DescribeKey',
];

/**
 * Customer-managed KMS keys per category of data (practice 5), with rotation, retained, and key
 * policies that give use of a key only to those granted it (`grantEncryptDecrypt`, ...) and to
 * the services that act on their own (CloudWatch Logs, for the `LOGS` key, only for log groups of
 * this account and region). By default it also puts AWS IoT Core's own data at rest under the
 * `CONFIGURATION` key, with the role IoT Core assumes to use it.
 */
export class DataProtection extends Construct {
  /** The categories that have a key. */
  public readonly categories: readonly DataCategory[];
  /** The IoT Core encryption configuration, unless `iotCoreEncryption` is false. */
  public readonly iotEncryptionConfiguration?: iot.CfnEncryptionConfiguration;
  /** The role AWS IoT Core assumes to use the `CONFIGURATION` key, unless `iotCoreEncryption` is false. */
  public readonly iotKmsAccessRole?: iam.IRole;

  private readonly keys = new Map<DataCategory, kms.Key>();

  constructor(scope: Construct, id: string, props: DataProtectionProps = {}) {
    super(scope, id);
    props = props ?? {};
    const problems: string[] = [];
    const profile = props.riskProfile ?? RiskProfile.INDUSTRIAL;
    if (!(profile instanceof RiskProfile)) problems.push(`riskProfile must be a RiskProfile, got ${describeValue(profile)}`);
    const categories = props.categories ?? Object.values(DataCategory);
    const allowed = Object.values(DataCategory);
    if (!Array.isArray(categories) || categories.length === 0) {
      problems.push(`categories must be a non-empty list of ${allowed.join(', ')}, got ${describeValue(categories)}`);
    } else {
      for (const c of categories) {
        if (!allowed.includes(c)) problems.push(`categories: each must be one of ${allowed.join(', ')}, got ${describeValue(c)}`);
      }
      const dupes = categories.filter((c, i) => categories.indexOf(c) !== i);
      if (dupes.length > 0) problems.push(`categories: ${[...new Set(dupes)].join(', ')} listed twice`);
    }
    for (const flag of ['keyPerCategory', 'iotCoreEncryption'] as const) {
      if (props[flag] !== undefined && typeof props[flag] !== 'boolean') {
        problems.push(`${flag} must be true or false, got ${describeValue(props[flag])}`);
      }
    }
    const iotCoreEncryption = props.iotCoreEncryption ?? true;
    if (iotCoreEncryption && Array.isArray(categories) && !categories.includes(DataCategory.CONFIGURATION)) {
      problems.push(`categories must include configuration while iotCoreEncryption is on (IoT Core's data is encrypted with that key), got ${describeValue(categories)}`);
    }
    if (problems.length > 0) throw new Error(`${this.node.path}: DataProtection: ${problems.join('; ')}`);
    this.categories = Object.freeze([...categories]);

    const perCategory = props.keyPerCategory ?? !SHARED_KEY_PROFILES.includes(profile);
    if (perCategory) {
      for (const c of categories) {
        this.keys.set(c, secureKey(this, `${pascal(c)}Key`, { description: `cdk-secure-iot ${c} data (${this.node.path})` }));
      }
    } else {
      const shared = secureKey(this, 'Key', { description: `cdk-secure-iot data of every category: ${categories.join(', ')} (${this.node.path})` });
      for (const c of categories) this.keys.set(c, shared);
    }
    if (this.keys.has(DataCategory.LOGS)) allowLogsToUseKey(this.keys.get(DataCategory.LOGS)!);

    if (iotCoreEncryption) {
      claimAccountSingleton(this, 'IoT encryption configuration');
      const key = this.keyFor(DataCategory.CONFIGURATION);
      const role = new iam.Role(this, 'IotKmsAccessRole', {
        description: 'Assumed by AWS IoT Core to encrypt and decrypt its data at rest with the configuration key',
        // Only AWS IoT acting for this account may assume it (confused-deputy protection).
        assumedBy: confusedDeputySafePrincipal(this, 'iot.amazonaws.com'),
      });
      key.grant(role, ...IOT_CORE_KEY_ACTIONS);
      const config = new iot.CfnEncryptionConfiguration(this, 'IotEncryptionConfiguration', {
        encryptionType: 'CUSTOMER_MANAGED_KMS_KEY',
        kmsKeyArn: key.keyArn,
        kmsAccessRoleArn: role.roleArn,
      });
      // IoT Core checks the role and key when the setting is made: the grant must exist first.
      config.node.addDependency(role);
      this.iotEncryptionConfiguration = config;
      this.iotKmsAccessRole = role;
    }
  }

  /** The key of a category. A category that has no key (left out of `categories`) is an error. */
  public keyFor(category: DataCategory): kms.IKey {
    const key = this.keys.get(category);
    if (!key) {
      throw new Error(`${this.node.path}: DataProtection has no key for data category ${JSON.stringify(category)}; its categories are ${this.categories.join(', ')}`);
    }
    return key;
  }

  /** Lets `grantee` encrypt and decrypt with the key of `category`. */
  public grantEncryptDecrypt(category: DataCategory, grantee: iam.IGrantable): iam.Grant {
    return this.keyFor(category).grantEncryptDecrypt(grantee);
  }

  /** Lets `grantee` decrypt with the key of `category`: for readers of the data. */
  public grantDecrypt(category: DataCategory, grantee: iam.IGrantable): iam.Grant {
    return this.keyFor(category).grantDecrypt(grantee);
  }

  /** Lets `grantee` encrypt with the key of `category`: for writers that never read back. */
  public grantEncrypt(category: DataCategory, grantee: iam.IGrantable): iam.Grant {
    return this.keyFor(category).grantEncrypt(grantee);
  }
}

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
