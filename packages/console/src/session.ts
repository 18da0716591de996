/**
 * Sign-in and the SDK client of the signed-in partner. The console is a client like any other: every
 * call goes through the SDK's one transport (retries, MS-RequestId, typed errors), to the public API
 * and the sandbox's control routes of the partner's own tenant, with the partner's own token. The
 * token is kept in sessionStorage: a tab's session, gone when the tab closes.
 */
import { createPartnerOperations, tenantOfToken, type PartnerOperations } from '@partner-commerce/sdk';

/** How this server signs partners in: `sandbox` issues its own tokens, `jwks` verifies an external issuer's. */
export type AuthMode = 'sandbox' | 'jwks';

export interface Session {
  token: string;
  /** The partner tenant the token names (`tid`). */
  tenantId: string | undefined;
  /** Who signed in, for the header: a user name, a client id, "demo partner", "pasted token". */
  label: string;
}

const STORAGE_KEY = 'partner-commerce.console.session';
const APPLICATION_NAME = 'partner-commerce console';

/** The mode the server wrote into the page it served. */
export function authMode(): AuthMode {
  const meta = document.querySelector('meta[name="pc-auth-mode"]');
  return meta?.getAttribute('content') === 'jwks' ? 'jwks' : 'sandbox';
}

const baseUrl = () => location.origin;

/** The SDK client calls are made with, signed in with the session's token. */
export function clientFor(session: Session): PartnerOperations {
  return createPartnerOperations({ baseUrl: baseUrl(), credentials: { accessToken: session.token }, applicationName: APPLICATION_NAME });
}

/** A client without a token: for the sandbox's sign-in and partner creation only. */
function anonymousClient(): PartnerOperations {
  return createPartnerOperations({ baseUrl: baseUrl(), credentials: { accessToken: '' }, applicationName: APPLICATION_NAME });
}

export function loadSession(): Session | undefined {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Session | null;
    return stored && typeof stored.token === 'string' ? stored : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(STORAGE_KEY);
}

const sessionOf = (token: string, label: string): Session => ({ token, tenantId: tenantOfToken(token), label });

/** App+user sign-in with the partner's sandbox user (`grant_type=password`). */
export async function signInWithPassword(username: string, password: string): Promise<Session> {
  const partner = createPartnerOperations({ baseUrl: baseUrl(), credentials: { username, password }, applicationName: APPLICATION_NAME });
  return sessionOf(await partner.getAccessToken(), username);
}

/** App-only sign-in with the partner's sandbox app (`grant_type=client_credentials`). */
export async function signInWithClient(clientId: string, clientSecret: string): Promise<Session> {
  const partner = createPartnerOperations({ baseUrl: baseUrl(), credentials: { clientId, clientSecret }, applicationName: APPLICATION_NAME });
  return sessionOf(await partner.getAccessToken(), clientId);
}

/** A bearer token from the external issuer (jwks mode), or any token at hand. */
export function signInWithToken(token: string): Session {
  return sessionOf(token.trim().replace(/^Bearer\s+/i, ''), 'pasted token');
}

/** What `POST /sandbox/partners` answers: a fresh, isolated partner with its credentials. */
interface NewSandboxPartner {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

/**
 * The one-click demo partner: a fresh partner tenant of its own (one demo customer, one active cart),
 * signed in as its user, so that order provisioning status (app+user only) works too.
 */
export async function signInAsDemoPartner(): Promise<Session> {
  const { body } = await anonymousClient().transport.send<NewSandboxPartner>({
    method: 'POST',
    path: ['sandbox', 'partners'],
    body: { name: 'Console demo partner' },
    authenticate: false,
  });
  const session = await signInWithPassword(body.username, body.password);
  return { ...session, label: `demo partner ${body.username}` };
}
