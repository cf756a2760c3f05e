import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { Findings, isObject, Unresolved } from '../../private/cfn-values';
import {
  isCustomResourceType, POLICY_DOCUMENT_PROPERTY, propertyNamed, ROLE_ALIAS_PROPERTY, ROLE_ARN_PROPERTY, UNREADABLE,
} from '../../private/custom-resources';
import { keyFlows, readProvider } from '../../private/custom-resource-providers';
import { eachReading, evaluate, parseJson, Placeholders } from '../../private/intrinsics';
import { nativeViewOf, StackModel } from '../../private/stack-model';
import { defineRule } from '../../rule-definition';

/**
 * IoTSecurity-ID13: what a custom resource does to AWS IoT, SSM or Secrets Manager can be read.
 *
 * The pack judges a custom resource as the native resource it stands for (see RULES.md): an
 * `AwsCustomResource` call by its service, action and parameters, another provider's resource
 * by a `PolicyDocument` (an IoT policy) or a role alias with its `RoleArn`. Where that cannot be
 * read, no rule can judge it, and this rule says exactly what could not be read:
 * - `Unreadable::Create` / `Unreadable::Update`: an `AwsCustomResource` call that is not a
 *   readable `{ service, action, parameters }` (an import, malformed JSON, a service or action
 *   computed at deploy);
 * - `Unreadable::Create.parameters`: the parameters of a call the pack judges are not an object;
 * - `Unreadable::PolicyDocument` (as the property is spelled): another provider's policy document
 *   that is neither an object nor a JSON string of one;
 * - `Unreadable::RoleArn`: another provider's role alias whose role is given under no property
 *   the pack reads (`RoleArn` in any casing);
 * - `Unreadable::Properties`: properties CDK cannot render.
 *
 * A custom resource of any other provider that the pack cannot read as a native resource (no
 * role alias or policy document in it) is a provider's own API, which no rule can judge; when it
 * touches AWS IoT the rule says so, once, naming the strongest evidence (see
 * `custom-resource-providers.ts` for how each is read):
 * - `Unreadable::Provider[creates-keys]`: the provider may create device keys (its role may call
 *   `iot:CreateKeysAndCertificate` or `iot:CreateProvisioningClaim` and its code is not in the
 *   template, or is but shows no such call while the role grants one by name, or its inline code
 *   calls them and writes nowhere the pack recognizes), and the pack
 *   cannot tell where the private key goes. (Where it can, a plain-text place is ID11's.) This one
 *   applies to every custom resource of another provider, native view or not. No spaces: an
 *   acknowledgment ID has its spaces turned into `-` by aws-cdk-lib, so it could never match;
 * - `Unreadable::Provider[code]`: the provider's inline code (`Code.ZipFile`, SAM `InlineCode`)
 *   calls an AWS IoT service;
 * - `Unreadable::Provider[role]`: the provider's role may call AWS IoT actions;
 * - `Unreadable::Provider[inputs]`: the resource's properties touch AWS IoT (an IoT name, ARN,
 *   action, endpoint or reserved topic, a reference to an IoT resource or an IoT-named parameter),
 *   whatever the provider is, a function of the stack or one outside it.
 * The provider is the `ServiceToken`'s function, through CDK's Provider framework to the user's
 * handlers; `AwsCustomResource` is read call by call above and never gets these. A custom resource
 * that touches nothing of IoT, by its inputs, its provider's role or its code, is left alone, and
 * so is one whose provider is outside the stack and whose inputs touch nothing of IoT: the pack
 * cannot see such a provider at all.
 * CloudFormation sends the properties to the provider and returns the provider's `Data` to
 * `Fn::GetAtt` (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html).
 */
export const IoTCustomResourceReadable = defineRule({
  id: 'ID13',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC04', 'IOTSEC14'],
  attackEnterprise: ['T1078', 'T1098'],
  attackIcs: ['T0859'],
  level: NagMessageLevel.WARN,
  info: 'A custom resource sets AWS IoT, SSM or Secrets Manager state, or its provider touches AWS IoT, in a way the pack cannot read, so no rule judged it (also: resources brought in by the deprecated core CfnInclude, `Unreadable::CfnInclude`).',
  explanation:
    'A custom resource makes the API call CloudFormation has no resource for: a policy, a principal attachment, a role alias, '
    + 'logging or audit settings. What it does is as much a part of the deployment as a native resource, but a call computed '
    + 'at deploy time, a property the pack does not know, or a home-made provider whose code or role reaches AWS IoT cannot be '
    + 'checked at synth and could grant, switch off or hand out anything (a provider that creates device keys decides alone '
    + 'where the private key goes).',
  fix:
    'Write the call in the template: AwsCustomResource with a literal service and action and its parameters as an object '
    + '(tokens inside are fine); for another provider, a PolicyDocument object or JSON string and a RoleArn beside the role '
    + 'alias; prefer native resources or AwsCustomResource to a home-made provider. A provider that creates keys should put the '
    + 'private key in Secrets Manager and return its ARN. Otherwise review what the resource and its provider do and acknowledge '
    + 'this finding with the reason. Bring a template in with `aws-cdk-lib/cloudformation-include`\'s `CfnInclude`, whose resources '
    + 'the pack reads, not the deprecated `CfnInclude` of `aws-cdk-lib` (or scan the template with `cdk-secure-iot scan`).',
  resourceTypes: ['*'],
}, (node: CfnResource): NagRuleResult => {
  if (!isCustomResourceType(node.cfnResourceType)) return NagRuleCompliance.NOT_APPLICABLE;
  const findings = new Findings();
  const reading = StackModel.of(node).customResource(node);
  reading.unreadable.forEach((u) => findings.add('Unreadable', u.key));
  for (const view of reading.views) {
    const native = nativeViewOf(view);
    if (native?.call && UNREADABLE in resolvedProperties(view)) findings.add('Unreadable', `${native.source}.parameters`);
  }
  if (!reading.awsCustomResource && reading.calls.length === 0) {
    let props: { [key: string]: unknown };
    try {
      props = resolvedProperties(node);
    } catch {
      return ['Unreadable::Properties'];
    }
    const document = propertyNamed(props, POLICY_DOCUMENT_PROPERTY);
    if (document && !readableDocument(document[1])) findings.add('Unreadable', document[0]);
    const alias = propertyNamed(props, ROLE_ALIAS_PROPERTY);
    if (alias && !propertyNamed(props, ROLE_ARN_PROPERTY)) findings.add('Unreadable', 'RoleArn');
    // A role alias or a policy document is read as the native resource (what of it cannot be is said above).
    const provider = providerFinding(node, reading.views.length > 0 || document !== undefined || alias !== undefined);
    if (provider !== undefined) findings.add('Unreadable', `Provider[${provider}]`);
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});

/**
 * What `Unreadable::Provider[...]` says of a custom resource of another provider (see the rule's
 * comment), or `undefined` when it touches nothing of IoT. `readAsNative`: its properties are read
 * as a native resource (a role alias, a policy document), so only key creation is left to say.
 */
function providerFinding(node: CfnResource, readAsNative: boolean): string | undefined {
  const provider = readProvider(node);
  if (keyFlows(provider).unknown) return 'creates-keys';
  if (readAsNative) return undefined;
  if (provider.functions.some((f) => f.codeCallsIot)) return 'code';
  if (provider.functions.some((f) => f.roleCallsIot)) return 'role';
  return provider.iotInput !== undefined ? 'inputs' : undefined;
}

/** Whether a policy document is an object, or a string that parses as one (tokens inside strings are fine). */
function readableDocument(value: unknown): boolean {
  const ph = new Placeholders();
  return eachReading((reading) => {
    const rendered = evaluate(value, ph, 'cloudformation', reading);
    if (rendered instanceof Unresolved) return false;
    const parsed = typeof rendered === 'string' ? parseJson(rendered) : rendered;
    return isObject(parsed) && !(parsed instanceof Unresolved);
  }).results.every((ok) => ok);
}
