import * as fs from 'fs';
import * as path from 'path';
import { RiskProfile } from '../../core/risk-profile';
import { buildPosture, iotLensByPractice, PostureDocument, practiceOfFinding, renderHtml, renderMarkdown } from '../../report/posture-document';
import { POSTURE_REPORT_FILES } from '../../report/security-posture-report';
import { ScanInputError } from '../scan-error';
import { ScanResult } from '../scan-result';
import { scannerVersion } from '../scanner-info';
import { LoadedTemplate } from './template-loader';
import { declaredTransforms, expandSam, SAM_TRANSFORM } from './sam';

/** The profiles `--profile` takes, by the names the command line uses. */
export const PROFILES_BY_NAME: { readonly [name: string]: RiskProfile } = {
  'consumer': RiskProfile.CONSUMER,
  'industrial': RiskProfile.INDUSTRIAL,
  'critical-infrastructure': RiskProfile.CRITICAL_INFRASTRUCTURE,
};

/**
 * The security posture report of scanned templates, as `SecurityPostureReport` writes it for a CDK
 * app: each template is a stack (in an unknown environment, unless a cloud assembly's manifest
 * names it), judged on its resources after SAM's expansion, with the scan's findings and
 * acknowledgments. `templates` are those the scan read (never read a second time, so the report
 * judges exactly what the scan did, within the same limits).
 */
export function scanPosture(templates: readonly LoadedTemplate[], result: ScanResult, profile: RiskProfile | undefined): PostureDocument {
  const stacks = templates.map((loaded) => {
    const template = declaredTransforms(loaded.template).includes(SAM_TRANSFORM) ? expandSam(loaded.template).template : loaded.template;
    return { name: loaded.file, path: loaded.file, templateFile: path.basename(loaded.file), template };
  });
  return buildPosture(
    stacks,
    result.findings.filter((f) => !f.acknowledged).map((f) => ({
      ruleId: f.findingId, practice: practiceOfFinding(f.ruleId), severity: f.severity,
      description: f.message, stack: f.file, resource: f.resource,
    })),
    result.findings.filter((f) => f.acknowledged).map((f) => ({ id: f.findingId, path: `${f.file}#${f.resource}`, reason: f.acknowledgmentReason ?? '' })),
    {
      generator: `cdk-secure-iot ${scannerVersion()} (scan)`,
      iotLensByPractice: iotLensByPractice(),
      defaultProfile: profile ? { name: profile.name, requiredPractices: [...profile.requiredPractices] } : undefined,
    },
  );
}

/** Writes the report's three files into `folder`, creating it. */
export function writePosture(doc: PostureDocument, folder: string): void {
  try {
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, POSTURE_REPORT_FILES.json), `${JSON.stringify(doc, undefined, 2)}\n`);
    fs.writeFileSync(path.join(folder, POSTURE_REPORT_FILES.markdown), renderMarkdown(doc));
    fs.writeFileSync(path.join(folder, POSTURE_REPORT_FILES.html), renderHtml(doc));
  } catch (e) {
    throw new ScanInputError(folder, `cannot write the posture report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
