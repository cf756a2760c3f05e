import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AssetTags, Criticality, IotEventConfigurations, IotEventType } from '../../lib';
import { iamAction } from '../../lib/checks/private/iam-data';
import { EVENT_TYPES } from '../../lib/monitoring/handlers/iot-event-configurations';
import { callTarget, principalPolicy, roleOf, TEST_ENV } from '../runtime/iam';
import { CfnTemplate } from '../runtime/synthesized';
import { newValidatedApp, validationFindings } from '../validation';

function stack(app = new App(), id = 'S', env?: { account: string; region: string }) {
  return new Stack(app, id, { env });
}

const configuration = (t: Template) => Object.values(t.findResources('Custom::IotEventConfigurations'))[0];
function handlerStatements(t: Template): { Action: string | string[]; Resource: unknown }[] {
  const fn = Object.values(t.findResources('AWS::Lambda::Function'))[0];
  const role = fn.Properties.Role['Fn::GetAtt'][0];
  const policy = Object.values(t.findResources('AWS::IAM::Policy')).find((p) => p.Properties.Roles[0].Ref === role)!;
  return policy.Properties.PolicyDocument.Statement;
}

test('switches on what the library\'s rules and alarms read, and the certificate events, through a custom resource that keeps what it found', () => {
  const s = stack();
  const ec = new IotEventConfigurations(s, 'EC');
  const t = Template.fromStack(s);
  expect(configuration(t).Properties).toEqual(expect.objectContaining({
    EnabledEventTypes: ['JOB', 'JOB_EXECUTION', 'CERTIFICATE', 'CA_CERTIFICATE'],
    StateParameter: '/cdk-secure-iot/iot-event-configurations/state',
  }));
  expect(ec.eventTypes).toEqual([IotEventType.JOB, IotEventType.JOB_EXECUTION, IotEventType.CERTIFICATE, IotEventType.CA_CERTIFICATE]);
  // A copy each time: a caller cannot change the library's default.
  IotEventConfigurations.libraryEventTypes().push(IotEventType.POLICY);
  expect(IotEventConfigurations.libraryEventTypes()).toHaveLength(4);
});

test('the enum is exactly the keys UpdateEventConfigurations takes', () => {
  expect(Object.values(IotEventType).sort()).toEqual([...EVENT_TYPES].sort());
});

test('eventTypes replaces the default, without duplicates', () => {
  const s = stack();
  new IotEventConfigurations(s, 'EC', { eventTypes: [IotEventType.THING, IotEventType.THING_GROUP_MEMBERSHIP, IotEventType.THING] });
  expect(configuration(Template.fromStack(s)).Properties.EnabledEventTypes).toEqual(['THING', 'THING_GROUP_MEMBERSHIP']);
});

test('the handler may read and write the event configurations ("*": the actions have no resource type) and its one SSM parameter, nothing else', () => {
  const s = stack(new App(), 'S', { account: '111122223333', region: 'eu-west-1' });
  new IotEventConfigurations(s, 'EC');
  const statements = handlerStatements(Template.fromStack(s));
  const iot = statements.find((st) => ([] as string[]).concat(st.Action).includes('iot:UpdateEventConfigurations'))!;
  expect(iot).toEqual(expect.objectContaining({ Action: ['iot:DescribeEventConfigurations', 'iot:UpdateEventConfigurations'], Resource: '*' }));
  // The pinned IAM dataset: neither action has a resource type, so only "*" can authorize them.
  for (const action of ['DescribeEventConfigurations', 'UpdateEventConfigurations']) {
    expect(iamAction('iot', action)?.resourceTypes).toEqual([]);
  }
  const ssm = statements.find((st) => ([] as string[]).concat(st.Action).includes('ssm:PutParameter'))!;
  expect(ssm.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111122223333:parameter/cdk-secure-iot/iot-event-configurations/state']] });
  const actions = statements.flatMap((st) => ([] as string[]).concat(st.Action)).sort();
  expect(actions).toEqual(['iot:DescribeEventConfigurations', 'iot:UpdateEventConfigurations', 'logs:CreateLogStream', 'logs:PutLogEvents',
    'ssm:DeleteParameter', 'ssm:GetParameter', 'ssm:PutParameter'].sort());
});

test('one owner per account and region', () => {
  const app = new App();
  new IotEventConfigurations(stack(app, 'A'), 'EC');
  expect(() => new IotEventConfigurations(stack(app, 'B'), 'EC')).toThrow(/B\/EC: the IoT event configurations of account <any account>, region <any region> may be the one A\/EC/);
  const app2 = new App();
  new IotEventConfigurations(stack(app2, 'A', { account: '111122223333', region: 'eu-west-1' }), 'EC');
  expect(() => new IotEventConfigurations(stack(app2, 'B', { account: '111122223333', region: 'us-east-1' }), 'EC')).not.toThrow();
});

test('a key of your own encrypts the handler\'s log group', () => {
  const s = stack();
  const key = new kms.Key(s, 'Mine', { enableKeyRotation: true });
  const ec = new IotEventConfigurations(s, 'EC', { encryptionKey: key });
  expect(ec.encryptionKey).toBe(key);
  Template.fromStack(s).resourceCountIs('AWS::KMS::Key', 1);
});

test.each([
  [{ eventTypes: [] }, /eventTypes must be a non-empty list of IotEventType \(THING, .*CA_CERTIFICATE\), got \[\]/],
  [{ eventTypes: ['JOBS'] }, /eventTypes must be a non-empty list of IotEventType .*, got \["JOBS"\]/],
  [{ eventTypes: 'JOB' }, /eventTypes must be a non-empty list of IotEventType .*, got "JOB"/],
  [{ encryptionKey: 'alias/mine' }, /encryptionKey must be a kms.IKey/],
  [{ eventType: [IotEventType.JOB] }, /eventType/],
])('rejects %j', (props, message) => {
  expect(() => new IotEventConfigurations(stack(), 'EC', props as never)).toThrow(new RegExp(`^S/EC: IotEventConfigurations: .*${message.source}`));
});

test('passes every validator with no unacknowledged finding, in an agnostic and a pinned stack', () => {
  for (const env of [undefined, { account: '111122223333', region: 'eu-west-1' }]) {
    const app = newValidatedApp();
    const s = new Stack(app, 'S', { env });
    AssetTags.apply(s, { criticality: Criticality.HIGH, owner: 'iot-platform' });
    new IotEventConfigurations(s, 'EC');
    expect(validationFindings(app)).toEqual([]);
  }
});

test('each call the handler makes is allowed on what it touches (IAM evaluator over the template)', () => {
  const s = stack();
  new IotEventConfigurations(s, 'EC');
  const template = Template.fromStack(s).toJSON() as CfnTemplate;
  const fnId = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::Lambda::Function')![0];
  const policy = principalPolicy(template, roleOf(template, fnId));
  const name = '/cdk-secure-iot/iot-event-configurations/state';
  for (const [service, action, params] of [
    ['iot', 'DescribeEventConfigurations', {}],
    ['iot', 'UpdateEventConfigurations', { eventConfigurations: { JOB: { Enabled: true } } }],
    ['ssm', 'GetParameter', { Name: name }],
    ['ssm', 'PutParameter', { Name: name }],
    ['ssm', 'DeleteParameter', { Name: name }],
  ] as const) {
    const call = callTarget(service, action, params);
    for (const arn of call.resources) expect(policy.explain(call.iamAction, arn)).toMatch(/ALLOWED/);
  }
  expect(policy.isAllowed('ssm:PutParameter', `arn:aws:ssm:${TEST_ENV.region}:${TEST_ENV.account}:parameter/cdk-secure-iot/fleet-indexing/state`)).toBe(false);
});
