import * as fs from 'fs';
import * as path from 'path';
import { POSTURE_REPORT_FILES } from '../lib';
import { PostureDocument } from '../lib/report/private/posture';
import { synthesizedAssembly } from './support/synthesized-apps';
import { reportedFindings } from './validation';

const ROOT = path.resolve(__dirname, '..');

/**
 * An example app's cloud assembly, synthesized as `cdk synth` does (a fresh process with its
 * cdk.json context, every validator on), once per `npm test` run for every test file that reads it
 * (test/support/synthesized-apps.ts). An example with its own cdk.json runs from its folder; the
 * others from the root, with the root's cdk.json.
 */
const synthExample = (name: string): string => synthesizedAssembly(name);

test('examples/minimal synthesizes with every validator active and no finding', () => {
  const out = synthExample('minimal');
  const template = JSON.parse(fs.readFileSync(path.join(out, 'MinimalSecureIot.template.json'), 'utf8'));
  const types = Object.values(template.Resources).map((r) => (r as { Type: string }).Type);
  expect(types).toContain('Custom::IotFleetIndexing');
  expect(fs.existsSync(path.join(out, 'validation-report.json'))).toBe(true);
  expect(reportedFindings(out)).toEqual([]);
});

test('its README gives the command that synthesizes it', () => {
  expect(fs.readFileSync(path.join(ROOT, 'examples', 'minimal', 'README.md'), 'utf8')).toContain('npx cdk synth');
});

/** What `cdk synth` wrote: the templates by stack name, the posture and the validators' findings. */
interface Synthesized {
  readonly templates: { [stack: string]: { Resources: { [id: string]: { Type: string; Properties?: any } }; Metadata?: any } };
  readonly posture: PostureDocument;
  readonly out: string;
}
const cache = new Map<string, Synthesized>();
/** Each example's assembly, read once per file. */
function synthesized(name: string): Synthesized {
  if (!cache.has(name)) cache.set(name, synthesizeOnce(name));
  return cache.get(name)!;
}
function synthesizeOnce(name: string): Synthesized {
  const out = synthExample(name);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  const templates: Synthesized['templates'] = {};
  for (const [id, artifact] of Object.entries(manifest.artifacts) as [string, any][]) {
    if (artifact.type === 'aws:cloudformation:stack') templates[id] = JSON.parse(fs.readFileSync(path.join(out, artifact.properties.templateFile), 'utf8'));
  }
  return { templates, posture: JSON.parse(fs.readFileSync(path.join(out, POSTURE_REPORT_FILES.json), 'utf8')), out };
}
const ofType = (t: Synthesized['templates'][string], type: string) => Object.values(t.Resources).filter((r) => r.Type === type);
const status = (doc: PostureDocument) => Object.fromEntries(doc.environments[0].practices.map((p) => [p.practice, p.status]));

describe.each([
  ['consumer-smart-bulb', 'CONSUMER', ['SmartBulbBaseline', 'SmartBulbFleet']],
  ['industrial-factory', 'INDUSTRIAL', ['FactoryBaseline', 'FactoryFleet']],
  ['water-treatment-ot', 'CRITICAL_INFRASTRUCTURE', ['WaterBaseline', 'WaterTreatmentPlant']],
])('examples/%s', (name, profile, stacks) => {
  let s: Synthesized;
  beforeAll(() => { s = synthesized(name); });

  test('synthesizes with every validator active and no unacknowledged finding, each stack under 500 resources', () => {
    expect(reportedFindings(s.out)).toEqual([]);
    expect(Object.keys(s.templates).sort()).toEqual([...stacks].sort());
    for (const t of Object.values(s.templates)) expect(Object.keys(t.Resources).length).toBeLessThan(500);
  });

  test('the posture report declares the profile and finds no required practice missing', () => {
    const [env] = s.posture.environments;
    expect(env.riskProfiles).toEqual([profile]);
    expect(env.missingRequired).toEqual([]);
    expect(Object.values(status(s.posture))).toEqual(Array(10).fill('met'));
  });

  test('its README gives the command that synthesizes it, the ATT&CK techniques and a dated monthly cost', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'examples', name, 'README.md'), 'utf8');
    expect(readme).toContain(`npx cdk synth --app 'npx ts-node --prefer-ts-exts --transpile-only examples/${name}/app.ts'`);
    expect(readme).toMatch(/T0?\d{3,4}/);
    expect(readme).toMatch(/per month/i);
    expect(readme).toMatch(/20\d\d-\d\d/);
  });
});

test('the smart bulbs: a zoned backend network with one NAT gateway, hour-long hub credentials, weekly audits, 30-day telemetry in DynamoDB', () => {
  const s = synthesized('consumer-smart-bulb');
  const fleet = s.templates.SmartBulbFleet;
  expect(ofType(fleet, 'AWS::EC2::VPC')).toHaveLength(1);
  expect(ofType(fleet, 'AWS::EC2::NatGateway')).toHaveLength(1);
  expect(ofType(fleet, 'AWS::EC2::VPCEndpoint').filter((e) => e.Properties.VpcEndpointType === 'Interface')).toHaveLength(0);
  expect(ofType(fleet, 'AWS::EC2::FlowLog').length).toBeGreaterThan(0);
  expect(ofType(fleet, 'AWS::IoT::RoleAlias')[0].Properties.CredentialDurationSeconds).toBe(3600);
  expect(ofType(s.templates.SmartBulbBaseline, 'AWS::IoT::ScheduledAudit')[0].Properties.Frequency).toBe('WEEKLY');
  expect(ofType(fleet, 'AWS::DynamoDB::Table').some((t) => t.Properties.TimeToLiveSpecification?.Enabled === true)).toBe(true);
});

test('the factories: a VPC with NAT, a Greengrass core per site, firmware released to the site groups at 100 a minute', () => {
  const s = synthesized('industrial-factory');
  const fleet = s.templates.FactoryFleet;
  expect(ofType(fleet, 'AWS::EC2::NatGateway').length).toBeGreaterThan(0);
  expect(ofType(fleet, 'AWS::IoT::RoleAlias')).toHaveLength(3);
  expect(ofType(fleet, 'AWS::IoT::ThingGroup').map((g) => g.Properties.ThingGroupName)).toEqual(expect.arrayContaining(['site-hamburg', 'site-lyon']));
  expect(ofType(fleet, 'AWS::IoT::JobTemplate')[0].Properties.JobExecutionsRolloutConfig.MaximumPerMinute).toBe(100);
  expect(status(s.posture)[1]).toBe('met');
});

test('the water plant: no internet route, TLS 1.3 only, 15-minute credentials, canary first at 10 a minute, aborted at 1 %', () => {
  const s = synthesized('water-treatment-ot');
  const plant = s.templates.WaterTreatmentPlant;
  expect(ofType(plant, 'AWS::EC2::NatGateway')).toHaveLength(0);
  expect(ofType(plant, 'AWS::EC2::InternetGateway')).toHaveLength(0);
  expect(ofType(plant, 'AWS::IoT::DomainConfiguration')[0].Properties.TlsConfig.SecurityPolicy).toBe('IoTSecurityPolicy_TLS13_1_3_2022_10');
  for (const alias of ofType(plant, 'AWS::IoT::RoleAlias')) expect(alias.Properties.CredentialDurationSeconds).toBe(900);
  const job = ofType(plant, 'AWS::IoT::JobTemplate')[0].Properties;
  expect(job.JobExecutionsRolloutConfig.MaximumPerMinute).toBe(10);
  expect(job.AbortConfig.CriteriaList).toEqual(expect.arrayContaining([expect.objectContaining({ FailureType: 'FAILED', ThresholdPercentage: 1 })]));
  expect(ofType(s.templates.WaterBaseline, 'AWS::IoT::Logging')[0].Properties.DefaultLogLevel).toBe('INFO');
});

describe('examples/multi-account', () => {
  let out: string;
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(out, file), 'utf8'));
  const resources = (t: any, type: string) => Object.values(t.Resources).filter((r: any) => r.Type === type) as any[];
  beforeAll(() => { out = synthExample('multi-account'); });

  test('synthesizes offline with every validator active and no unacknowledged finding, the baseline template and each fleet stage included', () => {
    expect(reportedFindings(out)).toEqual([]);
    expect(reportedFindings(path.join(out, 'stackset-iot-account-baseline'))).toEqual([]);
    for (const stage of ['assembly-Fleet-333333333333-eu-west-1', 'assembly-Fleet-444444444444-us-east-1']) {
      expect(fs.existsSync(path.join(out, stage))).toBe(true);
      expect(reportedFindings(path.join(out, stage))).toEqual([]);
    }
  });

  test('the baseline goes out as a service-managed StackSet to the OU, auto-deployed, from a template asset', () => {
    const [set] = resources(read('IotBaselineStackSet.template.json'), 'AWS::CloudFormation::StackSet');
    expect(set.Properties).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: true },
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: ['ou-abcd-11111111'] }, Regions: ['eu-west-1', 'us-east-1'] }],
      Capabilities: ['CAPABILITY_IAM'],
    });
    expect(JSON.stringify(set.Properties.TemplateURL)).toMatch(/cdk-hnb659fds-assets-111111111111-eu-west-1\/[0-9a-f]{64}\.json/);
    const baseline = read('stackset-iot-account-baseline/IotAccountBaseline.template.json');
    expect(resources(baseline, 'AWS::IoT::AccountAuditConfiguration')).toHaveLength(1);
    expect(resources(baseline, 'AWS::IoT::EncryptionConfiguration')).toHaveLength(1);
    expect(resources(baseline, 'Custom::IotFleetIndexing')).toHaveLength(1);
    // Member accounts are not bootstrapped for it: code from the organization's per-region bucket, no bootstrap version check.
    expect(resources(baseline, 'AWS::Lambda::Function')[0].Properties.Code.S3Bucket).toEqual({ 'Fn::Sub': 'iot-baseline-assets-111111111111-${AWS::Region}' });
    expect(baseline.Rules?.CheckBootstrapVersion).toBeUndefined();
  });

  test('the fleets go out through a CDK pipeline from a connection, one stage per account and region, each fleet pinned there', () => {
    const pipeline = read('IotFleetPipeline.template.json');
    const [cp] = resources(pipeline, 'AWS::CodePipeline::Pipeline');
    const source = cp.Properties.Stages[0].Actions[0];
    expect(source.ActionTypeId).toMatchObject({ Category: 'Source', Provider: 'CodeStarSourceConnection' });
    expect(source.Configuration).toMatchObject({
      ConnectionArn: 'arn:aws:codeconnections:eu-west-1:222222222222:connection/00000000-0000-0000-0000-000000000000',
      FullRepositoryId: 'example-org/iot-platform',
      BranchName: 'main',
    });
    const deployed = JSON.stringify(cp.Properties.Stages.find((s: any) => s.Name === 'Fleets'));
    expect(deployed).toContain('Fleet-333333333333-eu-west-1');
    expect(deployed).toContain('Fleet-444444444444-us-east-1');
    const fleet = read('assembly-Fleet-444444444444-us-east-1/Fleet444444444444useast1Fleet94087250.template.json');
    expect(resources(fleet, 'AWS::IoT::DomainConfiguration')).toHaveLength(1);
    expect(resources(fleet, 'AWS::CloudTrail::Trail')).toHaveLength(0);
    expect(fleet.Metadata['cdk-secure-iot']).toMatchObject({ riskProfile: 'INDUSTRIAL' });
    expect(Object.keys(fleet.Resources).length).toBeLessThan(500);
  });

  test('its README says how to synthesize it and which to use when', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'examples', 'multi-account', 'README.md'), 'utf8');
    expect(readme).toContain("npx cdk synth --app 'npx ts-node --prefer-ts-exts --transpile-only examples/multi-account/app.ts'");
    expect(readme).toMatch(/## Which to use when/);
  });
});
