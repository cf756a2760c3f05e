import { assertPackPeers, awsCdkLibVersion, MIN_AWS_CDK_LIB, versionAtLeast } from '../../lib/core/private/peer-versions';

const pkg = require('../../package.json');

test('the floor in code is the floor package.json gives npm', () => {
  expect(pkg.peerDependencies['aws-cdk-lib']).toBe(`^${MIN_AWS_CDK_LIB}`);
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
  expect(() => assertPackPeers('IotSecurityChecks')).not.toThrow();
});
