import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');

/** The TypeScript snippets of a Markdown file. */
function snippets(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** Type-checks snippets as modules of this package, with `cdk-secure-iot` mapped to `lib/`. */
function compile(sources: string[]): string[] {
  const options: ts.CompilerOptions = {
    ...ts.parseJsonConfigFileContent(ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile).config, ts.sys, ROOT).options,
    noEmit: true,
    noUnusedLocals: false,
    baseUrl: ROOT,
    paths: { 'cdk-secure-iot': ['lib/index.ts'] },
  };
  const virtual = new Map(sources.map((s, i) => [path.join(ROOT, '__readme__', `snippet${i}.ts`), `${s}\nexport {};\n`]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => (virtual.has(f)
    ? ts.createSourceFile(f, virtual.get(f)!, lang)
    : getSourceFile.call(host, f, lang, ...rest));
  const program = ts.createProgram([...virtual.keys()], options, host);
  return ts.getPreEmitDiagnostics(program)
    .filter((d) => d.file && virtual.has(d.file.fileName))
    .map((d) => `${path.basename(d.file!.fileName)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

test('README starts with the two set-up commands', () => {
  const head = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n').slice(0, 4).join('\n');
  expect(head).toContain('npm ci && npx cdk synth');
  expect(head).toContain('npm test');
});

test('every TypeScript snippet in README.md compiles against the library', () => {
  const found = snippets('README.md');
  expect(found.length).toBeGreaterThanOrEqual(5);
  expect(compile(found)).toEqual([]);
});

test('the snippet check catches a snippet that does not compile', () => {
  expect(compile(["import { RiskProfile } from 'cdk-secure-iot';\nRiskProfile.NOT_A_PROFILE;"]))
    .toEqual([expect.stringMatching(/NOT_A_PROFILE/)]);
});
