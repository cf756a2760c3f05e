/*
 * The inputs of the scanner's size benchmark (bench/scan-inputs.ts) are what its table says they
 * are: templates of the size asked whose copied resources refer to their own copy, hostile files
 * at the scanner's default limits that a scan accepts (and one step past them, refuses), an
 * assembly and an acknowledgments file the scan reads and applies; and the probe reports memory.
 * Small sizes only: figures belong in `npm run bench`, not in a pass/fail test.
 */
import * as fs from 'fs';
import * as path from 'path';
import { scanTemplates } from '../../lib';
import { DEFAULT_SCAN_LIMITS } from '../../lib/scanner/private/limits';
import {
  acknowledgmentsText, aliasYaml, cloudAssembly, longScalarTemplate, nestedTemplate, Template, templateFolder, templateOfSize, yamlScalarAtLimit,
} from '../../bench/scan-inputs';
import { runOk } from '../support/child-process';
import { runFolder } from '../support/run-folder';

const ROOT = path.resolve(__dirname, '..', '..');
const OPEN = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };
const BASE: Template = {
  Parameters: { Stage: { Type: 'String', Default: 'lab' } },
  Resources: {
    DevicePolicy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: OPEN } },
    RuleRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }] } } },
    Telemetry: {
      Type: 'AWS::IoT::TopicRule',
      DependsOn: 'RuleRole',
      Properties: {
        TopicRulePayload: {
          Sql: "SELECT * FROM 'dt/+/telemetry'",
          Actions: [{ Republish: { Topic: 'out', RoleArn: { 'Fn::GetAtt': ['RuleRole', 'Arn'] } } }],
          Description: { 'Fn::Sub': 'republished by ${RuleRole.Arn} in ${Stage}' },
        },
      },
    },
    Alias: { Type: 'AWS::IoT::RoleAlias', Properties: { RoleArn: { 'Fn::GetAtt': 'RuleRole.Arn' }, RoleAlias: { Ref: 'Stage' } } },
  },
};

let dir: string;
beforeAll(() => { dir = fs.mkdtempSync(path.join(runFolder(), 'bench-inputs-')); });

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The logical IDs a template's Ref, Fn::GetAtt, Fn::Sub and DependsOn name. */
function referenced(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => referenced(v, out));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' || key === 'DependsOn') out.push(v as string);
      else if (key === 'Fn::GetAtt') out.push(Array.isArray(v) ? v[0] : (v as string).split('.')[0]);
      else if (key === 'Fn::Sub') out.push(...[...(v as string).matchAll(/\$\{([A-Za-z0-9]+)/g)].map((m) => m[1]));
      else referenced(v, out);
    }
  }
  return out;
}

test.each(['json', 'yaml'] as const)('a %s template of a given size: at most the size, within a resource of it, every reference in its own copy', (format) => {
  const { text, resources } = templateOfSize(BASE, 20_000, format);
  const bytes = Buffer.byteLength(text);
  expect(bytes).toBeLessThanOrEqual(20_000);
  expect(Buffer.byteLength(templateOfSize(BASE, 20_000 + 1000, format).text)).toBeGreaterThan(bytes);
  const result = scanTemplates([write(`sized.${format}`, text)]);
  expect(result.unreadable).toEqual([]);
  const template = format === 'json' ? JSON.parse(text) : undefined;
  expect(result.templates[0].resources).toBe(resources);
  expect(resources).toBeGreaterThan(40);
  if (template) {
    for (const id of referenced(template.Resources)) expect(id === 'Stage' || id in template.Resources).toBe(true);
    expect(template.Resources.TelemetryC3.DependsOn).toBe('RuleRoleC3');
    expect(template.Resources.TelemetryC3.Properties.TopicRulePayload.Description['Fn::Sub']).toBe('republished by ${RuleRoleC3.Arn} in ${Stage}');
  }
  // Every copy's open policy is found.
  expect(result.findings.filter((f) => f.ruleId === 'IoTSecurity-ID1').map((f) => f.resource)).toContain('DevicePolicyC3');
});

test('the hostile files at the default limits are read; one step past, refused by name', () => {
  const limits = DEFAULT_SCAN_LIMITS;
  const aliases = aliasYaml(limits.maxAliasExpansion);
  expect(aliases.values).toBeLessThanOrEqual(limits.maxAliasExpansion);
  expect(aliases.values).toBeGreaterThan(0.9 * limits.maxAliasExpansion);
  const atLimits = [
    write('aliases.yaml', aliases.text),
    write('nested.yaml', nestedTemplate(limits.maxNestingDepth, 'yaml')),
    write('nested.json', nestedTemplate(limits.maxNestingDepth, 'json')),
    write('scalar.json', longScalarTemplate(limits.maxScalarLength, 'json')),
    write('scalar.yaml', longScalarTemplate(yamlScalarAtLimit(limits), 'yaml')),
  ];
  const read = scanTemplates(atLimits);
  expect(read.unreadable).toEqual([]);
  expect(read.templates).toHaveLength(atLimits.length);

  const past = scanTemplates([
    write('aliases-past.yaml', aliasYaml(Math.ceil(limits.maxAliasExpansion * 1.1)).text),
    write('nested-past.yaml', nestedTemplate(limits.maxNestingDepth + 1, 'yaml')),
    write('nested-past.json', nestedTemplate(limits.maxNestingDepth + 1, 'json')),
  ]);
  expect(past.unreadable.map((u) => [path.basename(u.file), u.reason])).toEqual([
    ['aliases-past.yaml', expect.stringMatching(/^YAML aliases expand the file past .*500,000 values/)],
    ['nested-past.json', expect.stringMatching(/^nests deeper than .*200 levels/)],
    ['nested-past.yaml', expect.stringMatching(/^nests deeper than .*200 levels/)],
  ]);
});

test('a folder, a cloud assembly with its acknowledgments, and an acknowledgments file: each read whole and applied', () => {
  expect(templateFolder(BASE, path.join(dir, 'repo'), 120, 3)).toBeGreaterThan(0);
  const folder = scanTemplates([path.join(dir, 'repo')]);
  expect(folder.unreadable).toEqual([]);
  expect(folder.templates).toHaveLength(120);
  expect(folder.templates.every((t) => t.resources === 3)).toBe(true);

  const asm = cloudAssembly(BASE, path.join(dir, 'cdk.out'), 3);
  expect(asm.resources).toBe(12);
  const assembly = scanTemplates([path.join(dir, 'cdk.out')]);
  expect(assembly.unreadable).toEqual([]);
  expect(assembly.templates).toHaveLength(3);
  // The first resource of each stack (DevicePolicy) is acknowledged INV1 in the manifest.
  expect(assembly.findings.filter((f) => f.acknowledged).map((f) => `${path.basename(f.file)} ${f.resource} ${f.ruleId}`).sort())
    .toEqual(['Fleet0.template.json DevicePolicyC0 IoTSecurity-INV1', 'Fleet1.template.json DevicePolicyC1 IoTSecurity-INV1', 'Fleet2.template.json DevicePolicyC2 IoTSecurity-INV1']);

  const acks = write('acks.json', acknowledgmentsText(BASE, 500));
  expect(JSON.parse(fs.readFileSync(acks, 'utf8'))).toHaveLength(500);
  const withAcks = scanTemplates([write('base.json', JSON.stringify(BASE))], { acknowledgmentsFile: acks });
  expect(withAcks.findings.filter((f) => f.ruleId === 'IoTSecurity-INV1').every((f) => f.acknowledged)).toBe(true);
  // The entries for other templates are each said to match no finding.
  expect(withAcks.notices.filter((n) => /matched no finding/.test(n.message)).length).toBeGreaterThan(490);
});

test('the probe writes the peak memory and CPU time of the process it is preloaded into', () => {
  const probeFile = path.join(dir, 'probe.json');
  runOk(process.execPath, ['-r', path.join(ROOT, 'bench', 'scan-probe.js'), '-e', 'process.exit(3 - 3)'], {
    cwd: dir, env: { ...process.env, BENCH_PROBE_FILE: probeFile }, timeoutMs: 30_000,
  });
  const probe = JSON.parse(fs.readFileSync(probeFile, 'utf8'));
  expect(probe.maxRssKb).toBeGreaterThan(10 * 1024);
  expect(probe.cpuMs).toBeGreaterThan(0);
});
