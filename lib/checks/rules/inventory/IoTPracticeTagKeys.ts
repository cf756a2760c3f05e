import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { ASSET_TAG_KEYS } from '../../../core/asset-tags';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { Findings } from '../../private/cfn-values';
import { packOptions } from '../../private/pack-options';
import { defineRule } from '../../rule-definition';
import { readTags } from './private/tags';

/**
 * The tag keys of practice 2 that every IoT resource cdk-secure-iot creates carries; `data-class`
 * applies only to resources that hold data, so it is not asked of all. Tag keys are case
 * sensitive. Pass them as `IotSecurityChecksProps.requiredTagKeys` to hold an app to them.
 */
export const PRACTICE_TAG_KEYS: readonly string[] = [ASSET_TAG_KEYS.criticality, ASSET_TAG_KEYS.owner];

/**
 * The AWS IoT resource types that take tags in CloudFormation. `AWS::IoT::Thing` takes none (its
 * attribute payload holds at most three attributes without a thing type): a device is categorized
 * through the thing groups and thing types it belongs to, which are here.
 */
export const TAGGABLE_IOT_TYPES: readonly string[] = [
  'AWS::IoT::Authorizer',
  'AWS::IoT::BillingGroup',
  'AWS::IoT::CACertificate',
  'AWS::IoT::CertificateProvider',
  'AWS::IoT::Command',
  'AWS::IoT::CustomMetric',
  'AWS::IoT::Dimension',
  'AWS::IoT::DomainConfiguration',
  'AWS::IoT::FleetMetric',
  'AWS::IoT::Job',
  'AWS::IoT::JobTemplate',
  'AWS::IoT::MitigationAction',
  'AWS::IoT::OTAUpdate',
  'AWS::IoT::Policy',
  'AWS::IoT::ProvisioningTemplate',
  'AWS::IoT::RoleAlias',
  'AWS::IoT::ScheduledAudit',
  'AWS::IoT::SecurityProfile',
  'AWS::IoT::SoftwarePackage',
  'AWS::IoT::SoftwarePackageVersion',
  'AWS::IoT::Stream',
  'AWS::IoT::ThingGroup',
  'AWS::IoT::ThingType',
  'AWS::IoT::TopicRule',
];

/**
 * IoTSecurity-INV2: every taggable AWS IoT resource carries the tag keys the app requires
 * (`IotSecurityChecksProps.requiredTagKeys`, e.g. practice 2's `criticality` and `owner`), each
 * with a value. Without required keys (the default) the rule is not applied, so an app that never
 * adopted a tagging convention is not flooded with findings.
 *
 * One finding per resource and cause, naming every key it concerns: `MissingTags::<k1>,<k2>`
 * (keys absent), `EmptyTags::<k1>,...` (keys with an empty value), and `Unresolved::Tags` when a
 * key is not there literally but some tags are known only at deploy time. A value given by a
 * parameter or an intrinsic counts. Every branch of an `Fn::If` is judged: a tag that a branch
 * removes is missing.
 */
export const IoTPracticeTagKeys = defineRule(
  {
    id: 'INV2',
    practice: Practice.ASSET_INVENTORY,
    iotLens: ['IOTSEC13', 'IOTSEC14'],
    // Tags mitigate no ATT&CK technique by themselves; they make the inventory that other mitigations act on.
    attackEnterprise: [],
    attackIcs: [],
    level: NagMessageLevel.WARN,
    info: 'The IoT resource lacks a tag key the app requires (requiredTagKeys, e.g. practice 2\'s criticality and owner).',
    explanation:
      'The inventory categorizes every asset by how critical it is and who answers for it, so that audits, incident response and '
      + 'patching can select resources by program: a resource without these tags is left out of every such selection.',
    fix: 'Add the missing tags with values (Tags.of(scope).add(key, value) tags every resource under a scope; AssetTags.apply(scope, '
      + '{ criticality, owner }) adds practice 2\'s), or change the keys the pack requires with IotSecurityChecksProps.requiredTagKeys.',
    resourceTypes: TAGGABLE_IOT_TYPES,
  },
  (node: CfnResource): NagRuleResult => {
    const required = packOptions().requiredTagKeys;
    if (required.length === 0) return NagRuleCompliance.NOT_APPLICABLE;
    const missing = new Set<string>();
    const empty = new Set<string>();
    const findings = new Findings();
    for (const tags of readTags(node, resolvedProperties(node).Tags)) {
      for (const key of required) {
        const tag = tags.known.get(key);
        if (tag) {
          if (!tag.valueSet) empty.add(key);
        } else if (tags.someUnresolved) {
          findings.add('Unresolved', 'Tags');
        } else {
          missing.add(key);
        }
      }
    }
    if (missing.size > 0) findings.add('MissingTags', [...missing].join(','));
    if (empty.size > 0) findings.add('EmptyTags', [...empty].join(','));
    return findings.toArray();
  },
);
