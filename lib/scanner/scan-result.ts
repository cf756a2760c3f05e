/** How serious a finding or a notice is; findings take their rule's level. */
export enum FindingSeverity {
  /** A misconfiguration (the rule's level is ERROR). */
  ERROR = 'error',
  /** What needs a reviewer's eye (the rule's level is WARN), or content the scanner could not analyze. */
  WARNING = 'warning',
  /** Information only, such as a file of a folder that is not a template; never fails a scan. */
  NOTE = 'note',
}

/** One finding of one rule on one resource of one template. */
export interface ScanFinding {
  /** The rule's ID, e.g. `IoTSecurity-ID1`. */
  readonly ruleId: string;
  /** The finding's ID as cdk-nag names it: the rule ID, with the finding in brackets where the rule gives one (`IoTSecurity-ID1[Action::iot:*]`). */
  readonly findingId: string;
  /** `error` or `warning`, the rule's level. */
  readonly severity: FindingSeverity;
  /** The template file, as given or found. */
  readonly file: string;
  /** The resource's logical ID. */
  readonly resource: string;
  /** The resource's CloudFormation type. */
  readonly resourceType: string;
  /** The 1-based line of the resource in the file, where the parser gives it. */
  readonly line?: number;
  /** What was found (the rule's one-line info). */
  readonly message: string;
  /** Why it matters. */
  readonly explanation: string;
  /** How to fix it. */
  readonly fix: string;
  /** True when an acknowledgment covers the finding: it is reported, but fails no scan. */
  readonly acknowledged: boolean;
  /** The acknowledgment's reason. */
  readonly acknowledgmentReason?: string;
  /** Where the acknowledgment was written: `acknowledgments file`, `cdk_nag metadata`, `cfn_nag metadata`, `guard metadata`, `cloud assembly metadata` (a CDK app's `Validations.of(x).acknowledge`). */
  readonly acknowledgmentSource?: string;
}

/** Something the scanner reports beside findings: content it could not analyze, files it passed over. */
export interface ScanNotice {
  /** `warning` for content that was not analyzed (it counts for `--fail-on warning`), `note` otherwise. */
  readonly severity: FindingSeverity;
  /** The file concerned. */
  readonly file: string;
  /** The resource's logical ID, where the notice is about one. */
  readonly resource?: string;
  /** The 1-based line in the file, where the notice is about one place. */
  readonly line?: number;
  /** For a key written twice in one mapping: the key (read as CloudFormation reads it: the last one wins). */
  readonly key?: string;
  /** For a key written twice: the mapping that holds it, from the top of the template (`Mappings.RegionMap`, `Resources.Fn.Properties.Tags[0]`; empty for a top-level section). */
  readonly path?: string;
  /**
   * For keys written twice: how many this notice stands for, where more than one (past the first
   * hundred of a file, one notice counts the rest, with the first of them as its `key` and `path`).
   * @default 1
   */
  readonly count?: number;
  /** What happened. */
  readonly message: string;
}

/**
 * A file that could not be read, in whole or in part (a part CloudFormation would refuse, the rest
 * of the file scanned, as `reason` says), while every other input was scanned.
 */
export interface ScanUnreadableFile {
  /** The file. */
  readonly file: string;
  /** The 1-based line of the problem, where the reader gives it. */
  readonly line?: number;
  /** Why, in plain words (a syntax error, an alias bomb, a binary file, not a template, ...). */
  readonly reason: string;
}

/** A template that was scanned. */
export interface ScannedTemplate {
  /** The file. */
  readonly file: string;
  /** The number of resources analyzed, after the SAM transform where the template uses it. */
  readonly resources: number;
  /** True when the template declares the SAM transform. */
  readonly sam: boolean;
}

/** What a scan found. */
export interface ScanResult {
  /** Every template scanned, in the order found. */
  readonly templates: ScannedTemplate[];
  /** Every finding, acknowledged ones included, by file, resource and rule. */
  readonly findings: ScanFinding[];
  /** What could not be analyzed, and files passed over. */
  readonly notices: ScanNotice[];
  /** Files that could not be read, each with why; the command line exits 2 when there is any. */
  readonly unreadable: ScanUnreadableFile[];
}

/** One acknowledgment of a finding, as written in an acknowledgments file. */
export interface ScanAcknowledgment {
  /**
   * The finding ID (`IoTSecurity-ID1[Action::iot:*]`), or a rule ID (`IoTSecurity-ID1`, or `ID1`)
   * to acknowledge every finding of that rule on the resource.
   */
  readonly id: string;
  /** The resource's logical ID. */
  readonly resource: string;
  /** Why the finding is acceptable: a reason a reviewer can check. */
  readonly reason: string;
  /**
   * Limits the acknowledgment to templates whose path ends with this (e.g. `cdk.out/Site.template.json`).
   * @default - the resource of that logical ID in every template scanned
   */
  readonly template?: string;
}
