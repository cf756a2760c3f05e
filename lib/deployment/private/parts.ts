import { Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { Practice } from '../../core/practice';
import { SecurityPostureReport } from '../../report/security-posture-report';
import { describeValue } from '../../core/private/describe';

/** The shortest reason `SecurityPostureReport.recordDisabledPart` takes. */
const MIN_REASON_LENGTH = 10;

/** A part of a composition: the prop that replaces it, the prop that switches it off, its practice. */
export interface PartSpec {
  /** What the report calls it, e.g. `firmware updates (SignedFirmwarePipeline)`. */
  readonly part: string;
  /** The prop that replaces it with the user's own. */
  readonly replaceProp: string;
  /** The prop that switches it off. */
  readonly disableProp: string;
  /** The practice it serves. */
  readonly practice: Practice;
}

/**
 * The problems of a part's replace and switch-off props: both given, a switch-off without a
 * reason a reviewer can check, a replacement of the wrong class or from another environment.
 */
export function partProblems(
  owner: Construct, spec: PartSpec, replacement: unknown, disabled: unknown,
  expected: Function, expectedName: string,
): string[] {
  const problems: string[] = [];
  if (disabled !== undefined) {
    const reason = (disabled as { reason?: unknown } | null)?.reason;
    if (typeof reason !== 'string' || reason.trim().length < MIN_REASON_LENGTH) {
      problems.push(`${spec.disableProp} needs a reason of at least ${MIN_REASON_LENGTH} characters a reviewer can check `
        + `(e.g. { reason: 'devices are flashed at the factory only' }), got ${describeValue(disabled)}`);
    }
    if (replacement !== undefined) {
      problems.push(`give either ${spec.replaceProp} (your own ${expectedName}) or ${spec.disableProp}, not both`);
    }
  }
  if (replacement !== undefined && !(replacement instanceof expected)) {
    problems.push(`${spec.replaceProp} does not fit: it must be a ${expectedName}, got ${describeValue(replacement)}`);
  } else if (replacement !== undefined) {
    const elsewhere = otherEnvironment(owner, replacement as IConstruct);
    if (elsewhere) problems.push(`${spec.replaceProp} does not fit: ${(replacement as IConstruct).node.path} is in ${elsewhere}, this deployment in ${environmentOf(owner)}`);
  }
  return problems;
}

/** Records a switched-off part in the stack's posture declaration, where the report shows it as a gap. */
export function recordDisabled(owner: Construct, spec: PartSpec, disabled: { readonly reason: string }): void {
  SecurityPostureReport.recordDisabledPart(Stack.of(owner), spec.practice, spec.part, disabled.reason.trim());
}

function environmentOf(scope: IConstruct): string {
  const stack = Stack.of(scope);
  const known = (v: string) => (Token.isUnresolved(v) ? '<any>' : v);
  return `account ${known(stack.account)}, region ${known(stack.region)}`;
}

/** The environment of `part` when it is known to differ from `owner`'s, else undefined. */
function otherEnvironment(owner: IConstruct, part: IConstruct): string | undefined {
  const a = Stack.of(owner);
  const b = Stack.of(part);
  const differ = (x: string, y: string) => !Token.isUnresolved(x) && !Token.isUnresolved(y) && x !== y;
  return differ(a.account, b.account) || differ(a.region, b.region) ? environmentOf(part) : undefined;
}
