import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEvents, createActiveCustomer, createPartnership, partneredPair, startLifecycles } from './support/fixtures';
import { createTestPartner, OPERATOR_KEY, startTestEngine, waitFor, type TestEngine } from './support/harness';
import { registerEndpoint, startReceiver } from './support/webhook-receiver';
import { OFFERS } from './support/catalog';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({ env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RELAY_INTERVAL: '100ms' } });
});
afterAll(async () => {
  await engine?.stop();
});

describe('changing an existing subscription', () => {
  it('buys licenses (a new batch, charged prorated) and removes them inside their window (refunded), credits the partner of record, and audits each change with what it replaced', async () => {
    const { provider, reseller } = await partneredPair(engine);
    const other = await createTestPartner(engine.request, { kind: 'reseller' });
    await createPartnership(engine, provider, other);
    const customer = await createActiveCustomer(engine, { providerId: provider.id, resellerId: reseller.id });
    const subscriptionId = customer.subscriptions[0]!.id;
    await startLifecycles(engine, [subscriptionId]);
    const path = `/v1/customers/${customer.id}/subscriptions/${subscriptionId}`;

    const more = await engine.request('PATCH', path, { key: provider.apiKey, body: { quantity: 40 } });
    expect(more.status).toBe(200);
    expect(more.body).toMatchObject({
      quantity: 40,
      partnerIdOnRecord: null,
      scheduledChangesRemoved: false,
      term: 'P1M',
      billingFrequency: 'monthly',
      autoRenew: true,
    });
    expect(more.body.refundableQuantities.map((entry: { quantity: number }) => entry.quantity)).toEqual([10, 30]);
    const fewer = await engine.request('PATCH', path, {
      key: provider.apiKey,
      body: { quantity: 7, partnerIdOnRecord: reseller.partnerId },
    });
    expect(fewer.body).toMatchObject({ quantity: 7, partnerIdOnRecord: reseller.partnerId });
    expect(fewer.body.refundableQuantities.map((entry: { quantity: number }) => entry.quantity)).toEqual([7]);
    const changed = await engine.request('PATCH', path, {
      key: provider.apiKey,
      body: { partnerIdOnRecord: other.partnerId },
    });
    expect(changed.body.partnerIdOnRecord).toBe(other.partnerId);
    const cleared = await engine.request('PATCH', path, { key: provider.apiKey, body: { partnerIdOnRecord: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.partnerIdOnRecord).toBeNull();

    const charges = await engine.request(
      'GET',
      `/v1/customers/${customer.id}/charges?subscriptionId=${subscriptionId}`,
      { key: provider.apiKey },
    );
    expect(charges.status).toBe(200);
    const [period, added, refund] = charges.body.items;
    expect(period).toMatchObject({ kind: 'charge', quantity: 10, amount: 600 * 10, currency: 'EUR' });
    expect(added).toMatchObject({ kind: 'charge', quantity: 30 });
    expect(added.amount).toBeGreaterThan(0);
    expect(added.amount).toBeLessThanOrEqual(600 * 30);
    expect(refund).toMatchObject({ kind: 'refund', quantity: 33 });
    expect(refund.amount).toBeLessThan(0);

    const events = await allEvents(engine, provider.apiKey, customer.id);
    const changes = events.filter(
      (e) => e.action === 'subscription.quantity_changed' || e.action.startsWith('subscription.partner_of_record'),
    );
    expect(
      changes.map((e) => [
        e.action,
        e.details.from ?? e.details.previous ?? null,
        e.details.to ?? e.details.partnerIdOnRecord ?? null,
      ]),
    ).toEqual([
      ['subscription.quantity_changed', 10, 40],
      ['subscription.quantity_changed', 40, 7],
      ['subscription.partner_of_record_set', null, reseller.partnerId],
      ['subscription.partner_of_record_set', reseller.partnerId, other.partnerId],
      ['subscription.partner_of_record_cleared', other.partnerId, null],
    ]);
    for (const event of changes) expect(event).toMatchObject({ actor: `partner:${provider.id}` });
    // License changes go through the subscription's workflow, and the trail names its run.
    for (const event of changes.slice(0, 2))
      expect(event).toMatchObject({ workflowId: `subscription-${subscriptionId}`, runId: expect.any(String) });
    expect(
      events.filter((e) => e.action === 'subscription.charged' || e.action === 'subscription.refunded'),
    ).toHaveLength(3);
  });

  it('designates a partnered reseller as support contact and clears it, each in the audit trail, replying with the one subscription shape', async () => {
    const { provider, reseller } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id });
    const path = `/v1/customers/${customer.id}/subscriptions/${customer.subscriptions[0]!.id}/support-contact`;

    const set = await engine.request('PUT', path, { key: provider.apiKey, body: { resellerId: reseller.id } });
    expect(set.status).toBe(200);
    expect(set.body.supportContact).toEqual({ id: reseller.id, name: reseller.name, partnerId: reseller.partnerId });
    expect(set.body).not.toHaveProperty('supportContactResellerId');
    const listed = await engine.request('GET', `/v1/customers/${customer.id}/subscriptions`, { key: provider.apiKey });
    expect(Object.keys(listed.body.items[0]).sort()).toEqual(Object.keys(set.body).sort());
    const again = await engine.request('PUT', path, { key: provider.apiKey, body: { resellerId: reseller.id } });
    expect(again.status).toBe(200);
    const cleared = await engine.request('DELETE', path, { key: provider.apiKey });
    expect(cleared.status).toBe(200);
    expect(cleared.body.supportContact).toBeNull();

    const actions = (await allEvents(engine, provider.apiKey, customer.id)).map((e) => e.action);
    // Setting the same contact twice changes nothing and records nothing.
    expect(actions).toEqual(['subscription.support_contact_set', 'subscription.support_contact_cleared']);
  });

  it('suspends (provider or operator) and reactivates, and cancels inside the window with a prorated refund; each transition in the trail with its run', async () => {
    const { provider } = await partneredPair(engine);
    const receiver = await startReceiver();
    const { secret } = await registerEndpoint(engine.request, provider.apiKey, { url: receiver.url });
    const customer = await createActiveCustomer(engine, {
      providerId: provider.id,
      items: [{ offerId: OFFERS.m365E3, quantity: 4 }],
    });
    const subscriptionId = customer.subscriptions[0]!.id;
    await startLifecycles(engine, [subscriptionId]);
    const path = `/v1/customers/${customer.id}/subscriptions/${subscriptionId}`;

    const suspended = await engine.request('POST', `${path}/suspend`, {
      key: OPERATOR_KEY,
      body: { reason: 'payment overdue' },
    });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ status: 'suspended', suspensionReason: 'payment overdue' });
    const reactivated = await engine.request('POST', `${path}/reactivate`, { key: provider.apiKey });
    expect(reactivated.body).toMatchObject({ status: 'active', suspensionReason: null });
    const cancelled = await engine.request('POST', `${path}/cancel`, { key: provider.apiKey });
    expect(cancelled.status).toBe(200);
    // Charged one month of 4 licenses (the fixture's line is P1M); cancelled within its first day.
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      refund: 4 * 3600 - Math.round((3600 * 12 * 4) / 365),
      refundableQuantities: [],
    });
    const again = await engine.request('POST', `${path}/cancel`, { key: provider.apiKey });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('SUBSCRIPTION_WRONG_STATE');

    const events = await allEvents(engine, provider.apiKey, customer.id);
    const transitions = events.filter((e) =>
      [
        'subscription.suspended',
        'subscription.reactivated',
        'subscription.cancelled',
        'subscription.refunded',
      ].includes(e.action),
    );
    expect(transitions.map((e) => [e.action, e.actor])).toEqual([
      ['subscription.suspended', 'operator'],
      ['subscription.reactivated', `partner:${provider.id}`],
      ['subscription.cancelled', `partner:${provider.id}`],
      ['subscription.refunded', 'workflow'],
    ]);
    for (const event of transitions) expect(event.workflowId).toBe(`subscription-${subscriptionId}`);

    // The same transitions reach the provider's endpoint as signed events, the refund as a charge.
    for (const type of ['subscription.suspended', 'subscription.reactivated', 'subscription.cancelled']) {
      const entry = await waitFor(
        async () => receiver.ofType(type).find((candidate) => candidate.json.data.id === subscriptionId),
        { what: type },
      );
      expect(receiver.verify(entry, secret)).toMatchObject({ type, data: { id: subscriptionId } });
    }
    const refund = await waitFor(
      async () => receiver.ofType('charge.created').find((candidate) => candidate.json.data.kind === 'refund'),
      { what: 'the refund' },
    );
    expect(receiver.verify(refund, secret)).toMatchObject({
      data: { subscriptionId, kind: 'refund', amount: -(4 * 3600 - Math.round((3600 * 12 * 4) / 365)) },
    });
    await receiver.close();
  });
});
