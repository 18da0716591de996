/**
 * The request log per partner tenant (sandbox only; issue 16 item 4): each `/v1` request a tenant's
 * token authenticated, with its answer, so a partner can see what its code actually sent. An entry
 * holds method, path, status, request and response headers and bodies (secrets redacted, each body
 * capped at BODY_CAP characters), MS-RequestId, MS-CorrelationId, latency, whether the answer was an
 * MS-RequestId replay, and the fault rule that answered or delayed it.
 *
 * Entries live in the database (`sandbox_request_log`, read by every process) and are written after
 * the answer went out (onResponse), one statement per request that also trims the tenant's entries
 * to the newest `size`: concurrent writers can leave a few more until the next write trims them. A
 * request whose connection a fault dropped is logged with status 0.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../db/database.js';

export const DEFAULT_LOG_SIZE = 200;
export const BODY_CAP = 16_384;
const REDACTED = '[redacted]';
const SECRET_KEY = /secret|password|token|assertion|api[-_]?key/i;
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'set-cookie', 'proxy-authorization', 'x-api-key']);

declare module 'fastify' {
  interface FastifyRequest {
    loggedBody?: unknown;
    loggedResponse?: string;
  }
}

/** A copy of a JSON value with the values of secret-looking keys replaced. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1)]));
}

export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, SECRET_HEADERS.has(k.toLowerCase()) ? REDACTED : v]));
}

/** A body as logged: JSON redacted, then capped. */
export function loggedBody(body: unknown): { body: string | null; truncated: boolean } {
  if (body === undefined || body === null || body === '') return { body: null, truncated: false };
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      value = body;
    }
  }
  const text = typeof value === 'string' ? value : JSON.stringify(redact(value));
  return text.length > BODY_CAP ? { body: text.slice(0, BODY_CAP), truncated: true } : { body: text, truncated: false };
}

const INSERT_AND_TRIM = `WITH added AS (INSERT INTO sandbox_request_log (partner_tenant_id, entry) VALUES ($1, $2) RETURNING seq)
  DELETE FROM sandbox_request_log WHERE partner_tenant_id = $1 AND seq <= (
    SELECT seq FROM sandbox_request_log WHERE partner_tenant_id = $1 ORDER BY seq DESC OFFSET $3 LIMIT 1)`;

/** Appends an entry and keeps the tenant's newest `size` (the statement's snapshot does not see the new row). */
export async function appendEntry(q: Queryable, tenantId: string, entry: object, size: number): Promise<void> {
  await q.query(INSERT_AND_TRIM, [tenantId, JSON.stringify(entry), size - 1]);
}

export interface LoggedRequest {
  seq: number;
  at: string;
  [field: string]: unknown;
}

/** Entries after `after` (a seq), oldest first, at most `limit`; without `after`, the newest `limit`. */
export async function readEntries(q: Queryable, tenantId: string, limit: number, after?: number): Promise<LoggedRequest[]> {
  const rows = await q.query<{ seq: string | number; at: Date | string; entry: Record<string, unknown> }>(
    after === undefined
      ? `SELECT * FROM (SELECT seq, at, entry FROM sandbox_request_log WHERE partner_tenant_id = $1 ORDER BY seq DESC LIMIT $2) newest ORDER BY seq`
      : `SELECT seq, at, entry FROM sandbox_request_log WHERE partner_tenant_id = $1 AND seq > $3 ORDER BY seq LIMIT $2`,
    after === undefined ? [tenantId, limit] : [tenantId, limit, after],
  );
  return rows.map((r) => ({ seq: Number(r.seq), at: new Date(r.at).toISOString(), ...r.entry }));
}

function entryOf(req: FastifyRequest, reply: FastifyReply, status: number) {
  const request = loggedBody(req.loggedBody);
  const response = loggedBody(req.loggedResponse);
  return {
    method: req.method,
    path: req.url,
    status,
    requestId: req.id,
    correlationId: req.correlationId || null,
    latencyMs: Math.round(reply.elapsedTime * 10) / 10,
    replayed: reply.getHeader('Idempotent-Replayed') === 'true',
    faultRuleId: req.faultRuleId ?? null,
    requestHeaders: redactHeaders(req.headers),
    requestBody: request.body,
    requestBodyTruncated: request.truncated,
    responseHeaders: redactHeaders(reply.getHeaders()),
    responseBody: response.body,
    responseBodyTruncated: response.truncated,
  };
}

/** Registered in the `/v1` scope (sandbox mode): logs each authenticated request of a tenant. */
export default fp(async function requestLog(app: FastifyInstance, opts: { size?: number }) {
  const size = opts.size ?? DEFAULT_LOG_SIZE;
  if (size <= 0) return;
  const write = (req: FastifyRequest, reply: FastifyReply, status: number) => {
    if (!req.principal) return;
    appendEntry(app.db, req.principal.tenantId, entryOf(req, reply, status), size).catch((err) => req.log.warn({ err }, 'request log entry not written'));
  };
  // Before validation: the body as the client sent it (validation may drop unknown properties).
  app.addHook('preValidation', async (req) => {
    req.loggedBody = req.body === undefined ? undefined : structuredClone(req.body);
  });
  app.addHook('onSend', async (req, _reply, payload) => {
    if (typeof payload === 'string' || Buffer.isBuffer(payload)) req.loggedResponse = payload.toString();
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => write(req, reply, reply.statusCode));
  // A connection a fault drops gets no answer and no onResponse.
  if (app.hasDecorator('sandboxFaults')) app.sandboxFaults.onDrop = (req, reply) => write(req, reply, 0);
});
