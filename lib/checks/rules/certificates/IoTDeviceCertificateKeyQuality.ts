import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { keyQualityFindings, mayBeInUse } from '../../private/x509';
import { defineRule } from '../../rule-definition';

const TYPE = 'AWS::IoT::Certificate';

/**
 * IoTSecurity-ID15: a device certificate registered by the template has a strong key and signature.
 *
 * `CertificatePem` is parsed offline (node's `crypto.X509Certificate`), and so is the key of a
 * `CertificateSigningRequest` (AWS IoT issues the certificate for the CSR's key). Findings:
 * - `RsaKeyBits::<n>` / `DsaKeyBits::<n>`: a key under 2048 bits;
 * - `Curve::<name>`: an EC key on a curve under 256 bits (AWS IoT takes P-256, P-384, P-521);
 * - `Roca::CVE-2017-15361`: an RSA key with the fingerprint of the Infineon library (ROCA), one of
 *   the two flaws Device Defender's DEVICE_CERTIFICATE_KEY_QUALITY_CHECK tests for;
 * - `Signature::<algorithm>`: the certificate is signed with MD2, MD4, MD5 or SHA-1 (including
 *   RSASSA-PSS over SHA-1), whose collisions let whoever obtains a signature forge another certificate;
 * - `Invalid::<property>` for a literal that is no PEM certificate (CSR), `Unresolved::<property>`
 *   for one known only at deploy time (a parameter, an import, a custom resource).
 * A certificate issued by an AWS Private CA certificate of the stack (`Fn::GetAtt X.Certificate`)
 * is judged by the key of its CSR. A certificate whose `Status` is `INACTIVE` or `REVOKED` in every
 * form it can deploy in authenticates no one and is not applicable. The other test of the audit
 * check, keys made by Debian's broken OpenSSL (CVE-2008-0166), needs the published blocklist of
 * those keys and is not made.
 */
export const IoTDeviceCertificateKeyQuality = defineRule({
  id: 'ID15',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC05', 'IOTSEC02'],
  attackEnterprise: ['T1649', 'T1078'],
  attackIcs: ['T0859', 'T0849'],
  auditCheck: 'DEVICE_CERTIFICATE_KEY_QUALITY_CHECK',
  level: NagMessageLevel.ERROR,
  info: 'The device certificate has a weak key (RSA or DSA under 2048 bits, an EC curve under 256 bits, a ROCA key) or a SHA-1/MD5 signature.',
  explanation:
    'A device certificate is the device\'s identity: whoever can recover its private key (factoring a short or ROCA-flawed RSA key, ' +
    'solving a small curve) or forge a certificate with a colliding SHA-1 or MD5 signature connects to AWS IoT as that device, ' +
    'with its policy, and nothing on the broker tells the impostor from the device.',
  fix: 'Issue the device a new key pair (RSA 2048 bits or more, or EC P-256/P-384/P-521) on patched hardware, have the CA sign it with SHA-256 or stronger, register the new certificate and revoke this one.',
  resourceTypes: [TYPE],
}, (node: CfnResource): NagRuleResult => {
  if (!mayBeInUse(node, resolvedProperties(node).Status)) return NagRuleCompliance.NOT_APPLICABLE;
  const findings = [
    ...keyQualityFindings(node, 'CertificatePem', 'certificate', true),
    ...keyQualityFindings(node, 'CertificateSigningRequest', 'csr', false),
  ];
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
});
