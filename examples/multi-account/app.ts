#!/usr/bin/env node
/*
 * Many accounts and regions, with what AWS already runs at that scale:
 *
 * - the AccountBaseline of every IoT account, through a service-managed CloudFormation StackSet
 *   targeted at an organizational unit with auto-deployment on (an account moved into the OU
 *   gets the baseline; one moved out loses it), from the organization's management account or
 *   a delegated StackSets administrator;
 * - each fleet's SecureIotDeployment, through a CDK pipeline (aws-cdk-lib/pipelines) with one
 *   stage per account and region, from a tooling account.
 *
 *   npx cdk synth --app 'npx ts-node --prefer-ts-exts --transpile-only examples/multi-account/app.ts' \
 *     -c organizationalUnitIds='["ou-abcd-11111111"]' -c baselineRegions='["eu-west-1","us-east-1"]'
 *
 * Every value comes from context (cdk.json or -c; a list as a JSON list) and has a dummy default,
 * so it synthesizes offline.
 */
import * as path from 'path';
import { App, CfnResource, DefaultStackSynthesizer, RemovalPolicy, Stack, Stage, StageProps, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { AwsSolutionsChecks, rules } from 'cdk-nag';
import { Construct } from 'constructs';
import { AccountBaseline, IotSecurityChecks, RiskProfile, SecureIotDeployment } from '../../lib';
import { CONTEXT_FORMS, readAppContext } from '../../lib/core/private/app-context';
import { acknowledge } from '../../lib/core/private/secure-defaults';

/** One fleet's environment and the code-signing certificate there. */
interface FleetTarget {
  readonly account: string;
  readonly region: string;
  readonly signingCertificateArn: string;
}

const app = new App();
/*
 * Every value from context (cdk.json, or -c, where a list is the text of a JSON list), read and
 * checked before any construct: a wrong value stops the synth with a message naming the key.
 */
const {
  managementAccount, delegatedAdminAccount, toolingAccount, homeRegion, organizationalUnitIds, baselineRegions,
  connectionArn, repository, branch, fleets, baselineAssetsBucket,
} = readAppContext(app.node, (c) => {
  /** Where the StackSet and the pipeline live. */
  const management = c.string('managementAccount', '111111111111', CONTEXT_FORMS.account);
  const tooling = c.string('toolingAccount', '222222222222', CONTEXT_FORMS.account);
  const home = c.string('homeRegion', 'eu-west-1', CONTEXT_FORMS.region);
  return {
    managementAccount: management,
    delegatedAdminAccount: c.string('delegatedAdminAccount', management, CONTEXT_FORMS.account),
    toolingAccount: tooling,
    homeRegion: home,
    organizationalUnitIds: c.stringList('organizationalUnitIds', ['ou-abcd-11111111'], CONTEXT_FORMS.organizationalUnitId),
    baselineRegions: c.stringList('baselineRegions', ['eu-west-1', 'us-east-1'], CONTEXT_FORMS.region),
    connectionArn: c.string('connectionArn', `arn:aws:codeconnections:${home}:${tooling}:connection/00000000-0000-0000-0000-000000000000`, CONTEXT_FORMS.connectionArn),
    repository: c.string('repository', 'example-org/iot-platform', CONTEXT_FORMS.repository),
    branch: c.string('branch', 'main'),
    fleets: c.objectList<keyof FleetTarget>('fleets', [
      { account: '333333333333', region: 'eu-west-1', signingCertificateArn: 'arn:aws:acm:eu-west-1:333333333333:certificate/11111111-1111-1111-1111-111111111111' },
      { account: '444444444444', region: 'us-east-1', signingCertificateArn: 'arn:aws:acm:us-east-1:444444444444:certificate/22222222-2222-2222-2222-222222222222' },
    ], { account: CONTEXT_FORMS.account, region: CONTEXT_FORMS.region, signingCertificateArn: CONTEXT_FORMS.certificateArn }, ['account', 'region']),
    /** An S3 bucket per region, readable by the organization, that holds the baseline's function code. */
    baselineAssetsBucket: c.string('baselineAssetsBucket', `iot-baseline-assets-${management}-\${AWS::Region}`, CONTEXT_FORMS.bucketName),
  };
});
const profile = RiskProfile.INDUSTRIAL;
// A fleet stage pinned to an account and region makes `cdk synth` look up that region's
// availability zones in the account (cached in cdk.context.json): real fleets need credentials
// for that. The dummy default fleets' accounts do not exist, so their zones are given here, and
// the example synthesizes offline.
if (app.node.tryGetContext('fleets') === undefined) {
  for (const fleet of fleets) {
    app.node.setContext(`availability-zones:account=${fleet.account}:region=${fleet.region}`, ['a', 'b', 'c'].map((az) => `${fleet.region}${az}`));
  }
}

// --- The baseline, as a StackSet ---------------------------------------------------------------

/**
 * The baseline's template, synthesized (and checked) on its own: a StackSet deploys one template
 * to every account and region, so it is environment-agnostic, and its function code comes from
 * the organization's per-region asset bucket rather than each account's CDK bootstrap bucket.
 * Publish that code with
 * `npx cdk-assets publish -p cdk.out/stackset-iot-account-baseline/IotAccountBaseline.assets.json` once
 * per region (the pipeline's synth step can), to buckets whose policy lets `aws:PrincipalOrgID`
 * read `iot-baseline/*`.
 */
function synthesizeBaselineTemplate(outdir: string): string {
  // It reads the same context (CDK_CONTEXT_JSON) as the app: the same feature flags and validator settings.
  const baselineApp = new App({ outdir });
  const stack = new Stack(baselineApp, 'IotAccountBaseline', {
    description: 'cdk-secure-iot: the IoT account-and-region baseline, deployed by a StackSet to every IoT account',
    synthesizer: new DefaultStackSynthesizer({
      fileAssetsBucketName: baselineAssetsBucket,
      bucketPrefix: 'iot-baseline/',
      // The member accounts are not bootstrapped for this template: no bootstrap version rule.
      generateBootstrapVersionRule: false,
    }),
  });
  new AccountBaseline(stack, 'Baseline', { riskProfile: profile, owner: 'iot-platform' });
  Validations.of(baselineApp).addPlugins(new IotSecurityChecks(baselineApp), new AwsSolutionsChecks(baselineApp));
  return path.join(baselineApp.synth().directory, stack.templateFile);
}

const stackSets = new Stack(app, 'IotBaselineStackSet', {
  env: { account: managementAccount, region: homeRegion },
  description: 'cdk-secure-iot: the IoT account baseline to every account of the IoT organizational units',
});
// Beside the app's cloud assembly, so its asset manifest is at hand for publishing.
const baselineTemplate = new s3assets.Asset(stackSets, 'BaselineTemplate', {
  path: synthesizeBaselineTemplate(path.join(app.outdir, 'stackset-iot-account-baseline')),
});
new cloudformation.CfnStackSet(stackSets, 'Baseline', {
  stackSetName: 'iot-account-baseline',
  description: 'cdk-secure-iot AccountBaseline: fleet indexing, Device Defender audit, IoT logging, IoT Core encryption, incident response',
  permissionModel: 'SERVICE_MANAGED',
  autoDeployment: { enabled: true, retainStacksOnAccountRemoval: true },
  // Run from a delegated administrator account as well as from the management account.
  callAs: managementAccount === delegatedAdminAccount ? 'SELF' : 'DELEGATED_ADMIN',
  capabilities: ['CAPABILITY_IAM'],
  templateUrl: baselineTemplate.httpUrl,
  stackInstancesGroup: [{ deploymentTargets: { organizationalUnitIds }, regions: baselineRegions }],
  operationPreferences: { regionConcurrencyType: 'PARALLEL', maxConcurrentPercentage: 25, failureTolerancePercentage: 0 },
  managedExecution: { Active: true },
});

// --- The fleets, through a pipeline --------------------------------------------------------------

/** The construct at `path` under `scope`, or undefined. */
function findPath(scope: Construct, path: string): Construct | undefined {
  return path.split('/').reduce<Construct | undefined>((c, id) => c?.node.tryFindChild(id) as Construct | undefined, scope);
}

interface FleetStageProps extends StageProps {
  readonly signingCertificateArn: string;
}

/** One fleet in one account and region: what the pipeline deploys there. */
class FleetStage extends Stage {
  constructor(scope: Construct, id: string, props: FleetStageProps) {
    super(scope, id, props);
    const stack = new Stack(this, 'Fleet', { description: 'cdk-secure-iot: the INDUSTRIAL fleet of this account and region' });
    new SecureIotDeployment(stack, 'Fleet', {
      deploymentName: 'factory',
      riskProfile: profile,
      owner: 'plant-ops',
      signingCertificate: acm.Certificate.fromCertificateArn(stack, 'CodeSigningCertificate', props.signingCertificateArn),
      // The organization trail records every member account.
      createTrail: false,
      // Fleet indexing (the baseline's) counts disconnected devices; the alarm starts the
      // UNEXPECTED_DISCONNECTS playbook of the baseline's IncidentResponse (alarms named for it).
      disconnectedDevicesThreshold: 20,
    });
    // The posture report judges the stacks of the app's own stage; each fleet stage is checked here.
    Validations.of(this).addPlugins(new IotSecurityChecks(this), new AwsSolutionsChecks(this));
  }
}

const tooling = new Stack(app, 'IotFleetPipeline', {
  env: { account: toolingAccount, region: homeRegion },
  description: 'cdk-secure-iot: the pipeline that deploys every fleet, one stage per account and region',
});
const pipeline = new pipelines.CodePipeline(tooling, 'Pipeline', {
  pipelineName: 'iot-fleets',
  // Each target account is bootstrapped trusting the tooling account; artifacts cross accounts encrypted.
  crossAccountKeys: true,
  enableKeyRotation: true,
  synth: new pipelines.ShellStep('Synth', {
    input: pipelines.CodePipelineSource.connection(repository, branch, { connectionArn }),
    commands: ['npm ci', "npx cdk synth --app 'npx ts-node --prefer-ts-exts --transpile-only examples/multi-account/app.ts'"],
  }),
});
const wave = pipeline.addWave('Fleets');
for (const fleet of fleets) {
  wave.addStage(new FleetStage(app, `Fleet-${fleet.account}-${fleet.region}`, {
    env: { account: fleet.account, region: fleet.region },
    signingCertificateArn: fleet.signingCertificateArn,
  }));
}
pipeline.buildPipeline();

// CDK grants the source action codestar-connections:UseConnection only. IAM needs the action's
// service prefix to match the connection ARN's (AWS CodeConnections rename notes), and
// connections made since July 2024 have codeconnections ARNs: grant that prefix's action too.
const sourceActionPath = 'Pipeline/Pipeline/Source/' + repository.replace('/', '_') + '/CodePipelineActionRole';
if (connectionArn.split(':')[2] === 'codeconnections') {
  (findPath(tooling, sourceActionPath) as iam.Role).addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['codeconnections:UseConnection'], resources: [connectionArn],
  }));
}

// CDK pipelines' roles trust CodePipeline and CodeBuild acting for any account's pipeline or
// project: each is bounded to the tooling account (aws:SourceAccount, which both services send per
// their confused-deputy pages; aws:SourceArn would name the pipeline or project, which names the role).
for (const role of tooling.node.findAll().filter((c): c is iam.Role => c instanceof iam.Role)) {
  const trust = tooling.resolve(role.assumeRolePolicy) as { Statement?: Array<{ Principal?: { Service?: unknown } }> } | undefined;
  (trust?.Statement ?? []).forEach((statement, i) => {
    if (['codebuild.amazonaws.com', 'codepipeline.amazonaws.com'].includes(String(statement.Principal?.Service))) {
      (role.node.defaultChild as iam.CfnRole).addPropertyOverride(`AssumeRolePolicyDocument.Statement.${i}.Condition`, {
        StringEquals: { 'aws:SourceAccount': tooling.account },
      });
    }
  });
}
// CDK keeps the artifact buckets and deletes the keys that encrypt them, leaving buckets no one can
// read: the keys are kept with them.
const artifactKeys = [findPath(tooling, 'Pipeline/Pipeline/ArtifactsBucketEncryptionKey'),
  ...app.node.children.map((child) => child.node.tryFindChild('Default')?.node.tryFindChild('CrossRegionCodePipelineReplicationBucketEncryptionKey'))];
for (const key of artifactKeys) {
  if (key instanceof kms.Key) key.applyRemovalPolicy(RemovalPolicy.RETAIN);
}

// CDK pipelines' own resources, which cdk-nag judges like any other: each acknowledged on the
// resource that has the finding, with the reason.
const generatedGrants = 'CDK pipelines\' generated grants: read/write of the pipeline\'s own artifact bucket and use of its own '
  + 'KMS key (CDK grants write s3:GetObject*, s3:List*, kms:GenerateDataKey* and the like), its CodeBuild log and report groups, '
  + 'assuming the bootstrap roles of the target accounts; none reaches the fleets\' data';
for (const path of [
  'Pipeline/Pipeline/Role/DefaultPolicy/Resource',
  `${sourceActionPath}/DefaultPolicy/Resource`,
  'Pipeline/Pipeline/Build/Synth/CdkBuildProject/Role/DefaultPolicy/Resource',
  'Pipeline/UpdatePipeline/SelfMutation/Role/DefaultPolicy/Resource',
  'Pipeline/Assets/FileRole/DefaultPolicy/Resource',
]) {
  const policy = findPath(tooling, path) as CfnResource | undefined;
  // The exact findings, as cdk-nag's own rule names them, so a new grant still shows up.
  const findings = policy ? rules.iam.IAMNoWildcardPermissions(policy) : [];
  for (const finding of Array.isArray(findings) ? findings : []) acknowledge(policy!, `AwsSolutions-IAM5[${finding}]`, generatedGrants);
}
const artifactLogs = 'Pipeline artifact buckets hold build outputs only, encrypted with the pipeline\'s key (bucket and key outlive the pipeline); '
  + 'the tooling account\'s organization trail records access to them';
acknowledge(findPath(tooling, 'Pipeline/Pipeline/ArtifactsBucket/Resource')!, 'AwsSolutions-S1', artifactLogs);
for (const child of app.node.children) {
  const replication = child.node.tryFindChild('Default')?.node.tryFindChild('CrossRegionCodePipelineReplicationBucket')?.node.tryFindChild('Resource');
  if (replication) acknowledge(replication as Construct, 'AwsSolutions-S1', artifactLogs);
}

Validations.of(app).addPlugins(new IotSecurityChecks(app), new AwsSolutionsChecks(app));
app.synth();
