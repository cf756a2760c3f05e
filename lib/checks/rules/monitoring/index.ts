export { IoTLoggingEnabled } from './IoTLoggingEnabled';
export { IoTAuditChecksEnabled } from './IoTAuditChecksEnabled';
export { IoTAuditNotificationTarget } from './IoTAuditNotificationTarget';
export { IoTSecurityProfileAlertTargets } from './IoTSecurityProfileAlertTargets';
export { IoTScheduledAuditFrequency } from './IoTScheduledAuditFrequency';
export { IoTResourceLoggingEnabled } from './IoTResourceLoggingEnabled';
