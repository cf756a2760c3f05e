/*
 * The registry probe (functions/registry-probe): an absent list is an empty one, every page is
 * read, and a malformed request is an error, against an aws-sdk-client-mock double of AWS IoT.
 */
import { IoTClient, ListAttachedPoliciesCommand, ListThingPrincipalsCommand } from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from './registry-probe';

const iot = mockClient(IoTClient);
beforeEach(() => iot.reset());

test('an absent or empty list counts as none', async () => {
  iot.on(ListAttachedPoliciesCommand).resolves({});
  iot.on(ListThingPrincipalsCommand).resolves({ principals: [] });
  await expect(handler({ action: 'attachedPolicies', target: 'arn:cert' })).resolves.toEqual({ count: 0, policies: [] });
  await expect(handler({ action: 'thingPrincipals', thingName: 't' })).resolves.toEqual({ count: 0, principals: [] });
  iot.on(ListThingPrincipalsCommand).resolves({});
  await expect(handler({ action: 'thingPrincipals', thingName: 't' })).resolves.toEqual({ count: 0, principals: [] });
});

test('reads every page', async () => {
  iot.on(ListAttachedPoliciesCommand).resolvesOnce({ policies: [{ policyName: 'A' }], nextMarker: 'm' }).resolves({ policies: [{ policyName: 'B' }] });
  iot.on(ListThingPrincipalsCommand).resolvesOnce({ principals: ['p1'], nextToken: 'n' }).resolves({ principals: ['p2'] });
  await expect(handler({ action: 'attachedPolicies', target: 'arn:cert' })).resolves.toEqual({ count: 2, policies: ['A', 'B'] });
  expect(iot.commandCalls(ListAttachedPoliciesCommand).map((c) => c.args[0].input)).toEqual([
    { target: 'arn:cert', recursive: false, marker: undefined }, { target: 'arn:cert', recursive: false, marker: 'm' },
  ]);
  await expect(handler({ action: 'thingPrincipals', thingName: 't' })).resolves.toEqual({ count: 2, principals: ['p1', 'p2'] });
});

test('a malformed request is an error', async () => {
  await expect(handler({ action: 'attachedPolicies' } as never)).rejects.toThrow(/needs target/);
  await expect(handler({ action: 'thingPrincipals', thingName: '' })).rejects.toThrow(/needs thingName/);
  await expect(handler({ action: 'other' } as never)).rejects.toThrow(/unknown action "other"/);
});
