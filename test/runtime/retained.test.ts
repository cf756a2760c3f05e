import { DATA_TYPES, describeRetentionFinding, RetentionFinding, retentionFindings } from './retained-data';
import { CfnTemplate, synthesizedStacks } from './synthesized';

/*
 * Item 7 of issue 18 (data that is lost), over every template the reference app and the examples
 * write: everything that holds data is kept when its stack is deleted or it is replaced, and so is
 * the key that encrypts it. Which types hold data, and why the others do not, is said in
 * retained-data.ts.
 */

/**
 * Findings in areas whose owners fix them on their own branches (issue 18's split). Each entry must
 * still match a finding: once its owner's fix is merged the entry is stale and this test says so.
 */
const PENDING: Array<{ logicalId: RegExp; owner: string }> = [
];

const pendingFor = (f: RetentionFinding) => PENDING.find((p) => p.logicalId.test(f.logicalId));

describe('data that is lost: everything that holds data is retained, with its key', () => {
  let findings: RetentionFinding[];
  beforeAll(() => {
    findings = retentionFindings(synthesizedStacks());
  }, 1_200_000);

  test('no data-holding resource, nor the key that encrypts one, is deleted with its stack', () => {
    expect(findings.filter((f) => !pendingFor(f)).map(describeRetentionFinding)).toEqual([]);
  });

  test('every pending finding of another area still exists (remove the entry once its fix is merged)', () => {
    const stale = PENDING.filter((p) => !findings.some((f) => pendingFor(f) === p)).map((p) => `${p.owner}: ${p.logicalId}`);
    expect(stale).toEqual([]);
  });
});

describe('the checker', () => {
  const problems = (resources: CfnTemplate['Resources']) => retentionFindings([{ app: 'test', stack: 'S', environment: 'aws://unknown-account/unknown-region', template: { Resources: resources } }])
    .map((f) => `${f.logicalId}: ${f.problem}`);

  test('a queue deleted with its stack is a finding; retained, it is not', () => {
    expect(problems({ Q: { Type: 'AWS::SQS::Queue' } })).toEqual([expect.stringMatching(/^Q: DeletionPolicy \(none: Delete\) and UpdateReplacePolicy \(none: Delete\)/)]);
    expect(problems({ Q: { Type: 'AWS::SQS::Queue', DeletionPolicy: 'Retain' } })).toEqual([expect.stringMatching(/^Q: UpdateReplacePolicy/)]);
    expect(problems({ Q: { Type: 'AWS::SQS::Queue', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' } })).toEqual([]);
  });

  test('Snapshot counts only where AWS documents it for the type', () => {
    expect(problems({ D: { Type: 'AWS::RDS::DBCluster', DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' } })).toEqual([]);
    expect(problems({ T: { Type: 'AWS::DynamoDB::Table', DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' } })).toHaveLength(1);
  });

  test('a retained resource encrypted with a key deleted with the stack is a finding, through an alias too', () => {
    const kept = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' };
    expect(problems({
      K: { Type: 'AWS::KMS::Key', ...kept },
      B: { Type: 'AWS::S3::Bucket', ...kept, Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { KMSMasterKeyID: { 'Fn::GetAtt': ['K', 'Arn'] } } }] } } },
    })).toEqual([]);
    expect(problems({
      K: { Type: 'AWS::KMS::Key' },
      A: { Type: 'AWS::KMS::Alias', Properties: { TargetKeyId: { Ref: 'K' } } },
      Q: { Type: 'AWS::SQS::Queue', ...kept, Properties: { KmsMasterKeyId: { Ref: 'A' } } },
    })).toEqual([expect.stringMatching(/^K: DeletionPolicy/), expect.stringMatching(/^Q: encrypted with K, which is not retained/)]);
  });

  test('a state machine must log every execution to a retained log group', () => {
    const kept = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' };
    const machine = (level: string, group: string) => ({
      L: { Type: 'AWS::Logs::LogGroup', ...(group === 'kept' ? kept : {}) },
      M: { Type: 'AWS::StepFunctions::StateMachine', Properties: { LoggingConfiguration: { Level: level, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['L', 'Arn'] } } }] } } },
    });
    expect(problems(machine('ALL', 'kept'))).toEqual([]);
    expect(problems(machine('ERROR', 'kept'))).toEqual([expect.stringMatching(/^M: its execution history is deleted/)]);
    expect(problems(machine('ALL', 'deleted'))).toEqual([expect.stringMatching(/^L: /), expect.stringMatching(/^M: logs its executions to L, which is not retained/)]);
  });

  test('the data-holding types include dead-letter queues, keys and log groups', () => {
    for (const type of ['AWS::SQS::Queue', 'AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::Backup::BackupVault', 'AWS::SecretsManager::Secret']) expect(DATA_TYPES[type]).toBeDefined();
  });
});
