/*
 * The property-based test of the scanner (issue 26): templates, cloud assemblies, folders and
 * acknowledgement files generated from a grammar of CloudFormation plus hostile mutations, each
 * run through the command line in-process, each run checked for the user's properties (check.ts).
 *
 * `npm test` runs a fixed seed and a small number of cases; `npm run fuzz` runs many more with a
 * random seed, printed, and writes each failure it shrinks to regressions/ to be committed. Replay
 * one: `FUZZ_SEED=<seed> FUZZ_PATH=<path> npm run fuzz`. Every case in regressions/ runs in both.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { anyCase, FuzzCase, limitCases, TARGET_ID } from './arbitraries';
import { checkCase } from './check';
import { KNOWN_OPEN, knownOpen } from './known-open';

const FUZZ = process.env.FUZZ === '1';
/** The seed and runs of `npm test`: 4 s on a quiet two-core machine, 8 s on a loaded one (npm test is near its 5-minute goal). */
const FIXED_SEED = 20261208;
const TEST_RUNS = 250;
const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : FUZZ ? Date.now() % 2 ** 31 : FIXED_SEED;
const numRuns = process.env.FUZZ_RUNS !== undefined ? Number(process.env.FUZZ_RUNS) : FUZZ ? 3000 : TEST_RUNS;
const replayPath = process.env.FUZZ_PATH;

const REGRESSIONS = path.join(__dirname, 'regressions');

/** A failure kept: the case, the bug it found, and the known open bug it waits on, if any. */
interface Regression {
  readonly bug: string;
  readonly knownOpen?: string;
  readonly case: FuzzCase;
}

function regressions(): [string, Regression][] {
  return fs.readdirSync(REGRESSIONS).filter((f) => f.endsWith('.json')).sort()
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(fs.readFileSync(path.join(REGRESSIONS, f), 'utf8')) as Regression]);
}

/** The violations of a case that are not known open bugs. */
function openViolations(c: FuzzCase): string[] {
  return checkCase(c).violations.filter((v) => knownOpen(v, c) === undefined);
}

// The first scan loads the rules and aws-cdk-lib (seconds); the cases after it are measured alone.
beforeAll(() => {
  checkCase({ kind: 'warm-up', files: [{ path: 't.json', text: '{"Resources":{}}' }], inputs: ['./t.json'], options: [], targets: [] });
});

describe('regression cases found by the fuzzer', () => {
  const all = regressions();
  const known = new Map(KNOWN_OPEN.map((k) => [k.id, k]));
  for (const [name, r] of all) {
    const open = r.knownOpen !== undefined ? known.get(r.knownOpen) : undefined;
    if (open) {
      test.skip(`${name}: KNOWN_OPEN ${open.id} (${open.owner}): ${open.bug}`, () => undefined);
    } else {
      test(`${name}: ${r.bug}`, () => {
        expect(checkCase(r.case).violations).toEqual([]);
      });
    }
  }

  test('every regression case names a bug, and a known open one an entry of KNOWN_OPEN', () => {
    for (const [, r] of all) {
      expect(r.bug).toMatch(/\w/);
      if (r.knownOpen !== undefined) expect(known.has(r.knownOpen)).toBe(true);
    }
  });
});

describe('past a default limit, the run exits 2 naming the file', () => {
  test.each(limitCases().map((c) => [`${c.limit} (${c.files[0].path})`, c] as const))('%s', (_name, c) => {
    expect(openViolations(c)).toEqual([]);
  });
});

describe('the checker', () => {
  test('catches a scan that misses the insecure resource, an error line naming no file, and JavaScript text', () => {
    // A secure policy under the target's logical ID: read, and not reported, which the checker must call blinded.
    const secure = JSON.stringify({ Resources: { [TARGET_ID]: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: {
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}' }] } } } } });
    const violations = checkCase({
      kind: 'self-test', files: [{ path: 't.json', text: secure }], inputs: ['./t.json', '/nonexistent-undefined'], options: [],
      targets: [{ file: 't.json', logicalId: TARGET_ID, intact: true, accounted: true }],
    }).violations;
    expect(violations).toEqual(expect.arrayContaining([
      expect.stringMatching(/^stderr: a line naming no file of the case/),
      expect.stringMatching(/^raw-javascript: undefined printed in stderr/),
    ]));
    // The missing input stops the scan: the target file is not read, so it cannot be found blinded.
    const blinded = checkCase({ kind: 'self-test', files: [{ path: 't.json', text: secure }], inputs: ['./t.json'], options: [],
      targets: [{ file: 't.json', logicalId: TARGET_ID, intact: true, accounted: true }] }).violations;
    expect(blinded).toEqual([`blinded: ${TARGET_ID} (iot:* on *) in t.json was read but not reported`]);
  });
});

describe('generated templates, assemblies, folders and acknowledgements', () => {
  test(`every case ends cleanly (seed ${seed}, ${numRuns} runs${replayPath ? `, path ${replayPath}` : ''})`, () => {
    const times: number[] = [];
    const details = fc.check(fc.property(anyCase, (c) => {
      const r = checkCase(c);
      times.push(r.ms);
      return r.violations.every((v) => knownOpen(v, c) !== undefined);
    }), { seed, numRuns, ...(replayPath ? { path: replayPath } : {}) });
    if (FUZZ) {
      const sorted = [...times].sort((a, b) => a - b);
      // eslint-disable-next-line no-console
      console.log(`fuzz: seed ${seed}, ${details.numRuns} runs, median ${Math.round(sorted[sorted.length >> 1] ?? 0)} ms, slowest ${Math.round(sorted[sorted.length - 1] ?? 0)} ms`);
    }
    if (!details.failed) return;
    const c = details.counterexample![0];
    const violations = openViolations(c);
    let saved = '';
    if (FUZZ) {
      const file = path.join(REGRESSIONS, `found-${seed}-${Date.now()}.json`);
      fs.writeFileSync(file, `${JSON.stringify({ bug: `(describe the bug) ${violations[0] ?? ''}`, case: c }, null, 1)}\n`);
      saved = `\nkept as ${path.relative(process.cwd(), file)}: name the bug in it, fix or list it in known-open.ts, and commit it`;
    }
    throw new Error(`the scanner broke a property (seed ${seed}, path ${details.counterexamplePath}; replay: FUZZ_SEED=${seed} FUZZ_PATH=${details.counterexamplePath} npm run fuzz)${saved}\n`
      + `${violations.join('\n')}\ncase: ${JSON.stringify(c).slice(0, 4000)}`);
  });
});
