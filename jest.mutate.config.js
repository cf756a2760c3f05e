/*
 * The tests `npm run mutate` (Stryker, stryker.config.json) runs against each mutant: every test of
 * the pack under test/checks, as a rule reaches the analyzers through the pack, not by importing
 * them (jest's related tests found only those that import a file: 124 of cfn-values.ts' 389
 * mutants went uncovered). Per-test coverage then runs only the tests that reach a mutant.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/checks'],
};
