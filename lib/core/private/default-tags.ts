import { Tags } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ASSET_TAG_KEYS, AssetTags, AssetTagsProps, Criticality, DataClass } from '../asset-tags';
import { ContainmentMode, RiskProfile } from '../risk-profile';

/** The owner tag of resources whose owner nobody named: visible in every inventory as work to do. */
export const UNASSIGNED_OWNER = 'unassigned';

/**
 * The criticality a risk profile implies when none is given, derived from its containment
 * setting (how much a profile fears cutting a device off says how much harm the devices can do):
 *
 * | containment | criticality |
 * |---|---|
 * | AUTOMATIC_QUARANTINE (CONSUMER) | medium |
 * | AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL (INDUSTRIAL) | high |
 * | HUMAN_APPROVAL_ONLY (CRITICAL_INFRASTRUCTURE) | safety-critical |
 */
export function criticalityOf(profile: RiskProfile): Criticality {
  switch (profile.containment) {
    case ContainmentMode.HUMAN_APPROVAL_ONLY: return Criticality.SAFETY_CRITICAL;
    case ContainmentMode.AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL: return Criticality.HIGH;
    default: return Criticality.MEDIUM;
  }
}

/** Priority of the defaults: below `Tags.of(...).add`'s 100, so any `AssetTags.apply` above wins. */
const DEFAULT_PRIORITY = 50;

/**
 * Tags every resource under `scope` with the practice 2 tags: `assetTags` when given (they win
 * over tags set higher up, as the closer ones), else defaults at a low priority (criticality from
 * the profile, owner `unassigned`, `dataClass`) that any `AssetTags.apply` on a scope above
 * replaces, so no IoT resource of the library is ever untagged.
 */
export function applyAssetTags(scope: IConstruct, profile: RiskProfile, assetTags: AssetTagsProps | undefined, dataClass: DataClass): void {
  if (assetTags !== undefined) {
    AssetTags.apply(scope, { dataClass, ...assetTags });
    return;
  }
  Tags.of(scope).add(ASSET_TAG_KEYS.criticality, criticalityOf(profile), { priority: DEFAULT_PRIORITY });
  Tags.of(scope).add(ASSET_TAG_KEYS.owner, UNASSIGNED_OWNER, { priority: DEFAULT_PRIORITY });
  Tags.of(scope).add(ASSET_TAG_KEYS.dataClass, dataClass, { priority: DEFAULT_PRIORITY });
}
