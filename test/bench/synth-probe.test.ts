/*
 * The synth benchmark's probe (bench/synth-probe.js) splits a synth's time honestly: it sees the
 * module loading, CDK's own CloudFormation validator (a default plugin CDK adds itself) and
 * app.synth(), its shares never add up to more than the process lived, and it reports peak memory.
 * No timing is asserted beyond that: figures belong in `npm run bench`, not in a pass/fail test.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { described, run, TS_NODE } from '../support/child-process';

const ROOT = path.resolve(__dirname, '..', '..');

test('the probe splits a one-resource synth into exclusive shares, CDK\'s validator among them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-test-'));
  try {
    const probeFile = path.join(dir, 'probe.json');
    const context = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context;
    const start = process.hrtime.bigint();
    const child = run(process.execPath, [
      '-r', path.join(ROOT, 'bench', 'synth-probe.js'),
      ...TS_NODE,
      path.join(ROOT, 'bench', 'one-resource-app.ts'),
    ], {
      cwd: ROOT,
      env: { ...process.env, CDK_OUTDIR: path.join(dir, 'out'), CDK_CONTEXT_JSON: JSON.stringify(context), BENCH_PROBE_FILE: probeFile },
      timeoutMs: 120_000,
    });
    if (child.timedOut) throw new Error(described(child));
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);

    const probe = JSON.parse(fs.readFileSync(probeFile, 'utf8'));
    expect(Object.keys(probe.spent).sort()).toEqual([
      'CDK synthesis (prepare, aspects, templates)',
      'CloudFormationValidatePlugin',
      'app code and constructs',
      'module loading',
    ]);
    for (const ms of Object.values<number>(probe.spent)) expect(ms).toBeGreaterThan(0);
    const inside = probe.startupMs + Object.values<number>(probe.spent).reduce((a, b) => a + b, 0);
    expect(inside).toBeLessThanOrEqual(wallMs);
    expect(probe.maxRssKb).toBeGreaterThan(10 * 1024);
    const template = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'OneResource.template.json'), 'utf8'));
    expect(Object.keys(template.Resources)).toHaveLength(1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
