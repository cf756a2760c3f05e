import * as path from 'path';
import { pathToFileURL } from 'url';
import { NagMessageLevel } from 'cdk-nag';
import type * as sarif from 'sarif';
import { ALL_RULES } from '../checks/rules';
import { fullRuleId, RuleMetadataOf } from './private/pack';
import { FindingSeverity, ScanFinding, ScanNotice, ScannedTemplate, ScanResult, ScanUnreadableFile } from './scan-result';
import { githubSlug, installedPackage, packageFileUri, rulesMdHeading } from './private/doc-links';
import { printable, quoted } from './private/template-loader';
import { terminalSafe } from './private/terminal';
import { SCANNER_NAME, ScanOutputFormat, scannerVersion } from './scanner-info';

/** Counts over a result, as every format reports them. */
export interface ScanSummary {
  /** Templates scanned. */
  readonly templates: number;
  /** Resources analyzed in them. */
  readonly resources: number;
  /** Unacknowledged findings of level error. */
  readonly errors: number;
  /** Unacknowledged findings of level warning. */
  readonly warnings: number;
  /** Acknowledged findings. */
  readonly acknowledged: number;
  /** Notices of level warning about content that was not analyzed. */
  readonly notAnalyzed: number;
  /** Keys written twice in one mapping (read as CloudFormation reads them: the last one wins). */
  readonly duplicateKeys: number;
  /** Files that could not be read. */
  readonly unreadable: number;
}

/** The document `--format json` writes. Fields are only ever added, never renamed or removed, within a `schemaVersion`. */
export interface ScanJsonReport {
  /** `1`. */
  readonly schemaVersion: number;
  /** The scanner's name and version. */
  readonly tool: { readonly name: string; readonly version: string };
  /** Counts. */
  readonly summary: ScanSummary;
  /** Every template scanned. */
  readonly templates: ScannedTemplate[];
  /** Every finding, acknowledged ones included. */
  readonly findings: ScanFinding[];
  /** What was not analyzed, files passed over, keys written twice. */
  readonly notices: ScanNotice[];
  /** Files that could not be read, each with why. */
  readonly unreadable: ScanUnreadableFile[];
}

/** Counts unacknowledged findings by severity, acknowledged ones, and notices of content not analyzed. */
export function summarize(result: ScanResult): ScanSummary {
  const open = result.findings.filter((f) => !f.acknowledged);
  return {
    templates: result.templates.length,
    resources: result.templates.reduce((n, t) => n + t.resources, 0),
    errors: open.filter((f) => f.severity === FindingSeverity.ERROR).length,
    warnings: open.filter((f) => f.severity === FindingSeverity.WARNING).length,
    acknowledged: result.findings.length - open.length,
    notAnalyzed: result.notices.filter((n) => n.severity === FindingSeverity.WARNING && n.key === undefined).length,
    duplicateKeys: result.notices.filter((n) => n.key !== undefined).reduce((sum, n) => sum + (n.count ?? 1), 0),
    unreadable: (result.unreadable ?? []).length,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Characters a terminal acts on (controls, line breaks, the bidi controls that reorder a line). */
/**
 * Text from a template, a manifest or an acknowledgments file (a finding ID's detail, a reason, a
 * key, a file name) as one line of the text report: each character a terminal would act on
 * escaped as JSON escapes it, nothing cut.
 */
const safe = terminalSafe;

/** The text report: findings grouped by template and resource, each with its rule, severity and fix. */
export function formatText(result: ScanResult): string {
  const s = summarize(result);
  const lines: string[] = [`${SCANNER_NAME} scan: ${plural(s.templates, 'template')}, ${plural(s.resources, 'resource')}`];
  const byFile = new Map<string, Map<string, ScanFinding[]>>();
  for (const f of result.findings) {
    const byResource = byFile.get(f.file) ?? new Map<string, ScanFinding[]>();
    byFile.set(f.file, byResource);
    byResource.set(f.resource, [...(byResource.get(f.resource) ?? []), f]);
  }
  for (const [file, byResource] of byFile) {
    lines.push('', safe(file));
    for (const [resource, findings] of byResource) {
      const first = findings[0];
      // A logical ID CloudFormation refuses (reported, and scanned all the same) may hold any text: quoted and escaped.
      const shown = /^[A-Za-z0-9]+$/.test(resource) ? resource : quoted(resource);
      lines.push(`  ${shown} (${printable(first.resourceType)})${first.line !== undefined ? ` line ${first.line}` : ''}`);
      for (const f of findings) {
        const label = f.acknowledged ? 'acknowledged' : f.severity;
        lines.push(`    ${label.padEnd(12)} ${safe(f.findingId)}`);
        lines.push(`    ${''.padEnd(12)} ${f.message}`);
        if (f.acknowledged) {
          lines.push(`    ${''.padEnd(12)} Reason (${f.acknowledgmentSource}): ${safe(f.acknowledgmentReason ?? '')}`);
        } else if (f.fix) {
          lines.push(`    ${''.padEnd(12)} Fix: ${f.fix}`);
        }
      }
    }
  }
  if (result.notices.length > 0) {
    lines.push('', 'Notices:');
    for (const n of result.notices) {
      lines.push(`  ${n.severity.padEnd(8)} ${safe(n.file)}${n.line !== undefined ? `:${n.line}` : ''}${n.resource ? ` ${safe(n.resource)}` : ''}: ${safe(n.message)}`);
    }
  }
  const unreadable = result.unreadable ?? [];
  if (unreadable.length > 0) {
    lines.push('', 'Could not be read, in whole or in part:');
    for (const u of unreadable) lines.push(`  ${safe(u.file)}${u.line !== undefined ? `:${u.line}` : ''}: ${safe(u.reason)}`);
  }
  lines.push('', summaryLine(result));
  return lines.join('\n') + '\n';
}

/** One line of counts: `5 errors, 1 warning, 0 acknowledged` (and how many were not analyzed, if any). */
export function summaryLine(result: ScanResult): string {
  const s = summarize(result);
  return `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${s.acknowledged} acknowledged`
    + (s.notAnalyzed > 0 ? `, ${s.notAnalyzed} not analyzed` : '')
    + (s.duplicateKeys > 0 ? `, ${plural(s.duplicateKeys, 'duplicate key')}` : '')
    + (s.unreadable > 0 ? `, ${plural(s.unreadable, 'file')} not read` : '');
}

/** The JSON report (`ScanJsonReport`). */
export function jsonReport(result: ScanResult): ScanJsonReport {
  return {
    schemaVersion: 1,
    tool: { name: SCANNER_NAME, version: scannerVersion() },
    summary: summarize(result),
    templates: result.templates,
    findings: result.findings,
    notices: result.notices,
    unreadable: result.unreadable ?? [],
  };
}

/** The JSON report as text. */
export function formatJson(result: ScanResult): string {
  return JSON.stringify(jsonReport(result), null, 2) + '\n';
}

/** A file as a SARIF artifact location: relative to the working folder where it is inside it. */
function artifactLocation(file: string, cwd: string): sarif.ArtifactLocation {
  const abs = path.resolve(cwd, file);
  const rel = path.relative(cwd, abs);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
    return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
  }
  return { uri: pathToFileURL(abs).href };
}

function sarifLevel(severity: FindingSeverity): sarif.ReportingConfiguration.level {
  return severity === FindingSeverity.ERROR ? 'error' : severity === FindingSeverity.WARNING ? 'warning' : 'note';
}

const NOTIFICATION_UNREADABLE = 'unreadable-file';
const NOTIFICATION_DUPLICATE_KEY = 'duplicate-key';
/** The kinds of tool execution notification that name a descriptor, in the order their `index` gives. */
const NOTIFICATION_DESCRIPTORS: sarif.ReportingDescriptor[] = [
  {
    id: NOTIFICATION_UNREADABLE,
    shortDescription: { text: 'A file could not be read, in whole or in part (its reason says which); every other input was scanned.' },
    defaultConfiguration: { level: 'error' },
  },
  {
    id: NOTIFICATION_DUPLICATE_KEY,
    shortDescription: { text: 'A key is written twice in one mapping: read as CloudFormation reads it, the last one wins.' },
    defaultConfiguration: { level: 'warning' },
  },
];

const SARIF_RULE_FIELDS = new Set(['id', 'level', 'info', 'explanation', 'fix']);

/**
 * The rest of a rule's metadata (its practice, ATT&CK techniques, audit check, ...) as SARIF
 * rule properties: whatever the pack records, the SARIF carries, without naming each field.
 */
function ruleProperties(metadata: RuleMetadataOf): { [key: string]: unknown } {
  const props: { [key: string]: unknown } = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (!SARIF_RULE_FIELDS.has(key) && value !== undefined) props[key] = Array.isArray(value) ? [...value] : value;
  }
  return props;
}

/** The SARIF 2.1.0 log, one rule per rule ID of the pack (with its help and fix), one result per finding. */
export function sarifLog(result: ScanResult, cwd: string = process.cwd()): object {
  // Each rule's section of RULES.md and the README, where the package's repository or the
  // installed package has them (no registry page: the package is not published).
  const pkg = installedPackage(SCANNER_NAME);
  const informationUri = packageFileUri(pkg, 'README.md');
  const ruleIndex = new Map<string, number>();
  const rules: sarif.ReportingDescriptor[] = ALL_RULES.map((rule, i) => {
    const m = rule.metadata;
    const id = fullRuleId(m);
    ruleIndex.set(id, i);
    const helpUri = packageFileUri(pkg, 'RULES.md', githubSlug(rulesMdHeading(id, m.info)));
    return {
      id,
      shortDescription: { text: m.info },
      fullDescription: { text: m.explanation },
      help: { text: `${m.explanation}\n\nFix: ${m.fix}`, markdown: `${m.explanation}\n\n**Fix:** ${m.fix}` },
      ...(helpUri ? { helpUri } : {}),
      defaultConfiguration: { level: m.level === NagMessageLevel.ERROR ? 'error' : 'warning' },
      properties: { tags: ['security', 'iot'], ...ruleProperties(m) },
    };
  });
  const results: sarif.Result[] = result.findings.map((f) => {
    const location: sarif.Location = {
      physicalLocation: {
        artifactLocation: artifactLocation(f.file, cwd),
        ...(f.line !== undefined ? { region: { startLine: f.line } } : {}),
      },
      logicalLocations: [{ name: f.resource, fullyQualifiedName: `${f.file}#${f.resource}`, kind: 'resource' }],
    };
    const r: sarif.Result = {
      ruleId: f.ruleId,
      level: sarifLevel(f.severity),
      message: { text: `${f.resource} (${f.resourceType}): ${f.message} [${f.findingId}] Fix: ${f.fix}` },
      locations: [location],
      partialFingerprints: { 'cdkSecureIotFinding/v1': `${f.findingId}|${f.resource}|${f.resourceType}` },
      properties: { findingId: f.findingId, resource: f.resource, resourceType: f.resourceType },
    };
    const index = ruleIndex.get(f.ruleId);
    if (index !== undefined) r.ruleIndex = index;
    if (f.acknowledged) {
      // Written in the template's own resource metadata: in source; an acknowledgments file or the
      // cloud assembly's construct metadata lies beside the template: external.
      const inSource = f.acknowledgmentSource !== undefined && /^(cdk_nag|cfn_nag|guard) metadata$/.test(f.acknowledgmentSource);
      r.suppressions = [{ kind: inSource ? 'inSource' : 'external', status: 'accepted', justification: `${f.acknowledgmentReason} (${f.acknowledgmentSource})` }];
    }
    return r;
  });
  const where = (file: string, line: number | undefined): sarif.Location[] => [{
    physicalLocation: { artifactLocation: artifactLocation(file, cwd), ...(line !== undefined ? { region: { startLine: line } } : {}) },
  }];
  const unreadable = result.unreadable ?? [];
  // What the run could not read is a tool execution notification (SARIF 2.1.0 §3.20.21) of level
  // error, each naming its file and line, with a descriptor a consumer can group them by.
  const notifications: sarif.Notification[] = [
    ...result.notices.map((n): sarif.Notification => ({
      ...(n.key !== undefined ? { descriptor: { id: NOTIFICATION_DUPLICATE_KEY, index: 1 } } : {}),
      level: sarifLevel(n.severity),
      message: { text: n.resource ? `${n.resource}: ${n.message}` : n.message },
      locations: where(n.file, n.line),
    })),
    ...unreadable.map((u): sarif.Notification => ({
      descriptor: { id: NOTIFICATION_UNREADABLE, index: 0 },
      level: 'error',
      message: { text: `could not be read, in whole or in part: ${u.reason}` },
      locations: where(u.file, u.line),
    })),
  ];
  const log: sarif.Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: SCANNER_NAME, version: pkg?.version ?? scannerVersion(), ...(informationUri ? { informationUri } : {}), rules, notifications: NOTIFICATION_DESCRIPTORS } },
      originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(cwd.endsWith(path.sep) ? cwd : cwd + path.sep).href } },
      // An input the run could not read means the analysis did not complete (§3.20.14).
      invocations: [{ executionSuccessful: unreadable.length === 0, toolExecutionNotifications: notifications }],
      artifacts: [...new Set(result.templates.map((t) => t.file))].map((file) => ({ location: artifactLocation(file, cwd) })),
      results,
    }],
  };
  return log;
}

/** The SARIF log as text. */
export function formatSarif(result: ScanResult, cwd: string = process.cwd()): string {
  return JSON.stringify(sarifLog(result, cwd), null, 2) + '\n';
}

/** The result in `format`. */
export function formatScanResult(result: ScanResult, format: ScanOutputFormat): string {
  switch (format) {
    case ScanOutputFormat.JSON: return formatJson(result);
    case ScanOutputFormat.SARIF: return formatSarif(result);
    default: return formatText(result);
  }
}
