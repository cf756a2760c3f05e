import { App, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as fs from 'fs';
import * as path from 'path';
import {
  BackupAndRecovery, Criticality, DataCategory, DataClass, DataProtection, DevicePolicy, DeviceTopic, FleetProvisioning, GatewayCredentials,
  NetworkEgress, RiskProfile, RolloutRate, SecureIotDeployment, SecureIotDeploymentProps, SecureIotEndpoint, SegmentedNetwork,
  SignedFirmwarePipeline, SignedFirmwarePipelineProps, TlsSecurityPolicy,
} from '../../lib';
import { POSTURE_METADATA_KEY } from '../../lib/report/private/posture';
import { newValidatedApp, validationFindings } from '../validation';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));
const CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/11111111-2222-3333-4444-555555555555';

function stack(app = new App(), id = 'S', env?: { account: string; region: string }) {
  return new Stack(app, id, { env });
}
const certificate = (s: Stack) => acm.Certificate.fromCertificateArn(s, `Cert${s.node.children.length}`, CERT);
const drVault = (s: Stack) => backup.BackupVault.fromBackupVaultArn(s, `Dr${s.node.children.length}`, 'arn:aws:backup:us-west-2:111122223333:backup-vault:dr');
/** A deployment; where the profile copies backups to a second region, with a vault there. */
function deploy(s: Stack, props: Partial<SecureIotDeploymentProps> = {}, id = 'Fleet'): SecureIotDeployment {
  const profile = props.riskProfile ?? RiskProfile.INDUSTRIAL;
  const vault = profile instanceof RiskProfile && profile.backupCopyToSecondRegion && !('backupSecondRegionVault' in props) ? { backupSecondRegionVault: drVault(s) } : {};
  return new SecureIotDeployment(s, id, { deploymentName: 'plant', riskProfile: RiskProfile.INDUSTRIAL, signingCertificate: certificate(s), ...vault, ...props });
}
const declaration = (s: Stack) => Template.fromStack(s).toJSON().Metadata?.[POSTURE_METADATA_KEY];
const resourceCount = (s: Stack) => Object.keys(Template.fromStack(s).toJSON().Resources).length;

describe.each(RiskProfile.PRESETS.map((p) => [p.name, p] as const))('%s', (_name, profile) => {
  test('synthesizes with no unacknowledged finding and under 500 resources', () => {
    const app = newValidatedApp({ context: cdkJson.context });
    const s = stack(app, 'Fleet');
    deploy(s, { riskProfile: profile, greengrassCoreThingNames: ['line-1-core'] });
    expect(validationFindings(app)).toEqual([]);
    const count = resourceCount(s);
    expect(count).toBeLessThan(500);
    expect(count).toBeGreaterThan(100);
  });
});

test('every default follows the profile: TLS policy, credential lifetime, rollout and abort, egress, telemetry topic, no account settings', () => {
  const s = stack();
  const d = deploy(s, { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IoT::DomainConfiguration', { TlsConfig: { SecurityPolicy: 'IoTSecurityPolicy_TLS13_1_3_2022_10' } });
  t.hasResourceProperties('AWS::IoT::RoleAlias', { CredentialDurationSeconds: 900 });
  t.hasResourceProperties('AWS::IoT::JobTemplate', {
    AbortConfig: { CriteriaList: Match.arrayWith([Match.objectLike({ FailureType: 'FAILED', ThresholdPercentage: 1 })]) },
    JobExecutionsRolloutConfig: { MaximumPerMinute: 10 },
  });
  t.resourceCountIs('AWS::EC2::NatGateway', 0);
  expect(d.network!.networkEgress).toBe(NetworkEgress.NONE);
  t.hasResourceProperties('AWS::IoT::TopicRule', { TopicRulePayload: Match.objectLike({ Sql: Match.stringLikeRegexp("FROM 'dt/plant/\\+/telemetry'") }) });
  // The deployment's keys leave IoT Core's encryption configuration to the account baseline.
  t.resourceCountIs('AWS::IoT::EncryptionConfiguration', 0);
  t.resourceCountIs('AWS::IoT::AccountAuditConfiguration', 0);
  t.resourceCountIs('AWS::IoT::Logging', 0);
  expect(Object.keys(d.firmwareUpdates!.softwarePackages)).toEqual(['plant-device']);
  expect(d.riskProfile).toBe(RiskProfile.CRITICAL_INFRASTRUCTURE);
  expect(d.deploymentName).toBe('plant');
});

test('INDUSTRIAL defaults: TLS 1.2/1.3, hour-long credentials, 100/min rollout aborted above 5 %, NAT egress', () => {
  const s = stack();
  deploy(s);
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IoT::DomainConfiguration', { TlsConfig: { SecurityPolicy: 'IoTSecurityPolicy_TLS13_1_2_2022_10' } });
  t.hasResourceProperties('AWS::IoT::RoleAlias', { CredentialDurationSeconds: 3600 });
  t.hasResourceProperties('AWS::IoT::JobTemplate', {
    AbortConfig: { CriteriaList: Match.arrayWith([Match.objectLike({ FailureType: 'FAILED', ThresholdPercentage: 5 })]) },
    JobExecutionsRolloutConfig: { MaximumPerMinute: 100 },
  });
  expect(Object.keys(t.findResources('AWS::EC2::NatGateway')).length).toBeGreaterThan(0);
});

test('the stack declares the profile, and every taggable resource carries the practice 2 tags from the profile', () => {
  const s = stack();
  deploy(s, { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE, owner: 'water-ops' });
  expect(declaration(s)).toMatchObject({ riskProfile: 'CRITICAL_INFRASTRUCTURE', requiredPractices: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
  const t = Template.fromStack(s);
  for (const type of ['AWS::IoT::RoleAlias', 'AWS::IoT::DomainConfiguration', 'AWS::IoT::TopicRule', 'AWS::KMS::Key', 'AWS::EC2::VPC', 'AWS::S3::Bucket']) {
    for (const r of Object.values(t.findResources(type))) {
      expect(r.Properties.Tags).toEqual(expect.arrayContaining([
        { Key: 'criticality', Value: 'safety-critical' }, { Key: 'owner', Value: 'water-ops' }, { Key: 'data-class', Value: 'confidential' },
      ]));
    }
  }
});

test('criticality, data class and owner: explicit props win; the owner defaults to the name', () => {
  const s = stack();
  deploy(s, { criticality: Criticality.LOW, dataClass: DataClass.RESTRICTED });
  Template.fromStack(s).hasResourceProperties('AWS::IoT::RoleAlias', {
    Tags: Match.arrayWith([{ Key: 'criticality', Value: 'low' }, { Key: 'data-class', Value: 'restricted' }, { Key: 'owner', Value: 'plant' }]),
  });
});

test('every part is reachable for wiring onward; Greengrass cores get their credentials', () => {
  const s = stack();
  const d = deploy(s, { greengrassCoreThingNames: ['line-1-core', 'line-2-core'] });
  expect(d.network).toBeInstanceOf(SegmentedNetwork);
  expect(d.endpoint).toBeInstanceOf(SecureIotEndpoint);
  expect(d.gatewayCredentials).toBeInstanceOf(GatewayCredentials);
  expect(d.dataProtection).toBeInstanceOf(DataProtection);
  expect(d.firmwareUpdates?.jobTemplate).toBeDefined();
  expect(d.telemetry?.bucket).toBeDefined();
  expect(d.monitoring?.alarmTopic).toBeDefined();
  expect(Object.keys(d.greengrassCores)).toEqual(['line-1-core', 'line-2-core']);
  Template.fromStack(s).resourceCountIs('AWS::IoT::RoleAlias', 3);
});

test('your own parts replace the deployment\'s: none of the replaced kind is created', () => {
  const app = new App();
  const shared = stack(app, 'Shared');
  const network = new SegmentedNetwork(shared, 'Network');
  const dataProtection = new DataProtection(shared, 'Keys', { iotCoreEncryption: false });
  const s = stack(app, 'Fleet');
  const endpoint = new SecureIotEndpoint(s, 'MyEndpoint', { tlsSecurityPolicy: TlsSecurityPolicy.TLS13_1_3_2022_10 });
  const d = deploy(s, { network, endpoint, dataProtection });
  expect(d.network).toBe(network);
  expect(d.endpoint).toBe(endpoint);
  expect(d.dataProtection).toBe(dataProtection);
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::EC2::VPC', 0);
  t.resourceCountIs('AWS::IoT::DomainConfiguration', 1);
});

test('a switched-off part is not created and its reason is recorded as a gap of its practice', () => {
  const s = stack();
  const d = new SecureIotDeployment(s, 'Fleet', {
    deploymentName: 'bulbs',
    riskProfile: RiskProfile.CONSUMER,
    disableFirmwareUpdates: { reason: 'bulbs are flashed at the factory and never updated in the field' },
    disableNetwork: { reason: 'bulbs connect over home Wi-Fi, no VPC workloads' },
  });
  expect(d.firmwareUpdates).toBeUndefined();
  expect(d.network).toBeUndefined();
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::IoT::SoftwarePackage', 0);
  t.resourceCountIs('AWS::EC2::VPC', 0);
  expect(declaration(s)).toMatchObject({
    riskProfile: 'CONSUMER',
    disabledParts: [
      { practice: 1, part: 'segmented network (SegmentedNetwork)', reason: 'bulbs connect over home Wi-Fi, no VPC workloads' },
      { practice: 4, part: 'firmware updates (SignedFirmwarePipeline)', reason: 'bulbs are flashed at the factory and never updated in the field' },
    ],
  });
});

test('createTrail and the device availability alarm reach the monitoring', () => {
  const s = stack();
  deploy(s, { createTrail: false, disconnectedDevicesThreshold: 25 });
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::CloudTrail::Trail', 0);
  t.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 25 });
});

describe('bad input', () => {
  test('a deployment without a profile', () => {
    const s = stack();
    expect(() => new SecureIotDeployment(s, 'Fleet', { deploymentName: 'plant', signingCertificate: certificate(s) } as never))
      .toThrow(/Fleet: riskProfile is required: give RiskProfile.CONSUMER/);
    expect(() => new SecureIotDeployment(s, 'Fleet2', undefined as never)).toThrow(/riskProfile is required.*deploymentName must be 1-32/);
    expect(() => deploy(s, { riskProfile: 'INDUSTRIAL' as never }, 'Fleet3')).toThrow(/riskProfile must be a RiskProfile .* got "INDUSTRIAL"/);
  });

  test('a bad name, a misspelt prop', () => {
    const s = stack();
    expect(() => deploy(s, { deploymentName: 'Plant 1' })).toThrow(/deploymentName must be 1-32 lower-case letters, digits or '-', starting with a letter, got "Plant 1"/);
    expect(() => deploy(s, { disableFirmwareUpdate: { reason: 'xxxxxxxxxxxxxxx' } } as never, 'F2')).toThrow(/unknown prop 'disableFirmwareUpdate' \(did you mean 'disableFirmwareUpdates'\?\)/);
  });

  test('a switched-off part without a reason', () => {
    const s = stack();
    expect(() => deploy(s, { disableFirmwareUpdates: {} as never })).toThrow(/disableFirmwareUpdates needs a reason of at least 10 characters a reviewer can check .* got \{\}/);
    expect(() => deploy(s, { disableNetwork: { reason: 'no' } }, 'F2')).toThrow(/disableNetwork needs a reason of at least 10 characters/);
    expect(() => deploy(s, { disableTelemetry: true as never }, 'F3')).toThrow(/disableTelemetry needs a reason .* got true/);
  });

  test('a replaced part that does not fit: wrong class, another environment, weaker than the profile, both replaced and off', () => {
    const app = new App();
    const s = stack(app, 'Fleet', { account: '111122223333', region: 'eu-west-1' });
    const other = stack(app, 'Other', { account: '111122223333', region: 'us-east-1' });
    const gateways = new GatewayCredentials(s, 'Gw', { credentialDurationSec: 3600 });
    expect(() => deploy(s, { network: gateways as never })).toThrow(/network does not fit: it must be a SegmentedNetwork, got a GatewayCredentials at 'Fleet\/Gw'/);
    const farNetwork = new SegmentedNetwork(other, 'Net');
    expect(() => deploy(s, { network: farNetwork }, 'F2')).toThrow(/network does not fit: Other\/Net is in account 111122223333, region us-east-1, this deployment in account 111122223333, region eu-west-1/);
    const natNetwork = new SegmentedNetwork(s, 'Nat', { networkEgress: NetworkEgress.NAT, riskProfile: RiskProfile.INDUSTRIAL });
    expect(() => deploy(s, { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE, network: natNetwork }, 'F3'))
      .toThrow(/network does not fit: its egress is NAT, the CRITICAL_INFRASTRUCTURE profile allows none/);
    const tls12 = new SecureIotEndpoint(s, 'Tls', { tlsSecurityPolicy: TlsSecurityPolicy.TLS13_1_2_2022_10 });
    expect(() => deploy(s, { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE, endpoint: tls12 }, 'F4'))
      .toThrow(/endpoint does not fit: its TLS policy IoTSecurityPolicy_TLS13_1_2_2022_10 is weaker than the CRITICAL_INFRASTRUCTURE profile's IoTSecurityPolicy_TLS13_1_3_2022_10/);
    expect(() => deploy(s, { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE, gatewayCredentials: gateways }, 'F5'))
      .toThrow(/gatewayCredentials does not fit: its credentials live 3600 s, the CRITICAL_INFRASTRUCTURE profile allows at most 900 s/);
    expect(() => deploy(s, { gatewayCredentials: gateways, disableGatewayCredentials: { reason: 'no gateways in this fleet' } }, 'F6'))
      .toThrow(/give either gatewayCredentials \(your own GatewayCredentials\) or disableGatewayCredentials, not both/);
    const noTelemetryKey = new DataProtection(s, 'Keys', { iotCoreEncryption: false, categories: [DataCategory.LOGS] });
    expect(() => deploy(s, { dataProtection: noTelemetryKey }, 'F7')).toThrow(/dataProtection does not fit: it has no TELEMETRY key/);
  });

  test('firmware updates without a signing certificate', () => {
    const s = stack();
    expect(() => new SecureIotDeployment(s, 'Fleet', { deploymentName: 'plant', riskProfile: RiskProfile.INDUSTRIAL }))
      .toThrow(/signingCertificate is required for the firmware pipeline: give the ACM code-signing certificate, your own pipeline as firmwareUpdates, or disableFirmwareUpdates: \{ reason \}/);
  });

  test('two profiles in one stack', () => {
    const s = stack();
    deploy(s);
    expect(() => deploy(s, { deploymentName: 'bulbs', riskProfile: RiskProfile.CONSUMER }, 'Bulbs'))
      .toThrow(/Bulbs: riskProfile CONSUMER differs from the profile INDUSTRIAL already declared for stack S/);
  });
});

test('in a pinned account and region (as a pipeline stage deploys it) it synthesizes with no unacknowledged finding', () => {
  const app = newValidatedApp({ context: cdkJson.context });
  const s = stack(app, 'Pinned', { account: '111122223333', region: 'eu-west-1' });
  deploy(s, { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE });
  expect(validationFindings(app)).toEqual([]);
});

test('identity: a device policy whose own tree holds the telemetry topic, provisioning through a hook under the deployment\'s prefixes', () => {
  const s = stack();
  const d = deploy(s, { deviceTopics: [DeviceTopic.sharedReceiveOnly('broadcast/maintenance')] });
  expect(d.devicePolicy).toBeInstanceOf(DevicePolicy);
  expect(d.provisioning).toBeInstanceOf(FleetProvisioning);
  const t = Template.fromStack(s);
  const policies = JSON.stringify(t.findResources('AWS::IoT::Policy'));
  expect(policies).toContain('dt/plant/${iot:Connection.Thing.ThingName}');
  expect(policies).toContain('broadcast/maintenance');
  expect(policies).toContain('client/plant-claim-*');
  t.hasResourceProperties('AWS::IoT::ProvisioningTemplate', { PreProvisioningHook: Match.objectLike({ PayloadVersion: '2020-04-01' }) });
});

test('backups: a plan whose selection is the deployment\'s own tag value, over every table and bucket it holds; copied to the second region where the profile asks', () => {
  const s = stack();
  const d = deploy(s, { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE });
  expect(d.backup).toBeInstanceOf(BackupAndRecovery);
  expect(d.backup!.tagValue).toBe('plant');
  const t = Template.fromStack(s);
  for (const [id, r] of Object.entries(t.toJSON().Resources as { [id: string]: any })) {
    if (['AWS::DynamoDB::Table', 'AWS::S3::Bucket'].includes(r.Type)) {
      expect([id, r.Properties.Tags]).toEqual([id, expect.arrayContaining([{ Key: 'backup-plan', Value: 'plant' }])]);
    }
  }
  expect(JSON.stringify(t.findResources('AWS::Backup::BackupPlan'))).toContain('arn:aws:backup:us-west-2:111122223333:backup-vault:dr');
  t.resourceCountIs('AWS::Backup::RestoreTestingPlan', 1);
});

test('provisioning and backups switched off, with reasons, as gaps of practices 3 and 10', () => {
  const s = stack();
  const d = deploy(s, {
    disableProvisioning: { reason: 'devices carry certificates of our own CA, registered with DeviceCertificateAuthority' },
    disableBackups: { reason: 'the organization backup policy selects every table and bucket of the account' },
  });
  expect(d.provisioning).toBeUndefined();
  expect(d.backup).toBeUndefined();
  Template.fromStack(s).resourceCountIs('AWS::IoT::ProvisioningTemplate', 0);
  Template.fromStack(s).resourceCountIs('AWS::Backup::BackupPlan', 0);
  expect(declaration(s).disabledParts.map((x: { practice: number }) => x.practice)).toEqual([3, 10]);
});

test('a profile that copies backups to a second region needs the vault there', () => {
  const s = stack();
  expect(() => deploy(s, { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE, backupSecondRegionVault: undefined }))
    .toThrow(/backupSecondRegionVault is required: the CRITICAL_INFRASTRUCTURE profile copies every recovery point to a second region; give a vault in another region, your own backups as backup, or disableBackups: \{ reason \}/);
});

describe('a replacement part is held to the profile on every setting the profile governs', () => {
  const CI = RiskProfile.CRITICAL_INFRASTRUCTURE;
  const pipeline = (s: Stack, id: string, props: Partial<SignedFirmwarePipelineProps> = {}) => new SignedFirmwarePipeline(s, id, {
    signingCertificate: certificate(s),
    deviceTypes: [{ thingTypeName: 'pump', targetThingGroupNames: ['pumps'] }],
    ...props,
  });
  const backups = (s: Stack, id: string, props: object = {}) => new BackupAndRecovery(s, id, { riskProfile: CI, secondRegionVault: drVault(s), ...props });
  /** The deployment's problems for one replacement: '' when it fits. */
  function refusal(profile: RiskProfile, parts: Partial<SecureIotDeploymentProps>, build: (s: Stack) => Partial<SecureIotDeploymentProps> = () => ({})): string {
    const s = stack();
    try {
      deploy(s, { riskProfile: profile, ...parts, ...build(s) });
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  }

  test('firmware: a pipeline of the profile fits; a faster rollout, a higher abort threshold or no canary does not', () => {
    expect(refusal(CI, {}, (s) => ({ firmwareUpdates: pipeline(s, 'Own', { riskProfile: CI }) }))).toBe('');
    expect(refusal(CI, {}, (s) => ({ firmwareUpdates: pipeline(s, 'Own', { riskProfile: CI, rolloutRate: RolloutRate.constant(100) }) })))
      .toMatch(/Fleet: firmwareUpdates does not fit: its rollout \(constant 100\/min\) is faster than the CRITICAL_INFRASTRUCTURE profile's \(constant 10\/min\): its top rate 100\/min is above 10\/min/);
    expect(refusal(CI, {}, (s) => ({ firmwareUpdates: pipeline(s, 'Own', { riskProfile: CI, abortFailurePercent: 5 }) })))
      .toMatch(/firmwareUpdates does not fit: its jobs abort only above 5 % failed executions, the CRITICAL_INFRASTRUCTURE profile at 1 %/);
    expect(refusal(CI, {}, (s) => ({ firmwareUpdates: pipeline(s, 'Own', { riskProfile: CI, canaryGroupFirst: false }) })))
      .toMatch(/firmwareUpdates does not fit: it releases to the fleet without a canary group first, the CRITICAL_INFRASTRUCTURE profile releases to a canary group first/);
    // The INDUSTRIAL profile asks for no canary, 100/min and 5 %: the stricter CRITICAL_INFRASTRUCTURE pipeline fits it.
    expect(refusal(RiskProfile.INDUSTRIAL, {}, (s) => ({ firmwareUpdates: pipeline(s, 'Own', { riskProfile: CI }) }))).toBe('');
  });

  test.each([
    ['a constant rate at the exponential profile\'s starting rate', RolloutRate.constant(50), ''],
    ['the profile\'s own ramp', RolloutRate.exponential({ baseRatePerMinute: 50, incrementFactor: 2, maximumPerMinute: 1000 }), ''],
    ['a gentler ramp', RolloutRate.exponential({ baseRatePerMinute: 10, incrementFactor: 1.5, maximumPerMinute: 500, successesBeforeIncrease: 20 }), ''],
    ['a constant rate above the starting rate', RolloutRate.constant(1000), 'it starts at 1000/min, above 50/min'],
    ['a higher starting rate', RolloutRate.exponential({ baseRatePerMinute: 100, incrementFactor: 2, maximumPerMinute: 1000 }), 'it starts at 100/min, above 50/min'],
    ['a steeper ramp', RolloutRate.exponential({ baseRatePerMinute: 50, incrementFactor: 3, maximumPerMinute: 1000 }), 'its rate grows x3, more than x2'],
    ['an earlier ramp', RolloutRate.exponential({ baseRatePerMinute: 50, incrementFactor: 2, maximumPerMinute: 1000, successesBeforeIncrease: 5 }), 'its rate grows after 5 successes, fewer than 10'],
  ])('firmware rollout against the CONSUMER profile\'s exponential ramp: %s', (_what, rolloutRate, why) => {
    const message = refusal(RiskProfile.CONSUMER, {}, (s) => ({ firmwareUpdates: pipeline(s, 'Own', { riskProfile: RiskProfile.CONSUMER, rolloutRate }) }));
    if (why === '') expect(message).toBe('');
    else expect(message).toContain(`is faster than the CONSUMER profile's (exponential from 50/min, x2 every 10 successes, to 1000/min): ${why}`);
  });

  test('backups: a plan of the profile fits; a shorter retention, an unlocked vault or no second-region copy does not', () => {
    expect(refusal(CI, {}, (s) => ({ backup: backups(s, 'Own') }))).toBe('');
    expect(refusal(CI, {}, (s) => ({ backup: backups(s, 'Own', { retentionDays: 90 }) })))
      .toMatch(/Fleet: backup does not fit: it keeps recovery points 90 days, the CRITICAL_INFRASTRUCTURE profile 365 days/);
    expect(refusal(CI, {}, (s) => ({ backup: backups(s, 'Own', { vaultLock: false }) })))
      .toMatch(/backup does not fit: its vault is not locked \(AWS Backup Vault Lock\), the CRITICAL_INFRASTRUCTURE profile locks it/);
    expect(refusal(CI, {}, (s) => ({ backup: backups(s, 'Own', { copyToSecondRegion: false, secondRegionVault: undefined }) })))
      .toMatch(/backup does not fit: it copies no recovery point to a second region, the CRITICAL_INFRASTRUCTURE profile copies every one/);
    // Longer than the profile asks, locked and copied where it asks neither: stricter, so it fits.
    expect(refusal(RiskProfile.INDUSTRIAL, {}, (s) => ({ backup: backups(s, 'Own', { retentionDays: 400 }) }))).toBe('');
    expect(refusal(RiskProfile.INDUSTRIAL, {}, (s) => ({ backup: new BackupAndRecovery(s, 'Own', { riskProfile: RiskProfile.INDUSTRIAL, retentionDays: 89 }) })))
      .toMatch(/backup does not fit: it keeps recovery points 89 days, the INDUSTRIAL profile 90 days/);
  });

  test('every problem of every part is reported at once', () => {
    const message = refusal(CI, {}, (s) => ({
      firmwareUpdates: pipeline(s, 'Own', { riskProfile: RiskProfile.INDUSTRIAL }),
      backup: new BackupAndRecovery(s, 'OwnBackup', { riskProfile: RiskProfile.INDUSTRIAL }),
    }));
    for (const words of ['its rollout (constant 100/min)', 'abort only above 5 %', 'without a canary group first', 'recovery points 90 days', 'not locked', 'no recovery point to a second region']) {
      expect(message).toContain(words);
    }
  });

  test('a setting that is a token cannot be judged against the profile, and is refused saying a literal is needed', () => {
    expect(refusal(CI, {}, (s) => ({ gatewayCredentials: new GatewayCredentials(s, 'Gw', { credentialDurationSec: Token.asNumber({ Ref: 'Seconds' }) }) })))
      .toMatch(/gatewayCredentials does not fit: its credential lifetime is a token \(a value known only at deploy time\); a literal is needed to judge it against the CRITICAL_INFRASTRUCTURE profile's 900 s/);
    expect(refusal(CI, {}, (s) => ({ firmwareUpdates: pipeline(s, 'Own', { riskProfile: CI, abortFailurePercent: Token.asNumber({ Ref: 'Percent' }) }) })))
      .toMatch(/firmwareUpdates does not fit: its abort threshold is a token .*; a literal is needed to judge it against the CRITICAL_INFRASTRUCTURE profile's 1 %/);
    expect(refusal(CI, {}, (s) => ({ backup: backups(s, 'Own', { retentionDays: Token.asNumber({ Ref: 'Days' }) }) })))
      .toMatch(/backup does not fit: its retention is a token .*; a literal is needed to judge it against the CRITICAL_INFRASTRUCTURE profile's 365 days/);
    expect(refusal(RiskProfile.INDUSTRIAL, { greengrassCoreThingNames: [Token.asString({ Ref: 'Core' })] }))
      .toMatch(/greengrassCoreThingNames must be literal thing names, got \[a token/);
    // Not a child's prop three levels down (FleetProvisioning's thingNamePrefix): the deployment's own.
    expect(refusal(RiskProfile.INDUSTRIAL, { deploymentName: Token.asString({ Ref: 'Name' }) }))
      .toMatch(/^S\/Fleet: deploymentName must be a literal name \(it prefixes the fleet's thing names, client IDs and topics\), got a token/);
  });

  test('a part of the wrong kind is named by its prop, never a circular-JSON TypeError', () => {
    const s = stack();
    const topicLike = new SegmentedNetwork(s, 'Net');
    for (const prop of ['devicePolicy', 'dataProtection', 'riskProfile', 'backup', 'firmwareUpdates'] as const) {
      let error: unknown;
      try {
        deploy(s, { [prop]: topicLike } as never, `F-${prop}`);
      } catch (e) {
        error = e;
      }
      expect(error).not.toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(new RegExp(`${prop} (does not fit: it )?must be a .*got a SegmentedNetwork at 'S/Net'`));
    }
  });
});
