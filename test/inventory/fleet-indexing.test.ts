import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { FLEET_INDEXING_STATE_PARAMETER, FleetIndexing, IndexedFieldType, ThingIndexingMode } from '../../lib';
import { newValidatedApp, validationFindings } from '../validation';

function stack(app = new App(), id = 'S', env?: { account?: string; region?: string }) {
  return new Stack(app, id, { env });
}

function configurationOf(s: Stack) {
  const cr = Object.values(Template.fromStack(s).findResources('Custom::IotFleetIndexing'))[0];
  return JSON.parse(cr.Properties.ThingIndexingConfiguration);
}

test('defaults: registry and shadow, connectivity status, the account\'s Detect indexing left as it is', () => {
  const s = stack();
  new FleetIndexing(s, 'FI');
  expect(configurationOf(s)).toEqual({
    thingIndexingMode: 'REGISTRY_AND_SHADOW',
    thingConnectivityIndexingMode: 'STATUS',
    namedShadowIndexingMode: 'OFF',
  });
});

test('deviceDefenderViolations: false turns Detect indexing off explicitly', () => {
  const s = stack();
  new FleetIndexing(s, 'FI', { deviceDefenderViolations: false });
  expect(configurationOf(s).deviceDefenderIndexingMode).toBe('OFF');
});

test('overrides: custom fields, named shadows, registry-only, connectivity off, Detect violations', () => {
  const s = stack();
  new FleetIndexing(s, 'FI', {
    customFields: [{ name: 'attributes.site', type: IndexedFieldType.STRING }, { name: 'shadow.name.cfg.reported.rev', type: IndexedFieldType.NUMBER }],
    namedShadowNames: ['cfg'],
    connectivityIndexing: false,
    deviceDefenderViolations: true,
  });
  expect(configurationOf(s)).toEqual({
    thingIndexingMode: 'REGISTRY_AND_SHADOW',
    thingConnectivityIndexingMode: 'OFF',
    deviceDefenderIndexingMode: 'VIOLATIONS',
    namedShadowIndexingMode: 'ON',
    filter: { namedShadowNames: ['cfg'] },
    customFields: [{ name: 'attributes.site', type: 'String' }, { name: 'shadow.name.cfg.reported.rev', type: 'Number' }],
  });
  const s2 = stack(new App());
  new FleetIndexing(s2, 'FI', { thingIndexingMode: ThingIndexingMode.REGISTRY });
  expect(configurationOf(s2).thingIndexingMode).toBe('REGISTRY');
});

test('least privilege: the only wildcard resource is the IoT indexing API, which has no resource type; SSM is one parameter', () => {
  const s = stack(new App(), 'S', { account: '111122223333', region: 'eu-west-1' });
  new FleetIndexing(s, 'FI');
  const t = Template.fromStack(s);
  const policy = Object.values(t.findResources('AWS::IAM::Policy'))[0];
  const statements = policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
  for (const st of statements) {
    const actions = ([] as string[]).concat(st.Action);
    expect(actions.every((a) => !a.includes('*'))).toBe(true);
    if (st.Resource === '*') {
      expect(actions.sort()).toEqual(['iot:GetIndexingConfiguration', 'iot:UpdateIndexingConfiguration']);
    }
  }
  const ssm = statements.find((st) => ([] as string[]).concat(st.Action).includes('ssm:PutParameter'))!;
  expect(ssm.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111122223333:parameter/cdk-secure-iot/fleet-indexing/state']] });
  const cr = Object.values(t.findResources('Custom::IotFleetIndexing'))[0];
  expect(cr.Properties.PreviousConfigurationParameter).toBe(FLEET_INDEXING_STATE_PARAMETER);
  t.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  expect(Object.values(t.findResources('AWS::IAM::Role'))[0].Properties.ManagedPolicyArns).toBeUndefined();
});

test('logs are encrypted with the key given and kept', () => {
  const s = stack();
  const key = new kms.Key(s, 'MyKey', { enableKeyRotation: true });
  new FleetIndexing(s, 'FI', { encryptionKey: key });
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::KMS::Key', 1);
  t.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MyKey'), 'Arn'] }, RetentionInDays: 365 });
  t.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
});

test('an imported key gets a warning saying what its policy must allow, since CDK cannot change it', () => {
  const s = stack(new App(), 'S', { account: '111122223333', region: 'eu-west-1' });
  const key = kms.Key.fromKeyArn(s, 'Imported', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  new FleetIndexing(s, 'FI', { encryptionKey: key });
  Annotations.fromStack(s).hasWarning('/S/Imported', Match.stringLikeRegexp('must allow logs.eu-west-1.amazonaws.com'));
});

test('one per account and region: a second one in the same environment is an error naming both', () => {
  const app = new App();
  new FleetIndexing(stack(app, 'A'), 'FI');
  expect(() => new FleetIndexing(stack(app, 'B'), 'FI'))
    .toThrow(/B\/FI: the fleet indexing configuration of account <any account>, region <any region> may be the one A\/FI \(account <any account>, region <any region>\) already owns/);
});

test('an environment-agnostic stack collides with one in an explicit environment, in either order', () => {
  const app = new App();
  new FleetIndexing(stack(app, 'A', { account: '111122223333', region: 'eu-west-1' }), 'FI');
  expect(() => new FleetIndexing(stack(app, 'B'), 'FI'))
    .toThrow(/B\/FI: the fleet indexing configuration of account <any account>, region <any region> may be the one A\/FI \(account 111122223333, region eu-west-1\) already owns/);
  const other = new App();
  new FleetIndexing(stack(other, 'A'), 'FI');
  expect(() => new FleetIndexing(stack(other, 'B', { account: '111122223333', region: 'eu-west-1' }), 'FI')).toThrow(/may be the one A\/FI/);
});

test('a stack with only its region given collides with one in that region, not with one in another', () => {
  const app = new App();
  new FleetIndexing(stack(app, 'A', { account: '111122223333', region: 'eu-west-1' }), 'FI');
  expect(() => new FleetIndexing(stack(app, 'B', { region: 'us-east-1' }), 'FI')).not.toThrow();
  expect(() => new FleetIndexing(stack(app, 'C', { region: 'eu-west-1' }), 'FI')).toThrow(/C\/FI: .* may be the one A\/FI/);
});

test('stacks in different explicit environments may each have one', () => {
  const app = new App();
  new FleetIndexing(stack(app, 'A', { account: '111122223333', region: 'eu-west-1' }), 'FI');
  expect(() => new FleetIndexing(stack(app, 'B', { account: '111122223333', region: 'us-east-1' }), 'FI')).not.toThrow();
});

test.each([
  [{ thingIndexingMode: 'ALL' as ThingIndexingMode }, /thingIndexingMode must be one of REGISTRY, REGISTRY_AND_SHADOW, got "ALL"/],
  [{ namedShadowNames: Array.from({ length: 11 }, (_, i) => `s${i}`) }, /namedShadowNames must be a list of at most 10 names/],
  [{ namedShadowNames: ['bad name'] }, /namedShadowNames: each name must be 1-64 letters.*got "bad name"/],
  [{ customFields: [{ name: 'firmware', type: IndexedFieldType.STRING }] }, /customFields: name must be 'attributes.<x>'.*got "firmware"/],
  [{ customFields: [{ name: 'attributes.a', type: 'Date' as IndexedFieldType }] }, /customFields: type of "attributes.a" must be one of String, Number, Boolean, got "Date"/],
  [{ customFields: [{ name: 'attributes.a', type: IndexedFieldType.STRING }, { name: 'attributes.a', type: IndexedFieldType.STRING }] }, /attributes.a is listed twice/],
  [{ thingIndexingMode: ThingIndexingMode.REGISTRY, namedShadowNames: ['cfg'] }, /thingIndexingMode must be REGISTRY_AND_SHADOW to index named shadows or shadow fields/],
  [{ customFields: [undefined as never] }, /customFields: name must be/],
  [{ customFields: [{ name: 'shadow.name.cfg.reported.rev', type: IndexedFieldType.NUMBER }] }, /customFields: shadow.name.cfg.reported.rev reads the named shadow 'cfg', which must be listed in namedShadowNames \(got \[\]\)/],
  [{ deviceDefenderViolations: 'yes' as unknown as boolean }, /deviceDefenderViolations must be true or false, got "yes"/],
  [{ connectivityIndexing: 0 as unknown as boolean }, /connectivityIndexing must be true or false, got 0/],
  [{ customFields: [{ name: 'attributes.firmware version', type: IndexedFieldType.STRING }] }, /got "attributes.firmware version" \(a space at position 20 is not allowed\)/],
  [{ customFields: [{ name: 'attributes.fw#', type: IndexedFieldType.STRING }] }, /got "attributes.fw#" \('#' at position 14 is not allowed\)/],
  [{ customField: [] } as never, /unknown prop 'customField' \(did you mean 'customFields'\?\); the props are thingIndexingMode, /],
  [{ connectivity: true } as never, /unknown prop 'connectivity' \(did you mean 'connectivityIndexing'\?\)/],
])('rejects %j with the construct path and what is allowed', (props, message) => {
  expect(() => new FleetIndexing(stack(), 'FI', props)).toThrow(new RegExp(`^S/FI: FleetIndexing: .*${message.source}`));
});

test('null props are the defaults, not a TypeError', () => {
  const s = stack();
  new FleetIndexing(s, 'FI', null as never);
  expect(configurationOf(s).thingIndexingMode).toBe('REGISTRY_AND_SHADOW');
});

test('passes IotSecurityChecks, AwsSolutionsChecks and the CloudFormation validator with no unacknowledged finding', () => {
  const app = newValidatedApp();
  new FleetIndexing(new Stack(app, 'S'), 'FI', { customFields: [{ name: 'attributes.site', type: IndexedFieldType.STRING }] });
  expect(validationFindings(app)).toEqual([]);
});
