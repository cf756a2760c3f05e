/*
 * Every state machine of IncidentResponse runs: each playbook and the return to baseline, taken
 * from a synthesized template, run by test/runtime/asl-jsonata.ts against an in-memory fleet
 * (test/runtime/fleet-double.ts), through every branch, with inputs an attacker controls. Each
 * test asserts the fleet afterwards (certificate status, quarantine membership, incident record),
 * not only the execution's status.
 */
import * as path from 'path';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { App, Stack } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { Template } from 'aws-cdk-lib/assertions';
import { DeviceFailureModes, FailureMode, FindingClass, IncidentResponse, IncidentResponseProps, Playbook, RiskProfile } from '../../lib';
import { CfnTemplate, synthesizedStacks } from './synthesized';
import { IamPolicy, TEST_ENV, callTarget, principalPolicy, roleOf, stateMachineDefinition } from './iam';
import { AslMachine, RunResult, TaskDoubles, TaskFailure, runJsonataStateMachine } from './asl-jsonata';
import { Fleet } from './fleet-double';
import { detailOf } from '../../lib/monitoring/handlers/audit-findings-relay';

/** The role policy each definition runs with. */
const roles = new WeakMap<AslMachine, IamPolicy>();

/**
 * The definitions of one IncidentResponse, by finding class (and RETURN_TO_BASELINE), resolved
 * from the synthesized template; each remembers its role's policy, so every call it makes in a
 * run can be checked against it.
 */
function machines(props: IncidentResponseProps): { [name: string]: AslMachine } {
  const s = new Stack(new App(), 'S', { env: { account: TEST_ENV.account, region: TEST_ENV.region } });
  new IncidentResponse(s, 'IR', props);
  const template = Template.fromStack(s).toJSON() as CfnTemplate;
  const byName: { [name: string]: AslMachine } = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const asl = stateMachineDefinition(template, id) as AslMachine;
    roles.set(asl, principalPolicy(template, roleOf(template, id)));
    byName[Object.values(FindingClass).find((c) => asl.Comment!.includes(`(${c})`)) ?? 'RETURN_TO_BASELINE'] = asl;
  }
  return byName;
}

/** The playbooks and return to baseline of every IncidentResponse in a template, each with its role's policy. */
function machinesOf(template: CfnTemplate): { [name: string]: AslMachine }[] {
  const byConstruct = new Map<string, { [name: string]: AslMachine }>();
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const asl = stateMachineDefinition(template, id) as AslMachine;
    const cls = Object.values(FindingClass).find((c) => asl.Comment?.startsWith('cdk-secure-iot playbook:') && asl.Comment.includes(`(${c})`));
    if (!cls && !asl.Comment?.startsWith('cdk-secure-iot: return a quarantined device')) continue;
    roles.set(asl, principalPolicy(template, roleOf(template, id)));
    // One IncidentResponse's machines share its incident table.
    const table = JSON.stringify(asl).match(/"TableName":"([^"]+)"/)![1];
    if (!byConstruct.has(table)) byConstruct.set(table, {});
    byConstruct.get(table)![cls ?? 'RETURN_TO_BASELINE'] = asl;
  }
  return [...byConstruct.values()];
}

/** Every call a run made is allowed by its state machine's role, on the ARN it touches. */
function expectCallsAllowed(asl: AslMachine, r: RunResult): void {
  const policy = roles.get(asl)!;
  const denied: string[] = [];
  for (const call of r.calls) {
    const targets = [callTarget(call.service, call.action, call.arguments)];
    for (const t of targets.flatMap((x) => [x, ...(x.also ?? [])])) {
      for (const arn of t.resources) {
        if (!policy.isAllowed(t.iamAction, arn)) denied.push(`${call.state}: ${policy.explain(t.iamAction, arn)}`);
      }
    }
  }
  expect(denied).toEqual([]);
}

const industrial = machines({ riskProfile: RiskProfile.INDUSTRIAL });
const consumer = machines({ riskProfile: RiskProfile.CONSUMER });
const critical = machines({ riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE });

const CERT_BULB = 'a'.repeat(64);
const CERT_VALVE = 'b'.repeat(64);
const CERT_ORPHAN = 'c'.repeat(64);
const CERT_SHARED = 'd'.repeat(64);

/** A fleet: a low-criticality bulb, a safety-critical valve, a high pump, and one certificate shared by a bulb and the valve. */
function fleet(): Fleet {
  return new Fleet()
    .thing('bulb-1', 'low').thing('valve-1', 'safety-critical').thing('pump-1', 'high').thing('bulb-2', 'low')
    .certificate(CERT_BULB, ['bulb-1'], ['device-policy', 'telemetry'])
    .certificate(CERT_VALVE, ['valve-1'], ['valve-policy'])
    .certificate('e'.repeat(64), ['pump-1'])
    .certificate(CERT_ORPHAN, [])
    .certificate(CERT_SHARED, ['bulb-2', 'valve-1']);
}

const event = (detail: object, findingClass = FindingClass.SHARED_OR_REVOKED_CERTIFICATE) => ({ findingClass, dryRun: false, source: 'cdk-secure-iot', detail });
let executions = 0;
async function run(asl: AslMachine, f: Fleet, input: object): Promise<RunResult> {
  const r = await runJsonataStateMachine(asl, input, f.doubles(), { executionName: `incident-${++executions}` });
  expectCallsAllowed(asl, r);
  return r;
}
const writes = (r: RunResult) => r.calls.filter((c) => c.service === 'iot' && !/^(describe|list)/.test(c.action));

describe('the interpreter', () => {
  test('Assign and Output see the variables as they were on entry; Map iterations keep their own; Catch hands on the error', async () => {
    const asl: AslMachine = {
      QueryLanguage: 'JSONata',
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Assign: { x: 1, y: '{% $partition([1,2,3], 2) %}' }, Next: 'B' },
        B: { Type: 'Pass', Assign: { x: '{% $x + 1 %}' }, Output: '{% $x %}', Next: 'M' },
        M: {
          Type: 'Map', Items: '{% [1, 2] %}', Next: 'T',
          ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', Assign: { inner: '{% $states.input * 10 + $x %}' }, Output: '{% $states.input * $x %}', End: true } } },
          Assign: { mapped: '{% $states.result %}' },
        },
        T: {
          Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:iot:describeThing', Arguments: { ThingName: '{% $string($x) %}' },
          Catch: [{ ErrorEquals: ['Iot.ResourceNotFoundException'], Assign: { caught: '{% $states.errorOutput.Error %}' }, Next: 'F' }], End: true,
        },
        F: { Type: 'Fail', Error: '{% $caught %}', Cause: '{% $string($mapped) %}' },
      },
    };
    const r = await runJsonataStateMachine(asl, {}, { 'arn:aws:states:::aws-sdk:iot:describeThing': () => { throw new TaskFailure('Iot.ResourceNotFoundException'); } });
    expect(r).toMatchObject({ status: 'FAILED', error: 'Iot.ResourceNotFoundException', cause: '[2,4]' });
    expect(r.variables).toMatchObject({ x: 2, y: [[1, 2], [3]], mapped: [2, 4] });
    expect(r.variables).not.toHaveProperty('inner');
    expect(r.calls).toEqual([{ state: 'T', resource: 'arn:aws:states:::aws-sdk:iot:describeThing', service: 'iot', action: 'describeThing', arguments: { ThingName: '2' } }]);
    const undef = await runJsonataStateMachine({ QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Output: '{% $states.input.missing %}', End: true } } }, {}, {});
    expect(undef).toMatchObject({ status: 'FAILED', error: 'States.QueryEvaluationError' });
    const evil = await runJsonataStateMachine({ QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Output: '{% $eval("1") %}', End: true } } }, {}, {});
    expect(evil).toMatchObject({ status: 'FAILED', error: 'States.QueryEvaluationError' });
  });
});

describe('the interpreter, further', () => {
  test('Retry before Catch, Parallel branches, Wait, Choice rule Output, task tokens, and Step Functions\' own functions', async () => {
    let attempts = 0;
    const asl: AslMachine = {
      QueryLanguage: 'JSONata',
      StartAt: 'Flaky',
      States: {
        Flaky: {
          Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:iot:describeThing', Arguments: { ThingName: 'x' },
          Retry: [{ ErrorEquals: ['Iot.ThrottlingException'], MaxAttempts: 2 }], Assign: { tries: '{% $states.result.tries %}' }, Next: 'Both',
        },
        Both: {
          Type: 'Parallel', Next: 'Pause', Assign: { both: '{% $states.result %}' },
          Branches: [
            { StartAt: 'One', States: { One: { Type: 'Pass', Output: '{% $range(1, 5, 2) %}', End: true } } },
            { StartAt: 'Two', States: { Two: { Type: 'Pass', Output: '{% $hash("abc", "SHA-256") %}', End: true } } },
          ],
        },
        Pause: { Type: 'Wait', Seconds: '{% 3600 %}', Next: 'Pick' },
        Pick: { Type: 'Choice', Choices: [{ Condition: '{% $tries = 3 %}', Output: '{% $parse("{\\"ok\\": true}") %}', Next: 'Ask' }], Default: 'Never' },
        Ask: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Arguments: { Payload: { token: '{% $states.context.Task.Token %}', id: '{% $uuid() %}' } }, End: true },
        Never: { Type: 'Fail', Error: 'Never' },
      },
    };
    const r = await runJsonataStateMachine(asl, {}, {
      'arn:aws:states:::aws-sdk:iot:describeThing': () => {
        if (++attempts < 3) throw new TaskFailure('Iot.ThrottlingException');
        return { tries: attempts };
      },
      'arn:aws:states:::lambda:invoke.waitForTaskToken': (args, context) => ({ echoed: args.Payload.token === context.taskToken, id: args.Payload.id }),
    });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.variables.both).toEqual([[1, 3, 5], 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad']);
    expect(r.output).toEqual({ echoed: true, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(r.calls.filter((c) => c.state === 'Flaky')).toHaveLength(3);
    expect(r.calls.find((c) => c.state === 'Ask')!.arguments.Payload).toMatchObject({ id: expect.any(String) });
    const exhausted = await runJsonataStateMachine(asl, {}, { 'arn:aws:states:::aws-sdk:iot:describeThing': () => { throw new TaskFailure('Iot.ThrottlingException'); } });
    expect(exhausted).toMatchObject({ status: 'FAILED', error: 'Iot.ThrottlingException' });
    expect(exhausted.calls).toHaveLength(3);
  });

  test('a task without a double fails the test loudly; assigning an outer variable inside a Map is refused', async () => {
    await expect(runJsonataStateMachine({ QueryLanguage: 'JSONata', StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', End: true } } }, {}, {}))
      .rejects.toThrow(/no test double for arn:aws:states:::sns:publish/);
    const inner = await runJsonataStateMachine({
      QueryLanguage: 'JSONata', StartAt: 'A',
      States: {
        A: { Type: 'Pass', Assign: { x: 1 }, Next: 'M' },
        M: { Type: 'Map', Items: '{% [1] %}', End: true, ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', Assign: { x: 2 }, End: true } } } },
      },
    }, {}, {});
    expect(inner).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });
});

describe('playbooks', () => {
  test('automatic containment: a low-criticality device is quarantined, isolated and disconnected; the incident records what was done', async () => {
    const f = fleet();
    const r = await run(industrial.SHARED_OR_REVOKED_CERTIFICATE, f, event({ thingName: 'bulb-1', certificateId: CERT_BULB }));
    expect(r.status).toBe('SUCCEEDED');
    expect(f.quarantined()).toEqual(['bulb-1']);
    expect(f.certificates.get(CERT_BULB)).toEqual({ status: 'INACTIVE', things: ['bulb-1'], policies: [] });
    expect(f.approvalRequests).toHaveLength(0);
    const id = `incident-${executions}`;
    expect(f.incident(id)).toMatchObject({
      status: 'CONTAINED', certificateId: CERT_BULB, quarantinedThings: 'bulb-1', detachedPolicies: 'device-policy,telemetry',
      certificateDeactivated: 'true', criticality: 'low', approver: 'none (automatic)',
    });
    expect(f.published.map((p) => p.message.event)).toEqual(['OPENED', 'CONTAINED']);
  });

  test('every playbook contains a low device at once, and never deactivates a certificate unless it is a disconnecting playbook', async () => {
    for (const playbook of Playbook.all()) {
      const f = fleet();
      const r = await run(industrial[playbook.findingClass], f, event({ thingName: 'bulb-1', certificateId: CERT_BULB }, playbook.findingClass));
      expect(r.status).toBe('SUCCEEDED');
      expect(f.quarantined()).toEqual(['bulb-1']);
      expect(f.certificates.get(CERT_BULB)!.status).toBe(playbook.deactivatesCertificate ? 'INACTIVE' : 'ACTIVE');
      expect(f.certificates.get(CERT_BULB)!.policies).toEqual([]);
    }
  });

  test('approval given: the approver sees the verified device; a high device is quarantined but keeps its certificate (fails open)', async () => {
    const f = fleet();
    const r = await run(industrial.SHARED_OR_REVOKED_CERTIFICATE, f, event({ certificateId: 'e'.repeat(64), criticality: 'low' }));
    expect(r.status).toBe('SUCCEEDED');
    expect(f.approvalRequests).toEqual([expect.objectContaining({ thingNames: ['pump-1'], certificateId: 'e'.repeat(64), criticality: 'high', dryRun: false })]);
    expect(f.quarantined()).toEqual(['pump-1']);
    expect(f.certificates.get('e'.repeat(64))!.status).toBe('ACTIVE');
    expect(f.incident(`incident-${executions}`)).toMatchObject({ status: 'CONTAINED', approver: 'arn:aws:iam::111122223333:role/oncall', certificateDeactivated: 'false' });
  });

  test('approval refused, or timed out: nothing is done to the device; the incident is REFUSED or ESCALATED', async () => {
    for (const [decision, status] of [[{ approved: false, approver: 'alice' }, 'REFUSED'], ['timeout', 'ESCALATED']] as const) {
      const f = fleet();
      f.approver = () => decision;
      const before = f.snapshot();
      const r = await run(critical.AUTHENTICATION_FAILURE_SPIKE, f, event({ thingName: 'bulb-1', certificateId: CERT_BULB }, FindingClass.AUTHENTICATION_FAILURE_SPIKE));
      expect(r.status).toBe('SUCCEEDED');
      expect(r.states).toContain('NotContained');
      expect(f.snapshot()).toEqual(before);
      expect(writes(r)).toEqual([]);
      expect(f.incident(`incident-${executions}`)!.status).toBe(status);
    }
  });

  test('a fail-open device is never disconnected, even contained without approval (CONSUMER)', async () => {
    const f = fleet();
    const r = await run(consumer.SHARED_OR_REVOKED_CERTIFICATE, f, event({ thingName: 'valve-1', certificateId: CERT_VALVE }));
    expect(r.status).toBe('SUCCEEDED');
    expect(f.approvalRequests).toEqual([]);
    expect(f.quarantined()).toEqual(['valve-1']);
    expect(f.certificates.get(CERT_VALVE)!.status).toBe('ACTIVE');
    expect(r.calls.map((c) => c.action)).not.toContain('updateCertificate');
  });

  test('a certificate shared by a low and a safety-critical thing: the most critical wins (approval, never disconnected), both are quarantined', async () => {
    const f = fleet();
    const r = await run(industrial.SHARED_OR_REVOKED_CERTIFICATE, f, event({ thingName: 'bulb-2', certificateId: CERT_SHARED }));
    expect(r.status).toBe('SUCCEEDED');
    expect(f.approvalRequests).toEqual([expect.objectContaining({ thingNames: ['bulb-2', 'valve-1'], criticality: 'safety-critical' })]);
    expect(f.quarantined()).toEqual(['bulb-2', 'valve-1']);
    expect(f.certificates.get(CERT_SHARED)!.status).toBe('ACTIVE');
  });

  test('forged event: a low thing\'s name with a safety-critical device\'s certificate touches neither; the mismatch is recorded and announced', async () => {
    for (const playbook of Playbook.all()) {
      const f = fleet();
      const before = f.snapshot();
      const r = await run(consumer[playbook.findingClass], f, event({ thingName: 'bulb-1', certificateId: CERT_VALVE, criticality: 'low' }, playbook.findingClass));
      expect(r).toMatchObject({ status: 'FAILED', error: 'CertificateNotAttachedToThing' });
      expect(r.cause).toContain('is not attached to thing bulb-1 (it is attached to valve-1)');
      expect(f.snapshot()).toEqual(before);
      expect(writes(r)).toEqual([]);
      expect(f.incident(`incident-${executions}`)).toMatchObject({ status: 'REJECTED', rejection: expect.stringMatching(/^CertificateNotAttachedToThing: /) });
      expect(f.published.map((p) => p.message.event)).toEqual(['OPENED', 'REJECTED']);
    }
  });

  test('a claim that is not a string is not taken as absent: it fails verification, touching nothing', async () => {
    const f = fleet();
    const before = f.snapshot();
    const things = await run(consumer.SHARED_OR_REVOKED_CERTIFICATE, f, event({ thingName: ['valve-1'], certificateId: CERT_VALVE }));
    expect(things).toMatchObject({ status: 'FAILED', error: 'CertificateNotAttachedToThing' });
    const certificate = await run(consumer.SHARED_OR_REVOKED_CERTIFICATE, f, event({ thingName: 'valve-1', certificateId: { id: CERT_VALVE } }));
    expect(certificate).toMatchObject({ status: 'FAILED', error: 'CertificateUnreadable' });
    expect(f.snapshot()).toEqual(before);
  });

  test('a certificate attached to more things than one page lists is fleet-wide: open for triage, nothing touched', async () => {
    const many = Array.from({ length: 251 }, (_, i) => `lamp-${i}`);
    const f = fleet();
    for (const thing of many) f.thing(thing, 'low');
    f.certificate(CERT_ORPHAN, [...many.slice(0, 250), 'valve-1']);
    const before = f.snapshot();
    const r = await run(consumer.SHARED_OR_REVOKED_CERTIFICATE, f, event({ thingName: 'lamp-1', certificateId: CERT_ORPHAN }));
    expect(r.status).toBe('SUCCEEDED');
    expect(r.states.slice(-1)).toEqual(['AwaitTriage']);
    expect(f.snapshot()).toEqual(before);
  });

  test('a certificate attached to no thing, or unknown, is rejected untouched', async () => {
    const f = fleet();
    const before = f.snapshot();
    const orphan = await run(consumer.SHARED_OR_REVOKED_CERTIFICATE, f, event({ certificateId: CERT_ORPHAN }));
    expect(orphan).toMatchObject({ status: 'FAILED', error: 'CertificateNotAttachedToThing' });
    const unknown = await run(consumer.SHARED_OR_REVOKED_CERTIFICATE, f, event({ thingName: 'bulb-1', certificateId: 'f'.repeat(64) }));
    expect(unknown).toMatchObject({ status: 'FAILED', error: 'CertificateUnreadable' });
    expect(f.snapshot()).toEqual(before);
  });

  test('a finding ID: the finding\'s certificate is acted on, the event\'s word is not; a finding that names another certificate, or another check, is rejected', async () => {
    const f = fleet();
    f.findings.set('finding-1', { checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', certificateId: CERT_VALVE });
    f.findings.set('finding-2', { checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', certificateId: CERT_BULB });
    f.findings.set('finding-3', { checkName: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK', policyName: 'device-policy' });
    const before = f.snapshot();
    const other = await run(consumer.SHARED_OR_REVOKED_CERTIFICATE, f, event({ findingId: 'finding-1', checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', certificateId: CERT_BULB, thingName: 'bulb-1' }));
    expect(other).toMatchObject({ status: 'FAILED', error: 'FindingDoesNotMatchEvent' });
    expect(other.cause).toContain(`names ${CERT_VALVE}`);
    const check = await run(consumer.SHARED_OR_REVOKED_CERTIFICATE, f, event({ findingId: 'finding-3', checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', certificateId: CERT_BULB }));
    expect(check).toMatchObject({ status: 'FAILED', error: 'FindingDoesNotMatchEvent' });
    const missing = await run(consumer.SHARED_OR_REVOKED_CERTIFICATE, f, event({ findingId: 'finding-9', certificateId: CERT_BULB }));
    expect(missing).toMatchObject({ status: 'FAILED', error: 'FindingUnreadable' });
    expect(f.snapshot()).toEqual(before);
    // Only the finding ID: the device is the finding's certificate's thing.
    const real = await run(consumer.SHARED_OR_REVOKED_CERTIFICATE, f, event({ findingId: 'finding-2', checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK' }));
    expect(real.status).toBe('SUCCEEDED');
    expect(f.quarantined()).toEqual(['bulb-1']);
    expect(f.certificates.get(CERT_BULB)!.status).toBe('INACTIVE');
    // A policy finding names no device: it stays open for triage, whatever thing the event names.
    const policy = await run(consumer.OVERLY_PERMISSIVE_POLICY, f, event({ findingId: 'finding-3', checkName: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK', thingName: 'valve-1' }, FindingClass.OVERLY_PERMISSIVE_POLICY));
    expect(policy.status).toBe('SUCCEEDED');
    expect(policy.states).toContain('AwaitTriage');
    expect(f.quarantined()).toEqual(['bulb-1']);
  });

  test('the audit relay\'s events (FleetAuditing) start the playbook of their check, which reads the finding and acts on its certificate', async () => {
    const f = fleet();
    f.findings.set('f-shared', { checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', certificateId: CERT_BULB });
    f.findings.set('f-policy', { checkName: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK', policyName: 'device-policy' });
    const shared = detailOf({
      findingId: 'f-shared', checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', severity: 'CRITICAL',
      nonCompliantResource: { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: CERT_BULB } },
    }, 'task-1');
    const r = await run(industrial.SHARED_OR_REVOKED_CERTIFICATE, f, event(shared));
    expect(r.status).toBe('SUCCEEDED');
    expect(r.calls.map((c) => c.action)).toContain('describeAuditFinding');
    expect(f.quarantined()).toEqual(['bulb-1']);
    expect(f.certificates.get(CERT_BULB)!.status).toBe('INACTIVE');
    const policy = detailOf({
      findingId: 'f-policy', checkName: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK', severity: 'HIGH',
      nonCompliantResource: { resourceType: 'IOT_POLICY', resourceIdentifier: { policyVersionIdentifier: { policyName: 'device-policy', policyVersionId: '1' } } },
    }, 'task-1');
    const p = await run(industrial.OVERLY_PERMISSIVE_POLICY, f, event(policy, FindingClass.OVERLY_PERMISSIVE_POLICY));
    expect(p.states.slice(-1)).toEqual(['AwaitTriage']);
  });

  test('one finding opens one containment: the relay delivering it again, or a replayed audit task, is rejected; a suppressed finding is rejected; both touch nothing', async () => {
    const f = fleet();
    f.findings.set('f-shared', { checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', certificateId: CERT_BULB });
    f.findings.set('f-suppressed', { checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', certificateId: CERT_VALVE, suppressed: true });
    const shared = detailOf({
      findingId: 'f-shared', checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', severity: 'CRITICAL',
      nonCompliantResource: { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: CERT_BULB } },
    }, 'task-1');
    const first = await run(industrial.SHARED_OR_REVOKED_CERTIFICATE, f, event(shared));
    expect(first.status).toBe('SUCCEEDED');
    expect(f.incident('finding#f-shared')).toMatchObject({ handledBy: `incident-${executions}` });
    // The operator returns the device; the same finding delivered again must not contain it anew.
    const back = await run(industrial.RETURN_TO_BASELINE, f, { incidentId: `incident-${executions}`, certificateAction: 'REACTIVATE' });
    expect(back.status).toBe('SUCCEEDED');
    const before = f.snapshot();
    const again = await run(industrial.SHARED_OR_REVOKED_CERTIFICATE, f, event(shared));
    expect(again).toMatchObject({ status: 'FAILED', error: 'FindingAlreadyHandled' });
    expect(writes(again)).toEqual([]);
    expect(f.incident(`incident-${executions}`)).toMatchObject({ status: 'REJECTED' });
    const suppressed = await run(industrial.SHARED_OR_REVOKED_CERTIFICATE, f, event(detailOf({
      findingId: 'f-suppressed', checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', severity: 'CRITICAL',
      nonCompliantResource: { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: CERT_VALVE } },
    }, 'task-1')));
    expect(suppressed).toMatchObject({ status: 'FAILED', error: 'FindingSuppressed' });
    expect(writes(suppressed)).toEqual([]);
    expect(f.snapshot()).toEqual(before);
  });

  test('dry run: every playbook goes through its steps and touches nothing, not even a read of the registry', async () => {
    for (const playbook of Playbook.all()) {
      for (const criticality of ['low', 'safety-critical']) {
        const f = fleet();
        const before = f.snapshot();
        const r = await run(industrial[playbook.findingClass], f, {
          findingClass: playbook.findingClass, dryRun: true, source: 'cdk-secure-iot.dry-run',
          detail: { thingName: 'cdk-secure-iot-dry-run', certificateId: 'dry-run-certificate', criticality },
        });
        expect(r.status).toBe('SUCCEEDED');
        expect(r.calls.filter((c) => c.service === 'iot')).toEqual([]);
        expect(f.snapshot()).toEqual(before);
        expect(r.states).toContain('SimulateQuarantine');
        const dryRunIncident = `incident-${executions}`;
        expect(f.incident(dryRunIncident)).toMatchObject({ status: 'CONTAINED', dryRun: 'true' });
        // Its record names the input's unverified device: a real return refuses it, touching nothing.
        for (const certificateAction of ['REVOKE', 'REACTIVATE', 'NONE']) {
          const back = await run(industrial.RETURN_TO_BASELINE, f, { incidentId: dryRunIncident, certificateAction });
          expect(back).toMatchObject({ status: 'FAILED', error: 'DryRunIncident' });
          expect(back.calls.filter((c) => c.service === 'iot')).toEqual([]);
        }
        expect(f.snapshot()).toEqual(before);
      }
    }
  });

  test('an alarm-started run names no device: it stays open for triage, touching nothing', async () => {
    for (const playbook of Playbook.all()) {
      const f = fleet();
      const r = await run(industrial[playbook.findingClass], f, { findingClass: playbook.findingClass, dryRun: false, source: 'aws.cloudwatch', detail: { alarmName: 'auth-failures' } });
      expect(r.status).toBe('SUCCEEDED');
      expect(r.states.slice(-1)).toEqual(['AwaitTriage']);
      expect(r.calls.filter((c) => c.service === 'iot')).toEqual([]);
      expect(f.incident(`incident-${executions}`)).toMatchObject({ status: 'OPEN', subject: 'fleet' });
    }
  });

  test('an alarm an attacker names (FindingEvent.alarmNamePrefix, cloudwatch:PutMetricAlarm is all it takes) starts a run through the rule\'s own input, which names no device: it touches nothing', async () => {
    const s = new Stack(new App(), 'S', { env: { account: TEST_ENV.account, region: TEST_ENV.region } });
    new IncidentResponse(s, 'IR', { riskProfile: RiskProfile.CONSUMER });
    const template = Template.fromStack(s).toJSON() as CfnTemplate;
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern?.detail?.alarmName);
    expect(rules).toHaveLength(3);
    for (const rule of rules) {
      const prefix: string = rule.Properties.EventPattern.detail.alarmName[0].prefix;
      const target = rule.Properties.Targets[0];
      const asl = stateMachineDefinition(template, target.Arn.Ref) as AslMachine;
      roles.set(asl, principalPolicy(template, roleOf(template, target.Arn.Ref)));
      // Names that try to pass for a device: a thing's name, and JSON that would add a thing and a certificate.
      for (const alarmName of [`${prefix}bulb-1`, `${prefix}x","thingName":"bulb-1","certificateId":"${CERT_BULB}`, `${prefix}${CERT_BULB}`]) {
        const alarmEvent = { 'source': 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', 'detail': { alarmName, state: { value: 'ALARM' } } };
        // EventBridge's input transformer: each path's value, as JSON, where its placeholder stands unquoted.
        const paths = target.InputTransformer.InputPathsMap as { [k: string]: string };
        const input = JSON.parse(String(target.InputTransformer.InputTemplate).replace(/<([^<>]+)>/g, (_, k: string) => JSON.stringify(
          paths[k].slice(2).split('.').reduce<any>((v, key) => v?.[key], alarmEvent))));
        expect(input.detail).toEqual({ alarmName });
        const f = fleet();
        const before = f.snapshot();
        const r = await run(asl, f, input);
        expect([alarmName, r.status, r.states.slice(-1)]).toEqual([alarmName, 'SUCCEEDED', ['AwaitTriage']]);
        expect(r.calls.filter((c) => c.service === 'iot')).toEqual([]);
        expect(f.snapshot()).toEqual(before);
        expect(f.incident(`incident-${executions}`)).toMatchObject({ status: 'OPEN', subject: 'fleet' });
      }
    }
  });

  test('HUMAN_APPROVAL_ONLY: even a low device waits for approval; a device that cannot be read counts as safety-critical', async () => {
    const f = fleet();
    const r = await run(critical.AUTHENTICATION_FAILURE_SPIKE, f, event({ thingName: 'bulb-1', certificateId: CERT_BULB }, FindingClass.AUTHENTICATION_FAILURE_SPIKE));
    expect(f.approvalRequests).toEqual([expect.objectContaining({ criticality: 'low', containment: 'HUMAN_APPROVAL_ONLY' })]);
    expect(r.status).toBe('SUCCEEDED');
    expect(f.certificates.get(CERT_BULB)!.status).toBe('INACTIVE');
    const g = fleet();
    g.approver = () => ({ approved: true, approver: 'bob' });
    const doubles = g.doubles();
    doubles['arn:aws:states:::aws-sdk:iot:describeThing'] = () => { throw new TaskFailure('Iot.UnauthorizedException', 'denied'); };
    const unread = await runJsonataStateMachine(industrial.SHARED_OR_REVOKED_CERTIFICATE, event({ thingName: 'bulb-1', certificateId: CERT_BULB }), doubles);
    expect(unread.states).toEqual(expect.arrayContaining(['UnknownCriticality', 'RequestApproval', 'KeepConnected']));
    expect(g.approvalRequests[0]).toMatchObject({ criticality: 'unknown' });
    const bare = fleet().thing('bare-1').certificate(CERT_ORPHAN, ['bare-1']);
    await run(industrial.SHARED_OR_REVOKED_CERTIFICATE, bare, event({ certificateId: CERT_ORPHAN }));
    expect(bare.approvalRequests).toEqual([expect.objectContaining({ thingNames: ['bare-1'], criticality: 'unknown' })]);
    expect(bare.certificates.get(CERT_ORPHAN)!.status).toBe('ACTIVE');
  });

  test('device failure modes decide disconnection: a high device declared fail-closed is disconnected; unknown follows safety-critical', async () => {
    const highClosed = machines({ deviceFailureModes: DeviceFailureModes.of({ high: FailureMode.FAIL_CLOSED }), findingClasses: [FindingClass.SHARED_OR_REVOKED_CERTIFICATE] });
    const f = fleet();
    await run(highClosed.SHARED_OR_REVOKED_CERTIFICATE, f, event({ certificateId: 'e'.repeat(64) }));
    expect(f.certificates.get('e'.repeat(64))!.status).toBe('INACTIVE');
    const allClosed = machines({ deviceFailureModes: DeviceFailureModes.of({ safetyCritical: FailureMode.FAIL_CLOSED }), findingClasses: [FindingClass.SHARED_OR_REVOKED_CERTIFICATE] });
    for (const [asl, status] of [[allClosed.SHARED_OR_REVOKED_CERTIFICATE, 'INACTIVE'], [industrial.SHARED_OR_REVOKED_CERTIFICATE, 'ACTIVE']] as const) {
      const g = fleet().thing('odd-1', 'whatever').certificate(CERT_ORPHAN, ['odd-1']);
      await run(asl, g, event({ certificateId: CERT_ORPHAN }));
      expect(g.approvalRequests).toHaveLength(1);
      expect(g.certificates.get(CERT_ORPHAN)!.status).toBe(status);
    }
  });

  test('a containment call that fails is recorded and fails the execution', async () => {
    const f = fleet();
    const doubles = f.doubles();
    doubles['arn:aws:states:::aws-sdk:iot:addThingToThingGroup'] = () => { throw new TaskFailure('Iot.UnauthorizedException', 'denied'); };
    const r = await runJsonataStateMachine(industrial.SHARED_OR_REVOKED_CERTIFICATE, event({ thingName: 'bulb-1', certificateId: CERT_BULB }), doubles, { executionName: 'failing' });
    expect(r).toMatchObject({ status: 'FAILED', error: 'ContainmentFailed' });
    expect(f.incident('failing')).toMatchObject({ status: 'FAILED', lastError: expect.stringContaining('Iot.UnauthorizedException') });
  });
});

describe('approvals through the real approval functions (the bundles in dist/handlers, AWS SDK faked by the fleet)', () => {
  const bundle = (name: string) => require(path.join(__dirname, '..', '..', 'dist', 'handlers', name, 'index.js')).handler;
  const dynamodb = mockClient(DynamoDBClient);
  const sfn = mockClient(SFNClient);
  const sns = mockClient(SNSClient);
  afterAll(() => { dynamodb.restore(); sfn.restore(); sns.restore(); });

  /** The fleet's doubles, the approval task answered by the request function, then `decision` through the decision function. */
  function approvals(f: Fleet, decision: 'approve' | 'refuse' | 'none', messages: string[]): TaskDoubles {
    const doubles = f.doubles();
    doubles['arn:aws:states:::lambda:invoke.waitForTaskToken'] = async (args, context) => {
      let output: string | undefined;
      dynamodb.reset();
      sfn.reset();
      sns.reset();
      dynamodb.on(UpdateItemCommand).callsFake((input) => {
        try {
          return f.updateItem(input);
        } catch (e) {
          if (e instanceof TaskFailure) throw Object.assign(new Error(e.cause), { name: 'ConditionalCheckFailedException' });
          throw e;
        }
      });
      sfn.on(SendTaskSuccessCommand).callsFake((input) => {
        expect(input.taskToken).toBe(context.taskToken);
        output = input.output;
        return {};
      });
      sns.on(PublishCommand).callsFake((input) => { messages.push(input.Message); return {}; });
      Object.assign(process.env, { AWS_REGION: 'eu-west-1', TABLE_NAME: 'Incidents', TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:t', DECISION_URL: 'https://u/', DECISION_FUNCTION: 'decide' });
      await bundle('incident-approval-request')(args.Payload);
      if (decision !== 'none') {
        const reply = await bundle('incident-approval-decision')({ incidentId: args.Payload.incidentId, decision, approver: 'alice' });
        expect(reply.statusCode).toBe(output === undefined ? 409 : 200);
      }
      if (output === undefined) throw new TaskFailure('States.Timeout', 'no decision in time');
      return JSON.parse(output);
    };
    return doubles;
  }

  test('the approver is told the verified things, certificate and criticality, not the event\'s; approve, refuse, no decision', async () => {
    for (const [decision, certificate, status] of [['approve', 'INACTIVE', 'CONTAINED'], ['refuse', 'ACTIVE', 'REFUSED'], ['none', 'ACTIVE', 'ESCALATED']] as const) {
      const f = fleet();
      const messages: string[] = [];
      const r = await runJsonataStateMachine(critical.SHARED_OR_REVOKED_CERTIFICATE, event({ certificateId: CERT_BULB, criticality: 'safety-critical', thingName: 'bulb-1' }), approvals(f, decision, messages), { executionName: `approval-${decision}` });
      expectCallsAllowed(critical.SHARED_OR_REVOKED_CERTIFICATE, r);
      expect(r.status).toBe('SUCCEEDED');
      expect(messages).toHaveLength(1);
      expect(messages[0]).toContain('Things:       bulb-1 (verified in the AWS IoT registry)');
      expect(messages[0]).toContain(`Certificate:  ${CERT_BULB}`);
      expect(messages[0]).toContain('Criticality:  low (the most critical of the things, from the registry)');
      expect(f.certificates.get(CERT_BULB)!.status).toBe(certificate);
      expect(f.incident(`approval-${decision}`)).toMatchObject({ status, approvalStatus: decision === 'approve' ? 'APPROVED' : decision === 'refuse' ? 'REFUSED' : 'PENDING' });
      expect(f.incident(`approval-${decision}`)).not.toHaveProperty(decision === 'none' ? 'decidedAt' : 'approvalToken');
    }
  });

  test('a dry run is approved by the request function at once, and touches nothing', async () => {
    const f = fleet();
    const before = f.snapshot();
    const r = await runJsonataStateMachine(critical.SHARED_OR_REVOKED_CERTIFICATE, {
      findingClass: 'SHARED_OR_REVOKED_CERTIFICATE', dryRun: true, source: 'cdk-secure-iot.dry-run',
      detail: { thingName: 'cdk-secure-iot-dry-run', certificateId: 'dry-run-certificate', criticality: 'safety-critical' },
    }, approvals(f, 'none', []), { executionName: 'dry' });
    expect(r.status).toBe('SUCCEEDED');
    expect(f.snapshot()).toEqual(before);
    expect(f.incident('dry')).toMatchObject({ status: 'CONTAINED', approver: 'dry-run' });
  });
});

describe('return to baseline', () => {
  async function contained(f: Fleet, asl: AslMachine, detail: object): Promise<string> {
    const r = await run(asl, f, event(detail));
    expect(r.status).toBe('SUCCEEDED');
    return `incident-${executions}`;
  }

  test('a contained incident: releases its things, re-attaches its policies, reactivates the certificate it deactivated, closes', async () => {
    const f = fleet();
    const id = await contained(f, industrial.SHARED_OR_REVOKED_CERTIFICATE, { thingName: 'bulb-1', certificateId: CERT_BULB });
    // The input's thing and certificate are ignored: the record decides.
    const r = await run(industrial.RETURN_TO_BASELINE, f, { incidentId: id, certificateAction: 'REACTIVATE', thingName: 'valve-1', certificateId: CERT_VALVE });
    expect(r.status).toBe('SUCCEEDED');
    expect(f.quarantined()).toEqual([]);
    expect(f.certificates.get(CERT_BULB)).toEqual({ status: 'ACTIVE', things: ['bulb-1'], policies: ['device-policy', 'telemetry'] });
    expect(f.certificates.get(CERT_VALVE)!.status).toBe('ACTIVE');
    expect(f.incident(id)).toMatchObject({ status: 'CLOSED', closedWith: 'REACTIVATE' });
    const again = await run(industrial.RETURN_TO_BASELINE, f, { incidentId: id, certificateAction: 'REACTIVATE' });
    expect(again).toMatchObject({ status: 'FAILED', error: 'IncidentNotOpen' });
  });

  test('REVOKE revokes the incident\'s certificate and re-attaches nothing', async () => {
    const f = fleet();
    const id = await contained(f, industrial.SHARED_OR_REVOKED_CERTIFICATE, { thingName: 'bulb-1', certificateId: CERT_BULB });
    const r = await run(industrial.RETURN_TO_BASELINE, f, { incidentId: id, certificateAction: 'REVOKE' });
    expect(r.status).toBe('SUCCEEDED');
    expect(f.certificates.get(CERT_BULB)).toEqual({ status: 'REVOKED', things: ['bulb-1'], policies: [] });
    expect(f.quarantined()).toEqual([]);
  });

  test('an unknown incident, a closed one, REACTIVATE of a certificate the incident did not deactivate, a bad action: refused, touching nothing', async () => {
    const f = fleet();
    // A fail-open valve: contained, its certificate left ACTIVE.
    const valve = await contained(f, consumer.SHARED_OR_REVOKED_CERTIFICATE, { thingName: 'valve-1', certificateId: CERT_VALVE });
    f.certificates.get(CERT_VALVE)!.status = 'INACTIVE'; // deactivated by someone else since
    const before = f.snapshot();
    const records = JSON.stringify([...f.incidents]);
    const cases: [object, string][] = [
      [{ incidentId: 'no-such-incident', certificateAction: 'REACTIVATE', thingName: 'valve-1', certificateId: CERT_VALVE }, 'IncidentNotFound'],
      [{ incidentId: valve, certificateAction: 'REACTIVATE' }, 'CertificateNotDeactivatedByIncident'],
      [{ incidentId: valve, certificateAction: 'DELETE' }, 'InvalidCertificateAction'],
    ];
    for (const [input, error] of cases) {
      const r = await run(consumer.RETURN_TO_BASELINE, f, input);
      expect(r).toMatchObject({ status: 'FAILED', error });
      expect(r.calls.filter((c) => c.service === 'iot' || c.action === 'updateItem' || c.action === 'putItem')).toEqual([]);
    }
    expect(f.snapshot()).toEqual(before);
    expect(JSON.stringify([...f.incidents])).toBe(records);
    f.incidents.get(valve)!.status = { S: 'CLOSED' };
    const closed = await run(consumer.RETURN_TO_BASELINE, f, { incidentId: valve, certificateAction: 'NONE' });
    expect(closed).toMatchObject({ status: 'FAILED', error: 'IncidentNotOpen' });
    expect(f.quarantined()).toEqual(['valve-1']);
  });

  test('dry run: the scheduled input (no such incident) and a real incident are simulated, touching nothing', async () => {
    const f = fleet();
    const id = await contained(f, industrial.SHARED_OR_REVOKED_CERTIFICATE, { thingName: 'bulb-1', certificateId: CERT_BULB });
    const before = f.snapshot();
    for (const input of [{ incidentId: 'dry-run-return-to-baseline', certificateAction: 'REACTIVATE', dryRun: true }, { incidentId: id, certificateAction: 'REACTIVATE', dryRun: true }]) {
      const r = await run(industrial.RETURN_TO_BASELINE, f, input);
      expect(r.status).toBe('SUCCEEDED');
      expect(r.states).toContain('SimulateReturn');
      expect(r.calls.filter((c) => c.service === 'iot' || c.action === 'updateItem' || c.action === 'putItem')).toEqual([]);
    }
    expect(f.snapshot()).toEqual(before);
    expect(f.incident(id)!.status).toBe('CONTAINED');
  });
});

describe('the reference app and every example', () => {
  test('each IncidentResponse they deploy contains a device, rejects a forged event untouched, and returns the device to its baseline, every call allowed by its role', async () => {
    let count = 0;
    for (const { app, stack, template } of synthesizedStacks()) {
      for (const ir of machinesOf(template)) {
        count++;
        const where = `${app}/${stack}`;
        for (const playbook of Playbook.all().filter((p) => ir[p.findingClass])) {
          const f = fleet();
          const before = f.snapshot();
          const forged = await run(ir[playbook.findingClass], f, event({ thingName: 'bulb-1', certificateId: CERT_VALVE }, playbook.findingClass));
          expect([where, forged.status, forged.error]).toEqual([where, 'FAILED', 'CertificateNotAttachedToThing']);
          expect(f.snapshot()).toEqual(before);
          const contained = await run(ir[playbook.findingClass], f, event({ thingName: 'bulb-1', certificateId: CERT_BULB }, playbook.findingClass));
          expect([where, contained.status]).toEqual([where, 'SUCCEEDED']);
          expect(f.quarantined()).toEqual(['bulb-1']);
          const back = await run(ir.RETURN_TO_BASELINE, f, { incidentId: `incident-${executions}`, certificateAction: playbook.deactivatesCertificate ? 'REACTIVATE' : 'NONE' });
          expect([where, back.status]).toEqual([where, 'SUCCEEDED']);
          expect(f.snapshot()).toEqual(before);
        }
      }
    }
    expect(count).toBeGreaterThan(0);
  }, 1_800_000);
});
