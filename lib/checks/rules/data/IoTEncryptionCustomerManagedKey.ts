import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asEnum, isSet, judge, possibleAt } from '../../private/cfn-values';
import { resolvedProperties } from '../../private/cfn';
import { defineRule } from '../../rule-definition';

const TYPE = 'AWS::IoT::EncryptionConfiguration';

/**
 * IoTSecurity-DAT2: AWS IoT encrypts the account's data at rest with a customer-managed KMS key.
 *
 * `EncryptionType` must be `CUSTOMER_MANAGED_KMS_KEY` (any case) and `KmsKeyArn` set (a literal
 * or any intrinsic; an `Fn::If` with an `AWS::NoValue` branch is not set). An `EncryptionType`
 * the template cannot read is reported as `Unresolved::EncryptionType`, one that is not a string
 * as `Invalid::EncryptionType`: findings of this rule.
 */
export const IoTEncryptionCustomerManagedKey = defineRule({
  id: 'DAT2',
  practice: Practice.DATA_AT_REST,
  iotLens: ['IOTSEC10'],
  attackEnterprise: ['T1530', 'T1485'],
  attackIcs: ['T0811', 'T0882'],
  level: NagMessageLevel.ERROR,
  info: 'AWS IoT encryption at rest does not use a customer-managed KMS key.',
  explanation:
    'With an AWS-owned key you cannot see who used it in CloudTrail, restrict it by key policy, rotate it on your schedule, ' +
    'or revoke it to cut off access to device data in an incident.',
  fix: "Set EncryptionType to 'CUSTOMER_MANAGED_KMS_KEY' with KmsKeyArn (a key with rotation) and KmsAccessRoleArn.",
  resourceTypes: [TYPE],
}, (node: CfnResource): NagRuleResult => {
  const props = resolvedProperties(node);
  const verdict = judge(possibleAt(node, props, ['EncryptionType']), asEnum,
    (type) => type !== 'CUSTOMER_MANAGED_KMS_KEY', 'EncryptionType');
  if (verdict === NagRuleCompliance.NON_COMPLIANT) return verdict;
  if (!possibleAt(node, props, ['KmsKeyArn']).every(isSet)) return NagRuleCompliance.NON_COMPLIANT;
  return verdict;
});
