/*
 * The packed library in apps whose peers differ from a fresh app's: one pinned to another version
 * of the alpha modules, one forced onto peers older than the floors. A file of its own so jest runs
 * it beside the other package tests (test/package/consumer.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { MIN_AWS_CDK_LIB, MIN_CDK_NAG } from '../../lib/core/private/peer-versions';
import { consumerApp, INSTALL, ok, packed, run, synth, TESTED_PEERS, transpile, workFolder } from './consumer';

jest.setTimeout(20 * 60 * 1000);

const work = workFolder();

describe('an app pinned to another version of the alpha modules', () => {
  test('installs the package without a peer conflict', () => {
    const app = consumerApp(work(), 'app-other-alpha', { ...TESTED_PEERS, '@aws-cdk/aws-iot-alpha': '2.173.0-alpha.0' });
    expect(app.installOutput).not.toMatch(/ERESOLVE|peer dep/i);
    expect(JSON.parse(fs.readFileSync(path.join(app.dir, 'node_modules', '@aws-cdk', 'aws-iot-alpha', 'package.json'), 'utf8')).version).toBe('2.173.0-alpha.0');
  });
});

describe('an app forced onto peers older than the floors', () => {
  test('npm refuses it, and forced past that the synth fails naming the version needed', () => {
    const dir = path.join(work(), 'app-too-old');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'old', version: '1.0.0', private: true }));
    ok('npm', [...INSTALL, '--save-exact', 'aws-cdk-lib@2.268.0', 'constructs@10.5.1', 'cdk-nag@3.0.0'], dir);
    const refused = run('npm', [...INSTALL, packed().tarball], dir);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/ERESOLVE/);
    const app = consumerApp(work(), 'app-too-old', {}, true);
    // The app the other package tests type-check (compile) against each supported peer set.
    transpile(app);
    const r = synth(app, 'out-old');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`IotSecurityChecks needs aws-cdk-lib ${MIN_AWS_CDK_LIB} or newer`);
    expect(r.stderr).toContain('this app loads aws-cdk-lib 2.268.0');
    // A cdk-nag that misses the acknowledgments aws-cdk-lib records: the library's own would fail the synth.
    ok('npm', [...INSTALL, '--save-exact', '--force', `aws-cdk-lib@${MIN_AWS_CDK_LIB}`, 'cdk-nag@3.0.1'], dir);
    const nag = synth(app, 'out-old-nag');
    expect(nag.status).not.toBe(0);
    expect(nag.stderr).toContain(`IotSecurityChecks needs cdk-nag ${MIN_CDK_NAG} or newer`);
    expect(nag.stderr).toContain('this app loads cdk-nag 3.0.1');
  });
});
