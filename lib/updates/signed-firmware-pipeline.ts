import { CfnOutput, CfnResource, CustomResource, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { FindingClass } from '../core/finding-class';
import { RiskProfile } from '../core/risk-profile';
import { findingAlarmName } from '../core/private/finding-alarm-name';
import { confusedDeputySafePrincipal, sourceArnIn } from '../core/private/confused-deputy';
import { RolloutRate } from '../core/rollout-rate';
import {
  accessLogBucket, acknowledge, nagArnPrefix, secureBucket, secureFunction, secureKey, secureLogGroup, secureTopic,
} from '../core/private/secure-defaults';
import { FirmwareSigningPlatform } from './firmware-signing-platform';
import { describeValue } from '../core/private/describe';
import { riskProfileProblems } from '../core/private/risk-profile-of';

/** A type of device the pipeline releases firmware for. */
export interface FirmwareDeviceType {
  /**
   * The device type: the AWS IoT thing type of its things. It names the upload folder
   * (`incoming/<thingTypeName>/<version>/<file>`), the software package and the registry entry.
   */
  readonly thingTypeName: string;
  /** The thing groups a release's fleet job targets (at least one, at most 10 with the canary). */
  readonly targetThingGroupNames: string[];
  /**
   * The thing group that gets each release first when the rollout is canary first.
   * @default - a static thing group `<thingTypeName>-canary` is created when the rollout is canary first; devices are added to it by you
   */
  readonly canaryThingGroupName?: string;
}

/** A recurring window in which devices may start an update. */
export interface FirmwareMaintenanceWindow {
  /** When the window opens: a cron expression, e.g. `cron(0 2 ? * SUN *)`. */
  readonly startTime: string;
  /** How long it stays open, minutes (30..1430). */
  readonly durationMinutes: number;
}

/** Props of `SignedFirmwarePipeline`. */
export interface SignedFirmwarePipelineProps {
  /** The device types the pipeline releases firmware for (at least one). */
  readonly deviceTypes: FirmwareDeviceType[];
  /**
   * The code-signing certificate, imported into ACM with its private key, that Signer signs
   * with. Devices hold its public part and verify every image against it.
   */
  readonly signingCertificate: acm.ICertificate;
  /**
   * The Signer platform: the signature format the devices verify.
   * @default FirmwareSigningPlatform.AWS_IOT_DEVICE_MANAGEMENT_SHA256_ECDSA
   */
  readonly signingPlatform?: FirmwareSigningPlatform;
  /**
   * How long a signature stays valid (whole days, 1 day to 135 months, Signer's limit).
   * @default Duration.days(365)
   */
  readonly signatureValidity?: Duration;
  /**
   * The risk profile the rollout defaults come from.
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * How fast a release reaches the fleet.
   * @default - the profile's `otaRollout`
   */
  readonly rolloutRate?: RolloutRate;
  /**
   * A release job is cancelled when more than this share of its executed things failed, were
   * rejected or timed out, percent (above 0, at most 50).
   * @default - the profile's `otaAbortFailurePercent`
   */
  readonly abortFailurePercent?: number;
  /**
   * Things that must have run the job before the abort threshold applies (1..1000).
   * @default - enough for one failure to cross the threshold: ceil(100 / abortFailurePercent)
   */
  readonly abortMinExecutedThings?: number;
  /**
   * Release to each device type's canary group first, and to the fleet only when every canary
   * succeeded.
   * @default - the profile's `otaCanaryGroupFirst`
   */
  readonly canaryGroupFirst?: boolean;
  /**
   * Minutes a device may stay IN_PROGRESS before its execution times out (1..10080).
   * @default 60
   */
  readonly inProgressTimeoutMinutes?: number;
  /**
   * Times a timed-out execution is retried (0..10); 0 turns retries off.
   * @default 2
   */
  readonly timedOutRetryAttempts?: number;
  /**
   * Lifetime of the presigned URL a device downloads the image with, seconds (60..3600).
   * @default 300
   */
  readonly presignedUrlExpiresInSec?: number;
  /**
   * Windows in which devices may start an update.
   * @default - devices update when notified
   */
  readonly maintenanceWindows?: FirmwareMaintenanceWindow[];
  /**
   * How long one release may take, from upload to the fleet job (canary included), 1 hour to 7 days.
   * @default Duration.days(2)
   */
  readonly releaseTimeout?: Duration;
  /**
   * The key that encrypts buckets, registry, topic, logs and the handlers' environment. An
   * imported key's policy must allow CloudWatch Logs and CloudWatch alarms to use it.
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
}

const THING_TYPE = /^[A-Za-z0-9:_-]{1,64}$/;
const THING_GROUP = /^[A-Za-z0-9:_-]{1,128}$/;
/** Signer's longest validity period, 135 months, in days. */
const MAX_SIGNATURE_DAYS = 4105;
/** The upload prefix the automation watches; see the version gate handler. */
const UPLOAD_PREFIX = 'incoming/';
const SIGNED_PREFIX = 'signed/';
const RELEASE_PREFIX = 'releases/';
/** What S3 (SSE-KMS), DynamoDB and SNS need of the key for a reader and writer; no wildcard actions. */
/** The metric of timed-out executions; the topic rule's CloudWatch action publishes it. */
const TIMED_OUT_METRIC = { namespace: 'cdk-secure-iot/Firmware', name: 'TimedOutJobExecutions' } as const;
const KEY_USE = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];

/**
 * Signed, staged, rollback-proof firmware updates (practice 4).
 *
 * Upload an image to `uploadBucket` as `incoming/<thingTypeName>/<version>/<file>` (with an
 * optional SBOM beside it, uploaded first, as `<file>.spdx.json` or `<file>.cdx.json`). A state
 * machine checks the version against the registry (strictly greater, SemVer 2.0.0), has AWS
 * Signer sign the exact object version, commits the version with a conditional write, copies
 * the signed image to `releaseBucket` (which only the state machine can write), registers it as
 * an IoT software package version, moves the device type's out-of-date things into a dynamic
 * thing group, and rolls it out with jobs created from `jobTemplate`: canary group first where
 * the profile asks, abort on failures, paced, with timeouts, retries and short-lived URLs.
 * Refusals, signing failures and failed jobs notify `alarmTopic`.
 */
export class SignedFirmwarePipeline extends Construct {
  /** The key that encrypts the pipeline's data. */
  public readonly encryptionKey: kms.IKey;
  /** Where images are uploaded for signing. */
  public readonly uploadBucket: s3.Bucket;
  /** Where signed releases are published; only the release state machine writes to it. */
  public readonly releaseBucket: s3.Bucket;
  /** The version registry: the released version of each device type. */
  public readonly versionRegistry: dynamodb.Table;
  /** The Signer profile's name. */
  public readonly signingProfileName: string;
  /** The Signer profile's ARN. */
  public readonly signingProfileArn: string;
  /** The release automation. */
  public readonly stateMachine: sfn.StateMachine;
  /** The job template every release job is created from. */
  public readonly jobTemplate: iot.CfnJobTemplate;
  /** Notified of refused uploads, failed signing, failed releases and failing jobs. */
  public readonly alarmTopic: sns.Topic;
  /** The software package of each device type, by thing type name. */
  public readonly softwarePackages: { [thingTypeName: string]: iot.CfnSoftwarePackage };
  /** The dynamic thing group of each device type's things that do not run the released version. */
  public readonly outOfDateThingGroups: { [thingTypeName: string]: iot.CfnThingGroup };
  /**
   * Where the job and job execution events of the pipeline's jobs are kept, one JSON record per
   * event with `jobId`: the deployment state of each release, queryable with Logs Insights.
   */
  public readonly jobEventLogGroup: logs.LogGroup;
  /** How fast each release's fleet job reaches the fleet. */
  public readonly rolloutRate: RolloutRate;
  /** A release's job is cancelled when more than this share of its executions fail, percent. */
  public readonly abortFailurePercent: number;
  /** Whether each release goes to the device types' canary groups before the fleet. */
  public readonly canaryGroupFirst: boolean;

  constructor(scope: Construct, id: string, props: SignedFirmwarePipelineProps) {
    super(scope, id);
    const settings = this.validated(props);
    this.rolloutRate = settings.rollout;
    this.abortFailurePercent = settings.abortPercent;
    this.canaryGroupFirst = settings.canaryFirst;
    const stack = Stack.of(this);

    this.encryptionKey = props.encryptionKey ?? secureKey(this, 'Key', {
      description: `Encrypts the firmware pipeline's buckets, registry, topic and logs (${this.node.path})`,
    });
    const key = this.encryptionKey;
    const logs = accessLogBucket(this, 'AccessLogs');
    this.uploadBucket = secureBucket(this, 'UploadBucket', { encryptionKey: key, serverAccessLogsBucket: logs });
    // Native EventBridge notifications: no notification custom resource.
    (this.uploadBucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    this.releaseBucket = secureBucket(this, 'ReleaseBucket', { encryptionKey: key, serverAccessLogsBucket: logs });

    this.versionRegistry = new dynamodb.Table(this, 'VersionRegistry', {
      partitionKey: { name: 'deviceType', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.alarmTopic = secureTopic(this, 'AlarmTopic', { masterKey: key, displayName: 'Firmware pipeline alarms' });
    if (key instanceof kms.Key) {
      // CloudWatch alarms publish to the encrypted topic with the key (SNS documentation, "Encrypting topics").
      key.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToNotifyEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }));
    }

    const profile = this.signingProfile(props, settings.signatureDays);
    this.signingProfileName = profile.getAttString('ProfileName');
    this.signingProfileArn = profile.getAttString('ProfileArn');

    // One software package, one out-of-date group, and a canary group where needed, per device type.
    this.softwarePackages = {};
    this.outOfDateThingGroups = {};
    const deviceTypeConfig: { [type: string]: object } = {};
    const targetGroupArns: string[] = [];
    props.deviceTypes.forEach((type, i) => {
      const name = type.thingTypeName;
      this.softwarePackages[name] = new iot.CfnSoftwarePackage(this, `Package${i}`, {
        packageName: name,
        description: `Firmware of ${name}, released by ${this.node.path}`,
      });
      this.outOfDateThingGroups[name] = new iot.CfnThingGroup(this, `OutOfDate${i}`, {
        thingGroupName: `${name}-firmware-out-of-date`,
        // Until the first release, a thing is out of date when it reports no firmware version.
        queryString: `thingTypeName:${name} AND NOT attributes.firmwareVersion:*`,
        thingGroupProperties: { thingGroupDescription: `${name} things not running the released firmware` },
      });
      let canary = type.canaryThingGroupName;
      if (settings.canaryFirst && canary === undefined) {
        canary = new iot.CfnThingGroup(this, `Canary${i}`, {
          thingGroupName: `${name}-canary`,
          thingGroupProperties: { thingGroupDescription: `${name} things that get each firmware release first` },
        }).ref;
      }
      const targets = type.targetThingGroupNames.map((g) => this.thingGroupArn(g));
      const canaryTarget = settings.canaryFirst ? this.thingGroupArn(canary!) : undefined;
      targetGroupArns.push(...targets, ...(canaryTarget ? [canaryTarget] : []));
      deviceTypeConfig[name] = {
        packageName: name,
        targets,
        ...(canaryTarget ? { canaryTarget } : {}),
        complianceGroupName: `${name}-firmware-out-of-date`,
      };
    });

    const presignRole = new iam.Role(this, 'PresignedUrlRole', {
      assumedBy: new iam.ServicePrincipal('iot.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'Lets AWS IoT Jobs presign download URLs of released firmware, and nothing else',
    });
    presignRole.addToPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [this.releaseBucket.arnForObjects(`${RELEASE_PREFIX}*`)],
    }));
    presignRole.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn] }));
    acknowledge(presignRole.node.findChild('DefaultPolicy'), `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.releaseBucket)}.Arn>/${RELEASE_PREFIX}*]`,
      'Devices download whichever released image their job names; the role reads released images only (GetObject on releases/*), never writes.');

    this.jobTemplate = new iot.CfnJobTemplate(this, 'JobTemplate', {
      jobTemplateId: Names.uniqueResourceName(this, { maxLength: 64, separator: '-' }),
      description: `Firmware rollout of ${this.node.path}`,
      // Each release's job brings its own document; the template's only says what it is for.
      document: JSON.stringify({ operation: 'firmware-update', note: 'each release job replaces this document' }),
      jobExecutionsRolloutConfig: rolloutConfig(settings.rollout),
      abortConfig: {
        CriteriaList: ['FAILED', 'REJECTED', 'TIMED_OUT'].map((failureType) => ({
          Action: 'CANCEL',
          FailureType: failureType,
          ThresholdPercentage: settings.abortPercent,
          MinNumberOfExecutedThings: settings.abortMinExecuted,
        })),
      },
      timeoutConfig: { InProgressTimeoutInMinutes: settings.timeoutMinutes },
      jobExecutionsRetryConfig: settings.retries > 0
        ? { retryCriteriaList: [{ failureType: 'TIMED_OUT', numberOfRetries: settings.retries }] }
        : undefined,
      presignedUrlConfig: { RoleArn: presignRole.roleArn, ExpiresInSec: settings.presignSec },
      maintenanceWindows: props.maintenanceWindows?.map((w) => ({ startTime: w.startTime, durationInMinutes: w.durationMinutes })),
    });

    const gate = secureFunction(this, 'VersionGate', {
      handlerName: 'firmware-version-gate',
      description: 'cdk-secure-iot: firmware version gate (semantic versions, strictly increasing per device type)',
      encryptionKey: key,
      timeout: Duration.seconds(30),
      environment: {
        PIPELINE_CONFIG: stack.toJsonString({
          tableName: this.versionRegistry.tableName,
          releaseBucket: this.releaseBucket.bucketName,
          jobIdPrefix: this.jobIdPrefix(),
          partition: stack.partition,
          account: stack.account,
          deviceTypes: deviceTypeConfig,
        }),
      },
    });
    this.versionRegistry.grant(gate, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    key.grant(gate, ...KEY_USE);
    // Finds the SBOM beside an upload (HeadObject needs s3:GetObject).
    gate.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.uploadBucket.arnForObjects(`${UPLOAD_PREFIX}*`)] }));
    // S3 answers a HeadObject of a missing key with 404 only to a caller allowed s3:ListBucket on
    // the bucket, and with 403 otherwise: without it every upload that has no SBOM failed the gate.
    gate.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.uploadBucket.bucketArn] }));
    acknowledge(gate.role!.node.findChild('DefaultPolicy'), `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.uploadBucket)}.Arn>/${UPLOAD_PREFIX}*]`,
      'The gate looks for the SBOM uploaded beside an image (HeadObject), whose key is known only at run time; read-only, under incoming/ only.');

    this.stateMachine = this.releaseStateMachine(gate, profile, presignRole, settings.releaseTimeout, targetGroupArns);
    this.releaseBucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'OnlyTheReleaseAutomationWrites',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [this.releaseBucket.arnForObjects('*')],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.stateMachine.role.roleArn } },
    }));

    // Named, so that the role EventBridge assumes to start the release names this one rule
    // (aws:SourceArn): the rule refers to the role, so the role cannot refer to a generated name.
    const uploadRuleName = Names.uniqueResourceName(this, { maxLength: 64, separator: '-' }).replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 54) + '-upload';
    // Same construct ID as the role CDK's target would make, so deployed stacks keep their role.
    const startRole = new iam.Role(this.stateMachine, 'EventsRole', {
      description: `Assumed by EventBridge to start the firmware release automation of ${this.node.path} from its upload rule`,
      assumedBy: confusedDeputySafePrincipal(this, 'events.amazonaws.com', {
        sourceArn: sourceArnIn(this, 'events', 'rule', uploadRuleName),
      }),
    });
    new events.Rule(this, 'UploadRule', {
      ruleName: uploadRuleName,
      description: 'Starts the firmware release automation for each image uploaded under incoming/',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [this.uploadBucket.bucketName] }, object: { key: [{ prefix: UPLOAD_PREFIX }] } },
      },
      targets: [new targets.SfnStateMachine(this.stateMachine, { retryAttempts: 10, maxEventAge: Duration.hours(2), role: startRole })],
    });

    this.alarms();
    const jobEvents = this.jobEvents();
    this.jobEventLogGroup = jobEvents.events;
    this.timedOutExecutionAlarm(jobEvents.role, jobEvents.errors);

    new CfnOutput(this, 'SigningProfileArnOutput', {
      description: 'The Signer profile that signs firmware: devices verify images against its certificate',
      value: this.signingProfileArn,
    });
    new CfnOutput(this, 'SigningCertificateArnOutput', {
      description: 'The ACM code-signing certificate whose public part devices verify firmware with',
      value: props.signingCertificate.certificateArn,
    });
    new CfnOutput(this, 'UploadBucketOutput', {
      description: 'Upload firmware here as incoming/<thingTypeName>/<version>/<file>',
      value: this.uploadBucket.bucketName,
    });
  }

  /** Lets `grantee` upload firmware (and SBOMs) for signing, under `incoming/` only. */
  public grantUpload(grantee: iam.IGrantable): iam.Grant {
    return this.uploadBucket.grantPut(grantee, `${UPLOAD_PREFIX}*`);
  }

  /** Lets `grantee` read released, signed firmware. */
  public grantReadReleases(grantee: iam.IGrantable): iam.Grant {
    return this.releaseBucket.grantRead(grantee, `${RELEASE_PREFIX}*`);
  }

  private validated(props: SignedFirmwarePipelineProps) {
    const where = `${this.node.path}: SignedFirmwarePipeline`;
    if (props === undefined || props === null || typeof props !== 'object') {
      throw new Error(`${where}: props are required (deviceTypes and signingCertificate)`);
    }
    const problems: string[] = [];
    const profile = props.riskProfile ?? RiskProfile.INDUSTRIAL;
    problems.push(...riskProfileProblems(props.riskProfile));
    const num = (prop: string, v: unknown, min: number, max: number, fallback: number, integer = true, minExclusive = false): number => {
      if (v === undefined) return fallback;
      if (Token.isUnresolved(v)) return v as number;
      const ok = typeof v === 'number' && Number.isFinite(v) && (minExclusive ? v > min : v >= min) && v <= max && (!integer || Number.isInteger(v));
      if (ok) return v;
      problems.push(`${prop} must be ${integer ? 'an integer' : 'a number'} ${minExclusive ? `above ${min}` : `from ${min}`} to ${max}, got ${describeValue(v)}`);
      return fallback;
    };

    const types = props.deviceTypes;
    if (!Array.isArray(types) || types.length === 0) {
      problems.push(`deviceTypes must list at least one device type, got ${describeValue(types)}`);
    } else {
      const seen = new Set<string>();
      for (const type of types) {
        const name = type?.thingTypeName;
        if (typeof name !== 'string' || (!Token.isUnresolved(name) && (!THING_TYPE.test(name) || name.includes(':')))) {
          problems.push(`deviceTypes: thingTypeName must be 1-64 letters, digits, '_' or '-', got ${describeValue(name)}`);
        } else if (seen.has(name)) {
          problems.push(`deviceTypes: ${name} is listed twice`);
        } else {
          seen.add(name);
        }
        const groups = type?.targetThingGroupNames;
        if (!Array.isArray(groups) || groups.length === 0) {
          problems.push(`deviceTypes: targetThingGroupNames of ${JSON.stringify(name)} must list at least one thing group, got ${describeValue(groups)}`);
        } else if (groups.length > 9) {
          problems.push(`deviceTypes: targetThingGroupNames of ${JSON.stringify(name)} must list at most 9 thing groups (a job has at most 10 targets), got ${groups.length}`);
        }
        for (const g of [...(Array.isArray(groups) ? groups : []), ...(type?.canaryThingGroupName === undefined ? [] : [type.canaryThingGroupName])]) {
          if (typeof g !== 'string' || (!Token.isUnresolved(g) && !THING_GROUP.test(g))) {
            problems.push(`deviceTypes: thing group names of ${JSON.stringify(name)} must be 1-128 letters, digits, ':', '_' or '-', got ${describeValue(g)}`);
          }
        }
      }
    }
    if (!props.signingCertificate || typeof props.signingCertificate.certificateArn !== 'string') {
      problems.push('signingCertificate must be an ACM certificate (acm.Certificate.fromCertificateArn)');
    }
    const platform = props.signingPlatform ?? FirmwareSigningPlatform.AWS_IOT_DEVICE_MANAGEMENT_SHA256_ECDSA;
    if (!Object.values(FirmwareSigningPlatform).includes(platform)) {
      problems.push(`signingPlatform must be one of ${Object.values(FirmwareSigningPlatform).join(', ')} (the Signer platforms for IoT devices), got ${describeValue(platform)}`);
    }
    let signatureDays = 365;
    if (props.signatureValidity !== undefined) {
      const days = props.signatureValidity instanceof Duration ? props.signatureValidity.toDays({ integral: false }) : NaN;
      if (!Number.isInteger(days) || days < 1 || days > MAX_SIGNATURE_DAYS) {
        problems.push(`signatureValidity must be whole days from 1 to ${MAX_SIGNATURE_DAYS} (135 months), got ${props.signatureValidity instanceof Duration ? props.signatureValidity.toHumanString() : describeValue(props.signatureValidity)}`);
      } else {
        signatureDays = days;
      }
    }
    const rollout = props.rolloutRate ?? profile.otaRollout;
    if (!(rollout instanceof RolloutRate)) problems.push('rolloutRate must be made with RolloutRate.constant() or RolloutRate.exponential()');
    const abortPercent = num('abortFailurePercent', props.abortFailurePercent, 0, 50, profile.otaAbortFailurePercent, false, true);
    const abortMinExecuted = num('abortMinExecutedThings', props.abortMinExecutedThings, 1, 1000,
      Token.isUnresolved(abortPercent) ? 100 : Math.min(1000, Math.ceil(100 / abortPercent)));
    const canaryFirst = props.canaryGroupFirst ?? profile.otaCanaryGroupFirst;
    if (typeof canaryFirst !== 'boolean') problems.push(`canaryGroupFirst must be true or false, got ${describeValue(canaryFirst)}`);
    const timeoutMinutes = num('inProgressTimeoutMinutes', props.inProgressTimeoutMinutes, 1, 10080, 60);
    const retries = num('timedOutRetryAttempts', props.timedOutRetryAttempts, 0, 10, 2);
    const presignSec = num('presignedUrlExpiresInSec', props.presignedUrlExpiresInSec, 60, 3600, 300);
    if (props.maintenanceWindows !== undefined && !Array.isArray(props.maintenanceWindows)) {
      problems.push(`maintenanceWindows must be a list, got ${describeValue(props.maintenanceWindows)}`);
    }
    for (const w of Array.isArray(props.maintenanceWindows) ? props.maintenanceWindows : []) {
      if (typeof w?.startTime !== 'string' || (!Token.isUnresolved(w.startTime) && !/^cron\(.+\)$/.test(w.startTime))) {
        problems.push(`maintenanceWindows: startTime must be a cron expression such as 'cron(0 2 ? * SUN *)', got ${describeValue(w?.startTime)}`);
      }
      num('maintenanceWindows: durationMinutes', w?.durationMinutes, 30, 1430, 30);
    }
    let releaseTimeout = Duration.days(2);
    if (props.releaseTimeout !== undefined) {
      const hours = props.releaseTimeout instanceof Duration ? props.releaseTimeout.toHours({ integral: false }) : NaN;
      if (!(hours >= 1 && hours <= 168)) {
        problems.push(`releaseTimeout must be from 1 hour to 7 days, got ${props.releaseTimeout instanceof Duration ? props.releaseTimeout.toHumanString() : describeValue(props.releaseTimeout)}`);
      } else {
        releaseTimeout = props.releaseTimeout;
      }
    }
    if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
    return { platform, signatureDays, rollout, abortPercent, abortMinExecuted, canaryFirst, timeoutMinutes, retries, presignSec, releaseTimeout };
  }

  private signingProfile(props: SignedFirmwarePipelineProps, signatureDays: number): CustomResource {
    const fn = secureFunction(this, 'SigningProfileHandler', {
      handlerName: 'firmware-signing-profile',
      description: 'cdk-secure-iot: makes the AWS Signer profile of the firmware pipeline',
      encryptionKey: this.encryptionKey,
      timeout: Duration.minutes(1),
    });
    const prefix = this.profileNamePrefix();
    // AWS::Signer::SigningProfile (and so signer.SigningProfile, the L2) accepts only the Lambda
    // and Notation platforms and cannot carry the certificate IoT platforms need (aws-cdk issue
    // 25332): the profile is made by a custom resource with PutSigningProfile.
    // The handler reads and cancels this pipeline's profiles only. PutSigningProfile supports no
    // resource type (Service Authorization Reference): granted on a profile ARN it never takes
    // effect, so it is granted on "*" alone. The handler tags nothing (no signer:TagResource).
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['signer:GetSigningProfile', 'signer:CancelSigningProfile'],
      resources: [signerArn(this, `/signing-profiles/${prefix}_*`)],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['signer:PutSigningProfile'], resources: ['*'] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['acm:DescribeCertificate'], resources: [props.signingCertificate.certificateArn] }));
    const defaultPolicy = fn.role!.node.findChild('DefaultPolicy');
    acknowledge(defaultPolicy, `AwsSolutions-IAM5[Resource::${nagArnPrefix(this, 'signer')}:/signing-profiles/${prefix}_*]`,
      'The profile name carries a suffix chosen at deploy time (profiles cannot change, so each change is a new profile); the prefix is this pipeline\'s alone.');
    acknowledge(defaultPolicy, 'AwsSolutions-IAM5[Resource::*]',
      'signer:PutSigningProfile supports no resource type (Service Authorization Reference), so "*" is the only grant IAM accepts; the statement allows that one action.');
    return new CustomResource(this, 'SigningProfile', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::FirmwareSigningProfile',
      properties: {
        ProfileNamePrefix: prefix,
        PlatformId: props.signingPlatform ?? FirmwareSigningPlatform.AWS_IOT_DEVICE_MANAGEMENT_SHA256_ECDSA,
        CertificateArn: props.signingCertificate.certificateArn,
        SignatureValidityDays: String(signatureDays),
      },
    });
  }

  private releaseStateMachine(gate: lambda.IFunction, profile: CustomResource, presignRole: iam.IRole, timeout: Duration,
    targetGroupArns: string[]): sfn.StateMachine {
    const stack = Stack.of(this);
    const key = this.encryptionKey;
    const iotArn = (resource: string) => stack.formatArn({ service: 'iot', resource, resourceName: undefined }).replace(/:$/, '');
    const packageArns = Object.keys(this.softwarePackages).flatMap((name) => [iotArn(`package/${name}`), iotArn(`package/${name}/version/*`)]);
    const jobArns = [iotArn(`job/${this.jobIdPrefix()}-*`)];

    const failed = new sfn.Fail(this, 'ReleaseFailed', { error: 'FirmwareReleaseFailed', cause: 'See the notification sent to the alarm topic' });
    const notify = (id: string, subject: string, message: sfn.TaskInput) => new tasks.SnsPublish(this, id, {
      topic: this.alarmTopic, subject, message, resultPath: sfn.JsonPath.DISCARD,
    }).next(failed);
    const notifyError = notify('NotifyError', 'Firmware release failed', sfn.TaskInput.fromJsonPathAt('States.JsonToString($)'));
    const notifyRefused = notify('NotifyRefused', 'Firmware upload refused',
      sfn.TaskInput.fromJsonPathAt("States.Format('Refused: {}', $.gate.reason)"));
    const notifyCommitRefused = notify('NotifyCommitRefused', 'Firmware release refused',
      sfn.TaskInput.fromJsonPathAt("States.Format('Refused: {}', $.commit.reason)"));
    const notifySigningFailed = notify('NotifySigningFailed', 'Firmware signing failed',
      sfn.TaskInput.fromJsonPathAt("States.Format('Signing job {} failed: {}', $.signing.jobId, States.JsonToString($.signingStatus))"));
    const notifyCanaryFailed = notify('NotifyCanaryFailed', 'Firmware canary failed',
      sfn.TaskInput.fromJsonPathAt("States.Format('Canary job {} ended {}: the fleet job was not created', $.gate.release.canaryJobId, $.canary.Job.Status)"));

    const catching = <T extends sfn.TaskStateBase>(task: T): T => {
      task.addCatch(notifyError, { resultPath: '$.error' });
      return task;
    };
    const gateCall = (id: string, payload: { [k: string]: unknown }, resultPath: string) => catching(new tasks.LambdaInvoke(this, id, {
      lambdaFunction: gate, payload: sfn.TaskInput.fromObject(payload), payloadResponseOnly: true, resultPath,
    }));

    const check = gateCall('CheckVersion', { action: 'check', detail: sfn.JsonPath.objectAt('$.detail') }, '$.gate');
    const startSigning = catching(new tasks.CallAwsService(this, 'StartSigningJob', {
      service: 'signer',
      action: 'startSigningJob',
      iamAction: 'signer:StartSigningJob',
      iamResources: [profile.getAttString('ProfileArn')],
      // Signer reads the upload and writes the signed image with the caller's permissions.
      additionalIamStatements: [
        new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [this.uploadBucket.arnForObjects(`${UPLOAD_PREFIX}*`)] }),
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.uploadBucket.arnForObjects(`${SIGNED_PREFIX}*`)] }),
      ],
      parameters: {
        Source: { S3: {
          BucketName: this.uploadBucket.bucketName,
          Key: sfn.JsonPath.stringAt('$.gate.release.source.key'),
          Version: sfn.JsonPath.stringAt('$.gate.release.source.versionId'),
        } },
        Destination: { S3: { BucketName: this.uploadBucket.bucketName, Prefix: sfn.JsonPath.stringAt('$.gate.release.signedPrefix') } },
        ProfileName: profile.getAttString('ProfileName'),
        ClientRequestToken: sfn.JsonPath.stringAt('$$.Execution.Name'),
      },
      resultSelector: { jobId: sfn.JsonPath.stringAt('$.JobId') },
      resultPath: '$.signing',
    }));
    const waitSigning = new sfn.Wait(this, 'WaitForSigning', { time: sfn.WaitTime.duration(Duration.seconds(10)) });
    const describeSigning = catching(new tasks.CallAwsService(this, 'DescribeSigningJob', {
      service: 'signer',
      action: 'describeSigningJob',
      iamAction: 'signer:DescribeSigningJob',
      iamResources: [signerArn(this, '/signing-jobs/*')],
      parameters: { JobId: sfn.JsonPath.stringAt('$.signing.jobId') },
      // SignedObject and StatusReason appear only once the job ends: the whole answer is kept.
      resultPath: '$.signingStatus',
    }));
    const commit = gateCall('CommitVersion', { action: 'commit', release: sfn.JsonPath.objectAt('$.gate.release') }, '$.commit');
    const publish = catching(new tasks.CallAwsService(this, 'PublishSignedImage', {
      service: 's3',
      action: 'copyObject',
      iamAction: 's3:PutObject',
      iamResources: [this.releaseBucket.arnForObjects(`${RELEASE_PREFIX}*`)],
      additionalIamStatements: [new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [this.uploadBucket.arnForObjects(`${SIGNED_PREFIX}*`)],
      })],
      parameters: {
        Bucket: this.releaseBucket.bucketName,
        Key: sfn.JsonPath.stringAt('$.gate.release.releaseKey'),
        // The release bucket's default encryption (the pipeline's key) applies to the copy.
        CopySource: sfn.JsonPath.format(`${this.uploadBucket.bucketName}/{}`, sfn.JsonPath.stringAt('$.signingStatus.SignedObject.S3.Key')),
        Metadata: {
          'firmware-version': sfn.JsonPath.stringAt('$.gate.release.version'),
          'signing-job-id': sfn.JsonPath.stringAt('$.signing.jobId'),
        },
        MetadataDirective: 'REPLACE',
      },
      resultSelector: { versionId: sfn.JsonPath.stringAt('$.VersionId') },
      resultPath: '$.published',
    }));
    const packageCall = (id: string, action: string, iamAction: string, parameters: { [k: string]: unknown }, extra: iam.PolicyStatement[] = []) => {
      const task = new tasks.CallAwsService(this, id, {
        service: 'iot', action, iamAction, iamResources: packageArns, parameters, resultPath: sfn.JsonPath.DISCARD, additionalIamStatements: extra,
      });
      return catching(task);
    };
    // A redriven or repeated release finds the version, SBOM or job already there: it goes on.
    const alreadyDone = (task: sfn.TaskStateBase, error: string, next: sfn.IChainable) => {
      task.addCatch(new sfn.Pass(this, `${task.node.id}AlreadyDone`).next(next), { errors: [error], resultPath: sfn.JsonPath.DISCARD });
    };
    const versionRef = { PackageName: sfn.JsonPath.stringAt('$.gate.release.packageName'), VersionName: sfn.JsonPath.stringAt('$.gate.release.version') };
    const register = packageCall('RegisterPackageVersion', 'createPackageVersion', 'iot:CreatePackageVersion', {
      ...versionRef,
      Description: sfn.JsonPath.format('Signed by Signer job {}', sfn.JsonPath.stringAt('$.signing.jobId')),
      Artifact: { S3Location: {
        Bucket: this.releaseBucket.bucketName,
        Key: sfn.JsonPath.stringAt('$.gate.release.releaseKey'),
        Version: sfn.JsonPath.stringAt('$.published.versionId'),
      } },
      Attributes: { signingJobId: sfn.JsonPath.stringAt('$.signing.jobId') },
    }, [
      new iam.PolicyStatement({ actions: ['s3:GetObjectVersion'], resources: [this.releaseBucket.arnForObjects(`${RELEASE_PREFIX}*`)] }),
    ]);
    const attachSbom = packageCall('AssociateSbom', 'associateSbomWithPackageVersion', 'iot:AssociateSbomWithPackageVersion', {
      ...versionRef,
      Sbom: { S3Location: {
        Bucket: sfn.JsonPath.stringAt('$.gate.release.sbom.bucket'),
        Key: sfn.JsonPath.stringAt('$.gate.release.sbom.key'),
        Version: sfn.JsonPath.stringAt('$.gate.release.sbom.version'),
      } },
    }, [new iam.PolicyStatement({ actions: ['s3:GetObjectVersion'], resources: [this.uploadBucket.arnForObjects(`${UPLOAD_PREFIX}*`)] })]);
    const publishVersion = packageCall('PublishPackageVersion', 'updatePackageVersion', 'iot:UpdatePackageVersion', { ...versionRef, Action: 'PUBLISH' });
    const joinPublish = new sfn.Pass(this, 'PackageRegistered');

    const outOfDate = catching(new tasks.CallAwsService(this, 'UpdateOutOfDateGroup', {
      service: 'iot',
      action: 'updateDynamicThingGroup',
      iamAction: 'iot:UpdateDynamicThingGroup',
      iamResources: Object.values(this.outOfDateThingGroups).map((g) => g.attrArn),
      parameters: {
        ThingGroupName: sfn.JsonPath.stringAt('$.gate.release.complianceGroupName'),
        QueryString: sfn.JsonPath.stringAt('$.gate.release.complianceQuery'),
        ThingGroupProperties: { ThingGroupDescription: sfn.JsonPath.format('Things not running {}', sfn.JsonPath.stringAt('$.gate.release.version')) },
      },
      resultPath: sfn.JsonPath.DISCARD,
    }));

    const jobResources = [
      ...jobArns,
      this.jobTemplate.attrArn,
      ...packageArns,
      // CreateJob is authorized on its targets too: the configured groups only.
      ...new Set(targetGroupArns),
    ];
    const createJob = (id: string, jobIdPath: string, targetsPath: string) => {
      const task = new tasks.CallAwsService(this, id, {
        service: 'iot',
        action: 'createJob',
        iamAction: 'iot:CreateJob',
        iamResources: jobResources,
        additionalIamStatements: [new iam.PolicyStatement({
          actions: ['iam:PassRole'], resources: [presignRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'iot.amazonaws.com' } },
        })],
        parameters: {
          JobId: sfn.JsonPath.stringAt(jobIdPath),
          Targets: sfn.JsonPath.listAt(targetsPath),
          JobTemplateArn: this.jobTemplate.attrArn,
          Document: sfn.JsonPath.stringAt('$.gate.release.jobDocument'),
          Description: sfn.JsonPath.format('{} firmware {}', sfn.JsonPath.stringAt('$.gate.release.deviceType'), sfn.JsonPath.stringAt('$.gate.release.version')),
          TargetSelection: 'SNAPSHOT',
          DestinationPackageVersions: sfn.JsonPath.array(sfn.JsonPath.stringAt('$.gate.release.packageVersionArn')),
        },
        resultPath: sfn.JsonPath.DISCARD,
      });
      return catching(task);
    };
    const canaryJob = createJob('CreateCanaryJob', '$.gate.release.canaryJobId', '$.gate.release.canaryTargets');
    const fleetJob = createJob('CreateFleetJob', '$.gate.release.fleetJobId', '$.gate.release.targets');
    const waitCanary = new sfn.Wait(this, 'WaitForCanary', { time: sfn.WaitTime.duration(Duration.minutes(5)) });
    const describeCanary = catching(new tasks.CallAwsService(this, 'DescribeCanaryJob', {
      service: 'iot',
      action: 'describeJob',
      iamAction: 'iot:DescribeJob',
      iamResources: jobArns,
      parameters: { JobId: sfn.JsonPath.stringAt('$.gate.release.canaryJobId') },
      resultSelector: { 'Job.$': '$.Job' },
      resultPath: '$.canary',
    }));
    const released = gateCall('RecordRelease', { action: 'released', release: sfn.JsonPath.objectAt('$.gate.release') }, '$.recorded');
    const done = new sfn.Succeed(this, 'Released');
    const nothing = new sfn.Succeed(this, 'NothingToRelease', { comment: 'An SBOM, or an upload already released' });

    // An empty canary group proves nothing: at least one canary must have succeeded.
    const canaryClean = sfn.Condition.and(
      sfn.Condition.stringEquals('$.canary.Job.Status', 'COMPLETED'),
      sfn.Condition.isPresent('$.canary.Job.JobProcessDetails.NumberOfSucceededThings'),
      sfn.Condition.numberGreaterThanEquals('$.canary.Job.JobProcessDetails.NumberOfSucceededThings', 1),
      ...['NumberOfFailedThings', 'NumberOfRejectedThings', 'NumberOfTimedOutThings', 'NumberOfCanceledThings', 'NumberOfRemovedThings']
        .map((n) => sfn.Condition.or(
          sfn.Condition.isNotPresent(`$.canary.Job.JobProcessDetails.${n}`),
          sfn.Condition.numberEquals(`$.canary.Job.JobProcessDetails.${n}`, 0),
        )),
    );
    fleetJob.next(released).next(done);
    waitCanary.next(describeCanary).next(new sfn.Choice(this, 'CanaryDone?')
      .when(canaryClean, fleetJob)
      .when(sfn.Condition.or(
        sfn.Condition.stringEquals('$.canary.Job.Status', 'IN_PROGRESS'),
        sfn.Condition.stringEquals('$.canary.Job.Status', 'SCHEDULED'),
      ), waitCanary)
      .otherwise(notifyCanaryFailed));
    canaryJob.next(waitCanary);
    const rollout = new sfn.Choice(this, 'CanaryFirst?')
      .when(sfn.Condition.booleanEquals('$.gate.release.hasCanary', true), canaryJob)
      .otherwise(fleetJob);
    joinPublish.next(outOfDate).next(rollout);
    publishVersion.next(joinPublish);
    attachSbom.next(publishVersion);
    const hasSbom = new sfn.Choice(this, 'HasSbom?')
      .when(sfn.Condition.booleanEquals('$.gate.release.hasSbom', true), attachSbom)
      .otherwise(publishVersion);
    register.next(hasSbom);
    alreadyDone(register, 'Iot.ConflictException', hasSbom);
    alreadyDone(attachSbom, 'Iot.ConflictException', publishVersion);
    alreadyDone(publishVersion, 'Iot.ConflictException', joinPublish);
    alreadyDone(canaryJob, 'Iot.ResourceAlreadyExistsException', waitCanary);
    alreadyDone(fleetJob, 'Iot.ResourceAlreadyExistsException', released);

    const definition = check.next(new sfn.Choice(this, 'Verdict?')
      .when(sfn.Condition.stringEquals('$.gate.verdict', 'PROCEED'), startSigning
        .next(waitSigning)
        .next(describeSigning)
        .next(new sfn.Choice(this, 'Signed?')
          .when(sfn.Condition.stringEquals('$.signingStatus.Status', 'Succeeded'), commit
            .next(new sfn.Choice(this, 'Committed?')
              .when(sfn.Condition.stringEquals('$.commit.verdict', 'COMMITTED'), publish.next(register))
              .otherwise(notifyCommitRefused)))
          .when(sfn.Condition.stringEquals('$.signingStatus.Status', 'Failed'), notifySigningFailed)
          .otherwise(waitSigning)))
      .when(sfn.Condition.stringEquals('$.gate.verdict', 'REFUSED'), notifyRefused)
      .otherwise(nothing));

    const machine = new sfn.StateMachine(this, 'ReleaseStateMachine', {
      comment: 'Signs, version-gates, publishes and rolls out each uploaded firmware image',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout,
      tracingEnabled: true,
      logs: {
        destination: secureLogGroup(this, 'ReleaseLogs', { encryptionKey: key }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    // Signer, S3 and SNS use the key on the state machine's behalf.
    key.grant(machine, ...KEY_USE);
    this.acknowledgeStateMachinePolicy(machine);
    return machine;
  }

  private acknowledgeStateMachinePolicy(machine: sfn.StateMachine): void {
    const policy = machine.role.node.findChild('DefaultPolicy');
    const upload = `<${this.logicalIdOf(this.uploadBucket)}.Arn>`;
    const release = `<${this.logicalIdOf(this.releaseBucket)}.Arn>`;
    const account = nagArnPrefix(this, 'iot');
    const reasons: { [resource: string]: string } = {
      '*': 'X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) has no resource-level permissions; CDK adds it for tracingEnabled.',
      [`<${Stack.of(this).getLogicalId(this.node.findChild('VersionGate').node.defaultChild as CfnResource)}.Arn>:*`]: 'Invoking the pipeline\'s own version gate function, any version or alias of it (CDK\'s LambdaInvoke grant).',
      [`${upload}/${UPLOAD_PREFIX}*`]: 'Signer reads the uploaded image with the caller\'s permissions; uploads have keys only known at run time, under incoming/ only.',
      [`${upload}/${SIGNED_PREFIX}*`]: 'Signer writes signed images under signed/ with a key it chooses (its job ID); the state machine copies them from there.',
      [`${release}/${RELEASE_PREFIX}*`]: 'Publishes signed images under releases/<deviceType>/<version>/, names known only at run time.',
      [`${nagArnPrefix(this, 'signer')}:/signing-jobs/*`]: 'Signer generates signing job IDs at run time; DescribeSigningJob is scoped to signing jobs of this account and region.',
      [`${account}:job/${this.jobIdPrefix()}-*`]: 'Release job IDs carry the version, known at run time; the prefix is this pipeline\'s alone.',
    };
    for (const name of Object.keys(this.softwarePackages)) {
      reasons[`${account}:package/${name}/version/*`] = `Package versions of ${name} are created per release, named after the version at run time.`;
    }
    for (const [resource, reason] of Object.entries(reasons)) acknowledge(policy, `AwsSolutions-IAM5[Resource::${resource}]`, reason);
  }

  private alarms(): void {
    const action = new cwActions.SnsAction(this.alarmTopic);
    const failed = this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }).createAlarm(this, 'ReleaseFailedAlarm', {
      alarmDescription: 'A firmware release failed: refused upload, failed signing, failed canary or an error (see the topic\'s message)',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    failed.addAlarmAction(action);
    const timedOut = this.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }).createAlarm(this, 'ReleaseTimedOutAlarm', {
      alarmDescription: 'A firmware release stalled past its timeout (signing or canary never finished)',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    timedOut.addAlarmAction(action);
    // AWS IoT publishes job metrics per JobId, and jobs exist only at run time: a Metrics
    // Insights query sums them over the account's jobs. AWS/IoT has no timed-out count; the job
    // event rule counts those (see jobEvents).
    for (const [metric, what] of [
      ['FailedJobExecutionCount', 'failed'],
      ['RejectedJobExecutionCount', 'were rejected'],
    ]) {
      new cloudwatch.CfnAlarm(this, `${metric}Alarm`, {
        // Named for the failed-rollout playbook, which IncidentResponse starts on it (IncidentResponse.alarmNamePrefix).
        alarmName: findingAlarmName(this, metric, FindingClass.FAILED_FIRMWARE_ROLLOUT),
        alarmDescription: `Job executions ${what} (AWS/IoT ${metric}, any job of the account); a release job is cancelled past its abort threshold; starts the FAILED_FIRMWARE_ROLLOUT playbook of IncidentResponse`,
        metrics: [{
          id: 'q',
          expression: `SELECT SUM(${metric}) FROM SCHEMA("AWS/IoT", JobId)`,
          period: 300,
          returnData: true,
        }],
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: 'notBreaching',
        alarmActions: [this.alarmTopic.topicArn],
      });
    }
  }

  /**
   * AWS IoT publishes job and job execution events on the reserved topics
   * `$aws/events/job/<jobId>/<event>` and `$aws/events/jobExecution/<jobId>/<event>` once they are
   * enabled for the account (UpdateEventConfigurations, JOB and JOB_EXECUTION). A topic rule keeps
   * those of this pipeline's jobs. An L1 rule: the alpha TopicRule is an optional peer the
   * pipeline does not need.
   */
  private jobEvents(): { events: logs.LogGroup; errors: logs.LogGroup; role: iam.Role } {
    const key = this.encryptionKey;
    const events = secureLogGroup(this, 'JobEventLog', { encryptionKey: key });
    const errors = secureLogGroup(this, 'JobEventErrors', { encryptionKey: key });
    const role = new iam.Role(this, 'JobEventRuleRole', {
      assumedBy: new iam.ServicePrincipal('iot.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets the job event topic rule write to its two log groups',
    });
    events.grantWrite(role);
    errors.grantWrite(role);
    // AWS IoT's CloudWatch Logs action calls DescribeLogStreams too (the action's requirements).
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:DescribeLogStreams'], resources: [events.logGroupArn, errors.logGroupArn] }));
    const rule = new iot.CfnTopicRule(this, 'JobEventRule', {
      topicRulePayload: {
        description: 'Keeps the job and job execution events of the firmware pipeline\'s jobs',
        awsIotSqlVersion: '2016-03-23',
        sql: `SELECT *, topic(3) AS eventSource, topic(5) AS eventName FROM '$aws/events/+/+/+' WHERE (topic(3) = 'job' OR topic(3) = 'jobExecution') AND startswith(topic(4), '${this.jobIdPrefix()}-')`,
        ruleDisabled: false,
        actions: [{ cloudwatchLogs: { logGroupName: events.logGroupName, roleArn: role.roleArn, batchMode: false } }],
        errorAction: { cloudwatchLogs: { logGroupName: errors.logGroupName, roleArn: role.roleArn, batchMode: false } },
      },
    });
    rule.node.addDependency(role);
    return { events, errors, role };
  }

  /**
   * Counts the timed-out executions of the pipeline's jobs (a stalled device) as a metric, from
   * the `timed_out` job execution event, and alarms on it.
   */
  private timedOutExecutionAlarm(role: iam.Role, errors: logs.LogGroup): void {
    // The rule's CloudWatch action cannot set dimensions: the metric name carries the pipeline.
    const metricName = `${TIMED_OUT_METRIC.name}-${this.jobIdPrefix()}`;
    const metric = new cloudwatch.Metric({
      namespace: TIMED_OUT_METRIC.namespace,
      metricName,
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': TIMED_OUT_METRIC.namespace } },
    }));
    acknowledge(role.node.findChild('DefaultPolicy'), 'AwsSolutions-IAM5[Resource::*]',
      'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited to the pipeline\'s metric namespace by the cloudwatch:namespace condition.');
    const rule = new iot.CfnTopicRule(this, 'TimedOutExecutionRule', {
      topicRulePayload: {
        description: 'Counts timed-out executions of the firmware pipeline\'s jobs',
        awsIotSqlVersion: '2016-03-23',
        sql: `SELECT topic(4) AS jobId FROM '$aws/events/jobExecution/+/timed_out' WHERE startswith(topic(4), '${this.jobIdPrefix()}-')`,
        ruleDisabled: false,
        actions: [{
          cloudwatchMetric: {
            metricNamespace: TIMED_OUT_METRIC.namespace,
            metricName,
            metricValue: '1',
            metricUnit: 'Count',
            roleArn: role.roleArn,
          },
        }],
        errorAction: { cloudwatchLogs: { logGroupName: errors.logGroupName, roleArn: role.roleArn, batchMode: false } },
      },
    });
    rule.node.addDependency(role);
    metric.createAlarm(this, 'TimedOutJobExecutionAlarm', {
      alarmName: findingAlarmName(this, 'TimedOutJobExecution', FindingClass.FAILED_FIRMWARE_ROLLOUT),
      alarmDescription: 'Executions of a firmware release job timed out: devices stalled mid-update (needs job events enabled for the account); starts the FAILED_FIRMWARE_ROLLOUT playbook of IncidentResponse',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
  }

  private thingGroupArn(name: string): string {
    return Stack.of(this).formatArn({ service: 'iot', resource: 'thinggroup', resourceName: name });
  }

  private jobIdPrefix(): string {
    return `fw${Names.uniqueResourceName(this, { maxLength: 14, separator: '' })}`;
  }

  private profileNamePrefix(): string {
    return Names.uniqueResourceName(this, { maxLength: 40, separator: '_' }).replace(/[^0-9A-Za-z_]/g, '_');
  }

  private logicalIdOf(bucket: s3.Bucket): string {
    return Stack.of(this).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  }
}

/** Signer ARNs have a '/' after the account: `arn:aws:signer:<region>:<account>:/signing-profiles/<name>`. */
function signerArn(scope: Construct, path: string): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:signer:${stack.region}:${stack.account}:${path}`;
}

function rolloutConfig(rate: RolloutRate): { [key: string]: unknown } {
  const ramp = rate.exponentialRamp;
  return {
    MaximumPerMinute: rate.maximumPerMinute,
    ...(ramp ? {
      ExponentialRolloutRate: {
        BaseRatePerMinute: ramp.baseRatePerMinute,
        IncrementFactor: ramp.incrementFactor,
        RateIncreaseCriteria: { NumberOfSucceededThings: ramp.successesBeforeIncrease },
      },
    } : {}),
  };
}
