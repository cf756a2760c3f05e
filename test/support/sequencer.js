/*
 * Jest's order of the test files (jest.config.js `testSequencer`): the slowest first, so the two
 * workers end together instead of one starting a long file when the other is done. Jest orders
 * by the durations of the previous run when it has them, and by file size on a fresh machine,
 * where the package tests (a few small files that run npm for minutes) would start last. So
 * these files, measured the slowest, go first in this order; the rest follow in jest's order.
 */
const Sequencer = require('@jest/test-sequencer').default;

const SLOWEST_FIRST = [
  'test/docs-commands.test.ts',
  'test/package/git-install.test.ts',
  'test/package/tarball.test.ts',
  'test/package/newest-peers.test.ts',
  'test/package/old-peers.test.ts',
  'test/package/lowest-peers.test.ts',
  'test/typecheck.test.ts',
  'test/examples.test.ts',
  'test/integ/snapshots.test.ts',
  'test/readme.test.ts',
  'test/runtime/rotation.test.ts',
  'test/scanner/cli-e2e.test.ts',
];

class SlowestFirst extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const rank = (test) => {
      const i = SLOWEST_FIRST.findIndex((file) => test.path.endsWith(file));
      return i < 0 ? SLOWEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the others keep jest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowestFirst;
