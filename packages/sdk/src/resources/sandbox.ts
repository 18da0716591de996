/**
 * The sandbox's control API for the signed-in partner (`/sandbox/partners/{tenant-id}/…`, not Partner
 * Center's): its clock, fault rules, request log and reset. The tenant is the one the access token
 * names (its `tid` claim), unless given.
 */
import type { FaultRule, LoggedRequest, NewFaultRule, WebhookDelivery } from '@partner-commerce/contract' with { 'resolution-mode': 'import' };
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
  /** `/sandbox/partners/{tenant-id}/faults` */
  readonly faults = new SandboxFaultOperations(this.transport, [...this.path, 'faults']);
  /** `/sandbox/partners/{tenant-id}/requests` */
  readonly requests = new SandboxRequestLogOperations(this.transport, [...this.path, 'requests']);
  /** `/sandbox/partners/{tenant-id}/webhooks` */
  readonly webhooks = new SandboxWebhookOperations(this.transport, [...this.path, 'webhooks']);

  /**
   * Puts the partner back to the state its creation made (its first customers and carts, the clock at
   * real time); everything else it owns is deleted.
   * @example await partner.sandbox.byTenant(tenantId).reset();
   */
  reset(options?: RequestOptions): Promise<{ tenantId: string; customers: Record<string, unknown>[] }> {
    return this.request('POST', options, { action: 'reset' });
  }
}

/** `/sandbox/partners/{tenant-id}/webhooks` */
export class SandboxWebhookOperations extends Builder {
  /** `/sandbox/partners/{tenant-id}/webhooks/deliveries` */
  readonly deliveries = new SandboxWebhookDeliveryOperations(this.transport, [...this.path, 'deliveries']);
}

/** `/sandbox/partners/{tenant-id}/webhooks/deliveries` */
export class SandboxWebhookDeliveryOperations extends Builder {
  /**
   * The partner's webhook deliveries, newest first, each with its state, signed body and headers and
   * every attempt; `before` (a seq: the last item's) pages back.
   * @example const { items } = await partner.sandbox.byTenant(tenantId).webhooks.deliveries.get({ limit: 10 });
   */
  get(query: { limit?: number; before?: number } = {}, options?: RequestOptions): Promise<{ items: WebhookDelivery[] }> {
    return this.request('GET', options, { query: { limit: query.limit, before: query.before } });
  }
}

/** `/sandbox/partners/{tenant-id}/faults` */
export class SandboxFaultOperations extends Builder {
  /**
   * The partner's fault rules, oldest (tried first) first.
   * @example const { items } = await partner.sandbox.byTenant(tenantId).faults.get();
   */
  get(options?: RequestOptions): Promise<{ items: FaultRule[] }> {
    return this.request('GET', options);
  }

  /**
   * Adds a rule; it applies at once in this process, within a second in the others.
   * @example await partner.sandbox.byTenant(tenantId).faults.create({ method: 'POST', route: '/v1/**', count: 1, effect: { type: 'error', status: 503 } });
   */
  create(rule: NewFaultRule, options?: RequestOptions): Promise<FaultRule> {
    return this.request('POST', options, { body: rule });
  }

  /**
   * Removes every rule of the partner.
   * @example await partner.sandbox.byTenant(tenantId).faults.delete();
   */
  delete(options?: RequestOptions): Promise<{ removed?: number }> {
    return this.request('DELETE', options);
  }

  /**
   * One rule.
   * @example await partner.sandbox.byTenant(tenantId).faults.byId(ruleId).delete();
   */
  byId(ruleId: string): { delete(options?: RequestOptions): Promise<unknown> } {
    const rule = [...this.path, ruleId];
    return { delete: async (options) => (await this.transport.send({ ...options, method: 'DELETE', path: rule })).body };
  }
}

/** `/sandbox/partners/{tenant-id}/requests` */
export class SandboxRequestLogOperations extends Builder {
  /**
   * The newest `limit` requests, oldest first; with `after` (a seq), those after it.
   * @example const { items } = await partner.sandbox.byTenant(tenantId).requests.get({ limit: 20 });
   */
  get(query: { limit?: number; after?: number } = {}, options?: RequestOptions): Promise<{ items: LoggedRequest[] }> {
    return this.request('GET', options, { query: { limit: query.limit, after: query.after } });
  }

  /**
   * New requests as they happen (server-sent events), after `after` (a seq) or from now on; ends when
   * `options.signal` aborts or the server closes the stream.
   * @example for await (const r of partner.sandbox.byTenant(tenantId).requests.stream({ signal })) console.log(r.method, r.path, r.status);
   */
  async *stream(query: { after?: number } = {}, options: RequestOptions = {}): AsyncGenerator<LoggedRequest> {
    const res = await this.transport.open({
      ...options,
      method: 'GET',
      path: this.path,
      query: { stream: true, after: query.after },
      headers: { Accept: 'text/event-stream', ...options.headers },
    });
    yield* serverSentEvents<LoggedRequest>(res.body!, options.signal);
  }
}

/**
 * The `data:` of each server-sent event of a stream, parsed as JSON, as the events arrive (comments and
 * events without data skipped); ends with the stream, or quietly when `signal` aborts.
 * @example for await (const entry of serverSentEvents<LoggedRequest>(response.body!)) console.log(entry.seq);
 */
export async function* serverSentEvents<T>(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<T> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const stop = () => void reader.cancel().catch(() => {});
  signal?.addEventListener('abort', stop, { once: true });
  let buffer = '';
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (signal?.aborted) return;
        throw err;
      }
      if (chunk.done) return;
      // Lines end in LF, CRLF or CR; a CR that ends the chunk waits for the next, which may start with LF.
      buffer = (buffer + decoder.decode(chunk.value, { stream: true })).replace(/\r\n/g, '\n').replace(/\r(?!$)/g, '\n');
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
        if (data.length) yield JSON.parse(data.join('\n')) as T;
      }
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    stop();
  }
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
