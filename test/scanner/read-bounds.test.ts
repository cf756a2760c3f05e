/*
 * What an attacker-minded review found in the reader, each through the command line where the
 * user sees it: YAML aliases that stand for megabytes of text, a merge list as long as the file,
 * raw system error codes, a known file name hiding a template, and files passed over in silence.
 * Big inputs are built here, never committed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { expandInputs } from '../../lib/scanner/private/inputs';
import { DEFAULT_SCAN_LIMITS, ResolvedLimits } from '../../lib/scanner/private/limits';
import { asInputError } from '../../lib/scanner/private/read-context';
import { parseTemplateText } from '../../lib/scanner/private/template-loader';
import { freshFolder, inputError, removeFolder, runCli, writeFile } from './scan-fixtures';

let dir: string;
beforeEach(() => { dir = freshFolder('scan-bounds-'); });
afterEach(() => removeFolder(dir));

/** The command line, in process, run in the test's folder. */
const cli = (...argv: string[]) => runCli(argv, dir);
const write = (name: string, content: string | object | Buffer) => writeFile(dir, name, content);

const limits = (set: Partial<ResolvedLimits>): ResolvedLimits => ({ ...DEFAULT_SCAN_LIMITS, ...set });

/** A policy allowing `*a` as its actions, `n` times, after the anchor `X: &a <scalar>`. */
function aliasedActions(scalar: string, n: number): string {
  return `X: &a ${scalar}\nResources:\n  P:\n    Type: AWS::IoT::Policy\n    Properties:\n      PolicyDocument:\n        Statement:\n`
    + `          - Effect: Allow\n            Action: [${Array(n).fill('*a').join(', ')}]\n            Resource: '*'\n`;
}

describe('YAML aliases expand to no more characters than a scan reads of YAML', () => {
  test('a 200 KB scalar under an anchor, aliased 10,000 times: a named error at the alias, naming --max-yaml-bytes, read in seconds', () => {
    // The review's file (its 1 MB scalar took 210 s): within every other default (1 MiB of YAML, 10,002 values), it stands for 2 GB of strings.
    const text = aliasedActions(`iot:${'A'.repeat(200_000)}`, 10_000);
    expect(Buffer.byteLength(text)).toBeLessThan(DEFAULT_SCAN_LIMITS.maxYamlBytes);
    write('bomb.yaml', text);
    const started = Date.now();
    const r = cli('scan', 'bomb.yaml');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("cdk-secure-iot: bomb.yaml:9: YAML aliases expand the file's strings and keys to 2,000,240,094 characters, past the 1 MiB of YAML a scan reads "
      + '(*a alone stands for 200,004): read no further; raise --max-yaml-bytes to read it\n');
  });

  test('what the aliases expand to is counted with the file: at --max-yaml-bytes characters it reads, one past it is refused', () => {
    // 'X' and 'Resources'... : count the characters the expanded file's strings and keys hold.
    const text = 'X: &a abcdefghij\nY: [*a, *a, *a]\n';
    const chars = 'X'.length + 10 + 'Y'.length + 30;
    expect(parseTemplateText('t.yaml', text, limits({ maxYamlBytes: chars })).template.Y).toEqual(['abcdefghij', 'abcdefghij', 'abcdefghij']);
    const e = inputError(() => parseTemplateText('t.yaml', text, limits({ maxYamlBytes: chars - 1 })));
    expect(e.line).toBe(2);
    expect(e.problem).toBe(`YAML aliases expand the file's strings and keys to ${chars} characters, past the ${chars - 1} bytes of YAML a scan reads `
      + '(*a alone stands for 10): read no further; raise --max-yaml-bytes to read it');
  });

  test('keys count too: a mapping with a long key, aliased', () => {
    const key = 'K'.repeat(1000);
    const text = `M: &m {${key}: 1}\nL: [${Array(2000).fill('*m').join(', ')}]\n`;
    const e = inputError(() => parseTemplateText('t.yaml', text));
    expect(e.problem).toMatch(/^YAML aliases expand the file's strings and keys to 2,003,00\d characters, past the 1 MiB of YAML a scan reads \(\*m alone stands for 1,001\)/);
  });

  test('a file without aliases is never refused for its characters, and a raised --max-yaml-bytes reads the aliases', () => {
    const text = `X: ${'a'.repeat(900)}\n`;
    expect(parseTemplateText('t.yaml', text, limits({ maxYamlBytes: text.length })).template.X).toHaveLength(900);
    write('a.yaml', aliasedActions('iot:Publish', 3));
    expect(cli('scan', '--max-yaml-bytes', '64', 'a.yaml').stderr).toMatch(/^cdk-secure-iot: a\.yaml: is \d+ bytes of YAML/);
    const r = cli('scan', 'a.yaml');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('uses YAML aliases, which CloudFormation refuses: read expanded');
  });
});

describe('no raw JavaScript text from the reader', () => {
  test('a merge key naming a list as long as the file: named in plain words, not "Maximum call stack size exceeded"', () => {
    write('merge.yaml', `Properties:\n  <<: [${Array(160_000).fill('1').join(',')}]\n`);
    const r = cli('scan', 'merge.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('cdk-secure-iot: merge.yaml:2: a merge key (<<) must name a mapping or a list of mappings\n');
  });

  test('a merge list of mappings is read, the first one winning, the keys written beside it over all', () => {
    const text = 'M: &m {A: 0, C: 3}\nN: &n {A: 1}\nR:\n  <<: [*n, *m, *m]\n  B: 2\n';
    expect(parseTemplateText('t.yaml', text).template.R).toEqual(Object.assign(Object.create(null), { B: 2, A: 1, C: 3 }));
  });

  test.each([
    ['EACCES', 'cannot be read (permission denied)'],
    ['EPERM', 'cannot be read (permission denied)'],
    ['ENOENT', 'no such file'],
    ['ELOOP', 'is a symbolic link in a loop (it leads back to itself)'],
    ['EIO', 'cannot be read (an input/output error of the disk)'],
    ['EISDIR', 'is a folder, not a file'],
    ['EWHATEVER', 'cannot be read (the system refused it, error code EWHATEVER)'],
  ])('a system error %s is said in plain words', (code, words) => {
    expect(asInputError('f.json', Object.assign(new Error(`${code}: raw text`), { code })).problem).toBe(words);
  });

  test('an error that is not a system error is an internal error by its class, never its message', () => {
    const e = asInputError('f.json', new RangeError('Maximum call stack size exceeded <file text>'));
    expect(e.problem).toBe('could not be read: the scanner failed on this file with an internal error (RangeError). '
      + 'This is a bug in cdk-secure-iot, not in the file: please report it with the file attached');
  });
});

describe('a known file name is what its parsed value is', () => {
  const escaped = '{"Reso\\u0075rces": {"OpenPolicy": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyDocument": '
    + '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}]}}}}}';

  test.each(['tsconfig.json', 'app.assets.json', 'package.json', 'cdk.json'])('%s holding a template with an escaped Resources key is scanned: its finding fails the gate', (name) => {
    write(`app/${name}`, escaped);
    const r = cli('scan', '--format', 'json', 'app');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.templates.map((t: { file: string }) => t.file)).toEqual([path.join('app', name)]);
    expect(report.findings.map((f: { ruleId: string }) => f.ruleId)).toContain('IoTSecurity-ID1');
  });

  test('a known file that is not a template, or does not parse and does not look like one, is the known-file note', () => {
    write('app/t.json', '{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}');
    write('app/tsconfig.json', '{"compilerOptions": {"strict": true}}');
    write('app/package.json', '{"name": "x", // a comment\n}');
    write('app/cdk.json', '{"app": "Resources: x"');
    const r = expandInputs([path.join(dir, 'app')]);
    expect(r.unreadable).toEqual([]);
    expect(r.skipped.map((s) => [path.relative(dir, s.file), s.reason])).toEqual([
      [path.join('app', 'cdk.json'), 'not a CloudFormation template (a CDK app configuration)'],
      [path.join('app', 'package.json'), 'not a CloudFormation template (an npm package file)'],
      [path.join('app', 'tsconfig.json'), 'not a CloudFormation template (a TypeScript configuration)'],
    ]);
  });

  test('a known file that looks like a template but does not parse is unreadable', () => {
    write('app/t.json', '{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}');
    write('app/tsconfig.json', '{"Resources": {"P": [}}');
    const r = cli('scan', 'app');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cdk-secure-iot: app\/tsconfig\.json:1: JSON syntax error/);
  });
});

describe('files without a template\'s extension are counted in one note per folder named', () => {
  test('evil.cfn, evil.txt and an extensionless file, here and below: one note on the folder, how to read one', () => {
    const policy = '{"Resources": {"OpenPolicy": {"Type": "AWS::IoT::Policy", "Properties": {"PolicyDocument": {"Version": "2012-10-17", '
      + '"Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}]}}}}}';
    write('app/t.json', '{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}');
    write('app/evil.cfn', policy);
    write('app/evil.txt', policy);
    write('app/sub/evil', policy);
    fs.symlinkSync(path.join(dir, 'app', 'evil.cfn'), path.join(dir, 'app', 'sub', 'link'));
    const r = cli('scan', 'app');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  note     app: skipped: 4 files without a template's extension (.json, .yaml, .yml, .template) were not read: name a file to scan it\n");
    expect(r.stdout.match(/without a template's extension/g)).toHaveLength(1);
    // Named, one is read.
    expect(cli('scan', path.join('app', 'evil.cfn')).code).toBe(1);
    write('one/t.json', '{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}');
    write('one/README', 'x');
    expect(expandInputs([path.join(dir, 'one')]).skipped).toEqual([
      { file: path.join(dir, 'one'), reason: "1 file without a template's extension (.json, .yaml, .yml, .template) was not read: name a file to scan it" },
    ]);
  });
});

describe('YAML complex keys', () => {
  test.each([['? {a: 1}', 'a mapping'], ['? [a, b]', 'a list']])('%s as a key is a named error with its line, never a TypeError or the text "a,b"', (key, what) => {
    const e = inputError(() => parseTemplateText('t.yaml', `Resources:\n  ${key}\n  : {Type: AWS::SNS::Topic}\n`));
    expect(e.line).toBe(2);
    expect(e.problem).toBe(`a mapping key that is ${what} (YAML's complex key, \`? ...\`): a template's keys are strings`);
  });

  test('in a folder, a file CloudFormation could not read either (its Resources key escaped, a complex key in it) is said with the reason, never an internal error', () => {
    write('scan/t.yaml', `"Reso\\u0075rces":\n  OpenPolicy:\n    Type: AWS::IoT::Policy\n    Metadata: {? {a: 1} : x}\n`);
    const r = cli('scan', 'scan');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("skipped: scan/t.yaml (not a CloudFormation template (a mapping key that is a mapping (YAML's complex key, `? ...`): a template's keys are strings))");
    expect(r.stderr).not.toMatch(/internal error|TypeError/);
  });
});
