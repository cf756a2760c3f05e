import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ScanFinding, scanTemplates } from '../../lib';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-secrets-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function scan(lines: string[]): string[] {
  const file = path.join(dir, 'template.yaml');
  fs.writeFileSync(file, lines.join('\n'));
  return scanTemplates([file]).findings
    .filter((f: ScanFinding) => /IoTSecurity-ID1[01]\b/.test(f.ruleId))
    .map((f: ScanFinding) => `${f.resource} ${f.findingId}`)
    .sort();
}

const HEADER = [
  'AWSTemplateFormatVersion: "2010-09-09"',
  'Transform: AWS::Serverless-2016-10-31',
  'Parameters:',
  '  Env: { Type: String }',
  '  BrokerPassword: { Type: String, NoEcho: true, Default: changeme }',
  '  NoDefault: { Type: String, NoEcho: true }',
  'Resources:',
  '  Keys:',
  '    Type: Custom::DeviceKeys',
  '    Properties: { ServiceToken: !Sub "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:keys" }',
];

describe('secrets in a YAML template with short tags, through the scanner', () => {
  test('ID10 in !Base64 !Sub user data, a !Join connection string, an SSM name built with !Sub, a JSON recipe; ID11 through !GetAtt and ${X.PrivateKey}', () => {
    expect(scan([
      ...HEADER,
      '  Gateway:',
      '    Type: AWS::EC2::Instance',
      '    Properties:',
      '      ImageId: ami-12345678',
      '      UserData:',
      '        Fn::Base64: !Sub |',
      '          #!/bin/bash',
      '          export MQTT_PASSWD=${BrokerPassword}',
      '          echo "${Keys.PrivateKey}" > /greengrass/device.key',
      '  Bridge:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      Handler: index.handler',
      '      Runtime: nodejs22.x',
      '      InlineCode: x',
      '      Environment:',
      '        Variables:',
      '          DB_URL: !Join [";", ["Server=db", "User Id=iot", "Password=hunter2"]]',
      '          DEVICE_KEY: !GetAtt Keys.PrivateKey',
      '  Param:',
      '    Type: AWS::SSM::Parameter',
      '    Properties: { Type: String, Name: !Sub "/iot/${Env}/broker/password", Value: hunter2 }',
      '  Recipe:',
      '    Type: AWS::GreengrassV2::ComponentVersion',
      '    Properties:',
      '      InlineRecipe: \'{"ComponentConfiguration": {"DefaultConfiguration": {"mqttPass": "hunter2"}}}\'',
      'Outputs:',
      '  Key: { Value: !GetAtt [Keys, PrivateKey] }',
    ])).toEqual([
      'Bridge IoTSecurity-ID10[LiteralSecret::Environment.Variables.DB_URL[Password]]',
      'Gateway IoTSecurity-ID10[LiteralSecret::UserData[MQTT_PASSWD]]',
      'Keys IoTSecurity-ID11[Flow::PrivateKey->LambdaEnvironment:Bridge]',
      'Keys IoTSecurity-ID11[Flow::PrivateKey->Output:Key]',
      'Keys IoTSecurity-ID11[Flow::PrivateKey->UserData:Gateway]',
      'Param IoTSecurity-ID10[LiteralSecret::Value]',
      'Recipe IoTSecurity-ID10[LiteralSecret::InlineRecipe.ComponentConfiguration.DefaultConfiguration.mqttPass]',
    ]);
  });

  test('the compliant twin: parameters without default, dynamic references, the certificate instead of the key, secrets by ARN', () => {
    expect(scan([
      ...HEADER,
      '  Gateway:',
      '    Type: AWS::EC2::Instance',
      '    Properties:',
      '      ImageId: ami-12345678',
      '      UserData:',
      '        Fn::Base64: !Sub |',
      '          #!/bin/bash',
      '          export MQTT_PASSWD=${NoDefault}',
      '          echo "${Keys.CertificatePem}" > /greengrass/device.pem',
      '          aws secretsmanager get-secret-value --secret-id ${Keys.PrivateKeySecretArn} > /greengrass/device.key',
      '  Bridge:',
      '    Type: AWS::Serverless::Function',
      '    Properties:',
      '      Handler: index.handler',
      '      Runtime: nodejs22.x',
      '      InlineCode: x',
      '      Environment:',
      '        Variables:',
      '          DB_URL: !Join [";", ["Server=db", "User Id=iot", !Sub "Password=${NoDefault}"]]',
      '          DEVICE_KEY_SECRET_ARN: !GetAtt Keys.PrivateKeySecretArn',
      '  Param:',
      '    Type: AWS::SSM::Parameter',
      '    Properties: { Type: String, Name: !Sub "/iot/${Env}/broker/host", Value: broker.example.com }',
      '  Recipe:',
      '    Type: AWS::GreengrassV2::ComponentVersion',
      '    Properties:',
      '      InlineRecipe: \'{"ComponentConfiguration": {"DefaultConfiguration": {"mqttPassSecretArn": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:x", "port": 8883}}}\'',
      'Outputs:',
      '  Cert: { Value: !GetAtt [Keys, CertificateArn] }',
    ])).toEqual([]);
  });
});
