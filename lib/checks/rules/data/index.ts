export { IoTEncryptionCustomerManagedKey } from './IoTEncryptionCustomerManagedKey';
export { IoTTopicRuleErrorAction } from './IoTTopicRuleErrorAction';
