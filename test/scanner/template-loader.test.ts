import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ScanInputError } from '../../lib';
import { loadTemplate, parseTemplateText } from '../../lib/scanner/private/template-loader';

const parse = (text: string) => parseTemplateText('t.yaml', text).template;

function inputError(fn: () => unknown): ScanInputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScanInputError) return e;
    throw new Error(`expected a ScanInputError, got ${e}`);
  }
  throw new Error('expected a ScanInputError, nothing was thrown');
}

describe('YAML short tags', () => {
  test('each maps to its long form', () => {
    const t = parse(`
Resources:
  R:
    Type: X
    Properties:
      Ref: !Ref Param
      GetAttDot: !GetAtt Res.Arn
      GetAttNested: !GetAtt Stack.Outputs.Name
      GetAttList: !GetAtt [Res, Arn]
      Sub: !Sub 'arn:\${AWS::Partition}:iot:::x'
      SubList: !Sub ['\${A}', { A: !Ref B }]
      Join: !Join [',', [a, b]]
      If: !If [Cond, a, !Ref AWS::NoValue]
      Select: !Select [0, !GetAZs '']
      Split: !Split [',', 'a,b']
      FindInMap: !FindInMap [Map, Key, Value]
      Base64: !Base64 text
      Cidr: !Cidr ['10.0.0.0/16', 2, 8]
      GetAZs: !GetAZs eu-west-1
      GetAZsEmpty: !GetAZs
      ImportValue: !ImportValue shared
      Equals: !Equals [a, b]
      And: !And [!Condition A, !Condition B]
      Or: !Or [!Condition A, !Not [!Condition B]]
      Transform: !Transform { Name: AWS::Include, Parameters: { Location: s3://b/k } }
`);
    expect(t.Resources.R.Properties).toEqual({
      Ref: { Ref: 'Param' },
      GetAttDot: { 'Fn::GetAtt': ['Res', 'Arn'] },
      GetAttNested: { 'Fn::GetAtt': ['Stack', 'Outputs.Name'] },
      GetAttList: { 'Fn::GetAtt': ['Res', 'Arn'] },
      Sub: { 'Fn::Sub': 'arn:${AWS::Partition}:iot:::x' },
      SubList: { 'Fn::Sub': ['${A}', { A: { Ref: 'B' } }] },
      Join: { 'Fn::Join': [',', ['a', 'b']] },
      If: { 'Fn::If': ['Cond', 'a', { Ref: 'AWS::NoValue' }] },
      Select: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      Split: { 'Fn::Split': [',', 'a,b'] },
      FindInMap: { 'Fn::FindInMap': ['Map', 'Key', 'Value'] },
      Base64: { 'Fn::Base64': 'text' },
      Cidr: { 'Fn::Cidr': ['10.0.0.0/16', 2, 8] },
      GetAZs: { 'Fn::GetAZs': 'eu-west-1' },
      GetAZsEmpty: { 'Fn::GetAZs': '' },
      ImportValue: { 'Fn::ImportValue': 'shared' },
      Equals: { 'Fn::Equals': ['a', 'b'] },
      And: { 'Fn::And': [{ Condition: 'A' }, { Condition: 'B' }] },
      Or: { 'Fn::Or': [{ Condition: 'A' }, { 'Fn::Not': [{ Condition: 'B' }] }] },
      Transform: { 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: 's3://b/k' } } },
    });
  });

  test('long forms, anchors and standard tags are read as YAML reads them', () => {
    const t = parse(`
Resources:
  R:
    Type: X
    Properties:
      A: &shared { 'Fn::Sub': 'x' }
      B: *shared
      C: !!str 123
      D: 5
`);
    expect(t.Resources.R.Properties).toEqual({ A: { 'Fn::Sub': 'x' }, B: { 'Fn::Sub': 'x' }, C: '123', D: 5 });
  });

  test('an unknown tag is bad input naming the line', () => {
    const e = inputError(() => parse('Resources:\n  R:\n    Type: X\n    Properties:\n      A: !Refx B\n'));
    expect(e.message).toBe("t.yaml:5: unknown tag !Refx: CloudFormation's short forms are !Ref, !GetAtt, !Sub, !Join, !If, ...");
  });

  test('!GetAtt without an attribute is bad input', () => {
    expect(inputError(() => parse('Resources:\n  R:\n    Type: X\n    Properties:\n      A: !GetAtt Res\n')).message)
      .toBe("t.yaml:5: !GetAtt needs 'Resource.Attribute', got 'Res'");
  });
});

describe('line numbers', () => {
  test('YAML: the line of each resource key', () => {
    const loaded = parseTemplateText('t.yaml', 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  First:\n    Type: X\n\n  Second:\n    Type: Y\n');
    expect([...loaded.resourceLines]).toEqual([['First', 3], ['Second', 6]]);
  });

  test('JSON: the line of each key of Resources, not of same-named keys elsewhere', () => {
    const text = JSON.stringify({
      Parameters: { First: { Type: 'String', Default: '{"Resources": 1}' } },
      Resources: {
        First: { Type: 'X', Properties: { Nested: { Second: ['a', { b: 'c' }] } } },
        Second: { Type: 'Y' },
      },
      Outputs: { Third: { Value: 'v' } },
    }, null, 2);
    const loaded = parseTemplateText('t.json', text);
    const lineOf = (needle: string, from = 0) => text.slice(0, text.indexOf(needle, from)).split('\n').length;
    const resourcesAt = text.indexOf('"Resources": {');
    expect([...loaded.resourceLines]).toEqual([['First', lineOf('"First"', resourcesAt)], ['Second', lineOf('"Second": {', resourcesAt)]]);
  });

  test('minified JSON: every resource on line 1', () => {
    const loaded = parseTemplateText('t.json', '{"Resources":{"A":{"Type":"X"},"B":{"Type":"Y","Properties":{"k":"\\"q\\""}}}}');
    expect([...loaded.resourceLines]).toEqual([['A', 1], ['B', 1]]);
  });
});

describe('bad input', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-loader-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  test('a missing file', () => {
    const file = path.join(dir, 'absent.yaml');
    expect(inputError(() => loadTemplate(file)).message).toBe(`${file}: no such file`);
  });

  test('a YAML syntax error names the file and line', () => {
    const file = write('bad.yaml', 'Resources:\n  R:\n    Type: X\n    Properties: "a" b\n  S:\n    Type: Y\n');
    const e = inputError(() => loadTemplate(file));
    expect(e.line).toBe(4);
    expect(e.message).toBe(`${file}:4: YAML syntax error: Unexpected scalar at node end`);
  });

  test('a duplicate YAML key is a syntax error', () => {
    const file = write('dup.yaml', 'Resources:\n  R:\n    Type: X\n  R:\n    Type: Y\n');
    expect(inputError(() => loadTemplate(file)).message).toBe(`${file}:4: YAML syntax error: Map keys must be unique`);
  });

  test('a JSON syntax error names the file and line', () => {
    const file = write('bad.json', '{\n  "Resources": {\n    "R": { "Type": "X" },\n  }\n}\n');
    const e = inputError(() => loadTemplate(file));
    expect(e.line).toBe(4);
    expect(e.message).toMatch(new RegExp(`^${file}:4: JSON syntax error: `));
  });

  test.each([
    ['no Resources', '{ "AWSTemplateFormatVersion": "2010-09-09" }'],
    ['a list', '[1, 2]'],
    ['an empty file', ''],
    ['Resources that is not a map', 'Resources: [a]\n'],
  ])('not CloudFormation: %s', (_name, text) => {
    const file = write('x.yaml', text);
    expect(inputError(() => loadTemplate(file)).message).toBe(`${file}: is not a CloudFormation template: it has no Resources section`);
  });
});
