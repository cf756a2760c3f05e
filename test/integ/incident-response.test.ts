import {
  CreateKeysAndCertificateCommand, DescribeCertificateCommand, IoTClient, ListAttachedPoliciesCommand, ListThingGroupsForThingCommand, ListThingPrincipalsCommand,
} from '@aws-sdk/client-iot';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsStub, mockClient } from 'aws-sdk-client-mock';
import { FindingEvent } from '../../lib';
import { callTarget, CallTarget, IamPolicy, principalPolicy, RequestContext, resolveValue, roleOf, TEST_ENV } from '../runtime/iam';
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
