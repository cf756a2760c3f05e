import { Match, Template } from 'aws-cdk-lib/assertions';
import * as fs from 'fs';
import * as path from 'path';
import { buildReferenceDeployment } from '../../bin/reference-stacks';
import { newValidatedApp, validationFindings } from '../validation';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));

test('cdk.json runs the reference deployment with the CloudFormation validator turning findings into errors', () => {
  expect(cdkJson.app).toContain('bin/reference-deployment.ts');
  expect(cdkJson.context['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
  expect(Object.keys(cdkJson.context).length).toBeGreaterThan(50);
});

test('the reference deployment synthesizes with no unacknowledged finding from any validator', () => {
  const app = newValidatedApp({ context: cdkJson.context });
  buildReferenceDeployment(app);
  expect(validationFindings(app)).toEqual([]);
});

test('stacks are environment-agnostic unless an account and region are given', () => {
  const agnostic = buildReferenceDeployment(newValidatedApp({ context: cdkJson.context }));
  expect(agnostic.every((s) => s.environment === 'aws://unknown-account/unknown-region')).toBe(true);
  const pinned = buildReferenceDeployment(newValidatedApp({ context: cdkJson.context }), { account: '111122223333', region: 'eu-west-1' });
  expect(pinned.map((s) => s.environment)).toEqual(pinned.map(() => 'aws://111122223333/eu-west-1'));
});

test('every resource carries the inventory tags of practice 2 where it can be tagged', () => {
  const [inventory] = buildReferenceDeployment(newValidatedApp({ context: cdkJson.context }));
  Template.fromStack(inventory).hasResourceProperties('AWS::KMS::Key', {
    Tags: [{ Key: 'criticality', Value: 'high' }, { Key: 'data-class', Value: 'internal' }, { Key: 'owner', Value: 'iot-platform' }],
  });
});

test('the updates stack has the firmware pipeline: buckets, Signer profile, automation, version gate, packages, job template, event rules and alarms', () => {
  const stacks = buildReferenceDeployment(newValidatedApp({ context: cdkJson.context }));
  const updates = stacks.find((s) => s.stackName === 'SecureIotUpdates')!;
  const t = Template.fromStack(updates);
  t.resourceCountIs('Custom::FirmwareSigningProfile', 1);
  t.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
  t.resourceCountIs('AWS::DynamoDB::Table', 1);
  t.resourceCountIs('AWS::IoT::SoftwarePackage', 2);
  t.hasResourceProperties('AWS::IoT::JobTemplate', {
    AbortConfig: { CriteriaList: Match.arrayWith([Match.objectLike({ FailureType: 'FAILED', ThresholdPercentage: 1 })]) },
    JobExecutionsRolloutConfig: { MaximumPerMinute: 10 },
    TimeoutConfig: { InProgressTimeoutInMinutes: 60 },
  });
  t.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ 'detail-type': ['Object Created'] }) });
  expect(Object.keys(t.findResources('AWS::CloudWatch::Alarm')).length).toBeGreaterThanOrEqual(5);
  expect(Object.keys(t.findResources('AWS::S3::Bucket')).length).toBe(3);
});

test('the connectivity stack: zoned VPC with flow logs and network ACLs, private IoT endpoints, a modern TLS endpoint, a role alias without wildcard actions', () => {
  const connectivity = buildReferenceDeployment(newValidatedApp({ context: cdkJson.context })).find((s) => s.stackName === 'SecureIotConnectivity')!;
  const t = Template.fromStack(connectivity);
  t.resourceCountIs('AWS::EC2::VPC', 1);
  t.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL' });
  expect(Object.keys(t.findResources('AWS::EC2::NetworkAcl')).length).toBeGreaterThanOrEqual(4);
  const services = Object.values(t.findResources('AWS::EC2::VPCEndpoint')).map((r) => JSON.stringify(r.Properties.ServiceName));
  expect(services.some((s) => s.includes('.iot.data'))).toBe(true);
  expect(services.some((s) => s.includes('.iot.credentials'))).toBe(true);
  t.hasResourceProperties('AWS::IoT::DomainConfiguration', { TlsConfig: { SecurityPolicy: 'IoTSecurityPolicy_TLS13_1_2_2022_10' } });
  t.hasResourceProperties('AWS::IoT::RoleAlias', { CredentialDurationSeconds: 3600 });
  for (const policy of Object.values(t.findResources('AWS::IAM::Policy'))) {
    const roles = JSON.stringify(policy.Properties.Roles);
    if (!roles.includes('TokenExchangeRole')) continue;
    for (const st of policy.Properties.PolicyDocument.Statement) {
      expect(([] as string[]).concat(st.Action).every((a) => !a.includes('*'))).toBe(true);
    }
  }
});

test('practices 5 and 8 are deployed: IoT encryption on a customer key, 17 audit checks on a schedule with a target, logging, a telemetry rule with an error action, alarms, filters, dashboard', () => {
  const stacks = buildReferenceDeployment(newValidatedApp({ context: cdkJson.context }));
  const all = (type: string) => stacks.flatMap((s) => Object.values(Template.fromStack(s).findResources(type)));
  expect(all('AWS::IoT::EncryptionConfiguration')).toEqual([expect.objectContaining({
    Properties: expect.objectContaining({ EncryptionType: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyArn: expect.anything(), KmsAccessRoleArn: expect.anything() }),
  })]);
  const [audit] = all('AWS::IoT::AccountAuditConfiguration');
  const checks = Object.values(audit.Properties.AuditCheckConfigurations) as { Enabled: boolean }[];
  expect(checks.filter((c) => c.Enabled === true)).toHaveLength(17);
  expect(audit.Properties.AuditNotificationTargetConfigurations.Sns.Enabled).toBe(true);
  expect(all('AWS::IoT::ScheduledAudit')[0].Properties.TargetCheckNames).toHaveLength(17);
  expect(all('AWS::IoT::Logging')[0].Properties.DefaultLogLevel).toBe('WARN');
  const telemetry = all('AWS::IoT::TopicRule').filter((r) => JSON.stringify(r.Properties.TopicRulePayload.Sql).includes('dt/+/telemetry'));
  expect(telemetry).toHaveLength(1);
  expect(telemetry[0].Properties.TopicRulePayload.ErrorAction.Sqs).toBeDefined();
  expect(all('AWS::CloudWatch::Alarm').length).toBeGreaterThanOrEqual(10);
  expect(all('AWS::Logs::MetricFilter')).toHaveLength(3);
  expect(all('AWS::CloudWatch::Dashboard')).toHaveLength(1);
});
test('practices 9 and 10: mitigation actions, playbooks with approval, scheduled dry runs, and backups with restore tests of every stateful resource', () => {
  const stacks = buildReferenceDeployment(newValidatedApp({ context: cdkJson.context }));
  const t = Template.fromStack(stacks.find((s) => s.stackName === 'SecureIotResilience')!);
  t.resourceCountIs('AWS::IoT::MitigationAction', 4);
  const machines = Object.values(t.findResources('AWS::StepFunctions::StateMachine'));
  expect(machines).toHaveLength(6);
  expect(machines.filter((m) => JSON.stringify(m.Properties.DefinitionString).includes('lambda:invoke.waitForTaskToken'))).toHaveLength(5);
  expect(Object.keys(t.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: 'cron(0 4 ? * MON *)' } }))).toHaveLength(6);
  for (const type of ['AWS::Backup::BackupVault', 'AWS::Backup::BackupPlan', 'AWS::Backup::BackupSelection', 'AWS::Backup::RestoreTestingPlan', 'AWS::Backup::Framework']) {
    t.resourceCountIs(type, 1);
  }
  for (const stack of stacks) {
    const stateful = Template.fromStack(stack).toJSON().Resources as { [id: string]: { Type: string; Properties?: { Tags?: { Key: string; Value: string }[] } } };
    for (const [id, r] of Object.entries(stateful)) {
      if (['AWS::DynamoDB::Table', 'AWS::S3::Bucket'].includes(r.Type)) {
        expect([id, r.Properties?.Tags]).toEqual([id, expect.arrayContaining([{ Key: 'backup-plan', Value: 'cdk-secure-iot' }])]);
      }
    }
  }
});

test('identity and inventory (practices 2, 3): provisioning with a hook, scoped policies, lifecycle, types and groups backed by fleet indexing', () => {
  const [inventory, identity] = buildReferenceDeployment(newValidatedApp({ context: cdkJson.context }));
  const inv = Template.fromStack(inventory);
  inv.resourceCountIs('AWS::IoT::ThingType', 1);
  inv.hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'fleet-high-plant-north', ParentGroupName: 'fleet-high' });
  inv.hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'firmware-outdated', QueryString: 'attributes.firmwareBuild < 1042' });
  const id = Template.fromStack(identity);
  id.hasResourceProperties('AWS::IoT::ProvisioningTemplate', { TemplateType: 'FLEET_PROVISIONING', PreProvisioningHook: { TargetArn: Match.anyValue(), PayloadVersion: '2020-04-01' } });
  const policies = JSON.stringify(id.findResources('AWS::IoT::Policy'));
  expect(policies).toContain('${iot:Connection.Thing.ThingName}');
  expect(policies).toContain('$aws/provisioning-templates/');
  expect(Object.keys(id.findResources('AWS::StepFunctions::StateMachine')).map((k) => k.replace(/[0-9A-F]{8}$/, ''))).toEqual(
    expect.arrayContaining([expect.stringMatching(/Revocation/), expect.stringMatching(/Rotation/)]));
});
