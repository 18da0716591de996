/**
 * The sandbox world: partner tenants with credentials, customers with an Azure subscription, and an
 * active cart shaped like the checkout doc's example. Used by the demo seed and by `POST /sandbox/partners`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { CartInput } from '@partner-commerce/contract';
import { withinTransaction, type Database, type Queryable } from '../../db/database.js';
import { hashSecret, verifySecret, type Principal } from '../../auth/tokens.js';
import { fail } from '../../errors.js';
import { createCart } from '../carts/service.js';
import { insertCustomer, type CustomerRecord } from '../customers/repo.js';
import { resolveCatalogItems } from '../catalog/service.js';
import { buildSubscription } from '../subscriptions/service.js';
import { insertRegistration, insertSubscriptions } from '../subscriptions/repo.js';
import { partnerNow } from '../clock/service.js';

export interface PartnerCredentials {
  tenantId: string;
  name: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  userObjectId: string;
}

export interface SandboxCustomer {
  id: string;
  companyName: string;
  domain: string;
  country: string;
  azureSubscriptionId: string;
  cartId: string;
}

/** The checkout doc's cart (checkout-a-cart.md, create-a-cart.md), for a customer's Azure subscription. */
export const demoCartInput = (azureSubscriptionId: string): CartInput => ({
  lineItems: [
    { id: 0, catalogItemId: 'MS-AZR-0145P', friendlyName: 'Microsoft Azure', quantity: 1, billingCycle: 'monthly', termDuration: 'P1Y' },
    {
      id: 1,
      catalogItemId: 'DZH318Z0BQ36:004G:DZH318Z08C0S',
      quantity: 1,
      billingCycle: 'one_time',
      termDuration: 'P1Y',
      provisioningContext: { subscriptionId: azureSubscriptionId, scope: 'shared' },
    },
    {
      id: 2,
      catalogItemId: 'DZH318Z0BQ36:004J:DZH318Z08B8X',
      quantity: 1,
      billingCycle: 'one_time',
      termDuration: 'P3Y',
      provisioningContext: { subscriptionId: azureSubscriptionId, scope: 'single' },
    },
    { id: 3, catalogItemId: 'DG7GMGF0DWM3:0002:DG7GMGF0DT1M', quantity: 1, billingCycle: 'one_time' },
    { id: 4, catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
  ],
});

/**
 * Creates the partner tenant, or gives the existing one these credentials: the demo partner is seeded
 * at every start, and the credentials printed then (PC_SANDBOX_*) must be the ones that sign in.
 */
export async function upsertPartner(q: Queryable, p: PartnerCredentials): Promise<void> {
  await q.query(
    `INSERT INTO partners (tenant_id, name, mpn_id, client_id, client_secret_hash, username, password_hash, user_object_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (tenant_id) DO UPDATE SET client_id = EXCLUDED.client_id, client_secret_hash = EXCLUDED.client_secret_hash,
                                           username = EXCLUDED.username, password_hash = EXCLUDED.password_hash`,
    [
      p.tenantId,
      p.name,
      String(1_000_000 + (parseInt(p.tenantId.slice(0, 6), 16) % 8_000_000)),
      p.clientId,
      await hashSecret(p.clientSecret),
      p.username,
      await hashSecret(p.password),
      p.userObjectId,
    ],
  );
}

/** The customer's existing Azure (MS-AZR-0145P) subscription, which reservations are bought against. */
async function insertAzureSubscription(db: Database, tenantId: string, customerId: string, subscriptionId: string) {
  const items = await resolveCatalogItems(db, ['MS-AZR-0145P']);
  const item = items.get('MS-AZR-0145P');
  if (!item) throw new Error('the catalog lacks MS-AZR-0145P');
  const sub = buildSubscription({
    partnerTenantId: tenantId,
    customerId,
    orderId: '',
    item,
    quantity: 1,
    billingCycle: 'monthly',
    status: 'active',
    now: await partnerNow(db, tenantId),
  });
  await insertSubscriptions(db, [{ ...sub, id: subscriptionId, orderId: null }]);
  // Registered for reservations already, so that the doc's example cart (two reservations) checks out as written.
  await insertRegistration(db, tenantId, subscriptionId, new Date(sub.creationDate));
}

export interface NewSandboxCustomer {
  id?: string;
  commerceId?: string;
  companyName?: string;
  domain?: string;
  country?: string;
  azureSubscriptionId?: string;
  cartId?: string;
}

/** Adds a customer with an Azure subscription and an active cart shaped like the doc's example, in one transaction. */
export function addSandboxCustomer(db: Database, partner: Pick<PartnerCredentials, 'tenantId' | 'clientId'>, c: NewSandboxCustomer = {}): Promise<SandboxCustomer> {
  return db.transaction(async (tx) => {
    const { commerceId: _c, ...customer } = await insertSandboxCustomer(withinTransaction(db, tx), partner, c);
    return customer;
  });
}

export async function insertSandboxCustomer(
  db: Database,
  partner: Pick<PartnerCredentials, 'tenantId' | 'clientId'>,
  c: NewSandboxCustomer,
): Promise<SandboxCustomer & { commerceId: string }> {
  const id = c.id ?? randomUUID();
  const suffix = randomBytes(4).toString('hex');
  const record: CustomerRecord = {
    id,
    partnerTenantId: partner.tenantId,
    commerceId: c.commerceId ?? randomUUID(),
    companyName: c.companyName ?? `Sandbox Customer ${suffix}`,
    domain: c.domain ?? `sandbox${suffix}.onmicrosoft.com`,
    country: c.country ?? 'US',
    culture: 'en-US',
    billingContact: {
      id: randomUUID(),
      firstName: 'Alex',
      lastName: 'Sandbox',
      email: `billing@${c.domain ?? `sandbox${suffix}.onmicrosoft.com`}`,
      address: { city: 'Redmond', state: 'WA', addressLine1: '1 Microsoft Way', postalCode: '98052' },
    },
  };
  await insertCustomer(db, record);
  const azureSubscriptionId = (c.azureSubscriptionId ?? randomUUID()).toLowerCase();
  await insertAzureSubscription(db, partner.tenantId, id, azureSubscriptionId);
  const principal: Principal = { tenantId: partner.tenantId, appId: partner.clientId, kind: 'app' };
  const cart = await createCart(db, principal, id, demoCartInput(azureSubscriptionId), { cartId: c.cartId });
  return { id, commerceId: record.commerceId, companyName: record.companyName, domain: record.domain, country: record.country, azureSubscriptionId, cartId: cart.id };
}

/** Creates a fresh partner tenant with one sandbox customer (`POST /sandbox/partners`), in one transaction. */
export function createSandboxPartner(db: Database, name?: string) {
  return db.transaction((tx) => insertSandboxPartner(withinTransaction(db, tx), name));
}

async function insertSandboxPartner(db: Database, name?: string) {
  const tenantId = randomUUID();
  const credentials: PartnerCredentials = {
    tenantId,
    name: name ?? `Sandbox Partner ${tenantId.slice(0, 8)}`,
    clientId: randomUUID(),
    clientSecret: randomBytes(24).toString('base64url'),
    username: `admin@partner${tenantId.slice(0, 8)}.onmicrosoft.com`,
    password: randomBytes(18).toString('base64url'),
    userObjectId: randomUUID(),
  };
  await upsertPartner(db, credentials);
  const { commerceId, ...customer } = await insertSandboxCustomer(db, credentials, {});
  // What reset puts back (POST /sandbox/partners/{t}/reset).
  await db.query('INSERT INTO sandbox_partner_seeds (partner_tenant_id, customers) VALUES ($1, $2)', [
    tenantId,
    JSON.stringify([{ ...customer, commerceId }]),
  ]);
  const { userObjectId: _u, ...shown } = credentials;
  return { ...shown, customers: [customer] };
}

export async function requirePartner(q: Queryable, tenantId: string) {
  const rows = await q.query<{ tenant_id: string; client_id: string }>('SELECT tenant_id, client_id FROM partners WHERE tenant_id = $1', [
    tenantId,
  ]);
  if (!rows[0]) fail('NotFound', `Partner tenant ${tenantId} was not found.`);
  return { tenantId: rows[0].tenant_id, clientId: rows[0].client_id };
}

const PARTNER_COLUMNS = 'tenant_id, client_id, client_secret_hash, username, password_hash, user_object_id';

interface PartnerRow {
  tenant_id: string;
  client_id: string;
  client_secret_hash: string;
  username: string;
  password_hash: string;
  user_object_id: string;
}

/** Client-credentials sign-in: the app-only principal, or undefined for unknown credentials. */
export async function signInApp(q: Queryable, clientId: string, clientSecret: string): Promise<Principal | undefined> {
  const [p] = await q.query<PartnerRow>(`SELECT ${PARTNER_COLUMNS} FROM partners WHERE client_id = $1`, [clientId]);
  if (!p || !(await verifySecret(clientSecret, p.client_secret_hash))) return undefined;
  return { tenantId: p.tenant_id, appId: p.client_id, kind: 'app' };
}

/** Password sign-in of the partner's user: the app+user principal, or undefined. */
export async function signInUser(q: Queryable, username: string, password: string): Promise<Principal | undefined> {
  const [p] = await q.query<PartnerRow>(`SELECT ${PARTNER_COLUMNS} FROM partners WHERE lower(username) = lower($1)`, [username]);
  if (!p || !(await verifySecret(password, p.password_hash))) return undefined;
  return { tenantId: p.tenant_id, appId: p.client_id, kind: 'app+user', userId: p.user_object_id, upn: p.username };
}
