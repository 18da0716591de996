/**
 * `npm run bench:replica`: read throughput with the reads on the primary, and on the streaming replica
 * (issue 18 item 4; docs/performance.md "Read replicas"). Needs DATABASE_URL and PC_READ_REPLICA_URL (a
 * standby of it: `scripts/pg-local/replica.sh start`).
 *
 * One service process (main.ts, PORT=0, PC_WORKER=false, throttling off) on a fresh schema with the
 * replica configured; `partners` × `customers` customers with `orders-per-customer` checked-out bench
 * carts each (2 orders per cart). The read is a list route: GET …/customers/{c}/orders (orders with
 * their lines, joined with the customer), round-robin over the customers, at `connections`:
 *   1. reads on the primary (no ConsistencyLevel header);
 *   2. the same reads with `ConsistencyLevel: eventual`: served by the replica;
 *   3. and 4. the same two while checkouts run alongside (half the connections each): what moving the
 *      reads does to the writes.
 * For each: requests/s and latency, and the CPU per request of the service process and of its own
 * backends on the primary and on the replica (its connections carry an application_name; on a shared
 * machine other clients of the same PostgreSQL are not counted, nor is the standby's WAL replay).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import type { DatabaseOptions } from '../../packages/server/src/db/database.js';
import { parseArgs } from './args.js';
import { load, round, type LoadSummary } from './load.js';
import { cpuSeconds, SERVER_COMMAND, startProcess, type ServerProcess } from './server.js';
import { prepare, withClones, type Cart } from './world.js';

const usage = `npm run bench:replica [-- options]   (DATABASE_URL and PC_READ_REPLICA_URL set)
  --duration=10 --warmup=3 --connections=32
  --partners=4 --customers=8 --orders-per-customer=5
  --carts=30000               fresh carts for the checkouts of the mixed runs
  --request-log               keep the sandbox request log's writes (by default held off: they go to the primary)`;

function options() {
  const { args, num } = parseArgs(usage);
  const databaseUrl = process.env.DATABASE_URL;
  const replicaUrl = process.env.PC_READ_REPLICA_URL;
  if (!databaseUrl || !replicaUrl) throw new Error(`set DATABASE_URL and PC_READ_REPLICA_URL\n${usage}`);
  return {
    databaseUrl,
    replicaUrl,
    duration: num('duration', 10),
    warmup: num('warmup', 3),
    connections: num('connections', 32),
    partners: num('partners', 4),
    customers: num('customers', 8),
    ordersPerCustomer: num('orders-per-customer', 5),
    /** Fresh carts for the checkouts of the mixed runs. */
    carts: num('carts', 30_000),
    requestLog: args.get('request-log') === 'true',
  };
}

const log = (line: string) => console.error(`[bench:replica] ${line}`);

/** The service's connections are named (application_name), so their backends can be told from everyone else's. */
const APP_NAME = 'pc-bench-replica';
const named = (url: string) => {
  const u = new URL(url);
  u.searchParams.set('application_name', APP_NAME);
  return u.toString();
};

/** CPU seconds (user + system) each live process has used so far, by pid (/proc; clock ticks of 1/100 s). */
function cpuByPid(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/**
 * The CPU the service's own backends on one PostgreSQL instance use: a snapshot now, and the CPU used
 * since by the backends alive then or started since. Other clients of the same instance (on a shared
 * machine, other test runs) and the standby's WAL replay are not counted.
 */
async function backendCpu(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const pids = async () =>
    (await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [APP_NAME])).rows.map((r) => r.pid);
  return {
    async snapshot() {
      return cpuByPid(await pids());
    },
    async since(before: Map<number, number>) {
      const now = cpuByPid([...new Set([...(await pids()), ...before.keys()])]);
      let total = 0;
      for (const [pid, cpu] of now) total += cpu - (before.get(pid) ?? 0);
      return total;
    },
    end: () => client.end(),
  };
}

async function caughtUp(primaryUrl: string, replicaUrl: string): Promise<void> {
  const primary = new pg.Client({ connectionString: primaryUrl });
  const replica = new pg.Client({ connectionString: replicaUrl });
  await primary.connect();
  await replica.connect();
  try {
    const [{ lsn }] = (await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows;
    while (!(await replica.query<{ done: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [lsn])).rows[0].done) {
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await primary.end();
    await replica.end();
  }
}

interface Run {
  name: string;
  reads: LoadSummary;
  checkouts?: LoadSummary;
  /** CPU ms per read (and checkout, when both ran) of: the service, the primary, the replica. */
  cpuMsPerRequest: { service: number; primary: number; replica: number };
}

async function main() {
  const o = options();
  const loadBefore = loadavg();
  const schema = `bench_replica_${randomBytes(4).toString('hex')}`;
  const target: DatabaseOptions = { url: o.databaseUrl, schema };
  const env: Record<string, string> = {
    DATABASE_URL: named(o.databaseUrl),
    PC_DB_SCHEMA: schema,
    PC_READ_REPLICA_URL: named(o.replicaUrl),
    PORT: '0',
    PC_WORKER: 'false',
    PC_THROTTLE_LIMIT: '0',
    LOG_LEVEL: 'warn',
    // The sandbox request log writes every /v1 request to the primary (sandbox mode only, which the
    // bench needs for its tokens): held off, so that the primary's CPU is the reads' own. --request-log keeps it.
    ...(o.requestLog ? {} : { PC_SANDBOX_REQUEST_LOG_FLUSH_MS: '3600000' }),
  };
  log(`preparing ${o.partners} partners × ${o.customers} customers in schema ${schema}`);
  const world = await prepare(target, env, o.partners, o.customers);
  let server: ServerProcess | undefined;
  try {
    server = await startProcess(SERVER_COMMAND, env);
    const base = server.url;
    // Orders to list: each customer's copies of the bench cart, checked out through the service.
    const carts = await withClones(target, world, world.customers.length * o.ordersPerCustomer);
    log(`checking out ${carts.length} carts (the orders the reads list)`);
    for (let i = 0; i < carts.length; i += 16) {
      await Promise.all(
        carts.slice(i, i + 16).map(async (c) => {
          const res = await fetch(`${base}/v1/customers/${c.customer.id}/carts/${c.id}/checkout`, { method: 'POST', headers: { authorization: c.customer.authorization } });
          if (res.status !== 201) throw new Error(`checkout ${res.status}: ${await res.text()}`);
        }),
      );
    }
    const fresh = await withClones(target, world, o.carts);
    await caughtUp(o.databaseUrl, o.replicaUrl);
    const primaryCpu = await backendCpu(o.databaseUrl);
    const replicaCpu = await backendCpu(o.replicaUrl);
    const readRequests = (eventual: boolean) => {
      let i = 0;
      return [
        {
          method: 'GET' as const,
          setupRequest: (req: object) => {
            const c = world.customers[i++ % world.customers.length];
            const headers: Record<string, string> = { authorization: c.authorization };
            if (eventual) headers.consistencylevel = 'eventual';
            return { ...req, method: 'GET' as const, path: `/v1/customers/${c.id}/orders`, headers };
          },
        },
      ];
    };
    let nextCart = 0;
    const checkoutRequests = () => [
      {
        method: 'POST' as const,
        setupRequest: (req: object) => {
          const c: Cart = fresh[nextCart++ % fresh.length];
          return { ...req, method: 'POST' as const, path: `/v1/customers/${c.customer.id}/carts/${c.id}/checkout`, headers: { authorization: c.customer.authorization } };
        },
      },
    ];

    const measure = async (name: string, eventual: boolean, withWrites: boolean): Promise<Run> => {
      const readConnections = withWrites ? Math.max(1, o.connections / 2) : o.connections;
      const go = (duration: number) =>
        Promise.all([
          load({ url: base, connections: readConnections, duration, requests: readRequests(eventual) }),
          withWrites ? load({ url: base, connections: Math.max(1, o.connections / 2), duration, requests: checkoutRequests() }) : undefined,
        ]);
      log(`${name}: warm-up ${o.warmup} s`);
      await go(o.warmup);
      const service = cpuSeconds(server!.pid);
      const [primaryBefore, replicaBefore] = [await primaryCpu.snapshot(), await replicaCpu.snapshot()];
      log(`${name}: ${o.duration} s`);
      const [reads, checkouts] = await go(o.duration);
      const used = { service: cpuSeconds(server!.pid) - service, primary: await primaryCpu.since(primaryBefore), replica: await replicaCpu.since(replicaBefore) };
      const n = reads.requests + (checkouts?.requests ?? 0);
      const per = (k: keyof typeof used) => round((used[k] * 1000) / n, 3);
      for (const r of [reads, checkouts]) if (r && (r.non2xx || r.errors)) log(`WARNING ${name}: ${r.non2xx} non-2xx, ${r.errors} errors ${JSON.stringify(r.statusCodes)}`);
      if (withWrites && nextCart > fresh.length) log(`WARNING ${name}: ran out of fresh carts (later checkouts were replays)`);
      return { name, reads, checkouts, cpuMsPerRequest: { service: per('service'), primary: per('primary'), replica: per('replica') } };
    };

    const runs = [
      await measure('list orders, primary', false, false),
      await measure('list orders, ConsistencyLevel: eventual (replica)', true, false),
      await measure('list orders on the primary + checkouts', false, true),
      await measure('list orders on the replica + checkouts', true, true),
    ];
    const fmt = (m: LoadSummary | undefined) => (m ? `${m.rps.toFixed(0).padStart(6)}/s  p50 ${m.p50} ms  p99 ${m.p99} ms` : '–');
    const rows = runs.map((r) =>
      [
        r.name.padEnd(52),
        `reads ${fmt(r.reads)}`.padEnd(42),
        `checkouts ${fmt(r.checkouts)}`.padEnd(46),
        `CPU ms/request: service ${r.cpuMsPerRequest.service}, primary ${r.cpuMsPerRequest.primary}, replica ${r.cpuMsPerRequest.replica}`,
      ].join(' │ '),
    );
    console.log(
      [
        `machine: ${cpus().length} CPUs, load average ${loadBefore.map((x) => x.toFixed(1)).join(' ')} before, ${loadavg().map((x) => x.toFixed(1)).join(' ')} after`,
        `bench:replica: ${o.connections} connections (half reads, half checkouts in the mixed runs), ${o.duration} s after ${o.warmup} s warm-up, ` +
          `${world.customers.length} customers × ${o.ordersPerCustomer * 2} orders, sandbox request log ${o.requestLog ? 'on' : 'held off'}`,
        ...rows,
      ].join('\n'),
    );
    await primaryCpu.end();
    await replicaCpu.end();
  } finally {
    await server?.stop();
    const client = new pg.Client({ connectionString: o.databaseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
