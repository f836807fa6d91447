import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers } from '../src/db/schema';
import { eq } from 'drizzle-orm';
import { createActiveCustomer, ordersOf, partneredPair, type FixtureCustomer } from './support/fixtures';
import { createTestPartner, startTestEngine, type TestEngine, type TestPartner } from './support/harness';
import { OFFERS, OFFER_NOT_IN_CATALOG } from './support/catalog';

let engine: TestEngine;
let provider: TestPartner;
let reseller: TestPartner;
let unpartnered: TestPartner;
let otherProvider: TestPartner;
let customer: FixtureCustomer;
let othersCustomer: FixtureCustomer;
let deletedCustomer: FixtureCustomer;

beforeAll(async () => {
  engine = await startTestEngine();
  ({ provider, reseller } = await partneredPair(engine));
  unpartnered = await createTestPartner(engine.request, { kind: 'reseller' });
  otherProvider = await createTestPartner(engine.request, { kind: 'provider' });
  customer = await createActiveCustomer(engine, { providerId: provider.id, resellerId: reseller.id });
  othersCustomer = await createActiveCustomer(engine, { providerId: otherProvider.id });
  deletedCustomer = await createActiveCustomer(engine, { providerId: provider.id });
  await engine.deps.db.update(customers).set({ status: 'deleted' }).where(eq(customers.id, deletedCustomer.id));
});
afterAll(async () => {
  await engine?.stop();
});

const item = (extra: Record<string, unknown> = {}) => ({ offerId: OFFERS.m365BusinessBasic, quantity: 3, ...extra });
type Case = {
  name: string;
  path?: () => string;
  key?: () => string | undefined;
  body?: () => unknown;
  rawBody?: string;
  status: number;
  code: string;
};

const cases: Case[] = [
  { name: 'no items', body: () => ({ items: [] }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'items missing', body: () => ({}), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'quantity zero', body: () => ({ items: [item({ quantity: 0 })] }), status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'quantity as text',
    body: () => ({ items: [item({ quantity: '3' })] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'unknown field on an item',
    body: () => ({ items: [item({ discount: 10 })] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'malformed JSON', rawBody: '{"items": [', status: 400, code: 'MALFORMED_JSON' },
  {
    name: 'customer id not a UUID',
    path: () => '/v1/customers/abc/orders',
    body: () => ({ items: [item()] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'unknown offer',
    body: () => ({ items: [item({ offerId: OFFER_NOT_IN_CATALOG })] }),
    status: 422,
    code: 'OFFER_NOT_FOUND',
  },
  {
    name: 'quantity above the offer maximum',
    body: () => ({ items: [{ offerId: OFFERS.azurePlan, quantity: 2 }] }),
    status: 422,
    code: 'QUANTITY_OUT_OF_BOUNDS',
  },
  {
    name: 'partner of record not in an active partnership',
    body: () => ({ items: [item({ partnerIdOnRecord: unpartnered.partnerId })] }),
    status: 422,
    code: 'PARTNERSHIP_NOT_ACTIVE',
  },
  {
    name: 'partner of record unknown',
    body: () => ({ items: [item({ partnerIdOnRecord: '99999999' })] }),
    status: 422,
    code: 'PARTNERSHIP_NOT_ACTIVE',
  },
  {
    name: 'partner of record not digits',
    body: () => ({ items: [item({ partnerIdOnRecord: 'reseller-1' })] }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'support contact not in an active partnership',
    body: () => ({ items: [item()], supportContactResellerId: unpartnered.id }),
    status: 422,
    code: 'PARTNERSHIP_NOT_ACTIVE',
  },
  {
    name: 'support contact not a UUID',
    body: () => ({ items: [item()], supportContactResellerId: 'x' }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: "another provider's customer",
    path: () => `/v1/customers/${othersCustomer.id}/orders`,
    body: () => ({ items: [item()] }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'unknown customer',
    path: () => `/v1/customers/${randomUUID()}/orders`,
    body: () => ({ items: [item()] }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'a deleted customer',
    path: () => `/v1/customers/${deletedCustomer.id}/orders`,
    body: () => ({ items: [item()] }),
    status: 409,
    code: 'CONFLICT',
  },
  {
    name: 'the managing reseller',
    key: () => reseller.apiKey,
    body: () => ({ items: [item()] }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'the operator',
    key: () => 'test-operator-key-0123456789abcdef',
    body: () => ({ items: [item()] }),
    status: 403,
    code: 'FORBIDDEN',
  },
  { name: 'no API key', key: () => undefined, body: () => ({ items: [item()] }), status: 401, code: 'UNAUTHENTICATED' },
];

describe('orders refused', () => {
  it.each(cases)('$name → $status $code', async (c) => {
    const path = c.path ? c.path() : `/v1/customers/${customer.id}/orders`;
    const key = c.key ? c.key() : provider.apiKey;
    const reply = await engine.request('POST', path, { key, body: c.body?.(), rawBody: c.rawBody });
    expect(reply.status).toBe(c.status);
    expect(reply.body.error).toMatchObject({ code: c.code, requestId: reply.headers.get('x-request-id') });
  });

  it('placed no order for any refused request', async () => {
    // Only the fixture's initial order.
    expect(await ordersOf(engine, customer.id)).toHaveLength(1);
  });

  it('names every broken rule in details, with the field it concerns', async () => {
    const reply = await engine.request('POST', `/v1/customers/${customer.id}/orders`, {
      key: provider.apiKey,
      body: {
        items: [{ offerId: OFFERS.azurePlan, quantity: 5 }, item({ partnerIdOnRecord: unpartnered.partnerId })],
        supportContactResellerId: unpartnered.id,
      },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.error.details.map((d: { field: string }) => d.field)).toEqual([
      'items.0.quantity',
      'items.1.partnerIdOnRecord',
      'supportContactResellerId',
    ]);
  });

  it('refuses the same Idempotency-Key with another body (422) and replays a refusal for the same body', async () => {
    const headers = { 'idempotency-key': `k-${randomUUID()}` };
    const first = await engine.request('POST', `/v1/customers/${customer.id}/orders`, {
      key: provider.apiKey,
      headers,
      body: { items: [{ offerId: OFFERS.azurePlan, quantity: 9 }] },
    });
    expect(first.status).toBe(422);
    const replay = await engine.request('POST', `/v1/customers/${customer.id}/orders`, {
      key: provider.apiKey,
      headers,
      body: { items: [{ offerId: OFFERS.azurePlan, quantity: 9 }] },
    });
    expect(replay.status).toBe(422);
    expect(replay.body.error.code).toBe('QUANTITY_OUT_OF_BOUNDS');
    const other = await engine.request('POST', `/v1/customers/${customer.id}/orders`, {
      key: provider.apiKey,
      headers,
      body: { items: [item()] },
    });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('hides an order from another provider and from resellers not managing its customer (404)', async () => {
    const placed = await engine.request('POST', `/v1/customers/${customer.id}/orders`, {
      key: provider.apiKey,
      body: { items: [item()] },
    });
    expect(placed.status).toBe(202);
    for (const key of [otherProvider.apiKey, unpartnered.apiKey]) {
      const reply = await engine.request('GET', `/v1/orders/${placed.body.id}`, { key });
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe('NOT_FOUND');
    }
    expect((await engine.request('GET', '/v1/orders/not-a-uuid', { key: provider.apiKey })).status).toBe(400);
  });
});
