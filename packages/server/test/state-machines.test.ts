/**
 * Unit tests of the transition tables (STYLE.md 5 and 17) the routes and the provisioning worker both
 * go through: subscriptions (subscriptions/lifecycle), orders and order lines (orders/lifecycle).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transition } from '../src/modules/subscriptions/lifecycle.js';
import { lineTransition, orderTransition } from '../src/modules/orders/lifecycle.js';
import { PartnerCenterError } from '../src/errors.js';

const refused = (code: number) => (e: unknown) => e instanceof PartnerCenterError && e.code === code;

test('subscriptions: provisioning activates or ends a pending one, nothing else; order cancellation ends a live one', () => {
  assert.equal(transition('pending', 'active', 'provisioning'), 'active');
  assert.equal(transition('pending', 'deleted', 'provisioning'), 'deleted');
  assert.throws(() => transition('active', 'active', 'provisioning'), refused(800092));
  assert.throws(() => transition('deleted', 'active', 'provisioning'), refused(800092));
  assert.throws(() => transition('pending', 'active', 'patch'), refused(800092), 'a PATCH cannot provision');
  assert.equal(transition('active', 'deleted', 'orderCancellation'), 'deleted');
  assert.equal(transition('suspended', 'deleted', 'orderCancellation'), 'deleted');
  assert.throws(() => transition('expired', 'deleted', 'orderCancellation'), refused(800092));
});

test('order lines: provisioning settles a waiting line once; cancellation unfulfils; nothing leaves Unfulfilled', () => {
  assert.equal(lineTransition('PrefulfillmentPending', 'Fulfilled'), 'Fulfilled');
  assert.equal(lineTransition('PrefulfillmentPending', 'Unfulfilled'), 'Unfulfilled');
  assert.equal(lineTransition('Fulfilled', 'Unfulfilled'), 'Unfulfilled');
  assert.equal(lineTransition('Unfulfilled', 'Unfulfilled'), 'Unfulfilled', 'staying put is no move');
  assert.throws(() => lineTransition('Unfulfilled', 'Fulfilled'), refused(800092));
  assert.throws(() => lineTransition('Fulfilled', 'PrefulfillmentPending'), refused(800092));
});

test('orders: pending settles to completed or cancelled; a cancelled order stays cancelled', () => {
  assert.equal(orderTransition({ id: 'o', status: 'pending' }, 'completed'), 'completed');
  assert.equal(orderTransition({ id: 'o', status: 'completed' }, 'cancelled'), 'cancelled');
  assert.throws(() => orderTransition({ id: 'o', status: 'cancelled' }, 'completed'), refused(800061));
});
