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

  test('a YAML syntax error names file and line', () => {
    const file = path.join(dir, 't.yaml');
    fs.writeFileSync(file, 'Resources:\n  R:\n    Type: X\n    Properties: "a" b\n');
    expectBadInput(cli('scan', file), `cdk-secure-iot: ${file}:4: YAML syntax error: Unexpected scalar at node end\n`);
  });

  test('a JSON syntax error names file and line', () => {
    const file = path.join(dir, 't.json');
    fs.writeFileSync(file, '{\n  "Resources": {\n    "R": { "Type": "X" }\n  ,}\n}\n');
    expectBadInput(cli('scan', file), `cdk-secure-iot: ${file}:4: JSON syntax error`);
  });

  test('not CloudFormation', () => {
    const file = path.join(dir, 'package.json');
    fs.writeFileSync(file, '{ "name": "x" }');
    expectBadInput(cli('scan', file), `cdk-secure-iot: ${file}: is not a CloudFormation template: it has no Resources section\n`);
  });

  test('a bad acknowledgments file', () => {
    const acks = path.join(dir, 'acks.json');
    fs.writeFileSync(acks, '[{ "id": "ID1" }]');
    expectBadInput(cli('scan', SECURE, '--acknowledgments', acks), `cdk-secure-iot: ${acks}: acknowledgment 1: 'resource' must be a non-empty string`);
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
