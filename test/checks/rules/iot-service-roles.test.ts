import * as iotAlpha from '@aws-cdk/aws-iot-alpha';
import * as actions from '@aws-cdk/aws-iot-actions-alpha';
import { App, CfnOutput, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { DevicePolicy, FleetProvisioning } from '../../../lib';
import { iotServiceRoles } from '../../../lib/checks/private/iot-service-roles';
import { IoTServiceRoleLeastPrivilege as GW13, IoTServiceRoleUnused as GW14 } from '../../../lib/checks/rules';
import { check, checkType, cfnResources, COMPLIANT, includeTemplate, newStack, NON_COMPLIANT, NOT_APPLICABLE, scanYaml } from '../rule-test-helpers';
import { withResolutionCache } from '../../../lib/checks/private/cfn';

const ROLE = 'AWS::IAM::Role';
const IOT_TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const LAMBDA_TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const doc = (...statements: object[]) => ({ Version: '2012-10-17', Statement: statements });
const allow = (Action: unknown, Resource: unknown) => ({ Effect: 'Allow', Action, Resource });
const role = (statements: object[], extra: object = {}) => ({
  Type: ROLE,
  Properties: { AssumeRolePolicyDocument: IOT_TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: doc(...statements) }], ...extra },
});
const rule = (actionsList: unknown[], errorAction?: unknown, sql = "SELECT * FROM 'devices/+/telemetry'") => ({
  Type: 'AWS::IoT::TopicRule',
  Properties: { TopicRulePayload: { Sql: sql, RuleDisabled: false, Actions: actionsList, ...(errorAction ? { ErrorAction: errorAction } : {}) } },
});
const getArn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** GW13 on each resource of the included template, by logical ID; NOT_APPLICABLE ones left out. */
function gw13(template: object): { [id: string]: unknown } {
  const stack = newStack();
  const include = includeTemplate(stack, template);
  const out: { [id: string]: unknown } = {};
  for (const r of cfnResources(include)) {
    const result = check(GW13, r);
    if (result !== NOT_APPLICABLE) out[stack.resolve(r.logicalId)] = result;
  }
  return out;
}

describe('the model of the roles IoT services use', () => {
  test('every use, in every encoding, reaches its role', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Parameters: { RoleParam: { Type: 'String', AllowedValues: ['arn:aws:iam::111122223333:role/by-name'] } },
      Conditions: { C: { 'Fn::Equals': ['a', 'b'] } },
      Resources: {
        GetAtt: role([]), Ref: role([]), Sub: role([]), Join: role([]), Literal: role([], { RoleName: 'by-name' }), IfA: role([]), IfB: role([]),
        Http: role([]), Dest: role([]), Prov: role([]), Jitp: role([]), Logging: role([]), Audit: role([]), Events: role([]), Wireless: role([]), Gg: role([]),
        FnRole: { Type: ROLE, Properties: { AssumeRolePolicyDocument: LAMBDA_TRUST } },
        AuthRole: { Type: ROLE, Properties: { AssumeRolePolicyDocument: LAMBDA_TRUST } },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: getArn('FnRole'), Handler: 'i.h', Runtime: 'nodejs22.x', Code: { ZipFile: 'x' } } },
        AuthFn: { Type: 'AWS::Lambda::Function', Properties: { Role: getArn('AuthRole'), Handler: 'i.h', Runtime: 'nodejs22.x', Code: { ZipFile: 'x' } } },
        FnAlias: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Fn' }, FunctionVersion: '1', Name: 'live' } },
        Rule: rule([
          { S3: { BucketName: 'b', Key: 'k', RoleArn: getArn('GetAtt') } },
          { DynamoDBv2: { PutItem: { TableName: 't' }, RoleArn: { 'Fn::GetAtt': 'Ref.Arn' } } },
          { Sqs: { QueueUrl: 'q', RoleArn: { 'Fn::Sub': '${Sub.Arn}' } } },
          { Sns: { TargetArn: 't', RoleArn: { 'Fn::Join': ['', [getArn('Join')]] } } },
          { Republish: { Topic: 'x', RoleArn: { Ref: 'RoleParam' } } },
          { Kinesis: { StreamName: 's', RoleArn: { 'Fn::If': ['C', getArn('IfA'), getArn('IfB')] } } },
          { Http: { Url: 'https://x', Auth: { Sigv4: { RoleArn: getArn('Http'), ServiceName: 's', SigningRegion: 'r' } } } },
          { Lambda: { FunctionArn: { Ref: 'FnAlias' } } },
        ], { Firehose: { DeliveryStreamName: 'f', RoleArn: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/by-name' } } }),
        Destination: { Type: 'AWS::IoT::TopicRuleDestination', Properties: { VpcProperties: { RoleArn: getArn('Dest'), SubnetIds: ['s'], VpcId: 'v' } } },
        Template: { Type: 'AWS::IoT::ProvisioningTemplate', Properties: { ProvisioningRoleArn: getArn('Prov'), TemplateBody: '{}', PreProvisioningHook: { TargetArn: getArn('Fn') } } },
        Ca: { Type: 'AWS::IoT::CACertificate', Properties: { CACertificatePem: 'x', Status: 'ACTIVE', RegistrationConfig: { RoleArn: getArn('Jitp'), TemplateBody: '{}' } } },
        Authorizer: { Type: 'AWS::IoT::Authorizer', Properties: { AuthorizerFunctionArn: getArn('AuthFn') } },
        Log: { Type: 'AWS::IoT::Logging', Properties: { AccountId: '1', DefaultLogLevel: 'ERROR', RoleArn: getArn('Logging') } },
        AuditCfg: { Type: 'AWS::IoT::AccountAuditConfiguration', Properties: { AccountId: '1', AuditCheckConfigurations: {}, RoleArn: getArn('Audit') } },
        Detector: { Type: 'AWS::IoTEvents::DetectorModel', Properties: { RoleArn: getArn('Events'), DetectorModelDefinition: {} } },
        WDest: { Type: 'AWS::IoTWireless::Destination', Properties: { Expression: 'r', ExpressionType: 'RuleName', Name: 'n', RoleArn: getArn('Wireless') } },
        Group: { Type: 'AWS::Greengrass::Group', Properties: { Name: 'g', RoleArn: getArn('Gg') } },
        Kms: role([]),
        Encryption: { Type: 'AWS::IoT::EncryptionConfiguration', Properties: { EncryptionType: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyArn: 'k', KmsAccessRoleArn: getArn('Kms') } },
        Provider: { Type: 'AWS::IoT::CertificateProvider', Properties: { LambdaFunctionArn: { 'Fn::Sub': '${AuthFn.Arn}' }, AccountDefaultForOperations: ['CreateCertificateFromCsr'] } },
      },
    });
    const model = withResolutionCache(() => {
      const m = iotServiceRoles(cfnResources(stack)[0]);
      const byRole: { [id: string]: string[] } = {};
      for (const [r, uses] of m.uses) byRole[stack.resolve(r.logicalId)] = uses.map((u) => `${u.resource}:${u.property}:${u.kind}`);
      return { byRole, unreadable: [...m.unreadable].map(([n, p]) => `${stack.resolve(n.logicalId)}:${p.join(',')}`) };
    });
    expect(model.unreadable).toEqual([]);
    expect(model.byRole).toEqual({
      GetAtt: ['Rule:TopicRulePayload.Actions.S3.RoleArn:s3'],
      Ref: ['Rule:TopicRulePayload.Actions.DynamoDBv2.RoleArn:dynamodbv2'],
      Sub: ['Rule:TopicRulePayload.Actions.Sqs.RoleArn:sqs'],
      Join: ['Rule:TopicRulePayload.Actions.Sns.RoleArn:sns'],
      Literal: ['Rule:TopicRulePayload.Actions.Republish.RoleArn:republish', 'Rule:TopicRulePayload.ErrorAction.Firehose.RoleArn:firehose'],
      IfA: ['Rule:TopicRulePayload.Actions.Kinesis.RoleArn:kinesis'],
      IfB: ['Rule:TopicRulePayload.Actions.Kinesis.RoleArn:kinesis'],
      Http: ['Rule:TopicRulePayload.Actions.Http.Auth.Sigv4.RoleArn:http'],
      FnRole: ['Rule:TopicRulePayload.Actions.Lambda.FunctionArn:function', 'Template:PreProvisioningHook.TargetArn:provisioning-hook'],
      Dest: ['Destination:VpcProperties.RoleArn:iot:VpcProperties.RoleArn'],
      Prov: ['Template:ProvisioningRoleArn:provisioning'],
      Jitp: ['Ca:RegistrationConfig.RoleArn:jitp'],
      AuthRole: ['Authorizer:AuthorizerFunctionArn:authorizer', 'Provider:LambdaFunctionArn:certificate-provider'],
      Kms: ['Encryption:KmsAccessRoleArn:iot:KmsAccessRoleArn'],
      Logging: ['Log:RoleArn:logging'],
      Audit: ['AuditCfg:RoleArn:audit'],
      Events: ['Detector:RoleArn:iotevents:RoleArn'],
      Wireless: ['WDest:RoleArn:iotwireless:RoleArn'],
      Gg: ['Group:RoleArn:greengrass'],
    });
  });
});

describe('GW13 roles IoT services assume', () => {
  test('Compliance: each rule action\'s role scoped to its target', () => {
    expect(gw13({
      Resources: {
        Table: { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' } },
        R: role([
          allow('dynamodb:PutItem', getArn('Table')),
          allow('iot:Publish', { 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topic/alerts/${!topic(2)}' }),
          allow('s3:PutObject', 'arn:aws:s3:::telemetry-bucket/raw/*'),
          allow('cloudwatch:PutMetricData', '*'),
        ]),
        Rule: rule([{ DynamoDBv2: { PutItem: { TableName: { Ref: 'Table' } }, RoleArn: getArn('R') } }, { Republish: { Topic: 'alerts/x', RoleArn: getArn('R') } }]),
      },
    })).toEqual({ R: COMPLIANT, Rule: COMPLIANT });
  });

  test('Noncompliance 1: data written and read anywhere, wildcard actions, control plane on *', () => {
    expect(gw13({
      Resources: {
        R: role([
          allow('iot:Publish', '*'),
          allow(['s3:GetObject', 'dynamodb:PutItem'], ['arn:aws:s3:::*', 'arn:aws:dynamodb:*:*:table/*']),
          allow('sqs:*', 'arn:aws:sqs:eu-west-1:111122223333:q'),
          allow(['iot:AttachPolicy', 'iot:CreatePolicy'], '*'),
          { Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:sns:eu-west-1:111122223333:t' },
          allow('iam:PassRole', '*'),
        ]),
        Rule: rule([{ Republish: { Topic: 'x', RoleArn: getArn('R') } }]),
      },
    }).R).toEqual([
      'Action::sqs:*', 'AdminAction::iot:AttachPolicy', 'AdminAction::iot:CreatePolicy', 'AdminService::iam', 'NotAction',
      'Resource::*', 'Resource::arn:aws:dynamodb:*:*:table/*', 'Resource::arn:aws:s3:::*',
    ]);
  });

  test('Noncompliance: every resource of a type written without a bare `*` segment (topic*, topic/**, topic/?*, an S3 ?*); a name prefix passes', () => {
    const republish = (resource: string) => gw13({
      Resources: { R: role([allow('iot:Publish', resource)]), Rule: rule([{ Republish: { Topic: 'x', RoleArn: getArn('R') } }]) },
    }).R;
    expect(republish('arn:aws:iot:eu-west-1:111122223333:topic*')).toEqual(['Resource::arn:aws:iot:eu-west-1:111122223333:topic*']);
    expect(republish('arn:aws:iot:eu-west-1:111122223333:topic/**')).toEqual(['Resource::arn:aws:iot:eu-west-1:111122223333:topic/**']);
    expect(republish('arn:aws:iot:eu-west-1:111122223333:topic/?*')).toEqual(['Resource::arn:aws:iot:eu-west-1:111122223333:topic/?*']);
    expect(republish('arn:aws:iot:eu-west-1:111122223333:topic/alerts/*')).toEqual(COMPLIANT);
    const write = (action: string, resource: string) => gw13({
      Resources: { R: role([allow(action, resource)]), Rule: rule([{ S3: { BucketName: 'b', Key: 'k', RoleArn: getArn('R') } }]) },
    }).R;
    expect(write('s3:PutObject', 'arn:aws:s3:::?*')).toEqual(['Resource::arn:aws:s3:::?*']);
    expect(write('s3:PutObject', 'arn:aws:s3:::telemetry-*/raw/*')).toEqual(COMPLIANT);
    expect(write('sns:Publish', 'arn:aws:sns:eu-west-1:111122223333:alerts-*')).toEqual(COMPLIANT);
  });

  test('Unresolved: a Resource from a parameter without allowed values (the deployer may pass * or arn:aws:s3:::*); with allowed values each is judged', () => {
    const template = (resource: unknown, parameter: object = { Type: 'String' }) => ({
      Parameters: { Target: parameter },
      Resources: { R: role([allow('s3:PutObject', resource)]), Rule: rule([{ S3: { BucketName: 'b', Key: 'k', RoleArn: getArn('R') } }]) },
    });
    expect(gw13(template({ Ref: 'Target' })).R).toEqual(['Unresolved::Resource']);
    expect(gw13(template({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Target}/*' })).R).toEqual(['Unresolved::Resource']);
    expect(gw13(template({ 'Fn::Join': ['', ['arn:aws:s3:::', { Ref: 'Target' }, '/*']] })).R).toEqual(['Unresolved::Resource']);
    expect(gw13(template({ Ref: 'Target' }, { Type: 'String', AllowedValues: ['arn:aws:s3:::*'] })).R).toEqual(['Resource::arn:aws:s3:::*']);
    expect(gw13(template({ Ref: 'Target' }, { Type: 'String', AllowedValues: ['arn:aws:s3:::b/raw/*'] })).R).toEqual(COMPLIANT);
    // A resource of the stack is one resource, however its ARN is written.
    expect(gw13({ Resources: { B: { Type: 'AWS::S3::Bucket' }, ...template({ 'Fn::Sub': '${B.Arn}/raw/*' }).Resources } }).R).toEqual(COMPLIANT);
  });

  test('Noncompliance 2: AWS-managed policies wider than the use (AWSIoTRuleActions on a one-table rule, S3 read-only on a provisioning role)', () => {
    const managed = (name: string) => `arn:aws:iam::aws:policy/${name}`;
    expect(gw13({
      Resources: {
        RuleRole: { Type: ROLE, Properties: { AssumeRolePolicyDocument: IOT_TRUST, ManagedPolicyArns: [managed('service-role/AWSIoTRuleActions')] } },
        ProvRole: {
          Type: ROLE,
          Properties: {
            AssumeRolePolicyDocument: IOT_TRUST,
            ManagedPolicyArns: [managed('service-role/AWSIoTThingsRegistration'), { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AmazonS3ReadOnlyAccess' }],
          },
        },
        Rule: rule([{ DynamoDBv2: { PutItem: { TableName: 't' }, RoleArn: getArn('RuleRole') } }]),
        Template: { Type: 'AWS::IoT::ProvisioningTemplate', Properties: { ProvisioningRoleArn: getArn('ProvRole'), TemplateBody: '{}' } },
      },
    })).toEqual({
      RuleRole: ['ManagedPolicy::AWSIoTRuleActions'],
      ProvRole: ['ManagedPolicy::AmazonS3ReadOnlyAccess'],
      Rule: COMPLIANT,
      Template: COMPLIANT,
    });
  });

  test('Compliance: the documented provisioning, logging, audit and function managed policies on their uses', () => {
    const managed = (name: string) => `arn:aws:iam::aws:policy/${name}`;
    const withManaged = (trust: object, name: string) => ({ Type: ROLE, Properties: { AssumeRolePolicyDocument: trust, ManagedPolicyArns: [managed(name)] } });
    expect(gw13({
      Resources: {
        Jitp: withManaged(IOT_TRUST, 'service-role/AWSIoTThingsRegistration'),
        Logging: withManaged(IOT_TRUST, 'service-role/AWSIoTLogging'),
        Audit: withManaged(IOT_TRUST, 'service-role/AWSIoTDeviceDefenderAudit'),
        FnRole: withManaged(LAMBDA_TRUST, 'service-role/AWSLambdaBasicExecutionRole'),
        Ca: { Type: 'AWS::IoT::CACertificate', Properties: { CACertificatePem: 'x', Status: 'ACTIVE', RegistrationConfig: { RoleArn: getArn('Jitp'), TemplateBody: '{}' } } },
        Log: { Type: 'AWS::IoT::Logging', Properties: { AccountId: '1', DefaultLogLevel: 'ERROR', RoleArn: getArn('Logging') } },
        AuditCfg: { Type: 'AWS::IoT::AccountAuditConfiguration', Properties: { AccountId: '1', AuditCheckConfigurations: {}, RoleArn: getArn('Audit') } },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: getArn('FnRole'), Handler: 'i.h', Runtime: 'nodejs22.x', Code: { ZipFile: 'x' } } },
        Authorizer: { Type: 'AWS::IoT::Authorizer', Properties: { AuthorizerFunctionArn: getArn('Fn') } },
      },
    })).toEqual({ Jitp: COMPLIANT, Logging: COMPLIANT, Audit: COMPLIANT, FnRole: COMPLIANT, Ca: COMPLIANT, Log: COMPLIANT, AuditCfg: COMPLIANT, Authorizer: COMPLIANT });
  });

  test('a managed policy documented for one use is a finding on another (AWSIoTThingsRegistration on a rule role)', () => {
    expect(gw13({
      Resources: {
        R: { Type: ROLE, Properties: { AssumeRolePolicyDocument: IOT_TRUST, ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSIoTThingsRegistration'] } },
        Rule: rule([{ Sqs: { QueueUrl: 'q', RoleArn: getArn('R') } }]),
      },
    }).R).toEqual(['ManagedPolicy::AWSIoTThingsRegistration']);
  });

  test('JITR: a function on the certificate-registered topic may activate certificates and attach policies on *, another function may not', () => {
    const jitrTemplate = (sql: string) => ({
      Resources: {
        FnRole: {
          Type: ROLE,
          Properties: {
            AssumeRolePolicyDocument: LAMBDA_TRUST,
            ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
            Policies: [{ PolicyName: 'jitr', PolicyDocument: doc(allow(['iot:UpdateCertificate', 'iot:CreatePolicy', 'iot:AttachPrincipalPolicy'], '*')) }],
          },
        },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: getArn('FnRole'), Handler: 'i.h', Runtime: 'nodejs22.x', Code: { ZipFile: 'x' } } },
        Rule: rule([{ Lambda: { FunctionArn: getArn('Fn') } }], undefined, sql),
      },
    });
    expect(gw13(jitrTemplate("SELECT * FROM '$aws/events/certificates/registered/abc'")).FnRole).toEqual(COMPLIANT);
    expect(gw13(jitrTemplate("SELECT * FROM 'devices/+/data'")).FnRole).toEqual([
      'AdminAction::iot:AttachPrincipalPolicy', 'AdminAction::iot:CreatePolicy', 'AdminAction::iot:UpdateCertificate',
    ]);
  });

  test('JITR is the topic the rule reads FROM, in every form: the event topic named elsewhere in the SQL, or in one Fn::If branch, is not', () => {
    const template = (sql: unknown, samSql?: string) => ({
      Conditions: { C: { 'Fn::Equals': ['a', 'b'] } },
      Resources: {
        FnRole: { Type: ROLE, Properties: { AssumeRolePolicyDocument: LAMBDA_TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: doc(allow(['iot:UpdateCertificate', 'iot:CreatePolicy'], '*')) }] } },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: getArn('FnRole'), Handler: 'i.h', Runtime: 'nodejs22.x', Code: { ZipFile: 'x' } } },
        Rule: rule([{ Lambda: { FunctionArn: getArn('Fn') } }], undefined, sql as string),
        ...(samSql ? {
          Sam: {
            Type: 'AWS::Serverless::Function',
            Properties: {
              Handler: 'i.h', Runtime: 'nodejs22.x', InlineCode: 'x', Policies: [doc(allow(['iot:UpdateCertificate', 'iot:CreatePolicy'], '*'))],
              Events: { Iot: { Type: 'IoTRule', Properties: { Sql: samSql } } },
            },
          },
        } : {}),
      },
    });
    const admin = ['AdminAction::iot:CreatePolicy', 'AdminAction::iot:UpdateCertificate'];
    const smuggled = "SELECT * FROM 'devices/+/data' WHERE topic() <> '$aws/events/certificates/registered/x'";
    const found = gw13(template(smuggled, smuggled));
    expect([found.FnRole, found.Sam]).toEqual([admin, admin]);
    expect(gw13(template({ 'Fn::If': ['C', "SELECT * FROM '$aws/events/certificates/registered/+'", "SELECT * FROM 'devices/+/data'"] })).FnRole).toEqual(admin);
    const jitr = "SELECT * FROM '$aws/events/certificates/registered/+'";
    const passes = gw13(template({ 'Fn::Sub': jitr }, jitr));
    expect([passes.FnRole, passes.Sam]).toEqual([COMPLIANT, COMPLIANT]);
    // The CA's ID from a parameter or an attribute still names the event topic.
    const withCa = gw13({ ...template({ 'Fn::Sub': "SELECT * FROM '$aws/events/certificates/registered/${CaId}'" }), Parameters: { CaId: { Type: 'String' } } });
    expect(withCa.FnRole).toEqual(COMPLIANT);
  });

  test('a function the rule SQL calls with aws_lambda() is one IoT invokes: its role is judged (Fn::Sub, Fn::Join, a literal ARN)', () => {
    const template = (sql: unknown, extra: object = {}) => ({
      Resources: {
        FnRole: { Type: ROLE, Properties: { AssumeRolePolicyDocument: LAMBDA_TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: doc(allow('s3:GetObject', '*')) }] } },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'enrich', Role: getArn('FnRole'), Handler: 'i.h', Runtime: 'nodejs22.x', Code: { ZipFile: 'x' } } },
        R: role([allow('iot:Publish', 'arn:aws:iot:eu-west-1:111122223333:topic/out')]),
        Rule: rule([{ Republish: { Topic: 'out', RoleArn: getArn('R') } }], undefined, sql as string),
        ...extra,
      },
    });
    const wide = ['Resource::*'];
    expect(gw13(template({ 'Fn::Sub': "SELECT aws_lambda('${Fn.Arn}', *) AS e FROM 'devices/+/data'" })).FnRole).toEqual(wide);
    expect(gw13(template({ 'Fn::Join': ['', ["SELECT aws_lambda('", getArn('Fn'), "', *) AS e FROM 'd'"]] })).FnRole).toEqual(wide);
    expect(gw13(template("SELECT AWS_LAMBDA('arn:aws:lambda:eu-west-1:111122223333:function:enrich', *) AS e FROM 'd'")).FnRole).toEqual(wide);
    // A function outside the template is named, not followed.
    expect(gw13(template("SELECT aws_lambda('arn:aws:lambda:eu-west-1:111122223333:function:elsewhere', *) AS e FROM 'd'")).Rule)
      .toEqual(['Unresolved::TopicRulePayload.Sql']);
    // Without aws_lambda() the function is not IoT's.
    expect(gw13(template({ 'Fn::Sub': "SELECT * FROM 'devices/${Fn}/data'" })).FnRole).toBeUndefined();
  });

  test('a function an IoT Events detector or alarm model invokes (its Lambda action) is one an IoT service invokes: its role is judged', () => {
    const template = (model: object) => ({
      Resources: {
        FnRole: { Type: ROLE, Properties: { AssumeRolePolicyDocument: LAMBDA_TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: doc(allow('dynamodb:PutItem', '*')) }] } },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: getArn('FnRole'), Handler: 'i.h', Runtime: 'nodejs22.x', Code: { ZipFile: 'x' } } },
        Events: role([allow('lambda:InvokeFunction', getArn('Fn'))]),
        Model: model,
      },
    });
    const lambdaAction = { Lambda: { FunctionArn: getArn('Fn') } };
    const detector = {
      Type: 'AWS::IoTEvents::DetectorModel',
      Properties: {
        RoleArn: getArn('Events'),
        DetectorModelDefinition: { InitialStateName: 's', States: [{ StateName: 's', OnInput: { Events: [{ EventName: 'e', Actions: [lambdaAction] }] } }] },
      },
    };
    const alarm = {
      Type: 'AWS::IoTEvents::AlarmModel',
      Properties: { RoleArn: getArn('Events'), AlarmRule: {}, AlarmEventActions: { AlarmActions: [lambdaAction] } },
    };
    expect(gw13(template(detector)).FnRole).toEqual(['Resource::*']);
    expect(gw13(template(alarm)).FnRole).toEqual(['Resource::*']);
  });

  test('a role used by two rules is judged once against the union of its uses; its policies from AWS::IAM::Policy and JSON strings', () => {
    expect(gw13({
      Resources: {
        R: { Type: ROLE, Properties: { AssumeRolePolicyDocument: JSON.stringify(IOT_TRUST) } },
        P: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'p', Roles: [{ Ref: 'R' }], PolicyDocument: JSON.stringify(doc(allow('sns:Publish', '*'))) } },
        A: rule([{ Sns: { TargetArn: 't', RoleArn: getArn('R') } }]),
        B: rule([], { Sns: { TargetArn: 't', RoleArn: getArn('R') } }),
      },
    })).toEqual({ R: ['Resource::*'], A: COMPLIANT, B: COMPLIANT });
  });

  test('Unresolved: a role from a parameter, an import, a function outside the stack; unreadable grants', () => {
    expect(gw13({
      Parameters: { RoleArn: { Type: 'String' } },
      Resources: {
        R: role([allow({ 'Fn::ImportValue': 'actions' }, 'arn:aws:sns:eu-west-1:111122223333:t')]),
        Rule: rule([
          { Sns: { TargetArn: 't', RoleArn: { Ref: 'RoleArn' } } },
          { Sqs: { QueueUrl: 'q', RoleArn: { 'Fn::ImportValue': 'role' } } },
          { Lambda: { FunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:elsewhere' } },
          { Kinesis: { StreamName: 's', RoleArn: getArn('R') } },
        ]),
      },
    })).toEqual({
      R: ['Unresolved::Action'],
      Rule: ['Unresolved::TopicRulePayload.Actions.Lambda.FunctionArn', 'Unresolved::TopicRulePayload.Actions.Sns.RoleArn', 'Unresolved::TopicRulePayload.Actions.Sqs.RoleArn'],
    });
  });

  test('Not applicable: roles of role aliases, the credentials provider and mitigation actions stay with GW1, GW3 and IR1', () => {
    expect(gw13({
      Resources: {
        Mit: role([allow('iot:UpdateCertificate', '*')]),
        Cred: { Type: ROLE, Properties: { AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' }, Action: 'sts:AssumeRole' }) } },
        M: { Type: 'AWS::IoT::MitigationAction', Properties: { RoleArn: getArn('Mit'), ActionParams: { UpdateDeviceCertificateParams: { Action: 'DEACTIVATE' } } } },
        Other: { Type: ROLE, Properties: { AssumeRolePolicyDocument: LAMBDA_TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: doc(allow('*', '*')) }] } },
      },
    })).toEqual({});
  });

  test('a role a rule also uses is judged here even when a mitigation action or role alias names it (IR1 and GW1 judge it for their use only)', () => {
    // IR1 does not judge resource scoping: a throwaway mitigation action must not take a rule's role out of GW13.
    expect(gw13({
      Resources: {
        Shared: role([allow('sns:Publish', '*'), allow('iot:UpdateCertificate', '*')]),
        M: { Type: 'AWS::IoT::MitigationAction', Properties: { RoleArn: getArn('Shared'), ActionParams: { PublishFindingToSnsParams: { TopicArn: 't' } } } },
        Rule: rule([{ Sns: { TargetArn: 't', RoleArn: getArn('Shared') } }]),
      },
    })).toEqual({ Shared: ['AdminAction::iot:UpdateCertificate', 'Resource::*'], Rule: COMPLIANT });
  });

  test('a role trusted by an IoT service is judged even when nothing of the stack uses it (IoT Events, SiteWise, Greengrass)', () => {
    for (const service of ['iotevents.amazonaws.com', 'iotsitewise.amazonaws.com', 'greengrass.amazonaws.com', { 'Fn::Join': ['', ['iotwireless.', { Ref: 'AWS::URLSuffix' }]] }]) {
      expect(gw13({
        Resources: {
          R: {
            Type: ROLE,
            Properties: {
              AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }),
              Policies: [{ PolicyName: 'p', PolicyDocument: doc(allow('dynamodb:PutItem', '*')) }],
            },
          },
        },
      })).toEqual({ R: ['Resource::*'] });
    }
  });

  test('Compliance: CDK L2 TopicRule with actions-alpha actions (scoped roles), and the republish action\'s iot:Publish on * reported', () => {
    const stack = newStack();
    const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    const bucket = new s3.Bucket(stack, 'Bucket');
    const queue = new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.KMS });
    const topic = new sns.Topic(stack, 'Topic');
    const stream = new kinesis.Stream(stack, 'Stream');
    const logGroup = new logs.LogGroup(stack, 'Logs');
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'i.h', code: lambda.Code.fromInline('x') });
    new iotAlpha.TopicRule(stack, 'Rule', {
      sql: iotAlpha.IotSql.fromStringAsVer20160323("SELECT * FROM 'devices/+/data'"),
      actions: [
        new actions.DynamoDBv2PutItemAction(table),
        new actions.S3PutObjectAction(bucket),
        new actions.SqsQueueAction(queue),
        new actions.SnsTopicAction(topic),
        new actions.KinesisPutRecordAction(stream, { partitionKey: '${topic()}' }),
        new actions.CloudWatchPutMetricAction({ metricName: 'm', metricNamespace: 'n', metricUnit: 'Count', metricValue: '1' }),
        new actions.LambdaFunctionAction(fn),
      ],
      errorAction: new actions.CloudWatchLogsAction(logGroup),
    });
    const results = cfnResources(stack).filter((r) => r.cfnResourceType === ROLE).map((r) => check(GW13, r));
    expect(results).toEqual([COMPLIANT, COMPLIANT]);

    const republish = newStack();
    new iotAlpha.TopicRule(republish, 'Rule', {
      sql: iotAlpha.IotSql.fromStringAsVer20160323("SELECT * FROM 'devices/+/data'"),
      actions: [new actions.IotRepublishMqttAction('alerts/${topic(2)}')],
    });
    expect(checkType(GW13, republish, ROLE)).toEqual(['Resource::*']);
  });

  test('SAM: a function with an IoTRule event, judged by its Role or by its Policies', () => {
    const fn = (props: object) => ({
      Type: 'AWS::Serverless::Function',
      Properties: {
        Handler: 'i.h', Runtime: 'nodejs22.x', InlineCode: 'x',
        Events: { Iot: { Type: 'IoTRule', Properties: { Sql: "SELECT * FROM 'devices/+/data'" } } },
        ...props,
      },
    });
    expect(gw13({
      Transform: 'AWS::Serverless-2016-10-31',
      Resources: {
        Table: { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' } },
        Scoped: fn({ Policies: ['AWSLambdaBasicExecutionRole', { DynamoDBCrudPolicy: { TableName: { Ref: 'Table' } } }, doc(allow('iot:Publish', 'arn:aws:iot:eu-west-1:111122223333:topic/out'))] }),
        Wide: fn({ Policies: ['AmazonDynamoDBFullAccess', { S3CrudPolicy: { BucketName: '*' } }, doc(allow('iot:Publish', '*')), { SomeNewTemplate: {} }] }),
        WithRole: fn({ Role: getArn('R') }),
        R: { Type: ROLE, Properties: { AssumeRolePolicyDocument: LAMBDA_TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: doc(allow('s3:GetObject', '*')) }] } },
        NotIot: { Type: 'AWS::Serverless::Function', Properties: { Handler: 'i.h', Runtime: 'nodejs22.x', InlineCode: 'x', Policies: ['AdministratorAccess'] } },
      },
    })).toEqual({
      Scoped: COMPLIANT,
      Wide: ['ManagedPolicy::AmazonDynamoDBFullAccess', 'Resource::*', 'Unresolved::Policies'],
      R: ['Resource::*'],
    });
  });
});

describe('GW13 on more uses and on our constructs', () => {
  test('security-profile alerts, job-template presigned URLs, TwinMaker, FleetWise and topic-rule destinations: data anywhere is reported', () => {
    const wide = role([allow(['sns:Publish', 's3:GetObject', 'timestream:WriteRecords'], '*')]);
    expect(gw13({
      Resources: {
        Alert: wide, Presign: wide, Twin: wide, Fleet: wide, Dest: wide,
        Profile: { Type: 'AWS::IoT::SecurityProfile', Properties: { AlertTargets: { SNS: { AlertTargetArn: 't', RoleArn: getArn('Alert') } } } },
        Job: { Type: 'AWS::IoT::JobTemplate', Properties: { JobTemplateId: 'j', Description: 'd', PresignedUrlConfig: { RoleArn: getArn('Presign'), ExpiresInSec: 60 } } },
        Ws: { Type: 'AWS::IoTTwinMaker::Workspace', Properties: { WorkspaceId: 'w', Role: getArn('Twin'), S3Location: 'b' } },
        Campaign: { Type: 'AWS::IoTFleetWise::Campaign', Properties: { Name: 'c', Action: 'APPROVE', SignalCatalogArn: 's', TargetArn: 't', CollectionScheme: { TimeBasedCollectionScheme: { PeriodMs: 10000 } }, DataDestinationConfigs: [{ TimestreamConfig: { ExecutionRoleArn: getArn('Fleet'), TimestreamTableArn: 't' } }] } },
        Destination: { Type: 'AWS::IoT::TopicRuleDestination', Properties: { VpcProperties: { RoleArn: getArn('Dest'), SubnetIds: ['s'], VpcId: 'v' } } },
      },
    })).toEqual({
      Alert: ['Resource::*'], Presign: ['Resource::*'], Twin: ['Resource::*'], Fleet: ['Resource::*'], Dest: ['Resource::*'],
      Profile: COMPLIANT, Job: COMPLIANT, Ws: COMPLIANT, Campaign: COMPLIANT, Destination: COMPLIANT,
    });
  });

  test('False positive: AWS\'s documented VPC destination role (ENIs on *, CreateNetworkInterfacePermission under its tag condition) passes; the same permission without the tag does not', () => {
    // AWS IoT Core Developer Guide, "Virtual private cloud (VPC) destinations" (vpc-rule-action.html), the role's example policy.
    const eni = allow(['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DeleteNetworkInterface', 'ec2:DescribeSubnets',
      'ec2:DescribeVpcAttribute', 'ec2:DescribeSecurityGroups'], '*');
    const permission = (condition?: object) => ({ ...allow('ec2:CreateNetworkInterfacePermission', '*'), ...(condition ? { Condition: condition } : {}) });
    const tags = { ...allow('ec2:CreateTags', '*'), Condition: { StringEquals: { 'ec2:CreateAction': 'CreateNetworkInterface', 'aws:RequestTag/VPCDestinationENI': 'true' } } };
    const template = (statements: object[]) => ({
      Resources: {
        Dest: role(statements),
        Destination: { Type: 'AWS::IoT::TopicRuleDestination', Properties: { VpcProperties: { RoleArn: getArn('Dest'), SubnetIds: ['s'], VpcId: 'v' } } },
      },
    });
    expect(gw13(template([eni, permission({ StringEquals: { 'ec2:ResourceTag/VPCDestinationENI': 'true' } }), tags])).Dest).toEqual(COMPLIANT);
    expect(gw13(template([eni, permission(), tags])).Dest).toEqual(['AdminAction::ec2:CreateNetworkInterfacePermission']);
    // The ENI grants are the destination's, not a rule action's.
    expect(gw13({ Resources: { R: role([eni]), Rule: rule([{ Sqs: { QueueUrl: 'q', RoleArn: getArn('R') } }]) } }).R).toEqual(['Resource::*']);
  });

  test('False positive: AWS\'s documented SiteWise rule-action role (BatchPutAssetPropertyValue on * under an asset hierarchy path) passes; without the path, or with /*, it does not', () => {
    // AWS IoT SiteWise User Guide, "Grant AWS IoT the required access" (grant-rule-access.html).
    const put = (condition?: object) => ({ ...allow('iotsitewise:BatchPutAssetPropertyValue', '*'), ...(condition ? { Condition: condition } : {}) });
    const template = (statement: object) => ({
      Resources: { R: role([statement]), Rule: rule([{ IotSiteWise: { PutAssetPropertyValueEntries: [], RoleArn: getArn('R') } }]) },
    });
    expect(gw13(template(put({ StringLike: { 'iotsitewise:assetHierarchyPath': ['/a1b2c3', '/a1b2c3/*'] } }))).R).toEqual(COMPLIANT);
    expect(gw13(template(put())).R).toEqual(['Resource::*']);
    expect(gw13(template(put({ StringLike: { 'iotsitewise:assetHierarchyPath': ['/*'] } }))).R).toEqual(['Resource::*']);
    expect(gw13(template(put({ StringLikeIfExists: { 'iotsitewise:assetHierarchyPath': ['/a1b2c3/*'] } }))).R).toEqual(['Resource::*']);
  });

  test('provisioning: the documented actions on * pass inline as with AWSIoTThingsRegistration; minting keys on * does not', () => {
    expect(gw13({
      Resources: {
        Prov: role([
          allow(['iot:CreateThing', 'iot:AttachPolicy', 'iot:AttachThingPrincipal', 'iot:UpdateCertificate', 'iot:RegisterThing', 'iot:CreateCertificateFromCsr', 'iot:DescribeCertificate'], '*'),
          allow(['iot:CreateKeysAndCertificate', 'iot:CreatePolicyVersion'], '*'),
        ]),
        Template: { Type: 'AWS::IoT::ProvisioningTemplate', Properties: { ProvisioningRoleArn: getArn('Prov'), TemplateBody: '{}' } },
      },
    }).Prov).toEqual(['AdminAction::iot:CreateKeysAndCertificate', 'AdminAction::iot:CreatePolicyVersion']);
  });

  test('a provisioning template made by a custom resource (AwsCustomResource CreateProvisioningTemplate) names its role too', () => {
    const stack = newStack();
    const r = new iam.Role(stack, 'Prov', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
    r.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    new cr.AwsCustomResource(stack, 'Template', {
      onCreate: {
        service: 'Iot', action: 'createProvisioningTemplate', physicalResourceId: cr.PhysicalResourceId.of('t'),
        parameters: { templateName: 't', templateBody: '{}', provisioningRoleArn: r.roleArn, enabled: true },
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: ['arn:aws:iot:eu-west-1:111122223333:provisioningtemplate/t'] }),
    });
    const uses = withResolutionCache(() => [...iotServiceRoles(r.node.defaultChild as iam.CfnRole).uses.get(r.node.defaultChild as iam.CfnRole) ?? []].map((u) => u.kind));
    expect(uses).toEqual(['provisioning']);
    expect(check(GW13, r.node.defaultChild as iam.CfnRole)).toEqual(['Resource::*']);
  });

  test('Compliance: our FleetProvisioning and DeviceCertificateAuthority (JITP) roles and their hook function', () => {
    const stack = newStack();
    new FleetProvisioning(stack, 'FP', { devicePolicy: new DevicePolicy(stack, 'P'), thingNamePrefix: 'sensor-' });
    const roles = cfnResources(stack).filter((r) => r.cfnResourceType === ROLE);
    const judged = roles.map((r) => check(GW13, r)).filter((x) => x !== NOT_APPLICABLE);
    expect(judged.length).toBeGreaterThan(0);
    expect(new Set(judged)).toEqual(new Set([COMPLIANT]));
  });

  test('Compliance: a CDK authorizer function with its default role (AWSLambdaBasicExecutionRole)', () => {
    const stack = newStack();
    const fn = new lambda.Function(stack, 'Auth', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'i.h', code: lambda.Code.fromInline('x') });
    new iot.CfnAuthorizer(stack, 'Authorizer', { authorizerFunctionArn: fn.functionArn, signingDisabled: false, tokenKeyName: 'k', tokenSigningPublicKeys: { k: 'pem' } });
    expect(check(GW13, fn.role!.node.defaultChild as iam.CfnRole)).toEqual(COMPLIANT);
    fn.role!.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AWSIoTFullAccess'));
    expect(check(GW13, fn.role!.node.defaultChild as iam.CfnRole)).toEqual(['ManagedPolicy::AWSIoTFullAccess']);
  });
});

describe('a role or function of another stack of the same app', () => {
  test('is followed through the export CDK makes, and judged in its own stack', () => {
    const app = new App();
    const roles = new Stack(app, 'Roles');
    const rules = new Stack(app, 'Rules');
    const r = new iam.Role(roles, 'RuleRole', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
    r.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['*'] }));
    const fn = new lambda.Function(roles, 'Auth', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'i.h', code: lambda.Code.fromInline('x') });
    const rule = new iot.CfnTopicRule(rules, 'Rule', { topicRulePayload: { sql: "SELECT * FROM 'a'", actions: [{ sqs: { queueUrl: 'q', roleArn: r.roleArn } }] } });
    const authorizer = new iot.CfnAuthorizer(rules, 'Authorizer', { authorizerFunctionArn: fn.functionArn, signingDisabled: false, tokenKeyName: 'k', tokenSigningPublicKeys: { k: 'pem' } });
    app.synth();
    expect(check(GW13, rule)).toEqual(COMPLIANT);
    expect(check(GW13, authorizer)).toEqual(COMPLIANT);
    expect(check(GW13, r.node.defaultChild as iam.CfnRole)).toEqual(['Resource::*']);
    expect(check(GW13, fn.role!.node.defaultChild as iam.CfnRole)).toEqual(COMPLIANT);
    expect(check(GW14, r.node.defaultChild as iam.CfnRole)).toEqual(COMPLIANT);
  });
});

describe('the scanner reads the same roles from YAML and SAM', () => {
  test('short-form intrinsics (!GetAtt, !Sub, !If) and a SAM function with an IoTRule event and a Role', () => {
    const findings = scanYaml([
      'Transform: AWS::Serverless-2016-10-31',
      'Conditions:',
      '  Prod: !Equals [!Ref AWS::Region, eu-west-1]',
      'Resources:',
      '  RepublishRole:',
      '    Type: AWS::IAM::Role',
      '    Properties:',
      '      AssumeRolePolicyDocument: { Statement: [{ Effect: Allow, Principal: { Service: iot.amazonaws.com }, Action: sts:AssumeRole }] }',
      '      Policies:',
      '        - PolicyName: p',
      '          PolicyDocument: { Statement: [{ Effect: Allow, Action: iot:Publish, Resource: !If [Prod, !Sub "arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topic/out", "*"] }] }',
      '  FnRole:',
      '    Type: AWS::IAM::Role',
      '    Properties:',
      '      AssumeRolePolicyDocument: { Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: sts:AssumeRole }] }',
      '      ManagedPolicyArns: [arn:aws:iam::aws:policy/AmazonS3FullAccess]',
      '  Rule:',
      '    Type: AWS::IoT::TopicRule',
      '    Properties:',
      '      TopicRulePayload:',
      '        Sql: SELECT * FROM \'devices/+/data\'',
      '        Actions:',
      '          - Republish: { Topic: out, RoleArn: !GetAtt RepublishRole.Arn }',
      '        ErrorAction:',
      '          Republish: { Topic: errors, RoleArn: !Sub "${RepublishRole.Arn}" }',
      '  Fn:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      Handler: index.handler',
      '      Runtime: nodejs22.x',
      '      InlineCode: x',
      '      Role: !GetAtt FnRole.Arn',
      '      Events:',
      '        Iot: { Type: IoTRule, Properties: { Sql: "SELECT * FROM \'devices/+/data\'" } }',
    ]);
    const found = findings.filter((f) => /-GW1[34]\b/.test(f.ruleId)).map((f) => `${f.resource} ${f.findingId}`);
    expect(found.sort()).toEqual([
      'FnRole IoTSecurity-GW13[ManagedPolicy::AmazonS3FullAccess]',
      'RepublishRole IoTSecurity-GW13[Resource::*]',
    ]);
  });
});

describe('GW14 an IoT service role nothing uses', () => {
  test('Noncompliance: a role trusted by iot.amazonaws.com that no resource or output names (its own policy does not count)', () => {
    const stack = newStack();
    const r = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
    r.addToPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: ['arn:aws:sns:eu-west-1:111122223333:t'] }));
    expect(checkType(GW14, stack, ROLE)).toEqual(NON_COMPLIANT);
  });

  test('Compliance: used by a rule, an output, a custom resource or a PassRole grant', () => {
    const uses: ((stack: ReturnType<typeof newStack>, r: iam.Role) => void)[] = [
      (s, r) => new iot.CfnTopicRule(s, 'Rule', { topicRulePayload: { sql: "SELECT * FROM 'a'", actions: [{ sns: { targetArn: 't', roleArn: r.roleArn } }] } }),
      (s, r) => new CfnOutput(s, 'Out', { value: r.roleArn }),
      (s, r) => new iot.CfnTopicRule(s, 'Rule', { topicRulePayload: { sql: "SELECT * FROM 'a'", actions: [] } }).addPropertyOverride('X', Fn.sub('${R}', { R: r.roleName })),
      (s, r) => new iam.Policy(s, 'Pass', { statements: [new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [r.roleArn] })], roles: [new iam.Role(s, 'Other', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') })] }),
    ];
    for (const use of uses) {
      const stack = newStack();
      const r = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
      use(stack, r);
      expect(check(GW14, r.node.defaultChild as iam.CfnRole)).toEqual(COMPLIANT);
    }
  });

  test('Not applicable: other roles, credentials-provider roles', () => {
    const stack = newStack();
    new CfnParameter(stack, 'P');
    const a = new iam.Role(stack, 'A', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const b = new iam.Role(stack, 'B', { assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com') });
    expect(check(GW14, a.node.defaultChild as iam.CfnRole)).toEqual(NOT_APPLICABLE);
    expect(check(GW14, b.node.defaultChild as iam.CfnRole)).toEqual(NOT_APPLICABLE);
  });
});
