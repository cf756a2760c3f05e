import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  DeviceInventory, DevicePolicy, FleetProvisioning, ProvisioningCertificateSource, RiskProfile, THING_NAME_VARIABLE,
} from '../../lib';
import { iamAction } from '../../lib/checks/private/iam-data';
import { analyzePolicyDocument } from '../../lib/checks/private/iot-policy-analyzer';
import { newValidatedApp, validationFindings } from '../validation';
import { arnOf, principalPolicy, TEST_ENV } from '../runtime/iam';
import type { CfnTemplate } from '../runtime/synthesized';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslModule = require('asl-validator');
const aslValidator: (definition: object) => { isValid: boolean; errorsText: () => string } = aslModule.default ?? aslModule;

function stack(app = new App()) {
  return new Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
}

function build(props: Partial<ConstructorParameters<typeof FleetProvisioning>[2]> = {}, s = stack()) {
  const fp = new FleetProvisioning(s, 'FP', { devicePolicy: props.devicePolicy ?? new DevicePolicy(s, 'P'), ...props });
  return { s, fp, t: Template.fromStack(s) };
}

const NO_FINDINGS = { wildcardActions: [], unscopedDataPlane: [], controlPlane: [], denyMqttWildcards: [], unresolved: [] };

function templateBody(t: Template) {
  const tpl = Object.values(t.findResources('AWS::IoT::ProvisioningTemplate'))[0];
  const body = tpl.Properties.TemplateBody;
  const text = typeof body === 'string' ? body : (body['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  return { tpl, body: JSON.parse(text) };
}

/** A state machine's definition with every token replaced by a placeholder string. */
function definitionOf(t: Template, idPart: string) {
  const [, sm] = Object.entries(t.findResources('AWS::StepFunctions::StateMachine')).find(([id]) => id.includes(idPart))!;
  const def = sm.Properties.DefinitionString;
  const text = typeof def === 'string' ? def : (def['Fn::Join'][1] as unknown[])
    .map((p) => (typeof p === 'string' ? p : (p as { Ref?: string }).Ref === 'AWS::Partition' ? 'aws' : 'TOKEN')).join('');
  return JSON.parse(text);
}

function statementsOf(t: Template, rolePathPart: string) {
  const [, policy] = Object.entries(t.findResources('AWS::IAM::Policy')).find(([id]) => id.includes(rolePathPart))!;
  return policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
}

describe('the provisioning template', () => {
  test('fleet provisioning, enabled, with the pre-provisioning hook, the thing named from the serial, the device policy by name', () => {
    const { t } = build({ templateName: 'sensors', thingNamePrefix: 'sensor-' });
    const { tpl, body } = templateBody(t);
    expect(tpl.Properties).toMatchObject({ TemplateName: 'sensors', TemplateType: 'FLEET_PROVISIONING', Enabled: true, PreProvisioningHook: { PayloadVersion: '2020-04-01', TargetArn: { 'Fn::GetAtt': [expect.stringMatching(/Hook/), 'Arn'] } } });
    expect(body.Resources.thing.Properties.ThingName).toEqual({ 'Fn::Join': ['', ['sensor-', { Ref: 'SerialNumber' }]] });
    expect(body.Resources.thing.Properties.AttributePayload).toEqual({ serialNumber: { Ref: 'SerialNumber' }, site: { Ref: 'Site' }, criticality: { Ref: 'Criticality' } });
    expect(body.Resources.certificate).toEqual({ Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } });
    expect(body.Resources.policy).toEqual({ Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'TOKEN' } });
    expect(analyzePolicyDocument({ Statement: [] })).toEqual(NO_FINDINGS);
  });

  test('thing type and static groups from the inventory join the template, and the role may use only those', () => {
    const s = stack();
    const inv = new DeviceInventory(s, 'Inv', { thingTypes: [{ name: 'sensor' }] });
    const { t } = build({ thingType: inv.thingTypes.sensor, thingGroups: [inv.rootGroup], deviceAttributes: ['Model'] }, s);
    const { body } = templateBody(t);
    expect(body.Resources.thing.Properties).toMatchObject({ ThingTypeName: 'TOKEN', ThingGroups: ['TOKEN'], AttributePayload: { serialNumber: { Ref: 'SerialNumber' }, model: { Ref: 'Model' } } });
    const statements = statementsOf(t, 'ProvisioningRole');
    expect(statements.find((x) => JSON.stringify(x).includes('DescribeThingType'))!.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/ThingTypesensor/), 'Arn'] });
  });

  test('the template does not grow with the fleet: devices are allow list rows, never resources', () => {
    const sizes = [1, 1_000_000].map(() => {
      const { t } = build({ templateName: 'fleet' });
      t.resourceCountIs('AWS::IoT::Thing', 0);
      t.resourceCountIs('AWS::IoT::Certificate', 0);
      t.resourceCountIs('AWS::IoT::ThingPrincipalAttachment', 0);
      return JSON.stringify(t.toJSON()).length;
    });
    expect(sizes[0]).toBe(sizes[1]);
  });
});

describe('the allow list', () => {
  test('partition key serialNumber, customer-managed key, point-in-time recovery, retained, deletion-protected', () => {
    const { t } = build();
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'serialNumber', KeyType: 'HASH' }],
        SSESpecification: { KMSMasterKeyId: Match.anyValue(), SSEEnabled: true, SSEType: 'KMS' },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
    });
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('a table given is used; one without the serialNumber partition key is rejected', () => {
    const s = stack();
    const table = new dynamodb.Table(s, 'Mine', { partitionKey: { name: 'serialNumber', type: dynamodb.AttributeType.STRING }, removalPolicy: RemovalPolicy.RETAIN });
    const { fp } = build({ allowListTable: table }, s);
    expect(fp.allowListTable).toBe(table);
    const s2 = stack();
    const wrong = new dynamodb.Table(s2, 'Wrong', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    expect(() => build({ allowListTable: wrong }, s2)).toThrow(/S\/FP: FleetProvisioning: allowListTable must have the partition key serialNumber \(String\), got id \(S\)/);
  });
});

describe('least privilege', () => {
  test('the claim policy allows only this template\'s provisioning topics, and connecting under the claim prefix', () => {
    const { t, fp } = build({ templateName: 'sensors' });
    const doc = Template.fromStack(Stack.of(fp)).findResources('AWS::IoT::Policy');
    const claim = Object.entries(doc).find(([id]) => id.includes('ClaimPolicy'))![1].Properties.PolicyDocument;
    const flat = JSON.stringify(claim);
    expect(flat).toContain('$aws/certificates/create-from-csr/json');
    expect(flat).not.toContain('$aws/certificates/create/json');
    expect(flat).toContain('$aws/provisioning-templates/sensors/provision/json');
    expect(flat).toContain(':client/provisioning-*');
    const actions = (claim.Statement as { Action: string }[]).map((x) => x.Action);
    expect(actions).toEqual(['iot:Connect', 'iot:Publish', 'iot:Subscribe', 'iot:Receive']);
    const published = (claim.Statement[1].Resource as { 'Fn::Join': [string, unknown[]] }[]).map((r) => r['Fn::Join'][1].filter((x) => typeof x === 'string').join(''));
    expect(published).toEqual([expect.stringMatching(/topic\/\$aws\/certificates\/create-from-csr\/json$/), expect.stringMatching(/topic\/\$aws\/provisioning-templates\/sensors\/provision\/json$/)]);
    expect(t).toBeDefined();
    const { t: t2 } = build({ certificateSource: ProvisioningCertificateSource.AWS_GENERATED_KEYS });
    expect(JSON.stringify(t2.findResources('AWS::IoT::Policy'))).toContain('$aws/certificates/create/json');
  });

  test('the hook may only update allow list items; IoT may invoke it only for this template', () => {
    const { t } = build({ templateName: 'sensors' });
    const hook = statementsOf(t, 'HookRole');
    expect(hook.flatMap((x) => ([] as string[]).concat(x.Action)).filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:UpdateItem']);
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { ALLOW_LIST_TABLE: Match.anyValue(), TEMPLATE_PARAMETERS: 'Site,Criticality' } } });
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'iot.amazonaws.com', SourceAccount: '111122223333',
      SourceArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iot:eu-west-1:111122223333:provisioningtemplate/sensors']] },
    });
  });

  test('revocation may list, deactivate and detach certificates and update the allow list, nothing else', () => {
    const { t } = build();
    const actions = statementsOf(t, 'Revocation').flatMap((x) => ([] as string[]).concat(x.Action)).sort();
    expect(actions.filter((a) => !a.startsWith('xray:') && !a.startsWith('kms:') && !a.startsWith('logs:'))).toEqual([
      'dynamodb:UpdateItem', 'iot:DetachPolicy', 'iot:DetachThingPrincipal', 'iot:ListThingPrincipals', 'iot:UpdateCertificate',
    ]);
    const rotation = statementsOf(t, 'Rotation').flatMap((x) => ([] as string[]).concat(x.Action)).filter((a) => a.startsWith('iot:') || a.startsWith('dynamodb:'));
    expect([...new Set(rotation)].sort()).toEqual([
      'dynamodb:UpdateItem', 'iot:AttachPolicy', 'iot:AttachThingPrincipal', 'iot:CreateCertificateFromCsr', 'iot:DescribeJob', 'iot:DescribeJobExecution',
      'iot:DescribeThing', 'iot:DetachPolicy', 'iot:DetachThingPrincipal', 'iot:UpdateCertificate',
    ]);
  });

  test('the certificate sender may publish only on the devices\' accepted topics', () => {
    const { t } = build();
    const statements = statementsOf(t, 'SendCertificateFunctionRole');
    const publish = statements.find((x) => x.Action === 'iot:Publish')!;
    expect(JSON.stringify(publish.Resource)).toContain(':topic/devices/*/cert/rotate/accepted');
    expect(statements.flatMap((x) => ([] as string[]).concat(x.Action)).filter((a) => a.startsWith('iot:'))).toEqual(['iot:Publish']);
  });

  test('grantRevoke lets a principal start the revocation state machine only', () => {
    const s = stack();
    const fp = new FleetProvisioning(s, 'FP', { devicePolicy: new DevicePolicy(s, 'P') });
    const role = new iam.Role(s, 'Responder', { assumedBy: new iam.AccountRootPrincipal() });
    fp.grantRevoke(role);
    fp.grantStartRotation(role);
    const t = Template.fromStack(s);
    const statements = statementsOf(t, 'Responder');
    expect(statements[0]).toMatchObject({ Action: 'states:StartExecution', Resource: { Ref: expect.stringMatching(/Revocation/) } });
    expect(statements[1].Action).toBe('iot:CreateJob');
  });

  test.each([
    ['a fleet with a thing prefix and no groups', { thingNamePrefix: 'sensor-', group: false }],
    ['a fleet with its own thing group', { thingNamePrefix: 'sensor-', group: true }],
  ])('grantStartRotation: %s: jobs of the rotation prefix on the fleet\'s things (and its own groups) only', (_name, o) => {
    const s = stack();
    const group = o.group ? new iot.CfnThingGroup(s, 'Sensors', { thingGroupName: 'sensors' }) : undefined;
    const fp = new FleetProvisioning(s, 'FP', { devicePolicy: new DevicePolicy(s, 'P'), thingNamePrefix: o.thingNamePrefix, ...(group ? { thingGroups: [group] } : {}) });
    const role = new iam.Role(s, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    fp.grantStartRotation(role);
    const template = Template.fromStack(s).toJSON() as CfnTemplate;
    const policy = principalPolicy(template, s.getLogicalId(role.node.defaultChild as iam.CfnRole));
    const iotArn = (r: string) => `arn:aws:iot:${TEST_ENV.region}:${TEST_ENV.account}:${r}`;
    const templateArn = arnOf(template, s.getLogicalId(fp.rotationJobTemplate));
    expect(fp.rotationJobIdPrefix).toMatch(/^rotate-[0-9a-f]{8}-$/);
    // A rotation job on one of the fleet's things: allowed.
    for (const arn of [iotArn(`job/${fp.rotationJobIdPrefix}2026-12`), iotArn('thing/sensor-SN1'), templateArn]) expect(policy.isAllowed('iot:CreateJob', arn)).toBe(true);
    // Another job ID, another fleet's thing, any other group: denied.
    for (const arn of [iotArn('job/firmware-1'), iotArn('thing/camera-1'), iotArn('thinggroup/all-devices')]) expect(policy.isAllowed('iot:CreateJob', arn)).toBe(false);
    if (group) expect(policy.isAllowed('iot:CreateJob', arnOf(template, s.getLogicalId(group)))).toBe(true);
    expect(policy.isAllowed('iot:CreateJob', iotArn('thinggroup/sensors-other'))).toBe(false);
  });

  test.each([[RiskProfile.CRITICAL_INFRASTRUCTURE, 'safety-critical'], [RiskProfile.CONSUMER, 'medium']])('the hook sets Criticality, never the device: its default comes from the risk profile (%#)', (riskProfile, expected) => {
    const s = stack();
    const fp = new FleetProvisioning(s, 'FP', { devicePolicy: new DevicePolicy(s, 'P'), riskProfile });
    const fn = Template.fromStack(s).toJSON().Resources[s.getLogicalId(fp.hookFunction.node.defaultChild as lambda.CfnFunction)];
    expect(fn.Properties.Environment.Variables).toMatchObject({ TEMPLATE_PARAMETERS: 'Site,Criticality', DEFAULT_CRITICALITY: expected });
  });

  test('every policy of the construct passes the rule pack\'s analyzer', () => {
    const { t } = build();
    for (const policy of Object.values(t.findResources('AWS::IoT::Policy'))) {
      expect(analyzePolicyDocument(policy.Properties.PolicyDocument)).toEqual(NO_FINDINGS);
    }
  });
});

describe('the certificate lifecycle', () => {
  test('both state machines are valid ASL, logged and traced', () => {
    const { t } = build();
    for (const part of ['Revocation', 'Rotation']) {
      const result = aslValidator(definitionOf(t, part));
      expect(result.errorsText()).toBe('');
      expect(result.isValid).toBe(true);
    }
    t.allResourcesProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true }, LoggingConfiguration: Match.objectLike({ Level: 'ALL' }) });
  });

  test('revocation: mark REVOKED first (an unknown serial stops there), then deactivate and detach every certificate', () => {
    const def = definitionOf(build().t, 'Revocation');
    expect(def.StartAt).toBe('SerialGiven');
    expect(def.States.SerialGiven.Default).toBe('NoSerial');
    expect(def.States.ThingName.Next).toBe('MarkRevoked');
    expect(def.States.MarkRevoked.Parameters.UpdateExpression).toBe('SET #status = :revoked, revokedAt = :at REMOVE pendingCertificateId, pendingExecution');
    expect(def.States.MarkRevoked.Catch[0]).toMatchObject({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Next: 'UnknownSerial' });
    // Every page deactivated first, then the detach rounds.
    expect(def.States.MarkRevoked.Next).toBe('ListToDeactivate');
    expect(def.States.ListToDeactivate.Next).toBe('DeactivatePage');
    expect(def.States.DeactivatePage.Next).toBe('MorePagesToDeactivate');
    expect(def.States.MorePagesToDeactivate.Choices[0]).toEqual({ Variable: '$.page.NextToken', IsPresent: true, Next: 'ListNextToDeactivate' });
    expect(def.States.MorePagesToDeactivate.Default).toBe('ListCertificates');
    expect(def.States.ListCertificates.Next).toBe('AnyCertificateLeft');
    expect(def.States.AnyCertificateLeft.Choices[0]).toEqual({ Variable: '$.found.principals[0]', IsPresent: true, Next: 'DeactivateEach' });
    // Every certificate of the page deactivated (its own Map) before any is detached.
    const deactivateEach = def.States.DeactivateEach;
    expect(deactivateEach.Next).toBe('DetachEach');
    expect(deactivateEach.ItemProcessor.StartAt).toBe('DeactivateCertificate');
    expect(deactivateEach.ItemProcessor.States.DeactivateCertificate.Parameters).toEqual({ 'CertificateId.$': "States.ArrayGetItem(States.StringSplit($.principal, '/'), 1)", NewStatus: 'INACTIVE' });
    expect(deactivateEach.ItemProcessor.States.DeactivateCertificate.End).toBe(true);
    const detachEach = def.States.DetachEach;
    expect(detachEach.ItemProcessor.StartAt).toBe('DetachDevicePolicy');
    expect(detachEach.ItemProcessor.States.DetachDevicePolicy.Next).toBe('DetachFromThing');
    expect(detachEach.Next).toBe('NextRound');
    expect(def.States.LetDetachPropagate.Next).toBe('ListCertificates');
  });

  test('rotation: asked by a rotation job, claimed in one conditional write, issued, attached exclusively, recorded, sent, retired when not confirmed', () => {
    const def = definitionOf(build().t, 'Rotation');
    const s = def.States;
    expect(s.Step.Choices.map((c: { Next: string }) => c.Next)).toEqual(['FindRotationRequest', 'RotationNotRequested', 'PromotePending']);
    expect(s.FindRotationRequest.Next).toBe('RotationRequestJob');
    expect(s.RequestedByRotationJob.Choices[0].Next).toBe('ClaimRotation');
    expect(s.ClaimRotation.Parameters.ConditionExpression).toBe('#status = :provisioned AND certificateId = :principal AND attribute_not_exists(pendingExecution) '
      + 'AND (attribute_not_exists(rotationRequest) OR rotationRequest <> :request)');
    expect(s.ClaimRotation.Catch[0]).toEqual({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Next: 'RotationRefused' });
    expect(s.IssueFromCsr.Parameters).toEqual({ 'CertificateSigningRequest.$': '$.csr', 'SetAsActive': true });
    expect(s.AttachToThingExclusively.Parameters.ThingPrincipalType).toBe('EXCLUSIVE_THING');
    expect(s.RecordPending.Parameters.ConditionExpression).toBe('#status = :provisioned AND pendingExecution = :execution');
    expect(s.CertificateToSend.Parameters).toEqual({ 'thingName.$': '$.thingName', 'certificateId.$': '$.certificate.id', 'certificatePem.$': '$.certificate.pem' });
    // The optimized integration: a function that throws fails the task (and its Catch retires the certificate).
    expect(s.SendCertificate.Resource).toMatch(/:states:::lambda:invoke$/);
    expect(s.AwaitConfirmation).toEqual({ Type: 'Wait', Seconds: 3600, Next: 'ExpireIfStillPending' });
    expect(s.ExpireIfStillPending.Parameters.ConditionExpression).toBe('pendingExecution = :execution AND pendingCertificateId = :id');
    expect(s.PromotePending.Parameters.ConditionExpression).toBe('#status = :provisioned AND pendingCertificateId = :new');
    expect(s.PromotePending.Catch[0].Next).toBe('NotThePendingCertificate');
    expect([s.OldCertificate.Next, s.DeactivateOld.Next, s.DetachOldFromPolicy.Next]).toEqual(['DeactivateOld', 'DetachOldFromPolicy', 'DetachOldFromThing']);
  });

  test('the rotation rule reads the thing from the device\'s own topic, the job template is paced, aborts and times out by profile', () => {
    const { t, fp } = build({ riskProfile: RiskProfile.CRITICAL_INFRASTRUCTURE });
    t.hasResourceProperties('AWS::IoT::TopicRule', {
      TopicRulePayload: Match.objectLike({
        Sql: "SELECT csr, jobId, topic(2) AS thingName, topic(5) AS step, principal() AS principal FROM 'devices/+/cert/rotate/+' WHERE topic(5) = 'csr' OR topic(5) = 'confirm'",
        ErrorAction: Match.objectLike({ CloudwatchLogs: Match.anyValue() }),
      }),
    });
    t.hasResourceProperties('AWS::IoT::JobTemplate', {
      AbortConfig: { CriteriaList: [{ Action: 'CANCEL', FailureType: 'FAILED', MinNumberOfExecutedThings: 10, ThresholdPercentage: 1 }] },
      TimeoutConfig: { InProgressTimeoutInMinutes: 60 },
      JobExecutionsRolloutConfig: { MaximumPerMinute: 10 },
    });
    expect(JSON.parse(fp.rotationJobDocument)).toMatchObject({ operation: 'rotate-certificate', csrTopic: 'devices/${aws:iot:thing:ThingName}/cert/rotate/csr' });
    const { t: consumer } = build({ riskProfile: RiskProfile.CONSUMER });
    consumer.hasResourceProperties('AWS::IoT::JobTemplate', { JobExecutionsRolloutConfig: { MaximumPerMinute: 1000, ExponentialRolloutRate: Match.objectLike({ BaseRatePerMinute: 50 }) } });
  });

  test('every IoT action of the lifecycle is granted on a resource type IAM authorizes it on (the pinned dataset)', () => {
    const { t } = build({ thingNamePrefix: 'sensor-' });
    const typeOf = (resource: unknown) => {
      const text = JSON.stringify(resource);
      if (resource === '*') return '*';
      const m = /:iot:[^:]*:[^:]*:([a-z]+)\//.exec(text) ?? /:iot:[^"]*",[^\]]*"([a-z]+)\//.exec(text);
      if (m) return m[1];
      const getAtt = (resource as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      const types: Record<string, string> = { 'AWS::IoT::Policy': 'policy', 'AWS::IoT::ThingGroup': 'thinggroup', 'AWS::IoT::JobTemplate': 'jobtemplate' };
      if (getAtt && types[t.toJSON().Resources[getAtt[0]]?.Type]) return types[t.toJSON().Resources[getAtt[0]].Type];
      return `unknown ${text}`;
    };
    const problems: string[] = [];
    for (const part of ['Revocation', 'Rotation']) {
      for (const st of statementsOf(t, part)) {
        for (const action of ([] as string[]).concat(st.Action).filter((a) => a.startsWith('iot:'))) {
          const facts = iamAction('iot', action.slice(4))!;
          const types = ([] as unknown[]).concat(st.Resource).map(typeOf);
          const ok = facts.wildcardOnly ? types.includes('*') : types.some((x) => facts.resourceTypes.includes(x));
          if (!ok) problems.push(`${part}: ${action} on ${types.join(', ')} (IAM authorizes it on ${facts.wildcardOnly ? '*' : facts.resourceTypes.join(', ')})`);
          // No resource in the grant that the action cannot apply to.
          for (const x of types) if (x !== '*' && !facts.resourceTypes.includes(x)) problems.push(`${part}: ${action} also on ${x}, which it never applies to`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('the rotation rule\'s role may be assumed by AWS IoT for this rule of this account only', () => {
    const { t } = build();
    const [ruleId, rule] = Object.entries(t.findResources('AWS::IoT::TopicRule'))[0];
    const ruleName = rule.Properties.RuleName as string;
    expect(ruleName).toMatch(/^[a-zA-Z0-9_]{1,128}$/);
    const roleRef = rule.Properties.TopicRulePayload.Actions[0].StepFunctions.RoleArn['Fn::GetAtt'][0];
    expect(rule.Properties.TopicRulePayload.ErrorAction.CloudwatchLogs.RoleArn['Fn::GetAtt'][0]).toBe(roleRef);
    const role = t.toJSON().Resources[roleRef];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'iot.amazonaws.com' },
      Condition: {
        StringEquals: { 'aws:SourceAccount': '111122223333' },
        ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iot:eu-west-1:111122223333:rule/${ruleName}`]] } },
      },
    }]);
    expect(ruleId).toBeDefined();
    // A deep construct path still gives a name AWS IoT accepts (at most 128 characters), unique per construct.
    const deep = stack();
    let scope: Construct = deep;
    for (let i = 0; i < 12; i++) scope = new Construct(scope, `AVeryLongConstructIdForNesting${i}`);
    new FleetProvisioning(deep, 'FP', { devicePolicy: new DevicePolicy(deep, 'P') });
    new FleetProvisioning(scope, 'FP', { devicePolicy: new DevicePolicy(scope, 'P') });
    const names = Object.values(Template.fromStack(deep).findResources('AWS::IoT::TopicRule')).map((r) => r.Properties.RuleName as string);
    expect(names).toHaveLength(2);
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9_]{1,128}$/);
    expect(new Set(names).size).toBe(2);
  });

  test('a device policy without its own tree gets just the rotation topics', () => {
    const s = stack();
    const policy = new DevicePolicy(s, 'P', { ownTopicTree: false });
    build({ devicePolicy: policy }, s);
    const flat = JSON.stringify(policy.statements.map((x) => x.toStatementJson()));
    expect(flat).toContain(`devices/${THING_NAME_VARIABLE}/cert/rotate/csr`);
    expect(flat).toContain(`devices/${THING_NAME_VARIABLE}/cert/rotate/accepted`);
  });
});

describe('your own CA through a certificate provider', () => {
  const signer = (s: Stack) => new lambda.Function(s, 'Signer', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
  test('registers the account\'s default provider for CreateCertificateFromCsr, invocable by IoT from it only', () => {
    const s = stack();
    const { t, fp } = build({ certificateProviderFunction: signer(s) }, s);
    t.hasResourceProperties('AWS::IoT::CertificateProvider', { AccountDefaultForOperations: ['CreateCertificateFromCsr'], LambdaFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Signer'), 'Arn'] } });
    t.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'iot.amazonaws.com', SourceArn: { 'Fn::GetAtt': [s.getLogicalId(fp.certificateProvider!), 'Arn'] } });
  });
  test('one per account and region; only with CSRs', () => {
    const s = stack();
    const fn = signer(s);
    build({ certificateProviderFunction: fn }, s);
    expect(() => new FleetProvisioning(s, 'FP2', { devicePolicy: new DevicePolicy(s, 'P2'), certificateProviderFunction: fn }))
      .toThrow(/S\/FP2: the default certificate provider for CreateCertificateFromCsr of account 111122223333, region eu-west-1 may be the one S\/FP \(account 111122223333, region eu-west-1\) already owns/);
    const s2 = stack();
    expect(() => build({ certificateProviderFunction: signer(s2), certificateSource: ProvisioningCertificateSource.AWS_GENERATED_KEYS }, s2))
      .toThrow(/certificateProviderFunction signs CSRs, so certificateSource must be CSR, got "AWS_GENERATED_KEYS"/);
  });
});

describe('bad input', () => {
  test.each([
    [{ templateName: 'has space' }, /templateName must be 1-36 letters, digits, '_' or '-', got "has space"/],
    [{ thingNamePrefix: 'a/b' }, /thingNamePrefix must be 0-64 letters, digits, ':', '_' or '-', got "a\/b"/],
    [{ certificateSource: 'PEM' as ProvisioningCertificateSource }, /certificateSource must be one of CSR, AWS_GENERATED_KEYS, got "PEM"/],
    [{ deviceAttributes: ['SerialNumber'] }, /deviceAttributes: each must be .*got "SerialNumber"/],
    [{ deviceAttributes: ['has-dash'] }, /deviceAttributes: each must be .*got "has-dash"/],
    [{ claimClientIdPrefix: '' }, /claimClientIdPrefix must be 1-64 letters/],
  ])('%j', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });
  test('a dynamic group cannot be a provisioning target; a missing device policy is an Error, not a TypeError', () => {
    const s = stack();
    const dyn = new iot.CfnThingGroup(s, 'Dyn', { queryString: 'thingName:x' });
    expect(() => build({ thingGroups: [dyn] }, s)).toThrow(/thingGroups must be a list of static thing groups/);
    expect(() => new FleetProvisioning(stack(), 'FP', undefined as never)).toThrow(/S\/FP: FleetProvisioning: devicePolicy must be a DevicePolicy, got undefined/);
  });
});

test('tags: every IoT resource carries the practice 2 tags, data class confidential', () => {
  const { t } = build();
  for (const type of ['AWS::IoT::ProvisioningTemplate', 'AWS::IoT::Policy', 'AWS::IoT::JobTemplate', 'AWS::IoT::TopicRule']) {
    t.allResourcesProperties(type, { Tags: Match.arrayWith([{ Key: 'criticality', Value: 'high' }, { Key: 'owner', Value: 'unassigned' }]) });
  }
  t.hasResourceProperties('AWS::IoT::ProvisioningTemplate', { Tags: Match.arrayWith([{ Key: 'data-class', Value: 'confidential' }]) });
});

const PROFILES: [string, RiskProfile | undefined][] = [['default', undefined], ...RiskProfile.PRESETS.map((p): [string, RiskProfile] => [p.name, p])];

test.each(PROFILES)('no finding from the three validators (%s)', (_name, riskProfile) => {
  const app = newValidatedApp();
  const s = new Stack(app, 'S');
  new FleetProvisioning(s, 'FP', { devicePolicy: new DevicePolicy(s, 'P', { riskProfile }), riskProfile, thingNamePrefix: 'dev-' });
  expect(validationFindings(app)).toEqual([]);
});
