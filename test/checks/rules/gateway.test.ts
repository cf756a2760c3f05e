import { App, CfnParameter, CfnResource, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DEVICE_SAFE_AWS_MANAGED_POLICIES } from '../../../lib/checks/private/iam-policy';
import { IoTRoleAliasCredentialDuration, IoTRoleAliasLeastPrivilege } from '../../../lib/checks/rules/gateway';
import { check, checkType, COMPLIANT, includeTemplate, newStack, NON_COMPLIANT, NOT_APPLICABLE } from '../rule-test-helpers';

const TYPE = 'AWS::IoT::RoleAlias';
const TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const IS_PROD = { IsProd: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } };

function gatewayRole(stack: Stack, id = 'GatewayRole'): iam.Role {
  return new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com') });
}

function alias(stack: Stack, role: iam.IRole, id = 'Alias'): iot.CfnRoleAlias {
  return new iot.CfnRoleAlias(stack, id, { roleArn: role.roleArn, roleAlias: id });
}

describe('GW1 IoTRoleAliasLeastPrivilege', () => {
  test('Noncompliance 1: s3:* on * added to the role with an L2 grant (AWS::IAM::Policy naming the role)', () => {
    const stack = newStack();
    const role = gatewayRole(stack);
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    // s3:* grants s3:PutBucketPolicy, which the IAM dataset files under Permissions management.
    expect(check(IoTRoleAliasLeastPrivilege, alias(stack, role))).toEqual(['Action::s3:*', 'AdminAction::s3:*', 'Resource::*']);
  });

  test('Noncompliance 2: every AWS-managed policy, admin, full-access or scoped to one service (path dropped from the name)', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'R', {
      assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AWSIoTFullAccess'),
        // logs:DeleteLogStream and logs:PutRetentionPolicy on *: not a logging-only policy.
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSIoTLogging'),
      ],
    });
    expect(check(IoTRoleAliasLeastPrivilege, alias(stack, role))).toEqual([
      'ManagedPolicy::AWSIoTFullAccess',
      'ManagedPolicy::AWSIoTLogging',
      'ManagedPolicy::AdministratorAccess',
    ]);
  });

  test('Noncompliance 12: read-only and single-service AWS-managed policies grant on * across the account', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'R', {
      assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com'),
      managedPolicies: [
        'AmazonS3ReadOnlyAccess', // every object of every bucket
        'AmazonDynamoDBReadOnlyAccess', // every table
        'SecretsManagerReadWrite', // secretsmanager:* on *
        'CloudWatchAgentServerPolicy', // logs on *, ssm:GetParameter
        'AWSXrayWriteOnlyAccess', // narrow today, rewritten by AWS at will
      ].map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name)),
    });
    expect(check(IoTRoleAliasLeastPrivilege, alias(stack, role))).toEqual([
      'ManagedPolicy::AWSXrayWriteOnlyAccess',
      'ManagedPolicy::AmazonDynamoDBReadOnlyAccess',
      'ManagedPolicy::AmazonS3ReadOnlyAccess',
      'ManagedPolicy::CloudWatchAgentServerPolicy',
      'ManagedPolicy::SecretsManagerReadWrite',
    ]);
  });

  test('Noncompliance 13: AWS-managed policies in a plain template, by literal ARN, Fn::Sub, parameter values and a computed name', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Parameters: {
        Picked: { Type: 'String', AllowedValues: ['arn:aws:iam::aws:policy/AmazonKinesisVideoStreamsFullAccess', 'arn:aws:iam::aws:policy/AWSIoTDataAccess'] },
        Named: { Type: 'String' },
      },
      Resources: {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: TRUST,
            ManagedPolicyArns: [
              'arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess',
              { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSIoTRuleActions' },
              { Ref: 'Picked' },
              // Some AWS-managed policy, which one known only at deploy: a finding all the same.
              { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/${Named}' },
            ],
          },
        },
        Alias: { Type: TYPE, Properties: { RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } } },
      },
    });
    expect(checkType(IoTRoleAliasLeastPrivilege, stack, TYPE)).toEqual([
      'ManagedPolicy::${Named}',
      'ManagedPolicy::AWSIoTDataAccess',
      'ManagedPolicy::AWSIoTRuleActions',
      'ManagedPolicy::AmazonKinesisVideoStreamsFullAccess',
      'ManagedPolicy::AmazonS3ReadOnlyAccess',
    ]);
  });

  test('Noncompliance 3: inline policies with admin services, key and trail administration, NotAction', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'R', {
      assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com'),
      inlinePolicies: {
        Escalate: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: ['arn:aws:iam::111111111111:role/x'] }),
            new iam.PolicyStatement({ actions: ['kms:CreateGrant', 'cloudtrail:StopLogging'], resources: ['arn:aws:kms:eu-west-1:111111111111:key/abc'] }),
            new iam.PolicyStatement({ notActions: ['iot:DeleteThing'], resources: ['arn:aws:iot:eu-west-1:111111111111:thing/gw1'] }),
            new iam.PolicyStatement({ actions: ['sts:GetCallerIdentity', 'cloudwatch:PutMetricData'], resources: ['*'] }),
          ],
        }),
      },
    });
    expect(check(IoTRoleAliasLeastPrivilege, alias(stack, role))).toEqual([
      'AdminAction::cloudtrail:StopLogging',
      'AdminAction::kms:CreateGrant',
      'AdminService::iam',
      'NotAction',
    ]);
  });

  test('Noncompliance 4: a customer-managed policy of the stack, with globs and a whole-service resource', () => {
    const stack = newStack();
    const role = gatewayRole(stack);
    new iam.ManagedPolicy(stack, 'Mp', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({ actions: ['iot:Publish', 'iot:Set*'], resources: ['arn:aws:iot:eu-west-1:111111111111:topic/*'] }),
        new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: ['arn:aws:dynamodb:eu-west-1:111111111111:table/*'] }),
      ],
    });
    expect(check(IoTRoleAliasLeastPrivilege, alias(stack, role))).toEqual([
      'Action::iot:Set*',
      'AdminAction::iot:Set*',
      'Resource::arn:aws:dynamodb:eu-west-1:111111111111:table/*',
      'Resource::arn:aws:iot:eu-west-1:111111111111:topic/*',
    ]);
  });

  test('Noncompliance 5: a plain template with a managed policy by Ref, and a policy document given as a JSON string', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: TRUST, ManagedPolicyArns: [{ Ref: 'Mp' }] } },
        Mp: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: { PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::*' } }] } },
        },
        Alias: { Type: TYPE, Properties: { RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } } },
      },
    });
    // CloudFormation takes a policy document as a JSON string too; CfnInclude's typed L1 would not.
    new CfnResource(stack, 'Extra', {
      type: 'AWS::IAM::Policy',
      properties: {
        PolicyName: 'extra',
        Roles: [{ Ref: 'Role' }],
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }),
      },
    });
    expect(checkType(IoTRoleAliasLeastPrivilege, stack, TYPE)).toEqual(['Action::*', 'Resource::*', 'Resource::arn:${AWS::Partition}:s3:::*']);
  });

  test('Noncompliance 6: a role that cannot be followed (imported ARN, parameter, import) is unresolved', () => {
    const stack = newStack();
    const imported = iam.Role.fromRoleArn(stack, 'Imported', 'arn:aws:iam::111111111111:role/elsewhere');
    expect(check(IoTRoleAliasLeastPrivilege, alias(stack, imported, 'A1'))).toEqual(['Unresolved::RoleArn']);
    const arn = new CfnParameter(stack, 'RoleArnParam');
    const fromParam = new iot.CfnRoleAlias(stack, 'A2', { roleArn: arn.valueAsString });
    expect(check(IoTRoleAliasLeastPrivilege, fromParam)).toEqual(['Unresolved::RoleArn']);
    const fromImport = new iot.CfnRoleAlias(stack, 'A3', { roleArn: Fn.importValue('GatewayRoleArn') });
    expect(check(IoTRoleAliasLeastPrivilege, fromImport)).toEqual(['Unresolved::RoleArn']);
  });

  test('Noncompliance 7: policies that cannot be read are unresolved', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Parameters: { Doc: { Type: 'String' } },
      Resources: {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: TRUST,
            ManagedPolicyArns: ['arn:aws:iam::111111111111:policy/SharedDevicePolicy'],
            Policies: [{ PolicyName: 'p', PolicyDocument: { 'Fn::ImportValue': 'SharedDoc' } }],
          },
        },
        Alias: { Type: TYPE, Properties: { RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } } },
      },
    });
    expect(checkType(IoTRoleAliasLeastPrivilege, stack, TYPE)).toEqual(['Unresolved::ManagedPolicyArns', 'Unresolved::PolicyDocument']);
  });

  test('Noncompliance 8: Fn::If between a scoped role and a wide one reports the wide one', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Conditions: IS_PROD,
      Resources: {
        Narrow: {
          Type: 'AWS::IAM::Role',
          Properties: { AssumeRolePolicyDocument: TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: 'arn:aws:iot:eu-west-1:111111111111:topic/dt/gw1/*' }] } }] },
        },
        Wide: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: TRUST,
            Policies: [{
              PolicyName: 'p',
              PolicyDocument: {
                Statement: [
                  { Effect: 'Allow', Action: 'organizations:ListAccounts', Resource: '*' },
                  { Effect: 'Allow', Action: 'iot:Publish', Resource: { 'Fn::If': ['IsProd', ['arn:aws:iot:eu-west-1:111111111111:topic/dt/a'], ['arn:aws:iot:eu-west-1:111111111111:topic/*']] } },
                ],
              },
            }],
          },
        },
        Alias: { Type: TYPE, Properties: { RoleArn: { 'Fn::If': ['IsProd', { 'Fn::GetAtt': ['Narrow', 'Arn'] }, { 'Fn::GetAtt': ['Wide', 'Arn'] }] } } },
      },
    });
    // organizations:ListAccounts supports no resource-level permission (IAM dataset): its `*` is no Resource finding.
    expect(checkType(IoTRoleAliasLeastPrivilege, stack, TYPE)).toEqual(['AdminService::organizations', 'Resource::arn:aws:iot:eu-west-1:111111111111:topic/*']);
  });

  test('Noncompliance 9: an override on the role\'s policy widens it', () => {
    const stack = newStack();
    const role = gatewayRole(stack);
    const policy = new iam.Policy(stack, 'P', {
      roles: [role],
      statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::firmware/gw/*'] })],
    });
    (policy.node.defaultChild as CfnResource).addPropertyOverride('PolicyDocument.Statement.0.Resource', 'arn:aws:s3:::*/*');
    expect(check(IoTRoleAliasLeastPrivilege, alias(stack, role))).toEqual(['Resource::arn:aws:s3:::*/*']);
  });

  test('Noncompliance 10: managed policies and a policy naming the role in one Fn::If branch, nested or beside AWS::NoValue', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Conditions: IS_PROD,
      Resources: {
        Scoped: {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: 'arn:aws:iot:eu-west-1:111111111111:topic/*' }] } },
        },
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: TRUST,
            ManagedPolicyArns: [
              { 'Fn::If': ['IsProd', 'arn:aws:iam::aws:policy/AdministratorAccess', { Ref: 'AWS::NoValue' }] },
              { 'Fn::If': ['IsProd', { Ref: 'AWS::NoValue' }, { 'Fn::If': ['IsProd', { Ref: 'Scoped' }, 'arn:aws:iam::aws:policy/AWSIoTDataAccess'] }] },
            ],
          },
        },
        Grant: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyName: 'grant',
            Roles: [{ 'Fn::If': ['IsProd', { Ref: 'Role' }, { Ref: 'AWS::NoValue' }] }],
            PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
          },
        },
        Alias: { Type: TYPE, Properties: { RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } } },
      },
    });
    expect(checkType(IoTRoleAliasLeastPrivilege, stack, TYPE)).toEqual([
      'Action::s3:*',
      'AdminAction::s3:*',
      'ManagedPolicy::AWSIoTDataAccess',
      'ManagedPolicy::AdministratorAccess',
      'Resource::*',
      'Resource::arn:aws:iot:eu-west-1:111111111111:topic/*',
    ]);
  });

  test('Compliance: scoped actions on the device\'s own resources, star-only actions, Deny statements ignored', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Firmware');
    const role = gatewayRole(stack);
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['iot:Publish', 'iot:Receive'],
      resources: [`arn:aws:iot:eu-west-1:111111111111:topic/dt/\${credentials-iot:ThingName}/*`],
    }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('gateways/*')] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:PutMetricData', 'xray:PutTraceSegments'], resources: ['*'] }));
    role.addToPolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['*'], resources: ['*'] }));
    expect(check(IoTRoleAliasLeastPrivilege, alias(stack, role))).toEqual(COMPLIANT);
  });

  test('Noncompliance 11: a role in another stack of the app is followed to its own stack\'s policies', () => {
    const app = new App();
    const roles = new Stack(app, 'Roles');
    const devices = new Stack(app, 'Devices');
    const wide = gatewayRole(roles, 'Wide');
    wide.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    const narrow = gatewayRole(roles, 'Narrow');
    narrow.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::firmware/${credentials-iot:ThingName}/*'] }));
    expect(check(IoTRoleAliasLeastPrivilege, alias(devices, wide, 'WideAlias'))).toEqual(['Action::s3:*', 'AdminAction::s3:*', 'Resource::*']);
    expect(check(IoTRoleAliasLeastPrivilege, alias(devices, narrow, 'NarrowAlias'))).toEqual(COMPLIANT);
    // What the synthesized template holds is an import; the token is what still knows the role.
    app.synth();
    expect(check(IoTRoleAliasLeastPrivilege, devices.node.findChild('WideAlias') as iot.CfnRoleAlias)).toEqual(['Action::s3:*', 'AdminAction::s3:*', 'Resource::*']);
  });

  test('Compliance: a literal role ARN that names a role of the same plain template', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            RoleName: 'gateway-role',
            AssumeRolePolicyDocument: TRUST,
            Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:eu-west-1:111111111111:client/gw1' }] } }],
          },
        },
        Alias: { Type: TYPE, Properties: { RoleArn: 'arn:aws:iam::111111111111:role/gateway-role' } },
      },
    });
    expect(checkType(IoTRoleAliasLeastPrivilege, stack, TYPE)).toEqual(COMPLIANT);
  });

  test('Not applicable to other types', () => {
    const stack = newStack();
    expect(check(IoTRoleAliasLeastPrivilege, gatewayRole(stack).node.defaultChild as CfnResource)).toEqual(NOT_APPLICABLE);
  });
});

describe('GW2 IoTRoleAliasCredentialDuration', () => {
  const aliasIn = (props: object, parameters: object = {}, conditions: object = {}) => ({
    Parameters: parameters,
    Conditions: conditions,
    Resources: { Alias: { Type: TYPE, Properties: { RoleArn: 'arn:aws:iam::111111111111:role/gw', ...props } } },
  });

  test('Noncompliance 1: one second over an hour (L1)', () => {
    const stack = newStack();
    new iot.CfnRoleAlias(stack, 'Alias', { roleArn: 'arn:aws:iam::111111111111:role/gw', credentialDurationSeconds: 3601 });
    expect(checkType(IoTRoleAliasCredentialDuration, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 2: a numeric string in an override, and the maximum in a plain template', () => {
    const stack = newStack();
    const a = new iot.CfnRoleAlias(stack, 'Alias', { roleArn: 'arn:aws:iam::111111111111:role/gw', credentialDurationSeconds: 900 });
    a.addPropertyOverride('CredentialDurationSeconds', '7200');
    expect(check(IoTRoleAliasCredentialDuration, a)).toEqual(NON_COMPLIANT);

    const s2 = newStack();
    includeTemplate(s2, aliasIn({ CredentialDurationSeconds: 43200 }));
    expect(checkType(IoTRoleAliasCredentialDuration, s2, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 3: one Fn::If branch, and a parameter whose MaxValue is above an hour', () => {
    const stack = newStack();
    includeTemplate(stack, aliasIn({ CredentialDurationSeconds: { 'Fn::If': ['IsProd', 900, 14400] } }, {}, IS_PROD));
    expect(checkType(IoTRoleAliasCredentialDuration, stack, TYPE)).toEqual(NON_COMPLIANT);

    const s2 = newStack();
    includeTemplate(s2, aliasIn({ CredentialDurationSeconds: { Ref: 'Ttl' } }, { Ttl: { Type: 'Number', MinValue: 900, MaxValue: 7200, Default: 900 } }));
    expect(checkType(IoTRoleAliasCredentialDuration, s2, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 4: a parameter without bounds, or an import, is unresolved', () => {
    const stack = newStack();
    includeTemplate(stack, aliasIn({ CredentialDurationSeconds: { Ref: 'Ttl' } }, { Ttl: { Type: 'Number', Default: 900 } }));
    expect(checkType(IoTRoleAliasCredentialDuration, stack, TYPE)).toEqual(['Unresolved::CredentialDurationSeconds']);

    const s2 = newStack();
    const a = new iot.CfnRoleAlias(s2, 'Alias', { roleArn: 'arn:aws:iam::111111111111:role/gw' });
    a.addPropertyOverride('CredentialDurationSeconds', Fn.importValue('Ttl'));
    expect(check(IoTRoleAliasCredentialDuration, a)).toEqual(['Unresolved::CredentialDurationSeconds']);
  });

  test('Noncompliance 5: a duration CloudFormation would reject is invalid', () => {
    const stack = newStack();
    const a = new iot.CfnRoleAlias(stack, 'Alias', { roleArn: 'arn:aws:iam::111111111111:role/gw' });
    a.addPropertyOverride('CredentialDurationSeconds', 'an hour');
    expect(check(IoTRoleAliasCredentialDuration, a)).toEqual(['Invalid::CredentialDurationSeconds']);
  });

  test('Compliance: absent (AWS default 3600), exactly an hour, "900", and bounded parameters', () => {
    const stack = newStack();
    const absent = new iot.CfnRoleAlias(stack, 'A1', { roleArn: 'arn:aws:iam::111111111111:role/gw' });
    const hour = new iot.CfnRoleAlias(stack, 'A2', { roleArn: 'arn:aws:iam::111111111111:role/gw', credentialDurationSeconds: 3600 });
    const str = new iot.CfnRoleAlias(stack, 'A3', { roleArn: 'arn:aws:iam::111111111111:role/gw' });
    str.addPropertyOverride('CredentialDurationSeconds', '900');
    for (const a of [absent, hour, str]) expect(check(IoTRoleAliasCredentialDuration, a)).toEqual(COMPLIANT);

    const s2 = newStack();
    includeTemplate(s2, aliasIn({ CredentialDurationSeconds: { Ref: 'Ttl' } }, { Ttl: { Type: 'Number', MaxValue: 3600 } }));
    expect(checkType(IoTRoleAliasCredentialDuration, s2, TYPE)).toEqual(COMPLIANT);

    const s3 = newStack();
    includeTemplate(s3, aliasIn({ CredentialDurationSeconds: { Ref: 'Ttl' } }, { Ttl: { Type: 'Number', AllowedValues: ['900', '3600'] } }));
    expect(checkType(IoTRoleAliasCredentialDuration, s3, TYPE)).toEqual(COMPLIANT);
  });
});

describe('gateway rule metadata', () => {
  test('IDs, audit checks and resource types', () => {
    expect(IoTRoleAliasLeastPrivilege.metadata).toMatchObject({ id: 'GW1', auditCheck: 'IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK', resourceTypes: [TYPE] });
    expect(IoTRoleAliasCredentialDuration.metadata).toMatchObject({ id: 'GW2', resourceTypes: [TYPE] });
    expect(IoTRoleAliasCredentialDuration.metadata.auditCheck).toBeUndefined();
  });

  test('no AWS-managed policy is allowed on a device or gateway role', () => {
    expect([...DEVICE_SAFE_AWS_MANAGED_POLICIES]).toEqual([]);
  });
});
