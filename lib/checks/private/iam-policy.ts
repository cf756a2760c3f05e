import { CfnResource, Stack } from 'aws-cdk-lib';
import { asArray, findInStack, memoizeInPass, referencedLogicalId, resolvedLogicalId, resolvedProperties, resourcesInStack } from './cfn';
import { displayValue } from './display';
import { StackModel } from './stack-model';
import { branches, Findings, isIntrinsic, isObject, possibleValues, Unresolved } from './cfn-values';
import { expandIamAction, globMatch } from './iam-data';

/**
 * Actions that create or list the log streams of a log group: they reach no log events, so on one
 * named log group, whose ARN CloudWatch Logs writes with a trailing `:*`, they share no data
 * between devices. `logs:PutLogEvents` and the read actions are judged as data access. Kept by
 * hand: the IAM dataset says which resource type authorizes an action, not whether it reaches data.
 */
export const LOG_GROUP_ACTIONS: ReadonlySet<string> = new Set(['logs:createlogstream', 'logs:describelogstreams']);
/** One log group named literally, in its ARN form with the trailing `:*`. */
const ONE_LOG_GROUP = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:[^*?:]+:\*$/;
/**
 * Services whose every action administers identity or the account: any grant of them lets the
 * holder change who may do what. Kept by hand: the IAM dataset files many of their actions under
 * plain `Write` (`iam:PassRole`, `iam:CreateAccessKey`, `sts:AssumeRole`), yet each is an escalation.
 */
export const ADMIN_SERVICES: ReadonlySet<string> = new Set(['iam', 'sts', 'organizations', 'account', 'sso', 'sso-directory', 'identitystore', 'controltower']);

/** Actions of admin services that grant nothing (`sts:GetCallerIdentity` needs no permission). */
export const HARMLESS_ADMIN_ACTIONS: ReadonlySet<string> = new Set(['sts:getcalleridentity']);

/**
 * Actions that the IAM dataset files under plain `Write` (or `Tagging`) but that, from a device
 * or gateway role, are an escalation or a way to hide one: they administer or destroy keys,
 * switch off the audit trail or detection, or rewrite AWS IoT credentials, rules, logging and
 * Device Defender. Lower case. What changes who may do what (`kms:PutKeyPolicy`,
 * `kms:CreateGrant`, `iot:AttachPolicy`, `iot:CreatePolicyVersion`, `s3:PutBucketPolicy`...) is
 * not listed: the dataset's `Permissions management` access level says so for every service (see
 * `isAdminAction`). Kept by hand because the dataset has no notion of "turns off a safeguard";
 * a test checks that every entry is a real action of the pinned dataset and none is already
 * `Permissions management`.
 */
export const ADMIN_ACTIONS: readonly string[] = [
  // KMS key administration: whether a key exists, is usable, and what it is called.
  'kms:createkey', 'kms:schedulekeydeletion', 'kms:cancelkeydeletion', 'kms:disablekey', 'kms:enablekey', 'kms:disablekeyrotation',
  'kms:importkeymaterial', 'kms:deleteimportedkeymaterial', 'kms:createalias', 'kms:updatealias', 'kms:deletealias',
  'kms:replicatekey', 'kms:updateprimaryregion', 'kms:tagresource', 'kms:untagresource',
  // The audit trail and detection.
  'cloudtrail:stoplogging', 'cloudtrail:deletetrail', 'cloudtrail:updatetrail', 'cloudtrail:puteventselectors',
  'cloudtrail:deleteeventdatastore', 'cloudtrail:stopeventdatastoreingestion',
  'config:stopconfigurationrecorder', 'config:deleteconfigurationrecorder', 'config:deletedeliverychannel',
  'guardduty:deletedetector', 'guardduty:updatedetector', 'guardduty:disassociatefromadministratoraccount',
  'guardduty:disassociatefrommasteraccount', 'securityhub:disablesecurityhub',
  'logs:deleteloggroup', 'logs:deletelogstream', 'logs:putretentionpolicy', 'logs:deletesubscriptionfilter',
  // AWS IoT credentials (role aliases, CA and device certificates), rules and logging.
  'iot:createrolealias', 'iot:updaterolealias', 'iot:registercacertificate', 'iot:updatecacertificate', 'iot:updatecertificate',
  'iot:createkeysandcertificate', 'iot:createcertificatefromcsr', 'iot:registercertificate', 'iot:registercertificatewithoutca',
  'iot:createtopicrule', 'iot:replacetopicrule',
  'iot:setv2loggingoptions', 'iot:setloggingoptions', 'iot:setv2logginglevel', 'iot:deletev2logginglevel',
  // Device Defender: turning audits and detection off, or silencing what they find.
  'iot:deleteaccountauditconfiguration', 'iot:updateaccountauditconfiguration', 'iot:deletescheduledaudit', 'iot:updatescheduledaudit',
  'iot:createauditsuppression', 'iot:updateauditsuppression', 'iot:deletesecurityprofile', 'iot:updatesecurityprofile',
  'iot:detachsecurityprofile', 'iot:putverificationstateonviolation',
];
const ADMIN_ACTION_SET: ReadonlySet<string> = new Set(ADMIN_ACTIONS);

/**
 * Actions that the dataset gives an optional resource type, but whose ordinary call names no
 * resource and so is authorized on `*` alone. `cloudwatch:PutMetricData` lists `dataset` (an
 * OTLP metrics dataset); a metric published to a namespace names none, and is scoped by the
 * `cloudwatch:namespace` condition instead. Kept by hand because the dataset cannot say which of
 * an action's resource types an ordinary call uses. Lower case.
 */
export const UNSCOPED_CALL_ACTIONS: ReadonlySet<string> = new Set(['cloudwatch:putmetricdata']);

/**
 * AWS-managed policies a device or gateway role may carry: none. AWS writes its managed policies
 * for a job across an account, so they grant on `Resource: *` (AmazonS3ReadOnlyAccess reads every
 * bucket, SecretsManagerReadWrite every secret, even service-role/AWSIoTLogging deletes any log
 * stream and sets any retention); not one can be scoped to `${credentials-iot:ThingName}`, which is
 * what a credential shared by a fleet needs. AWS also rewrites them without notice, so one narrow
 * today need not be narrow when deployed. An entry here must name a policy whose every statement is narrow
 * (its own resources, or actions that only take `*` like `cloudwatch:PutMetricData`) and that a
 * device has a use for, with the reason beside it. Exact names, without path.
 */
export const DEVICE_SAFE_AWS_MANAGED_POLICIES: ReadonlySet<string> = new Set<string>();

/** `text` with each `${...}` of an `Fn::Sub` template replaced by the hole `{?}`. */
function withHoles(text: string): string {
  return text.replace(/\$\{[^}]*\}/g, '{?}');
}

/**
 * A string with the parts CloudFormation fills at deploy replaced by `{?}`, for shape checks on
 * ARNs: `Fn::Join` of literals and references, `Fn::Sub` templates. `undefined` when the value
 * is computed some other way.
 */
export function templateString(value: unknown): string | undefined {
  if (typeof value === 'string') return withHoles(value);
  if (!isObject(value) || !isIntrinsic(value)) return undefined;
  const [fn] = Object.keys(value);
  const arg = value[fn];
  if (fn === 'Fn::Sub') {
    const text = Array.isArray(arg) ? arg[0] : arg;
    return typeof text === 'string' ? withHoles(text) : undefined;
  }
  if (fn === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
    return arg[1].map((p: unknown) => (typeof p === 'string' || typeof p === 'number' ? String(p) : templateString(p) ?? '{?}')).join(arg[0]);
  }
  return '{?}';
}

/**
 * Whether an ARN (possibly with `{?}` holes) covers every resource of its service or of one
 * resource type: `*`, `arn:aws:s3:::*`, `arn:aws:dynamodb:*:*:table/*`, `arn:aws:iot:r:a:topic/*`;
 * not `arn:aws:s3:::bucket/*` nor `...:topic/devices/*`.
 */
export function isWildcardResource(resource: string): boolean {
  if (resource === '*') return true;
  const parts = resource.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return false;
  const service = parts[2];
  const segments = parts.slice(5).join(':').split(/[/:]/);
  if (segments.every((s) => s === '*')) return true;
  // S3 ARNs have no resource type: `bucket/*` is one bucket's objects.
  if (service === 's3') return false;
  return segments.length > 1 && /^[a-z][a-z0-9-]*$/i.test(segments[0]) && segments.slice(1).every((s) => s === '*');
}

/** A `Resource` entry: its shape for checks (`{?}` holes) and how a finding shows it (`display.ts`). */
interface ResourceShape {
  readonly shape: string;
  readonly display: string;
}

/** Reviews a role's statements for what a device or gateway credential must not carry. */
export class PolicyReview {
  /**
   * @param shared where to add `SharedData::<arn>`: data resources every device shares (a
   * wildcard but no `${credentials-iot:ThingName}`), that are not wildcards of a whole service or type
   */
  constructor(private readonly node: CfnResource, private readonly findings: Findings, private readonly shared?: Findings) {}

  /** A policy document: an object, a JSON string, or an intrinsic choosing between documents. */
  public document(document: unknown): void {
    forEachStatement(this.node, document, this.findings, (statement) => this.statement(statement));
  }

  private expand(value: unknown, path: string): unknown[] {
    return possibleValues(this.node, value).flatMap((v) => {
      if (v instanceof Unresolved) {
        this.findings.unreadable(v, path);
        return [];
      }
      return v === undefined ? [] : [v];
    });
  }

  private strings(value: unknown, path: string): string[] {
    return this.expand(value, path).flatMap((v) => asArray(v)).flatMap((v) => this.expand(v, path))
      .filter((v): v is string => typeof v === 'string');
  }

  private statement(statement: { [key: string]: unknown }): void {
    const effects = this.expand(statement.Effect, 'Effect');
    // Deny grants nothing; an unreadable effect is read as Allow.
    if (effects.length > 0 && effects.every((e) => typeof e === 'string' && e.toLowerCase() === 'deny')) return;

    const actions = this.strings(statement.Action, 'Action');
    const notAction = statement.NotAction !== undefined;
    if (notAction) this.findings.add('NotAction');
    for (const action of actions) this.action(action);

    if (statement.NotResource !== undefined) this.findings.add('NotResource');
    const dataAccess = notAction || actions.some((a) => !isWildcardOnlyAction(a));
    const logGroupOnly = !notAction && actions.length > 0 && actions.every((a) => LOG_GROUP_ACTIONS.has(a.toLowerCase()));
    for (const resource of asArray(statement.Resource)) {
      // Holes hide policy variables, so whether the device's own name scopes it is read from the value as written.
      const perThing = /\$\{credentials-iot:/i.test(JSON.stringify(resource) ?? '');
      for (const { shape, display } of this.resourceShapes(resource)) {
        if (dataAccess && isWildcardResource(shape)) this.findings.add('Resource', display);
        else if (logGroupOnly && ONE_LOG_GROUP.test(shape)) continue;
        else if (dataAccess && !perThing && /[*?]/.test(shape)) this.shared?.add('SharedData', display);
      }
    }
  }

  /**
   * The ARN shapes a `Resource` entry can take: literals as written, `Fn::Join`/`Fn::Sub` with
   * their holes as `{?}` (each with its display for findings, see `display.ts`), both branches of
   * an `Fn::If`. A resource of the stack (`Ref`,
   * `Fn::GetAtt`) is one specific resource and has no shape to judge; a parameter or an import
   * may be `*` and is reported unresolved.
   */
  private resourceShapes(value: unknown): ResourceShape[] {
    if (typeof value === 'string') return [{ shape: withHoles(value), display: value }];
    if (Array.isArray(value)) return value.flatMap((v) => this.resourceShapes(v));
    if (!isObject(value) || !isIntrinsic(value)) return [];
    const [fn] = Object.keys(value);
    const arg = value[fn];
    if (fn === 'Fn::If' && Array.isArray(arg)) return arg.slice(1).flatMap((b) => this.resourceShapes(b));
    if (fn === 'Fn::GetAtt') return [];
    if (fn === 'Fn::Join' || fn === 'Fn::Sub') return [{ shape: templateString(value) ?? '{?}', display: displayValue(value) }];
    if (fn === 'Ref' && typeof arg === 'string') {
      if (arg.startsWith('AWS::') || findInStack(this.node, arg)) return [];
      return possibleValues(this.node, value).flatMap((v) => {
        if (typeof v === 'string') return this.resourceShapes(v);
        if (v instanceof Unresolved) this.findings.unreadable(v, 'Resource');
        return [];
      });
    }
    this.findings.add('Unresolved', 'Resource');
    return [];
  }

  private action(action: string): void {
    const lower = action.toLowerCase();
    if (lower === '*' || lower === '*:*') {
      this.findings.add('Action', action);
      return;
    }
    const colon = lower.indexOf(':');
    if (colon < 0) return;
    const service = lower.slice(0, colon);
    const glob = /[*?]/.test(action);
    if (glob) this.findings.add('Action', action);
    const adminService = /[*?]/.test(service)
      ? [...ADMIN_SERVICES].find((s) => globMatch(service, s))
      : ADMIN_SERVICES.has(service) ? service : undefined;
    if (adminService && !HARMLESS_ADMIN_ACTIONS.has(lower)) {
      this.findings.add('AdminService', adminService);
      return;
    }
    if (isAdminAction(action)) this.findings.add('AdminAction', action);
  }
}

/**
 * Whether `Resource: *` is the only way to grant `action` (as written, possibly a glob): every
 * action of the dataset it matches supports no resource-level permission (Device Defender's
 * audit configuration and findings, `iot:DescribeEndpoint`, `sts:GetCallerIdentity`...) or is in
 * `UNSCOPED_CALL_ACTIONS`. An action or service the dataset does not know is taken as one that
 * can be scoped, and so is a wildcard of services (`*`, `*:Describe*`): it also grants the
 * actions of services AWS adds later.
 */
export function isWildcardOnlyAction(action: string): boolean {
  const colon = action.indexOf(':');
  if (colon < 0 || /[*?]/.test(action.slice(0, colon))) return false;
  const expansion = expandIamAction(action);
  return expansion.complete && expansion.actions.length > 0
    && expansion.actions.every((a) => a.wildcardOnly || UNSCOPED_CALL_ACTIONS.has(`${a.service}:${a.name.toLowerCase()}`));
}

/**
 * Whether `action` (as written, possibly a glob) grants an administrative action: one the dataset
 * files under `Permissions management` (it changes who may do what, in any service), or one of
 * `ADMIN_ACTIONS`. For a service the dataset does not know, the text is matched against
 * `ADMIN_ACTIONS` alone.
 */
export function isAdminAction(action: string): boolean {
  const expansion = expandIamAction(action);
  if (expansion.actions.some((a) => a.accessLevels.includes('Permissions management') || ADMIN_ACTION_SET.has(`${a.service}:${a.name.toLowerCase()}`))) {
    return true;
  }
  if (expansion.complete) return false;
  const lower = action.toLowerCase();
  return ADMIN_ACTIONS.some((a) => globMatch(lower, a));
}

/** The name of an AWS-managed policy an ARN (possibly with `{?}` holes) names, without its path. */
export function awsManagedPolicyName(arn: string): string | undefined {
  const m = /^arn:[^:]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m?.[1];
}

/**
 * Whether an AWS-managed policy, by name without path, is a finding on a device or gateway role:
 * every one is, unless it is in `DEVICE_SAFE_AWS_MANAGED_POLICIES`. A name known only at deploy
 * (`{?}`) is never in the list.
 */
export function isDeviceUnsafeAwsManagedPolicy(name: string): boolean {
  return !DEVICE_SAFE_AWS_MANAGED_POLICIES.has(name);
}

function literalName(node: CfnResource, value: unknown): string | undefined {
  const values = possibleValues(node, value);
  return values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
}

/**
 * What the `Roles`/`RoleName` entries of a policy of the stack name, in any branch: logical IDs
 * of resources of the stack by `Ref`/`Fn::GetAtt`, for any other branch the roles found by a
 * literal name or one built with `Fn::Sub`/`Fn::Join` of literals and pseudo parameters (see
 * `StackModel.byName`), and every value the entries can take.
 */
interface PolicyTargets {
  readonly logicalIds: ReadonlySet<string>;
  readonly roles: ReadonlySet<CfnResource>;
  readonly values: ReadonlySet<unknown>;
}

/** The `PolicyTargets` of `policy`, read once per policy and pass whichever role asks. */
function policyTargets(node: CfnResource, policy: CfnResource, entries: readonly unknown[]): PolicyTargets {
  return inPassPerStack('iam-policy.policy-targets', node, policy, () => {
    const model = StackModel.of(node);
    const logicalIds = new Set<string>();
    const roles = new Set<CfnResource>();
    const values = new Set<unknown>();
    for (const entry of entries) {
      for (const b of branches(entry)) {
        const id = referencedLogicalId(b);
        // A `Ref` to a resource of the stack names that resource alone: no name to derive (the costly part).
        if (id !== undefined && findInStack(node, id)) logicalIds.add(id);
        else model.byName(ROLE_TYPE, b).forEach((r) => roles.add(r));
      }
      possibleValues(node, entry).forEach((v) => values.add(v));
    }
    return { logicalIds, roles, values };
  });
}

/** Whether a policy's `Roles`/`RoleName` entries point at `role` (see `PolicyTargets`), in any branch. */
function pointsAtRole(targets: PolicyTargets, roleId: string, roleName: string | undefined, role: CfnResource): boolean {
  return targets.logicalIds.has(roleId) || targets.roles.has(role) || (roleName !== undefined && targets.values.has(roleName));
}

const ROLE_TYPE = 'AWS::IAM::Role';

/**
 * Calls `visit` with each statement of an IAM policy document (an object, a JSON string or an
 * intrinsic), in every form its `Fn::If`s and parameters can deploy in. What cannot be read is
 * added to `findings` (`Unresolved::PolicyDocument`, `Unresolved::Statement`).
 */
export function forEachStatement(
  node: CfnResource, document: unknown, findings: Findings, visit: (statement: { [key: string]: unknown }) => void,
): void {
  const expand = (value: unknown, path: string): unknown[] => possibleValues(node, value).flatMap((v) => {
    if (v instanceof Unresolved) {
      findings.unreadable(v, path);
      return [];
    }
    return v === undefined ? [] : [v];
  });
  for (const doc of expand(document, 'PolicyDocument')) {
    let parsed: unknown = doc;
    if (typeof doc === 'string') {
      try {
        parsed = JSON.parse(doc);
      } catch {
        findings.add('Unresolved', 'PolicyDocument');
        continue;
      }
    }
    if (!isObject(parsed)) {
      findings.add('Unresolved', 'PolicyDocument');
      continue;
    }
    for (const list of expand(parsed.Statement, 'Statement')) {
      for (const item of asArray(list)) {
        for (const statement of expand(item, 'Statement')) {
          if (isObject(statement)) visit(statement);
        }
      }
    }
  }
}

/** What `forEachRoleGrant` hands over: each policy document granting the role, and each AWS-managed policy by name. */
export interface RoleGrantVisitor {
  /** A policy document (as the template holds it: object, JSON string or intrinsic) that grants the role. */
  document(document: unknown): void;
  /** An AWS-managed policy attached to the role, by name without path. */
  awsManaged(name: string): void;
}

/**
 * Walks everything that grants permissions to `role`, an `AWS::IAM::Role` of the stack: its
 * inline `Policies`, its `ManagedPolicyArns` (managed policies of the stack are followed by
 * `Ref`, by name or by ARN, AWS-managed ones handed over by name), and every `AWS::IAM::Policy`,
 * `AWS::IAM::ManagedPolicy` and `AWS::IAM::RolePolicy` of the stack naming it (by `Ref`, by its
 * literal name, or by a name or ARN built with `Fn::Sub`/`Fn::Join`). What cannot be read is
 * added to `findings` (`Unresolved::Policies`, `::ManagedPolicyArns`, `::PolicyDocument`).
 *
 * The stack is searched once per role and validation pass: every later call (another rule on the
 * same role) replays what the first one found, documents and findings in the same order.
 */
export function forEachRoleGrant(node: CfnResource, role: CfnResource, findings: Findings, visit: RoleGrantVisitor): void {
  const walk = inPassPerStack('iam-policy.role-grants', node, role, () => record((log, recorder) => walkRoleGrants(node, role, recorder, {
    document: (document) => log.push({ document }),
    awsManaged: (awsManaged) => log.push({ awsManaged }),
  })));
  replay(walk, (step) => {
    if ('finding' in step) findings.add(step.finding);
    else if ('document' in step) visit.document(step.document);
    else if ('awsManaged' in step) visit.awsManaged(step.awsManaged);
  });
}

/** One step of a walk recorded for the pass (see `record`): a finding, a document, an AWS-managed policy, a shared-data finding. */
type Step =
  | { readonly finding: string }
  | { readonly shared: string }
  | { readonly document: unknown }
  | { readonly awsManaged: string };

/** A walk as recorded once for the pass: its steps, in order, and the error it ended with, if any. */
interface Recorded {
  readonly steps: readonly Step[];
  readonly error?: { readonly thrown: unknown };
}

/** `Findings` that log each finding as a step of a walk, in the order added. */
class LoggedFindings extends Findings {
  constructor(private readonly log: Step[], private readonly kind: 'finding' | 'shared') {
    super();
  }

  public add(kind: string, path?: string): void {
    const text = path === undefined ? kind : `${kind}::${path}`;
    this.log.push(this.kind === 'finding' ? { finding: text } : { shared: text });
  }
}

/** Runs a walk once, logging what it hands over and what it finds, up to an error it throws. */
function record(walk: (log: Step[], findings: Findings) => void): Recorded {
  const steps: Step[] = [];
  try {
    walk(steps, new LoggedFindings(steps, 'finding'));
    return { steps };
  } catch (thrown) {
    return { steps, error: { thrown } };
  }
}

/** Replays a recorded walk: each step in order, then the error it ended with, as the walk itself would. */
function replay(walk: Recorded, apply: (step: Step) => void): void {
  walk.steps.forEach(apply);
  if (walk.error) throw walk.error.thrown;
}

/**
 * `compute()` once per pass for `subject` (a role, a policy) as read from `node`'s stack: a
 * resource is read in the stack of the resource that names it, so one read from two stacks is two
 * readings.
 */
export function inPassPerStack<T>(key: string, node: CfnResource, subject: CfnResource, compute: () => T): T {
  const byStack = memoizeInPass(key, subject, () => new Map<Stack, T>());
  const stack = Stack.of(node);
  if (!byStack.has(stack)) byStack.set(stack, compute());
  return byStack.get(stack)!;
}

/**
 * Each entry of an inline `Policies` list (a role's, user's or group's, or a SAM function's) in
 * every form it can deploy in: each `Fn::If` branch and parameter value of the list and of each
 * item. What cannot be read is `Unresolved::Policies` (or `Invalid::`) in `findings`; `visit` gets
 * everything else, `undefined` for a branch that drops the entry, and decides what an entry is.
 */
export function forEachPoliciesEntry(node: CfnResource, value: unknown, findings: Findings, visit: (entry: unknown) => void): void {
  for (const list of possibleValues(node, value)) {
    if (list instanceof Unresolved) {
      findings.unreadable(list, 'Policies');
      continue;
    }
    for (const item of asArray(list)) {
      for (const policy of possibleValues(node, item)) {
        if (policy instanceof Unresolved) findings.unreadable(policy, 'Policies');
        else visit(policy);
      }
    }
  }
}

/** What `forEachRoleGrant` walks, once per role and pass. */
function walkRoleGrants(node: CfnResource, role: CfnResource, findings: Findings, visit: RoleGrantVisitor): void {
  const props = resolvedProperties(role);
  const roleId = resolvedLogicalId(role);
  const roleName = literalName(node, props.RoleName);

  forEachPoliciesEntry(node, props.Policies, findings, (policy) => {
    if (isObject(policy)) visit.document(policy.PolicyDocument);
  });

  for (const list of possibleValues(node, props.ManagedPolicyArns)) {
    if (list instanceof Unresolved) {
      findings.unreadable(list, 'ManagedPolicyArns');
      continue;
    }
    for (const item of asArray(list)) {
      for (const arn of branches(item)) managedPolicyArn(node, arn, visit, findings);
    }
  }

  for (const other of resourcesInStack(node)) {
    const type = other.cfnResourceType;
    if (type !== 'AWS::IAM::Policy' && type !== 'AWS::IAM::ManagedPolicy' && type !== 'AWS::IAM::RolePolicy') continue;
    let p: { [key: string]: unknown };
    try {
      p = resolvedProperties(other);
    } catch {
      // A policy CDK cannot render may name the role; what it grants cannot be read.
      findings.add('Unresolved', 'PolicyDocument');
      continue;
    }
    const entries = type === 'AWS::IAM::RolePolicy' ? [p.RoleName] : asArray(p.Roles);
    if (pointsAtRole(policyTargets(node, other, entries), roleId, roleName, role)) visit.document(p.PolicyDocument);
  }
}

/**
 * Reviews everything that grants permissions to `role` (see `forEachRoleGrant`) as a device's
 * role: AWS-managed policies grant account-wide (see DEVICE_SAFE_AWS_MANAGED_POLICIES).
 */
export function reviewRole(node: CfnResource, role: CfnResource, findings: Findings, shared?: Findings): void {
  // Reviewed once per pass, with the shared-data findings kept apart, whoever asks.
  const review = inPassPerStack('iam-policy.role-review', node, role, () => record((log, recorder) => {
    const policyReview = new PolicyReview(node, recorder, new LoggedFindings(log, 'shared'));
    forEachRoleGrant(node, role, recorder, {
      document: (doc) => policyReview.document(doc),
      awsManaged: (name) => {
        if (isDeviceUnsafeAwsManagedPolicy(name)) recorder.add('ManagedPolicy', name);
      },
    });
  }));
  replay(review, (step) => {
    if ('finding' in step) findings.add(step.finding);
    else if ('shared' in step) shared?.add(step.shared);
  });
}

/** Reviews the policy one `ManagedPolicyArns` entry names, in one branch of its `Fn::If`s (see `branches`). */
function managedPolicyArn(node: CfnResource, item: unknown, visit: RoleGrantVisitor, findings: Findings): void {
  if (item === undefined) return;
  if (item instanceof Unresolved) {
    findings.unreadable(item, 'ManagedPolicyArns');
    return;
  }
  const id = referencedLogicalId(item);
  if (id) {
    const target = findInStack(node, id);
    if (target?.cfnResourceType === 'AWS::IAM::ManagedPolicy') {
      visit.document(resolvedProperties(target).PolicyDocument);
      return;
    }
    if (!target) {
      // A parameter: its allowed values may still name the policies.
      const values = possibleValues(node, item);
      if (values.every((v) => typeof v === 'string')) {
        values.forEach((v) => managedPolicyArn(node, v, visit, findings));
        return;
      }
    }
    findings.add('Unresolved', 'ManagedPolicyArns');
    return;
  }
  const shape = templateString(item);
  const awsManaged = shape === undefined ? undefined : awsManagedPolicyName(shape);
  if (awsManaged !== undefined) {
    // Named as findings name every value (display.ts): a name computed at deploy reads `${Param}`, not `{?}`.
    visit.awsManaged(/:policy\/(?:.*\/)?([^/]+)$/.exec(displayValue(item))?.[1] ?? awsManaged);
    return;
  }
  const byArn = StackModel.of(node).byArn(item, 'AWS::IAM::ManagedPolicy');
  if (byArn.length > 0) {
    byArn.forEach((policy) => visit.document(resolvedProperties(policy).PolicyDocument));
    return;
  }
  const name = shape && /:policy\/(?:.*\/)?([^/{}]+)$/.exec(shape)?.[1];
  const inStack = name ? resourcesInStack(node).find((r) => r.cfnResourceType === 'AWS::IAM::ManagedPolicy'
    && literalName(node, resolvedProperties(r).ManagedPolicyName) === name) : undefined;
  if (inStack) visit.document(resolvedProperties(inStack).PolicyDocument);
  else findings.add('Unresolved', 'ManagedPolicyArns');
}
