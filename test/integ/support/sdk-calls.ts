import * as fs from 'fs';
import * as path from 'path';
import { awsSdkToIamAction } from 'aws-cdk-lib/custom-resources/lib/helpers-internal';
import { iamAction } from '../../../lib/checks/private/iam-data';
import { ROOT } from './assembly';

/** v2 constructor names the SDK v3 spells otherwise (aws-cdk-lib's own table, as integ-tests reads it). */
const V2_TO_V3: { [v2: string]: string } = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'aws-cdk-lib', 'custom-resources', 'lib', 'helpers-internal', 'sdk-v2-to-v3.json'), 'utf8'));

/**
 * IAM actions that are not the SDK call's name, where integ-tests grants the right one itself
 * (its `invokeFunction` grants lambda:InvokeFunction for the `invoke` call).
 */
const CALLS_GRANTED_OTHERWISE = new Set(['lambda:Invoke']);

/** What is wrong with an assertion's `service`/`api` pair: nothing when the list is empty. */
export function sdkCallProblems(where: string, service: string, api: string): string[] {
  const clientName = service.startsWith('@aws-sdk/client-')
    ? service.slice('@aws-sdk/client-'.length)
    : V2_TO_V3[service.toLowerCase()] ?? service.toLowerCase();
  const pkg = `@aws-sdk/client-${clientName}`;
  let client: { [name: string]: unknown };
  try {
    client = require(pkg);
  } catch {
    return [`${where}: ${service}.${api}: ${pkg} is not a devDependency, so the call cannot be checked (add it)`];
  }
  const command = `${api.charAt(0).toUpperCase()}${api.slice(1).replace(/Command$/, '')}Command`;
  const problems: string[] = [];
  if (typeof client[command] !== 'function') problems.push(`${where}: ${pkg} has no ${command}`);
  const action = awsSdkToIamAction(service, api);
  const [iamService, iamName] = action.split(':');
  if (!CALLS_GRANTED_OTHERWISE.has(action) && !iamAction(iamService, iamName)) {
    problems.push(`${where}: integ-tests grants ${action} for ${service}.${api}, an action IAM does not have: grant the real one with provider.addToRolePolicy`);
  }
  return problems;
}
