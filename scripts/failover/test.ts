/**
 * `npm run test:failover`: the service through a real PostgreSQL failover (docs/failover.md).
 * Starts the pg_auto_failover formation (scripts/failover/formation.sh), two API processes and a
 * provisioning worker on its multi-host URI, and drives cart creation, cart updates (PUT), checkouts
 * and order reads from several clients, spread over both API processes, each request retried the way
 * the SDKs do (same MS-RequestId, backoff, `Retry-After`). Meanwhile the primary is stopped cleanly,
 * then killed with kill -9 (its whole node, keeper included), then switched over on purpose; each time
 * the test waits for the standby's promotion and puts the old primary back as the new standby.
 * Afterwards:
 * - every logical request got a final answer (no request given up on);
 * - every checkout that answered 201 is in the database with the orders it named, and every answer
 *   for one cart named the same orders (no cart ordered twice);
 * - every pending order completes, every line Fulfilled (the worker provisions it), and
 *   `check:consistency` is clean;
 * and it prints the error budget: the answers that were not final (by status), and for how long.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openDatabase, type Database } from '../../packages/server/src/db/database.js';
import { flags, http, printTable, sandboxPartner, sleep, startServer, type SandboxPartner, type ServerProcess } from '../probe/support.js';

const usage = `npm run test:failover [-- options]   (needs pg_autoctl: apt-get install postgresql-15-auto-failover pg-auto-failover-cli)
  --clients=6         clients sending requests at once
  --partners=3        sandbox partners the clients work for
  --settle=8          seconds of load before, between and after the failovers
  --events=stop,kill,switchover   which failovers, in order
  --give-up=180       seconds a client retries one request before it counts as lost
  --out=FILE          write the measurements as JSON
  --keep              leave the formation running afterwards (it is stopped otherwise)`;
const o = flags(usage, { clients: 6, partners: 3, settle: 8, events: 'stop,kill,switchover', 'give-up': 180, out: '', keep: false });

const FORMATION = fileURLToPath(new URL('./formation.sh', import.meta.url));
const BIN = fileURLToPath(new URL('../../packages/server/dist/bin.js', import.meta.url));
const run = promisify(execFile);
const t0 = Date.now();
const now = () => (Date.now() - t0) / 1000;
const log = (line: string) => console.log(`[${now().toFixed(1).padStart(6)} s] ${line}`);

async function formation(...args: string[]): Promise<string> {
  const { stdout } = await run(FORMATION, args, { maxBuffer: 1 << 20, timeout: 600_000 });
  return stdout.trim();
}

// ---- the load --------------------------------------------------------------------------------------

type Kind = 'create' | 'update' | 'checkout' | 'read';
interface Attempt {
  kind: Kind;
  server: number;
  start: number;
  end: number;
  status: number | 'network';
  /** A 503 after a COMMIT that went unanswered (resolved by the retry's MS-RequestId), not a wait for a primary. */
  outcomeUnknown?: boolean;
}
interface Operation {
  kind: Kind;
  requestId: string;
  attempts: number;
  status: number | 'lost';
  text: string;
}
const attempts: Attempt[] = [];
const operations: Operation[] = [];
let stopping = false;

const LINES = [
  { catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', billingCycle: 'monthly', termDuration: 'P1M' },
  { catalogItemId: 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ', billingCycle: 'monthly', termDuration: 'P1Y' },
  { catalogItemId: 'CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF', billingCycle: 'annual', termDuration: 'P1Y' },
];
const cartBody = (quantity: number, n: number) => ({
  lineItems: LINES.slice(0, n).map((l, id) => ({ id, ...l, quantity })),
});

/**
 * One logical request as an SDK sends it: one MS-RequestId for every attempt, retried after a network
 * error, 409, 429 or 5xx with jittered backoff (at least `Retry-After`), on either API process.
 */
async function send(servers: ServerProcess[], kind: Kind, partner: SandboxPartner, method: string, path: string, body?: unknown): Promise<Operation> {
  const requestId = randomUUID();
  const op: Operation = { kind, requestId, attempts: 0, status: 'lost', text: '' };
  const deadline = Date.now() + o['give-up'] * 1000;
  for (let n = 0; Date.now() < deadline; n++) {
    const server = (n + Math.floor(Math.random() * 2)) % 2;
    const a: Attempt = { kind, server, start: now(), end: 0, status: 'network' };
    attempts.push(a);
    op.attempts++;
    let retryAfter = 0;
    try {
      const res = await http(servers[server].url, method, path, {
        token: partner.token,
        body,
        headers: { 'MS-RequestId': requestId, 'MS-CorrelationId': randomUUID() },
        signal: AbortSignal.timeout(60_000),
      });
      a.status = res.status;
      a.end = now();
      a.outcomeUnknown = res.status === 503 && res.text.includes('lost while the request was being saved');
      if (!(res.status === 409 || res.status === 429 || res.status >= 500)) {
        op.status = res.status;
        op.text = res.text;
        break;
      }
      retryAfter = Number(res.headers.get('retry-after') ?? 0);
    } catch {
      a.end = now();
    }
    await sleep(Math.max(retryAfter * 1000, Math.min(100 * 2 ** n, 2000)) * (0.8 + Math.random() * 0.4));
  }
  operations.push(op);
  return op;
}

interface CheckedOut {
  cartId: string;
  orderIds: string[];
}
const checkouts = new Map<string, CheckedOut[]>();
const puts = new Map<string, number>();

/** A client: makes a cart, updates it, checks it out (sometimes twice), reads its orders; again and again. */
async function client(servers: ServerProcess[], partner: SandboxPartner, customerId: string) {
  const base = `/v1/customers/${customerId}/carts`;
  while (!stopping) {
    const created = await send(servers, 'create', partner, 'POST', base, cartBody(1, 2));
    if (created.status !== 201) continue;
    const cartId = (JSON.parse(created.text) as { id: string }).id;
    const quantity = 2 + Math.floor(Math.random() * 50);
    const put = await send(servers, 'update', partner, 'PUT', `${base}/${cartId}`, cartBody(quantity, 3));
    if (put.status === 201 || put.status === 200) puts.set(cartId, quantity);
    for (let i = 0; i < (Math.random() < 0.3 ? 2 : 1); i++) {
      const c = await send(servers, 'checkout', partner, 'POST', `${base}/${cartId}/checkout`, '"success"');
      if (c.status === 201) {
        const orderIds = (JSON.parse(c.text) as { orders: { id: string }[] }).orders.map((x) => x.id);
        checkouts.set(cartId, [...(checkouts.get(cartId) ?? []), { cartId, orderIds }]);
        if (i === 0) await send(servers, 'read', partner, 'GET', `/v1/customers/${customerId}/orders/${orderIds[0]}`);
      }
    }
  }
}

// ---- the failovers ---------------------------------------------------------------------------------

interface Event {
  name: string;
  /** When the primary went away, and when the formation had a primary again (s since start). */
  at: number;
  promoted: number;
  from: string;
  to: string;
}
const events: Event[] = [];

async function failover(name: string) {
  const from = await formation('primary');
  const at = now();
  log(`${name}: primary ${from}`);
  if (name === 'stop') await formation('stop-primary');
  else if (name === 'kill') await formation('kill-primary');
  else if (name === 'switchover') await formation('failover');
  else throw new Error(`unknown event ${name}`);
  let to = '';
  while (!to || to === from) {
    await sleep(200);
    to = await formation('primary').catch(() => '');
  }
  const promoted = now();
  log(`${name}: ${to} is primary after ${(promoted - at).toFixed(1)} s`);
  events.push({ name, at, promoted, from, to });
  if (name !== 'switchover') await formation('start-node', from);
  await formation('wait-healthy', '300');
  log(`${name}: ${from} is a secondary again`);
}

// ---- the run ---------------------------------------------------------------------------------------

function startWorker(env: Record<string, string>): Promise<{ stop(): Promise<void>; output(): string }> {
  const proc = spawn(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  return Promise.resolve({
    output: () => out,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
    },
  });
}

async function waitForProvisioning(db: Database, seconds: number): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders WHERE status = 'pending'`);
    if (n === 0 || Date.now() > deadline) return n;
    await sleep(1000);
  }
}

async function main() {
  log('starting the formation (first time: about 2 minutes)');
  const uri = await formation('start');
  log(`formation: ${uri}`);
  const schema = `failover_${randomUUID().slice(0, 8)}`;
  const env = {
    DATABASE_URL: uri,
    PC_DB_SCHEMA: schema,
    PC_THROTTLE_LIMIT: '0',
    PC_WORKER: 'false',
    PC_PROVISIONING_DELAY_SECONDS: '1',
    LOG_LEVEL: 'warn',
  };
  const db = await openDatabase({ url: uri, schema });
  const servers: ServerProcess[] = [];
  servers.push(await startServer(env));
  servers.push(await startServer(env));
  const worker = await startWorker(env);
  log(`API processes ${servers.map((s) => s.url).join(', ')}; a worker process`);

  const violations: string[] = [];
  // An API process that dies under the failover is a failure in itself: say so at once, with its output.
  for (const [i, s] of servers.entries()) {
    void s.exited.then((code) => {
      if (stopping) return;
      log(`API process ${i} exited (${code}) during the run:\n${s.output().slice(-3000)}`);
      process.exit(1);
    });
  }
  try {
    const partners = await Promise.all(Array.from({ length: o.partners }, (_, i) => sandboxPartner(servers[i % 2].url, 2, `failover-${i}`)));
    const clients = Array.from({ length: o.clients }, (_, i) => {
      const p = partners[i % partners.length];
      return client(servers, p, p.customers[Math.floor(i / partners.length) % p.customers.length].id);
    });
    await sleep(o.settle * 1000);
    for (const name of o.events.split(',').filter(Boolean)) {
      await failover(name);
      await sleep(o.settle * 1000);
    }
    stopping = true;
    log('load stopped; waiting for the clients to finish their requests');
    await Promise.all(clients);

    log('waiting for every pending order to complete');
    const pending = await waitForProvisioning(db, 240);
    if (pending) violations.push(`${pending} order(s) still pending`);
    // A failover is no provisioning failure: no line may end Unfulfilled for it.
    const [{ unfulfilled }] = await db.query<{ unfulfilled: number }>(
      `SELECT count(*)::int AS unfulfilled FROM order_line_items WHERE provisioning_status = 'Unfulfilled'`,
    );
    if (unfulfilled) violations.push(`${unfulfilled} order line(s) Unfulfilled`);

    // Every 201 checkout is in the database, with its orders; every answer for a cart named the same orders.
    for (const [cartId, answers] of checkouts) {
      const first = answers[0].orderIds.slice().sort().join(',');
      for (const a of answers) if (a.orderIds.slice().sort().join(',') !== first) violations.push(`cart ${cartId}: two checkouts named different orders`);
      const rows = await db.query<{ id: string }>('SELECT id FROM orders WHERE cart_id = $1', [cartId]);
      const stored = rows.map((r) => r.id).sort().join(',');
      if (stored !== first) violations.push(`cart ${cartId}: its checkout answered orders ${first}, the database has ${stored || 'none'}`);
      const [cart] = await db.query<{ status: string }>('SELECT status FROM carts WHERE id = $1', [cartId]);
      if (cart?.status !== 'Ordered') violations.push(`cart ${cartId}: checked out (201) but ${cart?.status ?? 'missing'}`);
    }
    const lost = operations.filter((op) => op.status === 'lost');
    if (lost.length) violations.push(`${lost.length} request(s) got no final answer in ${o['give-up']} s`);
    const unexpected = operations.filter((op) => typeof op.status === 'number' && op.status >= 400);
    for (const op of unexpected.slice(0, 10)) violations.push(`${op.kind} ${op.requestId}: final answer ${op.status} ${op.text.slice(0, 200)}`);

    const consistency = await run(process.execPath, [BIN, 'check-consistency'], { env: { ...process.env, ...env } }).then(
      (r) => ({ ok: true, text: r.stdout.trim() }),
      (e: { stdout?: string; stderr?: string }) => ({ ok: false, text: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() }),
    );
    log(`check:consistency: ${consistency.text}`);
    if (!consistency.ok) violations.push(`check:consistency: ${consistency.text}`);

    report(violations);
  } finally {
    stopping = true;
    await Promise.all(servers.map((s) => s.stop()));
    await worker.stop();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await db.close();
    if (!o.keep) await formation('stop');
  }
  if (violations.length) process.exitCode = 1;
}

/** The error budget: attempts that were not final answers, by status, and the time around each failover they span. */
function report(violations: string[]) {
  const failed = attempts.filter((a) => a.status === 'network' || a.status === 409 || a.status === 429 || (a.status as number) >= 500);
  const byStatus = new Map<string, number>();
  for (const a of failed) byStatus.set(String(a.status), (byStatus.get(String(a.status)) ?? 0) + 1);
  const kinds: Kind[] = ['create', 'update', 'checkout', 'read'];
  console.log('\nrequests (logical, each retried with its MS-RequestId until a final answer):');
  printTable([
    ['kind', 'requests', 'attempts', 'retried', 'final 2xx', 'final 4xx', 'lost'],
    ...kinds.map((k) => {
      const ops = operations.filter((op) => op.kind === k);
      return [
        k,
        ops.length,
        ops.reduce((n, op) => n + op.attempts, 0),
        ops.filter((op) => op.attempts > 1).length,
        ops.filter((op) => typeof op.status === 'number' && op.status < 300).length,
        ops.filter((op) => typeof op.status === 'number' && op.status >= 400).length,
        ops.filter((op) => op.status === 'lost').length,
      ];
    }),
  ]);
  const unknown = failed.filter((a) => a.outcomeUnknown).length;
  console.log(`\nattempts that failed (retryable): ${failed.length} of ${attempts.length} — ${[...byStatus].map(([s, n]) => `${s}: ${n}`).join(', ') || 'none'}`);
  console.log(`  of which 503 after an unanswered COMMIT (resolved by the retry's MS-RequestId): ${unknown}`);
  const windows = events.map((e, i) => {
    const end = events[i + 1]?.at ?? Infinity;
    const mine = failed.filter((a) => a.start >= e.at - 1 && a.start < end);
    const first = Math.min(...mine.map((a) => a.start));
    const last = Math.max(...mine.map((a) => a.end));
    return {
      event: e.name,
      promotedAfterS: +(e.promoted - e.at).toFixed(1),
      failedAttempts: mine.length,
      statuses: Object.fromEntries([...new Set(mine.map((a) => String(a.status)))].map((s) => [s, mine.filter((a) => String(a.status) === s).length])),
      errorWindowS: mine.length ? +(last - first).toFixed(1) : 0,
      slowestAttemptS: +Math.max(0, ...attempts.filter((a) => a.start >= e.at - 1 && a.start < end).map((a) => a.end - a.start)).toFixed(1),
    };
  });
  console.log('\nper failover (from the primary going away until the next event):');
  printTable([
    ['event', 'promoted after s', 'failed attempts', 'statuses', 'errors span s', 'slowest attempt s'],
    ...windows.map((w) => [w.event, w.promotedAfterS, w.failedAttempts, JSON.stringify(w.statuses), w.errorWindowS, w.slowestAttemptS]),
  ]);
  const checkoutCarts = checkouts.size;
  console.log(`\ncarts checked out (201): ${checkoutCarts}; PUTs answered: ${puts.size}; duration ${now().toFixed(0)} s`);
  console.log(violations.length ? `\nVIOLATIONS (${violations.length}):\n  ${violations.join('\n  ')}` : '\nno violations');
  if (o.out) {
    writeFileSync(o.out, JSON.stringify({ events, windows, byStatus: Object.fromEntries(byStatus), outcomeUnknown: unknown, operations: operations.length, attempts: attempts.length, checkoutCarts, violations }, null, 2));
  }
}

await main();
