/**
 * The one transport of the SDK: every call, token requests included, goes through `Transport.send`,
 * and so through one retry policy (STYLE.md 11, after stripe-node's RequestSender):
 *
 * - one MS-RequestId per logical call, resent unchanged on each of its retries, so the service
 *   replays instead of acting twice (docs/idempotency.md); a fresh MS-CorrelationId per call;
 * - retried: network errors, per-attempt timeouts, 429 (after its `Retry-After`), 5xx, and 409 with
 *   Partner Center's "in progress" codes 800060/800064; never any other 4xx;
 * - capped exponential backoff with jitter between attempts;
 * - fetch and AbortController only, so it runs in Node 20 and in browsers alike.
 */
import { PartnerCenterConnectionError, PartnerCenterError, PartnerCenterTimeoutError, errorFromResponse } from './errors.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RetryPolicy {
  /** Retries after the first attempt (the .NET SDK's 3 by default). */
  maxRetries: number;
  /** Backoff before the first retry; doubled on each further one. */
  initialDelayMs: number;
  /** Cap of the backoff. */
  maxDelayMs: number;
  /** The longest `Retry-After` honoured; a longer one ends the retries (the error carries it). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: 3,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
});

/** What the transport reports as it works: for logs, progress displays and tests. */
export type TransportEvent =
  | { type: 'request'; method: HttpMethod; url: string; attempt: number; requestId: string; correlationId: string }
  | {
      type: 'response';
      method: HttpMethod;
      url: string;
      attempt: number;
      requestId: string;
      status: number;
      /** The service answered from its MS-RequestId replay store (`Idempotent-Replayed: true`). */
      replayed: boolean;
      durationMs: number;
    }
  | RetryEvent;

/**
 * The transport is about to wait, then send the call again: what failed, and for how long it waits.
 * A CLI or app shows it as progress (the SDK itself never prints).
 */
export interface RetryEvent {
  type: 'retry';
  method: HttpMethod;
  url: string;
  /** The attempt that failed (1 for the first). */
  attempt: number;
  /** The retry about to be made (1-based; 0 for the new-token resend after a 401, which is not one). */
  retry: number;
  /** Retries the policy allows for this call. */
  maxRetries: number;
  /** MS-RequestId of the call: the same on the retry, so the service replays instead of acting twice. */
  requestId: string;
  /** HTTP status of the failed attempt; 0 when no response came (network error, timeout). */
  status: number;
  /** Partner Center error code of the failed attempt, or the network error's code (`ECONNREFUSED`…). */
  code?: number | string;
  /** `status 429 (…)`, `network error (ECONNREFUSED)`, `timeout`, `status 401: new token`. */
  reason: string;
  /** How long the transport waits before the retry. */
  delayMs: number;
  /** The wait the service asked for (`Retry-After`), when it did; `delayMs` is then this. */
  retryAfterMs?: number;
  /** The failure being retried. */
  error: PartnerCenterError;
}

/** Supplies the bearer token of each attempt; `forceRefresh` after a 401 asks for a new one. */
export type TokenGetter = (options: { forceRefresh: boolean }) => Promise<string>;

export interface TransportOptions {
  /** API base URL, e.g. `https://api.partnercenter.microsoft.com` (paths get `/v1/...` from the resources). */
  baseUrl: string;
  getToken?: TokenGetter;
  retry?: Partial<RetryPolicy>;
  /** Per-attempt timeout in milliseconds (default 100 s). */
  timeoutMs?: number;
  /** `X-Locale` (default `en-US`). */
  locale?: string;
  /** `MS-PartnerCenter-Application`: your application's name, for the service's logs. */
  applicationName?: string;
  /** One MS-CorrelationId for every call of this client (default: a fresh one per call). */
  correlationId?: string;
  /** Headers added to every API call. */
  headers?: Record<string, string>;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  onEvent?: (event: TransportEvent) => void;
}

/** Options any single call accepts. */
export interface RequestOptions {
  /** MS-RequestId to use, e.g. to resume a call whose outcome is unknown after a crash. */
  requestId?: string;
  correlationId?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export type QueryValue = string | number | boolean | undefined;

export interface TransportRequest extends RequestOptions {
  method: HttpMethod;
  /** Path segments below the base URL, unencoded: `['v1', 'customers', id]`. */
  path?: readonly string[];
  /** An absolute URL instead of base URL + path (token endpoints). */
  url?: string;
  query?: Record<string, QueryValue>;
  /** JSON body. */
  body?: unknown;
  /** Form-encoded body (OAuth token requests). */
  form?: Record<string, string>;
  /** Send the bearer token (default true). */
  authenticate?: boolean;
  /** Send Partner Center's MS-* headers (default true; off for sign-in authorities). */
  partnerHeaders?: boolean;
}

export interface TransportResponse<T> {
  status: number;
  headers: Headers;
  body: T;
  requestId: string;
  correlationId: string;
  replayed: boolean;
  attempts: number;
}

export const SDK_CLIENT_NAME = 'partner-commerce TypeScript SDK';

/** Partner Center codes that mean "the same request is still being processed: ask again". */
const IN_PROGRESS_CODES = new Set([800060, 800064]);

/** A path below the base URL: the one place where segments are encoded. */
export function encodePath(segments: readonly string[]): string {
  return segments.map((s) => encodeURIComponent(s)).join('/');
}

export function buildUrl(baseUrl: string, segments: readonly string[], query?: Record<string, QueryValue>): string {
  let url = `${baseUrl.replace(/\/+$/, '')}/${encodePath(segments)}`;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.append(k, String(v));
  const qs = params.toString();
  if (qs) url += `?${qs}`;
  return url;
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Backoff before retry number `retry` (1-based): exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** A v4 GUID; browsers offer randomUUID only in secure contexts, getRandomValues everywhere. */
function newId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function parseBody(text: string): unknown {
  const t = text.replace(/^\uFEFF/, '');
  if (!t.trim()) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return t;
  }
}

type Outcome =
  | { kind: 'response'; status: number; headers: Headers; body: unknown; statusText: string }
  | { kind: 'network'; error: unknown }
  | { kind: 'timeout' };

export class Transport {
  readonly baseUrl: string;
  readonly policy: RetryPolicy;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    // Bound: a browser's fetch throws "Illegal invocation" when called as a method of another object.
    const f = options.fetch ?? globalThis.fetch;
    this.fetchImpl = (input, init) => f(input, init);
  }

  /** Sends one logical call, retrying it under the policy; resolves with the 2xx answer or throws a PartnerCenterError. */
  async send<T>(req: TransportRequest): Promise<TransportResponse<T>> {
    const requestId = req.requestId ?? newId();
    const correlationId = req.correlationId ?? this.options.correlationId ?? newId();
    const url = req.url ?? buildUrl(this.baseUrl, req.path ?? [], req.query);
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs ?? 100_000;
    const emit = (event: TransportEvent) => {
      try {
        this.options.onEvent?.(event);
      } catch {
        /* a listener's failure is not the call's */
      }
    };
    let tokenRefreshed = false;
    let forceRefresh = false;
    let retries = 0;
    for (let attempt = 1; ; attempt++) {
      const headers = await this.headersFor(req, requestId, correlationId, forceRefresh);
      forceRefresh = false;
      emit({ type: 'request', method: req.method, url, attempt, requestId, correlationId });
      const started = Date.now();
      const outcome = await this.attempt(url, req, headers, timeoutMs);

      let error: PartnerCenterError;
      let retryAfterMs: number | undefined;
      let retryable: boolean;
      let reason: string;
      let networkCode: string | undefined;
      if (outcome.kind === 'response') {
        const replayed = outcome.headers.get('idempotent-replayed') === 'true';
        emit({ type: 'response', method: req.method, url, attempt, requestId, status: outcome.status, replayed, durationMs: Date.now() - started });
        if (outcome.status >= 200 && outcome.status < 300) {
          return {
            status: outcome.status,
            headers: outcome.headers,
            body: outcome.body as T,
            requestId,
            correlationId: outcome.headers.get('ms-correlationid') ?? correlationId,
            replayed,
            attempts: attempt,
          };
        }
        retryAfterMs = parseRetryAfter(outcome.headers.get('retry-after'));
        error = errorFromResponse(outcome.status, outcome.body, {
          requestId,
          correlationId,
          retryAfterSeconds: retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000),
          attempts: attempt,
          statusText: outcome.statusText,
        });
        if (outcome.status === 401 && this.options.getToken && req.authenticate !== false && !tokenRefreshed) {
          // An expired or revoked cached token: take a new one once, at once; this is not a retry.
          tokenRefreshed = true;
          forceRefresh = true;
          const base = { type: 'retry', method: req.method, url, attempt, retry: 0, maxRetries: this.policy.maxRetries, requestId } as const;
          emit({ ...base, status: 401, code: error.code, reason: 'status 401: new token', delayMs: 0, error });
          continue;
        }
        retryable =
          outcome.status === 429 ||
          outcome.status >= 500 ||
          (outcome.status === 409 && typeof error.code === 'number' && IN_PROGRESS_CODES.has(error.code));
        reason = `status ${outcome.status}${error.code !== undefined ? ` (${error.code})` : ''}`;
      } else {
        if (req.signal?.aborted) throw req.signal.reason;
        const timedOut = outcome.kind === 'timeout';
        const ErrorClass = timedOut ? PartnerCenterTimeoutError : PartnerCenterConnectionError;
        const detail = timedOut ? `no response within ${timeoutMs} ms` : describeNetworkError(outcome.error);
        networkCode = timedOut ? undefined : networkErrorCode(outcome.error);
        error = new ErrorClass({
          status: 0,
          code: timedOut ? 'timeout' : 'network',
          description: `${req.method} ${url.split('?')[0]}: ${detail}`,
          requestId,
          correlationId,
          attempts: attempt,
          cause: outcome.kind === 'network' ? outcome.error : undefined,
        });
        retryable = true;
        reason = timedOut ? 'timeout' : `network error${networkCode ? ` (${networkCode})` : ''}`;
      }

      if (!retryable || retries >= this.policy.maxRetries) throw error;
      if (retryAfterMs !== undefined && retryAfterMs > this.policy.maxRetryAfterMs) throw error;
      retries++;
      const delayMs = retryAfterMs ?? backoffDelay(retries, this.policy);
      emit({
        type: 'retry',
        method: req.method,
        url,
        attempt,
        retry: retries,
        maxRetries: this.policy.maxRetries,
        requestId,
        status: error.status,
        code: networkCode ?? error.code,
        reason,
        delayMs,
        retryAfterMs,
        error,
      });
      await sleep(delayMs, req.signal);
    }
  }

  /**
   * Opens a streaming answer (server-sent events): one attempt, with the headers and token of any call;
   * resolves with the open response once a 2xx came, or throws the PartnerCenterError of any other
   * answer. Not retried: whoever reads a stream resumes it (`Last-Event-ID`, `after`).
   */
  async open(req: TransportRequest): Promise<Response> {
    const requestId = req.requestId ?? newId();
    const correlationId = req.correlationId ?? this.options.correlationId ?? newId();
    const url = req.url ?? buildUrl(this.baseUrl, req.path ?? [], req.query);
    const headers = await this.headersFor(req, requestId, correlationId, false);
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method: req.method, headers, signal: req.signal });
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      const description = `${req.method} ${url.split('?')[0]}: ${describeNetworkError(error)}`;
      throw new PartnerCenterConnectionError({ status: 0, code: 'network', description, requestId, correlationId, cause: error });
    }
    if (res.ok && res.body) return res;
    const body = parseBody(await res.text());
    throw errorFromResponse(res.status, body, { requestId, correlationId, statusText: res.statusText });
  }

  private async headersFor(req: TransportRequest, requestId: string, correlationId: string, forceRefresh: boolean) {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (req.partnerHeaders !== false) {
      Object.assign(headers, {
        'MS-RequestId': requestId,
        'MS-CorrelationId': correlationId,
        'MS-Contract-Version': 'v1',
        'X-Locale': this.options.locale ?? 'en-US',
        'MS-PartnerCenter-Client': SDK_CLIENT_NAME,
      });
      if (this.options.applicationName) headers['MS-PartnerCenter-Application'] = this.options.applicationName;
      Object.assign(headers, this.options.headers);
    }
    if (req.body !== undefined) headers['Content-Type'] = 'application/json';
    if (req.form !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    if (req.authenticate !== false && this.options.getToken) {
      headers.Authorization = `Bearer ${await this.options.getToken({ forceRefresh })}`;
    }
    return Object.assign(headers, req.headers);
  }

  private async attempt(url: string, req: TransportRequest, headers: Record<string, string>, timeoutMs: number): Promise<Outcome> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort(req.signal?.reason);
    req.signal?.addEventListener('abort', onAbort, { once: true });
    if (req.signal?.aborted) controller.abort(req.signal.reason);
    try {
      let body: string | undefined;
      if (req.body !== undefined) body = JSON.stringify(req.body);
      else if (req.form !== undefined) body = new URLSearchParams(req.form).toString();
      const res = await this.fetchImpl(url, { method: req.method, headers, body, signal: controller.signal });
      // The body is read inside the timeout too: a server that stalls mid-body is a timeout.
      const text = await res.text();
      return { kind: 'response', status: res.status, headers: res.headers, body: parseBody(text), statusText: res.statusText };
    } catch (error) {
      return timedOut ? { kind: 'timeout' } : { kind: 'network', error };
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** The system error code under fetch's "fetch failed" (`ECONNREFUSED`, `ENOTFOUND`…), when there is one. */
export function networkErrorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  }
  return undefined;
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ? `${error.message} (${cause.code})` : cause?.message ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
