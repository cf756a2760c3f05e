#!/usr/bin/env node
/*
 * `cdk-secure-iot scan`: the IotSecurityChecks rules on CloudFormation templates from any tool.
 * A thin shell over `TemplateScanner`: parses arguments, picks the format, sets the exit code.
 * Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad input (an input that could not be
 * read: the report of the others is still written). Results on stdout (or --output), errors on
 * stderr, never a stack trace.
 */
import * as fs from 'fs';
import { parseArgs } from 'util';
import { errorClass } from './private/internal-error';
import { DEFAULT_SCAN_LIMITS, limitAccepts, limitAllowed, limitFlag } from './private/limits';
import type * as postureModule from './private/posture';
import { terminalSafe } from './private/terminal';
import type * as reportFormats from './report-formats';
import { ScanInputError } from './scan-error';
import { ScanLimits } from './scan-limits';
import { FindingSeverity } from './scan-result';
import { ScanOutputFormat, scannerVersion } from './scanner-info';
import type * as templateScanner from './template-scanner';

/** Where the command line writes: the process's streams, or a test's buffers. */
export interface CliIo {
  /** Writes results. */
  readonly stdout: (text: string) => void;
  /** Writes errors and usage after an error. */
  readonly stderr: (text: string) => void;
}

/** The exit codes of `cdk-secure-iot`. */
export const EXIT_CLEAN = 0;
/** Findings at or above `--fail-on`. */
export const EXIT_FINDINGS = 1;
/**
 * Bad input: an unknown flag, a missing path, or an input that could not be read (a syntax error,
 * a binary file, an alias bomb, a named file that is not a template). Whatever else could be read
 * is scanned and reported all the same; the code is 2 whatever the findings and `--fail-on`, as
 * the scan is not complete.
 */
export const EXIT_BAD_INPUT = 2;

/** The limits, in the order the help lists them. */
const LIMIT_NAMES = Object.keys(DEFAULT_SCAN_LIMITS) as (keyof ScanLimits)[];

/** The units `--max-file-bytes` takes after its number, largest first. */
const BYTE_UNITS: [string, number][] = [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]];

/** A byte size as `--max-file-bytes` takes it: `16MiB` where it is a whole number of a unit, else the bytes. */
function sizeFlagValue(bytes: number): string {
  const unit = BYTE_UNITS.find(([, size]) => bytes % size === 0);
  return unit ? `${bytes / unit[1]}${unit[0]}` : String(bytes);
}

export const USAGE = `Usage: cdk-secure-iot scan <template.json|template.yaml|cdk.out|folder>... [options]

Runs the IotSecurityChecks rules of cdk-secure-iot on CloudFormation templates: JSON or YAML
(with CloudFormation's short tags), SAM templates, every stack template of a cloud assembly
(cdk.out, nested stacks included), or every template found in a folder (other files are
skipped with a note; a file that cannot be read is reported, and the others scanned).

Options:
  --format <text|json|sarif>       report format (default: text)
  --fail-on <error|warning|none>   exit 1 when an unacknowledged finding is at or above this
                                   level (default: error); 'warning' also fails on content
                                   that was not analyzed and on keys written twice
  --acknowledgments <file>         JSON or YAML list of { "id", "resource", "reason" }:
                                   findings it names are reported as acknowledged
  --output <file>                  write the report to <file> instead of stdout
  --tag-keys <key,key...>          tag keys every IoT resource must carry (rule INV2;
                                   default: none required)
  --report <folder>                also write the security posture report (JSON, Markdown,
                                   HTML) of the templates into <folder>
  --profile <consumer|industrial|critical-infrastructure>
                                   with --report: the risk profile of templates that declare
                                   none; a practice it requires that is missing exits 1
  -h, --help                       show this help
  -v, --version                    show the version

Limits (a limit reached is a named error, exit 2, naming the flag that raises it):
  --max-file-bytes <n>             the largest file read (a template, a manifest, the
                                   acknowledgments), in bytes, or with KiB, MiB or GiB
                                   (default: ${sizeFlagValue(DEFAULT_SCAN_LIMITS.maxFileBytes)})
  --max-yaml-bytes <n>             the largest YAML file read, as --max-file-bytes
                                   (default: ${sizeFlagValue(DEFAULT_SCAN_LIMITS.maxYamlBytes)})
  --max-scalar-length <n>          the longest string or key, in characters (default: ${DEFAULT_SCAN_LIMITS.maxScalarLength})
  --max-nesting-depth <n>          how deep a file's values may nest (default: ${DEFAULT_SCAN_LIMITS.maxNestingDepth})
  --max-alias-expansion <n>        the values a YAML file may expand to through its aliases
                                   (default: ${DEFAULT_SCAN_LIMITS.maxAliasExpansion})
  --max-folder-depth <n>           how deep below a scanned folder templates are looked for
                                   (default: ${DEFAULT_SCAN_LIMITS.maxFolderDepth})
  --max-files <n>                  the files, folders and cloud assemblies one scan reads
                                   (default: ${DEFAULT_SCAN_LIMITS.maxFiles})
  --max-assembly-nesting <n>       how deep cloud assemblies and nested stacks may nest
                                   (default: ${DEFAULT_SCAN_LIMITS.maxAssemblyNesting})
  --no-follow-links                list the symbolic links met in a scanned folder as skipped
                                   (default: follow them, each folder read once)

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad input: a usage error, a missing
path, or a file that could not be read (reported with its reason; the rest is still scanned
and reported, and the code is 2 whatever the findings).
`;

const FORMATS = Object.values(ScanOutputFormat) as string[];
const FAIL_ON: { [name: string]: FindingSeverity } = { error: FindingSeverity.ERROR, warning: FindingSeverity.WARNING, none: FindingSeverity.NOTE };

class UsageError extends Error {}

/** The options handed to the rule pack: the tag keys INV2 requires (`--tag-keys`), none by default as in the pack. */
function checksOptions(values: { [flag: string]: unknown }): templateScanner.IotSecurityChecksOptions {
  const keys = values['tag-keys'];
  if (keys === undefined) return {};
  const list = String(keys).split(',').map((k) => k.trim()).filter((k) => k.length > 0);
  if (list.length === 0) throw new UsageError(`--tag-keys takes a comma-separated list of tag keys, got '${String(keys)}'`);
  return { requiredTagKeys: list };
}

/**
 * The limits set by flags (`--max-files 20000`, `--max-file-bytes 64MiB`), each checked as
 * `TemplateScanner` checks it: a bad value is a usage error naming the flag, the value and what
 * is allowed.
 */
function limitsOf(values: { [flag: string]: unknown }): ScanLimits {
  const limits: { -readonly [K in keyof ScanLimits]?: number } = {};
  for (const name of LIMIT_NAMES) {
    const flag = limitFlag(name);
    const text = values[flag.slice(2)];
    if (text === undefined) continue;
    const bytes = name === 'maxFileBytes' || name === 'maxYamlBytes';
    const m = (bytes ? /^(\d+) ?(kib|mib|gib)?$/i : /^(\d+)$/).exec(String(text).trim());
    const unit = m?.[2] === undefined ? 1 : BYTE_UNITS.find(([n]) => n.toLowerCase() === m[2].toLowerCase())![1];
    const value = m ? Number(m[1]) * unit : NaN;
    if (!limitAccepts(name, value)) {
      throw new UsageError(`${flag} must be ${limitAllowed(name, bytes ? ' of bytes (or of KiB, MiB or GiB: 64MiB)' : '')}, got '${String(text)}'`);
    }
    limits[name] = value;
  }
  return limits;
}

/** Runs the command line on `argv` (without `node` and the script); returns the exit code. */
export function main(argv: readonly string[], io: CliIo): number {
  const scanning: { inputs?: string[] } = {};
  try {
    return run(argv, io, scanning);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`cdk-secure-iot: ${terminalSafe(e.message)}\n\n${USAGE}`);
      return EXIT_BAD_INPUT;
    }
    if (e instanceof ScanInputError) {
      io.stderr(`cdk-secure-iot: ${terminalSafe(e.message)}\n`);
      return EXIT_BAD_INPUT;
    }
    // Not an input error: the scanner's own bug. Its message may hold any text (a file's keys), so
    // only its class is shown, with the inputs to attach to the report.
    const inputs = (scanning.inputs ?? []).map((a) => JSON.stringify(a).slice(1, -1)).join(' ');
    io.stderr(`cdk-secure-iot: could not complete the scan of ${inputs || '(the arguments)'}: an internal error (${errorClass(e)}). `
      + 'This is a bug in cdk-secure-iot, not in the input: please report it with the inputs attached\n');
    return EXIT_BAD_INPUT;
  }
}

function run(argv: readonly string[], io: CliIo, scanning: { inputs?: string[] }): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'format': { type: 'string', default: 'text' },
        'fail-on': { type: 'string', default: 'error' },
        'acknowledgments': { type: 'string' },
        'output': { type: 'string', short: 'o' },
        'report': { type: 'string' },
        'tag-keys': { type: 'string' },
        'profile': { type: 'string' },
        'help': { type: 'boolean', short: 'h' },
        'version': { type: 'boolean', short: 'v' },
        'no-follow-links': { type: 'boolean' },
        ...Object.fromEntries(LIMIT_NAMES.map((name) => [limitFlag(name).slice(2), { type: 'string' as const }])),
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return EXIT_CLEAN;
  }
  if (values.version) {
    io.stdout(`${scannerVersion()}\n`);
    return EXIT_CLEAN;
  }
  const [command, ...inputs] = positionals;
  if (command !== 'scan') {
    throw new UsageError(command === undefined ? 'missing command' : `unknown command '${command}'`);
  }
  if (inputs.length === 0) throw new UsageError('name at least one template file, cdk.out or folder to scan');
  scanning.inputs = inputs;
  const format = values.format!;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${format}'`);
  const failOn = FAIL_ON[values['fail-on']!];
  if (failOn === undefined) throw new UsageError(`--fail-on must be one of ${Object.keys(FAIL_ON).join(', ')}, got '${values['fail-on']}'`);
  if (values.profile !== undefined && values.report === undefined) throw new UsageError('--profile goes with --report');
  const limits = limitsOf(values);
  const PROFILES = ['consumer', 'industrial', 'critical-infrastructure'];
  if (values.profile !== undefined && !PROFILES.includes(values.profile)) {
    throw new UsageError(`--profile must be one of ${PROFILES.join(', ')}, got '${values.profile}'`);
  }

  // The rules (and aws-cdk-lib) load only once the arguments are known good: usage errors, --help
  // and --version answer at once.
  const { TemplateScanner, scanFails } = require('./template-scanner') as typeof templateScanner;
  const { formatScanResult, summaryLine } = require('./report-formats') as typeof reportFormats;
  const { result, templates } = new TemplateScanner({
    acknowledgmentsFile: values.acknowledgments,
    checks: checksOptions(values),
    limits,
    followLinks: !values['no-follow-links'],
  })._scanRead(inputs);
  const report = formatScanResult(result, format as ScanOutputFormat);
  if (values.output !== undefined) {
    try {
      fs.writeFileSync(values.output, report);
    } catch (e) {
      throw new ScanInputError(values.output, `cannot write the report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    io.stdout(`cdk-secure-iot: ${summaryLine(result)}; ${format} report written to ${values.output}\n`);
  } else {
    io.stdout(report);
  }
  for (const u of result.unreadable) io.stderr(`cdk-secure-iot: ${terminalSafe(`${u.file}${u.line !== undefined ? `:${u.line}` : ''}: ${u.reason}`)}\n`);
  let postureFailed = false;
  if (values.report !== undefined) {
    const posture = require('./private/posture') as typeof postureModule;
    const doc = posture.scanPosture(templates, result, values.profile === undefined ? undefined : posture.PROFILES_BY_NAME[values.profile]);
    posture.writePosture(doc, values.report);
    postureFailed = doc.summary.failed;
    const missing = doc.environments.flatMap((e) => e.missingRequired);
    io.stderr(`cdk-secure-iot: posture report written to ${values.report}${missing.length ? `; required practices missing: ${[...new Set(missing)].map((n) => `P${n}`).join(', ')}` : ''}\n`);
  }
  if (result.unreadable.length > 0) return EXIT_BAD_INPUT;
  return scanFails(result, failOn) || (postureFailed && failOn !== FindingSeverity.NOTE) ? EXIT_FINDINGS : EXIT_CLEAN;
}

if (require.main === module) {
  // A reader that stops early (`| head`) is not an error of the scan.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  process.exitCode = main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
