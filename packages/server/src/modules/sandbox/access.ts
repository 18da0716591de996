/**
 * Who may use the sandbox control API (`/sandbox/...`, sandbox mode only). It creates partners and
 * changes any partner's world, so:
 * - without PC_SANDBOX_ADMIN_TOKEN, loopback clients (127.0.0.0/8, ::1, ::ffff:127.x) may use all of it;
 *   a request that came through a proxy (X-Forwarded-For or Forwarded) is not a loopback client, since
 *   the client behind the proxy is unknown;
 * - with PC_SANDBOX_ADMIN_TOKEN, only requests bearing that token may (loopback included);
 * - in both cases a partner's own bearer token (either kind, verified as on /v1) opens that partner's
 *   own `/sandbox/partners/{tenantId}/...` routes; another tenant's answer 404, as a missing one does,
 *   and creating partners is 403.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { TokenService } from '../../auth/tokens.js';
import { PartnerCenterError } from '../../errors.js';
import { bearerToken, verifiedCaller } from '../../plugins/auth.js';

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** Whether a socket address is a loopback address, IPv4-mapped IPv6 included. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '::1') return true;
  return LOOPBACK_V4.test(address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address);
}

/** A client on this host talking to us directly, not through a proxy (no trustProxy is configured). */
const isLoopbackClient = (req: FastifyRequest) =>
  isLoopback(req.socket.remoteAddress) && req.headers['x-forwarded-for'] === undefined && req.headers.forwarded === undefined;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The onRequest guard of the control routes. */
export function controlAccess(tokens: TokenService, adminToken: string | undefined) {
  const admin = adminToken ? digest(adminToken) : undefined;
  return async (req: FastifyRequest) => {
    if (!admin && isLoopbackClient(req)) return;
    const bearer = bearerToken(req);
    // Digests of equal length: the comparison takes as long whatever the token.
    if (admin && bearer && timingSafeEqual(digest(bearer), admin)) return;
    const tenantId = (req.params as { tenantId?: string }).tenantId;
    if (!bearer) {
      if (!admin && tenantId === undefined) {
        throw new PartnerCenterError('Forbidden', 'The sandbox control API answers loopback clients only, unless PC_SANDBOX_ADMIN_TOKEN is set.');
      }
      throw new PartnerCenterError(
        'PartnerTokenMissing',
        "The sandbox control API needs a bearer token: PC_SANDBOX_ADMIN_TOKEN, or on a partner's own routes that partner's token.",
      );
    }
    const caller = await verifiedCaller(tokens, bearer);
    if (tenantId === undefined) throw new PartnerCenterError('Forbidden', 'Access denied: a partner token cannot create partners.');
    if (caller.tenantId !== tenantId.toLowerCase()) throw new PartnerCenterError('NotFound', `Partner tenant ${tenantId.slice(0, 64)} was not found.`);
  };
}
