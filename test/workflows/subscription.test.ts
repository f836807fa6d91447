import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  cancelUpdate,
  changeOfferUpdate,
  changeQuantityUpdate,
  reactivateUpdate,
  scheduleChangesUpdate,
  setAutoRenewUpdate,
  statusQuery,
  suspendUpdate,
} from '../../workflows/subscription.messages';
import { billingPeriods } from '../../src/domain/subscription-billing';
import { offerChangeProration, type OfferForChange } from '../../src/domain/subscription-offer-change';
import { subscriptionWorkflow } from '../../workflows/subscription';
import { subscriptionWorkflowId } from '../../workflows/ids';
import { keepHistory } from './histories';
import { fakeSubscriptionRecords, offers } from './subscription.fakes';
import { DAY, refusalOf, timeSkippingServerPerFile, waitUntil, workflowWorker } from './support';

const server = timeSkippingServerPerFile();
let env: TestWorkflowEnvironment;
let worker: Worker;
let taskQueue: string;
const records = fakeSubscriptionRecords();

beforeEach(async () => {
  env = server.env;
  ({ worker, taskQueue } = await workflowWorker(env, records.activities));
});

const provider = 'partner:provider';

/** Starts a subscription's workflow the way provisioning does, at the test server's current time. */
async function startSubscription(overrides: Parameters<typeof records.seed>[0] = {}) {
  const seed = records.seed({ startedAt: new Date(await env.currentTimeMs()).toISOString(), ...overrides });
  const handle = await env.client.workflow.start(subscriptionWorkflow, {
    taskQueue,
    workflowId: subscriptionWorkflowId(seed.subscriptionId),
    args: [
      {
        subscriptionId: seed.subscriptionId,
        customerId: seed.customerId,
        providerId: seed.providerId,
        customerDomain: 'contoso.onmicrosoft.com',
        resellerId: null,
      },
    ],
  });
  return { seed, handle };
}

/** Starts one and waits (by query) for its first period to be charged. */
async function provision(overrides: Parameters<typeof records.seed>[0] = {}) {
  const { seed, handle } = await startSubscription(overrides);
  await waitFor(handle, (state) => state?.chargedPeriods === 1);
  return { seed, handle };
}

const query = (handle: WorkflowHandle<typeof subscriptionWorkflow>) => handle.query(statusQuery);
const waitFor = (
  handle: WorkflowHandle<typeof subscriptionWorkflow>,
  ready: (state: Awaited<ReturnType<typeof query>>) => boolean,
) => waitUntil(async () => ready(await query(handle)));

/** The business code and details of a refused Update. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string | undefined; details: unknown[] }> {
  const failure = await refusalOf(promise);
  return { code: failure.type ?? undefined, details: (failure.details ?? []) as unknown[] };
}

/** The types of a run's history events, in order (`EVENT_TYPE_` dropped). */
async function eventsOf(handle: WorkflowHandle<typeof subscriptionWorkflow>): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).map((event) =>
    String(temporal.api.enums.v1.EventType[event.eventType ?? 0]).replace(/^EVENT_TYPE_/, ''),
  );
}

const total = (amounts: Array<{ amount: number }>) => amounts.reduce((sum, entry) => sum + entry.amount, 0);

describe('subscription workflow over its whole life (time-skipping)', () => {
  it('runs three years: monthly charges, a renewal applying its scheduled changes, a renewal unchanged, expiry without autoRenew, then disabled and deleted', async () => {
    await worker.runUntil(async () => {
      const { seed, handle } = await provision();
      const id = seed.subscriptionId;
      const firstRunId = (await handle.describe()).runId;

      // Scheduled for the first renewal: 15 licenses billed annually on E5.
      const scheduled = await handle.executeUpdate(scheduleChangesUpdate, {
        args: [{ actor: provider, changes: { quantity: 15, billingFrequency: 'annual', offerId: 'm365-e5' } }],
      });
      expect(scheduled.status).toBe('active');

      await env.sleep(366 * DAY);
      await waitFor(handle, (state) => state?.renewalCount === 1 && state.chargedPeriods === 1);
      const year2 = (await query(handle))!;
      expect(year2).toMatchObject({
        quantity: 15,
        billingFrequency: 'annual',
        scheduledChanges: null,
        offer: { id: 'm365-e5' },
      });
      expect((await handle.describe()).runId).not.toBe(firstRunId); // continued as new

      await env.sleep(366 * DAY);
      await waitFor(handle, (state) => state?.renewalCount === 2 && state.chargedPeriods === 1);
      await handle.executeUpdate(setAutoRenewUpdate, { args: [{ actor: provider, autoRenew: false }] });

      const final = await handle.result(); // skips through expiry and both grace periods
      expect(final.status).toBe('deleted');

      const charges = records.chargesOf(id);
      expect(charges.filter((charge) => charge.key.startsWith('term0:'))).toHaveLength(12);
      expect(total(charges.filter((charge) => charge.key.startsWith('term0:')))).toBe(3600 * 12 * 10);
      expect(charges.filter((charge) => charge.key.startsWith('term1:')).map((charge) => charge.amount)).toEqual([
        5700 * 12 * 15,
      ]);
      expect(charges.filter((charge) => charge.key.startsWith('term2:')).map((charge) => charge.amount)).toEqual([
        5700 * 12 * 15,
      ]);
      expect(charges.every((charge) => charge.kind === 'charge')).toBe(true);

      const notices = records.noticesOf(id);
      expect(notices.map((notice) => [notice.renews, notice.scheduledChanges])).toEqual([
        [true, { quantity: 15, billingFrequency: 'annual', offerId: 'm365-e5' }],
        [true, null],
        [false, null],
      ]);
      const actions = records.actionsOf(id);
      expect(actions.filter((action) => action === 'subscription.renewed')).toHaveLength(2);
      expect(actions.slice(-3)).toEqual(['subscription.expired', 'subscription.disabled', 'subscription.deleted']);
      expect(actions).toContain('subscription.cancellation_window_closed');
      expect(records.rows.get(id)).toMatchObject({ status: 'deleted', renewalCount: 2 });
      await keepHistory(
        env.client.workflow.getHandle(handle.workflowId, firstRunId),
        'subscription-renewed-with-scheduled-changes',
      );
      await keepHistory(handle, 'subscription-expired-disabled-deleted');
    });
  });

  it('an immediate quantity change removes the scheduled changes, says so, and charges the added licenses prorated to the period end', async () => {
    await worker.runUntil(async () => {
      const { seed, handle } = await provision();
      await handle.executeUpdate(scheduleChangesUpdate, { args: [{ actor: provider, changes: { quantity: 20 } }] });
      await env.sleep(10 * DAY);

      const changed = await handle.executeUpdate(changeQuantityUpdate, { args: [{ actor: provider, quantity: 12 }] });
      expect(changed.scheduledChangesRemoved).toBe(true);
      const state = (await query(handle))!;
      expect(state).toMatchObject({ quantity: 12, scheduledChanges: null });
      const added = records.chargesOf(seed.subscriptionId).find((charge) => charge.key.startsWith('change:'))!;
      expect(added).toMatchObject({ kind: 'charge', quantity: 2 });
      expect(added.amount).toBeGreaterThan(0);
      expect(added.amount).toBeLessThan(3600 * 2);

      // The new batch is inside its own window: removing it is refunded; removing more is refused.
      const removed = await handle.executeUpdate(changeQuantityUpdate, { args: [{ actor: provider, quantity: 10 }] });
      expect(removed.amount).toBeLessThan(0);
      const refused = await refusal(
        handle.executeUpdate(changeQuantityUpdate, { args: [{ actor: provider, quantity: 9 }] }),
      );
      expect(refused.code).toBe('QUANTITY_DECREASE_NOT_ALLOWED');
      expect(refused.details[0]).toMatchObject({ removableQuantity: 0 });
      await handle.terminate('test done');
      await keepHistory(handle, 'subscription-quantity-changed');
    });
  });

  it('an immediate offer change removes the scheduled changes, says so, refunds the rest of the period at the old price and charges it at the new one, once; later periods cost the new price', async () => {
    const sold = (offerId: string, overrides: Partial<OfferForChange> = {}): OfferForChange => ({
      ...offers[offerId]!,
      terms: [{ term: 'P1Y', billingFrequencies: ['monthly', 'annual'] }],
      ...overrides,
    });
    await worker.runUntil(async () => {
      const { seed, handle } = await provision();
      const id = seed.subscriptionId;
      await handle.executeUpdate(scheduleChangesUpdate, {
        args: [{ actor: provider, changes: { quantity: 20, billingFrequency: 'annual' } }],
      });
      await env.sleep(10 * DAY);

      const refused = await refusal(
        handle.executeUpdate(changeOfferUpdate, {
          args: [{ actor: provider, offer: sold('m365-e5', { currency: 'USD' }) }],
        }),
      );
      expect(refused).toMatchObject({ code: 'OFFER_CURRENCY_MISMATCH', details: [{ path: 'body.offerId' }] });
      expect(
        (
          await refusal(
            handle.executeUpdate(changeOfferUpdate, {
              args: [{ actor: provider, offer: sold('m365-e5', { maxQuantity: 5 }) }],
            }),
          )
        ).code,
      ).toBe('QUANTITY_OUT_OF_BOUNDS');
      const notSold = sold('m365-e5', { terms: [{ term: 'P3Y', billingFrequencies: ['monthly'] }] });
      expect(
        (await refusal(handle.executeUpdate(changeOfferUpdate, { args: [{ actor: provider, offer: notSold }] }))).code,
      ).toBe('TERM_NOT_OFFERED');
      expect((await query(handle))!.scheduledChanges).not.toBeNull(); // refusals change nothing

      const changed = await handle.executeUpdate(changeOfferUpdate, {
        args: [{ actor: provider, offer: sold('m365-e5') }],
      });
      expect(changed.scheduledChangesRemoved).toBe(true);
      expect((await query(handle))!).toMatchObject({
        offer: { id: 'm365-e5', unitPrice: 5700 },
        quantity: 10,
        scheduledChanges: null,
      });
      const [credit, charge] = records.chargesOf(id).filter((entry) => entry.key.startsWith('change:'));
      expect(credit).toMatchObject({ key: 'change:2:credit', kind: 'refund', quantity: 10 });
      expect(charge).toMatchObject({
        key: 'change:2',
        kind: 'charge',
        quantity: 10,
        periodStart: credit!.periodStart,
        periodEnd: credit!.periodEnd,
      });
      const [january] = billingPeriods(
        new Date(seed.startedAt),
        { term: 'P1Y', billingFrequency: 'monthly' },
        seed.timing.month,
      );
      const expected = offerChangeProration({
        fromUnitPrice: 3600,
        toUnitPrice: 5700,
        period: january!,
        at: new Date(charge!.periodStart),
        quantity: 10,
      });
      expect([credit!.amount, charge!.amount]).toEqual([-expected.credit, expected.charge]);
      expect(changed.amount).toBe(expected.charge - expected.credit);
      expect(expected.credit).toBeGreaterThan(0);

      // The same offer again is a no-op: no charge, no audit row.
      const again = await handle.executeUpdate(changeOfferUpdate, {
        args: [{ actor: provider, offer: sold('m365-e5') }],
      });
      expect(again).toEqual({ status: 'active', scheduledChangesRemoved: false, amount: 0 });
      expect(records.actionsOf(id).filter((action) => action === 'subscription.offer_changed')).toHaveLength(1);

      await env.sleep(25 * DAY);
      await waitFor(handle, (state) => state?.chargedPeriods === 2);
      expect(records.chargesOf(id).find((entry) => entry.key === 'term0:period1')).toMatchObject({
        kind: 'charge',
        amount: 5700 * 10,
      });

      await handle.executeUpdate(suspendUpdate, { args: [{ actor: provider, reason: 'unpaid invoice' }] });
      expect(
        (
          await refusal(
            handle.executeUpdate(changeOfferUpdate, { args: [{ actor: provider, offer: sold('m365-e3') }] }),
          )
        ).code,
      ).toBe('SUBSCRIPTION_WRONG_STATE');
      expect(records.chargesOf(id)).toHaveLength(4);
      await handle.terminate('test done');
    });
  });

  it('cancels inside the window with a prorated refund, and refuses after it (CANCELLATION_WINDOW_CLOSED)', async () => {
    await worker.runUntil(async () => {
      const late = await provision();
      await env.sleep(8 * DAY);
      expect((await refusal(late.handle.executeUpdate(cancelUpdate, { args: [{ actor: provider }] }))).code).toBe(
        'CANCELLATION_WINDOW_CLOSED',
      );
      await late.handle.terminate('test done');

      const { seed, handle } = await provision();
      await env.sleep(3 * DAY - 3_600_000); // inside the third day: three days begun
      const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ actor: provider }] });
      expect(cancelled.status).toBe('cancelled');
      // One month of 10 licenses charged (360.00), three days used at 36.00 × 12 / 365 per license per day.
      expect(-cancelled.amount).toBe(36_000 - Math.round((3600 * 12 * 10 * 3) / 365));
      expect((await handle.result()).status).toBe('cancelled');
      const charges = records.chargesOf(seed.subscriptionId);
      expect(charges.map((charge) => charge.kind)).toEqual(['charge', 'refund']);
      expect(total(charges)).toBeGreaterThanOrEqual(0);
      expect(records.actionsOf(seed.subscriptionId)).toContain('subscription.cancelled');
      await keepHistory(handle, 'subscription-cancelled');
    });
  });

  it('a suspended subscription keeps being charged, loses its scheduled changes, can be reactivated before term end, and expires if still suspended at term end', async () => {
    await worker.runUntil(async () => {
      const { seed, handle } = await provision({ term: 'P1M', billingFrequency: 'monthly', quantity: 3 });
      await handle.executeUpdate(scheduleChangesUpdate, { args: [{ actor: provider, changes: { quantity: 5 } }] });
      const suspended = await handle.executeUpdate(suspendUpdate, {
        args: [{ actor: provider, reason: 'unpaid invoice' }],
      });
      expect(suspended).toMatchObject({ status: 'suspended', scheduledChangesRemoved: true });
      expect(
        (await refusal(handle.executeUpdate(suspendUpdate, { args: [{ actor: provider, reason: 'again' }] }))).code,
      ).toBe('SUBSCRIPTION_WRONG_STATE');
      expect(
        (await refusal(handle.executeUpdate(changeQuantityUpdate, { args: [{ actor: provider, quantity: 4 }] }))).code,
      ).toBe('SUBSCRIPTION_WRONG_STATE');
      const reactivated = await handle.executeUpdate(reactivateUpdate, { args: [{ actor: provider }] });
      expect(reactivated.status).toBe('active');
      await handle.executeUpdate(suspendUpdate, { args: [{ actor: provider, reason: 'unpaid again' }] });

      await env.sleep(32 * DAY);
      await waitFor(handle, (state) => state?.status === 'expired');
      expect((await refusal(handle.executeUpdate(reactivateUpdate, { args: [{ actor: provider }] }))).code).toBe(
        'SUBSCRIPTION_WRONG_STATE',
      );
      expect(records.chargesOf(seed.subscriptionId).map((charge) => charge.key)).toEqual(['term0:period0']);
      expect(records.noticesOf(seed.subscriptionId).map((notice) => notice.renews)).toEqual([false]);
      await handle.terminate('test done');
      await keepHistory(handle, 'subscription-suspended-reactivated-expired');
    });
  });

  it('charges each period of a suspended P1Y monthly term and expires at its end although autoRenew is on', async () => {
    await worker.runUntil(async () => {
      const { seed, handle } = await provision();
      await handle.executeUpdate(suspendUpdate, { args: [{ actor: provider, reason: 'dispute' }] });
      await env.sleep(366 * DAY);
      await waitFor(handle, (state) => state?.status === 'expired');
      const state = (await query(handle))!;
      expect(state).toMatchObject({ autoRenew: true, renewalCount: 0 });
      expect(total(records.chargesOf(seed.subscriptionId))).toBe(3600 * 12 * 10);
      await handle.terminate('test done');
    });
  });

  it('refuses scheduled changes without autoRenew (SCHEDULED_CHANGE_NEEDS_AUTORENEW), and turning autoRenew off removes them', async () => {
    await worker.runUntil(async () => {
      const { handle } = await provision();
      await handle.executeUpdate(scheduleChangesUpdate, {
        args: [{ actor: provider, changes: { billingFrequency: 'annual' } }],
      });
      const off = await handle.executeUpdate(setAutoRenewUpdate, { args: [{ actor: provider, autoRenew: false }] });
      expect(off.scheduledChangesRemoved).toBe(true);
      const refused = await refusal(
        handle.executeUpdate(scheduleChangesUpdate, { args: [{ actor: provider, changes: { quantity: 2 } }] }),
      );
      expect(refused.code).toBe('SCHEDULED_CHANGE_NEEDS_AUTORENEW');
      await handle.terminate('test done');
    });
  });

  it('brings a new subscription to sleep in one workflow task, its steps run as local activities (no activity task), and a timed step later costs one more', async () => {
    await worker.runUntil(async () => {
      // Watched through its history only: a query sent while the first task runs would be answered
      // in a workflow task of its own.
      const { seed, handle } = await startSubscription();
      const timers = async () => (await eventsOf(handle)).filter((type) => type === 'TIMER_STARTED').length;
      await waitUntil(async () => (await timers()) === 1);
      const started = await eventsOf(handle);
      expect(started.filter((type) => type === 'ACTIVITY_TASK_SCHEDULED')).toEqual([]);
      expect(started.filter((type) => type === 'WORKFLOW_TASK_COMPLETED')).toHaveLength(1);
      // the patch, then load, the first save and the first period's charge; then the timer to the next step
      expect(started.filter((type) => type === 'MARKER_RECORDED')).toHaveLength(1 + 3);
      expect(started.at(-1)).toBe('TIMER_STARTED');
      expect(records.chargesOf(seed.subscriptionId)).toHaveLength(1);

      await env.sleep(7 * DAY + 3_600_000); // the cancellation window closes: one timed step
      await waitUntil(async () => (await timers()) === 2);
      const after = await eventsOf(handle);
      expect(after.filter((type) => type === 'ACTIVITY_TASK_SCHEDULED')).toEqual([]);
      expect(after.filter((type) => type === 'WORKFLOW_TASK_COMPLETED')).toHaveLength(2);
      expect(records.actionsOf(seed.subscriptionId)).toContain('subscription.cancellation_window_closed');
      await handle.terminate('test done');
    });
  });
});
