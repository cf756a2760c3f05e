import { CfnResource } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as fc from 'fast-check';
import { withResolutionCache } from '../../lib/checks/private/cfn';
import { analyzePolicyDocument, PolicyFindings } from '../../lib/checks/private/iot-policy-analyzer';
import {
  IoTPolicyDataPlaneScopedToThing, IoTPolicyDenyNoMqttWildcards, IoTPolicyNoControlPlaneActions,
  IoTPolicyNoWildcardActions, IoTPolicyResolvable,
} from '../../lib/checks/rules';
import { newStack } from './rule-test-helpers';

const RULES = [IoTPolicyNoWildcardActions, IoTPolicyDataPlaneScopedToThing, IoTPolicyNoControlPlaneActions, IoTPolicyDenyNoMqttWildcards, IoTPolicyResolvable];

/** Strings that mean something to the analyzer, mixed with noise. */
const interesting = fc.constantFrom(
  '*', '?', 'iot:*', 'IOT:Conn*', 'iot:?onnect', 'iot:Publish', 'iam:*', '*:*', 'iot', ':', '',
  'Allow', 'Deny', 'allow', 'arn:aws:iot:us-east-1:123456789012:topic/*', 'arn:aws:iot:*:*:*',
  'arn:aws:iot:us-east-1:1:client/${iot:ClientId}', 'arn:aws:iot:us-east-1:1:topicfilter/${iot:Connection.Thing.ThingName}/#',
  '${iot:Connection.Thing.ThingName}', '${!Literal}', '${AWS::Region}', '${', '}', '${}', '${*}', '${Thing.Arn}',
  '\uE000', '\uE0010\uE001', '+', '#', '{"Statement":', '{}', '[]', 'null', '__proto__', 'AWS::NoValue', 'AWS::Region',
);
const text = fc.oneof(interesting, fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 }));
const KEYS = [
  'Version', 'Statement', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition', 'Bool',
  'iot:Connection.Thing.IsAttached', 'Ref', 'Fn::Join', 'Fn::Sub', 'Fn::If', 'Fn::GetAtt', 'Fn::Select', 'Fn::Split',
  'Fn::ImportValue', 'Fn::ToJsonString', 'Fn::Base64', '__proto__', 'constructor', 'x',
];

const { value } = fc.letrec<{ value: unknown; intrinsic: unknown; statement: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer(),
    fc.double(),
    fc.constant(null),
    fc.boolean(),
    tie('intrinsic'),
    tie('statement'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }),
  ),
  intrinsic: fc.oneof(
    fc.record({ Ref: fc.oneof(text, tie('value')) }),
    fc.record({ 'Fn::Join': fc.oneof(fc.tuple(text, fc.array(tie('value'), { maxLength: 4 })), tie('value')) }),
    fc.record({ 'Fn::Sub': fc.oneof(text, fc.tuple(text, fc.dictionary(text, tie('value'), { maxKeys: 3 })), tie('value')) }),
    fc.record({ 'Fn::GetAtt': fc.oneof(fc.tuple(text, text), text, tie('value')) }),
    fc.record({ 'Fn::Select': fc.tuple(fc.oneof(fc.nat(3), text), tie('value')) }),
    fc.record({ 'Fn::Split': fc.tuple(text, tie('value')) }),
    fc.record({ 'Fn::If': fc.tuple(text, tie('value'), tie('value')) }),
    fc.record({ 'Fn::ImportValue': tie('value') }),
    fc.record({ 'Fn::ToJsonString': tie('value') }),
  ),
  statement: fc.record({
    Effect: fc.oneof(fc.constantFrom('Allow', 'Deny'), tie('value')),
    Action: fc.oneof(text, fc.array(text, { maxLength: 4 }), tie('value')),
    NotAction: fc.oneof(text, fc.array(text, { maxLength: 3 }), tie('value')),
    Resource: fc.oneof(text, fc.array(fc.oneof(text, tie('intrinsic')), { maxLength: 4 }), tie('value')),
    NotResource: fc.oneof(text, tie('value')),
    Condition: tie('value'),
  }, { requiredKeys: [] }),
}));

const document = fc.oneof(
  value,
  fc.record({ Version: fc.constant('2012-10-17'), Statement: fc.oneof(value, fc.array(value, { maxLength: 4 })) }),
  value.map((v) => JSON.stringify(v) ?? 'undefined'),
  fc.tuple(value, fc.nat(40)).map(([v, cut]) => (JSON.stringify(v) ?? '').slice(0, cut)),
);

function isWellFormed(f: PolicyFindings): boolean {
  return Object.values(f).every((list) => Array.isArray(list) && list.every((s) => typeof s === 'string'));
}

describe('the analyzer on random input', () => {
  test('never throws and always returns lists of finding IDs', () => {
    fc.assert(fc.property(document, fc.constantFrom('cloudformation', 'provisioning', 'none'), (doc, dialect) => {
      const findings = analyzePolicyDocument(doc, { dialect: dialect as 'cloudformation' | 'provisioning' | 'none' });
      expect(isWellFormed(findings)).toBe(true);
    }), { numRuns: 500 });
  });

  test('an Allow of iot:* is always found once, as a wildcard action, whatever else the statement holds', () => {
    fc.assert(fc.property(fc.array(value, { maxLength: 3 }), value, (others, resource) => {
      const findings = analyzePolicyDocument({ Statement: [...others, { Effect: 'Allow', Action: ['iot:*'], Resource: resource }] });
      expect(findings.wildcardActions).toContain('Action::iot:*');
      expect(findings.controlPlane).not.toContain('Action::iot:*');
    }), { numRuns: 200 });
  });
});

describe('the rules on random resources', () => {
  test('never throw, on policies, provisioning templates and custom resources', () => {
    fc.assert(fc.property(document, value, (doc, call) => {
      const stack = newStack();
      const nodes: CfnResource[] = [
        new CfnResource(stack, 'Policy', { type: 'AWS::IoT::Policy', properties: { PolicyDocument: doc } }),
        new CfnResource(stack, 'Template', {
          type: 'AWS::IoT::ProvisioningTemplate',
          properties: { TemplateBody: JSON.stringify({ Resources: { p: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: doc } } } }) },
        }),
        new CfnResource(stack, 'Custom', {
          type: 'Custom::AWS',
          properties: { Create: JSON.stringify({ service: 'Iot', action: 'createPolicy', parameters: { policyDocument: doc } }), Update: call },
        }),
      ];
      // The typed L1 refuses a missing document at construction; that is CDK's check, not ours.
      if (doc !== null && doc !== undefined) nodes.push(new iot.CfnPolicy(stack, 'Typed', { policyDocument: doc }));
      withResolutionCache(() => {
        for (const node of nodes) {
          for (const rule of RULES) {
            const result = rule(node);
            expect(typeof result === 'string' || (Array.isArray(result) && result.every((s) => typeof s === 'string'))).toBe(true);
          }
        }
      });
    }), { numRuns: 150 });
  });
});
