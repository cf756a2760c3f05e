import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { resolvedProperties } from '../../private/cfn';
import { alwaysSet, asList, asObject, Findings, isObject, possibleValues, readEach, Unresolved } from '../../private/cfn-values';
import { defineRule } from '../../rule-definition';

/** Whether one way of signing is there: yes, no, or hidden behind a deploy-time value. */
type Signed = 'yes' | 'no' | 'unknown';

/** A way of signing is there only if it is there in every branch of the template. */
function inEveryBranch(branches: readonly Signed[]): Signed {
  return branches.includes('no') ? 'no' : branches.includes('unknown') ? 'unknown' : 'yes';
}

/** A block whose named member must be present for the block to sign anything. */
function blockWith(node: CfnResource, block: unknown, member: (b: { [key: string]: unknown }) => Signed): Signed {
  return inEveryBranch(possibleValues(node, block).map((b) => (b instanceof Unresolved ? 'unknown' : isObject(b) ? member(b) : 'no')));
}

/**
 * The three ways an OTA update file is signed: an existing AWS Signer job, a signing job that
 * the OTA update starts with a signing profile, or a signature made elsewhere (custom signing).
 */
function signingMethods(node: CfnResource, codeSigning: { [key: string]: unknown }): Signed[] {
  const present = (value: unknown): Signed => (alwaysSet(node, value) ? 'yes' : 'no');
  return [
    present(codeSigning.AwsSignerJobId),
    blockWith(node, codeSigning.StartSigningJobParameter, (p) => present(p.SigningProfileName)),
    blockWith(node, codeSigning.CustomCodeSigning, (c) => blockWith(node, c.Signature, (sig) => present(sig.InlineDocument))),
  ];
}

/**
 * IoTSecurity-UPD4: every file of an OTA update must be code signed.
 *
 * Findings: `Unsigned::Files.<i>` for a file with no code signing, or with a signing block that
 * signs nothing (no signer job ID, no signing profile name, no custom signature);
 * `Unresolved::Files`, `Unresolved::Files.<i>` or `Unresolved::Files.<i>.CodeSigning` when the
 * files or their signing are known only at deploy time; `Invalid::<path>` for a shape
 * CloudFormation would reject. Every branch of an `Fn::If` is judged: a file unsigned in one
 * branch is unsigned.
 */
export const IoTOtaUpdateFilesSigned = defineRule(
  {
    id: 'UPD4',
    practice: Practice.SECURE_UPDATES,
    iotLens: ['IOTSEC09', 'IOTSEC12'],
    attackEnterprise: ['T1195.002', 'T1542.001', 'T1601'],
    attackIcs: ['T0857', 'T0839', 'T0862'],
    level: NagMessageLevel.ERROR,
    info: 'A file of the OTA update is not code signed.',
    explanation:
      'A device can only tell a genuine firmware image from a tampered one by checking its signature; an unsigned OTA file lets '
      + 'anyone who can write to the bucket or stream, or sit in the supply chain, push their own firmware to the fleet.',
    fix: 'Give each entry of Files a CodeSigning block: AwsSignerJobId, StartSigningJobParameter with a SigningProfileName (AWS Signer), or CustomCodeSigning with a Signature.',
    resourceTypes: ['AWS::IoT::OTAUpdate'],
  },
  (node: CfnResource): NagRuleResult => {
    const props = resolvedProperties(node);
    if (possibleValues(node, props.Files).every((files) => files === undefined)) return NagRuleCompliance.NOT_APPLICABLE;
    const findings = new Findings();
    for (const files of readEach(node, props.Files, asList, findings, 'Files')) {
      (files ?? []).forEach((entry, i) => {
        const filePath = `Files.${i}`;
        for (const file of readEach(node, entry, asObject, findings, filePath)) {
          if (file) judgeFile(node, file, filePath, findings);
        }
      });
    }
    return findings.toArray();
  },
);

function judgeFile(node: CfnResource, file: { [key: string]: unknown }, path: string, findings: Findings): void {
  for (const codeSigning of readEach(node, file.CodeSigning, asObject, findings, `${path}.CodeSigning`)) {
    const methods = codeSigning ? signingMethods(node, codeSigning) : [];
    if (methods.includes('yes')) continue;
    if (methods.includes('unknown')) {
      findings.add('Unresolved', `${path}.CodeSigning`);
    } else {
      findings.add('Unsigned', path);
    }
  }
}
