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

const PARAM = '/cdk-secure-iot/fleet-indexing/state';
const DESIRED = { thingIndexingMode: 'REGISTRY_AND_SHADOW', thingConnectivityIndexingMode: 'STATUS', deviceDefenderIndexingMode: 'OFF', customFields: [{ name: 'attributes.site', type: 'String' }] };
const FOUND = { thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'OFF', deviceDefenderIndexingMode: 'VIOLATIONS', managedFields: [{ name: 'thingName', type: 'String' }] };
const FOUND_WRITABLE = { thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'OFF', deviceDefenderIndexingMode: 'VIOLATIONS' };
const STACK = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/S/1';
const ME = `fleet-indexing:${STACK}/FleetIndexing`;

function event(type: 'Create' | 'Update' | 'Delete', extra: Partial<CustomResourceEvent> = {}, desired: object = DESIRED): CustomResourceEvent {
  return {
    RequestType: type,
    ResponseURL: 'https://example.invalid/response',
    StackId: STACK,
    RequestId: 'req-1',
    LogicalResourceId: 'FleetIndexing',
    ResourceProperties: { ServiceToken: 'arn:fn', ThingIndexingConfiguration: JSON.stringify(desired), PreviousConfigurationParameter: PARAM },
    ...extra,
  };
}

const kept = (owner: string, previous: object = FOUND_WRITABLE) => ({ Parameter: { Value: JSON.stringify({ previous, owner }) } });
const notFound = () => new ParameterNotFound({ message: 'nope', $metadata: {} });
const applied = () => iot.commandCalls(UpdateIndexingConfigurationCommand).map((c) => c.args[0].input.thingIndexingConfiguration);
const written = () => ssm.commandCalls(PutParameterCommand).map((c) => ({ ...c.args[0].input, Value: JSON.parse(c.args[0].input.Value!) }));

beforeEach(() => {
  iot.reset();
  ssm.reset();
  iot.on(GetIndexingConfigurationCommand).resolves({ thingIndexingConfiguration: FOUND as never });
  iot.on(UpdateIndexingConfigurationCommand).resolves({});
  ssm.on(GetParameterCommand).rejects(notFound());
  ssm.on(PutParameterCommand).resolves({});
  ssm.on(DeleteParameterCommand).resolves({});
});

describe('Create', () => {
  test('keeps the configuration it found (without the read-only managed fields) as its own, then applies the one asked for', async () => {
    const result = await onEvent(event('Create'));
    expect(written()).toEqual([expect.objectContaining({ Name: PARAM, Overwrite: false, Type: 'String', Value: { previous: FOUND_WRITABLE, owner: ME } })]);
    expect(applied()).toEqual([DESIRED]);
    expect(result).toEqual({ PhysicalResourceId: ME, Data: { ThingIndexingMode: 'REGISTRY_AND_SHADOW' } });
  });

  test('a retried Create that already owns the setting keeps what the first attempt found and applies again', async () => {
    ssm.on(GetParameterCommand).resolves(kept(ME));
    await onEvent(event('Create'));
    expect(written()).toEqual([]);
    expect(applied()).toEqual([DESIRED]);
  });

  test('a moved construct takes the setting over, keeping the earliest finding, not the configuration the old resource applied', async () => {
    ssm.on(GetParameterCommand).resolves(kept('fleet-indexing:old-resource'));
    iot.on(GetIndexingConfigurationCommand).resolves({ thingIndexingConfiguration: DESIRED as never });
    await onEvent(event('Create'));
    expect(written()).toEqual([expect.objectContaining({ Overwrite: true, Value: { previous: FOUND_WRITABLE, owner: ME } })]);
  });

  test('a parameter written between the read and the write is taken over, not overwritten', async () => {
    ssm.on(GetParameterCommand).rejectsOnce(notFound()).resolves(kept('fleet-indexing:other'));
    ssm.on(PutParameterCommand).rejectsOnce(new ParameterAlreadyExists({ message: 'exists', $metadata: {} })).resolves({});
    await onEvent(event('Create'));
    expect(written().map((w) => [w.Overwrite, w.Value.owner])).toEqual([[false, ME], [true, ME]]);
    expect(written()[1].Value.previous).toEqual(FOUND_WRITABLE);
  });

  test('an account that never indexed is remembered as OFF', async () => {
    iot.on(GetIndexingConfigurationCommand).resolves({});
    await onEvent(event('Create'));
    expect(written()[0].Value.previous).toEqual({ thingIndexingMode: 'OFF' });
  });

  test('without a Detect mode in the configuration, the account\'s current one is kept', async () => {
    const { deviceDefenderIndexingMode: _omitted, ...withoutDetect } = DESIRED;
    await onEvent(event('Create', {}, withoutDetect));
    expect(applied()).toEqual([{ ...withoutDetect, deviceDefenderIndexingMode: 'VIOLATIONS' }]);
  });

  test('an SSM failure fails the request before anything changes', async () => {
    ssm.on(PutParameterCommand).rejects(new Error('AccessDenied'));
    await expect(onEvent(event('Create'))).rejects.toThrow('AccessDenied');
    expect(applied()).toEqual([]);
  });

  test('a parameter that does not hold this library\'s state is an error, not overwritten', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '"something else"' } });
    await expect(onEvent(event('Create'))).rejects.toThrow(/does not hold cdk-secure-iot's fleet indexing state/);
    expect(written()).toEqual([]);
  });

  test('a malformed configuration is refused', async () => {
    await expect(onEvent(event('Create', {}, { mode: 'x' }))).rejects.toThrow(/must be a JSON object with thingIndexingMode/);
  });
});

test('Update applies the new configuration and keeps the physical ID and the kept state', async () => {
  const result = await onEvent(event('Update', { PhysicalResourceId: ME }));
  expect(written()).toEqual([]);
  expect(applied()).toEqual([DESIRED]);
  expect(result.PhysicalResourceId).toBe(ME);
});

describe('Delete', () => {
  test('puts back the configuration found before and removes the parameter while it owns the setting', async () => {
    ssm.on(GetParameterCommand).resolves(kept(ME));
    await onEvent(event('Delete', { PhysicalResourceId: ME }));
    expect(applied()).toEqual([FOUND_WRITABLE]);
    expect(ssm.commandCalls(DeleteParameterCommand)[0].args[0].input).toEqual({ Name: PARAM });
  });

  test('leaves setting and parameter alone when another resource took the setting over', async () => {
    ssm.on(GetParameterCommand).resolves(kept('fleet-indexing:new-owner'));
    await onEvent(event('Delete', { PhysicalResourceId: ME }));
    expect(applied()).toEqual([]);
    expect(ssm.commandCalls(DeleteParameterCommand)).toHaveLength(0);
  });

  test('is a no-op when nothing was kept, and safe to repeat', async () => {
    await expect(onEvent(event('Delete', { PhysicalResourceId: ME }))).resolves.toEqual({ PhysicalResourceId: ME });
    expect(applied()).toEqual([]);
  });

  test('a Create that failed after taking ownership is undone by the Delete that follows (same physical ID)', async () => {
    iot.on(UpdateIndexingConfigurationCommand).rejectsOnce(new Error('InvalidRequest'));
    await expect(onEvent(event('Create'))).rejects.toThrow('InvalidRequest');
    ssm.on(GetParameterCommand).resolves(kept(ME));
    await onEvent(event('Delete', { PhysicalResourceId: ME }));
    expect(applied().at(-1)).toEqual(FOUND_WRITABLE);
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
      Status: 'SUCCESS', PhysicalResourceId: ME, RequestId: 'req-1',
      LogicalResourceId: 'FleetIndexing', Data: { ThingIndexingMode: 'REGISTRY_AND_SHADOW' },
    });
  });

  test('FAILED with the reason when the logic throws, so the stack never hangs', async () => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    iot.on(UpdateIndexingConfigurationCommand).rejects(new Error('ThrottlingException'));
    await handler(event('Update', { ResponseURL: url(), PhysicalResourceId: 'p' }));
    expect(received[0].body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'p' });
    await handler(event('Create', { ResponseURL: url() }));
    expect(received[1].body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: ME });
    expect(received[0].body.Reason).toContain('ThrottlingException');
  });
});
