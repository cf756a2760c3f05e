import { IotSecurityChecks } from '../../checks/iot-security-checks';
import { ALL_RULES } from '../../checks/rules';

/**
 * What the scanner knows of the rule pack, read only through `IotSecurityChecks` and each rule's
 * `metadata` (`id`, `level`, `info`, `explanation`, `fix`), so the pack can grow without the
 * scanner changing.
 */
export type RuleMetadataOf = (typeof ALL_RULES)[number]['metadata'];

let packName: string | undefined;

/** The pack's name, the prefix of every rule ID (`IoTSecurity`). */
export function rulePackName(): string {
  packName ??= new IotSecurityChecks().readPackName;
  return packName;
}

/** A rule's full ID: `IoTSecurity-ID1`. */
export function fullRuleId(metadata: RuleMetadataOf): string {
  return `${rulePackName()}-${metadata.id}`;
}

let byId: Map<string, RuleMetadataOf> | undefined;

/** Every rule's metadata by full rule ID. */
export function rulesById(): ReadonlyMap<string, RuleMetadataOf> {
  byId ??= new Map(ALL_RULES.map((r) => [fullRuleId(r.metadata), r.metadata]));
  return byId;
}
