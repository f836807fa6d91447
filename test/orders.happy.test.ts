import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderStatusQuery } from '../workflows/order.messages';
import { allEvents, createActiveCustomer, ordersOf, partneredPair, subscriptionsOfOrder } from './support/fixtures';
import type { ErrorBody, Order, Placed } from './support/api-types';
import { startTestEngine, type TestEngine } from './support/harness';
import { finishedOrder } from './support/orders';
import { OFFERS } from './support/catalog';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.stop();
});

describe('orders for existing customers', () => {
  it('places the order, provisions one subscription per line, credits the partner of record, sets the support contact and audits each change with its run', async () => {
    const { provider, reseller, asProvider } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id, resellerId: reseller.id });

    const placed = await asProvider.post<Placed>(`/v1/customers/${customer.id}/orders`, {
      items: [
        { offerId: OFFERS.m365E3, quantity: 25, partnerIdOnRecord: reseller.partnerId },
        { offerId: OFFERS.defenderBusiness, quantity: 5 },
      ],
      supportContactResellerId: reseller.id,
    });
    expect(placed.status).toBe(202);
    expect(placed.body).toEqual({ id: expect.any(String), status: 'pending', workflowId: `order-${placed.body.id}` });

    const order = await finishedOrder(asProvider, placed.body.id);
    expect(order).toMatchObject({ status: 'completed', customerId: customer.id, failureReason: null });
    expect(order.lines).toEqual([
      // Without a term the offer's first term, billed at its billing cycle.
      {
        lineNumber: 1,
        offerId: OFFERS.m365E3,
        quantity: 25,
        unitPrice: 3600,
        currency: 'EUR',
        partnerIdOnRecord: reseller.partnerId,
        term: 'P1Y',
        billingFrequency: 'annual',
      },
      {
        lineNumber: 2,
        offerId: OFFERS.defenderBusiness,
        quantity: 5,
        unitPrice: 300,
        currency: 'EUR',
        partnerIdOnRecord: null,
        term: 'P1M',
        billingFrequency: 'monthly',
      },
    ]);
    const byOffer = Object.fromEntries(order.subscriptions.map((s) => [s.offerId, s]));
    const supportContact = { id: reseller.id, name: reseller.name, partnerId: reseller.partnerId };
    expect(byOffer[OFFERS.m365E3]).toMatchObject({
      quantity: 25,
      status: 'active',
      partnerIdOnRecord: reseller.partnerId,
      supportContact,
      term: 'P1Y',
      billingFrequency: 'annual',
    });
    expect(byOffer[OFFERS.defenderBusiness]).toMatchObject({
      quantity: 5,
      partnerIdOnRecord: null,
      supportContact,
      term: 'P1M',
    });
    // Each subscription's lifecycle workflow was started by the order, before it reported completed.
    for (const subscription of order.subscriptions) {
      const lifecycle = await engine.deps.temporal.workflow.getHandle(`subscription-${subscription.id}`).describe();
      expect(lifecycle.status.name).toBe('RUNNING');
    }

    const handle = engine.deps.temporal.workflow.getHandle(placed.body.workflowId);
    expect(await handle.query(orderStatusQuery)).toMatchObject({
      status: 'completed',
      step: 'done',
      subscriptionIds: expect.arrayContaining(order.subscriptions.map((s) => s.id)),
    });
    const description = await handle.describe();
    expect(description.searchAttributes).toMatchObject({
      ProcessStatus: ['completed'],
      ProviderId: [provider.id],
      CustomerDomain: [customer.domain],
    });

    const events = (await allEvents(engine, provider.apiKey, customer.id)).filter(
      (e) => e.details.orderId === placed.body.id,
    );
    expect(events.map((e) => e.action)).toEqual([
      'order.placed',
      'subscription.created',
      'subscription.created',
      'subscription.partner_of_record_set',
      'subscription.support_contact_set',
      'subscription.support_contact_set',
      'order.completed',
    ]);
    const run = await handle.describe();
    for (const event of events) {
      expect(event).toMatchObject({
        actor: `partner:${provider.id}`,
        workflowId: placed.body.workflowId,
        runId: run.runId,
      });
    }
  });

  it('answers two concurrent POSTs with the same Idempotency-Key identically and places one order', async () => {
    const { provider, asProvider } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id });
    const send = () =>
      asProvider.post<Placed>(
        `/v1/customers/${customer.id}/orders`,
        { items: [{ offerId: OFFERS.teamsEssentials, quantity: 3 }] },
        { headers: { 'idempotency-key': 'order-2026-0001' } },
      );
    const [first, second] = await Promise.all([send(), send()]);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);

    await finishedOrder(asProvider, first.body.id);
    const third = await send();
    expect(third.body).toEqual(first.body);
    // The fixture's initial order plus exactly one new one.
    expect(await ordersOf(engine, customer.id)).toHaveLength(2);
    expect(await subscriptionsOfOrder(engine, first.body.id)).toHaveLength(1);
  });

  it('lets the reseller managing the customer read its orders and audit trail, but not order for it (403)', async () => {
    const { provider, reseller, asProvider, asReseller } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id, resellerId: reseller.id });
    const placed = await asProvider.post<Placed>(`/v1/customers/${customer.id}/orders`, {
      items: [{ offerId: OFFERS.exchangeOnlineP1, quantity: 2 }],
    });
    await finishedOrder(asProvider, placed.body.id);

    const read = await asReseller.get<Order>(`/v1/orders/${placed.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.status).toBe('completed');
    expect((await allEvents(engine, reseller.apiKey, customer.id)).some((e) => e.action === 'order.completed')).toBe(
      true,
    );

    const refused = await asReseller.post<ErrorBody>(`/v1/customers/${customer.id}/orders`, {
      items: [{ offerId: OFFERS.exchangeOnlineP1, quantity: 2 }],
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
  });
});
