/**
 * MS-RequestId replay (DESIGN.md "Headers"; docs/idempotency.md). SDKs resend a timed-out or failed
 * call with the same MS-RequestId, so a state-changing request the client identified that way runs
 * once per partner tenant: a repeat gets the stored status and body back byte for byte
 * (`Idempotent-Replayed: true`), a repeat while the first still runs gets 409·800060 (retryable), and
 * the same id on another operation or body gets 400. The claim lives in the database, so every API
 * process sees it, and it has one owner (a random token): only the owner completes or releases it.
 * A retryable outcome (409, 429, 5xx) releases the claim: the same request may run again, another
 * request with that id is still a 400.
 */
import fp from 'fastify-plugin';
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../db/database.js';
import { PartnerCenterError } from '../errors.js';
import { DatabaseUnavailableError } from '../db/failover.js';

declare module 'fastify' {
  interface FastifyRequest {
    replayClaim?: Claim;
  }
  interface FastifyContextConfig {
    /**
     * The operation is idempotent by nature and answers with headers a replay would not keep (a
     * `Location`): a repeat runs again instead of being replayed from the stored body.
     */
    naturallyIdempotent?: boolean;
  }
}

export const REPLAY_RETENTION_HOURS = 24;
/**
 * How long a claim blocks duplicates unless its owner renews it: a process that died (kill -9) holds
 * its requests' ids this long. A live owner renews its claims every LEASE_RENEW_MS while they run.
 */
export const LEASE_SECONDS = 30;
const LEASE_RENEW_MS = 10_000;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const isRetryable = (status: number) => status === 409 || status === 429 || status >= 500;

function fingerprintOf(req: FastifyRequest): string {
  return createHash('sha256')
    .update(`${req.method} ${req.url}\n${req.body === undefined ? '' : JSON.stringify(req.body)}`)
    .digest('hex');
}

/** A claim this process owns: the row's key and the token that proves ownership. */
export interface Claim {
  tenantId: string;
  requestId: string;
  token: string;
  renewal?: NodeJS.Timeout;
}

export interface ReplayRow {
  operation: string;
  fingerprint: string;
  state: 'in_progress' | 'released' | 'done';
  response_status: number | null;
  response_body: string | null;
}

const INSERT_CLAIM = `INSERT INTO request_replays (partner_tenant_id, request_id, operation, fingerprint, state, claim_token, lease_until, expires_at)
  VALUES ($1, $2, $3, $4, 'in_progress', $5, now() + make_interval(secs => $6), now() + make_interval(hours => $7))
  ON CONFLICT (partner_tenant_id, request_id) DO NOTHING RETURNING 1`;

/**
 * Takes the row over when the same request may run again: its last run was released (a retryable
 * outcome), or its owner's lease ran out (a crashed process). A record past its retention is taken
 * by any request. The row lock UPDATE takes makes one of several concurrent takers win.
 */
const TAKE_OVER_CLAIM = `UPDATE request_replays
    SET operation = $3, fingerprint = $4, state = 'in_progress', claim_token = $5, lease_until = now() + make_interval(secs => $6),
        created_at = now(), expires_at = now() + make_interval(hours => $7), response_status = NULL, response_body = NULL
  WHERE partner_tenant_id = $1 AND request_id = $2
    AND NOT (state = 'in_progress' AND lease_until >= now())
    AND (expires_at < now() OR (operation = $3 AND fingerprint = $4 AND state <> 'done'))
  RETURNING 1`;

const FIND_CLAIM = `SELECT operation, fingerprint, state, response_status, response_body
  FROM request_replays WHERE partner_tenant_id = $1 AND request_id = $2`;

/**
 * Claims (tenant, request id) for a request: the claim when this request now owns it, else the row
 * another request holds (in progress, done with its answer, or another request's). A row can vanish
 * between statements only when the purge deletes it; then the claim starts over.
 */
export async function claimRequest(
  db: Queryable,
  tenantId: string,
  requestId: string,
  operation: string,
  fingerprint: string,
): Promise<{ claim: Claim } | { held: ReplayRow }> {
  const token = randomUUID();
  const params = [tenantId, requestId, operation, fingerprint, token, LEASE_SECONDS, REPLAY_RETENTION_HOURS];
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      if ((await db.query(INSERT_CLAIM, params)).length || (await db.query(TAKE_OVER_CLAIM, params)).length) {
        return { claim: { tenantId, requestId, token } };
      }
    } catch (err) {
      // The database went away under the claim (a failover): it may have been made. Give it back, or
      // the client's retries would find it "in progress" until its lease ran out.
      if (err instanceof DatabaseUnavailableError && err.outcomeUnknown) await completeClaim(db, { tenantId, requestId, token }, 503, '').catch(() => {});
      throw err;
    }
    const [row] = await db.query<ReplayRow>(FIND_CLAIM, [tenantId, requestId]);
    if (row) return { held: row };
  }
  throw new PartnerCenterError('RequestInProgress', `A request with MS-RequestId ${requestId} is still in progress; retry shortly.`);
}

/**
 * Ends a claim its owner holds: a final outcome is kept for replay, a retryable one releases the claim.
 * Returns false when the claim was no longer this owner's (its lease ran out and another run took it).
 */
export async function completeClaim(db: Queryable, claim: Claim, status: number, body: string): Promise<boolean> {
  const rows = isRetryable(status)
    ? await db.query(
        `UPDATE request_replays SET state = 'released', claim_token = NULL
          WHERE partner_tenant_id = $1 AND request_id = $2 AND claim_token = $3 RETURNING 1`,
        [claim.tenantId, claim.requestId, claim.token],
      )
    : await db.query(
        `UPDATE request_replays SET state = 'done', claim_token = NULL, response_status = $4, response_body = $5
          WHERE partner_tenant_id = $1 AND request_id = $2 AND claim_token = $3 RETURNING 1`,
        [claim.tenantId, claim.requestId, claim.token, status, body],
      );
  return rows.length > 0;
}

/** Extends a running claim's lease; false when it is no longer this owner's. */
export async function renewClaim(db: Queryable, claim: Claim): Promise<boolean> {
  const rows = await db.query(
    `UPDATE request_replays SET lease_until = now() + make_interval(secs => $4)
      WHERE partner_tenant_id = $1 AND request_id = $2 AND claim_token = $3 RETURNING 1`,
    [claim.tenantId, claim.requestId, claim.token, LEASE_SECONDS],
  );
  return rows.length > 0;
}

/** Deletes replay records past their retention (never a claim still running); returns how many. */
export async function purgeExpiredReplays(db: Queryable): Promise<number> {
  const rows = await db.query(
    `DELETE FROM request_replays WHERE expires_at < now() AND NOT (state = 'in_progress' AND lease_until >= now()) RETURNING 1`,
  );
  return rows.length;
}

const bodyText = (payload: unknown) =>
  typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : JSON.stringify(payload ?? {});

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
    if (!MUTATING.has(req.method) || !req.clientRequestId || !req.principal || req.routeOptions.config.naturallyIdempotent) return;
    const operation = `${req.method} ${req.routeOptions.url}`;
    const fingerprint = fingerprintOf(req);
    const outcome = await claimRequest(app.db, req.principal.tenantId, req.id, operation, fingerprint);
    if ('claim' in outcome) {
      const claim = outcome.claim;
      // A request that outlives a renewal period keeps its claim; renewals stop when it answers.
      claim.renewal = setInterval(() => {
        renewClaim(app.db, claim).then(
          (mine) => mine || req.log.warn({ requestId: claim.requestId }, 'MS-RequestId claim lost while the request ran'),
          (err) => req.log.warn({ err }, 'MS-RequestId claim renewal failed'),
        );
      }, LEASE_RENEW_MS).unref();
      req.replayClaim = claim;
      return;
    }
    const earlier = outcome.held;
    if (earlier.operation !== operation || earlier.fingerprint !== fingerprint) {
      throw new PartnerCenterError(
        'RequestIdReused',
        `MS-RequestId ${req.id} was already used for a different request; send a new MS-RequestId for a new request.`,
      );
    }
    if (earlier.state !== 'done') {
      throw new PartnerCenterError('RequestInProgress', `A request with MS-RequestId ${req.id} is still in progress; retry shortly.`);
    }
    reply.header('Idempotent-Replayed', 'true');
    reply.header('content-type', 'application/json; charset=utf-8');
    return reply.status(earlier.response_status ?? 200).send(earlier.response_body ?? '{}');
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const claim = req.replayClaim;
    if (!claim) return payload;
    req.replayClaim = undefined;
    clearInterval(claim.renewal);
    // The answer goes out whatever happens here: a claim not completed ends with its lease.
    try {
      if (!(await completeClaim(app.db, claim, reply.statusCode, bodyText(payload)))) {
        req.log.warn({ requestId: claim.requestId }, 'MS-RequestId claim was taken over before the request answered; its answer is not kept');
      }
    } catch (err) {
      req.log.warn({ err }, 'MS-RequestId claim could not be completed');
    }
    return payload;
  });
});
