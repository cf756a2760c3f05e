import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { IOT_LENS_SECURITY_QUESTIONS, IotLensSecurityQuestion } from '../core/iot-lens';
import { Practice } from '../core/practice';
import { readKeys, resolvedProperties } from './private/cfn';
import { neverThrow } from './private/cfn-values';
import { isCustomResourceType } from './private/custom-resources';
import { StackModel } from './private/stack-model';

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
  /**
   * The AWS IoT Lens (Well-Architected) security best practice questions the rule serves,
   * `IOTSEC01`..`IOTSEC15`, e.g. `IOTSEC04` (least privilege for principals of the IoT application).
   */
  readonly iotLens: readonly IotLensSecurityQuestion[];
  /**
   * The Device Defender audit check the rule anticipates at synth time, if any (its API name,
   * e.g. `IOT_POLICY_OVERLY_PERMISSIVE_CHECK`). A rule that anticipates several names the others
   * in `auditChecks`; on a defined rule's metadata this is the first of them.
   */
  readonly auditCheck?: string;
  /**
   * Every Device Defender audit check the rule anticipates, when it is more than one (a Cognito
   * role rule anticipates both the authenticated and the unauthenticated role checks). On a
   * defined rule's metadata it holds every check, `auditCheck` first; read it with
   * `ruleAuditChecks`.
   */
  readonly auditChecks?: readonly string[];
  /** ERROR for a misconfiguration, WARN for what needs a reviewer's eye. */
  readonly level: NagMessageLevel;
  /**
   * The kinds of finding (the part of a finding ID before `::`, e.g. `NotPinned`) that an ERROR
   * rule reports as warnings: a setting the template leaves to AWS's documented default, which is
   * secure today but not held by the template. Only for ERROR rules; `failOnWarnings` turns them
   * into errors like every other warning.
   * @default - every finding has the rule's level
   */
  readonly warningFindings?: string[];
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
const AUDIT_CHECK = /^[A-Z][A-Z0-9_]*_CHECK$/;

/** Every Device Defender audit check a rule anticipates: its `auditCheck` and `auditChecks`, each once. */
export function ruleAuditChecks(metadata: RuleMetadata): readonly string[] {
  return [...new Set([...(metadata.auditCheck === undefined ? [] : [metadata.auditCheck]), ...(metadata.auditChecks ?? [])])];
}

/**
 * Gives a rule function its metadata. The function keeps cdk-nag's shape, so it can join any
 * pack; its `name` becomes the rule ID so cdk-nag's default suffix is right too.
 *
 * Every rule gets the same two guarantees here rather than in its own body: a resource of a
 * type outside `resourceTypes` is NOT_APPLICABLE (a pack that does not dispatch on type, as
 * `IotSecurityChecks` does, still gets no finding for it), and a rule never throws: anything
 * unexpected becomes the finding `Unresolved::Properties`.
 *
 * A custom resource that stands for a native resource of a type the rule looks at (an
 * `AwsCustomResource` call of `AttachThingPrincipal` for ID6, see `private/custom-resources.ts`)
 * is judged as that native resource would be: the rule runs on each view and its findings are
 * the custom resource's. Tagging rules (INV) are the exception: tags a call passes are not
 * CloudFormation's, and the custom resource is not what they inventory.
 */
export function defineRule(metadata: RuleMetadata, check: (node: CfnResource) => NagRuleResult): IotRule {
  if (!RULE_ID.test(metadata.id)) {
    throw new Error(`defineRule: id must match ${RULE_ID}, got '${metadata.id}'`);
  }
  const unknownLens = metadata.iotLens.filter((q) => !(q in IOT_LENS_SECURITY_QUESTIONS));
  if (metadata.iotLens.length === 0 || unknownLens.length > 0) {
    throw new Error(`defineRule(${metadata.id}): iotLens must name at least one of IOTSEC01..IOTSEC15, got [${metadata.iotLens.join(', ')}]`);
  }
  if (metadata.resourceTypes.length === 0) {
    throw new Error(`defineRule(${metadata.id}): resourceTypes must name at least one type or '*'`);
  }
  const warningKinds = metadata.warningFindings ?? [];
  if (warningKinds.length > 0 && (metadata.level !== NagMessageLevel.ERROR || warningKinds.some((k) => !/^[A-Z][A-Za-z]*$/.test(k)))) {
    throw new Error(`defineRule(${metadata.id}): warningFindings takes finding kinds such as 'NotPinned' on an ERROR rule, got `
      + `[${warningKinds.join(', ')}] on a ${metadata.level} rule`);
  }
  const auditChecks = ruleAuditChecks(metadata);
  const badChecks = auditChecks.filter((c) => !AUDIT_CHECK.test(c));
  if (badChecks.length > 0) {
    throw new Error(`defineRule(${metadata.id}): auditCheck and auditChecks take Device Defender audit check names such as `
      + `IOT_POLICY_OVERLY_PERMISSIVE_CHECK, got [${badChecks.join(', ')}]`);
  }
  const types = new Set(metadata.resourceTypes);
  const safe = neverThrow(check);
  const judgesViews = !metadata.id.startsWith('INV');
  const rule = (types.has('*')
    ? (node: CfnResource) => safe(node)
    : (node: CfnResource) => {
      if (types.has(node.cfnResourceType)) return safe(node);
      if (judgesViews && isCustomResourceType(node.cfnResourceType)) return judgeViews(node, types, safe);
      return NagRuleCompliance.NOT_APPLICABLE;
    }) as IotRule;
  Object.defineProperty(rule, 'name', { value: metadata.id });
  const normalized: RuleMetadata = auditChecks.length === 0 ? { ...metadata }
    : { ...metadata, auditCheck: auditChecks[0], auditChecks: Object.freeze([...auditChecks]) };
  Object.defineProperty(rule, 'metadata', { value: Object.freeze(normalized), enumerable: true });
  return rule;
}

/**
 * A rule's verdict on a custom resource from its native views of the rule's types: not
 * applicable without one, non-compliant when one view is, else every finding of every view.
 * A partial view (an `Update...` call) only meets the rule when the rule reads a setting the call
 * makes: what the call leaves out keeps a value the template does not show.
 */
function judgeViews(node: CfnResource, types: ReadonlySet<string>, check: (node: CfnResource) => NagRuleResult): NagRuleResult {
  let views: CfnResource[];
  try {
    views = StackModel.of(node).customResource(node).views.filter((v) => types.has(v.cfnResourceType));
  } catch {
    return ['Unresolved::Properties'];
  }
  let applies = false;
  const findings = new Set<string>();
  for (const view of views) {
    readKeys(view);
    const result = check(view);
    const read = readKeys(view);
    if (read !== undefined) {
      const set = Object.keys(resolvedProperties(view));
      if (![...read].some((k) => set.includes(k))) continue;
    }
    if (result === NagRuleCompliance.NOT_APPLICABLE) continue;
    if (result === NagRuleCompliance.NON_COMPLIANT) return NagRuleCompliance.NON_COMPLIANT;
    applies = true;
    if (Array.isArray(result)) result.forEach((f) => findings.add(f));
  }
  if (!applies) return NagRuleCompliance.NOT_APPLICABLE;
  return findings.size > 0 ? [...findings] : NagRuleCompliance.COMPLIANT;
}
