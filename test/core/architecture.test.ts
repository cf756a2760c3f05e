import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/*
 * The shape of lib/, read from the TypeScript imports of every file (type-only imports, re-exports,
 * `require` and `import()` included):
 * - no import cycle: following one policy through the checks reads, evaluates, judges, forward;
 *   and none between the folders of lib/ either (deployment composes practices, the practices
 *   use the checks through their public entry points, everything uses core);
 * - a `private/` folder is its parent folder's own: only files under that parent import it, except
 *   `lib/core/private`, which is every folder's (what two practices share lives there);
 * - `lib/core` is the bottom: it imports nothing else of lib/.
 */

const LIB = path.join(__dirname, '..', '..', 'lib');

/**
 * Imports of another folder's private files that are allowed, as `importer -> imported` paths
 * relative to lib/, each with its reason. None today.
 */
const PRIVATE_IMPORT_EXCEPTIONS: { readonly [edge: string]: string } = {};

interface Graph {
  readonly files: string[];
  readonly imports: Map<string, string[]>;
  readonly unresolved: string[];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function resolveImport(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
}

function importGraph(): Graph {
  const files = sourceFiles(LIB);
  const imports = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets: string[] = [];
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolveImport(file, fileName);
      if (target) targets.push(target);
      else if (!path.extname(fileName) || path.extname(fileName) === '.ts') unresolved.push(`${rel(file)}: ${fileName}`);
    }
    imports.set(file, [...new Set(targets)]);
  }
  return { files, imports, unresolved };
}

function rel(file: string): string {
  return path.relative(LIB, file).split(path.sep).join('/');
}

/** The strongly connected components of more than one file (or a file importing itself): Tarjan's algorithm. */
function cycles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.imports.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(rel(w));
      } while (w !== v);
      if (component.length > 1 || graph.imports.get(v)!.includes(v)) found.push(component.sort());
    }
  };
  for (const file of graph.files) if (!index.has(file)) visit(file);
  return found;
}

/** The folder that owns a private file: the path before its first `private` segment (`identity`, `checks/rules/updates`). */
function privateOwner(file: string): string | undefined {
  const parts = rel(file).split('/');
  const at = parts.indexOf('private');
  return at < 0 ? undefined : parts.slice(0, at).join('/');
}

/** Imports of a private file from outside its owner folder (`lib/core/private` is everyone's), less the exceptions. */
function privateCrossings(g: Graph): string[] {
  const crossings: string[] = [];
  for (const [file, targets] of g.imports) {
    for (const target of targets) {
      const owner = privateOwner(target);
      if (owner === undefined || owner === 'core' || rel(file).startsWith(`${owner}/`)) continue;
      const edge = `${rel(file)} -> ${rel(target)}`;
      if (!(edge in PRIVATE_IMPORT_EXCEPTIONS)) crossings.push(edge);
    }
  }
  return crossings;
}

const graph = importGraph();

test('every relative import of lib/ resolves to a file the walk reads', () => {
  expect(graph.files.length).toBeGreaterThan(100);
  expect(graph.unresolved).toEqual([]);
});

test('lib/ has no import cycle', () => {
  expect(cycles(graph)).toEqual([]);
});

test('the folders of lib/ import each other without a cycle', () => {
  const folderOf = (file: string) => path.join(LIB, rel(file).split('/')[0]);
  const imports = new Map<string, string[]>();
  for (const [file, targets] of graph.imports) {
    const from = folderOf(file);
    const to = targets.map(folderOf).filter((t) => t !== from);
    imports.set(from, [...new Set([...(imports.get(from) ?? []), ...to])]);
  }
  expect(cycles({ files: [...imports.keys()], imports, unresolved: [] })).toEqual([]);
});

test('a private folder is imported only from under its parent folder (lib/core/private from anywhere)', () => {
  expect(privateCrossings(graph)).toEqual([]);
});

test('lib/core imports nothing else of lib/', () => {
  const outward = [...graph.imports].flatMap(([file, targets]) => (rel(file).startsWith('core/')
    ? targets.filter((t) => !rel(t).startsWith('core/')).map((t) => `${rel(file)} -> ${rel(t)}`)
    : []));
  expect(outward).toEqual([]);
});

test('the walk finds a cycle and a private crossing when there is one', () => {
  const a = path.join(LIB, 'identity', 'a.ts');
  const b = path.join(LIB, 'identity', 'private', 'b.ts');
  const c = path.join(LIB, 'inventory', 'c.ts');
  const toy: Graph = { files: [a, b, c], imports: new Map([[a, [b]], [b, [a]], [c, [b]]]), unresolved: [] };
  expect(cycles(toy)).toEqual([['identity/a.ts', 'identity/private/b.ts']]);
  expect(privateCrossings(toy)).toEqual(['inventory/c.ts -> identity/private/b.ts']);
  expect(privateOwner(b)).toBe('identity');
  expect(privateOwner(path.join(LIB, 'checks', 'rules', 'updates', 'private', 'job-settings.ts'))).toBe('checks/rules/updates');
  expect(privateOwner(c)).toBeUndefined();
});
