import { Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ContainmentMode } from '../../core/risk-profile';
import { Criticality } from '../../core/asset-tags';
import { DeviceFailureModes, FailureMode } from '../../continuity/device-failure-modes';
import { Playbook, PlaybookStep, RETURN_TO_BASELINE_STEPS } from '../playbook';

/** What every playbook state machine uses. */
export interface PlaybookResources {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly approvalFunction: lambda.IFunction;
  readonly quarantineGroupName: string;
  readonly quarantineGroupArn: string;
  readonly containment: ContainmentMode;
  readonly failureModes: DeviceFailureModes;
  readonly approvalTimeout: Duration;
  readonly encryptionKey: kms.IKey;
  readonly logGroup: logs.ILogGroup;
}

/*
 * The state machines are written in JSONata: optional fields of a finding (a thing name, a
 * certificate) read as null instead of failing the execution, and variables carry the incident
 * from state to state. Every state's name and comment come from the playbook model, so the
 * runbooks describe exactly these states.
 */

const S = (v: string) => tasks.DynamoAttributeValue.fromString(v);
const opt = (path: string) => `{% $exists(${path}) ? ${path} : null %}`;

function describe(steps: readonly PlaybookStep[]) {
  const byState = new Map(steps.map((s) => [s.state, s.description]));
  return (state: string) => {
    const description = byState.get(state);
    if (description === undefined) throw new Error(`cdk-secure-iot: state ${state} is not in the playbook model`);
    return { stateName: state, comment: description };
  };
}

function iotArn(scope: Construct, resource: string): string {
  return Stack.of(scope).formatArn({ service: 'iot', resource });
}

function record(
  scope: Construct, id: string, meta: { stateName: string; comment: string }, table: dynamodb.ITable, status: string,
  extra: { [attribute: string]: string } = {},
): tasks.DynamoUpdateItem {
  const names = Object.keys(extra);
  return tasks.DynamoUpdateItem.jsonata(scope, id, {
    ...meta,
    table,
    key: { incidentId: S('{% $incidentId %}') },
    updateExpression: ['SET #status = :status, updatedAt = :now, actions = :actions', ...names.map((n) => `${n} = :${n}`)].join(', '),
    expressionAttributeNames: { '#status': 'status' },
    expressionAttributeValues: {
      ':status': S(status),
      ':now': S('{% $now() %}'),
      ':actions': S('{% $join($actions, "; ") %}'),
      ...Object.fromEntries(names.map((n) => [`:${n}`, S(extra[n])])),
    },
  });
}

const ERROR = { lastError: '{% $string($states.input.error) %}' };

function notify(scope: Construct, id: string, meta: { stateName: string; comment: string }, topic: sns.ITopic, event: string): tasks.SnsPublish {
  return tasks.SnsPublish.jsonata(scope, id, {
    ...meta,
    topic,
    subject: `{% ($dryRun ? "[dry run] " : "") & "IoT incident ${event}: " & $findingClass %}`,
    message: sfn.TaskInput.fromObject({
      event,
      incidentId: '{% $incidentId %}',
      findingClass: '{% $findingClass %}',
      thingName: '{% $thingName %}',
      criticality: '{% $criticality %}',
      dryRun: '{% $dryRun %}',
      actions: '{% $actions %}',
    }),
  });
}

function machine(scope: Construct, id: string, definition: sfn.IChainable, r: PlaybookResources, timeout: Duration, comment: string): sfn.StateMachine {
  return new sfn.StateMachine(scope, id, {
    definitionBody: sfn.DefinitionBody.fromChainable(definition),
    queryLanguage: sfn.QueryLanguage.JSONATA,
    comment,
    timeout,
    tracingEnabled: true,
    logs: { destination: r.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(r.encryptionKey),
  });
}

/** The state machine of one playbook. */
export function playbookStateMachine(scope: Construct, playbook: Playbook, r: PlaybookResources): sfn.StateMachine {
  const m = describe(playbook.steps);
  // A criticality that is not one of the known values counts as safety-critical.
  const failClosed = JSON.stringify(r.failureModes.failClosedCriticalities);
  const known = JSON.stringify(Object.values(Criticality));
  const unknownFailsClosed = r.failureModes.modeOf(Criticality.SAFETY_CRITICAL) === FailureMode.FAIL_CLOSED;

  const open = sfn.Pass.jsonata(scope, 'OpenIncident', {
    ...m('OpenIncident'),
    assign: {
      incidentId: '{% $states.context.Execution.Name %}',
      findingClass: playbook.findingClass,
      containment: r.containment,
      dryRun: '{% $states.input.dryRun = true %}',
      thingName: opt('$states.input.detail.thingName'),
      certificateId: opt('$states.input.detail.certificateId'),
      givenCriticality: opt('$states.input.detail.criticality'),
      criticality: 'unknown',
      approver: 'none (automatic)',
      devicePolicies: [],
      actions: [],
    },
  });
  const recordOpened = tasks.DynamoPutItem.jsonata(scope, 'RecordOpened', {
    ...m('RecordOpened'),
    table: r.table,
    item: {
      incidentId: S('{% $incidentId %}'),
      findingClass: S(playbook.findingClass),
      status: S('OPEN'),
      openedAt: S('{% $states.context.Execution.StartTime %}'),
      subject: S('{% $thingName ? $thingName : "fleet" %}'),
      dryRun: S('{% $string($dryRun) %}'),
      finding: S('{% $substring($string($states.input), 0, 20000) %}'),
    },
  });
  const notifyOpened = notify(scope, 'NotifyOpened', m('NotifyOpened'), r.topic, 'OPENED');
  const namesDevice = sfn.Choice.jsonata(scope, 'NamesDevice', m('NamesDevice'));
  const awaitTriage = new sfn.Succeed(scope, 'AwaitTriage', m('AwaitTriage'));
  const dryRunCriticality = sfn.Choice.jsonata(scope, 'DryRunCriticality', m('DryRunCriticality'));
  const useGiven = sfn.Pass.jsonata(scope, 'UseGivenCriticality', {
    ...m('UseGivenCriticality'),
    assign: { criticality: '{% $givenCriticality ? $givenCriticality : "low" %}' },
  });
  const describeDevice = tasks.CallAwsService.jsonata(scope, 'DescribeDevice', {
    ...m('DescribeDevice'),
    service: 'iot',
    action: 'describeThing',
    iamAction: 'iot:DescribeThing',
    iamResources: [iotArn(scope, 'thing/*')],
    parameters: { ThingName: '{% $thingName %}' },
    assign: {
      criticality: '{% ($a := $exists($states.result.Attributes) ? $states.result.Attributes : $states.result.attributes; $exists($a.criticality) ? $a.criticality : "unknown") %}',
    },
  });
  const unknownCriticality = sfn.Pass.jsonata(scope, 'UnknownCriticality', { ...m('UnknownCriticality'), assign: { criticality: 'unknown' } });
  describeDevice.addCatch(unknownCriticality, { errors: ['States.ALL'] });

  const needsApproval = sfn.Choice.jsonata(scope, 'NeedsApproval', m('NeedsApproval'));
  const requestApproval = tasks.LambdaInvoke.jsonata(scope, 'RequestApproval', {
    ...m('RequestApproval'),
    lambdaFunction: r.approvalFunction,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    taskTimeout: sfn.Timeout.duration(r.approvalTimeout),
    payload: sfn.TaskInput.fromObject({
      taskToken: '{% $states.context.Task.Token %}',
      incidentId: '{% $incidentId %}',
      findingClass: '{% $findingClass %}',
      thingName: '{% $thingName %}',
      criticality: '{% $criticality %}',
      containment: '{% $containment %}',
      dryRun: '{% $dryRun %}',
    }),
    assign: {
      approved: '{% $states.result.approved = true %}',
      approver: '{% $exists($states.result.approver) ? $states.result.approver : "unknown" %}',
    },
  });
  const recordTimedOut = record(scope, 'RecordTimedOut', m('RecordTimedOut'), r.table, 'ESCALATED');
  const notifyTimedOut = notify(scope, 'NotifyTimedOut', m('NotifyTimedOut'), r.topic, 'APPROVAL_TIMED_OUT');
  const notContained = new sfn.Succeed(scope, 'NotContained', m('NotContained'));
  requestApproval.addCatch(recordTimedOut, { errors: ['States.Timeout'] });
  const approved = sfn.Choice.jsonata(scope, 'Approved', m('Approved'));
  const recordRefused = record(scope, 'RecordRefused', m('RecordRefused'), r.table, 'REFUSED', { approver: '{% $approver %}' });
  const notifyRefused = notify(scope, 'NotifyRefused', m('NotifyRefused'), r.topic, 'CONTAINMENT_REFUSED');

  const quarantineOrSimulate = sfn.Choice.jsonata(scope, 'QuarantineOrSimulate', m('QuarantineOrSimulate'));
  const simulateQuarantine = sfn.Pass.jsonata(scope, 'SimulateQuarantine', {
    ...m('SimulateQuarantine'),
    assign: { actions: `{% $append($actions, ["would add " & $thingName & " to ${r.quarantineGroupName}"]) %}` },
  });
  const quarantine = tasks.CallAwsService.jsonata(scope, 'Quarantine', {
    ...m('Quarantine'),
    service: 'iot',
    action: 'addThingToThingGroup',
    iamAction: 'iot:AddThingToThingGroup',
    iamResources: [r.quarantineGroupArn, iotArn(scope, 'thing/*')],
    parameters: { ThingName: '{% $thingName %}', ThingGroupName: r.quarantineGroupName, OverrideDynamicGroups: true },
    assign: { actions: '{% $append($actions, ["added " & $thingName & " to the quarantine group"]) %}' },
  });

  const recordContained = record(scope, 'RecordContained', m('RecordContained'), r.table, 'CONTAINED', {
    approver: '{% $approver %}',
    detachedPolicies: '{% $join($devicePolicies, ",") %}',
    certificateId: '{% $certificateId ? $certificateId : "" %}',
  });
  const notifyContained = notify(scope, 'NotifyContained', m('NotifyContained'), r.topic, 'CONTAINED');
  const contained = new sfn.Succeed(scope, 'Contained', m('Contained'));
  const recordFailed = record(scope, 'RecordFailed', m('RecordFailed'), r.table, 'FAILED', ERROR);
  const notifyFailed = notify(scope, 'NotifyFailed', m('NotifyFailed'), r.topic, 'CONTAINMENT_FAILED');
  const failed = new sfn.Fail(scope, 'ContainmentFailed', { ...m('ContainmentFailed'), error: 'ContainmentFailed', cause: 'A containment call failed; see the incident record.' });
  const catchAll = { errors: ['States.ALL'], outputs: '{% { "error": $states.errorOutput } %}' };
  quarantine.addCatch(recordFailed, catchAll);
  recordFailed.next(notifyFailed).next(failed);

  const close = recordContained.next(notifyContained).next(contained);
  let afterQuarantine: sfn.IChainable = close;
  if (playbook.deactivatesCertificate) {
    const mayDisconnect = sfn.Choice.jsonata(scope, 'MayDisconnect', m('MayDisconnect'));
    const keepConnected = sfn.Pass.jsonata(scope, 'KeepConnected', {
      ...m('KeepConnected'),
      assign: { actions: '{% $append($actions, ["kept the certificate active (" & $criticality & " fails open, or no certificate named)"]) %}' },
    });
    const deactivateOrSimulate = sfn.Choice.jsonata(scope, 'DeactivateOrSimulate', m('DeactivateOrSimulate'));
    const simulateDeactivation = sfn.Pass.jsonata(scope, 'SimulateDeactivation', {
      ...m('SimulateDeactivation'),
      assign: { actions: '{% $append($actions, ["would set certificate " & $certificateId & " INACTIVE"]) %}' },
    });
    const deactivate = tasks.CallAwsService.jsonata(scope, 'DeactivateCertificate', {
      ...m('DeactivateCertificate'),
      service: 'iot',
      action: 'updateCertificate',
      iamAction: 'iot:UpdateCertificate',
      iamResources: [iotArn(scope, 'cert/*')],
      parameters: { CertificateId: '{% $certificateId %}', NewStatus: 'INACTIVE' },
      assign: { actions: '{% $append($actions, ["set certificate " & $certificateId & " INACTIVE"]) %}' },
    });
    deactivate.addCatch(recordFailed, catchAll);
    mayDisconnect
      .when(sfn.Condition.jsonata(`{% $certificateId != null and ($criticality in ${failClosed} or (${unknownFailsClosed} and $not($criticality in ${known}))) %}`), deactivateOrSimulate
        .when(sfn.Condition.jsonata('{% $dryRun %}'), simulateDeactivation.next(close))
        .otherwise(deactivate.next(close)))
      .otherwise(keepConnected.next(close));
    afterQuarantine = mayDisconnect;
  }
  const certArn = `{% "${iotArn(scope, 'cert/')}" & $certificateId %}`;
  const isolateOrSimulate = sfn.Choice.jsonata(scope, 'IsolateOrSimulate', m('IsolateOrSimulate'));
  const simulateIsolation = sfn.Pass.jsonata(scope, 'SimulateIsolation', {
    ...m('SimulateIsolation'),
    assign: { actions: '{% $append($actions, ["would detach the policies of certificate " & $certificateId]) %}' },
  });
  const listPolicies = tasks.CallAwsService.jsonata(scope, 'ListDevicePolicies', {
    ...m('ListDevicePolicies'),
    service: 'iot',
    action: 'listAttachedPolicies',
    iamAction: 'iot:ListAttachedPolicies',
    iamResources: [iotArn(scope, 'cert/*')],
    parameters: { Target: certArn },
    assign: {
      devicePolicies: '{% ($p := $exists($states.result.Policies) ? $states.result.Policies : $states.result.policies; [$p.($exists(PolicyName) ? PolicyName : policyName)]) %}',
    },
  });
  const detachPolicy = tasks.CallAwsService.jsonata(scope, 'DetachPolicy', {
    ...m('DetachPolicy'),
    service: 'iot',
    action: 'detachPolicy',
    iamAction: 'iot:DetachPolicy',
    iamResources: [iotArn(scope, 'cert/*'), iotArn(scope, 'policy/*')],
    parameters: { PolicyName: '{% $states.input %}', Target: certArn },
  });
  const detachAll = sfn.Map.jsonata(scope, 'DetachDevicePolicies', {
    ...m('DetachDevicePolicies'),
    items: sfn.ProvideItems.jsonata('{% $devicePolicies %}'),
    maxConcurrency: 1,
    assign: { actions: '{% $append($actions, ["detached policies [" & $join($devicePolicies, ",") & "] from certificate " & $certificateId]) %}' },
  }).itemProcessor(detachPolicy);
  listPolicies.addCatch(recordFailed, catchAll);
  detachAll.addCatch(recordFailed, catchAll);
  isolateOrSimulate
    .when(sfn.Condition.jsonata('{% $certificateId = null %}'), afterQuarantine)
    .when(sfn.Condition.jsonata('{% $dryRun %}'), simulateIsolation.next(afterQuarantine))
    .otherwise(listPolicies.next(detachAll).next(afterQuarantine));
  quarantineOrSimulate
    .when(sfn.Condition.jsonata('{% $dryRun %}'), simulateQuarantine.next(isolateOrSimulate))
    .otherwise(quarantine.next(isolateOrSimulate));

  const contain = quarantineOrSimulate;
  approved
    .when(sfn.Condition.jsonata('{% $approved %}'), contain)
    .otherwise(recordRefused.next(notifyRefused).next(notContained));
  recordTimedOut.next(notifyTimedOut).next(notContained);
  needsApproval
    .when(sfn.Condition.jsonata("{% $containment = 'HUMAN_APPROVAL_ONLY' or ($containment = 'AUTOMATIC_WITH_APPROVAL_FOR_CRITICAL' and $not($criticality in ['low', 'medium'])) %}"),
      requestApproval.next(approved))
    .otherwise(contain);
  describeDevice.next(needsApproval);
  unknownCriticality.next(needsApproval);
  useGiven.next(needsApproval);
  dryRunCriticality
    .when(sfn.Condition.jsonata('{% $dryRun %}'), useGiven)
    .otherwise(describeDevice);
  namesDevice
    .when(sfn.Condition.jsonata('{% $thingName != null %}'), dryRunCriticality)
    .otherwise(awaitTriage);

  const definition = open.next(recordOpened).next(notifyOpened).next(namesDevice);
  return machine(scope, 'StateMachine', definition, r, r.approvalTimeout.plus(Duration.hours(1)),
    `cdk-secure-iot playbook: ${playbook.title} (${playbook.findingClass})`);
}

/** The state machine that takes a device out of quarantine and closes its incident. */
export function returnToBaselineStateMachine(scope: Construct, r: PlaybookResources): sfn.StateMachine {
  const m = describe(RETURN_TO_BASELINE_STEPS);
  const start = sfn.Pass.jsonata(scope, 'StartReturn', {
    ...m('StartReturn'),
    assign: {
      incidentId: '{% $states.input.incidentId %}',
      findingClass: 'RETURN_TO_BASELINE',
      thingName: '{% $states.input.thingName %}',
      certificateId: opt('$states.input.certificateId'),
      certificateAction: '{% $exists($states.input.certificateAction) ? $states.input.certificateAction : "NONE" %}',
      dryRun: '{% $states.input.dryRun = true %}',
      criticality: 'n/a',
      devicePolicies: [],
      actions: [],
    },
  });
  const recordReturning = record(scope, 'RecordReturning', m('RecordReturning'), r.table, 'RETURNING');
  const releaseOrSimulate = sfn.Choice.jsonata(scope, 'ReleaseOrSimulate', m('ReleaseOrSimulate'));
  const simulateRelease = sfn.Pass.jsonata(scope, 'SimulateRelease', {
    ...m('SimulateRelease'),
    assign: { actions: '{% $append($actions, ["would remove " & $thingName & " from the quarantine group"]) %}' },
  });
  const release = tasks.CallAwsService.jsonata(scope, 'ReleaseFromQuarantine', {
    ...m('ReleaseFromQuarantine'),
    service: 'iot',
    action: 'removeThingFromThingGroup',
    iamAction: 'iot:RemoveThingFromThingGroup',
    iamResources: [r.quarantineGroupArn, iotArn(scope, 'thing/*')],
    parameters: { ThingName: '{% $thingName %}', ThingGroupName: r.quarantineGroupName },
    assign: { actions: '{% $append($actions, ["removed " & $thingName & " from the quarantine group"]) %}' },
  });
  const certArn = `{% "${iotArn(scope, 'cert/')}" & $certificateId %}`;
  const readIncident = tasks.DynamoGetItem.jsonata(scope, 'ReadIncident', {
    ...m('ReadIncident'),
    table: r.table,
    key: { incidentId: S('{% $incidentId %}') },
    consistentRead: true,
    assign: {
      devicePolicies: '{% ($d := $states.result.Item.detachedPolicies.S; $d ? $split($d, ",") : []) %}',
    },
  });
  const reattachOrSimulate = sfn.Choice.jsonata(scope, 'ReattachOrSimulate', m('ReattachOrSimulate'));
  const simulateReattach = sfn.Pass.jsonata(scope, 'SimulateReattach', {
    ...m('SimulateReattach'),
    assign: { actions: '{% $append($actions, ["would re-attach [" & $join($devicePolicies, ",") & "]"]) %}' },
  });
  const attachPolicy = tasks.CallAwsService.jsonata(scope, 'AttachPolicy', {
    ...m('AttachPolicy'),
    service: 'iot',
    action: 'attachPolicy',
    iamAction: 'iot:AttachPolicy',
    iamResources: [iotArn(scope, 'cert/*'), iotArn(scope, 'policy/*')],
    parameters: { PolicyName: '{% $states.input %}', Target: certArn },
  });
  const reattachAll = sfn.Map.jsonata(scope, 'ReattachPolicies', {
    ...m('ReattachPolicies'),
    items: sfn.ProvideItems.jsonata('{% $devicePolicies %}'),
    maxConcurrency: 1,
    assign: { actions: '{% $append($actions, ["re-attached [" & $join($devicePolicies, ",") & "] to certificate " & $certificateId]) %}' },
  }).itemProcessor(attachPolicy);
  const certificateAction = sfn.Choice.jsonata(scope, 'CertificateAction', m('CertificateAction'));
  const simulateCertificate = sfn.Pass.jsonata(scope, 'SimulateCertificateAction', {
    ...m('SimulateCertificateAction'),
    assign: { actions: '{% $append($actions, ["would " & $certificateAction & " certificate " & $certificateId]) %}' },
  });
  const updateCertificate = (id: string, status: string) => tasks.CallAwsService.jsonata(scope, id, {
    ...m(id),
    service: 'iot',
    action: 'updateCertificate',
    iamAction: 'iot:UpdateCertificate',
    iamResources: [iotArn(scope, 'cert/*')],
    parameters: { CertificateId: '{% $certificateId %}', NewStatus: status },
    assign: { actions: `{% $append($actions, ["set certificate " & $certificateId & " ${status}"]) %}` },
  });
  const reactivate = updateCertificate('ReactivateCertificate', 'ACTIVE');
  const revoke = updateCertificate('RevokeCertificate', 'REVOKED');
  const closeIncident = record(scope, 'CloseIncident', m('CloseIncident'), r.table, 'CLOSED');
  const notifyClosed = notify(scope, 'NotifyClosed', m('NotifyClosed'), r.topic, 'CLOSED');
  const done = new sfn.Succeed(scope, 'BackToBaseline', m('BackToBaseline'));
  const recordFailed = record(scope, 'RecordReturnFailed', m('RecordReturnFailed'), r.table, 'RETURN_FAILED', ERROR);
  const failed = new sfn.Fail(scope, 'ReturnFailed', { ...m('ReturnFailed'), error: 'ReturnToBaselineFailed', cause: 'A call failed; see the incident record.' });
  const catchAll = { errors: ['States.ALL'], outputs: '{% { "error": $states.errorOutput } %}' };
  for (const t of [release, reactivate, revoke, readIncident, reattachAll]) t.addCatch(recordFailed, catchAll);
  recordFailed.next(failed);

  const close = closeIncident.next(notifyClosed).next(done);
  certificateAction
    .when(sfn.Condition.jsonata('{% $certificateAction != "NONE" and $certificateId != null and $dryRun %}'), simulateCertificate.next(close))
    .when(sfn.Condition.jsonata('{% $certificateAction = "REACTIVATE" and $certificateId != null %}'), reactivate.next(close))
    .when(sfn.Condition.jsonata('{% $certificateAction = "REVOKE" and $certificateId != null %}'), revoke.next(close))
    .otherwise(close);
  // A revoked certificate gets nothing back; the new certificate has its own policies.
  reattachOrSimulate
    .when(sfn.Condition.jsonata('{% $certificateId = null or $certificateAction = "REVOKE" or $count($devicePolicies) = 0 %}'), certificateAction)
    .when(sfn.Condition.jsonata('{% $dryRun %}'), simulateReattach.next(certificateAction))
    .otherwise(reattachAll.next(certificateAction));
  readIncident.next(reattachOrSimulate);
  releaseOrSimulate
    .when(sfn.Condition.jsonata('{% $dryRun %}'), simulateRelease.next(readIncident))
    .otherwise(release.next(readIncident));
  const definition = start.next(recordReturning).next(releaseOrSimulate);
  return machine(scope, 'StateMachine', definition, r, Duration.hours(1), 'cdk-secure-iot: return a quarantined device to its baseline and close its incident');
}
