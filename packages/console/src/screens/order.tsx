/**
 * An order with live provisioning progress: the order (`include_price`) and its lines' provisioning
 * status (`…/provisioningstatus`, app+user tokens only, as in Partner Center), read again every
 * second while a line is still PrefulfillmentPending.
 */
import type { Order, OrderLineItemProvisioningStatus } from '@partner-commerce/sdk';
import { useState } from 'preact/hooks';
import { useConsole } from '../app.js';
import { ErrorBox, Page, Show, Status, formatDate, formatMoney, href, useLoad, usePoll } from '../ui.js';

const POLL_MS = 1000;
const isPending = (status: string) => status === 'PrefulfillmentPending';

export function OrderDetail({ customerId, orderId }: { customerId: string; orderId: string }) {
  const { partner } = useConsole();
  const ops = partner.customers.byId(customerId).orders.byId(orderId);
  const order = useLoad(() => ops.get({ includePrice: true }), [orderId]);
  const [statuses, setStatuses] = useState<OrderLineItemProvisioningStatus[]>();
  const [statusError, setStatusError] = useState<unknown>();

  const readStatus = async () => {
    try {
      const s = await ops.provisioningStatus.get();
      setStatuses(s.items);
      setStatusError(undefined);
      // The order's own status and subscription ids change as its lines are fulfilled.
      if (!s.items.some((l) => isPending(l.status)) && order.data?.status === 'pending') order.reload();
    } catch (err) {
      setStatusError(err);
    }
  };
  const pending = statuses === undefined ? statusError === undefined : statuses.some((l) => isPending(l.status));
  usePoll(readStatus, statuses === undefined ? 0 : POLL_MS, pending);

  const done = statuses?.filter((l) => !isPending(l.status)).length ?? 0;
  const total = statuses?.length ?? 0;
  const statusOf = (n: number) => statuses?.find((s) => s.lineItemNumber === n);

  return (
    <Page title="Order">
      <p class="crumbs">
        <a href={href('customers')}>Customers</a> › <a href={href('customers', customerId)}>Customer</a> › Order
      </p>
      <Show loaded={order}>
        {(o: Order) => (
          <>
            <dl class="pairs card">
              <dt>Order id</dt>
              <dd>
                <code>{o.id}</code>
              </dd>
              <dt>Status</dt>
              <dd>
                <Status value={o.status} />
              </dd>
              <dt>Billing cycle</dt>
              <dd>{o.billingCycle}</dd>
              <dt>Created</dt>
              <dd>{formatDate(o.creationDate)}</dd>
              <dt>Total</dt>
              <dd>{formatMoney(o.totalPrice, o.currencyCode)}</dd>
            </dl>
            <h2>Provisioning</h2>
            {statuses && (
              <div class="progress-line">
                <progress max={total} value={done} aria-label="Lines provisioned" />
                <span role="status" class="progress-text">
                  {done} of {total} lines provisioned{done < total ? ' · watching…' : ''}
                </span>
              </div>
            )}
            <ErrorBox error={statusError} title="Provisioning status could not be read" />
            <div class="table-wrap">
              <table aria-label="Order lines">
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Offer</th>
                    <th scope="col">Qty</th>
                    <th scope="col">Term</th>
                    <th scope="col">Price</th>
                    <th scope="col">Provisioning</th>
                    <th scope="col">Subscription</th>
                  </tr>
                </thead>
                <tbody>
                  {o.lineItems.map((l) => {
                    const s = statusOf(l.lineItemNumber);
                    return (
                      <tr key={l.lineItemNumber} data-line={l.lineItemNumber}>
                        <td>{l.lineItemNumber}</td>
                        <td>
                          {l.friendlyName ?? l.offerId}
                          <div class="hint">
                            <code>{l.offerId}</code>
                          </div>
                        </td>
                        <td>{l.quantity}</td>
                        <td>{l.termDuration ?? '—'}</td>
                        <td>{formatMoney(l.pricing?.extendedPrice, o.currencyCode)}</td>
                        <td class="line-provisioning">
                          {s ? <Status value={s.status} /> : '…'}
                          {s?.error && (
                            <div class="line-error-text">
                              <strong>{s.error.code}</strong> {s.error.description}
                            </div>
                          )}
                        </td>
                        <td>
                          {l.subscriptionId ? (
                            <a href={href('customers', customerId, 'subscriptions', l.subscriptionId)}>
                              <code>{l.subscriptionId}</code>
                            </a>
                          ) : (
                            '—'
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Show>
    </Page>
  );
}
