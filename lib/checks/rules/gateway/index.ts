export { IoTRoleAliasCredentialDuration } from './IoTRoleAliasCredentialDuration';
export { IoTRoleAliasLeastPrivilege } from './IoTRoleAliasLeastPrivilege';
