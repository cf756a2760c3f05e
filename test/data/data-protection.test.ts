import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AssetTags, Criticality, DataCategory, DataProtection, RiskProfile } from '../../lib';
import { newValidatedApp, validationFindings } from '../validation';

function stack(app = new App(), id = 'S', env?: { account: string; region: string }) {
  return new Stack(app, id, { env });
}

test('defaults (INDUSTRIAL): one rotating, retained key per category', () => {
  const s = stack();
  const dp = new DataProtection(s, 'DP');
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::KMS::Key', 5);
  t.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true, PendingWindowInDays: 30 });
  for (const key of Object.values(t.findResources('AWS::KMS::Key'))) {
    expect(key.DeletionPolicy).toBe('Retain');
  }
  expect(dp.categories).toEqual(['telemetry', 'configuration', 'firmware', 'logs', 'backups']);
  const keys = new Set(Object.values(DataCategory).map((c) => dp.keyFor(c)));
  expect(keys.size).toBe(5);
});

test('CONSUMER shares one key across categories; keyPerCategory overrides the profile either way', () => {
  const s = stack();
  const dp = new DataProtection(s, 'DP', { riskProfile: RiskProfile.CONSUMER });
  Template.fromStack(s).resourceCountIs('AWS::KMS::Key', 1);
  expect(dp.keyFor(DataCategory.TELEMETRY)).toBe(dp.keyFor(DataCategory.BACKUPS));

  const s2 = stack(new App());
  new DataProtection(s2, 'DP', { riskProfile: RiskProfile.CONSUMER, keyPerCategory: true });
  Template.fromStack(s2).resourceCountIs('AWS::KMS::Key', 5);

  const s3 = stack(new App());
  new DataProtection(s3, 'DP', { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE, keyPerCategory: false });
  Template.fromStack(s3).resourceCountIs('AWS::KMS::Key', 1);
});

test('IoT Core data at rest is under the configuration key, through a role only IoT of this account may assume', () => {
  const s = stack(new App(), 'S', { account: '111122223333', region: 'eu-west-1' });
  const dp = new DataProtection(s, 'DP');
  const t = Template.fromStack(s);
  const keyId = s.getLogicalId(dp.keyFor(DataCategory.CONFIGURATION).node.defaultChild as never);
  t.hasResourceProperties('AWS::IoT::EncryptionConfiguration', {
    EncryptionType: 'CUSTOMER_MANAGED_KMS_KEY',
    KmsKeyArn: { 'Fn::GetAtt': [keyId, 'Arn'] },
    KmsAccessRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('IotKmsAccessRole'), 'Arn'] },
  });
  t.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } } }],
    },
  });
  const policy = Object.values(t.findResources('AWS::IAM::Policy'))[0];
  expect(policy.Properties.PolicyDocument.Statement).toEqual([{
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:DescribeKey'],
    Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
  }]);
  const config = Object.values(t.findResources('AWS::IoT::EncryptionConfiguration'))[0];
  expect(config.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/IotKmsAccessRoleDefaultPolicy/)]));
});

test('iotCoreEncryption: false leaves the account setting alone and claims nothing', () => {
  const app = new App();
  const s = stack(app, 'A');
  new DataProtection(s, 'DP', { iotCoreEncryption: false });
  Template.fromStack(s).resourceCountIs('AWS::IoT::EncryptionConfiguration', 0);
  expect(() => new DataProtection(stack(app, 'B'), 'DP')).not.toThrow();
});

test('the logs key lets CloudWatch Logs of this account use it, for log groups only; the others name no service', () => {
  const s = stack(new App(), 'S', { account: '111122223333', region: 'eu-west-1' });
  const dp = new DataProtection(s, 'DP');
  const t = Template.fromStack(s);
  const logsKey = t.toJSON().Resources[s.getLogicalId(dp.keyFor(DataCategory.LOGS).node.defaultChild as never)];
  expect(JSON.stringify(logsKey.Properties.KeyPolicy)).toContain('logs.eu-west-1.amazonaws.com');
  expect(JSON.stringify(logsKey.Properties.KeyPolicy)).toContain('kms:EncryptionContext:aws:logs:arn');
  const telemetryKey = t.toJSON().Resources[s.getLogicalId(dp.keyFor(DataCategory.TELEMETRY).node.defaultChild as never)];
  expect(JSON.stringify(telemetryKey.Properties.KeyPolicy)).not.toContain('amazonaws.com');
});

test('grants give a consumer use of one category\'s key only', () => {
  const s = stack();
  const dp = new DataProtection(s, 'DP');
  const reader = new iam.Role(s, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  dp.grantDecrypt(DataCategory.TELEMETRY, reader);
  dp.grantEncrypt(DataCategory.FIRMWARE, reader);
  dp.grantEncryptDecrypt(DataCategory.BACKUPS, reader);
  const t = Template.fromStack(s);
  const policy = Object.values(t.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles).includes('Reader'))!;
  const statements = policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: { 'Fn::GetAtt': string[] } }[];
  const keyOf = (c: DataCategory) => s.getLogicalId(dp.keyFor(c).node.defaultChild as never);
  expect(statements.map((st) => st.Resource['Fn::GetAtt'][0])).toEqual([keyOf(DataCategory.TELEMETRY), keyOf(DataCategory.FIRMWARE), keyOf(DataCategory.BACKUPS)]);
  expect(statements[0].Action).toBe('kms:Decrypt');
});

test('a category without a key is an error naming the categories there are', () => {
  const dp = new DataProtection(stack(), 'DP', { categories: [DataCategory.CONFIGURATION, DataCategory.LOGS] });
  expect(() => dp.keyFor(DataCategory.FIRMWARE)).toThrow(/S\/DP: DataProtection has no key for data category "firmware"; its categories are configuration, logs/);
});

test('one IoT encryption configuration per account and region', () => {
  const app = new App();
  new DataProtection(stack(app, 'A'), 'DP');
  expect(() => new DataProtection(stack(app, 'B'), 'DP')).toThrow(/B\/DP: the IoT encryption configuration of account <any account>, region <any region> may be the one A\/DP/);
});

test.each([
  [{ categories: [] }, /categories must be a non-empty list of telemetry, configuration, firmware, logs, backups, got \[\]/],
  [{ categories: ['video' as DataCategory] }, /categories: each must be one of telemetry, configuration, firmware, logs, backups, got "video"/],
  [{ categories: [DataCategory.CONFIGURATION, DataCategory.CONFIGURATION] }, /categories: configuration listed twice/],
  [{ categories: [DataCategory.TELEMETRY] }, /categories must include configuration while iotCoreEncryption is on/],
  [{ keyPerCategory: 'yes' as unknown as boolean }, /keyPerCategory must be true or false, got "yes"/],
  [{ iotCoreEncryption: 1 as unknown as boolean }, /iotCoreEncryption must be true or false, got 1/],
  [{ riskProfile: 'CONSUMER' as unknown as RiskProfile }, /riskProfile must be a RiskProfile, got "CONSUMER"/],
])('rejects %j', (props, message) => {
  expect(() => new DataProtection(stack(), 'DP', props)).toThrow(new RegExp(`^S/DP: DataProtection: .*${message.source}`));
});

test('null props are the defaults', () => {
  const s = stack();
  new DataProtection(s, 'DP', null as never);
  Template.fromStack(s).resourceCountIs('AWS::KMS::Key', 5);
});

test.each(RiskProfile.PRESETS.map((p) => [p.name, p]))('passes every validator with no unacknowledged finding (%s)', (_, riskProfile) => {
  const app = newValidatedApp();
  const s = new Stack(app, 'S');
  AssetTags.apply(s, { criticality: Criticality.HIGH, owner: 'iot-platform' });
  new DataProtection(s, 'DP', { riskProfile });
  expect(validationFindings(app)).toEqual([]);
});
