import * as ec2 from 'aws-cdk-lib/aws-ec2';

/** How an endpoint's policy limits who may use it. */
export enum EndpointPolicyScope {
  /** AWS IoT Core endpoints take no endpoint policy (AWS IoT Core developer guide, "Using AWS IoT Core with interface VPC endpoints"). */
  NOT_SUPPORTED = 'NOT_SUPPORTED',
  /** Principals of this account only (`aws:PrincipalAccount`). */
  PRINCIPAL_ACCOUNT = 'PRINCIPAL_ACCOUNT',
  /** Principals of this account acting on resources of this account (`aws:PrincipalAccount` and `aws:ResourceAccount`). */
  PRINCIPAL_AND_RESOURCE_ACCOUNT = 'PRINCIPAL_AND_RESOURCE_ACCOUNT',
}

/**
 * An AWS service that `SegmentedNetwork` reaches through an interface VPC endpoint.
 *
 * AWS IoT Jobs has no endpoint service of its own: devices reach the jobs data plane over MQTT
 * through `IOT_DATA`.
 */
export class PrivateEndpoint {
  /** AWS IoT Core data plane (MQTT on 8883 and 443, HTTPS). No private DNS: add a private hosted zone for your ATS endpoint or custom domain. */
  public static readonly IOT_DATA = new PrivateEndpoint('IOT_DATA', ec2.InterfaceVpcEndpointAwsService.IOT_CORE, false, EndpointPolicyScope.NOT_SUPPORTED, [443, 8883]);
  /** The AWS IoT Core credentials provider, for role aliases. No private DNS: add a private hosted zone for your credentials endpoint. */
  public static readonly IOT_CREDENTIALS = new PrivateEndpoint('IOT_CREDENTIALS', ec2.InterfaceVpcEndpointAwsService.IOT_CORE_CREDENTIALS, false, EndpointPolicyScope.NOT_SUPPORTED, [443]);
  /** AWS IoT Greengrass control plane, for core devices in the network. */
  public static readonly GREENGRASS = new PrivateEndpoint('GREENGRASS', ec2.InterfaceVpcEndpointAwsService.IOT_GREENGRASS, true, EndpointPolicyScope.PRINCIPAL_ACCOUNT, [443]);
  /** AWS KMS. */
  public static readonly KMS = new PrivateEndpoint('KMS', ec2.InterfaceVpcEndpointAwsService.KMS, true, EndpointPolicyScope.PRINCIPAL_AND_RESOURCE_ACCOUNT, [443]);
  /** Amazon CloudWatch Logs. */
  public static readonly CLOUDWATCH_LOGS = new PrivateEndpoint('CLOUDWATCH_LOGS', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS, true, EndpointPolicyScope.PRINCIPAL_AND_RESOURCE_ACCOUNT, [443]);
  /** AWS Secrets Manager. */
  public static readonly SECRETS_MANAGER = new PrivateEndpoint('SECRETS_MANAGER', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, true, EndpointPolicyScope.PRINCIPAL_AND_RESOURCE_ACCOUNT, [443]);
  /** AWS STS (principals only: `GetCallerIdentity` names no resource). */
  public static readonly STS = new PrivateEndpoint('STS', ec2.InterfaceVpcEndpointAwsService.STS, true, EndpointPolicyScope.PRINCIPAL_ACCOUNT, [443]);
  /** AWS Systems Manager. */
  public static readonly SSM = new PrivateEndpoint('SSM', ec2.InterfaceVpcEndpointAwsService.SSM, true, EndpointPolicyScope.PRINCIPAL_AND_RESOURCE_ACCOUNT, [443]);

  /** Every endpoint this class offers. */
  public static readonly ALL: readonly PrivateEndpoint[] = [
    PrivateEndpoint.IOT_DATA, PrivateEndpoint.IOT_CREDENTIALS, PrivateEndpoint.GREENGRASS, PrivateEndpoint.KMS,
    PrivateEndpoint.CLOUDWATCH_LOGS, PrivateEndpoint.SECRETS_MANAGER, PrivateEndpoint.STS, PrivateEndpoint.SSM,
  ];

  private constructor(
    /** A stable name, used in construct IDs and flow records. */
    public readonly name: string,
    /** The endpoint service. */
    public readonly service: ec2.InterfaceVpcEndpointAwsService,
    /** Whether the service supports private DNS for its endpoints. */
    public readonly privateDns: boolean,
    /** How the endpoint's policy limits its use. */
    public readonly policyScope: EndpointPolicyScope,
    /** The TCP ports clients reach it on. */
    public readonly ports: readonly number[],
  ) {}
}
