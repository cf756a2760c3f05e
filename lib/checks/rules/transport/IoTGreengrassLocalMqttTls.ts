import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { Findings, Unresolved } from '../../private/cfn-values';
import { member, scalar } from '../../private/documents';
import { defineRule } from '../../rule-definition';
import { configurationMerges, GREENGRASS_DEPLOYMENT } from '../../private/greengrass';

const EMQX = 'aws.greengrass.clientdevices.mqtt.EMQX';
const BRIDGE = 'aws.greengrass.clientdevices.mqtt.Bridge';

/**
 * The EMQX container's listeners without TLS: MQTT over TCP (1883), MQTT over WebSocket (8083)
 * and the HTTP dashboard (18083). The Greengrass component publishes only 8883 (MQTT over TLS).
 */
const PLAIN_CONTAINER_PORTS = [1883, 8083, 18083];
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;

/**
 * IoTSecurity-TLS4: a Greengrass deployment should not open or use the core device's local MQTT
 * broker without TLS.
 *
 * - `aws.greengrass.clientdevices.mqtt.EMQX`: `dockerOptions` that publish one of the EMQX
 *   container's plain listeners (`-p`/`--publish` of container port 1883, 8083 or 18083, or a
 *   range holding one): `PlainPort::<port>`; that publish every exposed port (`-P`,
 *   `--publish-all`): `PublishAll::<component>.dockerOptions`; or that share the host's network
 *   (`--network host`, `--net=host`), putting every listener of the container on the device's
 *   interfaces: `HostNetwork::<component>.dockerOptions`.
 * - `aws.greengrass.clientdevices.mqtt.Bridge`: a `brokerUri` with a scheme without TLS (`tcp://`,
 *   `mqtt://`, `ws://`) to a host other than the device itself: `PlainBrokerUri::<host>`.
 *
 * `Unresolved::<path>` for a merge document or value known only at deploy time. A plain listener
 * that `mergeConfigurationFiles` moves to another container port is not followed. A WARN: a plain
 * listener only reachable on an isolated network may be a reviewed choice, to acknowledge with
 * that reason.
 */
export const IoTGreengrassLocalMqttTls = defineRule({
  id: 'TLS4',
  practice: Practice.DATA_IN_TRANSIT,
  iotLens: ['IOTSEC07', 'IOTSEC10'],
  attackEnterprise: ['T1040', 'T1557'],
  attackIcs: ['T0842', 'T0830'],
  level: NagMessageLevel.WARN,
  info: 'The Greengrass deployment opens or uses the core device\'s local MQTT broker without TLS.',
  explanation: 'Client devices and the MQTT bridge reach the local broker over the site network. Without TLS, anyone on that network reads '
    + 'the messages, replays or forges commands, and, without the client certificate that mutual TLS asks for, connects without proving '
    + 'which device it is.',
  fix: 'Publish only the TLS listener of the EMQX broker (8883, the component\'s default), without host networking, and give the MQTT '
    + 'bridge an ssl:// broker URI (ssl://localhost:8883 by default).',
  resourceTypes: [GREENGRASS_DEPLOYMENT],
}, (node: CfnResource): NagRuleResult => {
  const findings = new Findings();
  for (const { document, ph, path } of configurationMerges(node, [EMQX], findings)) {
    const options = scalar(member(document, 'dockerOptions'), ph);
    if (options instanceof Unresolved) findings.add('Unresolved', `${path}.dockerOptions`);
    else if (options !== undefined) judgeDockerOptions(options, `${path}.dockerOptions`, findings);
  }
  for (const { document, ph, path } of configurationMerges(node, [BRIDGE], findings)) {
    const uri = scalar(member(document, 'brokerUri'), ph);
    if (uri instanceof Unresolved) {
      findings.add('Unresolved', `${path}.brokerUri`);
      continue;
    }
    const m = uri === undefined ? null : /^\s*(tcp|mqtt|ws):\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/\s]*)/i.exec(uri);
    if (m && !LOOPBACK.test(m[2])) findings.add('PlainBrokerUri', m[2]);
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});

/** Judges a Docker command line's port publishing and network mode. */
function judgeDockerOptions(options: string, path: string, findings: Findings): void {
  const tokens = options.split(/\s+/).filter((t) => t !== '').map((t) => t.replace(/^["']|["']$/g, ''));
  tokens.forEach((token, i) => {
    const [flag, inline] = token.includes('=') ? [token.slice(0, token.indexOf('=')), token.slice(token.indexOf('=') + 1)] : [token, undefined];
    const value = inline ?? tokens[i + 1];
    if (flag === '-P' || flag === '--publish-all') findings.add('PublishAll', path);
    else if ((flag === '--network' || flag === '--net') && value?.toLowerCase() === 'host') findings.add('HostNetwork', path);
    else if (flag === '-p' || flag === '--publish') judgePublished(value, findings);
    else if (/^-p\S/.test(token)) judgePublished(token.slice(2), findings);
  });
}

/** `[ip:][hostPort:]containerPort[/protocol]`, ports or ranges (`1880-1890`). */
function judgePublished(spec: string | undefined, findings: Findings): void {
  if (spec === undefined) return;
  const container = spec.split('/')[0].split(':').pop() ?? '';
  const m = /^(\d+)(?:-(\d+))?$/.exec(container);
  if (!m) return;
  const [low, high] = [Number(m[1]), Number(m[2] ?? m[1])];
  for (const port of PLAIN_CONTAINER_PORTS) if (port >= low && port <= high) findings.add('PlainPort', String(port));
}
