import { Arn, ArnFormat, Duration, Names, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { RiskProfile } from '../core/risk-profile';
import { confusedDeputySafePrincipal, sourceArnIn } from '../core/private/confused-deputy';
import { acknowledge, secureKey, secureTopic } from '../core/private/secure-defaults';
import { DeviceFailureModes } from './device-failure-modes';
import { awsCronProblem, runsDaily } from '../core/private/aws-cron';
import { describeValue } from '../core/private/describe';
import { riskProfileOf } from '../core/private/risk-profile-of';

/** Props of `BackupAndRecovery`. */
export interface BackupAndRecoveryProps {
  /**
   * How much is at stake: gives the retention, the vault lock, the second-region copy and the
   * air-gapped vault.
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * The key that encrypts the vault and the notification topic.
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * How long recovery points (and their copies) are kept, days (1..36500).
   * @default - the profile's `backupRetentionDays` (35, 90, 365)
   */
  readonly retentionDays?: number;
  /**
   * Lock the vault so no one, the root user included, can delete recovery points before their
   * retention ends (AWS Backup Vault Lock).
   * @default - the profile's `backupVaultLock` (CRITICAL_INFRASTRUCTURE only)
   */
  readonly vaultLock?: boolean;
  /**
   * The shortest retention the locked vault accepts, days; a backup or copy job kept less is refused.
   * @default - `retentionDays`
   */
  readonly vaultLockMinRetentionDays?: number;
  /**
   * Days before the vault lock becomes immutable (compliance mode), at least 3. Until then the
   * lock can be changed or removed.
   * @default 3
   */
  readonly vaultLockChangeableForDays?: number;
  /**
   * Copy every recovery point to `secondRegionVault`.
   * @default - the profile's `backupCopyToSecondRegion` (CRITICAL_INFRASTRUCTURE only)
   */
  readonly copyToSecondRegion?: boolean;
  /**
   * The vault in a second region that receives the copies (e.g.
   * `backup.BackupVault.fromBackupVaultArn(...)` of a vault made by a stack in that region).
   * Required when copying to a second region.
   * @default - none
   */
  readonly secondRegionVault?: backup.IBackupVault;
  /**
   * Copy every recovery point to a logically air-gapped vault
   * (`AWS::Backup::LogicallyAirGappedBackupVault`), locked and encrypted by AWS, out of reach of
   * ransomware with this account's credentials.
   * @default - true when the profile both locks the vault and copies to a second region (CRITICAL_INFRASTRUCTURE)
   */
  readonly airGappedVault?: boolean;
  /**
   * The longest retention the air-gapped vault accepts, days.
   * @default - `retentionDays`
   */
  readonly airGappedMaxRetentionDays?: number;
  /**
   * When backups run, as an AWS cron expression in UTC.
   * @default 'cron(0 3 * * ? *)' (daily at 03:00)
   */
  readonly backupSchedule?: string;
  /**
   * Restore the latest recovery points on a schedule and check that they restore (AWS Backup
   * restore testing), so recovery is tested, not hoped.
   * @default true
   */
  readonly restoreTesting?: boolean;
  /**
   * When restore tests run, as an AWS cron expression in UTC.
   * @default 'cron(0 5 ? * SUN *)' (Sundays at 05:00)
   */
  readonly restoreTestingSchedule?: string;
  /**
   * An AWS Backup Audit Manager framework whose controls prove the plan holds (encryption,
   * retention, frequency, vault lock, cross-region copy). Its evaluations need AWS Config recording.
   * @default true
   */
  readonly auditFramework?: boolean;
  /**
   * The value of the `backup-plan` tag that selects resources for this plan.
   * @default BackupAndRecovery.DEFAULT_TAG_VALUE ('cdk-secure-iot')
   */
  readonly tagValue?: string;
  /**
   * Where failed backup, copy and restore jobs are announced.
   * @default - a new topic encrypted with `encryptionKey`
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * The fail-open or fail-closed choice per device category; pass it on to `IncidentResponse`.
   * @default DeviceFailureModes.DEFAULT
   */
  readonly deviceFailureModes?: DeviceFailureModes;
}

/** The resource types `BackupAndRecovery.select` tags: the stateful ones AWS Backup protects. */
export const BACKUP_RESOURCE_TYPES: readonly string[] = [
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::S3::Bucket',
  'AWS::EFS::FileSystem',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBCluster',
  'AWS::EC2::Volume',
  'AWS::Timestream::Table',
  'AWS::DocDB::DBCluster',
  'AWS::Neptune::DBCluster',
];

const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;

/**
 * Business continuity and recovery (practice 10): an AWS Backup vault encrypted with a
 * customer-managed key, retained and closed to deleting recovery points (locked where the profile
 * asks), a daily plan with the profile's retention, copies to a second region and to a logically
 * air-gapped vault for critical infrastructure, a selection by the tag `backup-plan` (see
 * `BackupAndRecovery.select`), restore testing on a schedule and an Audit Manager framework.
 *
 * | profile | retention | vault lock | second region | air-gapped vault |
 * |---|---|---|---|---|
 * | CONSUMER | 35 d | no | no | no |
 * | INDUSTRIAL | 90 d | no | no | no |
 * | CRITICAL_INFRASTRUCTURE | 365 d | yes | yes | yes |
 */
export class BackupAndRecovery extends Construct {
  /** The tag key that selects resources for a plan. */
  public static readonly TAG_KEY = 'backup-plan';
  /** The default value of the `backup-plan` tag. */
  public static readonly DEFAULT_TAG_VALUE = 'cdk-secure-iot';

  /**
   * Puts the `backup-plan` tag on every stateful resource under `scope` (the types in
   * `BACKUP_RESOURCE_TYPES`), so the plan with that tag value backs it up.
   * @param tagValue the plan's `tagValue`; default `BackupAndRecovery.DEFAULT_TAG_VALUE`
   */
  public static select(scope: IConstruct, tagValue?: string): void {
    const value = tagValue ?? BackupAndRecovery.DEFAULT_TAG_VALUE;
    if (typeof value !== 'string' || (!Token.isUnresolved(value) && !TAG_VALUE.test(value))) {
      throw new Error(`${scope.node.path || '<app>'}: BackupAndRecovery.select: tagValue must be 1-256 letters, digits, spaces or _ . : / = + - @, got ${describeValue(value)}`);
    }
    Tags.of(scope).add(BackupAndRecovery.TAG_KEY, value, { includeResourceTypes: [...BACKUP_RESOURCE_TYPES] });
  }

  /** The key that encrypts the vault and the notification topic. */
  public readonly encryptionKey: kms.IKey;
  /** The vault recovery points are kept in. */
  public readonly vault: backup.BackupVault;
  /** The backup plan. */
  public readonly plan: backup.BackupPlan;
  /** The selection of resources tagged `backup-plan=<tagValue>`. */
  public readonly selection: backup.BackupSelection;
  /** The role AWS Backup uses to back up, copy and restore (restore tests included). */
  public readonly backupRole: iam.IRole;
  /** The logically air-gapped vault that receives copies, if any. */
  public readonly airGappedVault?: backup.CfnLogicallyAirGappedBackupVault;
  /** The Audit Manager framework, if any. */
  public readonly framework?: backup.CfnFramework;
  /** The restore testing plan, if any. */
  public readonly restoreTestingPlan?: backup.CfnRestoreTestingPlan;
  /** Where failed jobs are announced. */
  public readonly notificationTopic: sns.ITopic;
  /** How long recovery points are kept, days. */
  public readonly retentionDays: number;
  /** Whether the vault is locked against deletion of recovery points before their retention ends. */
  public readonly vaultLock: boolean;
  /** Whether recovery points are copied to a vault in a second region. */
  public readonly copyToSecondRegion: boolean;
  /** The value of the `backup-plan` tag this plan selects. */
  public readonly tagValue: string;
  /** The fail-open or fail-closed choice per device category, for `IncidentResponse`. */
  public readonly deviceFailureModes: DeviceFailureModes;

  constructor(scope: Construct, id: string, props: BackupAndRecoveryProps = {}) {
    super(scope, id);
    props = props ?? {};
    const profile = riskProfileOf(this, props.riskProfile);
    const stack = Stack.of(this);
    const retentionDays = props.retentionDays ?? profile.backupRetentionDays;
    const vaultLock = props.vaultLock ?? profile.backupVaultLock;
    const lockMin = props.vaultLockMinRetentionDays ?? retentionDays;
    const changeableFor = props.vaultLockChangeableForDays ?? 3;
    const copy = props.copyToSecondRegion ?? profile.backupCopyToSecondRegion;
    const airGapped = props.airGappedVault ?? (profile.backupVaultLock && profile.backupCopyToSecondRegion);
    const airGappedMax = props.airGappedMaxRetentionDays ?? retentionDays;
    const schedule = props.backupSchedule ?? 'cron(0 3 * * ? *)';
    const restoreTesting = props.restoreTesting ?? true;
    const restoreSchedule = props.restoreTestingSchedule ?? 'cron(0 5 ? * SUN *)';
    const tagValue = props.tagValue ?? BackupAndRecovery.DEFAULT_TAG_VALUE;
    const secondRegion = this.regionOf(props.secondRegionVault);

    const problems: string[] = [];
    const days = (prop: string, v: unknown, min: number, max = 36500) => {
      if (!(typeof v === 'number' && (Token.isUnresolved(v) || (Number.isInteger(v) && v >= min && v <= max)))) {
        problems.push(`${prop} must be an integer from ${min} to ${max} days, got ${describeValue(v)}`);
        return false;
      }
      return !Token.isUnresolved(v);
    };
    const flag = (prop: string, v: unknown) => {
      if (v !== undefined && typeof v !== 'boolean') problems.push(`${prop} must be true or false, got ${describeValue(v)}`);
    };
    (['vaultLock', 'copyToSecondRegion', 'airGappedVault', 'restoreTesting', 'auditFramework'] as const).forEach((p) => flag(p, props[p]));
    const retentionKnown = days('retentionDays', retentionDays, 1);
    if (vaultLock === true) {
      if (days('vaultLockMinRetentionDays', lockMin, 1) && retentionKnown && retentionDays < lockMin) {
        problems.push(`retentionDays (${retentionDays}) is shorter than vaultLockMinRetentionDays (${lockMin}): the locked vault would refuse every backup job`);
      }
      days('vaultLockChangeableForDays', changeableFor, 3);
    }
    if (airGapped === true) {
      if (retentionKnown && retentionDays < 7) {
        problems.push(`retentionDays (${retentionDays}) is shorter than the 7 days a logically air-gapped vault keeps at least: its copies would be refused (give a longer retention or airGappedVault: false)`);
      }
      if (days('airGappedMaxRetentionDays', airGappedMax, 7) && retentionKnown && retentionDays > airGappedMax) {
        problems.push(`retentionDays (${retentionDays}) is longer than airGappedMaxRetentionDays (${airGappedMax}): the air-gapped vault would refuse every copy`);
      }
    }
    if (copy === true) {
      if (!props.secondRegionVault) {
        problems.push('secondRegionVault is required when copying to a second region (copyToSecondRegion, or the profile\'s backupCopyToSecondRegion): give a vault in another region, or copyToSecondRegion: false');
      } else if (secondRegion !== undefined && !Token.isUnresolved(stack.region) && secondRegion === stack.region) {
        problems.push(`secondRegionVault must be in a region other than the stack's (${stack.region}), got a vault in ${secondRegion}`);
      }
    }
    for (const [prop, expr] of [['backupSchedule', schedule], ['restoreTestingSchedule', restoreSchedule]] as const) {
      if (Token.isUnresolved(expr)) continue;
      const problem = awsCronProblem(expr);
      if (problem) problems.push(`${prop} ${problem}, got ${describeValue(expr)}`);
    }
    if (typeof tagValue !== 'string' || (!Token.isUnresolved(tagValue) && !TAG_VALUE.test(tagValue))) {
      problems.push(`tagValue must be 1-256 letters, digits, spaces or _ . : / = + - @, got ${describeValue(tagValue)}`);
    }
    if (props.deviceFailureModes !== undefined && !(props.deviceFailureModes instanceof DeviceFailureModes)) {
      problems.push('deviceFailureModes must be made with DeviceFailureModes.of() or be DeviceFailureModes.DEFAULT');
    }
    if (problems.length > 0) throw new Error(`${this.node.path}: BackupAndRecovery: ${problems.join('; ')}`);

    this.retentionDays = retentionDays;
    this.vaultLock = vaultLock === true;
    this.copyToSecondRegion = copy === true && props.secondRegionVault !== undefined;
    this.tagValue = tagValue;
    this.deviceFailureModes = props.deviceFailureModes ?? DeviceFailureModes.DEFAULT;
    this.encryptionKey = props.encryptionKey ?? secureKey(this, 'Key', {
      description: `Encrypts the AWS Backup vault and its notifications (${this.node.path})`,
    });
    this.notificationTopic = props.notificationTopic ?? secureTopic(this, 'Notifications', {
      masterKey: this.encryptionKey,
      displayName: 'cdk-secure-iot: failed backup, copy and restore jobs',
    });

    this.vault = new backup.BackupVault(this, 'Vault', {
      encryptionKey: this.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
      // Recovery points can only expire: a stolen credential cannot delete the last good copy.
      blockRecoveryPointDeletion: true,
      lockConfiguration: vaultLock ? {
        minRetention: Duration.days(lockMin),
        changeableFor: Duration.days(changeableFor),
      } : undefined,
    });
    this.notifyFrom(this.vault, this.notificationTopic);

    const copyActions: backup.BackupPlanCopyActionProps[] = [];
    if (airGapped) {
      this.airGappedVault = new backup.CfnLogicallyAirGappedBackupVault(this, 'AirGappedVault', {
        backupVaultName: Names.uniqueResourceName(this, { maxLength: 50, separator: '-' }).replace(/[^A-Za-z0-9_-]/g, '-'),
        // Copies are kept the plan's retention: nothing shorter is accepted.
        minRetentionDays: retentionDays,
        maxRetentionDays: airGappedMax,
        // No EncryptionKeyArn on purpose: the AWS-owned key cannot be disabled or scheduled for
        // deletion by anyone in this account, which is the point of an air gap.
      });
      this.airGappedVault.applyRemovalPolicy(RemovalPolicy.RETAIN);
      copyActions.push({
        destinationBackupVault: backup.BackupVault.fromBackupVaultArn(this, 'AirGappedVaultRef', this.airGappedVault.attrBackupVaultArn),
        deleteAfter: Duration.days(retentionDays),
      });
    }
    if (copy && props.secondRegionVault) {
      copyActions.push({ destinationBackupVault: props.secondRegionVault, deleteAfter: Duration.days(retentionDays) });
    }

    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupVault: this.vault,
      backupPlanRules: [new backup.BackupPlanRule({
        ruleName: 'Scheduled',
        scheduleExpression: events.Schedule.expression(schedule),
        startWindow: Duration.hours(1),
        completionWindow: Duration.hours(8),
        deleteAfter: Duration.days(retentionDays),
        copyActions: copyActions.length > 0 ? copyActions : undefined,
      })],
    });

    const role = new iam.Role(this, 'BackupRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'AWS Backup: backs up, copies and restores (restore tests too) the resources tagged for this plan',
      managedPolicies: BACKUP_MANAGED_POLICIES.map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name)),
    });
    for (const name of BACKUP_MANAGED_POLICIES) {
      acknowledge(role, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`,
        'The AWS managed service-role policies of AWS Backup are the documented minimum for backing up and restoring every resource type the tag may select; AWS keeps them current as services add backup features.');
    }
    this.encryptionKey.grant(role, 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
    this.backupRole = role;

    this.selection = new backup.BackupSelection(this, 'Selection', {
      backupPlan: this.plan,
      role,
      disableDefaultBackupPolicy: true,
      resources: [backup.BackupResource.fromTag(BackupAndRecovery.TAG_KEY, tagValue)],
    });

    if (restoreTesting) {
      this.restoreTestingPlan = this.restoreTests(restoreSchedule, role, tagValue);
    }
    if (props.auditFramework ?? true) {
      this.framework = this.auditFramework(schedule, vaultLock ? lockMin : undefined, copy ? secondRegion : undefined, copy);
    }
  }

  /**
   * Announces the vault's failed jobs on `topic`. BackupVault's own `notificationTopic` grants
   * backup.amazonaws.com publishing (and the topic key) with no condition, so that AWS Backup
   * acting for any account's vault could publish here; the grant is made here instead, bounded to
   * this account and this vault, as AWS Backup's confused-deputy page documents (aws:SourceArn the
   * vault). The vault's ARN is formatted from its name: the key policy cannot refer to the vault
   * the key encrypts without a dependency cycle.
   */
  private notifyFrom(vault: backup.BackupVault, topic: sns.ITopic): void {
    const cfnVault = vault.node.defaultChild as backup.CfnBackupVault;
    cfnVault.notifications = {
      snsTopicArn: topic.topicArn,
      backupVaultEvents: [
        backup.BackupVaultEvents.BACKUP_JOB_FAILED,
        backup.BackupVaultEvents.BACKUP_JOB_EXPIRED,
        backup.BackupVaultEvents.COPY_JOB_FAILED,
        backup.BackupVaultEvents.RESTORE_JOB_COMPLETED,
        backup.BackupVaultEvents.S3_BACKUP_OBJECT_FAILED,
        backup.BackupVaultEvents.S3_RESTORE_OBJECT_FAILED,
      ],
    };
    const vaultArn = sourceArnIn(this, 'backup', 'backup-vault', cfnVault.backupVaultName, ArnFormat.COLON_RESOURCE_NAME);
    topic.grantPublish(confusedDeputySafePrincipal(this, 'backup.amazonaws.com', { sourceArn: vaultArn }));
  }

  private regionOf(vault: backup.IBackupVault | undefined): string | undefined {
    if (!vault) return undefined;
    if (!Token.isUnresolved(vault.backupVaultArn)) {
      const region = Arn.split(vault.backupVaultArn, ArnFormat.COLON_RESOURCE_NAME).region;
      return region && !Token.isUnresolved(region) ? region : undefined;
    }
    // An ARN with a token in another part (`arn:aws:backup:us-west-2:${AWS::AccountId}:...`): a
    // token's text holds no colon, so the region is the fourth part as written, when literal.
    const parts = vault.backupVaultArn.split(':');
    const region = parts.length >= 7 && parts[0] === 'arn' ? parts[3] : undefined;
    return region && !Token.isUnresolved(region) ? region : undefined;
  }

  private restoreTests(schedule: string, role: iam.IRole, tagValue: string): backup.CfnRestoreTestingPlan {
    const planName = Names.uniqueResourceName(this, { maxLength: 50, separator: '_' }).replace(/[^A-Za-z0-9_]/g, '_');
    const plan = new backup.CfnRestoreTestingPlan(this, 'RestoreTestingPlan', {
      restoreTestingPlanName: planName,
      scheduleExpression: schedule,
      startWindowHours: 24,
      recoveryPointSelection: {
        algorithm: 'LATEST_WITHIN_WINDOW',
        includeVaults: [this.vault.backupVaultArn],
        recoveryPointTypes: ['SNAPSHOT'],
        selectionWindowDays: 7,
      },
    });
    for (const [type, name] of [['DynamoDB', 'DynamoDBTables'], ['S3', 'S3Buckets']] as const) {
      const selection = new backup.CfnRestoreTestingSelection(this, `RestoreTesting${name}`, {
        restoreTestingPlanName: plan.restoreTestingPlanName,
        restoreTestingSelectionName: name,
        protectedResourceType: type,
        iamRoleArn: role.roleArn,
        protectedResourceArns: ['*'],
        protectedResourceConditions: {
          stringEquals: [{ key: `aws:ResourceTag/${BackupAndRecovery.TAG_KEY}`, value: tagValue }],
        },
        // Restored copies are kept a day for validation, then deleted by AWS Backup.
        validationWindowHours: 24,
      });
      selection.addResourceDependency(plan);
    }
    return plan;
  }

  private auditFramework(schedule: string, lockMin: number | undefined, secondRegion: string | undefined, copy: boolean): backup.CfnFramework {
    // ControlScope is untyped in the L1: CloudFormation's own capitalized names.
    const scope = { Tags: [{ Key: BackupAndRecovery.TAG_KEY, Value: this.tagValue }] };
    const param = (parameterName: string, parameterValue: string | number) => ({ parameterName, parameterValue: String(parameterValue) });
    const daily = runsDaily(schedule);
    const controls: backup.CfnFramework.FrameworkControlProperty[] = [
      { controlName: 'BACKUP_RECOVERY_POINT_ENCRYPTED' },
      { controlName: 'BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED' },
      { controlName: 'BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK', controlInputParameters: [param('requiredRetentionDays', this.retentionDays)] },
      {
        controlName: 'BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK',
        controlInputParameters: [
          param('requiredRetentionDays', this.retentionDays),
          param('requiredFrequencyUnit', 'days'),
          param('requiredFrequencyValue', daily ? 1 : 7),
        ],
      },
      { controlName: 'BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN', controlScope: scope },
      {
        controlName: 'BACKUP_LAST_RECOVERY_POINT_CREATED',
        controlInputParameters: [param('recoveryPointAgeUnit', 'days'), param('recoveryPointAgeValue', daily ? 1 : 7)],
        controlScope: scope,
      },
    ];
    if (lockMin !== undefined) {
      controls.push({
        controlName: 'BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK',
        controlInputParameters: [param('minRetentionDays', lockMin)],
        controlScope: scope,
      });
    }
    if (copy) {
      controls.push({
        controlName: 'BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION',
        controlInputParameters: secondRegion ? [param('crossRegionList', secondRegion)] : undefined,
        controlScope: scope,
      });
    }
    return new backup.CfnFramework(this, 'Framework', {
      frameworkDescription: `cdk-secure-iot: the backup plan ${this.node.path} holds (retention ${this.retentionDays} days)`,
      frameworkControls: controls,
    });
  }
}

/** The AWS managed policies of the AWS Backup service role, for backups and restores, S3 included. */
const BACKUP_MANAGED_POLICIES = [
  'service-role/AWSBackupServiceRolePolicyForBackup',
  'service-role/AWSBackupServiceRolePolicyForRestores',
  'AWSBackupServiceRolePolicyForS3Backup',
  'AWSBackupServiceRolePolicyForS3Restore',
];
