import { Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';

const CLAIMS = Symbol.for('cdk-secure-iot.account-singletons');

/**
 * AWS allows one of some IoT settings per account and region (logging, audit configuration,
 * encryption configuration, fleet indexing). Only one construct in an app may own each; a
 * second one for the same environment is an error at synth, naming both.
 *
 * Environment-agnostic stacks count as one environment: they may well be deployed to the same
 * account and region, and CloudFormation would then fight over the setting.
 */
export function claimAccountSingleton(owner: Construct, setting: string): void {
  const root = owner.node.root as IConstruct & { [CLAIMS]?: Map<string, string> };
  const claims = root[CLAIMS] ?? (root[CLAIMS] = new Map());
  const stack = Stack.of(owner);
  const account = Token.isUnresolved(stack.account) ? '<any account>' : stack.account;
  const region = Token.isUnresolved(stack.region) ? '<any region>' : stack.region;
  const key = `${setting}|${account}|${region}`;
  const previous = claims.get(key);
  if (previous !== undefined) {
    throw new Error(`${owner.node.path}: the ${setting} of account ${account}, region ${region} is already owned by ${previous}; `
      + 'AWS keeps one per account and region, so only one construct may set it (give the stacks explicit, different environments if they deploy apart)');
  }
  claims.set(key, owner.node.path);
}
