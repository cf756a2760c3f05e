/*
 * The device's MQTT connection: the AWS IoT Device SDK for JavaScript v2 (MQTT 3.1.1 over mutual
 * TLS on port 8883) and its iotidentity request-response client for the fleet provisioning MQTT
 * API. Loaded only in Lambda: aws-crt is a native module (the asset carries its linux-arm64-glibc
 * binary); device.ts holds the flow and is tested with fakes.
 */
import { io, iot, iotidentity, mqtt } from 'aws-iot-device-sdk-v2';
import { MqttSession, RejectedError, Reply } from './device';

const CONNECT_TIMEOUT_MS = 15_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const json = (payload: ArrayBuffer): { [key: string]: unknown } => JSON.parse(new TextDecoder().decode(payload));

/** The SDK's modeled rejection (errorCode, errorMessage from the rejected topic) as a RejectedError. */
function rejected(e: unknown): unknown {
  const modeled = (e as { modeledError?: { errorCode?: string; errorMessage?: string; statusCode?: number } })?.modeledError;
  if (modeled && (modeled.errorCode || modeled.statusCode)) {
    return new RejectedError(modeled.errorCode ?? String(modeled.statusCode), modeled.errorMessage ?? 'rejected', modeled.statusCode);
  }
  return e;
}

export async function connect(endpoint: string, clientId: string, credential: { certificatePem: string; privateKeyPem: string }): Promise<MqttSession> {
  const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(credential.certificatePem, credential.privateKeyPem)
    .with_endpoint(endpoint)
    .with_client_id(clientId)
    .with_clean_session(true)
    .with_keep_alive_seconds(30)
    .with_timeout_ms(10_000)
    .with_socket_options(new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, CONNECT_TIMEOUT_MS))
    .build();
  const connection = new mqtt.MqttClient().new_connection(config);
  connection.on('error', (e) => console.log(JSON.stringify({ event: 'mqtt-error', clientId, error: String(e) })));
  try {
    await withTimeout(connection.connect(), CONNECT_TIMEOUT_MS + 5_000, `connecting as ${clientId}`);
  } catch (e) {
    // Not left connecting (or reconnecting) behind the invocation: the next one would meet it.
    await withTimeout(connection.disconnect(), 5_000, 'disconnecting').catch(() => undefined);
    // The CRT rejects with a string naming the error (device.ts's isRefusal reads it).
    throw e instanceof Error ? e : new Error(String(e));
  }
  console.log(JSON.stringify({ event: 'connected', clientId }));
  let identity: iotidentity.IotIdentityClientv2 | undefined;
  const identityClient = () => identity ??= iotidentity.IotIdentityClientv2.newFromMqtt311(connection, {
    maxRequestResponseSubscriptions: 4, maxStreamingSubscriptions: 2, operationTimeoutInSeconds: 30,
  });

  const subscribe = async (topic: string, onMessage: (payload: ArrayBuffer) => void) => {
    const granted = await connection.subscribe(topic, mqtt.QoS.AtLeastOnce, (_t, payload) => onMessage(payload));
    if (granted.error_code || (granted.qos as number) === 128) throw new Error(`subscription to ${topic} refused`);
  };

  return {
    async request(topic, payload, replies, timeoutMs): Promise<Reply> {
      let settle!: (reply: Reply) => void;
      const reply = new Promise<Reply>((resolve) => { settle = resolve; });
      await subscribe(replies.accepted, (p) => settle({ accepted: true, payload: json(p) }));
      if (replies.rejected) await subscribe(replies.rejected, (p) => settle({ accepted: false, payload: json(p) }));
      await connection.publish(topic, JSON.stringify(payload), mqtt.QoS.AtLeastOnce);
      return withTimeout(reply, timeoutMs, `waiting on ${replies.accepted}`);
    },
    async publish(topic, payload) {
      await connection.publish(topic, JSON.stringify(payload), mqtt.QoS.AtLeastOnce);
    },
    async createCertificateFromCsr(csrPem) {
      try {
        const r = await identityClient().createCertificateFromCsr({ certificateSigningRequest: csrPem });
        if (!r.certificateId || !r.certificatePem || !r.certificateOwnershipToken) throw new Error('CreateCertificateFromCsr answered without a certificate');
        return { certificateId: r.certificateId, certificatePem: r.certificatePem, certificateOwnershipToken: r.certificateOwnershipToken };
      } catch (e) {
        throw rejected(e);
      }
    },
    async registerThing(templateName, certificateOwnershipToken, parameters) {
      try {
        const r = await identityClient().registerThing({ templateName, certificateOwnershipToken, parameters });
        if (!r.thingName) throw new Error('RegisterThing answered without a thing name');
        return { thingName: r.thingName };
      } catch (e) {
        throw rejected(e);
      }
    },
    async disconnect() {
      identity?.close();
      await withTimeout(connection.disconnect(), 5_000, 'disconnecting').catch(() => undefined);
    },
  };
}
