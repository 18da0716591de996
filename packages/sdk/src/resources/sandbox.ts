/**
 * The sandbox's control API for the signed-in partner (`/sandbox/partners/{tenant-id}/…`, not Partner
 * Center's): its clock. The tenant is the one the access token names (its `tid` claim), unless given.
 */
import type { RequestOptions } from '../transport.js';
import { Builder } from './builder.js';

/** The partner's clock as the sandbox reports it. */
export interface ClockState {
  /** The partner's time. */
  now: string;
  /** How far ahead of real time it runs, in seconds (0: never moved). */
  offsetSeconds: number;
}

const UNITS: Record<string, { designator: string; time: boolean }> = {
  y: { designator: 'Y', time: false },
  mo: { designator: 'M', time: false },
  w: { designator: 'W', time: false },
  d: { designator: 'D', time: false },
  h: { designator: 'H', time: true },
  m: { designator: 'M', time: true },
  s: { designator: 'S', time: true },
};

/**
 * An ISO-8601 duration from a short one (`8d`, `12h`, `1y`, `2w`, `3mo`, `30m`, `1d12h`), or an ISO one
 * as it is (`P8D`, `PT12H`, any casing); throws a RangeError for anything else.
 * @example toIsoDuration('8d') // 'P8D'; toIsoDuration('1d12h') // 'P1DT12H'
 */
export function toIsoDuration(text: string): string {
  const t = text.trim();
  if (/^P/i.test(t)) return t.toUpperCase();
  const parts = [...t.toLowerCase().matchAll(/(\d+)(mo|y|w|d|h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== t.toLowerCase()) {
    throw new RangeError(`${text} is not a duration: use 8d, 12h, 1y, 2w, 3mo, 30m, 1d12h or ISO-8601 (P8D).`);
  }
  let date = '';
  let time = '';
  for (const [, n, unit] of parts) {
    const u = UNITS[unit];
    if (u.time) time += `${Number(n)}${u.designator}`;
    else date += `${Number(n)}${u.designator}`;
  }
  return `P${date}${time ? `T${time}` : ''}`;
}

/** The `tid` claim of a JWT access token (the partner tenant it signs in); undefined if it has none. */
export function tenantOfToken(token: string): string | undefined {
  try {
    const payload = (token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { tid?: unknown };
    return typeof claims.tid === 'string' ? claims.tid : undefined;
  } catch {
    return undefined;
  }
}

/** `/sandbox` for the signed-in partner. */
export class SandboxOperations {
  constructor(
    private readonly builder: (path: string[]) => SandboxPartnerOperations,
    private readonly tenant: () => Promise<string>,
  ) {}

  /**
   * The partner's clock: read it, or move it forward (everything falling due runs before the answer).
   * @example const { now } = await partner.sandbox.clock.advance('8d');
   */
  readonly clock = {
    get: async (options?: RequestOptions) => (await this.current()).clock.get(options),
    advance: async (by: string | { to: string }, options?: RequestOptions) => (await this.current()).clock.advance(by, options),
  };

  /**
   * The control API of a given partner tenant (the signed-in partner's, unless the sandbox admin).
   * @example await partner.sandbox.byTenant(tenantId).clock.get();
   */
  byTenant(tenantId: string): SandboxPartnerOperations {
    return this.builder(['sandbox', 'partners', tenantId]);
  }

  private async current() {
    return this.byTenant(await this.tenant());
  }
}

/** `/sandbox/partners/{tenant-id}` */
export class SandboxPartnerOperations extends Builder {
  /** `/sandbox/partners/{tenant-id}/clock` */
  readonly clock = new SandboxClockOperations(this.transport, [...this.path, 'clock']);
}

/** `/sandbox/partners/{tenant-id}/clock` */
export class SandboxClockOperations extends Builder {
  /**
   * Reads the partner's clock.
   * @example const { now, offsetSeconds } = await partner.sandbox.clock.get();
   */
  get(options?: RequestOptions): Promise<ClockState> {
    return this.request('GET', options);
  }

  /**
   * Moves the clock forward by a duration (`8d`, `12h`, `P1Y`…) or to an instant (`{ to }`); resolves
   * once everything that fell due on the way (provisioning, renewals, expiries) has run.
   * @example await partner.sandbox.clock.advance('8d');
   */
  advance(by: string | { to: string }, options?: RequestOptions): Promise<ClockState> {
    return this.request('POST', options, { body: typeof by === 'string' ? { advanceBy: toIsoDuration(by) } : { to: by.to } });
  }
}
