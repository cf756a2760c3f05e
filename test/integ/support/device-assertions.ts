import { Aws, Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsApiCall, ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';

/** A certificate's ARN in the account and region the test runs in. */
export const certificateArn = (certificateId: string) => `arn:${Aws.PARTITION}:iot:${Aws.REGION}:${Aws.ACCOUNT_ID}:cert/${certificateId}`;

/**
 * Invokes a test function once (no retries: the device's actions are not idempotent) and asserts
 * one field of its JSON answer; `outputs` are fields later calls read (`call.getAttString('Payload.<field>')`).
 */
export function invokeOnce(integ: IntegTest, fn: lambda.IFunction, payload: object, assertField: string, expected: ExpectedResult, outputs: string[] = []): IApiCall {
  const call = integ.assertions.invokeFunction({ functionName: fn.functionName, payload: JSON.stringify(payload) });
  for (const o of outputs) call.getAttString(`Payload.${o}`);
  call.assertAtPath(`Payload.${assertField}`, expected);
  return call;
}

/**
 * Invokes the test device's `connect` action (idempotent, so it may be retried) and expects whether
 * AWS IoT let it connect. Not connecting must be AWS IoT refusing it (`refused`: the broker refused
 * or closed the connection), not a timeout or a network error here: those are retried.
 */
export function deviceConnects(integ: IntegTest, device: lambda.IFunction, certificate: 'current' | 'previous', connected: boolean, certificateId: string, totalTimeout: Duration): IApiCall {
  const answer = connected ? { connected, certificateId } : { connected, refused: true, certificateId };
  return waitFor(integ.assertions.invokeFunction({ functionName: device.functionName, payload: JSON.stringify({ action: 'connect', certificate }) }),
    ExpectedResult.objectLike({ Payload: Match.serializedJson(Match.objectLike(answer)) }), totalTimeout);
}

/**
 * Waits until the registry probe (TestFleet.addProbe) counts `count` of what `probe` asks for: a
 * certificate's policies or a thing's principals. An empty list is asserted through it, not an
 * awsApiCall: the SDK models these lists as optional, and objectLike fails on a missing key.
 */
export function probeCounts(integ: IntegTest, probe: lambda.IFunction, request: { action: 'attachedPolicies'; target: string } | { action: 'thingPrincipals'; thingName: string },
  count: number, totalTimeout: Duration): IApiCall {
  return waitFor(integ.assertions.invokeFunction({ functionName: probe.functionName, payload: JSON.stringify(request) }),
    ExpectedResult.objectLike({ Payload: Match.serializedJson(Match.objectLike({ count })) }), totalTimeout);
}

/**
 * Waits for `call` to match: AWS IoT's registry, detaches and Step Functions are eventually
 * consistent. Each call's provider gets `extra` (actions the framework cannot derive from the API
 * name, such as kms:Decrypt for an encrypted table).
 */
export function waitFor(call: IApiCall, expected: ExpectedResult, totalTimeout: Duration, extra: object[] = []): IApiCall {
  call.expect(expected);
  call.waitForAssertions({ totalTimeout, interval: Duration.seconds(10), backoffRate: 1 });
  for (const statement of extra) {
    call.provider.addToRolePolicy(statement);
    (call as AwsApiCall).waiterProvider?.addToRolePolicy(statement);
  }
  return call;
}

/**
 * ListThingPrincipalsV2: the API reference says it needs iot:ListThingPrincipals, the Service
 * Authorization Reference lists iot:ListThingPrincipalsV2 (which integ-tests grants): both are granted.
 */
export const LIST_THING_PRINCIPALS = { Effect: 'Allow', Action: ['iot:ListThingPrincipals'], Resource: ['*'] };
