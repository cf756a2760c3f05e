import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { asObject, Findings, readEach, Unresolved } from '../../private/cfn-values';
import { items, member, members, parsedDocuments, scalar } from '../../private/documents';
import { Evaluated, Placeholders } from '../../private/intrinsics';
import { defineRule } from '../../rule-definition';
import { componentSpecs, GREENGRASS_COMPONENT_VERSION, GREENGRASS_DEPLOYMENT, isRootPosixUser, posixUserValues } from '../../private/greengrass';

/** Lifecycle steps whose process stays up while the component runs. */
const RESIDENT_STEPS = new Set(['run', 'startup']);
/** Lifecycle steps that end (or set variables); any other key of a lifecycle is a selection. */
const OTHER_STEPS = new Set(['setenv', 'install', 'bootstrap', 'shutdown', 'recover']);
const MAX_SELECTION_DEPTH = 4;

/**
 * IoTSecurity-GW11: a Greengrass component should not run its resident process as root.
 *
 * - `AWS::GreengrassV2::Deployment`: `RunWith.PosixUser` of a component set to user `root` or ID
 *   `0` runs all of that component's processes as root: `RunsAsRoot::Components.<name>.RunWith.PosixUser`.
 * - `AWS::GreengrassV2::ComponentVersion`: an `InlineRecipe` (JSON or YAML) whose `Run` or
 *   `Startup` lifecycle step has `RequiresPrivilege: true`, in a manifest or in the recipe's
 *   global lifecycle under any selection: `RequiresPrivilege::<path of the step>`.
 *
 * Steps that end (`Install`, `Bootstrap`, `Shutdown`, `Recover`) may need root to install
 * packages or configure the device and are not findings. This is a WARN: some components must
 * be root (managing network interfaces, the Docker daemon), and a reviewer can acknowledge one
 * with that reason. Values known only at deploy time are `Unresolved::<path>`.
 */
export const IoTGreengrassComponentNotRoot = defineRule({
  id: 'GW11',
  practice: Practice.GATEWAYS_AND_IT,
  iotLens: ['IOTSEC08', 'IOTSEC12'],
  attackEnterprise: ['T1068', 'T1543'],
  attackIcs: ['T0890'],
  level: NagMessageLevel.WARN,
  info: 'A Greengrass component runs its resident process as root.',
  explanation: 'A long-running component process is what an attacker on the device\'s network or a tampered artifact reaches first; '
    + 'as root, one flaw in it takes over the whole gateway, its private key and the devices behind it.',
  fix: 'Run the component as the core device\'s unprivileged default user: remove RunWith.PosixUser root from the deployment, and '
    + 'RequiresPrivilege from the Run and Startup steps of the recipe (keep it only on Install or Bootstrap steps that need it), or '
    + 'acknowledge the finding with the reason the component needs root.',
  resourceTypes: [GREENGRASS_DEPLOYMENT, GREENGRASS_COMPONENT_VERSION],
}, (node: CfnResource): NagRuleResult => {
  const findings = new Findings();
  if (node.cfnResourceType === GREENGRASS_DEPLOYMENT) {
    for (const { spec, path } of componentSpecs(node, findings)) {
      for (const runWith of readEach(node, spec.RunWith, asObject, findings, `${path}.RunWith`)) {
        const userPath = `${path}.RunWith.PosixUser`;
        if (posixUserValues(node, runWith?.PosixUser, findings, userPath).some(isRootPosixUser)) findings.add('RunsAsRoot', userPath);
      }
    }
    return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
  }
  const recipe = resolvedProperties(node).InlineRecipe;
  if (recipe === undefined) return NagRuleCompliance.NOT_APPLICABLE;
  for (const { document, ph } of parsedDocuments(node, recipe, 'json-or-yaml', 'InlineRecipe', findings)) {
    items(member(document, 'Manifests')).forEach((manifest, i) =>
      judgeLifecycle(member(manifest, 'Lifecycle'), ph, `Manifests.${i}.Lifecycle`, findings, 0));
    judgeLifecycle(member(document, 'Lifecycle'), ph, 'Lifecycle', findings, 0);
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});

function judgeLifecycle(lifecycle: Evaluated | undefined, ph: Placeholders, path: string, findings: Findings, depth: number): void {
  if (depth > MAX_SELECTION_DEPTH) return;
  for (const [key, value] of members(lifecycle)) {
    const step = key.toLowerCase();
    if (RESIDENT_STEPS.has(step)) {
      const privileged = scalar(member(value, 'RequiresPrivilege'), ph);
      if (privileged instanceof Unresolved) findings.add('Unresolved', `${path}.${key}.RequiresPrivilege`);
      else if (privileged?.trim().toLowerCase() === 'true') findings.add('RequiresPrivilege', `${path}.${key}`);
    } else if (!OTHER_STEPS.has(step)) {
      // A selection key (`all`, `linux`, a custom one) of the global lifecycle.
      judgeLifecycle(value, ph, `${path}.${key}`, findings, depth + 1);
    }
  }
}
