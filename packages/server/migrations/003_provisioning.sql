-- Asynchronous provisioning: one job per pending order, written by checkout in its transaction and
-- claimed by workers under row locks (FOR UPDATE SKIP LOCKED) with a lease that outlives a crash.
ALTER TABLE order_line_items ADD COLUMN product_type text;
ALTER TABLE order_line_items ADD COLUMN provisioning_error text;

CREATE TABLE provisioning_jobs (
  order_id text PRIMARY KEY REFERENCES orders (id),
  partner_tenant_id uuid NOT NULL REFERENCES partners (tenant_id),
  state text NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
  run_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  locked_by text,
  locked_until timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX provisioning_jobs_due_idx ON provisioning_jobs (run_at) WHERE state IN ('queued', 'running');

-- Sandbox control of provisioning, per partner tenant: delay in seconds per product type, and
-- injected failures per catalog item (`failures` left to inject; NULL: fail every attempt).
CREATE TABLE sandbox_provisioning_settings (
  partner_tenant_id uuid PRIMARY KEY REFERENCES partners (tenant_id),
  delays jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE TABLE sandbox_provisioning_faults (
  partner_tenant_id uuid NOT NULL REFERENCES partners (tenant_id),
  catalog_item_id text NOT NULL,
  failures integer,
  message text NOT NULL,
  PRIMARY KEY (partner_tenant_id, catalog_item_id)
);
