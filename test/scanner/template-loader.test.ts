import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadTemplate, parseTemplateText } from '../../lib/scanner/private/template-loader';
import { inputError } from './scan-fixtures';

const parse = (text: string) => parseTemplateText('t.yaml', text).template;

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

  test('plain scalars are read as CloudFormation reads them: YAML 1.1 booleans and numbers, no timestamps, no single-letter booleans', () => {
    const props = parse('AWSTemplateFormatVersion: 2010-09-09\nResources:\n  R:\n    Type: X\n    Properties: '
      + '{a: yes, b: Off, c: ON, d: no, e: true, y: Y, n: n, N: x, o: 0777, s: 1:20, t: 2010-09-09T10:00:00Z, u: ~}\n');
    expect(props.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(props.Resources.R.Properties).toEqual({ a: true, b: false, c: true, d: false, e: true, y: 'Y', n: 'n', N: 'x', o: 511, s: 80, t: '2010-09-09T10:00:00Z', u: null });
  });

  test.each(['binary aGVsbG8=', 'omap [{a: 1}]', 'pairs [{a: 1}]', 'set {a, b}', 'timestamp 2001-12-14'])('!!%s: a type CloudFormation does not support is refused by name, with its line', (value) => {
    const e = inputError(() => parse(`Resources:\n  R:\n    Type: X\n    Properties:\n      A: !!${value}\n`));
    expect(e.line).toBe(5);
    expect(e.problem).toBe(`the tag !!${value.split(' ')[0]} is one CloudFormation does not support (it refuses YAML's binary, omap, pairs, set and timestamp types): write the value as a string, list or mapping`);
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

  test.each([
    ['NUL bytes', Buffer.from('{"Resources": {}}\u0000\u0001\u001b[31m', 'utf8'), 'is a binary file (it holds NUL bytes), not a template'],
    ['bytes that are not UTF-8', Buffer.from([0x52, 0x65, 0x73, 0x3a, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x1b, 0x5b, 0x32, 0x4a]), 'is not UTF-8 text (CloudFormation reads templates in UTF-8)'],
    ['UTF-16 text', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Resources: {}\n', 'utf16le')]), 'is UTF-16 text: CloudFormation reads templates in UTF-8 (save the file as UTF-8)'],
  ])('binary input, %s: one line naming the file, none of its bytes', (_name, bytes, problem) => {
    const file = path.join(dir, 'blob.json');
    fs.writeFileSync(file, bytes);
    expect(inputError(() => loadTemplate(file)).message).toBe(`${file}: ${problem}`);
  });

  test('a JSON syntax error quotes none of the text around it (V8 does), and escapes the token it names', () => {
    const e = inputError(() => parseTemplateText('t.json', '{"Resources": \u001b[2J\u0007 {"secret": "x"}}'));
    expect(e.message).toBe('t.json:1: JSON syntax error: Unexpected token \'\\u001b\'; read as YAML (flow style) instead, YAML syntax error: Unexpected flow-seq-start token');
    expect(e.message).not.toMatch(/[\u0000-\u001f]|secret/);
  });

  test('a JSON syntax error names the file and line', () => {
    const file = write('bad.json', '{\n  "Resources": {\n    "R": { "Type": "X" },\n  ]\n}\n');
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

describe('keys written twice: read as CloudFormation reads them, the last one wins, and reported', () => {
  test('YAML: in Mappings, in a resource, at the top; the last value read, both lines given, the resource line the last one', () => {
    const loaded = parseTemplateText('t.yaml', [
      'Mappings:', //                        1
      '  RegionMap:', //                     2
      '    eu-west-1: { Ami: ami-old }', //  3
      '    eu-west-1: { Ami: ami-new }', //  4
      'Resources:', //                       5
      '  Topic:', //                         6
      '    Type: AWS::SNS::Topic', //        7
      '    Properties:', //                  8
      '      Tags: [{ Key: a, Value: 1, Key: b }]', // 9
      '  Topic:', //                         10
      '    Type: AWS::SQS::Queue', //        11
      'Outputs: {}', //                      12
      'Outputs: { O: { Value: x } }', //     13
    ].join('\n'));
    expect(loaded.template).toEqual({
      Mappings: { RegionMap: { 'eu-west-1': { Ami: 'ami-new' } } },
      Resources: { Topic: { Type: 'AWS::SQS::Queue' } },
      Outputs: { O: { Value: 'x' } },
    });
    expect(loaded.duplicateKeys).toEqual([
      { path: ['Mappings', 'RegionMap'], key: 'eu-west-1', line: 4, firstLine: 3 },
      { path: ['Resources', 'Topic', 'Properties', 'Tags', '[0]'], key: 'Key', line: 9, firstLine: 9 },
      { path: ['Resources'], key: 'Topic', line: 10, firstLine: 6 },
      { path: [], key: 'Outputs', line: 13, firstLine: 12 },
    ]);
    expect(loaded.resourceLines.get('Topic')).toBe(10);
  });

  test('JSON: the same, with keys compared after their escapes; a key repeated in another object is no duplicate', () => {
    const text = [
      '{',
      '  "Mappings": { "RegionMap": { "eu-west-1": { "Ami": "ami-old" }, "eu-west-\\u0031": { "Ami": "ami-new" } } },',
      '  "Resources": {',
      '    "A": { "Type": "AWS::SNS::Topic", "Properties": { "TopicName": "a, \\"Type\\": {" } },',
      '    "B": { "Type": "AWS::SNS::Topic", "Properties": { "Tags": [{ "Key": "k", "Value": "1" }, { "Key": "k", "Value": "2", "Value": "3" }] } },',
      '    "A": { "Type": "AWS::SQS::Queue" }',
      '  }',
      '}',
    ].join('\n');
    const loaded = parseTemplateText('t.json', text);
    expect(loaded.template.Mappings.RegionMap).toEqual({ 'eu-west-1': { Ami: 'ami-new' } });
    expect(loaded.template.Resources.A).toEqual({ Type: 'AWS::SQS::Queue' });
    expect(loaded.duplicateKeys).toEqual([
      { path: ['Mappings', 'RegionMap'], key: 'eu-west-1', line: 2, firstLine: 2 },
      { path: ['Resources', 'B', 'Properties', 'Tags', '[1]'], key: 'Value', line: 5, firstLine: 5 },
      { path: ['Resources'], key: 'A', line: 6, firstLine: 4 },
    ]);
    expect([...loaded.resourceLines]).toEqual([['A', 6], ['B', 5]]);
  });

  test('YAML: a mapping read twice through an alias reports its duplicate once', () => {
    const loaded = parseTemplateText('t.yaml', 'Metadata:\n  Shared: &s { a: 1, a: 2 }\nResources:\n  R:\n    Type: X\n    Metadata: *s\n');
    expect(loaded.template.Resources.R.Metadata).toEqual({ a: 2 });
    expect(loaded.duplicateKeys).toEqual([{ path: ['Metadata', 'Shared'], key: 'a', line: 2, firstLine: 2 }]);
  });

  test('a template without a key written twice reports none', () => {
    expect(parseTemplateText('t.yaml', 'Resources:\n  A: { Type: X }\n  B: { Type: X }\n').duplicateKeys).toEqual([]);
    expect(parseTemplateText('t.json', '{"Resources": {"A": {"Type": "X"}, "B": {"Type": "X"}}}').duplicateKeys).toEqual([]);
  });
});

describe('keys are data', () => {
  test.each([
    ['YAML', 'Resources:\n  R:\n    Type: X\n    Properties:\n      __proto__: { polluted: true }\n'],
    ['JSON', '{"Resources": {"R": {"Type": "X", "Properties": {"__proto__": {"polluted": true}}}}}'],
  ])('%s: a key __proto__ is an ordinary key, never the prototype', (_name, text) => {
    const props = parseTemplateText('t', text).template.Resources.R.Properties;
    expect(Object.getPrototypeOf(props)).toBeNull();
    expect(Object.keys(props)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(props, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  test.each([
    ['YAML', 'Resources:\n  R:\n    Type: X\n    Properties:\n      A: [{ B: 1 }]\n'],
    ['JSON', '{"Resources": {"R": {"Type": "X", "Properties": {"A": [{"B": 1}]}}}}'],
  ])('%s: every mapping read has no prototype, so a key the file does not write (constructor, toString) is not found', (_name, text) => {
    const { template } = parseTemplateText('t', text);
    for (const mapping of [template, template.Resources, template.Resources.R, template.Resources.R.Properties, template.Resources.R.Properties.A[0]]) {
      expect(Object.getPrototypeOf(mapping)).toBeNull();
      expect(mapping.constructor).toBeUndefined();
      expect(mapping.toString).toBeUndefined();
      expect('hasOwnProperty' in mapping).toBe(false);
    }
    expect(Array.isArray(template.Resources.R.Properties.A)).toBe(true);
  });
});

describe('YAML aliases: read, but bounded', () => {
  /** A list of nine aliases to a list of nine aliases to ..., `levels` deep: 9^levels values from a few hundred bytes. */
  const aliasBomb = (levels: number) => {
    let text = 'Resources:\n  R:\n    Type: AWS::SNS::Topic\n    Metadata:\n      l0: &l0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n';
    for (let i = 1; i < levels; i++) text += `      l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]\n`;
    return text;
  };

  test('an alias bomb is a named error for its file, found at once', () => {
    const text = aliasBomb(9);
    expect(text.length).toBeLessThan(600);
    const start = Date.now();
    const e = inputError(() => parseTemplateText('bomb.yaml', text));
    expect(Date.now() - start).toBeLessThan(1000);
    expect(e.line).toBe(13);
    expect(e.message).toBe('bomb.yaml:13: YAML aliases expand the file past the 500,000 values a scan reads (*l7 alone stands for 48,427,561): '
      + 'an alias bomb, read no further; raise --max-alias-expansion to read it');
  });

  test('aliases within the bound are read, each expanded, and the first one noted', () => {
    const loaded = parseTemplateText('t.yaml', aliasBomb(4));
    expect(loaded.template.Resources.R.Metadata.l3).toHaveLength(9);
    expect(loaded.template.Resources.R.Metadata.l3[8][8][8]).toEqual(Array(9).fill('lol'));
    expect(loaded.firstAliasLine).toBe(6);
    expect(parseTemplateText('t.yaml', 'Resources: {}\n').firstAliasLine).toBeUndefined();
  });

  test.each([
    ['a map that names itself', 'Resources: &r\n  R:\n    Type: X\n    Properties: *r\n', 4, 'r'],
    ['a list that holds itself', 'Resources:\n  R:\n    Type: X\n    Properties:\n      A: &a [1, [2, *a]]\n', 5, 'a'],
  ])('a self-referencing alias, %s, names the file, the line and the alias', (_name, text, line, anchor) => {
    expect(inputError(() => parseTemplateText('t.yaml', text)).message)
      .toBe(`t.yaml:${line}: the alias *${anchor} refers to a node that contains it (a self-referencing alias): it has no value`);
  });

  test('hash merges (<<) are applied as YAML 1.1 and the packaging tools apply them: own keys win, then the first mapping merged', () => {
    const loaded = parseTemplateText('t.yaml', [
      'Metadata:',
      '  A: &a { x: a, y: a, z: a }',
      '  B: &b { y: b, w: b }',
      'Resources:',
      '  R:',
      '    Type: X',
      '    Properties:',
      '      x: own',
      '      <<: [*b, *a]',
      '      One: { <<: *a, z: own }',
      '      Quoted: { "<<": literal }',
    ].join('\n'));
    expect(loaded.template.Resources.R.Properties).toEqual({
      x: 'own', y: 'b', w: 'b', z: 'a', One: { x: 'a', y: 'a', z: 'own' }, Quoted: { '<<': 'literal' },
    });
    expect(loaded.firstMergeLine).toBe(9);
    expect(loaded.duplicateKeys).toEqual([]);
    expect(inputError(() => parseTemplateText('t.yaml', 'Resources:\n  R:\n    <<: [a]\n')).message).toBe('t.yaml:3: a merge key (<<) must name a mapping or a list of mappings');
  });

  test('an alias naming no anchor is named', () => {
    expect(inputError(() => parseTemplateText('t.yaml', 'Resources:\n  R: *nothing\n')).message).toBe('t.yaml:2: the alias *nothing names no anchor before it');
  });
});

describe('nesting is bounded', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  test.each([
    ['JSON', `{"Resources": {"R": {"Type": "X", "Properties": {"A": ${nested(300)}}}}}`, 't.json:1: nests deeper than the 200 levels a scan reads: raise --max-nesting-depth to read it'],
    ['YAML', `Resources:\n  R:\n    Type: X\n    Properties: { A: ${nested(300)} }\n`, 't.yaml:4: nests deeper than the 200 levels a scan reads (with its aliases expanded): raise --max-nesting-depth to read it'],
    ['YAML past its parser', `Resources: ${nested(5000)}\n`, 't.yaml:1: nests deeper than the YAML reader can follow (some hundreds of levels, whatever --max-nesting-depth says; a template nests a few dozen)'],
  ])('%s: deeper than 200 levels is a named error', (name, text, message) => {
    expect(inputError(() => parseTemplateText(name === 'JSON' ? 't.json' : 't.yaml', text)).message).toBe(message);
  });

  test('YAML: a chain of aliases counts the depth it expands to', () => {
    let text = 'Metadata:\n  a0: &a0 [x]\n';
    for (let i = 1; i <= 250; i++) text += `  a${i}: &a${i} [*a${i - 1}]\n`;
    text += 'Resources: {}\n';
    expect(inputError(() => parseTemplateText('t.yaml', text)).message).toMatch(/^t\.yaml:\d+: nests deeper than the 200 levels a scan reads \(with its aliases expanded\)/);
  });

  test('150 levels are read', () => {
    expect(parseTemplateText('t.json', `{"Resources": {}, "Metadata": ${nested(150)}}`).template.Resources).toEqual({});
    expect(parseTemplateText('t.yaml', `Resources: {}\nMetadata: ${nested(150)}\n`).template.Resources).toEqual({});
  });
});
