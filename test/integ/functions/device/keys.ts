/*
 * The device's key generator: a P-256 key pair made on the device and a PKCS #10 CSR for it,
 * with node's crypto alone (RFC 2986: the request info, signed ECDSA with SHA-256). The private
 * key leaves as SEC1 PEM, which the AWS CRT's TLS stack reads, and only into the device's store.
 */
import { generateKeyPairSync, sign } from 'crypto';

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}
const sequence = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
/** id-at-commonName (2.5.4.3) and ecdsa-with-SHA256 (1.2.840.10045.4.3.2), DER-encoded OIDs. */
const COMMON_NAME = Buffer.from('0603550403', 'hex');
const ECDSA_WITH_SHA256 = Buffer.from('06082a8648ce3d040302', 'hex');

export function newKeyAndCsr(commonName: string): Promise<{ privateKeyPem: string; csrPem: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const subject = sequence(der(0x31, sequence(COMMON_NAME, der(0x0c, Buffer.from(commonName, 'utf8')))));
  const info = sequence(
    der(0x02, Buffer.from([0])), // version 0
    subject,
    publicKey.export({ format: 'der', type: 'spki' }),
    der(0xa0, Buffer.alloc(0)), // no attributes
  );
  const signature = sign('sha256', info, privateKey); // DER ECDSA-Sig-Value
  const csr = sequence(info, sequence(ECDSA_WITH_SHA256), der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = csr.toString('base64').match(/.{1,64}/g)!.join('\n');
  return Promise.resolve({
    privateKeyPem: privateKey.export({ format: 'pem', type: 'sec1' }).toString(),
    csrPem: `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----\n`,
  });
}
