import { CfnResource, Stack } from 'aws-cdk-lib';
import { memoizeInPass, outputsInStack, resolveResource } from './cfn';
import { isCustomResourceType } from './custom-resources';
import { keyFlows, readProvider } from './custom-resource-providers';
import { evaluate, Evaluated, field, isJsonObject, parseJson, Placeholders } from './intrinsics';
import { isSecretName, nameWords } from './secrets';
import { StackModel } from './stack-model';

/**
 * The stack's resources, custom resources as themselves and not as the native resources they
 * stand for: the flows read an `AwsCustomResource` call themselves (a `SecureString` parameter or
 * a Secrets Manager secret it writes is a safe place, which its `AWS::SSM::Parameter` view,
 * CloudFormation's String-only parameter, would not say).
 */
function resourcesInStack(node: CfnResource): readonly CfnResource[] {
  return StackModel.of(node).resources();
}

/**
 * Secrets that flow, within one stack, from where CloudFormation holds them to where anyone can
 * read them in plain text.
 *
 * A source is an attribute that returns a secret (`Fn::GetAtt X.PrivateKey`,
 * `{ 'Fn::GetAtt': [X, 'keyPair.PrivateKey'] }`, `${X.SecretAccessKey}` in `Fn::Sub`): the
 * `SecretAccessKey` of an `AWS::IAM::AccessKey`, or any attribute, of a custom resource or a
 * native one, whose name says it is a secret (`ClientSecret` of a Cognito user pool client,
 * `ApiKey` of an AppSync API key, `PrivateKey`/`Password`/`Token` of a custom resource). A sink is
 * where the value lands: EC2 and launch template `UserData`, a Lambda function's environment,
 * another environment (ECS, CodeBuild), an `Output`, an SSM parameter (CloudFormation writes
 * only `String` and `StringList` ones), a tag, `Metadata` (cfn-init), or any other property of
 * another resource. Secrets Manager's `SecretString` is where a secret belongs, so it is no sink.
 * A secret written to a same-stack SSM parameter, or put in one by an `AwsCustomResource` call to
 * `ssm:PutParameter` (not `SecureString`), is followed on to whoever reads that parameter back
 * (`Fn::GetAtt P.Value`, `{{resolve:ssm:<its name>}}`); an `AwsCustomResource` call that stores it
 * in Secrets Manager (`CreateSecret`, `PutSecretValue`, `UpdateSecret`) is no sink either.
 *
 * A secret the template resolves itself (`{{resolve:secretsmanager:...}}`,
 * `{{resolve:ssm-secure:...}}`) flows too when it lands in a plain-text sink (user data, an
 * environment, a tag, an SSM parameter, metadata); the resource it lands in has that finding,
 * since the secret's own resource may live elsewhere.
 *
 * A custom resource of another provider than `AwsCustomResource` whose provider creates device keys
 * (see `custom-resource-providers.ts`: its role may call `iot:CreateKeysAndCertificate` or
 * `iot:CreateProvisioningClaim`, or its inline code calls them) returns the private key in any
 * attribute whose name says key (`Key`, `KeyPair`, `DeviceKey`; not `PublicKey`, `CertificatePem`
 * or `KeyArn`), which flows as above. When its inline code creates keys and writes an S3 object,
 * an SSM parameter that is not a `SecureString` or a DynamoDB item, the key is taken to land
 * there: `Flow::PrivateKey->S3Object:<function>` on the custom resource; Secrets Manager, a
 * `SecureString` and the CloudFormation response (judged where `Fn::GetAtt` reads it) are not
 * sinks themselves.
 *
 * Findings are `Flow::<attribute>-><Sink>:<logical ID>` on the resource whose attribute leaks
 * (`Flow::PrivateKey->UserData:Gateway`, `Flow::SecretAccessKey->Output:Key`,
 * `Flow::PrivateKey->SsmParameter:P->LambdaEnvironment:Fn`), and `Flow::SecretsManager->UserData`
 * or `Flow::SsmSecure->LambdaEnvironment` on the resource a dynamic reference lands in.
 */

/** Where a secret lands. */
export type SinkKind = 'UserData' | 'LambdaEnvironment' | 'Environment' | 'Output' | 'SsmParameter' | 'Tag' | 'Metadata' | 'Property';

/** Sinks where a value is plain text to whoever can describe the resource. */
const PLAINTEXT_SINKS = new Set<SinkKind>(['UserData', 'LambdaEnvironment', 'Environment', 'Output', 'SsmParameter', 'Tag', 'Metadata']);
const LAMBDA_TYPES = new Set(['AWS::Lambda::Function', 'AWS::Serverless::Function']);
const SSM_PARAMETER = 'AWS::SSM::Parameter';
const DYNAMIC_REFERENCE = /\{\{resolve:(secretsmanager|ssm-secure|ssm):([^}]*)/g;
const SUB_ATTRIBUTE = /\$\{(?!!)([A-Za-z0-9]+)\.([^}\s]+)\}/g;

type Hit =
  | { readonly kind: 'attribute'; readonly source: string; readonly attribute: string; readonly path: readonly string[] }
  | { readonly kind: 'dynamic'; readonly service: string; readonly name: string; readonly path: readonly string[] };

interface Sink {
  readonly logicalId: string;
  readonly type: string;
  readonly hits: Hit[];
}

/** What the flows of one stack say: findings by the logical ID of the resource that has them. */
type StackFlows = ReadonlyMap<string, readonly string[]>;

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every reference to an attribute and every dynamic reference in `value`, with the path it sits at. */
function collect(value: unknown, path: readonly string[], out: Hit[], depth: number): void {
  if (depth > 64) return;
  if (typeof value === 'string') {
    if (!value.includes('{{resolve:')) return;
    DYNAMIC_REFERENCE.lastIndex = 0;
    for (let m = DYNAMIC_REFERENCE.exec(value); m; m = DYNAMIC_REFERENCE.exec(value)) {
      out.push({ kind: 'dynamic', service: m[1], name: m[2].split(':')[0], path });
    }
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, path, out, depth + 1);
  } else if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
      const arg = value['Fn::GetAtt'];
      if (Array.isArray(arg) && typeof arg[0] === 'string' && typeof arg[1] === 'string') {
        out.push({ kind: 'attribute', source: arg[0], attribute: arg[1], path });
      } else if (typeof arg === 'string' && arg.includes('.')) {
        const dot = arg.indexOf('.');
        out.push({ kind: 'attribute', source: arg.slice(0, dot), attribute: arg.slice(dot + 1), path });
      }
      return;
    }
    if (keys.length === 1 && keys[0] === 'Fn::Sub') {
      const arg = value['Fn::Sub'];
      const template = typeof arg === 'string' ? arg : Array.isArray(arg) && typeof arg[0] === 'string' ? arg[0] : undefined;
      if (template !== undefined && template.includes('${')) {
        SUB_ATTRIBUTE.lastIndex = 0;
        for (let m = SUB_ATTRIBUTE.exec(template); m; m = SUB_ATTRIBUTE.exec(template)) {
          out.push({ kind: 'attribute', source: m[1], attribute: m[2], path });
        }
      }
      if (template !== undefined) collect(template, path, out, depth + 1);
      if (Array.isArray(arg) && arg.length > 1) collect(arg[1], path, out, depth + 1);
      return;
    }
    const intrinsic = keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
    for (const key of keys) collect(value[key], intrinsic ? path : [...path, key], out, depth + 1);
  }
}

/** Where a value at `path` of a resource of `type` lands; `undefined` for a place a secret belongs. */
export function sinkKind(type: string, path: readonly string[]): SinkKind | undefined {
  const top = path[0];
  if (top === 'Metadata') return 'Metadata';
  if (top === 'Tags') return 'Tag';
  if (path.includes('UserData')) return 'UserData';
  if (LAMBDA_TYPES.has(type) && top === 'Environment') return 'LambdaEnvironment';
  if (type === SSM_PARAMETER && top === 'Value') return 'SsmParameter';
  if (type === 'AWS::SecretsManager::Secret' && top === 'SecretString') return undefined;
  // EventBridge keeps a connection's authorization parameters in a Secrets Manager secret it manages.
  if (type === 'AWS::Events::Connection' && top === 'AuthParameters') return undefined;
  if (path.includes('Environment') || path.includes('EnvironmentVariables')) return 'Environment';
  return 'Property';
}

/** Whether an attribute of a resource of `type` returns a secret. */
export function isSecretAttribute(type: string | undefined, attribute: string): boolean {
  if (type === 'AWS::IAM::AccessKey') return attribute === 'SecretAccessKey';
  // An attribute that points at a secret or a service (`CredentialEndpointAddress`,
  // `TokenExchangeRoleAlias`, `SecretArn`) is not one, whatever its first words say.
  const words = nameWords(attribute);
  if (words.length > 0 && POINTER_WORDS.has(words[words.length - 1])) return false;
  return isSecretName(attribute);
}

/** Whether an attribute of a custom resource whose provider creates keys may return the private key. */
function isKeyAttribute(attribute: string): boolean {
  const words = nameWords(attribute);
  if (words.length === 0 || POINTER_WORDS.has(words[words.length - 1])) return false;
  if (words.some((w) => w === 'public' || w === 'certificate' || w === 'cert')) return false;
  return words.some((w) => w === 'key' || w === 'keys' || w === 'keypair');
}

/** The last words of an attribute name that make it an address, a name or an identifier, not a secret. */
const POINTER_WORDS = new Set([
  'address', 'addresses', 'endpoint', 'endpoints', 'alias', 'aliases', 'host', 'hostname', 'url', 'uri', 'arn', 'arns',
  'name', 'names', 'id', 'ids', 'domain', 'port', 'path', 'region', 'type', 'version',
]);

function isToolMetadataKey(key: string): boolean {
  return key.startsWith('aws:cdk:') || key.startsWith('aws:asset:') || key === 'cdk_nag' || key === 'cfn_nag' || key === 'checkov';
}

function sinksOf(node: CfnResource): Sink[] {
  const stack = Stack.of(node);
  const sinks: Sink[] = [];
  for (const resource of resourcesInStack(node)) {
    const { logicalId, type, properties } = resolveResource(resource);
    const hits: Hit[] = [];
    collect(properties, [], hits, 0);
    const metadata = resource.cfnOptions.metadata;
    if (metadata && Object.keys(metadata).some((k) => !isToolMetadataKey(k))) {
      for (const [key, value] of Object.entries(metadata)) {
        if (!isToolMetadataKey(key)) collect(stack.resolve(value), ['Metadata', key], hits, 0);
      }
    }
    if (hits.length > 0) sinks.push({ logicalId, type, hits });
  }
  for (const output of outputsInStack(node)) {
    const hits: Hit[] = [];
    collect(output.value, [], hits, 0);
    if (hits.length > 0) sinks.push({ logicalId: output.logicalId, type: 'Output', hits });
  }
  return sinks;
}

function sinkLabel(sink: Sink, path: readonly string[]): string | undefined {
  if (sink.type === 'Output') return `Output:${sink.logicalId}`;
  const kind = sinkKind(sink.type, path);
  if (kind === undefined) return undefined;
  return kind === 'Property' ? `Property:${sink.logicalId}.${path[0] ?? ''}` : `${kind}:${sink.logicalId}`;
}

/** A place a secret was parked in, that others may read it back from: an SSM parameter. */
interface Parked {
  readonly label: string;
  readonly origins: { source: string; attribute: string }[];
}

/**
 * What an `AwsCustomResource` call (`Custom::AWS`) does with a secret attribute in its parameters:
 * `ssm:PutParameter` parks it in an SSM parameter (a String one unless the call says
 * `SecureString`), Secrets Manager's `CreateSecret`/`PutSecretValue`/`UpdateSecret` store it where
 * it belongs; `undefined` for any other call, which is a property like any other.
 */
function customAwsCall(value: unknown): { readonly kind: 'ssm' | 'store'; readonly name?: string; readonly secure?: boolean; readonly refs: Set<string> } | undefined {
  const ph = new Placeholders();
  const rendered = evaluate(value, ph, 'cloudformation');
  const call = typeof rendered === 'string' ? parseJson(rendered) : rendered;
  if (!isJsonObject(call)) return undefined;
  const service = String(field(call, 'service') ?? '').toLowerCase().replace(/^@aws-sdk\/client-/, '').replace(/-/g, '');
  const action = String(field(call, 'action') ?? '').toLowerCase().replace(/command$/, '');
  const parameters = field(call, 'parameters');
  if (!isJsonObject(parameters)) return undefined;
  const refsIn = (v: Evaluated | undefined) => new Set(typeof v === 'string'
    ? ph.decode(v).flatMap((seg) => (seg.kind === 'ref' && seg.label.includes('.') ? [seg.label] : []))
    : []);
  if (service === 'ssm' && action === 'putparameter') {
    const name = field(parameters, 'Name');
    const type = field(parameters, 'Type');
    return { kind: 'ssm', name: typeof name === 'string' && ph.isLiteral(name) ? name : undefined, secure: type === 'SecureString', refs: refsIn(field(parameters, 'Value')) };
  }
  if (service === 'secretsmanager' && ['createsecret', 'putsecretvalue', 'updatesecret'].includes(action)) {
    return { kind: 'store', refs: new Set([...refsIn(field(parameters, 'SecretString')), ...refsIn(field(parameters, 'SecretBinary'))]) };
  }
  return undefined;
}

function computeFlows(node: CfnResource): StackFlows {
  const types = new Map(resourcesInStack(node).map((r) => {
    const { logicalId, type } = resolveResource(r);
    return [logicalId, type] as const;
  }));
  const sinks = sinksOf(node);
  const findings = new Map<string, Set<string>>();
  const add = (logicalId: string, finding: string) => {
    let set = findings.get(logicalId);
    if (!set) findings.set(logicalId, (set = new Set()));
    set.add(finding);
  };
  // Where secrets were parked: SSM parameters of the stack by logical ID, and by name.
  const parkedById = new Map<string, Parked>();
  const parkedByName = new Map<string, Parked>();
  const park = (map: Map<string, Parked>, key: string, label: string, origin: { source: string; attribute: string }) => {
    const entry = map.get(key) ?? { label, origins: [] };
    entry.origins.push(origin);
    map.set(key, entry);
  };
  // Custom resources whose provider creates keys: what its code writes, and what it returns.
  const keyMakers = new Set<string>();
  const model = StackModel.of(node);
  for (const resource of resourcesInStack(node)) {
    if (!isCustomResourceType(resource.cfnResourceType) || model.customResource(resource).awsCustomResource) continue;
    const flows = keyFlows(readProvider(resource));
    if (!flows.creates) continue;
    const id = resolveResource(resource).logicalId;
    keyMakers.add(id);
    for (const p of flows.plaintext) add(id, `Flow::PrivateKey->${p.write}:${p.logicalId}`);
  }
  const isSecret = (source: string, attribute: string) => isSecretAttribute(types.get(source), attribute)
    || (keyMakers.has(source) && isKeyAttribute(attribute));
  const calls = new Map<string, ReturnType<typeof customAwsCall> | null>();
  for (const sink of sinks) {
    for (const hit of sink.hits) {
      if (hit.kind === 'attribute') {
        if (hit.source === sink.logicalId || !types.has(hit.source) || !isSecret(hit.source, hit.attribute)) continue;
        if (sink.type === 'Custom::AWS' && ['Create', 'Update', 'Delete'].includes(hit.path[0])) {
          const key = `${sink.logicalId}.${hit.path[0]}`;
          if (!calls.has(key)) {
            const resource = resourcesInStack(node).find((r) => resolveResource(r).logicalId === sink.logicalId);
            calls.set(key, (resource && customAwsCall(resolveResource(resource).properties[hit.path[0]])) ?? null);
          }
          const call = calls.get(key);
          if (call && call.refs.has(`${hit.source}.${hit.attribute}`)) {
            if (call.kind === 'store' || call.secure) continue;
            const label = `SsmParameter:${call.name ?? sink.logicalId}`;
            add(hit.source, `Flow::${hit.attribute}->${label}`);
            if (call.name !== undefined) park(parkedByName, call.name, label, { source: hit.source, attribute: hit.attribute });
            continue;
          }
        }
        const label = sinkLabel(sink, hit.path);
        if (label === undefined) continue;
        add(hit.source, `Flow::${hit.attribute}->${label}`);
        if (sink.type === SSM_PARAMETER && hit.path[0] === 'Value') {
          park(parkedById, sink.logicalId, label, { source: hit.source, attribute: hit.attribute });
        }
      } else if (hit.service !== 'ssm' && sink.type !== 'Output') {
        const kind = sinkKind(sink.type, hit.path);
        if (kind !== undefined && PLAINTEXT_SINKS.has(kind)) add(sink.logicalId, `Flow::${hit.service === 'secretsmanager' ? 'SecretsManager' : 'SsmSecure'}->${kind}`);
      }
    }
  }
  if (parkedById.size > 0 || parkedByName.size > 0) followParameters(node, sinks, parkedById, parkedByName, add);
  return new Map([...findings].map(([id, set]) => [id, [...set]]));
}

/**
 * A secret parked in an SSM parameter, read back by `GetAtt P.Value` or `{{resolve:ssm:<name>}}`
 * (a parameter of the stack with a literal `Name`, or one an `AwsCustomResource` put).
 */
function followParameters(
  node: CfnResource,
  sinks: readonly Sink[],
  parkedById: ReadonlyMap<string, Parked>,
  parkedByName: Map<string, Parked>,
  add: (logicalId: string, finding: string) => void,
): void {
  for (const resource of resourcesInStack(node)) {
    const { logicalId, properties } = resolveResource(resource);
    const entry = parkedById.get(logicalId);
    if (entry && typeof properties.Name === 'string' && !parkedByName.has(properties.Name)) parkedByName.set(properties.Name, entry);
  }
  for (const sink of sinks) {
    for (const hit of sink.hits) {
      let parked: Parked | undefined;
      if (hit.kind === 'attribute' && hit.attribute === 'Value' && hit.source !== sink.logicalId) parked = parkedById.get(hit.source);
      else if (hit.kind === 'dynamic' && hit.service === 'ssm') parked = parkedByName.get(hit.name);
      if (parked === undefined) continue;
      const label = sinkLabel(sink, hit.path);
      if (label === undefined || label === parked.label) continue;
      for (const origin of parked.origins) add(origin.source, `Flow::${origin.attribute}->${parked.label}->${label}`);
    }
  }
}

/** The flow findings of `node` (see the module's comment), computed once per stack and pass. */
export function secretFlowFindings(node: CfnResource): readonly string[] {
  const flows = memoizeInPass('secretFlows', Stack.of(node), () => computeFlows(node));
  return flows.get(resolveResource(node).logicalId) ?? [];
}
