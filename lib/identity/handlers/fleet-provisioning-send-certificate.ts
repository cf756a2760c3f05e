/*
 * Sends a device the certificate that rotation issued for it, on its own topic
 * `<TOPIC_ROOT>/<thing>/cert/rotate/accepted` (QoS 1). Step Functions has no AWS SDK integration
 * for the IoT data plane, so the rotation state machine calls this. The certificate is public;
 * the device's private key never left it.
 */
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';

const iotData = new IoTDataPlaneClient({ maxAttempts: 5 });

/** What the rotation state machine sends. */
export interface SendCertificateEvent {
  readonly thingName?: unknown;
  readonly certificateId?: unknown;
  readonly certificatePem?: unknown;
}

const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const CERTIFICATE_ID = /^[0-9a-f]{64}$/;
const PEM = /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?$/;

export async function handler(event: SendCertificateEvent): Promise<{ topic: string }> {
  const root = process.env.TOPIC_ROOT;
  if (!root) throw new Error('TOPIC_ROOT is not set');
  const { thingName, certificateId, certificatePem } = event ?? {};
  if (typeof thingName !== 'string' || !THING_NAME.test(thingName)) throw new Error(`invalid thingName ${JSON.stringify(thingName)}`);
  if (typeof certificateId !== 'string' || !CERTIFICATE_ID.test(certificateId)) throw new Error(`invalid certificateId ${JSON.stringify(certificateId)}`);
  if (typeof certificatePem !== 'string' || !PEM.test(certificatePem)) throw new Error('certificatePem is not one PEM certificate');
  const topic = `${root}/${thingName}/cert/rotate/accepted`;
  await iotData.send(new PublishCommand({
    topic,
    qos: 1,
    contentType: 'application/json',
    payload: new TextEncoder().encode(JSON.stringify({ certificateId, certificatePem })),
  }));
  return { topic };
}
