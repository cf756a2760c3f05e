import { createPublicKey, KeyObject, X509Certificate } from 'crypto';
import { CfnResource } from 'aws-cdk-lib';
import { findInStack, referencedLogicalId, resolvedProperties } from './cfn';
import { asEnum, asNumber, branches, isObject, possibleValues, Unresolved } from './cfn-values';

/**
 * Offline reading of the X.509 certificates and CSRs a template registers with AWS IoT: their keys,
 * signature algorithms and validity, with node's `crypto` and a minimal DER reader (node parses
 * certificates but neither a CSR nor a certificate's signature algorithm on every supported version).
 */

// ---------------------------------------------------------------------------------------------
// The clock the expiry rules read, injectable so a test can stand at any date.

let clock: () => Date = () => new Date();

/** The time the certificate rules judge validity at: now, unless a test set it (`withCertificateClock`). */
export function certificateClockNow(): Date {
  return clock();
}

/** Runs `fn` with the certificate rules' clock at `now`, then restores it. */
export function withCertificateClock<T>(now: Date, fn: () => T): T {
  const outer = clock;
  clock = () => now;
  try {
    return fn();
  } finally {
    clock = outer;
  }
}

// ---------------------------------------------------------------------------------------------
// DER.

interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

function readTlv(buf: Buffer, at: number, limit = buf.length): Tlv {
  if (at + 2 > limit) throw new Error('truncated DER');
  const tag = buf[at];
  let length = buf[at + 1];
  let contentStart = at + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4 || contentStart + octets > limit) throw new Error('bad DER length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + buf[contentStart + i];
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > limit) throw new Error('truncated DER');
  return { tag, start: at, contentStart, end };
}

function childrenOf(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const child = readTlv(buf, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

function readOid(buf: Buffer, t: Tlv): string {
  if (t.tag !== 0x06 || t.end <= t.contentStart) throw new Error('not an OID');
  const arcs: number[] = [];
  let value = 0;
  for (let i = t.contentStart; i < t.end; i++) {
    value = value * 128 + (buf[i] & 0x7f);
    if (!(buf[i] & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  const first = arcs.shift()!;
  return [first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80, ...arcs].join('.');
}

const HASH_OIDS: { [oid: string]: string } = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.4': 'sha224',
};

/** Signature algorithms whose hash is broken for certificate signatures (collisions), by OID. */
const WEAK_SIGNATURES: { [oid: string]: string } = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.3': 'md4WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.3.14.3.2.29': 'sha1WithRSASignature',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';

/**
 * The name of a certificate's signature algorithm when its hash is broken (MD2, MD4, MD5, SHA-1,
 * including RSASSA-PSS over SHA-1, its default), else `undefined`.
 */
function weakSignatureOf(der: Buffer): string | undefined {
  const outer = readTlv(der, 0);
  const [, algorithm] = childrenOf(der, outer);
  const [oidTlv, params] = childrenOf(der, algorithm);
  const oid = readOid(der, oidTlv);
  if (WEAK_SIGNATURES[oid]) return WEAK_SIGNATURES[oid];
  if (oid === RSASSA_PSS) {
    // RSASSA-PSS-params: [0] hashAlgorithm, SHA-1 when absent.
    const hashField = params && params.tag === 0x30 ? childrenOf(der, params).find((c) => c.tag === 0xa0) : undefined;
    const hash = hashField ? HASH_OIDS[readOid(der, childrenOf(der, childrenOf(der, hashField)[0])[0])] : 'sha1';
    return hash === 'sha1' ? 'rsassaPss-SHA1' : undefined;
  }
  return undefined;
}

/** The SubjectPublicKeyInfo of a PKCS#10 CSR as a key. */
function csrKey(der: Buffer): KeyObject {
  const request = readTlv(der, 0);
  const [info] = childrenOf(der, request);
  const [, , spki] = childrenOf(der, info);
  return createPublicKey({ key: der.subarray(spki.start, spki.end), format: 'der', type: 'spki' });
}

// ---------------------------------------------------------------------------------------------
// PEM.

/** A certificate or CSR read from PEM. */
export type ParsedPem =
  | { readonly kind: 'certificate'; readonly certificate: X509Certificate; readonly key: KeyObject; readonly weakSignature?: string }
  | { readonly kind: 'csr'; readonly key: KeyObject };

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;

/** The first certificate or CSR of a PEM text; `undefined` when there is none or it is malformed. */
export function parsePem(text: string): ParsedPem | undefined {
  const m = PEM_BLOCK.exec(text.replace(/\\n/g, '\n'));
  if (!m) return undefined;
  try {
    const der = Buffer.from(m[2].replace(/\s+/g, ''), 'base64');
    if (m[1] === 'CERTIFICATE') {
      const certificate = new X509Certificate(der);
      return { kind: 'certificate', certificate, key: certificate.publicKey, weakSignature: weakSignatureOf(der) };
    }
    if (m[1] === 'CERTIFICATE REQUEST' || m[1] === 'NEW CERTIFICATE REQUEST') return { kind: 'csr', key: csrKey(der) };
  } catch {
    return undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Key quality.

/** Below this an RSA or DSA key is weak (NIST SP 800-131A; AWS IoT's own minimum for RSA). */
export const MIN_RSA_BITS = 2048;
/** Below this an EC key is weak: AWS IoT takes P-256, P-384 and P-521. */
export const MIN_EC_BITS = 256;

// CVE-2017-15361 (ROCA): the Infineon library made primes p = k*M + (65537^a mod M), M a primorial,
// so N mod r lies in the subgroup 65537 generates modulo each small prime r. The fingerprint of
// Nemec et al. tests that for the primes 3..167; a random modulus passes with negligible probability.
const ROCA_PRIMES = [3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107,
  109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167];
let rocaMasks: { prime: bigint; residues: Set<number> }[] | undefined;

function rocaTable(): { prime: bigint; residues: Set<number> }[] {
  if (!rocaMasks) {
    rocaMasks = ROCA_PRIMES.map((r) => {
      const residues = new Set<number>();
      for (let x = 1; !residues.has(x); x = (x * (65537 % r)) % r) residues.add(x);
      return { prime: BigInt(r), residues };
    });
  }
  return rocaMasks;
}

/** Whether an RSA modulus carries the fingerprint of the Infineon key generation (CVE-2017-15361). */
export function hasRocaFingerprint(modulus: bigint): boolean {
  return rocaTable().every(({ prime, residues }) => residues.has(Number(modulus % prime)));
}

function rsaModulus(key: KeyObject): bigint | undefined {
  const jwk = key.export({ format: 'jwk' }) as { n?: string };
  return jwk.n ? BigInt(`0x${Buffer.from(jwk.n, 'base64url').toString('hex')}`) : undefined;
}

/** The bits of a named curve, from its name (`prime256v1`, `secp384r1`, `brainpoolP512r1`, `sect163k1`). */
function curveBits(name: string): number | undefined {
  if (name === 'prime256v1') return 256;
  const m = /(\d{3})/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * What makes a public key weak, as findings: `RsaKeyBits::<n>` / `DsaKeyBits::<n>` under 2048 bits,
 * `Curve::<name>` for an EC curve under 256 bits, `Roca::CVE-2017-15361` for an RSA key with the
 * Infineon fingerprint. Ed25519 and Ed448 keys, and EC curves of 256 bits or more, are not weak.
 */
export function keyWeaknesses(key: KeyObject): string[] {
  const details = key.asymmetricKeyDetails ?? {};
  const out: string[] = [];
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss': {
      const bits = details.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS) out.push(`RsaKeyBits::${bits}`);
      const n = key.asymmetricKeyType === 'rsa' ? rsaModulus(key) : undefined;
      if (n !== undefined && hasRocaFingerprint(n)) out.push('Roca::CVE-2017-15361');
      break;
    }
    case 'dsa':
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) out.push(`DsaKeyBits::${details.modulusLength ?? 0}`);
      break;
    case 'ec': {
      const curve = details.namedCurve ?? 'unknown';
      const bits = curveBits(curve);
      if (bits === undefined || bits < MIN_EC_BITS) out.push(`Curve::${curve}`);
      break;
    }
    default:
      break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Where a template's certificate comes from.

const PRIVATE_CA_CERTIFICATE = 'AWS::ACMPCA::Certificate';
const PRIVATE_CA = 'AWS::ACMPCA::CertificateAuthority';

/** One form a certificate property can deploy in. */
export type CertificateSource =
  /** A literal PEM, parsed. */
  | { readonly kind: 'pem'; readonly pem: ParsedPem; readonly text: string }
  /** A literal that is no PEM certificate or CSR (AWS IoT would reject it). */
  | { readonly kind: 'invalid' }
  /** The certificate of an `AWS::ACMPCA::Certificate` of the stack, issued at deploy time. */
  | { readonly kind: 'privateCa'; readonly resource: CfnResource }
  /** A value known only at deploy time. */
  | { readonly kind: 'unresolved'; readonly reason: Unresolved };

/**
 * Every form the certificate (or CSR) property `value` can take, one per `Fn::If` branch and
 * parameter value; an absent branch is left out.
 */
export function certificateSources(node: CfnResource, value: unknown): CertificateSource[] {
  const out: CertificateSource[] = [];
  for (const branch of branches(value)) {
    const id = referencedLogicalId(branch);
    const target = id === undefined ? undefined : findInStack(node, id);
    if (target?.cfnResourceType === PRIVATE_CA_CERTIFICATE && isObject(branch) && branch['Fn::GetAtt'] !== undefined) {
      out.push({ kind: 'privateCa', resource: target });
      continue;
    }
    for (const v of possibleValues(node, branch)) {
      if (v === undefined) continue;
      if (v instanceof Unresolved) out.push({ kind: 'unresolved', reason: v });
      else if (typeof v !== 'string') out.push({ kind: 'invalid' });
      else {
        const pem = parsePem(v);
        out.push(pem ? { kind: 'pem', pem, text: v } : { kind: 'invalid' });
      }
    }
  }
  return out;
}

/** AWS Private CA key algorithms: every one is strong (RSA 2048+, EC P-256+, SM2, ML-DSA). */
const PRIVATE_CA_KEY_ALGORITHM = /^(RSA_(2048|3072|4096)|EC_(PRIME256V1|SECP384R1|SECP521R1)|SM2|ML_DSA_\d+)$/;

/**
 * The key findings of a certificate issued by AWS Private CA at deploy time. Its key is the CSR's:
 * a literal CSR is parsed, a CA's own CSR (`Fn::GetAtt CA.CertificateSigningRequest`, a root or
 * subordinate CA certificate) has the CA's `KeyAlgorithm`. Private CA signs only with SHA-256 or
 * stronger, so its signature is never weak. What cannot be read is `Unresolved::<property>`.
 */
export function privateCaKeyFindings(node: CfnResource, certificate: CfnResource): string[] {
  const out: string[] = [];
  for (const branch of branches(resolvedProperties(certificate).CertificateSigningRequest)) {
    const id = referencedLogicalId(branch);
    const ca = id === undefined ? undefined : findInStack(node, id);
    if (ca?.cfnResourceType === PRIVATE_CA) {
      for (const alg of possibleValues(node, resolvedProperties(ca).KeyAlgorithm).map(asEnum)) {
        if (typeof alg !== 'string' || !PRIVATE_CA_KEY_ALGORITHM.test(alg)) out.push('Unresolved::KeyAlgorithm');
      }
      continue;
    }
    for (const source of certificateSources(node, branch)) {
      if (source.kind === 'pem') out.push(...keyWeaknesses(source.pem.key));
      else out.push('Unresolved::CertificateSigningRequest');
    }
  }
  return out;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const VALIDITY_DAYS: { [type: string]: number } = { DAYS: 1, MONTHS: 28, YEARS: 365 };

/**
 * When a certificate issued by AWS Private CA stops being valid, as far as the template says:
 * `Validity` of type `END_DATE` (`YYYYMMDDHHMMSS` or `YYMMDDHHMMSS`, UTC) or `ABSOLUTE` (Unix
 * seconds) is a date; `DAYS`, `MONTHS` or `YEARS` run from issue, at deploy time, so the
 * certificate is then valid for at least that long (a month counted as 28 days).
 */
export function privateCaValidity(node: CfnResource, certificate: CfnResource): ({ notAfter: Date } | { fromIssueMs: number } | Unresolved)[] {
  const out: ({ notAfter: Date } | { fromIssueMs: number } | Unresolved)[] = [];
  for (const validity of possibleValues(node, resolvedProperties(certificate).Validity)) {
    if (!isObject(validity)) {
      out.push(validity instanceof Unresolved ? validity : new Unresolved('Validity'));
      continue;
    }
    for (const type of possibleValues(node, validity.Type).map(asEnum)) {
      for (const value of possibleValues(node, validity.Value).map(asNumber)) {
        if (typeof type !== 'string' || typeof value !== 'number') {
          out.push(new Unresolved('Validity'));
        } else if (VALIDITY_DAYS[type] !== undefined) {
          out.push({ fromIssueMs: value * VALIDITY_DAYS[type] * DAY_MS });
        } else if (type === 'ABSOLUTE') {
          out.push({ notAfter: new Date(value * 1000) });
        } else if (type === 'END_DATE') {
          const date = endDate(String(value));
          out.push(date ? { notAfter: date } : new Unresolved('Validity'));
        } else {
          out.push(new Unresolved('Validity'));
        }
      }
    }
  }
  return out;
}

function endDate(text: string): Date | undefined {
  const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const year = m[1].length === 2 ? (Number(m[1]) >= 50 ? 1900 : 2000) + Number(m[1]) : Number(m[1]);
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

// ---------------------------------------------------------------------------------------------
// Status.

/**
 * Whether a certificate may be in use once deployed: its `Status` (CloudFormation requires one) can
 * be anything but `INACTIVE`, `REVOKED` or the deprecated `REGISTER_INACTIVE`, in some form it can
 * deploy in. An unreadable status may be `ACTIVE`. AWS IoT authenticates only `ACTIVE`
 * certificates; the audit checks also judge `PENDING_TRANSFER` ones, which are one step from it.
 */
export function mayBeInUse(node: CfnResource, status: unknown): boolean {
  return possibleValues(node, status).map(asEnum).some((s) => s instanceof Unresolved || (s !== 'INACTIVE' && s !== 'REVOKED' && s !== 'REGISTER_INACTIVE'));
}

// ---------------------------------------------------------------------------------------------
// Judgments shared by the certificate rules.

/**
 * The key findings of the certificate (or, with `csr`, the CSR) property `prop` of `node`: the
 * key's weaknesses (see `keyWeaknesses`), with `signature` a broken signature hash as
 * `Signature::<algorithm>`, `Invalid::<prop>` for a literal that is not one, `Unresolved::<prop>`
 * for a value known only at deploy time; a certificate issued by AWS Private CA in the stack is
 * judged by its CSR (see `privateCaKeyFindings`).
 */
export function keyQualityFindings(node: CfnResource, prop: string, expect: 'certificate' | 'csr', signature: boolean): string[] {
  const out: string[] = [];
  for (const source of certificateSources(node, resolvedProperties(node)[prop])) {
    if (source.kind === 'unresolved') out.push(`Unresolved::${prop}`);
    else if (source.kind === 'privateCa') out.push(...privateCaKeyFindings(node, source.resource));
    else if (source.kind === 'invalid' || source.pem.kind !== expect) out.push(`Invalid::${prop}`);
    else {
      out.push(...keyWeaknesses(source.pem.key));
      if (signature && source.pem.kind === 'certificate' && source.pem.weakSignature) out.push(`Signature::${source.pem.weakSignature}`);
    }
  }
  return [...new Set(out)];
}

/** How close to its end a certificate may come before the expiry rules warn, as Device Defender's audit does. */
export const EXPIRY_WARNING_DAYS = 30;

/**
 * The expiry findings of the certificate property `prop` of `node` at `certificateClockNow()`:
 * `Expired::<date>` once past its end, `Expiring::<date>` within `EXPIRY_WARNING_DAYS` of it
 * (dates as `YYYY-MM-DD`, UTC); a certificate AWS Private CA issues at deploy time for fewer days
 * than that is `ShortValidity::<n>-days`. `Invalid::<prop>` / `Unresolved::<prop>` as for key quality.
 */
export function expiryFindings(node: CfnResource, prop: string): string[] {
  const out: string[] = [];
  const now = certificateClockNow().getTime();
  const judgeDate = (notAfter: Date) => {
    const day = notAfter.toISOString().slice(0, 10);
    if (notAfter.getTime() <= now) out.push(`Expired::${day}`);
    else if (notAfter.getTime() - now < EXPIRY_WARNING_DAYS * DAY_MS) out.push(`Expiring::${day}`);
  };
  for (const source of certificateSources(node, resolvedProperties(node)[prop])) {
    if (source.kind === 'privateCa') {
      for (const validity of privateCaValidity(node, source.resource)) {
        if (validity instanceof Unresolved) out.push('Unresolved::Validity');
        else if ('notAfter' in validity) judgeDate(validity.notAfter);
        else if (validity.fromIssueMs < EXPIRY_WARNING_DAYS * DAY_MS) out.push(`ShortValidity::${Math.round(validity.fromIssueMs / DAY_MS)}-days`);
      }
    } else if (source.kind === 'unresolved') {
      out.push(`Unresolved::${prop}`);
    } else if (source.kind === 'invalid' || source.pem.kind !== 'certificate') {
      out.push(`Invalid::${prop}`);
    } else {
      judgeDate(new Date(source.pem.certificate.validTo));
    }
  }
  return [...new Set(out)];
}
