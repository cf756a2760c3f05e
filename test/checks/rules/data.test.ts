import { Fn } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IoTEncryptionCustomerManagedKey, IoTTopicRuleErrorAction } from '../../../lib/checks/rules/data';
import { Practice } from '../../../lib/core/practice';
import { check, checkType, COMPLIANT, includeTemplate, newStack, NON_COMPLIANT, NOT_APPLICABLE } from '../rule-test-helpers';

const IS_PROD = { IsProd: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } };
const LOGS_ACTION = { CloudwatchLogs: { LogGroupName: 'iot-rule-errors', RoleArn: 'arn:aws:iam::111111111111:role/rule' } };
const SQS_ACTION = { Sqs: { QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111111111111/telemetry', RoleArn: 'arn:aws:iam::111111111111:role/rule' } };

describe('DAT1 IoTTopicRuleErrorAction', () => {
  const TYPE = 'AWS::IoT::TopicRule';
  const ruleIn = (payload: object, conditions: object = {}) => ({
    Conditions: conditions,
    Resources: { Rule: { Type: TYPE, Properties: { TopicRulePayload: { Sql: "SELECT * FROM 'dt/+/telemetry'", Actions: [SQS_ACTION], ...payload } } } },
  });

  test('Noncompliance 1: no error action (L1)', () => {
    const stack = newStack();
    new iot.CfnTopicRule(stack, 'Rule', { topicRulePayload: { sql: "SELECT * FROM 'dt/#'", actions: [{ sqs: { queueUrl: 'q', roleArn: 'r' } }] } });
    expect(checkType(IoTTopicRuleErrorAction, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 2: no error action in a plain template, even when the rule is disabled', () => {
    const stack = newStack();
    includeTemplate(stack, ruleIn({ RuleDisabled: 'true' }));
    expect(checkType(IoTTopicRuleErrorAction, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 3: an override removes the error action', () => {
    const stack = newStack();
    const r = new iot.CfnTopicRule(stack, 'Rule', {
      topicRulePayload: { sql: "SELECT * FROM 'dt/#'", actions: [], errorAction: { cloudwatchLogs: { logGroupName: 'e', roleArn: 'r' } } },
    });
    r.addPropertyDeletionOverride('TopicRulePayload.ErrorAction');
    expect(check(IoTTopicRuleErrorAction, r)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 4: one Fn::If branch has no error action', () => {
    const stack = newStack();
    includeTemplate(stack, ruleIn({ ErrorAction: { 'Fn::If': ['IsProd', LOGS_ACTION, { Ref: 'AWS::NoValue' }] } }, IS_PROD));
    expect(checkType(IoTTopicRuleErrorAction, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Compliance: an error action from the L1, a plain template, and behind Fn::If on both branches', () => {
    const stack = newStack();
    const r = new iot.CfnTopicRule(stack, 'Rule', {
      topicRulePayload: { sql: "SELECT * FROM 'dt/#'", actions: [], errorAction: { cloudwatchLogs: { logGroupName: 'e', roleArn: 'r' } } },
    });
    expect(check(IoTTopicRuleErrorAction, r)).toEqual(COMPLIANT);

    const s2 = newStack();
    includeTemplate(s2, ruleIn({ ErrorAction: LOGS_ACTION }));
    expect(checkType(IoTTopicRuleErrorAction, s2, TYPE)).toEqual(COMPLIANT);

    const s3 = newStack();
    includeTemplate(s3, ruleIn({ ErrorAction: { 'Fn::If': ['IsProd', LOGS_ACTION, SQS_ACTION] } }, IS_PROD));
    expect(checkType(IoTTopicRuleErrorAction, s3, TYPE)).toEqual(COMPLIANT);
  });

  test('Not applicable to other types', () => {
    const stack = newStack();
    expect(check(IoTTopicRuleErrorAction, new iot.CfnThing(stack, 'T'))).toEqual(NOT_APPLICABLE);
  });
});

describe('DAT2 IoTEncryptionCustomerManagedKey', () => {
  const TYPE = 'AWS::IoT::EncryptionConfiguration';
  const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const ROLE = 'arn:aws:iam::111111111111:role/iot-kms';
  const configIn = (props: object, parameters: object = {}, conditions: object = {}) => ({
    Parameters: parameters,
    Conditions: conditions,
    Resources: { Enc: { Type: TYPE, Properties: props } },
  });

  test('Noncompliance 1: AWS-owned key (L1)', () => {
    const stack = newStack();
    new iot.CfnEncryptionConfiguration(stack, 'Enc', { encryptionType: 'AWS_OWNED_KMS_KEY' });
    expect(checkType(IoTEncryptionCustomerManagedKey, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 2: customer-managed type without a key, in a plain template', () => {
    const stack = newStack();
    includeTemplate(stack, configIn({ EncryptionType: 'CUSTOMER_MANAGED_KMS_KEY', KmsAccessRoleArn: ROLE }));
    expect(checkType(IoTEncryptionCustomerManagedKey, stack, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 3: an override switches back to the AWS-owned key', () => {
    const stack = newStack();
    const e = new iot.CfnEncryptionConfiguration(stack, 'Enc', { encryptionType: 'CUSTOMER_MANAGED_KMS_KEY', kmsKeyArn: KEY, kmsAccessRoleArn: ROLE });
    e.addPropertyOverride('EncryptionType', 'AWS_OWNED_KMS_KEY');
    expect(check(IoTEncryptionCustomerManagedKey, e)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 4: Fn::If on the type or on the key', () => {
    const stack = newStack();
    includeTemplate(stack, configIn({ EncryptionType: { 'Fn::If': ['IsProd', 'CUSTOMER_MANAGED_KMS_KEY', 'AWS_OWNED_KMS_KEY'] }, KmsKeyArn: KEY, KmsAccessRoleArn: ROLE }, {}, IS_PROD));
    expect(checkType(IoTEncryptionCustomerManagedKey, stack, TYPE)).toEqual(NON_COMPLIANT);

    const s2 = newStack();
    includeTemplate(s2, configIn({ EncryptionType: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyArn: { 'Fn::If': ['IsProd', KEY, { Ref: 'AWS::NoValue' }] }, KmsAccessRoleArn: ROLE }, {}, IS_PROD));
    expect(checkType(IoTEncryptionCustomerManagedKey, s2, TYPE)).toEqual(NON_COMPLIANT);
  });

  test('Noncompliance 5: a type from a parameter or an import is unresolved', () => {
    const stack = newStack();
    includeTemplate(stack, configIn({ EncryptionType: { Ref: 'Kind' }, KmsKeyArn: KEY, KmsAccessRoleArn: ROLE }, { Kind: { Type: 'String', Default: 'CUSTOMER_MANAGED_KMS_KEY' } }));
    expect(checkType(IoTEncryptionCustomerManagedKey, stack, TYPE)).toEqual(['Unresolved::EncryptionType']);

    const s2 = newStack();
    const e = new iot.CfnEncryptionConfiguration(s2, 'Enc', { encryptionType: Fn.importValue('Kind'), kmsKeyArn: KEY });
    expect(check(IoTEncryptionCustomerManagedKey, e)).toEqual(['Unresolved::EncryptionType']);
  });

  test('Noncompliance 6: a type CloudFormation would reject is invalid', () => {
    const stack = newStack();
    const e = new iot.CfnEncryptionConfiguration(stack, 'Enc', { encryptionType: 'CUSTOMER_MANAGED_KMS_KEY', kmsKeyArn: KEY, kmsAccessRoleArn: ROLE });
    e.addPropertyOverride('EncryptionType', ['CUSTOMER_MANAGED_KMS_KEY']);
    expect(check(IoTEncryptionCustomerManagedKey, e)).toEqual(['Invalid::EncryptionType']);
  });

  test('Compliance: a customer-managed key of the stack, a literal key ARN, a key ARN from a parameter', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const e = new iot.CfnEncryptionConfiguration(stack, 'Enc', { encryptionType: 'CUSTOMER_MANAGED_KMS_KEY', kmsKeyArn: key.keyArn, kmsAccessRoleArn: ROLE });
    expect(check(IoTEncryptionCustomerManagedKey, e)).toEqual(COMPLIANT);

    const s2 = newStack();
    includeTemplate(s2, configIn({ EncryptionType: 'customer_managed_kms_key', KmsKeyArn: KEY, KmsAccessRoleArn: ROLE }));
    expect(checkType(IoTEncryptionCustomerManagedKey, s2, TYPE)).toEqual(COMPLIANT);

    const s3 = newStack();
    includeTemplate(s3, configIn({ EncryptionType: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyArn: { Ref: 'KeyArn' }, KmsAccessRoleArn: ROLE }, { KeyArn: { Type: 'String' } }));
    expect(checkType(IoTEncryptionCustomerManagedKey, s3, TYPE)).toEqual(COMPLIANT);
  });
});

describe('data rule metadata', () => {
  test('IDs and resource types', () => {
    expect(IoTTopicRuleErrorAction.metadata).toMatchObject({ id: 'DAT1', resourceTypes: ['AWS::IoT::TopicRule'] });
    expect(IoTEncryptionCustomerManagedKey.metadata).toMatchObject({ id: 'DAT2', resourceTypes: ['AWS::IoT::EncryptionConfiguration'] });
  });

  test('both rules serve practice 5 (data at rest); DAT1 explains the error action as the copy of undelivered data', () => {
    expect(IoTTopicRuleErrorAction.metadata.practice).toBe(Practice.DATA_AT_REST);
    expect(IoTEncryptionCustomerManagedKey.metadata.practice).toBe(Practice.DATA_AT_REST);
    expect(IoTTopicRuleErrorAction.metadata.info).toBe('The topic rule has no error action: data its actions fail to deliver is lost.');
    expect(IoTTopicRuleErrorAction.metadata.explanation).toMatch(/^A topic rule is how device data reaches the store that keeps it\./);
    expect(IoTTopicRuleErrorAction.metadata.explanation).toMatch(/the data never reaches storage, and no copy is kept to replay it from/);
  });
});
