import { Lazy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import { Construct } from 'constructs';
import { AssetTagsProps, DataClass } from '../core/asset-tags';
import { RiskProfile } from '../core/risk-profile';
import { IotPolicyFindings, PolicyAnalysis } from '../checks/policy-analysis';
import { applyAssetTags } from '../core/private/default-tags';
import { describeValue } from '../core/private/describe';
import { riskProfileOf } from '../core/private/risk-profile-of';

/** The IoT policy variable that holds the name of the thing attached to the connecting certificate. */
export const THING_NAME_VARIABLE = '${iot:Connection.Thing.ThingName}';

/** What a device may do on an extra topic. */
export enum TopicAccess {
  /** Publish only. */
  PUBLISH = 'PUBLISH',
  /** Subscribe and receive only. */
  SUBSCRIBE = 'SUBSCRIBE',
  /** Publish, subscribe and receive. */
  PUBLISH_AND_SUBSCRIBE = 'PUBLISH_AND_SUBSCRIBE',
}

/**
 * A topic beyond the device's own tree, shadows and jobs. Either one per device, whose name holds
 * `THING_NAME_VARIABLE` with no wildcard before it or right after it, or a fixed topic every
 * device shares, which devices may only receive (a broadcast), never publish.
 */
export class DeviceTopic {
  /**
   * A topic of the connecting device: `topic` holds `${iot:Connection.Thing.ThingName}` once;
   * a `*` may only follow it after a `/` (`fleet/${iot:Connection.Thing.ThingName}/logs/*`).
   */
  public static perDevice(topic: string, access: TopicAccess): DeviceTopic {
    return new DeviceTopic(topic, access, false);
  }

  /** A fixed topic every device may subscribe to and receive from, without wildcards (`broadcast/time`). */
  public static sharedReceiveOnly(topic: string): DeviceTopic {
    return new DeviceTopic(topic, TopicAccess.SUBSCRIBE, true);
  }

  private constructor(
    /** The topic name, as written in the policy. */
    public readonly topic: string,
    /** What the device may do on it. */
    public readonly access: TopicAccess,
    /** Whether every device shares it. */
    public readonly shared: boolean,
  ) {}
}

/** Props of `DevicePolicy`. */
export interface DevicePolicyProps {
  /**
   * The policy's name.
   * @default - a name CloudFormation generates
   */
  readonly policyName?: string;
  /**
   * The root of each device's own topic tree: the device may publish, subscribe and receive on
   * `<topicRoot>/<its thing name>/*`. Letters, digits, `_`, `-` and `/`, not starting with `$`.
   * @default 'devices'
   */
  readonly topicRoot?: string;
  /**
   * Whether the device gets its own topic tree (see `topicRoot`).
   * @default true
   */
  readonly ownTopicTree?: boolean;
  /**
   * Whether the device may get, update and delete its classic shadow over MQTT.
   * @default true
   */
  readonly classicShadow?: boolean;
  /**
   * Named shadows the device may use over MQTT.
   * @default - none
   */
  readonly namedShadows?: string[];
  /**
   * Whether the device may use the jobs MQTT API for its own job executions (needed for OTA updates).
   * @default true
   */
  readonly jobs?: boolean;
  /**
   * Whether the device may publish retained messages on its own topic tree.
   * @default false
   */
  readonly retainedMessages?: boolean;
  /**
   * Extra topics (see `DeviceTopic`); more can be added with `addTopic`.
   * @default - none
   */
  readonly topics?: DeviceTopic[];
  /**
   * Topics the device may never publish to, even where an Allow covers them (an explicit Deny
   * wins), e.g. `devices/${iot:Connection.Thing.ThingName}/commands`. `*` widens a Deny safely;
   * MQTT `+` and `#` are literal characters in a policy, so a Deny holding them denies nothing
   * of what it seems to, and is rejected.
   * @default - none
   */
  readonly denyPublishTopics?: string[];
  /**
   * The risk profile, which sets the default criticality tag.
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * The practice 2 tags of the policy.
   * @default - criticality from the risk profile, owner `unassigned`, data class internal, each replaced by an `AssetTags.apply` above
   */
  readonly assetTags?: AssetTagsProps;
}

const TOPIC_ROOT = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
const SHADOW_NAME = /^[A-Za-z0-9:_-]{1,64}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
/** AWS IoT: a topic name is at most 256 bytes and 8 levels (7 slashes), reserved `$aws/` prefixes aside. */
const MAX_TOPIC_BYTES = 256;
const MAX_TOPIC_SLASHES = 7;

/**
 * An AWS IoT policy for devices that cannot be over-permissive: a device connects only with its
 * own thing name as client ID, and only when its certificate is attached to that thing
 * (`iot:Connection.Thing.IsAttached`); it publishes, subscribes and receives on its own topic tree,
 * its shadows and its jobs; extra topics must name the device (`DeviceTopic.perDevice`) or be
 * shared broadcasts it may only receive (`DeviceTopic.sharedReceiveOnly`). Whatever would let one
 * device act as another (a wildcard before or right after the thing variable, MQTT `+`/`#`, a
 * control-plane action) is rejected at synth, and the rendered document is checked with the same
 * analyzer as `IotSecurityChecks`' IoT policy rules.
 *
 * One policy serves the whole fleet: attach it to each device certificate (`FleetProvisioning`
 * does), the thing variable makes it per device.
 */
export class DevicePolicy extends Construct {
  /** The policy's name. */
  public readonly policyName: string;
  /** The policy's ARN. */
  public readonly policyArn: string;
  /** The L1 resource. */
  public readonly cfnPolicy: iot.CfnPolicy;

  /** The root of each device's own topic tree (`<topicRoot>/<thing name>/*`). */
  public readonly topicRoot: string;
  /** Whether the device has its own topic tree. */
  public readonly ownTopicTree: boolean;
  private readonly extraTopics: DeviceTopic[] = [];
  private readonly deniedPublish: string[];
  private readonly settings: Required<Pick<DevicePolicyProps, 'ownTopicTree' | 'classicShadow' | 'jobs' | 'retainedMessages'>> & { namedShadows: string[] };

  constructor(scope: Construct, id: string, props: DevicePolicyProps = {}) {
    super(scope, id);
    props = props ?? {};
    const problems: string[] = [];
    this.topicRoot = props.topicRoot ?? 'devices';
    if (typeof this.topicRoot !== 'string' || (!Token.isUnresolved(this.topicRoot) && !TOPIC_ROOT.test(this.topicRoot))) {
      problems.push(`topicRoot must be letters, digits, '_', '-' and '/' (no wildcards, not starting with '$' or '/'), got ${describeValue(this.topicRoot)}`);
    }
    for (const flag of ['ownTopicTree', 'classicShadow', 'jobs', 'retainedMessages'] as const) {
      if (props[flag] !== undefined && typeof props[flag] !== 'boolean') problems.push(`${flag} must be true or false, got ${describeValue(props[flag])}`);
    }
    const namedShadows = props.namedShadows ?? [];
    if (!Array.isArray(namedShadows)) {
      problems.push(`namedShadows must be a list of shadow names, got ${describeValue(namedShadows)}`);
    } else {
      for (const name of namedShadows) {
        if (typeof name !== 'string' || (!Token.isUnresolved(name) && !SHADOW_NAME.test(name))) {
          problems.push(`namedShadows: each name must be 1-64 letters, digits, ':', '_' or '-', got ${describeValue(name)}`);
        }
      }
    }
    if (props.policyName !== undefined && (typeof props.policyName !== 'string' || (!Token.isUnresolved(props.policyName) && !POLICY_NAME.test(props.policyName)))) {
      problems.push(`policyName must be 1-128 letters, digits or _ + = , . @ -, got ${describeValue(props.policyName)}`);
    }
    const denied = props.denyPublishTopics ?? [];
    if (!Array.isArray(denied)) {
      problems.push(`denyPublishTopics must be a list of topics, got ${describeValue(denied)}`);
    } else {
      for (const t of denied) {
        if (typeof t !== 'string' || t.length === 0) problems.push(`denyPublishTopics: each topic must be a non-empty string, got ${describeValue(t)}`);
        else if (!Token.isUnresolved(t) && /[+#]/.test(t)) problems.push(`denyPublishTopics: ${JSON.stringify(t)} holds MQTT '+' or '#', which a policy reads as literal characters, so the Deny would not cover the topics it seems to; use '*'`);
      }
    }
    this.deniedPublish = Array.isArray(denied) ? [...denied] : [];
    if (props.topics !== undefined && !Array.isArray(props.topics)) problems.push(`topics must be a list of DeviceTopic, got ${describeValue(props.topics)}`);
    for (const topic of Array.isArray(props.topics) ? props.topics : []) problems.push(...DevicePolicy.topicProblems(topic));
    if (problems.length > 0) throw new Error(`${this.node.path}: DevicePolicy: ${problems.join('; ')}`);

    this.ownTopicTree = props.ownTopicTree ?? true;
    this.settings = {
      ownTopicTree: this.ownTopicTree,
      classicShadow: props.classicShadow ?? true,
      jobs: props.jobs ?? true,
      retainedMessages: props.retainedMessages ?? false,
      namedShadows,
    };
    this.extraTopics.push(...(props.topics ?? []));

    // Rendered late so that topics added with addTopic are in it.
    this.cfnPolicy = new iot.CfnPolicy(this, 'Resource', {
      policyName: props.policyName,
      policyDocument: Lazy.any({ produce: () => this.renderDocument() }),
    });
    this.policyName = this.cfnPolicy.ref;
    this.policyArn = this.cfnPolicy.attrArn;
    applyAssetTags(this, riskProfileOf(this, props.riskProfile), props.assetTags, DataClass.INTERNAL);

    this.node.addValidation({
      validate: () => {
        const findings = PolicyAnalysis.analyzeIotPolicy(Stack.of(this).resolve(this.renderDocument()));
        const all = (Object.keys(findings) as (keyof IotPolicyFindings)[]).flatMap((k) => findings[k].map((f) => `${k}: ${f}`));
        return all.length === 0 ? [] : [`DevicePolicy: the rendered policy is not least privilege: ${all.join(', ')}`];
      },
    });
  }

  /** Adds a topic (see `DeviceTopic`); rejected when it could let one device act as another. */
  public addTopic(topic: DeviceTopic): void {
    const problems = DevicePolicy.topicProblems(topic);
    if (problems.length > 0) throw new Error(`${this.node.path}: DevicePolicy: ${problems.join('; ')}`);
    this.extraTopics.push(topic);
  }

  /** The statements of the policy as it stands (topics added later included). */
  public get statements(): iam.PolicyStatement[] {
    return this.renderStatements();
  }

  /** The policy document as it stands (topics added later included), e.g. to embed in a provisioning template. */
  public get document(): iam.PolicyDocument {
    return new iam.PolicyDocument({ statements: this.renderStatements() });
  }

  private renderDocument(): unknown {
    return Stack.of(this).resolve(this.document);
  }

  private renderStatements(): iam.PolicyStatement[] {
    const stack = Stack.of(this);
    const arn = (type: string, name: string) => stack.formatArn({ service: 'iot', resource: type, resourceName: name });
    const T = THING_NAME_VARIABLE;
    const publish: string[] = [];
    const subscribe: string[] = [];
    const retain: string[] = [];
    if (this.settings.ownTopicTree) {
      const tree = `${this.topicRoot}/${T}/*`;
      publish.push(tree);
      subscribe.push(tree);
      if (this.settings.retainedMessages) retain.push(tree);
    }
    if (this.settings.classicShadow) {
      for (const op of ['get', 'update', 'delete']) {
        publish.push(`$aws/things/${T}/shadow/${op}`);
        subscribe.push(`$aws/things/${T}/shadow/${op}/*`);
      }
    }
    for (const name of this.settings.namedShadows) {
      publish.push(`$aws/things/${T}/shadow/name/${name}/*`);
      subscribe.push(`$aws/things/${T}/shadow/name/${name}/*`);
    }
    if (this.settings.jobs) {
      publish.push(`$aws/things/${T}/jobs/*`);
      subscribe.push(`$aws/things/${T}/jobs/*`);
    }
    for (const t of this.extraTopics) {
      if (t.access !== TopicAccess.SUBSCRIBE) publish.push(t.topic);
      if (t.access !== TopicAccess.PUBLISH) subscribe.push(t.topic);
    }
    const statements = [new iam.PolicyStatement({
      sid: 'ConnectAsOwnThingOnly',
      actions: ['iot:Connect'],
      resources: [arn('client', T)],
      conditions: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
    })];
    if (publish.length > 0) {
      statements.push(new iam.PolicyStatement({ sid: 'PublishOwnTopics', actions: ['iot:Publish'], resources: publish.map((t) => arn('topic', t)) }));
    }
    if (retain.length > 0) {
      statements.push(new iam.PolicyStatement({ sid: 'RetainOwnTopics', actions: ['iot:RetainPublish'], resources: retain.map((t) => arn('topic', t)) }));
    }
    if (subscribe.length > 0) {
      statements.push(new iam.PolicyStatement({ sid: 'SubscribeOwnTopics', actions: ['iot:Subscribe'], resources: subscribe.map((t) => arn('topicfilter', t)) }));
      statements.push(new iam.PolicyStatement({ sid: 'ReceiveOwnTopics', actions: ['iot:Receive'], resources: subscribe.map((t) => arn('topic', t)) }));
    }
    if (this.deniedPublish.length > 0) {
      statements.push(new iam.PolicyStatement({ sid: 'NeverPublish', effect: iam.Effect.DENY, actions: ['iot:Publish'], resources: this.deniedPublish.map((t) => arn('topic', t)) }));
    }
    return statements;
  }

  private static topicProblems(topic: DeviceTopic): string[] {
    if (!(topic instanceof DeviceTopic)) return [`topics: each topic must be made with DeviceTopic.perDevice() or DeviceTopic.sharedReceiveOnly(), got ${describeValue(topic)}`];
    const t = topic.topic;
    if (typeof t !== 'string' || t.length === 0) return [`topics: a topic must be a non-empty string, got ${describeValue(t)}`];
    if (!Object.values(TopicAccess).includes(topic.access)) return [`topics: access of ${JSON.stringify(t)} must be one of ${Object.values(TopicAccess).join(', ')}, got ${describeValue(topic.access)}`];
    // An unresolved topic is judged on the rendered document by the analyzer (see the validation).
    if (Token.isUnresolved(t)) return [];
    const problems: string[] = [];
    const q = JSON.stringify(t);
    if (/[+#]/.test(t)) problems.push(`topics: ${q} holds MQTT '+' or '#', which an IoT policy reads as literal characters; use '*' after the thing name`);
    if (t.startsWith('$') && !t.startsWith('$aws/rules/')) problems.push(`topics: ${q} is a reserved topic; shadows and jobs have their own props, and only Basic Ingest ($aws/rules/...) may be added`);
    if (t.startsWith('$aws/rules/') && topic.access !== TopicAccess.PUBLISH) problems.push(`topics: ${q} is a Basic Ingest topic, which devices can only publish to`);
    const slashes = t.split('/').length - 1 - (t.startsWith('$aws/rules/') ? 3 : 0);
    if (Buffer.byteLength(t) > MAX_TOPIC_BYTES || slashes > MAX_TOPIC_SLASHES) {
      problems.push(`topics: ${q} is longer than AWS IoT allows (${MAX_TOPIC_BYTES} bytes, ${MAX_TOPIC_SLASHES + 1} levels)`);
    }
    if (topic.shared) {
      if (/[*?]/.test(t)) problems.push(`topics: the shared topic ${q} holds a wildcard; a shared receive-only topic must be one fixed topic`);
      return problems;
    }
    const at = t.indexOf(THING_NAME_VARIABLE);
    if (at < 0) {
      problems.push(`topics: the per-device topic ${q} must contain ${THING_NAME_VARIABLE}, or be added with DeviceTopic.sharedReceiveOnly()`);
      return problems;
    }
    if (t.indexOf('${', at + THING_NAME_VARIABLE.length) >= 0 || t.lastIndexOf('${', at - 1) >= 0) {
      problems.push(`topics: ${q} may hold no policy variable but ${THING_NAME_VARIABLE}, once`);
    }
    if (/[*?]/.test(t.slice(0, at))) problems.push(`topics: ${q} has a wildcard before ${THING_NAME_VARIABLE}, which matches other devices' topics`);
    const after = t.slice(at + THING_NAME_VARIABLE.length);
    if (/^[*?]/.test(after)) problems.push(`topics: ${q} has a wildcard right after ${THING_NAME_VARIABLE}, which matches every thing whose name starts with this one's`);
    else if (/(^|[^/])[*?]/.test(after)) problems.push(`topics: ${q} has a wildcard inside a topic level; a '*' must be a whole level after ${THING_NAME_VARIABLE}`);
    return problems;
  }
}
