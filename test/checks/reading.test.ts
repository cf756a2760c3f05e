import { CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import { IotSecurityChecks } from '../../lib';
import { resolvedProperties } from '../../lib/checks/private/cfn';
import { includeTemplate, newStack } from './rule-test-helpers';

/**
 * CDK's typed L1 validators reject valid CloudFormation (JSON strings where they expect objects).
 * Every rule reads properties through one reader that keeps them out of the way: no rule may
 * report such a resource as `Unresolved::Properties`.
 */
const DEVICE_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:*:*:client/${iot:Connection.Thing.ThingName}' }],
});
const OPEN_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] });
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const S3_ALL = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });

function findings(stack: Stack): string[] {
  const report = new IotSecurityChecks().validateScope(stack);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${r.constructPath?.split('/').pop()} ${v.ruleName}`)).sort();
}

const TAGS = [{ key: 'criticality', value: 'high' }, { key: 'owner', value: 'team' }];

describe('reading properties without the typed L1 validators in the way', () => {
  test('L1: a JSON-string PolicyDocument on CfnPolicy is read, by the analyzer and every other rule', () => {
    const stack = newStack();
    new iot.CfnPolicy(stack, 'Open', { policyDocument: OPEN_POLICY as any, tags: TAGS });
    new iot.CfnPolicy(stack, 'Scoped', { policyDocument: DEVICE_POLICY as any, tags: TAGS });
    const found = findings(stack);
    expect(found.filter((f) => f.includes('Unresolved'))).toEqual([]);
    expect(found).toEqual(['Open IoTSecurity-ID2[Resource::*]']);
  });

  test('L1: the properties themselves are returned as the template holds them', () => {
    const stack = newStack();
    const p = new iot.CfnPolicy(stack, 'P', { policyDocument: OPEN_POLICY as any, policyName: 'x' });
    expect(resolvedProperties(p)).toEqual({ PolicyDocument: OPEN_POLICY, PolicyName: 'x' });
  });

  test('L1: a JSON-string inline policy and trust policy on CfnRole behind a role alias are judged', () => {
    const stack = newStack();
    const role = new iam.CfnRole(stack, 'Role', {
      assumeRolePolicyDocument: TRUST as any,
      policies: [{ policyName: 'p', policyDocument: S3_ALL }],
    });
    new iot.CfnRoleAlias(stack, 'Alias', { roleArn: role.attrArn, credentialDurationSeconds: 900, tags: TAGS });
    const found = findings(stack);
    expect(found.filter((f) => f.includes('Unresolved'))).toEqual([]);
    expect(found).toEqual(expect.arrayContaining(['Alias IoTSecurity-GW1[Action::s3:*]']));
  });

  test('CfnInclude: a plain template with JSON-string documents is read', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Open: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: OPEN_POLICY, Tags: [{ Key: 'criticality', Value: 'high' }, { Key: 'owner', Value: 'team' }] } },
        Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: S3_ALL }] } },
        Alias: {
          Type: 'AWS::IoT::RoleAlias',
          Properties: { RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] }, CredentialDurationSeconds: 900, Tags: [{ Key: 'criticality', Value: 'high' }, { Key: 'owner', Value: 'team' }] },
        },
      },
    });
    const found = findings(stack);
    expect(found.filter((f) => f.includes('Unresolved'))).toEqual([]);
    expect(found).toEqual(expect.arrayContaining(['Open IoTSecurity-ID2[Resource::*]', 'Alias IoTSecurity-GW1[Action::s3:*]']));
  });

  test('raw CfnResource (as the scanner builds them) reads the same', () => {
    const stack = newStack();
    new CfnResource(stack, 'Open', { type: 'AWS::IoT::Policy', properties: { PolicyDocument: OPEN_POLICY, Tags: [{ Key: 'criticality', Value: 'h' }, { Key: 'owner', Value: 'o' }] } });
    expect(findings(stack)).toEqual(['Open IoTSecurity-ID2[Resource::*]']);
  });

  test('overrides still apply on top of a value the validator rejects', () => {
    const stack = newStack();
    const p = new iot.CfnPolicy(stack, 'P', { policyDocument: DEVICE_POLICY as any, tags: TAGS });
    p.addPropertyOverride('PolicyDocument', OPEN_POLICY);
    expect(findings(stack)).toEqual(['P IoTSecurity-ID2[Resource::*]']);
  });
});
