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

async function run(client: pg.Pool | pg.PoolClient, sql: string, params: unknown[] | undefined, inTransaction: boolean) {
  if (!params?.length) return client.query(sql);
  try {
    return await client.query({ name: statementName(sql), text: sql, values: params as unknown[] });
  } catch (err) {
    // "cached plan must not change result type": outside a transaction, run it unnamed; inside one the
    // transaction is already aborted, so the error goes up and the connection is dropped (transaction()).
    if ((err as { code?: string }).code !== '0A000' || inTransaction) throw err;
    return client.query(sql, params as unknown[]);
  }
}

const where = (url: string) => {
  const safeUrl = new URL(url);
  return `${safeUrl.host}${safeUrl.pathname}`;
};

function postgresPool(url: string, poolSize: number, schema: string | undefined, connectionTimeoutMillis?: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis,
    // A schema of its own keeps parallel test runs apart on one database.
    options: schema ? `-c search_path=${quoteIdent(schema)}` : undefined,
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

async function openPostgres(url: string, { schema, poolSize = DEFAULT_POOL_SIZE, dropSchemaOnClose = false, progress, replicaUrl }: DatabaseOptions): Promise<Database> {
  const location = `PostgreSQL at ${where(url)}${schema ? ` (schema ${schema})` : ''}${replicaUrl ? `, stale-allowed reads at ${where(replicaUrl)}` : ''}`;
  progress?.(`connecting to ${location}`);
  const pool = postgresPool(url, poolSize, schema);
  // A replica that does not answer must not hold a read long: after 2 s of trying, the primary answers it.
  const replica = replicaUrl ? postgresPool(replicaUrl, poolSize, schema, 2000) : undefined;
  // IF NOT EXISTS is no guard against a process creating the same schema at the same moment: its
  // catalog row then collides (23505); either way the schema exists.
  if (schema) {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`).catch((err: { code?: string }) => {
      if (err.code !== '23505' && err.code !== '42P06') throw err;
    });
  }
  return poolDatabase(
    pool,
    {
      kind: 'postgres',
      location,
      async close() {
        await replica?.end();
        if (schema && dropSchemaOnClose) await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
        await pool.end();
      },
    },
    replica,
  );
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

/** A Database over a node-postgres pool (a PostgreSQL server's connections, or PGlite's one), with reads that may be stale on `replica`. */
function poolDatabase(pool: pg.Pool, engine: Pick<Database, 'kind' | 'location' | 'close'>, replica?: pg.Pool): Database {
  let statements = 0;
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
      return (await run(pool, sql, params, false)).rows as T[];
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async <R>(sql: string, params?: unknown[]) => {
            statements++;
            return (await run(client, sql, params, true)).rows as R[];
          },
        });
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        // A prepared plan gone stale stays stale on this connection: drop the connection, not just the call.
        client.release((err as { code?: string }).code === '0A000' ? (err as Error) : undefined);
        throw err;
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
          try {
            statements++;
            return (await run(replica, sql, params, false)).rows as T[];
          } catch (err) {
            if (!primaryCanAnswer(err)) throw err;
            return db.query<T>(sql, params);
          }
        },
        transaction: (fn) => db.transaction(fn),
        close: async () => {},
      };
  return db;
}
