/**
 * The database ceiling of a request: the very statements one checkout (or one GET cart) issues,
 * replayed straight through the driver (node-postgres, on PostgreSQL or on PGlite) against pre-created carts, at the
 * same concurrency as the HTTP run, in the same transaction shape — no HTTP, no auth, no validation,
 * no rendering.
 *
 * The statements are not copied from the code (they would drift): they are recorded from one real
 * checkout of a bench cart, run in this process by the service's own app, with the service's
 * configuration, on the bench database (world.ts). Every id in the recorded parameters is then a slot: the partner,
 * customer and cart ids become those of the cart being replayed, and every id the checkout generated
 * (orders, alternate ids, subscriptions, entitlements) is generated afresh for each replay.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { pglitePool, type Database, type Queryable } from '../../packages/server/src/db/database.js';
import { newPGlite } from '../../packages/server/src/db/pglite-data-dir.js';
import type { Cart } from './world.js';
import { round } from './load.js';
import { postgresCpuSeconds } from './server.js';

type Slot = { ref: 'tenant' | 'customer' | 'cart' } | { gen: number; kind: 'uuid' | 'order' | 'alternate' };
type Piece = string | Slot;
type ParamTemplate = { pieces: Piece[] } | { array: { pieces: Piece[] }[] } | { value: unknown };

export interface StatementTemplate {
  sql: string;
  inTransaction: boolean;
  /** Rows the recorded run got back: a replay must get as many (the ids were substituted right). */
  rows: number;
  params: ParamTemplate[];
}

/** The statements one request issued, with its ids as slots. */
export interface RequestTemplate {
  statements: StatementTemplate[];
  /** Distinct generated ids per request. */
  generated: number;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A Database that records what `fn` runs on it (statements of transactions flagged as such). */
export function recorder(db: Database) {
  let log: { sql: string; params: unknown[]; inTransaction: boolean; rows: number }[] = [];
  let on = false;
  const wrap = (q: Queryable, inTransaction: boolean): Queryable['query'] =>
    async <T>(sql: string, params: unknown[] = []) => {
      const rows = await q.query<T>(sql, params);
      if (on) log.push({ sql, params: structuredClone(params), inTransaction, rows: rows.length });
      return rows;
    };
  const recorded = Object.create(db, {
    query: { value: wrap(db, false) },
    transaction: { value: <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction((tx) => fn({ query: wrap(tx, true) })) },
  }) as Database;
  return {
    db: recorded,
    /** Runs `fn` and returns what it ran. */
    async during<T>(fn: () => Promise<T>) {
      log = [];
      on = true;
      try {
        return { result: await fn(), log };
      } finally {
        on = false;
      }
    },
  };
}

/** Turns a recorded checkout into a template whose ids are slots (see the top of this file). */
export function templateOf(
  log: { sql: string; params: unknown[]; inTransaction: boolean; rows: number }[],
  known: Record<'tenant' | 'customer' | 'cart', string>,
  orders: { id: string; alternateId: string }[],
): RequestTemplate {
  const refs = new Map(Object.entries(known).map(([k, v]) => [v.toLowerCase(), k as 'tenant' | 'customer' | 'cart']));
  const ordered = new Map<string, 'order' | 'alternate'>();
  for (const o of orders) {
    if (!new RegExp(`^${UUID}$`, 'i').test(o.id)) ordered.set(o.id, 'order');
    if (o.alternateId !== o.id) ordered.set(o.alternateId, 'alternate');
  }
  const pattern = new RegExp([UUID, ...[...ordered.keys()].map(escape)].join('|'), 'gi');
  const gens = new Map<string, number>();
  const pieces = (s: string): { pieces: Piece[] } => {
    const out: Piece[] = [];
    let at = 0;
    for (const m of s.matchAll(pattern)) {
      out.push(s.slice(at, m.index));
      const value = m[0].toLowerCase();
      const ref = refs.get(value);
      if (ref) out.push({ ref });
      else {
        if (!gens.has(m[0])) gens.set(m[0], gens.size);
        out.push({ gen: gens.get(m[0])!, kind: ordered.get(m[0]) ?? 'uuid' });
      }
      at = m.index + m[0].length;
    }
    out.push(s.slice(at));
    return { pieces: out.filter((p) => p !== '') };
  };
  const param = (p: unknown): ParamTemplate => {
    if (typeof p === 'string') return pieces(p);
    if (Array.isArray(p) && p.every((x) => typeof x === 'string')) return { array: p.map(pieces) };
    if (p !== null && typeof p === 'object' && !(p instanceof Date)) return pieces(JSON.stringify(p));
    return { value: p };
  };
  return {
    statements: log.map((s) => ({ sql: s.sql, inTransaction: s.inTransaction, rows: s.rows, params: s.params.map(param) })),
    generated: gens.size,
  };
}

const fresh = (kind: 'uuid' | 'order' | 'alternate') =>
  kind === 'uuid' ? randomUUID() : kind === 'order' ? randomBytes(25).toString('base64url').slice(0, 33) : randomBytes(6).toString('hex');

/** The parameters of every statement for one cart, with fresh generated ids. */
function instantiate(t: RequestTemplate, cart: Cart): unknown[][] {
  const gen: string[] = [];
  const refs = { tenant: cart.customer.tenantId, customer: cart.customer.id, cart: cart.id };
  const fill = (ps: Piece[]) => {
    let s = '';
    for (const p of ps) {
      if (typeof p === 'string') s += p;
      else if ('ref' in p) s += refs[p.ref];
      else s += gen[p.gen] ??= fresh(p.kind);
    }
    return s;
  };
  return t.statements.map((st) =>
    st.params.map((p) => ('pieces' in p ? fill(p.pieces) : 'array' in p ? p.array.map((a) => fill(a.pieces)) : p.value)),
  );
}

export interface RawResult {
  /** Requests' statements per second. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  requests: number;
  errors: number;
  firstError?: string;
  durationSeconds: number;
  concurrency: number;
  /** Connections in the pool (PostgreSQL); PGlite has one. */
  poolSize: number;
  statementsPerRequest: number;
  /** CPU of this process (the driver side) per request, in ms. */
  clientCpuMsPerRequest: number;
  /** CPU of every local PostgreSQL process per request, in ms (0 on PGlite: it runs in this process). */
  dbCpuMsPerRequest: number;
  exhausted: boolean;
}

/** One engine's way to run a checkout's statements: outside and inside one transaction. */
export interface Runner {
  run(t: RequestTemplate, params: unknown[][]): Promise<void>;
  close(): Promise<void>;
}

function checkRows(st: StatementTemplate, rows: number) {
  if (rows !== st.rows) throw new Error(`expected ${st.rows} rows, got ${rows}: ${st.sql.replace(/\s+/g, ' ').slice(0, 80)}`);
}

/** Splits the statements into runs of the same kind (outside / inside the transaction), in order. */
function segments(t: RequestTemplate) {
  const out: { inTransaction: boolean; indexes: number[] }[] = [];
  t.statements.forEach((st, i) => {
    const last = out[out.length - 1];
    if (last && last.inTransaction === st.inTransaction) last.indexes.push(i);
    else out.push({ inTransaction: st.inTransaction, indexes: [i] });
  });
  return out;
}

/**
 * node-postgres on a pool of `poolSize` connections, as the server uses it. `prepared` names each
 * statement, so that every connection parses and plans it once, as the service does (the default;
 * `--raw-unprepared` turns it off on PostgreSQL).
 */
export function postgresRunner(url: string, schema: string, poolSize: number, prepared = false): Runner {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, options: `-c search_path="${schema}"` });
  pool.on('error', () => {});
  return poolRunner(pool, prepared, () => pool.end());
}

/** PGlite as the service reaches it: its settings, node-postgres over PGlite's adapter, one connection, named statements. */
export async function pgliteRunner(dataDir: string): Promise<Runner> {
  const pglite = await newPGlite(dataDir);
  const pool = await pglitePool(pglite);
  return poolRunner(pool, true, async () => {
    await pool.end();
    await pglite.close();
  });
}

function poolRunner(pool: pg.Pool, prepared: boolean, close: () => Promise<void>): Runner {
  const query = (q: pg.Pool | pg.PoolClient, t: RequestTemplate, i: number, values: unknown[]) =>
    prepared ? q.query({ name: `bench_${t.statements[i].sql.length}_${i}`, text: t.statements[i].sql, values }) : q.query(t.statements[i].sql, values);
  return {
    async run(t, params) {
      for (const seg of segments(t)) {
        if (!seg.inTransaction) {
          for (const i of seg.indexes) checkRows(t.statements[i], (await query(pool, t, i, params[i])).rows.length);
          continue;
        }
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          for (const i of seg.indexes) checkRows(t.statements[i], (await query(client, t, i, params[i])).rows.length);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw err;
        } finally {
          client.release();
        }
      }
    },
    close,
  };
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0);

/**
 * Replays the template for `seconds` (after `warmupSeconds` not counted) with `concurrency` workers,
 * each taking the next cart: once each (a checkout), or round and round (`cycle`, a read).
 */
export async function replay(
  runner: Runner,
  t: RequestTemplate,
  carts: Cart[],
  opts: { concurrency: number; seconds: number; warmupSeconds: number; poolSize: number; cycle?: boolean; afterWarmup?: () => Promise<void> },
): Promise<RawResult> {
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  let exhausted = false;
  const latencies: number[] = [];
  let measuring = false;
  let stop = false;
  /** Holds the workers while `afterWarmup` runs, once the requests in flight are done. */
  let gate: Promise<void> | undefined;
  let inFlight = 0;
  const worker = async () => {
    while (!stop) {
      // PGlite runs in this thread and answers through microtasks only: without a turn of the event
      // loop the timers that end the warm-up and the run would never fire.
      await new Promise((resolve) => setImmediate(resolve));
      if (gate) await gate;
      const cart = opts.cycle ? carts[next++ % carts.length] : carts[next++];
      if (!cart) {
        exhausted = true;
        return;
      }
      const params = instantiate(t, cart);
      const started = performance.now();
      inFlight++;
      try {
        await runner.run(t, params);
        if (measuring) latencies.push(performance.now() - started);
      } catch (err) {
        if (measuring) errors++;
        firstError ??= String((err as Error).message ?? err);
      } finally {
        inFlight--;
      }
    }
  };
  const workers = Promise.all(Array.from({ length: opts.concurrency }, worker));
  // When the carts run out the window closes early: the rate is over the time actually measured.
  await Promise.race([sleep(opts.warmupSeconds * 1000), workers]);
  if (opts.afterWarmup) {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    while (inFlight > 0) await sleep(1);
    await opts.afterWarmup();
    gate = undefined;
    open();
  }
  measuring = true;
  const from = performance.now();
  const own0 = process.cpuUsage();
  const db0 = postgresCpuSeconds();
  await Promise.race([sleep(opts.seconds * 1000), workers]);
  measuring = false;
  const elapsed = (performance.now() - from) / 1000;
  const own = process.cpuUsage(own0);
  const db = postgresCpuSeconds() - db0;
  stop = true;
  await workers;
  latencies.sort((a, b) => a - b);
  return {
    rps: round(latencies.length / elapsed),
    p50: round(percentile(latencies, 50), 2),
    p90: round(percentile(latencies, 90), 2),
    p99: round(percentile(latencies, 99), 2),
    max: round(latencies[latencies.length - 1] ?? 0, 2),
    requests: latencies.length,
    errors,
    firstError,
    durationSeconds: round(elapsed),
    concurrency: opts.concurrency,
    poolSize: opts.poolSize,
    statementsPerRequest: t.statements.length,
    clientCpuMsPerRequest: latencies.length ? round((own.user + own.system) / 1000 / latencies.length, 3) : 0,
    dbCpuMsPerRequest: latencies.length ? round((db * 1000) / latencies.length, 3) : 0,
    exhausted,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
