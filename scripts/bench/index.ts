/**
 * `npm run bench`: checkout speed against this machine's own ceilings, measured in one run.
 *
 * For each engine (PGlite always; PostgreSQL when DATABASE_URL is set) the service runs as a process
 * of its own (main.ts, PORT=0, PC_WORKER=false, LOG_LEVEL=warn) on a fresh database, and autocannon
 * drives, at the same concurrency: checkout of a fresh 3-line cart (2 order groups) per request,
 * GET cart, and the checkout doc's own request (an MS-RequestId replay after its first answer); then
 * a sustained checkout load for the memory check. The ceilings come from the same run: the recorded
 * statements of one checkout (and of one GET cart) replayed straight through the driver (raw-sql.ts),
 * just before the server starts, and a bare Fastify route answering a JSON body of the GET cart's size
 * (bare-server.ts). First, start-up (startup.ts): time to the first 200 and idle RSS on a new and on a
 * warm data directory (schema). Prints the tables and the ratios, writes bench-results/latest.json. Options: see `usage` below; docs/performance.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../packages/server/src/config.js';
import type { DatabaseOptions } from '../../packages/server/src/db/database.js';
import { parseArgs } from './args.js';
import { load, round, type LoadSummary } from './load.js';
import { formatProfile, mainProfile, summarizeProfile, type ProfileSummary } from './profile.js';
import { pgliteRunner, postgresRunner, replay, type RawResult } from './raw-sql.js';
import { BARE_COMMAND, cpuSeconds, machineCpu, postgresCpuSeconds, rssMb, RssSampler, SERVER_COMMAND, startProcess, type ServerProcess } from './server.js';
import { measureStartup, median, startupCells, type StartRun, type StartupResult } from './startup.js';
import { DOC_EXAMPLE, docExampleOnce, prepare, withClones, type Cart, type World } from './world.js';

const usage = `npm run bench [-- options]
  --engines=pglite,postgres   engines to run (postgres needs DATABASE_URL; default: both when it is set)
  --duration=10               seconds measured per scenario
  --warmup=3                  seconds of load before each measured scenario, not counted
  --connections=32            concurrent connections (and raw-SQL workers)
  --memory-seconds=60         sustained checkout load on PostgreSQL before reading the server's RSS
  --pglite-memory-seconds=30  the same on PGlite
  --partners=8 --customers=16 sandbox partners, and customers per partner, the carts are spread over
  --profile                   run the servers under --cpu-prof; summaries printed and kept in bench-results/
  --only=startup,checkout,get,doc,memory,raw,bare   run these scenarios only (default: all)
  --startup-runs=3            start-up: starts on a new data directory (schema), each followed by a warm start
  --startup-idle=5            start-up: seconds the server idles after its first 200 before its RSS is read
  --raw-unprepared            the PostgreSQL raw-SQL ceilings without named statements (the service prepares its
                              statements, so by default the ceiling does too)
  --server-env=K=V[,K=V]      extra environment for the server process (experiments, e.g. PC_THROTTLE_LIMIT=0)
  --out=bench-results/latest.json`;

function options() {
  const { args, num } = parseArgs(usage);
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const engines = (args.get('engines') ?? (databaseUrl ? 'pglite,postgres' : 'pglite')).split(',') as Engine[];
  for (const e of engines) {
    if (e !== 'pglite' && e !== 'postgres') throw new Error(`unknown engine ${e}`);
    if (e === 'postgres' && !databaseUrl) throw new Error('--engines=postgres needs DATABASE_URL');
  }
  const serverEnv = Object.fromEntries(
    (args.get('server-env') ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  ) as Record<string, string>;
  return {
    engines,
    databaseUrl,
    duration: num('duration', 10),
    warmup: num('warmup', 3),
    connections: num('connections', 32),
    memorySeconds: { postgres: num('memory-seconds', 60), pglite: num('pglite-memory-seconds', 30) } as Record<Engine, number>,
    partners: num('partners', 8),
    customersPerPartner: num('customers', 16),
    profile: args.get('profile') === 'true',
    rawPrepared: args.get('raw-unprepared') !== 'true',
    only: new Set((args.get('only') ?? 'startup,checkout,get,doc,memory,raw,bare').split(',')),
    startupRuns: num('startup-runs', 3),
    startupIdleSeconds: num('startup-idle', 5),
    serverEnv,
    /** The server's PostgreSQL pool (PC_DB_POOL_SIZE, default or --server-env): the raw-SQL ceiling uses as many connections. */
    serverPoolSize: loadConfig(serverEnv).dbPoolSize,
    out: args.get('out') ?? 'bench-results/latest.json',
  };
}

type Engine = 'pglite' | 'postgres';
type Options = ReturnType<typeof options>;

/** Carts per second a checkout run is provisioned for before its rate is known (copies are cheap). */
const FIRST_GUESS_RPS = { pglite: 900, postgres: 1500 };

interface Measured extends LoadSummary {
  /** Server CPU (user + system) per request, in ms: comparable across runs on a busy machine. */
  serverCpuMsPerRequest: number;
  /** CPU of every local PostgreSQL process per request, in ms (0 on PGlite: it runs in the server). */
  dbCpuMsPerRequest: number;
  /** CPU of the load generator (autocannon, in this process) per request, in ms. */
  loadCpuMsPerRequest: number;
  /** Share of the machine's CPU in use during the run (every process), in %. */
  machineBusyPct: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  exhausted?: boolean;
}

interface MemoryCheck {
  seconds: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  rssPeakMb: number;
  /** RSS growth over the last half of the sustained load, trough to trough, in MB. */
  lastHalfGrowthMb: number;
  series: { t: number; mb: number }[];
  load: Measured;
}

interface EngineResult {
  engine: Engine;
  storage: string;
  statementsPerCheckout: number;
  checkoutResponseBytes: number;
  getCartResponseBytes: number;
  rssIdleMb: number;
  checkout?: Measured;
  getCart?: Measured;
  docExample?: Measured;
  memory?: MemoryCheck;
  rawSql?: RawResult;
  /** GET cart's statements through the driver: what a GET costs the database. */
  rawGetSql?: RawResult;
  serverExitCode: number | null;
  profile?: ProfileSummary;
  ratios: { checkoutVsRawSql?: number; getCartVsBareFastify?: number; getCartVsRawSql?: number };
}

/** Fresh carts handed out one per request; past the end, a run is flagged (it would replay). */
class CartQueue {
  private next = 0;
  exhausted = false;
  constructor(private readonly carts: Cart[]) {}
  take(): Cart {
    if (this.next >= this.carts.length) {
      this.exhausted = true;
      return this.carts[this.next++ % this.carts.length];
    }
    return this.carts[this.next++];
  }
  get used() {
    return Math.min(this.next, this.carts.length);
  }
  get left() {
    return Math.max(0, this.carts.length - this.next);
  }
  add(more: Cart[]) {
    // Not push(...more): spread arguments go on the stack, and a memory load's 100 000+ carts overflow it.
    for (const cart of more) this.carts.push(cart);
  }
}

const checkoutRequest = (queue: CartQueue) => ({
  method: 'POST' as const,
  setupRequest: (req: object) => {
    const c = queue.take();
    return { ...req, method: 'POST' as const, path: `/v1/customers/${c.customer.id}/carts/${c.id}/checkout`, headers: { authorization: c.customer.authorization } };
  },
});

const getCartRequest = (carts: Cart[]) => {
  let i = 0;
  return {
    method: 'GET' as const,
    setupRequest: (req: object) => {
      const c = carts[i++ % carts.length];
      return { ...req, method: 'GET' as const, path: `/v1/customers/${c.customer.id}/carts/${c.id}`, headers: { authorization: c.customer.authorization } };
    },
  };
};

/**
 * Before each measurement on PostgreSQL, after its warm-up: vacuum and analyze the bench schema and
 * checkpoint, so that the clean-up of what the previous scenario wrote (autovacuum, a checkpoint) does
 * not land inside the next measurement (once seen: the raw-SQL ceiling right after the memory load at a
 * third of its rate, with 15 ms of PostgreSQL CPU per checkout). After the warm-up, not before: ANALYZE
 * of a still empty `orders` table makes PostgreSQL plan the foreign-key checks of order lines and jobs
 * against it as sequential scans (a seemingly empty table), and those plans, cached on every
 * connection, then scanned the whole growing table on each check for the rest of the run (PostgreSQL's
 * CPU per checkout 4.7 ms instead of 2.2). PGlite has no background workers.
 */
async function settle(engine: Engine, o: Options, schema: string): Promise<void> {
  if (engine !== 'postgres') return;
  const client = new pg.Client({ connectionString: o.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname = $1`,
      [schema],
    );
    if (rows.length) await client.query(`VACUUM (ANALYZE) ${rows.map((r) => r.t).join(', ')}`);
    await client.query('CHECKPOINT').catch(() => {}); // needs superuser or pg_checkpoint; best effort
  } finally {
    await client.end();
  }
}

/**
 * How much RSS grew over the last half of the memory load: the lowest sample of its last quarter minus
 * the lowest of its first. RSS saw-tooths by 10-60 MB with the garbage collections; what leaks raises
 * the troughs (what a collection leaves), while a median or a single sample lands wherever the teeth
 * were (medians read 10-46 MB of "growth" on PGlite series that were flat).
 */
function lastHalfGrowth(mb: number[]): number {
  if (mb.length < 4) return 0;
  const q = Math.max(1, Math.floor(mb.length / 4));
  return round(Math.min(...mb.slice(-q)) - Math.min(...mb.slice(0, q)));
}

/** Warm-up (not counted), `settleAfterWarmup`, then the measured run, with the CPU of each process and the server RSS around it. */
async function measure(
  server: ServerProcess | undefined,
  o: Options,
  seconds: number,
  run: (seconds: number) => Promise<LoadSummary>,
  settleAfterWarmup?: () => Promise<void>,
): Promise<Measured> {
  if (o.warmup > 0) await run(o.warmup);
  await settleAfterWarmup?.();
  const rssBefore = server ? rssMb(server.pid) : 0;
  const cpu0 = server ? cpuSeconds(server.pid) : 0;
  const db0 = postgresCpuSeconds();
  const m0 = machineCpu();
  const own0 = process.cpuUsage();
  const summary = await run(seconds);
  const own = process.cpuUsage(own0);
  const m1 = machineCpu();
  const db1 = postgresCpuSeconds();
  const cpu1 = server ? cpuSeconds(server.pid) : 0;
  const rssAfter = server ? rssMb(server.pid) : 0;
  return {
    ...summary,
    serverCpuMsPerRequest: server && summary.requests ? round(((cpu1 - cpu0) * 1000) / summary.requests, 3) : 0,
    dbCpuMsPerRequest: summary.requests ? round(((db1 - db0) * 1000) / summary.requests, 3) : 0,
    loadCpuMsPerRequest: summary.requests ? round((own.user + own.system) / 1000 / summary.requests, 3) : 0,
    machineBusyPct: round((100 * (m1.busy - m0.busy)) / Math.max(1, m1.total - m0.total)),
    rssBeforeMb: rssBefore,
    rssAfterMb: rssAfter,
  };
}

function log(line: string) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function runEngine(engine: Engine, o: Options): Promise<{ result: EngineResult; world: World }> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const dataDir = engine === 'pglite' ? mkdtempSync(join(tmpdir(), 'pc-bench-pglite-')) : undefined;
  const target: DatabaseOptions = engine === 'postgres' ? { url: o.databaseUrl, schema } : { dataDir };
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    PC_WORKER: 'false',
    LOG_LEVEL: 'warn',
    // Throttling still counts every request (and syncs its counts with the database every 100 ms, as
    // in production), but the bench's few partners send far more than Partner Center's 500 a minute.
    PC_THROTTLE_LIMIT: '1000000000',
    DATABASE_URL: engine === 'postgres' ? o.databaseUrl! : '',
    ...(engine === 'postgres' ? { PC_DB_SCHEMA: schema } : { PC_DATA_DIR: dataDir! }),
    ...o.serverEnv,
  };
  const profileDir = o.profile ? join('bench-results', 'profiles', engine) : undefined;
  if (profileDir) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  let server: ServerProcess | undefined;
  try {
    log(`${engine}: preparing ${o.partners} partners × ${o.customersPerPartner} customers, the demo world, the bench cart`);
    const world = await prepare(target, env, o.partners, o.customersPerPartner);
    const httpSeconds = o.warmup + o.duration + (engine === 'pglite' ? o.warmup + o.memorySeconds.pglite : 0);
    const firstBatch = Math.ceil(httpSeconds * FIRST_GUESS_RPS[engine]);
    log(`${engine}: copying ${firstBatch + 256} carts`);
    const clones = await withClones(target, world, firstBatch + 256);
    const getCarts = clones.splice(0, 256);
    const queue = new CartQueue(clones);

    const c = o.connections;
    const settled = () => settle(engine, o, schema);
    // The ceilings first, just before the server's own runs: the machine's speed drifts by 10-20 % over
    // minutes (another VM's load), and a ceiling measured next to the run it bounds drifts with it.
    let rawSql: RawResult | undefined;
    let rawGetSql: RawResult | undefined;
    if (o.only.has('raw')) {
      const rawCount = Math.ceil(FIRST_GUESS_RPS[engine] * 2 * (o.warmup + o.duration));
      // Copied before the runner opens the database: PGlite's directory takes one instance at a time.
      log(`${engine}: raw-SQL ceilings: copying ${rawCount} carts`);
      const rawCarts = await withClones(target, world, rawCount);
      const runner = engine === 'postgres' ? postgresRunner(o.databaseUrl!, schema, o.serverPoolSize, o.rawPrepared) : await pgliteRunner(dataDir!);
      const replayOptions = {
        concurrency: c,
        seconds: o.duration,
        warmupSeconds: o.warmup,
        poolSize: engine === 'postgres' ? o.serverPoolSize : 1,
        afterWarmup: settled,
      };
      try {
        if (o.only.has('get')) {
          log(`${engine}: GET cart's ${world.getCart.statements.length} statements through the driver`);
          rawGetSql = await replay(runner, world.getCart, getCarts, { ...replayOptions, cycle: true });
          if (rawGetSql.firstError) log(`${engine}: raw-SQL errors: ${rawGetSql.errors} (${rawGetSql.firstError})`);
        }
        log(`${engine}: raw-SQL ceiling: replaying ${world.checkout.statements.length} statements per checkout, ${c} workers`);
        rawSql = await replay(runner, world.checkout, rawCarts, replayOptions);
        if (rawSql.firstError) log(`${engine}: raw-SQL errors: ${rawSql.errors} (${rawSql.firstError})`);
      } finally {
        await runner.close();
      }
    }

    server = await startProcess(SERVER_COMMAND, env, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
    const s = server;
    const storage = /storage: (.*)/.exec(s.output())?.[1] ?? engine;
    const sampler = new RssSampler(s.pid, 1000);
    const rssIdleMb = sampler.samples[0].mb;
    log(`${engine}: server pid ${s.pid} at ${s.url} (${storage}), RSS ${rssIdleMb} MB`);
    let checkout: Measured | undefined;
    if (o.only.has('checkout')) {
      log(`${engine}: checkout of a fresh 3-line cart, ${c} connections`);
      checkout = await measure(s, o, o.duration, (d) => load({ url: s.url, connections: c, duration: d, requests: [checkoutRequest(queue)] }), settled);
      checkout.exhausted = queue.exhausted;
    }

    let getCart: Measured | undefined;
    if (o.only.has('get')) {
      log(`${engine}: GET cart`);
      getCart = await measure(s, o, o.duration, (d) => load({ url: s.url, connections: c, duration: d, requests: [getCartRequest(getCarts)] }), settled);
    }

    let docExample: Measured | undefined;
    if (o.only.has('doc')) {
      log(`${engine}: the checkout doc example (MS-RequestId replay after its first answer)`);
      const first = await docExampleOnce(s.url, world.demoAuthorization);
      const firstOrders = first.status === 201 ? JSON.parse(first.body).orders.length : 0;
      if (firstOrders !== 3) throw new Error(`the doc example's request answered ${first.status} ${first.body.slice(0, 300)}`);
      const headers = { ...DOC_EXAMPLE.headers, authorization: world.demoAuthorization };
      docExample = await measure(s, o, o.duration, (d) => load({ url: s.url, connections: c, duration: d, requests: [{ method: 'POST', path: DOC_EXAMPLE.path, headers }] }), settled);
    }

    let memory: MemoryCheck | undefined;
    if (o.only.has('memory')) {
      const memSeconds = o.memorySeconds[engine];
      const needed = Math.ceil(Math.max(checkout?.rps ?? FIRST_GUESS_RPS[engine], 50) * (memSeconds + o.warmup) * 2);
      if (engine === 'postgres' && queue.left < needed) {
        log(`${engine}: copying ${needed - queue.left} more carts for the memory check`);
        queue.add(await withClones(target, world, needed - queue.left));
      }
      log(`${engine}: memory: ${memSeconds} s of sustained checkout load`);
      await settle(engine, o, schema);
      const before = queue.exhausted;
      const series = new RssSampler(s.pid, 1000);
      // No warm-up: the series starts from the idle server. The checkout scenario filled the tables.
      const memLoad = await measure(s, { ...o, warmup: 0 }, memSeconds, (d) => load({ url: s.url, connections: c, duration: d, requests: [checkoutRequest(queue)] }));
      series.stop();
      memLoad.exhausted = queue.exhausted && !before;
      const half = series.samples.filter((x) => x.t >= memSeconds / 2);
      memory = {
        seconds: memSeconds,
        rssBeforeMb: series.samples[0].mb,
        rssAfterMb: memLoad.rssAfterMb,
        rssPeakMb: series.peak,
        lastHalfGrowthMb: lastHalfGrowth(half.map((x) => x.mb)),
        series: series.samples,
        load: memLoad,
      };
    }
    sampler.stop();

    log(`${engine}: stopping the server`);
    const serverExitCode = await s.stop();
    server = undefined;
    let profile: ProfileSummary | undefined;
    if (profileDir) {
      const file = mainProfile(profileDir);
      if (file) {
        profile = summarizeProfile(file);
        log(formatProfile(profile));
      }
    }

    if (engine === 'pglite') {
      // The database runs inside the server (or the bench) process: any postgres CPU seen is not ours.
      for (const m of [checkout, getCart, docExample, memory?.load, rawSql, rawGetSql]) if (m) m.dbCpuMsPerRequest = 0;
    }
    return {
      world,
      result: {
        engine,
        storage,
        statementsPerCheckout: world.checkoutStatements,
        checkoutResponseBytes: world.checkoutBytes,
        getCartResponseBytes: Buffer.byteLength(world.cartBody),
        rssIdleMb,
        checkout,
        getCart,
        docExample,
        memory,
        rawSql,
        rawGetSql,
        serverExitCode,
        profile,
        ratios: {
          checkoutVsRawSql: checkout && rawSql?.rps ? round(checkout.rps / rawSql.rps, 3) : undefined,
          getCartVsRawSql: getCart && rawGetSql?.rps ? round(getCart.rps / rawGetSql.rps, 3) : undefined,
        },
      },
    };
  } finally {
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (engine === 'postgres') {
      const client = new pg.Client({ connectionString: o.databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  }
}

/** Start-up on a new data directory (schema) and a warm one, as a user starts the service (startup.ts). */
async function runStartup(engine: Engine, o: Options): Promise<StartupResult> {
  const root = mkdtempSync(join(tmpdir(), 'pc-bench-start-'));
  const schemas: string[] = [];
  const env: Record<string, string> = { DATABASE_URL: engine === 'postgres' ? o.databaseUrl! : '', ...o.serverEnv };
  const fresh = (i: number): Record<string, string> => {
    if (engine === 'pglite') return { PC_DATA_DIR: join(root, `data-${i}`) };
    schemas.push(`bench_start_${randomBytes(4).toString('hex')}`);
    return { PC_DB_SCHEMA: schemas.at(-1)! };
  };
  log(`${engine}: start-up, ${o.startupRuns} × (a new ${engine === 'pglite' ? 'data directory' : 'schema'}, then warm)`);
  try {
    return await measureStartup(env, fresh, o.startupRuns, o.startupIdleSeconds, (line) => log(`${engine}: ${line}`));
  } finally {
    rmSync(root, { recursive: true, force: true });
    if (schemas.length) {
      const client = new pg.Client({ connectionString: o.databaseUrl });
      await client.connect();
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  }
}

async function runBare(world: World, o: Options): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-bench-bare-'));
  const file = join(dir, 'cart.json');
  writeFileSync(file, world.cartBody);
  const bare = await startProcess(BARE_COMMAND, { BENCH_BODY_FILE: file });
  try {
    log(`bare Fastify: GET of a ${Buffer.byteLength(world.cartBody)}-byte JSON body, ${o.connections} connections`);
    return await measure(bare, o, o.duration, (d) => load({ url: `${bare.url}/cart`, connections: o.connections, duration: d, requests: [{ method: 'GET' }] }));
  } finally {
    await bare.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Target {
  target: string;
  engine: Engine;
  value: number | null;
  limit: string;
  met: boolean;
}

function targets(results: Partial<Record<Engine, EngineResult>>, startup: Partial<Record<Engine, StartupResult>>, o: Options): Target[] {
  const out: Target[] = [];
  const add = (engine: Engine, target: string, value: number | undefined, limit: string, ok: (v: number) => boolean) => {
    if (value !== undefined) out.push({ target, engine, value, limit, met: ok(value) });
  };
  const sp = startup.pglite;
  if (sp) {
    const idle = (runs: StartRun[]) => median(runs.map((r) => r.rssIdleMb));
    add('pglite', `server RSS ${sp.idleSeconds} s after a first start on a new data directory (MB, median)`, idle(sp.fresh), '< 300', (v) => v < 300);
    add('pglite', `server RSS ${sp.idleSeconds} s after a warm start (MB, median)`, idle(sp.warm), '< 300', (v) => v < 300);
  }
  const pgr = results.postgres;
  if (pgr) {
    add('postgres', 'checkout throughput / raw-SQL ceiling', pgr.ratios.checkoutVsRawSql, '>= 0.70', (v) => v >= 0.7);
    add('postgres', `checkout p99 at ${o.connections} connections (ms)`, pgr.checkout?.p99, '<= 30', (v) => v <= 30);
    add('postgres', 'GET cart throughput / bare Fastify', pgr.ratios.getCartVsBareFastify, '>= 0.50', (v) => v >= 0.5);
    add('postgres', `server RSS after ${pgr.memory?.seconds} s of checkout load (MB)`, pgr.memory?.rssAfterMb, '< 250', (v) => v < 250);
  }
  const pgl = results.pglite;
  if (pgl) {
    add('pglite', 'checkout throughput (req/s)', pgl.checkout?.rps, '>= 300', (v) => v >= 300);
    add('pglite', `server RSS growth over the last half of ${pgl.memory?.seconds} s of load (MB)`, pgl.memory?.lastHalfGrowthMb, '< 10 (bounded)', (v) => v < 10);
  }
  return out;
}

function startupTable(startup: Partial<Record<Engine, StartupResult>>, o: Options): string {
  const engines = (['pglite', 'postgres'] as Engine[]).filter((e) => startup[e]);
  if (!engines.length) return '';
  const cells = Object.fromEntries(engines.map((e) => [e, startupCells(startup[e]!)])) as Record<Engine, ReturnType<typeof startupCells>>;
  const idle = startup[engines[0]]!.idleSeconds;
  const rows: string[][] = [
    [`start-up, median of ${o.startupRuns} (range)`, ...engines.map((e) => (e === 'pglite' ? 'PGlite' : 'PostgreSQL'))],
    ['first 200 of /healthz, new data dir (schema)', ...engines.map((e) => cells[e].freshMs)],
    ['first 200 of /healthz, warm', ...engines.map((e) => cells[e].warmMs)],
    [`RSS idle ${idle} s later, after a new start`, ...engines.map((e) => cells[e].freshRss)],
    [`RSS idle ${idle} s later, after a warm start`, ...engines.map((e) => cells[e].warmRss)],
    ['RSS peak (VmHWM), new start', ...engines.map((e) => cells[e].freshPeak)],
    ['RSS peak (VmHWM), warm start', ...engines.map((e) => cells[e].warmPeak)],
  ];
  const notes: string[] = [];
  for (const e of engines) {
    for (const kind of ['fresh', 'warm'] as const) {
      const last = startup[e]![kind].at(-1)!;
      // Its progress lines up to the first of the listening lines (not the JSON logs).
      const shown = last.lines.filter((l) => !l.line.startsWith('{'));
      const upTo = shown.findIndex((l) => l.line.includes('listening on'));
      notes.push(`${e} ${kind === 'fresh' ? 'new' : 'warm'} start (last run), its lines in ms after the spawn, then its first 200:`);
      notes.push(...shown.slice(0, upTo + 1).map((l) => `  ${String(l.ms).padStart(6)}  ${l.line}`), `  ${String(last.firstOkMs).padStart(6)}  (200 from /healthz)`);
    }
  }
  return [...formatRows(rows), '', ...notes].join('\n');
}

/** Rows as a table: the first is the header, columns padded, a rule under the header. */
function formatRows(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const lines = rows.map((r) => r.map((v, i) => (v ?? '').padEnd(widths[i])).join('  │ ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '─'.repeat(w)).join('──┼─'));
  return lines;
}

function table(results: Partial<Record<Engine, EngineResult>>, bare: Measured | undefined, o: Options): string {
  const engines = (['pglite', 'postgres'] as Engine[]).filter((e) => results[e]);
  if (!engines.length) return '';
  const fmt = (ms: number) => `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`.padStart(7);
  const cell = (m: { rps: number; p50: number; p99: number } | undefined) => (m ? `${m.rps.toFixed(0).padStart(6)}/s  p50 ${fmt(m.p50)}  p99 ${fmt(m.p99)}` : '–');
  const ratio = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(2));
  const cpu = (m: Measured | undefined) => (m ? `${m.serverCpuMsPerRequest.toFixed(2)} ms` : '–');
  const plus = (db: number) => (db ? ` + ${db.toFixed(2)}` : '');
  const cpu2 = (m: Measured | undefined) => (m ? `${m.serverCpuMsPerRequest.toFixed(2)}${plus(m.dbCpuMsPerRequest)} ms` : '–');
  const cpu3 = (m: Measured | undefined) =>
    m ? `${m.serverCpuMsPerRequest.toFixed(2)}${plus(m.dbCpuMsPerRequest)} + ${m.loadCpuMsPerRequest.toFixed(2)} ms, ${m.machineBusyPct.toFixed(0)} % busy` : '–';
  const cpuRaw = (r: RawResult | undefined) => (r ? `${r.clientCpuMsPerRequest.toFixed(2)}${plus(r.dbCpuMsPerRequest)} ms` : '–');
  const rows: string[][] = [
    ['', ...engines.map((e) => (e === 'pglite' ? 'PGlite' : 'PostgreSQL'))],
    ['checkout, fresh 3-line cart (2 orders)', ...engines.map((e) => cell(results[e]!.checkout))],
    ['  ceiling: its SQL through the driver', ...engines.map((e) => cell(results[e]!.rawSql))],
    ['  ratio ours / ceiling', ...engines.map((e) => ratio(results[e]!.ratios.checkoutVsRawSql))],
    ['GET cart', ...engines.map((e) => cell(results[e]!.getCart))],
    ['  ceiling: bare Fastify, same JSON size', ...engines.map(() => cell(bare))],
    ['  ratio ours / ceiling', ...engines.map((e) => ratio(results[e]!.ratios.getCartVsBareFastify))],
    ['  its SQL through the driver', ...engines.map((e) => cell(results[e]!.rawGetSql))],
    ['  ratio ours / its SQL', ...engines.map((e) => ratio(results[e]!.ratios.getCartVsRawSql))],
    ['checkout doc example (replay)', ...engines.map((e) => cell(results[e]!.docExample))],
    ['SQL statements per checkout', ...engines.map((e) => String(results[e]!.statementsPerCheckout))],
    ['CPU per checkout: server [+ PostgreSQL] + load', ...engines.map((e) => cpu3(results[e]!.checkout))],
    ['  its SQL: driver + PostgreSQL', ...engines.map((e) => cpuRaw(results[e]!.rawSql))],
    ['CPU per GET cart: server + PostgreSQL', ...engines.map((e) => cpu2(results[e]!.getCart))],
    ['  bare Fastify server', ...engines.map(() => cpu(bare))],
    ['CPU per doc example: server + PostgreSQL', ...engines.map((e) => cpu2(results[e]!.docExample))],
    [
      'server RSS idle → after load (peak)',
      ...engines.map((e) => {
        const m = results[e]!.memory;
        return m ? `${results[e]!.rssIdleMb} → ${m.rssAfterMb} MB (${m.rssPeakMb}) after ${m.seconds} s` : `${results[e]!.rssIdleMb} MB idle`;
      }),
    ],
  ];
  const lines = formatRows(rows);
  const notes = [
    `${o.connections} connections (raw SQL: ${o.connections} workers on ${o.serverPoolSize} connections, as the server's pool), ` +
      `${o.duration} s measured after ${o.warmup} s of warm-up; latencies of 2xx answers.`,
  ];
  for (const e of engines) {
    const r = results[e]!;
    const runs: [string, Measured | undefined][] = [['checkout', r.checkout], ['GET cart', r.getCart], ['doc example', r.docExample], ['memory load', r.memory?.load]];
    for (const [name, m] of runs) {
      if (!m) continue;
      if (m.non2xx || m.errors) notes.push(`WARNING ${e} ${name}: ${m.non2xx} non-2xx, ${m.errors} errors ${JSON.stringify(m.statusCodes)}`);
      if (m.exhausted) notes.push(`WARNING ${e} ${name}: ran out of fresh carts (some requests were replays)`);
    }
    for (const raw of [r.rawSql, r.rawGetSql]) if (raw?.firstError) notes.push(`WARNING ${e} raw SQL: ${raw.errors} errors (${raw.firstError})`);
    if (r.rawSql?.exhausted) notes.push(`note ${e} raw SQL: ran out of carts after ${r.rawSql.durationSeconds} s (rate over that time)`);
  }
  return [...lines, '', ...notes].join('\n');
}

async function main() {
  const o = options();
  const started = new Date();
  const loadBefore = loadavg();
  const results: Partial<Record<Engine, EngineResult>> = {};
  // Start-up first, on a machine not yet busy with the load scenarios' leftovers.
  const startup: Partial<Record<Engine, StartupResult>> = {};
  if (o.only.has('startup')) for (const engine of o.engines) startup[engine] = await runStartup(engine, o);
  const underLoad = ['checkout', 'get', 'doc', 'memory', 'raw'].some((s) => o.only.has(s));
  let lastWorld: World | undefined;
  for (const engine of underLoad ? o.engines : []) {
    const { result, world } = await runEngine(engine, o);
    results[engine] = result;
    lastWorld = world;
  }
  const bare = lastWorld && o.only.has('bare') ? await runBare(lastWorld, o) : undefined;
  for (const r of Object.values(results)) if (bare && r.getCart) r.ratios.getCartVsBareFastify = round(r.getCart.rps / bare.rps, 3);

  const checks = targets(results, startup, o);
  const report = {
    started: started.toISOString(),
    finished: new Date().toISOString(),
    command: `${o.databaseUrl ? 'DATABASE_URL=… ' : ''}npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      node: process.version,
      loadAverageBefore: loadBefore.map((x) => round(x, 2)),
      loadAverageAfter: loadavg().map((x) => round(x, 2)),
    },
    settings: {
      connections: o.connections,
      durationSeconds: o.duration,
      warmupSeconds: o.warmup,
      partners: o.partners,
      customersPerPartner: o.customersPerPartner,
      serverPoolSize: o.serverPoolSize,
      serverEnv: o.serverEnv,
      rawPrepared: o.rawPrepared,
    },
    ratios: Object.fromEntries(Object.entries(results).map(([e, r]) => [e, r.ratios])),
    targets: checks,
    bareFastify: bare,
    startup,
    engines: results,
  };
  mkdirSync(join(o.out, '..'), { recursive: true });
  writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n');

  console.log('\n' + [startupTable(startup, o), table(results, bare, o)].filter(Boolean).join('\n\n'));
  console.log('\ntargets:');
  for (const t of checks) console.log(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.engine.padEnd(8)} ${t.target}: ${t.value} (target ${t.limit})`);
  console.log(`\nload average ${report.machine.loadAverageBefore.join(' ')} before, ${report.machine.loadAverageAfter.join(' ')} after (${report.machine.cpus} CPUs)`);
  console.log(`results: ${o.out}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
