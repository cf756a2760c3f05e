/*
 * A cloud assembly is a file anyone opening a pull request can write (issue 26): a planted
 * manifest.json must not hide a folder's templates from a folder walk, a manifest's paths must not
 * lead the reader out of the assembly (to read a template as the assembly's, with its
 * acknowledgments), and a manifest's acknowledgments must not cost acknowledgments x resources.
 * Every fixture is built here, in a folder of its own.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FindingSeverity, ScanResult, TemplateScanner } from '../../lib';
import { CLEAN, INSECURE, freshFolder, removeFolder, runCli, writeFile } from './scan-fixtures';

const OPEN_FINDING = 'IoTSecurity-ID1[Action::iot:*]';

let dir: string;
beforeEach(() => { dir = freshFolder('scan-assembly-'); });
afterEach(() => removeFolder(dir));

/** The command line, in process, run in the test's folder. */
const cli = (...argv: string[]) => runCli(argv, dir);
const write = (name: string, content: string | object | Buffer) => writeFile(dir, name, content);

const rel = (file: string) => path.relative(dir, file);
const notes = (r: ScanResult) => r.notices.filter((n) => n.severity === FindingSeverity.NOTE).map((n) => [rel(n.file), n.message]);
const problems = (r: ScanResult) => r.unreadable.map((u) => [rel(u.file), u.reason]);
const scanned = (r: ScanResult) => r.templates.map((t) => rel(t.file));
const scan = (...inputs: string[]) => new TemplateScanner().scan(inputs.map((i) => path.join(dir, i)));
const stack = (templateFile: string, extra: object = {}) => ({ type: 'aws:cloudformation:stack', properties: { templateFile }, ...extra });
const openFindings = (r: ScanResult) => r.findings.filter((f) => f.findingId === OPEN_FINDING).map((f) => [rel(f.file), f.resource, f.acknowledged]);

/** A CDK app's assembly in `root`: stack S (a clean template, its asset manifest) and stage Prod (`assembly-Prod`) with stack E of `stageTemplate`. */
function appWithStage(root: string, stageTemplate: object): void {
  write(`${root}/cdk.out`, { version: '36.0.0' });
  write(`${root}/manifest.json`, { version: '36.0.0', artifacts: { S: stack('S.template.json'), Prod: { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Prod' } } } });
  write(`${root}/S.template.json`, CLEAN);
  write(`${root}/S.assets.json`, { version: '36.0.0', files: {} });
  write(`${root}/assembly-Prod/manifest.json`, { version: '36.0.0', artifacts: { E: stack('E.template.json') } });
  write(`${root}/assembly-Prod/E.template.json`, stageTemplate);
}

describe('a manifest.json met in a folder walk hides nothing', () => {
  test('a planted manifest naming one benign template: the folder\'s other templates, and its subfolders\', are read and reported (was exit 0, 0 errors, no note)', () => {
    write('proj/templates/manifest.json', '{"artifacts":{"S":{"type":"aws:cloudformation:stack","properties":{"templateFile":"benign.json"}}}}');
    write('proj/templates/benign.json', CLEAN);
    write('proj/templates/evil.json', INSECURE);
    write('proj/templates/sub/evil2.json', INSECURE);
    const r = cli('scan', 'proj');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`${path.join('proj', 'templates', 'evil.json')}\n  OpenPolicy (AWS::IoT::Policy)`);
    expect(r.stdout).toContain(`${path.join('proj', 'templates', 'sub', 'evil2.json')}\n  OpenPolicy (AWS::IoT::Policy)`);

    const result = scan('proj');
    expect(scanned(result)).toEqual([path.join('proj', 'templates', 'benign.json'), path.join('proj', 'templates', 'evil.json'), path.join('proj', 'templates', 'sub', 'evil2.json')]);
    expect(problems(result)).toEqual([]);
    // The template the manifest names is read once, as the assembly's, and not noted; the others are.
    const unnamed = `a template the cloud assembly's manifest does not name (${path.join(dir, 'proj', 'templates', 'manifest.json')}): `
      + 'read as a plain template, without the assembly\'s acknowledgments (a stale template of a stack since removed? delete it)';
    expect(notes(result)).toEqual([
      [path.join('proj', 'templates'), "a cloud assembly, read through its manifest: walked, and every file in it read; 1 of its files with a template's extension is not a template (counted here, not listed one by one)"],
      [path.join('proj', 'templates', 'evil.json'), unnamed],
      [path.join('proj', 'templates', 'sub', 'evil2.json'), unnamed],
    ]);
  });

  test('a real cdk.out in a walk: its stacks and stages read once through the manifests, an asset folder walked like any folder', () => {
    appWithStage('proj/cdk.out', INSECURE);
    write('proj/cdk.out/assembly-Prod/cdk.out', { version: '36.0.0' });
    write('proj/cdk.out/asset.0123abcd/planted.yaml', 'Resources:\n  OpenPolicy:\n    Type: AWS::IoT::Policy\n    Properties:\n      PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "iot:*", Resource: "*"}]}\n');
    const result = scan('proj');
    expect(problems(result)).toEqual([]);
    expect(scanned(result)).toEqual([
      path.join('proj', 'cdk.out', 'S.template.json'),
      path.join('proj', 'cdk.out', 'assembly-Prod', 'E.template.json'),
      path.join('proj', 'cdk.out', 'asset.0123abcd', 'planted.yaml'),
    ]);
    const unnamed = notes(result).filter(([, m]) => m.includes('manifest does not name')).map(([file]) => file);
    expect(unnamed).toEqual([path.join('proj', 'cdk.out', 'asset.0123abcd', 'planted.yaml')]);
    // A stack template the manifest names that cannot be read is one error, not one from the manifest and one from the walk.
    write('proj/cdk.out/S.template.json', '{ "Resources": ');
    expect(problems(scan('proj')).map(([file]) => file)).toEqual([path.join('proj', 'cdk.out', 'S.template.json')]);
  });
});

describe('a cloud assembly named on the command line: read through its manifest, then the rest of its folder', () => {
  test('a Child.json, a stale *.template.json and a stray template in a nested assembly are read as plain templates and said (only *.template.json was noted, nothing read)', () => {
    appWithStage('cdk.out', CLEAN);
    write('cdk.out/tree.json', { version: 'tree-0.1', tree: {} });
    write('cdk.out/Child.json', INSECURE);
    write('cdk.out/Old.template.json', INSECURE);
    write('cdk.out/asset.0123abcd/index.js', 'exports.handler = () => 1;\n');
    write('cdk.out/assembly-Prod/Stray.yaml', 'Resources: {}\n');
    const result = scan('cdk.out');
    expect(problems(result)).toEqual([]);
    expect(scanned(result)).toEqual([
      path.join('cdk.out', 'S.template.json'), path.join('cdk.out', 'assembly-Prod', 'E.template.json'),
      path.join('cdk.out', 'assembly-Prod', 'Stray.yaml'), path.join('cdk.out', 'Child.json'), path.join('cdk.out', 'Old.template.json'),
    ]);
    const unnamed = (manifest: string) => `a template the cloud assembly's manifest does not name (${path.join(dir, manifest)}): read as a plain template, `
      + "without the assembly's acknowledgments (a stale template of a stack since removed? delete it)";
    expect(notes(result)).toEqual([
      ['cdk.out', "skipped: 2 files without a template's extension (.json, .yaml, .yml, .template) were not read: name a file to scan it"],
      ['cdk.out', "a cloud assembly, read through its manifest: walked, and every file in it read; 4 of its files with a template's extension are not templates (counted here, not listed one by one)"],
      [path.join('cdk.out', 'assembly-Prod', 'Stray.yaml'), unnamed(path.join('cdk.out', 'assembly-Prod', 'manifest.json'))],
      [path.join('cdk.out', 'Child.json'), unnamed(path.join('cdk.out', 'manifest.json'))],
      [path.join('cdk.out', 'Old.template.json'), unnamed(path.join('cdk.out', 'manifest.json'))],
    ]);
    const r = cli('scan', 'cdk.out');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Child.json');
  });

  test('a manifest.json planted in a folder of templates named on the command line hides none of them (it was exit 0)', () => {
    write('infra/manifest.json', { artifacts: { S: stack('benign.json') } });
    write('infra/cdk.out', { version: '36.0.0' });
    write('infra/benign.json', CLEAN);
    write('infra/evil.json', INSECURE);
    write('infra/sub/evil2.json', INSECURE);
    const r = cli('scan', 'infra');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(path.join('infra', 'evil.json'));
    expect(r.stdout).toContain(path.join('infra', 'sub', 'evil2.json'));
  });
});

describe('every path an assembly names stays inside it, links resolved', () => {
  test('aws:cdk:templateFile leading out of an assembly met in a walk: a named error (exit 2), the template read as a plain one, its finding not acknowledged (was exit 0)', () => {
    write('proj/asm/manifest.json', {
      artifacts: {
        S: stack('benign.json', {
          metadata: {
            '/X': [{ type: 'aws:cdk:templateFile', data: '../templates/evil.json' }, { type: 'aws:cdk:acknowledged-rules', data: { [OPEN_FINDING]: 'planted' } }],
            '/X/OpenPolicy/Resource': [{ type: 'aws:cdk:logicalId', data: 'OpenPolicy' }],
          },
        }),
      },
    });
    write('proj/asm/benign.json', CLEAN);
    write('proj/templates/evil.json', INSECURE);
    const r = cli('scan', 'proj');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cdk-secure-iot: ${path.join('proj', 'asm', 'manifest.json')}: artifact 'S': the template file '../templates/evil.json' `
      + `(aws:cdk:templateFile of '/X') leads outside the cloud assembly ${path.join('proj', 'asm')} (to ${fs.realpathSync(path.join(dir, 'proj', 'templates', 'evil.json'))}): not read`);
    const result = scan('proj');
    expect(openFindings(result)).toEqual([[path.join('proj', 'templates', 'evil.json'), 'OpenPolicy', false]]);
  });

  test('templateFile, directoryName, additionalMetadataFile, a linked template and a nested stack\'s aws:asset:path leading out: one named error each, never read as the assembly\'s', () => {
    write('evil.json', INSECURE);
    write('meta.json', { '/X': [{ type: 'aws:cdk:acknowledged-rules', data: { [OPEN_FINDING]: 'planted' } }] });
    write('other/manifest.json', { artifacts: { O: stack('O.template.json') } });
    write('other/O.template.json', INSECURE);
    write('cdk.out/cdk.out', { version: '36.0.0' });
    write('cdk.out/manifest.json', {
      version: '36.0.0',
      artifacts: {
        Up: stack('../evil.json'),
        Linked: stack('Linked.template.json'),
        Stage: { type: 'cdk:cloud-assembly', properties: { directoryName: '../other' } },
        Meta: stack('Meta.template.json', { additionalMetadataFile: '../meta.json' }),
        Parent: stack('Parent.template.json'),
      },
    });
    fs.symlinkSync(path.join('..', 'evil.json'), path.join(dir, 'cdk.out', 'Linked.template.json'));
    write('cdk.out/Meta.template.json', CLEAN);
    write('cdk.out/Parent.template.json', { Resources: { Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'https://example.com/t' }, Metadata: { 'aws:asset:path': '../evil.json' } } } });
    const result = scan('cdk.out');
    // The linked template is read as the folder walk reads any linked file: a plain template, not the assembly's.
    expect(scanned(result)).toEqual([path.join('cdk.out', 'Meta.template.json'), path.join('cdk.out', 'Parent.template.json'), path.join('cdk.out', 'Linked.template.json')]);
    const m = path.join('cdk.out', 'manifest.json');
    const out = (to: string) => `leads outside the cloud assembly ${path.join(dir, 'cdk.out')} (to ${fs.realpathSync(path.join(dir, to))}): not read; `
      + 'an assembly names only files and folders inside its own folder';
    expect(problems(result)).toEqual([
      [m, `artifact 'Up': 'properties.templateFile' '../evil.json' ${out('evil.json')}`],
      [m, `artifact 'Linked': 'properties.templateFile' 'Linked.template.json' ${out('evil.json')}`],
      [m, `artifact 'Stage': the nested assembly '../other' ${out('other')}`],
      [m, `artifact 'Meta': the metadata file '../meta.json' cannot be used: ${out('meta.json')}; the stack is scanned without those entries`],
      [path.join('cdk.out', 'Parent.template.json'), `the nested stack 'Child' (aws:asset:path '../evil.json') ${out('evil.json')}`],
    ]);
    expect(result.findings.filter((f) => f.acknowledged)).toEqual([]);
    const r = cli('scan', 'cdk.out');
    expect(r.code).toBe(2);
  });
});

describe('acknowledgments are kept per construct, looked up per finding', () => {
  test('40,000 acknowledgments on the app and 40,000 logical IDs (4.2 GB and exit 134 before): read, the deepest acknowledgment winning', () => {
    const n = 40_000;
    const root: object[] = [];
    for (let i = 0; i < n; i++) root.push({ type: 'aws:cdk:acknowledged-rules', data: { [`IoTSecurity-ID1[Action::iot:Thing${i}]`]: `reason ${i}` } });
    root.push({ type: 'aws:cdk:acknowledged-rules', data: { [OPEN_FINDING]: 'on the app' } });
    // Written before the app's, deeper: the resource's own acknowledgment wins.
    const metadata: { [p: string]: object[] } = {
      '/App/S/Deep/Resource': [{ type: 'aws:cdk:acknowledged-rules', data: { [OPEN_FINDING]: 'on the resource' } }],
      '': root,
      '/App/S': [{ type: 'aws:cdk:templateFile', data: 'S.template.json' }],
    };
    for (let i = 0; i < n; i++) metadata[`/App/S/R${i}/Resource`] = [{ type: 'aws:cdk:logicalId', data: `R${i}` }];
    metadata['/App/S/Deep/Resource'].push({ type: 'aws:cdk:logicalId', data: 'Deep' });
    write('cdk.out/cdk.out', { version: '36.0.0' });
    const manifest = write('cdk.out/manifest.json', { version: '36.0.0', artifacts: { S: stack('S.template.json', { metadata }) } });
    write('cdk.out/S.template.json', { Resources: { R7: INSECURE.Resources.OpenPolicy, Deep: INSECURE.Resources.OpenPolicy } });
    expect(fs.statSync(manifest).size).toBeGreaterThan(4_000_000);
    const before = process.memoryUsage().rss;
    const started = Date.now();
    const result = scan('cdk.out');
    const ms = Date.now() - started;
    // For the report, not asserted: the time and memory of the read.
    process.stdout.write(`40,000 x 40,000 acknowledgments: ${ms} ms, rss +${Math.round((process.memoryUsage().rss - before) / 2 ** 20)} MiB\n`);
    expect(problems(result)).toEqual([]);
    expect(result.findings.filter((f) => f.findingId === OPEN_FINDING).map((f) => [f.resource, f.acknowledgmentReason]).sort()).toEqual([
      ['Deep', 'on the resource'],
      ['R7', 'on the app'],
    ]);
  });
});

describe('a second review: what an assembly reads is never what hides a file from the walk', () => {
  const outer = (extra: object = {}) => ({ version: '36.0.0', artifacts: { Good: stack('Good.template.json'), Sub: { type: 'cdk:cloud-assembly', properties: { directoryName: 'sub' } }, ...extra } });

  test('a nested assembly\'s manifest.json linked from outside: named, and the file it leads to read and reported (was exit 0, nothing said)', () => {
    write('cdk.out/cdk.out', { version: '36.0.0' });
    write('cdk.out/manifest.json', outer());
    write('cdk.out/Good.template.json', CLEAN);
    write('z/policy.json', INSECURE);
    fs.mkdirSync(path.join(dir, 'cdk.out', 'sub'));
    fs.symlinkSync(path.join('..', '..', 'z', 'policy.json'), path.join(dir, 'cdk.out', 'sub', 'manifest.json'));
    const r = cli('scan', 'cdk.out');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cdk-secure-iot: ${path.join('cdk.out', 'sub', 'manifest.json')}: leads outside the cloud assembly cdk.out`);
    expect(openFindings(scan('cdk.out'))).toEqual([[path.join('cdk.out', 'sub', 'manifest.json'), 'OpenPolicy', false]]);
  });

  test('a template written as a nested assembly\'s manifest.json, or named as a metadata file, is read by the walk and reported', () => {
    write('cdk.out/cdk.out', { version: '36.0.0' });
    write('cdk.out/manifest.json', outer({ Meta: stack('Meta.template.json', { additionalMetadataFile: 'meta.json' }) }));
    write('cdk.out/Good.template.json', CLEAN);
    write('cdk.out/Meta.template.json', CLEAN);
    write('cdk.out/sub/manifest.json', INSECURE);
    write('cdk.out/meta.json', INSECURE);
    const found = openFindings(scan('cdk.out')).map(([file]) => file);
    expect(found).toEqual([path.join('cdk.out', 'meta.json'), path.join('cdk.out', 'sub', 'manifest.json')]);
  });

  test('one metadata file named by 150 artifacts is read once', () => {
    write('cdk.out/cdk.out', { version: '36.0.0' });
    const artifacts: { [id: string]: object } = {};
    for (let i = 0; i < 150; i++) artifacts[`S${i}`] = stack('S.template.json', { additionalMetadataFile: 'shared.metadata.json' });
    write('cdk.out/manifest.json', { version: '36.0.0', artifacts });
    write('cdk.out/S.template.json', CLEAN);
    write('cdk.out/shared.metadata.json', { '/S': [{ type: 'aws:cdk:logicalId', data: 'Topic' }] });
    // Each file read counts against --max-files: read once per artifact, 150 reads would pass a limit of 20.
    const result = new TemplateScanner({ limits: { maxFiles: 20 } }).scan([path.join(dir, 'cdk.out')]);
    expect(problems(result)).toEqual([]);
    expect(scanned(result)).toEqual([path.join('cdk.out', 'S.template.json')]);
  });

  test('20,000 logical IDs under one construct path of 200,000 segments, with one acknowledgment: the path walked once (it took two minutes)', () => {
    const deep = Array(200_000).fill('a').join('/');
    write('cdk.out/cdk.out', { version: '36.0.0' });
    write('cdk.out/manifest.json', {
      version: '36.0.0',
      artifacts: {
        S: stack('S.template.json', {
          metadata: {
            '/S': [{ type: 'aws:cdk:templateFile', data: 'S.template.json' }, { type: 'aws:cdk:acknowledged-rules', data: { [OPEN_FINDING]: 'lab' } }],
            [`/S/${deep}`]: Array.from({ length: 20_000 }, (_, i) => ({ type: 'aws:cdk:logicalId', data: `R${i}` })),
          },
        }),
      },
    });
    write('cdk.out/S.template.json', INSECURE);
    expect(openFindings(scan('cdk.out'))).toEqual([[path.join('cdk.out', 'S.template.json'), 'OpenPolicy', false]]);
  });

  test('an acknowledgment whose reason is a mapping or a list is kept as its JSON text, not an internal error', () => {
    write('cdk.out/cdk.out', { version: '36.0.0' });
    write('cdk.out/manifest.json', {
      version: '36.0.0',
      artifacts: {
        S: stack('S.template.json', {
          metadata: {
            '/S': [{ type: 'aws:cdk:templateFile', data: 'S.template.json' }, { type: 'aws:cdk:acknowledged-rules', data: { [OPEN_FINDING]: { x: 1 } } }],
            '/S/OpenPolicy': [{ type: 'aws:cdk:logicalId', data: 'OpenPolicy' }],
          },
        }),
      },
    });
    write('cdk.out/S.template.json', INSECURE);
    const result = scan('cdk.out');
    expect(problems(result)).toEqual([]);
    expect(result.findings.find((f) => f.findingId === OPEN_FINDING)).toMatchObject({ acknowledged: true, acknowledgmentReason: '{"x":1}' });
  });
});
