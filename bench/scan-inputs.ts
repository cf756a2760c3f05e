/*
 * The inputs of the scanner's size benchmark (`npm run bench`, section "Scanner by input size"),
 * built at run time, never committed: templates of a given size made of copies of a real
 * template's resources, a folder of templates, a cloud assembly with a large manifest, a long
 * acknowledgments file, and the hostile files a scan must bound (aliases, nesting, one long
 * scalar), each at the scanner's default limit, not past it: what a scan accepts at its worst.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { DEFAULT_SCAN_LIMITS } from '../lib/scanner/private/limits';

/** A CloudFormation template as JSON data. */
export interface Template {
  readonly Resources: { [id: string]: { Type: string; Properties?: unknown; DependsOn?: unknown; [attribute: string]: unknown } };
  readonly [section: string]: unknown;
}

/** `value` with every reference to a resource of `ids` (Ref, Fn::GetAtt, Fn::Sub's ${X}, DependsOn) renamed by `rename`. */
function renamed(value: unknown, ids: Set<string>, rename: (id: string) => string): unknown {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => renamed(v, ids, rename));
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: unknown } = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'Ref' && typeof v === 'string' && ids.has(v)) out[key] = rename(v);
    else if (key === 'Fn::GetAtt' && Array.isArray(v) && typeof v[0] === 'string' && ids.has(v[0])) out[key] = [rename(v[0]), ...v.slice(1)];
    else if (key === 'Fn::GetAtt' && typeof v === 'string' && ids.has(v.split('.')[0])) out[key] = `${rename(v.split('.')[0])}${v.slice(v.indexOf('.'))}`;
    else if (key === 'Fn::Sub' && typeof v === 'string') out[key] = v.replace(/\$\{([A-Za-z0-9]+)([.}])/g, (m, id, end) => (ids.has(id) ? `\${${rename(id)}${end}` : m));
    else out[key] = renamed(v, ids, rename);
  }
  return out;
}

/** One copy of `base`'s resources, their logical IDs and the references between them suffixed `C<copy>`. */
function copyOf(base: Template, copy: number): Template['Resources'] {
  const ids = new Set(Object.keys(base.Resources));
  const rename = (id: string) => `${id}C${copy}`;
  const out: Template['Resources'] = {};
  for (const [id, resource] of Object.entries(base.Resources)) {
    const r = renamed(resource, ids, rename) as Template['Resources'][string];
    if (typeof resource.DependsOn === 'string' && ids.has(resource.DependsOn)) r.DependsOn = rename(resource.DependsOn);
    else if (Array.isArray(resource.DependsOn)) r.DependsOn = resource.DependsOn.map((d: unknown) => (typeof d === 'string' && ids.has(d) ? rename(d) : d));
    out[rename(id)] = r;
  }
  return out;
}

/** The text of a template in `format`: JSON as CDK writes it (one space), or YAML block style. */
export function templateText(template: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(template, null, 1) : stringify(template, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** The first `count` resources of copies 0, 1, 2... of `base`'s resources. */
export function resourcesOf(base: Template, count: number): Template['Resources'] {
  const perCopy = Object.keys(base.Resources).length;
  const out: Template['Resources'] = {};
  for (let c = 0; c * perCopy < count; c++) {
    const entries = Object.entries(copyOf(base, c)).slice(0, count - c * perCopy);
    for (const [id, r] of entries) out[id] = r;
  }
  return out;
}

/**
 * A template of at most `bytes` in `format`, within a resource of it: as many resources, copies
 * of `base`'s in turn, as fit, its other sections kept once.
 */
export function templateOfSize(base: Template, bytes: number, format: 'json' | 'yaml'): { text: string; resources: number } {
  const perCopy = Object.keys(base.Resources).length;
  const empty = Buffer.byteLength(templateText({ ...base, Resources: {} }, format));
  const perResource = (Buffer.byteLength(templateText({ ...base, Resources: copyOf(base, 0) }, format)) - empty) / perCopy;
  let count = Math.max(1, Math.round((bytes - empty) / perResource));
  for (;;) {
    const text = templateText({ ...base, Resources: resourcesOf(base, count) }, format);
    const over = Buffer.byteLength(text) - bytes;
    if (over <= 0 || count === 1) return { text, resources: count };
    count = Math.max(1, count - Math.ceil(over / perResource) - 1);
  }
}

/**
 * `files` templates of `perFile` resources each (the first of `base`'s, renamed per file), in
 * `dir` (made), 100 a folder, as a repository spreads them. Returns their bytes.
 */
export function templateFolder(base: Template, dir: string, files: number, perFile: number): number {
  const first = { ...base, Resources: Object.fromEntries(Object.entries(base.Resources).slice(0, perFile)) };
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, `service-${Math.floor(i / 100)}`);
    fs.mkdirSync(sub, { recursive: true });
    const text = templateText({ ...first, Resources: copyOf(first, i) }, 'json');
    fs.writeFileSync(path.join(sub, `stack-${i}.template.json`), text);
    bytes += Buffer.byteLength(text);
  }
  return bytes;
}

/**
 * A cloud assembly in `dir` (made) as a CDK app of `stacks` stacks writes it, each stack one copy
 * of `base`, its construct metadata in the manifest (as CDK wrote it before it moved it to a
 * file beside; the scanner reads both): the stack's template file, every resource's logical ID
 * with its creation stack, and an acknowledgment (`Validations.of(x).acknowledge` of a finding ID) on every tenth
 * resource, which the scan maps to logical IDs. Returns the manifest's bytes and the assembly's.
 */
export function cloudAssembly(base: Template, dir: string, stacks: number): { manifestBytes: number; bytes: number; resources: number } {
  fs.mkdirSync(dir, { recursive: true });
  const artifacts: { [id: string]: unknown } = {};
  let bytes = 0;
  let resources = 0;
  const creationStack = (i: number) => [`new Construct (/app/node_modules/constructs/lib/construct.js:${40 + i}:17)`, `<anonymous> (/app/lib/fleet-stack.ts:${100 + i}:5)`, '...node internals, ts-node, ts-node...'];
  for (let s = 0; s < stacks; s++) {
    const name = `Fleet${s}`;
    const template = { ...base, Resources: copyOf(base, s) };
    const text = templateText(template, 'json');
    fs.writeFileSync(path.join(dir, `${name}.template.json`), text);
    bytes += Buffer.byteLength(text);
    const metadata: { [constructPath: string]: unknown[] } = {
      [`/${name}`]: [{ type: 'aws:cdk:creationStack', data: creationStack(0) }, { type: 'aws:cdk:templateFile', data: `${name}.template.json` }],
    };
    Object.keys(template.Resources).forEach((id, i) => {
      metadata[`/${name}/${id}/Resource`] = [
        { type: 'aws:cdk:logicalId', data: id },
        { type: 'aws:cdk:creationStack', data: creationStack(i) },
        ...(i % 10 === 0 ? [{ type: 'aws:cdk:acknowledged-rules', data: { 'Annotation::IoTSecurity-INV1[Untagged::IoT.6]': 'Reviewed: tagged by the account baseline' } }] : []),
      ];
      resources++;
    });
    artifacts[name] = { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: `${name}.template.json` }, metadata, displayName: name };
  }
  const manifest = JSON.stringify({ version: '48.0.0', artifacts }, null, 2);
  fs.writeFileSync(path.join(dir, 'manifest.json'), manifest);
  fs.writeFileSync(path.join(dir, 'cdk.out'), '{"version":"48.0.0"}');
  return { manifestBytes: Buffer.byteLength(manifest), bytes: bytes + Buffer.byteLength(manifest), resources };
}

/**
 * An acknowledgments file (`--acknowledgments`) of `entries` entries, as a large organization's
 * shared file: the first acknowledge two rules (INV1, GW13) on each resource of `base`, the rest
 * the same on resources of other templates (`template` set), which a scan of `base` reports as
 * matching no finding.
 */
export function acknowledgmentsText(base: Template, entries: number): string {
  const ids = Object.keys(base.Resources);
  const list = Array.from({ length: entries }, (_, i) => ({
    id: i % 2 ? 'IoTSecurity-INV1' : 'IoTSecurity-GW13',
    resource: ids[Math.floor(i / 2) % ids.length],
    reason: `Reviewed in change ${100000 + i}: lab fleet`,
    ...(i < 2 * ids.length ? {} : { template: `service-${i % 100}/stack-${Math.floor(i / (2 * ids.length))}.json` }),
  }));
  return `[\n${list.map((e) => JSON.stringify(e)).join(',\n')}\n]\n`;
}

/** How many values (scalars, lists, maps) a YAML alias chain of `levels` lists of `width` expands to, the anchors' own included. */
function chainValues(levels: number, width: number): { each: number[]; anchors: number } {
  const each = [1 + width];
  for (let l = 1; l < levels; l++) each.push(1 + width * each[l - 1]);
  return { each, anchors: each.reduce((a, b) => a + b, 0) };
}

/**
 * A YAML template whose aliases expand it to as many values as the scanner allows
 * (`maxAliasExpansion`), less a margin for the rest of the file: anchored lists of nine
 * aliases of the one before, and in one resource's Metadata as many aliases of the largest as fit.
 * Returns the text and the values it expands to.
 */
export function aliasYaml(limit = DEFAULT_SCAN_LIMITS.maxAliasExpansion): { text: string; values: number } {
  const width = 9;
  let levels = 1;
  while (chainValues(levels + 1, width).anchors < limit / 2) levels++;
  const { each, anchors } = chainValues(levels, width);
  // The document around the chain: the root, Resources, R, Type and its value, Metadata, and the keys l0..lN and refs.
  const around = 16 + 2 * levels;
  const refs = Math.floor((limit - anchors - around - 2) / (each[levels - 1] + 0));
  let text = 'Resources:\n  Expanded:\n    Type: AWS::SNS::Topic\n    Metadata:\n';
  // One-character values: the expansion stays within the characters a scan reads of YAML too (maxYamlBytes).
  text += `      l0: &l0 [${Array(width).fill('x').join(', ')}]\n`;
  for (let l = 1; l < levels; l++) text += `      l${l}: &l${l} [${Array(width).fill(`*l${l - 1}`).join(', ')}]\n`;
  text += `      refs: [${Array(refs).fill(`*l${levels - 1}`).join(', ')}]\n`;
  return { text, values: anchors + refs * each[levels - 1] + around };
}

/**
 * A template nested exactly `depth` levels deep, in `format`: empty lists in lists in one
 * resource's Metadata. Levels are the mappings and lists a value sits in, the root's included
 * (the innermost list an empty one, so that YAML's reader, which once counted a scalar as a level,
 * and JSON's count it alike).
 */
export function nestedTemplate(depth = DEFAULT_SCAN_LIMITS.maxNestingDepth, format: 'json' | 'yaml' = 'yaml'): string {
  // The root (1), Resources (2), the resource (3) and its Metadata (4): the lists take the rest.
  const lists = `${'['.repeat(depth - 4)}${']'.repeat(depth - 4)}`;
  return format === 'json'
    ? `{"Resources":{"Deep":{"Type":"AWS::SNS::Topic","Metadata":{"n":${lists}}}}}\n`
    : `Resources:\n  Deep:\n    Type: AWS::SNS::Topic\n    Metadata:\n      n: ${lists}\n`;
}

/**
 * A template with one scalar of `length` characters (the scanner's longest, `maxScalarLength`) as a
 * topic's display name. As YAML it must also fit the YAML a scan reads (`maxYamlBytes`, as large by
 * default): `yamlScalarAtLimit()` is the longest that does.
 */
export function longScalarTemplate(length = DEFAULT_SCAN_LIMITS.maxScalarLength, format: 'json' | 'yaml' = 'json'): string {
  const template = { Resources: { Long: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'x'.repeat(length), KmsMasterKeyId: 'alias/aws/sns' } } } };
  return templateText(template, format);
}

/** The longest scalar a YAML template of `longScalarTemplate` holds within both limits: the scalar's, and the YAML a scan reads. */
export function yamlScalarAtLimit(limits = DEFAULT_SCAN_LIMITS): number {
  const overhead = Buffer.byteLength(longScalarTemplate(0, 'yaml'));
  return Math.min(limits.maxScalarLength, limits.maxYamlBytes - overhead);
}
