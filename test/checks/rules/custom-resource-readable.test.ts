import { CfnJson, CfnOutput, CfnParameter, CfnResource, CustomResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { NagRuleResult } from 'cdk-nag';
import { IotSecurityChecks } from '../../../lib/checks';
import { acknowledge } from '../../../lib/core/private/secure-defaults';
import { isIotName, isIotText } from '../../../lib/checks/private/custom-resource-providers';
import { IoTCustomResourceReadable as ID13, IoTNoSecretFlows as ID11 } from '../../../lib/checks/rules/identity';
import { IotEventConfigurations } from '../../../lib/monitoring/iot-event-configurations';
import { FleetIndexing } from '../../../lib/inventory/fleet-indexing';
import { cfnResources, check, COMPLIANT, includeTemplate, newStack, NOT_APPLICABLE, scanYaml } from '../rule-test-helpers';

const TRUST = { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const OUTSIDE = 'arn:aws:lambda:eu-west-1:111111111111:function:provider';

/** A role granting `actions` on `*` (or carrying `managed` AWS-managed policies). */
function role(actions: unknown, managed: string[] = [], extra: object = {}): object {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: TRUST,
      ...(actions === undefined ? {} : { Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: actions, Resource: '*', ...extra }] } }] }),
      ...(managed.length > 0 ? { ManagedPolicyArns: managed.map((m) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::aws:policy/${m}` })) } : {}),
    },
  };
}

/** A Lambda function with `code` inline (a string) or in S3 (undefined), run by the role `Role`. */
function fn(code: string | undefined, runtime = 'nodejs22.x'): object {
  return {
    Type: 'AWS::Lambda::Function',
    Properties: {
      Handler: 'index.handler', Runtime: runtime, Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
      Code: code === undefined ? { S3Bucket: 'b', S3Key: 'k.zip' } : { ZipFile: code },
    },
  };
}

/** A stack from a plain template whose `Custom::Device` is served by `Fn` (or `token`), with `properties`. */
function stackOf(resources: { [id: string]: unknown }, properties: object = {}, token: unknown = { 'Fn::GetAtt': ['Fn', 'Arn'] }, extra: object = {}): Stack {
  const stack = newStack();
  includeTemplate(stack, { Resources: { ...resources, Device: { Type: 'Custom::Device', Properties: { ServiceToken: token, ...properties } } }, ...extra });
  return stack;
}

/** A rule's result on every resource of `stack` that is not compliant or not applicable, by logical ID. */
function results(rule: (n: CfnResource) => NagRuleResult, stack: Stack): { [id: string]: NagRuleResult } {
  const out: { [id: string]: NagRuleResult } = {};
  for (const r of cfnResources(stack)) {
    const result = check(rule, r);
    if (result !== COMPLIANT && result !== NOT_APPLICABLE) out[stack.resolve(r.logicalId)] = result;
  }
  return out;
}

const id13 = (stack: Stack) => results(ID13, stack);
const id11 = (stack: Stack) => results(ID11, stack);

const JS_IOT_V2 = "const AWS = require('aws-sdk'); const iot = new AWS.Iot(); exports.handler = async (e) => iot.updateIndexingConfiguration({}).promise();";
const PY_IOT = "import boto3\nimport cfnresponse\ndef handler(event, context):\n  boto3.client('iot').update_event_configurations(eventConfigurations={})\n  cfnresponse.send(event, context, cfnresponse.SUCCESS, {})";
const PY_S3 = "import boto3\ndef handler(event, context):\n  boto3.client('s3').put_object(Bucket='b', Key='k', Body='x')";

describe('ID13: a home-made provider that touches IoT is said so', () => {
  test.each([
    ['JavaScript (SDK v2)', JS_IOT_V2, 'nodejs22.x'],
    ['JavaScript (SDK v3)', "const { IoTClient, UpdateIndexingConfigurationCommand } = require('@aws-sdk/client-iot'); exports.handler = async () => new IoTClient({}).send(new UpdateIndexingConfigurationCommand({}));", 'nodejs22.x'],
    ['Python (boto3)', PY_IOT, 'python3.12'],
    ['Python (iot-data)', "import boto3\ndef handler(e, c):\n  boto3.client(service_name='iot-data').publish(topic='t')", 'python3.12'],
  ])('inline code in %s that calls IoT: Provider[code], whatever the role', (_name, code, runtime) => {
    expect(id13(stackOf({ Role: role(undefined), Fn: fn(code, runtime) }))).toEqual({ Device: ['Unreadable::Provider[code]'] });
  });

  test('inline code built with Fn::Sub or Fn::Join is read with its holes', () => {
    const sub = { ...fn(undefined), Properties: { ...(fn(undefined) as any).Properties, Code: { ZipFile: { 'Fn::Sub': "import boto3\nc = boto3.client('iot', region_name='${AWS::Region}')" } } } };
    expect(id13(stackOf({ Role: role(undefined), Fn: sub }))).toEqual({ Device: ['Unreadable::Provider[code]'] });
    const join = { ...fn(undefined), Properties: { ...(fn(undefined) as any).Properties, Code: { ZipFile: { 'Fn::Join': ['\n', ['import boto3', { 'Fn::Sub': "c = boto3.client('${Svc}')" }, "x = boto3.client('greengrassv2')"]] } } } };
    expect(id13(stackOf({ Role: role(undefined), Fn: join }, {}, undefined, { Parameters: { Svc: { Type: 'String' } } }))).toEqual({ Device: ['Unreadable::Provider[code]'] });
    // What a parameter fills in is not read: the code says nothing of IoT.
    const hidden = { ...fn(undefined), Properties: { ...(fn(undefined) as any).Properties, Code: { ZipFile: { 'Fn::Sub': "import boto3\nc = boto3.client('${Svc}')" } } } };
    expect(id13(stackOf({ Role: role(undefined), Fn: hidden }, {}, undefined, { Parameters: { Svc: { Type: 'String' } } }))).toEqual({});
  });

  test.each([
    ['an IoT action', 'iot:UpdateIndexingConfiguration'],
    ['a read-only IoT wildcard', 'iot:Describe*'],
    ['Greengrass', ['greengrass:CreateDeployment']],
    ['an IoT Events action', 'iotevents:CreateInput'],
  ])('a role that may call %s, code in S3: Provider[role]', (_name, actions) => {
    expect(id13(stackOf({ Role: role(actions), Fn: fn(undefined) }))).toEqual({ Device: ['Unreadable::Provider[role]'] });
  });

  test('the role through an AWS::IAM::Policy naming it, and an AWS-managed IoT policy', () => {
    const policy = { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'p', Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['iot:GetIndexingConfiguration'], Resource: '*' }] } } };
    expect(id13(stackOf({ Role: role(undefined), Policy: policy, Fn: fn(undefined) }))).toEqual({ Device: ['Unreadable::Provider[role]'] });
    expect(id13(stackOf({ Role: role(undefined, ['AWSIoTDataAccess']), Fn: fn(undefined) }))).toEqual({ Device: ['Unreadable::Provider[role]'] });
  });

  test('nothing of IoT in inputs, role or code: silent (a third party\'s unrelated custom resource)', () => {
    expect(id13(stackOf({ Role: role(['s3:PutObject', 'logs:*']), Fn: fn(PY_S3, 'python3.12') }, { Bucket: 'b', Prefix: 'iot/firmware', Description: 'IoT fleet assets' }))).toEqual({});
    expect(id13(stackOf({ Role: role(['s3:*']), Fn: fn(undefined) }))).toEqual({});
    // NotAction that leaves out every IoT action.
    const notIot = { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', NotAction: ['iot:*'], Resource: '*' }] } }] } };
    expect(id13(stackOf({ Role: notIot, Fn: fn(undefined) }))).toEqual({});
    const notIam = { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', NotAction: ['iam:*'], Resource: '*' }] } }] } };
    expect(id13(stackOf({ Role: notIam, Fn: fn(undefined) }))).toEqual({ Device: ['Unreadable::Provider[creates-keys]'] });
  });

  test('false positives: what names IoT in prose, an ACM certificate, a signer platform', () => {
    const props = {
      PlatformId: 'AWSIoTDeviceManagement-SHA256-ECDSA', CertificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
      Note: 'IoT: devices report here', Ratio: 'patriot:1', Url: 'https://example.com/iot/setup',
    };
    expect(id13(stackOf({}, props, OUTSIDE))).toEqual({});
  });
});

describe('ID13: inputs that touch IoT, whatever the provider', () => {
  test.each([
    ['a thing name', { ThingName: 'sensor-1' }, 'ThingName'],
    ['an IoT-named nested key', { Config: { iotEndpointType: 'x' } }, 'Config.iotEndpointType'],
    ['a role alias group', { RoleAliasGroup: 'devices' }, 'RoleAliasGroup'],
    ['an IoT ARN', { Target: 'arn:aws:iot:eu-west-1:111111111111:thinggroup/fleet' }, 'Target'],
    ['an IoT ARN built with Fn::Sub', { Target: { 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:policy/p' } }, 'Target'],
    ['an IoT ARN built with Fn::Join', { Target: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':greengrass:eu-west-1:111111111111:/coreDevices/x']] } }, 'Target'],
    ['an endpoint type', { Endpoint: 'iot:Data-ATS' }, 'Endpoint'],
    ['an endpoint host', { Url: 'a1b2c3-ats.iot.eu-west-1.amazonaws.com' }, 'Url'],
    ['a credentials endpoint host', { Url: 'c1.credentials.iot.eu-west-1.amazonaws.com' }, 'Url'],
    ['a reserved topic', { Topic: '$aws/things/sensor-1/shadow/update' }, 'Topic'],
    ['an IoT policy as a JSON string under another name', { Document: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] }) }, 'Document'],
    ['an import named for IoT', { Endpoint: { 'Fn::ImportValue': 'Shared-IotEndpoint' } }, 'Endpoint'],
  ])('%s', (_name, props, _path) => {
    expect(id13(stackOf({}, props, OUTSIDE))).toEqual({ Device: ['Unreadable::Provider[inputs]'] });
  });

  test('references to IoT resources, IoT-named parameters and custom resources that touch IoT', () => {
    const thing = { Type: 'AWS::IoT::Thing', Properties: { ThingName: 't' } };
    expect(id13(stackOf({ Thing: thing }, { Target: { Ref: 'Thing' } }, OUTSIDE))).toEqual({ Device: ['Unreadable::Provider[inputs]'] });
    expect(id13(stackOf({ Thing: thing }, { Target: { 'Fn::Sub': 'name=${Thing}' } }, OUTSIDE))).toEqual({ Device: ['Unreadable::Provider[inputs]'] });
    expect(id13(stackOf({ Thing: thing }, { Target: { 'Fn::GetAtt': ['Thing', 'Arn'] } }, { 'Fn::ImportValue': 'Provider' }))).toEqual({ Device: ['Unreadable::Provider[inputs]'] });
    expect(id13(stackOf({}, { Target: { Ref: 'FleetEndpoint' }, Other: { Ref: 'IotEndpoint' } }, OUTSIDE, { Parameters: { IotEndpoint: { Type: 'String' }, FleetEndpoint: { Type: 'String' } } })))
      .toEqual({ Device: ['Unreadable::Provider[inputs]'] });
    expect(id13(stackOf({}, { Target: { Ref: 'BucketName' } }, OUTSIDE, { Parameters: { BucketName: { Type: 'String' } } }))).toEqual({});
    const upstream = { Type: 'Custom::Cert', Properties: { ServiceToken: OUTSIDE, ThingName: 't' } };
    expect(id13(stackOf({ Cert: upstream }, { Principal: { 'Fn::GetAtt': ['Cert', 'Id'] } }, OUTSIDE))).toEqual({
      Cert: ['Unreadable::Provider[inputs]'], Device: ['Unreadable::Provider[inputs]'],
    });
  });

  test('aws-cdk-lib\'s pass-through custom resources carry IoT values as data: CfnJson, a cross-region export', () => {
    const stack = newStack();
    const thing = new iot.CfnThing(stack, 'Thing', { thingName: 't' });
    new CfnJson(stack, 'Condition', { value: { [`iot:Connection.Thing.ThingName`]: thing.ref, Arn: thing.attrArn } });
    expect(id13(stack)).toEqual({});
    // A home-made provider borrowing the type is still judged by its code.
    const borrowed = newStack();
    includeTemplate(borrowed, { Resources: { Role: role(undefined), Fn: fn(JS_IOT_V2), X: { Type: 'Custom::AWSCDKCfnJson', Properties: { ServiceToken: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Value: 'iot:Data-ATS' } } } });
    expect(id13(borrowed)).toEqual({ X: ['Unreadable::Provider[code]'] });
  });

  test('a provider outside the stack: a literal ARN, an import, a parameter, an SNS topic, with inputs that touch nothing: silent', () => {
    for (const token of [OUTSIDE, { 'Fn::ImportValue': 'Provider' }, { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:p' }]) {
      expect(id13(stackOf({}, { Bucket: 'b' }, token))).toEqual({});
    }
    expect(id13(stackOf({ Topic: { Type: 'AWS::SNS::Topic' } }, { Size: 3 }, { Ref: 'Topic' }))).toEqual({});
  });

  test('the ServiceToken as an ARN built from the function\'s name, and through Fn::If and an alias', () => {
    const named = { ...(fn(JS_IOT_V2) as any), Properties: { ...(fn(JS_IOT_V2) as any).Properties, FunctionName: 'provider' } };
    expect(id13(stackOf({ Role: role(undefined), Fn: named }, {}, { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:provider' })))
      .toEqual({ Device: ['Unreadable::Provider[code]'] });
    const viaIf = { 'Fn::If': ['Prod', { 'Fn::GetAtt': ['Fn', 'Arn'] }, OUTSIDE] };
    expect(id13(stackOf({ Role: role(undefined), Fn: fn(JS_IOT_V2) }, {}, viaIf, { Conditions: { Prod: { 'Fn::Equals': ['a', 'b'] } } })))
      .toEqual({ Device: ['Unreadable::Provider[code]'] });
    const alias = { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Fn' }, FunctionVersion: '$LATEST', Name: 'live' } };
    expect(id13(stackOf({ Role: role(undefined), Fn: fn(JS_IOT_V2), Live: alias }, {}, { Ref: 'Live' }))).toEqual({ Device: ['Unreadable::Provider[code]'] });
  });

  test('the ServiceToken as a qualified function ARN (an alias or version by name): the function\'s code and role', () => {
    const named = { ...(fn(JS_IOT_V2) as any), Properties: { ...(fn(JS_IOT_V2) as any).Properties, FunctionName: 'provider' } };
    for (const token of [
      { 'Fn::Sub': '${Fn.Arn}:live' },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Fn', 'Arn'] }, ':live']] },
      { 'Fn::Join': [':', [{ 'Fn::GetAtt': ['Fn', 'Arn'] }, '3']] },
      { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:provider:live' },
      'arn:aws:lambda:eu-west-1:111111111111:function:provider:live',
    ]) {
      expect([token, id13(stackOf({ Role: role(undefined), Fn: named }, {}, token))]).toEqual([token, { Device: ['Unreadable::Provider[code]'] }]);
    }
    // Another function's qualified ARN is still outside the stack.
    expect(id13(stackOf({ Role: role(undefined), Fn: named }, {}, 'arn:aws:lambda:eu-west-1:111111111111:function:other:live'))).toEqual({});
  });

  test('AwsCustomResource and custom resources read as native resources are not affected', () => {
    const stack = newStack();
    new cr.AwsCustomResource(stack, 'Endpoint', {
      onCreate: { service: 'Iot', action: 'describeEndpoint', parameters: { endpointType: 'iot:Data-ATS' }, physicalResourceId: cr.PhysicalResourceId.of('e') },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    });
    expect(id13(stack)).toEqual({});
    const policyDoc = { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] } };
    expect(id13(stackOf({}, policyDoc, OUTSIDE))).toEqual({});
    // A role alias without its role: what is missing is said once, by Unreadable::RoleArn.
    expect(id13(stackOf({}, { RoleAliasName: 'devices' }, OUTSIDE))).toEqual({ Device: ['Unreadable::RoleArn'] });
    const s2 = newStack();
    const r = new iam.CfnRole(s2, 'AliasRole', { assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' }, Action: 'sts:AssumeRole' }] } });
    new CfnResource(s2, 'Alias', { type: 'Custom::RoleAlias', properties: { ServiceToken: OUTSIDE, RoleAlias: 'devices', RoleArn: r.attrArn } });
    expect(id13(s2)).toEqual({});
  });
});

describe('CDK forms: cr.Provider, CustomResource, a SAM function', () => {
  /** A cr.Provider whose onEvent handler is `handler`, serving one Custom::Keys; outputs `attribute` if given. */
  function provider(handler: (stack: Stack) => lambda.Function, attribute?: string): Stack {
    const stack = newStack();
    const onEvent = handler(stack);
    const p = new cr.Provider(stack, 'Provider', { onEventHandler: onEvent });
    const keys = new CustomResource(stack, 'Keys', { serviceToken: p.serviceToken, resourceType: 'Custom::Keys', properties: { Count: 1 } });
    (keys.node.defaultChild as CfnResource).overrideLogicalId('Keys');
    if (attribute) new CfnOutput(stack, 'Out', { value: keys.getAttString(attribute) });
    return stack;
  }
  const inline = (code: string) => (stack: Stack) => {
    const f = new lambda.Function(stack, 'OnEvent', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline(code) });
    (f.node.defaultChild as CfnResource).overrideLogicalId('OnEvent');
    return f;
  };
  const inS3 = (actions: string[]) => (stack: Stack) => {
    const f = new lambda.Function(stack, 'OnEvent', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'B', 'code'), 'k.zip') });
    (f.node.defaultChild as CfnResource).overrideLogicalId('OnEvent');
    f.addToRolePolicy(new iam.PolicyStatement({ actions, resources: ['*'] }));
    return f;
  };
  const V3_KEYS = "const { IoTClient, CreateKeysAndCertificateCommand } = require('@aws-sdk/client-iot');\n"
    + 'exports.handler = async () => { const k = await new IoTClient({}).send(new CreateKeysAndCertificateCommand({ setAsActive: true }));\n';

  test('the framework is followed to the onEvent handler: its code writes the key to S3 (ID11) and calls IoT (ID13)', () => {
    const stack = provider(inline(`${V3_KEYS}const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3'); await new S3Client({}).send(new PutObjectCommand({ Bucket: process.env.B, Key: 'install.sh', Body: k.keyPair.PrivateKey })); };`));
    expect(id13(stack)).toEqual({ Keys: ['Unreadable::Provider[code]'] });
    expect(id11(stack)).toEqual({ Keys: ['Flow::PrivateKey->S3Object:OnEvent'] });
  });

  test('to an SSM String parameter: ID11; to a SecureString or Secrets Manager: no flow', () => {
    const ssmString = provider(inline(`${V3_KEYS}const { SSMClient, PutParameterCommand } = require('@aws-sdk/client-ssm'); await new SSMClient({}).send(new PutParameterCommand({ Name: '/k', Type: 'String', Value: k.keyPair.PrivateKey })); };`));
    expect(id11(ssmString)).toEqual({ Keys: ['Flow::PrivateKey->SsmParameter:OnEvent'] });
    const secure = provider(inline(`${V3_KEYS}const { SSMClient, PutParameterCommand } = require('@aws-sdk/client-ssm'); await new SSMClient({}).send(new PutParameterCommand({ Name: '/k', Type: 'SecureString', KeyId: process.env.KEY, Value: k.keyPair.PrivateKey })); };`));
    expect(id11(secure)).toEqual({});
    expect(id13(secure)).toEqual({ Keys: ['Unreadable::Provider[code]'] });
    const secret = provider(inline(`${V3_KEYS}const { SecretsManagerClient, CreateSecretCommand } = require('@aws-sdk/client-secrets-manager'); await new SecretsManagerClient({}).send(new CreateSecretCommand({ Name: 'k', KmsKeyId: process.env.KEY, SecretString: k.keyPair.PrivateKey })); return { Data: { SecretArn: 'x' } }; };`), 'SecretArn');
    expect(id11(secret)).toEqual({});
  });

  test('returned in the response Data and read back by Fn::GetAtt into an output: ID11 on the attribute', () => {
    const stack = provider(inline(`${V3_KEYS}return { Data: { Key: k.keyPair.PrivateKey, CertificatePem: k.certificatePem } }; };`), 'Key');
    expect(id11(stack)).toEqual({ Keys: ['Flow::Key->Output:Out'] });
    expect(id13(stack)).toEqual({ Keys: ['Unreadable::Provider[code]'] });
    const cert = provider(inline(`${V3_KEYS}return { Data: { Key: k.keyPair.PrivateKey, CertificatePem: k.certificatePem } }; };`), 'CertificatePem');
    expect(id11(cert)).toEqual({});
  });

  test('code that creates keys and writes nowhere the pack recognizes: ID13 creates keys', () => {
    const stack = provider(inline(`${V3_KEYS}await fetch(process.env.URL, { method: 'POST', body: k.keyPair.PrivateKey }); };`));
    expect(id13(stack)).toEqual({ Keys: ['Unreadable::Provider[creates-keys]'] });
    expect(id11(stack)).toEqual({});
  });

  test.each([
    ['iot:CreateKeysAndCertificate', true], ['iot:*', true], ['iot:Create*', true], ['*', true], ['iot:CreateProvisioningClaim', true],
    ['iot:CreateCertificateFromCsr', false], ['iot:DescribeEndpoint', false],
  ])('code in S3, a role granting %s: creates keys %s', (action, creates) => {
    const stack = provider(inS3([action]), 'KeyPair');
    expect(id13(stack)).toEqual({ Keys: [creates ? 'Unreadable::Provider[creates-keys]' : 'Unreadable::Provider[role]'] });
    // A key-making provider's `KeyPair` is the private key; anyone else's is just a name.
    expect(id11(stack)).toEqual(creates ? { Keys: ['Flow::KeyPair->Output:Out'] } : {});
  });

  test('an unconditional Deny on * takes key creation away; a conditional one does not', () => {
    const deny = (extra: object) => provider((s) => {
      const f = inS3(['iot:*'])(s);
      f.addToRolePolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['iot:CreateKeysAndCertificate', 'iot:CreateProvisioningClaim'], resources: ['*'], ...extra }));
      return f;
    });
    expect(id13(deny({}))).toEqual({ Keys: ['Unreadable::Provider[role]'] });
    expect(id13(deny({ conditions: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }))).toEqual({ Keys: ['Unreadable::Provider[creates-keys]'] });
  });

  test('the framework\'s isComplete handler is a provider function too', () => {
    const stack = newStack();
    const onEvent = new lambda.Function(stack, 'OnEvent', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});') });
    const isComplete = new lambda.Function(stack, 'IsComplete', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'B', 'code'), 'k.zip') });
    isComplete.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:DescribeThing'], resources: ['*'] }));
    const p = new cr.Provider(stack, 'Provider', { onEventHandler: onEvent, isCompleteHandler: isComplete });
    new CustomResource(stack, 'Thing', { serviceToken: p.serviceToken, resourceType: 'Custom::Thing' });
    expect(Object.values(id13(stack))).toEqual([['Unreadable::Provider[role]']]);
  });

  test('inline code that creates no keys, under a role that may: judged by the code', () => {
    const stack = provider((s) => {
      const f = inline("const { IoTClient } = require('@aws-sdk/client-iot'); exports.handler = async () => ({});")(s);
      f.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:*'], resources: ['*'] }));
      return f;
    });
    expect(id13(stack)).toEqual({ Keys: ['Unreadable::Provider[code]'] });
  });

  test('inline code that hides the call (getattr, names from the environment) under a role granting the key action by name: creates keys', () => {
    const keyRole = role(['iot:CreateKeysAndCertificate', 's3:PutObject']);
    const body = "  boto3.client('s3').put_object(Bucket='b', Key='k', Body=r['keyPair']['PrivateKey'])";
    for (const code of [
      `import boto3\ndef handler(e, c):\n  r = getattr(boto3.client('iot'), 'create_keys_' + 'and_certificate')(setAsActive=True)\n${body}`,
      `import boto3, os\ndef handler(e, c):\n  r = getattr(boto3.client(os.environ['S']), os.environ['A'])(setAsActive=True)\n${body}`,
    ]) {
      expect(id13(stackOf({ Role: keyRole, Fn: fn(code, 'python3.12') }))).toEqual({ Device: ['Unreadable::Provider[creates-keys]'] });
    }
  });

  test('inline code built with an Fn::Sub variable map is read with the literal values filled in', () => {
    const keyRole = role(['iot:CreateKeysAndCertificate', 's3:PutObject']);
    const code = { 'Fn::Sub': ["import boto3\ndef handler(e, c):\n  r = boto3.client('${S}').${A}(setAsActive=True)\n  boto3.client('s3').put_object(Bucket='${B}', Key='k', Body=r['keyPair']['PrivateKey'])",
      { S: 'iot', A: 'create_keys_and_certificate', B: { Ref: 'AWS::StackName' } }] };
    const stack = stackOf({ Role: keyRole, Fn: { ...(fn('x', 'python3.12') as any), Properties: { ...(fn('x', 'python3.12') as any).Properties, Code: { ZipFile: code } } } });
    expect(id11(stack)).toEqual({ Device: ['Flow::PrivateKey->S3Object:Fn'] });
    expect(id13(stack)).toEqual({ Device: ['Unreadable::Provider[code]'] });
  });

  test('a key pair the code makes itself for CreateCertificateFromCsr, put in S3; the same key pair without IoT is no device key', () => {
    const csr = "from boto3 import client\nfrom cryptography.hazmat.primitives.asymmetric import ec\ndef handler(e, c):\n  key = ec.generate_private_key(ec.SECP256R1())\n"
      + "  client('iot').create_certificate_from_csr(certificateSigningRequest='...')\n  client('s3').put_object(Bucket='b', Key='device.key', Body=pem(key))";
    const stack = stackOf({ Role: role(['iot:CreateCertificateFromCsr', 's3:PutObject']), Fn: fn(csr, 'python3.12') });
    expect(id11(stack)).toEqual({ Device: ['Flow::PrivateKey->S3Object:Fn'] });
    expect(id13(stack)).toEqual({ Device: ['Unreadable::Provider[code]'] });
    const ssh = "import boto3\nfrom cryptography.hazmat.primitives.asymmetric import rsa\ndef handler(e, c):\n  key = rsa.generate_private_key(65537, 2048)\n  boto3.client('s3').put_object(Bucket='b', Key='id_rsa', Body=pem(key))";
    const other = stackOf({ Role: role(['s3:PutObject']), Fn: fn(ssh, 'python3.12') });
    expect(id11(other)).toEqual({});
    expect(id13(other)).toEqual({});
  });

  test('a cr.Provider in another stack of the app, through the cross-stack reference', () => {
    const stack = newStack('Providers');
    const onEvent = inS3(['iot:CreateKeysAndCertificate'])(stack);
    const p = new cr.Provider(stack, 'Provider', { onEventHandler: onEvent });
    const consumer = new Stack(stack.node.root as any, 'Consumer');
    new CustomResource(consumer, 'Keys', { serviceToken: p.serviceToken, resourceType: 'Custom::Keys' });
    expect(Object.values(id13(consumer))).toEqual([['Unreadable::Provider[creates-keys]']]);
  });

  test('a SAM function as the provider: InlineCode in Python, Policies inline or AWS-managed', () => {
    const stack = newStack();
    const keysCode = "import boto3\ndef handler(event, context):\n  k = boto3.client('iot').create_keys_and_certificate(setAsActive=True)\n  boto3.client('ssm').put_parameter(Name='/k', Type='String', Value=k['keyPair']['PrivateKey'])";
    const samFn = new CfnResource(stack, 'SamFn', {
      type: 'AWS::Serverless::Function',
      properties: { Handler: 'index.handler', Runtime: 'python3.12', InlineCode: keysCode, Policies: [{ Statement: [{ Effect: 'Allow', Action: ['iot:CreateKeysAndCertificate', 'ssm:PutParameter'], Resource: '*' }] }] },
    });
    samFn.overrideLogicalId('SamFn');
    new CfnResource(stack, 'Keys', { type: 'AWS::CloudFormation::CustomResource', properties: { ServiceToken: samFn.getAtt('Arn') } }).overrideLogicalId('Keys');
    expect(id13(stack)).toEqual({ Keys: ['Unreadable::Provider[code]'] });
    expect(id11(stack)).toEqual({ Keys: ['Flow::PrivateKey->SsmParameter:SamFn'] });

    const s2 = newStack();
    const managed = new CfnResource(s2, 'SamFn', { type: 'AWS::Serverless::Function', properties: { Handler: 'app.handler', Runtime: 'python3.12', CodeUri: 's3://b/k.zip', Policies: ['AWSIoTFullAccess'] } });
    new CfnResource(s2, 'Keys', { type: 'Custom::Keys', properties: { ServiceToken: managed.getAtt('Arn') } }).overrideLogicalId('Keys');
    expect(id13(s2)).toEqual({ Keys: ['Unreadable::Provider[creates-keys]'] });
    const s3Stack = newStack();
    const template = new CfnResource(s3Stack, 'SamFn', { type: 'AWS::Serverless::Function', properties: { Handler: 'app.handler', Runtime: 'python3.12', CodeUri: 's3://b/k.zip', Policies: [{ S3ReadPolicy: { BucketName: 'b' } }] } });
    new CfnResource(s3Stack, 'Keys', { type: 'Custom::Keys', properties: { ServiceToken: template.getAtt('Arn') } }).overrideLogicalId('Keys');
    expect(id13(s3Stack)).toEqual({});
  });

  test('a Python provider with cfnresponse, boto3 and S3 upload_file: ID11 S3Object', () => {
    const code = "import boto3, cfnresponse\ndef handler(event, context):\n  iot = boto3.client('iot')\n  k = iot.create_keys_and_certificate(setAsActive=True)\n"
      + "  open('/tmp/key', 'w').write(k['keyPair']['PrivateKey'])\n  boto3.client('s3').upload_file('/tmp/key', 'b', 'device.key')\n  cfnresponse.send(event, context, cfnresponse.SUCCESS, {'CertificateId': k['certificateId']})";
    const stack = stackOf({ Role: role(['iot:CreateKeysAndCertificate', 's3:PutObject']), Fn: fn(code, 'python3.12') });
    expect(id11(stack)).toEqual({ Device: ['Flow::PrivateKey->S3Object:Fn'] });
    expect(id13(stack)).toEqual({ Device: ['Unreadable::Provider[code]'] });
  });
});

describe('what names IoT', () => {
  test.each(['ThingName', 'thing_group', 'IotEndpoint', 'IoTEndpoint', 'iot_data_endpoint', 'GreengrassGroupId', 'RoleAliasName', 'role_alias'])('%s is an IoT name', (name) => {
    expect(isIotName(name)).toBe(true);
  });
  test.each(['Something', 'Pivot', 'Idiot', 'Patriot', 'RoleArn', 'CertificateArn', 'PolicyName', 'Nothing', 'MqttPort'])('%s is not', (name) => {
    expect(isIotName(name)).toBe(false);
  });
  test('texts', () => {
    expect(isIotText('arn:aws-cn:iot:cn-north-1:1:thing/x')).toBe(true);
    expect(isIotText('arn:{?}:iotwireless:{?}:{?}:WirelessDevice/x')).toBe(true);
    expect(isIotText('iot:Data-ATS')).toBe(true);
    expect(isIotText('AWSIoTDeviceManagement-SHA256-ECDSA')).toBe(false);
    expect(isIotText('riot:x')).toBe(false);
    expect(isIotText('https://iot.example.com/')).toBe(false);
  });
});

describe('our own constructs and the scanner', () => {
  test('FleetIndexing and IotEventConfigurations carry a narrow ID13 acknowledgment, and nothing else of ID13 remains', () => {
    const stack = newStack();
    new FleetIndexing(stack, 'Indexing');
    new IotEventConfigurations(stack, 'Events');
    expect(Object.values(id13(stack))).toEqual([['Unreadable::Provider[role]'], ['Unreadable::Provider[role]']]);
    const report = new IotSecurityChecks().validateScope(stack);
    const found = report.violations.filter((v) => v.ruleName.startsWith('IoTSecurity-ID13') || v.ruleName.startsWith('IoTSecurity-ID11'));
    expect(found).toEqual([]);
  });

  test('an acknowledgment names the finding, spaces and brackets included', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'B', 'code');
    const onEvent = new lambda.Function(stack, 'OnEvent', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromBucket(bucket, 'k.zip') });
    onEvent.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:CreateKeysAndCertificate'], resources: ['*'] }));
    const keys = new CustomResource(stack, 'Keys', { serviceToken: onEvent.functionArn, resourceType: 'Custom::Keys' });
    const ids = () => new IotSecurityChecks().validateScope(stack).violations.filter((v) => v.ruleName.startsWith('IoTSecurity-ID13')).map((v) => v.ruleName);
    expect(ids()).toEqual(['IoTSecurity-ID13[Unreadable::Provider[creates-keys]]']);
    acknowledge(keys, 'IoTSecurity::IoTSecurity-ID13[Unreadable::Provider[creates-keys]]', 'the handler stores the key in Secrets Manager (reviewed)');
    expect(ids()).toEqual([]);
  });

  test('a SAM template through the scanner: inline Python that creates keys and puts them in S3', () => {
    const findings = scanYaml([
      'Transform: AWS::Serverless-2016-10-31',
      'Resources:',
      '  KeysFunction:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      Handler: index.handler',
      '      Runtime: python3.12',
      '      InlineCode: |',
      '        import boto3',
      '        def handler(event, context):',
      "          k = boto3.client('iot').create_keys_and_certificate(setAsActive=True)",
      "          boto3.client('s3').put_object(Bucket='installers', Key='device.key', Body=k['keyPair']['PrivateKey'])",
      '  DeviceKeys:',
      '    Type: Custom::DeviceKeys',
      '    Properties:',
      '      ServiceToken: !GetAtt KeysFunction.Arn',
      '      ThingName: sensor-1',
    ]);
    const ids = findings.filter((f) => /ID1[13]\b/.test(f.ruleId)).map((f) => `${f.resource} ${f.findingId}`).sort();
    expect(ids).toEqual([
      'DeviceKeys IoTSecurity-ID11[Flow::PrivateKey->S3Object:KeysFunction]',
      'DeviceKeys IoTSecurity-ID13[Unreadable::Provider[code]]',
    ]);
  });

  test('an IoT resource referenced by a thing attached through a CDK L1 is an input too', () => {
    const stack = newStack();
    const thing = new iot.CfnThing(stack, 'Thing', { thingName: 't' });
    const param = new CfnParameter(stack, 'Provider', { type: 'String' });
    new CfnResource(stack, 'Device', { type: 'Custom::Device', properties: { ServiceToken: param.valueAsString, Target: thing.attrArn } }).overrideLogicalId('Device');
    expect(id13(stack)).toEqual({ Device: ['Unreadable::Provider[inputs]'] });
  });
});
