/*
 * The folder walk and the cloud assembly reader are total and bounded (issue 26): symbolic links
 * are followed once (a loop, or two links to one folder, read it once), what is not read is said,
 * a template cannot hide behind a link, a dot-folder or one invalid byte, and every limit reached
 * (folder depth, files read, assembly and nested stack nesting) is a named error, never a stall or
 * a stack overflow. Every fixture is built here, in a folder of its own.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FindingSeverity, ScanResult, TemplateScanner } from '../../lib';
import { expandInputs } from '../../lib/scanner/private/inputs';
import { DEFAULT_READ_SETTINGS, DEFAULT_SCAN_LIMITS } from '../../lib/scanner/private/limits';
import { CLEAN, INSECURE, OPEN_POLICY, freshFolder, removeFolder, runCli, writeFile } from './scan-fixtures';

let dir: string;
beforeEach(() => { dir = freshFolder('scan-folders-'); });
afterEach(() => removeFolder(dir));

/** The command line, in process, run in the test's folder. */
const cli = (...argv: string[]) => runCli(argv, dir);
const write = (name: string, content: string | object | Buffer) => writeFile(dir, name, content, 2);

function link(target: string, name: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
  fs.symlinkSync(target, path.join(dir, name));
}

const rel = (file: string) => path.relative(dir, file);
const notes = (r: ScanResult) => r.notices.filter((n) => n.severity === FindingSeverity.NOTE).map((n) => [rel(n.file), n.message]);
const problems = (r: ScanResult) => r.unreadable.map((u) => [rel(u.file), u.reason]);
const scanned = (r: ScanResult) => r.templates.map((t) => rel(t.file));

describe('symbolic links in a scanned folder are followed once', () => {
  test('a linked subfolder holding an iot:* policy is reported (it was 0 errors): exit 1, the finding under the link\'s path', () => {
    write('shared/policy.json', INSECURE);
    write('scan/clean.json', CLEAN);
    link(path.join('..', 'shared'), 'scan/infra');
    const r = cli('scan', 'scan');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${path.join('scan', 'infra', 'policy.json')}\n  OpenPolicy (AWS::IoT::Policy)`);
    expect(r.stdout).toMatch(/\b1 error\b|[1-9] errors/);
  });

  test('a link back to a folder being walked (a loop) and a link to the folder itself: each folder read once, each link said', () => {
    write('scan/top.json', INSECURE);
    write('scan/a/deep.json', CLEAN);
    link('..', 'scan/a/up');
    link('.', 'scan/self');
    const r = new TemplateScanner().scan([path.join(dir, 'scan')]);
    expect(scanned(r)).toEqual([path.join('scan', 'a', 'deep.json'), path.join('scan', 'top.json')]);
    expect(r.unreadable).toEqual([]);
    expect(notes(r)).toEqual([
      [path.join('scan', 'a', 'up'), `skipped: a symbolic link to a folder already walked (${path.join(dir, 'scan')}): not walked again`],
      [path.join('scan', 'self'), `skipped: a symbolic link to a folder already walked (${path.join(dir, 'scan')}): not walked again`],
    ]);
  });

  test('two links to one folder: read once, under the first link, the second said; a real folder reached again through a link is said too', () => {
    write('shared/one.json', INSECURE);
    write('shared/sub/two.yaml', 'Resources:\n  T:\n    Type: AWS::SNS::Topic\n');
    link(path.join('..', 'shared'), 'scan/l1');
    link(path.join('..', 'shared'), 'scan/l2');
    link(path.join('..', 'shared', 'sub'), 'scan/a-sub');
    const r = new TemplateScanner().scan([path.join(dir, 'scan')]);
    // Links are followed in name order: a-sub first, so l1 meets sub as a folder already walked.
    expect(scanned(r)).toEqual([path.join('scan', 'a-sub', 'two.yaml'), path.join('scan', 'l1', 'one.json')]);
    expect(r.findings.filter((f) => f.severity === FindingSeverity.ERROR).map((f) => rel(f.file))).toContain(path.join('scan', 'l1', 'one.json'));
    expect(notes(r)).toEqual([
      [path.join('scan', 'l1', 'sub'), `skipped: a folder already walked (as ${path.join(dir, 'scan', 'a-sub')}, through a symbolic link): not walked again`],
      [path.join('scan', 'l2'), `skipped: a symbolic link to a folder already walked (${path.join(dir, 'scan', 'l1')}): not walked again`],
    ]);
  });

  test('a file is read under its own name and a link to it beside it is said, whatever their order', () => {
    write('scan/z-real.json', INSECURE);
    link('z-real.json', 'scan/a-link.json');
    const r = new TemplateScanner().scan([path.join(dir, 'scan')]);
    expect(scanned(r)).toEqual([path.join('scan', 'z-real.json')]);
    expect(notes(r)).toEqual([[path.join('scan', 'a-link.json'), `skipped: a symbolic link to a file already read (${path.join(dir, 'scan', 'z-real.json')}): not read again`]]);
  });

  test('followLinks false: every link is listed as skipped, the linked policy not read; broken links too', () => {
    write('shared/policy.json', INSECURE);
    write('scan/clean.json', CLEAN);
    link(path.join('..', 'shared'), 'scan/infra');
    link(path.join('..', 'shared', 'policy.json'), 'scan/policy.json');
    link('gone.json', 'scan/broken.json');
    const r = new TemplateScanner({ followLinks: false }).scan([path.join(dir, 'scan')]);
    expect(scanned(r)).toEqual([path.join('scan', 'clean.json')]);
    const notFollowed = 'skipped: a symbolic link: not followed (--no-follow-links)';
    expect(notes(r)).toEqual([
      [path.join('scan', 'broken.json'), notFollowed],
      [path.join('scan', 'infra'), notFollowed],
      [path.join('scan', 'policy.json'), notFollowed],
    ]);
    // Followed (the default), the same folder reports the policy once, and the broken link as broken.
    const followed = new TemplateScanner().scan([path.join(dir, 'scan')]);
    expect(scanned(followed)).toEqual([path.join('scan', 'clean.json'), path.join('scan', 'infra', 'policy.json')]);
    expect(notes(followed).map(([f]) => f)).toEqual([path.join('scan', 'broken.json'), path.join('scan', 'policy.json')]);
  });
});

describe('folders passed over are said; dot-folders are walked', () => {
  test('a template in .aws-sam/build or .serverless is scanned; node_modules and .git are listed as skipped with why', () => {
    write('app/template.yaml', 'Resources:\n  T:\n    Type: AWS::SNS::Topic\n');
    write('app/.aws-sam/build/template.yaml', `Resources:\n  OpenPolicy:\n    Type: AWS::IoT::Policy\n    Properties:\n      PolicyDocument: ${JSON.stringify(OPEN_POLICY)}\n`);
    write('app/.serverless/cloudformation-template-update-stack.json', INSECURE);
    write('app/node_modules/dep/t.json', INSECURE);
    write('app/.git/evil.json', INSECURE);
    const r = new TemplateScanner().scan([path.join(dir, 'app')]);
    expect(scanned(r)).toEqual([
      path.join('app', '.aws-sam', 'build', 'template.yaml'),
      path.join('app', '.serverless', 'cloudformation-template-update-stack.json'),
      path.join('app', 'template.yaml'),
    ]);
    expect(notes(r)).toEqual([
      [path.join('app', '.git'), 'skipped: version control data: not walked'],
      [path.join('app', 'node_modules'), "skipped: installed npm packages (node_modules), not this project's templates: not walked (scan it by name to read it)"],
    ]);
    // Named, a skipped folder is read.
    expect(scanned(new TemplateScanner().scan([path.join(dir, 'app', 'node_modules')]))).toEqual([path.join('app', 'node_modules', 'dep', 't.json')]);
  });

  test('a folder of installed packages or a cache is walked all the same (its marker is a file anyone can plant), its files that are not templates counted in one note', () => {
    write('app/.venv/pyvenv.cfg', 'home = /usr/bin\n');
    write('app/.venv/lib/t.json', INSECURE);
    write('app/.venv/lib/data.json', '{"a": 1}');
    write('app/.mypy_cache/CACHEDIR.TAG', 'Signature: 8a477f597d28d172789f06886806bc55\n');
    write('app/.mypy_cache/3.12/x.data.json', '{"b": 2}');
    write('app/.aws-sam/build/Fn/app.py', 'def handler(event, context): pass\n');
    write('app/.aws-sam/build/Fn/botocore-1.35.0.dist-info/METADATA', 'Name: botocore\n');
    write('app/.aws-sam/build/Fn/botocore/data/s3.json', '{"version": "2.0"}');
    write('app/.aws-sam/build/Fn/botocore/data/sns.yaml', 'metadata: {}\n');
    // The planted marker beside the deployment's own templates hides none of them.
    write('app/infra/CACHEDIR.TAG', 'Signature: 8a477f597d28d172789f06886806bc55\n');
    write('app/infra/policy.json', INSECURE);
    const r = new TemplateScanner().scan([path.join(dir, 'app')]);
    expect(scanned(r)).toEqual([path.join('app', '.venv', 'lib', 't.json'), path.join('app', 'infra', 'policy.json')]);
    expect(r.findings.filter((f) => f.ruleId === 'IoTSecurity-ID1').map((f) => path.relative(dir, f.file))).toEqual([
      path.join('app', '.venv', 'lib', 't.json'), path.join('app', 'infra', 'policy.json'),
    ]);
    const walked = (what: string, n?: string) => `${what}: walked, and every file in it read${n === undefined ? '' : `; ${n} (counted here, not listed one by one)`}`;
    expect(notes(r)).toEqual([
      ['app', "skipped: 5 files without a template's extension (.json, .yaml, .yml, .template) were not read: name a file to scan it"],
      [path.join('app', '.aws-sam', 'build', 'Fn'), walked("installed Python packages (it holds 'botocore-1.35.0.dist-info')", "2 of its files with a template's extension are not templates")],
      [path.join('app', '.mypy_cache'), walked('a cache folder (it holds a CACHEDIR.TAG)', "1 of its files with a template's extension is not a template")],
      [path.join('app', '.venv'), walked('a Python virtual environment (it holds a pyvenv.cfg)', "1 of its files with a template's extension is not a template")],
      [path.join('app', 'infra'), walked('a cache folder (it holds a CACHEDIR.TAG)')],
    ]);
  });
});

describe('a file that reads as a template is never passed over for its bytes', () => {
  test('an invalid UTF-8 byte in a template in a folder: unreadable, exit 2, the other templates reported', () => {
    const policy = Buffer.concat([Buffer.from('Resources:\n  OpenPolicy:\n    Type: AWS::IoT::Policy  # caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    write('scan/bad-byte.yaml', policy);
    write('scan/nul.json', Buffer.concat([Buffer.from('{"Resources": {"P": {"Type": "AWS::IoT::Policy"}}}\n'), Buffer.from([0])]));
    write('scan/image.json', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]));
    write('scan/insecure.json', INSECURE);
    const r = cli('scan', 'scan');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toEqual([
      `cdk-secure-iot: ${path.join('scan', 'bad-byte.yaml')}:3: is not UTF-8 text, yet reads as a CloudFormation template (AWSTemplateFormatVersion or a Resources key): `
        + 'CloudFormation reads templates as UTF-8 text (save the file as UTF-8)',
      `cdk-secure-iot: ${path.join('scan', 'nul.json')}:2: holds a NUL byte, yet reads as a CloudFormation template (AWSTemplateFormatVersion or a Resources key): `
        + 'CloudFormation reads templates as UTF-8 text (save the file as UTF-8)',
      '',
    ]);
    expect(r.stdout).toContain(`${path.join('scan', 'image.json')}: skipped: is a binary file (it holds NUL bytes), not a template`);
    expect(r.stdout).toContain(`${path.join('scan', 'insecure.json')}\n  OpenPolicy (AWS::IoT::Policy)`);
  });
});

describe('limits reached are named errors on the folder, the rest reported', () => {
  test(`a folder deeper than maxFolderDepth (${DEFAULT_SCAN_LIMITS.maxFolderDepth}): exit 2 naming it and --max-folder-depth, the templates above it scanned`, () => {
    const deep = Array.from({ length: DEFAULT_SCAN_LIMITS.maxFolderDepth + 1 }, (_, i) => `d${i + 1}`);
    write(path.join('scan', ...deep, 'hidden.json'), INSECURE);
    write(path.join('scan', ...deep.slice(0, -1), 'last.json'), INSECURE);
    const r = cli('scan', 'scan');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`cdk-secure-iot: ${path.join('scan', ...deep)}: is 33 folders below scan, past the limit of 32 (--max-folder-depth raises it): not walked\n`);
    expect(r.stdout).toContain(`${path.join('scan', ...deep.slice(0, -1), 'last.json')}\n  OpenPolicy`);
    // Raised, the folder is walked.
    const raised = new TemplateScanner({ limits: { maxFolderDepth: 33 } }).scan([path.join(dir, 'scan')]);
    expect(raised.unreadable).toEqual([]);
    expect(raised.templates).toHaveLength(2);
  });

  test('maxFiles: one error naming the folder, the first file not read and --max-files; the files read before it are scanned', () => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) write(`scan/${n}.json`, CLEAN);
    // The folder and two files: the limit is reached at the third file.
    const r = new TemplateScanner({ limits: { maxFiles: 3 } }).scan([path.join(dir, 'scan')]);
    expect(scanned(r)).toEqual([path.join('scan', 'a.json'), path.join('scan', 'b.json')]);
    expect(problems(r)).toEqual([['scan', 'the scan reached its limit of 3 files and folders read (templates, manifests, metadata files, folders; '
      + '--max-files raises it): c.json in it and everything after it were not read']]);
  });

  test('maxFiles counts across the inputs, manifests included: the inputs after the limit are not read', () => {
    write('cdk.out/cdk.out', { version: '36.0.0' });
    write('cdk.out/manifest.json', { version: '36.0.0', artifacts: { S: { type: 'aws:cloudformation:stack', properties: { templateFile: 'S.template.json' } } } });
    write('cdk.out/S.template.json', INSECURE);
    write('later.json', INSECURE);
    // manifest, template: 2; the assembly's listing is the third.
    const r = new TemplateScanner({ limits: { maxFiles: 3 } }).scan([path.join(dir, 'cdk.out'), path.join(dir, 'later.json')]);
    expect(scanned(r)).toEqual([path.join('cdk.out', 'S.template.json')]);
    expect(problems(r)).toEqual([['', expect.stringMatching(/^the scan reached its limit of 3 files and folders read .*: later\.json in it and everything after it were not read$/)]]);
  });
});

describe('the cloud assembly reader is bounded', () => {
  /** A chain of `depth` stack templates, each deploying the next as a nested stack named by `aws:asset:path`. */
  function nestedChain(depth: number): string {
    const out = path.join(dir, 'cdk.out');
    write('cdk.out/cdk.out', { version: '36.0.0' });
    write('cdk.out/manifest.json', { version: '36.0.0', artifacts: { Root: { type: 'aws:cloudformation:stack', properties: { templateFile: 'S0.template.json' } } } });
    for (let i = 0; i < depth; i++) {
      const resources: { [id: string]: object } = { Topic: { Type: 'AWS::SNS::Topic' } };
      if (i + 1 < depth) resources.Next = { Type: 'AWS::CloudFormation::Stack', Metadata: { 'aws:asset:path': `S${i + 1}.nested.json` } };
      fs.writeFileSync(path.join(out, i === 0 ? 'S0.template.json' : `S${i}.nested.json`), JSON.stringify({ Resources: resources }));
    }
    return out;
  }

  test('a 2,000-deep chain of nested stacks: a named error on the stack at the limit (exit 2), not a stack overflow or an internal error', () => {
    nestedChain(2000);
    const r = cli('scan', 'cdk.out', '--format', 'json');
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.unreadable).toEqual([{
      file: path.join('cdk.out', 'S99.nested.json'),
      line: expect.any(Number),
      reason: "the nested stack 'Next' ('S100.nested.json') would be nested 101 levels deep, past the limit of 100 (--max-assembly-nesting raises it): not read",
    }]);
    // Past the limit the chain is not read as nested stacks (without the parents' acknowledgments), but the folder walk reads each file as a plain template.
    expect(report.templates).toHaveLength(2000);
    expect(r.stdout + r.stderr).not.toMatch(/could not complete|Maximum call stack|internal error/i);
  });

  test('raised past the chain, every nested stack is read, with a stack of the reader\'s own', () => {
    const out = nestedChain(2000);
    const expanded = expandInputs([out], { ...DEFAULT_READ_SETTINGS, limits: { ...DEFAULT_SCAN_LIMITS, maxAssemblyNesting: 5000 } });
    expect(expanded.unreadable).toEqual([]);
    expect(expanded.templates).toHaveLength(2000);
    expect(path.basename(expanded.templates[1999].file)).toBe('S1999.nested.json');
  });

  test('a 1,500-deep chain of nested assemblies, the limit raised past it: read to the end, no stack overflow', () => {
    write('cdk.out/cdk.out', { version: '36.0.0' });
    const depth = 1500;
    for (let i = 0; i < depth; i++) {
      const here = i === 0 ? 'cdk.out' : path.join('cdk.out', `n${i}`);
      const next = { type: 'cdk:cloud-assembly', properties: { directoryName: i === 0 ? 'n1' : `../n${i + 1}` } };
      write(path.join(here, 'manifest.json'), { artifacts: i + 1 < depth ? { X: next } : { S: { type: 'aws:cloudformation:stack', properties: { templateFile: 'S.template.json' } } } });
    }
    write(path.join('cdk.out', `n${depth - 1}`, 'S.template.json'), INSECURE);
    const expanded = expandInputs([path.join(dir, 'cdk.out')], { ...DEFAULT_READ_SETTINGS, limits: { ...DEFAULT_SCAN_LIMITS, maxAssemblyNesting: 2000 } });
    expect(expanded.unreadable).toEqual([]);
    expect(expanded.templates.map((t) => rel(t.file))).toEqual([path.join('cdk.out', `n${depth - 1}`, 'S.template.json')]);
  });

  test('an ~6.5 MB manifest of 20,000 resources, each acknowledged, under 200 stacks (as older CDK versions write one manifest, within the 8 MiB default): read in seconds, each acknowledgment on its resource', () => {
    const out = path.join(dir, 'cdk.out');
    write('cdk.out/cdk.out', { version: '36.0.0' });
    const metadata: { [constructPath: string]: object[] } = {};
    const stacks = 200;
    const perStack = 100;
    for (let s = 0; s < stacks; s++) {
      metadata[`/App/S${s}`] = [{ type: 'aws:cdk:templateFile', data: s === 0 ? 'Big.template.json' : `S${s}.nested.template.json` }];
      for (let i = 0; i < perStack; i++) {
        metadata[`/App/S${s}/Res${i}`] = [{ type: 'aws:cdk:acknowledged-rules', data: { 'IoTSecurity-ID2': `reason ${s}.${i}` } }];
        metadata[`/App/S${s}/Res${i}/Resource`] = [{ type: 'aws:cdk:logicalId', data: `Res${i}` }];
      }
    }
    // An acknowledgment on the stack covers each of its resources, not those of the stacks beside it.
    metadata['/App/S0'].push({ type: 'aws:cdk:acknowledged-rules', data: { 'IoTSecurity-ID1': 'the whole stack' } });
    write('cdk.out/manifest.json', { version: '36.0.0', artifacts: { Big: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Big.template.json' }, metadata } } });
    write('cdk.out/Big.template.json', { Resources: { Res7: INSECURE.Resources.OpenPolicy } });
    write('cdk.out/S1.nested.template.json', { Resources: { Res7: INSECURE.Resources.OpenPolicy } });
    expect(fs.statSync(path.join(out, 'manifest.json')).size).toBeGreaterThan(6_000_000);
    expect(fs.statSync(path.join(out, 'manifest.json')).size).toBeLessThan(DEFAULT_SCAN_LIMITS.maxFileBytes);
    const expanded = expandInputs([out]);
    expect(expanded.unreadable).toEqual([]);
    const acks = new Map(expanded.templates.map((t) => [path.basename(t.file), t.assemblyAcknowledgments]));
    const big = acks.get('Big.template.json')!;
    const s1 = acks.get('S1.nested.template.json')!;
    expect([big.reasonFor('Res7', 'IoTSecurity-ID1'), big.reasonFor('Res7', 'IoTSecurity-ID2')]).toEqual(['the whole stack', 'reason 0.7']);
    expect([s1.reasonFor('Res7', 'IoTSecurity-ID1'), s1.reasonFor('Res7', 'IoTSecurity-ID2')]).toEqual([undefined, 'reason 1.7']);
    expect(big.reasonFor(`Res${perStack - 1}`, 'IoTSecurity-ID2')).toBe(`reason 0.${perStack - 1}`);
    expect(big.reasonFor(`Res${perStack}`, 'IoTSecurity-ID1')).toBeUndefined();
  });
});
