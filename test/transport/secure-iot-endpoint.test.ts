import { App, Stack, Token, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  AssetTags, Criticality, IotApplicationProtocol, IotAuthenticationType, RiskProfile, SecureIotEndpoint, TlsSecurityPolicy,
} from '../../lib';
import { newValidatedApp, validationFindings } from '../validation';

const PEM = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE0000000000000000000000000000000\n-----END PUBLIC KEY-----\n';

function stack(app: App = new App()): Stack {
  const s = new Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
  AssetTags.apply(s, { criticality: Criticality.HIGH, owner: 'ops' });
  return s;
}

function authorizerFunction(s: Stack): lambda.IFunction {
  return lambda.Function.fromFunctionArn(s, 'Fn', 'arn:aws:lambda:eu-west-1:111122223333:function:authorize');
}

test('defaults: DATA endpoint on an AWS-managed domain, X.509 over MQTT, the INDUSTRIAL TLS policy', () => {
  const s = stack();
  const e = new SecureIotEndpoint(s, 'Endpoint');
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IoT::DomainConfiguration', {
    ServiceType: 'DATA',
    DomainConfigurationStatus: 'ENABLED',
    TlsConfig: { SecurityPolicy: 'IoTSecurityPolicy_TLS13_1_2_2022_10' },
    AuthenticationType: 'AWS_X509',
    ApplicationProtocol: 'SECURE_MQTT',
    DomainName: Match.absent(),
    AuthorizerConfig: Match.absent(),
  });
  t.resourceCountIs('AWS::IoT::Authorizer', 0);
  expect(e.tlsSecurityPolicy).toBe(TlsSecurityPolicy.TLS13_1_2_2022_10);
  expect(e.domainConfigurationName).toMatch(/^[\w.-]{1,128}$/);
});

test('CRITICAL_INFRASTRUCTURE pins TLS 1.3 only; an explicit policy wins over the profile', () => {
  const s = stack();
  new SecureIotEndpoint(s, 'Critical', { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE });
  new SecureIotEndpoint(s, 'Legacy', { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE, tlsSecurityPolicy: TlsSecurityPolicy.TLS12_1_2_2022_10 });
  const policies = Object.values(Template.fromStack(s).findResources('AWS::IoT::DomainConfiguration')).map((r) => r.Properties.TlsConfig.SecurityPolicy);
  expect(policies.sort()).toEqual(['IoTSecurityPolicy_TLS12_1_2_2022_10', 'IoTSecurityPolicy_TLS13_1_3_2022_10']);
});

test('custom domain: the ACM certificate serves it, OCSP stapling on unless turned off explicitly', () => {
  const s = stack();
  const certificate = acm.Certificate.fromCertificateArn(s, 'Cert', 'arn:aws:acm:eu-west-1:111122223333:certificate/abc');
  const e = new SecureIotEndpoint(s, 'Endpoint', { customDomain: { domainName: 'iot.example.com', certificate } });
  new SecureIotEndpoint(s, 'NoOcsp', { customDomain: { domainName: 'iot2.example.com', certificate }, disableOcspStapling: true });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IoT::DomainConfiguration', {
    DomainName: 'iot.example.com',
    ServerCertificateArns: ['arn:aws:acm:eu-west-1:111122223333:certificate/abc'],
    ServerCertificateConfig: { EnableOCSPCheck: true },
  });
  t.hasResourceProperties('AWS::IoT::DomainConfiguration', { DomainName: 'iot2.example.com', ServerCertificateConfig: { EnableOCSPCheck: false } });
  expect(e.domainName).toBe('iot.example.com');
});

test('custom authorizer: signing required, active, the default, no override; only AWS IoT of this account invokes it', () => {
  const s = stack();
  const e = new SecureIotEndpoint(s, 'Endpoint', {
    authorizer: { handler: authorizerFunction(s), tokenKeyName: 'x-token', tokenSigningPublicKeys: { key1: PEM }, authorizerName: 'DeviceAuth' },
  });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IoT::Authorizer', {
    AuthorizerName: 'DeviceAuth',
    SigningDisabled: false,
    Status: 'ACTIVE',
    TokenKeyName: 'x-token',
    TokenSigningPublicKeys: { key1: PEM },
    EnableCachingForHttp: false,
  });
  t.hasResourceProperties('AWS::IoT::DomainConfiguration', {
    AuthenticationType: 'CUSTOM_AUTH',
    AuthorizerConfig: { DefaultAuthorizerName: { Ref: Match.stringLikeRegexp('Authorizer') }, AllowAuthorizerOverride: false },
  });
  t.hasResourceProperties('AWS::Lambda::Permission', {
    Action: 'lambda:InvokeFunction',
    Principal: 'iot.amazonaws.com',
    SourceAccount: '111122223333',
    SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Authorizer'), 'Arn'] },
  });
  expect(e.authorizerName).toBe('DeviceAuth');
});

test('SigV4 defaults to MQTT over WebSocket; impossible pairings are refused', () => {
  const s = stack();
  new SecureIotEndpoint(s, 'Endpoint', { authenticationType: IotAuthenticationType.SIGV4 });
  Template.fromStack(s).hasResourceProperties('AWS::IoT::DomainConfiguration', { AuthenticationType: 'AWS_SIGV4', ApplicationProtocol: 'MQTT_WSS' });
  expect(() => new SecureIotEndpoint(stack(), 'E', { authenticationType: IotAuthenticationType.SIGV4, applicationProtocol: IotApplicationProtocol.SECURE_MQTT }))
    .toThrow(/S\/E: applicationProtocol SECURE_MQTT cannot carry authenticationType AWS_SIGV4/);
  expect(() => new SecureIotEndpoint(stack(), 'E', { applicationProtocol: IotApplicationProtocol.MQTT_WSS }))
    .toThrow(/applicationProtocol MQTT_WSS cannot carry authenticationType AWS_X509/);
});

/** AWS IoT Core's table ("Choosing an authentication type", Device communication protocols): the protocols each type works over. */
const AWS_TABLE: { [type: string]: string[] } = {
  AWS_X509: ['SECURE_MQTT', 'HTTPS'],
  CUSTOM_AUTH_X509: ['SECURE_MQTT', 'HTTPS'],
  AWS_SIGV4: ['MQTT_WSS', 'HTTPS'],
  CUSTOM_AUTH: ['SECURE_MQTT', 'MQTT_WSS', 'HTTPS'],
};

describe.each(Object.values(IotAuthenticationType))('authentication type %s', (authenticationType) => {
  test.each(Object.values(IotApplicationProtocol))('over %s: accepted exactly where AWS IoT Core supports the pairing', (applicationProtocol) => {
    const s = stack();
    const custom = authenticationType === IotAuthenticationType.CUSTOM_AUTHORIZER || authenticationType === IotAuthenticationType.CUSTOM_AUTHORIZER_X509;
    const make = () => new SecureIotEndpoint(s, 'E', {
      authenticationType,
      applicationProtocol,
      authorizer: custom ? { handler: authorizerFunction(s), tokenKeyName: 'token', tokenSigningPublicKeys: { a: PEM } } : undefined,
    });
    if (AWS_TABLE[authenticationType].includes(applicationProtocol)) {
      make();
      Template.fromStack(s).hasResourceProperties('AWS::IoT::DomainConfiguration', { AuthenticationType: authenticationType, ApplicationProtocol: applicationProtocol });
    } else {
      expect(make).toThrow(new RegExp(`S/E: applicationProtocol ${applicationProtocol} cannot carry authenticationType ${authenticationType}: `
        + `AWS IoT Core supports it over ${AWS_TABLE[authenticationType].join(' or ')} only.*connection-protocol-auth-mode`));
    }
  });
});

test('the authentication type and protocol must be literals: their pairing is checked at synth', () => {
  const make = (props: object) => () => new SecureIotEndpoint(stack(), 'E', props);
  expect(make({ applicationProtocol: Token.asString({ Ref: 'Protocol' }) }))
    .toThrow(/applicationProtocol must be a literal \(its pairing with the other is checked against AWS IoT Core's table at synth\), got a token/);
  expect(make({ authenticationType: Token.asString({ Ref: 'Auth' }) })).toThrow(/authenticationType must be a literal/);
});

test('overrides: authentication type and protocol', () => {
  const s = stack();
  new SecureIotEndpoint(s, 'Endpoint', {
    authorizer: { handler: authorizerFunction(s), tokenKeyName: 'token', tokenSigningPublicKeys: { a: PEM, b: PEM }, enableCachingForHttp: true },
    authenticationType: IotAuthenticationType.CUSTOM_AUTHORIZER_X509,
    applicationProtocol: IotApplicationProtocol.HTTPS,
  });
  Template.fromStack(s).hasResourceProperties('AWS::IoT::DomainConfiguration', { AuthenticationType: 'CUSTOM_AUTH_X509', ApplicationProtocol: 'HTTPS' });
  Template.fromStack(s).hasResourceProperties('AWS::IoT::Authorizer', { EnableCachingForHttp: true });
});

describe('rejected input', () => {
  const make = (props: object) => () => new SecureIotEndpoint(stack(), 'Endpoint', props as never);
  test('a TLS policy outside the 2022-10 set', () => {
    expect(make({ tlsSecurityPolicy: TlsSecurityPolicy.of('IoTSecurityPolicy_TLS13_1_2_2018_07') }))
      .toThrow(/S\/Endpoint: tlsSecurityPolicy must be one of IoTSecurityPolicy_TLS13_1_2_2022_10, IoTSecurityPolicy_TLS13_1_3_2022_10, IoTSecurityPolicy_TLS12_1_2_2022_10, got IoTSecurityPolicy_TLS13_1_2_2018_07/);
    expect(make({ tlsSecurityPolicy: 'IoTSecurityPolicy_TLS13_1_2_2022_10' })).toThrow(/tlsSecurityPolicy must be one of .* got "IoTSecurityPolicy_TLS13_1_2_2022_10"/);
  });
  test('custom authentication without an authorizer, and an authorizer with X.509', () => {
    expect(make({ authenticationType: IotAuthenticationType.CUSTOM_AUTHORIZER })).toThrow(/authenticationType CUSTOM_AUTH needs an authorizer/);
    const s = stack();
    expect(() => new SecureIotEndpoint(s, 'E', {
      authenticationType: IotAuthenticationType.X509,
      authorizer: { handler: authorizerFunction(s), tokenKeyName: 'token', tokenSigningPublicKeys: { a: PEM } },
    })).toThrow(/authorizer is only used with authenticationType CUSTOM_AUTH or CUSTOM_AUTH_X509, got AWS_X509/);
  });
  test('an authorizer without signing keys, with a private key, or a bad token key name', () => {
    const s = stack();
    const handler = authorizerFunction(s);
    expect(() => new SecureIotEndpoint(s, 'A', { authorizer: { handler, tokenKeyName: 'token', tokenSigningPublicKeys: {} } }))
      .toThrow(/tokenSigningPublicKeys must hold one or two PEM public keys by name \(token signing is always required\), got 0/);
    expect(() => new SecureIotEndpoint(s, 'B', { authorizer: { handler, tokenKeyName: 'token', tokenSigningPublicKeys: { k: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----' } } }))
      .toThrow(/tokenSigningPublicKeys.k must be a PEM public key/);
    expect(() => new SecureIotEndpoint(s, 'C', { authorizer: { handler, tokenKeyName: 'bad name', tokenSigningPublicKeys: { k: PEM } } }))
      .toThrow(/authorizer.tokenKeyName must be 1-128 letters, digits, '_' or '-', got "bad name"/);
  });
  test('bad names, domain, enum values and flags; all problems in one error', () => {
    expect(make({ domainConfigurationName: 'iot:Data-ATS' })).toThrow(/domainConfigurationName must be 1-128 letters/);
    expect(make({ customDomain: { domainName: 'not a domain', certificate: undefined } }))
      .toThrow(/customDomain.domainName must be a fully qualified domain name .*got "not a domain"; customDomain.certificate must be an ACM certificate/);
    expect(make({ applicationProtocol: 'MQTT' })).toThrow(/applicationProtocol must be one of SECURE_MQTT, MQTT_WSS, HTTPS, DEFAULT, got "MQTT"/);
    expect(make({ disableOcspStapling: true })).toThrow(/disableOcspStapling applies only to a customDomain/);
    expect(make({ riskProfile: 'CRITICAL' })).toThrow(/riskProfile must be a RiskProfile \(RiskProfile.CONSUMER, .*\), got "CRITICAL"/);
  });
  test('null props take the defaults instead of a TypeError', () => {
    expect(() => new SecureIotEndpoint(stack(), 'E', null as never)).not.toThrow();
  });
});

test.each(RiskProfile.PRESETS.map((p) => [p.name, p]))('no unacknowledged finding from any validator (%s, with an authorizer)', (_name, profile) => {
  const app = newValidatedApp();
  const s = stack(app);
  const endpoint = new SecureIotEndpoint(s, 'Endpoint', {
    riskProfile: profile as RiskProfile,
    authorizer: { handler: authorizerFunction(s), tokenKeyName: 'token', tokenSigningPublicKeys: { k: PEM } },
  });
  // The function is another account's, imported by ARN: its role is judged (GW13) in the stack that defines it.
  Validations.of(endpoint.authorizer!).acknowledge({
    id: 'IoTSecurity-GW13[Unresolved::AuthorizerFunctionArn]', reason: 'The authorizer function is imported from account 111122223333 by ARN; its role is reviewed where it is defined.',
  });
  new SecureIotEndpoint(s, 'Plain', { riskProfile: profile as RiskProfile });
  expect(validationFindings(app)).toEqual([]);
});
