import * as iam from 'aws-cdk-lib/aws-iam';
import { IoTCognitoRoleNoIotControl as GW4 } from '../../lib/checks/rules';
import { check, checkType, COMPLIANT, includeTemplate, newStack, NOT_APPLICABLE } from './rule-test-helpers';

const ROLE = 'AWS::IAM::Role';
const cognitoPrincipal = () => new iam.FederatedPrincipal('cognito-identity.amazonaws.com', {
  'StringEquals': { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool' },
  'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
}, 'sts:AssumeRoleWithWebIdentity');

describe('GW4 Cognito identity pool roles', () => {
  test('Noncompliance 1: an L2 authenticated role allowed iot:AttachPolicy and iot:* (its default policy)', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Authenticated', { assumedBy: cognitoPrincipal() });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['iot:AttachPolicy', 'iot:Connect'], resources: ['*'] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['iot:*'], resources: ['arn:aws:iot:us-east-1:123456789012:topic/app/*'] }));
    // Two causes: control-plane actions, and iot:Connect on every client.
    expect(checkType(GW4, stack, ROLE)).toEqual(['Action::iot:*', 'Action::iot:AttachPolicy', 'Resource::*']);
  });

  test('Noncompliance 2: a role named by an IdentityPoolRoleAttachment (plain template) publishing on every topic', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Unauth: {
          Type: ROLE,
          Properties: {
            AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Federated: 'accounts.example.com' }, Action: 'sts:AssumeRoleWithWebIdentity' }] },
            Policies: [{ PolicyName: 'p', PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: ['iot:Publish', 'iot:Connect'], Resource: ['*', 'arn:aws:iot:us-east-1:123456789012:topic/*'] }] }) }],
          },
        },
        Attach: { Type: 'AWS::Cognito::IdentityPoolRoleAttachment', Properties: { IdentityPoolId: 'us-east-1:pool', Roles: { unauthenticated: { 'Fn::GetAtt': ['Unauth', 'Arn'] } } } },
      },
    });
    expect(checkType(GW4, stack, ROLE)).toEqual(['Resource::*', 'Resource::arn:aws:iot:us-east-1:123456789012:topic/*']);
  });

  test('Compliance: data-plane actions scoped by the identity; not applicable to roles no identity pool uses', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Authenticated', { assumedBy: cognitoPrincipal() });
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['iot:Connect', 'iot:Publish'],
      resources: ['arn:aws:iot:us-east-1:123456789012:client/${cognito-identity.amazonaws.com:sub}', 'arn:aws:iot:us-east-1:123456789012:topic/app/${cognito-identity.amazonaws.com:sub}/*'],
    }));
    expect(checkType(GW4, stack, ROLE)).toEqual(COMPLIANT);
    const other = new iam.CfnRole(newStack(), 'Fn', {
      assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      policies: [{ policyName: 'p', policyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] } }],
    });
    expect(check(GW4, other)).toEqual(NOT_APPLICABLE);
  });
});
