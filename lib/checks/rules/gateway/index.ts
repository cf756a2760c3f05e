export { IoTRoleAliasCredentialDuration } from './IoTRoleAliasCredentialDuration';
export { IoTRoleAliasLeastPrivilege } from './IoTRoleAliasLeastPrivilege';
export { IoTCredentialsProviderRoleLeastPrivilege } from './IoTCredentialsProviderRoleLeastPrivilege';
export { IoTCognitoRoleNoIotControl } from './IoTCognitoRoleNoIotControl';
export { IoTCredentialsSharedData } from './IoTCredentialsSharedData';
export { IoTGreengrassDebugConsoleHttps } from './IoTGreengrassDebugConsoleHttps';
