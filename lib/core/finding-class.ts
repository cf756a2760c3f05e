/*
 * The finding classes live in the core, not beside the playbooks: the monitoring and update
 * constructs name their alarms after the class whose playbook they start
 * (`FindingEvent.alarmNamePrefix`), and must not import the response module to do so.
 */

/** The classes of finding `IncidentResponse` has a playbook for. */
export enum FindingClass {
  /** An IoT policy grants more than a device needs (Device Defender audit). */
  OVERLY_PERMISSIVE_POLICY = 'OVERLY_PERMISSIVE_POLICY',
  /** A device certificate is shared by several devices, or revoked yet still active (Device Defender audit). */
  SHARED_OR_REVOKED_CERTIFICATE = 'SHARED_OR_REVOKED_CERTIFICATE',
  /** Authentication or authorization failures rise above their baseline (alarm). */
  AUTHENTICATION_FAILURE_SPIKE = 'AUTHENTICATION_FAILURE_SPIKE',
  /** A firmware rollout fails on devices or is aborted by its failure criteria (alarm or jobs event). */
  FAILED_FIRMWARE_ROLLOUT = 'FAILED_FIRMWARE_ROLLOUT',
  /** Devices disconnect unexpectedly, e.g. a cloned client ID kicking the real device off (alarm). */
  UNEXPECTED_DISCONNECTS = 'UNEXPECTED_DISCONNECTS',
}
