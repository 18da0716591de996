/**
 * Failed sign-ins at /oauth2/token are limited per client id (or user name) and per source address,
 * across processes: over a limit, 429 with Retry-After and Partner Center's 429 body, before any
 * password hash. Successful sign-ins are never counted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../src/app.js';
import { addressKey } from '../src/modules/sandbox/signin-throttle.js';
import { engine, newPartner, startApp, type Partner, type TestContext } from './helpers.js';

const signIn = (app: FastifyInstance, from: string, form: Record<string, string>) =>
  app.inject({
    method: 'POST',
    url: '/oauth2/token',
    remoteAddress: from,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(form).toString(),
  });
const app = (p: Partner, secret = p.clientSecret) => ({ grant_type: 'client_credentials', client_id: p.clientId, client_secret: secret });

function assertThrottled(res: LightMyRequestResponse, what: string) {
  assert.equal(res.statusCode, 429, `${what}: ${res.statusCode} ${res.body}`);
  const seconds = Number(res.headers['retry-after']);
  assert.ok(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60, `Retry-After ${res.headers['retry-after']}`);
  assert.deepEqual(res.json(), { statusCode: 429, message: `Rate limit is exceeded. Try again in ${seconds} seconds.` });
}

describe(`sign-in throttling (${engine})`, () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await startApp({ PC_SIGNIN_MAX_FAILURES_PER_CLIENT: '3', PC_SIGNIN_MAX_FAILURES_PER_ADDRESS: '6' });
  });
  after(() => ctx.close());

  // Each test signs in from addresses of its own; should a window end among its failures, it runs again.
  const inOneWindow = async (run: () => Promise<boolean>) => {
    for (let round = 0; round < 2; round++) if (await run()) return;
    assert.fail('no 429 in two windows');
  };

  test('per client id: after 3 wrong secrets, 429 even for the right one; other clients unaffected', async () => {
    const b = await newPartner(ctx.app);
    await inOneWindow(async () => {
      const a = await newPartner(ctx.app);
      const from = `10.1.0.${1 + Math.floor(Math.random() * 200)}`;
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await signIn(ctx.app, `10.2.0.${i}`, app(a, 'wrong'))).statusCode);
      assert.deepEqual(codes, [401, 401, 401]);
      const next = await signIn(ctx.app, from, app(a, 'wrong'));
      if (next.statusCode !== 429) return false;
      assertThrottled(next, 'fourth wrong secret');
      assertThrottled(await signIn(ctx.app, from, app(a)), 'the right secret while locked');
      assert.equal((await signIn(ctx.app, from, app(b))).statusCode, 200, 'another client from the same address');
      return true;
    });
  });

  test('per user name (password grant), in any case', async () => {
    await inOneWindow(async () => {
      const a = await newPartner(ctx.app);
      for (let i = 0; i < 3; i++) {
        const res = await signIn(ctx.app, `10.3.0.${i}`, { grant_type: 'password', username: a.username.toUpperCase(), password: 'wrong' });
        assert.equal(res.statusCode, 401);
      }
      const res = await signIn(ctx.app, '10.3.1.1', { grant_type: 'password', username: a.username, password: a.password });
      if (res.statusCode !== 429) return false;
      assertThrottled(res, 'user locked');
      return true;
    });
  });

  test('per source address: 6 failures over any client ids, then 429 for everyone from there (IPv6 by /64)', async () => {
    const c = await newPartner(ctx.app);
    await inOneWindow(async () => {
      const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:1`;
      for (let i = 0; i < 6; i++) {
        const res = await signIn(ctx.app, `${prefix}::${i + 1}`, { grant_type: 'client_credentials', client_id: randomUUID(), client_secret: 'x' });
        assert.equal(res.statusCode, 401);
      }
      const res = await signIn(ctx.app, `${prefix}::ff`, app(c));
      if (res.statusCode !== 429) return false;
      assertThrottled(res, 'address locked');
      assert.equal((await signIn(ctx.app, '10.4.0.1', app(c))).statusCode, 200, 'the same client from elsewhere');
      return true;
    });
  });

  test('successful sign-ins are never counted', async () => {
    const p = await newPartner(ctx.app);
    for (let i = 0; i < 12; i++) assert.equal((await signIn(ctx.app, '10.5.0.1', app(p))).statusCode, 200);
  });

  test('the counts are shared by every API process on the database', async () => {
    const other = await buildApp({ config: ctx.config, db: ctx.db });
    await other.ready();
    try {
      await inOneWindow(async () => {
        const a = await newPartner(ctx.app);
        for (let i = 0; i < 3; i++) assert.equal((await signIn(i % 2 ? other : ctx.app, `10.6.0.${i}`, app(a, 'wrong'))).statusCode, 401);
        const res = await signIn(other, '10.6.1.1', app(a));
        if (res.statusCode !== 429) return false;
        assertThrottled(res, 'the other process');
        return true;
      });
    } finally {
      await other.close();
    }
  });

  test('address keys: IPv4 as it is, mapped IPv4 unmapped, IPv6 by its /64', () => {
    assert.equal(addressKey('10.0.0.5'), '10.0.0.5');
    assert.equal(addressKey('::ffff:10.0.0.5'), '10.0.0.5');
    assert.equal(addressKey('2001:db8:0:1::5'), '2001:db8:0:1::/64');
    assert.equal(addressKey('2001:0DB8:0000:0001:1:2:3:4'), '2001:db8:0:1::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  });
});
