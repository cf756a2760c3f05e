import { displaySegments, Placeholders, renderString } from './intrinsics';

/**
 * How a value of the template (an ARN, a name) is written in a finding ID, the same way by every
 * rule: literal text as is, each part CloudFormation fills at deploy as `${...}` naming what fills
 * it: a pseudo parameter (`${AWS::Partition}`), a parameter or a resource (`${Param}`,
 * `${Bucket}`), an attribute (`${Bucket.Arn}`), an import (`${Fn::ImportValue:Name}`). Two values
 * that differ in any part read differently, so a finding ID acknowledged for one never silences
 * the other; the same value reads the same whether the template wrote it as a literal,
 * `Fn::Sub` or `Fn::Join`. Finding IDs are what users acknowledge, so this is deterministic.
 *
 * Shape checks on ARNs use `templateString` (`iam-policy.ts`), whose `{?}` holes never carry a
 * colon; this rendering is for people, not for splitting on `:`.
 *
 * An `Fn::If` is shown as `${Fn::If}`: callers that judge each branch render each branch
 * (`branches` in `cfn-values.ts`).
 */
export function displayValue(value: unknown): string {
  const ph = new Placeholders();
  return displaySegments(ph.decode(renderString(value, ph, 'cloudformation')));
}
