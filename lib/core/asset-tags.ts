import { Tags, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { unknownPropProblems } from './private/props';
import { describeValue } from './private/describe';

/** How much harm follows if an asset is lost or subverted (practice 2). */
export enum Criticality {
  /** Loss is an inconvenience. */
  LOW = 'low',
  /** Loss hurts a business process. */
  MEDIUM = 'medium',
  /** Loss stops a business process or exposes sensitive data. */
  HIGH = 'high',
  /** Loss can hurt people or the environment: containment always waits for a human. */
  SAFETY_CRITICAL = 'safety-critical',
}

/** The sensitivity of the data an asset holds (practice 5). */
export enum DataClass {
  /** Meant for anyone. */
  PUBLIC = 'public',
  /** Inside the organization only. */
  INTERNAL = 'internal',
  /** Harmful if disclosed: telemetry that reveals behaviour, business data. */
  CONFIDENTIAL = 'confidential',
  /** Regulated or safety-relevant: personal data, control-system data. */
  RESTRICTED = 'restricted',
}

/** The tag keys of practice 2, applied by `AssetTags` and read by inventories and the rule pack. */
export const ASSET_TAG_KEYS = {
  criticality: 'criticality',
  owner: 'owner',
  dataClass: 'data-class',
} as const;

/** Props of `AssetTags.apply`. */
export interface AssetTagsProps {
  /** How much harm follows if the assets are lost or subverted. */
  readonly criticality: Criticality;
  /** Who answers for the assets: a team name or address (tag value rules apply). */
  readonly owner: string;
  /**
   * The class of data the assets hold.
   * @default - no `data-class` tag
   */
  readonly dataClass?: DataClass;
}

// AWS tag values: up to 256 Unicode letters, digits, spaces and _ . : / = + - @
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;

/**
 * The tags of practice 2 (`criticality`, `owner`, `data-class`), so every asset can be found
 * and acted on by program, and Security Hub's tagging controls hold.
 *
 * ```ts
 * AssetTags.apply(stack, { criticality: Criticality.HIGH, owner: 'plant-ops', dataClass: DataClass.CONFIDENTIAL });
 * ```
 */
export class AssetTags {
  /** Tags every taggable resource under `scope`; a tag set closer to a resource wins. */
  public static apply(scope: IConstruct, props: AssetTagsProps): void {
    const where = `${scope.node.path || '<app>'}: AssetTags`;
    const problems: string[] = unknownPropProblems(props, ['criticality', 'owner', 'dataClass']);
    if (!Object.values(Criticality).includes(props?.criticality)) {
      problems.push(`criticality must be one of ${Object.values(Criticality).join(', ')}, got ${describeValue(props?.criticality)}`);
    }
    const owner = props?.owner;
    if (typeof owner !== 'string' || (!Token.isUnresolved(owner) && !TAG_VALUE.test(owner))) {
      problems.push(`owner must be 1-256 letters, digits, spaces or _ . : / = + - @, got ${describeValue(owner)}`);
    }
    if (props?.dataClass !== undefined && !Object.values(DataClass).includes(props.dataClass)) {
      problems.push(`dataClass must be one of ${Object.values(DataClass).join(', ')}, got ${describeValue(props.dataClass)}`);
    }
    if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);

    Tags.of(scope).add(ASSET_TAG_KEYS.criticality, props.criticality);
    Tags.of(scope).add(ASSET_TAG_KEYS.owner, owner);
    if (props.dataClass) Tags.of(scope).add(ASSET_TAG_KEYS.dataClass, props.dataClass);
  }

  private constructor() {}
}
