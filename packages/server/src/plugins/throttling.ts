/**
 * Throttling per partner tenant (Partner Center: 500 requests per minute per tenant on orders and
 * subscriptions). Each /v1 request counts in a fixed one-minute window kept in the database, so the
 * limit holds across API processes; over it, 429 with `Retry-After` and Partner Center's 429 body
 * (`{statusCode, message}`, which the .NET SDK reads together with the header).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

export default fp(async function throttling(app: FastifyInstance, opts: { limitPerMinute: number }) {
  if (opts.limitPerMinute <= 0) return;
  app.addHook('preHandler', async (req, reply) => {
    if (!req.principal) return;
    // The count commits asynchronously (no wait for the WAL flush): every request of a tenant updates
    // this one row, so a synchronous commit would hold its lock for a disk flush and queue the
    // tenant's requests behind it. A crash can forget the last fraction of a second of counts.
    const [row] = await app.db.query<{ requests: number; retry_after: number }>(
      `INSERT INTO throttle_windows (partner_tenant_id, window_start, requests)
       SELECT $1::uuid, date_trunc('minute', now()), 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
       ON CONFLICT (partner_tenant_id, window_start) DO UPDATE SET requests = throttle_windows.requests + 1
       RETURNING requests, ceil(extract(epoch FROM (window_start + interval '1 minute' - now())))::int AS retry_after`,
      [req.principal.tenantId],
    );
    if (row.requests <= opts.limitPerMinute) return;
    const seconds = Math.max(1, row.retry_after);
    reply.header('Retry-After', String(seconds));
    return reply.status(429).send({ statusCode: 429, message: `Rate limit is exceeded. Try again in ${seconds} seconds.` });
  });

  // Old windows are of no use once their minute is over.
  const purge = () => app.db.query(`DELETE FROM throttle_windows WHERE window_start < now() - interval '5 minutes'`).catch(() => {});
  const timer = setInterval(purge, 60_000).unref();
  app.addHook('onClose', async () => clearInterval(timer));
});
