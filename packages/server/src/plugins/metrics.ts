/**
 * `GET /metrics` in Prometheus format: request rate and latency by route and status (this process),
 * checkouts, and, read from the database at scrape time, orders by status and the provisioning
 * queue's depth and age (the same for every process).
 */
import fp from 'fastify-plugin';
import client from 'prom-client';
import type { FastifyInstance } from 'fastify';

export default fp(async function metrics(app: FastifyInstance) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const duration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const checkouts = new client.Counter({
    name: 'pc_checkouts_total',
    help: 'Checkout requests answered, by status',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  /** A gauge of row counts by one column of a table, read from the database at scrape time. */
  const countBy = (name: string, help: string, table: string, column: string) =>
    new client.Gauge({
      name,
      help,
      labelNames: [column],
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await app.db.query<{ value: string; n: number }>(`SELECT ${column} AS value, count(*)::int AS n FROM ${table} GROUP BY ${column}`);
        for (const r of rows) this.set({ [column]: r.value }, r.n);
      },
    });
  countBy('pc_orders', 'Orders by status', 'orders', 'status');
  countBy('pc_provisioning_jobs', 'Provisioning jobs by state', "jobs WHERE kind = 'provisioning'", 'state');
  countBy('pc_webhook_deliveries', 'Webhook deliveries by state (failed: dead-lettered)', "jobs WHERE kind = 'webhook_delivery'", 'state');
  new client.Gauge({
    name: 'pc_provisioning_oldest_due_seconds',
    help: 'Age of the oldest provisioning job that is due and not done',
    registers: [registry],
    async collect() {
      const [r] = await app.db.query<{ age: number | null }>(
        `SELECT extract(epoch FROM now() - min(run_at))::float8 AS age FROM jobs
          WHERE kind = 'provisioning' AND state IN ('queued', 'running') AND run_at <= now()`,
      );
      this.set(r?.age ?? 0);
    },
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    duration.observe({ method: req.method, route, status }, reply.elapsedTime / 1000);
    if (route.endsWith('/checkout')) checkouts.inc({ status });
  });

  app.get('/metrics', {
    schema: {
      tags: ['operations'],
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      security: [],
      docResponses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  }, async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
});
