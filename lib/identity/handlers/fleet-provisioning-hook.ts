/*
 * The pre-provisioning hook of a fleet provisioning template: AWS IoT calls it with the device's
 * parameters before creating anything, and provisions only when it answers allowProvisioning.
 *
 * A device is admitted when its serial number is in the allow list (DynamoDB, partition key
 * `serialNumber`) with status ALLOWED; one conditional write moves it to PROVISIONED with the new
 * certificate's ID, so two devices presenting the same serial cannot both pass (the second write
 * fails its condition). A retry of the same request (same certificate ID) is admitted again. What
 * the allow list knows of the device (site, criticality) overrides what the device claims. The
 * criticality is never the device's: it decides whether a finding is contained automatically, so
 * a device claiming `safety-critical` would escape containment. When the allow list item has none,
 * the fleet's default (DEFAULT_CRITICALITY, from its risk profile) is set.
 *
 * Malformed payloads are refused, never thrown on; table errors (throttling included) are thrown
 * after the SDK's retries, so AWS IoT refuses the request and the device retries later: the hook
 * fails closed.
 */
import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

const dynamodb = new DynamoDBClient({ maxAttempts: 5 });

/** What AWS IoT sends the hook. */
export interface PreProvisioningHookEvent {
  readonly claimCertificateId?: string;
  readonly certificateId?: string;
  readonly certificatePem?: string;
  readonly templateArn?: string;
  readonly clientId?: string;
  readonly parameters?: { [name: string]: unknown };
}

/** What the hook answers. */
export interface PreProvisioningHookResult {
  readonly allowProvisioning: boolean;
  readonly parameterOverrides?: { [name: string]: string };
}

const SERIAL = /^[A-Za-z0-9:_-]{1,128}$/;
const CERTIFICATE_ID = /^[0-9a-f]{64}$/;
/** Allow-list attributes that override the device's parameters of the same (capitalized) name. */
const OVERRIDES: { [attribute: string]: string } = { site: 'Site', criticality: 'Criticality' };

const refuse = (reason: string, details: object = {}): PreProvisioningHookResult => {
  console.log(JSON.stringify({ decision: 'refused', reason, ...details }));
  return { allowProvisioning: false };
};

export async function handler(event: PreProvisioningHookEvent): Promise<PreProvisioningHookResult> {
  const table = process.env.ALLOW_LIST_TABLE;
  if (!table) throw new Error('ALLOW_LIST_TABLE is not set');
  const defaultCriticality = process.env.DEFAULT_CRITICALITY;
  // Fails closed: without a default, a device's own Criticality would stand.
  if (!defaultCriticality && (process.env.TEMPLATE_PARAMETERS ?? '').split(',').includes('Criticality')) throw new Error('DEFAULT_CRITICALITY is not set');
  if (!event || typeof event !== 'object') return refuse('malformed event');
  const serial = event.parameters?.SerialNumber;
  const certificateId = event.certificateId;
  if (typeof serial !== 'string' || !SERIAL.test(serial)) return refuse('SerialNumber missing or malformed', { clientId: event.clientId });
  if (typeof certificateId !== 'string' || !CERTIFICATE_ID.test(certificateId)) return refuse('certificateId missing or malformed', { serial });

  try {
    const result = await dynamodb.send(new UpdateItemCommand({
      TableName: table,
      Key: { serialNumber: { S: serial } },
      UpdateExpression: 'SET #status = :provisioned, certificateId = :cert, provisionedAt = :now, claimCertificateId = :claim',
      // Admitted once: from ALLOWED, or again for the very same request (a retry of it).
      ConditionExpression: 'attribute_exists(serialNumber) AND (#status = :allowed OR (#status = :provisioned AND certificateId = :cert))',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':allowed': { S: 'ALLOWED' },
        ':provisioned': { S: 'PROVISIONED' },
        ':cert': { S: certificateId },
        ':now': { S: new Date().toISOString() },
        ':claim': { S: typeof event.claimCertificateId === 'string' ? event.claimCertificateId : 'unknown' },
      },
      ReturnValues: 'ALL_NEW',
    }));
    // Only parameters the template declares can be overridden.
    const declared = new Set((process.env.TEMPLATE_PARAMETERS ?? '').split(',').filter((x) => x.length > 0));
    const overrides: { [name: string]: string } = {};
    for (const [attribute, parameter] of Object.entries(OVERRIDES)) {
      if (!declared.has(parameter)) continue;
      const value = result.Attributes?.[attribute]?.S ?? (parameter === 'Criticality' ? defaultCriticality : undefined);
      if (value !== undefined) overrides[parameter] = value;
    }
    console.log(JSON.stringify({ decision: 'admitted', serial, certificateId }));
    return Object.keys(overrides).length > 0 ? { allowProvisioning: true, parameterOverrides: overrides } : { allowProvisioning: true };
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException || (e as Error).name === 'ConditionalCheckFailedException') {
      return refuse('serial not in the allow list, revoked, or already provisioned', { serial });
    }
    throw e;
  }
}
