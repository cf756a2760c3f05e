import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ALL_RULES } from '../../lib';
import { main, USAGE } from '../../lib/scanner/cli';
import { jsonReportValidator, sarifValidator } from './schemas';

const FIXTURES = path.join(__dirname, 'fixtures');
const INSECURE = path.join(FIXTURES, 'insecure.yaml');
const SECURE = path.join(FIXTURES, 'secure.json');
const SAM = path.join(FIXTURES, 'sam.yaml');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(...argv: string[]): Run {
  let stdout = '';
  let stderr = '';
  const code = main(argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-cli-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('exit codes and --fail-on', () => {
  test('findings of level error: exit 1 by default', () => {
    const r = cli('scan', INSECURE);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
  });

  test('a clean template: exit 0', () => {
    expect(cli('scan', SECURE)).toMatchObject({ code: 0, stderr: '' });
  });

  test('warnings only (SAM: DAT1 and an API not analyzed) pass at error, fail at warning, pass at none', () => {
    expect(cli('scan', SAM).code).toBe(0);
    expect(cli('scan', SAM, '--fail-on', 'error').code).toBe(0);
    expect(cli('scan', SAM, '--fail-on', 'warning').code).toBe(1);
    expect(cli('scan', INSECURE, '--fail-on', 'none').code).toBe(0);
  });

  test('acknowledged findings do not fail the scan, and are reported with their reason', () => {
    const acks = path.join(dir, 'acks.json');
    fs.writeFileSync(acks, JSON.stringify([
      { id: 'IoTSecurity-ID1', resource: 'OpenPolicy', reason: 'lab' },
      { id: 'IoTSecurity-ID2', resource: 'OpenPolicy', reason: 'lab' },
      { id: 'IoTSecurity-ID2', resource: 'ParameterPolicy', reason: 'the stage parameter is never *' },
    ]));
    const r = cli('scan', INSECURE, '--acknowledgments', acks);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('acknowledged IoTSecurity-ID2[Resource::arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topic/*]');
    expect(r.stdout).toContain('Reason (acknowledgments file): the stage parameter is never *');
    expect(r.stdout).toContain('0 errors, 1 warning, 3 acknowledged');
    expect(cli('scan', INSECURE, '--acknowledgments', acks, '--fail-on', 'warning').code).toBe(1);
  });
});

describe('--format', () => {
  test('text (the default): grouped by template and resource, with rule, severity, line and fix', () => {
    const r = cli('scan', INSECURE);
    expect(r.stdout).toBe(cli('scan', INSECURE, '--format', 'text').stdout);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('cdk-secure-iot scan: 1 template, 4 resources');
    expect(lines).toContain(INSECURE);
    expect(lines).toContain('  OpenPolicy (AWS::IoT::Policy) line 22');
    expect(lines).toContain('    error        IoTSecurity-ID1[Action::iot:*]');
    expect(lines).toContain('                 The IoT policy allows a wildcard action or uses NotAction.');
    expect(lines.some((l) => /^ {17}Fix: List the exact actions/.test(l))).toBe(true);
    expect(lines).toContain('  TelemetryRule (AWS::IoT::TopicRule) line 48');
    expect(lines).toContain('    warning      IoTSecurity-DAT1');
    expect(r.stdout.endsWith('\n3 errors, 1 warning, 0 acknowledged\n')).toBe(true);
  });

  test('text: notices of what was not analyzed', () => {
    expect(cli('scan', SAM).stdout).toContain(`Notices:\n  warning  ${SAM} DeviceApi: DeviceApi (AWS::Serverless::Api) was not analyzed`);
  });

  test('json: the documented shape, valid against the shipped schema', () => {
    const r = cli('scan', INSECURE, SAM, '--format', 'json');
    const report = JSON.parse(r.stdout);
    const validate = jsonReportValidator();
    expect(validate.errors ?? validate(report)).toBe(true);
    expect(report).toMatchObject({
      schemaVersion: 1,
      tool: { name: 'cdk-secure-iot', version: JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')).version },
      summary: { templates: 2, resources: 8, errors: 3, warnings: 2, acknowledged: 0, notAnalyzed: 1 },
      templates: [{ file: INSECURE, resources: 4, sam: false }, { file: SAM, resources: 4, sam: true }],
      notices: [{ severity: 'warning', file: SAM, resource: 'DeviceApi' }],
    });
    expect(Object.keys(report.findings[0]).sort()).toEqual([
      'acknowledged', 'explanation', 'file', 'findingId', 'fix', 'line', 'message', 'resource', 'resourceType', 'ruleId', 'severity',
    ]);
  });

  test('json: the schema rejects what is not the shape', () => {
    const validate = jsonReportValidator();
    const report = JSON.parse(cli('scan', INSECURE, '--format', 'json').stdout);
    expect(validate({ ...report, summary: { ...report.summary, errors: -1 } })).toBe(false);
    expect(validate({ ...report, findings: [{ ...report.findings[0], severity: 'fatal' }] })).toBe(false);
  });

  test('sarif: valid SARIF 2.1.0, one rule per rule ID with help and fix, results with file, line and logical ID', () => {
    const acks = path.join(dir, 'acks.yaml');
    fs.writeFileSync(acks, '- { id: "IoTSecurity-ID1[Action::iot:*]", resource: OpenPolicy, reason: lab only }\n');
    const cwd = process.cwd();
    const r = cli('scan', INSECURE, SAM, '--format', 'sarif', '--acknowledgments', acks);
    const log = JSON.parse(r.stdout);
    const validate = sarifValidator();
    expect(validate(log) || validate.errors).toBe(true);
    // The validator does reject what is not SARIF 2.1.0.
    expect(validate({ ...log, version: '2.0.0' })).toBe(false);
    expect(validate({ ...log, runs: [{ ...log.runs[0], results: [{ ...log.runs[0].results[0], level: 'fatal' }] }] })).toBe(false);

    const run = log.runs[0];
    expect(log.version).toBe('2.1.0');
    expect(run.tool.driver.name).toBe('cdk-secure-iot');
    expect(run.tool.driver.rules.map((rule: { id: string }) => rule.id)).toEqual(ALL_RULES.map((rule) => `IoTSecurity-${rule.metadata.id}`));
    const id1Rule = run.tool.driver.rules.find((rule: { id: string }) => rule.id === 'IoTSecurity-ID1');
    expect(id1Rule).toMatchObject({
      shortDescription: { text: 'The IoT policy allows a wildcard action or uses NotAction.' },
      help: { text: expect.stringContaining('Fix: List the exact actions') },
      defaultConfiguration: { level: 'error' },
      // The rest of the rule's metadata rides along as properties.
      properties: expect.objectContaining({ tags: ['security', 'iot'], practice: ALL_RULES.find((rule) => rule.metadata.id === 'ID1')!.metadata.practice }),
    });

    const relative = path.relative(cwd, INSECURE).split(path.sep).join('/');
    const id1 = run.results.find((res: any) => res.properties.findingId === 'IoTSecurity-ID1[Action::iot:*]');
    expect(id1).toMatchObject({
      ruleId: 'IoTSecurity-ID1',
      ruleIndex: ALL_RULES.findIndex((rule) => rule.metadata.id === 'ID1'),
      level: 'error',
      locations: [{
        physicalLocation: { artifactLocation: { uri: relative, uriBaseId: '%SRCROOT%' }, region: { startLine: 22 } },
        logicalLocations: [{ name: 'OpenPolicy', kind: 'resource' }],
      }],
      suppressions: [{ kind: 'external', status: 'accepted', justification: 'lab only (acknowledgments file)' }],
    });
    expect(run.results.find((res: any) => res.ruleId === 'IoTSecurity-DAT1' && res.properties.resource === 'IngestFunctionTelemetry'))
      .toMatchObject({ level: 'warning', locations: [{ physicalLocation: { region: { startLine: 11 } } }] });
    expect(run.invocations[0].toolExecutionNotifications).toEqual([expect.objectContaining({ level: 'warning', message: { text: expect.stringContaining('DeviceApi') } })]);
    expect(run.originalUriBaseIds['%SRCROOT%'].uri).toMatch(/^file:\/\/.*\/$/);
  });

  test('sarif: a suppression written in the template is in source', () => {
    const file = path.join(dir, 't.json');
    fs.writeFileSync(file, JSON.stringify({
      Resources: {
        P: {
          Type: 'AWS::IoT::Policy',
          Metadata: { cdk_nag: { rules_to_suppress: [{ id: 'IoTSecurity-ID1', reason: 'lab' }] } },
          Properties: { PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] } },
        },
      },
    }));
    const log = JSON.parse(cli('scan', file, '--format', 'sarif').stdout);
    expect(sarifValidator()(log)).toBe(true);
    expect(log.runs[0].results.find((res: any) => res.ruleId === 'IoTSecurity-ID1').suppressions)
      .toEqual([{ kind: 'inSource', status: 'accepted', justification: 'lab (cdk_nag metadata)' }]);
  });

  test('sarif: a file outside the working folder is an absolute file URI, and still valid', () => {
    const file = path.join(dir, 'outside.json');
    fs.writeFileSync(file, fs.readFileSync(INSECURE, 'utf8'));
    const log = JSON.parse(cli('scan', file, '--format', 'sarif').stdout);
    expect(sarifValidator()(log)).toBe(true);
    expect(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation).toEqual({ uri: `file://${file}` });
  });

  describe('a folder with an unreadable file and a key written twice, in every format', () => {
    let folder: string;
    let bad: string;
    let dupes: string;
    beforeEach(() => {
      folder = path.join(dir, 'repo');
      fs.mkdirSync(folder);
      bad = path.join(folder, 'bad.template');
      fs.writeFileSync(bad, 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  R: [\n');
      dupes = path.join(folder, 'dupes.json');
      fs.writeFileSync(dupes, '{\n "Mappings": {"M": {"k": {"v": 1},\n "k": {"v": 2}}},\n "Resources": {"T": {"Type": "AWS::SNS::Topic"}}\n}\n');
      fs.writeFileSync(path.join(folder, 'package.json'), '{ "name": "x" }');
    });

    test('text: the notices with their lines, the unreadable file with its reason, exit 2', () => {
      const r = cli('scan', folder);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain(`  warning  ${dupes}:3: the key 'k' is written twice in 'Mappings.M' (lines 2 and 3): read as CloudFormation reads it, the last one wins\n`);
      expect(r.stdout).toContain(`  note     ${path.join(folder, 'package.json')}: skipped: not a CloudFormation template (an npm package file)\n`);
      expect(r.stdout).toMatch(new RegExp(`\nCould not be read, in whole or in part:\n  ${bad}:\\d+: YAML syntax error: `));
      expect(r.stdout.endsWith('0 errors, 0 warnings, 0 acknowledged, 1 duplicate key, 1 file not read\n')).toBe(true);
    });

    test('json: unreadable files and counts, valid against the shipped schema', () => {
      const report = JSON.parse(cli('scan', folder, '--format', 'json').stdout);
      const validate = jsonReportValidator();
      expect(validate(report) || validate.errors).toBe(true);
      expect(report.summary).toEqual({ templates: 1, resources: 1, errors: 0, warnings: 0, acknowledged: 0, notAnalyzed: 0, duplicateKeys: 1, unreadable: 1 });
      expect(report.unreadable).toEqual([{ file: bad, line: expect.any(Number), reason: expect.stringMatching(/^YAML syntax error: /) }]);
      expect(report.notices).toContainEqual({ severity: 'warning', file: dupes, line: 3, key: 'k', path: 'Mappings.M', message: expect.stringContaining('the last one wins') });
      expect(validate({ ...report, unreadable: [{ file: bad }] })).toBe(false);
    });

    test('sarif: each as a tool execution notification with its file, line and descriptor; valid SARIF 2.1.0', () => {
      const log = JSON.parse(cli('scan', folder, '--format', 'sarif').stdout);
      const validate = sarifValidator();
      expect(validate(log) || validate.errors).toBe(true);
      const run = log.runs[0];
      expect(run.tool.driver.notifications.map((n: { id: string }) => n.id)).toEqual(['unreadable-file', 'duplicate-key']);
      expect(run.invocations[0].executionSuccessful).toBe(false);
      const notifications = run.invocations[0].toolExecutionNotifications;
      expect(notifications).toContainEqual({
        descriptor: { id: 'unreadable-file', index: 0 },
        level: 'error',
        message: { text: expect.stringMatching(/^could not be read, in whole or in part: YAML syntax error: /) },
        locations: [{ physicalLocation: { artifactLocation: { uri: `file://${bad}` }, region: { startLine: expect.any(Number) } } }],
      });
      expect(notifications).toContainEqual(expect.objectContaining({
        descriptor: { id: 'duplicate-key', index: 1 }, level: 'warning',
        locations: [{ physicalLocation: { artifactLocation: { uri: `file://${dupes}` }, region: { startLine: 3 } } }],
      }));
    });
  });

  test('--output writes the report to a file and a summary to stdout', () => {
    const out = path.join(dir, 'report.sarif');
    const r = cli('scan', INSECURE, '--format', 'sarif', '--output', out);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`cdk-secure-iot: 3 errors, 1 warning, 0 acknowledged; sarif report written to ${out}\n`);
    expect(r.stderr).toBe('');
    expect(sarifValidator()(JSON.parse(fs.readFileSync(out, 'utf8')))).toBe(true);
  });
});

describe('bad input: one message on stderr, exit 2, never a stack trace', () => {
  const expectBadInput = (r: Run, message: string) => {
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };

  test('a missing file', () => {
    const missing = path.join(dir, 'absent.yaml');
    expectBadInput(cli('scan', missing), `cdk-secure-iot: ${missing}: no such file or folder\n`);
  });

  /** A file that cannot be read: its line on stderr, the report (with it) on stdout, exit 2. */
  const expectUnreadable = (r: Run, line: string) => {
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`cdk-secure-iot: ${line}\n`);
    expect(r.stdout).toContain(`Could not be read, in whole or in part:\n  ${line}\n`);
    expect(r.stdout.endsWith(', 1 file not read\n')).toBe(true);
  };

  test('a YAML syntax error names file and line', () => {
    const file = path.join(dir, 't.yaml');
    fs.writeFileSync(file, 'Resources:\n  R:\n    Type: X\n    Properties: "a" b\n');
    expectUnreadable(cli('scan', file), `${file}:4: YAML syntax error: Unexpected scalar at node end`);
  });

  test('a JSON syntax error names file and line', () => {
    const file = path.join(dir, 't.json');
    // Neither JSON nor YAML flow style (a mapping's key with no value after its colon and a second colon).
    fs.writeFileSync(file, '{\n  "Resources": {\n    "R": { "Type": "X" }\n  ,: :}\n}\n');
    expectUnreadable(cli('scan', file), `${file}:4: JSON syntax error: Expected double-quoted property name; read as YAML (flow style) instead, YAML syntax error: Unexpected : in flow map`);
  });

  test('a file named on the command line that is not CloudFormation', () => {
    const file = path.join(dir, 'package.json');
    fs.writeFileSync(file, '{ "name": "x" }');
    expectUnreadable(cli('scan', file), `${file}: is not a CloudFormation template: it has no Resources section`);
  });

  test('binary input: one line naming the file, none of its bytes', () => {
    const file = path.join(dir, 't.yaml');
    fs.writeFileSync(file, Buffer.from([0x52, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0x07]));
    const r = cli('scan', file);
    expectUnreadable(r, `${file}: is a binary file (it holds NUL bytes), not a template`);
    expect(r.stdout + r.stderr).not.toMatch(/[\u0000\u0007\u001b]/);
  });

  test('an unreadable file beside findings: exit 2 whatever --fail-on, the findings still reported', () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'Resources: &r\n  R: *r\n');
    for (const failOn of ['error', 'none']) {
      const r = cli('scan', INSECURE, bad, '--fail-on', failOn);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain('IoTSecurity-ID1[Action::iot:*]');
      expect(r.stdout.endsWith('3 errors, 1 warning, 0 acknowledged, 1 file not read\n')).toBe(true);
      expect(r.stderr).toBe(`cdk-secure-iot: ${bad}:2: the alias *r refers to a node that contains it (a self-referencing alias): it has no value\n`);
    }
  });

  test('a bad acknowledgments file', () => {
    const acks = path.join(dir, 'acks.json');
    fs.writeFileSync(acks, '[{ "id": "ID1" }]');
    expectBadInput(cli('scan', SECURE, '--acknowledgments', acks), `cdk-secure-iot: ${acks}: acknowledgment 1: 'resource' must be a non-empty string`);
  });

  test('an internal error outside any one file: a bug report line naming the inputs, no text of the error but its class', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { TemplateScanner } = require('../../lib/scanner/template-scanner');
    const spy = jest.spyOn(TemplateScanner.prototype, '_scanRead').mockImplementationOnce(() => {
      throw new RangeError('Maximum call stack size exceeded \u001b[2J secret');
    });
    try {
      expectBadInput(cli('scan', SECURE, '--format', 'json'), `cdk-secure-iot: could not complete the scan of ${SECURE}: an internal error (RangeError). `
        + 'This is a bug in cdk-secure-iot, not in the input: please report it with the inputs attached\n');
    } finally {
      spy.mockRestore();
    }
  });

  test('an output file that cannot be written', () => {
    const out = path.join(dir, 'no', 'such', 'folder', 'r.json');
    expectBadInput(cli('scan', SECURE, '--output', out), `cdk-secure-iot: ${out}: cannot write the report (ENOENT)\n`);
  });

  test.each([
    [['scan', SECURE, '--severity', 'high'], "Unknown option '--severity'"],
    [['scan', SECURE, '--format', 'xml'], "--format must be one of text, json, sarif, got 'xml'"],
    [['scan', SECURE, '--fail-on', 'info'], "--fail-on must be one of error, warning, none, got 'info'"],
    [['scan', SECURE, '--format'], "Option '--format <value>' argument missing"],
    [['scan'], 'name at least one template file, cdk.out or folder to scan'],
    [[], 'missing command'],
    [['lint', SECURE], "unknown command 'lint'"],
  ])('usage error %j: the message and the usage', (argv, message) => {
    const r = cli(...argv);
    expectBadInput(r, message);
    expect(r.stderr.endsWith(USAGE)).toBe(true);
  });
});

describe('help and version', () => {
  test('--help prints the usage on stdout, exit 0', () => {
    expect(cli('--help')).toEqual({ code: 0, stdout: USAGE, stderr: '' });
    expect(cli('scan', '-h')).toEqual({ code: 0, stdout: USAGE, stderr: '' });
  });

  test('--version prints the package version', () => {
    const version = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')).version;
    expect(cli('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});
