/**
 * The JSON Schema (draft-07) of the document `cdk-secure-iot scan --format json` writes
 * (`ScanJsonReport`), so a pipeline can validate what it reads. New optional fields may appear
 * within a `schemaVersion`; none is renamed or removed.
 */
export const SCAN_REPORT_JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://cdk-secure-iot/scan-report-1.schema.json',
  title: 'cdk-secure-iot scan report',
  type: 'object',
  required: ['schemaVersion', 'tool', 'summary', 'templates', 'findings', 'notices'],
  properties: {
    schemaVersion: { const: 1 },
    tool: {
      type: 'object',
      required: ['name', 'version'],
      properties: { name: { const: 'cdk-secure-iot' }, version: { type: 'string' } },
    },
    summary: {
      type: 'object',
      required: ['templates', 'resources', 'errors', 'warnings', 'acknowledged', 'notAnalyzed'],
      properties: {
        templates: { type: 'integer', minimum: 0 },
        resources: { type: 'integer', minimum: 0 },
        errors: { type: 'integer', minimum: 0, description: 'Unacknowledged findings of level error.' },
        warnings: { type: 'integer', minimum: 0, description: 'Unacknowledged findings of level warning.' },
        acknowledged: { type: 'integer', minimum: 0 },
        notAnalyzed: { type: 'integer', minimum: 0, description: 'Notices of level warning about content that was not analyzed.' },
        duplicateKeys: { type: 'integer', minimum: 0, description: 'Keys written twice in one mapping, read as CloudFormation reads them (the last one wins).' },
        unreadable: { type: 'integer', minimum: 0, description: 'Files that could not be read, in whole or in part.' },
      },
    },
    templates: {
      type: 'array',
      items: {
        type: 'object',
        required: ['file', 'resources', 'sam'],
        properties: { file: { type: 'string' }, resources: { type: 'integer', minimum: 0 }, sam: { type: 'boolean' } },
      },
    },
    findings: {
      type: 'array',
      items: {
        type: 'object',
        required: ['ruleId', 'findingId', 'severity', 'file', 'resource', 'resourceType', 'message', 'explanation', 'fix', 'acknowledged'],
        properties: {
          ruleId: { type: 'string', pattern: '^IoTSecurity-[A-Z]+[0-9]+$' },
          findingId: { type: 'string', pattern: '^IoTSecurity-[A-Z]+[0-9]+(\\[.*\\])?$' },
          severity: { enum: ['error', 'warning'] },
          file: { type: 'string' },
          resource: { type: 'string', description: 'The logical ID.' },
          resourceType: { type: 'string' },
          line: { type: 'integer', minimum: 1 },
          message: { type: 'string' },
          explanation: { type: 'string' },
          fix: { type: 'string' },
          acknowledged: { type: 'boolean' },
          acknowledgmentReason: { type: 'string' },
          acknowledgmentSource: { enum: ['acknowledgments file', 'cdk_nag metadata', 'cfn_nag metadata', 'guard metadata', 'cloud assembly metadata'] },
        },
      },
    },
    notices: {
      type: 'array',
      items: {
        type: 'object',
        required: ['severity', 'file', 'message'],
        properties: {
          severity: { enum: ['warning', 'note'] },
          file: { type: 'string' },
          resource: { type: 'string' },
          line: { type: 'integer', minimum: 1 },
          key: { type: 'string', description: 'For a key written twice: the key.' },
          path: { type: 'string', description: 'For a key written twice: the mapping that holds it.' },
          count: { type: 'integer', minimum: 2, description: 'For keys written twice: how many this notice stands for, where more than one (past the first hundred of a file).' },
          message: { type: 'string' },
        },
      },
    },
    unreadable: {
      type: 'array',
      description: 'Files that could not be read, in whole or in part (a part CloudFormation refuses: the rest of the file was scanned, as its reason says), while every other input was scanned.',
      items: {
        type: 'object',
        required: ['file', 'reason'],
        properties: { file: { type: 'string' }, line: { type: 'integer', minimum: 1 }, reason: { type: 'string' } },
      },
    },
  },
} as const;
