import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  accessLogBucket, handlerBundleDir, HANDLER_RUNTIME, latestNodeRuntime, secureBucket, secureFunction, secureKey, secureLogGroup, secureTopic,
} from '../../lib/core/private/secure-defaults';

function stack(context: { [key: string]: unknown } = {}) {
  return new Stack(new App({ context }), 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
}

test('keys rotate, are retained and wait 30 days before deletion', () => {
  const s = stack();
  secureKey(s, 'Key', { description: 'test' });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, PendingWindowInDays: 30, Description: 'test' });
  t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
});

test('a removal policy given explicitly wins', () => {
  const s = stack();
  secureKey(s, 'Key', { description: 'test', removalPolicy: RemovalPolicy.DESTROY });
  Template.fromStack(s).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
});

test('log groups are KMS-encrypted, kept a year by default, retained; Logs may use the key only for log groups', () => {
  const s = stack();
  const key = secureKey(s, 'Key', { description: 'k' });
  secureLogGroup(s, 'Logs', { encryptionKey: key });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } });
  t.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  t.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([Match.objectLike({
        Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
      })]),
    },
  });
  const statements = Object.values(t.findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement;
  const logsStatement = statements.find((st: { Principal?: { Service?: string } }) => st.Principal?.Service?.startsWith('logs.'));
  expect(JSON.stringify(logsStatement.Condition.ArnLike)).toMatch(/:logs:eu-west-1:111122223333:log-group:\*"/);
});

test('buckets: customer key with bucket key, versioned, TLS 1.2+, public access blocked, logged, retained', () => {
  const s = stack({ '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true });
  const key = secureKey(s, 'Key', { description: 'k' });
  const logs = accessLogBucket(s, 'AccessLogs');
  secureBucket(s, 'Data', { encryptionKey: key, serverAccessLogsBucket: logs });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::S3::Bucket', {
    BucketEncryption: { ServerSideEncryptionConfiguration: [{
      BucketKeyEnabled: true,
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
    }] },
    VersioningConfiguration: { Status: 'Enabled' },
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'Data/' },
    OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
  });
  t.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  // enforceSSL and minimumTLSVersion: both buckets deny plain HTTP and TLS below 1.2.
  const policies = t.findResources('AWS::S3::BucketPolicy');
  expect(Object.keys(policies)).toHaveLength(2);
  for (const p of Object.values(policies)) {
    const statements = JSON.stringify(p.Properties.PolicyDocument.Statement);
    expect(statements).toContain('"aws:SecureTransport":"false"');
    expect(statements).toContain('"s3:TlsVersion":1.2');
  }
});

test('without the bucket-policy feature flag the access log bucket falls back to ACL delivery', () => {
  const s = stack();
  const logs = accessLogBucket(s, 'AccessLogs');
  secureBucket(s, 'Data', { encryptionKey: secureKey(s, 'Key', { description: 'k' }), serverAccessLogsBucket: logs });
  Template.fromStack(s).hasResourceProperties('AWS::S3::Bucket', {
    AccessControl: 'LogDeliveryWrite',
    OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
  });
});

test('topics are encrypted with the customer key and refuse publishing without TLS', () => {
  const s = stack();
  const key = secureKey(s, 'Key', { description: 'k' });
  secureTopic(s, 'Topic', { masterKey: key });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } });
  t.hasResourceProperties('AWS::SNS::TopicPolicy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
  });
});

test('functions: Node.js 22+, own encrypted log group, own role without managed policies, writing only to that log group', () => {
  const s = stack();
  const key = secureKey(s, 'Key', { description: 'k' });
  secureFunction(s, 'Fn', { handlerName: 'fleet-indexing', description: 'd', encryptionKey: key });
  const t = Template.fromStack(s);
  const fn = Object.values(t.findResources('AWS::Lambda::Function'))[0];
  expect(Number(/^nodejs(\d+)/.exec(fn.Properties.Runtime)![1])).toBeGreaterThanOrEqual(22);
  expect(fn.Properties.LoggingConfig.LogGroup.Ref).toMatch(/^FnLogGroup/);
  const role = Object.values(t.findResources('AWS::IAM::Role'))[0];
  expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  const policy = Object.values(t.findResources('AWS::IAM::Policy'))[0];
  for (const st of policy.Properties.PolicyDocument.Statement) {
    expect(JSON.stringify(st.Resource)).toContain('FnLogGroup');
    expect(JSON.stringify(st.Action)).not.toMatch(/\*/);
  }
});

test('a handler that was not bundled is a clear error', () => {
  expect(() => handlerBundleDir('no-such-handler')).toThrow(/the Lambda handler 'no-such-handler' is not bundled .* run 'npm run bundle'/);
});

describe('the handlers\' runtime', () => {
  test('is the newest Node.js the loaded aws-cdk-lib lists, a fixed runtime, not NODEJS_LATEST', () => {
    const majors = lambda.Runtime.ALL.map((r) => /^nodejs(\d+)\.x$/.exec(r.name)).filter((m) => m).map((m) => Number(m![1]));
    expect(HANDLER_RUNTIME.name).toBe(`nodejs${Math.max(...majors)}.x`);
    expect(HANDLER_RUNTIME.isVariable).toBe(false);
    expect(HANDLER_RUNTIME.family).toBe(lambda.RuntimeFamily.NODEJS);
  });

  test('follows a newer aws-cdk-lib, and never drops below Node.js 22 (what the bundles target)', () => {
    const runtimes = [lambda.Runtime.NODEJS_20_X, lambda.Runtime.NODEJS_22_X, lambda.Runtime.PYTHON_3_13];
    expect(latestNodeRuntime(runtimes).name).toBe('nodejs22.x');
    const future = new lambda.Runtime('nodejs30.x', lambda.RuntimeFamily.NODEJS);
    expect(latestNodeRuntime([...runtimes, future])).toBe(future);
    expect(latestNodeRuntime([lambda.Runtime.NODEJS_18_X, lambda.Runtime.NODEJS_20_X]).name).toBe('nodejs22.x');
    expect(latestNodeRuntime([]).name).toBe('nodejs22.x');
  });

  test('passes cdk-nag\'s AwsSolutions-L1 when the app\'s aws-cdk-lib knows a Node.js newer than the one this library was built with', () => {
    // A fresh module registry stands for an app on a newer aws-cdk-lib: its Runtime.ALL lists nodejs30.x.
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
      const freshLambda = require('aws-cdk-lib/aws-lambda') as typeof lambda;
      new freshLambda.Runtime('nodejs30.x', freshLambda.RuntimeFamily.NODEJS);
      const defaults = require('../../lib/core/private/secure-defaults') as typeof import('../../lib/core/private/secure-defaults');
      const { LambdaLatestVersion } = require('cdk-nag/lib/rules/lambda') as { LambdaLatestVersion: (node: unknown) => string };
      const { NagRuleCompliance } = require('cdk-nag') as typeof import('cdk-nag');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const s = new cdk.Stack(new cdk.App(), 'S');
      const fn = defaults.secureFunction(s, 'Fn', { handlerName: 'fleet-indexing', description: 'd', encryptionKey: defaults.secureKey(s, 'Key', { description: 'k' }) });
      const cfn = fn.node.defaultChild as lambda.CfnFunction;
      expect(cfn.runtime).toBe('nodejs30.x');
      expect(LambdaLatestVersion(cfn)).toBe(NagRuleCompliance.COMPLIANT);
    });
  });
});
