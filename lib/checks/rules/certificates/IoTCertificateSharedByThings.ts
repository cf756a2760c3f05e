import { CfnCondition, CfnResource, Stack } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { findInStack, memoizeInPass, referencedLogicalId, resolvedProperties, resourcesInStack } from '../../private/cfn';
import { branches, possibleValues } from '../../private/cfn-values';
import { displaySegments, Placeholders, renderString } from '../../private/intrinsics';
import { defineRule } from '../../rule-definition';

const ATTACHMENT = 'AWS::IoT::ThingPrincipalAttachment';
const CERTIFICATE = 'AWS::IoT::Certificate';
const THING = 'AWS::IoT::Thing';

/** A certificate ID: 64 hex digits, the end of its ARN. */
const CERT_ARN = /:cert\/([0-9a-f]{64})$/i;

/**
 * The certificates a `Principal` can name, as keys: `cert:<logical ID>` for a certificate of the
 * stack (its `Arn` attribute, a `Ref`, or an ARN built with `Fn::Sub`/`Fn::Join` ending in
 * `cert/${Cert}`), `certid:<id>` for a literal certificate ARN. A principal that is neither
 * (an import, a parameter without allowed values, a Cognito identity) has no key and is not compared.
 */
function principalKeys(node: CfnResource, value: unknown): string[] {
  const keys: string[] = [];
  for (const branch of branches(value)) {
    const id = referencedLogicalId(branch);
    if (id !== undefined && findInStack(node, id)?.cfnResourceType === CERTIFICATE) {
      keys.push(`cert:${id}`);
      continue;
    }
    for (const v of possibleValues(node, branch)) {
      const literal = typeof v === 'string' ? CERT_ARN.exec(v)?.[1] : undefined;
      if (literal) keys.push(`certid:${literal.toLowerCase()}`);
    }
    if (typeof branch === 'object' && branch !== null && id === undefined) {
      // An ARN built around a reference: `arn:${AWS::Partition}:iot:...:cert/${Cert}`.
      const ph = new Placeholders();
      const segments = ph.decode(renderString(branch, ph, 'cloudformation'));
      const last = segments[segments.length - 1];
      const before = segments[segments.length - 2];
      if (last?.kind === 'ref' && before?.kind === 'text' && before.text.endsWith(':cert/')) {
        const target = last.label.split('.')[0];
        if (findInStack(node, target)?.cfnResourceType === CERTIFICATE) keys.push(`cert:${target}`);
      } else if (segments.length > 0 && last?.kind === 'text') {
        const m = CERT_ARN.exec(displaySegments(segments));
        if (m) keys.push(`certid:${m[1].toLowerCase()}`);
      }
    }
  }
  return [...new Set(keys)];
}

/**
 * The things a `ThingName` can name, as keys: `thing:<name>` for a literal name or a thing of the
 * stack with a literal `ThingName`, `thingres:<logical ID>` for a thing of the stack whose name
 * CloudFormation generates. `undefined` stands for a name known only at deploy time.
 */
function thingKeys(node: CfnResource, value: unknown): (string | undefined)[] {
  const keys: (string | undefined)[] = [];
  for (const branch of branches(value)) {
    const id = referencedLogicalId(branch);
    const thing = id === undefined ? undefined : findInStack(node, id);
    if (thing?.cfnResourceType === THING) {
      const names = possibleValues(thing, resolvedProperties(thing).ThingName);
      for (const name of names) keys.push(typeof name === 'string' ? `thing:${name}` : name === undefined ? `thingres:${id}` : undefined);
      continue;
    }
    for (const name of possibleValues(node, branch)) keys.push(typeof name === 'string' ? `thing:${name}` : undefined);
  }
  return keys;
}

/** Whether two thing keys certainly name different things. */
function distinct(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a === b) return false;
  // A generated name is not a name the template wrote; two keys of the same kind differ by value.
  return a.startsWith('thingres:') || b.startsWith('thingres:') || a.split(':')[0] === b.split(':')[0];
}

/** The conditions of the stack by logical ID, as their rendered expressions. */
function conditionsOf(node: CfnResource): ReadonlyMap<string, unknown> {
  const stack = Stack.of(node);
  return memoizeInPass('ID20.conditions', stack, () => {
    const out = new Map<string, unknown>();
    for (const c of stack.node.findAll()) {
      if (!(c instanceof CfnCondition) || Stack.of(c) !== stack) continue;
      try {
        out.set(stack.resolve(c.logicalId), stack.resolve(c.expression));
      } catch {
        // An unreadable condition excludes nothing.
      }
    }
    return out;
  });
}

/** The logical ID of a resource's `Condition`, if it has one. */
function conditionOf(node: CfnResource): string | undefined {
  const c = node.cfnOptions.condition;
  if (!c) return undefined;
  try {
    const id = Stack.of(node).resolve(c.logicalId);
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** `X` for `{"Fn::Not": [{"Condition": "X"}]}`. */
function negated(expression: unknown): string | undefined {
  if (typeof expression !== 'object' || expression === null) return undefined;
  const arg = (expression as { [k: string]: unknown })['Fn::Not'];
  const inner = Array.isArray(arg) && arg.length === 1 ? arg[0] : undefined;
  const name = typeof inner === 'object' && inner !== null ? (inner as { [k: string]: unknown }).Condition : undefined;
  return typeof name === 'string' ? name : undefined;
}

/** `[Ref-JSON, value]` for `{"Fn::Equals": [{"Ref": P}, "literal"]}` (either order). */
function equalsLiteral(expression: unknown): [string, string] | undefined {
  if (typeof expression !== 'object' || expression === null) return undefined;
  const arg = (expression as { [k: string]: unknown })['Fn::Equals'];
  if (!Array.isArray(arg) || arg.length !== 2) return undefined;
  const [a, b] = arg;
  if (typeof a === 'string' && typeof b === 'object' && b !== null) return [JSON.stringify(b), a];
  if (typeof b === 'string' && typeof a === 'object' && a !== null) return [JSON.stringify(a), b];
  return undefined;
}

/**
 * Whether two resource conditions can never both be true: one is `Fn::Not` of the other, or both
 * compare the same value with `Fn::Equals` to two different literals (`Env` is `prod` / `dev`).
 */
function exclusive(node: CfnResource, a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a === b) return false;
  const conditions = conditionsOf(node);
  const ea = conditions.get(a);
  const eb = conditions.get(b);
  if (negated(ea) === b || negated(eb) === a) return true;
  const qa = equalsLiteral(ea);
  const qb = equalsLiteral(eb);
  return qa !== undefined && qb !== undefined && qa[0] === qb[0] && qa[1] !== qb[1];
}

/**
 * IoTSecurity-ID20: one certificate is attached to one thing only.
 *
 * Every `AWS::IoT::ThingPrincipalAttachment` of the stack whose `Principal` names the same
 * certificate (see `principalKeys`: by `Fn::GetAtt Cert.Arn` or `Ref`, an ARN built with
 * `Fn::Sub`/`Fn::Join`, or the same literal ARN, in any `Fn::If` branch) is compared; when one of
 * them attaches it to a thing that is certainly another one (another literal name, another thing
 * of the stack), each attachment has the finding `SharedCertificate::<certificate>`. Names known
 * only at deploy time are not compared: they may be the same thing. This is the sharing
 * IoTSecurity-ID6 warns a non-exclusive attachment allows, found in the template itself; it is
 * what Device Defender's DEVICE_CERTIFICATE_SHARED_CHECK finds once devices connect. Two
 * attachments whose resource `Condition`s exclude each other (one the `Fn::Not` of the other, or
 * `Fn::Equals` of the same parameter to two different values) never deploy together and are not compared.
 */
export const IoTCertificateSharedByThings = defineRule({
  id: 'ID20',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC01', 'IOTSEC05'],
  attackEnterprise: ['T1078', 'T1552.004'],
  attackIcs: ['T0859', 'T0849'],
  auditCheck: 'DEVICE_CERTIFICATE_SHARED_CHECK',
  level: NagMessageLevel.ERROR,
  info: 'The certificate is attached to more than one thing in the template.',
  explanation:
    'Things that share a certificate share an identity: each can connect as the others, AWS IoT logs and Device Defender metrics cannot ' +
    'tell them apart, a key extracted from one device impersonates all of them, and revoking it takes every one offline.',
  fix: 'Give each thing its own certificate (fleet provisioning, just-in-time registration or one AWS::IoT::Certificate per device) and attach it with ThingPrincipalType EXCLUSIVE_THING.',
  resourceTypes: [ATTACHMENT],
}, (node: CfnResource): NagRuleResult => {
  // Every attachment meets every other: each one's keys are read once per pass.
  const keysOf = (a: CfnResource) => memoizeInPass('ID20.attachment', a, () => {
    const p = resolvedProperties(a);
    return { principals: principalKeys(a, p.Principal), things: thingKeys(a, p.ThingName) };
  });
  const { principals, things } = keysOf(node);
  if (principals.length === 0) return NagRuleCompliance.COMPLIANT;
  const shared = new Set<string>();
  for (const other of resourcesInStack(node)) {
    if (other === node || other.cfnResourceType !== ATTACHMENT) continue;
    // Attachments under conditions that exclude each other never exist together.
    if (exclusive(node, conditionOf(node), conditionOf(other))) continue;
    const otherKeys = keysOf(other);
    const common = otherKeys.principals.filter((p) => principals.includes(p));
    if (common.length === 0) continue;
    const otherThings = otherKeys.things;
    if (things.some((t) => otherThings.some((o) => distinct(t, o)))) common.forEach((p) => shared.add(p.replace(/^cert(id)?:/, '')));
  }
  return shared.size > 0 ? [...shared].map((c) => `SharedCertificate::${c}`) : NagRuleCompliance.COMPLIANT;
});
