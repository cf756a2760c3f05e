import { CfnParameter, CfnResource, Lazy, Stack } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { IotSecurityChecks } from '../../../lib/checks/iot-security-checks';
import {
  ALL_RULES, IoTJobAbortConfigured, IoTJobStagedRollout, IoTJobTimeoutConfigured, IoTOtaUpdateFilesSigned,
} from '../../../lib/checks/rules';
import { check, checkType, COMPLIANT, includeTemplate, newStack, NOT_APPLICABLE } from '../rule-test-helpers';

const JOB = 'AWS::IoT::Job';
const JOB_TEMPLATE = 'AWS::IoT::JobTemplate';
const OTA = 'AWS::IoT::OTAUpdate';
const ROLE = 'arn:aws:iam::123456789012:role/ota';

/** The abort criterion the INDUSTRIAL profile uses: cancel once 5 % of executions failed. */
const ABORT = { CriteriaList: [{ Action: 'CANCEL', FailureType: 'FAILED', MinNumberOfExecutedThings: 10, ThresholdPercentage: 5 }] };
const ROLLOUT = { MaximumPerMinute: 100 };
const TIMEOUT = { InProgressTimeoutInMinutes: 60 };

/** A job with every update safeguard, as a typed L1. */
function safeJob(stack: Stack, id = 'Job'): iot.CfnJob {
  return new iot.CfnJob(stack, id, {
    jobId: 'firmware-1-2-0',
    targets: ['arn:aws:iot:us-east-1:123456789012:thinggroup/fleet'],
    document: '{"operation":"install"}',
    abortConfig: {
      criteriaList: [{ action: 'CANCEL', failureType: 'FAILED', minNumberOfExecutedThings: 10, thresholdPercentage: 5 }],
    },
    jobExecutionsRolloutConfig: {
      exponentialRate: { baseRatePerMinute: 10, incrementFactor: 2, rateIncreaseCriteria: { numberOfSucceededThings: 50 } },
      maximumPerMinute: 1000,
    },
    timeoutConfig: { inProgressTimeoutInMinutes: 60 },
  });
}

/** A job template; its configuration blocks are untyped JSON in the L1, so they are written in CloudFormation case. */
function jobTemplate(stack: Stack, extra: Partial<iot.CfnJobTemplateProps> = {}, id = 'Template'): iot.CfnJobTemplate {
  return new iot.CfnJobTemplate(stack, id, {
    jobTemplateId: 'firmware',
    description: 'firmware update',
    document: '{"operation":"install"}',
    ...extra,
  });
}

function signedFile(): iot.CfnOTAUpdate.OTAUpdateFileProperty {
  return {
    fileName: 'firmware.bin',
    fileLocation: { s3Location: { bucket: 'firmware', key: 'firmware.bin', version: '1' } },
    codeSigning: {
      startSigningJobParameter: {
        signingProfileName: 'fleet_firmware',
        destination: { s3Destination: { bucket: 'signed-firmware' } },
      },
    },
  };
}

/** `signedFile()` as CloudFormation writes it, for overrides and included templates. */
const SIGNED_FILE = {
  FileName: 'firmware.bin',
  FileLocation: { S3Location: { Bucket: 'firmware', Key: 'firmware.bin', Version: '1' } },
  CodeSigning: { StartSigningJobParameter: { SigningProfileName: 'fleet_firmware', Destination: { S3Destination: { Bucket: 'signed-firmware' } } } },
};

function otaUpdate(stack: Stack, props: Partial<iot.CfnOTAUpdateProps> = {}): iot.CfnOTAUpdate {
  return new iot.CfnOTAUpdate(stack, 'Ota', {
    otaUpdateId: 'firmware-1-2-0',
    targets: ['arn:aws:iot:us-east-1:123456789012:thinggroup/fleet'],
    roleArn: ROLE,
    files: [signedFile()],
    ...props,
  });
}

function includeResources(stack: Stack, resources: object, extra: object = {}): void {
  includeTemplate(stack, { ...extra, Resources: resources });
}

describe('IoTJobAbortConfigured (UPD1)', () => {
  const rule = IoTJobAbortConfigured;

  test('Noncompliance 1: a job with no abort configuration', () => {
    const stack = newStack();
    new iot.CfnJob(stack, 'Job', { jobId: 'j', targets: ['t'], document: '{}' });
    expect(checkType(rule, stack, JOB)).toEqual(['Missing::AbortConfig']);
  });

  test('Noncompliance 2: an empty criteria list on a job template', () => {
    const stack = newStack();
    jobTemplate(stack, { abortConfig: { CriteriaList: [] } });
    expect(checkType(rule, stack, JOB_TEMPLATE)).toEqual(['Missing::AbortConfig.CriteriaList']);
  });

  test('Noncompliance 3: a threshold above 50 %, given as a string by a property override', () => {
    const job = safeJob(newStack());
    job.addPropertyOverride('AbortConfig.CriteriaList.0.ThresholdPercentage', '75.5');
    expect(check(rule, job)).toEqual(['ThresholdAbove50::AbortConfig.CriteriaList.0.ThresholdPercentage']);
  });

  test('Noncompliance 4: criteria only on REJECTED and TIMED_OUT never abort on failed executions', () => {
    const stack = newStack();
    includeResources(stack, {
      Template: {
        Type: JOB_TEMPLATE,
        Properties: {
          JobTemplateId: 't', Description: 'd', Document: '{}',
          AbortConfig: {
            CriteriaList: [
              { Action: 'CANCEL', FailureType: 'REJECTED', MinNumberOfExecutedThings: 10, ThresholdPercentage: 10 },
              { Action: 'CANCEL', FailureType: 'TIMED_OUT', MinNumberOfExecutedThings: 10, ThresholdPercentage: '60' },
            ],
          },
        },
      },
    });
    expect(checkType(rule, stack, JOB_TEMPLATE)).toEqual([
      'NoFailureCriterion::AbortConfig.CriteriaList',
      'ThresholdAbove50::AbortConfig.CriteriaList.1.ThresholdPercentage',
    ]);
  });

  test('Noncompliance 5: an OTA update without AwsJobAbortConfig, and one with an empty AbortCriteriaList', () => {
    const stack = newStack();
    otaUpdate(stack);
    expect(checkType(rule, stack, OTA)).toEqual(['Missing::AwsJobAbortConfig']);
    const other = newStack();
    otaUpdate(other, { awsJobAbortConfig: { abortCriteriaList: [] } });
    expect(checkType(rule, other, OTA)).toEqual(['Missing::AwsJobAbortConfig.AbortCriteriaList']);
  });

  test('Noncompliance 6: a deletion override removes the abort configuration of a compliant job', () => {
    const job = safeJob(newStack());
    job.addPropertyDeletionOverride('AbortConfig');
    expect(check(rule, job)).toEqual(['Missing::AbortConfig']);
  });

  test('Noncompliance 7: abort settings behind a condition with an AWS::NoValue branch, a parameter and a threshold CloudFormation rejects', () => {
    const stack = newStack();
    includeResources(stack, {
      ByCondition: {
        Type: JOB, Properties: {
          JobId: 'a', Targets: ['t'], Document: '{}',
          AbortConfig: { 'Fn::If': ['Prod', ABORT, { Ref: 'AWS::NoValue' }] },
        },
      },
      ByParameter: {
        Type: JOB, Properties: {
          JobId: 'b', Targets: ['t'], Document: '{}',
          AbortConfig: { CriteriaList: [{ Action: 'CANCEL', FailureType: 'FAILED', MinNumberOfExecutedThings: 1, ThresholdPercentage: { Ref: 'Threshold' } }] },
        },
      },
    }, {
      Parameters: { Stage: { Type: 'String' }, Threshold: { Type: 'Number' } },
      Conditions: { Prod: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] } },
    });
    const include = stack.node.findChild('Included');
    const byLogicalId = (id: string) => include.node.findChild(id) as CfnResource;
    // The branch without abort settings deploys a job that never aborts.
    expect(check(rule, byLogicalId('ByCondition'))).toEqual(['Missing::AbortConfig']);
    expect(check(rule, byLogicalId('ByParameter'))).toEqual(['Unresolved::AbortConfig.CriteriaList.0.ThresholdPercentage']);

    const invalid = safeJob(newStack());
    invalid.addPropertyOverride('AbortConfig.CriteriaList.0.ThresholdPercentage', 'ten');
    expect(check(rule, invalid)).toEqual(['Invalid::AbortConfig.CriteriaList.0.ThresholdPercentage']);
  });

  test('Noncompliance 7b: one bad branch of an Fn::If, and a parameter whose allowed values include a threshold above 50 %', () => {
    const stack = newStack();
    includeResources(stack, {
      BadBranch: {
        Type: JOB, Properties: {
          JobId: 'a', Targets: ['t'], Document: '{}',
          AbortConfig: {
            CriteriaList: [{
              'Fn::If': ['Prod', ABORT.CriteriaList[0], { Action: 'CANCEL', FailureType: 'REJECTED', MinNumberOfExecutedThings: 1, ThresholdPercentage: 5 }],
            }],
          },
        },
      },
      ByAllowedValues: {
        Type: JOB, Properties: {
          JobId: 'b', Targets: ['t'], Document: '{}',
          AbortConfig: { CriteriaList: [{ Action: 'CANCEL', FailureType: 'FAILED', MinNumberOfExecutedThings: 1, ThresholdPercentage: { Ref: 'Threshold' } }] },
        },
      },
    }, {
      Parameters: { Stage: { Type: 'String' }, Threshold: { Type: 'Number', AllowedValues: ['5', '75'] } },
      Conditions: { Prod: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] } },
    });
    const include = stack.node.findChild('Included');
    const byLogicalId = (id: string) => include.node.findChild(id) as CfnResource;
    expect(check(rule, byLogicalId('BadBranch'))).toEqual(['NoFailureCriterion::AbortConfig.CriteriaList']);
    expect(check(rule, byLogicalId('ByAllowedValues'))).toEqual(['ThresholdAbove50::AbortConfig.CriteriaList.0.ThresholdPercentage']);

    const removable = safeJob(newStack());
    removable.addPropertyOverride('AbortConfig.CriteriaList.0', { 'Fn::If': ['Prod', ABORT.CriteriaList[0], { Ref: 'AWS::NoValue' }] });
    expect(check(rule, removable)).toEqual(['Missing::AbortConfig.CriteriaList']);
  });

  test('Noncompliance 8: a job made from a template that has no abort configuration, or from a template the rule cannot read', () => {
    const stack = newStack();
    const template = jobTemplate(stack, { timeoutConfig: TIMEOUT });
    const job = new iot.CfnJob(stack, 'Job', { jobId: 'j', targets: ['t'], jobTemplateArn: template.attrArn });
    expect(check(rule, job)).toEqual(['Missing::AbortConfig']);

    const other = newStack();
    const arn = new CfnParameter(other, 'TemplateArn');
    const fromParameter = new iot.CfnJob(other, 'Job', { jobId: 'j', targets: ['t'], jobTemplateArn: arn.valueAsString });
    expect(check(rule, fromParameter)).toEqual(['Unresolved::JobTemplateArn']);
  });

  test('Compliance: typed L1 job, template with an ALL criterion at 50 %, a job inheriting from its template, included OTA update', () => {
    const stack = newStack();
    expect(check(rule, safeJob(stack))).toEqual([]);

    const template = jobTemplate(stack, {
      abortConfig: { CriteriaList: [{ Action: 'CANCEL', FailureType: 'ALL', MinNumberOfExecutedThings: 5, ThresholdPercentage: 50 }] },
    });
    expect(check(rule, template)).toEqual([]);
    const job = new iot.CfnJob(stack, 'FromTemplate', { jobId: 'k', targets: ['t'], jobTemplateArn: template.attrArn });
    expect(check(rule, job)).toEqual([]);

    const included = newStack();
    includeResources(included, {
      Ota: {
        Type: OTA, Properties: {
          OtaUpdateId: 'o', Targets: ['t'], RoleArn: ROLE, Files: [{ FileName: 'f', CodeSigning: { AwsSignerJobId: 'job' } }],
          AwsJobAbortConfig: { AbortCriteriaList: [{ Action: 'CANCEL', FailureType: 'failed', MinNumberOfExecutedThings: '10', ThresholdPercentage: '1' }] },
        },
      },
    });
    expect(checkType(rule, included, OTA)).toEqual([]);
  });

  test('Compliance: an Fn::If whose branches both abort on failures, and a parameter whose allowed values are all at most 50 %', () => {
    const stack = newStack();
    const strict = { CriteriaList: [{ Action: 'CANCEL', FailureType: 'ALL', MinNumberOfExecutedThings: 1, ThresholdPercentage: 1 }] };
    const byCondition = safeJob(stack, 'ByCondition');
    byCondition.addPropertyOverride('AbortConfig', { 'Fn::If': ['Prod', strict, ABORT] });
    expect(check(rule, byCondition)).toEqual([]);

    const threshold = new CfnParameter(stack, 'Threshold', { type: 'Number', allowedValues: ['1', '5', '50'] });
    const byParameter = safeJob(stack, 'ByParameter');
    byParameter.addPropertyOverride('AbortConfig.CriteriaList.0.ThresholdPercentage', threshold.valueAsNumber);
    expect(check(rule, byParameter)).toEqual([]);
  });
});

describe('IoTJobStagedRollout (UPD2)', () => {
  const rule = IoTJobStagedRollout;

  test('Noncompliance 1: a job without a rollout configuration', () => {
    const stack = newStack();
    new iot.CfnJob(stack, 'Job', { jobId: 'j', targets: ['t'], document: '{}', abortConfig: { criteriaList: [] } });
    expect(checkType(rule, stack, JOB)).toEqual(['Missing::JobExecutionsRolloutConfig']);
  });

  test('Noncompliance 2: an empty rollout block on an included job template', () => {
    const stack = newStack();
    includeResources(stack, {
      Template: { Type: JOB_TEMPLATE, Properties: { JobTemplateId: 't', Description: 'd', Document: '{}', JobExecutionsRolloutConfig: {} } },
    });
    expect(checkType(rule, stack, JOB_TEMPLATE)).toEqual(['Missing::JobExecutionsRolloutConfig']);
  });

  test('Noncompliance 3: a job template using the job\'s key name ExponentialRate, which the template schema does not have', () => {
    const stack = newStack();
    jobTemplate(stack, { jobExecutionsRolloutConfig: { ExponentialRate: { BaseRatePerMinute: 1, IncrementFactor: 2, RateIncreaseCriteria: {} } } });
    expect(checkType(rule, stack, JOB_TEMPLATE)).toEqual(['Missing::JobExecutionsRolloutConfig']);
  });

  test('Noncompliance 4: an OTA update without AwsJobExecutionsRolloutConfig', () => {
    const stack = newStack();
    otaUpdate(stack);
    expect(checkType(rule, stack, OTA)).toEqual(['Missing::AwsJobExecutionsRolloutConfig']);
  });

  test('Noncompliance 5: the only rate, or the whole block, removed by one branch of a condition', () => {
    const job = new iot.CfnJob(newStack(), 'Job', { jobId: 'j', targets: ['t'], jobExecutionsRolloutConfig: { maximumPerMinute: 10 } });
    job.addPropertyOverride('JobExecutionsRolloutConfig.MaximumPerMinute', { 'Fn::If': ['Prod', 10, { Ref: 'AWS::NoValue' }] });
    expect(check(rule, job)).toEqual(['Missing::JobExecutionsRolloutConfig']);

    const other = safeJob(newStack());
    other.addPropertyDeletionOverride('JobExecutionsRolloutConfig');
    other.addPropertyOverride('JobExecutionsRolloutConfig', { 'Fn::If': ['Prod', ROLLOUT, { Ref: 'AWS::NoValue' }] });
    expect(check(rule, other)).toEqual(['Missing::JobExecutionsRolloutConfig']);
  });

  test('Noncompliance 6: a rollout block known only at deploy time, and one CloudFormation rejects', () => {
    const job = safeJob(newStack());
    job.addPropertyOverride('JobExecutionsRolloutConfig', { 'Fn::ImportValue': 'rollout' });
    expect(check(rule, job)).toEqual(['Unresolved::JobExecutionsRolloutConfig']);
    job.addPropertyOverride('JobExecutionsRolloutConfig', 'fast');
    expect(check(rule, job)).toEqual(['Invalid::JobExecutionsRolloutConfig']);
  });

  test('Compliance: exponential job rate, constant rate from a parameter, template key ExponentialRolloutRate, inherited rate, OTA', () => {
    const stack = newStack();
    expect(check(rule, safeJob(stack))).toEqual([]);

    const rate = new CfnParameter(stack, 'Rate', { type: 'Number' });
    const paced = new iot.CfnJob(stack, 'Paced', { jobId: 'p', targets: ['t'], jobExecutionsRolloutConfig: { maximumPerMinute: rate.valueAsNumber } });
    expect(check(rule, paced)).toEqual([]);

    const template = jobTemplate(stack, {
      jobExecutionsRolloutConfig: { ExponentialRolloutRate: { BaseRatePerMinute: 5, IncrementFactor: 1.5, RateIncreaseCriteria: { NumberOfNotifiedThings: 20 } } },
    });
    expect(check(rule, template)).toEqual([]);
    const job = new iot.CfnJob(stack, 'FromTemplate', { jobId: 'k', targets: ['t'], jobTemplateArn: template.attrArn });
    expect(check(rule, job)).toEqual([]);

    const ota = newStack();
    otaUpdate(ota, { awsJobExecutionsRolloutConfig: { maximumPerMinute: 10 } });
    expect(checkType(rule, ota, OTA)).toEqual([]);

    const byCondition = safeJob(newStack());
    byCondition.addPropertyOverride('JobExecutionsRolloutConfig', { 'Fn::If': ['Prod', ROLLOUT, { MaximumPerMinute: 500 }] });
    expect(check(rule, byCondition)).toEqual([]);
  });
});

describe('IoTJobTimeoutConfigured (UPD3)', () => {
  const rule = IoTJobTimeoutConfigured;

  test('Noncompliance 1: a job without a timeout, and one whose timeout block is empty', () => {
    const stack = newStack();
    new iot.CfnJob(stack, 'Job', { jobId: 'j', targets: ['t'], document: '{}' });
    expect(checkType(rule, stack, JOB)).toEqual(['Missing::TimeoutConfig']);
    const empty = newStack();
    new iot.CfnJob(empty, 'Job', { jobId: 'j', targets: ['t'], document: '{}', timeoutConfig: {} });
    expect(checkType(rule, empty, JOB)).toEqual(['Missing::TimeoutConfig.InProgressTimeoutInMinutes']);
  });

  test('Noncompliance 2: a timeout beyond 7 days, as a string, on an included template', () => {
    const stack = newStack();
    includeResources(stack, {
      Template: { Type: JOB_TEMPLATE, Properties: { JobTemplateId: 't', Description: 'd', Document: '{}', TimeoutConfig: { InProgressTimeoutInMinutes: '20000' } } },
    });
    expect(checkType(rule, stack, JOB_TEMPLATE)).toEqual(['Invalid::TimeoutConfig.InProgressTimeoutInMinutes']);
  });

  test('Noncompliance 3: an OTA update without AwsJobTimeoutConfig; a timeout that one branch of a condition removes', () => {
    const stack = newStack();
    const ota = otaUpdate(stack);
    expect(check(rule, ota)).toEqual(['Missing::AwsJobTimeoutConfig']);
    ota.addPropertyOverride('AwsJobTimeoutConfig.InProgressTimeoutInMinutes', { 'Fn::If': ['Prod', 30, { Ref: 'AWS::NoValue' }] });
    expect(check(rule, ota)).toEqual(['Missing::AwsJobTimeoutConfig.InProgressTimeoutInMinutes']);
  });

  test('Noncompliance 4: a parameter whose allowed values include a timeout beyond 7 days; a timeout block known only at deploy time', () => {
    const stack = newStack();
    const minutes = new CfnParameter(stack, 'Minutes', { type: 'Number', allowedValues: ['60', '20000'] });
    const job = new iot.CfnJob(stack, 'Job', { jobId: 'p', targets: ['t'], timeoutConfig: { inProgressTimeoutInMinutes: minutes.valueAsNumber } });
    expect(check(rule, job)).toEqual(['Invalid::TimeoutConfig.InProgressTimeoutInMinutes']);
    job.addPropertyOverride('TimeoutConfig', { 'Fn::ImportValue': 'timeout' });
    expect(check(rule, job)).toEqual(['Unresolved::TimeoutConfig']);
  });

  test('Compliance: typed job, a string timeout by override, a parameter, an inherited timeout', () => {
    const stack = newStack();
    const job = safeJob(stack);
    expect(check(rule, job)).toEqual([]);
    job.addPropertyOverride('TimeoutConfig.InProgressTimeoutInMinutes', '90');
    expect(check(rule, job)).toEqual([]);

    const minutes = new CfnParameter(stack, 'Minutes', { type: 'Number' });
    const byParameter = new iot.CfnJob(stack, 'ByParameter', { jobId: 'p', targets: ['t'], timeoutConfig: { inProgressTimeoutInMinutes: minutes.valueAsNumber } });
    expect(check(rule, byParameter)).toEqual([]);

    const template = jobTemplate(stack, { timeoutConfig: TIMEOUT });
    const fromTemplate = new iot.CfnJob(stack, 'FromTemplate', { jobId: 'k', targets: ['t'], jobTemplateArn: template.attrArn });
    expect(check(rule, fromTemplate)).toEqual([]);

    const byCondition = safeJob(stack, 'ByCondition');
    byCondition.addPropertyOverride('TimeoutConfig.InProgressTimeoutInMinutes', { 'Fn::If': ['Prod', 30, 120] });
    expect(check(rule, byCondition)).toEqual([]);
  });

  test('a job whose own timeout one branch removes inherits the template\'s in that branch', () => {
    const stack = newStack();
    const template = jobTemplate(stack, { timeoutConfig: TIMEOUT });
    const job = new iot.CfnJob(stack, 'Job', { jobId: 'k', targets: ['t'], jobTemplateArn: template.attrArn });
    job.addPropertyOverride('TimeoutConfig', { 'Fn::If': ['Prod', { InProgressTimeoutInMinutes: 30 }, { Ref: 'AWS::NoValue' }] });
    expect(check(rule, job)).toEqual([]);
    const bare = jobTemplate(newStack(), {});
    const fromBare = new iot.CfnJob(bare.stack, 'Job', { jobId: 'k', targets: ['t'], jobTemplateArn: bare.attrArn });
    fromBare.addPropertyOverride('TimeoutConfig', { 'Fn::If': ['Prod', { InProgressTimeoutInMinutes: 30 }, { Ref: 'AWS::NoValue' }] });
    expect(check(rule, fromBare)).toEqual(['Missing::TimeoutConfig']);
  });
});

describe('IoTOtaUpdateFilesSigned (UPD4)', () => {
  const rule = IoTOtaUpdateFilesSigned;

  test('Noncompliance 1: the second of two files carries no code signing', () => {
    const stack = newStack();
    otaUpdate(stack, { files: [signedFile(), { fileName: 'config.json', fileLocation: { stream: { streamId: 's', fileId: 1 } } }] });
    expect(checkType(rule, stack, OTA)).toEqual(['Unsigned::Files.1']);
  });

  test('Noncompliance 2: signing blocks that sign nothing: no profile name, custom signing without a signature, empty block', () => {
    const stack = newStack();
    includeResources(stack, {
      Ota: {
        Type: OTA, Properties: {
          OtaUpdateId: 'o', Targets: ['t'], RoleArn: ROLE,
          Files: [
            { FileName: 'a', CodeSigning: { StartSigningJobParameter: { Destination: { S3Destination: { Bucket: 'b' } } } } },
            { FileName: 'b', CodeSigning: { CustomCodeSigning: { HashAlgorithm: 'SHA256', SignatureAlgorithm: 'ECDSA' } } },
            { FileName: 'c', CodeSigning: {} },
          ],
        },
      },
    });
    expect(checkType(rule, stack, OTA)).toEqual(['Unsigned::Files.0', 'Unsigned::Files.1', 'Unsigned::Files.2']);
  });

  test('Noncompliance 3: an override deletes the signing of a signed file', () => {
    const ota = otaUpdate(newStack());
    ota.addPropertyDeletionOverride('Files.0.CodeSigning');
    expect(check(rule, ota)).toEqual(['Unsigned::Files.0']);
  });

  test('Noncompliance 4: the files, a file or its signing unsigned in one branch of a condition', () => {
    const stack = newStack();
    const ota = otaUpdate(stack);
    ota.addPropertyOverride('Files', { 'Fn::If': ['Prod', [SIGNED_FILE], [{ FileName: 'debug.bin' }]] });
    expect(check(rule, ota)).toEqual(['Unsigned::Files.0']);
    ota.addPropertyOverride('Files', [{ 'Fn::If': ['Prod', SIGNED_FILE, { FileName: 'a' }] }]);
    expect(check(rule, ota)).toEqual(['Unsigned::Files.0']);
    ota.addPropertyOverride('Files', [{ FileName: 'a', CodeSigning: { AwsSignerJobId: { 'Fn::If': ['Prod', 'job', { Ref: 'AWS::NoValue' }] } } }]);
    expect(check(rule, ota)).toEqual(['Unsigned::Files.0']);
  });

  test('Noncompliance 5: files, a file and a signing block known only at deploy time', () => {
    const ota = otaUpdate(newStack());
    ota.addPropertyOverride('Files', { 'Fn::ImportValue': 'files' });
    expect(check(rule, ota)).toEqual(['Unresolved::Files']);
    ota.addPropertyOverride('Files', [{ 'Fn::ImportValue': 'file' }]);
    expect(check(rule, ota)).toEqual(['Unresolved::Files.0']);
    ota.addPropertyOverride('Files', [{ FileName: 'a', CodeSigning: { 'Fn::ImportValue': 'signing' } }]);
    expect(check(rule, ota)).toEqual(['Unresolved::Files.0.CodeSigning']);
    ota.addPropertyOverride('Files', [{ FileName: 'a', CodeSigning: { StartSigningJobParameter: { 'Fn::ImportValue': 'signing' } } }]);
    expect(check(rule, ota)).toEqual(['Unresolved::Files.0.CodeSigning']);
  });

  test('Compliance: signing profile, existing signer job from a parameter, custom signature; not applicable to a job', () => {
    const stack = newStack();
    const signerJob = new CfnParameter(stack, 'SignerJobId');
    otaUpdate(stack, {
      files: [
        signedFile(),
        { fileName: 'b', codeSigning: { awsSignerJobId: signerJob.valueAsString } },
        {
          fileName: 'c',
          codeSigning: {
            customCodeSigning: {
              hashAlgorithm: 'SHA256', signatureAlgorithm: 'ECDSA',
              signature: { inlineDocument: 'MEUCIQ==' },
              certificateChain: { certificateName: 'signer.crt' },
            },
          },
        },
      ],
    });
    expect(checkType(rule, stack, OTA)).toEqual([]);
    expect(check(rule, safeJob(newStack()))).toEqual(NOT_APPLICABLE);

    const byCondition = otaUpdate(newStack());
    byCondition.addPropertyOverride('Files', { 'Fn::If': ['Prod', [SIGNED_FILE], [{ FileName: 'b', CodeSigning: { AwsSignerJobId: 'job' } }]] });
    expect(check(rule, byCondition)).toEqual([]);
  });
});

describe('updates rules in the pack', () => {
  test('the pack lists UPD1 to UPD7 with their metadata', () => {
    const updates = ALL_RULES.filter((r) => r.metadata.id.startsWith('UPD'));
    expect(updates.map((r) => r.metadata.id)).toEqual(['UPD1', 'UPD2', 'UPD3', 'UPD4', 'UPD5', 'UPD6', 'UPD7']);
    for (const r of updates) {
      expect(r.metadata.practice).toBe(4);
      expect(r.metadata.attackIcs.every((t) => /^T0\d{3}$/.test(t))).toBe(true);
      expect(r.metadata.attackEnterprise.every((t) => /^T1\d{3}(\.\d{3})?$/.test(t))).toBe(true);
    }
    expect(new IotSecurityChecks().ruleIds).toEqual(expect.arrayContaining(['IoTSecurity-UPD1', 'IoTSecurity-UPD4']));
  });

  test('a bare job yields one pack violation per missing safeguard', () => {
    const stack = newStack();
    new iot.CfnJob(stack, 'Job', { jobId: 'j', targets: ['t'], document: '{}' });
    const report = new IotSecurityChecks().validateScope(stack);
    const names = report.violations.map((v) => v.ruleName).filter((n) => n.startsWith('IoTSecurity-UPD'));
    expect(names.sort()).toEqual([
      'IoTSecurity-UPD1[Missing::AbortConfig]',
      'IoTSecurity-UPD2[Missing::JobExecutionsRolloutConfig]',
      'IoTSecurity-UPD3[Missing::TimeoutConfig]',
    ]);
  });

  test('a resource that cannot render at all yields a finding, not an exception', () => {
    const job = new iot.CfnJob(newStack(), 'Job', { jobId: 'j', targets: Lazy.list({ produce: () => { throw new Error('cannot produce'); } }) });
    for (const rule of [IoTJobAbortConfigured, IoTJobStagedRollout, IoTJobTimeoutConfigured]) {
      expect(check(rule, job)).toEqual(['Unresolved::Properties']);
    }
  });

  test('a fully configured job passes every updates rule', () => {
    const job = safeJob(newStack());
    for (const rule of [IoTJobAbortConfigured, IoTJobStagedRollout, IoTJobTimeoutConfigured]) {
      expect(check(rule, job)).toEqual([]);
    }
  });
});

describe('UPD1/UPD2: a job that targets exactly one thing needs no staged rollout or abort threshold', () => {
  const THING_ARN = 'arn:aws:iot:us-east-1:123456789012:thing/pump-1';

  test('Compliance: one literal thing ARN (L1), one thing of the stack by Fn::GetAtt Arn (plain template)', () => {
    const job = new iot.CfnJob(newStack(), 'Job', { jobId: 'j', targets: [THING_ARN], document: '{}' });
    for (const rule of [IoTJobAbortConfigured, IoTJobStagedRollout]) expect(check(rule, job)).toEqual(COMPLIANT);
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Pump: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'pump-1' } },
        Job: { Type: 'AWS::IoT::Job', Properties: { JobId: 'j', Document: '{}', Targets: [{ 'Fn::GetAtt': ['Pump', 'Arn'] }] } },
      },
    });
    for (const rule of [IoTJobAbortConfigured, IoTJobStagedRollout]) expect(checkType(rule, stack, 'AWS::IoT::Job')).toEqual(COMPLIANT);
  });

  test('Noncompliance: two things, a thing group, a wildcard (also after a parameter), or one Fn::If branch with a group', () => {
    const stack = newStack();
    const cases: unknown[] = [
      [THING_ARN, 'arn:aws:iot:us-east-1:123456789012:thing/pump-2'],
      ['arn:aws:iot:us-east-1:123456789012:thinggroup/pumps'],
      ['arn:aws:iot:us-east-1:123456789012:thing/pump-*'],
      [{ 'Fn::Sub': 'arn:aws:iot:${AWS::Region}:${AWS::AccountId}:thing/${Name}*' }],
      { 'Fn::If': ['C', [THING_ARN], ['arn:aws:iot:us-east-1:123456789012:thinggroup/pumps']] },
    ];
    cases.forEach((targets, i) => {
      const job = new CfnResource(stack, `Job${i}`, { type: 'AWS::IoT::Job', properties: { JobId: `j${i}`, Document: '{}', Targets: targets } });
      expect(check(IoTJobStagedRollout, job)).toEqual(['Missing::JobExecutionsRolloutConfig']);
    });
  });
});
