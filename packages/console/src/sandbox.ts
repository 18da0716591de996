/**
 * The sandbox's control routes of the signed-in partner that the SDK has no fluent methods for yet
 * (fault rules, request log, reset), sent through the SDK's transport as `pcx sandbox` does; the clock
 * uses the SDK's `sandbox.clock`. `/sandbox/partners/{tenantId}/…` answers the partner's own token.
 */
import type { PartnerOperations } from '@partner-commerce/sdk';

/** A fault rule as the server lists it. */
export interface FaultRule {
  id: string;
  method: string;
  route: string;
  customerId: string | null;
  cartId: string | null;
  remaining: number | null;
  probability: number | null;
  effect: { type: string; status?: number; code?: number; delayMs?: number; description?: string };
  createdAt: string;
  expiresAt: string;
}

/** What a new fault rule says (the server's NewRule). */
export interface NewFaultRule {
  method?: string;
  route?: string;
  count?: number;
  effect: { type: 'error'; status: number; code?: number; description?: string } | { type: 'delay'; delayMs: number } | { type: 'drop' };
}

/** One entry of the partner's request log. */
export interface LoggedRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  status: number;
  requestId?: string;
  durationMs?: number;
}

/** The control API of one partner tenant. */
export function sandboxOf(partner: PartnerOperations, tenantId: string) {
  const path = (...rest: string[]) => ['sandbox', 'partners', tenantId, ...rest];
  const send = async <T>(method: 'GET' | 'POST' | 'DELETE', segments: string[], extra: { body?: unknown; query?: Record<string, number | undefined> } = {}) =>
    (await partner.transport.send<T>({ method, path: segments, ...extra })).body;
  return {
    clock: partner.sandbox.byTenant(tenantId).clock,
    faults: {
      list: async () => (await send<{ items: FaultRule[] }>('GET', path('faults'))).items,
      add: (rule: NewFaultRule) => send<FaultRule>('POST', path('faults'), { body: rule }),
      remove: (ruleId: string) => send<unknown>('DELETE', path('faults', ruleId)),
      removeAll: () => send<unknown>('DELETE', path('faults')),
    },
    /** Log entries after `after` (a seq), oldest first; without it, the newest `limit`. */
    requests: async (after?: number, limit = 50) => (await send<{ items: LoggedRequest[] }>('GET', path('requests'), { query: { after, limit } })).items,
    reset: () => send<{ tenantId: string }>('POST', path('reset')),
  };
}

export type SandboxControls = ReturnType<typeof sandboxOf>;
