import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  AllowListDirection, AssetTags, Criticality, FlowKind, NetworkEgress, PrivateEndpoint, RiskProfile, SegmentedNetwork,
} from '../../lib';
import { confusedDeputyFindingsOf } from '../runtime/trust-policy';
import { newValidatedApp, validationFindings } from '../validation';

function stack(app: App = new App()): Stack {
  const s = new Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
  AssetTags.apply(s, { criticality: Criticality.HIGH, owner: 'ops' });
  return s;
}

type Entry = { RuleNumber: number; Egress: boolean; RuleAction: string; CidrBlock: string; Protocol: number; PortRange?: { From: number; To: number }; NetworkAclId: { Ref: string } };
function aclEntries(s: Stack, aclPrefix: string): Entry[] {
  return Object.values(Template.fromStack(s).findResources('AWS::EC2::NetworkAclEntry'))
    .map((r) => r.Properties as Entry)
    .filter((e) => e.NetworkAclId.Ref.startsWith(aclPrefix));
}
function endpointServices(s: Stack): string[] {
  return Object.values(Template.fromStack(s).findResources('AWS::EC2::VPCEndpoint'))
    .map((r) => (typeof r.Properties.ServiceName === 'string' ? r.Properties.ServiceName : `${r.Properties.VpcEndpointType.toLowerCase()}.${r.Properties.ServiceName['Fn::Join'][1][2].slice(1)}`)).sort();
}

test('defaults (INDUSTRIAL): four zones, data isolated, NAT per AZ, IoT data and credentials endpoints, S3 gateway, flow logs', () => {
  const s = stack();
  const n = new SegmentedNetwork(s, 'Net');
  const t = Template.fromStack(s);
  expect(n.zones.map((z) => [z.name, z.isolated, z.cidrs.length])).toEqual([
    ['edge', false, 2], ['processing', false, 2], ['management', false, 2], ['data', true, 2],
  ]);
  t.resourceCountIs('AWS::EC2::NatGateway', 2);
  // Three zones route out through NAT in each AZ; data has no route to the internet.
  const natRoutes = Object.values(t.findResources('AWS::EC2::Route')).filter((r) => r.Properties.NatGatewayId !== undefined);
  expect(natRoutes).toHaveLength(6);
  const dataTables = n.vpc.selectSubnets({ subnetGroupName: 'data' }).subnets.map((sn) => s.resolve(sn.routeTable.routeTableId).Ref);
  expect(natRoutes.every((r) => !dataTables.includes(r.Properties.RouteTableId.Ref))).toBe(true);
  t.hasResourceProperties('Custom::VpcRestrictDefaultSG', {});
  expect(endpointServices(s)).toEqual(['com.amazonaws.eu-west-1.iot.credentials', 'com.amazonaws.eu-west-1.iot.data', 'gateway.s3']);
  t.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
  // Flow logs: encrypted with a rotating customer key, kept 90 days (INDUSTRIAL backups), retained.
  t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  t.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 90, KmsKeyId: Match.anyValue() }, DeletionPolicy: 'Retain' });
  expect(n.networkEgress).toBe(NetworkEgress.NAT);
  expect(SegmentedNetwork.DEFAULT_ZONES.map((z) => z.name)).toEqual(n.zoneNames);
});

test('CRITICAL_INFRASTRUCTURE: no NAT, no internet gateway, every zone isolated, the full endpoint set, flow logs kept a year', () => {
  const s = stack();
  const n = new SegmentedNetwork(s, 'Net', { riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE });
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::EC2::NatGateway', 0);
  t.resourceCountIs('AWS::EC2::InternetGateway', 0);
  expect(Object.values(t.findResources('AWS::EC2::Route')).filter((r) => r.Properties.DestinationCidrBlock === '0.0.0.0/0')).toEqual([]);
  expect(n.zones.every((z) => z.isolated)).toBe(true);
  expect(endpointServices(s)).toEqual(['iot.credentials', 'iot.data', 'kms', 'logs', 'secretsmanager', 'ssm', 'sts'].map((x) => `com.amazonaws.eu-west-1.${x}`).concat('gateway.s3'));
  t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
});

test('endpoints: private DNS and account-limited policies where the service supports them; IoT endpoints take neither', () => {
  const s = stack();
  const n = new SegmentedNetwork(s, 'Net', { endpoints: [PrivateEndpoint.IOT_DATA, PrivateEndpoint.KMS, PrivateEndpoint.STS], endpointAzs: 1 });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.eu-west-1.iot.data', PrivateDnsEnabled: false, PolicyDocument: Match.absent() });
  t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
    ServiceName: 'com.amazonaws.eu-west-1.kms',
    PrivateDnsEnabled: true,
    PolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': '111122223333', 'aws:ResourceAccount': '111122223333' } } }] },
  });
  t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
    ServiceName: 'com.amazonaws.eu-west-1.sts',
    PolicyDocument: { Statement: [Match.objectLike({ Condition: { StringEquals: { 'aws:PrincipalAccount': '111122223333' } } })] },
  });
  // endpointAzs: 1 puts each interface endpoint in one subnet.
  for (const e of Object.values(t.findResources('AWS::EC2::VPCEndpoint')).filter((r) => r.Properties.VpcEndpointType === 'Interface')) {
    expect(e.Properties.SubnetIds).toHaveLength(1);
  }
  // The endpoints' security group admits the zones' security groups on 443 and MQTT's 8883, nothing else.
  const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
  expect(ingress.every((r) => r.SourceSecurityGroupId !== undefined && r.CidrIp === undefined)).toBe(true);
  expect([...new Set(ingress.map((r) => r.FromPort))].sort()).toEqual([443, 8883]);
  expect(Object.keys(n.interfaceEndpoints).sort()).toEqual(['IOT_DATA', 'KMS', 'STS']);
});

test('addPrivateDnsName: a private hosted zone resolves an IoT endpoint name to its interface endpoint', () => {
  const s = stack();
  const n = new SegmentedNetwork(s, 'Net');
  n.addPrivateDnsName('abc123-ats.iot.eu-west-1.amazonaws.com', PrivateEndpoint.IOT_DATA);
  n.addPrivateDnsName('abc123.credentials.iot.eu-west-1.amazonaws.com', PrivateEndpoint.IOT_CREDENTIALS);
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::Route53::HostedZone', { Name: 'abc123-ats.iot.eu-west-1.amazonaws.com.', VPCs: [Match.objectLike({ VPCId: { Ref: Match.stringLikeRegexp('NetVpc') } })] });
  t.hasResourceProperties('AWS::Route53::RecordSet', { Type: 'A', AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }) });
  t.resourceCountIs('AWS::Route53::HostedZone', 2);
  expect(() => n.addPrivateDnsName('not a name', PrivateEndpoint.KMS))
    .toThrow(/S\/Net: addPrivateDnsName: domainName must be a fully qualified domain name .*got "not a name"; endpoint must be one of this network's endpoints \(IOT_DATA, IOT_CREDENTIALS\), got KMS/);
});

test('the S3 gateway endpoint reaches the named buckets only', () => {
  const s = stack();
  new SegmentedNetwork(s, 'Net', { s3Buckets: [s3.Bucket.fromBucketName(s, 'B', 'firmware-bucket')] });
  Template.fromStack(s).hasResourceProperties('AWS::EC2::VPCEndpoint', {
    VpcEndpointType: 'Gateway',
    PolicyDocument: { Statement: [{
      Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:*', Sid: 'NamedBucketsOfThisAccount',
      Resource: [Match.objectLike({ 'Fn::Join': Match.anyValue() }), Match.objectLike({ 'Fn::Join': Match.anyValue() })],
      Condition: { StringEquals: { 'aws:PrincipalAccount': '111122223333' } },
    }] },
  });
});

test('no security group admits 0.0.0.0/0 or ::/0; zone groups send nothing undeclared', () => {
  const s = stack();
  new SegmentedNetwork(s, 'Net', { allowList: [{ zone: 'edge', direction: AllowListDirection.INGRESS, cidr: '192.168.10.0/24', port: 8883 }] });
  const t = Template.fromStack(s);
  for (const sg of Object.values(t.findResources('AWS::EC2::SecurityGroup'))) {
    for (const rule of sg.Properties.SecurityGroupIngress ?? []) {
      expect(['0.0.0.0/0']).not.toContain(rule.CidrIp);
      expect(rule.CidrIpv6).toBeUndefined();
    }
  }
  for (const rule of Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties)) {
    expect(rule.CidrIp).not.toBe('0.0.0.0/0');
    expect(rule.CidrIpv6).toBeUndefined();
  }
  t.hasResourceProperties('AWS::EC2::SecurityGroup', { GroupDescription: Match.stringLikeRegexp('Zone edge'), SecurityGroupIngress: [{ CidrIp: '192.168.10.0/24', FromPort: 8883, ToPort: 8883, IpProtocol: 'tcp', Description: Match.anyValue() }] });
});

test('allowFlow: security groups each way, ACL entries for the connection and its answers, and a recorded flow', () => {
  const s = stack();
  const n = new SegmentedNetwork(s, 'Net', { flows: [{ from: 'edge', to: 'processing', port: 8883 }] });
  n.allowFlow('processing', 'data', 5432);
  n.allowFlow('processing', 'data', 5432); // twice is once
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
    IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432,
    GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('DataSecurityGroup'), 'GroupId'] },
    SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('ProcessingSecurityGroup'), 'GroupId'] },
  });
  const data = aclEntries(s, 'NetDataAcl');
  const processingCidrs = n.zones.find((z) => z.name === 'processing')!.cidrs;
  for (const c of processingCidrs) {
    expect(data).toContainEqual(expect.objectContaining({ CidrBlock: c, Egress: false, RuleAction: 'allow', Protocol: 6, PortRange: { From: 5432, To: 5432 } }));
    expect(data).toContainEqual(expect.objectContaining({ CidrBlock: c, Egress: true, RuleAction: 'allow', Protocol: 6, PortRange: { From: 1024, To: 65535 } }));
  }
  // After every allow: the rest of the VPC denied both ways.
  expect(data).toContainEqual(expect.objectContaining({ RuleNumber: 32000, CidrBlock: '10.0.0.0/16', RuleAction: 'deny', Egress: false }));
  expect(data).toContainEqual(expect.objectContaining({ RuleNumber: 32000, CidrBlock: '10.0.0.0/16', RuleAction: 'deny', Egress: true }));
  expect(Math.max(...data.filter((e) => e.RuleAction === 'allow' && e.CidrBlock !== '0.0.0.0/0').map((e) => e.RuleNumber))).toBeLessThan(32000);
  expect(n.flows.filter((f) => f.kind === FlowKind.ZONE_TO_ZONE)).toEqual([
    { kind: FlowKind.ZONE_TO_ZONE, source: 'edge', destination: 'processing', port: 8883, protocol: 'tcp' },
    { kind: FlowKind.ZONE_TO_ZONE, source: 'processing', destination: 'data', port: 5432, protocol: 'tcp' },
  ]);
  expect(n.flows.filter((f) => f.kind === FlowKind.AWS_SERVICES).map((f) => `${f.source}:${f.port}`)).toContain('edge:8883');
  expect(n.flows.filter((f) => f.kind === FlowKind.HTTPS_EGRESS).map((f) => `${f.source}>${f.destination}`))
    .toEqual(['edge>internet', 'processing>internet', 'management>internet', 'data>s3']);
});

test('allow list: CIDR ingress and egress, prefix-list egress, each recorded', () => {
  const s = stack();
  const n = new SegmentedNetwork(s, 'Net');
  n.allowExternal({ zone: 'management', direction: AllowListDirection.EGRESS, cidr: '198.51.100.0/24', port: 22 });
  n.allowExternal({ zone: 'edge', direction: AllowListDirection.EGRESS, prefixListId: 'pl-0123456789abcdef0', port: 443 });
  Template.fromStack(s).hasResourceProperties('AWS::EC2::SecurityGroupEgress', { DestinationPrefixListId: 'pl-0123456789abcdef0', FromPort: 443 });
  expect(aclEntries(s, 'NetManagementAcl')).toContainEqual(expect.objectContaining({ CidrBlock: '198.51.100.0/24', Egress: true, PortRange: { From: 22, To: 22 } }));
  expect(n.flows.filter((f) => f.kind === FlowKind.EXTERNAL_EGRESS).map((f) => f.destination)).toEqual(['cidr:198.51.100.0/24', 'prefix-list:pl-0123456789abcdef0']);
  expect(n.allowList).toEqual([
    { zone: 'management', direction: AllowListDirection.EGRESS, cidr: '198.51.100.0/24', port: 22 },
    { zone: 'edge', direction: AllowListDirection.EGRESS, prefixListId: 'pl-0123456789abcdef0', port: 443 },
  ]);
});

test('overrides: CIDR, zones, AZs, NAT count, retention, egress NONE on an INDUSTRIAL profile', () => {
  const s = stack();
  const n = new SegmentedNetwork(s, 'Net', {
    cidr: '172.20.0.0/20', maxAzs: 3, natGateways: 1,
    zones: [{ name: 'ingest', cidrMask: 24 }, { name: 'vault', cidrMask: 26, isolated: true }],
    flowLogRetention: logs.RetentionDays.TWO_YEARS,
  });
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '172.20.0.0/20' });
  t.resourceCountIs('AWS::EC2::NatGateway', 1);
  t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 731 });
  expect(n.zoneNames).toEqual(['ingest', 'vault']);
  expect(n.subnetsOf('vault')).toEqual({ subnetGroupName: 'vault' });
  expect(n.securityGroupOf('ingest')).toBeDefined();

  const s2 = stack();
  new SegmentedNetwork(s2, 'Net', { networkEgress: NetworkEgress.NONE });
  Template.fromStack(s2).resourceCountIs('AWS::EC2::NatGateway', 0);
});

describe('rejected input', () => {
  const make = (props: object) => () => new SegmentedNetwork(stack(), 'Net', props as never);
  test('a malformed, too-small or too-large CIDR', () => {
    expect(make({ cidr: '10.0.0.0/8' })).toThrow(/S\/Net: cidr must be an IPv4 CIDR block with a prefix length from 16 to 24, got "10.0.0.0\/8"/);
    expect(make({ cidr: '10.0.0.1/16' })).toThrow(/cidr must be an IPv4 CIDR block/);
    expect(make({ cidr: '10.0.0.0/22' })).toThrow(/cidr 10.0.0.0\/22 is too small: 4 zones of \/24, \/24, \/24, \/24 in 2 AZs, with the endpoint and NAT subnets, need 2144 addresses and it has 1024/);
  });
  test('zones: bad or duplicate names, a reserved name, a bad mask, internet access without egress', () => {
    expect(make({ zones: [] })).toThrow(/zones must list at least one zone/);
    expect(make({ zones: [{ name: 'Edge' }] })).toThrow(/zones: name must be 1-20 lower-case letters.* got "Edge"/);
    expect(make({ zones: [{ name: 'endpoints' }] })).toThrow(/not endpoints or nat, got "endpoints"/);
    expect(make({ zones: [{ name: 'a' }, { name: 'a' }] })).toThrow(/zones: a is named twice/);
    expect(make({ zones: [{ name: 'a', cidrMask: 30 }] })).toThrow(/zones: a: cidrMask must be an integer from 16 to 28, got 30/);
    expect(make({ riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE, zones: [{ name: 'a', isolated: false }] }))
      .toThrow(/zones: a: isolated false needs networkEgress NAT \(the profile CRITICAL_INFRASTRUCTURE allows no internet egress\)/);
  });
  test('a flow naming an unknown zone, a port out of range', () => {
    expect(make({ flows: [{ from: 'edge', to: 'cloud', port: 443 }] })).toThrow(/S\/Net: flow to: unknown zone "cloud" \(zones: edge, processing, management, data\)/);
    const n = new SegmentedNetwork(stack(), 'Net');
    expect(() => n.allowFlow('edge', 'data', 0)).toThrow(/flow port must be an integer from 1 to 65535, got 0/);
    expect(() => n.allowFlow('edge', 'data', 70000)).toThrow(/got 70000/);
    expect(() => n.securityGroupOf('nowhere')).toThrow(/zone: unknown zone "nowhere"/);
  });
  test('allow list: empty, the whole internet, overlapping the VPC, ingress from a prefix list, bad IDs', () => {
    expect(make({ allowList: [] })).toThrow(/allowList must list at least one entry \(omit it for none\), got \[\]/);
    const n = new SegmentedNetwork(stack(), 'Net');
    expect(() => n.allowExternal({ zone: 'edge', direction: AllowListDirection.INGRESS, cidr: '0.0.0.0/0', port: 443 }))
      .toThrow(/S\/Net: allowList: cidr 0.0.0.0\/0 is the whole internet, which is not an allow list/);
    expect(() => n.allowExternal({ zone: 'edge', direction: AllowListDirection.INGRESS, cidr: '10.0.128.0/24', port: 443 }))
      .toThrow(/cidr 10.0.128.0\/24 overlaps the VPC's 10.0.0.0\/16/);
    expect(() => n.allowExternal({ zone: 'edge', direction: AllowListDirection.INGRESS, prefixListId: 'pl-0123456789abcdef0', port: 443 }))
      .toThrow(/prefixListId is for EGRESS only/);
    expect(() => n.allowExternal({ zone: 'edge', direction: AllowListDirection.EGRESS, prefixListId: 'prefix', port: 443 }))
      .toThrow(/prefixListId must look like 'pl-0123456789abcdef0', got "prefix"/);
    expect(() => n.allowExternal({ zone: 'edge', direction: AllowListDirection.EGRESS, port: 443 })).toThrow(/give exactly one of cidr and prefixListId/);
    expect(() => n.allowExternal({ zone: 'x', direction: 'OUT' as never, cidr: '203.0.113.0/24', port: -1 }))
      .toThrow(/zone: unknown zone "x".*; direction must be INGRESS or EGRESS, got "OUT"; port must be an integer from 1 to 65535, got -1/);
  });
  test('AZ counts, NAT count and endpoint choices out of range', () => {
    expect(make({ maxAzs: 0 })).toThrow(/maxAzs must be an integer from 1 to 6, got 0/);
    expect(make({ natGateways: 3 })).toThrow(/natGateways must be an integer from 1 to maxAzs \(2\), got 3/);
    expect(make({ endpointAzs: 0 })).toThrow(/endpointAzs must be an integer from 1 to maxAzs \(2\), got 0/);
    expect(make({ endpoints: ['iot.data'] })).toThrow(/endpoints must be a list of PrivateEndpoint members/);
    expect(make({ flowLogRetention: logs.RetentionDays.INFINITE })).toThrow(/flowLogRetention must be a logs.RetentionDays value other than INFINITE/);
    expect(make({ networkEgress: 'VPN' })).toThrow(/networkEgress must be one of NAT, NONE, got "VPN"/);
  });
  test('null props take the defaults instead of a TypeError', () => {
    expect(() => new SegmentedNetwork(stack(), 'Net', null as never)).not.toThrow();
  });
});

test.each(RiskProfile.PRESETS.map((p) => [p.name, p]))('no unacknowledged finding from any validator (%s, flows and an allow list)', (_name, profile) => {
  const app = newValidatedApp();
  const s = stack(app);
  const n = new SegmentedNetwork(s, 'Net', { riskProfile: profile as RiskProfile, flows: [{ from: 'edge', to: 'processing', port: 8883 }] });
  n.allowFlow('processing', 'data', 5432);
  n.allowExternal({ zone: 'edge', direction: AllowListDirection.INGRESS, cidr: '192.168.0.0/16', port: 8883 });
  n.addPrivateDnsName('abc123-ats.iot.eu-west-1.amazonaws.com', PrivateEndpoint.IOT_DATA);
  expect(validationFindings(app)).toEqual([]);
});

test('the flow log role trusts VPC Flow Logs only for this account\'s flow logs (confused deputy, issue 18 item 6)', () => {
  const s = stack();
  new SegmentedNetwork(s, 'Net');
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [Match.objectLike({
        Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': '111122223333' },
          ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-1:111122223333:vpc-flow-log/*']] } },
        },
      })],
    },
  });
  // The flow log uses that role; CDK's own (unbounded) role is not made.
  const [roleId] = Object.entries(t.findResources('AWS::IAM::Role')).find(([, r]) => JSON.stringify(r).includes('vpc-flow-logs'))!;
  t.hasResourceProperties('AWS::EC2::FlowLog', { DeliverLogsPermissionArn: { 'Fn::GetAtt': [roleId, 'Arn'] } });
  expect(confusedDeputyFindingsOf(t.toJSON(), 'aws://111122223333/eu-west-1')).toEqual([]);
});
