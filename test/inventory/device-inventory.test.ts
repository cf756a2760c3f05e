import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  Criticality, DeviceInventory, DynamicGroupQuery, FleetIndexing, IndexedFieldType, RiskProfile, ThingIndexingMode,
} from '../../lib';
import { newValidatedApp, validationFindings } from '../validation';

function stack(app = new App()) {
  return new Stack(app, 'S');
}

const actionable = [
  { name: 'old-firmware', query: DynamicGroupQuery.firmwareOlderThan(1042) },
  { name: 'offline', query: DynamicGroupQuery.disconnected() },
  { name: 'non-compliant', query: DynamicGroupQuery.nonCompliant() },
];

test('defaults: a root group and one group per criticality, tagged, no thing type or dynamic group', () => {
  const s = stack();
  new DeviceInventory(s, 'Inv');
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::IoT::ThingGroup', 5);
  t.resourceCountIs('AWS::IoT::ThingType', 0);
  t.hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'fleet', ParentGroupName: Match.absent() });
  t.hasResourceProperties('AWS::IoT::ThingGroup', {
    ThingGroupName: 'fleet-safety-critical', ParentGroupName: 'fleet',
    ThingGroupProperties: Match.objectLike({ AttributePayload: { Attributes: { criticality: 'safety-critical' } } }),
    Tags: [{ Key: 'criticality', Value: 'high' }, { Key: 'data-class', Value: 'internal' }, { Key: 'owner', Value: 'unassigned' }],
  });
});

test('static hierarchy by criticality and site, each group depending on its parent', () => {
  const s = stack();
  const inv = new DeviceInventory(s, 'Inv', { rootGroupName: 'plant', criticalities: [Criticality.HIGH], sites: ['north', 'south'] });
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::IoT::ThingGroup', 4);
  t.hasResourceProperties('AWS::IoT::ThingGroup', {
    ThingGroupName: 'plant-high-north', ParentGroupName: 'plant-high',
    ThingGroupProperties: Match.objectLike({ AttributePayload: { Attributes: { criticality: 'high', site: 'north' } } }),
  });
  const site = Object.values(t.findResources('AWS::IoT::ThingGroup', { Properties: { ThingGroupName: 'plant-high-south' } }))[0];
  expect(site.DependsOn).toEqual([s.getLogicalId(inv.staticGroup(Criticality.HIGH))]);
  expect(inv.staticGroup(Criticality.HIGH, 'south').thingGroupName).toBe('plant-high-south');
  expect(() => inv.staticGroup(Criticality.LOW)).toThrow(/S\/Inv: DeviceInventory has no static group for criticality "low"/);
});

test('thing types: three searchable category attributes by default, or the ones given', () => {
  const s = stack();
  new DeviceInventory(s, 'Inv', { thingTypes: [{ name: 'sensor' }, { name: 'gateway', searchableAttributes: ['site'], description: 'edge' }] });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IoT::ThingType', { ThingTypeName: 'sensor', ThingTypeProperties: { SearchableAttributes: ['criticality', 'site', 'patchable'] } });
  t.hasResourceProperties('AWS::IoT::ThingType', { ThingTypeName: 'gateway', ThingTypeProperties: { SearchableAttributes: ['site'], ThingTypeDescription: 'edge' } });
  t.hasResourceProperties('AWS::IoT::ThingType', { Tags: Match.arrayWith([{ Key: 'owner', Value: 'unassigned' }]) });
});

test('dynamic groups: the query as given, and the fields fleet indexing must provide', () => {
  const s = stack();
  const inv = new DeviceInventory(s, 'Inv', { dynamicGroups: [...actionable, { name: 'stale', query: DynamicGroupQuery.disconnectedSince(1700000000000), description: 'gone' }] });
  new FleetIndexing(s, 'FI', { customFields: inv.requiredCustomFields });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'old-firmware', QueryString: 'attributes.firmwareBuild < 1042' });
  t.hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'offline', QueryString: 'connectivity.connected:false' });
  t.hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'non-compliant', QueryString: 'shadow.reported.compliant:false' });
  t.hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'stale', QueryString: 'connectivity.connected:false AND connectivity.timestamp < 1700000000000' });
  expect(inv.requiredCustomFields).toEqual([{ name: 'attributes.firmwareBuild', type: IndexedFieldType.NUMBER }]);
  expect(inv.fleetIndexingRequirements).toEqual([
    'connectivity.connected: connectivity indexing', 'shadow.reported.compliant: thingIndexingMode REGISTRY_AND_SHADOW',
    'connectivity.timestamp: connectivity indexing', 'attributes.firmwareBuild: a Number custom field',
  ]);
  expect(() => Template.fromStack(s)).not.toThrow();
  expect(() => new App().synth()).not.toThrow();
});

test('disconnectedForDays: the group starts empty and a scheduled state machine moves its cut-off to now minus the days', () => {
  const s = stack();
  const inv = new DeviceInventory(s, 'Inv', { dynamicGroups: [{ name: 'gone-30d', query: DynamicGroupQuery.disconnectedForDays(30) }] });
  new FleetIndexing(s, 'FI');
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'gone-30d', QueryString: 'connectivity.connected:false AND connectivity.timestamp < 0' });
  t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' });
  const [sm] = Object.values(t.findResources('AWS::StepFunctions::StateMachine'));
  const def = sm.Properties.DefinitionString;
  const text = typeof def === 'string' ? def : (def['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : (p as { Ref?: string }).Ref === 'AWS::Partition' ? 'aws' : 'TOKEN')).join('');
  const definition = JSON.parse(text);
  const task = definition.States['Refresh-gone-30d'];
  expect(task.QueryLanguage).toBe('JSONata');
  expect(task.Arguments.QueryString).toBe("{% 'connectivity.connected:false AND connectivity.timestamp < ' & $string($millis() - 2592000000) %}");
  expect(task.Arguments.ThingGroupName).toBe('gone-30d');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const asl = require('asl-validator');
  const result = (asl.default ?? asl)(definition);
  expect(result.errorsText()).toBe('');
  const [, policy] = Object.entries(t.findResources('AWS::IAM::Policy')).find(([id]) => id.includes('CutOffRefresher'))!;
  const iotStatements = (policy.Properties.PolicyDocument.Statement as { Action: string; Resource: unknown }[]).filter((x) => String(x.Action).startsWith('iot:'));
  expect(iotStatements).toEqual([{ Effect: 'Allow', Action: 'iot:UpdateDynamicThingGroup', Resource: { 'Fn::GetAtt': [s.getLogicalId(inv.dynamicGroups['gone-30d']), 'Arn'] } }]);
  expect(inv.refresher).toBeDefined();
  expect(() => new DeviceInventory(stack(), 'Inv', { dynamicGroups: [{ name: 'g', query: DynamicGroupQuery.disconnectedForDays(0) }] }))
    .toThrow(/the days of "g" must be an integer from 1 to 3650, got 0/);
});

describe('the app\'s FleetIndexing must provide the fields (synth error naming the field)', () => {
  const synth = (s: Stack) => () => s.node.root.node.children.length && (s.node.root as App).synth();
  test('no FleetIndexing at all', () => {
    const s = stack();
    new DeviceInventory(s, 'Inv', { dynamicGroups: [actionable[1]] });
    expect(synth(s)).toThrow(/the app has no FleetIndexing for this stack's account and region/);
  });
  test('a custom field missing, or of the wrong type; connectivity off; shadow off; named shadow missing', () => {
    const app = new App();
    const s = stack(app);
    new DeviceInventory(s, 'Inv', { dynamicGroups: [...actionable, { name: 'cfg', query: DynamicGroupQuery.of('shadow.name.cfg.reported.rev > 2') }] });
    new FleetIndexing(s, 'FI', { thingIndexingMode: ThingIndexingMode.REGISTRY, connectivityIndexing: false, customFields: [{ name: 'attributes.other', type: IndexedFieldType.STRING }] });
    expect(synth(s)).toThrow(/the FleetIndexing S\/FI does not provide what the dynamic groups query: connectivity.connected needs connectivityIndexing; shadow.reported.compliant needs thingIndexingMode REGISTRY_AND_SHADOW; shadow.name.cfg.reported.rev needs thingIndexingMode REGISTRY_AND_SHADOW; shadow.name.cfg.reported.rev needs the named shadow 'cfg' in namedShadowNames; the custom field attributes.firmwareBuild \(Number\) is not indexed; the custom field shadow.name.cfg.reported.rev \(Number\) is not indexed/);
    const s2 = stack();
    new DeviceInventory(s2, 'Inv', { dynamicGroups: [actionable[0]] });
    new FleetIndexing(s2, 'FI', { customFields: [{ name: 'attributes.firmwareBuild', type: IndexedFieldType.STRING }] });
    expect(synth(s2)).toThrow(/the custom field attributes.firmwareBuild is indexed as String, the queries compare it as Number/);
  });
  test('found in another stack of the same environment; given explicitly; or configured outside the app', () => {
    const app = new App();
    const fi = new FleetIndexing(new Stack(app, 'Other'), 'FI', { customFields: [{ name: 'attributes.firmwareBuild', type: IndexedFieldType.NUMBER }] });
    new DeviceInventory(new Stack(app, 'S'), 'Inv', { dynamicGroups: actionable });
    expect(() => app.synth()).not.toThrow();
    const app2 = new App();
    const lacking = new FleetIndexing(new Stack(app2, 'X'), 'FI');
    new DeviceInventory(new Stack(app2, 'S'), 'Inv', { dynamicGroups: [actionable[0]], fleetIndexing: lacking });
    expect(() => app2.synth()).toThrow(/the FleetIndexing X\/FI does not provide .*attributes.firmwareBuild/);
    expect(fi.node.path).toBe('Other/FI');
    const app3 = new App();
    new DeviceInventory(new Stack(app3, 'S'), 'Inv', { dynamicGroups: actionable, fleetIndexingConfiguredOutsideApp: true });
    expect(() => app3.synth()).not.toThrow();
  });
  test('a FleetIndexing of another region does not count', () => {
    const app = new App();
    new FleetIndexing(new Stack(app, 'Other', { env: { account: '111122223333', region: 'us-east-1' } }), 'FI');
    new DeviceInventory(new Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } }), 'Inv', { dynamicGroups: [actionable[1]] });
    expect(() => app.synth()).toThrow(/has no FleetIndexing/);
  });
});

describe('bad input', () => {
  test.each([
    [{ rootGroupName: 'bad name' }, /rootGroupName must be 1-128 letters, digits, ':', '_' or '-', got "bad name"/],
    [{ sites: ['ok', 'no/slash'] }, /sites must be 1-128 letters.*got "no\/slash"/],
    [{ criticalities: ['extreme' as Criticality] }, /criticalities must be Criticality values.*got "extreme"/],
    [{ thingTypes: [{ name: 't', searchableAttributes: ['a', 'b', 'c', 'd'] }] }, /"t" may have at most 3 searchable attributes/],
    [{ thingTypes: [{ name: 't', searchableAttributes: ['a b'] }] }, /attribute names must be .*got "a b"/],
    [{ thingTypes: [{ name: 'bad type!' }] }, /thingTypes: name must be 1-128 letters/],
    [{ dynamicGroups: [{ name: 'g', query: DynamicGroupQuery.of('firmware < 3') }] }, /the query of "g", "firmware < 3", is not a valid fleet indexing query: unknown field "firmware" at position 1/],
    [{ dynamicGroups: [{ name: 'g', query: DynamicGroupQuery.of('thingName:a OR') }] }, /is not a valid fleet indexing query: expected a field such as attributes.site at position 15/],
    [{ dynamicGroups: [{ name: 'g', query: 'thingName:a' as unknown as DynamicGroupQuery }] }, /must be made with DynamicGroupQuery/],
    [{ dynamicGroups: [{ name: 'fleet', query: DynamicGroupQuery.disconnected() }] }, /thing group names must be unique, "fleet" is used twice/],
    [{ sites: 'north' as unknown as string[] }, /sites must be a list, got "north"/],
    [{ rootGroupName: 'r'.repeat(100), sites: ['s'.repeat(20)] }, /longer than 128 characters/],
  ])('%j', (props, message) => {
    expect(() => new DeviceInventory(stack(), 'Inv', props)).toThrow(message);
  });
  test('problems together in one error naming the construct; undefined props are the defaults', () => {
    expect(() => new DeviceInventory(stack(), 'Inv', { rootGroupName: 'a b', sites: ['c d'] })).toThrow(/^S\/Inv: DeviceInventory: rootGroupName .*; sites /);
    expect(() => new DeviceInventory(stack(), 'Inv', undefined)).not.toThrow();
  });
});

const PROFILES: [string, RiskProfile | undefined][] = [['default', undefined], ...RiskProfile.PRESETS.map((p): [string, RiskProfile] => [p.name, p])];

test.each(PROFILES)('no finding from the three validators (%s)', (_name, riskProfile) => {
  const app = newValidatedApp();
  const s = new Stack(app, 'S');
  const inv = new DeviceInventory(s, 'Inv', {
    riskProfile, sites: ['north'], thingTypes: [{ name: 'sensor' }],
    dynamicGroups: [...actionable, { name: 'gone-7d', query: DynamicGroupQuery.disconnectedForDays(7) }],
  });
  new FleetIndexing(s, 'FI', { customFields: inv.requiredCustomFields });
  expect(validationFindings(app)).toEqual([]);
});
