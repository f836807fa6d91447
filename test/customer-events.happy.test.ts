import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActiveCustomer, partneredPair } from './support/fixtures';
import type { CustomerEvent, Page } from './support/api-types';
import { apiClient } from './support/client';
import { OPERATOR_KEY, startTestEngine, type Reply, type TestEngine } from './support/harness';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.stop();
});

describe('customer audit trail', () => {
  it('pages through every change oldest first with limit and cursor, without gaps or repeats', async () => {
    const { provider, reseller, asProvider } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id, resellerId: reseller.id });
    const path = `/v1/customers/${customer.id}/subscriptions/${customer.subscriptions[0]!.id}/support-contact`;
    for (const designate of [true, false, true, false, true]) {
      const reply = designate ? await asProvider.put(path, { resellerId: reseller.id }) : await asProvider.delete(path);
      expect(reply.status).toBe(200);
    }

    const seen: CustomerEvent[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const reply: Reply<Page<CustomerEvent>> = await asProvider.get(
        `/v1/customers/${customer.id}/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(reply.status).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...reply.body.items);
      cursor = reply.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((e) => e.action.replace('subscription.support_contact_', ''))).toEqual([
      'set',
      'cleared',
      'set',
      'cleared',
      'set',
    ]);
    expect(new Set(seen.map((e) => e.id)).size).toBe(5);
    expect(seen[0]).toEqual({
      id: expect.any(String),
      customerId: customer.id,
      actor: `partner:${provider.id}`,
      action: 'subscription.support_contact_set',
      details: { subscriptionId: customer.subscriptions[0]!.id, previous: null, supportContactResellerId: reseller.id },
      workflowId: null,
      runId: null,
      createdAt: expect.any(String),
    });

    // The reseller managing the customer and the operator read the same trail.
    for (const key of [reseller.apiKey, OPERATOR_KEY]) {
      const reply = await apiClient(engine.request, key).get<Page<CustomerEvent>>(
        `/v1/customers/${customer.id}/events?limit=200`,
      );
      expect(reply.status).toBe(200);
      expect(reply.body.items.map((e) => e.id)).toEqual(seen.map((e) => e.id));
    }
  });

  it('records nothing for a refused change: the audit row shares the transaction of the change', async () => {
    const { provider } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id });
    const path = `/v1/customers/${customer.id}/subscriptions/${customer.subscriptions[0]!.id}`;
    // A valid quantity with an invalid partner: the whole change is refused, the quantity too.
    const refused = await engine.request('PATCH', path, {
      key: provider.apiKey,
      body: { quantity: 20, partnerIdOnRecord: '12345678' },
    });
    expect(refused.status).toBe(422);
    const events = await engine.request('GET', `/v1/customers/${customer.id}/events`, { key: provider.apiKey });
    expect(events.body).toEqual({ items: [], nextCursor: null });
  });
});
