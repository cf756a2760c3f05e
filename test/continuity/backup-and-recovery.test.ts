import { App, Aws, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  BackupAndRecovery, Criticality, DeviceFailureModes, FailureMode, RiskProfile,
} from '../../lib';
import { awsCronProblem } from '../../lib/core/private/aws-cron';
import { retentionFindingsOf } from '../runtime/retained-data';
import { confusedDeputyFindingsOf } from '../runtime/trust-policy';
import { newValidatedApp, validationFindings } from '../validation';

const env = { account: '111122223333', region: 'eu-west-1' };
const DR_VAULT = 'arn:aws:backup:eu-central-1:111122223333:backup-vault:dr';

function stack(app = new App()) {
  return new Stack(app, 'S', { env });
}
const drVault = (s: Stack) => backup.BackupVault.fromBackupVaultArn(s, 'Dr', DR_VAULT);
const critical = (s: Stack, extra: object = {}) => new BackupAndRecovery(s, 'B', {
  riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE, secondRegionVault: drVault(s), ...extra,
});
const rule = (t: Template) => Object.values(t.findResources('AWS::Backup::BackupPlan'))[0].Properties.BackupPlan.BackupPlanRule[0];
const controls = (t: Template) => Object.values(t.findResources('AWS::Backup::Framework'))[0].Properties.FrameworkControls as { ControlName: string; ControlInputParameters?: { ParameterName: string; ParameterValue: string }[] }[];

test('defaults (INDUSTRIAL): encrypted retained vault closed to deletion, daily plan kept 90 days, no lock, no copy', () => {
  const s = stack();
  const b = new BackupAndRecovery(s, 'B');
  const t = Template.fromStack(s);
  t.hasResource('AWS::Backup::BackupVault', {
    DeletionPolicy: 'Retain',
    Properties: Match.objectLike({
      EncryptionKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BKey'), 'Arn'] },
      LockConfiguration: Match.absent(),
      AccessPolicy: Match.objectLike({ Statement: [Match.objectLike({ Effect: 'Deny', Action: ['backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle'] })] }),
      Notifications: Match.objectLike({ BackupVaultEvents: Match.arrayWith(['BACKUP_JOB_FAILED', 'COPY_JOB_FAILED']) }),
    }),
  });
  t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  expect(rule(t)).toMatchObject({ ScheduleExpression: 'cron(0 3 * * ? *)', Lifecycle: { DeleteAfterDays: 90 } });
  expect(rule(t).CopyActions).toBeUndefined();
  t.resourceCountIs('AWS::Backup::LogicallyAirGappedBackupVault', 0);
  expect(b.retentionDays).toBe(90);
  expect(b.airGappedVault).toBeUndefined();
});

test('the selection is the backup-plan tag, and select() tags only stateful resources', () => {
  const s = stack();
  new BackupAndRecovery(s, 'B');
  const table = new dynamodb.Table(s, 'T', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
  new s3.Bucket(s, 'Bk');
  BackupAndRecovery.select(s);
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::Backup::BackupSelection', {
    BackupSelection: Match.objectLike({ ListOfTags: [{ ConditionKey: 'backup-plan', ConditionType: 'STRINGEQUALS', ConditionValue: 'cdk-secure-iot' }] }),
  });
  t.hasResourceProperties('AWS::DynamoDB::Table', { Tags: [{ Key: 'backup-plan', Value: 'cdk-secure-iot' }] });
  t.hasResourceProperties('AWS::S3::Bucket', { Tags: [{ Key: 'backup-plan', Value: 'cdk-secure-iot' }] });
  t.hasResourceProperties('AWS::KMS::Key', { Tags: Match.absent() });
  expect(table).toBeDefined();
  expect(() => BackupAndRecovery.select(s, 'bad|value')).toThrow(/S: BackupAndRecovery.select: tagValue must be 1-256 letters.*got "bad\|value"/);
});

test('the backup role has the AWS Backup service policies and no wildcard action of its own', () => {
  const s = stack();
  new BackupAndRecovery(s, 'B');
  const t = Template.fromStack(s);
  const role = Object.values(t.findResources('AWS::IAM::Role'))[0];
  expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'backup.amazonaws.com' });
  expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toMatch(/service-role\/AWSBackupServiceRolePolicyForBackup.*service-role\/AWSBackupServiceRolePolicyForRestores.*AWSBackupServiceRolePolicyForS3Backup.*AWSBackupServiceRolePolicyForS3Restore/);
  const policy = Object.values(t.findResources('AWS::IAM::Policy'))[0];
  for (const st of policy.Properties.PolicyDocument.Statement) {
    expect(([] as string[]).concat(st.Action).every((a) => !a.includes('*'))).toBe(true);
    expect(st.Resource).not.toBe('*');
  }
});

test('restore testing: weekly, latest recovery point of this vault, DynamoDB and S3 resources with the tag', () => {
  const s = stack();
  new BackupAndRecovery(s, 'B');
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::Backup::RestoreTestingPlan', {
    ScheduleExpression: 'cron(0 5 ? * SUN *)',
    RecoveryPointSelection: { Algorithm: 'LATEST_WITHIN_WINDOW', IncludeVaults: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^BVault'), 'BackupVaultArn'] }], RecoveryPointTypes: ['SNAPSHOT'], SelectionWindowDays: 7 },
  });
  for (const type of ['DynamoDB', 'S3']) {
    t.hasResourceProperties('AWS::Backup::RestoreTestingSelection', {
      ProtectedResourceType: type,
      ProtectedResourceConditions: { StringEquals: [{ Key: 'aws:ResourceTag/backup-plan', Value: 'cdk-secure-iot' }] },
    });
  }
  const s2 = stack();
  new BackupAndRecovery(s2, 'B', { restoreTesting: false, auditFramework: false });
  Template.fromStack(s2).resourceCountIs('AWS::Backup::RestoreTestingPlan', 0);
  Template.fromStack(s2).resourceCountIs('AWS::Backup::Framework', 0);
});

test('the audit framework proves encryption, retention, daily frequency and coverage of the tag', () => {
  const s = stack();
  new BackupAndRecovery(s, 'B');
  const c = controls(Template.fromStack(s));
  expect(c.map((x) => x.ControlName)).toEqual([
    'BACKUP_RECOVERY_POINT_ENCRYPTED', 'BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED', 'BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK',
    'BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK', 'BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN', 'BACKUP_LAST_RECOVERY_POINT_CREATED',
  ]);
  expect(c[3].ControlInputParameters).toEqual([
    { ParameterName: 'requiredRetentionDays', ParameterValue: '90' },
    { ParameterName: 'requiredFrequencyUnit', ParameterValue: 'days' },
    { ParameterName: 'requiredFrequencyValue', ParameterValue: '1' },
  ]);
});

test('CRITICAL_INFRASTRUCTURE: a year, compliance-mode vault lock, copies to the second region and to an air-gapped vault', () => {
  const s = stack();
  const b = critical(s);
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::Backup::BackupVault', { LockConfiguration: { MinRetentionDays: 365, ChangeableForDays: 3 } });
  t.hasResource('AWS::Backup::LogicallyAirGappedBackupVault', {
    DeletionPolicy: 'Retain',
    Properties: { BackupVaultName: Match.anyValue(), MinRetentionDays: 365, MaxRetentionDays: 365 },
  });
  const r = rule(t);
  expect(r.Lifecycle).toEqual({ DeleteAfterDays: 365 });
  expect(r.CopyActions.map((c: { Lifecycle: unknown }) => c.Lifecycle)).toEqual([{ DeleteAfterDays: 365 }, { DeleteAfterDays: 365 }]);
  expect(r.CopyActions[1].DestinationBackupVaultArn).toBe(DR_VAULT);
  expect(r.CopyActions[0].DestinationBackupVaultArn['Fn::GetAtt'][0]).toMatch(/AirGappedVault/);
  const names = controls(t).map((x) => x.ControlName);
  expect(names).toEqual(expect.arrayContaining(['BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK', 'BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION']));
  expect(controls(t).find((x) => x.ControlName === 'BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION')!.ControlInputParameters)
    .toEqual([{ ParameterName: 'crossRegionList', ParameterValue: 'eu-central-1' }]);
  expect(b.airGappedVault).toBeDefined();
});

test('CONSUMER keeps 35 days; explicit props win over the profile', () => {
  const s = stack();
  new BackupAndRecovery(s, 'B', { riskProfile: RiskProfile.CONSUMER });
  expect(rule(Template.fromStack(s)).Lifecycle).toEqual({ DeleteAfterDays: 35 });
  const s2 = stack();
  new BackupAndRecovery(s2, 'B', {
    riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE, copyToSecondRegion: false, airGappedVault: false, vaultLock: false,
    retentionDays: 400, backupSchedule: 'cron(30 1 ? * MON *)', restoreTestingSchedule: 'cron(0 6 1 * ? *)', tagValue: 'plant-a',
  });
  const t = Template.fromStack(s2);
  expect(rule(t)).toMatchObject({ ScheduleExpression: 'cron(30 1 ? * MON *)', Lifecycle: { DeleteAfterDays: 400 } });
  expect(rule(t).CopyActions).toBeUndefined();
  t.hasResourceProperties('AWS::Backup::BackupVault', { LockConfiguration: Match.absent() });
  t.hasResourceProperties('AWS::Backup::RestoreTestingPlan', { ScheduleExpression: 'cron(0 6 1 * ? *)' });
  t.hasResourceProperties('AWS::Backup::BackupSelection', { BackupSelection: Match.objectLike({ ListOfTags: [Match.objectLike({ ConditionValue: 'plant-a' })] }) });
  expect(controls(t).find((x) => x.ControlName === 'BACKUP_LAST_RECOVERY_POINT_CREATED')!.ControlInputParameters)
    .toEqual([{ ParameterName: 'recoveryPointAgeUnit', ParameterValue: 'days' }, { ParameterName: 'recoveryPointAgeValue', ParameterValue: '7' }]);
});

test('fail-open / fail-closed per device category: defaults, overrides, exposed for playbooks', () => {
  const b = new BackupAndRecovery(stack(), 'B');
  expect(b.deviceFailureModes).toBe(DeviceFailureModes.DEFAULT);
  expect(DeviceFailureModes.DEFAULT.modeOf(Criticality.LOW)).toBe(FailureMode.FAIL_CLOSED);
  expect(DeviceFailureModes.DEFAULT.modeOf(Criticality.SAFETY_CRITICAL)).toBe(FailureMode.FAIL_OPEN);
  expect(DeviceFailureModes.DEFAULT.failOpenCriticalities).toEqual(['high', 'safety-critical']);
  const modes = DeviceFailureModes.of({ high: FailureMode.FAIL_CLOSED });
  expect(modes.failClosedCriticalities).toEqual(['low', 'medium', 'high']);
  expect(new BackupAndRecovery(stack(), 'B', { deviceFailureModes: modes }).deviceFailureModes).toBe(modes);
  expect(() => DeviceFailureModes.of({ high: 'OPEN' as FailureMode })).toThrow(/DeviceFailureModes.of: high must be one of FAIL_OPEN, FAIL_CLOSED, got "OPEN"/);
  expect(() => DeviceFailureModes.of({ critical: FailureMode.FAIL_OPEN } as never)).toThrow(/unknown category "critical"/);
});

test.each([
  [{ retentionDays: 0 }, /retentionDays must be an integer from 1 to 36500 days, got 0/],
  [{ retentionDays: 1.5 }, /retentionDays must be an integer from 1 to 36500 days, got 1.5/],
  [{ vaultLock: true, retentionDays: 30, vaultLockMinRetentionDays: 60 }, /retentionDays \(30\) is shorter than vaultLockMinRetentionDays \(60\): the locked vault would refuse every backup job/],
  [{ vaultLock: true, vaultLockChangeableForDays: 1 }, /vaultLockChangeableForDays must be an integer from 3 to 36500 days, got 1/],
  [{ airGappedVault: true, retentionDays: 5 }, /retentionDays \(5\) is shorter than the 7 days a logically air-gapped vault keeps at least/],
  [{ airGappedVault: true, retentionDays: 100, airGappedMaxRetentionDays: 50 }, /retentionDays \(100\) is longer than airGappedMaxRetentionDays \(50\)/],
  [{ copyToSecondRegion: true }, /secondRegionVault is required when copying to a second region/],
  [{ backupSchedule: 'rate(1 day)' }, /backupSchedule must be written cron\(Minutes Hours Day-of-month Month Day-of-week Year\), got "rate\(1 day\)"/],
  [{ backupSchedule: 'cron(0 3 * * *)' }, /backupSchedule must have 6 fields/],
  [{ restoreTestingSchedule: 'cron(0 25 ? * SUN *)' }, /restoreTestingSchedule has an invalid hours field '25'/],
  [{ backupSchedule: 'cron(0 3 * * MON *)' }, /backupSchedule must have \? in exactly one of day-of-month and day-of-week/],
  [{ tagValue: '' }, /tagValue must be 1-256 letters/],
  [{ vaultLock: 'yes' as unknown as boolean }, /vaultLock must be true or false, got "yes"/],
  [{ deviceFailureModes: {} as DeviceFailureModes }, /deviceFailureModes must be made with DeviceFailureModes.of\(\)/],
])('rejects %j with the construct path and what is allowed', (props, message) => {
  expect(() => new BackupAndRecovery(stack(), 'B', props)).toThrow(new RegExp(`^S/B: BackupAndRecovery: .*${message.source}`));
});

test('CRITICAL_INFRASTRUCTURE without a second-region vault is an error; so is a vault in the stack\'s own region', () => {
  expect(() => new BackupAndRecovery(stack(), 'B', { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE }))
    .toThrow(/secondRegionVault is required when copying to a second region/);
  const s = stack();
  expect(() => new BackupAndRecovery(s, 'B', {
    copyToSecondRegion: true, secondRegionVault: backup.BackupVault.fromBackupVaultArn(s, 'Same', 'arn:aws:backup:eu-west-1:111122223333:backup-vault:x'),
  })).toThrow(/secondRegionVault must be in a region other than the stack's \(eu-west-1\), got a vault in eu-west-1/);
  // The region is read where another part of the ARN is a token (the account, as the water example writes it).
  const t = stack();
  expect(() => new BackupAndRecovery(t, 'B', {
    copyToSecondRegion: true, secondRegionVault: backup.BackupVault.fromBackupVaultArn(t, 'SameTokenAccount', `arn:aws:backup:eu-west-1:${Aws.ACCOUNT_ID}:backup-vault:x`),
  })).toThrow(/secondRegionVault must be in a region other than the stack's \(eu-west-1\), got a vault in eu-west-1/);
  const u = stack();
  expect(() => new BackupAndRecovery(u, 'B', {
    copyToSecondRegion: true, secondRegionVault: backup.BackupVault.fromBackupVaultArn(u, 'OtherTokenAccount', `arn:aws:backup:us-west-2:${Aws.ACCOUNT_ID}:backup-vault:x`),
  })).not.toThrow();
});

test('null props are the defaults, not a TypeError', () => {
  expect(new BackupAndRecovery(stack(), 'B', null as never).retentionDays).toBe(90);
});

test('AWS cron expressions: valid forms pass, each kind of mistake is named', () => {
  for (const ok of ['cron(0 3 * * ? *)', 'cron(0/15 8-17 ? * MON-FRI *)', 'cron(0 0 L * ? *)', 'cron(0 12 ? * 2#1 2030)', 'cron(5,35 1 15W JAN,JUL ? *)']) {
    expect(awsCronProblem(ok)).toBeUndefined();
  }
  expect(awsCronProblem('cron(60 3 * * ? *)')).toMatch(/invalid minutes field '60'/);
  expect(awsCronProblem('cron(0 3 * 13 ? *)')).toMatch(/invalid month field '13'/);
  expect(awsCronProblem('cron(0 3 ? * FUNDAY *)')).toMatch(/invalid day-of-week field 'FUNDAY'/);
  expect(awsCronProblem(42)).toMatch(/must be a string/);
});

test.each([
  ['INDUSTRIAL', RiskProfile.INDUSTRIAL],
  ['CONSUMER', RiskProfile.CONSUMER],
  ['CRITICAL_INFRASTRUCTURE', RiskProfile.CRITICAL_INFRASTRUCTURE],
])('%s passes IotSecurityChecks, AwsSolutionsChecks and the CloudFormation validator with no unacknowledged finding', (_, riskProfile) => {
  const app = newValidatedApp();
  const s = new Stack(app, 'S');
  new BackupAndRecovery(s, 'B', { riskProfile, secondRegionVault: drVault(s) });
  expect(validationFindings(app)).toEqual([]);
});

test('overrides: your own key and topic; an air-gapped vault on any profile takes the plan\'s retention as its minimum', () => {
  const s = stack();
  const key = new kms.Key(s, 'MyKey', { enableKeyRotation: true });
  const topic = new sns.Topic(s, 'MyTopic', { masterKey: key, enforceSSL: true });
  const b = new BackupAndRecovery(s, 'B', { encryptionKey: key, notificationTopic: topic, airGappedVault: true, airGappedMaxRetentionDays: 400 });
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::KMS::Key', 1);
  t.resourceCountIs('AWS::SNS::Topic', 1);
  t.hasResourceProperties('AWS::Backup::BackupVault', {
    EncryptionKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MyKey'), 'Arn'] },
    Notifications: Match.objectLike({ SNSTopicArn: { Ref: Match.stringLikeRegexp('^MyTopic') } }),
  });
  t.hasResourceProperties('AWS::Backup::LogicallyAirGappedBackupVault', { MinRetentionDays: 90, MaxRetentionDays: 400 });
  t.hasResourceProperties('AWS::Backup::LogicallyAirGappedBackupVault', { EncryptionKeyArn: Match.absent() });
  expect(b.encryptionKey).toBe(key);
  expect(b.notificationTopic).toBe(topic);
});

describe('confused deputy and retention (issue 18, items 6 and 7)', () => {
  const vaultArn = (t: Template) => {
    const [id, vault] = Object.entries(t.findResources('AWS::Backup::BackupVault'))[0];
    expect(id).toMatch(/^BVault/);
    return `arn:aws:backup:eu-west-1:111122223333:backup-vault:${vault.Properties.BackupVaultName}`;
  };

  test('AWS Backup may publish to the notification topic, and use its key, only for this vault of this account', () => {
    const s = stack();
    new BackupAndRecovery(s, 'B');
    const t = Template.fromStack(s);
    const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${vaultArn(t).split(':').slice(2).join(':')}`]] };
    const bounded = { StringEquals: { 'aws:SourceAccount': '111122223333' }, ArnLike: { 'aws:SourceArn': arn } };
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' }, Action: 'sns:Publish', Condition: bounded })]) },
    });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' }, Condition: bounded })]) },
    });
    // The vault still announces its failed jobs on the topic, and the ARN in the conditions is its own.
    t.hasResourceProperties('AWS::Backup::BackupVault', {
      Notifications: { SNSTopicArn: { Ref: Match.stringLikeRegexp('^BNotifications') }, BackupVaultEvents: Match.arrayWith(['BACKUP_JOB_FAILED', 'COPY_JOB_FAILED', 'RESTORE_JOB_COMPLETED']) },
    });
    expect(confusedDeputyFindingsOf(t.toJSON(), 'aws://111122223333/eu-west-1')).toEqual([]);
  });

  test('every data-holding resource, and its key, is retained', () => {
    const s = stack();
    critical(s);
    expect(retentionFindingsOf(Template.fromStack(s).toJSON())).toEqual([]);
  });
});
