/*
 * The integration test operator (functions/operator): the CreateJob and StartExecution calls it
 * makes with the library's grants, and the inputs it refuses.
 */
import { CreateJobCommand, IoTClient } from '@aws-sdk/client-iot';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, OperatorEvent } from './operator';

const iot = mockClient(IoTClient);
const sfn = mockClient(SFNClient);
const ENV = { ROTATION_JOB_TEMPLATE_ARN: 'arn:aws:iot:eu-west-1:111122223333:jobtemplate/rotate', REVOCATION_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:111122223333:stateMachine:Revocation' };

beforeEach(() => { iot.reset(); sfn.reset(); Object.assign(process.env, ENV); });
afterEach(() => { for (const k of Object.keys(ENV)) delete process.env[k]; });

test('startRotation creates a job from the rotation job template for one thing', async () => {
  iot.on(CreateJobCommand).resolves({ jobId: 'rotate-1', jobArn: 'arn:job' });
  await expect(handler({ action: 'startRotation', jobId: 'rotate-1', thingArn: 'arn:thing' })).resolves.toEqual({ jobId: 'rotate-1', jobArn: 'arn:job' });
  expect(iot.commandCalls(CreateJobCommand)[0].args[0].input).toEqual({ jobId: 'rotate-1', jobTemplateArn: ENV.ROTATION_JOB_TEMPLATE_ARN, targets: ['arn:thing'], targetSelection: 'SNAPSHOT' });
});

test('revoke starts the revocation state machine with the serial', async () => {
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
  await expect(handler({ action: 'revoke', serialNumber: 'SN1' })).resolves.toEqual({ executionArn: 'arn:exec' });
  expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({ stateMachineArn: ENV.REVOCATION_STATE_MACHINE_ARN, input: '{"serialNumber":"SN1"}' });
});

test.each([
  [{ action: 'startRotation', jobId: 'rotate-1' }, /needs jobId and thingArn/],
  [{ action: 'revoke', serialNumber: '' }, /needs serialNumber/],
  [{ action: 'delete' }, /unknown action "delete"/],
])('%p is refused', async (event, message) => {
  await expect(handler(event as unknown as OperatorEvent)).rejects.toThrow(message);
  expect(iot.calls()).toHaveLength(0);
  expect(sfn.calls()).toHaveLength(0);
});

test('a missing setting is an error', async () => {
  delete process.env.ROTATION_JOB_TEMPLATE_ARN;
  await expect(handler({ action: 'startRotation', jobId: 'rotate-1', thingArn: 'arn:thing' })).rejects.toThrow(/ROTATION_JOB_TEMPLATE_ARN is not set/);
});
