import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  BackupAndRecovery, ContainmentMode, FINDING_EVENT, FindingClass, FindingEvent, IncidentResponse, IncidentResponseProps, Playbook, RETURN_TO_BASELINE_STEPS, RiskProfile,
} from '../../lib';
import { newValidatedApp, validationFindings } from '../validation';
import { Asl, allStates, definitions } from './asl';
import { TEST_ENV, arnOf, callTarget, policyOf, principalPolicy, resolveValue } from '../runtime/iam';
import { CfnTemplate } from '../runtime/synthesized';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');

const env = { account: '111122223333', region: 'eu-west-1' };
function stack(app = new App()) {
  return new Stack(app, 'S', { env });
}

/** The state machines of one IncidentResponse, by finding class (and RETURN_TO_BASELINE). */
function machines(props: IncidentResponseProps = {}): { [name: string]: Asl } {
  const s = stack();
  new IncidentResponse(s, 'IR', props);
  const byName: { [name: string]: Asl } = {};
  for (const asl of Object.values(definitions(Template.fromStack(s)))) {
    const comment = (asl as unknown as { Comment: string }).Comment;
    const cls = Object.values(FindingClass).find((c) => comment.includes(`(${c})`));
    byName[cls ?? 'RETURN_TO_BASELINE'] = asl;
  }
  return byName;
}


describe('playbook definitions', () => {
  const industrial = machines();
  const critical = machines({ riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE });
  const consumer = machines({ riskProfile: RiskProfile.CONSUMER });

  test('one JSONata state machine per finding class and one return to baseline, each valid ASL', () => {
    expect(Object.keys(industrial).sort()).toEqual([...Object.values(FindingClass), 'RETURN_TO_BASELINE'].sort());
    for (const [name, asl] of Object.entries({ ...industrial, ...critical, ...consumer })) {
      const { isValid, errorsText } = aslValidator(asl);
      if (!isValid) throw new Error(`${name}: ${errorsText('\n')}`);
      expect(asl.QueryLanguage).toBe('JSONata');
    }
  });

  test('the states are exactly the playbook model\'s, each commented with its runbook line', () => {
    for (const playbook of Playbook.all()) {
      const asl = industrial[playbook.findingClass];
      expect(Object.keys(allStates(asl)).sort()).toEqual(playbook.steps.map((s) => s.state).sort());
      for (const step of playbook.steps) expect(allStates(asl)[step.state].Comment).toBe(step.description);
    }
    const baseline = allStates(industrial.RETURN_TO_BASELINE);
    expect(Object.keys(baseline).sort()).toEqual(RETURN_TO_BASELINE_STEPS.map((s) => s.state).sort());
    for (const step of RETURN_TO_BASELINE_STEPS) expect(baseline[step.state].Comment).toBe(step.description);
  });

  test('the approval waits on a task token for the approval timeout (default 4 hours)', () => {
    const state = industrial.SHARED_OR_REVOKED_CERTIFICATE.States.RequestApproval;
    expect(state.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(state.TimeoutSeconds).toBe(4 * 3600);
    expect(state.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.Timeout'], Next: 'RecordTimedOut' })]);
    const custom = machines({ approvalTimeout: Duration.minutes(30), findingClasses: [FindingClass.UNEXPECTED_DISCONNECTS] });
    expect(custom.UNEXPECTED_DISCONNECTS.States.RequestApproval.TimeoutSeconds).toBe(1800);
  });

  // What the playbooks do at run time, branch by branch, is in test/runtime/playbooks.test.ts.
});

describe('resources', () => {
  const s = stack();
  const ir = new IncidentResponse(s, 'IR');
  const t = Template.fromStack(s);

  test('the incident table: customer-managed key, PITR, deletion protection, retained, selected for backup', () => {
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IRKey'), 'Arn'] }, SSEEnabled: true, SSEType: 'KMS' },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        Tags: Match.arrayWith([{ Key: 'backup-plan', Value: 'cdk-secure-iot' }]),
      }),
    });
  });

  test('the quarantine group\'s policy lets a device only connect as itself and use its own jobs and streams topics', () => {
    const policy = Object.values(t.findResources('AWS::IoT::Policy'))[0];
    const doc = JSON.stringify(policy.Properties.PolicyDocument);
    expect(doc).toContain('client/${!iot:Connection.Thing.ThingName}');
    expect(doc).toContain('topic/$aws/things/${!iot:Connection.Thing.ThingName}/jobs/*');
    expect(doc).toContain('topicfilter/$aws/things/${!iot:Connection.Thing.ThingName}/streams/*');
    expect(doc).not.toMatch(/"iot:\*"|:topic\/\*|client\/\*/);
    expect(policy.Properties.PolicyDocument.Statement.flatMap((st: { Action: string | string[] }) => ([] as string[]).concat(st.Action)).sort())
      .toEqual(['iot:Connect', 'iot:Publish', 'iot:Receive', 'iot:Subscribe']);
    const attach = JSON.stringify(Object.values(t.findResources('Custom::AWS'))[0].Properties);
    expect(attach).toMatch(/\\"action\\":\\"attachPolicy\\"/);
    expect(attach).toMatch(/\\"action\\":\\"detachPolicy\\"/);
    t.hasResourceProperties('AWS::IoT::ResourceSpecificLogging', { TargetType: 'THING_GROUP', LogLevel: 'DEBUG' });
  });

  test('four mitigation actions, each with its own role allowed only its action', () => {
    t.resourceCountIs('AWS::IoT::MitigationAction', 4);
    t.hasResourceProperties('AWS::IoT::MitigationAction', { ActionParams: { AddThingsToThingGroupParams: { ThingGroupNames: [{ Ref: Match.stringLikeRegexp('QuarantineGroup') }], OverrideDynamicGroups: true } } });
    t.hasResourceProperties('AWS::IoT::MitigationAction', { ActionParams: { UpdateDeviceCertificateParams: { Action: 'DEACTIVATE' } } });
    t.hasResourceProperties('AWS::IoT::MitigationAction', { ActionParams: { EnableIoTLoggingParams: { LogLevel: 'WARN', RoleArnForLogging: Match.anyValue() } } });
    t.hasResourceProperties('AWS::IoT::MitigationAction', { ActionParams: { PublishFindingToSnsParams: { TopicArn: { Ref: Match.stringLikeRegexp('IRNotifications') } } } });
    const policies = t.findResources('AWS::IAM::Policy');
    const actionsOf = (prefix: string) => Object.entries(policies).find(([id]) => id.startsWith(prefix))![1].Properties.PolicyDocument.Statement
      .flatMap((st: { Action: string | string[] }) => ([] as string[]).concat(st.Action)).sort();
    expect(actionsOf('IRDeactivateCertificateActionRole')).toEqual(['iot:UpdateCertificate']);
    expect(actionsOf('IRQuarantineActionRole')).toEqual(['iot:AddThingToThingGroup', 'iot:ListPrincipalThings']);
    expect(actionsOf('IREnableLoggingActionRole')).toEqual(['iam:PassRole', 'iot:SetV2LoggingOptions']);
    expect(actionsOf('IRPublishFindingActionRole')).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*', 'sns:Publish']);
  });

  test('everyone who writes the encrypted table or topic, or starts an encrypted playbook, may use the key, and only that key', () => {
    const policies = t.findResources('AWS::IAM::Policy');
    const users = Object.entries(policies).filter(([, p]) => p.Properties.PolicyDocument.Statement.some((st: { Action: unknown; Condition?: unknown }) =>
      JSON.stringify(st.Action) === JSON.stringify(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']) && !st.Condition));
    const names = users.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort();
    expect(names).toEqual(expect.arrayContaining(['IRApprovalDecisionRoleDefaultPolicy', 'IRApprovalRequestRoleDefaultPolicy', 'IREventsRoleDefaultPolicy',
      'IRReturnToBaselineStateMachineRoleDefaultPolicy', 'IRSHAREDORREVOKEDCERTIFICATEStateMachineRoleDefaultPolicy']));
    expect(names.filter((n) => n.includes('StateMachineRole'))).toHaveLength(6);
    for (const [, p] of users) {
      const st = p.Properties.PolicyDocument.Statement.find((x: { Action: unknown }) => JSON.stringify(x.Action).includes('kms:Encrypt'));
      expect(st.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^IRKey/), 'Arn'] });
    }
    const rules = Object.values(t.findResources('AWS::Events::Rule'));
    expect(rules.every((r) => r.Properties.Targets.every((x: { RoleArn: unknown }) => JSON.stringify(x.RoleArn).includes('IREventsRole')))).toBe(true);
  });

  test('a failed or timed-out execution (dry runs included) raises an alarm that notifies the topic', () => {
    t.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^IRNotifications') }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'failed + timedOut' })]),
    });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' })]) } });
    expect(ir.failureAlarms).toHaveLength(6);
  });

  test('IoT resources carry criticality and owner tags by default', () => {
    t.hasResourceProperties('AWS::IoT::MitigationAction', { Tags: Match.arrayWith([{ Key: 'criticality', Value: 'high' }, { Key: 'owner', Value: 'security-operations' }]) });
    t.hasResourceProperties('AWS::IoT::ThingGroup', { Tags: Match.arrayWith([{ Key: 'owner', Value: 'security-operations' }]) });
  });

  test('finding events and Device Defender check names start their playbook; dry runs are scheduled weekly with a fail-closed and a fail-open device', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['cdk-secure-iot'], 'detail-type': ['IoT Security Finding'],
        detail: { $or: [{ findingClass: ['SHARED_OR_REVOKED_CERTIFICATE'] }, { checkName: ['DEVICE_CERTIFICATE_SHARED_CHECK', 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK', 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK'] }] },
      },
    });
    const dryRuns = Object.values(t.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: 'cron(0 4 ? * MON *)' } }));
    expect(dryRuns).toHaveLength(6);
    const inputs = dryRuns.flatMap((r) => r.Properties.Targets.map((x: { Input: string }) => JSON.parse(x.Input)));
    expect(inputs.every((i) => i.dryRun === true)).toBe(true);
    expect(inputs.filter((i) => i.detail?.criticality === 'low')).toHaveLength(5);
    expect(inputs.filter((i) => i.detail?.criticality === 'safety-critical')).toHaveLength(5);
  });

  test('the approval decision URL needs IAM authentication; grantApprove lets a role use it', () => {
    t.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    const s2 = stack();
    const ir2 = new IncidentResponse(s2, 'IR', { findingClasses: [FindingClass.UNEXPECTED_DISCONNECTS] });
    const oncall = new iam.Role(s2, 'OnCall', { assumedBy: new iam.AccountRootPrincipal() });
    ir2.grantApprove(oncall);
    ir2.grantReturnToBaseline(oncall);
    const doc = JSON.stringify(Template.fromStack(s2).findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('OnCall') }] } }));
    expect(doc).toContain('lambda:InvokeFunctionUrl');
    expect(doc).toContain('states:StartExecution');
    expect(ir.containment).toBe(ContainmentMode.AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL);
    expect(() => ir2.playbook(FindingClass.FAILED_FIRMWARE_ROLLOUT)).toThrow(/S\/IR: there is no playbook for finding class "FAILED_FIRMWARE_ROLLOUT"; built: UNEXPECTED_DISCONNECTS/);
  });

  test('alarm triggers start their playbook on ALARM; switches turn off the dry run and verbose logging', () => {
    const s2 = stack();
    const alarm = cloudwatch.Alarm.fromAlarmArn(s2, 'A', 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:auth-failures');
    new IncidentResponse(s2, 'IR', {
      alarmTriggers: [{ alarm, findingClass: FindingClass.AUTHENTICATION_FAILURE_SPIKE }],
      disableScheduledDryRun: true, disableQuarantineVerboseLogging: true, containment: ContainmentMode.HUMAN_APPROVAL_ONLY, owner: 'soc',
    });
    const t2 = Template.fromStack(s2);
    t2.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], resources: ['arn:aws:cloudwatch:eu-west-1:111122223333:alarm:auth-failures'], detail: { state: { value: ['ALARM'] } } },
    });
    expect(Object.keys(t2.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: Match.anyValue() } }))).toHaveLength(0);
    t2.resourceCountIs('AWS::IoT::ResourceSpecificLogging', 0);
    t2.hasResourceProperties('AWS::IoT::ThingGroup', { Tags: Match.arrayWith([{ Key: 'owner', Value: 'soc' }]) });
  });
});

test.each([
  [{ approvalTimeout: Duration.minutes(1) }, /approvalTimeout must be from 5 minutes to 7 days, got 1 minute/],
  [{ approvalTimeout: Duration.days(8) }, /approvalTimeout must be from 5 minutes to 7 days, got 8 days/],
  [{ findingClasses: ['DDOS' as FindingClass] }, /findingClasses: there is no playbook for finding class "DDOS"; known classes: OVERLY_PERMISSIVE_POLICY, /],
  [{ findingClasses: [] }, /findingClasses must be a non-empty list of FindingClass values, got \[\]/],
  [{ findingClasses: [FindingClass.UNEXPECTED_DISCONNECTS, FindingClass.UNEXPECTED_DISCONNECTS] }, /findingClasses lists a class twice/],
  [{ containment: 'PANIC' as ContainmentMode }, /containment must be one of AUTOMATIC_QUARANTINE, AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL, HUMAN_APPROVAL_ONLY, got "PANIC"/],
  [{ dryRunSchedule: 'cron(0 4 * * MON *)' }, /dryRunSchedule must have \? in exactly one of day-of-month and day-of-week, got "cron\(0 4 \* \* MON \*\)"/],
  [{ owner: 'a|b' }, /owner must be 1-256 letters/],
  [{ disableScheduledDryRun: 'no' as unknown as boolean }, /disableScheduledDryRun must be true or false, got "no"/],
  [{ approvalTimeout: 3600 as unknown as Duration }, /approvalTimeout must be a Duration/],
])('rejects %j with the construct path and what is allowed', (props, message) => {
  expect(() => new IncidentResponse(stack(), 'IR', props)).toThrow(new RegExp(`^S/IR: IncidentResponse: .*${message.source}`));
});

test('an alarm trigger for a class without a playbook is an error', () => {
  const s = stack();
  const alarm = cloudwatch.Alarm.fromAlarmArn(s, 'A', 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:x');
  expect(() => new IncidentResponse(s, 'IR', { findingClasses: [FindingClass.UNEXPECTED_DISCONNECTS], alarmTriggers: [{ alarm, findingClass: FindingClass.FAILED_FIRMWARE_ROLLOUT }] }))
    .toThrow(/alarmTriggers: FAILED_FIRMWARE_ROLLOUT has no playbook here \(findingClasses: UNEXPECTED_DISCONNECTS\)/);
});

test('Playbook.of rejects an unknown finding class', () => {
  expect(() => Playbook.of('DDOS' as FindingClass)).toThrow(/Playbook.of: there is no playbook for finding class "DDOS"; known classes: /);
});

test('null props are the defaults, not a TypeError', () => {
  expect(new IncidentResponse(stack(), 'IR', null as never).containment).toBe(ContainmentMode.AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL);
});

test.each([
  ['INDUSTRIAL', RiskProfile.INDUSTRIAL],
  ['CONSUMER', RiskProfile.CONSUMER],
  ['CRITICAL_INFRASTRUCTURE', RiskProfile.CRITICAL_INFRASTRUCTURE],
])('%s passes IotSecurityChecks, AwsSolutionsChecks and the CloudFormation validator with no unacknowledged finding', (_, riskProfile) => {
  const app = newValidatedApp();
  new IncidentResponse(new Stack(app, 'S'), 'IR', { riskProfile });
  expect(validationFindings(app)).toEqual([]);
});

test('the incident table follows the backup plan a scope above selects it for', () => {
  const s = stack();
  new IncidentResponse(s, 'IR', { findingClasses: [FindingClass.UNEXPECTED_DISCONNECTS] });
  BackupAndRecovery.select(s, 'plant-a');
  Template.fromStack(s).hasResourceProperties('AWS::DynamoDB::Table', { Tags: Match.arrayWith([{ Key: 'backup-plan', Value: 'plant-a' }]) });
});

test('overrides: your own key, topic and event bus', () => {
  const s = stack();
  const key = new kms.Key(s, 'MyKey', { enableKeyRotation: true });
  const topic = new sns.Topic(s, 'MyTopic', { masterKey: key, enforceSSL: true });
  const bus = new events.EventBus(s, 'Bus');
  const ir = new IncidentResponse(s, 'IR', { encryptionKey: key, notificationTopic: topic, eventBus: bus, findingClasses: [FindingClass.UNEXPECTED_DISCONNECTS] });
  const t = Template.fromStack(s);
  t.resourceCountIs('AWS::KMS::Key', 1);
  t.resourceCountIs('AWS::SNS::Topic', 1);
  t.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: Match.objectLike({ KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MyKey'), 'Arn'] } }) });
  t.hasResourceProperties('AWS::Events::Rule', { EventBusName: { Ref: Match.stringLikeRegexp('^Bus') }, EventPattern: Match.objectLike({ source: ['cdk-secure-iot'] }) });
  t.hasResourceProperties('AWS::IoT::MitigationAction', { ActionParams: { PublishFindingToSnsParams: { TopicArn: { Ref: Match.stringLikeRegexp('^MyTopic') } } } });
  expect(ir.encryptionKey).toBe(key);
  expect(ir.playbook(FindingClass.UNEXPECTED_DISCONNECTS)).toBeDefined();
});

describe('findings bus', () => {
  const env2 = { account: TEST_ENV.account, region: TEST_ENV.region };
  function build(grant: boolean, props: IncidentResponseProps = {}) {
    const s = new Stack(new App(), 'S', { env: env2 });
    const ir = new IncidentResponse(s, 'IR', { findingClasses: [FindingClass.SHARED_OR_REVOKED_CERTIFICATE], ...props });
    const relay = new iam.Role(s, 'Relay', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const admin = new iam.Role(s, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    admin.addToPolicy(new iam.PolicyStatement({ actions: ['events:*'], resources: ['*'] }));
    if (grant) ir.grantPutFindings(relay);
    return { ir, template: Template.fromStack(s).toJSON() as CfnTemplate };
  }
  /** Whether `role` may put events on the findings bus: its identity policies, then the bus policy's Deny. */
  function mayPut(template: CfnTemplate, role: string, source: string = FindingEvent.SOURCE): boolean {
    const [busId] = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::Events::EventBus')!;
    const busArn = arnOf(template, busId);
    const bus = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::EventBusPolicy').map((r) => resolveValue(template, r.Properties.Statement));
    const context = { 'aws:PrincipalArn': arnOf(template, role), 'events:source': source, 'events:detail-type': FindingEvent.DETAIL_TYPE };
    const identity = principalPolicy(template, role).isAllowed('events:PutEvents', busArn, context);
    // A Deny applies where the same statement as an Allow would match the request.
    const denied = bus.some((st: any) => st.Effect === 'Deny' && policyOf({ Statement: [{ ...st, Effect: 'Allow' }] }).isAllowed('events:PutEvents', busArn, context));
    return identity && !denied;
  }

  test('IncidentResponse has its own bus; only producers given grantPutFindings may put events on it, an account admin included', () => {
    const { ir, template } = build(true);
    const roles = Object.keys(template.Resources).filter((id) => template.Resources[id].Type === 'AWS::IAM::Role');
    const relay = roles.find((id) => id.startsWith('Relay'))!;
    const admin = roles.find((id) => id.startsWith('Admin'))!;
    expect(mayPut(template, relay)).toBe(true);
    expect(mayPut(template, admin)).toBe(false);
    // A granted producer puts finding events and nothing else (another source, e.g. aws-looking events).
    expect(mayPut(template, relay, 'my.other.source')).toBe(false);
    expect(ir.findingsBus).toBeInstanceOf(events.EventBus);
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern?.source?.[0] === FindingEvent.SOURCE);
    expect(rules).toHaveLength(1);
    expect(resolveValue(template, rules[0].Properties.EventBusName)).toBe(resolveValue(template, { Ref: Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::Events::EventBus') }));
    const none = build(false).template;
    expect(mayPut(none, Object.keys(none.Resources).find((id) => id.startsWith('Admin') && none.Resources[id].Type === 'AWS::IAM::Role')!)).toBe(false);
  });

  test('a bus of your own: no bus or bus policy is created, the rules listen on it, grantPutFindings grants the identity policy only', () => {
    const s = new Stack(new App(), 'S', { env: env2 });
    const bus = new events.EventBus(s, 'MyBus');
    const ir = new IncidentResponse(s, 'IR', { findingClasses: [FindingClass.UNEXPECTED_DISCONNECTS], eventBus: bus });
    ir.grantPutFindings(new iam.Role(s, 'Relay', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    const t = Template.fromStack(s);
    t.resourceCountIs('AWS::Events::EventBus', 1);
    t.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    t.hasResourceProperties('AWS::Events::Rule', { EventBusName: { Ref: Match.stringLikeRegexp('^MyBus') } });
    t.hasResourceProperties('AWS::IAM::Policy', { Roles: [{ Ref: Match.stringLikeRegexp('^Relay') }], PolicyDocument: { Statement: [Match.objectLike({ Action: 'events:PutEvents' })] } });
    expect(ir.findingsBus).toBe(bus);
  });

  test('grantPutFindings refuses a principal the bus policy cannot name; FINDING_EVENT is FindingEvent', () => {
    const s = new Stack(new App(), 'S', { env: env2 });
    const ir = new IncidentResponse(s, 'IR', { findingClasses: [FindingClass.UNEXPECTED_DISCONNECTS] });
    expect(() => ir.grantPutFindings(new iam.ServicePrincipal('iot.amazonaws.com'))).toThrow(/^S\/IR: grantPutFindings: the findings bus admits IAM roles and users by ARN/);
    expect(FINDING_EVENT).toEqual({ source: FindingEvent.SOURCE, detailType: FindingEvent.DETAIL_TYPE });
  });
});

describe('trust and grants', () => {
  const s = new Stack(new App(), 'S', { env: { account: TEST_ENV.account, region: TEST_ENV.region } });
  new IncidentResponse(s, 'IR');
  const t = Template.fromStack(s).toJSON() as CfnTemplate;
  const roleIdOf = (arn: unknown) => (arn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  // A trust policy names no resource: read as one on `*` (test/runtime/iam.ts reads identity and resource policies).
  const trust = (roleId: string) => policyOf({
    Statement: (resolveValue(t, t.Resources[roleId].Properties.AssumeRolePolicyDocument) as { Statement: object[] }).Statement.map((st) => ({ Resource: '*', ...st })),
  });
  const actions = Object.values(t.Resources).filter((r) => r.Type === 'AWS::IoT::MitigationAction');

  test('each mitigation action\'s role can be assumed for that action only (aws:SourceArn, aws:SourceAccount)', () => {
    expect(actions).toHaveLength(4);
    const arns = actions.map((a) => `arn:aws:iot:${TEST_ENV.region}:${TEST_ENV.account}:mitigationaction/${a.Properties.ActionName}`);
    for (const [i, a] of actions.entries()) {
      expect(a.Properties.ActionName).toMatch(/^[a-zA-Z0-9_-]{1,128}$/);
      const role = roleIdOf(a.Properties.RoleArn);
      for (const [j, arn] of arns.entries()) {
        expect(trust(role).isAllowed('sts:AssumeRole', '*', { 'aws:SourceArn': arn, 'aws:SourceAccount': TEST_ENV.account })).toBe(i === j);
      }
      expect(trust(role).isAllowed('sts:AssumeRole', '*', {})).toBe(false);
    }
  });

  test('the IoT logging role and the EventBridge role are bound to this account\'s IoT and rules; the log delivery service to this account\'s logs', () => {
    const logging = roleIdOf(actions.find((a) => a.Properties.ActionParams.EnableIoTLoggingParams)!.Properties.ActionParams.EnableIoTLoggingParams.RoleArnForLogging);
    const here = { 'aws:SourceArn': `arn:aws:iot:${TEST_ENV.region}:${TEST_ENV.account}:*`, 'aws:SourceAccount': TEST_ENV.account };
    expect(trust(logging).isAllowed('sts:AssumeRole', '*', here)).toBe(true);
    expect(trust(logging).isAllowed('sts:AssumeRole', '*', { 'aws:SourceArn': 'arn:aws:iot:eu-west-1:444455556666:*', 'aws:SourceAccount': '444455556666' })).toBe(false);
    const events = Object.keys(t.Resources).find((id) => id.startsWith('IREventsRole') && t.Resources[id].Type === 'AWS::IAM::Role')!;
    expect(trust(events).isAllowed('sts:AssumeRole', '*', { 'aws:SourceArn': `arn:aws:events:${TEST_ENV.region}:${TEST_ENV.account}:rule/IRFindingsBus/x`, 'aws:SourceAccount': TEST_ENV.account })).toBe(true);
    expect(trust(events).isAllowed('sts:AssumeRole', '*', { 'aws:SourceArn': 'arn:aws:events:eu-west-1:444455556666:rule/x', 'aws:SourceAccount': '444455556666' })).toBe(false);
    const key = Object.values(t.Resources).find((r) => r.Type === 'AWS::KMS::Key')!;
    const delivery = (resolveValue(t, key.Properties.KeyPolicy) as { Statement: any[] }).Statement.filter((st) => st.Principal?.Service === 'delivery.logs.amazonaws.com');
    expect(delivery.length).toBeGreaterThan(0);
    for (const st of delivery.map((x) => ({ Resource: '*', ...x }))) {
      expect(policyOf({ Statement: [st] }).isAllowed('kms:Decrypt', '*', { 'aws:SourceAccount': TEST_ENV.account, 'aws:SourceArn': `arn:aws:logs:${TEST_ENV.region}:${TEST_ENV.account}:delivery-source:x` })).toBe(true);
      expect(policyOf({ Statement: [st] }).isAllowed('kms:Decrypt', '*', { 'aws:SourceAccount': '444455556666', 'aws:SourceArn': 'arn:aws:logs:eu-west-1:444455556666:delivery-source:x' })).toBe(false);
    }
  });

  test('the quarantine policy\'s attachment is granted on its target, the thing group, and on nothing else', () => {
    const [id, attach] = Object.entries(t.Resources).find(([, r]) => r.Type === 'Custom::AWS')!;
    const create = JSON.parse(resolveValue(t, attach.Properties.Create) as string);
    const policy = Object.values(t.Resources).find((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.PolicyDocument).includes('iot:AttachPolicy'))!;
    const statements = (resolveValue(t, policy.Properties.PolicyDocument) as { Statement: { Action: string[]; Resource: string | string[] }[] }).Statement;
    expect(statements.flatMap((st) => ([] as string[]).concat(st.Resource))).toEqual([create.parameters.target]);
    const role = (resolveValue(t, policy.Properties.Roles) as string[])[0];
    const roleId = Object.keys(t.Resources).find((r) => t.Resources[r].Type === 'AWS::IAM::Role' && resolveValue(t, { Ref: r }) === role)!;
    for (const action of ['attachPolicy', 'detachPolicy']) {
      const target = callTarget('iot', action, create.parameters);
      expect(principalPolicy(t, roleId).isAllowed(target.iamAction, target.resources[0])).toBe(true);
    }
    expect(id).toMatch(/AttachQuarantinePolicy/);
  });

  test('each mitigation action\'s role allows the calls Device Defender makes for it, on the resources they touch', () => {
    const calls: { [kind: string]: [string, string, Record<string, unknown>][] } = {
      AddThingsToThingGroupParams: [['iot', 'listPrincipalThings', { principal: `arn:aws:iot:${TEST_ENV.region}:${TEST_ENV.account}:cert/${'a'.repeat(64)}` }],
        ['iot', 'addThingToThingGroup', { thingName: 'bulb-1', thingGroupName: '' }]],
      UpdateDeviceCertificateParams: [['iot', 'updateCertificate', { certificateId: 'a'.repeat(64), newStatus: 'INACTIVE' }]],
      EnableIoTLoggingParams: [['iot', 'setV2LoggingOptions', {}]],
    };
    for (const a of actions) {
      const [kind] = Object.keys(a.Properties.ActionParams);
      const policy = principalPolicy(t, roleIdOf(a.Properties.RoleArn));
      for (const [service, action, params] of calls[kind] ?? []) {
        if (action === 'addThingToThingGroup') params.thingGroupName = resolveValue(t, a.Properties.ActionParams[kind].ThingGroupNames[0]);
        const target = callTarget(service, action, params);
        for (const arn of target.resources) expect(policy.explain(target.iamAction, arn)).toMatch(/: ALLOWED/);
      }
    }
  });
});

test('grantApprove leaves no finding on the user\'s role, and lets it invoke the decision function and its URL', () => {
  const app = newValidatedApp();
  const s = new Stack(app, 'S', { env: { account: TEST_ENV.account, region: TEST_ENV.region } });
  const ir = new IncidentResponse(s, 'IR', { findingClasses: [FindingClass.UNEXPECTED_DISCONNECTS] });
  const onCall = new iam.Role(s, 'OnCall', { assumedBy: new iam.AccountRootPrincipal() });
  ir.grantApprove(onCall);
  ir.grantReturnToBaseline(onCall);
  expect(validationFindings(app)).toEqual([]);
  const t = Template.fromStack(s).toJSON() as CfnTemplate;
  const role = Object.keys(t.Resources).find((id) => id.startsWith('OnCall') && t.Resources[id].Type === 'AWS::IAM::Role')!;
  const fn = arnOf(t, Object.keys(t.Resources).find((id) => id.startsWith('IRApprovalDecision') && t.Resources[id].Type === 'AWS::Lambda::Function')!);
  expect(principalPolicy(t, role).isAllowed('lambda:InvokeFunctionUrl', fn)).toBe(true);
  expect(principalPolicy(t, role).isAllowed('lambda:InvokeFunction', fn)).toBe(true);
});

describe('alarm-started playbooks and findingClass rules', () => {
  const NO_AUDIT_CHECK = [FindingClass.AUTHENTICATION_FAILURE_SPIKE, FindingClass.UNEXPECTED_DISCONNECTS, FindingClass.FAILED_FIRMWARE_ROLLOUT];
  const rulesOf = (s: Stack) => Object.entries(Template.fromStack(s).findResources('AWS::Events::Rule')).map(([id, r]) => ({ id, ...r.Properties }));
  /** The findingClass-only rules: those on finding events with no audit check in their pattern. */
  const classOnly = (s: Stack) => rulesOf(s).filter((r) => r.EventPattern?.source?.[0] === FindingEvent.SOURCE && !r.EventPattern.detail.$or)
    .map((r) => r.EventPattern.detail.findingClass[0]).sort();

  test('alarmNamePrefix: one prefix per class, the same in the core (FindingEvent) for the constructs that name alarms', () => {
    expect(IncidentResponse.alarmNamePrefix(FindingClass.AUTHENTICATION_FAILURE_SPIKE)).toBe('cdk-secure-iot-authentication-failure-spike-');
    expect(IncidentResponse.alarmNamePrefix(FindingClass.UNEXPECTED_DISCONNECTS)).toBe('cdk-secure-iot-unexpected-disconnects-');
    expect(IncidentResponse.alarmNamePrefix(FindingClass.FAILED_FIRMWARE_ROLLOUT)).toBe('cdk-secure-iot-failed-firmware-rollout-');
    for (const c of Object.values(FindingClass)) expect(FindingEvent.alarmNamePrefix(c)).toBe(IncidentResponse.alarmNamePrefix(c));
    // No prefix is the start of another: an alarm starts one playbook only.
    const prefixes = Object.values(FindingClass).map((c) => IncidentResponse.alarmNamePrefix(c));
    expect(prefixes.filter((p) => prefixes.some((q) => q !== p && q.startsWith(p)))).toEqual([]);
    expect(() => IncidentResponse.alarmNamePrefix('DDOS' as FindingClass)).toThrow(/FindingEvent.alarmNamePrefix: "DDOS" is no FindingClass; known classes: OVERLY_PERMISSIVE_POLICY/);
  });

  test('each class no audit check feeds is started, on the default bus, by the ALARM state of any alarm named with its prefix; the input names no device', () => {
    const s = stack();
    new IncidentResponse(s, 'IR');
    const named = rulesOf(s).filter((r) => r.EventPattern?.source?.[0] === 'aws.cloudwatch');
    expect(named.map((r) => r.EventPattern.detail.alarmName[0].prefix).sort()).toEqual(NO_AUDIT_CHECK.map((c) => IncidentResponse.alarmNamePrefix(c)).sort());
    for (const rule of named) {
      const findingClass = NO_AUDIT_CHECK.find((c) => rule.EventPattern.detail.alarmName[0].prefix === IncidentResponse.alarmNamePrefix(c))!;
      // CloudWatch puts alarm state changes on the default bus only.
      expect(rule.EventBusName).toBeUndefined();
      expect(rule.EventPattern).toEqual({
        'source': ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'],
        'detail': { alarmName: [{ prefix: IncidentResponse.alarmNamePrefix(findingClass) }], state: { value: ['ALARM'] } },
      });
      expect(rule.Targets).toHaveLength(1);
      expect(rule.Targets[0].Arn).toEqual({ Ref: expect.stringMatching(`^IR${findingClass.replace(/_/g, '')}StateMachine`) });
      expect(rule.Targets[0].InputTransformer).toEqual({
        InputPathsMap: { 'source': '$.source', 'detail-alarmName': '$.detail.alarmName' },
        InputTemplate: `{"findingClass":"${findingClass}","dryRun":false,"source":<source>,"detail":{"alarmName":<detail-alarmName>}}`,
      });
    }
  });

  test('no findingClass-only rule on the own bus without a producer that may name a class; the first grantPutFindings creates them, once', () => {
    const s0 = stack();
    new IncidentResponse(s0, 'IR');
    expect(classOnly(s0)).toEqual([]);
    // The classes of audit checks keep their rule: the audit relay feeds it.
    expect(rulesOf(s0).filter((r) => r.EventPattern?.detail?.$or).map((r) => r.EventPattern.detail.$or[0].findingClass[0]).sort())
      .toEqual([FindingClass.OVERLY_PERMISSIVE_POLICY, FindingClass.SHARED_OR_REVOKED_CERTIFICATE]);
    const s = stack();
    const ir = new IncidentResponse(s, 'IR');
    ir.grantPutFindings(new iam.Role(s, 'Producer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    ir.grantPutFindings(new iam.Role(s, 'Producer2', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    expect(classOnly(s)).toEqual([...NO_AUDIT_CHECK].sort());
    for (const r of rulesOf(s).filter((x) => x.EventPattern?.source?.[0] === FindingEvent.SOURCE)) {
      expect(r.EventBusName).toEqual({ Ref: expect.stringMatching(/^IRFindingsBus/) });
    }
  });

  test('a refused grant creates no rule; the audit relay\'s admission (AccountBaseline) creates none; a bus of your own has them from the start', () => {
    const s = stack();
    const ir = new IncidentResponse(s, 'IR');
    expect(() => ir.grantPutFindings(new iam.ServicePrincipal('iot.amazonaws.com'))).toThrow(/grantPutFindings/);
    ir._grantPutAuditFindings(new iam.Role(s, 'Relay', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    expect(classOnly(s)).toEqual([]);
    const s2 = stack();
    new IncidentResponse(s2, 'IR', { eventBus: new events.EventBus(s2, 'Bus') });
    expect(classOnly(s2)).toEqual([...NO_AUDIT_CHECK].sort());
  });

  test('alarmTriggers still start their playbook, with the same input as an alarm named for it', () => {
    const s = stack();
    const alarm = cloudwatch.Alarm.fromAlarmArn(s, 'A', 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:mine');
    new IncidentResponse(s, 'IR', { findingClasses: [FindingClass.UNEXPECTED_DISCONNECTS], alarmTriggers: [{ alarm, findingClass: FindingClass.UNEXPECTED_DISCONNECTS }] });
    const rules = rulesOf(s).filter((r) => r.EventPattern?.source?.[0] === 'aws.cloudwatch');
    expect(rules).toHaveLength(2);
    expect(rules.find((r) => r.EventPattern.resources)!.EventPattern.resources).toEqual(['arn:aws:cloudwatch:eu-west-1:111122223333:alarm:mine']);
    expect(new Set(rules.map((r) => JSON.stringify(r.Targets[0].InputTransformer))).size).toBe(1);
  });
});
