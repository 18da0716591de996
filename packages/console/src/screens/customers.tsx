/**
 * Customers: the partner's list, a page at a time (`GET /v1/customers?size`, then the continuation
 * token), searched on the server (`filter`: company name or domain starting with the text, paged the
 * same way), and the new-customer form (`POST /v1/customers`).
 */
import type { CreatedCustomer, CustomerPage } from '@partner-commerce/contract';
import type { CustomerFilter } from '@partner-commerce/sdk';
import { useState } from 'preact/hooks';
import { useConsole } from '../app.js';
import { ErrorBox, Field, Page, Show, href, useAction, useLoad } from '../ui.js';

const PAGE_SIZE = 20;

export function Customers() {
  const { partner } = useConsole();
  // The continuation tokens of the pages before this one: "Previous" goes back to the last.
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  // What the search form asks for (the server keeps it in the continuation token).
  const [form, setForm] = useState<{ field: CustomerFilter['field']; value: string }>({ field: 'Domain', value: '' });
  const [filter, setFilter] = useState<CustomerFilter>();
  const token = tokens[tokens.length - 1];
  const page = useLoad<CustomerPage>(() => partner.customers.get({ size: PAGE_SIZE, continuationToken: token, filter }), [partner, token, filter]);
  const search = (e: Event) => {
    e.preventDefault();
    const value = form.value.trim();
    setFilter(value ? { field: form.field, value } : undefined);
    setTokens([undefined]);
  };

  return (
    <Page
      title="Customers"
      actions={
        <a class="button primary" href={href('customers', 'new')}>
          New customer
        </a>
      }
    >
      <form class="form-row customer-search" role="search" onSubmit={search}>
        <Field label="Search by">
          <select name="searchField" value={form.field} onChange={(e) => setForm((f) => ({ ...f, field: e.currentTarget.value as CustomerFilter['field'] }))}>
            <option value="Domain">Domain</option>
            <option value="CompanyName">Company name</option>
          </select>
        </Field>
        <Field label="Starts with" hint="Searches all your customers (case ignored); empty lists them all.">
          <input type="search" name="search" value={form.value} onInput={(e) => setForm((f) => ({ ...f, value: e.currentTarget.value }))} />
        </Field>
        <button type="submit" disabled={page.loading}>
          Search
        </button>
      </form>
      <Show loaded={page}>
        {(data) => (
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
                  {data.items.map((c) => (
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
            {data.items.length === 0 && <p>{filter ? 'No customer matches.' : 'No customers yet.'}</p>}
            <div class="pager">
              <button type="button" disabled={tokens.length < 2 || page.loading} onClick={() => setTokens((t) => t.slice(0, -1))}>
                Previous page
              </button>
              <span>
                Page {tokens.length} · {data.items.length} customers{filter ? ` whose ${filter.field === 'Domain' ? 'domain' : 'company name'} starts with “${filter.value}”` : ''}
              </span>
              <button type="button" disabled={!data.continuationToken || page.loading} onClick={() => setTokens((t) => [...t, data.continuationToken])}>
                Next page
              </button>
            </div>
          </>
        )}
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

