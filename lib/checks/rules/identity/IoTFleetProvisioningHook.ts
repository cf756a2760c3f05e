import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asEnum, Findings, isSet, possibleAt, Unresolved } from '../../private/cfn-values';
import { resolvedProperties } from '../../private/cfn';
import { defineRule } from '../../rule-definition';

const TYPE = 'AWS::IoT::ProvisioningTemplate';

/**
 * IoTSecurity-ID8: a fleet provisioning template validates devices with a pre-provisioning hook.
 *
 * `TemplateType` absent means `FLEET_PROVISIONING`; a `JITP` template is not applicable (just-in-time
 * provisioning has no claim certificate and takes no hook). `PreProvisioningHook.TargetArn` may be
 * a literal or any intrinsic. A template without a hook whose `TemplateType` cannot be read
 * (it may be JITP) is reported as `Unresolved::TemplateType` (`Invalid::TemplateType` for a value
 * CloudFormation would reject), a finding of this rule; an unreadable hook target counts as set.
 */
export const IoTFleetProvisioningHook = defineRule({
  id: 'ID8',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC01', 'IOTSEC05'],
  attackEnterprise: ['T1078', 'T1552.004', 'T1136.003'],
  attackIcs: ['T0859', 'T0849', 'T0856'],
  level: NagMessageLevel.ERROR,
  info: 'The fleet provisioning template has no pre-provisioning hook.',
  explanation:
    'Fleet provisioning by claim hands a device identity to whoever presents the claim certificate, which ships in every device image. ' +
    'Without a pre-provisioning hook nothing checks the serial number or other parameters against an allow list, ' +
    'so one extracted claim key provisions any number of rogue devices.',
  fix: 'Set PreProvisioningHook.TargetArn to a Lambda function that checks the device against your manufacturing records.',
  resourceTypes: [TYPE],
}, (node: CfnResource): NagRuleResult => {
  const props = resolvedProperties(node);
  const types = possibleAt(node, props, ['TemplateType']).map(asEnum);
  if (types.every((t) => t === 'JITP')) return NagRuleCompliance.NOT_APPLICABLE;
  const hooks = possibleAt(node, props, ['PreProvisioningHook', 'TargetArn']);
  if (hooks.every(isSet)) return NagRuleCompliance.COMPLIANT;
  if (types.some((t) => t !== 'JITP' && !(t instanceof Unresolved))) return NagRuleCompliance.NON_COMPLIANT;
  // Only an unreadable type stands between this template and the requirement.
  const findings = new Findings();
  for (const t of types) {
    if (t instanceof Unresolved) findings.unreadable(t, 'TemplateType');
  }
  return findings.toArray();
});
