import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { keyQualityFindings, mayBeInUse } from '../../private/x509';
import { defineRule } from '../../rule-definition';

const CA = 'AWS::IoT::CACertificate';
const CERTIFICATE = 'AWS::IoT::Certificate';

/**
 * IoTSecurity-ID16: a CA certificate AWS IoT trusts has a strong key.
 *
 * Reads `CACertificatePem` of an `AWS::IoT::CACertificate` and of an `AWS::IoT::Certificate`
 * (the CA that signed a device certificate registered in DEFAULT mode), with the key findings of
 * IoTSecurity-ID15: `RsaKeyBits::<n>`, `DsaKeyBits::<n>`, `Curve::<name>`, `Roca::CVE-2017-15361`,
 * `Invalid::CACertificatePem`, `Unresolved::CACertificatePem`. The CA's own signature is not judged:
 * AWS IoT trusts the registered CA certificate as it is, so a self-signed root's SHA-1
 * self-signature gives no one a forgery; the signatures that matter are the ones the CA makes on
 * device certificates (ID15). A CA whose `Status` is `INACTIVE` in every form is not applicable.
 */
export const IoTCaCertificateKeyQuality = defineRule({
  id: 'ID16',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC05'],
  attackEnterprise: ['T1649', 'T1078'],
  attackIcs: ['T0859', 'T0849'],
  auditCheck: 'CA_CERTIFICATE_KEY_QUALITY_CHECK',
  level: NagMessageLevel.ERROR,
  info: 'A CA certificate AWS IoT trusts has a weak key (RSA or DSA under 2048 bits, an EC curve under 256 bits, a ROCA key).',
  explanation:
    'AWS IoT accepts every device certificate the registered CA signed. Whoever recovers a weak CA key signs certificates for any ' +
    'device name they like and connects as the whole fleet; unlike a device key, it cannot be contained by revoking one certificate.',
  fix: 'Create a new CA key pair (RSA 2048 bits or more, or EC P-256/P-384/P-521) on patched hardware or in AWS Private CA, register its certificate, re-issue the device certificates from it and deactivate the weak CA.',
  resourceTypes: [CA, CERTIFICATE],
}, (node: CfnResource): NagRuleResult => {
  if (!mayBeInUse(node, resolvedProperties(node).Status)) return NagRuleCompliance.NOT_APPLICABLE;
  const findings = keyQualityFindings(node, 'CACertificatePem', 'certificate', false);
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
});
