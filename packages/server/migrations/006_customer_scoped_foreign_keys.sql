-- Orders, subscriptions and carts referenced their partner's row and, separately, their customer's.
-- Each foreign-key check share-locks the row it finds, so every checkout of a partner locked the one
-- `partners` row of that partner (a lock written to the row, a multixact once two checkouts overlap):
-- a partner's concurrent checkouts for all its customers met on one row. A customer belongs to one
-- partner, so one reference to (customer, partner) checks both, and more: that the partner is the
-- customer's. It locks only the customer's row.
ALTER TABLE customers ADD CONSTRAINT customers_id_partner_key UNIQUE (id, partner_tenant_id);

ALTER TABLE carts
  DROP CONSTRAINT carts_partner_tenant_id_fkey,
  DROP CONSTRAINT carts_customer_id_fkey,
  ADD CONSTRAINT carts_customer_partner_fkey FOREIGN KEY (customer_id, partner_tenant_id)
    REFERENCES customers (id, partner_tenant_id);

ALTER TABLE orders
  DROP CONSTRAINT orders_partner_tenant_id_fkey,
  DROP CONSTRAINT orders_customer_id_fkey,
  ADD CONSTRAINT orders_customer_partner_fkey FOREIGN KEY (customer_id, partner_tenant_id)
    REFERENCES customers (id, partner_tenant_id);

ALTER TABLE subscriptions
  DROP CONSTRAINT subscriptions_partner_tenant_id_fkey,
  DROP CONSTRAINT subscriptions_customer_id_fkey,
  ADD CONSTRAINT subscriptions_customer_partner_fkey FOREIGN KEY (customer_id, partner_tenant_id)
    REFERENCES customers (id, partner_tenant_id);

-- A job is its order's (the reference to the order stays); its partner column is the order's partner,
-- which `npm run check:consistency` verifies.
ALTER TABLE provisioning_jobs DROP CONSTRAINT provisioning_jobs_partner_tenant_id_fkey;
