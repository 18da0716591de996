/**
 * Fluent request builders that mirror the URL (STYLE.md 10, like msgraph's `byUserId(...)` and the
 * Partner Center SDKs' `ById(...)`): `customers.byId(c).carts.byId(k).checkout()` is
 * `POST /v1/customers/{c}/carts/{k}/checkout`. Builders only carry path segments; the transport
 * encodes them, in one place.
 *
 * One file per domain, as the server's `modules/` (STYLE.md 15); the base class is in `builder.ts`.
 */
export type { Collection } from './builder.js';
export * from './carts.js';
export * from './catalog.js';
export * from './customers.js';
export * from './orders.js';
export * from './sandbox.js';
export * from './subscriptions.js';
export * from './webhooks.js';
