import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  AssetTags, Criticality, FindingClass, FirmwareSigningPlatform, IncidentResponse, RiskProfile, RolloutRate, SignedFirmwarePipeline, SignedFirmwarePipelineProps,
} from '../../lib';
import { confusedDeputyFindingsOf } from '../runtime/trust-policy';
import { newValidatedApp, validationFindings } from '../validation';
import { TaskOutcome, walk } from './asl-walk';

// asl-validator ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator: (definition: unknown) => { isValid: boolean; errors: unknown[] } = require('asl-validator');

const CERT = 'arn:aws:acm:eu-west-1:111122223333:certificate/0b5c5f0e-1111-2222-3333-444455556666';

function pipeline(props: Partial<SignedFirmwarePipelineProps> = {}, app = new App(), extend?: (stack: Stack, fw: SignedFirmwarePipeline) => void) {
  const stack = new Stack(app, 'S');
  const fw = new SignedFirmwarePipeline(stack, 'Fw', {
    deviceTypes: [{ thingTypeName: 'sensor', targetThingGroupNames: ['sensors-eu', 'sensors-us'] }],
    signingCertificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT),
    ...props,
  });
  extend?.(stack, fw);
  return { stack, fw, t: Template.fromStack(stack) };
}

function jobTemplate(t: Template) {
  return Object.values(t.findResources('AWS::IoT::JobTemplate'))[0].Properties;
}

/** The state machine's definition with every CloudFormation reference replaced by a plausible value. */
function definitionOf(t: Template) {
  const sm = Object.values(t.findResources('AWS::StepFunctions::StateMachine'))[0];
  const body = sm.Properties.DefinitionString;
  const parts: unknown[] = body['Fn::Join'] ? body['Fn::Join'][1] : [body];
  const pseudo: { [k: string]: string } = { 'AWS::Partition': 'aws', 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '111122223333' };
  const text = parts.map((p) => {
    if (typeof p === 'string') return p;
    const ref = (p as { Ref?: string }).Ref;
    if (ref && pseudo[ref]) return pseudo[ref];
    return `arn:aws:lambda:eu-west-1:111122223333:function:${JSON.stringify(p).replace(/[^A-Za-z0-9]/g, '')}`;
  }).join('');
  return JSON.parse(text);
}

describe('storage and registry', () => {
  test('two buckets with the library key, versioned, TLS-only, public access blocked, retained; the upload bucket sends EventBridge events', () => {
    const { t } = pipeline();
    const buckets = Object.values(t.findResources('AWS::S3::Bucket')).filter((b) => b.Properties.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.SSEAlgorithm === 'aws:kms');
    expect(buckets).toHaveLength(2);
    for (const b of buckets) {
      expect(b.DeletionPolicy).toBe('Retain');
      expect(b.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(b.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    }
    expect(buckets.filter((b) => b.Properties.NotificationConfiguration?.EventBridgeConfiguration?.EventBridgeEnabled === true)).toHaveLength(1);
  });

  test('only the release state machine may put objects into the release bucket', () => {
    const { t, fw, stack } = pipeline();
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: stack.getLogicalId(fw.releaseBucket.node.defaultChild as never) },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Sid: 'OnlyTheReleaseAutomationWrites',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:PutObject',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [stack.getLogicalId(fw.stateMachine.role.node.defaultChild as never), 'Arn'] } } },
      })]) },
    });
  });

  test('the version registry: key deviceType, customer-managed key, point-in-time recovery, deletion protection, retained', () => {
    const { t } = pipeline();
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'deviceType', KeyType: 'HASH' }],
        SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() }),
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
    });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('an imported key encrypts everything instead of a new one', () => {
    const app = new App();
    const stack = new Stack(app, 'K');
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    new SignedFirmwarePipeline(stack, 'Fw', {
      deviceTypes: [{ thingTypeName: 'sensor', targetThingGroupNames: ['g'] }],
      signingCertificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT),
      encryptionKey: key,
    });
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 1);
  });
});

describe('signing', () => {
  test('a Signer profile for the IoT ECDSA platform with the certificate and a one-year signature, made by a custom resource', () => {
    const { t } = pipeline();
    t.hasResourceProperties('Custom::FirmwareSigningProfile', {
      PlatformId: 'AWSIoTDeviceManagement-SHA256-ECDSA',
      CertificateArn: CERT,
      SignatureValidityDays: '365',
    });
    t.resourceCountIs('AWS::Signer::SigningProfile', 0);
  });

  test('platform and validity are props; the profile ARN and certificate are stack outputs', () => {
    const { t } = pipeline({ signingPlatform: FirmwareSigningPlatform.AMAZON_FREE_RTOS_DEFAULT, signatureValidity: Duration.days(730) });
    t.hasResourceProperties('Custom::FirmwareSigningProfile', { PlatformId: 'AmazonFreeRTOS-Default', SignatureValidityDays: '730' });
    const outputs = JSON.stringify(t.findOutputs('*'));
    expect(outputs).toContain('ProfileArn');
    expect(outputs).toContain(CERT);
  });
});

describe('job template', () => {
  test.each([
    ['CONSUMER', RiskProfile.CONSUMER, { MaximumPerMinute: 1000, ExponentialRolloutRate: { BaseRatePerMinute: 50, IncrementFactor: 2, RateIncreaseCriteria: { NumberOfSucceededThings: 10 } } }, 10, 10],
    ['INDUSTRIAL', RiskProfile.INDUSTRIAL, { MaximumPerMinute: 100 }, 5, 20],
    ['CRITICAL_INFRASTRUCTURE', RiskProfile.CRITICAL_INFRASTRUCTURE, { MaximumPerMinute: 10 }, 1, 100],
  ] as const)('%s: rollout rate, abort on failed, rejected and timed-out executions at the profile threshold', (_name, riskProfile, rollout, percent, minimum) => {
    const { t } = pipeline({ riskProfile });
    const p = jobTemplate(t);
    expect(p.JobExecutionsRolloutConfig).toEqual(rollout);
    expect(p.AbortConfig.CriteriaList).toEqual(['FAILED', 'REJECTED', 'TIMED_OUT'].map((FailureType) => ({
      Action: 'CANCEL', FailureType, ThresholdPercentage: percent, MinNumberOfExecutedThings: minimum,
    })));
  });

  test('defaults: 60-minute timeout, two retries of timed-out executions, 5-minute presigned URLs with a read-only role, no maintenance window', () => {
    const { t } = pipeline();
    const p = jobTemplate(t);
    expect(p.TimeoutConfig).toEqual({ InProgressTimeoutInMinutes: 60 });
    expect(p.JobExecutionsRetryConfig).toEqual({ RetryCriteriaList: [{ FailureType: 'TIMED_OUT', NumberOfRetries: 2 }] });
    expect(p.PresignedUrlConfig.ExpiresInSec).toBe(300);
    expect(p.MaintenanceWindows).toBeUndefined();
    const roleId = p.PresignedUrlConfig.RoleArn['Fn::GetAtt'][0];
    const policies = Object.values(t.findResources('AWS::IAM::Policy')).filter((x) => JSON.stringify(x.Properties.Roles).includes(roleId));
    const actions = policies.flatMap((x) => x.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()));
    expect(actions.sort()).toEqual(['kms:Decrypt', 's3:GetObject', 's3:GetObjectVersion']);
  });

  test('overrides: rate, abort, timeout, retries off, URL lifetime, maintenance windows', () => {
    const { t } = pipeline({
      rolloutRate: RolloutRate.constant(7), abortFailurePercent: 2.5, abortMinExecutedThings: 3, inProgressTimeoutMinutes: 15,
      timedOutRetryAttempts: 0, presignedUrlExpiresInSec: 60, maintenanceWindows: [{ startTime: 'cron(0 2 ? * SUN *)', durationMinutes: 120 }],
    });
    const p = jobTemplate(t);
    expect(p.JobExecutionsRolloutConfig).toEqual({ MaximumPerMinute: 7 });
    expect(p.AbortConfig.CriteriaList[0]).toMatchObject({ ThresholdPercentage: 2.5, MinNumberOfExecutedThings: 3 });
    expect(p.TimeoutConfig).toEqual({ InProgressTimeoutInMinutes: 15 });
    expect(p.JobExecutionsRetryConfig).toBeUndefined();
    expect(p.PresignedUrlConfig.ExpiresInSec).toBe(60);
    expect(p.MaintenanceWindows).toEqual([{ StartTime: 'cron(0 2 ? * SUN *)', DurationInMinutes: 120 }]);
  });
});

describe('registration and watching', () => {
  test('a software package and an out-of-date dynamic thing group per device type; a canary group where the profile asks', () => {
    const { t } = pipeline({ riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE });
    t.hasResourceProperties('AWS::IoT::SoftwarePackage', { PackageName: 'sensor' });
    t.hasResourceProperties('AWS::IoT::ThingGroup', {
      ThingGroupName: 'sensor-firmware-out-of-date',
      QueryString: 'thingTypeName:sensor AND NOT attributes.firmwareVersion:*',
    });
    t.hasResourceProperties('AWS::IoT::ThingGroup', { ThingGroupName: 'sensor-canary', QueryString: Match.absent() });
    const industrial = pipeline().t;
    expect(JSON.stringify(industrial.findResources('AWS::IoT::ThingGroup'))).not.toContain('sensor-canary');
  });

  test('a given canary group is used, not created', () => {
    const { t } = pipeline({ canaryGroupFirst: true, deviceTypes: [{ thingTypeName: 'sensor', targetThingGroupNames: ['all'], canaryThingGroupName: 'lab' }] });
    expect(JSON.stringify(t.findResources('AWS::IoT::ThingGroup'))).not.toContain('sensor-canary');
    const fn = Object.values(t.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.PIPELINE_CONFIG);
    expect(JSON.stringify(fn!.Properties.Environment.Variables.PIPELINE_CONFIG)).toContain('thinggroup/lab');
  });

  test('uploads under incoming/ start the state machine; failures, timeouts and failed, rejected or timed-out job executions alarm to the encrypted topic', () => {
    const { t } = pipeline();
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.s3'], 'detail-type': ['Object Created'], 'detail': Match.objectLike({ object: { key: [{ prefix: 'incoming/' }] } }) },
    });
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsFailed', AlarmActions: [{ Ref: Match.anyValue() }] });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsTimedOut' });
    for (const metric of ['FailedJobExecutionCount', 'RejectedJobExecutionCount']) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: [Match.objectLike({ Expression: `SELECT SUM(${metric}) FROM SCHEMA("AWS/IoT", JobId)` })],
        AlarmActions: [{ Ref: Match.anyValue() }],
      });
    }
    // AWS/IoT has no timed-out count: a topic rule counts the pipeline's timed_out events.
    t.hasResourceProperties('AWS::IoT::TopicRule', {
      TopicRulePayload: Match.objectLike({
        Sql: Match.stringLikeRegexp("FROM '\\$aws/events/jobExecution/\\+/timed_out' WHERE startswith\\(topic\\(4\\), 'fw"),
        Actions: [{ CloudwatchMetric: Match.objectLike({ MetricNamespace: 'cdk-secure-iot/Firmware', MetricName: Match.stringLikeRegexp('^TimedOutJobExecutions-fw'), MetricValue: '1' }) }],
        ErrorAction: Match.anyValue(),
      }),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'cdk-secure-iot/Firmware', MetricName: Match.stringLikeRegexp('^TimedOutJobExecutions-fw'), AlarmActions: [{ Ref: Match.anyValue() }],
    });
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  test('the state machine may create jobs only on the configured thing groups, and publish only under releases/', () => {
    const { t } = pipeline({ riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE });
    const policies = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    expect(policies).not.toContain('thinggroup/*');
    expect(policies).toContain('thinggroup/sensors-eu');
    expect(policies).toContain('thinggroup/');
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const createJob = statements.find((st: { Action: string | string[] }) => [st.Action].flat().includes('iot:CreateJob'));
    expect(JSON.stringify(createJob.Resource)).toMatch(/thinggroup\/",{"Ref":"FwCanary0/);
    const put = statements.filter((st: { Action: string | string[] }) => [st.Action].flat().includes('s3:PutObject'));
    expect(put.map((st: { Resource: unknown }) => JSON.stringify(st.Resource)).every((r: string) => r.includes('/releases/*') || r.includes('/signed/*'))).toBe(true);
  });

  test('grantReadReleases reads released images and decrypts them, nothing else', () => {
    const { t } = pipeline({}, new App(), (stack, fw) => fw.grantReadReleases(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() })));
    const policy = Object.values(t.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles).includes('Reader'));
    const actions = policy!.Properties.PolicyDocument.Statement.flatMap((st: { Action: string | string[] }) => [st.Action].flat());
    expect(actions).toContain('kms:Decrypt');
    expect(actions.some((a: string) => a.startsWith('s3:Put') || a.startsWith('s3:Delete'))).toBe(false);
    expect(JSON.stringify(policy)).toContain('/releases/*');
  });

  test('grantUpload allows PutObject under incoming/ only', () => {
    const { t } = pipeline({}, new App(), (stack, fw) => fw.grantUpload(new iam.Role(stack, 'Builder', { assumedBy: new iam.AccountRootPrincipal() })));
    const policy = Object.values(t.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles).includes('Builder'));
    expect(JSON.stringify(policy)).toContain('/incoming/*');
  });
});

test('a release may take two days by default; releaseTimeout overrides it', () => {
  expect(definitionOf(pipeline().t).TimeoutSeconds).toBe(2 * 24 * 3600);
  expect(definitionOf(pipeline({ releaseTimeout: Duration.hours(6) }).t).TimeoutSeconds).toBe(6 * 3600);
});

test('the abort minimum follows a fractional threshold, and the TI CC3220SF platform is accepted', () => {
  const { t } = pipeline({ abortFailurePercent: 2.5, signingPlatform: FirmwareSigningPlatform.AMAZON_FREE_RTOS_TI_CC3220SF });
  expect(jobTemplate(t).AbortConfig.CriteriaList[0]).toMatchObject({ ThresholdPercentage: 2.5, MinNumberOfExecutedThings: 40 });
  t.hasResourceProperties('Custom::FirmwareSigningProfile', { PlatformId: 'AmazonFreeRTOS-TI-CC3220SF' });
});

describe('the release state machine', () => {
  const release = { hasSbom: false, hasCanary: false };
  const definition = definitionOf(pipeline().t);

  test('its rendered definition is valid ASL', () => {
    const result = aslValidator(definition);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  function run(answers: { [state: string]: TaskOutcome | ((visit: number) => TaskOutcome) }) {
    return walk(definition, { detail: {} }, (state, visit) => {
      const a = answers[state];
      if (a === undefined) return {};
      return typeof a === 'function' ? a(visit) : a;
    });
  }

  const signed = {
    CheckVersion: { verdict: 'PROCEED', release },
    StartSigningJob: { jobId: 'j1' },
    DescribeSigningJob: (visit: number) => ({ Status: visit < 2 ? 'InProgress' : 'Succeeded', SignedObject: { S3: { Key: 'signed/x' } } }),
    CommitVersion: { verdict: 'COMMITTED' },
  };

  test('signed and greater: waits for Signer, commits, publishes, registers, updates the out-of-date group, creates the fleet job, records it', () => {
    const r = run(signed);
    expect(r.end).toBe('Succeed');
    expect(r.path.filter((s) => !/^(WaitForSigning)$/.test(s))).toEqual([
      'CheckVersion', 'Verdict?', 'StartSigningJob', 'DescribeSigningJob', 'Signed?', 'DescribeSigningJob', 'Signed?', 'CommitVersion', 'Committed?',
      'PublishSignedImage', 'RegisterPackageVersion', 'HasSbom?', 'PublishPackageVersion', 'PackageRegistered', 'UpdateOutOfDateGroup', 'CanaryFirst?',
      'CreateFleetJob', 'RecordRelease', 'Released',
    ]);
  });

  test('with an SBOM it is associated with the package version', () => {
    const r = run({ ...signed, CheckVersion: { verdict: 'PROCEED', release: { ...release, hasSbom: true } } });
    expect(r.path).toEqual(expect.arrayContaining(['AssociateSbom']));
    expect(r.end).toBe('Succeed');
  });

  test('canary first: the fleet job waits for a clean canary; a canary with failures stops the release and notifies', () => {
    const canary = { ...signed, CheckVersion: { verdict: 'PROCEED', release: { ...release, hasCanary: true } } };
    const clean = run({ ...canary, DescribeCanaryJob: (v: number) => ({ Job: { Status: v < 2 ? 'IN_PROGRESS' : 'COMPLETED', JobProcessDetails: { NumberOfFailedThings: 0, NumberOfSucceededThings: 3 } } }) });
    expect(clean.path.indexOf('CreateCanaryJob')).toBeLessThan(clean.path.indexOf('CreateFleetJob'));
    expect(clean.end).toBe('Succeed');
    const bad = run({ ...canary, DescribeCanaryJob: { Job: { Status: 'COMPLETED', JobProcessDetails: { NumberOfFailedThings: 1 } } } });
    expect(bad.path).not.toContain('CreateFleetJob');
    expect(bad.path.slice(-2)).toEqual(['NotifyCanaryFailed', 'ReleaseFailed']);
    const cancelled = run({ ...canary, DescribeCanaryJob: { Job: { Status: 'CANCELED' } } });
    expect(cancelled.path.slice(-2)).toEqual(['NotifyCanaryFailed', 'ReleaseFailed']);
    const empty = run({ ...canary, DescribeCanaryJob: { Job: { Status: 'COMPLETED', JobProcessDetails: { NumberOfSucceededThings: 0 } } } });
    expect(empty.path.slice(-2)).toEqual(['NotifyCanaryFailed', 'ReleaseFailed']);
  });

  test('signing failed: nothing is committed or published, the topic is notified', () => {
    const r = run({ ...signed, DescribeSigningJob: { Status: 'Failed', StatusReason: 'bad cert' } });
    expect(r.path).not.toContain('CommitVersion');
    expect(r.path).not.toContain('PublishSignedImage');
    expect(r.path.slice(-2)).toEqual(['NotifySigningFailed', 'ReleaseFailed']);
    expect(r.end).toBe('Fail');
  });

  test('a downgrade or an equal version is refused before signing, and notified', () => {
    const r = run({ CheckVersion: { verdict: 'REFUSED', reason: 'sensor 1.0.0 is not greater than the released 1.0.0' } });
    expect(r.path).toEqual(['CheckVersion', 'Verdict?', 'NotifyRefused', 'ReleaseFailed']);
  });

  test('a release that loses the race at commit is refused and never published', () => {
    const r = run({ ...signed, CommitVersion: { verdict: 'REFUSED', reason: 'lost' } });
    expect(r.path).not.toContain('PublishSignedImage');
    expect(r.path.slice(-2)).toEqual(['NotifyCommitRefused', 'ReleaseFailed']);
  });

  test('a duplicate upload or an SBOM ends without signing anything', () => {
    for (const verdict of ['DUPLICATE', 'IGNORED']) {
      const r = run({ CheckVersion: { verdict } });
      expect(r.path).toEqual(['CheckVersion', 'Verdict?', 'NothingToRelease']);
    }
  });

  test('a redriven release goes on when the package version or job already exists', () => {
    const r = run({
      ...signed,
      RegisterPackageVersion: { error: 'Iot.ConflictException' },
      PublishPackageVersion: { error: 'Iot.ConflictException' },
      CreateFleetJob: { error: 'Iot.ResourceAlreadyExistsException' },
    });
    expect(r.end).toBe('Succeed');
    expect(r.path).toEqual(expect.arrayContaining(['RegisterPackageVersionAlreadyDone', 'CreateFleetJobAlreadyDone', 'RecordRelease']));
  });

  test('any other error notifies and fails', () => {
    const r = run({ ...signed, PublishSignedImage: { error: 'S3.AccessDenied' } });
    expect(r.path.slice(-2)).toEqual(['NotifyError', 'ReleaseFailed']);
  });
});

describe('validators', () => {
  test.each(RiskProfile.PRESETS.map((p) => [p.name, p]))('%s: no unacknowledged finding from IotSecurityChecks, AwsSolutions or the CloudFormation validator', (_name, riskProfile) => {
    const app = newValidatedApp();
    const { stack } = pipeline({ riskProfile }, app);
    AssetTags.apply(stack, { criticality: Criticality.HIGH, owner: 'firmware-team' });
    expect(validationFindings(app)).toEqual([]);
  });
});

describe('bad input', () => {
  const bad = (props: object) => () => pipeline(props as Partial<SignedFirmwarePipelineProps>);
  test('no props at all', () => {
    expect(() => new SignedFirmwarePipeline(new Stack(new App(), 'S'), 'Fw', undefined as never)).toThrow(/S\/Fw: SignedFirmwarePipeline: props are required/);
  });
  test('an empty or malformed device type list', () => {
    expect(bad({ deviceTypes: [] })).toThrow(/deviceTypes must list at least one device type, got \[\]/);
    expect(bad({ deviceTypes: [{ thingTypeName: 'bad name', targetThingGroupNames: ['g'] }] })).toThrow(/thingTypeName must be 1-64 letters, digits, '_' or '-', got "bad name"/);
    expect(bad({ deviceTypes: [{ thingTypeName: 'a', targetThingGroupNames: ['g'] }, { thingTypeName: 'a', targetThingGroupNames: ['g'] }] })).toThrow(/deviceTypes: a is listed twice/);
  });
  test('an empty or too long target list, a bad group name', () => {
    expect(bad({ deviceTypes: [{ thingTypeName: 'a', targetThingGroupNames: [] }] })).toThrow(/targetThingGroupNames of "a" must list at least one thing group, got \[\]/);
    expect(bad({ deviceTypes: [{ thingTypeName: 'a', targetThingGroupNames: Array.from({ length: 10 }, (_, i) => `g${i}`) }] })).toThrow(/at most 9 thing groups/);
    expect(bad({ deviceTypes: [{ thingTypeName: 'a', targetThingGroupNames: ['no spaces'] }] })).toThrow(/thing group names of "a" must be 1-128 letters, digits, ':', '_' or '-', got "no spaces"/);
  });
  test('a platform Signer does not support for devices, a bad signature validity, no certificate', () => {
    expect(bad({ signingPlatform: 'AWSLambda-SHA384-ECDSA' })).toThrow(/signingPlatform must be one of AWSIoTDeviceManagement-SHA256-ECDSA, AmazonFreeRTOS-Default, AmazonFreeRTOS-TI-CC3220SF .*got "AWSLambda-SHA384-ECDSA"/);
    expect(bad({ signatureValidity: Duration.hours(5) })).toThrow(/signatureValidity must be whole days from 1 to 4105 \(135 months\), got 5 hours/);
    expect(bad({ signatureValidity: Duration.days(5000) })).toThrow(/signatureValidity must be whole days/);
    expect(bad({ signingCertificate: undefined })).toThrow(/signingCertificate must be an ACM certificate/);
  });
  test('rollout, abort, timeout, retries, URL lifetime, windows and release timeout out of range', () => {
    expect(bad({ rolloutRate: { maximumPerMinute: 5 } })).toThrow(/rolloutRate must be made with RolloutRate.constant\(\) or RolloutRate.exponential\(\)/);
    expect(bad({ abortFailurePercent: 0 })).toThrow(/abortFailurePercent must be a number above 0 to 50, got 0/);
    expect(bad({ abortFailurePercent: 60 })).toThrow(/abortFailurePercent must be a number above 0 to 50, got 60/);
    expect(bad({ abortMinExecutedThings: 0 })).toThrow(/abortMinExecutedThings must be an integer from 1 to 1000, got 0/);
    expect(bad({ inProgressTimeoutMinutes: 10081 })).toThrow(/inProgressTimeoutMinutes must be an integer from 1 to 10080, got 10081/);
    expect(bad({ timedOutRetryAttempts: 11 })).toThrow(/timedOutRetryAttempts must be an integer from 0 to 10, got 11/);
    expect(bad({ presignedUrlExpiresInSec: 7200 })).toThrow(/presignedUrlExpiresInSec must be an integer from 60 to 3600, got 7200/);
    expect(bad({ maintenanceWindows: [{ startTime: 'tonight', durationMinutes: 10 }] }))
      .toThrow(/startTime must be a cron expression such as 'cron\(0 2 \? \* SUN \*\)', got "tonight"; maintenanceWindows: durationMinutes must be an integer from 30 to 1430, got 10/);
    expect(bad({ releaseTimeout: Duration.days(8) })).toThrow(/releaseTimeout must be from 1 hour to 7 days, got 8 days/);
    expect(bad({ canaryGroupFirst: 'yes' })).toThrow(/canaryGroupFirst must be true or false, got "yes"/);
  });
  test('every problem in one error', () => {
    expect(bad({ deviceTypes: [], abortFailurePercent: 99 })).toThrow(/deviceTypes must list.*; abortFailurePercent must be/);
  });
});

test('a topic rule keeps the job and job execution events of the pipeline\'s jobs in an encrypted log group, with an error action', () => {
  const { t, fw } = pipeline();
  t.hasResourceProperties('AWS::IoT::TopicRule', {
    TopicRulePayload: Match.objectLike({
      Sql: Match.stringLikeRegexp("FROM '\\$aws/events/\\+/\\+/\\+' WHERE \\(topic\\(3\\) = 'job' OR topic\\(3\\) = 'jobExecution'\\) AND startswith\\(topic\\(4\\), 'fw"),
      Actions: [{ CloudwatchLogs: Match.objectLike({ LogGroupName: Match.anyValue() }) }],
      ErrorAction: { CloudwatchLogs: Match.objectLike({ LogGroupName: Match.anyValue() }) },
    }),
  });
  expect(fw.jobEventLogGroup).toBeDefined();
  for (const lg of Object.values(t.findResources('AWS::Logs::LogGroup'))) {
    expect(lg.Properties.KmsKeyId).toBeDefined();
    expect(lg.DeletionPolicy).toBe('Retain');
  }
});

test('EventBridge may start the release automation only from the upload rule of this account (confused deputy, issue 18 item 6)', () => {
  const { t } = pipeline();
  const [, rule] = Object.entries(t.findResources('AWS::Events::Rule')).find(([id]) => id.includes('UploadRule'))!;
  const name = rule.Properties.Name as string;
  expect(name).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
  t.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [Match.objectLike({
        Principal: { Service: 'events.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:rule/${name}`]] } },
        },
      })],
    },
  });
  // The rule's target uses that role, under the construct ID CDK's own role had (deployed stacks keep it).
  const roleId = (rule.Properties.Targets[0].RoleArn['Fn::GetAtt'] as string[])[0];
  expect(roleId).toMatch(/^FwReleaseStateMachineEventsRole/);
  expect(confusedDeputyFindingsOf(t.toJSON())).toEqual([]);
});

test('the failed, rejected and timed-out job execution alarms are named for FAILED_FIRMWARE_ROLLOUT (IncidentResponse starts it on them); the release alarms are not', () => {
  const prefix = IncidentResponse.alarmNamePrefix(FindingClass.FAILED_FIRMWARE_ROLLOUT);
  const names = (t: Template) => Object.fromEntries(Object.entries(t.findResources('AWS::CloudWatch::Alarm'))
    .map(([id, a]) => [id.replace(/[0-9A-F]{8}$/, ''), a.Properties.AlarmName as string | undefined]));
  const { t } = pipeline();
  const byId = names(t);
  expect(Object.keys(byId).filter((id) => byId[id]?.startsWith(prefix)).sort())
    .toEqual(['FwFailedJobExecutionCountAlarm', 'FwRejectedJobExecutionCountAlarm', 'FwTimedOutJobExecutionAlarm']);
  expect(byId.FwReleaseFailedAlarm).toBeUndefined();
  expect(byId.FwReleaseTimedOutAlarm).toBeUndefined();
  // Deterministic, unique per pipeline, within CloudWatch's 255 characters.
  expect(names(pipeline().t)).toEqual(byId);
  const other = names(pipeline({}, new App(), (s) => new SignedFirmwarePipeline(s, 'Second', {
    deviceTypes: [{ thingTypeName: 'gw', targetThingGroupNames: ['gws'] }],
    signingCertificate: acm.Certificate.fromCertificateArn(s, 'Cert2', CERT),
  })).t);
  const all = Object.values(other).filter((n): n is string => n !== undefined);
  expect(new Set(all).size).toBe(all.length);
  expect(all.filter((n) => n.startsWith(prefix))).toHaveLength(6);
  for (const n of all) expect(n.length).toBeLessThanOrEqual(255);
});
