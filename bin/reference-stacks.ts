import { Environment, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AssetTags, Criticality, DataClass, FleetIndexing, IndexedFieldType } from '../lib';

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

  return [inventory];
}
