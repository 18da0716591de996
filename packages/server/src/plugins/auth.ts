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

export default fp(async function auth(app: FastifyInstance, opts: { tokens: TokenService }) {
  app.decorateRequest('principal', null as unknown as Principal);
  app.decorate('authenticate', async (req: FastifyRequest) => {
    const header = req.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) throw new PartnerCenterError('PartnerTokenMissing', 'Partner Token missing in request context.');
    try {
      req.principal = await opts.tokens.verify(match[1]);
    } catch {
      throw new PartnerCenterError('AccessDenied', 'Access denied: the bearer token is not valid or has expired.');
    }
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
