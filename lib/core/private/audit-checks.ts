/*
 * The Device Defender audit check catalogue: read by the rules that anticipate a check (MON2, the
 * IoT policy rules), by the custom-resource reader (an `UpdateAccountAuditConfiguration` call names
 * checks by their API names) and by the FleetAuditing construct, which enables every check.
 */

/**
 * Every Device Defender audit check, by its key in `AuditCheckConfigurations` and its API name.
 * The set of the CloudFormation schema as of aws-cdk-lib 2.276 (17 checks, the newest being
 * DEVICE_CERTIFICATE_AGE_CHECK and IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK). Keys
 * MON2 does not know are left alone, so a newer check in a template is never an error.
 */
export const AUDIT_CHECKS: ReadonlyArray<readonly [key: string, name: string]> = [
  ['AuthenticatedCognitoRoleOverlyPermissiveCheck', 'AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK'],
  ['CaCertificateExpiringCheck', 'CA_CERTIFICATE_EXPIRING_CHECK'],
  ['CaCertificateKeyQualityCheck', 'CA_CERTIFICATE_KEY_QUALITY_CHECK'],
  ['ConflictingClientIdsCheck', 'CONFLICTING_CLIENT_IDS_CHECK'],
  ['DeviceCertificateAgeCheck', 'DEVICE_CERTIFICATE_AGE_CHECK'],
  ['DeviceCertificateExpiringCheck', 'DEVICE_CERTIFICATE_EXPIRING_CHECK'],
  ['DeviceCertificateKeyQualityCheck', 'DEVICE_CERTIFICATE_KEY_QUALITY_CHECK'],
  ['DeviceCertificateSharedCheck', 'DEVICE_CERTIFICATE_SHARED_CHECK'],
  ['IntermediateCaRevokedForActiveDeviceCertificatesCheck', 'INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK'],
  ['IotPolicyOverlyPermissiveCheck', 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK'],
  ['IoTPolicyPotentialMisConfigurationCheck', 'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK'],
  ['IotRoleAliasAllowsAccessToUnusedServicesCheck', 'IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK'],
  ['IotRoleAliasOverlyPermissiveCheck', 'IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK'],
  ['LoggingDisabledCheck', 'LOGGING_DISABLED_CHECK'],
  ['RevokedCaCertificateStillActiveCheck', 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK'],
  ['RevokedDeviceCertificateStillActiveCheck', 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK'],
  ['UnauthenticatedCognitoRoleOverlyPermissiveCheck', 'UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK'],
];
