import { IotSecurityChecks } from '../checks/iot-security-checks';
import { assemblyAcknowledgment, fileAcknowledgment, metadataAcknowledgment, readAcknowledgmentsFile } from './private/acknowledgments';
import { expandInputs } from './private/inputs';
import { ReadSettings, resolveLimits } from './private/limits';
import { rulesById } from './private/pack';
import { declaredTransforms, expandSam, SAM_TRANSFORM } from './private/sam';
import { errorClass } from './private/internal-error';
import { DuplicateKey, LoadedTemplate, printable, quoted } from './private/template-loader';
import { templateStack } from './private/template-stack';
import { ScanInputError } from './scan-error';
import { ScanLimits } from './scan-limits';
import { FindingSeverity, ScanAcknowledgment, ScanFinding, ScanNotice, ScannedTemplate, ScanResult, ScanUnreadableFile } from './scan-result';

/**
 * The options `IotSecurityChecks` takes, passed through unchanged: whatever the pack can be told
 * (e.g. which tag keys it requires, where its props offer that) the scanner can be told too.
 */
export type IotSecurityChecksOptions = NonNullable<ConstructorParameters<typeof IotSecurityChecks>[1]>;

/** How to scan. */
export interface ScanOptions {
  /**
   * Acknowledged findings: reported as acknowledged with their reason, never as failures.
   * @default - none besides the suppressions written in the templates' resource metadata
   */
  readonly acknowledgments?: ScanAcknowledgment[];
  /**
   * A JSON or YAML file of acknowledgments, read and added to `acknowledgments`.
   * @default - none
   */
  readonly acknowledgmentsFile?: string;
  /**
   * The options of the rule pack the scan runs.
   * @default - the pack's defaults
   */
  readonly checks?: IotSecurityChecksOptions;
  /**
   * How much the scan reads at most: past a limit, the file is reported unreadable (a named
   * error), never read on.
   * @default - the defaults of each `ScanLimits` field
   */
  readonly limits?: ScanLimits;
  /**
   * Whether symbolic links met in a scanned folder are followed: a linked file is read, a linked
   * folder walked (each folder once, whatever links lead to it, so links cannot loop). When
   * false, each link is listed as skipped. Paths named as inputs are always followed.
   * @default true
   */
  readonly followLinks?: boolean;
}

const SEVERITY_ORDER = { error: 0, warning: 1, note: 2 };

/**
 * Runs the `IotSecurityChecks` rules on CloudFormation templates from any tool (plain
 * CloudFormation, SAM, CDK v1 or older CDK v2 cloud assemblies), without a CDK app: each
 * template is rebuilt as an in-memory stack of raw resources and judged by the same pack.
 *
 * ```ts
 * const result = new TemplateScanner().scan(['cdk.out']);
 * ```
 */
export class TemplateScanner {
  private readonly options: ScanOptions;
  private readonly read: ReadSettings;

  constructor(options: ScanOptions = {}) {
    this.options = options;
    this.read = { limits: resolveLimits(options.limits, 'TemplateScanner'), followLinks: options.followLinks ?? true };
  }

  /**
   * Scans files and folders: a template file (JSON or YAML with CloudFormation's short tags), a
   * cloud assembly folder (`cdk.out`: every stack template its manifest lists, nested stacks
   * included), or any folder (every template in it). A file that cannot be read (a syntax
   * error, an alias bomb, a binary file, a named file that is not a template) is reported in
   * `unreadable` and every other one is scanned; throws `ScanInputError` only when there is
   * nothing to scan (a path that does not exist, a folder without a template) or the
   * acknowledgments file cannot be read.
   */
  public scan(inputs: string[]): ScanResult {
    return this._scanRead(inputs).result;
  }

  /**
   * `scan`, with the templates it read: what the command line's posture report judges, so they are
   * read once, within this scan's limits.
   * @internal
   */
  public _scanRead(inputs: string[]): { result: ScanResult; templates: LoadedTemplate[] } {
    if (inputs.length === 0) throw new ScanInputError('(no input)', 'name at least one template file or folder to scan');
    const acknowledgments = [
      ...(this.options.acknowledgments ?? []),
      ...(this.options.acknowledgmentsFile ? readAcknowledgmentsFile(this.options.acknowledgmentsFile, this.read) : []),
    ];
    const expanded = expandInputs(inputs, this.read);
    const templates: ScannedTemplate[] = [];
    const findings: ScanFinding[] = [];
    const notices: ScanNotice[] = expanded.skipped.map((s) => ({ severity: FindingSeverity.NOTE, file: s.file, message: s.read ? s.reason : `skipped: ${s.reason}` }));
    const unreadable: ScanUnreadableFile[] = expanded.unreadable.map(unreadableFile);
    const used = new Set<ScanAcknowledgment>();
    expanded.templates.forEach((loaded, i) => {
      let scanned;
      const usedHere = new Set<ScanAcknowledgment>();
      try {
        scanned = this.scanTemplate(loaded, i, acknowledgments, usedHere);
      } catch (e) {
        // One template the scanner fails on never stops the others. An error other than a
        // ScanInputError is the scanner's own bug: its message (any text, maybe the file's) is not shown.
        unreadable.push(unreadableFile(e instanceof ScanInputError ? e : internalError(loaded.file, e)));
        return;
      }
      usedHere.forEach((a) => used.add(a));
      // One file's lists can be as long as the file allows (200,000 keys written twice): never spread.
      pushAll(unreadable, scanned.problems);
      templates.push(scanned.template);
      pushAll(findings, scanned.findings);
      pushAll(notices, readNotices(loaded));
      pushAll(notices, scanned.notices);
    });
    // A stale acknowledgment hides nothing today but would hide a future finding unseen: say so.
    for (const ack of acknowledgments.filter((a) => !used.has(a))) {
      notices.push({
        severity: FindingSeverity.NOTE,
        file: this.options.acknowledgmentsFile ?? '(acknowledgments)',
        resource: ack.resource,
        message: `the acknowledgment of ${ack.id} on ${ack.resource}${ack.template ? ` in ${ack.template}` : ''} matched no finding`,
      });
    }
    findings.sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.resource.localeCompare(b.resource)
      || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.findingId.localeCompare(b.findingId));
    unreadable.sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
    return { result: { templates, findings, notices, unreadable }, templates: expanded.templates };
  }

  private scanTemplate(loaded: LoadedTemplate, index: number, acknowledgments: ScanAcknowledgment[], used: Set<ScanAcknowledgment>) {
    const { file } = loaded;
    const notices: ScanNotice[] = [];
    const transforms = declaredTransforms(loaded.template);
    const sam = transforms.includes(SAM_TRANSFORM);
    let template = loaded.template;
    let generatedFrom = new Map<string, string>();
    if (sam) {
      const expansion = expandSam(template);
      template = expansion.template;
      generatedFrom = expansion.generatedFrom;
      pushAll(notices, expansion.notAnalyzed.map((n) => ({ severity: FindingSeverity.WARNING, file, resource: n.resource, message: n.message })));
    }
    for (const transform of transforms.filter((t) => t !== SAM_TRANSFORM)) {
      // The name is the template's text: escaped, so none of its bytes reaches a terminal as it is.
      notices.push({ severity: FindingSeverity.WARNING, file, message: `the transform ${printable(transform)} was not applied: the template was scanned as written` });
    }

    const built = templateStack(template, `Template${index}`);
    const report = new IotSecurityChecks(undefined, this.options.checks).validateScope(built.stack);
    const findings: ScanFinding[] = [];
    for (const violation of report.violations) {
      const findingId = violation.ruleName;
      const ruleId = findingId.replace(/\[.*$/s, '');
      const metadata = rulesById().get(ruleId);
      for (const violating of violation.violatingResources) {
        const resource = built.logicalIdByPath.get(violating.constructPath ?? '') ?? violating.resourceLogicalId ?? violating.constructPath ?? '?';
        const line = loaded.resourceLines.get(resource) ?? loaded.resourceLines.get(generatedFrom.get(resource) ?? '');
        const ack = fileAcknowledgment(acknowledgments, file, resource, findingId, ruleId)
          ?? metadataAcknowledgment(template.Resources[resource]?.Metadata, findingId, ruleId)
          ?? assemblyAcknowledgment(loaded.assemblyAcknowledgments, resource, findingId);
        ack?.entries?.forEach((entry) => used.add(entry));
        findings.push({
          ruleId,
          findingId,
          severity: violation.severity === 'error' ? FindingSeverity.ERROR : FindingSeverity.WARNING,
          file,
          resource,
          resourceType: built.typeByLogicalId.get(resource) ?? '',
          ...(line !== undefined ? { line } : {}),
          message: metadata?.info ?? violation.description,
          explanation: metadata?.explanation ?? violation.description,
          fix: metadata?.fix ?? '',
          acknowledged: ack !== undefined,
          ...(ack ? { acknowledgmentReason: ack.reason, acknowledgmentSource: ack.source } : {}),
        });
      }
    }
    return {
      template: { file, resources: built.typeByLogicalId.size, sam },
      findings,
      notices,
      // What CloudFormation would refuse makes the file bad input (exit 2), though the rest of it was scanned.
      problems: built.problems.map((p): ScanUnreadableFile => {
        const line = p.section === 'Resources' && p.logicalId !== undefined ? loaded.resourceLines.get(p.logicalId) : undefined;
        return { file, ...(line !== undefined ? { line } : {}), reason: p.problem };
      }),
    };
  }
}

/** Appends `items` to `list` one by one: a spread of a list that long would overflow the call's arguments. */
function pushAll<T>(list: T[], items: readonly T[]): void {
  for (const item of items) list.push(item);
}

/** An error the scanner did not expect: a bug report line naming the file, with only the error's class. */
function internalError(file: string, e: unknown): ScanInputError {
  return new ScanInputError(file, `could not be scanned: the scanner failed on this file with an internal error (${errorClass(e)}). `
    + 'This is a bug in cdk-secure-iot, not in the file: please report it with the file attached');
}

function unreadableFile(e: ScanInputError): ScanUnreadableFile {
  return { file: e.file, ...(e.line !== undefined ? { line: e.line } : {}), reason: e.problem };
}

/** `Mappings.RegionMap`, `Resources.Fn.Properties.Tags[0]`. */
function pathText(path: string[]): string {
  return path.map((label, i) => (i > 0 && !label.startsWith('[') ? `.${label}` : label)).join('');
}

function duplicateKeyNotice(file: string, d: DuplicateKey): ScanNotice {
  const lines = d.firstLine !== undefined && d.line !== undefined
    ? (d.firstLine === d.line ? ` (both on line ${d.line})` : ` (lines ${d.firstLine} and ${d.line})`) : '';
  const key = quoted(d.key);
  const message = d.path.length === 0
    ? `the section ${key} is written twice${lines}: read as the last one, as CloudFormation reads duplicate keys, though AWS calls a duplicate major section undefined behaviour`
    : `the key ${key} is written twice in ${quoted(pathText(d.path))}${lines}: read as CloudFormation reads it, the last one wins`;
  return {
    severity: FindingSeverity.WARNING, file, ...(d.line !== undefined ? { line: d.line } : {}), key: d.key, path: pathText(d.path), message,
  };
}

/** How many keys written twice one file reports one by one. */
const MAX_DUPLICATE_NOTICES = 100;

/** What the reader read differently from the text as written: keys written twice, YAML aliases. */
function readNotices(loaded: LoadedTemplate): ScanNotice[] {
  const duplicates = loaded.duplicateKeys ?? [];
  // Each is a warning of its own up to a hundred; past that, one more says how many are not listed
  // (a file of 200,000 keys written twice would otherwise report 200,000 lines).
  const notices = duplicates.slice(0, MAX_DUPLICATE_NOTICES).map((d) => duplicateKeyNotice(loaded.file, d));
  if (duplicates.length > MAX_DUPLICATE_NOTICES) {
    const more = duplicates.length - MAX_DUPLICATE_NOTICES;
    const first = duplicateKeyNotice(loaded.file, duplicates[MAX_DUPLICATE_NOTICES]);
    notices.push({
      ...first,
      count: more,
      message: `and ${more.toLocaleString('en-US')} more key${more === 1 ? '' : 's'} written twice, not listed one by one: read as CloudFormation reads them, the last one wins`,
    });
  }
  // AWS: "CloudFormation doesn't support ... Aliases; Hash merges" (template-formats.html, through
  // 2024), the service answering "YAML aliases are not allowed in CloudFormation templates"; `aws
  // cloudformation package` and `sam deploy` expand both before they upload (aws/aws-cli#3827).
  const features = [
    ...(loaded.firstAliasLine !== undefined ? [['aliases', loaded.firstAliasLine] as const] : []),
    ...(loaded.firstMergeLine !== undefined ? [['hash merges (<<)', loaded.firstMergeLine] as const] : []),
  ];
  if (features.length > 0) {
    notices.push({
      severity: FindingSeverity.NOTE, file: loaded.file, line: Math.min(...features.map(([, line]) => line)),
      message: `uses YAML ${features.map(([name]) => name).join(' and ')}, which CloudFormation refuses: `
        + 'read expanded, as `aws cloudformation package` and `sam deploy` upload it',
    });
  }
  return notices;
}

/** Scans files and folders with the pack's rules; see `TemplateScanner.scan`. */
export function scanTemplates(inputs: string[], options: ScanOptions = {}): ScanResult {
  return new TemplateScanner(options).scan(inputs);
}

/**
 * True when the result should fail a build at `failOn`: a file that could not be read, an
 * unacknowledged finding or a notice (content not analyzed, a key written twice) at or above
 * that severity. `NOTE` never fails.
 */
export function scanFails(result: ScanResult, failOn: FindingSeverity): boolean {
  if (failOn === FindingSeverity.NOTE) return false;
  if ((result.unreadable ?? []).length > 0) return true;
  const atOrAbove = (s: FindingSeverity) => s === FindingSeverity.ERROR || (failOn === FindingSeverity.WARNING && s === FindingSeverity.WARNING);
  return result.findings.some((f) => !f.acknowledged && atOrAbove(f.severity))
    || result.notices.some((n) => atOrAbove(n.severity));
}
