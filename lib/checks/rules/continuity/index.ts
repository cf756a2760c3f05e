export { IoTDeviceDataStoreRecoverable } from './IoTDeviceDataStoreRecoverable';
export { IoTTopicRuleErrorActionSeparate } from './IoTTopicRuleErrorActionSeparate';
