import { FindingClass } from '../core/finding-class';
import { FindingEvent } from '../core/finding-event';
import { ContainmentMode } from '../core/risk-profile';
import { DeviceFailureModes } from '../continuity/device-failure-modes';


/** One state of a playbook's state machine, as the runbook describes it. */
export interface PlaybookStep {
  /** The state's name in the state machine. */
  readonly state: string;
  /** What it does, as the runbook says it (also the state's comment). */
  readonly description: string;
}

interface PlaybookModel {
  readonly title: string;
  readonly trigger: string;
  readonly auditChecks: readonly string[];
  readonly deactivatesCertificate: boolean;
  readonly investigation: readonly string[];
  readonly recovery: readonly string[];
}

const MODELS: { readonly [c in FindingClass]: PlaybookModel } = {
  [FindingClass.OVERLY_PERMISSIVE_POLICY]: {
    title: 'Overly permissive IoT policy',
    trigger: 'Device Defender audit finding IOT_POLICY_OVERLY_PERMISSIVE_CHECK or IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK for a policy attached to the device.',
    auditChecks: ['IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK'],
    deactivatesCertificate: false,
    investigation: [
      'Read the policy version the finding names and list its targets (`aws iot list-targets-for-policy`).',
      'Search the AWS IoT logs (AWSIotLogsV2) of the quarantined device for publishes or subscriptions outside its own topics.',
      'Decide whether the grant was used: if it was, treat every device sharing the policy as suspect.',
    ],
    recovery: [
      'Create a policy version scoped to `${iot:Connection.Thing.ThingName}` (the rule pack\'s IoTSecurity-ID2 shows what is not) and make it the default.',
      'Run the return-to-baseline state machine for the device with certificateAction NONE.',
    ],
  },
  [FindingClass.SHARED_OR_REVOKED_CERTIFICATE]: {
    title: 'Shared or revoked device certificate',
    trigger: 'Device Defender audit finding DEVICE_CERTIFICATE_SHARED_CHECK, REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK or REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK.',
    auditChecks: ['DEVICE_CERTIFICATE_SHARED_CHECK', 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK', 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK'],
    deactivatesCertificate: true,
    investigation: [
      'List the client IDs and source IPs that connected with the certificate (AWSIotLogsV2, Connect events).',
      'Find how the private key left the device: a shared provisioning image, a returned or stolen unit, a debug port.',
    ],
    recovery: [
      'Issue the device a new certificate through fleet provisioning or the device certificate authority.',
      'Run the return-to-baseline state machine with certificateAction REVOKE (the old certificate is revoked for good).',
    ],
  },
  [FindingClass.AUTHENTICATION_FAILURE_SPIKE]: {
    title: 'Authentication failure spike',
    trigger: `An alarm named \`${FindingEvent.alarmNamePrefix(FindingClass.AUTHENTICATION_FAILURE_SPIKE)}...\` (FleetMonitoring's authenticationFailures and authorizationFailures: AWS IoT Connect.AuthNError and the Connect, PublishIn and Subscribe AuthZError) or given in alarmTriggers goes to ALARM (a run that names no device: recorded, announced, left for triage), or a finding event naming the class from a producer given grantPutFindings.`,
    auditChecks: [],
    deactivatesCertificate: true,
    investigation: [
      'Group the failures by client ID, certificate and source IP: one device retrying after a rotation, or many trying one identity?',
      'Check recent certificate rotations and policy changes for the devices involved.',
    ],
    recovery: [
      'If the device was only misconfigured: fix it and run return-to-baseline with certificateAction REACTIVATE.',
      'If the identity was attacked: replace the certificate and run return-to-baseline with certificateAction REVOKE.',
    ],
  },
  [FindingClass.FAILED_FIRMWARE_ROLLOUT]: {
    title: 'Failed firmware rollout',
    trigger: `An alarm named \`${FindingEvent.alarmNamePrefix(FindingClass.FAILED_FIRMWARE_ROLLOUT)}...\` (SignedFirmwarePipeline's failed, rejected and timed-out job execution alarms) or given in alarmTriggers goes to ALARM (a run that names no device: recorded, announced, left for triage), or a finding event naming the class and the device whose update failed, from a producer given grantPutFindings.`,
    auditChecks: [],
    deactivatesCertificate: false,
    investigation: [
      'Read the job execution\'s status details on the device and the job\'s abort state: is the failure the image, the device or the rollout?',
      'Verify the signature and hash of the image the device reports against the signed build.',
    ],
    recovery: [
      'Roll the device back to the last good signed image with a job (the quarantine policy keeps jobs and streams open).',
      'Run return-to-baseline with certificateAction NONE once the device reports the good version.',
    ],
  },
  [FindingClass.UNEXPECTED_DISCONNECTS]: {
    title: 'Unexpected disconnects',
    trigger: `An alarm named \`${FindingEvent.alarmNamePrefix(FindingClass.UNEXPECTED_DISCONNECTS)}...\` (FleetMonitoring's disconnectedDevices, with disconnectedDevicesThreshold) or given in alarmTriggers goes to ALARM (a run that names no device: recorded, announced, left for triage), or a finding event naming the class and the device from a producer given grantPutFindings.`,
    auditChecks: [],
    deactivatesCertificate: false,
    investigation: [
      'Read the disconnect reasons in the lifecycle events: DUPLICATE_CLIENTID means a second party uses the device\'s identity.',
      'Check the site\'s network and power before suspecting an attack.',
    ],
    recovery: [
      'If the identity is cloned: handle it as a shared certificate (replace, REVOKE).',
      'Otherwise run return-to-baseline with certificateAction NONE.',
    ],
  },
};

const OPEN: PlaybookStep[] = [
  { state: 'OpenIncident', description: 'Takes the event\'s claim (finding ID, thing, certificate), whether this is a dry run and the containment mode. The claim is verified before anything is done.' },
  { state: 'RecordOpened', description: 'Records the incident as OPEN in the incident table, with the event as received.' },
  { state: 'NotifyOpened', description: 'Tells the incident topic a playbook started, with what the event claims.' },
  { state: 'ReadsFinding', description: 'An event with a Device Defender finding ID is checked against the finding itself (not in a dry run).' },
  { state: 'ReadFinding', description: 'Reads the finding from AWS IoT (DescribeAuditFinding): its check and its non-compliant device certificate replace the event\'s word. A finding that cannot be read rejects the event (FindingUnreadable).' },
  { state: 'FindingMatches', description: 'Rejects the event (FindingDoesNotMatchEvent) when the finding is not one of this playbook\'s checks, or names another certificate than the event; rejects a finding suppressed in Device Defender (FindingSuppressed).' },
  { state: 'ClaimFinding', description: 'Records that this incident answers the finding (one conditional write per finding ID): a finding delivered again, or replayed, rejects the event (FindingAlreadyHandled), so one finding opens one containment.' },
  { state: 'UseFindingFacts', description: 'Acts on the finding\'s certificate; a finding that names no device certificate (a policy, a CA) is fleet-wide.' },
  { state: 'NamesDevice', description: 'A finding that names no device is fleet-wide: it stays open for human triage.' },
  { state: 'AwaitTriage', description: 'Ends the automation; people triage the fleet-wide finding.' },
  { state: 'DryRunCriticality', description: 'In a dry run, takes the device and its criticality from the input instead of the registry (nothing is touched).' },
  { state: 'UseGivenCriticality', description: 'Dry run: uses the criticality of the input (default low).' },
  { state: 'NamesCertificate', description: 'With a certificate, the things it is attached to are read from AWS IoT; with a thing name only, that thing is the device.' },
  { state: 'UseNamedThing', description: 'No certificate: the named thing is the device (no certificate is touched).' },
  { state: 'ListCertificateThings', description: 'Lists the things the certificate is attached to (ListPrincipalThings). A certificate that cannot be read rejects the event (CertificateUnreadable).' },
  { state: 'CertificateAttached', description: 'Rejects the event (CertificateNotAttachedToThing) when the certificate is attached to no thing, or not to the thing the event names: nothing is done to either. A certificate attached to more than 250 things is fleet-wide: it stays open for triage.' },
  { state: 'UseAttachedThings', description: 'The devices are every thing the certificate is attached to.' },
  { state: 'DescribeDevices', description: 'Reads the `criticality` attribute of every device from the registry; the most critical wins (unknown counts as safety-critical).' },
  { state: 'DescribeDevice', description: 'Reads one thing\'s `criticality` attribute.' },
  { state: 'UnknownCriticality', description: 'The thing could not be read: treats it as safety-critical.' },
  { state: 'NeedsApproval', description: 'Asks for approval under HUMAN_APPROVAL_ONLY, and under AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL for high, safety-critical or unknown devices.' },
  { state: 'RequestApproval', description: 'Stores a task token, sends the approval request (the verified things, certificate and criticality) to the incident topic and waits for a decision until the approval timeout.' },
  { state: 'RecordTimedOut', description: 'Nobody decided in time: records the incident as ESCALATED; nothing is done to the device.' },
  { state: 'NotifyTimedOut', description: 'Tells the incident topic the approval timed out and the device was left as it is.' },
  { state: 'Approved', description: 'Goes on only if the approver approved.' },
  { state: 'RecordRefused', description: 'Records the incident as REFUSED; nothing is done to the device.' },
  { state: 'NotifyRefused', description: 'Tells the incident topic containment was refused.' },
  { state: 'NotContained', description: 'Ends without touching the device.' },
  { state: 'QuarantineOrSimulate', description: 'A dry run simulates the quarantine.' },
  { state: 'SimulateQuarantine', description: 'Dry run: notes the quarantine that would be done.' },
  { state: 'Quarantine', description: 'Adds every verified device to the quarantine thing group (recovery-only policy, verbose logging).' },
  { state: 'QuarantineThing', description: 'Adds one thing to the quarantine thing group.' },
  { state: 'IsolateOrSimulate', description: 'Isolates the verified certificate (a dry run simulates it); without a certificate the group\'s policy is all that changes.' },
  { state: 'SimulateIsolation', description: 'Dry run: notes the policies that would be detached.' },
  { state: 'ListDevicePolicies', description: 'Lists the IoT policies attached to the device certificate.' },
  { state: 'DetachDevicePolicies', description: 'Detaches them, so the quarantine group\'s recovery-only policy is all the device keeps; their names are recorded for the return to baseline.' },
  { state: 'DetachPolicy', description: 'Detaches one policy from the certificate.' },
];
const DISCONNECT: PlaybookStep[] = [
  { state: 'MayDisconnect', description: 'Disconnects only devices of a fail-closed category (the most critical of the certificate\'s things decides); a fail-open device is never disconnected.' },
  { state: 'KeepConnected', description: 'Leaves the certificate active: the device fails open, or no certificate was named.' },
  { state: 'DeactivateOrSimulate', description: 'A dry run simulates the deactivation.' },
  { state: 'SimulateDeactivation', description: 'Dry run: notes the deactivation that would be done.' },
  { state: 'DeactivateCertificate', description: 'Sets the device certificate INACTIVE: the device is disconnected and cannot reconnect. The incident records that it did.' },
];
const CLOSE: PlaybookStep[] = [
  { state: 'RecordContained', description: 'Records the incident as CONTAINED with the verified things, certificate, detached policies, whether it deactivated the certificate, and every action taken (or simulated).' },
  { state: 'NotifyContained', description: 'Tells the incident topic what was done.' },
  { state: 'Contained', description: 'Ends; the device waits in quarantine for the return to baseline.' },
  { state: 'RecordFailed', description: 'A containment call failed: records the incident as FAILED with the error.' },
  { state: 'NotifyFailed', description: 'Tells the incident topic containment failed and people must act.' },
  { state: 'ContainmentFailed', description: 'Ends the execution as failed.' },
  { state: 'RecordRejected', description: 'The event\'s claim did not hold: records the incident as REJECTED with why; nothing was done to any device.' },
  { state: 'NotifyRejected', description: 'Tells the incident topic the event was rejected and why (a forged or stale finding needs people).' },
  { state: 'Rejected', description: 'Ends the execution as failed, with the rejection\'s name as its error.' },
];

/** The states of the return-to-baseline state machine, as its runbook describes them. */
export const RETURN_TO_BASELINE_STEPS: readonly PlaybookStep[] = [
  { state: 'StartReturn', description: 'Takes the incident ID, the certificate action (REACTIVATE, REVOKE or NONE) and whether this is a dry run; anything else in the input is ignored.' },
  { state: 'ReadIncident', description: 'Reads the incident record the playbook wrote: the things it quarantined, the certificate, the policies it detached, whether it deactivated the certificate.' },
  { state: 'CheckIncident', description: 'Refuses, touching nothing: an unknown incident (IncidentNotFound), one that is not CONTAINED (IncidentNotOpen), REACTIVATE of a certificate the incident did not deactivate (CertificateNotDeactivatedByIncident), REVOKE without a certificate (IncidentHasNoCertificate), another action (InvalidCertificateAction), a dry run\'s record outside a dry run (DryRunIncident).' },
  { state: 'NotifyReturnRejected', description: 'Tells the incident topic the return was refused and why.' },
  { state: 'ReturnRejected', description: 'Ends the execution as failed, with the refusal\'s name as its error.' },
  { state: 'UseIncidentFacts', description: 'Takes the things, the certificate and the policies from the incident record only.' },
  { state: 'ReturnOrSimulate', description: 'A dry run simulates the whole return.' },
  { state: 'SimulateReturn', description: 'Dry run: notes the release, re-attachment and certificate change that would be done.' },
  { state: 'RecordReturning', description: 'Records the incident as RETURNING, only if it is still CONTAINED (or its last return failed): two returns of one incident cannot both run.' },
  { state: 'ReleaseFromQuarantine', description: 'Removes every thing the incident quarantined from the quarantine thing group.' },
  { state: 'ReleaseThing', description: 'Removes one thing from the quarantine thing group.' },
  { state: 'ReattachOrSkip', description: 'Re-attaches the detached policies, unless the certificate is revoked or none were detached.' },
  { state: 'ReattachPolicies', description: 'Attaches every detached policy to the certificate again.' },
  { state: 'AttachPolicy', description: 'Attaches one policy to the certificate.' },
  { state: 'CertificateAction', description: 'Chooses what happens to the incident\'s certificate.' },
  { state: 'ReactivateCertificate', description: 'REACTIVATE: sets the certificate the incident deactivated ACTIVE again (the device was cleared).' },
  { state: 'RevokeCertificate', description: 'REVOKE: revokes the incident\'s certificate for good (the device has a new one).' },
  { state: 'CloseIncident', description: 'Records the incident as CLOSED with every action taken.' },
  { state: 'NotifyClosed', description: 'Tells the incident topic the device is back to its baseline.' },
  { state: 'BackToBaseline', description: 'Ends.' },
  { state: 'RecordReturnFailed', description: 'A call failed: records the error on the incident (RETURN_FAILED), which can be returned again.' },
  { state: 'ReturnFailed', description: 'Ends the execution as failed.' },
];

/**
 * A playbook per finding class: its trigger, the automated steps of its state machine, and what
 * people do around them. The state machines `IncidentResponse` builds and the runbooks
 * `renderRunbook` writes come from this one model, so the two cannot drift.
 */
export class Playbook {
  /** The playbooks of every finding class, in the order of `FindingClass`. */
  public static all(): Playbook[] {
    return Object.values(FindingClass).map((c) => new Playbook(c));
  }

  /** The playbook of one finding class; an unknown class is an error naming the known ones. */
  public static of(findingClass: FindingClass): Playbook {
    if (!Object.values(FindingClass).includes(findingClass)) {
      throw new Error(`Playbook.of: there is no playbook for finding class ${JSON.stringify(findingClass)}; known classes: ${Object.values(FindingClass).join(', ')}`);
    }
    return new Playbook(findingClass);
  }

  /**
   * Every runbook in one Markdown document (RUNBOOKS.md is this, for the default settings).
   * @param containment the containment mode to describe; default: each mode's behaviour is described
   */
  public static renderRunbooks(containment?: ContainmentMode, failureModes?: DeviceFailureModes): string {
    const intro = [
      '# Incident response runbooks',
      '',
      '<!-- Generated by `npm run runbooks:doc` from lib/response/playbook.ts; do not edit by hand. -->',
      '',
      'One runbook per finding class handled by `IncidentResponse`. The automated steps are the states of the playbook\'s',
      'Step Functions state machine, in order; the state machines are built from the same model.',
      '',
      '## Roles',
      '',
      '| role | responsibilities |',
      '|---|---|',
      '| Incident commander (on-call security engineer) | owns the incident from OPEN to CLOSED; approves or refuses containment; decides on escalation |',
      '| Device owner (the `owner` tag) | judges the safety impact of isolating the device; confirms the device is back to normal |',
      '| Platform engineer | investigates, fixes the cause, replaces credentials, runs the return to baseline |',
      '',
    ];
    return [...intro, ...Playbook.all().map((p) => p.renderRunbook(containment, failureModes)), Playbook.renderReturnToBaseline()].join('\n');
  }

  /** The runbook of the return to baseline, shared by every finding class. */
  public static renderReturnToBaseline(): string {
    return [
      '## Return to baseline',
      '',
      'Started by the platform engineer (`IncidentResponse.returnToBaseline`) once the cause is fixed, with',
      '`{ "incidentId", "certificateAction": "REACTIVATE" | "REVOKE" | "NONE", "dryRun": false }`. The things and the certificate',
      'come from the incident record only; REACTIVATE applies only to a certificate the incident itself deactivated.',
      '',
      ...RETURN_TO_BASELINE_STEPS.map((s, i) => `${i + 1}. **${s.state}**: ${s.description}`),
      '',
    ].join('\n');
  }

  private readonly model: PlaybookModel;

  private constructor(
    /** The class of finding this playbook answers. */
    public readonly findingClass: FindingClass,
  ) {
    this.model = MODELS[findingClass];
  }

  /** A short title. */
  public get title(): string { return this.model.title; }
  /** What starts the playbook. */
  public get trigger(): string { return this.model.trigger; }
  /** The Device Defender audit checks whose findings start it. */
  public get auditChecks(): string[] { return [...this.model.auditChecks]; }
  /** Whether containment may deactivate the device certificate (fail-closed devices only). */
  public get deactivatesCertificate(): boolean { return this.model.deactivatesCertificate; }
  /** What people investigate while the device is contained. */
  public get investigation(): string[] { return [...this.model.investigation]; }
  /** What people do before the return to baseline. */
  public get recovery(): string[] { return [...this.model.recovery]; }

  /** The states of the playbook's state machine, in order, each with what it does. */
  public get steps(): PlaybookStep[] {
    return [...OPEN, ...(this.deactivatesCertificate ? DISCONNECT : []), ...CLOSE];
  }

  /** The runbook: roles, trigger, approval rule, automated steps, investigation and recovery, in Markdown. */
  public renderRunbook(containment?: ContainmentMode, failureModes?: DeviceFailureModes): string {
    const modes = failureModes ?? DeviceFailureModes.DEFAULT;
    const approval = containment === undefined
      ? [
        '- AUTOMATIC_QUARANTINE (CONSUMER): contained at once, no approval.',
        '- AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL (INDUSTRIAL): contained at once unless the device is high, safety-critical or of unknown criticality; those wait for the incident commander.',
        '- HUMAN_APPROVAL_ONLY (CRITICAL_INFRASTRUCTURE): never contained without the incident commander\'s approval.',
      ]
      : [`- ${containment}: ${APPROVAL_RULE[containment]}`];
    return [
      `## ${this.title} (\`${this.findingClass}\`)`,
      '',
      `**Trigger.** ${this.trigger}`,
      '',
      '**Approval.** An approval not given within the approval timeout escalates: the device is left untouched.',
      '',
      ...approval,
      '',
      `**Disconnection.** ${this.deactivatesCertificate
        ? `Only devices that fail closed (${modes.failClosedCriticalities.join(', ')}) are disconnected; devices that fail open (${modes.failOpenCriticalities.join(', ')}, or unknown) keep their certificate and are quarantined only.`
        : 'This playbook never deactivates a certificate; the device is quarantined only.'}`,
      '',
      '**Automated steps** (state machine states):',
      '',
      ...this.steps.map((s, i) => `${i + 1}. **${s.state}**: ${s.description}`),
      '',
      '**Investigation** (platform engineer, while the device is contained):',
      '',
      ...this.investigation.map((s) => `- ${s}`),
      '',
      '**Recovery**:',
      '',
      ...this.recovery.map((s) => `- ${s}`),
      '',
    ].join('\n');
  }
}

const APPROVAL_RULE: { readonly [m in ContainmentMode]: string } = {
  [ContainmentMode.AUTOMATIC_QUARANTINE]: 'contained at once, no approval.',
  [ContainmentMode.AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL]: 'contained at once unless the device is high, safety-critical or of unknown criticality; those wait for the incident commander.',
  [ContainmentMode.HUMAN_APPROVAL_ONLY]: 'never contained without the incident commander\'s approval.',
};
