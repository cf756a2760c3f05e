/*
 * Takes a human's decision on a pending containment and hands it to the waiting playbook.
 * Reached through its IAM-authenticated function URL (the approver is the signing IAM
 * principal) or a direct invoke (the approver is in CloudTrail's Invoke event). The decision is
 * claimed with a conditional update first, so two approvers cannot both decide, and the token
 * is removed from the record once used.
 */
import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, SendTaskSuccessCommand, TaskTimedOut, InvalidToken } from '@aws-sdk/client-sfn';

/** A direct invoke. */
export interface DecisionInvoke {
  readonly incidentId?: string;
  readonly decision?: string;
  readonly reason?: string;
  readonly approver?: string;
}

/** The parts of a Lambda function URL event this handler reads. */
export interface FunctionUrlEvent {
  readonly rawQueryString?: string;
  readonly queryStringParameters?: { [key: string]: string | undefined };
  readonly requestContext?: { readonly authorizer?: { readonly iam?: { readonly userArn?: string } }; readonly http?: { readonly method?: string } };
}

/** What the caller gets back; for the function URL, an HTTP response. */
export interface DecisionResult {
  readonly statusCode: number;
  readonly body: string;
}

const dynamodb = new DynamoDBClient({});
const sfn = new SFNClient({});

function parse(event: DecisionInvoke & FunctionUrlEvent): { incidentId?: string; decision?: string; reason?: string; approver: string } {
  const q = event.queryStringParameters;
  const viaUrl = event.requestContext?.http !== undefined;
  return {
    incidentId: q?.incidentId ?? event.incidentId,
    decision: q?.decision ?? event.decision,
    reason: q?.reason ?? event.reason,
    approver: viaUrl
      ? event.requestContext?.authorizer?.iam?.userArn ?? 'unknown IAM principal'
      : `lambda:Invoke caller${event.approver ? ` (${event.approver})` : ''}`,
  };
}

const reply = (statusCode: number, message: string): DecisionResult => ({ statusCode, body: JSON.stringify({ message }) });

export async function handler(event: DecisionInvoke & FunctionUrlEvent): Promise<DecisionResult> {
  const { incidentId, decision, reason, approver } = parse(event ?? {});
  if (typeof incidentId !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(incidentId)) {
    return reply(400, `incidentId must be an execution name (letters, digits, _ and -), got ${JSON.stringify(incidentId)}`);
  }
  if (decision !== 'approve' && decision !== 'refuse') {
    return reply(400, `decision must be approve or refuse, got ${JSON.stringify(decision)}`);
  }
  let token: string | undefined;
  try {
    const claimed = await dynamodb.send(new UpdateItemCommand({
      TableName: process.env.TABLE_NAME,
      Key: { incidentId: { S: incidentId } },
      UpdateExpression: 'SET approvalStatus = :decided, approver = :approver, decidedAt = :now, decisionReason = :reason REMOVE approvalToken',
      ConditionExpression: 'approvalStatus = :pending AND attribute_exists(approvalToken)',
      ExpressionAttributeValues: {
        ':decided': { S: decision === 'approve' ? 'APPROVED' : 'REFUSED' },
        ':approver': { S: approver },
        ':now': { S: new Date().toISOString() },
        ':reason': { S: (reason ?? '').slice(0, 1000) },
        ':pending': { S: 'PENDING' },
      },
      ReturnValues: 'UPDATED_OLD',
    }));
    token = claimed.Attributes?.approvalToken?.S;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return reply(409, `incident ${incidentId} has no pending approval (already decided, timed out or unknown)`);
    throw e;
  }
  if (!token) return reply(409, `incident ${incidentId} has no pending approval`);
  try {
    await sfn.send(new SendTaskSuccessCommand({
      taskToken: token,
      output: JSON.stringify({ approved: decision === 'approve', approver, reason: reason ?? '' }),
    }));
  } catch (e) {
    if (e instanceof TaskTimedOut || e instanceof InvalidToken) {
      return reply(410, `the approval of incident ${incidentId} timed out before the decision: the incident was escalated and nothing was done`);
    }
    throw e;
  }
  return reply(200, `incident ${incidentId}: containment ${decision === 'approve' ? 'approved' : 'refused'} by ${approver}`);
}
