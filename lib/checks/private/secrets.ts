/**
 * Literal secrets in rendered CloudFormation: private-key PEM blocks and AWS access key IDs in any
 * string, credentials in URLs, and literal values under names that say they hold a secret.
 *
 * Built to run on every resource of large stacks: one walk of the properties, substring checks
 * before any regular expression, and name verdicts memoized (names repeat across resources).
 * Findings name where the secret is, never the secret.
 */

/** What a finding is about; the prefix of the finding string. */
export type SecretKind = 'PrivateKey' | 'AccessKeyId' | 'UrlCredentials' | 'LiteralSecret';

/**
 * The literal strings an intrinsic can yield that are written in the template all the same: an
 * `Fn::Sub` without variables, an `Fn::If` branch, the default or allowed values of a parameter.
 */
export type LiteralsOf = (intrinsic: { [key: string]: unknown }) => string[];

const PEM_PRIVATE_KEY = /-----BEGIN (?:RSA |EC |DSA |ENCRYPTED |OPENSSH )?PRIVATE KEY-----/;
const ACCESS_KEY_ID = /(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/;
/** `scheme://user:password@host`, where the password is not a placeholder or a reference. */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:([^\s/@]+)@/i;

/** Words that make a name a secret's name, wherever they stand in it. */
const SECRET_WORDS = new Set([
  'password', 'passwords', 'passwd', 'passphrase', 'secret', 'secrets', 'token', 'tokens',
  'credential', 'credentials', 'apikey', 'accesskey', 'privatekey', 'secretkey', 'clientsecret',
]);
/** Word pairs that do the same: `API_KEY`, `privateKey`, `x-api-key`. */
const SECRET_PAIRS = new Set(['api key', 'access key', 'private key', 'secret key', 'signing key', 'encryption key', 'master key']);
/**
 * A last word that makes the name a pointer to a secret or a setting about one, not the secret:
 * `SECRET_ARN`, `PasswordParameter`, `TokenKeyName`, `PASSWORD_LENGTH`, `SecretStringTemplate`.
 */
const QUALIFIERS = new Set([
  'arn', 'arns', 'name', 'names', 'id', 'ids', 'path', 'paths', 'param', 'parameter', 'parameters', 'ref', 'reference',
  'url', 'uri', 'endpoint', 'header', 'field', 'type', 'file', 'location', 'length', 'ttl', 'expiry', 'expiration',
  'validity', 'units', 'policy', 'rotation', 'enabled', 'disabled', 'required', 'version', 'stage', 'prefix', 'template',
  'source', 'mode', 'format', 'algorithm', 'label', 'region', 'account', 'bucket', 'table', 'topic', 'queue', 'role',
  // Settings of a token or of a secrets client: lifetimes, sizes, ports, levels, issuers. CDK's
  // `paramsAndSecrets` writes PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, _CACHE_SIZE, _LOG_LEVEL,
  // _MAX_CONNECTIONS and SECRETS_MANAGER_TIMEOUT_MILLIS into every function that uses it.
  'port', 'size', 'level', 'connections', 'timeout', 'millis', 'ms', 'seconds', 'secs', 'minutes', 'mins', 'hours',
  'days', 'duration', 'lifetime', 'interval', 'count', 'limit', 'retries', 'attempts', 'audience', 'issuer', 'scope', 'scopes',
]);
/** Names that read as secrets but are not: a custom resource's `ServiceToken` is its provider's ARN. */
const NOT_SECRET_NAMES = new Set(['servicetoken']);
/** Values that are settings, not secrets, whatever their name says. */
const SETTING_VALUES = /^(true|false|yes|no|on|off|none|null|enabled|disabled|required|optional|seconds|minutes|hours|days)$/i;
/** `Type` of a name/value pair saying the value is a reference (CodeBuild environment variables). */
const REFERENCE_TYPES = new Set(['PARAMETER_STORE', 'SECRETS_MANAGER']);
const PAIR_NAME_KEYS = ['Name', 'name', 'Key', 'key', 'OptionName', 'ParameterKey', 'ParameterName'];
const PAIR_VALUE_KEYS = ['Value', 'value', 'ParameterValue'];

const nameVerdicts = new Map<string, boolean>();
const MAX_MEMO = 10_000;

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/**
 * Whether a property, variable or parameter name says its value is a secret: `DB_PASSWORD`,
 * `clientSecret`, `API_KEY`, `AWS_SECRET_ACCESS_KEY`, `/app/db/password`; but not a pointer
 * to one or a setting about one (`SECRET_ARN`, `TokenKeyName`, `PASSWORD_LENGTH`).
 */
export function isSecretName(name: string): boolean {
  const memo = nameVerdicts.get(name);
  if (memo !== undefined) return memo;
  const w = words(name);
  let verdict = false;
  if (w.length > 0 && !QUALIFIERS.has(w[w.length - 1]) && !NOT_SECRET_NAMES.has(w.join(''))) {
    verdict = w.some((word, i) => SECRET_WORDS.has(word) || (i > 0 && SECRET_PAIRS.has(`${w[i - 1]} ${word}`)));
  }
  if (nameVerdicts.size >= MAX_MEMO) nameVerdicts.clear();
  nameVerdicts.set(name, verdict);
  return verdict;
}

/**
 * Whether a string under a secret's name is the secret itself, not empty, a dynamic reference
 * (`{{resolve:secretsmanager:...}}`, `{{resolve:ssm-secure:...}}`), an ARN, a parameter path,
 * a substitution template (`${get_secret(...)}`), a plain URL or a setting word.
 */
export function isLiteralSecretValue(value: string): boolean {
  const v = value.trim();
  if (v === '' || v.includes('{{resolve:') || v.includes('${')) return false;
  if (v.startsWith('arn:') || /^\/[\w.\/-]+$/.test(v) || SETTING_VALUES.test(v)) return false;
  if (/^https?:\/\/[^@\s]*$/i.test(v)) return false;
  return true;
}

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntrinsic(value: { [key: string]: unknown }): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

class Scan {
  public readonly findings = new Set<string>();

  constructor(private readonly literalsOf: LiteralsOf) {}

  /**
   * @param inIntrinsic inside an intrinsic's arguments, where list positions (`Fn::Join` parts)
   * mean nothing to the reader, so the finding keeps the property's path
   */
  public value(value: unknown, path: string, depth: number, inIntrinsic = false): void {
    if (depth > 64) return;
    if (typeof value === 'string') {
      this.text(value, path);
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        const name = isObject(item) ? pairName(item) : undefined;
        const itemPath = inIntrinsic ? path : name !== undefined ? `${path}[${name}]` : `${path}[${i}]`;
        this.value(item, itemPath, depth + 1, inIntrinsic);
      }
    } else if (isObject(value)) {
      if (isIntrinsic(value)) {
        // Literals inside an intrinsic (Fn::Join parts, Fn::Sub text) are still in the template.
        for (const arg of Object.values(value)) this.value(arg, path, depth + 1, true);
        return;
      }
      this.pair(value, path);
      for (const key of Object.keys(value)) {
        const child = value[key];
        const childPath = path === '' ? key : `${path}.${key}`;
        if (isSecretName(key)) this.named(child, childPath);
        this.value(child, childPath, depth + 1);
      }
    }
  }

  private text(value: string, path: string): void {
    if (value.length < 16) return;
    if (value.includes('PRIVATE KEY-----') && PEM_PRIVATE_KEY.test(value)) this.add('PrivateKey', path);
    if ((value.includes('AKIA') || value.includes('ASIA')) && ACCESS_KEY_ID.test(value)) this.add('AccessKeyId', path);
    if (value.includes('://') && value.includes('@')) {
      const m = URL_CREDENTIALS.exec(value);
      if (m && isLiteralSecretValue(m[1])) this.add('UrlCredentials', path);
    }
  }

  /** A value under a secret's name: a literal, strings in a list, or literals an intrinsic carries. */
  private named(value: unknown, path: string): void {
    if (typeof value === 'string') {
      if (isLiteralSecretValue(value)) this.add('LiteralSecret', path);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        if (typeof v === 'string' && isLiteralSecretValue(v)) this.add('LiteralSecret', `${path}[${i}]`);
      });
    } else if (isObject(value) && isIntrinsic(value)) {
      if (this.literalsOf(value).some(isLiteralSecretValue)) this.add('LiteralSecret', path);
    }
  }

  /** `{ Name: 'DB_PASSWORD', Value: '...' }` as in ECS, Batch, CodeBuild, Beanstalk, SSM parameters, tags. */
  private pair(value: { [key: string]: unknown }, path: string): void {
    const name = pairName(value);
    if (name === undefined || !isSecretName(name)) return;
    if (typeof value.Type === 'string' && REFERENCE_TYPES.has(value.Type.toUpperCase())) return;
    for (const key of PAIR_VALUE_KEYS) {
      if (key in value) this.named(value[key], path === '' ? key : `${path}.${key}`);
    }
  }

  private add(kind: SecretKind, path: string): void {
    this.findings.add(`${kind}::${path === '' ? '(root)' : path}`);
  }
}

function pairName(value: { [key: string]: unknown }): string | undefined {
  if (!PAIR_VALUE_KEYS.some((k) => k in value)) return undefined;
  for (const key of PAIR_NAME_KEYS) {
    const name = value[key];
    if (typeof name === 'string') return name;
  }
  return undefined;
}

/**
 * Every literal secret in `value` (a resource's properties or metadata in rendered form), as
 * `<kind>::<path>` findings, e.g. `LiteralSecret::Environment.Variables.DB_PASSWORD`,
 * `PrivateKey::Value`, `AccessKeyId::ContainerDefinitions[0].Command[2]`.
 * @param value what to scan
 * @param prefix the path of `value` itself ('' for a resource's properties)
 * @param literalsOf the literals an intrinsic under a secret's name carries
 */
export function findLiteralSecrets(value: unknown, prefix = '', literalsOf: LiteralsOf = () => []): string[] {
  const scan = new Scan(literalsOf);
  scan.value(value, prefix, 0);
  return [...scan.findings];
}
