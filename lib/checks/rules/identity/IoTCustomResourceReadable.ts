import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { Findings, isObject, Unresolved } from '../../private/cfn-values';
import {
  isCustomResourceType, POLICY_DOCUMENT_PROPERTY, propertyNamed, ROLE_ALIAS_PROPERTY, ROLE_ARN_PROPERTY, UNREADABLE,
} from '../../private/custom-resources';
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
 */
export const IoTCustomResourceReadable = defineRule({
  id: 'ID13',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC04', 'IOTSEC14'],
  attackEnterprise: ['T1078', 'T1098'],
  attackIcs: ['T0859'],
  level: NagMessageLevel.WARN,
  info: 'A custom resource sets AWS IoT, SSM or Secrets Manager state the pack cannot read, so no rule judged it.',
  explanation:
    'A custom resource makes the API call CloudFormation has no resource for: a policy, a principal attachment, a role alias, '
    + 'logging or audit settings. What it does is as much a part of the deployment as a native resource, but a call computed '
    + 'at deploy time, or a property the pack does not know, cannot be checked at synth and could grant or switch off anything.',
  fix:
    'Write the call in the template: AwsCustomResource with a literal service and action and its parameters as an object '
    + '(tokens inside are fine); for another provider, a PolicyDocument object or JSON string and a RoleArn beside the role '
    + 'alias. Otherwise review what the resource does and acknowledge this finding with the reason.',
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
    if (propertyNamed(props, ROLE_ALIAS_PROPERTY) && !propertyNamed(props, ROLE_ARN_PROPERTY)) findings.add('Unreadable', 'RoleArn');
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});

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
