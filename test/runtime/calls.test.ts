import * as fs from 'fs';
import * as path from 'path';
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeEventConfigurationsCommand, GetIndexingConfigurationCommand, IoTClient, ListAuditFindingsCommand } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetSigningProfileCommand, PutSigningProfileCommand, SignerClient } from '@aws-sdk/client-signer';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iot from 'aws-cdk-lib/aws-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { DeviceCaCertificate, DeviceCertificateAuthority, DevicePolicy, FleetProvisioning } from '../../lib';
import { globMatch } from '../../lib/checks/private/iam-data';
import { callTarget, CallTarget, IamPolicy, principalPolicy, RequestContext, resolveValue, roleOf, TEST_ENV, withEnvironment } from './iam';
import { CfnTemplate, synthesizedStacks } from './synthesized';

/*
 * Every runtime call is allowed, and no more: the calls AWS makes with a role the library gives
 * it (a provisioning template's role, a Lambda function's, a topic rule action's) are enumerated
 * with the ARNs they touch, and evaluated against that role's policies in the synthesized
 * template (test/runtime/iam.ts).
 */

const iotArn = (rest: string) => `arn:${TEST_ENV.partition}:iot:${TEST_ENV.region}:${TEST_ENV.account}:${rest}`;
/** A certificate ID as AWS IoT makes them: 64 hex digits. */
const SAMPLE_CERT_ID = 'a'.repeat(32) + '0123456789abcdef0123456789abcdef';

/** Each target of a call the policy refuses, with IAM's reading, or [] when all are allowed. */
function refused(policy: IamPolicy, target: CallTarget, context?: RequestContext): string[] {
  return [target, ...(target.also ?? [])].flatMap((t) => t.resources
    .filter((r) => !policy.isAllowed(t.iamAction, r, context))
    .map((r) => policy.explain(t.iamAction, r, context)));
}

/**
 * A recorded call as IAM sees it: one request per PutEvents entry, with the entry's
 * `events:source` and `events:detail-type` (the condition keys EventBridge sets for it).
 */
function requestsOf(call: { service: string; action: string; input: Record<string, unknown> }): { target: CallTarget; context?: RequestContext }[] {
  if (call.service === 'eventbridge' && call.action === 'PutEvents') {
    return ((call.input.Entries ?? []) as any[]).map((e) => ({
      target: callTarget('eventbridge', 'putEvents', { Entries: [e] }),
      context: { 'events:source': e.Source, 'events:detail-type': e.DetailType },
    }));
  }
  return [{ target: callTarget(call.service, call.action, call.input) }];
}

// ---------------------------------------------------------------------------------------------
// Provisioning templates

/** A provisioning template body's value with its parameters (AWS IoT's template dialect: Ref, Fn::Join, Fn::Sub...). */
function evaluateBody(value: unknown, parameters: { [name: string]: string }): unknown {
  if (Array.isArray(value)) return value.map((v) => evaluateBody(v, parameters));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as { [k: string]: any };
  if ('Ref' in obj) {
    if (!(obj.Ref in parameters)) throw new Error(`the template refers to parameter ${obj.Ref}, which the sample request does not give`);
    return parameters[obj.Ref];
  }
  if ('Fn::Join' in obj) return (evaluateBody(obj['Fn::Join'][1], parameters) as string[]).join(obj['Fn::Join'][0]);
  if ('Fn::Sub' in obj) return (obj['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_w, n: string) => parameters[n]);
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, evaluateBody(v, parameters)]));
}

interface ProvisioningCase {
  readonly where: string;
  /** The stack's environment (`aws://account/region`), for withEnvironment. */
  readonly environment?: string;
  readonly template: CfnTemplate;
  /** The template body (JSON) and the role AWS IoT runs it with. */
  readonly body: any;
  readonly roleLogicalId: string;
}

/** The sample request: the device's name and certificate, and each declared parameter's default or a sample. */
function sampleParameters(body: any): { [name: string]: string } {
  const out: { [name: string]: string } = {};
  for (const [name, decl] of Object.entries(body.Parameters ?? {}) as [string, any][]) out[name] = decl.Default ?? `sample-${name.replace(/\W/g, '').toLowerCase()}`;
  out['AWS::IoT::Certificate::Id'] = SAMPLE_CERT_ID;
  out['AWS::IoT::Certificate::CommonName'] = 'sample-device-001';
  out['AWS::IoT::Certificate::SerialNumber'] = '0123456789';
  out.SerialNumber = 'sample-device-001';
  return out;
}

/**
 * What AWS IoT calls with the provisioning role for each resource of the template (AWS IoT
 * "Provisioning templates": a thing is described, created or updated, joins its groups; a
 * certificate is described, activated and attached to the thing; a named policy is read and
 * attached to the certificate).
 */
function provisioningCalls(body: any, parameters: { [name: string]: string }): { call: string; target: CallTarget }[] {
  const resources = evaluateBody(body.Resources, parameters) as { [id: string]: any };
  const thing = Object.values(resources).find((r) => r.Type === 'AWS::IoT::Thing');
  const cert = Object.values(resources).find((r) => r.Type === 'AWS::IoT::Certificate');
  const policy = Object.values(resources).find((r) => r.Type === 'AWS::IoT::Policy');
  const calls: { call: string; params: object }[] = [];
  const thingName: string | undefined = thing?.Properties?.ThingName;
  const certArn = iotArn(`cert/${cert?.Properties?.CertificateId ?? SAMPLE_CERT_ID}`);
  if (thingName) {
    calls.push({ call: 'describeThing', params: { thingName } }, { call: 'createThing', params: { thingName } }, { call: 'updateThing', params: { thingName } },
      { call: 'listThingGroupsForThing', params: { thingName } });
    if (thing.Properties.ThingTypeName) calls.push({ call: 'describeThingType', params: { thingTypeName: thing.Properties.ThingTypeName } });
    for (const group of thing.Properties.ThingGroups ?? []) {
      calls.push({ call: 'describeThingGroup', params: { thingGroupName: group } }, { call: 'addThingToThingGroup', params: { thingGroupName: group, thingName } });
    }
  }
  if (cert) {
    calls.push({ call: 'describeCertificate', params: { certificateId: cert.Properties.CertificateId } });
    if (cert.Properties.Status) calls.push({ call: 'updateCertificate', params: { certificateId: cert.Properties.CertificateId, newStatus: cert.Properties.Status } });
    if (thingName) calls.push({ call: 'attachThingPrincipal', params: { thingName, principal: certArn } });
  }
  if (policy?.Properties?.PolicyName) {
    calls.push({ call: 'getPolicy', params: { policyName: policy.Properties.PolicyName } }, { call: 'attachPolicy', params: { policyName: policy.Properties.PolicyName, target: certArn } });
  }
  return calls.map(({ call, params }) => ({ call: `iot.${call} ${JSON.stringify(params)}`, target: callTarget('iot', call, params as Record<string, unknown>) }));
}

function provisioningCases(template: CfnTemplate, where: string, environment?: string): ProvisioningCase[] {
  return withEnvironment(environment, () => provisioningCasesIn(template, where).map((c) => ({ ...c, environment })));
}

function provisioningCasesIn(template: CfnTemplate, where: string): ProvisioningCase[] {
  const cases: ProvisioningCase[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::IoT::ProvisioningTemplate') {
      cases.push({ where: `${where} ${id}`, template, body: JSON.parse(resolveValue(template, r.Properties.TemplateBody) as string), roleLogicalId: roleOf(template, id) });
    }
    if (r.Type === 'AWS::IoT::CACertificate' && r.Properties?.RegistrationConfig?.TemplateBody) {
      // JITP: the template and role ride on the CA certificate.
      cases.push({
        where: `${where} ${id} (JITP)`, template, body: JSON.parse(resolveValue(template, r.Properties.RegistrationConfig.TemplateBody) as string),
        roleLogicalId: roleOf(template, id, 'RegistrationConfig'),
      });
    }
  }
  return cases;
}

/** Stacks beyond the apps: JITP, and fleet provisioning with a thing type and groups (no example uses them). */
function extraProvisioningTemplates(): { where: string; template: CfnTemplate }[] {
  const pem = fs.readFileSync(path.join(__dirname, '..', 'identity', 'fixtures', 'ca-rsa2048.pem'), 'utf8');
  const build = (name: string, make: (s: Stack) => void) => {
    const s = new Stack(new App(), name);
    make(s);
    return { where: `unit ${name}`, template: Template.fromStack(s).toJSON() as CfnTemplate };
  };
  const typed = (s: Stack) => ({
    thingType: new iot.CfnThingType(s, 'Type', { thingTypeName: 'sensor' }),
    thingGroups: [new iot.CfnThingGroup(s, 'Group', { thingGroupName: 'line-1' })],
  });
  return [
    build('Jitp', (s) => new DeviceCertificateAuthority(s, 'CA', {
      caCertificate: DeviceCaCertificate.fromPem(pem), devicePolicy: new DevicePolicy(s, 'P'), thingNamePrefix: 'dev-', ...typed(s),
    })),
    build('FleetWithGroups', (s) => new FleetProvisioning(s, 'FP', { devicePolicy: new DevicePolicy(s, 'P'), thingNamePrefix: 'sensor-', ...typed(s) })),
  ];
}

describe('provisioning templates: every call AWS IoT makes with the provisioning role is allowed, and calls beyond the template are refused', () => {
  const cases = [
    ...synthesizedStacks().flatMap((s) => provisioningCases(s.template, `${s.app} ${s.stack}`, s.environment)),
    ...extraProvisioningTemplates().flatMap((e) => provisioningCases(e.template, e.where)),
  ];

  test('the apps and the unit stacks hold fleet provisioning and JITP templates', () => {
    expect(cases.filter((c) => c.where.startsWith('unit ')).map((c) => c.where)).toEqual(expect.arrayContaining([expect.stringMatching(/JITP/)]));
    expect(cases.length).toBeGreaterThanOrEqual(5);
  });

  test.each(cases.map((c) => [c.where, c] as const))('%s', (_where, c) => withEnvironment(c.environment, () => {
    const policy = principalPolicy(c.template, c.roleLogicalId);
    const parameters = sampleParameters(c.body);
    const calls = provisioningCalls(c.body, parameters);
    expect(calls.map((x) => x.call)).toEqual(expect.arrayContaining([expect.stringMatching(/^iot\.attachThingPrincipal/), expect.stringMatching(/^iot\.attachPolicy/)]));
    const denied = calls.flatMap((x) => refused(policy, x.target).map((why) => `${x.call}: ${why}`));
    expect(denied).toEqual([]);

    // Outside the template's scope: a thing of another prefix, another AWS IoT policy, another group.
    const thingName = (evaluateBody(c.body.Resources, parameters) as any).thing.Properties.ThingName as string;
    const policyName = (evaluateBody(c.body.Resources, parameters) as any).policy.Properties.PolicyName as string;
    expect(thingName).toMatch(/sample-device-001$/);
    for (const call of ['createThing', 'updateThing', 'describeThing']) {
      const t = callTarget('iot', call, { thingName: 'zz-other-prefix-device' });
      expect(policy.isAllowed(t.iamAction, t.resources[0])).toBe(false);
    }
    const otherPolicy = callTarget('iot', 'getPolicy', { policyName: `${policyName}-other` });
    expect(policy.isAllowed(otherPolicy.iamAction, otherPolicy.resources[0])).toBe(false);
    const otherGroup = callTarget('iot', 'addThingToThingGroup', { thingGroupName: 'zz-other-group', thingName });
    expect(policy.isAllowed(otherGroup.iamAction, otherGroup.resources[0])).toBe(false);
    // No grant reaches beyond AWS IoT's registry of things, certificates and this policy.
    expect(policy.isAllowed('iot:DeleteThing', iotArn(`thing/${thingName}`))).toBe(false);
    expect(policy.isAllowed('iot:DeleteCertificate', iotArn(`cert/${SAMPLE_CERT_ID}`))).toBe(false);
    expect(policy.isAllowed('iot:CreatePolicy', iotArn(`policy/${policyName}`))).toBe(false);
    // Which policy AttachPolicy attaches, IAM cannot bound (it is authorized on the target only):
    // the template, fixed at deploy time, names the device policy and nothing else.
    expect(Object.values(c.body.Resources).filter((r: any) => r.Type === 'AWS::IoT::Policy')).toHaveLength(1);
  }));
});



// ---------------------------------------------------------------------------------------------
// Lambda handlers

/** The SDK clients the handlers use, with the service name callTarget reads. */
const CLIENTS: [new (...args: any[]) => any, string][] = [
  [DynamoDBClient, 'dynamodb'], [S3Client, 's3'], [SignerClient, 'signer'], [SSMClient, 'ssm'], [IoTClient, 'iot'],
  [IoTDataPlaneClient, 'iot-data'], [SFNClient, 'sfn'], [SNSClient, 'sns'], [EventBridgeClient, 'eventbridge'],
];
const mocks = CLIENTS.map(([client, service]) => ({ service, mock: mockClient(client) }));

/** One SDK call a handler made: the service, the command and its input, and whether the test answered it "not found". */
interface Recorded {
  readonly service: string;
  readonly action: string;
  readonly input: Record<string, unknown>;
}

function recordedCalls(): Recorded[] {
  return mocks.flatMap(({ service, mock }) => mock.calls().map((c: any) => ({
    service, action: c.args[0].constructor.name.replace(/Command$/, ''), input: c.args[0].input,
  })));
}

/**
 * Permissions a function's role may hold beyond the calls its handler makes: writing its own
 * logs (Lambda does, with the role), X-Ray tracing, and use of the customer managed KMS keys of
 * what it reads and writes (Lambda decrypts its environment, and DynamoDB, S3 and SNS call KMS on
 * the caller's behalf for encrypted tables, objects and topics).
 */
const DOCUMENTED_EXTRAS = new Set(['logs:createlogstream', 'logs:putlogevents', 'logs:createloggroup',
  'xray:puttracesegments', 'xray:puttelemetryrecords',
  'kms:decrypt', 'kms:encrypt', 'kms:describekey', 'kms:generatedatakey', 'kms:generatedatakey*', 'kms:reencrypt*']);

interface HandlerCase {
  /** The handler's bundle name (lib/<area>/handlers/<name>.ts). */
  readonly name: string;
  /** How the library describes its function (secureFunction's description). */
  readonly description: RegExp;
  /**
   * Runs the handler through its paths with the function's environment and the template; the SDK
   * mocks are reset before. Returns further permissions a path needs beyond its calls.
   */
  readonly run: (env: { [k: string]: string }, template: CfnTemplate, functionId: string) => Promise<CallTarget[] | void>;
  /** Actions granted for AWS to use on the handler's behalf, with why. */
  readonly extras?: { [action: string]: string };
}

const notFound = (name: string) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 404 } });

/** The resource of the template whose logical ID starts with the function's construct prefix and matches `pattern`. */
function sibling(template: CfnTemplate, functionId: string, marker: string, pattern: RegExp): string {
  const prefix = functionId.split(marker)[0];
  const found = Object.keys(template.Resources).filter((id) => id.startsWith(prefix) && pattern.test(id));
  if (found.length !== 1) throw new Error(`${functionId}: expected one ${pattern} beside it, found ${found.join(', ') || 'none'}`);
  return found[0];
}

/** The Properties of the custom resource served by a function (its ServiceToken is the function's ARN). */
function customResourceOf(template: CfnTemplate, functionId: string): { id: string; props: any } {
  const arnOfFn = resolveValue(template, { 'Fn::GetAtt': [functionId, 'Arn'] });
  const found = Object.entries(template.Resources).filter(([, r]) => r.Properties?.ServiceToken !== undefined
    && resolveValue(template, r.Properties.ServiceToken) === arnOfFn);
  if (found.length !== 1) throw new Error(`${functionId}: expected one custom resource served by it, found ${found.length}`);
  return { id: found[0][0], props: resolveValue(template, found[0][1].Properties) };
}

const crEvent = (type: 'Create' | 'Update' | 'Delete', props: any, id: string, physicalId?: string) => ({
  RequestType: type, ResponseURL: 'https://example.invalid/r', StackId: `arn:aws:cloudformation:${TEST_ENV.region}:${TEST_ENV.account}:stack/S/1`,
  RequestId: `req-${type}`, LogicalResourceId: id, ResourceType: 'Custom::X', ResourceProperties: props,
  ...(type === 'Create' ? {} : { PhysicalResourceId: physicalId, OldResourceProperties: props }),
}) as any;

const mockOf = (service: string) => mocks.find((m) => m.service === service)!.mock;

const HANDLERS: HandlerCase[] = [
  {
    name: 'audit-findings-relay',
    description: /relays Device Defender audit findings/,
    run: async () => {
      const { handler } = await import('../../lib/monitoring/handlers/audit-findings-relay');
      mockOf('iot').on(ListAuditFindingsCommand).resolves({ findings: [{
        findingId: 'f-1', taskId: 'task-1', checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', severity: 'CRITICAL',
        nonCompliantResource: { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: SAMPLE_CERT_ID } },
      }] });
      mockOf('eventbridge').on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
      const result = await handler({ Records: [{ messageId: 'm-1', body: JSON.stringify({
        taskId: 'task-1', taskStatus: 'COMPLETED', nonCompliantChecksCount: 1,
        auditDetails: [{ checkName: 'DEVICE_CERTIFICATE_SHARED_CHECK', checkRunStatus: 'COMPLETED_NON_COMPLIANT', nonCompliantResourcesCount: 1 }],
      }) }] } as any);
      if (result.batchItemFailures.length > 0) throw new Error(`the relay failed: ${JSON.stringify(result)}`);
    },
    extras: {
      'sqs:receivemessage': 'Lambda\'s SQS event source mapping polls the relay queue with the function\'s role',
      'sqs:deletemessage': 'the event source mapping deletes what the function relayed',
      'sqs:changemessagevisibility': 'the event source mapping returns failed messages',
      'sqs:getqueueattributes': 'the event source mapping reads the queue',
      'sqs:getqueueurl': 'the event source mapping reads the queue',
    },
  },
  {
    name: 'iot-event-configurations',
    description: /switches on the AWS IoT event types/,
    run: async (_env, template, functionId) => {
      const { onEvent, physicalIdOf } = await import('../../lib/monitoring/handlers/iot-event-configurations');
      const { id, props } = customResourceOf(template, functionId);
      const previous = { eventConfigurations: { JOB: { Enabled: false } } };
      mockOf('iot').on(DescribeEventConfigurationsCommand).resolves(previous as any);
      mockOf('ssm').on(GetParameterCommand).rejects(notFound('ParameterNotFound'));
      const physicalId = physicalIdOf(crEvent('Create', props, id));
      await onEvent(crEvent('Create', props, id));
      await onEvent(crEvent('Update', props, id, physicalId));
      mockOf('ssm').on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ owner: physicalId, previous: { JOB: false } }) } });
      await onEvent(crEvent('Delete', props, id, physicalId));
    },
  },
  {
    name: 'fleet-provisioning-hook',
    description: /pre-provisioning hook/,
    run: async () => {
      const { handler } = await import('../../lib/identity/handlers/fleet-provisioning-hook');
      mockOf('dynamodb').on(UpdateItemCommand).resolves({ Attributes: { site: { S: 'plant-1' } } });
      await handler({
        claimCertificateId: 'b'.repeat(64), certificateId: SAMPLE_CERT_ID, certificatePem: '-----BEGIN CERTIFICATE-----',
        templateArn: iotArn('provisioningtemplate/T'), clientId: 'provisioning-1', parameters: { SerialNumber: 'SN-0001' },
      } as any);
    },
  },
  {
    name: 'fleet-provisioning-send-certificate',
    description: /sends a rotating device its new certificate/,
    run: async () => {
      const { handler } = await import('../../lib/identity/handlers/fleet-provisioning-send-certificate');
      await handler({ thingName: 'sample-device-001', certificateId: SAMPLE_CERT_ID, certificatePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' });
    },
  },
  {
    name: 'fleet-indexing',
    description: /applies the AWS IoT fleet indexing configuration/,
    run: async (_env, template, functionId) => {
      const { onEvent, physicalIdOf } = await import('../../lib/inventory/handlers/fleet-indexing');
      const { id, props } = customResourceOf(template, functionId);
      const previous = { thingIndexingMode: 'OFF' };
      mockOf('iot').on(GetIndexingConfigurationCommand).resolves({ thingIndexingConfiguration: previous } as any);
      mockOf('ssm').on(GetParameterCommand).rejects(notFound('ParameterNotFound'));
      await onEvent(crEvent('Create', props, id));
      await onEvent(crEvent('Update', props, id, physicalIdOf(crEvent('Create', props, id))));
      const physicalId = physicalIdOf(crEvent('Create', props, id));
      mockOf('ssm').on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ owner: physicalId, previous }) } });
      await onEvent(crEvent('Delete', props, id, physicalId));
    },
  },
  {
    name: 'firmware-signing-profile',
    description: /makes the AWS Signer profile/,
    run: async (_env, template, functionId) => {
      const { onEvent, profileNameFor } = await import('../../lib/updates/handlers/firmware-signing-profile');
      const { id, props } = customResourceOf(template, functionId);
      const name = profileNameFor(crEvent('Create', props, id));
      const made = { arn: `arn:aws:signer:${TEST_ENV.region}:${TEST_ENV.account}:/signing-profiles/${name}`, profileVersion: 'v1', profileVersionArn: 'x' };
      mockOf('signer').on(GetSigningProfileCommand).rejects(notFound('ResourceNotFoundException'));
      mockOf('signer').on(PutSigningProfileCommand).resolves(made);
      await onEvent(crEvent('Create', props, id));
      mockOf('signer').on(GetSigningProfileCommand).resolves({ ...made, status: 'Active' });
      await onEvent(crEvent('Delete', props, id, name));
    },
    extras: { 'acm:describecertificate': 'AWS Signer reads the signing certificate with the caller\'s permissions when PutSigningProfile names it' },
  },
  {
    name: 'firmware-version-gate',
    description: /firmware version gate/,
    run: async (env, template, functionId) => {
      const { handler } = await import('../../lib/updates/handlers/firmware-version-gate');
      const config = JSON.parse(env.PIPELINE_CONFIG);
      const deviceType = Object.keys(config.deviceTypes)[0];
      const uploadBucket = resolveValue(template, { Ref: sibling(template, functionId, 'VersionGate', /UploadBucket[0-9A-F]{8}$/) }) as string;
      mockOf('dynamodb').on(GetItemCommand).resolves({});
      mockOf('s3').on(HeadObjectCommand).rejects(notFound('NotFound'));
      const checked = await handler({ action: 'check', detail: { bucket: { name: uploadBucket }, object: { key: `incoming/${deviceType}/1.2.0/fw.bin`, 'version-id': 'v-1' } } } as any);
      if (checked.verdict !== 'PROCEED') throw new Error(`the gate did not proceed: ${JSON.stringify(checked)}`);
      await handler({ action: 'commit', release: checked.release } as any);
      await handler({ action: 'released', release: checked.release } as any);
      // S3 answers a missing SBOM with 404 only to a caller allowed s3:ListBucket (403 otherwise), and the gate relies on the 404.
      return [{ iamAction: 's3:ListBucket', resources: [`arn:${TEST_ENV.partition}:s3:::${uploadBucket}`] }];
    },
  },
];

interface FunctionCase {
  readonly where: string;
  readonly environment?: string;
  readonly template: CfnTemplate;
  readonly functionId: string;
  readonly handler: HandlerCase;
}

const functionCases: FunctionCase[] = synthesizedStacks().flatMap((s) => Object.entries(s.template.Resources)
  .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
  .flatMap(([functionId, r]) => HANDLERS.filter((h) => h.description.test(String(r.Properties?.Description ?? '')))
    .map((handler) => ({ where: `${handler.name} in ${s.app} ${s.stack} ${functionId}`, environment: s.environment, template: s.template, functionId, handler }))));

describe('Lambda handlers: every SDK call each handler makes is allowed by its function\'s role, and the role grants nothing else', () => {
  test('every handler of the library runs in some app', () => {
    const bundled = fs.readdirSync(path.join(__dirname, '..', '..', 'lib')).flatMap((area) => {
      const dir = path.join(__dirname, '..', '..', 'lib', area, 'handlers');
      return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => ({ area, name: f.replace(/\.ts$/, '') })) : [];
    });
    const covered = new Set(functionCases.map((c) => c.handler.name));
    // lib/response/** is covered by the incident response helpers of issue 18.
    expect(bundled.filter((b) => b.area !== 'response' && !covered.has(b.name)).map((b) => b.name)).toEqual([]);
  });

  test.each(functionCases.map((c) => [c.where, c] as const))('%s', async (_where, c) => {
    for (const { mock } of mocks) {
      mock.reset();
      mock.onAnyCommand().resolves({});
    }
    const template = c.template;
    await withEnvironment(c.environment, async () => {
      const env = resolveValue(template, template.Resources[c.functionId].Properties?.Environment?.Variables ?? {}) as { [k: string]: string };
      const saved = { ...process.env };
      Object.assign(process.env, env, { AWS_REGION: TEST_ENV.region });
      const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
      let needs: CallTarget[] = [];
      try {
        needs = (await c.handler.run(env, template, c.functionId)) ?? [];
      } finally {
        process.env = saved;
        log.mockRestore();
      }
      const calls = recordedCalls();
      expect(calls.length).toBeGreaterThan(0);
      const policy = principalPolicy(template, roleOf(template, c.functionId));
      const targets: { call: string; target: CallTarget; context?: RequestContext }[] = [
        ...calls.flatMap((x) => requestsOf(x).map((r) => ({ call: `${x.service}.${x.action}`, ...r }))),
        ...needs.map((t) => ({ call: 'also needed', target: t }))];
      const denied = targets.flatMap((x) => refused(policy, x.target, x.context).map((why) => `${x.call}: ${why}`));
      expect(denied).toEqual([]);

      // No more: each action the role grants is one a call needs, or a documented extra.
      const used = new Set(targets.flatMap((x) => [x.target, ...(x.target.also ?? [])]).map((t) => t.iamAction.toLowerCase()));
      const extras = new Set([...DOCUMENTED_EXTRAS, ...Object.keys(c.handler.extras ?? {})]);
      const granted = new Set(policy.statements.filter((s) => s.effect === 'Allow').flatMap((s) => s.action ?? ['NotAction']).map((a) => a.toLowerCase()));
      const surplus = [...granted].filter((a) => !used.has(a) && !extras.has(a) && ![...used].some((u) => a.includes('*') && globMatch(a, u)));
      expect(surplus).toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// IoT topic rule actions

/** A sample value for each substitution template of a rule action (`${topic(3)}`, `${timestamp()}`). */
const sample = (text: string) => text.replace(/\$\{[^}]*\}/g, 'sample');

/** The ARN of a KMS key from a key ID, alias or ARN as a queue or topic names it. */
const keyArn = (key: string) => key.startsWith('arn:') ? key
  : `arn:${TEST_ENV.partition}:kms:${TEST_ENV.region}:${TEST_ENV.account}:${key.startsWith('alias/') ? key : `key/${key}`}`;

/**
 * The calls one topic rule action makes with its role (AWS IoT rule actions: each action's
 * "Requirements"), with the KMS key use an encrypted target needs.
 */
function ruleActionCalls(template: CfnTemplate, kind: string, action: any): { call: string; target: CallTarget; context?: RequestContext }[] {
  const t = (call: string, target: CallTarget, context?: RequestContext) => ({ call: `${kind}: ${call}`, target, context });
  const resourceBy = (type: string, value: unknown) => Object.keys(template.Resources)
    .find((id) => template.Resources[id].Type === type && [resolveValue(template, { Ref: id }), resolveValue(template, { 'Fn::GetAtt': [id, 'Arn'] })].includes(value));
  const kmsOf = (id: string | undefined, prop: string) => {
    const key = id ? resolveValue(template, template.Resources[id].Properties?.[prop]) as string | undefined : undefined;
    return key && !key.startsWith('alias/aws/')
      ? [t('KMS key of the target', { iamAction: 'kms:GenerateDataKey', resources: [keyArn(key)] }), t('KMS key of the target', { iamAction: 'kms:Decrypt', resources: [keyArn(key)] })]
      : [];
  };
  switch (kind) {
    case 'StepFunctions':
      return [t('StartExecution', callTarget('sfn', 'startExecution', {
        stateMachineArn: `arn:${TEST_ENV.partition}:states:${TEST_ENV.region}:${TEST_ENV.account}:stateMachine:${action.StateMachineName}`,
      }))];
    case 'CloudwatchLogs': {
      const params = { logGroupName: action.LogGroupName, logStreamName: 'sample-stream' };
      return [t('CreateLogStream', callTarget('logs', 'createLogStream', params)), t('DescribeLogStreams', callTarget('logs', 'describeLogStreams', params)),
        t('PutLogEvents', callTarget('logs', 'putLogEvents', params))];
    }
    case 'CloudwatchMetric': return [t('PutMetricData', callTarget('cloudwatch', 'putMetricData', {}), { 'cloudwatch:namespace': action.MetricNamespace })];
    case 'CloudwatchAlarm': return [t('SetAlarmState', { iamAction: 'cloudwatch:SetAlarmState', resources: [`arn:${TEST_ENV.partition}:cloudwatch:${TEST_ENV.region}:${TEST_ENV.account}:alarm:${action.AlarmName}`] })];
    case 'DynamoDBv2': return [t('PutItem', callTarget('dynamodb', 'putItem', { tableName: action.PutItem.TableName }))];
    case 'DynamoDB': return [t('PutItem', callTarget('dynamodb', 'putItem', { tableName: action.TableName }))];
    case 'Sqs': {
      const target = callTarget('sqs', 'sendMessage', { queueUrl: action.QueueUrl });
      return [t('SendMessage', target), ...kmsOf(resourceBy('AWS::SQS::Queue', action.QueueUrl), 'KmsMasterKeyId')];
    }
    case 'Sns': return [t('Publish', callTarget('sns', 'publish', { targetArn: action.TargetArn })), ...kmsOf(resourceBy('AWS::SNS::Topic', action.TargetArn), 'KmsMasterKeyId')];
    case 'S3': return [t('PutObject', callTarget('s3', 'putObject', { bucket: action.BucketName, key: sample(action.Key) }))];
    case 'Republish': return [t('Publish', callTarget('iot-data', 'publish', { topic: sample(action.Topic) }))];
    case 'Firehose': return [t(action.BatchMode ? 'PutRecordBatch' : 'PutRecord', callTarget('firehose', action.BatchMode ? 'putRecordBatch' : 'putRecord', { deliveryStreamName: action.DeliveryStreamName }))];
    case 'Kinesis': return [t('PutRecord', callTarget('kinesis', 'putRecord', { streamName: action.StreamName }))];
    default: throw new Error(`no calls are listed for the topic rule action ${kind}: add them from AWS IoT's rule action documentation`);
  }
}

/** Whether a KMS key's own policy lets the role use it (a key policy naming the role needs no IAM grant). */
function keyPolicyAllows(template: CfnTemplate, roleId: string, action: string, key: string): boolean {
  const keyId = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::KMS::Key'
    && resolveValue(template, { 'Fn::GetAtt': [id, 'Arn'] }) === key);
  if (!keyId) return false;
  const roleArn = resolveValue(template, { 'Fn::GetAtt': [roleId, 'Arn'] });
  const doc = resolveValue(template, template.Resources[keyId].Properties?.KeyPolicy) as any;
  return ([] as any[]).concat(doc?.Statement ?? []).some((s) => s.Effect === 'Allow'
    && ([] as unknown[]).concat(s.Principal?.AWS ?? []).includes(roleArn)
    && ([] as string[]).concat(s.Action ?? []).some((a) => globMatch(a, action)));
}

interface RuleActionCase {
  readonly where: string;
  readonly environment?: string;
  readonly template: CfnTemplate;
  readonly ruleId: string;
  /** `Actions.<i>` or `ErrorAction`. */
  readonly path: string;
  readonly kind: string;
}

const ruleActionCases: RuleActionCase[] = synthesizedStacks().flatMap((s) => Object.entries(s.template.Resources)
  .filter(([, r]) => r.Type === 'AWS::IoT::TopicRule')
  .flatMap(([ruleId, r]) => {
    const payload = r.Properties.TopicRulePayload;
    const entries: [string, any][] = [...(payload.Actions ?? []).map((a: any, i: number) => [`Actions.${i}`, a] as [string, any]),
      ...(payload.ErrorAction ? [['ErrorAction', payload.ErrorAction] as [string, any]] : [])];
    return entries.flatMap(([p, a]) => Object.entries(a).filter(([, v]: [string, any]) => v?.RoleArn !== undefined)
      .map(([kind]) => ({ where: `${s.app} ${s.stack} ${ruleId} ${p} ${kind}`, environment: s.environment, template: s.template, ruleId, path: p, kind })));
  }));

describe('topic rule actions: the call each action makes is allowed by its role on what it touches', () => {
  test('the apps hold topic rule actions with roles', () => expect(ruleActionCases.length).toBeGreaterThan(10));

  test.each(ruleActionCases.map((c) => [c.where, c] as const))('%s', (_where, c) => withEnvironment(c.environment, () => {
    const payload = resolveValue(c.template, c.template.Resources[c.ruleId].Properties.TopicRulePayload) as any;
    const entry = c.path === 'ErrorAction' ? payload.ErrorAction : payload.Actions[Number(c.path.split('.')[1])];
    const roleId = roleOf(c.template, c.ruleId, `${c.path}.${c.kind}`);
    const policy = principalPolicy(c.template, roleId);
    const denied = ruleActionCalls(c.template, c.kind, entry[c.kind]).flatMap((x) => [x.target, ...(x.target.also ?? [])]
      .flatMap((t) => t.resources.filter((r) => !policy.isAllowed(t.iamAction, r, { 'aws:SourceAccount': TEST_ENV.account, ...x.context })
        && !(t.iamAction.startsWith('kms:') && keyPolicyAllows(c.template, roleId, t.iamAction, r)))
        .map((r) => `${x.call}: ${policy.explain(t.iamAction, r)}`)));
    expect(denied).toEqual([]);
  }));
});

// ---------------------------------------------------------------------------------------------
// AwsCustomResource calls (Custom::AWS): CDK's singleton function makes the call the template names

describe('AwsCustomResource calls: each Create, Update and Delete call is allowed by the provider function\'s role', () => {
  const cases = synthesizedStacks().flatMap((s) => Object.entries(s.template.Resources)
    .filter(([, r]) => r.Type === 'Custom::AWS')
    .map(([id]) => ({ where: `${s.app} ${s.stack} ${id}`, environment: s.environment, template: s.template, id })));

  // The apps may hold none (jest refuses an empty table).
  if (cases.length === 0) test('the apps hold no AwsCustomResource', () => expect(cases).toEqual([]));
  else test.each(cases.map((c) => [c.where, c] as const))('%s', (_where, c) => withEnvironment(c.environment, () => {
    const r = c.template.Resources[c.id];
    const token = resolveValue(c.template, r.Properties.ServiceToken);
    const fnId = Object.keys(c.template.Resources).find((f) => c.template.Resources[f].Type === 'AWS::Lambda::Function'
      && resolveValue(c.template, { 'Fn::GetAtt': [f, 'Arn'] }) === token);
    expect(fnId).toBeDefined();
    const policy = principalPolicy(c.template, roleOf(c.template, fnId!));
    const denied: string[] = [];
    for (const phase of ['Create', 'Update', 'Delete']) {
      const text = resolveValue(c.template, r.Properties[phase]) as string | undefined;
      if (!text) continue;
      const call = JSON.parse(text);
      denied.push(...refused(policy, callTarget(call.service, call.action, call.parameters ?? {})).map((why) => `${phase} ${call.service}.${call.action}: ${why}`));
    }
    expect(denied).toEqual([]);
  }));
});
