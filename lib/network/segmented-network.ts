import { Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { NetworkEgress, RiskProfile } from '../core/risk-profile';
import { confusedDeputySafePrincipal, sourceArnIn } from '../core/private/confused-deputy';
import { acknowledge, secureKey, secureLogGroup } from '../core/private/secure-defaults';
import { EndpointPolicyScope, PrivateEndpoint } from './private-endpoint';
import { cidrsOverlap, parseCidr } from './private/cidr';
import { describeValue } from '../core/private/describe';

/** One zone of the network: a subnet group, with its own security group and network ACL. */
export interface NetworkZoneOptions {
  /** The zone's name, also its subnet group's name (1-20 lower-case letters, digits or '-', starting with a letter). */
  readonly name: string;
  /**
   * The size of each of the zone's subnets (one per AZ), as a prefix length (16..28).
   * @default 24
   */
  readonly cidrMask?: number;
  /**
   * No route to the internet: the zone reaches AWS only through the VPC endpoints.
   * @default - true where `networkEgress` is NONE, and for a zone named `data`; false otherwise
   */
  readonly isolated?: boolean;
}

/** What a recorded flow connects. */
export enum FlowKind {
  /** From one zone to another (or within a zone), declared with `allowFlow`. */
  ZONE_TO_ZONE = 'ZONE_TO_ZONE',
  /** From an allow-listed CIDR outside the VPC into a zone. */
  EXTERNAL_INGRESS = 'EXTERNAL_INGRESS',
  /** From a zone to an allow-listed CIDR or prefix list outside the VPC. */
  EXTERNAL_EGRESS = 'EXTERNAL_EGRESS',
  /** From a zone to the network's VPC endpoints. */
  AWS_SERVICES = 'AWS_SERVICES',
  /** From a zone to the internet through NAT, and to Amazon S3 through its gateway endpoint (HTTPS only). */
  HTTPS_EGRESS = 'HTTPS_EGRESS',
}

/** A flow the network allows, as the posture report draws it. */
export interface NetworkFlow {
  /** What the flow connects. */
  readonly kind: FlowKind;
  /** The source: a zone name, `cidr:<block>`. */
  readonly source: string;
  /** The destination: a zone name, `endpoints`, `internet`, `s3` (an isolated zone's HTTPS), `cidr:<block>` or `prefix-list:<id>`. */
  readonly destination: string;
  /** The TCP port. */
  readonly port: number;
  /** The protocol (always `tcp`). */
  readonly protocol: string;
}

/** A zone as built. */
export interface NetworkZoneRecord {
  /** The zone's name. */
  readonly name: string;
  /** Whether the zone has no route to the internet. */
  readonly isolated: boolean;
  /** The CIDR blocks of its subnets, one per AZ. */
  readonly cidrs: string[];
}

/** Direction of an allow-list entry. */
export enum AllowListDirection {
  /** The external network connects into the zone. */
  INGRESS = 'INGRESS',
  /** The zone connects out to the external network. */
  EGRESS = 'EGRESS',
}

/** An external network a zone may talk to on one port (practice 7's allow list). */
export interface AllowListEntry {
  /** The zone. */
  readonly zone: string;
  /** Which way connections are opened. */
  readonly direction: AllowListDirection;
  /** The TCP port (1..65535). */
  readonly port: number;
  /**
   * An IPv4 CIDR block outside the VPC (never `0.0.0.0/0`).
   * @default - give `prefixListId` instead
   */
  readonly cidr?: string;
  /**
   * A managed prefix list, for EGRESS only (network ACLs cannot name one, so only the security group enforces it).
   * @default - give `cidr` instead
   */
  readonly prefixListId?: string;
}

/** A flow between zones. */
export interface ZoneFlowOptions {
  /** The zone connections start in. */
  readonly from: string;
  /** The zone they reach. */
  readonly to: string;
  /** The TCP port (1..65535). */
  readonly port: number;
}

/** Props of `SegmentedNetwork`. */
export interface SegmentedNetworkProps {
  /**
   * The profile the defaults come from (egress, endpoint set, flow log retention).
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * The VPC's IPv4 CIDR block (prefix length 16..24).
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * How many Availability Zones the zones span (1..6; an environment-agnostic stack gets at most 2).
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * The zones.
   * @default - edge, processing, management and data (data isolated), each /24
   */
  readonly zones?: NetworkZoneOptions[];
  /**
   * How the zones reach the internet.
   * @default - the profile's `networkEgress`
   */
  readonly networkEgress?: NetworkEgress;
  /**
   * NAT gateways, when a zone has egress (1..maxAzs: fewer saves cost, one per AZ survives an AZ outage).
   * @default - one per AZ
   */
  readonly natGateways?: number;
  /**
   * The interface endpoints.
   * @default - IOT_DATA and IOT_CREDENTIALS with NAT egress; with no egress also KMS, CLOUDWATCH_LOGS, SECRETS_MANAGER, STS and SSM
   */
  readonly endpoints?: PrivateEndpoint[];
  /**
   * How many AZs the interface endpoints span (1..maxAzs). Each endpoint costs per AZ and hour.
   * @default - every AZ of the network
   */
  readonly endpointAzs?: number;
  /**
   * The buckets the S3 gateway endpoint lets the zones reach.
   * @default - any bucket of this account (`aws:ResourceAccount`)
   */
  readonly s3Buckets?: s3.IBucket[];
  /**
   * Flows between zones.
   * @default - none (add more with `allowFlow`)
   */
  readonly flows?: ZoneFlowOptions[];
  /**
   * External networks the zones may talk to; omit it rather than pass an empty list.
   * @default - none (add more with `allowExternal`)
   */
  readonly allowList?: AllowListEntry[];
  /**
   * How long flow logs are kept.
   * @default - the profile's backup retention, at least 90 days
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * The key that encrypts the flow logs.
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
}

const ZONE_NAME = /^[a-z][a-z0-9-]{0,19}$/;
const RESERVED_ZONES = ['endpoints', 'nat'];
const ENDPOINTS_GROUP = 'endpoints';
const NAT_GROUP = 'nat';
const PREFIX_LIST = /^pl-[0-9a-f]{8,17}$/;
const DOMAIN_NAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const EPHEMERAL = { from: 1024, to: 65535 };
const RETENTIONS = Object.values(logs.RetentionDays)
  .filter((v): v is number => typeof v === 'number' && v > 0 && v !== logs.RetentionDays.INFINITE).sort((a, b) => a - b);
const ACL_REASON = 'Network ACLs are deliberate here: the second, stateless layer of zone segmentation (practice 1) under the security groups, '
  + 'as the IoT Lens asks; every entry is generated from the declared flows, so none is managed by hand.';


interface Zone {
  readonly name: string;
  readonly isolated: boolean;
  readonly securityGroup: ec2.SecurityGroup;
  readonly acl: ec2.NetworkAcl;
  readonly cidrs: string[];
  nextRule: number;
}

/**
 * A VPC laid out in zones by risk (practices 1 and 7): each zone its own subnet group, security
 * group and network ACL, with traffic between zones only where declared and enforced twice
 * (security groups allow no `0.0.0.0/0` ingress; network ACLs deny the rest of the VPC). Isolated
 * zones have no route to the internet; zones with egress reach it through NAT on HTTPS only.
 * Interface endpoints for AWS IoT and the services workloads need (private DNS and account-limited
 * policies where the service supports them), the S3 gateway endpoint limited to named buckets,
 * and VPC flow logs to a KMS-encrypted log group. Every allowed flow is recorded in `flows`.
 */
export class SegmentedNetwork extends Construct {
  /** The default zones: where devices and gateways land, where data is processed, operators' tools, and storage. */
  public static readonly DEFAULT_ZONES: readonly NetworkZoneOptions[] = [
    { name: 'edge' }, { name: 'processing' }, { name: 'management' }, { name: 'data', isolated: true },
  ];

  /** The VPC. */
  public readonly vpc: ec2.Vpc;
  /** Where the flow logs go. */
  public readonly flowLogGroup: logs.ILogGroup;
  /** The key that encrypts the flow logs. */
  public readonly encryptionKey: kms.IKey;
  /** How the zones reach the internet. */
  public readonly networkEgress: NetworkEgress;
  /** The interface endpoints, by `PrivateEndpoint.name`. */
  public readonly interfaceEndpoints: { [name: string]: ec2.InterfaceVpcEndpoint } = {};
  /** The S3 gateway endpoint. */
  public readonly s3Endpoint: ec2.GatewayVpcEndpoint;
  /** The security group of the interface endpoints. */
  public readonly endpointSecurityGroup: ec2.SecurityGroup;

  private readonly zoneMap = new Map<string, Zone>();
  private readonly flowList: NetworkFlow[] = [];
  private readonly allowListEntries: AllowListEntry[] = [];
  private readonly endpointPorts: number[];
  private readonly endpointCidrs: string[];
  private readonly vpcCidr: string;

  constructor(scope: Construct, id: string, props: SegmentedNetworkProps = {}) {
    super(scope, id);
    props = props ?? {};
    const profile = props.riskProfile ?? RiskProfile.INDUSTRIAL;
    this.networkEgress = props.networkEgress ?? profile.networkEgress;
    const cidr = props.cidr ?? '10.0.0.0/16';
    this.vpcCidr = cidr;
    const maxAzs = props.maxAzs ?? 2;
    const zoneOptions = props.zones ?? SegmentedNetwork.DEFAULT_ZONES;
    const endpoints = props.endpoints ?? (this.networkEgress === NetworkEgress.NONE
      ? [PrivateEndpoint.IOT_DATA, PrivateEndpoint.IOT_CREDENTIALS, PrivateEndpoint.KMS, PrivateEndpoint.CLOUDWATCH_LOGS,
        PrivateEndpoint.SECRETS_MANAGER, PrivateEndpoint.STS, PrivateEndpoint.SSM]
      : [PrivateEndpoint.IOT_DATA, PrivateEndpoint.IOT_CREDENTIALS]);
    const zones = this.validate(props, profile, cidr, maxAzs, zoneOptions, endpoints);
    const anyEgress = zones.some((z) => !z.isolated);

    const subnetConfiguration: ec2.SubnetConfiguration[] = zones.map((z) => ({
      name: z.name,
      cidrMask: z.cidrMask,
      subnetType: z.isolated ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS,
    }));
    subnetConfiguration.push({ name: ENDPOINTS_GROUP, cidrMask: 27, subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    if (anyEgress) subnetConfiguration.push({ name: NAT_GROUP, cidrMask: 28, subnetType: ec2.SubnetType.PUBLIC, mapPublicIpOnLaunch: false });

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      maxAzs,
      natGateways: anyEgress ? props.natGateways ?? maxAzs : 0,
      natGatewaySubnets: anyEgress ? { subnetGroupName: NAT_GROUP } : undefined,
      subnetConfiguration,
      // CDK strips the default security group's rules, so nothing can fall back on it.
      restrictDefaultSecurityGroup: true,
    });

    this.encryptionKey = props.encryptionKey ?? secureKey(this, 'Key', { description: `Encrypts the VPC flow logs of ${this.node.path}` });
    const retention = props.flowLogRetention ?? retentionAtLeast(Math.max(90, profile.backupRetentionDays));
    this.flowLogGroup = secureLogGroup(this, 'FlowLogs', { encryptionKey: this.encryptionKey, retention });
    // CDK's own flow log role trusts vpc-flow-logs.amazonaws.com acting for any account's flow log.
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      description: `Assumed by VPC Flow Logs to publish the flow logs of ${this.node.path}`,
      assumedBy: confusedDeputySafePrincipal(this, 'vpc-flow-logs.amazonaws.com', {
        sourceArn: sourceArnIn(this, 'ec2', 'vpc-flow-log', '*'),
      }),
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, flowLogRole),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    for (const z of zones) {
      const subnets = this.vpc.selectSubnets({ subnetGroupName: z.name }).subnets;
      const securityGroup = new ec2.SecurityGroup(this, `${pascal(z.name)}SecurityGroup`, {
        vpc: this.vpc,
        allowAllOutbound: false,
        description: `Zone ${z.name} of ${this.node.path}: only declared flows`,
      });
      const acl = new ec2.NetworkAcl(this, `${pascal(z.name)}Acl`, { vpc: this.vpc, subnetSelection: { subnets } });
      acknowledge(acl, 'AwsSolutions-VPC3', ACL_REASON);
      const zone: Zone = { name: z.name, isolated: z.isolated, securityGroup, acl, cidrs: subnets.map((s) => s.ipv4CidrBlock), nextRule: 100 };
      this.zoneMap.set(z.name, zone);
      // Subnets of one zone in different AZs: the security groups decide.
      for (const c of zone.cidrs) {
        this.aclEntry(zone, 'ingress', c, ec2.AclTraffic.allTraffic());
        this.aclEntry(zone, 'egress', c, ec2.AclTraffic.allTraffic());
      }
    }

    // The interface endpoints get their own subnets, security group and ACL.
    const endpointSubnets = this.vpc.selectSubnets({ subnetGroupName: ENDPOINTS_GROUP }).subnets;
    this.endpointCidrs = endpointSubnets.map((s) => s.ipv4CidrBlock);
    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      allowAllOutbound: false,
      description: `Interface endpoints of ${this.node.path}: HTTPS (and MQTT) from the zones only`,
    });
    this.endpointPorts = [...new Set(endpoints.flatMap((e) => e.ports))].sort((a, b) => a - b);
    const endpointAcl = new ec2.NetworkAcl(this, 'EndpointsAcl', { vpc: this.vpc, subnetSelection: { subnets: endpointSubnets } });
    acknowledge(endpointAcl, 'AwsSolutions-VPC3', ACL_REASON);
    let rule = 100;
    for (const zone of this.zoneMap.values()) {
      for (const c of zone.cidrs) {
        for (const port of this.endpointPorts) {
          endpointAcl.addEntry(`In${rule}`, { ruleNumber: rule++, cidr: ec2.AclCidr.ipv4(c), traffic: ec2.AclTraffic.tcpPort(port), direction: ec2.TrafficDirection.INGRESS });
        }
        endpointAcl.addEntry(`Out${rule}`, { ruleNumber: rule++, cidr: ec2.AclCidr.ipv4(c), traffic: ec2.AclTraffic.tcpPortRange(EPHEMERAL.from, EPHEMERAL.to), direction: ec2.TrafficDirection.EGRESS });
      }
      for (const port of this.endpointPorts) {
        this.endpointSecurityGroup.addIngressRule(zone.securityGroup, ec2.Port.tcp(port), `From zone ${zone.name}`);
        zone.securityGroup.addEgressRule(this.endpointSecurityGroup, ec2.Port.tcp(port), 'To the VPC endpoints');
        for (const e of this.endpointCidrs) {
          this.aclEntry(zone, 'egress', e, ec2.AclTraffic.tcpPort(port));
        }
        this.flowList.push({ kind: FlowKind.AWS_SERVICES, source: zone.name, destination: ENDPOINTS_GROUP, port, protocol: 'tcp' });
      }
      for (const e of this.endpointCidrs) this.aclEntry(zone, 'ingress', e, ec2.AclTraffic.tcpPortRange(EPHEMERAL.from, EPHEMERAL.to));
    }

    const endpointSelection = { subnets: endpointSubnets.slice(0, props.endpointAzs ?? endpointSubnets.length) };
    const account = Stack.of(this).account;
    for (const e of endpoints) {
      const endpoint = new ec2.InterfaceVpcEndpoint(this, `${pascal(e.name)}Endpoint`, {
        vpc: this.vpc,
        service: e.service,
        subnets: endpointSelection,
        securityGroups: [this.endpointSecurityGroup],
        privateDnsEnabled: e.privateDns,
        open: false,
      });
      if (e.policyScope !== EndpointPolicyScope.NOT_SUPPORTED) {
        const conditions: { [key: string]: string } = { 'aws:PrincipalAccount': account };
        if (e.policyScope === EndpointPolicyScope.PRINCIPAL_AND_RESOURCE_ACCOUNT) conditions['aws:ResourceAccount'] = account;
        endpoint.addToPolicy(new iam.PolicyStatement({
          sid: 'ThisAccountOnly',
          principals: [new iam.AnyPrincipal()],
          actions: ['*'],
          resources: ['*'],
          conditions: { StringEquals: conditions },
        }));
      }
      this.interfaceEndpoints[e.name] = endpoint;
    }

    this.s3Endpoint = this.vpc.addGatewayEndpoint('S3Endpoint', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: zones.map((z) => ({ subnetGroupName: z.name })),
    });
    const buckets = props.s3Buckets ?? [];
    this.s3Endpoint.addToPolicy(new iam.PolicyStatement({
      sid: buckets.length > 0 ? 'NamedBucketsOfThisAccount' : 'BucketsOfThisAccount',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:*'],
      resources: buckets.length > 0 ? buckets.flatMap((b) => [b.bucketArn, b.arnForObjects('*')]) : ['*'],
      conditions: { StringEquals: buckets.length > 0 ? { 'aws:PrincipalAccount': account } : { 'aws:PrincipalAccount': account, 'aws:ResourceAccount': account } },
    }));

    // HTTPS out: to the internet through NAT where a zone has egress, to S3 through its gateway endpoint everywhere.
    for (const zone of this.zoneMap.values()) {
      zone.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), zone.isolated ? 'HTTPS to Amazon S3 (gateway endpoint; no internet route)' : 'HTTPS to the internet through NAT and to Amazon S3');
      this.flowList.push({ kind: FlowKind.HTTPS_EGRESS, source: zone.name, destination: zone.isolated ? 's3' : 'internet', port: 443, protocol: 'tcp' });
    }

    for (const f of props.flows ?? []) this.allowFlow(f.from, f.to, f.port);
    for (const entry of props.allowList ?? []) this.allowExternal(entry);
    // After every declared flow (lower rule numbers): the rest of the VPC is denied, then HTTPS out and its answers.
    for (const zone of this.zoneMap.values()) this.closeZone(zone, cidr);
  }

  /** Every flow the network allows: the zone graph of the posture report. */
  public get flows(): NetworkFlow[] {
    return this.flowList.map((f) => ({ ...f }));
  }

  /** Every allow-list entry: the external networks the zones talk to. */
  public get allowList(): AllowListEntry[] {
    return this.allowListEntries.map((e) => ({ ...e }));
  }

  /** The zones as built. */
  public get zones(): NetworkZoneRecord[] {
    return [...this.zoneMap.values()].map((z) => ({ name: z.name, isolated: z.isolated, cidrs: [...z.cidrs] }));
  }

  /** The names of the zones. */
  public get zoneNames(): string[] {
    return [...this.zoneMap.keys()];
  }

  /** The security group of a zone: put the zone's workloads in it. */
  public securityGroupOf(zone: string): ec2.ISecurityGroup {
    return this.zoneOf(zone, 'zone').securityGroup;
  }

  /** The subnets of a zone. */
  public subnetsOf(zone: string): ec2.SubnetSelection {
    this.zoneOf(zone, 'zone');
    return { subnetGroupName: zone };
  }

  /**
   * Allows TCP connections from zone `from` to zone `to` on `port`: a security group rule each
   * way, and network ACL entries for the connection and its answers.
   */
  public allowFlow(from: string, to: string, port: number): void {
    const problems: string[] = [];
    const source = this.zoneMap.get(from);
    const target = this.zoneMap.get(to);
    if (!source) problems.push(`flow from: unknown zone ${JSON.stringify(from)} (zones: ${this.zoneNames.join(', ')})`);
    if (!target) problems.push(`flow to: unknown zone ${JSON.stringify(to)} (zones: ${this.zoneNames.join(', ')})`);
    if (!validPort(port)) problems.push(`flow port must be an integer from 1 to 65535, got ${describeValue(port)}`);
    if (problems.length > 0 || !source || !target) throw new Error(`${this.node.path}: ${problems.join('; ')}`);
    if (this.flowList.some((f) => f.kind === FlowKind.ZONE_TO_ZONE && f.source === from && f.destination === to && f.port === port)) return;

    target.securityGroup.addIngressRule(source.securityGroup, ec2.Port.tcp(port), `From zone ${from}`);
    source.securityGroup.addEgressRule(target.securityGroup, ec2.Port.tcp(port), `To zone ${to}`);
    if (source !== target) {
      for (const c of target.cidrs) {
        this.aclEntry(source, 'egress', c, ec2.AclTraffic.tcpPort(port));
        this.aclEntry(source, 'ingress', c, ec2.AclTraffic.tcpPortRange(EPHEMERAL.from, EPHEMERAL.to));
      }
      for (const c of source.cidrs) {
        this.aclEntry(target, 'ingress', c, ec2.AclTraffic.tcpPort(port));
        this.aclEntry(target, 'egress', c, ec2.AclTraffic.tcpPortRange(EPHEMERAL.from, EPHEMERAL.to));
      }
    }
    this.flowList.push({ kind: FlowKind.ZONE_TO_ZONE, source: from, destination: to, port, protocol: 'tcp' });
  }

  /** Allows a zone to talk to an external network on one port (an allow-list entry). */
  public allowExternal(entry: AllowListEntry): void {
    const problems = this.problemsOfEntry(entry);
    if (problems.length > 0) throw new Error(`${this.node.path}: allowList: ${problems.join('; ')}`);
    const zone = this.zoneMap.get(entry.zone)!;
    const port = ec2.Port.tcp(entry.port);
    this.allowListEntries.push({ ...entry });
    if (entry.direction === AllowListDirection.INGRESS) {
      zone.securityGroup.addIngressRule(ec2.Peer.ipv4(entry.cidr!), port, `Allow-listed ${entry.cidr}`);
      this.aclEntry(zone, 'ingress', entry.cidr!, ec2.AclTraffic.tcpPort(entry.port));
      this.aclEntry(zone, 'egress', entry.cidr!, ec2.AclTraffic.tcpPortRange(EPHEMERAL.from, EPHEMERAL.to));
      this.flowList.push({ kind: FlowKind.EXTERNAL_INGRESS, source: `cidr:${entry.cidr}`, destination: zone.name, port: entry.port, protocol: 'tcp' });
    } else if (entry.cidr !== undefined) {
      zone.securityGroup.addEgressRule(ec2.Peer.ipv4(entry.cidr), port, `Allow-listed ${entry.cidr}`);
      this.aclEntry(zone, 'egress', entry.cidr, ec2.AclTraffic.tcpPort(entry.port));
      this.aclEntry(zone, 'ingress', entry.cidr, ec2.AclTraffic.tcpPortRange(EPHEMERAL.from, EPHEMERAL.to));
      this.flowList.push({ kind: FlowKind.EXTERNAL_EGRESS, source: zone.name, destination: `cidr:${entry.cidr}`, port: entry.port, protocol: 'tcp' });
    } else {
      // A network ACL cannot name a prefix list: the security group alone enforces this one.
      zone.securityGroup.addEgressRule(ec2.Peer.prefixList(entry.prefixListId!), port, `Allow-listed ${entry.prefixListId}`);
      this.flowList.push({ kind: FlowKind.EXTERNAL_EGRESS, source: zone.name, destination: `prefix-list:${entry.prefixListId}`, port: entry.port, protocol: 'tcp' });
    }
  }

  /**
   * Resolves `domainName` inside the VPC to one of its interface endpoints, through a private
   * hosted zone: what AWS IoT Core's endpoints need, since they offer no private DNS. Give your
   * account's ATS data endpoint (`aws iot describe-endpoint --endpoint-type iot:Data-ATS`), its
   * credentials endpoint, or a `SecureIotEndpoint`'s custom domain.
   */
  public addPrivateDnsName(domainName: string, endpoint: PrivateEndpoint): route53.IPrivateHostedZone {
    const problems: string[] = [];
    if (typeof domainName !== 'string' || (!Token.isUnresolved(domainName) && !DOMAIN_NAME.test(domainName))) {
      problems.push(`domainName must be a fully qualified domain name such as 'abc123-ats.iot.eu-west-1.amazonaws.com', got ${describeValue(domainName)}`);
    }
    const target = endpoint instanceof PrivateEndpoint ? this.interfaceEndpoints[endpoint.name] : undefined;
    if (!target) {
      problems.push(`endpoint must be one of this network's endpoints (${Object.keys(this.interfaceEndpoints).join(', ') || 'none'}), got ${endpoint instanceof PrivateEndpoint ? endpoint.name : describeValue(endpoint)}`);
    }
    if (problems.length > 0 || !target) throw new Error(`${this.node.path}: addPrivateDnsName: ${problems.join('; ')}`);
    const id = `PrivateDns${this.node.children.filter((c) => c.node.id.startsWith('PrivateDns')).length}`;
    const zone = new route53.PrivateHostedZone(this, id, { zoneName: domainName, vpc: this.vpc, comment: `${endpoint.name} endpoint of ${this.node.path}` });
    new route53.ARecord(zone, 'Alias', { zone, target: route53.RecordTarget.fromAlias(new targets.InterfaceVpcEndpointTarget(target)) });
    return zone;
  }

  private zoneOf(name: string, prop: string): Zone {
    const zone = this.zoneMap.get(name);
    if (!zone) throw new Error(`${this.node.path}: ${prop}: unknown zone ${JSON.stringify(name)} (zones: ${this.zoneNames.join(', ')})`);
    return zone;
  }

  private problemsOfEntry(entry: AllowListEntry): string[] {
    const problems: string[] = [];
    if (!entry || typeof entry !== 'object') return [`each entry must be { zone, direction, port, cidr | prefixListId }, got ${describeValue(entry)}`];
    if (!this.zoneMap.has(entry.zone)) problems.push(`zone: unknown zone ${JSON.stringify(entry.zone)} (zones: ${this.zoneNames.join(', ')})`);
    if (!Object.values(AllowListDirection).includes(entry.direction)) {
      problems.push(`direction must be INGRESS or EGRESS, got ${describeValue(entry.direction)}`);
    }
    if (!validPort(entry.port)) problems.push(`port must be an integer from 1 to 65535, got ${describeValue(entry.port)}`);
    if ((entry.cidr === undefined) === (entry.prefixListId === undefined)) {
      problems.push('give exactly one of cidr and prefixListId');
    }
    if (entry.cidr !== undefined && !Token.isUnresolved(entry.cidr)) {
      const parsed = parseCidr(entry.cidr);
      const vpcCidr = this.vpcCidr;
      if (!parsed) {
        problems.push(`cidr must be an IPv4 CIDR block such as '203.0.113.0/24', got ${describeValue(entry.cidr)}`);
      } else if (parsed.prefix === 0) {
        problems.push(`cidr ${entry.cidr} is the whole internet, which is not an allow list; name the networks`);
      } else if (cidrsOverlap(entry.cidr, vpcCidr)) {
        problems.push(`cidr ${entry.cidr} overlaps the VPC's ${vpcCidr}; allow-listed networks are outside it (use allowFlow between zones)`);
      }
    }
    if (entry.prefixListId !== undefined) {
      if (entry.direction === AllowListDirection.INGRESS) {
        problems.push('prefixListId is for EGRESS only (a network ACL cannot name a prefix list, so ingress would be enforced once only); give cidr');
      }
      if (!Token.isUnresolved(entry.prefixListId) && !PREFIX_LIST.test(entry.prefixListId)) {
        problems.push(`prefixListId must look like 'pl-0123456789abcdef0', got ${describeValue(entry.prefixListId)}`);
      }
    }
    return problems;
  }

  /** The last entries of a zone's ACL: the rest of the VPC denied, then HTTPS out and its answers. */
  private closeZone(zone: Zone, vpcCidr: string): void {
    const entry = (n: number, direction: ec2.TrafficDirection, cidr: string, traffic: ec2.AclTraffic, ruleAction: ec2.Action) =>
      zone.acl.addEntry(`Rule${n}${direction === ec2.TrafficDirection.INGRESS ? 'In' : 'Out'}`, { ruleNumber: n, cidr: ec2.AclCidr.ipv4(cidr), traffic, direction, ruleAction });
    entry(32000, ec2.TrafficDirection.INGRESS, vpcCidr, ec2.AclTraffic.allTraffic(), ec2.Action.DENY);
    entry(32000, ec2.TrafficDirection.EGRESS, vpcCidr, ec2.AclTraffic.allTraffic(), ec2.Action.DENY);
    entry(32001, ec2.TrafficDirection.EGRESS, '0.0.0.0/0', ec2.AclTraffic.tcpPort(443), ec2.Action.ALLOW);
    entry(32001, ec2.TrafficDirection.INGRESS, '0.0.0.0/0', ec2.AclTraffic.tcpPortRange(EPHEMERAL.from, EPHEMERAL.to), ec2.Action.ALLOW);
  }

  private aclEntry(zone: Zone, direction: 'ingress' | 'egress', cidr: string, traffic: ec2.AclTraffic): void {
    const n = zone.nextRule++;
    if (n >= 32000) throw new Error(`${this.node.path}: zone ${zone.name} has more network ACL entries than fit below rule 32000; declare fewer flows or allow-list entries`);
    zone.acl.addEntry(`Rule${n}`, {
      ruleNumber: n,
      cidr: ec2.AclCidr.ipv4(cidr),
      traffic,
      direction: direction === 'ingress' ? ec2.TrafficDirection.INGRESS : ec2.TrafficDirection.EGRESS,
      ruleAction: ec2.Action.ALLOW,
    });
  }

  private validate(props: SegmentedNetworkProps, profile: RiskProfile, cidr: string, maxAzs: number,
    zoneOptions: readonly NetworkZoneOptions[], endpoints: PrivateEndpoint[]): { name: string; cidrMask: number; isolated: boolean }[] {
    const problems: string[] = [];
    if (!(profile instanceof RiskProfile)) problems.push(`riskProfile must be a RiskProfile, got ${describeValue(profile)}`);
    if (!Object.values(NetworkEgress).includes(this.networkEgress)) {
      problems.push(`networkEgress must be one of ${Object.values(NetworkEgress).join(', ')}, got ${describeValue(this.networkEgress)}`);
    }
    const vpc = typeof cidr === 'string' ? parseCidr(cidr) : undefined;
    if (!vpc || vpc.prefix < 16 || vpc.prefix > 24) {
      problems.push(`cidr must be an IPv4 CIDR block with a prefix length from 16 to 24, got ${describeValue(cidr)}`);
    }
    if (typeof maxAzs !== 'number' || !Number.isInteger(maxAzs) || maxAzs < 1 || maxAzs > 6) {
      problems.push(`maxAzs must be an integer from 1 to 6, got ${describeValue(maxAzs)}`);
    }
    for (const [prop, v] of [['natGateways', props.natGateways], ['endpointAzs', props.endpointAzs]] as const) {
      if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > maxAzs)) {
        problems.push(`${prop} must be an integer from 1 to maxAzs (${maxAzs}), got ${describeValue(v)}`);
      }
    }
    if (!Array.isArray(endpoints) || endpoints.some((e) => !PrivateEndpoint.ALL.includes(e))) {
      problems.push(`endpoints must be a list of PrivateEndpoint members (${PrivateEndpoint.ALL.map((e) => e.name).join(', ')})`);
    }
    if (props.allowList !== undefined && (!Array.isArray(props.allowList) || props.allowList.length === 0)) {
      problems.push(`allowList must list at least one entry (omit it for none), got ${describeValue(props.allowList)}`);
    }
    if (props.flows !== undefined && !Array.isArray(props.flows)) problems.push(`flows must be a list, got ${describeValue(props.flows)}`);
    if (props.flowLogRetention !== undefined && !RETENTIONS.includes(props.flowLogRetention)) {
      problems.push(`flowLogRetention must be a logs.RetentionDays value other than INFINITE, got ${describeValue(props.flowLogRetention)}`);
    }

    const zones: { name: string; cidrMask: number; isolated: boolean }[] = [];
    if (!Array.isArray(zoneOptions) || zoneOptions.length === 0) {
      problems.push(`zones must list at least one zone, got ${describeValue(zoneOptions)}`);
    } else {
      const seen = new Set<string>();
      for (const z of zoneOptions) {
        const name = z?.name;
        if (typeof name !== 'string' || !ZONE_NAME.test(name) || RESERVED_ZONES.includes(name)) {
          problems.push(`zones: name must be 1-20 lower-case letters, digits or '-', starting with a letter, and not ${RESERVED_ZONES.join(' or ')}, got ${describeValue(name)}`);
          continue;
        }
        if (seen.has(name)) problems.push(`zones: ${name} is named twice`);
        seen.add(name);
        const cidrMask = z.cidrMask ?? 24;
        if (!Number.isInteger(cidrMask) || cidrMask < 16 || cidrMask > 28) {
          problems.push(`zones: ${name}: cidrMask must be an integer from 16 to 28, got ${describeValue(z.cidrMask)}`);
        } else if (vpc && cidrMask <= vpc.prefix) {
          problems.push(`zones: ${name}: cidrMask /${cidrMask} is not smaller than the VPC's ${cidr}`);
        }
        if (z.isolated !== undefined && typeof z.isolated !== 'boolean') {
          problems.push(`zones: ${name}: isolated must be true or false, got ${describeValue(z.isolated)}`);
        }
        const isolated = z.isolated ?? (this.networkEgress === NetworkEgress.NONE || name === 'data');
        if (!isolated && this.networkEgress === NetworkEgress.NONE) {
          problems.push(`zones: ${name}: isolated false needs networkEgress NAT (the profile ${profile?.name} allows no internet egress)`);
        }
        zones.push({ name, cidrMask, isolated });
      }
    }
    // Subnets are carved in order, each group one subnet per AZ; the VPC must hold them all.
    if (vpc && problems.length === 0) {
      const azs = maxAzs;
      const anyEgress = zones.some((z) => !z.isolated);
      const sizes = [...zones.map((z) => z.cidrMask), 27, ...(anyEgress ? [28] : [])];
      const needed = sizes.reduce((sum, mask) => sum + azs * 2 ** (32 - mask), 0);
      const available = 2 ** (32 - vpc.prefix);
      if (needed > available) {
        problems.push(`cidr ${cidr} is too small: ${zones.length} zones of ${zones.map((z) => `/${z.cidrMask}`).join(', ')} in ${azs} AZs, with the endpoint and NAT subnets, need ${needed} addresses and it has ${available}`);
      }
    }
    if (problems.length > 0) throw new Error(`${this.node.path}: ${problems.join('; ')}`);
    return zones;
  }
}

/** The shortest CloudWatch Logs retention of at least `days`. */
function retentionAtLeast(days: number): logs.RetentionDays {
  return (RETENTIONS.find((r) => r >= days) ?? RETENTIONS[RETENTIONS.length - 1]) as logs.RetentionDays;
}

function validPort(port: unknown): boolean {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

function pascal(name: string): string {
  return name.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}
