/**
 * `node --import tsx scripts/bench/claim.ts [--jobs=400] [--workers=4] [--batch=10]`: the job queue's
 * claim alone. Checkouts of demo carts (through the real app) make pending orders and their
 * provisioning jobs; all are made due at once, then `workers` concurrent claimers drain the queue with
 * the worker's claim and a bare finish (no provisioning work), and the claims per second are printed.
 * PGlite in memory, or PostgreSQL (a schema of its own) when DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../packages/server/src/app.js';
import { loadConfig } from '../../packages/server/src/config.js';
import { openDatabase } from '../../packages/server/src/db/database.js';
import { migrate } from '../../packages/server/src/db/migrate.js';
import { seedCatalog } from '../../packages/server/src/seed/index.js';
import * as jobs from '../../packages/server/src/modules/jobs/repo.js';

const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const wanted = arg('jobs', 400);
const workers = arg('workers', 4);
const batch = arg('batch', 10);

const config = loadConfig({ PC_DATA_DIR: 'memory://', PC_SEED_DEMO: 'false', PC_THROTTLE_LIMIT: '0' });
const db = await openDatabase({ url: process.env.DATABASE_URL, dataDir: 'memory://', schema: `bench_claim_${randomBytes(4).toString('hex')}`, dropSchemaOnClose: true });
await migrate(db);
await seedCatalog(db);
const app = await buildApp({ config, db });
await app.ready();

const partners = await Promise.all(
  Array.from({ length: 4 }, async () => {
    const p = (await app.inject({ method: 'POST', url: '/sandbox/partners', payload: {} })).json();
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: p.clientId, client_secret: p.clientSecret });
    const tok = (await app.inject({ method: 'POST', url: '/oauth2/token', payload: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } })).json().access_token;
    return { ...p, token: tok as string };
  }),
);
let made = 0;
for (let i = 0; made < wanted; i++) {
  const p = partners[i % partners.length];
  const c = (await app.inject({ method: 'POST', url: `/sandbox/partners/${p.tenantId}/customers`, payload: {} })).json();
  const res = await app.inject({ method: 'POST', url: `/v1/customers/${c.id}/carts/${c.cartId}/checkout`, headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' }, payload: '"success"' });
  if (res.statusCode !== 201) throw new Error(res.body);
  made += res.json().orders.filter((o: { status: string }) => o.status === 'pending').length;
}
const [{ n }] = await db.query<{ n: number }>(
  "WITH u AS (UPDATE jobs SET run_at = now() - interval '1 second' WHERE kind = 'provisioning' RETURNING 1) SELECT count(*)::int AS n FROM u",
);

const started = process.hrtime.bigint();
let claims = 0;
let calls = 0;
await Promise.all(
  Array.from({ length: workers }, async (_, w) => {
    for (;;) {
      const claimed = await jobs.claimJobs(db, `bench-${w}`, batch, 60);
      calls++;
      if (!claimed.length) return;
      for (const j of claimed) await jobs.finishJob(db, j, 'done', null);
      claims += claimed.length;
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(
  `${db.kind}: ${claims} of ${n} due jobs claimed and finished by ${workers} workers (batch ${batch}) in ${seconds.toFixed(2)} s: ` +
    `${Math.round(claims / seconds)} jobs/s, ${((seconds * 1000) / calls).toFixed(1)} ms per claim call`,
);
await app.close();
await db.close();
