export { IoTEncryptionCustomerManagedKey } from './IoTEncryptionCustomerManagedKey';
export { IoTTopicRuleErrorAction } from './IoTTopicRuleErrorAction';
export { IoTTopicRuleS3PrivateAcl } from './IoTTopicRuleS3PrivateAcl';
