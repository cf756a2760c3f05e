/*
 * The whole project type-checks (`tsc -p .`: lib, bin, examples, tests, scripts, bench). ts-jest
 * only transpiles (tsconfig's isolatedModules), so this is where a type error fails `npm test`. A
 * test file rather than a step before jest, so it runs on one of jest's workers while the other
 * runs tests: before jest, it had the two cores to itself and used one.
 */
import * as path from 'path';
import { described, run } from './support/child-process';

const ROOT = path.resolve(__dirname, '..');

test('tsc -p . reports no error', () => {
  const r = run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.'], { cwd: ROOT, timeoutMs: 10 * 60 * 1000 });
  if (r.status !== 0) throw new Error(described(r));
  expect(r.stdout).toBe('');
}, 11 * 60 * 1000);
