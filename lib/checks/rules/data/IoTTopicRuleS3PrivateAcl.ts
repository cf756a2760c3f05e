import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { asEnum, asList, asObject, Findings, judgeEach, readEach } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';

/** Canned ACLs that grant read to everyone, or to every AWS account (`authenticated-read`). */
const PUBLIC_ACLS = new Set(['PUBLIC-READ', 'PUBLIC-READ-WRITE', 'AUTHENTICATED-READ']);
const PAYLOAD = 'TopicRulePayload';

/**
 * IoTSecurity-DAT3: a topic rule must not write device data to S3 with a public canned ACL.
 *
 * `S3.CannedAcl` of an action in `TopicRulePayload.Actions` or of `TopicRulePayload.ErrorAction`
 * set to `public-read`, `public-read-write` or `authenticated-read` (any AWS account), in any
 * case. Findings: `PublicAcl::TopicRulePayload.Actions.<i>.S3.CannedAcl` (or `.ErrorAction.S3.CannedAcl`),
 * `Unresolved::<path>` for a value known only at deploy time, `Invalid::<path>` for one that is
 * not a string. Every branch of an `Fn::If` and every allowed value of a parameter is judged. A
 * disabled rule is judged too. Whether the bucket's Block Public Access or Object Ownership would
 * refuse the ACL is not considered: then every write fails instead, and the data is lost.
 */
export const IoTTopicRuleS3PrivateAcl = defineRule({
  id: 'DAT3',
  practice: Practice.DATA_AT_REST,
  iotLens: ['IOTSEC10'],
  attackEnterprise: ['T1530'],
  attackIcs: ['T0811', 'T0882'],
  level: NagMessageLevel.ERROR,
  info: 'The topic rule writes device data to S3 with a public canned ACL.',
  explanation: 'Every object the rule writes becomes readable by anyone (or by any AWS account): device telemetry, locations and '
    + 'identifiers leak to the internet. Where the bucket blocks public ACLs or disables ACLs, every write fails instead and the data '
    + 'is lost.',
  fix: 'Remove CannedAcl (objects stay private to the bucket owner) or set it to private or bucket-owner-full-control; share data through '
    + 'bucket policies or presigned URLs for the principals that need it.',
  resourceTypes: ['AWS::IoT::TopicRule'],
}, (node: CfnResource): NagRuleResult => {
  const findings = new Findings();
  for (const payload of readEach(node, resolvedProperties(node)[PAYLOAD], asObject, findings, PAYLOAD)) {
    if (!payload) continue;
    for (const list of readEach(node, payload.Actions, asList, findings, `${PAYLOAD}.Actions`)) {
      (list ?? []).forEach((entry, i) => judgeAction(node, entry, `${PAYLOAD}.Actions.${i}`, findings));
    }
    judgeAction(node, payload.ErrorAction, `${PAYLOAD}.ErrorAction`, findings);
  }
  return findings.isEmpty ? NagRuleCompliance.COMPLIANT : findings.toArray();
});

function judgeAction(node: CfnResource, entry: unknown, path: string, findings: Findings): void {
  for (const action of readEach(node, entry, asObject, findings, path)) {
    for (const s3 of readEach(node, action?.S3, asObject, findings, `${path}.S3`)) {
      judgeEach(node, s3?.CannedAcl, asEnum, findings, `${path}.S3.CannedAcl`,
        (acl) => (acl !== undefined && PUBLIC_ACLS.has(acl) ? 'PublicAcl' : undefined));
    }
  }
}
