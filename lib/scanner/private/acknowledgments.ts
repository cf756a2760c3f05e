import * as path from 'path';
import { ScanInputError } from '../scan-error';
import { ScanAcknowledgment } from '../scan-result';
import { DEFAULT_READ_SETTINGS, ReadSettings } from './limits';
import { rulePackName } from './pack';
import { AssemblyAcknowledgments, parseTemplateText, printable, readTextFile } from './template-loader';

/** What an acknowledgment matched: its reason and where it was written (and, from a file, which entry). */
export interface AcknowledgmentMatch {
  readonly reason: string;
  readonly source: string;
  /** From a file: every entry that covers the finding (the first gives the reason). */
  readonly entries?: ScanAcknowledgment[];
}

const SHORT_RULE_ID = /^(INV|ID|UPD|DAT|TLS|GW|MON|IR|BC|NET)[1-9][0-9]*(\[.*\])?$/;

/** `ID1` is `IoTSecurity-ID1`; anything else is kept as written. */
function qualified(id: string): string {
  return SHORT_RULE_ID.test(id) ? `${rulePackName()}-${id}` : id;
}

/** True when an acknowledgment of `id` covers the finding: the exact finding, or its whole rule. */
function covers(id: string, findingId: string, ruleId: string): boolean {
  const q = qualified(id);
  return q === findingId || q === ruleId;
}

/**
 * Reads an acknowledgments file (JSON or YAML): a list of `{ id, resource, reason, template? }`,
 * within the scan's limits. A JSON list is read by `JSON.parse` (100,000 entries in a fraction of
 * a second), whose keys are data: an entry's `__proto__` is a key like any other, never its prototype.
 */
export function readAcknowledgmentsFile(file: string, settings: ReadSettings = DEFAULT_READ_SETTINGS): ScanAcknowledgment[] {
  let text: string;
  try {
    text = readTextFile(file, settings.limits);
  } catch (e) {
    if (e instanceof ScanInputError && e.problem === 'no such file') throw new ScanInputError(file, 'no such acknowledgments file');
    throw e;
  }
  const list = parseTemplateText(file, text, settings.limits).template as unknown;
  if (!Array.isArray(list)) {
    throw new ScanInputError(file, 'an acknowledgments file is a list of { id, resource, reason }');
  }
  return list.map((entry, i) => {
    const problems: string[] = [];
    for (const key of ['id', 'resource', 'reason']) {
      if (typeof entry?.[key] !== 'string' || entry[key].trim() === '') problems.push(`'${key}' must be a non-empty string`);
    }
    if (entry?.template !== undefined && typeof entry.template !== 'string') problems.push("'template' must be a string");
    if (problems.length > 0) {
      throw new ScanInputError(file, `acknowledgment ${i + 1}: ${problems.join(', ')} (got ${printable(JSON.stringify(entry) ?? String(entry))})`);
    }
    return { id: entry.id, resource: entry.resource, reason: entry.reason, template: entry.template };
  });
}

/** The acknowledgment in the file's list that covers the finding, if any. */
export function fileAcknowledgment(acks: readonly ScanAcknowledgment[], file: string, resource: string, findingId: string, ruleId: string): AcknowledgmentMatch | undefined {
  const posixFile = '/' + path.resolve(file).split(path.sep).join('/').replace(/^\/+/, '');
  const inTemplate = (template: string) => posixFile.endsWith('/' + template.split(path.sep).join('/').replace(/^(\.\/|\/)+/, ''));
  const matching = acks.filter((a) => a.resource === resource && covers(a.id, findingId, ruleId) && (a.template === undefined || inTemplate(a.template)));
  // The most specific entry gives the reason: an exact finding ID before a whole rule.
  const exact = matching.find((a) => qualified(a.id) === findingId) ?? matching[0];
  return exact && { reason: exact.reason, source: 'acknowledgments file', entries: matching };
}

/** The acknowledgment a CDK app recorded in its cloud assembly that covers the finding (exact ID, as cdk-nag v3 matches). */
export function assemblyAcknowledgment(acks: AssemblyAcknowledgments | undefined, resource: string, findingId: string): AcknowledgmentMatch | undefined {
  const reason = acks?.reasonFor(resource, findingId);
  return reason === undefined ? undefined : { reason, source: 'cloud assembly metadata' };
}

/** The bracketed part of a finding ID: `Action::iot:*` of `IoTSecurity-ID1[Action::iot:*]`. */
function findingDetail(findingId: string, ruleId: string): string | undefined {
  return findingId.length > ruleId.length ? findingId.slice(ruleId.length + 1, -1) : undefined;
}

/** cdk-nag v2's `applies_to`: strings, or `{ regex: '/.../flags' }`. */
function appliesTo(entries: unknown[], detail: string | undefined): boolean {
  if (detail === undefined) return false;
  return entries.some((e) => {
    if (typeof e === 'string') return e === detail;
    const regex = (e as { regex?: unknown })?.regex;
    if (typeof regex !== 'string') return false;
    const m = /^\/(.*)\/([a-z]*)$/s.exec(regex);
    try {
      return new RegExp(m ? m[1] : regex, m ? m[2].replace('g', '') : '').test(detail);
    } catch {
      return false;
    }
  });
}

/**
 * The suppression in the resource's own metadata that covers the finding, if any:
 * cdk-nag's `cdk_nag.rules_to_suppress` (`id`, `reason`, optional `applies_to`), cfn_nag's
 * `cfn_nag.rules_to_suppress` (`id`, `reason`) and cfn-guard's `guard.SuppressedRules` (IDs),
 * each only where it names one of this pack's rule IDs.
 */
export function metadataAcknowledgment(metadata: any, findingId: string, ruleId: string): AcknowledgmentMatch | undefined {
  if (!metadata || typeof metadata !== 'object') return undefined;
  const detail = findingDetail(findingId, ruleId);
  for (const entry of asList(metadata.cdk_nag?.rules_to_suppress)) {
    if (typeof entry?.id !== 'string') continue;
    const id = qualified(entry.id);
    const list = asList(entry.applies_to ?? entry.appliesTo);
    const hit = list.length > 0 ? id === ruleId && appliesTo(list, detail) : covers(id, findingId, ruleId);
    if (hit) return { reason: reasonOf(entry.reason), source: 'cdk_nag metadata' };
  }
  for (const entry of asList(metadata.cfn_nag?.rules_to_suppress)) {
    if (typeof entry?.id === 'string' && covers(entry.id, findingId, ruleId)) {
      return { reason: reasonOf(entry.reason), source: 'cfn_nag metadata' };
    }
  }
  for (const id of asList(metadata.guard?.SuppressedRules)) {
    if (typeof id === 'string' && covers(id, findingId, ruleId)) {
      return { reason: 'suppressed in the resource\'s guard metadata (no reason given)', source: 'guard metadata' };
    }
  }
  return undefined;
}

function asList(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

function reasonOf(reason: unknown): string {
  return typeof reason === 'string' && reason.trim() !== '' ? reason : '(no reason given)';
}
