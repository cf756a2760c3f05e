import { NagMessageLevel } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { iotPolicyRuleResult } from '../../private/iot-policy-sources';
import { defineRule } from '../../rule-definition';

/**
 * IoTSecurity-ID3: an IoT policy, which devices hold, must only Allow device actions: the MQTT, shadow, jobs
 * and retained-message data plane and `iot:AssumeRoleWithCertificate`. Anything else, the IoT
 * control plane (certificates, policies, things, `Create*`, `Update*`, `Delete*`, `Attach*`,
 * ...) or another service (`iam:*`, `sts:*`), is a finding; the Greengrass actions core and
 * client devices call (`greengrass:Discover`, `greengrass:ResolveComponentCandidates`, ...) and
 * the jobs data plane's `iotjobsdata:` actions are device actions too. `iot:DeleteConnection`
 * (disconnecting a client) is not. Deny statements are not subtracted: least privilege is what
 * the Allows grant. One cause, one finding: an action written with a wildcard (`iot:*`,
 * `iot:Update*`, `sts:*`) or `NotAction` is IoTSecurity-ID1's finding alone, so this rule names the
 * control-plane and other services' actions written out (`iot:CreateThing`, `iam:PassRole`). Fleet provisioning's `$aws/certificates/create/*` and
 * `$aws/provisioning-templates/*` are topics, not actions.
 * No Device Defender audit check looks at control-plane actions in device policies.
 */
export const IoTPolicyNoControlPlaneActions = defineRule({
  id: 'ID3',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC04'],
  attackEnterprise: ['T1098', 'T1078'],
  attackIcs: ['T0859'],
  level: NagMessageLevel.ERROR,
  info: 'The IoT policy allows control-plane, administrative or non-IoT actions to devices.',
  explanation: 'A device that can create certificates, attach policies, manage things or call other services can '
    + 'mint itself new credentials, widen its own permissions and take over the fleet once its key is stolen.',
  fix: 'Allow devices only data-plane actions; perform administration from a backend role, and use fleet provisioning '
    + 'topics ($aws/certificates/create/*, $aws/provisioning-templates/*) rather than control-plane actions.',
  resourceTypes: ['*'],
}, (node) => iotPolicyRuleResult(node, (f) => f.controlPlane));
