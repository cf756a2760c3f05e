import { CfnTemplate, SynthesizedStack } from './synthesized';

/*
 * Data that outlives its stack: every resource that holds data keeps it when the stack is deleted
 * or the resource replaced (DeletionPolicy and UpdateReplacePolicy Retain, or Snapshot where AWS
 * documents that choice for the type), and the key that encrypts it is kept as well (a deleted key
 * loses the data it encrypts as surely as a deleted table).
 *
 * Which types hold data, and why the others do not:
 * - held data: queues (a dead-letter queue holds exactly what could not be delivered), tables,
 *   buckets, streams and delivery streams, time-series stores, file systems and databases, backup
 *   vaults, secrets, container images, user pools, KMS keys (everything they encrypt), and log
 *   groups. A Lambda function's log group is retained too: the library gives every function its
 *   own log group (secureFunction) because its log is the record of what a playbook, a custom
 *   resource or a rotation did to the fleet (practices 8 and 9); the group's retention bounds what
 *   retaining it costs, and its events expire on that schedule after the stack is gone.
 * - not data: topics (SNS stores no message: it delivers or drops), alarms, dashboards, rules,
 *   roles and policies, network resources, IoT registry configuration (policies, thing groups,
 *   templates, role aliases: the template recreates them), SSM parameters the template writes
 *   (their value is in the template), custom resources that configure a service.
 * - state machines: their execution history goes with them, so each must log its executions
 *   (level ALL) to a log group, which is itself retained: the history lives on there.
 */

/** Types that hold data, and whether AWS offers Snapshot as their deletion policy. */
export const DATA_TYPES: Record<string, { snapshot: boolean }> = {
  'AWS::SQS::Queue': { snapshot: false },
  'AWS::DynamoDB::Table': { snapshot: false },
  'AWS::DynamoDB::GlobalTable': { snapshot: false },
  'AWS::S3::Bucket': { snapshot: false },
  'AWS::KMS::Key': { snapshot: false },
  'AWS::Logs::LogGroup': { snapshot: false },
  'AWS::Backup::BackupVault': { snapshot: false },
  'AWS::Backup::LogicallyAirGappedBackupVault': { snapshot: false },
  'AWS::Timestream::Database': { snapshot: false },
  'AWS::Timestream::Table': { snapshot: false },
  'AWS::Kinesis::Stream': { snapshot: false },
  'AWS::KinesisFirehose::DeliveryStream': { snapshot: false },
  'AWS::SecretsManager::Secret': { snapshot: false },
  'AWS::EFS::FileSystem': { snapshot: false },
  'AWS::ECR::Repository': { snapshot: false },
  'AWS::Cognito::UserPool': { snapshot: false },
  'AWS::IoTAnalytics::Channel': { snapshot: false },
  'AWS::IoTAnalytics::Datastore': { snapshot: false },
  'AWS::OpenSearchService::Domain': { snapshot: false },
  // DeletionPolicy Snapshot is documented for these (CloudFormation User Guide, "DeletionPolicy attribute").
  'AWS::RDS::DBInstance': { snapshot: true },
  'AWS::RDS::DBCluster': { snapshot: true },
  'AWS::EC2::Volume': { snapshot: true },
  'AWS::DocDB::DBCluster': { snapshot: true },
  'AWS::Neptune::DBCluster': { snapshot: true },
  'AWS::ElastiCache::CacheCluster': { snapshot: true },
  'AWS::ElastiCache::ReplicationGroup': { snapshot: true },
  'AWS::Redshift::Cluster': { snapshot: true },
};

/** A resource that loses data with its stack. */
export interface RetentionFinding {
  readonly app: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly problem: string;
}

export function describeRetentionFinding(f: RetentionFinding): string {
  return `${f.app} / ${f.stack} / ${f.logicalId} (${f.type}): ${f.problem}`;
}

const KEEPS = new Set(['Retain', 'RetainExceptOnCreate']);

function policyProblem(resource: CfnTemplate['Resources'][string], snapshot: boolean): string | undefined {
  const ok = (p: string | undefined) => p !== undefined && (KEEPS.has(p) || (snapshot && p === 'Snapshot'));
  const missing = [
    ok(resource.DeletionPolicy) ? undefined : `DeletionPolicy ${resource.DeletionPolicy ?? '(none: Delete)'}`,
    ok(resource.UpdateReplacePolicy) ? undefined : `UpdateReplacePolicy ${resource.UpdateReplacePolicy ?? '(none: Delete)'}`,
  ].filter((x): x is string => x !== undefined);
  return missing.length > 0 ? `${missing.join(' and ')}: the data is lost when the stack is deleted or the resource replaced (want Retain${snapshot ? ' or Snapshot' : ''})` : undefined;
}

/** The logical IDs of the template's KMS keys `value` refers to (directly, or through an alias). */
function keysReferred(template: CfnTemplate, value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => keysReferred(template, v, out));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const ref = typeof o.Ref === 'string' ? o.Ref
      : Array.isArray(o['Fn::GetAtt']) ? (o['Fn::GetAtt'] as unknown[])[0]
        : typeof o['Fn::GetAtt'] === 'string' ? (o['Fn::GetAtt'] as string).split('.')[0] : undefined;
    const target = typeof ref === 'string' ? template.Resources[ref] : undefined;
    if (target?.Type === 'AWS::KMS::Key') out.add(ref as string);
    else if (target?.Type === 'AWS::KMS::Alias') keysReferred(template, target.Properties?.TargetKeyId, out);
    else Object.values(o).forEach((v) => keysReferred(template, v, out));
  }
  return out;
}

/** Every data-holding resource of `stacks` that is not kept, or whose key is not. */
export function retentionFindings(stacks: SynthesizedStack[]): RetentionFinding[] {
  const findings: RetentionFinding[] = [];
  for (const stack of stacks) {
    const t = stack.template;
    for (const [logicalId, resource] of Object.entries(t.Resources)) {
      const at = (problem: string) => findings.push({ app: stack.app, stack: stack.stack, logicalId, type: resource.Type, problem });
      const data = DATA_TYPES[resource.Type];
      if (data) {
        const problem = policyProblem(resource, data.snapshot);
        if (problem) at(problem);
        if (resource.Type !== 'AWS::KMS::Key') {
          for (const keyId of keysReferred(t, resource.Properties ?? {})) {
            if (policyProblem(t.Resources[keyId], false)) {
              at(`encrypted with ${keyId}, which is not retained (DeletionPolicy ${t.Resources[keyId].DeletionPolicy ?? 'Delete'}): the data is unreadable once the key is deleted`);
            }
          }
        }
      }
      if (resource.Type === 'AWS::StepFunctions::StateMachine') {
        const logging = resource.Properties?.LoggingConfiguration;
        const groups = (logging?.Destinations ?? []).flatMap((d: any) => [...keysOrGroups(t, d?.CloudWatchLogsLogGroup?.LogGroupArn)]);
        if (logging?.Level !== 'ALL' || groups.length === 0) {
          at('its execution history is deleted with it and it does not log every execution (LoggingConfiguration Level ALL to a log group)');
        } else {
          for (const g of groups) {
            if (policyProblem(t.Resources[g], false)) at(`logs its executions to ${g}, which is not retained`);
          }
        }
      }
    }
  }
  return findings;
}

/** The template's log groups `value` refers to. */
function keysOrGroups(template: CfnTemplate, value: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const ref = typeof o.Ref === 'string' ? o.Ref : Array.isArray(o['Fn::GetAtt']) ? (o['Fn::GetAtt'] as unknown[])[0] : undefined;
      if (typeof ref === 'string' && template.Resources[ref]?.Type === 'AWS::Logs::LogGroup') out.add(ref);
      else Object.values(o).forEach(walk);
    }
  };
  walk(value);
  return out;
}

/** The findings of one CDK stack's template, for construct-level tests. */
export function retentionFindingsOf(template: { [key: string]: any }): string[] {
  return retentionFindings([{ app: 'test', stack: 'test', environment: 'aws://unknown-account/unknown-region', template: template as CfnTemplate }]).map(describeRetentionFinding);
}
