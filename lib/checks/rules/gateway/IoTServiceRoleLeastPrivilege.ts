import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asArray, findInStack, findParameterInStack, referencedLogicalId, resolvedProperties } from '../../private/cfn';
import { branches, Findings, isIntrinsic, isObject, possibleValues } from '../../private/cfn-values';
import { expandIamAction, globMatch, iamDataFile } from '../../private/iam-data';
import {
  ADMIN_SERVICES, awsManagedPolicyName, forEachPoliciesEntry, forEachStatement, HARMLESS_ADMIN_ACTIONS, isAdminAction, isWildcardOnlyAction, isWildcardResource, templateString,
} from '../../private/iam-policy';
import { iotServiceRoles, isJitr, RolePurpose, SERVICE_ROLE_TYPES } from '../../private/iot-service-roles';
import { roleGrants, statementStrings } from '../../private/role-statements';
import { defineRule } from '../../rule-definition';

const ROLE = 'AWS::IAM::Role';
const SAM_FUNCTION = 'AWS::Serverless::Function';

/**
 * The AWS-managed policies AWS documents for each purpose, accepted on a role with that use
 * (names without path). Any other AWS-managed policy is a finding: AWS writes them for a job
 * across an account, on `Resource: *`.
 * - provisioning (fleet provisioning `ProvisioningRoleArn`, JITP `RegistrationConfig.RoleArn`,
 *   a JITR function): `AWSIoTThingsRegistration`. The AWS IoT developer guide names it for the
 *   provisioning role (https://docs.aws.amazon.com/iot/latest/developerguide/jit-provisioning.html,
 *   https://docs.aws.amazon.com/iot/latest/developerguide/provision-wo-cert.html); it grants on `*`
 *   what provisioning does (create things, attach certificates and policies, activate
 *   certificates, https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSIoTThingsRegistration.html).
 *   Accepted because only the AWS IoT provisioning service assumes that role and it acts only as
 *   the template says: the template, not the role, bounds which policy is attached (AttachPolicy
 *   has no condition key for the policy), and whoever may rewrite the template already holds what
 *   the role can do. Scoping it by hand (things by name prefix, the one device policy) is better
 *   and passes too; the same actions granted inline on `*` pass for the same reason.
 * - logging (`AWS::IoT::Logging`): `AWSIoTLogging`, the policy of the logging role in
 *   https://docs.aws.amazon.com/iot/latest/developerguide/configure-logging.html.
 * - audit (`AWS::IoT::AccountAuditConfiguration`): `AWSIoTDeviceDefenderAudit`
 *   (https://docs.aws.amazon.com/iot-device-defender/latest/devguide/device-defender-audit-permissions.html), read-only.
 * - function (a function IoT invokes): `AWSLambdaBasicExecutionRole`, `AWSLambdaVPCAccessExecutionRole`
 *   (https://docs.aws.amazon.com/lambda/latest/dg/permissions-executionrole.html): its logs, its network interfaces.
 * - greengrass (V1 `AWS::Greengrass::Group`): `AWSGreengrassResourceAccessRolePolicy`
 *   (https://docs.aws.amazon.com/greengrass/v1/developerguide/service-role.html).
 * Not accepted anywhere: `AWSIoTRuleActions` (every rule action's write on `*`: any table, bucket,
 * queue, topic of the account, even for a rule that writes one table), `*FullAccess`, `*ReadOnlyAccess`.
 */
export const DOCUMENTED_MANAGED_POLICIES: { readonly [purpose in RolePurpose]: readonly string[] } = {
  provisioning: ['AWSIoTThingsRegistration'],
  logging: ['AWSIoTLogging'],
  audit: ['AWSIoTDeviceDefenderAudit'],
  function: ['AWSLambdaBasicExecutionRole', 'AWSLambdaVPCAccessExecutionRole'],
  greengrass: ['AWSGreengrassResourceAccessRolePolicy'],
  'vpc-destination': [],
  service: [],
};

/**
 * What each purpose documentedly does on every resource of a type or on `*` (lower case): the
 * actions of the managed policy above, since granting them inline is the same grant.
 */
const DOCUMENTED_WIDE_ACTIONS: { readonly [purpose in RolePurpose]: ReadonlySet<string> } = {
  provisioning: new Set([
    'iot:addthingtothinggroup', 'iot:attachpolicy', 'iot:attachprincipalpolicy', 'iot:attachthingprincipal', 'iot:createcertificatefromcsr',
    'iot:createpolicy', 'iot:creatething', 'iot:describecertificate', 'iot:describething', 'iot:describethinggroup', 'iot:describethingtype',
    'iot:detachpolicy', 'iot:detachthingprincipal', 'iot:getpolicy', 'iot:listattachedpolicies', 'iot:listpolicyprincipals',
    'iot:listprincipalpolicies', 'iot:listprincipalthings', 'iot:listtargetsforpolicy', 'iot:listthinggroupsforthing',
    'iot:listthingprincipals', 'iot:registercertificate', 'iot:registerthing', 'iot:removethingfromthinggroup', 'iot:updatecertificate',
    'iot:updatething', 'iot:updatethinggroupsforthing', 'iot:addthingtobillinggroup', 'iot:describebillinggroup', 'iot:removethingfrombillinggroup',
  ]),
  logging: new Set(['logs:createloggroup', 'logs:createlogstream', 'logs:putlogevents', 'logs:putmetricfilter', 'logs:putretentionpolicy',
    'logs:getlogevents', 'logs:deletelogstream']),
  audit: new Set(),
  function: new Set(['logs:createloggroup', 'logs:createlogstream', 'logs:putlogevents', 'ec2:createnetworkinterface',
    'ec2:describenetworkinterfaces', 'ec2:describesubnets', 'ec2:deletenetworkinterface', 'ec2:assignprivateipaddresses', 'ec2:unassignprivateipaddresses']),
  greengrass: new Set(),
  // AWS IoT Core Developer Guide, "Virtual private cloud (VPC) destinations" (https://docs.aws.amazon.com/iot/latest/developerguide/vpc-rule-action.html):
  // the destination role's example policy grants these on `*` (the ENIs do not exist before AWS IoT creates them).
  'vpc-destination': new Set(['ec2:createnetworkinterface', 'ec2:deletenetworkinterface', 'ec2:describenetworkinterfaces', 'ec2:describevpcs',
    'ec2:describesubnets', 'ec2:describevpcattribute', 'ec2:describesecuritygroups', 'ec2:createtags']),
  service: new Set(),
};

/**
 * Wide actions a use documentedly holds only under a condition (lower case): the action, the
 * condition key (lower case) and the operators (lower case, never `IfExists`) the statement must
 * hold it under, each value naming something narrower than everything (not `*` nor `/*`).
 * - The VPC destination role may let AWS IoT attach only the network interfaces tagged
 *   `VPCDestinationENI` (same page as above).
 * - A rule's SiteWise action writes every asset unless `iotsitewise:assetHierarchyPath` bounds it
 *   (AWS IoT SiteWise User Guide, "Grant AWS IoT the required access",
 *   https://docs.aws.amazon.com/iot-sitewise/latest/userguide/grant-rule-access.html: the
 *   documented role grants BatchPutAssetPropertyValue on `*` under that path).
 */
const DOCUMENTED_CONDITIONED_ACTIONS: { readonly [purpose in RolePurpose]?: { readonly [action: string]: { key: string; operators: readonly string[] } } } = {
  'vpc-destination': { 'ec2:createnetworkinterfacepermission': { key: 'ec2:resourcetag/vpcdestinationeni', operators: ['stringequals'] } },
  'service': { 'iotsitewise:batchputassetpropertyvalue': { key: 'iotsitewise:assethierarchypath', operators: ['stringequals', 'stringlike'] } },
};

/** Whether a statement holds `key` (compared without case, as IAM compares keys) under one of `operators`, every value narrower than `*`, in every form. */
function holdsCondition(node: CfnResource, statement: { [key: string]: unknown }, need: { key: string; operators: readonly string[] }): boolean {
  return possibleValues(node, statement.Condition).every((condition) => isObject(condition) && Object.entries(condition).some(([op, block]) =>
    need.operators.includes(op.toLowerCase()) && isObject(block) && Object.entries(block).some(([k, v]) => k.toLowerCase() === need.key
      && possibleValues(node, v).every((list) => asArray(list).length > 0
        && asArray(list).every((item) => typeof item === 'string' && !/^\/?\*$/.test(item))))));
}

/**
 * Globs CDK's `grant*` methods write for an encrypted target (`topic.grantPublish`,
 * `stream.grantPutRecords`): each expands only to data-key cryptography on the key named in
 * `Resource`, which is still judged.
 */
const CDK_GRANT_GLOBS: ReadonlySet<string> = new Set(['kms:generatedatakey*', 'kms:reencrypt*']);

/**
 * SAM policy templates (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-template-list.html)
 * that grant on the one resource their parameters name: `*` as a parameter makes them account-wide.
 * Any other template cannot be read here and is `Unresolved::Policies`.
 */
const SCOPED_SAM_TEMPLATES: ReadonlySet<string> = new Set([
  'DynamoDBCrudPolicy', 'DynamoDBReadPolicy', 'DynamoDBWritePolicy', 'DynamoDBStreamReadPolicy', 'S3ReadPolicy', 'S3WritePolicy',
  'S3CrudPolicy', 'SQSSendMessagePolicy', 'SQSPollerPolicy', 'SNSPublishMessagePolicy', 'KinesisCrudPolicy', 'KinesisStreamReadPolicy',
  'LambdaInvokePolicy', 'StepFunctionsExecutionPolicy', 'KMSDecryptPolicy', 'KMSEncryptPolicy', 'SSMParameterReadPolicy',
  'FirehoseWritePolicy', 'AWSSecretsManagerGetSecretValuePolicy', 'CloudWatchPutMetricPolicy',
]);

/** Whether every action an action string grants is only List or Read. */
function readOnly(action: string): boolean {
  const e = expandIamAction(action);
  return e.complete && e.actions.length > 0 && e.actions.every((a) => a.accessLevels.every((l) => l === 'List' || l === 'Read'));
}

/** Whether an action string reaches data or changes something: Read or Write, or an action the dataset does not know. */
function touchesData(action: string): boolean {
  const e = expandIamAction(action);
  if (!e.complete) return true;
  return e.actions.some((a) => a.accessLevels.some((l) => l === 'Read' || l === 'Write'));
}

/**
 * Whether an `Fn::Sub`/`Fn::Join` builds its text from a stack parameter without allowed values:
 * the deployer may pass `*` there (`arn:aws:s3:::${Bucket}/*` with `Bucket` = `*`).
 */
function namesOpenParameter(node: CfnResource, value: unknown, depth = 0): boolean {
  if (depth > 8 || !isObject(value) || !isIntrinsic(value)) return false;
  const open = (name: string) => {
    const allowed = findParameterInStack(node, name)?.allowedValues;
    return findParameterInStack(node, name) !== undefined && !(Array.isArray(allowed) && allowed.length > 0);
  };
  const [fn] = Object.keys(value);
  const arg = value[fn];
  if (fn === 'Ref') return typeof arg === 'string' && open(arg);
  if (fn === 'Fn::Sub') {
    const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
    if (typeof text !== 'string') return false;
    return [...text.matchAll(/\$\{(?!!)([^}.]+)\}/g)].some((m) => (isObject(vars) && m[1] in vars
      ? namesOpenParameter(node, vars[m[1]], depth + 1) : !m[1].startsWith('AWS::') && open(m[1])));
  }
  if (fn === 'Fn::Join' && Array.isArray(arg) && Array.isArray(arg[1])) return arg[1].some((p: unknown) => namesOpenParameter(node, p, depth + 1));
  return false;
}

/** The ARN shapes of a `Resource` entry; a resource of the stack (`Ref`/`Fn::GetAtt`) is one resource and has none. */
function resourceShapes(node: CfnResource, value: unknown, findings: Findings): string[] {
  const out: string[] = [];
  for (const list of branches(value)) {
    for (const item of asArray(list)) {
      for (const b of branches(item)) {
        if (b === undefined) continue;
        // A `Ref` to a parameter is read below, by its allowed values.
        const id = referencedLogicalId(b);
        if (id !== undefined && findInStack(node, id) !== undefined) continue;
        if (namesOpenParameter(node, b) && !(isObject(b) && 'Ref' in b)) {
          findings.add('Unresolved', 'Resource');
          continue;
        }
        if (isObject(b) && 'Ref' in b) {
          for (const v of possibleValues(node, b)) {
            if (typeof v === 'string') out.push(v);
            else findings.add('Unresolved', 'Resource');
          }
          continue;
        }
        const shape = templateString(b);
        if (shape === undefined || shape === '{?}') findings.add('Unresolved', 'Resource');
        else out.push(shape);
      }
    }
  }
  return out;
}

/**
 * Whether a `Resource` shape covers every resource of a type of its service: `isWildcardResource`
 * (`*`, `topic/*`), or a glob that matches a resource of any name of a type the IAM dataset
 * knows for the service (`topic*`, `topic/**`, `topic/?*`, S3 `?*`). A name prefix
 * (`topic/alerts/*`, `alerts-*`) is not. IAM matches `*` and `?` in a resource ARN as globs
 * (IAM User Guide, "IAM JSON policy elements: Resource", "Using wildcards in resource ARNs").
 */
function coversEveryName(shape: string): boolean {
  if (isWildcardResource(shape)) return true;
  const parts = shape.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || /[*?{]/.test(parts[2])) return false;
  const resource = parts.slice(5).join(':');
  if (!/[*?]/.test(resource)) return false;
  const types = iamDataFile('resourceTypes', parts[2]);
  if (!isObject(types)) return false;
  return Object.values(types).some((t) => {
    const arn = isObject(t) ? t.arn : undefined;
    if (typeof arn !== 'string') return false;
    // A resource of the type with names no template holds: `topic/zq9x`, `zq9x/zq9x` (an S3 object).
    const template = arn.split(':').slice(5).join(':');
    if (!template.includes('${')) return false;
    return globMatch(resource, template.replace(/\$\{[^}]+\}/g, 'zq9x'));
  });
}

/** Judges one Allow statement against the purposes of the role's uses. */
function judgeStatement(node: CfnResource, statement: { [key: string]: unknown }, purposes: ReadonlySet<RolePurpose>, findings: Findings): void {
  if (statement.NotAction !== undefined) findings.add('NotAction');
  if (statement.NotResource !== undefined) findings.add('NotResource');
  const actions = statementStrings(node, statement.Action, findings, 'Action');
  const wide = statement.NotResource !== undefined ? ['*'] : resourceShapes(node, statement.Resource, findings).filter(coversEveryName);
  const documentedWide = (lower: string) => [...purposes].some((p) => DOCUMENTED_WIDE_ACTIONS[p].has(lower)
    || (DOCUMENTED_CONDITIONED_ACTIONS[p]?.[lower] !== undefined && holdsCondition(node, statement, DOCUMENTED_CONDITIONED_ACTIONS[p]![lower])));
  for (const action of actions) {
    const lower = action.toLowerCase();
    if (lower === '*' || lower === '*:*' || (/[*?]/.test(action) && !CDK_GRANT_GLOBS.has(lower))) {
      findings.add('Action', action);
      continue;
    }
    const service = lower.split(':')[0];
    if (ADMIN_SERVICES.has(service) && !HARMLESS_ADMIN_ACTIONS.has(lower)) {
      // An audit reads roles and their policies; a role passed by name (iam:PassRole on one role) passes only that one.
      const auditRead = purposes.has('audit') && readOnly(action);
      const passOne = lower === 'iam:passrole' && wide.length === 0;
      if (!auditRead && !passOne) findings.add('AdminService', service);
      continue;
    }
    if (wide.length === 0 || documentedWide(lower)) continue;
    // Control of the fleet on `*` is a finding even where `*` is the only grant IAM takes (iot:CreateKeysAndCertificate).
    if (isAdminAction(action)) findings.add('AdminAction', action);
    else if (!isWildcardOnlyAction(action) && touchesData(action) && !(purposes.has('audit') && readOnly(action))) wide.forEach((shape) => findings.add('Resource', shape));
  }
}

/** Judges the `Policies` of a SAM function without `Role` (SAM makes its role from them, with AWSLambdaBasicExecutionRole). */
function judgeSamPolicies(node: CfnResource, purposes: ReadonlySet<RolePurpose>, findings: Findings): void {
  const managed = new Set([...purposes].flatMap((p) => DOCUMENTED_MANAGED_POLICIES[p]));
  forEachPoliciesEntry(node, resolvedProperties(node).Policies, findings, (policy) => {
    if (policy === undefined) return;
    if (typeof policy === 'string') {
      // A name alone is an AWS-managed policy; an ARN is one when it is under `aws`.
      const name = policy.startsWith('arn:') ? awsManagedPolicyName(policy) : policy;
      if (name === undefined) findings.add('Unresolved', 'Policies');
      else if (!managed.has(name)) findings.add('ManagedPolicy', name);
    } else if (isObject(policy) && !isIntrinsic(policy)) {
      // CDK's SAM L1 renders every policy template key, unset ones as `undefined`.
      const set = Object.entries(policy).filter(([, v]) => v !== undefined);
      const template = set.length === 1 && SCOPED_SAM_TEMPLATES.has(set[0][0]) ? set[0][1] : undefined;
      if (policy.Statement !== undefined) {
        forEachStatement(node, policy, findings, (s) => {
          if (!possibleValues(node, s.Effect).every((e) => typeof e === 'string' && e.toLowerCase() === 'deny')) judgeStatement(node, s, purposes, findings);
        });
      } else if (template !== undefined) {
        if (isObject(template) && Object.values(template).some((v) => possibleValues(node, v).includes('*'))) findings.add('Resource', '*');
      } else {
        findings.add('Unresolved', 'Policies');
      }
    } else {
      findings.add('Unresolved', 'Policies');
    }
  });
}

/**
 * IoTSecurity-GW13: every role an AWS IoT service assumes, and every role of a function IoT
 * invokes, holds only what its uses need.
 *
 * Which roles, and for what, is read by `private/iot-service-roles.ts`: topic-rule action and
 * error-action roles (any `...RoleArn` under any action, http `Auth.Sigv4.RoleArn` included) and
 * the roles of the functions rules invoke (JITR functions among them), topic-rule destinations,
 * provisioning templates and their pre-provisioning hook function, JITP (`RegistrationConfig`),
 * custom authorizer functions, logging, audit and its notifications, security-profile alerts,
 * job-template presigned URLs, IoT Events, SiteWise, Wireless, FleetWise, Analytics, TwinMaker,
 * Greengrass V1 group roles, SAM functions with an `IoTRule` event, and any role whose trust
 * admits an IoT service principal. A role is judged once against the union of its uses (see
 * https://docs.aws.amazon.com/iot/latest/developerguide/iot-create-role.html: a rule action's role
 * needs the one operation of the action on its target). Roles behind a role alias, trusted by
 * the credentials provider or run by a mitigation action are left to IoTSecurity-GW1, GW3 and IR1,
 * unless a rule, template or function use of this model also names them (IR1 does not judge
 * resource scoping: a mitigation action naming a rule's role must not take it out of this rule).
 *
 * Findings on the `AWS::IAM::Role` (or on the SAM function whose `Policies` make its role):
 * - `Action::<action>`: `*` or a wildcard action (CDK's `kms:GenerateDataKey*`/`kms:ReEncrypt*` aside);
 * - `AdminService::<service>`: iam, sts, organizations... (an audit's reads and `iam:PassRole` on named roles aside);
 * - `AdminAction::<action>`: control-plane power over the fleet (`iot:CreatePolicy`, `iot:AttachPolicy`,
 *   `iot:RegisterCertificate`, `iot:UpdateCertificate`, `iot:CreateKeysAndCertificate`..., any
 *   `Permissions management` action, see `isAdminAction`) on `*` or every resource of its type,
 *   except what a provisioning role documentedly does (`DOCUMENTED_WIDE_ACTIONS`);
 * - `Resource::<arn>`: data read or written anywhere: an action that reads or writes (`iot:Publish`,
 *   `s3:GetObject`, `dynamodb:PutItem`, `sqs:SendMessage`, `sns:Publish`, `kinesis:PutRecord`,
 *   `firehose:PutRecord`...) on `*` or every resource of its service or type; actions that take only
 *   `*` pass, and so do an audit's reads and the documented wide actions of a use;
 * - `ManagedPolicy::<name>`: an AWS-managed policy not documented for any use of the role (`DOCUMENTED_MANAGED_POLICIES`);
 * - `NotAction`, `NotResource`;
 * - `Unresolved::Policies|ManagedPolicyArns|PolicyDocument|Statement|Action|Resource`: grants that cannot be read.
 * On the resource that names a role or function it cannot follow (a parameter without allowed values, an
 * import from outside the app, a literal ARN of a role or function no stack of the app holds):
 * `Unresolved::<property path>`; acknowledge it where the role is reviewed. A role another stack of the
 * same app exports is followed there and judged in its own stack.
 */
export const IoTServiceRoleLeastPrivilege = defineRule({
  id: 'GW13',
  practice: Practice.GATEWAYS_AND_IT,
  iotLens: ['IOTSEC04'],
  attackEnterprise: ['T1078.004', 'T1098.003', 'T1530', 'T1565.001'],
  attackIcs: ['T0859', 'T0890', 'T0831'],
  level: NagMessageLevel.ERROR,
  info: 'A role an AWS IoT service or an IoT-triggered function uses may control the fleet, or read or write data, beyond what its use needs.',
  explanation:
    'AWS IoT assumes these roles on every message a rule matches, every device that provisions, every connection an authorizer sees: on input devices '
    + 'and attackers control. A republish role that may publish to any topic, a rule role that may write any table or read any bucket, a '
    + 'provisioning role that may create and attach any policy turn one crafted message or device into control of the fleet or its data.',
  fix: 'Grant each role only its use\'s action on its own target (iot:Publish on the republish topic, s3:PutObject on the bucket\'s prefix, '
    + 'dynamodb:PutItem on the table); scope provisioning roles to the thing prefix and device policy; no AWS-managed policies beyond the one '
    + 'AWS documents for the use (AWSIoTThingsRegistration, AWSIoTLogging, AWSIoTDeviceDefenderAudit, AWSLambdaBasicExecutionRole).',
  resourceTypes: [ROLE, SAM_FUNCTION, ...SERVICE_ROLE_TYPES],
}, (node: CfnResource): NagRuleResult => {
  const model = iotServiceRoles(node);
  const findings = new Findings();
  const type = node.cfnResourceType;
  model.unreadable.get(node)?.forEach((p) => findings.add('Unresolved', p));
  if (type === ROLE) {
    const uses = model.uses.get(node);
    // A role alias or mitigation action names it (GW1, GW3, IR1 judge it for that use, IR1 not its resources):
    // a rule or template that also uses it still has it judged here.
    if (uses && (!model.judgedElsewhere.has(node) || uses.some((u) => !u.kind.startsWith('trust:')))) {
      const purposes = new Set(uses.flatMap((u) => u.purposes));
      const managed = new Set([...purposes].flatMap((p) => DOCUMENTED_MANAGED_POLICIES[p]));
      const grants = roleGrants(node, node, findings);
      for (const name of grants.awsManagedPolicies) if (!managed.has(name)) findings.add('ManagedPolicy', name);
      for (const statement of grants.statements) judgeStatement(node, statement, purposes, findings);
    } else if (findings.isEmpty) {
      return NagRuleCompliance.NOT_APPLICABLE;
    }
  } else if (type === SAM_FUNCTION && model.samFunctions.has(node)) {
    judgeSamPolicies(node, new Set<RolePurpose>(['function', ...(isJitrSam(node) ? ['provisioning' as const] : [])]), findings);
  } else if (findings.isEmpty) {
    return model.samFunctions.has(node) || SERVICE_ROLE_TYPES.includes(type) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NOT_APPLICABLE;
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});

/** Whether every IoT rule event of a SAM function reads the certificate-registered topic (JITR) in its FROM clause, in every form. */
function isJitrSam(node: CfnResource): boolean {
  const sqls: unknown[] = [];
  for (const events of possibleValues(node, resolvedProperties(node).Events)) {
    if (!isObject(events)) return false;
    for (const event of Object.values(events)) {
      for (const e of branches(event)) {
        if (isObject(e) && e.Type === 'IoTRule') sqls.push(isObject(e.Properties) ? e.Properties.Sql : undefined);
      }
    }
  }
  return sqls.length > 0 && sqls.every((sql) => isJitr(node, sql));
}
