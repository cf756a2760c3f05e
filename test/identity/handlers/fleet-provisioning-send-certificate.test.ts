import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lib/identity/handlers/fleet-provisioning-send-certificate';

const iotData = mockClient(IoTDataPlaneClient);
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';
const ok = { thingName: 'sensor-SN1', certificateId: 'a'.repeat(64), certificatePem: PEM };

beforeEach(() => {
  iotData.reset();
  iotData.on(PublishCommand).resolves({});
  process.env.TOPIC_ROOT = 'devices';
});

test('publishes the certificate on the device\'s own accepted topic, QoS 1', async () => {
  expect(await handler(ok)).toEqual({ topic: 'devices/sensor-SN1/cert/rotate/accepted' });
  const [call] = iotData.commandCalls(PublishCommand);
  expect(call.args[0].input).toMatchObject({ topic: 'devices/sensor-SN1/cert/rotate/accepted', qos: 1 });
  expect(JSON.parse(new TextDecoder().decode(call.args[0].input.payload as Uint8Array))).toEqual({ certificateId: ok.certificateId, certificatePem: PEM });
});

test.each([
  ['a thing name that would leave the device\'s tree', { ...ok, thingName: 'a/../b' }, /invalid thingName/],
  ['a thing name with an MQTT wildcard', { ...ok, thingName: '+' }, /invalid thingName/],
  ['no certificate ID', { ...ok, certificateId: undefined }, /invalid certificateId/],
  ['something else than one PEM certificate', { ...ok, certificatePem: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n' }, /not one PEM certificate/],
  ['no event', undefined, /invalid thingName/],
])('refuses %s without publishing', async (_name, event, message) => {
  await expect(handler(event as never)).rejects.toThrow(message);
  expect(iotData.commandCalls(PublishCommand)).toHaveLength(0);
});

test('a publish error (throttling) fails the step, so Step Functions reports it', async () => {
  iotData.on(PublishCommand).rejects(new Error('Rate exceeded'));
  await expect(handler(ok)).rejects.toThrow('Rate exceeded');
});
