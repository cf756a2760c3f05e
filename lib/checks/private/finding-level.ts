import { NagMessageLevel } from 'cdk-nag';

/** What a finding's level depends on: its rule's level and the kinds it reports as warnings. */
export interface LeveledRule {
  readonly level: NagMessageLevel;
  readonly warningFindings?: string[];
}

/**
 * The level of one finding of a rule: the rule's level, but WARN for a finding whose kind (the
 * part of `finding` before `::`) an ERROR rule lists in `warningFindings`.
 */
export function findingLevel(rule: LeveledRule, finding: string | undefined): NagMessageLevel {
  if (rule.level !== NagMessageLevel.ERROR || finding === undefined || !rule.warningFindings) return rule.level;
  const kind = finding.split('::')[0];
  return rule.warningFindings.includes(kind) ? NagMessageLevel.WARN : rule.level;
}
