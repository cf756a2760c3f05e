import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IoTMitigationActionRoleLeastPrivilege } from '../../../lib/checks/rules/response';
import { check, checkType, COMPLIANT, includeTemplate, newStack } from '../rule-test-helpers';

const TYPE = 'AWS::IoT::MitigationAction';
const IOT_TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }] };

function roleFor(stack: Stack, id: string, actions: string[], resources: string[] = ['*']): iam.Role {
  const role = new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
  role.addToPolicy(new iam.PolicyStatement({ actions, resources }));
  return role;
}

describe('IR1 IoTMitigationActionRoleLeastPrivilege', () => {
  test('Noncompliance: a wildcard action and an unneeded one on the role of a certificate deactivation (L2 role, L1 action)', () => {
    const s = newStack();
    const role = roleFor(s, 'Role', ['iot:UpdateCertificate', 'iot:UpdateCACertificate', 'iot:*']);
    const action = new iot.CfnMitigationAction(s, 'Deactivate', { roleArn: role.roleArn, actionParams: { updateDeviceCertificateParams: { action: 'DEACTIVATE' } } });
    expect(check(IoTMitigationActionRoleLeastPrivilege, action)).toEqual(['Action::iot:*', 'Unneeded::iot:UpdateCACertificate']);
  });

  test('Noncompliance: the logging action may pass any role; an AWS-managed policy for another action; in a plain template', () => {
    const s = newStack();
    includeTemplate(s, {
      Resources: {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: IOT_TRUST,
            ManagedPolicyArns: [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSIoTDeviceDefenderUpdateCACertMitigationAction' }],
            Policies: [{ PolicyName: 'p', PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: ['iot:SetV2LoggingOptions', 'iam:PassRole'], Resource: '*' }] }) }],
          },
        },
        Action: { Type: TYPE, Properties: { RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] }, ActionParams: { EnableIoTLoggingParams: { LogLevel: 'INFO', RoleArnForLogging: 'arn:aws:iam::111111111111:role/logs' } } } },
      },
    });
    expect(checkType(IoTMitigationActionRoleLeastPrivilege, s, TYPE)).toEqual(['ManagedPolicy::AWSIoTDeviceDefenderUpdateCACertMitigationAction', 'PassRole::*']);
  });

  test('Noncompliance: a separate AWS::IAM::Policy naming the role by Ref grants NotAction; an imported role is unresolved', () => {
    const s = newStack();
    includeTemplate(s, {
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: IOT_TRUST } },
        Extra: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'x', Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }] } } },
        Action: { Type: TYPE, Properties: { RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] }, ActionParams: { PublishFindingToSnsParams: { TopicArn: 'arn:aws:sns:eu-west-1:111111111111:t' } } } },
      },
    });
    expect(checkType(IoTMitigationActionRoleLeastPrivilege, s, TYPE)).toEqual(['NotAction']);

    const s2 = newStack();
    new iot.CfnMitigationAction(s2, 'A', { roleArn: 'arn:aws:iam::111111111111:role/elsewhere', actionParams: { updateCaCertificateParams: { action: 'DEACTIVATE' } } });
    expect(checkType(IoTMitigationActionRoleLeastPrivilege, s2, TYPE)).toEqual(['Unresolved::RoleArn']);
  });

  test('Compliance: each kind of action with only what it needs, an encrypted topic through grantPublish, the managed policy written for it', () => {
    const s = newStack();
    const quarantine = roleFor(s, 'Q', ['iot:AddThingToThingGroup', 'iot:ListPrincipalThings']);
    const deactivate = roleFor(s, 'D', ['iot:UpdateCertificate'], ['arn:aws:iot:eu-west-1:111111111111:cert/*']);
    const logs = new iam.Role(s, 'Logs', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
    const logging = roleFor(s, 'L', ['iot:SetV2LoggingOptions']);
    logging.addToPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [logs.roleArn] }));
    const topic = new sns.Topic(s, 'T', { masterKey: new kms.Key(s, 'K') });
    const publish = new iam.Role(s, 'P', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
    topic.grantPublish(publish);
    const managed = new iam.Role(s, 'M', {
      assumedBy: new iam.ServicePrincipal('iot.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSIoTDeviceDefenderReplaceDefaultPolicyMitigationAction')],
    });
    const actions = [
      new iot.CfnMitigationAction(s, 'A1', { roleArn: quarantine.roleArn, actionParams: { addThingsToThingGroupParams: { thingGroupNames: ['q'] } } }),
      new iot.CfnMitigationAction(s, 'A2', { roleArn: deactivate.roleArn, actionParams: { updateDeviceCertificateParams: { action: 'DEACTIVATE' } } }),
      new iot.CfnMitigationAction(s, 'A3', { roleArn: logging.roleArn, actionParams: { enableIoTLoggingParams: { logLevel: 'ERROR', roleArnForLogging: logs.roleArn } } }),
      new iot.CfnMitigationAction(s, 'A4', { roleArn: publish.roleArn, actionParams: { publishFindingToSnsParams: { topicArn: topic.topicArn } } }),
      new iot.CfnMitigationAction(s, 'A5', { roleArn: managed.roleArn, actionParams: { replaceDefaultPolicyVersionParams: { templateName: 'BLANK_POLICY' } } }),
    ];
    for (const a of actions) expect(check(IoTMitigationActionRoleLeastPrivilege, a)).toEqual(COMPLIANT);
  });

  test('Fn::If between two kinds of action: the role may hold what either needs; unreadable params are unresolved', () => {
    const s = newStack();
    includeTemplate(s, {
      Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } },
      Parameters: { Params: { Type: 'String' } },
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: IOT_TRUST, Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['iot:UpdateCertificate', 'iot:UpdateCACertificate'], Resource: '*' }] } }] } },
        Action: {
          Type: TYPE,
          Properties: {
            RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
            ActionParams: { 'Fn::If': ['IsProd', { UpdateDeviceCertificateParams: { Action: 'DEACTIVATE' } }, { UpdateCACertificateParams: { Action: 'DEACTIVATE' } }] },
          },
        },
      },
    });
    expect(checkType(IoTMitigationActionRoleLeastPrivilege, s, TYPE)).toEqual(COMPLIANT);

    const s2 = newStack();
    const role = roleFor(s2, 'Role', ['iot:UpdateCertificate', 'iot:Update*']);
    const action = new iot.CfnMitigationAction(s2, 'A', { roleArn: role.roleArn, actionParams: { updateDeviceCertificateParams: { action: 'DEACTIVATE' } } });
    action.addPropertyOverride('ActionParams', { 'Fn::ImportValue': 'Params' });
    expect(check(IoTMitigationActionRoleLeastPrivilege, action)).toEqual(['Action::iot:Update*', 'Unresolved::ActionParams']);
  });
});
