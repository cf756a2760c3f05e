import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { TlsSecurityPolicy } from '../../../core/tls-security-policy';
import { asEnum, judge, possibleAt } from '../../private/cfn-values';
import { resolvedProperties } from '../../private/cfn';
import { defineRule } from '../../rule-definition';

const TYPE = 'AWS::IoT::DomainConfiguration';

const MODERN = new Set(TlsSecurityPolicy.MODERN.map((p) => p.toUpperCase()));

/**
 * IoTSecurity-TLS1: a domain configuration pins one of the three 2022-10 security policies.
 *
 * Allowed (`TlsSecurityPolicy.MODERN`), compared without regard to case:
 * `IoTSecurityPolicy_TLS13_1_2_2022_10` (TLS 1.2 and 1.3), `IoTSecurityPolicy_TLS13_1_3_2022_10`
 * (TLS 1.3 only) and `IoTSecurityPolicy_TLS12_1_2_2022_10` (TLS 1.2 only); each offers only
 * forward-secret AEAD cipher suites (ECDHE with AES-GCM in TLS 1.2, the TLS 1.3 suites). AWS documents no FIPS variant of
 * these for AWS IoT Core, so none is allowed. An absent `TlsConfig.SecurityPolicy` is a violation:
 * AWS applies its default at creation (today `IoTSecurityPolicy_TLS13_1_2_2022_10`), but the
 * template then does not say which policy the endpoint runs, and removing the property from a
 * deployed template does not reset a policy set earlier. Every service type is judged, since
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
  info: 'The domain configuration does not pin one of the 2022-10 TLS security policies.',
  explanation:
    'Older IoT security policies accept CBC and non-forward-secret ciphers that let a recorded session be decrypted once a key leaks, ' +
    'and an unpinned policy leaves the endpoint on whatever was set before. Devices should negotiate TLS 1.2 with AEAD, forward-secret ciphers or TLS 1.3.',
  fix: "Set TlsConfig.SecurityPolicy to 'IoTSecurityPolicy_TLS13_1_2_2022_10' (TLS 1.2 and 1.3), 'IoTSecurityPolicy_TLS13_1_3_2022_10' "
    + "where every device speaks TLS 1.3, or 'IoTSecurityPolicy_TLS12_1_2_2022_10' for devices without TLS 1.3.",
  resourceTypes: [TYPE],
}, (node: CfnResource): NagRuleResult => {
  const values = possibleAt(node, resolvedProperties(node), ['TlsConfig', 'SecurityPolicy']);
  return judge(values, asEnum, (policy) => policy === undefined || !MODERN.has(policy), 'TlsConfig.SecurityPolicy');
});
