/**
 * Typed SDK errors. Every failure of an API call is a PartnerCenterError carrying the server's
 * Partner Center error code and description, the HTTP status and the MS-RequestId of the call, so
 * that callers switch on `code` and support can trace `requestId` in the service's logs.
 */

/** Fields every SDK error carries. */
export interface PartnerCenterErrorInit {
  /** HTTP status; 0 when no response arrived (network failure, timeout). */
  status: number;
  /** Partner Center error code (`800008`…); a number when the server sent a numeric one. */
  code?: number | string;
  description: string;
  /** MS-RequestId of the call: the same on every attempt of it. */
  requestId: string;
  correlationId: string;
  data?: unknown[];
  source?: string;
  /** Seconds the server asked to wait (`Retry-After`), when it said. */
  retryAfterSeconds?: number;
  /** How many attempts were made before giving up. */
  attempts?: number;
  cause?: unknown;
}

/** An API call failed: the server answered with an error, or (subclasses) no answer came. */
export class PartnerCenterError extends Error {
  readonly status: number;
  readonly code: number | string | undefined;
  readonly description: string;
  readonly requestId: string;
  readonly correlationId: string;
  readonly data: unknown[];
  readonly source: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly attempts: number;

  constructor(init: PartnerCenterErrorInit) {
    const code = init.code === undefined ? '' : ` ${init.code}`;
    super(`Partner Center error${code}${init.status ? ` (HTTP ${init.status})` : ''}: ${init.description} [MS-RequestId ${init.requestId}]`, {
      cause: init.cause,
    });
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.description = init.description;
    this.requestId = init.requestId;
    this.correlationId = init.correlationId;
    this.data = init.data ?? [];
    this.source = init.source;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.attempts = init.attempts ?? 1;
  }
}

/** No response arrived: the connection failed on every attempt. */
export class PartnerCenterConnectionError extends PartnerCenterError {}

/** No response arrived within the per-attempt timeout, on every attempt. */
export class PartnerCenterTimeoutError extends PartnerCenterConnectionError {}

/** A token could not be acquired (bad client secret, unknown user…): the OAuth error and its description. */
export class PartnerCenterAuthenticationError extends PartnerCenterError {}

/** Numeric codes as numbers (`"800008"` → 800008); other codes as sent. */
function normalizeCode(code: unknown): number | string | undefined {
  if (typeof code === 'number') return code;
  if (typeof code === 'string' && code !== '') return /^-?\d+$/.test(code) ? Number(code) : code;
  return undefined;
}

/**
 * Builds the error for a non-2xx answer from its body: Partner Center's `{code, description, data,
 * source}`, the throttling body `{statusCode, message}`, or whatever else came (text, nothing).
 */
export function errorFromResponse(
  status: number,
  body: unknown,
  context: { requestId: string; correlationId: string; retryAfterSeconds?: number; attempts?: number; statusText?: string },
): PartnerCenterError {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  let code = normalizeCode(b.code);
  let description: string | undefined;
  if (typeof b.description === 'string') description = b.description;
  else if (typeof b.message === 'string') description = b.message; // 429 {statusCode, message}
  else if (typeof b.error_description === 'string') description = b.error_description; // OAuth
  if (code === undefined && typeof b.error === 'string') code = b.error; // OAuth `invalid_client`…
  if (description === undefined) {
    description = typeof body === 'string' && body.trim() ? body.trim().slice(0, 1024) : context.statusText || `HTTP ${status}`;
  }
  return new PartnerCenterError({
    status,
    code,
    description,
    requestId: context.requestId,
    correlationId: context.correlationId,
    data: Array.isArray(b.data) ? b.data : [],
    source: typeof b.source === 'string' ? b.source : undefined,
    retryAfterSeconds: context.retryAfterSeconds,
    attempts: context.attempts,
  });
}
