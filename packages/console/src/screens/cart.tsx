/**
 * The cart builder: lines added one at a time (the first creates the cart, `POST …/carts`; the next
 * replace its lines, `PUT …/carts/{id}`), each line showing the Partner Center error the 201/200 Cart
 * came back with; then checkout (`POST …/checkout`) and its CartCheckoutResult: the orders, one per
 * billing cycle, and the `orderErrors` of the groups that could not be ordered.
 */
import type { Cart, CartCheckoutResult, CartLineItemInput } from '@partner-commerce/sdk';
import { useEffect, useState } from 'preact/hooks';
import { useConsole } from '../app.js';
import { ActionButton, ErrorBox, Field, Loading, Page, Status, href, useAction } from '../ui.js';
import { CatalogBrowser, type PickedItem } from './catalog.js';

interface Line {
  id?: number;
  catalogItemId: string;
  friendlyName?: string;
  quantity: number;
  billingCycle: string;
  termDuration?: string;
}

const BILLING_CYCLES = ['monthly', 'annual', 'triennial', 'one_time', 'none'];
const NEW_LINE = { catalogItemId: '', quantity: '1', billingCycle: 'monthly', termDuration: '' };

/** The lines of a cart as the next PUT sends them. */
const linesOf = (cart: Cart): Line[] =>
  cart.lineItems.map((l) => ({
    id: l.id,
    catalogItemId: l.catalogItemId,
    friendlyName: l.friendlyName,
    quantity: l.quantity,
    billingCycle: l.billingCycle,
    termDuration: l.termDuration,
  }));

const toInput = (l: Line): CartLineItemInput => ({
  id: l.id,
  catalogItemId: l.catalogItemId,
  friendlyName: l.friendlyName || undefined,
  quantity: l.quantity,
  billingCycle: l.billingCycle,
  termDuration: l.termDuration || undefined,
});

export function CartBuilder({ customerId, cartId }: { customerId: string; cartId?: string }) {
  const { partner } = useConsole();
  const carts = partner.customers.byId(customerId).carts;
  const [cart, setCart] = useState<Cart>();
  const [lines, setLines] = useState<Line[]>([]);
  const [draft, setDraft] = useState(NEW_LINE);
  const [browsing, setBrowsing] = useState(false);
  const [result, setResult] = useState<CartCheckoutResult>();
  const load = useAction();
  const save = useAction();
  const checkout = useAction();

  useEffect(() => {
    if (!cartId) return;
    void load.run(async () => {
      const c = await carts.byId(cartId).get();
      setCart(c);
      setLines(linesOf(c));
    });
  }, [cartId]);

  /** Sends the lines: creates the cart, or replaces its lines; the answer's line errors show at once. */
  const send = async (next: Line[]) => {
    const saved = await save.run(() => (cart ? carts.byId(cart.id).put({ lineItems: next.map(toInput) }) : carts.create({ lineItems: next.map(toInput) })));
    if (!saved) return false;
    setCart(saved);
    setLines(linesOf(saved));
    // The address of this cart, without a new screen (a reload finds it).
    if (!cart) history.replaceState(null, '', href('customers', customerId, 'cart', saved.id));
    return true;
  };

  const addLine = async (e: Event) => {
    e.preventDefault();
    const line: Line = {
      catalogItemId: draft.catalogItemId.trim(),
      quantity: Number(draft.quantity),
      billingCycle: draft.billingCycle,
      termDuration: draft.termDuration.trim() || undefined,
    };
    if (await send([...lines, line])) setDraft(NEW_LINE);
  };

  const pick = (item: PickedItem) => {
    setDraft((d) => ({ ...d, catalogItemId: item.catalogItemId, billingCycle: item.billingCycle, termDuration: item.termDuration ?? '' }));
    setBrowsing(false);
    document.getElementById('line-catalogItemId')?.focus();
  };

  const edit = (i: number, change: Partial<Line>) => setLines((ls) => ls.map((l, j) => (j === i ? { ...l, ...change } : l)));
  const errorOf = (i: number) => cart?.lineItems[i]?.error;
  const ordered = cart?.status === 'Ordered';
  const dirty = cart !== undefined && JSON.stringify(lines) !== JSON.stringify(linesOf(cart));

  if (load.pending) return <Loading />;
  return (
    <Page title={cart ? 'Cart' : 'New cart'}>
      <p class="crumbs">
        <a href={href('customers')}>Customers</a> › <a href={href('customers', customerId)}>Customer</a> › Cart
      </p>
      <ErrorBox error={load.error} title="The cart could not be loaded" />
      {cart && (
        <p>
          Cart <code>{cart.id}</code> · <Status value={cart.status} /> · expires {new Date(cart.expirationTimestamp).toUTCString()}
        </p>
      )}

      {lines.length > 0 && (
        <div class="table-wrap">
          <table aria-label="Cart lines">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Catalog item</th>
                <th scope="col">Quantity</th>
                <th scope="col">Billing cycle</th>
                <th scope="col">Term</th>
                <th scope="col">Result</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l, i) => {
                const error = errorOf(i);
                return (
                  <tr key={i} class={error ? 'line-error' : undefined} data-line={i}>
                    <td>{l.id ?? '—'}</td>
                    <td>
                      <code>{l.catalogItemId}</code>
                      {l.friendlyName && <div class="hint">{l.friendlyName}</div>}
                    </td>
                    <td>
                      <input
                        aria-label={`Quantity of line ${i}`}
                        name={`quantity-${i}`}
                        type="number"
                        class="narrow"
                        value={l.quantity}
                        disabled={ordered}
                        onInput={(e) => edit(i, { quantity: Number(e.currentTarget.value) })}
                      />
                    </td>
                    <td>
                      <select aria-label={`Billing cycle of line ${i}`} value={l.billingCycle} disabled={ordered} onChange={(e) => edit(i, { billingCycle: e.currentTarget.value })}>
                        {[...new Set([l.billingCycle, ...BILLING_CYCLES])].map((c) => (
                          <option key={c}>{c}</option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <input
                        aria-label={`Term of line ${i}`}
                        class="narrow"
                        value={l.termDuration ?? ''}
                        disabled={ordered}
                        onInput={(e) => edit(i, { termDuration: e.currentTarget.value || undefined })}
                      />
                    </td>
                    <td class="line-result">
                      {error ? (
                        <span class="line-error-text" role="alert">
                          <strong>{error.errorCode}</strong> {error.errorDescription}
                        </span>
                      ) : cart?.lineItems[i] ? (
                        <span class="ok">OK · group {cart.lineItems[i].orderGroup ?? '—'}</span>
                      ) : (
                        'not saved'
                      )}
                    </td>
                    <td>
                      {!ordered && (
                        <button type="button" onClick={() => void send(lines.filter((_, j) => j !== i))} disabled={save.pending || lines.length < 2}>
                          Remove
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {!ordered && dirty && (
        <ActionButton action={save} class="primary" onClick={() => send(lines)} busyLabel="Saving…">
          Save changes
        </ActionButton>
      )}
      <ErrorBox error={save.error} title="The cart was not saved" />

      {!ordered && (
        <form class="card add-line" onSubmit={addLine} aria-labelledby="add-line-title">
          <h2 id="add-line-title">Add a line</h2>
          <div class="form-row">
            <Field label="Catalog item id" hint="product:sku:availability, or a legacy offer id">
              <input
                id="line-catalogItemId"
                name="catalogItemId"
                required
                value={draft.catalogItemId}
                onInput={(e) => setDraft((d) => ({ ...d, catalogItemId: e.currentTarget.value }))}
              />
            </Field>
            <Field label="Quantity">
              <input name="quantity" type="number" required class="narrow" value={draft.quantity} onInput={(e) => setDraft((d) => ({ ...d, quantity: e.currentTarget.value }))} />
            </Field>
            <Field label="Billing cycle">
              <select name="billingCycle" value={draft.billingCycle} onChange={(e) => setDraft((d) => ({ ...d, billingCycle: e.currentTarget.value }))}>
                {BILLING_CYCLES.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            </Field>
            <Field label="Term" hint="P1M, P1Y, P3Y">
              <input name="termDuration" class="narrow" value={draft.termDuration} onInput={(e) => setDraft((d) => ({ ...d, termDuration: e.currentTarget.value }))} />
            </Field>
          </div>
          <div class="form-actions">
            <button type="submit" class="primary" disabled={save.pending}>
              {save.pending ? 'Adding…' : 'Add to cart'}
            </button>
            <button type="button" aria-expanded={browsing} onClick={() => setBrowsing((b) => !b)}>
              {browsing ? 'Close the catalog' : 'Pick from the catalog'}
            </button>
          </div>
          {browsing && <CatalogBrowser onPick={pick} />}
        </form>
      )}

      {cart && !ordered && (
        <div class="checkout">
          <ActionButton
            action={checkout}
            class="primary"
            disabled={dirty || save.pending}
            busyLabel="Checking out…"
            onClick={async () => {
              const r = await checkout.run(() => carts.byId(cart.id).checkout());
              if (r) {
                setResult(r);
                setCart({ ...cart, status: 'Ordered' });
              }
            }}
          >
            Check out
          </ActionButton>
          {dirty && <span class="hint"> Save the changes first.</span>}
        </div>
      )}
      <ErrorBox error={checkout.error} title="Checkout failed" />
      {result && <CheckoutResult customerId={customerId} result={result} />}
    </Page>
  );
}

/** A CartCheckoutResult: the orders (one per billing cycle) and the groups that failed. */
function CheckoutResult({ customerId, result }: { customerId: string; result: CartCheckoutResult }) {
  return (
    <section class="result" aria-labelledby="result-title">
      <h2 id="result-title">Checkout result</h2>
      {result.orders.map((o) => (
        <div key={o.id} class="card order-card">
          <h3>
            {o.billingCycle} order <a href={href('customers', customerId, 'orders', o.id)}>{o.id}</a> <Status value={o.status} />
          </h3>
          <ul>
            {o.lineItems.map((l) => (
              <li key={l.lineItemNumber}>
                Line {l.lineItemNumber}: {l.friendlyName ?? l.offerId} × {l.quantity}
                {l.subscriptionId ? ` → subscription ${l.subscriptionId}` : ''}
              </li>
            ))}
          </ul>
        </div>
      ))}
      {result.orderErrors.length > 0 && (
        <div class="error" role="alert">
          <strong>Order groups that were not ordered</strong>
          <ul>
            {result.orderErrors.map((e) => (
              <li key={e.orderGroupId}>
                Group {e.orderGroupId}: <strong>{e.code}</strong> {e.description}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
