import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { Findings, Unresolved } from '../../private/cfn-values';
import { member, scalar } from '../../private/documents';
import { defineRule } from '../../rule-definition';
import { configurationMerges, GREENGRASS_DEPLOYMENT } from './private/greengrass';

const STREAM_MANAGER = 'aws.greengrass.StreamManager';
const SETTING = 'STREAM_MANAGER_AUTHENTICATE_CLIENT';

/**
 * IoTSecurity-GW12: a Greengrass deployment must keep stream manager's client authentication on.
 *
 * With `STREAM_MANAGER_AUTHENTICATE_CLIENT` `false` in the `aws.greengrass.StreamManager`
 * configuration merge (boolean or string, any case), any process on the core device may use the
 * Stream Manager SDK, not only Greengrass components. The component's default is `true`, so a
 * deployment without the key passes. Findings: `ClientAuthDisabled::Components.aws.greengrass.StreamManager`;
 * `Unresolved::<path>` for a merge document or value known only at deploy time. A WARN: AWS
 * documents `false` for a core device whose non-component processes must talk to stream manager;
 * acknowledge the finding with that reason.
 */
export const IoTGreengrassStreamManagerAuth = defineRule({
  id: 'GW12',
  practice: Practice.GATEWAYS_AND_IT,
  iotLens: ['IOTSEC08', 'IOTSEC10'],
  attackEnterprise: ['T1565', 'T1005'],
  attackIcs: ['T0832', 'T0856'],
  level: NagMessageLevel.WARN,
  info: 'The Greengrass deployment turns off stream manager\'s client authentication.',
  explanation: 'Stream manager buffers device data on the core device and exports it to the cloud. Without client authentication any '
    + 'process on the device, including one an attacker started through another service, can read the buffered data, or write forged '
    + 'data that stream manager then exports as the device\'s own.',
  fix: `Remove ${SETTING} from the ${STREAM_MANAGER} configuration (true is its default), or set it to "true"; run the processes that `
    + 'need stream manager as Greengrass components.',
  resourceTypes: [GREENGRASS_DEPLOYMENT],
}, (node: CfnResource): NagRuleResult => {
  const findings = new Findings();
  for (const { document, ph, path } of configurationMerges(node, [STREAM_MANAGER], findings)) {
    const value = scalar(member(document, SETTING), ph);
    if (value instanceof Unresolved) findings.add('Unresolved', `${path}.${SETTING}`);
    else if (value?.trim().toLowerCase() === 'false') findings.add('ClientAuthDisabled', path);
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
