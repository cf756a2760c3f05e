/**
 * Literal secrets in rendered CloudFormation: private keys (PEM blocks, and base64 or hex DER
 * recognised by their structure), AWS access key IDs, credentials in URLs and connection strings,
 * literal values under names that say they hold a secret, and the same inside strings: shell
 * scripts (`UserData`), JSON documents carried as strings, `key=value` and `key: value` text.
 *
 * Built to run on every resource of large stacks: one walk of the properties, substring checks
 * before any regular expression, and name verdicts memoized (names repeat across resources).
 * Findings name where the secret is (a path, and for a secret inside a string the name it is
 * assigned to), never the secret.
 */
import { Unresolved } from './cfn-values';
import { eachReading, ParameterValues, Placeholders, renderString } from './intrinsics';

/** What a finding is about; the prefix of the finding string. */
export type SecretKind = 'PrivateKey' | 'AccessKeyId' | 'UrlCredentials' | 'LiteralSecret';

/**
 * The literal strings an intrinsic can yield that are written in the template all the same: an
 * `Fn::Sub` without variables, an `Fn::If` branch, the default or allowed values of a parameter.
 */
export type LiteralsOf = (intrinsic: { [key: string]: unknown }) => string[];

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/**
 * Stems that make a word a secret's name, whole (`password`, `PSK`) or ending a fused word
 * (`pgpassword`, `clientsecret`, `mqttpasswd`, `presharedkey`, `authtokens`).
 */
const STRONG_STEMS = [
  'password', 'passwd', 'passphrase', 'passcode', 'secret', 'credential', 'creds', 'token', 'psk', 'bearer',
  'apikey', 'accesskey', 'privatekey', 'secretkey', 'sharedkey', 'signingkey', 'encryptionkey', 'masterkey',
  'hmackey', 'authkey', 'sessionkey', 'appkey',
];
/**
 * Abbreviations that say "secret" only as the last word of a name, after something they qualify:
 * `DB_PASS`, `AMQP_PASS`, `dbpass`, `MYSQL_PWD`, `brokerPwd`, `DB_PW`, `REDIS_AUTH`, `DB_CRED`
 * (but not `PASS_THROUGH`, a lone `PWD`, the shell's working directory, or `AUTH_MODE`).
 */
const WEAK_STEMS = ['pass', 'pwd', 'pw', 'auth', 'cred'];
/** English words that end in a stem without being about a secret. */
const STEM_WORDS = new Set([
  'bypass', 'compass', 'encompass', 'surpass', 'trespass', 'overpass', 'underpass', 'impass', 'oauth', 'sacred', 'chpasswd',
]);
/**
 * A word before `token` that makes it an API's request token, not a credential: CloudFormation's
 * `ServiceToken`, `ClientToken`, `ClientRequestToken`, `CreationToken`, `NextToken`.
 */
const TOKEN_NEGATORS = new Set(['service', 'client', 'request', 'creation', 'idempotency', 'next', 'continuation', 'pagination', 'page', 'sync', 'resume']);
/** Word pairs that make a name a secret's name: `API_KEY`, `privateKey`, `x-api-key`, `pre_shared_key`. */
const SECRET_PAIRS = new Set([
  'api key', 'access key', 'private key', 'secret key', 'signing key', 'encryption key', 'master key', 'shared key',
  'hmac key', 'auth key', 'session key', 'app key',
  // LoRaWAN root keys (AWS::IoTWireless): AppKey, NwkKey.
  'nwk key',
]);
/** LoRaWAN session keys: AppSKey, NwkSKey, NwkSEncKey, FNwkSIntKey, SNwkSIntKey. */
const SECRET_TRIPLES = new Set(['app s key', 'nwk s key', 's enc key', 's int key']);
/**
 * A last word that makes the name a pointer to a secret or a setting about one, not the secret:
 * `SECRET_ARN`, `PasswordParameter`, `TokenKeyName`, `PASSWORD_LENGTH`, `SecretStringTemplate`.
 */
const QUALIFIERS = new Set([
  'arn', 'arns', 'name', 'names', 'id', 'ids', 'path', 'paths', 'param', 'parameter', 'parameters', 'ref', 'reference',
  'url', 'uri', 'endpoint', 'header', 'headers', 'field', 'type', 'file', 'location', 'length', 'ttl', 'expiry', 'expiration',
  'validity', 'units', 'policy', 'rotation', 'enabled', 'disabled', 'required', 'version', 'stage', 'prefix', 'template',
  'source', 'mode', 'format', 'algorithm', 'label', 'region', 'account', 'bucket', 'table', 'topic', 'queue', 'role',
  // Settings of a token or of a secrets client: lifetimes, sizes, ports, levels, issuers. CDK's
  // `paramsAndSecrets` writes PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, _CACHE_SIZE, _LOG_LEVEL,
  // _MAX_CONNECTIONS and SECRETS_MANAGER_TIMEOUT_MILLIS into every function that uses it.
  'port', 'size', 'level', 'connections', 'timeout', 'millis', 'ms', 'seconds', 'secs', 'minutes', 'mins', 'hours',
  'days', 'duration', 'lifetime', 'interval', 'count', 'limit', 'retries', 'attempts', 'audience', 'issuer', 'scope', 'scopes',
  // Where a secret comes from or goes, and what is said about it: `CREDENTIAL_PROVIDER`,
  // `PASSWORD_STORE`, `PSK_IDENTITY` (the name a pre-shared key is known by), `--password-stdin`,
  // `PASSWORD_ENV_VAR`, `TOKEN_REFRESH`, `PASSWORD_MIN`.
  'provider', 'providers', 'helper', 'store', 'manager', 'method', 'strategy', 'host', 'hostname', 'server', 'user', 'username',
  'identity', 'schedule', 'stdin', 'env', 'var', 'variable', 'variables', 'refresh', 'revocation', 'pattern', 'regex',
  'complexity', 'strength', 'min', 'max', 'minimum', 'maximum', 'history', 'reuse', 'age', 'reset', 'hint', 'cookie',
  'claim', 'claims', 'status', 'state', 'check',
  // How a secret is made, kept or used, and what handles it: `PASSWORD_HASH_ALGO`, `TOKEN_SIGNING_ALG`,
  // `PASSWORD_ENCODING`, `TOKEN_USE`, `TOKEN_CACHE_DIR`, `TOKEN_EXCHANGE_ROLE_ALIAS`, `TOKEN_EXCHANGE_SERVICE`,
  // `SECRET_ROTATION_LAMBDA`, `PASSWORD_GENERATOR`, `TOKEN_SECRET_ARN_SUFFIX`, `TOKEN_EXPIRES_IN`.
  'algo', 'alg', 'algorithms', 'hash', 'hashing', 'digest', 'cipher', 'encoding', 'charset', 'use', 'usage', 'cache', 'caching',
  'dir', 'directory', 'folder', 'exchange', 'service', 'services', 'alias', 'aliases', 'lambda', 'function', 'fn', 'handler',
  'generator', 'suffix', 'extension', 'plugin', 'module', 'class', 'driver', 'backend', 'engine', 'kind', 'spec', 'bits',
  'curve', 'flow', 'flows', 'grant', 'domain', 'callback', 'redirect', 'storage', 'config', 'configuration', 'settings',
  'options', 'flag', 'expires', 'in', 'api', 'plan', 'authorizer', 'authorizers', 'prompt', 'lookup',
  // When and where: `TokenExpiresAt`, `PasswordLastUsed`, `CREDENTIALS_ENDPOINT_ADDRESS`.
  'at', 'used', 'date', 'time', 'timestamp', 'created', 'updated', 'address', 'addresses',
]);
/** Names that read as secrets but are not. */
const NOT_SECRET_NAMES = new Set(['servicetoken']);
/** A word that makes a key public, so not a secret: `PUBLIC_KEY`, `TokenSigningPublicKeys`. */
const PUBLIC_WORDS = new Set(['public', 'pub']);

const nameVerdicts = new Map<string, boolean>();
const MAX_MEMO = 10_000;

/**
 * The words of a name: split at case changes, digits and separators (`_`, `-`, `.`, `/`, spaces),
 * lower-cased, numbers dropped. Fused lower-case words stay whole (`pgpassword`); see `stemOf`.
 */
export function nameWords(name: string): string[] {
  return name
    .replace(/OAuth/g, 'Oauth')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0 && !/^\d+$/.test(w));
}

/** The stem a word ends with (`pgpassword` -> `password`, prefix `pg`), if any. */
function stemOf(word: string): { stem: string; prefix: string; weak: boolean } | undefined {
  // A version or index after the stem (`PASSWORD2`, `token_v2` is two words) says nothing.
  word = word.replace(/\d+$/, '');
  if (STEM_WORDS.has(word)) return undefined;
  const base = word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
  for (const stems of [STRONG_STEMS, WEAK_STEMS]) {
    for (const stem of stems) {
      for (const w of base === word ? [word] : [word, base]) {
        if (w.endsWith(stem)) return { stem, prefix: w.slice(0, w.length - stem.length), weak: stems === WEAK_STEMS };
      }
    }
  }
  return undefined;
}

function judgeName(name: string): boolean {
  const w = nameWords(name);
  if (w.length === 0 || QUALIFIERS.has(w[w.length - 1]) || NOT_SECRET_NAMES.has(w.join(''))) return false;
  if (w.some((word) => PUBLIC_WORDS.has(word) || word.startsWith('public'))) return false;
  const last = w.length - 1;
  for (let i = 0; i < w.length; i++) {
    if (i > 0 && SECRET_PAIRS.has(`${w[i - 1]} ${w[i]}`)) return true;
    if (i > 1 && SECRET_TRIPLES.has(`${w[i - 2]} ${w[i - 1]} ${w[i]}`)) return true;
    const m = stemOf(w[i]);
    if (!m) continue;
    if (m.stem === 'token' && (TOKEN_NEGATORS.has(m.prefix) || (m.prefix === '' && i > 0 && TOKEN_NEGATORS.has(w[i - 1])))) continue;
    if (m.weak) {
      if (i === last && (i > 0 || m.prefix !== '')) return true;
      continue;
    }
    return true;
  }
  return false;
}

/**
 * Whether a property, variable or parameter name says its value is a secret: `DB_PASSWORD`,
 * `clientSecret`, `API_KEY`, `AWS_SECRET_ACCESS_KEY`, `/app/db/password`, and fused or
 * abbreviated forms (`PGPASSWORD`, `MYSQL_PWD`, `MQTTPASS`, `REDIS_AUTH`, `WIFI_PSK`,
 * `presharedkey`, `jwtSecret`, `x-api-key`); but not a pointer to one or a setting about one
 * (`SECRET_ARN`, `TokenKeyName`, `PASSWORD_LENGTH`), a public key, nor a word that merely contains
 * a stem (`compass`, `bypass`, `passenger`, `tokenizer`, `PassthroughBehavior`).
 */
export function isSecretName(name: string): boolean {
  const memo = nameVerdicts.get(name);
  if (memo !== undefined) return memo;
  const verdict = judgeName(name);
  if (nameVerdicts.size >= MAX_MEMO) nameVerdicts.clear();
  nameVerdicts.set(name, verdict);
  return verdict;
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/** Values that are settings, not secrets, whatever their name says. */
const SETTING_VALUES = /^(true|false|yes|no|on|off|none|null|nil|enabled|disabled|required|optional|seconds|minutes|hours|days|basic|bearer|digest|iam|aws_iam|jwt|oauth2?|x509|mtls|tls|sigv4|custom|cognito|anonymous)$/i;
/** A number: a setting (a length, a port, a lifetime), not a secret. */
const NUMBER = /^-?\d+(\.\d+)?$/;
/**
 * A Secrets Manager secret's name, or an SSM parameter's, given without a leading slash:
 * `prod/db/password`, `iot/Broker/credentials`. Segments of words, not the random mixed case a
 * generated secret has.
 */
const SECRET_NAME_VALUE = /^(?:[A-Za-z][a-z0-9_.-]*|[a-z0-9_.-]+)(?:\/(?:[A-Za-z][a-z0-9_.-]*|[a-z0-9_.-]+))+$/;
const PLACEHOLDER = /\uE000[^\uE001]*\uE001/g;

/**
 * Whether a string under a secret's name is the secret itself, not empty, a dynamic reference
 * (`{{resolve:secretsmanager:...}}`, `{{resolve:ssm-secure:...}}`), an ARN, a parameter path or
 * a secret's name, a substitution template (`${get_secret(...)}`), a value computed at deploy,
 * a plain URL, a number or a setting word.
 */
export function isLiteralSecretValue(value: string): boolean {
  const v = value.trim();
  if (v === '' || v.includes('{{resolve:') || v.includes('${') || v.includes('\uE000')) return false;
  // A path into a state's input (`$$.Task.Token`, `$.token`) or a JSONata expression (`{% ... %}`).
  if (v.startsWith('$.') || v.startsWith('$$.') || v.startsWith('{%')) return false;
  if (v.startsWith('arn:') || /^\/[\w.\/-]+$/.test(v) || SETTING_VALUES.test(v) || NUMBER.test(v)) return false;
  // A file the value is read from (`--secret-string file://creds.json`), not the value.
  if (/^fileb?:\/\//i.test(v)) return false;
  if (/^https?:\/\/[^@\s]*$/i.test(v) || (v.includes('/') && SECRET_NAME_VALUE.test(v))) return false;
  return true;
}

/**
 * A Secrets Manager secret's or SSM parameter's name without a slash: lower-case words joined by
 * `-`, `.` or `_`, one of them saying what the secret is (`prod-db-secret`, `iot-device-private-key`,
 * `github-token`, `app.api.key`). A password has mixed case, digits or symbols (`Sup3r-Secret!`).
 */
const SECRET_WORD_NAME = /^[a-z][a-z0-9]*(?:[-._][a-z][a-z0-9]*)+$/;
const SECRET_NAME_WORDS = new Set([
  'secret', 'secrets', 'key', 'keys', 'token', 'tokens', 'password', 'passwords', 'passwd', 'passphrase', 'credential',
  'credentials', 'creds', 'cred', 'apikey', 'privatekey', 'psk',
]);

/** The same in Pascal case, words without digits: `BrokerCredentials`, `MqttPassword`. */
const SECRET_PASCAL_NAME = /^(?:[A-Z][a-z]+){2,}$/;

function isSecretNameValue(value: string): boolean {
  if (SECRET_PASCAL_NAME.test(value)) return nameWords(value).some((w) => SECRET_NAME_WORDS.has(w));
  return SECRET_WORD_NAME.test(value) && value.split(/[-._]/).some((w) => SECRET_NAME_WORDS.has(w));
}

/**
 * Whether a name may hold the name of a secret rather than the secret: `DB_SECRET`, `API_KEY`,
 * `GITHUB_TOKEN_SECRET` may name a Secrets Manager secret or an SSM parameter; a password's name
 * (`BROKER_PASSWORD=dev-password`) holds a password, and a secret's content (`SecretString`,
 * `SecretBinary`) is the secret whatever it looks like.
 */
function mayHoldASecretsName(words: readonly string[]): boolean {
  if (words.some((w) => PASSWORD_WORDS.has(w))) return false;
  const last = words[words.length - 1];
  return last !== 'string' && last !== 'binary';
}
const PASSWORD_WORDS = new Set(['password', 'passwords', 'passwd', 'passphrase', 'pass', 'pwd', 'pw', 'psk', 'pin']);

/** Values that say they stand for a secret to come: `abc-placeholder`, `REDACTED`, `xxxxxxxx`, `********`. */
const PLACEHOLDER_VALUE = /placeholder|redacted|^x{3,}$|^\*{3,}$/i;

/** Whether a value looks like a credential, not a word: digits among letters, symbols, or long. */
function credentialLooking(value: string): boolean {
  return (/\d/.test(value) && /[A-Za-z]/.test(value)) || /[^A-Za-z0-9._\-\/]/.test(value) || value.length >= 24;
}

/**
 * Whether the literal `value` under the secret's name `name` is the secret, not a setting of it:
 * not the name of a secret (`DB_SECRET=prod-db-secret`), not a word of the name itself
 * (`TOKEN_KEY=token`), and under the weak stem `auth` alone (`BROKER_AUTH=certificate`,
 * `CUSTOM_AUTH=MyAuthorizer`) only a credential-looking value (`REDIS_AUTH=hunter2`).
 */
export function isSecretFor(name: string | undefined, value: string): boolean {
  const v = value.trim();
  const words = name === undefined ? [] : nameWords(name);
  if (!isLiteralSecretValue(v) || PLACEHOLDER_VALUE.test(v)) return false;
  if (isSecretNameValue(v) && mayHoldASecretsName(words)) return false;
  if (name === undefined) return true;
  const lower = v.toLowerCase();
  if (words.length > 1 && words.includes(lower)) return false;
  const last = words[words.length - 1];
  if (last !== undefined && stemOf(last)?.stem === 'auth' && !isSecretName(words.slice(0, -1).join('_')) && !credentialLooking(v)) return false;
  return true;
}

/**
 * Whether an unquoted value assigned in a text is program code, not a literal: a call or a
 * subscript (`os.environ['P']`, `get_token()`, `json.loads(r)["t"]`, `input("Password: ")`), an
 * attribute path (`process.env.API_KEY`), a PowerShell cmdlet (`ConvertTo-SecureString ...`), or,
 * after a spaced `=` as in code, a word followed by more of the expression (`a + b`, `Invoke-X -Uri ...`).
 */
function isCode(text: string, value: string, end: number, spaced: boolean): boolean {
  if (/^[A-Za-z_$][\w$.]*[(\[]/.test(value) || /[(\[]/.test(text.charAt(end))) return true;
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value) && /[a-z]/.test(value) && !/\d/.test(value)) return true;
  if (/^[A-Z][a-z]+-[A-Z][A-Za-z]+$/.test(value)) return true;
  if (!spaced) return false;
  const rest = text.slice(end, lineEnd(text, end)).trim();
  return rest !== '' && !/^(#|;|\/\/|&&|\|\||,|\))/.test(rest);
}

/** Whether a value assigned in a script or text is a literal (not `$VAR`, `%VAR%`, `$(cmd)`, `<placeholder>`). */
function isLiteralTextValue(value: string): boolean {
  const c = value.charAt(0);
  if (c === '$' || c === '%' || c === '`' || c === '<' || c === '@' || c === '{' || c === '(' || c === '[') return false;
  return isLiteralSecretValue(value);
}

// ---------------------------------------------------------------------------------------------
// Private keys
// ---------------------------------------------------------------------------------------------

const PEM_PRIVATE_KEY = /-----BEGIN (?:RSA |EC |DSA |ENCRYPTED |OPENSSH |PGP )?PRIVATE KEY(?: BLOCK)?-----/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** A run of base64 that starts like DER (`MI`/`MH`: a SEQUENCE), inside a longer text. */
const DER_BASE64_RUN = /M[IHCDE][A-Za-z0-9+/]{100,}={0,2}/g;
const HEX_DER = /^(?:0x)?30[0-9a-fA-F]{126,}$/;
/** OIDs of password-based encryption, the algorithm of an `EncryptedPrivateKeyInfo`: PBES2 and PKCS#12 PBE. */
const PBES2_OID = '2a864886f70d01050d';
const PKCS12_PBE_OID_PREFIX = '2a864886f70d010c01';

interface Tlv { readonly tag: number; readonly start: number; readonly end: number }

/** One DER TLV at `at`, within `limit`; `undefined` when malformed. */
function tlv(bytes: Uint8Array, at: number, limit: number): Tlv | undefined {
  if (at + 2 > limit) return undefined;
  const tag = bytes[at];
  let len = bytes[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[start + i];
    start += n;
  }
  const end = start + len;
  return end <= limit ? { tag, start, end } : undefined;
}

function children(bytes: Uint8Array, parent: Tlv, max: number): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end && out.length < max;) {
    const t = tlv(bytes, at, parent.end);
    if (!t) return [];
    out.push(t);
    at = t.end;
  }
  return out;
}

const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const OID = 0x06;
const SEQUENCE = 0x30;

/**
 * Whether DER bytes are a private key, by structure: PKCS#1 `RSAPrivateKey` (a version and eight
 * integers), OpenSSL's DSA key (a version and five), PKCS#8 `PrivateKeyInfo` (a version, an
 * algorithm, an octet string), SEC1 `ECPrivateKey` (version 1 and an octet string), or PKCS#8
 * `EncryptedPrivateKeyInfo` (a password-based encryption algorithm and an octet string). Public
 * keys (`SubjectPublicKeyInfo`, PKCS#1 `RSAPublicKey`) and certificates have other shapes.
 */
export function isDerPrivateKey(bytes: Uint8Array): boolean {
  if (bytes.length < 32 || bytes[0] !== SEQUENCE) return false;
  const outer = tlv(bytes, 0, bytes.length);
  if (!outer || outer.end !== bytes.length) return false;
  const items = children(bytes, outer, 10);
  if (items.length < 2) return false;
  const [first, second] = items;
  if (first.tag === INTEGER && first.end - first.start === 1 && bytes[first.start] <= 1) {
    const version = bytes[first.start];
    const integers = items.filter((t) => t.tag === INTEGER).length;
    if (integers === items.length && (integers >= 9 || (version === 0 && integers === 6))) return true;
    if (items.length >= 3 && second.tag === SEQUENCE && items[2].tag === OCTET_STRING) return true;
    if (version === 1 && second.tag === OCTET_STRING) return true;
    return false;
  }
  if (items.length === 2 && first.tag === SEQUENCE && second.tag === OCTET_STRING) {
    const alg = children(bytes, first, 2)[0];
    if (alg?.tag !== OID) return false;
    const oid = Buffer.from(bytes.subarray(alg.start, alg.end)).toString('hex');
    return oid === PBES2_OID || oid.startsWith(PKCS12_PBE_OID_PREFIX);
  }
  return false;
}

const OPENSSH_MAGIC = 'openssh-key-v1\0';

/** Whether decoded bytes are mostly printable text (a script, a PEM block, a JSON document). */
function isText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 512);
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09 || b >= 0x80) printable++;
  }
  return n > 0 && printable / n > 0.95;
}

// ---------------------------------------------------------------------------------------------
// The walk
// ---------------------------------------------------------------------------------------------

/** `Type` of a name/value pair saying the value is a reference (CodeBuild environment variables). */
const REFERENCE_TYPES = new Set(['PARAMETER_STORE', 'SECRETS_MANAGER']);
const PAIR_NAME_KEYS = ['Name', 'name', 'Key', 'key', 'OptionName', 'ParameterKey', 'ParameterName'];
const PAIR_VALUE_KEYS = ['Value', 'value', 'ParameterValue'];
/** A substring any secret's name or secret-bearing text has; the cheap test before the text scan. */
const SECRET_HINT = /pass|pwd|pw|secret|token|key|psk|auth|cred|bearer/i;
const SECRET_HINTS = /pass|pwd|pw|secret|token|key|psk|auth|cred|bearer/gi;
/** `scheme://user:password@host`, where the password is not a placeholder or a reference. */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:([^\s/@]+)@/gi;
const IDENT = /[A-Za-z0-9_.-]/;
/** Commands that take a password on their command line or standard input. */
const BATCH_PASSWORD_COMMANDS = new Set(['mosquitto_passwd', 'htpasswd']);
const STDIN_PASSWORD_COMMANDS = new Set(['chpasswd', 'passwd']);
const MAX_TEXT_DEPTH = 3;
/** What stands before a password given as a command's argument. */
const PASSWORD_ARG_BEFORE = /(?:(?:^|[ \t])(?:-[PpaNk]|--pw|--pass|--password|-pass(?:in|out)?)[ \t]+["']?|pass:|(?:^|[ \t])(?:-u|--user)[ \t]+["']?[^\s:"']*:)$/;
/** Commands that take a password as an argument (see `passwordArguments`); the cheap test first. */
const PASSWORD_ARG_HINT = /curl|mosquitto_|openssl|redis-cli|mysql|az |ssh-keygen|wpa_passphrase/;
const PASSWORD_ARG_COMMANDS = /(?<![\w.-])(curl|mosquitto_(?:pub|sub|rr)|openssl|redis-cli|mysql(?:dump|admin)?|az|ssh-keygen|wpa_passphrase)(?=[ \t])/g;

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntrinsic(value: { [key: string]: unknown }): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/** A name as it may stand in a finding: placeholders and odd characters out, bounded. */
function displayName(name: string): string {
  return name.replace(PLACEHOLDER, '*').replace(/[^A-Za-z0-9_.*/-]/g, '').slice(0, 64);
}

/** A key or pair name in a path: as written, unless a rendered intrinsic left placeholders in it. */
function shown(name: string): string {
  return name.includes('\uE000') ? displayName(name) : name;
}

class Scan {
  public readonly findings = new Set<string>();

  constructor(private readonly literalsOf: LiteralsOf, private readonly parameterValues: ParameterValues) {}

  /**
   * @param inIntrinsic inside an intrinsic's arguments, where list positions (`Fn::Join` parts)
   * mean nothing to the reader, so the finding keeps the property's path
   */
  public value(value: unknown, path: string, depth: number, inIntrinsic = false): void {
    if (depth > 64) return;
    if (typeof value === 'string') {
      this.text(value, path, 0);
    } else if (Array.isArray(value)) {
      // A command line as a list (`Command: [mosquitto_sub, -u, dev, -P, pass]`): its arguments read as one line.
      if (!inIntrinsic && value.length > 2 && value.every((v) => typeof v === 'string') && PASSWORD_ARG_HINT.test(value[0] as string)) {
        this.passwordArguments((value as string[]).map((v) => (/\s/.test(v) ? `"${v.replace(/"/g, '')}"` : v)).join(' '), path);
      }
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        const name = isObject(item) ? this.pairName(item) : undefined;
        const itemPath = inIntrinsic ? path : name !== undefined ? `${path}[${shown(name)}]` : `${path}[${i}]`;
        this.value(item, itemPath, depth + 1, inIntrinsic);
      }
    } else if (isObject(value)) {
      if (isIntrinsic(value)) {
        this.intrinsic(value, path, depth);
        return;
      }
      const secretPair = this.pair(value, path);
      for (const key of Object.keys(value)) {
        // Free text, where `password: ...` is prose, not an assignment.
        if (key === 'Description' || key === 'description') continue;
        const child = value[key];
        const childPath = path === '' ? shown(key) : `${path}.${shown(key)}`;
        const secret = isSecretName(key.includes('\uE000') ? key.replace(PLACEHOLDER, '-') : key);
        if (secret) this.named(child, childPath, key.includes('\uE000') ? key.replace(PLACEHOLDER, '-') : key);
        if (typeof child === 'string' && (secret || (secretPair && PAIR_VALUE_KEYS.includes(key)))) {
          // A secret's own text: its parts (`Pass=` in `AbcPass=Zz9`) are no names, and must not become findings.
          this.text(child, childPath, 0, true);
        } else {
          this.value(child, childPath, depth + 1);
        }
      }
    }
  }

  /**
   * Literals inside an intrinsic are still in the template. `Fn::Join` and `Fn::Sub` are rendered
   * whole (parameters to their allowed values or default, anything else computed at deploy to an
   * opaque placeholder), once per combination of their `Fn::If`s, so that a script, a JSON
   * document or a connection string split across parts is read as CloudFormation will join it.
   */
  private intrinsic(value: { [key: string]: unknown }, path: string, depth: number): void {
    const [fn] = Object.keys(value);
    if (fn === 'Ref' || fn === 'Fn::GetAtt' || fn === 'Fn::ImportValue' || fn === 'Fn::GetAZs') return;
    if (fn === 'Fn::Join' || fn === 'Fn::Sub') {
      // Rendering costs; only a text with something to find is worth it (most joins are ARNs).
      if (mayHoldSecret(value, this.parameterValues, 0)) for (const text of renderAll(value, this.parameterValues)) this.text(text, path, 0);
      return;
    }
    for (const arg of Object.values(value)) this.value(arg, path, depth + 1, true);
  }

  /** @param secretValue the text is itself a secret's value: only what needs no name is looked for in it */
  private text(value: string, path: string, depth: number, secretValue = false): void {
    if (value.length < 6) return;
    if (value.includes('PRIVATE KEY') && PEM_PRIVATE_KEY.test(value)) this.add('PrivateKey', path);
    if ((value.includes('AKIA') || value.includes('ASIA')) && /(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/.test(value)) {
      this.add('AccessKeyId', path);
    }
    if (value.includes('://') && value.includes('@')) {
      URL_CREDENTIALS.lastIndex = 0;
      for (let m = URL_CREDENTIALS.exec(value); m; m = URL_CREDENTIALS.exec(value)) {
        if (isLiteralTextValue(m[1])) this.add('UrlCredentials', path);
      }
    }
    if (depth >= MAX_TEXT_DEPTH) return;
    const first = value.trimStart().charAt(0);
    if (first === '{' || first === '[') {
      const parsed = parseJson(value);
      if (parsed !== undefined) {
        this.value(parsed, path, 1);
        return;
      }
    }
    if (!secretValue && SECRET_HINT.test(value)) this.assignments(value, path);
    if (!secretValue && PASSWORD_ARG_HINT.test(value)) this.passwordArguments(value, path);
    if (value.length >= 32) this.encoded(value, path, depth);
  }

  /** A private key or a text (a script, a PEM block) encoded as base64 or hex. */
  private encoded(value: string, path: string, depth: number): void {
    const first = value.charAt(0);
    if (first === '3' || first === '0') {
      const compact = value.replace(/\s/g, '');
      if (HEX_DER.test(compact)) {
        if (isDerPrivateKey(Buffer.from(compact.replace(/^0x/, ''), 'hex'))) this.add('PrivateKey', path);
        return;
      }
    }
    const head = value.slice(0, 48);
    if (/^[A-Za-z0-9+/]{32}/.test(head) || head.includes('\\n')) {
      const compact = value.replace(/\\[nr]|\s/g, '');
      if (compact.length >= 32 && BASE64.test(compact)) {
        const bytes = Buffer.from(compact, 'base64');
        if (isDerPrivateKey(bytes) || bytes.subarray(0, OPENSSH_MAGIC.length).toString('latin1') === OPENSSH_MAGIC) {
          this.add('PrivateKey', path);
        } else if (isText(bytes)) {
          this.text(bytes.toString('utf8'), path, depth + 1);
        }
        return;
      }
    }
    if (value.length >= 100 && (value.includes('MI') || value.includes('MH'))) {
      DER_BASE64_RUN.lastIndex = 0;
      for (let m = DER_BASE64_RUN.exec(value); m; m = DER_BASE64_RUN.exec(value)) {
        if (isDerPrivateKey(Buffer.from(m[0], 'base64'))) this.add('PrivateKey', path);
      }
    }
  }

  /**
   * Secrets assigned inside a text: `export DB_PASSWORD=...`, `"apiKey": "..."` in a document that
   * is not JSON as written, `password: ...` in YAML, `Password=...;` in a connection string,
   * `?password=...&`, `--password ...`, `aws configure set aws_secret_access_key ...`,
   * `Authorization: Bearer ...`, `mosquitto_passwd -b file user ...`, `echo user:... | chpasswd`.
   * Each hit of a stem is grown to the identifier around it, so the scan is linear in the text.
   */
  private assignments(text: string, path: string): void {
    SECRET_HINTS.lastIndex = 0;
    let after = 0;
    for (let m = SECRET_HINTS.exec(text); m; m = SECRET_HINTS.exec(text)) {
      if (m.index < after) continue;
      let s = m.index;
      let e = m.index + m[0].length;
      while (s > 0 && IDENT.test(text.charAt(s - 1))) s--;
      while (e < text.length && IDENT.test(text.charAt(e))) e++;
      after = e;
      SECRET_HINTS.lastIndex = e;
      const raw = text.slice(s, e);
      const flag = raw.startsWith('-');
      const name = raw.replace(/^-+/, '').replace(/[.-]+$/, '');
      if (name === '') continue;
      const lower = name.toLowerCase();
      if (BATCH_PASSWORD_COMMANDS.has(lower)) {
        this.batchCommand(text, e, path, lower);
        continue;
      }
      if (STDIN_PASSWORD_COMMANDS.has(lower)) {
        this.stdinCommand(text, s, path, lower);
        continue;
      }
      if (lower === 'bearer') {
        const v = /^[ \t]+([A-Za-z0-9._~+/-]{8,}=*)/.exec(text.slice(e, e + 4096));
        if (v) {
          // The token is no name: skip it.
          after = e + v[0].length;
          SECRET_HINTS.lastIndex = after;
        }
        if (v && isLiteralTextValue(v[1])) this.add('LiteralSecret', `${path}[Bearer]`);
        continue;
      }
      const quoted = (text.charAt(s - 1) === '"' || text.charAt(s - 1) === "'") && text.charAt(e) === text.charAt(s - 1);
      let at = quoted ? e + 1 : e;
      while (text.charAt(at) === ' ' || text.charAt(at) === '\t') at++;
      const sep = text.charAt(at);
      let valueAt: number;
      if (sep === '=' && text.charAt(at + 1) !== '=') {
        valueAt = at + 1;
      } else if (sep === ':' && text.charAt(at + 1) !== ':' && (quoted || (/[ \t"']/.test(text.charAt(at + 1)) && startsLine(text, s)))) {
        // `key: value` only where it is one: a quoted key, a YAML line, a header in quotes; not prose.
        valueAt = at + 1;
      } else if (at > e && (flag || /\bset[ \t]+$/.test(text.slice(Math.max(0, s - 8), s)))) {
        valueAt = at;
      } else {
        continue;
      }
      const spaced = /[ \t]/.test(text.charAt(at - 1)) || /[ \t]/.test(text.charAt(valueAt));
      while (text.charAt(valueAt) === ' ' || text.charAt(valueAt) === '\t') valueAt++;
      const value = readValue(text, valueAt);
      if (value === undefined || (flag && value.startsWith('-'))) continue;
      if (lower === 'authorization' || lower === 'proxy-authorization') {
        // `Authorization: Basic <base64>`, `Token <x>`, `Bearer <x>`: the credential follows the scheme.
        const h = authorizationCredential(text.slice(valueAt, valueAt + 4096));
        if (h) {
          after = valueAt + h.end;
          SECRET_HINTS.lastIndex = after;
          if (h.literal) this.add('LiteralSecret', `${path}[${h.scheme}]`);
          continue;
        }
      }
      const q = text.charAt(valueAt);
      const quotedValue = q === '"' || q === "'";
      const valueEnd = valueAt + value.length + (quotedValue ? 2 : 0);
      // Whatever the verdict, the value is no name: a stem inside it (`Pass=` in `AbcPass=Zz9`) must not start another.
      after = valueEnd;
      SECRET_HINTS.lastIndex = valueEnd;
      if (!quotedValue && isCode(text, value, valueEnd, sep === '=' && spaced)) {
        // Program code (`password = os.environ['P']`, `$token = Invoke-RestMethod ...`): the rest of the statement is code too.
        after = lineEnd(text, valueEnd);
        SECRET_HINTS.lastIndex = after;
        continue;
      }
      // The "name" is itself a password given to a command (`-P abcToken=x`, `pass:abcToken=x`, `-u user:abcToken=x`).
      if (PASSWORD_ARG_BEFORE.test(text.slice(Math.max(0, s - 64), s))) continue;
      const connectionPwd = lower === 'pwd' && sep === '=' && (text.charAt(s - 1) === ';' || text.charAt(valueAt + value.length) === ';');
      if ((connectionPwd || isSecretName(name)) && isLiteralTextValue(value) && isSecretFor(connectionPwd ? undefined : name, value)) {
        this.add('LiteralSecret', `${path}[${displayName(name)}]`);
      }
    }
  }

  /**
   * Commands given a password as an argument: `curl -u user:pass`, `wget --user=u --password p`
   * (found by `assignments`), `mosquitto_pub -P pass`, `openssl ... -passout pass:X`,
   * `redis-cli -a pass`, `mysql -pX`, `az login -p X`, `ssh-keygen -N X`, `wpa_passphrase ssid pass`.
   * Findings are named by the command.
   */
  private passwordArguments(text: string, path: string): void {
    PASSWORD_ARG_COMMANDS.lastIndex = 0;
    for (let m = PASSWORD_ARG_COMMANDS.exec(text); m; m = PASSWORD_ARG_COMMANDS.exec(text)) {
      const command = m[1].toLowerCase();
      const line = text.slice(m.index + m[0].length, lineEnd(text, m.index));
      const args = (line.match(/"[^"]*"|'[^']*'|[^\s;|&]+/g) ?? []).map((a) => a.replace(/^(["'])(.*)\1$/, '$2'));
      const after = (...flags: string[]) => {
        const i = args.findIndex((a) => flags.includes(a));
        return i >= 0 ? args[i + 1] : undefined;
      };
      let password: string | undefined;
      if (command === 'curl') {
        const user = after('-u', '--user') ?? args.find((a) => a.startsWith('--user='))?.slice(7);
        password = user !== undefined && user.includes(':') ? user.slice(user.indexOf(':') + 1) : undefined;
      } else if (command.startsWith('mosquitto_')) {
        password = after('-P', '--pw');
      } else if (command === 'openssl') {
        const pass = after('-passout', '-passin', '-pass', '-password');
        password = pass?.startsWith('pass:') ? pass.slice(5) : undefined;
      } else if (command === 'redis-cli') {
        password = after('-a', '--pass');
      } else if (command.startsWith('mysql')) {
        password = args.find((a) => /^-p./.test(a))?.slice(2);
      } else if (command === 'az') {
        password = args[0] === 'login' ? after('-p', '--password') : undefined;
      } else if (command === 'ssh-keygen') {
        password = after('-N', '-P');
      } else if (command === 'wpa_passphrase') {
        password = args[1];
      }
      if (password !== undefined && password.length >= 6 && isLiteralTextValue(password) && isSecretFor(undefined, password)) {
        this.add('LiteralSecret', `${path}[${command}]`);
      }
    }
  }

  /** `mosquitto_passwd -b <file> <user> <password>`, `htpasswd -b[B..] <file> <user> <password>`. */
  private batchCommand(text: string, from: number, path: string, command: string): void {
    const line = text.slice(from, lineEnd(text, from));
    const args = line.split(/[ \t]+/).filter((a) => a !== '');
    const batch = args.some((a) => /^-[a-zA-Z]*b/.test(a));
    const positional = args.filter((a) => !a.startsWith('-'));
    const password = positional[2]?.replace(/^["']|["']$/g, '');
    if (batch && password !== undefined && isLiteralTextValue(password)) this.add('LiteralSecret', `${path}[${command}]`);
  }

  /** `echo 'user:password' | chpasswd`, `echo password | passwd --stdin user`, `chpasswd <<< 'user:password'`. */
  private stdinCommand(text: string, at: number, path: string, command: string): void {
    const start = text.lastIndexOf('\n', at) + 1;
    const before = text.slice(start, at);
    const after = text.slice(at, lineEnd(text, at));
    const echoed = /\b(?:echo|printf)[ \t]+(?:-[a-z]+[ \t]+)*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s|;&]+))[ \t]*\|[^|]*$/.exec(before)
      ?? /<<<[ \t]*(?:"([^"\n]*)"|'([^'\n]*)'|(\S+))/.exec(after);
    if (!echoed) return;
    const input = echoed[1] ?? echoed[2] ?? echoed[3] ?? '';
    const password = command === 'chpasswd' ? input.slice(input.indexOf(':') + 1) : input.replace(/\\n$/, '');
    if ((command !== 'chpasswd' || input.includes(':')) && isLiteralTextValue(password)) this.add('LiteralSecret', `${path}[${command}]`);
  }

  /** A value under a secret's name: a literal, strings in a list, or literals an intrinsic carries. */
  private named(value: unknown, path: string, name?: string): void {
    const secret = (v: string) => isSecretFor(name, v);
    if (typeof value === 'string') {
      if (secret(value)) this.add('LiteralSecret', path);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        if (typeof v === 'string' && secret(v)) this.add('LiteralSecret', `${path}[${i}]`);
      });
    } else if (isObject(value) && isIntrinsic(value)) {
      if (this.literalsOf(value).some(secret)) this.add('LiteralSecret', path);
      else if (('Fn::Sub' in value || 'Fn::Join' in value) && renderAll(value, this.parameterValues).some(secret)) {
        // `!Sub '${DbPassword}'` whose parameter has a default, or a join of literals and defaults.
        this.add('LiteralSecret', path);
      }
    }
  }

  /** `{ Name: 'DB_PASSWORD', Value: '...' }` as in ECS, Batch, CodeBuild, Beanstalk, SSM parameters, tags. */
  private pair(value: { [key: string]: unknown }, path: string): boolean {
    const name = this.pairName(value);
    if (name === undefined) return false;
    if (/^(proxy-)?authorization$/i.test(name)) {
      // A header given as a pair, as an IoT rule's HTTP action does: `{ Key: 'Authorization', Value: 'Basic ...' }`.
      for (const key of PAIR_VALUE_KEYS) {
        const v = value[key];
        if (typeof v === 'string' && authorizationCredential(v.trim())?.literal) this.add('LiteralSecret', path === '' ? key : `${path}.${key}`);
      }
      return PAIR_VALUE_KEYS.some((key) => typeof value[key] === 'string' && authorizationCredential(value[key].trim()) !== undefined);
    }
    if (!isSecretName(name)) return false;
    if (typeof value.Type === 'string' && REFERENCE_TYPES.has(value.Type.toUpperCase())) return false;
    for (const key of PAIR_VALUE_KEYS) {
      if (key in value) this.named(value[key], path === '' ? key : `${path}.${key}`, name);
    }
    return true;
  }

  /** The name of a name/value pair; a name built with an intrinsic (`/app/${Env}/db/password`) is rendered. */
  private pairName(value: { [key: string]: unknown }): string | undefined {
    if (!PAIR_VALUE_KEYS.some((k) => k in value)) return undefined;
    for (const key of PAIR_NAME_KEYS) {
      const name = value[key];
      if (typeof name === 'string') return name;
      if (isObject(name) && isIntrinsic(name)) {
        const rendered = renderAll(name, this.parameterValues).find((n) => SECRET_HINT.test(n));
        if (rendered !== undefined) return rendered.replace(PLACEHOLDER, '-');
      }
    }
    return undefined;
  }

  private add(kind: SecretKind, path: string): void {
    this.findings.add(`${kind}::${path === '' ? '(root)' : path}`);
  }
}

/**
 * The credential of an `Authorization` header value (`Basic <base64>`, `Bearer <x>`, `Token <x>`),
 * optionally quoted: the scheme as a finding names it, whether the credential is a literal, and
 * where it ends in `text`.
 */
function authorizationCredential(text: string): { scheme: string; literal: boolean; end: number } | undefined {
  const m = /^["']?(basic|bearer|token|bot|apikey)[ \t]+(\S+?)(?=["'\s;,)}\]]|$)/i.exec(text);
  if (!m) return undefined;
  const scheme = m[1].charAt(0).toUpperCase() + m[1].slice(1).toLowerCase();
  const credential = m[2];
  const literal = credential.length >= 8 && /^[A-Za-z0-9._~+/:-]+=*$/.test(credential) && isLiteralTextValue(credential);
  return { scheme: scheme === 'Apikey' ? 'ApiKey' : scheme, literal, end: m[0].length };
}

/** Whether only indentation, a YAML list dash or an opening quote stands before `at` on its line. */
function startsLine(text: string, at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    const c = text.charAt(i);
    if (c === '\n' || c === '"' || c === "'") return true;
    if (c !== ' ' && c !== '\t' && c !== '-') return false;
  }
  return true;
}

/**
 * Whether the literal text of an intrinsic could hold something `text` finds: a stem, a URL, a
 * key ID, a PEM block, or a run long enough to be encoded; or a parameter, whose default counts.
 */
function mayHoldSecret(value: unknown, parameterValues: ParameterValues, depth: number): boolean {
  if (depth > 32) return true;
  if (typeof value === 'string') {
    if (value.length >= 32 || SECRET_HINT.test(value) || value.includes('://') || value.includes('AKIA') || value.includes('ASIA')) return true;
    // `${Param}` in an Fn::Sub stands for the parameter's default.
    if (!value.includes('${')) return false;
    for (const m of value.matchAll(/\$\{(?!!)([^}.]+)\}/g)) if (!m[1].startsWith('AWS::') && parameterValues(m[1].trim()) !== undefined) return true;
    return false;
  }
  if (Array.isArray(value)) return value.some((v) => mayHoldSecret(v, parameterValues, depth + 1));
  if (isObject(value)) {
    if (typeof value.Ref === 'string') return !value.Ref.startsWith('AWS::') && parameterValues(value.Ref) !== undefined;
    if ('Fn::GetAtt' in value) return false;
    return Object.values(value).some((v) => mayHoldSecret(v, parameterValues, depth + 1));
  }
  return false;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 ? text.length : nl;
}

/** The value at `at`: quoted, or up to a separator of shells, URLs, connection strings and documents. */
function readValue(text: string, at: number): string | undefined {
  const q = text.charAt(at);
  if (q === '"' || q === "'") {
    const end = text.indexOf(q, at + 1);
    if (end < 0) return undefined;
    const v = text.slice(at + 1, end);
    return v.includes('\n') ? undefined : v;
  }
  let end = at;
  while (end < text.length && !/[\s;&,"'`)}\]<>|\\]/.test(text.charAt(end))) end++;
  return end > at ? text.slice(at, end) : undefined;
}

/** The JSON document a string holds, if it is one; cheap shape checks first, since a failed parse costs an exception. */
function parseJson(value: string): unknown {
  const last = value.trimEnd().slice(-1);
  if (last !== '}' && last !== ']') return undefined;
  const m = /^\s*([{[])\s*(\S)/.exec(value);
  if (!m || (m[1] === '{' ? !(m[2] === '"' || m[2] === '}') : !/["{[\]\d\-tfn]/.test(m[2]))) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** The strings an `Fn::Join`/`Fn::Sub` renders to, one per combination of its choices (see `eachReading`). */
function renderAll(value: unknown, parameterValues: ParameterValues): string[] {
  const ph = new Placeholders();
  const { results } = eachReading((reading) => renderString(value, ph, 'cloudformation', reading), parameterValues);
  return [...new Set(results)];
}

/**
 * Every literal secret in `value` (a resource's properties or metadata in rendered form), as
 * `<kind>::<path>` findings, e.g. `LiteralSecret::Environment.Variables.DB_PASSWORD`,
 * `PrivateKey::Value`, `AccessKeyId::ContainerDefinitions[0].Command[2]`, and for a secret
 * assigned inside a string, the name it is assigned to: `LiteralSecret::UserData[DB_PASSWORD]`.
 * @param value what to scan
 * @param prefix the path of `value` itself ('' for a resource's properties)
 * @param literalsOf the literals an intrinsic under a secret's name carries
 * @param parameterValues the values a stack parameter stands for when an `Fn::Sub`/`Fn::Join` is
 * rendered (its allowed values, or its default), `undefined` for a name that is no parameter
 */
export function findLiteralSecrets(
  value: unknown, prefix = '', literalsOf: LiteralsOf = () => [], parameterValues: ParameterValues = () => undefined,
): string[] {
  const scan = new Scan(literalsOf, parameterValues);
  scan.value(value, prefix, 0);
  return [...scan.findings];
}

/** A parameter's values for `findLiteralSecrets`: allowed values, else its default, else unknown. */
export function secretParameterValues(
  parameter: { allowedValues?: unknown; default?: unknown; type?: unknown } | undefined,
): readonly (string | Unresolved)[] | undefined {
  if (!parameter) return undefined;
  if (typeof parameter.type === 'string' && parameter.type.startsWith('AWS::SSM::Parameter::Value')) return [new Unresolved('SSM parameter')];
  const allowed = parameter.allowedValues;
  if (Array.isArray(allowed) && allowed.length > 0 && allowed.every((v) => typeof v === 'string')) return allowed as string[];
  if (typeof parameter.default === 'string') return [parameter.default];
  if (typeof parameter.default === 'number') return [String(parameter.default)];
  return [new Unresolved('parameter')];
}
