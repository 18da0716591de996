import { X509Certificate, verify } from 'node:crypto';

export interface VerifyOptions {
  /** The certificate's organisation: `Microsoft Corporation` for Partner Center, `partner-commerce sandbox` for the sandbox. */
  organization: string;
  /** Hosts the certificate may be downloaded from (never trust a URL the request names alone). */
  certificateHosts: string[];
}

const certificates = new Map<string, Promise<X509Certificate>>();

/**
 * True when a webhook POST is signed as Partner Center signs: `Authorization: Signature <base64>`,
 * `x-ms-signature-algorithm` (rsa-sha256), and the certificate at `x-ms-certificate-url`, current and
 * of the expected organisation, whose public key verifies the signature over the body's exact bytes.
 */
export async function verifyPartnerCenterEvent(headers: Record<string, string | string[] | undefined>, rawBody: Buffer, opts: VerifyOptions): Promise<boolean> {
  const header = (name: string) => [headers[name]].flat()[0] ?? '';
  const [scheme, signature] = header('authorization').split(' ');
  const [keyType, hash] = header('x-ms-signature-algorithm').toLowerCase().split('-');
  const url = header('x-ms-certificate-url');
  if (scheme !== 'Signature' || !signature || keyType !== 'rsa' || !hash || !url) return false;
  if (!opts.certificateHosts.includes(new URL(url).host)) return false;
  let cert = certificates.get(url);
  if (!cert) {
    cert = fetch(url).then(async (res) => new X509Certificate(Buffer.from(await res.arrayBuffer())));
    certificates.set(url, cert);
    cert.catch(() => certificates.delete(url));
  }
  const c = await cert;
  const now = Date.now();
  if (Date.parse(c.validFrom) > now || Date.parse(c.validTo) < now) return false;
  if (!c.issuer.split('\n').includes(`O=${opts.organization}`)) return false;
  return verify(hash, rawBody, c.publicKey, Buffer.from(signature, 'base64'));
}
