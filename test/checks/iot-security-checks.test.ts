import * as fs from 'fs';
import * as path from 'path';
import * as iotAlpha from '@aws-cdk/aws-iot-alpha';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iot from 'aws-cdk-lib/aws-iot';
import { NagMessageLevel, NagPack, NagRuleCompliance } from 'cdk-nag';
import { ALL_RULES, defineRule, IOT_LENS_SECURITY_QUESTIONS, IotSecurityChecks, Practice, RuleArea, ruleExportName } from '../../lib';
import { AUDIT_CHECKS } from '../../lib/core/private/audit-checks';
import { RULES_MD, renderRulesMarkdown } from '../../scripts/generate-rules-md';
import { newValidatedApp, validationFindings } from '../validation';

const WILDCARD_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };

describe('the pack', () => {
  test('is a cdk-nag v3 NagPack named IoTSecurity, listing every rule ID', () => {
    const pack = new IotSecurityChecks();
    expect(pack).toBeInstanceOf(NagPack);
    expect(pack.name).toBe('IoTSecurity');
    expect(pack.readPackName).toBe('IoTSecurity');
    expect(pack.ruleIds).toEqual(ALL_RULES.map((r) => `IoTSecurity-${r.metadata.id}`));
  });

  test('holds at least 25 rules, with these IDs', () => {
    const ids = new IotSecurityChecks().ruleIds!;
    expect(ids.length).toBeGreaterThanOrEqual(25);
    expect(ids).toEqual([
      'IoTSecurity-INV1',
      'IoTSecurity-INV2',
      'IoTSecurity-ID1',
      'IoTSecurity-ID2',
      'IoTSecurity-ID3',
      'IoTSecurity-ID4',
      'IoTSecurity-ID5',
      'IoTSecurity-ID6',
      'IoTSecurity-ID7',
      'IoTSecurity-ID8',
      'IoTSecurity-ID9',
      'IoTSecurity-ID10',
      'IoTSecurity-ID11',
      'IoTSecurity-ID13',
      'IoTSecurity-ID15',
      'IoTSecurity-ID16',
      'IoTSecurity-ID17',
      'IoTSecurity-ID18',
      'IoTSecurity-ID19',
      'IoTSecurity-ID20',
      'IoTSecurity-ID21',
      'IoTSecurity-UPD1',
      'IoTSecurity-UPD2',
      'IoTSecurity-UPD3',
      'IoTSecurity-UPD4',
      'IoTSecurity-UPD5',
      'IoTSecurity-UPD6',
      'IoTSecurity-UPD7',
      'IoTSecurity-DAT1',
      'IoTSecurity-DAT2',
      'IoTSecurity-DAT3',
      'IoTSecurity-TLS1',
      'IoTSecurity-TLS2',
      'IoTSecurity-TLS3',
      'IoTSecurity-TLS4',
      'IoTSecurity-GW1',
      'IoTSecurity-GW2',
      'IoTSecurity-GW3',
      'IoTSecurity-GW4',
      'IoTSecurity-GW5',
      'IoTSecurity-GW6',
      'IoTSecurity-GW9',
      'IoTSecurity-GW10',
      'IoTSecurity-GW11',
      'IoTSecurity-GW12',
      'IoTSecurity-GW13',
      'IoTSecurity-GW14',
      'IoTSecurity-GW15',
      'IoTSecurity-MON1',
      'IoTSecurity-MON2',
      'IoTSecurity-MON3',
      'IoTSecurity-MON4',
      'IoTSecurity-MON5',
      'IoTSecurity-MON6',
      'IoTSecurity-IR1',
      'IoTSecurity-BC1',
      'IoTSecurity-BC2',
      'IoTSecurity-NET1',
    ]);
  });

  test('every rule carries complete metadata: practice, ATT&CK, level, info, explanation, fix, resource types', () => {
    for (const rule of ALL_RULES) {
      const m = rule.metadata;
      expect(m.id).toMatch(/^(INV|ID|UPD|DAT|TLS|GW|MON|IR|BC|NET)\d+$/);
      expect(Object.values(Practice)).toContain(m.practice);
      // Tagging (INV) mitigates no technique by itself: it is what lets responders find assets.
      if (!m.id.startsWith('INV')) expect(m.attackEnterprise.length + m.attackIcs.length).toBeGreaterThan(0);
      for (const t of m.attackEnterprise) expect(t).toMatch(/^T1\d{3}(\.\d{3})?$/);
      for (const t of m.attackIcs) expect(t).toMatch(/^T0\d{3}$/);
      if (m.auditCheck !== undefined) expect(m.auditCheck).toMatch(/^[A-Z_]+_CHECK$/);
      expect([NagMessageLevel.ERROR, NagMessageLevel.WARN]).toContain(m.level);
      for (const text of [m.info, m.explanation, m.fix]) expect(text.length).toBeGreaterThan(15);
      expect(m.resourceTypes.length).toBeGreaterThan(0);
      expect(ruleExportName(rule)).toMatch(/^[A-Z][A-Za-z0-9]+$/);
    }
  });

  test('a rule keeps the plain cdk-nag shape, so it can join another pack', () => {
    for (const rule of ALL_RULES) {
      expect(typeof rule).toBe('function');
      expect(rule.length).toBe(1);
    }
  });

  test('registers as a validation plugin and fails the synth on a finding', () => {
    const app = newValidatedApp();
    new iot.CfnPolicy(new Stack(app, 'S'), 'Policy', { policyDocument: WILDCARD_POLICY });
    const findings = validationFindings(app).filter((f) => f.plugin === 'IoTSecurity');
    expect(findings.map((f) => f.rule)).toEqual(expect.arrayContaining([expect.stringMatching(/^IoTSecurity-ID1/)]));
    expect(findings.every((f) => f.paths.includes('S/Policy'))).toBe(true);
  });

  test('validateScope reports findings directly, and acknowledging the exact finding ID removes only that one', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const policy = new iot.CfnPolicy(stack, 'Policy', { policyDocument: WILDCARD_POLICY });
    const before = new IotSecurityChecks().validateScope(app).violations.map((v) => v.ruleName);
    expect(before.length).toBeGreaterThan(1);
    Validations.of(policy).acknowledge({ id: before[0], reason: 'test: acknowledged on purpose' });
    const after = new IotSecurityChecks().validateScope(app).violations.map((v) => v.ruleName);
    expect(after).toEqual(before.slice(1));
  });

  test("the README's acknowledgment example silences exactly its finding", () => {
    const app = new App();
    const job = new iot.CfnJobTemplate(new Stack(app, 'S'), 'Job', {
      jobTemplateId: 'reset', description: 'factory reset', document: '{}',
      // AbortConfig and the rollout config are untyped JSON in the L1: CloudFormation's own casing.
      abortConfig: { CriteriaList: [{ Action: 'CANCEL', FailureType: 'FAILED', MinNumberOfExecutedThings: 10, ThresholdPercentage: 5 }] },
      jobExecutionsRolloutConfig: { MaximumPerMinute: 10 },
    });
    const upd3 = () => new IotSecurityChecks().validateScope(app).violations.map((v) => v.ruleName).filter((r) => r.startsWith('IoTSecurity-UPD'));
    expect(upd3()).toEqual(['IoTSecurity-UPD3[Missing::TimeoutConfig]']);
    Validations.of(job).acknowledge({ id: 'IoTSecurity-UPD3[Missing::TimeoutConfig]', reason: 'test' });
    expect(upd3()).toEqual([]);
  });

  test('at synth, the plugin-qualified form CDK prints (IoTSecurity::IoTSecurity-...) acknowledges too', () => {
    const app = newValidatedApp();
    const policy = new iot.CfnPolicy(new Stack(app, 'S'), 'Policy', { policyDocument: WILDCARD_POLICY });
    Validations.of(policy).acknowledge({ id: 'IoTSecurity::IoTSecurity-ID1[Action::iot:*]', reason: 'test' });
    const rules = validationFindings(app).map((f) => f.rule);
    expect(rules).not.toContain('IoTSecurity-ID1[Action::iot:*]');
    expect(rules).toContain('IoTSecurity-ID2[Resource::*]');
  });

  test('used in a pack that does not dispatch on type, a rule is not applicable to types it does not judge', () => {
    const stack = new Stack(new App(), 'S');
    const topic = new CfnResource(stack, 'Topic', { type: 'AWS::SNS::Topic', properties: {} });
    const judged = ALL_RULES.filter((r) => !r.metadata.resourceTypes.includes('*'))
      .filter((r) => r(topic) !== NagRuleCompliance.NOT_APPLICABLE)
      .map((r) => r.metadata.id);
    expect(judged).toEqual([]);
  });

  test('defineRule turns anything a rule throws into the finding Unresolved::Properties', () => {
    const rule = defineRule({ ...ALL_RULES[0].metadata, resourceTypes: ['*'] }, () => {
      throw new TypeError('boom');
    });
    const node = new CfnResource(new Stack(new App(), 'S'), 'R', { type: 'AWS::IoT::Policy', properties: {} });
    expect(rule(node)).toEqual(['Unresolved::Properties']);
  });

  test('every rule names the IoT Lens security questions it serves, and defineRule refuses an unknown or empty list', () => {
    for (const r of ALL_RULES) {
      expect(r.metadata.iotLens.length).toBeGreaterThan(0);
      for (const q of r.metadata.iotLens) expect(Object.keys(IOT_LENS_SECURITY_QUESTIONS)).toContain(q);
    }
    const base = ALL_RULES[0].metadata;
    expect(() => defineRule({ ...base, iotLens: [] }, () => NagRuleCompliance.COMPLIANT)).toThrow(/iotLens must name at least one of IOTSEC01..IOTSEC15, got \[\]/);
    expect(() => defineRule({ ...base, iotLens: ['IOTSEC16' as never] }, () => NagRuleCompliance.COMPLIANT)).toThrow(/got \[IOTSEC16\]/);
  });

  test('rules never throw: an app of every IoT resource type with empty or odd properties gives findings, not errors', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const types = [...new Set(ALL_RULES.flatMap((r) => r.metadata.resourceTypes))].filter((t) => t !== '*');
    const odd = [{}, { Tags: 'x' }, { PolicyDocument: 'not json', TopicRulePayload: 5 }, { Foo: { 'Fn::If': ['C', 1, 2] } }];
    types.forEach((type, i) => odd.forEach((properties, j) => new CfnResource(stack, `R${i}x${j}`, { type, properties })));
    const report = new IotSecurityChecks(undefined, { verbose: true }).validateScope(app);
    const crashes = report.violations.filter((v) => /Rule threw an error/.test(v.description));
    expect(crashes).toEqual([]);
  });
});

describe('rule metadata against its sources', () => {
  const AUDIT_CHECK_NAMES = AUDIT_CHECKS.map(([, name]) => name);

  test("AUDIT_CHECKS keys are exactly the checks the alpha AccountAuditConfiguration enables in CloudFormation", () => {
    const stack = new Stack(new App(), 'S');
    new iotAlpha.AccountAuditConfiguration(stack, 'Audit');
    const [audit] = Object.values(Template.fromStack(stack).findResources('AWS::IoT::AccountAuditConfiguration'));
    expect(AUDIT_CHECKS.map(([key]) => key).sort()).toEqual(Object.keys(audit.Properties.AuditCheckConfigurations).sort());
  });

  test('each AUDIT_CHECKS name is its CloudFormation key in upper snake case', () => {
    const snake = (key: string) => key.replace(/^IoT/, 'Iot').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
    expect(AUDIT_CHECKS.filter(([key, name]) => snake(key) !== name)).toEqual([]);
  });

  test("the alpha L2's AuditCheck enum is AUDIT_CHECKS less the three checks it has not caught up with", () => {
    const alpha: string[] = Object.values(iotAlpha.AuditCheck);
    expect(alpha.filter((name) => !AUDIT_CHECK_NAMES.includes(name))).toEqual([]);
    expect(AUDIT_CHECK_NAMES.filter((name) => !alpha.includes(name))).toEqual([
      'DEVICE_CERTIFICATE_AGE_CHECK',
      'INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK',
      'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK',
    ]);
  });

  test("every rule's auditCheck is a Device Defender audit check name", () => {
    const withCheck = ALL_RULES.filter((r) => r.metadata.auditCheck !== undefined);
    expect(withCheck.length).toBeGreaterThan(0);
    const unknown = withCheck.filter((r) => !AUDIT_CHECK_NAMES.includes(r.metadata.auditCheck!));
    expect(unknown.map((r) => `${r.metadata.id}: ${r.metadata.auditCheck}`)).toEqual([]);
  });

  test('every rule serves the practice its ID area names', () => {
    const PRACTICES_OF_AREA: { readonly [area in RuleArea]: readonly Practice[] } = {
      INV: [Practice.ASSET_INVENTORY],
      ID: [Practice.IDENTITY_AND_ACCESS],
      UPD: [Practice.SECURE_UPDATES],
      DAT: [Practice.DATA_AT_REST],
      TLS: [Practice.DATA_IN_TRANSIT],
      GW: [Practice.GATEWAYS_AND_IT],
      MON: [Practice.AUDIT_AND_MONITORING],
      IR: [Practice.INCIDENT_RESPONSE],
      BC: [Practice.BUSINESS_CONTINUITY],
      // Segmentation is risk assessment's zoning (1) or a gateway's allow lists (7).
      NET: [Practice.RISK_ASSESSMENT, Practice.GATEWAYS_AND_IT],
    };
    const mismatched = ALL_RULES.filter((r) => {
      const area = /^[A-Z]+/.exec(r.metadata.id)![0] as RuleArea;
      return !PRACTICES_OF_AREA[area].includes(r.metadata.practice);
    });
    expect(mismatched.map((r) => `${r.metadata.id}: practice ${r.metadata.practice}`)).toEqual([]);
  });

  test("a rule's JSDoc starts with its pack ID, IoTSecurity-<ID>:", () => {
    const rulesDir = path.join(__dirname, '..', '..', 'lib', 'checks', 'rules');
    const sources = fs.readdirSync(rulesDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => fs.readdirSync(path.join(rulesDir, d.name)).filter((f) => f.endsWith('.ts')).map((f) => path.join(rulesDir, d.name, f)))
      .map((f) => fs.readFileSync(f, 'utf8'));
    const headers = ALL_RULES.flatMap((rule) => {
      const name = ruleExportName(rule);
      const source = sources.find((text) => text.includes(`export const ${name} = defineRule(`));
      if (!source) return [];
      const doc = /\/\*\*\n \* ([^\n]*)\n(?:(?! \*\/)[^\n]*\n)* \*\/\nexport const (\w+) = defineRule\(/g;
      const header = [...source.matchAll(doc)].find((m) => m[2] === name)?.[1];
      return [[rule.metadata.id, header?.split(':')[0]]];
    });
    expect(headers.length).toBe(ALL_RULES.length);
    expect(headers.filter(([id, prefix]) => prefix !== `IoTSecurity-${id}`)).toEqual([]);
  });
});

describe('RULES.md', () => {
  test('is generated from the rules and up to date (run `npm run rules:doc`)', () => {
    expect(fs.readFileSync(RULES_MD, 'utf8')).toBe(renderRulesMarkdown());
  });

  test('lists every rule with its practice, ATT&CK techniques and audit check', () => {
    const md = renderRulesMarkdown();
    for (const rule of ALL_RULES) {
      const row = md.split('\n').find((l) => l.startsWith(`| IoTSecurity-${rule.metadata.id} |`));
      expect(row).toBeDefined();
      for (const t of [...rule.metadata.attackEnterprise, ...rule.metadata.attackIcs]) expect(row).toContain(t);
      if (rule.metadata.auditCheck) expect(row).toContain(rule.metadata.auditCheck);
    }
  });
});
