#!/usr/bin/env node
/*
 * A consumer smart bulb fleet (RiskProfile.CONSUMER): hundreds of thousands of bulbs on home
 * Wi-Fi, a few hubs, low cost per device. The account's baseline and the fleet's deployment,
 * checked at synth by the IoT security pack, cdk-nag and CDK's CloudFormation validator, with the
 * posture report written into cdk.out.
 *
 *   npx cdk synth --app 'npx ts-node --prefer-ts-exts --transpile-only examples/consumer-smart-bulb/app.ts'
 */
import { App, CfnParameter, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  AccountBaseline, DataClass, IotSecurityChecks, RiskProfile, SecureIotDeployment, SecurityPostureReport, SegmentedNetwork, TelemetryStore,
} from '../../lib';
import { CONTEXT_FORMS, readAppContext } from '../../lib/core/private/app-context';

const app = new App();
// -c account=... -c region=... pin the stacks to an environment; checked before any construct.
const { account, region } = readAppContext(app.node, (c) => ({
  account: c.string('account', undefined, CONTEXT_FORMS.account),
  region: c.string('region', undefined, CONTEXT_FORMS.region),
}));
const env = account || region ? { account, region } : undefined;
const profile = RiskProfile.CONSUMER;

const baselineStack = new Stack(app, 'SmartBulbBaseline', { env, description: 'Smart bulbs: the account-and-region IoT settings' });
const baseline = new AccountBaseline(baselineStack, 'Baseline', { riskProfile: profile, owner: 'bulb-platform' });

const fleetStack = new Stack(app, 'SmartBulbFleet', { env, description: 'Smart bulbs: the CONSUMER fleet' });
const certificateArn = new CfnParameter(fleetStack, 'CodeSigningCertificateArn', {
  type: 'String',
  description: 'ARN of the ACM code-signing certificate AWS Signer signs bulb firmware with',
  allowedPattern: '^arn:aws[a-z-]*:acm:[a-z0-9-]+:\\d{12}:certificate/[0-9a-f-]+$',
});
// The bulbs connect from home networks straight to AWS IoT; what runs in a VPC is the companion
// app's backend, zoned so a compromised API cannot reach the data zone except on declared flows.
// The cheapest zoning that still holds: two AZs, one NAT gateway, no interface endpoints (the
// backend reaches AWS IoT over TLS through NAT), flow logs on.
const network = new SegmentedNetwork(fleetStack, 'BackendNetwork', {
  riskProfile: profile,
  zones: [{ name: 'app' }, { name: 'data', isolated: true }],
  flows: [{ from: 'app', to: 'data', port: 5432 }],
  natGateways: 1,
  endpoints: [],
});
new SecureIotDeployment(fleetStack, 'Bulbs', {
  deploymentName: 'smart-bulb',
  riskProfile: profile,
  owner: 'bulb-platform',
  // When a household is home is personal data: the shortest retention (30 days).
  dataClass: DataClass.RESTRICTED,
  // Hundreds of millions of small messages a month: one DynamoDB write each costs far less than one S3 PUT each.
  telemetryStore: TelemetryStore.DYNAMODB,
  signingCertificate: acm.Certificate.fromCertificateArn(fleetStack, 'CodeSigningCertificate', certificateArn.valueAsString),
  firmwareDeviceTypes: [
    { thingTypeName: 'bulb-a19', targetThingGroupNames: ['bulbs-a19'] },
    { thingTypeName: 'bulb-gu10', targetThingGroupNames: ['bulbs-gu10'] },
    { thingTypeName: 'bulb-hub', targetThingGroupNames: ['hubs'] },
  ],
  network,
  iotLogGroup: baseline.auditing.iotLogGroup,
  disconnectedDevicesThreshold: 5000,
});

Validations.of(app).addPlugins(new IotSecurityChecks(app), new AwsSolutionsChecks(app), new SecurityPostureReport(app));
app.synth();
