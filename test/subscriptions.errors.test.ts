import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriptions } from '../src/db/schema';
import {
  createActiveCustomer,
  customerRow,
  partneredPair,
  startLifecycles,
  type FixtureCustomer,
} from './support/fixtures';
import { createTestPartner, startTestEngine, type TestEngine, type TestPartner } from './support/harness';
import { OFFERS } from './support/catalog';

let engine: TestEngine;
let provider: TestPartner;
let reseller: TestPartner;
let unpartnered: TestPartner;
let otherProvider: TestPartner;
let customer: FixtureCustomer;
let othersCustomer: FixtureCustomer;

beforeAll(async () => {
  engine = await startTestEngine();
  ({ provider, reseller } = await partneredPair(engine));
  unpartnered = await createTestPartner(engine.request, { kind: 'reseller' });
  otherProvider = await createTestPartner(engine.request, { kind: 'provider' });
  // teams-essentials takes 1 to 300 licenses.
  customer = await createActiveCustomer(engine, {
    providerId: provider.id,
    resellerId: reseller.id,
    items: [{ offerId: OFFERS.teamsEssentials, quantity: 10 }],
  });
  othersCustomer = await createActiveCustomer(engine, { providerId: otherProvider.id });
  await startLifecycles(engine, [customer.subscriptions[0]!.id, othersCustomer.subscriptions[0]!.id]);
});
afterAll(async () => {
  await engine?.stop();
});

const subPath = () => `/v1/customers/${customer.id}/subscriptions/${customer.subscriptions[0]!.id}`;

type Case = {
  name: string;
  method: string;
  path: () => string;
  key?: () => string | undefined;
  body?: () => unknown;
  rawBody?: string;
  status: number;
  code: string;
};

const cases: Case[] = [
  {
    name: 'quantity above the offer maximum',
    method: 'PATCH',
    path: subPath,
    body: () => ({ quantity: 301 }),
    status: 422,
    code: 'QUANTITY_OUT_OF_BOUNDS',
  },
  {
    name: 'removing every license (below the minimum)',
    method: 'PATCH',
    path: subPath,
    body: () => ({ quantity: 0 }),
    status: 422,
    code: 'QUANTITY_OUT_OF_BOUNDS',
  },
  {
    name: 'negative quantity',
    method: 'PATCH',
    path: subPath,
    body: () => ({ quantity: -3 }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'fractional quantity',
    method: 'PATCH',
    path: subPath,
    body: () => ({ quantity: 2.5 }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'empty body', method: 'PATCH', path: subPath, body: () => ({}), status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'unknown field',
    method: 'PATCH',
    path: subPath,
    body: () => ({ quantity: 5, price: 1 }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'malformed JSON',
    method: 'PATCH',
    path: subPath,
    rawBody: '{"quantity":',
    status: 400,
    code: 'MALFORMED_JSON',
  },
  {
    name: 'partner of record not partnered with the provider',
    method: 'PATCH',
    path: subPath,
    body: () => ({ partnerIdOnRecord: unpartnered.partnerId }),
    status: 422,
    code: 'PARTNERSHIP_NOT_ACTIVE',
  },
  {
    name: 'partner of record unknown',
    method: 'PATCH',
    path: subPath,
    body: () => ({ partnerIdOnRecord: '123456' }),
    status: 422,
    code: 'PARTNERSHIP_NOT_ACTIVE',
  },
  {
    name: 'partner of record that is the provider itself',
    method: 'PATCH',
    path: subPath,
    body: () => ({ partnerIdOnRecord: provider.partnerId }),
    status: 422,
    code: 'PARTNERSHIP_NOT_ACTIVE',
  },
  {
    name: 'partner of record not digits',
    method: 'PATCH',
    path: subPath,
    body: () => ({ partnerIdOnRecord: 'abc' }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'subscription id not a UUID',
    method: 'PATCH',
    path: () => `/v1/customers/${customer.id}/subscriptions/nope`,
    body: () => ({ quantity: 5 }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'unknown subscription',
    method: 'PATCH',
    path: () => `/v1/customers/${customer.id}/subscriptions/00000000-0000-4000-8000-000000000000`,
    body: () => ({ quantity: 5 }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: "another provider's customer",
    method: 'PATCH',
    path: () => `/v1/customers/${othersCustomer.id}/subscriptions/${othersCustomer.subscriptions[0]!.id}`,
    body: () => ({ quantity: 5 }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'a subscription under the wrong customer',
    method: 'PATCH',
    path: () => `/v1/customers/${customer.id}/subscriptions/${othersCustomer.subscriptions[0]!.id}`,
    body: () => ({ quantity: 5 }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'the managing reseller (read-only)',
    method: 'PATCH',
    path: subPath,
    key: () => reseller.apiKey,
    body: () => ({ quantity: 5 }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'no API key',
    method: 'PATCH',
    path: subPath,
    key: () => undefined,
    body: () => ({ quantity: 5 }),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
  {
    name: 'support contact not partnered',
    method: 'PUT',
    path: () => `${subPath()}/support-contact`,
    body: () => ({ resellerId: unpartnered.id }),
    status: 422,
    code: 'PARTNERSHIP_NOT_ACTIVE',
  },
  {
    name: 'support contact that is a provider',
    method: 'PUT',
    path: () => `${subPath()}/support-contact`,
    body: () => ({ resellerId: otherProvider.id }),
    status: 422,
    code: 'PARTNERSHIP_NOT_ACTIVE',
  },
  {
    name: 'support contact id not a UUID',
    method: 'PUT',
    path: () => `${subPath()}/support-contact`,
    body: () => ({ resellerId: reseller.partnerId }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'support contact by the reseller',
    method: 'PUT',
    path: () => `${subPath()}/support-contact`,
    key: () => reseller.apiKey,
    body: () => ({ resellerId: reseller.id }),
    status: 403,
    code: 'FORBIDDEN',
  },
  // §6: terms, scheduled changes, suspension, charges.
  {
    name: 'scheduled term the offer does not sell',
    method: 'PUT',
    path: () => `${subPath()}/scheduled-changes`,
    body: () => ({ term: 'P3Y' }),
    status: 400,
    code: 'TERM_NOT_OFFERED',
  },
  {
    name: 'scheduled billing frequency longer than the term',
    method: 'PUT',
    path: () => `${subPath()}/scheduled-changes`,
    body: () => ({ billingFrequency: 'annual' }),
    status: 400,
    code: 'BILLING_FREQUENCY_NOT_OFFERED',
  },
  {
    name: 'scheduled term not ISO 8601 as sold',
    method: 'PUT',
    path: () => `${subPath()}/scheduled-changes`,
    body: () => ({ term: 'P2Y' }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'scheduled upgrade to an unknown offer',
    method: 'PUT',
    path: () => `${subPath()}/scheduled-changes`,
    body: () => ({ offerId: 'nope' }),
    status: 422,
    code: 'OFFER_NOT_FOUND',
  },
  {
    name: 'scheduled quantity above the offer maximum',
    method: 'PUT',
    path: () => `${subPath()}/scheduled-changes`,
    body: () => ({ quantity: 301 }),
    status: 422,
    code: 'QUANTITY_OUT_OF_BOUNDS',
  },
  {
    name: 'scheduled changes with nothing in them',
    method: 'PUT',
    path: () => `${subPath()}/scheduled-changes`,
    body: () => ({}),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'scheduled changes by the reseller',
    method: 'PUT',
    path: () => `${subPath()}/scheduled-changes`,
    key: () => reseller.apiKey,
    body: () => ({ quantity: 2 }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'autoRenew not a boolean',
    method: 'PATCH',
    path: subPath,
    body: () => ({ autoRenew: 'yes' }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'suspension without a reason',
    method: 'POST',
    path: () => `${subPath()}/suspend`,
    body: () => ({}),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'suspension by the reseller',
    method: 'POST',
    path: () => `${subPath()}/suspend`,
    key: () => reseller.apiKey,
    body: () => ({ reason: 'x' }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'reactivating an active subscription',
    method: 'POST',
    path: () => `${subPath()}/reactivate`,
    status: 409,
    code: 'SUBSCRIPTION_WRONG_STATE',
  },
  {
    name: "suspending another provider's subscription",
    method: 'POST',
    path: () => `/v1/customers/${othersCustomer.id}/subscriptions/${othersCustomer.subscriptions[0]!.id}/suspend`,
    body: () => ({ reason: 'x' }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: "another provider's charges",
    method: 'GET',
    path: () => `/v1/customers/${othersCustomer.id}/charges`,
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'charges of a reseller credited on nothing',
    method: 'GET',
    path: () => `/v1/customers/${customer.id}/charges`,
    key: () => reseller.apiKey,
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'charges filtered by a subscription id that is not a UUID',
    method: 'GET',
    path: () => `/v1/customers/${customer.id}/charges?subscriptionId=1`,
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'an order line with a term the offer does not sell',
    method: 'POST',
    path: () => `/v1/customers/${customer.id}/orders`,
    body: () => ({ items: [{ offerId: OFFERS.m365E3, quantity: 1, term: 'P1M' }] }),
    status: 400,
    code: 'TERM_NOT_OFFERED',
  },
  {
    name: 'an order line billed triennially on a one-year term',
    method: 'POST',
    path: () => `/v1/customers/${customer.id}/orders`,
    body: () => ({ items: [{ offerId: OFFERS.m365E3, quantity: 1, term: 'P1Y', billingFrequency: 'triennial' }] }),
    status: 400,
    code: 'BILLING_FREQUENCY_NOT_OFFERED',
  },
  {
    name: "clearing another provider's support contact",
    method: 'DELETE',
    path: () =>
      `/v1/customers/${othersCustomer.id}/subscriptions/${othersCustomer.subscriptions[0]!.id}/support-contact`,
    status: 404,
    code: 'NOT_FOUND',
  },
];

describe('subscription changes refused', () => {
  it.each(cases)('$name → $status $code', async (c) => {
    const key = c.key ? c.key() : provider.apiKey;
    const reply = await engine.request(c.method, c.path(), { key, body: c.body?.(), rawBody: c.rawBody });
    expect(reply.status).toBe(c.status);
    expect(reply.body.error).toMatchObject({ code: c.code, requestId: reply.headers.get('x-request-id') });
  });

  it('leaves the subscription unchanged after every refusal', async () => {
    const [subscription] = await engine.deps.db
      .select()
      .from(subscriptions)
      .where(eq(subscriptions.id, customer.subscriptions[0]!.id));
    expect(subscription).toMatchObject({ quantity: 10, partnerIdOnRecord: null, supportContactResellerId: null });
  });
});

describe('after the partnership is removed', () => {
  it('keeps the customer associated with the reseller but refuses new credits, support designations and ordered credits (422)', async () => {
    const pair = await partneredPair(engine);
    const managed = await createActiveCustomer(engine, { providerId: pair.provider.id, resellerId: pair.reseller.id });
    await startLifecycles(engine, [managed.subscriptions[0]!.id]);
    const path = `/v1/customers/${managed.id}/subscriptions/${managed.subscriptions[0]!.id}`;

    const removed = await engine.request('DELETE', `/v1/partnerships/${pair.partnershipId}`, {
      key: pair.provider.apiKey,
    });
    expect(removed.status).toBe(200);
    expect((await customerRow(engine, managed.id)).resellerId).toBe(pair.reseller.id);

    const credit = await engine.request('PATCH', path, {
      key: pair.provider.apiKey,
      body: { partnerIdOnRecord: pair.reseller.partnerId },
    });
    expect(credit.status).toBe(422);
    expect(credit.body.error.code).toBe('PARTNERSHIP_NOT_ACTIVE');
    const support = await engine.request('PUT', `${path}/support-contact`, {
      key: pair.provider.apiKey,
      body: { resellerId: pair.reseller.id },
    });
    expect(support.status).toBe(422);
    expect(support.body.error.code).toBe('PARTNERSHIP_NOT_ACTIVE');
    const order = await engine.request('POST', `/v1/customers/${managed.id}/orders`, {
      key: pair.provider.apiKey,
      body: { items: [{ offerId: OFFERS.m365E3, quantity: 1, partnerIdOnRecord: pair.reseller.partnerId }] },
    });
    expect(order.status).toBe(422);
    expect(order.body.error.code).toBe('PARTNERSHIP_NOT_ACTIVE');

    // Reading stays possible for the reseller still associated with the customer.
    const events = await engine.request('GET', `/v1/customers/${managed.id}/events`, { key: pair.reseller.apiKey });
    expect(events.status).toBe(200);
    // Quantity changes do not depend on the partnership.
    expect((await engine.request('PATCH', path, { key: pair.provider.apiKey, body: { quantity: 11 } })).status).toBe(
      200,
    );
  });
});
