import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iot from 'aws-cdk-lib/aws-iot';
import { DeviceCaCertificate, DeviceCertificateAuthority, DevicePolicy, FleetProvisioning } from '../../lib';
import { callTarget, CallTarget, IamPolicy, principalPolicy, resolveValue, roleOf, TEST_ENV, withEnvironment } from './iam';
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
function refused(policy: IamPolicy, target: CallTarget): string[] {
  return [target, ...(target.also ?? [])].flatMap((t) => t.resources
    .filter((r) => !policy.isAllowed(t.iamAction, r))
    .map((r) => policy.explain(t.iamAction, r)));
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


