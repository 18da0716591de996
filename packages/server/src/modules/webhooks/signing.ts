/**
 * Signing deliveries the way Partner Center signs them (partner-center-webhooks.md, "Receiving events"):
 * `Authorization: Signature <base64 RSA-SHA256 of the body's UTF-8 bytes>`, `x-ms-signature-algorithm:
 * rsa-sha256`, and `x-ms-certificate-url` naming the X.509 certificate whose public key verifies it.
 * The sandbox signs with one RSA key for the whole service, kept in the database (every process signs
 * alike), and serves a self-signed certificate for it (GET /webhooks/v1/certificate). The certificate
 * is DER-encoded here, with node:crypto doing the key and the signature: a handful of ASN.1 shapes,
 * which node's own X509Certificate parses and verifies in the tests.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { Queryable } from '../../db/database.js';

/** The certificate's subject and issuer organisation: receivers of the sandbox check it (Partner Center's: Microsoft Corporation). */
export const SANDBOX_ORGANIZATION = 'partner-commerce sandbox';
export const SIGNATURE_ALGORITHM = 'rsa-sha256';

// --- DER, just what a certificate needs ---------------------------------------------------------
const len = (n: number) => (n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]));
const tlv = (tag: number, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);
const set = (...parts: Buffer[]) => tlv(0x31, ...parts);
const int = (bytes: Buffer) => tlv(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
const nul = () => Buffer.from([0x05, 0x00]);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bits = (bytes: Buffer) => tlv(0x03, Buffer.from([0]), bytes);
const explicit = (n: number, inner: Buffer) => tlv(0xa0 + n, inner);
function oid(dotted: string) {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}
/** UTCTime (years before 2050) as RFC 5280 requires: YYMMDDHHMMSSZ. */
const time = (d: Date) => tlv(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z', 'ascii'));

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), nul());
const name = (cn: string) => seq(set(seq(oid('2.5.4.10'), utf8(SANDBOX_ORGANIZATION))), set(seq(oid('2.5.4.3'), utf8(cn))));

/** A self-signed X.509 v3 certificate (DER) for `key`'s public half, valid from yesterday for ten years. */
export function selfSignedCertificate(key: KeyObject, commonName: string, now = new Date()): Buffer {
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const from = new Date(now.getTime() - 86_400_000);
  const to = new Date(Math.min(now.getTime() + 10 * 365 * 86_400_000, Date.UTC(2049, 11, 31)));
  const spki = createPublicKeyDer(key);
  const tbs = seq(explicit(0, int(Buffer.from([2]))), int(serial), SHA256_WITH_RSA, name(commonName), seq(time(from), time(to)), name(commonName), spki);
  return seq(tbs, SHA256_WITH_RSA, bits(sign('sha256', tbs, key)));
}

const createPublicKeyDer = (key: KeyObject) => createPublicKey(key).export({ type: 'spki', format: 'der' }) as Buffer;

export interface SigningKey {
  key: KeyObject;
  certificate: Buffer;
}

/** Per database handle (tests open several in one process). */
const cache = new WeakMap<Queryable, Promise<SigningKey>>();

/** The service's signing key and certificate: read from the database, made there by the first process to need them. */
export function signingKey(q: Queryable): Promise<SigningKey> {
  const hit = cache.get(q);
  if (hit) return hit;
  const made = (async () => {
    let [row] = await q.query<{ private_key_pem: string; certificate_der: Buffer | Uint8Array }>('SELECT private_key_pem, certificate_der FROM webhook_signing_keys WHERE id = 1');
    if (!row) {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      await q.query('INSERT INTO webhook_signing_keys (id, private_key_pem, certificate_der) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING', [
        pem,
        selfSignedCertificate(privateKey, 'pcnotifications.sandbox.partner-commerce'),
      ]);
      [row] = await q.query('SELECT private_key_pem, certificate_der FROM webhook_signing_keys WHERE id = 1');
    }
    return { key: createPrivateKey(row.private_key_pem), certificate: Buffer.from(row.certificate_der) };
  })().catch((err) => {
    cache.delete(q);
    throw err;
  });
  cache.set(q, made);
  return made;
}

/** The headers Partner Center puts on a delivery, for `body` exactly as sent. */
export function signatureHeaders(key: KeyObject, body: string, certificateUrl: string): Record<string, string> {
  return {
    authorization: `Signature ${sign('sha256', Buffer.from(body, 'utf8'), key).toString('base64')}`,
    'x-ms-certificate-url': certificateUrl,
    'x-ms-signature-algorithm': SIGNATURE_ALGORITHM,
  };
}
