import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as iot from 'aws-cdk-lib/aws-iot';
import { Construct, IConstruct } from 'constructs';
import { AssetTagsProps, Criticality, DataClass } from '../core/asset-tags';
import { RiskProfile } from '../core/risk-profile';
import { acknowledge, secureKey, secureLogGroup } from '../core/private/secure-defaults';
import { applyAssetTags } from '../core/private/default-tags';
import { FleetIndexing, IndexedField, IndexedFieldType, ThingIndexingMode } from './fleet-indexing';
import { FieldUse, parseFleetIndexQuery, QuerySyntaxError } from './private/fleet-index-query';
import { describeValue } from '../core/private/describe';
import { riskProfileOf } from '../core/private/risk-profile-of';

/**
 * The query of a dynamic thing group: a fleet indexing query, parsed and checked by
 * `DeviceInventory` (which names the construct in any error), with factories for the actionable
 * sets of practice 2.
 */
export class DynamicGroupQuery {
  /** Any fleet indexing query, e.g. `attributes.site:plant-1 AND connectivity.connected:false`. */
  public static of(query: string): DynamicGroupQuery {
    return new DynamicGroupQuery(query);
  }

  /**
   * Devices whose firmware build is below `build`: `attributes.<attribute> < build`. Firmware
   * must be reported as a monotonically increasing number (version strings do not compare), so
   * the attribute must be indexed as a Number custom field.
   * @param attribute the thing attribute holding the build number, default `firmwareBuild`
   */
  public static firmwareOlderThan(build: number, attribute?: string): DynamicGroupQuery {
    return new DynamicGroupQuery(`attributes.${attribute ?? 'firmwareBuild'} < ${build}`);
  }

  /** Devices not connected now (`connectivity.connected:false`); needs connectivity indexing. */
  public static disconnected(): DynamicGroupQuery {
    return new DynamicGroupQuery('connectivity.connected:false');
  }

  /**
   * Devices disconnected since before a fixed instant (`connectivity.timestamp` is the last
   * connect or disconnect, epoch milliseconds). For a cut-off that moves with time, use
   * `disconnectedForDays`.
   */
  public static disconnectedSince(epochMillis: number): DynamicGroupQuery {
    return new DynamicGroupQuery(`connectivity.connected:false AND connectivity.timestamp < ${epochMillis}`);
  }

  /**
   * Devices not connected for `days` days or more. Fleet indexing has no relative time, so
   * `DeviceInventory` refreshes the cut-off (`connectivity.timestamp`, epoch milliseconds) of
   * this group every hour with a scheduled state machine; until its first run after a deploy the
   * group is empty (the template holds the cut-off 0).
   */
  public static disconnectedForDays(days: number): DynamicGroupQuery {
    return new DynamicGroupQuery(`${DISCONNECTED_PREFIX}0`, days);
  }

  /**
   * Devices that report themselves out of compliance in their classic shadow:
   * `shadow.reported.<field>:false`; needs shadow indexing.
   * @param field the reported Boolean, default `compliant`
   */
  public static nonCompliant(field?: string): DynamicGroupQuery {
    return new DynamicGroupQuery(`shadow.reported.${field ?? 'compliant'}:false`);
  }

  private constructor(
    /** The query string (for a refreshed query, as the template holds it). */
    public readonly queryString: string,
    /** Days disconnected, when the query's cut-off is refreshed on a schedule. */
    public readonly disconnectedDays?: number,
  ) {}
}

const DISCONNECTED_PREFIX = 'connectivity.connected:false AND connectivity.timestamp < ';

/** A thing type of the inventory. */
export interface InventoryThingType {
  /** The thing type's name: 1-128 letters, digits, ':', '_' or '-'. */
  readonly name: string;
  /**
   * Attributes searchable in the registry without fleet indexing (AWS allows three).
   * @default ['criticality', 'site', 'patchable']
   */
  readonly searchableAttributes?: string[];
  /**
   * @default - none
   */
  readonly description?: string;
}

/** A dynamic thing group of the inventory. */
export interface InventoryDynamicGroup {
  /** The group's name: 1-128 letters, digits, ':', '_' or '-'. */
  readonly name: string;
  /** Which things belong to it. */
  readonly query: DynamicGroupQuery;
  /**
   * @default - none
   */
  readonly description?: string;
}

/** Props of `DeviceInventory`. */
export interface DeviceInventoryProps {
  /**
   * The root of the static thing group hierarchy, and the prefix of its groups' names:
   * `<root>` > `<root>-<criticality>` > `<root>-<criticality>-<site>`.
   * @default 'fleet'
   */
  readonly rootGroupName?: string;
  /**
   * The criticalities with a group under the root.
   * @default - every Criticality
   */
  readonly criticalities?: Criticality[];
  /**
   * The sites with a group under each criticality group.
   * @default - none: the hierarchy stops at criticality
   */
  readonly sites?: string[];
  /**
   * Thing types.
   * @default - none
   */
  readonly thingTypes?: InventoryThingType[];
  /**
   * Dynamic thing groups (fleet indexing queries).
   * @default - none
   */
  readonly dynamicGroups?: InventoryDynamicGroup[];
  /**
   * The fleet indexing that must provide the fields the dynamic groups read.
   * @default - the `FleetIndexing` of the app for this stack's account and region, found by walking the construct tree
   */
  readonly fleetIndexing?: FleetIndexing;
  /**
   * Skip the check that the app's `FleetIndexing` provides the fields the dynamic groups read,
   * because the account's fleet indexing is configured outside this app. Its configuration must
   * then provide `requiredCustomFields` and the modes the queries need, or the groups stay empty.
   * @default false
   */
  readonly fleetIndexingConfiguredOutsideApp?: boolean;
  /**
   * The key that encrypts the logs of the cut-off refresher (`DynamicGroupQuery.disconnectedForDays`).
   * @default - a new customer-managed key with rotation, made only when a group needs the refresher
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * The risk profile, which sets the default criticality tag.
   * @default RiskProfile.INDUSTRIAL
   */
  readonly riskProfile?: RiskProfile;
  /**
   * The practice 2 tags of every thing type and group.
   * @default - criticality from the risk profile, owner `unassigned`, data class internal, each replaced by an `AssetTags.apply` above
   */
  readonly assetTags?: AssetTagsProps;
}

const NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const ATTRIBUTE = /^[a-zA-Z0-9_.,@/:#-]{1,128}$/;
const MAX_SEARCHABLE_ATTRIBUTES = 3;

/**
 * The fleet inventory of practice 2: thing types with searchable category attributes, a static
 * thing group hierarchy by criticality and site, and dynamic thing groups for the sets to act on
 * (old firmware, disconnected, non-compliant). Every query is parsed at synth; the fields the
 * queries read are declared (`requiredCustomFields`) and the synth fails, naming the field, when
 * the app's `FleetIndexing` does not index them.
 */
export class DeviceInventory extends Construct {
  /** The root of the static hierarchy. */
  public readonly rootGroup: iot.CfnThingGroup;
  /** The thing types, by name. */
  public readonly thingTypes: { [name: string]: iot.CfnThingType } = {};
  /** The dynamic thing groups, by name. */
  public readonly dynamicGroups: { [name: string]: iot.CfnThingGroup } = {};
  /** The custom fields fleet indexing must index for the dynamic groups' comparisons and ranges. */
  public readonly requiredCustomFields: IndexedField[];
  /** What the dynamic groups need of fleet indexing, one line per need (empty when nothing). */
  public readonly fleetIndexingRequirements: string[];
  /** The state machine that refreshes the cut-off of `disconnectedForDays` groups every hour, if any. */
  public readonly refresher?: sfn.IStateMachine;

  private readonly staticGroups = new Map<string, iot.CfnThingGroup>();
  private readonly rootName: string;
  private readonly uses: FieldUse[] = [];

  constructor(scope: Construct, id: string, props: DeviceInventoryProps = {}) {
    super(scope, id);
    props = props ?? {};
    const problems: string[] = [];
    const checkName = (prop: string, v: unknown) => {
      if (typeof v !== 'string' || (!Token.isUnresolved(v) && !NAME.test(v))) problems.push(`${prop} must be 1-128 letters, digits, ':', '_' or '-', got ${describeValue(v)}`);
    };
    const list = <T>(prop: string, v: T[] | undefined): T[] => {
      if (v === undefined) return [];
      if (Array.isArray(v)) return v;
      problems.push(`${prop} must be a list, got ${describeValue(v)}`);
      return [];
    };

    this.rootName = props.rootGroupName ?? 'fleet';
    checkName('rootGroupName', this.rootName);
    const criticalities = props.criticalities === undefined ? Object.values(Criticality) : list('criticalities', props.criticalities);
    for (const c of criticalities) {
      if (!Object.values(Criticality).includes(c)) problems.push(`criticalities must be Criticality values (${Object.values(Criticality).join(', ')}), got ${describeValue(c)}`);
    }
    const sites = list('sites', props.sites);
    sites.forEach((s) => checkName('sites', s));
    const maxSite = Math.max(0, ...sites.map((s) => (typeof s === 'string' ? s.length : 0)));
    if (typeof this.rootName === 'string' && this.rootName.length + 'safety-critical'.length + maxSite + 2 > 128) {
      problems.push(`rootGroupName and sites make group names longer than 128 characters (${this.rootName}-safety-critical-<site>)`);
    }
    const thingTypes = list('thingTypes', props.thingTypes);
    for (const t of thingTypes) {
      checkName('thingTypes: name', t?.name);
      const attrs = t?.searchableAttributes ?? ['criticality', 'site', 'patchable'];
      if (!Array.isArray(attrs) || attrs.length > MAX_SEARCHABLE_ATTRIBUTES) {
        problems.push(`thingTypes: ${JSON.stringify(t?.name)} may have at most ${MAX_SEARCHABLE_ATTRIBUTES} searchable attributes (an AWS IoT limit), got ${describeValue(attrs)}`);
      } else {
        for (const a of attrs) {
          if (typeof a !== 'string' || (!Token.isUnresolved(a) && !ATTRIBUTE.test(a))) problems.push(`thingTypes: attribute names must be 1-128 letters, digits or _ . , @ / : # -, got ${describeValue(a)}`);
        }
      }
    }
    const dynamicGroups = list('dynamicGroups', props.dynamicGroups);
    const uses = this.uses;
    for (const g of dynamicGroups) {
      checkName('dynamicGroups: name', g?.name);
      if (!(g?.query instanceof DynamicGroupQuery)) {
        problems.push(`dynamicGroups: the query of ${JSON.stringify(g?.name)} must be made with DynamicGroupQuery, got ${describeValue(g?.query)}`);
        continue;
      }
      const days = g.query.disconnectedDays;
      if (days !== undefined && (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 3650)) {
        problems.push(`dynamicGroups: the days of ${JSON.stringify(g.name)} must be an integer from 1 to 3650, got ${describeValue(days)}`);
      }
      if (Token.isUnresolved(g.query.queryString)) continue;
      try {
        uses.push(...parseFleetIndexQuery(g.query.queryString).uses);
      } catch (e) {
        if (!(e instanceof QuerySyntaxError)) throw e;
        problems.push(`dynamicGroups: the query of ${JSON.stringify(g.name)}, ${JSON.stringify(g.query.queryString)}, is not a valid fleet indexing query: ${e.message}`);
      }
    }
    const names = [...dynamicGroups.map((g) => g?.name), this.rootName, ...criticalities.map((c) => `${this.rootName}-${c}`)];
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) problems.push(`thing group names must be unique, ${JSON.stringify(dup)} is used twice`);
    if (problems.length > 0) throw new Error(`${this.node.path}: DeviceInventory: ${problems.join('; ')}`);

    this.requiredCustomFields = customFieldsFor(uses);
    this.fleetIndexingRequirements = requirementsOf(uses, this.requiredCustomFields);

    this.rootGroup = new iot.CfnThingGroup(this, 'Root', {
      thingGroupName: this.rootName,
      thingGroupProperties: { thingGroupDescription: 'The whole fleet (cdk-secure-iot DeviceInventory)' },
    });
    for (const criticality of criticalities) {
      const group = this.makeStaticGroup(`Criticality-${criticality}`, `${this.rootName}-${criticality}`, this.rootGroup, { criticality },
        `Devices of criticality ${criticality}`);
      this.staticGroups.set(criticality, group);
      for (const site of sites) {
        this.staticGroups.set(`${criticality}/${site}`, this.makeStaticGroup(`Site-${criticality}-${site}`, `${this.rootName}-${criticality}-${site}`, group,
          { criticality, site }, `Devices of criticality ${criticality} at site ${site}`));
      }
    }
    for (const t of thingTypes) {
      this.thingTypes[t.name] = new iot.CfnThingType(this, `ThingType-${t.name}`, {
        thingTypeName: t.name,
        thingTypeProperties: {
          searchableAttributes: t.searchableAttributes ?? ['criticality', 'site', 'patchable'],
          thingTypeDescription: t.description,
        },
      });
    }
    for (const g of dynamicGroups) {
      this.dynamicGroups[g.name] = new iot.CfnThingGroup(this, `Dynamic-${g.name}`, {
        thingGroupName: g.name,
        queryString: g.query.queryString,
        thingGroupProperties: g.description ? { thingGroupDescription: g.description } : undefined,
      });
    }
    const refreshed = dynamicGroups.filter((g) => g.query.disconnectedDays !== undefined);
    if (refreshed.length > 0) this.refresher = this.refreshCutOffs(refreshed, props.encryptionKey);
    applyAssetTags(this, riskProfileOf(this, props.riskProfile), props.assetTags, DataClass.INTERNAL);

    if (uses.length > 0 && props.fleetIndexingConfiguredOutsideApp !== true) {
      this.node.addValidation({ validate: () => this.checkFleetIndexing(props.fleetIndexing) });
    }
  }

  /**
   * Every hour, sets the cut-off of each `disconnectedForDays` group to now minus its days: one
   * JSONata task per group, each allowed to update only its group.
   */
  private refreshCutOffs(groups: InventoryDynamicGroup[], key: kms.IKey | undefined): sfn.StateMachine {
    const encryptionKey = key ?? secureKey(this, 'RefresherKey', { description: `Encrypts the dynamic group refresher's logs (${this.node.path})` });
    let chain: sfn.IChainable & sfn.INextable | undefined;
    let start: sfn.IChainable | undefined;
    for (const g of groups) {
      const group = this.dynamicGroups[g.name];
      const millis = g.query.disconnectedDays! * 86_400_000;
      const task = tasks.CallAwsService.jsonata(this, `Refresh-${g.name}`, {
        service: 'iot', action: 'updateDynamicThingGroup', iamAction: 'iot:UpdateDynamicThingGroup', iamResources: [group.attrArn],
        parameters: {
          ThingGroupName: g.name,
          ThingGroupProperties: { ThingGroupDescription: g.description ?? `Not connected for ${g.query.disconnectedDays} days or more` },
          QueryString: `{% '${DISCONNECTED_PREFIX}' & $string($millis() - ${millis}) %}`,
        },
      });
      if (chain) chain.next(task);
      else start = task;
      chain = task;
    }
    const sm = new sfn.StateMachine(this, 'CutOffRefresher', {
      definitionBody: sfn.DefinitionBody.fromChainable(start!),
      tracingEnabled: true,
      logs: { destination: secureLogGroup(this, 'CutOffRefresherLogs', { encryptionKey }), level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    acknowledge(sm.role.node.tryFindChild('DefaultPolicy')!, 'AwsSolutions-IAM5[Resource::*]',
      'X-Ray trace segments (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) have no resource type; IAM accepts only "*" for them. The IoT statements name each group.');
    new events.Rule(this, 'CutOffSchedule', {
      description: 'cdk-secure-iot: refreshes the cut-off of the disconnected-for-days thing groups',
      schedule: events.Schedule.rate(Duration.hours(1)),
      targets: [new targets.SfnStateMachine(sm)],
    });
    return sm;
  }

  /** The static group of a criticality, or of a criticality at a site. */
  public staticGroup(criticality: Criticality, site?: string): iot.CfnThingGroup {
    const group = this.staticGroups.get(site === undefined ? criticality : `${criticality}/${site}`);
    if (!group) throw new Error(`${this.node.path}: DeviceInventory has no static group for criticality ${JSON.stringify(criticality)}${site === undefined ? '' : ` and site ${JSON.stringify(site)}`}`);
    return group;
  }

  private makeStaticGroup(id: string, name: string, parent: iot.CfnThingGroup, attributes: { [k: string]: string }, description: string): iot.CfnThingGroup {
    const group = new iot.CfnThingGroup(this, id, {
      thingGroupName: name,
      parentGroupName: parent.thingGroupName,
      thingGroupProperties: { thingGroupDescription: description, attributePayload: { attributes } },
    });
    group.node.addDependency(parent);
    return group;
  }

  private checkFleetIndexing(given: FleetIndexing | undefined): string[] {
    const fleetIndexing = given ?? findFleetIndexing(this);
    if (!fleetIndexing) {
      return [`DeviceInventory: the dynamic groups need fleet indexing (${this.fleetIndexingRequirements.join('; ')}), and the app has no FleetIndexing for this stack's account and region; add one, pass it as fleetIndexing, or set fleetIndexingConfiguredOutsideApp`];
    }
    const config = fleetIndexing.thingIndexingConfiguration as {
      thingIndexingMode?: string; thingConnectivityIndexingMode?: string; deviceDefenderIndexingMode?: string;
      filter?: { namedShadowNames?: string[] }; customFields?: { name: string; type: string }[];
    };
    const missing: string[] = [];
    for (const need of needsOf(this.uses)) {
      if (need.kind === 'shadow' && config.thingIndexingMode !== ThingIndexingMode.REGISTRY_AND_SHADOW) missing.push(`${need.field} needs thingIndexingMode REGISTRY_AND_SHADOW`);
      if (need.kind === 'named' && !(config.filter?.namedShadowNames ?? []).includes(need.shadow!)) missing.push(`${need.field} needs the named shadow '${need.shadow}' in namedShadowNames`);
      if (need.kind === 'connectivity' && config.thingConnectivityIndexingMode !== 'STATUS') missing.push(`${need.field} needs connectivityIndexing`);
      if (need.kind === 'defender' && config.deviceDefenderIndexingMode !== 'VIOLATIONS') missing.push(`${need.field} needs deviceDefenderViolations`);
    }
    for (const f of this.requiredCustomFields) {
      const found = (config.customFields ?? []).find((c) => c.name === f.name);
      if (!found) missing.push(`the custom field ${f.name} (${f.type}) is not indexed`);
      else if (found.type !== f.type) missing.push(`the custom field ${f.name} is indexed as ${found.type}, the queries compare it as ${f.type}`);
    }
    return missing.length === 0 ? [] : [`DeviceInventory: the FleetIndexing ${fleetIndexing.node.path} does not provide what the dynamic groups query: ${missing.join('; ')}`];
  }

}

function needsOf(uses: readonly FieldUse[]): { kind: 'shadow' | 'named' | 'connectivity' | 'defender'; field: string; shadow?: string }[] {
  const needs: { kind: 'shadow' | 'named' | 'connectivity' | 'defender'; field: string; shadow?: string }[] = [];
  for (const { field } of uses) {
    const named = /^shadow\.name\.([^.]+)\./.exec(field);
    if (field.startsWith('shadow.')) needs.push({ kind: 'shadow', field });
    if (named) needs.push({ kind: 'named', field, shadow: named[1] });
    if (field.startsWith('connectivity.')) needs.push({ kind: 'connectivity', field });
    if (field.startsWith('deviceDefender.')) needs.push({ kind: 'defender', field });
  }
  return needs.filter((n, i) => needs.findIndex((m) => m.kind === n.kind && m.field === n.field) === i);
}

/** Compared or ranged attributes and shadow values must be typed custom fields. */
function customFieldsFor(uses: readonly FieldUse[]): IndexedField[] {
  const fields: IndexedField[] = [];
  for (const u of uses) {
    if (!u.ranged || !/^(attributes\.|shadow\.(name\.[^.]+\.)?(reported|desired)\.)/.test(u.field)) continue;
    const type = u.numeric ? IndexedFieldType.NUMBER : IndexedFieldType.STRING;
    if (!fields.some((f) => f.name === u.field)) fields.push({ name: u.field, type });
  }
  return fields;
}

function requirementsOf(uses: readonly FieldUse[], custom: readonly IndexedField[]): string[] {
  const lines = needsOf(uses).map((n) => ({
    shadow: `${n.field}: thingIndexingMode REGISTRY_AND_SHADOW`,
    named: `${n.field}: the named shadow '${n.shadow}' indexed`,
    connectivity: `${n.field}: connectivity indexing`,
    defender: `${n.field}: Device Defender violations indexing`,
  }[n.kind]));
  lines.push(...custom.map((f) => `${f.name}: a ${f.type} custom field`));
  return [...new Set(lines)];
}

/** The app's FleetIndexing for the same account and region (an environment-agnostic stack counts as any). */
function findFleetIndexing(from: IConstruct): FleetIndexing | undefined {
  const mine = Stack.of(from);
  const same = (a: string, b: string) => Token.isUnresolved(a) || Token.isUnresolved(b) || a === b;
  return from.node.root.node.findAll().find((c): c is FleetIndexing => c instanceof FleetIndexing
    && same(Stack.of(c).account, mine.account) && same(Stack.of(c).region, mine.region));
}
