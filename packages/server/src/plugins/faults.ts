/**
 * Fault injection per partner tenant (sandbox only; issue 16 item 3, after LocalStack's chaos API and
 * Toxiproxy). A rule (`/sandbox/partners/{t}/faults`) matches the tenant's `/v1` requests by method,
 * route pattern and optionally customer or cart, with a count or a probability, until it expires; its
 * effect replaces the answer with an error in Partner Center's body (429 with `Retry-After`, 500, 503,
 * 409·800064, ...), sleeps before handling, or drops the connection without an answer. Provisioning
 * failures are injected per catalog item by `/sandbox/partners/{t}/provisioning/faults/{item}`.
 *
 * The hook runs on every `/v1` request after authentication (it needs the tenant), before
 * throttling, replay and body parsing. Rules live in the database; each process keeps each tenant's
 * active rules for at most `cacheMs` (PC_SANDBOX_FAULT_CACHE_MS, 1 s), so the hot path costs one indexed query per tenant per second
 * per process, whether or not the tenant has rules, and none in between. Trade-offs, chosen knowingly:
 * - a rule added or removed through this process takes effect at once (its cache entry is dropped);
 *   through another process, within `cacheMs`;
 * - a counted rule fires exactly `count` times across every process: each firing decrements it in the
 *   database (`remaining > 0`), and a decrement that finds none left does not fire, so a counted rule
 *   removed or expired elsewhere never fires again either;
 * - an uncounted rule removed through another process may still fire for up to `cacheMs`.
 */
import fp from 'fastify-plugin';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes } from '@partner-commerce/contract';
import type { Queryable } from '../db/database.js';
import { errorBody } from './errors.js';
import { sendThrottled } from './throttling.js';
import type { FaultEffect, FaultRule, NewFaultRule } from '@partner-commerce/contract';

export type { FaultEffect, FaultRule, NewFaultRule };

interface RuleRow {
  id: string;
  method: string;
  path_pattern: string;
  customer_id: string | null;
  cart_id: string | null;
  remaining: number | null;
  probability: number | null;
  effect: FaultEffect;
  created_at: Date | string;
  expires_at: Date | string;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const toRule = (r: RuleRow): FaultRule => ({
  id: r.id,
  method: r.method,
  route: r.path_pattern,
  customerId: r.customer_id,
  cartId: r.cart_id,
  remaining: r.remaining,
  probability: r.probability,
  effect: r.effect,
  createdAt: iso(r.created_at),
  expiresAt: iso(r.expires_at),
});

const RULE_COLUMNS = 'id, method, path_pattern, customer_id::text, cart_id::text, remaining, probability, effect, created_at, expires_at';

/** The tenant's rules that can still fire, oldest first (the order they are tried in). */
export async function activeRules(q: Queryable, tenantId: string): Promise<FaultRule[]> {
  const rows = await q.query<RuleRow>(
    `SELECT ${RULE_COLUMNS} FROM sandbox_fault_rules
      WHERE partner_tenant_id = $1 AND expires_at > now() AND (remaining IS NULL OR remaining > 0)
      ORDER BY created_at, id`,
    [tenantId],
  );
  return rows.map(toRule);
}

export async function addRule(q: Queryable, tenantId: string, r: NewFaultRule): Promise<FaultRule> {
  const [row] = await q.query<RuleRow>(
    `INSERT INTO sandbox_fault_rules (id, partner_tenant_id, method, path_pattern, customer_id, cart_id, remaining, probability, effect, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(secs => $10))
     RETURNING ${RULE_COLUMNS}`,
    [
      randomUUID(),
      tenantId,
      (r.method ?? '*').toUpperCase(),
      r.route ?? '/v1/**',
      r.customerId?.toLowerCase() ?? null,
      r.cartId?.toLowerCase() ?? null,
      r.count ?? null,
      r.probability ?? null,
      JSON.stringify(effectOf(r.effect)),
      r.expiresInSeconds ?? 3600,
    ],
  );
  return toRule(row);
}

/** The effect's own fields only (the schema lets unknown ones through its union). */
function effectOf(e: FaultEffect): FaultEffect {
  if (e.type === 'delay') return { type: 'delay', delayMs: e.delayMs };
  if (e.type === 'drop') return { type: 'drop' };
  if (e.type === 'webhookFailure') return { type: 'webhookFailure', ...(e.status !== undefined && { status: e.status }) };
  const { status, code, description, retryAfterSeconds } = e;
  return { type: 'error', status, code, description, retryAfterSeconds };
}

/** Every rule of the tenant, spent and expired ones included until they are removed. */
export async function listRules(q: Queryable, tenantId: string): Promise<FaultRule[]> {
  const rows = await q.query<RuleRow>(`SELECT ${RULE_COLUMNS} FROM sandbox_fault_rules WHERE partner_tenant_id = $1 ORDER BY created_at, id`, [tenantId]);
  return rows.map(toRule);
}

/** Removes one rule (or all, without `id`); the number removed. */
export async function removeRules(q: Queryable, tenantId: string, id?: string): Promise<number> {
  const rows = id
    ? await q.query('DELETE FROM sandbox_fault_rules WHERE partner_tenant_id = $1 AND id = $2 RETURNING 1', [tenantId, id])
    : await q.query('DELETE FROM sandbox_fault_rules WHERE partner_tenant_id = $1 RETURNING 1', [tenantId]);
  return rows.length;
}

/**
 * The partner's first webhook-failure rule that fires now (rolled under its probability, a firing of
 * a counted one used up), for the delivery about to be attempted; undefined: deliver as usual. Method,
 * route, customer and cart do not apply to deliveries.
 */
export async function takeWebhookFault(q: Queryable, tenantId: string): Promise<{ id: string; status?: number } | undefined> {
  for (const rule of await activeRules(q, tenantId)) {
    if (rule.effect.type !== 'webhookFailure') continue;
    if (rule.probability !== null && Math.random() >= rule.probability) continue;
    if (rule.remaining !== null && !(await takeOne(q, tenantId, rule.id))) continue;
    return { id: rule.id, status: rule.effect.status };
  }
  return undefined;
}

/** Uses up one firing of a counted rule; false when none is left (here or in another process). */
async function takeOne(q: Queryable, tenantId: string, id: string): Promise<boolean> {
  const rows = await q.query(
    `UPDATE sandbox_fault_rules SET remaining = remaining - 1
      WHERE partner_tenant_id = $1 AND id = $2 AND remaining > 0 AND expires_at > now() RETURNING 1`,
    [tenantId, id],
  );
  return rows.length > 0;
}

/** One path segment against a segment pattern whose `*` match any run of characters (no case). */
function segmentMatches(pattern: string, segment: string): boolean {
  // The greedy two-pointer wildcard match: O(pattern × segment) at worst, never exponential.
  let p = 0;
  let s = 0;
  let star = -1;
  let mark = 0;
  while (s < segment.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === segment[s]) {
      p++;
      s++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = s;
    } else if (star >= 0) {
      p = star + 1;
      s = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * A route pattern as a matcher of request paths (no query): `*` within a segment matches any
 * characters but `/`, a `**` segment any number of segments; the rest is literal, compared without
 * case. Dynamic programming over segments: linear in pattern × path, whatever the pattern.
 */
export function routeMatcher(pattern: string): { test(path: string): boolean } {
  const ps = pattern.toLowerCase().replace(/\/+$/, '').split('/');
  return {
    test(path: string) {
      const ss = path.toLowerCase().replace(/\/+$/, '').split('/');
      // can[j]: the pattern's first i segments match the path's first j (row by row over i).
      let can = Array<boolean>(ss.length + 1).fill(false);
      can[0] = true;
      for (const seg of ps) {
        const next = Array<boolean>(ss.length + 1).fill(false);
        for (let j = 0; j <= ss.length; j++) {
          if (seg === '**') next[j] = can[j] || (j > 0 && next[j - 1]);
          else next[j] = j > 0 && can[j - 1] && segmentMatches(seg, ss[j - 1]);
        }
        can = next;
      }
      return can[ss.length];
    },
  };
}

/** The route patterns the API accepts: a path from the root, of segments, `*` and `**`. */
export const ROUTE_PATTERN = '^/[A-Za-z0-9._~%*\\-/]*$';

const DEFAULT_CODES: Record<number, number> = {
  400: ErrorCodes.InvalidRequestInput.code,
  401: ErrorCodes.PartnerTokenMissing.code,
  403: ErrorCodes.Forbidden.code,
  404: ErrorCodes.NotFound.code,
  409: ErrorCodes.RequestInProgress.code,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function applyError(reply: FastifyReply, e: Extract<FaultEffect, { type: 'error' }>) {
  if (e.status === 429) return sendThrottled(reply, e.retryAfterSeconds ?? 1);
  if (e.retryAfterSeconds !== undefined) reply.header('Retry-After', String(e.retryAfterSeconds));
  const code = e.code ?? DEFAULT_CODES[e.status] ?? ErrorCodes.UnexpectedServiceError.code;
  return reply.status(e.status).send(errorBody(code, e.description ?? `Fault injected by the sandbox (HTTP ${e.status}).`));
}

declare module 'fastify' {
  interface FastifyInstance {
    sandboxFaults: FaultInjector;
  }
  interface FastifyRequest {
    /** The fault rule that answered or delayed this request, if one did. */
    faultRuleId?: string;
  }
}

export class FaultInjector {
  private readonly cache = new Map<string, { at: number; rules: (FaultRule & { matcher: { test(path: string): boolean } })[] }>();

  /** Told of each connection a rule drops (the request log records it: it gets no onResponse). */
  onDrop?: (req: FastifyRequest, reply: FastifyReply) => void;

  constructor(
    private readonly db: Queryable,
    private readonly cacheMs: number,
  ) {}

  /** Forgets what this process knows of a tenant's rules (after a change through this process). */
  forget(tenantId: string) {
    this.cache.delete(tenantId);
  }

  private async rules(tenantId: string) {
    const now = Date.now();
    const hit = this.cache.get(tenantId);
    if (hit && now - hit.at < this.cacheMs) return hit.rules;
    const rules = (await activeRules(this.db, tenantId)).filter((r) => r.effect.type !== 'webhookFailure').map((r) => ({ ...r, matcher: routeMatcher(r.route) }));
    this.cache.set(tenantId, { at: now, rules });
    // Idle tenants do not accumulate: entries past their age are of no use.
    if (this.cache.size > 10_000) for (const [t, e] of this.cache) if (now - e.at >= this.cacheMs) this.cache.delete(t);
    return rules;
  }

  /** The onRequest hook of `/v1` (after authentication). */
  readonly hook = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.principal) return;
    const tenantId = req.principal.tenantId;
    const rules = await this.rules(tenantId);
    if (!rules.length) return;
    const path = req.url.split('?')[0];
    const params = req.params as { customerId?: string; cartId?: string };
    const now = Date.now();
    for (const rule of rules) {
      if (Date.parse(rule.expiresAt) <= now) continue;
      if (rule.method !== '*' && rule.method !== req.method) continue;
      if (!rule.matcher.test(path)) continue;
      if (rule.customerId && rule.customerId !== params.customerId?.toLowerCase()) continue;
      if (rule.cartId && rule.cartId !== params.cartId?.toLowerCase()) continue;
      if (rule.probability !== null && Math.random() >= rule.probability) continue;
      if (rule.remaining !== null && !(await takeOne(this.db, tenantId, rule.id))) {
        rule.remaining = 0;
        rule.expiresAt = new Date(0).toISOString();
        continue;
      }
      req.faultRuleId = rule.id;
      req.log.info({ faultRuleId: rule.id, effect: rule.effect.type }, 'sandbox fault injected');
      const effect = rule.effect;
      if (effect.type === 'delay') {
        await sleep(effect.delayMs);
        return;
      }
      if (effect.type === 'drop') {
        this.onDrop?.(req, reply);
        reply.hijack();
        req.raw.socket?.destroy();
        return;
      }
      if (effect.type === 'error') return applyError(reply, effect);
    }
  };
}

/** Decorates the app with the injector; `/v1` adds its hook (app.ts), sandbox routes manage the rules. */
export default fp(async function faults(app: FastifyInstance) {
  app.decorate('sandboxFaults', new FaultInjector(app.db, app.config.faultCacheMs));
});
