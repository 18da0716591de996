/**
 * The checkout invariants, checked against the database itself (`npm run check:consistency`, and the
 * crash tests). Whatever clients, networks and crashes did, every cart must be either not yet (fully)
 * ordered with no stray orders, or Ordered with exactly the orders of its result.
 */
import type { Queryable } from './db/database.js';

export interface ConsistencyReport {
  carts: number;
  orderedCarts: number;
  orders: number;
  violations: string[];
}

/** Each query returns the offending rows, described; an empty result is a kept invariant. */
const CHECKS: [string, string][] = [
  [
    'an Ordered cart lacks its checkout result',
    `SELECT id::text AS what FROM carts WHERE status = 'Ordered' AND checkout_result IS NULL`,
  ],
  [
    "an Ordered cart's orders differ from the order groups of its lines",
    `SELECT c.id::text AS what FROM carts c
      WHERE c.status = 'Ordered' AND
        (SELECT coalesce(array_agg(DISTINCT l.line->>'orderGroup' ORDER BY l.line->>'orderGroup'), '{}')
           FROM jsonb_array_elements(c.line_items) AS l(line) WHERE l.line ? 'orderGroup')
        IS DISTINCT FROM
        (SELECT coalesce(array_agg(o.order_group ORDER BY o.order_group), '{}') FROM orders o WHERE o.partner_tenant_id = c.partner_tenant_id AND o.cart_id = c.id)`,
  ],
  [
    // Each group's lines in cart order, each add-on after its base line: the order lines' numbering.
    "an Ordered cart's lines differ from what its orders hold (item, quantity, term, in line order)",
    `SELECT c.id::text AS what FROM carts c
      WHERE c.status = 'Ordered' AND
        (SELECT coalesce(jsonb_agg(jsonb_build_array(e.grp, e.item, e.quantity, e.term) ORDER BY e.grp, e.pos, e.sub), '[]')
           FROM jsonb_array_elements(c.line_items) WITH ORDINALITY AS l(line, pos)
          CROSS JOIN LATERAL (
                SELECT l.line->>'orderGroup', l.pos, 0::bigint, l.line->>'catalogItemId', l.line->'quantity', l.line->>'termDuration'
                UNION ALL
                SELECT l.line->>'orderGroup', l.pos, a.n, a.addon->>'catalogItemId', a.addon->'quantity', a.addon->>'termDuration'
                  FROM jsonb_array_elements(CASE jsonb_typeof(l.line->'addonItems') WHEN 'array' THEN l.line->'addonItems' ELSE '[]' END)
                       WITH ORDINALITY AS a(addon, n)) AS e(grp, pos, sub, item, quantity, term)
          WHERE l.line ? 'orderGroup')
        IS DISTINCT FROM
        (SELECT coalesce(jsonb_agg(jsonb_build_array(o.order_group, ol.offer_id, to_jsonb(ol.quantity), ol.term_duration)
                                   ORDER BY o.order_group, ol.line_item_number), '[]')
           FROM orders o JOIN order_line_items ol ON ol.partner_tenant_id = o.partner_tenant_id AND ol.order_id = o.id
          WHERE o.partner_tenant_id = c.partner_tenant_id AND o.cart_id = c.id)`,
  ],
  [
    "an Ordered cart's stored result names other orders than it has",
    `SELECT c.id::text AS what FROM carts c
      WHERE c.status = 'Ordered' AND
        (SELECT coalesce(array_agg(r->>'id' ORDER BY r->>'id'), '{}') FROM jsonb_array_elements(c.checkout_result->'orders') r)
        IS DISTINCT FROM
        (SELECT coalesce(array_agg(o.id ORDER BY o.id), '{}') FROM orders o WHERE o.partner_tenant_id = c.partner_tenant_id AND o.cart_id = c.id)`,
  ],
  [
    'an Active cart has orders but is not marked partly ordered (checkout would not see them)',
    `SELECT c.id::text AS what FROM carts c
      WHERE c.status = 'Active' AND NOT c.partly_ordered
        AND EXISTS (SELECT 1 FROM orders o WHERE o.partner_tenant_id = c.partner_tenant_id AND o.cart_id = c.id)`,
  ],
  [
    "an Active cart has orders for all of its groups (it should be Ordered)",
    `SELECT c.id::text AS what FROM carts c
      WHERE c.status = 'Active' AND EXISTS (SELECT 1 FROM orders o WHERE o.partner_tenant_id = c.partner_tenant_id AND o.cart_id = c.id) AND NOT EXISTS (
        SELECT 1 FROM jsonb_array_elements(c.line_items) AS l(line) WHERE l.line ? 'orderGroup'
           AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.partner_tenant_id = c.partner_tenant_id AND o.cart_id = c.id
                           AND o.order_group = l.line->>'orderGroup'))`,
  ],
  [
    'an order has no lines',
    `SELECT o.id AS what FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_line_items l WHERE l.partner_tenant_id = o.partner_tenant_id AND l.order_id = o.id)`,
  ],
  [
    "an order's line numbers are not 0..n-1",
    `SELECT order_id AS what FROM order_line_items GROUP BY partner_tenant_id, order_id HAVING max(line_item_number) <> count(*) - 1 OR min(line_item_number) <> 0`,
  ],
  [
    'a completed order has a line that is not fulfilled',
    `SELECT o.id AS what FROM orders o JOIN order_line_items l ON l.partner_tenant_id = o.partner_tenant_id AND l.order_id = o.id
      WHERE o.status = 'completed' AND l.provisioning_status <> 'Fulfilled'`,
  ],
  [
    "an order line's subscription is missing or belongs to another order",
    `SELECT l.order_id || '#' || l.line_item_number AS what FROM order_line_items l
      LEFT JOIN subscriptions s ON s.partner_tenant_id = l.partner_tenant_id AND s.id = l.subscription_id
      WHERE l.subscription_id IS NOT NULL AND (s.id IS NULL OR s.order_id <> l.order_id)`,
  ],
  [
    'a subscription names an order that does not exist',
    `SELECT s.id::text AS what FROM subscriptions s
      WHERE s.order_id IS NOT NULL AND s.order_id <> '' AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.partner_tenant_id = s.partner_tenant_id AND o.id = s.order_id)`,
  ],
  // An order's partner is its cart's by foreign key
  // (020_shard_keys.sql: references between tenant tables go through partner_tenant_id).
  [
    "an order's customer differs from its cart's",
    `SELECT o.id AS what FROM orders o JOIN carts c ON c.partner_tenant_id = o.partner_tenant_id AND c.id = o.cart_id
      WHERE o.customer_id <> c.customer_id`,
  ],
  [
    'a running or pending subscription has no renewal job waiting',
    `SELECT s.id::text AS what FROM subscriptions s
      WHERE s.status IN ('active', 'suspended', 'pending') AND NOT EXISTS (
        SELECT 1 FROM jobs j WHERE j.partner_tenant_id = s.partner_tenant_id AND j.kind = 'renewal' AND j.key = s.id::text AND j.state IN ('queued', 'running'))`,
  ],
  [
    "a provisioning job's order is missing",
    `SELECT j.key AS what FROM jobs j LEFT JOIN orders o ON o.partner_tenant_id = j.partner_tenant_id AND o.id = j.key
      WHERE j.kind = 'provisioning' AND o.id IS NULL`,
  ],
];

export async function checkConsistency(db: Queryable): Promise<ConsistencyReport> {
  const violations: string[] = [];
  for (const [rule, sql] of CHECKS) {
    const rows = await db.query<{ what: string }>(sql);
    for (const r of rows.slice(0, 20)) violations.push(`${rule}: ${r.what}`);
    if (rows.length > 20) violations.push(`${rule}: … and ${rows.length - 20} more`);
  }
  const [counts] = await db.query<{ carts: number; ordered: number; orders: number }>(
    `SELECT (SELECT count(*)::int FROM carts) AS carts,
            (SELECT count(*)::int FROM carts WHERE status = 'Ordered') AS ordered,
            (SELECT count(*)::int FROM orders) AS orders`,
  );
  return { carts: counts.carts, orderedCarts: counts.ordered, orders: counts.orders, violations };
}
