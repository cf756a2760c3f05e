import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { IOT_SERVICE_PRINCIPALS, POLICY_PATHS, STATEMENT_PATHS, trustOf } from '../../../core/private/service-trust';
import { findInStack, resolvedProperties } from '../../private/cfn';
import { Findings } from '../../private/cfn-values';
import { items, literalTexts, member, members, parsedDocuments, renderedForms, scalar } from '../../private/documents';
import { globMatch } from '../../private/iam-data';
import { Evaluated, isJsonObject, Placeholders, Segment } from '../../private/intrinsics';
import { defineRule } from '../../rule-definition';

const PERMISSION = 'AWS::Lambda::Permission';
const ROLE = 'AWS::IAM::Role';

/** Condition keys that bound a service to the account (or organization) it acts for, lower case. */
const ACCOUNT_KEYS = new Set(['aws:sourceaccount', 'aws:sourceowner']);
const ARN_KEYS = new Set(['aws:sourcearn']);
const ORG_KEYS = new Set(['aws:sourceorgid', 'aws:sourceorgpaths']);

/**
 * Operators that admit a request only when the key is present and matches (IAM User Guide, "IAM
 * JSON policy elements: Condition operators"): string and ARN matching. Their `...IfExists`
 * forms also admit a request without the key, `ForAllValues:` admits one whose key is absent
 * (IAM User Guide, "Set operators for multivalued context keys"), and the negated forms admit
 * everything but the listed values: none of those is a lock. `ForAnyValue:` on an absent key is
 * false, so it binds like the plain operator. Lower case.
 */
const BINDING_OPERATORS = new Set(['stringequals', 'stringequalsignorecase', 'stringlike', 'arnequals', 'arnlike']);
/** The negated operators that, in a Deny statement, deny every request whose key is absent or another value. Lower case. */
const DENYING_OPERATORS = new Set(['stringnotequals', 'stringnotequalsignorecase', 'stringnotlike', 'arnnotequals', 'arnnotlike']);

/** How one value of a lock key reads: this account, not a lock (with why), or unreadable. */
type Verdict = 'ok' | 'open' | 'unresolved';

/** What the rule needs to know of the stack: its account, when the stack names one, and the resource judged. */
interface Context {
  readonly account?: string;
  readonly node: CfnResource;
}

/**
 * Resource types whose `Fn::GetAtt` returns a value the template does not fix: a custom
 * resource's `Data`, a nested stack's `Outputs.*`, an SSM parameter's `Value`, a wait
 * condition's `Data`. Any of them can be `arn:aws:iot:*:*:*` or another account's rule.
 */
const FREE_VALUE_TYPES: ReadonlySet<string> = new Set(['AWS::CloudFormation::CustomResource', 'AWS::CloudFormation::Stack', 'AWS::SSM::Parameter', 'AWS::CloudFormation::WaitCondition']);

/** Whether a `Ref`/`Fn::GetAtt` (`Id` or `Id.Attribute`) names a resource of the stack by a value the template fixes (its ARN, its name). */
function fixedByStack(label: string, ctx: Context): boolean {
  const target = findInStack(ctx.node, label.split('.')[0]);
  if (!target) return false;
  const type = target.cfnResourceType;
  return !type.startsWith('Custom::') && !FREE_VALUE_TYPES.has(type);
}

/** One account ID (the value of `aws:SourceAccount`, or the account part of an ARN) judged against this stack's account. */
function accountVerdict(segments: Segment[], ctx: Context, allowEmpty: boolean): Verdict {
  if (segments.length === 0) return allowEmpty ? 'ok' : 'open';
  if (segments.length === 1) {
    const s = segments[0];
    if (s.kind === 'pseudo') return s.label === 'AWS::AccountId' ? 'ok' : 'open';
    if (s.kind === 'text') {
      if (/[*?]/.test(s.text)) return 'open';
      if (!/^\d{12}$/.test(s.text)) return 'open';
      return ctx.account === undefined || ctx.account === s.text ? 'ok' : 'open';
    }
    return 'unresolved';
  }
  // Text beside a placeholder: a wildcard in the text is open whatever the rest is.
  return segments.some((s) => s.kind === 'text' && /[*?]/.test(s.text)) ? 'open' : 'unresolved';
}

/**
 * One value of `aws:SourceArn`: an ARN of this account (or a resource of this stack, by `Ref`/`Fn::GetAtt`).
 * `stringLike`: compared with `StringLike`, whose `*` matches anywhere in the string, colons
 * included, where `ArnLike` checks each of the six colon-delimited components separately (IAM User
 * Guide, "IAM JSON policy elements: Condition operators"): a `*` before the account part can then
 * absorb another account's ARN up to a resource name holding `:<this account>:` (a security
 * profile's name may hold colons), so it binds nothing; the same for `StringNotLike` in a Deny.
 */
function arnVerdict(segments: Segment[], ctx: Context, accountBound: boolean, stringLike = false): Verdict {
  if (segments.length === 1 && segments[0].kind === 'ref') return fixedByStack(segments[0].label, ctx) ? 'ok' : 'unresolved';
  // Split on the colons of the literal text; placeholders carry none.
  const parts: Segment[][] = [[]];
  for (const s of segments) {
    if (s.kind !== 'text') {
      parts[parts.length - 1].push(s);
      continue;
    }
    const pieces = s.text.split(':');
    pieces.forEach((piece, i) => {
      if (i > 0) parts.push([]);
      if (piece !== '') parts[parts.length - 1].push({ kind: 'text', text: piece });
    });
  }
  if (parts.length < 6) return segments.some((s) => s.kind !== 'text') ? 'unresolved' : 'open';
  const head = parts[0];
  if (!(head.length === 1 && head[0].kind === 'text' && head[0].text === 'arn')) {
    return head.some((s) => s.kind !== 'text') ? 'unresolved' : 'open';
  }
  if (stringLike && parts.slice(0, 4).some((p) => p.some((s) => s.kind === 'text' && s.text.includes('*')))) return 'open';
  // An ARN without an account (an S3 bucket's) bounds the service only beside aws:SourceAccount.
  if (parts[4].length === 0) return accountBound ? 'ok' : 'open';
  return accountVerdict(parts[4], ctx, false);
}

/** One value of `aws:SourceOrgID` (`o-...`) or `aws:SourceOrgPaths` (`o-.../r-.../...`): the organization named literally. */
function orgVerdict(segments: Segment[]): Verdict {
  if (segments.some((s) => s.kind !== 'text')) return 'unresolved';
  const text = segments.map((s) => (s.kind === 'text' ? s.text : '')).join('');
  const org = text.split('/')[0];
  return /^o-[a-z0-9]{10,32}$/.test(org) ? 'ok' : 'open';
}

interface Condition {
  readonly operator: string;
  readonly key: string;
  readonly values: Evaluated[];
}

function conditionsOf(statement: { [key: string]: Evaluated }): Condition[] {
  const out: Condition[] = [];
  for (const [operator, block] of members(member(statement, 'Condition'))) {
    for (const [key, value] of members(block)) out.push({ operator: operator.toLowerCase(), key: key.toLowerCase(), values: items(value) });
  }
  return out;
}

/** The verdict on every value of one condition: 'ok' only when each value bounds the service to this account. */
function conditionVerdict(c: Condition, ph: Placeholders, ctx: Context, accountBound: boolean): Verdict {
  if (c.values.length === 0) return 'open';
  let unresolved = false;
  for (const value of c.values) {
    // YAML reads a bare account ID as a number.
    if (typeof value !== 'string' && typeof value !== 'number') {
      if (isJsonObject(value) || Array.isArray(value) || value === null || typeof value === 'boolean') return 'open';
      unresolved = true;
      continue;
    }
    const segments = ph.decode(String(value));
    const verdict = ACCOUNT_KEYS.has(c.key) ? accountVerdict(segments, ctx, false)
      : ARN_KEYS.has(c.key) ? arnVerdict(segments, ctx, accountBound, /^(foranyvalue:)?string(not)?like$/.test(c.operator))
        : orgVerdict(segments);
    if (verdict === 'open') return 'open';
    if (verdict === 'unresolved') unresolved = true;
  }
  return unresolved ? 'unresolved' : 'ok';
}

function isLockKey(key: string): boolean {
  return ACCOUNT_KEYS.has(key) || ARN_KEYS.has(key) || ORG_KEYS.has(key);
}

/**
 * Whether the conditions of an Allow statement bound the service to this account: 'ok' when one
 * binding condition on a lock key holds only values of this account (conditions are ANDed, so one
 * is enough), 'unresolved' when none does but one cannot be read.
 */
function lockOf(conditions: Condition[], ph: Placeholders, ctx: Context): Verdict {
  const binding = conditions.filter((c) => isLockKey(c.key) && BINDING_OPERATORS.has(c.operator.replace(/^foranyvalue:/, '')));
  const accountBound = binding.some((c) => ACCOUNT_KEYS.has(c.key) && conditionVerdict(c, ph, ctx, false) === 'ok');
  let unresolved = false;
  for (const c of binding) {
    const verdict = conditionVerdict(c, ph, ctx, accountBound);
    if (verdict === 'ok') return 'ok';
    if (verdict === 'unresolved') unresolved = true;
  }
  return unresolved ? 'unresolved' : 'open';
}

/** The service principals a statement names, normalized (`iot.${AWS::URLSuffix}` is `iot.amazonaws.com`), and whether one could not be read. */
function servicesOf(statement: { [key: string]: Evaluated }, ph: Placeholders): { services: string[]; unreadable: boolean } {
  const principal = member(statement, 'Principal');
  if (!isJsonObject(principal)) return { services: [], unreadable: false };
  const services: string[] = [];
  let unreadable = false;
  for (const item of items(member(principal, 'Service'))) {
    if (typeof item !== 'string') {
      unreadable = true;
      continue;
    }
    const segments = ph.decode(item);
    const literal = segments.every((s) => s.kind === 'text' || (s.kind === 'pseudo' && s.label === 'AWS::URLSuffix'));
    if (literal) {
      const text = segments.map((s) => (s.kind === 'text' ? s.text : 'amazonaws.com')).join('').trim().toLowerCase();
      services.push(text.replace(/\.amazonaws\.com\.cn$/, '.amazonaws.com'));
      continue;
    }
    // Judged only if what can be read could still be an IoT principal.
    const pattern = new RegExp(`^${segments.map((s) => (s.kind === 'text' ? s.text.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : '.*')).join('')}$`);
    if ([...IOT_SERVICE_PRINCIPALS].some((p) => pattern.test(p))) unreadable = true;
  }
  return { services, unreadable };
}

function textsOf(value: Evaluated | undefined, ph: Placeholders): string[] {
  return literalTexts(value, ph, new Findings(), '');
}

/**
 * Whether a Deny statement of the same policy closes the door: it names the service (or every
 * principal), every action the Allow grants, every resource, and denies with a negated operator
 * (not IfExists) whenever aws:SourceAccount or aws:SourceArn is not this account.
 */
function deniedElsewhere(
  allow: { [key: string]: Evaluated }, denies: { [key: string]: Evaluated }[], service: string, ph: Placeholders, ctx: Context,
): boolean {
  const allowActions = textsOf(member(allow, 'Action'), ph).map((a) => a.toLowerCase());
  return denies.some((deny) => {
    const principal = member(deny, 'Principal');
    const names = principal === '*' || (isJsonObject(principal) && textsOf(member(principal, 'AWS'), ph).includes('*'))
      || (isJsonObject(principal) && servicesOf(deny, ph).services.includes(service));
    if (!names || member(deny, 'NotAction') !== undefined || member(deny, 'NotResource') !== undefined) return false;
    const denyActions = textsOf(member(deny, 'Action'), ph).map((a) => a.toLowerCase());
    if (allowActions.length === 0 || !allowActions.every((a) => denyActions.some((d) => globMatch(d, a)))) return false;
    const resources = member(deny, 'Resource');
    if (resources !== undefined && !textsOf(resources, ph).includes('*') && JSON.stringify(resources) !== JSON.stringify(member(allow, 'Resource'))) return false;
    const conditions = conditionsOf(deny);
    return conditions.length > 0 && conditions.length === conditions.filter((c) => isLockKey(c.key) && DENYING_OPERATORS.has(c.operator)).length
      && conditions.some((c) => conditionVerdict(c, ph, ctx, false) === 'ok') && conditions.every((c) => conditionVerdict(c, ph, ctx, true) === 'ok');
  });
}

/** Judges the statements of one policy document (one form of it) for IoT service principals left without a lock. */
function judgeStatements(
  statements: Evaluated[], ph: Placeholders, where: 'role' | 'resource', ctx: Context, findings: Findings, conditionPath: string,
): void {
  const objects = statements.filter(isJsonObject);
  const effectOf = (st: { [key: string]: Evaluated }) => scalar(member(st, 'Effect'), ph);
  const denies = objects.filter((st) => typeof effectOf(st) === 'string' && (effectOf(st) as string).toLowerCase() === 'deny');
  for (const statement of objects) {
    // A Deny admits no one; an unreadable effect is read as Allow.
    if (denies.includes(statement)) continue;
    const { services, unreadable } = servicesOf(statement, ph);
    if (unreadable) findings.add('Unresolved', 'Principal');
    for (const service of services) {
      if (!IOT_SERVICE_PRINCIPALS.has(service)) continue;
      const trust = trustOf(service, where);
      if (trust?.keys !== 'source-keys') continue;
      const lock = lockOf(conditionsOf(statement), ph, ctx);
      if (lock === 'ok' || deniedElsewhere(statement, denies, service, ph, ctx)) continue;
      if (lock === 'unresolved') findings.add('Unresolved', conditionPath);
      else findings.add('Unlocked', service);
    }
  }
}

/** The statements of every form of the policy document at `value`. */
function documentStatements(node: CfnResource, value: unknown, path: string, findings: Findings): { statements: Evaluated[]; ph: Placeholders }[] {
  return parsedDocuments(node, value, 'json', path, findings).map(({ document, ph }) => ({ statements: items(member(document, 'Statement')), ph }));
}

/**
 * The statement an `AWS::Lambda::Permission` adds to the function's policy: Lambda turns
 * `SourceAccount` into `StringEquals aws:SourceAccount` and `SourceArn` into `ArnLike
 * aws:SourceArn` (Lambda Developer Guide, "Viewing resource-based IAM policies in Lambda" /
 * AddPermission API reference). `PrincipalOrgID` bounds account principals to an organization,
 * not a service principal, so it is no lock here.
 */
function permissionStatement(props: { [key: string]: unknown }): { [key: string]: unknown } {
  const condition: { [op: string]: { [key: string]: unknown } } = {};
  if (props.SourceAccount !== undefined) condition.StringEquals = { 'aws:SourceAccount': props.SourceAccount };
  if (props.SourceArn !== undefined) condition.ArnLike = { 'aws:SourceArn': props.SourceArn };
  return { Effect: 'Allow', Principal: { Service: props.Principal }, Action: props.Action, Condition: condition };
}

function contextOf(node: CfnResource): Context {
  const account = Stack.of(node).account;
  return { account: Token.isUnresolved(account) ? undefined : account, node };
}

/**
 * IoTSecurity-GW15: a role or resource policy lets an AWS IoT service principal act only for this
 * account.
 *
 * A service principal in a trust or resource policy admits the service acting for any customer
 * unless a condition bounds it (AWS IoT Core Developer Guide, "Cross-service confused deputy
 * prevention"; IAM User Guide, "The confused deputy problem"). The IoT principals judged, and
 * whether each sends the keys where it is admitted, are the table `SERVICE_TRUST`
 * (`core/private/service-trust.ts`, each entry with its AWS source): `iot`, `iotevents`,
 * `iotsitewise` and `greengrass` send `aws:SourceArn`/`aws:SourceAccount` and must be bounded;
 * the credentials provider (`credentials.iot`), TwinMaker and IoT Wireless roles are documented
 * without them and pass.
 *
 * Read: `AWS::Lambda::Permission` (`Principal`, `SourceAccount`, `SourceArn`), the trust policy of
 * `AWS::IAM::Role`, and the resource policies of SNS topics, SQS queues, KMS keys, S3 buckets,
 * EventBridge buses and bus policies, Backup vaults, Secrets Manager, Logs, ECR, OpenSearch and
 * API Gateway (`POLICY_PATHS`); documents as objects or JSON strings, principals as a string, a
 * list or `iot.${AWS::URLSuffix}`, every `Fn::If` branch and allowed parameter value. A custom
 * resource calling Lambda `AddPermission` or IAM `CreateRole` is judged as the native resource.
 * SAM's `IoTRule` event writes its permission with both `SourceArn` (the rule) and
 * `SourceAccount` (SAM `samtranslator/model/eventsources/push.py`, `IoTRule.to_cloudformation`),
 * so a SAM function passes once the scanner expands it.
 *
 * A lock is a condition with a binding operator (`StringEquals`, `StringEqualsIgnoreCase`,
 * `StringLike`, `ArnEquals`, `ArnLike`, or their `ForAnyValue:` forms; keys compared without
 * regard to case) whose every value names this account: `aws:SourceAccount` (or the legacy
 * `aws:SourceOwner`) `${AWS::AccountId}` or a literal 12-digit account (the stack's, when it names
 * one); `aws:SourceArn` a resource of the stack (`Ref`/`Fn::GetAtt`; a custom resource's, nested stack's or
 * SSM parameter's attribute is a value the template does not fix, and unresolved) or an ARN whose account part
 * is this account, without wildcard (an ARN with no account part, an S3 bucket's, only beside an
 * `aws:SourceAccount` lock); `aws:SourceOrgID`/`aws:SourceOrgPaths` a literal organization (IAM User Guide, "The
 * confused deputy problem", section "Cross-service confused deputy prevention", recommends
 * aws:SourceArn, aws:SourceAccount, aws:SourceOrgID or aws:SourceOrgPaths in resource policies;
 * the organization keys bound the service to the accounts of one organization).
 * `...IfExists` operators, `ForAllValues:` and `Null` are no lock: each admits a request that
 * carries no key (IAM User Guide, "IAM JSON policy elements: Condition operators", section
 * "...IfExists condition operators": a key absent from the request context makes the condition
 * true; "Single-valued vs. multivalued context keys": `ForAllValues` is true for an absent key). A Deny statement of the same policy naming the service (or `*`),
 * every action and resource of the Allow, with only negated operators (`StringNotEquals`,
 * `ArnNotLike`...) on these keys holding this account, also closes the door.
 *
 * Findings: `Unlocked::<principal>`; `Unresolved::Principal`, `Unresolved::Condition` (or
 * `::SourceArn`/`::SourceAccount` of a permission) and `Unresolved::<property>` where a value that
 * may decide it cannot be read.
 */
export const IoTServiceConfusedDeputy = defineRule({
  id: 'GW15',
  practice: Practice.GATEWAYS_AND_IT,
  iotLens: ['IOTSEC04', 'IOTSEC07'],
  attackEnterprise: ['T1078.004', 'T1648'],
  attackIcs: ['T0859'],
  level: NagMessageLevel.ERROR,
  info: 'A role or resource policy admits an AWS IoT service principal without aws:SourceArn or aws:SourceAccount bounding it to this account.',
  explanation:
    'A service principal names the service, not the customer it acts for: without aws:SourceAccount or aws:SourceArn, AWS IoT acting for any account ' +
    '(a topic rule or authorizer of someone else pointing at this function, topic or role) passes the policy. That is the confused deputy: another account ' +
    'invokes the function, publishes to the topic or uses the role through AWS IoT.',
  fix: 'Add aws:SourceAccount (${AWS::AccountId}) and, where the resource is known, aws:SourceArn (the rule, authorizer or template ARN) with StringEquals/ArnLike '
    + '(SourceAccount and SourceArn on AWS::Lambda::Permission; `sourceAccount`/`sourceArn` of lambda addPermission; confusedDeputySafePrincipal for grants), never the IfExists forms.',
  resourceTypes: [PERMISSION, ...Object.keys(POLICY_PATHS), ...Object.keys(STATEMENT_PATHS)],
}, (node: CfnResource): NagRuleResult => {
  const type = node.cfnResourceType;
  const props = resolvedProperties(node);
  const ctx = contextOf(node);
  const findings = new Findings();
  const where = type === ROLE ? 'role' : 'resource';
  if (type === PERMISSION) {
    const labels = new Findings();
    for (const { value, ph } of renderedForms(node, permissionStatement(props), 'Principal', findings)) {
      judgeStatements([value], ph, 'resource', ctx, labels, 'Condition');
    }
    // A permission's conditions are its SourceAccount and SourceArn properties.
    for (const f of labels.toArray()) {
      if (f === 'Unresolved::Condition') {
        if (props.SourceArn !== undefined) findings.add('Unresolved', 'SourceArn');
        if (props.SourceAccount !== undefined) findings.add('Unresolved', 'SourceAccount');
      } else {
        findings.add(f);
      }
    }
  } else if (STATEMENT_PATHS[type] !== undefined) {
    const path = STATEMENT_PATHS[type];
    for (const { value, ph } of renderedForms(node, props[path], path, findings)) judgeStatements(items(value), ph, where, ctx, findings, 'Condition');
  } else {
    for (const path of POLICY_PATHS[type] ?? []) {
      for (const { statements, ph } of documentStatements(node, props[path], path, findings)) judgeStatements(statements, ph, where, ctx, findings, 'Condition');
    }
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
