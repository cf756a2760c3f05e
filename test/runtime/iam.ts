import { globMatch, iamAction } from '../../lib/checks/private/iam-data';
import type { CfnTemplate } from './synthesized';

/*
 * An IAM evaluator over synthesized templates, for the runtime checks: it answers "may this role
 * make this call on this ARN?" the way IAM would for the identity policies the template attaches,
 * so a test can run the calls a handler, a state machine, a provisioning template or a topic rule
 * makes against the role it runs with.
 *
 * Every intrinsic resolves to one concrete value under TEST_ENV. A resource of the template gets a
 * deterministic name (its name property when it has one, else its logical ID) and ARN, the same
 * wherever it is referenced (the resource's own Ref/GetAtt, a policy's Resource, a state
 * machine's definition), so an ARN a test builds from a resource matches the ARN a policy grants.
 *
 * IAM's rules as implemented: an explicit Deny wins, else any Allow allows, else denied; actions
 * match case-insensitively with `*`/`?`; resources match case-sensitively with `*`/`?` over the
 * whole ARN (`*` crosses `:` and `/`, as in IAM); NotAction/NotResource; Conditions evaluated
 * against the request context given (a key absent from the context fails its condition unless the
 * operator ends in IfExists or is Null); a permissions boundary intersects. Not modelled: service
 * control policies, resource policies (the checks here are about a role's own grants), session
 * policies, policy variables.
 */

/** The partition, region and account every pseudo parameter and generated ARN resolves to. */
export const TEST_ENV = { partition: 'aws', region: 'eu-west-1', account: '111122223333' };

/** TEST_ENV's own values, which `withEnvironment` restores. */
const DEFAULT_ENV = { ...TEST_ENV };

/**
 * Runs `fn` with TEST_ENV set to a stack's environment (`aws://<account>/<region>`, as
 * `SynthesizedStack.environment` gives it): a stack pinned to an account and region has those
 * literals in its ARNs, so the ARNs built here (callTarget, arnOf) must use them too. Unknown parts
 * (`unknown-account`, `unknown-region`) keep the defaults. `fn` may be async.
 */
export function withEnvironment<T>(environment: string | undefined, fn: () => T): T {
  const m = /^aws:\/\/([^/]+)\/(.+)$/.exec(environment ?? '');
  const saved = { ...TEST_ENV };
  TEST_ENV.account = m && /^\d{12}$/.test(m[1]) ? m[1] : DEFAULT_ENV.account;
  TEST_ENV.region = m && !m[2].startsWith('unknown-') ? m[2] : DEFAULT_ENV.region;
  TEST_ENV.partition = TEST_ENV.region.startsWith('cn-') ? 'aws-cn' : TEST_ENV.region.startsWith('us-gov-') ? 'aws-us-gov' : DEFAULT_ENV.partition;
  const restore = () => Object.assign(TEST_ENV, saved);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  // An async fn keeps the environment until it settles (tests of one file run one at a time).
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

/** The stack name `AWS::StackName` resolves to. */
export const TEST_STACK_NAME = 'TestStack';

/** The request context of one call: condition keys (`aws:SourceArn`, `iot:thingArn`...) and their values. */
export type RequestContext = { [conditionKey: string]: string | string[] | undefined };

export interface IamPolicy {
  /** Whether the policies allow `action` (`iot:UpdateCertificate`) on `arn` (or `*`) in `context`. */
  isAllowed(action: string, arn: string, context?: RequestContext): boolean;
  /** Why (or why not): the statements that allow or deny it, or those that come closest. */
  explain(action: string, arn: string, context?: RequestContext): string;
  /** Every statement of every policy, resolved (Action/NotAction, Resource/NotResource as arrays). */
  readonly statements: readonly ResolvedStatement[];
  /** AWS-managed policies attached whose content this evaluator does not know (they allow nothing here). */
  readonly unknownManagedPolicies: readonly string[];
}

/** One statement of a policy, with its intrinsics resolved. */
export interface ResolvedStatement {
  /** Where it comes from: `Role Policies[0]`, `AWS::IAM::Policy MyPolicy`... */
  readonly source: string;
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  readonly action?: string[];
  readonly notAction?: string[];
  readonly resource?: string[];
  readonly notResource?: string[];
  readonly condition?: { [operator: string]: { [key: string]: unknown } };
}

type Resources = CfnTemplate['Resources'];
type Resource = Resources[string];

// ---------------------------------------------------------------------------------------------
// Names and ARNs of the template's own resources

const arn = (service: string, rest: string, region = TEST_ENV.region, account = TEST_ENV.account) =>
  `arn:${TEST_ENV.partition}:${service}:${region}:${account}:${rest}`;

interface TypeInfo {
  /** The property that names the resource, when the template may set it. */
  readonly nameProp?: string;
  /** The name it deploys with when no name property gives it (default: the logical ID). */
  readonly name?: (props: any, id: string) => string;
  /** What Ref returns (default: the name). */
  readonly ref?: 'arn' | ((name: string, props: any, id: string) => string);
  /** The resource's ARN from its name. */
  readonly arn?: (name: string, props: any, id: string) => string;
  /** Other attributes; `Arn` and any attribute ending in `Arn` default to `arn`, anything else to `<id>.<attr>`. */
  readonly attrs?: { [attr: string]: (name: string, props: any, id: string) => string };
}

const iot = (kind: string) => (n: string) => arn('iot', `${kind}/${n}`);

const TYPES: { [type: string]: TypeInfo } = {
  'AWS::IAM::Role': {
    nameProp: 'RoleName',
    arn: (n, p) => arn('iam', `role${p.Path ?? '/'}${n}`, ''),
    attrs: { RoleId: (n) => `AROA${n.toUpperCase()}` },
  },
  'AWS::IAM::User': { nameProp: 'UserName', arn: (n, p) => arn('iam', `user${p.Path ?? '/'}${n}`, '') },
  'AWS::IAM::Group': { nameProp: 'GroupName', arn: (n, p) => arn('iam', `group${p.Path ?? '/'}${n}`, '') },
  'AWS::IAM::ManagedPolicy': { nameProp: 'ManagedPolicyName', ref: 'arn', arn: (n, p) => arn('iam', `policy${p.Path ?? '/'}${n}`, '') },
  'AWS::IAM::Policy': { nameProp: 'PolicyName' },
  'AWS::IAM::InstanceProfile': { nameProp: 'InstanceProfileName', arn: (n) => arn('iam', `instance-profile/${n}`, '') },
  'AWS::Lambda::Function': { nameProp: 'FunctionName', arn: (n) => arn('lambda', `function:${n}`) },
  'AWS::Lambda::Alias': { nameProp: 'Name', ref: 'arn', arn: (n, p) => `${functionArn(p.FunctionName)}:${n}` },
  'AWS::Lambda::Version': { ref: 'arn', arn: (_n, p) => `${functionArn(p.FunctionName)}:1`, attrs: { Version: () => '1' } },
  'AWS::Lambda::LayerVersion': { nameProp: 'LayerName', ref: 'arn', arn: (n) => arn('lambda', `layer:${n}:1`) },
  'AWS::StepFunctions::StateMachine': {
    nameProp: 'StateMachineName', ref: 'arn', arn: (n) => arn('states', `stateMachine:${n}`), attrs: { Name: (n) => n },
  },
  'AWS::StepFunctions::Activity': { nameProp: 'Name', ref: 'arn', arn: (n) => arn('states', `activity:${n}`) },
  'AWS::SNS::Topic': { nameProp: 'TopicName', ref: 'arn', arn: (n) => arn('sns', n), attrs: { TopicName: (n) => n, TopicArn: (n) => arn('sns', n) } },
  'AWS::SQS::Queue': {
    nameProp: 'QueueName',
    ref: (n) => queueUrl(n),
    arn: (n) => arn('sqs', n),
    attrs: { QueueName: (n) => n, QueueUrl: (n) => queueUrl(n) },
  },
  'AWS::DynamoDB::Table': {
    nameProp: 'TableName', arn: (n) => arn('dynamodb', `table/${n}`), attrs: { StreamArn: (n) => arn('dynamodb', `table/${n}/stream/2026-01-01T00:00:00.000`) },
  },
  'AWS::DynamoDB::GlobalTable': { nameProp: 'TableName', arn: (n) => arn('dynamodb', `table/${n}`) },
  'AWS::S3::Bucket': {
    nameProp: 'BucketName',
    arn: (n) => `arn:${TEST_ENV.partition}:s3:::${n}`,
    attrs: {
      DomainName: (n) => `${n}.s3.amazonaws.com`,
      RegionalDomainName: (n) => `${n}.s3.${TEST_ENV.region}.amazonaws.com`,
      WebsiteURL: (n) => `http://${n}.s3-website-${TEST_ENV.region}.amazonaws.com`,
    },
  },
  'AWS::KMS::Key': { ref: (n) => keyId(n), arn: (n) => arn('kms', `key/${keyId(n)}`), attrs: { KeyId: (n) => keyId(n) } },
  'AWS::KMS::Alias': { nameProp: 'AliasName' },
  'AWS::Logs::LogGroup': { nameProp: 'LogGroupName', arn: (n) => arn('logs', `log-group:${n}:*`) },
  'AWS::Events::Rule': {
    nameProp: 'Name',
    ref: (n) => n,
    arn: (n, p) => arn('events', `rule/${p.EventBusName && p.EventBusName !== 'default' && !String(p.EventBusName).startsWith('arn:') ? `${p.EventBusName}/` : ''}${n}`),
  },
  'AWS::Events::EventBus': { nameProp: 'Name', arn: (n) => arn('events', `event-bus/${n}`), attrs: { Name: (n) => n } },
  'AWS::Events::Connection': { nameProp: 'Name', arn: (n) => arn('events', `connection/${n}/id`) },
  'AWS::Events::Archive': { nameProp: 'ArchiveName', arn: (n) => arn('events', `archive/${n}`) },
  'AWS::Scheduler::Schedule': { nameProp: 'Name', arn: (n, p) => arn('scheduler', `schedule/${p.GroupName ?? 'default'}/${n}`) },
  'AWS::Scheduler::ScheduleGroup': { nameProp: 'Name', arn: (n) => arn('scheduler', `schedule-group/${n}`) },
  'AWS::Pipes::Pipe': { nameProp: 'Name', arn: (n) => arn('pipes', `pipe/${n}`) },
  'AWS::IoT::Thing': { nameProp: 'ThingName', arn: iot('thing') },
  'AWS::IoT::ThingGroup': { nameProp: 'ThingGroupName', arn: iot('thinggroup') },
  'AWS::IoT::ThingType': { nameProp: 'ThingTypeName', arn: iot('thingtype') },
  'AWS::IoT::Policy': { nameProp: 'PolicyName', arn: iot('policy') },
  'AWS::IoT::TopicRule': { nameProp: 'RuleName', arn: iot('rule') },
  'AWS::IoT::TopicRuleDestination': { ref: 'arn', arn: iot('ruledestination/vpc') },
  'AWS::IoT::ProvisioningTemplate': { nameProp: 'TemplateName', arn: iot('provisioningtemplate'), attrs: { TemplateArn: iot('provisioningtemplate') } },
  'AWS::IoT::RoleAlias': { nameProp: 'RoleAlias', arn: iot('rolealias'), attrs: { RoleAliasArn: iot('rolealias') } },
  'AWS::IoT::Certificate': { ref: (n) => certId(n), arn: (n) => arn('iot', `cert/${certId(n)}`), attrs: { Id: (n) => certId(n) } },
  'AWS::IoT::CACertificate': { ref: (n) => certId(n), arn: (n) => arn('iot', `cacert/${certId(n)}`), attrs: { Id: (n) => certId(n) } },
  'AWS::IoT::JobTemplate': { nameProp: 'JobTemplateId', arn: iot('jobtemplate') },
  'AWS::IoT::SecurityProfile': { nameProp: 'SecurityProfileName', arn: iot('securityprofile'), attrs: { SecurityProfileArn: iot('securityprofile') } },
  'AWS::IoT::MitigationAction': { nameProp: 'ActionName', arn: iot('mitigationaction'), attrs: { MitigationActionArn: iot('mitigationaction') } },
  'AWS::IoT::ScheduledAudit': { nameProp: 'ScheduledAuditName', arn: iot('scheduledaudit'), attrs: { ScheduledAuditArn: iot('scheduledaudit') } },
  'AWS::IoT::CustomMetric': { nameProp: 'MetricName', arn: iot('custommetric'), attrs: { MetricArn: iot('custommetric') } },
  'AWS::IoT::Dimension': { nameProp: 'Name', arn: iot('dimension') },
  'AWS::IoT::FleetMetric': { nameProp: 'MetricName', arn: iot('fleetmetric'), attrs: { MetricArn: iot('fleetmetric') } },
  'AWS::IoT::Authorizer': { nameProp: 'AuthorizerName', arn: iot('authorizer') },
  'AWS::IoT::DomainConfiguration': { nameProp: 'DomainConfigurationName', arn: (n) => arn('iot', `domainconfiguration/${n}/abc12`) },
  'AWS::IoT::SoftwarePackage': { nameProp: 'PackageName', arn: iot('package'), attrs: { PackageArn: iot('package') } },
  'AWS::IoT::SoftwarePackageVersion': {
    nameProp: 'VersionName',
    arn: (n, p) => arn('iot', `package/${p.PackageName}/version/${n}`),
    attrs: { PackageVersionArn: (n, p) => arn('iot', `package/${p.PackageName}/version/${n}`) },
  },
  'AWS::IoT::BillingGroup': { nameProp: 'BillingGroupName', arn: iot('billinggroup') },
  'AWS::Signer::SigningProfile': {
    nameProp: 'ProfileName',
    ref: 'arn',
    arn: (n) => arn('signer', `/signing-profiles/${n}`),
    attrs: { ProfileName: (n) => n, ProfileVersion: () => 'v1', ProfileVersionArn: (n) => arn('signer', `/signing-profiles/${n}/v1`) },
  },
  // The library's own custom resources (their handlers say what they return).
  'Custom::FirmwareSigningProfile': {
    // lib/updates/handlers/firmware-signing-profile.ts: `<ProfileNamePrefix>_<digest of the settings>`, the physical ID.
    name: (p) => `${p.ProfileNamePrefix}_0123456789abcdef`,
    arn: (n) => arn('signer', `/signing-profiles/${n}`),
    attrs: { ProfileName: (n) => n, ProfileArn: (n) => arn('signer', `/signing-profiles/${n}`),
      ProfileVersion: () => 'v1', ProfileVersionArn: (n) => arn('signer', `/signing-profiles/${n}/v1`) },
  },
  'AWS::SSM::Parameter': { nameProp: 'Name', arn: (n) => arn('ssm', `parameter/${n.replace(/^\//, '')}`) },
  'AWS::SecretsManager::Secret': { nameProp: 'Name', ref: 'arn', arn: (n) => arn('secretsmanager', `secret:${n}-AbCdEf`) },
  'AWS::Backup::BackupVault': { nameProp: 'BackupVaultName', arn: (n) => arn('backup', `backup-vault:${n}`), attrs: { BackupVaultArn: (n) => arn('backup', `backup-vault:${n}`) } },
  'AWS::Backup::BackupPlan': { arn: (n) => arn('backup', `backup-plan:${n}`), attrs: { BackupPlanId: (n) => n, BackupPlanArn: (n) => arn('backup', `backup-plan:${n}`) } },
  'AWS::KinesisFirehose::DeliveryStream': { nameProp: 'DeliveryStreamName', arn: (n) => arn('firehose', `deliverystream/${n}`) },
  'AWS::Kinesis::Stream': { nameProp: 'Name', arn: (n) => arn('kinesis', `stream/${n}`) },
  'AWS::CloudWatch::Alarm': { nameProp: 'AlarmName', arn: (n) => arn('cloudwatch', `alarm:${n}`) },
  'AWS::CloudWatch::CompositeAlarm': { nameProp: 'AlarmName', arn: (n) => arn('cloudwatch', `alarm:${n}`) },
  'AWS::CloudWatch::Dashboard': { nameProp: 'DashboardName', arn: (n) => arn('cloudwatch', `dashboard/${n}`, '') },
  'AWS::Timestream::Database': { nameProp: 'DatabaseName', arn: (n) => arn('timestream', `database/${n}`) },
  'AWS::Timestream::Table': { nameProp: 'TableName', arn: (n, p) => arn('timestream', `database/${p.DatabaseName}/table/${n}`) },
  'AWS::Glue::Database': { ref: (_n, p) => p.DatabaseInput?.Name },
  'AWS::EC2::VPC': { ref: (n) => `vpc-${n}` },
  'AWS::EC2::Subnet': { ref: (n) => `subnet-${n}` },
  'AWS::EC2::SecurityGroup': { ref: (n) => `sg-${n}`, attrs: { GroupId: (n) => `sg-${n}` } },
  'AWS::EC2::VPCEndpoint': { ref: (n) => `vpce-${n}`, attrs: { Id: (n) => `vpce-${n}` } },
};

const queueUrl = (n: string) => `https://sqs.${TEST_ENV.region}.amazonaws.com/${TEST_ENV.account}/${n}`;
const keyId = (n: string) => `key-${n}`;
const certId = (n: string) => `cert${n}`;
const functionArn = (f: unknown) => typeof f === 'string' && f.startsWith('arn:') ? f : arn('lambda', `function:${String(f)}`);

const isCustom = (type: string) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';

/** A generic ARN for a resource type this file does not list: `arn:aws:<service>:<region>:<account>:<type>/<name>`. */
function genericArn(type: string, name: string): string {
  const [, service, kind] = type.split('::');
  return arn(service.toLowerCase(), `${kind.toLowerCase()}/${name}`);
}

// ---------------------------------------------------------------------------------------------
// Intrinsics

const NO_VALUE = Symbol('AWS::NoValue');

class Resolver {
  private readonly names = new Map<string, string>();

  constructor(readonly template: CfnTemplate) {}

  /** The name a resource deploys with: its name property when the template sets it, else its logical ID. */
  name(logicalId: string): string {
    const cached = this.names.get(logicalId);
    if (cached !== undefined) return cached;
    const resource = this.resource(logicalId);
    const info = TYPES[resource.Type];
    let name = logicalId;
    if (info?.nameProp && resource.Properties?.[info.nameProp] !== undefined) {
      this.names.set(logicalId, `<resolving ${logicalId}>`); // a self-reference cannot loop
      const value = this.resolve(resource.Properties[info.nameProp]);
      if (typeof value === 'string') name = value;
    } else if (info?.name) {
      this.names.set(logicalId, `<resolving ${logicalId}>`);
      name = info.name(this.resolve(resource.Properties ?? {}), logicalId);
    } else if (resource.Type === 'AWS::S3::Bucket') {
      name = logicalId.toLowerCase();
    }
    this.names.set(logicalId, name);
    return name;
  }

  resource(logicalId: string): Resource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`no resource ${logicalId} in the template`);
    return resource;
  }

  /** The properties a type's ARN builder reads, resolved shallowly (only the few it needs). */
  private props(logicalId: string): any {
    const p = this.resource(logicalId).Properties ?? {};
    const out: any = {};
    for (const key of ['Path', 'FunctionName', 'EventBusName', 'GroupName', 'PackageName', 'DatabaseName', 'DatabaseInput']) {
      if (p[key] !== undefined) out[key] = this.resolve(p[key]);
    }
    return out;
  }

  arnOf(logicalId: string): string {
    const type = this.resource(logicalId).Type;
    const info = TYPES[type];
    const name = this.name(logicalId);
    return info?.arn ? info.arn(name, this.props(logicalId), logicalId) : genericArn(type, name);
  }

  ref(name: string): unknown {
    switch (name) {
      case 'AWS::Partition': return TEST_ENV.partition;
      case 'AWS::Region': return TEST_ENV.region;
      case 'AWS::AccountId': return TEST_ENV.account;
      case 'AWS::URLSuffix': return 'amazonaws.com';
      case 'AWS::StackName': return TEST_STACK_NAME;
      case 'AWS::StackId': return arn('cloudformation', `stack/${TEST_STACK_NAME}/00000000-0000-0000-0000-000000000000`);
      case 'AWS::NotificationARNs': return [];
      case 'AWS::NoValue': return NO_VALUE;
    }
    const parameter = this.template.Parameters?.[name];
    if (parameter) {
      const value = parameter.Default ?? `\${Parameter:${name}}`;
      return /List|CommaDelimitedList/.test(String(parameter.Type)) && typeof value === 'string' ? value.split(',') : value;
    }
    const resource = this.resource(name);
    const info = TYPES[resource.Type];
    const n = this.name(name);
    if (info?.ref === 'arn') return this.arnOf(name);
    if (typeof info?.ref === 'function') return info.ref(n, this.props(name), name);
    if (isCustom(resource.Type) && !info) return `\${Custom:${name}}`;
    return n;
  }

  getAtt(logicalId: string, attr: string): unknown {
    const resource = this.resource(logicalId);
    const info = TYPES[resource.Type];
    const n = this.name(logicalId);
    const special = info?.attrs?.[attr];
    if (special) return special(n, this.props(logicalId), logicalId);
    if (isCustom(resource.Type)) return `\${Custom:${logicalId}.${attr}}`;
    if (attr === 'Arn' || attr.endsWith('Arn')) return this.arnOf(logicalId);
    if (attr === 'Name' || attr === `${resource.Type.split('::')[2]}Name`) return n;
    return `${logicalId}.${attr}`;
  }

  condition(name: string): boolean {
    const c = this.template.Conditions?.[name];
    if (c === undefined) throw new Error(`no condition ${name} in the template`);
    return this.resolve(c) === true;
  }

  resolve(value: unknown): unknown {
    const out = this.resolveInner(value);
    return out === NO_VALUE ? undefined : out;
  }

  private resolveInner(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolveInner(v)).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const obj = value as { [key: string]: unknown };
    const keys = Object.keys(obj);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition')) {
      return this.intrinsic(keys[0], obj[keys[0]]);
    }
    const out: { [key: string]: unknown } = {};
    for (const key of keys) {
      const v = this.resolveInner(obj[key]);
      if (v !== NO_VALUE) out[key] = v;
    }
    return out;
  }

  private intrinsic(fn: string, arg: any): unknown {
    const str = (v: unknown) => {
      const r = this.resolveInner(v);
      if (typeof r === 'string') return r;
      if (typeof r === 'number' || typeof r === 'boolean') return String(r);
      throw new Error(`${fn}: expected a string, got ${JSON.stringify(r)}`);
    };
    switch (fn) {
      case 'Ref': return this.ref(arg);
      case 'Condition': return this.condition(arg);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/);
        return this.getAtt(id, this.resolveInner(attr) as string);
      }
      case 'Fn::Join': {
        const [sep, list] = arg;
        const items = this.resolveInner(list);
        if (!Array.isArray(items)) throw new Error(`Fn::Join of ${JSON.stringify(items)}`);
        return items.map((i) => typeof i === 'string' ? i : JSON.stringify(i)).join(sep);
      }
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : arg;
        const local = this.resolveInner(vars ?? {}) as { [k: string]: unknown };
        return (text as string).replace(/\$\{([^}]+)\}/g, (_whole, expr: string) => {
          if (expr.startsWith('!')) return `\${${expr.slice(1)}}`;
          if (expr in local) return String(local[expr]);
          const dot = expr.indexOf('.');
          if (dot > 0 && !expr.startsWith('AWS::')) return String(this.getAtt(expr.slice(0, dot), expr.slice(dot + 1)));
          const r = this.ref(expr);
          return Array.isArray(r) ? r.join(',') : String(r);
        });
      }
      case 'Fn::Select': {
        const index = Number(this.resolveInner(arg[0]));
        const list = this.resolveInner(arg[1]);
        if (!Array.isArray(list) || index >= list.length) throw new Error(`Fn::Select ${index} of ${JSON.stringify(list)}`);
        return list[index];
      }
      case 'Fn::Split': return str(arg[1]).split(str(arg[0]));
      case 'Fn::If': return this.condition(arg[0]) ? this.resolveInner(arg[1]) : this.resolveInner(arg[2]);
      case 'Fn::Equals': return JSON.stringify(this.resolveInner(arg[0])) === JSON.stringify(this.resolveInner(arg[1]));
      case 'Fn::Not': return !this.resolveInner(arg[0]);
      case 'Fn::And': return (arg as unknown[]).every((a) => this.resolveInner(a) === true);
      case 'Fn::Or': return (arg as unknown[]).some((a) => this.resolveInner(a) === true);
      case 'Fn::FindInMap': {
        const [map, k1, k2] = (arg as unknown[]).map((a) => this.resolveInner(a)) as string[];
        const found = this.template.Mappings?.[map]?.[k1]?.[k2];
        if (found === undefined) throw new Error(`Fn::FindInMap ${map}.${k1}.${k2} is not in the template`);
        return found;
      }
      case 'Fn::GetAZs': return ['a', 'b', 'c'].map((z) => `${TEST_ENV.region}${z}`);
      case 'Fn::ImportValue': return `\${Import:${str(arg)}}`;
      case 'Fn::Base64': return Buffer.from(str(arg)).toString('base64');
      case 'Fn::ToJsonString': return JSON.stringify(this.resolveInner(arg));
      case 'Fn::Length': return (this.resolveInner(arg) as unknown[]).length;
      case 'Fn::Cidr': return [];
      default: throw new Error(`unsupported intrinsic ${fn}`);
    }
  }
}

const resolvers = new WeakMap<CfnTemplate, Map<string, Resolver>>();
/** One resolver per template and environment (names can depend on the region or account). */
function resolverOf(template: CfnTemplate): Resolver {
  const key = `${TEST_ENV.partition}:${TEST_ENV.region}:${TEST_ENV.account}`;
  let byEnv = resolvers.get(template);
  if (!byEnv) {
    byEnv = new Map();
    resolvers.set(template, byEnv);
  }
  let r = byEnv.get(key);
  if (!r) {
    r = new Resolver(template);
    byEnv.set(key, r);
  }
  return r;
}

/**
 * A template value with every intrinsic resolved under TEST_ENV (a state machine's
 * DefinitionString resolves to its ASL JSON with concrete ARNs and names). `Fn::If` takes the
 * branch its condition takes with the parameters' defaults.
 */
export function resolveValue(template: CfnTemplate, value: unknown): unknown {
  return resolverOf(template).resolve(value);
}

/** The ARN a resource of the template resolves to (its `Fn::GetAtt ... Arn`, or the ARN a policy would name it by). */
export function arnOf(template: CfnTemplate, logicalId: string): string {
  return resolverOf(template).arnOf(logicalId);
}

/** The name a resource of the template deploys with (its name property, else its logical ID). */
export function nameOf(template: CfnTemplate, logicalId: string): string {
  return resolverOf(template).name(logicalId);
}

/** A state machine's definition, resolved and with its DefinitionSubstitutions applied, parsed. */
export function stateMachineDefinition(template: CfnTemplate, logicalId: string): any {
  const props = resolverOf(template).resource(logicalId).Properties ?? {};
  let text: string;
  if (props.Definition !== undefined) text = JSON.stringify(resolveValue(template, props.Definition));
  else text = resolveValue(template, props.DefinitionString) as string;
  const subs = (resolveValue(template, props.DefinitionSubstitutions ?? {}) ?? {}) as { [k: string]: unknown };
  text = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, key: string) => key in subs ? String(subs[key]) : whole);
  return JSON.parse(text);
}

// ---------------------------------------------------------------------------------------------
// Policies of a principal

/**
 * AWS-managed policies whose statements matter to the library's roles, as AWS publishes them
 * (the IAM console's policy JSON); any other AWS-managed policy attached is listed in
 * `unknownManagedPolicies` and allows nothing here.
 */
const AWS_MANAGED: { [name: string]: object[] } = {
  'service-role/AWSLambdaBasicExecutionRole': [
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
  ],
  'service-role/AWSLambdaVPCAccessExecutionRole': [
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses'], Resource: '*' },
  ],
  'AWSXRayDaemonWriteAccess': [
    { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
      'xray:GetSamplingStatisticSummaries'], Resource: '*' },
  ],
};

function asList(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function statementsOf(document: unknown, source: string): ResolvedStatement[] {
  const doc = typeof document === 'string' ? JSON.parse(document) : document as any;
  return asList(doc?.Statement).map((s: any, i) => {
    const strings = (v: unknown) => v === undefined ? undefined : asList(v).map((x) => {
      if (typeof x !== 'string') throw new Error(`${source}: statement ${i} holds ${JSON.stringify(x)} where IAM expects a string`);
      return x;
    });
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new Error(`${source}: statement ${i} has Effect ${JSON.stringify(s.Effect)}`);
    return {
      source, sid: s.Sid, effect: s.Effect,
      action: strings(s.Action), notAction: strings(s.NotAction),
      resource: strings(s.Resource), notResource: strings(s.NotResource),
      condition: s.Condition,
    };
  });
}

/** Whether a template value (a Ref, a name, an ARN) points at the resource `logicalId`. */
function pointsAt(r: Resolver, entry: unknown, logicalId: string): boolean {
  if (entry && typeof entry === 'object' && (entry as any).Ref === logicalId) return true;
  const v = r.resolve(entry);
  return v === r.name(logicalId) || v === r.arnOf(logicalId);
}

function attachedDocuments(r: Resolver, logicalId: string): { statements: ResolvedStatement[]; unknown: string[] } {
  const principal = r.resource(logicalId);
  const listProp = { 'AWS::IAM::Role': 'Roles', 'AWS::IAM::User': 'Users', 'AWS::IAM::Group': 'Groups' }[principal.Type];
  if (!listProp) throw new Error(`${logicalId} is a ${principal.Type}, not a role, user or group`);
  const props = r.resolve(principal.Properties ?? {}) as any;
  const statements: ResolvedStatement[] = [];
  const unknown: string[] = [];
  asList(props.Policies).forEach((p: any, i) => statements.push(...statementsOf(p.PolicyDocument, `${logicalId} Policies[${i}] ${p.PolicyName}`)));
  for (const managed of asList(props.ManagedPolicyArns) as string[]) {
    const own = Object.keys(r.template.Resources).find((id) => r.template.Resources[id].Type === 'AWS::IAM::ManagedPolicy' && r.arnOf(id) === managed);
    if (own) {
      statements.push(...statementsOf(r.resolve(r.template.Resources[own].Properties?.PolicyDocument), `AWS::IAM::ManagedPolicy ${own}`));
      continue;
    }
    const m = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(managed);
    if (m && AWS_MANAGED[m[1]]) statements.push(...statementsOf({ Statement: AWS_MANAGED[m[1]] }, `AWS managed ${m[1]}`));
    else unknown.push(managed);
  }
  for (const [id, res] of Object.entries(r.template.Resources)) {
    if (res.Type !== 'AWS::IAM::Policy' && res.Type !== 'AWS::IAM::ManagedPolicy') continue;
    if (!asList(res.Properties?.[listProp]).some((e) => pointsAt(r, e, logicalId))) continue;
    statements.push(...statementsOf(r.resolve(res.Properties?.PolicyDocument), `${res.Type} ${id}`));
  }
  if (principal.Type === 'AWS::IAM::User') {
    const groups = [...asList(principal.Properties?.Groups)];
    for (const res of Object.values(r.template.Resources)) {
      if (res.Type === 'AWS::IAM::UserToGroupAddition' && asList(res.Properties?.Users).some((u) => pointsAt(r, u, logicalId))) groups.push(res.Properties?.GroupName);
    }
    for (const g of groups) {
      const gid = Object.keys(r.template.Resources).find((id) => r.template.Resources[id].Type === 'AWS::IAM::Group' && pointsAt(r, g, id));
      if (!gid) continue;
      const sub = attachedDocuments(r, gid);
      statements.push(...sub.statements);
      unknown.push(...sub.unknown);
    }
  }
  return { statements, unknown };
}

/** Every identity policy of a role, user or group of the template (inline, AWS::IAM::Policy, customer and known AWS-managed policies; a user's groups), with its permissions boundary. */
export function principalPolicy(template: CfnTemplate, roleLogicalId: string): IamPolicy {
  const r = resolverOf(template);
  const { statements, unknown } = attachedDocuments(r, roleLogicalId);
  const boundaryArn = r.resolve(r.resource(roleLogicalId).Properties?.PermissionsBoundary) as string | undefined;
  let boundary: ResolvedStatement[] | undefined;
  if (boundaryArn) {
    const own = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::IAM::ManagedPolicy' && r.arnOf(id) === boundaryArn);
    if (!own) throw new Error(`${roleLogicalId}: permissions boundary ${boundaryArn} is not a managed policy of the template`);
    boundary = statementsOf(r.resolve(template.Resources[own].Properties?.PolicyDocument), `boundary ${own}`);
  }
  return new Policy(statements, unknown, boundary);
}

/** A policy made of statements given directly (a test's own document, or a resource policy). */
export function policyOf(document: unknown, source = 'document'): IamPolicy {
  return new Policy(statementsOf(document, source), []);
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** Resource globs: `*` and `?`, case-sensitive, over the whole ARN. */
export function resourceMatch(pattern: string, arnText: string): boolean {
  if (pattern === '*') return true;
  const re = new RegExp(`^${pattern.split('').map((c) => c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')).join('')}$`, 's');
  return re.test(arnText);
}

const actionMatch = (pattern: string, action: string) => pattern === '*' || globMatch(pattern, action);

function conditionHolds(condition: ResolvedStatement['condition'], context: RequestContext): boolean {
  if (!condition) return true;
  for (const [rawOp, entries] of Object.entries(condition)) {
    let op = rawOp;
    let setOp: 'ForAnyValue' | 'ForAllValues' | undefined;
    const m = /^(ForAnyValue|ForAllValues):(.*)$/.exec(op);
    if (m) {
      setOp = m[1] as 'ForAnyValue' | 'ForAllValues';
      op = m[2];
    }
    const ifExists = op.endsWith('IfExists');
    if (ifExists) op = op.slice(0, -'IfExists'.length);
    for (const [rawKey, expected] of Object.entries(entries)) {
      const key = Object.keys(context).find((k) => k.toLowerCase() === rawKey.toLowerCase());
      const actual = key === undefined ? undefined : context[key];
      const wanted = asList(expected).map(String);
      if (op === 'Null') {
        if ((actual === undefined) !== (wanted[0] === 'true')) return false;
        continue;
      }
      if (actual === undefined) {
        if (ifExists || setOp === 'ForAllValues') continue;
        return false;
      }
      const values = asList(actual).map(String);
      const test = (v: string): boolean => {
        switch (op) {
          case 'StringEquals': case 'ArnEquals': return wanted.includes(v);
          case 'StringEqualsIgnoreCase': return wanted.some((w) => w.toLowerCase() === v.toLowerCase());
          case 'StringLike': case 'ArnLike': return wanted.some((w) => resourceMatch(w, v));
          case 'StringNotEquals': case 'ArnNotEquals': return !wanted.includes(v);
          case 'StringNotEqualsIgnoreCase': return !wanted.some((w) => w.toLowerCase() === v.toLowerCase());
          case 'StringNotLike': case 'ArnNotLike': return !wanted.some((w) => resourceMatch(w, v));
          case 'Bool': return wanted.includes(v.toLowerCase());
          case 'NumericEquals': return wanted.some((w) => Number(w) === Number(v));
          case 'NumericLessThan': return wanted.some((w) => Number(v) < Number(w));
          case 'NumericLessThanEquals': return wanted.some((w) => Number(v) <= Number(w));
          case 'NumericGreaterThan': return wanted.some((w) => Number(v) > Number(w));
          case 'NumericGreaterThanEquals': return wanted.some((w) => Number(v) >= Number(w));
          default: throw new Error(`condition operator ${rawOp} is not modelled`);
        }
      };
      const ok = setOp === 'ForAllValues' ? values.every(test) : values.some(test);
      if (!ok) return false;
    }
  }
  return true;
}

/** Whether a statement's action and resource cover the request (conditions aside). */
function covers(s: ResolvedStatement, action: string, arnText: string): boolean {
  const actionOk = s.action ? s.action.some((a) => actionMatch(a, action)) : !s.notAction!.some((a) => actionMatch(a, action));
  if (!actionOk) return false;
  return s.resource ? s.resource.some((p) => resourceMatch(p, arnText)) : !s.notResource!.some((p) => resourceMatch(p, arnText));
}

function verdict(statements: readonly ResolvedStatement[], action: string, arnText: string, context: RequestContext) {
  const applying = statements.filter((s) => covers(s, action, arnText) && conditionHolds(s.condition, context));
  const deny = applying.filter((s) => s.effect === 'Deny');
  const allow = applying.filter((s) => s.effect === 'Allow');
  return { allowed: deny.length === 0 && allow.length > 0, deny, allow };
}

const show = (s: ResolvedStatement) => `[${s.source}${s.sid ? ` ${s.sid}` : ''}] ${s.effect} `
  + `${s.action ? JSON.stringify(s.action) : `NotAction ${JSON.stringify(s.notAction)}`} on `
  + `${s.resource ? JSON.stringify(s.resource) : `NotResource ${JSON.stringify(s.notResource)}`}`
  + `${s.condition ? ` if ${JSON.stringify(s.condition)}` : ''}`;

class Policy implements IamPolicy {
  constructor(
    readonly statements: readonly ResolvedStatement[],
    readonly unknownManagedPolicies: readonly string[],
    private readonly boundary?: readonly ResolvedStatement[],
  ) {}

  isAllowed(action: string, arnText: string, context: RequestContext = {}): boolean {
    if (!verdict(this.statements, action, arnText, context).allowed) return false;
    return !this.boundary || verdict(this.boundary, action, arnText, context).allowed;
  }

  explain(action: string, arnText: string, context: RequestContext = {}): string {
    const v = verdict(this.statements, action, arnText, context);
    const lines = [`${action} on ${arnText}: ${this.isAllowed(action, arnText, context) ? 'ALLOWED' : 'DENIED'}`];
    if (v.deny.length) lines.push('denied by:', ...v.deny.map(show));
    if (v.allow.length) lines.push('allowed by:', ...v.allow.map(show));
    if (!v.allow.length) {
      const sameAction = this.statements.filter((s) => s.effect === 'Allow' && (s.action ? s.action.some((a) => actionMatch(a, action)) : true));
      lines.push(sameAction.length ? 'statements granting the action elsewhere or under conditions:' : 'no statement grants the action; the policies hold:',
        ...(sameAction.length ? sameAction : this.statements).map(show));
    }
    if (this.boundary && v.allowed && !verdict(this.boundary, action, arnText, context).allowed) lines.push('the permissions boundary does not allow it');
    if (this.unknownManagedPolicies.length) lines.push(`AWS-managed policies not modelled: ${this.unknownManagedPolicies.join(', ')}`);
    return lines.join('\n  ');
  }
}

// ---------------------------------------------------------------------------------------------
// Who runs with which role

const ROLE_PROPS = ['Role', 'RoleArn', 'RoleARN', 'ExecutionRoleArn', 'ServiceRoleArn', 'IamRoleArn', 'ProvisioningRoleArn', 'ServiceRole'];

/** The role logical IDs a value points at (by Ref, GetAtt, name or ARN). */
function rolesIn(r: Resolver, value: unknown): string[] {
  const roles = Object.keys(r.template.Resources).filter((id) => r.template.Resources[id].Type === 'AWS::IAM::Role');
  const v = r.resolve(value);
  return roles.filter((id) => v === r.arnOf(id) || v === r.name(id));
}

function roleProps(value: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) value.forEach((v) => roleProps(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (ROLE_PROPS.includes(k)) out.push(v);
      else roleProps(v, out);
    }
  }
  return out;
}

/**
 * The logical ID of the role a resource runs with: a Lambda function's Role, a state machine's
 * RoleArn, a topic rule's action RoleArn (`path` picks one action, e.g. `Actions.0` or
 * `ErrorAction`, when its actions use different roles), a pipe's, a provisioning template's
 * ProvisioningRoleArn... Throws when it has none or several.
 */
export function roleOf(template: CfnTemplate, logicalId: string, path?: string): string {
  const r = resolverOf(template);
  let props: unknown = r.resource(logicalId).Properties ?? {};
  if (r.resource(logicalId).Type === 'AWS::IoT::TopicRule') props = (props as any).TopicRulePayload;
  for (const part of path ? path.split('.') : []) props = (props as any)?.[part];
  const found = new Set(roleProps(props).flatMap((v) => rolesIn(r, v)));
  if (found.size !== 1) {
    throw new Error(`${logicalId}${path ? ` at ${path}` : ''}: ${found.size ? `several roles (${[...found].join(', ')}): pass a path` : 'no role of the template'}`);
  }
  return [...found][0];
}

// ---------------------------------------------------------------------------------------------
// SDK calls -> IAM action and resources

/** What one SDK call needs: the IAM action and the resource ARN(s) it is authorized on (`*` for none). */
export interface CallTarget {
  readonly iamAction: string;
  readonly resources: string[];
  /** Further permissions the same call needs (CopyObject reads its source; a versioned read needs GetObjectVersion...). */
  readonly also?: CallTarget[];
}

/** SDK client names (v3 package suffixes and Step Functions' `aws-sdk:` names) -> IAM service prefix. */
const SERVICE_PREFIX: { [sdk: string]: string } = {
  'sfn': 'states', 'stepfunctions': 'states', 'states': 'states',
  'iot': 'iot', 'iotdata': 'iot', 'iot-data': 'iot', 'iotdataplane': 'iot', 'iot-data-plane': 'iot',
  'eventbridge': 'events', 'events': 'events', 'cloudwatchevents': 'events',
  'cloudwatchlogs': 'logs', 'cloudwatch-logs': 'logs', 'logs': 'logs',
  'firehose': 'firehose', 'kinesisfirehose': 'firehose',
  'dynamodb': 'dynamodb', 'sns': 'sns', 'sqs': 'sqs', 'lambda': 'lambda', 's3': 's3', 'signer': 'signer', 'ssm': 'ssm',
  'kms': 'kms', 'kinesis': 'kinesis', 'cloudwatch': 'cloudwatch', 'sts': 'sts', 'xray': 'xray', 'secretsmanager': 'secretsmanager',
  'scheduler': 'scheduler', 'backup': 'backup', 'timestreamwrite': 'timestream', 'timestream-write': 'timestream',
};

type Params = { get(name: string): unknown; str(name: string): string; has(name: string): boolean };

function params(call: string, p: Record<string, unknown>): Params {
  const find = (name: string) => Object.keys(p).find((k) => k.toLowerCase() === name.toLowerCase());
  return {
    has: (name) => find(name) !== undefined && p[find(name)!] !== undefined,
    get: (name) => {
      const k = find(name);
      return k === undefined ? undefined : p[k];
    },
    str: (name) => {
      const k = find(name);
      const v = k === undefined ? undefined : p[k];
      if (typeof v !== 'string' || v === '') throw new Error(`${call}: parameter ${name} is needed to tell the resource it touches (got ${JSON.stringify(v)})`);
      return v;
    },
  };
}

const isArn = (s: string) => s.startsWith('arn:');
const named = (service: string, rest: (n: string) => string) => (value: string) => isArn(value) ? value : arn(service, rest(value));
const thingArn = named('iot', (n) => `thing/${n}`);
const thingGroupArn = named('iot', (n) => `thinggroup/${n}`);
const certArn = named('iot', (n) => `cert/${n}`);
const iotPolicyArn = named('iot', (n) => `policy/${n}`);
const jobArn = named('iot', (n) => `job/${n}`);
const tableArn = named('dynamodb', (n) => `table/${n}`);
const lambdaArn = (fn: string, qualifier?: string) => {
  // A function name, a partial ARN (123456789012:function:name) or a full ARN, with or without a qualifier.
  let full = isArn(fn) ? fn : fn.includes(':function:') ? `arn:${TEST_ENV.partition}:lambda:${TEST_ENV.region}:${fn}` : arn('lambda', `function:${fn}`);
  if (qualifier && full.split(':').length === 7) full = `${full}:${qualifier}`;
  return full;
};
const signingProfileArn = named('signer', (n) => `/signing-profiles/${n}`);
const ssmParameterArn = named('ssm', (n) => `parameter/${n.replace(/^\//, '')}`);
const s3Object = (bucket: string, key: string) => `arn:${TEST_ENV.partition}:s3:::${bucket}/${key}`;
const queueArnFromUrl = (url: string) => {
  const m = /^https:\/\/(?:sqs\.)?([a-z0-9-]+)?\.?(?:queue\.)?amazonaws\.com\/(\d{12})\/(.+)$/.exec(url);
  if (!m) throw new Error(`not an SQS queue URL: ${url}`);
  return arn('sqs', m[3], TEST_ENV.region, m[2]);
};
const logGroupArn = (group: string) => arn('logs', `log-group:${group}`);
const packageVersion = (p: Params) => [
  arn('iot', `package/${p.str('packageName')}`), arn('iot', `package/${p.str('packageName')}/version/${p.str('versionName')}`),
];

/** Calls whose resource is named by their parameters; anything not here and not `*`-only in the dataset throws. */
const CALLS: { [call: string]: (p: Params) => Omit<CallTarget, 'iamAction'> & { iamAction?: string } } = {
  // AWS IoT: certificates, things, groups, policies
  'iot:UpdateCertificate': (p) => ({ resources: [certArn(p.str('certificateId'))] }),
  'iot:DescribeCertificate': (p) => ({ resources: [certArn(p.str('certificateId'))] }),
  'iot:DeleteCertificate': (p) => ({ resources: [certArn(p.str('certificateId'))] }),
  'iot:ListPrincipalThings': (p) => ({ resources: [p.str('principal')] }),
  'iot:ListPrincipalPolicies': (p) => ({ resources: [p.str('principal')] }),
  // Authorized on the certificate named by Principal, not on the thing (Service Authorization Reference: cert only).
  'iot:AttachThingPrincipal': (p) => ({ resources: [p.str('principal')] }),
  'iot:DetachThingPrincipal': (p) => ({ resources: [p.str('principal')] }),
  'iot:ListThingPrincipals': (p) => ({ resources: [thingArn(p.str('thingName'))] }),
  // Authorized on the target (a certificate or thing group ARN), not on the policy.
  'iot:AttachPolicy': (p) => ({ resources: [p.str('target')] }),
  'iot:DetachPolicy': (p) => ({ resources: [p.str('target')] }),
  'iot:AttachPrincipalPolicy': (p) => ({ resources: [p.str('principal')] }),
  'iot:GetPolicy': (p) => ({ resources: [iotPolicyArn(p.str('policyName'))] }),
  'iot:ListTargetsForPolicy': (p) => ({ resources: [iotPolicyArn(p.str('policyName'))] }),
  'iot:CreateThing': (p) => ({ resources: [thingArn(p.str('thingName'))] }),
  'iot:DescribeThing': (p) => ({ resources: [thingArn(p.str('thingName'))] }),
  'iot:UpdateThing': (p) => ({ resources: [thingArn(p.str('thingName'))] }),
  'iot:DeleteThing': (p) => ({ resources: [thingArn(p.str('thingName'))] }),
  'iot:ListThingGroupsForThing': (p) => ({ resources: [thingArn(p.str('thingName'))] }),
  'iot:AddThingToThingGroup': (p) => ({ resources: [
    thingGroupArn(p.has('thingGroupArn') ? p.str('thingGroupArn') : p.str('thingGroupName')),
    thingArn(p.has('thingArn') ? p.str('thingArn') : p.str('thingName')),
  ] }),
  'iot:RemoveThingFromThingGroup': (p) => CALLS['iot:AddThingToThingGroup'](p),
  'iot:UpdateDynamicThingGroup': (p) => ({ resources: [thingGroupArn(p.str('thingGroupName'))] }),
  'iot:UpdateThingGroup': (p) => ({ resources: [thingGroupArn(p.str('thingGroupName'))] }),
  'iot:DescribeThingGroup': (p) => ({ resources: [thingGroupArn(p.str('thingGroupName'))] }),
  'iot:DescribeThingType': (p) => ({ resources: [named('iot', (n) => `thingtype/${n}`)(p.str('thingTypeName'))] }),
  'iot:UpdateThingGroupsForThing': (p) => ({ resources: [
    thingArn(p.str('thingName')), ...asList(p.get('thingGroupsToAdd')).concat(asList(p.get('thingGroupsToRemove'))).map((g) => thingGroupArn(String(g))),
  ] }),
  'iot:ListThingsInThingGroup': (p) => ({ resources: [thingGroupArn(p.str('thingGroupName'))] }),
  // AWS IoT: jobs and software packages
  'iot:CreateJob': (p) => ({ resources: [
    jobArn(p.str('jobId')),
    ...asList(p.get('targets')).map(String),
    ...(p.has('jobTemplateArn') ? [p.str('jobTemplateArn')] : []),
    ...asList(p.get('destinationPackageVersions')).map(String),
  ] }),
  'iot:DescribeJob': (p) => ({ resources: [jobArn(p.str('jobId'))] }),
  'iot:CancelJob': (p) => ({ resources: [jobArn(p.str('jobId'))] }),
  'iot:CreatePackageVersion': (p) => ({ resources: packageVersion(p) }),
  'iot:UpdatePackageVersion': (p) => ({ resources: packageVersion(p) }),
  'iot:GetPackageVersion': (p) => ({ resources: [packageVersion(p)[1]] }),
  'iot:AssociateSbomWithPackageVersion': (p) => ({ resources: [packageVersion(p)[1]] }),
  // AWS IoT data plane
  'iot:Publish': (p) => ({ resources: [arn('iot', `topic/${p.str('topic')}`)] }),
  // Step Functions
  'states:StartExecution': (p) => ({ resources: [p.str('stateMachineArn')] }),
  'states:StartSyncExecution': (p) => ({ resources: [p.str('stateMachineArn')] }),
  'states:DescribeExecution': (p) => ({ resources: [p.str('executionArn')] }),
  'states:StopExecution': (p) => ({ resources: [p.str('executionArn')] }),
  // Lambda
  'lambda:Invoke': (p) => ({ iamAction: 'lambda:InvokeFunction', resources: [lambdaArn(p.str('functionName'), p.get('qualifier') as string | undefined)] }),
  'lambda:InvokeFunction': (p) => CALLS['lambda:Invoke'](p),
  // DynamoDB
  ...Object.fromEntries(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'DescribeTable'].map((a) => [
    `dynamodb:${a}`, (p: Params) => ({ resources: [tableArn(p.str('tableName'))] }),
  ])),
  'dynamodb:BatchWriteItem': (p) => ({ resources: Object.keys(p.get('requestItems') as object).map(tableArn) }),
  'dynamodb:BatchGetItem': (p) => ({ resources: Object.keys(p.get('requestItems') as object).map(tableArn) }),
  // SNS, SQS, EventBridge, CloudWatch Logs, Firehose, Kinesis
  'sns:Publish': (p) => ({ resources: [p.has('topicArn') ? p.str('topicArn') : p.str('targetArn')] }),
  'sqs:SendMessage': (p) => ({ resources: [queueArnFromUrl(p.str('queueUrl'))] }),
  'events:PutEvents': (p) => ({ resources: [...new Set(asList(p.get('entries')).map((e: any) => {
    const bus = e?.EventBusName ?? e?.eventBusName ?? 'default';
    return isArn(bus) ? bus : arn('events', `event-bus/${bus}`);
  }))] }),
  'logs:CreateLogStream': (p) => ({ resources: [`${logGroupArn(p.str('logGroupName'))}:log-stream:${p.str('logStreamName')}`] }),
  'logs:PutLogEvents': (p) => ({ resources: [`${logGroupArn(p.str('logGroupName'))}:log-stream:${p.str('logStreamName')}`] }),
  'logs:CreateLogGroup': (p) => ({ resources: [logGroupArn(p.str('logGroupName'))] }),
  // Log-group-level actions are authorized on `log-group:<name>:*`.
  'logs:DescribeLogStreams': (p) => ({ resources: [`${logGroupArn(p.str('logGroupName'))}:*`] }),
  'firehose:PutRecord': (p) => ({ resources: [named('firehose', (n) => `deliverystream/${n}`)(p.str('deliveryStreamName'))] }),
  'firehose:PutRecordBatch': (p) => CALLS['firehose:PutRecord'](p),
  'kinesis:PutRecord': (p) => ({ resources: [p.has('streamARN') ? p.str('streamARN') : arn('kinesis', `stream/${p.str('streamName')}`)] }),
  'kinesis:PutRecords': (p) => CALLS['kinesis:PutRecord'](p),
  // S3: a read of a given version is GetObjectVersion; HeadObject is authorized as GetObject.
  's3:GetObject': (p) => ({
    iamAction: p.has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject',
    resources: [s3Object(p.str('bucket'), p.str('key'))],
  }),
  's3:HeadObject': (p) => CALLS['s3:GetObject'](p),
  's3:PutObject': (p) => ({ resources: [s3Object(p.str('bucket'), p.str('key'))] }),
  's3:DeleteObject': (p) => ({ iamAction: p.has('versionId') ? 's3:DeleteObjectVersion' : 's3:DeleteObject', resources: [s3Object(p.str('bucket'), p.str('key'))] }),
  's3:CopyObject': (p) => {
    const source = decodeURIComponent(p.str('copySource').replace(/^\//, ''));
    const [path, query] = source.split('?versionId=');
    const slash = path.indexOf('/');
    return {
      iamAction: 's3:PutObject',
      resources: [s3Object(p.str('bucket'), p.str('key'))],
      also: [{ iamAction: query ? 's3:GetObjectVersion' : 's3:GetObject', resources: [s3Object(path.slice(0, slash), path.slice(slash + 1))] }],
    };
  },
  // Signer
  'signer:StartSigningJob': (p) => ({ resources: [signingProfileArn(p.str('profileName'))] }),
  'signer:DescribeSigningJob': (p) => ({ resources: [arn('signer', `/signing-jobs/${p.str('jobId')}`)] }),
  'signer:GetSigningProfile': (p) => ({ resources: [signingProfileArn(p.str('profileName'))] }),
  'signer:CancelSigningProfile': (p) => ({ resources: [signingProfileArn(p.str('profileName'))] }),
  // SSM parameters
  'ssm:GetParameter': (p) => ({ resources: [ssmParameterArn(p.str('name'))] }),
  'ssm:PutParameter': (p) => ({ resources: [ssmParameterArn(p.str('name'))] }),
  'ssm:DeleteParameter': (p) => ({ resources: [ssmParameterArn(p.str('name'))] }),
  // CloudWatch: PutMetricData has no resource type; its namespace is the condition key cloudwatch:namespace.
  'cloudwatch:PutMetricData': () => ({ resources: ['*'] }),
  // KMS
  ...Object.fromEntries(['Decrypt', 'Encrypt', 'GenerateDataKey', 'DescribeKey'].map((a) => [
    `kms:${a}`, (p: Params) => ({ resources: [named('kms', (n) => n.startsWith('alias/') ? n : `key/${n}`)(p.str('keyId'))] }),
  ])),
};

function callKey(service: string, action: string): string {
  // AwsCustomResource names services as the v2 SDK (`Iot`) or the v3 package (`@aws-sdk/client-iot`).
  const prefix = SERVICE_PREFIX[service.toLowerCase().replace(/^@aws-sdk\/client-/, '')];
  if (!prefix) throw new Error(`callTarget: unknown SDK service '${service}' (call ${service}.${action})`);
  const name = action.replace(/Command$/, '');
  return `${prefix}:${name[0].toUpperCase()}${name.slice(1)}`;
}

/**
 * The IAM action and resource ARN(s) one SDK call is authorized on, per the Service Authorization
 * Reference: `callTarget('iot', 'updateCertificate', { CertificateId: 'abc' })` is
 * `iot:UpdateCertificate` on `arn:aws:iot:<region>:<account>:cert/abc`. Service names are the
 * SDK's (`iot`, `sfn`, `dynamodb`, `iot-data`...), actions camelCase or PascalCase (a v3
 * `...Command` suffix is dropped), parameter names in any case. Calls whose action the dataset
 * lists with no resource type are on `*`; any other call this file does not know throws.
 */
export function callTarget(service: string, action: string, parameters: Record<string, unknown>): CallTarget {
  const key = callKey(service, action);
  const [prefix, name] = key.split(':');
  const entry = CALLS[key] ?? CALLS[Object.keys(CALLS).find((k) => k.toLowerCase() === key.toLowerCase()) ?? ''];
  if (entry) {
    const t = entry(params(`${service}.${action}`, parameters));
    const iamActionName = t.iamAction ?? key;
    return { iamAction: iamActionName, resources: t.resources, ...(t.also ? { also: t.also } : {}) };
  }
  const facts = iamAction(prefix, name);
  if (facts && facts.wildcardOnly) return { iamAction: `${prefix}:${facts.name}`, resources: ['*'] };
  throw new Error(`callTarget: no mapping for the call ${service}.${action} (${key}${facts ? `, authorized on ${facts.resourceTypes.join('/')}` : ', not in the IAM dataset'})`);
}
