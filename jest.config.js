/*
 * The Lambda handlers run on Node.js 24 in Lambda (HANDLER_RUNTIME; esbuild targets node22), where
 * the AWS SDK v3 is supported. Their unit tests run them on the developer's Node.js, 20 on this
 * project's machines, and the SDK would print its notice that releases after January 2027 need
 * Node.js 22 in the middle of the test output: a notice about the test machine, not the code that
 * ships. The package's own `engines` (Node.js >= 20, as aws-cdk-lib) is unaffected: the SDK clients
 * are development dependencies only.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * What `npm test` runs: everything but the tests that install the packed library and run the
 * pages' shell commands as a user does (`npm run test:install`, jest.install.config.js), which
 * need the npm registry and take minutes of npm installs; `.ci/run` runs both.
 */
const INSTALL_TESTS = ['<rootDir>/test/package/', '<rootDir>/test/docs-commands.test.ts'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...INSTALL_TESTS],
  // CDK's CloudFormation validator off for in-process synths but where a test asks for every validator.
  setupFiles: ['<rootDir>/test/support/unit-setup.ts'],
  // One folder per run for what tests write (test/support/run-folder.ts).
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  transform: {
    '^.+\\.tsx?$': 'ts-jest',
  },
  // The slowest files first (test/support/sequencer.js says why).
  testSequencer: '<rootDir>/test/support/sequencer.js',
  // Synthesizing CDK apps is CPU-bound; two cores on CI.
  maxWorkers: 2,
  testTimeout: 120000,
};
