export { IoTDeviceDataStoreRecoverable } from './IoTDeviceDataStoreRecoverable';
