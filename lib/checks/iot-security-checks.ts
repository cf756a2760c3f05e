import { CfnResource, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { NagPack, NagPackProps } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { assertPackPeers } from '../core/private/peer-versions';
import { withResolutionCache } from './private/cfn';
import { IotRule } from './rule-definition';
import { ALL_RULES } from './rules';

/** The pack's name, and the prefix of every rule ID: `IoTSecurity-ID1`. */
export const IOT_SECURITY_PACK_NAME = 'IoTSecurity';

/**
 * A cdk-nag v3 rule pack that enforces the ten practices of a secure IoT deployment at synth.
 *
 * ```ts
 * Validations.of(app).addPlugins(new IotSecurityChecks(app));
 * ```
 *
 * Rules dispatch on resource type, so a resource only meets the rules that concern it.
 */
export class IotSecurityChecks extends NagPack {
  public readonly name = IOT_SECURITY_PACK_NAME;
  public readonly ruleIds: string[] = ALL_RULES.map((r) => `${IOT_SECURITY_PACK_NAME}-${r.metadata.id}`);
  private readonly byType: Map<string, IotRule[]>;
  private readonly anyType: IotRule[];

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    assertPackPeers('IotSecurityChecks');
    this.packName = IOT_SECURITY_PACK_NAME;
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

  public validateScope(scope: IConstruct): PolicyValidationPluginReport {
    return withResolutionCache(() => super.validateScope(scope));
  }

  protected checkResource(node: CfnResource): void {
    const specific = this.byType.get(node.cfnResourceType);
    if (specific) specific.forEach((rule) => this.apply(rule, node));
    this.anyType.forEach((rule) => this.apply(rule, node));
  }

  private apply(rule: IotRule, node: CfnResource): void {
    const m = rule.metadata;
    this.applyRule({
      ruleSuffixOverride: m.id,
      info: m.info,
      explanation: `${m.explanation} Fix: ${m.fix}`,
      level: m.level,
      node,
      rule,
    });
  }
}
