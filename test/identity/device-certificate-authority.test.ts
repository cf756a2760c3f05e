import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import { DeviceCaCertificate, DeviceCertificateAuthority, DevicePolicy, RiskProfile } from '../../lib';
import { analyzePolicyDocument } from '../../lib/checks/private/iot-policy-analyzer';
import { newValidatedApp, validationFindings } from '../validation';

const pem = (name: string) => fs.readFileSync(path.join(__dirname, 'fixtures', `${name}.pem`), 'utf8');

function build(caCertificate: DeviceCaCertificate, extra: object = {}, s = new Stack(new App(), 'S')) {
  const ca = new DeviceCertificateAuthority(s, 'CA', { caCertificate, devicePolicy: new DevicePolicy(s, 'P'), ...extra });
  return { s, ca, t: Template.fromStack(s) };
}

test('defaults: SNI_ONLY, active, auto-registration only with a JITP template and its role', () => {
  const { t, ca } = build(DeviceCaCertificate.fromPem(pem('ca-rsa2048')), { thingNamePrefix: 'dev-' });
  const [res] = Object.values(t.findResources('AWS::IoT::CACertificate'));
  expect(res.Properties).toMatchObject({ CertificateMode: 'SNI_ONLY', Status: 'ACTIVE', AutoRegistrationStatus: 'ENABLE', RegistrationConfig: { RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/ProvisioningRole/), 'Arn'] } } });
  expect(res.Properties.VerificationCertificatePem).toBeUndefined();
  const body = res.Properties.RegistrationConfig.TemplateBody;
  const text = typeof body === 'string' ? body : (body['Fn::Join'][1] as unknown[]).map((x) => (typeof x === 'string' ? x : 'TOKEN')).join('');
  const template = JSON.parse(text);
  expect(template.Resources.thing.Properties.ThingName).toEqual({ 'Fn::Join': ['', ['dev-', { Ref: 'AWS::IoT::Certificate::CommonName' }]] });
  expect(template.Resources.certificate.Properties.Status).toBe('ACTIVE');
  expect(template.Resources.policy.Properties).toEqual({ PolicyName: 'TOKEN' });
  expect(ca.subject).toBe('CN=Test Device CA');
  expect(ca.validTo!.getTime()).toBeGreaterThan(Date.now());
  t.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'iot.amazonaws.com' } })] }) });
});

test('an EC P-256 CA is accepted; JITP off disables auto-registration and makes no role', () => {
  const { t } = build(DeviceCaCertificate.fromPem(pem('ca-ec256')), { justInTimeProvisioning: false });
  t.hasResourceProperties('AWS::IoT::CACertificate', { AutoRegistrationStatus: 'DISABLE', RegistrationConfig: Match.absent() });
  t.resourceCountIs('AWS::IAM::Role', 0);
});

test('from AWS Private CA: the CA certificate\'s PEM at deploy time, an info that it is not checked at synth', () => {
  const s = new Stack(new App(), 'S');
  const cert = new acmpca.CfnCertificate(s, 'Root', {
    certificateAuthorityArn: 'arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/abc', certificateSigningRequest: 'csr',
    signingAlgorithm: 'SHA256WITHRSA', validity: { type: 'YEARS', value: 10 }, templateArn: 'arn:aws:acm-pca:::template/RootCACertificate/V1',
  });
  const { t } = build(DeviceCaCertificate.fromPrivateCa(cert), {}, s);
  const [res] = Object.values(t.findResources('AWS::IoT::CACertificate'));
  expect(res.Properties.CACertificatePem).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Root/), 'Certificate'] });
  expect(res.DependsOn).toEqual([expect.stringMatching(/Root/)]);
  Annotations.fromStack(s).hasInfo('/S/CA', Match.stringLikeRegexp('known only at deploy time'));
});

test('a certificate expiring within expiryWarning is a warning', () => {
  const { s } = build(DeviceCaCertificate.fromPem(pem('ca-rsa2048')), { expiryWarning: Duration.days(365 * 30) });
  Annotations.fromStack(s).hasWarning('/S/CA', Match.stringLikeRegexp('expires on .*register its successor'));
});

describe('bad CA certificates are rejected at synth', () => {
  test.each([
    ['ca-rsa1024', /has a 1024-bit RSA key; at least 2048 bits are required/],
    ['leaf', /\(CN=Not a CA\) is not a CA certificate/],
    ['ca-expired', /\(CN=Expired CA\) expired on 2021-01-01T00:00:00.000Z/],
  ])('%s', (name, message) => {
    expect(() => build(DeviceCaCertificate.fromPem(pem(name)))).toThrow(message);
  });
  test('not a certificate, a wrong source, a missing policy: one Error naming the construct', () => {
    expect(() => build(DeviceCaCertificate.fromPem('-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----'))).toThrow(/S\/CA: DeviceCertificateAuthority: caCertificate is not a PEM X.509 certificate/);
    expect(() => new DeviceCertificateAuthority(new Stack(new App(), 'S'), 'CA', undefined as never))
      .toThrow(/S\/CA: DeviceCertificateAuthority: caCertificate must be made with DeviceCaCertificate.fromPem\(\) or fromPrivateCa\(\), got undefined; devicePolicy must be a DevicePolicy, got undefined/);
    expect(() => build(DeviceCaCertificate.fromPem(pem('ca-rsa2048')), { thingNamePrefix: 'a b' })).toThrow(/thingNamePrefix must be 0-64 letters/);
  });
});

test('the JITP template\'s policy and the device policy pass the rule pack\'s analyzer', () => {
  const { t } = build(DeviceCaCertificate.fromPem(pem('ca-rsa2048')));
  for (const policy of Object.values(t.findResources('AWS::IoT::Policy'))) {
    expect(analyzePolicyDocument(policy.Properties.PolicyDocument).unscopedDataPlane).toEqual([]);
  }
});

const PROFILES: [string, RiskProfile | undefined][] = [['default', undefined], ...RiskProfile.PRESETS.map((p): [string, RiskProfile] => [p.name, p])];

test.each(PROFILES)('no finding from the three validators (%s)', (_name, riskProfile) => {
  const app = newValidatedApp();
  const s = new Stack(app, 'S');
  new DeviceCertificateAuthority(s, 'CA', { caCertificate: DeviceCaCertificate.fromPem(pem('ca-rsa2048')), devicePolicy: new DevicePolicy(s, 'P'), riskProfile });
  expect(validationFindings(app)).toEqual([]);
});
