/*
 * Custom resource of the signed OTA integration test: a throwaway code-signing certificate in ACM.
 *
 * Create generates an ECDSA P-256 key pair, self-signs a certificate with the key usage Signer's
 * IoT platforms expect of a code-signing certificate (digitalSignature, extended key usage
 * codeSigning; Signer developer guide, "Obtain and import a code-signing certificate"), and
 * imports both into ACM (ImportCertificate: PEM, unencrypted key, valid now, issuer set; EC
 * prime256v1 is one of ACM's key types). The private key exists only in this invocation and in
 * ACM: it is never returned, logged or written anywhere. Delete deletes the certificate.
 */
import 'reflect-metadata';
import { ACMClient, DeleteCertificateCommand, ImportCertificateCommand } from '@aws-sdk/client-acm';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, webcrypto } from 'crypto';
import { CustomResourceRequest, CustomResourceResult, respond } from '../../../../lib/core/private/custom-resource';

export interface CertificateProperties {
  /** The certificate's common name. */
  readonly CommonName: string;
  /** Days the certificate is valid for. */
  readonly ValidityDays: string;
}

const acm = new ACMClient({});
/** The DOM's WebCrypto types, which this project's TypeScript libraries do not load, as x509 names them. */
type SelfSignedParams = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0];
const name = (e: unknown) => (e as { name?: string })?.name;

/** The PEM certificate and unencrypted PEM private key (SEC 1, as `openssl ecparam -genkey` writes it). */
export async function codeSigningMaterial(commonName: string, validityDays: number, now = new Date()): Promise<{ certificate: string; privateKey: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1'),
    name: `CN=${commonName}, O=cdk-secure-iot integration test`,
    // A little in the past: ACM refuses a certificate whose validity has not begun.
    notBefore: new Date(now.getTime() - 10 * 60 * 1000),
    notAfter: new Date(now.getTime() + validityDays * 24 * 3600 * 1000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    keys: keys as unknown as SelfSignedParams['keys'],
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning], false),
    ],
  }, webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1]);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'sec1', format: 'pem' }).toString();
  return { certificate: cert.toString('pem'), privateKey };
}

export async function onEvent(event: CustomResourceRequest<CertificateProperties>): Promise<CustomResourceResult> {
  if (event.RequestType === 'Delete') {
    const arn = event.PhysicalResourceId;
    // A failed Create answers with a physical ID that is no ARN: nothing was imported.
    if (arn?.startsWith('arn:')) {
      try {
        await acm.send(new DeleteCertificateCommand({ CertificateArn: arn }));
      } catch (e) {
        if (name(e) !== 'ResourceNotFoundException') throw e;
      }
    }
    return { PhysicalResourceId: arn ?? event.LogicalResourceId };
  }
  const props = event.ResourceProperties;
  const old = event.OldResourceProperties;
  if (event.RequestType === 'Update' && event.PhysicalResourceId?.startsWith('arn:')
    && old?.CommonName === props.CommonName && old?.ValidityDays === props.ValidityDays) {
    return { PhysicalResourceId: event.PhysicalResourceId, Data: { CertificateArn: event.PhysicalResourceId } };
  }
  // Create, or Update with new properties: a new certificate; CloudFormation deletes the old one.
  const days = Number(props.ValidityDays);
  if (!Number.isInteger(days) || days < 1) throw new Error(`ValidityDays must be a positive integer, got ${props.ValidityDays}`);
  const material = await codeSigningMaterial(props.CommonName, days);
  const imported = await acm.send(new ImportCertificateCommand({ Certificate: Buffer.from(material.certificate), PrivateKey: Buffer.from(material.privateKey) }));
  const arn = imported.CertificateArn!;
  return { PhysicalResourceId: arn, Data: { CertificateArn: arn } };
}

export async function handler(event: CustomResourceRequest<CertificateProperties>): Promise<void> {
  try {
    await respond(event, 'SUCCESS', await onEvent(event));
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    console.error(JSON.stringify({ level: 'ERROR', requestType: event.RequestType, message }));
    await respond(event, 'FAILED', { PhysicalResourceId: event.PhysicalResourceId ?? `failed-${event.RequestId}` }, message);
  }
}
