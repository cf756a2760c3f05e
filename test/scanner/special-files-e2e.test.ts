/*
 * Hostile inputs that are not files, and cloud assemblies whose manifest is wrong, through the
 * command line as a real process: a FIFO or a device is never opened (reading one waits for a
 * writer or never ends), each is named, and every run ends with a documented exit code.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run, TS_NODE } from '../support/child-process';
import { jsonReportValidator, sarifValidator } from './schemas';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'lib', 'scanner', 'cli.ts');
const FIXTURES = path.join(__dirname, 'fixtures');
/** Long enough for ts-node and the rules to load, short enough that a read that hangs fails the test. */
const CLI_TIMEOUT_MS = 90_000;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cdkSecureIot(args: string[], cwd: string): Run {
  const r = run(process.execPath, [...TS_NODE, CLI, ...args], {
    cwd,
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), NODE_PATH: path.join(ROOT, 'node_modules') },
    timeoutMs: CLI_TIMEOUT_MS,
  });
  if (r.timedOut) throw new Error(`${r.command} was killed after ${CLI_TIMEOUT_MS} ms (a read that never ends?):\n${r.stdout}\n${r.stderr}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function mkfifo(file: string): void {
  const r = run('mkfifo', [file], { cwd: path.dirname(file), timeoutMs: 10_000 });
  if (r.status !== 0) throw new Error(`mkfifo ${file} failed: ${r.stderr}`);
}

function write(file: string, content: string | object): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
}

const OPEN_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };
const INSECURE_TEMPLATE = { Resources: { OpenPolicy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: OPEN_POLICY } } } };

let dir: string;
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-special-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a FIFO or a device named on the command line is refused by name, never read: exit 2', () => {
  beforeAll(() => {
    mkfifo(path.join(dir, 'pipe.json'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.yaml'));
    fs.copyFileSync(path.join(FIXTURES, 'insecure.yaml'), path.join(dir, 'insecure.yaml'));
  });

  test('as templates: each named on stderr, the template beside them still scanned', () => {
    const r = cdkSecureIot(['scan', 'pipe.json', 'zero.yaml', 'insecure.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('cdk-secure-iot: pipe.json: is a FIFO, not a file: not read\ncdk-secure-iot: zero.yaml: is a device, not a file: not read\n');
    expect(r.stdout).toContain('insecure.yaml\n  OpenPolicy (AWS::IoT::Policy) line 22\n');
    expect(r.stdout).toMatch(/2 files not read\n$/);
  });

  test.each([['a FIFO', 'pipe.json'], ['a device', 'zero.yaml']])('as --acknowledgments, %s', (kind, file) => {
    const r = cdkSecureIot(['scan', 'insecure.yaml', '--acknowledgments', file], dir);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `cdk-secure-iot: ${file}: is ${kind}, not a file: not read\n` });
  });
});

describe('a scanned folder lists FIFOs, devices, broken links and link loops as skipped, in every format', () => {
  const SKIPPED = [
    ['folder/a-loop', 'skipped: a symbolic link in a loop (it leads back to itself)'],
    ['folder/b-loop', 'skipped: a symbolic link in a loop (it leads back to itself)'],
    ['folder/broken.json', "skipped: a broken symbolic link (its target 'gone.json' does not exist)"],
    ['folder/pipe.yaml', 'skipped: a FIFO, not a file'],
    ['folder/zero.json', 'skipped: a symbolic link to a device, not a file'],
  ];
  beforeAll(() => {
    const folder = path.join(dir, 'folder');
    write(path.join(folder, 'insecure.json'), INSECURE_TEMPLATE);
    mkfifo(path.join(folder, 'pipe.yaml'));
    fs.symlinkSync('/dev/zero', path.join(folder, 'zero.json'));
    fs.symlinkSync('gone.json', path.join(folder, 'broken.json'));
    fs.symlinkSync('b-loop', path.join(folder, 'a-loop'));
    fs.symlinkSync('a-loop', path.join(folder, 'b-loop'));
  });

  test('text', () => {
    const r = cdkSecureIot(['scan', 'folder'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    for (const [file, message] of SKIPPED) expect(r.stdout).toContain(`  note     ${file}: ${message}\n`);
    expect(r.stdout).toContain('folder/insecure.json\n  OpenPolicy (AWS::IoT::Policy)');
  });

  test('json', () => {
    const r = cdkSecureIot(['scan', 'folder', '--format', 'json'], dir);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(jsonReportValidator()(report)).toBe(true);
    expect(report.notices.map((n: { file: string; message: string }) => [n.file, n.message])).toEqual(SKIPPED);
  });

  test('sarif', () => {
    const r = cdkSecureIot(['scan', 'folder', '--format', 'sarif'], dir);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(sarifValidator()(log)).toBe(true);
    expect(log.runs[0].invocations[0].toolExecutionNotifications.map((n: any) => [n.locations[0].physicalLocation.artifactLocation.uri, n.message.text]))
      .toEqual(SKIPPED);
  });
});

test('a folder holding only a FIFO: the error that replaces the report names what was skipped, exit 2', () => {
  fs.mkdirSync(path.join(dir, 'only-pipe'));
  mkfifo(path.join(dir, 'only-pipe', 'template.yaml'));
  const r = cdkSecureIot(['scan', 'only-pipe'], dir);
  expect(r).toEqual({
    code: 2,
    stdout: '',
    stderr: 'cdk-secure-iot: only-pipe: the folder holds no CloudFormation template (.json, .yaml, .yml or .template with a Resources section); '
      + 'skipped: only-pipe/template.yaml (a FIFO, not a file)\n',
  });
});

test('a cloud assembly with broken artifacts: each named with its manifest and artifact ID, the good stack still reported, exit 2', () => {
  const out = path.join(dir, 'cdk.out');
  const stack = (templateFile: unknown) => ({ type: 'aws:cloudformation:stack', properties: { templateFile } });
  const nested = (directoryName: unknown) => ({ type: 'cdk:cloud-assembly', properties: { directoryName } });
  write(path.join(out, 'cdk.out'), { version: '36.0.0' });
  write(path.join(out, 'manifest.json'), {
    version: '36.0.0',
    artifacts: {
      Good: stack('Good.template.json'),
      Piped: stack('Piped.template.json'),
      Zero: stack('Zero.template.json'),
      Numbered: stack(42),
      Nothing: null,
      Itself: nested('.'),
      Stage: nested('assembly-Stage'),
      Piped2: nested('assembly-Piped'),
    },
  });
  write(path.join(out, 'Good.template.json'), INSECURE_TEMPLATE);
  mkfifo(path.join(out, 'Piped.template.json'));
  fs.symlinkSync('/dev/zero', path.join(out, 'Zero.template.json'));
  write(path.join(out, 'assembly-Stage', 'manifest.json'), { version: '36.0.0', artifacts: { Back: nested('..'), Listed: { type: 'aws:cloudformation:stack', properties: { templateFile: 'S.template.json' }, metadata: { '/S': [null] } } } });
  write(path.join(out, 'assembly-Stage', 'S.template.json'), INSECURE_TEMPLATE);
  fs.mkdirSync(path.join(out, 'assembly-Piped'));
  mkfifo(path.join(out, 'assembly-Piped', 'manifest.json'));

  const r = cdkSecureIot(['scan', 'cdk.out'], dir);
  expect(r.code).toBe(2);
  expect(r.stderr.split('\n')).toEqual([
    'cdk-secure-iot: cdk.out/assembly-Piped/manifest.json: is a FIFO, not a file: not read',
    "cdk-secure-iot: cdk.out/assembly-Stage/manifest.json: artifact 'Back': the nested assembly '..' is cdk.out, which holds this assembly (a cycle): "
      + "a nested assembly is a folder of its own (a stage's assembly-<name> folder)",
    "cdk-secure-iot: cdk.out/assembly-Stage/manifest.json: artifact 'Listed': 'metadata' of '/S', entry 1, is null: an entry is a mapping { type, data }; "
      + 'the stack is scanned without those entries',
    "cdk-secure-iot: cdk.out/manifest.json: artifact 'Zero': 'properties.templateFile' 'Zero.template.json' leads outside the cloud assembly cdk.out (to /dev/zero): "
      + 'not read; an assembly names only files and folders inside its own folder',
    "cdk-secure-iot: cdk.out/manifest.json: artifact 'Numbered': 'properties.templateFile' must be the stack template's file name "
      + "(a string, relative to the manifest's folder), got the number 42",
    "cdk-secure-iot: cdk.out/manifest.json: artifact 'Nothing': is null: an artifact is a mapping with a 'type' "
      + "(aws:cloudformation:stack, cdk:cloud-assembly, ...) and 'properties'",
    "cdk-secure-iot: cdk.out/manifest.json: artifact 'Itself': the nested assembly '.' is this assembly itself: "
      + "a nested assembly is a folder of its own (a stage's assembly-<name> folder)",
    'cdk-secure-iot: cdk.out/Piped.template.json: is a FIFO, not a file: not read',
    '',
  ]);
  expect(r.stdout).toContain('cdk.out/Good.template.json\n  OpenPolicy (AWS::IoT::Policy)');
  expect(r.stdout).toContain('cdk.out/assembly-Stage/S.template.json\n  OpenPolicy (AWS::IoT::Policy)');
  expect(r.stdout + r.stderr).not.toMatch(/could not complete the scan|\n\s+at /);
});

describe('a manifest.json cannot hide what a scanned folder holds', () => {
  test('an assembly that lists no stack, met in a folder walk, is an error naming its manifest (exit 2), not a folder passed over', () => {
    const root = path.join(dir, 'hidden');
    write(path.join(root, 'ok.json'), { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } });
    // 17 bytes that made the folder an assembly with nothing in it, and hid the policy below.
    write(path.join(root, 'infra', 'manifest.json'), '{"artifacts":{}}');
    write(path.join(root, 'infra', 'deep', 'bad.json'), INSECURE_TEMPLATE);
    const r = cdkSecureIot(['scan', 'hidden'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path.join('hidden', 'infra', 'manifest.json')}: the cloud assembly lists no stack template`);
  });

  test('a template beside an assembly\'s manifest that the manifest does not name is said, in text and JSON', () => {
    const asm = path.join(dir, 'planted', 'cdk.out');
    write(path.join(asm, 'cdk.out'), '{"version":"55.0.0"}');
    write(path.join(asm, 'manifest.json'), { version: '55.0.0', artifacts: { Ok: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Ok.template.json' } } } });
    write(path.join(asm, 'Ok.template.json'), { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } });
    write(path.join(asm, 'Evil.template.json'), INSECURE_TEMPLATE);
    for (const target of ['planted', path.join('planted', 'cdk.out')]) {
      const text = cdkSecureIot(['scan', target], dir);
      expect(`${text.stdout}${text.stderr}`).toContain(`Evil.template.json`);
      expect(`${text.stdout}${text.stderr}`).toContain('the cloud assembly\'s manifest does not name');
      const json = cdkSecureIot(['scan', target, '--format', 'json'], dir);
      expect(json.stdout).toContain('Evil.template.json');
    }
  });
});
