import { CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import * as ggv2 from 'aws-cdk-lib/aws-greengrassv2';
import { IoTGreengrassLocalMqttTls as TLS4 } from '../../../lib/checks/rules';
import { check, checkType, COMPLIANT, includeTemplate, newStack } from '../rule-test-helpers';

const TYPE = 'AWS::GreengrassV2::Deployment';
const GROUP = 'arn:aws:iot:eu-west-1:123456789012:thinggroup/gateways';
const EMQX = 'aws.greengrass.clientdevices.mqtt.EMQX';
const BRIDGE = 'aws.greengrass.clientdevices.mqtt.Bridge';

function deployment(stack: Stack, component: string, merge: string): ggv2.CfnDeployment {
  return new ggv2.CfnDeployment(stack, 'D', { targetArn: GROUP, components: { [component]: { componentVersion: '1.2.1', configurationUpdate: { merge } } } });
}

describe('TLS4 IoTGreengrassLocalMqttTls', () => {
  test.each([
    ['-p 1883:1883', ['PlainPort::1883']],
    ['--publish=0.0.0.0:11883:1883/tcp -p 8883:8883', ['PlainPort::1883']],
    ['-p1880-1890:1880-1890 -p 18083:18083', ['PlainPort::18083', 'PlainPort::1883']],
    ['--network host', [`HostNetwork::Components.${EMQX}.dockerOptions`]],
    ['--net=host -P', [`HostNetwork::Components.${EMQX}.dockerOptions`, `PublishAll::Components.${EMQX}.dockerOptions`]],
  ])('Noncompliance: EMQX dockerOptions %j (L1)', (dockerOptions, expected) => {
    expect(check(TLS4, deployment(newStack(), EMQX, JSON.stringify({ dockerOptions })))).toEqual(expected);
  });

  test('Noncompliance: the MQTT bridge to a plain broker on the network, in a plain template with Fn::If', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Conditions: { Lab: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } },
      Resources: {
        D: {
          Type: TYPE,
          Properties: {
            TargetArn: GROUP,
            Components: { [BRIDGE]: { ComponentVersion: '2.3.0', ConfigurationUpdate: { Merge: { 'Fn::If': ['Lab', '{"brokerUri":"tcp://user@10.1.2.3:1883"}', '{}'] } } } },
          },
        },
      },
    });
    expect(checkType(TLS4, stack, TYPE)).toEqual(['PlainBrokerUri::10.1.2.3']);
  });

  test('Compliance: TLS only (8883), the default bridge URI, a plain URI to the device itself', () => {
    for (const [component, merge] of [
      [EMQX, '{"dockerOptions":"-p 8883:8883 --memory 256m"}'],
      [EMQX, '{"emqx":{"listener.ssl.external":"443"}}'],
      [BRIDGE, '{"brokerUri":"ssl://localhost:8883"}'],
      [BRIDGE, '{"brokerUri":"tcp://127.0.0.1:1883"}'],
    ]) {
      expect(check(TLS4, deployment(newStack(), component, merge))).toEqual(COMPLIANT);
    }
  });

  test('options known only at deploy time are Unresolved', () => {
    const stack = newStack();
    new CfnParameter(stack, 'Options');
    expect(check(TLS4, deployment(stack, EMQX, Fn.sub('{"dockerOptions":"${Options}"}')))).toEqual([`Unresolved::Components.${EMQX}.dockerOptions`]);
  });
});
