-- Core schema: partners, customers, the read-only catalog, carts, orders, subscriptions.
-- Every tenant-owned row carries partner_tenant_id so that each query can be scoped by it.

CREATE TABLE partners (
  tenant_id uuid PRIMARY KEY,
  name text NOT NULL,
  mpn_id text NOT NULL,
  client_id text NOT NULL UNIQUE,
  client_secret_hash text NOT NULL,
  username text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  user_object_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE customers (
  id uuid PRIMARY KEY,
  partner_tenant_id uuid NOT NULL REFERENCES partners (tenant_id),
  commerce_id uuid NOT NULL,
  company_name text NOT NULL,
  domain text NOT NULL UNIQUE,
  country text NOT NULL,
  culture text NOT NULL DEFAULT 'en-US',
  billing_contact jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_partner_idx ON customers (partner_tenant_id, created_at, id);

-- Catalog: read-only, loaded from seed/catalog.json at start-up. Wire fields live in `data`;
-- the columns are what queries filter and join on.
CREATE TABLE products (
  id text PRIMARY KEY,
  target_views text[] NOT NULL,
  data jsonb NOT NULL
);

CREATE TABLE skus (
  product_id text NOT NULL REFERENCES products (id),
  id text NOT NULL,
  data jsonb NOT NULL,
  PRIMARY KEY (product_id, id)
);

CREATE TABLE availabilities (
  product_id text NOT NULL,
  sku_id text NOT NULL,
  id text NOT NULL,
  catalog_item_id text NOT NULL UNIQUE,
  country text NOT NULL,
  is_purchasable boolean NOT NULL,
  unit_price numeric(12, 2) NOT NULL,
  data jsonb NOT NULL,
  PRIMARY KEY (product_id, sku_id, id),
  FOREIGN KEY (product_id, sku_id) REFERENCES skus (product_id, id)
);
CREATE INDEX availabilities_sku_country_idx ON availabilities (product_id, sku_id, country);

-- Legacy offers (ids such as MS-AZR-0145P or GUIDs), bought by offer id.
CREATE TABLE offers (
  id text PRIMARY KEY,
  country text NOT NULL,
  is_available_for_purchase boolean NOT NULL,
  unit_price numeric(12, 2) NOT NULL,
  data jsonb NOT NULL
);

CREATE TABLE carts (
  id uuid PRIMARY KEY,
  partner_tenant_id uuid NOT NULL REFERENCES partners (tenant_id),
  customer_id uuid NOT NULL REFERENCES customers (id),
  status text NOT NULL CHECK (status IN ('Active', 'Ordered')),
  creation_timestamp timestamptz NOT NULL,
  last_modified_timestamp timestamptz NOT NULL,
  expiration_timestamp timestamptz NOT NULL,
  last_modified_user text NOT NULL,
  partner_on_record_attestation_accepted boolean,
  -- The CartCheckoutResult of the checkout that ordered the cart, replayed to later checkouts.
  checkout_result jsonb
);
CREATE INDEX carts_customer_idx ON carts (customer_id);

CREATE TABLE cart_line_items (
  cart_id uuid NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
  position integer NOT NULL,
  -- The line as returned (CartLineItem wire shape, add-ons nested in addonItems).
  line jsonb NOT NULL,
  PRIMARY KEY (cart_id, position)
);

CREATE TABLE orders (
  id text PRIMARY KEY,
  alternate_id text NOT NULL,
  partner_tenant_id uuid NOT NULL REFERENCES partners (tenant_id),
  customer_id uuid NOT NULL REFERENCES customers (id),
  cart_id uuid REFERENCES carts (id),
  order_group text,
  billing_cycle text NOT NULL,
  currency_code text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'completed', 'cancelled')),
  transaction_type text NOT NULL,
  partner_on_record_attestation_accepted boolean,
  creation_date timestamptz NOT NULL,
  -- One order per cart and group, whatever clients and the network do.
  UNIQUE (cart_id, order_group)
);
CREATE INDEX orders_customer_idx ON orders (customer_id, creation_date, id);

CREATE TABLE order_line_items (
  order_id text NOT NULL REFERENCES orders (id),
  line_item_number integer NOT NULL,
  offer_id text NOT NULL,
  product_id text,
  sku_id text,
  availability_id text,
  country text NOT NULL,
  subscription_id uuid,
  parent_subscription_id uuid,
  friendly_name text,
  quantity integer NOT NULL,
  billing_cycle text NOT NULL,
  term_duration text,
  renews_to jsonb,
  promotion_id text,
  custom_term_end_date timestamptz,
  transaction_type text NOT NULL,
  provisioning_context jsonb,
  partner_id_on_record text,
  attestation_accepted boolean,
  unit_price numeric(12, 2) NOT NULL,
  provisioning_status text NOT NULL CHECK (provisioning_status IN ('PrefulfillmentPending', 'Fulfilled', 'Unfulfilled')),
  PRIMARY KEY (order_id, line_item_number)
);

CREATE TABLE subscriptions (
  id uuid PRIMARY KEY,
  entitlement_id uuid NOT NULL,
  partner_tenant_id uuid NOT NULL REFERENCES partners (tenant_id),
  customer_id uuid NOT NULL REFERENCES customers (id),
  order_id text,
  offer_id text NOT NULL,
  product_id text,
  sku_id text,
  availability_id text,
  country text NOT NULL,
  offer_name text NOT NULL,
  friendly_name text NOT NULL,
  quantity integer NOT NULL,
  unit_type text NOT NULL,
  parent_subscription_id uuid,
  creation_date timestamptz NOT NULL,
  effective_start_date timestamptz NOT NULL,
  commitment_end_date timestamptz NOT NULL,
  status text NOT NULL,
  auto_renew_enabled boolean NOT NULL,
  is_trial boolean NOT NULL,
  billing_type text NOT NULL,
  billing_cycle text NOT NULL,
  term_duration text,
  contract_type text NOT NULL
);
CREATE INDEX subscriptions_customer_idx ON subscriptions (customer_id, creation_date, id);
CREATE INDEX subscriptions_order_idx ON subscriptions (order_id);

-- Signing keys of the sandbox token issuer, shared by every process on the database.
CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
