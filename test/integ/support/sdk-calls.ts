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

/**
 * An assertion that can never pass as written: integ-tests compares `expect()` with the whole
 * response only when no attribute of the call is read. Once `getAtt`/`getAttString` is used, the
 * handler flattens the response and keeps only the paths read, so the expected object meets
 * `undefined` (a waiting call then polls until it times out). Assert at a path instead.
 */
export function expectationProblems(where: string, props: { readonly [key: string]: unknown }): string[] {
  const problems: string[] = [];
  const call = `${String(props.service)}.${String(props.api)}`;
  const flattened = props.flattenResponse === 'true' || (Array.isArray(props.outputPaths) && props.outputPaths.length > 0);
  if (props.expected !== undefined && flattened && !props.actualPath) {
    const read = Array.isArray(props.outputPaths) ? (props.outputPaths as string[]).join(', ') : 'attributes';
    problems.push(`${where}: ${call} has expect() and its ${read} read with getAtt: integ-tests then compares the expectation with nothing; use assertAtPath(), or a second call for the expectation`);
  }
  if (typeof props.expected === 'string' && usesExact(props.expected)) {
    problems.push(`${where}: ${call} expects ExpectedResult.exact(), which integ-tests' handler never matches (it does not read $Exact): use exactly() from test/integ/support/exactly.ts`);
  }
  return problems;
}

/** Whether an encoded expectation holds `{"$Exact": ...}` anywhere, serialized JSON inside it included. */
function usesExact(encoded: string): boolean {
  let found = false;
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.includes('$Exact')) {
        try {
          visit(JSON.parse(v));
        } catch {
          // A plain string that happens to name it is no matcher.
        }
      }
    } else if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (v !== null && typeof v === 'object') {
      if (Object.keys(v).includes('$Exact')) found = true;
      Object.values(v).forEach(visit);
    }
  };
  visit(encoded);
  return found;
}
