import { Template } from 'aws-cdk-lib/assertions';
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
