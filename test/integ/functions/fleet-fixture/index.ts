/*
 * The fleet test fixture, a custom resource (the CDK Provider framework calls onEvent):
 *
 * Create: writes each test serial to the allow list as ALLOWED, and makes the claim certificate
 * (CreateKeysAndCertificate), attaches the construct's claim policy to it and stores certificate
 * and private key in the claim secret (encrypted with the test stack's key). The key is never
 * returned, never logged.
 *
 * Delete: removes everything AWS created at run time for the test: running executions of the
 * fleet's state machines are stopped; each test thing's rotation jobs are deleted (force), every
 * certificate the test touched (the thing's, the ones the device recorded, the ones the allow list
 * names, the claim certificate) is detached from its policies and things, deactivated and deleted,
 * and the things are deleted. What cannot be removed fails the delete, loudly: a test must not
 * leave certificates behind silently.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  AttachPolicyCommand, CreateKeysAndCertificateCommand, DeleteCertificateCommand, DeleteJobCommand, DeleteThingCommand,
  DescribeCertificateCommand, DetachPolicyCommand, DetachThingPrincipalCommand, IoTClient,
  ListJobExecutionsForThingCommand, ListPrincipalThingsCommand, UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { alreadyGone, attachedPolicies, errorName, ProviderEvent, ProviderResponse, stopRunningExecutions, thingPrincipals, unlessGone } from '../shared/cleanup';

const iot = new IoTClient({ maxAttempts: 8 });
const dynamodb = new DynamoDBClient({ maxAttempts: 5 });
const secrets = new SecretsManagerClient({});
const sfn = new SFNClient({});

/** The resource's properties (CloudFormation passes every value as a string). */
export interface FixtureProperties {
  readonly AllowListTable: string;
  readonly Serials: string[];
  readonly ThingNamePrefix: string;
  readonly ClaimPolicyName: string;
  readonly ClaimSecretArn: string;
  readonly DeviceSecretArn: string;
  readonly RotationJobIdPrefix: string;
  readonly StateMachineArns: string[];
}

export type FixtureEvent = ProviderEvent<FixtureProperties>;
export type FixtureResponse = ProviderResponse<{ [key: string]: string }>;

const CERTIFICATE_ID = /^[0-9a-f]{64}$/;
const log = (o: object) => console.log(JSON.stringify(o));
export const fixtureTiming = { sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };

export async function onEvent(event: FixtureEvent): Promise<FixtureResponse> {
  const p = event.ResourceProperties;
  switch (event.RequestType) {
    case 'Create': {
      await allow(p);
      const claim = await createClaim(p);
      return { PhysicalResourceId: claim.id, Data: claimData(claim.id, claim.arn) };
    }
    case 'Update': {
      // The claim certificate stays (a new one would make CloudFormation delete this one, and the test's things with it).
      await allow(p);
      const id = event.PhysicalResourceId!;
      const arn = (await iot.send(new DescribeCertificateCommand({ certificateId: id }))).certificateDescription!.certificateArn!;
      return { PhysicalResourceId: id, Data: claimData(id, arn) };
    }
    case 'Delete':
      await cleanUp(p, event.PhysicalResourceId);
      return { PhysicalResourceId: event.PhysicalResourceId ?? 'none' };
    default:
      throw new Error(`unknown RequestType ${JSON.stringify((event as { RequestType?: unknown }).RequestType)}`);
  }
}

/** RunId tells one deployment's run-time names (job IDs) from the last one's, whose deletion may still run. */
const claimData = (id: string, arn: string) => ({ ClaimCertificateId: id, ClaimCertificateArn: arn, RunId: id.slice(0, 8) });

async function allow(p: FixtureProperties): Promise<void> {
  for (const serial of p.Serials) {
    try {
      await dynamodb.send(new PutItemCommand({
        TableName: p.AllowListTable,
        Item: { serialNumber: { S: serial }, status: { S: 'ALLOWED' } },
        // A row the test already moved on (PROVISIONED, REVOKED) is not reset by an update.
        ConditionExpression: 'attribute_not_exists(serialNumber)',
      }));
    } catch (e) {
      if (errorName(e) !== 'ConditionalCheckFailedException') throw e;
    }
  }
}

async function createClaim(p: FixtureProperties): Promise<{ id: string; arn: string }> {
  const made = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  const id = made.certificateId!;
  try {
    await iot.send(new AttachPolicyCommand({ policyName: p.ClaimPolicyName, target: made.certificateArn! }));
    await secrets.send(new PutSecretValueCommand({
      SecretId: p.ClaimSecretArn,
      SecretString: JSON.stringify({ certificateId: id, certificatePem: made.certificatePem, privateKey: made.keyPair!.PrivateKey }),
    }));
  } catch (e) {
    // CloudFormation never learns this certificate's ID: remove it here.
    await retire(id).catch((r) => log({ event: 'claim-rollback-failed', certificateId: id, error: String(r) }));
    throw e;
  }
  log({ event: 'claim-created', certificateId: id });
  return { id, arn: made.certificateArn! };
}

async function cleanUp(p: FixtureProperties, claimCertificateId: string | undefined): Promise<void> {
  const problems: string[] = [];
  const attempt = async (what: string, f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (e) {
      problems.push(`${what}: ${errorName(e)} ${(e as Error).message}`);
    }
  };
  for (const arn of p.StateMachineArns) await attempt(`stopping executions of ${arn}`, () => stopRunningExecutions(sfn, arn));

  const certificates = new Set<string>();
  await attempt('reading the device store', async () => {
    const text = (await secrets.send(new GetSecretValueCommand({ SecretId: p.DeviceSecretArn }))).SecretString;
    const ids = (() => { try { return JSON.parse(text ?? '').certificateIds; } catch { return undefined; } })();
    if (Array.isArray(ids)) ids.forEach((id) => certificates.add(String(id)));
  });
  for (const serial of p.Serials) {
    await attempt(`reading the allow list row ${serial}`, async () => {
      const item = (await dynamodb.send(new GetItemCommand({ TableName: p.AllowListTable, Key: { serialNumber: { S: serial } }, ConsistentRead: true }))).Item ?? {};
      for (const field of ['certificateId', 'previousCertificateId', 'pendingCertificateId', 'expiredCertificateId']) {
        const id = item[field]?.S;
        if (id) certificates.add(id);
      }
    });
  }
  const things = p.Serials.map((s) => `${p.ThingNamePrefix}${s}`);
  for (const thing of things) {
    await attempt(`deleting the rotation jobs of ${thing}`, () => deleteJobs(thing, p.RotationJobIdPrefix));
    await attempt(`listing the certificates of ${thing}`, async () => {
      for (const principal of await unlessGone(() => thingPrincipals(iot, thing))) certificates.add(principal.split('/').pop()!);
    });
  }
  if (claimCertificateId && CERTIFICATE_ID.test(claimCertificateId)) certificates.add(claimCertificateId);
  for (const id of certificates) {
    if (!CERTIFICATE_ID.test(id)) continue;
    await attempt(`removing certificate ${id}`, () => retire(id));
  }
  for (const thing of things) await attempt(`deleting thing ${thing}`, () => deleteThing(thing));
  log({ event: 'cleaned-up', certificates: [...certificates], things, problems });
  if (problems.length > 0) throw new Error(`Left in the account: ${problems.join('; ')}`);
}

async function deleteJobs(thingName: string, jobIdPrefix: string): Promise<void> {
  let nextToken: string | undefined;
  const jobIds = new Set<string>();
  try {
    do {
      const page = await iot.send(new ListJobExecutionsForThingCommand({ thingName, nextToken }));
      for (const e of page.executionSummaries ?? []) if (e.jobId?.startsWith(jobIdPrefix)) jobIds.add(e.jobId);
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (e) {
    if (errorName(e) === 'ResourceNotFoundException') return;
    throw e;
  }
  for (const jobId of jobIds) {
    try {
      await iot.send(new DeleteJobCommand({ jobId, force: true }));
    } catch (e) {
      // Already being deleted, or gone.
      if (!['ResourceNotFoundException', 'InvalidStateTransitionException'].includes(errorName(e))) throw e;
    }
  }
}

/** Detaches a certificate from every policy and thing, deactivates and deletes it; one already gone is done. */
export async function retire(certificateId: string): Promise<void> {
  let description;
  try {
    description = (await iot.send(new DescribeCertificateCommand({ certificateId }))).certificateDescription;
  } catch (e) {
    if (errorName(e) === 'ResourceNotFoundException') return;
    throw e;
  }
  const arn = description!.certificateArn!;
  const policies = await attachedPolicies(iot, arn);
  // Detached meanwhile (the revocation, a rotation's retirement, an earlier delete attempt): done.
  for (const policy of policies) await alreadyGone(() => iot.send(new DetachPolicyCommand({ policyName: policy.policyName, target: arn })));
  const attached = (await iot.send(new ListPrincipalThingsCommand({ principal: arn }))).things ?? [];
  for (const thingName of attached) await alreadyGone(() => iot.send(new DetachThingPrincipalCommand({ thingName, principal: arn })));
  if (description!.status === 'ACTIVE') await iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' }));
  let pendingDeactivated = false;
  // Detaching propagates asynchronously: until it has, DeleteCertificate answers DeleteConflictException.
  for (let attempt = 1; ; attempt++) {
    try {
      await iot.send(new DeleteCertificateCommand({ certificateId }));
      return;
    } catch (e) {
      if (errorName(e) === 'ResourceNotFoundException') return;
      if (errorName(e) === 'CertificateStateException' && description!.status === 'PENDING_ACTIVATION') {
        // A refused provisioning's certificate. Should AWS IoT not delete it as it is, deactivated
        // it may be; failing that, AWS IoT deletes it when its ownership token expires (one hour).
        if (!pendingDeactivated) {
          pendingDeactivated = true;
          try {
            await iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' }));
            continue;
          } catch { /* fall through */ }
        }
        log({ event: 'left-to-expire', certificateId, reason: 'PENDING_ACTIVATION: AWS IoT deletes it within an hour of its issue' });
        return;
      }
      if (errorName(e) !== 'DeleteConflictException' || attempt >= 8) throw e;
      await fixtureTiming.sleep(2000 * attempt);
    }
  }
}

async function deleteThing(thingName: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await iot.send(new DeleteThingCommand({ thingName }));
      return;
    } catch (e) {
      if (errorName(e) === 'ResourceNotFoundException') return;
      // Principals detached a moment ago can still hold the thing.
      if (errorName(e) !== 'InvalidRequestException' || attempt >= 6) throw e;
      await fixtureTiming.sleep(2000 * attempt);
    }
  }
}
