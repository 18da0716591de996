/** Unit tests of the pure cart rules: line normalization, order grouping. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CartLineItem } from '@partner-commerce/contract';
import { assignOrderGroups, normalizeLines } from '../src/modules/carts/rules.js';
import type { CatalogItem } from '../src/modules/catalog/service.js';
import { PartnerCenterError } from '../src/errors.js';

const item = (catalogItemId: string, kind: CatalogItem['kind'], extra: Partial<CatalogItem> = {}): CatalogItem => ({
  catalogItemId,
  kind,
  title: catalogItemId,
  productType: kind === 'offer' ? 'LegacyOffer' : 'OnlineServicesNCE',
  country: 'US',
  currency: { code: 'USD', symbol: '$' },
  billingCycles: ['monthly', 'annual', 'one_time', 'none'],
  terms: [],
  minQuantity: 1,
  maxQuantity: 100,
  provisioningVariables: [],
  purchasePrerequisites: [],
  dynamicAttributes: {},
  purchasable: true,
  isTrial: false,
  isAddOn: false,
  prerequisiteOffers: [],
  provisioning: 'async',
  unitType: 'Licenses',
  billingType: 'license',
  unitPrice: 1,
  marketplace: false,
  ...extra,
});

const line = (id: number, catalogItemId: string, billingCycle: string, extra: Partial<CartLineItem> = {}): CartLineItem => ({
  id,
  catalogItemId,
  quantity: 1,
  billingCycle,
  ...extra,
});

test('groups: legacy offers OMS-n, catalog items by billing cycle in cart order, terms do not split', () => {
  const items = new Map([
    ['MS-AZR-0145P', item('MS-AZR-0145P', 'offer')],
    ['A:1:X', item('A:1:X', 'availability')],
    ['B:1:Y', item('B:1:Y', 'availability')],
    ['C:1:Z', item('C:1:Z', 'availability')],
  ]);
  const lines = [
    line(0, 'MS-AZR-0145P', 'monthly'),
    line(1, 'A:1:X', 'one_time', { termDuration: 'P1Y' }),
    line(2, 'A:1:X', 'one_time', { termDuration: 'P3Y' }),
    line(3, 'B:1:Y', 'monthly', { termDuration: 'P1M' }),
    line(4, 'B:1:Y', 'monthly', { termDuration: 'P1Y' }),
    line(5, 'C:1:Z', 'none'),
  ];
  assignOrderGroups(lines, items);
  assert.deepEqual(lines.map((l) => l.orderGroup), ['OMS-0', '0', '0', '1', '1', '2']);
});

test('groups: legacy offers split by sales group and billing cycle; add-ons share their base group; lines with errors get none', () => {
  const items = new Map([
    ['E1', item('E1', 'offer')],
    ['S1', item('S1', 'offer', { salesGroupId: 'sg-1' })],
    ['ADD', item('ADD', 'offer', { isAddOn: true })],
  ]);
  const lines = [
    line(0, 'E1', 'monthly', { addonItems: [line(0, 'ADD', 'monthly')] }),
    line(1, 'E1', 'annual'),
    line(2, 'S1', 'monthly'),
    line(3, 'E1', 'monthly', { error: { errorCode: 10010, errorDescription: 'bad' } }),
    line(4, 'E1', 'monthly'),
  ];
  assignOrderGroups(lines, items);
  assert.deepEqual(lines.map((l) => l.orderGroup), ['OMS-0', 'OMS-1', 'OMS-2', undefined, 'OMS-0']);
  assert.equal(lines[0].addonItems![0].orderGroup, 'OMS-0');
});

test('line ids: kept when distinct, numbered by position when all 0 or absent (the SDKs\' unset id), else a repeat is 400·800002', () => {
  const base = { catalogItemId: 'a:b:c', quantity: 1, billingCycle: 'monthly' };
  assert.deepEqual(normalizeLines([{ ...base, id: 5 }, { ...base, id: 2 }]).map((l) => l.id), [5, 2]);
  assert.deepEqual(normalizeLines([{ ...base, id: 0 }, { ...base, id: 0 }]).map((l) => l.id), [0, 1]);
  assert.deepEqual(normalizeLines([{ ...base }, { ...base }]).map((l) => l.id), [0, 1]);
  assert.deepEqual(normalizeLines([{ ...base }, { ...base, id: 7 }]).map((l) => l.id), [0, 7], 'an absent id is 0');
  assert.deepEqual(normalizeLines([{ ...base, addonItems: [{ ...base }, { ...base }] }])[0].addonItems!.map((l) => l.id), [0, 1]);
  const repeated = (e: unknown) => e instanceof PartnerCenterError && e.code === 800002;
  assert.throws(() => normalizeLines([{ ...base, id: 1 }, { ...base, id: 1 }]), repeated);
  assert.throws(() => normalizeLines([{ ...base }, { ...base, id: 0 }, { ...base, id: 2 }]), repeated);
  assert.throws(() => normalizeLines([{ ...base, addonItems: [{ ...base, id: 3 }, { ...base, id: 3 }] }]), repeated);
});

test('normalization: enums in any casing, catalog ids upper-cased, provisioning keys camelCased', () => {
  const [l] = normalizeLines([
    {
      id: 0,
      catalogItemId: ' dzh318z0bq36:004g:dzh318z08c0s ',
      quantity: 1,
      billingCycle: 'OneTime',
      termDuration: 'p1y',
      participants: [{ key: 'TransactionReseller', value: '123456' }],
      provisioningContext: { SubscriptionId: 'x', Scope: 'shared' },
    },
  ]);
  assert.equal(l.catalogItemId, 'DZH318Z0BQ36:004G:DZH318Z08C0S');
  assert.equal(l.billingCycle, 'one_time');
  assert.equal(l.termDuration, 'P1Y');
  assert.deepEqual(l.participants, [{ key: 'transaction_reseller', value: '123456' }]);
  assert.deepEqual(l.provisioningContext, { subscriptionId: 'x', scope: 'shared' });
  assert.throws(
    () => normalizeLines([{ id: 0, catalogItemId: 'x', quantity: 1, billingCycle: 'weekly' }]),
    (e: unknown) => e instanceof PartnerCenterError && e.code === 900126,
  );
});
