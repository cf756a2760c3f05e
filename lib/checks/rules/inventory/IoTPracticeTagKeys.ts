import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { ASSET_TAG_KEYS } from '../../../core/asset-tags';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { Findings } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';
import { readTags } from './private/tags';

/**
 * The tag keys of practice 2 that every IoT resource carries; `data-class` applies only to
 * resources that hold data, so it is not asked of all. Tag keys are case sensitive.
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
 * IoTSecurity-INV2: every taggable AWS IoT resource carries the practice 2 tag keys
 * `criticality` and `owner`, each with a value.
 *
 * Findings: `MissingTag::<key>`, `EmptyTag::<key>` (the key with an empty value), and
 * `Unresolved::Tags` when a key is not there literally but some tags are known only at deploy
 * time. A value given by a parameter or an intrinsic counts. Every branch of an `Fn::If` is
 * judged: a tag that a branch removes is missing.
 */
export const IoTPracticeTagKeys = defineRule(
  {
    id: 'INV2',
    practice: Practice.ASSET_INVENTORY,
    // Tags mitigate no ATT&CK technique by themselves; they make the inventory that other mitigations act on.
    attackEnterprise: [],
    attackIcs: [],
    level: NagMessageLevel.WARN,
    info: 'The IoT resource lacks the practice 2 tag `criticality` or `owner`.',
    explanation:
      'The inventory categorizes every asset by how critical it is and who answers for it, so that audits, incident response and '
      + 'patching can select resources by program: a resource without these tags is left out of every such selection.',
    fix: "Add the tags `criticality` and `owner` with values: AssetTags.apply(scope, { criticality, owner }) tags every resource under a scope.",
    resourceTypes: TAGGABLE_IOT_TYPES,
  },
  (node: CfnResource): NagRuleResult => {
    const findings = new Findings();
    for (const tags of readTags(node, resolvedProperties(node).Tags)) {
      for (const key of PRACTICE_TAG_KEYS) {
        const tag = tags.known.get(key);
        if (tag) {
          if (!tag.valueSet) findings.add('EmptyTag', key);
        } else {
          findings.add(tags.someUnresolved ? 'Unresolved' : 'MissingTag', tags.someUnresolved ? 'Tags' : key);
        }
      }
    }
    return findings.toArray();
  },
);
