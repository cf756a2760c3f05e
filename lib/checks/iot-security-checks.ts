import {
  CfnElement, CfnResource, IPolicyValidationContext, PolicyValidationPluginReport, PolicyViolation, Stack, Validations,
} from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps, NagRuleCompliance } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { assertPackPeers } from '../core/private/peer-versions';
import { withResolutionCache } from './private/cfn';
import { asTemplated } from './private/resolution';
import { isCustomResourceType } from './private/custom-resources';
import { StackModel } from './private/stack-model';
import { DEFAULT_PACK_OPTIONS, withPackOptions } from './private/pack-options';
import { findingLevel } from './private/finding-level';
import { IotRule } from './rule-definition';
import { ALL_RULES, IoTCustomResourceReadable } from './rules';

/** The finding for the deprecated core `CfnInclude`, whose resources no rule can read. */
const CORE_INCLUDE = 'Unreadable::CfnInclude';

/** Whether `c` is a template element other than a resource whose rendering holds resources. */
function writesResourcesItself(c: IConstruct): boolean {
  if (!CfnElement.isCfnElement(c) || CfnResource.isCfnResource(c)) return false;
  try {
    const rendered = (c as unknown as { _toCloudFormation(): { Resources?: unknown } })._toCloudFormation();
    return !!rendered && typeof rendered.Resources === 'object' && rendered.Resources !== null && Object.keys(rendered.Resources).length > 0;
  } catch {
    return false;
  }
}

/** The pack's name, and the prefix of every rule ID: `IoTSecurity-ID1`. */
export const IOT_SECURITY_PACK_NAME = 'IoTSecurity';

/** Options of `IotSecurityChecks`. */
export interface IotSecurityChecksProps extends NagPackProps {
  /**
   * Whether findings of warning-level rules (RULES.md's "Warning") fail the synth. By default a
   * warning is reported, with its fix, but does not fail the synth; with `true` it is reported
   * with severity `error` and fails it, as an error-level rule's finding does.
   * @default false
   */
  readonly failOnWarnings?: boolean;

  /**
   * The tag keys every taggable AWS IoT resource must carry (IoTSecurity-INV2), case sensitive.
   * One finding per resource names every key it lacks. An app that has adopted a tagging
   * convention names its keys here; cdk-secure-iot's own constructs carry `criticality` and
   * `owner` (`AssetTags`), so `['criticality', 'owner']` holds them to it.
   * @default - no key is required: INV2 is not applied
   */
  readonly requiredTagKeys?: string[];
}

/**
 * A cdk-nag v3 rule pack that enforces the ten practices of a secure IoT deployment at synth.
 *
 * ```ts
 * Validations.of(app).addPlugins(new IotSecurityChecks(app));
 * ```
 *
 * Rules dispatch on resource type, so a resource only meets the rules that concern it. Every
 * finding carries its fix. Findings of error-level rules fail the synth; warnings are reported
 * without failing it unless `failOnWarnings` is set. Acknowledge a finding with the ID the synth
 * prints, `IoTSecurity::IoTSecurity-<rule>[<finding>]`: CDK then records the acknowledgment and
 * its reason in `validation-report.json`.
 */
export class IotSecurityChecks extends NagPack {
  public readonly name = IOT_SECURITY_PACK_NAME;
  public readonly ruleIds: string[] = ALL_RULES.map((r) => `${IOT_SECURITY_PACK_NAME}-${r.metadata.id}`);
  private readonly byType: Map<string, IotRule[]>;
  private readonly anyType: IotRule[];
  private readonly byTypeWithAny = new Map<string, readonly IotRule[]>();
  private readonly failOnWarnings: boolean;
  private readonly describeVerbosely: boolean;
  private readonly requiredTagKeys: readonly string[];

  constructor(scope?: IConstruct, props?: IotSecurityChecksProps) {
    super(scope, props);
    assertPackPeers('IotSecurityChecks');
    this.packName = IOT_SECURITY_PACK_NAME;
    this.failOnWarnings = props?.failOnWarnings ?? false;
    this.describeVerbosely = props?.verbose ?? false;
    const keys = props?.requiredTagKeys ?? DEFAULT_PACK_OPTIONS.requiredTagKeys;
    const problems: string[] = [];
    if (props?.failOnWarnings !== undefined && typeof props.failOnWarnings !== 'boolean') {
      problems.push(`failOnWarnings must be a boolean, got ${JSON.stringify(props.failOnWarnings)}`);
    }
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string' || k.trim() === '')) {
      problems.push(`requiredTagKeys must be a list of non-empty tag keys, got ${JSON.stringify(keys)}`);
    }
    if (problems.length > 0) throw new Error(`IotSecurityChecks: ${problems.join('; ')}`);
    this.requiredTagKeys = [...new Set(keys)];
    this.byType = new Map();
    this.anyType = [];
    for (const rule of ALL_RULES) {
      for (const type of rule.metadata.resourceTypes) {
        if (type === '*') {
          this.anyType.push(rule);
        } else {
          const list = this.byType.get(type) ?? [];
          list.push(rule);
          this.byType.set(type, list);
        }
      }
    }
  }

  /**
   * CDK's entry point at synth. Findings acknowledged with the plugin-qualified ID
   * (`IoTSecurity::...`) are left in the report for CDK, which suppresses them and records the
   * reason in `validation-report.json`. Prints one line on what was checked.
   */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const app = (context as { appConstruct?: IConstruct }).appConstruct;
    if (!app) return super.validate(context);
    const { report, summary } = this.run(app, true);
    console.error(summary);
    return report;
  }

  /**
   * Validates a construct tree directly (tests, the scanner, CDK versions that give plugins no
   * construct tree): every acknowledged finding is left out of the report.
   */
  public validateScope(scope: IConstruct): PolicyValidationPluginReport {
    return this.run(scope, false).report;
  }

  /**
   * A cdk-nag 2 habit, `Aspects.of(app).add(new IotSecurityChecks())`, lands here: say how to
   * register the pack instead of failing with a TypeError.
   */
  public visit(_node: IConstruct): void {
    throw new Error('IotSecurityChecks is a cdk-nag 3 rule pack, which CDK runs as a validation plugin, not an aspect: replace '
      + '`Aspects.of(app).add(new IotSecurityChecks())` with `Validations.of(app).addPlugins(new IotSecurityChecks(app))`.');
  }

  protected checkResource(_node: CfnResource): void {
    // Unused: `run` walks the tree and applies the rules itself, so that it can attach each
    // finding's fix, its severity and acknowledgments as CDK records them.
  }

  /**
   * The rules that look at a resource: those of its type and of every type, and for a custom
   * resource those of each native resource it stands for (see `private/custom-resources.ts`).
   */
  private rulesFor(node: CfnResource): readonly IotRule[] {
    const type = node.cfnResourceType;
    if (!isCustomResourceType(type)) {
      // The same list for every resource of a type: built once per pack.
      let rules = this.byTypeWithAny.get(type);
      if (!rules) {
        rules = [...new Set([...(this.byType.get(type) ?? []), ...this.anyType])];
        this.byTypeWithAny.set(type, rules);
      }
      return rules;
    }
    const rules = new Set([...(this.byType.get(type) ?? []), ...this.anyType]);
    for (const view of StackModel.of(node).customResource(node).views) {
      (this.byType.get(view.cfnResourceType) ?? []).forEach((r) => rules.add(r));
    }
    return [...rules];
  }

  private run(scope: IConstruct, atSynth: boolean): { report: PolicyValidationPluginReport; summary: string } {
    const violations: PolicyViolation[] = [];
    const byName = new Map<string, PolicyViolation>();
    const stacks = new Set<Stack>();
    const counts = { resources: 0, errors: 0, warnings: 0, acknowledged: 0, legacyAcknowledged: 0 };
    const report = (rule: IotRule, node: CfnResource, ruleName: string, finding?: string) => {
      const ack = acknowledgment(node, ruleName);
      if (ack === 'legacy') counts.legacyAcknowledged++;
      if (ack) counts.acknowledged++;
      // At synth CDK suppresses what is acknowledged with its own ID form, and records the reason.
      if (ack === 'legacy' || (ack === 'qualified' && !atSynth)) return;
      const m = rule.metadata;
      const level = findingLevel(m, finding);
      const severity = level === NagMessageLevel.ERROR || this.failOnWarnings ? 'error' : 'warning';
      if (!ack) counts[severity === 'error' ? 'errors' : 'warnings']++;
      let violation = byName.get(ruleName);
      if (!violation) {
        violation = {
          ruleName,
          description: this.describeVerbosely ? `${m.info} ${m.explanation}` : m.info,
          fix: m.fix,
          severity,
          ruleMetadata: { practice: String(m.practice), level: level === NagMessageLevel.ERROR ? 'error' : 'warning' },
          violatingResources: [],
        };
        byName.set(ruleName, violation);
        violations.push(violation);
      }
      violation.violatingResources.push({ constructPath: node.node.path, locations: ['Properties'] });
    };
    const options = { requiredTagKeys: this.requiredTagKeys };
    withPackOptions(options, () => withResolutionCache(() => {
      const walk = (c: IConstruct) => {
        if (CfnResource.isCfnResource(c)) {
          counts.resources++;
          stacks.add(Stack.of(c));
          const node = asTemplated(c);
          for (const rule of this.rulesFor(node)) {
            const ruleId = `${IOT_SECURITY_PACK_NAME}-${rule.metadata.id}`;
            const result = rule(node);
            if (result === NagRuleCompliance.NON_COMPLIANT) report(rule, node, ruleId);
            else if (Array.isArray(result)) result.forEach((f) => report(rule, node, `${ruleId}[${f}]`, f));
          }
        }
        if (writesResourcesItself(c)) {
          // An element that writes resources into the template with no construct for any of them
          // (the deprecated core CfnInclude, still in aws-cdk-lib's JavaScript): nothing the rules
          // could read. Say so.
          counts.resources++;
          stacks.add(Stack.of(c));
          const ruleId = `${IOT_SECURITY_PACK_NAME}-${IoTCustomResourceReadable.metadata.id}`;
          report(IoTCustomResourceReadable, c as unknown as CfnResource, `${ruleId}[${CORE_INCLUDE}]`, CORE_INCLUDE);
        }
        c.node.children.forEach(walk);
      };
      walk(scope);
    }));
    const success = !violations.some((v) => v.severity === 'error');
    const summary = `${IOT_SECURITY_PACK_NAME}: ${ALL_RULES.length} rules checked ${counts.resources} resources in ${stacks.size} `
      + `stack${stacks.size === 1 ? '' : 's'}: ${counts.errors} error${counts.errors === 1 ? '' : 's'}, `
      + `${counts.warnings} warning${counts.warnings === 1 ? '' : 's'}${this.failOnWarnings ? ' (failOnWarnings: they fail the synth)' : ' (reported, not failing the synth)'}, `
      + `${counts.acknowledged} acknowledged.`
      + (counts.legacyAcknowledged > 0
        ? ` ${counts.legacyAcknowledged} of them acknowledged as 'IoTSecurity-...', whose reason CDK does not record: use the ID the synth prints, 'IoTSecurity::IoTSecurity-...'.`
        : '');
    return {
      report: {
        success,
        violations,
        metadata: {
          rules: String(ALL_RULES.length),
          resources: String(counts.resources),
          stacks: String(stacks.size),
          acknowledged: String(counts.acknowledged),
          summary,
        },
      },
      summary,
    };
  }
}

/**
 * How a finding is acknowledged on `node` or one of its scopes: `qualified` with the ID CDK prints
 * and records (`IoTSecurity::IoTSecurity-ID1[...]`), `legacy` with the bare ID of cdk-nag's own
 * packs (`IoTSecurity-ID1[...]`, which CDK stores as `Annotation::...`), or not at all.
 */
function acknowledgment(node: IConstruct, ruleName: string): 'qualified' | 'legacy' | undefined {
  // Exact, as CDK compares them: an ID CDK would not match is not counted as acknowledged.
  const qualified = `${IOT_SECURITY_PACK_NAME}::${ruleName}`;
  const legacy = [ruleName, `Annotation::${ruleName}`, `annotation::${ruleName}`];
  let found: 'qualified' | 'legacy' | undefined;
  for (let c: IConstruct | undefined = node; c && !found; c = c.node.scope) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const key of Object.keys(entry.data as object)) {
        if (key === qualified) found = 'qualified';
        // aws-cdk-lib before 2.262.1 stores every ID behind 'annotation::', which its own filter
        // then never matches: the pack honours such an acknowledgment itself.
        else if (!found && (legacy.includes(key) || key.replace(/^annotation::/i, '') === qualified)) found = 'legacy';
      }
    }
  }
  return found;
}
