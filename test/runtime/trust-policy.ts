import { arnServiceOfType, isThisAccount, renderCfn } from './cfn-render';
import { CfnTemplate, SynthesizedStack } from './synthesized';

/*
 * Confused-deputy protection, read from the templates: every IAM role whose trust policy admits an
 * AWS service and every resource policy that does (key, topic, queue, bucket, bus, vault, secret,
 * log resource policies, Lambda permissions) bounds the service to this account with
 * aws:SourceAccount and/or aws:SourceArn, where the service sends them, or with the service's own
 * equivalent. Which service sends what is the table below, each entry with the AWS page it comes
 * from; a service the table does not know is a finding (add it, with its source).
 */

/** What AWS documents for one service principal. */
export interface ServiceTrust {
  /**
   * 'source-keys': the service sends aws:SourceAccount and aws:SourceArn, so a statement must hold
   * one of them (bound to this account). 'equivalent': the service's own condition key stands in
   * for them (`equivalentKeys`). 'unsupported': AWS documents neither for this use; `why` says
   * what keeps it in the account instead.
   */
  readonly keys: 'source-keys' | 'equivalent' | 'unsupported';
  /** The ARN service part aws:SourceArn (or the equivalent key) must have: `iot` for `arn:aws:iot:...`. */
  readonly arnServices?: string[];
  /** Condition keys that stand in for aws:SourceArn, with an ARN of this account as value. */
  readonly equivalentKeys?: string[];
  /** Where in a role trust policy ('role') or resource policy ('resource') the entry holds; both when absent. */
  readonly where?: 'role' | 'resource';
  /** The AWS documentation the entry comes from. */
  readonly source: string;
  /** Why, for 'unsupported' and 'equivalent' entries. */
  readonly why?: string;
}

const IOT_CONFUSED_DEPUTY = 'AWS IoT Core Developer Guide, "Cross-service confused deputy prevention" (https://docs.aws.amazon.com/iot/latest/developerguide/cross-service-confused-deputy-prevention.html); rules: "Granting an AWS IoT rule the access it requires" (iot-create-role.html, aws:SourceArn arn:aws:iot:<region>:<account>:rule/<name>); Device Defender: "Cross-service confused deputy prevention" (https://docs.aws.amazon.com/iot-device-defender/latest/devguide/dd-cross-service-confused-deputy-prevention.html: audit roles arn:aws:iot:<region>:<account>:, mitigation action roles ...:mitigationaction/<name>, security profile alert targets ...:securityprofile/<name>)';

/** Service principal (exact, or a pattern for regional ones) -> what AWS documents for it. */
export const SERVICE_TRUST: Array<{ principal: string | RegExp; trust: ServiceTrust }> = [
  { principal: 'iot.amazonaws.com', trust: { keys: 'source-keys', arnServices: ['iot'], source: IOT_CONFUSED_DEPUTY } },
  {
    principal: 'credentials.iot.amazonaws.com',
    trust: {
      keys: 'unsupported',
      where: 'role',
      source: 'AWS IoT Core Developer Guide, "Authorizing direct calls to AWS services using AWS IoT Core credential provider" (https://docs.aws.amazon.com/iot/latest/developerguide/authorizing-direct-aws.html)',
      why: 'The credentials provider\'s documented trust policy has no condition and AWS documents no aws:SourceArn/aws:SourceAccount for it (the IoT confused-deputy page covers roles AWS IoT assumes for rules, logging, audits, not role aliases). The role is reachable only through a role alias of this account (CreateRoleAlias needs iam:PassRole on the role, which cannot be passed across accounts) and a certificate whose IoT policy allows iot:AssumeRoleWithCertificate on that alias. Listed in the README\'s unverified list: if the provider sends the keys, bound it to the role alias ARN.',
    },
  },
  {
    principal: 'states.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['states'], source: 'AWS Step Functions Developer Guide, "Creating an IAM role for your state machine", section "Prevent cross-service confused deputy issue" (https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html); CDK writes aws:SourceArn arn:<partition>:states:<region>:<account>:stateMachine:* and aws:SourceAccount into every state machine role' },
  },
  {
    principal: 'lambda.amazonaws.com',
    trust: {
      keys: 'unsupported',
      where: 'role',
      source: 'AWS Lambda Developer Guide, "Defining Lambda function permissions with an execution role" (https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html) and "Using source function ARN to control function access behavior" (permissions-source-function-arn.html)',
      why: 'Lambda documents aws:SourceArn only for policies where the function is the target (its resource policy); the execution role\'s trust names the service principal alone, and Lambda assumes it only for a function it was passed to with iam:PassRole in the same account. The function-scoped key (lambda:SourceFunctionArn) applies to identity policies of the role, not its trust policy. This covers CDK\'s own singleton providers (AwsCustomResource, Custom::VpcRestrictDefaultSG), whose trust policies cannot take conditions from here either.',
    },
  },
  {
    principal: 'events.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['events'], source: 'Amazon EventBridge User Guide, "Cross-service confused deputy prevention" (https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html): aws:SourceArn the rule ARN' },
  },
  {
    principal: 'pipes.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['pipes'], source: 'Amazon EventBridge User Guide, "Amazon EventBridge Pipes execution role" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-permissions.html): trust policy with aws:SourceAccount and aws:SourceArn arn:aws:pipes:<region>:<account>:pipe/<name>' },
  },
  {
    principal: 'backup.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['backup'], where: 'resource', source: 'AWS Backup Developer Guide, "Cross-service confused deputy prevention" (https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-service-confused-deputy-prevention.html): "The value of aws:SourceArn must be an AWS Backup vault when using AWS Backup to publish Amazon SNS topics on your behalf"' },
  },
  {
    principal: 'backup.amazonaws.com',
    trust: {
      keys: 'unsupported',
      where: 'role',
      source: 'AWS Backup Developer Guide, "IAM service roles" (https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html) and "Cross-service confused deputy prevention"',
      why: 'AWS Backup documents the keys for the resource policies it acts through (SNS topics: the vault ARN; backup-storage on KMS keys), not for its service role: the documented trust policy of AWSBackupDefaultServiceRole has no condition. The role is given to Backup only by a backup selection or restore of this account (iam:PassRole, same account).',
    },
  },
  {
    principal: 'vpc-flow-logs.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['ec2'], source: 'Amazon VPC User Guide, "IAM role for publishing flow logs to CloudWatch Logs" (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html): trust policy with aws:SourceAccount and aws:SourceArn arn:aws:ec2:<region>:<account>:vpc-flow-log/*' },
  },
  {
    principal: 'codebuild.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['codebuild'], source: 'AWS CodeBuild User Guide, "Cross-service confused deputy prevention" (https://docs.aws.amazon.com/codebuild/latest/userguide/cross-service-confused-deputy-prevention.html): aws:SourceArn the project ARN' },
  },
  {
    principal: 'codepipeline.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['codepipeline'], source: 'AWS CodePipeline User Guide, "Cross-service confused deputy prevention" (https://docs.aws.amazon.com/codepipeline/latest/userguide/security-iam.html#security_iam_service-with-iam-confused-deputy): aws:SourceArn the pipeline ARN' },
  },
  {
    principal: 'sns.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['sns'], where: 'resource', source: 'Amazon SNS Developer Guide, "Cross-service confused deputy prevention" (https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html#confused-deputy) and Amazon SQS, "Subscribing an Amazon SQS queue to an Amazon SNS topic" (aws:SourceArn the topic ARN)' },
  },
  {
    principal: 'cloudwatch.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['cloudwatch'], where: 'resource', source: 'Amazon CloudWatch User Guide, "Confused deputy prevention" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cross-service-confused-deputy-prevention.html): alarm actions on SNS topics and their keys, aws:SourceArn the alarm ARN' },
  },
  {
    principal: 'cloudtrail.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['cloudtrail'], where: 'resource', source: 'AWS CloudTrail User Guide, "Amazon S3 bucket policy for CloudTrail" and "Configure AWS KMS key policies for CloudTrail" (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html): aws:SourceArn the trail ARN' },
  },
  {
    principal: 'logging.s3.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['s3'], where: 'resource', source: 'Amazon S3 User Guide, "Permissions for log delivery" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-general): aws:SourceArn the source bucket, aws:SourceAccount its account' },
  },
  {
    principal: 'delivery.logs.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['logs'], where: 'resource', source: 'Amazon CloudWatch Logs User Guide, "Enable logging from AWS services" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html): key and bucket policies for delivery.logs.amazonaws.com with aws:SourceAccount and aws:SourceArn arn:aws:logs:<region>:<account>:*' },
  },
  {
    principal: /^logs\.([a-z0-9-]+|\$\{AWS\.Region\})\.amazonaws\.com(\.cn)?$/,
    trust: {
      keys: 'equivalent',
      arnServices: ['logs'],
      equivalentKeys: ['kms:EncryptionContext:aws:logs:arn'],
      where: 'resource',
      source: 'Amazon CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS Key Management Service" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html), step 2: the key policy bounds logs.<region>.amazonaws.com with kms:EncryptionContext:aws:logs:arn',
      why: 'CloudWatch Logs names the log group in the encryption context of every call; bounding it to this account\'s log groups is the documented confused-deputy control for a log group key.',
    },
  },
];

export function trustOf(principal: string, where: 'role' | 'resource'): ServiceTrust | undefined {
  return SERVICE_TRUST.find((e) => (typeof e.principal === 'string' ? e.principal === principal : e.principal.test(principal))
    && (e.trust.where === undefined || e.trust.where === where))?.trust;
}

/** A statement that admits a service and does not bound it as AWS documents. */
export interface TrustFinding {
  readonly app: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly principal: string;
  readonly problem: string;
}

export function describeFinding(f: TrustFinding): string {
  return `${f.app} / ${f.stack} / ${f.logicalId} (${f.type}): ${f.principal}: ${f.problem}`;
}

/** Where each resource type keeps the policy documents that can admit a service. */
const POLICY_PATHS: Record<string, string[]> = {
  'AWS::IAM::Role': ['AssumeRolePolicyDocument'],
  'AWS::KMS::Key': ['KeyPolicy'],
  'AWS::KMS::ReplicaKey': ['KeyPolicy'],
  'AWS::SNS::TopicPolicy': ['PolicyDocument'],
  'AWS::SNS::TopicInlinePolicy': ['PolicyDocument'],
  'AWS::SQS::QueuePolicy': ['PolicyDocument'],
  'AWS::SQS::QueueInlinePolicy': ['PolicyDocument'],
  'AWS::S3::BucketPolicy': ['PolicyDocument'],
  'AWS::Events::EventBus': ['Policy'],
  'AWS::Backup::BackupVault': ['AccessPolicy'],
  'AWS::SecretsManager::ResourcePolicy': ['ResourcePolicy'],
  'AWS::Logs::ResourcePolicy': ['PolicyDocument'],
  'AWS::ECR::Repository': ['RepositoryPolicyText'],
  'AWS::Logs::Destination': ['DestinationPolicy'],
  'AWS::OpenSearchService::Domain': ['AccessPolicies'],
  'AWS::ApiGateway::RestApi': ['Policy'],
};

/** Resource types whose property is one statement, not a document. */
const STATEMENT_PATHS: Record<string, string> = {
  'AWS::Events::EventBusPolicy': 'Statement',
};

/** Identity policies: their statements have no Principal and admit no one. */
const IDENTITY_POLICY_TYPES = new Set(['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IoT::Policy', 'AWS::SSO::PermissionSet', 'AWS::CloudFormation::StackSet']);

function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function parseDoc(v: unknown): any {
  if (typeof v === 'string') {
    try {
      return JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  return v;
}

/** Every object with a `Statement` (or the statements themselves) under `value`: for resource types the table does not know. */
function findStatements(value: unknown, out: any[] = []): any[] {
  if (Array.isArray(value)) value.forEach((v) => findStatements(v, out));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Principal' in o && 'Effect' in o) out.push(o);
    else Object.values(o).forEach((v) => findStatements(v, out));
  }
  return out;
}

/** The conditions of a statement as [operator, key, values], keys lower-cased (IAM compares them case-insensitively). */
function conditionsOf(statement: any): Array<{ op: string; key: string; values: unknown[] }> {
  const out: Array<{ op: string; key: string; values: unknown[] }> = [];
  for (const [op, block] of Object.entries((statement.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
    for (const [key, v] of Object.entries(block ?? {})) out.push({ op, key: key.toLowerCase(), values: asArray(v) });
  }
  return out;
}

/** Operators that bind a key to the listed values (not IfExists, which passes when the key is absent; not negations). */
const BINDING_OPS = new Set(['StringEquals', 'StringLike', 'ArnEquals', 'ArnLike', 'StringEqualsIgnoreCase']);

interface StackContext { readonly stack: SynthesizedStack; readonly template: CfnTemplate }

/** Why one value of aws:SourceArn (or an equivalent key) does not bound the service to a resource of this account, or undefined. */
function sourceArnProblem(ctx: StackContext, value: unknown, services: string[], accountAlsoBound: boolean): string | undefined {
  const rendered = renderCfn(ctx.template, value);
  const whole = /^\$\{(?:GetAtt|Ref)=([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}$/.exec(rendered);
  if (whole) {
    const target = ctx.template.Resources[whole[1]];
    if (!target) return `aws:SourceArn refers to ${whole[1]}, which is not in the template`;
    const service = arnServiceOfType(target.Type);
    return service && services.includes(service) ? undefined
      : `aws:SourceArn is the ARN of ${whole[1]} (${target.Type}), not of a ${services.join('/')} resource`;
  }
  const parts = rendered.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return `aws:SourceArn ${JSON.stringify(rendered)} is not an ARN`;
  if (rendered.includes('${?}')) return `aws:SourceArn ${JSON.stringify(rendered)} cannot be read`;
  const [, , service, , account] = parts;
  if (!services.includes(service)) return `aws:SourceArn ${JSON.stringify(rendered)} is not an ARN of ${services.join('/')}`;
  if (account === '' && service === 's3') {
    return accountAlsoBound ? undefined : `aws:SourceArn ${JSON.stringify(rendered)} names no account (S3 ARNs have none): aws:SourceAccount must bound it too`;
  }
  if (!isThisAccount(ctx.stack, account)) return `aws:SourceArn ${JSON.stringify(rendered)} is not in this account (account part ${JSON.stringify(account)})`;
  return undefined;
}

/** Why a statement admitting `principal` is not bounded as `trust` asks, or undefined. */
function statementProblem(ctx: StackContext, statement: any, trust: ServiceTrust): string | undefined {
  if (trust.keys === 'unsupported') return undefined;
  const conds = conditionsOf(statement).filter((c) => BINDING_OPS.has(c.op));
  const problems: string[] = [];
  const accountConds = conds.filter((c) => c.key === 'aws:sourceaccount' || c.key === 'aws:sourceowner');
  let accountBound = false;
  for (const c of accountConds) {
    const bad = c.values.map((v) => renderCfn(ctx.template, v)).filter((r) => !isThisAccount(ctx.stack, r));
    if (bad.length > 0) problems.push(`aws:SourceAccount ${JSON.stringify(bad)} is not this account`);
    else accountBound = true;
  }
  const arnKeys = ['aws:sourcearn', ...(trust.equivalentKeys ?? []).map((k) => k.toLowerCase())];
  let arnBound = false;
  for (const c of conds.filter((x) => arnKeys.includes(x.key))) {
    const bad = c.values.map((v) => sourceArnProblem(ctx, v, trust.arnServices ?? [], accountBound || accountConds.length > 0)).filter((p): p is string => p !== undefined);
    if (bad.length > 0) problems.push(...bad);
    else arnBound = true;
  }
  if (problems.length > 0) return problems.join('; ');
  if (trust.keys === 'equivalent') {
    return arnBound ? undefined : `missing ${trust.equivalentKeys!.join(' or ')} (bound to this account's ${trust.arnServices!.join('/')} ARNs)`;
  }
  return accountBound || arnBound ? undefined : 'missing aws:SourceAccount and aws:SourceArn (bound to this account)';
}

function servicesOf(statement: any): unknown[] {
  const p = statement.Principal;
  if (!p || typeof p !== 'object') return [];
  return asArray(p.Service as unknown);
}

/** Every statement or permission of `stacks` that admits an AWS service without the bounds AWS documents for it. */
export function confusedDeputyFindings(stacks: SynthesizedStack[]): TrustFinding[] {
  const findings: TrustFinding[] = [];
  for (const stack of stacks) {
    const ctx: StackContext = { stack, template: stack.template };
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      const at = (principal: string, problem: string) => findings.push({ app: stack.app, stack: stack.stack, logicalId, type: resource.Type, principal, problem });
      const props = resource.Properties ?? {};
      if (resource.Type === 'AWS::Lambda::Permission') {
        const principal = renderCfn(stack.template, props.Principal);
        if (!/\.amazonaws\.com(\.cn)?$/.test(principal)) continue;
        const trust = trustOf(principal, 'resource');
        if (!trust) {
          at(principal, 'service not in the table of test/runtime/trust-policy.ts: find what AWS documents for it and add it with its source');
          continue;
        }
        // AddPermission's SourceAccount and SourceArn become the statement's aws:SourceAccount and aws:SourceArn conditions.
        const statement = {
          Condition: {
            ...(props.SourceAccount !== undefined ? { StringEquals: { 'aws:SourceAccount': props.SourceAccount } } : {}),
            ...(props.SourceArn !== undefined ? { ArnLike: { 'aws:SourceArn': props.SourceArn } } : {}),
          },
        };
        const problem = statementProblem(ctx, statement, trust);
        if (problem) at(principal, problem);
        continue;
      }
      if (IDENTITY_POLICY_TYPES.has(resource.Type)) continue;
      const where: 'role' | 'resource' = resource.Type === 'AWS::IAM::Role' ? 'role' : 'resource';
      const single = STATEMENT_PATHS[resource.Type];
      const paths = POLICY_PATHS[resource.Type] ?? (single ? [] : undefined);
      const statements = single ? asArray(parseDoc(props[single]))
        : paths ? paths.flatMap((p) => asArray(parseDoc(props[p])?.Statement))
          : findStatements(props);
      for (const statement of statements) {
        if (statement?.Effect !== 'Allow') continue;
        for (const raw of servicesOf(statement)) {
          // A principal written with the URL suffix (`iot.${AWS::URLSuffix}`) is the same service.
          const principal = renderCfn(stack.template, raw).replace('${AWS.URLSuffix}', 'amazonaws.com');
          if (!paths) {
            at(principal, `${resource.Type} is a resource policy the check does not know: add where it keeps its policy to POLICY_PATHS`);
            continue;
          }
          const trust = trustOf(principal, where);
          if (!trust) {
            at(principal, `service not in the table of test/runtime/trust-policy.ts (as a ${where} policy principal): find what AWS documents for it and add it with its source`);
            continue;
          }
          const problem = statementProblem(ctx, statement, trust);
          if (problem) at(principal, problem);
        }
      }
    }
  }
  return findings;
}

/** The findings of one CDK stack's template, for construct-level tests. */
export function confusedDeputyFindingsOf(template: { [key: string]: any }, environment = 'aws://unknown-account/unknown-region'): string[] {
  return confusedDeputyFindings([{ app: 'test', stack: 'test', environment, template: template as CfnTemplate }]).map(describeFinding);
}
