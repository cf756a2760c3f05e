import { AUDIT_CHECKS } from '../../core/private/audit-checks';
import { isObject, Unresolved } from './value-kinds';
import {
  eachReading, evaluate, Evaluated, field, isJsonObject, parseJson, Placeholders, Reading, Segment,
} from './intrinsics';

/**
 * What the pack reads from custom resources: the native resource each one stands for.
 *
 * A custom resource made by CDK's `AwsCustomResource` (`Custom::AWS`, any `Custom::` type whose
 * `ServiceToken` is that provider's function, and the `AWS::CloudFormation::CustomResource`
 * spelling) makes one AWS API call per lifecycle event: `Create` and `Update` (the older camel
 * cased `create`/`update` too), each `{ service, action, parameters }` as an object or a JSON
 * string (CDK renders it as an `Fn::Join` around the tokens in it). A call that sets what a rule
 * checks is read as a **view**: the native resource type and its properties in CloudFormation's
 * casing (`API_CALLS` documents the mapping), which the rules of that type judge as they would
 * judge the native resource; findings are reported on the custom resource itself.
 *
 * Custom resources of any other provider carry their own property names; one whose properties
 * name a role alias and a role ARN is read as an `AWS::IoT::RoleAlias`. (One carrying an IoT
 * policy document is analysed by the policy rules directly, see `iot-policy-sources`.)
 *
 * A view's values are CloudFormation values again: a token CDK rendered into the JSON string is a
 * `Ref`/`Fn::GetAtt` of the view, a pseudo parameter a `Ref` to it, literal text with references
 * an `Fn::Join`, so every rule and the stack model follow them as they would in a native resource.
 * What the reader could not render is an `Fn::Unreadable`, which every evaluator reports as
 * unresolved.
 */

/** `Fn::Unreadable`: a part of a custom resource's call the reader could not render. */
export const UNREADABLE = 'Fn::Unreadable';

/** The native resource one call (or one custom resource) stands for. */
export interface NativeView {
  /** The native CloudFormation type, e.g. `AWS::IoT::ThingPrincipalAttachment`. */
  readonly type: string;
  /** Its properties, CloudFormation-cased. */
  readonly properties: { [key: string]: unknown };
  /** Where the view was read from: `Create`, `Update`, or `Properties` (another provider). */
  readonly source: string;
  /** The API call, `<service>:<Action>`, e.g. `iot:AttachThingPrincipal`; absent for another provider. */
  readonly call?: string;
  /**
   * Whether the call only changes what it names (an `Update...` API): settings it leaves out keep
   * whatever they were, so a rule judging only such settings does not apply to the view.
   */
  readonly partial: boolean;
}

/** One API call read from a custom resource: its service and action normalized, its parameters as CloudFormation values. */
export interface SdkCall {
  /** `Create` or `Update` (as the property is spelled). */
  readonly key: string;
  /** `iot`, `ssm`, `secretsmanager`...: lower case, without `@aws-sdk/client-` and dashes. */
  readonly service: string;
  /** The action in lower case, without a `Command` suffix: `createpolicy`. */
  readonly action: string;
  /** The parameters, CloudFormation values (see the module's comment); `undefined` if the call has none. */
  readonly parameters: unknown;
}

/** A call of an `AwsCustomResource`-shaped property that could not be read: what and why. */
export interface UnreadableCall {
  readonly key: string;
  readonly reason: string;
}

/** The logical ID prefix of the singleton function behind every `AwsCustomResource`. */
export const AWS_CUSTOM_RESOURCE_PROVIDER = 'AWS679f53fac002430cb0da5b7982bd2287';

/** Whether a type is a custom resource's: `Custom::<anything>` or `AWS::CloudFormation::CustomResource`. */
export function isCustomResourceType(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

/** The keys an `AwsCustomResource` writes its create and update calls under (older CDK: camel case). */
const CALL_KEYS = ['Create', 'Update', 'create', 'update'];

/**
 * Whether a custom resource is an `AwsCustomResource`: its type is `Custom::AWS`, its service token
 * names the provider's singleton function, or it has a `Create`/`Update` call of that shape.
 */
export function isAwsCustomResource(type: string, properties: { [key: string]: unknown }): boolean {
  if (type === 'Custom::AWS') return true;
  const token = JSON.stringify(properties.ServiceToken ?? properties.serviceToken ?? null);
  return token.includes(AWS_CUSTOM_RESOURCE_PROVIDER);
}

/** Lower case, without the SDK v3 package prefix or dashes: `@aws-sdk/client-iot` and `IoT` are both `iot`. */
export function normalizeService(service: string): string {
  return service.trim().toLowerCase().replace(/^@aws-sdk\//, '').replace(/^client-/, '').replace(/[-_\s]/g, '');
}

/** Lower case, without SDK v3's `Command` suffix: `CreatePolicyCommand` and `createPolicy` are both `createpolicy`. */
export function normalizeAction(action: string): string {
  return action.trim().toLowerCase().replace(/command$/, '');
}

/**
 * The calls of an `AwsCustomResource` (one per reading of its `Fn::If`s), and those it could not
 * read. `properties` are the resource's resolved properties.
 */
export function sdkCalls(properties: { [key: string]: unknown }, awsCustomResource: boolean): { calls: SdkCall[]; unreadable: UnreadableCall[] } {
  const calls: SdkCall[] = [];
  const unreadable: UnreadableCall[] = [];
  for (const key of CALL_KEYS) {
    if (properties[key] === undefined) continue;
    const ph = new Placeholders();
    const readings = eachReading((reading: Reading) => evaluate(properties[key], ph, 'cloudformation', reading));
    for (const rendered of readings.results) {
      const call = typeof rendered === 'string' ? parseJson(rendered) : rendered;
      if (!isJsonObject(call)) {
        if (awsCustomResource) unreadable.push({ key, reason: rendered instanceof Unresolved ? rendered.reason : 'not a call' });
        continue;
      }
      const service = field(call, 'service');
      const action = field(call, 'action');
      if (typeof service !== 'string' || typeof action !== 'string' || !ph.isLiteral(service) || !ph.isLiteral(action)) {
        if (awsCustomResource) unreadable.push({ key, reason: 'service or action' });
        continue;
      }
      const parameters = field(call, 'parameters');
      calls.push({
        key: key.charAt(0).toUpperCase() + key.slice(1),
        service: normalizeService(service),
        action: normalizeAction(action),
        parameters: parameters === undefined ? undefined : toCloudFormation(parameters, ph, 0),
      });
    }
    if (!readings.complete && awsCustomResource) unreadable.push({ key, reason: 'too many forms' });
  }
  return { calls, unreadable };
}

/**
 * An evaluated value turned back into a CloudFormation value: strings with placeholders become
 * `Ref`, `Fn::GetAtt` or `Fn::Join`; `TRUE:BOOLEAN`/`FALSE:BOOLEAN` (how older `AwsCustomResource`s
 * encoded booleans) become booleans.
 */
function toCloudFormation(value: Evaluated, ph: Placeholders, depth: number): unknown {
  if (depth > 32) return { [UNREADABLE]: 'nesting' };
  if (value instanceof Unresolved) return { [UNREADABLE]: value.reason };
  if (typeof value === 'string') {
    if (value === 'TRUE:BOOLEAN') return true;
    if (value === 'FALSE:BOOLEAN') return false;
    if (ph.isLiteral(value)) return value;
    const parts = ph.decode(value).map(segmentValue);
    return parts.length === 1 ? parts[0] : { 'Fn::Join': ['', parts] };
  }
  if (Array.isArray(value)) return value.map((v) => toCloudFormation(v, ph, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: unknown } = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCloudFormation(v, ph, depth + 1);
    return out;
  }
  return value;
}

function segmentValue(segment: Segment): unknown {
  switch (segment.kind) {
    case 'text':
      return segment.text;
    case 'pseudo':
      return { Ref: segment.label };
    case 'ref': {
      const dot = segment.label.indexOf('.');
      return dot < 0 ? { Ref: segment.label } : { 'Fn::GetAtt': [segment.label.slice(0, dot), segment.label.slice(dot + 1)] };
    }
    default:
      return { [UNREADABLE]: segment.label };
  }
}

/**
 * How one API call maps to a native resource. Parameters are renamed to CloudFormation's casing
 * by `pascalCase` (first letter up, recursively), then `rename` fixes the names that differ
 * (`exponentialRate` is `ExponentialRolloutRate`), `maps` names the properties whose keys are
 * data and keep their case (`tokenSigningPublicKeys`), and `shape` makes any other change.
 */
interface ApiMapping {
  readonly type: string;
  /** An `Update...` API: what it leaves out is unchanged (see `NativeView.partial`). */
  readonly partial?: boolean;
  /** Renames after PascalCasing, by the CloudFormation path of the parent (`''` for the top). */
  readonly rename?: { readonly [path: string]: { readonly [from: string]: string } };
  /** CloudFormation paths whose value's keys are data (not property names), kept as written. */
  readonly maps?: readonly string[];
  readonly shape?: (props: { [key: string]: unknown }) => { [key: string]: unknown };
}

/** A job template's blocks are named as CloudFormation's `AWS::IoT::JobTemplate` names them; a job keeps the API's. */
const JOB_TEMPLATE_RENAMES = {
  JobExecutionsRolloutConfig: { ExponentialRate: 'ExponentialRolloutRate' },
  JobExecutionsRetryConfig: { CriteriaList: 'RetryCriteriaList' },
};

const AUDIT_CHECK_KEYS = new Map(AUDIT_CHECKS.map(([key, name]) => [name, key]));

/**
 * `UpdateAccountAuditConfiguration`: check names are the API's (`LOGGING_DISABLED_CHECK`),
 * CloudFormation's are PascalCase keys (`LoggingDisabledCheck`); the target type `SNS` is `Sns`.
 */
function auditConfiguration(props: { [key: string]: unknown }): { [key: string]: unknown } {
  const out = { ...props };
  const checks = props.AuditCheckConfigurations;
  if (isObject(checks)) {
    const renamed: { [key: string]: unknown } = {};
    for (const [name, value] of Object.entries(checks)) {
      renamed[AUDIT_CHECK_KEYS.get(name) ?? name.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase())] = value;
    }
    out.AuditCheckConfigurations = renamed;
  }
  const targets = props.AuditNotificationTargetConfigurations;
  if (isObject(targets)) {
    const renamed: { [key: string]: unknown } = {};
    for (const [name, value] of Object.entries(targets)) renamed[name.toUpperCase() === 'SNS' ? 'Sns' : name] = value;
    out.AuditNotificationTargetConfigurations = renamed;
  }
  return out;
}

/** `SetLoggingOptions` (v1): `loggingOptionsPayload: { roleArn, logLevel }`. */
function loggingV1(props: { [key: string]: unknown }): { [key: string]: unknown } {
  const payload = isObject(props.LoggingOptionsPayload) ? props.LoggingOptionsPayload : {};
  return { RoleArn: payload.RoleArn, DefaultLogLevel: payload.LogLevel };
}

/** `SetV2LoggingOptions`: `disableAllLogs: true` turns logging off whatever the level. */
function loggingV2(props: { [key: string]: unknown }): { [key: string]: unknown } {
  const { DisableAllLogs, ...rest } = props;
  return DisableAllLogs === true || (typeof DisableAllLogs === 'string' && DisableAllLogs.toLowerCase() === 'true')
    ? { ...rest, DefaultLogLevel: 'DISABLED' }
    : rest;
}

/** `SetV2LoggingLevel`: `logTarget: { targetType, targetName }, logLevel`. */
function resourceLogging(props: { [key: string]: unknown }): { [key: string]: unknown } {
  const target = isObject(props.LogTarget) ? props.LogTarget : {};
  return { TargetType: target.TargetType, TargetName: target.TargetName, LogLevel: props.LogLevel };
}

/** `AttachPolicy` names its principal `target`. */
function policyAttachment(props: { [key: string]: unknown }): { [key: string]: unknown } {
  return { PolicyName: props.PolicyName, Principal: props.Target ?? props.Principal };
}

/** `CreateProvisioningTemplate` names the template's type `type`. */
function provisioningTemplate(props: { [key: string]: unknown }): { [key: string]: unknown } {
  const { Type, ...rest } = props;
  return Type === undefined ? rest : { ...rest, TemplateType: Type };
}

/** `PutSecretValue`/`UpdateSecret` name the secret `SecretId`. */
function secretValue(props: { [key: string]: unknown }): { [key: string]: unknown } {
  const { SecretId, ...rest } = props;
  return SecretId === undefined ? rest : { ...rest, Name: SecretId };
}

/**
 * The API calls read as native resources: `<service>:<action>` (normalized) to the mapping.
 * Parameter names are the API's (camelCase for IoT, PascalCase for SSM and Secrets Manager).
 */
export const API_CALLS: { readonly [call: string]: ApiMapping } = {
  // Principal attachments: without thingPrincipalType the API attaches NON_EXCLUSIVE_THING (ID6).
  'iot:attachthingprincipal': { type: 'AWS::IoT::ThingPrincipalAttachment' },
  'iot:attachpolicy': { type: 'AWS::IoT::PolicyPrincipalAttachment', shape: policyAttachment },
  'iot:attachprincipalpolicy': { type: 'AWS::IoT::PolicyPrincipalAttachment', shape: policyAttachment },
  // Jobs and job templates (UPD1-UPD3).
  'iot:createjob': { type: 'AWS::IoT::Job', maps: ['DocumentParameters'] },
  'iot:createjobtemplate': { type: 'AWS::IoT::JobTemplate', rename: JOB_TEMPLATE_RENAMES },
  // Logging (MON1, MON6).
  'iot:setv2loggingoptions': { type: 'AWS::IoT::Logging', shape: loggingV2 },
  'iot:setloggingoptions': { type: 'AWS::IoT::Logging', shape: loggingV1 },
  'iot:setv2logginglevel': { type: 'AWS::IoT::ResourceSpecificLogging', shape: resourceLogging },
  // Device Defender audit (MON2, MON3, MON5).
  'iot:updateaccountauditconfiguration': {
    type: 'AWS::IoT::AccountAuditConfiguration', partial: true, maps: ['AuditCheckConfigurations', 'AuditNotificationTargetConfigurations'], shape: auditConfiguration,
  },
  'iot:createscheduledaudit': { type: 'AWS::IoT::ScheduledAudit' },
  'iot:updatescheduledaudit': { type: 'AWS::IoT::ScheduledAudit', partial: true },
  // Role aliases (GW1, GW2).
  'iot:createrolealias': { type: 'AWS::IoT::RoleAlias' },
  'iot:updaterolealias': { type: 'AWS::IoT::RoleAlias', partial: true },
  // Provisioning templates (ID8; their policies: ID1-ID5 through iot-policy-sources).
  'iot:createprovisioningtemplate': { type: 'AWS::IoT::ProvisioningTemplate', shape: provisioningTemplate },
  'iot:updateprovisioningtemplate': { type: 'AWS::IoT::ProvisioningTemplate', partial: true, shape: provisioningTemplate },
  // Policies (ID1-ID5 read the call itself; the view names the policy for the stack model).
  'iot:createpolicy': { type: 'AWS::IoT::Policy' },
  'iot:createpolicyversion': { type: 'AWS::IoT::Policy', partial: true },
  // Domain configurations (TLS1, TLS2).
  'iot:createdomainconfiguration': { type: 'AWS::IoT::DomainConfiguration' },
  'iot:updatedomainconfiguration': { type: 'AWS::IoT::DomainConfiguration', partial: true },
  // Topic rules (DAT1).
  'iot:createtopicrule': { type: 'AWS::IoT::TopicRule' },
  'iot:replacetopicrule': { type: 'AWS::IoT::TopicRule' },
  // Custom authorizers (ID9).
  'iot:createauthorizer': { type: 'AWS::IoT::Authorizer', maps: ['TokenSigningPublicKeys'] },
  'iot:updateauthorizer': { type: 'AWS::IoT::Authorizer', partial: true, maps: ['TokenSigningPublicKeys'] },
  // Things and groups: no rule judges them here, but the stack model knows them by name.
  'iot:creatething': { type: 'AWS::IoT::Thing', maps: ['AttributePayload.Attributes'] },
  'iot:createthinggroup': { type: 'AWS::IoT::ThingGroup' },
  // Doors into the account for a service (GW15): Lambda turns AddPermission's SourceArn/SourceAccount into the statement's conditions.
  'lambda:addpermission': { type: 'AWS::Lambda::Permission' },
  'iam:createrole': { type: 'AWS::IAM::Role' },
  // Literal secrets (ID10).
  'ssm:putparameter': { type: 'AWS::SSM::Parameter' },
  'secretsmanager:createsecret': { type: 'AWS::SecretsManager::Secret' },
  'secretsmanager:putsecretvalue': { type: 'AWS::SecretsManager::Secret', partial: true, shape: secretValue },
  'secretsmanager:updatesecret': { type: 'AWS::SecretsManager::Secret', partial: true, shape: secretValue },
};

/** `parameters` of a call, renamed to CloudFormation's casing (see `ApiMapping`). */
function pascalCase(value: unknown, mapping: ApiMapping, path: string, depth: number): unknown {
  if (depth > 32) return value;
  if (Array.isArray(value)) return value.map((v) => pascalCase(v, mapping, path, depth + 1));
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return value;
  const keepKeys = mapping.maps?.includes(path) ?? false;
  const renames = mapping.rename?.[path] ?? {};
  const out: { [key: string]: unknown } = {};
  for (const [key, child] of Object.entries(value)) {
    const upper = keepKeys ? key : key.charAt(0).toUpperCase() + key.slice(1);
    const name = renames[upper] ?? upper;
    const childPath = path === '' ? name : `${path}.${name}`;
    // A map's values keep their own shape (attribute values, public keys, check configurations).
    out[name] = keepKeys ? pascalCase(child, mapping, `${childPath}*`, depth + 1) : pascalCase(child, mapping, childPath, depth + 1);
  }
  return out;
}

/** The native view of one call, if the call is one `API_CALLS` maps. */
export function viewOfCall(call: SdkCall): NativeView | undefined {
  const name = `${call.service}:${call.action}`;
  const mapping = API_CALLS[name];
  if (!mapping) return undefined;
  const renamed = call.parameters === undefined ? {} : pascalCase(call.parameters, mapping, '', 0);
  const props = isObject(renamed) ? renamed : { [UNREADABLE]: 'parameters' };
  const properties = mapping.shape ? mapping.shape(props) : props;
  for (const key of Object.keys(properties)) if (properties[key] === undefined) delete properties[key];
  return { type: mapping.type, properties, source: call.key, call: name, partial: mapping.partial ?? false };
}

/** The first property whose name matches `pattern` (any casing of the words), and its name. */
export function propertyNamed(properties: { [key: string]: unknown }, pattern: RegExp): [string, unknown] | undefined {
  const key = Object.keys(properties).find((k) => pattern.test(k));
  return key === undefined ? undefined : [key, properties[key]];
}

/** `RoleAlias`, `roleAlias`, `RoleAliasName`, `role_alias`. */
export const ROLE_ALIAS_PROPERTY = /^role[-_]?alias([-_]?name)?$/i;
/** `RoleArn`, `roleArn`, `role_arn`. */
export const ROLE_ARN_PROPERTY = /^role[-_]?arn$/i;
/** `PolicyDocument`, `policyDocument`, `policy_document`. */
export const POLICY_DOCUMENT_PROPERTY = /^policy[-_]?document$/i;

/**
 * The native views of a custom resource of another provider: a role alias when its properties
 * name one beside a role ARN (read as `AWS::IoT::RoleAlias`, so GW1/GW2 judge the role).
 */
export function viewsOfOtherProvider(properties: { [key: string]: unknown }): NativeView[] {
  const alias = propertyNamed(properties, ROLE_ALIAS_PROPERTY);
  const role = propertyNamed(properties, ROLE_ARN_PROPERTY);
  if (!alias || !role) return [];
  const duration = propertyNamed(properties, /^credential[-_]?duration[-_]?seconds$/i);
  const view: { [key: string]: unknown } = { RoleAlias: alias[1], RoleArn: role[1] };
  if (duration) view.CredentialDurationSeconds = duration[1];
  return [{ type: 'AWS::IoT::RoleAlias', properties: view, source: 'Properties', partial: false }];
}
