import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { asArray, referencedLogicalId, resolvedProperties } from '../../private/cfn';
import { branches, Findings, isObject, possibleValues, Unresolved } from '../../private/cfn-values';
import { displayValue } from '../../private/display';
import { templateString } from '../../private/iam-policy';
import { roleGrants, statementStrings } from '../../private/role-statements';
import { defineRule } from '../../rule-definition';
import { rolesOf } from '../../private/role-refs';

const TYPE = 'AWS::IoT::MitigationAction';

/**
 * What each kind of mitigation action needs its role to allow (lower case), after the
 * AWSIoTDeviceDefender*MitigationAction managed policies and the AWS IoT developer guide; and the
 * AWS-managed policy written for it, which is accepted.
 */
const NEEDS: { [params: string]: { actions: readonly string[]; managed: string } } = {
  AddThingsToThingGroupParams: {
    actions: ['iot:addthingtothinggroup', 'iot:listprincipalthings'],
    managed: 'AWSIoTDeviceDefenderAddThingsToThingGroupMitigationAction',
  },
  EnableIoTLoggingParams: {
    actions: ['iot:setv2loggingoptions', 'iam:passrole'],
    managed: 'AWSIoTDeviceDefenderEnableIoTLoggingMitigationAction',
  },
  PublishFindingToSnsParams: {
    // An encrypted topic also needs its key: what `topic.grantPublish` grants.
    actions: ['sns:publish', 'kms:decrypt', 'kms:generatedatakey', 'kms:generatedatakey*'],
    managed: 'AWSIoTDeviceDefenderPublishFindingsToSNSMitigationAction',
  },
  ReplaceDefaultPolicyVersionParams: {
    actions: ['iot:createpolicyversion'],
    managed: 'AWSIoTDeviceDefenderReplaceDefaultPolicyMitigationAction',
  },
  UpdateCACertificateParams: {
    actions: ['iot:updatecacertificate'],
    managed: 'AWSIoTDeviceDefenderUpdateCACertMitigationAction',
  },
  UpdateDeviceCertificateParams: {
    actions: ['iot:updatecertificate'],
    managed: 'AWSIoTDeviceDefenderUpdateDeviceCertMitigationAction',
  },
};

/** The kinds of action `ActionParams` can configure, across its forms; `undefined` where unreadable. */
function actionKinds(node: CfnResource, params: unknown): (string | undefined)[] {
  return possibleValues(node, params).flatMap((p) => {
    if (!isObject(p)) return [undefined];
    const kinds = Object.keys(p).filter((k) => NEEDS[k] !== undefined && possibleValues(node, p[k]).some((v) => v !== undefined));
    return kinds.length > 0 ? kinds : [undefined];
  });
}

/**
 * The ARN shapes of a `Resource` entry (`{?}` holes) with how a finding shows each (`display.ts`);
 * none for one resource of the stack (a `Ref`/`Fn::GetAtt`).
 */
function resourceShapes(node: CfnResource, value: unknown, findings: Findings): { shape: string; display: string }[] {
  const out: { shape: string; display: string }[] = [];
  for (const list of possibleValues(node, value).flatMap((v) => (v instanceof Unresolved ? branches(value) : [v]))) {
    for (const item of asArray(list)) {
      for (const b of branches(item)) {
        if (b === undefined || referencedLogicalId(b) !== undefined) continue;
        const shape = templateString(b);
        if (shape === undefined || shape === '{?}') findings.add('Unresolved', 'Resource');
        else out.push({ shape, display: displayValue(b) });
      }
    }
  }
  return out;
}

/**
 * IoTSecurity-IR1: the role a Device Defender mitigation action runs with may do only that action.
 *
 * The kind of action is read from `ActionParams` (`UpdateDeviceCertificateParams`,
 * `AddThingsToThingGroupParams`, ...) and `RoleArn` is followed to the `AWS::IAM::Role` of the
 * stack (through `Fn::GetAtt`, `Ref`, a built or literal ARN, as IoTSecurity-GW1 does). Every
 * Allow statement granting it (inline, managed policies of the stack, `AWS::IAM::Policy`/`RolePolicy`
 * naming it) is read. Findings:
 * - `Action::<action>`: `*` or a wildcard action (except `kms:GenerateDataKey*` for an encrypted SNS topic);
 * - `NotAction`;
 * - `Unneeded::<action>`: an action the kind of mitigation does not use (e.g. `iot:UpdateCACertificate`
 *   on a role that only deactivates device certificates, `iot:AttachPolicy`, `s3:GetObject`);
 * - `PassRole::<resource>`: `iam:PassRole` on a wildcard resource (the logging action passes one logging role);
 * - `ManagedPolicy::<name>`: an AWS-managed policy other than the one AWS wrote for that kind of action;
 * - `Unresolved::RoleArn` (a role outside the stack), `Unresolved::ActionParams`, and the
 *   `Unresolved::` findings of unreadable policies.
 * Resource scoping of the needed actions is not judged: a mitigation acts on whichever
 * certificate, thing or policy the finding names, and several of its actions take only `*`.
 */
export const IoTMitigationActionRoleLeastPrivilege = defineRule({
  id: 'IR1',
  practice: Practice.INCIDENT_RESPONSE,
  iotLens: ['IOTSEC04'],
  attackEnterprise: ['T1098.003', 'T1078.004', 'T1562.008'],
  attackIcs: ['T0890', 'T0859'],
  level: NagMessageLevel.ERROR,
  info: 'The role of the Device Defender mitigation action may do more than that action.',
  explanation:
    'AWS IoT assumes the mitigation action\'s role whenever the action runs, on findings an attacker can provoke. A role that may also ' +
    'reactivate certificates, attach policies, change logging or read data turns the incident response path into a privilege: whoever can ' +
    'start or redefine the action, or assume the role, gets the rest.',
  fix: 'Give each mitigation action its own role allowed only its action (e.g. iot:UpdateCertificate for UPDATE_DEVICE_CERTIFICATE, iot:SetV2LoggingOptions and iam:PassRole on the one logging role for ENABLE_IOT_LOGGING), or attach the AWSIoTDeviceDefender*MitigationAction managed policy written for it.',
  resourceTypes: [TYPE],
}, (node: CfnResource): NagRuleResult => {
  const props = resolvedProperties(node);
  const findings = new Findings();
  const kinds = actionKinds(node, props.ActionParams);
  // With a kind that cannot be read, what is needed is unknown: only wildcards are still judged.
  const known = !kinds.includes(undefined);
  if (!known) findings.add('Unresolved', 'ActionParams');
  const allowed = new Set(kinds.flatMap((k) => (k ? NEEDS[k].actions : [])));
  const managed = new Set(kinds.flatMap((k) => (k ? [NEEDS[k].managed] : [])));
  const roles = rolesOf(node, props.RoleArn);
  if (roles.length === 0) findings.add('Unresolved', 'RoleArn');
  for (const role of roles) {
    if (role instanceof Unresolved) {
      findings.unreadable(role, 'RoleArn');
      continue;
    }
    const grants = roleGrants(node, role, findings);
    for (const name of grants.awsManagedPolicies) {
      if (known && !managed.has(name)) findings.add('ManagedPolicy', name);
    }
    for (const statement of grants.statements) {
      if (statement.NotAction !== undefined) findings.add('NotAction');
      for (const action of statementStrings(node, statement.Action, findings, 'Action')) {
        const lower = action.toLowerCase();
        if (allowed.has(lower)) {
          if (lower === 'iam:passrole') {
            for (const { shape, display } of resourceShapes(node, statement.Resource, findings)) if (/[*?]/.test(shape)) findings.add('PassRole', display);
          }
        } else if (/[*?]/.test(action)) {
          findings.add('Action', action);
        } else if (known) {
          findings.add('Unneeded', action);
        }
      }
    }
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});
