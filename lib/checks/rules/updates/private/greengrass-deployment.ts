import { CfnResource } from 'aws-cdk-lib';
import { resolvedProperties } from '../../../private/cfn';
import { asObject, branches, Findings, readEach } from '../../../private/cfn-values';
import { namesOneThing } from './job-settings';

export { GREENGRASS_DEPLOYMENT } from '../../../private/greengrass';
/** The deployment's IoT job settings, the path findings name. */
export const JOB_CONFIGURATION = 'IotJobConfiguration';

/**
 * Whether a Greengrass deployment targets one core device in every form its template can deploy
 * in: `TargetArn` names a thing (`arn:...:thing/<name>`, or the `Fn::GetAtt` `Arn` of an
 * `AWS::IoT::Thing` of the stack), never a thing group. Such a deployment runs as a job of one
 * execution: there is no fleet to stage or to abort across.
 */
export function targetsOneCoreDevice(node: CfnResource): boolean {
  const targets = branches(resolvedProperties(node).TargetArn);
  return targets.length > 0 && targets.every((target) => namesOneThing(node, target));
}

/**
 * The blocks `IotJobConfiguration.<name>` of a deployment can deploy with; `undefined` stands
 * for a form without it. What cannot be read goes to `findings` (`Unresolved::` or `Invalid::`).
 */
export function jobConfigurationBlocks(node: CfnResource, name: string, findings: Findings): ({ [key: string]: unknown } | undefined)[] {
  return readEach(node, resolvedProperties(node)[JOB_CONFIGURATION], asObject, findings, JOB_CONFIGURATION)
    .flatMap((config) => (config ? readEach(node, config[name], asObject, findings, `${JOB_CONFIGURATION}.${name}`) : [undefined]));
}
