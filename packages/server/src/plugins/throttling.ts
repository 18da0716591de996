/**
 * Throttling per partner tenant (Partner Center: 500 requests per minute per tenant on orders and
 * subscriptions), in fixed one-minute windows; over the limit, 429 with `Retry-After` and Partner
 * Center's 429 body (`{statusCode, message}`, which the .NET SDK reads together with the header).
 *
 * The count is shared by every API process through the database, but no request waits for it: each
 * process counts its own requests in memory and adds them to the tenant's row in `throttle_windows`
 * every `syncMs` (one statement for all tenants), learning the other processes' counts in return. A
 * process decides on the last total it learned plus what it has counted since, so one process is
 * exact, and several together admit at most about one `syncMs` worth of their requests beyond the
 * limit (what each counted before it learned the others' counts). Before this, every request ran its own upsert: one more statement and one more commit per
 * request (docs/performance.md).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Queryable } from '../db/database.js';

const WINDOW_MS = 60_000;

interface TenantCount {
  /** Start of the window (ms since the epoch) the counts below belong to. */
  window: number;
  /** The tenant's count in the database, as of this process's last sync (its own synced requests included). */
  synced: number;
  /** Requests this process counted since, not yet in the database. */
  pending: number;
}

/** The per-tenant counts of one process, and their sync with the database. */
export class ThrottleCounter {
  /** Each tenant's count in the current window. */
  private readonly tenants = new Map<string, TenantCount>();
  /** Counts of past windows that have yet to reach the database. */
  private closing: { tenantId: string; count: TenantCount }[] = [];
  private syncing: Promise<void> | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly limitPerMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of `tenantId`; answers how many seconds to wait when it is over the limit. */
  count(tenantId: string): { retryAfterSeconds: number } | undefined {
    const { start: window, retryAfterSeconds } = fixedWindow(this.now(), WINDOW_MS);
    let t = this.tenants.get(tenantId);
    if (!t || t.window !== window) {
      if (t?.pending) this.closing.push({ tenantId, count: t });
      t = { window, synced: 0, pending: 0 };
      this.tenants.set(tenantId, t);
    }
    t.pending++;
    if (t.synced + t.pending <= this.limitPerMinute) return undefined;
    return { retryAfterSeconds };
  }

  /** Adds the pending counts to the database and learns each tenant's total; one sync at a time. */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const closing = this.closing;
    this.closing = [];
    // One row per tenant and window, however many counts (a clock set back can close a window twice).
    const rows = new Map<string, { tenantId: string; window: number; counts: { count: TenantCount; added: number }[] }>();
    for (const { tenantId, count } of [...closing, ...[...this.tenants].map(([tenantId, count]) => ({ tenantId, count }))]) {
      if (count.pending === 0) continue;
      const key = `${tenantId.toLowerCase()}@${count.window}`;
      const row = rows.get(key) ?? { tenantId, window: count.window, counts: [] };
      row.counts.push({ count, added: count.pending });
      rows.set(key, row);
    }
    if (!rows.size) return;
    const batch = [...rows.values()];
    let totals: { tenant: string; window_ms: number; requests: number }[];
    try {
      // Asynchronous commit (no wait for the WAL flush): a crash forgets at most the last sync.
      totals = await this.db.query(
        `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
         INSERT INTO throttle_windows AS w (partner_tenant_id, window_start, requests)
         SELECT tenant, to_timestamp(window_ms / 1000.0), added
           FROM unnest($1::uuid[], $2::float8[], $3::int[]) AS x(tenant, window_ms, added), async_commit
         ON CONFLICT (partner_tenant_id, window_start) DO UPDATE SET requests = w.requests + EXCLUDED.requests
         RETURNING partner_tenant_id::text AS tenant, extract(epoch FROM window_start)::float8 * 1000 AS window_ms, requests`,
        [batch.map((r) => r.tenantId), batch.map((r) => r.window), batch.map((r) => r.counts.reduce((n, c) => n + c.added, 0))],
      );
    } catch (err) {
      this.closing.push(...closing.filter(({ count }) => count.pending > 0));
      throw err;
    }
    const total = new Map(totals.map((t) => [`${t.tenant}@${t.window_ms}`, t.requests]));
    for (const [key, row] of rows) {
      for (const { count, added } of row.counts) {
        count.pending -= added;
        count.synced = total.get(key) ?? count.synced + added;
      }
    }
    // Tenants idle for a whole window are forgotten; their row stays for the other processes.
    const now = this.now();
    for (const [tenantId, count] of this.tenants) if (count.window < now - (now % WINDOW_MS) && count.pending === 0) this.tenants.delete(tenantId);
  }
}

/** Partner Center's 429: `Retry-After` and its own body (not the error body), which the .NET SDK reads together. */
/** The fixed window of `ms` that `now` falls in: its start, and the whole seconds (at least 1) until it ends. */
export function fixedWindow(now: number, ms: number): { start: number; retryAfterSeconds: number } {
  const start = now - (now % ms);
  return { start, retryAfterSeconds: Math.max(1, Math.ceil((start + ms - now) / 1000)) };
}

export function sendThrottled(reply: FastifyReply, retryAfterSeconds: number) {
  reply.header('Retry-After', String(retryAfterSeconds));
  return reply.status(429).send({ statusCode: 429, message: `Rate limit is exceeded. Try again in ${retryAfterSeconds} seconds.` });
}

export default fp(async function throttling(app: FastifyInstance, opts: { limitPerMinute: number; syncMs: number }) {
  if (opts.limitPerMinute <= 0) return;
  const counter = new ThrottleCounter(app.db, opts.limitPerMinute);
  const sync = () => counter.sync().catch((err) => app.log.warn({ err }, 'throttling counts not synced; retrying'));
  const timer = setInterval(sync, opts.syncMs).unref();

  app.addHook('preHandler', async (req, reply) => {
    if (!req.principal) return;
    const over = counter.count(req.principal.tenantId);
    if (over) return sendThrottled(reply, over.retryAfterSeconds);
  });

  // Old windows are of no use once their minute is over.
  const purge = () => app.db.query(`DELETE FROM throttle_windows WHERE window_start < now() - interval '5 minutes'`).catch(() => {});
  const purgeTimer = setInterval(purge, 60_000).unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    clearInterval(purgeTimer);
    await sync();
  });
});
