import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asBoolean, asEnum, Findings, isSet, possibleAt, Possible, Unresolved } from '../../private/cfn-values';
import { resolvedProperties } from '../../private/cfn';
import { defineRule } from '../../rule-definition';

const TYPE = 'AWS::IoT::CACertificate';

/**
 * IoTSecurity-ID7: a CA that registers device certificates automatically does so through a template.
 *
 * Auto-registration is on when `AutoRegistrationStatus` is `ENABLE` (any case) and
 * `RemoveAutoRegistration` is not true. It is then judged by `RegistrationConfig`: a
 * `TemplateBody` or `TemplateName` (a literal or any intrinsic) passes. The CA's `Status` is not
 * considered: an inactive CA is one property away from registering devices.
 * An `AutoRegistrationStatus` or `RemoveAutoRegistration` the template cannot read is reported
 * as `Unresolved::<property>` (`Invalid::<property>` for a value CloudFormation would reject),
 * a finding of this rule.
 */
export const IoTCaAutoRegistrationTemplate = defineRule({
  id: 'ID7',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC05'],
  attackEnterprise: ['T1078', 'T1136.003'],
  attackIcs: ['T0859', 'T0849'],
  level: NagMessageLevel.WARN,
  info: 'The CA certificate registers device certificates automatically without a provisioning template.',
  explanation:
    'With auto-registration on and no RegistrationConfig template, every certificate the CA signed is registered on first connect ' +
    'and what it becomes (thing, policy, activation) is decided by code outside the template, if at all: ' +
    'the device identity and its privileges are not reviewed where the CA is.',
  fix: "Give the CA a RegistrationConfig with a TemplateName or TemplateBody (just-in-time provisioning), or set AutoRegistrationStatus to 'DISABLE'.",
  resourceTypes: [TYPE],
}, (node: CfnResource): NagRuleResult => {
  const props = resolvedProperties(node);
  const hasTemplate = (config: Possible) => config instanceof Unresolved
    || possibleAt(node, config, ['TemplateBody']).every(isSet)
    || possibleAt(node, config, ['TemplateName']).every(isSet);
  if (possibleAt(node, props, ['RegistrationConfig']).every(hasTemplate)) return NagRuleCompliance.COMPLIANT;

  const status = possibleAt(node, props, ['AutoRegistrationStatus']).map(asEnum);
  const removed = possibleAt(node, props, ['RemoveAutoRegistration']).map(asBoolean);
  if (removed.every((r) => r === true)) return NagRuleCompliance.COMPLIANT;
  const mayKeep = removed.some((r) => r === false || r === undefined);
  if (status.includes('ENABLE') && mayKeep) return NagRuleCompliance.NON_COMPLIANT;

  const findings = new Findings();
  for (const s of status) {
    if (s instanceof Unresolved) findings.unreadable(s, 'AutoRegistrationStatus');
  }
  if (status.includes('ENABLE')) {
    // Whether auto-registration is removed matters only where it may be on.
    for (const r of removed) {
      if (r instanceof Unresolved) findings.unreadable(r, 'RemoveAutoRegistration');
    }
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
