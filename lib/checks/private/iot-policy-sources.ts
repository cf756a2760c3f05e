import { CfnResource, Stack } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { memoizeInPass, resolvedProperties } from './cfn';
import { possibleValues, referencedParameter, Unresolved } from './cfn-values';
import { eachReading, evaluate, Evaluated, field, isJsonObject, parseJson, Placeholders, provisioningDeviceParameters, Reading } from './intrinsics';
import {
  isAwsCustomResource, normalizeAction, normalizeService, POLICY_DOCUMENT_PROPERTY, propertyNamed,
} from './custom-resources';
import { StackModel } from './stack-model';
import { analyzeEvaluatedDocument, emptyFindings, mergeFindings, mergeReadings, PolicyFindings } from './iot-policy-analyzer';

/**
 * Where IoT policy documents come from:
 * - `AWS::IoT::Policy`: `PolicyDocument`, an object or a JSON string;
 * - a custom resource made by `AwsCustomResource` (`Custom::AWS`, or any `Custom::Xyz` type the
 *   user chose with `resourceType`): its `Create`/`Update` call of the IoT API's `CreatePolicy`
 *   or `CreatePolicyVersion`, whose `parameters.policyDocument` is the document, and of
 *   `CreateProvisioningTemplate`(`Version`), whose `parameters.templateBody` is read as below;
 * - a custom resource of any other provider with a `PolicyDocument` property (any casing:
 *   `policyDocument`, `policy_document`), an object or a JSON string, that reads as an IoT
 *   policy: no statement with a `Principal`, no action of a service other than IoT's or Greengrass's;
 * - `AWS::IoT::ProvisioningTemplate`: the `AWS::IoT::Policy` resources of its `TemplateBody`,
 *   where a `Ref` to a template parameter is a value of the device being provisioned;
 * - `AWS::IoT::CACertificate`: the just-in-time provisioning template of its
 *   `RegistrationConfig.TemplateBody`, read the same way.
 *
 * In a policy of the stack, a `Ref` to an `AWS::IoT::Thing` of the stack names that one device,
 * a `Ref` to another resource one fixed value, and a `Ref` to a stack parameter each of its
 * allowed values (unreadable without them). Each form a value can deploy in (both branches of an
 * `Fn::If`, each allowed value) is judged, and the findings of all of them reported together.
 *
 * The rules dispatch on `'*'`, because a custom resource may carry any `Custom::` type; every
 * other type is turned away by `isCandidate` with a string comparison.
 */

const POLICY = 'AWS::IoT::Policy';
const PROVISIONING_TEMPLATE = 'AWS::IoT::ProvisioningTemplate';
const CA_CERTIFICATE = 'AWS::IoT::CACertificate';
const THING = 'AWS::IoT::Thing';
const CUSTOM_RESOURCE = 'AWS::CloudFormation::CustomResource';
const CREATE_POLICY_ACTIONS = new Set(['createpolicy', 'createpolicyversion']);
const PROVISIONING_TEMPLATE_ACTIONS = new Set(['createprovisioningtemplate', 'createprovisioningtemplateversion']);
/** Where an `AwsCustomResource` writes its calls (older CDK: camel case). */
const CALL_KEYS = ['Create', 'Update', 'create', 'update'];

/** The resource types that may hold an IoT policy document. */
export function isCandidate(type: string): boolean {
  return type === POLICY || type === PROVISIONING_TEMPLATE || type === CA_CERTIFICATE || type.startsWith('Custom::')
    || type === CUSTOM_RESOURCE;
}

/** The IoT policy findings of one resource, or `undefined` if it holds no IoT policy. */
export function iotPolicyFindings(node: CfnResource): PolicyFindings | undefined {
  if (!isCandidate(node.cfnResourceType)) return undefined;
  return memoizeInPass('iot-policy-findings', node, () => {
    try {
      return findingsOf(node);
    } catch {
      // Rendering the resource itself failed (a token CDK cannot resolve): say so, do not crash.
      // Any other custom resource is most likely not an IoT policy at all.
      const mayHoldPolicy = node.cfnResourceType === POLICY || node.cfnResourceType === PROVISIONING_TEMPLATE
        || node.cfnResourceType === CA_CERTIFICATE || node.cfnResourceType === 'Custom::AWS';
      return mayHoldPolicy ? { ...emptyFindings(), unresolved: ['Unresolved::Properties'] } : undefined;
    }
  });
}

/**
 * A rule's result from one list of the resource's findings: not applicable when the resource
 * holds no IoT policy, compliant when the list is empty, else the finding IDs.
 */
export function iotPolicyRuleResult(node: CfnResource, pick: (findings: PolicyFindings) => readonly string[]): NagRuleResult {
  const findings = iotPolicyFindings(node);
  if (!findings) return NagRuleCompliance.NOT_APPLICABLE;
  const list = pick(findings);
  return list.length > 0 ? [...list] : NagRuleCompliance.COMPLIANT;
}

/**
 * The values of a stack parameter (see `cfn-values.possibleValues`): its allowed values, or one
 * `Unresolved` when it has none; `undefined` when `name` is not a parameter of the stack.
 */
function parameterValues(node: CfnResource, name: string): readonly (string | Unresolved)[] | undefined {
  const ref = { Ref: name };
  if (!referencedParameter(node, ref)) return undefined;
  return possibleValues(node, ref).map((v) => (typeof v === 'string' || v instanceof Unresolved ? v : new Unresolved(`Ref:${name}`)));
}

function findingsOf(node: CfnResource): PolicyFindings | undefined {
  const type = node.cfnResourceType;
  const props = resolvedProperties(node);
  const ph = new Placeholders();
  /** Every reading of one value of the resource, findings merged; `path` names it if it has too many. */
  const eachOf = (path: string, read: (reading: Reading) => PolicyFindings | undefined) =>
    mergeReadings(eachReading(read, (name) => parameterValues(node, name)), path);
  if (type === POLICY) {
    const deviceRefs = thingsOf(node);
    return eachOf('PolicyDocument', (reading) => analyzeEvaluatedDocument(
      evaluate(props.PolicyDocument, ph, 'cloudformation', reading), ph, { deviceRefs }));
  }
  if (type === PROVISIONING_TEMPLATE) return eachOf('TemplateBody', (reading) => provisioningTemplate(props.TemplateBody, ph, reading));
  if (type === CA_CERTIFICATE) {
    return eachOf('RegistrationConfig', (reading) => {
      const config = evaluate(props.RegistrationConfig, ph, 'cloudformation', reading);
      const body = isJsonObject(config) ? config.TemplateBody : undefined;
      return body === undefined ? undefined : provisioningTemplate(body, ph, reading);
    });
  }
  const knownProvider = isAwsCustomResource(type, props);
  const deviceRefs = thingsOf(node);
  let findings: PolicyFindings | undefined;
  for (const key of CALL_KEYS) {
    if (props[key] === undefined) continue;
    const path = key.charAt(0).toUpperCase() + key.slice(1);
    const more = eachOf(path, (reading) => customResourceCall(path, props[key], knownProvider, ph, reading, deviceRefs));
    if (!more) continue;
    findings ??= emptyFindings();
    mergeFindings(findings, more);
  }
  if (findings || knownProvider) return findings;
  // Another provider's custom resource: a property that says it is a policy document is one.
  const document = propertyNamed(props, POLICY_DOCUMENT_PROPERTY);
  if (!document) return undefined;
  return eachOf(document[0], (reading) => {
    const evaluated = evaluate(document[1], ph, 'cloudformation', reading);
    // An S3 bucket, KMS key or domain access policy carried by a custom resource is not ours to judge.
    if (!readsAsIotPolicy(evaluated, ph)) return undefined;
    return analyzeEvaluatedDocument(evaluated, ph, { documentPath: document[0], deviceRefs });
  });
}

/** The services whose actions an IoT policy grants: `iot:`, `iotjobsdata:`, `greengrass:`. */
const IOT_POLICY_SERVICE = /^(iot|iotjobsdata|greengrass)$/;

/**
 * Whether another provider's `PolicyDocument` reads as an IoT policy: no statement names a
 * `Principal` or `NotPrincipal` (an IoT policy is attached to a certificate, a resource policy
 * names who it lets in), and every action it names is `*` or of the IoT services. What the rule
 * cannot read (a document, a statement or an action known only at deploy) is kept as a policy,
 * so the analyzer says what it cannot read rather than passing it in silence.
 */
function readsAsIotPolicy(document: Evaluated | undefined, ph: Placeholders): boolean {
  const parsed = parsedObject(document);
  if (!parsed) return true;
  const statements = field(parsed, 'Statement');
  const list = Array.isArray(statements) ? statements : [statements];
  for (const statement of list) {
    if (!isJsonObject(statement)) continue;
    if (field(statement, 'Principal') !== undefined || field(statement, 'NotPrincipal') !== undefined) return false;
    for (const key of ['Action', 'NotAction']) {
      const actions = field(statement, key);
      for (const action of Array.isArray(actions) ? actions : [actions]) {
        const text = literalText(action, ph);
        if (text === undefined || text === '*') continue;
        const service = text.split(':')[0].toLowerCase();
        if (text.includes(':') && !IOT_POLICY_SERVICE.test(service) && !/[*?]/.test(service)) return false;
      }
    }
  }
  return true;
}

/**
 * The logical IDs of the things of the stack (a `Ref` to one is that thing's name) and, each after
 * `=`, the literal names they are given (`ThingName`, one value in every form): a policy that
 * writes the name out names that thing too (see `parseResource`).
 */
function thingsOf(node: CfnResource): ReadonlySet<string> {
  return memoizeInPass('iot-things', Stack.of(node), () => {
    const ids = new Set<string>();
    try {
      // Native things only: a `Ref` to a custom resource that creates a thing is its physical ID.
      for (const r of StackModel.of(node).resources()) {
        if (r.cfnResourceType !== THING) continue;
        ids.add(Stack.of(r).resolve(r.logicalId));
        const names = possibleValues(r, resolvedProperties(r).ThingName);
        if (names.length === 1 && typeof names[0] === 'string' && /^[A-Za-z0-9:_-]+$/.test(names[0])) ids.add(`=${names[0]}`);
      }
    } catch {
      // No things, then: every Ref stays a fixed value.
    }
    return ids;
  });
}

/** A rendered value read as an object, a JSON string parsed; `undefined` for anything else. */
function parsedObject(value: Evaluated | undefined): { [key: string]: Evaluated } | undefined {
  const v = typeof value === 'string' ? parseJson(value) : value;
  return isJsonObject(v) ? v : undefined;
}

function literalText(value: Evaluated | undefined, ph: Placeholders): string | undefined {
  return typeof value === 'string' && ph.isLiteral(value) ? value : undefined;
}

function provisioningTemplate(body: unknown, ph: Placeholders, reading: Reading): PolicyFindings | undefined {
  const rendered = evaluate(body, ph, 'cloudformation', reading);
  if (rendered === undefined) return undefined;
  const parsed = typeof rendered === 'string' ? parseJson(rendered) : rendered;
  // The template's own intrinsics are the provisioning service's, evaluated per device.
  const template = evaluate(parsed, ph, 'provisioning', reading, provisioningDeviceParameters(parsed));
  if (!isJsonObject(template)) return { ...emptyFindings(), unresolved: ['Unresolved::TemplateBody'] };
  const resources = field(template, 'Resources');
  if (resources === undefined) return undefined;
  if (!isJsonObject(resources)) return { ...emptyFindings(), unresolved: ['Unresolved::TemplateBody.Resources'] };
  let findings: PolicyFindings | undefined;
  for (const [name, resource] of Object.entries(resources)) {
    if (!isJsonObject(resource)) continue;
    const resourceType = field(resource, 'Type');
    const more = emptyFindings();
    if (literalText(resourceType, ph) === undefined) {
      more.unresolved.push(`Unresolved::${name}.Type`);
    } else if (resourceType === POLICY) {
      const properties = field(resource, 'Properties');
      const document = isJsonObject(properties) ? field(properties, 'PolicyDocument') : undefined;
      // A policy named by PolicyName alone is an existing policy, judged where it is defined.
      if (document === undefined) continue;
      mergeFindings(more, analyzeEvaluatedDocument(document, ph, {
        documentPath: `${name}.PolicyDocument`,
        statementPrefix: `${name}.`,
      }));
    } else {
      continue;
    }
    findings ??= emptyFindings();
    mergeFindings(findings, more);
  }
  return findings;
}

/**
 * The findings of one call (`Create` or `Update`) of a custom resource, if it creates an IoT
 * policy. `Custom::AWS` is AwsCustomResource's own type; any other custom type is one only if its
 * ServiceToken names the AwsCustomResource provider (`knownProvider`), or if its call has that
 * shape: an unreadable call of an unknown provider is most likely no IoT policy at all.
 */
function customResourceCall(
  key: string, value: unknown, knownProvider: boolean, ph: Placeholders, reading: Reading, deviceRefs: ReadonlySet<string>,
): PolicyFindings | undefined {
  const call = parsedObject(evaluate(value, ph, 'cloudformation', reading));
  const service = call && literalText(field(call, 'service'), ph);
  const action = call && literalText(field(call, 'action'), ph);
  if (!call || service === undefined || action === undefined) {
    return knownProvider ? { ...emptyFindings(), unresolved: [`Unresolved::${key}`] } : undefined;
  }
  if (normalizeService(service) !== 'iot') return undefined;
  const parameters = field(call, 'parameters');
  if (PROVISIONING_TEMPLATE_ACTIONS.has(normalizeAction(action))) {
    // The template's policies, judged as those of an AWS::IoT::ProvisioningTemplate.
    const body = isJsonObject(parameters) ? field(parameters, 'templateBody') : undefined;
    return body === undefined ? undefined : provisioningTemplate(body, ph, reading);
  }
  if (!CREATE_POLICY_ACTIONS.has(normalizeAction(action))) return undefined;
  const document = isJsonObject(parameters) ? field(parameters, 'policyDocument') : undefined;
  return analyzeEvaluatedDocument(document, ph, {
    documentPath: `${key}.parameters.policyDocument`,
    statementPrefix: `${key}.`,
    deviceRefs,
  });
}
