/**
 * Surviving a failover (db/failover.ts, docs/failover.md): multi-host URLs as libpq reads them, a dead
 * host skipped, and, through a TCP proxy between the app and PostgreSQL that cuts the connection at a
 * chosen point, what a lost connection does to a request: before COMMIT the transaction runs again;
 * after COMMIT was sent the answer is a 503 with Retry-After, and the retry with the same MS-RequestId
 * gets the committed checkout, never a second one. `npm run test:failover` does it on a real formation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { isRead, parsePostgresUrl } from '../src/db/failover.js';
import { migrate } from '../src/db/migrate.js';
import { seedCatalog } from '../src/seed/index.js';
import { call, engine, newPartner } from './helpers.js';

const PG = engine === 'postgres';
const onPostgres = { skip: !PG && 'needs PostgreSQL (DATABASE_URL)' };

test('multi-host URLs are read as libpq reads them', () => {
  const t = parsePostgresUrl('postgres://app:s%40cret@db1:6011,db2,[::1]:6013/orders?target_session_attrs=read-write&sslmode=disable');
  assert.deepEqual(t.hosts, [
    { host: 'db1', port: 6011 },
    { host: 'db2', port: 5432 },
    { host: '::1', port: 6013 },
  ]);
  assert.equal(t.config.user, 'app');
  assert.equal(t.config.password, 's@cret');
  assert.equal(t.config.database, 'orders');
  assert.equal(t.requirePrimary, true);
  assert.equal((t.config as Record<string, unknown>).target_session_attrs, undefined);

  const single = parsePostgresUrl('postgresql://postgres@127.0.0.1:5432/test');
  assert.deepEqual(single.hosts, [{ host: '127.0.0.1', port: 5432 }]);
  assert.equal(single.requirePrimary, false, 'one host, no target_session_attrs: as node-postgres always did');
  assert.equal(parsePostgresUrl('postgres://u@h/db?target_session_attrs=primary').requirePrimary, true);
  assert.throws(() => parsePostgresUrl('postgres://u@h1,h2/db?target_session_attrs=standby'), /not supported/);
  assert.throws(() => parsePostgresUrl('postgres://u@h1:5432,h2:99999/db'), /not a port number/);
});

test('DATABASE_URL takes a formation URI; a bad host list is a configuration error', () => {
  const uri = 'postgres://postgres@127.0.0.1:6011,127.0.0.1:6012/partner_commerce?target_session_attrs=read-write';
  assert.equal(loadConfig({ DATABASE_URL: uri }).databaseUrl, uri);
  assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://u@h1:1,h2:x/db' }), /DATABASE_URL is not a valid URL/);
});

test('only plain reads count as safe to run again', () => {
  assert.equal(isRead('SELECT * FROM carts WHERE id = $1'), true);
  assert.equal(isRead('  select 1'), true);
  assert.equal(isRead('SELECT * FROM carts WHERE id = $1 FOR UPDATE NOWAIT'), false);
  assert.equal(isRead('WITH w AS (INSERT INTO t VALUES (1)) SELECT 1'), false);
  assert.equal(isRead('UPDATE request_replays SET state = $1'), false);
});

test('a multi-host URL whose first host is down connects to the next', onPostgres, async () => {
  const { host, port } = parsePostgresUrl(process.env.DATABASE_URL!).hosts[0];
  const dead = await unusedPort();
  const db = await openDatabase({ url: withHosts(process.env.DATABASE_URL!, `127.0.0.1:${dead},${host}:${port}`) });
  try {
    assert.deepEqual(await db.query('SELECT pg_is_in_recovery() AS recovery'), [{ recovery: false }]);
    assert.deepEqual(await db.transaction((tx) => tx.query('SELECT 1 AS one')), [{ one: 1 }]);
  } finally {
    await db.close();
  }
});

test('a connection lost mid-request: a read and an uncommitted checkout run again, a sent COMMIT answers 503 and the retry replays it', onPostgres, async (t) => {
  const proxy = await PgProxy.start(parsePostgresUrl(process.env.DATABASE_URL!).hosts[0]);
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const direct = await openDatabase({ url: process.env.DATABASE_URL, schema, dropSchemaOnClose: true });
  await migrate(direct);
  await seedCatalog(direct);
  // The app's database goes through the proxy; nothing but the calls below commits while it runs.
  const db: Database = await openDatabase({ url: withHosts(process.env.DATABASE_URL!, `127.0.0.1:${proxy.port}`, 'target_session_attrs=read-write'), schema });
  const config = loadConfig({ PC_DATA_DIR: 'memory://', PC_THROTTLE_LIMIT: '0', PC_SANDBOX_REQUEST_LOG_FLUSH_MS: '3600000' });
  const app = await buildApp({ config, db, ...(process.env.TEST_LOG ? { logger: { level: 'error' } } : {}) });
  t.after(async () => {
    await app.close();
    await db.close();
    await direct.close();
    await proxy.close();
  });
  const partner = await newPartner(app);
  const customer = partner.customers[0];
  const ordersOf = (cartId: string) => direct.query<{ id: string }>('SELECT id FROM orders WHERE cart_id = $1 ORDER BY id', [cartId]);
  const newCart = async () => {
    const res = await call(app, 'POST', `/v1/customers/${customer.id}/carts`, {
      token: partner.appToken,
      body: { lineItems: [{ id: 0, catalogItemId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 3, billingCycle: 'monthly', termDuration: 'P1M' }] },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id as string;
  };
  const checkout = (cartId: string, requestId: string) =>
    call(app, 'POST', `/v1/customers/${customer.id}/carts/${cartId}/checkout`, { token: partner.appToken, body: '"success"', headers: { 'ms-requestid': requestId } });

  await t.test('a read whose connection drops is run again on a new one', async () => {
    proxy.arm('next-statement');
    const res = await call(app, 'GET', `/v1/customers/${customer.id}/carts/${customer.cartId}`, { token: partner.appToken });
    assert.equal(proxy.cuts, 1, 'the connection was cut');
    assert.equal(res.statusCode, 200, res.body);
  });

  await t.test('a checkout whose connection drops inside its transaction commits once, on the retry inside', async () => {
    const cartId = await newCart();
    proxy.arm('in-transaction');
    const res = await checkout(cartId, crypto.randomUUID());
    assert.equal(proxy.cuts, 2);
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual((await ordersOf(cartId)).map((o) => o.id), res.json().orders.map((o: { id: string }) => o.id).sort());
  });

  await t.test('a checkout whose COMMIT was sent but not answered: 503 with Retry-After; the retry gets the committed orders', async () => {
    const cartId = await newCart();
    const requestId = crypto.randomUUID();
    proxy.arm('after-commit');
    const first = await checkout(cartId, requestId);
    assert.equal(proxy.cuts, 3);
    assert.equal(first.statusCode, 503, first.body);
    assert.equal(first.headers['retry-after'], '1');
    assert.equal(first.json().code, 800003);
    const committed = await ordersOf(cartId);
    assert.equal(committed.length, 1, 'the COMMIT went through: the order is in');

    const retry = await checkout(cartId, requestId);
    assert.equal(retry.statusCode, 201, retry.body);
    assert.deepEqual(retry.json().orders.map((o: { id: string }) => o.id), committed.map((o) => o.id));
    assert.deepEqual(await ordersOf(cartId), committed, 'no second set of orders');
  });
});

/** `url` with its host list replaced (and `extra` query parameters added). */
function withHosts(url: string, hosts: string, extra?: string): string {
  const replaced = url.replace(/^(postgres(?:ql)?:\/\/(?:[^@/?#]*@)?)[^/?#]*/i, `$1${hosts}`);
  return extra ? `${replaced}${replaced.includes('?') ? '&' : '?'}${extra}` : replaced;
}

async function unusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** The simple-protocol BEGIN and COMMIT node-postgres sends: 'Q', the length, the text. */
const BEGIN = Buffer.concat([Buffer.from([0x51, 0, 0, 0, 10]), Buffer.from('BEGIN\0')]);
const COMMIT = Buffer.concat([Buffer.from([0x51, 0, 0, 0, 11]), Buffer.from('COMMIT\0')]);

/**
 * A TCP proxy in front of PostgreSQL that, once armed, cuts one connection: at its next statement, at
 * the first statement of its next transaction (which then never commits), or after the server answered
 * a COMMIT (committed, the answer lost).
 */
class PgProxy {
  private armed?: 'next-statement' | 'in-transaction' | 'after-commit';
  private readonly sockets = new Set<Socket>();
  cuts = 0;

  private constructor(private readonly server: Server) {}

  static async start(target: { host: string; port: number }): Promise<PgProxy> {
    const server = createServer();
    const proxy = new PgProxy(server);
    server.on('connection', (client) => proxy.pipe(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  arm(mode: PgProxy['armed']) {
    this.armed = mode;
  }

  private pipe(client: Socket, target: { host: string; port: number }) {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
    }
    let swallowAnswer = false;
    let inTransaction = false;
    const cut = () => {
      this.cuts++;
      this.armed = undefined;
      client.destroy();
      upstream.destroy();
    };
    upstream.on('data', (chunk) => {
      if (swallowAnswer) cut(); // the server's answer to the COMMIT: it committed; the client never hears so
      else client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      const statement = chunk[0] === 0x51 || chunk[0] === 0x50 || chunk[0] === 0x42; // Query, Parse or Bind (startup and auth are not)
      if (this.armed === 'next-statement' && statement) return cut();
      if (this.armed === 'in-transaction' && inTransaction && statement) return cut();
      if (chunk.includes(BEGIN)) inTransaction = true;
      if (chunk.includes(COMMIT)) inTransaction = false;
      if (chunk.includes(COMMIT) && this.armed === 'after-commit') swallowAnswer = true;
      upstream.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  async close() {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
