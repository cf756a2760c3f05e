import {
  AttachPolicyCommand, AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, DeleteCertificateCommand, DescribeCertificateCommand,
  DetachPolicyCommand, DetachThingPrincipalCommand, IoTClient, ListAttachedPoliciesCommand, ListThingGroupsForThingCommand,
  ListThingPrincipalsCommand, RemoveThingFromThingGroupCommand, ResourceNotFoundException, UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { ExecutionDoesNotExist, ListExecutionsCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { DETACH_WAIT, FixtureEvent, handler } from './incident-fixture';

const iot = mockClient(IoTClient);
const sfn = mockClient(SFNClient);
const ID = 'c'.repeat(64);
const ARN = `arn:aws:iot:eu-west-1:123456789012:cert/${ID}`;
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Playbook';
const props = { ThingName: 'secure-iot-integ-incident-bulb', PolicyName: 'secure-iot-integ-incident-device', QuarantineGroupName: 'Quarantine', StateMachineArn: MACHINE };
const event = (RequestType: FixtureEvent['RequestType'], PhysicalResourceId?: string): FixtureEvent => ({ RequestType, PhysicalResourceId, ResourceProperties: props });
const notFound = () => new ResourceNotFoundException({ message: 'gone', $metadata: {} });

/** The IoT calls made, in order, by command name. */
const iotCalls = () => iot.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));

beforeEach(() => {
  iot.reset();
  sfn.reset();
  DETACH_WAIT.intervalMs = 0;
  iot.on(CreateKeysAndCertificateCommand).resolves({ certificateId: ID, certificateArn: ARN, certificatePem: 'pem', keyPair: { PrivateKey: 'key' } });
  iot.on(ListThingPrincipalsCommand).resolves({ principals: [] });
  iot.on(ListThingGroupsForThingCommand).resolves({ thingGroups: [] });
  iot.on(ListAttachedPoliciesCommand).resolves({ policies: [] });
  iot.on(DescribeCertificateCommand).resolves({ certificateDescription: { certificateId: ID, status: 'ACTIVE' } });
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
});

test('Create: an active certificate with the device policy, attached to the thing; its ARN is the physical ID', async () => {
  expect(await handler(event('Create'))).toEqual({ PhysicalResourceId: ARN, Data: { CertificateId: ID, CertificateArn: ARN } });
  expect(iot.commandCalls(CreateKeysAndCertificateCommand)[0].args[0].input).toEqual({ setAsActive: true });
  expect(iot.commandCalls(AttachPolicyCommand)[0].args[0].input).toEqual({ policyName: props.PolicyName, target: ARN });
  expect(iot.commandCalls(AttachThingPrincipalCommand)[0].args[0].input).toEqual({ thingName: props.ThingName, principal: ARN });
});

test('Create that fails after the certificate exists removes it (CloudFormation sends no Delete) and fails', async () => {
  iot.on(AttachThingPrincipalCommand).rejects(new Error('thing not found'));
  iot.on(ListAttachedPoliciesCommand).resolves({ policies: [{ policyName: props.PolicyName }] });
  await expect(handler(event('Create'))).rejects.toThrow('thing not found');
  expect(iotCalls()).toEqual([
    'CreateKeysAndCertificate', 'AttachPolicy', 'AttachThingPrincipal',
    'DescribeCertificate', 'ListAttachedPolicies', 'DetachPolicy', 'ListThingPrincipals', 'UpdateCertificate', 'DeleteCertificate',
  ]);
  expect(iot.commandCalls(DeleteCertificateCommand)[0].args[0].input).toEqual({ certificateId: ID, forceDelete: true });
});

test('Delete after an approval nobody gave: stops the running executions (every page, without error or cause), releases and deletes the certificate', async () => {
  sfn.on(ListExecutionsCommand)
    .resolvesOnce({ executions: [{ executionArn: `${MACHINE}:a`, stateMachineArn: MACHINE, name: 'a', status: 'RUNNING', startDate: new Date() }], nextToken: 'next' })
    .resolvesOnce({ executions: [{ executionArn: `${MACHINE}:b`, stateMachineArn: MACHINE, name: 'b', status: 'RUNNING', startDate: new Date() }] });
  sfn.on(StopExecutionCommand, { executionArn: `${MACHINE}:b` }).rejects(new ExecutionDoesNotExist({ message: 'ended', $metadata: {} }));
  iot.on(ListAttachedPoliciesCommand)
    .resolvesOnce({ policies: [{ policyName: props.PolicyName }], nextMarker: 'm' })
    .resolvesOnce({ policies: [{ policyName: 'added-by-hand' }] });
  // Listed twice more after the detach (it is asynchronous), then gone.
  iot.on(ListThingPrincipalsCommand).resolvesOnce({ principals: [ARN] }).resolvesOnce({ principals: [ARN] }).resolves({ principals: [] });

  expect(await handler(event('Delete', ARN))).toEqual({ PhysicalResourceId: ARN });
  expect(sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input)).toEqual([
    { stateMachineArn: MACHINE, statusFilter: 'RUNNING', nextToken: undefined },
    { stateMachineArn: MACHINE, statusFilter: 'RUNNING', nextToken: 'next' },
  ]);
  expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input)).toEqual([{ executionArn: `${MACHINE}:a` }, { executionArn: `${MACHINE}:b` }]);
  expect(iotCalls()).toEqual([
    'ListThingGroupsForThing', 'DescribeCertificate', 'ListAttachedPolicies', 'ListAttachedPolicies', 'DetachPolicy', 'DetachPolicy',
    'ListThingPrincipals', 'DetachThingPrincipal', 'ListThingPrincipals', 'ListThingPrincipals', 'UpdateCertificate', 'DeleteCertificate',
  ]);
  expect(iot.commandCalls(DetachPolicyCommand).map((c) => c.args[0].input.policyName)).toEqual([props.PolicyName, 'added-by-hand']);
  expect(iot.commandCalls(UpdateCertificateCommand)[0].args[0].input).toEqual({ certificateId: ID, newStatus: 'INACTIVE' });
});

test('Delete after a containment: takes the thing out of quarantine, and leaves alone what the playbook already did', async () => {
  iot.on(ListThingGroupsForThingCommand).resolves({ thingGroups: [{ groupName: 'Other' }, { groupName: 'Quarantine' }] });
  iot.on(DescribeCertificateCommand).resolves({ certificateDescription: { certificateId: ID, status: 'INACTIVE' } });
  iot.on(ListThingPrincipalsCommand).resolvesOnce({ principals: [ARN] }).resolves({ principals: [] });

  await handler(event('Delete', ARN));
  expect(iot.commandCalls(RemoveThingFromThingGroupCommand).map((c) => c.args[0].input)).toEqual([{ thingGroupName: 'Quarantine', thingName: props.ThingName }]);
  // The playbook detached the policy and deactivated the certificate: neither is done again.
  expect(iot.commandCalls(DetachPolicyCommand)).toHaveLength(0);
  expect(iot.commandCalls(UpdateCertificateCommand)).toHaveLength(0);
  expect(iot.commandCalls(DeleteCertificateCommand)).toHaveLength(1);
});

test('Delete of a thing in no quarantine touches no group; of a certificate already gone, nothing more', async () => {
  iot.on(DescribeCertificateCommand).rejects(notFound());
  await handler(event('Delete', ARN));
  expect(iotCalls()).toEqual(['ListThingGroupsForThing', 'DescribeCertificate']);
});

test('Delete takes a resource that went away between the look and the act as done', async () => {
  iot.on(ListThingGroupsForThingCommand).resolves({ thingGroups: [{ groupName: 'Quarantine' }] });
  iot.on(RemoveThingFromThingGroupCommand).rejects(notFound());
  iot.on(ListAttachedPoliciesCommand).resolves({ policies: [{ policyName: props.PolicyName }] });
  iot.on(DetachPolicyCommand).rejects(notFound());
  iot.on(ListThingPrincipalsCommand).resolvesOnce({ principals: [ARN] }).rejects(notFound());
  iot.on(DetachThingPrincipalCommand).rejects(notFound());
  iot.on(DeleteCertificateCommand).rejects(notFound());
  await expect(handler(event('Delete', ARN))).resolves.toEqual({ PhysicalResourceId: ARN });
});

test('Delete fails on any other error, so CloudFormation reports the leftover instead of losing it', async () => {
  iot.on(ListAttachedPoliciesCommand).rejects(new Error('Rate exceeded'));
  await expect(handler(event('Delete', ARN))).rejects.toThrow('Rate exceeded');
  expect(iot.commandCalls(DeleteCertificateCommand)).toHaveLength(0);
});

test('Delete fails when the certificate stays attached to the thing', async () => {
  iot.on(ListThingPrincipalsCommand).resolves({ principals: [ARN] });
  await expect(handler(event('Delete', ARN))).rejects.toThrow(`certificate ${ARN} is still attached to thing ${props.ThingName} after ${DETACH_WAIT.attempts} checks`);
  expect(iot.commandCalls(ListThingPrincipalsCommand)).toHaveLength(DETACH_WAIT.attempts + 1);
  expect(iot.commandCalls(DeleteCertificateCommand)).toHaveLength(0);
});

test('Delete of a Create that failed before a certificate existed touches no certificate', async () => {
  await handler(event('Delete', 'some-placeholder-id'));
  expect(iotCalls()).toEqual(['ListThingGroupsForThing']);
});

test('Update keeps the certificate', async () => {
  expect(await handler(event('Update', ARN))).toEqual({ PhysicalResourceId: ARN });
  expect(iot.calls()).toHaveLength(0);
});
