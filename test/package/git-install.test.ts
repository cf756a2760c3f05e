/*
 * The library installed from git, as the README says to until it is on the npm registry: npm
 * clones it, installs its development dependencies and builds it on `prepare`. The slowest of the
 * package tests, so a file of its own that jest runs beside the others (test/package/consumer.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { copyTree, INSTALL, ok, run, TESTED_PEERS, workFolder } from './consumer';

jest.setTimeout(20 * 60 * 1000);

const work = workFolder();

describe('installed from git', () => {
  test('npm builds it on prepare and the package works', () => {
    const repo = path.join(work(), 'git-repo');
    copyTree(repo);
    ok('git', ['init', '-q'], repo);
    ok('git', ['add', '-A'], repo);
    ok('git', ['-c', 'user.email=test@example.invalid', '-c', 'user.name=test', 'commit', '-qm', 'snapshot'], repo);
    const dir = path.join(work(), 'app-git');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'git-app', version: '1.0.0', private: true }));
    ok('npm', [...INSTALL, ...Object.entries(TESTED_PEERS).map(([p, v]) => `${p}@${v}`), `git+file://${repo}`], dir);
    const installed = path.join(dir, 'node_modules', 'cdk-secure-iot');
    expect(fs.existsSync(path.join(installed, 'dist', 'lib', 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'dist', 'handlers', 'fleet-indexing', 'index.js'))).toBe(true);
    const r = run(process.execPath, ['-e', "const l = require('cdk-secure-iot'); console.log(typeof l.IotSecurityChecks, typeof l.FleetIndexing)"], dir);
    expect(r.stdout.trim()).toBe('function function');
  });
});
