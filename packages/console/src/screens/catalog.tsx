/**
 * The catalog browser: products of a country (by target view) → a product's SKUs → a SKU's
 * availabilities with their terms and billing cycles. Given `onPick`, each term offers "Add to cart"
 * (the cart builder embeds it); alone it is the Catalog screen.
 */
import type { Availability, Product, Sku } from '@partner-commerce/sdk';
import { useState } from 'preact/hooks';
import { useConsole } from '../app.js';
import { Field, Page, Show, useLoad } from '../ui.js';

/** What picking a term of an availability gives the cart. */
export interface PickedItem {
  catalogItemId: string;
  friendlyName: string;
  termDuration?: string;
  billingCycle: string;
}

const TARGET_VIEWS = ['OnlineServices', 'Software', 'SoftwarePerpetual', 'Azure', 'AzureReservations', 'AzureReservationsVM'];

/**
 * The billing cycles of a term: its own when the term names one, else the SKU's (legacy and
 * reservation terms name none; software's `one_time`).
 */
const cyclesOf = (term: Availability['terms'][number], sku: Sku) => (term.billingCycle ? [term.billingCycle] : sku.supportedBillingCycles.length ? sku.supportedBillingCycles : ['one_time']);

export function CatalogBrowser({ onPick }: { onPick?: (item: PickedItem) => void }) {
  const { partner } = useConsole();
  const [country, setCountry] = useState('US');
  const [targetView, setTargetView] = useState('');
  const [product, setProduct] = useState<Product>();
  const [sku, setSku] = useState<Sku>();
  const validCountry = /^[A-Za-z]{2}$/.test(country) ? country.toUpperCase() : 'US';
  const products = useLoad(() => partner.products.byCountry(validCountry).get({ targetView: targetView || undefined }), [validCountry, targetView]);
  const skus = useLoad(async () => (product ? (await partner.products.byCountry(validCountry).byId(product.id).skus.get()).items : []), [product?.id, validCountry]);
  const availabilities = useLoad(
    async () => (product && sku ? (await partner.products.byCountry(validCountry).byId(product.id).skus.byId(sku.id).availabilities.get()).items : []),
    [product?.id, sku?.id, validCountry],
  );

  return (
    <div class="catalog">
      <div class="filters">
        <Field label="Country">
          <input
            name="country"
            size={3}
            maxLength={2}
            value={country}
            onInput={(e) => {
              setCountry(e.currentTarget.value);
              setProduct(undefined);
              setSku(undefined);
            }}
          />
        </Field>
        <Field label="Target view">
          <select
            name="targetView"
            value={targetView}
            onChange={(e) => {
              setTargetView(e.currentTarget.value);
              setProduct(undefined);
              setSku(undefined);
            }}
          >
            <option value="">All</option>
            {TARGET_VIEWS.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <div class="columns">
        <section aria-labelledby="products-title">
          <h3 id="products-title">Products</h3>
          <Show loaded={products}>
            {(data) => (
              <ul class="picker">
                {data.items.map((p) => (
                  <li key={p.id}>
                    <button
                      type="button"
                      aria-pressed={product?.id === p.id}
                      onClick={() => {
                        setProduct(p);
                        setSku(undefined);
                      }}
                    >
                      {p.title}
                      <span class="hint">
                        {p.id} · {p.productType.displayName}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </Show>
        </section>
        <section aria-labelledby="skus-title">
          <h3 id="skus-title">SKUs</h3>
          {!product ? (
            <p class="hint">Choose a product.</p>
          ) : (
            <Show loaded={skus}>
              {(items) => (
                <ul class="picker">
                  {items.map((s) => (
                    <li key={s.id}>
                      <button type="button" aria-pressed={sku?.id === s.id} onClick={() => setSku(s)}>
                        {s.title}
                        <span class="hint">
                          {s.id} · seats {s.minimumQuantity}–{s.maximumQuantity}
                          {s.isTrial ? ' · trial' : ''}
                        </span>
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </Show>
          )}
        </section>
        <section aria-labelledby="availabilities-title">
          <h3 id="availabilities-title">Availabilities</h3>
          {!sku ? (
            <p class="hint">Choose a SKU.</p>
          ) : (
            <Show loaded={availabilities}>
              {(items) =>
                items.length === 0 ? (
                  <p>No availability in {validCountry}.</p>
                ) : (
                  <ul class="availabilities">
                    {items.map((a) => (
                      <li key={a.id} class="card">
                        <p>
                          <code>{a.catalogItemId}</code>
                          <br />
                          {a.segment} · {a.defaultCurrency.code} · {a.isPurchasable ? 'purchasable' : 'not purchasable'}
                          {a.isRenewable ? ' · renewable' : ''}
                        </p>
                        <table aria-label={`Terms of ${a.catalogItemId}`}>
                          <thead>
                            <tr>
                              <th scope="col">Term</th>
                              <th scope="col">Billing</th>
                              {onPick && <th scope="col">Cart</th>}
                            </tr>
                          </thead>
                          <tbody>
                            {(a.terms.length ? a.terms : [undefined]).flatMap((t) =>
                              (t ? cyclesOf(t, sku) : sku.supportedBillingCycles.length ? sku.supportedBillingCycles : ['one_time']).map((cycle) => (
                                <tr key={`${t?.duration ?? '-'}-${cycle}`}>
                                  <td>{t ? `${t.duration} (${t.description})` : 'none'}</td>
                                  <td>{cycle}</td>
                                  {onPick && (
                                    <td>
                                      <button
                                        type="button"
                                        disabled={!a.isPurchasable}
                                        onClick={() =>
                                          onPick({ catalogItemId: a.catalogItemId, friendlyName: sku.title, termDuration: t?.duration, billingCycle: cycle })
                                        }
                                      >
                                        Use
                                      </button>
                                    </td>
                                  )}
                                </tr>
                              )),
                            )}
                          </tbody>
                        </table>
                      </li>
                    ))}
                  </ul>
                )
              }
            </Show>
          )}
        </section>
      </div>
      <p class="hint">
        Prices are not part of Partner Center's catalog resources (they come from its price sheets); an order read with
        <code> include_price</code> shows each line's price.
      </p>
    </div>
  );
}

export function Catalog() {
  return (
    <Page title="Catalog">
      <CatalogBrowser />
    </Page>
  );
}
