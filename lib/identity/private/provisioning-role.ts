import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import { Construct } from 'constructs';
import { acknowledge } from '../../core/private/secure-defaults';
import { DevicePolicy } from '../device-policy';
import { nagArn } from './certificate-lifecycle';

/** Options of `provisioningRole`. */
export interface ProvisioningRoleOptions {
  /** What provisions with it, for the description. */
  readonly purpose: string;
  /** The things it makes are `<thingNamePrefix>*`. */
  readonly thingNamePrefix: string;
  readonly devicePolicy: DevicePolicy;
  readonly thingType?: iot.CfnThingType;
  readonly thingGroups?: iot.CfnThingGroup[];
}

/**
 * The role AWS IoT assumes to run a provisioning template (fleet provisioning or JITP): make the
 * thing `<prefix>*`, activate and attach the certificate, attach the one device policy, join the
 * given type and groups. No AWS managed policy (AWSIoTThingsRegistration allows every thing, policy
 * and group).
 *
 * Each action is granted on the resource type IAM authorizes it on (Service Authorization
 * Reference): the thing calls on `thing/<prefix>*`; AttachThingPrincipal, AttachPolicy,
 * DescribeCertificate and UpdateCertificate on the certificate being provisioned (`cert/*`: its ID
 * is known only then), AttachPolicy being authorized on its target, not on the policy; the
 * policy is read (GetPolicy) on its own ARN; CreateCertificateFromCsr and RegisterThing support no
 * resource type. Which policy is attached IAM cannot bound (AttachPolicy has no condition key for
 * the policy): the template, which names only the device policy, does.
 */
export function provisioningRole(scope: Construct, id: string, options: ProvisioningRoleOptions): iam.Role {
  const stack = Stack.of(scope);
  const prefix = options.thingNamePrefix;
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('iot.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
    description: `AWS IoT provisions devices through ${options.purpose} with this role`,
  });
  const certificates = stack.formatArn({ service: 'iot', resource: 'cert', resourceName: '*' });
  role.addToPolicy(new iam.PolicyStatement({
    sid: 'Things',
    actions: ['iot:CreateThing', 'iot:DescribeThing', 'iot:UpdateThing', 'iot:ListThingPrincipals',
      'iot:AddThingToThingGroup', 'iot:ListThingGroupsForThing', 'iot:UpdateThingGroupsForThing'],
    resources: [stack.formatArn({ service: 'iot', resource: 'thing', resourceName: `${prefix}*` })],
  }));
  role.addToPolicy(new iam.PolicyStatement({
    sid: 'Certificates',
    actions: ['iot:AttachThingPrincipal', 'iot:AttachPolicy', 'iot:DescribeCertificate', 'iot:UpdateCertificate'],
    resources: [certificates],
  }));
  role.addToPolicy(new iam.PolicyStatement({
    sid: 'Unscoped',
    actions: ['iot:CreateCertificateFromCsr', 'iot:RegisterThing'],
    resources: ['*'],
  }));
  role.addToPolicy(new iam.PolicyStatement({ sid: 'DevicePolicy', actions: ['iot:GetPolicy'], resources: [options.devicePolicy.policyArn] }));
  const groups = options.thingGroups ?? [];
  if (groups.length > 0) {
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'Groups', actions: ['iot:AddThingToThingGroup', 'iot:UpdateThingGroupsForThing', 'iot:DescribeThingGroup'], resources: groups.map((g) => g.attrArn),
    }));
  }
  if (options.thingType) role.addToPolicy(new iam.PolicyStatement({ sid: 'ThingType', actions: ['iot:DescribeThingType'], resources: [options.thingType.attrArn] }));
  const policy = role.node.tryFindChild('DefaultPolicy')!;
  acknowledge(policy, `AwsSolutions-IAM5[Resource::${nagArn(stack, 'thing', `${prefix}*`)}]`,
    `AWS IoT creates the things ${prefix}<device name> while provisioning; device names are known only when a device provisions.`);
  acknowledge(policy, `AwsSolutions-IAM5[Resource::${nagArn(stack, 'cert', '*')}]`,
    'AttachThingPrincipal, AttachPolicy, DescribeCertificate and UpdateCertificate are authorized on the certificate being provisioned '
    + '(Service Authorization Reference: resource type cert), whose ID exists only when a device provisions.');
  acknowledge(policy, 'AwsSolutions-IAM5[Resource::*]',
    'CreateCertificateFromCsr and RegisterThing support no resource type (Service Authorization Reference); Resource "*" is the only grant IAM accepts for them.');
  return role;
}

/** The thing resource of a provisioning template: named `<prefix><name parameter>`, with the type and groups given. */
export function templateThing(prefix: string, nameParameter: string, attributePayload: { [k: string]: unknown }, thingType?: iot.CfnThingType, thingGroups?: iot.CfnThingGroup[]) {
  return {
    Type: 'AWS::IoT::Thing',
    OverrideSettings: { AttributePayload: 'MERGE', ThingTypeName: 'REPLACE', ThingGroups: 'DO_NOTHING' },
    Properties: {
      ThingName: { 'Fn::Join': ['', [prefix, { Ref: nameParameter }]] },
      AttributePayload: attributePayload,
      ...(thingType ? { ThingTypeName: thingType.ref } : {}),
      ...((thingGroups ?? []).length > 0 ? { ThingGroups: thingGroups!.map((g) => g.ref) } : {}),
    },
  };
}
