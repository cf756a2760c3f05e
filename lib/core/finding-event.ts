import { FindingClass } from './finding-class';

/**
 * The one event contract between the library's finding producers (the Device Defender audit relay
 * of `FleetAuditing`, or any producer a user grants) and the incident response playbooks of
 * `IncidentResponse`: an EventBridge event with source `FindingEvent.SOURCE` and detail type
 * `FindingEvent.DETAIL_TYPE` whose detail is a `FindingDetail`, on the findings bus of
 * `IncidentResponse`.
 *
 * A playbook never trusts the event's word about a device: where the detail carries a Device
 * Defender `findingId`, the playbook reads the finding from AWS IoT itself; wherever it acts on a
 * certificate, it first checks that the certificate is attached to the thing it names.
 */
export class FindingEvent {
  /** The `source` of every finding event. */
  public static readonly SOURCE = 'cdk-secure-iot';
  /** The `detail-type` of every finding event. */
  public static readonly DETAIL_TYPE = 'IoT Security Finding';

  /**
   * The prefix of the names of the CloudWatch alarms whose ALARM state starts the playbook of
   * `findingClass` (`cdk-secure-iot-authentication-failure-spike-`...): `IncidentResponse` starts
   * that playbook on the state changes of every alarm of its account and region so named, wherever
   * the alarm is defined. An alarm-started run names no device: it records the incident and
   * notifies, and touches nothing.
   */
  public static alarmNamePrefix(findingClass: FindingClass): string {
    if (!Object.values(FindingClass).includes(findingClass)) {
      throw new Error(`FindingEvent.alarmNamePrefix: ${JSON.stringify(findingClass)} is no FindingClass; known classes: ${Object.values(FindingClass).join(', ')}`);
    }
    return `${FindingEvent.SOURCE}-${findingClass.toLowerCase().replace(/_/g, '-')}-`;
  }

  private constructor() {}
}

/**
 * The `detail` of a finding event. Every member is optional: a producer gives what it knows, and a
 * playbook verifies what it acts on.
 */
export interface FindingDetail {
  /** The playbook's finding class (`FindingClass`), when the producer decided it. */
  readonly findingClass?: string;
  /** The Device Defender audit check that found it (`DEVICE_CERTIFICATE_SHARED_CHECK`...). */
  readonly checkName?: string;
  /** The Device Defender audit finding's ID: the playbook reads the finding itself (DescribeAuditFinding). */
  readonly findingId?: string;
  /** The Device Defender audit task that produced the finding. */
  readonly taskId?: string;
  /** The finding's severity as Device Defender gives it (CRITICAL, HIGH, MEDIUM, LOW). */
  readonly severity?: string;
  /** The type of the non-compliant resource (DEVICE_CERTIFICATE, IOT_POLICY, CA_CERTIFICATE...). */
  readonly resourceType?: string;
  /** The thing the producer believes is affected. */
  readonly thingName?: string;
  /** The certificate the producer believes is affected (its ID, 64 hex digits). */
  readonly certificateId?: string;
  /** The IoT policy the finding names, if any. */
  readonly policyName?: string;
  /** Why the resource is non-compliant, in the producer's words. */
  readonly reason?: string;
}
