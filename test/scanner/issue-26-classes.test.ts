/*
 * The classes of hostile input issue 26 reported, each as the issue found it, run through the
 * command line in process: every run ends, names the file it could not read on one line (never a
 * raw JavaScript message or a bug report), exits with a documented code, and still reports the
 * insecure policy beside the hostile file. The limits, folders, assemblies and readers have tests
 * of their own (limits, folders, template-loader, template-scanner, special-files-e2e, cli-e2e and
 * the property-based test under fuzz/); this file is the index of the issue's classes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { TemplateScanner } from '../../lib';
import { main } from '../../lib/scanner/cli';
import { summarize } from '../../lib/scanner/report-formats';
import { INSECURE, OPEN_POLICY, freshFolder, removeFolder, writeFile } from './scan-fixtures';

/** Nine nested lists of nine aliases: 9^9 values from a few hundred bytes. */
const ALIAS_BOMB = ['a: &a ["x","x","x","x","x","x","x","x","x"]',
  ...'bcdefghi'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`), 'Resources: {}'].join('\n') + '\n';

let dir: string;
beforeEach(() => { dir = freshFolder('scan-issue26-'); });
afterEach(() => removeFolder(dir));

const write = (name: string, content: string | object | Buffer) => writeFile(dir, name, content, 2);

interface Run {
  readonly code: number;
  readonly stderr: string[];
  /** The findings of the JSON report, as `file resource findingId`. */
  readonly findings: string[];
}

/**
 * The command line in process, in `dir`, with `--format json`, and the properties every run of it
 * holds: the exit code is one of the documented ones, every line on stderr starts with the
 * command's name and names a path under `dir` (relative to it, as given), none carries a
 * JavaScript error's text or the bug-report line.
 */
function scan(...argv: string[]): Run {
  let stdout = '';
  let stderr = '';
  const cwd = process.cwd();
  process.chdir(dir);
  let code: number;
  try {
    code = main(['scan', ...argv, '--format', 'json'], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  } finally {
    process.chdir(cwd);
  }
  expect([0, 1, 2]).toContain(code);
  const lines = stderr.split('\n').filter((l) => l !== '');
  for (const line of lines) {
    expect(line).toMatch(/^cdk-secure-iot: [^:\s]+[:\s]/);
    expect(line).not.toMatch(/This is a bug|Cannot read properties|is not a function|is not iterable|Maximum call stack|of undefined|\[object Object\]|ERR_[A-Z_]+/);
  }
  const report = stdout === '' ? { findings: [] } : JSON.parse(stdout);
  return { code, stderr: lines, findings: report.findings.map((f: { file: string; resource: string; findingId: string }) => `${f.file} ${f.resource} ${f.findingId}`) };
}

/** The open policy's finding in `file`, as `scan` lists findings. */
const openPolicy = (file: string, resource = 'OpenPolicy') => `${file} ${resource} IoTSecurity-ID1[Action::iot:*]`;

describe('hangs: YAML alias expansion', () => {
  test('an alias bomb as a template: one named line, exit 2, at once', () => {
    write('bomb.yaml', ALIAS_BOMB);
    const r = scan('bomb.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([expect.stringMatching(/^cdk-secure-iot: bomb\.yaml:\d+: YAML aliases expand the file past/)]);
  });

  test('the same file in a scanned folder: named, and the insecure template beside it reported', () => {
    write('infra/bomb.yaml', ALIAS_BOMB);
    write('infra/policy.json', INSECURE);
    const r = scan('infra');
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([expect.stringMatching(/^cdk-secure-iot: infra\/bomb\.yaml:\d+: YAML aliases expand/)]);
    expect(r.findings).toContain(openPolicy('infra/policy.json'));
  });

  test('the same file as the acknowledgments file: named, exit 2', () => {
    write('acks.yaml', ALIAS_BOMB.replace('Resources: {}\n', ''));
    write('policy.json', INSECURE);
    const r = scan('policy.json', '--acknowledgments', 'acks.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([expect.stringMatching(/^cdk-secure-iot: acks\.yaml:\d+: YAML aliases expand/)]);
  });
});

describe('raw JavaScript messages: each is a named line now', () => {
  test('a manifest whose artifact is null, and one whose templateFile is a number: each named by artifact, the other stack scanned', () => {
    write('cdk.out/cdk.out', '{"version":"36.0.0"}');
    write('cdk.out/Good.template.json', INSECURE);
    write('cdk.out/manifest.json', {
      version: '36.0.0',
      artifacts: {
        Null: null,
        Numbered: { type: 'aws:cloudformation:stack', properties: { templateFile: 42 } },
        Good: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Good.template.json' } },
      },
    });
    const r = scan('cdk.out');
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([
      expect.stringMatching(/^cdk-secure-iot: cdk\.out\/manifest\.json: artifact 'Null': is null: /),
      expect.stringMatching(/^cdk-secure-iot: cdk\.out\/manifest\.json: artifact 'Numbered': 'properties\.templateFile' must be .*, got the number 42$/),
    ]);
    expect(r.findings).toContain(openPolicy('cdk.out/Good.template.json'));
  });

  test('a self-referencing alias and a nested assembly that points at itself: named, not a stack overflow', () => {
    write('self.yaml', 'a: &a [1, *a]\nResources: {}\n');
    write('asm/cdk.out', '{"version":"36.0.0"}');
    write('asm/manifest.json', { version: '36.0.0', artifacts: { Me: { type: 'cdk:cloud-assembly', properties: { directoryName: '.' } } } });
    write('asm/Stack.template.json', INSECURE);
    const alias = scan('self.yaml');
    expect(alias.code).toBe(2);
    expect(alias.stderr).toEqual([expect.stringMatching(/^cdk-secure-iot: self\.yaml:1: the alias \*a refers to a node that contains it/)]);
    const assembly = scan('asm');
    expect(assembly.code).toBe(2);
    expect(assembly.stderr.some((l) => /^cdk-secure-iot: asm\/manifest\.json: artifact 'Me': the nested assembly '\.' is this assembly itself/.test(l))).toBe(true);
  });

  test.each([
    ['JSON', 'proto.json', '{"Resources": {"__proto__": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}]}}}}}'],
    ['YAML', 'proto.yaml', `Resources:\n  __proto__:\n    Type: AWS::IoT::Policy\n    Properties:\n      PolicyDocument: ${JSON.stringify(OPEN_POLICY)}\n`],
  ])('%s: a logical ID __proto__ is refused by name, and the insecure policy under it is still reported', (_format, name, text) => {
    write(name, text);
    const r = scan(name);
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([expect.stringMatching(new RegExp(`^cdk-secure-iot: ${name.replace('.', '\\.')}:\\d+: .*'__proto__'`))]);
    expect(r.findings).toContain(openPolicy(name, '__proto__'));
  });

  test('a parameter whose Type is a number: named, the template still scanned', () => {
    write('param.json', { Parameters: { Size: { Type: 7 } }, ...INSECURE });
    const r = scan('param.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([expect.stringMatching(/^cdk-secure-iot: param\.json: .*'Size'.*Type/)]);
    expect(r.findings).toContain(openPolicy('param.json'));
  });
});

test('an acknowledgment bent through __proto__ acknowledges nothing: the entry has no id of its own, and is named', () => {
  write('policy.json', INSECURE);
  write('acks.json', '[{"__proto__": {"id": "IoTSecurity-ID1", "resource": "OpenPolicy", "reason": "bent"}}]');
  const r = scan('policy.json', '--acknowledgments', 'acks.json');
  expect(r.code).toBe(2);
  expect(r.stderr).toEqual([expect.stringMatching(/^cdk-secure-iot: acks\.json: acknowledgment 1: 'id' must be a non-empty string/)]);
});

describe('silent runs: nothing read is passed over without a word', () => {
  test('a linked subfolder holding an iot:* policy is reported', () => {
    write('shared/policy.json', INSECURE);
    write('scan/readme.json', { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } });
    fs.symlinkSync(path.join('..', 'shared'), path.join(dir, 'scan', 'linked'));
    const r = scan('scan');
    expect(r.code).toBe(1);
    expect(r.findings).toContain(openPolicy('scan/linked/policy.json'));
  });

  test('a template with an invalid UTF-8 byte in a folder is unreadable (exit 2), not a note', () => {
    write('scan/policy.yaml', Buffer.concat([Buffer.from(`Resources:\n  OpenPolicy:\n    Type: AWS::IoT::Policy  # caf`), Buffer.from([0xe9]), Buffer.from('\n')]));
    const r = scan('scan');
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([expect.stringMatching(/^cdk-secure-iot: scan\/policy\.yaml:3: is not UTF-8 text/)]);
  });

  test('a resource whose Properties are of the wrong type is named (exit 2), the rest scanned', () => {
    write('types.json', { Resources: { ...INSECURE.Resources, Topic: { Type: 'AWS::SNS::Topic', Properties: ['not', 'a', 'mapping'] } } });
    const r = scan('types.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([expect.stringMatching(/^cdk-secure-iot: types\.json:\d+: .*'Topic'.*Properties/)]);
    expect(r.findings).toContain(openPolicy('types.json'));
  });
});

describe('wrong exit codes', () => {
  test('a YAML flow-style template that starts with { is read as YAML: its finding, exit 1', () => {
    write('flow.yaml', `{Resources: {OpenPolicy: {Type: AWS::IoT::Policy, Properties: {PolicyDocument: ${JSON.stringify(OPEN_POLICY)}}}}}\n`);
    const r = scan('flow.yaml');
    expect(r.code).toBe(1);
    expect(r.findings).toContain(openPolicy('flow.yaml'));
  });

  test('one unparsable template in a folder stops none of the others: exit 2, their findings reported', () => {
    write('infra/broken.json', '{"Resources": {');
    write('infra/policy.json', INSECURE);
    const r = scan('infra');
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([expect.stringMatching(/^cdk-secure-iot: infra\/broken\.json:\d+: JSON syntax error/)]);
    expect(r.findings).toContain(openPolicy('infra/policy.json'));
  });
});

describe('memory', () => {
  test('a 10 MB scalar is refused by a limit, named, before it is read into a template', () => {
    write('big.json', `{"Resources": {"R": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "${'x'.repeat(10_000_000)}"}}}}`);
    write('policy.json', INSECURE);
    const r = scan('big.json', 'policy.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([expect.stringMatching(/^cdk-secure-iot: big\.json(:\d+)?: .*--max-(file-bytes|scalar-length)/)]);
    expect(r.findings).toContain(openPolicy('policy.json'));
  });

  test('a 100,000-entry acknowledgments file is read (as JSON, in a second where the YAML reader took 25 s and 900 MB), the run clean', () => {
    write('policy.json', INSECURE);
    const entries = Array.from({ length: 100_000 }, (_, i) => ({ id: 'IoTSecurity-ID1', resource: `R${i}`, reason: 'generated' }));
    write('acks.json', JSON.stringify([{ id: 'IoTSecurity-ID1', resource: 'OpenPolicy', reason: 'lab' }, ...entries]));
    const r = scan('policy.json', '--acknowledgments', 'acks.json');
    expect(r.stderr).toEqual([]);
    expect(r.findings).toContain(openPolicy('policy.json'));
  });

  test('200,000 keys written twice: the first hundred listed, the rest counted in one notice (the report stays small), the policy reported', () => {
    const file = write('dup.json', `{"Resources": ${JSON.stringify(INSECURE.Resources)}, "Metadata": {${Array(200_000).fill('"a": 1').join(',')}}}`);
    const r = new TemplateScanner().scan([file]);
    const duplicates = r.notices.filter((n) => n.key !== undefined);
    expect(duplicates).toHaveLength(101);
    expect(duplicates[100]).toMatchObject({ key: 'a', path: 'Metadata', count: 199_899, message: expect.stringMatching(/^and 199,899 more keys written twice, not listed one by one/) });
    expect(summarize(r).duplicateKeys).toBe(199_999);
    expect(r.findings.map((f) => f.findingId)).toContain('IoTSecurity-ID1[Action::iot:*]');
  });
});
