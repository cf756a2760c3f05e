import { CfnTemplate, SynthesizedStack } from './synthesized';

/*
 * What the event-path check needs to read of synthesized templates: CloudFormation values as
 * strings with placeholders for what only a deployment knows, the topic filter and condition of
 * an IoT rule, MQTT topic matching, and the AWS IoT event topics each event configuration type
 * switches on.
 */

/** One stack of an app, as the resolver sees it: its template, and the other stacks of the app for imports. */
export interface StackContext {
  readonly stack: SynthesizedStack;
  readonly app: SynthesizedStack[];
}

/** Whether two stacks may deploy to the same account and region (an environment left open may be any). */
export function sameEnvironment(a: SynthesizedStack, b: SynthesizedStack): boolean {
  const parts = (env: string) => /^aws:\/\/([^/]+)\/(.+)$/.exec(env)?.slice(1) ?? ['unknown-account', 'unknown-region'];
  const [aa, ar] = parts(a.environment);
  const [ba, br] = parts(b.environment);
  const same = (x: string, y: string) => x.startsWith('unknown-') || y.startsWith('unknown-') || x === y;
  return same(aa, ba) && same(ar, br);
}

/** The export named `name` in the app, with the stack that exports it. */
function findExport(ctx: StackContext, name: string): { stack: SynthesizedStack; value: unknown } | undefined {
  for (const stack of ctx.app) {
    for (const output of Object.values(stack.template.Outputs ?? {}) as { Value: unknown; Export?: { Name?: unknown } }[]) {
      if (output.Export?.Name === name) return { stack, value: output.Value };
    }
  }
  return undefined;
}

/**
 * A CloudFormation value as a string: pseudo parameters as `<AWS::Region>`..., a resource's Ref
 * as `<ref:Stack/LogicalId>`, an attribute as `<att:Stack/LogicalId.Attr>`; Join, Sub (with `${!x}`
 * as the literal `${x}`), Select, Split and ImportValue (through the exporting stack) resolved.
 * Lists come back as arrays.
 */
export function resolveValue(ctx: StackContext, value: unknown): unknown {
  const me = ctx.stack.stack;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => resolveValue(ctx, v));
  const v = value as { [key: string]: any };
  const keys = Object.keys(v);
  if (keys.length !== 1) {
    const out: { [key: string]: unknown } = {};
    for (const k of keys) out[k] = resolveValue(ctx, v[k]);
    return out;
  }
  const [fn] = keys;
  const arg = v[fn];
  switch (fn) {
    case 'Ref':
      return String(arg).startsWith('AWS::') ? `<${arg}>` : `<ref:${me}/${arg}>`;
    case 'Fn::GetAtt': {
      const [id, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
      return `<att:${me}/${id}.${attr}>`;
    }
    case 'Fn::Join': {
      const [sep, parts] = arg;
      const resolved = resolveValue(ctx, parts);
      return (Array.isArray(resolved) ? resolved : [resolved]).map(String).join(sep);
    }
    case 'Fn::Select': {
      const [index, list] = arg;
      const resolved = resolveValue(ctx, list);
      return Array.isArray(resolved) ? resolved[Number(index)] : `<select:${index}:${resolved}>`;
    }
    case 'Fn::Split': {
      const [sep, s] = arg;
      return String(resolveValue(ctx, s)).split(sep);
    }
    case 'Fn::Sub': {
      const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
      return String(text).replace(/\$\{(!?)([^}]+)\}/g, (_, bang: string, name: string) => {
        if (bang) return `\${${name}}`;
        if (vars && name in vars) return String(resolveValue(ctx, vars[name]));
        if (name.startsWith('AWS::')) return `<${name}>`;
        const [id, attr] = name.split('.');
        return attr ? `<att:${me}/${id}.${attr}>` : `<ref:${me}/${id}>`;
      });
    }
    case 'Fn::ImportValue': {
      const name = resolveValue(ctx, arg);
      const found = findExport(ctx, String(name));
      if (!found) return `<import:${name}>`;
      return resolveValue({ stack: found.stack, app: ctx.app }, found.value);
    }
    default: {
      const out: { [key: string]: unknown } = {};
      out[fn] = resolveValue(ctx, arg);
      return out;
    }
  }
}

/** `<ref:Stack/Id>` or `<att:Stack/Id.Attr>`: the stack, logical ID and attribute a placeholder names. */
export function placeholder(value: unknown): { stack: string; logicalId: string; attribute?: string } | undefined {
  const m = /^<(ref|att):([^/>]+)\/([^.>]+)(?:\.([^>]+))?>$/.exec(String(value));
  return m ? { stack: m[2], logicalId: m[3], attribute: m[4] } : undefined;
}

/** The resource a placeholder names, if the app has it. */
export function resourceOf(app: SynthesizedStack[], value: unknown): { stack: SynthesizedStack; logicalId: string; resource: CfnTemplate['Resources'][string]; attribute?: string } | undefined {
  const p = placeholder(value);
  if (!p) return undefined;
  const stack = app.find((s) => s.stack === p.stack);
  const resource = stack?.template.Resources[p.logicalId];
  return stack && resource ? { stack, logicalId: p.logicalId, resource, attribute: p.attribute } : undefined;
}

/** The topic filter and the WHERE condition of an AWS IoT SQL statement. */
export function parseRuleSql(sql: string): { topicFilter: string; where?: string } {
  const m = /\bFROM\s+'([^']*)'(?:\s+WHERE\s+([\s\S]+))?$/i.exec(sql.trim());
  if (!m) throw new Error(`no FROM '<topic filter>' in ${JSON.stringify(sql)}`);
  return { topicFilter: m[1], where: m[2] };
}

/** Whether an MQTT topic filter (`+`, `#`) matches a topic. */
export function mqttMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * The AWS IoT SQL condition on a topic: `topic(n) = 'x'`, `topic(n) <> 'x'`, `startswith(topic(n), 'x')`,
 * AND, OR, NOT and parentheses are evaluated; any other condition (on the payload) counts as
 * satisfiable, since the producer's payload can meet it.
 */
export function whereAllows(where: string | undefined, topic: string): boolean {
  if (!where) return true;
  const levels = topic.split('/');
  const tokens = where.match(/'(?:[^']|'')*'|<>|!=|[()=,]|[A-Za-z_][A-Za-z0-9_.]*|\d+|\S/g) ?? [];
  let i = 0;
  const peek = () => tokens[i]?.toUpperCase();
  const literal = (t: string) => t.slice(1, -1).replace(/''/g, "'");
  // One atom: returns true/false when it is about the topic, undefined when it is not.
  const atom = (): boolean | undefined => {
    if (peek() === 'NOT') { i++; const v = atom(); return v === undefined ? undefined : !v; }
    if (peek() === '(') {
      i++;
      const v = or();
      if (tokens[i] !== ')') throw new Error(`unbalanced parentheses in ${where}`);
      i++;
      return v;
    }
    const start = i;
    if (/^startswith$/i.test(tokens[i] ?? '') && tokens[i + 1] === '(' && /^topic$/i.test(tokens[i + 2] ?? '')
      && tokens[i + 3] === '(' && /^\d+$/.test(tokens[i + 4] ?? '') && tokens[i + 5] === ')' && tokens[i + 6] === ',' && tokens[i + 7]?.startsWith("'") && tokens[i + 8] === ')') {
      const level = levels[Number(tokens[i + 4]) - 1] ?? '';
      const prefix = literal(tokens[i + 7]);
      i += 9;
      return level.startsWith(prefix);
    }
    if (/^topic$/i.test(tokens[i] ?? '') && tokens[i + 1] === '(' && /^\d+$/.test(tokens[i + 2] ?? '') && tokens[i + 3] === ')'
      && ['=', '<>', '!='].includes(tokens[i + 4] ?? '') && tokens[i + 5]?.startsWith("'")) {
      const level = levels[Number(tokens[i + 2]) - 1] ?? '';
      const eq = level === literal(tokens[i + 5]);
      const op = tokens[i + 4];
      i += 6;
      return op === '=' ? eq : !eq;
    }
    // Anything else: skip to the next AND / OR / closing parenthesis at this depth.
    let depth = 0;
    while (i < tokens.length) {
      const t = peek();
      if (t === '(') depth++;
      if (t === ')') { if (depth === 0) break; depth--; }
      if (depth === 0 && (t === 'AND' || t === 'OR')) break;
      i++;
    }
    if (i === start) throw new Error(`cannot read the condition ${where} at ${tokens[i]}`);
    return undefined;
  };
  const and = (): boolean | undefined => {
    let v = atom();
    while (peek() === 'AND') { i++; const r = atom(); v = v === false || r === false ? false : v === undefined || r === undefined ? undefined : true; }
    return v;
  };
  const or = (): boolean | undefined => {
    let v = and();
    while (peek() === 'OR') { i++; const r = and(); v = v === true || r === true ? true : v === undefined || r === undefined ? undefined : false; }
    return v;
  };
  const result = or();
  if (i !== tokens.length) throw new Error(`cannot read the condition ${where} past ${tokens.slice(i).join(' ')}`);
  return result !== false;
}

/**
 * The topics AWS IoT publishes for each event configuration type (AWS IoT developer guide, "Event
 * messages": registry, job and certificate events, and its table of event configuration
 * settings); `${...}` is a value AWS IoT fills in.
 */
export const EVENT_TOPICS: { readonly [eventType: string]: string[] } = {
  THING: ['created', 'updated', 'deleted'].map((e) => `$aws/events/thing/\${thingName}/${e}`),
  THING_TYPE: ['created', 'updated', 'deleted'].map((e) => `$aws/events/thingType/\${thingTypeName}/${e}`),
  THING_TYPE_ASSOCIATION: ['$aws/events/thingTypeAssociation/thing/${thingName}/${thingTypeName}'],
  THING_GROUP: ['created', 'updated', 'deleted'].map((e) => `$aws/events/thingGroup/\${thingGroupName}/${e}`),
  THING_GROUP_MEMBERSHIP: ['added', 'removed'].map((e) => `$aws/events/thingGroupMembership/thingGroup/\${thingGroupName}/thing/\${thingName}/${e}`),
  THING_GROUP_HIERARCHY: ['added', 'removed'].map((e) => `$aws/events/thingGroupHierarchy/thingGroup/\${parentThingGroupName}/childThingGroup/\${childThingGroupName}/${e}`),
  JOB: ['completed', 'canceled', 'deleted', 'cancellation_in_progress', 'deletion_in_progress'].map((e) => `$aws/events/job/\${jobId}/${e}`),
  JOB_EXECUTION: ['succeeded', 'failed', 'rejected', 'canceled', 'timed_out', 'removed', 'deleted'].map((e) => `$aws/events/jobExecution/\${jobId}/${e}`),
  CA_CERTIFICATE: ['$aws/events/certificates/registered/${caCertificateId}'],
  CERTIFICATE: ['connected', 'disconnected'].map((e) => `$aws/events/presence/${e}/\${clientId}`),
  POLICY: [],
};

/**
 * A topic template (an IoT policy's topic resource, with `*` and policy variables, or an event
 * topic with `${...}`) as a regular expression over topics: a variable is one level, `*` anything.
 */
export function topicTemplateRegex(template: string): RegExp {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '$' && template[i + 1] === '{') {
      out += '[^/]+';
      i = template.indexOf('}', i);
    } else if (c === '<' && template.indexOf('>', i) > i) {
      // A value only the deployment knows (a resource's name): one level, whatever it is.
      out += '[^/]+';
      i = template.indexOf('>', i);
    } else if (c === '*') {
      out += '.*';
    } else if (c === '?') {
      out += '.';
    } else {
      out += c.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}

/**
 * Whether some topic a producer may publish (`template`) is received by a rule (its topic filter
 * and condition). The rule's `+` and `#` levels are tried with the values the producer and the
 * condition name, and a free value.
 */
export function topicConnects(template: string, topicFilter: string, where: string | undefined): string | undefined {
  const producer = topicTemplateRegex(template);
  const literals = new Set<string>(['free-value-1']);
  for (const m of (where ?? '').matchAll(/'((?:[^']|'')*)'/g)) {
    literals.add(m[1].replace(/''/g, "'"));
    literals.add(`${m[1].replace(/''/g, "'")}free-value-1`);
  }
  for (const level of template.split('/')) if (!/[*?$]/.test(level) || level.startsWith('$aws')) literals.add(level);
  const levels = topicFilter.split('/');
  const choices = levels.map((l) => (l === '+' ? [...literals] : l === '#' ? ['free-value-1', 'free-value-1/free-value-2'] : [l]));
  let count = 0;
  const walk = (i: number, acc: string[]): string | undefined => {
    if (count++ > 20000) return undefined;
    if (i === choices.length) {
      const topic = acc.join('/');
      return producer.test(topic) && mqttMatches(topicFilter, topic) && whereAllows(where, topic) ? topic : undefined;
    }
    for (const c of choices[i]) {
      const found = walk(i + 1, [...acc, c]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(0, []);
}
