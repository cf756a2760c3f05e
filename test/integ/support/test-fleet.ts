import * as path from 'path';
import { ArnFormat, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { Criticality, DevicePolicy, FleetProvisioning, RiskProfile } from '../../../lib';
import { criticalityOf } from '../../../lib/core/private/default-tags';
import { testFunction } from './test-function';

/** The prebuilt aws-crt binary the device function carries, and the Lambda architecture it runs on. */
const CRT_PLATFORM = 'linux-arm64-glibc';
const CRT_ARCHITECTURE = lambda.Architecture.ARM_64;

/** The client ID prefix the test fleet's claim certificate must connect under. */
export const CLAIM_CLIENT_ID_PREFIX = 'provisioning-';

export interface TestFleetProps {
  /** The test's name: things are `secure-iot-integ-<name>-<serial>`, the template `secure-iot-integ-<name>`. */
  readonly name: string;
  /** The serial numbers the stack writes to the allow list as ALLOWED. */
  readonly serials: string[];
}

/**
 * A FleetProvisioning fleet as a device meets it: the library's DevicePolicy and FleetProvisioning,
 * the claim certificate (made at deploy time by the fixture, its key in a secret encrypted with the
 * test key, never in the template or a response), the allow list rows, and a test device function
 * that holds the claim certificate and talks MQTT with the AWS IoT Device SDK v2.
 *
 * The fixture's Delete removes what AWS made at run time (things, certificates, the claim
 * certificate, rotation jobs, running executions); it is deleted before the fleet, whose policies
 * cannot be deleted while certificates are attached.
 */
export class TestFleet extends Construct {
  public readonly devicePolicy: DevicePolicy;
  public readonly provisioning: FleetProvisioning;
  /** The test device: `{"action": "provision" | "rotate" | "connect", ...}` (functions/device/device.ts). */
  public readonly device: nodejs.NodejsFunction;
  public readonly thingNamePrefix: string;
  /** The claim certificate's ID. */
  public readonly claimCertificateId: string;
  /** Differs per deployment: run-time names (job IDs) take it, as the last run's may still be deleting. */
  public readonly runId: string;
  public readonly key: kms.Key;
  /**
   * The criticality the pre-provisioning hook gives a device whose allow list row names none: the
   * fleet's risk profile's (INDUSTRIAL, stated here as the library's default is). The test rows
   * name none, so a provisioned thing must carry this one, whatever the device sent.
   */
  public readonly criticality: Criticality;

  constructor(scope: Construct, id: string, props: TestFleetProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.thingNamePrefix = `secure-iot-integ-${props.name}-`;
    this.key = new kms.Key(this, 'TestKey', {
      description: `Encrypts the ${props.name} integration test's claim and device credentials`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.devicePolicy = new DevicePolicy(this, 'DevicePolicy');
    const riskProfile = RiskProfile.INDUSTRIAL;
    this.criticality = criticalityOf(riskProfile);
    this.provisioning = new FleetProvisioning(this, 'Provisioning', {
      riskProfile,
      devicePolicy: this.devicePolicy,
      templateName: `secure-iot-integ-${props.name}`,
      thingNamePrefix: this.thingNamePrefix,
      claimClientIdPrefix: CLAIM_CLIENT_ID_PREFIX,
    });

    const secret = (sid: string, description: string) => new secretsmanager.Secret(this, sid, {
      description, encryptionKey: this.key, removalPolicy: RemovalPolicy.DESTROY,
    });
    const claimSecret = secret('ClaimCredentials', `The ${props.name} integration test's claim certificate and private key (written by its fixture)`);
    const deviceSecret = secret('DeviceCredentials', `The ${props.name} integration test device's own certificates and keys (its secure element)`);

    this.device = testFunction(this, 'Device', {
      entry: 'device/index.ts',
      description: `cdk-secure-iot integration test device (${props.name}): fleet provisioning, rotation and connections over MQTT`,
      architecture: CRT_ARCHITECTURE,
      // Each action finishes well within the assertion provider's 2 minutes.
      timeout: Duration.seconds(100),
      memorySize: 512,
      environment: {
        CLAIM_SECRET_ARN: claimSecret.secretArn,
        DEVICE_SECRET_ARN: deviceSecret.secretArn,
        TEMPLATE_NAME: this.provisioning.templateName,
        CLAIM_CLIENT_ID_PREFIX,
      },
      bundling: {
        // The SDK clients come with the runtime; aws-crt is native: its JS and one prebuilt binary are copied beside the bundle.
        externalModules: ['@aws-sdk/client-*', 'aws-crt'],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => copyAwsCrt(outputDir),
        },
      },
    });
    claimSecret.grantRead(this.device);
    deviceSecret.grantRead(this.device);
    deviceSecret.grantWrite(this.device);
    this.device.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:DescribeEndpoint'], resources: ['*'] }));

    const fixtureFunction = testFunction(this, 'FixtureFunction', {
      entry: 'fleet-fixture/index.ts',
      description: `cdk-secure-iot integration test fixture (${props.name}): claim certificate and allow list on create, run-time leftovers on delete`,
      timeout: Duration.minutes(10),
    });
    const table = this.provisioning.allowListTable;
    table.grant(fixtureFunction, 'dynamodb:PutItem', 'dynamodb:GetItem');
    this.provisioning.encryptionKey.grant(fixtureFunction, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    claimSecret.grantWrite(fixtureFunction);
    deviceSecret.grantRead(fixtureFunction);
    const arn = (resource: string, name: string) => stack.formatArn({ service: 'iot', resource, resourceName: name });
    const stateMachines = [this.provisioning.rotationStateMachine, this.provisioning.revocationStateMachine];
    for (const statement of [
      // No resource type in IAM for these two.
      new iam.PolicyStatement({ actions: ['iot:CreateKeysAndCertificate', 'iot:ListAttachedPolicies'], resources: ['*'] }),
      // Certificate IDs are made at run time (the claim's, the device's).
      new iam.PolicyStatement({
        actions: ['iot:AttachPolicy', 'iot:DescribeCertificate', 'iot:DetachPolicy', 'iot:ListPrincipalThings', 'iot:DetachThingPrincipal', 'iot:UpdateCertificate', 'iot:DeleteCertificate'],
        resources: [arn('cert', '*')],
      }),
      new iam.PolicyStatement({
        actions: ['iot:ListThingPrincipals', 'iot:ListJobExecutionsForThing', 'iot:DeleteThing'],
        resources: [arn('thing', `${this.thingNamePrefix}*`)],
      }),
      new iam.PolicyStatement({ actions: ['iot:DeleteJob'], resources: [arn('job', `${this.provisioning.rotationJobIdPrefix}*`)] }),
      new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: stateMachines.map((sm) => sm.stateMachineArn) }),
      new iam.PolicyStatement({
        actions: ['states:StopExecution'],
        resources: stateMachines.map((sm) => stack.formatArn({
          service: 'states', resource: 'execution', arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          resourceName: `${stack.splitArn(sm.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName}:*`,
        })),
      }),
    ]) fixtureFunction.addToRolePolicy(statement);

    const provider = new cr.Provider(this, 'FixtureProvider', {
      onEventHandler: fixtureFunction,
      logGroup: new logs.LogGroup(this, 'FixtureProviderLogs', { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY }),
    });
    const fixture = new CustomResource(this, 'Fixture', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SecureIotTestFleet',
      properties: {
        AllowListTable: table.tableName,
        Serials: props.serials,
        ThingNamePrefix: this.thingNamePrefix,
        ClaimPolicyName: this.provisioning.claimPolicy.ref,
        ClaimSecretArn: claimSecret.secretArn,
        DeviceSecretArn: deviceSecret.secretArn,
        RotationJobIdPrefix: this.provisioning.rotationJobIdPrefix,
        StateMachineArns: stateMachines.map((sm) => sm.stateMachineArn),
      },
    });
    // Deleted first: certificates still attached would hold the policies, running executions the state machines.
    fixture.node.addDependency(this.provisioning, this.devicePolicy, fixtureFunction, claimSecret, deviceSecret);
    this.claimCertificateId = fixture.getAttString('ClaimCertificateId');
    this.runId = fixture.getAttString('RunId');
  }

  public thingName(serial: string): string {
    return `${this.thingNamePrefix}${serial}`;
  }

  /**
   * The registry probe (functions/registry-probe): lists a certificate's policies or a thing's
   * principals, an absent list read as empty, for the assertions that something is gone.
   */
  public addProbe(): nodejs.NodejsFunction {
    const probe = testFunction(this, 'Probe', {
      entry: 'registry-probe/index.ts',
      description: 'cdk-secure-iot integration test probe: a certificate\'s policies or a thing\'s principals, none when absent',
      timeout: Duration.seconds(30),
    });
    const stack = Stack.of(this);
    // ListAttachedPolicies has no resource type in IAM.
    probe.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:ListAttachedPolicies'], resources: ['*'] }));
    probe.addToRolePolicy(new iam.PolicyStatement({
      actions: ['iot:ListThingPrincipals'],
      resources: [stack.formatArn({ service: 'iot', resource: 'thing', resourceName: `${this.thingNamePrefix}*` })],
    }));
    return probe;
  }

  /**
   * The test operator (functions/operator): starts rotations and revocations with nothing but
   * `grantStartRotation` and `grantRevoke`, so the test proves those grants are enough.
   */
  public addOperator(): nodejs.NodejsFunction {
    const operator = testFunction(this, 'Operator', {
      entry: 'operator/index.ts',
      description: 'cdk-secure-iot integration test operator: starts rotations and revocations with the library\'s grants only',
      timeout: Duration.seconds(30),
      environment: {
        ROTATION_JOB_TEMPLATE_ARN: this.provisioning.rotationJobTemplate.attrArn,
        REVOCATION_STATE_MACHINE_ARN: this.provisioning.revocationStateMachine.stateMachineArn,
      },
    });
    this.provisioning.grantStartRotation(operator);
    this.provisioning.grantRevoke(operator);
    return operator;
  }
}

/**
 * The command (run by the CDK on this machine after esbuild) that copies aws-crt's JS and the one
 * binary the function runs beside the bundle. aws-crt is found where Node would load it for the
 * device SDK (hoisted or nested), and copied by Node itself (fs.cpSync), so no POSIX cp or mkdir
 * is needed; the paths go in as base64 JSON, which no shell (bash, cmd) reads anything into.
 */
function copyAwsCrt(outputDir: string): string[] {
  const sdk = path.dirname(require.resolve('aws-iot-device-sdk-v2/package.json'));
  const from = path.dirname(require.resolve('aws-crt/package.json', { paths: [sdk] }));
  const to = path.join(outputDir, 'node_modules', 'aws-crt');
  const files = ['package.json', 'LICENSE', 'NOTICE', path.join('dist', 'index.js'), path.join('dist', 'common'), path.join('dist', 'native'),
    path.join('dist', 'bin', CRT_PLATFORM, 'aws-crt-nodejs.node')];
  const args = Buffer.from(JSON.stringify({ from, to, files })).toString('base64');
  const script = `const fs=require('fs'),p=require('path');const a=JSON.parse(Buffer.from('${args}','base64').toString());`
    + 'for(const f of a.files){fs.mkdirSync(p.dirname(p.join(a.to,f)),{recursive:true});fs.cpSync(p.join(a.from,f),p.join(a.to,f),{recursive:true});}';
  return [`node -e "${script}"`];
}
