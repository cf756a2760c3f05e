import { App, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { describeValue, isToken } from '../../lib/core/private/describe';
import { RiskProfile } from '../../lib/core/risk-profile';

describe('describeValue', () => {
  test('shows plain data as JSON, and what JSON cannot show by name', () => {
    expect(describeValue('x')).toBe('"x"');
    expect(describeValue(80)).toBe('80');
    expect(describeValue(NaN)).toBe('NaN');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(true)).toBe('true');
    expect(describeValue(10n)).toBe('10n');
    expect(describeValue({ a: [1, 'b'] })).toBe(JSON.stringify({ a: [1, 'b'] }));
    expect(describeValue(() => 1)).toBe('a function');
  });

  test('names a construct by class and path, and never throws on circular values (JSON.stringify does)', () => {
    const stack = new Stack(new App(), 'S');
    const topic = new sns.Topic(stack, 'Topic');
    expect(() => JSON.stringify(topic)).toThrow(TypeError);
    expect(describeValue(topic)).toBe("a Topic at 'S/Topic'");
    const loop: { self?: unknown } = {};
    loop.self = loop;
    expect(describeValue(loop)).toBe('{"self":{"self":{...}}}');
    expect(describeValue([topic])).toBe("[a Topic at 'S/Topic']");
    expect(describeValue(RiskProfile.CONSUMER)).toBe('a RiskProfile');
    // A subclass is named by its own class, not by the base whose type info it inherits.
    class Pump extends Construct {}
    expect(describeValue(new Pump(stack, 'Pump'))).toBe("a Pump at 'S/Pump'");
    expect(describeValue(new Construct(stack, 'Plain'))).toBe("a Construct at 'S/Plain'");
  });

  test('says a token is a token, however it is encoded', () => {
    const stack = new Stack(new App(), 'S');
    for (const token of [stack.account, Token.asNumber(stack.resolve(stack.account)), Lazy.number({ produce: () => 1 }), Lazy.any({ produce: () => 1 })]) {
      expect(isToken(token)).toBe(true);
      expect(describeValue(token)).toMatch(/^a token/);
    }
    expect(isToken('plain')).toBe(false);
    expect(isToken(3)).toBe(false);
  });

  test('cuts long values', () => {
    expect(describeValue('x'.repeat(500))).toHaveLength(200);
  });
});
