import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as fs from 'fs';
import * as path from 'path';
import { AccountBaseline, AuditFrequency, ContainmentMode, DataCategory, IndexedFieldType, IotEventType, IotLogLevel, RiskProfile } from '../../lib';
import { newValidatedApp, validationFindings } from '../validation';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));

function stack(app = new App(), id = 'S', env?: { account: string; region: string }) {
  return new Stack(app, id, { env });
}

describe.each(RiskProfile.PRESETS.map((p) => [p.name, p] as const))('%s', (_name, profile) => {
  test('synthesizes with no unacknowledged finding and under 500 resources', () => {
    const app = newValidatedApp({ context: cdkJson.context });
    const s = stack(app, 'Baseline');
    new AccountBaseline(s, 'Baseline', { riskProfile: profile });
    expect(validationFindings(app)).toEqual([]);
    expect(Object.keys(Template.fromStack(s).toJSON().Resources).length).toBeLessThan(500);
  });
});

test('every account-and-region singleton, each from the construct that owns it', () => {
  const s = stack();
  const b = new AccountBaseline(s, 'Baseline');
  const t = Template.fromStack(s);
  t.resourceCountIs('Custom::IotFleetIndexing', 1);
  t.resourceCountIs('AWS::IoT::AccountAuditConfiguration', 1);
  t.resourceCountIs('AWS::IoT::ScheduledAudit', 1);
  t.hasResourceProperties('AWS::IoT::ScheduledAudit', { Frequency: 'DAILY' });
  t.hasResourceProperties('AWS::IoT::Logging', { DefaultLogLevel: 'WARN' });
  t.hasResourceProperties('AWS::IoT::EncryptionConfiguration', { EncryptionType: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyArn: Match.anyValue() });
  expect(b.riskProfile).toBe(RiskProfile.INDUSTRIAL);
  expect(b.auditing.iotLogGroup).toBeDefined();
  expect(b.fleetIndexing.thingIndexingConfiguration).toBeDefined();
  expect(b.dataProtection.iotEncryptionConfiguration).toBeDefined();
  // Device Defender's findings are account-wide: one responder per account.
  t.resourceCountIs('AWS::IoT::MitigationAction', 4);
  expect(b.incidentResponse.containment).toBe(RiskProfile.INDUSTRIAL.containment);
  // The firmware pipeline's job event rules and timed-out alarm read $aws/events/job(Execution)/...:
  // AWS IoT publishes them only once the account's event configurations switch them on.
  t.resourceCountIs('Custom::IotEventConfigurations', 1);
  t.hasResourceProperties('Custom::IotEventConfigurations', { EnabledEventTypes: ['JOB', 'JOB_EXECUTION', 'CERTIFICATE', 'CA_CERTIFICATE'] });
  expect(b.eventConfigurations.eventTypes).toEqual(['JOB', 'JOB_EXECUTION', 'CERTIFICATE', 'CA_CERTIFICATE']);
});

test('incident response follows the profile: containment waits for a human in critical infrastructure', () => {
  const s = stack();
  const b = new AccountBaseline(s, 'Baseline', { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE, incidentResponse: { owner: 'soc' } });
  expect(b.incidentResponse.containment).toBe(ContainmentMode.HUMAN_APPROVAL_ONLY);
  Template.fromStack(s).hasResourceProperties('AWS::IoT::MitigationAction', { Tags: Match.arrayWith([{ Key: 'owner', Value: 'iot-platform' }]) });
});

test('the audit role may decrypt IoT Core\'s data with the configuration key, or audits fail', () => {
  const s = stack();
  const b = new AccountBaseline(s, 'Baseline');
  const key = s.resolve((b.dataProtection.keyFor(DataCategory.CONFIGURATION).node.defaultChild as any).logicalId);
  const policies = Object.values(Template.fromStack(s).findResources('AWS::IAM::Policy'))
    .filter((r) => JSON.stringify(r.Properties.Roles).includes('AuditRole'));
  expect(JSON.stringify(policies)).toContain(key);
  expect(JSON.stringify(policies)).toContain('kms:Decrypt');
});

test('the profile drives the defaults: CONSUMER audits weekly and logs errors; CRITICAL_INFRASTRUCTURE logs INFO', () => {
  const consumer = stack();
  new AccountBaseline(consumer, 'Baseline', { riskProfile: RiskProfile.CONSUMER });
  Template.fromStack(consumer).hasResourceProperties('AWS::IoT::ScheduledAudit', { Frequency: 'WEEKLY' });
  Template.fromStack(consumer).hasResourceProperties('AWS::IoT::Logging', { DefaultLogLevel: 'ERROR' });
  const critical = stack();
  new AccountBaseline(critical, 'Baseline', { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE });
  Template.fromStack(critical).hasResourceProperties('AWS::IoT::Logging', { DefaultLogLevel: 'INFO' });
  Template.fromStack(critical).hasResourceProperties('AWS::KMS::Key', {
    Tags: Match.arrayWith([{ Key: 'criticality', Value: 'safety-critical' }, { Key: 'owner', Value: 'iot-platform' }]),
  });
});

test('each part\'s own settings pass through, and win over the profile', () => {
  const s = stack();
  new AccountBaseline(s, 'Baseline', {
    owner: 'platform-team',
    fleetIndexing: { customFields: [{ name: 'attributes.site', type: IndexedFieldType.STRING }] },
    auditing: { auditFrequency: AuditFrequency.WEEKLY, logLevel: IotLogLevel.ERROR, adoptExistingLogGroup: true },
    dataProtection: { iotCoreEncryption: false },
    eventConfigurations: { eventTypes: [IotEventType.JOB, IotEventType.JOB_EXECUTION, IotEventType.THING] },
  });
  const t = Template.fromStack(s);
  t.hasResourceProperties('Custom::IotEventConfigurations', { EnabledEventTypes: ['JOB', 'JOB_EXECUTION', 'THING'] });
  t.hasResourceProperties('AWS::IoT::ScheduledAudit', { Frequency: 'WEEKLY' });
  t.hasResourceProperties('AWS::IoT::Logging', { DefaultLogLevel: 'ERROR' });
  expect(Object.values(t.findResources('AWS::Logs::LogGroup')).some((r) => r.Properties.LogGroupName === 'AWSIotLogsV2')).toBe(false);
  t.resourceCountIs('AWS::IoT::EncryptionConfiguration', 0);
  expect(JSON.stringify(t.findResources('Custom::IotFleetIndexing'))).toContain('attributes.site');
  t.hasResourceProperties('AWS::IoT::ScheduledAudit', { Tags: Match.arrayWith([{ Key: 'owner', Value: 'platform-team' }]) });
});

describe('bad input', () => {
  test('two baselines for one environment', () => {
    const app = new App();
    new AccountBaseline(stack(app, 'A', { account: '111122223333', region: 'eu-west-1' }), 'Baseline');
    expect(() => new AccountBaseline(stack(app, 'B', { account: '111122223333', region: 'eu-west-1' }), 'Baseline'))
      .toThrow(/B\/Baseline: the account baseline of account 111122223333, region eu-west-1 may be the one A\/Baseline \(account 111122223333, region eu-west-1\) already owns/);
    // An environment-agnostic baseline may land anywhere, so it collides too.
    expect(() => new AccountBaseline(stack(app, 'C'), 'Baseline')).toThrow(/C\/Baseline: the account baseline of account <any account>, region <any region>/);
  });

  test('baselines of different environments, and a second owner of one of its settings', () => {
    const app = new App();
    const a = stack(app, 'A', { account: '111122223333', region: 'eu-west-1' });
    new AccountBaseline(a, 'Baseline');
    new AccountBaseline(stack(app, 'B', { account: '111122223333', region: 'us-east-1' }), 'Baseline');
    expect(() => new AccountBaseline(stack(app, 'C', { account: '111122223333', region: 'eu-west-1' }), 'Baseline', {}))
      .toThrow(/account baseline/);
  });

  test('a wrong profile, a misspelt or malformed prop', () => {
    expect(() => new AccountBaseline(stack(), 'B', { riskProfile: 'CONSUMER' as never })).toThrow(/B: riskProfile must be a RiskProfile .* got "CONSUMER"/);
    expect(() => new AccountBaseline(stack(), 'B', { auditting: {} } as never)).toThrow(/unknown prop 'auditting' \(did you mean 'auditing'\?\)/);
    expect(() => new AccountBaseline(stack(), 'B', { auditing: true } as never)).toThrow(/auditing must be an object of FleetAuditingProps, got true/);
    expect(() => new AccountBaseline(stack(), 'B', { eventConfigurations: ['JOB'] } as never)).toThrow(/eventConfigurations must be an object of IotEventConfigurationsProps, got \["JOB"\]/);
  });
});

test('in a pinned account and region (as a StackSet instance or a pinned stack) it synthesizes with no unacknowledged finding', () => {
  const app = newValidatedApp({ context: cdkJson.context });
  new AccountBaseline(stack(app, 'Pinned', { account: '111122223333', region: 'eu-west-1' }), 'Baseline', { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE });
  expect(validationFindings(app)).toEqual([]);
});
