/*
 * Practice 10 in an account: the backup plan's restore testing is configured, and the device
 * registry (FleetProvisioning's allow list, the table a fleet cannot provision without) is backed
 * up on demand into the library's vault, restored from that recovery point into a new table, and
 * the restored table holds the row written before the backup.
 *
 * Run with `npm run integ -- backup` (docs/verification.md: permissions, time, cost).
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cr from 'aws-cdk-lib/custom-resources';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { BackupAndRecovery, DevicePolicy, FleetProvisioning, RiskProfile } from '../../lib';
import { exactly } from './support/exactly';

const app = new App();
const stack = new Stack(app, 'SecureIotInteg-Backup');

const registry = new FleetProvisioning(stack, 'Provisioning', {
  devicePolicy: new DevicePolicy(stack, 'DevicePolicy', { policyName: 'secure-iot-integ-backup-device' }),
  templateName: 'secure-iot-integ-backup',
  thingNamePrefix: 'secure-iot-integ-backup-',
  riskProfile: RiskProfile.CONSUMER,
});
// CONSUMER: no vault lock, so the test's recovery points can be deleted when it ends.
const backup = new BackupAndRecovery(stack, 'Backup', { riskProfile: RiskProfile.CONSUMER });
BackupAndRecovery.select(stack);

/** The table the restore makes. Not a resource of the stack: this deletes it when the stack goes. */
const RESTORED_TABLE = 'secure-iot-integ-backup-restored';
new cr.AwsCustomResource(stack, 'DeleteRestoredTable', {
  onDelete: {
    service: 'DynamoDB',
    action: 'deleteTable',
    parameters: { TableName: RESTORED_TABLE },
    ignoreErrorCodesMatching: 'ResourceNotFoundException',
  },
  policy: cr.AwsCustomResourcePolicy.fromSdkCalls({
    resources: [stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: RESTORED_TABLE })],
  }),
  installLatestAwsSdk: false,
});

const integ = new IntegTest(app, 'Backup', { testCases: [stack], diffAssets: false, stackUpdateWorkflow: false });
const table = registry.allowListTable;
const key = registry.encryptionKey;
const SERIAL = 'secure-iot-integ-backup-0001';

// The restore testing plan: weekly, the latest recovery point of this vault within 7 days, and
// a selection of the DynamoDB tables tagged for the plan.
integ.assertions.awsApiCall('Backup', 'getRestoreTestingPlan', {
  RestoreTestingPlanName: backup.restoreTestingPlan!.restoreTestingPlanName,
}).expect(ExpectedResult.objectLike({
  RestoreTestingPlan: {
    ScheduleExpression: 'cron(0 5 ? * SUN *)',
    RecoveryPointSelection: { Algorithm: 'LATEST_WITHIN_WINDOW', IncludeVaults: [backup.vault.backupVaultArn], SelectionWindowDays: 7 },
  },
}));
integ.assertions.awsApiCall('Backup', 'getRestoreTestingSelection', {
  RestoreTestingPlanName: backup.restoreTestingPlan!.restoreTestingPlanName,
  RestoreTestingSelectionName: 'DynamoDBTables',
}).expect(ExpectedResult.objectLike({
  RestoreTestingSelection: {
    ProtectedResourceType: 'DynamoDB',
    ProtectedResourceConditions: { StringEquals: [{ Key: `aws:ResourceTag/${BackupAndRecovery.TAG_KEY}`, Value: BackupAndRecovery.DEFAULT_TAG_VALUE }] },
  },
}));

// A row to find again after the restore.
const put = integ.assertions.awsApiCall('DynamoDB', 'putItem', {
  TableName: table.tableName,
  Item: { serialNumber: { S: SERIAL }, status: { S: 'ALLOWED' } },
});
put.provider.addToRolePolicy({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [key.keyArn] });

// The on-demand backup, as AWS Backup's plan would take it: the vault, the plan's role.
const startBackup = integ.assertions.awsApiCall('Backup', 'startBackupJob', {
  BackupVaultName: backup.vault.backupVaultName,
  ResourceArn: table.tableArn,
  IamRoleArn: backup.backupRole.roleArn,
});
startBackup.provider.addToRolePolicy({ Effect: 'Allow', Action: ['iam:PassRole'], Resource: [backup.backupRole.roleArn] });

// A small table's backup takes minutes; AWS Backup may take a while to start an on-demand job.
// Its RecoveryPointArn is read below, and integ-tests then keeps only the paths read or asserted
// at: the state is asserted at its path (an expect() on the whole response would see nothing).
const backupJob = integ.assertions.awsApiCall('Backup', 'describeBackupJob', {
  BackupJobId: startBackup.getAttString('BackupJobId'),
}).assertAtPath('State', exactly('COMPLETED'))
  .waitForAssertions({ totalTimeout: Duration.minutes(50), interval: Duration.seconds(30), backoffRate: 1 });

const recoveryPoint = integ.assertions.awsApiCall('Backup', 'describeRecoveryPoint', {
  BackupVaultName: backup.vault.backupVaultName,
  RecoveryPointArn: backupJob.getAttString('RecoveryPointArn'),
}).expect(ExpectedResult.objectLike({
  Status: 'COMPLETED', IsEncrypted: true, ResourceType: 'DynamoDB', BackupVaultName: backup.vault.backupVaultName,
}));

// The restore, into a new table encrypted with the registry's key.
const startRestore = integ.assertions.awsApiCall('Backup', 'startRestoreJob', {
  RecoveryPointArn: backupJob.getAttString('RecoveryPointArn'),
  IamRoleArn: backup.backupRole.roleArn,
  ResourceType: 'DynamoDB',
  // The allow list has deletion protection on; the copy must not, or the stack could not delete it.
  Metadata: { targetTableName: RESTORED_TABLE, encryptionType: 'KMS', kmsMasterKeyArn: key.keyArn, deletionProtection: 'false' },
});
startRestore.provider.addToRolePolicy({ Effect: 'Allow', Action: ['iam:PassRole'], Resource: [backup.backupRole.roleArn] });

const restoreJob = integ.assertions.awsApiCall('Backup', 'describeRestoreJob', {
  RestoreJobId: startRestore.getAttString('RestoreJobId'),
}).expect(ExpectedResult.objectLike({ Status: 'COMPLETED' }))
  .waitForAssertions({ totalTimeout: Duration.minutes(50), interval: Duration.seconds(30), backoffRate: 1 });

const restoredRow = integ.assertions.awsApiCall('DynamoDB', 'getItem', {
  TableName: RESTORED_TABLE,
  Key: { serialNumber: { S: SERIAL } },
  ConsistentRead: true,
}).expect(ExpectedResult.objectLike({ Item: { serialNumber: { S: SERIAL }, status: { S: 'ALLOWED' } } }));
restoredRow.provider.addToRolePolicy({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [key.keyArn] });

// The vault refuses to delete recovery points (the policy the teardown removes first).
const vaultPolicy = integ.assertions.awsApiCall('Backup', 'getBackupVaultAccessPolicy', {
  BackupVaultName: backup.vault.backupVaultName,
}).expect(ExpectedResult.objectLike({
  Policy: Match.serializedJson(Match.objectLike({
    Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: Match.arrayWith(['backup:DeleteRecoveryPoint']) })]),
  })),
}));

put.next(startBackup).next(backupJob).next(recoveryPoint).next(startRestore).next(restoreJob).next(restoredRow).next(vaultPolicy);
