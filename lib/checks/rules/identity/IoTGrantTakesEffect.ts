import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { findInStack, resolvedProperties } from '../../private/cfn';
import { Findings, isObject, Unresolved } from '../../private/cfn-values';
import { forEachPoliciesEntry } from '../../private/iam-policy';
import { items, member, parsedDocuments, scalar } from '../../private/documents';
import { grantEffect, StatementResource } from '../../private/iam-resource-types';
import { displaySegments, Evaluated, Placeholders } from '../../private/intrinsics';
import { defineRule } from '../../rule-definition';

const SAM_FUNCTION = 'AWS::Serverless::Function';
/** Identity policies, by resource type: where their documents are. */
const DOCUMENTS: { readonly [type: string]: 'Policies' | 'PolicyDocument' } = {
  'AWS::IAM::Role': 'Policies',
  'AWS::IAM::User': 'Policies',
  'AWS::IAM::Group': 'Policies',
  'AWS::IAM::Policy': 'PolicyDocument',
  'AWS::IAM::ManagedPolicy': 'PolicyDocument',
  'AWS::IAM::RolePolicy': 'PolicyDocument',
  'AWS::IAM::UserPolicy': 'PolicyDocument',
  'AWS::IAM::GroupPolicy': 'PolicyDocument',
  [SAM_FUNCTION]: 'Policies',
};

/**
 * The resource type of the IAM dataset that a reference to a resource of the template names, by
 * its CloudFormation type and the attribute read (`Ref` for the `Ref` form), where that value is
 * the resource's ARN (CloudFormation's "Return values" of each type). Only types whose ARN a
 * policy commonly names; any other reference is judged as matching anything. A test checks that
 * each type is in the pinned dataset.
 */
export const ARN_TYPES: { readonly [cfnType: string]: { readonly [attribute: string]: readonly [service: string, type: string] } } = {
  'AWS::S3::Bucket': { Arn: ['s3', 'bucket'] },
  'AWS::DynamoDB::Table': { Arn: ['dynamodb', 'table'], StreamArn: ['dynamodb', 'stream'] },
  'AWS::SQS::Queue': { Arn: ['sqs', 'queue'] },
  'AWS::SNS::Topic': { Ref: ['sns', 'topic'], TopicArn: ['sns', 'topic'] },
  'AWS::Lambda::Function': { Arn: ['lambda', 'function'] },
  'AWS::KMS::Key': { Arn: ['kms', 'key'] },
  'AWS::IAM::Role': { Arn: ['iam', 'role'] },
  'AWS::Kinesis::Stream': { Arn: ['kinesis', 'stream'] },
  'AWS::KinesisFirehose::DeliveryStream': { Arn: ['firehose', 'deliverystream'] },
  'AWS::SecretsManager::Secret': { Ref: ['secretsmanager', 'Secret'], Id: ['secretsmanager', 'Secret'] },
  'AWS::StepFunctions::StateMachine': { Ref: ['states', 'stateMachine'], Arn: ['states', 'stateMachine'] },
  'AWS::IoT::Thing': { Arn: ['iot', 'thing'] },
  'AWS::IoT::Certificate': { Arn: ['iot', 'cert'] },
  'AWS::IoT::Policy': { Arn: ['iot', 'policy'] },
  'AWS::IoT::TopicRule': { Arn: ['iot', 'rule'] },
  'AWS::IoT::RoleAlias': { RoleAliasArn: ['iot', 'rolealias'] },
  'AWS::Events::EventBus': { Arn: ['events', 'event-bus'] },
  'AWS::ECR::Repository': { Arn: ['ecr', 'repository'] },
};

/**
 * Actions CDK grants with a companion on resources they never apply to, which a user of the
 * construct cannot remove. Skipped only where the same policy document grants their companion
 * (lower case, action to companion). Kept by hand: the dataset cannot know what CDK writes.
 * - `Table.grantReadData` and kin grant DynamoDB's stream reads (authorized on the `stream` type)
 *   on the table's ARN, next to the item reads, and grant the stream itself, when there is one, in
 *   `grantStreamRead`.
 * - CodePipeline's `CodeStarConnectionsSourceAction` grants `codestar-connections:UseConnection`
 *   whatever the connection's ARN, and `codeconnections:UseConnection` beside it: for a
 *   `codeconnections` ARN (every connection made since July 2024) IAM checks the latter.
 * - `Stream.grantRead` (Kinesis) grants `ListStreams` (no resource-level permissions),
 *   `SubscribeToShard` and `DescribeStreamConsumer` (authorized on a consumer) on the stream's ARN,
 *   next to `GetRecords`.
 * - `StringParameter.grantRead` (and every imported parameter's) grants `ssm:DescribeParameters`
 *   (no resource-level permissions) on the parameter's ARN, next to `GetParameter`.
 * - `StateMachine.grantRead` grants `states:ListStateMachines` (no resource-level permissions) on
 *   the state machine's ARN, next to `ListExecutions`.
 * - `@aws-cdk/aws-iot-alpha`'s `Logging` writes AWS IoT's logging role policy
 *   (https://docs.aws.amazon.com/iot/latest/developerguide/configure-logging.html) with its IoT
 *   logging actions (`iot:SetV2LoggingOptions` and kin, no resource-level permissions) on the
 *   `AWSIotLogsV2` log group's ARN, next to `logs:CreateLogStream`; AWS IoT only writes logs with it.
 * (`StateMachine.grantTaskResponse` grants only `SendTask*` on the state machine's ARN: nothing of it
 * takes effect, so it stays a finding.)
 */
export const CDK_BUNDLED: { readonly [action: string]: string } = {
  'dynamodb:getrecords': 'dynamodb:getitem',
  'dynamodb:getsharditerator': 'dynamodb:getitem',
  'codestar-connections:useconnection': 'codeconnections:useconnection',
  'kinesis:liststreams': 'kinesis:getrecords',
  'kinesis:subscribetoshard': 'kinesis:getrecords',
  'kinesis:describestreamconsumer': 'kinesis:getrecords',
  'ssm:describeparameters': 'ssm:getparameter',
  'states:liststatemachines': 'states:listexecutions',
  ...Object.fromEntries(['getloggingoptions', 'setloggingoptions', 'setv2loggingoptions', 'getv2loggingoptions', 'setv2logginglevel', 'listv2logginglevels', 'deletev2logginglevel']
    .map((a) => [`iot:${a}`, 'logs:createlogstream'])),
};

/** A statement's `Resource` entry, as the rule judges it and as a finding shows it. */
function readResource(node: CfnResource, value: Evaluated, ph: Placeholders): StatementResource & { display: string } {
  if (typeof value !== 'string') return { pattern: '*', display: '${Unresolved}' };
  const segments = ph.decode(value);
  const display = displaySegments(segments);
  const only = segments.length === 1 ? segments[0] : undefined;
  if (only?.kind === 'ref') {
    const [id, attribute] = only.label.includes('.') ? [only.label.slice(0, only.label.indexOf('.')), only.label.slice(only.label.indexOf('.') + 1)] : [only.label, 'Ref'];
    const known = ARN_TYPES[findInStack(node, id)?.cfnResourceType ?? '']?.[attribute];
    if (known) return { pattern: '*', type: { service: known[0], name: known[1] }, display };
  }
  // A part known only at deploy could be anything: it matches anything.
  const pattern = segments.map((s) => (s.kind === 'text' ? s.text : '*')).join('');
  return { pattern, display };
}

/** The policy documents of the resource, as the template holds them (objects, JSON strings or intrinsics). */
function documentsOf(node: CfnResource, findings: Findings): unknown[] {
  const props = resolvedProperties(node);
  const where = DOCUMENTS[node.cfnResourceType];
  if (where === 'PolicyDocument') return [props.PolicyDocument];
  const docs: unknown[] = [];
  // SAM's `Policies` is also a managed policy name or a list mixing names, policy templates and documents.
  forEachPoliciesEntry(node, props.Policies, findings, (policy) => {
    if (!isObject(policy)) return;
    if (node.cfnResourceType !== SAM_FUNCTION) docs.push(policy.PolicyDocument);
    else if ('Statement' in policy) docs.push(policy);
  });
  return docs;
}

/**
 * IoTSecurity-ID21: every grant of an IAM identity policy can take effect.
 *
 * IAM authorizes each action on the resource types the Service Authorization Reference lists for
 * it, in the ARN format listed for each type; an action with no resource type takes only
 * `"Resource": "*"`
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
 * A statement granting `iot:AttachThingPrincipal` (authorized on the certificate) on a thing ARN, or
 * `iot:DescribeEndpoint` (no resource-level permissions) on an ARN, deploys, and every call it was
 * meant for fails with AccessDenied, read from the pinned dataset (`private/iam-resource-types.ts`).
 *
 * Reads the identity policies of an `AWS::IAM::Role`, `User` or `Group` (inline `Policies`), an
 * `AWS::IAM::Policy`, `ManagedPolicy`, `RolePolicy`, `UserPolicy` or `GroupPolicy`, and the policy
 * documents in a SAM function's `Policies`, as objects or JSON strings, through `Fn::If`,
 * parameters with allowed values, `Fn::Sub` and `Fn::Join`. For each `Allow` statement and each
 * action it names: the action is effective when one action of the dataset it matches (`iot:Update*`
 * is every `iot:Update...` action) can be authorized on one of the statement's resources.
 * `Resource: *` always applies. A resource's parts are matched one by one (partition, service,
 * region, account, resource, `*` and `?` as globs); a part known only at deploy (a pseudo
 * parameter, an attribute, an import) matches anything, except that an ARN that is a whole
 * `Fn::GetAtt`/`Ref` of a resource of the stack of a known type (`ARN_TYPES`) is that type
 * (`s3:GetObject` on the bucket's `Arn` rather than its objects). Conditions never make a
 * resource match and are not read. `Deny` statements grant nothing; statements with `NotAction`
 * or `NotResource` are not judged (what they grant is everything but a list).
 *
 * Each action is judged on its own, except the actions CDK bundles with a companion in the same
 * document (`CDK_BUNDLED`: DynamoDB stream reads in a table's grant, CodeStar Connections' old
 * action name in a pipeline's source action).
 *
 * Findings (a WARN: the policy is harmless, the app is broken):
 * - `NoEffect::<action> on <resources> needs <types>`: the resource types the action is authorized
 *   on, `*` for an action without resource-level permissions; resources as `display.ts` writes them;
 * - `Unknown::<action>`: the dataset has no such action, or no such service. IAM ignores an action
 *   it does not know, so this grants nothing; an action newer than the pinned dataset is also
 *   reported: acknowledge it with the AWS page that documents it.
 * - `Unresolved::PolicyDocument`, `::Statement`, `::Action`, `::Policies` where the rule cannot read.
 */
export const IoTGrantTakesEffect = defineRule({
  id: 'ID21',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC04'],
  attackEnterprise: ['T1098'],
  attackIcs: ['T0859'],
  level: NagMessageLevel.WARN,
  info: 'An IAM policy grants an action on resources it can never be authorized on, so the grant never takes effect.',
  explanation: 'IAM authorizes each action on the resource types AWS lists for it (an action without resource-level permissions only on "*"). '
    + 'A grant on another resource deploys, and every call it was meant for fails with AccessDenied; the usual repair, widening the grant '
    + 'until the call works, ends with more than the app needs.',
  fix: 'Grant the action on the resource type the finding names (e.g. iot:AttachThingPrincipal on the certificate ARN, not the thing), '
    + 'or on "*" for an action without resource-level permissions; fix a misspelt action name.',
  resourceTypes: Object.keys(DOCUMENTS),
}, (node: CfnResource): NagRuleResult => {
  const findings = new Findings();
  const documents = documentsOf(node, findings);
  if (documents.length === 0 && findings.isEmpty) return NagRuleCompliance.NOT_APPLICABLE;
  for (const document of documents) {
    for (const { document: doc, ph } of parsedDocuments(node, document, 'json', 'PolicyDocument', findings)) {
      const statementsOf = items(member(doc, 'Statement'));
      const named = new Set(statementsOf.flatMap((st) => (isObject(st) && !(st instanceof Unresolved) ? items(member(st, 'Action')) : []))
        .map((a) => scalar(a, ph)).filter((a): a is string => typeof a === 'string').map((a) => a.toLowerCase()));
      for (const statement of statementsOf) {
        if (!isObject(statement) || statement instanceof Unresolved) {
          findings.add('Unresolved', 'Statement');
          continue;
        }
        const effect = scalar(member(statement, 'Effect'), ph);
        if (typeof effect === 'string' && effect.toLowerCase() === 'deny') continue;
        if (member(statement, 'NotAction') !== undefined || member(statement, 'NotResource') !== undefined) continue;
        const resourceValues = items(member(statement, 'Resource'));
        if (resourceValues.length === 0) continue;
        const resources = resourceValues.map((r) => readResource(node, r, ph));
        for (const action of items(member(statement, 'Action')).map((entry) => scalar(entry, ph))) {
          if (action instanceof Unresolved) {
            findings.add('Unresolved', 'Action');
            continue;
          }
          if (action === undefined) continue;
          const companion = CDK_BUNDLED[action.toLowerCase()];
          if (companion !== undefined && named.has(companion)) continue;
          const effect_ = grantEffect(action, resources);
          if (effect_.kind === 'unknown') findings.add('Unknown', action);
          else if (effect_.kind === 'ineffective') {
            findings.add('NoEffect', `${action} on ${resources.map((r) => r.display).join(', ')} needs ${effect_.needs.join('|')}`);
          }
        }
      }
    }
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
