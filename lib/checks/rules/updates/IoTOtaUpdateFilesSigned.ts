import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { Practice } from '../../../core/practice';
import { defineRule } from '../../rule-definition';
import { Findings, Read, TemplateObject, UNREADABLE_PROPERTIES, readList, readObject, readPresence, readProperties } from './private/template-values';

/** Whether one way of signing is there: yes, no, or hidden behind a deploy-time value. */
type Signed = 'yes' | 'no' | 'unknown';

function fromRead(read: Read<unknown>): Signed {
  return read.kind === 'value' ? 'yes' : read.kind === 'unresolved' ? 'unknown' : 'no';
}

/** A block whose named member must be present for the block to sign anything. */
function blockWith(block: unknown, member: (b: TemplateObject) => Signed): Signed {
  const read = readObject(block);
  if (read.kind === 'value') return member(read.value);
  return read.kind === 'unresolved' ? 'unknown' : 'no';
}

/**
 * The three ways an OTA update file is signed: an existing AWS Signer job, a signing job that
 * the OTA update starts with a signing profile, or a signature made elsewhere (custom signing).
 */
function signingMethods(codeSigning: TemplateObject): Signed[] {
  return [
    fromRead(readPresence(codeSigning.AwsSignerJobId)),
    blockWith(codeSigning.StartSigningJobParameter, (p) => fromRead(readPresence(p.SigningProfileName))),
    blockWith(codeSigning.CustomCodeSigning, (c) =>
      blockWith(c.Signature, (s) => fromRead(readPresence(s.InlineDocument)))),
  ];
}

/**
 * IoTSecurity-UPD4: every file of an OTA update must be code signed.
 *
 * Findings: `Unsigned::Files.<i>` for a file with no code signing, or with a signing block that
 * signs nothing (no signer job ID, no signing profile name, no custom signature);
 * `Unresolved::Files`, `Unresolved::Files.<i>` or `Unresolved::Files.<i>.CodeSigning` when the
 * files or their signing are known only at deploy time; `Invalid::<path>` for a shape
 * CloudFormation would reject.
 */
export const IoTOtaUpdateFilesSigned = defineRule(
  {
    id: 'UPD4',
    practice: Practice.SECURE_UPDATES,
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
    const props = readProperties(node);
    if (!props) return [...UNREADABLE_PROPERTIES];
    const findings = new Findings();
    const files = readList(props.Files);
    if (files.kind === 'absent') return NagRuleCompliance.NOT_APPLICABLE;
    if (files.kind !== 'value') {
      findings.unjudged(files, 'Files');
      return findings.toArray();
    }
    files.value.forEach((entry, i) => {
      const filePath = `Files.${i}`;
      const file = readObject(entry);
      if (file.kind === 'absent') return;
      if (file.kind !== 'value') {
        findings.unjudged(file, filePath);
        return;
      }
      const codeSigning = readObject(file.value.CodeSigning);
      if (codeSigning.kind === 'absent') {
        findings.add('Unsigned', filePath);
        return;
      }
      if (codeSigning.kind !== 'value') {
        findings.unjudged(codeSigning, `${filePath}.CodeSigning`);
        return;
      }
      const methods = signingMethods(codeSigning.value);
      if (methods.includes('yes')) return;
      if (methods.includes('unknown')) {
        findings.add('Unresolved', `${filePath}.CodeSigning`);
      } else {
        findings.add('Unsigned', filePath);
      }
    });
    return findings.toArray();
  },
);
