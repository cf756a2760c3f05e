import { Names, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { RiskProfile } from '../core/risk-profile';
import { TlsSecurityPolicy } from '../core/tls-security-policy';
import { describeValue, isToken, TOKEN_DESCRIPTION } from '../core/private/describe';
import { riskProfileOf } from '../core/private/risk-profile-of';

/** How devices authenticate to a domain configuration (its `AuthenticationType`). */
export enum IotAuthenticationType {
  /** Mutual TLS with an X.509 device certificate. */
  X509 = 'AWS_X509',
  /** A custom authorizer: a signed token checked by a Lambda function. */
  CUSTOM_AUTHORIZER = 'CUSTOM_AUTH',
  /** A custom authorizer that also receives the device's X.509 client certificate. */
  CUSTOM_AUTHORIZER_X509 = 'CUSTOM_AUTH_X509',
  /** AWS Signature Version 4 (IAM or Cognito credentials, MQTT over WebSocket or HTTPS). */
  SIGV4 = 'AWS_SIGV4',
}

/** The protocol a domain configuration accepts (its `ApplicationProtocol`). */
export enum IotApplicationProtocol {
  /** MQTT over TLS (port 8883, or 443 with ALPN). */
  SECURE_MQTT = 'SECURE_MQTT',
  /** MQTT over WebSocket Secure. */
  MQTT_WSS = 'MQTT_WSS',
  /** HTTPS. */
  HTTPS = 'HTTPS',
  /**
   * Port and ALPN choose the protocol. AWS IoT Core takes it only with the DEFAULT authentication
   * type (port and ALPN choose the authentication too), which `SecureIotEndpoint` does not offer:
   * an endpoint of this construct names its protocol.
   */
  DEFAULT = 'DEFAULT',
}

/**
 * The application protocols each authentication type works over, as AWS IoT Core documents them
 * ("Choosing an authentication type for your device communication", in Device communication
 * protocols: https://docs.aws.amazon.com/iot/latest/developerguide/protocols.html#connection-protocol-auth-mode).
 * X.509 client certificates need TLS client authentication, which MQTT over WebSocket does not
 * carry; a SigV4 signature rides on an HTTP request (the WebSocket upgrade or the HTTPS publish),
 * which plain MQTT over TLS has not; a custom authorizer takes its token from either. DEFAULT goes
 * only with the DEFAULT authentication type.
 */
const PROTOCOLS_BY_AUTHENTICATION: { readonly [type: string]: readonly IotApplicationProtocol[] } = {
  [IotAuthenticationType.X509]: [IotApplicationProtocol.SECURE_MQTT, IotApplicationProtocol.HTTPS],
  [IotAuthenticationType.CUSTOM_AUTHORIZER_X509]: [IotApplicationProtocol.SECURE_MQTT, IotApplicationProtocol.HTTPS],
  [IotAuthenticationType.SIGV4]: [IotApplicationProtocol.MQTT_WSS, IotApplicationProtocol.HTTPS],
  [IotAuthenticationType.CUSTOM_AUTHORIZER]: [IotApplicationProtocol.SECURE_MQTT, IotApplicationProtocol.MQTT_WSS, IotApplicationProtocol.HTTPS],
};

/** A custom domain for the endpoint, served with a certificate from ACM. */
export interface IotCustomDomain {
  /** The fully qualified domain name devices connect to, e.g. `iot.example.com`. */
  readonly domainName: string;
  /** The server certificate for `domainName`, issued or imported in ACM in the stack's region. */
  readonly certificate: acm.ICertificate;
  /**
   * A publicly trusted certificate that proves ownership of `domainName`, needed only when
   * `certificate` is not issued by a public CA (e.g. a private CA or a self-signed import).
   * @default - none: `certificate` proves ownership itself
   */
  readonly validationCertificate?: acm.ICertificate;
}

/** A custom authorizer for the endpoint. AWS IoT verifies each token's signature before calling it. */
export interface IotCustomAuthorizer {
  /** The Lambda function that decides; AWS IoT of this account is allowed to invoke it. */
  readonly handler: lambda.IFunction;
  /** The name of the header or query parameter that carries the token (1-128 letters, digits, '_' or '-'). */
  readonly tokenKeyName: string;
  /**
   * The public keys, PEM-encoded, that verify token signatures, by key name (one or two: a
   * second one lets you rotate).
   */
  readonly tokenSigningPublicKeys: { [keyName: string]: string };
  /**
   * The authorizer's name (1-128 letters, digits, '_', '=', ',', '@' or '-').
   * @default - a name derived from the construct path
   */
  readonly authorizerName?: string;
  /**
   * Cache the authorizer's answer for HTTP requests (for its `refreshAfterInSeconds`).
   * @default false
   */
  readonly enableCachingForHttp?: boolean;
}

/** Props of `SecureIotEndpoint`. */
export interface SecureIotEndpointProps {
  /**
   * The profile the defaults come from (the TLS policy).
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * The TLS security policy: one of the 2022-10 policies (`TlsSecurityPolicy.MODERN`).
   * @default - the profile's `deviceTlsPolicy`
   */
  readonly tlsSecurityPolicy?: TlsSecurityPolicy;
  /**
   * The domain configuration's name (1-128 letters, digits, '.', '_' or '-'; not `iot:`...).
   * @default - a name derived from the construct path
   */
  readonly domainConfigurationName?: string;
  /**
   * A custom domain with its ACM certificate.
   * @default - an AWS-managed domain
   */
  readonly customDomain?: IotCustomDomain;
  /**
   * A custom authorizer, the endpoint's default. Token signing is always required and clients
   * cannot name another authorizer.
   * @default - no custom authorizer
   */
  readonly authorizer?: IotCustomAuthorizer;
  /**
   * How devices authenticate.
   * @default - IotAuthenticationType.CUSTOM_AUTHORIZER with an authorizer, IotAuthenticationType.X509 without
   */
  readonly authenticationType?: IotAuthenticationType;
  /**
   * The protocol accepted: one AWS IoT Core supports with `authenticationType` (X.509, with or
   * without a custom authorizer: SECURE_MQTT or HTTPS; SigV4: MQTT_WSS or HTTPS; custom authorizer:
   * SECURE_MQTT, MQTT_WSS or HTTPS). Other pairings are refused.
   * @default - IotApplicationProtocol.MQTT_WSS for SigV4, IotApplicationProtocol.SECURE_MQTT otherwise
   */
  readonly applicationProtocol?: IotApplicationProtocol;
  /**
   * Turns off OCSP stapling for a custom domain's server certificate (the endpoint then does
   * not hand devices the certificate's revocation status). Only with `customDomain`.
   * @default false: a custom domain staples OCSP responses
   */
  readonly disableOcspStapling?: boolean;
}

const CONFIGURATION_NAME = /^[\w.-]{1,128}$/;
const AUTHORIZER_NAME = /^[\w=,@-]{1,128}$/;
const TOKEN_KEY_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const KEY_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const PEM_PUBLIC_KEY = /^-----BEGIN PUBLIC KEY-----\s[A-Za-z0-9+/=\s]+-----END PUBLIC KEY-----\s*$/;
const DOMAIN_NAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/**
 * A device endpoint of AWS IoT Core (practice 6: encryption in transit): an
 * `AWS::IoT::DomainConfiguration` of the DATA service pinned to a 2022-10 TLS policy from the
 * risk profile, on an AWS-managed or custom domain, optionally fronted by a custom authorizer
 * whose tokens AWS IoT verifies before the Lambda function sees them and which clients cannot
 * swap for another.
 *
 * The L1 is used because `@aws-cdk/aws-iot-alpha` has no domain configuration construct.
 */
export class SecureIotEndpoint extends Construct {
  /** The domain configuration. */
  public readonly domainConfiguration: iot.CfnDomainConfiguration;
  /** The domain configuration's name. */
  public readonly domainConfigurationName: string;
  /** The domain configuration's ARN. */
  public readonly domainConfigurationArn: string;
  /** The TLS security policy the endpoint runs. */
  public readonly tlsSecurityPolicy: TlsSecurityPolicy;
  /** The custom domain devices connect to, if one was given. */
  public readonly domainName?: string;
  /** The custom authorizer, if one was given. */
  public readonly authorizer?: iot.CfnAuthorizer;
  /** The custom authorizer's name, if one was given. */
  public readonly authorizerName?: string;

  constructor(scope: Construct, id: string, props: SecureIotEndpointProps = {}) {
    super(scope, id);
    props = props ?? {};
    const profile = riskProfileOf(this, props.riskProfile);
    this.tlsSecurityPolicy = props.tlsSecurityPolicy ?? profile.deviceTlsPolicy;
    const authenticationType = props.authenticationType
      ?? (props.authorizer ? IotAuthenticationType.CUSTOM_AUTHORIZER : IotAuthenticationType.X509);
    const applicationProtocol = props.applicationProtocol
      ?? (authenticationType === IotAuthenticationType.SIGV4 ? IotApplicationProtocol.MQTT_WSS : IotApplicationProtocol.SECURE_MQTT);
    this.validate(props, authenticationType, applicationProtocol);

    const stack = Stack.of(this);
    this.domainConfigurationName = props.domainConfigurationName
      ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    const domain = props.customDomain;
    this.domainName = domain?.domainName;

    if (props.authorizer) {
      const a = props.authorizer;
      this.authorizerName = a.authorizerName ?? Names.uniqueResourceName(this, { maxLength: 123, separator: '-' }) + '-Auth';
      this.authorizer = new iot.CfnAuthorizer(this, 'Authorizer', {
        authorizerName: this.authorizerName,
        authorizerFunctionArn: a.handler.functionArn,
        signingDisabled: false,
        status: 'ACTIVE',
        tokenKeyName: a.tokenKeyName,
        tokenSigningPublicKeys: a.tokenSigningPublicKeys,
        enableCachingForHttp: a.enableCachingForHttp ?? false,
      });
      // In this construct's scope (not the function's), so a function of another stack makes no cycle.
      new lambda.CfnPermission(this, 'AuthorizerInvokePermission', {
        action: 'lambda:InvokeFunction',
        functionName: a.handler.functionArn,
        principal: 'iot.amazonaws.com',
        sourceArn: this.authorizer.attrArn,
        sourceAccount: stack.account,
      });
    }

    this.domainConfiguration = new iot.CfnDomainConfiguration(this, 'Resource', {
      domainConfigurationName: this.domainConfigurationName,
      domainConfigurationStatus: 'ENABLED',
      serviceType: 'DATA',
      domainName: domain?.domainName,
      serverCertificateArns: domain ? [domain.certificate.certificateArn] : undefined,
      validationCertificateArn: domain?.validationCertificate?.certificateArn,
      serverCertificateConfig: domain ? { enableOcspCheck: !props.disableOcspStapling } : undefined,
      tlsConfig: { securityPolicy: this.tlsSecurityPolicy.policyName },
      authenticationType,
      applicationProtocol,
      authorizerConfig: this.authorizer ? {
        defaultAuthorizerName: this.authorizer.ref,
        allowAuthorizerOverride: false,
      } : undefined,
    });
    this.domainConfigurationArn = this.domainConfiguration.attrArn;
  }

  private validate(props: SecureIotEndpointProps, authenticationType: unknown, applicationProtocol: unknown): void {
    const problems: string[] = [];
    const policy = this.tlsSecurityPolicy as unknown;
    if (!(policy instanceof TlsSecurityPolicy) || !policy.isModern) {
      const shown = policy instanceof TlsSecurityPolicy ? policy.policyName : JSON.stringify(policy);
      problems.push(`tlsSecurityPolicy must be one of ${TlsSecurityPolicy.MODERN.join(', ')}, got ${shown}`);
    }
    const name = props.domainConfigurationName;
    if (name !== undefined && !Token.isUnresolved(name)
      && (typeof name !== 'string' || !CONFIGURATION_NAME.test(name) || name.toLowerCase().startsWith('iot:'))) {
      problems.push(`domainConfigurationName must be 1-128 letters, digits, '.', '_' or '-', got ${describeValue(name)}`);
    }
    // Both are checked at synth against AWS's table: a token has no value to check.
    const known = (prop: string, v: unknown, allowed: readonly string[]): boolean => {
      if (isToken(v)) {
        problems.push(`${prop} must be a literal (its pairing with the other is checked against AWS IoT Core's table at synth), got ${TOKEN_DESCRIPTION}`);
        return false;
      }
      if (!allowed.includes(v as string)) {
        problems.push(`${prop} must be one of ${allowed.join(', ')}, got ${describeValue(v)}`);
        return false;
      }
      return true;
    };
    const authKnown = known('authenticationType', authenticationType, Object.values(IotAuthenticationType));
    const protocolKnown = known('applicationProtocol', applicationProtocol, Object.values(IotApplicationProtocol));
    const supported = authKnown ? PROTOCOLS_BY_AUTHENTICATION[authenticationType as string] : undefined;
    if (supported && protocolKnown && !supported.includes(applicationProtocol as IotApplicationProtocol)) {
      problems.push(`applicationProtocol ${applicationProtocol} cannot carry authenticationType ${authenticationType}: AWS IoT Core supports it over ${supported.join(' or ')} only`
        + (applicationProtocol === IotApplicationProtocol.DEFAULT ? ' (DEFAULT goes only with the DEFAULT authentication type, which port and ALPN choose)' : '')
        + ' (Device communication protocols, "Choosing an authentication type": https://docs.aws.amazon.com/iot/latest/developerguide/protocols.html#connection-protocol-auth-mode)');
    }
    const custom = authenticationType === IotAuthenticationType.CUSTOM_AUTHORIZER || authenticationType === IotAuthenticationType.CUSTOM_AUTHORIZER_X509;
    if (custom && !props.authorizer) {
      problems.push(`authenticationType ${authenticationType} needs an authorizer`);
    }
    if (props.authorizer && !custom && authenticationType !== undefined) {
      problems.push(`authorizer is only used with authenticationType CUSTOM_AUTH or CUSTOM_AUTH_X509, got ${authenticationType}`);
    }
    if (props.disableOcspStapling !== undefined && typeof props.disableOcspStapling !== 'boolean') {
      problems.push(`disableOcspStapling must be true or false, got ${describeValue(props.disableOcspStapling)}`);
    } else if (props.disableOcspStapling && !props.customDomain) {
      problems.push('disableOcspStapling applies only to a customDomain (AWS-managed domains have their own certificates)');
    }
    if (props.customDomain !== undefined) {
      const d = props.customDomain;
      if (!d || typeof d !== 'object') {
        problems.push(`customDomain must be { domainName, certificate }, got ${describeValue(d)}`);
      } else {
        if (typeof d.domainName !== 'string' || (!Token.isUnresolved(d.domainName) && !DOMAIN_NAME.test(d.domainName))) {
          problems.push(`customDomain.domainName must be a fully qualified domain name such as 'iot.example.com', got ${describeValue(d.domainName)}`);
        }
        if (!d.certificate || typeof d.certificate.certificateArn !== 'string') {
          problems.push('customDomain.certificate must be an ACM certificate (acm.ICertificate)');
        }
      }
    }
    if (props.authorizer !== undefined) this.validateAuthorizer(props.authorizer, problems);
    if (problems.length > 0) throw new Error(`${this.node.path}: ${problems.join('; ')}`);
  }

  private validateAuthorizer(a: IotCustomAuthorizer, problems: string[]): void {
    if (!a || typeof a !== 'object') {
      problems.push(`authorizer must be { handler, tokenKeyName, tokenSigningPublicKeys }, got ${describeValue(a)}`);
      return;
    }
    if (!a.handler || typeof a.handler.functionArn !== 'string') {
      problems.push('authorizer.handler must be a Lambda function (lambda.IFunction)');
    }
    if (typeof a.tokenKeyName !== 'string' || (!Token.isUnresolved(a.tokenKeyName) && !TOKEN_KEY_NAME.test(a.tokenKeyName))) {
      problems.push(`authorizer.tokenKeyName must be 1-128 letters, digits, '_' or '-', got ${describeValue(a.tokenKeyName)}`);
    }
    if (a.authorizerName !== undefined && (typeof a.authorizerName !== 'string'
      || (!Token.isUnresolved(a.authorizerName) && !AUTHORIZER_NAME.test(a.authorizerName)))) {
      problems.push(`authorizer.authorizerName must be 1-128 letters, digits, '_', '=', ',', '@' or '-', got ${describeValue(a.authorizerName)}`);
    }
    if (a.enableCachingForHttp !== undefined && typeof a.enableCachingForHttp !== 'boolean') {
      problems.push(`authorizer.enableCachingForHttp must be true or false, got ${describeValue(a.enableCachingForHttp)}`);
    }
    const keys = a.tokenSigningPublicKeys;
    const entries = keys && typeof keys === 'object' ? Object.entries(keys) : [];
    if (entries.length < 1 || entries.length > 2) {
      problems.push(`authorizer.tokenSigningPublicKeys must hold one or two PEM public keys by name (token signing is always required), got ${entries.length}`);
    }
    for (const [keyName, pem] of entries) {
      if (!KEY_NAME.test(keyName)) {
        problems.push(`authorizer.tokenSigningPublicKeys: key name must be 1-128 letters, digits, '_' or '-', got ${describeValue(keyName)}`);
      }
      if (typeof pem !== 'string' || (!Token.isUnresolved(pem) && !PEM_PUBLIC_KEY.test(pem))) {
        problems.push(`authorizer.tokenSigningPublicKeys.${keyName} must be a PEM public key ('-----BEGIN PUBLIC KEY-----'...), got ${typeof pem === 'string' ? `${pem.slice(0, 30)}...` : JSON.stringify(pem)}`);
      }
    }
  }
}
