import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, Fn, Lazy, RemovalPolicy, Stack, ValidationResult } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import { buildReferenceDeployment } from '../../bin/reference-stacks';
import { IotSecurityChecks } from '../../lib';
import { resolvedProperties } from '../../lib/checks/private/cfn';
import { renderedBody, resolveResource, withResolutionCache } from '../../lib/checks/private/resolution';
import { generatedApp } from '../../bench/generated-app';
import { cfnResources, includeTemplate, newStack } from './rule-test-helpers';

/**
 * CDK's typed L1 validators reject valid CloudFormation (JSON strings where they expect objects).
 * Every rule reads properties through one reader that keeps them out of the way: no rule may
 * report such a resource as `Unresolved::Properties`.
 */
const DEVICE_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:*:*:client/${iot:Connection.Thing.ThingName}' }],
});
const OPEN_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] });
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const S3_ALL = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });

function findings(stack: Stack): string[] {
  const report = new IotSecurityChecks().validateScope(stack);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${r.constructPath?.split('/').pop()} ${v.ruleName}`)).sort();
}

const TAGS = [{ key: 'criticality', value: 'high' }, { key: 'owner', value: 'team' }];

describe('reading properties without the typed L1 validators in the way', () => {
  test('L1: a JSON-string PolicyDocument on CfnPolicy is read, by the analyzer and every other rule', () => {
    const stack = newStack();
    new iot.CfnPolicy(stack, 'Open', { policyDocument: OPEN_POLICY as any, tags: TAGS });
    new iot.CfnPolicy(stack, 'Scoped', { policyDocument: DEVICE_POLICY as any, tags: TAGS });
    const found = findings(stack);
    expect(found.filter((f) => f.includes('Unresolved'))).toEqual([]);
    expect(found).toEqual(['Open IoTSecurity-ID2[Resource::*]']);
  });

  test('L1: the properties themselves are returned as the template holds them', () => {
    const stack = newStack();
    const p = new iot.CfnPolicy(stack, 'P', { policyDocument: OPEN_POLICY as any, policyName: 'x' });
    expect(resolvedProperties(p)).toEqual({ PolicyDocument: OPEN_POLICY, PolicyName: 'x' });
  });

  test('L1: a JSON-string inline policy and trust policy on CfnRole behind a role alias are judged', () => {
    const stack = newStack();
    const role = new iam.CfnRole(stack, 'Role', {
      assumeRolePolicyDocument: TRUST as any,
      policies: [{ policyName: 'p', policyDocument: S3_ALL }],
    });
    new iot.CfnRoleAlias(stack, 'Alias', { roleArn: role.attrArn, credentialDurationSeconds: 900, tags: TAGS });
    const found = findings(stack);
    expect(found.filter((f) => f.includes('Unresolved'))).toEqual([]);
    expect(found).toEqual(expect.arrayContaining(['Alias IoTSecurity-GW1[Action::s3:*]']));
  });

  test('CfnInclude: a plain template with JSON-string documents is read', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Open: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: OPEN_POLICY, Tags: [{ Key: 'criticality', Value: 'high' }, { Key: 'owner', Value: 'team' }] } },
        Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: S3_ALL }] } },
        Alias: {
          Type: 'AWS::IoT::RoleAlias',
          Properties: { RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] }, CredentialDurationSeconds: 900, Tags: [{ Key: 'criticality', Value: 'high' }, { Key: 'owner', Value: 'team' }] },
        },
      },
    });
    const found = findings(stack);
    expect(found.filter((f) => f.includes('Unresolved'))).toEqual([]);
    expect(found).toEqual(expect.arrayContaining(['Open IoTSecurity-ID2[Resource::*]', 'Alias IoTSecurity-GW1[Action::s3:*]']));
  });

  test('raw CfnResource (as the scanner builds them) reads the same', () => {
    const stack = newStack();
    new CfnResource(stack, 'Open', { type: 'AWS::IoT::Policy', properties: { PolicyDocument: OPEN_POLICY, Tags: [{ Key: 'criticality', Value: 'h' }, { Key: 'owner', Value: 'o' }] } });
    expect(findings(stack)).toEqual(['Open IoTSecurity-ID2[Resource::*]']);
  });

  test('overrides still apply on top of a value the validator rejects', () => {
    const stack = newStack();
    const p = new iot.CfnPolicy(stack, 'P', { policyDocument: DEVICE_POLICY as any, tags: TAGS });
    p.addPropertyOverride('PolicyDocument', OPEN_POLICY);
    expect(findings(stack)).toEqual(['P IoTSecurity-ID2[Resource::*]']);
  });
});

/**
 * The reader renders a resource with the steps of CDK's `_toCloudFormation`, less what no rule
 * reads (see `renderedBody` in resolution.ts). It must give what CDK writes into the template.
 */
describe('the reader renders every resource as CDK writes it', () => {
  /** CDK's own render, its typed validators silenced as the reader silences them. */
  function cdkRender(node: CfnResource): object {
    const proto = ValidationResult.prototype as unknown as { assertSuccess(): void };
    const assertSuccess = proto.assertSuccess;
    proto.assertSuccess = () => undefined;
    try {
      const rendered = Stack.of(node).resolve((node as any)._toCloudFormation()) as { Resources?: { [id: string]: any } };
      const [logicalId, body] = Object.entries(rendered.Resources ?? {})[0] ?? [Stack.of(node).resolve(node.logicalId), {}];
      return { logicalId, type: body.Type ?? node.cfnResourceType, properties: body.Properties ?? {}, deletionPolicy: body.DeletionPolicy, updateReplacePolicy: body.UpdateReplacePolicy };
    } finally {
      proto.assertSuccess = assertSuccess;
    }
  }
  const read = (node: CfnResource) => withResolutionCache(() => {
    const r = resolveResource(node);
    return { logicalId: r.logicalId, type: r.type, properties: r.properties, deletionPolicy: r.deletionPolicy, updateReplacePolicy: r.updateReplacePolicy };
  });
  // The reader falls back to the typed props where a render throws; here none may.
  const mismatches = (nodes: CfnResource[]) => nodes.forEach((n) => renderedBody(n)) ?? nodes
    .filter((n) => JSON.stringify(read(n)) !== JSON.stringify(cdkRender(n)))
    .map((n) => `${n.node.path}\n  reader: ${JSON.stringify(read(n))}\n  CDK:    ${JSON.stringify(cdkRender(n))}`);

  test('every resource of the reference deployment', () => {
    const app = new App();
    buildReferenceDeployment(app);
    const nodes = cfnResources(app);
    expect(nodes.length).toBeGreaterThan(400);
    expect(mismatches(nodes)).toEqual([]);
  });

  test("every resource of the benchmark's generated app", () => {
    expect(mismatches(cfnResources(generatedApp(500).app))).toEqual([]);
  });

  test('overrides, deletions, intrinsics replaced by objects and back, tags, retention, lazies, renamed IDs, CfnInclude', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['iot:Publish'], resources: ['arn:aws:iot:eu-west-1:111122223333:topic/a'] }));
    const rule = new iot.CfnTopicRule(stack, 'Rule', {
      topicRulePayload: {
        sql: "SELECT * FROM 'a'",
        actions: [{ republish: { topic: 'b', roleArn: role.roleArn } }],
        errorAction: { republish: { topic: Fn.join('/', ['err', stack.region]), roleArn: role.roleArn } },
      },
      tags: [{ key: 'owner', value: 'team' }],
    });
    rule.addPropertyOverride('TopicRulePayload.Actions.0.Republish.Qos', 1);
    rule.addPropertyOverride('TopicRulePayload.ErrorAction.Republish.Topic', 'literal/err');
    rule.addPropertyOverride('TopicRulePayload.Description', { 'Fn::Sub': '${AWS::Region}' });
    rule.addDeletionOverride('Properties.TopicRulePayload.RuleDisabled');
    rule.addOverride('Properties.TopicRulePayload.AwsIotSqlVersion', '2016-03-23');
    rule.overrideLogicalId('RenamedRule');
    rule.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const policy = new iot.CfnPolicy(stack, 'Policy', { policyDocument: Lazy.any({ produce: () => JSON.parse(OPEN_POLICY) }) });
    policy.addPropertyOverride('PolicyDocument', { 'Fn::If': ['C', JSON.parse(OPEN_POLICY), JSON.parse(DEVICE_POLICY)] });
    policy.addPropertyOverride('PolicyName', undefined);
    const hand = new CfnResource(stack, 'Hand', { type: 'AWS::IoT::Thing', properties: { ThingName: 'a', AttributePayload: { Attributes: { k: 'v' } } } });
    hand.addOverride('Properties.AttributePayload', { Ref: 'AWS::StackName' });
    hand.addOverride('Properties.ThingName', undefined);
    hand.addOverride('UpdateReplacePolicy', 'Snapshot');
    const empty = new CfnResource(stack, 'Empty', { type: 'AWS::IoT::Thing' });
    empty.addOverride('Properties.ThingName', undefined);
    new iot.CfnPolicy(stack, 'StringPolicy', { policyDocument: OPEN_POLICY as any, tags: TAGS });
    new iam.Policy(stack, 'EmptyPolicy'); // CDK leaves it out of the template (shouldSynthesize)
    includeTemplate(stack, { Resources: { Inc: { Type: 'AWS::IoT::Policy', DeletionPolicy: 'Retain', Properties: { PolicyDocument: DEVICE_POLICY } } } });
    expect(mismatches(cfnResources(stack))).toEqual([]);
    expect(read(rule).properties.TopicRulePayload).toMatchObject({ ErrorAction: { Republish: { Topic: 'literal/err' } }, Description: { 'Fn::Sub': '${AWS::Region}' } });
  });
});

/**
 * What the template holds decides, also where it differs from what the construct says (found by a
 * review that deployed wildcard policies past the pack this way). The oracle is the template
 * `app.synth()` writes.
 */
describe('the reader and the pack follow the written template', () => {
  const OPEN = JSON.parse(OPEN_POLICY); // iot:Connect on *: ID2
  const ADMIN_TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  const synthesized = (stack: Stack) => {
    const assembly = (stack.node.root as App).synth();
    return JSON.parse(fs.readFileSync(path.join(assembly.directory, stack.templateFile), 'utf8')).Resources as { [id: string]: any };
  };
  const packFindings = (stack: Stack) => new IotSecurityChecks().validateScope(stack.node.root).violations
    .flatMap((v) => v.violatingResources.map((r) => `${r.constructPath?.split('/').pop()} ${v.ruleName}`)).sort();

  /** Every resource as the reader reads it, against the written template. */
  const differences = (stack: Stack) => {
    const reader = withResolutionCache(() => cfnResources(stack).map((n) => resolveResource(n)));
    const written = synthesized(stack);
    return reader.flatMap((r) => {
      const w = written[r.logicalId] ?? {};
      const read = JSON.stringify({ Type: r.type, Properties: r.properties, DeletionPolicy: r.deletionPolicy, UpdateReplacePolicy: r.updateReplacePolicy });
      const wrote = JSON.stringify({ Type: w.Type, Properties: w.Properties ?? {}, DeletionPolicy: w.DeletionPolicy, UpdateReplacePolicy: w.UpdateReplacePolicy });
      return read === wrote ? [] : [`${r.logicalId}\n  reader:   ${read}\n  template: ${wrote}`];
    });
  };

  test('an L1 whose renderProperties renders from no props, tokens it renders, holes and undefined in override lists', () => {
    const stack = newStack();
    class RoleFromNothing extends CfnResource {
      protected renderProperties(): { [key: string]: any } {
        return { AssumeRolePolicyDocument: ADMIN_TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: OPEN }] };
      }
    }
    new RoleFromNothing(stack, 'FromNothing', { type: 'AWS::IAM::Role' });
    class LazyPolicy extends iot.CfnPolicy {
      protected renderProperties(props: { [key: string]: any }): { [key: string]: any } {
        return { ...super.renderProperties(props), PolicyDocument: Lazy.any({ produce: () => OPEN }) };
      }
    }
    new LazyPolicy(stack, 'LazyRendered', { policyDocument: JSON.parse(DEVICE_POLICY) });
    const holes = new iot.CfnPolicy(stack, 'Holes', { policyDocument: JSON.parse(DEVICE_POLICY) });
    holes.addPropertyOverride('PolicyDocument.Statement', [undefined, OPEN.Statement[0]]);
    holes.addPropertyOverride('PolicyDocument.Statement.3', OPEN.Statement[0]);
    expect(differences(stack)).toEqual([]);
    expect(packFindings(stack)).toEqual(expect.arrayContaining([
      'Holes IoTSecurity-ID2[Resource::*]', 'LazyRendered IoTSecurity-ID2[Resource::*]',
    ]));
    expect(packFindings(stack).filter((f) => f.startsWith('FromNothing '))).not.toEqual([]);
  });

  test('a Type override, and a type given as a token, are judged as the type the template holds', () => {
    const stack = newStack();
    const thing = new iot.CfnThing(stack, 'ThingTurnedPolicy', {});
    thing.addOverride('Type', 'AWS::IoT::Policy');
    thing.addPropertyOverride('PolicyDocument', OPEN);
    const handle = new CfnResource(stack, 'HandleTurnedPolicy', { type: 'AWS::CloudFormation::WaitConditionHandle' });
    handle.addOverride('Type', 'AWS::IoT::Policy');
    handle.addOverride('Properties', { PolicyDocument: OPEN });
    new CfnResource(stack, 'TokenType', { type: Lazy.string({ produce: () => 'AWS::IoT::Policy' }), properties: { PolicyDocument: OPEN } });
    expect(differences(stack)).toEqual([]);
    const found = packFindings(stack);
    for (const id of ['ThingTurnedPolicy', 'HandleTurnedPolicy', 'TokenType']) {
      expect(found).toEqual(expect.arrayContaining([`${id} IoTSecurity-ID2[Resource::*]`]));
    }
    // No rule of the type the construct claims judges it: a thing's rules do not see a policy.
    expect(found.filter((f) => f.startsWith('ThingTurnedPolicy ') && /INV/.test(f) && !/INV1\b/.test(f))).toEqual([]);
  });

  test("the deprecated core CfnInclude, whose resources have no construct, is reported as unreadable, never passed", () => {
    const stack = newStack();
    const CoreCfnInclude = (require('aws-cdk-lib') as { CfnInclude: new (scope: Stack, id: string, props: { template: object }) => object }).CfnInclude;
    new CoreCfnInclude(stack, 'Legacy', { template: { Resources: { P: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: OPEN } } } } });
    new CoreCfnInclude(stack, 'OnlyParameters', { template: { Parameters: { P: { Type: 'String' } } } });
    expect(packFindings(stack)).toEqual(['Legacy IoTSecurity-ID13[Unreadable::CfnInclude]']);
  });

  test("the intrinsics an override replaces whole are CDK's own list (deep-merge.js of the installed aws-cdk-lib)", () => {
    const file = path.join(path.dirname(require.resolve('aws-cdk-lib/package.json')), 'core', 'lib', 'private', 'deep-merge.js');
    const list = /MERGE_EXCLUDE_KEYS\s*=\s*\[([^\]]*)\]/.exec(fs.readFileSync(file, 'utf8'));
    expect(list).not.toBeNull();
    const cdk = [...list![1].matchAll(/"([^"]+)"/g)].map((m) => m[1]).sort();
    const source = fs.readFileSync(path.join(__dirname, '..', '..', 'lib', 'checks', 'private', 'resolution.ts'), 'utf8');
    const ours = [.../REPLACED_WHOLE = new Set\(\[([^\]]*)\]/.exec(source)![1].matchAll(/'([^']+)'/g)].map((m) => m[1]).sort();
    expect(ours).toEqual(cdk);
  });
});
