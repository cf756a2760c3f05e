import * as fs from 'fs';
import * as path from 'path';
import { CfnParameter, Fn } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as iot from 'aws-cdk-lib/aws-iot';
import { withCertificateClock } from '../../../lib/checks/private/x509';
import {
  IoTCaCertificateExpiring,
  IoTCaCertificateKeyQuality,
  IoTCertificateSharedByThings,
  IoTDeviceCertificateExpiring,
  IoTDeviceCertificateKeyQuality,
  IoTInactiveCaActiveCertificates,
} from '../../../lib/checks/rules/certificates';
import { check, checkType, cfnResources, COMPLIANT, includeTemplate, newStack, NOT_APPLICABLE } from '../rule-test-helpers';

const pem = (name: string) => fs.readFileSync(path.join(__dirname, '..', 'fixtures', `${name}.pem`), 'utf8');
const CERT = 'AWS::IoT::Certificate';
const CA = 'AWS::IoT::CACertificate';
const IS_PROD = { IsProd: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } };

function template(resources: object, parameters: object = {}, conditions: object = {}): object {
  return { Parameters: parameters, Conditions: conditions, Resources: resources };
}

function privateCa(stack: ReturnType<typeof newStack>, keyAlgorithm = 'EC_prime256v1', validity = { type: 'YEARS', value: 10 }) {
  const authority = new acmpca.CfnCertificateAuthority(stack, 'Pca', {
    type: 'ROOT', keyAlgorithm, signingAlgorithm: 'SHA256WITHECDSA', subject: { commonName: 'Device CA' },
  });
  return new acmpca.CfnCertificate(stack, 'PcaCert', {
    certificateAuthorityArn: authority.attrArn,
    certificateSigningRequest: authority.attrCertificateSigningRequest,
    signingAlgorithm: 'SHA256WITHECDSA',
    templateArn: 'arn:aws:acm-pca:::template/RootCACertificate/V1',
    validity,
  });
}

describe('ID15 IoTDeviceCertificateKeyQuality', () => {
  test('Noncompliance: a 1024-bit RSA device key (L1), a SHA-1 signature (plain template), a ROCA key', () => {
    const s1 = newStack();
    const c1 = new iot.CfnCertificate(s1, 'C', { status: 'ACTIVE', certificatePem: pem('device-rsa1024'), certificateMode: 'SNI_ONLY' });
    expect(check(IoTDeviceCertificateKeyQuality, c1)).toEqual(['RsaKeyBits::1024']);

    const s2 = newStack();
    includeTemplate(s2, template({ C: { Type: CERT, Properties: { Status: 'ACTIVE', CertificatePem: pem('device-sha1'), CACertificatePem: pem('ca-rsa2048') } } }));
    expect(checkType(IoTDeviceCertificateKeyQuality, s2, CERT)).toEqual(['Signature::sha1WithRSAEncryption']);

    const s3 = newStack();
    const c3 = new iot.CfnCertificate(s3, 'C', { status: 'ACTIVE', certificatePem: pem('device-roca') });
    expect(check(IoTDeviceCertificateKeyQuality, c3)).toEqual(['Roca::CVE-2017-15361']);
  });

  test('Noncompliance: a CSR with a weak key, one Fn::If branch weak, a status that may be active', () => {
    const s1 = newStack();
    includeTemplate(s1, template({ C: { Type: CERT, Properties: { Status: 'ACTIVE', CertificateSigningRequest: pem('csr-rsa1024') } } }));
    expect(checkType(IoTDeviceCertificateKeyQuality, s1, CERT)).toEqual(['RsaKeyBits::1024']);

    const s2 = newStack();
    includeTemplate(s2, template({
      C: { Type: CERT, Properties: { Status: { 'Fn::If': ['IsProd', 'ACTIVE', 'INACTIVE'] }, CertificatePem: { 'Fn::If': ['IsProd', pem('device-rsa2048'), pem('device-rsa1024')] } } },
    }, {}, IS_PROD));
    expect(checkType(IoTDeviceCertificateKeyQuality, s2, CERT)).toEqual(['RsaKeyBits::1024']);
  });

  test('Unreadable: a parameter PEM is unresolved, a PEM that is not one (or a CSR where a certificate goes) is invalid', () => {
    const s1 = newStack();
    new iot.CfnCertificate(s1, 'C', { status: 'ACTIVE', certificatePem: new CfnParameter(s1, 'Pem').valueAsString });
    expect(checkType(IoTDeviceCertificateKeyQuality, s1, CERT)).toEqual(['Unresolved::CertificatePem']);

    const s2 = newStack();
    includeTemplate(s2, template({ C: { Type: CERT, Properties: { Status: 'ACTIVE', CertificatePem: '-----BEGIN CERTIFICATE-----\nnot base64 der\n-----END CERTIFICATE-----' } } }));
    expect(checkType(IoTDeviceCertificateKeyQuality, s2, CERT)).toEqual(['Invalid::CertificatePem']);

    const s3 = newStack();
    new iot.CfnCertificate(s3, 'C', { status: 'ACTIVE', certificatePem: pem('csr-ec256') });
    expect(checkType(IoTDeviceCertificateKeyQuality, s3, CERT)).toEqual(['Invalid::CertificatePem']);
  });

  test('Compliance: RSA 2048 / EC P-256 / CSR P-256 / an AWS Private CA certificate; an inactive or revoked certificate is not applicable', () => {
    const s1 = newStack();
    new iot.CfnCertificate(s1, 'A', { status: 'ACTIVE', certificatePem: pem('device-rsa2048'), caCertificatePem: pem('ca-rsa2048') });
    new iot.CfnCertificate(s1, 'B', { status: 'ACTIVE', certificatePem: pem('device-by-ec-ca') });
    new iot.CfnCertificate(s1, 'C', { status: 'ACTIVE', certificateSigningRequest: pem('csr-ec256') });
    new iot.CfnCertificate(s1, 'D', { status: 'ACTIVE', certificatePem: privateCa(s1).attrCertificate });
    for (const c of cfnResources(s1).filter((r) => r.cfnResourceType === CERT)) expect(check(IoTDeviceCertificateKeyQuality, c)).toEqual(COMPLIANT);

    const s2 = newStack();
    includeTemplate(s2, template({ C: { Type: CERT, Properties: { Status: 'REVOKED', CertificatePem: pem('device-rsa1024') } } }));
    expect(checkType(IoTDeviceCertificateKeyQuality, s2, CERT)).toEqual(NOT_APPLICABLE);
  });

  test('a Private CA certificate whose CA key algorithm is a parameter is unresolved', () => {
    const s = newStack();
    new iot.CfnCertificate(s, 'C', { status: 'ACTIVE', certificatePem: privateCa(s, new CfnParameter(s, 'Alg').valueAsString).attrCertificate });
    expect(checkType(IoTDeviceCertificateKeyQuality, s, CERT)).toEqual(['Unresolved::KeyAlgorithm']);
  });
});

describe('ID16 IoTCaCertificateKeyQuality', () => {
  test('Noncompliance: an RSA 1024 CA (L1), a P-192 CA (plain template), a weak issuer on a device certificate', () => {
    const s1 = newStack();
    const ca = new iot.CfnCACertificate(s1, 'Ca', { status: 'ACTIVE', caCertificatePem: pem('ca-rsa1024'), certificateMode: 'SNI_ONLY' });
    expect(check(IoTCaCertificateKeyQuality, ca)).toEqual(['RsaKeyBits::1024']);

    const s2 = newStack();
    includeTemplate(s2, template({ Ca: { Type: CA, Properties: { Status: 'ACTIVE', CACertificatePem: pem('ca-ec192') } } }));
    expect(checkType(IoTCaCertificateKeyQuality, s2, CA)).toEqual(['Curve::prime192v1']);

    const s3 = newStack();
    const c = new iot.CfnCertificate(s3, 'C', { status: 'ACTIVE', certificatePem: pem('device-rsa2048'), caCertificatePem: pem('ca-rsa1024') });
    expect(check(IoTCaCertificateKeyQuality, c)).toEqual(['RsaKeyBits::1024']);
  });

  test('Compliance: RSA 2048 and P-256 CAs, a SHA-1 self-signed root with a strong key, a Private CA; an inactive CA is not applicable', () => {
    const s = newStack();
    for (const [id, name] of [['A', 'ca-rsa2048'], ['B', 'ca-ec256'], ['C', 'ca-sha1-root']]) {
      expect(check(IoTCaCertificateKeyQuality, new iot.CfnCACertificate(s, id, { status: 'ACTIVE', caCertificatePem: pem(name) }))).toEqual(COMPLIANT);
    }
    expect(check(IoTCaCertificateKeyQuality, new iot.CfnCACertificate(s, 'D', { status: 'ACTIVE', caCertificatePem: privateCa(s).attrCertificate }))).toEqual(COMPLIANT);
    expect(check(IoTCaCertificateKeyQuality, new iot.CfnCACertificate(s, 'E', { status: 'INACTIVE', caCertificatePem: pem('ca-rsa1024') }))).toEqual(NOT_APPLICABLE);
    // A device certificate registered without its CA has nothing for this rule to judge.
    expect(check(IoTCaCertificateKeyQuality, new iot.CfnCertificate(s, 'F', { status: 'ACTIVE', certificatePem: pem('device-rsa2048') }))).toEqual(COMPLIANT);
  });

  test('an imported CA PEM is unresolved', () => {
    const s = newStack();
    const ca = new iot.CfnCACertificate(s, 'Ca', { status: 'ACTIVE', caCertificatePem: Fn.importValue('CaPem') });
    expect(check(IoTCaCertificateKeyQuality, ca)).toEqual(['Unresolved::CACertificatePem']);
  });
});

describe('ID17 IoTDeviceCertificateExpiring and ID18 IoTCaCertificateExpiring (clock injected)', () => {
  const validTo = (name: string) => new Date(new (require('crypto').X509Certificate)(pem(name)).validTo);
  const day = (d: Date) => d.toISOString().slice(0, 10);

  test('Noncompliance: expired, and expiring within 30 days, with the date; in L1 and a plain template', () => {
    const end = validTo('device-rsa2048');
    const s1 = newStack();
    const c = new iot.CfnCertificate(s1, 'C', { status: 'ACTIVE', certificatePem: pem('device-rsa2048') });
    expect(withCertificateClock(new Date(end.getTime() + 1000), () => check(IoTDeviceCertificateExpiring, c))).toEqual([`Expired::${day(end)}`]);
    expect(withCertificateClock(new Date(end.getTime() - 10 * 86400000), () => check(IoTDeviceCertificateExpiring, c))).toEqual([`Expiring::${day(end)}`]);

    const caEnd = validTo('ca-rsa2048');
    const s2 = newStack();
    includeTemplate(s2, template({ Ca: { Type: CA, Properties: { Status: 'ACTIVE', CACertificatePem: pem('ca-rsa2048') } } }));
    expect(withCertificateClock(new Date(caEnd.getTime() - 29 * 86400000), () => checkType(IoTCaCertificateExpiring, s2, CA))).toEqual([`Expiring::${day(caEnd)}`]);
  });

  test('Compliance: 31 days before the end, the real clock, an inactive certificate, a CSR certificate', () => {
    const end = validTo('device-rsa2048');
    const s = newStack();
    const c = new iot.CfnCertificate(s, 'C', { status: 'ACTIVE', certificatePem: pem('device-rsa2048') });
    expect(withCertificateClock(new Date(end.getTime() - 31 * 86400000), () => check(IoTDeviceCertificateExpiring, c))).toEqual(COMPLIANT);
    expect(check(IoTDeviceCertificateExpiring, c)).toEqual(COMPLIANT);
    const off = new iot.CfnCertificate(s, 'Off', { status: 'INACTIVE', certificatePem: pem('device-rsa2048') });
    expect(withCertificateClock(new Date(end.getTime() + 1000), () => check(IoTDeviceCertificateExpiring, off))).toEqual(NOT_APPLICABLE);
    expect(check(IoTDeviceCertificateExpiring, new iot.CfnCertificate(s, 'Csr', { status: 'ACTIVE', certificateSigningRequest: pem('csr-ec256') }))).toEqual(COMPLIANT);
  });

  test('AWS Private CA: a validity of days shorter than 30 warns, an end date in the past is expired, years pass', () => {
    const s1 = newStack();
    const short = new iot.CfnCACertificate(s1, 'Ca', { status: 'ACTIVE', caCertificatePem: privateCa(s1, 'RSA_2048', { type: 'DAYS', value: 7 }).attrCertificate });
    expect(check(IoTCaCertificateExpiring, short)).toEqual(['ShortValidity::7-days']);

    const s2 = newStack();
    const past = new iot.CfnCACertificate(s2, 'Ca', { status: 'ACTIVE', caCertificatePem: privateCa(s2, 'RSA_2048', { type: 'END_DATE', value: 20200101000000 }).attrCertificate });
    expect(check(IoTCaCertificateExpiring, past)).toEqual(['Expired::2020-01-01']);

    const s3 = newStack();
    expect(check(IoTCaCertificateExpiring, new iot.CfnCACertificate(s3, 'Ca', { status: 'ACTIVE', caCertificatePem: privateCa(s3).attrCertificate }))).toEqual(COMPLIANT);
  });

  test('a parameter PEM is unresolved', () => {
    const s = newStack();
    includeTemplate(s, template({ Ca: { Type: CA, Properties: { Status: 'ACTIVE', CACertificatePem: { Ref: 'Pem' } } } }, { Pem: { Type: 'String' } }));
    expect(checkType(IoTCaCertificateExpiring, s, CA)).toEqual(['Unresolved::CACertificatePem']);
  });
});

describe('ID19 IoTInactiveCaActiveCertificates', () => {
  test('Noncompliance: an inactive CA and an active certificate it signed (by signature), or registered with it (by PEM), or from the same parameter', () => {
    const s1 = newStack();
    new iot.CfnCACertificate(s1, 'OldCa', { status: 'INACTIVE', caCertificatePem: pem('ca-rsa2048') });
    const signed = new iot.CfnCertificate(s1, 'C', { status: 'ACTIVE', certificatePem: pem('device-rsa2048') });
    expect(check(IoTInactiveCaActiveCertificates, signed)).toEqual(['InactiveCa::OldCa']);

    const s2 = newStack();
    includeTemplate(s2, template({
      Ca: { Type: CA, Properties: { Status: { 'Fn::If': ['IsProd', 'ACTIVE', 'INACTIVE'] }, CACertificatePem: pem('ca-ec256') } },
      C: { Type: CERT, Properties: { Status: 'ACTIVE', CertificatePem: pem('device-rsa2048'), CACertificatePem: pem('ca-ec256') } },
    }, {}, IS_PROD));
    expect(checkType(IoTInactiveCaActiveCertificates, s2, CERT)).toEqual(['InactiveCa::Ca']);

    const s3 = newStack();
    includeTemplate(s3, template({
      Ca: { Type: CA, Properties: { Status: 'INACTIVE', CACertificatePem: { Ref: 'CaPem' } } },
      C: { Type: CERT, Properties: { Status: 'ACTIVE', CertificatePem: { Ref: 'DevicePem' }, CACertificatePem: { Ref: 'CaPem' } } },
    }, { CaPem: { Type: 'String' }, DevicePem: { Type: 'String' } }));
    expect(checkType(IoTInactiveCaActiveCertificates, s3, CERT)).toEqual(['InactiveCa::Ca']);
  });

  test('Compliance: the certificate is inactive too, the CA is active, the inactive CA signed other devices', () => {
    const s = newStack();
    new iot.CfnCACertificate(s, 'Active', { status: 'ACTIVE', caCertificatePem: pem('ca-rsa2048') });
    new iot.CfnCACertificate(s, 'OtherInactive', { status: 'INACTIVE', caCertificatePem: pem('ca-ec256') });
    expect(check(IoTInactiveCaActiveCertificates, new iot.CfnCertificate(s, 'C', { status: 'ACTIVE', certificatePem: pem('device-rsa2048') }))).toEqual(COMPLIANT);
    expect(check(IoTInactiveCaActiveCertificates, new iot.CfnCertificate(s, 'D', { status: 'INACTIVE', certificatePem: pem('device-by-ec-ca') }))).toEqual(NOT_APPLICABLE);
    expect(check(IoTInactiveCaActiveCertificates, new iot.CfnCertificate(s, 'E', { status: 'ACTIVE', certificateSigningRequest: pem('csr-ec256') }))).toEqual(COMPLIANT);
  });

  test('an inactive CA known only at deploy time cannot be matched: unresolved', () => {
    const s = newStack();
    new iot.CfnCACertificate(s, 'Ca', { status: 'INACTIVE', caCertificatePem: Fn.importValue('CaPem') });
    expect(check(IoTInactiveCaActiveCertificates, new iot.CfnCertificate(s, 'C', { status: 'ACTIVE', certificatePem: pem('device-rsa2048') }))).toEqual(['Unresolved::Ca']);
  });
});

describe('ID20 IoTCertificateSharedByThings', () => {
  const ATTACH = 'AWS::IoT::ThingPrincipalAttachment';
  const certArn = 'arn:aws:iot:eu-west-1:111111111111:cert/' + 'ab'.repeat(32);

  test('Noncompliance: one certificate (GetAtt Arn) attached to two things of the stack (L1)', () => {
    const s = newStack();
    const cert = new iot.CfnCertificate(s, 'Cert', { status: 'ACTIVE', certificateSigningRequest: pem('csr-ec256') });
    const t1 = new iot.CfnThing(s, 'T1', { thingName: 'sensor-1' });
    const t2 = new iot.CfnThing(s, 'T2');
    const a = new iot.CfnThingPrincipalAttachment(s, 'A', { principal: cert.attrArn, thingName: t1.ref, thingPrincipalType: 'EXCLUSIVE_THING' });
    const b = new iot.CfnThingPrincipalAttachment(s, 'B', { principal: cert.attrArn, thingName: t2.ref });
    expect(check(IoTCertificateSharedByThings, a)).toEqual(['SharedCertificate::Cert']);
    expect(check(IoTCertificateSharedByThings, b)).toEqual(['SharedCertificate::Cert']);
  });

  test('Noncompliance: the same certificate by Fn::Sub and by GetAtt, and a literal ARN twice, in a plain template', () => {
    const s = newStack();
    includeTemplate(s, template({
      Cert: { Type: CERT, Properties: { Status: 'ACTIVE', CertificateSigningRequest: pem('csr-ec256') } },
      A: { Type: ATTACH, Properties: { Principal: { 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:cert/${Cert}' }, ThingName: 'a' } },
      B: { Type: ATTACH, Properties: { Principal: { 'Fn::GetAtt': ['Cert', 'Arn'] }, ThingName: { 'Fn::If': ['IsProd', 'b', 'a'] } } },
      C: { Type: ATTACH, Properties: { Principal: certArn, ThingName: 'c' } },
      D: { Type: ATTACH, Properties: { Principal: { 'Fn::Join': ['', ['arn:aws:iot:eu-west-1:111111111111:cert/', 'ab'.repeat(32)]] }, ThingName: 'd' } },
    }, {}, IS_PROD));
    const byId = (id: string) => cfnResources(s).find((r) => s.resolve(r.logicalId) === id)!;
    expect(check(IoTCertificateSharedByThings, byId('A'))).toEqual(['SharedCertificate::Cert']);
    expect(check(IoTCertificateSharedByThings, byId('C'))).toEqual([`SharedCertificate::${'ab'.repeat(32)}`]);
  });

  test('Compliance: one attachment per certificate, the same thing twice, names known only at deploy time', () => {
    const s = newStack();
    includeTemplate(s, template({
      Cert: { Type: CERT, Properties: { Status: 'ACTIVE', CertificateSigningRequest: pem('csr-ec256') } },
      Other: { Type: CERT, Properties: { Status: 'ACTIVE', CertificateSigningRequest: pem('csr-ec256') } },
      Thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'a' } },
      A: { Type: ATTACH, Properties: { Principal: { 'Fn::GetAtt': ['Cert', 'Arn'] }, ThingName: 'a' } },
      B: { Type: ATTACH, Properties: { Principal: { 'Fn::GetAtt': ['Cert', 'Arn'] }, ThingName: { Ref: 'Thing' } } },
      C: { Type: ATTACH, Properties: { Principal: { 'Fn::GetAtt': ['Other', 'Arn'] }, ThingName: { Ref: 'Name1' } } },
      D: { Type: ATTACH, Properties: { Principal: { 'Fn::GetAtt': ['Other', 'Arn'] }, ThingName: { Ref: 'Name2' } } },
    }, { Name1: { Type: 'String' }, Name2: { Type: 'String' } }));
    for (const a of cfnResources(s).filter((r) => r.cfnResourceType === ATTACH)) expect(check(IoTCertificateSharedByThings, a)).toEqual(COMPLIANT);
  });
});
