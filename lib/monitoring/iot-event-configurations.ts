import { CustomResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { claimAccountSingleton } from '../core/private/account-singleton';
import { unknownPropProblems } from '../core/private/props';
import { acknowledge, secureFunction, secureKey } from '../core/private/secure-defaults';
import { describeValue } from '../core/private/describe';

/**
 * A type of event AWS IoT publishes on its reserved `$aws/events/...` topics only while the
 * account's event configurations enable it (the keys of UpdateEventConfigurations).
 */
export enum IotEventType {
  /** `$aws/events/thing/<thingName>/created|updated|deleted`. */
  THING = 'THING',
  /** `$aws/events/thingGroup/<groupName>/created|updated|deleted`. */
  THING_GROUP = 'THING_GROUP',
  /** `$aws/events/thingType/<typeName>/created|updated|deleted`. */
  THING_TYPE = 'THING_TYPE',
  /** `$aws/events/thingGroupMembership/thingGroup/<group>/thing/<thing>/added|removed`. */
  THING_GROUP_MEMBERSHIP = 'THING_GROUP_MEMBERSHIP',
  /** `$aws/events/thingGroupHierarchy/thingGroup/<parent>/childThingGroup/<child>/added|removed`. */
  THING_GROUP_HIERARCHY = 'THING_GROUP_HIERARCHY',
  /** `$aws/events/thingTypeAssociation/thing/<thing>/<type>`. */
  THING_TYPE_ASSOCIATION = 'THING_TYPE_ASSOCIATION',
  /** `$aws/events/job/<jobId>/completed|canceled|deleted|cancellation_in_progress|deletion_in_progress`. */
  JOB = 'JOB',
  /** `$aws/events/jobExecution/<jobId>/succeeded|failed|rejected|canceled|removed|timed_out|deleted`. */
  JOB_EXECUTION = 'JOB_EXECUTION',
  /** IoT policy events. */
  POLICY = 'POLICY',
  /** Certificate events: AWS's table of event configuration settings lists the presence (connect, disconnect) topics under it. */
  CERTIFICATE = 'CERTIFICATE',
  /** `$aws/events/certificates/registered/<caCertificateId>`: a device certificate registered just in time under a CA. */
  CA_CERTIFICATE = 'CA_CERTIFICATE',
}

/** Props of `IotEventConfigurations`. */
export interface IotEventConfigurationsProps {
  /**
   * The event types to switch on. The others are left as the account has them.
   * @default - IotEventConfigurations.libraryEventTypes(): jobs, job executions, certificates and CA certificates
   */
  readonly eventTypes?: IotEventType[];
  /**
   * The key that encrypts the custom resource's log group. An imported key's policy must allow
   * `logs.<region>.amazonaws.com` to use it (CDK cannot change it).
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
}

/** The SSM parameter that keeps the event configurations found before, one per account and region like the setting. */
const STATE_PARAMETER = '/cdk-secure-iot/iot-event-configurations/state';
const PROPS: readonly (keyof IotEventConfigurationsProps)[] = ['eventTypes', 'encryptionKey'];

/**
 * The account's AWS IoT event configurations (UpdateEventConfigurations): which `$aws/events/...`
 * topics AWS IoT publishes to. Topic rules on job, job execution, certificate and registry events
 * receive nothing until their type is on; `SignedFirmwarePipeline`'s job event rules and
 * timed-out execution alarm read jobs and job executions.
 *
 * CloudFormation has no resource for the setting, so a custom resource applies it: it switches
 * on `eventTypes` and leaves every other type as it is. Deleting the stack puts each type it
 * switched on back as it was found before the library first set it (kept in an SSM parameter,
 * `/cdk-secure-iot/iot-event-configurations/state`); moving the construct, which replaces the
 * custom resource, hands the setting over without restoring it in between.
 *
 * AWS keeps one event configuration per account and region: one `IotEventConfigurations` per
 * environment in an app, enforced at synth.
 */
export class IotEventConfigurations extends Construct {
  /**
   * What the library's own constructs subscribe to, and what the account's certificate events
   * need: JOB and JOB_EXECUTION (the firmware pipeline's job event rules and timed-out execution
   * alarm), CERTIFICATE and CA_CERTIFICATE (connections by certificate and just-in-time
   * registrations, for the account's own rules and investigations). The inventory reads the
   * registry through fleet indexing and subscribes to no registry event.
   */
  public static libraryEventTypes(): IotEventType[] {
    return [IotEventType.JOB, IotEventType.JOB_EXECUTION, IotEventType.CERTIFICATE, IotEventType.CA_CERTIFICATE];
  }

  /** The event types switched on. */
  public readonly eventTypes: IotEventType[];
  /** The key that encrypts the custom resource's log group. */
  public readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: IotEventConfigurationsProps = {}) {
    super(scope, id);
    props = props ?? {};
    const problems = unknownPropProblems(props, PROPS);
    const types = props.eventTypes ?? IotEventConfigurations.libraryEventTypes();
    const allowed = Object.values(IotEventType) as string[];
    if (!Array.isArray(types) || types.length === 0 || types.some((t) => !allowed.includes(t))) {
      problems.push(`eventTypes must be a non-empty list of IotEventType (${allowed.join(', ')}), got ${describeValue(types)}`);
    }
    if (props.encryptionKey !== undefined && (props.encryptionKey === null || typeof (props.encryptionKey as kms.IKey).keyArn !== 'string')) {
      problems.push('encryptionKey must be a kms.IKey');
    }
    if (problems.length > 0) throw new Error(`${this.node.path}: IotEventConfigurations: ${problems.join('; ')}`);
    claimAccountSingleton(this, 'IoT event configurations');
    this.eventTypes = [...new Set(types)];

    this.encryptionKey = props.encryptionKey ?? secureKey(this, 'Key', {
      description: `Encrypts the IoT event configurations custom resource's logs (${this.node.path})`,
    });
    const fn = secureFunction(this, 'Handler', {
      handlerName: 'iot-event-configurations',
      description: 'cdk-secure-iot: switches on the AWS IoT event types the account needs, and restores them on delete',
      encryptionKey: this.encryptionKey,
    });
    // DescribeEventConfigurations and UpdateEventConfigurations have no resource type: IAM
    // accepts only '*' for them (Service Authorization Reference, AWS IoT).
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['iot:DescribeEventConfigurations', 'iot:UpdateEventConfigurations'],
      resources: ['*'],
    }));
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
      resources: [Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: STATE_PARAMETER.slice(1) })],
    }));
    const policy = fn.role!.node.tryFindChild('DefaultPolicy')!;
    acknowledge(policy, 'AwsSolutions-IAM5[Resource::*]',
      'iot:DescribeEventConfigurations and iot:UpdateEventConfigurations support no resource-level permissions; IAM requires Resource "*" for them. Every other statement is scoped to one resource.');

    const resource = new CustomResource(this, 'Resource', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::IotEventConfigurations',
      properties: {
        EnabledEventTypes: this.eventTypes,
        StateParameter: STATE_PARAMETER,
      },
    });
    // The pack cannot read what a home-made provider does (IoTSecurity-ID13); this one is the
    // library's own handler, whose role the statements above limit to the event configurations.
    acknowledge(resource, 'IoTSecurity::IoTSecurity-ID13[Unreadable::Provider[role]]',
      'The provider is cdk-secure-iot\'s iot-event-configurations handler: it calls only iot:DescribeEventConfigurations and '
      + 'iot:UpdateEventConfigurations, switching on the EnabledEventTypes IotEventConfigurations validated at synth, and keeps the earlier '
      + 'settings in its own SSM parameter.');
  }
}
