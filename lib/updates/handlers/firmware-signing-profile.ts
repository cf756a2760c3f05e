/*
 * Custom resource: an AWS Signer signing profile for a device platform (AmazonFreeRTOS-*,
 * AWSIoTDeviceManagement-SHA256-ECDSA). AWS::Signer::SigningProfile accepts only the Lambda and
 * Notation platforms and has no SigningMaterial, which these platforms require (aws-cdk issue
 * 25332, cloudformation-coverage-roadmap issue 1641), so the profile is made with PutSigningProfile.
 *
 * Signing profiles cannot change: the construct names the profile after a digest of its settings,
 * so a changed setting is a new profile (Create) and CloudFormation then deletes the old one,
 * which cancels it. Signatures already made with a cancelled profile stay valid.
 */
import {
  CancelSigningProfileCommand,
  GetSigningProfileCommand,
  PutSigningProfileCommand,
  ResourceNotFoundException,
  SignerClient,
} from '@aws-sdk/client-signer';
import { createHash } from 'crypto';
import { CustomResourceRequest, CustomResourceResult, respond } from '../../core/private/custom-resource';

/** The properties the construct passes; CloudFormation turns every scalar into a string. */
export interface SigningProfileProperties {
  /** Profile names are this, '_' and a digest of the request that made the profile. */
  readonly ProfileNamePrefix: string;
  readonly PlatformId: string;
  readonly CertificateArn: string;
  readonly SignatureValidityDays: string;
}

export type SigningProfileEvent = CustomResourceRequest<SigningProfileProperties>;
export type SigningProfileResult = CustomResourceResult;

const signer = new SignerClient({});

const isNamed = (e: unknown, name: string) => (e as { name?: string })?.name === name;

function notFound(e: unknown): boolean {
  return e instanceof ResourceNotFoundException || isNamed(e, 'ResourceNotFoundException');
}

async function existing(profileName: string) {
  try {
    return await signer.send(new GetSigningProfileCommand({ profileName }));
  } catch (e) {
    if (notFound(e)) return undefined;
    throw e;
  }
}

/** A new profile's name: unique per request, so a retried or repeated request finds its own. */
export function profileNameFor(event: SigningProfileEvent): string {
  const digest = createHash('sha256').update(`${event.StackId}/${event.LogicalResourceId}/${event.RequestId}`).digest('hex').slice(0, 12);
  return `${event.ResourceProperties.ProfileNamePrefix}_${digest}`;
}

const SETTINGS = ['ProfileNamePrefix', 'PlatformId', 'CertificateArn', 'SignatureValidityDays'] as const;

export async function onEvent(event: SigningProfileEvent): Promise<SigningProfileResult> {
  const props = event.ResourceProperties;
  if (event.RequestType === 'Delete') {
    // A failed Create may have made no profile; one already cancelled stays so.
    const name = event.PhysicalResourceId!;
    if ((await existing(name))?.status === 'Active') {
      await signer.send(new CancelSigningProfileCommand({ profileName: name }));
    }
    return { PhysicalResourceId: name };
  }

  const days = Number(props.SignatureValidityDays);
  if (!Number.isInteger(days) || days < 1) throw new Error(`SignatureValidityDays must be a positive integer, got ${props.SignatureValidityDays}`);
  const unchanged = event.RequestType === 'Update' && SETTINGS.every((k) => event.OldResourceProperties?.[k] === props[k]);
  // A changed setting is a new profile; CloudFormation then deletes (cancels) the old one.
  const name = unchanged ? event.PhysicalResourceId! : profileNameFor(event);
  const found = await existing(name);
  if (found?.status === 'Active') {
    if (found.platformId !== props.PlatformId || found.signingMaterial?.certificateArn !== props.CertificateArn) {
      throw new Error(`The signing profile ${name} exists with another platform or certificate`);
    }
    return result(name, found.arn!, found.profileVersion!, found.profileVersionArn!);
  }
  const made = await signer.send(new PutSigningProfileCommand({
    profileName: name,
    platformId: props.PlatformId,
    signingMaterial: { certificateArn: props.CertificateArn },
    signatureValidityPeriod: { type: 'DAYS', value: days },
  }));
  return result(name, made.arn!, made.profileVersion!, made.profileVersionArn!);
}

function result(name: string, arn: string, version: string, versionArn: string): SigningProfileResult {
  return {
    PhysicalResourceId: name,
    Data: { ProfileName: name, ProfileArn: arn, ProfileVersion: version, ProfileVersionArn: versionArn },
  };
}

/** Lambda entry point. Always answers CloudFormation, so a stack never hangs on a failure. */
export async function handler(event: SigningProfileEvent): Promise<void> {
  try {
    await respond(event, 'SUCCESS', await onEvent(event));
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    console.error(JSON.stringify({ level: 'ERROR', requestType: event.RequestType, message }));
    // Delete after a failed Create gets this ID, finds no active profile and does nothing.
    await respond(event, 'FAILED', { PhysicalResourceId: event.PhysicalResourceId ?? profileNameFor(event) }, message);
  }
}
