import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { scanTemplates, ScanFinding } from '../../lib';
import { withResolutionCache } from '../../lib/checks/private/cfn';

/** A fresh app and stack for one test. */
export function newStack(id = 'Test'): Stack {
  return new Stack(new App(), id);
}

/** Brings a plain CloudFormation template into `stack` with CfnInclude and returns the include. */
export function includeTemplate(stack: Stack, template: object, id = 'Included'): CfnInclude {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iotsec-'));
  const file = path.join(dir, 'template.json');
  fs.writeFileSync(file, JSON.stringify(template));
  return new CfnInclude(stack, id, { templateFile: file });
}

/** The scanner's findings on a YAML template of `lines`, written to a folder that is removed after. */
export function scanYaml(lines: string[]): ScanFinding[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iotsec-scan-'));
  try {
    const file = path.join(dir, 'template.yaml');
    fs.writeFileSync(file, lines.join('\n'));
    return scanTemplates([file]).findings;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every CfnResource under `scope`. */
export function cfnResources(scope: IConstruct): CfnResource[] {
  return scope.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
}

/**
 * Runs `rule` on one resource, inside a resolution pass as the pack does. Findings arrays are
 * sorted so tests can compare them whole.
 */
export function check(rule: (node: CfnResource) => NagRuleResult, node: CfnResource): NagRuleResult {
  const result = withResolutionCache(() => rule(node));
  return Array.isArray(result) ? [...result].sort() : result;
}

/** Runs `rule` on the one resource of `type` under `scope` (it must be exactly one). */
export function checkType(rule: (node: CfnResource) => NagRuleResult, scope: IConstruct, type: string): NagRuleResult {
  const nodes = cfnResources(scope).filter((r) => r.cfnResourceType === type);
  if (nodes.length !== 1) throw new Error(`expected one ${type}, found ${nodes.length}`);
  return check(rule, nodes[0]);
}

export const { COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE } = NagRuleCompliance;
