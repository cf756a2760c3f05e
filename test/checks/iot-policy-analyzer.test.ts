import {
  analyzePolicyDocument, DEVICE_ACTIONS, globMatch, IOT_ACTIONS, parseAction, PolicyFindings,
} from '../../lib/checks/private/iot-policy-analyzer';
import { evaluate, Placeholders, renderString } from '../../lib/checks/private/intrinsics';

const ARN = 'arn:aws:iot:us-east-1:123456789012';
const THING = '${iot:Connection.Thing.ThingName}';

function allow(Action: unknown, Resource: unknown, extra: object = {}): object {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource, ...extra }] };
}

function analyze(doc: unknown): PolicyFindings {
  const f = analyzePolicyDocument(doc);
  return {
    wildcardActions: [...f.wildcardActions].sort(),
    unscopedDataPlane: [...f.unscopedDataPlane].sort(),
    controlPlane: [...f.controlPlane].sort(),
    denyMqttWildcards: [...f.denyMqttWildcards].sort(),
    unresolved: [...f.unresolved].sort(),
  };
}

const NONE: PolicyFindings = { wildcardActions: [], unscopedDataPlane: [], controlPlane: [], denyMqttWildcards: [], unresolved: [] };

describe('the IoT action list', () => {
  test('holds the data plane, the control plane and the credentials provider, each once', () => {
    for (const a of ['Connect', 'Publish', 'Receive', 'Subscribe', 'RetainPublish', 'GetThingShadow', 'UpdateThingShadow',
      'DeleteThingShadow', 'ListNamedShadowsForThing', 'DescribeJobExecution', 'GetPendingJobExecutions',
      'StartNextPendingJobExecution', 'UpdateJobExecution', 'GetRetainedMessage', 'ListRetainedMessages',
      'AssumeRoleWithCertificate', 'CreateThing', 'AttachPolicy', 'CreateKeysAndCertificate', 'RegisterThing',
      'UpdateCertificate', 'OpenTunnel', 'SetDefaultPolicyVersion']) {
      expect(IOT_ACTIONS).toContain(a);
    }
    expect(new Set(IOT_ACTIONS.map((a) => a.toLowerCase())).size).toBe(IOT_ACTIONS.length);
    expect(IOT_ACTIONS.length).toBeGreaterThan(280);
    for (const a of DEVICE_ACTIONS.keys()) expect(IOT_ACTIONS).toContain(a);
  });
});

describe('globMatch', () => {
  test.each([
    ['*', 'anything', true],
    ['?onnect', 'Connect', true],
    ['?onnect', 'Connects', false],
    ['*publish*', 'RetainPublish', true],
    ['up*', 'UpdateThingShadow', true],
    ['up*', 'GetThingShadow', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXcYYb', false],
    ['', '', true],
    ['*', '', true],
  ])('%s matches %s: %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  test('stays fast on patterns that make regex engines backtrack', () => {
    const start = Date.now();
    expect(globMatch('*a'.repeat(40) + 'b', 'a'.repeat(200))).toBe(false);
    expect(Date.now() - start).toBeLessThan(500);
  });
});

describe('parseAction', () => {
  test('reads service case-insensitively and expands globs against the IoT list', () => {
    expect(parseAction('IOT:*')).toMatchObject({ display: 'iot:*', wildcard: true, otherServices: false });
    expect(parseAction('iot:?onnect')).toMatchObject({ wildcard: false, iotActions: ['Connect'] });
    expect(parseAction('iot:*Publish*')?.iotActions).toEqual(['Publish', 'RetainPublish']);
    expect(parseAction('iot:PUBLISH')).toMatchObject({ iotActions: ['Publish'], wildcard: false, unknown: false });
    expect(parseAction('iot:NoSuchAction')).toMatchObject({ iotActions: [], unknown: true });
    expect(parseAction('iam:PassRole')).toMatchObject({ otherServices: true, wildcard: false });
    expect(parseAction('iam:*')).toMatchObject({ otherServices: true, wildcard: true });
    expect(parseAction('io?:Publish')).toMatchObject({ otherServices: true, wildcard: true, iotActions: ['Publish'] });
    expect(parseAction('*')).toMatchObject({ wildcard: true, otherServices: true });
    expect(parseAction('iot')).toBeUndefined();
    expect(parseAction(':Connect')).toBeUndefined();
  });
});

describe('intrinsics', () => {
  test('Fn::Sub: ${!} escapes, pseudo parameters, references, [string, vars] form, iot variables passed through', () => {
    const ph = new Placeholders();
    const s = renderString({
      'Fn::Sub': ['arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topic/${Prefix}/${Thing}/${Thing.Arn}/${!Literal}/${iot:ClientId}', { Prefix: 'fleet' }],
    }, ph, 'cloudformation');
    expect(ph.decode(s)).toEqual([
      { kind: 'text', text: 'arn:' }, { kind: 'pseudo', label: 'AWS::Partition' },
      { kind: 'text', text: ':iot:' }, { kind: 'pseudo', label: 'AWS::Region' },
      { kind: 'text', text: ':' }, { kind: 'pseudo', label: 'AWS::AccountId' },
      { kind: 'text', text: ':topic/fleet/' }, { kind: 'ref', label: 'Thing' },
      { kind: 'text', text: '/' }, { kind: 'ref', label: 'Thing.Arn' },
      { kind: 'text', text: '/${Literal}/${iot:ClientId}' },
    ]);
  });

  test('Fn::Join, Fn::Select and Fn::Split over literal lists; Fn::If and Fn::ImportValue unresolved', () => {
    const ph = new Placeholders();
    expect(renderString({ 'Fn::Join': ['/', ['a', { 'Fn::Select': [1, ['x', 'b']] }, { 'Fn::Select': [0, { 'Fn::Split': [',', 'c,d'] }] }]] }, ph, 'cloudformation')).toBe('a/b/c');
    expect(ph.decode(renderString({ 'Fn::If': ['C', 'a', 'b'] }, ph, 'cloudformation'))).toEqual([{ kind: 'unresolved', label: 'Fn::If' }]);
    expect(ph.decode(renderString({ 'Fn::ImportValue': 'X' }, ph, 'cloudformation'))).toEqual([{ kind: 'unresolved', label: 'Fn::ImportValue' }]);
  });

  test('a Ref in a provisioning template is a device value; AWS::NoValue drops a list element', () => {
    const ph = new Placeholders();
    expect(ph.decode(renderString({ Ref: 'SerialNumber' }, ph, 'provisioning'))).toEqual([{ kind: 'device', label: 'SerialNumber' }]);
    expect(ph.decode(renderString({ 'Fn::Sub': 'c/${AWS::IoT::Certificate::Id}/${iot:ClientId}' }, ph, 'provisioning'))).toEqual([
      { kind: 'text', text: 'c/' }, { kind: 'device', label: 'AWS::IoT::Certificate::Id' }, { kind: 'text', text: '/${iot:ClientId}' },
    ]);
    expect(evaluate(['a', { Ref: 'AWS::NoValue' }, 'b'], ph, 'cloudformation')).toEqual(['a', 'b']);
  });

  test('placeholders survive JSON.parse and stray private-use characters stay text', () => {
    const ph = new Placeholders();
    const json = renderString({ 'Fn::Join': ['', ['{"a":"x', { Ref: 'R' }, '"}']] }, ph, 'cloudformation');
    const parsed = JSON.parse(json) as { a: string };
    expect(ph.decode(parsed.a)).toEqual([{ kind: 'text', text: 'x' }, { kind: 'ref', label: 'R' }]);
    expect(ph.decode('\uE0000\uE001')).toEqual([{ kind: 'text', text: '\uE0000\uE001' }]);
  });
});

describe('ID1 wildcard actions', () => {
  test.each([
    ['*', 'Action::*'],
    ['iot:*', 'Action::iot:*'],
    ['IOT:*', 'Action::iot:*'],
    ['iot:*Publish*', 'Action::iot:*Publish*'],
    ['iot:Up*', 'Action::iot:Up*'],
    ['*:Connect', 'Action::*:Connect'],
  ])('%s', (action, finding) => {
    expect(analyze(allow([action], '*')).wildcardActions).toEqual([finding]);
  });

  test('a glob that matches one action is that action', () => {
    expect(analyze(allow('iot:?onnect', `${ARN}:client/${THING}`))).toEqual(NONE);
  });

  test('NotAction with Allow', () => {
    expect(analyze({ Statement: { Effect: 'Allow', NotAction: 'iot:Connect', Resource: `${ARN}:topic/${THING}` } }).wildcardActions)
      .toEqual(['NotAction']);
  });

  test('Deny statements are not judged for wildcards', () => {
    expect(analyze({ Statement: { Effect: 'Deny', Action: 'iot:*', Resource: '*' } })).toEqual(NONE);
  });
});

describe('ID2 data plane scoped to the thing', () => {
  test.each([
    ['iot:Connect', '*'],
    ['iot:Connect', `${ARN}:client/*`],
    ['iot:Connect', `${ARN}:*`],
    ['iot:Connect', 'arn:aws:iot:*:*:client/' + THING],
    ['iot:Publish', `${ARN}:topic/*`],
    ['iot:Publish', `${ARN}:topic/sensors/*/${THING}`],
    ['iot:Publish', `${ARN}:topic/sensors/+/data`],
    ['iot:Publish', `${ARN}:topic/dev?ce/data`],
    ['iot:Subscribe', `${ARN}:topicfilter/#`],
    ['iot:Subscribe', `${ARN}:topicfilter/things/+/${THING}`],
    ['iot:UpdateThingShadow', `${ARN}:thing/*`],
    ['iot:GetPendingJobExecutions', `${ARN}:thing/*`],
    ['iot:Publish', `${ARN}:topic/${THING}*`],
    ['iot:Publish', `${ARN}:topic/\${iot:Connection.Thing.ThingTypeName}/*`],
    ['iot:Publish', `${ARN}:topic/\${iot:Connection.Thing.Attributes[site]}/*`],
    ['iot:AssumeRoleWithCertificate', `${ARN}:rolealias/*`],
    ['iot:Publish', `arn:aws:iot:us-east-1:${THING}:topic/*`],
  ])('%s on %s', (action, resource) => {
    expect(analyze(allow(action, resource)).unscopedDataPlane).toEqual([`Resource::${resource}`]);
  });

  test.each([
    ['iot:Connect', `${ARN}:client/${THING}`],
    ['iot:Publish', `${ARN}:topic/$aws/things/${THING}/jobs/*`],
    ['iot:Subscribe', `${ARN}:topicfilter/$aws/things/${THING}/shadow/#`],
    ['iot:Subscribe', `${ARN}:topicfilter/devices/${THING}/+/cmd`],
    ['iot:Publish', `${ARN}:topic/broadcast/firmware`],
    ['iot:Publish', `${ARN}:topic/devices/\${iot:ClientId}/*`],
    ['iot:Publish', `${ARN}:topic/devices/\${iot:Certificate.Subject.CommonName}/*`],
    ['iot:UpdateThingShadow', `${ARN}:thing/${THING}`],
    ['iot:UpdateThingShadow', `${ARN}:thing/${THING}/*`],
    ['iot:Publish', `${ARN}:topic/literal\${*}star`],
    ['iot:AssumeRoleWithCertificate', `${ARN}:rolealias/DeviceRoleAlias`],
    // The ARN names another resource type: the statement grants nothing for the action.
    ['iot:Connect', `${ARN}:topic/*`],
    ['iot:Publish', 'arn:aws:s3:::bucket/*'],
  ])('compliant: %s on %s', (action, resource) => {
    expect(analyze(allow(action, resource)).unscopedDataPlane).toEqual([]);
  });

  test('real-world refinements: Receive, IsAttached Connect, provisioning topics, thing names, iotjobsdata', () => {
    const attached = { Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } } };
    expect(analyze(allow('iot:Receive', `${ARN}:topic/*`)).unscopedDataPlane).toEqual([]);
    expect(analyze(allow(['iot:Receive', 'iot:Publish'], `${ARN}:topic/*`)).unscopedDataPlane).toEqual([`Resource::${ARN}:topic/*`]);
    expect(analyze(allow('iot:Connect', '*', attached)).unscopedDataPlane).toEqual([]);
    expect(analyze(allow(['iot:Connect', 'iot:Publish'], '*', attached)).unscopedDataPlane).toEqual(['Resource::*']);
    expect(analyze(allow('iot:Publish', [`${ARN}:topic/$aws/certificates/create/*`, `${ARN}:topic/$aws/provisioning-templates/T/provision/*`])).unscopedDataPlane).toEqual([]);
    expect(analyze(allow('iot:Publish', `${ARN}:topic/$aws/certificates/*`)).unscopedDataPlane).toEqual([`Resource::${ARN}:topic/$aws/certificates/*`]);
    expect(analyze(allow('iot:Publish', `${ARN}:topic/$aws/things/${THING}*/shadow/*`)).unscopedDataPlane).toEqual([]);
    expect(analyze(allow('iot:Publish', `${ARN}:topic/$aws/things/*/shadow/*`)).unscopedDataPlane).toEqual([`Resource::${ARN}:topic/$aws/things/*/shadow/*`]);
    expect(analyze(allow('iot:Publish', `${ARN}:topic/$aws/things/core**/shadow/*`)).unscopedDataPlane).toEqual([`Resource::${ARN}:topic/$aws/things/core**/shadow/*`]);
    expect(analyze(allow('iot:Connect', `${ARN}:client/\${iot:ClientId}*`)).unscopedDataPlane).toEqual([`Resource::${ARN}:client/\${iot:ClientId}*`]);
    expect(analyze(allow('iotjobsdata:UpdateJobExecution', `${ARN}:thing/*`)).unscopedDataPlane).toEqual([`Resource::${ARN}:thing/*`]);
    expect(analyze(allow('iotjobsdata:UpdateJobExecution', `${ARN}:thing/${THING}`))).toEqual(NONE);
    expect(analyze(allow('iotjobsdata:Nope', '*')).controlPlane).toEqual(['Action::iotjobsdata:Nope']);
  });

  test('client/${iot:ClientId} for Connect is a tautology unless the thing must be attached', () => {
    const resource = `${ARN}:client/\${iot:ClientId}`;
    expect(analyze(allow('iot:Connect', resource)).unscopedDataPlane).toEqual([`Resource::${resource}`]);
    expect(analyze(allow('iot:Connect', resource, { Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } } })).unscopedDataPlane)
      .toEqual([]);
  });

  test('NotResource and ListRetainedMessages', () => {
    expect(analyze({ Statement: [{ Effect: 'Allow', Action: 'iot:Publish', NotResource: `${ARN}:topic/admin` }] }).unscopedDataPlane)
      .toEqual(['NotResource']);
    expect(analyze(allow('iot:ListRetainedMessages', '*')).unscopedDataPlane).toEqual(['Action::iot:ListRetainedMessages']);
  });

  test('NotAction grants every data-plane action it does not list', () => {
    const f = analyze({ Statement: { Effect: 'Allow', NotAction: ['iot:Connect', 'iot:*Shadow*'], Resource: `${ARN}:topic/*` } });
    expect(f.unscopedDataPlane).toEqual([`Resource::${ARN}:topic/*`]);
  });

  test('glob actions are judged by the data-plane actions they match', () => {
    expect(analyze(allow('iot:*Publish*', `${ARN}:topic/*`)).unscopedDataPlane).toEqual([`Resource::${ARN}:topic/*`]);
    expect(analyze(allow('iot:Create*', '*')).unscopedDataPlane).toEqual([]);
  });

  test('Fn::Sub with escaped and unescaped policy variables, and Fn::Join with pseudo parameters', () => {
    const sub = { 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:topic/d/${!iot:Connection.Thing.ThingName}/*' };
    const passed = { 'Fn::Sub': 'arn:aws:iot:${AWS::Region}:${AWS::AccountId}:client/${iot:Connection.Thing.ThingName}' };
    const join = { 'Fn::Join': ['', ['arn:aws:iot:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':topic/*']] };
    expect(analyze(allow(['iot:Publish', 'iot:Connect'], [sub, passed])).unscopedDataPlane).toEqual([]);
    expect(analyze(allow('iot:Publish', join)).unscopedDataPlane).toEqual(['Resource::arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/*']);
  });

  test('a wildcard after a fixed name that is not a device variable still spans devices', () => {
    // One literal thing's prefix: the policy is not written once for the fleet with a variable.
    const resource = { 'Fn::Sub': 'arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/${Thing}/*' };
    expect(analyze(allow('iot:Publish', resource)).unscopedDataPlane)
      .toEqual(['Resource::arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/${Thing}/*']);
  });

  test('a Ref or GetAtt is one fixed value, not a wildcard', () => {
    expect(analyze(allow('iot:UpdateThingShadow', { 'Fn::GetAtt': ['Thing', 'Arn'] })).unscopedDataPlane).toEqual([]);
    expect(analyze(allow('iot:Publish', { 'Fn::Sub': 'arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/${Topic}' })).unscopedDataPlane).toEqual([]);
  });
});

describe('ID3 control plane', () => {
  test.each([
    'iot:CreateThing', 'iot:UpdateCertificate', 'iot:DeleteThing', 'iot:AttachPolicy', 'iot:DetachThingPrincipal',
    'iot:ReplaceTopicRule', 'iot:RegisterThing', 'iot:TransferCertificate', 'iot:AcceptCertificateTransfer',
    'iot:SetDefaultPolicyVersion', 'iot:EnableTopicRule', 'iot:AddThingToThingGroup', 'iot:CancelJob',
    'iot:CreateKeysAndCertificate', 'iam:PassRole', 'sts:AssumeRole', 'iot:NotAnAction',
  ])('%s', (action) => {
    expect(analyze(allow(action, '*')).controlPlane).toEqual([`Action::${action.replace(/^[a-z]+/, (s) => s.toLowerCase())}`]);
  });

  test.each([
    'iot:Connect', 'iot:Publish', 'iot:UpdateThingShadow', 'iot:DeleteThingShadow', 'iot:UpdateJobExecution',
    'iot:AssumeRoleWithCertificate', 'iot:GetRetainedMessage', 'iot:*ThingShadow',
  ])('device action %s', (action) => {
    expect(analyze(allow(action, `${ARN}:thing/${THING}`)).controlPlane).toEqual([]);
  });

  test('globs reaching the control plane, wildcards and NotAction', () => {
    expect(analyze(allow(['iot:Update*', 'iot:*', '*'], '*')).controlPlane).toEqual(['Action::*', 'Action::iot:*', 'Action::iot:Update*']);
    expect(analyze({ Statement: { Effect: 'Allow', NotAction: 'iot:*', Resource: '*' } }).controlPlane).toEqual(['NotAction']);
  });

  test('fleet provisioning topics are topics, not actions', () => {
    const doc = allow(['iot:Publish', 'iot:Receive'], [`${ARN}:topic/$aws/certificates/create/*`, `${ARN}:topic/$aws/provisioning-templates/T/provision/*`]);
    expect(analyze(doc).controlPlane).toEqual([]);
  });
});

describe('ID4 Deny with MQTT wildcards', () => {
  test('+ and # in Deny topic and topic filter resources', () => {
    const doc = {
      Statement: [
        { Effect: 'Deny', Action: 'iot:Subscribe', Resource: [`${ARN}:topicfilter/admin/#`, `${ARN}:topicfilter/ok/*`] },
        { Effect: 'Deny', Action: 'iot:Publish', Resource: `${ARN}:topic/+/cmd` },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${ARN}:topicfilter/${THING}/#` },
      ],
    };
    expect(analyze(doc).denyMqttWildcards).toEqual([`Resource::${ARN}:topic/+/cmd`, `Resource::${ARN}:topicfilter/admin/#`]);
  });

  test('# in a Deny on another resource type is not an MQTT wildcard', () => {
    expect(analyze({ Statement: { Effect: 'Deny', Action: 'iot:Connect', Resource: `${ARN}:client/#` } }).denyMqttWildcards).toEqual([]);
  });
});

describe('ID5 unresolved', () => {
  test.each([
    [{ 'Fn::ImportValue': 'Doc' }, 'Unresolved::PolicyDocument'],
    [{ Ref: 'DocParam' }, 'Unresolved::PolicyDocument'],
    ['{"Statement": [', 'Unresolved::PolicyDocument'],
    [42, 'Unresolved::PolicyDocument'],
    [{ Statement: 'nope' }, 'Unresolved::Statement'],
    [{ Statement: ['nope'] }, 'Unresolved::Statement[0]'],
    [allow({ 'Fn::Sub': 'iot:${ActionParam}' }, '*'), 'Unresolved::Statement[0].Action'],
    [allow({ 'Fn::If': ['C', 'iot:Connect', 'iot:*'] }, '*'), 'Unresolved::Statement[0].Action'],
    [allow('iot:Connect', { 'Fn::ImportValue': 'Arn' }), 'Unresolved::Statement[0].Resource'],
    [{ Statement: { Effect: { Ref: 'E' }, Action: 'iot:Connect', Resource: '*' } }, 'Unresolved::Statement[0].Effect'],
  ])('%j', (doc, finding) => {
    expect(analyze(doc).unresolved).toEqual([finding]);
  });

  test('what can be read is still judged', () => {
    const f = analyze(allow(['iot:*', { 'Fn::If': ['C', 'a', 'b'] }], '*'));
    expect(f.wildcardActions).toEqual(['Action::iot:*']);
    expect(f.unresolved).toEqual(['Unresolved::Statement[0].Action']);
  });

  test('a wildcard before an unresolved part is still unscoped', () => {
    const resource = { 'Fn::Join': ['', [`${ARN}:topic/*/`, { 'Fn::ImportValue': 'X' }]] };
    const f = analyze(allow('iot:Publish', resource));
    expect(f.unscopedDataPlane).toEqual([`Resource::${ARN}:topic/*/\${Fn::ImportValue}`]);
    expect(f.unresolved).toEqual(['Unresolved::Statement[0].Resource']);
  });
});

describe('document forms', () => {
  test('a JSON string, a JSON string built by Fn::Join around tokens, and by Fn::Sub', () => {
    const json = JSON.stringify(allow('iot:*', '*'));
    expect(analyze(json).wildcardActions).toEqual(['Action::iot:*']);
    const joined = {
      'Fn::Join': ['', [
        '{"Statement":[{"Effect":"Allow","Action":"iot:Publish","Resource":"arn:aws:iot:', { Ref: 'AWS::Region' }, ':',
        { Ref: 'AWS::AccountId' }, ':topic/', { Ref: 'Thing' }, '"}]}',
      ]],
    };
    expect(analyze(joined)).toEqual(NONE);
    const sub = { 'Fn::Sub': '{"Statement":[{"Effect":"Allow","Action":"iot:Publish","Resource":"arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topic/${!iot:ClientId}/*"},{"Effect":"Allow","Action":"iot:Subscribe","Resource":"arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topicfilter/#"}]}' };
    expect(analyze(sub).unscopedDataPlane).toEqual(['Resource::arn:aws:iot:${AWS::Region}:${AWS::AccountId}:topicfilter/#']);
  });

  test('a token outside a JSON string makes the document unreadable', () => {
    expect(analyze({ 'Fn::Join': ['', ['{"Statement":', { Ref: 'S' }, '}']] }).unresolved).toEqual(['Unresolved::PolicyDocument']);
  });

  test('a policy document as a JSON string does not evaluate intrinsics inside it', () => {
    const json = JSON.stringify(allow('iot:Publish', { 'Fn::Sub': 'arn:aws:iot:${AWS::Region}:1:topic/x' }));
    expect(analyze(json).unresolved).toEqual(['Unresolved::Statement[0].Resource']);
  });

  test('no Statement, an empty document', () => {
    expect(analyze({ Version: '2012-10-17' })).toEqual(NONE);
    expect(analyze({})).toEqual(NONE);
  });

  test('never throws on hostile shapes', () => {
    const deep: { [k: string]: unknown } = {};
    let cur = deep;
    for (let i = 0; i < 5000; i++) {
      cur.Fn = {};
      cur = cur.Fn as { [k: string]: unknown };
    }
    expect(() => analyzePolicyDocument(deep)).not.toThrow();
    expect(() => analyzePolicyDocument(JSON.parse('{"__proto__": {"Statement": 1}, "Statement": {"__proto__": 1}}'))).not.toThrow();
    expect(() => analyzePolicyDocument({ Statement: [{ Effect: 'Allow', Action: [null, 1, {}, []], Resource: [null, 1] }] })).not.toThrow();
  });
});
