import { App, CfnParameter, CfnResource, Lazy, Stack, Tags } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { Template } from 'aws-cdk-lib/assertions';
import { IotSecurityChecks } from '../../../lib/checks/iot-security-checks';
import { withPackOptions } from '../../../lib/checks/private/pack-options';
import { ALL_RULES, IoTPracticeTagKeys, IoTSecurityHubTagged } from '../../../lib/checks/rules';
import { AssetTags, Criticality } from '../../../lib/core/asset-tags';
import { check, checkType, includeTemplate, newStack, NOT_APPLICABLE } from '../rule-test-helpers';

const ROLE = 'arn:aws:iam::123456789012:role/iot';
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:authorize';
const PRACTICE_TAGS = [{ key: 'criticality', value: 'high' }, { key: 'owner', value: 'plant-ops' }];

/** One resource of each type Security Hub's IoT.1 to IoT.6 evaluate, with the given tags. */
function securityHubResources(stack: Stack, tags?: { key: string; value: string }[]): void {
  new iot.CfnSecurityProfile(stack, 'Profile', { tags });
  new iot.CfnMitigationAction(stack, 'Mitigation', {
    roleArn: ROLE, actionParams: { enableIoTLoggingParams: { logLevel: 'INFO', roleArnForLogging: ROLE } }, tags,
  });
  new iot.CfnDimension(stack, 'Dimension', { type: 'TOPIC_FILTER', stringValues: ['admin/#'], tags });
  new iot.CfnAuthorizer(stack, 'Authorizer', { authorizerFunctionArn: LAMBDA, tags });
  new iot.CfnRoleAlias(stack, 'RoleAlias', { roleArn: ROLE, tags });
  new iot.CfnPolicy(stack, 'Policy', { policyDocument: { Version: '2012-10-17', Statement: [] }, tags });
}

const CONTROLS: [type: string, control: string][] = [
  ['AWS::IoT::SecurityProfile', 'IoT.1'],
  ['AWS::IoT::MitigationAction', 'IoT.2'],
  ['AWS::IoT::Dimension', 'IoT.3'],
  ['AWS::IoT::Authorizer', 'IoT.4'],
  ['AWS::IoT::RoleAlias', 'IoT.5'],
  ['AWS::IoT::Policy', 'IoT.6'],
];

describe('IoTSecurityHubTagged (INV1)', () => {
  const rule = IoTSecurityHubTagged;

  test.each(CONTROLS)('Noncompliance 1: an untagged %s fails Security Hub %s', (type, control) => {
    const stack = newStack();
    securityHubResources(stack);
    expect(checkType(rule, stack, type)).toEqual([`Untagged::${control}`]);
  });

  test('Noncompliance 2: an empty Tags list and only aws: system tags, in an included template', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: {}, Tags: [] } },
        RoleAlias: { Type: 'AWS::IoT::RoleAlias', Properties: { RoleArn: ROLE, Tags: [{ Key: 'aws:cloudformation:stack-name', Value: 's' }] } },
      },
    });
    expect(checkType(rule, stack, 'AWS::IoT::Policy')).toEqual(['Untagged::IoT.6']);
    expect(checkType(rule, stack, 'AWS::IoT::RoleAlias')).toEqual(['Untagged::IoT.5']);
  });

  test('Noncompliance 3: a deletion override removes the tags of a tagged authorizer', () => {
    const stack = newStack();
    const authorizer = new iot.CfnAuthorizer(stack, 'Authorizer', { authorizerFunctionArn: LAMBDA, tags: PRACTICE_TAGS });
    authorizer.addPropertyDeletionOverride('Tags');
    expect(check(rule, authorizer)).toEqual(['Untagged::IoT.4']);
  });

  test('Noncompliance 4: tags removed by one branch of a condition', () => {
    const stack = newStack();
    const policy = new iot.CfnPolicy(stack, 'Policy', { policyDocument: {} });
    policy.addPropertyOverride('Tags', { 'Fn::If': ['Prod', [{ Key: 'owner', Value: 'ops' }], { Ref: 'AWS::NoValue' }] });
    expect(check(rule, policy)).toEqual(['Untagged::IoT.6']);
    policy.addPropertyOverride('Tags', [{ 'Fn::If': ['Prod', { Key: 'owner', Value: 'ops' }, { Key: 'aws:cloudformation:stack-id', Value: 'x' }] }]);
    expect(check(rule, policy)).toEqual(['Untagged::IoT.6']);
  });

  test('Noncompliance 5: tags known only at deploy time', () => {
    const stack = newStack();
    const policy = new iot.CfnPolicy(stack, 'Policy', { policyDocument: {} });
    policy.addPropertyOverride('Tags', { 'Fn::ImportValue': 'tags' });
    expect(check(rule, policy)).toEqual(['Unresolved::Tags']);
    const key = new CfnParameter(stack, 'TagKey');
    const dimension = new iot.CfnDimension(stack, 'Dimension', { type: 'TOPIC_FILTER', stringValues: ['#'], tags: [{ key: key.valueAsString, value: 'x' }] });
    expect(check(rule, dimension)).toEqual(['Unresolved::Tags']);
  });

  test('Compliance: tags in props, from Tags.of after synthesis, on an included template; other types are not applicable', () => {
    const stack = newStack();
    securityHubResources(stack, PRACTICE_TAGS);
    for (const [type] of CONTROLS) expect(checkType(rule, stack, type)).toEqual([]);

    const app = new App();
    const tagged = new Stack(app, 'Tagged');
    securityHubResources(tagged);
    Tags.of(tagged).add('owner', 'plant-ops');
    Template.fromStack(tagged);
    for (const [type] of CONTROLS) expect(checkType(rule, tagged, type)).toEqual([]);

    const included = newStack();
    includeTemplate(included, {
      Resources: { Policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: {}, Tags: [{ Key: 'cost-center', Value: '42' }] } } },
    });
    expect(checkType(rule, included, 'AWS::IoT::Policy')).toEqual([]);

    const byCondition = new iot.CfnPolicy(newStack(), 'Policy', { policyDocument: {} });
    byCondition.addPropertyOverride('Tags', { 'Fn::If': ['Prod', [{ Key: 'owner', Value: 'ops' }], [{ Key: 'team', Value: 'dev' }]] });
    expect(check(rule, byCondition)).toEqual([]);

    const group = new iot.CfnThingGroup(newStack(), 'Group', {});
    expect(check(rule, group)).toEqual(NOT_APPLICABLE);
  });
});

describe('IoTPracticeTagKeys (INV2)', () => {
  /** INV2 as a pack given `requiredTagKeys: ['criticality', 'owner']` runs it. */
  const rule = (node: CfnResource) => withPackOptions({ requiredTagKeys: ['criticality', 'owner'] }, () => IoTPracticeTagKeys(node));

  test('Not applicable without required keys (the default), so an app without a tagging convention is not flooded', () => {
    const stack = newStack();
    new iot.CfnThingGroup(stack, 'Group', { tags: [{ key: 'team', value: 'ops' }] });
    expect(checkType(IoTPracticeTagKeys, stack, 'AWS::IoT::ThingGroup')).toEqual(NOT_APPLICABLE);
    const names = new IotSecurityChecks().validateScope(stack).violations.map((v) => v.ruleName);
    expect(names.filter((n) => n.startsWith('IoTSecurity-INV2'))).toEqual([]);
  });

  test('the keys are an option of the pack: one finding per resource names every missing key', () => {
    const stack = newStack();
    new iot.CfnThingGroup(stack, 'Group', { tags: [{ key: 'team', value: 'ops' }] });
    new iot.CfnPolicy(stack, 'Policy', { policyDocument: {}, tags: [{ key: 'cost-center', value: '' }] });
    const report = new IotSecurityChecks(undefined, { requiredTagKeys: ['team', 'cost-center', 'owner'] }).validateScope(stack);
    const inv2 = report.violations.filter((v) => v.ruleName.startsWith('IoTSecurity-INV2'))
      .flatMap((v) => v.violatingResources.map((r) => `${r.constructPath} ${v.ruleName}`)).sort();
    expect(inv2).toEqual([
      'Test/Group IoTSecurity-INV2[MissingTags::cost-center,owner]',
      'Test/Policy IoTSecurity-INV2[EmptyTags::cost-center]',
      'Test/Policy IoTSecurity-INV2[MissingTags::team,owner]',
    ]);
  });

  test('rejects required keys that are not a list of non-empty strings', () => {
    expect(() => new IotSecurityChecks(undefined, { requiredTagKeys: ['owner', ''] })).toThrow(/requiredTagKeys must be a list of non-empty tag keys, got \["owner",""\]/);
    expect(() => new IotSecurityChecks(undefined, { requiredTagKeys: 'owner' as unknown as string[] })).toThrow(/requiredTagKeys must be a list of non-empty tag keys, got "owner"/);
  });

  test('Noncompliance 1: a thing group with neither practice tag', () => {
    const stack = newStack();
    new iot.CfnThingGroup(stack, 'Group', { tags: [{ key: 'team', value: 'ops' }] });
    expect(checkType(rule, stack, 'AWS::IoT::ThingGroup')).toEqual(['MissingTags::criticality,owner']);
  });

  test('Noncompliance 2: tag keys are case sensitive, and an empty owner names no one (included template)', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Rule: {
          Type: 'AWS::IoT::TopicRule',
          Properties: {
            TopicRulePayload: { Sql: "SELECT * FROM 'telemetry/#'", Actions: [] },
            Tags: [{ Key: 'Criticality', Value: 'high' }, { Key: 'owner', Value: '' }],
          },
        },
      },
    });
    expect(checkType(rule, stack, 'AWS::IoT::TopicRule')).toEqual(['EmptyTags::owner', 'MissingTags::criticality']);
  });

  test('Noncompliance 3: an override replaces the tags of a job template', () => {
    const stack = newStack();
    const template = new iot.CfnJobTemplate(stack, 'Template', { jobTemplateId: 't', description: 'd', document: '{}', tags: PRACTICE_TAGS });
    template.addPropertyOverride('Tags', [{ Key: 'owner', Value: 'ops' }]);
    expect(check(rule, template)).toEqual(['MissingTags::criticality']);
  });

  test('Noncompliance 4: a tag entry removed by one branch of a condition; an empty value among a parameter\'s allowed values', () => {
    const stack = newStack();
    const alias = new iot.CfnRoleAlias(stack, 'RoleAlias', { roleArn: ROLE, tags: [{ key: 'owner', value: 'ops' }] });
    alias.addPropertyOverride('Tags.1', { 'Fn::If': ['Prod', { Key: 'criticality', Value: 'high' }, { Ref: 'AWS::NoValue' }] });
    expect(check(rule, alias)).toEqual(['MissingTags::criticality']);
    const owner = new CfnParameter(stack, 'Owner', { allowedValues: ['plant-ops', ''] });
    alias.addPropertyOverride('Tags', [{ Key: 'criticality', Value: 'high' }, { Key: 'owner', Value: owner.valueAsString }]);
    expect(check(rule, alias)).toEqual(['EmptyTags::owner']);
  });

  test('Noncompliance 5: a tag entry known only at deploy time', () => {
    const alias = new iot.CfnRoleAlias(newStack(), 'RoleAlias', { roleArn: ROLE, tags: [{ key: 'owner', value: 'ops' }] });
    alias.addPropertyOverride('Tags.1', { 'Fn::ImportValue': 'criticality-tag' });
    expect(check(rule, alias)).toEqual(['Unresolved::Tags']);
  });

  test('Compliance: AssetTags on a stack, a value from a parameter, and an included thing type', () => {
    const app = new App();
    const stack = new Stack(app, 'Fleet');
    new iot.CfnThingGroup(stack, 'Group', {});
    new iot.CfnPolicy(stack, 'Policy', { policyDocument: {} });
    AssetTags.apply(stack, { criticality: Criticality.SAFETY_CRITICAL, owner: 'plant-ops' });
    Template.fromStack(stack);
    expect(checkType(rule, stack, 'AWS::IoT::ThingGroup')).toEqual([]);
    expect(checkType(rule, stack, 'AWS::IoT::Policy')).toEqual([]);

    const other = newStack();
    const owner = new CfnParameter(other, 'Owner');
    const profile = new iot.CfnSecurityProfile(other, 'Profile', { tags: [{ key: 'criticality', value: 'low' }, { key: 'owner', value: owner.valueAsString }] });
    expect(check(rule, profile)).toEqual([]);

    const included = newStack();
    includeTemplate(included, {
      Resources: { Type: { Type: 'AWS::IoT::ThingType', Properties: { Tags: [{ Key: 'criticality', Value: 'medium' }, { Key: 'owner', Value: 'ops' }] } } },
    });
    expect(checkType(rule, included, 'AWS::IoT::ThingType')).toEqual([]);

    const byCondition = new iot.CfnThingGroup(newStack(), 'Group', { tags: [{ key: 'owner', value: 'ops' }] });
    byCondition.addPropertyOverride('Tags.1', { 'Fn::If': ['Prod', { Key: 'criticality', Value: 'high' }, { Key: 'criticality', Value: 'low' }] });
    expect(check(rule, byCondition)).toEqual([]);
  });
});

describe('inventory rules in the pack', () => {
  test('the pack lists INV1 and INV2 for practice 2; things, which take no tags, meet neither', () => {
    const inventory = ALL_RULES.filter((r) => r.metadata.id.startsWith('INV'));
    expect(inventory.map((r) => r.metadata.id)).toEqual(['INV1', 'INV2']);
    expect(inventory.every((r) => r.metadata.practice === 2)).toBe(true);
    expect(inventory.flatMap((r) => r.metadata.resourceTypes)).not.toContain('AWS::IoT::Thing');
    expect(IoTSecurityHubTagged.metadata.resourceTypes.every((t) => IoTPracticeTagKeys.metadata.resourceTypes.includes(t))).toBe(true);
  });

  test('an untagged policy reports both rules through the pack', () => {
    const stack = newStack();
    new iot.CfnPolicy(stack, 'Policy', { policyDocument: {} });
    const names = new IotSecurityChecks(undefined, { requiredTagKeys: ['criticality', 'owner'] }).validateScope(stack)
      .violations.map((v) => v.ruleName).filter((n) => n.startsWith('IoTSecurity-INV'));
    expect(names.sort()).toEqual([
      'IoTSecurity-INV1[Untagged::IoT.6]',
      'IoTSecurity-INV2[MissingTags::criticality,owner]',
    ]);
  });

  test('a value the typed L1 validator rejects is still judged; a resource that cannot render at all is a finding, not an exception', () => {
    const stack = newStack();
    const dimension = new iot.CfnDimension(stack, 'Dimension', { type: 'TOPIC_FILTER', stringValues: 'admin/#' as unknown as string[] });
    expect(check(IoTSecurityHubTagged, dimension)).toEqual(['Untagged::IoT.3']);
    const broken = new iot.CfnDimension(stack, 'Broken', {
      type: 'TOPIC_FILTER',
      stringValues: Lazy.list({ produce: () => { throw new Error('cannot produce'); } }),
    });
    expect(check(IoTSecurityHubTagged, broken)).toEqual(['Unresolved::Properties']);
    expect(check((node) => withPackOptions({ requiredTagKeys: ['owner'] }, () => IoTPracticeTagKeys(node)), broken)).toEqual(['Unresolved::Properties']);
  });
});
