import { IOT_SECURITY_PACK_NAME } from '../../checks/iot-security-checks';
import { ALL_RULES } from '../../checks/rules';

/*
 * What the posture report takes from the rule pack's metadata, for the CDK plugin and the
 * template scanner alike.
 */

const PRACTICE_BY_RULE = new Map(ALL_RULES.map((r) => [r.metadata.id, r.metadata.practice as number]));

/** The practice of a finding (`IoTSecurity-ID1[Action::iot:*]`, `IoTSecurity-ID1`), 0 for a rule it does not know. */
export function practiceOfFinding(findingId: string): number {
  return PRACTICE_BY_RULE.get(findingId.replace(`${IOT_SECURITY_PACK_NAME}-`, '').replace(/\[.*$/s, '')) ?? 0;
}

/** The IoT Lens best practices the rules of each practice serve, from their metadata. */
export function iotLensByPractice(): { [practice: number]: string[] } {
  const lens: { [practice: number]: string[] } = {};
  for (const r of ALL_RULES) {
    const ids = r.metadata.iotLens;
    lens[r.metadata.practice] = [...new Set([...(lens[r.metadata.practice] ?? []), ...ids])].sort();
  }
  return lens;
}
