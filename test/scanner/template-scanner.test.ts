import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnElement, NestedStack, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { FindingSeverity, ScanFinding, scanFails, scanTemplates, TemplateScanner } from '../../lib';
import { parseTemplateText } from '../../lib/scanner/private/template-loader';
import { templateStack } from '../../lib/scanner/private/template-stack';

const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (name: string) => path.join(FIXTURES, name);

const OPEN_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };
/** An open policy that also names a control-plane action, so each of ID1, ID2 and ID3 has a finding to acknowledge. */
const CONTROL_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iot:*', 'iot:CreateThing'], Resource: '*' }] };
const TAGS = [{ Key: 'criticality', Value: 'high' }, { Key: 'owner', Value: 'plant-ops' }];

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | object): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** The stack's template, element by element as CDK renders it (no synth, so no template validator run). */
function render(stack: Stack): { [section: string]: any } {
  const out: { [section: string]: any } = {};
  for (const element of stack.node.findAll().filter((c): c is CfnElement => CfnElement.isCfnElement(c))) {
    const fragment = stack.resolve((element as unknown as { _toCloudFormation(): object })._toCloudFormation());
    for (const [section, entries] of Object.entries<any>(fragment)) out[section] = { ...out[section], ...entries };
  }
  return out;
}

const ids = (findings: ScanFinding[]) => findings.map((f) => `${f.resource} ${f.findingId}`);

describe('plain templates', () => {
  test('an insecure YAML template: every finding with its rule, severity, line and fix', () => {
    const result = scanTemplates([fixture('insecure.yaml')]);
    expect(result.templates).toEqual([{ file: fixture('insecure.yaml'), resources: 4, sam: false }]);
    expect(ids(result.findings)).toEqual([
      'OpenPolicy IoTSecurity-ID1[Action::iot:*]',
      'OpenPolicy IoTSecurity-ID2[Resource::*]',
      // The parameter's AllowedValues include '*': the pack read them through the rebuilt stack.
      'ParameterPolicy IoTSecurity-ID2[Resource::arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topic/*]',
      'TelemetryRule IoTSecurity-DAT1',
    ]);
    const [id1] = result.findings;
    expect(id1).toEqual({
      ruleId: 'IoTSecurity-ID1',
      findingId: 'IoTSecurity-ID1[Action::iot:*]',
      severity: FindingSeverity.ERROR,
      file: fixture('insecure.yaml'),
      resource: 'OpenPolicy',
      resourceType: 'AWS::IoT::Policy',
      line: 22,
      message: 'The IoT policy allows a wildcard action or uses NotAction.',
      explanation: expect.stringContaining('stolen device credential'),
      fix: expect.stringContaining('List the exact actions'),
      acknowledged: false,
    });
    expect(result.findings.find((f) => f.findingId === 'IoTSecurity-DAT1')).toMatchObject({ severity: FindingSeverity.WARNING, line: 48 });
    expect(scanFails(result, FindingSeverity.ERROR)).toBe(true);
    expect(result.notices).toEqual([]);
  });

  test('a secure JSON template: no finding', () => {
    const result = scanTemplates([fixture('secure.json')]);
    expect(result.findings).toEqual([]);
    expect(scanFails(result, FindingSeverity.WARNING)).toBe(false);
  });

  test('a parameter whose AllowedValues stay scoped: no finding', () => {
    const text = fs.readFileSync(fixture('insecure.yaml'), 'utf8').replace("AllowedValues: ['*', 'dt/site-1']", "AllowedValues: ['dt/${!iot:Connection.Thing.ThingName}']");
    const result = scanTemplates([write('scoped.yaml', text)]);
    expect(result.findings.filter((f) => f.resource === 'ParameterPolicy')).toEqual([]);
  });

  test('the rebuilt stack renders the template as written: properties, metadata, conditions, attributes, parameters, mappings, outputs', () => {
    const { template } = parseTemplateText('insecure.yaml', fs.readFileSync(fixture('insecure.yaml'), 'utf8'));
    template.Resources.RuleRole.DeletionPolicy = 'Retain';
    template.Resources.RuleRole.UpdateReplacePolicy = 'Retain';
    template.Resources.RuleRole.DependsOn = ['OpenPolicy'];
    const rendered = render(templateStack(template, 'Roundtrip').stack);
    expect(rendered.Resources).toEqual(template.Resources);
    expect(rendered.Conditions).toEqual(template.Conditions);
    expect(rendered.Mappings).toEqual(template.Mappings);
    expect(rendered.Outputs).toEqual(template.Outputs);
    expect(rendered.Parameters).toMatchObject(template.Parameters);
  });

  test('JSON-string policy documents, which CDK\'s typed L1s reject, are read like any other', () => {
    const file = write('t.json', {
      Resources: {
        P: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: JSON.stringify(OPEN_POLICY), Tags: TAGS } },
        R: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
            Policies: [{ PolicyName: 'p', PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) }],
          },
        },
        A: { Type: 'AWS::IoT::RoleAlias', Properties: { RoleArn: { 'Fn::GetAtt': ['R', 'Arn'] }, Tags: TAGS } },
      },
    });
    expect(ids(scanTemplates([file]).findings)).toEqual([
      'P IoTSecurity-ID1[Action::iot:*]',
      'P IoTSecurity-ID2[Resource::*]',
      'A IoTSecurity-GW1[Action::s3:*]',
      'A IoTSecurity-GW1[AdminAction::s3:*]',
      'A IoTSecurity-GW1[Resource::*]',
    ]);
  });

  test('a resource without Type is bad input, naming the line; the rest of that template and the other inputs are scanned', () => {
    const file = write('t.yaml', 'Resources:\n  Good:\n    Type: AWS::SNS::Topic\n  Bad:\n    Properties: {}\n');
    const result = scanTemplates([file, fixture('secure.json')]);
    expect(result.unreadable).toEqual([{ file, line: 4, reason: "the resource 'Bad' has no Type: CloudFormation refuses it (left out of the scan; the rest of the template was scanned)" }]);
    expect(result.templates).toEqual([{ file, resources: 1, sam: false }, { file: fixture('secure.json'), resources: expect.any(Number), sam: false }]);
    expect(scanFails(result, FindingSeverity.ERROR)).toBe(true);
  });

  test('no input is bad input', () => {
    expect(() => scanTemplates([])).toThrow('name at least one template file or folder to scan');
  });

  test('a transform other than SAM is reported, the template scanned as written', () => {
    const file = write('t.json', { Transform: ['AWS::LanguageExtensions'], Resources: { P: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: OPEN_POLICY, Tags: TAGS } } } });
    const result = scanTemplates([file]);
    expect(result.notices).toEqual([{ severity: FindingSeverity.WARNING, file, message: 'the transform AWS::LanguageExtensions was not applied: the template was scanned as written' }]);
    expect(ids(result.findings)).toContain('P IoTSecurity-ID1[Action::iot:*]');
    expect(scanFails({ ...result, findings: [] }, FindingSeverity.WARNING)).toBe(true);
    expect(scanFails({ ...result, findings: [] }, FindingSeverity.ERROR)).toBe(false);
  });
});

describe('SAM', () => {
  test('an IoTRule event becomes the topic rule SAM generates, judged by the pack', () => {
    const result = scanTemplates([fixture('sam.yaml')]);
    expect(result.templates).toEqual([{ file: fixture('sam.yaml'), resources: 4, sam: true }]);
    // SAM writes no error action: DAT1. Tags propagate (PropagateTags), so INV1/INV2 stay quiet.
    expect(ids(result.findings)).toEqual(['IngestFunctionTelemetry IoTSecurity-DAT1']);
    expect(result.findings[0]).toMatchObject({ resourceType: 'AWS::IoT::TopicRule', line: 11 });
    expect(result.notices).toEqual([{
      severity: FindingSeverity.WARNING,
      file: fixture('sam.yaml'),
      resource: 'DeviceApi',
      message: 'DeviceApi (AWS::Serverless::Api) was not analyzed: the scanner does not expand this SAM resource type',
    }]);
  });

  test('the expansion as SAM documents it: function, topic rule, permission, table, globals', () => {
    const { expandSam } = jest.requireActual('../../lib/scanner/private/sam');
    const { template } = parseTemplateText('sam.yaml', fs.readFileSync(fixture('sam.yaml'), 'utf8'));
    const out = expandSam(template).template;
    expect(out.Globals).toBeUndefined();
    expect(out.Resources.IngestFunction).toEqual({
      Type: 'AWS::Lambda::Function',
      Properties: {
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Code: { ZipFile: 'exports.handler = async () => {};' },
        Tags: [{ Key: 'owner', Value: 'plant-ops' }, { Key: 'criticality', Value: 'high' }, { Key: 'lambda:createdBy', Value: 'SAM' }],
      },
    });
    expect(out.Resources.IngestFunctionTelemetry).toEqual({
      Type: 'AWS::IoT::TopicRule',
      Properties: {
        TopicRulePayload: {
          Sql: "SELECT * FROM 'dt/+/telemetry'",
          AwsIotSqlVersion: '2016-03-23',
          RuleDisabled: false,
          Actions: [{ Lambda: { FunctionArn: { 'Fn::GetAtt': ['IngestFunction', 'Arn'] } } }],
        },
        Tags: [{ Key: 'owner', Value: 'plant-ops' }, { Key: 'criticality', Value: 'high' }],
      },
    });
    expect(out.Resources.IngestFunctionTelemetryPermission).toMatchObject({
      Type: 'AWS::Lambda::Permission',
      Properties: { Action: 'lambda:InvokeFunction', FunctionName: { Ref: 'IngestFunction' }, Principal: 'iot.amazonaws.com' },
    });
    expect(out.Resources.Readings).toEqual({
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        AttributeDefinitions: [{ AttributeName: 'deviceId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'deviceId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
    });
    expect(out.Resources.DeviceApi).toBeUndefined();
  });

  test('Globals merge into each function: a secret in the global environment is found on the function', () => {
    const file = write('t.yaml', [
      'Transform: AWS::Serverless-2016-10-31',
      'Globals:',
      '  Function:',
      '    Environment: { Variables: { MQTT_PASSWORD: "hunter2-Secr3t!" } }',
      'Resources:',
      '  Fn:',
      '    Type: AWS::Serverless::Function',
      '    Properties: { Handler: i.h, Runtime: nodejs22.x, InlineCode: x, Environment: { Variables: { STAGE: prod } } }',
    ].join('\n'));
    expect(ids(scanTemplates([file]).findings)).toEqual(['Fn IoTSecurity-ID10[LiteralSecret::Environment.Variables.MQTT_PASSWORD]']);
  });

  test('Globals merge as SAM documents: maps by key, lists add up, other values the function sets win', () => {
    const { expandSam } = jest.requireActual('../../lib/scanner/private/sam');
    const out = expandSam({
      Globals: { Function: { Runtime: 'nodejs20.x', Layers: ['arn:global'], Environment: { Variables: { A: 'g', B: 'g' } }, VpcConfig: { Ref: 'Vpc' } } },
      Resources: {
        Fn: {
          Type: 'AWS::Serverless::Function',
          Properties: { Runtime: 'nodejs22.x', Layers: ['arn:own'], Environment: { Variables: { B: 'own' } }, VpcConfig: { SubnetIds: ['s'] } },
        },
      },
    }).template;
    expect(out.Resources.Fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Layers: ['arn:global', 'arn:own'],
      Environment: { Variables: { A: 'g', B: 'own' } },
      VpcConfig: { SubnetIds: ['s'] },
    });
  });

  test('a function whose execution role SAM generates from Policies says so', () => {
    const file = write('t.yaml', [
      'Transform: [AWS::Serverless-2016-10-31]',
      'Resources:',
      '  Fn:',
      '    Type: AWS::Serverless::Function',
      '    Properties: { Handler: i.h, Runtime: nodejs22.x, InlineCode: x, Policies: [AWSIoTDataAccess] }',
    ].join('\n'));
    expect(scanTemplates([file]).notices).toEqual([{ severity: FindingSeverity.WARNING, file, resource: 'Fn', message: 'the execution role SAM generates for Fn from its Policies was not analyzed' }]);
  });
});

describe('acknowledgments', () => {
  const policyTemplate = (metadata?: object) => ({
    Resources: { P: { Type: 'AWS::IoT::Policy', ...(metadata ? { Metadata: metadata } : {}), Properties: { PolicyDocument: CONTROL_POLICY, Tags: TAGS } } },
  });
  const acknowledged = (findings: ScanFinding[]) => findings.filter((f) => f.acknowledged).map((f) => `${f.findingId} (${f.acknowledgmentSource}): ${f.acknowledgmentReason}`);

  test('from a file: an exact finding ID, a whole rule by full or short ID, limited to a template', () => {
    const file = write('stack/t.json', policyTemplate());
    const result = new TemplateScanner({
      acknowledgments: [
        { id: 'IoTSecurity-ID1[Action::iot:*]', resource: 'P', reason: 'lab only' },
        { id: 'ID3', resource: 'P', reason: 'provisioning device' },
        { id: 'IoTSecurity-ID2', resource: 'P', reason: 'elsewhere', template: 'other/t.json' },
        { id: 'IoTSecurity-ID2', resource: 'Q', reason: 'another resource' },
      ],
    }).scan([file]);
    expect(acknowledged(result.findings)).toEqual([
      'IoTSecurity-ID1[Action::iot:*] (acknowledgments file): lab only',
      'IoTSecurity-ID3[Action::iot:CreateThing] (acknowledgments file): provisioning device',
    ]);
    expect(result.findings.filter((f) => f.ruleId === 'IoTSecurity-ID2').every((f) => !f.acknowledged)).toBe(true);
    // The two that matched nothing are noted: a stale acknowledgment would hide a future finding.
    expect(result.notices).toEqual([
      { severity: FindingSeverity.NOTE, file: '(acknowledgments)', resource: 'P', message: 'the acknowledgment of IoTSecurity-ID2 on P in other/t.json matched no finding' },
      { severity: FindingSeverity.NOTE, file: '(acknowledgments)', resource: 'Q', message: 'the acknowledgment of IoTSecurity-ID2 on Q matched no finding' },
    ]);
    const withTemplate = new TemplateScanner({ acknowledgments: [{ id: 'IoTSecurity-ID2', resource: 'P', reason: 'r', template: 'stack/t.json' }] }).scan([file]);
    expect(withTemplate.findings.filter((f) => f.ruleId === 'IoTSecurity-ID2').every((f) => f.acknowledged)).toBe(true);
    // A template path matches whole path segments only.
    // Of two entries covering a finding, the exact one gives the reason, and neither is stale.
    const both = new TemplateScanner({
      acknowledgments: [
        { id: 'ID1', resource: 'P', reason: 'whole rule' },
        { id: 'IoTSecurity-ID1[Action::iot:*]', resource: 'P', reason: 'exact' },
      ],
    }).scan([file]);
    expect(both.findings.find((f) => f.ruleId === 'IoTSecurity-ID1')?.acknowledgmentReason).toBe('exact');
    expect(both.notices).toEqual([]);
    const partial = new TemplateScanner({ acknowledgments: [{ id: 'IoTSecurity-ID2', resource: 'P', reason: 'r', template: 'ck/t.json' }] }).scan([file]);
    expect(partial.findings.filter((f) => f.ruleId === 'IoTSecurity-ID2').every((f) => !f.acknowledged)).toBe(true);
  });

  test('from a file on disk, JSON or YAML; every acknowledged finding clears the gate', () => {
    const file = write('t.json', policyTemplate());
    const acks = write('acks.yaml', [
      '- { id: IoTSecurity-ID1, resource: P, reason: r1 }',
      '- { id: IoTSecurity-ID2, resource: P, reason: r2 }',
      '- { id: IoTSecurity-ID3, resource: P, reason: r3 }',
    ].join('\n'));
    const result = new TemplateScanner({ acknowledgmentsFile: acks }).scan([file]);
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.findings.every((f) => f.acknowledged)).toBe(true);
    expect(scanFails(result, FindingSeverity.WARNING)).toBe(false);
  });

  test.each([
    ['not a list', '{ "id": "x" }', 'an acknowledgments file is a list of { id, resource, reason }'],
    ['a missing reason', '[{ "id": "ID1", "resource": "P" }]', 'acknowledgment 1: \'reason\' must be a non-empty string (got {"id":"ID1","resource":"P"})'],
    ['a YAML error', '- [a\n- b: c\n', 'YAML syntax error'],
  ])('a bad acknowledgments file is bad input: %s', (_name, text, message) => {
    const acks = write('acks.json', text);
    expect(() => new TemplateScanner({ acknowledgmentsFile: acks }).scan([write('t.json', policyTemplate())])).toThrow(message);
  });

  test('a missing acknowledgments file is bad input', () => {
    const acks = path.join(dir, 'absent.json');
    expect(() => new TemplateScanner({ acknowledgmentsFile: acks }).scan([fixture('secure.json')])).toThrow(`${acks}: no such acknowledgments file`);
  });

  test('cdk-nag metadata: a rule ID, applies_to by string and by regex; other packs\' IDs ignored', () => {
    const file = write('t.json', policyTemplate({
      cdk_nag: {
        rules_to_suppress: [
          { id: 'AwsSolutions-IAM5', reason: 'not ours' },
          { id: 'IoTSecurity-ID1', reason: 'whole rule' },
          { id: 'IoTSecurity-ID2', reason: 'only the resource wildcard', applies_to: ['Resource::*'] },
          { id: 'IoTSecurity-ID3', reason: 'by regex', applies_to: [{ regex: '/^Action::iot:Create.*$/g' }] },
        ],
      },
    }));
    expect(acknowledged(scanTemplates([file]).findings)).toEqual([
      'IoTSecurity-ID1[Action::iot:*] (cdk_nag metadata): whole rule',
      'IoTSecurity-ID2[Resource::*] (cdk_nag metadata): only the resource wildcard',
      'IoTSecurity-ID3[Action::iot:CreateThing] (cdk_nag metadata): by regex',
    ]);
  });

  test('cfn_nag and guard metadata, where they name this pack\'s rules', () => {
    const file = write('t.json', policyTemplate({
      cfn_nag: { rules_to_suppress: [{ id: 'W11', reason: 'not ours' }, { id: 'IoTSecurity-ID1', reason: 'cfn_nag style' }] },
      guard: { SuppressedRules: ['IOT_POLICY_RULE', 'IoTSecurity-ID3'] },
    }));
    expect(acknowledged(scanTemplates([file]).findings)).toEqual([
      'IoTSecurity-ID1[Action::iot:*] (cfn_nag metadata): cfn_nag style',
      "IoTSecurity-ID3[Action::iot:CreateThing] (guard metadata): suppressed in the resource's guard metadata (no reason given)",
    ]);
  });
});

describe('folders and cloud assemblies', () => {
  test('a folder: every template in it and below, other files noted, node_modules skipped', () => {
    write('a/insecure.yaml', fs.readFileSync(fixture('insecure.yaml'), 'utf8'));
    write('b/secure.template', fs.readFileSync(fixture('secure.json'), 'utf8'));
    write('package.json', { name: 'x' });
    write('notes.yaml', 'just: [a, list\n');
    write('node_modules/dep/t.json', { Resources: { P: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: OPEN_POLICY } } } });
    const result = scanTemplates([dir]);
    expect(result.templates.map((t) => path.relative(dir, t.file))).toEqual([path.join('a', 'insecure.yaml'), path.join('b', 'secure.template')]);
    expect(result.findings.every((f) => f.file === path.join(dir, 'a', 'insecure.yaml'))).toBe(true);
    expect(result.notices.map((n) => [path.relative(dir, n.file), n.severity])).toEqual([
      ['node_modules', FindingSeverity.NOTE],
      ['notes.yaml', FindingSeverity.NOTE],
      ['package.json', FindingSeverity.NOTE],
    ]);
  });

  test('a folder of real-repository files: templates scanned, each unreadable file with its reason, other files skipped with a note', () => {
    const insecure = write('infra/insecure.yaml', fs.readFileSync(fixture('insecure.yaml'), 'utf8'));
    const broken = write('infra/broken.json', '{\n  "AWSTemplateFormatVersion": "2010-09-09",\n  "Resources": {\n    "R": { "Type": "X" },\n  ]\n}\n');
    let bomb = 'Resources:\n  R:\n    Type: AWS::SNS::Topic\n    Metadata:\n      l0: &l0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n';
    for (let i = 1; i < 9; i++) bomb += `      l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]\n`;
    const bombFile = write('infra/bomb.yaml', bomb);
    const selfRef = write('infra/self.yaml', 'Resources: &r\n  R:\n    Type: X\n    Properties: *r\n');
    const noType = write('infra/no-type.template', 'Resources:\n  R:\n    Properties: {}\n');
    const dupes = write('infra/dupes.yaml', 'Mappings:\n  RegionMap:\n    eu-west-1: { Ami: ami-1 }\n    eu-west-1: { Ami: ami-2 }\nResources:\n  T:\n    Type: AWS::SNS::Topic\n');
    fs.writeFileSync(path.join(dir, 'binary.json'), Buffer.from([0x7b, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0xff]));
    write('package.json', { name: 'x', scripts: { Resources: 'no' } });
    write('tsconfig.json', '{\n  // comments, as tsc allows\n  "compilerOptions": {}\n}\n');
    write('cdk.json', { app: 'npx ts-node bin/app.ts' });
    write('config.yaml', 'stage: prod\n');
    const result = scanTemplates([dir]);
    expect(result.templates.map((t) => t.file)).toEqual([dupes, insecure, noType]);
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.unreadable).toEqual([
      { file: bombFile, line: 13, reason: expect.stringMatching(/^YAML aliases expand the file past the 500,000 values a scan reads .*an alias bomb, read no further; raise --max-alias-expansion to read it$/) },
      { file: broken, line: 5, reason: expect.stringMatching(/^JSON syntax error: Expected double-quoted property name; read as YAML \(flow style\) instead, YAML syntax error: /) },
      { file: noType, line: 2, reason: "the resource 'R' has no Type: CloudFormation refuses it (left out of the scan; the rest of the template was scanned)" },
      { file: selfRef, line: 4, reason: 'the alias *r refers to a node that contains it (a self-referencing alias): it has no value' },
    ]);
    const notices = result.notices.map((n) => [path.relative(dir, n.file), n.severity, n.message]);
    expect(notices).toEqual([
      ['binary.json', 'note', 'skipped: is a binary file (it holds NUL bytes), not a template'],
      ['cdk.json', 'note', 'skipped: not a CloudFormation template (a CDK app configuration)'],
      ['config.yaml', 'note', 'skipped: not a CloudFormation template (no Resources section)'],
      ['package.json', 'note', 'skipped: not a CloudFormation template (an npm package file)'],
      ['tsconfig.json', 'note', 'skipped: not a CloudFormation template (a TypeScript configuration)'],
      [path.join('infra', 'dupes.yaml'), 'warning', "the key 'eu-west-1' is written twice in 'Mappings.RegionMap' (lines 3 and 4): read as CloudFormation reads it, the last one wins"],
    ]);
    expect(result.notices.find((n) => n.key !== undefined)).toEqual(expect.objectContaining({ line: 4, key: 'eu-west-1', path: 'Mappings.RegionMap' }));
    expect(JSON.stringify(result)).not.toMatch(/\\u001b|\\u0000/);
  });

  test('a template is never skipped for its name, nor for a top level CloudFormation reads and the JSON reader does not', () => {
    const policy = { Resources: { P: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: OPEN_POLICY } } } };
    // Names of files a folder usually holds beside its templates: the content decides.
    const named = ['manifest.json', 'tree.json', 'stack.metadata.json', 'app.assets.json', 'cdk.json', 'samconfig.yaml'].map((n) => write(n, policy));
    const flowNamed = write('cdk.context.json', '{Resources: {P: {Type: AWS::SNS::Topic}}}');
    // A YAML flow mapping at the top level starts with `{` but is no JSON: read as YAML, as CloudFormation reads it.
    const flow = write('flow.yaml', "{Resources: {P: {Type: 'AWS::IoT::Policy', Properties: {PolicyDocument: {Statement: [{Effect: Allow, Action: 'iot:*', Resource: '*'}]}}}}}\n");
    const quoted = write('quoted.yaml', "{'Resources': {'P': {'Type': 'AWS::IoT::Policy'}}}\n");
    write('package.json', { name: 'x', scripts: { Resources: 'no' } });
    const result = scanTemplates([dir]);
    expect(result.templates.map((t) => t.file).sort()).toEqual([...named, flow, quoted, flowNamed].sort());
    expect(result.unreadable).toEqual([]);
    expect(result.findings.filter((f) => f.file === flow).map((f) => f.findingId)).toContain('IoTSecurity-ID1[Action::iot:*]');
    expect(result.notices.map((n) => [path.relative(dir, n.file), n.message])).toEqual([['package.json', 'skipped: not a CloudFormation template (an npm package file)']]);
    expect(scanFails(result, FindingSeverity.ERROR)).toBe(true);
  });

  test('a template reached through a symbolic link is scanned, a linked folder walked; a file two links lead to is read once', () => {
    const target = write('real/insecure.json', { Resources: { P: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: OPEN_POLICY } } } });
    fs.mkdirSync(path.join(dir, 'scan'));
    write('scan/clean.json', { Resources: { T: { Type: 'AWS::SNS::Topic' } } });
    fs.symlinkSync(target, path.join(dir, 'scan', 'linked.json'));
    fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'scan', 'linked-folder'));
    const result = scanTemplates([path.join(dir, 'scan')]);
    const read = path.join('scan', 'linked-folder', 'insecure.json');
    expect(result.templates.map((t) => path.relative(dir, t.file))).toEqual([path.join('scan', 'clean.json'), read]);
    expect(result.findings.some((f) => path.relative(dir, f.file) === read)).toBe(true);
    expect(result.notices.map((n) => [path.relative(dir, n.file), n.message]))
      .toEqual([[path.join('scan', 'linked.json'), `skipped: a symbolic link to a file already read (${path.join(dir, read)}): not read again`]]);
  });

  test('a folder whose only template cannot be read reports it, rather than a folder without templates', () => {
    const file = write('t.yaml', 'Resources:\n  R: !Bogus x\n');
    expect(scanTemplates([dir])).toEqual({ templates: [], findings: [], notices: [], unreadable: [{ file, line: 2, reason: expect.stringMatching(/^unknown tag !Bogus/) }] });
  });

  test('a top-level section written twice: read as the last one, with what AWS says of it', () => {
    const file = write('t.json', '{"Resources": {"A": {"Type": "AWS::SNS::Topic"}},\n"Resources": {"B": {"Type": "AWS::SNS::Topic"}}}');
    const result = scanTemplates([file]);
    expect(result.templates).toEqual([{ file, resources: 1, sam: false }]);
    expect(result.notices).toEqual([{
      severity: FindingSeverity.WARNING, file, line: 2, key: 'Resources', path: '',
      message: "the section 'Resources' is written twice (lines 1 and 2): read as the last one, as CloudFormation reads duplicate keys, though AWS calls a duplicate major section undefined behaviour",
    }]);
    expect(scanFails(result, FindingSeverity.WARNING)).toBe(true);
    expect(scanFails(result, FindingSeverity.ERROR)).toBe(false);
  });

  test('YAML aliases and hash merges are noted: CloudFormation refuses them, the packaging tools expand them', () => {
    const file = write('t.yaml', 'Metadata:\n  Tags: &tags [{ Key: a, Value: b }]\nResources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      Tags: *tags\n');
    expect(scanTemplates([file]).notices).toEqual([{
      severity: FindingSeverity.NOTE, file, line: 7,
      message: 'uses YAML aliases, which CloudFormation refuses: read expanded, as `aws cloudformation package` and `sam deploy` upload it',
    }]);
    const merged = write('m.yaml', 'Metadata:\n  Base: &base { PolicyName: open }\nResources:\n  P:\n    Type: AWS::IoT::Policy\n    Properties:\n      <<: *base\n'
      + '      PolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "iot:*", Resource: "*" }] }\n');
    const result = scanTemplates([merged]);
    expect(result.notices).toEqual([{
      severity: FindingSeverity.NOTE, file: merged, line: 7,
      message: 'uses YAML aliases and hash merges (<<), which CloudFormation refuses: read expanded, as `aws cloudformation package` and `sam deploy` upload it',
    }]);
    expect(result.findings.map((f) => f.findingId)).toContain('IoTSecurity-ID1[Action::iot:*]');
  });

  test('a folder without a template is bad input', () => {
    write('package.json', { name: 'x' });
    expect(() => scanTemplates([dir])).toThrow(`${dir}: the folder holds no CloudFormation template`);
  });

  test('a broken file in a folder that says it is a template is unreadable, with its line and reason', () => {
    const file = write('t.yaml', 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  R: [\n');
    const result = scanTemplates([dir]);
    expect(result.templates).toEqual([]);
    expect(result.unreadable).toEqual([{ file, line: expect.any(Number), reason: expect.stringMatching(/^YAML syntax error: /) }]);
  });

  test('a missing path is bad input', () => {
    const missing = path.join(dir, 'nope');
    expect(() => scanTemplates([missing])).toThrow(`${missing}: no such file or folder`);
  });

  test('a cdk.out: every stack, nested stacks and stages, with the app\'s acknowledgments', () => {
    const outdir = path.join(dir, 'cdk.out');
    // The scan is what is tested here, not CDK's own template validator (slow, and beside the point).
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const site = new Stack(app, 'Site');
    const tags = TAGS.map((t) => ({ key: t.Key, value: t.Value }));
    const open = new iot.CfnPolicy(site, 'Open', { policyDocument: OPEN_POLICY, tags });
    Validations.of(open).acknowledge({ id: 'IoTSecurity-ID1[Action::iot:*]', reason: 'lab policy' });
    const nested = new NestedStack(site, 'Inner');
    new iot.CfnPolicy(nested, 'NestedOpen', { policyDocument: OPEN_POLICY, tags });
    const stage = new Stage(app, 'Prod');
    new iot.CfnPolicy(new Stack(stage, 'Edge'), 'StageOpen', { policyDocument: OPEN_POLICY, tags });
    app.synth();

    const result = scanTemplates([outdir]);
    expect(result.templates.map((t) => path.relative(outdir, t.file)).sort()).toEqual([
      'Site.template.json',
      expect.stringMatching(/^SiteInner[0-9A-F]+\.nested\.template\.json$/),
      expect.stringMatching(/^assembly-Prod\/ProdEdge[0-9A-F]+\.template\.json$/),
    ]);
    const id1 = result.findings.filter((f) => f.findingId === 'IoTSecurity-ID1[Action::iot:*]');
    expect(id1.map((f) => [f.resource, f.acknowledged, f.acknowledgmentReason ?? null]).sort()).toEqual([
      ['NestedOpen', false, null],
      ['Open', true, 'lab policy'],
      ['StageOpen', false, null],
    ]);
    expect(id1.find((f) => f.resource === 'Open')?.acknowledgmentSource).toBe('cloud assembly metadata');
  });

  test('a cloud assembly with a stack template that cannot be read: the others scanned, that one reported', () => {
    const stack = (templateFile: string) => ({ type: 'aws:cloudformation:stack', properties: { templateFile } });
    write('cdk.out/manifest.json', { version: '36.0.0', artifacts: { A: stack('A.template.json'), B: stack('B.template.json') } });
    write('cdk.out/cdk.out', { version: '36.0.0' });
    const a = write('cdk.out/A.template.json', { Resources: { P: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: OPEN_POLICY } } } });
    const b = write('cdk.out/B.template.json', '{ "Resources": {"P": ');
    const result = scanTemplates([path.join(dir, 'cdk.out')]);
    expect(result.templates.map((t) => t.file)).toEqual([a]);
    expect(result.unreadable).toEqual([{ file: b, line: 1, reason: expect.stringMatching(/^JSON syntax error: Unexpected end of JSON input; read as YAML \(flow style\) instead, YAML syntax error: /) }]);
  });

  test('a cloud assembly whose manifest cannot be read, in a folder: reported, the folder\'s other templates scanned', () => {
    const manifest = write('app/cdk.out/manifest.json', '{ "artifacts": ');
    write('app/cdk.out/cdk.out', { version: '36.0.0' });
    const t = write('t.json', fs.readFileSync(fixture('secure.json'), 'utf8'));
    const result = scanTemplates([dir]);
    expect(result.templates.map((x) => x.file)).toEqual([t]);
    expect(result.unreadable).toEqual([{ file: manifest, line: 1, reason: expect.stringMatching(/^JSON syntax error: Unexpected end of JSON input; read as YAML \(flow style\) instead, YAML syntax error: /) }]);
  });

  test('a cloud assembly listing no stack is bad input', () => {
    write('manifest.json', { version: '36.0.0', artifacts: {} });
    write('cdk.out', { version: '36.0.0' });
    expect(scanTemplates([dir]).unreadable).toEqual([{ file: path.join(dir, 'manifest.json'), reason: expect.stringMatching(/^the cloud assembly lists no stack template/) }]);
  });

  test('a folder whose manifest.json is not a cloud assembly is scanned as a folder', () => {
    write('manifest.json', { name: 'web app', icons: [] });
    write('t.json', fs.readFileSync(fixture('secure.json'), 'utf8'));
    expect(scanTemplates([dir]).templates.map((t) => path.basename(t.file))).toEqual(['t.json']);
  });

  describe('a cloud assembly whose manifest is wrong: one named error per artifact, the rest scanned', () => {
    const stack = (templateFile: unknown, extra: object = {}) => ({ type: 'aws:cloudformation:stack', properties: { templateFile }, ...extra });
    const nested = (directoryName: unknown) => ({ type: 'cdk:cloud-assembly', properties: { directoryName } });
    const insecure = { Resources: { P: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: OPEN_POLICY } } } };
    function assembly(artifacts: unknown): { result: ReturnType<typeof scanTemplates>; manifest: string } {
      write('cdk.out/cdk.out', { version: '36.0.0' });
      const manifest = write('cdk.out/manifest.json', { version: '36.0.0', artifacts });
      write('cdk.out/Good.template.json', insecure);
      return { result: scanTemplates([path.join(dir, 'cdk.out')]), manifest };
    }
    const problems = (result: ReturnType<typeof scanTemplates>) => result.unreadable.map((u) => [path.relative(dir, u.file), u.reason]);

    test.each([
      ['a list', [stack('Good.template.json')]],
      ["the string 'Good.template.json'", 'Good.template.json'],
      ['null', null],
    ])("'artifacts' that is %s: named, nothing else read", (what, artifacts) => {
      const { result, manifest } = assembly(artifacts);
      expect(result.unreadable).toEqual([{ file: manifest, reason: `'artifacts' must be a mapping of artifact IDs to artifacts, got ${what}` }]);
    });

    test('wrongly typed artifacts, properties and metadata: each named with its artifact ID, the good stack scanned', () => {
      const { result } = assembly({
        Good: stack('Good.template.json'),
        List: [1],
        Text: 'x',
        NoType: { properties: {} },
        Props: { type: 'cdk:cloud-assembly', properties: 'assembly-x' },
        Dir: nested(7),
        Missing: nested('assembly-gone'),
        Empty: stack(''),
        MetaList: stack('Good.template.json', { metadata: { '/Good': 'aws:cdk:logicalId' } }),
        MetaFile: stack('Good.template.json', { additionalMetadataFile: 3 }),
        Asset: { type: 'cdk:asset-manifest', properties: { file: 1 } },
      });
      expect(result.templates.map((t) => path.basename(t.file))).toEqual(['Good.template.json']);
      expect(result.findings.some((f) => f.resource === 'P' && f.ruleId === 'IoTSecurity-ID1')).toBe(true);
      const m = path.join('cdk.out', 'manifest.json');
      const shape = "an artifact is a mapping with a 'type' (aws:cloudformation:stack, cdk:cloud-assembly, ...) and 'properties'";
      expect(problems(result)).toEqual([
        [m, `artifact 'List': is a list: ${shape}`],
        [m, `artifact 'Text': is the string 'x': ${shape}`],
        [m, `artifact 'NoType': 'type' must be a string, got nothing: ${shape}`],
        [m, "artifact 'Props': 'properties' must be a mapping, got the string 'assembly-x'"],
        [m, "artifact 'Dir': 'properties.directoryName' must be the nested assembly's folder (a string, relative to the manifest's folder), got the number 7"],
        [m, "artifact 'Missing': the nested assembly 'assembly-gone' does not exist"],
        [m, "artifact 'Empty': 'properties.templateFile' must be the stack template's file name (a string, relative to the manifest's folder), got an empty string"],
        [m, "artifact 'MetaList': 'metadata' of '/Good' must be a list of { type, data } entries, got the string 'aws:cdk:logicalId'; the stack is scanned without those entries"],
        [m, "artifact 'MetaFile': 'additionalMetadataFile' must be a file name (a string, relative to the manifest's folder), got the number 3; the stack is scanned without those entries"],
      ]);
    });

    test('a nested assembly cycle (a -> b -> a) and one pointing at itself are named; an assembly named twice is read once', () => {
      write('cdk.out/a/cdk.out', { version: '36.0.0' });
      // Inside the assembly named: a path leading out of it is refused (assembly-hostile.test.ts).
      write('cdk.out/a/manifest.json', { version: '36.0.0', artifacts: { B: nested('b'), B2: nested('./b'), Self: nested('./') } });
      write('cdk.out/a/b/manifest.json', { version: '36.0.0', artifacts: { A: nested('..'), S: stack('S.template.json') } });
      write('cdk.out/a/b/S.template.json', insecure);
      const result = scanTemplates([path.join(dir, 'cdk.out', 'a')]);
      expect(result.templates.map((t) => path.relative(dir, t.file))).toEqual([path.join('cdk.out', 'a', 'b', 'S.template.json')]);
      expect(problems(result)).toEqual([
        [path.join('cdk.out', 'a', 'b', 'manifest.json'), `artifact 'A': the nested assembly '..' is ${path.join(dir, 'cdk.out', 'a')}, which holds this assembly (a cycle): a nested assembly is a folder of its own (a stage's assembly-<name> folder)`],
        [path.join('cdk.out', 'a', 'manifest.json'), "artifact 'Self': the nested assembly './' is this assembly itself: a nested assembly is a folder of its own (a stage's assembly-<name> folder)"],
      ]);
    });

    test('a chain of assemblies each naming the next twice is read once each, not 2^n times', () => {
      const depth = 40;
      write('cdk.out/cdk.out', { version: '36.0.0' });
      for (let i = 0; i < depth; i++) {
        const here = i === 0 ? 'cdk.out' : path.join('cdk.out', `n${i}`);
        write(path.join(here, 'manifest.json'), { artifacts: i + 1 < depth ? { X: nested(i === 0 ? 'n1' : `../n${i + 1}`), Y: nested(i === 0 ? 'n1' : `../n${i + 1}`) } : { S: stack('S.template.json') } });
      }
      write(path.join('cdk.out', `n${depth - 1}`, 'S.template.json'), insecure);
      const result = scanTemplates([path.join(dir, 'cdk.out')]);
      expect(result.templates).toHaveLength(1);
      expect(result.unreadable).toEqual([]);
    });
    test('assemblies nested past 100 levels: the one too deep is named, not a stack overflow', () => {
      write('cdk.out/cdk.out', { version: '36.0.0' });
      for (let i = 0; i <= 100; i++) {
        const here = i === 0 ? 'cdk.out' : path.join('cdk.out', `n${i}`);
        write(path.join(here, 'manifest.json'), { artifacts: i < 100 ? { X: nested(i === 0 ? 'n1' : `../n${i + 1}`) } : { S: stack('S.template.json') } });
      }
      write(path.join('cdk.out', 'n100', 'S.template.json'), insecure);
      const result = scanTemplates([path.join(dir, 'cdk.out')]);
      // The folder walk still meets the assembly too deep to be read as its parent's, and reads it as one of its own.
      expect(result.templates.map((t) => path.relative(dir, t.file))).toEqual([path.join('cdk.out', 'n100', 'S.template.json')]);
      expect(problems(result)).toEqual([[path.join('cdk.out', 'n99', 'manifest.json'),
        "artifact 'X': the nested assembly '../n100' would be nested 101 levels deep, past the limit of 100 (--max-assembly-nesting raises it): a stage nests a few levels"]]);
    });
  });

  test('a socket in a scanned folder is listed as skipped', async () => {
    const net = await import('net');
    write('t.json', { Resources: { T: { Type: 'AWS::SNS::Topic' } } });
    const socket = path.join(dir, 'control.sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      expect(scanTemplates([dir]).notices.map((n) => [n.file, n.message])).toEqual([[socket, 'skipped: a socket, not a file']]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('the same template named twice is scanned once', () => {
    expect(scanTemplates([fixture('secure.json'), fixture('secure.json')]).templates).toHaveLength(1);
  });
});

describe('keys and types CloudFormation would refuse (issue 26): named, and the rest of the template still scanned', () => {
  const policy = (action = 'iot:*') => ({ Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: { ...OPEN_POLICY, Statement: [{ ...OPEN_POLICY.Statement[0], Action: action }] } } });
  const refused = (id: string) => `logical ID '${id}' is not alphanumeric: CloudFormation refuses it (logical IDs are A-Za-z0-9); `
    + 'the resource and the rest of the template were scanned all the same';

  test.each([
    ['JSON', 't.json', '{\n  "Resources": {\n    "__proto__": POLICY,\n    "Other": POLICY\n  }\n}\n'],
    ['YAML', 't.yaml', 'Resources:\n  __proto__: POLICY\n  Other: POLICY\n'],
  ])('a logical ID __proto__ (%s): a named error on its line, and the policy under it and beside it still reported', (_format, name, text) => {
    const file = write(name, text.replace(/POLICY/g, JSON.stringify(policy())));
    const result = scanTemplates([file]);
    expect(result.unreadable).toEqual([{ file, line: 3 - (name.endsWith('.yaml') ? 1 : 0), reason: refused('__proto__') }]);
    expect(result.templates).toEqual([{ file, resources: 2, sam: false }]);
    const id1 = result.findings.filter((f) => f.ruleId === 'IoTSecurity-ID1').map((f) => f.resource);
    expect(id1.sort()).toEqual(['Other', '__proto__']);
  });

  test('other refused IDs (punctuation, empty) are named one by one; alphanumeric IDs that name Object members are ordinary', () => {
    const file = write('t.json', { Resources: { 'my-id!': policy(), '': policy(), 'constructor': policy(), 'toString': policy(), 'hasOwnProperty': policy() } });
    const result = scanTemplates([file]);
    expect(result.unreadable.map((u) => u.reason).sort()).toEqual([refused(''), refused('my-id!')].sort());
    expect(result.findings.filter((f) => f.ruleId === 'IoTSecurity-ID1').map((f) => f.resource).sort())
      .toEqual(['', 'constructor', 'hasOwnProperty', 'my-id!', 'toString'].sort());
  });

  test.each([
    ['a parameter whose Type is a number', { Parameters: { Stage: { Type: 5 } } }, "the parameter 'Stage' has a Type that is a number, not a string"],
    ['a parameter that is a string', { Parameters: { Stage: 'String' } }, "the parameter 'Stage' is a string, not a mapping"],
    ['a Parameters section that is a list', { Parameters: [{ Type: 'String' }] }, 'the Parameters section is a list, not a mapping of logical IDs'],
    ['a Mappings entry that is not a map of maps', { Mappings: { M: { k: 1 } } }, "the mapping 'M' has a key whose value is not a mapping"],
    ['a resource that is null', { Resources: { Null: null } }, "the resource 'Null' is null, not a mapping"],
    ['a resource whose Type is a list', { Resources: { T: { Type: ['AWS::SNS::Topic'] } } }, "the resource 'T' has a Type that is a list, not a string"],
    ['a resource whose Properties is a list', { Resources: { T: { Type: 'AWS::SNS::Topic', Properties: [1] } } }, "the resource 'T' has a Properties that is a list, not a mapping"],
    ['a resource whose Properties is a string', { Resources: { T: { Type: 'AWS::SNS::Topic', Properties: 'x' } } }, "the resource 'T' has a Properties that is a string, not a mapping"],
    ['an Outputs section that is a number', { Outputs: 7 }, 'the Outputs section is a number, not a mapping of logical IDs'],
  ])('%s: a named error, never a TypeError; the open policy beside it still reported', (_name, extra, reason) => {
    const template = { ...extra, Resources: { ...(extra as { Resources?: object }).Resources, Open: policy() } };
    const file = write('t.json', template);
    const result = scanTemplates([file]);
    expect(result.unreadable).toEqual([{ file, ...(reason.includes('resource') ? { line: expect.any(Number) } : {}), reason: expect.stringContaining(`${reason}: CloudFormation refuses it (`) }]);
    expect(result.findings.filter((f) => f.ruleId === 'IoTSecurity-ID1').map((f) => f.resource)).toEqual(['Open']);
  });

  test('an internal error is a bug report line naming the file, with no text of the error but its class', () => {
    const file = write('t.json', { Resources: { Open: policy() } });
    const other = write('u.json', { Resources: { T: { Type: 'AWS::SNS::Topic' } } });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { IotSecurityChecks } = require('../../lib/checks/iot-security-checks');
    const spy = jest.spyOn(IotSecurityChecks.prototype, 'validateScope').mockImplementationOnce(() => {
      throw new TypeError("Cannot read properties of null (reading 'secret-from-the-file')");
    });
    try {
      const result = scanTemplates([file, other]);
      expect(result.unreadable).toEqual([{
        file,
        reason: 'could not be scanned: the scanner failed on this file with an internal error (TypeError). '
          + 'This is a bug in cdk-secure-iot, not in the file: please report it with the file attached',
      }]);
      expect(result.templates.map((t) => t.file)).toEqual([other]);
    } finally {
      spy.mockRestore();
    }
  });
});
