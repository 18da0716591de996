-- Throttling: requests per partner tenant in fixed one-minute windows, counted in the database so
-- the limit holds across every API process.
CREATE TABLE throttle_windows (
  partner_tenant_id uuid NOT NULL,
  window_start timestamptz NOT NULL,
  requests integer NOT NULL,
  PRIMARY KEY (partner_tenant_id, window_start)
);

-- Audit: who (partner, app, user) did what to which cart and order, written in the same transaction.
CREATE TABLE audit_records (
  id uuid PRIMARY KEY,
  partner_tenant_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  operation_type text NOT NULL,
  resource_type text NOT NULL,
  resource_id text NOT NULL,
  resource_new_value jsonb,
  application_id text NOT NULL,
  user_id text,
  user_principal_name text,
  request_id text,
  correlation_id text,
  operation_date timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_records_partner_date_idx ON audit_records (partner_tenant_id, operation_date);
