import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { iotActionsAlpha, iotAlpha, loadOptionalModule, TESTED_ALPHA_VERSION } from '../../lib/core/private/optional-modules';

const pkg = require('../../package.json');

function user(): { stack: Stack; construct: Construct } {
  const stack = new Stack(new App(), 'S');
  return { stack, construct: new Construct(stack, 'Telemetry') };
}

test('the alpha modules are not peers, so npm never refuses an app on another alpha version', () => {
  expect(Object.keys(pkg.peerDependencies)).toEqual(['aws-cdk-lib', 'cdk-nag', 'constructs']);
  expect(pkg.dependencies ?? {}).not.toHaveProperty('@aws-cdk/aws-iot-alpha');
});

test('the tested alpha version is the one the repository builds with, and loads without a warning', () => {
  expect(pkg.devDependencies['@aws-cdk/aws-iot-alpha']).toBe(TESTED_ALPHA_VERSION);
  expect(pkg.devDependencies['@aws-cdk/aws-iot-actions-alpha']).toBe(TESTED_ALPHA_VERSION);
  const { stack, construct } = user();
  expect(typeof iotAlpha(construct).TopicRule).toBe('function');
  expect(typeof iotActionsAlpha(construct).LambdaFunctionAction).toBe('function');
  expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
});

test('a module that is not installed is an error naming the construct and the install command', () => {
  const { construct } = user();
  expect(() => loadOptionalModule('@aws-cdk/aws-no-such-alpha', construct))
    .toThrow(`S/Telemetry: this construct uses @aws-cdk/aws-no-such-alpha, which is not installed; run 'npm install @aws-cdk/aws-no-such-alpha@${TESTED_ALPHA_VERSION}'`);
});

test('another version is loaded with a warning that names both versions', () => {
  const { stack, construct } = user();
  loadOptionalModule('yaml', construct);
  Annotations.fromStack(stack).hasWarning('/S/Telemetry', Match.stringLikeRegexp(`yaml ${require('yaml/package.json').version} is installed; cdk-secure-iot is tested with ${TESTED_ALPHA_VERSION}`));
});
