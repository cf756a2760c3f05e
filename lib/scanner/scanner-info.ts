import * as fs from 'fs';
import * as path from 'path';

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

/** Where the tool is described. */
export const INFORMATION_URI = 'https://www.npmjs.com/package/cdk-secure-iot';

/** The version of the installed package (`0.0.0` if its package.json cannot be found). */
export function scannerVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (pkg.name === SCANNER_NAME) return pkg.version;
    }
    dir = path.dirname(dir);
  }
  return '0.0.0';
}
