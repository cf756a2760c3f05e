import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { Findings } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';
import { isSystemTag, readTags } from './private/tags';

/** The AWS Security Hub CSPM tagging controls for AWS IoT, by the resource type each evaluates. */
export const SECURITY_HUB_IOT_TAGGING_CONTROLS: { readonly [type: string]: string } = {
  'AWS::IoT::SecurityProfile': 'IoT.1',
  'AWS::IoT::MitigationAction': 'IoT.2',
  'AWS::IoT::Dimension': 'IoT.3',
  'AWS::IoT::Authorizer': 'IoT.4',
  'AWS::IoT::RoleAlias': 'IoT.5',
  'AWS::IoT::Policy': 'IoT.6',
};

/**
 * IoTSecurity-INV1: the AWS IoT resources that Security Hub's IoT.1 to IoT.6 controls evaluate
 * must carry at least one tag that is not a system tag, as those controls require with their
 * default parameters.
 *
 * Findings: `Untagged::IoT.<n>` naming the control that will fail (no tags, an empty list, or only
 * `aws:` tags), and `Unresolved::Tags` when no literal tag is there but some tags are known only
 * at deploy time. Every branch of an `Fn::If` is judged: a branch without tags is untagged.
 */
export const IoTSecurityHubTagged = defineRule(
  {
    id: 'INV1',
    practice: Practice.ASSET_INVENTORY,
    iotLens: ['IOTSEC14'],
    // Tags mitigate no ATT&CK technique by themselves; they make the inventory that other mitigations act on.
    attackEnterprise: [],
    attackIcs: [],
    // A warning: an untagged resource fails a low-severity Security Hub control and leaves an
    // inventory gap, but grants nothing; third-party apps that tag nothing see it without a failed synth.
    level: NagMessageLevel.WARN,
    info: 'The IoT resource has no tags, so its Security Hub tagging control (IoT.1 to IoT.6) fails.',
    explanation:
      'Security profiles, mitigation actions, dimensions, authorizers, role aliases and IoT policies decide what devices may do and '
      + 'how misbehaviour is met; untagged, they belong to no owner or inventory category, cannot be found or governed by tag-based '
      + 'access control, and fail Security Hub CSPM controls IoT.1 to IoT.6.',
    fix: 'Tag the resource, at least with the practice 2 keys `criticality` and `owner` (Tags.of(scope).add(...) tags every resource under a scope).',
    resourceTypes: Object.keys(SECURITY_HUB_IOT_TAGGING_CONTROLS),
  },
  (node: CfnResource): NagRuleResult => {
    const control = SECURITY_HUB_IOT_TAGGING_CONTROLS[node.cfnResourceType];
    if (!control) return NagRuleCompliance.NOT_APPLICABLE;
    const findings = new Findings();
    for (const tags of readTags(node, resolvedProperties(node).Tags)) {
      if ([...tags.known.keys()].some((key) => !isSystemTag(key))) continue;
      findings.add(tags.someUnresolved ? 'Unresolved' : 'Untagged', tags.someUnresolved ? 'Tags' : control);
    }
    return findings.toArray();
  },
);
