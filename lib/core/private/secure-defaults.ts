import * as fs from 'fs';
import * as path from 'path';
import { Annotations, ArnFormat, Duration, FeatureFlags, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { assertPackPeers } from './peer-versions';

/*
 * The secure defaults every construct of the library builds on, so that each one is written once:
 * customer-managed keys with rotation, retained encrypted buckets, encrypted topics, encrypted log
 * groups with retention, and Lambda functions with their own log group and role.
 */

/** Options of `secureKey`. */
export interface SecureKeyOptions {
  /** What the key protects; shown in the console. */
  readonly description: string;
  /** @default RemovalPolicy.RETAIN: data encrypted with a deleted key is lost */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A customer-managed KMS key with yearly rotation, retained, with a 30-day deletion window. Its
 * policy gives the account administration (CDK's default under `@aws-cdk/aws-kms:defaultKeyPolicies`)
 * and nothing else: users and services get use of it through grants or `allowLogsToUseKey`.
 */
export function secureKey(scope: Construct, id: string, options: SecureKeyOptions): kms.Key {
  return new kms.Key(scope, id, {
    description: options.description,
    enableKeyRotation: true,
    pendingWindow: Duration.days(30),
    removalPolicy: options.removalPolicy ?? RemovalPolicy.RETAIN,
  });
}

const keysOpenToLogs = new WeakSet<kms.IKey>();

/**
 * Lets CloudWatch Logs of this account and region encrypt with `key`, and only for log groups
 * (the encryption context names the log group). Once per key. An imported key's policy cannot be
 * changed from here: a warning says what its policy must allow, or the log group fails to deploy.
 */
export function allowLogsToUseKey(key: kms.IKey): void {
  if (keysOpenToLogs.has(key)) return;
  keysOpenToLogs.add(key);
  const stack = Stack.of(key);
  const { statementAdded } = key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogsOfThisAccount',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      },
    },
  }));
  if (!statementAdded) {
    Annotations.of(key).addWarningV2('cdk-secure-iot:importedKeyPolicy',
      `The imported key ${key.node.path} encrypts a log group; its key policy must allow logs.${stack.region}.amazonaws.com kms:Encrypt*, Decrypt*, ReEncrypt*, GenerateDataKey* and Describe* for this account's log groups, or the log group fails to deploy.`);
  }
}

/** Options of `secureLogGroup`. */
export interface SecureLogGroupOptions {
  /** The key that encrypts the log; CloudWatch Logs is allowed to use it. */
  readonly encryptionKey: kms.IKey;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly retention?: logs.RetentionDays;
  /** @default - a name CloudFormation generates */
  readonly logGroupName?: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** A KMS-encrypted log group with retention, retained by default. */
export function secureLogGroup(scope: Construct, id: string, options: SecureLogGroupOptions): logs.LogGroup {
  allowLogsToUseKey(options.encryptionKey);
  return new logs.LogGroup(scope, id, {
    encryptionKey: options.encryptionKey,
    retention: options.retention ?? logs.RetentionDays.ONE_YEAR,
    logGroupName: options.logGroupName,
    removalPolicy: options.removalPolicy ?? RemovalPolicy.RETAIN,
  });
}

/** Options of `secureBucket`. */
export interface SecureBucketOptions {
  /** The customer-managed key objects are encrypted with. */
  readonly encryptionKey: kms.IKey;
  /** Where server access logs go (a bucket made with `accessLogBucket`). */
  readonly serverAccessLogsBucket: s3.IBucket;
  /** @default - the bucket's construct ID and a slash */
  readonly serverAccessLogsPrefix?: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default - none */
  readonly lifecycleRules?: s3.LifecycleRule[];
}

/**
 * A bucket encrypted with a customer-managed key (bucket key on), versioned, TLS 1.2+ only,
 * public access blocked, ACLs off, access-logged and retained.
 */
export function secureBucket(scope: Construct, id: string, options: SecureBucketOptions): s3.Bucket {
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: options.encryptionKey,
    bucketKeyEnabled: true,
    versioned: true,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: options.serverAccessLogsBucket,
    serverAccessLogsPrefix: options.serverAccessLogsPrefix ?? `${id}/`,
    lifecycleRules: options.lifecycleRules,
    removalPolicy: options.removalPolicy ?? RemovalPolicy.RETAIN,
  });
}

/**
 * The bucket that receives S3 server access logs, encrypted with S3-managed keys because S3
 * delivers access logs only to such buckets. A log bucket cannot log to itself without a loop,
 * so that one finding (AwsSolutions-S1) is acknowledged here, with that reason.
 */
export function accessLogBucket(scope: Construct, id: string): s3.Bucket {
  // With the feature flag, S3 log delivery is granted by bucket policy and ACLs can stay off;
  // without it CDK grants delivery by ACL, which needs object-writer ownership.
  const byPolicy = FeatureFlags.of(scope).isEnabled(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY);
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    versioned: true,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: byPolicy ? s3.ObjectOwnership.BUCKET_OWNER_ENFORCED : s3.ObjectOwnership.OBJECT_WRITER,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  acknowledge(bucket, 'AwsSolutions-S1',
    'This is the server access log bucket; logging it to itself would loop (S3 documentation, "Enabling Amazon S3 server access logging").');
  return bucket;
}

/** Options of `secureTopic`. */
export interface SecureTopicOptions {
  /** The customer-managed key messages are encrypted with. */
  readonly masterKey: kms.IKey;
  /** @default - no display name */
  readonly displayName?: string;
}

/** An SNS topic encrypted with a customer-managed key that refuses publishing without TLS. */
export function secureTopic(scope: Construct, id: string, options: SecureTopicOptions): sns.Topic {
  return new sns.Topic(scope, id, {
    masterKey: options.masterKey,
    enforceSSL: true,
    displayName: options.displayName,
  });
}

/** The oldest Node.js the handler bundles run on: esbuild targets node22. */
export const HANDLER_RUNTIME_FLOOR = 22;

/**
 * The newest `nodejs<major>.x` runtime in `runtimes`, never older than the floor. cdk-nag's
 * AwsSolutions-L1 wants the newest runtime of the family that the app's aws-cdk-lib lists in
 * `Runtime.ALL`: a runtime fixed when the library was built fails it as soon as the app installs
 * an aws-cdk-lib that knows a newer Node.js, so the choice is made from the aws-cdk-lib loaded.
 */
export function latestNodeRuntime(runtimes: readonly lambda.Runtime[]): lambda.Runtime {
  let best: { runtime: lambda.Runtime; major: number } | undefined;
  for (const runtime of runtimes) {
    const m = /^nodejs(\d+)\.x$/.exec(runtime.name);
    if (!m) continue;
    const major = Number(m[1]);
    // The fixed member over the variable one (NODEJS_LATEST) of the same name.
    if (!best || major > best.major || (major === best.major && best.runtime.isVariable && !runtime.isVariable)) best = { runtime, major };
  }
  if (!best || best.major < HANDLER_RUNTIME_FLOOR) {
    return new lambda.Runtime(`nodejs${HANDLER_RUNTIME_FLOOR}.x`, lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });
  }
  return best.runtime;
}

/** The Lambda runtime of every handler: the newest Node.js the loaded aws-cdk-lib knows, Node.js 22 at least. */
export const HANDLER_RUNTIME = latestNodeRuntime(lambda.Runtime.ALL);

/** Finds the bundle `npm run bundle` wrote for a handler in `lib/<area>/handlers/<name>.ts`. */
export function handlerBundleDir(name: string): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'cdk-secure-iot') break;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cdk-secure-iot: cannot find the package root above ${__dirname}`);
    dir = parent;
  }
  const bundle = path.join(dir, 'dist', 'handlers', name);
  if (!fs.existsSync(path.join(bundle, 'index.js'))) {
    throw new Error(`cdk-secure-iot: the Lambda handler '${name}' is not bundled (no ${bundle}/index.js); run 'npm run bundle' (npm ci runs it)`);
  }
  return bundle;
}

/** Options of `secureFunction`. */
export interface SecureFunctionOptions {
  /** The handler's file name under `lib/<area>/handlers/`, without `.ts`. */
  readonly handlerName: string;
  /** What the function does. */
  readonly description: string;
  /** The key its log group and environment are encrypted with. */
  readonly encryptionKey: kms.IKey;
  /** @default Duration.minutes(5) */
  readonly timeout?: Duration;
  /** @default - none */
  readonly environment?: { [key: string]: string };
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A Lambda function for one of the library's handlers: latest Node.js runtime, its own
 * encrypted log group with retention, and its own role whose only permissions are writing to
 * that log group and what the caller adds. No AWS managed policy is attached.
 */
export function secureFunction(scope: Construct, id: string, options: SecureFunctionOptions): lambda.Function {
  const logGroup = secureLogGroup(scope, `${id}LogGroup`, {
    encryptionKey: options.encryptionKey,
    retention: options.logRetention,
  });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of ${options.description}`,
  });
  const fn = new lambda.Function(scope, id, {
    runtime: HANDLER_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(handlerBundleDir(options.handlerName)),
    description: options.description,
    timeout: options.timeout ?? Duration.minutes(5),
    memorySize: 256,
    role,
    logGroup,
    environment: options.environment,
    environmentEncryption: options.environment ? options.encryptionKey : undefined,
  });
  // Only its own log group: CDK adds logs:CreateLogStream/PutLogEvents scoped to it.
  logGroup.grantWrite(role);
  return fn;
}

let peersChecked = false;

/**
 * A cdk-nag v3 acknowledgment: as narrow as the finding, with a reason a reviewer can check.
 * Checks the peers once, as the pack does: an aws-cdk-lib older than the floor refuses finding IDs
 * with a second `::` (`ID13[Unreadable::Provider[role]]`) with its own minified error, thrown while
 * the construct is built, before the pack could say which version the app needs.
 */
export function acknowledge(scope: Construct, id: string, reason: string): void {
  if (!peersChecked) {
    assertPackPeers('IotSecurityChecks');
    peersChecked = true;
  }
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * `arn:<partition>:<service>:<region>:<account>` as cdk-nag writes it in a finding's ID: the
 * pseudo parameters (`<AWS::Region>`...) of an environment-agnostic stack, the literals CDK
 * renders for a stack pinned to an account and region. Build acknowledgment IDs with it, or they
 * stop matching once the stack is pinned.
 */
export function nagArnPrefix(scope: Construct, service: string, options: { region?: boolean; account?: string } = {}): string {
  const stack = Stack.of(scope);
  const part = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
  const region = options.region === false ? '' : part(stack.region, 'AWS::Region');
  return `arn:${part(stack.partition, 'AWS::Partition')}:${service}:${region}:${options.account ?? part(stack.account, 'AWS::AccountId')}`;
}
