import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { reportedFindings } from './validation';

const ROOT = path.resolve(__dirname, '..');

/** Synthesizes an example app as `cdk synth` does: a fresh process with its cdk.json context. */
function synthExample(name: string): string {
  const dir = path.join(ROOT, 'examples', name);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `example-${name}-`));
  const context = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.json'), 'utf8')).context;
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(dir, 'app.ts')], {
    cwd: dir,
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    stdio: 'pipe',
  });
  return outdir;
}

test('examples/minimal synthesizes with every validator active and no finding', () => {
  const out = synthExample('minimal');
  const template = JSON.parse(fs.readFileSync(path.join(out, 'MinimalSecureIot.template.json'), 'utf8'));
  const types = Object.values(template.Resources).map((r) => (r as { Type: string }).Type);
  expect(types).toContain('Custom::IotFleetIndexing');
  expect(fs.existsSync(path.join(out, 'validation-report.json'))).toBe(true);
  expect(reportedFindings(out)).toEqual([]);
});

test('its README gives the command that synthesizes it', () => {
  expect(fs.readFileSync(path.join(ROOT, 'examples', 'minimal', 'README.md'), 'utf8')).toContain('npx cdk synth');
});
