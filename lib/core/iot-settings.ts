/*
 * AWS IoT settings the risk profiles decide, as the library's own enums: the core and the rule
 * pack must not need `@aws-cdk/aws-iot-alpha` for two closed sets. The values are the strings
 * CloudFormation and the AWS IoT API take, so they pass to L1s and alpha L2s unchanged.
 */

/** How often a scheduled Device Defender audit runs (`AWS::IoT::ScheduledAudit` `Frequency`). */
export enum AuditFrequency {
  /** Every day. */
  DAILY = 'DAILY',
  /** Every week, on a day of the week. */
  WEEKLY = 'WEEKLY',
  /** Every two weeks, on a day of the week. */
  BIWEEKLY = 'BIWEEKLY',
  /** Every month, on a day of the month. */
  MONTHLY = 'MONTHLY',
}

/** An AWS IoT log level (`AWS::IoT::Logging` `DefaultLogLevel`), from least to most verbose. */
export enum IotLogLevel {
  /** Nothing is logged. */
  DISABLED = 'DISABLED',
  /** Errors only. */
  ERROR = 'ERROR',
  /** Errors and warnings. */
  WARN = 'WARN',
  /** Errors, warnings and information on the flow of events. */
  INFO = 'INFO',
  /** Everything: for investigations, costly on a whole fleet. */
  DEBUG = 'DEBUG',
}
