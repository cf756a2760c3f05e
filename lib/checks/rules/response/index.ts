export { IoTMitigationActionRoleLeastPrivilege } from './IoTMitigationActionRoleLeastPrivilege';
