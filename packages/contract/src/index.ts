/**
 * The wire contract of partner-commerce: TypeBox schemas of every Partner Center resource this
 * service speaks, used at once for server validation, response serialization, OpenAPI and SDK types.
 * Field names and enum spellings follow shared/reference/partner-center-api.md; do not rename them.
 *
 * One file per domain, as the server's `modules/` (STYLE.md 15); this index re-exports them all.
 */

export * from './audit.js';
export * from './carts.js';
export * from './catalog.js';
export * from './common.js';
export * from './customers.js';
export * from './errors.js';
export * from './orders.js';
export * from './sandbox.js';
export * from './subscriptions.js';
export * from './webhooks.js';
