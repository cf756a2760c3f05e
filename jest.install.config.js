/*
 * `npm run test:install`: the packed library installed into fresh CDK apps (current, lowest and
 * newest peers, from git) and every shell command of README.md, docs/ and the examples' READMEs
 * run as written. They need the npm registry and spend minutes in npm installs, so they are not
 * part of `npm test`; `.ci/run` runs them after it.
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/package/**/*.test.ts', '<rootDir>/test/docs-commands.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
};
