import { Practice } from '../core/practice';

/** The MITRE ATT&CK matrix a technique belongs to. */
export enum AttackDomain {
  /** ATT&CK for Enterprise (IT and cloud). */
  ENTERPRISE = 'enterprise',
  /** ATT&CK for ICS (industrial control systems). */
  ICS = 'ics',
}

/** One MITRE ATT&CK technique that matters for an IoT deployment, and what mitigates it here. */
export interface AttackTechnique {
  /** The technique ID, e.g. `T1078` or `T1562.008`. */
  readonly id: string;
  /** Its name in ATT&CK. */
  readonly name: string;
  /** The matrix it belongs to. */
  readonly domain: AttackDomain;
  /** The practices that mitigate it; the technique counts as covered when one of them is met. */
  readonly practices: readonly Practice[];
  /** The library's constructs that implement those mitigations. */
  readonly constructs: readonly string[];
}

const E = AttackDomain.ENTERPRISE;
const I = AttackDomain.ICS;
const P = Practice;

const CATALOGUE: readonly AttackTechnique[] = ([
  ['T1078', 'Valid Accounts', E, [P.IDENTITY_AND_ACCESS, P.AUDIT_AND_MONITORING], ['DevicePolicy', 'FleetProvisioning', 'FleetAuditing']],
  ['T1078.004', 'Valid Accounts: Cloud Accounts', E, [P.IDENTITY_AND_ACCESS, P.GATEWAYS_AND_IT], ['GatewayCredentials', 'DevicePolicy']],
  ['T1552', 'Unsecured Credentials', E, [P.IDENTITY_AND_ACCESS], ['FleetProvisioning', 'DeviceCertificateAuthority', 'IotSecurityChecks']],
  ['T1552.004', 'Unsecured Credentials: Private Keys', E, [P.IDENTITY_AND_ACCESS], ['FleetProvisioning', 'IotSecurityChecks']],
  ['T1098', 'Account Manipulation', E, [P.IDENTITY_AND_ACCESS, P.AUDIT_AND_MONITORING], ['DevicePolicy', 'FleetMonitoring']],
  ['T1195', 'Supply Chain Compromise', E, [P.SECURE_UPDATES], ['SignedFirmwarePipeline']],
  ['T1195.002', 'Supply Chain Compromise: Compromise Software Supply Chain', E, [P.SECURE_UPDATES], ['SignedFirmwarePipeline']],
  ['T1542.001', 'Pre-OS Boot: System Firmware', E, [P.SECURE_UPDATES], ['SignedFirmwarePipeline']],
  ['T1495', 'Firmware Corruption', E, [P.SECURE_UPDATES, P.BUSINESS_CONTINUITY], ['SignedFirmwarePipeline', 'BackupAndRecovery']],
  ['T1601', 'Modify System Image', E, [P.SECURE_UPDATES], ['SignedFirmwarePipeline']],
  ['T1040', 'Network Sniffing', E, [P.DATA_IN_TRANSIT], ['SecureIotEndpoint']],
  ['T1557', 'Adversary-in-the-Middle', E, [P.DATA_IN_TRANSIT], ['SecureIotEndpoint']],
  ['T1565', 'Data Manipulation', E, [P.DATA_IN_TRANSIT, P.DATA_AT_REST], ['SecureIotEndpoint', 'DataProtection']],
  ['T1530', 'Data from Cloud Storage', E, [P.DATA_AT_REST], ['DataProtection', 'TelemetryPipeline']],
  ['T1190', 'Exploit Public-Facing Application', E, [P.RISK_ASSESSMENT, P.GATEWAYS_AND_IT], ['SegmentedNetwork']],
  ['T1133', 'External Remote Services', E, [P.RISK_ASSESSMENT, P.GATEWAYS_AND_IT], ['SegmentedNetwork', 'GatewayCredentials']],
  ['T1071', 'Application Layer Protocol', E, [P.RISK_ASSESSMENT, P.AUDIT_AND_MONITORING], ['SegmentedNetwork', 'FleetMonitoring']],
  ['T1498', 'Network Denial of Service', E, [P.AUDIT_AND_MONITORING, P.INCIDENT_RESPONSE], ['FleetMonitoring', 'IncidentResponse']],
  ['T1499', 'Endpoint Denial of Service', E, [P.AUDIT_AND_MONITORING, P.INCIDENT_RESPONSE], ['FleetMonitoring', 'IncidentResponse']],
  ['T1496', 'Resource Hijacking', E, [P.AUDIT_AND_MONITORING, P.INCIDENT_RESPONSE], ['FleetMonitoring', 'IncidentResponse']],
  ['T1562', 'Impair Defenses', E, [P.AUDIT_AND_MONITORING], ['FleetAuditing']],
  ['T1562.008', 'Impair Defenses: Disable or Modify Cloud Logs', E, [P.AUDIT_AND_MONITORING], ['FleetAuditing', 'FleetMonitoring']],
  ['T1485', 'Data Destruction', E, [P.BUSINESS_CONTINUITY], ['BackupAndRecovery']],
  ['T1486', 'Data Encrypted for Impact', E, [P.BUSINESS_CONTINUITY], ['BackupAndRecovery']],
  ['T1490', 'Inhibit System Recovery', E, [P.BUSINESS_CONTINUITY], ['BackupAndRecovery']],
  ['T0859', 'Valid Accounts', I, [P.IDENTITY_AND_ACCESS], ['DevicePolicy', 'FleetProvisioning']],
  ['T0891', 'Hardcoded Credentials', I, [P.IDENTITY_AND_ACCESS], ['FleetProvisioning', 'IotSecurityChecks']],
  ['T0822', 'External Remote Services', I, [P.RISK_ASSESSMENT, P.GATEWAYS_AND_IT], ['SegmentedNetwork', 'GatewayCredentials']],
  ['T0866', 'Exploitation of Remote Services', I, [P.RISK_ASSESSMENT], ['SegmentedNetwork']],
  ['T0857', 'System Firmware', I, [P.SECURE_UPDATES], ['SignedFirmwarePipeline']],
  ['T0839', 'Module Firmware', I, [P.SECURE_UPDATES], ['SignedFirmwarePipeline']],
  ['T0862', 'Supply Chain Compromise', I, [P.SECURE_UPDATES], ['SignedFirmwarePipeline']],
  ['T0830', 'Adversary-in-the-Middle', I, [P.DATA_IN_TRANSIT], ['SecureIotEndpoint']],
  ['T0842', 'Network Sniffing', I, [P.DATA_IN_TRANSIT], ['SecureIotEndpoint']],
  ['T0855', 'Unauthorized Command Message', I, [P.IDENTITY_AND_ACCESS, P.DATA_IN_TRANSIT], ['DevicePolicy', 'SecureIotEndpoint']],
  ['T0856', 'Spoof Reporting Message', I, [P.IDENTITY_AND_ACCESS, P.DATA_IN_TRANSIT], ['DevicePolicy', 'SecureIotEndpoint']],
  ['T0811', 'Data from Information Repositories', I, [P.DATA_AT_REST], ['DataProtection']],
  ['T0882', 'Theft of Operational Information', I, [P.DATA_AT_REST], ['DataProtection', 'TelemetryPipeline']],
  ['T0814', 'Denial of Service', I, [P.AUDIT_AND_MONITORING, P.INCIDENT_RESPONSE], ['FleetMonitoring', 'IncidentResponse']],
  ['T0815', 'Denial of View', I, [P.AUDIT_AND_MONITORING], ['FleetMonitoring']],
  ['T0878', 'Alarm Suppression', I, [P.AUDIT_AND_MONITORING], ['FleetAuditing', 'FleetMonitoring']],
  ['T0872', 'Indicator Removal on Host', I, [P.AUDIT_AND_MONITORING], ['FleetAuditing']],
  ['T0826', 'Loss of Availability', I, [P.INCIDENT_RESPONSE, P.BUSINESS_CONTINUITY], ['IncidentResponse', 'BackupAndRecovery']],
  ['T0827', 'Loss of Control', I, [P.INCIDENT_RESPONSE, P.BUSINESS_CONTINUITY], ['IncidentResponse', 'BackupAndRecovery']],
  ['T0809', 'Data Destruction', I, [P.BUSINESS_CONTINUITY], ['BackupAndRecovery']],
  ['T0849', 'Masquerading', I, [P.ASSET_INVENTORY, P.IDENTITY_AND_ACCESS], ['DeviceInventory', 'DevicePolicy']],
] as const).map(([id, name, domain, practices, constructs]) => Object.freeze({ id, name, domain, practices, constructs }));

/**
 * The MITRE ATT&CK techniques (Enterprise and ICS) that matter for an IoT deployment, each with
 * the practices and the constructs of this library that mitigate it (practice 1: let a common
 * framework drive the design). The posture report computes coverage from it: a technique is
 * covered in a stack when one of its practices is met there.
 */
export class ThreatModel {
  /** The ATT&CK version the technique IDs and names refer to. */
  public static readonly ATTACK_VERSION = 'v17';

  /** Every technique of the catalogue, Enterprise first. */
  public static techniques(): AttackTechnique[] {
    return [...CATALOGUE];
  }

  /** One technique by ID; an unknown ID is an error. */
  public static technique(id: string): AttackTechnique {
    const found = CATALOGUE.find((t) => t.id === id);
    if (!found) throw new Error(`ThreatModel.technique: no technique '${id}' in the catalogue; known: ${CATALOGUE.map((t) => t.id).join(', ')}`);
    return found;
  }

  /** The techniques that one of `practices` mitigates. */
  public static mitigatedBy(practices: readonly Practice[]): AttackTechnique[] {
    return CATALOGUE.filter((t) => t.practices.some((p) => practices.includes(p)));
  }

  private constructor() {}
}
