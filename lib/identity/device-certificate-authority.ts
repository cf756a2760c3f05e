import { X509Certificate } from 'crypto';
import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as iot from 'aws-cdk-lib/aws-iot';
import { Construct } from 'constructs';
import { AssetTagsProps, DataClass } from '../core/asset-tags';
import { RiskProfile } from '../core/risk-profile';
import { DevicePolicy } from './device-policy';
import { applyAssetTags } from '../core/private/default-tags';
import { provisioningRole, templateThing } from './private/provisioning-role';
import { describeValue } from '../core/private/describe';
import { riskProfileOf, riskProfileProblems } from '../core/private/risk-profile-of';

/** Where the CA certificate comes from. */
export class DeviceCaCertificate {
  /**
   * A CA certificate you hold, as PEM. A literal PEM is checked at synth: it must parse, be a CA
   * (basic constraints), be valid now, and have an RSA key of 2048 bits or more or an EC key on
   * P-256, P-384 or P-521.
   */
  public static fromPem(pem: string): DeviceCaCertificate {
    return new DeviceCaCertificate(pem, undefined);
  }

  /**
   * The CA certificate of an AWS Private CA made in this app: the `AWS::ACMPCA::Certificate` that
   * signs the CA itself (its PEM is known only at deploy time, so it is not checked at synth).
   */
  public static fromPrivateCa(caCertificate: acmpca.CfnCertificate): DeviceCaCertificate {
    return new DeviceCaCertificate(caCertificate.attrCertificate, caCertificate);
  }

  private constructor(
    /** The PEM, a literal or a token. */
    public readonly pem: string,
    /** The Private CA certificate, when it comes from one. */
    public readonly privateCaCertificate: acmpca.CfnCertificate | undefined,
  ) {}
}

/** Props of `DeviceCertificateAuthority`. */
export interface DeviceCertificateAuthorityProps {
  /** The CA certificate. */
  readonly caCertificate: DeviceCaCertificate;
  /** The policy every device registered through the CA gets. */
  readonly devicePolicy: DevicePolicy;
  /**
   * Register devices just in time: the first connection of a certificate the CA signed makes the
   * thing `<thingNamePrefix><certificate common name>`, with the device policy. When off, device
   * certificates must be registered by other means. Auto-registration always has a template.
   * @default true
   */
  readonly justInTimeProvisioning?: boolean;
  /**
   * The prefix of each thing's name.
   * @default ''
   */
  readonly thingNamePrefix?: string;
  /**
   * The thing type of registered things.
   * @default - none
   */
  readonly thingType?: iot.CfnThingType;
  /**
   * Static thing groups registered things join.
   * @default - none
   */
  readonly thingGroups?: iot.CfnThingGroup[];
  /**
   * A CA certificate that expires sooner than this is a synth warning.
   * @default Duration.days(365)
   */
  readonly expiryWarning?: Duration;
  /**
   * The risk profile, which sets the default criticality tag.
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * The practice 2 tags of the CA certificate.
   * @default - criticality from the risk profile, owner `unassigned`, data class confidential, each replaced by an `AssetTags.apply` above
   */
  readonly assetTags?: AssetTagsProps;
}

const MIN_RSA_BITS = 2048;
const EC_CURVES = ['prime256v1', 'secp384r1', 'secp521r1'];
const THING_PREFIX = /^[a-zA-Z0-9:_-]{0,64}$/;

/**
 * Your own device CA, registered with AWS IoT in SNI_ONLY mode (no verification certificate, so
 * the same CA can be registered in several accounts and regions), with just-in-time provisioning:
 * auto-registration is only ever on together with a template. The CA comes from AWS Private CA or
 * a PEM; a literal PEM's validity and key quality are checked at synth.
 */
export class DeviceCertificateAuthority extends Construct {
  /** The registered CA certificate. */
  public readonly caCertificate: iot.CfnCACertificate;
  /** The certificate's subject, when the PEM was known at synth. */
  public readonly subject?: string;
  /** When the certificate expires, when the PEM was known at synth. */
  public readonly validTo?: Date;

  constructor(scope: Construct, id: string, props: DeviceCertificateAuthorityProps) {
    super(scope, id);
    const p = (props ?? {}) as DeviceCertificateAuthorityProps;
    const problems: string[] = riskProfileProblems(p.riskProfile);
    if (!(p.caCertificate instanceof DeviceCaCertificate)) problems.push(`caCertificate must be made with DeviceCaCertificate.fromPem() or fromPrivateCa(), got ${describeValue(p.caCertificate)}`);
    if (!(p.devicePolicy instanceof DevicePolicy)) problems.push(`devicePolicy must be a DevicePolicy, got ${describeValue(p.devicePolicy)}`);
    const prefix = p.thingNamePrefix ?? '';
    if (typeof prefix !== 'string' || !THING_PREFIX.test(prefix)) problems.push(`thingNamePrefix must be 0-64 letters, digits, ':', '_' or '-', got ${describeValue(prefix)}`);
    if (p.justInTimeProvisioning !== undefined && typeof p.justInTimeProvisioning !== 'boolean') problems.push(`justInTimeProvisioning must be true or false, got ${describeValue(p.justInTimeProvisioning)}`);
    let cert: X509Certificate | undefined;
    const pem = p.caCertificate instanceof DeviceCaCertificate ? p.caCertificate.pem : undefined;
    if (typeof pem === 'string' && !Token.isUnresolved(pem)) {
      try {
        cert = new X509Certificate(pem);
      } catch (e) {
        problems.push(`caCertificate is not a PEM X.509 certificate (${(e as Error).message})`);
      }
    }
    if (cert) problems.push(...DeviceCertificateAuthority.certificateProblems(cert));
    if (problems.length > 0) throw new Error(`${this.node.path}: DeviceCertificateAuthority: ${problems.join('; ')}`);

    const warnAfter = (p.expiryWarning ?? Duration.days(365)).toMilliseconds();
    if (cert) {
      this.subject = cert.subject;
      this.validTo = new Date(cert.validTo);
      if (this.validTo.getTime() - Date.now() < warnAfter) {
        Annotations.of(this).addWarningV2('cdk-secure-iot:caExpiresSoon', `The device CA certificate (${cert.subject.replace(/\n/g, ', ')}) expires on ${this.validTo.toISOString()}: register its successor before then.`);
      }
    } else {
      Annotations.of(this).addInfo('The CA certificate is known only at deploy time: its validity and key are not checked at synth.');
    }

    const jitp = p.justInTimeProvisioning ?? true;
    let registrationConfig: iot.CfnCACertificate.RegistrationConfigProperty | undefined;
    if (jitp) {
      const role = provisioningRole(this, 'ProvisioningRole', {
        purpose: `the just-in-time provisioning of ${this.node.path}`, thingNamePrefix: prefix, devicePolicy: p.devicePolicy, thingType: p.thingType, thingGroups: p.thingGroups,
      });
      const body = {
        Parameters: {
          'AWS::IoT::Certificate::CommonName': { Type: 'String' },
          'AWS::IoT::Certificate::SerialNumber': { Type: 'String' },
          'AWS::IoT::Certificate::Id': { Type: 'String' },
        },
        Resources: {
          thing: templateThing(prefix, 'AWS::IoT::Certificate::CommonName', { certificateSerialNumber: { Ref: 'AWS::IoT::Certificate::SerialNumber' } }, p.thingType, p.thingGroups),
          certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
          policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: p.devicePolicy.policyName } },
        },
      };
      registrationConfig = { templateBody: Stack.of(this).toJsonString(body), roleArn: role.roleArn };
    }
    this.caCertificate = new iot.CfnCACertificate(this, 'Resource', {
      caCertificatePem: pem!,
      certificateMode: 'SNI_ONLY',
      status: 'ACTIVE',
      // Auto-registration only ever with its template.
      autoRegistrationStatus: jitp ? 'ENABLE' : 'DISABLE',
      registrationConfig,
    });
    if (p.caCertificate.privateCaCertificate) this.caCertificate.node.addDependency(p.caCertificate.privateCaCertificate);
    applyAssetTags(this, riskProfileOf(this, p.riskProfile), p.assetTags, DataClass.CONFIDENTIAL);
  }

  /** The certificate's ID. */
  public get certificateId(): string {
    return this.caCertificate.attrId;
  }

  private static certificateProblems(cert: X509Certificate): string[] {
    const problems: string[] = [];
    const subject = cert.subject.replace(/\n/g, ', ');
    if (!cert.ca) problems.push(`caCertificate (${subject}) is not a CA certificate (basic constraints CA:TRUE is missing)`);
    const now = Date.now();
    if (new Date(cert.validTo).getTime() <= now) problems.push(`caCertificate (${subject}) expired on ${new Date(cert.validTo).toISOString()}`);
    if (new Date(cert.validFrom).getTime() > now) problems.push(`caCertificate (${subject}) is not valid before ${new Date(cert.validFrom).toISOString()}`);
    const key = cert.publicKey;
    const details = key.asymmetricKeyDetails ?? {};
    if (key.asymmetricKeyType === 'rsa') {
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) problems.push(`caCertificate (${subject}) has a ${details.modulusLength}-bit RSA key; at least ${MIN_RSA_BITS} bits are required`);
    } else if (key.asymmetricKeyType === 'ec') {
      if (!EC_CURVES.includes(details.namedCurve ?? '')) problems.push(`caCertificate (${subject}) uses the EC curve ${details.namedCurve}; allowed are P-256, P-384 and P-521`);
    } else {
      problems.push(`caCertificate (${subject}) has a ${key.asymmetricKeyType} key; AWS IoT takes RSA (2048 bits or more) or EC (P-256, P-384, P-521) CA keys`);
    }
    return problems;
  }
}
