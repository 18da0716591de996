/**
 * MS-RequestId replay (DESIGN.md "Headers"; docs/idempotency.md). SDKs resend a timed-out or failed
 * call with the same MS-RequestId, so a state-changing request the client identified that way runs
 * once per partner tenant: a repeat gets the stored status and body back (`Idempotent-Replayed: true`),
 * a repeat while the first still runs gets 409·800060 (retryable), and the same id on another
 * operation or body gets 400. The claim lives in the database, so every API process sees it.
 * Retryable outcomes (409, 429, 5xx) are not kept: the retry runs again.
 */
import fp from 'fastify-plugin';
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../db/database.js';
import { PartnerCenterError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    replayClaim?: { tenantId: string; requestId: string };
  }
}

export const REPLAY_RETENTION_HOURS = 24;
/** How long a claim blocks duplicates before it counts as abandoned (a crashed process). */
const LEASE_SECONDS = 120;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const isRetryable = (status: number) => status === 409 || status === 429 || status >= 500;

function fingerprintOf(req: FastifyRequest): string {
  return createHash('sha256')
    .update(`${req.method} ${req.url}\n${req.body === undefined ? '' : JSON.stringify(req.body)}`)
    .digest('hex');
}

interface ReplayRow {
  operation: string;
  fingerprint: string;
  state: 'in_progress' | 'done';
  lease_active: boolean;
  response_status: number | null;
  response_body: string | null;
}

/** Claims (tenant, request id) for this request; returns the earlier record when there is one. */
async function claim(db: Queryable, tenantId: string, requestId: string, operation: string, fingerprint: string) {
  const inserted = await db.query(
    `INSERT INTO request_replays (partner_tenant_id, request_id, operation, fingerprint, state, lease_until, expires_at)
     VALUES ($1, $2, $3, $4, 'in_progress', now() + make_interval(secs => $5), now() + make_interval(hours => $6))
     ON CONFLICT (partner_tenant_id, request_id) DO NOTHING RETURNING 1`,
    [tenantId, requestId, operation, fingerprint, LEASE_SECONDS, REPLAY_RETENTION_HOURS],
  );
  if (inserted.length) return undefined;
  // Take over a claim whose process died (lease over) or that expired, if it is still the same request.
  const taken = await db.query(
    `UPDATE request_replays SET lease_until = now() + make_interval(secs => $5), state = 'in_progress',
            created_at = now(), expires_at = now() + make_interval(hours => $6)
      WHERE partner_tenant_id = $1 AND request_id = $2 AND operation = $3 AND fingerprint = $4
        AND ((state = 'in_progress' AND lease_until < now()) OR expires_at < now())
      RETURNING 1`,
    [tenantId, requestId, operation, fingerprint, LEASE_SECONDS, REPLAY_RETENTION_HOURS],
  );
  if (taken.length) return undefined;
  const [row] = await db.query<ReplayRow>(
    `SELECT operation, fingerprint, state, lease_until > now() AS lease_active, response_status, response_body
       FROM request_replays WHERE partner_tenant_id = $1 AND request_id = $2`,
    [tenantId, requestId],
  );
  return row;
}

/** Deletes replay records past their retention; returns how many. */
export async function purgeExpiredReplays(db: Queryable): Promise<number> {
  const rows = await db.query('DELETE FROM request_replays WHERE expires_at < now() RETURNING 1');
  return rows.length;
}

export default fp(async function replay(app: FastifyInstance) {
  const purge = () =>
    purgeExpiredReplays(app.db).then(
      (n) => n && app.log.info({ purged: n }, 'expired MS-RequestId replay records purged'),
      (err) => app.log.warn({ err }, 'replay purge failed'),
    );
  const timer = setInterval(purge, 10 * 60_000).unref();
  app.addHook('onReady', purge);
  app.addHook('onClose', async () => clearInterval(timer));

  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!MUTATING.has(req.method) || !req.clientRequestId || !req.principal) return;
    const operation = `${req.method} ${req.routeOptions.url}`;
    const fingerprint = fingerprintOf(req);
    const tenantId = req.principal.tenantId;
    const earlier = await claim(app.db, tenantId, req.id, operation, fingerprint);
    if (!earlier) {
      req.replayClaim = { tenantId, requestId: req.id };
      return;
    }
    if (earlier.operation !== operation || earlier.fingerprint !== fingerprint) {
      throw new PartnerCenterError(
        'RequestIdReused',
        `MS-RequestId ${req.id} was already used for a different request; send a new MS-RequestId for a new request.`,
      );
    }
    if (earlier.state === 'in_progress') {
      throw new PartnerCenterError('RequestInProgress', `A request with MS-RequestId ${req.id} is still in progress; retry shortly.`);
    }
    reply.header('Idempotent-Replayed', 'true');
    reply.header('content-type', 'application/json; charset=utf-8');
    return reply.status(earlier.response_status ?? 200).send(earlier.response_body ?? '{}');
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const c = req.replayClaim;
    if (!c) return payload;
    req.replayClaim = undefined;
    if (isRetryable(reply.statusCode)) {
      await app.db.query('DELETE FROM request_replays WHERE partner_tenant_id = $1 AND request_id = $2', [c.tenantId, c.requestId]);
    } else {
      await app.db.query(
        `UPDATE request_replays SET state = 'done', response_status = $3, response_body = $4
          WHERE partner_tenant_id = $1 AND request_id = $2`,
        [c.tenantId, c.requestId, reply.statusCode, typeof payload === 'string' ? payload : JSON.stringify(payload ?? {})],
      );
    }
    return payload;
  });
});
