import { CfnResource } from 'aws-cdk-lib';
import { asArray, findInStack, memoizeInPass, referencedLogicalId, resolvedProperties, resourcesInStack } from './cfn';
import { branches, isIntrinsic, isObject, possibleValues, Unresolved } from './cfn-values';
import { templateString } from './iam-policy';
import { Placeholders, renderString } from './intrinsics';
import { StackModel } from './stack-model';

/**
 * Reading which IAM role a property names, and which services a role trusts: shared by the rules
 * that judge roles by their use (role aliases, mitigation actions, the roles IoT services assume).
 */

const ROLE = 'AWS::IAM::Role';

/** The roles of the stack a `RoleArn` value can point at; `Unresolved` where it points elsewhere. */
export function rolesOf(node: CfnResource, value: unknown, depth = 0): (CfnResource | Unresolved)[] {
  if (depth > 8 || value === undefined) return [];
  if (isObject(value) && isIntrinsic(value)) {
    const [fn] = Object.keys(value);
    const arg = value[fn];
    if (fn === 'Fn::If' && Array.isArray(arg)) return arg.slice(1).flatMap((b) => rolesOf(node, b, depth + 1));
    if (fn === 'Ref' && arg === 'AWS::NoValue') return [];
    const id = referencedLogicalId(value);
    if (id) {
      const target = findInStack(node, id);
      if (target) return [target.cfnResourceType === ROLE ? target : new Unresolved(`${id} is a ${target.cfnResourceType}`)];
      // A parameter: its allowed values may still be ARNs of roles of the stack.
      return possibleValues(node, value).flatMap((v) => (typeof v === 'string' ? rolesOf(node, v, depth + 1) : [new Unresolved(`Ref:${id}`)]));
    }
    // An ARN built from the role's name (`Fn::Sub` of pseudo parameters and literals), see StackModel.byArn.
    const byArn = StackModel.of(node).byArn(value, ROLE);
    if (byArn.length > 0) return byArn;
    const inner = referencedRoles(node, value);
    if (inner.length > 0) return inner;
    const shape = templateString(value);
    return shape !== undefined && shape !== '{?}' ? rolesOf(node, shape, depth + 1) : [new Unresolved(fn)];
  }
  if (typeof value === 'string') return [...rolesOfText(node, value)];
  return [new Unresolved('not an ARN')];
}

/**
 * The roles of the stack a role ARN written as text names: those whose derived ARN it is (see
 * `StackModel.byArn`), else the first whose `RoleName` can only be its name. Every topic rule
 * action naming its role by the same text (a role of another account, say) asks again: the answer
 * depends only on the stack and the text, so it is read once per text, stack and pass.
 */
function rolesOfText(node: CfnResource, value: string): readonly (CfnResource | Unresolved)[] {
  const memo = memoizeInPass('role-refs-by-text', StackModel.of(node), () => new Map<string, readonly (CfnResource | Unresolved)[]>());
  let roles = memo.get(value);
  if (!roles) {
    roles = readRolesOfText(node, value);
    memo.set(value, roles);
  }
  return roles;
}

function readRolesOfText(node: CfnResource, value: string): (CfnResource | Unresolved)[] {
  const byArn = StackModel.of(node).byArn(value, ROLE);
  if (byArn.length > 0) return byArn;
  const name = /:role\/(?:.*\/)?([^/{}]+)$/.exec(value)?.[1];
  const role = name === undefined ? undefined : resourcesInStack(node, ROLE).find((r) => possibleValues(node, resolvedProperties(r).RoleName).every((n) => n === name));
  return [role ?? new Unresolved('role outside the stack')];
}

/** Roles of the stack named inside an `Fn::Join` or `Fn::Sub` that builds an ARN from them. */
function referencedRoles(node: CfnResource, value: { [key: string]: unknown }): CfnResource[] {
  return resourcesNamedIn(node, value, [ROLE]);
}

/**
 * The resources of the stack, of one of `types`, that a value names anywhere inside it: as
 * `${Id}`/`${Id.Attr}` in a string (an `Fn::Sub` template) or by `Ref`/`Fn::GetAtt`.
 */
export function resourcesNamedIn(node: CfnResource, value: unknown, types: readonly string[]): CfnResource[] {
  const ids = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(/\$\{([^}.!]+)(?:\.[^}]*)?\}/g)) ids.add(m[1]);
    } else if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (isObject(v)) {
      const id = referencedLogicalId(v);
      if (id) ids.add(id);
      else Object.values(v).forEach(visit);
    }
  };
  visit(value);
  return [...ids].map((id) => findInStack(node, id)).filter((r): r is CfnResource => r !== undefined && types.includes(r.cfnResourceType));
}

/**
 * The services and identity providers a role's trust policy lets assume it (`Principal.Service`
 * and `Principal.Federated` of its Allow statements: `cognito-identity.amazonaws.com` is a
 * federated principal), lower-cased, across every form the document can deploy in. A JSON-string
 * document is parsed; a principal built around `AWS::URLSuffix` is read with `amazonaws.com`; what
 * cannot be read is left out (the role is then not recognized).
 */
export function trustedServices(node: CfnResource, role: CfnResource): Set<string> {
  const out = new Set<string>();
  for (const doc of possibleValues(node, resolvedProperties(role).AssumeRolePolicyDocument)) {
    let parsed: unknown = doc;
    if (typeof doc === 'string') {
      try {
        parsed = JSON.parse(doc);
      } catch {
        continue;
      }
    }
    if (!isObject(parsed)) continue;
    for (const statement of asArray(parsed.Statement as unknown)) {
      if (!isObject(statement) || String(statement.Effect).toLowerCase() !== 'allow' || !isObject(statement.Principal)) continue;
      for (const service of [...asArray(statement.Principal.Service as unknown), ...asArray(statement.Principal.Federated as unknown)]) {
        for (const v of possibleValues(node, service)) if (typeof v === 'string') out.add(v.toLowerCase());
        for (const v of withUrlSuffix(service)) out.add(v.toLowerCase());
      }
    }
  }
  return out;
}

/**
 * A principal built around `AWS::URLSuffix` (`Fn::Sub 'credentials.iot.${AWS::URLSuffix}'`, or
 * the `Fn::Join` CDK renders for `ServicePrincipal`): the service's name, the suffix read as
 * `amazonaws.com` (the service principals are named so in every partition). Each `Fn::If` branch.
 */
function withUrlSuffix(value: unknown): string[] {
  const out: string[] = [];
  for (const branch of branches(value)) {
    if (!isObject(branch)) continue;
    const ph = new Placeholders();
    const segments = ph.decode(renderString(branch, ph, 'cloudformation'));
    if (!segments.some((s) => s.kind === 'pseudo' && s.label === 'AWS::URLSuffix')) continue;
    let text = '';
    for (const s of segments) {
      if (s.kind === 'text') text += s.text;
      else if (s.kind === 'pseudo' && s.label === 'AWS::URLSuffix') text += 'amazonaws.com';
      else {
        text = '';
        break;
      }
    }
    if (text) out.push(text);
  }
  return out;
}

