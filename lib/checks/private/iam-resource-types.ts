import { expandIamAction, IamActionFacts, iamDataFile } from './iam-data';

/**
 * Which resources an IAM action can be authorized on, from the pinned IAM dataset (the Service
 * Authorization Reference as JSON, see `iam-data.ts`).
 *
 * IAM authorizes a request on the resource ARNs the action names. The Service Authorization
 * Reference lists, for each action, its resource types and each type's ARN format ("Resource types
 * defined by AWS IoT": `thing` is `arn:${Partition}:iot:${Region}:${Account}:thing/${ThingName}`).
 * In AWS's words (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html):
 * an empty Resource types column means the action does not support resource-level permissions
 * and the policy must name all resources (`*`); all actions and resources of one statement must be
 * compatible with each other, and when a resource is not valid for the action, a request using that
 * action fails and the statement's Effect does not apply. `Resource` takes `*` and `?` within each
 * colon-separated segment of an ARN, and a `*` that ends a segment may extend past colons; policy
 * variables (`${aws:username}`) stand for request values
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
 *
 * A resource type marked optional (no `*` in the reference's column) still names the only ARNs
 * the action is authorized on: the reference says that an ARN given for the action must be of one
 * of its types, and that an action with several types may use one and not the other. Condition
 * keys never make a resource match, so they are not read. The dataset holds one ARN format per
 * type; a resource with several formats appears as several types (S3's `object` and
 * `accesspointobject`), each tried.
 */

/** One resource type of an action, with its ARN format as the reference writes it. */
export interface IamResourceType {
  /** The type's name as the reference writes it (`thing`, `cert`, `object`). */
  readonly name: string;
  readonly required: boolean;
  /** Its ARN format, placeholders as `${Name}` (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`). */
  readonly arn: string;
}

const typesByService = new Map<string, ReadonlyMap<string, string>>();

/** The ARN format of each resource type of a service, by lower-case type name. */
function arnFormats(service: string): ReadonlyMap<string, string> {
  const cached = typesByService.get(service);
  if (cached) return cached;
  const raw = (iamDataFile('resourceTypes', service) ?? {}) as { [key: string]: { key?: string; arn?: string } };
  const out = new Map<string, string>();
  for (const [key, t] of Object.entries(raw)) if (typeof t?.arn === 'string') out.set(key.toLowerCase(), t.arn);
  typesByService.set(service, out);
  return out;
}

type RawActions = { [lower: string]: { resourceTypes?: { name: string; required?: boolean }[] } };
const rawResourceTypes = new Map<string, RawActions>();

const typesByAction = new WeakMap<IamActionFacts, readonly IamResourceType[]>();

/** The resource types an action of the dataset is authorized on; empty for an action that only takes `*`. */
export function iamResourceTypes(action: IamActionFacts): readonly IamResourceType[] {
  const cached = typesByAction.get(action);
  if (cached) return cached;
  const types = readResourceTypes(action);
  typesByAction.set(action, types);
  return types;
}

function readResourceTypes(action: IamActionFacts): readonly IamResourceType[] {
  let raw = rawResourceTypes.get(action.service);
  if (!raw) {
    raw = (iamDataFile('actions', action.service) ?? {}) as RawActions;
    rawResourceTypes.set(action.service, raw);
  }
  const formats = arnFormats(action.service);
  return (raw[action.name.toLowerCase()]?.resourceTypes ?? []).map((t) => ({
    name: t.name,
    required: t.required === true,
    // A type the service file lacks cannot be matched by ARN: an empty format matches no ARN.
    arn: formats.get(t.name.toLowerCase()) ?? '',
  }));
}

/** A glob as symbols: a literal character, `?` (one character) or `*` (any string). */
type Sym = { readonly kind: 'char'; readonly c: string } | { readonly kind: 'one' } | { readonly kind: 'any' };

/** Text as glob symbols: `*`, `?`, and `${...}` (a placeholder or a policy variable: any string). */
function symbols(text: string): Sym[] {
  const out: Sym[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i);
      if (end > 0) {
        out.push({ kind: 'any' });
        i = end;
        continue;
      }
    }
    out.push(text[i] === '*' ? { kind: 'any' } : text[i] === '?' ? { kind: 'one' } : { kind: 'char', c: text[i] });
  }
  return out;
}

/** Whether some string matches both globs (memoized, quadratic in the lengths). */
function intersects(a: Sym[], b: Sym[]): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    memo.set(key, false);
    let r: boolean;
    if (i === a.length && j === b.length) r = true;
    else if (i < a.length && a[i].kind === 'any') r = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (j < b.length && b[j].kind === 'any') r = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else if (i === a.length || j === b.length) r = false;
    else {
      const x = a[i];
      const y = b[j];
      r = (x.kind === 'one' || y.kind === 'one' || (x.kind === 'char' && y.kind === 'char' && x.c === y.c)) && go(i + 1, j + 1);
    }
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/** The six colon-separated parts of an ARN (the sixth keeps its own colons). */
function arnParts(text: string): string[] | undefined {
  const parts = text.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/**
 * Whether a statement's `Resource` entry can name an ARN of the reference's format `pattern`:
 * partition, service, region, account and resource matched one by one, each a glob of `*`/`?`;
 * `${...}` (a policy variable, or a part of the template known only at deploy) matches anything.
 * An entry with fewer than six parts whose last part holds a `*` (which crosses colons) is
 * matched against the rest of the pattern (`arn:aws:iot:*` names every IoT ARN).
 */
export function canBeArnOf(statementResource: string, pattern: string): boolean {
  // A pure function of two strings, asked again for every action of every statement naming the resource.
  const key = `${statementResource}\u0000${pattern}`;
  const cached = matches.get(key);
  if (cached !== undefined) return cached;
  if (matches.size >= MAX_MATCHES) matches.clear();
  const result = matchArn(statementResource, pattern);
  matches.set(key, result);
  return result;
}

const MAX_MATCHES = 20_000;
const matches = new Map<string, boolean>();

function matchArn(statementResource: string, pattern: string): boolean {
  const resource = statementResource.replace(/\$\{[^}]*\}/g, '*');
  if (resource === '*') return true;
  const p = arnParts(pattern);
  if (!p) return false;
  const r = arnParts(resource);
  if (r) return r.every((part, i) => intersects(symbols(part), symbols(p[i])));
  const short = resource.split(':');
  const last = short.length - 1;
  if (!short[last].includes('*')) return false;
  return short.slice(0, last).every((part, i) => intersects(symbols(part), symbols(p[i])))
    && intersects(symbols(short[last]), symbols(p.slice(last).join(':')));
}

/** A statement's `Resource` entry as the rule reads it. */
export interface StatementResource {
  /** The entry as a glob, parts known only at deploy as `*` or `${...}`. */
  readonly pattern: string;
  /**
   * The resource type the entry names, when it is the ARN of a resource of the template whose
   * type is known (`s3:bucket` for `Fn::GetAtt [Bucket, Arn]`): judged by type, not by pattern.
   */
  readonly type?: { readonly service: string; readonly name: string };
}

/** Whether one action of the dataset can be authorized on `resource`. */
export function actionAppliesTo(action: IamActionFacts, resource: StatementResource): boolean {
  if (resource.pattern === '*' && !resource.type) return true;
  const types = iamResourceTypes(action);
  if (resource.type) {
    const { service, name } = resource.type;
    return action.service === service && types.some((t) => t.name.toLowerCase() === name.toLowerCase());
  }
  return types.some((t) => t.arn !== '' && canBeArnOf(resource.pattern, t.arn));
}

/** What `grantEffect` finds of one action string of a statement. */
export type GrantEffect =
  /** Some action it names can be authorized on some resource of the statement. */
  | { readonly kind: 'effective' }
  /** The dataset knows no action by that name (or the glob matches none), or not its service. */
  | { readonly kind: 'unknown' }
  /** No action it names can be authorized on any resource of the statement. */
  | { readonly kind: 'ineffective'; readonly needs: readonly string[] };

/**
 * Whether an action string of an Allow statement (`iot:AttachThingPrincipal`, `iot:Update*`)
 * takes effect on the statement's resources: a wildcard is effective when any action it matches
 * applies to any resource. `needs` lists the resource types its actions are authorized on, sorted,
 * `*` standing for "no resource-level permissions".
 */
export function grantEffect(action: string, resources: readonly StatementResource[]): GrantEffect {
  // `*` and a glob of services (`*:Describe*`) name actions of every service, those AWS adds later
  // too: some applies to any resource. Not expanded, which would read every service's file.
  const colon = action.indexOf(':');
  if (action === '*' || (colon > 0 && /[*?]/.test(action.slice(0, colon)))) return { kind: 'effective' };
  const { actions } = expandIamAction(action);
  if (actions.length === 0) return { kind: 'unknown' };
  if (actions.some((a) => resources.some((r) => actionAppliesTo(a, r)))) return { kind: 'effective' };
  const needs = new Set<string>();
  for (const a of actions) {
    const types = iamResourceTypes(a);
    if (types.length === 0) needs.add('*');
    for (const t of types) needs.add(t.name);
  }
  return { kind: 'ineffective', needs: [...needs].sort() };
}

