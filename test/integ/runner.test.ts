import * as fs from 'fs';
import * as path from 'path';
import {
  BackupClient, DeleteBackupVaultAccessPolicyCommand, DeleteBackupVaultCommand, DeleteRecoveryPointCommand, ListRecoveryPointsByBackupVaultCommand,
} from '@aws-sdk/client-backup';
import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ExpectedResult } from '@aws-cdk/integ-tests-alpha';
import { Token } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { assertionResults, expectedAssertionOutputs, judge } from '../../scripts/integ';
import { runFolder } from '../support/run-folder';
import { AssemblyStack, canonical, compareWithSnapshot, IntegTestFile, selectTests } from './support/assembly';
import { exactly } from './support/exactly';
import { expectationProblems, sdkCallProblems } from './support/sdk-calls';
import { deleteRetained, RetainedResource, retainedResources, TeardownClients } from './support/teardown';

/** The integration tests' runner, offline: snapshots, assertion outputs, and the teardown against fake AWS clients. */

function awsError(name: string): Error {
  return Object.assign(new Error(`${name} (fake)`), { name });
}

describe('snapshots', () => {
  const template = (salt: string, hash: string, value: string) => ({
    Resources: {
      Call: { Type: 'Custom::DeployAssert@SdkCallIoTdescribeThing', Properties: { salt, service: 'IoT', api: 'describeThing' } },
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Key: `${hash}.zip` }, Description: value, salt: 'a property of its own' } },
    },
  });
  const A = 'a'.repeat(64);
  const B = 'b'.repeat(64);

  test('a comparison ignores the salt of assertion calls and asset hashes, and nothing else', () => {
    expect(canonical(template('1', A, 'x'), false)).toEqual(canonical(template('2', B, 'x'), false));
    expect(canonical(template('1', A, 'x'), false)).not.toEqual(canonical(template('1', A, 'y'), false));
    // `diffAssets` compares the hashes.
    expect(canonical(template('1', A, 'x'), true)).not.toEqual(canonical(template('1', B, 'x'), true));
    // A property named salt on another resource is compared.
    const other = template('1', A, 'x');
    (other.Resources.Fn.Properties as { salt: string }).salt = 'changed';
    expect(canonical(template('1', A, 'x'), false)).not.toEqual(canonical(other, false));
  });

  function assembly(dir: string, description: string): void {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'integ.json'), JSON.stringify({ version: '55.0.0', testCases: { 'T/DefaultTest': { stacks: ['S'], assertionStackName: 'A' } } }));
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ artifacts: { S: { type: 'aws:cloudformation:stack', properties: { templateFile: 'S.template.json' } } } }));
    fs.writeFileSync(path.join(dir, 'S.template.json'), JSON.stringify(template('1', A, description)));
  }

  test('a changed property is named by file and path, with both values, and a missing snapshot says how to write it', () => {
    const root = fs.mkdtempSync(path.join(runFolder(), 'integ-compare-'));
    const integ: IntegTestFile = { name: 't', file: path.join(root, 'integ.t.ts'), snapshotDir: path.join(root, 'integ.t.ts.snapshot') };
    assembly(path.join(root, 'out'), 'new');
    expect(compareWithSnapshot(integ, path.join(root, 'out'))).toEqual([
      expect.objectContaining({ synthesized: expect.stringContaining('npm run integ:snapshot -- t') }),
    ]);
    assembly(integ.snapshotDir, 'old');
    expect(compareWithSnapshot(integ, path.join(root, 'out'))).toEqual([
      { where: 'S.template.json.Resources.Fn.Properties.Description', snapshot: '"old"', synthesized: '"new"' },
    ]);
    assembly(integ.snapshotDir, 'new');
    expect(compareWithSnapshot(integ, path.join(root, 'out'))).toEqual([]);
  });

  test('an unknown test name is refused with the names there are', () => {
    expect(() => selectTests(['no-such-test'])).toThrow(/no integration test named 'no-such-test'; the tests are: .*backup/);
  });
});

describe('assertion results', () => {
  test('each AssertionResults output is read, a failure keeps its message, and an unreadable one is not a pass', () => {
    const file = path.join(fs.mkdtempSync(path.join(runFolder(), 'integ-outputs-')), 'outputs.json');
    expect(assertionResults(file)).toEqual([]);
    fs.writeFileSync(file, JSON.stringify({
      Assert: {
        AssertionResultsAwsApiCallIoTdescribeThing1: JSON.stringify({ status: 'success' }),
        AssertionResultsAwsApiCallIoTlistThings2: JSON.stringify({ status: 'fail', message: 'Expected ACTIVE, got INACTIVE' }),
        AssertionResultsBroken: 'not json',
        SomeOtherOutput: 'ignored',
      },
    }));
    expect(assertionResults(file)).toEqual([
      { output: 'AssertionResultsAwsApiCallIoTdescribeThing1', status: 'success', message: undefined },
      { output: 'AssertionResultsAwsApiCallIoTlistThings2', status: 'fail', message: 'Expected ACTIVE, got INACTIVE' },
      { output: 'AssertionResultsBroken', status: 'unreadable', message: 'not json' },
    ]);
  });
});

describe('the verdict', () => {
  const ok = (output: string) => ({ output, status: 'success' });
  test('a test passes only when the deployment succeeded and every declared assertion came back a success', () => {
    expect(judge(0, [ok('AssertionResultsA'), ok('AssertionResultsB')], ['AssertionResultsA', 'AssertionResultsB'], 'log').passed).toBe(true);
    expect(judge(1, [ok('AssertionResultsA')], ['AssertionResultsA'], 'log')).toEqual({ passed: false, detail: expect.stringMatching(/^deployment failed \(exit 1\)/) });
    expect(judge(0, [ok('AssertionResultsA')], ['AssertionResultsA', 'AssertionResultsB'], 'log')).toEqual({ passed: false, detail: expect.stringContaining('AssertionResultsB: no result') });
    expect(judge(0, [ok('AssertionResultsA'), { output: 'AssertionResultsB', status: 'fail', message: 'Expected ACTIVE' }], ['AssertionResultsA', 'AssertionResultsB'], 'log'))
      .toEqual({ passed: false, detail: expect.stringContaining('AssertionResultsB: fail Expected ACTIVE') });
    expect(judge(0, [{ output: 'AssertionResultsA', status: 'unreadable', message: 'x' }], ['AssertionResultsA'], 'log').passed).toBe(false);
  });

  test('the declared assertions are the AssertionResults outputs of the stacks', () => {
    const stack = (Outputs: object): AssemblyStack => ({ artifactId: 'A', displayName: 'A', stackName: 'A', templateFile: 'A.template.json', template: { Outputs } });
    expect(expectedAssertionOutputs([stack({ AssertionResultsX: {}, Other: {} }), stack({ AssertionResultsY: {} })])).toEqual(['AssertionResultsX', 'AssertionResultsY']);
  });
});

describe('assertion calls', () => {
  test('a real command whose IAM action exists passes; a misspelt API, an unknown action and an uninstalled client do not', () => {
    expect(sdkCallProblems('x', 'IoT', 'describeThing')).toEqual([]);
    expect(sdkCallProblems('x', 'StepFunctions', 'describeExecution')).toEqual([]);
    expect(sdkCallProblems('x', '@aws-sdk/client-backup', 'DescribeBackupJobCommand')).toEqual([]);
    expect(sdkCallProblems('x', 'IoT', 'describeThingz')).toEqual([
      'x: @aws-sdk/client-iot has no DescribeThingzCommand',
      expect.stringMatching(/grants iot:DescribeThingz .* an action IAM does not have/),
    ]);
    expect(sdkCallProblems('x', 'Comprehend', 'detectEntities')).toEqual([expect.stringMatching(/@aws-sdk\/client-comprehend is not a devDependency/)]);
  });
});

describe('expectations', () => {
  test('expect() on a call whose attributes are read is refused; assertAtPath, or expect() alone, is fine', () => {
    const call = { service: 'Backup', api: 'describeBackupJob', expected: '{"$ObjectLike":{}}' };
    expect(expectationProblems('x', { ...call, flattenResponse: 'true', outputPaths: ['RecoveryPointArn'] })).toEqual([
      expect.stringContaining('x: Backup.describeBackupJob has expect() and its RecoveryPointArn read with getAtt'),
    ]);
    expect(expectationProblems('x', { ...call, flattenResponse: 'true', outputPaths: ['State', 'RecoveryPointArn'], actualPath: 'State' })).toEqual([]);
    expect(expectationProblems('x', { ...call, flattenResponse: 'false' })).toEqual([]);
    expect(expectationProblems('x', { service: 'Backup', api: 'startBackupJob', flattenResponse: 'true', outputPaths: ['BackupJobId'] })).toEqual([]);
  });

  test('ExpectedResult.exact is refused wherever it is, even nested or inside serialized JSON; exactly() matches the whole string only', () => {
    const encoded = (r: ExpectedResult) => r.result;
    const call = { service: 'IoT', api: 'describeThing', flattenResponse: 'false' };
    expect(expectationProblems('x', { ...call, expected: encoded(ExpectedResult.exact('ACTIVE')) })).toEqual([expect.stringContaining('never matches')]);
    expect(expectationProblems('x', { ...call, expected: encoded(ExpectedResult.objectLike({ a: { $Exact: 'b' } })) })).toEqual([expect.stringContaining('never matches')]);
    expect(expectationProblems('x', { ...call, expected: encoded(ExpectedResult.objectLike({ Payload: JSON.stringify({ $Exact: 'b' }) })) })).toEqual([expect.stringContaining('never matches')]);
    expect(expectationProblems('x', { ...call, expected: encoded(ExpectedResult.objectLike({ note: 'the text $Exact is no matcher' })) })).toEqual([]);
    expect(expectationProblems('x', { ...call, expected: encoded(exactly('1.0.0')) })).toEqual([]);
    // The handler tests patterns with the gm flags: exactly() still means the whole string.
    const pattern = new RegExp(JSON.parse(exactly('1.0.0').result).$StringLike, 'gm');
    expect(['1.0.0', '1a0b0', 'x\n1.0.0', '1.0.0\nx', ' 1.0.0'].map((v) => pattern.test(v) && (pattern.lastIndex = 0, true))).toEqual([true, false, false, false, false]);
    // A token is kept for the deployment to fill in; the text around it is escaped.
    const withToken = JSON.parse(exactly(`job.${Token.asString({ Ref: 'X' })}`).result).$StringLike as string;
    expect(withToken).toMatch(/^\(\?<!\[\\s\\S\]\)job\\\.\$\{Token\[[^\]]+\]\}\(\?!\[\\s\\S\]\)$/);
  });
});

describe('teardown', () => {
  const cfn = mockClient(CloudFormationClient);
  const s3 = mockClient(S3Client);
  const ddb = mockClient(DynamoDBClient);
  const logs = mockClient(CloudWatchLogsClient);
  const kms = mockClient(KMSClient);
  const backup = mockClient(BackupClient);
  const clients: TeardownClients = {
    cloudformation: new CloudFormationClient({}), s3: new S3Client({}), dynamodb: new DynamoDBClient({}), logs: new CloudWatchLogsClient({}),
    kms: new KMSClient({}), sqs: new SQSClient({}), backup: new BackupClient({}), secrets: new SecretsManagerClient({}),
  };
  beforeEach(() => [cfn, s3, ddb, logs, kms, backup].forEach((m) => m.reset()));

  const retained = (type: string, physicalId: string): RetainedResource => ({ stackName: 'S', logicalId: physicalId, type, physicalId });

  test('finds what a delete leaves (retained resources, functions\' own log groups) on every page, never what the stack did not make', async () => {
    const stack: AssemblyStack = {
      artifactId: 'S', displayName: 'S', stackName: 'S', templateFile: 'S.template.json',
      template: {
        Resources: {
          Table: { Type: 'AWS::DynamoDB::Table', DeletionPolicy: 'Retain' },
          Key: { Type: 'AWS::KMS::Key', DeletionPolicy: 'RetainExceptOnCreate' },
          Taken: { Type: 'AWS::Backup::BackupVault', DeletionPolicy: 'Retain' },
          Role: { Type: 'AWS::IAM::Role' },
          Topic: { Type: 'AWS::SNS::Topic', DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Retain' },
          Fn: { Type: 'AWS::Lambda::Function' },
          Logged: { Type: 'AWS::Lambda::Function', Properties: { LoggingConfig: { LogGroup: { Ref: 'LogGroup' } } } },
        },
      },
    };
    const summary = (LogicalResourceId: string, PhysicalResourceId: string, ResourceType: string, ResourceStatus: string) =>
      ({ LogicalResourceId, PhysicalResourceId, ResourceType, ResourceStatus: ResourceStatus as never, LastUpdatedTimestamp: new Date() });
    cfn.on(ListStackResourcesCommand, { StackName: 'S', NextToken: undefined }).resolves({
      StackResourceSummaries: [
        summary('Table', 'registry', 'AWS::DynamoDB::Table', 'DELETE_SKIPPED'),
        summary('Role', 'role', 'AWS::IAM::Role', 'CREATE_COMPLETE'),
        // Its name was taken by a vault that already existed: not the test's to delete.
        summary('Taken', 'someone-elses-vault', 'AWS::Backup::BackupVault', 'CREATE_FAILED'),
      ],
      NextToken: 'page2',
    }).on(ListStackResourcesCommand, { StackName: 'S', NextToken: 'page2' }).resolves({
      StackResourceSummaries: [
        summary('Key', 'key-id', 'AWS::KMS::Key', 'CREATE_COMPLETE'),
        summary('Topic', 'topic', 'AWS::SNS::Topic', 'CREATE_COMPLETE'),
        summary('Fn', 'my-function', 'AWS::Lambda::Function', 'CREATE_COMPLETE'),
        summary('Logged', 'logged-function', 'AWS::Lambda::Function', 'CREATE_COMPLETE'),
      ],
    });
    expect(await retainedResources(clients, [stack])).toEqual([
      { stackName: 'S', logicalId: 'Table', type: 'AWS::DynamoDB::Table', physicalId: 'registry' },
      { stackName: 'S', logicalId: 'Key', type: 'AWS::KMS::Key', physicalId: 'key-id' },
      { stackName: 'S', logicalId: 'Fn (its log group)', type: 'AWS::Logs::LogGroup', physicalId: '/aws/lambda/my-function' },
    ]);
  });

  test('a stack that was never made leaves nothing; another error stops the run', async () => {
    const stack: AssemblyStack = {
      artifactId: 'S', displayName: 'S', stackName: 'S', templateFile: 'S.template.json',
      template: { Resources: { Table: { Type: 'AWS::DynamoDB::Table', DeletionPolicy: 'Retain' } } },
    };
    cfn.on(ListStackResourcesCommand).rejectsOnce(Object.assign(awsError('ValidationError'), { message: 'Stack with id S does not exist' }));
    expect(await retainedResources(clients, [stack])).toEqual([]);
    cfn.on(ListStackResourcesCommand).rejects(awsError('ExpiredTokenException'));
    await expect(retainedResources(clients, [stack])).rejects.toThrow(/ExpiredTokenException/);
  });

  test('empties a versioned bucket across pages (versions and delete markers), retries one that late logs refill, then deletes it', async () => {
    s3.on(ListObjectVersionsCommand, { Bucket: 'b', KeyMarker: undefined, VersionIdMarker: undefined })
      .resolvesOnce({ Versions: [{ Key: 'a', VersionId: '1' }], DeleteMarkers: [{ Key: 'a', VersionId: '2' }], IsTruncated: true, NextKeyMarker: 'a', NextVersionIdMarker: '2' })
      .resolves({ Versions: [{ Key: 'log', VersionId: '9' }] });
    s3.on(ListObjectVersionsCommand, { Bucket: 'b', KeyMarker: 'a', VersionIdMarker: '2' }).resolves({ Versions: [{ Key: 'b', VersionId: '3' }] });
    s3.on(DeleteObjectsCommand).resolves({});
    s3.on(DeleteBucketCommand).rejectsOnce(awsError('BucketNotEmpty')).resolves({});
    const [outcome] = await deleteRetained(clients, [retained('AWS::S3::Bucket', 'b')], { retryDelayMs: 1 });
    expect(outcome.outcome).toBe('deleted');
    const deleted = s3.commandCalls(DeleteObjectsCommand).flatMap((c) => c.args[0].input.Delete!.Objects!);
    expect(deleted).toEqual([{ Key: 'a', VersionId: '1' }, { Key: 'a', VersionId: '2' }, { Key: 'b', VersionId: '3' }, { Key: 'log', VersionId: '9' }]);
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(2);
  });

  test('a bucket whose objects cannot be deleted is left, with the reason', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'locked', VersionId: '1' }] });
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'locked', Code: 'AccessDenied', Message: 'object lock' }] });
    const [outcome] = await deleteRetained(clients, [retained('AWS::S3::Bucket', 'b')], { retryDelayMs: 1 });
    expect(outcome).toEqual(expect.objectContaining({ outcome: 'left', reason: expect.stringContaining('locked: AccessDenied object lock') }));
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(0);
  });

  test('turns a table\'s deletion protection off, then deletes it once it is no longer UPDATING; a table already gone is fine', async () => {
    ddb.on(DescribeTableCommand, { TableName: 't' }).resolves({ Table: { DeletionProtectionEnabled: true } });
    ddb.on(DescribeTableCommand, { TableName: 'gone' }).rejects(awsError('ResourceNotFoundException'));
    ddb.on(UpdateTableCommand).resolves({});
    ddb.on(DeleteTableCommand).rejectsOnce(awsError('ResourceInUseException')).resolves({});
    const outcomes = await deleteRetained(clients, [retained('AWS::DynamoDB::Table', 't'), retained('AWS::DynamoDB::Table', 'gone')], { retryDelayMs: 1 });
    expect(outcomes.map((o) => o.outcome)).toEqual(['deleted', 'gone']);
    expect(ddb.commandCalls(UpdateTableCommand)[0].args[0].input).toEqual({ TableName: 't', DeletionProtectionEnabled: false });
    expect(ddb.commandCalls(DeleteTableCommand).map((c) => c.args[0].input.TableName)).toEqual(['t', 't']);
  });

  test('a vault: its policy (which denies deleting recovery points) first, every recovery point, then the vault once they are gone', async () => {
    backup.on(DeleteBackupVaultAccessPolicyCommand).resolves({});
    backup.on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'v', NextToken: undefined }).resolves({ RecoveryPoints: [{ RecoveryPointArn: 'rp1' }], NextToken: 'n' });
    backup.on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'v', NextToken: 'n' }).resolves({ RecoveryPoints: [{ RecoveryPointArn: 'rp2' }] });
    backup.on(DeleteRecoveryPointCommand).resolves({});
    backup.on(DeleteBackupVaultCommand).rejectsOnce(awsError('InvalidRequestException')).resolves({});
    const [outcome] = await deleteRetained(clients, [retained('AWS::Backup::BackupVault', 'v')], { retryDelayMs: 1 });
    expect(outcome.outcome).toBe('deleted');
    expect(backup.calls().map((c) => c.args[0].constructor.name)).toEqual([
      'DeleteBackupVaultAccessPolicyCommand', 'ListRecoveryPointsByBackupVaultCommand', 'DeleteRecoveryPointCommand',
      'ListRecoveryPointsByBackupVaultCommand', 'DeleteRecoveryPointCommand', 'DeleteBackupVaultCommand', 'DeleteBackupVaultCommand',
    ]);
  });

  test('a recovery point that cannot be deleted (a vault lock) leaves the vault, named with the reason', async () => {
    backup.on(DeleteBackupVaultAccessPolicyCommand).resolves({});
    backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [{ RecoveryPointArn: 'rp1' }] });
    backup.on(DeleteRecoveryPointCommand).rejects(awsError('InvalidRequestException'));
    const [outcome] = await deleteRetained(clients, [retained('AWS::Backup::BackupVault', 'v')], { retryDelayMs: 1 });
    expect(outcome).toEqual(expect.objectContaining({ outcome: 'left', reason: expect.stringContaining('rp1 (InvalidRequestException)') }));
    expect(backup.commandCalls(DeleteBackupVaultCommand)).toHaveLength(0);
  });

  test('keys go last, scheduled for deletion after 7 days (again is fine); an unknown type or a refusal is left with its reason', async () => {
    kms.on(ScheduleKeyDeletionCommand, { KeyId: 'k1' }).resolves({});
    kms.on(ScheduleKeyDeletionCommand, { KeyId: 'k2' }).rejects(awsError('KMSInvalidStateException'));
    kms.on(DescribeKeyCommand, { KeyId: 'k2' }).resolves({ KeyMetadata: { KeyId: 'k2', KeyState: 'PendingDeletion' } });
    logs.on(DeleteLogGroupCommand).rejects(awsError('AccessDeniedException'));
    const outcomes = await deleteRetained(clients, [
      retained('AWS::KMS::Key', 'k1'), retained('AWS::Logs::LogGroup', 'lg'), retained('AWS::KMS::Key', 'k2'), retained('AWS::EFS::FileSystem', 'fs'),
    ]);
    expect(outcomes.map((o) => [o.resource.physicalId, o.outcome])).toEqual([['lg', 'left'], ['fs', 'left'], ['k1', 'scheduled'], ['k2', 'scheduled']]);
    expect(outcomes[0].reason).toMatch(/AccessDeniedException/);
    expect(outcomes[1].reason).toMatch(/does not delete AWS::EFS::FileSystem: delete it by hand/);
    expect(kms.commandCalls(ScheduleKeyDeletionCommand)[0].args[0].input).toEqual({ KeyId: 'k1', PendingWindowInDays: 7 });
  });
});
