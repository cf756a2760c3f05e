import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import { SCAN_REPORT_JSON_SCHEMA } from '../../lib';

function newAjv(): Ajv {
  // unicodeRegExp off: the SARIF schema's `language` pattern has a stray ']' that only the
  // unicode flag rejects (JSON Schema patterns are ECMA-262 regexes without it).
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  // The formats the two schemas use, checked here rather than through an undeclared ajv-formats.
  ajv.addFormat('uri', (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s) && URL.canParse(s));
  ajv.addFormat('uri-reference', (s: string) => !/\s/.test(s));
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  return ajv;
}

/**
 * The official SARIF 2.1.0 schema (vendored, see sarif-schema/README.md), compiled by ajv 8: the
 * file declares draft-04, whose keywords it uses read the same in draft-07 but for `id`.
 */
export function sarifValidator(): ValidateFunction {
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, 'sarif-schema', 'sarif-2.1.0-rtm.5.json'), 'utf8'));
  const { id, $schema: _draft04, ...rest } = schema;
  return newAjv().compile({ $schema: 'http://json-schema.org/draft-07/schema#', $id: id, ...rest });
}

/** The schema the JSON report ships with. */
export function jsonReportValidator(): ValidateFunction {
  return newAjv().compile(SCAN_REPORT_JSON_SCHEMA as object);
}
