import { ArnFormat, Names, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RiskProfile } from '../core/risk-profile';
import { acknowledgeWildcardResource, problemsOfStatement, THING_NAME_VARIABLE } from './private/statements';
import { describeValue } from '../core/private/describe';

/** Props of `GatewayCredentials`. */
export interface GatewayCredentialsProps {
  /**
   * The profile the defaults come from (the credential lifetime).
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * The role alias's name (1-128 letters, digits, '=', ',', '@', '_' or '-').
   * @default - a name derived from the construct path
   */
  readonly roleAliasName?: string;
  /**
   * How long the temporary credentials live, seconds (900..3600).
   * @default - the profile's `credentialDurationSec`
   */
  readonly credentialDurationSec?: number;
  /**
   * What the gateways may do, as IAM statements: named actions (no `*`, no `NotAction`, no
   * IAM/STS/Organizations) on the gateways' own resources; scope them per gateway with
   * `${credentials-iot:ThingName}` where the service allows. More can be added with
   * `addToRolePolicy` and the `grant*` methods.
   * @default - none
   */
  readonly statements?: iam.PolicyStatement[];
  /**
   * The description of the token exchange role.
   * @default - says which role alias it serves
   */
  readonly roleDescription?: string;
}

const ROLE_ALIAS_NAME = /^[\w=,@-]{1,128}$/;
const MIN_DURATION_SEC = 900;
const MAX_DURATION_SEC = 3600;

/**
 * Temporary AWS credentials for gateways and devices (practice 7): an `AWS::IoT::RoleAlias` in
 * front of a least-privilege token exchange role, and the IoT policy a gateway's certificate
 * needs to call the AWS IoT credentials provider for that alias and no other. Gateways then
 * hold no long-term AWS keys: they trade their X.509 certificate for credentials that live
 * `credentialDurationSec` (15 minutes to an hour, from the risk profile).
 *
 * The role grants nothing by itself: pass `statements`, or call `addToRolePolicy` and the
 * `grant*` methods, which scope each grant to the calling gateway with
 * `${credentials-iot:ThingName}` (the gateway sends its thing name in the
 * `x-amzn-iot-thingname` header; its certificate must be attached to that thing). Wildcard
 * actions and administrative services are refused.
 */
export class GatewayCredentials extends Construct implements iam.IGrantable {
  /** The token exchange role, assumed by the AWS IoT credentials provider only. */
  public readonly role: iam.Role;
  /** The role alias. */
  public readonly roleAlias: iot.CfnRoleAlias;
  /** The role alias's name. */
  public readonly roleAliasName: string;
  /** The role alias's ARN. */
  public readonly roleAliasArn: string;
  /** The lifetime of the credentials, seconds. */
  public readonly credentialDurationSec: number;
  /** The IoT policy to attach to gateway certificates: `iot:AssumeRoleWithCertificate` on this alias only. */
  public readonly gatewayPolicy: iot.CfnPolicy;
  /** The gateway IoT policy's name. */
  public readonly gatewayPolicyName: string;
  /** The role, so that `grant*` methods of other constructs can grant the gateways. */
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: GatewayCredentialsProps = {}) {
    super(scope, id);
    props = props ?? {};
    const profile = props.riskProfile ?? RiskProfile.INDUSTRIAL;
    this.credentialDurationSec = props.credentialDurationSec ?? profile.credentialDurationSec;
    this.roleAliasName = props.roleAliasName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    this.validate(props);

    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'TokenExchangeRole', {
      // The credentials provider documents no aws:SourceArn/SourceAccount for its trust
      // policy; the role alias, which only this account can create, is what points here.
      assumedBy: new iam.ServicePrincipal('credentials.iot.amazonaws.com'),
      description: props.roleDescription ?? `Token exchange role of the AWS IoT role alias ${this.roleAliasName}`,
    });
    this.grantPrincipal = this.role;
    this.roleAlias = new iot.CfnRoleAlias(this, 'Resource', {
      roleAlias: this.roleAliasName,
      roleArn: this.role.roleArn,
      credentialDurationSeconds: this.credentialDurationSec,
    });
    // Built from the name, so IoT policies read it as one literal alias.
    this.roleAliasArn = stack.formatArn({ service: 'iot', resource: 'rolealias', resourceName: this.roleAliasName });

    this.gatewayPolicyName = `${this.roleAliasName.slice(0, 120)}-Gateway`;
    this.gatewayPolicy = new iot.CfnPolicy(this, 'GatewayPolicy', {
      policyName: this.gatewayPolicyName,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: this.roleAliasArn }],
      },
    });

    for (const statement of props.statements ?? []) this.addToRolePolicy(statement);
  }

  /**
   * Adds a statement to the token exchange role. Refused: `NotAction`, a wildcard in an action
   * (`*`, `s3:*`, `s3:Get*`), and actions of IAM, STS, Organizations and the other account
   * administration services.
   */
  public addToRolePolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    const problems = problemsOfStatement(statement);
    if (problems.length > 0) throw new Error(`${this.node.path}: statements: ${problems.join('; ')}`);
    return this.role.addToPrincipalPolicy(statement);
  }

  /**
   * Lets each gateway read the objects under `<prefix><its thing name>/` in `bucket`, and
   * decrypt them with the bucket's key (through S3 only).
   * @param prefix a key prefix before the thing name, e.g. `config/` (default: none)
   */
  public grantReadThingObjects(bucket: s3.IBucket, prefix: string = ''): iam.Grant {
    const grant = this.grantOnThingObjects(bucket, prefix, ['s3:GetObject']);
    this.grantKeyViaService(bucket.encryptionKey, 's3', ['kms:Decrypt']);
    return grant;
  }

  /**
   * Lets each gateway write objects under `<prefix><its thing name>/` in `bucket`, encrypting
   * them with the bucket's key (through S3 only).
   * @param prefix a key prefix before the thing name, e.g. `uploads/` (default: none)
   */
  public grantWriteThingObjects(bucket: s3.IBucket, prefix: string = ''): iam.Grant {
    const grant = this.grantOnThingObjects(bucket, prefix, ['s3:PutObject']);
    this.grantKeyViaService(bucket.encryptionKey, 's3', ['kms:GenerateDataKey', 'kms:Decrypt']);
    return grant;
  }

  /**
   * Lets each gateway write log events to the streams of `logGroup` named after its thing
   * (`<thing name>` or `<thing name>/...`). Creating a stream is authorized on the log group
   * (Service Authorization Reference), so any gateway may create a stream of any name; it can
   * write only to its own.
   */
  public grantWriteThingLogs(logGroup: logs.ILogGroup): iam.Grant {
    const streams = Stack.of(this).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${logGroup.logGroupName}:log-stream:${THING_NAME_VARIABLE}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const create = iam.Grant.addToPrincipal({ grantee: this.role, actions: ['logs:CreateLogStream'], resourceArns: [logGroup.logGroupArn] });
    if (logGroup.logGroupArn.includes('*')) {
      acknowledgeWildcardResource(this, this.role, logGroup.logGroupArn,
        "logs:CreateLogStream is authorized on the log group, whose ARN ends in ':*'; this names one log group.");
    }
    return create.combine(this.grantScoped(['logs:PutLogEvents'], [streams, `${streams}/*`]));
  }

  /**
   * Lets each gateway read and write the items of `table` whose partition key is its thing
   * name (`dynamodb:LeadingKeys`).
   */
  public grantReadWriteThingItems(table: dynamodb.ITable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
      resourceArns: [table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [THING_NAME_VARIABLE] } },
    });
    this.grantKeyViaService(table.encryptionKey, 'dynamodb', ['kms:Decrypt', 'kms:GenerateDataKey']);
    return grant;
  }

  private grantOnThingObjects(bucket: s3.IBucket, prefix: string, actions: string[]): iam.Grant {
    if (typeof prefix !== 'string' || (!Token.isUnresolved(prefix) && /[*?]/.test(prefix))) {
      throw new Error(`${this.node.path}: prefix must be a key prefix without '*' or '?', got ${describeValue(prefix)}`);
    }
    return this.grantScoped(actions, [bucket.arnForObjects(`${prefix}${THING_NAME_VARIABLE}/*`)]);
  }

  /** A grant whose resources end in a wildcard after the thing name: cdk-nag's IAM5 finding on each is acknowledged. */
  private grantScoped(actions: string[], resourceArns: string[]): iam.Grant {
    const grant = iam.Grant.addToPrincipal({ grantee: this.role, actions, resourceArns });
    for (const arn of resourceArns.filter((a) => a.includes('*'))) {
      acknowledgeWildcardResource(this, this.role, arn,
        "Scoped to the calling gateway by ${credentials-iot:ThingName}: the '*' after it spans only that gateway's own objects or log streams.");
    }
    return grant;
  }

  /** Use of a customer-managed key, only through `service` (kms:ViaService) in this region. */
  private grantKeyViaService(key: kms.IKey | undefined, service: string, actions: string[]): void {
    if (!key) return;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions,
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `${service}.${Stack.of(this).region}.amazonaws.com` } },
    }));
  }

  private validate(props: GatewayCredentialsProps): void {
    const problems: string[] = [];
    if (props.riskProfile !== undefined && !(props.riskProfile instanceof RiskProfile)) {
      problems.push(`riskProfile must be a RiskProfile, got ${describeValue(props.riskProfile)}`);
    }
    const d = this.credentialDurationSec;
    if (!Token.isUnresolved(d) && (typeof d !== 'number' || !Number.isInteger(d) || d < MIN_DURATION_SEC || d > MAX_DURATION_SEC)) {
      problems.push(`credentialDurationSec must be an integer from ${MIN_DURATION_SEC} to ${MAX_DURATION_SEC} (gateways refresh at no cost; longer-lived credentials outlive a revoked certificate), got ${describeValue(d)}`);
    }
    const name = this.roleAliasName;
    if (typeof name !== 'string' || (!Token.isUnresolved(name) && !ROLE_ALIAS_NAME.test(name))) {
      problems.push(`roleAliasName must be 1-128 letters, digits, '=', ',', '@', '_' or '-', got ${describeValue(name)}`);
    }
    if (props.statements !== undefined && !Array.isArray(props.statements)) {
      problems.push(`statements must be a list of iam.PolicyStatement, got ${describeValue(props.statements)}`);
    } else {
      for (const st of props.statements ?? []) problems.push(...problemsOfStatement(st));
    }
    if (problems.length > 0) throw new Error(`${this.node.path}: ${problems.join('; ')}`);
  }
}

