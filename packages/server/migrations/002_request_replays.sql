-- MS-RequestId replay: the response of each state-changing request a client identified with its own
-- MS-RequestId, per partner tenant, kept for at least 24 hours. A row is claimed ('in_progress')
-- before the request runs, so a concurrent duplicate sees it; a crashed claim expires with its lease.
CREATE TABLE request_replays (
  partner_tenant_id uuid NOT NULL,
  request_id text NOT NULL,
  operation text NOT NULL,
  fingerprint text NOT NULL,
  state text NOT NULL CHECK (state IN ('in_progress', 'done')),
  lease_until timestamptz NOT NULL,
  response_status integer,
  response_body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (partner_tenant_id, request_id)
);
CREATE INDEX request_replays_expiry_idx ON request_replays (expires_at);

-- Cart creation is idempotent on the client's MS-RequestId even if the replay record was not saved.
ALTER TABLE carts ADD COLUMN creation_request_id text;
CREATE UNIQUE INDEX carts_creation_request_idx ON carts (partner_tenant_id, creation_request_id);
