import { App, ArnFormat, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { confusedDeputySafePrincipal, sourceArnIn } from '../../lib/core/private/confused-deputy';
import { confusedDeputyFindingsOf } from '../runtime/trust-policy';

describe('confusedDeputySafePrincipal', () => {
  test('a role it trusts is bounded to this account and, given one, to the source ARN', () => {
    const stack = new Stack(new App(), 'S');
    new iam.Role(stack, 'R', { assumedBy: confusedDeputySafePrincipal(stack, 'iot.amazonaws.com', { sourceArn: sourceArnIn(stack, 'iot', 'rule', 'telemetry') }) });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'iot.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iot:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':rule/telemetry']] } },
          },
        }],
      },
    });
    expect(confusedDeputyFindingsOf(Template.fromStack(stack).toJSON())).toEqual([]);
  });

  test('grants to it carry the conditions into key and topic policies', () => {
    const stack = new Stack(new App(), 'S');
    const key = new kms.Key(stack, 'K');
    const topic = new sns.Topic(stack, 'T', { masterKey: key });
    topic.grantPublish(confusedDeputySafePrincipal(stack, 'cloudwatch.amazonaws.com'));
    const template = Template.fromStack(stack).toJSON();
    expect(confusedDeputyFindingsOf(template)).toEqual([]);
    // Without the helper the same grant admits CloudWatch acting for any account.
    const bare = new Stack(new App(), 'B');
    new sns.Topic(bare, 'T', { masterKey: new kms.Key(bare, 'K') }).grantPublish(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));
    expect(confusedDeputyFindingsOf(Template.fromStack(bare).toJSON())).toHaveLength(2);
  });

  test('in a pinned stack the account is the literal, and a source ARN of another account or a wildcard account is refused', () => {
    const stack = new Stack(new App(), 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
    new iam.Role(stack, 'R', { assumedBy: confusedDeputySafePrincipal(stack, 'events.amazonaws.com', { sourceArn: 'arn:aws:events:eu-west-1:111122223333:rule/r' }) });
    expect(confusedDeputyFindingsOf(Template.fromStack(stack).toJSON(), 'aws://111122223333/eu-west-1')).toEqual([]);
    expect(() => confusedDeputySafePrincipal(stack, 'events.amazonaws.com', { sourceArn: 'arn:aws:events:eu-west-1:999999999999:rule/r' }))
      .toThrow(/S: confusedDeputySafePrincipal\(events.amazonaws.com\): sourceArn must be in this stack's account \(111122223333\), got "arn:aws:events:eu-west-1:999999999999:rule\/r"/);
    expect(() => confusedDeputySafePrincipal(stack, 'events.amazonaws.com', { sourceArn: 'arn:aws:events:eu-west-1:*:rule/r' }))
      .toThrow(/must name the account \(no wildcard\)/);
    expect(() => confusedDeputySafePrincipal(stack, 'events.amazonaws.com', { sourceArn: 'rule/r' })).toThrow(/must be an ARN/);
    expect(() => confusedDeputySafePrincipal(stack, 'events', {})).toThrow(/service must be a service principal such as 'iot.amazonaws.com', got "events"/);
  });

  test('sourceArnIn formats an ARN of this stack, colon-separated where the service writes it so', () => {
    const stack = new Stack(new App(), 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
    expect(stack.resolve(sourceArnIn(stack, 'backup', 'backup-vault', 'v', ArnFormat.COLON_RESOURCE_NAME)))
      .toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':backup:eu-west-1:111122223333:backup-vault:v']] });
    expect(stack.resolve(sourceArnIn(stack, 'ec2', 'vpc-flow-log', '*')))
      .toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-1:111122223333:vpc-flow-log/*']] });
  });
});
