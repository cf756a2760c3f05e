import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { freshFolder, removeFolder, runCli } from './scan-fixtures';

const FIXTURES = path.join(__dirname, 'fixtures');
const SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'iot-security-posture.schema.json'), 'utf8'));

let dir: string;
beforeEach(() => { dir = freshFolder('scan-posture-'); });
afterEach(() => removeFolder(dir));
const cli = (...argv: string[]) => runCli(argv);

function backupTemplate(): string {
  const file = path.join(dir, 'continuity.json');
  fs.writeFileSync(file, JSON.stringify({
    Metadata: { 'cdk-secure-iot': { riskProfile: 'backups', requiredPractices: [4, 10] } },
    Resources: {
      Vault: { Type: 'AWS::Backup::BackupVault', Properties: { BackupVaultName: 'v', EncryptionKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k' } },
      Plan: { Type: 'AWS::Backup::BackupPlan', Properties: { BackupPlan: { BackupPlanName: 'p', BackupPlanRule: [] } } },
      Selection: { Type: 'AWS::Backup::BackupSelection', Properties: { BackupPlanId: { Ref: 'Plan' }, BackupSelection: { SelectionName: 's', IamRoleArn: 'arn:aws:iam::111122223333:role/b' } } },
    },
  }));
  return file;
}

test('--report writes the posture report of plain templates, valid against the schema, beside the scan result', () => {
  const out = path.join(dir, 'posture');
  const r = cli('scan', path.join(FIXTURES, 'insecure.yaml'), '--report', out, '--fail-on', 'none');
  expect(r.code).toBe(0);
  expect(r.stderr).toBe(`cdk-secure-iot: posture report written to ${out}\n`);
  const doc = JSON.parse(fs.readFileSync(path.join(out, 'iot-security-posture.json'), 'utf8'));
  expect(new Ajv({ allErrors: true }).compile(SCHEMA)(doc)).toBe(true);
  expect(doc.stacks.map((s: { name: string }) => s.name)).toEqual([path.join(FIXTURES, 'insecure.yaml')]);
  expect(doc.findings.length).toBeGreaterThan(0);
  expect(fs.readFileSync(path.join(out, 'iot-security-posture.html'), 'utf8')).toMatch(/id="matrix"/);
  expect(fs.readFileSync(path.join(out, 'iot-security-posture.md'), 'utf8')).toMatch(/^# IoT security posture/);
});

test('a practice the template declares as required and lacks makes the scan exit 1, naming it; a partial one does not', () => {
  const r = cli('scan', backupTemplate(), '--report', path.join(dir, 'p'));
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/posture report written to .*; required practices missing: P4\n$/);
  const doc = JSON.parse(fs.readFileSync(path.join(dir, 'p', 'iot-security-posture.json'), 'utf8'));
  expect(doc.environments[0].practices[9].status).toBe('partial');
  expect(doc.environments[0].practices[9].lacking).toEqual(['restores are tested on a schedule']);
});

test('--profile requires its practices of templates that declare none; --fail-on none reports without failing', () => {
  const secure = path.join(FIXTURES, 'secure.json');
  const failing = cli('scan', secure, '--report', path.join(dir, 'a'), '--profile', 'consumer');
  expect(failing.code).toBe(1);
  expect(failing.stderr).toMatch(/required practices missing: P\d/);
  expect(cli('scan', secure, '--report', path.join(dir, 'b'), '--profile', 'consumer', '--fail-on', 'none').code).toBe(0);
  expect(cli('scan', secure, '--report', path.join(dir, 'c')).code).toBe(0);
});

test('bad input: --profile without --report, an unknown profile, a report folder that cannot be written', () => {
  expect(cli('scan', path.join(FIXTURES, 'secure.json'), '--profile', 'consumer')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^cdk-secure-iot: --profile goes with --report/) });
  expect(cli('scan', path.join(FIXTURES, 'secure.json'), '--report', dir, '--profile', 'bulb')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--profile must be one of consumer, industrial, critical-infrastructure, got 'bulb'/) });
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, '');
  expect(cli('scan', path.join(FIXTURES, 'secure.json'), '--report', path.join(file, 'sub'))).toMatchObject({ code: 2, stderr: expect.stringMatching(/cannot write the posture report/) });
});

test('--tag-keys makes INV2 require those tag keys of every IoT resource; by default none are required', () => {
  const file = path.join(dir, 'policy.json');
  fs.writeFileSync(file, JSON.stringify({
    Resources: {
      Group: { Type: 'AWS::IoT::ThingGroup', Properties: { ThingGroupName: 'g', Tags: [{ Key: 'owner', Value: 'plant-ops' }] } },
    },
  }));
  const plain = cli('scan', file, '--format', 'json');
  expect(JSON.parse(plain.stdout).findings.filter((f: { ruleId: string }) => f.ruleId === 'IoTSecurity-INV2')).toEqual([]);
  const tagged = cli('scan', file, '--format', 'json', '--tag-keys', 'criticality, owner', '--fail-on', 'none');
  expect(JSON.parse(tagged.stdout).findings.filter((f: { ruleId: string }) => f.ruleId === 'IoTSecurity-INV2').map((f: { findingId: string }) => f.findingId))
    .toEqual([expect.stringMatching(/^IoTSecurity-INV2\[MissingTags::criticality\]$/)]);
  expect(cli('scan', file, '--tag-keys', ' , ')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--tag-keys takes a comma-separated list of tag keys, got ' , '/) });
});
