/*
 * Preloaded (`node -r`, see TS_NODE in child-process.ts) into every TypeScript file a test runs in
 * a child process: ts-node without type checks, with SWC's transpiler, as the apps' cdk.json
 * commands run (`ts-node --transpile-only --swc`). `-r ts-node/register/transpile-only` cannot ask
 * for SWC (ts-node reads no environment variable for it); TypeScript's own transpiler took 3.5 s
 * of the 4 s CPU of a scanner run. Type checks are test/typecheck.test.ts's.
 */
require('ts-node').register({ transpileOnly: true, swc: true });
