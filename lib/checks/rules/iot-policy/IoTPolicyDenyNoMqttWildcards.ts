import { NagMessageLevel } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { iotPolicyRuleResult } from '../../private/iot-policy-sources';
import { defineRule } from '../../rule-definition';
import { AUDIT_CHECKS } from '../../../core/private/audit-checks';

/**
 * IoTSecurity-ID4: a Deny on a topic or topic filter must not rely on MQTT `+` or `#`: in a policy they are
 * literal characters, so `Deny topic/admin/#` denies only a topic literally named `admin/#` and
 * protects nothing else under `admin/`. An ERROR rather than a warning: the statement is a
 * security control that silently does not work, there is no case where the literal reading is
 * what the author meant, and the fix (`*`) is one character.
 */
export const IoTPolicyDenyNoMqttWildcards = defineRule({
  id: 'ID4',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC04'],
  attackEnterprise: ['T1078', 'T1565'],
  attackIcs: ['T0855', 'T0856'],
  auditCheck: new Map(AUDIT_CHECKS).get('IoTPolicyPotentialMisConfigurationCheck'),
  level: NagMessageLevel.ERROR,
  info: 'An IoT policy Deny statement uses the MQTT wildcards + or # in a topic or topic filter.',
  explanation: 'IoT policies treat + and # as literal characters, so the Deny matches only a topic literally '
    + 'containing them and the topics it was meant to protect stay allowed.',
  fix: 'Use the policy wildcard * in Deny resources (e.g. topic/admin/*), or narrow the Allow instead.',
  resourceTypes: ['*'],
}, (node) => iotPolicyRuleResult(node, (f) => f.denyMqttWildcards));
