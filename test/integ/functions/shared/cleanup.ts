import { IoTClient, ListAttachedPoliciesCommand, ListThingPrincipalsCommand, Policy } from '@aws-sdk/client-iot';
import { ListExecutionsCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';

/*
 * What the integration tests' functions share when they read or remove what a run made (esbuild
 * bundles it into each function that imports it).
 */

/** The name of an AWS SDK error, or '' for anything else. */
export const errorName = (e: unknown): string => (e as { name?: string } | undefined)?.name ?? '';

/** Runs `step`; ResourceNotFoundException (what was to be removed is gone already) counts as done. */
export async function alreadyGone(step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (e) {
    if (errorName(e) !== 'ResourceNotFoundException') throw e;
  }
}

/** Every principal attached to a thing, from every page; an error (the thing gone included) as AWS IoT answers it. */
export async function thingPrincipals(iot: Pick<IoTClient, 'send'>, thingName: string): Promise<string[]> {
  const principals: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await iot.send(new ListThingPrincipalsCommand({ thingName, nextToken }));
    principals.push(...(page.principals ?? []));
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  return principals;
}

/** Every policy attached to a target itself (not through its groups), from every page. */
export async function attachedPolicies(iot: Pick<IoTClient, 'send'>, target: string): Promise<Policy[]> {
  const policies: Policy[] = [];
  let marker: string | undefined;
  do {
    const page = await iot.send(new ListAttachedPoliciesCommand({ target, recursive: false, marker }));
    policies.push(...(page.policies ?? []));
    marker = page.nextMarker || undefined;
  } while (marker);
  return policies;
}

/** What `read` lists, or nothing when what it lists from is gone (ResourceNotFoundException). */
export async function unlessGone<T>(read: () => Promise<T[]>): Promise<T[]> {
  try {
    return await read();
  } catch (e) {
    if (errorName(e) === 'ResourceNotFoundException') return [];
    throw e;
  }
}

/**
 * Stops every running execution of a state machine (one may wait for an approval nobody gives, or
 * on a canary) and says how many it stopped. No error or cause is given: for an execution encrypted
 * with a customer-managed key they would be encrypted with it, which a clean-up role may not use.
 * An execution that ended between the listing and the stop, or a state machine already gone, is fine.
 */
export async function stopRunningExecutions(sfn: Pick<SFNClient, 'send'>, stateMachineArn: string): Promise<number> {
  let stopped = 0;
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', nextToken }));
    } catch (e) {
      if (errorName(e) === 'StateMachineDoesNotExist') return stopped;
      throw e;
    }
    for (const execution of page.executions ?? []) {
      try {
        await sfn.send(new StopExecutionCommand({ executionArn: execution.executionArn }));
        stopped++;
      } catch (e) {
        if (errorName(e) !== 'ExecutionDoesNotExist') throw e;
      }
    }
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  return stopped;
}

/** What the CDK Provider framework hands a fixture's onEvent (the parts fixtures read). */
export interface ProviderEvent<P> {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: P;
}

/** What a fixture's onEvent answers the Provider framework. */
export interface ProviderResponse<D> {
  readonly PhysicalResourceId: string;
  readonly Data?: D;
}
