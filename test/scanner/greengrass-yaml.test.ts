import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scanTemplates } from '../../lib';

/**
 * Greengrass recipes and configuration merges are documents inside a template's strings: in a
 * YAML template they are block scalars, often under `!Sub`. The scanner must read them as the
 * pack does in a CDK app.
 */
const TEMPLATE = `
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  BrokerOptions:
    Type: String
    AllowedValues: ['-p 8883:8883', '-p 8883:8883 -p 1883:1883']
Resources:
  Collector:
    Type: AWS::GreengrassV2::ComponentVersion
    Properties:
      InlineRecipe: |
        RecipeFormatVersion: "2020-01-25"
        ComponentName: com.example.Collector
        ComponentVersion: "1.0.0"
        Manifests:
          - Platform:
              os: linux
            Lifecycle:
              Install: curl -fsSL http://get.example.com/collector.sh | sh
              Run:
                RequiresPrivilege: true
                Script: ./collector
  Gateways:
    Type: AWS::GreengrassV2::Deployment
    Properties:
      TargetArn: !Sub arn:\${AWS::Partition}:iot:\${AWS::Region}:\${AWS::AccountId}:thing/gateway-1
      Components:
        aws.greengrass.clientdevices.mqtt.EMQX:
          ComponentVersion: 1.2.1
          ConfigurationUpdate:
            Merge: !Sub '{"dockerOptions": "\${BrokerOptions}"}'
        aws.greengrass.Nucleus:
          ComponentVersion: 2.14.0
          ConfigurationUpdate:
            Merge: |
              {"runWithDefault": {"posixUser": "root:root"}}
`;

test('a YAML template: a YAML recipe in a block scalar, merges in block scalars and !Sub with a parameter', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-gg-'));
  try {
    const file = path.join(dir, 'greengrass.yaml');
    fs.writeFileSync(file, TEMPLATE);
    const ids = scanTemplates([file]).findings.map((f) => `${f.resource} ${f.findingId}`)
      .filter((id) => /-(GW9|GW10|GW11|GW12|TLS3|TLS4|UPD5|UPD6|UPD7)\b/.test(id));
    expect(ids.sort()).toEqual([
      'Collector IoTSecurity-GW11[RequiresPrivilege::Manifests.0.Lifecycle.Run]',
      'Collector IoTSecurity-TLS3[PlainHttp::get.example.com]',
      'Gateways IoTSecurity-GW10[RootDefaultUser::Components.aws.greengrass.Nucleus.runWithDefault.posixUser]',
      'Gateways IoTSecurity-TLS4[PlainPort::1883]',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
