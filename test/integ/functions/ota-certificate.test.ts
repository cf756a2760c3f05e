// Before @peculiar/x509, which needs it.
import 'reflect-metadata';
import { ACMClient, DeleteCertificateCommand, ImportCertificateCommand, ResourceNotFoundException } from '@aws-sdk/client-acm';
import * as x509 from '@peculiar/x509';
import { mockClient } from 'aws-sdk-client-mock';
import { createPrivateKey, X509Certificate } from 'crypto';
import { CertificateProperties, codeSigningMaterial, onEvent } from './ota-certificate';
import { CustomResourceRequest } from '../../../lib/core/private/custom-resource';

const acm = mockClient(ACMClient);
const ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/0d3c7a4e-1111-2222-3333-444455556666';

const request = (type: 'Create' | 'Update' | 'Delete', extra: Partial<CustomResourceRequest<CertificateProperties>> = {}): CustomResourceRequest<CertificateProperties> => ({
  RequestType: type,
  ResponseURL: 'https://example.com/response',
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/SecureIotInteg-SignedOta/1',
  RequestId: 'request-1',
  LogicalResourceId: 'CodeSigningCertificate',
  ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:f', CommonName: 'secure-iot-integ-ota code signing', ValidityDays: '30' },
  ...extra,
});

beforeEach(() => acm.reset());

describe('the code-signing material', () => {
  test('an ECDSA P-256 certificate for code signing, self-signed, valid now, with its unencrypted SEC 1 key', async () => {
    const now = new Date();
    const { certificate, privateKey } = await codeSigningMaterial('secure-iot-integ-ota code signing', 30, now);
    const cert = new X509Certificate(certificate);
    expect(cert.subject).toContain('CN=secure-iot-integ-ota code signing');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    // ACM imports only certificates valid at the time of import.
    expect(new Date(cert.validFrom).getTime()).toBeLessThan(now.getTime());
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(now.getTime() + 29 * 24 * 3600 * 1000);
    // Signer's code-signing certificate: Code Signing extended key usage, Digital Signature key usage.
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.3']);
    const parsed = new x509.X509Certificate(certificate);
    const keyUsage = parsed.getExtension(x509.KeyUsagesExtension)!;
    expect(keyUsage.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(keyUsage.critical).toBe(true);
    expect(privateKey.startsWith('-----BEGIN EC PRIVATE KEY-----\n')).toBe(true);
    expect(privateKey).not.toContain('ENCRYPTED');
    expect(cert.checkPrivateKey(createPrivateKey(privateKey))).toBe(true);
  });

  test('each call makes a new key', async () => {
    const [a, b] = await Promise.all([codeSigningMaterial('x', 1), codeSigningMaterial('x', 1)]);
    expect(a.privateKey).not.toBe(b.privateKey);
    expect(new X509Certificate(a.certificate).serialNumber).not.toBe(new X509Certificate(b.certificate).serialNumber);
  });
});

describe('the custom resource', () => {
  test('Create imports the certificate with its key and answers with the ARN only', async () => {
    acm.on(ImportCertificateCommand).resolves({ CertificateArn: ARN });
    const result = await onEvent(request('Create'));
    expect(result).toEqual({ PhysicalResourceId: ARN, Data: { CertificateArn: ARN } });
    const input = acm.commandCalls(ImportCertificateCommand)[0].args[0].input;
    expect(Buffer.from(input.Certificate!).toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(Buffer.from(input.PrivateKey!).toString()).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(input.CertificateArn).toBeUndefined();
    expect(JSON.stringify(result)).not.toContain('PRIVATE KEY');
  });

  test('an Update with the same properties keeps the certificate; new properties import a new one', async () => {
    acm.on(ImportCertificateCommand).resolves({ CertificateArn: `${ARN}-2` });
    const same = request('Update', { PhysicalResourceId: ARN, OldResourceProperties: { CommonName: 'secure-iot-integ-ota code signing', ValidityDays: '30' } });
    expect(await onEvent(same)).toEqual({ PhysicalResourceId: ARN, Data: { CertificateArn: ARN } });
    expect(acm.commandCalls(ImportCertificateCommand)).toHaveLength(0);
    const changed = request('Update', { PhysicalResourceId: ARN, OldResourceProperties: { CommonName: 'secure-iot-integ-ota code signing', ValidityDays: '10' } });
    expect((await onEvent(changed)).PhysicalResourceId).toBe(`${ARN}-2`);
  });

  test('Delete deletes the certificate, and is done when it is already gone or was never imported', async () => {
    acm.on(DeleteCertificateCommand).resolvesOnce({}).rejectsOnce(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    await onEvent(request('Delete', { PhysicalResourceId: ARN }));
    await onEvent(request('Delete', { PhysicalResourceId: ARN }));
    expect(acm.commandCalls(DeleteCertificateCommand).map((c) => c.args[0].input.CertificateArn)).toEqual([ARN, ARN]);
    await onEvent(request('Delete', { PhysicalResourceId: 'failed-request-1' }));
    expect(acm.commandCalls(DeleteCertificateCommand)).toHaveLength(2);
  });

  test('a validity that is not a positive whole number of days is refused', async () => {
    const bad = request('Create');
    await expect(onEvent({ ...bad, ResourceProperties: { ...bad.ResourceProperties, ValidityDays: '0' } })).rejects.toThrow(/ValidityDays must be a positive integer, got 0/);
    expect(acm.commandCalls(ImportCertificateCommand)).toHaveLength(0);
  });
});
