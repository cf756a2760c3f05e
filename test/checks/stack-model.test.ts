import { Aws, CfnCondition, CfnParameter, CfnResource, Fn } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as cr from 'aws-cdk-lib/custom-resources';
import { withResolutionCache } from '../../lib/checks/private/cfn';
import { canonical, isView, sourceOf, StackModel } from '../../lib/checks/private/stack-model';
import { IoTCognitoRoleNoIotControl as GW4, IoTRoleAliasLeastPrivilege as GW1 } from '../../lib/checks/rules';
import { templateStack } from '../../lib/scanner/private/template-stack';
import { check, checkType, includeTemplate, newStack } from './rule-test-helpers';

const TRUST = { Statement: [{ Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const OPEN = { Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };
const ANY = cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE });

const ids = (resources: CfnResource[]) => resources.map((r) => `${r.stack.resolve(r.logicalId)}:${r.cfnResourceType}`);

describe('elements', () => {
  test('resources, parameters with their defaults and NoEcho, conditions, by logical ID', () => {
    const stack = newStack();
    new CfnParameter(stack, 'Secret', { type: 'String', noEcho: true, default: 'x' });
    new CfnParameter(stack, 'Env', { type: 'String', allowedValues: ['dev', 'prod'] });
    new CfnCondition(stack, 'IsProd', { expression: Fn.conditionEquals(Fn.ref('Env'), 'prod') });
    new iot.CfnThing(stack, 'Thing', {});
    withResolutionCache(() => {
      const model = StackModel.of(stack);
      expect(model.resource('Thing')?.cfnResourceType).toBe('AWS::IoT::Thing');
      expect(model.parameterInfo('Secret')).toMatchObject({ default: 'x', noEcho: true });
      expect(model.parameterInfo('Env')).toMatchObject({ allowedValues: ['dev', 'prod'], noEcho: false });
      expect(model.parameter('AWS::Region')).toBeUndefined();
      expect(model.condition('IsProd')).toBeDefined();
      expect(model.resource('Secret')).toBeUndefined();
    });
  });
  test('built once per pass; afresh outside one', () => {
    const stack = newStack();
    withResolutionCache(() => expect(StackModel.of(stack)).toBe(StackModel.of(stack)));
    expect(StackModel.of(stack)).not.toBe(StackModel.of(stack));
  });
  test('a resource added after the model was built is still found by logical ID', () => {
    const stack = newStack();
    withResolutionCache(() => {
      const model = StackModel.of(stack);
      expect(model.resource('Late')).toBeUndefined();
      new iot.CfnThing(stack, 'Late', {});
      expect(model.resource('Late')).toBeDefined();
    });
  });
});

describe('names and ARNs', () => {
  test('canonical text: literals and pseudo parameters; anything else is not derivable', () => {
    expect(canonical('a')).toBe('a');
    expect(canonical({ 'Fn::Sub': '${AWS::StackName}-role' })).toBe('${AWS::StackName}-role');
    expect(canonical({ 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'role']] })).toBe('${AWS::StackName}-role');
    expect(canonical({ 'Fn::Sub': '${Env}-role' })).toBeUndefined();
    expect(canonical({ Ref: 'Env' })).toBeUndefined();
    expect(canonical('{{resolve:ssm:/x}}')).toBeUndefined();
  });
  test('a role by literal, Fn::Sub and Fn::Join name, and by ARN (literal account, pseudo parameters, IAM path)', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Literal: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'devices', AssumeRolePolicyDocument: TRUST } },
        Sub: { Type: 'AWS::IAM::Role', Properties: { RoleName: { 'Fn::Sub': '${AWS::StackName}-gw' }, AssumeRolePolicyDocument: TRUST } },
        Pathed: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'edge', Path: '/iot/', AssumeRolePolicyDocument: TRUST } },
        Param: { Type: 'AWS::IAM::Role', Properties: { RoleName: { 'Fn::Sub': '${Env}-x' }, AssumeRolePolicyDocument: TRUST } },
      },
      Parameters: { Env: { Type: 'String' } },
    });
    withResolutionCache(() => {
      const model = StackModel.of(stack);
      expect(ids(model.byName('AWS::IAM::Role', 'devices'))).toEqual(['Literal:AWS::IAM::Role']);
      expect(ids(model.byName('AWS::IAM::Role', { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-gw']] }))).toEqual(['Sub:AWS::IAM::Role']);
      expect(ids(model.byArn('arn:aws:iam::111111111111:role/devices'))).toEqual(['Literal:AWS::IAM::Role']);
      expect(ids(model.byArn({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-gw' }, 'AWS::IAM::Role'))).toEqual(['Sub:AWS::IAM::Role']);
      expect(ids(model.byArn('arn:aws:iam::111111111111:role/iot/edge'))).toEqual(['Pathed:AWS::IAM::Role']);
      expect(ids(model.byArn('arn:aws:iam::111111111111:role/edge'))).toEqual(['Pathed:AWS::IAM::Role']);
      expect(model.byArn('arn:aws:iam::111111111111:role/other')).toEqual([]);
      expect(model.byArn('arn:aws:iam::111111111111:user/devices')).toEqual([]);
      expect(model.byArn('arn:aws:iot:eu-west-1:111111111111:rolealias/devices')).toEqual([]);
    });
  });
  test('IoT resources by ARN: a job template given literally, a policy, a thing', () => {
    const stack = newStack();
    new iot.CfnJobTemplate(stack, 'Template', { jobTemplateId: 'firmware', description: 'd', document: '{}' });
    new iot.CfnPolicy(stack, 'Policy', { policyName: Fn.sub('${AWS::StackName}-device'), policyDocument: OPEN });
    new iot.CfnThing(stack, 'Thing', { thingName: 'sensor-1' });
    withResolutionCache(() => {
      const model = StackModel.of(stack);
      expect(ids(model.byArn('arn:aws:iot:eu-west-1:111111111111:jobtemplate/firmware'))).toEqual(['Template:AWS::IoT::JobTemplate']);
      expect(ids(model.referenced({ 'Fn::Sub': '${AWS::StackName}-device' }, 'AWS::IoT::Policy'))).toEqual(['Policy:AWS::IoT::Policy']);
      expect(ids(model.byArn('arn:aws:iot:eu-west-1:111111111111:thing/sensor-1'))).toEqual(['Thing:AWS::IoT::Thing']);
      expect(model.byArn('arn:aws:iot:eu-west-1:111111111111:thing/sensor-10')).toEqual([]);
    });
  });
});

describe('custom resources stand for native resources', () => {
  test('a policy attached by a built name resolves to the policy a Custom::AWS created', () => {
    const stack = newStack();
    const call = new cr.AwsCustomResource(stack, 'CreatePolicy', {
      onCreate: {
        service: 'Iot', action: 'createPolicy', physicalResourceId: cr.PhysicalResourceId.of('p'),
        parameters: { policyName: `${Aws.STACK_NAME}-device`, policyDocument: JSON.stringify(OPEN) },
      },
      policy: ANY,
    });
    new iot.CfnPolicyPrincipalAttachment(stack, 'Attach', { policyName: Fn.join('', [Aws.STACK_NAME, '-device']), principal: 'arn:aws:iot:eu-west-1:111111111111:cert/abc' });
    withResolutionCache(() => {
      const model = StackModel.of(stack);
      const custom = call.node.findChild('Resource').node.defaultChild as CfnResource;
      const [view] = model.customResource(custom).views;
      expect(isView(view)).toBe(true);
      expect(sourceOf(view) === custom).toBe(true);
      expect(view.node.path).toBe(custom.node.path);
      // Identity, not deep equality: a view is the custom resource's construct under another type.
      const byName = model.referenced({ 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-device']] }, 'AWS::IoT::Policy');
      expect(byName.length === 1 && byName[0] === view).toBe(true);
      const byRef = model.referenced({ Ref: stack.resolve(custom.logicalId) }, 'AWS::IoT::Policy');
      expect(byRef.length === 1 && byRef[0] === view).toBe(true);
      expect(model.resources().includes(view)).toBe(false);
      expect(model.resourcesWithViews().includes(view)).toBe(true);
    });
  });
  test('an AWS::IAM::Policy attached to a role by a built name is reviewed with the role (GW1)', () => {
    const stack = newStack();
    const role = new iam.CfnRole(stack, 'Role', { roleName: Fn.sub('${AWS::StackName}-device'), assumeRolePolicyDocument: TRUST });
    new iam.CfnPolicy(stack, 'Extra', {
      policyName: 'extra', roles: [Fn.sub('${AWS::StackName}-device')],
      policyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
    });
    const alias = new iot.CfnRoleAlias(stack, 'Alias', { roleArn: role.attrArn, credentialDurationSeconds: 900 });
    expect(check(GW1, alias)).toEqual(['Action::s3:*', 'AdminAction::s3:*', 'Resource::*']);
  });
  test('a role alias whose role ARN is given literally reaches the role by name', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: { RoleName: 'devices', AssumeRolePolicyDocument: TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] } }] },
        },
        Alias: { Type: 'AWS::IoT::RoleAlias', Properties: { RoleArn: 'arn:aws:iam::111111111111:role/devices', CredentialDurationSeconds: 900 } },
      },
    });
    expect(checkType(GW1, stack, 'AWS::IoT::RoleAlias')).toEqual(expect.arrayContaining(['Resource::*']));
  });
  test('a Cognito identity pool role named by an ARN built from its name', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            RoleName: { 'Fn::Sub': '${AWS::StackName}-app' },
            AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
            Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:DeleteThing', Resource: '*' }] } }],
          },
        },
        Attachment: {
          Type: 'AWS::Cognito::IdentityPoolRoleAttachment',
          Properties: { IdentityPoolId: 'pool', Roles: { authenticated: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-app' } } },
        },
      },
    });
    // Trusted by Lambda, but named by the identity pool's attachment through its built ARN: GW4 applies.
    expect(checkType(GW4, stack, 'AWS::IAM::Role')).toEqual(['Action::iot:DeleteThing']);
  });
});

describe('the scanner builds the same model from a template file', () => {
  test('names, ARNs and views of a rebuilt template', () => {
    const { stack } = templateStack({
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: { 'Fn::Sub': '${AWS::StackName}-device' }, AssumeRolePolicyDocument: TRUST } },
        Alias: {
          Type: 'Custom::AWS',
          Properties: {
            ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:p',
            Create: '{"service":"Iot","action":"createRoleAlias","parameters":{"roleAlias":"devices","roleArn":"arn:aws:iam::111111111111:role/x"}}',
          },
        },
      },
    }, 'Scanned');
    withResolutionCache(() => {
      const model = StackModel.of(stack);
      expect(ids(model.byArn({ 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:role/${AWS::StackName}-device' }))).toEqual(['Role:AWS::IAM::Role']);
      expect(ids(model.byName('AWS::IoT::RoleAlias', 'devices'))).toEqual(['Alias:AWS::IoT::RoleAlias']);
      expect(ids(model.byArn('arn:aws:iot:us-east-1:111111111111:rolealias/devices'))).toEqual(['Alias:AWS::IoT::RoleAlias']);
    });
  });
});
