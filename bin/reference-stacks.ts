import { Environment, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  AssetTags, BackupAndRecovery, Criticality, DataClass, FleetIndexing, IncidentResponse, IndexedFieldType, RiskProfile,
} from '../lib';

/**
 * The reference deployment's stacks, one per concern. Kept apart from the entry point so tests
 * and the benchmark synthesize exactly what `npx cdk synth` does.
 */
export function buildReferenceDeployment(scope: Construct, env: Partial<Environment> = {}): Stack[] {
  const environment = env.account || env.region ? { account: env.account, region: env.region } : undefined;

  const inventory = new Stack(scope, 'SecureIotInventory', {
    env: environment,
    description: 'cdk-secure-iot reference deployment: fleet inventory (practice 2)',
  });
  AssetTags.apply(inventory, { criticality: Criticality.HIGH, owner: 'iot-platform', dataClass: DataClass.INTERNAL });
  new FleetIndexing(inventory, 'FleetIndexing', {
    customFields: [
      { name: 'attributes.firmwareVersion', type: IndexedFieldType.STRING },
      { name: 'attributes.site', type: IndexedFieldType.STRING },
    ],
  });

  // Practices 9 and 10: playbooks that contain a device the way the profile says, and backups
  // (with restore tests) of every stateful resource of the deployment.
  const resilience = new Stack(scope, 'SecureIotResilience', {
    env: environment,
    description: 'cdk-secure-iot reference deployment: incident response and business continuity (practices 9, 10)',
  });
  AssetTags.apply(resilience, { criticality: Criticality.HIGH, owner: 'iot-platform', dataClass: DataClass.CONFIDENTIAL });
  const backup = new BackupAndRecovery(resilience, 'BackupAndRecovery', { riskProfile: RiskProfile.INDUSTRIAL });
  new IncidentResponse(resilience, 'IncidentResponse', {
    riskProfile: RiskProfile.INDUSTRIAL,
    deviceFailureModes: backup.deviceFailureModes,
  });
  BackupAndRecovery.select(scope, backup.tagValue);

  return [inventory, resilience];
}
