/**
 * Token verification in sandbox mode: tokens signed with the sandbox issuer's own key but with
 * claims a forger chooses (no `exp`, `iat` ahead of the clock, a lifetime of years, a `tid` that is
 * not a GUID) are 401 with Partner Center's body, never accepted and never a 5xx.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT, importJWK, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { SANDBOX_ISSUER } from '../src/auth/tokens.js';
import { call, engine, newPartner, startApp, type Partner, type TestContext } from './helpers.js';

describe(`sandbox tokens (${engine})`, () => {
  let ctx: TestContext;
  let p: Partner;
  let key: { kid: string; privateKey: CryptoKey };
  before(async () => {
    ctx = await startApp();
    p = await newPartner(ctx.app);
    const [row] = await ctx.db.query<{ kid: string; private_jwk: JWK }>('SELECT kid, private_jwk FROM signing_keys');
    key = { kid: row.kid, privateKey: (await importJWK(row.private_jwk, 'RS256')) as CryptoKey };
  });
  after(() => ctx.close());

  const now = () => Math.floor(Date.now() / 1000);
  /** A token signed with the sandbox key; `claims` override the well-formed defaults (undefined removes one). */
  const forge = (claims: JWTPayload) => {
    const payload: JWTPayload = { iss: SANDBOX_ISSUER, aud: ctx.config.audiences[0], tid: p.tenantId, appid: p.clientId, iat: now(), exp: now() + 3600, ...claims };
    for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  };
  const customers = async (token: string) => call(ctx.app, 'GET', `/v1/customers/${p.customers[0].id}`, { token });
  const assert401 = async (token: string, what: string) => {
    const res = await customers(token);
    assert.equal(res.statusCode, 401, `${what}: ${res.statusCode} ${res.body}`);
    assert.equal(res.json().code, 400, what);
    assert.match(String(res.headers['www-authenticate']), /^OAuth realm=urn:cpsvc:cpid:/, what);
  };

  test('a well-formed token, and clocks a little apart (within the skew), are accepted', async () => {
    assert.equal((await customers(await forge({}))).statusCode, 200);
    assert.equal((await customers(await forge({ iat: now() + 60, nbf: now() + 60 }))).statusCode, 200, 'issuer clock a minute ahead');
    assert.equal((await customers(await forge({ iat: now() - 3600, exp: now() - 60 }))).statusCode, 200, 'expired a minute ago');
  });

  test('a token without exp is refused: it would never expire', async () => {
    await assert401(await forge({ exp: undefined }), 'no exp');
  });

  test('a token issued in the future (past the skew) or not yet valid is refused', async () => {
    await assert401(await forge({ iat: now() + 86_400, exp: now() + 90_000 }), 'iat a day ahead');
    await assert401(await forge({ iat: now() + 3600 }), 'iat an hour ahead');
    await assert401(await forge({ nbf: now() + 3600 }), 'nbf an hour ahead');
    await assert401(await forge({ iat: undefined }), 'no iat');
  });

  test('a token expired beyond the skew, or living longer than a day, is refused', async () => {
    await assert401(await forge({ iat: now() - 7200, exp: now() - 3600 }), 'expired an hour ago');
    await assert401(await forge({ exp: now() + 10 * 365 * 86_400 }), 'ten years');
  });

  test('a tid that is not a GUID, or claims of the wrong type, are 401 on every route (not 500)', async () => {
    const c = p.customers[0];
    const urls = ['/v1/customers', `/v1/customers/${c.id}`, `/v1/customers/${c.id}/carts/${c.cartId}`, `/v1/customers/${c.id}/orders`, `/v1/customers/${c.id}/subscriptions`, '/v1/auditrecords?startDate=2026-01-01'];
    const bad = [
      await forge({ tid: 'not-a-guid' }),
      await forge({ tid: `${p.tenantId}x` }),
      await forge({ tid: 42 }),
      await forge({ appid: { id: 1 } }),
      await forge({ appid: undefined }),
      await forge({ scp: 'user_impersonation', oid: { x: 1 } }),
      await forge({ scp: 'user_impersonation', oid: randomUUID(), upn: ['a'] }),
    ];
    for (const token of bad) {
      for (const url of urls) {
        const res = await call(ctx.app, 'GET', url, { token });
        assert.equal(res.statusCode, 401, `${url}: ${res.statusCode} ${res.body}`);
        assert.equal(res.json().code, 400);
      }
    }
  });

  test('an upper-case GUID tid is the same tenant', async () => {
    assert.equal((await customers(await forge({ tid: p.tenantId.toUpperCase() }))).statusCode, 200);
  });
});
