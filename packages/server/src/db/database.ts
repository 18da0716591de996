/**
 * One database interface over two engines, both through node-postgres: PGlite (embedded, the default;
 * through its node-postgres adapter) and a PostgreSQL server. Same SQL, same migrations. Services open
 * transactions; repos take the handle.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from './data-dir-lock.js';
import { loadMigrations } from './migrate.js';
import { newPGlite, pgliteStartParams, prepareDataDir } from './pglite-data-dir.js';
import {
  DatabaseUnavailableError,
  PrimaryRouter,
  certainlyNotRun,
  describeTarget,
  isFailoverError,
  isRead,
  neverSent,
  parsePostgresUrl,
  routedClientClass,
  type RoutedClient,
} from './failover.js';

export type Row = Record<string, unknown>;

/** Anything a repo can run SQL on: the database itself or an open transaction. */
export interface Queryable {
  query<T = Row>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * What a repo function that only writes (and reads nothing back) needs: a Queryable, or a
 * `WriteBatch` that sends several such writes to the database as one statement.
 */
export interface Writer {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Human-readable location for start-up logs (never includes a password). */
  readonly location: string;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** SQL statements run so far (transaction control excluded): lets tests hold a statement budget. */
  readonly statementCount: number;
  /**
   * Where reads that may be stale go (a caller that sent `ConsistencyLevel: eventual`): a streaming
   * replica when one is configured (`PC_READ_REPLICA_URL`), otherwise this database. Its `query` runs
   * on the replica, falling back to the primary when the replica cannot answer (down, or behind on
   * the schema); its `transaction` is the primary's, so a use case that writes still writes there.
   * Inside a transaction it is the transaction itself.
   */
  readonly reader: Database;
}

/** PostgreSQL connections per process unless configured (`PC_DB_POOL_SIZE`). */
export const DEFAULT_POOL_SIZE = 10;

/**
 * How long a call waits for a primary when there is none (a failover under way) before it fails with
 * 503 (`PC_DB_PRIMARY_WAIT_SECONDS`). pg_auto_failover promotes a standby in 20 to 40 s by default.
 */
export const DEFAULT_PRIMARY_WAIT_MS = 10_000;
/** How long one connection attempt to one host may take before the next host is tried. */
const CONNECT_TIMEOUT_MS = 5_000;

export interface DatabaseOptions {
  /** postgres:// URL; when absent, PGlite is used. */
  url?: string;
  /** PGlite data directory, or `memory://`. */
  dataDir?: string;
  /** PostgreSQL schema to work in (created if missing); lets test runs share one database. */
  schema?: string;
  poolSize?: number;
  /** Drop `schema` when closing (test databases only). */
  dropSchemaOnClose?: boolean;
  /** postgres:// URL of a streaming replica of `url`, for reads that may be stale (`Database.reader`). */
  replicaUrl?: string;
  /** PostgreSQL: how long a call waits for a primary before it fails (DEFAULT_PRIMARY_WAIT_MS). */
  primaryWaitMs?: number;
  /**
   * PGlite only: start from this dump of a data directory (`PGlite.dumpDataDir`) rather than from
   * initdb, which costs seconds of CPU; the tests open each database from one migrated and seeded.
   */
  loadDataDir?: Blob;
  /** Told what opening does, a line at a time (start-up progress). */
  progress?: (line: string) => void;
  /** Where a new PGlite data directory's prepared image is looked for (pglite-data-dir.ts). */
  imageDir?: string;
}

/**
 * The database as seen from inside an open transaction: queries run in it, and a use case that opens
 * its own transaction joins it instead. Lets several use cases commit or roll back as one.
 */
export function withinTransaction(db: Database, tx: Queryable): Database {
  const scoped: Database = {
    kind: db.kind,
    location: db.location,
    get statementCount() {
      return db.statementCount;
    },
    query: (sql, params) => tx.query(sql, params),
    transaction: (fn) => fn(tx),
    close: async () => {},
    get reader() {
      return scoped;
    },
  };
  return scoped;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  return opts.url ? openPostgres(opts.url, opts) : openPglite(opts.dataDir ?? './.data', opts);
}

async function openPglite(dataDir: string, { progress, imageDir, loadDataDir }: DatabaseOptions): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  // One process per directory: a second one would silently overwrite the first's data (data-dir-lock.ts).
  const lock = inMemory ? undefined : await lockDataDir(dataDir);
  try {
    if (inMemory) progress?.('creating an in-memory database');
    else await prepareDataDir(dataDir, { migrations: await loadMigrations(), startParams: await pgliteStartParams(), progress, imageDir });
    // Loaded only when used: the module alone costs a PostgreSQL-backed process ~40 MB of RSS.
    const pglite = await newPGlite(dataDir, { loadDataDir });
    const pool = await pglitePool(pglite);
    return poolDatabase(pool, {
      kind: 'pglite',
      location: inMemory ? 'PGlite in memory' : `PGlite at ${dataDir}`,
      async close() {
        await pool.end();
        await pglite.close();
        await lock?.release();
      },
    });
  } catch (err) {
    await lock?.release();
    throw err;
  }
}

/**
 * node-postgres over PGlite's own adapter: the same driver, type parsing and named prepared statements
 * as on PostgreSQL (a prepared statement costs PGlite half the time of parsing and planning anew).
 * PGlite is one session, so one connection, kept open for good.
 */
export async function pglitePool(pglite: PGlite): Promise<pg.Pool> {
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  return new pg.Pool({ ...createPgConfig(pglite), max: 1, idleTimeoutMillis: 0 });
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Statements with parameters run as named prepared statements: PostgreSQL parses and plans each once
 * per connection instead of on every call (half its CPU per checkout, docs/performance.md). Our SQL is
 * static, so the names are few. A plan made stale by another process's migration runs once unnamed.
 */
const statementNames = new Map<string, string>();
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `pc_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
    // Our statements are a fixed set; the bound only guards against a caller building SQL per call.
    if (statementNames.size >= 1000) statementNames.clear();
    statementNames.set(sql, name);
  }
  return name;
}

/** A connection whose prepared plan went stale: it is dropped when given back (the plan stays stale on it). */
const stalePlans = new WeakSet<pg.PoolClient>();

async function run(client: pg.PoolClient, sql: string, params: unknown[] | undefined, inTransaction: boolean) {
  if (!params?.length) return client.query(sql);
  try {
    return await client.query({ name: statementName(sql), text: sql, values: params as unknown[] });
  } catch (err) {
    // "cached plan must not change result type": outside a transaction, run it unnamed; inside one the
    // transaction is already aborted, so the error goes up. Either way the connection is dropped after.
    if ((err as { code?: string }).code !== '0A000') throw err;
    stalePlans.add(client);
    if (inTransaction) throw err;
    return client.query(sql, params as unknown[]);
  }
}

async function openPostgres(
  url: string,
  { schema, poolSize = DEFAULT_POOL_SIZE, dropSchemaOnClose = false, progress, primaryWaitMs = DEFAULT_PRIMARY_WAIT_MS, replicaUrl }: DatabaseOptions,
): Promise<Database> {
  const target = parsePostgresUrl(url);
  const location = `PostgreSQL at ${describeTarget(target)}${schema ? ` (schema ${schema})` : ''}${target.requirePrimary ? ' (primary only)' : ''}${
    replicaUrl ? `, stale-allowed reads at ${describeTarget(parsePostgresUrl(replicaUrl))}` : ''
  }`;
  progress?.(`connecting to ${location}`);
  // A schema of its own keeps parallel test runs apart on one database.
  const options = [target.config.options, schema ? `-c search_path=${quoteIdent(schema)}` : undefined].filter(Boolean).join(' ') || undefined;
  // One host as node-postgres reads it; several (or a primary required) through the router (failover.ts).
  const router = target.requirePrimary ? new PrimaryRouter(target) : undefined;
  const pool = router
    ? new pg.Pool({ ...target.config, options, max: poolSize, Client: routedClientClass(router, CONNECT_TIMEOUT_MS) })
    : new pg.Pool({ connectionString: url, max: poolSize, options });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {
    if (router) router.connectionLost(router.generation);
  });
  // A replica that does not answer must not hold a read long: after 2 s of trying, the primary answers it.
  const replica = replicaUrl ? new pg.Pool({ connectionString: replicaUrl, max: poolSize, options, connectionTimeoutMillis: 2000 }) : undefined;
  replica?.on('error', () => {});
  const db = poolDatabase(
    pool,
    {
      kind: 'postgres',
      location,
      async close() {
        await replica?.end();
        if (schema && dropSchemaOnClose) await db.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
        await pool.end();
      },
    },
    { router, waitMs: primaryWaitMs },
    replica,
  );
  // IF NOT EXISTS is no guard against a process creating the same schema at the same moment: its
  // catalog row then collides (23505); either way the schema exists.
  if (schema) {
    await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`).catch((err: { code?: string }) => {
      if (err.code !== '23505' && err.code !== '42P06') throw err;
    });
  }
  return db;
}

/**
 * Whether a read the replica failed may run on the primary instead: the replica is unreachable, slow to
 * connect or going away (connection errors, class 08, 57P0x), cancelled the read for a conflict with
 * its WAL replay (40001: on a standby, only that), or has not replayed yet the schema the statement
 * names (42P01, 3F000: a migration just ran). A read is safe to run twice; any other error is the
 * statement's own and goes up, a write sent to the replica (25006) included: a bug to see, not to hide.
 */
function primaryCanAnswer(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return /^(08|57P0)/.test(code) || ['40001', '42P01', '3F000', 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test((err as Error).message ?? '');
}

/** What a PostgreSQL server's pool does when its primary goes away (failover.ts); PGlite has none. */
interface FailoverPolicy {
  /** Present when new connections must find the primary among several hosts. */
  router?: PrimaryRouter;
  /** How long a call waits for a primary. */
  waitMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A Database over a node-postgres pool (a PostgreSQL server's connections, or PGlite's one), with reads
 * that may be stale on `replica` (`Database.reader`). On
 * PostgreSQL, a call that meets no primary, or loses it, runs again on the new one when that is safe:
 * a connection not yet made, a read, a transaction that did not commit (or wrote nothing). A write
 * whose COMMIT may have happened is never run again: DatabaseUnavailableError(outcomeUnknown), a 503
 * the client retries with the same MS-RequestId, which the call's idempotency resolves.
 */
function poolDatabase(pool: pg.Pool, engine: Pick<Database, 'kind' | 'location' | 'close'>, failover?: FailoverPolicy, replica?: pg.Pool): Database {
  let statements = 0;
  const router = failover?.router;
  const listening = new WeakSet<pg.PoolClient>();
  let reached = false;

  /** A connection to the primary; while there is none, tries again until `deadline`. */
  async function acquire(deadline: number): Promise<pg.PoolClient> {
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        if (!failover || !isFailoverError(err)) throw err;
        // A database never reached is a setting to fix (start-up says which: after one try of each host);
        // one reached before and lost is a failover to wait out.
        if (!reached) {
          if (attempt + 1 >= (router?.target.hosts.length ?? 1)) throw err;
          continue;
        }
        if (Date.now() >= deadline) throw new DatabaseUnavailableError(false, err);
        await sleep(Math.min(25 * 2 ** attempt, 500));
        continue;
      }
      reached = true;
      // A connection opened before the primary moved is not reused (it may be on a standby now).
      if (router && (client as unknown as RoutedClient).generation !== router.generation) {
        client.release(true);
        continue;
      }
      // A connection that breaks while checked out fails its query and also emits 'error', which
      // would crash the process unheard (node-postgres's pool.query listens the same way).
      if (!listening.has(client)) {
        listening.add(client);
        client.on('error', () => {});
      }
      return client;
    }
  }

  /** After a failover error on `client`: its connection is dropped, and with it its generation's. */
  function lost(client: pg.PoolClient, err: unknown) {
    client.release(err as Error);
    if (router) router.connectionLost((client as unknown as RoutedClient).generation);
  }

  const db: Database = {
    ...engine,
    get statementCount() {
      return statements;
    },
    get reader() {
      return reader;
    },
    async query<T>(sql: string, params?: unknown[]) {
      statements++;
      const deadline = Date.now() + (failover?.waitMs ?? 0);
      for (;;) {
        const client = await acquire(deadline);
        try {
          const result = await run(client, sql, params, false);
          client.release(stalePlans.has(client));
          return result.rows as T[];
        } catch (err) {
          if (!failover || !isFailoverError(err)) {
            client.release(stalePlans.has(client));
            throw err;
          }
          lost(client, err);
          // A write whose connection went under it may have been done: not ours to repeat.
          if (!certainlyNotRun(err) && !isRead(sql)) throw new DatabaseUnavailableError(true, err);
          if (Date.now() >= deadline) throw new DatabaseUnavailableError(false, err);
        }
      }
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      const deadline = Date.now() + (failover?.waitMs ?? 0);
      for (;;) {
        const client = await acquire(deadline);
        let wrote = false;
        let committing = false;
        try {
          await client.query('BEGIN');
          const result = await fn({
            query: async <R>(sql: string, params?: unknown[]) => {
              statements++;
              wrote ||= !isRead(sql);
              return (await run(client, sql, params, true)).rows as R[];
            },
          });
          committing = true;
          await client.query('COMMIT');
          client.release(stalePlans.has(client));
          return result;
        } catch (err) {
          if (!committing) await client.query('ROLLBACK').catch(() => {});
          if (!failover || !isFailoverError(err)) {
            // A prepared plan gone stale stays stale on this connection: drop the connection, not just the call.
            client.release(stalePlans.has(client));
            throw err;
          }
          lost(client, err);
          if (err instanceof DatabaseUnavailableError && err.outcomeUnknown) throw err;
          // COMMIT sent and no answer: the writes may be in. Anything earlier rolled back with the session.
          if (committing && wrote && !neverSent(err)) throw new DatabaseUnavailableError(true, err);
          if (Date.now() >= deadline) throw new DatabaseUnavailableError(false, err);
        }
      }
    },
  };
  const reader: Database = !replica
    ? db
    : {
        kind: engine.kind,
        get statementCount() {
          return statements;
        },
        get reader() {
          return reader;
        },
        location: `${engine.location} (its replica)`,
        async query<T>(sql: string, params?: unknown[]) {
          statements++;
          let client: pg.PoolClient | undefined;
          try {
            client = await replica.connect();
            const rows = (await run(client, sql, params, false)).rows as T[];
            client.release(stalePlans.has(client));
            return rows;
          } catch (err) {
            client?.release(err as Error);
            if (!primaryCanAnswer(err)) throw err;
            return db.query<T>(sql, params);
          }
        },
        transaction: (fn) => db.transaction(fn),
        close: async () => {},
      };
  return db;
}
