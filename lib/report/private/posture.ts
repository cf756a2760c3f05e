import { Practice, Practices } from '../../core/practice';
import { ThreatModel } from '../threat-model';
import { CheckResult, ResourceSet, runChecks, TemplateResource } from './evidence';

/*
 * The posture of an app, computed from its synthesized templates: per stack, and per environment
 * (the stacks that deploy to one account and region together, where account-wide settings such as
 * the audit configuration live in a baseline stack beside the fleets). This module reads plain
 * template JSON, so the CDK plugin and the template scanner share it.
 */

/** The template metadata key under which the library records what the report needs to know of a stack. */
export const POSTURE_METADATA_KEY = 'cdk-secure-iot';

/** What a stack declares of itself in its template's `Metadata`, under `POSTURE_METADATA_KEY`. */
export interface StackDeclaration {
  /** The name of the risk profile the stack was designed for. */
  readonly riskProfile?: string;
  /** The practices that profile requires. */
  readonly requiredPractices?: number[];
  /** Parts switched off on purpose, with the reason given. */
  readonly disabledParts?: { practice: number; part: string; reason: string }[];
}

/** One stack's template and where it deploys. */
export interface PostureStackInput {
  /** The stack's name (its artifact ID). */
  readonly name: string;
  /** The construct path, or the template file for templates from outside a CDK app. */
  readonly path: string;
  /** The template file. */
  readonly templateFile: string;
  /** The account, if known. */
  readonly account?: string;
  /** The region, if known. */
  readonly region?: string;
  /** The template. */
  readonly template: { Resources?: { [id: string]: TemplateResource }; Metadata?: { [key: string]: any } };
}

/** A finding of the rule pack, unacknowledged. */
export interface PostureFinding {
  readonly ruleId: string;
  readonly practice: number;
  readonly severity: string;
  readonly description: string;
  readonly stack: string;
  readonly resource: string;
}

/** An acknowledgment of a finding, with its reason. */
export interface PostureAcknowledgment {
  readonly id: string;
  readonly path: string;
  readonly reason: string;
}

export type PracticeStatus = 'met' | 'partial' | 'missing';

/** One practice, judged on a set of resources. */
export interface PracticeResult {
  readonly practice: number;
  readonly title: string;
  readonly status: PracticeStatus;
  readonly checks: CheckResult[];
  /** What keeps a partial or missing practice from being met. */
  readonly lacking: string[];
  /** Unacknowledged findings of the rules of this practice. */
  readonly findings: number;
}

export interface StackPosture {
  readonly name: string;
  readonly path: string;
  readonly templateFile: string;
  readonly environment: string;
  readonly riskProfile: string | null;
  readonly requiredPractices: number[];
  readonly disabledParts: { practice: number; part: string; reason: string }[];
  readonly practices: PracticeResult[];
}

export interface EnvironmentPosture {
  readonly environment: string;
  readonly stacks: string[];
  readonly riskProfiles: string[];
  readonly requiredPractices: number[];
  readonly practices: PracticeResult[];
  readonly attack: { readonly covered: string[]; readonly notCovered: string[] };
  /** Required practices that are missing: each fails the synth. */
  readonly missingRequired: number[];
}

/** The report, as written to `iot-security-posture.json` (see the JSON Schema shipped in the package). */
export interface PostureDocument {
  readonly schemaVersion: '1.0';
  readonly generator: string;
  readonly attackVersion: string;
  readonly practices: { practice: number; title: string; summary: string; iotLens: string[] }[];
  readonly techniques: { id: string; name: string; domain: string; practices: number[]; constructs: string[] }[];
  readonly stacks: StackPosture[];
  readonly environments: EnvironmentPosture[];
  readonly findings: PostureFinding[];
  readonly acknowledgments: PostureAcknowledgment[];
  readonly zones: { stack: string; resource: string; zones: string[]; flows: { from: string; to: string; port: string }[] }[];
  readonly summary: { stacks: number; environments: number; findings: number; acknowledgments: number; failed: boolean };
}

/** Options of `buildPosture`. */
export interface PostureOptions {
  /** Used for stacks that declare no profile: their profile's name and required practices. */
  readonly defaultProfile?: { name: string; requiredPractices: number[] };
  /** The IoT Lens best practices each practice serves, from the rules' metadata. */
  readonly iotLensByPractice?: { [practice: number]: string[] };
  /** The generator's name and version. */
  readonly generator: string;
}

const ALL = Practices.all();

function environmentOf(s: PostureStackInput): string {
  return `aws://${s.account ?? 'unknown-account'}/${s.region ?? 'unknown-region'}`;
}

function declarationOf(s: PostureStackInput): StackDeclaration {
  const d = s.template.Metadata?.[POSTURE_METADATA_KEY];
  return d && typeof d === 'object' ? d : {};
}

function judge(resources: ResourceSet, findings: PostureFinding[], profileDeclared: boolean, disabled: StackDeclaration['disabledParts']): PracticeResult[] {
  return ALL.map(({ practice, title }) => {
    const checks = runChecks(practice, resources, { profileDeclared });
    const errors = findings.filter((f) => f.practice === practice && f.severity === 'error').length;
    const holding = checks.filter((c) => c.holds).length;
    const lacking = checks.filter((c) => !c.holds).map((c) => c.check);
    if (errors > 0) lacking.push(`${errors} unacknowledged finding${errors === 1 ? '' : 's'} of the rule pack`);
    for (const d of disabled ?? []) {
      if (d.practice === practice) lacking.push(`${d.part} switched off: ${d.reason}`);
    }
    let status: PracticeStatus = holding === 0 ? 'missing' : holding === checks.length ? 'met' : 'partial';
    if (status === 'met' && lacking.length > 0) status = 'partial';
    return { practice, title, status, checks, lacking, findings: findings.filter((f) => f.practice === practice).length };
  });
}

function qualified(stacks: PostureStackInput[]): ResourceSet {
  const all: { [id: string]: TemplateResource } = {};
  for (const s of stacks) {
    for (const [id, r] of Object.entries(s.template.Resources ?? {})) all[stacks.length > 1 ? `${s.name}/${id}` : id] = r;
  }
  return all;
}

function zonesOf(s: PostureStackInput): PostureDocument['zones'] {
  return Object.entries(s.template.Resources ?? {})
    .map(([id, r]) => ({ id, seg: r?.Metadata?.[`${POSTURE_METADATA_KEY}:segmentation`] }))
    .filter(({ seg }) => seg && Array.isArray(seg.zones))
    .map(({ id, seg }) => ({
      stack: s.name,
      resource: id,
      zones: seg.zones.map(String),
      flows: (Array.isArray(seg.flows) ? seg.flows : []).map((f: any) => ({ from: String(f.from), to: String(f.to), port: String(f.port) })),
    }));
}

/** Judges every stack and environment of an app from its templates. */
export function buildPosture(stacks: PostureStackInput[], findings: PostureFinding[], acknowledgments: PostureAcknowledgment[], options: PostureOptions): PostureDocument {
  const stackPostures: StackPosture[] = stacks.map((s) => {
    const d = declarationOf(s);
    const profile = d.riskProfile ?? options.defaultProfile?.name ?? null;
    const required = d.requiredPractices ?? (d.riskProfile ? [] : options.defaultProfile?.requiredPractices ?? []);
    return {
      name: s.name,
      path: s.path,
      templateFile: s.templateFile,
      environment: environmentOf(s),
      riskProfile: profile,
      requiredPractices: [...required].sort((a, b) => a - b),
      disabledParts: d.disabledParts ?? [],
      practices: judge(qualified([s]), findings.filter((f) => f.stack === s.name), profile !== null, d.disabledParts),
    };
  });

  const byEnvironment = new Map<string, PostureStackInput[]>();
  for (const s of stacks) byEnvironment.set(environmentOf(s), [...(byEnvironment.get(environmentOf(s)) ?? []), s]);
  const environments: EnvironmentPosture[] = [...byEnvironment.entries()].map(([environment, members]) => {
    const postures = stackPostures.filter((p) => p.environment === environment);
    const names = members.map((m) => m.name);
    const riskProfiles = [...new Set(postures.map((p) => p.riskProfile).filter((p): p is string => p !== null))].sort();
    const required = [...new Set(postures.flatMap((p) => p.requiredPractices))].sort((a, b) => a - b);
    const practices = judge(qualified(members), findings.filter((f) => names.includes(f.stack)), riskProfiles.length > 0,
      postures.flatMap((p) => p.disabledParts));
    const met = practices.filter((p) => p.status === 'met').map((p) => p.practice as Practice);
    const relevant = required.length > 0 ? ThreatModel.mitigatedBy(required as Practice[]) : ThreatModel.techniques();
    return {
      environment,
      stacks: names,
      riskProfiles,
      requiredPractices: required,
      practices,
      attack: {
        covered: relevant.filter((t) => t.practices.some((p) => met.includes(p))).map((t) => t.id),
        notCovered: relevant.filter((t) => !t.practices.some((p) => met.includes(p))).map((t) => t.id),
      },
      missingRequired: required.filter((r) => practices.find((p) => p.practice === r)?.status === 'missing'),
    };
  });

  return {
    schemaVersion: '1.0',
    generator: options.generator,
    attackVersion: ThreatModel.ATTACK_VERSION,
    practices: ALL.map((p) => ({ practice: p.number, title: p.title, summary: p.summary, iotLens: options.iotLensByPractice?.[p.number] ?? [] })),
    techniques: ThreatModel.techniques().map((t) => ({ id: t.id, name: t.name, domain: t.domain, practices: [...t.practices], constructs: [...t.constructs] })),
    stacks: stackPostures,
    environments,
    findings,
    acknowledgments,
    zones: stacks.flatMap(zonesOf),
    summary: {
      stacks: stacks.length,
      environments: environments.length,
      findings: findings.length,
      acknowledgments: acknowledgments.length,
      failed: environments.some((e) => e.missingRequired.length > 0),
    },
  };
}
