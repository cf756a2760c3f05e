/*
 * Custom resource: the account's AWS IoT fleet indexing configuration. CloudFormation has no
 * resource for it; it is one setting per account and region.
 *
 * Create stores the configuration it found in an SSM parameter (once: a retried Create keeps
 * the first), then applies the one asked for. Update applies the new one. Delete puts back what
 * Create found and removes the parameter. Every step is safe to repeat.
 */
import * as http from 'http';
import * as https from 'https';
import {
  GetIndexingConfigurationCommand,
  IoTClient,
  ThingIndexingConfiguration,
  UpdateIndexingConfigurationCommand,
} from '@aws-sdk/client-iot';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';

/** The properties the construct passes; CloudFormation turns every scalar into a string. */
export interface FleetIndexingProperties {
  /** The thing indexing configuration to apply, as JSON. */
  readonly ThingIndexingConfiguration: string;
  /** The SSM parameter that keeps the configuration found before this resource existed. */
  readonly PreviousConfigurationParameter: string;
}

export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: FleetIndexingProperties & { ServiceToken: string };
  readonly OldResourceProperties?: FleetIndexingProperties;
}

export interface OnEventResult {
  readonly PhysicalResourceId: string;
  readonly Data?: { [key: string]: string };
}

const iot = new IoTClient({});
const ssm = new SSMClient({});

/** Fields Get returns that Update does not take: IoT manages them itself. */
function writable(config: ThingIndexingConfiguration): ThingIndexingConfiguration {
  const { managedFields: _managed, ...rest } = config;
  return rest;
}

function parseConfiguration(json: string): ThingIndexingConfiguration {
  const parsed = JSON.parse(json) as ThingIndexingConfiguration;
  if (!parsed || typeof parsed !== 'object' || typeof parsed.thingIndexingMode !== 'string') {
    throw new Error(`ThingIndexingConfiguration must be a JSON object with thingIndexingMode, got ${json}`);
  }
  return parsed;
}

async function readPrevious(name: string): Promise<ThingIndexingConfiguration | undefined> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name }));
    return out.Parameter?.Value ? parseConfiguration(out.Parameter.Value) : undefined;
  } catch (e) {
    if (e instanceof ParameterNotFound || (e as Error).name === 'ParameterNotFound') return undefined;
    throw e;
  }
}

async function apply(config: ThingIndexingConfiguration): Promise<void> {
  await iot.send(new UpdateIndexingConfigurationCommand({ thingIndexingConfiguration: writable(config) }));
}

/** The custom resource's logic, apart from answering CloudFormation. */
export async function onEvent(event: CustomResourceEvent): Promise<OnEventResult> {
  const props = event.ResourceProperties;
  const parameter = props.PreviousConfigurationParameter;
  const physicalId = event.PhysicalResourceId ?? `fleet-indexing:${parameter}`;

  if (event.RequestType === 'Delete') {
    const previous = await readPrevious(parameter);
    if (previous) {
      await apply(previous);
      await ssm.send(new DeleteParameterCommand({ Name: parameter })).catch((e: Error) => {
        if (!(e instanceof ParameterNotFound) && e.name !== 'ParameterNotFound') throw e;
      });
    }
    return { PhysicalResourceId: physicalId };
  }

  const desired = parseConfiguration(props.ThingIndexingConfiguration);
  if (event.RequestType === 'Create') {
    const found = await iot.send(new GetIndexingConfigurationCommand({}));
    const previous = writable(found.thingIndexingConfiguration ?? { thingIndexingMode: 'OFF' });
    try {
      await ssm.send(new PutParameterCommand({
        Name: parameter,
        Value: JSON.stringify(previous),
        Type: 'String',
        Overwrite: false,
        Description: 'cdk-secure-iot: fleet indexing configuration found before the stack set it; restored on delete',
      }));
    } catch (e) {
      // A retried Create: the first attempt already kept what was there before any of ours.
      if (!(e instanceof ParameterAlreadyExists) && (e as Error).name !== 'ParameterAlreadyExists') throw e;
    }
  }
  await apply(desired);
  return {
    PhysicalResourceId: physicalId,
    Data: { ThingIndexingMode: desired.thingIndexingMode ?? 'OFF' },
  };
}

/** Sends the result to CloudFormation's pre-signed S3 URL. */
export function respond(
  event: CustomResourceEvent,
  status: 'SUCCESS' | 'FAILED',
  result: OnEventResult,
  reason?: string,
): Promise<void> {
  const body = JSON.stringify({
    Status: status,
    Reason: (reason ?? 'See the function log').slice(0, 3000),
    PhysicalResourceId: result.PhysicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
    Data: result.Data,
  });
  const url = new URL(event.ResponseURL);
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, {
      method: 'PUT',
      // One request per invocation: no keep-alive socket left open to freeze with the sandbox.
      agent: false,
      // The pre-signed URL is signed for an empty content type.
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode && res.statusCode < 300
        ? resolve()
        : reject(new Error(`CloudFormation response was refused with HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Lambda entry point. Always answers CloudFormation, so a stack never hangs on a failure. */
export async function handler(event: CustomResourceEvent): Promise<void> {
  try {
    const result = await onEvent(event);
    await respond(event, 'SUCCESS', result);
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    console.error(JSON.stringify({ level: 'ERROR', requestType: event.RequestType, message }));
    await respond(event, 'FAILED', {
      PhysicalResourceId: event.PhysicalResourceId ?? `fleet-indexing:failed:${event.RequestId}`,
    }, message);
  }
}
