import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AssetTags, Criticality, DataClass } from '../../lib/core';

function stackWithTopic() {
  const stack = new Stack(new App(), 'S');
  new sns.Topic(stack, 'Topic');
  return stack;
}

test('tags every taggable resource with criticality, owner and data-class', () => {
  const stack = stackWithTopic();
  AssetTags.apply(stack, { criticality: Criticality.SAFETY_CRITICAL, owner: 'plant-ops@example.com', dataClass: DataClass.RESTRICTED });
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', {
    Tags: [
      { Key: 'criticality', Value: 'safety-critical' },
      { Key: 'data-class', Value: 'restricted' },
      { Key: 'owner', Value: 'plant-ops@example.com' },
    ],
  });
});

test('data-class is left off when not given', () => {
  const stack = stackWithTopic();
  AssetTags.apply(stack, { criticality: Criticality.LOW, owner: 'team' });
  const tags = Template.fromStack(stack).findResources('AWS::SNS::Topic');
  expect(Object.values(tags)[0].Properties.Tags.map((t: { Key: string }) => t.Key)).toEqual(['criticality', 'owner']);
});

test('a tag set closer to the resource wins', () => {
  const stack = stackWithTopic();
  AssetTags.apply(stack, { criticality: Criticality.LOW, owner: 'team' });
  AssetTags.apply(stack.node.findChild('Topic'), { criticality: Criticality.HIGH, owner: 'team' });
  Template.fromStack(stack).hasResourceProperties('AWS::SNS::Topic', {
    Tags: [{ Key: 'criticality', Value: 'high' }, { Key: 'owner', Value: 'team' }],
  });
});

test.each([
  [{ criticality: 'urgent' as Criticality, owner: 'x' }, /S: AssetTags: criticality must be one of low, medium, high, safety-critical, got "urgent"/],
  [{ criticality: Criticality.LOW, owner: '' }, /S: AssetTags: owner must be 1-256 letters.*got ""/],
  [{ criticality: Criticality.LOW, owner: 'a;b' }, /owner must be 1-256 letters.*got "a;b"/],
  [{ criticality: Criticality.LOW, owner: 'x', dataClass: 'secret' as DataClass }, /dataClass must be one of public, internal, confidential, restricted, got "secret"/],
  [{ criticality: Criticality.LOW, owner: 'x', data_class: 'internal' } as never, /S: AssetTags: unknown prop 'data_class' \(did you mean 'dataClass'\?\); the props are criticality, owner, dataClass/],
])('rejects %j with the path, the prop and what is allowed', (props, message) => {
  expect(() => AssetTags.apply(stackWithTopic(), props)).toThrow(message);
});

test('reports a missing props object as bad input, not a TypeError', () => {
  expect(() => AssetTags.apply(stackWithTopic(), undefined as never)).toThrow(/AssetTags: criticality must be one of/);
});
