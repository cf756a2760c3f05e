/*
 * The test operator: does what an operator of the fleet does, with only the grants the library
 * hands out, so the integration test proves those grants are enough.
 * - `{"action": "startRotation", "jobId", "thingArn"}`: CreateJob from the fleet's rotation job
 *   template for one thing (FleetProvisioning.grantStartRotation).
 * - `{"action": "revoke", "serialNumber"}`: starts the revocation state machine (grantRevoke).
 */
import { CreateJobCommand, IoTClient } from '@aws-sdk/client-iot';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

const iot = new IoTClient({});
const sfn = new SFNClient({});

export type OperatorEvent =
  | { action: 'startRotation'; jobId: string; thingArn: string }
  | { action: 'revoke'; serialNumber: string };

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export async function handler(event: OperatorEvent): Promise<{ [key: string]: string }> {
  switch (event?.action) {
    case 'startRotation': {
      if (!isString(event.jobId) || !isString(event.thingArn)) throw new Error('startRotation needs jobId and thingArn');
      const job = await iot.send(new CreateJobCommand({
        jobId: event.jobId,
        jobTemplateArn: env('ROTATION_JOB_TEMPLATE_ARN'),
        targets: [event.thingArn],
        targetSelection: 'SNAPSHOT',
      }));
      return { jobId: job.jobId!, jobArn: job.jobArn! };
    }
    case 'revoke': {
      if (!isString(event.serialNumber)) throw new Error('revoke needs serialNumber');
      const execution = await sfn.send(new StartExecutionCommand({
        stateMachineArn: env('REVOCATION_STATE_MACHINE_ARN'),
        input: JSON.stringify({ serialNumber: event.serialNumber }),
      }));
      return { executionArn: execution.executionArn! };
    }
    default:
      throw new Error(`unknown action ${JSON.stringify((event as { action?: unknown })?.action)}`);
  }
}
