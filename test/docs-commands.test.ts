import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run, runOk, described } from './support/child-process';
import { reportedFindings } from './validation';

/*
 * Every shell command in the pages a user reads (README.md, docs/**, examples/<name>/README.md),
 * run exactly as written: each ```bash, ```sh or ```shell fence is one `bash -euo pipefail -c`
 * in a fresh copy of the repository (its tracked and untracked-not-ignored files, node_modules
 * linked, dist/handlers bundled), from the copy's root, as a user with a fresh clone after
 * `npm ci` would, offline and with no AWS account. A block that synthesizes must also succeed as
 * the user sees it: templates in the out folder, no CfnSynthesisError, a clean validation report.
 *
 * The root README's set-up commands are the exception: running `npm ci`, `npm test` or this very
 * test run (`npm run test:install`) inside it would recurse, so `.ci/run` runs them, and this test
 * checks that it does.
 */

const ROOT = path.resolve(__dirname, '..');
/** The longest one block may take (a `cdk synth` of an example is 20-60 s on two busy cores). */
const BLOCK_LIMIT_MS = 240_000;
/** The root README's set-up commands, which `.ci/run` runs instead of this test. */
const SETUP_COMMANDS = ['npm ci && npx cdk synth', 'npm test', 'npm run test:install'];

/** One shell fence of a page. */
interface ShellBlock {
  /** The page, relative to the repository root. */
  readonly page: string;
  /** The line of the opening fence (1-based). */
  readonly line: number;
  /** The commands, exactly as the page writes them. */
  readonly text: string;
}

/** The pages whose shell fences a user may run. */
function pages(): string[] {
  const docs = (dir: string): string[] => (fs.existsSync(path.join(ROOT, dir))
    ? fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) return docs(rel);
      return e.name.endsWith('.md') ? [rel] : [];
    })
    : []);
  const examples = fs.readdirSync(path.join(ROOT, 'examples'))
    .map((name) => path.posix.join('examples', name, 'README.md'))
    .filter((p) => fs.existsSync(path.join(ROOT, p)));
  return ['README.md', ...docs('docs').sort(), ...examples.sort()];
}

/** The ```bash, ```sh and ```shell fences of a Markdown text (CommonMark: up to 3 spaces of indent, ``` or ~~~). */
function shellBlocks(page: string, markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  const lines = markdown.split('\n');
  let open: { fence: string; line: number; shell: boolean; body: string[] } | undefined;
  lines.forEach((text, i) => {
    if (!open) {
      const m = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/.exec(text);
      if (m) open = { fence: m[1], line: i + 1, shell: ['bash', 'sh', 'shell'].includes(m[2].toLowerCase()), body: [] };
      return;
    }
    const close = new RegExp(`^ {0,3}${open.fence[0] === '`' ? '`' : '~'}{${open.fence.length},}\\s*$`);
    if (close.test(text)) {
      if (open.shell) blocks.push({ page, line: open.line, text: open.body.join('\n') });
      open = undefined;
    } else {
      open.body.push(text);
    }
  });
  return blocks;
}

/** A block's commands: its lines without comments and blank lines. */
const commandLines = (text: string): string[] => text.split('\n').map((l) => l.replace(/(^|\s)#.*$/, '').trim()).filter(Boolean);

const isSetupBlock = (b: ShellBlock) => b.page === 'README.md'
  && JSON.stringify(commandLines(b.text)) === JSON.stringify(SETUP_COMMANDS);

const BLOCKS = pages().flatMap((page) => shellBlocks(page, fs.readFileSync(path.join(ROOT, page), 'utf8')));
const RUN = BLOCKS.filter((b) => !isSetupBlock(b));

/** A fresh copy of the repository as a clone has it after `npm ci`. */
function copyRepository(base: string): string {
  const copy = path.join(base, 'repo');
  fs.mkdirSync(copy);
  const files = runOk('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, timeoutMs: 30_000 })
    .split('\0').filter(Boolean);
  for (const file of files) {
    const from = path.join(ROOT, file);
    // A tracked file deleted in the working tree is not there for a user either; node_modules and
    // dist are made below, whether the checkout's are folders or links (`node_modules/` in
    // .gitignore does not match a link).
    if (!fs.existsSync(from) || /^(node_modules|dist)(\/|$)/.test(file)) continue;
    fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    if (fs.lstatSync(from).isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), path.join(copy, file));
    else fs.copyFileSync(from, path.join(copy, file));
  }
  linkModules(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  // `npm ci` bundles the Lambda handlers (`prepare`); `npm test` bundles them before jest. Copied,
  // not linked: a block that builds (`npm pack`) rewrites them.
  const handlers = path.join(ROOT, 'dist', 'handlers');
  if (!fs.existsSync(handlers)) runOk('node', ['scripts/bundle-handlers.js'], { cwd: ROOT, timeoutMs: 120_000 });
  fs.cpSync(handlers, path.join(copy, 'dist', 'handlers'), { recursive: true });
  return copy;
}

/**
 * The copy's node_modules: a folder of links to each installed package of the real one (each
 * scope and `.bin` a folder of links too), so a block that runs `npm install` in the copy changes
 * the copy's folder, never the packages every test and helper shares.
 */
function linkModules(real: string, copy: string): void {
  fs.mkdirSync(copy);
  for (const e of fs.readdirSync(real, { withFileTypes: true })) {
    const from = path.join(real, e.name);
    if (e.name === '.package-lock.json' || e.name === '.cache') continue;
    if (e.name === '.bin') {
      fs.mkdirSync(path.join(copy, '.bin'));
      for (const bin of fs.readdirSync(from)) fs.symlinkSync(fs.readlinkSync(path.join(from, bin)), path.join(copy, '.bin', bin));
    } else if (e.name.startsWith('@')) {
      fs.mkdirSync(path.join(copy, e.name));
      for (const pkg of fs.readdirSync(from)) fs.symlinkSync(path.join(from, pkg), path.join(copy, e.name, pkg));
    } else {
      fs.symlinkSync(from, path.join(copy, e.name));
    }
  }
}

/** The cloud assembly folders (`cdk.out`, or the block's `-o`) under `dir`, node_modules aside. */
function assemblies(dir: string, depth = 3): string[] {
  if (!fs.existsSync(dir)) return [];
  if (fs.existsSync(path.join(dir, 'manifest.json')) && fs.existsSync(path.join(dir, 'cdk.out'))) return [dir];
  if (depth === 0) return [];
  return fs.readdirSync(dir, { withFileTypes: true })
    // The integration tests' snapshots (test/integ/*.snapshot) are committed assemblies, not output.
    .filter((e) => e.isDirectory() && e.name !== 'node_modules' && e.name !== 'dist' && !e.name.startsWith('.') && !e.name.endsWith('.snapshot'))
    .flatMap((e) => assemblies(path.join(dir, e.name), depth - 1));
}

/** The stack templates an assembly holds, nested stage assemblies included, as file paths. */
function templatesOf(assembly: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(assembly, 'manifest.json'), 'utf8'));
  return Object.values(manifest.artifacts ?? {}).flatMap((a: any) => {
    if (a.type === 'aws:cloudformation:stack') return [path.join(assembly, a.properties.templateFile)];
    if (a.type === 'cdk:cloud-assembly') return templatesOf(path.join(assembly, a.properties.directoryName));
    return [];
  });
}

/** Every validation report under an assembly (a stage writes its own into its nested assembly). */
function validationFolders(dir: string): string[] {
  return [
    ...(fs.existsSync(path.join(dir, 'validation-report.json')) ? [dir] : []),
    ...fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => validationFolders(path.join(dir, e.name))),
  ];
}

/**
 * The environment of a user's shell: the test's, without what npm sets for the script it runs
 * (`npm test`, `npx jest`), which a nested `npx` would read as its own (its prefix, the command
 * to call) and fail on.
 */
const USER_ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|INIT_CWD$)/i.test(k)));

/** What a user sees go wrong in a synth's output, beyond its exit status. */
const SYNTH_FAILURE = /CfnSynthesisError|Synthesis finished with errors|Subprocess exited with error/;

let base: string;
let copy: string;
beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-commands-'));
  copy = copyRepository(base);
  // What a block makes with `mktemp -d` (an app folder to install the package into) goes with the copy.
  fs.mkdirSync(path.join(base, 'tmp'));
  USER_ENV.TMPDIR = path.join(base, 'tmp');
});
afterAll(() => {
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

test('the pages hold shell blocks to run: at least each example README\'s', () => {
  const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((n) => fs.existsSync(path.join(ROOT, 'examples', n, 'README.md')));
  for (const name of examples) expect(RUN.map((b) => b.page)).toContain(`examples/${name}/README.md`);
});

test('the fence reader finds bash, sh and shell fences only, with their line, in ``` and ~~~ fences', () => {
  const page = ['# t', '```bash', 'echo a', '```', '```ts', 'x;', '```', '~~~sh', 'echo b', '```', '~~~', '````shell', 'echo c', '````', '```text', 'npx cdk deploy', '```'].join('\n');
  expect(shellBlocks('p.md', page)).toEqual([
    { page: 'p.md', line: 2, text: 'echo a' },
    { page: 'p.md', line: 8, text: 'echo b\n```' },
    { page: 'p.md', line: 12, text: 'echo c' },
  ]);
});

describe('every shell block runs as written', () => {
  // Blocks run in page order, one at a time: each synth writes the same cdk.out of the copy.
  test.each(RUN.map((b) => [`${b.page}:${b.line}`, b] as const))('%s', (_name, block) => {
    // Inside `npm test`, `npm test` recurses and `npm ci` reinstalls every package: only the
    // README's set-up block may hold them, and .ci/run runs that one.
    const recursive = commandLines(block.text).flatMap((l) => l.split(/&&|\|\||;/)).map((c) => c.trim()).filter((c) => /^npm (ci|test|t|run test:install)\b/.test(c));
    if (recursive.length) throw new Error(`${block.page}:${block.line} runs ${recursive.join(', ')}: only the root README's set-up block may, which .ci/run runs`);
    for (const stale of assemblies(copy)) fs.rmSync(stale, { recursive: true, force: true });
    const r = run('bash', ['-euo', 'pipefail', '-c', block.text], { cwd: copy, timeoutMs: BLOCK_LIMIT_MS, env: USER_ENV });
    if (r.status !== 0) throw new Error(`${block.page}:${block.line}: ${described(r)}`);
    if (!/\bcdk\s+synth\b/.test(block.text)) return;

    const output = `${r.stdout}\n${r.stderr}`;
    if (SYNTH_FAILURE.test(output)) throw new Error(`${block.page}:${block.line}: the synth reported a failure\n${described(r)}`);
    const written = assemblies(copy);
    expect(written.length).toBeGreaterThan(0);
    for (const assembly of written) {
      const templates = templatesOf(assembly);
      expect(templates.length).toBeGreaterThan(0);
      for (const t of templates) expect(Object.keys(JSON.parse(fs.readFileSync(t, 'utf8')).Resources ?? {}).length).toBeGreaterThan(0);
      // cdk.json turns CDK's validator on, so a synth that ran every validator wrote its report.
      expect(validationFolders(assembly).length).toBeGreaterThan(0);
      for (const folder of validationFolders(assembly)) expect({ folder: path.relative(copy, folder), findings: reportedFindings(folder) }).toEqual({ folder: path.relative(copy, folder), findings: [] });
    }
  }, BLOCK_LIMIT_MS + 30_000);
});

describe('the root README\'s set-up commands, which .ci/run runs', () => {
  test('the README holds them in one bash fence', () => {
    expect(BLOCKS.filter(isSetupBlock)).toHaveLength(1);
  });

  test('.ci/run runs exactly those commands, and no other npm or npx command', () => {
    // The simple commands of a line (`a && b` is two), with npm's flags that only silence its
    // audit and funding notices left out.
    const simple = (lines: string[]) => lines.flatMap((l) => l.split('&&'))
      .map((c) => c.trim().split(/\s+/).filter((w) => !['--no-audit', '--no-fund'].includes(w)).join(' '))
      .sort();
    const ci = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8').split('\n')
      .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
      .filter((l) => /^(npm|npx)\s/.test(l));
    expect(simple(ci)).toEqual(simple(SETUP_COMMANDS));
  });
});

describe('a wrong context value on the command line, as the user sees it', () => {
  test('multi-account: refused with the key and the expected form, exit status non-zero, no CfnSynthesisError or stack trace', () => {
    for (const stale of assemblies(copy)) fs.rmSync(stale, { recursive: true, force: true });
    const r = run('npx', [
      'cdk', 'synth', '--app', 'npx ts-node --prefer-ts-exts --transpile-only examples/multi-account/app.ts',
      '-c', 'baselineRegions=eu-west-1,us-east-1',
      '-c', 'fleets=[{"account":"333333333333","region":"eu-west-1"}]',
    ], { cwd: copy, timeoutMs: BLOCK_LIMIT_MS, env: USER_ENV });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('context value \'baselineRegions\' must be a JSON list of strings, each an AWS Region name, at least one, '
      + 'e.g. -c baselineRegions=\'["eu-west-1","us-east-1"]\' or "baselineRegions": ["eu-west-1","us-east-1"] in cdk.json; '
      + 'got \'eu-west-1,us-east-1\' (a comma-separated value is not read as a list: write it as a JSON list)');
    expect(r.stderr).toMatch(/context value 'fleets' must be a JSON list of objects with account, region, signingCertificateArn.*\(item 0 has no signingCertificateArn\)/);
    expect(r.stderr).not.toMatch(/CfnSynthesisError|^\s+at /m);
    expect(assemblies(copy).flatMap(templatesOf)).toEqual([]);
  }, BLOCK_LIMIT_MS + 30_000);
});
