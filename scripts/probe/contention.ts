/**
 * `npm run probe:contention`: exactly-once checkout under contention, across two real server
 * processes on one PostgreSQL (issue 13's first two figures). Each cart gets several racing submits
 * over both processes (ids of their own, one id shared by 2–3 of them, SDK-like retries of the same id
 * after a 409 or a dropped connection), a PUT of new lines racing them, then a replay of the shared id
 * and its reuse on another cart (must be 400). A kill phase SIGKILLs one process mid-load each round,
 * restarts it and checks the database. At the end every id without a final answer is sent once more
 * (after the dead processes' leases ran out): it must get one. docs/probes.md lists the checks.
 */
import { performance } from 'node:perf_hooks';
import { checkConsistency } from '../../packages/server/src/consistency.js';
import { openDatabase } from '../../packages/server/src/db/database.js';
import { LEASE_SECONDS } from '../../packages/server/src/plugins/replay.js';
import { dropSchema, flags, groupBy, freshSchema, http, inPool, printTable, Rng, sandboxPartner, sleep, startServer, type SandboxPartner, type ServerProcess } from './support.js';

const usage = `DATABASE_URL=postgres://… npm run probe:contention [-- options]
  --carts=1700        carts of the race phase
  --submits=10000     checkout submits of the race phase, at least (sets the submits per cart; retries add more)
  --kills=6           kill -9 rounds (alternating between the two processes); 0 skips the kill phase
  --kill-carts=100    carts per kill round
  --partners=10       sandbox partners the carts are spread over
  --concurrency=16    carts in flight at once (each with its submits and PUT)
  --seed=1            PRNG seed of the plan (kinds, delays, quantities)
  --keep-schema       keep the PostgreSQL schema afterwards`;

const o = flags(usage, { carts: 1700, submits: 10_000, kills: 6, 'kill-carts': 100, partners: 10, concurrency: 16, seed: 1, 'keep-schema': false });
const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL?.startsWith('postgres')) {
  console.error(`probe:contention needs PostgreSQL (two processes on one database): set DATABASE_URL\n${usage}`);
  process.exit(2);
}
/** Each cart: its racing submits, then one replay and one reuse of the shared id. */
const perCart = Math.max(3, Math.ceil(o.submits / o.carts) - 2);
const MAX_RETRIES = 6;
/** Lines a PUT gives a cart: two NCE monthly items (one order group), with quantities of its own. */
const PUT_ITEMS = [
  { catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', termDuration: 'P1M' },
  { catalogItemId: 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ', termDuration: 'P1Y' },
];
const rng = new Rng(o.seed);
const schema = freshSchema('probe_contention');
const env = { DATABASE_URL, PC_DB_SCHEMA: schema, PC_THROTTLE_LIMIT: '0' };

interface Cart {
  partner: SandboxPartner;
  customerId: string;
  id: string;
}
type Role = 'submit' | 'retry' | 'replay' | 'reuse' | 'recover';
interface Sent {
  phase: string;
  cart: Cart;
  id: string;
  role: Role;
  status: number | 'dropped';
  code?: number;
  replayed: boolean;
  text: string;
}
interface Put {
  phase: string;
  cart: Cart;
  status: number | 'dropped';
  code?: number;
  lines: { catalogItemId: string; quantity: number }[];
  t0: number;
  t1: number;
  /** When the cart's first submit was sent. */
  firstSubmit: number;
}

const servers: ServerProcess[] = [];
const sent: Sent[] = [];
const puts: Put[] = [];
const retryable = (s: number | 'dropped') => s === 'dropped' || s === 409 || s === 429 || s >= 500;
const codeOf = (status: number, text: string) => {
  try {
    return status >= 400 ? (JSON.parse(text) as { code?: number }).code : undefined;
  } catch {
    return undefined;
  }
};

async function submit(phase: string, cart: Cart, id: string, role: Role, abortAfterMs?: number): Promise<Sent> {
  const s: Sent = { phase, cart, id, role, status: 'dropped', replayed: false, text: '' };
  try {
    const a = await http(servers[rng.int(0, 1)].url, 'POST', `/v1/customers/${cart.customerId}/carts/${cart.id}/checkout`, {
      token: cart.partner.token,
      headers: { 'MS-RequestId': id },
      body: '"success"',
      signal: abortAfterMs ? AbortSignal.timeout(abortAfterMs) : undefined,
    });
    Object.assign(s, { status: a.status, text: a.text, replayed: a.headers.get('idempotent-replayed') === 'true', code: codeOf(a.status, a.text) });
  } catch {
    // refused, reset or aborted: the client never saw an answer
  }
  sent.push(s);
  return s;
}

/** As the SDKs do: the same MS-RequestId again after a dropped connection or a retryable answer. */
async function submitWithRetries(phase: string, cart: Cart, id: string, dropFirst: boolean): Promise<void> {
  for (let attempt = 0; attempt <= MAX_RETRIES; attempt++) {
    const s = await submit(phase, cart, id, attempt ? 'retry' : 'submit', dropFirst && attempt === 0 ? rng.int(1, 40) : undefined);
    if (!retryable(s.status)) return;
    await sleep(Math.min(1000, 25 * 2 ** attempt) * (0.5 + rng.next()));
  }
}

async function put(phase: string, cart: Cart, firstSubmit: () => number): Promise<void> {
  const lines = PUT_ITEMS.map(({ catalogItemId }) => ({ catalogItemId, quantity: rng.int(1, 300) }));
  const body = { lineItems: lines.map((l, i) => ({ id: i, ...l, billingCycle: 'monthly', termDuration: PUT_ITEMS[i].termDuration })) };
  const p: Put = { phase, cart, status: 'dropped', lines, t0: performance.now(), t1: 0, firstSubmit: 0 };
  try {
    const a = await http(servers[rng.int(0, 1)].url, 'PUT', `/v1/customers/${cart.customerId}/carts/${cart.id}`, { token: cart.partner.token, body });
    Object.assign(p, { status: a.status, code: codeOf(a.status, a.text) });
  } catch {
    // the process died under it
  }
  p.t1 = performance.now();
  p.firstSubmit = firstSubmit();
  puts.push(p);
}

/** One cart's race: submits (shared id, own ids, dropped first tries) and a PUT, then a replay and a reuse. */
async function race(phase: string, cart: Cart, other: Cart): Promise<void> {
  const shared = rng.uuid();
  const sharing = rng.int(2, 3);
  let first = Infinity;
  const submits = Array.from({ length: perCart }, (_, j) => {
    const id = j < sharing ? shared : rng.uuid();
    const drop = j >= sharing && rng.chance(0.4);
    return () =>
      sleep(15 + rng.int(0, 5)).then(() => {
        first = Math.min(first, performance.now());
        return submitWithRetries(phase, cart, id, drop);
      });
  });
  // Mostly the PUT races the submits; a quarter of the carts see it answer first (its lines must be what is ordered).
  const putFirst = rng.chance(0.25);
  const putting = putFirst ? put(phase, cart, () => first) : sleep(rng.int(0, 30)).then(() => put(phase, cart, () => first));
  if (putFirst) await putting;
  await Promise.all([...submits.map((s) => s()), putting]);
  await submit(phase, cart, shared, 'replay');
  await submit(phase, other, shared, 'reuse');
}

/** Lines of the carts made through the API (the sandbox's own carts have the checkout doc's 4 lines, 3 groups). */
const NEW_CART = {
  lineItems: [
    { id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
    { id: 1, catalogItemId: 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ', quantity: 1, billingCycle: 'monthly', termDuration: 'P1Y' },
    { id: 2, catalogItemId: 'CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF', quantity: 1, billingCycle: 'annual', termDuration: 'P1Y' },
  ],
};

/** `n` carts: each customer's sandbox cart and 3 more made with POST …/carts (quicker than a customer). */
async function makeCarts(n: number): Promise<Cart[]> {
  const partners = await Promise.all(Array.from({ length: Math.min(o.partners, n) }, (_, i) => sandboxPartner(servers[i % 2].url)));
  const customers = partners.map((p) => ({ partner: p, customerId: p.customers[0].id, id: p.customers[0].cartId }));
  await inPool(8, Array.from({ length: Math.max(0, Math.ceil(n / 4) - customers.length) }, (_, i) => partners[i % partners.length]), async (p, i) => {
    const c = await http(servers[i % 2].url, 'POST', `/sandbox/partners/${p.tenantId}/customers`, { body: {} });
    if (c.status !== 201) throw new Error(`add customer: ${c.status} ${c.text}`);
    const { id, cartId } = JSON.parse(c.text) as { id: string; cartId: string };
    customers.push({ partner: p, customerId: id, id: cartId });
  });
  const carts: Cart[] = [...customers];
  await inPool(8, Array.from({ length: n - carts.length }, (_, i) => customers[i % customers.length]), async (c, i) => {
    const a = await http(servers[i % 2].url, 'POST', `/v1/customers/${c.customerId}/carts`, { token: c.partner.token, body: NEW_CART });
    if (a.status !== 201) throw new Error(`create cart: ${a.status} ${a.text}`);
    carts.push({ ...c, id: (JSON.parse(a.text) as { id: string }).id });
  });
  // Spread each partner's carts and the two kinds over the run.
  for (let i = carts.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [carts[i], carts[j]] = [carts[j], carts[i]];
  }
  return carts;
}

/** Another cart of the same partner (MS-RequestIds are scoped by partner): where a reused id goes. */
const otherOf = (carts: Cart[], i: number) => carts.find((c, j) => j > i && c.partner === carts[i].partner) ?? carts.find((c) => c.partner === carts[i].partner && c !== carts[i])!;

async function killAndRestart(n: number): Promise<void> {
  servers[n].proc.kill('SIGKILL');
  await servers[n].exited;
  servers[n] = await startServer(env);
}

/** Every check on what the clients saw and what the database holds; returns the violations. */
async function verify(db: Awaited<ReturnType<typeof openDatabase>>, carts: Cart[], phases: string[]): Promise<string[]> {
  const v: string[] = [];
  const mine = sent.filter((s) => phases.includes(s.phase));
  for (const s of mine) {
    if (typeof s.status === 'number' && s.status >= 500) v.push(`5xx: ${s.status} on cart ${s.cart.id} id ${s.id}: ${s.text.slice(0, 200)}`);
    if (s.role === 'reuse') {
      if (s.status !== 'dropped' && !(s.status === 400 && s.code === 800002)) v.push(`id ${s.id} reused on cart ${s.cart.id} got ${s.status} ${s.text.slice(0, 160)} (want 400·800002)`);
    } else if (s.status !== 'dropped' && s.status !== 201 && !(s.status === 409 && (s.code === 800060 || s.code === 800064))) {
      v.push(`unexpected answer ${s.status} ${s.text.slice(0, 160)} to id ${s.id} on cart ${s.cart.id}`);
    }
  }
  // Per MS-RequestId: one execution at most; every replay is the first final answer, byte for byte.
  const byId = groupBy(mine.filter((s) => s.role !== 'reuse'), (s) => s.id);
  for (const [id, list] of byId) {
    const finals = list.filter((s) => !retryable(s.status) && !s.replayed);
    if (finals.length > 1) v.push(`id ${id} executed ${finals.length} times: ${finals.map((s) => s.status).join(', ')}`);
    const ref = finals[0] ?? list.find((s) => s.replayed);
    for (const s of list.filter((x) => x.replayed)) {
      if (s.status !== ref!.status || s.text !== ref!.text) v.push(`id ${id}: replay ${s.status} differs from the first final answer ${ref!.status}`);
    }
  }
  // Per cart: every 201 names the same orders, which are the cart's orders in the database.
  const ids = carts.map((c) => c.id);
  const orders = await db.query<{ cart: string; id: string; grp: string }>(
    'SELECT cart_id::text AS cart, id, order_group AS grp FROM orders WHERE cart_id = ANY ($1::uuid[])',
    [ids],
  );
  const ordersOf = groupBy(orders, (r) => r.cart);
  const status = new Map((await db.query<{ id: string; status: string }>('SELECT id::text, status FROM carts WHERE id = ANY ($1::uuid[])', [ids])).map((r) => [r.id, r.status]));
  for (const [cart, list] of groupBy(mine.filter((s) => s.status === 201 && s.role !== 'reuse'), (s) => s.cart.id)) {
    const names = new Set(list.map((s) => (JSON.parse(s.text) as { orders: { id: string }[] }).orders.map((x) => x.id).sort().join(',')));
    const held = (ordersOf.get(cart) ?? []).map((r) => r.id).sort().join(',');
    if (names.size !== 1 || !names.has(held)) v.push(`cart ${cart}: its 201s name ${[...names].join(' | ')}; the database holds ${held}`);
    if (status.get(cart) !== 'Ordered') v.push(`cart ${cart} answered 201 but is ${status.get(cart)}`);
  }
  for (const [cart, list] of ordersOf) {
    const groups = groupBy(list, (r) => r.grp);
    for (const [g, os] of groups) if (os.length > 1) v.push(`duplicate orders: cart ${cart} group ${g} has ${os.length}`);
  }
  // No lost update: a PUT that answered 201 committed before the checkout locked the cart, so its lines are what got ordered.
  const lines = await db.query<{ cart: string; item: string; quantity: number }>(
    `SELECT o.cart_id::text AS cart, ol.offer_id AS item, ol.quantity::int AS quantity
       FROM orders o JOIN order_line_items ol ON ol.order_id = o.id WHERE o.cart_id = ANY ($1::uuid[])`,
    [ids],
  );
  const linesOf = groupBy(lines, (r) => r.cart);
  const key = (ls: { item?: string; catalogItemId?: string; quantity: number }[]) => ls.map((l) => `${l.item ?? l.catalogItemId}×${l.quantity}`).sort().join(' ');
  for (const p of puts.filter((x) => phases.includes(x.phase) && x.status === 201)) {
    const ordered = linesOf.get(p.cart.id);
    if (!ordered) continue;
    const before = p.t1 < p.firstSubmit ? ' (it answered before any submit was sent)' : '';
    if (key(ordered) !== key(p.lines)) v.push(`lost update: cart ${p.cart.id} ordered ${key(ordered)} but its PUT answered 201 with ${key(p.lines)}${before}`);
  }
  for (const p of puts.filter((x) => phases.includes(x.phase))) {
    if (typeof p.status === 'number' && p.status !== 201 && !(p.status === 400 && p.code === 800065) && p.status !== 409) v.push(`PUT of cart ${p.cart.id}: ${p.status}`);
  }
  const report = await checkConsistency(db);
  v.push(...report.violations.map((x) => `check:consistency: ${x}`));
  return v;
}

function summary(phase: string, carts: Cart[], violations: number): (string | number)[] {
  const mine = sent.filter((s) => s.phase === phase);
  const n = (f: (s: Sent) => boolean) => mine.filter(f).length;
  const p = puts.filter((x) => x.phase === phase);
  const executions = new Set(mine.filter((s) => s.status === 201 && !s.replayed && s.role !== 'reuse').map((s) => s.id)).size;
  return [
    phase, carts.length, mine.length, n((s) => s.status === 201), n((s) => s.status === 400), n((s) => s.status === 409), n((s) => s.status === 'dropped'),
    n((s) => typeof s.status === 'number' && ![201, 400, 409].includes(s.status)), n((s) => typeof s.status === 'number' && s.status >= 500), executions,
    n((s) => s.replayed), p.filter((x) => x.status === 201).length, p.filter((x) => x.status === 201 && x.t1 < x.firstSubmit).length, p.filter((x) => x.status === 400).length, violations,
  ];
}

async function main() {
  const t0 = performance.now();
  console.log(`# probe:contention: schema ${schema}, ${o.carts} carts × ${perCart} racing submits (+ retries, a replay and a reuse each), ${o.kills} kill rounds × ${o['kill-carts']} carts, seed ${o.seed}`);
  servers.push(...(await Promise.all([startServer(env), startServer(env)])));
  const db = await openDatabase({ url: DATABASE_URL, schema, poolSize: 2 });
  const violations: string[] = [];
  const rows: (string | number)[][] = [['phase', 'carts', 'submits', '201', '400', '409', 'dropped', 'other', '5xx', 'executions', 'replays', 'PUT 201', 'PUT 201 first', 'PUT 400', 'violations']];
  try {
    const carts = await makeCarts(o.carts + o.kills * o['kill-carts']);
    const raceCarts = carts.slice(0, o.carts);
    console.log(`# ${carts.length} carts made in ${Math.round((performance.now() - t0) / 1000)} s; racing`);
    const tRace = performance.now();
    await inPool(o.concurrency, raceCarts, (c, i) => race('race', c, otherOf(raceCarts, i)));
    const raceSecs = (performance.now() - tRace) / 1000;
    const raceViolations = await verify(db, raceCarts, ['race']);
    violations.push(...raceViolations);
    rows.push(summary('race', raceCarts, raceViolations.length));
    console.log(`# race: ${sent.length} submits in ${Math.round(raceSecs)} s (${Math.round(sent.length / raceSecs)}/s)`);

    let lastKill = 0;
    for (let r = 1; r <= o.kills; r++) {
      const phase = `kill ${r}`;
      const roundCarts = carts.slice(o.carts + (r - 1) * o['kill-carts'], o.carts + r * o['kill-carts']);
      const victim = (r - 1) % 2;
      const killAt = rng.int(Math.ceil(roundCarts.length * 0.2), Math.ceil(roundCarts.length * 0.6));
      let settled = 0;
      let restarting: Promise<void> | undefined;
      await inPool(o.concurrency, roundCarts, async (c, i) => {
        await race(phase, c, otherOf(roundCarts, i));
        if (++settled === killAt) {
          lastKill = performance.now();
          restarting = killAndRestart(victim);
        }
      });
      await restarting;
      const v = await verify(db, roundCarts, [phase]);
      violations.push(...v);
      rows.push(summary(phase, roundCarts, v.length));
      console.log(`# ${phase}: process ${victim ? 'B' : 'A'} killed after ${killAt} of ${roundCarts.length} carts, restarted; ${v.length} violations`);
    }

    // Every id that never got a final answer gets one more try, after any dead process's lease ran out.
    const open = [...groupBy(sent.filter((s) => s.role !== 'reuse'), (s) => s.id)].filter(([, l]) => l.every((s) => retryable(s.status)));
    if (lastKill) await sleep(Math.max(0, lastKill + (LEASE_SECONDS + 2) * 1000 - performance.now()));
    // One cart's open ids one after another: two at once on one cart would rightly meet 409·800064.
    const openByCart = [...groupBy(open, ([, l]) => l[0].cart.id)].map(([, ids]) => ids);
    await inPool(o.concurrency, openByCart, async (ids) => {
      for (const [id, l] of ids) await submit('recover', l[0].cart, id, 'recover');
    });
    // The whole run again (what the rounds reported is not counted twice), with the recovery's answers.
    const rv = (await verify(db, carts, [...new Set(sent.map((s) => s.phase))])).filter((x) => !violations.includes(x));
    const recovered = sent.filter((s) => s.phase === 'recover');
    for (const s of recovered) if (s.status !== 201) rv.push(`recover: id ${s.id} on cart ${s.cart.id} still gets ${s.status} ${s.text.slice(0, 160)}`);
    const [{ unordered }] = await db.query<{ unordered: number }>(`SELECT count(*)::int AS unordered FROM carts WHERE id = ANY ($1::uuid[]) AND status <> 'Ordered'`, [carts.map((c) => c.id)]);
    if (unordered) rv.push(`${unordered} carts that were submitted are not Ordered at the end`);
    violations.push(...rv);
    rows.push(summary('recover', [], rv.length));
    const total = ['total', carts.length, ...rows.slice(1).reduce<number[]>((acc, r) => acc.map((x, i) => x + Number(r[i + 2])), new Array<number>(13).fill(0))];
    rows.push(total);
    const final = await checkConsistency(db);
    console.log(`\n${final.carts} carts in the database, ${final.orderedCarts} Ordered, ${final.orders} orders; ${Math.round((performance.now() - t0) / 1000)} s in all\n`);
    printTable(rows);
    console.log('\n(executions: MS-RequestIds whose first answer was a non-replayed 201; replays: answers with Idempotent-Replayed: true;\n PUT 201 first: PUTs that answered 201 before their cart\'s first submit was sent)');
  } finally {
    const codes = await Promise.all(servers.map((s) => s.stop()));
    const errors = servers.flatMap((s) => s.output().split('\n').filter((l) => /"level":(50|60)/.test(l)));
    if (errors.length) console.log(`\n${errors.length} error log lines from the servers, e.g.:\n${errors.slice(0, 3).join('\n')}`);
    if (codes.some((c) => c !== 0)) violations.push(`a server did not stop cleanly on SIGTERM: exit codes ${codes.join(', ')}`);
    await db.close();
    if (!o['keep-schema']) await dropSchema(DATABASE_URL!, schema);
  }
  if (violations.length) {
    console.log(`\n${violations.length} VIOLATIONS:`);
    for (const x of violations.slice(0, 50)) console.log(`  ${x}`);
    process.exit(1);
  }
  console.log('\nno violations');
}

await main();
