/**
 * Customers: the partner's list, a page at a time (`GET /v1/customers?size`, then the continuation
 * token), searched within the loaded page, and the new-customer form (`POST /v1/customers`).
 */
import type { CreatedCustomer, CustomerPage } from '@partner-commerce/contract';
import { useState } from 'preact/hooks';
import { useConsole } from '../app.js';
import { ErrorBox, Field, Page, Show, href, useAction, useLoad } from '../ui.js';

const PAGE_SIZE = 20;

export function Customers() {
  const { partner } = useConsole();
  // The continuation tokens of the pages before this one: "Previous" goes back to the last.
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [search, setSearch] = useState('');
  const token = tokens[tokens.length - 1];
  const page = useLoad<CustomerPage>(() => partner.customers.get({ size: PAGE_SIZE, continuationToken: token }), [partner, token]);
  const needle = search.trim().toLowerCase();

  return (
    <Page
      title="Customers"
      actions={
        <a class="button primary" href={href('customers', 'new')}>
          New customer
        </a>
      }
    >
      <Field label="Search this page" hint="Matches company name, domain, email or id among the customers loaded on this page.">
        <input type="search" name="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
      </Field>
      <Show loaded={page}>
        {(data) => {
          const items = data.items.filter(
            (c) =>
              !needle ||
              [c.id, c.companyProfile.companyName, c.companyProfile.domain, c.billingProfile.email].some((v) => v.toLowerCase().includes(needle)),
          );
          return (
            <>
              <div class="table-wrap">
                <table>
                  <caption class="visually-hidden">Customers</caption>
                  <thead>
                    <tr>
                      <th scope="col">Company</th>
                      <th scope="col">Domain</th>
                      <th scope="col" class="wide-only">
                        Email
                      </th>
                      <th scope="col" class="wide-only">
                        Id
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((c) => (
                      <tr key={c.id}>
                        <td>
                          <a href={href('customers', c.id)}>{c.companyProfile.companyName || c.billingProfile.companyName}</a>
                        </td>
                        <td>{c.companyProfile.domain}</td>
                        <td class="wide-only">{c.billingProfile.email}</td>
                        <td class="wide-only">
                          <code>{c.id}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {items.length === 0 && <p>{needle ? 'No customer on this page matches.' : 'No customers yet.'}</p>}
              <div class="pager">
                <button type="button" disabled={tokens.length < 2 || page.loading} onClick={() => setTokens((t) => t.slice(0, -1))}>
                  Previous page
                </button>
                <span>
                  Page {tokens.length} · {data.items.length} customers
                </span>
                <button type="button" disabled={!data.continuationToken || page.loading} onClick={() => setTokens((t) => [...t, data.continuationToken])}>
                  Next page
                </button>
              </div>
            </>
          );
        }}
      </Show>
    </Page>
  );
}

const EMPTY = {
  companyName: '',
  domain: '',
  email: '',
  firstName: '',
  lastName: '',
  addressLine1: '',
  city: '',
  state: '',
  postalCode: '',
  country: 'US',
  culture: 'en-US',
  language: 'en',
};
type Form = typeof EMPTY;

const FIELDS: { key: keyof Form; label: string; email?: boolean; hint?: string; optional?: boolean }[] = [
  { key: 'companyName', label: 'Company name' },
  { key: 'domain', label: 'Domain', hint: 'The customer tenant’s initial domain, e.g. fabrikam.onmicrosoft.com' },
  { key: 'email', label: 'Billing email', email: true },
  { key: 'firstName', label: 'First name' },
  { key: 'lastName', label: 'Last name' },
  { key: 'addressLine1', label: 'Address' },
  { key: 'city', label: 'City' },
  { key: 'state', label: 'State or region', optional: true },
  { key: 'postalCode', label: 'Postal code', optional: true },
  { key: 'country', label: 'Country (ISO 3166 two letters)' },
  { key: 'culture', label: 'Culture' },
  { key: 'language', label: 'Language' },
];

export function NewCustomer() {
  const { partner } = useConsole();
  const [form, setForm] = useState<Form>(EMPTY);
  const [created, setCreated] = useState<CreatedCustomer>();
  const action = useAction();
  const set = (key: keyof Form, value: string) => setForm((f) => ({ ...f, [key]: value }));

  const submit = async (e: Event) => {
    e.preventDefault();
    const customer = await action.run(() =>
      partner.customers.create({
        billingProfile: {
          email: form.email,
          culture: form.culture,
          language: form.language,
          companyName: form.companyName,
          defaultAddress: {
            firstName: form.firstName,
            lastName: form.lastName,
            addressLine1: form.addressLine1,
            city: form.city,
            state: form.state || undefined,
            postalCode: form.postalCode || undefined,
            country: form.country,
          },
        },
        companyProfile: { domain: form.domain },
      }),
    );
    if (customer) setCreated(customer);
  };

  if (created) {
    return (
      <Page title="Customer created">
        <p>
          <a href={href('customers', created.id)}>{created.companyProfile.companyName}</a> was created.
        </p>
        <div class="card" role="status">
          <p>The customer's first admin (shown only this once):</p>
          <dl class="pairs">
            <dt>User name</dt>
            <dd>
              <code>{created.userCredentials.userName}</code>
            </dd>
            <dt>Password</dt>
            <dd>
              <code>{created.userCredentials.password}</code>
            </dd>
          </dl>
        </div>
        <a class="button primary" href={href('customers', created.id, 'cart')}>
          Build a cart for this customer
        </a>
      </Page>
    );
  }
  return (
    <Page title="New customer">
      <form class="form-grid" onSubmit={submit}>
        {FIELDS.map((f) => (
          <Field key={f.key} label={f.label} hint={f.hint}>
            {f.email ? (
              <input name={f.key} type="email" required value={form[f.key]} onInput={(e) => set(f.key, e.currentTarget.value)} />
            ) : (
              <input name={f.key} required={!f.optional} value={form[f.key]} onInput={(e) => set(f.key, e.currentTarget.value)} />
            )}
          </Field>
        ))}
        <div class="form-actions">
          <button type="submit" class="primary" disabled={action.pending}>
            {action.pending ? 'Creating…' : 'Create customer'}
          </button>
          <a href={href('customers')}>Cancel</a>
        </div>
      </form>
      <ErrorBox error={action.error} title="The customer was not created" />
    </Page>
  );
}

