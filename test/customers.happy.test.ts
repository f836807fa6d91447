import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partnerships } from '../src/db/schema';
import { createTestPartner, startTestEngine, type TestEngine, type TestPartner } from './support/harness';
import { onboardingBody, reviewedOnboarding, uniquePrefix } from './support/onboarding.fixtures';
import { partneredPair } from './support/fixtures';

let engine: TestEngine;
let provider: TestPartner;
let reseller: TestPartner;
let otherReseller: TestPartner;
const customerIds: Record<string, string> = {};

async function onboard(key: string, label: string, body: Record<string, unknown>) {
  const reviewed = await reviewedOnboarding(engine, key, body);
  const submitted = await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/submit`, { key });
  if (submitted.status !== 200) throw new Error(`submit failed: ${submitted.status} ${submitted.text}`);
  customerIds[label] = submitted.body.customer.id;
}

beforeAll(async () => {
  engine = await startTestEngine();
  ({ provider, reseller } = await partneredPair(engine));
  otherReseller = await createTestPartner(engine.request, { kind: 'reseller' });
  await engine.deps.db.insert(partnerships).values({ providerId: provider.id, resellerId: otherReseller.id });
  await onboard(
    provider.apiKey,
    'direct',
    onboardingBody({
      company: { ...onboardingBody().company, name: 'Tailspin Toys', domainPrefix: uniquePrefix('tailspin') },
    }),
  );
  await onboard(provider.apiKey, 'viaReseller', onboardingBody({ resellerId: reseller.id }));
  await onboard(provider.apiKey, 'viaOther', onboardingBody({ resellerId: otherReseller.id }));
});
afterAll(async () => {
  await engine?.stop();
});

const ids = (reply: { body: { items: Array<{ id: string }> } }) => reply.body.items.map((item) => item.id).sort();

describe('GET /v1/customers', () => {
  it("lists a provider's customers newest first, filtered by reseller or by a search on name and domain", async () => {
    const all = await engine.request('GET', '/v1/customers', { key: provider.apiKey });
    expect(all.status).toBe(200);
    expect(ids(all)).toEqual(Object.values(customerIds).sort());
    expect(all.body.items[0].id).toBe(customerIds.viaOther);

    const byReseller = await engine.request('GET', `/v1/customers?resellerId=${reseller.id}`, { key: provider.apiKey });
    expect(ids(byReseller)).toEqual([customerIds.viaReseller]);
    expect(byReseller.body.items[0].reseller).toEqual({
      id: reseller.id,
      name: reseller.name,
      partnerId: reseller.partnerId,
    });

    expect(ids(await engine.request('GET', '/v1/customers?q=tailspin', { key: provider.apiKey }))).toEqual([
      customerIds.direct,
    ]);
    expect(ids(await engine.request('GET', '/v1/customers?q=TAILSPIN%20TOYS', { key: provider.apiKey }))).toEqual([
      customerIds.direct,
    ]);
    expect(ids(await engine.request('GET', '/v1/customers?q=%25', { key: provider.apiKey }))).toEqual([]);
  });

  it('pages with limit and cursor', async () => {
    const first = await engine.request('GET', '/v1/customers?limit=2', { key: provider.apiKey });
    expect(first.body.items).toHaveLength(2);
    const second = await engine.request('GET', `/v1/customers?limit=2&cursor=${first.body.nextCursor}`, {
      key: provider.apiKey,
    });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const bad = await engine.request('GET', '/v1/customers?cursor=garbage', { key: provider.apiKey });
    expect(bad.status).toBe(400);
  });

  it('shows a reseller only the customers associated with it', async () => {
    const mine = await engine.request('GET', '/v1/customers', { key: reseller.apiKey });
    expect(ids(mine)).toEqual([customerIds.viaReseller]);
    const subscriptions = await engine.request('GET', `/v1/customers/${customerIds.viaReseller}/subscriptions`, {
      key: reseller.apiKey,
    });
    expect(subscriptions.status).toBe(200);
    expect(subscriptions.body.items).toHaveLength(2);
    expect(subscriptions.body.items[0]).toMatchObject({
      status: 'active',
      partnerIdOnRecord: reseller.partnerId,
      offerName: expect.any(String),
    });
  });
});

describe('GET /v1/customers/:id', () => {
  it('answers the customer without any password or hash', async () => {
    const reply = await engine.request('GET', `/v1/customers/${customerIds.viaReseller}`, { key: provider.apiKey });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: customerIds.viaReseller, status: 'active', reseller: { id: reseller.id } });
    expect(reply.text).not.toMatch(/password|scrypt/i);
  });
});
