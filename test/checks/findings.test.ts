import * as fs from 'fs';
import * as path from 'path';
import { Aspects, Stack, Validations } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { IotSecurityChecks, IotSecurityChecksProps } from '../../lib';
import { newValidatedApp } from '../validation';

/** Issue 6, "Findings people can act on": what a synth prints and records. */
const OPEN = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] };
const SCOPED = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}' }],
};
const TAGS = [{ key: 'criticality', value: 'high' }, { key: 'owner', value: 'ops' }];

interface Synth {
  readonly error?: string;
  readonly stderr: string;
  readonly report: any;
}

/** Synthesizes with only the pack registered; returns what was thrown, printed and written. */
function synth(build: (stack: Stack) => void, props?: IotSecurityChecksProps): Synth {
  const app = newValidatedApp({ context: { '@aws-cdk/core:validateAgainstDefaultRules': false } });
  build(new Stack(app, 'S'));
  Validations.of(app).addPlugins(new IotSecurityChecks(app, props));
  const printed: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => { printed.push(args.join(' ')); });
  let error: string | undefined;
  try {
    app.synth();
  } catch (e) {
    error = (e as Error).message;
  } finally {
    spy.mockRestore();
  }
  const file = path.join(app.outdir, 'validation-report.json');
  const report = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
  // Under jest CDK runs "in memory": a failing synth throws the report as its message.
  return { error, stderr: [...printed, error ?? ''].join('\n'), report };
}

function pluginReport(s: Synth): any {
  return (s.report?.pluginReports ?? []).find((p: any) => p.pluginName === 'IoTSecurity');
}

describe('findings people can act on', () => {
  test('every finding prints its fix without verbose, and the ID to acknowledge it with', () => {
    const s = synth((stack) => { new iot.CfnPolicy(stack, 'Policy', { policyDocument: OPEN, tags: TAGS }); });
    expect(s.error).toMatch(/A copy of this report can be found in/);
    expect(s.stderr).toMatch(/Suggested fix: List the exact actions the device needs/);
    expect(s.stderr).toMatch(/Acknowledge with 'IoTSecurity::IoTSecurity-ID1\[Action::iot:\*\]'/);
    const v = pluginReport(s).violations.find((x: any) => x.ruleName === 'IoTSecurity-ID1[Action::iot:*]');
    expect(v.suggestedFix).toMatch(/List the exact actions/);
    expect(v.severity).toBe('error');
  });

  test('one cause, one finding: Allow iot:* on * is one wildcard action and one wildcard resource', () => {
    const s = synth((stack) => { new iot.CfnPolicy(stack, 'Policy', { policyDocument: OPEN, tags: TAGS }); });
    expect(pluginReport(s).violations.map((v: any) => v.ruleName).sort()).toEqual(['IoTSecurity-ID1[Action::iot:*]', 'IoTSecurity-ID2[Resource::*]']);
    expect(s.stderr).not.toMatch(/ListRetainedMessages/);
  });

  test('the ID the synth prints acknowledges, and CDK records it with its reason in validation-report.json', () => {
    const s = synth((stack) => {
      const p = new iot.CfnPolicy(stack, 'Policy', { policyDocument: OPEN, tags: TAGS });
      Validations.of(p).acknowledge(
        { id: 'IoTSecurity::IoTSecurity-ID1[Action::iot:*]', reason: 'test fixture: a lab device' },
        { id: 'IoTSecurity::IoTSecurity-ID2[Resource::*]', reason: 'test fixture: a lab device' },
      );
    });
    expect(s.error).toBeUndefined();
    const suppressed = pluginReport(s).suppressedViolations;
    expect(suppressed.map((v: any) => [v.acknowledgedId, v.reason])).toEqual([
      ['IoTSecurity::IoTSecurity-ID1[Action::iot:*]', 'test fixture: a lab device'],
      ['IoTSecurity::IoTSecurity-ID2[Resource::*]', 'test fixture: a lab device'],
    ]);
    expect(s.stderr).toMatch(/IoTSecurity: \d+ rules checked 1 resources in 1 stack: 0 errors, 0 warnings .*, 2 acknowledged\./);
  });

  test('the bare cdk-nag form still acknowledges, and the summary says its reason is not recorded', () => {
    const s = synth((stack) => {
      const p = new iot.CfnPolicy(stack, 'Policy', { policyDocument: OPEN, tags: TAGS });
      Validations.of(p).acknowledge({ id: 'IoTSecurity-ID1[Action::iot:*]', reason: 'r' }, { id: 'IoTSecurity-ID2[Resource::*]', reason: 'r' });
    });
    expect(s.error).toBeUndefined();
    expect(s.stderr).toMatch(/2 acknowledged\. 2 of them acknowledged as 'IoTSecurity-\.\.\.', whose reason CDK does not record: use the ID the synth prints, 'IoTSecurity::IoTSecurity-\.\.\.'/);
  });

  test('a warning is reported with its fix but does not fail the synth', () => {
    const s = synth((stack) => {
      new iot.CfnPolicy(stack, 'Policy', { policyDocument: SCOPED, tags: [{ key: 'owner', value: 'ops' }] });
    }, { requiredTagKeys: ['criticality', 'owner'] });
    expect(s.error).toBeUndefined();
    const v = pluginReport(s).violations;
    expect(v.map((x: any) => [x.ruleName, x.severity])).toEqual([['IoTSecurity-INV2[MissingTags::criticality]', 'warning']]);
    expect(s.stderr).toMatch(/WARNING .*Suggested fix: Add the missing tags/s);
    expect(s.stderr).toMatch(/0 errors, 1 warning \(reported, not failing the synth\)/);
  });

  test('failOnWarnings: true makes a warning fail the synth, reported as an error', () => {
    const s = synth((stack) => {
      new iot.CfnPolicy(stack, 'Policy', { policyDocument: SCOPED, tags: [{ key: 'owner', value: 'ops' }] });
    }, { requiredTagKeys: ['criticality', 'owner'], failOnWarnings: true });
    expect(s.error).toMatch(/A copy of this report can be found in/);
    expect(pluginReport(s).violations.map((x: any) => x.severity)).toEqual(['error']);
  });

  test('a clean synth says what was checked', () => {
    const s = synth((stack) => { new iot.CfnPolicy(stack, 'Policy', { policyDocument: SCOPED, tags: TAGS }); });
    expect(s.error).toBeUndefined();
    expect(s.stderr).toMatch(/^IoTSecurity: \d+ rules checked 1 resources in 1 stack: 0 errors, 0 warnings \(reported, not failing the synth\), 0 acknowledged\.$/m);
  });

  test('the cdk-nag 2 habit, Aspects.of(app).add(...), says how to register the pack instead of a TypeError', () => {
    const app = newValidatedApp();
    new iot.CfnPolicy(new Stack(app, 'S'), 'Policy', { policyDocument: SCOPED });
    Aspects.of(app).add(new IotSecurityChecks());
    expect(() => app.synth()).toThrow(/not an aspect: replace `Aspects.of\(app\).add\(new IotSecurityChecks\(\)\)` with `Validations.of\(app\).addPlugins\(new IotSecurityChecks\(app\)\)`/);
  });

  test('validateScope leaves every acknowledged finding out, in either form, and keeps the report shape', () => {
    const stack = new Stack(newValidatedApp(), 'S');
    const p = new iot.CfnPolicy(stack, 'Policy', { policyDocument: OPEN, tags: TAGS });
    Validations.of(p).acknowledge({ id: 'IoTSecurity::IoTSecurity-ID1[Action::iot:*]', reason: 'r' }, { id: 'IoTSecurity-ID2[Resource::*]', reason: 'r' });
    const report = new IotSecurityChecks().validateScope(stack);
    expect(report.success).toBe(true);
    expect(report.violations).toEqual([]);
    expect(report.metadata?.acknowledged).toBe('2');
  });

  test('rejects a failOnWarnings that is not a boolean', () => {
    expect(() => new IotSecurityChecks(undefined, { failOnWarnings: 'yes' as unknown as boolean })).toThrow(/failOnWarnings must be a boolean, got "yes"/);
  });
});

test('an acknowledgment stored behind "annotation::", as aws-cdk-lib before 2.262.1 stores every ID, is honoured by the pack itself', () => {
  const stack = new Stack();
  const policy = new iot.CfnPolicy(stack, 'P', { policyDocument: OPEN });
  policy.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, {
    'annotation::IoTSecurity::IoTSecurity-ID1[Action::iot:*]': 'Lab bench device (ticket IOT-42).',
  });
  const names = new IotSecurityChecks().validateScope(stack).violations.map((v) => v.ruleName);
  expect(names).not.toContain('IoTSecurity-ID1[Action::iot:*]');
  expect(names).toContain('IoTSecurity-ID2[Resource::*]');
});
