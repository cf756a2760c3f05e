import {
  CreateKeysAndCertificateCommand, DescribeCertificateCommand, IoTClient, ListAttachedPoliciesCommand, ListThingGroupsForThingCommand, ListThingPrincipalsCommand,
} from '@aws-sdk/client-iot';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsStub, mockClient } from 'aws-sdk-client-mock';
import { FindingClass, FindingEvent } from '../../lib';
import { AslMachine, runJsonataStateMachine, TaskFailure } from '../runtime/asl-jsonata';
import { Fleet } from '../runtime/fleet-double';
import { callTarget, CallTarget, IamPolicy, principalPolicy, RequestContext, resolveValue, roleOf, stateMachineDefinition, TEST_ENV } from '../runtime/iam';
import { CfnTemplate } from '../runtime/synthesized';
import { handler as approve } from './functions/incident-approver';
import { FixtureProperties, handler as fixture } from './functions/incident-fixture';
import { handler as produce } from './functions/incident-producer';
import { stack } from './integ.incident-response';

/*
 * The test functions of integ.incident-response make only calls their roles allow, on the ARNs
 * they touch: each handler runs against mocked clients, and every call it makes is evaluated
 * against its role's policies in the synthesized test stack (test/runtime/iam.ts). A missing
 * grant would otherwise show only in someone's account, as a stack that does not delete.
 */

const template = Template.fromStack(stack).toJSON() as CfnTemplate;
const resources = Object.entries(template.Resources);
const iot = mockClient(IoTClient);
const sfn = mockClient(SFNClient);
const eventBridge = mockClient(EventBridgeClient);
const dynamodb = mockClient(DynamoDBClient);
const lambda = mockClient(LambdaClient);

/** The logical ID of the one resource of `type` whose properties mention `text`. */
function find(type: string, text: string): string {
  const found = resources.filter(([, r]) => r.Type === type && JSON.stringify(r.Properties ?? {}).includes(text)).map(([id]) => id);
  if (found.length !== 1) throw new Error(`${found.length} ${type} mention ${text}: ${found.join(', ')}`);
  return found[0];
}
/** The logical ID of the one resource of `type` whose logical ID starts with `prefix`. */
function logicalId(type: string, prefix: string): string {
  const found = resources.filter(([id, r]) => r.Type === type && id.startsWith(prefix)).map(([id]) => id);
  if (found.length !== 1) throw new Error(`${found.length} ${type} start with ${prefix}: ${found.join(', ')}`);
  return found[0];
}
const policyOfFunction = (description: string) => principalPolicy(template, roleOf(template, find('AWS::Lambda::Function', description)));
const resolved = (value: unknown) => resolveValue(template, value) as any;

/** Every call the mocks recorded, as IAM sees it (one request per PutEvents entry, with its condition keys). */
function recorded(stubs: { [service: string]: AwsStub<any, any, any> }): { target: CallTarget; context?: RequestContext }[] {
  return Object.entries(stubs).flatMap(([service, stub]) => stub.calls().flatMap((call) => {
    const command = call.args[0] as { constructor: { name: string }; input: Record<string, any> };
    const action = command.constructor.name.replace(/Command$/, '');
    if (service === 'eventbridge' && action === 'PutEvents') {
      return (command.input.Entries as any[]).map((e) => ({
        target: callTarget('eventbridge', 'putEvents', { Entries: [e] }),
        context: { 'events:source': e.Source, 'events:detail-type': e.DetailType },
      }));
    }
    // Not in the runtime checks' table: ListExecutions is authorized on the state machine.
    if (service === 'sfn' && action === 'ListExecutions') return [{ target: { iamAction: 'states:ListExecutions', resources: [command.input.stateMachineArn] } }];
    return [{ target: callTarget(service, action, command.input) }];
  }));
}

function refused(policy: IamPolicy, calls: { target: CallTarget; context?: RequestContext }[]): string[] {
  return calls.flatMap(({ target, context }) => target.resources
    .filter((r) => !policy.isAllowed(target.iamAction, r, context))
    .map((r) => policy.explain(target.iamAction, r, context)));
}

beforeEach(() => {
  for (const stub of [iot, sfn, eventBridge, dynamodb, lambda]) stub.reset();
});

test.each(['Bulb', 'Bystander', 'Pump', 'Sensor'])('the fixture of %s creates and removes its certificate with its own grants only', async (device) => {
  const policy = policyOfFunction('creates the test devices\' certificates');
  const properties = resolved(template.Resources[`${device}Certificate`].Properties) as FixtureProperties;
  const arn = `arn:${TEST_ENV.partition}:iot:${TEST_ENV.region}:${TEST_ENV.account}:cert/${'d'.repeat(64)}`;
  iot.on(CreateKeysAndCertificateCommand).resolves({ certificateId: 'd'.repeat(64), certificateArn: arn });
  // A run that left everything to clean: the thing quarantined, the policy and the thing attached, the certificate active.
  iot.on(ListThingGroupsForThingCommand).resolves({ thingGroups: [{ groupName: properties.QuarantineGroupName }] });
  iot.on(ListAttachedPoliciesCommand).resolves({ policies: [{ policyName: properties.PolicyName }] });
  iot.on(DescribeCertificateCommand).resolves({ certificateDescription: { status: 'ACTIVE' } });
  iot.on(ListThingPrincipalsCommand).resolvesOnce({ principals: [arn] }).resolves({ principals: [] });
  sfn.on(ListExecutionsCommand).resolves({ executions: [{ executionArn: `${properties.StateMachineArn.replace(':stateMachine:', ':execution:')}:run-1`, stateMachineArn: properties.StateMachineArn, name: 'run-1', status: 'RUNNING', startDate: new Date() }] });

  await fixture({ RequestType: 'Create', ResourceProperties: properties });
  await fixture({ RequestType: 'Delete', PhysicalResourceId: arn, ResourceProperties: properties });
  const calls = recorded({ iot, sfn });
  expect(new Set(calls.map((c) => c.target.iamAction))).toEqual(new Set([
    'iot:CreateKeysAndCertificate', 'iot:AttachPolicy', 'iot:AttachThingPrincipal', 'states:ListExecutions', 'states:StopExecution',
    'iot:ListThingGroupsForThing', 'iot:RemoveThingFromThingGroup', 'iot:DescribeCertificate', 'iot:ListAttachedPolicies', 'iot:DetachPolicy',
    'iot:ListThingPrincipals', 'iot:DetachThingPrincipal', 'iot:UpdateCertificate', 'iot:DeleteCertificate',
  ]));
  expect(refused(policy, calls)).toEqual([]);
});

test('the producer may put finding events on both findings buses; the bus policies admit it and not the forger', async () => {
  const producer = policyOfFunction('a finding producer given grantPutFindings');
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  const buses = resources.filter(([, r]) => r.Type === 'AWS::Events::EventBus' && JSON.stringify(r.Properties).includes('granted producers only')).map(([id]) => id);
  expect(buses).toHaveLength(2);
  for (const bus of buses) await produce({ busName: resolved({ Ref: bus }), detail: { findingClass: 'SHARED_OR_REVOKED_CERTIFICATE' } });
  expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries![0].Source)).toEqual([FindingEvent.SOURCE, FindingEvent.SOURCE]);
  expect(refused(producer, recorded({ eventbridge: eventBridge }))).toEqual([]);
  // The test's put of another detail type must be refused by this grant, not let through.
  const other = { 'events:source': FindingEvent.SOURCE, 'events:detail-type': 'secure-iot-integ-incident not a finding' };
  for (const bus of buses) expect(producer.isAllowed('events:PutEvents', resolved({ 'Fn::GetAtt': [bus, 'Arn'] }), other)).toBe(false);

  const producerRole = resolved({ 'Fn::GetAtt': [roleOf(template, find('AWS::Lambda::Function', 'a finding producer given grantPutFindings')), 'Arn'] });
  const forgerRole = resolved({ 'Fn::GetAtt': [roleOf(template, find('AWS::Lambda::Function', 'a principal the findings bus does not admit')), 'Arn'] });
  for (const [, r] of resources.filter(([, x]) => x.Type === 'AWS::Events::EventBusPolicy')) {
    const statement = resolved(r.Properties.Statement);
    expect(statement).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 'events:PutEvents' });
    expect(statement.Condition.ArnNotEquals['aws:PrincipalArn']).toEqual([producerRole]);
    expect(forgerRole).not.toEqual(producerRole);
  }
});

test('the forger\'s own IAM policy allows its puts (the control bus and the consumer\'s findings bus): only the bus policy refuses it', async () => {
  const forger = policyOfFunction('a principal the findings bus does not admit');
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  await produce({ busName: resolved({ Ref: find('AWS::Events::EventBus', 'the forger\'s control') }), detail: {} });
  await produce({ busName: resolved({ Ref: logicalId('AWS::Events::EventBus', 'ConsumerFindingsBus') }), detail: {} });
  expect(refused(forger, recorded({ eventbridge: eventBridge }))).toEqual([]);
});

test('the approver may find the pending incident and invoke the decision function', async () => {
  const approver = policyOfFunction('the on-call approver');
  const table = logicalId('AWS::DynamoDB::Table', 'IndustrialIncidents');
  const decision = logicalId('AWS::Lambda::Function', 'IndustrialApprovalDecision');
  dynamodb.on(ScanCommand).resolves({ Items: [{ incidentId: { S: 'run-1' } }] });
  lambda.on(InvokeCommand).resolves({ Payload: new TextEncoder().encode(JSON.stringify({ statusCode: 200, body: '{}' })) as never });
  await approve({ tableName: resolved({ Ref: table }), thingName: 'secure-iot-integ-incident-pump', decisionFunctionName: resolved({ Ref: decision }) });
  expect(refused(approver, recorded({ dynamodb, lambda }))).toEqual([]);
});

test('the pump\'s line membership is added and removed with its custom resource\'s own grants', () => {
  const membership = logicalId('Custom::AWS', 'PumpLineMembership');
  const singleton = logicalId('AWS::Lambda::Function', 'AWS679f53fac002430cb0da5b7982bd2287');
  const policy = principalPolicy(template, roleOf(template, singleton));
  const calls = ['Create', 'Delete'].map((when) => JSON.parse(resolved(template.Resources[membership].Properties[when])));
  expect(calls.map((c) => c.action)).toEqual(['addThingToThingGroup', 'removeThingFromThingGroup']);
  expect(calls[0].parameters).toEqual({ thingGroupName: 'secure-iot-integ-incident-pump-line', thingName: 'secure-iot-integ-incident-pump' });
  expect(refused(policy, calls.map((c) => ({ target: callTarget(c.service, c.action, c.parameters) })))).toEqual([]);
});

describe('the assertions on incident records', () => {
  const deployAssert = stack.node.root.node.findAll().find((c): c is Stack => Stack.isStack(c) && c !== stack)!;
  const assertions = Object.values((Template.fromStack(deployAssert).toJSON() as CfnTemplate).Resources);
  /** A value of the assertion stack as a deployment would see it: the test stack's outputs resolved, certificate IDs made hex. */
  const deployed = (value: unknown): any => {
    if (typeof value === 'string') return value.replace(/\$\{Custom:(\w+)Certificate\.CertificateId\}/g, (_, d: string) => CERTIFICATE[d]);
    if (Array.isArray(value)) return value.map(deployed);
    if (value && typeof value === 'object') {
      const v = value as Record<string, any>;
      if (v['Fn::Join']) return (deployed(v['Fn::Join'][1]) as string[]).join(v['Fn::Join'][0]);
      const output = v['Fn::ImportValue'] ? String(v['Fn::ImportValue']).split(':').pop()! : v['Fn::GetStackOutput']?.OutputName;
      if (output) return deployed(resolved(template.Outputs![output].Value));
      if (v.Ref === 'AWS::Region') return TEST_ENV.region;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deployed(x)]));
    }
    return value;
  };
  const CERTIFICATE: { [device: string]: string } = { Bulb: 'a'.repeat(64), Bystander: 'b'.repeat(64), Pump: 'c'.repeat(64), Sensor: 'd'.repeat(64) };
  const scans = assertions.filter((r) => r.Properties?.api === 'scan').map((r) => ({
    parameters: Object.fromEntries(Object.entries<any>(r.Properties!.parameters).map(([k, v]) => [k, JSON.parse(deployed(v))])),
    items: JSON.parse(deployed(r.Properties!.expected)).$ObjectLike.Items as Record<string, any>[],
  }));

  test('every scan returns only the attributes it asserts: never a pending approval\'s task token, nor the finding', () => {
    expect(scans).toHaveLength(5);
    for (const { parameters, items } of scans) {
      const names = parameters.ExpressionAttributeNames as Record<string, string>;
      const projected = (parameters.ProjectionExpression as string).split(', ').map((placeholder) => names[placeholder]);
      expect(projected.sort()).toEqual([...new Set(items.flatMap((i) => Object.keys(i)))].sort());
      expect(projected).not.toContain('approvalToken');
      expect(projected).not.toContain('finding');
      // DynamoDB refuses a name the expressions do not use, and one they use that is not defined.
      const used = `${parameters.FilterExpression} ${parameters.ProjectionExpression}`.match(/#\w+/g)!;
      expect(new Set(used)).toEqual(new Set(Object.keys(names)));
    }
  });

  /** The rejection an assertion waits for on `subject`, as a pattern the assertion handler would apply (gm flags). */
  const rejectionPattern = (subject: string) => {
    const found = scans.filter((s) => s.parameters.ExpressionAttributeValues[':subject'].S === subject && s.items[0].rejection);
    expect(found).toHaveLength(1);
    return (text: string) => new RegExp(found[0].items[0].rejection.S.$StringLike, 'gm').test(text);
  };
  const consumerPlaybook = (): AslMachine => {
    const ids = Object.keys(template.Resources).filter((id) => template.Resources[id].Type === 'AWS::StepFunctions::StateMachine' && id.startsWith('Consumer'));
    const playbooks = ids.map((id) => stateMachineDefinition(template, id) as AslMachine).filter((asl) => asl.Comment?.startsWith('cdk-secure-iot playbook:'));
    expect(playbooks).toHaveLength(1);
    return playbooks[0];
  };
  const [bulb, bystander] = ['secure-iot-integ-incident-bulb', 'secure-iot-integ-incident-bystander'];
  let runs = 0;
  /** The rejection the test stack's consumer playbook records for `detail`, run against `fleet`. */
  async function rejection(fleet: Fleet, detail: object, doubles = fleet.doubles()): Promise<string> {
    const id = `run-${++runs}`;
    const r = await runJsonataStateMachine(consumerPlaybook(), { findingClass: FindingClass.SHARED_OR_REVOKED_CERTIFICATE, dryRun: false, source: FindingEvent.SOURCE, detail }, doubles, { executionName: id });
    expect(r.status).toBe('FAILED');
    return fleet.incident(id)!.rejection;
  }
  const fleet = () => new Fleet().thing(bulb, 'low').thing(bystander, 'low').certificate(CERTIFICATE.Bulb, [bulb]).certificate(CERTIFICATE.Bystander, [bystander]);

  test('the bystander claim\'s pattern is the whole text the playbook writes, not "attached to no thing" nor another thing list', async () => {
    const matches = rejectionPattern(bystander);
    expect(matches(await rejection(fleet(), { thingName: bystander, certificateId: CERTIFICATE.Bulb }))).toBe(true);
    const orphan = new Fleet().thing(bystander, 'low').certificate(CERTIFICATE.Bulb, []);
    expect(matches(await rejection(orphan, { thingName: bystander, certificateId: CERTIFICATE.Bulb }))).toBe(false);
    const shared = fleet().thing('other', 'low').certificate(CERTIFICATE.Bulb, [bulb, 'other']);
    expect(matches(await rejection(shared, { thingName: bystander, certificateId: CERTIFICATE.Bulb }))).toBe(false);
  });

  test('the unknown finding\'s pattern is "does not exist" only: a playbook that cannot read findings at all fails it', async () => {
    const matches = rejectionPattern(CERTIFICATE.Bystander);
    const relayed = { findingId: '00000000-0000-4000-8000-000000000000', checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', certificateId: CERTIFICATE.Bystander };
    expect(matches(await rejection(fleet(), relayed))).toBe(true);
    for (const error of ['Iot.AccessDeniedException', 'Iot.IotException', 'Iot.InvalidRequestException', 'States.TaskFailed']) {
      const f = fleet();
      const doubles = { ...f.doubles(), 'arn:aws:states:::aws-sdk:iot:describeAuditFinding': () => { throw new TaskFailure(error, 'refused'); } };
      const text = await rejection(f, relayed, doubles);
      expect([error, text.startsWith('FindingUnreadable: '), matches(text)]).toEqual([error, true, false]);
    }
  });
});
