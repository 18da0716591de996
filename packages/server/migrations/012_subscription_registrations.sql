-- An Azure subscription's registration for reserved-instance purchases (POST …/subscriptions/{s}/registrations),
-- the prerequisite `AzureSubscriptionRegistration` a reservation purchase checks. No row: NotRegistered.
CREATE TABLE subscription_registrations (
  subscription_id uuid PRIMARY KEY REFERENCES subscriptions (id) ON DELETE CASCADE,
  registered_at timestamptz NOT NULL
);
