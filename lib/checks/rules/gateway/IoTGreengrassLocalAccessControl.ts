import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { Findings, Unresolved } from '../../private/cfn-values';
import { literalTexts, member, members, parsedDocuments, scalar } from '../../private/documents';
import { Evaluated, Placeholders } from '../../private/intrinsics';
import { defineRule } from '../../rule-definition';
import { componentSpecs, configurationMerges, GREENGRASS_COMPONENT_VERSION, GREENGRASS_DEPLOYMENT } from '../../private/greengrass';

const STREAM_MANAGER = 'aws.greengrass.StreamManager';
const SETTING = 'STREAM_MANAGER_AUTHENTICATE_CLIENT';

/**
 * IPC services where every resource is more than one component should reach: every secret
 * synced to the core device, every AWS IoT Core topic its certificate may use (the component
 * then speaks to the cloud as the gateway), every shadow it manages, and the local management
 * interface (local deployments run components, as root if their recipe asks). Lower case.
 */
const SENSITIVE_SERVICES = new Set(['aws.greengrass.secretmanager', 'aws.greengrass.ipc.mqttproxy', 'aws.greengrass.shadowmanager', 'aws.greengrass.cli']);

/**
 * IoTSecurity-GW12: the core device's local services must keep their access control: stream
 * manager its client authentication, IPC its authorization policies.
 *
 * - `STREAM_MANAGER_AUTHENTICATE_CLIENT` `false` in the `aws.greengrass.StreamManager`
 *   configuration merge (boolean or string, any case) lets any process on the device use the
 *   Stream Manager SDK, not only Greengrass components: `ClientAuthDisabled::Components.aws.greengrass.StreamManager`
 *   (the default is `true`).
 * - IPC authorization policies (`accessControl`: service, policy ID, `operations`, `resources`),
 *   in a deployment's configuration merge of any component or in a recipe's
 *   `ComponentConfiguration.DefaultConfiguration` (`AWS::GreengrassV2::ComponentVersion`,
 *   `InlineRecipe` in JSON or YAML): operation `*` on any service,
 *   `IpcAllOperations::<service>.<policyId>`; resource `*` on Secret Manager, the MQTT proxy to
 *   AWS IoT Core, Shadow Manager or the Greengrass CLI, `IpcAllResources::<service>.<policyId>`.
 *   `*` on the local publish/subscribe service is not a finding: it reaches only local topics.
 *
 * `Unresolved::<path>` for a document or value known only at deploy time. A WARN: AWS documents
 * both for cases that need them (processes outside Greengrass, a component that bridges every
 * topic); acknowledge with that reason.
 */
export const IoTGreengrassLocalAccessControl = defineRule({
  id: 'GW12',
  practice: Practice.GATEWAYS_AND_IT,
  iotLens: ['IOTSEC04', 'IOTSEC08'],
  attackEnterprise: ['T1005', 'T1552', 'T1565'],
  attackIcs: ['T0856', 'T0832', 'T0859'],
  level: NagMessageLevel.WARN,
  info: 'The Greengrass core device\'s local services lose their access control: stream manager without client authentication, or an IPC '
    + 'policy granting every operation, or every secret, cloud topic, shadow or CLI resource.',
  explanation: 'Components share the gateway; its IPC policies and stream manager\'s client authentication are what keep one of them from '
    + 'using everything the core device holds. With them opened, one flawed or tampered component (or, for stream manager, any process '
    + 'on the device) reads every secret, forges device data or publishes to the cloud as the gateway.',
  fix: `Leave ${SETTING} at true; in accessControl list the operations each component uses and the resources it needs (named secrets, `
    + 'topics and shadows), with a policy per component.',
  resourceTypes: [GREENGRASS_DEPLOYMENT, GREENGRASS_COMPONENT_VERSION],
}, (node: CfnResource): NagRuleResult => {
  const findings = new Findings();
  if (node.cfnResourceType === GREENGRASS_COMPONENT_VERSION) {
    const recipe = resolvedProperties(node).InlineRecipe;
    if (recipe === undefined) return NagRuleCompliance.NOT_APPLICABLE;
    for (const { document, ph } of parsedDocuments(node, recipe, 'json-or-yaml', 'InlineRecipe', findings)) {
      const defaults = member(member(document, 'ComponentConfiguration'), 'DefaultConfiguration');
      judgeAccessControl(member(defaults, 'accessControl'), ph, 'ComponentConfiguration.DefaultConfiguration.accessControl', findings);
    }
    return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
  }
  for (const { document, ph, path } of configurationMerges(node, [STREAM_MANAGER], findings)) {
    const value = scalar(member(document, SETTING), ph);
    if (value instanceof Unresolved) findings.add('Unresolved', `${path}.${SETTING}`);
    else if (value?.trim().toLowerCase() === 'false') findings.add('ClientAuthDisabled', path);
  }
  const names = [...new Set(componentSpecs(node, new Findings()).map((c) => c.name))];
  for (const { document, ph, path } of configurationMerges(node, names, findings)) {
    judgeAccessControl(member(document, 'accessControl'), ph, `${path}.accessControl`, findings);
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});

function judgeAccessControl(accessControl: Evaluated | undefined, ph: Placeholders, path: string, findings: Findings): void {
  for (const [service, policies] of members(accessControl)) {
    for (const [policyId, policy] of members(policies)) {
      const name = `${service}.${policyId}`;
      const operations = literalTexts(member(policy, 'operations'), ph, findings, `${path}.${name}.operations`);
      const resources = literalTexts(member(policy, 'resources'), ph, findings, `${path}.${name}.resources`);
      if (operations.includes('*')) findings.add('IpcAllOperations', name);
      if (SENSITIVE_SERVICES.has(service.toLowerCase()) && resources.includes('*')) findings.add('IpcAllResources', name);
    }
  }
}
