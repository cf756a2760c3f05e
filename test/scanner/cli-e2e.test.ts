/*
 * The command line as a real process: what `npx cdk-secure-iot scan` runs, from the TypeScript
 * source through ts-node with SWC (TS_NODE; the package's `bin` is the same file compiled, see the
 * last test).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { run, TS_NODE } from '../support/child-process';
import { jsonReportValidator, sarifValidator } from './schemas';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'lib', 'scanner', 'cli.ts');
const FIXTURES = path.join(__dirname, 'fixtures');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The longest one CLI run may take before it is killed. */
const CLI_TIMEOUT_MS = 110_000;

function cdkSecureIot(args: string[], cwd: string): Run {
  const r = run(process.execPath, [...TS_NODE, CLI, ...args], {
    cwd,
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), NODE_PATH: path.join(ROOT, 'node_modules') },
    timeoutMs: CLI_TIMEOUT_MS,
  });
  if (r.timedOut) throw new Error(`${r.command} was killed after ${CLI_TIMEOUT_MS} ms:\n${r.stdout}\n${r.stderr}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-e2e-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a YAML template with short tags: text findings on stdout, exit 1', () => {
  fs.copyFileSync(path.join(FIXTURES, 'insecure.yaml'), path.join(dir, 'insecure.yaml'));
  const r = cdkSecureIot(['scan', 'insecure.yaml'], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('insecure.yaml\n  OpenPolicy (AWS::IoT::Policy) line 22\n    error        IoTSecurity-ID1[Action::iot:*]');
  expect(r.stdout).toContain('  TelemetryRule (AWS::IoT::TopicRule) line 48\n    warning      IoTSecurity-DAT1');
});

test('a folder of secure templates: exit 0', () => {
  const folder = path.join(dir, 'templates');
  fs.mkdirSync(path.join(folder, 'nested'), { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, 'secure.json'), path.join(folder, 'nested', 'secure.json'));
  fs.writeFileSync(path.join(folder, 'README.md'), '# not a template');
  const r = cdkSecureIot(['scan', folder, '--fail-on', 'warning'], dir);
  expect(r).toEqual({ code: 0, stdout: expect.stringContaining('0 errors, 0 warnings, 0 acknowledged'), stderr: '' });
});

test('a cdk.out synthesized from a CDK app: valid SARIF written with --output, exit 1', () => {
  const outdir = path.join(dir, 'cdk.out');
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  new iot.CfnPolicy(new Stack(app, 'Fleet'), 'DevicePolicy', {
    policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] },
  });
  app.synth();
  const r = cdkSecureIot(['scan', 'cdk.out', '--format', 'sarif', '--output', 'scan.sarif'], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/^cdk-secure-iot: \d+ errors?, \d+ warnings?, 0 acknowledged; sarif report written to scan\.sarif\n$/);
  const log = JSON.parse(fs.readFileSync(path.join(dir, 'scan.sarif'), 'utf8'));
  expect(sarifValidator()(log)).toBe(true);
  expect(log.runs[0].results.find((res: any) => res.ruleId === 'IoTSecurity-ID1').locations[0]).toMatchObject({
    physicalLocation: { artifactLocation: { uri: 'cdk.out/Fleet.template.json', uriBaseId: '%SRCROOT%' }, region: { startLine: 3 } },
    logicalLocations: [{ name: 'DevicePolicy' }],
  });
});

test('a SAM template as JSON with --fail-on warning: exit 1 on warnings alone', () => {
  const r = cdkSecureIot(['scan', path.join(FIXTURES, 'sam.yaml'), '--format', 'json', '--fail-on', 'warning'], dir);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout).summary).toEqual({ templates: 1, resources: 4, errors: 0, warnings: 1, acknowledged: 0, notAnalyzed: 1, duplicateKeys: 0, unreadable: 0 });
});

test('a reader that stops early (| head) gets no stack trace', () => {
  const script = `"${process.execPath}" ${TS_NODE.map((a) => `"${a}"`).join(' ')} "${CLI}" scan "${path.join(FIXTURES, 'insecure.yaml')}" --format sarif | head -c 20 >/dev/null`;
  const r = run('sh', ['-c', script], { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') }, timeoutMs: CLI_TIMEOUT_MS });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});

test.each([
  ['a missing file', ['scan', 'absent.yaml'], 'cdk-secure-iot: absent.yaml: no such file or folder\n'],
  ['an unknown flag', ['scan', 'x.yaml', '--strict'], "cdk-secure-iot: Unknown option '--strict'"],
])('bad input, %s: the message on stderr, exit 2, no stack trace', (_name, args, message) => {
  const r = cdkSecureIot(args, dir);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.startsWith(message)).toBe(true);
  expect(r.stderr).not.toMatch(/\n\s+at /);
});

describe('a repository folder with a file that cannot be read: the rest scanned, the file reported in every format, exit 2', () => {
  let repo: string;
  beforeAll(() => {
    repo = path.join(dir, 'repo');
    fs.mkdirSync(repo);
    fs.copyFileSync(path.join(FIXTURES, 'insecure.yaml'), path.join(repo, 'insecure.yaml'));
    fs.writeFileSync(path.join(repo, 'broken.yaml'), 'Resources:\n  R:\n  Type: [a\n   b: c\n');
    let bomb = 'Resources:\n  R:\n    Type: AWS::SNS::Topic\n    Metadata:\n      l0: &l0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n';
    for (let i = 1; i < 9; i++) bomb += `      l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]\n`;
    fs.writeFileSync(path.join(repo, 'bomb.yaml'), bomb);
    fs.writeFileSync(path.join(repo, 'blob.template'), Buffer.from([0x7b, 0x00, 0x1b, 0x5b, 0x32, 0x4a]));
    fs.writeFileSync(path.join(repo, 'package.json'), '{ "name": "x" }');
  });
  const STDERR = 'cdk-secure-iot: repo/bomb.yaml:13: YAML aliases expand the file past the 500,000 values a scan reads (*l7 alone stands for 48,427,561): '
    + 'an alias bomb, read no further; raise --max-alias-expansion to read it\n'
    + 'cdk-secure-iot: repo/broken.yaml:3: YAML syntax error: ';

  test('text', () => {
    const r = cdkSecureIot(['scan', 'repo'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith(STDERR)).toBe(true);
    expect(r.stderr.split('\n')).toHaveLength(3);
    expect(r.stdout).toContain('repo/insecure.yaml\n  OpenPolicy (AWS::IoT::Policy) line 22\n');
    expect(r.stdout).toContain('  note     repo/blob.template: skipped: is a binary file (it holds NUL bytes), not a template\n');
    expect(r.stdout).toContain('\nCould not be read, in whole or in part:\n  repo/bomb.yaml:13: YAML aliases expand');
    expect(r.stdout).toMatch(/3 errors, 1 warning, 0 acknowledged, 2 files not read\n$/);
    expect(r.stdout + r.stderr).not.toMatch(/[\u0000\u001b]/);
  });

  test('json', () => {
    const r = cdkSecureIot(['scan', 'repo', '--format', 'json'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith(STDERR)).toBe(true);
    const report = JSON.parse(r.stdout);
    expect(jsonReportValidator()(report)).toBe(true);
    expect(report.summary).toMatchObject({ templates: 1, errors: 3, unreadable: 2 });
    expect(report.unreadable.map((u: { file: string; line: number }) => [u.file, u.line])).toEqual([['repo/bomb.yaml', 13], ['repo/broken.yaml', 3]]);
  });

  test('sarif, written with --output', () => {
    const r = cdkSecureIot(['scan', 'repo', '--format', 'sarif', '--output', 'repo.sarif'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('cdk-secure-iot: 3 errors, 1 warning, 0 acknowledged, 2 files not read; sarif report written to repo.sarif\n');
    expect(r.stderr.startsWith(STDERR)).toBe(true);
    const log = JSON.parse(fs.readFileSync(path.join(dir, 'repo.sarif'), 'utf8'));
    expect(sarifValidator()(log)).toBe(true);
    const notifications = log.runs[0].invocations[0].toolExecutionNotifications.filter((n: { level: string }) => n.level === 'error');
    expect(notifications.map((n: any) => [n.locations[0].physicalLocation.artifactLocation.uri, n.locations[0].physicalLocation.region.startLine]))
      .toEqual([['repo/bomb.yaml', 13], ['repo/broken.yaml', 3]]);
    expect(log.runs[0].results.length).toBe(4);
  });
});

test('the package bin is this file, compiled: shebang first, at the path tsconfig.build.json writes it', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const build = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8'));
  expect(pkg.bin).toEqual({ 'cdk-secure-iot': 'dist/lib/scanner/cli.js' });
  expect(path.join(build.compilerOptions.outDir, path.relative(path.join(ROOT, build.compilerOptions.rootDir), CLI)).replace(/\.ts$/, '.js'))
    .toBe(path.normalize(pkg.bin['cdk-secure-iot']));
  expect(build.include).toContain('lib/**/*.ts');
  expect(fs.readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  expect(pkg.files).toContain('dist/lib/**/*.js');
});

describe('templates with keys and types CloudFormation refuses, and YAML flow style (issue 26), through the real command line', () => {
  const policy = { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] } } };
  const POLICY = JSON.stringify(policy);
  let folder: string;
  beforeAll(() => {
    folder = path.join(dir, 'hostile');
    fs.mkdirSync(folder);
    const put = (name: string, text: string) => fs.writeFileSync(path.join(folder, name), text);
    put('proto.json', `{\n  "Resources": {\n    "__proto__": ${POLICY},\n    "Beside": ${POLICY}\n  }\n}\n`);
    put('proto.yaml', `Resources:\n  __proto__: ${POLICY}\n`);
    put('ids.json', JSON.stringify({ Resources: { 'my-id!': policy, '': policy, 'constructor': policy } }, null, 2));
    put('param-type.json', JSON.stringify({ Parameters: { Stage: { Type: 5 } }, Resources: { Open: policy } }));
    put('properties.json', JSON.stringify({ Resources: { T: { Type: 'AWS::SNS::Topic', Properties: 'none' }, Open: policy } }));
    put('flow.yaml', "{Resources: {Flow: {Type: 'AWS::IoT::Policy', Properties: {PolicyDocument: {Statement: [{Effect: Allow, Action: 'iot:*', Resource: '*'}]}}}}}\n");
  });

  test('each refused key or type is one named line (file and line), exit 2, and every open policy is still reported', () => {
    const r = cdkSecureIot(['scan', 'hostile', '--format', 'json'], dir);
    expect(r.code).toBe(2);
    const refused = (file: string, line: number, id: string) => `cdk-secure-iot: ${path.join('hostile', file)}:${line}: logical ID '${id}' is not alphanumeric: `
      + 'CloudFormation refuses it (logical IDs are A-Za-z0-9); the resource and the rest of the template were scanned all the same';
    expect(r.stderr.split('\n').filter(Boolean).sort()).toEqual([
      refused('ids.json', 18, ''),
      refused('ids.json', 3, 'my-id!'),
      `cdk-secure-iot: ${path.join('hostile', 'param-type.json')}: the parameter 'Stage' has a Type that is a number, not a string: `
        + 'CloudFormation refuses it (left out of the scan; the rest of the template was scanned)',
      `cdk-secure-iot: ${path.join('hostile', 'properties.json')}:1: the resource 'T' has a Properties that is a string, not a mapping: `
        + 'CloudFormation refuses it (left out of the scan; the rest of the template was scanned)',
      refused('proto.json', 3, '__proto__'),
      refused('proto.yaml', 2, '__proto__'),
    ].sort());
    expect(r.stderr).not.toMatch(/TypeError|is not a function|Construct|could not be scanned|JSON syntax error/);
    const report = JSON.parse(r.stdout);
    const open = report.findings.filter((f: { findingId: string }) => f.findingId === 'IoTSecurity-ID1[Action::iot:*]')
      .map((f: { file: string; resource: string }) => `${path.basename(f.file)} ${f.resource}`);
    expect(open.sort()).toEqual([
      'flow.yaml Flow', 'ids.json ', 'ids.json constructor', 'ids.json my-id!', 'param-type.json Open',
      'properties.json Open', 'proto.json Beside', 'proto.json __proto__', 'proto.yaml __proto__',
    ].sort());
  });

  test('text: a refused logical ID is shown quoted and escaped, never as raw bytes', () => {
    fs.writeFileSync(path.join(folder, 'escape.json'), JSON.stringify({ Resources: { 'a\u001b[2Jb': policy } }));
    try {
      const r = cdkSecureIot(['scan', path.join('hostile', 'escape.json')], dir);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain("\n  'a\\u001b[2Jb' (AWS::IoT::Policy) line 1\n    error        IoTSecurity-ID1[Action::iot:*]");
      expect(r.stdout + r.stderr).not.toMatch(/\u001b/);
    } finally {
      fs.rmSync(path.join(folder, 'escape.json'));
    }
  });

  test('a YAML flow-style template that starts with `{` is read as YAML: its findings, exit 1', () => {
    const r = cdkSecureIot(['scan', path.join('hostile', 'flow.yaml')], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('  Flow (AWS::IoT::Policy) line 1\n    error        IoTSecurity-ID1[Action::iot:*]');
  });
});
