import { CfnResource, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import { asArray, memoizeInPass, referencedLogicalId, resolvedProperties } from './cfn';
import { branches, Findings, isIntrinsic, isObject, possibleValues } from './cfn-values';
import { expandIamAction, globMatch } from './iam-data';
import { awsManagedPolicyName, forEachRoleGrant, forEachStatement, templateString } from './iam-policy';
import { statementStrings } from './role-statements';
import { nameWords } from './secrets';
import { StackModel } from './stack-model';

/**
 * What the pack reads of the provider behind a custom resource that is not an `AwsCustomResource`:
 * whether the resource touches AWS IoT, and whether its provider creates device keys and where
 * they go. Custom resources are a provider's own API: CloudFormation sends the resource's
 * `Properties` to the `ServiceToken` (a Lambda function or an SNS topic) and hands the `Data` the
 * provider returns to whoever reads it with `Fn::GetAtt`
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html: "If
 * the name-value pairs contain sensitive information, you should use the NoEcho field to mask the
 * output of the custom resource. Otherwise, the values are visible through APIs that surface
 * property values").
 *
 * **The provider.** The `ServiceToken` is followed to a function of the stack: `Fn::GetAtt F.Arn`
 * (any `Fn::If` branch), an ARN or name that `StackModel` finds, a Lambda alias or version
 * (followed to its `FunctionName`). `AWS::Lambda::Function` and `AWS::Serverless::Function` are
 * read. A function of CDK's Provider framework (`cr.Provider`: the framework's `onEvent`, whose
 * environment names the user's handlers in `USER_ON_EVENT_FUNCTION_ARN` and
 * `USER_IS_COMPLETE_FUNCTION_ARN`) stands for those handlers: the framework itself only invokes
 * them. In a CDK app, a provider in another stack of the app (an `Fn::ImportValue` in the template)
 * is found through the CDK token and read in its own stack. A token the stack does not resolve to a
 * function (a literal or imported ARN, a parameter, an SNS topic) is a provider outside the stack:
 * only the inputs can be read.
 *
 * **Inputs touch IoT** when a property (at any depth; `ServiceToken` and `ServiceTimeout` aside)
 * - is named with the word `iot`, `greengrass`, `thing`/`things`, or `role` `alias`
 *   (`IotEndpoint`, `ThingName`, `thing_group`, `RoleAliasName`; not `mqtt`, which Amazon MQ
 *   brokers speak too);
 * - holds text with an IoT ARN (`arn:<partition>:iot...:` or `greengrass`), an IoT action or
 *   condition key (`iot:Connect`, `iot:Data-ATS`, `greengrass:*`), an IoT endpoint host
 *   (`*.iot.<region>.amazonaws.com`, `credentials.iot...`) or a reserved topic (`$aws/things/`,
 *   `$aws/certificates/`, `$aws/provisioning-templates/`, `$aws/rules/`, `$aws/events/`,
 *   `$aws/jobs/`), literally or in the literal parts of an `Fn::Sub`/`Fn::Join`;
 * - refers (`Ref`, `Fn::GetAtt`, `${X}` in an `Fn::Sub`) to a resource of an IoT type
 *   (`AWS::IoT*::`, `AWS::Greengrass*::`), to another custom resource that touches IoT, to a
 *   parameter named as above, or imports (`Fn::ImportValue`) a name so named.
 * The inputs of aws-cdk-lib's pass-through custom resources (`CfnJson`, cross-region exports,
 * bucket deployments, log retention) are data, not read this way.
 *
 * **The role may call IoT** when an Allow statement granting the function's role (everything
 * `forEachRoleGrant` reads; a SAM function's `Policies` too: inline statements, AWS-managed
 * policies by name or ARN, SAM policy templates by name) grants an action of an IoT service
 * (`iot`, `iot*`, `greengrass`) by the IAM dataset (`*`, `iot:*`, `iot:Create*` included), or
 * `NotAction` leaves one out, or an AWS-managed policy named for IoT or Greengrass, or
 * `AdministratorAccess`/`PowerUserAccess`, is attached. It **may create keys** when such a grant
 * covers `iot:CreateKeysAndCertificate` (AWS IoT makes the key pair and returns the private key
 * once) or `iot:CreateProvisioningClaim` (a claim certificate with its private key), or an
 * attached policy is `AWSIoTFullAccess`, `AdministratorAccess` or `PowerUserAccess`, unless a
 * `Deny` without condition on `Resource: *` names the action (other AWS-managed IoT policies are
 * not read, so they count as calling IoT, not as creating keys).
 *
 * **Inline code** (`Code.ZipFile`, SAM's `InlineCode`; `Fn::Sub`/`Fn::Join` read with their
 * holes) is read as text. It calls IoT when it makes a client of an IoT service (boto3
 * `client('iot')`/`client('iot-data')`/`client('greengrassv2')`, SDK for JavaScript v2
 * `new AWS.Iot(...)`, v3 `@aws-sdk/client-iot*`, `IoTClient`) or calls `CreateKeysAndCertificate`
 * or `CreateProvisioningClaim` in any casing (`createKeysAndCertificate`,
 * `CreateKeysAndCertificateCommand`, `create_keys_and_certificate`), which is also where it
 * creates keys; code that calls IoT and makes a key pair itself (`generateKeyPairSync`,
 * `generate_private_key`, `openssl genrsa`/`genpkey`, for `CreateCertificateFromCsr`) creates
 * keys too. Where code that creates keys writes is read from the calls it makes:
 * S3 (`put_object`, `putObject`, `PutObjectCommand`, `upload_file`, `.upload(`), SSM
 * (`put_parameter`, `PutParameterCommand`; a `SecureString` one when the code says so), Secrets
 * Manager (`create_secret`, `put_secret_value`, `update_secret` and their casings), DynamoDB
 * (`put_item`, `PutItemCommand`, `batch_write_item`), and the CloudFormation response (`Data`,
 * `cfnresponse.send`). The code is judged by what it says side by side, not by data flow: code that
 * creates keys and puts an S3 object is taken to put the key there.
 */

/** Where code that creates keys writes: the places a private key can land. */
export type CodeWrite = 'S3Object' | 'SsmParameter' | 'SsmSecureString' | 'SecretsManager' | 'DynamoDbItem' | 'Response';

/** Where a private key is plain text to whoever may read the place. */
export const PLAINTEXT_WRITES: readonly CodeWrite[] = ['S3Object', 'SsmParameter', 'DynamoDbItem'];

/** What the pack read of one provider function. */
export interface ProviderFunction {
  /** The function's logical ID. */
  readonly logicalId: string;
  /** Its code is in the template (`Code.ZipFile`, `InlineCode`). */
  readonly inline: boolean;
  /** Its inline code calls an IoT service. */
  readonly codeCallsIot: boolean;
  /** Its inline code calls `CreateKeysAndCertificate` or `CreateProvisioningClaim`. */
  readonly codeCreatesKeys: boolean;
  /** Where its inline code writes (see the module's comment). */
  readonly writes: ReadonlySet<CodeWrite>;
  /** Its role may call an IoT action. */
  readonly roleCallsIot: boolean;
  /** Its role may create keys and certificates. */
  readonly roleCreatesKeys: boolean;
}

/** What the pack read of a custom resource's provider and inputs. */
export interface ProviderReading {
  /** The provider's functions in the stack (a Provider framework's handlers, not the framework). */
  readonly functions: readonly ProviderFunction[];
  /** Some form of the `ServiceToken` points at no function of the stack. */
  readonly outside: boolean;
  /** The first input that touches IoT (its property path), if any. */
  readonly iotInput?: string;
}

/** How the key a provider creates leaves it. */
export interface KeyFlows {
  /** Plain-text places its inline code writes a key it creates, each with the function that writes. */
  readonly plaintext: readonly { readonly write: CodeWrite; readonly logicalId: string }[];
  /** The provider may create keys and the pack cannot tell where they go. */
  readonly unknown: boolean;
  /** The provider may create keys (by its role or its code). */
  readonly creates: boolean;
}

const FUNCTION_TYPES = new Set(['AWS::Lambda::Function', 'AWS::Serverless::Function']);
/**
 * aws-cdk-lib's own custom resources that carry values through without acting on them: `CfnJson`
 * (a JSON value with tokens in its keys, such as IoT condition keys), cross-region exports and SSM
 * reads, bucket deployments, log retention. Their inputs are data; their provider is still judged
 * by its role and code, so a home-made provider borrowing the type name gains nothing.
 */
const PASS_THROUGH_TYPES = new Set([
  'Custom::AWSCDKCfnJson', 'Custom::AWSCDKCfnJsonStringify', 'Custom::CrossRegionExportWriter', 'Custom::CrossRegionExportReader',
  'Custom::CrossRegionStringParameterReader', 'Custom::CDKBucketDeployment', 'Custom::LogRetention',
]);
/** The environment variables CDK's Provider framework names the user's handlers in. */
const FRAMEWORK_HANDLERS = ['USER_ON_EVENT_FUNCTION_ARN', 'USER_IS_COMPLETE_FUNCTION_ARN'];
/** The actions that make a private key AWS IoT hands over once. */
const KEY_ACTIONS = ['iot:CreateKeysAndCertificate', 'iot:CreateProvisioningClaim'];
/** AWS-managed policies that grant `iot:CreateKeysAndCertificate` (`iot:*`, or every action). */
const KEY_MANAGED_POLICIES = new Set(['AdministratorAccess', 'PowerUserAccess', 'AWSIoTFullAccess']);
const ADMIN_MANAGED_POLICIES = new Set(['AdministratorAccess', 'PowerUserAccess']);
const IOT_SERVICE = /^(iot[a-z0-9-]*|greengrass)$/i;

/** The words of a name, `IoT` kept as one word. */
function words(name: string): string[] {
  return nameWords(name.replace(/IoT/g, 'Iot'));
}

/** Whether a property, parameter or export name says it is about AWS IoT (see the module's comment). */
export function isIotName(name: string): boolean {
  const w = words(name);
  return w.some((x, i) => ['iot', 'greengrass', 'thing', 'things', 'rolealias'].includes(x) || (x === 'role' && (w[i + 1] === 'alias' || w[i + 1] === 'aliases')));
}

const IOT_TEXT = [
  /arn:[^:\s"]*:(?:iot[a-z0-9-]*|greengrass):/i,
  /(?<![A-Za-z0-9])(?:iot[a-z0-9-]*|greengrass):[A-Za-z*]/i,
  /(?<![A-Za-z0-9-])iot(?:[a-z0-9-]*)\.(?:[a-z0-9-]+\.)*amazonaws\.com/i,
  /\$aws\/(?:things|certificates|provisioning-templates|rules|events|jobs)\//i,
];

/** Whether text names something of AWS IoT (see the module's comment). */
export function isIotText(text: string): boolean {
  return IOT_TEXT.some((p) => p.test(text));
}

const IMPORT_NAME = (value: unknown): string | undefined => {
  if (!isObject(value) || !('Fn::ImportValue' in value)) return undefined;
  return templateString(value['Fn::ImportValue']);
};

/** The first input of `props` that touches IoT, as a property path; `seen` guards against reference cycles. */
function iotInputOf(node: CfnResource, props: { [key: string]: unknown }, seen: Set<string>): string | undefined {
  const visit = (value: unknown, path: string, depth: number): string | undefined => {
    if (depth > 32 || value === undefined || value === null) return undefined;
    if (typeof value === 'string') {
      if (isIotText(value)) return path;
      // A JSON string (CDK's `toJsonString`) is read as the object it holds.
      if (/^\s*[[{]/.test(value)) {
        try {
          return visit(JSON.parse(value), path, depth + 1);
        } catch {
          return undefined;
        }
      }
      return undefined;
    }
    if (Array.isArray(value)) {
      for (const item of value) {
        const hit = visit(item, path, depth + 1);
        if (hit !== undefined) return hit;
      }
      return undefined;
    }
    if (!isObject(value)) return undefined;
    if (isIntrinsic(value)) {
      const [fn] = Object.keys(value);
      const id = referencedLogicalId(value);
      if (id !== undefined && refersToIot(node, id, seen)) return path;
      const imported = IMPORT_NAME(value);
      if (imported !== undefined && (isIotName(imported) || isIotText(imported))) return path;
      if (fn === 'Fn::Sub' || fn === 'Fn::Join') {
        const text = templateString(value);
        if (text !== undefined && isIotText(text)) return path;
        const arg = value[fn];
        const template = Array.isArray(arg) ? arg[0] : arg;
        if (fn === 'Fn::Sub' && typeof template === 'string') {
          for (const m of template.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}/g)) if (refersToIot(node, m[1], seen)) return path;
        }
      }
      // The arguments of any other function, and the variables of an `Fn::Sub`.
      return visit(value[fn], path, depth + 1);
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = path === '' ? key : `${path}.${key}`;
      if (isIotName(key)) return childPath;
      const hit = visit(child, childPath, depth + 1);
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
  for (const [key, value] of Object.entries(props)) {
    if (key === 'ServiceToken' || key === 'ServiceTimeout') continue;
    if (isIotName(key)) return key;
    const hit = visit(value, key, 0);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** Whether the element with logical ID `id` is of AWS IoT: an IoT resource, an IoT-named parameter, a custom resource whose inputs touch IoT. */
function refersToIot(node: CfnResource, id: string, seen: Set<string>): boolean {
  if (id.startsWith('AWS::')) return false;
  const model = StackModel.of(node);
  const target = model.resource(id);
  if (!target) return model.parameter(id) !== undefined && isIotName(id);
  const type = target.cfnResourceType;
  if (/^AWS::(IoT|Greengrass)[A-Za-z0-9]*::/.test(type)) return true;
  if (!type.startsWith('Custom::') && type !== 'AWS::CloudFormation::CustomResource') return false;
  const reading = model.customResource(target);
  if (reading.calls.some((c) => IOT_SERVICE.test(c.service)) || reading.views.some((v) => v.cfnResourceType.startsWith('AWS::IoT::'))) return true;
  if (seen.has(id) || seen.size > 16) return false;
  seen.add(id);
  let props: { [key: string]: unknown };
  try {
    props = resolvedProperties(target);
  } catch {
    return false;
  }
  return iotInputOf(node, props, seen) !== undefined;
}

/** The functions of the stack `token` (a `ServiceToken` or a handler ARN) names, and whether some form of it names none. */
function functionsOf(node: CfnResource, token: unknown, depth: number): { functions: CfnResource[]; outside: boolean } {
  const model = StackModel.of(node);
  const out: CfnResource[] = [];
  let outside = false;
  for (const form of branches(token)) {
    if (form === undefined) continue;
    let target: CfnResource | undefined;
    const id = referencedLogicalId(form);
    if (id !== undefined) target = model.resource(id);
    else target = model.referenced(form, 'AWS::Lambda::Function')[0];
    // A Lambda alias or version invokes the function it names.
    if (target && (target.cfnResourceType === 'AWS::Lambda::Alias' || target.cfnResourceType === 'AWS::Lambda::Version') && depth < 4) {
      const inner = functionsOf(node, resolvedProperties(target).FunctionName, depth + 1);
      out.push(...inner.functions);
      outside ||= inner.outside;
      continue;
    }
    if (!target || !FUNCTION_TYPES.has(target.cfnResourceType)) {
      outside = true;
      continue;
    }
    const variables = resolvedProperties(target).Environment?.Variables;
    const handlers = isObject(variables) ? FRAMEWORK_HANDLERS.filter((k) => variables[k] !== undefined) : [];
    if (handlers.length > 0 && depth < 4) {
      for (const key of handlers) {
        const inner = functionsOf(node, (variables as { [key: string]: unknown })[key], depth + 1);
        out.push(...inner.functions);
        outside ||= inner.outside;
      }
      continue;
    }
    out.push(target);
  }
  return { functions: [...new Set(out)], outside };
}

/** The inline code of a function, as text with `{?}` for what CloudFormation fills in; `undefined` if not inline. */
function inlineCode(fn: CfnResource): string | undefined {
  const props = resolvedProperties(fn);
  const code = fn.cfnResourceType === 'AWS::Serverless::Function' ? props.InlineCode : isObject(props.Code) ? props.Code.ZipFile : undefined;
  if (code === undefined) return undefined;
  const texts = branches(code).map((b) => (b === undefined ? '' : templateString(b))).filter((t): t is string => t !== undefined && t !== '{?}');
  return texts.length > 0 ? texts.join('\n') : undefined;
}

const CODE_CALLS_IOT = [
  /\b(?:client|resource)\s*\(\s*(?:service_name\s*=\s*)?['"](?:iot[a-z0-9-]*|greengrass[a-z0-9]*)['"]/i,
  /new\s+(?:AWS\s*\.\s*)?(?:Iot[A-Za-z]*|IoT[A-Za-z]*|Greengrass[A-Za-z0-9]*)\s*\(/,
  /@aws-sdk\/client-(?:iot[a-z0-9-]*|greengrass[a-z0-9]*)/i,
  /\b(?:IoT|Iot)[A-Za-z]*Client\b|\bGreengrass(?:V2)?Client\b/,
];
const CODE_CREATES_KEYS = /create_?keys_?and_?certificate|create_?provisioning_?claim/i;
/** A private key made by the code itself (for `CreateCertificateFromCsr`): Node's crypto, Python's `cryptography`, OpenSSL. */
const CODE_GENERATES_KEY = /generate_?key_?pair|generate_private_key|\bgenrsa\b|\bgenpkey\b|ecparam\s+[^\n]*-genkey|RSA\.generate\s*\(/i;
const CODE_WRITES: readonly [CodeWrite, RegExp][] = [
  ['S3Object', /put_?object|upload_?file(?:obj)?|\.upload\s*\(|\bUpload\s*\(/i],
  ['SsmParameter', /put_?parameter/i],
  ['SecretsManager', /create_?secret|put_?secret_?value|update_?secret\b|UpdateSecretCommand/i],
  ['DynamoDbItem', /put_?item|batch_?write_?item|\.put\s*\(\s*\{\s*TableName/i],
  ['Response', /cfnresponse\s*\.\s*send|cfn-response|\bData\s*[:=]|['"]Data['"]\s*:/],
];

/** What inline code says (see the module's comment). */
function readCode(text: string): { callsIot: boolean; createsKeys: boolean; writes: Set<CodeWrite> } {
  const callsIot = CODE_CREATES_KEYS.test(text) || CODE_CALLS_IOT.some((p) => p.test(text));
  // A key the code makes itself is a device's only when the code also speaks to IoT (a CSR to sign).
  const createsKeys = CODE_CREATES_KEYS.test(text) || (callsIot && CODE_GENERATES_KEY.test(text));
  const writes = new Set<CodeWrite>();
  for (const [write, pattern] of CODE_WRITES) if (pattern.test(text)) writes.add(write);
  if (writes.has('SsmParameter') && /SecureString/.test(text)) {
    writes.delete('SsmParameter');
    writes.add('SsmSecureString');
  }
  return { callsIot, createsKeys, writes };
}

/** What the Allow statements' actions grant of IoT: any IoT action, and which key-making actions. */
function judgeActions(actions: string[], notActions: string[] | undefined): { iot: boolean; keys: string[] } {
  if (notActions !== undefined) {
    // `NotAction` grants every action it does not name.
    const excluded = (action: string) => notActions.some((p) => globMatch(p, action));
    const iotActions = expandIamAction('iot:*').actions;
    return {
      iot: iotActions.length === 0 || iotActions.some((a) => !excluded(`iot:${a.name}`)),
      keys: KEY_ACTIONS.filter((k) => !excluded(k)),
    };
  }
  let iot = false;
  const keys: string[] = [];
  for (const text of actions) {
    const { actions: facts, complete } = expandIamAction(text);
    if (facts.some((a) => IOT_SERVICE.test(a.service)) || (!complete && /^(iot|greengrass)/i.test(text))) iot = true;
    keys.push(...KEY_ACTIONS.filter((k) => globMatch(text, k)));
  }
  return { iot, keys };
}

/** What grants a function: Allow statements, the actions unconditional `Deny`s on `*` take away, AWS-managed policies by name. */
interface FunctionGrants {
  readonly allows: { [key: string]: unknown }[];
  readonly denied: string[];
  readonly managed: string[];
}

/**
 * What the grants of a function say of IoT. A key-making action an unconditional `Deny` on `*`
 * names is not granted (a `Deny` with a condition or on some resources may not apply: ignored).
 */
function judgeGrants(node: CfnResource, grants: FunctionGrants): { iot: boolean; keys: boolean } {
  const findings = new Findings();
  let iot = false;
  const keys = new Set<string>();
  for (const s of grants.allows) {
    const notActions = s.NotAction === undefined ? undefined : statementStrings(node, s.NotAction, findings, 'NotAction');
    const verdict = judgeActions(statementStrings(node, s.Action, findings, 'Action'), notActions);
    iot ||= verdict.iot;
    verdict.keys.forEach((k) => keys.add(k));
  }
  for (const name of grants.managed) {
    if (/iot|greengrass/i.test(name) || ADMIN_MANAGED_POLICIES.has(name)) iot = true;
    if (KEY_MANAGED_POLICIES.has(name)) KEY_ACTIONS.forEach((k) => keys.add(k));
  }
  const granted = [...keys].filter((k) => !grants.denied.some((p) => globMatch(p, k)));
  return { iot, keys: granted.length > 0 };
}

/** The grants of a function: its role's (everything `forEachRoleGrant` reads), or a SAM function's `Policies`. */
function grantsOf(node: CfnResource, fn: CfnResource): FunctionGrants {
  const model = StackModel.of(node);
  const props = resolvedProperties(fn);
  const grants: FunctionGrants = { allows: [], denied: [], managed: [] };
  // What cannot be read grants nothing the pack can see: the rule then judges by inputs and code.
  const findings = new Findings();
  const document = (doc: unknown) => forEachStatement(node, doc, findings, (s) => {
    const effects = possibleValues(node, s.Effect);
    if (!effects.every((e) => typeof e === 'string' && e.toLowerCase() === 'deny')) {
      grants.allows.push(s);
      return;
    }
    const everywhere = s.Condition === undefined && s.NotResource === undefined
      && statementStrings(node, s.Resource, findings, 'Resource').includes('*');
    if (everywhere && s.NotAction === undefined) grants.denied.push(...statementStrings(node, s.Action, findings, 'Action'));
  });
  for (const form of branches(props.Role)) {
    for (const role of form === undefined ? [] : model.referenced(form, 'AWS::IAM::Role')) {
      forEachRoleGrant(node, role, findings, { document, awsManaged: (name) => grants.managed.push(name) });
    }
  }
  if (fn.cfnResourceType === 'AWS::Serverless::Function' && props.Role === undefined) {
    for (const form of branches(props.Policies)) {
      for (const item of asArray(form)) {
        for (const entry of branches(item)) {
          if (typeof entry === 'string') {
            grants.managed.push(awsManagedPolicyName(entry) ?? entry);
          } else if (isObject(entry) && !isIntrinsic(entry)) {
            // An inline policy document, or a SAM policy template (`{ S3CrudPolicy: {...} }`) by name.
            if ('Statement' in entry) document(entry);
            else grants.managed.push(...Object.keys(entry));
          } else if (isObject(entry)) {
            const shape = templateString(entry);
            const name = shape === undefined ? undefined : awsManagedPolicyName(shape);
            if (name !== undefined) grants.managed.push(name);
            else model.referenced(entry, 'AWS::IAM::ManagedPolicy').forEach((policy) => document(resolvedProperties(policy).PolicyDocument));
          }
        }
      }
    }
  }
  return grants;
}

function readFunction(node: CfnResource, fn: CfnResource): ProviderFunction {
  return memoizeInPass('providerFunction', fn, () => {
    const text = inlineCode(fn);
    const code = text === undefined ? { callsIot: false, createsKeys: false, writes: new Set<CodeWrite>() } : readCode(text);
    const role = judgeGrants(node, grantsOf(node, fn));
    return {
      logicalId: fn.stack.resolve(fn.logicalId) as string,
      inline: text !== undefined,
      codeCallsIot: code.callsIot,
      codeCreatesKeys: code.createsKeys,
      writes: code.writes,
      roleCallsIot: role.iot,
      roleCreatesKeys: role.keys,
    };
  });
}

/**
 * The provider functions of another stack of the app that the resource's `ServiceToken` token
 * points at. In the template a cross-stack reference is an `Fn::ImportValue` the stack cannot
 * read, but the CDK token still knows its target.
 */
function providerInAnotherStack(resource: CfnResource): { functions: CfnResource[]; outside: boolean } | undefined {
  const typed = resource as unknown as { updatedProperties?: { [key: string]: unknown }; serviceToken?: unknown };
  const token = typed.updatedProperties?.ServiceToken ?? typed.serviceToken;
  if (typeof token !== 'string' || !Token.isUnresolved(token)) return undefined;
  const reference = Tokenization.reverseString(token).firstToken;
  const target = reference instanceof Reference ? reference.target : undefined;
  if (!target || !CfnResource.isCfnResource(target) || Stack.of(target) === Stack.of(resource)) return undefined;
  const id = target.stack.resolve(target.logicalId) as string;
  return functionsOf(target, { 'Fn::GetAtt': [id, 'Arn'] }, 0);
}

/**
 * What the pack reads of the provider and inputs of `resource`, a custom resource that is not an
 * `AwsCustomResource` (see the module's comment); memoized for the pass.
 */
export function readProvider(resource: CfnResource): ProviderReading {
  return memoizeInPass('customResourceProvider', resource, () => {
    let props: { [key: string]: unknown };
    try {
      props = resolvedProperties(resource);
    } catch {
      return { functions: [], outside: true };
    }
    let { functions, outside } = functionsOf(resource, props.ServiceToken, 0);
    if (functions.length === 0) {
      const other = providerInAnotherStack(resource);
      if (other) ({ functions, outside } = other);
    }
    const id = resource.stack.resolve(resource.logicalId) as string;
    return {
      // A function is read in its own stack (its role and policies live there).
      functions: functions.map((fn) => readFunction(fn, fn)),
      outside,
      iotInput: PASS_THROUGH_TYPES.has(resource.cfnResourceType) ? undefined : iotInputOf(resource, props, new Set([id])),
    };
  });
}

/**
 * How keys the provider may create leave it: inline code that creates them and writes a plain-text
 * place; `unknown` when the role may create them and some handler's code is not inline, or the
 * code creates them and writes nowhere the pack recognizes.
 */
export function keyFlows(reading: ProviderReading): KeyFlows {
  const plaintext: { write: CodeWrite; logicalId: string }[] = [];
  let unknown = false;
  let creates = false;
  for (const fn of reading.functions) {
    if (fn.codeCreatesKeys) {
      creates = true;
      const found = PLAINTEXT_WRITES.filter((w) => fn.writes.has(w));
      found.forEach((write) => plaintext.push({ write, logicalId: fn.logicalId }));
      if (fn.writes.size === 0) unknown = true;
    } else if (fn.roleCreatesKeys && !fn.inline) {
      creates = true;
      unknown = true;
    }
  }
  return { plaintext, unknown, creates };
}
