-- New-commerce transitions (upgrades) of a subscription (POST/GET …/subscriptions/{s}/transitions): one row per
-- transition, its source and target subscriptions, and the events it went through.
CREATE TABLE subscription_transitions (
  operation_id uuid PRIMARY KEY,
  partner_tenant_id uuid NOT NULL,
  customer_id uuid NOT NULL,
  from_subscription_id uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  to_subscription_id uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX subscription_transitions_from ON subscription_transitions (from_subscription_id, created_at);
