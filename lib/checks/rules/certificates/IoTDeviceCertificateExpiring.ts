import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { expiryFindings, mayBeInUse } from '../../private/x509';
import { defineRule } from '../../rule-definition';

/**
 * IoTSecurity-ID17: a device certificate registered by the template is not expired or about to.
 *
 * `CertificatePem`'s end of validity is compared with the time of synthesis: `Expired::<date>`
 * when past, `Expiring::<date>` within 30 days, the window of Device Defender's
 * DEVICE_CERTIFICATE_EXPIRING_CHECK. A certificate AWS Private CA issues at deploy time (`Fn::GetAtt
 * X.Certificate` of an `AWS::ACMPCA::Certificate` of the stack) is judged by its `Validity`:
 * an end date as a date, a duration of fewer than 30 days as `ShortValidity::<n>-days`.
 * A certificate made from a CSR is issued by AWS IoT at deploy time, valid for decades: not judged.
 * `Invalid::CertificatePem` / `Unresolved::CertificatePem` (or `::Validity`) where it cannot be read;
 * an `INACTIVE` or `REVOKED` certificate is not applicable.
 */
export const IoTDeviceCertificateExpiring = defineRule({
  id: 'ID17',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC05', 'IOTSEC11'],
  attackEnterprise: [],
  attackIcs: ['T0826'],
  auditCheck: 'DEVICE_CERTIFICATE_EXPIRING_CHECK',
  level: NagMessageLevel.WARN,
  info: 'The device certificate has expired or expires within 30 days.',
  explanation:
    'AWS IoT refuses TLS connections with an expired certificate: the device drops off the fleet, stops reporting and stops taking ' +
    'updates, including the security fixes and the new certificate it would need to come back. A template that registers an expired ' +
    'certificate deploys a device that cannot connect.',
  fix: 'Rotate the certificate before it expires: issue and register its successor, deliver it to the device (a job or fleet provisioning), then deactivate this one.',
  resourceTypes: ['AWS::IoT::Certificate'],
}, (node: CfnResource): NagRuleResult => {
  if (!mayBeInUse(node, resolvedProperties(node).Status)) return NagRuleCompliance.NOT_APPLICABLE;
  const findings = expiryFindings(node, 'CertificatePem');
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
});
