-- Shard-ready keys (issue 18 item 3, docs/scaling.md). On Citus every tenant table is distributed by
-- partner_tenant_id, and Citus enforces a PRIMARY KEY or UNIQUE constraint only when it holds the
-- distribution column, and a FOREIGN KEY between two distributed tables only when both sides name it.
-- So: every tenant table carries partner_tenant_id, its primary key and unique constraints lead with
-- it, and references between tenant tables go through (partner_tenant_id, id). References to the
-- catalog and to `partners` (reference tables, copied to every node) stay as they are.
-- test/schema-sharding.test.ts checks these rules on the live schema.

-- 1. The two tenant tables that knew their tenant only through a parent row.
ALTER TABLE order_line_items ADD COLUMN partner_tenant_id uuid;
UPDATE order_line_items l SET partner_tenant_id = o.partner_tenant_id FROM orders o WHERE o.id = l.order_id;
ALTER TABLE order_line_items ALTER COLUMN partner_tenant_id SET NOT NULL;

ALTER TABLE subscription_registrations ADD COLUMN partner_tenant_id uuid;
UPDATE subscription_registrations r SET partner_tenant_id = s.partner_tenant_id FROM subscriptions s WHERE s.id = r.subscription_id;
ALTER TABLE subscription_registrations ALTER COLUMN partner_tenant_id SET NOT NULL;

-- 2. References between tenant tables go before the keys they use.
ALTER TABLE carts DROP CONSTRAINT carts_customer_partner_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_customer_partner_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_cart_id_fkey;
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_customer_partner_fkey;
ALTER TABLE order_line_items DROP CONSTRAINT order_line_items_order_id_fkey;
ALTER TABLE subscription_registrations DROP CONSTRAINT subscription_registrations_subscription_id_fkey;
ALTER TABLE subscription_transitions DROP CONSTRAINT subscription_transitions_from_subscription_id_fkey;
ALTER TABLE subscription_transitions DROP CONSTRAINT subscription_transitions_to_subscription_id_fkey;

-- 3. Keys lead with the tenant. An id is now unique within its partner: every query names the partner.
ALTER TABLE customers DROP CONSTRAINT customers_id_partner_key;
ALTER TABLE customers DROP CONSTRAINT customers_pkey;
ALTER TABLE customers ADD PRIMARY KEY (partner_tenant_id, id);

ALTER TABLE carts DROP CONSTRAINT carts_pkey;
ALTER TABLE carts ADD PRIMARY KEY (partner_tenant_id, id);
DROP INDEX carts_customer_idx;
CREATE INDEX carts_customer_idx ON carts (partner_tenant_id, customer_id);

ALTER TABLE orders DROP CONSTRAINT orders_pkey;
ALTER TABLE orders ADD PRIMARY KEY (partner_tenant_id, id);
ALTER TABLE orders DROP CONSTRAINT orders_cart_id_order_group_key;
ALTER TABLE orders ADD CONSTRAINT orders_cart_group_key UNIQUE (partner_tenant_id, cart_id, order_group);
DROP INDEX orders_customer_idx;
CREATE INDEX orders_customer_idx ON orders (partner_tenant_id, customer_id, creation_date, id);

ALTER TABLE order_line_items DROP CONSTRAINT order_line_items_pkey;
ALTER TABLE order_line_items ADD PRIMARY KEY (partner_tenant_id, order_id, line_item_number);

ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_pkey;
ALTER TABLE subscriptions ADD PRIMARY KEY (partner_tenant_id, id);
DROP INDEX subscriptions_customer_idx;
CREATE INDEX subscriptions_customer_idx ON subscriptions (partner_tenant_id, customer_id, creation_date, id);
DROP INDEX subscriptions_order_idx;
CREATE INDEX subscriptions_order_idx ON subscriptions (partner_tenant_id, order_id);

ALTER TABLE audit_records DROP CONSTRAINT audit_records_pkey;
ALTER TABLE audit_records ADD PRIMARY KEY (partner_tenant_id, id);

ALTER TABLE subscription_registrations DROP CONSTRAINT subscription_registrations_pkey;
ALTER TABLE subscription_registrations ADD PRIMARY KEY (partner_tenant_id, subscription_id);

ALTER TABLE subscription_transitions DROP CONSTRAINT subscription_transitions_pkey;
ALTER TABLE subscription_transitions ADD PRIMARY KEY (partner_tenant_id, operation_id);
DROP INDEX subscription_transitions_from;
CREATE INDEX subscription_transitions_from ON subscription_transitions (partner_tenant_id, from_subscription_id, created_at);

ALTER TABLE sandbox_fault_rules DROP CONSTRAINT sandbox_fault_rules_pkey;
ALTER TABLE sandbox_fault_rules ADD PRIMARY KEY (partner_tenant_id, id);

ALTER TABLE sandbox_request_log DROP CONSTRAINT sandbox_request_log_pkey;
ALTER TABLE sandbox_request_log ADD PRIMARY KEY (partner_tenant_id, seq);

-- 4. The references again, each through the partner: a row can only point at its own partner's rows.
ALTER TABLE carts ADD CONSTRAINT carts_customer_fkey FOREIGN KEY (partner_tenant_id, customer_id)
  REFERENCES customers (partner_tenant_id, id);
ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (partner_tenant_id, customer_id)
  REFERENCES customers (partner_tenant_id, id);
ALTER TABLE orders ADD CONSTRAINT orders_cart_fkey FOREIGN KEY (partner_tenant_id, cart_id)
  REFERENCES carts (partner_tenant_id, id);
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_customer_fkey FOREIGN KEY (partner_tenant_id, customer_id)
  REFERENCES customers (partner_tenant_id, id);
ALTER TABLE order_line_items ADD CONSTRAINT order_line_items_order_fkey FOREIGN KEY (partner_tenant_id, order_id)
  REFERENCES orders (partner_tenant_id, id);
ALTER TABLE subscription_registrations ADD CONSTRAINT subscription_registrations_subscription_fkey
  FOREIGN KEY (partner_tenant_id, subscription_id) REFERENCES subscriptions (partner_tenant_id, id) ON DELETE CASCADE;
ALTER TABLE subscription_transitions ADD CONSTRAINT subscription_transitions_from_fkey
  FOREIGN KEY (partner_tenant_id, from_subscription_id) REFERENCES subscriptions (partner_tenant_id, id) ON DELETE CASCADE;
ALTER TABLE subscription_transitions ADD CONSTRAINT subscription_transitions_to_fkey
  FOREIGN KEY (partner_tenant_id, to_subscription_id) REFERENCES subscriptions (partner_tenant_id, id) ON DELETE CASCADE;

-- 5. A customer's domain is unique across partners (as Entra ID's are): a constraint no tenant shard
-- can hold. The claim on a domain moves to a table of its own, keyed (and on Citus distributed) by
-- the domain in lower case (domain names are case-insensitive; the key is what a lookup routes by);
-- creating a customer writes both rows in one transaction.
CREATE TABLE customer_domains (
  domain text PRIMARY KEY CHECK (domain = lower(domain)),
  partner_tenant_id uuid NOT NULL,
  customer_id uuid NOT NULL
);
INSERT INTO customer_domains (domain, partner_tenant_id, customer_id)
  SELECT DISTINCT ON (lower(domain)) lower(domain), partner_tenant_id, id FROM customers ORDER BY lower(domain), created_at, id;
CREATE INDEX customer_domains_partner_idx ON customer_domains (partner_tenant_id);
ALTER TABLE customers DROP CONSTRAINT customers_domain_key;
