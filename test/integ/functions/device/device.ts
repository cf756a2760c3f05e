/*
 * The test device: what a device of a FleetProvisioning fleet does, over MQTT, against AWS IoT.
 * The connection, the key store and the key generator are given (index.ts wires the AWS IoT
 * Device SDK v2, Secrets Manager and node crypto), so the flow is tested offline with fakes.
 *
 * Actions (the event's `action`):
 * - `provision`: connects with the claim certificate under the claim client ID prefix, makes a key
 *   pair and a CSR, calls CreateCertificateFromCsr then RegisterThing with the template and the
 *   serial (and a `Criticality` of its own when the event has one: the hook must override it);
 *   keeps the key and certificate when provisioned. A rejection is an answer, not an error: its
 *   statusCode, errorCode and errorMessage are returned for the assertions to tell what it was.
 * - `rotate`: connects as its thing, takes its next job (jobs MQTT API StartNextPendingJobExecution),
 *   follows the rotation job document: publishes a new CSR naming the job, receives the
 *   certificate, reconnects with it, confirms over it and reports the job SUCCEEDED; `rotated`
 *   only when AWS IoT accepted that update (`job-update-rejected` otherwise).
 * - `connect`: tries to connect as its thing with its current (or previous) certificate, and says
 *   whether AWS IoT let it, and when not, whether AWS IoT refused it (`refused`: the broker
 *   refused or closed the connection) or it failed here (a timeout, DNS, the network).
 * Every certificate ID the device is given is recorded first, so the test stack's cleanup finds
 * each one, a refused provisioning's included.
 */

/** A certificate the device holds, with its private key. */
export interface Credential {
  readonly certificateId: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** What the device keeps between invocations (its secure element, in Secrets Manager). */
export interface DeviceState {
  readonly thingName?: string;
  readonly current?: Credential;
  readonly previous?: Credential;
  /** Every certificate AWS IoT issued to this device, for the cleanup. */
  readonly certificateIds: string[];
}

/** A message that answered a request: on the accepted topic, or the rejected one. */
export interface Reply {
  readonly accepted: boolean;
  readonly payload: { [key: string]: unknown };
}

/** An open MQTT connection to AWS IoT. */
export interface MqttSession {
  /** Subscribes to the reply topics, publishes `payload` (JSON, QoS 1) and waits for the first reply. */
  request(topic: string, payload: object, replies: { accepted: string; rejected?: string }, timeoutMs: number): Promise<Reply>;
  /** Publishes `payload` (JSON, QoS 1). */
  publish(topic: string, payload: object): Promise<void>;
  /** The fleet provisioning MQTT API (the SDK's iotidentity client). */
  createCertificateFromCsr(csrPem: string): Promise<{ certificateId: string; certificatePem: string; certificateOwnershipToken: string }>;
  registerThing(templateName: string, certificateOwnershipToken: string, parameters: { [name: string]: string }): Promise<{ thingName: string }>;
  disconnect(): Promise<void>;
}

/** An error AWS IoT answered with on a rejected topic (the SDK's modeled error). */
export class RejectedError extends Error {
  constructor(readonly errorCode: string, message: string, readonly statusCode?: number) {
    super(message);
    this.name = 'RejectedError';
  }
}

/** What the device is given. */
export interface DeviceEnvironment {
  connect(clientId: string, credential: { certificatePem: string; privateKeyPem: string }): Promise<MqttSession>;
  newKeyAndCsr(commonName: string): Promise<{ privateKeyPem: string; csrPem: string }>;
  loadClaim(): Promise<{ certificatePem: string; privateKeyPem: string }>;
  loadState(): Promise<DeviceState>;
  saveState(state: DeviceState): Promise<void>;
  randomId(): string;
  sleep(ms: number): Promise<void>;
  readonly templateName: string;
  readonly claimClientIdPrefix: string;
}

export type DeviceEvent =
  | { action: 'provision'; serialNumber: string; criticality?: string }
  | { action: 'rotate'; jobId?: string }
  | { action: 'connect'; certificate?: 'current' | 'previous' };

export type DeviceResult = { [key: string]: unknown };

const SERIAL = /^[A-Za-z0-9:_-]{1,128}$/;
const THING_PLACEHOLDER = '${aws:iot:thing:ThingName}';
/** How long the device waits for an answer: the rotation passes a topic rule, a state machine and a function. */
const REPLY_TIMEOUT_MS = 60_000;

/** The device store starts as the secret's generated placeholder (not JSON): no state yet. */
export function parseState(text: string | undefined): DeviceState {
  try {
    const parsed = JSON.parse(text ?? '');
    if (parsed && typeof parsed === 'object' && Array.isArray(parsed.certificateIds)) return parsed as DeviceState;
  } catch {
    // the placeholder
  }
  return { certificateIds: [] };
}

export async function runDevice(event: DeviceEvent, env: DeviceEnvironment): Promise<DeviceResult> {
  switch (event?.action) {
    case 'provision': return provision(event.serialNumber, event.criticality, env);
    case 'rotate': return rotate(event.jobId, env);
    case 'connect': return tryConnect(event.certificate ?? 'current', env);
    default: throw new Error(`unknown action ${JSON.stringify((event as { action?: unknown })?.action)}`);
  }
}

async function provision(serialNumber: string, criticality: string | undefined, env: DeviceEnvironment): Promise<DeviceResult> {
  if (typeof serialNumber !== 'string' || !SERIAL.test(serialNumber)) throw new Error(`invalid serialNumber ${JSON.stringify(serialNumber)}`);
  if (criticality !== undefined && typeof criticality !== 'string') throw new Error(`invalid criticality ${JSON.stringify(criticality)}`);
  // A device claiming its own criticality: the template's pre-provisioning hook must replace it.
  const parameters: { [name: string]: string } = criticality === undefined ? { SerialNumber: serialNumber } : { SerialNumber: serialNumber, Criticality: criticality };
  const claim = await env.loadClaim();
  const session = await env.connect(`${env.claimClientIdPrefix}${serialNumber}-${env.randomId()}`, claim);
  try {
    const key = await env.newKeyAndCsr(serialNumber);
    const issued = await session.createCertificateFromCsr(key.csrPem);
    // Recorded before anything else can fail: a certificate the template never activates is the cleanup's too.
    const before = await env.loadState();
    await env.saveState({ ...before, certificateIds: [...before.certificateIds, issued.certificateId] });
    let thingName: string;
    try {
      ({ thingName } = await session.registerThing(env.templateName, issued.certificateOwnershipToken, parameters));
    } catch (e) {
      if (e instanceof RejectedError) {
        return { outcome: 'refused', statusCode: e.statusCode, errorCode: e.errorCode, message: e.message, certificateId: issued.certificateId };
      }
      throw e;
    }
    const state = await env.loadState();
    await env.saveState({
      ...state,
      thingName,
      current: { certificateId: issued.certificateId, certificatePem: issued.certificatePem, privateKeyPem: key.privateKeyPem },
      previous: undefined,
    });
    return { outcome: 'provisioned', thingName, certificateId: issued.certificateId };
  } finally {
    await session.disconnect();
  }
}

async function rotate(expectedJobId: string | undefined, env: DeviceEnvironment): Promise<DeviceResult> {
  const state = await env.loadState();
  const old = state.current;
  if (!state.thingName || !old) throw new Error('the device is not provisioned (no thing name or certificate)');
  const thing = state.thingName;
  const session = await env.connect(thing, old);
  let asked: RotationAsked | DeviceResult;
  try {
    asked = await askForCertificate(session, thing, expectedJobId, env);
  } finally {
    await session.disconnect();
  }
  if (!('credential' in asked)) return asked;
  const { jobId, credential, topics } = asked as RotationAsked;

  // The new certificate was attached just before it was sent: a first connection may precede that.
  const next = await connectWithRetry(env, thing, credential, 5);
  try {
    await next.publish(topics.confirm, {});
    const jobs = `$aws/things/${thing}/jobs/${jobId}`;
    const update = await next.request(`${jobs}/update`, { status: 'SUCCEEDED' },
      { accepted: `${jobs}/update/accepted`, rejected: `${jobs}/update/rejected` }, REPLY_TIMEOUT_MS);
    // The certificate is the device's either way (the old one is being retired): it keeps it.
    const latest = await env.loadState();
    await env.saveState({ ...latest, current: credential, previous: old });
    const ids = { jobId, oldCertificateId: old.certificateId, newCertificateId: credential.certificateId };
    // Rotated only when AWS IoT took the job's SUCCEEDED: a rejected update is not a rotation done.
    if (!update.accepted) return { outcome: 'job-update-rejected', ...ids, reply: update.payload };
    return { outcome: 'rotated', ...ids };
  } finally {
    await next.disconnect();
  }
}

interface RotationAsked {
  readonly jobId: string;
  readonly credential: Credential;
  readonly topics: { csr: string; accepted: string; confirm: string };
}

/** Takes the next job; when it is a rotation, sends a new CSR naming it and receives the certificate. */
async function askForCertificate(session: MqttSession, thing: string, expectedJobId: string | undefined, env: DeviceEnvironment): Promise<RotationAsked | DeviceResult> {
  const jobs = `$aws/things/${thing}/jobs`;
  const next = await session.request(`${jobs}/start-next`, { clientToken: env.randomId() },
    { accepted: `${jobs}/start-next/accepted`, rejected: `${jobs}/start-next/rejected` }, REPLY_TIMEOUT_MS);
  if (!next.accepted) return { outcome: 'job-rejected', reply: next.payload };
  const execution = next.payload.execution as { jobId?: string; jobDocument?: { [k: string]: unknown } | string } | undefined;
  if (!execution?.jobId) return { outcome: 'no-job' };
  const jobId = execution.jobId;
  if (expectedJobId !== undefined && jobId !== expectedJobId) return { outcome: 'unexpected-job', jobId };
  // The MQTT API sends the document as JSON (the SDK's model: an object); the HTTPS API as a string.
  const doc: { [k: string]: unknown } = typeof execution.jobDocument === 'string' ? JSON.parse(execution.jobDocument) : execution.jobDocument ?? {};
  if (doc.operation !== 'rotate-certificate') return { outcome: 'not-a-rotation', jobId, operation: doc.operation };
  const topic = (name: string) => {
    const t = doc[name];
    if (typeof t !== 'string') throw new Error(`the rotation job document has no ${name}`);
    return t.split(THING_PLACEHOLDER).join(thing);
  };
  const topics = { csr: topic('csrTopic'), accepted: topic('acceptedTopic'), confirm: topic('confirmTopic') };

  const key = await env.newKeyAndCsr(thing);
  const reply = await session.request(topics.csr, { csr: key.csrPem, jobId }, { accepted: topics.accepted }, REPLY_TIMEOUT_MS);
  const { certificateId, certificatePem } = reply.payload;
  if (typeof certificateId !== 'string' || typeof certificatePem !== 'string') throw new Error('the accepted message has no certificateId and certificatePem');
  const recorded = await env.loadState();
  await env.saveState({ ...recorded, certificateIds: [...recorded.certificateIds, certificateId] });
  return { jobId, topics, credential: { certificateId, certificatePem, privateKeyPem: key.privateKeyPem } };
}

async function connectWithRetry(env: DeviceEnvironment, clientId: string, credential: Credential, attempts: number): Promise<MqttSession> {
  for (let i = 1; ; i++) {
    try {
      return await env.connect(clientId, credential);
    } catch (e) {
      if (i >= attempts) throw e;
      await env.sleep(2000 * i);
    }
  }
}

async function tryConnect(which: 'current' | 'previous', env: DeviceEnvironment): Promise<DeviceResult> {
  if (which !== 'current' && which !== 'previous') throw new Error(`certificate must be current or previous, got ${JSON.stringify(which)}`);
  const state = await env.loadState();
  const credential = state[which];
  if (!state.thingName || !credential) throw new Error(`the device has no thing name or no ${which} certificate`);
  let session: MqttSession;
  try {
    // Client ID = thing name, as the device policy requires.
    session = await env.connect(state.thingName, credential);
  } catch (e) {
    const error = errorText(e);
    return { connected: false, refused: isRefusal(error), certificateId: credential.certificateId, error };
  }
  await session.disconnect();
  return { connected: true, certificateId: credential.certificateId };
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Whether a failed connection was AWS IoT refusing the device, as the AWS CRT reports it: a CONNACK
 * with a non-zero return code ("Server rejected connection."), the broker closing the connection
 * (AWS_ERROR_MQTT_UNEXPECTED_HANGUP: what AWS IoT does to a certificate it does not authorize), or
 * the TLS handshake failing or ending in an alert from the server. Anything else (our own
 * timeout, DNS, no route, TCP refused, the network) is a failure here, not a refusal.
 */
export function isRefusal(error: string): boolean {
  return /Server rejected connection|AWS_ERROR_MQTT_UNEXPECTED_HANGUP|AWS_ERROR_MQTT5_CONNACK_CONNECTION_REFUSED|AWS_IO_TLS_ERROR_NEGOTIATION_FAILURE|AWS_IO_TLS_ERROR_ALERT_RECEIVED|AWS_IO_TLS_ALERT_NOT_GRACEFUL|AWS_IO_SOCKET_CLOSED/.test(error);
}
