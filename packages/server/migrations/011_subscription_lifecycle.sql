-- The subscription lifecycle (issue 15): what a PATCH changes and what renewals read. The row is
-- also the renewal's durable job: an active or suspended subscription whose commitment_end_date has
-- passed on its partner's clock is due, claimed FOR UPDATE SKIP LOCKED, and renewing (end moved a
-- term on) or expiring it (status expired) is what makes it not due any more.
ALTER TABLE subscriptions ADD COLUMN cancellation_allowed_until timestamptz;
-- New-commerce seats that may still be reduced: [{quantity, allowedUntilDateTime}], one per addition.
ALTER TABLE subscriptions ADD COLUMN seat_windows jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE subscriptions ADD COLUMN renewal_term_duration text;
ALTER TABLE subscriptions ADD COLUMN scheduled_next_term jsonb;
-- attributes.etag: bumped by every change, compared with If-Match.
ALTER TABLE subscriptions ADD COLUMN version integer NOT NULL DEFAULT 1;
CREATE INDEX subscriptions_term_end_idx ON subscriptions (commitment_end_date) WHERE status IN ('active', 'suspended');

-- New-commerce licences bought before this migration get the 7-day (168 h) windows from their purchase.
UPDATE subscriptions
   SET cancellation_allowed_until = creation_date + interval '168 hours',
       seat_windows = jsonb_build_array(jsonb_build_object('quantity', quantity,
         'allowedUntilDateTime', to_char((creation_date + interval '168 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
 WHERE product_id IS NOT NULL AND billing_type = 'license';

-- Audit records of changes keep the resource before the change too (AuditRecord.resourceOldValue).
ALTER TABLE audit_records ADD COLUMN resource_old_value jsonb;
