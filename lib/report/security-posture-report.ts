import * as fs from 'fs';
import * as path from 'path';
import {
  attachCustomSynthesis, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport,
  PolicyViolation, Stack, Stage, Token, Validations,
} from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { Practice, Practices } from '../core/practice';
import { RiskProfile } from '../core/risk-profile';
import { IotSecurityChecks } from '../checks/iot-security-checks';
import { iotLensByPractice, practiceOfFinding } from './private/rule-practices';
import { buildPosture, POSTURE_METADATA_KEY, PostureAcknowledgment, PostureDocument, PostureFinding, PostureStackInput, StackDeclaration } from './private/posture';
import { renderHtml, renderMarkdown } from './private/render';
import { describeValue } from '../core/private/describe';

const REPORT = Symbol.for('cdk-secure-iot.security-posture-report');

/** The files the report writes into the cloud assembly folder. */
export const POSTURE_REPORT_FILES = {
  json: 'iot-security-posture.json',
  markdown: 'iot-security-posture.md',
  html: 'iot-security-posture.html',
} as const;

/** Props of `SecurityPostureReport`. */
export interface SecurityPostureReportProps {
  /**
   * The profile of stacks that declare none (with `SecurityPostureReport.declareProfile` or a
   * `SecureIotDeployment`): its required practices are enforced for them.
   * @default - stacks that declare no profile are reported, and required to hold nothing
   */
  readonly riskProfile?: RiskProfile;
  /**
   * Fail the synth when a practice that a stack's profile requires is missing.
   * @default true
   */
  readonly failOnMissingPractice?: boolean;
}

/** The constructs of the library that provide each practice, named in the failure message. */
const PROVIDERS: { [practice: number]: string } = {
  1: 'SegmentedNetwork, and a profile declared with SecurityPostureReport.declareProfile',
  2: 'FleetIndexing, DeviceInventory and AssetTags',
  3: 'DevicePolicy, FleetProvisioning or DeviceCertificateAuthority',
  4: 'SignedFirmwarePipeline',
  5: 'DataProtection and TelemetryPipeline',
  6: 'SecureIotEndpoint',
  7: 'GatewayCredentials',
  8: 'FleetAuditing and FleetMonitoring',
  9: 'IncidentResponse',
  10: 'BackupAndRecovery',
};

const VERSION: string = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../../package.json').version;
  } catch {
    // Compiled into dist/lib, the manifest is one level further up.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../../../package.json').version;
  }
})();

/** An acknowledgment key without the qualifier CDK may put before it (`Annotation::`, `<plugin>::`). */
function acknowledgedId(key: string): string {
  const bracket = key.indexOf('[');
  const head = bracket < 0 ? key : key.slice(0, bracket);
  const cut = head.lastIndexOf('::');
  return cut < 0 ? key : key.slice(cut + 2);
}

/**
 * The security posture of an app: which of the ten practices hold in each stack and environment,
 * the MITRE ATT&CK techniques covered and not, the rule pack's findings, and every acknowledgment
 * with its reason. It judges the synthesized templates, so it judges what will deploy, whichever
 * constructs made it (plain CloudFormation brought in with `CfnInclude` too).
 *
 * ```ts
 * const report = new SecurityPostureReport(app, { riskProfile: RiskProfile.INDUSTRIAL });
 * Validations.of(app).addPlugins(new IotSecurityChecks(app), report);
 * ```
 *
 * It writes `iot-security-posture.json` (its JSON Schema ships in the package as
 * `schema/iot-security-posture.schema.json`), `.md` and `.html` into the cloud assembly folder
 * when the app is synthesized, and as a validation plugin fails the synth when a practice that a
 * stack's profile requires is missing. A practice counts for a stack's profile when any stack of
 * the same environment (account and region) holds it, since account-wide settings live in one
 * baseline stack per environment. Given a Stage, it covers that stage's stacks (one report per
 * App or Stage).
 */
export class SecurityPostureReport implements IPolicyValidationPlugin {
  /**
   * Records in `stack`'s template the profile it was designed for, so the report enforces that
   * profile's required practices for it (and the scanner can read it from the template).
   */
  public static declareProfile(stack: Stack, profile: RiskProfile): void {
    if (!(profile instanceof RiskProfile)) {
      throw new Error(`${stack.node.path}: SecurityPostureReport.declareProfile: profile must be a RiskProfile, got ${describeValue(profile)}`);
    }
    SecurityPostureReport.updateDeclaration(stack, (d) => ({ ...d, riskProfile: profile.name, requiredPractices: [...profile.requiredPractices] }));
  }

  /**
   * Records that a part serving `practice` was switched off on purpose, with the reason; the
   * report shows it as a gap of that practice.
   */
  public static recordDisabledPart(stack: Stack, practice: Practice, part: string, reason: string): void {
    if (typeof reason !== 'string' || reason.trim().length < 10) {
      throw new Error(`${stack.node.path}: switching off ${part} needs a reason of at least 10 characters a reviewer can check, got ${describeValue(reason)}`);
    }
    Practices.of(practice);
    SecurityPostureReport.updateDeclaration(stack, (d) => ({ ...d, disabledParts: [...(d.disabledParts ?? []), { practice, part, reason }] }));
  }

  private static updateDeclaration(stack: Stack, update: (d: StackDeclaration) => StackDeclaration): void {
    const current = (stack.templateOptions.metadata?.[POSTURE_METADATA_KEY] ?? {}) as StackDeclaration;
    stack.templateOptions.metadata = { ...stack.templateOptions.metadata, [POSTURE_METADATA_KEY]: update(current) };
  }

  public readonly name = 'SecurityPostureReport';
  public readonly version = VERSION;
  public readonly ruleIds = Practices.all().map((p) => `MissingPractice-${p.number}`);

  private readonly root: Construct;
  private document?: PostureDocument;
  private written?: string;

  constructor(scope: IConstruct, private readonly props: SecurityPostureReportProps = {}) {
    // The report covers one cloud assembly: the app's, or a stage's (each stage of a pipeline may have its own).
    const root = scope?.node === undefined ? undefined : Stage.isStage(scope) ? scope : Stage.of(scope);
    if (!root) {
      throw new Error('SecurityPostureReport: scope must be a CDK App or Stage, or a construct in one (pass the app), '
        + `got ${scope?.node?.path === undefined ? describeValue(scope) : `'${scope.node.path}', which is in no App or Stage`}`);
    }
    if (props?.riskProfile !== undefined && !(props.riskProfile instanceof RiskProfile)) {
      throw new Error(`SecurityPostureReport: riskProfile must be a RiskProfile, got ${describeValue(props.riskProfile)}`);
    }
    const holder = root as unknown as { [REPORT]?: string };
    if (holder[REPORT] !== undefined) {
      throw new Error(`SecurityPostureReport: '${root.node.path || '<app>'}' already has a posture report (one per App or Stage writes its files)`);
    }
    holder[REPORT] = root.node.path;
    this.root = root;
    attachCustomSynthesis(this.root, {
      // Runs after every stack of the assembly has written its template (its root is synthesized last).
      onSynthesize: (session) => this.write(session.outdir),
    });
  }

  /** The posture computed at the last synth, or undefined before one. */
  public get posture(): PostureDocument | undefined {
    return this.document;
  }

  public validate(_context: IPolicyValidationContext): PolicyValidationPluginReport {
    const doc = this.document;
    if (!doc) {
      return { success: false, violations: [], metadata: { error: 'SecurityPostureReport: the app was not synthesized with this report attached (construct it with the app before app.synth())' } };
    }
    const violations: PolicyViolation[] = [];
    if (this.props.failOnMissingPractice !== false) {
      for (const env of doc.environments) {
        for (const n of env.missingRequired) {
          const practice = doc.practices.find((p) => p.practice === n)!;
          const lacking = env.practices.find((p) => p.practice === n)!.lacking;
          const stacks = doc.stacks.filter((s) => s.environment === env.environment && s.requiredPractices.includes(n));
          violations.push({
            ruleName: `MissingPractice-${n}`,
            description: `Practice ${n} (${practice.title}) is required by the profile of ${stacks.map((s) => `${s.name} (${s.riskProfile})`).join(', ')} in ${env.environment}, and no stack there holds it: ${lacking.join('; ')}.`,
            fix: `Add ${PROVIDERS[n]} to a stack of this environment, or use a RiskProfile.custom whose requiredPractices leave it out, with the reason.`,
            severity: 'error',
            violatingResources: stacks.map((s) => ({ constructPath: s.path, locations: ['Metadata'] })),
          });
        }
      }
    }
    return {
      success: violations.length === 0,
      violations,
      metadata: { report: this.written ?? '', practicesMissingRequired: String(violations.length) },
    };
  }

  private write(outdir: string): void {
    const stacks = this.stacks();
    const pathToStack = new Map(stacks.map((s) => [s.path, s.name]));
    const stackOf = (constructPath: string) => {
      let p = constructPath;
      while (p && !pathToStack.has(p)) p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
      return pathToStack.get(p) ?? constructPath;
    };
    const pack = new IotSecurityChecks().validateScope(this.root);
    const findings: PostureFinding[] = pack.violations.flatMap((v) => v.violatingResources.map((r) => ({
      ruleId: v.ruleName,
      practice: practiceOfFinding(v.ruleName),
      severity: v.severity ?? 'error',
      description: v.description,
      stack: stackOf(r.constructPath ?? ''),
      resource: r.constructPath ?? r.resourceLogicalId ?? '',
    })));
    this.document = buildPosture(stacks, findings, this.acknowledgments(), {
      generator: `cdk-secure-iot ${VERSION}`,
      iotLensByPractice: iotLensByPractice(),
      defaultProfile: this.props.riskProfile
        ? { name: this.props.riskProfile.name, requiredPractices: [...this.props.riskProfile.requiredPractices] }
        : undefined,
    });
    fs.writeFileSync(path.join(outdir, POSTURE_REPORT_FILES.json), `${JSON.stringify(this.document, undefined, 2)}\n`);
    fs.writeFileSync(path.join(outdir, POSTURE_REPORT_FILES.markdown), renderMarkdown(this.document));
    fs.writeFileSync(path.join(outdir, POSTURE_REPORT_FILES.html), renderHtml(this.document));
    this.written = path.join(outdir, POSTURE_REPORT_FILES.html);
  }

  /** Every stack of this app's own assembly (nested stacks included), with its synthesized template. */
  private stacks(): PostureStackInput[] {
    const found: PostureStackInput[] = [];
    const outdir = (this.root as Stage).outdir;
    const visit = (c: IConstruct) => {
      if (Stack.isStack(c) && Stage.of(c) === this.root) {
        const file = path.join(outdir, c.templateFile);
        if (fs.existsSync(file)) {
          found.push({
            name: c.nested ? c.node.path : c.artifactId,
            path: c.node.path,
            templateFile: c.templateFile,
            account: Token.isUnresolved(c.account) ? undefined : c.account,
            region: Token.isUnresolved(c.region) ? undefined : c.region,
            template: JSON.parse(fs.readFileSync(file, 'utf8')),
          });
        }
      }
      for (const child of c.node.children) {
        if (!Stage.isStage(child)) visit(child);
      }
    };
    visit(this.root);
    return found;
  }

  private acknowledgments(): PostureAcknowledgment[] {
    const found: PostureAcknowledgment[] = [];
    for (const c of this.root.node.findAll()) {
      for (const entry of c.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
        for (const [key, reason] of Object.entries(entry.data as { [id: string]: string })) {
          found.push({ id: acknowledgedId(key), path: c.node.path || '<app>', reason: String(reason) });
        }
      }
    }
    return found;
  }
}
