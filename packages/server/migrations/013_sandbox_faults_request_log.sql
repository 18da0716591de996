-- Sandbox controls per partner tenant (issue 16, items 3-5). Every table here carries
-- partner_tenant_id, and `DELETE /sandbox/partners/{t}` removes its rows with the partner's.

-- Fault rules: a /v1 request of the tenant that matches (method, route pattern, optionally a customer
-- or cart) gets the rule's effect instead of (or, for a delay, before) its answer. `remaining` counts
-- down in the database (exact across processes); NULL: no count. `probability` NULL: always.
CREATE TABLE sandbox_fault_rules (
  id uuid PRIMARY KEY,
  partner_tenant_id uuid NOT NULL REFERENCES partners (tenant_id),
  method text NOT NULL,
  path_pattern text NOT NULL,
  customer_id uuid,
  cart_id uuid,
  remaining integer CHECK (remaining >= 0),
  probability double precision CHECK (probability > 0 AND probability <= 1),
  effect jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sandbox_fault_rules_partner_idx ON sandbox_fault_rules (partner_tenant_id, created_at);

-- The last requests of each tenant's /v1 calls and their answers (redacted, capped), newest by seq;
-- each insert trims the tenant's rows to the configured number in the same statement.
CREATE TABLE sandbox_request_log (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  partner_tenant_id uuid NOT NULL REFERENCES partners (tenant_id),
  at timestamptz NOT NULL DEFAULT now(),
  entry jsonb NOT NULL
);
CREATE INDEX sandbox_request_log_partner_idx ON sandbox_request_log (partner_tenant_id, seq);

-- What POST /sandbox/partners created, so POST /sandbox/partners/{t}/reset can put it back.
CREATE TABLE sandbox_partner_seeds (
  partner_tenant_id uuid PRIMARY KEY REFERENCES partners (tenant_id),
  customers jsonb NOT NULL
);
