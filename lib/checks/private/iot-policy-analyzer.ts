import {
  Dialect, displaySegments, eachReading, evaluate, Evaluated, field, isJsonObject, ParameterValues, parseJson, Placeholders,
  Readings, Segment,
} from './intrinsics';
import { globMatch, iamActionsOf } from './iam-data';

export { globMatch };

/**
 * `iot:` actions that IoT policies grant but the Service Authorization Reference, and so the IAM
 * dataset (`iam-data.ts`), does not list: the credentials provider's `AssumeRoleWithCertificate`
 * and the jobs data plane over MQTT, which the IAM reference files under `iotjobsdata:` (AWS IoT's
 * policy actions page lists them as `iot:`). Kept by hand because no dataset lists IoT policy
 * actions; a test fails when the pinned dataset starts to list one.
 */
export const IOT_POLICY_ONLY_ACTIONS: readonly string[] = [
  'AssumeRoleWithCertificate', 'GetPendingJobExecutions', 'StartNextPendingJobExecution', 'UpdateJobExecution',
];

let iotActions: readonly string[] | undefined;
let iotActionByLower: ReadonlyMap<string, string> | undefined;

/**
 * Every `iot:` action, control plane and data plane: the IAM dataset's `iot` actions (the AWS IoT
 * API, the MQTT, shadow and retained-message data plane, secure tunneling) and
 * `IOT_POLICY_ONLY_ACTIONS`. Glob actions (`iot:*Publish*`, `iot:Up*`) are judged by what they
 * match here. Read from the dataset on first use.
 */
export function iotActionNames(): readonly string[] {
  if (!iotActions) {
    const names = new Map<string, string>();
    for (const a of iamActionsOf('iot')?.values() ?? []) names.set(a.name.toLowerCase(), a.name);
    for (const a of IOT_POLICY_ONLY_ACTIONS) if (!names.has(a.toLowerCase())) names.set(a.toLowerCase(), a);
    iotActions = Object.freeze([...names.values()].sort());
    iotActionByLower = names;
  }
  return iotActions;
}

function iotActionByName(lower: string): string | undefined {
  iotActionNames();
  return iotActionByLower!.get(lower);
}

/** The resource type (the ARN part before the first `/`) each device action is authorized on. */
export type DeviceResourceType = 'client' | 'topic' | 'topicfilter' | 'thing' | 'rolealias' | 'account';

/**
 * The actions a device legitimately needs, with the resource type each is authorized on; ID2
 * judges each on its own type. Besides the data plane this holds the credentials provider's
 * `AssumeRoleWithCertificate`, since `rolealias/*` would let a device assume any role alias.
 * `ListRetainedMessages` only accepts `*`: it lists every retained topic of the account.
 */
export const DEVICE_ACTIONS: ReadonlyMap<string, DeviceResourceType> = new Map<string, DeviceResourceType>([
  ['Connect', 'client'],
  ['Publish', 'topic'],
  ['Receive', 'topic'],
  ['RetainPublish', 'topic'],
  ['GetRetainedMessage', 'topic'],
  ['Subscribe', 'topicfilter'],
  ['GetThingShadow', 'thing'],
  ['UpdateThingShadow', 'thing'],
  ['DeleteThingShadow', 'thing'],
  ['ListNamedShadowsForThing', 'thing'],
  ['DescribeJobExecution', 'thing'],
  ['GetPendingJobExecutions', 'thing'],
  ['StartNextPendingJobExecution', 'thing'],
  ['UpdateJobExecution', 'thing'],
  ['ListRetainedMessages', 'account'],
  ['AssumeRoleWithCertificate', 'rolealias'],
]);

/**
 * What Greengrass core and client devices call with their IoT policy (discovery, deployments,
 * component artifacts, client device auth, connectivity info). Not `iot:` actions, but device
 * actions all the same, so they are no ID3 finding; a glob such as `greengrass:*` still is.
 * Kept by hand: which actions a device calls is AWS's Greengrass documentation, not a fact of the
 * IAM dataset, and half of them (`GetDeploymentConfiguration`, `ListThingGroupsForCoreDevice`,
 * `PutCertificateAuthorities`, `VerifyClientDevice*`) are IoT-policy-only actions it does not list.
 */
export const GREENGRASS_DEVICE_ACTIONS: readonly string[] = [
  'Discover', 'GetComponentVersionArtifact', 'ResolveComponentCandidates', 'GetDeploymentConfiguration',
  'ListThingGroupsForCoreDevice', 'PutCertificateAuthorities', 'VerifyClientDeviceIdentity',
  'VerifyClientDeviceIoTCertificateAssociation', 'GetConnectivityInfo', 'UpdateConnectivityInfo',
];
const GREENGRASS_DEVICE_ACTION_SET: ReadonlySet<string> = new Set(GREENGRASS_DEVICE_ACTIONS.map((a) => a.toLowerCase()));

/**
 * The jobs data plane over HTTPS (and, in current AWS documentation, over MQTT) is authorized
 * with `iotjobsdata:` actions on `thing/<name>`; each is the same device action as its `iot:`
 * namesake, so it is judged as that one. Their names come from the IAM dataset.
 */
function iotJobsDataActions(): string[] {
  return [...iamActionsOf('iotjobsdata')?.values() ?? []].map((a) => a.name);
}

/**
 * Device actions whose resource needs no scoping: a device receives only messages of topics it
 * was allowed to subscribe to, so `iot:Receive` on `topic/*` widens nothing (Device Defender's
 * IOT_POLICY_OVERLY_PERMISSIVE_CHECK documents it as compliant). Subscribe is what is judged.
 */
const UNSCOPED_OK_ACTIONS = new Set(['Receive']);

/**
 * Policy variables whose value identifies the one connecting device. `iot:ClientId` is among
 * them: what binds the client ID to the device is the `iot:Connect` statement, and ID2 judges
 * that one on its own (`client/${iot:ClientId}` there is a tautology unless the statement
 * requires `iot:Connection.Thing.IsAttached`). Thing type, thing attributes and `IsAttached`
 * are shared by many devices or are not names at all, so they do not scope a resource.
 */
const DEVICE_VARIABLES = new Set([
  'iot:connection.thing.thingname',
  'iot:clientid',
  'iot:certificateid',
  'iot:certificate.serialnumber',
  'iot:certificate.subject.commonname',
  'iot:certificate.subject.serialnumber',
  'cognito-identity.amazonaws.com:sub',
]);

/** What the analyzer found in one policy document; each list is one rule's finding IDs. */
export interface PolicyFindings {
  /** ID1: `Action::<glob>` for an Allow of a wildcard action, `NotAction` for an Allow with NotAction. */
  readonly wildcardActions: string[];
  /** ID2: `Resource::<arn>`, `NotResource`, `Action::iot:ListRetainedMessages`. */
  readonly unscopedDataPlane: string[];
  /** ID3: `Action::<action>` for an Allow of anything but device actions, `NotAction`. */
  readonly controlPlane: string[];
  /** ID4: `Resource::<arn>` of a Deny whose topic or topic filter holds MQTT `+` or `#`. */
  readonly denyMqttWildcards: string[];
  /** ID5: `Unresolved::<path>` for each value that could not be read statically. */
  readonly unresolved: string[];
}

/** Where a document sits in its resource, so findings can name what could not be read. */
export interface DocumentLocation {
  /** The path of the document itself, for `Unresolved::<documentPath>`. @default 'PolicyDocument' */
  readonly documentPath?: string;
  /** Put before `Statement[i]...` paths. @default '' */
  readonly statementPrefix?: string;
  /** Labels of `Ref`s that name one device (things of the stack), see `parseResource`. */
  readonly deviceRefs?: ReadonlySet<string>;
}

/** Options of `analyzePolicyDocument`. */
export interface AnalyzeOptions extends DocumentLocation {
  /** The intrinsics the raw document may hold. @default 'cloudformation' */
  readonly dialect?: Dialect;
  /** The table of placeholders already in the document's strings, if it was rendered before. */
  readonly placeholders?: Placeholders;
  /**
   * The stack's parameters, so a `Ref` to one is judged in each of its allowed values.
   * @default - no parameters: every `Ref` names a resource, one fixed value
   */
  readonly parameterValues?: ParameterValues;
}

/** Empty findings. */
export function emptyFindings(): PolicyFindings {
  return { wildcardActions: [], unscopedDataPlane: [], controlPlane: [], denyMqttWildcards: [], unresolved: [] };
}

/** Adds `more` into `into`, keeping each finding once. */
export function mergeFindings(into: PolicyFindings, more: PolicyFindings): void {
  for (const key of Object.keys(into) as (keyof PolicyFindings)[]) {
    for (const f of more[key]) if (!into[key].includes(f)) into[key].push(f);
  }
}

/**
 * Analyzes an IoT policy document as CloudFormation would hold it: an object or a JSON string,
 * intrinsics anywhere, every form it can deploy in judged (see `eachReading`). Never throws:
 * whatever cannot be read is an `Unresolved::` finding.
 */
export function analyzePolicyDocument(document: unknown, options: AnalyzeOptions = {}): PolicyFindings {
  const ph = options.placeholders ?? new Placeholders();
  try {
    const readings = eachReading(
      (reading) => analyzeEvaluatedDocument(evaluate(document, ph, options.dialect ?? 'cloudformation', reading), ph, options),
      options.parameterValues,
    );
    return mergeReadings(readings, options.documentPath ?? 'PolicyDocument') ?? emptyFindings();
  } catch {
    return unreadable(options);
  }
}

/**
 * The findings of every reading of a value together: a finding in one form the value can deploy
 * in is a finding of the value. `undefined` when no reading held a policy; else, when not every
 * reading could be made (see `MAX_READINGS`), `Unresolved::<path>` besides.
 */
export function mergeReadings(readings: Readings<PolicyFindings | undefined>, path: string): PolicyFindings | undefined {
  let merged: PolicyFindings | undefined;
  for (const findings of readings.results) {
    if (!findings) continue;
    merged ??= emptyFindings();
    mergeFindings(merged, findings);
  }
  if (merged && !readings.complete) mergeFindings(merged, { ...emptyFindings(), unresolved: [`Unresolved::${path}`] });
  return merged;
}

/** Analyzes a document already evaluated (see `evaluate`) against `ph`. Never throws. */
export function analyzeEvaluatedDocument(document: Evaluated | undefined, ph: Placeholders, where: DocumentLocation = {}): PolicyFindings {
  try {
    const acc = new Accumulator();
    new DocumentAnalysis(ph, acc, where.statementPrefix ?? '', where.deviceRefs).run(document, where.documentPath ?? 'PolicyDocument');
    return acc.findings;
  } catch {
    return unreadable(where);
  }
}

function unreadable(where: DocumentLocation): PolicyFindings {
  return { ...emptyFindings(), unresolved: [`Unresolved::${where.documentPath ?? 'PolicyDocument'}`] };
}

class Accumulator {
  public readonly findings = emptyFindings();
  public add(key: keyof PolicyFindings, finding: string): void {
    if (!this.findings[key].includes(finding)) this.findings[key].push(finding);
  }
}

/** A list element of a statement: present or not, its strings' segments, and whether any was unreadable. */
interface StringList {
  readonly present: boolean;
  readonly items: Segment[][];
  readonly unreadable: boolean;
}

const hasGlob = (s: string) => s.includes('*') || s.includes('?');

/** What one action string of a statement may grant. */
export interface ActionInfo {
  /** How the action is named in findings: the service in lower case, the name as written. */
  readonly display: string;
  /** Spans more than one action. */
  readonly wildcard: boolean;
  /** The `iot:` actions it matches, by their canonical names (an `iotjobsdata:` action counts as its `iot:` namesake). */
  readonly iotActions: readonly string[];
  /** It may match actions of services other than `iot`. */
  readonly otherServices: boolean;
  /** An `iot:` name (or glob) that matches no known action. */
  readonly unknown: boolean;
}

/** Reads one action string; `undefined` if it is not a readable action name. */
export function parseAction(text: string): ActionInfo | undefined {
  if (text === '*') {
    return { display: '*', wildcard: true, iotActions: iotActionNames(), otherServices: true, unknown: false };
  }
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) return undefined;
  const service = text.slice(0, colon).toLowerCase();
  const name = text.slice(colon + 1);
  const display = `${service}:${name}`;
  const matchName = () => (hasGlob(name)
    ? iotActionNames().filter((a) => globMatch(name, a))
    : [iotActionByName(name.toLowerCase())].filter((a): a is string => a !== undefined));
  if (hasGlob(service)) {
    const iotActions = globMatch(service, 'iot') ? matchName() : [];
    return { display, wildcard: true, iotActions, otherServices: true, unknown: false };
  }
  if (service === 'iotjobsdata') {
    const jobs = hasGlob(name) ? iotJobsDataActions().filter((a) => globMatch(name, a))
      : iotJobsDataActions().filter((a) => a.toLowerCase() === name.toLowerCase());
    return { display, wildcard: jobs.length > 1, iotActions: jobs, otherServices: false, unknown: jobs.length === 0 };
  }
  if (service === 'greengrass' && GREENGRASS_DEVICE_ACTION_SET.has(name.toLowerCase())) {
    return { display, wildcard: false, iotActions: [], otherServices: false, unknown: false };
  }
  if (service !== 'iot') {
    return { display, wildcard: hasGlob(name), iotActions: [], otherServices: true, unknown: false };
  }
  const iotActions = matchName();
  return { display, wildcard: iotActions.length > 1, iotActions, otherServices: false, unknown: iotActions.length === 0 };
}

/** One piece of a resource pattern. */
export type Atom =
  | { readonly k: 'char'; readonly c: string }
  | { readonly k: 'glob' }
  /** A value naming the one connecting device (a device policy variable or provisioning parameter). */
  | { readonly k: 'device'; readonly clientId: boolean }
  /** A fixed value not known statically: a reference to a resource, a pseudo parameter, another policy variable. */
  | { readonly k: 'fixed' }
  /** A provisioning parameter many devices share: fixed, but where a thing is named, no one device. */
  | { readonly k: 'shared' }
  | { readonly k: 'unknown' };

/** A resource string split into atoms, with what its ARN says literally. */
export interface ResourcePattern {
  readonly display: string;
  readonly atoms: readonly Atom[];
  /** The ARN's service, when literal. */
  readonly service?: string;
  /** The ARN's resource type (`topic`, `client`...), when literal. */
  readonly type?: string;
  /** The index of the first atom after `<type>/`. */
  readonly restStart: number;
}

function textAtoms(text: string, out: Atom[]): void {
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('${', i)) {
      const end = text.indexOf('}', i + 2);
      if (end > 0) {
        const name = text.slice(i + 2, end);
        // `${*}`, `${?}` and `${$}` are how a policy writes those characters literally.
        if (name === '*' || name === '?' || name === '$') out.push({ k: 'char', c: name });
        else if (DEVICE_VARIABLES.has(name.toLowerCase())) out.push({ k: 'device', clientId: name.toLowerCase() === 'iot:clientid' });
        else out.push({ k: 'fixed' });
        i = end + 1;
        continue;
      }
    }
    const c = text[i++];
    out.push(c === '*' || c === '?' ? { k: 'glob' } : { k: 'char', c });
  }
}

/**
 * The ARN of one thing of the stack (`Fn::GetAtt` `Arn` of an `AWS::IoT::Thing`):
 * `arn:<partition>:iot:<region>:<account>:thing/<that thing>`, so what follows it (`/*` for its
 * named shadows) is judged as following that one device's name.
 */
function thingArnAtoms(out: Atom[]): void {
  textAtoms('arn:', out);
  out.push({ k: 'fixed' });
  textAtoms(':iot:', out);
  out.push({ k: 'fixed' });
  textAtoms(':', out);
  out.push({ k: 'fixed' });
  textAtoms(':thing/', out);
  out.push({ k: 'device', clientId: false });
}

// Whether a set of device refs holds literal thing names, decided once per set (one per stack and
// pass), not once per text segment of every resource.
const thingNamesIn = new WeakMap<ReadonlySet<string>, boolean>();
function holdsThingNames(deviceRefs: ReadonlySet<string>): boolean {
  let holds = thingNamesIn.get(deviceRefs);
  if (holds === undefined) {
    holds = [...deviceRefs].some((r) => r.startsWith('='));
    thingNamesIn.set(deviceRefs, holds);
  }
  return holds;
}

/**
 * Literal text split into atoms, where a whole path segment (between `/`s) that is the literal
 * name of a thing of the stack (`=<name>` in `deviceRefs`) becomes that device: a per-device
 * policy that writes `dt/sensor-1/*` for the stack's thing `sensor-1` is scoped as the one that
 * writes `dt/${Thing}/*`. A name that is only part of a segment (`sensor-1x`) is not.
 */
function textWithThingNames(text: string, deviceRefs: ReadonlySet<string> | undefined, atoms: Atom[]): void {
  if (!deviceRefs || !holdsThingNames(deviceRefs)) {
    textAtoms(text, atoms);
    return;
  }
  text.split('/').forEach((part, i) => {
    if (i > 0) textAtoms('/', atoms);
    if (part.length > 0 && deviceRefs.has(`=${part}`)) atoms.push({ k: 'device', clientId: false });
    else textAtoms(part, atoms);
  });
}

/**
 * Splits a resource into atoms and reads its ARN's service and resource type where literal.
 * The region and account fields may hold anything (`*`, a reference, an unreadable value):
 * an IoT policy is only evaluated for its own account and region, so they name no other
 * device's resource. A known limit: in IAM's ARN matching a `*` that ends a field may match
 * across colons, so `arn:aws:iot:*:*:topic/t/${thing}` also matches a topic named
 * `<anything>:topic/t/<thing>`, which the device could then use; such a name still ends with the
 * device's own scoped part, and is not judged. A wildcard or an unreadable value in the
 * partition, the service or the resource type leaves them unknown.
 * @param deviceRefs labels of `ref` segments that name one device (a `Ref` to an
 * `AWS::IoT::Thing` of the stack): a per-device policy written for that thing; and, each after
 * `=` (which no logical ID holds), the literal names of those things (see `textWithThingNames`)
 */
export function parseResource(segments: readonly Segment[], deviceRefs?: ReadonlySet<string>): ResourcePattern {
  const atoms: Atom[] = [];
  for (const s of segments) {
    if (s.kind === 'text') textWithThingNames(s.text, deviceRefs, atoms);
    else if (s.kind === 'device' || (s.kind === 'ref' && deviceRefs?.has(s.label))) atoms.push({ k: 'device', clientId: false });
    else if (s.kind === 'ref' && /\.Arn$/.test(s.label) && deviceRefs?.has(s.label.slice(0, -4))) thingArnAtoms(atoms);
    else if (s.kind === 'unresolved') atoms.push({ k: 'unknown' });
    else if (s.kind === 'shared') atoms.push({ k: 'shared' });
    else atoms.push({ k: 'fixed' });
  }
  const display = displaySegments(segments);
  const literalPrefix = (n: number) => atoms.slice(0, n).map((a) => (a.k === 'char' ? a.c : '\0')).join('');
  if (literalPrefix(4) !== 'arn:') return { display, atoms, restStart: atoms.length };
  // Fields: 1 partition, 2 service, 3 region, 4 account, then the resource.
  let fieldNo = 1;
  let current = '';
  let literal = true;
  let service: string | undefined;
  let i = 4;
  for (; i < atoms.length && fieldNo < 5; i++) {
    const a = atoms[i];
    const regionOrAccount = fieldNo === 3 || fieldNo === 4;
    if ((a.k === 'glob' || a.k === 'unknown') && !regionOrAccount) return { display, atoms, service, restStart: atoms.length };
    if (a.k === 'char' && a.c === ':') {
      if (fieldNo === 2 && literal) service = current;
      fieldNo++;
      current = '';
      literal = true;
    } else if (a.k === 'char') {
      current += a.c;
    } else {
      literal = false;
    }
  }
  if (fieldNo < 5) return { display, atoms, service, restStart: atoms.length };
  let type = '';
  for (; i < atoms.length; i++) {
    const a = atoms[i];
    if (a.k !== 'char') return { display, atoms, service, restStart: atoms.length };
    if (a.c === '/') return { display, atoms, service, type, restStart: i + 1 };
    type += a.c;
  }
  return { display, atoms, service, type, restStart: atoms.length };
}

/** How a resource stands for one device action. */
export type Verdict = 'scoped' | 'unscoped' | 'irrelevant' | 'unknown';

/** The text of the atoms from `start`: globs as `*`, fixed and device values as \u0001, unknown as \u0002. */
function restText(atoms: readonly Atom[], start: number): string {
  return atoms.slice(start).map((a) => (a.k === 'char' ? a.c : a.k === 'glob' ? '*' : a.k === 'unknown' ? '\u0002' : '\u0001')).join('');
}

/**
 * The fleet provisioning MQTT API: `$aws/certificates/create/...`, `$aws/certificates/create-from-csr/...`
 * and `$aws/provisioning-templates/<one template>/provision/...`. AWS IoT answers each request only
 * to the client that made it, and the topics carry no other device's data, so the claim
 * certificate's policy (documented by AWS as required) is scoped when it names its template.
 * A wildcard template name lets the claim provision through any template of the account.
 */
const PROVISIONING_TOPIC = /^\$aws\/(certificates\/create(-from-csr)?\/|provisioning-templates\/[^/*\u0002]+\/provision\/)/;

/**
 * Where a resource names one thing or client: the client ID of `client/<id>`, the thing of
 * `thing/<name>[/<shadow>]`, and the thing of the reserved topics `$aws/things/<name>/...`.
 * Returns the atom range of that name, if the resource has one.
 */
function thingNameRange(pattern: ResourcePattern): [number, number] | undefined {
  const { atoms, type, restStart } = pattern;
  let start: number;
  if (type === 'client' || type === 'thing') start = restStart;
  else if ((type === 'topic' || type === 'topicfilter') && restText(atoms, restStart).startsWith('$aws/things/')) start = restStart + 12;
  else return undefined;
  let end = start;
  while (end < atoms.length && !(atoms[end].k === 'char' && (atoms[end] as { c: string }).c === '/')) end++;
  return end > start ? [start, end] : undefined;
}

/** Characters a thing name may hold; anything else ends a name. */
const THING_NAME_CHAR = /^[A-Za-z0-9:_-]$/;
/** Characters that end a naming prefix (`sensor-`, `site_a:`): a prefix plus `*` is a family of names. */
const PREFIX_SEPARATOR = /^[-_:.]$/;

/**
 * A name in a thing-name position (see `thingNameRange`) that is fixed or the device's own names
 * one device, and becomes one device atom. A trailing wildcard keeps it one device only where no
 * other thing's name can start with what precedes it:
 * - after the device's identity (`${iot:Connection.Thing.ThingName}*`, a thing of the stack plus
 *   `*`) it spans every thing whose name starts with this one's (sensor-1 reaches sensor-10..19),
 *   unless the character before it cannot be part of a thing name (`${ThingName}#*`);
 * - after a literal name it names that device's suffixed client IDs, as AWS's minimal Greengrass
 *   V2 core device policy writes `client/core-device-thing-name*`, but a literal that ends in a
 *   separator (`client/sensor-*`) is a naming prefix and spans the family.
 * A name that starts with a wildcard (`$aws/things/*`), holds one before its end or holds a
 * shared provisioning parameter spans devices, and is left as it is for `judgeResource`.
 */
function collapseThingName(pattern: ResourcePattern): readonly Atom[] {
  const range = thingNameRange(pattern);
  if (!range) return pattern.atoms;
  const [start, end] = range;
  const name = pattern.atoms.slice(start, end);
  let body = name.length;
  while (body > 0 && name[body - 1].k === 'glob') body--;
  if (body === 0 || body < name.length - 1) return pattern.atoms;
  const fixed = name.slice(0, body);
  if (fixed.some((a) => a.k === 'glob' || a.k === 'unknown' || a.k === 'shared' || (a.k === 'device' && a.clientId))) return pattern.atoms;
  if (body < name.length) {
    const last = fixed[fixed.length - 1];
    const endsName = last.k === 'char' && !THING_NAME_CHAR.test(last.c);
    const literalName = fixed.every((a) => a.k === 'char') && !PREFIX_SEPARATOR.test((last as { c: string }).c);
    if (!endsName && !literalName) return pattern.atoms;
  }
  return [...pattern.atoms.slice(0, start), { k: 'device', clientId: false }, ...pattern.atoms.slice(end)];
}

/**
 * Whether a resource, for an action authorized on `type`, is scoped to the connecting device.
 * A wildcard before any device variable is not; nor is one right after it (`${ThingName}*`
 * also matches every thing whose name starts with this one's), except at the end of a thing
 * name (see `collapseThingName`). A resource with no wildcard is one fixed resource, a
 * deliberate choice such as a broadcast topic, and is scoped. A resource whose literal ARN
 * names another service or resource type grants nothing for this action. For `iot:Connect`, a
 * statement requiring `iot:Connection.Thing.IsAttached` binds the client ID to a thing attached
 * to the certificate whatever the resource (AWS's thing policy example allows `*` so), and the
 * fleet provisioning topics of one template are scoped (see `PROVISIONING_TOPIC`).
 */
export function judgeResource(pattern: ResourcePattern, type: DeviceResourceType, clientIdBound: boolean): Verdict {
  if (pattern.service !== undefined && pattern.service !== 'iot') return 'irrelevant';
  if (pattern.type !== undefined && pattern.type !== type) return 'irrelevant';
  if (type === 'client' && clientIdBound) return 'scoped';
  const mqtt = pattern.type === 'topic' || pattern.type === 'topicfilter';
  if (mqtt && PROVISIONING_TOPIC.test(restText(pattern.atoms, pattern.restStart))) return 'scoped';
  const nameRange = thingNameRange(pattern);
  if (nameRange && pattern.atoms.slice(nameRange[0], nameRange[1]).some((a) => a.k === 'shared')) return 'unscoped';
  const atoms = collapseThingName(pattern);
  // In a literal IoT ARN only the resource part (after `<type>/`) can span devices; anywhere
  // else the whole string is judged, so `arn:aws:*:*:*:*` and `*` are wildcards before any device.
  const from = pattern.service === 'iot' && pattern.type !== undefined ? pattern.restStart : 0;
  let scoped = false;
  let afterDevice = false;
  for (let i = from; i < atoms.length; i++) {
    const a = atoms[i];
    const wildcard = a.k === 'glob' || (mqtt && i >= pattern.restStart && a.k === 'char' && (a.c === '+' || a.c === '#'));
    if (wildcard) {
      if (!scoped || afterDevice) return 'unscoped';
      afterDevice = false;
    } else if (a.k === 'device' && (pattern.type === undefined || i >= pattern.restStart)) {
      // For iot:Connect, `client/${iot:ClientId}` allows whatever client ID the device presents.
      if (a.clientId && type === 'client') return 'unscoped';
      scoped = true;
      afterDevice = true;
    } else if (a.k === 'unknown') {
      return scoped && !afterDevice ? 'scoped' : 'unknown';
    } else {
      afterDevice = false;
    }
  }
  return 'scoped';
}

/** Whether a Deny's resource is a topic or topic filter holding MQTT `+` or `#`, literal characters in a policy. */
export function hasMqttWildcard(pattern: ResourcePattern): boolean {
  if (pattern.type !== 'topic' && pattern.type !== 'topicfilter') return false;
  return pattern.atoms.slice(pattern.restStart).some((a) => a.k === 'char' && (a.c === '+' || a.c === '#'));
}

const IS_ATTACHED_OPERATORS = new Set(['bool', 'stringequals', 'stringequalsignorecase']);

/** A Deny statement as far as it takes from the Allows (see `DocumentAnalysis.denied`). */
interface Denial {
  /** The `iot:` actions it denies. */
  readonly actions: ReadonlySet<string>;
  readonly resources: readonly ResourcePattern[];
  /** It has no Condition: it always applies. */
  readonly unconditional: boolean;
  /** Its only condition is that the connection's thing is not attached to the certificate. */
  readonly whenThingNotAttached: boolean;
}

/** Whether a Deny resource matches everything an Allow resource does (decided on literal text; else not). */
function covers(deny: ResourcePattern, allow: ResourcePattern): boolean {
  if (deny.display === allow.display && deny.atoms.every((a) => a.k === 'char' || a.k === 'glob')) return true;
  const atoms = deny.atoms;
  if (atoms.length === 0 || atoms[atoms.length - 1].k !== 'glob') return false;
  const prefix = atoms.slice(0, -1);
  if (!prefix.every((a) => a.k === 'char')) return false;
  if (allow.atoms.length < prefix.length) return false;
  // Character for character, case included: AWS IoT topic names and filters, client IDs and thing
  // names are case-sensitive, so a Deny of `topic/Devices/*` takes nothing from an Allow of `topic/devices/*`.
  return prefix.every((a, i) => {
    const b = allow.atoms[i];
    return b.k === 'char' && b.c === (a as { c: string }).c;
  });
}

/** `client/<literal>*`: every client ID that starts with one literal prefix. */
function isClientFamily(pattern: ResourcePattern): boolean {
  if (pattern.service !== 'iot' || pattern.type !== 'client') return false;
  const id = pattern.atoms.slice(pattern.restStart);
  return id.length > 1 && id[id.length - 1].k === 'glob' && id.slice(0, -1).every((a) => a.k === 'char');
}

class DocumentAnalysis {
  private readonly denials: Denial[] = [];
  /** `iot:Connect` resources naming a family of client IDs (`client/provisioning-*`), held back until the document is read. */
  private readonly clientFamilies = new Set<string>();
  /** Whether the document grants MQTT on anything but the fleet provisioning topics of a template. */
  private grantsOtherTopics = false;
  /** Whether the document grants MQTT on the fleet provisioning topics of a template. */
  private grantsProvisioningTopics = false;

  constructor(
    private readonly ph: Placeholders,
    private readonly acc: Accumulator,
    private readonly prefix: string,
    private readonly deviceRefs?: ReadonlySet<string>,
  ) {}

  public run(document: Evaluated | undefined, documentPath: string): void {
    let doc = document;
    if (typeof doc === 'string') doc = parseJson(doc);
    if (!isJsonObject(doc)) {
      this.acc.add('unresolved', `Unresolved::${documentPath}`);
      return;
    }
    const statement = field(doc, 'Statement');
    if (statement === undefined) return;
    const statements = Array.isArray(statement) ? statement : isJsonObject(statement) ? [statement] : undefined;
    if (!statements) {
      this.unresolved('Statement');
      return;
    }
    // Denies first: an Allow is judged for what it grants once every Deny that decidably applies is taken away.
    const parsed = statements.map((s, i) => (isJsonObject(s) ? this.parse(s, `Statement[${i}]`) : undefined));
    statements.forEach((s, i) => {
      if (!isJsonObject(s)) this.unresolved(`Statement[${i}]`);
    });
    for (const p of parsed) if (p?.effect === 'deny') this.deny(p);
    for (const p of parsed) if (p?.effect === 'allow') this.allow(p);
    // A claim certificate is shared by every device of a fleet by design, and a policy that lets
    // it reach only the provisioning topics of its templates can give it nothing but a certificate
    // of its own: a family of claim client IDs (`client/provisioning-*`) then impersonates no
    // device, since devices connect as their own thing. Anywhere else such a family spans devices.
    if (this.grantsProvisioningTopics && !this.grantsOtherTopics) return;
    for (const display of this.clientFamilies) this.acc.add('unscopedDataPlane', `Resource::${display}`);
  }

  private unresolved(path: string): void {
    this.acc.add('unresolved', `Unresolved::${this.prefix}${path}`);
  }

  private literal(value: Evaluated | undefined): string | undefined {
    if (typeof value !== 'string') return undefined;
    const segments = this.ph.decode(value);
    if (segments.length === 0) return '';
    return segments.length === 1 && segments[0].kind === 'text' ? segments[0].text : undefined;
  }

  private list(stmt: { [key: string]: Evaluated }, name: string, path: string): StringList {
    const value = field(stmt, name);
    if (value === undefined) return { present: false, items: [], unreadable: false };
    const raw = Array.isArray(value) ? value : [value];
    const items: Segment[][] = [];
    let unreadable = false;
    for (const item of raw) {
      if (typeof item === 'string') items.push(this.ph.decode(item));
      else unreadable = true;
    }
    if (unreadable) this.unresolved(`${path}.${name}`);
    return { present: true, items, unreadable };
  }

  private actions(list: StringList, path: string, name: string): { infos: ActionInfo[]; unreadable: boolean } {
    const infos: ActionInfo[] = [];
    let unreadable = list.unreadable;
    for (const segments of list.items) {
      const info = segments.length === 1 && segments[0].kind === 'text' ? parseAction(segments[0].text) : undefined;
      if (info) {
        infos.push(info);
      } else {
        unreadable = true;
        this.unresolved(`${path}.${name}`);
      }
    }
    return { infos, unreadable };
  }

  private resources(list: StringList, path: string, name: string): ResourcePattern[] {
    return list.items.map((segments) => {
      if (segments.some((s) => s.kind === 'unresolved')) this.unresolved(`${path}.${name}`);
      return parseResource(segments, this.deviceRefs);
    });
  }

  private parse(stmt: { [key: string]: Evaluated }, path: string): ParsedStatement {
    const effect = this.literal(field(stmt, 'Effect'))?.toLowerCase();
    const action = this.actions(this.list(stmt, 'Action', path), path, 'Action');
    const notActionPresent = field(stmt, 'NotAction') !== undefined;
    const notAction = this.actions(this.list(stmt, 'NotAction', path), path, 'NotAction');
    const resources = this.resources(this.list(stmt, 'Resource', path), path, 'Resource');
    const notResourceList = this.list(stmt, 'NotResource', path);
    this.resources(notResourceList, path, 'NotResource');
    if (effect !== 'allow' && effect !== 'deny') this.unresolved(`${path}.Effect`);
    return {
      effect, stmt, actions: action.infos, actionUnreadable: action.unreadable,
      notAction: notActionPresent ? notAction : undefined, resources, notResource: notResourceList.present,
    };
  }

  private deny(p: ParsedStatement): void {
    for (const r of p.resources) if (hasMqttWildcard(r)) this.acc.add('denyMqttWildcards', `Resource::${r.display}`);
    // A Deny with NotAction or NotResource, or actions that cannot be read, is not credited: what it
    // leaves out cannot be decided here. Conservative: the Allow is judged as if it were absent.
    if (p.notAction || p.notResource || p.actionUnreadable) return;
    const condition = field(p.stmt, 'Condition');
    this.denials.push({
      actions: new Set(p.actions.flatMap((a) => a.iotActions)),
      resources: p.resources,
      unconditional: condition === undefined,
      whenThingNotAttached: condition !== undefined && this.onlyThingNotAttached(condition),
    });
  }

  /** Whether an unconditional Deny takes `action` on `resource` away. */
  private denied(action: string, resource: ResourcePattern): boolean {
    return this.denials.some((d) => d.unconditional && d.actions.has(action) && d.resources.some((r) => covers(r, resource)));
  }

  /**
   * Whether a Deny of `iot:Connect` on every client applies whenever the connection's thing is not
   * attached to the certificate: then, as with an Allow that requires it, the client ID is bound.
   */
  private connectNeedsAttachedThing(): boolean {
    return this.denials.some((d) => d.whenThingNotAttached && d.actions.has('Connect')
      && d.resources.some((r) => r.display === '*' || (r.type === 'client' && restText(r.atoms, r.restStart) === '*')));
  }

  private allow(p: ParsedStatement): void {
    const granted = new Set<string>();
    // Actions the statement names itself (not through a wildcard): a finding about an action
    // names only what the author wrote, and one wildcard is one cause (ID1), not several.
    const named = new Set<string>();
    for (const a of p.actions) {
      if (a.wildcard) {
        this.acc.add('wildcardActions', `Action::${a.display}`);
      } else if (a.otherServices || a.unknown || a.iotActions.some((n) => !DEVICE_ACTIONS.has(n))) {
        this.acc.add('controlPlane', `Action::${a.display}`);
      }
      for (const n of a.iotActions) {
        if (!DEVICE_ACTIONS.has(n)) continue;
        granted.add(n);
        if (!a.wildcard) named.add(n);
      }
    }
    if (p.notAction) {
      // Everything but the listed actions, which always includes every other service: one cause, ID1's.
      this.acc.add('wildcardActions', 'NotAction');
      if (!p.notAction.unreadable) {
        const excluded = new Set(p.notAction.infos.flatMap((a) => a.iotActions));
        for (const n of DEVICE_ACTIONS.keys()) if (!excluded.has(n)) granted.add(n);
      }
    }
    const judged = [...granted].filter((n) => !UNSCOPED_OK_ACTIONS.has(n));
    if (judged.length === 0) return;
    if (p.notResource) this.acc.add('unscopedDataPlane', 'NotResource');
    const clientIdBound = this.requiresAttachedThing(field(p.stmt, 'Condition')) || this.connectNeedsAttachedThing();
    for (const r of p.resources) {
      const types = new Set(judged.filter((n) => !this.denied(n, r)).map((n) => DEVICE_ACTIONS.get(n)!));
      for (const type of types) {
        const verdict = judgeResource(r, type, clientIdBound);
        if (type === 'topic' || type === 'topicfilter') {
          const provisioning = (r.type === 'topic' || r.type === 'topicfilter') && PROVISIONING_TOPIC.test(restText(r.atoms, r.restStart));
          if (provisioning) this.grantsProvisioningTopics = true;
          else if (verdict !== 'irrelevant') this.grantsOtherTopics = true;
        }
        if (verdict !== 'unscoped') continue;
        if (type === 'client' && isClientFamily(r)) {
          this.clientFamilies.add(r.display);
          continue;
        }
        // Only `*` authorizes ListRetainedMessages: where the author named it, the action is what to fix.
        if (type === 'account' && named.has('ListRetainedMessages')) this.acc.add('unscopedDataPlane', 'Action::iot:ListRetainedMessages');
        else this.acc.add('unscopedDataPlane', `Resource::${r.display}`);
      }
    }
    if (p.notResource && named.has('ListRetainedMessages')) this.acc.add('unscopedDataPlane', 'Action::iot:ListRetainedMessages');
  }

  /**
   * The values of `iot:Connection.Thing.IsAttached` a Condition tests, if it tests it with a
   * boolean operator, each with its set qualifier. IAM reads `ForAnyValue:` as the plain operator
   * for a single-valued key that is present (and as false where it is absent, as the plain one),
   * but `ForAllValues:` as true where the key is absent or empty (IAM's condition operators
   * reference). AWS IoT supplies the key only for a connection authenticated by an X.509
   * certificate (a thing is associated with a connection through its certificate), so under
   * `ForAllValues:` a connection through a custom authorizer or Cognito passes the condition.
   */
  private isAttachedValues(condition: Evaluated | undefined): { values: string[]; forAllValues: boolean }[] {
    if (!isJsonObject(condition)) return [];
    const out: { values: string[]; forAllValues: boolean }[] = [];
    for (const [operator, block] of Object.entries(condition)) {
      const m = /^(forallvalues:|foranyvalue:)?(.*)$/s.exec(operator.toLowerCase())!;
      if (!IS_ATTACHED_OPERATORS.has(m[2]) || !isJsonObject(block)) continue;
      for (const [key, value] of Object.entries(block)) {
        if (key.toLowerCase() !== 'iot:connection.thing.isattached') continue;
        out.push({
          forAllValues: m[1] === 'forallvalues:',
          values: (Array.isArray(value) ? value : [value]).map((v) => (v === true ? 'true' : v === false ? 'false' : this.literal(v)?.toLowerCase() ?? '?')),
        });
      }
    }
    return out;
  }

  /**
   * Whether a Condition requires `iot:Connection.Thing.IsAttached` to be true. Several values of
   * one key are ORed: a list that also holds `false` lets any client in, and is no requirement;
   * nor is `ForAllValues:`, true for a connection without the key.
   */
  private requiresAttachedThing(condition: Evaluated | undefined): boolean {
    return this.isAttachedValues(condition).some((t) => !t.forAllValues && t.values.length > 0 && t.values.every((v) => v === 'true'));
  }

  /** Whether a Condition is exactly `iot:Connection.Thing.IsAttached` is false (one operator, one key). */
  private onlyThingNotAttached(condition: Evaluated): boolean {
    if (!isJsonObject(condition)) return false;
    const blocks = Object.values(condition);
    if (blocks.length !== 1 || !isJsonObject(blocks[0]) || Object.keys(blocks[0]).length !== 1) return false;
    // A Deny under `ForAllValues:` applies also where the key is absent: it denies at least as much.
    const tests = this.isAttachedValues(condition);
    return tests.length === 1 && tests[0].values.length > 0 && tests[0].values.every((v) => v === 'false');
  }
}

/** One statement, read. */
interface ParsedStatement {
  readonly effect: string | undefined;
  readonly stmt: { [key: string]: Evaluated };
  readonly actions: ActionInfo[];
  readonly actionUnreadable: boolean;
  readonly notAction?: { infos: ActionInfo[]; unreadable: boolean };
  readonly resources: ResourcePattern[];
  readonly notResource: boolean;
}
