/**
 * `jwks` auth mode: tokens of an external issuer (Entra ID in production) verified through its JWKS,
 * with issuer, audience (Partner Center's and the Azure AD Graph one the SDKs request), expiry and signature.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { call, startApp, type TestContext } from './helpers.js';

const ISSUER = 'https://sts.windows.net/11111111-2222-4333-8444-555555555555/';
let ctx: TestContext;
let jwksServer: Server;
let jwksHits = 0;
let signingKey: CryptoKey;
let otherKey: CryptoKey;

before(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwksServer = createServer((_req, res) => {
    jwksHits++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const { port } = jwksServer.address() as AddressInfo;
  ctx = await startApp({ PC_AUTH_MODE: 'jwks', PC_JWKS_URL: `http://127.0.0.1:${port}/keys`, PC_JWT_ISSUER: ISSUER });
});
after(async () => {
  await ctx.close();
  jwksServer.close();
});

const tenant = randomUUID();
/** A token of the external issuer; `exp: null` leaves `exp` out. */
const sign = (claims: JWTPayload, opts: { key?: CryptoKey; iss?: string; aud?: string; exp?: string | number | null; iat?: number } = {}) => {
  const jwt = new SignJWT({ tid: tenant, appid: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? 'https://graph.windows.net')
    .setIssuedAt(opts.iat);
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? '1h');
  return jwt.sign(opts.key ?? signingKey);
};

test("an app-only token for the Azure AD Graph audience is accepted, scoped to its tenant", async () => {
  const res = await call(ctx.app, 'GET', '/v1/customers', { token: await sign({}) });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().items, []);
  const pc = await call(ctx.app, 'GET', '/v1/customers', { token: await sign({}, { aud: 'https://api.partnercenter.microsoft.com' }) });
  assert.equal(pc.statusCode, 200);
  assert.ok(jwksHits >= 1 && jwksHits <= 2, `the JWKS is cached (${jwksHits} fetches)`);
});

test('app+user tokens (scp) reach app+user-only routes; app-only tokens do not', async () => {
  const url = `/v1/customers/${randomUUID()}/orders/abc/provisioningstatus`;
  const user = await call(ctx.app, 'GET', url, { token: await sign({ scp: 'user_impersonation', oid: randomUUID(), upn: 'a@b.c' }) });
  assert.equal(user.statusCode, 404, 'past authorization: the customer does not exist');
  const app = await call(ctx.app, 'GET', url, { token: await sign({}) });
  assert.equal(app.statusCode, 403);
});

test('wrong issuer, audience, signature, expiry, issue time or tenant: 401', async () => {
  const now = Math.floor(Date.now() / 1000);
  const bad = [
    await sign({}, { exp: null }),
    await sign({}, { iat: now + 86_400, exp: now + 90_000 }),
    await sign({}, { exp: now + 30 * 86_400 }),
    await sign({ nbf: now + 3600 }),
    await sign({ tid: 'contoso.onmicrosoft.com' }),
    await sign({ tid: 12 }),
    await sign({}, { iss: 'https://evil.example/' }),
    await sign({}, { aud: 'https://management.azure.com' }),
    await sign({}, { key: otherKey }),
    await sign({}, { iat: now - 3600, exp: now - 600 }),
    await sign({ tid: undefined }),
  ];
  for (const token of bad) {
    const res = await call(ctx.app, 'GET', '/v1/customers', { token });
    assert.equal(res.statusCode, 401, `${JSON.stringify(decodeJwt(token))}: ${res.body}`);
    assert.equal(res.json().code, 400);
  }
});

test('the sandbox issuer and control API do not exist in jwks mode', async () => {
  const token = await ctx.app.inject({ method: 'POST', url: '/oauth2/token', payload: 'grant_type=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(token.statusCode, 404);
  const partners = await ctx.app.inject({ method: 'POST', url: '/sandbox/partners', payload: {} });
  assert.equal(partners.statusCode, 404);
});
