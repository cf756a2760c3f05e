import { X509Certificate } from 'crypto';
import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties, resourcesInStack } from '../../private/cfn';
import { asEnum, isIntrinsic, isObject, possibleValues } from '../../private/cfn-values';
import { certificateSources, mayBeInUse } from '../../private/x509';
import { defineRule } from '../../rule-definition';

const CA = 'AWS::IoT::CACertificate';
const CERTIFICATE = 'AWS::IoT::Certificate';

/** The literal certificates a property can deploy as. */
function certificates(node: CfnResource, value: unknown): { certs: X509Certificate[]; unreadable: boolean } {
  const certs: X509Certificate[] = [];
  let unreadable = false;
  for (const source of certificateSources(node, value)) {
    if (source.kind === 'pem' && source.pem.kind === 'certificate') certs.push(source.pem.certificate);
    else if (source.kind !== 'invalid') unreadable = true;
  }
  return { certs, unreadable };
}

function signedBy(cert: X509Certificate, ca: X509Certificate): boolean {
  try {
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** The same intrinsic (a parameter, an import, an attribute) on both sides: the same value once deployed. */
function sameIntrinsic(a: unknown, b: unknown): boolean {
  return isObject(a) && isIntrinsic(a) && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * IoTSecurity-ID19: a device certificate signed by a CA the stack deactivates is deactivated too.
 *
 * An `AWS::IoT::Certificate` that may be in use (its `Status` is not `INACTIVE` or `REVOKED` in
 * every form) is matched with every `AWS::IoT::CACertificate` of the stack whose `Status` can be
 * `INACTIVE`: it belongs to that CA when its `CACertificatePem` is the CA's certificate, or its
 * `CertificatePem` was issued by it (issuer name and signature verified with node's crypto), or
 * both carry the same intrinsic. Finding `InactiveCa::<CA logical ID>`. Deactivating a CA in AWS
 * IoT only stops new registrations: the device certificates it signed keep connecting until each
 * is deactivated or revoked. Where the CA or the certificate is known only at deploy time and no
 * match could be made, `Unresolved::<CA logical ID>`.
 *
 * The Device Defender checks REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK and
 * INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK judge the same exposure from the
 * CA's revocation list, which a template does not hold; this rule judges the withdrawal the
 * template itself states.
 */
export const IoTInactiveCaActiveCertificates = defineRule({
  id: 'ID19',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC05'],
  attackEnterprise: ['T1078', 'T1649'],
  attackIcs: ['T0859'],
  level: NagMessageLevel.WARN,
  info: 'The device certificate stays active although the stack deactivates the CA that signed it.',
  explanation:
    'Setting a CA certificate INACTIVE stops AWS IoT registering new certificates it signed, but every device certificate already ' +
    'registered keeps authenticating. If the CA was withdrawn because it is distrusted or compromised, the devices (and any impostor ' +
    'holding a certificate it signed) are still connected; if it is being retired, the deactivation does not say which devices still depend on it.',
  fix: 'Deactivate or revoke the device certificates the CA signed (Status INACTIVE or REVOKED, or the UPDATE_DEVICE_CERTIFICATE mitigation action), after re-issuing the devices that should stay from a trusted CA; or keep the CA ACTIVE while they rotate.',
  resourceTypes: [CERTIFICATE],
}, (node: CfnResource): NagRuleResult => {
  const props = resolvedProperties(node);
  if (!mayBeInUse(node, props.Status)) return NagRuleCompliance.NOT_APPLICABLE;
  const findings: string[] = [];
  const own = certificates(node, props.CertificatePem);
  const issuer = certificates(node, props.CACertificatePem);
  for (const ca of resourcesInStack(node)) {
    if (ca.cfnResourceType !== CA) continue;
    const caProps = resolvedProperties(ca);
    const statuses = possibleValues(ca, caProps.Status).map(asEnum);
    if (!statuses.some((s) => s === 'INACTIVE')) continue;
    const caId = ca.stack.resolve(ca.logicalId) as string;
    const caCerts = certificates(ca, caProps.CACertificatePem);
    const linked = sameIntrinsic(props.CACertificatePem, caProps.CACertificatePem)
      || sameIntrinsic(props.CertificatePem, caProps.CACertificatePem)
      || caCerts.certs.some((c) => issuer.certs.some((i) => i.fingerprint256 === c.fingerprint256) || own.certs.some((o) => signedBy(o, c)));
    if (linked) findings.push(`InactiveCa::${caId}`);
    else if (caCerts.unreadable || own.unreadable || (own.certs.length === 0 && issuer.unreadable)) findings.push(`Unresolved::${caId}`);
  }
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
});
