import { AttackDomain, Practice, Practices, ThreatModel } from '../../lib';

test('every technique has a well-formed, unique ID, a name, a domain and at least one practice and construct', () => {
  const all = ThreatModel.techniques();
  expect(new Set(all.map((t) => `${t.domain}:${t.id}`)).size).toBe(all.length);
  for (const t of all) {
    expect(t.id).toMatch(t.domain === AttackDomain.ICS ? /^T0\d{3}$/ : /^T1\d{3}(\.\d{3})?$/);
    expect(t.name.length).toBeGreaterThan(3);
    expect(t.practices.length).toBeGreaterThan(0);
    expect(t.constructs.length).toBeGreaterThan(0);
  }
});

test('the catalogue holds the techniques DESIGN.md names', () => {
  const ids = ThreatModel.techniques().map((t) => t.id);
  expect(ids).toEqual(expect.arrayContaining(['T1498', 'T0814', 'T1078', 'T1552', 'T1195', 'T1040', 'T1557', 'T1565', 'T1190', 'T1133', 'T1071', 'T1496', 'T1562.008', 'T1530', 'T1485', 'T1486']));
});

test('every practice but inventory-only ones mitigates something, in both matrices', () => {
  for (const p of Practices.all()) expect(ThreatModel.mitigatedBy([p.practice]).length).toBeGreaterThan(0);
  expect(ThreatModel.techniques().some((t) => t.domain === AttackDomain.ICS)).toBe(true);
});

test('technique() finds one by ID and names the known IDs for an unknown one', () => {
  expect(ThreatModel.technique('T1557').name).toBe('Adversary-in-the-Middle');
  expect(() => ThreatModel.technique('T9999')).toThrow(/ThreatModel.technique: no technique 'T9999' in the catalogue; known: T1078, /);
});

test('mitigatedBy() returns the techniques of the practices given', () => {
  expect(ThreatModel.mitigatedBy([Practice.BUSINESS_CONTINUITY]).map((t) => t.id)).toEqual(['T1495', 'T1485', 'T1486', 'T1490', 'T0826', 'T0827', 'T0809']);
});
