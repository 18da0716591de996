/**
 * A subscription and its actions, each one `PATCH …/subscriptions/{id}` as Partner Center's
 * (seats, auto-renew, suspend/reactivate, cancel: status `deleted`, allowed inside the cancellation
 * window), and upgrades: `transitioneligibilities`, then `POST …/transitions`.
 */
import type { Subscription, SubscriptionUpdate } from '@partner-commerce/contract';
import { useEffect, useState } from 'preact/hooks';
import { useConsole } from '../app.js';
import { ActionButton, ErrorBox, Field, Page, Show, Status, formatDate, href, useAction, useLoad } from '../ui.js';

export function SubscriptionDetail({ customerId, subscriptionId }: { customerId: string; subscriptionId: string }) {
  const { partner } = useConsole();
  const ops = partner.customers.byId(customerId).subscriptions.byId(subscriptionId);
  const subscription = useLoad(() => ops.get(), [subscriptionId]);
  const [current, setCurrent] = useState<Subscription>();
  useEffect(() => setCurrent(subscription.data), [subscription.data]);
  const action = useAction();

  const patch = async (change: SubscriptionUpdate) => {
    const updated = await action.run(() => ops.patch(change));
    if (updated) setCurrent(updated);
  };

  return (
    <Page title={current ? current.friendlyName || current.offerName : 'Subscription'}>
      <p class="crumbs">
        <a href={href('customers')}>Customers</a> › <a href={href('customers', customerId)}>Customer</a> › Subscription
      </p>
      <Show loaded={subscription}>
        {() =>
          current && (
            <>
              <Details s={current} />
              <ErrorBox error={action.error} title="The change was refused" />
              <Actions s={current} pending={action.pending} onPatch={patch} />
              <Upgrade customerId={customerId} subscriptionId={subscriptionId} s={current} onDone={subscription.reload} />
            </>
          )
        }
      </Show>
    </Page>
  );
}

function Details({ s }: { s: Subscription }) {
  return (
    <dl class="pairs card subscription-details">
      <dt>Subscription id</dt>
      <dd>
        <code>{s.id}</code>
      </dd>
      <dt>Status</dt>
      <dd class="subscription-status">
        <Status value={s.status} />
      </dd>
      <dt>Seats</dt>
      <dd class="subscription-quantity">{s.quantity}</dd>
      <dt>Offer</dt>
      <dd>
        <code>{s.offerId}</code>
      </dd>
      <dt>Term · billing</dt>
      <dd>
        {s.termDuration ?? '—'} · {s.billingCycle}
      </dd>
      <dt>Term started</dt>
      <dd class="subscription-start">{formatDate(s.effectiveStartDate)}</dd>
      <dt>Term ends</dt>
      <dd class="subscription-end">{formatDate(s.commitmentEndDate)}</dd>
      <dt>Cancel allowed until</dt>
      <dd>{formatDate(s.cancellationAllowedUntilDate)}</dd>
      <dt>Auto-renew</dt>
      <dd class="subscription-autorenew">{s.autoRenewEnabled ? 'on' : 'off'}</dd>
      {s.refundableQuantity && (
        <>
          <dt>Reducible seats</dt>
          <dd>{s.refundableQuantity.totalQuantity}</dd>
        </>
      )}
    </dl>
  );
}

function Actions({ s, pending, onPatch }: { s: Subscription; pending: boolean; onPatch: (change: SubscriptionUpdate) => void }) {
  const [seats, setSeats] = useState(String(s.quantity));
  useEffect(() => setSeats(String(s.quantity)), [s.quantity]);
  const live = s.status === 'active' || s.status === 'suspended';
  if (!live) return <p>This subscription is {s.status}: nothing more can change.</p>;
  return (
    <section class="card" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <form
        class="form-row"
        onSubmit={(e) => {
          e.preventDefault();
          onPatch({ quantity: Number(seats) });
        }}
      >
        <Field label="Seats">
          <input name="seats" type="number" min={1} class="narrow" value={seats} onInput={(e) => setSeats(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={pending || s.status !== 'active'}>
          Change seats
        </button>
      </form>
      <div class="button-row">
        <button type="button" disabled={pending} onClick={() => onPatch({ autoRenewEnabled: !s.autoRenewEnabled })}>
          {s.autoRenewEnabled ? 'Turn auto-renew off' : 'Turn auto-renew on'}
        </button>
        {s.status === 'active' ? (
          <button type="button" disabled={pending} onClick={() => onPatch({ status: 'suspended' })}>
            Suspend
          </button>
        ) : (
          <button type="button" disabled={pending} onClick={() => onPatch({ status: 'active' })}>
            Reactivate
          </button>
        )}
        <button
          type="button"
          class="danger"
          disabled={pending}
          onClick={() => {
            if (confirm('Cancel this subscription? Partner Center allows it only inside the cancellation window.')) onPatch({ status: 'deleted' });
          }}
        >
          Cancel subscription
        </button>
      </div>
    </section>
  );
}

/** The SKUs this subscription may move to now, and the move. */
function Upgrade({ customerId, subscriptionId, s, onDone }: { customerId: string; subscriptionId: string; s: Subscription; onDone: () => void }) {
  const { partner } = useConsole();
  const ops = partner.customers.byId(customerId).subscriptions.byId(subscriptionId);
  const eligibilities = useLoad(() => ops.transitionEligibilities.get({ eligibilityType: 'immediate' }), [subscriptionId, s.quantity, s.status]);
  const transitions = useLoad(() => ops.transitions.get(), [subscriptionId, s.quantity, s.status]);
  const action = useAction();
  const [quantity, setQuantity] = useState(String(s.quantity));
  if (s.status !== 'active') return null;

  return (
    <section class="card" aria-labelledby="upgrade-title">
      <h2 id="upgrade-title">Upgrade</h2>
      <Show loaded={eligibilities}>
        {(data) => {
          const targets = data.items.filter((t) => t.eligibilities.some((e) => e.isEligible));
          if (targets.length === 0) return <p>No upgrade is available for this subscription now.</p>;
          return (
            <>
              <Field label="Seats to move">
                <input name="upgradeQuantity" type="number" min={1} class="narrow" value={quantity} onInput={(e) => setQuantity(e.currentTarget.value)} />
              </Field>
              <ul class="plain">
                {targets.map((t) => (
                  <li key={t.catalogItemId}>
                    <ActionButton
                      action={action}
                      onClick={async () => {
                        if (await action.run(() => ops.transitions.create({ toCatalogItemId: t.catalogItemId, quantity: Number(quantity) }))) onDone();
                      }}
                    >
                      Upgrade to {t.title}
                    </ActionButton>{' '}
                    <span class="hint">{t.catalogItemId}</span>
                  </li>
                ))}
              </ul>
            </>
          );
        }}
      </Show>
      <ErrorBox error={action.error} title="The upgrade was refused" />
      <Show loaded={transitions}>
        {(data) =>
          data.items.length > 0 && (
            <>
              <h3>Transitions</h3>
              <ul>
                {data.items.map((t) => (
                  <li key={t.operationId}>
                    {t.transitionType}: {t.quantity} seats to <code>{t.toCatalogItemId}</code> (subscription{' '}
                    <a href={href('customers', customerId, 'subscriptions', t.toSubscriptionId)}>{t.toSubscriptionId}</a>) ·{' '}
                    {t.events.map((e) => `${e.name} ${e.status}`).join(', ')}
                  </li>
                ))}
              </ul>
            </>
          )
        }
      </Show>
    </section>
  );
}
