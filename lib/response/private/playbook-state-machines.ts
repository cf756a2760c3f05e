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
import { IOT_TRANSIENT_ERRORS } from '../../core/private/iot-errors';

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
 *
 * A playbook acts only on what it verified: the event that starts it is a claim. Where the claim
 * carries a Device Defender finding ID, the finding is read from AWS IoT and its check and
 * certificate replace the claim; a certificate is acted on only once AWS IoT says which things it
 * is attached to (the thing the claim names must be one of them), and the device's criticality is
 * read from every one of those things, the most critical winning. A claim that does not hold
 * fails the execution with a named error, recorded and announced, and nothing is touched.
 * The return to baseline acts only on what the incident record holds.
 */

/** The errors an execution that refuses its input ends with (the runbooks name them). */
export const REJECTIONS = {
  findingUnreadable: 'FindingUnreadable',
  findingMismatch: 'FindingDoesNotMatchEvent',
  certificateNotAttached: 'CertificateNotAttachedToThing',
  certificateUnreadable: 'CertificateUnreadable',
  incidentNotFound: 'IncidentNotFound',
  incidentNotOpen: 'IncidentNotOpen',
  certificateNotDeactivated: 'CertificateNotDeactivatedByIncident',
  noCertificate: 'IncidentHasNoCertificate',
  badCertificateAction: 'InvalidCertificateAction',
  dryRunIncident: 'DryRunIncident',
  findingSuppressed: 'FindingSuppressed',
  findingAlreadyHandled: 'FindingAlreadyHandled',
} as const;

const S = (v: string) => tasks.DynamoAttributeValue.fromString(v);
/**
 * An optional string of the event: null when absent or empty; anything but a string becomes a
 * name no thing, certificate or finding can have, so the claim fails verification instead of
 * being taken as absent.
 */
const opt = (path: string) => `{% $exists(${path}) and ${path} != '' and ${path} != null ? ($type(${path}) = 'string' ? ${path} : '(not a string)') : null %}`;
/**
 * An AWS SDK task's result with every key's first letter in lower case: the member names of the
 * IoT API (`things`, `finding.nonCompliantResource`), whichever case the integration hands back.
 */
const normalized = '($lc := function($v) {( $type($v) = "array" ? [$map($v, $lc)] : $type($v) = "object" ? $merge([$each($v, function($x, $k) {{ $lowercase($substring($k, 0, 1)) & $substring($k, 1): $lc($x) }})]) : $v )}; $lc($states.result))';
const IOT_RETRY: sfn.RetryProps = { errors: IOT_TRANSIENT_ERRORS, maxAttempts: 3, interval: Duration.seconds(2) };

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
  extra: { [attribute: string]: string } = {}, options: { onlyFrom?: string[] } = {},
): tasks.DynamoUpdateItem {
  const names = Object.keys(extra);
  const from = options.onlyFrom ?? [];
  return tasks.DynamoUpdateItem.jsonata(scope, id, {
    ...meta,
    table,
    key: { incidentId: S('{% $incidentId %}') },
    updateExpression: ['SET #status = :status, updatedAt = :now, actions = :actions', ...names.map((n) => `${n} = :${n}`)].join(', '),
    // Never creates a record: an incident is opened by its playbook only.
    conditionExpression: from.length > 0
      ? `attribute_exists(incidentId) AND #status IN (${from.map((_, i) => `:from${i}`).join(', ')})`
      : 'attribute_exists(incidentId)',
    expressionAttributeNames: { '#status': 'status' },
    expressionAttributeValues: {
      ':status': S(status),
      ':now': S('{% $now() %}'),
      ':actions': S('{% $join($actions, "; ") %}'),
      ...Object.fromEntries(names.map((n) => [`:${n}`, S(extra[n])])),
      ...Object.fromEntries(from.map((f, i) => [`:from${i}`, S(f)])),
    },
  });
}

const ERROR = { lastError: '{% $string($states.input.error) %}' };

function notify(scope: Construct, id: string, meta: { stateName: string; comment: string }, topic: sns.ITopic, event: string, extra: object = {}): tasks.SnsPublish {
  return tasks.SnsPublish.jsonata(scope, id, {
    ...meta,
    topic,
    subject: `{% ($dryRun ? "[dry run] " : "") & "IoT incident ${event}: " & $findingClass %}`,
    message: sfn.TaskInput.fromObject({
      event,
      incidentId: '{% $incidentId %}',
      findingClass: '{% $findingClass %}',
      things: '{% $things %}',
      certificateId: '{% $certificateId %}',
      criticality: '{% $criticality %}',
      dryRun: '{% $dryRun %}',
      actions: '{% $actions %}',
      ...extra,
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

const reject = (error: string, cause: string) => ({ rejectError: error, rejectCause: cause });

/** The state machine of one playbook. */
export function playbookStateMachine(scope: Construct, playbook: Playbook, r: PlaybookResources): sfn.StateMachine {
  const m = describe(playbook.steps);
  // A criticality that is not one of the known values counts as safety-critical.
  const failClosed = JSON.stringify(r.failureModes.failClosedCriticalities);
  const known = JSON.stringify(Object.values(Criticality));
  const unknownFailsClosed = r.failureModes.modeOf(Criticality.SAFETY_CRITICAL) === FailureMode.FAIL_CLOSED;
  const rank = `function($c) { $c = "${Criticality.LOW}" ? 0 : $c = "${Criticality.MEDIUM}" ? 1 : $c = "${Criticality.HIGH}" ? 2 : $c = "${Criticality.SAFETY_CRITICAL}" ? 3 : 4 }`;
  const certArn = `{% "${iotArn(scope, 'cert/')}" & $certificateId %}`;

  const open = sfn.Pass.jsonata(scope, 'OpenIncident', {
    ...m('OpenIncident'),
    assign: {
      incidentId: '{% $states.context.Execution.Name %}',
      findingClass: playbook.findingClass,
      containment: r.containment,
      dryRun: '{% $states.input.dryRun = true %}',
      thingName: opt('$states.input.detail.thingName'),
      certificateId: opt('$states.input.detail.certificateId'),
      findingId: opt('$states.input.detail.findingId'),
      givenCriticality: opt('$states.input.detail.criticality'),
      things: [],
      criticality: 'unknown',
      approver: 'none (automatic)',
      devicePolicies: [],
      deactivated: false,
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
      subject: S('{% $thingName ? $thingName : ($certificateId ? $certificateId : "fleet") %}'),
      dryRun: S('{% $string($dryRun) %}'),
      finding: S('{% $substring($string($states.input), 0, 20000) %}'),
    },
  });
  const notifyOpened = notify(scope, 'NotifyOpened', m('NotifyOpened'), r.topic, 'OPENED', { claimedThing: '{% $thingName %}', claimedCertificate: '{% $certificateId %}' });

  // Rejections: recorded, announced, and the execution fails with the rejection's name.
  const recordRejected = record(scope, 'RecordRejected', m('RecordRejected'), r.table, 'REJECTED', { rejection: '{% $rejectError & ": " & $rejectCause %}' });
  const notifyRejected = notify(scope, 'NotifyRejected', m('NotifyRejected'), r.topic, 'REJECTED', { rejection: '{% $rejectError %}', reason: '{% $rejectCause %}' });
  const rejected = sfn.Fail.jsonata(scope, 'Rejected', { ...m('Rejected'), error: '{% $rejectError %}', cause: '{% $rejectCause %}' });
  recordRejected.next(notifyRejected).next(rejected);

  // The finding, read from AWS IoT.
  const readsFinding = sfn.Choice.jsonata(scope, 'ReadsFinding', m('ReadsFinding'));
  const readFinding = tasks.CallAwsService.jsonata(scope, 'ReadFinding', {
    ...m('ReadFinding'),
    service: 'iot',
    action: 'describeAuditFinding',
    iamAction: 'iot:DescribeAuditFinding',
    // DescribeAuditFinding supports no resource-level permission.
    iamResources: ['*'],
    parameters: { FindingId: '{% $findingId %}' },
    assign: {
      findingCheck: `{% ($f := ${normalized}.finding; $exists($f.checkName) ? $f.checkName : null) %}`,
      findingCertificate: `{% ($id := ${normalized}.finding.nonCompliantResource.resourceIdentifier.deviceCertificateId; $exists($id) ? $id : null) %}`,
      findingSuppressed: `{% ${normalized}.finding.isSuppressed = true %}`,
    },
  });
  readFinding.addRetry(IOT_RETRY);
  readFinding.addCatch(recordRejected, {
    errors: ['States.ALL'],
    assign: reject(REJECTIONS.findingUnreadable, '{% "Device Defender finding " & $findingId & " could not be read: " & $states.errorOutput.Error %}'),
  });
  const findingMatches = sfn.Choice.jsonata(scope, 'FindingMatches', m('FindingMatches'));
  const claimFinding = tasks.DynamoPutItem.jsonata(scope, 'ClaimFinding', {
    ...m('ClaimFinding'),
    table: r.table,
    item: {
      incidentId: S('{% "finding#" & $findingId %}'),
      handledBy: S('{% $incidentId %}'),
      findingClass: S(playbook.findingClass),
      status: S('FINDING_CLAIMED'),
      openedAt: S('{% $states.context.Execution.StartTime %}'),
    },
    conditionExpression: 'attribute_not_exists(incidentId)',
  });
  const useFindingFacts = sfn.Pass.jsonata(scope, 'UseFindingFacts', {
    ...m('UseFindingFacts'),
    assign: {
      certificateId: '{% $findingCertificate %}',
      thingName: '{% $findingCertificate ? $thingName : null %}',
      actions: '{% $append($actions, ["read finding " & $findingId & " (" & $findingCheck & ")"]) %}',
    },
  });
  findingMatches
    .when(sfn.Condition.jsonata(`{% $not($findingCheck in ${JSON.stringify(playbook.auditChecks)}) %}`), recordRejected, {
      assign: reject(REJECTIONS.findingMismatch, `{% "finding " & $findingId & " is a " & ($findingCheck ? $findingCheck : "unknown") & " finding, not one of this playbook's checks" %}`),
    })
    .when(sfn.Condition.jsonata('{% $certificateId != null and $certificateId != $findingCertificate %}'), recordRejected, {
      assign: reject(REJECTIONS.findingMismatch, '{% "the event names certificate " & $certificateId & " but finding " & $findingId & " names " & ($findingCertificate ? $findingCertificate : "no device certificate") %}'),
    })
    .when(sfn.Condition.jsonata('{% $findingSuppressed %}'), recordRejected, {
      assign: reject(REJECTIONS.findingSuppressed, '{% "finding " & $findingId & " is suppressed in Device Defender" %}'),
    })
    .otherwise(claimFinding);
  // The relay delivers at least once, and anyone who may publish to the audit topic can make it
  // relay an old task again: one finding opens one containment.
  claimFinding.addCatch(recordRejected, {
    errors: ['DynamoDB.ConditionalCheckFailedException'],
    assign: reject(REJECTIONS.findingAlreadyHandled, '{% "finding " & $findingId & " was already handled by another incident" %}'),
  });
  claimFinding.next(useFindingFacts);

  const namesDevice = sfn.Choice.jsonata(scope, 'NamesDevice', m('NamesDevice'));
  const awaitTriage = new sfn.Succeed(scope, 'AwaitTriage', m('AwaitTriage'));
  const dryRunCriticality = sfn.Choice.jsonata(scope, 'DryRunCriticality', m('DryRunCriticality'));
  const useGiven = sfn.Pass.jsonata(scope, 'UseGivenCriticality', {
    ...m('UseGivenCriticality'),
    assign: {
      criticality: '{% $givenCriticality ? $givenCriticality : "low" %}',
      things: '{% $thingName ? [$thingName] : [] %}',
    },
  });

  // Which things the certificate is attached to, by AWS IoT.
  const namesCertificate = sfn.Choice.jsonata(scope, 'NamesCertificate', m('NamesCertificate'));
  const useNamedThing = sfn.Pass.jsonata(scope, 'UseNamedThing', { ...m('UseNamedThing'), assign: { things: '{% [$thingName] %}' } });
  const listCertificateThings = tasks.CallAwsService.jsonata(scope, 'ListCertificateThings', {
    ...m('ListCertificateThings'),
    service: 'iot',
    action: 'listPrincipalThings',
    iamAction: 'iot:ListPrincipalThings',
    iamResources: [iotArn(scope, 'cert/*')],
    parameters: { Principal: certArn, MaxResults: 250 },
    assign: {
      attachedThings: `{% ($t := ${normalized}.things; $exists($t) ? [$t] : []) %}`,
      moreThings: `{% ($n := ${normalized}.nextToken; $exists($n) and $n != null and $n != "") %}`,
    },
  });
  listCertificateThings.addRetry(IOT_RETRY);
  listCertificateThings.addCatch(recordRejected, {
    errors: ['States.ALL'],
    assign: reject(REJECTIONS.certificateUnreadable, '{% "the things of certificate " & $certificateId & " could not be listed: " & $states.errorOutput.Error %}'),
  });
  const certificateAttached = sfn.Choice.jsonata(scope, 'CertificateAttached', m('CertificateAttached'));
  const useAttachedThings = sfn.Pass.jsonata(scope, 'UseAttachedThings', {
    ...m('UseAttachedThings'),
    assign: { things: '{% $attachedThings %}', actions: '{% $append($actions, ["certificate " & $certificateId & " is attached to " & $join($attachedThings, ", ")]) %}' },
  });
  certificateAttached
    // More things than one page: a fleet-wide incident, and the most critical of them is not known.
    .when(sfn.Condition.jsonata('{% $moreThings %}'), awaitTriage)
    .when(sfn.Condition.jsonata('{% $count($attachedThings) = 0 %}'), recordRejected, {
      assign: reject(REJECTIONS.certificateNotAttached, '{% "certificate " & $certificateId & " is attached to no thing" %}'),
    })
    .when(sfn.Condition.jsonata('{% $thingName != null and $not($thingName in $attachedThings) %}'), recordRejected, {
      assign: reject(REJECTIONS.certificateNotAttached, '{% "certificate " & $certificateId & " is not attached to thing " & $thingName & " (it is attached to " & $join($attachedThings, ", ") & ")" %}'),
    })
    .otherwise(useAttachedThings);

  // The criticality of every thing involved, from the registry: the most critical wins.
  const describeDevice = tasks.CallAwsService.jsonata(scope, 'DescribeDevice', {
    ...m('DescribeDevice'),
    service: 'iot',
    action: 'describeThing',
    iamAction: 'iot:DescribeThing',
    iamResources: [iotArn(scope, 'thing/*')],
    parameters: { ThingName: '{% $states.input %}' },
    outputs: `{% ($a := ${normalized}.attributes; $exists($a.criticality) ? $a.criticality : "unknown") %}`,
  });
  describeDevice.addRetry(IOT_RETRY);
  const unknownCriticality = sfn.Pass.jsonata(scope, 'UnknownCriticality', { ...m('UnknownCriticality'), outputs: '{% "unknown" %}' });
  describeDevice.addCatch(unknownCriticality, { errors: ['States.ALL'] });
  const describeDevices = sfn.Map.jsonata(scope, 'DescribeDevices', {
    ...m('DescribeDevices'),
    items: sfn.ProvideItems.jsonata('{% $things %}'),
    maxConcurrency: 5,
    assign: { criticality: `{% ($rank := ${rank}; $sort($states.result, function($a, $b) { $rank($a) < $rank($b) })[0]) %}` },
  }).itemProcessor(describeDevice);

  const needsApproval = sfn.Choice.jsonata(scope, 'NeedsApproval', m('NeedsApproval'));
  const requestApproval = tasks.LambdaInvoke.jsonata(scope, 'RequestApproval', {
    ...m('RequestApproval'),
    lambdaFunction: r.approvalFunction,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    taskTimeout: sfn.Timeout.duration(r.approvalTimeout),
    // What the approver sees is what the playbook verified, not what the event said.
    payload: sfn.TaskInput.fromObject({
      taskToken: '{% $states.context.Task.Token %}',
      incidentId: '{% $incidentId %}',
      findingClass: '{% $findingClass %}',
      thingName: '{% $join($things, ", ") %}',
      thingNames: '{% $things %}',
      certificateId: '{% $certificateId %}',
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
    assign: { actions: `{% $append($actions, ["would add " & $join($things, ", ") & " to ${r.quarantineGroupName}"]) %}` },
  });
  const quarantineThing = tasks.CallAwsService.jsonata(scope, 'QuarantineThing', {
    ...m('QuarantineThing'),
    service: 'iot',
    action: 'addThingToThingGroup',
    iamAction: 'iot:AddThingToThingGroup',
    iamResources: [r.quarantineGroupArn, iotArn(scope, 'thing/*')],
    parameters: { ThingName: '{% $states.input %}', ThingGroupName: r.quarantineGroupName, OverrideDynamicGroups: true },
  });
  quarantineThing.addRetry(IOT_RETRY);
  const quarantine = sfn.Map.jsonata(scope, 'Quarantine', {
    ...m('Quarantine'),
    items: sfn.ProvideItems.jsonata('{% $things %}'),
    maxConcurrency: 1,
    assign: { actions: '{% $append($actions, ["added " & $join($things, ", ") & " to the quarantine group"]) %}' },
  }).itemProcessor(quarantineThing);

  const recordContained = record(scope, 'RecordContained', m('RecordContained'), r.table, 'CONTAINED', {
    approver: '{% $approver %}',
    quarantinedThings: '{% $dryRun ? "" : $join($things, ",") %}',
    detachedPolicies: '{% $join($devicePolicies, ",") %}',
    certificateId: '{% $certificateId ? $certificateId : "" %}',
    certificateDeactivated: '{% $string($deactivated) %}',
    criticality: '{% $criticality %}',
  });
  const notifyContained = notify(scope, 'NotifyContained', m('NotifyContained'), r.topic, 'CONTAINED');
  const contained = new sfn.Succeed(scope, 'Contained', m('Contained'));
  const recordFailed = record(scope, 'RecordFailed', m('RecordFailed'), r.table, 'FAILED', ERROR);
  const notifyFailed = notify(scope, 'NotifyFailed', m('NotifyFailed'), r.topic, 'CONTAINMENT_FAILED');
  const failed = sfn.Fail.jsonata(scope, 'ContainmentFailed', { ...m('ContainmentFailed'), error: 'ContainmentFailed', cause: 'A containment call failed; see the incident record.' });
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
      assign: { deactivated: true, actions: '{% $append($actions, ["set certificate " & $certificateId & " INACTIVE"]) %}' },
    });
    deactivate.addRetry(IOT_RETRY);
    deactivate.addCatch(recordFailed, catchAll);
    mayDisconnect
      .when(sfn.Condition.jsonata(`{% $certificateId != null and ($criticality in ${failClosed} or (${unknownFailsClosed} and $not($criticality in ${known}))) %}`), deactivateOrSimulate
        .when(sfn.Condition.jsonata('{% $dryRun %}'), simulateDeactivation.next(close))
        .otherwise(deactivate.next(close)))
      .otherwise(keepConnected.next(close));
    afterQuarantine = mayDisconnect;
  }
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
    // ListAttachedPolicies supports no resource-level permission.
    iamResources: ['*'],
    parameters: { Target: certArn, PageSize: 250 },
    assign: {
      devicePolicies: `{% ($p := ${normalized}.policies; $exists($p) ? [$p.policyName] : []) %}`,
    },
  });
  listPolicies.addRetry(IOT_RETRY);
  const detachPolicy = tasks.CallAwsService.jsonata(scope, 'DetachPolicy', {
    ...m('DetachPolicy'),
    service: 'iot',
    action: 'detachPolicy',
    iamAction: 'iot:DetachPolicy',
    // Authorized on the target (the certificate), not on the policy.
    iamResources: [iotArn(scope, 'cert/*')],
    parameters: { PolicyName: '{% $states.input %}', Target: certArn },
  });
  detachPolicy.addRetry(IOT_RETRY);
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
  describeDevices.next(needsApproval);
  useGiven.next(needsApproval);
  useNamedThing.next(describeDevices);
  useAttachedThings.next(describeDevices);
  listCertificateThings.next(certificateAttached);
  namesCertificate
    .when(sfn.Condition.jsonata('{% $certificateId != null %}'), listCertificateThings)
    .otherwise(useNamedThing);
  dryRunCriticality
    .when(sfn.Condition.jsonata('{% $dryRun %}'), useGiven)
    .otherwise(namesCertificate);
  namesDevice
    .when(sfn.Condition.jsonata('{% $certificateId != null or $thingName != null %}'), dryRunCriticality)
    .otherwise(awaitTriage);
  useFindingFacts.next(namesDevice);
  readFinding.next(findingMatches);
  readsFinding
    .when(sfn.Condition.jsonata('{% $findingId != null and $not($dryRun) %}'), readFinding)
    .otherwise(namesDevice);

  const definition = open.next(recordOpened).next(notifyOpened).next(readsFinding);
  return machine(scope, 'StateMachine', definition, r, r.approvalTimeout.plus(Duration.hours(1)),
    `cdk-secure-iot playbook: ${playbook.title} (${playbook.findingClass})`);
}

/** The state machine that takes a device out of quarantine and closes its incident. */
export function returnToBaselineStateMachine(scope: Construct, r: PlaybookResources): sfn.StateMachine {
  const m = describe(RETURN_TO_BASELINE_STEPS);
  const certArn = `{% "${iotArn(scope, 'cert/')}" & $certificateId %}`;
  const start = sfn.Pass.jsonata(scope, 'StartReturn', {
    ...m('StartReturn'),
    assign: {
      incidentId: '{% $type($states.input.incidentId) = "string" ? $states.input.incidentId : "" %}',
      findingClass: 'RETURN_TO_BASELINE',
      certificateAction: '{% $exists($states.input.certificateAction) ? $states.input.certificateAction : "NONE" %}',
      dryRun: '{% $states.input.dryRun = true %}',
      criticality: 'n/a',
      things: [],
      certificateId: null,
      devicePolicies: [],
      actions: [],
    },
  });
  const readIncident = tasks.DynamoGetItem.jsonata(scope, 'ReadIncident', {
    ...m('ReadIncident'),
    table: r.table,
    key: { incidentId: S('{% $incidentId = "" ? "-" : $incidentId %}') },
    consistentRead: true,
    assign: { incident: '{% $exists($states.result.Item) ? $states.result.Item : null %}' },
  });
  const notifyRejected = notify(scope, 'NotifyReturnRejected', m('NotifyReturnRejected'), r.topic, 'RETURN_REJECTED', { rejection: '{% $rejectError %}', reason: '{% $rejectCause %}' });
  const rejected = sfn.Fail.jsonata(scope, 'ReturnRejected', { ...m('ReturnRejected'), error: '{% $rejectError %}', cause: '{% $rejectCause %}' });
  notifyRejected.next(rejected);
  const checkIncident = sfn.Choice.jsonata(scope, 'CheckIncident', m('CheckIncident'));
  const useIncidentFacts = sfn.Pass.jsonata(scope, 'UseIncidentFacts', {
    ...m('UseIncidentFacts'),
    assign: {
      things: '{% ($t := $incident.quarantinedThings.S; $t ? [$split($t, ",")] : []) %}',
      certificateId: '{% ($c := $incident.certificateId.S; $c ? $c : null) %}',
      devicePolicies: '{% ($d := $incident.detachedPolicies.S; $d ? [$split($d, ",")] : []) %}',
      findingClass: '{% $exists($incident.findingClass.S) ? $incident.findingClass.S : "RETURN_TO_BASELINE" %}',
    },
  });
  checkIncident
    .when(sfn.Condition.jsonata('{% $not($certificateAction in ["REACTIVATE", "REVOKE", "NONE"]) %}'), notifyRejected, {
      assign: reject(REJECTIONS.badCertificateAction, '{% "certificateAction must be REACTIVATE, REVOKE or NONE, got " & $string($certificateAction) %}'),
    })
    .when(sfn.Condition.jsonata('{% $incident = null and $not($dryRun) %}'), notifyRejected, {
      assign: reject(REJECTIONS.incidentNotFound, '{% "there is no incident " & $incidentId %}'),
    })
    // A dry run's record holds the unverified device of its input: only a dry run may read it.
    .when(sfn.Condition.jsonata('{% $incident != null and $incident.dryRun.S = "true" and $not($dryRun) %}'), notifyRejected, {
      assign: reject(REJECTIONS.dryRunIncident, '{% "incident " & $incidentId & " is a dry run\'s record: nothing was done to a device, so there is nothing to return" %}'),
    })
    .when(sfn.Condition.jsonata('{% $incident != null and $not($incident.status.S in ["CONTAINED", "RETURN_FAILED"]) %}'), notifyRejected, {
      assign: reject(REJECTIONS.incidentNotOpen, '{% "incident " & $incidentId & " is " & $incident.status.S & ": only a CONTAINED incident (or one whose return failed) returns to baseline" %}'),
    })
    .when(sfn.Condition.jsonata('{% $incident != null and $certificateAction = "REACTIVATE" and $incident.certificateDeactivated.S != "true" %}'), notifyRejected, {
      assign: reject(REJECTIONS.certificateNotDeactivated, '{% "incident " & $incidentId & " did not deactivate a certificate: there is nothing to reactivate" %}'),
    })
    .when(sfn.Condition.jsonata('{% $incident != null and $certificateAction = "REVOKE" and $not($incident.certificateId.S) %}'), notifyRejected, {
      assign: reject(REJECTIONS.noCertificate, '{% "incident " & $incidentId & " holds no certificate to revoke" %}'),
    })
    .otherwise(useIncidentFacts);

  const returnOrSimulate = sfn.Choice.jsonata(scope, 'ReturnOrSimulate', m('ReturnOrSimulate'));
  const simulateReturn = sfn.Pass.jsonata(scope, 'SimulateReturn', {
    ...m('SimulateReturn'),
    assign: {
      actions: '{% $append($actions, ["would remove [" & $join($things, ",") & "] from the quarantine group", "would re-attach [" & $join($devicePolicies, ",") & "]", "would " & $certificateAction & " certificate " & ($certificateId ? $certificateId : "(none)")]) %}',
    },
  });
  // Claims the incident: the status check and the change are one conditional write, so two returns cannot both run.
  const recordReturning = record(scope, 'RecordReturning', m('RecordReturning'), r.table, 'RETURNING', {}, { onlyFrom: ['CONTAINED', 'RETURN_FAILED'] });
  recordReturning.addCatch(notifyRejected, {
    errors: ['DynamoDB.ConditionalCheckFailedException'],
    assign: reject(REJECTIONS.incidentNotOpen, '{% "incident " & $incidentId & " changed status while its return started" %}'),
  });
  const releaseThing = tasks.CallAwsService.jsonata(scope, 'ReleaseThing', {
    ...m('ReleaseThing'),
    service: 'iot',
    action: 'removeThingFromThingGroup',
    iamAction: 'iot:RemoveThingFromThingGroup',
    iamResources: [r.quarantineGroupArn, iotArn(scope, 'thing/*')],
    parameters: { ThingName: '{% $states.input %}', ThingGroupName: r.quarantineGroupName },
  });
  releaseThing.addRetry(IOT_RETRY);
  const release = sfn.Map.jsonata(scope, 'ReleaseFromQuarantine', {
    ...m('ReleaseFromQuarantine'),
    items: sfn.ProvideItems.jsonata('{% $things %}'),
    maxConcurrency: 1,
    assign: { actions: '{% $append($actions, ["removed [" & $join($things, ",") & "] from the quarantine group"]) %}' },
  }).itemProcessor(releaseThing);
  const reattachOrSkip = sfn.Choice.jsonata(scope, 'ReattachOrSkip', m('ReattachOrSkip'));
  const attachPolicy = tasks.CallAwsService.jsonata(scope, 'AttachPolicy', {
    ...m('AttachPolicy'),
    service: 'iot',
    action: 'attachPolicy',
    iamAction: 'iot:AttachPolicy',
    // Authorized on the target (the certificate), not on the policy.
    iamResources: [iotArn(scope, 'cert/*')],
    parameters: { PolicyName: '{% $states.input %}', Target: certArn },
  });
  attachPolicy.addRetry(IOT_RETRY);
  const reattachAll = sfn.Map.jsonata(scope, 'ReattachPolicies', {
    ...m('ReattachPolicies'),
    items: sfn.ProvideItems.jsonata('{% $devicePolicies %}'),
    maxConcurrency: 1,
    assign: { actions: '{% $append($actions, ["re-attached [" & $join($devicePolicies, ",") & "] to certificate " & $certificateId]) %}' },
  }).itemProcessor(attachPolicy);
  const certificateAction = sfn.Choice.jsonata(scope, 'CertificateAction', m('CertificateAction'));
  const updateCertificate = (id: string, status: string) => {
    const t = tasks.CallAwsService.jsonata(scope, id, {
      ...m(id),
      service: 'iot',
      action: 'updateCertificate',
      iamAction: 'iot:UpdateCertificate',
      iamResources: [iotArn(scope, 'cert/*')],
      parameters: { CertificateId: '{% $certificateId %}', NewStatus: status },
      assign: { actions: `{% $append($actions, ["set certificate " & $certificateId & " ${status}"]) %}` },
    });
    t.addRetry(IOT_RETRY);
    return t;
  };
  const reactivate = updateCertificate('ReactivateCertificate', 'ACTIVE');
  const revoke = updateCertificate('RevokeCertificate', 'REVOKED');
  const closeIncident = record(scope, 'CloseIncident', m('CloseIncident'), r.table, 'CLOSED', { closedWith: '{% $certificateAction %}' });
  const notifyClosed = notify(scope, 'NotifyClosed', m('NotifyClosed'), r.topic, 'CLOSED');
  const done = new sfn.Succeed(scope, 'BackToBaseline', m('BackToBaseline'));
  const recordFailed = record(scope, 'RecordReturnFailed', m('RecordReturnFailed'), r.table, 'RETURN_FAILED', ERROR);
  const failed = sfn.Fail.jsonata(scope, 'ReturnFailed', { ...m('ReturnFailed'), error: 'ReturnToBaselineFailed', cause: 'A call failed; see the incident record.' });
  const catchAll = { errors: ['States.ALL'], outputs: '{% { "error": $states.errorOutput } %}' };
  for (const t of [release, reactivate, revoke, reattachAll, closeIncident]) t.addCatch(recordFailed, catchAll);
  recordFailed.next(failed);

  const close = closeIncident.next(notifyClosed);
  certificateAction
    .when(sfn.Condition.jsonata('{% $certificateAction = "REACTIVATE" %}'), reactivate.next(close))
    .when(sfn.Condition.jsonata('{% $certificateAction = "REVOKE" %}'), revoke.next(close))
    .otherwise(close);
  // A revoked certificate gets nothing back; the new certificate has its own policies.
  reattachOrSkip
    .when(sfn.Condition.jsonata('{% $certificateId = null or $certificateAction = "REVOKE" or $count($devicePolicies) = 0 %}'), certificateAction)
    .otherwise(reattachAll.next(certificateAction));
  notifyClosed.next(done);
  returnOrSimulate
    .when(sfn.Condition.jsonata('{% $dryRun %}'), simulateReturn.next(notifyClosed))
    .otherwise(recordReturning.next(release).next(reattachOrSkip));
  const definition = start.next(readIncident).next(checkIncident);
  useIncidentFacts.next(returnOrSimulate);
  readIncident.addCatch(failed, { errors: ['States.ALL'] });
  return machine(scope, 'StateMachine', definition, r, Duration.hours(1), 'cdk-secure-iot: return a quarantined device to its baseline and close its incident');
}
