/** Webhooks SQL: the registration, the events outbox with its delivery jobs, and delivery attempts. */
import type { Queryable, Writer } from '../../db/database.js';
import { tenantNow } from '../clock/repo.js';

export interface RegistrationRow {
  subscriber_id: string;
  webhook_url: string;
  webhook_events: string[];
}

export async function findRegistration(q: Queryable, tenantId: string, lock = false): Promise<RegistrationRow | undefined> {
  const rows = await q.query<RegistrationRow>(
    `SELECT subscriber_id, webhook_url, webhook_events FROM webhook_registrations WHERE partner_tenant_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [tenantId],
  );
  return rows[0];
}

/** Inserts the registration; false when the partner already has one. */
export async function insertRegistration(q: Queryable, tenantId: string, r: RegistrationRow): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO webhook_registrations (partner_tenant_id, subscriber_id, webhook_url, webhook_events) VALUES ($1, $2, $3, $4)
     ON CONFLICT (partner_tenant_id) DO NOTHING RETURNING 1`,
    [tenantId, r.subscriber_id, r.webhook_url, r.webhook_events],
  );
  return rows.length > 0;
}

export async function updateRegistration(q: Queryable, tenantId: string, url: string, events: string[]): Promise<RegistrationRow | undefined> {
  const rows = await q.query<RegistrationRow>(
    `UPDATE webhook_registrations SET webhook_url = $2, webhook_events = $3, updated_at = now() WHERE partner_tenant_id = $1
     RETURNING subscriber_id, webhook_url, webhook_events`,
    [tenantId, url, events],
  );
  return rows[0];
}

export async function deleteRegistration(q: Queryable, tenantId: string): Promise<boolean> {
  return (await q.query('DELETE FROM webhook_registrations WHERE partner_tenant_id = $1 RETURNING 1', [tenantId])).length > 0;
}

/** An event as a change point records it (the path is relative to the service's base URL). */
export interface NewEvent {
  id: string;
  name: string;
  resourceName: string;
  resourcePath: string;
  /** Groups a resource's events, delivered in order (`subscription:<id>`). */
  resourceKey: string;
  auditId?: string | null;
}

/** Delivery attempts before an event is dead-lettered: Partner Center makes 10 (partner-center-webhooks.md). */
export const DELIVERY_ATTEMPTS = 10;

/**
 * Writes the events and, for each one the partner's registration names, its delivery and delivery job,
 * in the caller's transaction (the outbox). Write-only statements, each from the same input, so a
 * WriteBatch can send them together with the change that causes them.
 */
export async function insertEvents(q: Writer, tenantId: string, events: NewEvent[]): Promise<void> {
  if (!events.length) return;
  const input = JSON.stringify(events.map((e, n) => ({ ...e, auditId: e.auditId ?? null, n })));
  const x = `jsonb_to_recordset($2::jsonb) AS x(id uuid, name text, "resourceName" text, "resourcePath" text, "resourceKey" text, "auditId" uuid, n integer)`;
  await q.query(
    `INSERT INTO events (partner_tenant_id, id, event_name, resource_name, resource_path, resource_key, audit_id, changed_at)
     SELECT $1, x.id, x.name, x."resourceName", x."resourcePath", x."resourceKey", x."auditId", ${tenantNow('$1::uuid')}
       FROM ${x} ORDER BY x.n`,
    [tenantId, input],
  );
  await q.query(
    `INSERT INTO webhook_deliveries (partner_tenant_id, event_id, url)
     SELECT $1, x.id, r.webhook_url FROM ${x} JOIN webhook_registrations r ON r.partner_tenant_id = $1 AND x.name = ANY (r.webhook_events)`,
    [tenantId, input],
  );
  await q.query(
    `INSERT INTO jobs (partner_tenant_id, kind, key, ordering_key, state, run_at, max_attempts)
     SELECT $1, 'webhook_delivery', x.id::text, x."resourceKey", 'queued', ${tenantNow('$1::uuid')}, $3
       FROM ${x} JOIN webhook_registrations r ON r.partner_tenant_id = $1 AND x.name = ANY (r.webhook_events)
      ORDER BY x.n`,
    [tenantId, input, DELIVERY_ATTEMPTS],
  );
}

export interface EventRow {
  id: string;
  seq: string | number;
  event_name: string;
  resource_name: string;
  resource_path: string;
  audit_id: string | null;
  changed_at: Date | string;
}

const EVENT_COLUMNS = 'e.id::text, e.seq, e.event_name, e.resource_name, e.resource_path, e.audit_id::text, e.changed_at';

/** The event a delivery job carries, and where it goes. */
export async function findDelivery(q: Queryable, tenantId: string, eventId: string): Promise<(EventRow & { url: string }) | undefined> {
  const rows = await q.query<EventRow & { url: string }>(
    `SELECT ${EVENT_COLUMNS}, d.url FROM events e JOIN webhook_deliveries d ON d.partner_tenant_id = e.partner_tenant_id AND d.event_id = e.id
      WHERE e.partner_tenant_id = $1 AND e.id = $2`,
    [tenantId, eventId],
  );
  return rows[0];
}

/** The tenant's events after `afterSeq`, oldest first. */
export async function eventsAfter(q: Queryable, tenantId: string, afterSeq: number, limit: number): Promise<EventRow[]> {
  return q.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events e WHERE e.partner_tenant_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3`, [tenantId, afterSeq, limit]);
}

export async function lastEventSeq(q: Queryable, tenantId: string): Promise<number> {
  const [r] = await q.query<{ seq: string | number | null }>('SELECT max(seq) AS seq FROM events WHERE partner_tenant_id = $1', [tenantId]);
  return Number(r?.seq ?? 0);
}

export interface Attempt {
  attempt: number;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  worker: string;
}

/** Keeps one attempt (once: a retried transaction does not write it twice). */
export async function insertAttempt(q: Queryable, tenantId: string, eventId: string, a: Attempt): Promise<void> {
  await q.query(
    `INSERT INTO webhook_attempts (partner_tenant_id, event_id, attempt, status_code, latency_ms, error, worker) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT DO NOTHING`,
    [tenantId, eventId, a.attempt, a.statusCode, a.latencyMs, a.error, a.worker],
  );
}

/** A delivery's state (its job's) and every attempt, oldest first; undefined when the event was never to be delivered. */
export async function deliveryStatus(q: Queryable, tenantId: string, eventId: string) {
  const [d] = await q.query<{ url: string; state: string | null; event_name: string }>(
    `SELECT d.url, j.state, e.event_name FROM webhook_deliveries d JOIN events e ON e.partner_tenant_id = d.partner_tenant_id AND e.id = d.event_id
       LEFT JOIN jobs j ON j.partner_tenant_id = d.partner_tenant_id AND j.kind = 'webhook_delivery' AND j.key = d.event_id::text
      WHERE d.partner_tenant_id = $1 AND d.event_id = $2`,
    [tenantId, eventId],
  );
  if (!d) return undefined;
  const attempts = await q.query<{ attempt: number; at: Date; status_code: number | null; latency_ms: number; error: string | null }>(
    'SELECT attempt, at, status_code, latency_ms, error FROM webhook_attempts WHERE partner_tenant_id = $1 AND event_id = $2 ORDER BY attempt',
    [tenantId, eventId],
  );
  return { ...d, attempts };
}

export interface DeliveryRow extends EventRow {
  url: string;
  state: string;
  last_error: string | null;
  attempts: { attempt: number; at: Date | string; status_code: number | null; latency_ms: number; error: string | null }[];
}

/**
 * The partner's deliveries, newest event first (before `beforeSeq` when given), each with its job's
 * state (written in the delivery's transaction, so always there) and every attempt; one statement, so a delivery and its attempts are read at one moment.
 */
export async function listDeliveries(q: Queryable, tenantId: string, limit: number, beforeSeq?: number): Promise<DeliveryRow[]> {
  return q.query<DeliveryRow>(
    `SELECT ${EVENT_COLUMNS}, d.url, j.state, j.last_error,
            COALESCE((SELECT json_agg(json_build_object('attempt', a.attempt, 'at', a.at, 'status_code', a.status_code, 'latency_ms', a.latency_ms, 'error', a.error)
                                      ORDER BY a.attempt)
                        FROM webhook_attempts a WHERE a.partner_tenant_id = d.partner_tenant_id AND a.event_id = d.event_id), '[]'::json) AS attempts
       FROM webhook_deliveries d
       JOIN events e ON e.partner_tenant_id = d.partner_tenant_id AND e.id = d.event_id
       JOIN jobs j ON j.partner_tenant_id = d.partner_tenant_id AND j.kind = 'webhook_delivery' AND j.key = d.event_id::text
      WHERE d.partner_tenant_id = $1 AND ($2::bigint IS NULL OR e.seq < $2)
      ORDER BY e.seq DESC LIMIT $3`,
    [tenantId, beforeSeq ?? null, limit],
  );
}

/** Test events the partner posted in the last minute (real time), for their own throttle: their times, oldest first. */
export async function recentTestEvents(q: Queryable, tenantId: string): Promise<Date[]> {
  const rows = await q.query<{ created_at: Date }>(
    `SELECT created_at FROM events WHERE partner_tenant_id = $1 AND event_name = 'test-created' AND created_at > now() - interval '1 minute' ORDER BY created_at`,
    [tenantId],
  );
  return rows.map((r) => new Date(r.created_at));
}
