import * as fs from 'fs';
import * as path from 'path';
import { expandIamAction, IamActionFacts, IAM_DATA_PACKAGE } from '../../lib/checks/private/iam-data';
import { canBeArnOf, grantEffect } from '../../lib/checks/private/iam-resource-types';
import { GREENGRASS_DEVICE_ACTIONS } from '../../lib/checks/private/iot-policy-analyzer';
import { resolveValue } from './iam';
import { CfnTemplate, synthesizedStacks } from './synthesized';

/*
 * Every grant can take effect. IAM authorizes each action on the resource types the Service
 * Authorization Reference lists for it: a statement that grants `iot:AttachThingPrincipal` on
 * `thing/*` deploys, and every call it was meant for fails with AccessDenied, because that action
 * is authorized on the certificate. So, over every template the reference app and the examples
 * synthesize, every Allow statement of every identity policy and resource policy (and of every
 * AWS IoT policy, whose actions are IAM's `iot:` actions): each action exists in the pinned IAM
 * dataset, and at least one of the statement's resources can be an ARN of a resource type the
 * action applies to (`*` for an action without resource-level permissions, or one whose resource
 * types are all optional).
 */

// ---------------------------------------------------------------------------------------------
// The dataset's ARN patterns

/** The dataset's data folder: walk up from the package's entry point to its package.json (its exports hide the file). */
const dataRoot = (() => {
  for (let dir = path.dirname(require.resolve(IAM_DATA_PACKAGE)); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'data', 'resourceTypes'))) return path.join(dir, 'data');
  }
  throw new Error(`cannot find the data folder of ${IAM_DATA_PACKAGE}`);
})();
const arnPatterns = new Map<string, { [type: string]: { arn: string } }>();
function arnPattern(service: string, type: string): string {
  if (!arnPatterns.has(service)) arnPatterns.set(service, JSON.parse(fs.readFileSync(path.join(dataRoot, 'resourceTypes', `${service}.json`), 'utf8')));
  const found = arnPatterns.get(service)![type] ?? arnPatterns.get(service)![type.toLowerCase()];
  if (!found) throw new Error(`the IAM dataset has no resource type ${service}:${type}`);
  return found.arn;
}
const rawActions = new Map<string, { [lower: string]: { resourceTypes: { name: string; required: boolean }[] } }>();
function resourceTypesOf(a: IamActionFacts): { name: string; required: boolean; arn: string }[] {
  if (!rawActions.has(a.service)) rawActions.set(a.service, JSON.parse(fs.readFileSync(path.join(dataRoot, 'actions', `${a.service}.json`), 'utf8')));
  return rawActions.get(a.service)![a.name.toLowerCase()].resourceTypes.map((t) => ({ ...t, arn: arnPattern(a.service, t.name) }));
}

// ---------------------------------------------------------------------------------------------
// Every policy of a template

/** Properties that hold an IAM (or AWS IoT) policy document, by resource type. */
const POLICY_PROPS: { [type: string]: string[] } = {
  'AWS::IAM::Role': ['Policies'],
  'AWS::IAM::User': ['Policies'],
  'AWS::IAM::Group': ['Policies'],
  'AWS::IAM::Policy': ['PolicyDocument'],
  'AWS::IAM::ManagedPolicy': ['PolicyDocument'],
  'AWS::S3::BucketPolicy': ['PolicyDocument'],
  'AWS::SNS::TopicPolicy': ['PolicyDocument'],
  'AWS::SNS::TopicInlinePolicy': ['PolicyDocument'],
  'AWS::SQS::QueuePolicy': ['PolicyDocument'],
  'AWS::SQS::QueueInlinePolicy': ['PolicyDocument'],
  'AWS::KMS::Key': ['KeyPolicy'],
  'AWS::Events::EventBus': ['Policy'],
  'AWS::Events::EventBusPolicy': ['Statement'],
  'AWS::Backup::BackupVault': ['AccessPolicy'],
  'AWS::Logs::ResourcePolicy': ['PolicyDocument'],
  'AWS::SecretsManager::ResourcePolicy': ['ResourcePolicy'],
  'AWS::ECR::Repository': ['RepositoryPolicyText'],
  'AWS::IoT::Policy': ['PolicyDocument'],
  'AWS::Lambda::Permission': [],
};

interface Grant {
  readonly where: string;
  readonly actions: string[];
  readonly resources: string[];
  /** It is a statement of an AWS IoT policy (device data-plane actions are allowed). */
  readonly iotPolicy?: boolean;
}

function asList(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function grantsOf(template: CfnTemplate, logicalId: string): Grant[] {
  const resource = template.Resources[logicalId];
  const props = POLICY_PROPS[resource.Type];
  if (!props) return [];
  if (resource.Type === 'AWS::Lambda::Permission') {
    const p = resolveValue(template, resource.Properties) as any;
    const fn = String(p.FunctionName);
    return [{ where: 'Lambda permission', actions: [p.Action], resources: [fn.startsWith('arn:') ? fn : `arn:aws:lambda:*:*:function:${fn}`] }];
  }
  const grants: Grant[] = [];
  const fromDocument = (document: unknown, where: string) => {
    const doc = typeof document === 'string' ? JSON.parse(document) : document as any;
    asList(doc?.Statement).forEach((s: any, i) => {
      if (s.Effect !== 'Allow' || s.Action === undefined || s.Resource === undefined) return;
      grants.push({
        where: `${where} statement ${s.Sid ?? i}`, actions: asList(s.Action).map(String), resources: asList(s.Resource).map(String),
        iotPolicy: resource.Type === 'AWS::IoT::Policy',
      });
    });
  };
  for (const prop of props) {
    const value = resolveValue(template, resource.Properties?.[prop]);
    if (value === undefined) continue;
    if (prop === 'Policies') asList(value).forEach((p: any) => fromDocument(p.PolicyDocument, `${prop} ${p.PolicyName}`));
    else if (resource.Type === 'AWS::Events::EventBusPolicy') fromDocument({ Statement: [value] }, prop);
    else fromDocument(value, prop);
  }
  return grants;
}

/**
 * Actions only AWS IoT policies grant (a device's data-plane calls, authorized by AWS IoT Core,
 * not IAM), which the IAM dataset does not list: the credentials provider's, on a role alias
 * (AWS IoT "Authorizing direct calls to AWS services"), and the Greengrass device actions the pack
 * already knows (GREENGRASS_DEVICE_ACTIONS, from AWS's minimal Greengrass core device policy, on "*").
 */
function iotPolicyOnlyPattern(action: string): string | undefined {
  if (action.toLowerCase() === 'iot:assumerolewithcertificate') return 'arn:${Partition}:iot:${Region}:${Account}:rolealias/${RoleAlias}';
  const [service, name] = action.toLowerCase().split(':');
  return service === 'greengrass' && GREENGRASS_DEVICE_ACTIONS.some((a) => a.toLowerCase() === name) ? '*' : undefined;
}

/** What is wrong with one action of a grant, or undefined when it can take effect. */
function problem(grant: Grant, action: string): string | undefined {
  const iotOnly = grant.iotPolicy ? iotPolicyOnlyPattern(action) : undefined;
  if (iotOnly && expandIamAction(action).actions.length === 0) {
    return iotOnly === '*' || grant.resources.some((r) => canBeArnOf(r, iotOnly)) ? undefined
      : `${action} on ${JSON.stringify(grant.resources)}: an AWS IoT policy grants it on ${iotOnly}`;
  }
  const { actions, complete } = expandIamAction(action);
  if (actions.length === 0) {
    return complete ? `${action} is not an action of the IAM dataset (${IAM_DATA_PACKAGE})`
      : `${action}: its service is not in the IAM dataset (${IAM_DATA_PACKAGE})`;
  }
  const fits = (a: IamActionFacts) => {
    const types = resourceTypesOf(a);
    if (grant.resources.includes('*') && (types.length === 0 || types.every((t) => !t.required))) return true;
    return grant.resources.some((r) => types.some((t) => canBeArnOf(r, t.arn)));
  };
  if (actions.some(fits)) return undefined;
  const needs = actions.slice(0, 3).map((a) => {
    const types = resourceTypesOf(a);
    return `${a.service}:${a.name} needs ${types.length === 0 ? '"*" (no resource-level permissions)'
      : types.map((t) => `${t.name}${t.required ? '' : ' (optional)'} ${t.arn}`).join(' or ')}`;
  }).join('; ');
  return `${action} on ${JSON.stringify(grant.resources)}: no resource is of a type the action applies to: ${needs}`;
}

// ---------------------------------------------------------------------------------------------

describe('canBeArnOf', () => {
  const thing = 'arn:${Partition}:iot:${Region}:${Account}:thing/${ThingName}';
  const cert = 'arn:${Partition}:iot:${Region}:${Account}:cert/${Certificate}';
  const bucketObject = 'arn:${Partition}:s3:::${BucketName}/${ObjectName}';
  const logStream = 'arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}';
  test.each([
    ['arn:aws:iot:eu-west-1:111122223333:thing/sensor-*', thing, true],
    ['arn:aws:iot:eu-west-1:111122223333:thing/sensor-*', cert, false],
    ['arn:aws:iot:eu-west-1:111122223333:cert/*', cert, true],
    ['arn:aws:iot:*:*:*', cert, true],
    ['arn:aws:iot:*', cert, true],
    ['arn:aws:sns:*', cert, false],
    ['arn:aws:s3:::bucket/releases/*', bucketObject, true],
    ['arn:aws:s3:::bucket', bucketObject, false],
    ['arn:aws:s3:eu-west-1::bucket/x', bucketObject, false],
    ['arn:aws:logs:eu-west-1:111122223333:log-group:/aws/x:*', logStream, true],
    ['arn:aws:iot:eu-west-1:111122223333:thing/${iot:Connection.Thing.ThingName}', thing, true],
    ['*', cert, true],
  ])('%s can be an ARN of %s: %s', (resource, pattern, expected) => {
    expect(canBeArnOf(resource, pattern)).toBe(expected);
  });

  test('the rule (IoTSecurity-ID21) reads the same types as this test reads from the dataset\'s files', () => {
    // Read here from the raw files, independently of the library's reader.
    const attach = expandIamAction('iot:AttachThingPrincipal').actions[0];
    expect(resourceTypesOf(attach).map((t) => t.name)).toEqual(['cert']);
    expect(canBeArnOf('arn:aws:iot:eu-west-1:111122223333:thing/sensor-1', resourceTypesOf(attach)[0].arn)).toBe(false);
    expect(grantEffect('iot:AttachThingPrincipal', [{ pattern: 'arn:aws:iot:eu-west-1:111122223333:thing/sensor-1' }]))
      .toEqual({ kind: 'ineffective', needs: ['cert'] });
    expect(grantEffect('iot:AttachThingPrincipal', [{ pattern: 'arn:aws:iot:eu-west-1:111122223333:cert/*' }])).toEqual({ kind: 'effective' });
  });
});

/**
 * Ineffective grants the library cannot remove, each with what makes up for it. CDK's
 * CodeStarConnectionsSourceAction grants `codestar-connections:UseConnection` whatever the
 * connection's ARN; for a `codeconnections` ARN (every connection made since July 2024) IAM checks
 * `codeconnections:UseConnection`, which the same policy must then grant on the same ARN.
 */
function madeUpFor(grants: Grant[], grant: Grant, action: string): boolean {
  if (action.toLowerCase() !== 'codestar-connections:useconnection') return false;
  return grant.resources.every((r) => r.split(':')[2] === 'codeconnections'
    && grants.some((g) => g.actions.some((a) => a.toLowerCase() === 'codeconnections:useconnection') && g.resources.includes(r)));
}

describe('every grant can take effect', () => {
  const stacks = synthesizedStacks();
  test.each(stacks.map((s) => [`${s.app} ${s.stack}`, s] as const))('%s', (_name, { app, stack, template }) => {
    const failures: string[] = [];
    for (const logicalId of Object.keys(template.Resources)) {
      const grants = grantsOf(template, logicalId);
      for (const grant of grants) {
        for (const action of grant.actions) {
          if (madeUpFor(grants, grant, action)) continue;
          const why = problem(grant, action);
          if (why) failures.push(`${app} ${stack} ${logicalId} (${template.Resources[logicalId].Type} ${grant.where}): ${why}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
