/**
 * Surviving a PostgreSQL failover (docs/failover.md). node-postgres connects to one host; a highly
 * available PostgreSQL (pg_auto_failover, Patroni, a cloud's multi-AZ) is named by a libpq multi-host URL,
 * `postgres://user@h1:5432,h2:5432/db?target_session_attrs=read-write`, and the primary moves between
 * those hosts. Here:
 * - the URL is read (hosts in order; the rest as node-postgres reads a single-host URL);
 * - each new connection goes to the host that was primary last, and is kept only when that server
 *   takes writes (`pg_is_in_recovery()` off and `transaction_read_only` off); a host that refuses the
 *   connection or is not the primary hands over to the next host in the list;
 * - errors are sorted into what they say about the outcome: nothing was done (safe to run again),
 *   the connection went away under a statement (safe only for reads and uncommitted transactions),
 *   or neither (the statement's own error).
 */
import pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import { PartnerCenterError } from '../errors.js';

export interface Host {
  host: string;
  port: number;
}

export interface PostgresTarget {
  hosts: Host[];
  /** node-postgres settings shared by every host: user, password, database, ssl, options… */
  config: pg.ClientConfig;
  /** Keep only connections to a server that takes writes (target_session_attrs=read-write|primary). */
  requirePrimary: boolean;
}

const SUPPORTED_SESSION_ATTRS = new Set(['any', 'read-write', 'primary']);

/**
 * Reads a postgres:// URL with one host or several (`h1:p1,h2:p2`, IPv6 in brackets), as libpq does.
 * Throws a plain Error with a message fit for the operator on what it cannot read. With several hosts
 * a connection is always required to be the primary: the service writes, and a standby cannot take them.
 */
export function parsePostgresUrl(url: string): PostgresTarget {
  const m = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?([^/?#]*)(.*)$/i.exec(url);
  if (!m) throw new Error('expected postgres://user:password@host:5432/database');
  const [, scheme, userinfo, hostList, rest] = m;
  const hosts = hostList ? hostList.split(',').map(parseHost) : [];
  // node-postgres reads everything else from a URL with the first host alone.
  const first = hosts[0] ? `${hosts[0].host.includes(':') ? `[${hosts[0].host}]` : hosts[0].host}:${hosts[0].port}` : '';
  const single = `${scheme}${userinfo !== undefined ? `${userinfo}@` : ''}${first}${rest}`;
  const parsed = parseConnectionString(single) as Record<string, unknown>;
  const attrs = String(parsed.target_session_attrs ?? 'any');
  if (!SUPPORTED_SESSION_ATTRS.has(attrs)) {
    throw new Error(`target_session_attrs=${attrs} is not supported: the service needs the primary (read-write, primary or any)`);
  }
  delete parsed.target_session_attrs;
  const config = parsed as pg.ClientConfig;
  if (!hosts.length) hosts.push({ host: config.host ?? 'localhost', port: Number(config.port ?? 5432) });
  return { hosts, config, requirePrimary: hosts.length > 1 || attrs !== 'any' };
}

function parseHost(spec: string): Host {
  const m = /^(?:\[([^\]]+)\]|([^:]*))(?::(\d*))?$/.exec(spec);
  if (!m) throw new Error(`cannot read the host "${spec}"`);
  const host = decodeURIComponent(m[1] ?? m[2] ?? '') || 'localhost';
  const port = m[3] ? Number(m[3]) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`the port of "${spec}" is not a port number`);
  return { host, port };
}

/** Where a URL points, for logs (no user, no password): `h1:5432,h2:5432/db`. */
export function describeTarget(target: PostgresTarget): string {
  const hosts = target.hosts.map((h) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`).join(',');
  return `${hosts}/${target.config.database ?? ''}`;
}

/** A server that answered but is not the primary (a standby, or read-only by default). */
export class NotPrimaryError extends Error {
  readonly code = 'PC_NOT_PRIMARY';
}

/**
 * The service cannot reach a primary, or lost it under a statement: Partner Center's 503, which its
 * SDKs retry (.NET ServerBusy, Java SERVER_BUSY), with `Retry-After`. `outcomeUnknown` says a write
 * may have committed before the connection went: the client's retry with the same MS-RequestId is
 * resolved by the idempotency of the call (docs/idempotency.md), never by running it again here.
 */
export class DatabaseUnavailableError extends PartnerCenterError {
  readonly retryAfterSeconds = 1;
  constructor(
    readonly outcomeUnknown: boolean,
    readonly cause: unknown,
  ) {
    super(
      'ServiceUnavailable',
      outcomeUnknown
        ? 'The database connection was lost while the request was being saved; retry the request with the same MS-RequestId.'
        : 'The database is not available right now (a failover may be under way); retry the request.',
    );
  }
}

/** SQLSTATEs after which the statement certainly did nothing: a read-only server, one not accepting connections. */
const REFUSED_SQLSTATE = new Set(['25006', '57P03']);
/** The server ended the session (shutdown, crash, failover): a statement under way may or may not have run. */
const TERMINATED_SQLSTATE = new Set(['57P01', '57P02', '57P05']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

const codeOf = (err: unknown) => (err as { code?: unknown } | null)?.code;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : '');

/** node-postgres refused to send the statement at all: its connection was already broken or closed. */
export const neverSent = (err: unknown) => /is not queryable/.test(messageOf(err));

/**
 * The error says the database we are on is gone or is no longer the primary: the connection is of
 * no further use, and the primary is looked for again. Not an error of the statement itself.
 */
export function isFailoverError(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError || err instanceof NotPrimaryError) return true;
  const code = codeOf(err);
  if (typeof code === 'string') {
    if (REFUSED_SQLSTATE.has(code) || TERMINATED_SQLSTATE.has(code) || code.startsWith('08') || NETWORK_CODES.has(code)) return true;
  }
  return /Connection terminated|is not queryable|timeout exceeded when trying to connect|Connection ended unexpectedly/i.test(messageOf(err));
}

/** The error proves the statement did nothing (it was refused, or never reached the server). */
export const certainlyNotRun = (err: unknown) => neverSent(err) || REFUSED_SQLSTATE.has(codeOf(err) as string);

/**
 * A statement that changes nothing, so it may run again when its answer was lost. Our SQL is static
 * and has no functions with effects; anything that is not plainly a read counts as a write.
 */
export const isRead = (sql: string) =>
  /^\s*(SELECT|SHOW|VALUES)\b/i.test(sql) && !/\b(INSERT|UPDATE|DELETE|MERGE|nextval|setval|pg_advisory\w*|FOR\s+(NO\s+KEY\s+)?UPDATE|FOR\s+(KEY\s+)?SHARE)\b/i.test(sql);

/**
 * Which host new connections go to. Every connection starts at the host that was primary last; a
 * host that fails a connection hands over to the next in the list (as libpq walks its hosts), and
 * each change of primary starts a new generation: connections of an older one are not reused.
 */
export class PrimaryRouter {
  private index = 0;
  generation = 0;

  constructor(readonly target: PostgresTarget) {}

  get current(): { host: Host; index: number } {
    return { host: this.target.hosts[this.index], index: this.index };
  }

  /** A connection to host `index` failed or found no primary: the next connection tries the next host. */
  hostFailed(index: number): void {
    if (this.index !== index) return;
    this.index = (index + 1) % this.target.hosts.length;
    this.generation++;
  }

  /** A connection of the current generation lost its primary: none of that generation is reused. */
  connectionLost(generation: number): void {
    if (generation === this.generation) this.generation++;
  }
}

/** A node-postgres client of the current generation, opened on the router's host. */
export interface RoutedClient {
  generation: number;
}

/**
 * The node-postgres Client class a pool makes its connections with: each opens on the router's
 * current host and, when the primary is required, checks that the server takes writes.
 */
export function routedClientClass(router: PrimaryRouter, connectTimeoutMs: number): typeof pg.Client {
  return class RoutedPgClient extends pg.Client implements RoutedClient {
    readonly generation: number;
    private readonly hostIndex: number;

    constructor(config: pg.ClientConfig) {
      const { host, index } = router.current;
      super({ ...config, host: host.host, port: host.port, connectionTimeoutMillis: connectTimeoutMs });
      this.generation = router.generation;
      this.hostIndex = index;
    }

    // node-postgres's pool calls connect(callback); callers may also await connect().
    override connect(): Promise<pg.Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): void;
    override connect(callback?: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): Promise<pg.Client> | void {
      const connected = this.connectToPrimary().then(() => this as pg.Client);
      if (!callback) return connected;
      const done = callback as (err: Error | null, c?: pg.Client) => void;
      connected.then((c) => done(null, c), (err: Error) => done(err));
    }

    private async connectToPrimary(): Promise<void> {
      try {
        await super.connect();
      } catch (err) {
        // A host that is down or starting up hands over; a refusal of ours (a password, a database name) does not.
        if (isFailoverError(err)) router.hostFailed(this.hostIndex);
        throw err;
      }
      if (!router.target.requirePrimary) return;
      let rows: { recovery: boolean; read_only: string }[];
      try {
        ({ rows } = await this.query(`SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS read_only`));
      } catch (err) {
        if (isFailoverError(err)) router.hostFailed(this.hostIndex);
        await this.end().catch(() => {});
        throw err;
      }
      if (rows[0]?.recovery || rows[0]?.read_only === 'on') {
        router.hostFailed(this.hostIndex);
        await this.end().catch(() => {});
        throw new NotPrimaryError(`${this.host}:${this.port} is not the primary (it is ${rows[0]?.recovery ? 'a standby' : 'read-only'})`);
      }
    }
  };
}
