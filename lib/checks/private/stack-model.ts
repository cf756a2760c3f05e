import { CfnCondition, CfnElement, CfnMapping, CfnOutput, CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { asTemplated, currentPass, registerView, resolvedLogicalId, resolvedProperties } from './resolution';
import { isObject } from './value-kinds';
import {
  isAwsCustomResource, isCustomResourceType, NativeView, SdkCall, sdkCalls, UnreadableCall, viewOfCall, viewsOfOtherProvider,
} from './custom-resources';
import { displaySegments, Placeholders, renderString } from './intrinsics';

/**
 * The model of one stack the rules ask about other resources: built once per validation pass
 * (memoized in the pass's resolution cache, see `cfn.withResolutionCache`; outside a pass it is
 * built afresh on each call, so a rule used on its own never sees stale state).
 *
 * It holds:
 * - every element by logical ID: resources, parameters (their defaults, allowed values and
 *   `NoEcho`), conditions, nested stacks excluded;
 * - the native resources custom resources stand for (`views`, see `custom-resources.ts`): an
 *   `AwsCustomResource` call of `CreateRoleAlias` is an `AWS::IoT::RoleAlias` to every rule and to
 *   every lookup below;
 * - resources by physical name and by ARN, where the template derives them: the type's name
 *   property (`RoleName`, `PolicyName`, `ThingName`, `RoleAlias`, `TemplateName`, `JobId`...) as a
 *   literal or built with `Fn::Sub`/`Fn::Join` of literals and pseudo parameters, and the ARN
 *   CloudFormation gives a resource of that name. A lookup by name or ARN is what follows a
 *   reference written without `Ref`/`Fn::GetAtt`: a policy attached by a built name, a job
 *   template's ARN given literally, an `AWS::IAM::Policy` naming its role.
 */

/** A resource of the stack, or the native view of a custom resource (a `CfnResource` to the rules). */
export type ModelResource = CfnResource;

interface NameRule {
  /** The property that holds the physical name. */
  readonly property: string;
  /** The ARN of a resource of that name; `{name}` and the pseudo parameters are filled in. */
  readonly arn?: string;
}

const P = '${AWS::Partition}';
const R = '${AWS::Region}';
const A = '${AWS::AccountId}';
const IOT = `arn:${P}:iot:${R}:${A}`;

/** The physical name of each type the model indexes, and its ARN. */
const NAMES: { readonly [type: string]: NameRule } = {
  'AWS::IAM::Role': { property: 'RoleName', arn: `arn:${P}:iam::${A}:role/{path}{name}` },
  'AWS::IAM::ManagedPolicy': { property: 'ManagedPolicyName', arn: `arn:${P}:iam::${A}:policy/{path}{name}` },
  'AWS::IAM::User': { property: 'UserName', arn: `arn:${P}:iam::${A}:user/{path}{name}` },
  'AWS::IAM::Policy': { property: 'PolicyName' },
  'AWS::IoT::Policy': { property: 'PolicyName', arn: `${IOT}:policy/{name}` },
  'AWS::IoT::Thing': { property: 'ThingName', arn: `${IOT}:thing/{name}` },
  'AWS::IoT::ThingGroup': { property: 'ThingGroupName', arn: `${IOT}:thinggroup/{name}` },
  'AWS::IoT::RoleAlias': { property: 'RoleAlias', arn: `${IOT}:rolealias/{name}` },
  'AWS::IoT::ProvisioningTemplate': { property: 'TemplateName', arn: `${IOT}:provisioningtemplate/{name}` },
  'AWS::IoT::JobTemplate': { property: 'JobTemplateId', arn: `${IOT}:jobtemplate/{name}` },
  'AWS::IoT::Job': { property: 'JobId', arn: `${IOT}:job/{name}` },
  'AWS::IoT::TopicRule': { property: 'RuleName', arn: `${IOT}:rule/{name}` },
  'AWS::IoT::Authorizer': { property: 'AuthorizerName', arn: `${IOT}:authorizer/{name}` },
  'AWS::IoT::SecurityProfile': { property: 'SecurityProfileName', arn: `${IOT}:securityprofile/{name}` },
  'AWS::IoT::MitigationAction': { property: 'ActionName', arn: `${IOT}:mitigationaction/{name}` },
  'AWS::IoT::ScheduledAudit': { property: 'ScheduledAuditName', arn: `${IOT}:scheduledaudit/{name}` },
  'AWS::IoT::DomainConfiguration': { property: 'DomainConfigurationName' },
  'AWS::Lambda::Function': { property: 'FunctionName', arn: `arn:${P}:lambda:${R}:${A}:function:{name}` },
  'AWS::SNS::Topic': { property: 'TopicName', arn: `arn:${P}:sns:${R}:${A}:{name}` },
  'AWS::SQS::Queue': { property: 'QueueName', arn: `arn:${P}:sqs:${R}:${A}:{name}` },
  'AWS::S3::Bucket': { property: 'BucketName', arn: `arn:${P}:s3:::{name}` },
  'AWS::Logs::LogGroup': { property: 'LogGroupName', arn: `arn:${P}:logs:${R}:${A}:log-group:{name}` },
  'AWS::SSM::Parameter': { property: 'Name', arn: `arn:${P}:ssm:${R}:${A}:parameter{name}` },
  'AWS::SecretsManager::Secret': { property: 'Name' },
};

/** What the model knows of a stack parameter. */
export interface ParameterInfo {
  readonly parameter: CfnParameter;
  readonly default?: unknown;
  readonly allowedValues?: readonly unknown[];
  readonly noEcho: boolean;
}

const VIEW_SOURCE = Symbol.for('cdk-secure-iot.checks.view-source');
const NATIVE_VIEW = Symbol.for('cdk-secure-iot.checks.native-view');

/** Whether a resource is the native view of a custom resource. */
export function isView(resource: CfnResource): boolean {
  return Object.prototype.hasOwnProperty.call(resource, VIEW_SOURCE);
}

/** The custom resource a view stands for, or the resource itself. */
export function sourceOf(resource: CfnResource): CfnResource {
  return isView(resource) ? (resource as unknown as { [VIEW_SOURCE]: CfnResource })[VIEW_SOURCE] : resource;
}

/** What a view was read from (its call, whether it is partial); `undefined` for any other resource. */
export function nativeViewOf(resource: CfnResource): NativeView | undefined {
  return isView(resource) ? (resource as unknown as { [NATIVE_VIEW]: NativeView })[NATIVE_VIEW] : undefined;
}

/** A view as a `CfnResource`: the custom resource (path, stack, metadata, acknowledgments) with the native type. */
function viewResource(source: CfnResource, view: NativeView): CfnResource {
  const node = Object.create(source, {
    cfnResourceType: { value: view.type, enumerable: true },
    [VIEW_SOURCE]: { value: source },
    [NATIVE_VIEW]: { value: view },
  }) as CfnResource;
  registerView(node, view);
  return node;
}

/** The views of one custom resource, and the calls it could not read. */
export interface CustomResourceReading {
  readonly views: readonly CfnResource[];
  /** Every API call read from an `AwsCustomResource`, mapped to a view or not. */
  readonly calls: readonly SdkCall[];
  readonly unreadable: readonly UnreadableCall[];
  /** Whether the resource is an `AwsCustomResource` (`Custom::AWS` or its provider). */
  readonly awsCustomResource: boolean;
}

/** What `StackModel.lists` derives from one index. */
interface DerivedLists {
  readonly elements: Map<string, CfnElement>;
  readonly resources: readonly CfnResource[];
  readonly outputs: readonly CfnOutput[];
  withViews?: readonly CfnResource[];
  readonly byType: Map<string, readonly CfnResource[]>;
}

const NO_READING: CustomResourceReading = { views: [], calls: [], unreadable: [], awsCustomResource: false };

/** The stack model; see the module comment. */
export class StackModel {
  /** The model of the stack `scope` belongs to, memoized for the pass. */
  public static of(scope: IConstruct): StackModel {
    const stack = Stack.of(scope);
    const pass = currentPass();
    if (!pass) return new StackModel(stack);
    let model = pass.models.get(stack) as StackModel | undefined;
    if (!model) {
      model = new StackModel(stack);
      pass.models.set(stack, model);
    }
    return model;
  }

  private elements?: Map<string, CfnElement>;
  private readonly readings = new Map<CfnResource, CustomResourceReading>();
  private readonly mappings = new Map<string, { [topKey: string]: unknown } | undefined>();
  private names?: Map<string, CfnResource[]>;
  private arns?: Map<string, ArnEntry[]>;
  /** The lists derived from `elements`, built once for each index (see `lists`). */
  private derived?: DerivedLists;

  private constructor(public readonly stack: Stack) {}

  /** Every element by logical ID; rebuilt once when `logicalId` is missing (added after the index was built). */
  private index(logicalId?: string): Map<string, CfnElement> {
    if (!this.elements || (logicalId !== undefined && !this.elements.has(logicalId))) {
      const stack = this.stack;
      const index = new Map<string, CfnElement>();
      const visit = (c: IConstruct) => {
        if (CfnElement.isCfnElement(c) && c.stack === stack) index.set(resolvedLogicalId(c), CfnResource.isCfnResource(c) ? asTemplated(c) : c);
        for (const child of c.node.children) {
          if (!Stack.isStack(child) || child === stack) visit(child);
        }
      };
      visit(stack);
      // Names and ARNs are derived again only when elements were added since.
      if (index.size !== this.elements?.size) {
        this.names = undefined;
        this.arns = undefined;
      }
      this.elements = index;
    }
    return this.elements;
  }

  /** The resource and output lists of the current index, built once per index rather than at every call. */
  private lists(): DerivedLists {
    const elements = this.index();
    if (this.derived?.elements !== elements) {
      const all = [...elements.values()];
      this.derived = {
        elements,
        resources: all.filter((e): e is CfnResource => CfnResource.isCfnResource(e)),
        outputs: all.filter((e): e is CfnOutput => e instanceof CfnOutput),
        byType: new Map(),
      };
    }
    return this.derived;
  }

  /** The resource with this logical ID (a custom resource as itself, not its view). */
  public resource(logicalId: string): CfnResource | undefined {
    const element = this.index(logicalId).get(logicalId);
    return element && CfnResource.isCfnResource(element) ? element : undefined;
  }

  /** The parameter with this logical ID. */
  public parameter(logicalId: string): CfnParameter | undefined {
    if (logicalId.startsWith('AWS::')) return undefined;
    const element = this.index(logicalId).get(logicalId);
    return element instanceof CfnParameter ? element : undefined;
  }

  /** What the model knows of a parameter: default, allowed values, `NoEcho`. */
  public parameterInfo(logicalId: string): ParameterInfo | undefined {
    const parameter = this.parameter(logicalId);
    if (!parameter) return undefined;
    return { parameter, default: parameter.default, allowedValues: parameter.allowedValues, noEcho: parameter.noEcho === true };
  }

  /** The condition with this logical ID. */
  public condition(logicalId: string): CfnCondition | undefined {
    const element = this.index(logicalId).get(logicalId);
    return element instanceof CfnCondition ? element : undefined;
  }

  /** The resources of the stack, native ones only (custom resources as themselves). One list per pass: do not change it. */
  public resources(): readonly CfnResource[] {
    return this.lists().resources;
  }

  /**
   * The mapping with this logical ID, as the template holds it (`{ TopKey: { SecondKey: value } }`),
   * or undefined when the stack has none by that ID.
   */
  public mapping(logicalId: string): { [topKey: string]: unknown } | undefined {
    if (this.mappings.has(logicalId)) return this.mappings.get(logicalId);
    const element = this.index(logicalId).get(logicalId);
    let body: unknown;
    if (element instanceof CfnMapping) {
      const rendered = this.stack.resolve((element as unknown as { _toCloudFormation(): object })._toCloudFormation()) as { Mappings?: { [id: string]: unknown } };
      body = rendered.Mappings?.[logicalId];
    }
    // Rendered once per model (one per stack and pass), not at every Fn::FindInMap read.
    const mapping = isObject(body) ? body : undefined;
    this.mappings.set(logicalId, mapping);
    return mapping;
  }

  /** The outputs of the stack. */
  public outputs(): readonly CfnOutput[] {
    return this.lists().outputs;
  }

  /** The resources of the stack with every custom resource's native views after it. One list per pass: do not change it. */
  public resourcesWithViews(): readonly CfnResource[] {
    const lists = this.lists();
    if (!lists.withViews) lists.withViews = lists.resources.flatMap((r) => [r, ...this.customResource(r).views]);
    return lists.withViews;
  }

  /** The resources of `type` among `resourcesWithViews`, in the same order: a view counts as its native type. */
  public resourcesOfType(type: string): readonly CfnResource[] {
    const lists = this.lists();
    let found = lists.byType.get(type);
    if (!found) {
      found = this.resourcesWithViews().filter((r) => r.cfnResourceType === type);
      lists.byType.set(type, found);
    }
    return found;
  }

  /** What a custom resource stands for (nothing for any other resource). */
  public customResource(resource: CfnResource): CustomResourceReading {
    if (!isCustomResourceType(resource.cfnResourceType)) return NO_READING;
    let reading = this.readings.get(resource);
    if (!reading) {
      reading = readCustomResource(resource);
      this.readings.set(resource, reading);
    }
    return reading;
  }

  /** The resources (views included) of `type` whose physical name is `name` (a value as the template writes it). */
  public byName(type: string, name: unknown): CfnResource[] {
    const key = canonical(name);
    if (key === undefined) return [];
    return this.nameIndex().get(`${type}|${key}`) ?? [];
  }

  /** The resources (views included) whose ARN is `arn` (a value as the template writes it), of `type` if given. */
  public byArn(arn: unknown, type?: string): CfnResource[] {
    const text = canonical(arn);
    const parsed = text === undefined ? undefined : splitArn(text);
    if (!parsed) return [];
    return (this.arnIndex().get(parsed.key) ?? [])
      .filter((e) => (type === undefined || e.resource.cfnResourceType === type) && sameScope(e.scope, parsed))
      .map((e) => e.resource);
  }

  /**
   * The resources of the stack a reference points at: a `Ref`/`Fn::GetAtt` to one (a custom
   * resource as its views of `type`), or a name or ARN that `byName`/`byArn` find.
   */
  public referenced(value: unknown, type: string): CfnResource[] {
    const id = logicalIdOf(value);
    if (id !== undefined) {
      const target = this.resource(id);
      if (!target) return [];
      if (target.cfnResourceType === type) return [target];
      return this.customResource(target).views.filter((v) => v.cfnResourceType === type);
    }
    const byArn = this.byArn(value, type);
    return byArn.length > 0 ? byArn : this.byName(type, value);
  }

  /**
   * Whether `value` (a property value, lists and `Fn::If` branches included) names `target`: by
   * `Ref`, `Fn::GetAtt` or `${Id}` in an `Fn::Sub`, or by its physical name or ARN as
   * `byName`/`byArn` derive them (a role named by `Fn::Sub` of the stack name, say).
   */
  public refersTo(value: unknown, target: CfnResource): boolean {
    const id = resolvedLogicalId(target);
    const text = JSON.stringify(value ?? null);
    if ([`"Ref":"${id}"`, `"Fn::GetAtt":["${id}"`, `"Fn::GetAtt":"${id}.`, `\${${id}.`, `\${${id}}`].some((r) => text.includes(r))) return true;
    const visit = (v: unknown, depth: number): boolean => {
      if (depth > 16 || v === undefined || v === null) return false;
      if (Array.isArray(v)) return v.some((x) => visit(x, depth + 1));
      if (typeof v === 'string') return this.referenced(v, target.cfnResourceType).includes(target);
      if (!isObject(v)) return false;
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === 'Fn::If' && Array.isArray(v['Fn::If'])) return v['Fn::If'].slice(1).some((b: unknown) => visit(b, depth + 1));
      if (keys.length === 1 && (keys[0] === 'Fn::Sub' || keys[0] === 'Fn::Join')) return this.referenced(v, target.cfnResourceType).includes(target);
      if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return false;
      return Object.values(v).some((x) => visit(x, depth + 1));
    };
    return visit(value, 0);
  }

  private nameIndex(): Map<string, CfnResource[]> {
    if (!this.names) this.buildNames();
    return this.names!;
  }

  /** The derived ARNs by their `<service>|<resource>` key, each list in the order of the stack's resources. */
  private arnIndex(): Map<string, ArnEntry[]> {
    if (!this.arns) this.buildNames();
    return this.arns!;
  }

  private buildNames(): void {
    const names = new Map<string, CfnResource[]>();
    const arns = new Map<string, ArnEntry[]>();
    const addArn = (scope: SplitArn, resource: CfnResource) => {
      const list = arns.get(scope.key);
      if (list) list.push({ scope, resource });
      else arns.set(scope.key, [{ scope, resource }]);
    };
    for (const resource of this.resourcesWithViews()) {
      const rule = NAMES[resource.cfnResourceType];
      if (!rule) continue;
      let props: { [key: string]: unknown };
      try {
        props = resolvedProperties(resource);
      } catch {
        continue;
      }
      const name = canonical(props[rule.property]);
      if (name === undefined) continue;
      const key = `${resource.cfnResourceType}|${name}`;
      names.set(key, [...(names.get(key) ?? []), resource]);
      if (!rule.arn) continue;
      const path = canonical(props.Path) ?? '/';
      const arn = rule.arn.replace('{path}', path.replace(/^\//, '')).replace('{name}', name);
      const parsed = splitArn(arn);
      if (parsed) addArn(parsed, resource);
      // IAM ARNs are also found without their path, as IAM names are unique in the account.
      if (rule.arn.includes('{path}') && path !== '/') {
        const plain = rule.arn.replace('{path}', '').replace('{name}', name);
        const p = splitArn(plain);
        if (p) addArn(p, resource);
      }
    }
    this.names = names;
    this.arns = arns;
  }
}

/** The logical ID of `{ Ref }` / `{ 'Fn::GetAtt' }`, pseudo parameters excluded. */
function logicalIdOf(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  if (keys[0] === 'Ref' && typeof value.Ref === 'string' && !value.Ref.startsWith('AWS::')) return value.Ref;
  const g = value['Fn::GetAtt'];
  if (keys[0] === 'Fn::GetAtt') {
    if (Array.isArray(g) && typeof g[0] === 'string') return g[0];
    if (typeof g === 'string') return g.split('.')[0];
  }
  return undefined;
}

/**
 * A name or ARN as the template writes it, in one canonical text: literals as they are, pseudo
 * parameters as `${AWS::Region}`; `undefined` when any part is not known from the template alone
 * (a parameter, a resource's attribute, a condition).
 */
export function canonical(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value === '' || value.includes('{{resolve:') ? undefined : value;
  if (!isObject(value)) return undefined;
  const ph = new Placeholders();
  const segments = ph.decode(renderString(value, ph, 'cloudformation'));
  if (segments.some((s) => s.kind !== 'text' && s.kind !== 'pseudo')) return undefined;
  const text = displaySegments(segments);
  return text === '' ? undefined : text;
}

/** A derived ARN of a resource, split (see `splitArn`). */
interface ArnEntry {
  readonly scope: SplitArn;
  readonly resource: CfnResource;
}

interface SplitArn {
  /** `<service>|<resource>`: what must be equal. */
  readonly key: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

function splitArn(text: string): SplitArn | undefined {
  // `${AWS::Region}` holds colons of its own: one opaque field.
  const parts = text.replace(/\$\{AWS::([A-Za-z]+)\}/g, '{AWS.$1}').split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return { key: `${parts[2]}|${parts.slice(5).join(':')}`, partition: parts[1], region: parts[3], account: parts[4] };
}

/** A pseudo parameter stands for the stack's own value, which a literal may well be. */
function sameScope(a: SplitArn, b: SplitArn): boolean {
  const same = (x: string, y: string) => x === y || x.startsWith('{AWS.') || y.startsWith('{AWS.');
  return same(a.partition, b.partition) && same(a.region, b.region) && same(a.account, b.account);
}

function readCustomResource(resource: CfnResource): CustomResourceReading {
  let props: { [key: string]: unknown };
  try {
    props = resolvedProperties(resource);
  } catch {
    return { views: [], calls: [], unreadable: [{ key: 'Properties', reason: 'render' }], awsCustomResource: resource.cfnResourceType === 'Custom::AWS' };
  }
  const aws = isAwsCustomResource(resource.cfnResourceType, props);
  const { calls, unreadable } = sdkCalls(props, aws);
  const views: NativeView[] = [];
  for (const call of calls) {
    const view = viewOfCall(call);
    if (view) views.push(view);
  }
  if (!aws && calls.length === 0) views.push(...viewsOfOtherProvider(props));
  return { views: views.map((v) => viewResource(resource, v)), calls, unreadable, awsCustomResource: aws };
}
