/**
 * The part of the SAM transform (`AWS::Serverless-2016-10-31`) the rules need, done as SAM
 * documents it, so a SAM template is judged as CloudFormation will deploy it. What is not
 * expanded here is reported, never passed over in silence.
 */

/** SAM's transform name. */
export const SAM_TRANSFORM = 'AWS::Serverless-2016-10-31';

/** A resource SAM generated, and the SAM resource it came from (for the file line). */
export interface SamExpansion {
  readonly template: { [key: string]: any };
  /** Generated logical ID -> the logical ID of the SAM resource it was generated from. */
  readonly generatedFrom: Map<string, string>;
  /** What was not analyzed, each a sentence naming the resource. */
  readonly notAnalyzed: { resource: string; message: string }[];
}

/** The transforms a template declares (`Transform` is a name or a list of names). */
export function declaredTransforms(template: { [key: string]: any }): string[] {
  const t = template.Transform;
  if (t === undefined || t === null) return [];
  return (Array.isArray(t) ? t : [t]).map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
}

/** `{ Key: Value }` as CloudFormation's `[{ Key, Value }]`; a list is kept as it is. */
function tagList(tags: unknown): unknown {
  if (!tags || typeof tags !== 'object' || Array.isArray(tags)) return tags;
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

const isIntrinsic = (v: object) => Object.keys(v).some((k) => k === 'Ref' || k.startsWith('Fn::'));
const isPlainMap = (v: unknown): v is { [key: string]: any } => !!v && typeof v === 'object' && !Array.isArray(v) && !isIntrinsic(v);

/**
 * SAM's Globals merge, as SAM documents it: maps merge key by key, lists add up (the globals'
 * entries first), and any other value the resource sets wins.
 */
function withGlobals(props: { [key: string]: any }, globals: { [key: string]: any } | undefined): { [key: string]: any } {
  if (!globals) return props;
  const merged: { [key: string]: any } = { ...globals };
  for (const [key, value] of Object.entries(props)) {
    const g = merged[key];
    if (isPlainMap(g) && isPlainMap(value)) merged[key] = withGlobals(value, g);
    else if (Array.isArray(g) && Array.isArray(value)) merged[key] = [...g, ...value];
    else merged[key] = value;
  }
  return merged;
}

/** AWS::Serverless::Function properties that AWS::Lambda::Function takes under the same name. */
const FUNCTION_PASS_THROUGH = [
  'Architectures', 'CodeSigningConfigArn', 'Description', 'Environment', 'EphemeralStorage', 'FileSystemConfigs',
  'FunctionName', 'Handler', 'ImageConfig', 'KmsKeyArn', 'Layers', 'LoggingConfig', 'MemorySize', 'PackageType',
  'ReservedConcurrentExecutions', 'Role', 'Runtime', 'RuntimeManagementConfig', 'SnapStart', 'Timeout', 'VpcConfig',
];

function expandFunction(id: string, props: { [key: string]: any }, out: SamExpansion, base: { [key: string]: any }): void {
  const fn: { [key: string]: any } = {};
  for (const key of FUNCTION_PASS_THROUGH) if (props[key] !== undefined) fn[key] = props[key];
  if (props.InlineCode !== undefined) fn.Code = { ZipFile: props.InlineCode };
  // SAM tags every function it creates with `lambda:createdBy`, after the function's own tags.
  // Tags that are neither a mapping nor a list (SAM refuses them) are left out, not spread.
  const own = tagList(props.Tags);
  fn.Tags = [...(Array.isArray(own) ? own : []), { Key: 'lambda:createdBy', Value: 'SAM' }];
  if (props.Tracing !== undefined) fn.TracingConfig = { Mode: props.Tracing };
  if (props.DeadLetterQueue?.TargetArn !== undefined) fn.DeadLetterConfig = { TargetArn: props.DeadLetterQueue.TargetArn };
  out.template.Resources[id] = { ...base, Type: 'AWS::Lambda::Function', Properties: fn };
  if (props.Policies !== undefined && props.Role === undefined) {
    out.notAnalyzed.push({ resource: id, message: `the execution role SAM generates for ${id} from its Policies was not analyzed` });
  }

  for (const [eventId, event] of Object.entries<any>(props.Events ?? {})) {
    if (event?.Type !== 'IoTRule') continue;
    const ep = event.Properties ?? {};
    const ruleId = `${id}${eventId}`;
    const payload: { [key: string]: any } = {
      Sql: ep.Sql,
      RuleDisabled: false,
      Actions: [{ Lambda: { FunctionArn: { 'Fn::GetAtt': [id, 'Arn'] } } }],
    };
    if (ep.AwsIotSqlVersion !== undefined) payload.AwsIotSqlVersion = ep.AwsIotSqlVersion;
    const rule: { [key: string]: any } = { TopicRulePayload: payload };
    if (props.PropagateTags === true && props.Tags !== undefined) rule.Tags = tagList(props.Tags);
    out.template.Resources[ruleId] = { Type: 'AWS::IoT::TopicRule', Properties: rule, ...(base.Condition ? { Condition: base.Condition } : {}) };
    out.generatedFrom.set(ruleId, id);
    const permissionId = `${ruleId}Permission`;
    out.template.Resources[permissionId] = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: { Ref: id },
        Principal: 'iot.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: { 'Fn::Sub': ['arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:rule/${RuleName}', { RuleName: { Ref: ruleId } }] },
      },
      ...(base.Condition ? { Condition: base.Condition } : {}),
    };
    out.generatedFrom.set(permissionId, id);
  }
}

function expandSimpleTable(id: string, props: { [key: string]: any }, out: SamExpansion, base: { [key: string]: any }): void {
  const key = props.PrimaryKey ?? { Name: 'id', Type: 'String' };
  const attributeType = ({ String: 'S', Number: 'N', Binary: 'B' } as { [k: string]: string })[key.Type] ?? key.Type;
  const table: { [key: string]: any } = {
    AttributeDefinitions: [{ AttributeName: key.Name, AttributeType: attributeType }],
    KeySchema: [{ AttributeName: key.Name, KeyType: 'HASH' }],
  };
  if (props.ProvisionedThroughput !== undefined) table.ProvisionedThroughput = props.ProvisionedThroughput;
  else table.BillingMode = 'PAY_PER_REQUEST';
  if (props.SSESpecification !== undefined) table.SSESpecification = props.SSESpecification;
  if (props.TableName !== undefined) table.TableName = props.TableName;
  if (props.PointInTimeRecoverySpecification !== undefined) table.PointInTimeRecoverySpecification = props.PointInTimeRecoverySpecification;
  if (props.Tags !== undefined) table.Tags = tagList(props.Tags);
  out.template.Resources[id] = { ...base, Type: 'AWS::DynamoDB::Table', Properties: table };
}

function expandLayer(id: string, props: { [key: string]: any }, out: SamExpansion, base: { [key: string]: any }): void {
  const layer: { [key: string]: any } = {};
  for (const key of ['CompatibleArchitectures', 'CompatibleRuntimes', 'Description', 'LayerName', 'LicenseInfo']) {
    if (props[key] !== undefined) layer[key] = props[key];
  }
  out.template.Resources[id] = { ...base, Type: 'AWS::Lambda::LayerVersion', Properties: layer };
}

/**
 * Applies the SAM transform's documented expansions: `AWS::Serverless::Function` (with its
 * `IoTRule` events as `AWS::IoT::TopicRule`s invoking it and their `AWS::Lambda::Permission`s),
 * `AWS::Serverless::SimpleTable` and `AWS::Serverless::LayerVersion`, with `Globals` merged in.
 * Every other `AWS::Serverless::*` resource is removed and listed in `notAnalyzed`.
 */
export function expandSam(template: { [key: string]: any }): SamExpansion {
  const out: SamExpansion = {
    // Keys are data: a logical ID such as `__proto__` is a key of this mapping, never its prototype.
    template: { ...template, Resources: Object.create(null) },
    generatedFrom: new Map(),
    notAnalyzed: [],
  };
  delete out.template.Globals;
  const globals = template.Globals ?? {};
  for (const [id, resource] of Object.entries<any>(template.Resources)) {
    const type: unknown = resource?.Type;
    if (typeof type !== 'string' || !type.startsWith('AWS::Serverless::')) {
      out.template.Resources[id] = resource;
      continue;
    }
    const { Type: _type, Properties: rawProps, ...base } = resource;
    const props = rawProps ?? {};
    switch (type) {
      case 'AWS::Serverless::Function':
        expandFunction(id, withGlobals(props, globals.Function), out, base);
        break;
      case 'AWS::Serverless::SimpleTable':
        expandSimpleTable(id, withGlobals(props, globals.SimpleTable), out, base);
        break;
      case 'AWS::Serverless::LayerVersion':
        expandLayer(id, props, out, base);
        break;
      default:
        out.notAnalyzed.push({ resource: id, message: `${id} (${type}) was not analyzed: the scanner does not expand this SAM resource type` });
    }
  }
  return out;
}
