import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AssetTags, Criticality, GatewayCredentials, RiskProfile } from '../../lib';
import { accessLogBucket, secureBucket, secureKey, secureLogGroup } from '../../lib/core/private/secure-defaults';
import { newValidatedApp, validationFindings } from '../validation';

function stack(app: App = new App()): Stack {
  const s = new Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
  AssetTags.apply(s, { criticality: Criticality.HIGH, owner: 'ops' });
  return s;
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
function statementsOf(s: Stack): Statement[] {
  return Object.values(Template.fromStack(s).findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
}
const actionsOf = (st: Statement) => ([] as string[]).concat(st.Action);

test('defaults: a role alias with the profile\'s lifetime, a role only the credentials provider assumes, granting nothing', () => {
  const s = stack();
  const g = new GatewayCredentials(s, 'Gateways', { roleAliasName: 'GatewayAlias' });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IoT::RoleAlias', {
    RoleAlias: 'GatewayAlias',
    CredentialDurationSeconds: 3600,
    RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('TokenExchangeRole'), 'Arn'] },
  });
  t.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'credentials.iot.amazonaws.com' } }] },
    ManagedPolicyArns: Match.absent(),
  });
  t.resourceCountIs('AWS::IAM::Policy', 0);
  expect(g.credentialDurationSec).toBe(3600);
  expect(g.roleAliasName).toBe('GatewayAlias');
});

test('the gateway IoT policy allows iot:AssumeRoleWithCertificate on this alias only', () => {
  const s = stack();
  const g = new GatewayCredentials(s, 'Gateways', { roleAliasName: 'GatewayAlias' });
  Template.fromStack(s).hasResourceProperties('AWS::IoT::Policy', {
    PolicyName: 'GatewayAlias-Gateway',
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Action: 'iot:AssumeRoleWithCertificate',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iot:eu-west-1:111122223333:rolealias/GatewayAlias']] },
      }],
    },
  });
  expect(g.gatewayPolicyName).toBe('GatewayAlias-Gateway');
});

test('lifetime from the profile (CRITICAL_INFRASTRUCTURE: 900 s); an explicit value wins', () => {
  const s = stack();
  new GatewayCredentials(s, 'Critical', { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE, roleAliasName: 'A' });
  new GatewayCredentials(s, 'Explicit', { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE, roleAliasName: 'B', credentialDurationSec: 1800 });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IoT::RoleAlias', { RoleAlias: 'A', CredentialDurationSeconds: 900 });
  t.hasResourceProperties('AWS::IoT::RoleAlias', { RoleAlias: 'B', CredentialDurationSeconds: 1800 });
});

test('grants are scoped to the calling gateway with ${credentials-iot:ThingName}, keys used through their service only', () => {
  const s = stack();
  const key = secureKey(s, 'Key', { description: 'test' });
  const bucket = secureBucket(s, 'Bucket', { encryptionKey: key, serverAccessLogsBucket: accessLogBucket(s, 'Logs') });
  const table = new dynamodb.TableV2(s, 'Table', { partitionKey: { name: 'thing', type: dynamodb.AttributeType.STRING } });
  const g = new GatewayCredentials(s, 'Gateways');
  g.grantReadThingObjects(bucket, 'config/');
  g.grantWriteThingObjects(bucket);
  g.grantWriteThingLogs(secureLogGroup(s, 'LogGroup', { encryptionKey: key }));
  g.grantReadWriteThingItems(table);
  const statements = statementsOf(s);
  const get = statements.find((st) => actionsOf(st).includes('s3:GetObject'))!;
  expect(get.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Bucket/), 'Arn'] }, '/config/${credentials-iot:ThingName}/*']] });
  const put = statements.find((st) => actionsOf(st).includes('s3:PutObject'))!;
  expect(JSON.stringify(put.Resource)).toContain('/${credentials-iot:ThingName}/*');
  const putEvents = statements.find((st) => actionsOf(st).includes('logs:PutLogEvents'))!;
  expect(JSON.stringify(putEvents.Resource)).toContain(':log-stream:${credentials-iot:ThingName}');
  expect(actionsOf(putEvents)).toEqual(['logs:PutLogEvents']);
  const createStream = statements.find((st) => actionsOf(st).includes('logs:CreateLogStream'))!;
  expect(createStream.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LogGroup/), 'Arn'] });
  const items = statements.find((st) => actionsOf(st).includes('dynamodb:PutItem'))!;
  expect(items.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['${credentials-iot:ThingName}'] } });
  const kms = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('kms:')));
  expect(kms.map((st) => st.Condition)).toEqual([
    { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
    { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
  ]);
  for (const st of statements) {
    expect(actionsOf(st).every((a) => !a.includes('*'))).toBe(true);
    expect(st.Resource).not.toBe('*');
  }
});

test('statements passed in and added later land on the role', () => {
  const s = stack();
  const bucket = s3.Bucket.fromBucketName(s, 'B', 'firmware');
  const g = new GatewayCredentials(s, 'Gateways', { statements: [new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] })] });
  g.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:DescribeJob'], resources: ['arn:aws:iot:eu-west-1:111122223333:job/update-1'] }));
  expect(statementsOf(s).map((st) => st.Action)).toEqual(['s3:ListBucket', 'iot:DescribeJob']);
});

describe('rejected input', () => {
  test('a credential lifetime out of range', () => {
    expect(() => new GatewayCredentials(stack(), 'G', { credentialDurationSec: 7200 }))
      .toThrow(/S\/G: credentialDurationSec must be an integer from 900 to 3600 .*got 7200/);
    expect(() => new GatewayCredentials(stack(), 'G', { credentialDurationSec: 899 })).toThrow(/credentialDurationSec must be an integer from 900 to 3600/);
    // A profile cannot carry more than an hour either: RiskProfile.custom holds the same floor.
    expect(() => RiskProfile.custom({ name: 'long', credentialDurationSec: 43200 })).toThrow(/credentialDurationSec must be an integer from 900 to 3600 seconds, got 43200/);
  });
  test('wildcard actions and services, NotAction and administration services', () => {
    const make = (st: iam.PolicyStatement) => () => new GatewayCredentials(stack(), 'G', { statements: [st] });
    expect(make(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['arn:aws:s3:::b/*'] })))
      .toThrow(/S\/G: action "s3:\*" has a wildcard; name each action the gateways call/);
    expect(make(new iam.PolicyStatement({ actions: ['*'], resources: ['*'] }))).toThrow(/action "\*" has a wildcard/);
    expect(make(new iam.PolicyStatement({ actions: ['s3:Get*'], resources: ['arn:aws:s3:::b/*'] }))).toThrow(/action "s3:Get\*" has a wildcard/);
    expect(make(new iam.PolicyStatement({ notActions: ['s3:DeleteObject'], resources: ['*'] }))).toThrow(/NotAction is not allowed/);
    expect(make(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: ['*'] }))).toThrow(/action "iam:PassRole" belongs to an account administration service/);
    const g = new GatewayCredentials(stack(), 'G');
    expect(() => g.addToRolePolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: ['*'] }))).toThrow(/S\/G: statements: action "sts:AssumeRole" belongs/);
    expect(() => g.grantReadThingObjects(s3.Bucket.fromBucketName(g, 'B', 'bbb'), 'a*')).toThrow(/prefix must be a key prefix without '\*' or '\?', got "a\*"/);
  });
  test('a bad role alias name; problems reported together', () => {
    expect(() => new GatewayCredentials(stack(), 'G', { roleAliasName: 'has space', credentialDurationSec: 60 }))
      .toThrow(/credentialDurationSec must be .* got 60; roleAliasName must be 1-128 letters, digits, '=', ',', '@', '_' or '-', got "has space"/);
  });
  test('null props take the defaults instead of a TypeError', () => {
    expect(() => new GatewayCredentials(stack(), 'G', null as never)).not.toThrow();
  });
});

test.each(RiskProfile.PRESETS.map((p) => [p.name, p]))('no unacknowledged finding from any validator (%s, every grant)', (_name, profile) => {
  const app = newValidatedApp();
  const s = stack(app);
  const key = secureKey(s, 'Key', { description: 'test' });
  const bucket = secureBucket(s, 'Bucket', { encryptionKey: key, serverAccessLogsBucket: accessLogBucket(s, 'Logs') });
  const g = new GatewayCredentials(s, 'Gateways', { riskProfile: profile as RiskProfile });
  g.grantReadThingObjects(bucket, 'config/');
  g.grantWriteThingObjects(bucket, 'uploads/');
  g.grantWriteThingLogs(secureLogGroup(s, 'LogGroup', { encryptionKey: key }));
  g.grantWriteThingLogs(logs.LogGroup.fromLogGroupName(s, 'Imported', '/gateways/imported'));
  expect(validationFindings(app)).toEqual([]);
});

test('a bucket of another stack: the grant\'s acknowledgment names the import cdk-nag sees', () => {
  const app = newValidatedApp();
  const env = { account: '111122223333', region: 'eu-west-1' };
  const storage = new Stack(app, 'Storage', { env });
  const key = secureKey(storage, 'Key', { description: 'test' });
  const bucket = secureBucket(storage, 'Bucket', { encryptionKey: key, serverAccessLogsBucket: accessLogBucket(storage, 'Logs') });
  const s = new Stack(app, 'Gateways', { env });
  AssetTags.apply(app, { criticality: Criticality.HIGH, owner: 'ops' });
  new GatewayCredentials(s, 'Gateways').grantReadThingObjects(bucket, 'config/');
  const findings = validationFindings(app);
  expect(findings.filter((f) => f.rule.startsWith('AwsSolutions'))).toEqual([]);
  // IotSecurityChecks cannot read an ARN imported from another stack, and says so rather than pass it.
  expect(findings.map((f) => f.rule)).toEqual(['IoTSecurity-GW1[Unresolved::Resource]']);
});
