import { IConstruct } from 'constructs';
import { RiskProfile } from '../risk-profile';
import { describeValue } from './describe';

/**
 * The profile a construct's `riskProfile` prop gives, `RiskProfile.INDUSTRIAL` when absent. Every
 * default the construct derives comes from it, so anything else is refused at once, naming the
 * construct path, the prop and what was given (a construct, a preset's name as a string...).
 */
export function riskProfileOf(scope: IConstruct, value: unknown, prop = 'riskProfile'): RiskProfile {
  const problems = riskProfileProblems(value, prop);
  if (problems.length > 0) throw new Error(`${scope.node.path}: ${problems.join('; ')}`);
  return (value as RiskProfile | undefined) ?? RiskProfile.INDUSTRIAL;
}

/** The problem of a `riskProfile` prop, for a construct that collects its problems: none when absent or a RiskProfile. */
export function riskProfileProblems(value: unknown, prop = 'riskProfile'): string[] {
  if (value === undefined || value instanceof RiskProfile) return [];
  return [`${prop} must be a RiskProfile (RiskProfile.CONSUMER, RiskProfile.INDUSTRIAL, `
    + `RiskProfile.CRITICAL_INFRASTRUCTURE or RiskProfile.custom({...})), got ${describeValue(value)}`];
}
