import * as http from 'http';
import { AddressInfo } from 'net';
import { GetIndexingConfigurationCommand, IoTClient, UpdateIndexingConfigurationCommand } from '@aws-sdk/client-iot';
import {
  DeleteParameterCommand, GetParameterCommand, ParameterAlreadyExists, ParameterNotFound, PutParameterCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { CustomResourceEvent, handler, onEvent } from '../../../lib/inventory/handlers/fleet-indexing';

const iot = mockClient(IoTClient);
const ssm = mockClient(SSMClient);

const PARAM = '/cdk-secure-iot/fleet-indexing/Stack1FleetIndexing';
const DESIRED = { thingIndexingMode: 'REGISTRY_AND_SHADOW', thingConnectivityIndexingMode: 'STATUS', customFields: [{ name: 'attributes.site', type: 'String' }] };
const FOUND = { thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'OFF', managedFields: [{ name: 'thingName', type: 'String' }] };

function event(type: 'Create' | 'Update' | 'Delete', extra: Partial<CustomResourceEvent> = {}): CustomResourceEvent {
  return {
    RequestType: type,
    ResponseURL: 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/S/1',
    RequestId: 'req-1',
    LogicalResourceId: 'FleetIndexing',
    ResourceProperties: { ServiceToken: 'arn:fn', ThingIndexingConfiguration: JSON.stringify(DESIRED), PreviousConfigurationParameter: PARAM },
    ...extra,
  };
}

beforeEach(() => {
  iot.reset();
  ssm.reset();
  iot.on(GetIndexingConfigurationCommand).resolves({ thingIndexingConfiguration: FOUND as never });
  iot.on(UpdateIndexingConfigurationCommand).resolves({});
  ssm.on(PutParameterCommand).resolves({});
  ssm.on(DeleteParameterCommand).resolves({});
});

describe('Create', () => {
  test('keeps the configuration it found (without the read-only managed fields), then applies the one asked for', async () => {
    const result = await onEvent(event('Create'));
    const put = ssm.commandCalls(PutParameterCommand)[0].args[0].input;
    expect(put).toMatchObject({ Name: PARAM, Overwrite: false, Type: 'String' });
    expect(JSON.parse(put.Value!)).toEqual({ thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'OFF' });
    const update = iot.commandCalls(UpdateIndexingConfigurationCommand);
    expect(update).toHaveLength(1);
    expect(update[0].args[0].input).toEqual({ thingIndexingConfiguration: DESIRED });
    expect(result).toEqual({ PhysicalResourceId: `fleet-indexing:${PARAM}`, Data: { ThingIndexingMode: 'REGISTRY_AND_SHADOW' } });
  });

  test('a retried Create keeps what the first attempt found and still applies the configuration', async () => {
    ssm.on(PutParameterCommand).rejects(new ParameterAlreadyExists({ message: 'exists', $metadata: {} }));
    await expect(onEvent(event('Create'))).resolves.toMatchObject({ PhysicalResourceId: `fleet-indexing:${PARAM}` });
    expect(iot.commandCalls(UpdateIndexingConfigurationCommand)).toHaveLength(1);
  });

  test('an account that never indexed is remembered as OFF', async () => {
    iot.on(GetIndexingConfigurationCommand).resolves({});
    await onEvent(event('Create'));
    expect(JSON.parse(ssm.commandCalls(PutParameterCommand)[0].args[0].input.Value!)).toEqual({ thingIndexingMode: 'OFF' });
  });

  test('an SSM failure other than "already exists" fails the request before anything changes', async () => {
    ssm.on(PutParameterCommand).rejects(new Error('AccessDenied'));
    await expect(onEvent(event('Create'))).rejects.toThrow('AccessDenied');
    expect(iot.commandCalls(UpdateIndexingConfigurationCommand)).toHaveLength(0);
  });

  test('a malformed configuration is refused', async () => {
    const bad = event('Create');
    const props = { ...bad.ResourceProperties, ThingIndexingConfiguration: '{"mode":"x"}' };
    await expect(onEvent({ ...bad, ResourceProperties: props })).rejects.toThrow(/must be a JSON object with thingIndexingMode/);
  });
});

test('Update applies the new configuration and keeps the physical ID', async () => {
  const result = await onEvent(event('Update', { PhysicalResourceId: 'fleet-indexing:old' }));
  expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  expect(iot.commandCalls(UpdateIndexingConfigurationCommand)[0].args[0].input.thingIndexingConfiguration).toEqual(DESIRED);
  expect(result.PhysicalResourceId).toBe('fleet-indexing:old');
});

describe('Delete', () => {
  test('puts back the configuration Create found and removes the parameter', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'OFF' }) } });
    await onEvent(event('Delete', { PhysicalResourceId: 'fleet-indexing:x' }));
    expect(iot.commandCalls(UpdateIndexingConfigurationCommand)[0].args[0].input)
      .toEqual({ thingIndexingConfiguration: { thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'OFF' } });
    expect(ssm.commandCalls(DeleteParameterCommand)[0].args[0].input).toEqual({ Name: PARAM });
  });

  test('is a no-op when nothing was kept (a Create that failed early), and safe to repeat', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'nope', $metadata: {} }));
    await expect(onEvent(event('Delete', { PhysicalResourceId: 'x' }))).resolves.toEqual({ PhysicalResourceId: 'x' });
    expect(iot.commandCalls(UpdateIndexingConfigurationCommand)).toHaveLength(0);
  });
});

describe('handler answers CloudFormation', () => {
  let server: http.Server;
  let received: { method?: string; contentType?: string; body: any }[];

  beforeEach(async () => {
    received = [];
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ method: req.method, contentType: req.headers['content-type'], body: JSON.parse(body) });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterEach(() => new Promise<void>((r) => server.close(() => r())));

  const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/signed`;

  test('SUCCESS with the physical ID and data, PUT with an empty content type', async () => {
    await handler(event('Create', { ResponseURL: url() }));
    expect(received).toHaveLength(1);
    expect(received[0].method).toBe('PUT');
    expect(received[0].contentType).toBe('');
    expect(received[0].body).toMatchObject({
      Status: 'SUCCESS', PhysicalResourceId: `fleet-indexing:${PARAM}`, RequestId: 'req-1',
      LogicalResourceId: 'FleetIndexing', Data: { ThingIndexingMode: 'REGISTRY_AND_SHADOW' },
    });
  });

  test('FAILED with the reason when the logic throws, so the stack never hangs', async () => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    iot.on(UpdateIndexingConfigurationCommand).rejects(new Error('ThrottlingException'));
    await handler(event('Update', { ResponseURL: url(), PhysicalResourceId: 'p' }));
    expect(received[0].body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'p' });
    expect(received[0].body.Reason).toContain('ThrottlingException');
  });
});
