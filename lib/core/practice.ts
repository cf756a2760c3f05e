/**
 * The ten practices of a secure IoT deployment, after AWS's "Securing IoT with AWS".
 *
 * Every rule of the pack names the practice it serves (see RULES.md), so findings can be read
 * by practice.
 */
export enum Practice {
  /** Assess risk with a common framework (MITRE ATT&CK); zoning and micro-segmentation. */
  RISK_ASSESSMENT = 1,
  /** Keep an inventory of every asset, categorized so it can be acted on by program. */
  ASSET_INVENTORY = 2,
  /** A unique identity and credential per device, least privilege, credential lifecycle. */
  IDENTITY_AND_ACCESS = 3,
  /** Signed, verified, gradual, rollback-proof, monitored software and firmware updates. */
  SECURE_UPDATES = 4,
  /** Encrypt data at rest and keep only what is needed. */
  DATA_AT_REST = 5,
  /** Encrypt everything in transit with modern TLS. */
  DATA_IN_TRANSIT = 6,
  /** Gateways and supporting IT at the same level, with temporary credentials and allow lists. */
  GATEWAYS_AND_IT = 7,
  /** Audit and monitor devices and systems continuously. */
  AUDIT_AND_MONITORING = 8,
  /** Incident response playbooks, automated as they mature, humans in the loop for safety. */
  INCIDENT_RESPONSE = 9,
  /** Tested business continuity and recovery. */
  BUSINESS_CONTINUITY = 10,
}

/** What the library says of one practice: its number, title and a one-line summary. */
export interface PracticeInfo {
  /** The practice. */
  readonly practice: Practice;
  /** Its number, 1 to 10. */
  readonly number: number;
  /** A short title. */
  readonly title: string;
  /** One line on what holding the practice means. */
  readonly summary: string;
}

const PRACTICES: readonly PracticeInfo[] = [
  [Practice.RISK_ASSESSMENT, 'Risk assessment and segmentation',
    'Assess risk with MITRE ATT&CK and let it drive zoning and micro-segmentation.'],
  [Practice.ASSET_INVENTORY, 'Asset inventory',
    'Keep an inventory of every asset, categorized and tagged so it can be acted on by program.'],
  [Practice.IDENTITY_AND_ACCESS, 'Identity and least privilege',
    'One identity and credential per device, least privilege at every interface, credentials issued, rotated and revoked.'],
  [Practice.SECURE_UPDATES, 'Secure updates',
    'Update software and firmware through a signed, verified, gradual, rollback-proof and monitored pipeline.'],
  [Practice.DATA_AT_REST, 'Data at rest',
    'Encrypt data at rest with customer-managed keys and keep only what is needed.'],
  [Practice.DATA_IN_TRANSIT, 'Data in transit',
    'Encrypt everything in transit with modern TLS.'],
  [Practice.GATEWAYS_AND_IT, 'Gateways and supporting IT',
    'Secure gateways and supporting IT to the same level, with temporary credentials and allow lists.'],
  [Practice.AUDIT_AND_MONITORING, 'Audit and monitoring',
    'Audit and monitor devices and systems continuously.'],
  [Practice.INCIDENT_RESPONSE, 'Incident response',
    'Incident response playbooks, automated as they mature, with humans in the loop where safety needs them.'],
  [Practice.BUSINESS_CONTINUITY, 'Business continuity',
    'Tested business continuity and recovery.'],
].map(([practice, title, summary]) => ({
  practice: practice as Practice,
  number: practice as number,
  title: title as string,
  summary: summary as string,
}));

/** Looks up the number, title and summary of the practices. */
export class Practices {
  /** All ten practices, in order. */
  public static all(): PracticeInfo[] {
    return [...PRACTICES];
  }

  /** The number, title and summary of one practice. */
  public static of(practice: Practice): PracticeInfo {
    const info = PRACTICES.find((p) => p.practice === practice);
    if (!info) {
      throw new Error(`Practices.of: practice must be a number from 1 to 10, got ${practice}`);
    }
    return info;
  }

  private constructor() {}
}
