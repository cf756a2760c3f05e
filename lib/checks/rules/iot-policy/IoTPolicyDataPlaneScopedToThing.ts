import { NagMessageLevel } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { iotPolicyRuleResult } from '../../private/iot-policy-sources';
import { defineRule } from '../../rule-definition';
import { AUDIT_CHECKS } from '../../../core/private/audit-checks';

/**
 * IoTSecurity-ID2: data-plane actions (connect, publish, receive, subscribe, shadows, jobs,
 * retained messages, the credentials provider) must be allowed on resources scoped to the
 * connecting device: no
 * wildcard (`*`, `?`, and MQTT `+`/`#` in topics and topic filters) before a device policy
 * variable such as `${iot:Connection.Thing.ThingName}` (or, in a provisioning template, a
 * template parameter), and no `NotResource`. A wildcard after the device's own prefix is fine.
 * A fully literal resource (a fixed broadcast topic) is one deliberate resource, not a wildcard,
 * and passes. A ClientId variable counts as the device's (the Connect statement binds it, and
 * `client/${iot:ClientId}` itself is a finding unless the statement requires
 * `iot:Connection.Thing.IsAttached`, which binds any Connect resource, `*` included, to a thing
 * attached to the certificate, as does a Deny of `iot:Connect` on every client whose only
 * condition is that the thing is not attached). Several values of one condition key are ORed:
 * `IsAttached: ["true", "false"]` binds nothing. `iot:ListRetainedMessages` is only authorized on
 * `*`: where the statement names it, the action is the finding (`Action::iot:ListRetainedMessages`),
 * where a wildcard action grants it, the resource is.
 *
 * Allow minus Deny: a Deny with no Condition, of the same action, whose resource is the Allow's
 * or a literal prefix plus `*` covering it, takes the action on that resource away. A Deny whose
 * condition cannot be decided, or with NotAction/NotResource, is not credited (conservative).
 *
 * A wildcard right after the device's identity (`client/${iot:Connection.Thing.ThingName}*`)
 * spans every thing whose name starts with it and is a finding; a literal name plus `*` names one
 * device only when the literal does not end in a separator (`-`, `_`, `:`, `.`): `client/sensor-*`
 * is a family of clients. In a provisioning template, a parameter is the device's only when the
 * device supplies it (no `Default`) and it makes up the thing's name, or it is the certificate's
 * common name, serial number or ID; any other parameter (a site, a model) is shared by devices
 * and scopes no thing name. `Fn::GetAtt` `Arn` of an `AWS::IoT::Thing` of the stack names that thing.
 *
 * In an IoT ARN (`arn:<partition>:iot:<region>:<account>:<type>/<resource>`) only the resource
 * part is judged: a policy is only evaluated in its own account and region, so `*` there
 * (`arn:aws:iot:*:*:client/${iot:Connection.Thing.ThingName}`) names no other device's
 * resource (see `parseResource` for the one limit of that reading). A wildcard
 * in the partition, service or type (`arn:aws:*:*:*:*`) is judged as any other. A stack
 * parameter is judged in each of its allowed values; one without them cannot be read, and is
 * IoTSecurity-ID5's finding rather than this rule's (its value might as well be a device policy
 * variable as `*`), unless a wildcard before it already spans devices.
 *
 * Judged against AWS's documentation (see test/checks/real-world.test.ts):
 * - `iot:Receive` is not judged: a device only receives messages of topics it may subscribe to,
 *   and Device Defender documents `Receive` on `topic/$aws/things/*` as compliant;
 * - a fixed thing name (literal, or a `Ref` to a thing of the stack) where a resource names a
 *   thing or client (`client/<id>`, `thing/<name>/...`, `$aws/things/<name>/...`) names one device;
 *   a literal name with one trailing wildcard too (the minimal Greengrass V2 core device policy's
 *   `client/core-device-thing-name*`), unless it ends in a separator (see above);
 * - the fleet provisioning topics `$aws/certificates/create[-from-csr]/*` and
 *   `$aws/provisioning-templates/<one template>/provision/*` of the claim certificate policy are
 *   scoped (AWS answers each request to its requester); `iot:Connect` on `*` in that policy is
 *   not: a shared claim key could connect as any client ID. Acknowledge it per policy;
 * - `iotjobsdata:` job actions are judged on `thing/<name>` like their `iot:` namesakes.
 */
export const IoTPolicyDataPlaneScopedToThing = defineRule({
  id: 'ID2',
  practice: Practice.IDENTITY_AND_ACCESS,
  iotLens: ['IOTSEC01', 'IOTSEC04'],
  attackEnterprise: ['T1078', 'T1565'],
  attackIcs: ['T0859', 'T0855', 'T0856', 'T0801'],
  auditCheck: new Map(AUDIT_CHECKS).get('IotPolicyOverlyPermissiveCheck'),
  level: NagMessageLevel.ERROR,
  info: 'The IoT policy allows data-plane actions on resources not scoped to the connecting device.',
  explanation: 'With client/*, topic/*, thing/* or any wildcard before the thing name, one compromised device can '
    + 'connect as any other, read and forge every device\'s messages, shadows and jobs.',
  fix: 'Scope every data-plane resource to the device with a policy variable, e.g. '
    + 'arn:aws:iot:<region>:<account>:client/${iot:Connection.Thing.ThingName} and '
    + 'topic/things/${iot:Connection.Thing.ThingName}/*; in CDK write ${!iot:...} inside Fn::Sub.',
  resourceTypes: ['*'],
}, (node) => iotPolicyRuleResult(node, (f) => f.unscopedDataPlane));
