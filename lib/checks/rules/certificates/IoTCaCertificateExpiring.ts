import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { expiryFindings, mayBeInUse } from '../../private/x509';
import { defineRule } from '../../rule-definition';

/**
 * IoTSecurity-ID18: a CA certificate registered with AWS IoT is not expired or about to.
 *
 * `CACertificatePem` of an `AWS::IoT::CACertificate` is judged as IoTSecurity-ID17 judges a device
 * certificate (`Expired::<date>`, `Expiring::<date>` within 30 days, the window of
 * CA_CERTIFICATE_EXPIRING_CHECK; an AWS Private CA certificate of the stack by its `Validity`;
 * `Invalid::` / `Unresolved::` where it cannot be read). A CA whose `Status` is `INACTIVE` in
 * every form is not applicable.
 */
export const IoTCaCertificateExpiring = defineRule({
  id: 'ID18',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC05', 'IOTSEC11'],
  attackEnterprise: [],
  attackIcs: ['T0826'],
  auditCheck: 'CA_CERTIFICATE_EXPIRING_CHECK',
  level: NagMessageLevel.WARN,
  info: 'The CA certificate registered with AWS IoT has expired or expires within 30 days.',
  explanation:
    'A CA past its validity should sign no more device certificates, and every verifier that checks the chain (a gateway, a backend, ' +
    'a device authenticating its peers) rejects the ones it signed. Left to lapse unnoticed, new and re-provisioned devices cannot join ' +
    'and certificate rotation has nothing to issue from.',
  fix: 'Register the successor CA certificate (same or new key) before this one expires, move just-in-time provisioning to it, and re-issue device certificates from it.',
  resourceTypes: ['AWS::IoT::CACertificate'],
}, (node: CfnResource): NagRuleResult => {
  if (!mayBeInUse(node, resolvedProperties(node).Status)) return NagRuleCompliance.NOT_APPLICABLE;
  const findings = expiryFindings(node, 'CACertificatePem');
  return findings.length > 0 ? findings : NagRuleCompliance.COMPLIANT;
});
