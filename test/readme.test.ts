import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/*
 * The pages people read: the root README, the reference in docs/, and each example's README.
 * Every ```ts snippet compiles against the library (one TypeScript program for all of them, which
 * is what keeps this file fast), every relative link lands on a file and heading, and the root
 * README stays a front door: small, with a table of contents, the set-up commands in its
 * Development section, and no link to a registry page the package does not have.
 */

const ROOT = path.resolve(__dirname, '..');

function pages(): string[] {
  const docs = fs.readdirSync(path.join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.posix.join('docs', f.split(path.sep).join('/')));
  const examples = fs.readdirSync(path.join(ROOT, 'examples'))
    .map((e) => `examples/${e}/README.md`)
    .filter((f) => fs.existsSync(path.join(ROOT, f)));
  return ['README.md', ...docs.sort(), ...examples.sort()];
}

const read = (page: string) => fs.readFileSync(path.join(ROOT, page), 'utf8');

interface Line { readonly text: string; readonly number: number }

/** The lines of a page outside fenced code blocks. */
function prose(text: string): Line[] {
  const out: Line[] = [];
  let fence: string | undefined;
  text.split('\n').forEach((line, i) => {
    const open = /^\s*(`{3,}|~{3,})/.exec(line);
    if (open) {
      if (fence === undefined) fence = open[1];
      else if (line.trim().startsWith(fence)) fence = undefined;
      return;
    }
    if (fence === undefined) out.push({ text: line, number: i + 1 });
  });
  return out;
}

/** GitHub's anchor for a heading: its text lowercased, punctuation dropped, each space a hyphen. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '').replace(/ /g, '-');
}

/** The anchors of a page's headings, numbered as GitHub numbers repeats (`-1`, `-2`). */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { text: line } of prose(text)) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = slug(h[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every Markdown link of a page outside code: `[text](target)`. */
function links(text: string): Array<{ target: string; line: number }> {
  const out: Array<{ target: string; line: number }> = [];
  for (const { text: line, number } of prose(text)) {
    const code = line.replace(/`[^`]*`/g, '');
    for (const m of code.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1], line: number });
  }
  return out;
}

/** The `## name` section of a page, up to the next heading of level 2 or above. */
function section(text: string, name: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${name}`);
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && /^#{1,2}\s/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

interface Snippet { readonly page: string; readonly index: number; readonly line: number; readonly code: string }

function snippets(page: string): Snippet[] {
  const text = read(page);
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m, i) => ({
    page, index: i + 1, line: text.slice(0, m.index).split('\n').length, code: m[1],
  }));
}

/**
 * Type-checks snippets as modules of this package, `cdk-secure-iot` mapped to `lib/`, in one
 * program; a failure names the page, the snippet's number on it, its line there, and the error.
 */
function compile(all: Snippet[]): string[] {
  const options: ts.CompilerOptions = {
    ...ts.parseJsonConfigFileContent(ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile).config, ts.sys, ROOT).options,
    noEmit: true,
    noUnusedLocals: false,
    baseUrl: ROOT,
    paths: { 'cdk-secure-iot': ['lib/index.ts'] },
  };
  const virtual = new Map<string, { snippet: Snippet; source: string }>();
  all.forEach((snippet, i) => virtual.set(path.join(ROOT, '__snippets__', `snippet${i}.ts`), { snippet, source: `${snippet.code}\nexport {};\n` }));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f)?.source ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => (virtual.has(f)
    ? ts.createSourceFile(f, virtual.get(f)!.source, lang)
    : getSourceFile.call(host, f, lang, ...rest));
  const program = ts.createProgram([...virtual.keys()], options, host);
  return ts.getPreEmitDiagnostics(program)
    .filter((d) => d.file && virtual.has(d.file.fileName))
    .map((d) => {
      const { snippet } = virtual.get(d.file!.fileName)!;
      const at = d.start === undefined ? 0 : d.file!.getLineAndCharacterOfPosition(d.start).line + 1;
      return `${snippet.page} snippet ${snippet.index} (line ${snippet.line + at} of the page): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}

const CANARY: Snippet = { page: 'canary.md', index: 1, line: 0, code: "import { RiskProfile } from 'cdk-secure-iot';\nRiskProfile.NOT_A_PROFILE;" };

describe('every TypeScript snippet of every page compiles against the library', () => {
  let errors: string[];
  let found: Snippet[];
  beforeAll(() => {
    found = pages().flatMap(snippets);
    // The canary shares the program, so the test proves the check can fail at no extra cost.
    errors = compile([...found, CANARY]);
  });

  test('the pages hold their snippets', () => {
    expect(found.filter((s) => s.page === 'README.md').length).toBeGreaterThanOrEqual(1);
    expect(found.filter((s) => s.page.startsWith('docs/')).length).toBeGreaterThanOrEqual(30);
  });

  test('every snippet compiles', () => {
    expect(errors.filter((e) => !e.startsWith('canary.md'))).toEqual([]);
  });

  test('a snippet that does not compile is reported with its page and number', () => {
    expect(errors.filter((e) => e.startsWith('canary.md'))).toEqual([expect.stringMatching(/^canary\.md snippet 1 \(line 2 of the page\): .*NOT_A_PROFILE/)]);
  });
});

describe('the root README is the front door', () => {
  const readme = read('README.md');

  test('it stays under 30 KB', () => {
    expect(Buffer.byteLength(readme)).toBeLessThan(30 * 1024);
  });

  test('its table of contents links every section, and each link lands on a heading', () => {
    const toc = section(readme, 'Contents');
    const targets = links(toc).map((l) => l.target);
    expect(targets.length).toBeGreaterThanOrEqual(5);
    const headings = anchors(readme);
    expect(targets.filter((t) => !t.startsWith('#') || !headings.has(t.slice(1)))).toEqual([]);
    const sections = prose(readme).map((l) => /^## (.*)$/.exec(l.text)?.[1]).filter((h): h is string => h !== undefined && h !== 'Contents');
    expect(sections.map((h) => `#${slug(h)}`).filter((a) => !targets.includes(a))).toEqual([]);
    expect(targets).toContain('#development');
  });

  test('its Development section holds exactly the set-up commands, which .ci/run runs', () => {
    const fences = [...section(readme, 'Development').matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)];
    expect(fences.map((f) => [f[1], f[2]])).toEqual([['bash', 'npm ci && npx cdk synth\nnpm test\nnpm run test:install\n']]);
    const ci = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
    expect(ci).toMatch(/^npm run test:install$/m);
    expect(ci).toMatch(/^npx cdk synth$/m);
  });
});

describe('links in every page', () => {
  test('every relative link resolves to a file, and to a heading where it names one', () => {
    const broken: string[] = [];
    for (const page of pages()) {
      for (const { target, line } of links(read(page))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        const [file, anchor] = target.split('#', 2);
        const resolved = file === '' ? path.join(ROOT, page) : path.resolve(path.dirname(path.join(ROOT, page)), decodeURIComponent(file));
        const where = `${page}:${line} ${target}`;
        if (!resolved.startsWith(ROOT) || !fs.existsSync(resolved)) {
          broken.push(`${where}: no such file`);
        } else if (anchor !== undefined && !(fs.statSync(resolved).isFile() && anchors(fs.readFileSync(resolved, 'utf8')).has(anchor))) {
          broken.push(`${where}: no heading #${anchor} in ${path.relative(ROOT, resolved)}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  test('no page points at a registry page or an install the npm registry cannot serve', () => {
    const offending: string[] = [];
    for (const page of pages()) {
      read(page).split('\n').forEach((line, i) => {
        if (/npmjs\.(com|org)\/(package\/)?cdk-secure-iot\b|registry\.npmjs\.org\/cdk-secure-iot\b|npm (install|i|add) cdk-secure-iot\b|npx (--package[ =])?cdk-secure-iot@/.test(line)) {
          offending.push(`${page}:${i + 1}: ${line.trim()}`);
        }
      });
    }
    expect(offending).toEqual([]);
  });

  test('the slug rules are GitHub\'s', () => {
    expect(slug('What stays after `cdk destroy`, and what only an account can tell')).toBe('what-stays-after-cdk-destroy-and-what-only-an-account-can-tell');
    expect(slug('SegmentedNetwork (practices 1 and 7)')).toBe('segmentednetwork-practices-1-and-7');
    expect(slug('Scanning any template: `cdk-secure-iot scan`')).toBe('scanning-any-template-cdk-secure-iot-scan');
    expect([...anchors('# A\n\n```bash\n# not a heading\n```\n## A\n')]).toEqual(['a', 'a-1']);
  });
});

describe('the alpha modules each construct needs', () => {
  /** The construct table of the README: construct names, and whether the alpha column says yes. */
  function table(): Array<{ names: string[]; needs: boolean; targets: string[] }> {
    return section(read('README.md'), 'The ten practices and their constructs').split('\n')
      .map((row) => row.split('|').map((c) => c.trim()))
      .filter((cells) => cells.length === 7 && /^(no|\*\*yes\*\*)/.test(cells[4]))
      .map((cells) => ({
        names: [...cells[3].matchAll(/`(\w+)`/g)].map((m) => m[1]),
        needs: cells[4].startsWith('**yes**'),
        targets: links(cells[5]).map((l) => l.target),
      }));
  }

  /**
   * The classes of lib/ whose construction loads an alpha module: those that call `iotAlpha` or
   * `iotActionsAlpha`, and every class that constructs one of them (to a fixed point).
   */
  function classesNeedingAlpha(): Set<string> {
    const files = fs.readdirSync(path.join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !/(^|[\\/])handlers[\\/]/.test(f))
      .map((f) => fs.readFileSync(path.join(ROOT, 'lib', f), 'utf8'));
    const classes = files.flatMap((text) => [...text.matchAll(/^export class (\w+)/gm)].map((m) => ({ name: m[1], text })));
    const needs = new Set(classes.filter((c) => /\biot(Actions)?Alpha\(this\)/.test(c.text)).map((c) => c.name));
    for (let grew = true; grew;) {
      grew = false;
      for (const c of classes) {
        if (!needs.has(c.name) && [...needs].some((n) => new RegExp(`new ${n}\\(`).test(c.text))) {
          needs.add(c.name);
          grew = true;
        }
      }
    }
    return needs;
  }

  test('the README says yes exactly for the constructs that load one', () => {
    const needing = classesNeedingAlpha();
    const rows = table();
    expect(rows.length).toBeGreaterThanOrEqual(20);
    const said = rows.filter((r) => r.needs).flatMap((r) => r.names).sort();
    const constructs = rows.flatMap((r) => r.names).filter((n) => needing.has(n)).sort();
    expect(said).toEqual(constructs);
    expect(said).toEqual(expect.arrayContaining(['FleetProvisioning', 'SecureIotDeployment', 'TelemetryPipeline']));
  });

  test('each construct\'s section on its page says the same', () => {
    const disagree: string[] = [];
    for (const row of table()) {
      const target = row.targets.find((t) => t.startsWith('./docs/'));
      if (target === undefined) continue;
      const [file, anchor] = target.split('#');
      const text = read(path.posix.normalize(file));
      const lines = text.split('\n');
      const start = anchor === undefined ? 0 : lines.findIndex((l) => /^#{1,6}\s/.test(l) && slug(l.replace(/^#+\s*/, '')) === anchor);
      const end = anchor === undefined ? lines.length : lines.findIndex((l, i) => i > start && /^#{1,2}\s/.test(l));
      const notes = lines.slice(start, end < 0 ? undefined : end).filter((l) => l.startsWith('Alpha modules:'));
      if (notes.length === 0 || notes.some((l) => l.startsWith('Alpha modules: **needed**') !== row.needs)) {
        disagree.push(`${row.names.join(', ')}: README says ${row.needs ? 'yes' : 'no'}, ${target} says ${notes.join(' / ') || 'nothing'}`);
      }
    }
    expect(disagree).toEqual([]);
  });
});
