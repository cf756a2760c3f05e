import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IoTDeviceDataStoreRecoverable, IoTTopicRuleErrorActionSeparate } from '../../../lib/checks/rules/continuity';
import { cfnResources, check, checkType, COMPLIANT, includeTemplate, newStack, NOT_APPLICABLE } from '../rule-test-helpers';

const ROLE = 'arn:aws:iam::111111111111:role/rule';
const TABLE = 'AWS::DynamoDB::Table';
const BUCKET = 'AWS::S3::Bucket';

function topicRule(action: object, errorAction?: object): object {
  return { Type: 'AWS::IoT::TopicRule', Properties: { TopicRulePayload: { Sql: "SELECT * FROM 'd/+/t'", Actions: [action], ErrorAction: errorAction } } };
}

const KEY = [{ AttributeName: 'id', KeyType: 'HASH' }];
const ATTRS = [{ AttributeName: 'id', AttributeType: 'S' }];

describe('BC1 IoTDeviceDataStoreRecoverable', () => {
  test('Noncompliance: a plain-template table a DynamoDBv2 action writes to, without PITR and deleted with the stack (default policy)', () => {
    const s = newStack();
    includeTemplate(s, {
      Resources: {
        Readings: { Type: TABLE, Properties: { KeySchema: KEY, AttributeDefinitions: ATTRS, BillingMode: 'PAY_PER_REQUEST' } },
        Rule: topicRule({ DynamoDBv2: { RoleArn: ROLE, PutItem: { TableName: { Ref: 'Readings' } } } }),
      },
    });
    expect(checkType(IoTDeviceDataStoreRecoverable, s, TABLE)).toEqual(['Unrecoverable::PointInTimeRecovery+DeletionPolicy+UpdateReplacePolicy']);
  });

  test('Noncompliance: a table named literally in a DynamoDB (v1) error action; PITR off in one Fn::If branch', () => {
    const s = newStack();
    includeTemplate(s, {
      Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } },
      Resources: {
        Failed: {
          Type: TABLE, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain',
          Properties: { TableName: 'failed', KeySchema: KEY, AttributeDefinitions: ATTRS, BillingMode: 'PAY_PER_REQUEST', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: { 'Fn::If': ['IsProd', true, false] } } },
        },
        Rule: topicRule({ Lambda: { FunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:f' } }, { DynamoDB: { RoleArn: ROLE, TableName: 'failed', HashKeyField: 'id', HashKeyValue: '${newuuid()}' } }),
      },
    });
    expect(checkType(IoTDeviceDataStoreRecoverable, s, TABLE)).toEqual(['Unrecoverable::PointInTimeRecovery']);
  });

  test('Noncompliance: an unversioned L2 bucket CDK empties on delete (autoDeleteObjects), written through a Firehose stream of the stack', () => {
    const s = newStack();
    const bucket = new s3.Bucket(s, 'Raw', { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
    new firehose.CfnDeliveryStream(s, 'Stream', {
      deliveryStreamName: 'raw', extendedS3DestinationConfiguration: { bucketArn: bucket.bucketArn, roleArn: ROLE },
    });
    new iot.CfnTopicRule(s, 'Rule', { topicRulePayload: { sql: "SELECT * FROM 'd/+/t'", actions: [{ firehose: { deliveryStreamName: 'raw', roleArn: ROLE } }] } });
    expect(check(IoTDeviceDataStoreRecoverable, bucket.node.defaultChild as s3.CfnBucket)).toEqual(['Unrecoverable::Versioning+DeletionPolicy+UpdateReplacePolicy']);
  });

  test('Compliance: the L2 table with PITR (CDK retains it), a versioned bucket an S3 action writes to, a protected table named by Fn::Sub', () => {
    const s = newStack();
    const table = new dynamodb.Table(s, 'T', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true } });
    const bucket = new s3.Bucket(s, 'B', { versioned: true });
    new iot.CfnTopicRule(s, 'Rule', {
      topicRulePayload: {
        sql: "SELECT * FROM 'd/+/t'",
        actions: [
          { dynamoDBv2: { roleArn: ROLE, putItem: { tableName: table.tableName } } },
          { s3: { roleArn: ROLE, bucketName: bucket.bucketName, key: '${topic()}/${timestamp()}' } },
        ],
      },
    });
    expect(check(IoTDeviceDataStoreRecoverable, table.node.defaultChild as dynamodb.CfnTable)).toEqual(COMPLIANT);
    expect(check(IoTDeviceDataStoreRecoverable, bucket.node.defaultChild as s3.CfnBucket)).toEqual(COMPLIANT);

    const s2 = newStack();
    includeTemplate(s2, {
      Resources: {
        Readings: { Type: TABLE, Properties: { DeletionProtectionEnabled: true, KeySchema: KEY, AttributeDefinitions: ATTRS, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: 'true' } } },
        Rule: topicRule({ DynamoDBv2: { RoleArn: ROLE, PutItem: { TableName: { 'Fn::Sub': '${Readings}' } } } }),
      },
    });
    expect(checkType(IoTDeviceDataStoreRecoverable, s2, TABLE)).toEqual(COMPLIANT);
  });

  test('Not applicable: stores no topic rule writes to, and apps without topic rules', () => {
    const s = newStack();
    includeTemplate(s, {
      Resources: {
        Other: { Type: BUCKET, Properties: {} },
        Readings: { Type: TABLE, Properties: { KeySchema: KEY, AttributeDefinitions: ATTRS } },
        Rule: topicRule({ S3: { RoleArn: ROLE, BucketName: 'someone-elses', Key: 'k' } }),
      },
    });
    expect(checkType(IoTDeviceDataStoreRecoverable, s, BUCKET)).toEqual(NOT_APPLICABLE);
    expect(checkType(IoTDeviceDataStoreRecoverable, s, TABLE)).toEqual(NOT_APPLICABLE);
  });
});

describe('BC1 one finding per store, every reason in it', () => {
  test('a reason and an unreadable value are one finding; unreadable values alone are one Unresolved finding', () => {
    const s = newStack();
    includeTemplate(s, {
      Parameters: { Pitr: { Type: 'String' } },
      Resources: {
        Mixed: { Type: TABLE, Properties: { KeySchema: KEY, AttributeDefinitions: ATTRS, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: { Ref: 'Pitr' } } } },
        Rule: topicRule({ DynamoDBv2: { RoleArn: ROLE, PutItem: { TableName: { Ref: 'Mixed' } } } }),
      },
    });
    expect(checkType(IoTDeviceDataStoreRecoverable, s, TABLE))
      .toEqual(['Unrecoverable::DeletionPolicy+UpdateReplacePolicy+Unresolved:PointInTimeRecoverySpecification']);

    const s2 = newStack();
    includeTemplate(s2, {
      Parameters: { Pitr: { Type: 'String' } },
      Resources: {
        Kept: {
          Type: TABLE, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain',
          Properties: { KeySchema: KEY, AttributeDefinitions: ATTRS, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: { Ref: 'Pitr' } } },
        },
        Rule: topicRule({ DynamoDBv2: { RoleArn: ROLE, PutItem: { TableName: { Ref: 'Kept' } } } }),
      },
    });
    expect(checkType(IoTDeviceDataStoreRecoverable, s2, TABLE)).toEqual(['Unresolved::PointInTimeRecoverySpecification']);
  });
});

describe('BC1 reads the deletion policies as the template will hold them', () => {
  test('a raw override to Retain is credited, one to Delete is not', () => {
    const s = newStack();
    const table = new dynamodb.CfnTable(s, 'T', {
      keySchema: [{ attributeName: 'id', keyType: 'HASH' }], attributeDefinitions: [{ attributeName: 'id', attributeType: 'S' }], pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });
    table.addOverride('DeletionPolicy', 'Retain');
    table.addOverride('UpdateReplacePolicy', 'Retain');
    new iot.CfnTopicRule(s, 'Rule', { topicRulePayload: { sql: "SELECT * FROM 'd/+/t'", actions: [{ dynamoDBv2: { roleArn: ROLE, putItem: { tableName: table.ref } } }] } });
    expect(check(IoTDeviceDataStoreRecoverable, table)).toEqual(COMPLIANT);
    table.addOverride('DeletionPolicy', 'Delete');
    expect(check(IoTDeviceDataStoreRecoverable, table)).toEqual(['Unrecoverable::DeletionPolicy']);
  });
});

describe('BC2 IoTTopicRuleErrorActionSeparate', () => {
  const RULE = 'AWS::IoT::TopicRule';

  test('Noncompliance: the error action writes to the table the action writes to (L1 by Ref), and to the same literal bucket in a plain template', () => {
    const s = newStack();
    const table = new dynamodb.Table(s, 'T', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    const rule = new iot.CfnTopicRule(s, 'Rule', {
      topicRulePayload: {
        sql: "SELECT * FROM 'd/+/t'",
        actions: [{ dynamoDBv2: { roleArn: ROLE, putItem: { tableName: table.tableName } } }],
        errorAction: { dynamoDBv2: { roleArn: ROLE, putItem: { tableName: table.tableName } } },
      },
    });
    expect(check(IoTTopicRuleErrorActionSeparate, rule)).toEqual(['SameDestination::DynamoDBv2']);

    const s2 = newStack();
    includeTemplate(s2, {
      Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } },
      Resources: {
        Rule: topicRule({ S3: { RoleArn: ROLE, BucketName: 'raw', Key: 'k' } }, { 'Fn::If': ['IsProd', { S3: { RoleArn: ROLE, BucketName: 'raw', Key: 'failed/k' } }, { Sqs: { RoleArn: ROLE, QueueUrl: 'https://q' } }] }),
      },
    });
    expect(checkType(IoTTopicRuleErrorActionSeparate, s2, RULE)).toEqual(['SameDestination::S3']);
  });

  test('Compliance: an error queue apart from the table, another bucket, no error action (DAT1\'s)', () => {
    const s = newStack();
    includeTemplate(s, {
      Resources: {
        Table: { Type: TABLE, Properties: { KeySchema: KEY, AttributeDefinitions: ATTRS } },
        Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
        A: topicRule({ DynamoDBv2: { RoleArn: ROLE, PutItem: { TableName: { Ref: 'Table' } } } }, { Sqs: { RoleArn: ROLE, QueueUrl: { Ref: 'Queue' } } }),
        B: topicRule({ S3: { RoleArn: ROLE, BucketName: 'raw', Key: 'k' } }, { S3: { RoleArn: ROLE, BucketName: 'failed', Key: 'k' } }),
        C: topicRule({ S3: { RoleArn: ROLE, BucketName: 'raw', Key: 'k' } }),
      },
    });
    for (const r of cfnResources(s).filter((x) => x.cfnResourceType === RULE)) expect(check(IoTTopicRuleErrorActionSeparate, r)).toEqual(COMPLIANT);
  });
});
