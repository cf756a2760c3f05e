import * as actions from '@aws-cdk/aws-iot-actions-alpha';
import * as iotAlpha from '@aws-cdk/aws-iot-alpha';
import { CfnParameter } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IoTTopicRuleS3PrivateAcl as DAT3 } from '../../../lib/checks/rules';
import { check, checkType, COMPLIANT, includeTemplate, newStack } from '../rule-test-helpers';

const TYPE = 'AWS::IoT::TopicRule';
const ROLE = 'arn:aws:iam::123456789012:role/rule';

function s3Action(cannedAcl?: unknown): object {
  return { S3: { BucketName: 'telemetry', Key: '${topic()}/${timestamp()}', RoleArn: ROLE, ...(cannedAcl === undefined ? {} : { CannedAcl: cannedAcl }) } };
}

function ruleTemplate(actions: object[], errorAction?: object, extra: object = {}): object {
  return {
    ...extra,
    Resources: { R: { Type: TYPE, Properties: { TopicRulePayload: { Sql: "SELECT * FROM 'sensors/+'", Actions: actions, ...(errorAction ? { ErrorAction: errorAction } : {}) } } } },
  };
}

describe('DAT3 IoTTopicRuleS3PrivateAcl', () => {
  test.each(['public-read', 'public-read-write', 'authenticated-read'])('Noncompliance: CannedAcl %s on an action (L1)', (acl) => {
    const r = new iot.CfnTopicRule(newStack(), 'R', {
      topicRulePayload: { sql: "SELECT * FROM 'sensors/+'", actions: [{ s3: { bucketName: 'telemetry', key: 'k', roleArn: ROLE, cannedAcl: acl } }] },
    });
    expect(check(DAT3, r)).toEqual(['PublicAcl::TopicRulePayload.Actions.0.S3.CannedAcl']);
  });

  test('Noncompliance: the L2 S3PutObjectAction with accessControl PUBLIC_READ; compliant with the default', () => {
    for (const [accessControl, expected] of [[s3.BucketAccessControl.PUBLIC_READ, ['PublicAcl::TopicRulePayload.Actions.0.S3.CannedAcl']], [undefined, COMPLIANT]] as const) {
      const stack = newStack();
      const bucket = new s3.Bucket(stack, 'Bucket');
      new iotAlpha.TopicRule(stack, 'R', {
        sql: iotAlpha.IotSql.fromStringAsVer20160323("SELECT * FROM 'sensors/+'"),
        actions: [new actions.S3PutObjectAction(bucket, { accessControl })],
      });
      expect(checkType(DAT3, stack, TYPE)).toEqual(expected);
    }
  });

  test('Noncompliance: on the error action, in upper case, and in one Fn::If branch (plain template)', () => {
    const stack = newStack();
    includeTemplate(stack, ruleTemplate(
      [{ Lambda: { FunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f' } }, s3Action({ 'Fn::If': ['Open', 'public-read', 'private'] })],
      s3Action('PUBLIC-READ'),
      { Conditions: { Open: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } } },
    ));
    expect(checkType(DAT3, stack, TYPE)).toEqual([
      'PublicAcl::TopicRulePayload.Actions.1.S3.CannedAcl',
      'PublicAcl::TopicRulePayload.ErrorAction.S3.CannedAcl',
    ]);
  });

  test('Noncompliance: a parameter whose allowed values include public-read', () => {
    const stack = newStack();
    const acl = new CfnParameter(stack, 'Acl', { allowedValues: ['private', 'public-read'] });
    const r = new iot.CfnTopicRule(stack, 'R', {
      topicRulePayload: { sql: "SELECT * FROM 'a'", actions: [{ s3: { bucketName: 'b', key: 'k', roleArn: ROLE, cannedAcl: acl.valueAsString } }] },
    });
    expect(check(DAT3, r)).toEqual(['PublicAcl::TopicRulePayload.Actions.0.S3.CannedAcl']);
  });

  test('Compliance: no ACL, private, bucket-owner-full-control; rules without S3 actions', () => {
    const stack = newStack();
    includeTemplate(stack, ruleTemplate([s3Action(), s3Action('private')], s3Action('bucket-owner-full-control')));
    expect(checkType(DAT3, stack, TYPE)).toEqual(COMPLIANT);
    const r = new iot.CfnTopicRule(newStack(), 'R', {
      topicRulePayload: { sql: "SELECT * FROM 'a'", actions: [{ sqs: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q', roleArn: ROLE } }] },
    });
    expect(check(DAT3, r)).toEqual(COMPLIANT);
  });

  test('an ACL from a parameter without allowed values, or actions from an import, is Unresolved', () => {
    const stack = newStack();
    includeTemplate(stack, ruleTemplate([s3Action({ Ref: 'Acl' })], undefined, { Parameters: { Acl: { Type: 'String' } } }));
    expect(checkType(DAT3, stack, TYPE)).toEqual(['Unresolved::TopicRulePayload.Actions.0.S3.CannedAcl']);
    const s2 = newStack();
    includeTemplate(s2, { Resources: { R: { Type: TYPE, Properties: { TopicRulePayload: { Sql: 'SELECT 1', Actions: { 'Fn::ImportValue': 'actions' } } } } } });
    expect(checkType(DAT3, s2, TYPE)).toEqual(['Unresolved::TopicRulePayload.Actions']);
  });
});
