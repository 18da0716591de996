import { DEFAULT_POOL_SIZE, DEFAULT_PRIMARY_WAIT_MS, type DatabaseOptions } from './db/database.js';
import { parsePostgresUrl } from './db/failover.js';
import type { ProvisioningPolicy } from './modules/provisioning/service.js';
import type { WebhookPolicy } from './modules/webhooks/delivery.js';
import type { SigninLimits } from './modules/sandbox/signin-throttle.js';

/** Configuration from the environment (DESIGN.md "Configuration"). Read once, at start-up. */
export type AuthMode = 'sandbox' | 'jwks';

export interface Config {
  port: number;
  host: string;
  databaseUrl?: string;
  /** A streaming replica of DATABASE_URL that reads a caller allows to be stale may use (docs/scaling.md). */
  readReplicaUrl?: string;
  /** PostgreSQL schema to use instead of the connection's default (tests run side by side this way). */
  dbSchema?: string;
  /** Connections each process keeps to PostgreSQL at most (PGlite has one). */
  dbPoolSize: number;
  /** How long a call waits for a PostgreSQL primary (a failover) before it answers 503. */
  dbPrimaryWaitMs: number;
  dataDir: string;
  authMode: AuthMode;
  /** Audiences accepted on tokens; the first is the one the sandbox issuer puts on its tokens. */
  audiences: string[];
  jwtIssuer?: string;
  jwksUrl?: string;
  sandbox: { clientId: string; clientSecret: string; username: string; password: string };
  /** Failed sign-ins at the sandbox token endpoint allowed per client id (or user name) and per address in each window. */
  signinLimits: SigninLimits;
  /** Bearer token the sandbox control API requires when set; unset, it answers loopback clients only. */
  sandboxAdminToken?: string;
  /** Seed the demo partner, customer and cart (sandbox mode). */
  seedDemo: boolean;
  logLevel: string;
  bodyLimit: number;
  provisioning: ProvisioningPolicy;
  /** Webhook delivery; `baseUrl` undefined: the address the server listens on (the worker process: http://HOST:PORT). */
  webhooks: Omit<WebhookPolicy, 'baseUrl'> & { baseUrl?: string };
  /** How long a worker's claim on a job holds before another worker takes it over (a crashed worker's). */
  jobLeaseSeconds: number;
  /** Run the job worker (provisioning, webhook deliveries, renewals) inside the API process. */
  inProcessWorker: boolean;
  /** /v1 requests per partner tenant per minute before 429; 0 turns throttling off. */
  throttleLimitPerMinute: number;
  /** How often each process adds its throttling counts to the database's and learns the others'. */
  throttleSyncMs: number;
  /** How often each process writes the sandbox request log entries it holds (sandbox mode). */
  requestLogFlushMs: number;
  /** How long each process keeps a tenant's sandbox fault rules before reading them again. */
  faultCacheMs: number;
}

export const DEFAULT_AUDIENCES = ['https://api.partnercenter.microsoft.com', 'https://graph.windows.net'];

/** A setting with a value the service cannot use: start-up prints its message alone (startup-errors.ts). */
export class ConfigError extends Error {}

/** The demo partner's fixed, documented sandbox credentials (README). */
export const SANDBOX_DEFAULTS = {
  clientId: 'f1ce5d2b-6b1a-4c3e-9e8a-5a1d7c0e2b41',
  clientSecret: 'sandbox-secret',
  username: 'admin@demo-partner.onmicrosoft.com',
  password: 'sandbox-password',
};

function positive(name: string, value: string | number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name} must be a positive number, not ${value}`);
  return n;
}

function positiveInteger(name: string, value: string | number): number {
  const n = positive(name, value);
  if (!Number.isInteger(n)) throw new ConfigError(`${name} must be a whole number, not ${value}`);
  return n;
}

function wholeNumber(name: string, value: string | number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a whole number, 0 or more, not ${value}`);
  return n;
}

/**
 * A postgres:// URL, one host or several (`h1:5432,h2:5432`, a failover formation's), or a ConfigError
 * saying what is wrong with it (node-postgres would ignore another scheme).
 */
function databaseUrl(value: string | undefined, name = 'DATABASE_URL'): string | undefined {
  if (!value) return undefined;
  const expected = 'expected postgres://user:password@host:5432/database (or host1:5432,host2:5432 for a failover formation)';
  if (!/^postgres(ql)?:\/\//i.test(value)) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1];
    if (!scheme) throw new ConfigError(`${name} is not a valid URL: ${expected}.`);
    throw new ConfigError(`${name} must be a postgres:// URL, not ${scheme}://…: ${expected}.`);
  }
  try {
    parsePostgresUrl(value);
  } catch (err) {
    throw new ConfigError(`${name} is not a valid URL (${(err as Error).message}): ${expected}.`);
  }
  return value;
}

/** PC_READ_REPLICA_URL: a replica of the PostgreSQL in DATABASE_URL (PGlite has none). */
function readReplicaUrl(env: NodeJS.ProcessEnv): string | undefined {
  const url = databaseUrl(env.PC_READ_REPLICA_URL, 'PC_READ_REPLICA_URL');
  if (url && !env.DATABASE_URL) throw new ConfigError('PC_READ_REPLICA_URL is a replica of DATABASE_URL: set DATABASE_URL too (embedded PGlite has no replicas).');
  return url;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const authMode = (env.PC_AUTH_MODE ?? 'sandbox') as AuthMode;
  if (authMode !== 'sandbox' && authMode !== 'jwks') throw new ConfigError(`PC_AUTH_MODE must be sandbox or jwks, not ${authMode}`);
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, not ${env.PORT}`);
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: databaseUrl(env.DATABASE_URL),
    readReplicaUrl: readReplicaUrl(env),
    dbSchema: env.PC_DB_SCHEMA || undefined,
    dbPoolSize: positiveInteger('PC_DB_POOL_SIZE', env.PC_DB_POOL_SIZE ?? DEFAULT_POOL_SIZE),
    dbPrimaryWaitMs: wholeNumber('PC_DB_PRIMARY_WAIT_SECONDS', env.PC_DB_PRIMARY_WAIT_SECONDS ?? DEFAULT_PRIMARY_WAIT_MS / 1000) * 1000,
    dataDir: env.PC_DATA_DIR ?? './.data',
    authMode,
    audiences: env.PC_JWT_AUDIENCES ? env.PC_JWT_AUDIENCES.split(',').map((s) => s.trim()) : DEFAULT_AUDIENCES,
    jwtIssuer: env.PC_JWT_ISSUER,
    jwksUrl: env.PC_JWKS_URL,
    sandbox: {
      clientId: env.PC_SANDBOX_CLIENT_ID ?? SANDBOX_DEFAULTS.clientId,
      clientSecret: env.PC_SANDBOX_CLIENT_SECRET ?? SANDBOX_DEFAULTS.clientSecret,
      username: env.PC_SANDBOX_USERNAME ?? SANDBOX_DEFAULTS.username,
      password: env.PC_SANDBOX_PASSWORD ?? SANDBOX_DEFAULTS.password,
    },
    signinLimits: {
      perAccount: wholeNumber('PC_SIGNIN_MAX_FAILURES_PER_CLIENT', env.PC_SIGNIN_MAX_FAILURES_PER_CLIENT ?? 10),
      perAddress: wholeNumber('PC_SIGNIN_MAX_FAILURES_PER_ADDRESS', env.PC_SIGNIN_MAX_FAILURES_PER_ADDRESS ?? 30),
      windowSeconds: positiveInteger('PC_SIGNIN_WINDOW_SECONDS', env.PC_SIGNIN_WINDOW_SECONDS ?? 60),
    },
    sandboxAdminToken: env.PC_SANDBOX_ADMIN_TOKEN || undefined,
    seedDemo: authMode === 'sandbox' && env.PC_SEED_DEMO !== 'false',
    logLevel: env.LOG_LEVEL ?? 'info',
    bodyLimit: Number(env.PC_BODY_LIMIT ?? 1024 * 1024),
    provisioning: {
      defaultDelaySeconds: Number(env.PC_PROVISIONING_DELAY_SECONDS ?? 3),
      maxAttempts: Number(env.PC_PROVISIONING_MAX_ATTEMPTS ?? 5),
      backoffMs: Number(env.PC_PROVISIONING_BACKOFF_MS ?? 1000),
      maxBackoffMs: Number(env.PC_PROVISIONING_MAX_BACKOFF_MS ?? 60_000),
    },
    webhooks: {
      timeoutMs: positive('PC_WEBHOOK_TIMEOUT_MS', env.PC_WEBHOOK_TIMEOUT_MS ?? 10_000),
      backoffMs: positive('PC_WEBHOOK_BACKOFF_MS', env.PC_WEBHOOK_BACKOFF_MS ?? 1000),
      maxBackoffMs: positive('PC_WEBHOOK_MAX_BACKOFF_MS', env.PC_WEBHOOK_MAX_BACKOFF_MS ?? 300_000),
      baseUrl: env.PC_PUBLIC_URL ? env.PC_PUBLIC_URL.replace(/\/+$/, '') : undefined,
    },
    jobLeaseSeconds: positive('PC_JOB_LEASE_SECONDS', env.PC_JOB_LEASE_SECONDS ?? 60),
    inProcessWorker: env.PC_WORKER !== 'false',
    throttleLimitPerMinute: Number(env.PC_THROTTLE_LIMIT ?? 500),
    throttleSyncMs: positive('PC_THROTTLE_SYNC_MS', env.PC_THROTTLE_SYNC_MS ?? 100),
    requestLogFlushMs: positive('PC_SANDBOX_REQUEST_LOG_FLUSH_MS', env.PC_SANDBOX_REQUEST_LOG_FLUSH_MS ?? 100),
    faultCacheMs: positive('PC_SANDBOX_FAULT_CACHE_MS', env.PC_SANDBOX_FAULT_CACHE_MS ?? 1000),
  };
}

/** Where the configured database is, for openDatabase: every entry point opens it the same way. */
export const databaseOptions = (config: Config): DatabaseOptions => ({
  url: config.databaseUrl,
  replicaUrl: config.readReplicaUrl,
  dataDir: config.dataDir,
  schema: config.dbSchema,
  poolSize: config.dbPoolSize,
  primaryWaitMs: config.dbPrimaryWaitMs,
});
