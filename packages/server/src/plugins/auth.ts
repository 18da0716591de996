/**
 * Bearer authentication for the Partner Center API (`/v1`). Every route accepts both token kinds
 * unless its `config.tokenKinds` narrows it (e.g. order provisioning status: app+user only).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal, TokenService } from '../auth/tokens.js';
import type { Actor } from '../modules/audit/service.js';
import { PartnerCenterError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    tokenKinds?: Principal['kind'][];
  }
}

/** The caller of a request, with its MS-RequestId and MS-CorrelationId for the audit trail. */
export const actorOf = (req: FastifyRequest): Actor => ({ ...req.principal, requestId: req.id, correlationId: req.correlationId });

/** The bearer token of the Authorization header, if it has one. */
export const bearerToken = (req: FastifyRequest): string | undefined => req.headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];

/** The caller a bearer token names; 401·400 when it is not a valid token. */
export async function verifiedCaller(tokens: TokenService, token: string): Promise<Principal> {
  try {
    return await tokens.verify(token);
  } catch {
    throw new PartnerCenterError('AccessDenied', 'Access denied: the bearer token is not valid or has expired.');
  }
}

export default fp(async function auth(app: FastifyInstance, opts: { tokens: TokenService }) {
  app.decorateRequest('principal', null as unknown as Principal);
  app.decorate('authenticate', async (req: FastifyRequest) => {
    const token = bearerToken(req);
    if (!token) throw new PartnerCenterError('PartnerTokenMissing', 'Partner Token missing in request context.');
    req.principal = await verifiedCaller(opts.tokens, token);
    const allowed = req.routeOptions.config.tokenKinds;
    if (allowed && !allowed.includes(req.principal.kind)) {
      throw new PartnerCenterError(
        'Forbidden',
        `Access denied: this operation requires ${allowed.join(' or ')} credentials.`,
      );
    }
  });
});

declare module 'fastify' {
  interface FastifyInstance {
    authenticate(req: FastifyRequest): Promise<void>;
  }
}
