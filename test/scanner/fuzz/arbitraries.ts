/*
 * fast-check arbitraries for the scanner's inputs: CloudFormation templates from a grammar of the
 * sections and resource types the rules read, written as JSON or YAML (block, flow, short tags),
 * with the mutations a hostile pull request can make; cloud assemblies with mutated manifests;
 * plain folders of several files; acknowledgement files. Each case is data (`FuzzCase`), so a
 * failure is kept as a JSON file and replayed as it is.
 */
import * as fc from 'fast-check';
import { DEFAULT_SCAN_LIMITS } from '../../../lib/scanner/private/limits';
import { bool, Doc, fromJs, map, nul, num, seq, str, Style, write } from './document';

/** A file of a case: text, or bytes (base64) where the text is not UTF-8. */
export interface FuzzFile {
  readonly path: string;
  readonly text?: string;
  readonly base64?: string;
  /** A symbolic link to this target (relative to the link's folder, or absolute). */
  readonly link?: string;
  /** A FIFO: reading it waits for a writer that never comes. */
  readonly fifo?: boolean;
}

/** An insecure resource the scan must report whenever it reads the file it sits in. */
export interface FuzzTarget {
  /** The file, relative to the case folder. */
  readonly file: string;
  readonly logicalId: string;
  /** The file's bytes are the template as generated (no byte mutation): the resource is in it. */
  readonly intact: boolean;
  /** The scan must account for the file: read it, or name it unreadable or skipped. */
  readonly accounted: boolean;
}

/** One run of the CLI: files to write, the inputs and options to pass (paths relative to the case folder, `./x`). */
export interface FuzzCase {
  readonly kind: string;
  readonly files: FuzzFile[];
  readonly inputs: string[];
  readonly options: string[];
  readonly targets: FuzzTarget[];
  /** A case past a default limit: the expected outcome is exit 2 with a message naming the file. */
  readonly limit?: string;
}

/** The insecure resource: an IoT policy allowing iot:* on * (IoTSecurity-ID1). */
export const TARGET_ID = 'TargetOpenPolicy';

const SECURE_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}' }] };
const WILDCARD_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };

/** Keys that mean something to JavaScript objects, or that CloudFormation refuses. */
export const HOSTILE_KEYS = [
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf', '__defineGetter__',
  '', ' ', 'a.b', 'a/b', 'a b', '${x}', '*', '-', '0', '1e3', 'Ref', 'Fn::If', 'Fn::Sub', 'Fn::Transform', 'Condition', 'Type', 'Properties',
  '\u0000', '\u001b[31m', '\u202e', '\n', '\t', 'é', 'ÄÖ', '日本', 'length', 'then', 'size', 'Map', 'x'.repeat(200),
];

const RESOURCE_TYPES = [
  'AWS::IoT::Policy', 'AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::RolePolicy', 'AWS::IAM::User',
  'AWS::IoT::TopicRule', 'AWS::Lambda::Function', 'AWS::Lambda::Permission', 'AWS::S3::Bucket', 'AWS::Serverless::Function',
  'AWS::IoT::ProvisioningTemplate', 'AWS::IoT::RoleAlias', 'AWS::IoT::Thing', 'AWS::IoT::ThingPrincipalAttachment',
  'AWS::IoT::PolicyPrincipalAttachment', 'AWS::IoT::Certificate', 'AWS::IoT::CACertificate', 'AWS::IoT::Authorizer',
  'AWS::IoT::DomainConfiguration', 'AWS::IoT::Logging', 'AWS::IoT::Job', 'AWS::IoT::JobTemplate', 'AWS::IoT::SecurityProfile',
  'AWS::IoT::AccountAuditConfiguration', 'AWS::SecretsManager::Secret', 'AWS::SSM::Parameter', 'AWS::GreengrassV2::ComponentVersion',
  'AWS::GreengrassV2::Deployment', 'AWS::CloudFormation::Stack', 'AWS::CloudFormation::CustomResource', 'Custom::Thing',
  'Custom::AWS', 'AWS::DynamoDB::Table', 'AWS::KinesisFirehose::DeliveryStream', 'AWS::SQS::Queue', 'AWS::SNS::Topic',
  'AWS::IoT::TopicRuleDestination', 'AWS::IoTEvents::DetectorModel', 'AWS::Serverless::Api', 'AWS::IoT::Policy ', 'aws::iot::policy', '',
];

/** Property names the rules read. */
const PROPERTY_KEYS = [
  'PolicyDocument', 'PolicyName', 'Policies', 'AssumeRolePolicyDocument', 'ManagedPolicyArns', 'PermissionsBoundary', 'Roles', 'Users',
  'RoleArn', 'RoleAlias', 'CredentialDurationSeconds', 'TopicRulePayload', 'Sql', 'Actions', 'ErrorAction', 'Lambda', 'FunctionArn',
  'S3', 'BucketName', 'CannedAcl', 'Republish', 'Topic', 'Http', 'Url', 'Role', 'Code', 'ZipFile', 'Handler', 'Runtime', 'Environment',
  'Variables', 'Tags', 'Key', 'Value', 'TemplateBody', 'ProvisioningRoleArn', 'PreProvisioningHook', 'TargetArn', 'Principal',
  'ThingName', 'CertificatePem', 'Status', 'AutoRegistrationStatus', 'RegistrationConfig', 'SigningDisabled', 'TokenSigningPublicKeys',
  'AuthorizerFunctionArn', 'ServiceType', 'TlsConfig', 'SecurityPolicy', 'DefaultLogLevel', 'SecretString', 'Type', 'InlineRecipe',
  'Components', 'Events', 'Statement', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition', 'ServiceToken',
  'Create', 'Update', 'Delete', 'Parameters', 'TemplateURL', 'KmsKeyId', 'BucketEncryption', 'AuditCheckConfigurations',
  'Document', 'DocumentSource', 'Targets', 'TargetSelection', 'Version', 'service', 'action', 'parameters', 'physicalResourceId',
];

const WORDS = [
  '*', 'iot:*', 'iot:Connect', 'iot:Publish', 'iot:*Publish*', 'iam:PassRole', 's3:*', '*:*', 'Allow', 'Deny', 'allow',
  'arn:aws:iot:us-east-1:123456789012:topic/*', 'arn:aws:iot:*:*:*', 'arn:aws:iam::aws:policy/AdministratorAccess',
  'arn:aws:iot:us-east-1:1:client/${iot:ClientId}', '${AWS::Region}', `\${${TARGET_ID}}`, `\${${TARGET_ID}.Arn}`, '${!Literal}', '${',
  'AWS::NoValue', 'AWS::Region', 'AWS::AccountId', TARGET_ID, `${TARGET_ID}.Arn`, "SELECT * FROM '#'", '2012-10-17', '2010-09-09',
  'String', 'Number', 'List<Number>', 'AWS::SSM::Parameter::Value<String>', 'CommaDelimitedList', 'true', 'false', '', ' ', 'null',
  '{"Statement":[', JSON.stringify(WILDCARD_POLICY), 'ACTIVE', 'INACTIVE', 'public-read', 'iot.amazonaws.com', 'lambda.amazonaws.com',
  'Param1', 'Cond1', 'Map1', 'Res1', '#', '+', '1', '0', '-1', 'yes', 'no', '~', 'TLS12', 'AWS::Serverless-2016-10-31',
  ...HOSTILE_KEYS,
];

/** `arb` about once in `n` draws, else undefined (fc.option's freq is the other way round). */
function rarely<T>(arb: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: n - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

const word = fc.constantFrom(...WORDS);
const text = fc.oneof({ weight: 4, arbitrary: word }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) });
const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PROPERTY_KEYS) }, { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
/** Scalars YAML reads by its own rules, not as the string they look like: booleans of YAML 1.1, infinities, NaN, octal, binary, timestamps. */
const RAW_YAML: [string, Doc][] = [
  ['yes', str('yes')], ['no', str('no')], ['on', str('on')], ['off', str('off')], ['~', nul], ['.inf', str('.inf')], ['-.inf', str('-.inf')],
  ['.nan', str('.nan')], ['0x1F', num(31)], ['0o17', num(15)], ['017', num(17)], ['1_000', str('1_000')], ['2012-10-17', str('2012-10-17')],
  ['12:30:00', str('12:30:00')], ['!!str 5', str('5')], ['!!int "7"', num(7)], ['!!float 1', num(1)], ['!!bool true', bool(true)], ['!!null ""', nul],
  ['!!binary aGk=', str('aGk=')], ['!!timestamp 2001-12-14', str('2001-12-14')], ['1e400', num(0)], ['-0', num(0)], ['""', str('')], ["''", str('')],
  ['!!str', str('')],
];

const scalar: fc.Arbitrary<Doc> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...RAW_YAML).map(([yaml, json]): Doc => ({ k: 'raw', yaml, json })) },
  { weight: 6, arbitrary: text.map(str) },
  { weight: 1, arbitrary: fc.integer({ min: -1e6, max: 1e6 }).map(num) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }).map(num) },
  { weight: 1, arbitrary: fc.boolean().map(bool) },
  { weight: 1, arbitrary: fc.constant(nul) },
);

const SHORT_TAGS = ['!Ref', '!GetAtt', '!Sub', '!Join', '!If', '!ImportValue', '!Select', '!Split', '!FindInMap', '!Base64', '!GetAZs',
  '!Equals', '!Not', '!And', '!Or', '!Condition', '!Cidr', '!ToJsonString', '!Length'];
const LONG_FORMS = ['Ref', 'Fn::GetAtt', 'Fn::Sub', 'Fn::Join', 'Fn::If', 'Fn::ImportValue', 'Fn::Select', 'Fn::Split', 'Fn::FindInMap',
  'Fn::Base64', 'Fn::GetAZs', 'Fn::Equals', 'Fn::Not', 'Fn::And', 'Fn::Or', 'Condition', 'Fn::Cidr', 'Fn::ToJsonString', 'Fn::Length', 'Fn::Transform'];

const { value } = fc.letrec<{ value: Doc; intrinsic: Doc; statement: Doc; policy: Doc }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: scalar },
    { weight: 2, arbitrary: tie('intrinsic') },
    { weight: 1, arbitrary: tie('policy') },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 4 }).map(seq) },
    { weight: 2, arbitrary: fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map(map) },
  ),
  intrinsic: fc.oneof(
    // Well-formed short and long forms, then any argument at all.
    fc.tuple(fc.constantFrom('!Ref', 'Ref'), fc.constantFrom(TARGET_ID, 'AWS::Region', 'AWS::NoValue', 'Param1', 'Res1', 'Missing', ...HOSTILE_KEYS))
      .map(([t, v]) => (t.startsWith('!') ? { k: 'tag', tag: t, value: str(v) } as Doc : map([[t, str(v)]]))),
    fc.tuple(fc.boolean(), fc.constantFrom(TARGET_ID, 'Res1', '__proto__', ''), fc.constantFrom('Arn', 'Id', 'Outputs.X', 'constructor', ''))
      .map(([short, r, a]) => (short ? { k: 'tag', tag: '!GetAtt', value: str(`${r}.${a}`) } as Doc : map([['Fn::GetAtt', seq([str(r), str(a)])]]))),
    fc.tuple(fc.boolean(), text, fc.array(tie('value'), { maxLength: 3 }))
      .map(([short, sep, items]) => (short ? { k: 'tag', tag: '!Join', value: seq([str(sep), seq(items)]) } as Doc : map([['Fn::Join', seq([str(sep), seq(items)])]]))),
    fc.tuple(fc.boolean(), fc.constantFrom('Cond1', 'Missing', '__proto__', 'constructor'), tie('value'), tie('value'))
      .map(([short, c, a, b]) => (short ? { k: 'tag', tag: '!If', value: seq([str(c), a, b]) } as Doc : map([['Fn::If', seq([str(c), a, b])]]))),
    fc.tuple(fc.constantFrom(...SHORT_TAGS), tie('value')).map(([tag, v]) => ({ k: 'tag', tag, value: v } as Doc)),
    fc.tuple(fc.constantFrom(...LONG_FORMS), tie('value')).map(([k, v]) => map([[k, v]])),
  ),
  statement: fc.record({
    Effect: fc.oneof(fc.constantFrom('Allow', 'Deny').map(str), tie('value')),
    Action: fc.oneof(text.map(str), fc.array(text.map(str), { maxLength: 3 }).map(seq), tie('value')),
    Resource: fc.oneof(text.map(str), fc.array(fc.oneof(text.map(str), tie('intrinsic')), { maxLength: 3 }).map(seq), tie('value')),
    NotAction: tie('value'),
    Condition: tie('value'),
  }, { requiredKeys: [] }).map((r) => map(Object.entries(r))),
  policy: fc.tuple(fc.oneof(tie('statement'), fc.array(tie('statement'), { maxLength: 3 }).map(seq), tie('value')), fc.boolean())
    .map(([statement, asString]) => {
      const doc = map([['Version', str('2012-10-17')], ['Statement', statement]]);
      // A policy document written as a JSON string, as CloudFormation accepts it.
      return asString ? str(write(doc, 'json-compact')) : doc;
    }),
}));

/** Any value, wrong types included: what a template can hold where a rule reads. */
export const anyValue = value;

/** The insecure policy, as an object or a JSON string, with (harmless to its verdict) extra keys and attributes around it. */
const target = fc.record({
  asString: fc.boolean(),
  listForms: fc.boolean(),
  extraProps: fc.array(fc.tuple(fc.constantFrom('PolicyName', 'Tags', ...HOSTILE_KEYS.filter((k) => k !== 'PolicyDocument')), value), { maxLength: 3 }),
  attributes: fc.array(fc.tuple(fc.constantFrom('Metadata', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'UpdatePolicy'), value), { maxLength: 2 }),
  // A key written twice, the insecure value last: CloudFormation reads the last one.
  shadow: fc.constantFrom('none', 'none', 'none', 'document', 'type', 'action'),
  // iot:* through intrinsics whose every value is iot:*, whatever the template's conditions and parameters hold.
  action: fc.oneof(
    { weight: 4, arbitrary: fc.constant(str('iot:*')) },
    { weight: 1, arbitrary: fc.tuple(fc.boolean(), fc.constantFrom('Cond1', 'Missing', ...HOSTILE_KEYS)).map(([short, c]) => (short
      ? { k: 'tag', tag: '!If', value: seq([str(c), str('iot:*'), str('iot:*')]) } as Doc : map([['Fn::If', seq([str(c), str('iot:*'), str('iot:*')])]]))) },
    { weight: 1, arbitrary: fc.constantFrom<Doc>(
      map([['Fn::Join', seq([str(''), seq([str('iot:'), str('*')])])]]), map([['Fn::Sub', str('iot:*')]]), { k: 'tag', tag: '!Sub', value: str('iot:*') },
      map([['Fn::Select', seq([num(0), seq([str('iot:*'), str('x')])])]]), map([['Fn::Sub', seq([str('${A}:*'), map([['A', str('iot')]])])]]),
    ) },
  ),
  // The same policy created by an AwsCustomResource call, or in a provisioning template's body: JSON strings in JSON strings.
  form: fc.constantFrom('policy', 'policy', 'policy', 'policy', 'policy', 'policy', 'custom', 'provisioning'),
}).map(({ asString, listForms, extraProps, attributes, shadow, action, form }): Doc => {
  const wildcard = JSON.stringify(WILDCARD_POLICY);
  if (form === 'custom') {
    return map([['Type', str('Custom::AWS')], ...attributes, ['Properties', map([['ServiceToken', map([['Fn::GetAtt', seq([str('Provider'), str('Arn')])]])],
      ['Create', str(JSON.stringify({ service: 'Iot', action: 'createPolicy', parameters: { policyName: 'p', policyDocument: wildcard }, physicalResourceId: { id: 'p' } }))]])]]);
  }
  if (form === 'provisioning') {
    return map([['Type', str('AWS::IoT::ProvisioningTemplate')], ...attributes, ['Properties', map([['ProvisioningRoleArn', str('arn:aws:iam::123456789012:role/r')],
      ['TemplateBody', str(JSON.stringify({ Resources: { policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: wildcard } } } }))]])]]);
  }
  const statement = map([
    ...(shadow === 'action' ? [['Action', str('iot:Connect')] as const] : []),
    // In a policy written as a JSON string, an intrinsic is only text: CloudFormation resolves none there.
    ['Effect', str('Allow')], ['Action', listForms ? seq([asString ? str('iot:*') : action]) : asString ? str('iot:*') : action],
    ['Resource', listForms ? seq([str('*')]) : str('*')]]);
  const policy = map([['Version', str('2012-10-17')], ['Statement', seq([statement])]]);
  return map([
    ...(shadow === 'type' ? [['Type', str('AWS::S3::Bucket')] as const] : []),
    ['Type', str('AWS::IoT::Policy')],
    ...attributes,
    ['Properties', map([
      ...(shadow === 'document' ? [['PolicyDocument', fromJs(SECURE_POLICY)] as const] : []),
      ...extraProps,
      ['PolicyDocument', asString ? str(write(policy, 'json-compact')) : policy]])],
  ]);
});

const logicalId = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('Res1', 'Res2', 'Policy', 'Role', 'Rule', 'Fn', 'Bucket', 'Attach', 'Alias', 'Stack', 'Custom') },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
).filter((id) => id !== TARGET_ID);

const DOC = (statement: object) => ({ Version: '2012-10-17', Statement: [statement] });
const ARN = (r: string) => ({ 'Fn::GetAtt': [r, 'Arn'] });

/** Resources written as their owners write them, with the properties the rules read, nested as CloudFormation nests them. */
const SKELETONS: [string, object][] = [
  ['AWS::IoT::Policy', { PolicyName: 'p', PolicyDocument: DOC({ Effect: 'Allow', Action: ['iot:Connect'], Resource: ['arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}'] }) }],
  ['AWS::IAM::Role', {
    AssumeRolePolicyDocument: DOC({ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } }),
    Policies: [{ PolicyName: 'p', PolicyDocument: DOC({ Effect: 'Allow', Action: ['iot:Publish'], Resource: '*' }) }],
    ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSIoTLogging'], RoleName: 'r',
  }],
  ['AWS::IAM::Policy', { PolicyName: 'p', PolicyDocument: DOC({ Effect: 'Allow', Action: 'iot:*', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iot:*' } }), Roles: [{ Ref: 'Role' }] }],
  ['AWS::IAM::ManagedPolicy', { PolicyDocument: DOC({ Effect: 'Allow', Action: ['iam:PassRole'], Resource: ARN('Role') }), Roles: [{ Ref: 'Role' }], Users: ['u'] }],
  ['AWS::IoT::TopicRule', { TopicRulePayload: {
    Sql: "SELECT * FROM 'a/b'", AwsIotSqlVersion: '2016-03-23', RuleDisabled: false,
    Actions: [{ Lambda: { FunctionArn: ARN('Fn') } }, { S3: { BucketName: { Ref: 'Bucket' }, Key: 'k', RoleArn: ARN('Role'), CannedAcl: 'private' } },
      { Republish: { Topic: 't', RoleArn: 'arn:aws:iam::123456789012:role/r' } }, { Http: { Url: 'http://example.com' } }],
    ErrorAction: { CloudwatchLogs: { LogGroupName: 'g', RoleArn: ARN('Role') } },
  } }],
  ['AWS::Lambda::Function', { Code: { ZipFile: 'exports.handler = async () => {}' }, Handler: 'index.handler', Runtime: 'nodejs22.x', Role: ARN('Role'), Environment: { Variables: { SECRET: 'hunter2' } } }],
  ['AWS::S3::Bucket', { BucketName: 'b', BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'k' } }] },
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true }, VersioningConfiguration: { Status: 'Enabled' } }],
  ['AWS::IoT::RoleAlias', { RoleAlias: 'a', RoleArn: ARN('Role'), CredentialDurationSeconds: 3600 }],
  ['AWS::IoT::ProvisioningTemplate', { TemplateBody: JSON.stringify({ Resources: { policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: JSON.stringify(DOC({ Effect: 'Allow', Action: 'iot:*', Resource: '*' })) } } } }),
    ProvisioningRoleArn: ARN('Role'), Enabled: true, PreProvisioningHook: { TargetArn: ARN('Fn'), PayloadVersion: '2020-04-01' } }],
  ['AWS::Serverless::Function', { CodeUri: '.', Handler: 'index.handler', Runtime: 'nodejs22.x', Policies: ['AWSIoTDataAccess', DOC({ Effect: 'Allow', Action: 'iot:*', Resource: '*' })],
    Events: { IoT: { Type: 'IoTRule', Properties: { Sql: "SELECT * FROM 't'" } } } }],
  ['Custom::AWS', { ServiceToken: ARN('Provider'), InstallLatestAwsSdk: false,
    Create: JSON.stringify({ service: 'Iot', action: 'createPolicy', parameters: { policyName: 'p', policyDocument: JSON.stringify(DOC({ Effect: 'Allow', Action: 'iot:*', Resource: '*' })) }, physicalResourceId: { id: 'p' } }) }],
  ['AWS::IoT::Authorizer', { AuthorizerFunctionArn: ARN('Fn'), SigningDisabled: false, TokenKeyName: 'k', TokenSigningPublicKeys: { k: '-----BEGIN PUBLIC KEY-----' }, Status: 'ACTIVE' }],
  ['AWS::IoT::DomainConfiguration', { DomainConfigurationName: 'd', ServiceType: 'DATA', TlsConfig: { SecurityPolicy: 'IoTSecurityPolicy_TLS13_1_2_2022_10' }, AuthorizerConfig: { DefaultAuthorizerName: 'a' } }],
  ['AWS::GreengrassV2::ComponentVersion', { InlineRecipe: JSON.stringify({ RecipeFormatVersion: '2020-01-25', ComponentName: 'c', ComponentVersion: '1.0.0',
    Manifests: [{ Platform: { os: 'linux' }, Lifecycle: { Run: { Script: 'sudo x', RequiresPrivilege: true } } }] }) }],
  ['AWS::SecretsManager::Secret', { SecretString: 'hunter2', KmsKeyId: 'alias/aws/secretsmanager' }],
  ['AWS::IoT::ThingPrincipalAttachment', { ThingName: { Ref: 'Thing' }, Principal: ARN('Cert'), ThingPrincipalType: 'EXCLUSIVE_THING' }],
  ['AWS::IoT::PolicyPrincipalAttachment', { PolicyName: { Ref: TARGET_ID }, Principal: ARN('Cert') }],
  ['AWS::IoT::AccountAuditConfiguration', { AccountId: { Ref: 'AWS::AccountId' }, RoleArn: ARN('Role'), AuditCheckConfigurations: { LoggingDisabledCheck: { Enabled: true } } }],
  ['AWS::IoT::Logging', { AccountId: { Ref: 'AWS::AccountId' }, RoleArn: ARN('Role'), DefaultLogLevel: 'WARN' }],
  ['AWS::CloudFormation::Stack', { TemplateURL: 'https://example.com/t.json', Parameters: { P: { Ref: TARGET_ID } } }],
  ['AWS::Serverless::Api', { StageName: 'prod', Auth: { DefaultAuthorizer: 'NONE' }, DefinitionBody: { swagger: '2.0', paths: {} } }],
  ['AWS::Serverless::StateMachine', { Definition: { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }, Policies: [{ Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }] }],
  ['AWS::Serverless::SimpleTable', { PrimaryKey: { Name: 'id', Type: 'String' }, SSESpecification: { SSEEnabled: false } }],
  ['AWS::Serverless::Function', { InlineCode: 'x', Handler: 'i.h', Runtime: 'python3.12', Role: ARN('Role'), AutoPublishAlias: 'live',
    Environment: { Variables: { TOKEN: 'AKIAIOSFODNN7EXAMPLE' } }, Policies: [{ IoTPolicy: 'x' }, { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: ['iot:Publish'], Resource: '*' } }],
    Events: { Rule: { Type: 'IoTRule', Properties: { Sql: "SELECT * FROM '#'", AwsIotSqlVersion: '2016-03-23' } } }, Tags: { owner: 'o' } }],
];

/** SAM's Globals as templates write them: merged into every function, API and table before the rules read them. */
const GLOBALS = {
  Function: { Runtime: 'nodejs22.x', Timeout: 3, Environment: { Variables: { STAGE: 'prod', PASSWORD: 'hunter2hunter2' } }, Tags: { owner: 'o' },
    Layers: [{ Ref: 'Layer' }], VpcConfig: { SecurityGroupIds: ['sg-1'], SubnetIds: ['subnet-1'] } },
  Api: { Auth: { DefaultAuthorizer: 'AWS_IAM' }, TracingEnabled: true },
  SimpleTable: { SSESpecification: { SSEEnabled: true } },
};

/** Every subtree of `doc`, by its place in a walk (0: the whole). */
function subtrees(doc: Doc): number {
  if (doc.k === 'map') return 1 + doc.entries.reduce((n, [, v]) => n + subtrees(v), 0);
  if (doc.k === 'seq') return 1 + doc.items.reduce((n, v) => n + subtrees(v), 0);
  return 1;
}

/** `doc` with its `at`-th subtree replaced by `by` (a value of another JSON type, or any value). */
function replaceAt(doc: Doc, at: number, by: (old: Doc) => Doc): Doc {
  let i = at;
  const walk = (d: Doc): Doc => {
    if (i-- === 0) return by(d);
    if (d.k === 'map') return map(d.entries.map(([k, v]) => [k, walk(v)] as const));
    if (d.k === 'seq') return seq(d.items.map(walk));
    return d;
  };
  return walk(doc);
}

/** What replaces a value read by a rule: its JSON type turned (a string to a mapping, a list to null, ...), or it written as a JSON string. */
const wrongType: fc.Arbitrary<(old: Doc) => Doc> = fc.oneof(
  fc.constantFrom(nul, num(0), num(-1.5), bool(true), str(''), seq([]), map([]), seq([nul]), map([['__proto__', str('x')]])).map((d) => () => d),
  fc.constant((old: Doc) => str(write(old, 'json-compact'))),
  fc.constant((old: Doc) => seq([old])),
  fc.constant((old: Doc) => (old.k === 'seq' && old.items.length > 0 ? old.items[0] : map([['Value', old]]))),
  value.map((v) => () => v),
);

/** SAM's Globals, one value bent. */
const globals: fc.Arbitrary<Doc> = fc.tuple(fc.nat(), fc.array(wrongType, { maxLength: 2 })).map(([at, bends]) => {
  let body = fromJs(GLOBALS);
  for (const bend of bends) body = replaceAt(body, at % subtrees(body), bend);
  return body;
});

/** A resource as its owner writes it, with one value the rules read bent: of another JSON type, or any value. */
const realistic: fc.Arbitrary<Doc> = fc.tuple(fc.constantFrom(...SKELETONS), fc.nat(), fc.array(wrongType, { maxLength: 2 }))
  .map(([[type, props], at, bends]) => {
    let body: Doc = map([['Type', str(type)], ['Properties', fromJs(props)]]);
    for (const bend of bends) body = replaceAt(body, 1 + (at % (subtrees(body) - 1)), bend);
    return body;
  });

/** A neighbour resource: a type the rules read, properties they read, any of them of the wrong JSON type. */
const resource: fc.Arbitrary<Doc> = fc.oneof(
  { weight: 8, arbitrary: realistic },
  { weight: 8, arbitrary: fc.record({
    Type: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...RESOURCE_TYPES).map(str) }, { weight: 1, arbitrary: value }),
    Properties: fc.oneof({ weight: 9, arbitrary: fc.array(fc.tuple(key, value), { maxLength: 5 }).map(map) }, { weight: 1, arbitrary: value }),
    Metadata: value,
    Condition: fc.oneof(fc.constantFrom('Cond1', 'Missing', '__proto__').map(str), value),
    DependsOn: fc.oneof(fc.constant(str(TARGET_ID)), value),
    extra: fc.array(fc.tuple(key, value), { maxLength: 2 }),
  }, { requiredKeys: ['Type', 'extra'] }).map(({ extra, ...r }) => map([...Object.entries(r), ...extra])) },
  { weight: 1, arbitrary: value },
);

/** Resources that point at the target: the cross-resource rules read them with it. */
const referring: fc.Arbitrary<[string, Doc]> = fc.constantFrom<[string, Doc]>(
  ['AttachPolicy', map([['Type', str('AWS::IoT::PolicyPrincipalAttachment')], ['Properties', map([['PolicyName', map([['Ref', str(TARGET_ID)]])], ['Principal', str('arn:aws:iot:us-east-1:1:cert/x')]])]])],
  ['AttachBadly', map([['Type', str('AWS::IoT::PolicyPrincipalAttachment')], ['Properties', map([['PolicyName', map([['Fn::GetAtt', seq([str(TARGET_ID), str('Arn')])]])], ['Principal', nul]])]])],
  ['Provisioning', map([['Type', str('AWS::IoT::ProvisioningTemplate')], ['Properties', map([['TemplateBody', str('{"Resources":{"policy":{"Type":"AWS::IoT::Policy","Properties":{"PolicyName":{"Ref":"x"}}}}}')], ['ProvisioningRoleArn', map([['Fn::GetAtt', seq([str('__proto__'), str('Arn')])]])]])]])],
  ['CustomPolicy', map([['Type', str('Custom::AWS')], ['Properties', map([['ServiceToken', str('x')], ['Create', str('{"service":"Iot","action":"createPolicy","parameters":{"policyName":"p","policyDocument":"{"}}')]])]])],
);

/** Parameters with odd Types, Conditions, Mappings, Outputs, Transform, Globals: sections the rules read around the resources. */
const parameters = fc.array(fc.tuple(logicalId, fc.oneof(
  fc.record({
    Type: fc.oneof(fc.constantFrom('String', 'Number', 'List<Number>', 'CommaDelimitedList', 'AWS::SSM::Parameter::Value<String>', 'AWS::EC2::VPC::Id', '', 'string', '__proto__').map(str), value),
    Default: value, AllowedValues: value, NoEcho: value, MaxLength: value,
  }, { requiredKeys: [] }).map((r) => map(Object.entries(r))),
  value,
)), { maxLength: 3 }).map(map);
const conditions = fc.array(fc.tuple(fc.oneof(fc.constant('Cond1'), logicalId), value), { maxLength: 3 }).map(map);
const mappings = fc.array(fc.tuple(fc.oneof(fc.constant('Map1'), logicalId), fc.oneof(
  fc.array(fc.tuple(key, fc.array(fc.tuple(key, value), { maxLength: 2 }).map(map)), { maxLength: 2 }).map(map), value)), { maxLength: 2 }).map(map);
const outputs = fc.array(fc.tuple(logicalId, fc.oneof(
  fc.record({ Value: value, Description: value, Export: fc.oneof(fc.record({ Name: value }).map((r) => map(Object.entries(r))), value) }, { requiredKeys: [] })
    .map((r) => map(Object.entries(r))),
  value,
)), { maxLength: 2 }).map(map);
const transform = fc.oneof(
  { weight: 3, arbitrary: fc.constant(str('AWS::Serverless-2016-10-31')) },
  fc.constantFrom('AWS::Serverless-2016-10-31', 'AWS::LanguageExtensions', 'AWS::Include', '\u001b[2J', 'x\ny').map(str),
  fc.array(fc.constantFrom('AWS::Serverless-2016-10-31', 'AWS::LanguageExtensions').map(str), { maxLength: 2 }).map(seq),
  value,
);

/** YAML-only features around the resources: anchors and aliases, merge keys, self-references, small alias bombs, unknown tags. */
type YamlFeature =
  | { kind: 'alias'; merge: boolean }
  | { kind: 'self-alias'; merge: boolean }
  | { kind: 'bomb'; levels: number; width: number }
  | { kind: 'unknown-tag'; tag: string }
  | { kind: 'target-anchor' }
  | { kind: 'target-merge' };
const yamlFeature: fc.Arbitrary<YamlFeature> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('alias' as const), merge: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('self-alias' as const), merge: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bomb' as const), levels: fc.integer({ min: 1, max: 9 }), width: fc.integer({ min: 2, max: 9 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknown-tag' as const), tag: fc.constantFrom('!Foo', '!!binary', '!!set', '!Fn::Sub', '!', '!GetAtt2', '!<tag:x>') }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'target-anchor' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'target-merge' as const }) },
);

/** The pieces of a template, assembled once its style is known (YAML features only in YAML). */
export interface TemplateSpec {
  readonly withTarget: boolean;
  readonly target: Doc;
  readonly targetAt: number;
  readonly neighbours: [string, Doc][];
  readonly sections: [string, Doc][];
  readonly hostileTop: [string, Doc][];
  /** A first Resources section written before the one read (duplicate key: the last one wins). */
  readonly shadowResources?: [string, Doc][];
  /** Neighbour logical IDs written twice. */
  readonly duplicateNeighbours: boolean;
  readonly yaml: YamlFeature[];
  /** Nested lists this deep in a neighbour's properties. */
  readonly nesting?: number;
  /** The target's logical ID written once before, for a secure policy: the last one is read. */
  readonly targetShadowed: boolean;
  /** The target's logical ID: TARGET_ID, or a key that means something to JavaScript (CloudFormation refuses it; it is scanned all the same). */
  readonly targetId?: string;
}

export const templateSpec: fc.Arbitrary<TemplateSpec> = fc.record({
  withTarget: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  target,
  targetAt: fc.nat(8),
  neighbours: fc.array(fc.oneof({ weight: 4, arbitrary: fc.tuple(logicalId, resource) }, { weight: 1, arbitrary: referring }), { maxLength: 5 }),
  sections: fc.tuple(
    fc.option(fc.oneof(fc.constant(str('2010-09-09')), value), { nil: undefined }).map((v) => (v ? [['AWSTemplateFormatVersion', v]] : [])),
    fc.option(value, { nil: undefined }).map((v) => (v ? [['Description', v]] : [])),
    fc.option(transform, { nil: undefined }).map((v) => (v ? [['Transform', v]] : [])),
    fc.option(fc.oneof(parameters, value), { nil: undefined }).map((v) => (v ? [['Parameters', v]] : [])),
    fc.option(fc.oneof(conditions, value), { nil: undefined }).map((v) => (v ? [['Conditions', v]] : [])),
    fc.option(fc.oneof(mappings, value), { nil: undefined }).map((v) => (v ? [['Mappings', v]] : [])),
    fc.option(fc.oneof(outputs, value), { nil: undefined }).map((v) => (v ? [['Outputs', v]] : [])),
    fc.option(fc.oneof(value, globals), { nil: undefined }).map((v) => (v ? [['Globals', v]] : [])),
    fc.option(value, { nil: undefined }).map((v) => (v ? [['Metadata', v]] : [])),
  ).map((parts) => parts.flat() as [string, Doc][]),
  hostileTop: fc.array(fc.tuple(fc.constantFrom(...HOSTILE_KEYS), value), { maxLength: 2 }),
  shadowResources: rarely(fc.array(fc.tuple(logicalId, resource), { maxLength: 2 }), 6),
  duplicateNeighbours: fc.boolean(),
  yaml: fc.array(yamlFeature, { maxLength: 2 }),
  nesting: rarely(fc.constantFrom(20, 100, 190, 201, 300, 1500), 8),
  targetShadowed: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  targetId: rarely(fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'length'), 5),
}, { requiredKeys: ['withTarget', 'target', 'targetAt', 'neighbours', 'sections', 'hostileTop', 'duplicateNeighbours', 'yaml', 'targetShadowed'] });

function nested(depth: number): Doc {
  let d: Doc = str('bottom');
  for (let i = 0; i < depth; i++) d = seq([d]);
  return { k: 'flow', value: d };
}

/** The template of `spec` as a document, for a YAML style or not. */
export function buildTemplate(spec: TemplateSpec, yaml: boolean): Doc {
  const targetId = spec.targetId ?? TARGET_ID;
  const neighbours = spec.neighbours.filter(([id]) => id !== targetId);
  if (spec.duplicateNeighbours && neighbours.length > 0) neighbours.push([neighbours[0][0], neighbours[neighbours.length - 1][1]]);
  if (spec.nesting !== undefined) neighbours.push(['Deep', map([['Type', str('AWS::IAM::Role')], ['Properties', map([['Policies', nested(spec.nesting)]])]])]);
  let targetDoc = spec.target;
  const topExtra: [string, Doc][] = [];
  if (yaml) {
    spec.yaml.forEach((f, i) => {
      const name = `a${i}`;
      switch (f.kind) {
        case 'alias': {
          const anchored: Doc = { k: 'anchor', name, value: map([['Type', str('AWS::IAM::Role')], ['Properties', map([['RoleName', str('r')]])]]) };
          neighbours.unshift([`Anchored${i}`, anchored]);
          neighbours.push([`Aliased${i}`, f.merge ? map([['<<', { k: 'alias', name }], ['Type', str('AWS::IAM::Policy')]]) : { k: 'alias', name }]);
          break;
        }
        case 'self-alias':
          neighbours.push([`Self${i}`, { k: 'anchor', name, value: map([['Type', str('AWS::IAM::Role')], f.merge ? ['<<', { k: 'alias', name }] : ['Properties', { k: 'alias', name }]]) }]);
          break;
        case 'bomb': {
          let prev = `${name}l0`;
          const entries: [string, Doc][] = [['l0', { k: 'anchor', name: prev, value: seq(Array(f.width).fill(str('lol'))) }]];
          for (let l = 1; l <= f.levels; l++) {
            const here = `${name}l${l}`;
            entries.push([`l${l}`, { k: 'flow', value: { k: 'anchor', name: here, value: seq(Array(f.width).fill({ k: 'alias', name: prev })) } }]);
            prev = here;
          }
          topExtra.push([`Bomb${i}`, map(entries)]);
          break;
        }
        case 'unknown-tag':
          neighbours.push([`Tagged${i}`, map([['Type', str('AWS::S3::Bucket')], ['Properties', map([['BucketName', { k: 'tag', tag: f.tag, value: str('x') }]])]])]);
          break;
        case 'target-merge':
          // The target's properties merged (<<) from a mapping anchored before the resources: read as the packaging tools expand it.
          topExtra.push([`Shared${i}`, { k: 'anchor', name, value: map([['PolicyDocument', fromJs(WILDCARD_POLICY)], ['PolicyName', str('shared')]]) }]);
          targetDoc = map([['Type', str('AWS::IoT::Policy')], ['Properties', map([['<<', { k: 'alias', name }], ['PolicyName', str('own')]])]]);
          break;
        case 'target-anchor':
          // The target's document anchored, and reused by a later resource.
          targetDoc = { k: 'anchor', name, value: spec.target };
          neighbours.push([`Copy${i}`, { k: 'alias', name }]);
          break;
      }
    });
  }
  const resources: [string, Doc][] = [...neighbours];
  if (spec.withTarget) {
    const at = Math.min(spec.targetAt, resources.length);
    resources.splice(at, 0, [targetId, targetDoc]);
    if (spec.targetShadowed) resources.splice(0, 0, [targetId, map([['Type', str('AWS::IoT::Policy')], ['Properties', map([['PolicyDocument', fromJs(SECURE_POLICY)]])]])]);
  }
  // An alias must follow its anchor: the target's copy goes after the target.
  const copyAt = resources.findIndex(([id]) => id.startsWith('Copy'));
  const targetIndex = resources.map(([id]) => id).lastIndexOf(targetId);
  if (copyAt >= 0 && copyAt < targetIndex) resources.push(...resources.splice(copyAt, 1));
  return map([
    ...spec.sections.slice(0, 2),
    ...spec.hostileTop,
    ...(spec.shadowResources ? [['Resources', map(spec.shadowResources)] as [string, Doc]] : []),
    ...spec.sections.slice(2),
    ...topExtra,
    ['Resources', map(resources)],
  ]);
}

export const style: fc.Arbitrary<Style> = fc.constantFrom('json', 'json-compact', 'yaml-block', 'yaml-block', 'yaml-flow');

/** What a byte mutation does to a file; `intact` when the template read is still the one generated. */
export type ByteMutation =
  | { kind: 'none' } | { kind: 'bom' } | { kind: 'crlf' }
  | { kind: 'truncate'; at: number } | { kind: 'flip'; at: number; bit: number } | { kind: 'invalid-utf8'; at: number; bytes: readonly number[] }
  | { kind: 'nul'; at: number } | { kind: 'utf16le' } | { kind: 'utf16be' } | { kind: 'junk'; bytes: readonly number[] } | { kind: 'replace'; at: number; ch: string };

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'bom' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'crlf' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bit: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalid-utf8' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.constantFrom([0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xe2, 0x82]) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nul' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'utf16le' as const }, { kind: 'utf16be' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('junk' as const), bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), ch: fc.constantFrom('{', '}', '[', ']', ':', '"', "'", '\n', ' ', '\t', '&', '*', '!', '#', '-', '|', '>', '%', '@', '`') }) },
);

/** The bytes of `text` after `m`, and whether the template they hold is still the one generated. */
export function mutateBytes(text: string, m: ByteMutation): { bytes: Buffer; intact: boolean } {
  const b = Buffer.from(text, 'utf8');
  const pos = (at: number) => Math.min(b.length, Math.floor(at * b.length));
  switch (m.kind) {
    case 'none': return { bytes: b, intact: true };
    case 'bom': return { bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]), intact: true };
    case 'crlf': return { bytes: Buffer.from(text.replace(/\n/g, '\r\n'), 'utf8'), intact: true };
    case 'truncate': return { bytes: b.subarray(0, pos(m.at)), intact: false };
    case 'flip': { const c = Buffer.from(b); const i = Math.min(pos(m.at), c.length - 1); if (i >= 0) c[i] ^= 1 << m.bit; return { bytes: c, intact: false }; }
    case 'invalid-utf8': return { bytes: Buffer.concat([b.subarray(0, pos(m.at)), Buffer.from(m.bytes), b.subarray(pos(m.at))]), intact: false };
    case 'nul': return { bytes: Buffer.concat([b.subarray(0, pos(m.at)), Buffer.from([0]), b.subarray(pos(m.at))]), intact: false };
    case 'utf16le': return { bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), intact: false };
    case 'utf16be': return { bytes: Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]), intact: false };
    case 'junk': return { bytes: Buffer.concat([b, Buffer.from(m.bytes)]), intact: false };
    case 'replace': { const s = [...text]; const i = Math.min(Math.floor(m.at * s.length), s.length - 1); if (i >= 0) s[i] = m.ch; return { bytes: Buffer.from(s.join(''), 'utf8'), intact: false }; }
  }
}

/** A file's bytes as stored in a case: text where they are UTF-8 (readable in a regression file), else base64. */
export function fileOf(p: string, bytes: Buffer): FuzzFile {
  const asText = bytes.toString('utf8');
  return Buffer.from(asText, 'utf8').equals(bytes) ? { path: p, text: asText } : { path: p, base64: bytes.toString('base64') };
}

/** A template file: spec, style and byte mutation, with the target it holds. */
const templateFile = fc.record({ spec: templateSpec, style, mutation: byteMutation });

function renderTemplate(p: string, t: { spec: TemplateSpec; style: Style; mutation: ByteMutation }, accounted: boolean): { file: FuzzFile; targets: FuzzTarget[] } {
  const doc = buildTemplate(t.spec, t.style.startsWith('yaml'));
  const { bytes, intact } = mutateBytes(write(doc, t.style), t.mutation);
  return {
    file: fileOf(p, bytes),
    targets: t.spec.withTarget ? [{ file: p, logicalId: t.spec.targetId ?? TARGET_ID, intact, accounted }] : [],
  };
}

/** An acknowledgements file: a list of entries, some of them bent, in any style, maybe byte-mutated. */
const acknowledgments = fc.record({
  entries: fc.array(fc.oneof(
    { weight: 4, arbitrary: fc.record({
      id: fc.oneof(fc.constantFrom('IoTSecurity-ID1', 'ID1', 'IoTSecurity-ID1[Action::iot:*]', 'ID99', '').map(str), value),
      resource: fc.oneof(fc.constantFrom(TARGET_ID, '__proto__', 'Res1').map(str), value),
      reason: fc.oneof(fc.constant(str('lab')), value),
      template: value,
      extra: fc.array(fc.tuple(fc.constantFrom(...HOSTILE_KEYS), value), { maxLength: 2 }),
    }, { requiredKeys: ['id', 'resource', 'reason', 'extra'] }).map(({ extra, ...r }) => map([...Object.entries(r), ...extra])) },
    { weight: 1, arbitrary: value },
  ), { maxLength: 4 }),
  style,
  mutation: byteMutation,
  name: fc.constantFrom('acks.json', 'acks.yaml', 'acks.txt'),
}).map(({ entries, style: s, mutation, name }) => fileOf(name, mutateBytes(write(seq(entries), s), mutation).bytes));

/** The options of a run besides its inputs. */
const options = fc.record({
  format: fc.constantFrom('text', 'json', 'sarif'),
  failOn: fc.option(fc.constantFrom('error', 'warning', 'none'), { nil: undefined }),
  output: rarely(fc.constantFrom('./report.out', './missing-folder/report.out'), 6),
  tagKeys: rarely(fc.constantFrom('Owner', 'a,b', '__proto__,constructor'), 6),
  report: rarely(fc.constant('./posture'), 12),
  acks: rarely(acknowledgments, 5),
}).map(({ format, failOn, output, tagKeys, report, acks }) => ({
  args: [
    '--format', format,
    ...(failOn ? ['--fail-on', failOn] : []),
    ...(output ? ['--output', output] : []),
    ...(tagKeys ? ['--tag-keys', tagKeys] : []),
    ...(report ? ['--report', report] : []),
    ...(acks ? ['--acknowledgments', `./${acks.path}`] : []),
  ],
  files: acks ? [acks] : [],
}));

/** One template file named as the input. */
export const singleTemplateCase: fc.Arbitrary<FuzzCase> = fc.record({
  t: templateFile,
  name: fc.constantFrom('template.json', 'template.yaml', 't.yml', 't.template', 'template.txt', 'manifest.json', 'x.metadata.json'),
  options,
}).map(({ t, name, options: opts }) => {
  const { file, targets } = renderTemplate(name, t, true);
  return { kind: 'template', files: [file, ...opts.files], inputs: [`./${name}`], options: opts.args, targets };
});

/** A plain folder of several files (templates, other files, a subfolder), scanned as a folder. */
export const folderCase: fc.Arbitrary<FuzzCase> = fc.record({
  templates: fc.array(fc.tuple(fc.constantFrom('a.json', 'b.yaml', 'c.yml', 'd.template', 'sub/e.json', 'sub/deeper/f.yaml', 'package.json', 'cdk.json',
    'tree.json', 'g.metadata.json', 'samconfig.yaml', 'h.assets.json', 'tsconfig.json', 'sp ace.json', 'ü.yaml', 'new\nline.json', 'esc\u001b[31m.yaml',
    '--format.json', 'sub/-.yml', 'x.JSON', 'y.YAML', '\u202egnp.json'), templateFile), { minLength: 1, maxLength: 4 }),
  others: fc.array(fc.tuple(fc.constantFrom('README.md', 'notes.txt', 'x.json', 'y.yaml', 'sub/z.json'), fc.oneof(
    value.map((v) => write(v, 'json')), value.map((v) => write(v, 'yaml-block')), fc.string({ maxLength: 20 }))), { maxLength: 3 }),
  specials: rarely(fc.uniqueArray(fc.constantFrom<FuzzFile>(
    { path: 'link-a.json', link: 'a.json' }, { path: 'self.json', link: 'self.json' }, { path: 'loop', link: '.' },
    { path: 'sub/back', link: '..' }, { path: 'linked-sub', link: 'sub' }, { path: 'pipe.json', fifo: true }, { path: 'sub/pipe.yaml', fifo: true },
    { path: 'null.json', link: '/dev/null' }, { path: 'zero.yaml', link: '/dev/zero' }, { path: 'outside.json', link: '/etc/hostname' },
    { path: 'broken.yaml', link: 'missing.yaml' },
  ), { minLength: 1, maxLength: 3, selector: (f) => f.path }), 6),
  options,
}).map(({ templates, others, specials, options: opts }) => {
  const files = new Map<string, FuzzFile>();
  for (const f of specials ?? []) files.set(f.path, f);
  const targets = new Map<string, FuzzTarget[]>();
  for (const [name, text] of others) files.set(name, { path: name, text });
  for (const [name, t] of templates) {
    const r = renderTemplate(name, t, true);
    files.set(name, r.file);
    targets.set(name, r.targets);
  }
  return { kind: 'folder', files: [...files.values(), ...opts.files], inputs: ['./'], options: opts.args, targets: [...targets.values()].flat() };
});

/** Manifest mutations: each makes one artifact (or the whole list) wrong the way a broken or hostile manifest can be. */
const manifestMutation = fc.constantFrom(
  'none', 'none', 'none', 'artifacts-null', 'artifacts-list', 'artifacts-number', 'artifact-null', 'type-number', 'type-unknown', 'properties-null',
  'templateFile-number', 'templateFile-empty', 'templateFile-missing', 'templateFile-escape', 'templateFile-folder', 'directoryName-self',
  'directoryName-parent', 'directoryName-missing', 'directoryName-file', 'metadata-garbage', 'metadata-hostile', 'additionalMetadataFile-garbage',
  'additionalMetadataFile-self', 'hostile-artifact-id', 'duplicate-artifact', 'not-json', 'manifest-list',
);

/** A cloud assembly (manifest.json, templates, metadata, a nested stack and a nested assembly), its manifest maybe mutated. */
export const assemblyCase: fc.Arbitrary<FuzzCase> = fc.record({
  stack: templateFile,
  nestedAssembly: fc.option(templateFile, { nil: undefined }),
  nestedStack: fc.boolean(),
  marker: fc.boolean(),
  mutation: manifestMutation,
  nestedMutation: manifestMutation,
  manifestStyle: fc.constantFrom<Style>('json', 'json', 'json-compact', 'yaml-flow'),
  manifestBytes: byteMutation,
  inFolder: fc.boolean(),
  options,
}).map((c) => {
  const root = c.inFolder ? 'cdk.out/' : '';
  const files: FuzzFile[] = [];
  const targets: FuzzTarget[] = [];
  const stack = renderTemplate(`${root}Stack.template.json`, c.stack, true);
  files.push(stack.file);
  targets.push(...stack.targets);
  if (c.marker) files.push({ path: `${root}cdk.out`, text: '{"version":"36.0.0"}' });
  const artifacts: [string, Doc][] = [
    ['Stack', map([
      ['type', str('aws:cloudformation:stack')],
      ['environment', str('aws://unknown-account/unknown-region')],
      ['properties', map([['templateFile', str('Stack.template.json')]])],
      ['metadata', map([
        ['/Stack/TargetOpenPolicy', seq([map([['type', str('aws:cdk:logicalId')], ['data', str(TARGET_ID)]])])],
        ...(c.nestedStack ? [['/Stack/Nested', seq([map([['type', str('aws:cdk:templateFile')], ['data', str('Nested.nested.template.json')]])])]] as [string, Doc][] : []),
      ])],
    ])],
    ['Tree', map([['type', str('cdk:tree')], ['properties', map([['file', str('tree.json')]])]])],
  ];
  if (c.nestedStack) {
    files.push({ path: `${root}Nested.nested.template.json`, text: write(buildTemplate({ ...c.stack.spec, yaml: [] }, false), 'json') });
    targets.push({ file: `${root}Nested.nested.template.json`, logicalId: c.stack.spec.targetId ?? TARGET_ID, intact: c.stack.spec.withTarget, accounted: false });
  }
  if (c.nestedAssembly) {
    artifacts.push(['Stage', map([['type', str('cdk:cloud-assembly')], ['properties', map([['directoryName', str('assembly-Stage')]])]])]);
    const nested = renderTemplate(`${root}assembly-Stage/Inner.template.json`, c.nestedAssembly, false);
    files.push(nested.file);
    targets.push(...nested.targets);
    const inner = mutateManifest(map([['version', str('36.0.0')], ['artifacts', map([['Inner', map([
      ['type', str('aws:cloudformation:stack')], ['properties', map([['templateFile', str('Inner.template.json')]])]])]])]]), c.nestedMutation, 'Inner');
    files.push({ path: `${root}assembly-Stage/manifest.json`, text: write(inner, 'json') });
  }
  files.push({ path: `${root}metadata.json`, text: '{"/Stack": [{"type": "aws:cdk:logicalId", "data": "__proto__"}], "__proto__": []}' });
  files.push({ path: `${root}garbage.json`, text: '[1, 2' });
  const manifest = mutateManifest(map([['version', str('36.0.0')], ['artifacts', map(artifacts)]]), c.mutation, 'Stack');
  files.push(fileOf(`${root}manifest.json`, mutateBytes(write(manifest, c.manifestStyle), c.manifestBytes).bytes));
  files.push(...c.options.files);
  return { kind: 'assembly', files, inputs: ['./'], options: c.options.args, targets };
});

function setIn(doc: Doc, path: string[], value: Doc | undefined): Doc {
  if (path.length === 0) return value ?? nul;
  if (doc.k !== 'map') return doc;
  const [head, ...rest] = path;
  const entries = doc.entries.map(([k, v]) => [k, k === head ? setIn(v, rest, value) : v] as [string, Doc]);
  if (!doc.entries.some(([k]) => k === head) && value !== undefined && rest.length === 0) entries.push([head, value]);
  return map(entries);
}

function mutateManifest(manifest: Doc, mutation: string, stack: string): Doc {
  const props = ['artifacts', stack, 'properties'];
  switch (mutation) {
    case 'artifacts-null': return setIn(manifest, ['artifacts'], nul);
    case 'artifacts-list': return setIn(manifest, ['artifacts'], seq([str('x'), nul]));
    case 'artifacts-number': return setIn(manifest, ['artifacts'], num(42));
    case 'artifact-null': return setIn(manifest, ['artifacts', stack], nul);
    case 'type-number': return setIn(manifest, ['artifacts', stack, 'type'], num(1));
    case 'type-unknown': return setIn(manifest, ['artifacts', stack, 'type'], str('aws:cloudformation:stack2'));
    case 'properties-null': return setIn(manifest, props, nul);
    case 'templateFile-number': return setIn(manifest, [...props, 'templateFile'], num(7));
    case 'templateFile-empty': return setIn(manifest, [...props, 'templateFile'], str(''));
    case 'templateFile-missing': return setIn(manifest, [...props, 'templateFile'], str('Missing.template.json'));
    case 'templateFile-escape': return setIn(manifest, [...props, 'templateFile'], str('../../../../../../../../etc/hostname'));
    case 'templateFile-folder': return setIn(manifest, [...props, 'templateFile'], str('.'));
    case 'directoryName-self': return setIn(manifest, ['artifacts', 'Loop'], map([['type', str('cdk:cloud-assembly')], ['properties', map([['directoryName', str('.')]])]]));
    case 'directoryName-parent': return setIn(manifest, ['artifacts', 'Loop'], map([['type', str('cdk:cloud-assembly')], ['properties', map([['directoryName', str('..')]])]]));
    case 'directoryName-missing': return setIn(manifest, ['artifacts', 'Loop'], map([['type', str('cdk:cloud-assembly')], ['properties', map([['directoryName', str('assembly-Missing')]])]]));
    case 'directoryName-file': return setIn(manifest, ['artifacts', 'Loop'], map([['type', str('cdk:cloud-assembly')], ['properties', map([['directoryName', str('manifest.json')]])]]));
    case 'metadata-garbage': return setIn(manifest, ['artifacts', stack, 'metadata'], seq([num(1), nul]));
    case 'metadata-hostile': return setIn(manifest, ['artifacts', stack, 'metadata'], map([['__proto__', seq([map([['type', str('aws:cdk:acknowledged-rules')], ['data', map([['__proto__', str('x')], ['IoTSecurity::IoTSecurity-ID1', nul]])]])])], ['constructor', nul], ['/Stack', map([['type', num(1)]])]]));
    case 'additionalMetadataFile-garbage': return setIn(manifest, ['artifacts', stack, 'additionalMetadataFile'], str('garbage.json'));
    case 'additionalMetadataFile-self': return setIn(manifest, ['artifacts', stack, 'additionalMetadataFile'], str('manifest.json'));
    case 'hostile-artifact-id': return setIn(manifest, ['artifacts', '__proto__'], map([['type', str('aws:cloudformation:stack')], ['properties', map([['templateFile', str('metadata.json')]])]]));
    case 'duplicate-artifact': {
      if (manifest.k !== 'map') return manifest;
      const artifacts = manifest.entries.find(([k]) => k === 'artifacts')?.[1];
      if (artifacts?.k !== 'map') return manifest;
      return setIn(manifest, ['artifacts'], map([[stack, nul], ...artifacts.entries]));
    }
    case 'not-json': return str('not a manifest');
    case 'manifest-list': return seq([manifest]);
    default: return manifest;
  }
}

/** The default limits a case can go past. */
export const LIMITS = ['nesting', 'alias-expansion', 'scalar', 'file-size'] as const;

/**
 * A template just past a default limit (deep nesting, an alias bomb, a long scalar, a large file):
 * exit 2 with a message naming the file is the outcome. Built here, never committed.
 */
export function limitCase(limit: typeof LIMITS[number], s: Style): FuzzCase {
  const name = s.startsWith('json') ? 'limit.json' : s === 'yaml-flow' ? 'limit-flow.yaml' : 'limit.yaml';
  const base = (extra: Doc): Doc => map([['Resources', map([[TARGET_ID, map([['Type', str('AWS::IAM::Role')], ['Properties', map([['Description', extra]])]])]])]]);
  let text: string;
  switch (limit) {
    case 'nesting': text = write(base(nested(250)), s); break;
    case 'alias-expansion': {
      const entries: [string, Doc][] = [['l0', { k: 'anchor', name: 'l0', value: seq(Array(9).fill(str('lol'))) }]];
      for (let l = 1; l <= 9; l++) entries.push([`l${l}`, { k: 'flow', value: { k: 'anchor', name: `l${l}`, value: seq(Array(9).fill({ k: 'alias', name: `l${l - 1}` })) } }]);
      text = write(map([['Metadata', map(entries)], ['Resources', map([['R', map([['Type', str('AWS::S3::Bucket')]])]])]]), s);
      break;
    }
    case 'scalar': text = write(base(str('x'.repeat(1024 * 1024 + 1))), s); break;
    case 'file-size': text = write(base(str('y'.repeat(1024))), s) + ' '.repeat(DEFAULT_SCAN_LIMITS.maxFileBytes + 1); break;
  }
  return { kind: 'limit', files: [{ path: name, text }], inputs: [`./${name}`], options: ['--format', 'json'], targets: [], limit };
}

/** Every limit in the styles it can be written in (an alias bomb only in YAML; one large file, as it takes the longest). */
export function limitCases(): FuzzCase[] {
  return [
    ...(['json', 'yaml-block', 'yaml-flow'] as Style[]).flatMap((s) => [limitCase('nesting', s), limitCase('scalar', s)]),
    limitCase('alias-expansion', 'yaml-block'), limitCase('alias-expansion', 'yaml-flow'),
    limitCase('file-size', 'json'),
  ];
}

/** Every kind of case. */
export const anyCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 5, arbitrary: singleTemplateCase },
  { weight: 2, arbitrary: folderCase },
  { weight: 2, arbitrary: assemblyCase },
);
