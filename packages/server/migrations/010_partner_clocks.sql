-- Each partner tenant's clock (STYLE.md 16): real time plus an offset the sandbox user moves forward
-- (POST /sandbox/partners/{t}/clock), never back. No row: real time. Every time rule reads it.
CREATE TABLE partner_clocks (
  partner_tenant_id uuid PRIMARY KEY REFERENCES partners (tenant_id) ON DELETE CASCADE,
  offset_ms bigint NOT NULL CHECK (offset_ms >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
