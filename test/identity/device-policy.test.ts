import { App, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  AssetTags, Criticality, DevicePolicy, DeviceTopic, RiskProfile, THING_NAME_VARIABLE, TopicAccess,
} from '../../lib';
import { analyzePolicyDocument } from '../../lib/checks/private/iot-policy-analyzer';
import { newValidatedApp, validationFindings } from '../validation';

const T = THING_NAME_VARIABLE;

function stack() {
  return new Stack(new App(), 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
}

/** The policy document with every ARN joined into one string, for readable assertions. */
function documentOf(s: Stack) {
  const policy = Object.values(Template.fromStack(s).findResources('AWS::IoT::Policy'))[0];
  const flatten = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(flatten);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('Fn::Join' in o) return ((o['Fn::Join'] as [string, unknown[]])[1]).map((p) => (typeof p === 'string' ? p : (p as { Ref: string }).Ref === 'AWS::Partition' ? 'aws' : '?')).join('');
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, flatten(x)]));
    }
    return v;
  };
  return { raw: policy.Properties.PolicyDocument, flat: flatten(policy.Properties.PolicyDocument) as { Statement: { Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown }[] } };
}

const resourcesOf = (s: Stack, sid: string) => ([] as string[]).concat(documentOf(s).flat.Statement.find((x) => x.Sid === sid)?.Resource ?? []);
const topic = (name: string) => `arn:aws:iot:eu-west-1:111122223333:topic/${name}`;
const filter = (name: string) => `arn:aws:iot:eu-west-1:111122223333:topicfilter/${name}`;

test('defaults: connect as its own attached thing; own topic tree, classic shadow and jobs; nothing else', () => {
  const s = stack();
  new DevicePolicy(s, 'P');
  const doc = documentOf(s).flat;
  expect(doc.Statement.map((x) => x.Sid)).toEqual(['ConnectAsOwnThingOnly', 'PublishOwnTopics', 'SubscribeOwnTopics', 'ReceiveOwnTopics']);
  expect(doc.Statement[0]).toEqual({
    Sid: 'ConnectAsOwnThingOnly', Effect: 'Allow', Action: 'iot:Connect',
    Resource: `arn:aws:iot:eu-west-1:111122223333:client/${T}`,
    Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
  });
  expect(resourcesOf(s, 'PublishOwnTopics')).toEqual([
    topic(`devices/${T}/*`), topic(`$aws/things/${T}/shadow/get`), topic(`$aws/things/${T}/shadow/update`),
    topic(`$aws/things/${T}/shadow/delete`), topic(`$aws/things/${T}/jobs/*`),
  ]);
  expect(resourcesOf(s, 'SubscribeOwnTopics')).toContain(filter(`$aws/things/${T}/shadow/update/*`));
  const actions = doc.Statement.flatMap((x) => ([] as string[]).concat(x.Action));
  expect(actions.every((a) => ['iot:Connect', 'iot:Publish', 'iot:Subscribe', 'iot:Receive'].includes(a))).toBe(true);
});

test('the rendered document passes the rule pack\'s analyzer with no finding', () => {
  const s = stack();
  new DevicePolicy(s, 'P', {
    namedShadows: ['config'], retainedMessages: true,
    topics: [DeviceTopic.perDevice(`fleet/${T}/logs/*`, TopicAccess.PUBLISH), DeviceTopic.sharedReceiveOnly('broadcast/time')],
  });
  expect(analyzePolicyDocument(documentOf(s).raw)).toEqual({ wildcardActions: [], unscopedDataPlane: [], controlPlane: [], denyMqttWildcards: [], unresolved: [] });
});

test('overrides: topic root, named shadows, retained messages, no jobs, no shadow, no own tree', () => {
  const s = stack();
  new DevicePolicy(s, 'P', { topicRoot: 'plant/line1', namedShadows: ['config'], retainedMessages: true, jobs: false, classicShadow: false, policyName: 'sensor-policy' });
  expect(resourcesOf(s, 'PublishOwnTopics')).toEqual([topic(`plant/line1/${T}/*`), topic(`$aws/things/${T}/shadow/name/config/*`)]);
  expect(resourcesOf(s, 'RetainOwnTopics')).toEqual([topic(`plant/line1/${T}/*`)]);
  Template.fromStack(s).hasResourceProperties('AWS::IoT::Policy', { PolicyName: 'sensor-policy' });
  const s2 = stack();
  new DevicePolicy(s2, 'P', { ownTopicTree: false, classicShadow: false, jobs: false });
  expect(documentOf(s2).flat.Statement.map((x) => x.Sid)).toEqual(['ConnectAsOwnThingOnly']);
});

test('extra topics: per-device by access, shared ones subscribe and receive only; addTopic adds later', () => {
  const s = stack();
  const p = new DevicePolicy(s, 'P', { ownTopicTree: false, classicShadow: false, jobs: false, topics: [DeviceTopic.sharedReceiveOnly('broadcast/time')] });
  p.addTopic(DeviceTopic.perDevice(`cmd/${T}`, TopicAccess.SUBSCRIBE));
  p.addTopic(DeviceTopic.perDevice(`$aws/rules/ingest/${T}`, TopicAccess.PUBLISH));
  expect(resourcesOf(s, 'PublishOwnTopics')).toEqual([topic(`$aws/rules/ingest/${T}`)]);
  expect(resourcesOf(s, 'SubscribeOwnTopics')).toEqual([filter('broadcast/time'), filter(`cmd/${T}`)]);
  expect(resourcesOf(s, 'ReceiveOwnTopics')).toEqual([topic('broadcast/time'), topic(`cmd/${T}`)]);
  expect(p.statements).toHaveLength(4);
  expect(p.document.statementCount).toBe(4);
});

test('denyPublishTopics: an explicit Deny that wins over the Allows; MQTT wildcards in it are rejected', () => {
  const s = stack();
  new DevicePolicy(s, 'P', { denyPublishTopics: [`devices/${T}/commands`, 'devices/*/admin'] });
  const deny = documentOf(s).flat.Statement.find((x) => x.Sid === 'NeverPublish')!;
  expect(deny).toEqual({ Sid: 'NeverPublish', Effect: 'Deny', Action: 'iot:Publish', Resource: [topic(`devices/${T}/commands`), topic('devices/*/admin')] });
  expect(analyzePolicyDocument(documentOf(s).raw).denyMqttWildcards).toEqual([]);
  expect(() => new DevicePolicy(stack(), 'P', { denyPublishTopics: ['devices/+/admin'] })).toThrow(/S\/P: DevicePolicy: denyPublishTopics: "devices\/\+\/admin" holds MQTT '\+' or '#'/);
  expect(() => new DevicePolicy(stack(), 'P', { denyPublishTopics: ['devices/#'] })).toThrow(/so the Deny would not cover the topics it seems to/);
});

test('tags: defaults from the risk profile, replaced by AssetTags above or assetTags', () => {
  const s = stack();
  new DevicePolicy(s, 'P', { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE });
  Template.fromStack(s).hasResourceProperties('AWS::IoT::Policy', {
    Tags: [{ Key: 'criticality', Value: 'safety-critical' }, { Key: 'data-class', Value: 'internal' }, { Key: 'owner', Value: 'unassigned' }],
  });
  const s2 = stack();
  AssetTags.apply(s2, { criticality: Criticality.LOW, owner: 'plant-ops' });
  new DevicePolicy(s2, 'P');
  Template.fromStack(s2).hasResourceProperties('AWS::IoT::Policy', {
    Tags: [{ Key: 'criticality', Value: 'low' }, { Key: 'data-class', Value: 'internal' }, { Key: 'owner', Value: 'plant-ops' }],
  });
  const s3 = stack();
  new DevicePolicy(s3, 'P', { assetTags: { criticality: Criticality.HIGH, owner: 'line-1' } });
  Template.fromStack(s3).hasResourceProperties('AWS::IoT::Policy', {
    Tags: [{ Key: 'criticality', Value: 'high' }, { Key: 'data-class', Value: 'internal' }, { Key: 'owner', Value: 'line-1' }],
  });
});

describe('rejects what would let one device act as another', () => {
  const make = (topics: DeviceTopic[]) => () => new DevicePolicy(stack(), 'P', { topics });
  test.each([
    [`*/${T}/x`, /wildcard before/],
    [`fleet/${T}*`, /wildcard right after/],
    [`fleet/${T}/a*`, /wildcard inside a topic level/],
    [`fleet/${T}/#`, /MQTT '\+' or '#'/],
    [`fleet/+/${T}`, /MQTT '\+' or '#'/],
    ['fleet/all', /must contain \$\{iot:Connection.Thing.ThingName\}/],
    [`$aws/things/${T}/shadow/update`, /reserved topic/],
    [`fleet/${T}/\${iot:ClientId}`, /no policy variable but/],
    [`a/b/c/d/e/f/g/${T}/h`, /longer than AWS IoT allows/],
  ])('per-device %s', (t, message) => {
    expect(make([DeviceTopic.perDevice(t, TopicAccess.PUBLISH_AND_SUBSCRIBE)])).toThrow(message);
  });
  test('a shared topic with a wildcard, a Basic Ingest topic to subscribe', () => {
    expect(make([DeviceTopic.sharedReceiveOnly('broadcast/*')])).toThrow(/S\/P: DevicePolicy: topics: the shared topic "broadcast\/\*" holds a wildcard/);
    expect(make([DeviceTopic.perDevice(`$aws/rules/r/${T}`, TopicAccess.SUBSCRIBE)])).toThrow(/Basic Ingest topic, which devices can only publish to/);
  });
  test('addTopic checks too', () => {
    const p = new DevicePolicy(stack(), 'P');
    expect(() => p.addTopic(DeviceTopic.perDevice(`x/${T}*`, TopicAccess.PUBLISH))).toThrow(/wildcard right after/);
  });
});

test('a topic known only at synth end is judged on the rendered document by the rule pack\'s analyzer', () => {
  const s = stack();
  new DevicePolicy(s, 'P', { topics: [DeviceTopic.perDevice(Lazy.string({ produce: () => 'fleet/*' }), TopicAccess.SUBSCRIBE)] });
  expect(() => Template.fromStack(s)).toThrow(/DevicePolicy: the rendered policy is not least privilege: unscopedDataPlane: Resource::arn:\$\{AWS::Partition\}:iot:eu-west-1:111122223333:topicfilter\/fleet\/\*/);
});

test('rejects bad props in one error, without a TypeError', () => {
  expect(() => new DevicePolicy(stack(), 'P', {
    topicRoot: '$aws', namedShadows: ['bad name'], policyName: 'bad name', jobs: 'yes' as unknown as boolean,
  })).toThrow(/S\/P: DevicePolicy: topicRoot must be .*got "\$aws"; jobs must be true or false, got "yes"; namedShadows: each name must be .*got "bad name"; policyName must be .*got "bad name"/);
  expect(() => new DevicePolicy(stack(), 'P', { topics: ['x' as unknown as DeviceTopic] })).toThrow(/must be made with DeviceTopic.perDevice\(\)/);
  expect(() => new DevicePolicy(stack(), 'P', undefined)).not.toThrow();
});

const PROFILES: [string, RiskProfile | undefined][] = [['default', undefined], ...RiskProfile.PRESETS.map((p): [string, RiskProfile] => [p.name, p])];

test.each(PROFILES)('no finding from the three validators (%s)', (_name, riskProfile) => {
  const app = newValidatedApp();
  const s = new Stack(app, 'S');
  new DevicePolicy(s, 'P', { riskProfile, namedShadows: ['config'], topics: [DeviceTopic.sharedReceiveOnly('broadcast/time')] });
  expect(validationFindings(app)).toEqual([]);
});
