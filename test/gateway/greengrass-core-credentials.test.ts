import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AssetTags, Criticality, GreengrassCoreCredentials, RiskProfile } from '../../lib';
import { accessLogBucket, secureBucket, secureKey, secureLogGroup } from '../../lib/core/private/secure-defaults';
import { newValidatedApp, validationFindings } from '../validation';

function stack(app: App = new App()): Stack {
  const s = new Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
  AssetTags.apply(s, { criticality: Criticality.HIGH, owner: 'ops' });
  return s;
}
const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iot:eu-west-1:111122223333:${resource}`]] });

test('the core IoT policy is AWS\'s minimal core device policy, scoped to this core\'s thing name', () => {
  const s = stack();
  const core = new GreengrassCoreCredentials(s, 'Core', { coreDeviceThingName: 'line-1-core', roleAliasName: 'Line1Tes' });
  Template.fromStack(s).hasResourceProperties('AWS::IoT::Policy', {
    PolicyName: 'line-1-core-GreengrassCore',
    PolicyDocument: {
      Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client/line-1-core*') },
        {
          Effect: 'Allow',
          Action: ['iot:Receive', 'iot:Publish'],
          Resource: [
            arn('topic/$aws/things/line-1-core/greengrass/health/json'), arn('topic/$aws/things/line-1-core/greengrassv2/health/json'),
            arn('topic/$aws/things/line-1-core/jobs/*'), arn('topic/$aws/things/line-1-core/shadow/*'),
          ],
        },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [arn('topicfilter/$aws/things/line-1-core/jobs/*'), arn('topicfilter/$aws/things/line-1-core/shadow/*')] },
        { Effect: 'Allow', Action: ['iot:GetThingShadow', 'iot:UpdateThingShadow', 'iot:DeleteThingShadow'], Resource: arn('thing/line-1-core') },
        { Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: arn('rolealias/Line1Tes') },
        {
          Effect: 'Allow',
          Action: ['greengrass:GetComponentVersionArtifact', 'greengrass:ResolveComponentCandidates', 'greengrass:GetDeploymentConfiguration', 'greengrass:ListThingGroupsForCoreDevice'],
          Resource: '*',
        },
      ],
    },
  });
  expect(core.corePolicyName).toBe('line-1-core-GreengrassCore');
  expect(core.credentials.roleAliasName).toBe('Line1Tes');
});

test('the token exchange role: nothing without buckets or log groups; named ones only when given', () => {
  const s = stack();
  new GreengrassCoreCredentials(s, 'Bare', { coreDeviceThingName: 'core-a' });
  Template.fromStack(s).resourceCountIs('AWS::IAM::Policy', 0);

  const s2 = stack();
  const key = secureKey(s2, 'Key', { description: 'test' });
  const artifacts = secureBucket(s2, 'Artifacts', { encryptionKey: key, serverAccessLogsBucket: accessLogBucket(s2, 'Logs') });
  const logGroup = secureLogGroup(s2, 'Components', { encryptionKey: key, logGroupName: '/aws/greengrass/UserComponent/eu-west-1/com.example.Sensor' });
  new GreengrassCoreCredentials(s2, 'Core', { coreDeviceThingName: 'core-a', artifactBuckets: [artifacts], logGroups: [logGroup], riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE });
  const t = Template.fromStack(s2);
  t.hasResourceProperties('AWS::IoT::RoleAlias', { CredentialDurationSeconds: 900 });
  const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
  expect(statements).toEqual([
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Components/), 'Arn'] } },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Artifacts/), 'Arn'] }, '/*']] } },
    { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Artifacts/), 'Arn'] } },
    { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] }, Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } } },
  ]);
  t.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'credentials.iot.amazonaws.com' } })] } });
});

describe('rejected input', () => {
  test('a missing or malformed thing name, a wildcard action, and null props', () => {
    expect(() => new GreengrassCoreCredentials(stack(), 'Core', {} as never)).toThrow(/S\/Core: coreDeviceThingName must be 1-128 letters, digits, ':', '_' or '-', got undefined/);
    expect(() => new GreengrassCoreCredentials(stack(), 'Core', null as never)).toThrow(/coreDeviceThingName must be/);
    expect(() => new GreengrassCoreCredentials(stack(), 'Core', { coreDeviceThingName: 'core/*' })).toThrow(/got "core\/\*"/);
    expect(() => new GreengrassCoreCredentials(stack(), 'Core', { coreDeviceThingName: 'c', statements: [new iam.PolicyStatement({ actions: ['greengrass:*'], resources: ['*'] })] }))
      .toThrow(/action "greengrass:\*" has a wildcard/);
    expect(() => new GreengrassCoreCredentials(stack(), 'Core', { coreDeviceThingName: 'c', credentialDurationSec: 4000 })).toThrow(/credentialDurationSec must be an integer from 900 to 3600/);
  });
});

test.each(RiskProfile.PRESETS.map((p) => [p.name, p]))('no unacknowledged finding from any validator (%s)', (_name, profile) => {
  const app = newValidatedApp();
  const s = stack(app);
  const key = secureKey(s, 'Key', { description: 'test' });
  const artifacts = secureBucket(s, 'Artifacts', { encryptionKey: key, serverAccessLogsBucket: accessLogBucket(s, 'Logs') });
  const logGroup = secureLogGroup(s, 'Components', { encryptionKey: key });
  new GreengrassCoreCredentials(s, 'Core', { coreDeviceThingName: 'core-a', artifactBuckets: [artifacts], logGroups: [logGroup], riskProfile: profile as RiskProfile });
  expect(validationFindings(app)).toEqual([]);
});
