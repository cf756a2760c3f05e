import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RiskProfile } from '../core/risk-profile';
import { GatewayCredentials } from './gateway-credentials';
import { PolicyAnalysis } from '../checks/policy-analysis';
import { acknowledge } from '../core/private/secure-defaults';
import { acknowledgeWildcardResource } from './private/statements';
import { describeValue } from '../core/private/describe';
import { riskProfileProblems } from '../core/private/risk-profile-of';

/** Props of `GreengrassCoreCredentials`. */
export interface GreengrassCoreCredentialsProps {
  /** The core device's thing name (1-128 letters, digits, ':', '_' or '-'). */
  readonly coreDeviceThingName: string;
  /**
   * The profile the defaults come from (the credential lifetime).
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * How long the token exchange service's credentials live, seconds (900..3600).
   * @default - the profile's `credentialDurationSec`
   */
  readonly credentialDurationSec?: number;
  /**
   * The token exchange role alias's name.
   * @default - a name derived from the construct path
   */
  readonly roleAliasName?: string;
  /**
   * The buckets the core downloads your components' artifacts from (read-only, whole bucket).
   * @default - none: only AWS-provided components, whose artifacts Greengrass serves itself
   */
  readonly artifactBuckets?: s3.IBucket[];
  /**
   * The log groups the log manager component uploads to
   * (`/aws/greengrass/<GreengrassSystemComponent|UserComponent>/<region>/<component>`).
   * Create them beforehand with retention and encryption; the core may write to these only.
   * @default - none: the core uploads no logs
   */
  readonly logGroups?: logs.ILogGroup[];
  /**
   * More the core's components need, as IAM statements (same rules as `GatewayCredentials`).
   * @default - none
   */
  readonly statements?: iam.PolicyStatement[];
}

const THING_NAME = /^[A-Za-z0-9:_-]{1,128}$/;

/**
 * An AWS IoT Greengrass V2 core device's cloud identity (practice 7): the token exchange role
 * and its role alias with only what Greengrass documents as the core's minimum, scoped to the
 * artifact buckets and log groups you name, and the core's AWS IoT policy, AWS's minimal core
 * device policy scoped to this core's thing name.
 *
 * The IoT policy names the thing literally rather than with `${iot:Connection.Thing.ThingName}`:
 * Greengrass documents that thing policy variables do not work for core devices (the nucleus
 * calls the Greengrass data plane over HTTPS, where they are not set, and connects over MQTT
 * with several client IDs, `<thing name>` and `<thing name>#2`...). One policy per core.
 * `credentials.gatewayPolicy`, the alias alone, serves certificates that need only credentials.
 */
export class GreengrassCoreCredentials extends Construct implements iam.IGrantable {
  /** The role alias and token exchange role. */
  public readonly credentials: GatewayCredentials;
  /** The token exchange role. */
  public readonly tokenExchangeRole: iam.Role;
  /** The core's AWS IoT policy: attach it to the core device's certificate. */
  public readonly corePolicy: iot.CfnPolicy;
  /** The core's AWS IoT policy's name. */
  public readonly corePolicyName: string;
  /** The core device's thing name. */
  public readonly coreDeviceThingName: string;
  /** The token exchange role, for `grant*` methods of other constructs. */
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: GreengrassCoreCredentialsProps) {
    super(scope, id);
    const p = props ?? ({} as GreengrassCoreCredentialsProps);
    const thing = p.coreDeviceThingName;
    const problems: string[] = riskProfileProblems(p.riskProfile);
    if (typeof thing !== 'string' || (!Token.isUnresolved(thing) && !THING_NAME.test(thing))) {
      problems.push(`coreDeviceThingName must be 1-128 letters, digits, ':', '_' or '-', got ${describeValue(thing)}`);
    } else if (Token.isUnresolved(thing)) {
      problems.push('coreDeviceThingName must be known at synth (the core\'s IoT policy names it literally)');
    }
    for (const list of ['artifactBuckets', 'logGroups'] as const) {
      if (p[list] !== undefined && !Array.isArray(p[list])) problems.push(`${list} must be a list, got ${describeValue(p[list])}`);
    }
    if (problems.length > 0) throw new Error(`${this.node.path}: ${problems.join('; ')}`);
    this.coreDeviceThingName = thing;

    this.credentials = new GatewayCredentials(this, 'TokenExchange', {
      riskProfile: p.riskProfile,
      credentialDurationSec: p.credentialDurationSec,
      roleAliasName: p.roleAliasName,
      statements: p.statements,
      roleDescription: `Greengrass V2 token exchange role of core device ${thing}`,
    });
    this.tokenExchangeRole = this.credentials.role;
    this.grantPrincipal = this.tokenExchangeRole;

    for (const logGroup of p.logGroups ?? []) this.grantLogUpload(logGroup);
    for (const bucket of p.artifactBuckets ?? []) this.grantArtifactRead(bucket);

    const stack = Stack.of(this);
    const iotArn = (path: string) => {
      const [resource, ...rest] = path.split('/');
      return stack.formatArn({ service: 'iot', resource, resourceName: rest.join('/') });
    };
    this.corePolicyName = `${thing.replace(/:/g, '-')}-GreengrassCore`.slice(0, 128);
    this.corePolicy = new iot.CfnPolicy(this, 'CorePolicy', {
      policyName: this.corePolicyName,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          // The nucleus connects as '<thing>' and, for more subscriptions, '<thing>#2', '<thing>#3'...
          { Effect: 'Allow', Action: 'iot:Connect', Resource: iotArn(`client/${thing}*`) },
          {
            Effect: 'Allow',
            Action: ['iot:Receive', 'iot:Publish'],
            Resource: [
              iotArn(`topic/$aws/things/${thing}/greengrass/health/json`),
              iotArn(`topic/$aws/things/${thing}/greengrassv2/health/json`),
              iotArn(`topic/$aws/things/${thing}/jobs/*`),
              iotArn(`topic/$aws/things/${thing}/shadow/*`),
            ],
          },
          {
            Effect: 'Allow',
            Action: 'iot:Subscribe',
            Resource: [
              iotArn(`topicfilter/$aws/things/${thing}/jobs/*`),
              iotArn(`topicfilter/$aws/things/${thing}/shadow/*`),
            ],
          },
          {
            Effect: 'Allow',
            Action: ['iot:GetThingShadow', 'iot:UpdateThingShadow', 'iot:DeleteThingShadow'],
            Resource: iotArn(`thing/${thing}`),
          },
          { Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: this.credentials.roleAliasArn },
          {
            // These Greengrass data-plane actions take no resource-level permission (Service Authorization Reference).
            Effect: 'Allow',
            Action: [
              'greengrass:GetComponentVersionArtifact',
              'greengrass:ResolveComponentCandidates',
              'greengrass:GetDeploymentConfiguration',
              'greengrass:ListThingGroupsForCoreDevice',
            ],
            Resource: '*',
          },
        ],
      },
    });
  }

  /** The log manager's upload to one named log group. */
  private grantLogUpload(logGroup: logs.ILogGroup): void {
    this.credentials.addToRolePolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [logGroup.logGroupArn],
    }));
  }

  /** Component artifacts from one named bucket, decrypted through S3 with its key. */
  private grantArtifactRead(bucket: s3.IBucket): void {
    this.credentials.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects('*')],
    }));
    this.credentials.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:GetBucketLocation'],
      resources: [bucket.bucketArn],
    }));
    if (bucket.encryptionKey) {
      this.credentials.addToRolePolicy(new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [bucket.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
      }));
    }
    acknowledgeWildcardResource(this, this.tokenExchangeRole, bucket.arnForObjects('*'),
      'Greengrass downloads any artifact a deployment names from this artifact bucket, which was named for that purpose; read-only.');
    // The same grant is data every core shares (IoTSecurity-GW5): component artifacts are shared by
    // design, each core reads what its deployment names, and no core can write there.
    const objects = bucket.arnForObjects('*');
    const role = this.tokenExchangeRole;
    this.node.addValidation({
      validate: () => {
        const shape = PolicyAnalysis.findingValue(Stack.of(role).resolve(objects));
        acknowledge(role, `IoTSecurity::IoTSecurity-GW5[SharedData::${shape}]`,
          'Component artifacts are shared by design: every Greengrass core downloads the artifacts its deployment names from this bucket, read-only (s3:GetObject); no core can write or delete them.');
        return [];
      },
    });
  }
}
