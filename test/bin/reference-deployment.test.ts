import { Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as fs from 'fs';
import * as path from 'path';
import { buildReferenceDeployment, ReferenceDeployment } from '../../bin/reference-stacks';
import { POSTURE_REPORT_FILES, SecurityPostureReport } from '../../lib';
import { Finding, newValidatedApp, validationFindings } from '../validation';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));
const entry = fs.readFileSync(path.join(__dirname, '..', '..', 'bin', 'reference-deployment.ts'), 'utf8');

// Synthesized once, as `npx cdk synth` does: every validator and the posture report.
let deployment: ReferenceDeployment;
let findings: Finding[];
let report: SecurityPostureReport;
let outdir: string;
beforeAll(() => {
  const app = newValidatedApp({ context: cdkJson.context });
  deployment = buildReferenceDeployment(app);
  report = new SecurityPostureReport(app);
  Validations.of(app).addPlugins(report);
  findings = validationFindings(app);
  outdir = app.outdir;
});
/** A stack's template as the synth wrote it (Template.fromStack would synthesize again). */
const template = (s: Stack) => Template.fromJSON(JSON.parse(fs.readFileSync(path.join(outdir, s.templateFile), 'utf8')));
const all = (type: string) => deployment.stacks.map(template).flatMap((t) => Object.values(t.findResources(type)));

test('cdk.json runs the reference deployment with the CloudFormation validator turning findings into errors, and the entry registers every validator and the report', () => {
  expect(cdkJson.app).toContain('bin/reference-deployment.ts');
  expect(cdkJson.context['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
  expect(Object.keys(cdkJson.context).length).toBeGreaterThan(50);
  expect(entry).toMatch(/addPlugins\(\s*new IotSecurityChecks\(app, [^)]*\), new AwsSolutionsChecks\(app\), new SecurityPostureReport\(app\),\s*\)/);
});

test('the reference deployment synthesizes with no unacknowledged finding from any validator, the posture report included', () => {
  expect(findings).toEqual([]);
});

test('the posture report is written and all ten practices are met in the environment of the baseline and the factory', () => {
  for (const file of Object.values(POSTURE_REPORT_FILES)) expect(fs.existsSync(path.join(outdir, file))).toBe(true);
  const doc = report.posture!;
  const [env] = doc.environments;
  expect(env.stacks).toEqual(['SecureIotBaseline', 'SecureIotFactory']);
  expect(env.riskProfiles).toEqual(['INDUSTRIAL']);
  expect(env.missingRequired).toEqual([]);
  expect(doc.summary.failed).toBe(false);
  const status = Object.fromEntries(env.practices.map((p) => [p.practice, p.status]));
  for (const practice of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) expect([practice, status[practice]]).toEqual([practice, 'met']);
});

test('two stacks: the baseline and the factory, each under 500 resources', () => {
  expect(deployment.stacks.map((s) => s.stackName)).toEqual(['SecureIotBaseline', 'SecureIotFactory']);
  for (const s of deployment.stacks) expect(Object.keys(template(s).toJSON().Resources).length).toBeLessThan(500);
  expect(deployment.factory.riskProfile.name).toBe('INDUSTRIAL');
});

test('stacks are environment-agnostic unless an account and region are given', () => {
  expect(deployment.stacks.every((s) => s.environment === 'aws://unknown-account/unknown-region')).toBe(true);
  const pinned = buildReferenceDeployment(newValidatedApp({ context: cdkJson.context }), { account: '111122223333', region: 'eu-west-1' });
  expect(pinned.stacks.map((s) => s.environment)).toEqual(pinned.stacks.map(() => 'aws://111122223333/eu-west-1'));
});

test('every resource carries the inventory tags of practice 2 where it can be tagged', () => {
  template(deployment.baselineStack).hasResourceProperties('AWS::KMS::Key', {
    Tags: [{ Key: 'criticality', Value: 'high' }, { Key: 'data-class', Value: 'confidential' }, { Key: 'owner', Value: 'iot-platform' }],
  });
  for (const r of Object.values(template(deployment.factoryStack).findResources('AWS::IoT::RoleAlias'))) {
    expect(r.Properties.Tags).toEqual([{ Key: 'criticality', Value: 'high' }, { Key: 'data-class', Value: 'confidential' }, { Key: 'owner', Value: 'plant-ops' }]);
  }
});

test('the factory has the firmware pipeline: buckets, Signer profile, automation, version gate, packages, job template, event rules and alarms', () => {
  const t = template(deployment.factoryStack);
  t.resourceCountIs('Custom::FirmwareSigningProfile', 1);
  t.resourceCountIs('AWS::IoT::SoftwarePackage', 2);
  t.hasResourceProperties('AWS::IoT::JobTemplate', {
    AbortConfig: { CriteriaList: Match.arrayWith([Match.objectLike({ FailureType: 'FAILED', ThresholdPercentage: 5 })]) },
    JobExecutionsRolloutConfig: { MaximumPerMinute: 100 },
    TimeoutConfig: { InProgressTimeoutInMinutes: 60 },
  });
  t.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ 'detail-type': ['Object Created'] }) });
  expect(Object.keys(t.findResources('AWS::StepFunctions::StateMachine')).length).toBeGreaterThanOrEqual(1);
  expect(Object.keys(t.findResources('AWS::CloudWatch::Alarm')).length).toBeGreaterThanOrEqual(5);
});

test('the factory\'s connectivity: zoned VPC with flow logs and network ACLs, private IoT endpoints, a modern TLS endpoint, role aliases without wildcard actions', () => {
  const t = template(deployment.factoryStack);
  t.resourceCountIs('AWS::EC2::VPC', 1);
  t.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL' });
  expect(Object.keys(t.findResources('AWS::EC2::NetworkAcl')).length).toBeGreaterThanOrEqual(4);
  const services = Object.values(t.findResources('AWS::EC2::VPCEndpoint')).map((r) => JSON.stringify(r.Properties.ServiceName));
  expect(services.some((s) => s.includes('.iot.data'))).toBe(true);
  expect(services.some((s) => s.includes('.iot.credentials'))).toBe(true);
  t.hasResourceProperties('AWS::IoT::DomainConfiguration', { TlsConfig: { SecurityPolicy: 'IoTSecurityPolicy_TLS13_1_2_2022_10' } });
  t.hasResourceProperties('AWS::IoT::RoleAlias', { CredentialDurationSeconds: 3600 });
  expect(Object.keys(t.findResources('AWS::IoT::RoleAlias'))).toHaveLength(2);
  for (const policy of Object.values(t.findResources('AWS::IAM::Policy'))) {
    const roles = JSON.stringify(policy.Properties.Roles);
    if (!roles.includes('TokenExchangeRole')) continue;
    for (const st of policy.Properties.PolicyDocument.Statement) {
      expect(([] as string[]).concat(st.Action).every((a) => !a.includes('*'))).toBe(true);
    }
  }
});

test('practices 5 and 8: IoT encryption on a customer key, 17 audit checks on a schedule with a target, logging, a telemetry rule with an error action, alarms, filters, dashboard', () => {
  expect(all('AWS::IoT::EncryptionConfiguration')).toEqual([expect.objectContaining({
    Properties: expect.objectContaining({ EncryptionType: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyArn: expect.anything(), KmsAccessRoleArn: expect.anything() }),
  })]);
  const [audit] = all('AWS::IoT::AccountAuditConfiguration');
  const checks = Object.values(audit.Properties.AuditCheckConfigurations) as { Enabled: boolean }[];
  expect(checks.filter((c) => c.Enabled === true)).toHaveLength(17);
  expect(audit.Properties.AuditNotificationTargetConfigurations.Sns.Enabled).toBe(true);
  expect(all('AWS::IoT::ScheduledAudit')[0].Properties.TargetCheckNames).toHaveLength(17);
  expect(all('AWS::IoT::ScheduledAudit')[0].Properties.Frequency).toBe('DAILY');
  expect(all('AWS::IoT::Logging')[0].Properties.DefaultLogLevel).toBe('WARN');
  expect(all('Custom::IotFleetIndexing')).toHaveLength(1);
  const telemetry = all('AWS::IoT::TopicRule').filter((r) => JSON.stringify(r.Properties.TopicRulePayload.Sql).includes('dt/factory/+/telemetry'));
  expect(telemetry).toHaveLength(1);
  expect(telemetry[0].Properties.TopicRulePayload.ErrorAction.Sqs).toBeDefined();
  expect(all('AWS::CloudWatch::Alarm').length).toBeGreaterThanOrEqual(10);
  expect(all('AWS::Logs::MetricFilter')).toHaveLength(3);
  expect(all('AWS::CloudWatch::Dashboard')).toHaveLength(1);
});
test('practice 9 in the baseline: mitigation actions, playbooks with approval and scheduled dry runs, for the account\'s findings', () => {
  const t = template(deployment.baselineStack);
  t.resourceCountIs('AWS::IoT::MitigationAction', 4);
  const machines = Object.values(t.findResources('AWS::StepFunctions::StateMachine'));
  expect(machines).toHaveLength(6);
  expect(machines.filter((m) => JSON.stringify(m.Properties.DefinitionString).includes('lambda:invoke.waitForTaskToken'))).toHaveLength(5);
  expect(Object.keys(t.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: 'cron(0 4 ? * MON *)' } }))).toHaveLength(6);
});

test('practice 10 in the factory: a vault, a plan with restore tests, and every stateful resource of the factory selected', () => {
  const t = template(deployment.factoryStack);
  for (const type of ['AWS::Backup::BackupVault', 'AWS::Backup::BackupPlan', 'AWS::Backup::BackupSelection', 'AWS::Backup::RestoreTestingPlan', 'AWS::Backup::Framework']) {
    t.resourceCountIs(type, 1);
  }
  const stateful = t.toJSON().Resources as { [id: string]: { Type: string; Properties?: { Tags?: { Key: string; Value: string }[] } } };
  for (const [id, r] of Object.entries(stateful)) {
    if (['AWS::DynamoDB::Table', 'AWS::S3::Bucket'].includes(r.Type)) {
      expect([id, r.Properties?.Tags]).toEqual([id, expect.arrayContaining([{ Key: 'backup-plan', Value: 'factory' }])]);
    }
  }
});

test('identity and inventory (practices 2, 3) in the factory: provisioning with a hook, scoped policies, lifecycle, types and groups backed by fleet indexing', () => {
  const t = template(deployment.factoryStack);
  t.resourceCountIs('AWS::IoT::ThingType', 1);
  t.hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'factory-high-plant-north', ParentGroupName: 'factory-high' });
  t.hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'firmware-outdated', QueryString: 'attributes.firmwareBuild < 1042' });
  t.hasResourceProperties('AWS::IoT::ProvisioningTemplate', { TemplateType: 'FLEET_PROVISIONING', PreProvisioningHook: { TargetArn: Match.anyValue(), PayloadVersion: '2020-04-01' } });
  const policies = JSON.stringify(t.findResources('AWS::IoT::Policy'));
  expect(policies).toContain('${iot:Connection.Thing.ThingName}');
  expect(policies).toContain('$aws/provisioning-templates/');
  expect(policies).toContain('broadcast/maintenance-window');
  expect(Object.keys(t.findResources('AWS::StepFunctions::StateMachine')).map((k) => k.replace(/[0-9A-F]{8}$/, ''))).toEqual(
    expect.arrayContaining([expect.stringMatching(/Revocation/), expect.stringMatching(/Rotation/)]));
});
