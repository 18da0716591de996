/** One customer: its profile, subscriptions and orders, and the way to a new cart. */
import { useConsole } from '../app.js';
import { Page, Show, Status, formatDate, href, useLoad } from '../ui.js';

export function CustomerDetail({ customerId }: { customerId: string }) {
  const { partner } = useConsole();
  const ops = partner.customers.byId(customerId);
  const customer = useLoad(() => ops.get(), [customerId]);
  const subscriptions = useLoad(() => ops.subscriptions.get(), [customerId]);
  const orders = useLoad(() => ops.orders.get(), [customerId]);
  const name = customer.data?.companyProfile.companyName ?? 'Customer';

  return (
    <Page
      title={name}
      actions={
        <a class="button primary" href={href('customers', customerId, 'cart')}>
          New cart
        </a>
      }
    >
      <p class="crumbs">
        <a href={href('customers')}>Customers</a> › {name}
      </p>
      <Show loaded={customer}>
        {(c) => (
          <dl class="pairs card">
            <dt>Customer id</dt>
            <dd>
              <code>{c.id}</code>
            </dd>
            <dt>Domain</dt>
            <dd>{c.companyProfile.domain}</dd>
            <dt>Billing contact</dt>
            <dd>
              {c.billingProfile.firstName} {c.billingProfile.lastName} · {c.billingProfile.email}
            </dd>
            <dt>Country</dt>
            <dd>{c.billingProfile.defaultAddress.country}</dd>
          </dl>
        )}
      </Show>

      <h2>Subscriptions</h2>
      <Show loaded={subscriptions}>
        {(data) =>
          data.items.length === 0 ? (
            <p>No subscriptions yet.</p>
          ) : (
            <div class="table-wrap">
              <table aria-label="Subscriptions">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Status</th>
                    <th scope="col">Seats</th>
                    <th scope="col" class="wide-only">
                      Term · billing
                    </th>
                    <th scope="col" class="wide-only">
                      Term ends
                    </th>
                    <th scope="col" class="wide-only">
                      Auto-renew
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((s) => (
                    <tr key={s.id}>
                      <td>
                        <a href={href('customers', customerId, 'subscriptions', s.id)}>{s.friendlyName || s.offerName}</a>
                      </td>
                      <td>
                        <Status value={s.status} />
                      </td>
                      <td>{s.quantity}</td>
                      <td class="wide-only">
                        {s.termDuration ?? '—'} · {s.billingCycle}
                      </td>
                      <td class="wide-only">{formatDate(s.commitmentEndDate)}</td>
                      <td class="wide-only">{s.autoRenewEnabled ? 'on' : 'off'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>

      <h2>Orders</h2>
      <Show loaded={orders}>
        {(data) =>
          data.items.length === 0 ? (
            <p>No orders yet.</p>
          ) : (
            <div class="table-wrap">
              <table aria-label="Orders">
                <thead>
                  <tr>
                    <th scope="col">Order</th>
                    <th scope="col">Status</th>
                    <th scope="col">Billing cycle</th>
                    <th scope="col">Lines</th>
                    <th scope="col" class="wide-only">
                      Created
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((o) => (
                    <tr key={o.id}>
                      <td>
                        <a href={href('customers', customerId, 'orders', o.id)}>
                          <code>{o.id}</code>
                        </a>
                      </td>
                      <td>
                        <Status value={o.status} />
                      </td>
                      <td>{o.billingCycle}</td>
                      <td>{o.lineItems.length}</td>
                      <td class="wide-only">{formatDate(o.creationDate)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </Page>
  );
}
