-- One durable job mechanism (STYLE.md 18): every job of every kind in one table, claimed by workers
-- under row locks (FOR UPDATE SKIP LOCKED) with a lease that outlives a crash, retried with backoff.
-- `kind` says which handler runs it; `key` is the kind's own id (provisioning: the order id; webhook
-- delivery: the event id; renewal: the subscription id, due at its term's end). Jobs sharing an `ordering_key` run one at a time, in `seq` order: a
-- resource's later event waits until its earlier one is delivered or dead-lettered.
-- Provisioning jobs move over from provisioning_jobs, which goes; every subscription that is or will
-- be running gets its renewal job at its commitment end (renewals scanned the subscriptions before).
CREATE TABLE jobs (
  partner_tenant_id uuid NOT NULL REFERENCES partners (tenant_id),
  kind text NOT NULL CHECK (kind IN ('provisioning', 'webhook_delivery', 'renewal')),
  key text NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  ordering_key text,
  state text NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
  run_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  locked_by text,
  locked_until timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (partner_tenant_id, kind, key)
);
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_ordering_idx ON jobs (partner_tenant_id, ordering_key, seq) WHERE state IN ('queued', 'running') AND ordering_key IS NOT NULL;

INSERT INTO jobs (partner_tenant_id, kind, key, state, run_at, attempts, max_attempts, locked_by, locked_until, last_error, created_at, updated_at, finished_at)
SELECT partner_tenant_id, 'provisioning', order_id, state, run_at, attempts, max_attempts, locked_by, locked_until, last_error, created_at, updated_at, finished_at
  FROM provisioning_jobs ORDER BY created_at, order_id;
DROP TABLE provisioning_jobs;
INSERT INTO jobs (partner_tenant_id, kind, key, state, run_at, max_attempts)
SELECT partner_tenant_id, 'renewal', id::text, 'queued', commitment_end_date, 5
  FROM subscriptions WHERE status IN ('active', 'suspended', 'pending') ORDER BY commitment_end_date, id;
