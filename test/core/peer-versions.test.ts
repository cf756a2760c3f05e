import { assertPackPeers, awsCdkLibVersion, cdkNagVersion, MIN_AWS_CDK_LIB, MIN_CDK_NAG, versionAtLeast } from '../../lib/core/private/peer-versions';

const pkg = require('../../package.json');

test('the floors in code are the floors package.json gives npm', () => {
  expect(pkg.peerDependencies['aws-cdk-lib']).toBe(`^${MIN_AWS_CDK_LIB}`);
  expect(pkg.peerDependencies['cdk-nag']).toBe(`^${MIN_CDK_NAG}`);
});

test('an app on a cdk-nag that misses aws-cdk-lib\'s acknowledgments is told which version the pack needs', () => {
  expect(() => assertPackPeers('IotSecurityChecks', '2.276.0', '3.0.1'))
    .toThrow("IotSecurityChecks needs cdk-nag 3.0.2 or newer (the first release that reads the acknowledgments aws-cdk-lib 2.262.1 and newer record: with an older one, the findings the library's constructs acknowledge fail the synth); this app loads cdk-nag 3.0.1. Run 'npm install cdk-nag@^3.0.2'.");
  expect(() => assertPackPeers('IotSecurityChecks', '2.276.0', '3.0.2')).not.toThrow();
  expect(() => assertPackPeers('IotSecurityChecks', '2.276.0', '4.0.0')).not.toThrow();
});

test.each([
  ['2.269.0', true], ['2.269.1', true], ['2.276.0', true], ['3.0.0', true], ['2.268.9', false], ['2.100.0', false], ['1.204.0', false], ['nonsense', false],
])('versionAtLeast(%s, 2.269.0) is %s', (version, expected) => {
  expect(versionAtLeast(version, '2.269.0')).toBe(expected);
});

test('an app on an aws-cdk-lib older than the floor is told which version the pack needs', () => {
  expect(() => assertPackPeers('IotSecurityChecks', '2.257.0'))
    .toThrow("IotSecurityChecks needs aws-cdk-lib 2.269.0 or newer (the first release that accepts the acknowledgment IDs the pack prints, and gives validation plugins the construct tree cdk-nag 3 packs walk); this app loads aws-cdk-lib 2.257.0. Run 'npm install aws-cdk-lib@^2.269.0'.");
});

test('the aws-cdk-lib of this repository passes, and its version is read', () => {
  expect(awsCdkLibVersion()).toBe(pkg.devDependencies['aws-cdk-lib']);
  expect(cdkNagVersion()).toBe(pkg.devDependencies['cdk-nag']);
  expect(() => assertPackPeers('IotSecurityChecks')).not.toThrow();
});
