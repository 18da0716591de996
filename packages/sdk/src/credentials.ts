/**
 * Credentials and token acquisition. App-only: a client id and secret, exchanged for a token with
 * `client_credentials` (Entra: `{authority}/{tenant}/oauth2/token` with the Azure AD Graph resource,
 * as the Partner Center SDKs do; the local service: `{baseUrl}/oauth2/token`). App+user: a token
 * provider you supply (e.g. MSAL after the Secure Application Model consent), or a user name and
 * password (the sandbox; Entra ROPC where allowed). Acquired tokens are cached until shortly before
 * they expire; token requests go through the same transport, and so the same retry policy.
 */
import type { Cloud } from './clouds.js';
import { PartnerCenterAuthenticationError, PartnerCenterError } from './errors.js';
import type { TokenGetter, Transport } from './transport.js';

/** App-only credentials: a Partner Center app's id and secret. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** The partner's tenant (id or domain): required to sign in with a cloud's authority. */
  tenant?: string;
  /** Token endpoint, when neither the cloud's authority nor `{baseUrl}/oauth2/token` is right. */
  tokenUrl?: string;
  /** Resource (audience) asked for; default: the cloud's Azure AD Graph resource. */
  resource?: string;
}

/** App+user credentials by user name and password: the sandbox's users (Entra ROPC where allowed). */
export interface PasswordCredentials {
  username: string;
  password: string;
  clientId?: string;
  tenant?: string;
  tokenUrl?: string;
  /** Default: the Partner Center API of the cloud. */
  resource?: string;
}

/** App+user (or any) tokens from your own sign-in code; called before each attempt, so cache in it. */
export interface TokenProviderCredentials {
  getToken: TokenGetter;
}

/** A token you already have; not refreshed. */
export interface AccessTokenCredentials {
  accessToken: string;
}

export type Credentials = ClientCredentials | PasswordCredentials | TokenProviderCredentials | AccessTokenCredentials | TokenGetter;

/** An access token and when it stops being valid (epoch milliseconds). */
export interface AccessToken {
  accessToken: string;
  expiresAt: number;
}

/** Where acquired tokens are kept between processes (the CLI keeps them in its config file). */
export interface TokenCache {
  get(): AccessToken | undefined | Promise<AccessToken | undefined>;
  set(token: AccessToken): void | Promise<void>;
}

/** Where tokens come from, per cloud or local base URL. */
export interface TokenEndpoint {
  /** The cloud whose authority signs in (when no local base URL is used). */
  cloud?: Cloud;
  /** The local service's base URL: its token endpoint is `{baseUrl}/oauth2/token`. */
  baseUrl?: string;
}

/** The token endpoint and resource a grant goes to. */
export function tokenRequestTarget(credentials: ClientCredentials | PasswordCredentials, endpoint: TokenEndpoint): { url: string; resource: string } {
  const appOnly = 'clientSecret' in credentials;
  const cloud = endpoint.cloud;
  const resource =
    credentials.resource ??
    (appOnly ? cloud?.appOnlyResource ?? 'https://graph.windows.net' : cloud?.userResource ?? 'https://api.partnercenter.microsoft.com');
  if (credentials.tokenUrl) return { url: credentials.tokenUrl, resource };
  if (endpoint.baseUrl) return { url: `${endpoint.baseUrl.replace(/\/+$/, '')}/oauth2/token`, resource };
  if (!cloud) throw new TypeError('A cloud or a base URL is needed to acquire tokens.');
  const tenant = credentials.tenant ?? (appOnly ? undefined : 'common');
  if (!tenant) throw new TypeError(`Signing in to the ${cloud.name} cloud with client credentials needs credentials.tenant (the partner's tenant id or domain).`);
  if (!credentials.clientId) throw new TypeError(`Signing in to the ${cloud.name} cloud needs credentials.clientId (your Entra application).`);
  return { url: `${cloud.authority}/${encodeURIComponent(tenant)}/oauth2/token`, resource };
}

/** Refresh a token this long before it expires: 5 minutes, or half its life when shorter. */
const refreshMargin = (lifetimeMs: number) => Math.min(5 * 60_000, lifetimeMs / 2);

/**
 * Makes the token getter the transport calls before each attempt, for any kind of credentials.
 * Acquired tokens are cached (in memory, and in `cache` when given) until shortly before expiry;
 * concurrent calls share one acquisition.
 */
export function createTokenGetter(credentials: Credentials, endpoint: TokenEndpoint, transport: () => Transport, cache?: TokenCache): TokenGetter {
  if (typeof credentials === 'function') return credentials;
  if ('getToken' in credentials) return (o) => credentials.getToken(o);
  if ('accessToken' in credentials) return async () => credentials.accessToken;

  const grant = credentials;
  let current: AccessToken | undefined;
  let refreshAt = 0;
  let pending: Promise<string> | undefined;
  const target = tokenRequestTarget(grant, endpoint); // fails early on a missing tenant

  const acquire = async (): Promise<string> => {
    const form: Record<string, string> =
      'clientSecret' in grant
        ? { grant_type: 'client_credentials', client_id: grant.clientId, client_secret: grant.clientSecret, resource: target.resource }
        : { grant_type: 'password', username: grant.username, password: grant.password, resource: target.resource };
    if (!('clientSecret' in grant) && grant.clientId) form.client_id = grant.clientId;
    let body: Record<string, unknown>;
    try {
      ({ body } = await transport().send<Record<string, unknown>>({
        method: 'POST',
        url: target.url,
        form,
        authenticate: false,
        partnerHeaders: false,
      }));
    } catch (err) {
      if (!(err instanceof PartnerCenterError) || err.status === 0) throw err;
      throw new PartnerCenterAuthenticationError({
        status: err.status,
        code: err.code,
        description: `Sign-in at ${target.url} failed: ${err.description}`,
        requestId: err.requestId,
        correlationId: err.correlationId,
        attempts: err.attempts,
        cause: err,
      });
    }
    const accessToken = body?.access_token;
    if (typeof accessToken !== 'string') throw new TypeError(`The token endpoint ${target.url} answered without an access_token.`);
    const expiresIn = Number(body.expires_in ?? 3600); // Entra v1 sends it as a string
    const lifetimeMs = (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600) * 1000;
    current = { accessToken, expiresAt: Date.now() + lifetimeMs };
    refreshAt = current.expiresAt - refreshMargin(lifetimeMs);
    await cache?.set(current);
    return accessToken;
  };

  return async ({ forceRefresh }) => {
    if (!forceRefresh) {
      if (current && Date.now() < refreshAt) return current.accessToken;
      if (!current && cache) {
        const cached = await cache.get();
        if (cached && Date.now() < cached.expiresAt - 60_000) {
          current = cached;
          refreshAt = cached.expiresAt - 60_000;
          return cached.accessToken;
        }
      }
    }
    pending ??= acquire().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
