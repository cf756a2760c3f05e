import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import { displayValue } from '../../lib/checks/private/display';
import { IoTCredentialsSharedData as GW5, IoTPolicyDataPlaneScopedToThing as ID2, IoTRoleAliasLeastPrivilege as GW1 } from '../../lib/checks/rules';
import { check, checkType, includeTemplate, newStack } from './rule-test-helpers';

/*
 * One cause, one finding, one ID: finding IDs are what users acknowledge, so the same value reads
 * the same in every rule and whatever intrinsic wrote it, and two different values never read alike.
 */

describe('displayValue', () => {
  test('the same ARN reads the same as a literal, an Fn::Sub and an Fn::Join', () => {
    const sub = { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Bucket}/*' };
    const join = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Bucket' }, '/*']] };
    expect(displayValue(sub)).toBe('arn:${AWS::Partition}:s3:::${Bucket}/*');
    expect(displayValue(join)).toBe(displayValue(sub));
    expect(displayValue({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, '/*']] })).toBe(displayValue({ 'Fn::Sub': '${Bucket.Arn}/*' }));
    expect(displayValue('arn:aws:s3:::b/${credentials-iot:ThingName}/*')).toBe('arn:aws:s3:::b/${credentials-iot:ThingName}/*');
  });

  test('different values never read alike: two references, two parameters, two imports', () => {
    const a = displayValue({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${BucketA}/*' });
    const b = displayValue({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${BucketB}/*' });
    expect(a).not.toBe(b);
    expect(displayValue({ 'Fn::Join': ['', [{ 'Fn::ImportValue': 'A' }, '/*']] })).toBe('${Fn::ImportValue:A}/*');
    expect(displayValue({ 'Fn::ImportValue': 'A' })).not.toBe(displayValue({ 'Fn::ImportValue': 'B' }));
  });
});

const TRUST = { Statement: [{ Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' }, Action: 'sts:AssumeRole' }] };

describe('finding IDs across rules', () => {
  test('GW1, GW5 and ID2 write a pseudo parameter of an ARN the same way', () => {
    const stack = newStack();
    const arn = { 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topic/*' };
    includeTemplate(stack, {
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: arn }] } }] } },
        Alias: { Type: 'AWS::IoT::RoleAlias', Properties: { RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] }, CredentialDurationSeconds: 900 } },
        Policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: arn }] } } },
      },
    });
    const shown = 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topic/*';
    expect(checkType(GW1, stack, 'AWS::IoT::RoleAlias')).toContain(`Resource::${shown}`);
    expect(checkType(ID2, stack, 'AWS::IoT::Policy')).toContain(`Resource::${shown}`);
  });

  test('GW5: two bucket parameters built into ARNs with Fn::Sub are two findings (they read alike as arn:{?}:s3:::{?}/* before)', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Parameters: { BucketA: { Type: 'String' }, BucketB: { Type: 'String' } },
      Resources: {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: TRUST,
            Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [
              { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${BucketA}/*' } },
              { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${BucketB}/*' } },
            ] } }],
          },
        },
      },
    });
    expect(checkType(GW5, stack, 'AWS::IAM::Role')).toEqual([
      'SharedData::arn:${AWS::Partition}:s3:::${BucketA}/*',
      'SharedData::arn:${AWS::Partition}:s3:::${BucketB}/*',
    ]);
  });

  test('GW5 reports one shared resource once, whatever the actions and statements granting on it', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Device', { assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: ['arn:aws:s3:::telemetry/*'] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObjectVersion'], resources: ['arn:aws:s3:::telemetry/*'] }));
    new iot.CfnRoleAlias(stack, 'Alias', { roleArn: role.roleArn, credentialDurationSeconds: 900 });
    expect(check(GW5, role.node.defaultChild as iam.CfnRole)).toEqual(['SharedData::arn:aws:s3:::telemetry/*']);
  });
});
