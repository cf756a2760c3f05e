export { IoTRoleAliasCredentialDuration } from './IoTRoleAliasCredentialDuration';
export { IoTRoleAliasLeastPrivilege } from './IoTRoleAliasLeastPrivilege';
export { IoTCredentialsProviderRoleLeastPrivilege } from './IoTCredentialsProviderRoleLeastPrivilege';
