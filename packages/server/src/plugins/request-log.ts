/**
 * The request log per partner tenant (sandbox only; issue 16 item 4): each `/v1` request a tenant's
 * token authenticated, with its answer, so a partner can see what its code actually sent. An entry
 * holds method, path, status, request and response headers and bodies (secrets redacted, each body
 * capped at BODY_CAP characters), MS-RequestId, MS-CorrelationId, latency, whether the answer was an
 * MS-RequestId replay, and the fault rule that answered or delayed it.
 *
 * Entries live in the database (`sandbox_request_log`, read by every process). No request waits for
 * them and none costs a statement of its own: each process holds the entries of answered requests and
 * writes them every `flushMs` (PC_SANDBOX_REQUEST_LOG_FLUSH_MS, 100) in two statements for all
 * tenants, an insert and a trim of those tenants to their newest `size`; a read through this process
 * writes what it holds first. So another process's requests show up within `flushMs`, and a process
 * that crashes loses at most its last `flushMs` of entries (a debugging aid, not a record: the audit
 * trail is written with the changes). A request whose connection a fault dropped is logged with
 * status 0.
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

/** Appends entries (in order) and keeps each of their tenants' newest `size`. */
export async function appendEntries(q: Queryable, entries: { tenantId: string; entry: object }[], size: number): Promise<void> {
  if (!entries.length) return;
  const tenants = entries.map((e) => e.tenantId);
  await q.query(
    `INSERT INTO sandbox_request_log (partner_tenant_id, entry)
     SELECT t, e FROM unnest($1::uuid[], $2::jsonb[]) WITH ORDINALITY AS x(t, e, n) ORDER BY n`,
    // jsonb refuses the NUL character (the escape \u0000, not an escaped backslash before "u0000"),
    // which a body that is not JSON may carry: it is logged as U+FFFD, and the batch is not lost.
    [tenants, entries.map((e) => JSON.stringify(e.entry).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd'))],
  );
  await q.query(
    `DELETE FROM sandbox_request_log l WHERE l.partner_tenant_id = ANY($1::uuid[]) AND l.seq <= (
       SELECT seq FROM sandbox_request_log n WHERE n.partner_tenant_id = l.partner_tenant_id ORDER BY seq DESC OFFSET $2 LIMIT 1)`,
    [[...new Set(tenants)], size],
  );
}

/** The entries of one process, written to the database in batches. */
export class RequestLogWriter {
  private pending: { tenantId: string; entry: object }[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Queryable,
    private readonly size: number,
  ) {}

  add(tenantId: string, entry: object) {
    // A process the database cannot keep up with drops entries rather than growing without bound.
    if (this.pending.length < 10_000) this.pending.push({ tenantId, entry });
  }

  /** Writes what is held (after any write still running: entries go in in order). */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => {
      const batch = this.pending;
      this.pending = [];
      return appendEntries(this.db, batch, this.size);
    });
    return this.writing;
  }
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

declare module 'fastify' {
  interface FastifyInstance {
    requestLog: RequestLogWriter;
  }
}

/**
 * Decorates the app with the writer (sandbox mode, at the root: the control routes flush it before a
 * read); `logRequests` adds the hooks to `/v1`.
 */
export default fp(async function requestLog(app: FastifyInstance, opts: { flushMs: number }) {
  const writer = new RequestLogWriter(app.db, DEFAULT_LOG_SIZE);
  app.decorate('requestLog', writer);
  const flush = () => writer.flush().catch((err) => app.log.warn({ err }, 'request log entries not written'));
  const timer = setInterval(flush, opts.flushMs).unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await flush();
  });
});

/** The `/v1` hooks (sandbox mode): each authenticated request of a tenant, with its answer. */
export const logRequests = fp(async function logRequests(app: FastifyInstance) {
  const write = (req: FastifyRequest, reply: FastifyReply, status: number) => {
    if (req.principal) app.requestLog.add(req.principal.tenantId, entryOf(req, reply, status));
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
