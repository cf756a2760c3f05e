import { Fn } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as cr from 'aws-cdk-lib/custom-resources';
import { IoTCredentialsProviderRoleLeastPrivilege as GW3, IoTCredentialsSharedData, IoTRoleAliasLeastPrivilege as GW1 } from '../../lib/checks/rules';
import { check, checkType, COMPLIANT, includeTemplate, newStack, NOT_APPLICABLE } from './rule-test-helpers';

const ROLE = 'AWS::IAM::Role';
const TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const BUCKET_OBJECTS = 'arn:aws:s3:::telemetry/${credentials-iot:ThingName}/*';

describe('GW3 every role the credentials provider may assume', () => {
  test('Noncompliance 1: an L2 role trusted by credentials.iot.amazonaws.com with s3:* on *, no role alias in the stack', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'DeviceRole', { assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    expect(checkType(GW3, stack, ROLE)).toEqual(['Action::s3:*', 'AdminAction::s3:*', 'Resource::*']);
  });

  test('Noncompliance 2: a plain template with JSON-string trust and inline policy, its alias created by a custom resource (judged by GW1)', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Role: {
          Type: ROLE,
          Properties: {
            AssumeRolePolicyDocument: JSON.stringify(TRUST),
            Policies: [{ PolicyName: 'p', PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] }) }],
          },
        },
      },
    });
    const role = iam.Role.fromRoleArn(stack, 'Imported', Fn.getAtt('Role', 'Arn').toString());
    new cr.AwsCustomResource(stack, 'Alias', {
      onCreate: { service: 'Iot', action: 'createRoleAlias', parameters: { roleAlias: 'a', roleArn: role.roleArn }, physicalResourceId: cr.PhysicalResourceId.of('a') },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    });
    // The custom resource's CreateRoleAlias call is a role alias of the stack (StackModel): GW1 judges the role on it, once.
    expect(checkType(GW3, stack.node.findChild('Included'), ROLE)).toEqual(NOT_APPLICABLE);
    expect(checkType(GW1, stack, 'Custom::AWS')).toEqual(['AdminService::iam', 'Resource::*']);
  });

  test('Not applicable: a role behind a role alias of the stack is GW1\'s, so one cause gives one finding', () => {
    const stack = newStack();
    const role = new iam.CfnRole(stack, 'Role', { assumeRolePolicyDocument: TRUST, policies: [{ policyName: 'p', policyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }] });
    const alias = new iot.CfnRoleAlias(stack, 'Alias', { roleArn: role.attrArn, credentialDurationSeconds: 900 });
    expect(check(GW3, role)).toEqual(NOT_APPLICABLE);
    expect(check(GW1, alias)).toEqual(['Action::s3:*', 'AdminAction::s3:*', 'Resource::*']);
  });

  test('Not applicable: a role other services assume', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Fn', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    expect(checkType(GW3, stack, ROLE)).toEqual(NOT_APPLICABLE);
  });

  test('Compliance: a role scoped to the thing\'s own objects, trusted among other services', () => {
    const stack = newStack();
    const role = new iam.CfnRole(stack, 'Role', {
      assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com', 'credentials.iot.amazonaws.com'] }, Action: 'sts:AssumeRole' }] },
      policies: [{ policyName: 'p', policyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: BUCKET_OBJECTS }] } }],
    });
    expect(check(GW3, role)).toEqual(COMPLIANT);
  });
});

describe('GW5 data every device shares', () => {
  const GW5 = IoTCredentialsSharedData;

  test('Noncompliance: s3:PutObject on bucket/* (L2), a DynamoDB table prefix (plain template, behind a role alias)', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'DeviceRole', { assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: ['arn:aws:s3:::telemetry/*'] }));
    expect(checkType(GW5, stack, ROLE)).toEqual(['SharedData::arn:aws:s3:::telemetry/*']);

    const s2 = newStack();
    includeTemplate(s2, {
      Resources: {
        Role: {
          Type: ROLE,
          Properties: {
            AssumeRolePolicyDocument: TRUST,
            Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/telemetry*' }] } }],
          },
        },
        Alias: { Type: 'AWS::IoT::RoleAlias', Properties: { RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] }, CredentialDurationSeconds: 900 } },
      },
    });
    expect(checkType(GW5, s2, ROLE)).toEqual(['SharedData::arn:aws:dynamodb:us-east-1:123456789012:table/telemetry*']);
  });

  test('Compliance: scoped by ${credentials-iot:ThingName}; a whole-service wildcard is GW3\'s finding, not this one', () => {
    const stack = newStack();
    const role = new iam.CfnRole(stack, 'Role', { assumeRolePolicyDocument: TRUST, policies: [{ policyName: 'p', policyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: BUCKET_OBJECTS }] } }] });
    expect(check(GW5, role)).toEqual(COMPLIANT);
    const s2 = newStack();
    const wide = new iam.CfnRole(s2, 'Role', { assumeRolePolicyDocument: TRUST, policies: [{ policyName: 'p', policyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } }] });
    expect(check(GW5, wide)).toEqual(COMPLIANT);
    expect(check(GW3, wide)).toEqual(['Resource::*']);
  });

  test('Compliance: creating log streams in one named log group (its ARN ends in :*) reaches no log events; Noncompliance: writing events to all its streams', () => {
    const GROUP = 'arn:aws:logs:eu-west-1:123456789012:log-group:/gateways/line-1:*';
    const role = (action: string, resource: string) => {
      const stack = newStack();
      new iam.CfnRole(stack, 'Role', { assumeRolePolicyDocument: TRUST, policies: [{ policyName: 'p', policyDocument: { Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] } }] });
      return stack;
    };
    expect(checkType(GW5, role('logs:CreateLogStream', GROUP), ROLE)).toEqual(COMPLIANT);
    expect(checkType(GW5, role('logs:PutLogEvents', GROUP), ROLE)).toEqual([`SharedData::${GROUP}`]);
    expect(checkType(GW5, role('logs:CreateLogStream', 'arn:aws:logs:eu-west-1:123456789012:log-group:/gateways/*'), ROLE))
      .toEqual(['SharedData::arn:aws:logs:eu-west-1:123456789012:log-group:/gateways/*']);
  });
});
