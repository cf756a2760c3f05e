// The rule pack's modules import each other: load the library whole before one of its rules.
import '../../lib';
import { AuditFinding } from '@aws-sdk/client-iot';
import { AUDIT_CHECKS } from '../../lib/core/private/audit-checks';
import { FindingEvent } from '../../lib/core/finding-event';
import { detailOf } from '../../lib/monitoring/handlers/audit-findings-relay';
import { IotEventConfigurations } from '../../lib/monitoring/iot-event-configurations';
import { AWS_METRICS, DIMENSION_RESOURCES } from './aws-metrics';
import { eventMatches, FREE } from './event-pattern';
import { CfnTemplate, SynthesizedStack, synthesizedStacks } from './synthesized';
import {
  EVENT_TOPICS, parseRuleSql, placeholder, resolveValue, resourceOf, sameEnvironment, StackContext, topicConnects,
} from './wiring';

/*
 * Every event path connects: each EventBridge rule, IoT topic rule and CloudWatch alarm the
 * reference app and the examples create has a producer the app creates or AWS documents.
 *
 * - An EventBridge rule's pattern matches an event a producer puts on the bus the rule listens on
 *   (the audit relay's finding events, built by the relay's own code; S3 events of buckets that
 *   send them to EventBridge; alarm state changes; Step Functions execution status changes).
 * - A topic rule's topic filter and condition receive a topic a producer publishes: a device, as
 *   an IoT policy of the app allows it; AWS IoT, for `$aws/events/...` of an event type the app's
 *   IotEventConfigurations switches on; another rule's republish action.
 * - An alarm's metric is one AWS documents (namespace, name, dimensions, and the dimension naming
 *   a resource of the app) or one the app publishes (a metric filter, a rule's CloudWatch metric
 *   action, a fleet metric), with the same dimensions.
 *
 * A failure names the app, the stack, the logical ID and what has no producer.
 */

const stacks = synthesizedStacks();
const apps = [...new Set(stacks.map((s) => s.app))].map((app) => stacks.filter((s) => s.app === app));
const where = (s: SynthesizedStack, logicalId: string) => `${s.app} ${s.stack} ${logicalId}`;
const ctxOf = (stack: SynthesizedStack, app: SynthesizedStack[]): StackContext => ({ stack, app });
const resources = (s: SynthesizedStack, type: string) => Object.entries(s.template.Resources).filter(([, r]) => r.Type === type);

/**
 * Paths that no producer of the library reaches yet, each with why; the last test fails once one
 * of them connects, so the list only shrinks.
 */
const KNOWN_GAPS: { readonly pattern: RegExp; readonly why: string }[] = [];

// ----- EventBridge -----

/** The bus a value names: `default`, a bus name, or the bus resource of the app it points to. */
function busOf(ctx: StackContext, value: unknown): string {
  if (value === undefined) return 'default';
  const resolved = resolveValue(ctx, value);
  const target = resourceOf(ctx.app, resolved);
  if (target?.resource.Type === 'AWS::Events::EventBus') {
    const name = target.resource.Properties?.Name;
    return typeof name === 'string' ? name : `bus:${target.stack.stack}/${target.logicalId}`;
  }
  const s = String(resolved);
  return /:event-bus\/(.+)$/.exec(s)?.[1] ?? s;
}

interface BusEvent { readonly bus: string; readonly stack: SynthesizedStack; readonly producer: string; readonly event: unknown }

function sampleFinding(checkName: string, severity: string): AuditFinding {
  const id = checkName.includes('CA_CERT') && !checkName.includes('DEVICE')
    ? { resourceType: 'CA_CERTIFICATE', resourceIdentifier: { caCertificateId: 'c'.repeat(64) } }
    : /POLICY/.test(checkName) ? { resourceType: 'IOT_POLICY', resourceIdentifier: { policyVersionIdentifier: { policyName: 'device-policy', policyVersionId: '1' } } }
      : /ROLE_ALIAS/.test(checkName) ? { resourceType: 'ROLE_ALIAS', resourceIdentifier: { roleAliasArn: 'arn:aws:iot:eu-west-1:111122223333:rolealias/r' } }
        : /COGNITO/.test(checkName) ? { resourceType: 'COGNITO_IDENTITY_POOL', resourceIdentifier: { cognitoIdentityPoolId: 'eu-west-1:pool' } }
          : /LOGGING/.test(checkName) ? { resourceType: 'ACCOUNT_SETTINGS', resourceIdentifier: { account: '111122223333' } }
            : { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: 'd'.repeat(64) } };
  return { findingId: `f-${checkName}`, taskId: 'task-1', checkName, severity: severity as never, nonCompliantResource: id as never, reasonForNonCompliance: 'sample' };
}

/** Every event the app's producers put, with the bus each goes to. */
function busEvents(app: SynthesizedStack[]): BusEvent[] {
  const out: BusEvent[] = [];
  for (const stack of app) {
    const ctx = ctxOf(stack, app);
    // The audit relay of FleetAuditing: its own code builds the details.
    for (const [id, fn] of resources(stack, 'AWS::Lambda::Function')) {
      const busVar = fn.Properties?.Environment?.Variables?.FINDINGS_BUS;
      if (busVar === undefined) continue;
      const bus = busOf(ctx, busVar);
      for (const [, checkName] of AUDIT_CHECKS) {
        for (const severity of ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']) {
          out.push({ bus, stack, producer: id, event: { 'source': FindingEvent.SOURCE, 'detail-type': FindingEvent.DETAIL_TYPE, 'detail': detailOf(sampleFinding(checkName, severity), 'task-1') } });
        }
      }
    }
    // S3 buckets that send their events to EventBridge (S3 user guide, "EventBridge event message structure").
    for (const [id, bucket] of resources(stack, 'AWS::S3::Bucket')) {
      if (bucket.Properties?.NotificationConfiguration?.EventBridgeConfiguration?.EventBridgeEnabled !== true) continue;
      const names = [`<ref:${stack.stack}/${id}>`, ...(typeof bucket.Properties.BucketName === 'string' ? [bucket.Properties.BucketName] : [])];
      for (const name of names) {
        for (const detailType of ['Object Created', 'Object Deleted', 'Object Restore Completed', 'Object Tags Added']) {
          out.push({ bus: 'default', stack, producer: id, event: { 'source': 'aws.s3', 'detail-type': detailType, 'detail': { 'version': '0', 'bucket': { name }, 'object': { 'key': FREE, 'size': 1, 'etag': FREE, 'version-id': FREE }, 'reason': 'PutObject' } } });
        }
      }
    }
    // CloudWatch alarm state changes (CloudWatch user guide, "Alarm events and EventBridge").
    for (const [id, alarm] of resources(stack, 'AWS::CloudWatch::Alarm')) {
      const alarmName = typeof alarm.Properties?.AlarmName === 'string' ? alarm.Properties.AlarmName : `<ref:${stack.stack}/${id}>`;
      for (const value of ['ALARM', 'OK', 'INSUFFICIENT_DATA']) {
        out.push({ bus: 'default', stack, producer: id, event: { 'source': 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', 'detail': { alarmName, state: { value }, previousState: { value: 'OK' } } } });
      }
    }
    // Step Functions execution status changes (Step Functions developer guide, "Automating Step Functions event delivery").
    for (const [id] of resources(stack, 'AWS::StepFunctions::StateMachine')) {
      for (const status of ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']) {
        out.push({ bus: 'default', stack, producer: id, event: { 'source': 'aws.states', 'detail-type': 'Step Functions Execution Status Change', 'detail': { stateMachineArn: `<ref:${stack.stack}/${id}>`, status } } });
      }
    }
  }
  return out;
}

function eventRuleProblems(checked = apps): string[] {
  const problems: string[] = [];
  for (const app of checked) {
    const produced = busEvents(app);
    for (const stack of app) {
      const ctx = ctxOf(stack, app);
      for (const [id, rule] of resources(stack, 'AWS::Events::Rule')) {
        const p = rule.Properties ?? {};
        if (p.EventPattern === undefined) continue; // A schedule is its own producer.
        const bus = busOf(ctx, p.EventBusName);
        const pattern = resolveValue(ctx, p.EventPattern);
        const onBus = produced.filter((e) => e.bus === bus && sameEnvironment(e.stack, stack));
        if (!onBus.some((e) => eventMatches(pattern, e.event))) {
          const sources = [...new Set(onBus.map((e) => (e.event as { source: string }).source))];
          problems.push(`${where(stack, id)}: no producer puts an event matching ${JSON.stringify(pattern)} on bus '${bus}' (producers on that bus: ${sources.join(', ') || 'none'})`);
        }
      }
    }
  }
  return problems;
}

// ----- IoT topic rules -----

interface TopicProducer { readonly template: string; readonly producer: string }

function enabledEventTypes(app: SynthesizedStack[], consumer: SynthesizedStack): Set<string> {
  const types = new Set<string>();
  for (const stack of app.filter((s) => sameEnvironment(s, consumer))) {
    for (const [, r] of resources(stack, 'Custom::IotEventConfigurations')) {
      for (const t of r.Properties?.EnabledEventTypes ?? []) types.add(t);
    }
  }
  return types;
}

function topicProducers(app: SynthesizedStack[], consumer: SynthesizedStack): TopicProducer[] {
  const out: TopicProducer[] = [];
  for (const stack of app.filter((s) => sameEnvironment(s, consumer))) {
    const ctx = ctxOf(stack, app);
    for (const [id, policy] of resources(stack, 'AWS::IoT::Policy')) {
      const raw = resolveValue(ctx, policy.Properties?.PolicyDocument);
      const doc = typeof raw === 'string' ? JSON.parse(raw) : raw as { Statement?: unknown };
      for (const st of ([] as any[]).concat(doc?.Statement ?? [])) {
        const actions = ([] as string[]).concat(st.Action ?? []);
        if (st.Effect !== 'Allow' || !actions.some((a) => ['iot:publish', 'iot:*', '*'].includes(a.toLowerCase()))) continue;
        for (const resource of ([] as unknown[]).concat(st.Resource ?? []).map(String)) {
          const template = resource === '*' ? '*' : /:topic\/(.*)$/.exec(resource)?.[1];
          if (template !== undefined) out.push({ template, producer: `a device allowed by ${stack.stack} ${id}` });
        }
      }
    }
    for (const [id, rule] of resources(stack, 'AWS::IoT::TopicRule')) {
      for (const action of rule.Properties?.TopicRulePayload?.Actions ?? []) {
        if (action.Republish?.Topic === undefined) continue;
        const topic = String(resolveValue(ctx, action.Republish.Topic)).replace(/\$\{[^}]*\}/g, '${x}');
        out.push({ template: topic, producer: `the republish action of ${stack.stack} ${id}` });
      }
    }
  }
  for (const t of enabledEventTypes(app, consumer)) {
    for (const template of EVENT_TOPICS[t] ?? []) out.push({ template, producer: `AWS IoT (${t} events switched on by IotEventConfigurations)` });
  }
  return out;
}

/** For each topic rule: whether a producer reaches it, and through which event types when AWS IoT does. */
function topicRuleReport(checked = apps) {
  const problems: string[] = [];
  const needs = new Map<string, Set<string>>();
  for (const app of checked) {
    for (const stack of app) {
      const ctx = ctxOf(stack, app);
      for (const [id, rule] of resources(stack, 'AWS::IoT::TopicRule')) {
        const payload = rule.Properties?.TopicRulePayload ?? {};
        if (payload.RuleDisabled === true) continue;
        const { topicFilter, where: condition } = parseRuleSql(String(resolveValue(ctx, payload.Sql)));
        const reached = topicProducers(app, stack).filter((p) => topicConnects(p.template, topicFilter, condition));
        if (reached.length === 0) {
          const couldBe = Object.entries(EVENT_TOPICS).filter(([, ts]) => ts.some((t) => topicConnects(t, topicFilter, condition))).map(([t]) => t);
          problems.push(`${where(stack, id)}: nothing publishes to '${topicFilter}'${condition ? ` where ${condition}` : ''}`
            + (couldBe.length > 0 ? ` (AWS IoT would, with event type ${couldBe.join(' or ')} switched on by IotEventConfigurations in the same account and region)` : ' (no IoT policy of the app lets a device publish there)'));
        }
        if (topicFilter.startsWith('$aws/events/')) {
          const types = Object.entries(EVENT_TOPICS).filter(([, ts]) => ts.some((t) => topicConnects(t, topicFilter, condition))).map(([t]) => t);
          needs.set(`${stack.app}`, new Set([...(needs.get(stack.app) ?? []), ...types]));
        }
      }
    }
  }
  return { problems, needs };
}

// ----- Alarms -----

interface MetricRef { readonly namespace: string; readonly name: string; readonly dimensions: { name: string; value: unknown }[]; readonly insights: boolean }

function metricsOf(ctx: StackContext, alarm: { Properties?: any }): MetricRef[] {
  const p = alarm.Properties ?? {};
  const dims = (list: any[] | undefined) => (list ?? []).map((d) => ({ name: d.Name, value: resolveValue(ctx, d.Value) }));
  if (p.MetricName !== undefined) return [{ namespace: p.Namespace, name: p.MetricName, dimensions: dims(p.Dimensions), insights: false }];
  const out: MetricRef[] = [];
  for (const m of p.Metrics ?? []) {
    if (m.MetricStat) {
      const metric = m.MetricStat.Metric;
      out.push({ namespace: metric.Namespace, name: metric.MetricName, dimensions: dims(metric.Dimensions), insights: false });
    } else if (typeof m.Expression === 'string' && /^\s*SELECT\b/i.test(m.Expression)) {
      const q = /^\s*SELECT\s+\w+\(\s*([\w.]+)\s*\)\s+FROM\s+(?:SCHEMA\(\s*"([^"]+)"\s*((?:,\s*[\w.]+\s*)*)\)|"([^"]+)")/i.exec(m.Expression);
      if (!q) throw new Error(`cannot read the Metrics Insights query ${m.Expression}`);
      const schemaDims = (q[3] ?? '').split(',').map((d) => d.trim()).filter(Boolean);
      out.push({ namespace: q[2] ?? q[4], name: q[1], dimensions: schemaDims.map((name) => ({ name, value: FREE })), insights: true });
    }
  }
  return out;
}

interface MetricProducer { readonly namespace: string; readonly name: string; readonly dimensions: string[]; readonly producer: string }

function appMetrics(app: SynthesizedStack[], consumer: SynthesizedStack): MetricProducer[] {
  const out: MetricProducer[] = [];
  for (const stack of app.filter((s) => sameEnvironment(s, consumer))) {
    const ctx = ctxOf(stack, app);
    for (const [id, filter] of resources(stack, 'AWS::Logs::MetricFilter')) {
      for (const t of filter.Properties?.MetricTransformations ?? []) {
        out.push({ namespace: String(resolveValue(ctx, t.MetricNamespace)), name: String(resolveValue(ctx, t.MetricName)), dimensions: (t.Dimensions ?? []).map((d: any) => d.Key).sort(), producer: `${stack.stack} ${id}` });
      }
    }
    for (const [id, rule] of resources(stack, 'AWS::IoT::TopicRule')) {
      for (const action of rule.Properties?.TopicRulePayload?.Actions ?? []) {
        const m = action.CloudwatchMetric;
        if (m) out.push({ namespace: String(resolveValue(ctx, m.MetricNamespace)), name: String(resolveValue(ctx, m.MetricName)), dimensions: [], producer: `${stack.stack} ${id}` });
      }
    }
    // Fleet metrics publish to IoTFleetMetrics under their name, one series per aggregation (AWS IoT developer guide, "Fleet metrics").
    for (const [id, fm] of resources(stack, 'AWS::IoT::FleetMetric')) {
      out.push({ namespace: 'IoTFleetMetrics', name: String(resolveValue(ctx, fm.Properties?.MetricName)), dimensions: ['AggregationType'], producer: `${stack.stack} ${id}` });
    }
  }
  return out;
}

function alarmProblems(checked = apps): string[] {
  const problems: string[] = [];
  for (const app of checked) {
    for (const stack of app) {
      const ctx = ctxOf(stack, app);
      for (const [id, alarm] of resources(stack, 'AWS::CloudWatch::Alarm')) {
        const metrics = metricsOf(ctx, alarm);
        if (metrics.length === 0) problems.push(`${where(stack, id)}: reads no metric`);
        for (const m of metrics) {
          const dimNames = m.dimensions.map((d) => d.name).sort();
          const what = `${m.namespace} ${m.name} [${dimNames.join(', ')}]`;
          if (m.namespace.startsWith('AWS/')) {
            const sets = AWS_METRICS[m.namespace]?.[m.name];
            if (!sets) { problems.push(`${where(stack, id)}: ${what} is no metric AWS documents`); continue; }
            if (!sets.some((s) => [...s].sort().join() === dimNames.join())) {
              problems.push(`${where(stack, id)}: AWS publishes ${m.namespace} ${m.name} under ${sets.map((s) => `[${s.join(', ')}]`).join(' or ')}, not [${dimNames.join(', ')}]`);
            }
            for (const d of m.dimensions) {
              const expected = DIMENSION_RESOURCES[d.name];
              if (!expected || d.value === FREE) continue;
              const target = resourceOf(app, d.value);
              const p = placeholder(d.value);
              const ok = target?.resource.Type === expected.type && (expected.as === 'ref' ? p?.attribute === undefined : p?.attribute === expected.as);
              if (!ok) problems.push(`${where(stack, id)}: ${what}: dimension ${d.name} = ${JSON.stringify(d.value)} names no ${expected.type} of the app`);
            }
          } else {
            const producers = appMetrics(app, stack).filter((p) => p.namespace === m.namespace && p.name === m.name);
            if (producers.length === 0) {
              problems.push(`${where(stack, id)}: nothing in the app publishes ${m.namespace} ${m.name}`);
            } else if (!producers.some((p) => p.dimensions.join() === dimNames.join())) {
              problems.push(`${where(stack, id)}: ${m.namespace} ${m.name} is published with dimensions ${producers.map((p) => `[${p.dimensions.join(', ')}] by ${p.producer}`).join(', ')}, the alarm reads [${dimNames.join(', ')}]`);
            }
          }
        }
      }
    }
  }
  return problems;
}

// ----- the checks -----

/** The apps with a change to their templates (the defects this check exists to catch). */
function altered(change: (stack: SynthesizedStack, resources: CfnTemplate['Resources']) => void): SynthesizedStack[][] {
  return apps.map((app) => {
    const copies = app.map((s) => ({ ...s, template: JSON.parse(JSON.stringify(s.template)) as CfnTemplate }));
    for (const s of copies) change(s, s.template.Resources);
    return copies;
  });
}

const known = (problem: string) => KNOWN_GAPS.some((g) => g.pattern.test(problem.split(': ')[0]));

test('the apps have rules, topic rules and alarms to check', () => {
  for (const type of ['AWS::Events::Rule', 'AWS::IoT::TopicRule', 'AWS::CloudWatch::Alarm', 'Custom::IotEventConfigurations']) {
    expect(stacks.some((s) => resources(s, type).length > 0)).toBe(true);
  }
});

test('every EventBridge rule matches an event a producer puts on the bus it listens on', () => {
  expect(eventRuleProblems().filter((p) => !known(p))).toEqual([]);
});

test('every topic rule receives a topic a device or AWS IoT publishes (with the event type switched on)', () => {
  expect(topicRuleReport().problems.filter((p) => !known(p))).toEqual([]);
});

test('every alarm reads a metric AWS documents or the app publishes, with its dimensions', () => {
  expect(alarmProblems().filter((p) => !known(p))).toEqual([]);
});

test('each app switches on exactly the event types its topic rules need, and the certificate events', () => {
  const { needs } = topicRuleReport();
  const certificates = ['CERTIFICATE', 'CA_CERTIFICATE'];
  expect(IotEventConfigurations.libraryEventTypes().filter((t) => !certificates.includes(t)).sort()).toEqual(['JOB', 'JOB_EXECUTION']);
  for (const app of apps) {
    const configured = app.flatMap((s) => resources(s, 'Custom::IotEventConfigurations').map(([, r]) => r.Properties.EnabledEventTypes as string[]));
    if (configured.length === 0) continue;
    expect({ app: app[0].app, enabled: [...configured[0]].sort() })
      .toEqual({ app: app[0].app, enabled: [...new Set([...(needs.get(app[0].app) ?? []), ...certificates])].sort() });
  }
  expect(needs.get('reference')).toEqual(new Set(['JOB', 'JOB_EXECUTION']));
});

test('the known gaps are still gaps (remove an entry of KNOWN_GAPS once its path connects)', () => {
  const all = [...eventRuleProblems(), ...topicRuleReport().problems, ...alarmProblems()];
  for (const gap of KNOWN_GAPS) {
    expect({ gap: gap.pattern.source, stillOpen: all.some((p) => gap.pattern.test(p.split(': ')[0])) }).toEqual({ gap: gap.pattern.source, stillOpen: true });
  }
});

describe('the check catches the defects it exists for', () => {
  test('without the event configurations, the firmware pipeline\'s job rules have no producer', () => {
    const problems = topicRuleReport(altered((_, r) => {
      for (const [id, res] of Object.entries(r)) if (res.Type === 'Custom::IotEventConfigurations') delete r[id];
    })).problems;
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^reference SecureIotFactory FactoryFirmwareTimedOutExecutionRule[0-9A-F]{8}: nothing publishes to '\$aws\/events\/jobExecution\/\+\/timed_out' .*\(AWS IoT would, with event type JOB_EXECUTION switched on/),
      expect.stringMatching(/^reference SecureIotFactory FactoryFirmwareJobEventRule[0-9A-F]{8}: nothing publishes to '\$aws\/events\/\+\/\+\/\+' .*event type JOB or JOB_EXECUTION/),
    ]));
  });

  test('without the audit relay (the pipe put "Device Defender Audit Result" events no rule matched), no audit finding starts a playbook', () => {
    const problems = eventRuleProblems(altered((_, r) => {
      for (const res of Object.values(r)) if (res.Properties?.Environment?.Variables?.FINDINGS_BUS) delete res.Properties.Environment.Variables.FINDINGS_BUS;
    }));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^reference SecureIotBaseline BaselineIncidentResponseSHAREDORREVOKEDCERTIFICATEFindings[0-9A-F]{8}: no producer puts an event matching/),
      expect.stringMatching(/^reference SecureIotBaseline BaselineIncidentResponseOVERLYPERMISSIVEPOLICYFindings[0-9A-F]{8}: no producer/),
    ]));
  });

  test('without alarms named for them (FindingEvent.alarmNamePrefix), the alarm-started playbooks have no producer; an alarm of another account does not start them', () => {
    const unnamed = eventRuleProblems(altered((_, r) => {
      for (const res of Object.values(r)) if (res.Type === 'AWS::CloudWatch::Alarm') delete res.Properties.AlarmName;
    }));
    for (const findingClass of ['AUTHENTICATIONFAILURESPIKE', 'UNEXPECTEDDISCONNECTS', 'FAILEDFIRMWAREROLLOUT']) {
      expect(unnamed).toEqual(expect.arrayContaining([
        expect.stringMatching(new RegExp(`^reference SecureIotBaseline BaselineIncidentResponse${findingClass}NamedAlarms[0-9A-F]{8}: no producer puts an event matching`)),
      ]));
    }
    const elsewhere = eventRuleProblems([apps.find((a) => a[0].app === 'reference')!.map((s) => (
      ({ ...s, environment: s.stack === 'SecureIotBaseline' ? 'aws://111122223333/eu-west-1' : 'aws://444455556666/eu-west-1' })))]);
    expect(elsewhere.filter((p) => /NamedAlarms/.test(p))).toHaveLength(3);
  });

  test('a rule on another bus than the producer\'s is not connected', () => {
    const problems = eventRuleProblems(altered((_, r) => {
      for (const res of Object.values(r)) if (res.Type === 'AWS::Events::Rule' && res.Properties.EventPattern) res.Properties.EventBusName = 'findings';
    }));
    expect(problems.filter((p) => p.startsWith('reference SecureIotBaseline') && /SHAREDORREVOKEDCERTIFICATE/.test(p))).toHaveLength(1);
  });

  test('a device topic no IoT policy allows, a metric with the wrong dimensions, a metric nothing publishes', () => {
    const topics = topicRuleReport(altered((_, r) => {
      for (const res of Object.values(r)) if (res.Type === 'AWS::IoT::TopicRule' && /telemetry'/.test(res.Properties.TopicRulePayload.Sql)) res.Properties.TopicRulePayload.Sql = "SELECT * FROM 'dt/other/+/telemetry'";
    })).problems;
    expect(topics).toEqual(expect.arrayContaining([expect.stringMatching(/^reference SecureIotFactory FactoryTelemetryRule[0-9A-F]{8}: nothing publishes to 'dt\/other\/\+\/telemetry' \(no IoT policy of the app lets a device publish there\)/)]));
    const alarms = alarmProblems(altered((_, r) => {
      for (const res of Object.values(r)) {
        if (res.Type !== 'AWS::CloudWatch::Alarm') continue;
        if (res.Properties.Namespace === 'AWS/SQS') res.Properties.Dimensions = [{ Name: 'QueueName', Value: 'someone-elses-queue' }];
        if (res.Properties.Namespace === 'cdk-secure-iot/Firmware') res.Properties.MetricName = 'NobodyPublishesThis';
        for (const m of res.Properties.Metrics ?? []) if (m.MetricStat?.Metric.MetricName === 'Connect.AuthNError') m.MetricStat.Metric.Dimensions = [];
      }
    }));
    expect(alarms).toEqual(expect.arrayContaining([
      expect.stringMatching(/^reference SecureIotFactory FactoryTelemetryDeadLetterAlarm[0-9A-F]{8}: AWS\/SQS ApproximateNumberOfMessagesVisible \[QueueName\]: dimension QueueName = "someone-elses-queue" names no AWS::SQS::Queue of the app/),
      expect.stringMatching(/^reference SecureIotFactory FactoryFirmwareTimedOutJobExecutionAlarm[0-9A-F]{8}: nothing in the app publishes cdk-secure-iot\/Firmware NobodyPublishesThis/),
      expect.stringMatching(/^reference SecureIotFactory FactoryMonitoringAuthenticationFailuresAlarm[0-9A-F]{8}: AWS publishes AWS\/IoT Connect.AuthNError under \[Protocol\], not \[\]/),
    ]));
  });
});
