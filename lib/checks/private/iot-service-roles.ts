import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { asArray, findInStack, memoizeInPass, outputsInStack, referencedLogicalId, resolvedProperties } from './cfn';
import { branches, isIntrinsic, isObject, possibleValues, Unresolved } from './cfn-values';
import { templateString } from './iam-policy';
import { resourcesNamedIn, rolesOf, trustedServices } from './role-refs';
import { StackModel } from './stack-model';

/**
 * The roles AWS IoT services, and the functions IoT invokes, run with in one stack, and what for.
 *
 * Read from every resource of the IoT families that names a role (see `SERVICE_ROLE_TYPES`):
 * - `AWS::IoT::TopicRule`: every property named `...RoleArn` at any depth under each action of
 *   `TopicRulePayload.Actions` and under `ErrorAction` (republish, s3, dynamoDB, dynamoDBv2, kinesis,
 *   firehose, sqs, sns, timestream, http `Auth.Sigv4.RoleArn`, location, iotAnalytics, iotEvents,
 *   iotSiteWise, cloudwatch*, elasticsearch/openSearch, stepFunctions...), the action's key being
 *   the use's `kind`; a `Lambda.FunctionArn` action names a function, whose `Role` is used (a rule on
 *   `$aws/events/certificates/registered/...` is a just-in-time registration, JITR, function); a
 *   function the SQL calls with `aws_lambda()` (`sqlFunctions`) is used as a Lambda action's is;
 * - the functions of the Lambda actions of `AWS::IoTEvents::DetectorModel`/`AlarmModel`;
 * - `AWS::IoT::ProvisioningTemplate` `ProvisioningRoleArn` and the `PreProvisioningHook.TargetArn`
 *   function; `AWS::IoT::CACertificate` `RegistrationConfig.RoleArn` (JITP); `AWS::IoT::Authorizer`
 *   `AuthorizerFunctionArn`; `AWS::IoT::CertificateProvider` `LambdaFunctionArn`; `AWS::IoT::Logging` and `AWS::IoT::AccountAuditConfiguration` `RoleArn`;
 * - any other type of `SERVICE_ROLE_TYPES`: every property named `...RoleArn` at any depth
 *   (`AlertTargets.Sns.RoleArn`, `PresignedUrlConfig.RoleArn`, `EncryptionConfiguration` `KmsAccessRoleArn`, IoT Events, SiteWise, Wireless,
 *   FleetWise `ExecutionRoleArn`, Greengrass V1 `RoleArn`, TwinMaker `Role`);
 * - `AWS::Serverless::Function` with an `Events` entry of `Type: IoTRule` (SAM), whose `Role`
 *   is used, or, without one, whose own `Policies` are (`samFunctions`);
 * - every `AWS::IAM::Role` whose trust admits an IoT service principal (`IOT_SERVICE_PRINCIPAL`),
 *   with the use `trust:<service>` when nothing of the stack names it.
 * A role is followed through `Fn::GetAtt`/`Ref`/`Fn::Sub`/`Fn::Join`, literal ARNs, parameters'
 * allowed values and both branches of `Fn::If` (`rolesOf`); a function through `Ref`/`Fn::GetAtt`,
 * its ARN or name, an `AWS::Lambda::Alias` or `Version`; an `Fn::ImportValue` of an export of another
 * stack of the same app (a CDK cross-stack reference) to that stack, the model spanning the app.
 * What cannot be followed is `unreadable`.
 * Roles behind a role alias, trusted by the credentials provider or run by a mitigation action
 * are `judgedElsewhere` (IoTSecurity-GW1, GW3, IR1).
 */

/** What a role is used for, which decides what it may documentedly hold. */
export type RolePurpose = 'provisioning' | 'function' | 'logging' | 'audit' | 'greengrass' | 'vpc-destination' | 'service';

/** One use of a role. */
export interface RoleUse {
  /** The logical ID of the resource that names the role (the role itself for `trust:` uses). */
  readonly resource: string;
  /** Where: `TopicRulePayload.Actions.S3.RoleArn`, `ProvisioningRoleArn`, `Lambda.FunctionArn`... */
  readonly property: string;
  /** What kind of action: the rule action's key in lower case (`s3`, `republish`), `provisioning`, `jitp`, `jitr-function`, `function`, `authorizer`, `logging`, `audit`, `trust:<service>`... */
  readonly kind: string;
  readonly purposes: readonly RolePurpose[];
}

/** The model of one stack. */
export interface IotServiceRoles {
  /** Each role of the stack an IoT service or IoT-triggered function uses, with every use. */
  readonly uses: ReadonlyMap<CfnResource, readonly RoleUse[]>;
  /** Roles another rule judges: behind a role alias (GW1), trusted by the credentials provider (GW3), of a mitigation action (IR1). */
  readonly judgedElsewhere: ReadonlySet<CfnResource>;
  /** By resource: the properties whose role or function could not be followed. */
  readonly unreadable: ReadonlyMap<CfnResource, readonly string[]>;
  /** SAM functions IoT triggers that have no `Role`: SAM makes their role from their `Policies`. */
  readonly samFunctions: ReadonlySet<CfnResource>;
}

const ROLE = 'AWS::IAM::Role';
const LAMBDA = 'AWS::Lambda::Function';
const SAM_FUNCTION = 'AWS::Serverless::Function';
const JITR_TOPIC = '$aws/events/certificates/registered/';

/** The resource types whose properties name a role an IoT service assumes (or a function IoT invokes). */
export const SERVICE_ROLE_TYPES: readonly string[] = [
  'AWS::IoT::TopicRule', 'AWS::IoT::TopicRuleDestination', 'AWS::IoT::ProvisioningTemplate', 'AWS::IoT::CACertificate',
  'AWS::IoT::Authorizer', 'AWS::IoT::Logging', 'AWS::IoT::AccountAuditConfiguration', 'AWS::IoT::SecurityProfile',
  'AWS::IoT::JobTemplate', 'AWS::IoT::Job', 'AWS::IoT::Command', 'AWS::IoT::EncryptionConfiguration', 'AWS::IoT::CertificateProvider',
  'AWS::IoTEvents::DetectorModel', 'AWS::IoTEvents::AlarmModel', 'AWS::IoTEvents::Input',
  'AWS::IoTSiteWise::Portal', 'AWS::IoTSiteWise::Gateway', 'AWS::IoTSiteWise::Dataset',
  'AWS::IoTWireless::Destination', 'AWS::IoTWireless::TaskDefinition',
  'AWS::Greengrass::Group',
  'AWS::IoTFleetWise::Campaign',
  'AWS::IoTAnalytics::Channel', 'AWS::IoTAnalytics::Datastore', 'AWS::IoTAnalytics::Dataset', 'AWS::IoTAnalytics::Pipeline',
  'AWS::IoTTwinMaker::Workspace', 'AWS::IoTCoreDeviceAdvisor::SuiteDefinition',
];
const SERVICE_ROLE_TYPE_SET: ReadonlySet<string> = new Set(SERVICE_ROLE_TYPES);

/**
 * The service principals of AWS IoT's services (`iot`, `iotevents`, `iotsitewise`, `iotwireless`,
 * `iotfleetwise`, `iottwinmaker`, `iotanalytics`, `iotdeviceadvisor`..., and `greengrass`), in any
 * partition's suffix. `credentials.iot.amazonaws.com` is not one: its roles are IoTSecurity-GW3's.
 */
export const IOT_SERVICE_PRINCIPAL = /^(iot[a-z0-9-]*|greengrass)\.amazonaws\.com(\.cn)?$/;
const CREDENTIALS_PROVIDER = 'credentials.iot.amazonaws.com';

/** A property naming a role: `RoleArn`, `ExecutionRoleArn`, `DevicePermissionRoleArn`... (TwinMaker writes `Role`). */
const ROLE_KEY = /rolearn$/i;

/** The model of the app `node` belongs to (every stack of it), memoized for the pass. */
export function iotServiceRoles(node: CfnResource): IotServiceRoles {
  // One model for the whole app: a rule of one stack may use a role another stack exports.
  const root = node.node.root;
  return memoizeInPass('iot-service-roles', root, () => build(root));
}

/** Whether a role's trust admits an IoT service principal (`IOT_SERVICE_PRINCIPAL`), and which. */
export function iotServicesTrusted(role: CfnResource): string[] {
  return [...trustedServices(role, role)].filter((s) => IOT_SERVICE_PRINCIPAL.test(s));
}

class Builder {
  public readonly uses = new Map<CfnResource, RoleUse[]>();
  public readonly unreadable = new Map<CfnResource, string[]>();
  public readonly samFunctions = new Set<CfnResource>();

  private exportIndex?: Map<string, { stack: Stack; value: unknown }>;

  constructor(private readonly root: IConstruct) {}

  /**
   * The value an `Fn::ImportValue` of a literal name imports, from the outputs of the app's stacks
   * that export it (CDK's cross-stack references are such exports), with the stack that holds it.
   */
  private imported(node: CfnResource, value: unknown): { stack: Stack; value: unknown } | undefined {
    if (!isObject(value) || Object.keys(value).length !== 1 || !('Fn::ImportValue' in value)) return undefined;
    const names = possibleValues(node, value['Fn::ImportValue']);
    if (names.length !== 1 || typeof names[0] !== 'string') return undefined;
    if (!this.exportIndex) {
      this.exportIndex = new Map();
      for (const stack of stacksOf(this.root)) {
        for (const output of StackModel.of(stack).outputs()) {
          const rendered = stack.resolve((output as unknown as { _toCloudFormation(): object })._toCloudFormation()) as
            { Outputs?: { [id: string]: { Value?: unknown; Export?: { Name?: unknown } } } };
          for (const body of Object.values(rendered.Outputs ?? {})) {
            if (typeof body?.Export?.Name === 'string') this.exportIndex.set(body.Export.Name, { stack, value: body.Value });
          }
        }
      }
    }
    return this.exportIndex.get(names[0]);
  }

  /** `rolesOf`, following an import to the stack of the app that exports it. */
  private rolesOf(node: CfnResource, value: unknown): (CfnResource | Unresolved)[] {
    return branches(value).flatMap((b) => {
      const exported = this.imported(node, b);
      const inStack = exported ? StackModel.of(exported.stack).resources()[0] : undefined;
      return exported && inStack ? rolesOf(inStack, exported.value) : rolesOf(node, b);
    });
  }

  public addUnreadable(node: CfnResource, property: string): void {
    const list = this.unreadable.get(node) ?? [];
    if (!list.includes(property)) list.push(property);
    this.unreadable.set(node, list);
  }

  public addUse(role: CfnResource, use: RoleUse): void {
    const list = this.uses.get(role) ?? [];
    if (!list.some((u) => u.resource === use.resource && u.property === use.property && u.kind === use.kind)) list.push(use);
    this.uses.set(role, list);
  }

  /** The roles `value` names, as a use of `node`'s `property`. */
  public role(node: CfnResource, value: unknown, property: string, kind: string, purposes: RolePurpose[]): void {
    const roles = this.rolesOf(node, value);
    if (roles.length === 0 && branches(value).some((b) => b !== undefined)) this.addUnreadable(node, property);
    for (const role of roles) {
      if (role instanceof Unresolved) this.addUnreadable(node, property);
      else this.addUse(role, { resource: logicalId(node), property, kind, purposes });
    }
  }

  /** The roles of the functions `value` names. */
  public functionRole(node: CfnResource, value: unknown, property: string, kind: string, purposes: RolePurpose[]): void {
    for (const fn of this.functionsOf(node, value, 0)) {
      if (fn instanceof Unresolved) {
        this.addUnreadable(node, property);
        continue;
      }
      const role = resolvedProperties(fn).Role;
      if (branches(role).every((b) => b === undefined)) {
        // SAM makes the role from the function's `Policies`. CloudFormation requires `Role` of an
        // `AWS::Lambda::Function`: one without it is the scanner's SAM expansion, which reports
        // that role as not analyzed.
        if (fn.cfnResourceType === SAM_FUNCTION) this.samFunctions.add(fn);
        continue;
      }
      // The function's role is read where the function stands.
      const roles = this.rolesOf(fn, role);
      if (roles.length === 0) this.addUnreadable(node, property);
      for (const r of roles) {
        if (r instanceof Unresolved) this.addUnreadable(node, property);
        else this.addUse(r, { resource: logicalId(node), property, kind, purposes });
      }
    }
  }

  /** The functions of the stack a function ARN or name can name. */
  private functionsOf(node: CfnResource, value: unknown, depth: number): (CfnResource | Unresolved)[] {
    const out: (CfnResource | Unresolved)[] = [];
    for (const b of branches(value)) {
      if (b === undefined) continue;
      if (b instanceof Unresolved || depth > 4) {
        out.push(new Unresolved('function'));
        continue;
      }
      const exported = this.imported(node, b);
      const inStack = exported ? StackModel.of(exported.stack).resources()[0] : undefined;
      if (exported && inStack) {
        out.push(...this.functionsOf(inStack, exported.value, depth + 1));
        continue;
      }
      const id = referencedLogicalId(b);
      const target = id === undefined ? undefined : findInStack(node, id);
      if (target && (target.cfnResourceType === 'AWS::Lambda::Alias' || target.cfnResourceType === 'AWS::Lambda::Version')) {
        out.push(...this.functionsOf(target, resolvedProperties(target).FunctionName, depth + 1));
        continue;
      }
      if (target && (target.cfnResourceType === LAMBDA || target.cfnResourceType === SAM_FUNCTION)) {
        out.push(target);
        continue;
      }
      const found = [...StackModel.of(node).referenced(b, LAMBDA), ...inSubOrJoin(node, b, [LAMBDA, SAM_FUNCTION])];
      if (found.length > 0) out.push(...new Set(found));
      else out.push(new Unresolved('function'));
    }
    return out;
  }
}

/** Resources of `types` named as `${Id}`/`${Id.Arn}` in an `Fn::Sub`, or by `Ref`/`Fn::GetAtt` inside an `Fn::Join`. */
function inSubOrJoin(node: CfnResource, value: unknown, types: readonly string[]): CfnResource[] {
  if (!isObject(value) || !isIntrinsic(value) || !('Fn::Sub' in value || 'Fn::Join' in value)) return [];
  return resourcesNamedIn(node, value, types);
}

function logicalId(node: CfnResource): string {
  return node.stack.resolve(node.logicalId) as string;
}

/** Calls `visit` with each `...RoleArn` under `value` (objects, lists, both branches of `Fn::If`), with its path. */
function forEachRoleArn(value: unknown, path: string, visit: (value: unknown, path: string) => void, depth = 0): void {
  if (depth > 12) return;
  for (const b of branches(value)) {
    if (Array.isArray(b)) {
      b.forEach((item) => forEachRoleArn(item, path, visit, depth + 1));
    } else if (isObject(b) && !isIntrinsic(b)) {
      for (const [key, v] of Object.entries(b)) {
        const at = path ? `${path}.${key}` : key;
        if (ROLE_KEY.test(key)) visit(v, at);
        else forEachRoleArn(v, at, visit, depth + 1);
      }
    }
  }
}

/** Calls `visit` with the `FunctionArn` of each `Lambda` action under `value` (objects, lists, both branches of `Fn::If`), with its path. */
function forEachLambdaAction(value: unknown, path: string, visit: (functionArn: unknown, path: string) => void, depth = 0): void {
  if (depth > 16) return;
  for (const b of branches(value)) {
    if (Array.isArray(b)) {
      b.forEach((item) => forEachLambdaAction(item, path, visit, depth + 1));
    } else if (isObject(b) && !isIntrinsic(b)) {
      for (const [key, v] of Object.entries(b)) {
        const at = path ? `${path}.${key}` : key;
        if (key === 'Lambda' && isObject(v) && !isIntrinsic(v) && v.FunctionArn !== undefined) visit(v.FunctionArn, `${at}.FunctionArn`);
        else forEachLambdaAction(v, at, visit, depth + 1);
      }
    }
  }
}

/** Whether the rule's SQL (in any of its forms) reads the certificate-registered event topic: a JITR function. */
export function isJitr(node: CfnResource, sql: unknown): boolean {
  const forms = sqlForms(node, sql);
  // Every form deploys a rule on the event topic; a JITR function may hold provisioning's powers, a function on device messages may not.
  return forms.length > 0 && forms.every((s) => s !== undefined && readsJitrTopic(s));
}

/**
 * The texts a rule's SQL can deploy with, one per `Fn::If` branch and allowed parameter value; a
 * form with a value known only at deploy (the CA's ID from a parameter or attribute) is read
 * with `{?}` in its place, `undefined` where it cannot be read at all.
 */
function sqlForms(node: CfnResource, sql: unknown): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (const b of branches(sql)) {
    if (b === undefined) continue;
    for (const v of possibleValues(node, b)) out.push(typeof v === 'string' ? v : templateString(b));
  }
  return out;
}

/**
 * Whether a rule's SQL reads the certificate-registered event topic: its `FROM` topic filter
 * (AWS IoT Core Developer Guide, "FROM clause") starts with `$aws/events/certificates/registered/`.
 * The topic named anywhere else (a WHERE clause, a string) does not make it one.
 */
export function readsJitrTopic(sql: string): boolean {
  const from = /\bFROM\s+'([^']*)'/i.exec(sql) ?? /\bFROM\s+"([^"]*)"/i.exec(sql);
  return from !== null && from[1].trim().startsWith(JITR_TOPIC);
}

function topicRule(b: Builder, node: CfnResource, props: { [key: string]: unknown }): void {
  const payloads = possibleValues(node, props.TopicRulePayload);
  for (const payload of payloads) {
    if (payload instanceof Unresolved || !isObject(payload)) {
      b.addUnreadable(node, 'TopicRulePayload');
      continue;
    }
    const jitr = isJitr(node, payload.Sql);
    const action = (value: unknown, base: string) => {
      for (const a of branches(value)) {
        if (a === undefined) continue;
        if (!isObject(a) || isIntrinsic(a)) {
          b.addUnreadable(node, base);
          continue;
        }
        for (const [kind, body] of Object.entries(a)) {
          if (kind.toLowerCase() === 'lambda') {
            for (const l of branches(body)) {
              if (isObject(l) && !isIntrinsic(l)) {
                b.functionRole(node, l.FunctionArn, `${base}.${kind}.FunctionArn`, jitr ? 'jitr-function' : 'function',
                  jitr ? ['function', 'provisioning'] : ['function']);
              } else if (l !== undefined) {
                b.addUnreadable(node, `${base}.${kind}`);
              }
            }
          } else {
            forEachRoleArn(body, `${base}.${kind}`, (v, path) => b.role(node, v, path, kind.toLowerCase(), ['service']));
          }
        }
      }
    };
    for (const list of possibleValues(node, payload.Actions)) {
      if (list instanceof Unresolved) b.addUnreadable(node, 'TopicRulePayload.Actions');
      else for (const item of asArray(list)) action(item, 'TopicRulePayload.Actions');
    }
    action(payload.ErrorAction, 'TopicRulePayload.ErrorAction');
    sqlFunctions(b, node, payload.Sql);
  }
}

const AWS_LAMBDA_CALL = /aws_lambda\s*\(\s*'([^']*)'/gi;

/**
 * The functions the rule's SQL calls with `aws_lambda(functionArn, inputJson)`: AWS IoT invokes
 * them on every matching message, as it does a Lambda action's (AWS IoT Core Developer Guide, "SQL
 * functions", aws_lambda: "you must grant AWS IoT permission to invoke the function"). The ARN is
 * read from a literal or from the function named in `Fn::Sub`/`Fn::Join`; one of neither is unreadable.
 */
function sqlFunctions(b: Builder, node: CfnResource, sql: unknown): void {
  if (!/aws_lambda\s*\(/i.test(JSON.stringify(sql ?? '') ?? '')) return;
  const property = 'TopicRulePayload.Sql';
  let found = false;
  for (const branch of branches(sql)) {
    for (const fn of inSubOrJoin(node, branch, [LAMBDA, SAM_FUNCTION])) {
      found = true;
      b.functionRole(node, { Ref: logicalId(fn) }, property, 'function', ['function']);
    }
  }
  for (const text of possibleValues(node, sql)) {
    if (typeof text !== 'string') continue;
    for (const m of text.matchAll(AWS_LAMBDA_CALL)) {
      // A placeholder of an intrinsic is the function named above.
      if (!/^arn:[^:]+:lambda:[^:]*:[^:]*:function:[\w-]+(:[\w$-]+)?$/.test(m[1])) continue;
      found = true;
      b.functionRole(node, m[1], property, 'function', ['function']);
    }
  }
  if (!found) b.addUnreadable(node, property);
}

function serviceResource(b: Builder, node: CfnResource): void {
  const type = node.cfnResourceType;
  const props = resolvedProperties(node);
  switch (type) {
    case 'AWS::IoT::TopicRule':
      return topicRule(b, node, props);
    case 'AWS::IoT::ProvisioningTemplate':
      b.role(node, props.ProvisioningRoleArn, 'ProvisioningRoleArn', 'provisioning', ['provisioning']);
      for (const hook of possibleValues(node, props.PreProvisioningHook)) {
        if (hook instanceof Unresolved) b.addUnreadable(node, 'PreProvisioningHook');
        else if (isObject(hook) && hook.TargetArn !== undefined) b.functionRole(node, hook.TargetArn, 'PreProvisioningHook.TargetArn', 'provisioning-hook', ['function']);
      }
      return;
    case 'AWS::IoT::CACertificate':
      for (const config of possibleValues(node, props.RegistrationConfig)) {
        if (config instanceof Unresolved) b.addUnreadable(node, 'RegistrationConfig');
        else if (isObject(config) && config.RoleArn !== undefined) b.role(node, config.RoleArn, 'RegistrationConfig.RoleArn', 'jitp', ['provisioning']);
      }
      return;
    case 'AWS::IoT::Authorizer':
      b.functionRole(node, props.AuthorizerFunctionArn, 'AuthorizerFunctionArn', 'authorizer', ['function']);
      return;
    case 'AWS::IoT::CertificateProvider':
      // The function AWS IoT calls to sign certificates from CSRs (CreateCertificateFromCsr through fleet provisioning).
      b.functionRole(node, props.LambdaFunctionArn, 'LambdaFunctionArn', 'certificate-provider', ['function']);
      return;
    case 'AWS::IoT::Logging':
      b.role(node, props.RoleArn, 'RoleArn', 'logging', ['logging']);
      return;
    case 'AWS::IoT::AccountAuditConfiguration':
      b.role(node, props.RoleArn, 'RoleArn', 'audit', ['audit']);
      forEachRoleArn(props.AuditNotificationTargetConfigurations, 'AuditNotificationTargetConfigurations',
        (v, path) => b.role(node, v, path, 'audit-notification', ['service']));
      return;
    case 'AWS::Greengrass::Group':
      b.role(node, props.RoleArn, 'RoleArn', 'greengrass', ['greengrass']);
      return;
    case 'AWS::IoTTwinMaker::Workspace':
      b.role(node, props.Role, 'Role', 'twinmaker', ['service']);
      return;
    case 'AWS::IoTEvents::DetectorModel':
    case 'AWS::IoTEvents::AlarmModel':
      // IoT Events invokes the function of each Lambda action with the detector's or alarm's data
      // (AWS IoT Events Developer Guide, "Supported actions", Lambda: FunctionArn).
      forEachLambdaAction(props, '', (fn, path) => b.functionRole(node, fn, path, 'iotevents-function', ['function']));
      forEachRoleArn(props, '', (v, path) => b.role(node, v, path, `${type.split('::')[1].toLowerCase()}:${path}`, ['service']));
      return;
    default:
      forEachRoleArn(props, '', (v, path) => b.role(node, v, path, `${type.split('::')[1].toLowerCase()}:${path}`,
        // The role AWS IoT creates a VPC destination's network interfaces with (rules' Kafka and HTTP actions reach the VPC through it).
        type === 'AWS::IoT::TopicRuleDestination' && path === 'VpcProperties.RoleArn' ? ['vpc-destination'] : ['service']));
  }
}

function samFunction(b: Builder, node: CfnResource): void {
  const props = resolvedProperties(node);
  for (const events of possibleValues(node, props.Events)) {
    if (!isObject(events)) continue;
    for (const event of Object.values(events)) {
      for (const e of branches(event)) {
        if (!isObject(e) || e.Type !== 'IoTRule') continue;
        const jitr = isObject(e.Properties) && isJitr(node, e.Properties.Sql);
        const kind = jitr ? 'jitr-function' : 'function';
        const purposes: RolePurpose[] = jitr ? ['function', 'provisioning'] : ['function'];
        if (branches(props.Role).every((r) => r === undefined)) b.samFunctions.add(node);
        else b.role(node, props.Role, 'Role', kind, purposes);
      }
    }
  }
}

/** Every stack of the app, nested ones included. */
function stacksOf(root: IConstruct): Stack[] {
  return root.node.findAll().filter((c): c is Stack => Stack.isStack(c));
}

function build(root: IConstruct): IotServiceRoles {
  const b = new Builder(root);
  const judgedElsewhere = new Set<CfnResource>();
  const resources = stacksOf(root).flatMap((s) => StackModel.of(s).resourcesWithViews());
  for (const r of resources) {
    const type = r.cfnResourceType;
    try {
      if (SERVICE_ROLE_TYPE_SET.has(type)) serviceResource(b, r);
      else if (type === SAM_FUNCTION) samFunction(b, r);
      else if (type === 'AWS::IoT::RoleAlias' || type === 'AWS::IoT::MitigationAction') {
        for (const role of rolesOf(r, resolvedProperties(r).RoleArn)) if (!(role instanceof Unresolved)) judgedElsewhere.add(role);
      }
    } catch {
      b.addUnreadable(r, 'Properties');
    }
  }
  for (const r of resources) {
    if (r.cfnResourceType !== ROLE) continue;
    let services: string[];
    try {
      // Every service principal the model looks for names `iot` or `greengrass`: read the trust only then.
      if (!/iot|greengrass/i.test(JSON.stringify(resolvedProperties(r).AssumeRolePolicyDocument) ?? '')) continue;
      const trusted = trustedServices(r, r);
      if (trusted.has(CREDENTIALS_PROVIDER)) judgedElsewhere.add(r);
      services = [...trusted].filter((s) => IOT_SERVICE_PRINCIPAL.test(s));
    } catch {
      continue;
    }
    if (services.length > 0 && !b.uses.has(r)) {
      for (const s of services) b.addUse(r, { resource: logicalId(r), property: 'AssumeRolePolicyDocument', kind: `trust:${s}`, purposes: ['service'] });
    }
  }
  return { uses: b.uses, judgedElsewhere, unreadable: b.unreadable, samFunctions: b.samFunctions };
}

/**
 * Whether anything of the stack other than the role itself and the policies attached to it names
 * `role`: a property of any resource (custom resources included), an output. An `iam:PassRole`
 * grant on its ARN counts (something passes it).
 */
export function isReferencedInStack(role: CfnResource): boolean {
  return memoizeInPass('iot-service-role-referenced', role, () => {
    const model = StackModel.of(role);
    const candidates: unknown[] = [];
    for (const r of model.resources()) {
      if (r === role) continue;
      let props: { [key: string]: unknown };
      try {
        props = resolvedProperties(r);
      } catch {
        // A resource that cannot be rendered may name the role: count it as a use rather than report an unused role.
        return true;
      }
      const type = r.cfnResourceType;
      if (type === 'AWS::IAM::Policy' || type === 'AWS::IAM::ManagedPolicy' || type === 'AWS::IAM::RolePolicy') {
        const { Roles: _roles, RoleName: _roleName, ...rest } = props;
        props = rest;
      }
      candidates.push(props);
    }
    candidates.push(...outputsInStack(role).map((o) => o.value));
    // A `Ref`/`Fn::GetAtt`/`${Id}` is found by its text, in one pass, before any name or ARN is derived.
    const id = role.stack.resolve(role.logicalId) as string;
    const patterns = [`"Ref":"${id}"`, `"Fn::GetAtt":["${id}"`, `"Fn::GetAtt":"${id}.`, `\${${id}.`, `\${${id}}`];
    if (candidates.some((c) => {
      const text = JSON.stringify(c ?? null);
      return patterns.some((p) => text.includes(p));
    })) return true;
    return candidates.some((c) => model.refersTo(c, role));
  });
}
