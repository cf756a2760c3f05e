import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { Findings, Unresolved } from '../../private/cfn-values';
import { literalTexts, member, members, scalar } from '../../private/documents';
import { Placeholders, Evaluated } from '../../private/intrinsics';
import { defineRule } from '../../rule-definition';
import { configurationMerges, GREENGRASS_DEPLOYMENT } from '../../private/greengrass';

const CLIENT_DEVICE_AUTH = 'aws.greengrass.clientdevices.Auth';
/** The EMQX broker component, whose Greengrass auth plugin can be bypassed. */
export const EMQX = 'aws.greengrass.clientdevices.mqtt.EMQX';
/** The EMQX configuration file of the Greengrass auth plugin, and the modes that let other providers decide. */
const EMQX_AUTH_FILE = 'etc/plugins/aws_greengrass_emqx_auth.conf';
const BYPASS_MODES = new Set(['bypass', 'bypass_on_failure']);

/** Operations that reach topics: publishing and subscribing. */
const TOPIC_OPERATIONS = new Set(['mqtt:publish', 'mqtt:subscribe']);

/** A wildcard operation: `*`, or every operation of a service (`mqtt:*`, `shadow:*`). */
function isWildcardOperation(operation: string): boolean {
  return operation === '*' || operation.endsWith(':*');
}

/**
 * A resource that covers every topic: `*`, a topic or topic filter that is only a wildcard
 * (`mqtt:topic:*`, `mqtt:topicfilter:#`, `mqtt:topicfilter:*`), or a filter made only of `+`
 * levels and a final `#` (`+/#`, `+/+/#`), which matches every topic but the shortest ones.
 */
function coversEveryTopic(resource: string): boolean {
  if (resource === '*') return true;
  const m = /^mqtt:(topic|topicfilter):(.*)$/i.exec(resource);
  if (!m) return false;
  const topic = m[2].trim();
  return topic === '*' || topic === '#' || /^(\+\/)*#$/.test(topic);
}

/**
 * IoTSecurity-GW9: the authorization policies that a Greengrass deployment gives client devices
 * (the `deviceGroups.policies` of the `aws.greengrass.clientdevices.Auth` configuration) must not
 * allow every operation, nor publishing or subscribing on every topic; and the EMQX broker must
 * not bypass them.
 *
 * The local MQTT broker of a core device (Moquette, EMQX, a custom broker) authorizes client
 * devices only by these policies, which are not AWS IoT policies: no other rule of the pack reads
 * them. Findings, per policy statement (`<policy>.<statement>` as named in the configuration):
 * `AllOperations::<policy>.<statement>` for operation `*` or `<service>:*`;
 * `AllTopics::<policy>.<statement>` for `mqtt:publish`, `mqtt:subscribe` or a wildcard operation
 * on `*`, `mqtt:topic:*`, `mqtt:topicfilter:#` or a filter of `+` levels ending in `#`;
 * `AuthBypass::Components.aws.greengrass.clientdevices.mqtt.EMQX` when the EMQX component's
 * `mergeConfigurationFiles` or `replaceConfigurationFiles` set `auth_mode` of
 * `etc/plugins/aws_greengrass_emqx_auth.conf` to `bypass` or `bypass_on_failure`: EMQX's own
 * provider chain (which allows anonymous clients unless configured otherwise) then decides, not
 * client device auth; `Unresolved::<path>` for a merge document, operation, resource or auth
 * file known only at deploy time. `mqtt:connect` on `*` is not a finding: it is the documented way to let a group's devices
 * connect, and which client IDs they may use is a matter for the broker's selection rules.
 * Every branch of an `Fn::If` and every allowed value of a parameter is judged.
 */
export const IoTGreengrassClientDevicePolicy = defineRule({
  id: 'GW9',
  practice: Practice.GATEWAYS_AND_IT,
  iotLens: ['IOTSEC01', 'IOTSEC04'],
  attackEnterprise: ['T1078', 'T1565', 'T1040'],
  attackIcs: ['T0859', 'T0855', 'T0856'],
  level: NagMessageLevel.ERROR,
  info: 'The Greengrass deployment lets client devices perform every operation, or publish or subscribe on every topic, of the core device\'s local MQTT broker, or lets the broker bypass client device auth.',
  explanation: 'Client devices reach the core device\'s local broker with their own certificates, and the client device auth component '
    + 'authorizes them only by these policies. A policy with a wildcard operation or every topic lets one compromised client device read '
    + 'every other device\'s messages and publish commands to every component and device that listens on the core device.',
  fix: 'In the aws.greengrass.clientdevices.Auth configuration, give each statement only the operations the group needs (mqtt:connect, '
    + 'mqtt:publish, mqtt:subscribe) and name its topics (mqtt:topic:<topic>, mqtt:topicfilter:<filter>), scoped per device with '
    + '${iot:Connection.Thing.ThingName} where the component version supports policy variables; leave auth_mode of the EMQX Greengrass auth '
    + 'plugin at enabled.',
  resourceTypes: [GREENGRASS_DEPLOYMENT],
}, (node: CfnResource): NagRuleResult => {
  const findings = new Findings();
  for (const { document, ph, path } of configurationMerges(node, [EMQX], findings)) {
    for (const key of ['mergeConfigurationFiles', 'replaceConfigurationFiles']) {
      const content = scalar(member(member(document, key), EMQX_AUTH_FILE), ph);
      const mode = typeof content === 'string' ? /^\s*auth_mode\s*=\s*"?([A-Za-z_]+)/im.exec(content)?.[1] : undefined;
      if (content instanceof Unresolved) findings.add('Unresolved', `${path}.${key}`);
      else if (mode !== undefined && BYPASS_MODES.has(mode.toLowerCase())) findings.add('AuthBypass', path);
    }
  }
  for (const { document, ph, path } of configurationMerges(node, [CLIENT_DEVICE_AUTH], findings)) {
    const policies = member(member(document, 'deviceGroups'), 'policies');
    for (const [policyName, policy] of members(policies)) {
      for (const [statementName, statement] of members(policy)) {
        judgeStatement(statement, ph, `${policyName}.${statementName}`, `${path}.deviceGroups.policies`, findings);
      }
    }
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});

function judgeStatement(statement: Evaluated, ph: Placeholders, name: string, path: string, findings: Findings): void {
  const operations = literalTexts(member(statement, 'operations'), ph, findings, `${path}.${name}.operations`).map((o) => o.toLowerCase());
  const resources = literalTexts(member(statement, 'resources'), ph, findings, `${path}.${name}.resources`);
  if (operations.some(isWildcardOperation)) findings.add('AllOperations', name);
  const reachesTopics = operations.some((o) => TOPIC_OPERATIONS.has(o) || isWildcardOperation(o));
  if (reachesTopics && resources.some(coversEveryTopic)) findings.add('AllTopics', name);
}
