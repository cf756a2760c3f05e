import { Practice } from '../../core/practice';
import { TlsSecurityPolicy } from '../../core/tls-security-policy';

/*
 * What the templates show of each practice. Each practice is a list of checks over a set of
 * CloudFormation resources; a check that holds names the resources that are its evidence. The
 * practice is met when every check holds, missing when none does, partial otherwise. Only what
 * will deploy counts: the checks read resource types and properties, never which construct made
 * them, so plain CloudFormation (CfnInclude, the scanner) is judged the same way.
 */

/** A template's resource, as CloudFormation reads it. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: { [key: string]: any };
  readonly Metadata?: { [key: string]: any };
}

/** The resources judged together, by logical ID (qualified by stack where several stacks are judged at once). */
export type ResourceSet = { readonly [id: string]: TemplateResource };

/** What one check found. */
export interface CheckResult {
  readonly check: string;
  readonly holds: boolean;
  readonly evidence: string[];
}

/** What the checks know beside the resources. */
export interface EvidenceContext {
  /** Whether the stacks judged declare the risk profile they were designed for. */
  readonly profileDeclared: boolean;
}

interface Check {
  readonly check: string;
  readonly evaluate: (resources: ResourceSet, context: EvidenceContext) => { holds: boolean; evidence: string[] };
}

type Evaluate = (r: ResourceSet) => { holds: boolean; evidence: string[] };

const entries = (r: ResourceSet) => Object.entries(r);
const ofType = (r: ResourceSet, ...types: string[]) => entries(r).filter(([, v]) => types.includes(v?.Type));
const present = (...types: string[]): Evaluate => (r) => {
  const found = ofType(r, ...types).map(([id]) => id);
  return { holds: found.length > 0, evidence: found };
};

/** At least one resource of `types` satisfies `ok`. */
const some = (types: string[], ok: (p: { [key: string]: any }) => boolean): Evaluate => (r) => {
  const found = ofType(r, ...types).filter(([, v]) => ok(v.Properties ?? {})).map(([id]) => id);
  return { holds: found.length > 0, evidence: found };
};

const isTrue = (v: unknown) => v === true || v === 'true';
const tagKeys = (p: { [key: string]: any }): string[] => {
  const tags = p.Tags;
  if (Array.isArray(tags)) return tags.map((t) => t?.Key).filter((k) => typeof k === 'string');
  if (tags && typeof tags === 'object') return Object.keys(tags);
  return [];
};

/** IoT resource types that take tags (Security Hub's IoT tagging controls). */
const TAGGABLE_IOT = [
  'AWS::IoT::Policy', 'AWS::IoT::ThingGroup', 'AWS::IoT::ThingType', 'AWS::IoT::RoleAlias', 'AWS::IoT::Authorizer',
  'AWS::IoT::DomainConfiguration', 'AWS::IoT::TopicRule', 'AWS::IoT::ProvisioningTemplate', 'AWS::IoT::CACertificate',
  'AWS::IoT::JobTemplate', 'AWS::IoT::MitigationAction', 'AWS::IoT::ScheduledAudit', 'AWS::IoT::SecurityProfile',
];

const STORES = ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable', 'AWS::SQS::Queue', 'AWS::SNS::Topic', 'AWS::Logs::LogGroup'];

/** Whether a data store is encrypted with a KMS key (a customer-managed one where the store lets you choose). */
function storeEncrypted(type: string, p: { [key: string]: any }): boolean {
  switch (type) {
    case 'AWS::S3::Bucket': {
      const rules = p.BucketEncryption?.ServerSideEncryptionConfiguration;
      // S3 delivers server access logs only to SSE-S3 buckets: an access-log bucket is encrypted too.
      return Array.isArray(rules) && rules.some((x: any) => ['aws:kms', 'aws:kms:dsse', 'AES256'].includes(x?.ServerSideEncryptionByDefault?.SSEAlgorithm));
    }
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
      return isTrue(p.SSESpecification?.SSEEnabled) && (p.SSESpecification?.SSEType === 'KMS' || p.SSESpecification?.KMSMasterKeyId !== undefined);
    case 'AWS::SQS::Queue':
      return p.KmsMasterKeyId !== undefined;
    case 'AWS::SNS::Topic':
      return p.KmsMasterKeyId !== undefined;
    case 'AWS::Logs::LogGroup':
      return p.KmsKeyId !== undefined;
    default:
      return false;
  }
}

const OPEN_CIDRS = ['0.0.0.0/0', '::/0'];

function openIngress(r: ResourceSet): string[] {
  const open: string[] = [];
  for (const [id, v] of ofType(r, 'AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroupIngress')) {
    const p = v.Properties ?? {};
    const rules = v.Type === 'AWS::EC2::SecurityGroup' ? (Array.isArray(p.SecurityGroupIngress) ? p.SecurityGroupIngress : []) : [p];
    if (rules.some((x: any) => OPEN_CIDRS.includes(x?.CidrIp) || OPEN_CIDRS.includes(x?.CidrIpv6))) open.push(id);
  }
  return open;
}

/** Buckets with a policy that denies requests without TLS. */
function bucketsRefusingPlainHttp(r: ResourceSet): { holds: boolean; evidence: string[] } {
  const buckets = ofType(r, 'AWS::S3::Bucket').map(([id]) => id);
  const policies = ofType(r, 'AWS::S3::BucketPolicy');
  // Judged across stacks, IDs are qualified (`Stack/Id`) while a policy's Ref names the bare ID of its own stack.
  const stackOf = (id: string) => id.slice(0, id.lastIndexOf('/') + 1);
  const bare = (id: string) => id.slice(id.lastIndexOf('/') + 1);
  const covered = buckets.filter((b) => policies.some(([policyId, v]) => {
    const p = v.Properties ?? {};
    const target = JSON.stringify(p.Bucket ?? '');
    const doc = JSON.stringify(p.PolicyDocument ?? '');
    return stackOf(policyId) === stackOf(b) && target.includes(`"${bare(b)}"`) && doc.includes('aws:SecureTransport') && doc.includes('Deny');
  }));
  return { holds: buckets.length > 0 && covered.length === buckets.length, evidence: covered };
}

/** The checks of each practice, in the order the report lists them. */
export const PRACTICE_CHECKS: { readonly [practice: number]: readonly Check[] } = {
  [Practice.RISK_ASSESSMENT]: [
    { check: 'a risk profile is declared for the deployment', evaluate: (_, context) => ({ holds: context.profileDeclared, evidence: [] }) },
    { check: 'a VPC segments the workloads', evaluate: present('AWS::EC2::VPC') },
    { check: 'network ACLs enforce the zones', evaluate: present('AWS::EC2::NetworkAcl') },
    { check: 'VPC flow logs are on', evaluate: present('AWS::EC2::FlowLog') },
    {
      check: 'no security group admits the whole internet',
      evaluate: (r) => ({ holds: ofType(r, 'AWS::EC2::SecurityGroup').length > 0 && openIngress(r).length === 0, evidence: ofType(r, 'AWS::EC2::SecurityGroup').map(([id]) => id) }),
    },
  ],
  [Practice.ASSET_INVENTORY]: [
    { check: 'the fleet is indexed or typed and grouped (fleet indexing, thing types, thing groups)', evaluate: present('Custom::IotFleetIndexing', 'AWS::IoT::ThingType', 'AWS::IoT::ThingGroup') },
    {
      check: 'every IoT resource carries the criticality and owner tags',
      evaluate: (r) => {
        const iot = ofType(r, ...TAGGABLE_IOT);
        const tagged = iot.filter(([, v]) => ['criticality', 'owner'].every((k) => tagKeys(v.Properties ?? {}).includes(k))).map(([id]) => id);
        return { holds: iot.length > 0 && tagged.length === iot.length, evidence: tagged };
      },
    },
  ],
  [Practice.IDENTITY_AND_ACCESS]: [
    { check: 'devices have IoT policies', evaluate: present('AWS::IoT::Policy') },
    {
      check: 'devices get their own identity through provisioning with a pre-provisioning hook, or a registered CA',
      evaluate: (r) => {
        const hooked = some(['AWS::IoT::ProvisioningTemplate'], (p) => p.PreProvisioningHook !== undefined)(r);
        const ca = present('AWS::IoT::CACertificate')(r);
        return { holds: hooked.holds || ca.holds, evidence: [...hooked.evidence, ...ca.evidence] };
      },
    },
  ],
  [Practice.SECURE_UPDATES]: [
    // SignedFirmwarePipeline makes its Signer profile through a custom resource (`Custom::FirmwareSigningProfile`).
    { check: 'artifacts are signed (AWS Signer profile)', evaluate: present('AWS::Signer::SigningProfile', 'Custom::FirmwareSigningProfile') },
    { check: 'updates roll out gradually and abort on failures (job template)', evaluate: some(['AWS::IoT::JobTemplate'], (p) => p.AbortConfig !== undefined && p.JobExecutionsRolloutConfig !== undefined) },
    { check: 'releases are registered as software package versions', evaluate: present('AWS::IoT::SoftwarePackage', 'AWS::IoT::SoftwarePackageVersion') },
  ],
  [Practice.DATA_AT_REST]: [
    { check: 'customer-managed KMS keys with rotation', evaluate: some(['AWS::KMS::Key'], (p) => isTrue(p.EnableKeyRotation)) },
    {
      check: 'every data store is encrypted',
      evaluate: (r) => {
        const stores = ofType(r, ...STORES);
        const encrypted = stores.filter(([, v]) => storeEncrypted(v.Type, v.Properties ?? {})).map(([id]) => id);
        return { holds: stores.length > 0 && encrypted.length === stores.length, evidence: encrypted };
      },
    },
    { check: 'AWS IoT Core encrypts its data with a customer-managed key', evaluate: some(['AWS::IoT::EncryptionConfiguration'], (p) => p.EncryptionType === 'CUSTOMER_MANAGED_KMS_KEY') },
  ],
  [Practice.DATA_IN_TRANSIT]: [
    {
      check: 'devices connect through a domain configuration with a 2022-10 TLS policy',
      evaluate: some(['AWS::IoT::DomainConfiguration'], (p) => TlsSecurityPolicy.MODERN.includes(p.TlsConfig?.SecurityPolicy)),
    },
    { check: 'every bucket refuses requests without TLS', evaluate: bucketsRefusingPlainHttp },
  ],
  [Practice.GATEWAYS_AND_IT]: [
    { check: 'gateways use temporary credentials through a role alias of an hour or less', evaluate: some(['AWS::IoT::RoleAlias'], (p) => typeof p.CredentialDurationSeconds !== 'number' || p.CredentialDurationSeconds <= 3600) },
  ],
  [Practice.AUDIT_AND_MONITORING]: [
    { check: 'Device Defender audit is configured', evaluate: present('AWS::IoT::AccountAuditConfiguration') },
    { check: 'audits run on a schedule', evaluate: present('AWS::IoT::ScheduledAudit') },
    { check: 'AWS IoT logging is on', evaluate: some(['AWS::IoT::Logging'], (p) => p.DefaultLogLevel !== 'DISABLED') },
    { check: 'alarms watch the fleet', evaluate: present('AWS::CloudWatch::Alarm') },
  ],
  [Practice.INCIDENT_RESPONSE]: [
    { check: 'Device Defender mitigation actions exist', evaluate: present('AWS::IoT::MitigationAction') },
    { check: 'playbooks run as state machines', evaluate: present('AWS::StepFunctions::StateMachine') },
    { check: 'findings and alarms trigger them (EventBridge rules)', evaluate: present('AWS::Events::Rule') },
  ],
  [Practice.BUSINESS_CONTINUITY]: [
    { check: 'a backup vault encrypted with a customer key', evaluate: some(['AWS::Backup::BackupVault'], (p) => p.EncryptionKeyArn !== undefined) },
    { check: 'a backup plan selects resources', evaluate: (r) => {
      const plan = present('AWS::Backup::BackupPlan')(r);
      const selection = present('AWS::Backup::BackupSelection')(r);
      return { holds: plan.holds && selection.holds, evidence: [...plan.evidence, ...selection.evidence] };
    } },
    { check: 'restores are tested on a schedule', evaluate: present('AWS::Backup::RestoreTestingPlan') },
  ],
};

/** Runs the checks of one practice. */
export function runChecks(practice: Practice, resources: ResourceSet, context: EvidenceContext): CheckResult[] {
  return PRACTICE_CHECKS[practice].map((c) => {
    const { holds, evidence } = c.evaluate(resources, context);
    return { check: c.check, holds, evidence: [...new Set(evidence)].sort() };
  });
}
