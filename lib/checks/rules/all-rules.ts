import { IotRule } from '../rule-definition';
import * as certificates from './certificates';
import * as continuity from './continuity';
import * as data from './data';
import * as gateway from './gateway';
import * as identity from './identity';
import * as inventory from './inventory';
import * as iotPolicy from './iot-policy';
import * as monitoring from './monitoring';
import * as network from './network';
import * as response from './response';
import * as transport from './transport';
import * as updates from './updates';

const AREA_ORDER = ['INV', 'ID', 'UPD', 'DAT', 'TLS', 'GW', 'MON', 'IR', 'BC', 'NET'];

function areaAndNumber(id: string): [number, number] {
  const m = /^([A-Z]+)(\d+)$/.exec(id)!;
  return [AREA_ORDER.indexOf(m[1]), Number(m[2])];
}

function isRule(v: unknown): v is IotRule {
  return typeof v === 'function' && (v as Partial<IotRule>).metadata !== undefined;
}

const EXPORT_NAMES = new Map<IotRule, string>();
for (const area of [certificates, continuity, data, gateway, identity, inventory, iotPolicy, monitoring, network, response, transport, updates]) {
  for (const [name, value] of Object.entries(area)) {
    if (isRule(value)) EXPORT_NAMES.set(value, name);
  }
}

/** The name a rule is exported under, e.g. `IoTPolicyNoWildcardActions`. */
export function ruleExportName(rule: IotRule): string {
  return EXPORT_NAMES.get(rule) ?? rule.metadata.id;
}

/**
 * Every rule of the pack, ordered by area (practice order) and number. This list is what
 * `IotSecurityChecks` applies and what `RULES.md` is generated from.
 */
export const ALL_RULES: readonly IotRule[] = [...EXPORT_NAMES.keys()].sort((a, b) => {
  const [aa, an] = areaAndNumber(a.metadata.id);
  const [ba, bn] = areaAndNumber(b.metadata.id);
  return aa - ba || an - bn;
});

const seen = new Set<string>();
for (const rule of ALL_RULES) {
  if (seen.has(rule.metadata.id)) throw new Error(`IotSecurityChecks: rule ID ${rule.metadata.id} is defined twice`);
  seen.add(rule.metadata.id);
}
