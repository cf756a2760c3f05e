import * as fs from 'fs';
import * as path from 'path';
import { runOk } from '../support/child-process';
import { runFolder } from '../support/run-folder';
import {
  assemblyStacks, compareWithSnapshot, deployedStacks, describeDifferences, integTests, ROOT, synthesizeOrThrow,
} from './support/assembly';
import { expectationProblems, sdkCallProblems } from './support/sdk-calls';

/**
 * Every integration test synthesizes and matches its snapshot, offline (`npm run integ` deploys
 * them). What each assertion calls is checked too: the call reaches a real SDK v3 command, and
 * the IAM action integ-tests grants its provider for it exists, so a test cannot rot into one
 * that fails only in an account.
 */

const TESTS = integTests();

/** The assembly of each test, synthesized once for this run. */
const assemblies = new Map<string, string>();
function assemblyOf(name: string): string {
  let dir = assemblies.get(name);
  if (!dir) {
    dir = path.join(runFolder(), `integ-${name}`);
    synthesizeOrThrow(TESTS.find((t) => t.name === name)!, dir);
    assemblies.set(name, dir);
  }
  return dir;
}

test('the five runtime paths each have an integration test', () => {
  expect(TESTS.map((t) => t.name)).toEqual(expect.arrayContaining(['backup', 'certificate-lifecycle', 'fleet-provisioning', 'incident-response', 'signed-ota']));
});

describe.each(TESTS.map((t) => [t.name, t] as const))('integ.%s', (_name, integ) => {
  test('synthesizes and matches its snapshot', () => {
    const differences = compareWithSnapshot(integ, assemblyOf(integ.name));
    if (differences.length > 0) throw new Error(describeDifferences(integ, differences));
  });

  test('deploys only env-agnostic stacks, each a test case or an assertion stack, and asserts something', () => {
    const dir = assemblyOf(integ.name);
    const stacks = assemblyStacks(dir);
    expect(deployedStacks(dir).map((s) => s.artifactId)).toEqual(stacks.map((s) => s.artifactId));
    const calls = stacks.flatMap((s) => Object.values(s.template.Resources ?? {}))
      .filter((r) => r.Type.startsWith('Custom::DeployAssert@'));
    expect(calls.length).toBeGreaterThan(0);
    const assetsManifests = fs.readdirSync(dir).filter((f) => f.endsWith('.assets.json'));
    for (const f of assetsManifests) {
      // An env-agnostic stack deploys to whichever account and region the caller's credentials name.
      expect(fs.readFileSync(path.join(dir, f), 'utf8')).toContain('current_account-current_region');
    }
  });

  test('the CDK CLI selects exactly the stacks the runner deploys and destroys, by the names it passes', () => {
    const dir = assemblyOf(integ.name);
    const selectors = deployedStacks(dir).map((s) => s.displayName);
    const listed = runOk(process.execPath, [path.join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'ls', '--app', dir, '--no-notices', ...selectors], { cwd: ROOT, timeoutMs: 60_000 });
    expect(listed.trim().split('\n').sort()).toEqual([...selectors].sort());
  });

  test('every AWS API call of its assertions is a real SDK v3 command whose IAM action exists, and each expectation can meet its response', () => {
    const problems: string[] = [];
    for (const stack of assemblyStacks(assemblyOf(integ.name))) {
      for (const [id, r] of Object.entries(stack.template.Resources ?? {})) {
        const props = r.Properties ?? {};
        if (!r.Type.startsWith('Custom::DeployAssert@SdkCall') || typeof props.service !== 'string' || typeof props.api !== 'string') continue;
        problems.push(...sdkCallProblems(`${stack.stackName}/${id}`, props.service, props.api));
        problems.push(...expectationProblems(`${stack.stackName}/${id}`, props));
      }
    }
    expect(problems).toEqual([]);
  });
});
