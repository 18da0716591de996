-- Partner Center webhooks (issue 16 items 1-2): one registration per partner tenant, the events
-- outbox (written in the transaction of the change that causes them), and every delivery attempt.
-- A delivery is a `webhook_delivery` job (017_jobs.sql) keyed by the event id.
CREATE TABLE webhook_registrations (
  partner_tenant_id uuid NOT NULL REFERENCES partners (tenant_id),
  subscriber_id uuid NOT NULL,
  webhook_url text NOT NULL,
  webhook_events text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partner_tenant_id)
);

-- The outbox: one row per event, its id stable across every delivery attempt (receivers deduplicate
-- on it). `seq` orders a tenant's events (the SSE stream resumes after one); `resource_key` groups a
-- resource's events, delivered in order. `changed_at` is on the partner's clock.
CREATE TABLE events (
  partner_tenant_id uuid NOT NULL REFERENCES partners (tenant_id),
  id uuid NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  event_name text NOT NULL,
  resource_name text NOT NULL,
  resource_path text NOT NULL,
  resource_key text NOT NULL,
  audit_id uuid,
  changed_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partner_tenant_id, id)
);
CREATE INDEX events_seq_idx ON events (partner_tenant_id, seq);

-- Where an event went: the URL at the time (a later PUT does not redirect what was queued).
CREATE TABLE webhook_deliveries (
  partner_tenant_id uuid NOT NULL,
  event_id uuid NOT NULL,
  url text NOT NULL,
  PRIMARY KEY (partner_tenant_id, event_id),
  FOREIGN KEY (partner_tenant_id, event_id) REFERENCES events (partner_tenant_id, id)
);

-- Every attempt: status code (NULL: no answer), latency, error. `attempt` is the job's attempt number.
CREATE TABLE webhook_attempts (
  partner_tenant_id uuid NOT NULL,
  event_id uuid NOT NULL,
  attempt integer NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  status_code integer,
  latency_ms integer NOT NULL,
  error text,
  worker text NOT NULL,
  PRIMARY KEY (partner_tenant_id, event_id, attempt),
  FOREIGN KEY (partner_tenant_id, event_id) REFERENCES webhook_deliveries (partner_tenant_id, event_id)
);

-- The key the sandbox signs deliveries with and the self-signed certificate it serves for them: one
-- for the whole service (every process signs with the same), made by the first process to need it.
CREATE TABLE webhook_signing_keys (
  id integer PRIMARY KEY CHECK (id = 1),
  private_key_pem text NOT NULL,
  certificate_der bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
