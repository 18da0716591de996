/**
 * Tokens: the sandbox issuer signs RS256 JWTs with a key kept in the database (so every API process
 * signs and verifies alike); in `jwks` mode tokens of an external issuer are verified through its JWKS.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import {
  SignJWT,
  createLocalJWKSet,
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import type { Queryable } from '../db/database.js';
import type { Config } from '../config.js';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>;

/** Who is calling: the partner tenant, the app, and the signed-in user for app+user tokens. */
export interface Principal {
  tenantId: string;
  appId: string;
  kind: 'app' | 'app+user';
  userId?: string;
  upn?: string;
}

export const SANDBOX_ISSUER = 'urn:partner-commerce:sandbox';
const TOKEN_LIFETIME_S = 3600;
/**
 * How far the issuer's clock may be from ours, in seconds: `exp` may be this far past, `iat` and
 * `nbf` this far ahead. Five minutes, Microsoft.IdentityModel's default for Entra ID tokens.
 */
export const CLOCK_SKEW_S = 300;
/** The longest lifetime (`exp` - `iat`) a token may have: Entra ID's configurable maximum, one day. */
export const MAX_TOKEN_LIFETIME_S = 86_400;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Longest app id, user object id or UPN taken from a token (they reach audit records and carts). */
const MAX_CLAIM_LENGTH = 256;

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${(await scrypt(secret, salt, 32)).toString('base64')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(actual, expected);
}

export interface TokenService {
  /** Verifies a bearer token; throws when it is not valid. */
  verify(token: string): Promise<Principal>;
  /** Sandbox mode only: signs a token for a principal. */
  issue?(p: Principal): Promise<{ token: string; expiresIn: number }>;
  /** Sandbox mode only: the public keys, as a JWKS document. */
  jwks?(): { keys: JWK[] };
}

/** Loads (or creates, once across processes) the sandbox signing key. */
async function sandboxKey(db: Queryable) {
  const load = () => db.query<{ kid: string; private_jwk: JWK; public_jwk: JWK }>(
    'SELECT kid, private_jwk, public_jwk FROM signing_keys ORDER BY created_at DESC LIMIT 1',
  );
  let rows = await load();
  if (rows.length === 0) {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `sandbox-${Date.now().toString(36)}`;
    await db.query(
      'INSERT INTO signing_keys (kid, private_jwk, public_jwk) SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM signing_keys)',
      [kid, await exportJWK(privateKey), { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }],
    );
    rows = await load();
  }
  return rows[0];
}

/** A string claim of at most MAX_CLAIM_LENGTH characters, or undefined; any other type makes the token invalid. */
function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const v = payload[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_CLAIM_LENGTH) throw new Error(`token claim ${name} is not valid`);
  return v;
}

/** The caller a verified token names; throws when its claims do not make one (the auth plugin answers 401). */
function principalFrom(payload: JWTPayload): Principal {
  const tid = payload.tid;
  // Every query is scoped by the tenant id, a uuid column: anything but a GUID must stop here.
  if (typeof tid !== 'string' || !GUID.test(tid)) throw new Error('token tid is not a GUID');
  const appId = stringClaim(payload, 'appid') ?? stringClaim(payload, 'azp');
  if (!appId) throw new Error('token lacks appid');
  const isUser = stringClaim(payload, 'scp') !== undefined;
  return {
    tenantId: tid.toLowerCase(),
    appId,
    kind: isUser ? 'app+user' : 'app',
    userId: isUser ? stringClaim(payload, 'oid') : undefined,
    upn: isUser ? stringClaim(payload, 'upn') : undefined,
  };
}

/**
 * The time checks both auth modes apply, beyond the signature, issuer and audience: `exp` and `iat`
 * are required (a token without `exp` would never expire), `nbf`, `iat` and `exp` hold within
 * CLOCK_SKEW_S, and no token lives longer than MAX_TOKEN_LIFETIME_S.
 */
const TIME_CHECKS: JWTVerifyOptions = { requiredClaims: ['exp', 'iat'], clockTolerance: CLOCK_SKEW_S, maxTokenAge: MAX_TOKEN_LIFETIME_S };

function checkLifetime(payload: JWTPayload): JWTPayload {
  if (payload.exp! - payload.iat! > MAX_TOKEN_LIFETIME_S) throw new Error('token lifetime is longer than allowed');
  return payload;
}

/** Tokens remembered once verified; a client sends the same one for its whole lifetime. */
const REMEMBERED_TOKENS = 2_000;

/**
 * Verifies each distinct token once: an RS256 signature check costs more CPU than the rest of a GET,
 * and clients send the same bearer token on every call. A remembered token is accepted only until
 * its own `exp` (every verified token has one, at most a day after its `iat`); the oldest entries make room.
 */
function remembered(verify: (token: string) => Promise<JWTPayload>): (token: string) => Promise<Principal> {
  const known = new Map<string, { principal: Principal; exp: number }>();
  return async (token) => {
    const hit = known.get(token);
    if (hit && hit.exp > Date.now() / 1000) return { ...hit.principal };
    if (hit) known.delete(token);
    const payload = checkLifetime(await verify(token));
    const principal = principalFrom(payload);
    if (known.size >= REMEMBERED_TOKENS) known.delete(known.keys().next().value!);
    known.set(token, { principal, exp: payload.exp! });
    return { ...principal };
  };
}

export async function createTokenService(config: Config, db: Queryable): Promise<TokenService> {
  if (config.authMode === 'jwks') {
    if (!config.jwksUrl || !config.jwtIssuer) throw new Error('PC_AUTH_MODE=jwks needs PC_JWKS_URL and PC_JWT_ISSUER');
    const keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(config.jwksUrl), { cacheMaxAge: 10 * 60_000 });
    return {
      verify: remembered(async (token) => (await jwtVerify(token, keys, { ...TIME_CHECKS, issuer: config.jwtIssuer, audience: config.audiences })).payload),
    };
  }
  const key = await sandboxKey(db);
  const privateKey = await importJWK(key.private_jwk, 'RS256');
  const publicSet = createLocalJWKSet({ keys: [key.public_jwk] });
  return {
    verify: remembered(async (token) => (await jwtVerify(token, publicSet, { ...TIME_CHECKS, algorithms: ['RS256'], issuer: SANDBOX_ISSUER, audience: config.audiences })).payload),
    async issue(p) {
      const claims: JWTPayload = { tid: p.tenantId, appid: p.appId, idtyp: p.kind === 'app' ? 'app' : 'user' };
      if (p.kind === 'app+user') Object.assign(claims, { scp: 'user_impersonation', oid: p.userId, upn: p.upn });
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
        .setIssuer(SANDBOX_ISSUER)
        .setAudience(config.audiences[0])
        .setSubject(p.userId ?? p.appId)
        .setIssuedAt()
        .setExpirationTime(`${TOKEN_LIFETIME_S}s`)
        .sign(privateKey);
      return { token, expiresIn: TOKEN_LIFETIME_S };
    },
    jwks: () => ({ keys: [key.public_jwk] }),
  };
}
