/*
 * The test device's Lambda handler: device.ts's flow with the real pieces. Its credentials live in
 * Secrets Manager (the claim certificate the test stack made, and the device's own store, both
 * encrypted with the test stack's key): the stand-in for a device's secure element. AWS IoT's
 * endpoint is the account's iot:Data-ATS one.
 */
import { randomBytes } from 'crypto';
import { DescribeEndpointCommand, IoTClient } from '@aws-sdk/client-iot';
import { GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeviceEvent, DeviceResult, parseState, runDevice } from './device';
import { newKeyAndCsr } from './keys';
import { connect } from './mqtt';

const secrets = new SecretsManagerClient({});
const iot = new IoTClient({});
let endpoint: string | undefined;

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function readSecret(secretId: string): Promise<string | undefined> {
  try {
    return (await secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (e) {
    if (e instanceof ResourceNotFoundException) return undefined;
    throw e;
  }
}

export async function handler(event: DeviceEvent): Promise<DeviceResult> {
  endpoint ??= (await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }))).endpointAddress;
  const claimSecret = env('CLAIM_SECRET_ARN');
  const deviceSecret = env('DEVICE_SECRET_ARN');
  const result = await runDevice(event, {
    templateName: env('TEMPLATE_NAME'),
    claimClientIdPrefix: env('CLAIM_CLIENT_ID_PREFIX'),
    connect: (clientId, credential) => connect(endpoint!, clientId, credential),
    newKeyAndCsr,
    loadClaim: async () => {
      const claim = JSON.parse((await readSecret(claimSecret)) ?? '{}');
      if (typeof claim.certificatePem !== 'string' || typeof claim.privateKey !== 'string') throw new Error('the claim secret holds no certificate');
      return { certificatePem: claim.certificatePem, privateKeyPem: claim.privateKey };
    },
    loadState: async () => parseState(await readSecret(deviceSecret)),
    saveState: async (state) => { await secrets.send(new PutSecretValueCommand({ SecretId: deviceSecret, SecretString: JSON.stringify(state) })); },
    randomId: () => randomBytes(6).toString('hex'),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  // The answer the assertions read: never a key.
  console.log(JSON.stringify({ event: event.action, result }));
  return result;
}
