/*
 * The integration test device's flow (functions/device/device.ts) against a fake AWS IoT: which
 * client ID and certificate each connection uses, what is published where, what the device keeps,
 * and how it answers refusals, missing jobs and refused connections.
 */
import { DeviceEnvironment, DeviceState, isRefusal, MqttSession, parseState, RejectedError, Reply, runDevice } from './device/device';

const THING = 'secure-iot-integ-x-SN1';
const ROTATION_DOC = {
  operation: 'rotate-certificate',
  csrTopic: 'devices/${aws:iot:thing:ThingName}/cert/rotate/csr',
  acceptedTopic: 'devices/${aws:iot:thing:ThingName}/cert/rotate/accepted',
  confirmTopic: 'devices/${aws:iot:thing:ThingName}/cert/rotate/confirm',
};
const ID = (c: string) => c.repeat(64);

interface Sent { readonly clientId: string; readonly certificatePem: string; readonly kind: string; readonly topic?: string; readonly payload?: unknown }

/** A fake AWS IoT: scripted answers per request topic; records every connection and message. */
class FakeIot {
  readonly sent: Sent[] = [];
  readonly refuse = new Set<string>();
  readonly timeout = new Set<string>();
  failConnects = 0;
  replies: { [topic: string]: Reply } = {};
  registerError?: Error;
  disconnects = 0;

  connect = async (clientId: string, credential: { certificatePem: string }): Promise<MqttSession> => {
    if (this.refuse.has(credential.certificatePem)) throw new Error('Failed to connect: libaws-c-mqtt: AWS_ERROR_MQTT_UNEXPECTED_HANGUP, The connection was closed unexpectedly.');
    if (this.timeout.has(credential.certificatePem)) throw new Error(`connecting as ${clientId}: no answer in 20000 ms`);
    if (this.failConnects > 0) { this.failConnects--; throw new Error('not yet authorized'); }
    const record = (kind: string, topic?: string, payload?: unknown) => this.sent.push({ clientId, certificatePem: credential.certificatePem, kind, topic, payload });
    record('connect');
    return {
      request: async (topic, payload, replies) => {
        record('request', topic, payload);
        const reply = this.replies[topic];
        if (!reply) throw new Error(`waiting on ${replies.accepted}: no answer`);
        return reply;
      },
      publish: async (topic, payload) => { record('publish', topic, payload); },
      createCertificateFromCsr: async (csrPem) => {
        record('createCertificateFromCsr', undefined, csrPem);
        return { certificateId: ID('a'), certificatePem: 'DEVICE-CERT', certificateOwnershipToken: 'token' };
      },
      registerThing: async (templateName, token, parameters) => {
        record('registerThing', templateName, { token, parameters });
        if (this.registerError) throw this.registerError;
        return { thingName: `secure-iot-integ-x-${parameters.SerialNumber}` };
      },
      disconnect: async () => { this.disconnects++; },
    };
  };
}

function environment(iot: FakeIot, initial: DeviceState = { certificateIds: [] }) {
  const store = { state: initial, saves: 0 };
  let keys = 0;
  const env: DeviceEnvironment = {
    templateName: 'secure-iot-integ-x',
    claimClientIdPrefix: 'provisioning-',
    connect: iot.connect,
    newKeyAndCsr: async (cn) => { keys++; return { privateKeyPem: `KEY-${keys}`, csrPem: `CSR-${cn}-${keys}` }; },
    loadClaim: async () => ({ certificatePem: 'CLAIM-CERT', privateKeyPem: 'CLAIM-KEY' }),
    loadState: async () => store.state,
    saveState: async (s) => { store.state = s; store.saves++; },
    randomId: () => 'r4nd',
    sleep: async () => undefined,
  };
  return { env, store };
}

const provisioned: DeviceState = {
  thingName: THING,
  current: { certificateId: ID('a'), certificatePem: 'DEVICE-CERT', privateKeyPem: 'KEY-1' },
  certificateIds: [ID('a')],
};

describe('provision', () => {
  test('connects with the claim certificate under the claim prefix, sends its own CSR, registers with the serial and keeps key and certificate', async () => {
    const iot = new FakeIot();
    const { env, store } = environment(iot);
    const result = await runDevice({ action: 'provision', serialNumber: 'SN1' }, env);
    expect(result).toEqual({ outcome: 'provisioned', thingName: THING, certificateId: ID('a') });
    expect(iot.sent).toEqual([
      { clientId: 'provisioning-SN1-r4nd', certificatePem: 'CLAIM-CERT', kind: 'connect', topic: undefined, payload: undefined },
      { clientId: 'provisioning-SN1-r4nd', certificatePem: 'CLAIM-CERT', kind: 'createCertificateFromCsr', topic: undefined, payload: 'CSR-SN1-1' },
      { clientId: 'provisioning-SN1-r4nd', certificatePem: 'CLAIM-CERT', kind: 'registerThing', topic: 'secure-iot-integ-x', payload: { token: 'token', parameters: { SerialNumber: 'SN1' } } },
    ]);
    expect(store.state).toEqual({ thingName: THING, current: { certificateId: ID('a'), certificatePem: 'DEVICE-CERT', privateKeyPem: 'KEY-1' }, previous: undefined, certificateIds: [ID('a')] });
    expect(iot.disconnects).toBe(1);
  });

  test('a refusal is an answer: the certificate is recorded for the cleanup, the device keeps what it had', async () => {
    const iot = new FakeIot();
    iot.registerError = new RejectedError('AccessDenied', 'refused by the pre-provisioning hook', 403);
    const { env, store } = environment(iot, provisioned);
    const result = await runDevice({ action: 'provision', serialNumber: 'SN1' }, env);
    expect(result).toEqual({ outcome: 'refused', statusCode: 403, errorCode: 'AccessDenied', message: 'refused by the pre-provisioning hook', certificateId: ID('a') });
    expect(store.state.current).toEqual(provisioned.current);
    expect(store.state.certificateIds).toEqual([ID('a'), ID('a')]);
    expect(iot.disconnects).toBe(1);
  });

  test('a criticality of its own goes with the serial (the hook is to override it)', async () => {
    const iot = new FakeIot();
    const { env } = environment(iot);
    await runDevice({ action: 'provision', serialNumber: 'SN1', criticality: 'low' }, env);
    expect(iot.sent.find((s) => s.kind === 'registerThing')?.payload).toEqual({ token: 'token', parameters: { SerialNumber: 'SN1', Criticality: 'low' } });
    await expect(runDevice({ action: 'provision', serialNumber: 'SN1', criticality: 3 as unknown as string }, env)).rejects.toThrow(/invalid criticality/);
  });

  test('another error fails the invocation, after disconnecting', async () => {
    const iot = new FakeIot();
    iot.registerError = new Error('no answer in 30 s');
    const { env } = environment(iot);
    await expect(runDevice({ action: 'provision', serialNumber: 'SN1' }, env)).rejects.toThrow(/no answer/);
    expect(iot.disconnects).toBe(1);
  });

  test.each([[''], ['SN 1'], ['SN/1'], [undefined]])('a malformed serial %p is refused before connecting', async (serial) => {
    const iot = new FakeIot();
    const { env } = environment(iot);
    await expect(runDevice({ action: 'provision', serialNumber: serial as unknown as string }, env)).rejects.toThrow(/invalid serialNumber/);
    expect(iot.sent).toEqual([]);
  });
});

describe('rotate', () => {
  const jobs = `$aws/things/${THING}/jobs`;
  const rotationReplies = (doc: unknown = ROTATION_DOC, jobId = 'rotate-1'): { [topic: string]: Reply } => ({
    [`${jobs}/start-next`]: { accepted: true, payload: { execution: { jobId, jobDocument: doc, status: 'IN_PROGRESS' } } },
    [`devices/${THING}/cert/rotate/csr`]: { accepted: true, payload: { certificateId: ID('b'), certificatePem: 'NEW-CERT' } },
    [`${jobs}/${jobId}/update`]: { accepted: true, payload: {} },
  });

  test('takes the job, sends a CSR naming it over the old certificate, confirms over the new one and reports the job SUCCEEDED', async () => {
    const iot = new FakeIot();
    iot.replies = rotationReplies();
    iot.failConnects = 0;
    const { env, store } = environment(iot, provisioned);
    const result = await runDevice({ action: 'rotate', jobId: 'rotate-1' }, env);
    expect(result).toEqual({ outcome: 'rotated', jobId: 'rotate-1', oldCertificateId: ID('a'), newCertificateId: ID('b') });
    const messages = iot.sent.filter((s) => s.kind !== 'connect').map((s) => [s.certificatePem, s.kind, s.topic, s.payload]);
    expect(messages).toEqual([
      ['DEVICE-CERT', 'request', `${jobs}/start-next`, { clientToken: 'r4nd' }],
      ['DEVICE-CERT', 'request', `devices/${THING}/cert/rotate/csr`, { csr: `CSR-${THING}-1`, jobId: 'rotate-1' }],
      ['NEW-CERT', 'publish', `devices/${THING}/cert/rotate/confirm`, {}],
      ['NEW-CERT', 'request', `${jobs}/rotate-1/update`, { status: 'SUCCEEDED' }],
    ]);
    expect(iot.sent.filter((s) => s.kind === 'connect').map((s) => s.clientId)).toEqual([THING, THING]);
    expect(store.state).toEqual({
      thingName: THING,
      current: { certificateId: ID('b'), certificatePem: 'NEW-CERT', privateKeyPem: 'KEY-1' },
      previous: provisioned.current,
      certificateIds: [ID('a'), ID('b')],
    });
  });

  test('a rejected job update is not a rotation done: the device keeps the new certificate and says so', async () => {
    const iot = new FakeIot();
    iot.replies = { ...rotationReplies(), [`${jobs}/rotate-1/update`]: { accepted: false, payload: { code: 'InvalidStateTransition' } } };
    const { env, store } = environment(iot, provisioned);
    await expect(runDevice({ action: 'rotate', jobId: 'rotate-1' }, env)).resolves.toEqual({
      outcome: 'job-update-rejected', jobId: 'rotate-1', oldCertificateId: ID('a'), newCertificateId: ID('b'), reply: { code: 'InvalidStateTransition' },
    });
    expect(store.state.current?.certificateId).toBe(ID('b'));
    expect(iot.disconnects).toBe(2);
  });

  test('retries connecting with the new certificate while AWS IoT catches up', async () => {
    const iot = new FakeIot();
    iot.replies = rotationReplies();
    const { env } = environment(iot, provisioned);
    const connect = env.connect;
    let calls = 0;
    env.connect = async (clientId, credential) => {
      calls++;
      if (credential.certificatePem === 'NEW-CERT' && calls < 4) throw new Error('not authorized yet');
      return connect(clientId, credential);
    };
    await expect(runDevice({ action: 'rotate' }, env)).resolves.toMatchObject({ outcome: 'rotated' });
    expect(calls).toBe(4);
  });

  test('a job document sent as a string is read as JSON', async () => {
    const iot = new FakeIot();
    iot.replies = rotationReplies(JSON.stringify(ROTATION_DOC));
    const { env } = environment(iot, provisioned);
    await expect(runDevice({ action: 'rotate', jobId: 'rotate-1' }, env)).resolves.toMatchObject({ outcome: 'rotated' });
  });

  test.each([
    ['no pending job', { accepted: true, payload: {} }, { outcome: 'no-job' }],
    ['another job first', { accepted: true, payload: { execution: { jobId: 'other', jobDocument: ROTATION_DOC } } }, { outcome: 'unexpected-job', jobId: 'other' }],
    ['not a rotation', { accepted: true, payload: { execution: { jobId: 'rotate-1', jobDocument: { operation: 'reboot' } } } }, { outcome: 'not-a-rotation', jobId: 'rotate-1', operation: 'reboot' }],
    ['start-next rejected', { accepted: false, payload: { code: 'InvalidRequest' } }, { outcome: 'job-rejected', reply: { code: 'InvalidRequest' } }],
  ])('%s: no CSR is sent', async (_name, reply, expected) => {
    const iot = new FakeIot();
    iot.replies = { [`${jobs}/start-next`]: reply as Reply };
    const { env, store } = environment(iot, provisioned);
    await expect(runDevice({ action: 'rotate', jobId: 'rotate-1' }, env)).resolves.toEqual(expected);
    expect(iot.sent.filter((s) => s.topic?.includes('cert/rotate'))).toEqual([]);
    expect(store.saves).toBe(0);
    expect(iot.disconnects).toBe(1);
  });

  test('no certificate in time: the invocation fails, the device keeps its certificate', async () => {
    const iot = new FakeIot();
    iot.replies = { [`${jobs}/start-next`]: rotationReplies()[`${jobs}/start-next`] };
    const { env, store } = environment(iot, provisioned);
    await expect(runDevice({ action: 'rotate' }, env)).rejects.toThrow(/no answer/);
    expect(store.state).toBe(provisioned);
  });

  test('an unprovisioned device cannot rotate', async () => {
    const { env } = environment(new FakeIot());
    await expect(runDevice({ action: 'rotate' }, env)).rejects.toThrow(/not provisioned/);
  });
});

describe('connect', () => {
  const rotated: DeviceState = { ...provisioned, previous: { certificateId: ID('c'), certificatePem: 'OLD-CERT', privateKeyPem: 'KEY-0' } };

  test('says when AWS IoT lets it connect as its thing', async () => {
    const iot = new FakeIot();
    const { env } = environment(iot, rotated);
    await expect(runDevice({ action: 'connect' }, env)).resolves.toEqual({ connected: true, certificateId: ID('a') });
    expect(iot.sent).toMatchObject([{ clientId: THING, certificatePem: 'DEVICE-CERT' }]);
    expect(iot.disconnects).toBe(1);
  });

  test('reports a refused connection with the previous certificate', async () => {
    const iot = new FakeIot();
    iot.refuse.add('OLD-CERT');
    const { env } = environment(iot, rotated);
    await expect(runDevice({ action: 'connect', certificate: 'previous' }, env))
      .resolves.toEqual({ connected: false, refused: true, certificateId: ID('c'), error: 'Failed to connect: libaws-c-mqtt: AWS_ERROR_MQTT_UNEXPECTED_HANGUP, The connection was closed unexpectedly.' });
  });

  test('a local timeout is a failed connection, not a refusal', async () => {
    const iot = new FakeIot();
    iot.timeout.add('DEVICE-CERT');
    const { env } = environment(iot, rotated);
    await expect(runDevice({ action: 'connect' }, env)).resolves.toMatchObject({ connected: false, refused: false, certificateId: ID('a') });
  });

  test.each([
    ['Server rejected connection.', true],
    ['Failed to connect: libaws-c-mqtt: AWS_ERROR_MQTT_UNEXPECTED_HANGUP, The connection was closed unexpectedly.', true],
    ['Failed to connect: aws-c-io: AWS_IO_TLS_ERROR_NEGOTIATION_FAILURE, TLS (SSL) negotiation failed', true],
    ['Failed to connect: aws-c-io: AWS_IO_TLS_ERROR_ALERT_RECEIVED, Fatal TLS Alert was received', true],
    ['Failed to connect: aws-c-io: AWS_IO_SOCKET_TIMEOUT, socket operation timed out.', false],
    ['Failed to connect: aws-c-io: AWS_IO_DNS_QUERY_FAILED, A nonrecoverable failure when query to dns occurred.', false],
    ['Failed to connect: aws-c-io: AWS_IO_SOCKET_CONNECTION_REFUSED, socket connection refused.', false],
    ['connecting as x: no answer in 20000 ms', false],
  ])('%p is a refusal: %p', (error, refusal) => {
    expect(isRefusal(error)).toBe(refusal);
  });

  test('no such certificate is an error, not a refusal', async () => {
    const { env } = environment(new FakeIot(), provisioned);
    await expect(runDevice({ action: 'connect', certificate: 'previous' }, env)).rejects.toThrow(/no previous certificate/);
    await expect(runDevice({ action: 'connect', certificate: 'other' as 'current' }, env)).rejects.toThrow(/current or previous/);
  });
});

test('an unknown action is an error', async () => {
  const { env } = environment(new FakeIot());
  await expect(runDevice({ action: 'reboot' } as unknown as { action: 'connect' }, env)).rejects.toThrow(/unknown action "reboot"/);
});

test('the store starts as the secret\'s placeholder', () => {
  expect(parseState(undefined)).toEqual({ certificateIds: [] });
  expect(parseState('x8$Kq!placeholder')).toEqual({ certificateIds: [] });
  expect(parseState(JSON.stringify(provisioned))).toEqual(provisioned);
});

test('the device makes a P-256 key and a CSR for its public key, signed with it', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createPrivateKey, createPublicKey, verify } = require('crypto') as typeof import('crypto');
  const { newKeyAndCsr } = await import('./device/keys');
  const { privateKeyPem, csrPem } = await newKeyAndCsr('secure-iot-integ-x-SN1');
  expect(privateKeyPem).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
  expect(createPrivateKey(privateKeyPem).asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
  const der = Buffer.from(csrPem.replace(/-----[A-Z ]+-----|\n/g, ''), 'base64');
  const spki = createPublicKey(privateKeyPem).export({ format: 'der', type: 'spki' });
  expect(der.includes(spki)).toBe(true);
  expect(der.includes(Buffer.from('secure-iot-integ-x-SN1'))).toBe(true);
  // CertificationRequest ::= SEQUENCE { info, algorithm, BIT STRING signature } (RFC 2986).
  const tlv = (buf: Buffer, at: number) => {
    const first = buf[at + 1];
    const lengthBytes = first < 0x80 ? 0 : first & 0x7f;
    const length = lengthBytes === 0 ? first : [...buf.subarray(at + 2, at + 2 + lengthBytes)].reduce((n, byte) => (n << 8) + byte, 0);
    const start = at + 2 + lengthBytes;
    return { tag: buf[at], start, end: start + length };
  };
  const outer = tlv(der, 0);
  const infoTlv = tlv(der, outer.start);
  const info = der.subarray(outer.start, infoTlv.end);
  const algorithm = tlv(der, infoTlv.end);
  expect(der.subarray(algorithm.start, algorithm.end).toString('hex')).toBe('06082a8648ce3d040302');
  const bits = tlv(der, algorithm.end);
  expect(bits.tag).toBe(0x03);
  const signature = der.subarray(bits.start + 1, bits.end);
  expect(verify('sha256', info, createPublicKey(privateKeyPem), signature)).toBe(true);
});
