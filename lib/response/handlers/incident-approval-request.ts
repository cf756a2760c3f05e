/*
 * Asks a human to approve containment. The playbook waits on a task token (waitForTaskToken):
 * this handler keeps the token on the incident record (the table is encrypted with the
 * library's key; the token never leaves AWS) and publishes the request to the incident topic,
 * with the IAM-authenticated decision URL and the equivalent CLI call. A dry run approves at
 * once, so every state of the playbook is exercised without waiting for anyone.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

/** What the playbook's RequestApproval state sends. */
export interface ApprovalRequest {
  readonly taskToken: string;
  readonly incidentId: string;
  readonly findingClass: string;
  /** The things verified as the device (joined with ", "). */
  readonly thingName: string | null;
  /** The things verified as the device: every thing the certificate is attached to. */
  readonly thingNames?: string[];
  /** The certificate verified as the device's, if any. */
  readonly certificateId?: string | null;
  /** The most critical of the things' `criticality` attributes, from the registry. */
  readonly criticality: string;
  readonly containment: string;
  readonly dryRun: boolean;
}

const dynamodb = new DynamoDBClient({});
const sfn = new SFNClient({});
const sns = new SNSClient({});

/** The approval request as people read it. */
export function approvalMessage(request: ApprovalRequest, decisionUrl: string, decisionFunction: string): string {
  const link = (decision: string) => `${decisionUrl}?incidentId=${encodeURIComponent(request.incidentId)}&decision=${decision}`;
  return [
    `Containment of IoT device ${request.thingName} waits for your decision.`,
    '',
    `Incident:     ${request.incidentId}`,
    `Finding:      ${request.findingClass}`,
    `Things:       ${(request.thingNames ?? [request.thingName]).join(', ')} (verified in the AWS IoT registry)`,
    `Certificate:  ${request.certificateId ?? 'none (no certificate is touched)'}`,
    `Criticality:  ${request.criticality} (the most critical of the things, from the registry)`,
    `Containment:  ${request.containment}`,
    '',
    'Approve (IAM-authenticated URL, sign the request with SigV4, e.g. awscurl --service lambda):',
    `  ${link('approve')}`,
    'Refuse:',
    `  ${link('refuse')}`,
    '',
    'Or with the AWS CLI:',
    `  aws lambda invoke --function-name ${decisionFunction} --cli-binary-format raw-in-base64-out --payload '{"incidentId":"${request.incidentId}","decision":"approve"}' /dev/stdout`,
    '',
    'Nothing is done to the device until someone approves; without a decision the incident escalates when the approval times out.',
  ].join('\n');
}

export async function handler(request: ApprovalRequest): Promise<{ readonly status: string }> {
  if (!request || typeof request.taskToken !== 'string' || typeof request.incidentId !== 'string') {
    throw new Error('incident-approval-request: taskToken and incidentId are required');
  }
  if (request.dryRun === true) {
    await sfn.send(new SendTaskSuccessCommand({
      taskToken: request.taskToken,
      output: JSON.stringify({ approved: true, approver: 'dry-run' }),
    }));
    return { status: 'DRY_RUN_APPROVED' };
  }
  await dynamodb.send(new UpdateItemCommand({
    TableName: process.env.TABLE_NAME,
    Key: { incidentId: { S: request.incidentId } },
    UpdateExpression: 'SET approvalToken = :token, approvalStatus = :pending, approvalRequestedAt = :now',
    ExpressionAttributeValues: {
      ':token': { S: request.taskToken },
      ':pending': { S: 'PENDING' },
      ':now': { S: new Date().toISOString() },
    },
  }));
  await sns.send(new PublishCommand({
    TopicArn: process.env.TOPIC_ARN,
    Subject: `IoT incident: approval needed (${request.findingClass})`.slice(0, 100),
    Message: approvalMessage(request, process.env.DECISION_URL ?? '', process.env.DECISION_FUNCTION ?? ''),
  }));
  return { status: 'PENDING' };
}
