import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { findInStack, referencedLogicalId, resolvedProperties } from '../../../private/cfn';
import { asObject, branches, Findings, isObject, possibleValues, readEach } from '../../../private/cfn-values';
import { templateString } from '../../../private/iam-policy';
import { StackModel } from '../../../private/stack-model';

/** The job settings the update rules judge. */
export type JobSetting = 'abort' | 'rollout' | 'timeout';

/** The resource types that create or describe an IoT job, and where each keeps its settings. */
const SETTINGS: { readonly [type: string]: { readonly [setting in JobSetting]: string } } = {
  'AWS::IoT::Job': { abort: 'AbortConfig', rollout: 'JobExecutionsRolloutConfig', timeout: 'TimeoutConfig' },
  'AWS::IoT::JobTemplate': { abort: 'AbortConfig', rollout: 'JobExecutionsRolloutConfig', timeout: 'TimeoutConfig' },
  // An OTA update creates an IoT job; its settings carry the AwsJob prefix.
  'AWS::IoT::OTAUpdate': { abort: 'AwsJobAbortConfig', rollout: 'AwsJobExecutionsRolloutConfig', timeout: 'AwsJobTimeoutConfig' },
};

/**
 * A job created from a custom job template reuses the template's settings unless it overrides
 * them, and a template created from a job copies that job's. The property that names the source,
 * and the type the source must have.
 */
const SOURCES: { readonly [type: string]: { readonly property: string; readonly type: string } } = {
  'AWS::IoT::Job': { property: 'JobTemplateArn', type: 'AWS::IoT::JobTemplate' },
  'AWS::IoT::JobTemplate': { property: 'JobArn', type: 'AWS::IoT::Job' },
};

/** The types the update rules on job settings look at. */
export const JOB_TYPES: readonly string[] = Object.keys(SETTINGS);

/** One block a job can run with. */
export interface SettingBlock {
  /** The block, e.g. the value of `AbortConfig`. */
  readonly block: { readonly [key: string]: unknown };
  /** The type of the resource the block was read from; key names inside differ by type. */
  readonly fromType: string;
}

/**
 * Judges a job setting of a Job, JobTemplate or OTAUpdate in every form the job can run with:
 * `judgeBlock` gets each block (the resource's own, or, where it has none, the one it inherits
 * from its job template or job) and `path`, the property to name in findings, e.g. `AbortConfig`
 * or `AwsJobAbortConfig`. What the rule cannot judge becomes a finding: `Missing::<path>` where
 * the job can run without the setting, `Unresolved::<path>` or `Invalid::<path>` for a block the
 * template does not fix or CloudFormation would reject, and `Unresolved::JobTemplateArn` (or
 * `JobArn`) for an inherited setting whose source the rule cannot read.
 */
export function judgeJobSetting(
  node: CfnResource,
  setting: JobSetting,
  judgeBlock: (setting: SettingBlock, path: string, findings: Findings) => void,
): NagRuleResult {
  const names = SETTINGS[node.cfnResourceType];
  if (!names) return NagRuleCompliance.NOT_APPLICABLE;
  const reading: Reading = { setting, path: names[setting], findings: new Findings() };
  for (const block of effectiveBlocks(node, resolvedProperties(node), reading, new Set([node]))) {
    judgeBlock(block, reading.path, reading.findings);
  }
  return reading.findings.toArray();
}

/** What one rule reads: the setting, the property to name in findings, and where they go. */
interface Reading {
  readonly setting: JobSetting;
  readonly path: string;
  readonly findings: Findings;
}

type Properties = { readonly [key: string]: unknown };

function effectiveBlocks(node: CfnResource, props: Properties, reading: Reading, seen: ReadonlySet<CfnResource>): SettingBlock[] {
  const fromType = node.cfnResourceType;
  const blocks: SettingBlock[] = [];
  let inherits = false;
  for (const block of readEach(node, props[SETTINGS[fromType][reading.setting]], asObject, reading.findings, reading.path)) {
    if (block) blocks.push({ block, fromType });
    else inherits = true;
  }
  return inherits ? [...blocks, ...inheritedBlocks(node, props, reading, seen)] : blocks;
}

function inheritedBlocks(node: CfnResource, props: Properties, reading: Reading, seen: ReadonlySet<CfnResource>): SettingBlock[] {
  const source = SOURCES[node.cfnResourceType];
  if (!source) {
    reading.findings.add('Missing', reading.path);
    return [];
  }
  return branches(props[source.property]).flatMap((ref) => {
    if (ref === undefined || ref === null || (typeof ref === 'string' && ref.trim() === '')) {
      reading.findings.add('Missing', reading.path);
      return [];
    }
    // By Ref/GetAtt, or by an ARN given literally or built from the source's name (StackModel.referenced);
    // a job template made by a custom resource is its native view.
    const targets = StackModel.of(node).referenced(ref, source.type).filter((t) => !seen.has(t));
    const readable = targets.map((t) => [t, propertiesOrUndefined(t)] as const);
    if (readable.length === 0 || readable.some(([, p]) => !p)) {
      reading.findings.add('Unresolved', source.property);
      return [];
    }
    return readable.flatMap(([target, targetProps]) => effectiveBlocks(target, targetProps!, reading, new Set([...seen, target])));
  });
}

/** A source CDK cannot render fails the synth on its own; here it is only a source the rule cannot read. */
function propertiesOrUndefined(node: CfnResource): Properties | undefined {
  try {
    return resolvedProperties(node);
  } catch {
    return undefined;
  }
}

/**
 * Whether a job or OTA update targets exactly one thing in every form its template can deploy
 * in: one entry in `Targets`, naming a thing (`arn:...:thing/<name>` with no wildcard, the name
 * possibly filled at deploy such as `thing/${Thing}` or a parameter, or the
 * `Fn::GetAtt` `Arn` of an `AWS::IoT::Thing` of the stack), never a thing group. Such a job has
 * no fleet to stage or to abort across; UPD1 and UPD2 do not ask it for a rollout or abort
 * criteria. A job template has no targets, so it is never one.
 */
export function targetsOneThing(node: CfnResource): boolean {
  if (node.cfnResourceType !== 'AWS::IoT::Job' && node.cfnResourceType !== 'AWS::IoT::OTAUpdate') return false;
  const lists = possibleValues(node, resolvedProperties(node).Targets);
  return lists.length > 0 && lists.every((list) => Array.isArray(list) && list.length === 1
    && branches(list[0]).every((target) => namesOneThing(node, target)));
}

/** Whether one target (a `Targets` entry, a deployment's `TargetArn`) names exactly one thing, never a group. */
export function namesOneThing(node: CfnResource, target: unknown): boolean {
  const id = referencedLogicalId(target);
  if (id && isObject(target) && 'Fn::GetAtt' in target) return findInStack(node, id)?.cfnResourceType === 'AWS::IoT::Thing';
  const shape = templateString(target);
  const name = shape === undefined ? undefined : /^arn:[^:]+:iot:[^:]*:[^:]*:thing\/(.+)$/.exec(shape)?.[1];
  // A part filled at deploy (`${Thing}`, a parameter, a Ref in a Join) is a thing's name, and a
  // thing name cannot hold a wildcard or a slash: one segment whose literal parts have none is one thing.
  return name !== undefined && !/[/*?{}]/.test(name.split('{?}').join(''));
}
