/*
 * Which Device Defender audit checks the pack anticipates at synth, and why a template cannot
 * decide the rest: the "Device Defender audit checks" section of RULES.md. The rules say which
 * checks they anticipate (`auditCheck` / `auditChecks` of their metadata), so a new rule shows up
 * here by itself; what a template cannot decide is written below, one reason per check.
 * test/checks/audit-check-coverage.test.ts fails when a check of the audit has neither.
 */
import { IOT_SECURITY_PACK_NAME, IotRule, ruleAuditChecks } from '../lib';
import { AUDIT_CHECKS } from '../lib/core/private/audit-checks';

/**
 * What a template cannot decide of an audit check, by its API name: the whole check where no rule
 * anticipates it, else the part the rules cannot see. Every check without a rule must be here.
 */
export const AUDIT_CHECKS_A_TEMPLATE_CANNOT_DECIDE: Readonly<Record<string, string>> = {
  CA_CERTIFICATE_EXPIRING_CHECK:
    'Expiry is measured against the day the audit runs (30 days ahead), and a CA certificate is registered from a PEM that '
    + 'the template usually does not hold (a parameter, an import, a file read at deploy).',
  CA_CERTIFICATE_KEY_QUALITY_CHECK:
    'The key of a CA certificate registered outside the template, or from a PEM given as a parameter or an import: the audit '
    + 'reads the certificate AWS IoT holds.',
  CONFLICTING_CLIENT_IDS_CHECK:
    'Runtime connection behaviour: several devices connecting with one client ID shows in connections, not in a template. '
    + 'A policy that lets a device connect with any client ID is IOT_POLICY_OVERLY_PERMISSIVE_CHECK\'s, anticipated by its rules.',
  DEVICE_CERTIFICATE_AGE_CHECK:
    'A certificate\'s age counts from its creation at run time; device certificates come from fleet provisioning, just-in-time '
    + 'registration or a CA outside the template.',
  DEVICE_CERTIFICATE_EXPIRING_CHECK:
    'Expiry is measured against the day the audit runs, and device certificates are issued by fleet provisioning, just-in-time '
    + 'registration or a CA, not written in the template.',
  DEVICE_CERTIFICATE_KEY_QUALITY_CHECK:
    'The key of a certificate the device or its CA generated: only a PEM or CSR written into the template could be read.',
  DEVICE_CERTIFICATE_SHARED_CHECK:
    'Decidable only for certificates and attachments the template creates: whether devices in the field present one '
    + 'certificate shows in their connections.',
  INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK:
    'An intermediate CA is revoked at its issuer (its CRL), after deployment; a template does not hold the chain\'s revocation state.',
  IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK:
    'Which services the role behind a role alias has not used for a year comes from IAM\'s last-accessed data at run time; '
    + 'the rules judge what the role grants, not what devices use.',
  REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK:
    'Whether the issuer has revoked a registered CA certificate is the issuer\'s CRL, at run time; the template registers the '
    + 'certificate but cannot know its revocation.',
  REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK:
    'A device certificate revoked by its CA, or transferred, while still ACTIVE in AWS IoT: revocation happens outside the '
    + 'template, after deployment.',
};

/** One audit check: the rules that anticipate it, and what a template cannot decide of it. */
export interface AuditCheckCoverage {
  readonly check: string;
  /** Full rule IDs (`IoTSecurity-GW4`). */
  readonly rules: readonly string[];
  readonly cannotDecide?: string;
}

/** Every check of the current Device Defender audit, in AUDIT_CHECKS order. */
export function auditCheckCoverage(rules: readonly IotRule[]): AuditCheckCoverage[] {
  return AUDIT_CHECKS.map(([, check]) => ({
    check,
    rules: rules.filter((r) => ruleAuditChecks(r.metadata).includes(check)).map((r) => `${IOT_SECURITY_PACK_NAME}-${r.metadata.id}`),
    cannotDecide: AUDIT_CHECKS_A_TEMPLATE_CANNOT_DECIDE[check],
  }));
}

/** The RULES.md section. */
export function renderAuditCheckSection(rules: readonly IotRule[]): string[] {
  const rows = auditCheckCoverage(rules);
  const anticipated = rows.filter((r) => r.rules.length > 0).length;
  const lines = [
    '## Device Defender audit checks',
    '',
    `Every check of the Device Defender audit (the ${rows.length} that \`${IOT_SECURITY_PACK_NAME}-MON2\` requires enabled), with the `
      + `rules that anticipate it at synth and what a template cannot decide of it. ${anticipated} of ${rows.length} are anticipated; `
      + 'the audit itself still runs on what the account holds.',
    '',
    '| Audit check | Anticipated at synth by | What a template cannot decide |',
    '|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(`| \`${r.check}\` | ${r.rules.length > 0 ? r.rules.join(', ') : '-'} | ${(r.cannotDecide ?? '-').replace(/\|/g, '\\|')} |`);
  }
  lines.push('');
  return lines;
}
