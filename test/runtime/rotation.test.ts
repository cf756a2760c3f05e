/*
 * Certificate rotation and revocation, run: the state machines FleetProvisioning synthesizes,
 * executed locally through every branch against in-memory fakes of the IoT registry and the allow
 * list, the Lambda step running the send-certificate bundle the function deploys, behind a fake IoT
 * data plane.
 * Each case asserts the fleet afterwards (which certificates are ACTIVE, attached to what, the
 * allow list item), not only how the execution ended. Inputs are what the rotation topic rule
 * hands the state machine: the message's csr and jobId (the device's, or an attacker's with the
 * device's key), the thing name from the topic and the connection's certificate.
 */
import * as fs from 'fs';
import * as path from 'path';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { App, Stack } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { DevicePolicy, FleetProvisioning } from '../../lib';
import { CfnTemplate, synthesizedStacks } from './synthesized';
import { arnOf, callTarget, CallTarget, nameOf, policyOf, principalPolicy, resolveValue, roleOf, stateMachineDefinition, TEST_ENV, withEnvironment } from './iam';
import { AwsError, Doubles, FakeDynamoDb, FakeIot, RecordedCall, RunResult, runJsonPathStateMachine } from './asl-jsonpath';

const ENV = { ...TEST_ENV };

// The bundle the function deploys (node scripts/bundle-handlers.js), the AWS SDK external to it as in Lambda.
const BUNDLE = path.resolve(__dirname, '..', '..', 'dist', 'handlers', 'fleet-provisioning-send-certificate', 'index.js');
if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run node scripts/bundle-handlers.js`);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sendCertificate = require(BUNDLE).handler as (event: unknown) => Promise<unknown>;

// ---- The templates, resolved under TEST_ENV
type Template = CfnTemplate;
const app = new App();
const stack = new Stack(app, 'Rotation', { env: { account: ENV.account, region: ENV.region } });
const devicePolicy = new DevicePolicy(stack, 'DevicePolicy');
const fleet = new FleetProvisioning(stack, 'Fleet', { devicePolicy, thingNamePrefix: 'sensor-' });
const template = app.synth().getStackByName(stack.stackName).template as Template;
const logicalId = (c: unknown) => stack.getLogicalId((c as { node: { defaultChild: never } }).node.defaultChild);
const ROTATION = stateMachineDefinition(template, logicalId(fleet.rotationStateMachine));
const REVOCATION = stateMachineDefinition(template, logicalId(fleet.revocationStateMachine));
const TABLE = nameOf(template, logicalId(fleet.allowListTable));
const POLICY = nameOf(template, stack.getLogicalId(devicePolicy.cfnPolicy));
const JOB_TEMPLATE_ARN = arnOf(template, stack.getLogicalId(fleet.rotationJobTemplate));

const CSR = (n: number) => `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(`device key ${n}`).toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
const THING = 'sensor-SN1';

// ---- One fleet: the device sensor-SN1 (serial SN1) on its provisioning certificate, a rotation job for it
const iotData = mockClient(IoTDataPlaneClient);
let iot: FakeIot;
let db: FakeDynamoDb;
let original: string;
let executions = 0;
let published: { topic: string; payload: any }[];

beforeEach(() => {
  iotData.reset();
  published = [];
  iotData.on(PublishCommand).callsFake((input) => {
    published.push({ topic: input.topic, payload: JSON.parse(new TextDecoder().decode(input.payload)) });
    return {};
  });
  process.env.TOPIC_ROOT = 'devices';
  iot = new FakeIot(ENV);
  iot.policies.add(POLICY);
  iot.addThing(THING, { serialNumber: 'SN1' });
  original = iot.addCertificate(THING, [POLICY]);
  iot.addJob('rotate-1', JOB_TEMPLATE_ARN, [THING]);
  db = new FakeDynamoDb();
  db.addTable(TABLE, 'serialNumber');
  db.put(TABLE, { serialNumber: 'SN1', status: 'PROVISIONED', certificateId: original });
});

function doubles(): Doubles {
  return {
    ...iot.doubles(),
    ...db.doubles(),
    // As Lambda answers Invoke: 200 even when the function throws, with FunctionError and the error as the payload.
    'lambda:invoke': async (p: { FunctionName: string; Payload: unknown }) => {
      expect(p.FunctionName).toMatch(/^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:/);
      const event = typeof p.Payload === 'string' ? JSON.parse(p.Payload) : p.Payload;
      try {
        return { StatusCode: 200, Payload: await sendCertificate(event) };
      } catch (e) {
        return { StatusCode: 200, FunctionError: 'Unhandled', Payload: { errorType: (e as Error).name, errorMessage: (e as Error).message } };
      }
    },
  };
}

/** Every call each state machine made in this file, for the grants check at the end. */
const CALLS = { rotation: [] as RecordedCall[], revocation: [] as RecordedCall[] };
type Hook = (state: string) => unknown;
async function rotate(input: Record<string, unknown>, onWait?: Hook): Promise<RunResult> {
  const run = await runJsonPathStateMachine(ROTATION, input, doubles(), { onWait, executionName: `rotation-${++executions}` });
  CALLS.rotation.push(...run.calls);
  return run;
}
const csr = (n: number, overrides: Record<string, unknown> = {}, onWait?: Hook) =>
  rotate({ csr: CSR(n), jobId: 'rotate-1', thingName: THING, step: 'csr', principal: original, ...overrides }, onWait);
const confirm = (principal: string, thingName = THING) => rotate({ thingName, step: 'confirm', principal });
async function revoke(input: unknown): Promise<RunResult> {
  const run = await runJsonPathStateMachine(REVOCATION, input, doubles(), { executionName: `revocation-${++executions}` });
  CALLS.revocation.push(...run.calls);
  return run;
}

/** The certificate issued from CSR n. */
function issuedFrom(n: number): string | undefined {
  return [...iot.certificates.entries()].find(([, c]) => c.csr === CSR(n))?.[0];
}
const item = () => db.get(TABLE, 'SN1')!;
const attached = (id: string) => ({ status: iot.certificates.get(id)!.status, things: [...iot.certificates.get(id)!.things], policies: [...iot.certificates.get(id)!.policies] });
const ACTIVE_ON_THING = { status: 'ACTIVE', things: [THING], policies: [POLICY] };
const RETIRED = { status: 'INACTIVE', things: [], policies: [] };
const issuedCount = () => [...iot.certificates.values()].filter((c) => c.csr !== undefined).length;

describe('rotation', () => {
  test('requested by the rotation job, issued, sent, confirmed over the new certificate: the old one is retired', async () => {
    let confirmed: RunResult | undefined;
    const run = await csr(1, {}, async () => {
      // While the issuing execution waits, the device has its certificate and confirms over it.
      const issued = issuedFrom(1)!;
      expect(attached(issued)).toEqual(ACTIVE_ON_THING);
      expect(item()).toMatchObject({ pendingCertificateId: issued, rotationRequest: 'rotate-1#1' });
      expect(published).toEqual([{ topic: `devices/${THING}/cert/rotate/accepted`, payload: { certificateId: issued, certificatePem: expect.stringContaining('BEGIN CERTIFICATE') } }]);
      confirmed = await confirm(issued);
    });
    const issued = issuedFrom(1)!;
    expect(confirmed).toMatchObject({ status: 'SUCCEEDED' });
    expect(run).toMatchObject({ status: 'SUCCEEDED' });
    expect(run.states).toContain('NoLongerPending');
    expect(attached(issued)).toEqual(ACTIVE_ON_THING);
    expect(attached(original)).toEqual(RETIRED);
    expect(iot.activeCertificates()).toEqual([issued]);
    expect(item()).toEqual({ serialNumber: 'SN1', status: 'PROVISIONED', certificateId: issued, previousCertificateId: original,
      rotationRequest: 'rotate-1#1', rotationStartedAt: expect.any(String), rotatedAt: expect.any(String) });
    // The issued certificate is attached exclusively: it can never serve another thing.
    expect(iot.certificates.get(issued)!.exclusive).toBe(true);
  });

  test.each([
    ['no jobId (the old protocol, or a stolen key publishing at will)', { jobId: undefined }],
    ['a job that does not exist', { jobId: 'made-up' }],
    ['a job not made from the rotation template', { jobId: 'firmware-7' }],
    ['a rotation job for another thing', { jobId: 'rotate-other' }],
    ['a rotation job this thing already finished', { jobId: 'rotate-done' }],
    ['a canceled rotation job', { jobId: 'rotate-canceled' }],
  ])('a CSR without a rotation request mints nothing: %s', async (_name, overrides) => {
    iot.addJob('firmware-7', 'arn:aws:iot:eu-west-1:111122223333:jobtemplate/firmware', [THING]);
    iot.addThing('sensor-SN2', { serialNumber: 'SN2' });
    iot.addJob('rotate-other', JOB_TEMPLATE_ARN, ['sensor-SN2']);
    iot.addJob('rotate-done', JOB_TEMPLATE_ARN, [THING], 'IN_PROGRESS', 'SUCCEEDED');
    iot.addJob('rotate-canceled', JOB_TEMPLATE_ARN, [THING], 'CANCELED', 'CANCELED');
    const run = await csr(1, overrides);
    expect(run).toMatchObject({ status: 'FAILED', error: 'NotRequested' });
    expect(issuedCount()).toBe(0);
    expect(run.calls.filter((c) => c.service === 'dynamodb')).toEqual([]);
    expect(item()).toEqual({ serialNumber: 'SN1', status: 'PROVISIONED', certificateId: original });
  });

  test('a request is consumed once: a second CSR on the same job mints nothing, after completion or expiry', async () => {
    await csr(1, {}, async () => { await confirm(issuedFrom(1)!); });
    const current = issuedFrom(1)!;
    const again = await csr(2, { principal: current });
    expect(again).toMatchObject({ status: 'FAILED', error: 'Refused' });
    expect(issuedCount()).toBe(1);
    expect(iot.activeCertificates()).toEqual([current]);
  });

  test('one outstanding certificate: a second CSR while one is pending is refused, even on a new request', async () => {
    iot.addJob('rotate-2', JOB_TEMPLATE_ARN, [THING]);
    let second: RunResult | undefined;
    const first = await csr(1, {}, async () => {
      second = await csr(2, { jobId: 'rotate-2' });
    });
    expect(second).toMatchObject({ status: 'FAILED', error: 'Refused' });
    expect(issuedFrom(2)).toBeUndefined();
    // The first was never confirmed: retired at the timeout, the device keeps its certificate.
    expect(first).toMatchObject({ status: 'FAILED', error: 'NotConfirmed' });
    expect(attached(issuedFrom(1)!)).toEqual(RETIRED);
    expect(attached(original)).toEqual(ACTIVE_ON_THING);
    expect(iot.activeCertificates()).toEqual([original]);
  });

  test('the slot freed by the timeout serves the next request', async () => {
    await csr(1);
    iot.addJob('rotate-2', JOB_TEMPLATE_ARN, [THING]);
    const next = await csr(2, { jobId: 'rotate-2' }, async () => { await confirm(issuedFrom(2)!); });
    expect(next.status).toBe('SUCCEEDED');
    expect(iot.activeCertificates()).toEqual([issuedFrom(2)]);
    expect(attached(issuedFrom(1)!)).toEqual(RETIRED);
  });

  test('a pending certificate not confirmed in time is retired; a confirmation after that changes nothing', async () => {
    const run = await csr(1);
    const issued = issuedFrom(1)!;
    expect(run).toMatchObject({ status: 'FAILED', error: 'NotConfirmed' });
    expect(run.states).toEqual(expect.arrayContaining(['AwaitConfirmation', 'ExpireIfStillPending', 'DeactivateNew', 'DetachNewFromPolicy', 'DetachNewFromThing']));
    expect(attached(issued)).toEqual(RETIRED);
    expect(item()).toMatchObject({ certificateId: original, expiredCertificateId: issued });
    expect(item().pendingCertificateId).toBeUndefined();
    expect(item().pendingExecution).toBeUndefined();
    const late = await confirm(issued);
    expect(late).toMatchObject({ status: 'FAILED', error: 'NotPending' });
    expect(iot.activeCertificates()).toEqual([original]);
    expect(attached(original)).toEqual(ACTIVE_ON_THING);
  });

  test('a confirmation over the old certificate, or any certificate but the pending one, retires nothing', async () => {
    const stranger = iot.addCertificate(undefined, []);
    const results: RunResult[] = [];
    await csr(1, {}, async () => {
      results.push(await confirm(original));
      results.push(await confirm(stranger));
      results.push(await confirm('not-a-certificate'));
      expect(attached(original)).toEqual(ACTIVE_ON_THING);
      expect(attached(issuedFrom(1)!)).toEqual(ACTIVE_ON_THING);
      expect(item()).toMatchObject({ certificateId: original, pendingCertificateId: issuedFrom(1) });
    });
    for (const r of results) {
      expect(r).toMatchObject({ status: 'FAILED', error: 'NotPending' });
      expect(r.calls.filter((c) => c.service === 'iot' && c.action !== 'describeThing')).toEqual([]);
    }
  });

  test('two confirmations: the second retires nothing (the first freed the slot)', async () => {
    const results: RunResult[] = [];
    await csr(1, {}, async () => {
      results.push(await confirm(issuedFrom(1)!));
      results.push(await confirm(issuedFrom(1)!));
    });
    expect(results.map((r) => r.status)).toEqual(['SUCCEEDED', 'FAILED']);
    expect(results[1].error).toBe('NotPending');
    expect(attached(issuedFrom(1)!)).toEqual(ACTIVE_ON_THING);
    expect(item().previousCertificateId).toBe(original);
  });

  test('a CSR must come over the device\'s current certificate: not the pending one, not a leftover one, not another device\'s', async () => {
    const leftover = iot.addCertificate(THING, [POLICY]);
    const overLeftover = await csr(1, { principal: leftover });
    expect(overLeftover).toMatchObject({ status: 'FAILED', error: 'Refused' });
    // Another device (or an IAM principal) publishing on this device's topic: its principal is not this device's.
    iot.addThing('sensor-SN2', { serialNumber: 'SN2' });
    const other = iot.addCertificate('sensor-SN2', [POLICY]);
    db.put(TABLE, { serialNumber: 'SN2', status: 'PROVISIONED', certificateId: other });
    const forged = await csr(2, { principal: other });
    expect(forged).toMatchObject({ status: 'FAILED', error: 'Refused' });
    expect(issuedCount()).toBe(0);
  });

  test('a revoked device rotates nothing and confirms nothing', async () => {
    db.put(TABLE, { serialNumber: 'SN1', status: 'REVOKED', certificateId: original });
    const run = await csr(1);
    expect(run).toMatchObject({ status: 'FAILED', error: 'Refused' });
    expect(issuedCount()).toBe(0);
    db.put(TABLE, { serialNumber: 'SN1', status: 'REVOKED', certificateId: original, pendingCertificateId: original });
    expect(await confirm(original)).toMatchObject({ status: 'FAILED', error: 'NotPending' });
  });

  test('a revocation while a certificate is pending retires it too; the waiting execution then leaves it alone', async () => {
    let revocation: RunResult | undefined;
    const run = await csr(1, {}, async () => { revocation = await revoke({ serialNumber: 'SN1' }); });
    expect(revocation!.status).toBe('SUCCEEDED');
    expect(run).toMatchObject({ status: 'SUCCEEDED' });
    expect(run.states[run.states.length - 1]).toBe('NoLongerPending');
    expect(attached(issuedFrom(1)!)).toEqual(RETIRED);
    expect(attached(original)).toEqual(RETIRED);
    expect(iot.activeCertificates()).toEqual([]);
    expect(item()).toMatchObject({ status: 'REVOKED' });
    expect(await confirm(issuedFrom(1)!)).toMatchObject({ status: 'FAILED', error: 'NotPending' });
  });

  test('a revocation between the claim and the record: the rotation retires the certificate it just issued', async () => {
    const d = doubles();
    const attach = d['iot:attachThingPrincipal'];
    const run = await runJsonPathStateMachine(ROTATION, { csr: CSR(1), jobId: 'rotate-1', thingName: THING, step: 'csr', principal: original }, {
      ...d,
      'iot:attachThingPrincipal': async (p, call) => {
        const r = attach!(p, call);
        // The revocation runs here: it marks first, then lists (the new certificate is already attached).
        await revoke({ serialNumber: 'SN1' });
        return r;
      },
    }, { executionName: 'race' });
    expect(run).toMatchObject({ status: 'FAILED', error: 'NotConfirmed' });
    expect(iot.activeCertificates()).toEqual([]);
    expect(attached(issuedFrom(1)!)).toEqual(RETIRED);
    expect(published).toEqual([]);
  });

  test.each([
    ['ThrottlingException', 'DeactivateNew (the pending certificate expired: it is no longer in the allow list)', 'updateCertificate', undefined],
    ['ServiceUnavailableException', 'DeactivateNew', 'updateCertificate', undefined],
    ['InternalFailureException', 'DeactivateOld (after the promotion: the allow list no longer names it)', 'updateCertificate', 'confirm'],
  ])('a transient %s on %s is retried: the certificate ends INACTIVE and detached', async (code, _step, action, mode) => {
    if (mode === 'confirm') {
      const run = await csr(1, {}, async () => {
        iot.failNext(action, code, 2);
        expect(await confirm(issuedFrom(1)!)).toMatchObject({ status: 'SUCCEEDED' });
      });
      expect(run.status).toBe('SUCCEEDED');
      expect(attached(original)).toEqual(RETIRED);
      expect(iot.activeCertificates()).toEqual([issuedFrom(1)]);
    } else {
      const run = await csr(1, {}, () => { iot.failNext(action, code, 2); });
      expect(run).toMatchObject({ status: 'FAILED', error: 'NotConfirmed' });
      expect(attached(issuedFrom(1)!)).toEqual(RETIRED);
      expect(iot.activeCertificates()).toEqual([original]);
    }
  });

  test('a CSR AWS IoT refuses frees the slot and mints nothing', async () => {
    const run = await csr(1, { csr: 'not a CSR' });
    expect(run).toMatchObject({ status: 'FAILED', error: 'IssueFailed' });
    expect(issuedCount()).toBe(0);
    expect(item().pendingExecution).toBeUndefined();
  });

  test('the device cannot be given its certificate (the sender throws; Lambda answers 200 with FunctionError): retired at once, not left waiting', async () => {
    iotData.on(PublishCommand).rejects(new Error('Rate exceeded'));
    const run = await csr(1, {}, () => { throw new Error('the execution waited for a confirmation of a certificate never sent'); });
    expect(run).toMatchObject({ status: 'FAILED', error: 'NotConfirmed' });
    expect(run.states).not.toContain('AwaitConfirmation');
    expect(attached(issuedFrom(1)!)).toEqual(RETIRED);
    expect(item().pendingExecution).toBeUndefined();
  });

  test.each([
    ['a CSR that is not a string', { step: 'csr', csr: 42, jobId: 'rotate-1', principal: 'x' }, 'NotRequested'],
    ['a confirmation without a principal', { step: 'confirm' }, 'InvalidInput'],
    ['an unknown step', { step: 'accepted', principal: 'x' }, 'InvalidInput'],
    ['a thing that does not exist (a publisher that is no device)', { thingName: 'sensor-ghost', step: 'csr', csr: CSR(1), jobId: 'rotate-1', principal: 'x' }, 'Iot.ResourceNotFoundException'],
  ])('malformed input: %s', async (_name, input, error) => {
    const run = await rotate({ thingName: THING, ...input });
    expect(run).toMatchObject({ status: 'FAILED', error });
    expect(issuedCount()).toBe(0);
  });

  test('the rotation never touches a policy but the device policy, nor a thing but the one on the topic', async () => {
    const run = await csr(1, {}, async () => { await confirm(issuedFrom(1)!); });
    for (const call of run.calls) {
      if ('PolicyName' in call.parameters) expect(call.parameters.PolicyName).toBe(POLICY);
      if ('ThingName' in call.parameters) expect(call.parameters.ThingName).toBe(THING);
    }
  });
});

describe('revocation', () => {
  test('a transient error on any IoT step is retried: every certificate ends INACTIVE and detached', async () => {
    iot.addCertificate(THING, [POLICY]);
    for (const action of ['listThingPrincipals', 'updateCertificate', 'detachPolicy', 'detachThingPrincipal']) iot.failNext(action, 'ThrottlingException', 2);
    const run = await revoke({ serialNumber: 'SN1' });
    expect(run.status).toBe('SUCCEEDED');
    expect(iot.activeCertificates()).toEqual([]);
    expect(iot.fleet(THING)).toEqual([]);
  });

  test('every certificate of the device deactivated and detached, the item REVOKED', async () => {
    const second = iot.addCertificate(THING, [POLICY]);
    const third = iot.addCertificate(THING, [POLICY], 'INACTIVE');
    const bystander = (iot.addThing('sensor-SN2', { serialNumber: 'SN2' }), iot.addCertificate('sensor-SN2', [POLICY]));
    const run = await revoke({ serialNumber: 'SN1' });
    expect(run.status).toBe('SUCCEEDED');
    for (const id of [original, second, third]) expect(attached(id)).toEqual(RETIRED);
    expect(attached(bystander)).toEqual({ status: 'ACTIVE', things: ['sensor-SN2'], policies: [POLICY] });
    expect(item()).toMatchObject({ status: 'REVOKED', revokedAt: expect.any(String) });
    // Marked before it lists: no rotation can attach a certificate the listing misses.
    expect(run.calls.map((c) => c.action).indexOf('updateItem')).toBeLessThan(run.calls.map((c) => c.action).indexOf('listThingPrincipals'));
  });

  test('a device with more certificates than one page of ListThingPrincipals loses them all', async () => {
    const many = Array.from({ length: 60 }, () => iot.addCertificate(THING, [POLICY]));
    const run = await revoke({ serialNumber: 'SN1' });
    expect(run.status).toBe('SUCCEEDED');
    for (const id of [original, ...many]) expect(attached(id)).toEqual(RETIRED);
    expect(iot.activeCertificates()).toEqual([]);
  });

  test('a listing that still names certificates just detached (AWS propagates detaching asynchronously): every certificate ends INACTIVE and detached', async () => {
    // More than a page, so the revocation lists again while the first page is still propagating.
    iot.detachPropagationLists = 2;
    const many = Array.from({ length: 300 }, () => iot.addCertificate(THING, [POLICY]));
    const run = await revoke({ serialNumber: 'SN1' });
    expect(run.status).toBe('SUCCEEDED');
    expect(iot.activeCertificates()).toEqual([]);
    for (const id of [original, ...many]) expect(attached(id)).toEqual(RETIRED);
    // It waited before listing again.
    expect(run.states).toContain('LetDetachPropagate');
  });

  test('a detach that fails leaves no certificate ACTIVE: every certificate, every page, is deactivated before any is detached', async () => {
    const more = Array.from({ length: 300 }, () => iot.addCertificate(THING, [POLICY]));
    iot.failNext('detachPolicy', 'UnauthorizedException');
    const run = await revoke({ serialNumber: 'SN1' });
    expect(run.status).toBe('FAILED');
    expect(iot.activeCertificates()).toEqual([]);
    for (const id of [original, ...more]) expect(iot.certificates.get(id)!.status).toBe('INACTIVE');
  });

  test('a certificate that stays listed fails the revocation loudly after a bounded number of rounds', async () => {
    iot.detachPropagationLists = 1000;
    const run = await revoke({ serialNumber: 'SN1' });
    expect(run).toMatchObject({ status: 'FAILED', error: 'RevocationIncomplete' });
    expect(attached(original)).toEqual(RETIRED);
  });

  test('an unknown serial changes nothing and says so', async () => {
    const run = await revoke({ serialNumber: 'SN404' });
    expect(run).toMatchObject({ status: 'FAILED', error: 'UnknownSerial' });
    expect(run.calls.filter((c) => c.service === 'iot')).toEqual([]);
    expect(attached(original)).toEqual(ACTIVE_ON_THING);
  });

  test('a serial allowed but never provisioned is marked REVOKED (it can no longer provision); there is nothing to detach', async () => {
    db.put(TABLE, { serialNumber: 'SN9', status: 'ALLOWED' });
    const run = await revoke({ serialNumber: 'SN9' });
    expect(run.status).toBe('SUCCEEDED');
    expect(db.get(TABLE, 'SN9')).toMatchObject({ status: 'REVOKED' });
  });

  test.each([[{}], [{ serialNumber: 7 }], [null]])('malformed input %j: refused', async (input) => {
    const run = await revoke(input);
    expect(run).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect(run.calls).toEqual([]);
  });
});

test('the runner refuses JSONata definitions and names a task it has no double for', async () => {
  await expect(runJsonPathStateMachine({ QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Succeed' } } }, {}, {})).rejects.toThrow(/JSONata/);
  const r = await runJsonPathStateMachine({ StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:s3:getObject', End: true } } }, {}, {});
  expect(r).toMatchObject({ status: 'FAILED', cause: expect.stringMatching(/no double for s3:getObject \(state A\)/) });
});

test('the fakes refuse what AWS refuses (a wrong ARN, an unknown condition placeholder)', async () => {
  const d = new FakeIot(ENV).doubles();
  expect(() => d['iot:attachPolicy']!({ PolicyName: 'p', Target: 'arn:aws:iot:eu-west-1:111122223333:thing/x' }, { state: 's', service: 'iot', action: 'attachPolicy' })).toThrow(AwsError);
  const fakeDb = new FakeDynamoDb();
  fakeDb.addTable('t', 'k');
  expect(() => fakeDb.doubles()['dynamodb:updateItem']!({ TableName: 't', Key: { k: { S: 'a' } }, UpdateExpression: 'SET a = :a', ConditionExpression: 'status = :a', ExpressionAttributeValues: { ':a': { S: 'x' } } }, { state: 's', service: 'dynamodb', action: 'updateItem' }))
    .toThrow(/reserved keyword/);
});

/*
 * Every call the runs above made, allowed by the state machine's role on the ARN it touches (the
 * resource IAM authorizes the action on, per the Service Authorization Reference: callTarget), by
 * the role's own policies (principalPolicy). A denied call is listed with IAM's reasons.
 */
describe('grants', () => {
  // iam.ts's callTarget has no mapping for DescribeJobExecution yet: IAM lists the job and the thing
  // as its (optional) resource types, and both are required here until it does.
  const target = (call: RecordedCall): CallTarget => {
    if (call.service === 'iot' && call.action === 'describeJobExecution') {
      return { iamAction: 'iot:DescribeJobExecution', resources: [`arn:aws:iot:${ENV.region}:${ENV.account}:job/${call.parameters.JobId}`, `arn:aws:iot:${ENV.region}:${ENV.account}:thing/${call.parameters.ThingName}`] };
    }
    return callTarget(call.service, call.action, call.parameters);
  };
  test.each([['rotation', () => fleet.rotationStateMachine], ['revocation', () => fleet.revocationStateMachine]] as const)('every call of the %s state machine is allowed on what it touches', (name, sm) => {
    const calls = CALLS[name];
    expect(calls.length).toBeGreaterThan(10);
    const policy = principalPolicy(template, roleOf(template, logicalId(sm())));
    const denied = new Set<string>();
    const check = (state: string, target: CallTarget) => {
      for (const arn of target.resources) {
        if (!policy.isAllowed(target.iamAction, arn)) denied.add(`${state}: ${policy.explain(target.iamAction, arn)}`);
      }
      for (const more of target.also ?? []) check(state, more);
    };
    for (const call of calls) check(call.state, target(call));
    expect([...denied]).toEqual([]);
    // Every Task state of the definition ran at least once in this file.
    const tasks = new Set<string>();
    const visit = (machine: { States: Record<string, any> }) => {
      for (const [state, def] of Object.entries(machine.States)) {
        if (def.Type === 'Task') tasks.add(state);
        for (const inner of [def.ItemProcessor, def.Iterator, ...(def.Branches ?? [])]) if (inner) visit(inner);
      }
    };
    visit(name === 'rotation' ? ROTATION : REVOCATION);
    expect([...tasks].filter((t) => !calls.some((c) => c.state === t))).toEqual([]);
  });
});

test('an alarm on every failed, timed-out or aborted execution of each state machine', () => {
  for (const [alarm, sm] of [[fleet.revocationFailedAlarm, fleet.revocationStateMachine], [fleet.rotationFailedAlarm, fleet.rotationStateMachine]] as const) {
    const props = template.Resources[stack.getLogicalId((alarm as unknown as { node: { defaultChild: never } }).node.defaultChild)].Properties;
    const metrics = (props.Metrics as any[]).filter((m) => m.MetricStat);
    expect(metrics.map((m) => [m.MetricStat.Metric.Namespace, m.MetricStat.Metric.MetricName, m.MetricStat.Stat]).sort())
      .toEqual([['AWS/States', 'ExecutionsAborted', 'Sum'], ['AWS/States', 'ExecutionsFailed', 'Sum'], ['AWS/States', 'ExecutionsTimedOut', 'Sum']]);
    for (const m of metrics) expect(resolveValue(template, m.MetricStat.Metric.Dimensions)).toEqual([{ Name: 'StateMachineArn', Value: arnOf(template, logicalId(sm)) }]);
    expect(props).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
  }
});

test('AWS IoT may assume the rotation rule\'s role only for that rule of this account; the role starts the rotation and logs the rule\'s errors', () => {
  const ruleId = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::IoT::TopicRule')!;
  const rule = resolveValue(template, template.Resources[ruleId].Properties) as any;
  const roleId = roleOf(template, ruleId, 'Actions.0');
  expect(roleOf(template, ruleId, 'ErrorAction')).toBe(roleId);
  const trust = resolveValue(template, template.Resources[roleId].Properties.AssumeRolePolicyDocument) as { Statement: any[] };
  expect(trust.Statement.map((st) => st.Principal)).toEqual([{ Service: 'iot.amazonaws.com' }]);
  const assume = policyOf({ Statement: trust.Statement.map(({ Principal, ...st }) => ({ ...st, Resource: '*' })) });
  const ruleArn = `arn:aws:iot:${ENV.region}:${ENV.account}:rule/${rule.RuleName}`;
  expect(assume.isAllowed('sts:AssumeRole', '*', { 'aws:SourceAccount': ENV.account, 'aws:SourceArn': ruleArn })).toBe(true);
  expect(assume.isAllowed('sts:AssumeRole', '*', { 'aws:SourceAccount': ENV.account, 'aws:SourceArn': `arn:aws:iot:${ENV.region}:${ENV.account}:rule/other` })).toBe(false);
  expect(assume.isAllowed('sts:AssumeRole', '*', { 'aws:SourceAccount': '999999999999', 'aws:SourceArn': ruleArn.replace(ENV.account, '999999999999') })).toBe(false);
  expect(assume.isAllowed('sts:AssumeRole', '*', {})).toBe(false);
  const policy = principalPolicy(template, roleId);
  const start = rule.TopicRulePayload.Actions[0].StepFunctions;
  expect(`arn:aws:states:${ENV.region}:${ENV.account}:stateMachine:${start.StateMachineName}`).toBe(arnOf(template, logicalId(fleet.rotationStateMachine)));
  expect(policy.isAllowed('states:StartExecution', arnOf(template, logicalId(fleet.rotationStateMachine)))).toBe(true);
  expect(policy.isAllowed('states:StartExecution', arnOf(template, logicalId(fleet.revocationStateMachine)))).toBe(false);
  for (const action of ['createLogStream', 'putLogEvents']) {
    const t = callTarget('logs', action, { logGroupName: rule.TopicRulePayload.ErrorAction.CloudwatchLogs.LogGroupName, logStreamName: 'stream' });
    for (const arn of t.resources) expect(policy.explain(t.iamAction, arn)).toMatch(/allow/i);
    for (const arn of t.resources) expect(policy.isAllowed(t.iamAction, arn)).toBe(true);
  }
});

/*
 * The same flows on every rotation and revocation state machine the reference app and the
 * examples synthesize (each with its own table, device policy, job template, thing prefix and
 * topic root), every call checked against that state machine's role.
 */
describe('every certificate lifecycle of the reference app and the examples', () => {
  const lifecycles = synthesizedStacks().flatMap((s) => withEnvironment(s.environment, () => Object.entries(s.template.Resources)
    .filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')
    .map(([id]) => ({ stack: s, id, definition: stateMachineDefinition(s.template, id) }))
    .filter((m) => m.definition.States.ClaimRotation !== undefined)
    .map((rotation) => {
      const table = rotation.definition.States.ClaimRotation.Parameters.TableName as string;
      const revocation = Object.entries(s.template.Resources)
        .filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')
        .map(([id]) => ({ id, definition: stateMachineDefinition(s.template, id) }))
        .find((m) => m.definition.States.MarkRevoked?.Parameters.TableName === table)!;
      // A stack pinned to an environment writes its own account and region into ARNs (TEST_ENV holds them here).
      const env = { ...TEST_ENV };
      return { name: `${s.app}/${s.stack}/${rotation.id}`, template: s.template, environment: s.environment, env, rotation, revocation };
    })));

  test('there is at least one (the reference app provisions a fleet)', () => {
    expect(lifecycles.length).toBeGreaterThan(0);
  });

  test.each(lifecycles.map((l) => [l.name, l] as const))('%s: rotates only on request, once; revokes every certificate; every call allowed', async (_name, l) => {
    const states = l.rotation.definition.States;
    const table = states.ClaimRotation.Parameters.TableName as string;
    const policyName = states.AttachDevicePolicy.Parameters.PolicyName as string;
    const jobTemplateArn = (states.RequestedByRotationJob.Choices[0].And as { Variable: string; StringEquals?: string }[])
      .find((c) => c.Variable === '$.requestJob.job.JobTemplateArn' && c.StringEquals)!.StringEquals!;
    const format = l.revocation.definition.States.ThingName.Parameters['thingName.$'] as string;
    const prefix = /^States\.Format\('([^']*)\{\}', \$\.serialNumber\)$/.exec(format)![1];
    const functionArn = states.SendCertificate.Parameters.FunctionName as string;
    const fn = withEnvironment(l.environment, () => Object.keys(l.template.Resources).find((id) => l.template.Resources[id].Type === 'AWS::Lambda::Function' && arnOf(l.template, id) === functionArn)!);
    process.env.TOPIC_ROOT = resolveValue(l.template, l.template.Resources[fn].Properties.Environment.Variables.TOPIC_ROOT) as string;

    const thing = `${prefix}SN1`;
    iot = new FakeIot(l.env);
    iot.policies.add(policyName);
    iot.addThing(thing, { serialNumber: 'SN1' });
    const old = iot.addCertificate(thing, [policyName]);
    iot.addJob('rotate-1', jobTemplateArn, [thing]);
    db = new FakeDynamoDb();
    db.addTable(table, 'serialNumber');
    db.put(table, { serialNumber: 'SN1', status: 'PROVISIONED', certificateId: old });
    const calls: { machine: 'rotation' | 'revocation'; call: RecordedCall }[] = [];
    const run = async (machine: 'rotation' | 'revocation', input: unknown, onWait?: Hook) => {
      const r = await runJsonPathStateMachine(l[machine].definition, input, doubles(), { onWait, executionName: `${machine}-${++executions}` });
      calls.push(...r.calls.map((call) => ({ machine, call })));
      return r;
    };
    const csrInput = (n: number, extra: object = {}) => ({ csr: CSR(n), jobId: 'rotate-1', thingName: thing, step: 'csr', principal: old, ...extra });

    expect(await run('rotation', csrInput(0, { jobId: undefined }))).toMatchObject({ status: 'FAILED', error: 'NotRequested' });
    const rotated = await run('rotation', csrInput(1), async () => {
      expect(await run('rotation', { thingName: thing, step: 'confirm', principal: issuedFrom(1) })).toMatchObject({ status: 'SUCCEEDED' });
    });
    expect(rotated.status).toBe('SUCCEEDED');
    expect(published.map((p) => p.topic)).toEqual([`${process.env.TOPIC_ROOT}/${thing}/cert/rotate/accepted`]);
    expect(iot.activeCertificates()).toEqual([issuedFrom(1)]);
    expect(await run('rotation', csrInput(2, { principal: issuedFrom(1) }))).toMatchObject({ status: 'FAILED', error: 'Refused' });
    const expired = await run('rotation', csrInput(3, { jobId: 'rotate-2', principal: issuedFrom(1) }), () => undefined);
    expect(expired).toMatchObject({ status: 'FAILED', error: 'NotRequested' });
    expect(await run('revocation', { serialNumber: 'SN1' })).toMatchObject({ status: 'SUCCEEDED' });
    expect(iot.activeCertificates()).toEqual([]);
    expect(db.get(table, 'SN1')).toMatchObject({ status: 'REVOKED' });

    // A pinned stack's ARNs hold its own account and region: callTarget builds them so too.
    const denied = withEnvironment(l.environment, () => {
      const out = new Set<string>();
      for (const { machine, call } of calls) {
        const policy = principalPolicy(l.template, roleOf(l.template, l[machine].id));
        const t = call.service === 'iot' && call.action === 'describeJobExecution'
          ? { iamAction: 'iot:DescribeJobExecution', resources: [`arn:aws:iot:${TEST_ENV.region}:${TEST_ENV.account}:job/${call.parameters.JobId}`, `arn:aws:iot:${TEST_ENV.region}:${TEST_ENV.account}:thing/${call.parameters.ThingName}`] }
          : callTarget(call.service, call.action, call.parameters);
        for (const arn of t.resources) if (!policy.isAllowed(t.iamAction, arn)) out.add(`${machine} ${call.state}: ${policy.explain(t.iamAction, arn)}`);
      }
      return out;
    });
    expect([...denied]).toEqual([]);
  });
});
