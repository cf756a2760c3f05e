/*
 * The on-call approver of integ.incident-response: finds the one incident of a thing that waits
 * for approval in the incident table (a role given grantReadIncidents) and approves it through the
 * decision function, the documented `aws lambda invoke` path (a role given grantApprove).
 */
import { AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

export interface ApproveRequest {
  readonly tableName: string;
  readonly thingName: string;
  readonly decisionFunctionName: string;
}

export interface ApproveResult {
  readonly incidentId?: string;
  /** The decision function's answer (200: approved; 409: nothing pending), or 0 when nothing was sent. */
  readonly statusCode: number;
  readonly message: string;
}

/** Who the incident records as its approver (the decision function adds it to "lambda:Invoke caller"). */
export const APPROVER = 'secure-iot-integ-incident-approver';

const dynamodb = new DynamoDBClient({});
const lambda = new LambdaClient({});

/** The IDs of the incidents whose subject is the thing and whose approval is pending, every page. */
export async function pendingIncidents(tableName: string, thingName: string): Promise<string[]> {
  const ids: string[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({
      TableName: tableName,
      ConsistentRead: true,
      FilterExpression: '#subject = :thing AND approvalStatus = :pending',
      ExpressionAttributeNames: { '#subject': 'subject' },
      ExpressionAttributeValues: { ':thing': { S: thingName }, ':pending': { S: 'PENDING' } },
      ProjectionExpression: 'incidentId',
      ExclusiveStartKey: startKey,
    }));
    for (const item of page.Items ?? []) {
      if (item.incidentId?.S) ids.push(item.incidentId.S);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return ids;
}

export async function handler(request: ApproveRequest): Promise<ApproveResult> {
  const ids = await pendingIncidents(request.tableName, request.thingName);
  if (ids.length !== 1) {
    return { statusCode: 0, message: `expected one incident of ${request.thingName} waiting for approval, found ${ids.length}` };
  }
  const out = await lambda.send(new InvokeCommand({
    FunctionName: request.decisionFunctionName,
    Payload: Buffer.from(JSON.stringify({ incidentId: ids[0], decision: 'approve', approver: APPROVER, reason: 'integration test' })),
  }));
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  if (out.FunctionError) return { incidentId: ids[0], statusCode: 0, message: `the decision function failed: ${text}` };
  const answer = JSON.parse(text) as { statusCode: number; body: string };
  return { incidentId: ids[0], statusCode: answer.statusCode, message: answer.body };
}
