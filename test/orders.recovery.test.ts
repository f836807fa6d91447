import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partnerships } from '../src/db/schema';
import { allEvents, createActiveCustomer, ordersOf, partneredPair, subscriptionsOfOrder } from './support/fixtures';
import { startTestEngine, waitFor, type TestEngine } from './support/harness';
import { OFFERS } from './support/catalog';
import { finishedOrder } from './support/orders';

/** The API alone; workers come and go on its task queue. */
let api: TestEngine;
const taskQueue = `orders-recovery-${randomUUID()}`;
beforeAll(async () => {
  api = await startTestEngine({ taskQueue, runWorker: false });
});
afterAll(async () => {
  await api?.stop();
});

describe('order recovery', () => {
  it('finishes an order exactly once when the worker is killed after provisioning committed and a new worker takes over', async () => {
    const { provider, reseller, asProvider } = await partneredPair(api);
    const customer = await createActiveCustomer(api, { providerId: provider.id });

    let reached!: () => void;
    const provisioningReached = new Promise<void>((resolve) => (reached = resolve));
    let firstWorkerRuns = 0;
    // The first worker stalls right after the subscriptions committed, before reporting back, until it is shut down.
    const doomed = await startTestEngine({
      taskQueue,
      runApi: false,
      activityTestHooks: {
        afterCommit: async (activity) => {
          if (activity !== 'provisionCustomerOrder') return;
          firstWorkerRuns += 1;
          reached();
          await Context.current().cancelled;
        },
      },
    });

    const placed = await api.request('POST', `/v1/customers/${customer.id}/orders`, {
      key: provider.apiKey,
      body: {
        items: [
          { offerId: OFFERS.m365BusinessPremium, quantity: 12, partnerIdOnRecord: reseller.partnerId },
          { offerId: OFFERS.entraIdP1, quantity: 12 },
          { offerId: OFFERS.azurePlan, quantity: 1 },
        ],
      },
    });
    expect(placed.status).toBe(202);
    await provisioningReached;
    expect(await subscriptionsOfOrder(api, placed.body.id)).toHaveLength(3);
    await doomed.stop();

    let secondWorkerRuns = 0;
    const successor = await startTestEngine({
      taskQueue,
      runApi: false,
      activityTestHooks: {
        afterCommit: async (activity) => {
          if (activity === 'provisionCustomerOrder') secondWorkerRuns += 1;
        },
      },
    });
    try {
      const order = await finishedOrder(asProvider, placed.body.id);
      expect(order.status).toBe('completed');
      expect(firstWorkerRuns).toBe(1);
      expect(secondWorkerRuns).toBe(1);

      expect(await ordersOf(api, customer.id, placed.body.id)).toHaveLength(1);
      const provisioned = await subscriptionsOfOrder(api, placed.body.id);
      expect(provisioned).toHaveLength(3);
      expect(new Set(provisioned.map((s) => s.orderLineId)).size).toBe(3);
      expect(provisioned.find((s) => s.offerId === OFFERS.m365BusinessPremium)?.partnerIdOnRecord).toBe(
        reseller.partnerId,
      );

      const events = (await allEvents(api, provider.apiKey, customer.id)).filter(
        (e) => e.details.orderId === placed.body.id,
      );
      expect(events.filter((e) => e.action === 'subscription.created')).toHaveLength(3);
      expect(events.filter((e) => e.action === 'order.placed')).toHaveLength(1);
      expect(events.filter((e) => e.action === 'order.completed')).toHaveLength(1);

      // Each subscription got exactly one lifecycle workflow, however many times provisioning ran.
      for (const subscription of provisioned) {
        const runs = await waitFor(
          async () => {
            const found = [];
            for await (const run of api.deps.temporal.workflow.list({
              query: `WorkflowId = "subscription-${subscription.id}"`,
            }))
              found.push(run);
            return found.length > 0 && found;
          },
          { what: 'the subscription workflow in visibility' },
        );
        expect(runs).toHaveLength(1);
      }
    } finally {
      await successor.stop();
    }
  });

  it('fails the order and cancels its subscriptions when the partnership is removed while the order runs', async () => {
    const { provider, reseller, partnershipId, asProvider } = await partneredPair(api);
    const customer = await createActiveCustomer(api, { providerId: provider.id });
    // The partnership ends between provisioning and crediting the reseller.
    const worker = await startTestEngine({
      taskQueue,
      runApi: false,
      activityTestHooks: {
        afterCommit: async (activity) => {
          if (activity === 'provisionCustomerOrder') {
            await worker.deps.db
              .update(partnerships)
              .set({ status: 'removed', removedAt: new Date() })
              .where(eq(partnerships.id, partnershipId));
          }
        },
      },
    });
    try {
      const placed = await api.request('POST', `/v1/customers/${customer.id}/orders`, {
        key: provider.apiKey,
        body: { items: [{ offerId: OFFERS.m365E5, quantity: 4, partnerIdOnRecord: reseller.partnerId }] },
      });
      expect(placed.status).toBe(202);
      const order = await finishedOrder(asProvider, placed.body.id);
      expect(order).toMatchObject({
        status: 'failed',
        failureReason: expect.stringContaining('no longer in an active partnership'),
      });
      expect(order.subscriptions).toHaveLength(1);
      expect(order.subscriptions[0]).toMatchObject({ status: 'cancelled', partnerIdOnRecord: null });
      const actions = (await allEvents(api, provider.apiKey, customer.id))
        .filter((e) => e.details.orderId === placed.body.id)
        .map((e) => e.action);
      expect(actions).toEqual(['order.placed', 'subscription.created', 'subscription.cancelled', 'order.failed']);
      // A failed order starts no lifecycle for the subscription it cancelled.
      await expect(
        api.deps.temporal.workflow.getHandle(`subscription-${order.subscriptions[0]!.id}`).describe(),
      ).rejects.toThrow();
    } finally {
      await worker.stop();
    }
  });
});
