import { BackupClient, DeleteBackupVaultAccessPolicyCommand, DeleteBackupVaultCommand, DeleteRecoveryPointCommand, ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssemblyStack } from './assembly';

/**
 * The library retains what holds data (tables, buckets, keys, log groups, queues, vaults), so
 * `cdk destroy` leaves them in the account. An integration test's are test data: the runner
 * records them, with their physical IDs, before it destroys the stacks, and deletes them after.
 */

/** A resource a destroyed stack left in the account. */
export interface RetainedResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId: string;
}

/** What the teardown did with one retained resource. */
export interface TeardownOutcome {
  readonly resource: RetainedResource;
  /** `deleted`, `scheduled` (a KMS key: deleted after 7 days), `gone` (already deleted) or `left`. */
  readonly outcome: 'deleted' | 'scheduled' | 'gone' | 'left';
  /** Why a resource was left, in words. */
  readonly reason?: string;
}

/** The clients the teardown calls, one region's. */
export interface TeardownClients {
  readonly cloudformation: CloudFormationClient;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly logs: CloudWatchLogsClient;
  readonly kms: KMSClient;
  readonly sqs: SQSClient;
  readonly backup: BackupClient;
  readonly secrets: SecretsManagerClient;
}

export function teardownClients(region: string): TeardownClients {
  const config = { region };
  return {
    cloudformation: new CloudFormationClient(config),
    s3: new S3Client(config),
    dynamodb: new DynamoDBClient(config),
    logs: new CloudWatchLogsClient(config),
    kms: new KMSClient(config),
    sqs: new SQSClient(config),
    backup: new BackupClient(config),
    secrets: new SecretsManagerClient(config),
  };
}

/** Deletion policies under which CloudFormation leaves a resource behind when its stack is deleted. */
const LEFT_BY_DELETE = new Set(['Retain', 'RetainExceptOnCreate']);

/**
 * Statuses of resources this stack did not make, or that are gone: a resource that failed to
 * create (its name taken by one that already existed) must never be deleted as the test's.
 */
const NOT_MADE = new Set(['CREATE_FAILED', 'DELETE_COMPLETE']);

/**
 * The resources of `stacks` that deleting the stacks would leave, with their physical IDs: the
 * retained resources, and the log group Lambda makes for each function that names none
 * (`/aws/lambda/<name>`, outside the stack). A stack that was never made has none.
 */
export async function retainedResources(clients: TeardownClients, stacks: readonly AssemblyStack[]): Promise<RetainedResource[]> {
  const found: RetainedResource[] = [];
  for (const stack of stacks) {
    const resources = stack.template.Resources ?? {};
    const retainedIds = new Set(Object.entries(resources)
      .filter(([, r]) => LEFT_BY_DELETE.has(r.DeletionPolicy ?? ''))
      .map(([id]) => id));
    const functionIds = new Set(Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && !(r.Properties?.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup)
      .map(([id]) => id));
    if (retainedIds.size === 0 && functionIds.size === 0) continue;
    let token: string | undefined;
    do {
      let page;
      try {
        page = await clients.cloudformation.send(new ListStackResourcesCommand({ StackName: stack.stackName, NextToken: token }));
      } catch (e) {
        if ((e as Error).name === 'ValidationError' && /does not exist/.test((e as Error).message)) break;
        throw e;
      }
      for (const r of page.StackResourceSummaries ?? []) {
        const id = r.LogicalResourceId;
        if (!id || !r.PhysicalResourceId || !r.ResourceType || NOT_MADE.has(r.ResourceStatus ?? '')) continue;
        if (retainedIds.has(id)) {
          found.push({ stackName: stack.stackName, logicalId: id, type: r.ResourceType, physicalId: r.PhysicalResourceId });
        }
        if (functionIds.has(id)) {
          found.push({ stackName: stack.stackName, logicalId: `${id} (its log group)`, type: 'AWS::Logs::LogGroup', physicalId: `/aws/lambda/${r.PhysicalResourceId}` });
        }
      }
      token = page.NextToken;
    } while (token);
  }
  return found;
}

/** How long to wait between tries of a bucket that late server access logs refill. */
export interface TeardownOptions {
  readonly retryDelayMs?: number;
  readonly attempts?: number;
}

/**
 * Deletes every retained resource: keys last (everything else may need them to delete), a key
 * scheduled for deletion after 7 days, the shortest AWS KMS allows. A resource already gone is
 * fine; one that cannot be deleted is reported, never silently kept.
 */
export async function deleteRetained(clients: TeardownClients, resources: readonly RetainedResource[], options: TeardownOptions = {}): Promise<TeardownOutcome[]> {
  const outcomes: TeardownOutcome[] = [];
  const keysLast = [...resources].sort((a, b) => Number(a.type === 'AWS::KMS::Key') - Number(b.type === 'AWS::KMS::Key'));
  for (const resource of keysLast) {
    try {
      outcomes.push({ resource, ...await deleteOne(clients, resource, options) });
    } catch (e) {
      const err = e as { name?: string; message?: string };
      if (NOT_FOUND.has(err.name ?? '')) {
        outcomes.push({ resource, outcome: 'gone' });
      } else {
        outcomes.push({ resource, outcome: 'left', reason: `${err.name ?? 'Error'}: ${err.message ?? String(e)}` });
      }
    }
  }
  return outcomes;
}

const NOT_FOUND = new Set(['NoSuchBucket', 'ResourceNotFoundException', 'NotFoundException', 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);

async function deleteOne(clients: TeardownClients, r: RetainedResource, options: TeardownOptions): Promise<Omit<TeardownOutcome, 'resource'>> {
  switch (r.type) {
    case 'AWS::S3::Bucket':
      await deleteBucket(clients.s3, r.physicalId, options);
      return { outcome: 'deleted' };
    case 'AWS::DynamoDB::Table': {
      const table = await clients.dynamodb.send(new DescribeTableCommand({ TableName: r.physicalId }));
      if (table.Table?.DeletionProtectionEnabled) {
        await clients.dynamodb.send(new UpdateTableCommand({ TableName: r.physicalId, DeletionProtectionEnabled: false }));
      }
      // A table is UPDATING for a moment after that change, and DeleteTable refuses it meanwhile.
      await retrying(() => clients.dynamodb.send(new DeleteTableCommand({ TableName: r.physicalId })), 'ResourceInUseException', options);
      return { outcome: 'deleted' };
    }
    case 'AWS::Logs::LogGroup':
      await clients.logs.send(new DeleteLogGroupCommand({ logGroupName: r.physicalId }));
      return { outcome: 'deleted' };
    case 'AWS::SQS::Queue':
      await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: r.physicalId }));
      return { outcome: 'deleted' };
    case 'AWS::SecretsManager::Secret':
      await clients.secrets.send(new DeleteSecretCommand({ SecretId: r.physicalId, ForceDeleteWithoutRecovery: true }));
      return { outcome: 'deleted' };
    case 'AWS::Backup::BackupVault':
      return deleteVault(clients.backup, r.physicalId, options);
    case 'AWS::KMS::Key':
      try {
        await clients.kms.send(new ScheduleKeyDeletionCommand({ KeyId: r.physicalId, PendingWindowInDays: 7 }));
      } catch (e) {
        // Already pending deletion (a rerun of the teardown) is the outcome wanted; another state is not.
        if ((e as { name?: string }).name !== 'KMSInvalidStateException') throw e;
        const key = await clients.kms.send(new DescribeKeyCommand({ KeyId: r.physicalId }));
        if (key.KeyMetadata?.KeyState === 'PendingDeletion') return { outcome: 'scheduled', reason: 'already pending deletion' };
        return { outcome: 'left', reason: `the key is ${key.KeyMetadata?.KeyState ?? 'in an unknown state'}, and cannot be scheduled for deletion` };
      }
      return { outcome: 'scheduled' };
    default:
      return { outcome: 'left', reason: `the teardown does not delete ${r.type}: delete it by hand` };
  }
}

/** Empties a versioned bucket (every version and delete marker), then deletes it. */
async function deleteBucket(s3: S3Client, bucket: string, options: TeardownOptions): Promise<void> {
  const attempts = options.attempts ?? 6;
  for (let attempt = 1; ; attempt++) {
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
      const objects = [...page.Versions ?? [], ...page.DeleteMarkers ?? []]
        .filter((o) => o.Key !== undefined)
        .map((o) => ({ Key: o.Key!, VersionId: o.VersionId }));
      // At most 1,000 keys a request, and a page holds at most 1,000.
      if (objects.length > 0) {
        const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
        if (result.Errors && result.Errors.length > 0) {
          const first = result.Errors[0];
          throw Object.assign(new Error(`${result.Errors.length} object(s) could not be deleted, e.g. ${first.Key}: ${first.Code} ${first.Message}`), { name: 'ObjectsNotDeleted' });
        }
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined || versionIdMarker !== undefined);
    try {
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      return;
    } catch (e) {
      // Server access logs arrive minutes after the requests they record, so a log bucket can
      // fill again between emptying and deleting it.
      if ((e as { name?: string }).name !== 'BucketNotEmpty' || attempt >= attempts) throw e;
      await sleep(options.retryDelayMs ?? 30_000);
    }
  }
}

/**
 * Deletes a vault's recovery points, then the vault. The library's vault policy denies deleting
 * recovery points to everyone, so the policy goes first; a vault under a compliance-mode lock
 * cannot be emptied before its retention ends, and is reported as left.
 */
async function deleteVault(backup: BackupClient, vault: string, options: TeardownOptions): Promise<Omit<TeardownOutcome, 'resource'>> {
  try {
    await backup.send(new DeleteBackupVaultAccessPolicyCommand({ BackupVaultName: vault }));
  } catch (e) {
    if (!NOT_FOUND.has((e as { name?: string }).name ?? '')) throw e;
  }
  let token: string | undefined;
  const stuck: string[] = [];
  do {
    const page = await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: vault, NextToken: token }));
    for (const point of page.RecoveryPoints ?? []) {
      if (!point.RecoveryPointArn) continue;
      try {
        await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: vault, RecoveryPointArn: point.RecoveryPointArn }));
      } catch (e) {
        stuck.push(`${point.RecoveryPointArn} (${(e as { name?: string }).name ?? 'Error'})`);
      }
    }
    token = page.NextToken;
  } while (token);
  if (stuck.length > 0) {
    return { outcome: 'left', reason: `recovery points could not be deleted (a vault lock, or a backup still running): ${stuck.join(', ')}` };
  }
  // Deleting a recovery point takes a while; the vault refuses to go while it holds any.
  await retrying(() => backup.send(new DeleteBackupVaultCommand({ BackupVaultName: vault })), 'InvalidRequestException', options);
  return { outcome: 'deleted' };
}

/** Calls `fn` again while it fails with `retryOn`, up to the options' attempts. */
async function retrying<T>(fn: () => Promise<T>, retryOn: string, options: TeardownOptions): Promise<T> {
  const attempts = options.attempts ?? 6;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if ((e as { name?: string }).name !== retryOn || attempt >= attempts) throw e;
      await sleep(options.retryDelayMs ?? 30_000);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
