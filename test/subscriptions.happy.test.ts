import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEvents, createActiveCustomer, createPartnership, partneredPair } from './fixtures';
import { createTestPartner, startTestEngine, type TestEngine } from './harness';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.stop();
});

describe('changing an existing subscription', () => {
  it('buys and removes licenses, sets, changes and clears the partner of record, and audits each change with what it replaced', async () => {
    const { provider, reseller } = await partneredPair(engine);
    const other = await createTestPartner(engine.request, { kind: 'reseller' });
    await createPartnership(engine, provider, other);
    const customer = await createActiveCustomer(engine, { providerId: provider.id, resellerId: reseller.id });
    const path = `/v1/customers/${customer.id}/subscriptions/${customer.subscriptions[0]!.id}`;

    const more = await engine.request('PATCH', path, { key: provider.apiKey, body: { quantity: 40 } });
    expect(more.status).toBe(200);
    expect(more.body).toMatchObject({ quantity: 40, partnerIdOnRecord: null });
    const fewer = await engine.request('PATCH', path, { key: provider.apiKey, body: { quantity: 7, partnerIdOnRecord: reseller.partnerId } });
    expect(fewer.body).toMatchObject({ quantity: 7, partnerIdOnRecord: reseller.partnerId });
    const changed = await engine.request('PATCH', path, { key: provider.apiKey, body: { partnerIdOnRecord: other.partnerId } });
    expect(changed.body.partnerIdOnRecord).toBe(other.partnerId);
    const cleared = await engine.request('PATCH', path, { key: provider.apiKey, body: { partnerIdOnRecord: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.partnerIdOnRecord).toBeNull();

    const events = await allEvents(engine, provider.apiKey, customer.id);
    expect(events.map((e) => [e.action, e.details])).toEqual([
      ['subscription.quantity_changed', { subscriptionId: customer.subscriptions[0]!.id, from: 10, to: 40 }],
      ['subscription.quantity_changed', { subscriptionId: customer.subscriptions[0]!.id, from: 40, to: 7 }],
      ['subscription.partner_of_record_set', { subscriptionId: customer.subscriptions[0]!.id, previous: null, partnerIdOnRecord: reseller.partnerId }],
      ['subscription.partner_of_record_set', { subscriptionId: customer.subscriptions[0]!.id, previous: reseller.partnerId, partnerIdOnRecord: other.partnerId }],
      ['subscription.partner_of_record_cleared', { subscriptionId: customer.subscriptions[0]!.id, previous: other.partnerId }],
    ]);
    for (const event of events) expect(event).toMatchObject({ actor: `partner:${provider.id}`, workflowId: null, runId: null });
  });

  it('designates a partnered reseller as support contact and clears it, each in the audit trail', async () => {
    const { provider, reseller } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id });
    const path = `/v1/customers/${customer.id}/subscriptions/${customer.subscriptions[0]!.id}/support-contact`;

    const set = await engine.request('PUT', path, { key: provider.apiKey, body: { resellerId: reseller.id } });
    expect(set.status).toBe(200);
    expect(set.body.supportContactResellerId).toBe(reseller.id);
    const again = await engine.request('PUT', path, { key: provider.apiKey, body: { resellerId: reseller.id } });
    expect(again.status).toBe(200);
    const cleared = await engine.request('DELETE', path, { key: provider.apiKey });
    expect(cleared.status).toBe(200);
    expect(cleared.body.supportContactResellerId).toBeNull();

    const actions = (await allEvents(engine, provider.apiKey, customer.id)).map((e) => e.action);
    // Setting the same contact twice changes nothing and records nothing.
    expect(actions).toEqual(['subscription.support_contact_set', 'subscription.support_contact_cleared']);
  });
});

