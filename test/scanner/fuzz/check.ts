/*
 * Runs one fuzz case through the command line in-process (`main(argv, io)` of lib/scanner/cli.ts)
 * on files written to a folder of their own, and lists every property the run breaks. The
 * properties are the user's: the run ends in time, with a documented exit code; every error line
 * names a file; no bug-report line and no JavaScript text reaches the user; the JSON and SARIF
 * reports parse and meet their schemas; and an insecure resource is reported whenever the file it
 * sits in is read, whatever surrounds it.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ValidateFunction } from 'ajv';
import { main } from '../../../lib/scanner/cli';
import { run } from '../../support/child-process';
import { runFolder } from '../../support/run-folder';
import { jsonReportValidator, sarifValidator } from '../schemas';
import { FuzzCase } from './arbitraries';

/** A run longer than this (one template or folder of a few files) is a stall. */
export const RUN_BOUND_MS = 10_000;

/** Text that only JavaScript writes: an exception's message or a value printed as it is. */
const RAW_JAVASCRIPT: [string, RegExp][] = [
  ['TypeError text', /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not a constructor|Cannot convert|is not defined/],
  ['stack overflow', /Maximum call stack size exceeded/],
  ['error class', /\b(TypeError|RangeError|ReferenceError)\b/],
  ['an object printed', /\[object [A-Z][a-z]+\]|\[native code\]/],
  ['undefined printed', /\bundefined\b(?! behaviour)/],
  ['NaN printed', /\bNaN\b/],
];
const BUG_REPORT = /This is a bug in cdk-secure-iot/;
/** Bytes a terminal acts on: control characters but tab and newline, and the bidi controls that reorder a line. */
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

export interface CaseResult {
  readonly violations: string[];
  /** How long the run with the case's options took. */
  readonly ms: number;
}

let validators: { json: ValidateFunction; sarif: ValidateFunction } | undefined;

function runCli(argv: string[]): { code: number; stdout: string; stderr: string; ms: number } {
  let stdout = '';
  let stderr = '';
  const start = process.hrtime.bigint();
  const code = main(argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stdout, stderr, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

function excerpt(text: string, match: RegExp): string {
  const m = match.exec(text);
  if (!m) return '';
  return JSON.stringify(text.slice(Math.max(0, m.index - 80), m.index + 80));
}

/** Writes the case's files under a new folder of `base` (default: this test run's folder). */
export function writeCase(c: FuzzCase, base = runFolder()): string {
  const dir = fs.mkdtempSync(path.join(base, 'fuzz-'));
  // Links and FIFOs last, so a link to a file or folder of the case finds it.
  for (const f of [...c.files].sort((a, b) => Number(a.link !== undefined || !!a.fifo) - Number(b.link !== undefined || !!b.fifo))) {
    const full = path.join(dir, f.path);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    if (f.link !== undefined) {
      fs.symlinkSync(f.link, full);
    } else if (f.fifo) {
      const made = run('mkfifo', [full], { cwd: dir, timeoutMs: 10_000 });
      if (made.status !== 0) throw new Error(`mkfifo ${full} failed: ${made.stderr}`);
    } else {
      fs.writeFileSync(full, f.base64 !== undefined ? Buffer.from(f.base64, 'base64') : f.text ?? '');
    }
  }
  return dir;
}

/** The case's run and the properties it breaks. */
export function checkCase(c: FuzzCase): CaseResult {
  const dir = writeCase(c);
  try {
    return checkIn(c, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function checkIn(c: FuzzCase, dir: string): CaseResult {
  validators ??= { json: jsonReportValidator(), sarif: sarifValidator() };
  const at = (a: string) => (a.startsWith('./') ? path.join(dir, a.slice(2)) : a);
  const inputs = c.inputs.map(at);
  const options = c.options.map(at);
  const violations: string[] = [];
  const first = runCli(['scan', ...inputs, ...options]);
  const flag = (name: string) => (options.includes(name) ? options[options.indexOf(name) + 1] : undefined);
  const format = flag('--format') ?? 'text';
  const output = flag('--output');
  checkRun(first, dir, violations);
  if (first.ms > RUN_BOUND_MS) violations.push(`slow: the run took ${Math.round(first.ms)} ms (bound ${RUN_BOUND_MS} ms)`);

  // The report as the user gets it: on stdout, or in --output's file.
  let report = first.stdout;
  if (output !== undefined) report = fs.existsSync(output) ? fs.readFileSync(output, 'utf8') : '';
  if (format === 'json' || format === 'sarif') {
    if (report !== '' || first.code !== 2) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(report);
      } catch (e) {
        violations.push(`report: the ${format} report does not parse (${(e as Error).message.slice(0, 80)})`);
      }
      if (parsed !== undefined) {
        const validate = format === 'json' ? validators.json : validators.sarif;
        if (!validate(parsed)) violations.push(`schema: the ${format} report breaks its schema: ${JSON.stringify(validate.errors?.slice(0, 2))}`);
      }
    }
  } else if (TERMINAL_CONTROL.test(report)) {
    violations.push(`terminal: the text report holds a control character from the input: ${excerpt(report, TERMINAL_CONTROL)}`);
  }

  if (c.limit !== undefined) {
    const named = first.stderr.split('\n').some((l) => l.includes(path.join(dir, c.files[0].path)));
    if (first.code !== 2 || !named) violations.push(`limit[${c.limit}]: past the default limit the run exits ${first.code}${named ? '' : ' without naming the file'}`);
  }

  // What was read and found, from the JSON report of the same inputs and acknowledgements.
  const kept = ['--acknowledgments', '--tag-keys'].flatMap((name) => (flag(name) !== undefined ? [name, flag(name)!] : []));
  const json = runCli(['scan', ...inputs, ...kept, '--format', 'json', '--fail-on', 'none']);
  checkRun(json, dir, violations);
  let unreadable: unknown[] | undefined;
  try {
    unreadable = json.stdout === '' ? undefined : JSON.parse(json.stdout).unreadable;
  } catch {
    // Said by the schema check of a JSON run, where there is one.
  }
  // With --fail-on none, the code says only whether every input was read.
  const expected = json.stdout === '' || (unreadable?.length ?? 0) > 0 ? 2 : 0;
  if (json.code !== expected) violations.push(`exit: --fail-on none exits ${json.code} where ${expected} is documented (${unreadable?.length ?? 'no report, '} files not read)`);
  if (c.targets.length > 0 && json.stdout !== '') {
    let result: { templates: { file: string }[]; findings: { file: string; resource: string; ruleId: string }[]; unreadable: { file: string }[]; notices: { file: string }[] } | undefined;
    try {
      result = JSON.parse(json.stdout);
    } catch {
      // Said above.
    }
    if (result) {
      const same = (a: string, b: string) => path.resolve(a) === path.resolve(b);
      for (const t of c.targets) {
        const file = path.join(dir, t.file);
        const read = result.templates.some((s) => same(s.file, file));
        if (read && t.intact && !result.findings.some((f) => same(f.file, file) && f.resource === t.logicalId && f.ruleId === 'IoTSecurity-ID1')) {
          violations.push(`blinded: ${t.logicalId} (iot:* on *) in ${t.file} was read but not reported`);
        }
        if (t.accounted && !read && !result.unreadable.some((u) => same(u.file, file)) && !result.notices.some((n) => same(n.file, file))) {
          violations.push(`unaccounted: ${t.file} was neither read nor said to be unreadable or skipped`);
        }
      }
    }
  }
  return { violations: [...new Set(violations)], ms: first.ms };
}

function checkRun(r: { code: number; stdout: string; stderr: string }, dir: string, violations: string[]): void {
  if (![0, 1, 2].includes(r.code)) violations.push(`exit: code ${r.code}, not 0, 1 or 2`);
  for (const line of r.stderr.split('\n').filter((l) => l !== '')) {
    if (!line.startsWith('cdk-secure-iot: ')) violations.push(`stderr: a line without the 'cdk-secure-iot: ' prefix: ${JSON.stringify(line.slice(0, 120))}`);
    else if (!line.includes(dir)) violations.push(`stderr: a line naming no file of the case: ${JSON.stringify(line.slice(0, 160))}`);
    if (TERMINAL_CONTROL.test(line.replace(/\t/g, ' '))) violations.push(`stderr-terminal: an error line holds a control character: ${JSON.stringify(line.slice(0, 160))}`);
  }
  for (const [where, text] of [['stderr', r.stderr], ['stdout', r.stdout]] as const) {
    if (BUG_REPORT.test(text)) violations.push(`internal-error: ${where} holds a bug-report line: ${excerpt(text, /[^\n]*This is a bug[^\n]*/)}`);
    for (const [name, pattern] of RAW_JAVASCRIPT) {
      if (pattern.test(text)) violations.push(`raw-javascript: ${name} in ${where}: ${excerpt(text, pattern)}`);
    }
  }
}
