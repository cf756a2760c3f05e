import { Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';

const CLAIMS = Symbol.for('cdk-secure-iot.account-singletons');

interface Claim {
  /** The account, or undefined for an environment-agnostic stack. */
  readonly account?: string;
  /** The region, or undefined for an environment-agnostic stack. */
  readonly region?: string;
  readonly path: string;
}

const describe = (c: Claim) => `account ${c.account ?? '<any account>'}, region ${c.region ?? '<any region>'}`;

/** Whether two claims may land on the same account and region: an unknown part matches anything. */
function mayOverlap(a: Claim, b: Claim): boolean {
  const same = (x?: string, y?: string) => x === undefined || y === undefined || x === y;
  return same(a.account, b.account) && same(a.region, b.region);
}

/**
 * AWS allows one of some IoT settings per account and region (logging, audit configuration,
 * encryption configuration, fleet indexing). Only one construct in an app may own each; a
 * second one that may deploy to the same account and region is an error at synth, naming both.
 *
 * An environment-agnostic stack (or one whose account or region is left open) may be deployed to
 * any account and region, so its claim collides with every other claim of the same setting whose
 * known parts do not differ: CloudFormation would otherwise fight over the setting.
 */
export function claimAccountSingleton(owner: Construct, setting: string): void {
  const root = owner.node.root as IConstruct & { [CLAIMS]?: Map<string, Claim[]> };
  const claims = root[CLAIMS] ?? (root[CLAIMS] = new Map());
  const stack = Stack.of(owner);
  const claim: Claim = {
    account: Token.isUnresolved(stack.account) ? undefined : stack.account,
    region: Token.isUnresolved(stack.region) ? undefined : stack.region,
    path: owner.node.path,
  };
  const previous = (claims.get(setting) ?? []).find((c: Claim) => mayOverlap(c, claim));
  if (previous !== undefined) {
    throw new Error(`${owner.node.path}: the ${setting} of ${describe(claim)} may be the one ${previous.path} (${describe(previous)}) already owns; `
      + 'AWS keeps one per account and region, so only one construct may set it (give the stacks explicit, different environments if they deploy apart)');
  }
  claims.set(setting, [...(claims.get(setting) ?? []), claim]);
}
