import { AuditFrequency, IotLogLevel } from '../iot-settings';

/*
 * The limits of a risk profile's settings, and whose they are. AWS's limits are what the service
 * accepts; the library's security floors are stricter, and each one is what a rule of
 * `IotSecurityChecks` enforces on the resource the setting ends up in: a profile that passed
 * `RiskProfile.custom` never makes a construct fail the library's own rules.
 */

/** A role alias's credential lifetime, seconds (`CredentialDurationSeconds`). */
export const CREDENTIAL_DURATION_SEC = {
  /** AWS IoT role aliases: 900 to 43200. */
  awsMin: 900,
  awsMax: 43200,
  /** The library's floor: an hour at most (IoTSecurity-GW2). */
  floorMax: 3600,
  rule: 'IoTSecurity-GW2',
} as const;

/** An OTA job's abort threshold, percent of executions failed (`ThresholdPercentage`). */
export const ABORT_FAILURE_PERCENT = {
  /** AWS IoT Jobs: above 0, at most 100. */
  awsMax: 100,
  /** The library's floor: a job that aborts only above half its executions failing is not stopped (IoTSecurity-UPD1). */
  floorMax: 50,
  rule: 'IoTSecurity-UPD1',
} as const;

/** The scheduled audit frequencies AWS offers, and the ones the library's floor keeps (IoTSecurity-MON5). */
export const AUDIT_FREQUENCY = {
  aws: Object.values(AuditFrequency) as AuditFrequency[],
  floor: [AuditFrequency.DAILY, AuditFrequency.WEEKLY],
  rule: 'IoTSecurity-MON5',
};

/** The IoT log levels AWS offers, and the ones the library's floor keeps: logging on (IoTSecurity-MON1). */
export const LOG_LEVEL = {
  aws: Object.values(IotLogLevel) as IotLogLevel[],
  floor: Object.values(IotLogLevel).filter((l) => l !== IotLogLevel.DISABLED) as IotLogLevel[],
  rule: 'IoTSecurity-MON1',
};

/** How long recovery points are kept, days. */
export const BACKUP_RETENTION_DAYS = {
  /** AWS Backup: a lifecycle deletes a recovery point a day after its creation at the earliest. */
  awsMin: 1,
  /** The library's bound (a hundred years): anything longer is a typing mistake. */
  libraryMax: 36500,
  /**
   * AWS Backup's logically air-gapped vault keeps copies at least 7 days; a profile that locks the
   * vault and copies to a second region gets one (`BackupAndRecovery.airGappedVault`).
   */
  airGappedMin: 7,
} as const;
