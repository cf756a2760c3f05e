import { Construct } from 'constructs';
import { isMapping, jsonType, quoted } from './template-loader';
import { App, CfnCondition, CfnMapping, CfnOutput, CfnParameter, CfnResource, ICfnConditionExpression, IResolveContext, Stack } from 'aws-cdk-lib';

/** A condition expression kept exactly as the template writes it. */
class RawConditionExpression implements ICfnConditionExpression {
  public readonly creationStack: string[] = [];
  constructor(private readonly expression: unknown) {}
  public resolve(_context: IResolveContext): any {
    return this.expression;
  }
  public toString(): string {
    return JSON.stringify(this.expression);
  }
}

/** Resource attributes CloudFormation reads beside `Type`, `Properties`, `Metadata` and `Condition`. */
const RESOURCE_ATTRIBUTES = ['DependsOn', 'DeletionPolicy', 'UpdateReplacePolicy', 'UpdatePolicy', 'CreationPolicy'];

const PARAMETER_PROPS: { [cfn: string]: string } = {
  Type: 'type', Default: 'default', AllowedValues: 'allowedValues', AllowedPattern: 'allowedPattern',
  Description: 'description', ConstraintDescription: 'constraintDescription', MaxLength: 'maxLength',
  MinLength: 'minLength', MaxValue: 'maxValue', MinValue: 'minValue', NoEcho: 'noEcho',
};

/**
 * Something in the template CloudFormation would refuse, which the model leaves out or reads
 * around (the rest of the template is still built and scanned).
 */
export interface TemplateProblem {
  /** The section (`Resources`, `Parameters`, ...). */
  readonly section: string;
  /** The logical ID the problem is under; none for a problem with the section itself. */
  readonly logicalId?: string;
  /** What is wrong, in plain words (without the file). */
  readonly problem: string;
}

/** The in-memory stack a template was rebuilt into, and the logical ID of each resource by construct path. */
export interface TemplateStack {
  readonly stack: Stack;
  readonly logicalIdByPath: ReadonlyMap<string, string>;
  readonly typeByLogicalId: ReadonlyMap<string, string>;
  /** What CloudFormation would refuse, in template order. */
  readonly problems: TemplateProblem[];
}

/** CloudFormation: logical IDs "must be alphanumeric (A-Za-z0-9) and unique within the template" (template anatomy, Resources). */
const LOGICAL_ID = /^[A-Za-z0-9]+$/;

const SECTION_ITEM: { [section: string]: string } = {
  Parameters: 'parameter', Conditions: 'condition', Mappings: 'mapping', Resources: 'resource', Outputs: 'output',
};

/**
 * Rebuilds a template as a CDK stack of raw elements, so the pack's rules read it exactly as they
 * read a synthesized stack: each resource a `CfnResource` of its type and properties as written
 * (no typed L1 in the way), with its logical ID, metadata, condition and other attributes; the
 * parameters with their allowed values and defaults, the conditions, the mappings and the outputs.
 *
 * Keys are data: construct IDs are made up (`R0`, `P1`, ...), never the template's own keys, so a
 * logical ID such as `constructor` or `__proto__` cannot meet the construct tree's own names; each
 * element gets its logical ID through `overrideLogicalId`. What CloudFormation would refuse (a
 * logical ID that is not alphanumeric, a section or an entry of the wrong JSON type) is listed in
 * `problems`: an entry of the wrong type is left out, a bad logical ID is kept and scanned.
 */
export function templateStack(template: { [key: string]: any }, stackId: string): TemplateStack {
  const app = new App();
  const stack = new Stack(app, stackId);
  // Each section in a scope of its own, so a parameter and a condition of the same name (which
  // CloudFormation allows) do not collide.
  const section = (name: string) => new Construct(stack, `#${name}`);
  const parameters = section('Parameters');
  const conditionScope = section('Conditions');
  const mappings = section('Mappings');
  const outputs = section('Outputs');
  const resources = section('Resources');
  const logicalIdByPath = new Map<string, string>();
  const typeByLogicalId = new Map<string, string>();
  const problems: TemplateProblem[] = [];
  const problem = (name: string, logicalId: string | undefined, text: string) => problems.push({ section: name, logicalId, problem: text });

  /**
   * The entries of a section that can be built; the others are named in `problems`. `wrong`
   * says what is wrong with an entry's value (that CloudFormation would refuse), if anything.
   */
  const entries = (name: string, wrong: (value: any) => string | undefined): [string, any][] => {
    const body = template[name];
    if (body === undefined || body === null) return [];
    if (!isMapping(body)) {
      problem(name, undefined, `the ${name} section is ${jsonType(body)}, not a mapping of logical IDs: CloudFormation refuses it (the section was not read; the rest of the template was scanned)`);
      return [];
    }
    const kept: [string, any][] = [];
    for (const [id, value] of Object.entries<any>(body)) {
      const item = `${SECTION_ITEM[name]} ${quoted(id)}`;
      const why = isMapping(value) || name === 'Conditions' ? wrong(value) : `is ${jsonType(value)}, not a mapping`;
      if (why !== undefined) {
        problem(name, id, `the ${item} ${why}: CloudFormation refuses it (left out of the scan; the rest of the template was scanned)`);
      } else if (!LOGICAL_ID.test(id)) {
        problem(name, id, `logical ID ${quoted(id)} is not alphanumeric: CloudFormation refuses it (logical IDs are A-Za-z0-9); `
          + `the ${SECTION_ITEM[name]} and the rest of the template were scanned all the same`);
      }
      if (why === undefined) kept.push([id, value]);
    }
    return kept;
  };
  const typed = (key: string, want: string, value: unknown, required = false): string | undefined =>
    (value === undefined || value === null ? (required ? `has no ${key}` : undefined)
      : (want === 'a string' ? typeof value === 'string' : isMapping(value)) ? undefined
        : `has a ${key} that is ${jsonType(value)}, not ${want}`);

  let n = 0;
  for (const [id, p] of entries('Parameters', (v) => typed('Type', 'a string', v.Type))) {
    const props: { [key: string]: any } = {};
    for (const [cfn, cdk] of Object.entries(PARAMETER_PROPS)) {
      if (p[cfn] !== undefined) props[cdk] = cfn === 'NoEcho' ? p[cfn] === true || p[cfn] === 'true' : p[cfn];
    }
    new CfnParameter(parameters, `P${n++}`, props).overrideLogicalId(id);
  }
  const conditions = new Map<string, CfnCondition>();
  for (const [id, expression] of entries('Conditions', () => undefined)) {
    const c = new CfnCondition(conditionScope, `C${n++}`, { expression: new RawConditionExpression(expression) });
    c.overrideLogicalId(id);
    conditions.set(id, c);
  }
  for (const [id, mapping] of entries('Mappings', (v) => (Object.values(v).every(isMapping) ? undefined : 'has a key whose value is not a mapping'))) {
    // Built empty and given its body after: CDK checks second-level keys by its own rule, and the
    // template's mapping is read as written.
    const m = new CfnMapping(mappings, `M${n++}`, { mapping: {} });
    (m as unknown as { mapping: unknown }).mapping = mapping;
    m.overrideLogicalId(id);
  }
  const resourceWrong = (v: any) => typed('Type', 'a string', v.Type, true)
    ?? (v.Type === '' ? 'has an empty Type' : undefined)
    ?? typed('Properties', 'a mapping', v.Properties);
  for (const [id, r] of entries('Resources', resourceWrong)) {
    const type: string = r.Type;
    const resource = new CfnResource(resources, `R${n++}`, { type, properties: r.Properties ?? {} });
    resource.overrideLogicalId(id);
    if (r.Metadata !== undefined) resource.cfnOptions.metadata = r.Metadata;
    if (typeof r.Condition === 'string') {
      let condition = conditions.get(r.Condition);
      if (!condition) {
        // A condition the template does not define (CloudFormation would reject it): kept by name.
        condition = new CfnCondition(conditionScope, `C${n++}`, {});
        condition.overrideLogicalId(r.Condition);
        conditions.set(r.Condition, condition);
      }
      resource.cfnOptions.condition = condition;
    }
    for (const attribute of RESOURCE_ATTRIBUTES) {
      if (r[attribute] !== undefined) resource.addOverride(attribute, r[attribute]);
    }
    logicalIdByPath.set(resource.node.path, id);
    typeByLogicalId.set(id, type);
  }
  for (const [id, o] of entries('Outputs', () => undefined)) {
    if (o.Value === undefined) continue;
    const output = new CfnOutput(outputs, `O${n++}`, {
      value: '',
      description: typeof o.Description === 'string' ? o.Description : undefined,
      exportName: typeof o.Export?.Name === 'string' ? o.Export.Name : undefined,
    });
    // Outputs are raw template values (intrinsics included), given after construction: CDK's
    // constructor refuses a list, which would stop the scan of the whole template.
    output.value = o.Value as string;
    output.overrideLogicalId(id);
  }
  return { stack, logicalIdByPath, typeByLogicalId, problems };
}
