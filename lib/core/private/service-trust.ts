/*
 * Which AWS service principals send `aws:SourceArn` / `aws:SourceAccount` (or an equivalent key)
 * when they act, and in which kind of policy: the table both the pack's confused-deputy rule
 * (GW15, lib/checks/rules/gateway/IoTServicePrincipalLocked.ts) and the template-wide test
 * (test/runtime/trust.test.ts) read, each entry with the AWS page it comes from. The constructs
 * admit services through `confusedDeputySafePrincipal` (./confused-deputy.ts).
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

export const IOT_CONFUSED_DEPUTY = 'AWS IoT Core Developer Guide, "Cross-service confused deputy prevention" (https://docs.aws.amazon.com/iot/latest/developerguide/cross-service-confused-deputy-prevention.html); rules: "Granting an AWS IoT rule the access it requires" (iot-create-role.html, aws:SourceArn arn:aws:iot:<region>:<account>:rule/<name>); Device Defender: "Cross-service confused deputy prevention" (https://docs.aws.amazon.com/iot-device-defender/latest/devguide/dd-cross-service-confused-deputy-prevention.html: audit roles arn:aws:iot:<region>:<account>:, mitigation action roles ...:mitigationaction/<name>, security profile alert targets ...:securityprofile/<name>)';

/** Service principal (exact, or a pattern for regional ones) -> what AWS documents for it. */
export const SERVICE_TRUST: ReadonlyArray<{ readonly principal: string | RegExp; readonly trust: ServiceTrust }> = [
  { principal: 'iot.amazonaws.com', trust: { keys: 'source-keys', arnServices: ['iot'], source: IOT_CONFUSED_DEPUTY } },
  {
    principal: 'credentials.iot.amazonaws.com',
    trust: {
      keys: 'unsupported',
      where: 'role',
      source: 'AWS IoT Core Developer Guide, "Authorizing direct calls to AWS services using AWS IoT Core credential provider" (https://docs.aws.amazon.com/iot/latest/developerguide/authorizing-direct-aws.html)',
      why: 'The credentials provider\'s documented trust policy has no condition and AWS documents no aws:SourceArn/aws:SourceAccount for it (the IoT confused-deputy page covers roles AWS IoT assumes for rules, logging, audits, not role aliases). The role is reachable only through a role alias of this account (CreateRoleAlias needs iam:PassRole on the role, which cannot be passed across accounts) and a certificate whose IoT policy allows iot:AssumeRoleWithCertificate on that alias. Listed in docs/verification.md (unverified): if the provider sends the keys, bound it to the role alias ARN.',
    },
  },
  {
    principal: 'iotevents.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['iotevents'], source: 'AWS IoT Events Developer Guide, "Cross-service confused deputy prevention for AWS IoT Events" (https://docs.aws.amazon.com/iotevents/latest/developerguide/cross-service-confused-deputy-prevention.html) and "Example: Secure access to an AWS IoT Events detector model" (accessing-a-detector-model.html): trust policy with aws:SourceAccount and aws:SourceArn arn:aws:iotevents:<region>:<account>:detectorModel/<name>' },
  },
  {
    principal: 'iotsitewise.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['iotsitewise'], source: 'AWS IoT SiteWise User Guide, "Cross-service confused deputy prevention in AWS IoT SiteWise" (https://docs.aws.amazon.com/iot-sitewise/latest/userguide/cross-service-confused-deputy-prevention.html): aws:SourceArn the SiteWise resource behind the sts:AssumeRole request, aws:SourceAccount its account' },
  },
  {
    principal: 'greengrass.amazonaws.com',
    trust: { keys: 'source-keys', arnServices: ['greengrass'], source: 'AWS IoT Greengrass V1 Developer Guide, "Cross-service confused deputy prevention" (https://docs.aws.amazon.com/greengrass/v1/developerguide/cross-service-confused-deputy-prevention.html) and V2 "Greengrass service role" (https://docs.aws.amazon.com/greengrass/v2/developerguide/greengrass-service-role.html): aws:SourceArn arn:aws:greengrass:<region>:<account>:*, aws:SourceAccount the account' },
  },
  {
    principal: 'iottwinmaker.amazonaws.com',
    trust: {
      keys: 'unsupported',
      where: 'role',
      source: 'AWS IoT TwinMaker User Guide, "Create and manage a service role for AWS IoT TwinMaker" (https://docs.aws.amazon.com/iot-twinmaker/latest/guide/twinmaker-gs-service-role.html)',
      why: 'TwinMaker documents its workspace role\'s trust policy without a condition and documents no aws:SourceArn/aws:SourceAccount for it; a condition on a key the service does not send would make AssumeRole fail. The role reaches TwinMaker only through CreateWorkspace of this account (iam:PassRole, same account).',
    },
  },
  {
    principal: 'iotwireless.amazonaws.com',
    trust: {
      keys: 'unsupported',
      where: 'role',
      source: 'AWS IoT Wireless Developer Guide, "How AWS IoT Wireless works with IAM" (https://docs.aws.amazon.com/iot-wireless/latest/developerguide/security_iam_service-with-iam.html) and "Add destinations to AWS IoT Core for LoRaWAN" (lorawan-create-destinations.html)',
      why: 'AWS IoT Wireless documents neither resource-based policies nor aws:SourceArn/aws:SourceAccount for the destination role it assumes to reach a rule or topic; the role reaches it only through CreateDestination of this account (iam:PassRole, same account).',
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

/**
 * The AWS IoT service principals the pack's rule GW15 judges: AWS IoT Core (rules, logging, Device
 * Defender, jobs, provisioning), its credentials provider, IoT Events, SiteWise, Greengrass,
 * TwinMaker and IoT Wireless: each has an entry above. Other IoT services (FleetWise, Analytics,
 * Device Advisor) are not judged until an entry with its source is added.
 */
export const IOT_SERVICE_PRINCIPALS: ReadonlySet<string> = new Set([
  'iot.amazonaws.com', 'credentials.iot.amazonaws.com', 'iotevents.amazonaws.com', 'iotsitewise.amazonaws.com',
  'greengrass.amazonaws.com', 'iottwinmaker.amazonaws.com', 'iotwireless.amazonaws.com',
]);

/** What AWS documents for `principal` in a role trust policy or a resource policy, if the table knows it. */
export function trustOf(principal: string, where: 'role' | 'resource'): ServiceTrust | undefined {
  return SERVICE_TRUST.find((e) => (typeof e.principal === 'string' ? e.principal === principal : e.principal.test(principal))
    && (e.trust.where === undefined || e.trust.where === where))?.trust;
}

/** Where each resource type keeps the policy documents that can admit a service. */
export const POLICY_PATHS: Record<string, string[]> = {
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
export const STATEMENT_PATHS: Record<string, string> = {
  'AWS::Events::EventBusPolicy': 'Statement',
};

/** Identity policies: their statements have no Principal and admit no one. */
export const IDENTITY_POLICY_TYPES = new Set(['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IoT::Policy', 'AWS::SSO::PermissionSet', 'AWS::CloudFormation::StackSet']);

