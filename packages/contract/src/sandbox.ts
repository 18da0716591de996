/**
 * The sandbox's control API (`/sandbox/partners/{tenant-id}/…`; not Partner Center's): the shapes of
 * its fault rules and request log entries, shared by the server's `modules/sandbox` and
 * `plugins/faults.ts`, the SDK's `resources/sandbox.ts` and the CLI's `pcx sandbox`.
 */

/**
 * What a fault rule does: answer an error status (Partner Center's body), wait, or drop the connection;
 * or, for no /v1 request, make the partner's webhook deliveries fail.
 */
export type FaultEffect =
  | { type: 'error'; status: number; code?: number; description?: string; retryAfterSeconds?: number }
  | { type: 'delay'; delayMs: number }
  | { type: 'drop' }
  /** The partner's webhook deliveries fail (with `status` as the receiver's answer, or no answer). */
  | { type: 'webhookFailure'; status?: number };

/** A fault rule on the partner's /v1 requests or webhook deliveries, as the sandbox lists it. */
export interface FaultRule {
  id: string;
  method: string;
  route: string;
  customerId: string | null;
  cartId: string | null;
  /** Firings left of a counted rule. */
  remaining: number | null;
  probability: number | null;
  effect: FaultEffect;
  createdAt: string;
  expiresAt: string;
}

/** A new fault rule: which requests (method, route pattern with `*` and `**`, customer, cart), how often, its effect. */
export interface NewFaultRule {
  method?: string;
  route?: string;
  customerId?: string;
  cartId?: string;
  count?: number;
  probability?: number;
  expiresInSeconds?: number;
  effect: FaultEffect;
}

/** One request of a partner's request log: what the service saw and answered (secrets redacted). */
export interface LoggedRequest {
  /** Its place in the log: later requests have larger ones. */
  seq: number;
  at: string;
  method: string;
  path: string;
  status: number;
  requestId: string;
  correlationId: string | null;
  latencyMs: number;
  replayed: boolean;
  /** The fault rule that answered it, if one did. */
  faultRuleId: string | null;
  [field: string]: unknown;
}
