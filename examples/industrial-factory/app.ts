#!/usr/bin/env node
/*
 * Two factories (RiskProfile.INDUSTRIAL): production lines behind AWS IoT Greengrass gateways,
 * firmware signed once and released site by site, devices grouped by site. The account's
 * baseline and the factories' deployment, checked at synth by the IoT security pack, cdk-nag and
 * CDK's CloudFormation validator, with the posture report written into cdk.out.
 *
 *   npx cdk synth --app 'npx ts-node --prefer-ts-exts --transpile-only examples/industrial-factory/app.ts'
 */
import { App, CfnParameter, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iot from 'aws-cdk-lib/aws-iot';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  AccountBaseline, AllowListDirection, AssetTags, Criticality, DataClass, IndexedFieldType, IotSecurityChecks, RiskProfile, SecureIotDeployment, SecurityPostureReport,
} from '../../lib';
import { CONTEXT_FORMS, readAppContext } from '../../lib/core/private/app-context';

const SITES = ['hamburg', 'lyon'];

const app = new App();
// -c account=... -c region=... pin the stacks to an environment; checked before any construct.
const { account, region } = readAppContext(app.node, (c) => ({
  account: c.string('account', undefined, CONTEXT_FORMS.account),
  region: c.string('region', undefined, CONTEXT_FORMS.region),
}));
const env = account || region ? { account, region } : undefined;
const profile = RiskProfile.INDUSTRIAL;

const baselineStack = new Stack(app, 'FactoryBaseline', { env, description: 'Factories: the account-and-region IoT settings' });
const baseline = new AccountBaseline(baselineStack, 'Baseline', {
  riskProfile: profile,
  owner: 'ot-platform',
  fleetIndexing: {
    customFields: [
      { name: 'attributes.site', type: IndexedFieldType.STRING },
      { name: 'attributes.firmwareVersion', type: IndexedFieldType.STRING },
    ],
  },
});

const fleetStack = new Stack(app, 'FactoryFleet', { env, description: 'Factories: the INDUSTRIAL fleet of every site' });
AssetTags.apply(fleetStack, { criticality: Criticality.HIGH, owner: 'plant-ops', dataClass: DataClass.CONFIDENTIAL });
// One static thing group per site: what firmware jobs, inventories and responders target.
for (const site of SITES) {
  new iot.CfnThingGroup(fleetStack, `Site-${site}`, {
    thingGroupName: `site-${site}`,
    thingGroupProperties: { thingGroupDescription: `Every device of the ${site} plant`, attributePayload: { attributes: { site } } },
  });
}
const certificateArn = new CfnParameter(fleetStack, 'CodeSigningCertificateArn', {
  type: 'String',
  description: 'ARN of the ACM code-signing certificate AWS Signer signs firmware with',
  allowedPattern: '^arn:aws[a-z-]*:acm:[a-z0-9-]+:\\d{12}:certificate/[0-9a-f-]+$',
});
const factories = new SecureIotDeployment(fleetStack, 'Factories', {
  deploymentName: 'factories',
  riskProfile: profile,
  owner: 'plant-ops',
  signingCertificate: acm.Certificate.fromCertificateArn(fleetStack, 'CodeSigningCertificate', certificateArn.valueAsString),
  // Released site by site: each job targets the site groups, one device type at a time.
  firmwareDeviceTypes: [
    { thingTypeName: 'line-controller', targetThingGroupNames: SITES.map((s) => `site-${s}`) },
    { thingTypeName: 'vibration-sensor', targetThingGroupNames: SITES.map((s) => `site-${s}`) },
  ],
  // Sunday night, when the lines stand still.
  firmwareMaintenanceWindows: [{ startTime: 'cron(0 1 ? * SUN *)', durationMinutes: 240 }],
  greengrassCoreThingNames: SITES.map((s) => `${s}-line-1-core`),
  iotLogGroup: baseline.auditing.iotLogGroup,
  disconnectedDevicesThreshold: 20,
});
// The gateways speak MQTT to the processing zone; processing writes to the historian in the data zone.
factories.network!.allowFlow('edge', 'processing', 8883);
factories.network!.allowFlow('processing', 'data', 5432);
// The MES of each plant, on the corporate network, reached over HTTPS only.
factories.network!.allowExternal({ zone: 'processing', direction: AllowListDirection.EGRESS, cidr: '198.51.100.0/24', port: 443 });

Validations.of(app).addPlugins(new IotSecurityChecks(app), new AwsSolutionsChecks(app), new SecurityPostureReport(app));
app.synth();
