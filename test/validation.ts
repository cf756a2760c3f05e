import * as fs from 'fs';
import * as path from 'path';
import { runFolder } from './support/run-folder';
import { App, AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IotSecurityChecks } from '../lib';

/** One finding of one validation plugin, unacknowledged. */
export interface Finding {
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly description: string;
  readonly paths: string[];
}

/**
 * A fresh app whose synth runs CDK's CloudFormation validator with its findings as errors,
 * as `cdk.json` sets it for the reference deployment.
 */
export function newValidatedApp(props: AppProps = {}): App {
  return new App({
    outdir: fs.mkdtempSync(path.join(runFolder(), 'app-')),
    ...props,
    context: { '@aws-cdk/core:validateAgainstDefaultRules': true, ...props.context },
  });
}

/**
 * Synthesizes `app` with every validation plugin active (IotSecurityChecks, AwsSolutionsChecks,
 * CDK's CloudFormation validator) and returns the unacknowledged findings: `[]` means clean.
 */
export function validationFindings(app: App): Finding[] {
  Validations.of(app).addPlugins(new IotSecurityChecks(app, { requiredTagKeys: ['criticality', 'owner'] }), new AwsSolutionsChecks(app));
  const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const quietLog = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  let outdir: string;
  // The unit tests' setup turns CDK's validator off for in-process synths (test/support/unit-setup.ts); not here.
  const validation = process.env.CDK_VALIDATION;
  delete process.env.CDK_VALIDATION;
  try {
    outdir = app.synth().directory;
  } catch (e) {
    // A failed validation still writes its report; any other error is a real failure.
    if (!fs.existsSync(path.join(app.outdir, 'validation-report.json'))) throw e;
    outdir = app.outdir;
  } finally {
    if (validation !== undefined) process.env.CDK_VALIDATION = validation;
    quiet.mockRestore();
    quietLog.mockRestore();
  }
  return reportedFindings(outdir);
}

/** The findings in the validation report a synth wrote into `outdir` (`[]` when there is none). */
export function reportedFindings(outdir: string): Finding[] {
  const reportFile = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(reportFile)) return [];
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  const findings: Finding[] = [];
  for (const plugin of report.pluginReports ?? []) {
    for (const v of plugin.violations ?? []) {
      findings.push({
        plugin: plugin.pluginName,
        rule: v.ruleName,
        severity: v.severity,
        description: v.description,
        paths: (v.violatingConstructs ?? v.violatingResources ?? []).map((c: { constructPath?: string; resourceLogicalId?: string }) => c.constructPath ?? c.resourceLogicalId),
      });
    }
  }
  return findings;
}
