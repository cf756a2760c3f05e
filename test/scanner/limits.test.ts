/*
 * Every limit of `ScanLimits` where the bytes are read: its default, a value past it named with
 * the flag that raises it, the same file read once the limit is raised, and a bad flag value.
 * Big inputs are built here (a large file is sparse: `truncate` writes no bytes).
 */
import * as buffer from 'buffer';
import * as fs from 'fs';
import * as path from 'path';
import { USAGE } from '../../lib/scanner/cli';
import { readAcknowledgmentsFile } from '../../lib/scanner/private/acknowledgments';
import { readRegularFile } from '../../lib/scanner/private/files';
import { DEFAULT_SCAN_LIMITS, ResolvedLimits } from '../../lib/scanner/private/limits';
import { loadTemplate, parseTemplateText } from '../../lib/scanner/private/template-loader';
import { ScanLimits } from '../../lib/scanner/scan-limits';
import { TemplateScanner } from '../../lib/scanner/template-scanner';
import { run } from '../support/child-process';
import { freshFolder, inputError, removeFolder, runCli } from './scan-fixtures';

const ROOT = path.resolve(__dirname, '..', '..');
const SECURE = path.join(__dirname, 'fixtures', 'secure.json');
const MiB = 2 ** 20;

function limits(set: ScanLimits): ResolvedLimits {
  return { ...DEFAULT_SCAN_LIMITS, ...set } as ResolvedLimits;
}

let dir: string;
beforeEach(() => { dir = freshFolder('scan-limits-'); });
afterEach(() => removeFolder(dir));
const cli = (...argv: string[]) => runCli(argv);

/** A file of `size` bytes that takes no room: all NUL bytes, read as a binary file once its size is allowed. */
function sparse(name: string, size: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '');
  fs.truncateSync(file, size);
  return file;
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('maxFileBytes: a file is measured before a byte is read', () => {
  test('the default is 8 MiB: a file one byte larger is refused, one of 8 MiB is read', () => {
    expect(DEFAULT_SCAN_LIMITS.maxFileBytes).toBe(8 * MiB);
    const over = sparse('over.json', 8 * MiB + 1);
    expect(inputError(() => loadTemplate(over)).message)
      .toBe(`${over}: is 8,388,609 bytes, larger than the 8 MiB a scan reads: raise --max-file-bytes to read it`);
    // Read, and then refused for what it holds.
    expect(inputError(() => loadTemplate(sparse('at.json', 8 * MiB))).problem).toBe('is a binary file (it holds NUL bytes), not a template');
  });

  test('a 20 MiB file is named with its size; raised to 32 MiB, the same file is read', () => {
    const file = sparse('big.json', 20 * MiB);
    expect(inputError(() => loadTemplate(file)).problem).toBe('is 20.0 MiB, larger than the 8 MiB a scan reads: raise --max-file-bytes to read it');
    expect(inputError(() => loadTemplate(file, limits({ maxFileBytes: 32 * MiB }))).problem).toBe('is a binary file (it holds NUL bytes), not a template');
  });

  test('a file of 1 GiB (once Node.js\'s raw ERR_FS_FILE_TOO_LARGE past 2 GiB) is named, larger than any limit can allow', () => {
    const largest = buffer.constants.MAX_STRING_LENGTH.toLocaleString('en-US');
    for (const size of [2 ** 30, 3 * 2 ** 30]) {
      const file = sparse(`huge-${size}.yaml`, size);
      expect(inputError(() => loadTemplate(file, limits({ maxFileBytes: buffer.constants.MAX_STRING_LENGTH }))).problem)
        .toBe(`is ${size / 2 ** 30}.0 GiB, larger than any file a scan can read (${largest} bytes, the longest text Node.js holds): not read`);
    }
  });

  test('a small limit: a file at the limit is read, one byte past it is not', () => {
    const text = '{"Resources": {}}';
    const file = write('t.json', text);
    expect(loadTemplate(file, limits({ maxFileBytes: text.length })).template).toEqual({ Resources: {} });
    expect(inputError(() => loadTemplate(file, limits({ maxFileBytes: text.length - 1 }))).problem)
      .toBe('is 17 bytes, larger than the 16 bytes a scan reads: raise --max-file-bytes to read it');
  });

  (process.platform === 'linux' ? test : test.skip)('a file larger than its size said (it grows while read, as /proc files do) is read no further than the limit', () => {
    expect(fs.statSync('/proc/self/status').size).toBe(0);
    expect(inputError(() => readRegularFile('/proc/self/status', limits({ maxFileBytes: 100 }))).message)
      .toBe('/proc/self/status: grew past the 100 bytes a scan reads while it was read: raise --max-file-bytes to read it');
    expect(readRegularFile('/proc/self/status', limits({ maxFileBytes: MiB })).length).toBeGreaterThan(100);
  });

  test('the acknowledgments file too, and --max-file-bytes raises it', () => {
    const acks = sparse('acks.json', 17 * MiB);
    const r = cli('scan', SECURE, '--acknowledgments', acks);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `cdk-secure-iot: ${acks}: is 17.0 MiB, larger than the 8 MiB a scan reads: raise --max-file-bytes to read it\n` });
    expect(cli('scan', SECURE, '--acknowledgments', acks, '--max-file-bytes', '17MiB').stderr)
      .toBe(`cdk-secure-iot: ${acks}: is a binary file (it holds NUL bytes), not a template\n`);
  });
});

describe('maxYamlBytes: YAML reads slowly, so a YAML file is bounded before the YAML reader starts', () => {
  const yaml = (n: number) => `Resources:\n  R:\n    Type: X\n    Properties:\n      A: '${'x'.repeat(n)}'\n`;

  test('1 MiB by default; past it a named error with the size and the flag, at the limit the file reads', () => {
    expect(DEFAULT_SCAN_LIMITS.maxYamlBytes).toBe(MiB);
    const at = yaml(1000);
    expect(parseTemplateText('t.yaml', at, limits({ maxYamlBytes: Buffer.byteLength(at) })).template.Resources.R.Type).toBe('X');
    const e = inputError(() => parseTemplateText('t.yaml', at, limits({ maxYamlBytes: Buffer.byteLength(at) - 1 })));
    expect(e.problem).toBe(`is ${Buffer.byteLength(at).toLocaleString('en-US')} bytes of YAML, more than the ${(Buffer.byteLength(at) - 1).toLocaleString('en-US')} bytes of YAML a scan reads `
      + '(CloudFormation deploys templates of at most 1 MB, and YAML reads slowly): raise --max-yaml-bytes to read it');
  });

  test('bytes, not characters: three-byte characters count three times', () => {
    const text = yaml(0).replace("''", `'${'€'.repeat(400)}'`);
    expect(text.length).toBeLessThan(1000);
    expect(inputError(() => parseTemplateText('t.yaml', text, limits({ maxYamlBytes: 1000 }))).problem).toMatch(/^is 1,\d{3} bytes of YAML/);
  });

  test('JSON is not bounded by it; broken JSON past it is not tried as YAML flow style, and says so', () => {
    const json = JSON.stringify({ Resources: { R: { Type: 'X', Properties: { A: 'x'.repeat(3000) } } } });
    expect(parseTemplateText('t.json', json, limits({ maxYamlBytes: 1000 })).template.Resources.R.Type).toBe('X');
    const e = inputError(() => parseTemplateText('t.json', `${json.slice(0, -1)},}`, limits({ maxYamlBytes: 1000 })));
    expect(e.problem).toMatch(/^JSON syntax error: .*; not tried as YAML flow style, as it is larger than the 1,000 bytes of YAML a scan reads \(--max-yaml-bytes raises it\)$/);
  });
});

describe('maxScalarLength: every string and key, JSON and YAML', () => {
  const long = (n: number) => 'x'.repeat(n);

  test('the default is 1 Mi characters: one more is a named error with its line', () => {
    expect(DEFAULT_SCAN_LIMITS.maxScalarLength).toBe(MiB);
    expect(inputError(() => parseTemplateText('t.json', `{\n"Resources": {},\n"Metadata": "${long(MiB + 1)}"}`)).message)
      .toBe('t.json:3: holds a string of 1,048,577 characters, longer than the 1,048,576 a scan reads: raise --max-scalar-length to read it');
    expect(parseTemplateText('t.json', `{"Resources": {}, "Metadata": "${long(MiB)}"}`).template.Metadata).toHaveLength(MiB);
  });

  test.each([
    ['a JSON string', 't.json', `{"Resources": {},\n "Metadata": {"A": "${long(11)}"}}`, 'a string', 2],
    ['a JSON key', 't.json', `{"Resources": {},\n "Metadata": {"${long(11)}": 1}}`, 'a key', 2],
    ['a JSON string with escapes, measured as read', 't.json', `{"Resources": {},\n\n "M": "${'\\u0041'.repeat(11)}"}`, 'a string', 3],
    ['a YAML plain scalar', 't.yaml', `Resources: {}\nMetadata:\n  A: ${long(11)}\n`, 'a string', 3],
    ['a YAML key', 't.yaml', `Resources: {}\nMetadata:\n  ${long(11)}: 1\n`, 'a key', 3],
    ['a YAML block scalar', 't.yaml', `Resources: {}\nMetadata: |\n  ${long(5)}\n  ${long(4)}\n`, 'a string', 2],
    ['a YAML list item', 't.yaml', `Resources: {}\nMetadata:\n  - ok\n  - "${long(11)}"\n`, 'a string', 4],
  ])('%s past the limit is named; at the limit, or raised, it is read', (_name, file, text, what, line) => {
    expect(inputError(() => parseTemplateText(file, text, limits({ maxScalarLength: 10 }))).message)
      .toBe(`${file}:${line}: holds ${what} of 11 characters, longer than the 10 a scan reads: raise --max-scalar-length to read it`);
    expect(parseTemplateText(file, text, limits({ maxScalarLength: 11 })).template.Resources).toEqual({});
  });

  test('a JSON string whose escapes are longer than the limit but whose value is not is read', () => {
    expect(parseTemplateText('t.json', `{"Resources": {}, "M": "${'\\u0041'.repeat(10)}"}`, limits({ maxScalarLength: 10 })).template.M).toBe('A'.repeat(10));
  });

  test('--max-scalar-length applies to the acknowledgments file and raises the limit', () => {
    const acks = write('acks.json', '[\n  { "id": "ID1", "resource": "OpenPolicy", "reason": "a long reason" }\n]\n');
    expect(cli('scan', SECURE, '--acknowledgments', acks, '--max-scalar-length', '12').stderr)
      .toBe(`cdk-secure-iot: ${acks}:2: holds a string of 13 characters, longer than the 12 a scan reads: raise --max-scalar-length to read it\n`);
    expect(cli('scan', SECURE, '--acknowledgments', acks, '--max-scalar-length', '10000').code).toBe(0);
  });
});

describe('maxNestingDepth: lists and mappings, counted alike in JSON and YAML', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  test('the default is 200: the document and 199 lists in it are read, one more is not', () => {
    expect(DEFAULT_SCAN_LIMITS.maxNestingDepth).toBe(200);
    expect(parseTemplateText('t.json', `{"Resources": {}, "M": ${nested(199)}}`).template.Resources).toEqual({});
    expect(parseTemplateText('t.yaml', `Resources: {}\nM: ${nested(199)}\n`).template.Resources).toEqual({});
    expect(inputError(() => parseTemplateText('t.json', `{"Resources": {}, "M": ${nested(200)}}`)).problem)
      .toBe('nests deeper than the 200 levels a scan reads: raise --max-nesting-depth to read it');
    expect(inputError(() => parseTemplateText('t.yaml', `Resources: {}\nM: ${nested(200)}\n`)).problem)
      .toBe('nests deeper than the 200 levels a scan reads (with its aliases expanded): raise --max-nesting-depth to read it');
  });

  test.each([
    ['JSON', 't.json', (d: number) => `{"Resources": {},\n "M": ${nested(d - 1)}}`, 2],
    ['YAML flow', 't.yaml', (d: number) => `Resources: {}\nM: ${nested(d - 1)}\n`, 2],
    ['YAML block', 't.yaml', (d: number) => `Resources: {}\nM:\n${Array.from({ length: d - 1 }, (_, i) => `${'  '.repeat(i + 1)}k:`).join('\n')} 1\n`, 12],
    ['YAML through an alias', 't.yaml', (d: number) => `Resources: {}\nA: &a ${nested(d - 2)}\nM:\n  - *a\n`, 4],
  ])('%s: at the limit read, one level past it named with its line, and read once raised', (_name, file, text, line) => {
    expect(parseTemplateText(file, text(10), limits({ maxNestingDepth: 10 })).template.Resources).toEqual({});
    const e = inputError(() => parseTemplateText(file, text(11), limits({ maxNestingDepth: 10 })));
    expect(e.line).toBe(line);
    expect(e.problem).toMatch(/^nests deeper than the 10 levels a scan reads( \(with its aliases expanded\))?: raise --max-nesting-depth to read it$/);
    expect(parseTemplateText(file, text(11), limits({ maxNestingDepth: 11 })).template.Resources).toEqual({});
  });

  test('raised past what the YAML parser can follow, the file is still a named error', () => {
    expect(inputError(() => parseTemplateText('t.yaml', `Resources: ${nested(5000)}\n`, limits({ maxNestingDepth: 100_000 }))).problem)
      .toMatch(/^nests deeper than the YAML reader can follow/);
  });
});

describe('maxAliasExpansion: the values a YAML file stands for through its aliases', () => {
  // The document, the key a, the list and its 2 items, the key b, and the list again through *x: 9 values.
  const text = 'a: &x [1, 2]\nb: *x\n';

  test('at the limit read, one value past it named at the alias that expands most, and read once raised', () => {
    expect(parseTemplateText('t.yaml', text, limits({ maxAliasExpansion: 9 })).template).toEqual({ a: [1, 2], b: [1, 2] });
    expect(inputError(() => parseTemplateText('t.yaml', text, limits({ maxAliasExpansion: 8 }))).message)
      .toBe('t.yaml:2: YAML aliases expand the file past the 8 values a scan reads (*x alone stands for 3): an alias bomb, read no further; '
        + 'raise --max-alias-expansion to read it');
  });

  test('the default is 500,000: 9^6 values are refused, and read with the limit raised', () => {
    expect(DEFAULT_SCAN_LIMITS.maxAliasExpansion).toBe(500_000);
    let bomb = 'Resources: {}\nl0: &l0 [a,a,a,a,a,a,a,a,a]\n';
    for (let i = 1; i < 6; i++) bomb += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]\n`;
    expect(inputError(() => parseTemplateText('t.yaml', bomb)).problem).toMatch(/^YAML aliases expand the file past the 500,000 values a scan reads \(\*l4 alone stands for 66,430\)/);
    expect(parseTemplateText('t.yaml', bomb, limits({ maxAliasExpansion: 1_000_000 })).template.l5[8][8][8][8][8][8]).toBe('a');
  });
});

describe('the acknowledgments file', () => {
  test('a JSON list of 100,000 entries is read by JSON.parse, not the YAML reader', () => {
    const entries = Array.from({ length: 100_000 }, (_, i) => ({ id: 'IoTSecurity-ID1', resource: `Policy${i}`, reason: 'lab account' }));
    const text = JSON.stringify(entries);
    expect(text.length).toBeLessThan(DEFAULT_SCAN_LIMITS.maxFileBytes);
    const file = write('acks.json', text);
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const acks = readAcknowledgmentsFile(file);
      expect(acks).toHaveLength(100_000);
      expect(acks[99_999]).toEqual({ id: 'IoTSecurity-ID1', resource: 'Policy99999', reason: 'lab account', template: undefined });
      expect(parse).toHaveBeenCalledWith(text);
    } finally {
      parse.mockRestore();
    }
  });

  test('a list that is not JSON (YAML flow style) is still read as YAML', () => {
    const file = write('acks.yaml', '[{ id: ID1, resource: P, reason: lab }]\n');
    expect(readAcknowledgmentsFile(file)).toEqual([{ id: 'ID1', resource: 'P', reason: 'lab', template: undefined }]);
  });

  test.each([
    ['JSON', '[{ "__proto__": { "template": "elsewhere.json" }, "id": "ID1", "resource": "P", "reason": "lab" }]'],
    ['YAML', '- __proto__: { template: elsewhere.json }\n  id: ID1\n  resource: P\n  reason: lab\n'],
  ])('%s: an entry\'s __proto__ key is a key like any other, changing nothing', (_name, text) => {
    const acks = readAcknowledgmentsFile(write('acks', text));
    expect(acks).toEqual([{ id: 'ID1', resource: 'P', reason: 'lab', template: undefined }]);
    expect(({} as { template?: unknown }).template).toBeUndefined();
  });

  test.each([
    ['JSON', '[{ "__proto__": { "id": "ID1", "resource": "P", "reason": "lab" } }]'],
    ['YAML', '- __proto__: { id: ID1, resource: P, reason: lab }\n'],
  ])('%s: an entry whose fields are under __proto__ has none of them', (_name, text) => {
    const file = write('acks', text);
    expect(inputError(() => readAcknowledgmentsFile(file)).problem).toMatch(/^acknowledgment 1: 'id' must be a non-empty string, 'resource' must be a non-empty string, 'reason' must be a non-empty string \(got /);
  });

  test('an entry of 10,000 characters is quoted short in the error', () => {
    const file = write('acks.json', JSON.stringify([{ id: 'ID1', resource: 'P', reason: '', note: 'n'.repeat(10_000) }]));
    const e = inputError(() => readAcknowledgmentsFile(file));
    expect(e.problem).toMatch(/^acknowledgment 1: 'reason' must be a non-empty string \(got \{"id":"ID1".{0,60}\.\.\.\)$/);
  });
});

describe('the command line: a flag for every limit, and --no-follow-links', () => {
  const FLAGS: [keyof ScanLimits, string][] = [
    ['maxFileBytes', '--max-file-bytes'], ['maxYamlBytes', '--max-yaml-bytes'], ['maxScalarLength', '--max-scalar-length'], ['maxNestingDepth', '--max-nesting-depth'],
    ['maxAliasExpansion', '--max-alias-expansion'], ['maxFolderDepth', '--max-folder-depth'], ['maxFiles', '--max-files'],
    ['maxAssemblyNesting', '--max-assembly-nesting'],
  ];

  test('the help lists each flag with its default', () => {
    expect(FLAGS.map(([name]) => name).sort()).toEqual(Object.keys(DEFAULT_SCAN_LIMITS).sort());
    for (const [name, flag] of FLAGS) {
      const line = USAGE.slice(USAGE.indexOf(`  ${flag} <n>`)).split(/\n(?=  -)/)[0];
      expect(line).toContain(`(default: ${name === 'maxFileBytes' ? '8MiB' : name === 'maxYamlBytes' ? '1MiB' : DEFAULT_SCAN_LIMITS[name]})`);
    }
    expect(USAGE).toContain('  --no-follow-links ');
  });

  /** What the scan was told: its resolved limits and whether it follows links. */
  function settingsOf(...flags: string[]): { limits: ResolvedLimits; followLinks: boolean } {
    const seen: { limits: ResolvedLimits; followLinks: boolean }[] = [];
    const original = TemplateScanner.prototype._scanRead;
    const spy = jest.spyOn(TemplateScanner.prototype, '_scanRead').mockImplementation(function (this: TemplateScanner, inputs: string[]) {
      seen.push((this as unknown as { read: { limits: ResolvedLimits; followLinks: boolean } }).read);
      return original.call(this, inputs);
    });
    try {
      const r = cli('scan', SECURE, ...flags);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    } finally {
      spy.mockRestore();
    }
    return seen[0];
  }

  test('each flag sets its limit (byte sizes in KiB, MiB or GiB too); without flags, the defaults and links followed', () => {
    expect(settingsOf()).toEqual({ limits: DEFAULT_SCAN_LIMITS, followLinks: true });
    expect(settingsOf(
      '--max-file-bytes', '64MiB', '--max-yaml-bytes', '3MiB', '--max-scalar-length', '2000000', '--max-nesting-depth', '300', '--max-alias-expansion', '1000000',
      '--max-folder-depth', '40', '--max-files', '20000', '--max-assembly-nesting', '5', '--no-follow-links',
    )).toEqual({
      limits: { maxFileBytes: 64 * MiB, maxYamlBytes: 3 * MiB, maxScalarLength: 2_000_000, maxNestingDepth: 300, maxAliasExpansion: 1_000_000, maxFolderDepth: 40, maxFiles: 20_000, maxAssemblyNesting: 5 },
      followLinks: false,
    });
    expect(settingsOf('--max-file-bytes', '512KiB').limits.maxFileBytes).toBe(512 * 1024);
    expect(settingsOf('--max-file-bytes=256mib').limits.maxFileBytes).toBe(256 * MiB);
    expect(settingsOf('--max-file-bytes', '100000').limits.maxFileBytes).toBe(100_000);
  });

  const largest = buffer.constants.MAX_STRING_LENGTH.toLocaleString('en-US');
  test.each([
    ['--max-files', '0', "--max-files must be a whole number of at least 1, got '0'"],
    ['--max-nesting-depth', '1.5', "--max-nesting-depth must be a whole number of at least 1, got '1.5'"],
    ['--max-alias-expansion', '-3', "--max-alias-expansion must be a whole number of at least 1, got '-3'"],
    ['--max-folder-depth', 'deep', "--max-folder-depth must be a whole number of at least 1, got 'deep'"],
    ['--max-assembly-nesting', '', "--max-assembly-nesting must be a whole number of at least 1, got ''"],
    ['--max-scalar-length', '1e6', "--max-scalar-length must be a whole number of at least 1, got '1e6'"],
    ['--max-files', '99999999999999999999', "--max-files must be a whole number of at least 1, got '99999999999999999999'"],
    ['--max-file-bytes', '16MB', `--max-file-bytes must be a whole number of bytes (or of KiB, MiB or GiB: 64MiB) from 1 to ${largest} (the longest text Node.js holds), got '16MB'`],
    ['--max-file-bytes', '1TiB', `--max-file-bytes must be a whole number of bytes (or of KiB, MiB or GiB: 64MiB) from 1 to ${largest} (the longest text Node.js holds), got '1TiB'`],
  ])('%s %j is a usage error naming the flag, the value and what is allowed: exit 2', (flag, value, message) => {
    const r = cli('scan', SECURE, `${flag}=${value}`);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `cdk-secure-iot: ${message}\n\n${USAGE}` });
  });

  test('TemplateScanner checks its limits the same way, naming the limit', () => {
    expect(() => new TemplateScanner({ limits: { maxFiles: 0 } })).toThrow('TemplateScanner: the limit maxFiles must be a whole number of at least 1, got 0');
    expect(() => new TemplateScanner({ limits: { maxFileBytes: 2 ** 40 } }))
      .toThrow(`TemplateScanner: the limit maxFileBytes must be a whole number from 1 to ${largest} (the longest text Node.js holds), got ${2 ** 40}`);
    expect(() => new TemplateScanner({ limits: { maxDepth: 3 } as ScanLimits })).toThrow(/^TemplateScanner: unknown limit 'maxDepth': the limits are maxFileBytes, /);
  });
});

test('through the real command line: a sparse 1 GiB template and an alias bomb each end in one named line, exit 2', () => {
  sparse('huge.json', 2 ** 30);
  let bomb = 'Resources: {}\nl0: &l0 [a,a,a,a,a,a,a,a,a]\n';
  for (let i = 1; i < 9; i++) bomb += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]\n`;
  write('bomb.yaml', bomb);
  const r = run(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'lib', 'scanner', 'cli.ts'), 'scan', 'huge.json', 'bomb.yaml', '--format', 'json'], {
    cwd: dir,
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), NODE_PATH: path.join(ROOT, 'node_modules') },
    timeoutMs: 90_000,
  });
  expect(r.timedOut).toBeFalsy();
  expect(r.status).toBe(2);
  expect(r.stderr).toBe(
    'cdk-secure-iot: bomb.yaml:10: YAML aliases expand the file past the 500,000 values a scan reads (*l7 alone stands for 48,427,561): '
    + 'an alias bomb, read no further; raise --max-alias-expansion to read it\n'
    + `cdk-secure-iot: huge.json: is 1.0 GiB, larger than any file a scan can read (${buffer.constants.MAX_STRING_LENGTH.toLocaleString('en-US')} bytes, `
    + 'the longest text Node.js holds): not read\n');
  expect(JSON.parse(r.stdout).summary.unreadable).toBe(2);
});
