import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scanTemplates } from '../../lib';

/**
 * The certificate and continuity rules read resource attributes and PEM blocks, which a template
 * file carries in shapes of its own: YAML block scalars and short tags, DeletionPolicy beside Properties.
 */
const pem = (name: string) => fs.readFileSync(path.join(__dirname, '..', 'checks', 'fixtures', `${name}.pem`), 'utf8');
const indent = (text: string, by: string) => text.trim().split('\n').map((l) => by + l).join('\n');

test('YAML: a weak certificate in a block scalar, tables kept or deleted with the stack, a shared certificate by !GetAtt and !Sub', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-certs-'));
  const file = path.join(dir, 'template.yaml');
  fs.writeFileSync(file, `
Resources:
  Weak:
    Type: AWS::IoT::Certificate
    Properties:
      Status: ACTIVE
      CertificatePem: |
${indent(pem('device-rsa1024'), '        ')}
  AttachA:
    Type: AWS::IoT::ThingPrincipalAttachment
    Properties:
      Principal: !GetAtt Weak.Arn
      ThingName: sensor-1
      ThingPrincipalType: EXCLUSIVE_THING
  AttachB:
    Type: AWS::IoT::ThingPrincipalAttachment
    Properties:
      Principal: !Sub 'arn:\${AWS::Partition}:iot:\${AWS::Region}:\${AWS::AccountId}:cert/\${Weak}'
      ThingName: sensor-2
      ThingPrincipalType: EXCLUSIVE_THING
  Kept:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      KeySchema: [{ AttributeName: id, KeyType: HASH }]
      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }
  Dropped:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{ AttributeName: id, KeyType: HASH }]
      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }
  Rule:
    Type: AWS::IoT::TopicRule
    Properties:
      TopicRulePayload:
        Sql: SELECT * FROM 'd/+/t'
        Actions:
          - DynamoDBv2: { RoleArn: 'arn:aws:iam::111111111111:role/r', PutItem: { TableName: !Ref Kept } }
          - DynamoDBv2: { RoleArn: 'arn:aws:iam::111111111111:role/r', PutItem: { TableName: !Ref Dropped } }
`);
  try {
    const found = scanTemplates([file]).findings.map((f) => `${f.resource} ${f.findingId}`)
      .filter((f) => /ID15|ID20|BC1/.test(f)).sort();
    expect(found).toEqual([
      'AttachA IoTSecurity-ID20[SharedCertificate::Weak]',
      'AttachB IoTSecurity-ID20[SharedCertificate::Weak]',
      'Dropped IoTSecurity-BC1[Unrecoverable::DeletionPolicy+UpdateReplacePolicy]',
      'Weak IoTSecurity-ID15[RsaKeyBits::1024]',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
