import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as iot from 'aws-cdk-lib/aws-iot';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import Ajv from 'ajv';
import { Construct } from 'constructs';
import { Practice, RiskProfile, SecurityPostureReport, POSTURE_REPORT_FILES } from '../../lib';
import { PostureDocument } from '../../lib/report/private/posture';

const SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'iot-security-posture.schema.json'), 'utf8'));
const validateSchema = new Ajv({ allErrors: true }).compile(SCHEMA);

function newApp(): App {
  return new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'posture-')) });
}

interface Synth {
  readonly doc: PostureDocument;
  readonly outdir: string;
  readonly failures: { ruleName: string; description: string; suggestedFix?: string }[];
}

/** Synthesizes with the report as the only plugin; returns the posture and the report's violations. */
function synth(app: App, report: SecurityPostureReport): Synth {
  Validations.of(app).addPlugins(report);
  const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    app.synth();
  } catch (e) {
    if (!/ValidationFailed|Validation failed/.test(String(e))) throw e;
  } finally {
    quiet.mockRestore();
  }
  const validation = JSON.parse(fs.readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8'));
  const failures = validation.pluginReports.filter((p: any) => p.pluginName === 'SecurityPostureReport').flatMap((p: any) => p.violations);
  const doc = JSON.parse(fs.readFileSync(path.join(app.outdir, POSTURE_REPORT_FILES.json), 'utf8'));
  return { doc, outdir: app.outdir, failures };
}

const status = (doc: PostureDocument, practice: number, stack?: string) =>
  (stack ? doc.stacks.find((s) => s.name === stack)! : doc.environments[0]).practices.find((p) => p.practice === practice)!.status;

/** The resources of practice 10, as plain CloudFormation. */
function backupTemplate(withRestoreTesting: boolean): object {
  return {
    Resources: {
      Key: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true, KeyPolicy: {} } },
      Vault: { Type: 'AWS::Backup::BackupVault', Properties: { BackupVaultName: 'v', EncryptionKeyArn: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
      Plan: { Type: 'AWS::Backup::BackupPlan', Properties: { BackupPlan: { BackupPlanName: 'p', BackupPlanRule: [{ RuleName: 'daily', TargetBackupVault: { Ref: 'Vault' } }] } } },
      Selection: { Type: 'AWS::Backup::BackupSelection', Properties: { BackupPlanId: { Ref: 'Plan' }, BackupSelection: { SelectionName: 's', IamRoleArn: 'arn:aws:iam::111122223333:role/backup', Resources: ['*'] } } },
      ...(withRestoreTesting ? {
        RestoreTest: { Type: 'AWS::Backup::RestoreTestingPlan', Properties: { RestoreTestingPlanName: 'rt', ScheduleExpression: 'cron(0 5 ? * SUN *)', RecoveryPointSelection: { Algorithm: 'LATEST_WITHIN_WINDOW', IncludeVaults: ['*'], RecoveryPointTypes: ['SNAPSHOT'] } } },
      } : {}),
    },
  };
}

function includeTemplate(stack: Stack, template: object): void {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tpl-')), 'template.json');
  fs.writeFileSync(file, JSON.stringify(template));
  new CfnInclude(stack, 'Included', { templateFile: file });
}

describe('files', () => {
  test('writes the JSON (valid against the shipped schema), Markdown and HTML into the cloud assembly folder', () => {
    const app = newApp();
    new Stack(app, 'Empty').templateOptions.description = 'nothing';
    const { doc, outdir } = synth(app, new SecurityPostureReport(app));
    expect(validateSchema(doc)).toBe(true);
    expect(fs.readFileSync(path.join(outdir, POSTURE_REPORT_FILES.markdown), 'utf8')).toMatch(/^# IoT security posture/);
    const html = fs.readFileSync(path.join(outdir, POSTURE_REPORT_FILES.html), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/https?:\/\/|<script|<link /);
  });

  test('the schema rejects a document that breaks it', () => {
    const app = newApp();
    new Stack(app, 'S');
    const { doc } = synth(app, new SecurityPostureReport(app));
    expect(validateSchema({ ...doc, stacks: [{ ...doc.stacks[0], practices: doc.stacks[0].practices.slice(1) }] })).toBe(false);
    expect(validateSchema({ ...doc, schemaVersion: '2.0' })).toBe(false);
  });
});

describe('practices judged from the templates', () => {
  test('a stack with nothing and no profile: every practice missing, nothing required, the synth passes', () => {
    const app = newApp();
    new Stack(app, 'Bare');
    const { doc, failures } = synth(app, new SecurityPostureReport(app));
    expect(doc.stacks[0].practices.map((p) => p.status)).toEqual(Array(10).fill('missing'));
    expect(doc.stacks[0].riskProfile).toBeNull();
    expect(failures).toEqual([]);
    expect(doc.summary.failed).toBe(false);
  });

  test('plain CloudFormation brought in with CfnInclude counts: backups with restore testing meet practice 10', () => {
    const app = newApp();
    includeTemplate(new Stack(app, 'Continuity'), backupTemplate(true));
    const { doc } = synth(app, new SecurityPostureReport(app));
    const p10 = doc.stacks[0].practices.find((p) => p.practice === 10)!;
    expect(p10.status).toBe('met');
    expect(p10.checks.flatMap((c) => c.evidence)).toEqual(expect.arrayContaining(['Vault', 'Plan', 'Selection', 'RestoreTest']));
  });

  test('without restore testing practice 10 is partial and says what is lacking', () => {
    const app = newApp();
    includeTemplate(new Stack(app, 'Continuity'), backupTemplate(false));
    const { doc } = synth(app, new SecurityPostureReport(app));
    const p10 = doc.stacks[0].practices.find((p) => p.practice === 10)!;
    expect(p10.status).toBe('partial');
    expect(p10.lacking).toEqual(['restores are tested on a schedule']);
  });

  test('a vault without a customer key does not count as the encrypted vault', () => {
    const app = newApp();
    const stack = new Stack(app, 'S');
    new backup.CfnBackupVault(stack, 'Vault', { backupVaultName: 'v' });
    const { doc } = synth(app, new SecurityPostureReport(app));
    expect(doc.stacks[0].practices.find((p) => p.practice === 10)!.checks[0]).toEqual({ check: 'a backup vault encrypted with a customer key', holds: false, evidence: [] });
  });

  test('a domain configuration meets the TLS check only with a 2022-10 policy', () => {
    for (const [policy, holds] of [['IoTSecurityPolicy_TLS13_1_3_2022_10', true], ['IoTSecurityPolicy_TLS12_1_0_2015_01', false]] as const) {
      const app = newApp();
      const stack = new Stack(app, 'S');
      new iot.CfnDomainConfiguration(stack, 'Endpoint', { domainConfigurationName: 'd', serviceType: 'DATA', tlsConfig: { securityPolicy: policy } });
      const { doc } = synth(app, new SecurityPostureReport(app));
      expect(doc.stacks[0].practices.find((p) => p.practice === 6)!.checks[0].holds).toBe(holds);
    }
  });

  test('an unacknowledged finding of the rule pack keeps a practice from being met', () => {
    const app = newApp();
    const stack = new Stack(app, 'S');
    new iot.CfnRoleAlias(stack, 'Alias', { roleArn: 'arn:aws:iam::111122223333:role/r', credentialDurationSeconds: 43200 });
    const { doc } = synth(app, new SecurityPostureReport(app));
    const p7 = doc.stacks[0].practices.find((p) => p.practice === 7)!;
    expect(p7.status).not.toBe('met');
    expect(doc.findings.some((f) => f.practice === 7 && f.stack === 'S')).toBe(true);
  });
});

describe('required practices', () => {
  test('a profile that requires practices fails the synth for each missing one, naming the practice and what provides it', () => {
    const app = newApp();
    new Stack(app, 'Fleet');
    const { failures, doc } = synth(app, new SecurityPostureReport(app, { riskProfile: RiskProfile.INDUSTRIAL }));
    // Practice 1 is partial, not missing: a profile is declared for the stack (by the report's default).
    expect(status(doc, 1)).toBe('partial');
    expect(failures.map((f) => f.ruleName)).toEqual(Array.from({ length: 9 }, (_, i) => `MissingPractice-${i + 2}`));
    const p8 = failures.find((f) => f.ruleName === 'MissingPractice-8')!;
    expect(p8.description).toMatch(/^Practice 8 \(Audit and monitoring\) is required by the profile of Fleet \(INDUSTRIAL\) in aws:\/\/unknown-account\/unknown-region, and no stack there holds it: Device Defender audit is configured; /);
    expect(p8.suggestedFix).toMatch(/^Add FleetAuditing and FleetMonitoring to a stack of this environment/);
    expect(doc.summary.failed).toBe(true);
  });

  test('a custom profile that leaves practices out requires only the others', () => {
    const app = newApp();
    includeTemplate(new Stack(app, 'Continuity'), backupTemplate(true));
    const profile = RiskProfile.custom({ name: 'backups-only', requiredPractices: [Practice.BUSINESS_CONTINUITY] });
    const { failures, doc } = synth(app, new SecurityPostureReport(app, { riskProfile: profile }));
    expect(failures).toEqual([]);
    expect(doc.environments[0].requiredPractices).toEqual([10]);
  });

  test('a profile declared on a stack is enforced for it even without a report default', () => {
    const app = newApp();
    const stack = new Stack(app, 'Fleet');
    SecurityPostureReport.declareProfile(stack, RiskProfile.custom({ name: 'p', requiredPractices: [Practice.SECURE_UPDATES] }));
    const { failures } = synth(app, new SecurityPostureReport(app));
    expect(failures.map((f) => f.ruleName)).toEqual(['MissingPractice-4']);
  });

  test('an account-wide setting in a baseline stack counts for a fleet stack of the same environment, not of another', () => {
    const env = { account: '111122223333', region: 'eu-west-1' };
    const app = newApp();
    includeTemplate(new Stack(app, 'Baseline', { env }), backupTemplate(true));
    const fleet = new Stack(app, 'Fleet', { env });
    const other = new Stack(app, 'Elsewhere', { env: { ...env, region: 'us-east-1' } });
    const needsBackups = RiskProfile.custom({ name: 'p', requiredPractices: [Practice.BUSINESS_CONTINUITY] });
    SecurityPostureReport.declareProfile(fleet, needsBackups);
    SecurityPostureReport.declareProfile(other, needsBackups);
    const { failures, doc } = synth(app, new SecurityPostureReport(app));
    expect(status(doc, 10, 'Fleet')).toBe('missing');
    expect(doc.environments.find((e) => e.environment === 'aws://111122223333/eu-west-1')!.practices[9].status).toBe('met');
    expect(failures.map((f) => [f.ruleName, f.description.includes('Elsewhere (p) in aws://111122223333/us-east-1')])).toEqual([['MissingPractice-10', true]]);
  });

  test('failOnMissingPractice: false reports without failing', () => {
    const app = newApp();
    new Stack(app, 'Fleet');
    const { failures, doc } = synth(app, new SecurityPostureReport(app, { riskProfile: RiskProfile.CONSUMER, failOnMissingPractice: false }));
    expect(failures).toEqual([]);
    expect(doc.summary.failed).toBe(true);
  });
});

describe('what the report records', () => {
  test('every acknowledgment with its reason, in the form it was given', () => {
    const app = newApp();
    const stack = new Stack(app, 'S');
    const alias = new iot.CfnRoleAlias(stack, 'Alias', { roleArn: 'arn:aws:iam::111122223333:role/r', credentialDurationSeconds: 43200 });
    Validations.of(alias).acknowledge({ id: 'IoTSecurity-GW2', reason: 'Field gateways on satellite links renew once every 12 hours (ticket NET-7).' });
    const { doc } = synth(app, new SecurityPostureReport(app));
    expect(doc.acknowledgments).toEqual([{ id: 'IoTSecurity-GW2', path: 'S/Alias', reason: 'Field gateways on satellite links renew once every 12 hours (ticket NET-7).' }]);
  });

  test('parts switched off, with the reason, as gaps of their practice', () => {
    const app = newApp();
    const stack = new Stack(app, 'S');
    SecurityPostureReport.recordDisabledPart(stack, Practice.SECURE_UPDATES, 'SignedFirmwarePipeline', 'Devices are read-only sensors with no update path.');
    const { doc } = synth(app, new SecurityPostureReport(app));
    expect(doc.stacks[0].disabledParts).toEqual([{ practice: 4, part: 'SignedFirmwarePipeline', reason: 'Devices are read-only sensors with no update path.' }]);
    expect(doc.stacks[0].practices[3].lacking).toContain('SignedFirmwarePipeline switched off: Devices are read-only sensors with no update path.');
  });

  test('zones and flows recorded on a resource are drawn as a graph', () => {
    const app = newApp();
    const stack = new Stack(app, 'Net');
    const vpc = new iot.CfnThingGroup(stack, 'Marker', { thingGroupName: 'g' });
    vpc.cfnOptions.metadata = { 'cdk-secure-iot:segmentation': { zones: ['edge', 'processing'], flows: [{ from: 'edge', to: 'processing', port: 'tcp/8883' }] } };
    const { doc, outdir } = synth(app, new SecurityPostureReport(app));
    expect(doc.zones).toEqual([{ stack: 'Net', resource: 'Marker', zones: ['edge', 'processing'], flows: [{ from: 'edge', to: 'processing', port: 'tcp/8883' }] }]);
    const html = fs.readFileSync(path.join(outdir, POSTURE_REPORT_FILES.html), 'utf8');
    expect(html).toMatch(/<svg class="zones"[^>]*aria-label="Zones of Net/);
    expect(html).toContain('edge to processing on tcp/8883');
  });

  test('ATT&CK coverage follows the practices met', () => {
    const app = newApp();
    includeTemplate(new Stack(app, 'Continuity'), backupTemplate(true));
    const { doc } = synth(app, new SecurityPostureReport(app));
    expect(doc.environments[0].attack.covered).toEqual(expect.arrayContaining(['T1485', 'T1486', 'T1490', 'T0809']));
    expect(doc.environments[0].attack.notCovered).toEqual(expect.arrayContaining(['T1078', 'T1557']));
  });
});

describe('bad input', () => {
  test('a scope outside an app', () => {
    expect(() => new SecurityPostureReport(new Construct(undefined as never, 'Root'))).toThrow(/SecurityPostureReport: scope must be a CDK App or Stage, or a construct in one \(pass the app\), got 'Root', which is in no App or Stage/);
    expect(() => new SecurityPostureReport(undefined as never)).toThrow(/scope must be a CDK App or Stage, or a construct in one \(pass the app\), got undefined/);
  });

  test('a second report for one App is an error, not a TypeError; each Stage may have its own', () => {
    const app = newApp();
    new SecurityPostureReport(app);
    expect(() => new SecurityPostureReport(app)).toThrow("SecurityPostureReport: '<app>' already has a posture report (one per App or Stage writes its files)");
    const a = new Stage(app, 'Prod');
    const b = new Stage(app, 'Test');
    new Stack(a, 'Fleet');
    new Stack(b, 'Fleet');
    const reports = [new SecurityPostureReport(a), new SecurityPostureReport(b)];
    app.synth();
    expect(reports.map((r) => r.posture?.stacks.map((s) => s.path))).toEqual([['Prod/Fleet'], ['Test/Fleet']]);
    expect(fs.existsSync(path.join(a.outdir, POSTURE_REPORT_FILES.json))).toBe(true);
  });

  test('a risk profile that is not a RiskProfile', () => {
    expect(() => new SecurityPostureReport(newApp(), { riskProfile: 'INDUSTRIAL' as never })).toThrow('SecurityPostureReport: riskProfile must be a RiskProfile, got "INDUSTRIAL"');
  });

  test('a part switched off without a reason', () => {
    const stack = new Stack(newApp(), 'S');
    expect(() => SecurityPostureReport.recordDisabledPart(stack, Practice.SECURE_UPDATES, 'SignedFirmwarePipeline', ''))
      .toThrow('S: switching off SignedFirmwarePipeline needs a reason of at least 10 characters a reviewer can check, got ""');
  });
});

describe('judged across the stacks of an environment', () => {
  /** A bucket and, unless left out, its policy denying plain HTTP, as plain CloudFormation. */
  const bucketTemplate = (withPolicy: boolean) => ({
    Resources: {
      Bucket: { Type: 'AWS::S3::Bucket', Properties: {} },
      ...(withPolicy ? {
        Policy: {
          Type: 'AWS::S3::BucketPolicy',
          Properties: {
            Bucket: { Ref: 'Bucket' },
            PolicyDocument: { Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] },
          },
        },
      } : {}),
    },
  });

  test('each bucket\'s TLS-only policy counts where stack IDs qualify the resources, and only for the bucket of its own stack', () => {
    const app = newApp();
    includeTemplate(new Stack(app, 'A'), bucketTemplate(true));
    includeTemplate(new Stack(app, 'B'), bucketTemplate(true));
    const env = synth(app, new SecurityPostureReport(app)).doc.environments[0].practices.find((p) => p.practice === 6)!;
    expect(env.checks.find((c) => c.check === 'every bucket refuses requests without TLS')).toMatchObject({ holds: true, evidence: ['A/Bucket', 'B/Bucket'] });

    const other = newApp();
    includeTemplate(new Stack(other, 'A'), bucketTemplate(true));
    includeTemplate(new Stack(other, 'B'), bucketTemplate(false));
    const partial = synth(other, new SecurityPostureReport(other)).doc.environments[0].practices.find((p) => p.practice === 6)!;
    expect(partial.checks.find((c) => c.check === 'every bucket refuses requests without TLS')).toMatchObject({ holds: false, evidence: ['A/Bucket'] });
  });

  test('the Signer profile SignedFirmwarePipeline makes through its custom resource counts as signing', () => {
    const app = newApp();
    includeTemplate(new Stack(app, 'A'), { Resources: { Profile: { Type: 'Custom::FirmwareSigningProfile', Properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:f' } } } });
    const practice = synth(app, new SecurityPostureReport(app)).doc.stacks[0].practices.find((p) => p.practice === 4)!;
    expect(practice.checks.find((c) => c.check === 'artifacts are signed (AWS Signer profile)')).toMatchObject({ holds: true, evidence: ['Profile'] });
  });
});
