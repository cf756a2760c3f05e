import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IoTVpcEndpointIngressRestricted } from '../../../lib/checks/rules/network';
import { check, checkType, COMPLIANT, includeTemplate, newStack, NOT_APPLICABLE } from '../rule-test-helpers';

const ENDPOINT = 'AWS::EC2::VPCEndpoint';
const IOT_DATA = { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.iot.data']] };

function endpointTemplate(endpoint: object, extra: object = {}): object {
  return {
    Resources: {
      Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
      Sg: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'endpoint', VpcId: { Ref: 'Vpc' }, SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 8883, ToPort: 8883, CidrIp: '10.0.1.0/24' }] } },
      Endpoint: { Type: ENDPOINT, Properties: { VpcId: { Ref: 'Vpc' }, VpcEndpointType: 'Interface', ServiceName: IOT_DATA, SubnetIds: ['subnet-1'], ...endpoint } },
      ...extra,
    },
  };
}

describe('NET1 IoTVpcEndpointIngressRestricted', () => {
  test('Noncompliance: a separate ingress rule opens the endpoint group to 0.0.0.0/0 (plain template, Fn::Join service name)', () => {
    const s = newStack();
    includeTemplate(s, endpointTemplate({ SecurityGroupIds: [{ 'Fn::GetAtt': ['Sg', 'GroupId'] }] }, {
      Open: { Type: 'AWS::EC2::SecurityGroupIngress', Properties: { GroupId: { 'Fn::GetAtt': ['Sg', 'GroupId'] }, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' } },
    }));
    expect(checkType(IoTVpcEndpointIngressRestricted, s, ENDPOINT)).toEqual(['OpenIngress::Sg:0.0.0.0/0']);
  });

  test('Noncompliance: an L2 credentials endpoint with a group open to ::/0; an endpoint without groups uses the default one', () => {
    const s = newStack();
    const vpc = new ec2.Vpc(s, 'Vpc', { natGateways: 0 });
    const sg = new ec2.SecurityGroup(s, 'Sg', { vpc, allowAllOutbound: false });
    sg.addIngressRule(ec2.Peer.anyIpv6(), ec2.Port.tcp(443));
    const endpoint = vpc.addInterfaceEndpoint('Creds', { service: ec2.InterfaceVpcEndpointAwsService.IOT_CORE_CREDENTIALS, securityGroups: [sg], open: false });
    const sgId = s.resolve((sg.node.defaultChild as ec2.CfnSecurityGroup).logicalId);
    expect(check(IoTVpcEndpointIngressRestricted, endpoint.node.defaultChild as ec2.CfnVPCEndpoint)).toEqual([`OpenIngress::${sgId}:::/0`]);

    const s2 = newStack();
    includeTemplate(s2, endpointTemplate({ ServiceName: 'com.amazonaws.eu-west-1.iot.credentials' }));
    expect(checkType(IoTVpcEndpointIngressRestricted, s2, ENDPOINT)).toEqual(['DefaultSecurityGroup']);
  });

  test('Unreadable: an imported group, a CIDR parameter', () => {
    const s = newStack();
    includeTemplate(s, endpointTemplate({ SecurityGroupIds: [{ 'Fn::ImportValue': 'Sg' }] }));
    expect(checkType(IoTVpcEndpointIngressRestricted, s, ENDPOINT)).toEqual(['Unresolved::SecurityGroupIds']);

    const s2 = newStack();
    const t = endpointTemplate({ SecurityGroupIds: [{ Ref: 'Sg' }] }) as { Resources: { Sg: { Properties: { SecurityGroupIngress: object[] } } }; Parameters?: object };
    t.Resources.Sg.Properties.SecurityGroupIngress = [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: { Ref: 'Source' } }];
    t.Parameters = { Source: { Type: 'String' } };
    includeTemplate(s2, t);
    expect(checkType(IoTVpcEndpointIngressRestricted, s2, ENDPOINT)).toEqual(['Unresolved::Sg.CidrIp']);
  });

  test('Compliance: the L2 default (ingress from the VPC CIDR), a zone CIDR, a source group; other services are not applicable', () => {
    const s = newStack();
    const vpc = new ec2.Vpc(s, 'Vpc', { natGateways: 0 });
    const data = vpc.addInterfaceEndpoint('Data', { service: ec2.InterfaceVpcEndpointAwsService.IOT_CORE });
    const zone = new ec2.SecurityGroup(s, 'Zone', { vpc });
    const sg = new ec2.SecurityGroup(s, 'Sg', { vpc, allowAllOutbound: false });
    sg.addIngressRule(zone, ec2.Port.tcp(8883));
    const gg = vpc.addInterfaceEndpoint('Gg', { service: ec2.InterfaceVpcEndpointAwsService.IOT_GREENGRASS, securityGroups: [sg], open: false });
    const kms = vpc.addInterfaceEndpoint('Kms', { service: ec2.InterfaceVpcEndpointAwsService.KMS });
    expect(check(IoTVpcEndpointIngressRestricted, data.node.defaultChild as ec2.CfnVPCEndpoint)).toEqual(COMPLIANT);
    expect(check(IoTVpcEndpointIngressRestricted, gg.node.defaultChild as ec2.CfnVPCEndpoint)).toEqual(COMPLIANT);
    expect(check(IoTVpcEndpointIngressRestricted, kms.node.defaultChild as ec2.CfnVPCEndpoint)).toEqual(NOT_APPLICABLE);

    const s2 = newStack();
    includeTemplate(s2, endpointTemplate({ SecurityGroupIds: [{ Ref: 'Sg' }] }));
    expect(checkType(IoTVpcEndpointIngressRestricted, s2, ENDPOINT)).toEqual(COMPLIANT);
  });
});
