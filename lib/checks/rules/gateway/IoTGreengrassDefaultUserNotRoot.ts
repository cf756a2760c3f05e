import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { Findings, Unresolved } from '../../private/cfn-values';
import { member, scalar } from '../../private/documents';
import { defineRule } from '../../rule-definition';
import { configurationMerges, GREENGRASS_DEPLOYMENT, isRootPosixUser } from '../../private/greengrass';

/** The nucleus components whose `runWithDefault` sets the user of every component. */
const NUCLEI = ['aws.greengrass.Nucleus', 'aws.greengrass.NucleusLite'];

/**
 * IoTSecurity-GW10: a Greengrass deployment must not make root the default user of the core
 * device's components.
 *
 * The nucleus runs every generic and Lambda component that names no user of its own as
 * `runWithDefault.posixUser`. Findings: `RootDefaultUser::Components.<nucleus>.runWithDefault.posixUser`
 * when a configuration merge of `aws.greengrass.Nucleus` or `aws.greengrass.NucleusLite` sets it
 * to user `root` or ID `0` (with or without a group); `Unresolved::<path>` for a merge document or
 * user known only at deploy time. A deployment that leaves the setting alone keeps the user the
 * core device was installed with (the installer's `--component-default-user`, `ggc_user` in AWS's
 * guides), which a template cannot see. Windows users are not judged.
 */
export const IoTGreengrassDefaultUserNotRoot = defineRule({
  id: 'GW10',
  practice: Practice.GATEWAYS_AND_IT,
  iotLens: ['IOTSEC08', 'IOTSEC12'],
  attackEnterprise: ['T1068', 'T1543'],
  attackIcs: ['T0890'],
  level: NagMessageLevel.ERROR,
  info: 'The Greengrass deployment makes root the default user of the core device\'s components.',
  explanation: 'Every component that names no user of its own then runs as root: a flaw in any one of them, or a tampered artifact, '
    + 'takes over the whole gateway, its private key and the devices behind it, instead of one unprivileged process.',
  fix: 'Set runWithDefault.posixUser of aws.greengrass.Nucleus to an unprivileged system user and group (e.g. ggc_user:ggc_group), '
    + 'and give only the lifecycle steps that need it RequiresPrivilege in their recipe.',
  resourceTypes: [GREENGRASS_DEPLOYMENT],
}, (node: CfnResource): NagRuleResult => {
  const findings = new Findings();
  for (const { document, ph, path } of configurationMerges(node, NUCLEI, findings)) {
    const userPath = `${path}.runWithDefault.posixUser`;
    const user = scalar(member(member(document, 'runWithDefault'), 'posixUser'), ph);
    if (user instanceof Unresolved) findings.add('Unresolved', userPath);
    else if (user !== undefined && isRootPosixUser(user)) findings.add('RootDefaultUser', userPath);
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
