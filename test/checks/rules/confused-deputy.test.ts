import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { IoTServiceConfusedDeputy as GW15 } from '../../../lib/checks/rules/gateway';
import { IOT_SERVICE_PRINCIPALS, SERVICE_TRUST, trustOf } from '../../../lib/core/private/service-trust';
import { confusedDeputySafePrincipal } from '../../../lib/core/private/confused-deputy';
import { check, cfnResources, checkType, COMPLIANT, includeTemplate, newStack } from '../rule-test-helpers';

const ACCOUNT = { Ref: 'AWS::AccountId' };
const RULE_ARN = { 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:rule/r' };
const JOINED_RULE_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iot:', { Ref: 'AWS::Region' }, ':', ACCOUNT, ':rule/r']] };

/** One included resource, judged. */
function judge(type: string, properties: object, extra: { [id: string]: object } = {}, parameters?: object): unknown {
  const s = newStack();
  includeTemplate(s, { ...(parameters ? { Parameters: parameters } : {}), Resources: { X: { Type: type, Properties: properties }, ...extra } });
  return checkType(GW15, s, type);
}

const statement = (principal: unknown, condition?: object, effect = 'Allow', action: unknown = 'sns:Publish') => ({
  Effect: effect, Principal: principal, Action: action, Resource: '*', ...(condition ? { Condition: condition } : {}),
});
const doc = (...statements: object[]) => ({ Version: '2012-10-17', Statement: statements });
const IOT = { Service: 'iot.amazonaws.com' };
const ROLE_TYPE = 'AWS::IAM::Role';

describe('GW15 IoTServiceConfusedDeputy: metadata and table', () => {
  test('GW15 is an error-level gateway rule over every type that keeps a policy', () => {
    expect(GW15.metadata).toMatchObject({ id: 'GW15', level: 'Error' });
    expect(GW15.metadata.resourceTypes).toEqual(expect.arrayContaining([
      'AWS::Lambda::Permission', 'AWS::IAM::Role', 'AWS::SNS::TopicPolicy', 'AWS::SNS::TopicInlinePolicy', 'AWS::SQS::QueuePolicy',
      'AWS::SQS::QueueInlinePolicy', 'AWS::KMS::Key', 'AWS::KMS::ReplicaKey', 'AWS::S3::BucketPolicy', 'AWS::Events::EventBusPolicy', 'AWS::Events::EventBus',
    ]));
  });

  test('every IoT principal the rule judges has an entry with an AWS source', () => {
    for (const p of IOT_SERVICE_PRINCIPALS) {
      const entry = SERVICE_TRUST.find((e) => e.principal === p);
      expect([p, entry?.trust.source]).toEqual([p, expect.stringMatching(/https:\/\/docs\.aws\.amazon\.com\//)]);
    }
    expect(trustOf('credentials.iot.amazonaws.com', 'role')?.keys).toBe('unsupported');
    expect(trustOf('iotevents.amazonaws.com', 'role')?.keys).toBe('source-keys');
  });
});

describe('GW15: AWS::Lambda::Permission', () => {
  const permission = (extra: object = {}) => ({ Action: 'lambda:InvokeFunction', FunctionName: 'f', Principal: 'iot.amazonaws.com', ...extra });

  test('Noncompliance: no SourceArn nor SourceAccount; a wildcard account; another account; only PrincipalOrgID', () => {
    expect(judge('AWS::Lambda::Permission', permission())).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::Lambda::Permission', permission({ SourceArn: 'arn:aws:iot:eu-west-1:*:rule/r' }))).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::Lambda::Permission', permission({ SourceAccount: '*' }))).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::Lambda::Permission', permission({ PrincipalOrgID: 'o-abcdefghij' }))).toEqual(['Unlocked::iot.amazonaws.com']);
    const s = new Stack(new App(), 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
    const p = new lambda.CfnPermission(s, 'P', { action: 'lambda:InvokeFunction', functionName: 'f', principal: 'iot.amazonaws.com', sourceAccount: '999999999999' });
    expect(check(GW15, p)).toEqual(['Unlocked::iot.amazonaws.com']);
  });

  test('Noncompliance: the principal written with the URL suffix, in Fn::Join and Fn::Sub, and in one Fn::If branch', () => {
    expect(judge('AWS::Lambda::Permission', permission({ Principal: { 'Fn::Join': ['', ['iot.', { Ref: 'AWS::URLSuffix' }]] } }))).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::Lambda::Permission', permission({ Principal: { 'Fn::Sub': 'iot.${AWS::URLSuffix}' } }))).toEqual(['Unlocked::iot.amazonaws.com']);
    const s = newStack();
    includeTemplate(s, {
      Conditions: { C: { 'Fn::Equals': ['a', 'b'] } },
      Resources: { X: { Type: 'AWS::Lambda::Permission', Properties: permission({ Principal: { 'Fn::If': ['C', 'sns.amazonaws.com', 'iot.amazonaws.com.cn'] } }) } },
    });
    expect(checkType(GW15, s, 'AWS::Lambda::Permission')).toEqual(['Unlocked::iot.amazonaws.com']);
  });

  test('Compliance: SourceAccount of this account; SourceArn of the rule (Sub, Join, GetAtt, literal); a parameter with allowed accounts', () => {
    expect(judge('AWS::Lambda::Permission', permission({ SourceAccount: ACCOUNT }))).toEqual(COMPLIANT);
    expect(judge('AWS::Lambda::Permission', permission({ SourceAccount: { 'Fn::Sub': '${AWS::AccountId}' } }))).toEqual(COMPLIANT);
    expect(judge('AWS::Lambda::Permission', permission({ SourceArn: RULE_ARN }))).toEqual(COMPLIANT);
    expect(judge('AWS::Lambda::Permission', permission({ SourceArn: JOINED_RULE_ARN }))).toEqual(COMPLIANT);
    expect(judge('AWS::Lambda::Permission', permission({ SourceArn: 'arn:aws:iot:eu-west-1:111122223333:authorizer/a' }))).toEqual(COMPLIANT);
    expect(judge('AWS::Lambda::Permission', permission({ SourceArn: { 'Fn::GetAtt': ['Rule', 'Arn'] } }), { Rule: { Type: 'AWS::SNS::Topic' } })).toEqual(COMPLIANT);
    expect(judge('AWS::Lambda::Permission', permission({ SourceAccount: { Ref: 'Acct' } }), {}, { Acct: { Type: 'String', AllowedValues: ['111122223333'] } })).toEqual(COMPLIANT);
  });

  test('Unresolved: a parameter account or an imported ARN; a principal from a parameter', () => {
    expect(judge('AWS::Lambda::Permission', permission({ SourceAccount: { Ref: 'Acct' } }), {}, { Acct: { Type: 'String' } })).toEqual(['Unresolved::SourceAccount']);
    expect(judge('AWS::Lambda::Permission', permission({ SourceArn: { 'Fn::ImportValue': 'rule' } }))).toEqual(['Unresolved::SourceArn']);
    expect(judge('AWS::Lambda::Permission', permission({ Principal: { Ref: 'P' } }), {}, { P: { Type: 'String' } })).toEqual(['Unresolved::Principal']);
  });

  test('Unresolved: SourceArn from a value no resource fixes (a custom resource\'s attribute, an SSM parameter\'s Value, a nested stack\'s output)', () => {
    // Any of these can hold arn:aws:iot:*:*:* or another account's rule: not the ARN of a resource of this stack.
    const extra = {
      C: { Type: 'Custom::Lookup', Properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:x' } },
      P: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'arn:aws:iot:*:*:*' } },
      N: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'https://s3.amazonaws.com/b/t.json' } },
    };
    expect(judge('AWS::Lambda::Permission', permission({ SourceArn: { 'Fn::GetAtt': ['C', 'RuleArn'] } }), extra)).toEqual(['Unresolved::SourceArn']);
    expect(judge('AWS::Lambda::Permission', permission({ SourceArn: { 'Fn::GetAtt': ['P', 'Value'] } }), extra)).toEqual(['Unresolved::SourceArn']);
    expect(judge('AWS::Lambda::Permission', permission({ SourceArn: { 'Fn::GetAtt': ['N', 'Outputs.RuleArn'] } }), extra)).toEqual(['Unresolved::SourceArn']);
    expect(judge(ROLE_TYPE, { AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: IOT, Action: 'sts:AssumeRole', Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': ['C', 'Arn'] } } } }) }, extra))
      .toEqual(['Unresolved::Condition']);
    // The rule's own ARN, or the custom resource beside SourceAccount, pass.
    expect(judge('AWS::Lambda::Permission', permission({ SourceArn: { 'Fn::GetAtt': ['R', 'Arn'] } }), { R: { Type: 'AWS::SNS::Topic' } })).toEqual(COMPLIANT);
    expect(judge('AWS::Lambda::Permission', permission({ SourceArn: { 'Fn::GetAtt': ['C', 'Arn'] }, SourceAccount: ACCOUNT }), extra)).toEqual(COMPLIANT);
  });

  test('Noncompliance: SourceAccount set in one Fn::If branch only', () => {
    const s = newStack();
    includeTemplate(s, {
      Conditions: { C: { 'Fn::Equals': ['a', 'b'] } },
      Resources: { X: { Type: 'AWS::Lambda::Permission', Properties: permission({ SourceAccount: { 'Fn::If': ['C', ACCOUNT, { Ref: 'AWS::NoValue' }] } }) } },
    });
    expect(checkType(GW15, s, 'AWS::Lambda::Permission')).toEqual(['Unlocked::iot.amazonaws.com']);
  });

  test('Compliance: the permission SAM generates for an IoTRule event (SourceArn of the rule and SourceAccount)', () => {
    const { expandSam } = jest.requireActual('../../../lib/scanner/private/sam');
    const sam = { Resources: { Fn: { Type: 'AWS::Serverless::Function', Properties: { Runtime: 'nodejs22.x', Handler: 'i.h', InlineCode: 'x', Role: 'arn:aws:iam::111122223333:role/r', Events: { Up: { Type: 'IoTRule', Properties: { Sql: "SELECT * FROM 'a'" } } } } } } };
    const s = newStack();
    includeTemplate(s, expandSam(sam).template);
    expect(checkType(GW15, s, 'AWS::Lambda::Permission')).toEqual(COMPLIANT);
  });

  test('False positives: other services and accounts are not this rule\'s; a principal parameter allowed only non-IoT values', () => {
    expect(judge('AWS::Lambda::Permission', permission({ Principal: 'sns.amazonaws.com' }))).toEqual(COMPLIANT);
    expect(judge('AWS::Lambda::Permission', permission({ Principal: '111122223333' }))).toEqual(COMPLIANT);
    expect(judge('AWS::Lambda::Permission', permission({ Principal: { 'Fn::Sub': 'logs.${AWS::Region}.amazonaws.com' } }))).toEqual(COMPLIANT);
    expect(judge('AWS::Lambda::Permission', permission({ Principal: { Ref: 'P' } }), {}, { P: { Type: 'String', AllowedValues: ['events.amazonaws.com'] } })).toEqual(COMPLIANT);
  });

  test('CDK: addPermission without a source, grantInvoke to the service; with sourceAccount or sourceArn it passes', () => {
    const s = newStack();
    const fn = new lambda.Function(s, 'F', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'i.h', code: lambda.Code.fromInline('x') });
    fn.addPermission('Open', { principal: new iam.ServicePrincipal('iot.amazonaws.com') });
    fn.addPermission('Account', { principal: new iam.ServicePrincipal('iot.amazonaws.com'), sourceAccount: s.account });
    const rule = new iot.CfnTopicRule(s, 'Rule', { topicRulePayload: { sql: "SELECT * FROM 'a'", actions: [{ lambda: { functionArn: fn.functionArn } }] } });
    fn.addPermission('Arn', { principal: new iam.ServicePrincipal('iot.amazonaws.com'), sourceArn: rule.attrArn });
    fn.grantInvoke(new iam.ServicePrincipal('iotevents.amazonaws.com'));
    const results = cfnResources(s).filter((r) => r.cfnResourceType === 'AWS::Lambda::Permission').map((r) => [r.node.path.split('/')[2], check(GW15, r)]);
    expect(results).toEqual([['Open', ['Unlocked::iot.amazonaws.com']], ['Account', COMPLIANT], ['Arn', COMPLIANT], [expect.stringMatching(/^Invoke/), ['Unlocked::iotevents.amazonaws.com']]]);
  });

  test('A custom resource calling Lambda AddPermission is judged as the permission', () => {
    const s = newStack();
    new AwsCustomResource(s, 'Add', {
      onCreate: {
        service: 'Lambda', action: 'addPermission', physicalResourceId: PhysicalResourceId.of('p'),
        parameters: { FunctionName: 'f', StatementId: 's', Action: 'lambda:InvokeFunction', Principal: 'iot.amazonaws.com' },
      },
      policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: AwsCustomResourcePolicy.ANY_RESOURCE }),
    });
    expect(checkType(GW15, s, 'Custom::AWS')).toEqual(['Unlocked::iot.amazonaws.com']);
  });

  test('A custom resource calling IAM CreateRole is judged as the role, its trust policy a JSON string', () => {
    const s = newStack();
    new AwsCustomResource(s, 'Create', {
      onCreate: {
        service: 'IAM', action: 'createRole', physicalResourceId: PhysicalResourceId.of('r'),
        parameters: { RoleName: 'r', AssumeRolePolicyDocument: JSON.stringify(doc(statement(IOT, undefined, 'Allow', 'sts:AssumeRole'))) },
      },
      policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: AwsCustomResourcePolicy.ANY_RESOURCE }),
    });
    expect(checkType(GW15, s, 'Custom::AWS')).toEqual(['Unlocked::iot.amazonaws.com']);
  });
});

describe('GW15: roles an IoT service assumes', () => {
  const role = (principal: unknown, condition?: object, extra: object = {}) => ({ AssumeRolePolicyDocument: doc(statement(principal, condition, 'Allow', 'sts:AssumeRole')), ...extra });

  test('Noncompliance: iot, IoT Events, SiteWise and Greengrass roles without a lock, as object, list, JSON string', () => {
    expect(judge('AWS::IAM::Role', role(IOT))).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::IAM::Role', role({ Service: ['iotevents.amazonaws.com', 'iotsitewise.amazonaws.com'] }))).toEqual(['Unlocked::iotevents.amazonaws.com', 'Unlocked::iotsitewise.amazonaws.com']);
    expect(judge('AWS::IAM::Role', { AssumeRolePolicyDocument: JSON.stringify(doc(statement({ Service: 'greengrass.amazonaws.com' }))) })).toEqual(['Unlocked::greengrass.amazonaws.com']);
  });

  test('Noncompliance: IfExists, ForAllValues, a negated operator and Null do not lock; nor a wildcard account in the ARN', () => {
    expect(judge('AWS::IAM::Role', role(IOT, { StringEqualsIfExists: { 'aws:SourceAccount': ACCOUNT } }))).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::IAM::Role', role(IOT, { ArnLikeIfExists: { 'aws:SourceArn': RULE_ARN } }))).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::IAM::Role', role(IOT, { 'ForAllValues:StringEquals': { 'aws:SourceAccount': ACCOUNT } }))).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::IAM::Role', role(IOT, { StringNotEquals: { 'aws:SourceAccount': '999999999999' } }))).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::IAM::Role', role(IOT, { Null: { 'aws:SourceAccount': 'false' } }))).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::IAM::Role', role(IOT, { ArnLike: { 'aws:SourceArn': 'arn:aws:iot:*:*:rule/*' } }))).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::IAM::Role', role(IOT, { StringLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:*:rule/*' } } }))).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::IAM::Role', role(IOT, { StringEquals: { 'aws:SourceAccount': [ACCOUNT, '999999999999'] } }))).toEqual(COMPLIANT);
  });

  test('Noncompliance: StringLike with * before the account part; its * crosses colons, ArnLike\'s does not', () => {
    // IAM User Guide, condition operators: ArnLike checks each of the six colon-delimited components separately; StringLike's * matches
    // anywhere in the string. A security profile may be named `x:111122223333:y` (SecurityProfileName [a-zA-Z0-9:_-]+): from account
    // 999999999999 its ARN arn:aws:iot:us-east-1:999999999999:securityprofile/x:111122223333:y matches arn:aws:iot:*:111122223333:*.
    const wideRegion = 'arn:aws:iot:*:111122223333:*';
    expect(judge('AWS::IAM::Role', role(IOT, { StringLike: { 'aws:SourceArn': wideRegion } }))).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::IAM::Role', role(IOT, { 'ForAnyValue:StringLike': { 'aws:SourceArn': 'arn:aws*:iot:eu-west-1:111122223333:*' } }))).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::IAM::Role', role(IOT, { ArnLike: { 'aws:SourceArn': wideRegion } }))).toEqual(COMPLIANT);
    expect(judge('AWS::IAM::Role', role(IOT, { StringLike: { 'aws:SourceArn': 'arn:aws:iot:eu-west-1:111122223333:*' } }))).toEqual(COMPLIANT);
    expect(judge('AWS::IAM::Role', role(IOT, { StringLike: { 'aws:SourceArn': wideRegion }, StringEquals: { 'aws:SourceAccount': ACCOUNT } }))).toEqual(COMPLIANT);
    // The same in a Deny: StringNotLike lets through the ARN its * absorbs; ArnNotLike does not.
    const deny = (operator: string) => doc(statement(IOT), statement('*', { [operator]: { 'aws:SourceArn': wideRegion } }, 'Deny', 'sns:*'));
    expect(judge('AWS::SNS::TopicPolicy', { Topics: ['t'], PolicyDocument: deny('StringNotLike') })).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::SNS::TopicPolicy', { Topics: ['t'], PolicyDocument: deny('ArnNotLike') })).toEqual(COMPLIANT);
  });

  test('Compliance: keys in any case, ArnEquals/StringLike/ForAnyValue, one lock beside another condition, an organization', () => {
    expect(judge('AWS::IAM::Role', role(IOT, { StringEquals: { 'AWS:SOURCEACCOUNT': ACCOUNT } }))).toEqual(COMPLIANT);
    expect(judge('AWS::IAM::Role', role(IOT, { ArnEquals: { 'aws:SourceArn': JOINED_RULE_ARN } }))).toEqual(COMPLIANT);
    expect(judge('AWS::IAM::Role', role(IOT, { StringLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:*' } } }))).toEqual(COMPLIANT);
    expect(judge('AWS::IAM::Role', role(IOT, { 'ForAnyValue:StringEquals': { 'aws:SourceAccount': 123456789012 } }))).toEqual(COMPLIANT);
    expect(judge('AWS::IAM::Role', role(IOT, { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': 'arn:aws:iot:*:*:*' } }))).toEqual(COMPLIANT);
    expect(judge('AWS::IAM::Role', role(IOT, { StringEquals: { 'aws:SourceOrgID': 'o-a1b2c3d4e5' } }))).toEqual(COMPLIANT);
  });

  test('Compliance: services documented without the keys (credentials provider, TwinMaker, IoT Wireless, Lambda) and account principals', () => {
    expect(judge('AWS::IAM::Role', role({ Service: 'credentials.iot.amazonaws.com' }))).toEqual(COMPLIANT);
    expect(judge('AWS::IAM::Role', role({ Service: ['iottwinmaker.amazonaws.com', 'iotwireless.amazonaws.com', 'lambda.amazonaws.com'] }))).toEqual(COMPLIANT);
    expect(judge('AWS::IAM::Role', role({ AWS: 'arn:aws:iam::111122223333:root' }))).toEqual(COMPLIANT);
  });

  test('Fn::If between a locked and an unlocked trust statement is a finding; a parameter-valued account is unresolved', () => {
    const s = newStack();
    includeTemplate(s, {
      Conditions: { C: { 'Fn::Equals': ['a', 'b'] } },
      Resources: { X: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: doc({ 'Fn::If': ['C', statement(IOT, { StringEquals: { 'aws:SourceAccount': ACCOUNT } }), statement(IOT)] }) } } },
    });
    expect(checkType(GW15, s, 'AWS::IAM::Role')).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::IAM::Role', role(IOT, { StringEquals: { 'aws:SourceAccount': { Ref: 'A' } } }), {}, { A: { Type: 'String' } })).toEqual(['Unresolved::Condition']);
  });

  test('CDK: a Role assumed by the bare ServicePrincipal is a finding, by confusedDeputySafePrincipal it passes', () => {
    const s = newStack();
    new iam.Role(s, 'Open', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
    new iam.Role(s, 'Safe', { assumedBy: confusedDeputySafePrincipal(s, 'iot.amazonaws.com') });
    new iam.Role(s, 'SafeArn', { assumedBy: confusedDeputySafePrincipal(s, 'iotevents.amazonaws.com', { sourceArn: s.formatArn({ service: 'iotevents', resource: 'detectorModel', resourceName: 'm' }) }) });
    const results = cfnResources(s).filter((r) => r.cfnResourceType === 'AWS::IAM::Role').map((r) => [r.node.path.split('/')[1], check(GW15, r)]);
    expect(results).toEqual([['Open', ['Unlocked::iot.amazonaws.com']], ['Safe', COMPLIANT], ['SafeArn', COMPLIANT]]);
  });

  test('A stack with an account: another literal account is a finding, its own passes', () => {
    const s = new Stack(new App(), 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
    const own = new iam.CfnRole(s, 'Own', { assumeRolePolicyDocument: doc(statement(IOT, { StringEquals: { 'aws:SourceAccount': '111122223333' } })) });
    const other = new iam.CfnRole(s, 'Other', { assumeRolePolicyDocument: doc(statement(IOT, { ArnLike: { 'aws:SourceArn': 'arn:aws:iot:eu-west-1:999999999999:rule/r' } })) });
    expect([check(GW15, own), check(GW15, other)]).toEqual([COMPLIANT, ['Unlocked::iot.amazonaws.com']]);
  });
});

describe('GW15: resource policies', () => {
  test('Noncompliance: SNS, SQS (policy and inline), KMS key and replica, S3 bucket, EventBridge bus and bus policy', () => {
    const open = doc(statement(IOT));
    expect(judge('AWS::SNS::TopicPolicy', { Topics: ['t'], PolicyDocument: open })).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::SNS::TopicInlinePolicy', { TopicArn: 't', PolicyDocument: open })).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::SQS::QueuePolicy', { Queues: ['q'], PolicyDocument: open })).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::SQS::QueueInlinePolicy', { Queue: 'q', PolicyDocument: JSON.stringify(open) })).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::KMS::Key', { KeyPolicy: open })).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::KMS::ReplicaKey', { PrimaryKeyArn: 'k', KeyPolicy: open })).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::S3::BucketPolicy', { Bucket: 'b', PolicyDocument: open })).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::Events::EventBus', { Name: 'b', Policy: open })).toEqual(['Unlocked::iot.amazonaws.com']);
    expect(judge('AWS::Events::EventBusPolicy', { StatementId: 's', Statement: statement(IOT) })).toEqual(['Unlocked::iot.amazonaws.com']);
  });

  test('Compliance: the same policies with a lock; a Deny statement of the same policy that denies any other account', () => {
    const locked = doc(statement(IOT, { StringEquals: { 'aws:SourceAccount': ACCOUNT } }));
    expect(judge('AWS::SNS::TopicPolicy', { Topics: ['t'], PolicyDocument: locked })).toEqual(COMPLIANT);
    expect(judge('AWS::KMS::Key', { KeyPolicy: locked })).toEqual(COMPLIANT);
    expect(judge('AWS::Events::EventBusPolicy', { StatementId: 's', Statement: statement(IOT, { ArnLike: { 'aws:SourceArn': RULE_ARN } }) })).toEqual(COMPLIANT);
    const withDeny = doc(statement(IOT), statement('*', { StringNotEquals: { 'aws:SourceAccount': ACCOUNT } }, 'Deny', 'sns:*'));
    expect(judge('AWS::SNS::TopicPolicy', { Topics: ['t'], PolicyDocument: withDeny })).toEqual(COMPLIANT);
  });

  test('A Deny that does not cover the grant, or denies only when the key is present, does not close the door', () => {
    const narrowDeny = doc(statement(IOT), statement('*', { StringNotEquals: { 'aws:SourceAccount': ACCOUNT } }, 'Deny', 'sns:Subscribe'));
    expect(judge('AWS::SNS::TopicPolicy', { Topics: ['t'], PolicyDocument: narrowDeny })).toEqual(['Unlocked::iot.amazonaws.com']);
    const ifExistsDeny = doc(statement(IOT), statement('*', { StringNotEqualsIfExists: { 'aws:SourceAccount': ACCOUNT } }, 'Deny', '*'));
    expect(judge('AWS::SNS::TopicPolicy', { Topics: ['t'], PolicyDocument: ifExistsDeny })).toEqual(['Unlocked::iot.amazonaws.com']);
  });

  test('False positives: Deny statements, account principals, other services, a statement without principal', () => {
    const d = doc(statement(IOT, undefined, 'Deny'), statement({ AWS: ACCOUNT }), statement({ Service: 'cloudwatch.amazonaws.com' }), { Effect: 'Allow', Action: 'sns:Publish', Resource: '*' });
    expect(judge('AWS::SNS::TopicPolicy', { Topics: ['t'], PolicyDocument: d })).toEqual(COMPLIANT);
  });

  test('Unresolved: a policy document from an import', () => {
    expect(judge('AWS::SNS::TopicPolicy', { Topics: ['t'], PolicyDocument: { 'Fn::ImportValue': 'doc' } })).toEqual(['Unresolved::PolicyDocument']);
  });

  test('CDK grants: grantPublish, queue grantSendMessages, key grantEncrypt, bucket grantPut to the bare service principal are findings; to confusedDeputySafePrincipal they pass', () => {
    const open = newStack();
    const principal = new iam.ServicePrincipal('iot.amazonaws.com');
    new sns.Topic(open, 'T').grantPublish(principal);
    new sqs.Queue(open, 'Q').grantSendMessages(principal);
    new kms.Key(open, 'K').grantEncrypt(principal);
    new s3.Bucket(open, 'B').grantPut(principal);
    const judged = (s: Stack) => cfnResources(s).filter((r) => ['AWS::SNS::TopicPolicy', 'AWS::SQS::QueuePolicy', 'AWS::KMS::Key', 'AWS::S3::BucketPolicy'].includes(r.cfnResourceType))
      .map((r) => [r.cfnResourceType, check(GW15, r)]);
    expect(judged(open)).toEqual([
      ['AWS::SNS::TopicPolicy', ['Unlocked::iot.amazonaws.com']], ['AWS::SQS::QueuePolicy', ['Unlocked::iot.amazonaws.com']],
      ['AWS::KMS::Key', ['Unlocked::iot.amazonaws.com']], ['AWS::S3::BucketPolicy', ['Unlocked::iot.amazonaws.com']],
    ]);
    const safe = newStack();
    const locked = confusedDeputySafePrincipal(safe, 'iot.amazonaws.com');
    new sns.Topic(safe, 'T').grantPublish(locked);
    new sqs.Queue(safe, 'Q').grantSendMessages(locked);
    new kms.Key(safe, 'K').grantEncrypt(locked);
    new s3.Bucket(safe, 'B').grantPut(locked);
    expect(judged(safe).map(([, r]) => r)).toEqual([COMPLIANT, COMPLIANT, COMPLIANT, COMPLIANT]);
  });
});
