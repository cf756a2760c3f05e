import * as iot from 'aws-cdk-lib/aws-iot';
import { IoTPolicyDataPlaneScopedToThing as ID2 } from '../../lib';
import { check, checkType, COMPLIANT, includeTemplate, newStack } from './rule-test-helpers';

/*
 * A per-device policy may write its thing's name out rather than `Ref` it: a whole topic level
 * that is the literal name of a thing of the stack names that thing, as `${Thing}` does.
 */
const TOPICS = (name: string) => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'iot:Publish', Resource: `arn:aws:iot:eu-west-1:111122223333:topic/dt/${name}/*` },
    { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [`arn:aws:iot:eu-west-1:111122223333:topicfilter/cmd/${name}/+`, `arn:aws:iot:eu-west-1:111122223333:topicfilter/cmd/${name}/#`] },
  ],
});

describe('a thing of the stack named literally in a policy', () => {
  test('its name as a whole topic level scopes the policy to it', () => {
    const stack = newStack();
    new iot.CfnThing(stack, 'Thing', { thingName: 'sensor-1' });
    const policy = new iot.CfnPolicy(stack, 'Policy', { policyDocument: TOPICS('sensor-1') });
    expect(check(ID2, policy)).toEqual(COMPLIANT);
  });

  test('a name no thing of the stack has, or a longer name that starts with it, is a family of topics', () => {
    const stack = newStack();
    new iot.CfnThing(stack, 'Thing', { thingName: 'sensor-1' });
    const other = new iot.CfnPolicy(stack, 'Other', { policyDocument: TOPICS('sensor-2') });
    expect(check(ID2, other)).toEqual(expect.arrayContaining(['Resource::arn:aws:iot:eu-west-1:111122223333:topic/dt/sensor-2/*']));
    const longer = new iot.CfnPolicy(stack, 'Longer', { policyDocument: TOPICS('sensor-1x') });
    expect(check(ID2, longer)).toEqual(expect.arrayContaining(['Resource::arn:aws:iot:eu-west-1:111122223333:topic/dt/sensor-1x/*']));
  });

  test('in a plain template brought in with CfnInclude', () => {
    const stack = newStack();
    includeTemplate(stack, {
      Resources: {
        Thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'sensor-1' } },
        Policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: TOPICS('sensor-1') } },
      },
    });
    expect(checkType(ID2, stack, 'AWS::IoT::Policy')).toEqual(COMPLIANT);
  });
});
