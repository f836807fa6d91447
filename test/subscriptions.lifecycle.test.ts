import { like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailOutbox } from '../src/db/schema';
import { ProcessStatus } from '../workflows/search-attributes';
import { allEvents, createActiveCustomer, partneredPair } from './support/fixtures';
import { startTestEngine, waitFor, type TestEngine, type TestPartner } from './support/harness';
import { registerEndpoint, startReceiver } from './support/webhook-receiver';
import { OFFERS } from './support/catalog';
import { apiClient } from './support/client';
import { finishedOrder } from './support/orders';

/**
 * A three-year subscription, compressed (SUBSCRIPTION_MONTH=1500ms), through the HTTP API against the
 * real dev server and Postgres: licenses bought and removed in the window, scheduled changes applied
 * at the first renewal, an unchanged second renewal, expiry without autoRenew, then disabled and deleted.
 */
let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({
    env: {
      SUBSCRIPTION_MONTH: '1500ms',
      // Wide enough for the changes made inside it on a loaded machine, and closing well before the renewal (18 s).
      CANCELLATION_WINDOW: '9s',
      RENEWAL_NOTICE: '3s',
      EXPIRED_GRACE: '2s',
      DISABLED_GRACE: '2s',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RELAY_INTERVAL: '100ms',
    },
  });
});
afterAll(async () => {
  await engine?.stop();
});

const UNIT = 3600; // m365-e3, cents per license per month

async function orderSubscription(provider: TestPartner, reseller: TestPartner, customerId: string) {
  const placed = await engine.request('POST', `/v1/customers/${customerId}/orders`, {
    key: provider.apiKey,
    body: {
      items: [
        {
          offerId: OFFERS.m365E3,
          quantity: 10,
          term: 'P1Y',
          billingFrequency: 'monthly',
          partnerIdOnRecord: reseller.partnerId,
        },
      ],
    },
  });
  expect(placed.status).toBe(202);
  const order = await finishedOrder(apiClient(engine.request, provider.apiKey), placed.body.id);
  expect(order.status).toBe('completed');
  return order.subscriptions[0]!;
}

describe('a subscription over three compressed years, through the API', () => {
  it('charges, refunds, renews with its scheduled changes, renews unchanged, expires, is disabled and deleted; every step audited with its run; one notice per term', async () => {
    const { provider, reseller } = await partneredPair(engine);
    const receiver = await startReceiver();
    const { secret } = await registerEndpoint(engine.request, reseller.apiKey, { url: receiver.url });
    const customer = await createActiveCustomer(engine, { providerId: provider.id, resellerId: reseller.id });
    const created = await orderSubscription(provider, reseller, customer.id);
    expect(created).toMatchObject({ term: 'P1Y', billingFrequency: 'monthly', autoRenew: true, renewalCount: 0 });
    const path = `/v1/customers/${customer.id}/subscriptions/${created.id}`;
    const get = async () =>
      (
        await engine.request('GET', `/v1/customers/${customer.id}/subscriptions?limit=200`, { key: provider.apiKey })
      ).body.items.find((s: { id: string }) => s.id === created.id);
    // The order started the workflow before completing; it records itself with its first step.
    await waitFor(async () => (await get()).workflowId === `subscription-${created.id}`, {
      what: 'the workflow to record itself',
    });

    // Inside the window: buy two, schedule changes, then remove one — an immediate change that removes them.
    expect((await engine.request('PATCH', path, { key: provider.apiKey, body: { quantity: 12 } })).status).toBe(200);
    const scheduled = await engine.request('PUT', `${path}/scheduled-changes`, {
      key: provider.apiKey,
      body: { quantity: 20, billingFrequency: 'annual' },
    });
    expect(scheduled.body.scheduledChanges).toEqual({ quantity: 20, billingFrequency: 'annual' });
    const removed = await engine.request('PATCH', path, { key: provider.apiKey, body: { quantity: 11 } });
    expect(removed.body).toMatchObject({ quantity: 11, scheduledChanges: null, scheduledChangesRemoved: true });
    await engine.request('PUT', `${path}/scheduled-changes`, {
      key: provider.apiKey,
      body: { quantity: 20, billingFrequency: 'annual' },
    });

    // After the window: no cancellation, no removal (422 with what could be removed and until when).
    // The term's window and the added licenses' own window (which opened later) have both closed.
    await waitFor(async () => (await get()).refundableQuantities.length === 0, { what: 'every window to close' });
    const cancel = await engine.request('POST', `${path}/cancel`, { key: provider.apiKey });
    expect(cancel.status).toBe(422);
    expect(cancel.body.error.code).toBe('CANCELLATION_WINDOW_CLOSED');
    const decrease = await engine.request('PATCH', path, { key: provider.apiKey, body: { quantity: 5 } });
    expect(decrease.status).toBe(422);
    expect(decrease.body.error).toMatchObject({
      code: 'QUANTITY_DECREASE_NOT_ALLOWED',
      details: [{ removableQuantity: 0, allowedUntil: null }],
    });

    const year2 = await waitFor(async () => ((await get()).renewalCount === 1 ? get() : null), {
      what: 'the first renewal',
      timeoutMs: 60_000,
    });
    expect(year2).toMatchObject({
      status: 'active',
      quantity: 20,
      billingFrequency: 'annual',
      scheduledChanges: null,
      refundableQuantities: [{ quantity: 20 }],
    });
    await waitFor(async () => (await get()).renewalCount === 2, { what: 'the second renewal', timeoutMs: 60_000 });
    const noRenewal = await engine.request('PATCH', path, { key: provider.apiKey, body: { autoRenew: false } });
    expect(noRenewal.body.autoRenew).toBe(false);
    const refused = await engine.request('PUT', `${path}/scheduled-changes`, {
      key: provider.apiKey,
      body: { quantity: 3 },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('SCHEDULED_CHANGE_NEEDS_AUTORENEW');

    for (const status of ['expired', 'disabled', 'deleted']) {
      await waitFor(async () => (await get()).status === status, { what: status, timeoutMs: 60_000 });
    }
    const late = await engine.request('POST', `${path}/reactivate`, { key: provider.apiKey });
    expect(late.status).toBe(409);

    // Charges: twelve monthly periods, then one annual charge per renewed term of unitPrice × 12 × 20.
    const charges = (
      await engine.request('GET', `/v1/customers/${customer.id}/charges?subscriptionId=${created.id}&limit=200`, {
        key: provider.apiKey,
      })
    ).body.items;
    // Full periods cost exactly a month or a year of their licenses; the prorated addition costs less.
    const periods = charges.filter(
      (charge: { kind: string; quantity: number; amount: number }) =>
        charge.kind === 'charge' && [UNIT * charge.quantity, UNIT * 12 * charge.quantity].includes(charge.amount),
    );
    // (How many of the first periods saw 12 licenses before one was removed depends on the machine's speed.)
    const monthly = periods.slice(0, 12);
    expect(monthly.map((charge: { amount: number; quantity: number }) => charge.amount / charge.quantity)).toEqual(
      Array(12).fill(UNIT),
    );
    expect(monthly[0].quantity).toBe(10);
    expect(monthly.at(-1).quantity).toBe(11);
    expect(periods.slice(12).map((charge: { amount: number }) => charge.amount)).toEqual([
      UNIT * 12 * 20,
      UNIT * 12 * 20,
    ]);
    expect(charges.filter((charge: { kind: string }) => charge.kind === 'refund')).toHaveLength(1);
    // The reseller on record reads the same charges.
    const resellerView = await engine.request('GET', `/v1/customers/${customer.id}/charges?limit=200`, {
      key: reseller.apiKey,
    });
    expect(resellerView.body.items.length).toBe(charges.length);

    // Audit: each transition once, with the run that made it (a new run per term).
    const events = (await allEvents(engine, provider.apiKey, customer.id)).filter(
      (e) => e.details.subscriptionId === created.id,
    );
    const once = (action: string) => events.filter((e) => e.action === action);
    expect(once('subscription.renewed')).toHaveLength(2);
    for (const action of ['subscription.expired', 'subscription.disabled', 'subscription.deleted'])
      expect(once(action)).toHaveLength(1);
    expect(once('subscription.charged').length + once('subscription.refunded').length).toBe(charges.length);
    for (const event of events.filter((e) => e.actor === 'workflow'))
      expect(event).toMatchObject({ workflowId: `subscription-${created.id}`, runId: expect.any(String) });
    expect(new Set(once('subscription.renewed').map((e) => e.runId)).size).toBe(2);

    // Notices: one per term to the provider and to the reseller on record.
    const notices = await engine.deps.db
      .select({ key: mailOutbox.dedupeKey, template: mailOutbox.template })
      .from(mailOutbox)
      .where(like(mailOutbox.dedupeKey, `subscription:${created.id}:%`));
    expect(notices.map((notice) => notice.key).sort()).toEqual(
      [0, 1, 2]
        .flatMap((term) => [
          `subscription:${created.id}:term${term}:notice:provider`,
          `subscription:${created.id}:term${term}:notice:reseller`,
        ])
        .sort(),
    );
    expect(notices.filter((notice) => notice.template === 'subscriptionExpiryNotice')).toHaveLength(2);

    // The reseller managing the customer (and credited on it) got each transition as a signed event, once.
    const lifecycle = [
      'subscription.created',
      'subscription.updated',
      'subscription.renewed',
      'subscription.expired',
      'subscription.disabled',
      'subscription.deleted',
    ];
    await waitFor(async () => receiver.ofType('subscription.deleted').length > 0, {
      what: 'subscription.deleted delivered',
    });
    for (const type of lifecycle) {
      const entries = receiver.ofType(type).filter((entry) => entry.json.data.id === created.id);
      expect(entries.length, type).toBeGreaterThan(0);
      for (const entry of entries) expect(receiver.verify(entry, secret)).toMatchObject({ type });
    }
    expect(receiver.ofType('subscription.renewed').filter((entry) => entry.json.data.id === created.id)).toHaveLength(
      2,
    );
    const chargeEvents = receiver
      .ofType('charge.created')
      .filter((entry) => entry.json.data.subscriptionId === created.id);
    expect(chargeEvents).toHaveLength(charges.length);
    expect(new Set(receiver.received.map((entry) => entry.headers['webhook-id'])).size).toBe(receiver.received.length);
    await receiver.close();

    const handle = engine.deps.temporal.workflow.getHandle(`subscription-${created.id}`);
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.typedSearchAttributes.get(ProcessStatus)).toBe('deleted');
  }, 240_000);
});
