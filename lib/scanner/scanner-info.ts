import { installedPackage } from './private/doc-links';

/** The output formats of `cdk-secure-iot scan`. */
export enum ScanOutputFormat {
  /** For people: findings grouped by template and resource, each with its rule, severity and fix. */
  TEXT = 'text',
  /** For programs: the shape `ScanJsonReport`, described by `SCAN_REPORT_JSON_SCHEMA`. */
  JSON = 'json',
  /** SARIF 2.1.0, for code-scanning upload (GitHub, Azure DevOps, ...). */
  SARIF = 'sarif',
}

/** The tool's name in reports. */
export const SCANNER_NAME = 'cdk-secure-iot';

/** The version of the installed package (`0.0.0` if its package.json cannot be found). */
export function scannerVersion(): string {
  return installedPackage(SCANNER_NAME)?.version ?? '0.0.0';
}
