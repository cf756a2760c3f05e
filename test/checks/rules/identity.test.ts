import { CfnParameter, CfnResource, Fn, SecretValue } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import {
  IoTAuthorizerTokenSigning,
  IoTCaAutoRegistrationTemplate,
  IoTThingPrincipalExclusive,
  IoTFleetProvisioningHook,
  IoTNoLiteralSecrets,
} from '../../../lib/checks/rules/identity';
import { check, checkType, COMPLIANT, includeTemplate, newStack, NON_COMPLIANT, NOT_APPLICABLE } from '../rule-test-helpers';

const PEM_KEY = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAx4Yz0fakefakefakefakefakefakefake', '-----END RSA PRIVATE KEY-----'].join('\n');
const CA_PEM = ['-----BEGIN CERTIFICATE-----', 'MIIBfakefakefakefakefakefakefakefakefake', '-----END CERTIFICATE-----'].join('\n');

function template(resources: object, parameters: object = {}, conditions: object = {}): object {
  return { Parameters: parameters, Conditions: conditions, Resources: resources };
}

const IS_PROD = { IsProd: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } };

describe('ID6 IoTThingPrincipalExclusive', () => {
  const TYPE = 'AWS::IoT::ThingPrincipalAttachment';
  const attachment = (props: object) => ({ A: { Type: TYPE, Properties: { Principal: 'arn:aws:iot:eu-west-1:111111111111:cert/abc', ThingName: 'dev1', ...props } } });

  test('Noncompliance 1: the L1 default (absent type means NON_EXCLUSIVE_THING)', () => {
    const stack = newStack();
    new iot.CfnThingPrincipalAttachment(stack, 'A', { principal: 'arn:aws:iot:eu-west-1:111111111111:cert/abc', thingName: 'dev1' });
    expect(checkType(IoTThingPrincipalExclusive, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 2: NON_EXCLUSIVE_THING in a plain template', () => {
    const stack = newStack();
    includeTemplate(stack, template(attachment({ ThingPrincipalType: 'NON_EXCLUSIVE_THING' })));
    expect(checkType(IoTThingPrincipalExclusive, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 3: an override replaces an exclusive attachment with a non-exclusive one', () => {
    const stack = newStack();
    const a = new iot.CfnThingPrincipalAttachment(stack, 'A', { principal: 'p', thingName: 't', thingPrincipalType: 'EXCLUSIVE_THING' });
    a.addPropertyOverride('ThingPrincipalType', 'NON_EXCLUSIVE_THING');
    expect(check(IoTThingPrincipalExclusive, a)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 4: one Fn::If branch is non-exclusive', () => {
    const stack = newStack();
    includeTemplate(stack, template(attachment({ ThingPrincipalType: { 'Fn::If': ['IsProd', 'EXCLUSIVE_THING', { Ref: 'AWS::NoValue' }] } }), {}, IS_PROD));
    expect(checkType(IoTThingPrincipalExclusive, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 5: a parameter is unresolved, and says which property', () => {
    const stack = newStack();
    includeTemplate(stack, template(attachment({ ThingPrincipalType: { Ref: 'Kind' } }), { Kind: { Type: 'String', Default: 'EXCLUSIVE_THING' } }));
    expect(checkType(IoTThingPrincipalExclusive, stack, TYPE)).toEqual(['Unresolved::ThingPrincipalType']);
  });

  test('Noncompliance 6: an imported value is unresolved', () => {
    const stack = newStack();
    const a = new iot.CfnThingPrincipalAttachment(stack, 'A', { principal: 'p', thingName: 't', thingPrincipalType: Fn.importValue('Kind') });
    expect(check(IoTThingPrincipalExclusive, a)).toEqual(['Unresolved::ThingPrincipalType']);
  });

  test('Noncompliance 7: a type CloudFormation would reject is invalid, and an import beside it still unresolved', () => {
    const stack = newStack();
    const a = new iot.CfnThingPrincipalAttachment(stack, 'A', { principal: 'p', thingName: 't' });
    a.addPropertyOverride('ThingPrincipalType', 42);
    expect(check(IoTThingPrincipalExclusive, a)).toEqual(['Invalid::ThingPrincipalType']);

    const s2 = newStack();
    includeTemplate(s2, template(attachment({ ThingPrincipalType: { 'Fn::If': ['IsProd', ['EXCLUSIVE_THING'], { 'Fn::ImportValue': 'Kind' }] } }), {}, IS_PROD));
    expect(checkType(IoTThingPrincipalExclusive, s2, TYPE)).toEqual(['Invalid::ThingPrincipalType', 'Unresolved::ThingPrincipalType']);
  });

  test('Compliance: EXCLUSIVE_THING as L1 prop, plain template, parameter allowing only it, and any case', () => {
    const stack = newStack();
    const a = new iot.CfnThingPrincipalAttachment(stack, 'A', { principal: 'p', thingName: 't', thingPrincipalType: 'EXCLUSIVE_THING' });
    expect(check(IoTThingPrincipalExclusive, a)).toEqual(COMPLIANT);

    const s2 = newStack();
    includeTemplate(s2, template(attachment({ ThingPrincipalType: { Ref: 'Kind' } }), { Kind: { Type: 'String', AllowedValues: ['EXCLUSIVE_THING'] } }));
    expect(checkType(IoTThingPrincipalExclusive, s2, TYPE)).toEqual(COMPLIANT);

    const s3 = newStack();
    includeTemplate(s3, template(attachment({ ThingPrincipalType: 'exclusive_thing' })));
    expect(checkType(IoTThingPrincipalExclusive, s3, TYPE)).toEqual(COMPLIANT);
  });

  test('Not applicable to other types', () => {
    const stack = newStack();
    const thing = new iot.CfnThing(stack, 'T');
    expect(check(IoTThingPrincipalExclusive, thing)).toEqual(NOT_APPLICABLE);
  });
});

describe('ID7 IoTCaAutoRegistrationTemplate', () => {
  const TYPE = 'AWS::IoT::CACertificate';
  const ca = (props: object) => ({ Ca: { Type: TYPE, Properties: { CACertificatePem: CA_PEM, Status: 'ACTIVE', ...props } } });

  test('Noncompliance 1: auto-registration with no RegistrationConfig (L1)', () => {
    const stack = newStack();
    new iot.CfnCACertificate(stack, 'Ca', { caCertificatePem: CA_PEM, status: 'ACTIVE', autoRegistrationStatus: 'ENABLE' });
    expect(checkType(IoTCaAutoRegistrationTemplate, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 2: a RegistrationConfig with only a role, in a plain template, lower case', () => {
    const stack = newStack();
    includeTemplate(stack, template(ca({ AutoRegistrationStatus: 'enable', RegistrationConfig: { RoleArn: 'arn:aws:iam::111111111111:role/jitp' } })));
    expect(checkType(IoTCaAutoRegistrationTemplate, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 3: an override turns auto-registration on; RemoveAutoRegistration "false" does not help', () => {
    const stack = newStack();
    const c = new iot.CfnCACertificate(stack, 'Ca', { caCertificatePem: CA_PEM, status: 'ACTIVE', autoRegistrationStatus: 'DISABLE' });
    c.addPropertyOverride('AutoRegistrationStatus', 'ENABLE');
    c.addPropertyOverride('RemoveAutoRegistration', 'false');
    expect(check(IoTCaAutoRegistrationTemplate, c)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 4: the template name is dropped in one Fn::If branch', () => {
    const stack = newStack();
    includeTemplate(stack, template(ca({
      AutoRegistrationStatus: 'ENABLE',
      RegistrationConfig: { 'Fn::If': ['IsProd', { TemplateName: 'jitp' }, { Ref: 'AWS::NoValue' }] },
    }), {}, IS_PROD));
    expect(checkType(IoTCaAutoRegistrationTemplate, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 5: a status from a parameter is unresolved', () => {
    const stack = newStack();
    includeTemplate(stack, template(ca({ AutoRegistrationStatus: { Ref: 'Auto' } }), { Auto: { Type: 'String' } }));
    expect(checkType(IoTCaAutoRegistrationTemplate, stack, TYPE)).toEqual(['Unresolved::AutoRegistrationStatus']);
  });

  test('Noncompliance 6: a status or a removal CloudFormation would reject is invalid', () => {
    const stack = newStack();
    const c = new iot.CfnCACertificate(stack, 'Ca', { caCertificatePem: CA_PEM, status: 'ACTIVE' });
    c.addPropertyOverride('AutoRegistrationStatus', true);
    expect(check(IoTCaAutoRegistrationTemplate, c)).toEqual(['Invalid::AutoRegistrationStatus']);

    c.addPropertyOverride('AutoRegistrationStatus', 'ENABLE');
    c.addPropertyOverride('RemoveAutoRegistration', 'maybe');
    expect(check(IoTCaAutoRegistrationTemplate, c)).toEqual(['Invalid::RemoveAutoRegistration']);
  });

  test('Compliance: a template name or body (literal or intrinsic), auto-registration off or removed', () => {
    const stack = newStack();
    const tpl = new iot.CfnProvisioningTemplate(stack, 'Tpl', { provisioningRoleArn: 'arn:aws:iam::111111111111:role/p', templateBody: '{}', templateType: 'JITP' });
    const withName = new iot.CfnCACertificate(stack, 'Ca1', {
      caCertificatePem: CA_PEM, status: 'ACTIVE', autoRegistrationStatus: 'ENABLE',
      registrationConfig: { templateName: tpl.ref, roleArn: 'arn:aws:iam::111111111111:role/p' },
    });
    const withBody = new iot.CfnCACertificate(stack, 'Ca2', {
      caCertificatePem: CA_PEM, status: 'ACTIVE', autoRegistrationStatus: 'ENABLE', registrationConfig: { templateBody: '{"Resources":{}}' },
    });
    const off = new iot.CfnCACertificate(stack, 'Ca3', { caCertificatePem: CA_PEM, status: 'ACTIVE' });
    const removed = new iot.CfnCACertificate(stack, 'Ca4', { caCertificatePem: CA_PEM, status: 'ACTIVE', autoRegistrationStatus: 'ENABLE', removeAutoRegistration: true });
    for (const c of [withName, withBody, off, removed]) expect(check(IoTCaAutoRegistrationTemplate, c)).toEqual(COMPLIANT);

    const s2 = newStack();
    includeTemplate(s2, template(ca({ AutoRegistrationStatus: 'DISABLE' })));
    expect(checkType(IoTCaAutoRegistrationTemplate, s2, TYPE)).toEqual(COMPLIANT);
  });
});

describe('ID8 IoTFleetProvisioningHook', () => {
  const TYPE = 'AWS::IoT::ProvisioningTemplate';
  const ROLE = 'arn:aws:iam::111111111111:role/provisioning';
  const tpl = (props: object) => ({ T: { Type: TYPE, Properties: { ProvisioningRoleArn: ROLE, TemplateBody: '{}', Enabled: true, ...props } } });

  test('Noncompliance 1: no TemplateType (fleet provisioning) and no hook (L1)', () => {
    const stack = newStack();
    new iot.CfnProvisioningTemplate(stack, 'T', { provisioningRoleArn: ROLE, templateBody: '{}', enabled: true });
    expect(checkType(IoTFleetProvisioningHook, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 2: FLEET_PROVISIONING with a hook that has no target, in a plain template', () => {
    const stack = newStack();
    includeTemplate(stack, template(tpl({ TemplateType: 'FLEET_PROVISIONING', PreProvisioningHook: { PayloadVersion: '2020-04-01' } })));
    expect(checkType(IoTFleetProvisioningHook, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 3: an override removes the hook', () => {
    const stack = newStack();
    const t = new iot.CfnProvisioningTemplate(stack, 'T', {
      provisioningRoleArn: ROLE, templateBody: '{}', preProvisioningHook: { targetArn: 'arn:aws:lambda:eu-west-1:111111111111:function:hook' },
    });
    t.addPropertyDeletionOverride('PreProvisioningHook');
    expect(check(IoTFleetProvisioningHook, t)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 4: the hook is dropped in one Fn::If branch', () => {
    const stack = newStack();
    includeTemplate(stack, template(tpl({
      PreProvisioningHook: { 'Fn::If': ['IsProd', { TargetArn: 'arn:aws:lambda:eu-west-1:111111111111:function:hook' }, { Ref: 'AWS::NoValue' }] },
    }), {}, IS_PROD));
    expect(checkType(IoTFleetProvisioningHook, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 5: a type from a parameter, with no hook, is unresolved', () => {
    const stack = newStack();
    includeTemplate(stack, template(tpl({ TemplateType: { Ref: 'Kind' } }), { Kind: { Type: 'String' } }));
    expect(checkType(IoTFleetProvisioningHook, stack, TYPE)).toEqual(['Unresolved::TemplateType']);
  });

  test('Noncompliance 6: a type CloudFormation would reject, with no hook, is invalid', () => {
    const stack = newStack();
    const t = new iot.CfnProvisioningTemplate(stack, 'T', { provisioningRoleArn: ROLE, templateBody: '{}' });
    t.addPropertyOverride('TemplateType', { Kind: 'JITP' });
    expect(check(IoTFleetProvisioningHook, t)).toEqual(['Invalid::TemplateType']);
  });

  test('Compliance: a hook by literal ARN or by Fn::GetAtt, whatever the type', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Hook', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async()=>({allowProvisioning:false})') });
    const t = new iot.CfnProvisioningTemplate(stack, 'T', { provisioningRoleArn: ROLE, templateBody: '{}', preProvisioningHook: { targetArn: fn.functionArn, payloadVersion: '2020-04-01' } });
    expect(check(IoTFleetProvisioningHook, t)).toEqual(COMPLIANT);

    const s2 = newStack();
    includeTemplate(s2, template(tpl({ TemplateType: { Ref: 'Kind' }, PreProvisioningHook: { TargetArn: 'arn:aws:lambda:eu-west-1:111111111111:function:hook' } }), { Kind: { Type: 'String' } }));
    expect(checkType(IoTFleetProvisioningHook, s2, TYPE)).toEqual(COMPLIANT);
  });

  test('Not applicable to JITP templates, in any case', () => {
    const stack = newStack();
    const t = new iot.CfnProvisioningTemplate(stack, 'T', { provisioningRoleArn: ROLE, templateBody: '{}', templateType: 'JITP' });
    expect(check(IoTFleetProvisioningHook, t)).toEqual(NOT_APPLICABLE);
    const s2 = newStack();
    includeTemplate(s2, template(tpl({ TemplateType: 'jitp' })));
    expect(checkType(IoTFleetProvisioningHook, s2, TYPE)).toEqual(NOT_APPLICABLE);
  });
});

describe('ID9 IoTAuthorizerTokenSigning', () => {
  const TYPE = 'AWS::IoT::Authorizer';
  const FN = 'arn:aws:lambda:eu-west-1:111111111111:function:auth';
  const auth = (props: object) => ({ Auth: { Type: TYPE, Properties: { AuthorizerFunctionArn: FN, ...props } } });

  test('Noncompliance 1: SigningDisabled true (L1)', () => {
    const stack = newStack();
    new iot.CfnAuthorizer(stack, 'Auth', { authorizerFunctionArn: FN, signingDisabled: true });
    expect(checkType(IoTAuthorizerTokenSigning, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 2: the strings "true" and "TRUE" in a plain template and an override', () => {
    const stack = newStack();
    includeTemplate(stack, template(auth({ SigningDisabled: 'true', Status: 'INACTIVE' })));
    expect(checkType(IoTAuthorizerTokenSigning, stack, TYPE)).toEqual(NON_COMPLIANT);

    const s2 = newStack();
    const a = new iot.CfnAuthorizer(s2, 'Auth', { authorizerFunctionArn: FN, signingDisabled: false });
    a.addPropertyOverride('SigningDisabled', 'TRUE');
    expect(check(IoTAuthorizerTokenSigning, a)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 3: one Fn::If branch disables signing', () => {
    const stack = newStack();
    includeTemplate(stack, template(auth({ SigningDisabled: { 'Fn::If': ['IsProd', false, true] } }), {}, IS_PROD));
    expect(checkType(IoTAuthorizerTokenSigning, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 4: a parameter or an import is unresolved', () => {
    const stack = newStack();
    includeTemplate(stack, template(auth({ SigningDisabled: { Ref: 'Unsigned' } }), { Unsigned: { Type: 'String', Default: 'false' } }));
    expect(checkType(IoTAuthorizerTokenSigning, stack, TYPE)).toEqual(['Unresolved::SigningDisabled']);

    const s2 = newStack();
    const a = new iot.CfnAuthorizer(s2, 'Auth', { authorizerFunctionArn: FN });
    a.addPropertyOverride('SigningDisabled', Fn.importValue('Unsigned'));
    expect(check(IoTAuthorizerTokenSigning, a)).toEqual(['Unresolved::SigningDisabled']);
  });

  test('Noncompliance 5: a flag CloudFormation would reject is invalid, and an import beside it still unresolved', () => {
    const stack = newStack();
    const a = new iot.CfnAuthorizer(stack, 'Auth', { authorizerFunctionArn: FN });
    a.addPropertyOverride('SigningDisabled', 'yes');
    expect(check(IoTAuthorizerTokenSigning, a)).toEqual(['Invalid::SigningDisabled']);

    const s2 = newStack();
    includeTemplate(s2, template(auth({ SigningDisabled: { 'Fn::If': ['IsProd', 'no', { 'Fn::ImportValue': 'Unsigned' }] } }), {}, IS_PROD));
    expect(checkType(IoTAuthorizerTokenSigning, s2, TYPE)).toEqual(['Invalid::SigningDisabled', 'Unresolved::SigningDisabled']);
  });

  test('Compliance: signing left on (absent, false, "False", parameter allowing only false)', () => {
    const stack = newStack();
    const a = new iot.CfnAuthorizer(stack, 'A1', { authorizerFunctionArn: FN, tokenKeyName: 'x-token', tokenSigningPublicKeys: { k: 'pem' } });
    const b = new iot.CfnAuthorizer(stack, 'A2', { authorizerFunctionArn: FN, signingDisabled: false });
    expect(check(IoTAuthorizerTokenSigning, a)).toEqual(COMPLIANT);
    expect(check(IoTAuthorizerTokenSigning, b)).toEqual(COMPLIANT);

    const s2 = newStack();
    includeTemplate(s2, template(auth({ SigningDisabled: 'false' })));
    expect(checkType(IoTAuthorizerTokenSigning, s2, TYPE)).toEqual(COMPLIANT);
    b.addPropertyOverride('SigningDisabled', 'False');
    expect(check(IoTAuthorizerTokenSigning, b)).toEqual(COMPLIANT);

    const s3 = newStack();
    includeTemplate(s3, template(auth({ SigningDisabled: { Ref: 'Unsigned' } }), { Unsigned: { Type: 'String', AllowedValues: ['false'] } }));
    expect(checkType(IoTAuthorizerTokenSigning, s3, TYPE)).toEqual(COMPLIANT);
  });
});

describe('ID10 IoTNoLiteralSecrets', () => {
  test('Noncompliance 1: Lambda environment variables named like secrets, with literal values', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('x'),
      environment: { DB_PASSWORD: 'hunter2', clientSecret: 's3cr3t-value', API_KEY: 'k-123', GITHUB_TOKEN: 'ghp_x', TABLE: 'devices' },
    });
    expect(check(IoTNoLiteralSecrets, fn.node.defaultChild as CfnResource)).toEqual([
      'LiteralSecret::Environment.Variables.API_KEY',
      'LiteralSecret::Environment.Variables.DB_PASSWORD',
      'LiteralSecret::Environment.Variables.GITHUB_TOKEN',
      'LiteralSecret::Environment.Variables.clientSecret',
    ]);
  });

  test('Noncompliance 2: findings never echo the secret', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('x'), environment: { PRIVATE_KEY: PEM_KEY },
    });
    const result = check(IoTNoLiteralSecrets, fn.node.defaultChild as CfnResource);
    expect(result).toEqual(['LiteralSecret::Environment.Variables.PRIVATE_KEY', 'PrivateKey::Environment.Variables.PRIVATE_KEY']);
    expect(JSON.stringify(result)).not.toMatch(/MIIE|BEGIN/);
  });

  test('Noncompliance 3: an SSM parameter named like a secret, and one holding a PEM key whatever its name', () => {
    const stack = newStack();
    const named = new ssm.StringParameter(stack, 'Named', { parameterName: '/iot/db/password', stringValue: 'hunter2' });
    const pem = new ssm.StringParameter(stack, 'Pem', { parameterName: '/iot/gateway/bootstrap', stringValue: PEM_KEY });
    expect(check(IoTNoLiteralSecrets, named.node.defaultChild as CfnResource)).toEqual(['LiteralSecret::Value']);
    expect(check(IoTNoLiteralSecrets, pem.node.defaultChild as CfnResource)).toEqual(['PrivateKey::Value']);
  });

  test('Noncompliance 4: ECS container environment entries are named by their variable', () => {
    const stack = newStack();
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('App', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx'),
      environment: { MQTT_PASSWORD: 'p@ss', LOG_LEVEL: 'info' },
    });
    const cfn = task.node.defaultChild as CfnResource;
    expect(check(IoTNoLiteralSecrets, cfn)).toEqual(['LiteralSecret::ContainerDefinitions[0].Environment[MQTT_PASSWORD].Value']);
  });

  test('Noncompliance 5: a custom resource and an access key ID anywhere, through a plain template', () => {
    const stack = newStack();
    includeTemplate(stack, template({
      Seed: {
        Type: 'Custom::DeviceSeed',
        Properties: {
          ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:seed',
          ApiKey: 'abcdef0123456789',
          Script: { 'Fn::Join': ['', ['aws configure set aws_access_key_id ', 'AKIAIOSFODNN7EXAMPLE']] },
          ConnectionString: 'mqtts://gateway:pa55word@broker.example.com:8883',
        },
      },
    }));
    expect(checkType(IoTNoLiteralSecrets, stack, 'Custom::DeviceSeed')).toEqual([
      'AccessKeyId::Script',
      'LiteralSecret::ApiKey',
      'UrlCredentials::ConnectionString',
    ]);
  });

  test('Noncompliance 6: overrides, Secrets Manager plain text, and a parameter whose default is the secret', () => {
    const stack = newStack();
    const secret = new secretsmanager.CfnSecret(stack, 'S', { secretString: '{{resolve:ssm-secure:/x}}' });
    secret.addPropertyOverride('SecretString', 'plain-text-secret');
    expect(check(IoTNoLiteralSecrets, secret)).toEqual(['LiteralSecret::SecretString']);

    const s2 = newStack();
    includeTemplate(s2, template(
      { Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: 'arn:aws:iam::111111111111:role/r', Code: { ZipFile: 'x' }, Environment: { Variables: { DB_PASSWORD: { Ref: 'DbPassword' } } } } } },
      { DbPassword: { Type: 'String', NoEcho: true, Default: 'changeme' } },
    ));
    expect(checkType(IoTNoLiteralSecrets, s2, 'AWS::Lambda::Function')).toEqual(['LiteralSecret::Environment.Variables.DB_PASSWORD']);
  });

  test('Noncompliance 7: a literal behind Fn::If or Fn::Sub, and a password in a connection URL built with Fn::Join', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('x'),
      environment: {
        BROKER_PASSWORD: Fn.conditionIf('IsProd', '{{resolve:secretsmanager:broker:SecretString:password}}', 'dev-password').toString(),
        API_TOKEN: Fn.sub('tok-123456'),
        DB_URL: Fn.join('', ['postgres://admin:hunter2@', Fn.importValue('DbHost'), ':5432/iot']),
      },
    });
    expect(check(IoTNoLiteralSecrets, fn.node.defaultChild as CfnResource)).toEqual([
      'LiteralSecret::Environment.Variables.API_TOKEN',
      'LiteralSecret::Environment.Variables.BROKER_PASSWORD',
      'UrlCredentials::Environment.Variables.DB_URL',
    ]);
  });

  test('Noncompliance 8: a private key in cfn-init metadata', () => {
    const stack = newStack();
    includeTemplate(stack, template({
      Gw: {
        Type: 'AWS::EC2::Instance',
        Metadata: { 'AWS::CloudFormation::Init': { config: { files: { '/greengrass/device.key': { content: PEM_KEY, mode: '000400' } } } } },
        Properties: { ImageId: 'ami-12345678', InstanceType: 't3.micro' },
      },
    }));
    expect(checkType(IoTNoLiteralSecrets, stack, 'AWS::EC2::Instance')).toEqual([
      'PrivateKey::Metadata.AWS::CloudFormation::Init.config.files./greengrass/device.key.content',
    ]);
  });

  test('Compliance: dynamic references, ARNs, parameter paths, NoEcho parameters without default, settings', () => {
    const stack = newStack();
    const dbSecret = new secretsmanager.Secret(stack, 'Db');
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('x'),
      environment: {
        DB_PASSWORD: dbSecret.secretValueFromJson('password').unsafeUnwrap(),
        API_KEY: SecretValue.ssmSecure('/iot/api-key').unsafeUnwrap(),
        SECRET_ARN: dbSecret.secretArn,
        TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:x',
        PASSWORD_PARAMETER: '/iot/db/password',
        CLIENT_SECRET: '',
        ROTATE_TOKEN: 'true',
        TOKEN_TTL: '3600',
      },
    });
    expect(check(IoTNoLiteralSecrets, fn.node.defaultChild as CfnResource)).toEqual(COMPLIANT);

    const pw = new CfnParameter(stack, 'Pw', { noEcho: true });
    const user = new CfnResource(stack, 'User', { type: 'AWS::IAM::User', properties: { LoginProfile: { Password: pw.valueAsString } } });
    expect(check(IoTNoLiteralSecrets, user)).toEqual(COMPLIANT);

    const authorizer = new iot.CfnAuthorizer(stack, 'Auth', {
      authorizerFunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:auth',
      tokenKeyName: 'x-device-token',
      tokenSigningPublicKeys: { key1: ['-----BEGIN PUBLIC KEY-----', 'MFkwfake', '-----END PUBLIC KEY-----'].join('\n') },
    });
    expect(check(IoTNoLiteralSecrets, authorizer)).toEqual(COMPLIANT);

    const ca = new iot.CfnCACertificate(stack, 'Ca', { caCertificatePem: CA_PEM, status: 'ACTIVE' });
    expect(check(IoTNoLiteralSecrets, ca)).toEqual(COMPLIANT);
  });

  test('Compliance: CodeBuild variables stored elsewhere, and a custom resource service token', () => {
    const stack = newStack();
    includeTemplate(stack, template({
      Build: {
        Type: 'AWS::CodeBuild::Project',
        Properties: {
          Environment: {
            Type: 'LINUX_CONTAINER', ComputeType: 'BUILD_GENERAL1_SMALL', Image: 'aws/codebuild/standard:7.0',
            EnvironmentVariables: [
              { Name: 'SIGNING_KEY', Type: 'SECRETS_MANAGER', Value: 'firmware-signing:key' },
              { Name: 'GITHUB_TOKEN', Type: 'PARAMETER_STORE', Value: '/ci/github/token' },
            ],
          },
          Source: { Type: 'NO_SOURCE', BuildSpec: 'version: 0.2' },
          Artifacts: { Type: 'NO_ARTIFACTS' },
          ServiceRole: 'arn:aws:iam::111111111111:role/build',
        },
      },
    }));
    expect(checkType(IoTNoLiteralSecrets, stack, 'AWS::CodeBuild::Project')).toEqual(COMPLIANT);
  });

  test('dispatches on every resource type', () => {
    expect(IoTNoLiteralSecrets.metadata.resourceTypes).toEqual(['*']);
  });
});

describe('identity rule metadata', () => {
  test.each([
    [IoTThingPrincipalExclusive, 'ID6', 'DEVICE_CERTIFICATE_SHARED_CHECK'],
    [IoTCaAutoRegistrationTemplate, 'ID7', undefined],
    [IoTFleetProvisioningHook, 'ID8', undefined],
    [IoTAuthorizerTokenSigning, 'ID9', undefined],
    [IoTNoLiteralSecrets, 'ID10', undefined],
  ])('%p has ID %s and audit check %s', (rule, id, auditCheck) => {
    expect(rule.metadata.id).toBe(id);
    expect(rule.metadata.auditCheck).toBe(auditCheck);
    expect(rule.metadata.attackEnterprise.every((t) => /^T1\d{3}(\.\d{3})?$/.test(t))).toBe(true);
    expect(rule.metadata.attackIcs.every((t) => /^T0\d{3}$/.test(t))).toBe(true);
    expect(rule.name).toBe(id);
  });
});
