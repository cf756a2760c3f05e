import { Match, Template } from 'aws-cdk-lib/assertions';
import * as fs from 'fs';
import * as path from 'path';
import { buildReferenceDeployment } from '../../bin/reference-stacks';
import { newValidatedApp, validationFindings } from '../validation';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));

test('cdk.json runs the reference deployment with the CloudFormation validator turning findings into errors', () => {
  expect(cdkJson.app).toContain('bin/reference-deployment.ts');
  expect(cdkJson.context['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
  expect(Object.keys(cdkJson.context).length).toBeGreaterThan(50);
});

test('the reference deployment synthesizes with no unacknowledged finding from any validator', () => {
  const app = newValidatedApp({ context: cdkJson.context });
  buildReferenceDeployment(app);
  expect(validationFindings(app)).toEqual([]);
});

test('stacks are environment-agnostic unless an account and region are given', () => {
  const agnostic = buildReferenceDeployment(newValidatedApp({ context: cdkJson.context }));
  expect(agnostic.every((s) => s.environment === 'aws://unknown-account/unknown-region')).toBe(true);
  const pinned = buildReferenceDeployment(newValidatedApp({ context: cdkJson.context }), { account: '111122223333', region: 'eu-west-1' });
  expect(pinned.map((s) => s.environment)).toEqual(pinned.map(() => 'aws://111122223333/eu-west-1'));
});

test('every resource carries the inventory tags of practice 2 where it can be tagged', () => {
  const [inventory] = buildReferenceDeployment(newValidatedApp({ context: cdkJson.context }));
  Template.fromStack(inventory).hasResourceProperties('AWS::KMS::Key', {
    Tags: [{ Key: 'criticality', Value: 'high' }, { Key: 'data-class', Value: 'internal' }, { Key: 'owner', Value: 'iot-platform' }],
  });
});

test('identity and inventory (practices 2, 3): provisioning with a hook, scoped policies, lifecycle, types and groups backed by fleet indexing', () => {
  const [inventory, identity] = buildReferenceDeployment(newValidatedApp({ context: cdkJson.context }));
  const inv = Template.fromStack(inventory);
  inv.resourceCountIs('AWS::IoT::ThingType', 1);
  inv.hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'fleet-high-plant-north', ParentGroupName: 'fleet-high' });
  inv.hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'firmware-outdated', QueryString: 'attributes.firmwareBuild < 1042' });
  const id = Template.fromStack(identity);
  id.hasResourceProperties('AWS::IoT::ProvisioningTemplate', { TemplateType: 'FLEET_PROVISIONING', PreProvisioningHook: { TargetArn: Match.anyValue(), PayloadVersion: '2020-04-01' } });
  const policies = JSON.stringify(id.findResources('AWS::IoT::Policy'));
  expect(policies).toContain('${iot:Connection.Thing.ThingName}');
  expect(policies).toContain('$aws/provisioning-templates/');
  expect(Object.keys(id.findResources('AWS::StepFunctions::StateMachine')).map((k) => k.replace(/[0-9A-F]{8}$/, ''))).toEqual(
    expect.arrayContaining([expect.stringMatching(/Revocation/), expect.stringMatching(/Rotation/)]));
});
