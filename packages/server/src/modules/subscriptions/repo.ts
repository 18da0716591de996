/** Subscription SQL: tenant-scoped reads, a one-statement multi-row insert, changes, and claiming due renewals. */
import type { ScheduledNextTermInstructions } from '@partner-commerce/contract';
import type { Queryable, Writer } from '../../db/database.js';
import { isGuid } from '../../wire.js';

/** New-commerce seats that may still be reduced until `allowedUntilDateTime` (one entry per addition). */
export interface SeatWindow {
  quantity: number;
  allowedUntilDateTime: string;
}

export interface SubscriptionRecord {
  id: string;
  entitlementId: string;
  partnerTenantId: string;
  customerId: string;
  orderId: string | null;
  offerId: string;
  productId: string | null;
  skuId: string | null;
  availabilityId: string | null;
  country: string;
  offerName: string;
  friendlyName: string;
  quantity: number;
  unitType: string;
  parentSubscriptionId: string | null;
  creationDate: string;
  effectiveStartDate: string;
  commitmentEndDate: string;
  status: string;
  autoRenewEnabled: boolean;
  isTrial: boolean;
  billingType: string;
  billingCycle: string;
  termDuration: string | null;
  contractType: string;
  /** Null: cancellation is not allowed (legacy, usage); otherwise the end of the 7-day window. */
  cancellationAllowedUntil: string | null;
  seatWindows: SeatWindow[];
  renewalTermDuration: string | null;
  scheduledNextTerm: ScheduledNextTermInstructions | null;
  /** Bumped by every change; `attributes.etag`. */
  version: number;
}

const COLUMNS: [keyof SubscriptionRecord, string, string][] = [
  ['id', 'id', 'uuid'],
  ['entitlementId', 'entitlement_id', 'uuid'],
  ['partnerTenantId', 'partner_tenant_id', 'uuid'],
  ['customerId', 'customer_id', 'uuid'],
  ['orderId', 'order_id', 'text'],
  ['offerId', 'offer_id', 'text'],
  ['productId', 'product_id', 'text'],
  ['skuId', 'sku_id', 'text'],
  ['availabilityId', 'availability_id', 'text'],
  ['country', 'country', 'text'],
  ['offerName', 'offer_name', 'text'],
  ['friendlyName', 'friendly_name', 'text'],
  ['quantity', 'quantity', 'int'],
  ['unitType', 'unit_type', 'text'],
  ['parentSubscriptionId', 'parent_subscription_id', 'uuid'],
  ['creationDate', 'creation_date', 'timestamptz'],
  ['effectiveStartDate', 'effective_start_date', 'timestamptz'],
  ['commitmentEndDate', 'commitment_end_date', 'timestamptz'],
  ['status', 'status', 'text'],
  ['autoRenewEnabled', 'auto_renew_enabled', 'boolean'],
  ['isTrial', 'is_trial', 'boolean'],
  ['billingType', 'billing_type', 'text'],
  ['billingCycle', 'billing_cycle', 'text'],
  ['termDuration', 'term_duration', 'text'],
  ['contractType', 'contract_type', 'text'],
  ['cancellationAllowedUntil', 'cancellation_allowed_until', 'timestamptz'],
  ['seatWindows', 'seat_windows', 'jsonb'],
  ['renewalTermDuration', 'renewal_term_duration', 'text'],
  ['scheduledNextTerm', 'scheduled_next_term', 'jsonb'],
  ['version', 'version', 'int'],
];

/** What a change or a renewal may rewrite (everything else is fixed at creation). */
const MUTABLE = new Set<keyof SubscriptionRecord>([
  'offerId', 'productId', 'skuId', 'availabilityId', 'offerName', 'friendlyName', 'quantity', 'effectiveStartDate', 'commitmentEndDate',
  'status', 'autoRenewEnabled', 'billingCycle', 'termDuration', 'cancellationAllowedUntil', 'seatWindows', 'renewalTermDuration',
  'scheduledNextTerm', 'version',
]);

const SELECT = COLUMNS.map(([field, column]) => `${column} AS "${field}"`).join(', ');

const INSERT = `INSERT INTO subscriptions (${COLUMNS.map(([, c]) => c).join(', ')})
     SELECT ${COLUMNS.map(([f]) => `"${f}"`).join(', ')}
       FROM jsonb_to_recordset($1::jsonb) AS x(${COLUMNS.map(([f, , t]) => `"${f}" ${t}`).join(', ')})`;

/** Attempts of a renewal job (a database failure) before it is left failed for `npm run check:consistency` to report. */
const RENEWAL_ATTEMPTS = 5;

/** Inserts subscriptions and, in the same transaction (or batch), each one's renewal job at its commitment end. */
export async function insertSubscriptions(q: Writer, subs: SubscriptionRecord[]): Promise<void> {
  if (!subs.length) return;
  await q.query(INSERT, [JSON.stringify(subs)]);
  await q.query(
    `INSERT INTO jobs (partner_tenant_id, kind, key, state, run_at, max_attempts)
     SELECT x."partnerTenantId", 'renewal', x.id, 'queued', x."commitmentEndDate", $2
       FROM jsonb_to_recordset($1::jsonb) AS x("partnerTenantId" uuid, id text, "commitmentEndDate" timestamptz)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(subs.map(({ partnerTenantId, id, commitmentEndDate }) => ({ partnerTenantId, id, commitmentEndDate }))), RENEWAL_ATTEMPTS],
  );
}

const UPDATE = (() => {
  const cols = COLUMNS.filter(([f]) => MUTABLE.has(f));
  return `UPDATE subscriptions s SET ${cols.map(([f, c]) => `${c} = x."${f}"`).join(', ')}
      FROM jsonb_to_record($2::jsonb) AS x(${cols.map(([f, , t]) => `"${f}" ${t}`).join(', ')})
     WHERE s.partner_tenant_id = $3 AND s.id = $1`;
})();

/** Writes a changed or renewed subscription's mutable fields. */
export async function updateSubscription(q: Writer, sub: SubscriptionRecord): Promise<void> {
  await q.query(UPDATE, [sub.id, JSON.stringify(sub), sub.partnerTenantId]);
}

const iso = (d: string | Date) => new Date(d).toISOString();
const normalize = (r: SubscriptionRecord): SubscriptionRecord => ({
  ...r,
  creationDate: iso(r.creationDate),
  effectiveStartDate: iso(r.effectiveStartDate),
  commitmentEndDate: iso(r.commitmentEndDate),
  cancellationAllowedUntil: r.cancellationAllowedUntil && iso(r.cancellationAllowedUntil),
  version: Number(r.version),
});

/** The subscription, row-locked for the transaction with `lock` (a change reads and writes it under the lock). */
export async function findSubscription(q: Queryable, tenantId: string, customerId: string, id: string, lock = false) {
  const rows = await q.query<SubscriptionRecord>(
    `SELECT ${SELECT} FROM subscriptions WHERE partner_tenant_id = $1 AND customer_id = $2 AND id = $3${lock ? ' FOR UPDATE' : ''}`,
    [tenantId, customerId, id],
  );
  return rows[0] && normalize(rows[0]);
}

/** The statuses of subscriptions `ids`, row-locked for the caller's transaction (in id order: no deadlock between two movers). */
export async function lockStatuses(q: Queryable, tenantId: string, ids: string[]) {
  return q.query<{ id: string; status: string }>(
    'SELECT id, status FROM subscriptions WHERE partner_tenant_id = $2 AND id = ANY ($1::uuid[]) ORDER BY id FOR UPDATE',
    [ids, tenantId],
  );
}

/** Writes new statuses (each a new version: a new etag). */
export async function setStatuses(q: Queryable, tenantId: string, moves: { id: string; status: string }[]): Promise<void> {
  if (!moves.length) return;
  await q.query(
    `UPDATE subscriptions s SET status = x.status, version = s.version + 1
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, status text) WHERE s.partner_tenant_id = $2 AND s.id = x.id`,
    [JSON.stringify(moves), tenantId],
  );
}

/** Renewal states: a term ends for active and suspended subscriptions only. */
/** A subscription of the tenant by id alone, row-locked (its renewal job names no customer). */
export async function lockSubscriptionById(q: Queryable, tenantId: string, id: string) {
  const rows = await q.query<SubscriptionRecord>(`SELECT ${SELECT} FROM subscriptions WHERE partner_tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id]);
  return rows[0] && normalize(rows[0]);
}

export async function listSubscriptions(q: Queryable, tenantId: string, customerId: string, orderId?: string) {
  const rows = await q.query<SubscriptionRecord>(
    `SELECT ${SELECT} FROM subscriptions WHERE partner_tenant_id = $1 AND customer_id = $2 AND ($3::text IS NULL OR order_id = $3)
     ORDER BY creation_date, id`,
    [tenantId, customerId, orderId ?? null],
  );
  return rows.map(normalize);
}

/** The customer's subscriptions among `ids` (for cart rules: RI scope, add-on parents). */
export async function findOwnedSubscriptions(q: Queryable, tenantId: string, customerId: string, ids: string[]) {
  if (!ids.length) return [];
  return q.query<{ id: string; offerId: string; billingType: string; status: string }>(
    `SELECT id, offer_id AS "offerId", billing_type AS "billingType", status FROM subscriptions
      WHERE partner_tenant_id = $3 AND customer_id = $1 AND id = ANY ($2::uuid[])`,
    [customerId, ids, tenantId],
  );
}

/** The add-ons bought on subscription `parentId` (`…/subscriptions/{s}/addons`). */
export async function listAddOns(q: Queryable, tenantId: string, customerId: string, parentId: string) {
  const rows = await q.query<SubscriptionRecord>(
    `SELECT ${SELECT} FROM subscriptions WHERE partner_tenant_id = $1 AND customer_id = $2 AND parent_subscription_id = $3
     ORDER BY creation_date, id`,
    [tenantId, customerId, parentId],
  );
  return rows.map(normalize);
}

/** The provisioning status of the order line that created subscription `id` (null: none, e.g. a sandbox-made one). */
export async function findLineProvisioningStatus(q: Queryable, tenantId: string, orderId: string | null, id: string): Promise<string | null> {
  if (!orderId) return null;
  const rows = await q.query<{ status: string }>(
    'SELECT provisioning_status AS status FROM order_line_items WHERE partner_tenant_id = $3 AND order_id = $1 AND subscription_id = $2 LIMIT 1',
    [orderId, id, tenantId],
  );
  return rows[0]?.status ?? null;
}

/** When subscription `id` was registered for reservations, if it was. */
export async function findRegistration(q: Queryable, tenantId: string, id: string): Promise<Date | undefined> {
  const rows = await q.query<{ registered_at: string | Date }>(
    'SELECT registered_at FROM subscription_registrations WHERE partner_tenant_id = $1 AND subscription_id = $2',
    [tenantId, id],
  );
  return rows[0] && new Date(rows[0].registered_at);
}

/** Which of the customer's subscriptions among `ids` are registered for reservations (checkout's 800030 check). */
export async function registeredSubscriptions(q: Queryable, tenantId: string, customerId: string, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await q.query<{ id: string }>(
    `SELECT r.subscription_id AS id FROM subscription_registrations r
       JOIN subscriptions s ON s.partner_tenant_id = r.partner_tenant_id AND s.id = r.subscription_id
      WHERE r.partner_tenant_id = $3 AND s.customer_id = $1 AND r.subscription_id = ANY ($2::uuid[])`,
    [customerId, ids.filter((id) => isGuid(id)), tenantId],
  );
  return rows.map((r) => r.id);
}

/** Registers subscription `id` at `at`; a second registration keeps the first time. */
export async function insertRegistration(q: Queryable, tenantId: string, id: string, at: Date): Promise<void> {
  await q.query(
    'INSERT INTO subscription_registrations (partner_tenant_id, subscription_id, registered_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [tenantId, id, at.toISOString()],
  );
}

/** A stored transition: its rendered resource (`data`) and when it happened. */
export interface TransitionRecord {
  operationId: string;
  partnerTenantId: string;
  customerId: string;
  fromSubscriptionId: string;
  toSubscriptionId: string;
  data: unknown;
  createdAt: string;
}

export async function insertTransition(q: Writer, t: TransitionRecord): Promise<void> {
  await q.query(
    `INSERT INTO subscription_transitions (operation_id, partner_tenant_id, customer_id, from_subscription_id, to_subscription_id, data, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [t.operationId, t.partnerTenantId, t.customerId, t.fromSubscriptionId, t.toSubscriptionId, JSON.stringify(t.data), t.createdAt],
  );
}

/** The transitions subscription `id` was the source or target of, oldest first, optionally one operation's. */
export async function listTransitions(q: Queryable, tenantId: string, id: string, operationId?: string) {
  const rows = await q.query<{ data: unknown }>(
    `SELECT data FROM subscription_transitions
      WHERE partner_tenant_id = $1 AND (from_subscription_id = $2 OR to_subscription_id = $2) AND ($3::uuid IS NULL OR operation_id = $3::uuid)
      ORDER BY created_at, operation_id`,
    [tenantId, id, operationId ?? null],
  );
  return rows.map((r) => r.data);
}
