/**
 * Failed sign-ins at the sandbox token endpoint are limited per account (client id, or user name for
 * the password grant) and per source address, in fixed windows: each failure costs a password hash,
 * and an unlimited endpoint lets anyone guess secrets as fast as the CPU hashes. Over a limit, the
 * attempt is answered 429 before any hash, whatever the credentials.
 *
 * The counts live in the database (`signin_failures`), so the limits hold across API processes:
 * an attempt reads its two counts (one indexed SELECT, beside a hash that costs far more) and a
 * failure adds to them. Concurrent attempts that read the same counts may overshoot a limit by
 * their number. Successful sign-ins are never counted, and never wait.
 */
import type { Queryable } from '../../db/database.js';
import { fixedWindow } from '../../plugins/throttling.js';

export interface SigninLimits {
  /** Failures per client id (or user name) per window; 0: no limit. */
  perAccount: number;
  /** Failures per source address (IPv6: per /64) per window; 0: no limit. */
  perAddress: number;
  windowSeconds: number;
}

/**
 * The address a limit counts: IPv4 (mapped IPv6 included) as it is, IPv6 by its /64, which one
 * client commonly holds whole.
 */
export function addressKey(ip: string): string {
  const address = ip.split('%')[0].toLowerCase();
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!address.includes(':')) return address;
  const [head, tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

export class SigninThrottle {
  constructor(
    private readonly db: Queryable,
    private readonly limits: SigninLimits,
    private readonly now: () => number = Date.now,
  ) {}

  private keys(account: string, ip: string): { key: string; limit: number }[] {
    return [
      { key: `account:${account}`, limit: this.limits.perAccount },
      { key: `address:${addressKey(ip)}`, limit: this.limits.perAddress },
    ].filter((k) => k.limit > 0);
  }

  private window() {
    return fixedWindow(this.now(), this.limits.windowSeconds * 1000);
  }

  /** Before an attempt: how many seconds to wait when the account or the address is over its limit. */
  async blocked(account: string, ip: string): Promise<{ retryAfterSeconds: number } | undefined> {
    const keys = this.keys(account, ip);
    if (!keys.length) return undefined;
    const window = this.window();
    const rows = await this.db.query<{ key: string; failures: number }>(
      'SELECT key, failures FROM signin_failures WHERE key = ANY($1::text[]) AND window_start = to_timestamp($2::float8 / 1000)',
      [keys.map((k) => k.key), window.start],
    );
    const over = rows.some((r) => r.failures >= keys.find((k) => k.key === r.key)!.limit);
    return over ? { retryAfterSeconds: window.retryAfterSeconds } : undefined;
  }

  /** After a failed attempt: one more failure for the account and the address. */
  async failed(account: string, ip: string): Promise<void> {
    const keys = this.keys(account, ip);
    if (!keys.length) return;
    await this.db.query(
      `INSERT INTO signin_failures AS f (key, window_start, failures)
       SELECT key, to_timestamp($2::float8 / 1000), 1 FROM unnest($1::text[]) AS key
       ON CONFLICT (key, window_start) DO UPDATE SET failures = f.failures + 1`,
      [keys.map((k) => k.key), this.window().start],
    );
  }

  /** Forgets windows that ended. */
  async purge(): Promise<void> {
    await this.db.query('DELETE FROM signin_failures WHERE window_start < to_timestamp($1::float8 / 1000)', [this.window().start]);
  }
}
