import { Token } from 'aws-cdk-lib';
import {
  AuditFrequency, ContainmentMode, IotLogLevel, NetworkEgress, Practice, Practices, RiskProfile, RolloutRate, TlsSecurityPolicy,
} from '../../lib/core';

describe('RiskProfile presets (DESIGN.md table)', () => {
  test.each([
    ['CONSUMER', RiskProfile.CONSUMER, AuditFrequency.WEEKLY, IotLogLevel.ERROR, 'IoTSecurityPolicy_TLS13_1_2_2022_10', 3600, 1000, 10],
    ['INDUSTRIAL', RiskProfile.INDUSTRIAL, AuditFrequency.DAILY, IotLogLevel.WARN, 'IoTSecurityPolicy_TLS13_1_2_2022_10', 3600, 100, 5],
    ['CRITICAL_INFRASTRUCTURE', RiskProfile.CRITICAL_INFRASTRUCTURE, AuditFrequency.DAILY, IotLogLevel.INFO, 'IoTSecurityPolicy_TLS13_1_3_2022_10', 900, 10, 1],
  ])('%s', (name, profile, audit, log, tls, credSec, maxPerMin, abortPct) => {
    expect(profile.name).toBe(name);
    expect(profile.auditFrequency).toBe(audit);
    expect(profile.logLevel).toBe(log);
    expect(profile.deviceTlsPolicy.policyName).toBe(tls);
    expect(profile.credentialDurationSec).toBe(credSec);
    expect(profile.otaRollout.maximumPerMinute).toBe(maxPerMin);
    expect(profile.otaAbortFailurePercent).toBe(abortPct);
    expect(profile.requiredPractices).toHaveLength(10);
  });

  test('consumer rolls out exponentially; the others at a constant rate', () => {
    expect(RiskProfile.CONSUMER.otaRollout.exponentialRamp).toEqual({ baseRatePerMinute: 50, incrementFactor: 2, successesBeforeIncrease: 10 });
    expect(RiskProfile.INDUSTRIAL.otaRollout.exponentialRamp).toBeUndefined();
    expect(RiskProfile.CRITICAL_INFRASTRUCTURE.otaRollout.exponentialRamp).toBeUndefined();
  });

  test('containment: only critical infrastructure waits for a human on every device', () => {
    expect(RiskProfile.CONSUMER.containment).toBe(ContainmentMode.AUTOMATIC_QUARANTINE);
    expect(RiskProfile.INDUSTRIAL.containment).toBe(ContainmentMode.AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL);
    expect(RiskProfile.CRITICAL_INFRASTRUCTURE.containment).toBe(ContainmentMode.HUMAN_APPROVAL_ONLY);
  });

  test('critical infrastructure: canary first, no egress, locked cross-region backups for a year', () => {
    const p = RiskProfile.CRITICAL_INFRASTRUCTURE;
    expect(p.otaCanaryGroupFirst).toBe(true);
    expect(p.networkEgress).toBe(NetworkEgress.NONE);
    expect([p.backupRetentionDays, p.backupVaultLock, p.backupCopyToSecondRegion]).toEqual([365, true, true]);
    expect(RiskProfile.CONSUMER.networkEgress).toBe(NetworkEgress.NAT);
    expect([RiskProfile.CONSUMER.backupRetentionDays, RiskProfile.INDUSTRIAL.backupRetentionDays]).toEqual([35, 90]);
  });

  test('presets are ordered from least to most strict', () => {
    expect(RiskProfile.PRESETS.map((p) => p.name)).toEqual(['CONSUMER', 'INDUSTRIAL', 'CRITICAL_INFRASTRUCTURE']);
    const abort = RiskProfile.PRESETS.map((p) => p.otaAbortFailurePercent);
    expect([...abort].sort((a, b) => b - a)).toEqual(abort);
  });
});

describe('RiskProfile.custom', () => {
  test('starts from INDUSTRIAL and takes overrides', () => {
    const p = RiskProfile.custom({ name: 'pumps', credentialDurationSec: 1200, otaAbortFailurePercent: 2 });
    expect(p.name).toBe('pumps');
    expect(p.credentialDurationSec).toBe(1200);
    expect(p.otaAbortFailurePercent).toBe(2);
    expect(p.logLevel).toBe(IotLogLevel.WARN);
  });

  test('starts from the base given; undefined overrides keep the base value', () => {
    const p = RiskProfile.custom({ name: 'bulbs-eu', base: RiskProfile.CONSUMER, logLevel: undefined, backupRetentionDays: 60 });
    expect(p.logLevel).toBe(IotLogLevel.ERROR);
    expect(p.backupRetentionDays).toBe(60);
    expect(p.auditFrequency).toBe(AuditFrequency.WEEKLY);
  });

  test('takes a smaller set of required practices', () => {
    const p = RiskProfile.custom({ name: 'lab', requiredPractices: [Practice.IDENTITY_AND_ACCESS, Practice.DATA_IN_TRANSIT] });
    expect(p.requiredPractices).toEqual([3, 6]);
  });

  test.each([
    [{ credentialDurationSec: 899 }, /credentialDurationSec must be an integer from 900 to 3600 seconds, got 899 \(AWS IoT role aliases allow 900 to 43200; above 3600 is under the library's security floor, rule IoTSecurity-GW2\)/],
    [{ credentialDurationSec: 3601 }, /credentialDurationSec must be an integer from 900 to 3600 seconds, got 3601/],
    [{ credentialDurationSec: 43200 }, /credentialDurationSec must be an integer from 900 to 3600 seconds, got 43200/],
    [{ credentialDurationSec: 1000.5 }, /credentialDurationSec must be an integer/],
    [{ otaAbortFailurePercent: 0 }, /otaAbortFailurePercent must be a number above 0 to 50 percent, got 0/],
    [{ otaAbortFailurePercent: 80 }, /otaAbortFailurePercent must be a number above 0 to 50 percent, got 80 \(AWS IoT Jobs allow up to 100; above 50 is under the library's security floor, rule IoTSecurity-UPD1\)/],
    [{ otaAbortFailurePercent: 50.5 }, /otaAbortFailurePercent must be a number above 0 to 50 percent, got 50.5/],
    [{ backupRetentionDays: 0 }, /backupRetentionDays must be an integer from 1 to 36500 days, got 0/],
    [{ backupRetentionDays: 36501 }, /backupRetentionDays must be an integer from 1 to 36500 days, got 36501/],
    [{ base: RiskProfile.CRITICAL_INFRASTRUCTURE, backupRetentionDays: 6 }, /backupRetentionDays must be at least 7 days with backupVaultLock and backupCopyToSecondRegion, got 6 \(such a profile copies to a logically air-gapped vault/],
    [{ auditFrequency: AuditFrequency.MONTHLY }, /auditFrequency must be one of DAILY, WEEKLY, got "MONTHLY" \(AWS also offers BIWEEKLY and MONTHLY, under the library's security floor, rule IoTSecurity-MON5\)/],
    [{ auditFrequency: AuditFrequency.BIWEEKLY }, /auditFrequency must be one of DAILY, WEEKLY, got "BIWEEKLY"/],
    [{ logLevel: IotLogLevel.DISABLED }, /logLevel must be one of ERROR, WARN, INFO, DEBUG, got "DISABLED" \(DISABLED is under the library's security floor, rule IoTSecurity-MON1\)/],
    [{ deviceTlsPolicy: TlsSecurityPolicy.of('IoTSecurityPolicy_TLS13_1_2_2018_07') }, /deviceTlsPolicy must be TlsSecurityPolicy.TLS13_1_2_2022_10, TLS13_1_3_2022_10 or TLS12_1_2_2022_10, got IoTSecurityPolicy_TLS13_1_2_2018_07 \(older policies are under the library's security floor, rule IoTSecurity-TLS1\)/],
    [{ containment: 'YOLO' as ContainmentMode }, /containment must be one of .*got "YOLO"/],
    [{ networkEgress: 'OPEN' as NetworkEgress }, /networkEgress must be one of NAT, NONE, got "OPEN"/],
    [{ otaRollout: { maximumPerMinute: 5 } as RolloutRate }, /otaRollout must be made with RolloutRate.constant\(\) or RolloutRate.exponential\(\), got \{"maximumPerMinute":5\}/],
    [{ backupVaultLock: 'yes' as unknown as boolean }, /backupVaultLock must be true or false, got "yes"/],
    [{ requiredPractices: [11 as Practice] }, /requiredPractices must be a list of Practice values \(1..10\), got \[11\]/],
  ])('rejects %j', (override, message) => {
    expect(() => RiskProfile.custom({ name: 'x', ...override })).toThrow(message);
  });

  test('a base that is not a profile is named once, not as thirteen missing settings', () => {
    let message = '';
    try {
      RiskProfile.custom({ name: 'pumps', base: 'CRITICAL_INFRASTRUCTURE' as unknown as RiskProfile });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('RiskProfile.custom("pumps"): base must be a RiskProfile (RiskProfile.CONSUMER, RiskProfile.INDUSTRIAL, '
      + 'RiskProfile.CRITICAL_INFRASTRUCTURE or one made with RiskProfile.custom), got "CRITICAL_INFRASTRUCTURE"');
  });

  // Every setting: the base's value by default, the override when given, and a refused value.
  test.each([
    ['auditFrequency', AuditFrequency.DAILY, AuditFrequency.WEEKLY, AuditFrequency.MONTHLY],
    ['logLevel', IotLogLevel.WARN, IotLogLevel.DEBUG, 'LOUD'],
    ['deviceTlsPolicy', TlsSecurityPolicy.TLS13_1_2_2022_10, TlsSecurityPolicy.TLS13_1_3_2022_10, 'IoTSecurityPolicy_TLS13_1_3_2022_10'],
    ['credentialDurationSec', 3600, 900, 7200],
    ['otaRollout', RolloutRate.constant(100), RolloutRate.constant(20), 20],
    ['otaCanaryGroupFirst', false, true, 'yes'],
    ['otaAbortFailurePercent', 5, 2.5, 51],
    ['containment', ContainmentMode.AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL, ContainmentMode.HUMAN_APPROVAL_ONLY, 'NEVER'],
    ['networkEgress', NetworkEgress.NAT, NetworkEgress.NONE, 'ANY'],
    ['backupRetentionDays', 90, 400, 0],
    ['backupVaultLock', false, true, 1],
    ['backupCopyToSecondRegion', false, true, null],
    ['requiredPractices', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [Practice.BUSINESS_CONTINUITY], [0]],
  ] as [keyof RiskProfile, unknown, unknown, unknown][])('%s: default from the base, override, refused value', (setting, base, override, refused) => {
    expect(RiskProfile.custom({ name: 'x' })[setting]).toEqual(base);
    expect(RiskProfile.custom({ name: 'x', [setting]: override })[setting]).toEqual(override);
    expect(() => RiskProfile.custom({ name: 'x', [setting]: refused })).toThrow(new RegExp(`^RiskProfile.custom\\("x"\\): ${setting} must be`));
  });

  test('a misspelt setting from JavaScript is an error naming the setting it resembles, not a silent default', () => {
    expect(() => RiskProfile.custom({ name: 'x', credentialDuration: 1800 } as never))
      .toThrow(/^RiskProfile.custom\("x"\): unknown prop 'credentialDuration' \(did you mean 'credentialDurationSec'\?\); the props are name, base, auditFrequency/);
    expect(() => RiskProfile.custom({ name: 'x', colour: 'red' } as never)).toThrow(/unknown prop 'colour'; the props are/);
  });

  test('every RiskProfileSettings member is a known prop', () => {
    const all = Object.fromEntries(Object.entries(RiskProfile.CONSUMER).filter(([k]) => k !== 'name' && k !== 'settings'));
    expect(() => RiskProfile.custom({ name: 'copy', ...all })).not.toThrow();
  });

  test('accepts the limits themselves: an hour of credentials, 50 % abort, weekly audits, 7 days of air-gapped backups', () => {
    const p = RiskProfile.custom({
      name: 'edge', base: RiskProfile.CRITICAL_INFRASTRUCTURE, credentialDurationSec: 3600, otaAbortFailurePercent: 50,
      auditFrequency: AuditFrequency.WEEKLY, backupRetentionDays: 7, logLevel: IotLogLevel.DEBUG,
    });
    expect([p.credentialDurationSec, p.otaAbortFailurePercent, p.auditFrequency, p.backupRetentionDays]).toEqual([3600, 50, 'WEEKLY', 7]);
    // Without the air gap (no vault lock), a day is enough.
    expect(RiskProfile.custom({ name: 'lab', backupRetentionDays: 1 }).backupRetentionDays).toBe(1);
  });

  test('a token is refused with the words that a literal is needed, not as a huge negative number', () => {
    const token = Token.asNumber({ Ref: 'Seconds' });
    expect(() => RiskProfile.custom({ name: 'x', otaAbortFailurePercent: Token.asNumber({ Ref: 'Param' }) }))
      .toThrow(/otaAbortFailurePercent must be a literal value \(a profile's settings choose defaults at synth time\), got a token/);
    expect(() => RiskProfile.custom({ name: 'x', credentialDurationSec: token })).toThrow(/credentialDurationSec must be a literal value/);
    expect(() => RiskProfile.custom({ name: 'x', logLevel: Token.asString({ Ref: 'Level' }) as IotLogLevel })).toThrow(/logLevel must be a literal value/);
  });

  test('a profile cannot be changed once made: its settings were checked when it was made', () => {
    const p = RiskProfile.custom({ name: 'frozen' });
    expect(() => { (p as { otaAbortFailurePercent: number }).otaAbortFailurePercent = 80; }).toThrow(TypeError);
    expect(() => { (RiskProfile.CONSUMER as { credentialDurationSec: number }).credentialDurationSec = 43200; }).toThrow(TypeError);
    expect(RiskProfile.CONSUMER.credentialDurationSec).toBe(3600);
    expect(Object.isFrozen(RiskProfile.INDUSTRIAL.requiredPractices)).toBe(true);
    expect(() => { (p as { name: string }).name = 'other'; }).toThrow(TypeError);
    // Still extensible: jsii tags the objects it hands to other languages.
    expect(Object.isExtensible(p)).toBe(true);
  });

  test('names the profile and reports every problem at once', () => {
    expect(() => RiskProfile.custom({ name: 'x', credentialDurationSec: 1, backupRetentionDays: -1 }))
      .toThrow(/^RiskProfile.custom\("x"\): credentialDurationSec .*; backupRetentionDays/);
  });

  test.each([['CONSUMER'], ['industrial'], ['Critical_Infrastructure']])('a custom profile cannot pass for a preset: rejects the name %j', (name) => {
    // A CRITICAL_INFRASTRUCTURE base named CONSUMER would get the consumer alarm thresholds and criticality tag.
    expect(() => RiskProfile.custom({ name, base: RiskProfile.CRITICAL_INFRASTRUCTURE }))
      .toThrow(/name must not be a preset's name \(CONSUMER, INDUSTRIAL, CRITICAL_INFRASTRUCTURE\): constructs and the posture report know a preset by its name/);
  });

  test.each([[''], ['-starts-with-dash'], ['a'.repeat(65)], [undefined as unknown as string]])('rejects the name %j', (name) => {
    expect(() => RiskProfile.custom({ name })).toThrow(/name must be 1-64 letters/);
  });
});

describe('RolloutRate', () => {
  test('constant', () => {
    expect(RolloutRate.constant(100).maximumPerMinute).toBe(100);
  });
  test('refuses a token or missing options with words, not a TypeError', () => {
    expect(() => RolloutRate.constant(Token.asNumber({ Ref: 'Rate' }))).toThrow(/RolloutRate.constant: maximumPerMinute must be a literal number, got a token/);
    expect(() => RolloutRate.exponential(undefined as never)).toThrow(/RolloutRate.exponential: options must be \{ baseRatePerMinute, incrementFactor, maximumPerMinute \}, got undefined/);
    expect(() => RolloutRate.constant('100' as never)).toThrow(/maximumPerMinute must be an integer from 1 to 1000, got "100"/);
  });
  test.each([[0], [1001], [2.5], [NaN]])('rejects constant(%p)', (n) => {
    expect(() => RolloutRate.constant(n)).toThrow(/RolloutRate.constant: maximumPerMinute must be an integer from 1 to 1000/);
  });
  test('exponential checks each option and the base against the maximum', () => {
    expect(() => RolloutRate.exponential({ baseRatePerMinute: 10, incrementFactor: 1.05, maximumPerMinute: 100 }))
      .toThrow(/incrementFactor must be a number from 1.1 to 5, got 1.05/);
    expect(() => RolloutRate.exponential({ baseRatePerMinute: 200, incrementFactor: 2, maximumPerMinute: 100 }))
      .toThrow(/baseRatePerMinute \(200\) must not exceed maximumPerMinute \(100\)/);
    expect(() => RolloutRate.exponential({ baseRatePerMinute: 1, incrementFactor: 2, maximumPerMinute: 10, successesBeforeIncrease: 0 }))
      .toThrow(/successesBeforeIncrease must be an integer from 1/);
  });
});

describe('TlsSecurityPolicy', () => {
  test('the 2022-10 policies are modern, older ones are not', () => {
    expect(TlsSecurityPolicy.TLS13_1_2_2022_10.isModern).toBe(true);
    expect(TlsSecurityPolicy.TLS13_1_3_2022_10.isModern).toBe(true);
    expect(TlsSecurityPolicy.of('IoTSecurityPolicy_TLS12_1_0_2016_01').isModern).toBe(false);
  });
  test('of() needs a literal name: whether a policy is modern is judged by its name at synth', () => {
    expect(() => TlsSecurityPolicy.of(Token.asString({ Ref: 'Policy' }))).toThrow(/TlsSecurityPolicy.of: policyName must be a literal name .* got a token/);
    expect(() => TlsSecurityPolicy.of(undefined as never)).toThrow(/policyName must be an AWS IoT policy name .* got undefined/);
  });
  test('of() rejects a name that is not an IoT policy name', () => {
    expect(() => TlsSecurityPolicy.of('TLSv1.2')).toThrow(/TlsSecurityPolicy.of: policyName must be an AWS IoT policy name .* got 'TLSv1.2'/);
  });
});

describe('Practices', () => {
  test('ten practices, numbered 1 to 10, each with a title and summary', () => {
    const all = Practices.all();
    expect(all.map((p) => p.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const p of all) {
      expect(p.title.length).toBeGreaterThan(5);
      expect(p.summary).toMatch(/\.$/);
    }
    expect(Practices.of(Practice.DATA_IN_TRANSIT).title).toBe('Data in transit');
  });
  test('of() rejects a number outside 1..10', () => {
    expect(() => Practices.of(11 as Practice)).toThrow(/practice must be a number from 1 to 10, got 11/);
  });
});
