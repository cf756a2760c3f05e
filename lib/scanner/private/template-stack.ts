import { Construct } from 'constructs';
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

/** The in-memory stack a template was rebuilt into, and the logical ID of each resource by construct path. */
export interface TemplateStack {
  readonly stack: Stack;
  readonly logicalIdByPath: ReadonlyMap<string, string>;
  readonly typeByLogicalId: ReadonlyMap<string, string>;
}

/**
 * Rebuilds a template as a CDK stack of raw elements, so the pack's rules read it exactly as they
 * read a synthesized stack: each resource a `CfnResource` of its type and properties as written
 * (no typed L1 in the way), with its logical ID, metadata, condition and other attributes; the
 * parameters with their allowed values and defaults, the conditions, the mappings and the outputs.
 */
export function templateStack(template: { [key: string]: any }, stackId: string): TemplateStack {
  const app = new App();
  const stack = new Stack(app, stackId);
  // Each section in a scope of its own, so a parameter and a condition of the same name (which
  // CloudFormation allows) do not collide as construct IDs; '#' cannot start a logical ID.
  const section = (name: string) => new Construct(stack, `#${name}`);
  const parameters = section('Parameters');
  const conditionScope = section('Conditions');
  const mappings = section('Mappings');
  const outputs = section('Outputs');
  const logicalIdByPath = new Map<string, string>();
  const typeByLogicalId = new Map<string, string>();

  for (const [id, p] of Object.entries<any>(template.Parameters ?? {})) {
    const props: { [key: string]: any } = {};
    for (const [cfn, cdk] of Object.entries(PARAMETER_PROPS)) {
      if (p?.[cfn] !== undefined) props[cdk] = cfn === 'NoEcho' ? p[cfn] === true || p[cfn] === 'true' : p[cfn];
    }
    new CfnParameter(parameters, id, props).overrideLogicalId(id);
  }
  const conditions = new Map<string, CfnCondition>();
  for (const [id, expression] of Object.entries<any>(template.Conditions ?? {})) {
    const c = new CfnCondition(conditionScope, id, { expression: new RawConditionExpression(expression) });
    c.overrideLogicalId(id);
    conditions.set(id, c);
  }
  for (const [id, mapping] of Object.entries<any>(template.Mappings ?? {})) {
    new CfnMapping(mappings, id, { mapping }).overrideLogicalId(id);
  }
  for (const [id, r] of Object.entries<any>(template.Resources ?? {})) {
    const type: string = r.Type;
    const resource = new CfnResource(stack, id, { type, properties: r?.Properties ?? {} });
    resource.overrideLogicalId(id);
    if (r?.Metadata !== undefined) resource.cfnOptions.metadata = r.Metadata;
    if (typeof r?.Condition === 'string') {
      let condition = conditions.get(r.Condition);
      if (!condition) {
        // A condition the template does not define (CloudFormation would reject it): kept by name.
        condition = new CfnCondition(conditionScope, r.Condition, {});
        condition.overrideLogicalId(r.Condition);
        conditions.set(r.Condition, condition);
      }
      resource.cfnOptions.condition = condition;
    }
    for (const attribute of RESOURCE_ATTRIBUTES) {
      if (r?.[attribute] !== undefined) resource.addOverride(attribute, r[attribute]);
    }
    logicalIdByPath.set(resource.node.path, id);
    typeByLogicalId.set(id, type);
  }
  for (const [id, o] of Object.entries<any>(template.Outputs ?? {})) {
    if (o?.Value === undefined) continue;
    const output = new CfnOutput(outputs, id, {
      // Outputs are raw template values (intrinsics included); CDK renders them as given.
      value: o.Value as string,
      description: o.Description,
      exportName: typeof o.Export?.Name === 'string' ? o.Export.Name : undefined,
    });
    output.overrideLogicalId(id);
  }
  return { stack, logicalIdByPath, typeByLogicalId };
}
