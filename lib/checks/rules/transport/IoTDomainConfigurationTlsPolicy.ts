import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { TlsSecurityPolicy } from '../../../core/tls-security-policy';
import { asEnum, Findings, possibleAt, Unresolved } from '../../private/cfn-values';
import { resolvedProperties } from '../../private/cfn';
import { defineRule } from '../../rule-definition';

const TYPE = 'AWS::IoT::DomainConfiguration';

const PATH = 'TlsConfig.SecurityPolicy';

const MODERN = new Set(TlsSecurityPolicy.MODERN.map((p) => p.toUpperCase()));

/**
 * IoTSecurity-TLS1: a domain configuration runs one of the three 2022-10 security policies.
 *
 * Allowed (`TlsSecurityPolicy.MODERN`), compared without regard to case:
 * `IoTSecurityPolicy_TLS13_1_2_2022_10` (TLS 1.2 and 1.3), `IoTSecurityPolicy_TLS13_1_3_2022_10`
 * (TLS 1.3 only) and `IoTSecurityPolicy_TLS12_1_2_2022_10` (TLS 1.2 only); each offers only
 * forward-secret AEAD cipher suites (ECDHE with AES-GCM in TLS 1.2, the TLS 1.3 suites). AWS documents no FIPS variant of
 * these for AWS IoT Core, so none is allowed. An absent `TlsConfig.SecurityPolicy` (or `TlsConfig`)
 * is AWS's documented default, which is one of them: "If you create a new domain configuration,
 * the security policy defaults to IoTSecurityPolicy_TLS13_1_2_2022_10" (AWS IoT Core Developer
 * Guide, "Configuring TLS settings in domain configurations",
 * https://docs.aws.amazon.com/iot/latest/developerguide/iot-endpoints-tls-config.html). So an
 * unset (or empty) policy does not fail the synth: it is the warning
 * `NotPinned::TlsConfig.SecurityPolicy`, a finding kind this error rule reports as a warning
 * (`warningFindings`). The template then does not hold the policy the devices get: AWS chose it,
 * for new configurations only, and a policy set outside the template (the console, an earlier
 * version of the template) stays; pinning it makes the synth the proof. An explicitly older
 * policy is the error. Every service type is judged, since
 * the TLS handshake is the same for data, jobs and credential-provider endpoints.
 * A policy the template cannot read is reported as `Unresolved::TlsConfig.SecurityPolicy`
 * (`Invalid::TlsConfig.SecurityPolicy` for a value that is not a string), a finding of this rule.
 */
export const IoTDomainConfigurationTlsPolicy = defineRule({
  id: 'TLS1',
  practice: Practice.DATA_IN_TRANSIT,
  iotLens: ['IOTSEC07', 'IOTSEC10'],
  attackEnterprise: ['T1040', 'T1557'],
  attackIcs: ['T0830', 'T0842'],
  level: NagMessageLevel.ERROR,
  warningFindings: ['NotPinned'],
  info: 'The domain configuration sets a TLS security policy older than the 2022-10 ones, or leaves the policy to AWS\'s default (a warning).',
  explanation:
    'Older IoT security policies accept CBC and non-forward-secret ciphers that let a recorded session be decrypted once a key leaks. ' +
    'Devices should negotiate TLS 1.2 with AEAD, forward-secret ciphers or TLS 1.3 (a new domain configuration without a policy gets IoTSecurityPolicy_TLS13_1_2_2022_10).',
  fix: "Set TlsConfig.SecurityPolicy to 'IoTSecurityPolicy_TLS13_1_2_2022_10' (TLS 1.2 and 1.3), 'IoTSecurityPolicy_TLS13_1_3_2022_10' "
    + "where every device speaks TLS 1.3, or 'IoTSecurityPolicy_TLS12_1_2_2022_10' for devices without TLS 1.3.",
  resourceTypes: [TYPE],
}, (node: CfnResource): NagRuleResult => {
  const findings = new Findings();
  let weak = false;
  for (const value of possibleAt(node, resolvedProperties(node), ['TlsConfig', 'SecurityPolicy'])) {
    const policy = asEnum(value);
    if (policy instanceof Unresolved) findings.unreadable(policy, PATH);
    // Absent (or empty): AWS's default for a new domain configuration, not held by the template.
    else if (policy === undefined) findings.add('NotPinned', PATH);
    else if (!MODERN.has(policy)) weak = true;
  }
  if (weak) return NagRuleCompliance.NON_COMPLIANT;
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
