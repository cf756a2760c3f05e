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
  const [rule] = all('AWS::IoT::TopicRule');
  expect(rule.Properties.TopicRulePayload.ErrorAction.Sqs).toBeDefined();
  expect(all('AWS::CloudWatch::Alarm').length).toBeGreaterThanOrEqual(10);
  expect(all('AWS::Logs::MetricFilter')).toHaveLength(3);
  expect(all('AWS::CloudWatch::Dashboard')).toHaveLength(1);
});
