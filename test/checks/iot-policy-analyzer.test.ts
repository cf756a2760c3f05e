import {
  AnalyzeOptions, analyzePolicyDocument, DEVICE_ACTIONS, globMatch, iotActionNames, parseAction, PolicyFindings,
} from '../../lib/checks/private/iot-policy-analyzer';
import { Unresolved } from '../../lib/checks/private/cfn-values';
import { eachReading, evaluate, MAX_READINGS, Placeholders, provisioningDeviceParameters, renderString } from '../../lib/checks/private/intrinsics';

const ARN = 'arn:aws:iot:us-east-1:123456789012';
const THING = '${iot:Connection.Thing.ThingName}';

function allow(Action: unknown, Resource: unknown, extra: object = {}): object {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource, ...extra }] };
}

function analyze(doc: unknown, options: AnalyzeOptions = {}): PolicyFindings {
  const f = analyzePolicyDocument(doc, options);
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
  const IOT_ACTIONS = iotActionNames();
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

  test('Fn::Join, Fn::Select and Fn::Split over literal lists; Fn::If without a reading and Fn::ImportValue unresolved', () => {
    const ph = new Placeholders();
    expect(renderString({ 'Fn::Join': ['/', ['a', { 'Fn::Select': [1, ['x', 'b']] }, { 'Fn::Select': [0, { 'Fn::Split': [',', 'c,d'] }] }]] }, ph, 'cloudformation')).toBe('a/b/c');
    expect(ph.decode(renderString({ 'Fn::If': ['C', 'a', 'b'] }, ph, 'cloudformation'))).toEqual([{ kind: 'unresolved', label: 'Fn::If' }]);
    expect(ph.decode(renderString({ 'Fn::ImportValue': 'X' }, ph, 'cloudformation'))).toEqual([{ kind: 'unresolved', label: 'Fn::ImportValue:X' }]);
  });

  test('a Ref in a provisioning template is a device value only if it identifies the device; AWS::NoValue drops a list element', () => {
    const ph = new Placeholders();
    const template = {
      Parameters: { SerialNumber: { Type: 'String' }, Site: { Type: 'String' }, Prefix: { Type: 'String', Default: 'sensor' } },
      Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { 'Fn::Join': ['', [{ Ref: 'Prefix' }, { Ref: 'SerialNumber' }]] } } } },
    };
    const device = provisioningDeviceParameters(template);
    expect(ph.decode(evaluate({ Ref: 'SerialNumber' }, ph, 'provisioning', undefined, device) as string)).toEqual([{ kind: 'device', label: 'SerialNumber' }]);
    // A site is shared by many devices; a parameter with a Default may be left to it by all of them.
    expect(ph.decode(evaluate({ Ref: 'Site' }, ph, 'provisioning', undefined, device) as string)).toEqual([{ kind: 'shared', label: 'Site' }]);
    expect(ph.decode(evaluate({ Ref: 'Prefix' }, ph, 'provisioning', undefined, device) as string)).toEqual([{ kind: 'shared', label: 'Prefix' }]);
    expect(ph.decode(evaluate({ Ref: 'AWS::IoT::Certificate::Country' }, ph, 'provisioning', undefined, device) as string))
      .toEqual([{ kind: 'shared', label: 'AWS::IoT::Certificate::Country' }]);
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
    ['iot:Connect', 'arn:aws:iot:*:*:client/*'],
    ['iot:Connect', 'arn:aws:iot:*:*:*'],
    ['iot:Connect', 'arn:aws:*:*:*:*'],
    ['iot:Connect', `arn:*:iot:*:*:client/${THING}`],
    ['iot:Connect', `arn:aws:io?:us-east-1:123456789012:client/${THING}`],
    ['iot:Connect', `arn:aws:iot:*:*:cl*ent/${THING}`],
    ['iot:Publish', `arn:aws:iot:*:123456789012:topic/*/${THING}`],
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
    // A policy is only evaluated in its own account and region: wildcards there select nothing else.
    ['iot:Connect', `arn:aws:iot:*:*:client/${THING}`],
    ['iot:Publish', `arn:aws:iot:us-east-1:*:topic/$aws/things/${THING}/*`],
    ['iot:Subscribe', `arn:\${AWS::Partition}:iot:*:*:topicfilter/$aws/things/${THING}/#`],
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
    // A wildcard right after the thing's name spans every thing whose name starts with it.
    expect(analyze(allow('iot:Publish', `${ARN}:topic/$aws/things/${THING}*/shadow/*`)).unscopedDataPlane)
      .toEqual([`Resource::${ARN}:topic/$aws/things/${THING}*/shadow/*`]);
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
    // One cause, one finding: a wildcard action is ID1's, and ID3 names only actions written out.
    expect(analyze(allow(['iot:Update*', 'iot:*', '*', 'iot:CreateThing'], '*')).controlPlane).toEqual(['Action::iot:CreateThing']);
    expect(analyze(allow(['iot:Update*', 'iot:*', '*'], '*')).wildcardActions.sort()).toEqual(['Action::*', 'Action::iot:*', 'Action::iot:Update*']);
    expect(analyze({ Statement: { Effect: 'Allow', NotAction: 'iot:*', Resource: '*' } }).controlPlane).toEqual([]);
    expect(analyze({ Statement: { Effect: 'Allow', NotAction: 'iot:*', Resource: '*' } }).wildcardActions).toEqual(['NotAction']);
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
    [allow({ 'Fn::If': ['C', 'iot:Connect'] }, '*'), 'Unresolved::Statement[0].Action'],
    [allow({ 'Fn::If': ['C', 'iot:Connect', { 'Fn::ImportValue': 'A' }] }, `${ARN}:client/${THING}`), 'Unresolved::Statement[0].Action'],
    [allow('iot:Connect', { 'Fn::ImportValue': 'Arn' }), 'Unresolved::Statement[0].Resource'],
    [{ Statement: { Effect: { Ref: 'E' }, Action: 'iot:Connect', Resource: '*' } }, 'Unresolved::Statement[0].Effect'],
  ])('%j', (doc, finding) => {
    expect(analyze(doc).unresolved).toEqual([finding]);
  });

  test('what can be read is still judged', () => {
    const f = analyze(allow(['iot:*', { 'Fn::ImportValue': 'A' }], '*'));
    expect(f.wildcardActions).toEqual(['Action::iot:*']);
    expect(f.unresolved).toEqual(['Unresolved::Statement[0].Action']);
  });

  test('a wildcard before an unresolved part is still unscoped', () => {
    const resource = { 'Fn::Join': ['', [`${ARN}:topic/*/`, { 'Fn::ImportValue': 'X' }]] };
    const f = analyze(allow('iot:Publish', resource));
    expect(f.unscopedDataPlane).toEqual([`Resource::${ARN}:topic/*/\${Fn::ImportValue:X}`]);
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

describe('eachReading', () => {
  test('reads every combination once, nested choices only where their branch is taken', () => {
    const seen = eachReading((r) => {
      const outer = r.choose(2);
      return outer === 0 ? `a${r.choose(3)}` : `b${r.choose(2)}${r.choose(2)}`;
    });
    expect(seen).toEqual({ results: ['a0', 'a1', 'a2', 'b00', 'b01', 'b10', 'b11'], complete: true });
  });

  test('picks under one key agree within a reading', () => {
    const seen = eachReading((r) => `${r.choose(2, 'C')}${r.choose(2, 'C')}${r.choose(2)}`);
    expect(seen).toEqual({ results: ['000', '001', '110', '111'], complete: true });
  });

  test(`stops after ${MAX_READINGS} readings`, () => {
    const seen = eachReading((r) => Array.from({ length: 7 }, () => r.choose(2)).join(''));
    expect(seen.results).toHaveLength(MAX_READINGS);
    expect(seen.complete).toBe(false);
  });
});

describe('Fn::If: both branches judged', () => {
  const ifC = (a: unknown, b: unknown) => ({ 'Fn::If': ['C', a, b] });
  const NO_VALUE = { Ref: 'AWS::NoValue' };

  test('in Action', () => {
    expect(analyze(allow(ifC('iot:*', 'iot:Connect'), `${ARN}:client/${THING}`))).toEqual({
      ...NONE, wildcardActions: ['Action::iot:*'],
    });
    expect(analyze(allow(['iot:Publish', ifC('iot:CreateThing', NO_VALUE)], `${ARN}:topic/${THING}`))).toEqual({
      ...NONE, controlPlane: ['Action::iot:CreateThing'],
    });
  });

  test('in Resource, inside Fn::Join and Fn::Sub', () => {
    expect(analyze(allow('iot:Connect', ifC(`${ARN}:client/${THING}`, '*')))).toEqual({ ...NONE, unscopedDataPlane: ['Resource::*'] });
    const joined = { 'Fn::Join': ['', [`${ARN}:topic/`, ifC('*', THING)]] };
    expect(analyze(allow('iot:Publish', joined)).unscopedDataPlane).toEqual([`Resource::${ARN}:topic/*`]);
    const sub = { 'Fn::Sub': [`${ARN}:topic/\${Scope}`, { Scope: ifC('+/data', `\${!iot:Connection.Thing.ThingName}`) }] };
    expect(analyze(allow('iot:Publish', sub)).unscopedDataPlane).toEqual([`Resource::${ARN}:topic/+/data`]);
  });

  test('in Effect, a whole statement, and the whole document', () => {
    const stmt = { Effect: ifC('Deny', 'Allow'), Action: 'iot:*', Resource: '*' };
    expect(analyze({ Statement: [stmt] }).wildcardActions).toEqual(['Action::iot:*']);
    expect(analyze({ Statement: [ifC({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }, NO_VALUE)] })).toEqual({
      ...NONE, controlPlane: ['Action::iam:PassRole'],
    });
    expect(analyze(ifC(allow('iot:Connect', `${ARN}:client/${THING}`), JSON.stringify(allow('iot:*', '*')))).wildcardActions)
      .toEqual(['Action::iot:*']);
    expect(analyze({ Statement: ifC([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }], []) })).toEqual({
      ...NONE, controlPlane: ['Action::sts:AssumeRole'],
    });
  });

  test('AWS::NoValue in a branch is absent; both branches safe is compliant', () => {
    expect(analyze(allow('iot:Connect', `${ARN}:client/${THING}`, { Condition: ifC({ Bool: { 'iot:Connection.Thing.IsAttached': 'true' } }, NO_VALUE) })))
      .toEqual(NONE);
    expect(analyze(allow('iot:Connect', `${ARN}:client/\${iot:ClientId}`, { Condition: ifC({ Bool: { 'iot:Connection.Thing.IsAttached': 'true' } }, NO_VALUE) })))
      .toEqual({ ...NONE, unscopedDataPlane: [`Resource::${ARN}:client/\${iot:ClientId}`] });
    expect(analyze(allow(ifC('iot:Connect', 'iot:?onnect'), ifC(`${ARN}:client/${THING}`, `arn:aws:iot:*:*:client/${THING}`)))).toEqual(NONE);
  });

  test('one condition takes one branch throughout the document', () => {
    // Connect on * with the thing attached, or Publish on the thing's topic; never Publish on *.
    const doc = allow(
      { 'Fn::If': ['Prod', 'iot:Connect', 'iot:Publish'] },
      { 'Fn::If': ['Prod', '*', `${ARN}:topic/${THING}`] },
      { Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } } },
    );
    expect(analyze(doc)).toEqual(NONE);
    const twoConditions = JSON.parse(JSON.stringify(doc).replace('["Prod","*"', '["Other","*"'));
    expect(analyze(twoConditions)).toEqual({ ...NONE, unscopedDataPlane: ['Resource::*'] });
  });

  test(`past ${MAX_READINGS} readings the document is unresolved, and what was read is judged`, () => {
    const statements = Array.from({ length: 7 }, (_, i) => ({
      Effect: 'Allow', Action: { 'Fn::If': [`C${i}`, 'iot:Connect', 'iot:Publish'] }, Resource: `${ARN}:client/${THING}`,
    }));
    expect(analyze({ Statement: statements })).toEqual({ ...NONE, unresolved: ['Unresolved::PolicyDocument'] });
    statements[0] = { ...statements[0], Action: { 'Fn::If': ['C0', 'iot:*', 'iot:Publish'] } };
    expect(analyze({ Statement: statements })).toEqual({
      ...NONE, wildcardActions: ['Action::iot:*'], unresolved: ['Unresolved::PolicyDocument'],
    });
    // Six conditions are 64 readings: all read.
    expect(analyze({ Statement: statements.slice(1) })).toEqual(NONE);
  });
});

describe('stack parameters', () => {
  const params: { [name: string]: readonly (string | Unresolved)[] } = {
    Star: ['*', 'a'],
    Safe: ['iot:Connect', 'iot:Publish'],
    Open: [new Unresolved('Ref:Open')],
    Verb: ['Publish', 'CreateThing'],
  };
  const options: AnalyzeOptions = { parameterValues: (name) => params[name] };

  test('a Ref to a parameter is each of its allowed values', () => {
    expect(analyze(allow('iot:Connect', { Ref: 'Star' }), options)).toEqual({ ...NONE, unscopedDataPlane: ['Resource::*'] });
    expect(analyze(allow({ Ref: 'Safe' }, `${ARN}:client/${THING}`), options)).toEqual(NONE);
    expect(analyze(allow({ 'Fn::Sub': 'iot:${Verb}' }, `${ARN}:topic/${THING}`), options)).toEqual({ ...NONE, controlPlane: ['Action::iot:CreateThing'] });
  });

  test('a parameter without allowed values is unreadable, in a resource too (ID5, not ID2)', () => {
    expect(analyze(allow('iot:Connect', { Ref: 'Open' }), options)).toEqual({ ...NONE, unresolved: ['Unresolved::Statement[0].Resource'] });
    expect(analyze(allow('iot:Publish', { 'Fn::Sub': `${ARN}:topic/\${Open}/*` }), options)).toEqual({ ...NONE, unresolved: ['Unresolved::Statement[0].Resource'] });
    expect(analyze(allow({ Ref: 'Open' }, '*'), options)).toEqual({ ...NONE, unresolved: ['Unresolved::Statement[0].Action'] });
  });

  test('a wildcard before an unreadable parameter is still a finding', () => {
    expect(analyze(allow('iot:Publish', { 'Fn::Sub': `${ARN}:topic/*/\${Open}` }), options)).toEqual({
      ...NONE, unscopedDataPlane: [`Resource::${ARN}:topic/*/\${Open}`], unresolved: ['Unresolved::Statement[0].Resource'],
    });
  });

  test('one parameter takes one value throughout the document', () => {
    const resource = { 'Fn::Sub': `${ARN}:topic/\${Star}/${THING.replace('${', '${!')}/\${Star}` };
    expect(analyze(allow('iot:Publish', resource), options)).toEqual({ ...NONE, unscopedDataPlane: [`Resource::${ARN}:topic/*/${THING}/*`] });
  });

  test('a Ref that is no parameter is one fixed value', () => {
    expect(analyze(allow('iot:Publish', { 'Fn::Sub': `${ARN}:topic/\${Topic}` }), options)).toEqual(NONE);
  });
});
