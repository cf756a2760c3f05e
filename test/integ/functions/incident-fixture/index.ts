/*
 * The test device of integ.incident-response (a custom resource behind the CDK Provider framework).
 *
 * Create: a certificate from AWS IoT (CreateKeysAndCertificate, active; the private key is thrown
 * away: no device connects in this test), the device policy attached to it, the certificate
 * attached to the test thing. The certificate's ARN is the physical ID.
 *
 * Delete: everything the run may have left, whatever the playbooks did: running executions of the
 * playbook stopped (an execution waiting for approval would run until its approval timeout),
 * the thing out of the quarantine group, the policies and the thing detached from the certificate,
 * the certificate set INACTIVE and deleted. Each step acts on what AWS IoT lists and takes what
 * is already gone as done, so a delete after a failed run still removes the certificate.
 */
import {
  AttachPolicyCommand, AttachThingPrincipalCommand, CertificateStatus, CreateKeysAndCertificateCommand, DeleteCertificateCommand,
  DescribeCertificateCommand, DetachPolicyCommand, DetachThingPrincipalCommand, IoTClient,
  ListThingGroupsForThingCommand, RemoveThingFromThingGroupCommand, UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { SFNClient } from '@aws-sdk/client-sfn';
import { alreadyGone, attachedPolicies, errorName, ProviderEvent, ProviderResponse, stopRunningExecutions, thingPrincipals, unlessGone } from '../shared/cleanup';

/** The custom resource's properties (CloudFormation hands them over as strings). */
export interface FixtureProperties {
  readonly ThingName: string;
  readonly PolicyName: string;
  readonly QuarantineGroupName: string;
  readonly StateMachineArn: string;
}

export type FixtureEvent = ProviderEvent<FixtureProperties>;
export type FixtureResponse = ProviderResponse<{ readonly CertificateId: string; readonly CertificateArn: string }>;

/** How long Delete waits for AWS IoT to show the certificate detached from the thing (DetachThingPrincipal is asynchronous). */
export const DETACH_WAIT = { attempts: 20, intervalMs: 3000 };

const CERTIFICATE_ARN = /^arn:[a-z-]+:iot:[a-z0-9-]+:\d{12}:cert\/([0-9a-f]{64})$/;

const iot = new IoTClient({});
const sfn = new SFNClient({});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


async function create(p: FixtureProperties): Promise<FixtureResponse> {
  const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  const certificateId = cert.certificateId!;
  const arn = cert.certificateArn!;
  try {
    await iot.send(new AttachPolicyCommand({ policyName: p.PolicyName, target: arn }));
    await iot.send(new AttachThingPrincipalCommand({ thingName: p.ThingName, principal: arn }));
  } catch (e) {
    // CloudFormation sends no Delete for a resource whose Create failed: remove the certificate here.
    await removeCertificate(p, arn);
    throw e;
  }
  return { PhysicalResourceId: arn, Data: { CertificateId: certificateId, CertificateArn: arn } };
}


/**
 * Every step below looks before it acts: what AWS IoT answers for detaching a policy that is not
 * attached, or removing a thing from a group it is not in, is not documented, and the playbooks
 * have already done some of it.
 */

/** Takes the thing out of the quarantine group, if it is in it. */
export async function leaveQuarantine(thingName: string, groupName: string): Promise<void> {
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await iot.send(new ListThingGroupsForThingCommand({ thingName, nextToken }));
    } catch (e) {
      if (errorName(e) === 'ResourceNotFoundException') return;
      throw e;
    }
    if ((page.thingGroups ?? []).some((g) => g.groupName === groupName)) {
      await alreadyGone(() => iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: groupName, thingName })));
      return;
    }
    nextToken = page.nextToken || undefined;
  } while (nextToken);
}

/** Detaches every policy attached to the certificate (the device policy, unless a playbook detached it). */
export async function detachPolicies(arn: string): Promise<void> {
  const names = (await attachedPolicies(iot, arn)).map((x) => x.policyName!).filter((n) => n);
  for (const policyName of names) await alreadyGone(() => iot.send(new DetachPolicyCommand({ policyName, target: arn })));
}

/** The principals of the thing, every page ([] once the thing is gone). */
function principalsOf(thingName: string): Promise<string[]> {
  return unlessGone(() => thingPrincipals(iot, thingName));
}

/** Detaches the certificate from the thing, if attached, and waits until AWS IoT no longer lists it there. */
export async function detachFromThing(thingName: string, arn: string): Promise<void> {
  if (!(await principalsOf(thingName)).includes(arn)) return;
  await alreadyGone(() => iot.send(new DetachThingPrincipalCommand({ thingName, principal: arn })));
  for (let attempt = 1; attempt <= DETACH_WAIT.attempts; attempt++) {
    if (!(await principalsOf(thingName)).includes(arn)) return;
    await sleep(DETACH_WAIT.intervalMs);
  }
  throw new Error(`certificate ${arn} is still attached to thing ${thingName} after ${DETACH_WAIT.attempts} checks`);
}

async function removeCertificate(p: FixtureProperties, arn: string): Promise<void> {
  const certificateId = CERTIFICATE_ARN.exec(arn)![1];
  let status: string | undefined;
  try {
    status = (await iot.send(new DescribeCertificateCommand({ certificateId }))).certificateDescription?.status;
  } catch (e) {
    if (errorName(e) === 'ResourceNotFoundException') return;
    throw e;
  }
  await detachPolicies(arn);
  await detachFromThing(p.ThingName, arn);
  // A certificate is deleted only once it is not ACTIVE (a playbook may have deactivated it already).
  if (status === CertificateStatus.ACTIVE) await iot.send(new UpdateCertificateCommand({ certificateId, newStatus: CertificateStatus.INACTIVE }));
  await alreadyGone(() => iot.send(new DeleteCertificateCommand({ certificateId, forceDelete: true })));
}

async function remove(p: FixtureProperties, physicalId: string | undefined): Promise<FixtureResponse> {
  await stopRunningExecutions(sfn, p.StateMachineArn);
  await leaveQuarantine(p.ThingName, p.QuarantineGroupName);
  // A Create that failed before the certificate existed has the framework's placeholder as its ID.
  if (physicalId !== undefined && CERTIFICATE_ARN.test(physicalId)) await removeCertificate(p, physicalId);
  return { PhysicalResourceId: physicalId ?? 'none' };
}

export async function handler(event: FixtureEvent): Promise<FixtureResponse> {
  const p = event.ResourceProperties;
  switch (event.RequestType) {
    case 'Create':
      return create(p);
    case 'Update':
      // The test stack is never updated in place (stackUpdateWorkflow: false): keep the certificate.
      return { PhysicalResourceId: event.PhysicalResourceId! };
    case 'Delete':
      return remove(p, event.PhysicalResourceId);
    default:
      throw new Error(`unknown RequestType ${JSON.stringify((event as { RequestType?: unknown }).RequestType)}`);
  }
}
