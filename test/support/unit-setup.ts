/*
 * Jest's setup for every test file (jest.config.js `setupFiles`).
 *
 * CDK's own CloudFormation validator (the plugin every `app.synth()` runs unless told otherwise)
 * more than doubles the time of a construct test that synthesizes, and a unit test that reads a
 * template through `Template.fromStack` is not about it. So in-process synths skip it, as
 * `CDK_VALIDATION=false` does for `cdk synth`; the tests that ask for every validator keep it:
 * `validationFindings` (test/validation.ts) synthesizes with it on. A child process a test starts
 * (test/support/child-process.ts) gets the environment without this setting, as a user's shell
 * has it: the examples, the reference app and the packed library synthesize with CDK's validator.
 */
import { UNIT_TESTS_SKIP_CDK_VALIDATION } from './child-process';

process.env.CDK_VALIDATION = 'false';
process.env[UNIT_TESTS_SKIP_CDK_VALIDATION] = '1';
