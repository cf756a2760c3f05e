import { CfnResource } from 'aws-cdk-lib';
import { findInStack, referencedLogicalId } from '../../../private/cfn';
import { readObject, readPresence, readProperties, Read, TemplateObject } from './template-values';

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

/** A job setting as it will apply, and the path to name in findings. */
export interface EffectiveSetting {
  /** The property name on the judged resource, e.g. `AbortConfig` or `AwsJobAbortConfig`. */
  readonly path: string;
  /** The setting's block, read from the resource or, when it has none, from its source. */
  readonly read: Read<TemplateObject>;
  /** The type of the resource the block was read from; key names inside differ by type. */
  readonly readFromType: string;
  /**
   * Set when the resource has no setting of its own and names a source whose settings cannot be
   * read (a template in another stack, a parameter): the source property to name in a finding.
   */
  readonly unreadableSource?: string;
}

/**
 * The setting of a Job, JobTemplate or OTAUpdate as the job will run with it. Never throws;
 * `undefined` for a type the update rules do not judge, `'unreadable'` when CDK cannot render
 * the resource.
 */
export function effectiveJobSetting(node: CfnResource, setting: JobSetting): EffectiveSetting | 'unreadable' | undefined {
  const type = node.cfnResourceType;
  const names = SETTINGS[type];
  if (!names) return undefined;
  const path = names[setting];
  const props = readProperties(node);
  if (!props) return 'unreadable';
  const own = readObject(props[path]);
  if (own.kind !== 'absent') return { path, read: own, readFromType: type };

  const source = SOURCES[type];
  if (!source) return { path, read: own, readFromType: type };
  return inherited(node, props, source, setting, path, new Set([node]));
}

function inherited(
  node: CfnResource,
  props: TemplateObject,
  source: { readonly property: string; readonly type: string },
  setting: JobSetting,
  path: string,
  seen: Set<CfnResource>,
): EffectiveSetting {
  const ref = readPresence(props[source.property]);
  if (ref.kind === 'absent') return { path, read: { kind: 'absent' }, readFromType: node.cfnResourceType };
  const logicalId = ref.kind === 'value' ? referencedLogicalId(ref.value) : undefined;
  const target = logicalId ? findInStack(node, logicalId) : undefined;
  if (!target || target.cfnResourceType !== source.type || seen.has(target)) {
    return { path, read: { kind: 'absent' }, readFromType: node.cfnResourceType, unreadableSource: source.property };
  }
  seen.add(target);
  const targetProps = readProperties(target);
  if (!targetProps) return { path, read: { kind: 'absent' }, readFromType: node.cfnResourceType, unreadableSource: source.property };
  const read = readObject(targetProps[SETTINGS[source.type][setting]]);
  if (read.kind !== 'absent') return { path, read, readFromType: source.type };
  const next = SOURCES[source.type];
  return next ? inherited(target, targetProps, next, setting, path, seen) : { path, read, readFromType: source.type };
}
