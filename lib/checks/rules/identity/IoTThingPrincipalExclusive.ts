import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asEnum, judge, possibleAt } from '../../private/cfn-values';
import { resolvedProperties } from '../../private/cfn';
import { defineRule } from '../../rule-definition';

const TYPE = 'AWS::IoT::ThingPrincipalAttachment';

/**
 * IoTSecurity-ID6: a certificate is attached to its thing exclusively.
 *
 * `ThingPrincipalType` absent means `NON_EXCLUSIVE_THING`, which lets the same certificate be
 * attached to other things too. A `ThingPrincipalType` the template cannot read (a parameter
 * without allowed values, an import) is reported as `Unresolved::ThingPrincipalType`, one that is
 * not a string as `Invalid::ThingPrincipalType`: findings of this rule, since the attachment is
 * only judged exclusive when the template says so.
 */
export const IoTThingPrincipalExclusive = defineRule({
  id: 'ID6',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC01'],
  attackEnterprise: ['T1078', 'T1552.004'],
  attackIcs: ['T0859', 'T0849'],
  auditCheck: 'DEVICE_CERTIFICATE_SHARED_CHECK',
  level: NagMessageLevel.ERROR,
  info: 'The thing principal attachment is not exclusive: the certificate can be attached to more than one thing.',
  explanation:
    'A certificate shared between things breaks unique device identity: one stolen key impersonates every thing it is attached to, ' +
    'and revoking it takes all of them offline. Without ThingPrincipalType, AWS IoT attaches as NON_EXCLUSIVE_THING.',
  fix: "Set ThingPrincipalType to 'EXCLUSIVE_THING' and issue one certificate per device.",
  resourceTypes: [TYPE],
}, (node: CfnResource): NagRuleResult => {
  const values = possibleAt(node, resolvedProperties(node), ['ThingPrincipalType']);
  return judge(values, asEnum, (type) => type !== 'EXCLUSIVE_THING', 'ThingPrincipalType');
});
