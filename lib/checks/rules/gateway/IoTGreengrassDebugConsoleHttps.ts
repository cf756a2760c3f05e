import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { asBoolean, Findings, isObject, possibleValues, Unresolved } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';

const DEBUG_CONSOLE = 'aws.greengrass.LocalDebugConsole';

/**
 * IoTSecurity-GW6: a Greengrass V2 deployment that runs the local debug console
 * (`aws.greengrass.LocalDebugConsole`) must keep it on HTTPS. The console can deploy components
 * and read the device's logs; with `httpsEnabled: false` in the component's
 * `ConfigurationUpdate.Merge` its credentials and traffic cross the network in clear text.
 * The component's default is HTTPS on, so a deployment without the key passes.
 *
 * Findings: `HttpsDisabled::Components.aws.greengrass.LocalDebugConsole` in any form the
 * template can deploy in; `Unresolved::<path>` for a merge document that cannot be read.
 */
export const IoTGreengrassDebugConsoleHttps = defineRule({
  id: 'GW6',
  practice: Practice.GATEWAYS_AND_IT,
  iotLens: ['IOTSEC07', 'IOTSEC08'],
  attackEnterprise: ['T1040', 'T1557'],
  attackIcs: ['T0842', 'T0830'],
  level: NagMessageLevel.ERROR,
  info: 'The Greengrass deployment runs the local debug console without HTTPS.',
  explanation: 'The local debug console can manage the core device\'s components and read its logs; without HTTPS its password and '
    + 'traffic can be read and replayed by anyone on the device\'s network.',
  fix: 'Remove httpsEnabled: false from the aws.greengrass.LocalDebugConsole configuration (HTTPS is its default), or do not deploy '
    + 'the debug console outside development.',
  resourceTypes: ['AWS::GreengrassV2::Deployment'],
}, (node: CfnResource): NagRuleResult => {
  const findings = new Findings();
  const path = `Components.${DEBUG_CONSOLE}`;
  for (const components of possibleValues(node, resolvedProperties(node).Components)) {
    if (components instanceof Unresolved) {
      findings.unreadable(components, 'Components');
      continue;
    }
    if (!isObject(components) || components[DEBUG_CONSOLE] === undefined) continue;
    for (const component of possibleValues(node, components[DEBUG_CONSOLE])) {
      if (!isObject(component)) continue;
      for (const update of possibleValues(node, component.ConfigurationUpdate)) {
        if (!isObject(update)) continue;
        for (const merge of possibleValues(node, update.Merge)) {
          if (merge === undefined) continue;
          let parsed: unknown;
          try {
            parsed = typeof merge === 'string' ? JSON.parse(merge) : merge;
          } catch {
            parsed = undefined;
          }
          if (merge instanceof Unresolved || !isObject(parsed)) {
            findings.add('Unresolved', `${path}.ConfigurationUpdate.Merge`);
            continue;
          }
          if (asBoolean(parsed.httpsEnabled as unknown) === false) findings.add('HttpsDisabled', path);
        }
      }
    }
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
