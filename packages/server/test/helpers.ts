/**
 * Test helpers: boot the real app on a fresh database (in-memory PGlite, or a schema of its own on
 * PostgreSQL when DATABASE_URL is set), create isolated sandbox partners, and call the API.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { seedCatalog, seedDemo } from '../src/seed/index.js';

export interface TestContext {
  app: FastifyInstance;
  db: Database;
  config: Config;
  close(): Promise<void>;
}

/** Which engine this run uses: PostgreSQL when DATABASE_URL is set. */
export const engine = process.env.DATABASE_URL ? 'postgres' : 'pglite';

export async function openTestDatabase({ replicaUrl }: { replicaUrl?: string } = {}): Promise<Database> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const loadDataDir = process.env.DATABASE_URL ? undefined : await pgliteTemplate();
  const db = await openDatabase({ url: process.env.DATABASE_URL, dataDir: 'memory://', schema, dropSchemaOnClose: true, loadDataDir, replicaUrl });
  await migrate(db); // nothing left to do on a copy of the template, which this checks
  await seedCatalog(db);
  return db;
}

let template: Promise<Blob | undefined> | undefined;

/**
 * On PGlite, a migrated and seeded database made once per test run, which each test database starts
 * as a copy of: PGlite's initdb costs seconds of CPU per database, a copy a fraction of that. The run
 * (scripts/run-tests.mjs) names a fresh directory for it in PC_TEST_TEMPLATE_DIR; the first files to
 * need it make it (each its own, the same; the last rename wins). Without it, every database is new.
 */
function pgliteTemplate(): Promise<Blob | undefined> {
  return (template ??= (async () => {
    const dir = process.env.PC_TEST_TEMPLATE_DIR;
    if (!dir) return undefined;
    const file = join(dir, 'pglite-template.tar');
    try {
      return new Blob([await readFile(file)]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const dataDir = await mkdtemp(join(dir, 'making-'));
    try {
      const db = await openDatabase({ dataDir });
      await migrate(db);
      await seedCatalog(db);
      await db.close();
      const { PGlite } = await import('@electric-sql/pglite');
      const pglite = new PGlite(dataDir);
      await pglite.waitReady; // dumpDataDir does not wait for it
      const dump = await pglite.dumpDataDir('none');
      await pglite.close();
      await writeFile(`${dataDir}.tar`, Buffer.from(await dump.arrayBuffer()));
      await rename(`${dataDir}.tar`, file);
      return dump;
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  })());
}

/** Builds the app on a fresh, migrated and seeded database (demo world included). */
export async function startApp(env: Record<string, string> = {}): Promise<TestContext> {
  const config = loadConfig({ ...env, PC_DATA_DIR: 'memory://' });
  const db = await openTestDatabase({ replicaUrl: config.readReplicaUrl });
  if (config.seedDemo) await seedDemo(db, config);
  const app = await buildApp({ config, db, ...(process.env.TEST_LOG ? { logger: { level: 'error' } } : {}) });
  await app.ready();
  return {
    app,
    db,
    config,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

export interface Partner {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  customers: { id: string; cartId: string; azureSubscriptionId: string; country: string }[];
  appToken: string;
  userToken: string;
}

export async function token(app: FastifyInstance, form: Record<string, string>): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/oauth2/token', payload: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${res.body}`);
  return res.json().access_token;
}

/**
 * A fresh sandbox partner with one customer (and its active demo-shaped cart) and both kinds of token;
 * `adminToken` when the app has PC_SANDBOX_ADMIN_TOKEN (without it, app.inject's loopback address suffices).
 */
export async function newPartner(app: FastifyInstance, adminToken?: string): Promise<Partner> {
  const headers = adminToken ? { authorization: `Bearer ${adminToken}` } : {};
  const res = await app.inject({ method: 'POST', url: '/sandbox/partners', payload: {}, headers });
  if (res.statusCode !== 201) throw new Error(`sandbox partner: ${res.statusCode} ${res.body}`);
  const p = res.json();
  return {
    ...p,
    appToken: await token(app, { grant_type: 'client_credentials', client_id: p.clientId, client_secret: p.clientSecret }),
    userToken: await token(app, { grant_type: 'password', username: p.username, password: p.password }),
  };
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One API call through the app; JSON bodies are sent as JSON. */
export function call(app: FastifyInstance, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, opts: CallOptions = {}) {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let payload: string | undefined;
  if (opts.body !== undefined) {
    payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  return app.inject({ method, url, headers, payload });
}

/** Polls `probe` until it gives a value (not undefined), or fails after `timeoutMs` naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
