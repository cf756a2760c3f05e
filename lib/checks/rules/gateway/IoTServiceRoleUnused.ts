import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { iotServiceRoles, isReferencedInStack } from '../../private/iot-service-roles';
import { defineRule } from '../../rule-definition';

const ROLE = 'AWS::IAM::Role';

/**
 * IoTSecurity-GW14: a role whose trust admits an AWS IoT service principal (`iot`, `iotevents`,
 * `iotsitewise`, `iotwireless`, `iotfleetwise`, `iottwinmaker`, `greengrass`... `.amazonaws.com`,
 * see `IOT_SERVICE_PRINCIPAL`) that nothing of the stack uses.
 *
 * Any reference to the role counts as a use: a `RoleArn` (or any other property) of any resource,
 * custom resources included, an `iam:PassRole` grant on its ARN, an output or an export; the
 * policies attached to the role (`Roles`/`RoleName` of `AWS::IAM::Policy`, `ManagedPolicy`,
 * `RolePolicy`) do not. A role no one uses is standing access nobody reviews: whoever can create
 * a topic rule, a provisioning template or a detector model in the account can hand it to AWS IoT
 * (with `iam:PassRole`), and its grants outlive the use it was made for.
 *
 * The rule sees one template: a role used only from another stack or account (a rule created by
 * hand, a template deployed elsewhere that imports it by name) is reported. Acknowledge it there
 * with a cdk-nag suppression of `IoTSecurity-GW14` on the role whose reason names the user
 * (`NagSuppressions.addResourceSuppressions(role, [{ id: 'IoTSecurity-GW14', reason: 'used by the rules of stack X' }])`),
 * or export its ARN as an output, which counts as a use. Roles of credentials-provider role
 * aliases are IoTSecurity-GW3's and are not judged here.
 */
export const IoTServiceRoleUnused = defineRule({
  id: 'GW14',
  practice: Practice.GATEWAYS_AND_IT,
  iotLens: ['IOTSEC04', 'IOTSEC14'],
  attackEnterprise: ['T1098.003', 'T1078.004'],
  attackIcs: ['T0859'],
  level: NagMessageLevel.WARN,
  info: 'A role AWS IoT services may assume is used by nothing in this stack.',
  explanation:
    'An IoT service role no rule, template or model uses is standing access: anyone allowed to create a topic rule or provisioning template and '
    + 'to pass roles can put it to work, and no one reviews its grants against a use.',
  fix: 'Delete the role, or reference it from the resource that uses it; if it is used from another stack or account, export its ARN or '
    + 'suppress IoTSecurity-GW14 on it with the name of its user.',
  resourceTypes: [ROLE],
}, (node: CfnResource): NagRuleResult => {
  const model = iotServiceRoles(node);
  if (model.judgedElsewhere.has(node)) return NagRuleCompliance.NOT_APPLICABLE;
  const uses = model.uses.get(node);
  if (!uses) return NagRuleCompliance.NOT_APPLICABLE;
  if (uses.some((u) => !u.kind.startsWith('trust:'))) return NagRuleCompliance.COMPLIANT;
  return isReferencedInStack(node) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
});
