import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { and, eq, inArray, ne } from 'drizzle-orm';
import { recordCustomerEvent } from '../src/db/queries/customer-events';
import { getOffersByIds } from '../src/db/queries/offers';
import type { OrderLineInput } from '../src/db/queries/orders';
import { orderLines, orders, subscriptions } from '../src/db/schema';
import { businessFailure } from '../workflows/failures';
import type { ProvisioningStep } from '../workflows/onboarding.messages';
import type { ActivityDeps } from './index';

/** The workflow run an activity works for, for audit rows. */
export function currentRun() {
  const run = Context.current().info.workflowExecution;
  return { workflowId: run?.workflowId, runId: run?.runId };
}

/**
 * Test-only (ActivityDeps.testHooks): awaited after a saga step committed and before it reports
 * back, so a test can fail the step there (throw) or stall it while it stops the worker.
 */
export async function afterStep(deps: ActivityDeps, step: ProvisioningStep, customerId: string): Promise<void> {
  await deps.testHooks?.afterCommit?.(step, customerId);
}

export type PlaceOrderInput = {
  orderId: string;
  providerId: string;
  customerId: string;
  onboardingId?: string;
  /** `partner:<id>` of whoever asked for the order. */
  actor: string;
  lines: OrderLineInput[];
};

export type ProvisionedSubscription = { id: string; orderLineId: string; offerId: string; quantity: number };

/**
 * Placing orders and provisioning their subscriptions, shared by the new-customer and the
 * existing-customer processes. Both are idempotent by key: the order by its id, its lines by
 * (order_id, line_number), subscriptions by order_line_id — a retry finds its work done.
 */
export function createProvisioningActivities(deps: ActivityDeps) {
  const { db } = deps;

  return {
    /** Writes the order and its lines at catalog prices, status `pending`. */
    async placeOrder(input: PlaceOrderInput): Promise<{ orderId: string; lineIds: string[] }> {
      const run = currentRun();
      const offers = await getOffersByIds(
        db,
        input.lines.map((line) => line.offerId),
      );
      for (const line of input.lines) {
        if (!offers.has(line.offerId))
          throw businessFailure('OFFER_NOT_FOUND', `No offer ${line.offerId} in the catalog`);
      }
      const lineIds = await db.transaction(async (tx) => {
        await tx
          .insert(orders)
          .values({
            id: input.orderId,
            providerId: input.providerId,
            customerId: input.customerId,
            onboardingId: input.onboardingId,
            request: { lines: input.lines },
            workflowId: run.workflowId ?? `order-${input.orderId}`,
          })
          .onConflictDoNothing({ target: orders.id });
        await tx
          .insert(orderLines)
          .values(
            input.lines.map((line) => {
              const offer = offers.get(line.offerId)!;
              return { ...line, orderId: input.orderId, unitPrice: offer.unitPrice, currency: offer.currency };
            }),
          )
          .onConflictDoNothing({ target: [orderLines.orderId, orderLines.lineNumber] });
        await recordCustomerEvent(tx, {
          customerId: input.customerId,
          actor: input.actor,
          action: 'order.placed',
          details: { orderId: input.orderId, lines: input.lines },
          ...run,
          dedupeKey: `order:${input.orderId}:placed`,
        });
        const lines = await tx
          .select({ id: orderLines.id })
          .from(orderLines)
          .where(eq(orderLines.orderId, input.orderId));
        return lines.map((line) => line.id);
      });
      await afterStep(deps, 'placeOrder', input.customerId);
      return { orderId: input.orderId, lineIds };
    },

    /** Compensation: the order is cancelled (its subscriptions are cancelled by their own compensation). */
    async cancelOrder(input: { orderId: string; reason: string }): Promise<void> {
      const run = currentRun();
      await db.transaction(async (tx) => {
        const [order] = await tx
          .update(orders)
          .set({ status: 'cancelled', failureReason: input.reason, updatedAt: new Date() })
          .where(and(eq(orders.id, input.orderId), ne(orders.status, 'cancelled')))
          .returning({ customerId: orders.customerId });
        if (!order) return;
        await recordCustomerEvent(tx, {
          customerId: order.customerId,
          actor: 'workflow',
          action: 'order.cancelled',
          details: { orderId: input.orderId, reason: input.reason },
          ...run,
          dedupeKey: `order:${input.orderId}:cancelled`,
        });
      });
    },

    /** One active subscription per order line; the order becomes `completed`. */
    async provisionSubscriptions(input: {
      orderId: string;
      customerId: string;
      actor: string;
      supportContactResellerId?: string;
    }): Promise<ProvisionedSubscription[]> {
      const run = currentRun();
      const provisioned = await db.transaction(async (tx) => {
        const [order] = await tx.select().from(orders).where(eq(orders.id, input.orderId)).for('update');
        if (!order) throw ApplicationFailure.nonRetryable(`order ${input.orderId} does not exist`, 'ORDER_MISSING');
        const lines = await tx.select().from(orderLines).where(eq(orderLines.orderId, input.orderId));
        if (lines.length > 0) {
          await tx
            .insert(subscriptions)
            .values(
              lines.map((line) => ({
                customerId: input.customerId,
                orderId: input.orderId,
                orderLineId: line.id,
                offerId: line.offerId,
                quantity: line.quantity,
                term: line.term,
                billingFrequency: line.billingFrequency,
                partnerIdOnRecord: line.partnerIdOnRecord,
                supportContactResellerId: input.supportContactResellerId ?? null,
              })),
            )
            .onConflictDoNothing({ target: subscriptions.orderLineId });
        }
        if (order.status === 'pending') {
          await tx
            .update(orders)
            .set({ status: 'completed', updatedAt: new Date() })
            .where(eq(orders.id, input.orderId));
        }
        const rows = await tx
          .select({
            id: subscriptions.id,
            orderLineId: subscriptions.orderLineId,
            offerId: subscriptions.offerId,
            quantity: subscriptions.quantity,
          })
          .from(subscriptions)
          .where(eq(subscriptions.orderId, input.orderId));
        await recordCustomerEvent(tx, {
          customerId: input.customerId,
          actor: input.actor,
          action: 'subscriptions.provisioned',
          details: { orderId: input.orderId, subscriptions: rows },
          ...run,
          dedupeKey: `order:${input.orderId}:provisioned`,
        });
        return rows;
      });
      await afterStep(deps, 'provisionSubscriptions', input.customerId);
      return provisioned;
    },

    /** Compensation: every subscription of the order is cancelled. */
    async cancelSubscriptions(input: { orderId: string; reason: string }): Promise<void> {
      const run = currentRun();
      await db.transaction(async (tx) => {
        const cancelled = await tx
          .update(subscriptions)
          .set({ status: 'cancelled', updatedAt: new Date() })
          .where(and(eq(subscriptions.orderId, input.orderId), inArray(subscriptions.status, ['active', 'suspended'])))
          .returning({ id: subscriptions.id, customerId: subscriptions.customerId });
        if (cancelled.length === 0) return;
        await recordCustomerEvent(tx, {
          customerId: cancelled[0]!.customerId,
          actor: 'workflow',
          action: 'subscriptions.cancelled',
          details: { orderId: input.orderId, subscriptionIds: cancelled.map((row) => row.id), reason: input.reason },
          ...run,
          dedupeKey: `order:${input.orderId}:subscriptions-cancelled`,
        });
      });
    },
  };
}
