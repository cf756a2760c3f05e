import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../core/practice';
import { neverThrow } from './private/cfn-values';

/** The MITRE ATT&CK version the technique IDs of every rule refer to. */
export const ATTACK_VERSION = 'v17';

/** The areas a rule ID names: `IoTSecurity-<AREA><n>`. */
export type RuleArea = 'INV' | 'ID' | 'UPD' | 'DAT' | 'TLS' | 'GW' | 'MON' | 'IR' | 'BC' | 'NET';

/** What a rule says of itself; `RULES.md` is generated from it. */
export interface RuleMetadata {
  /** The rule's ID without the pack prefix, e.g. `ID1`. */
  readonly id: string;
  /** The practice the rule enforces. */
  readonly practice: Practice;
  /** MITRE ATT&CK Enterprise technique IDs the rule mitigates. */
  readonly attackEnterprise: readonly string[];
  /** MITRE ATT&CK for ICS technique IDs the rule mitigates. */
  readonly attackIcs: readonly string[];
  /** The Device Defender audit check the rule anticipates at synth time, if any. */
  readonly auditCheck?: string;
  /** ERROR for a misconfiguration, WARN for what needs a reviewer's eye. */
  readonly level: NagMessageLevel;
  /** One line: what was found. */
  readonly info: string;
  /** Why it matters. */
  readonly explanation: string;
  /** How to fix it. */
  readonly fix: string;
  /**
   * The CloudFormation resource types the rule looks at; the pack dispatches on them so a
   * resource only meets the rules that concern it. `'*'` for every type.
   */
  readonly resourceTypes: readonly string[];
}

/** A rule: cdk-nag's plain `(node) => NagRuleResult` function, carrying its metadata. */
export interface IotRule {
  (node: CfnResource): NagRuleResult;
  /** The rule's metadata. */
  readonly metadata: RuleMetadata;
}

const RULE_ID = /^(INV|ID|UPD|DAT|TLS|GW|MON|IR|BC|NET)[1-9][0-9]*$/;

/**
 * Gives a rule function its metadata. The function keeps cdk-nag's shape, so it can join any
 * pack; its `name` becomes the rule ID so cdk-nag's default suffix is right too.
 *
 * Every rule gets the same two guarantees here rather than in its own body: a resource of a
 * type outside `resourceTypes` is NOT_APPLICABLE (a pack that does not dispatch on type, as
 * `IotSecurityChecks` does, still gets no finding for it), and a rule never throws: anything
 * unexpected becomes the finding `Unresolved::Properties`.
 */
export function defineRule(metadata: RuleMetadata, check: (node: CfnResource) => NagRuleResult): IotRule {
  if (!RULE_ID.test(metadata.id)) {
    throw new Error(`defineRule: id must match ${RULE_ID}, got '${metadata.id}'`);
  }
  if (metadata.resourceTypes.length === 0) {
    throw new Error(`defineRule(${metadata.id}): resourceTypes must name at least one type or '*'`);
  }
  const types = new Set(metadata.resourceTypes);
  const safe = neverThrow(check);
  const rule = (types.has('*')
    ? (node: CfnResource) => safe(node)
    : (node: CfnResource) => (types.has(node.cfnResourceType) ? safe(node) : NagRuleCompliance.NOT_APPLICABLE)) as IotRule;
  Object.defineProperty(rule, 'name', { value: metadata.id });
  Object.defineProperty(rule, 'metadata', { value: Object.freeze({ ...metadata }), enumerable: true });
  return rule;
}
