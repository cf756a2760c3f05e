import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { Findings } from '../../private/cfn-values';
import { reviewRole } from '../../private/iam-policy';
import { defineRule } from '../../rule-definition';
import { trustedServices } from '../../private/role-refs';

/**
 * IoTSecurity-GW5: data that a device reaches with credentials-provider credentials should be
 * its own. A role trusted by `credentials.iot.amazonaws.com` that allows data access on a
 * resource with a wildcard but without `${credentials-iot:ThingName}` (`s3:PutObject` on
 * `bucket/*`, `dynamodb:PutItem` on `table/telemetry*`) lets every device read or overwrite every
 * other device's data there: `SharedData::<arn>`. A WARN, since some data is shared by design
 * (a firmware bucket every device reads); acknowledge it there with the reason. Wildcards of a
 * whole service or resource type (`*`, `arn:aws:s3:::*`) are IoTSecurity-GW1's and GW3's
 * `Resource::` findings, not this rule's.
 */
export const IoTCredentialsSharedData = defineRule({
  id: 'GW5',
  practice: Practice.GATEWAYS_AND_IT,
  iotLens: ['IOTSEC04', 'IOTSEC10'],
  attackEnterprise: ['T1530', 'T1565'],
  attackIcs: ['T0811', 'T0832'],
  level: NagMessageLevel.WARN,
  info: 'A role the AWS IoT credentials provider may assume gives every device the same data, not scoped by ${credentials-iot:ThingName}.',
  explanation: 'Every device holding the role alias gets the same credentials: a wildcard resource without the thing-name variable '
    + 'lets one compromised device read, overwrite or delete what every other device stored there.',
  fix: 'Scope the resource to the device, e.g. arn:aws:s3:::bucket/${credentials-iot:ThingName}/*, or acknowledge data that is shared by design.',
  resourceTypes: ['AWS::IAM::Role'],
}, (node: CfnResource): NagRuleResult => {
  if (!trustedServices(node, node).has('credentials.iot.amazonaws.com')) return NagRuleCompliance.NOT_APPLICABLE;
  const shared = new Findings();
  reviewRole(node, node, new Findings(), shared);
  return shared.isEmpty ? NagRuleCompliance.COMPLIANT : shared.toArray();
});
