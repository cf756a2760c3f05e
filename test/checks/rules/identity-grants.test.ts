import { Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { iamActionsOf } from '../../../lib/checks/private/iam-data';
import { actionAppliesTo, grantEffect } from '../../../lib/checks/private/iam-resource-types';
import { IoTGrantTakesEffect as ID21 } from '../../../lib/checks/rules';
import { ARN_TYPES } from '../../../lib/checks/rules/identity/IoTGrantTakesEffect';
import { check, checkType, COMPLIANT, includeTemplate, newStack, NOT_APPLICABLE } from '../rule-test-helpers';

const ROLE = 'AWS::IAM::Role';
const TRUST = { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const THING = 'arn:aws:iot:eu-west-1:111122223333:thing/sensor-1';
const CERT = 'arn:aws:iot:eu-west-1:111122223333:cert/*';

/** A role of a plain template with one inline statement, and the rule's verdict on it. */
function inline(statement: object, extra: object = {}): unknown {
  const stack = newStack();
  includeTemplate(stack, {
    ...extra,
    Resources: {
      ...((extra as { Resources?: object }).Resources ?? {}),
      Role: { Type: ROLE, Properties: { AssumeRolePolicyDocument: TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: [statement] } }] } },
    },
  });
  return checkType(ID21, stack, ROLE);
}

describe('ID21 grants that never take effect', () => {
  test('Noncompliance: an action authorized on certificates granted on a thing ARN (literal)', () => {
    expect(inline({ Effect: 'Allow', Action: 'iot:AttachThingPrincipal', Resource: THING }))
      .toEqual([`NoEffect::iot:AttachThingPrincipal on ${THING} needs cert`]);
  });

  test('Noncompliance: an action without resource-level permissions granted on an ARN (Fn::Sub with pseudo parameters)', () => {
    expect(inline({ Effect: 'Allow', Action: ['iot:DescribeEndpoint'], Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:*' } }))
      .toEqual(['NoEffect::iot:DescribeEndpoint on arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:* needs *']);
  });

  test('Noncompliance: Fn::Join of pseudo parameters, a thing ARN for a certificate action', () => {
    const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iot:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':thing/', { Ref: 'Name' }]] };
    expect(inline({ Effect: 'Allow', Action: 'iot:UpdateCertificate', Resource: arn }, { Parameters: { Name: { Type: 'String' } } }))
      .toEqual(['NoEffect::iot:UpdateCertificate on arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:thing/${Name} needs cert']);
  });

  test('Fn::GetAtt Arn: of a resource of the wrong type is a finding, of the right type is not; of an unmapped type matches anything', () => {
    const resources = {
      Thing: { Type: 'AWS::IoT::Thing', Properties: {} },
      Bucket: { Type: 'AWS::S3::Bucket', Properties: {} },
      Other: { Type: 'AWS::Glue::Database', Properties: { CatalogId: '1', DatabaseInput: {} } },
    };
    expect(inline({ Effect: 'Allow', Action: 'iot:AttachThingPrincipal', Resource: { 'Fn::GetAtt': ['Thing', 'Arn'] } }, { Resources: resources }))
      .toEqual(['NoEffect::iot:AttachThingPrincipal on ${Thing.Arn} needs cert']);
    expect(inline({ Effect: 'Allow', Action: 'iot:UpdateThing', Resource: { 'Fn::GetAtt': ['Thing', 'Arn'] } }, { Resources: resources })).toEqual(COMPLIANT);
    // The bucket, not its objects: s3:GetObject never applies; with `${Bucket.Arn}/*` it does.
    expect(inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::GetAtt': ['Bucket', 'Arn'] } }, { Resources: resources }))
      .toEqual(['NoEffect::s3:GetObject on ${Bucket.Arn} needs accesspointobject|object']);
    expect(inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Sub': '${Bucket.Arn}/*' } }, { Resources: resources })).toEqual(COMPLIANT);
    expect(inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::GetAtt': ['Other', 'Arn'] } }, { Resources: resources })).toEqual(COMPLIANT);
  });

  test('Noncompliance: a JSON-string policy document (AWS::IAM::Policy), and an AWS::IAM::ManagedPolicy', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Role: { Type: ROLE, Properties: { AssumeRolePolicyDocument: TRUST } },
        P: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'p', Roles: [{ Ref: 'Role' }], PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'iot:DescribeEndpoint', Resource: THING }] }) } },
        M: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'iot:AttachThingPrincipal', Resource: [THING, CERT] }] } } },
      },
    });
    expect(checkType(ID21, stack, 'AWS::IAM::Policy')).toEqual([`NoEffect::iot:DescribeEndpoint on ${THING} needs *`]);
    expect(checkType(ID21, stack, 'AWS::IAM::ManagedPolicy')).toEqual(COMPLIANT);
    expect(checkType(ID21, stack, ROLE)).toEqual(NOT_APPLICABLE);
  });

  test('Noncompliance: a JSON string built with Fn::Join around a reference (what CDK renders for JSON.stringify of tokens)', () => {
    const doc = { 'Fn::Join': ['', ['{"Statement":[{"Effect":"Allow","Action":"iot:DeleteThing","Resource":"', { 'Fn::GetAtt': ['Cert', 'Arn'] }, '"}]}']] };
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Cert: { Type: 'AWS::IoT::Certificate', Properties: { Status: 'ACTIVE', CertificateSigningRequest: 'x' } },
        U: { Type: 'AWS::IAM::UserPolicy', Properties: { PolicyName: 'p', UserName: 'u', PolicyDocument: doc } },
      },
    });
    expect(checkType(ID21, stack, 'AWS::IAM::UserPolicy')).toEqual(['NoEffect::iot:DeleteThing on ${Cert.Arn} needs thing']);
  });

  test('wildcard actions are effective if any action they match applies; a wildcard matching none is unknown', () => {
    expect(inline({ Effect: 'Allow', Action: 'iot:Update*', Resource: THING })).toEqual(COMPLIANT);
    expect(inline({ Effect: 'Allow', Action: 'iot:Describe*', Resource: 'arn:aws:sns:eu-west-1:111122223333:topic' })).toEqual([
      expect.stringMatching(/^NoEffect::iot:Describe\* on arn:aws:sns:eu-west-1:111122223333:topic needs \*\|.*thing/),
    ]);
    expect(inline({ Effect: 'Allow', Action: 'iot:Frobnicate*', Resource: '*' })).toEqual(['Unknown::iot:Frobnicate*']);
    // Every service's actions, those added later too: some applies to any ARN.
    expect(inline({ Effect: 'Allow', Action: ['*', '*:Describe*'], Resource: THING })).toEqual(COMPLIANT);
  });

  test('an action the dataset does not know is Unknown (IAM ignores it), in a known and an unknown service', () => {
    expect(inline({ Effect: 'Allow', Action: ['iot:AttachThingPrincipals', 'notaservice:DoIt'], Resource: '*' }))
      .toEqual(['Unknown::iot:AttachThingPrincipals', 'Unknown::notaservice:DoIt']);
  });

  test('Compliance: Resource * always applies; global services (IAM) without a region; several resources, one of the right type', () => {
    expect(inline({ Effect: 'Allow', Action: ['iot:AttachThingPrincipal', 'iot:DescribeEndpoint'], Resource: '*' })).toEqual(COMPLIANT);
    expect(inline({ Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::111122223333:role/iot-*' })).toEqual(COMPLIANT);
    expect(inline({ Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam:eu-west-1:111122223333:role/iot-rule' }))
      .toEqual(['NoEffect::iam:PassRole on arn:aws:iam:eu-west-1:111122223333:role/iot-rule needs role']);
    expect(inline({ Effect: 'Allow', Action: 'iot:AttachThingPrincipal', Resource: [THING, CERT] })).toEqual(COMPLIANT);
    expect(inline({ Effect: 'Allow', Action: 'iot:AttachThingPrincipal', Resource: 'arn:aws:iot:*' })).toEqual(COMPLIANT);
  });

  test('Compliance: conditions do not matter, policy variables and deploy-time parts match anything, imports too', () => {
    expect(inline({
      Effect: 'Allow', Action: 'iot:UpdateThingShadow', Resource: 'arn:aws:iot:eu-west-1:111122223333:thing/${aws:username}',
      Condition: { StringEquals: { 'aws:ResourceTag/team': 'a' } },
    })).toEqual(COMPLIANT);
    expect(inline({ Effect: 'Allow', Action: 'iot:AttachThingPrincipal', Resource: { 'Fn::ImportValue': 'CertArn' } })).toEqual(COMPLIANT);
    expect(inline({ Effect: 'Allow', Action: 'iot:AttachThingPrincipal', Resource: { Ref: 'Arn' } }, { Parameters: { Arn: { Type: 'String' } } })).toEqual(COMPLIANT);
  });

  test('Deny, NotAction and NotResource statements are not judged', () => {
    expect(inline({ Effect: 'Deny', Action: 'iot:AttachThingPrincipal', Resource: THING })).toEqual(COMPLIANT);
    expect(inline({ Effect: 'Allow', NotAction: 'iot:AttachThingPrincipal', Resource: THING })).toEqual(COMPLIANT);
    expect(inline({ Effect: 'Allow', Action: 'iot:AttachThingPrincipal', NotResource: CERT })).toEqual(COMPLIANT);
  });

  test('every Fn::If branch and every allowed value of a parameter is judged', () => {
    expect(inline(
      { Effect: 'Allow', Action: 'iot:AttachThingPrincipal', Resource: { 'Fn::If': ['C', CERT, THING] } },
      { Conditions: { C: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } } },
    )).toEqual([`NoEffect::iot:AttachThingPrincipal on ${THING} needs cert`]);
    expect(inline(
      { Effect: 'Allow', Action: 'iot:AttachThingPrincipal', Resource: { Ref: 'Arn' } },
      { Parameters: { Arn: { Type: 'String', AllowedValues: [CERT, THING] } } },
    )).toEqual([`NoEffect::iot:AttachThingPrincipal on ${THING} needs cert`]);
  });

  test('a SAM function\'s Policies: document statements judged, managed policy names and policy templates skipped', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Transform: 'AWS::Serverless-2016-10-31',
      Resources: {
        Fn: {
          Type: 'AWS::Serverless::Function',
          Properties: {
            Runtime: 'nodejs22.x', Handler: 'index.handler', InlineCode: 'exports.handler=async()=>{}',
            Policies: ['AWSIoTDataAccess', { S3ReadPolicy: { BucketName: 'b' } }, { Statement: [{ Effect: 'Allow', Action: 'iot:AttachThingPrincipal', Resource: THING }] }],
          },
        },
      },
    });
    expect(checkType(ID21, stack, 'AWS::Serverless::Function')).toEqual([`NoEffect::iot:AttachThingPrincipal on ${THING} needs cert`]);
  });

  test('an unreadable Policies list or document is reported', () => {
    expect(inline({ Effect: 'Allow', Action: { 'Fn::ImportValue': 'Actions' }, Resource: '*' })).toEqual(['Unresolved::Action']);
    const stack = newStack();
    includeTemplate(stack, { Resources: { Role: { Type: ROLE, Properties: { AssumeRolePolicyDocument: TRUST, Policies: { 'Fn::ImportValue': 'P' } } } } });
    expect(checkType(ID21, stack, ROLE)).toEqual(['Unresolved::Policies']);
  });

  test('CDK grants pass: bucket, table, thing, a custom statement with Stack.formatArn', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new s3.Bucket(stack, 'B').grantReadWrite(role);
    new dynamodb.Table(stack, 'T', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }).grantReadWriteData(role);
    const thing = new iot.CfnThing(stack, 'Thing');
    role.addToPolicy(new iam.PolicyStatement({ actions: ['iot:UpdateThingShadow', 'iot:GetThingShadow'], resources: [thing.attrArn] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['iot:Publish'], resources: [Stack.of(stack).formatArn({ service: 'iot', resource: 'topic', resourceName: 'devices/*' })] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['iot:DescribeEndpoint'], resources: ['*'] }));
    expect(checkType(ID21, stack, 'AWS::IAM::Policy')).toEqual(COMPLIANT);
    // A pipeline's source action: the old action name beside the new one on a codeconnections ARN.
    const connection = 'arn:aws:codeconnections:eu-west-1:111122223333:connection/0000';
    expect(inline({ Effect: 'Allow', Action: ['codestar-connections:UseConnection', 'codeconnections:UseConnection'], Resource: connection })).toEqual(COMPLIANT);
    expect(inline({ Effect: 'Allow', Action: 'codestar-connections:UseConnection', Resource: connection }))
      .toEqual([`NoEffect::codestar-connections:UseConnection on ${connection} needs Connection`]);
    // Alone, a stream read on the table's ARN is a finding: CDK's bundle is the only exception.
    expect(inline({ Effect: 'Allow', Action: ['dynamodb:GetRecords', 'dynamodb:Query'], Resource: 'arn:aws:dynamodb:eu-west-1:111122223333:table/t' }))
      .toEqual(['NoEffect::dynamodb:GetRecords on arn:aws:dynamodb:eu-west-1:111122223333:table/t needs stream']);

    const s2 = newStack();
    const r2 = new iam.Role(s2, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const t2 = new iot.CfnThing(s2, 'Thing');
    r2.addToPolicy(new iam.PolicyStatement({ actions: ['iot:AttachThingPrincipal'], resources: [t2.attrArn] }));
    expect(check(ID21, s2.node.findAll().find((c) => c instanceof iam.CfnPolicy) as iam.CfnPolicy))
      .toEqual(['NoEffect::iot:AttachThingPrincipal on ${ThingDEADBEEF.Arn} needs cert'.replace('ThingDEADBEEF', s2.resolve(t2.logicalId))]);
  });
});

describe('iam-resource-types', () => {
  test('every reference type the rule maps is a resource type of the pinned dataset', () => {
    for (const [cfnType, attributes] of Object.entries(ARN_TYPES)) {
      for (const [service, type] of Object.values(attributes)) {
        const some = [...(iamActionsOf(service)?.values() ?? [])].some((a) => a.resourceTypes.some((t) => t.toLowerCase() === type.toLowerCase()));
        expect(`${cfnType} ${service}:${type} ${some}`).toBe(`${cfnType} ${service}:${type} true`);
      }
    }
  });

  test('an ARN of a type matches by type, not by its service alone', () => {
    const attach = [...iamActionsOf('iot')!.values()].find((a) => a.name === 'AttachThingPrincipal')!;
    expect(actionAppliesTo(attach, { pattern: '*', type: { service: 'iot', name: 'cert' } })).toBe(true);
    expect(actionAppliesTo(attach, { pattern: '*', type: { service: 'iot', name: 'thing' } })).toBe(false);
    expect(grantEffect('s3:GetObject', [{ pattern: 'arn:aws:s3:::bucket' }])).toEqual({ kind: 'ineffective', needs: ['accesspointobject', 'object'] });
  });
});
