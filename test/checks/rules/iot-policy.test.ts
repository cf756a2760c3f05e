import { Aws, CfnCondition, CfnParameter, CfnResource, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { IotSecurityChecks } from '../../../lib/checks/iot-security-checks';
import {
  IoTPolicyDataPlaneScopedToThing, IoTPolicyDenyNoMqttWildcards, IoTPolicyNoControlPlaneActions,
  IoTPolicyNoWildcardActions, IoTPolicyResolvable,
} from '../../../lib/checks/rules';
import { ALL_RULES } from '../../../lib/checks/rules';
import { AUDIT_CHECKS } from '../../../lib/core/private/audit-checks';
import { check, checkType, COMPLIANT, includeTemplate, newStack, NOT_APPLICABLE } from '../rule-test-helpers';

const POLICY = 'AWS::IoT::Policy';
const TEMPLATE = 'AWS::IoT::ProvisioningTemplate';
const THING = '${iot:Connection.Thing.ThingName}';
const ARN = 'arn:aws:iot:us-east-1:123456789012';

/** A least-privilege device policy, in the shape AWS documents it. */
function devicePolicy(stack: Stack): object {
  const base = `arn:${Aws.PARTITION}:iot:${stack.region}:${stack.account}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${base}:client/${THING}` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: `${base}:topic/$aws/things/${THING}/*` },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${base}:topicfilter/$aws/things/${THING}/*` },
      { Effect: 'Allow', Action: ['iot:GetThingShadow', 'iot:UpdateThingShadow'], Resource: `${base}:thing/${THING}` },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: `${base}:topic/broadcast/firmware` },
      { Effect: 'Deny', Action: 'iot:Publish', Resource: `${base}:topic/$aws/things/${THING}/admin/*` },
    ],
  };
}

function policy(stack: Stack, policyDocument: unknown, id = 'Policy'): iot.CfnPolicy {
  return new iot.CfnPolicy(stack, id, { policyDocument });
}

function include(stack: Stack, resources: object, extra: object = {}): void {
  includeTemplate(stack, { ...extra, Resources: resources });
}

function createPolicyCall(stack: Stack, document: object, resourceType?: string): void {
  new cr.AwsCustomResource(stack, 'CreatePolicy', {
    resourceType,
    onCreate: {
      service: 'Iot',
      action: 'createPolicy',
      parameters: { policyName: 'device', policyDocument: JSON.stringify(document) },
      physicalResourceId: cr.PhysicalResourceId.of('device'),
    },
    onUpdate: {
      service: '@aws-sdk/client-iot',
      action: 'CreatePolicyVersionCommand',
      parameters: { policyName: 'device', policyDocument: stack.toJsonString(document), setAsDefault: true },
      physicalResourceId: cr.PhysicalResourceId.of('device'),
    },
    policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    installLatestAwsSdk: false,
  });
}

function provisioningTemplate(stack: Stack, policyDocument: unknown): void {
  new iot.CfnProvisioningTemplate(stack, 'Template', {
    provisioningRoleArn: 'arn:aws:iam::123456789012:role/provisioning',
    templateBody: JSON.stringify({
      Parameters: { SerialNumber: { Type: 'String' }, 'AWS::IoT::Certificate::Id': { Type: 'String' } },
      Resources: {
        thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { 'Fn::Join': ['', ['dev-', { Ref: 'SerialNumber' }]] } } },
        certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
        policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: policyDocument } },
      },
    }),
  });
}

describe('IoTPolicyNoWildcardActions (ID1)', () => {
  const rule = IoTPolicyNoWildcardActions;

  test('Noncompliance 1: iot:* in a single-object Statement of a CfnPolicy', () => {
    const stack = newStack();
    policy(stack, { Statement: { Effect: 'Allow', Action: 'iot:*', Resource: '*' } });
    expect(checkType(rule, stack, POLICY)).toEqual(['Action::iot:*']);
  });

  test('Noncompliance 2: upper-case and glob actions in a JSON-string document', () => {
    const stack = newStack();
    policy(stack, JSON.stringify({ Statement: [{ Effect: 'Allow', Action: ['IOT:*Publish*', 'iot:Up*', '*'], Resource: '*' }] }));
    expect(checkType(rule, stack, POLICY)).toEqual(['Action::*', 'Action::iot:*Publish*', 'Action::iot:Up*']);
  });

  test('Noncompliance 3: NotAction in an included template', () => {
    const stack = newStack();
    include(stack, { P: { Type: POLICY, Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', NotAction: ['iot:Connect'], Resource: '*' }] } } } });
    expect(checkType(rule, stack, POLICY)).toEqual(['NotAction']);
  });

  test('Noncompliance 4: a policy created by an AwsCustomResource', () => {
    const stack = newStack();
    createPolicyCall(stack, { Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: `arn:aws:iot:${stack.region}:${stack.account}:*` }] });
    expect(checkType(rule, stack, 'Custom::AWS')).toEqual(['Action::iot:*']);
  });

  test('Noncompliance 5: a policy in a fleet provisioning template', () => {
    const stack = newStack();
    provisioningTemplate(stack, JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }));
    expect(checkType(rule, stack, TEMPLATE)).toEqual(['Action::iot:*']);
  });

  test('Compliance', () => {
    const stack = newStack();
    policy(stack, { Statement: [{ Effect: 'Allow', Action: ['iot:?onnect'], Resource: '*' }, { Effect: 'Deny', Action: 'iot:*', Resource: '*' }] });
    expect(checkType(rule, stack, POLICY)).toEqual(COMPLIANT);
  });

  test('other resources are not applicable', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Bucket');
    expect(check(rule, bucket.node.defaultChild as s3.CfnBucket)).toEqual(NOT_APPLICABLE);
  });
});

describe('IoTPolicyDataPlaneScopedToThing (ID2)', () => {
  const rule = IoTPolicyDataPlaneScopedToThing;

  test('Noncompliance 1: client/* built with Fn::Sub', () => {
    const stack = newStack();
    policy(stack, { Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: Fn.sub('arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:client/*') }] });
    expect(checkType(rule, stack, POLICY)).toEqual(['Resource::arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:client/*']);
  });

  test('Noncompliance 2: topic/* by Fn::Join and MQTT wildcards before the thing in an included template', () => {
    const stack = newStack();
    include(stack, {
      P: {
        Type: POLICY,
        Properties: {
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 'iot:Publish', Resource: { 'Fn::Join': ['', ['arn:aws:iot:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':topic/*']] } },
              { Effect: 'Allow', Action: ['iot:Subscribe'], Resource: [{ 'Fn::Sub': 'arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topicfilter/+/${!iot:Connection.Thing.ThingName}' }] },
            ],
          },
        },
      },
    });
    expect(checkType(rule, stack, POLICY)).toEqual([
      'Resource::arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/*',
      'Resource::arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topicfilter/+/${iot:Connection.Thing.ThingName}',
    ]);
  });

  test('Noncompliance 3: NotResource, and thing/* for shadows in a JSON string', () => {
    const stack = newStack();
    policy(stack, JSON.stringify({
      Statement: [
        { Effect: 'Allow', Action: 'iot:Publish', NotResource: `${ARN}:topic/admin` },
        { Effect: 'Allow', Action: 'iot:UpdateThingShadow', Resource: `${ARN}:thing/*` },
      ],
    }));
    expect(checkType(rule, stack, POLICY)).toEqual(['NotResource', `Resource::${ARN}:thing/*`]);
  });

  test('Noncompliance 4: a custom resource type, region-wide ARN', () => {
    const stack = newStack();
    createPolicyCall(stack, { Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `arn:aws:iot:${stack.region}:${stack.account}:*` }] }, 'Custom::DevicePolicy');
    expect(checkType(rule, stack, 'Custom::DevicePolicy')).toEqual(['Resource::arn:aws:iot:${AWS::Region}:${AWS::AccountId}:*']);
  });

  test('Noncompliance 5: a provisioning template policy open to every thing', () => {
    const stack = newStack();
    provisioningTemplate(stack, JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'iot:GetThingShadow', Resource: `${ARN}:thing/*` }] }));
    expect(checkType(rule, stack, TEMPLATE)).toEqual([`Resource::${ARN}:thing/*`]);
  });

  test('Noncompliance 6: client/${iot:ClientId} without IsAttached, unescaped in Fn::Sub', () => {
    const stack = newStack();
    policy(stack, { Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: { 'Fn::Sub': 'arn:aws:iot:${AWS::Region}:${AWS::AccountId}:client/${iot:ClientId}' } }] });
    expect(checkType(rule, stack, POLICY)).toEqual(['Resource::arn:aws:iot:${AWS::Region}:${AWS::AccountId}:client/${iot:ClientId}']);
  });

  test('Noncompliance: a Deny that differs from the Allow only in case takes nothing from it (topic names are case-sensitive)', () => {
    const allow = { Effect: 'Allow', Action: 'iot:Publish', Resource: `${ARN}:topic/devices/*` };
    const withDeny = (resource: string) => {
      const stack = newStack();
      policy(stack, { Statement: [allow, { Effect: 'Deny', Action: 'iot:Publish', Resource: resource }] });
      return checkType(rule, stack, POLICY);
    };
    expect(withDeny(`${ARN}:topic/Devices/*`)).toEqual([`Resource::${ARN}:topic/devices/*`]);
    expect(withDeny(`${ARN}:topic/devices/*`)).toEqual(COMPLIANT);
  });

  test.each([
    ['Bool', COMPLIANT],
    ['ForAnyValue:Bool', COMPLIANT],
    // IAM reads ForAllValues as true where the key is absent, and AWS IoT supplies it only for certificate connections.
    ['ForAllValues:Bool', [`Resource::${ARN}:client/\${iot:ClientId}`]],
  ])('client/${iot:ClientId} under %s on iot:Connection.Thing.IsAttached true', (operator, expected) => {
    const stack = newStack();
    policy(stack, { Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}:client/\${iot:ClientId}`, Condition: { [operator]: { 'iot:Connection.Thing.IsAttached': 'true' } } }] });
    expect(checkType(rule, stack, POLICY)).toEqual(expected);
  });

  test('Compliance: thing-scoped, with a literal broadcast topic', () => {
    const stack = newStack();
    policy(stack, devicePolicy(stack));
    expect(checkType(rule, stack, POLICY)).toEqual(COMPLIANT);
  });

  test('Compliance: Fn::Sub with ${!} escapes and the thing attached', () => {
    const stack = newStack();
    include(stack, {
      P: {
        Type: POLICY,
        Properties: {
          PolicyDocument: {
            Statement: [{
              Effect: 'Allow',
              Action: 'iot:Connect',
              Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:client/${!iot:ClientId}' },
              Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
            }, {
              Effect: 'Allow',
              Action: 'iot:Publish',
              Resource: { 'Fn::Sub': ['arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topic/${Root}/${!iot:ClientId}/*', { Root: 'telemetry' }] },
            }],
          },
        },
      },
    });
    expect(checkType(rule, stack, POLICY)).toEqual(COMPLIANT);
  });

  test('Compliance: a provisioning template scoping the policy to its parameter', () => {
    const stack = newStack();
    provisioningTemplate(stack, {
      'Fn::Join': ['', [
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"arn:aws:iot:us-east-1:123456789012:client/dev-',
        { Ref: 'SerialNumber' },
        '"},{"Effect":"Allow","Action":["iot:Publish","iot:Receive"],"Resource":"arn:aws:iot:us-east-1:123456789012:topic/dev-',
        { Ref: 'SerialNumber' },
        '/*"}]}',
      ]],
    });
    expect(checkType(rule, stack, TEMPLATE)).toEqual(COMPLIANT);
  });
});

describe('IoTPolicyNoControlPlaneActions (ID3)', () => {
  const rule = IoTPolicyNoControlPlaneActions;

  test('Noncompliance 1: thing, certificate and policy management', () => {
    const stack = newStack();
    policy(stack, { Statement: [{ Effect: 'Allow', Action: ['iot:CreateThing', 'iot:UpdateCertificate', 'iot:AttachPolicy'], Resource: '*' }] });
    expect(checkType(rule, stack, POLICY)).toEqual(['Action::iot:AttachPolicy', 'Action::iot:CreateThing', 'Action::iot:UpdateCertificate']);
  });

  test('Noncompliance 2: other services and control-plane actions written out, case-insensitive; globs are ID1\'s cause only', () => {
    const stack = newStack();
    include(stack, { P: { Type: POLICY, Properties: { PolicyDocument: JSON.stringify({ Statement: { Effect: 'Allow', Action: ['IAM:PassRole', 'iot:Update*', 'sts:*', 'iot:DeleteThing'], Resource: '*' } }) } } });
    expect(checkType(rule, stack, POLICY)).toEqual(['Action::iam:PassRole', 'Action::iot:DeleteThing']);
    expect(checkType(IoTPolicyNoWildcardActions, stack, POLICY)).toEqual(['Action::iot:Update*', 'Action::sts:*']);
  });

  test('Compliance: NotAction and a Greengrass wildcard are one cause each, reported by ID1 alone', () => {
    const stack = newStack();
    policy(stack, { Statement: [{ Effect: 'Allow', NotAction: 'iot:Publish', Resource: '*' }] });
    expect(checkType(rule, stack, POLICY)).toEqual(COMPLIANT);
    const s2 = newStack();
    policy(s2, { Statement: [{ Effect: 'Allow', Action: ['greengrass:*', 'greengrass:Discover'], Resource: '*' }] });
    expect(checkType(rule, s2, POLICY)).toEqual(COMPLIANT);
    expect(checkType(IoTPolicyNoWildcardActions, s2, POLICY)).toEqual(['Action::greengrass:*']);
  });

  test('Noncompliance 5: an AwsCustomResource policy granting CreateKeysAndCertificate', () => {
    const stack = newStack();
    createPolicyCall(stack, { Statement: [{ Effect: 'Allow', Action: 'iot:CreateKeysAndCertificate', Resource: '*' }] });
    expect(checkType(rule, stack, 'Custom::AWS')).toEqual(['Action::iot:CreateKeysAndCertificate']);
  });

  test('Compliance: device actions, the credentials provider and fleet provisioning topics', () => {
    const stack = newStack();
    policy(stack, {
      Statement: [
        { Effect: 'Allow', Action: ['iot:Connect', 'iot:UpdateThingShadow', 'iot:DeleteThingShadow', 'iot:UpdateJobExecution', 'iot:AssumeRoleWithCertificate'], Resource: '*' },
        { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: [`${ARN}:topic/$aws/certificates/create/*`, `${ARN}:topic/$aws/provisioning-templates/T/provision/*`] },
        { Effect: 'Allow', Action: ['greengrass:Discover', 'greengrass:ResolveComponentCandidates'], Resource: '*' },
        { Effect: 'Deny', Action: 'iot:CreateThing', Resource: '*' },
      ],
    });
    expect(checkType(rule, stack, POLICY)).toEqual(COMPLIANT);
  });
});

describe('IoTPolicyDenyNoMqttWildcards (ID4)', () => {
  const rule = IoTPolicyDenyNoMqttWildcards;

  test('Noncompliance 1: # in a Deny topic filter', () => {
    const stack = newStack();
    policy(stack, { Statement: [{ Effect: 'Deny', Action: 'iot:Subscribe', Resource: `${ARN}:topicfilter/admin/#` }] });
    expect(checkType(rule, stack, POLICY)).toEqual([`Resource::${ARN}:topicfilter/admin/#`]);
  });

  test('Noncompliance 2: + in a Deny topic, in a JSON string built by Fn::Join in an included template', () => {
    const stack = newStack();
    include(stack, {
      P: {
        Type: POLICY,
        Properties: {
          PolicyDocument: { 'Fn::Join': ['', ['{"Statement":[{"Effect":"Deny","Action":"iot:Publish","Resource":"arn:aws:iot:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':topic/+/commands"}]}']] },
        },
      },
    });
    expect(checkType(rule, stack, POLICY)).toEqual(['Resource::arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/+/commands']);
  });

  test('Compliance: * in Deny, MQTT wildcards in an Allow after the thing', () => {
    const stack = newStack();
    policy(stack, {
      Statement: [
        { Effect: 'Deny', Action: 'iot:Subscribe', Resource: `${ARN}:topicfilter/admin/*` },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${ARN}:topicfilter/things/${THING}/#` },
      ],
    });
    expect(checkType(rule, stack, POLICY)).toEqual(COMPLIANT);
  });
});

describe('IoTPolicyResolvable (ID5)', () => {
  const rule = IoTPolicyResolvable;

  test('Noncompliance 1: a document imported from another stack', () => {
    const stack = newStack();
    include(stack, { P: { Type: POLICY, Properties: { PolicyDocument: { 'Fn::ImportValue': 'SharedPolicyDocument' } } } });
    expect(checkType(rule, stack, POLICY)).toEqual(['Unresolved::PolicyDocument']);
  });

  test('Noncompliance 2: a document from a parameter, and a malformed JSON string', () => {
    const stack = newStack();
    const param = new CfnParameter(stack, 'Doc');
    policy(stack, param.valueAsString, 'FromParameter');
    policy(stack, '{"Statement": [', 'Malformed');
    expect(check(rule, stack.node.findChild('FromParameter') as iot.CfnPolicy)).toEqual(['Unresolved::PolicyDocument']);
    expect(check(rule, stack.node.findChild('Malformed') as iot.CfnPolicy)).toEqual(['Unresolved::PolicyDocument']);
  });

  test('Noncompliance 3: an action built from a parameter without AllowedValues (a resource under Fn::If is readable)', () => {
    const stack = newStack();
    include(stack, {
      P: {
        Type: POLICY,
        Properties: {
          PolicyDocument: {
            Statement: [{
              Effect: 'Allow',
              Action: { 'Fn::Sub': 'iot:${Verb}' },
              Resource: { 'Fn::If': ['Prod', `${ARN}:topic/prod`, '*'] },
            }],
          },
        },
      },
    }, { Parameters: { Verb: { Type: 'String', Default: 'Publish' } }, Conditions: { Prod: { 'Fn::Equals': [{ Ref: 'Verb' }, 'Publish'] } } });
    expect(checkType(rule, stack, POLICY)).toEqual(['Unresolved::Statement[0].Action']);
  });

  test('Noncompliance 5: a resource from a parameter without AllowedValues, whatever its Default', () => {
    const stack = newStack();
    const param = new CfnParameter(stack, 'ClientArn', { default: `${ARN}:client/device-1` });
    policy(stack, { Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: param.valueAsString }] });
    expect(checkType(rule, stack, POLICY)).toEqual(['Unresolved::Statement[0].Resource']);
  });

  test('Noncompliance 6: more forms than can be read (seven independent conditions)', () => {
    const stack = newStack();
    const statements = Array.from({ length: 7 }, (_, i) => {
      const condition = new CfnCondition(stack, `C${i}`, { expression: Fn.conditionEquals(Aws.REGION, `region-${i}`) });
      return { Effect: 'Allow', Action: Fn.conditionIf(condition.logicalId, 'iot:Connect', 'iot:Publish'), Resource: `${ARN}:client/${THING}` };
    });
    policy(stack, { Statement: statements });
    expect(checkType(rule, stack, POLICY)).toEqual(['Unresolved::PolicyDocument']);
  });

  test('Noncompliance 4: an unreadable custom resource call and provisioning template', () => {
    const stack = newStack();
    include(stack, {
      C: { Type: 'Custom::AWS', Properties: { ServiceToken: { 'Fn::ImportValue': 'Provider' }, Create: { 'Fn::ImportValue': 'Call' } } },
      T: { Type: TEMPLATE, Properties: { ProvisioningRoleArn: 'arn:aws:iam::123456789012:role/p', TemplateBody: '{not json' } },
    });
    expect(checkType(rule, stack, 'Custom::AWS')).toEqual(['Unresolved::Create']);
    expect(checkType(rule, stack, TEMPLATE)).toEqual(['Unresolved::TemplateBody']);
  });

  test('Compliance: Fn::If and parameters with AllowedValues are readable', () => {
    const stack = newStack();
    const prod = new CfnCondition(stack, 'Prod', { expression: Fn.conditionEquals(Aws.REGION, 'us-east-1') });
    const verb = new CfnParameter(stack, 'Verb', { allowedValues: ['iot:Publish', 'iot:Receive'] });
    policy(stack, {
      Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: Fn.conditionIf(prod.logicalId, `${ARN}:client/${THING}`, Aws.NO_VALUE) },
        { Effect: 'Allow', Action: verb.valueAsString, Resource: `${ARN}:topic/${THING}` },
      ],
    });
    expect(checkType(rule, stack, POLICY)).toEqual(COMPLIANT);
  });

  test('Compliance: Ref, GetAtt and pseudo parameters are readable', () => {
    const stack = newStack();
    const thing = new iot.CfnThing(stack, 'Thing');
    policy(stack, {
      Statement: [
        { Effect: 'Allow', Action: 'iot:UpdateThingShadow', Resource: thing.attrArn },
        { Effect: 'Allow', Action: 'iot:Publish', Resource: `arn:${Aws.PARTITION}:iot:${Aws.REGION}:${Aws.ACCOUNT_ID}:topic/${thing.ref}` },
      ],
    });
    expect(checkType(rule, stack, POLICY)).toEqual(COMPLIANT);
  });
});

describe('sources', () => {
  test('an AwsCustomResource renders its call as a JSON string; both Create and Update are read', () => {
    const stack = newStack();
    const root = new CfnParameter(stack, 'Root', { allowedValues: ['telemetry', 'events'] });
    createPolicyCall(stack, { Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `arn:aws:iot:${stack.region}:${stack.account}:topic/${root.valueAsString}/*` }] });
    expect(checkType(IoTPolicyDataPlaneScopedToThing, stack, 'Custom::AWS')).toEqual([
      'Resource::arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/events/*',
      'Resource::arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/telemetry/*',
    ]);
    expect(checkType(IoTPolicyResolvable, stack, 'Custom::AWS')).toEqual(COMPLIANT);
  });

  test('an AwsCustomResource policy naming a parameter without AllowedValues is unreadable in both calls', () => {
    const stack = newStack();
    const root = new CfnParameter(stack, 'Root');
    createPolicyCall(stack, { Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `arn:aws:iot:${stack.region}:${stack.account}:topic/${root.valueAsString}/*` }] });
    expect(checkType(IoTPolicyDataPlaneScopedToThing, stack, 'Custom::AWS')).toEqual(COMPLIANT);
    expect(checkType(IoTPolicyResolvable, stack, 'Custom::AWS')).toEqual(['Unresolved::Create.Statement[0].Resource', 'Unresolved::Update.Statement[0].Resource']);
  });

  test('a Ref to a thing of the stack names that one device', () => {
    const stack = newStack();
    const thing = new iot.CfnThing(stack, 'Thing');
    createPolicyCall(stack, { Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `arn:aws:iot:${stack.region}:${stack.account}:topic/${thing.ref}/*` }] });
    expect(checkType(IoTPolicyDataPlaneScopedToThing, stack, 'Custom::AWS')).toEqual(COMPLIANT);
  });

  test('a custom resource calling another API is not applicable', () => {
    const stack = newStack();
    new cr.AwsCustomResource(stack, 'Endpoint', {
      onCreate: { service: 'Iot', action: 'describeEndpoint', parameters: { endpointType: 'iot:Data-ATS' }, physicalResourceId: cr.PhysicalResourceId.of('e') },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
    });
    expect(checkType(IoTPolicyNoWildcardActions, stack, 'Custom::AWS')).toEqual(NOT_APPLICABLE);
    expect(checkType(IoTPolicyResolvable, stack, 'Custom::AWS')).toEqual(NOT_APPLICABLE);
  });

  test('an included custom resource with the call as an object and a CreatePolicy of any casing', () => {
    const stack = newStack();
    include(stack, {
      C: {
        Type: 'AWS::CloudFormation::CustomResource',
        Properties: {
          ServiceToken: { 'Fn::GetAtt': ['AWS679f53fac002430cb0da5b7982bd22872D164C4C', 'Arn'] },
          Create: { 'Fn::Sub': '{"service":"IoT","action":"CreatePolicy","parameters":{"policyName":"p","policyDocument":"{\\"Statement\\":{\\"Effect\\":\\"Allow\\",\\"Action\\":\\"iot:*\\",\\"Resource\\":\\"arn:aws:iot:${AWS::Region}:${AWS::AccountId}:*\\"}}"}}' },
        },
      },
      AWS679f53fac002430cb0da5b7982bd22872D164C4C: { Type: 'AWS::SNS::Topic' },
    });
    expect(checkType(IoTPolicyNoWildcardActions, stack, 'AWS::CloudFormation::CustomResource')).toEqual(['Action::iot:*']);
  });

  test('an included provisioning template built by Fn::Sub', () => {
    const stack = newStack();
    const body = {
      Parameters: { ThingName: { Type: 'String' } },
      Resources: {
        policy: {
          Type: 'AWS::IoT::Policy',
          Properties: {
            PolicyDocument: JSON.stringify({
              Statement: [
                { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:${AWS::Region}:${AWS::AccountId}:client/${!iot:Connection.Thing.ThingName}' },
                { Effect: 'Allow', Action: 'iot:Publish', Resource: 'arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/*' },
              ],
            }),
          },
        },
      },
    };
    include(stack, { T: { Type: TEMPLATE, Properties: { ProvisioningRoleArn: 'arn:aws:iam::123456789012:role/p', TemplateBody: { 'Fn::Sub': JSON.stringify(body) } } } });
    expect(checkType(IoTPolicyDataPlaneScopedToThing, stack, TEMPLATE)).toEqual(['Resource::arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/*']);
    expect(checkType(IoTPolicyResolvable, stack, TEMPLATE)).toEqual(COMPLIANT);
  });

  test('a JSON-string document set by a property override, and on a hand-built CfnResource', () => {
    const stack = newStack();
    const p = policy(stack, { Statement: [] }, 'Overridden');
    p.addPropertyOverride('PolicyDocument', JSON.stringify({ Statement: { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}:client/*` } }));
    const raw = new CfnResource(stack, 'Raw', {
      type: POLICY,
      properties: { PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'iot:DeleteThing', Resource: '*' }] }) },
    });
    expect(check(IoTPolicyDataPlaneScopedToThing, p)).toEqual([`Resource::${ARN}:client/*`]);
    expect(check(IoTPolicyNoControlPlaneActions, raw)).toEqual(['Action::iot:DeleteThing']);
  });

  test('a JSON-string document on a typed CfnPolicy, which fails a synth, is judged when the pack is run by validateScope', () => {
    const stack = newStack();
    policy(stack, JSON.stringify({ Statement: { Effect: 'Allow', Action: 'iot:*', Resource: `${ARN}:client/${THING}` } }));
    const report = new IotSecurityChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName).filter((n) => /^IoTSecurity-ID[1-5]\[/.test(n)).sort())
      .toEqual(['IoTSecurity-ID1[Action::iot:*]']);
  });

  test('a provisioning template whose body is chosen by Fn::If at stack level: both bodies judged', () => {
    const stack = newStack();
    const body = (action: string) => JSON.stringify({ Resources: { p: { Type: POLICY, Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: action, Resource: `${ARN}:client/${THING}` }] } } } } });
    const legacy = new CfnCondition(stack, 'Legacy', { expression: Fn.conditionEquals(Aws.REGION, 'us-east-1') });
    new iot.CfnProvisioningTemplate(stack, 'Template', {
      provisioningRoleArn: 'arn:aws:iam::123456789012:role/p',
      templateBody: Fn.conditionIf(legacy.logicalId, body('iot:*'), body('iot:Connect')).toString(),
    });
    expect(checkType(IoTPolicyNoWildcardActions, stack, TEMPLATE)).toEqual(['Action::iot:*']);
    expect(checkType(IoTPolicyResolvable, stack, TEMPLATE)).toEqual(COMPLIANT);
  });

  test('a provisioning template without policies is not applicable', () => {
    const stack = newStack();
    new iot.CfnProvisioningTemplate(stack, 'Template', {
      provisioningRoleArn: 'arn:aws:iam::123456789012:role/p',
      templateBody: JSON.stringify({ Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'ThingName' } } } } }),
    });
    expect(checkType(IoTPolicyNoWildcardActions, stack, TEMPLATE)).toEqual(NOT_APPLICABLE);
  });
});

describe('the pack', () => {
  test('lists the IoT policy rules', () => {
    const ids = ALL_RULES.map((r) => r.metadata.id);
    expect(ids).toEqual(expect.arrayContaining(['ID1', 'ID2', 'ID3', 'ID4', 'ID5']));
    expect(new IotSecurityChecks().ruleIds).toEqual(expect.arrayContaining(['IoTSecurity-ID1', 'IoTSecurity-ID2', 'IoTSecurity-ID3', 'IoTSecurity-ID4', 'IoTSecurity-ID5']));
    for (const r of [IoTPolicyNoWildcardActions, IoTPolicyDataPlaneScopedToThing, IoTPolicyNoControlPlaneActions, IoTPolicyDenyNoMqttWildcards, IoTPolicyResolvable]) {
      expect(r.metadata.attackEnterprise.every((t) => /^T1\d{3}(\.\d{3})?$/.test(t))).toBe(true);
      expect(r.metadata.attackIcs.every((t) => /^T0\d{3}$/.test(t))).toBe(true);
    }
  });

  test('reports one finding per cause, and honors an acknowledgment of one finding', () => {
    const stack = newStack();
    const p = policy(stack, { Statement: [{ Effect: 'Allow', Action: ['iot:*', 'iam:PassRole'], Resource: '*' }] });
    Validations.of(p).acknowledge({ id: 'IoTSecurity-ID3[Action::iam:PassRole]', reason: 'test: reviewed' });
    const report = new IotSecurityChecks().validateScope(stack);
    // Other areas' rules judge the same resource; only this area's findings are asserted.
    const names = report.violations.map((v) => v.ruleName).filter((n) => /^IoTSecurity-ID[1-5]\[/.test(n)).sort();
    // Allow iot:* on *: the wildcard action and the wildcard resource, nothing about actions never written.
    expect(names).toEqual([
      'IoTSecurity-ID1[Action::iot:*]',
      'IoTSecurity-ID2[Resource::*]',
    ]);
  });

  test('a least-privilege policy passes the whole pack', () => {
    const stack = newStack();
    policy(stack, devicePolicy(stack));
    const report = new IotSecurityChecks().validateScope(stack);
    expect(report.violations.filter((v) => /^IoTSecurity-ID[1-5]\b/.test(v.ruleName))).toEqual([]);
  });
});

describe('stack parameters in a policy are judged in each allowed value', () => {
  test('Noncompliance 1: a CfnParameter whose AllowedValues include * as a Connect resource (ID2)', () => {
    const stack = newStack();
    const clientArn = new CfnParameter(stack, 'ClientArn', { allowedValues: ['*', `${ARN}:client/device-1`], default: `${ARN}:client/device-1` });
    policy(stack, { Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: clientArn.valueAsString }] });
    expect(checkType(IoTPolicyDataPlaneScopedToThing, stack, POLICY)).toEqual(['Resource::*']);
    expect(checkType(IoTPolicyResolvable, stack, POLICY)).toEqual(COMPLIANT);
  });

  test('Noncompliance 2: an included template whose action parameter allows iot:* (ID1) and whose Deny topic may hold # (ID4)', () => {
    const stack = newStack();
    include(stack, {
      P: {
        Type: POLICY,
        Properties: {
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: { Ref: 'DeviceAction' }, Resource: { 'Fn::Sub': 'arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/${!iot:Connection.Thing.ThingName}' } },
              { Effect: 'Deny', Action: 'iot:Publish', Resource: { 'Fn::Sub': 'arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/admin/${Suffix}' } },
            ],
          },
        },
      },
    }, {
      Parameters: {
        DeviceAction: { Type: 'String', AllowedValues: ['iot:Publish', 'iot:*'] },
        Suffix: { Type: 'String', AllowedValues: ['all', '#'] },
      },
    });
    expect(checkType(IoTPolicyNoWildcardActions, stack, POLICY)).toEqual(['Action::iot:*']);
    expect(checkType(IoTPolicyNoControlPlaneActions, stack, POLICY)).toEqual(COMPLIANT);
    expect(checkType(IoTPolicyDenyNoMqttWildcards, stack, POLICY)).toEqual(['Resource::arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/admin/#']);
    expect(checkType(IoTPolicyResolvable, stack, POLICY)).toEqual(COMPLIANT);
  });

  test('Noncompliance 3: an included parameter with Default * and no AllowedValues is unreadable (ID5), not passed', () => {
    const stack = newStack();
    include(stack, {
      P: { Type: POLICY, Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:Subscribe', Resource: { Ref: 'Filter' } }] } } },
    }, { Parameters: { Filter: { Type: 'String', Default: '*' } } });
    expect(checkType(IoTPolicyDataPlaneScopedToThing, stack, POLICY)).toEqual(COMPLIANT);
    expect(checkType(IoTPolicyResolvable, stack, POLICY)).toEqual(['Unresolved::Statement[0].Resource']);
  });

  test('Compliance: every allowed value scoped, one parameter taking one value throughout; a Ref to a thing stays fixed', () => {
    const stack = newStack();
    include(stack, {
      Thing: { Type: 'AWS::IoT::Thing' },
      P: {
        Type: POLICY,
        Properties: {
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: { 'Fn::Sub': 'iot:${Verb}' }, Resource: { 'Fn::Sub': 'arn:aws:iot:${AWS::Region}:${AWS::AccountId}:${Type}/${!iot:Connection.Thing.ThingName}' } },
              { Effect: 'Allow', Action: 'iot:UpdateThingShadow', Resource: { 'Fn::Sub': 'arn:aws:iot:${AWS::Region}:${AWS::AccountId}:thing/${Thing}' } },
            ],
          },
        },
      },
    }, {
      Parameters: {
        Verb: { Type: 'String', AllowedValues: ['Connect', 'Publish'] },
        Type: { Type: 'String', AllowedValues: ['client', 'topic'] },
      },
    });
    for (const rule of [IoTPolicyNoWildcardActions, IoTPolicyDataPlaneScopedToThing, IoTPolicyNoControlPlaneActions, IoTPolicyDenyNoMqttWildcards, IoTPolicyResolvable]) {
      expect(checkType(rule, stack, POLICY)).toEqual(COMPLIANT);
    }
  });

  test('Compliance: a Ref in a provisioning template names its own parameter, per device, not the stack\'s', () => {
    const stack = newStack();
    // A stack parameter of the same name, which could be `*`, is not what the template's Ref names.
    new CfnParameter(stack, 'SerialNumber', { default: '*' });
    provisioningTemplate(stack, { 'Fn::Join': ['', ['{"Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"', `${ARN}:client/`, { Ref: 'SerialNumber' }, '"}]}']] });
    expect(checkType(IoTPolicyDataPlaneScopedToThing, stack, TEMPLATE)).toEqual(COMPLIANT);
    expect(checkType(IoTPolicyResolvable, stack, TEMPLATE)).toEqual(COMPLIANT);
  });
});

describe('Fn::If in a policy: every branch judged', () => {
  function prod(stack: Stack): string {
    return new CfnCondition(stack, 'Prod', { expression: Fn.conditionEquals(Aws.REGION, 'us-east-1') }).logicalId;
  }

  test('Noncompliance 1: Fn::If(c, iot:*, iot:Connect) in Action of a CfnPolicy (ID1)', () => {
    const stack = newStack();
    policy(stack, { Statement: [{ Effect: 'Allow', Action: Fn.conditionIf(prod(stack), 'iot:*', 'iot:Connect'), Resource: `${ARN}:client/${THING}` }] });
    expect(checkType(IoTPolicyNoWildcardActions, stack, POLICY)).toEqual(['Action::iot:*']);
    expect(checkType(IoTPolicyNoControlPlaneActions, stack, POLICY)).toEqual(COMPLIANT);
    expect(checkType(IoTPolicyResolvable, stack, POLICY)).toEqual(COMPLIANT);
  });

  test('Noncompliance 2: a Resource and an Effect under Fn::If in an included template (ID2)', () => {
    const stack = newStack();
    include(stack, {
      P: {
        Type: POLICY,
        Properties: {
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 'iot:Publish', Resource: { 'Fn::If': ['Prod', `${ARN}:topic/${THING}`, `${ARN}:topic/*`] } },
              { Effect: { 'Fn::If': ['Prod', 'Deny', 'Allow'] }, Action: 'iot:Subscribe', Resource: `${ARN}:topicfilter/#` },
            ],
          },
        },
      },
    }, { Conditions: { Prod: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] } } });
    expect(checkType(IoTPolicyDataPlaneScopedToThing, stack, POLICY)).toEqual([`Resource::${ARN}:topic/*`, `Resource::${ARN}:topicfilter/#`]);
    expect(checkType(IoTPolicyDenyNoMqttWildcards, stack, POLICY)).toEqual([`Resource::${ARN}:topicfilter/#`]);
    expect(checkType(IoTPolicyResolvable, stack, POLICY)).toEqual(COMPLIANT);
  });

  test('Noncompliance 3: a whole statement under Fn::If with AWS::NoValue, and a whole document under Fn::If', () => {
    const stack = newStack();
    const c = prod(stack);
    policy(stack, { Statement: [Fn.conditionIf(c, { Effect: 'Allow', Action: 'iot:CreateThing', Resource: '*' }, Aws.NO_VALUE)] }, 'Statement');
    policy(stack, Fn.conditionIf(c, { Statement: [{ Effect: 'Allow', NotAction: 'iot:Connect', Resource: '*' }] }, { Statement: [] }), 'Document');
    expect(check(IoTPolicyNoControlPlaneActions, stack.node.findChild('Statement') as iot.CfnPolicy)).toEqual(['Action::iot:CreateThing']);
    expect(check(IoTPolicyNoWildcardActions, stack.node.findChild('Document') as iot.CfnPolicy)).toEqual(['NotAction']);
  });

  test('Compliance: both branches scoped, AWS::NoValue an absent value, in a CfnPolicy and an included template', () => {
    const stack = newStack();
    const c = prod(stack);
    policy(stack, {
      Statement: [
        { Effect: 'Allow', Action: ['iot:Connect', Fn.conditionIf(c, 'iot:Publish', Aws.NO_VALUE)], Resource: [`${ARN}:client/${THING}`, `${ARN}:topic/${THING}`] },
        Fn.conditionIf(c, { Effect: 'Deny', Action: 'iot:Subscribe', Resource: `${ARN}:topicfilter/admin/*` }, Aws.NO_VALUE),
      ],
    });
    const included = newStack('Included');
    include(included, {
      P: { Type: POLICY, Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: { 'Fn::If': ['Prod', `arn:aws:iot:*:*:client/${THING}`, `${ARN}:client/${THING}`] } }] } } },
    }, { Conditions: { Prod: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] } } });
    for (const rule of [IoTPolicyNoWildcardActions, IoTPolicyDataPlaneScopedToThing, IoTPolicyNoControlPlaneActions, IoTPolicyDenyNoMqttWildcards, IoTPolicyResolvable]) {
      expect(checkType(rule, stack, POLICY)).toEqual(COMPLIANT);
      expect(checkType(rule, included, POLICY)).toEqual(COMPLIANT);
    }
  });
});

describe('wildcards in the region and account of an IoT ARN', () => {
  test('Noncompliance: a wildcard in the resource part, the partition, the service or the type (ID2)', () => {
    const stack = newStack();
    policy(stack, {
      Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: ['arn:aws:iot:*:*:client/*', 'arn:aws:*:*:*:*', `arn:*:iot:*:*:client/${THING}`, `arn:aws:iot:*:*:*/${THING}`] },
      ],
    });
    expect(checkType(IoTPolicyDataPlaneScopedToThing, stack, POLICY)).toEqual([
      `Resource::arn:*:iot:*:*:client/${THING}`,
      `Resource::arn:aws:*:*:*:*`,
      'Resource::arn:aws:iot:*:*:*/${iot:Connection.Thing.ThingName}',
      'Resource::arn:aws:iot:*:*:client/*',
    ]);
  });

  test('Compliance: the resource part scoped to the thing, region and account *, in a CfnPolicy and an included template', () => {
    const stack = newStack();
    policy(stack, {
      Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:*:*:client/${THING}` },
        { Effect: 'Allow', Action: 'iot:Publish', Resource: `arn:${Aws.PARTITION}:iot:*:${Aws.ACCOUNT_ID}:topic/$aws/things/${THING}/*` },
      ],
    });
    expect(checkType(IoTPolicyDataPlaneScopedToThing, stack, POLICY)).toEqual(COMPLIANT);
    const included = newStack('Included');
    include(included, {
      P: { Type: POLICY, Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:Subscribe', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iot:*:*:topicfilter/$aws/things/${!iot:Connection.Thing.ThingName}/#' } }] } } },
    });
    expect(checkType(IoTPolicyDataPlaneScopedToThing, included, POLICY)).toEqual(COMPLIANT);
  });
});

describe('rule metadata', () => {
  test('each IoT policy rule anticipates the Device Defender audit check it mirrors', () => {
    const names = AUDIT_CHECKS.map(([, name]) => name);
    expect(IoTPolicyNoWildcardActions.metadata.auditCheck).toBe('IOT_POLICY_OVERLY_PERMISSIVE_CHECK');
    expect(IoTPolicyDataPlaneScopedToThing.metadata.auditCheck).toBe('IOT_POLICY_OVERLY_PERMISSIVE_CHECK');
    expect(IoTPolicyNoControlPlaneActions.metadata.auditCheck).toBeUndefined();
    expect(IoTPolicyDenyNoMqttWildcards.metadata.auditCheck).toBe('IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK');
    expect(IoTPolicyResolvable.metadata.auditCheck).toBeUndefined();
    for (const r of [IoTPolicyNoWildcardActions, IoTPolicyDataPlaneScopedToThing, IoTPolicyDenyNoMqttWildcards]) expect(names).toContain(r.metadata.auditCheck);
  });
});
