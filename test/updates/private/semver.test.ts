import * as fc from 'fast-check';
import { compareSemVer, compareVersions, isSemVer, parseSemVer } from '../../../lib/updates/private/semver';

test('the precedence example of SemVer 2.0.0 (rule 11), in order', () => {
  const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '2.0.0', '2.1.0', '2.1.1'];
  for (let i = 0; i < ordered.length - 1; i++) {
    expect(compareVersions(ordered[i], ordered[i + 1])).toBeLessThan(0);
    expect(compareVersions(ordered[i + 1], ordered[i])).toBeGreaterThan(0);
  }
  expect([...ordered].reverse().sort(compareVersions)).toEqual(ordered);
});

test('numbers compare as numbers, not text; build metadata has no precedence', () => {
  expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
  expect(compareVersions('1.0.10', '1.0.9')).toBeGreaterThan(0);
  expect(compareVersions('1.0.0+build.1', '1.0.0+build.2')).toBe(0);
  expect(compareVersions('1.0.0-2', '1.0.0-10')).toBeLessThan(0);
  expect(compareVersions('1.0.0-a', '1.0.0-B')).toBeGreaterThan(0); // ASCII: 'B' < 'a'
  expect(compareVersions('99999999999999999999.0.0', '99999999999999999998.0.0')).toBeGreaterThan(0);
});

test.each([
  '1', '1.0', 'v1.0.0', '01.0.0', '1.00.0', '1.0.0-', '1.0.0-01', '1.0.0+', '1.0.0-a..b', ' 1.0.0', '1.0.0 ', '1.0.0-é', `1.0.0-${'a'.repeat(60)}`, '', 1 as unknown as string, undefined as unknown as string,
])('%p is not a semantic version', (text) => {
  expect(isSemVer(text)).toBe(false);
});

test.each(['0.0.0', '1.2.3', '1.0.0-0.3.7', '1.0.0-x.7.z.92', '1.0.0-alpha+001', '1.0.0+20130313144700', '1.0.0-x-y-z.--'])('%p is a semantic version', (text) => {
  expect(isSemVer(text)).toBe(true);
});

test('compareVersions refuses what is not a version', () => {
  expect(() => compareVersions('1.0', '1.0.0')).toThrow(/not a semantic version: "1.0"/);
  expect(() => compareVersions('1.0.0', 'x')).toThrow(/not a semantic version: "x"/);
});

const version = fc.tuple(
  fc.nat(20), fc.nat(20), fc.nat(20),
  fc.array(fc.oneof(fc.nat(20).map(String), fc.constantFrom('alpha', 'beta', 'rc', 'x-1')), { maxLength: 3 }),
).map(([a, b, c, pre]) => `${a}.${b}.${c}${pre.length ? `-${pre.join('.')}` : ''}`);

test('precedence is a total order: antisymmetric and transitive', () => {
  fc.assert(fc.property(version, version, version, (a, b, c) => {
    // `+ 0` makes -0 (the negated sign of equal versions) 0: toBe tells them apart.
    expect(Math.sign(compareVersions(a, b)) + 0).toBe(-Math.sign(compareVersions(b, a)) + 0);
    if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
    expect(compareVersions(a, a)).toBe(0);
  }));
  // The case fast-check once drew (two equal versions), which the line above compared as 0 and -0.
  expect(Math.sign(compareVersions('0.16.1', '0.16.1')) + 0).toBe(-Math.sign(compareVersions('0.16.1', '0.16.1')) + 0);
});

test('a release is greater than each of its pre-releases', () => {
  fc.assert(fc.property(version, (v) => {
    const release = v.split('-')[0];
    const p = parseSemVer(v)!;
    if (p.prerelease.length > 0) expect(compareSemVer(p, parseSemVer(release)!)).toBeLessThan(0);
  }));
});
