#!/usr/bin/env node
/*
 * A water utility's treatment plant (RiskProfile.CRITICAL_INFRASTRUCTURE): pumps, valves and
 * dosing controllers where a device failing can hurt people. No route to the internet (isolated
 * subnets and VPC endpoints only), TLS 1.3 only, 15-minute gateway credentials, canary-first
 * firmware at 10 devices a minute stopped at 1 % failures, containment only with a human's
 * approval. Checked at synth by the IoT security pack, cdk-nag and CDK's CloudFormation
 * validator, with the posture report written into cdk.out.
 *
 *   npx cdk synth --app 'npx ts-node --prefer-ts-exts --transpile-only examples/water-treatment-ot/app.ts'
 */
import { App, CfnParameter, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as backup from 'aws-cdk-lib/aws-backup';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  AccountBaseline, DataClass, IotSecurityChecks, RiskProfile, SecureIotDeployment, SecurityPostureReport, TelemetryStore,
} from '../../lib';
import { CONTEXT_FORMS, readAppContext } from '../../lib/core/private/app-context';

const app = new App();
// -c account=... -c region=... pin the stacks to an environment; checked before any construct.
const { account, region, drRegion } = readAppContext(app.node, (c) => ({
  account: c.string('account', undefined, CONTEXT_FORMS.account),
  region: c.string('region', undefined, CONTEXT_FORMS.region),
  /** Where the plant's backups are copied: another region than the plant's. */
  drRegion: c.string('drRegion', 'us-west-2', CONTEXT_FORMS.region),
}));
const env = account || region ? { account, region } : undefined;
const profile = RiskProfile.CRITICAL_INFRASTRUCTURE;

const baselineStack = new Stack(app, 'WaterBaseline', { env, description: 'Water treatment: the account-and-region IoT settings' });
const baseline = new AccountBaseline(baselineStack, 'Baseline', { riskProfile: profile, owner: 'water-ot-security' });

const plantStack = new Stack(app, 'WaterTreatmentPlant', { env, description: 'Water treatment: the CRITICAL_INFRASTRUCTURE fleet of the plant' });
const certificateArn = new CfnParameter(plantStack, 'CodeSigningCertificateArn', {
  type: 'String',
  description: 'ARN of the ACM code-signing certificate AWS Signer signs controller firmware with',
  allowedPattern: '^arn:aws[a-z-]*:acm:[a-z0-9-]+:\\d{12}:certificate/[0-9a-f-]+$',
});
const plant = new SecureIotDeployment(plantStack, 'Plant', {
  deploymentName: 'water-plant',
  riskProfile: profile,
  owner: 'water-ot-security',
  // Process data of a regulated utility.
  dataClass: DataClass.RESTRICTED,
  telemetryStore: TelemetryStore.DYNAMODB,
  signingCertificate: acm.Certificate.fromCertificateArn(plantStack, 'CodeSigningCertificate', certificateArn.valueAsString),
  firmwareDeviceTypes: [
    { thingTypeName: 'pump-controller', targetThingGroupNames: ['pumps-intake', 'pumps-distribution'] },
    { thingTypeName: 'dosing-controller', targetThingGroupNames: ['dosing'] },
  ],
  // Releases only inside the utility's change window, Tuesday 10:00-14:00 UTC, when staff are on site.
  firmwareMaintenanceWindows: [{ startTime: 'cron(0 10 ? * TUE *)', durationMinutes: 240 }],
  greengrassCoreThingNames: ['plant-scada-gateway'],
  // Every recovery point is copied to the utility's disaster-recovery vault in a second region
  // (beside the locked vault and the logically air-gapped one the profile asks for).
  backupSecondRegionVault: backup.BackupVault.fromBackupVaultArn(plantStack, 'DisasterRecoveryVault',
    `arn:aws:backup:${drRegion}:${plantStack.account}:backup-vault:water-plant-dr`),
  iotLogGroup: baseline.auditing.iotLogGroup,
  // A handful of devices, each known: two down is already an incident.
  disconnectedDevicesThreshold: 2,
});
// SCADA in the processing zone polls the gateways (MQTT over TLS) and writes the historian.
plant.network!.allowFlow('edge', 'processing', 8883);
plant.network!.allowFlow('processing', 'data', 5432);

Validations.of(app).addPlugins(new IotSecurityChecks(app), new AwsSolutionsChecks(app), new SecurityPostureReport(app));
app.synth();
