import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq, inArray, isNull, ne, or } from 'drizzle-orm';
import type { Tx } from '../src/db/client';
import { recordCustomerEvent } from '../src/db/queries/customer-events';
import { orderFacts, type OrderRequest } from '../src/db/queries/customer-orders';
import { orderProblems } from '../src/domain/ordering';
import { findActivePartnerReseller } from '../src/db/queries/customer-subscriptions';
import { customers, offers, orderLines, orders, subscriptions } from '../src/db/schema';
import { recordOrderEvent } from '../src/events/record';
import { businessFailure } from '../workflows/failures';
import { isTermChoiceRefusal, resolveTermChoice } from '../src/domain/subscription-billing';
import type { ActivityDeps } from './index';
import { currentRun } from './provisioning';

async function lockOrder(tx: Tx, orderId: string) {
  const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
  if (!order) throw ApplicationFailure.nonRetryable(`order ${orderId} does not exist`, 'ORDER_MISSING');
  return { ...order, request: order.request as OrderRequest };
}

/**
 * Steps of an order for an existing customer. Each is safe to run twice: lines and subscriptions are
 * keyed by (order, line) and order line, audit rows by a dedupe key, and every step first checks
 * what is already done. Audit rows are written in the transaction of the change they record.
 */
export function createOrderActivities({ db, testHooks }: ActivityDeps) {
  const audit = (
    tx: Tx,
    order: { id: string; providerId: string; customerId: string },
    action: string,
    key: string,
    details: Record<string, unknown>,
  ) =>
    recordCustomerEvent(tx, {
      customerId: order.customerId,
      actor: `partner:${order.providerId}`,
      action,
      details: { orderId: order.id, ...details },
      ...currentRun(),
      dedupeKey: `order:${order.id}:${key}`,
    });

  return {
    /** Refuses an order the rules no longer allow: the customer must be active, offers and partners valid. */
    async validateCustomerOrder({ orderId }: { orderId: string }): Promise<void> {
      const [row] = await db
        .select({ order: orders, customerStatus: customers.status })
        .from(orders)
        .innerJoin(customers, eq(customers.id, orders.customerId))
        .where(eq(orders.id, orderId));
      if (!row) throw ApplicationFailure.nonRetryable(`order ${orderId} does not exist`, 'ORDER_MISSING');
      if (row.customerStatus !== 'active')
        throw ApplicationFailure.nonRetryable(`The customer is ${row.customerStatus}`, 'CUSTOMER_NOT_ACTIVE');
      const request = row.order.request as OrderRequest;
      const problems = orderProblems(request, await orderFacts(db, { providerId: row.order.providerId, request }));
      if (problems.length > 0) throw businessFailure(problems[0]!.code, problems[0]!.message, problems);
    },

    /** Writes the order lines at the catalog's current prices. */
    async placeCustomerOrder({ orderId }: { orderId: string }): Promise<void> {
      await db.transaction(async (tx) => {
        const order = await lockOrder(tx, orderId);
        if (order.status !== 'pending') return;
        const catalog = await tx
          .select()
          .from(offers)
          .where(
            inArray(
              offers.id,
              order.request.items.map((item) => item.offerId),
            ),
          );
        const byId = new Map(catalog.map((offer) => [offer.id, offer]));
        const lines = order.request.items.map((item, index) => {
          const offer = byId.get(item.offerId);
          if (!offer) throw businessFailure('OFFER_NOT_FOUND', `No offer ${item.offerId} in the catalog`);
          const choice = resolveTermChoice(offer, item);
          if (isTermChoiceRefusal(choice)) throw businessFailure(choice.code, choice.message);
          return {
            ...choice,
            orderId,
            lineNumber: index + 1,
            offerId: item.offerId,
            quantity: item.quantity,
            unitPrice: offer.unitPrice,
            currency: offer.currency,
            partnerIdOnRecord: item.partnerIdOnRecord ?? null,
          };
        });
        const inserted = await tx
          .insert(orderLines)
          .values(lines)
          .onConflictDoNothing()
          .returning({ lineNumber: orderLines.lineNumber });
        if (inserted.length > 0) {
          await audit(tx, order, 'order.placed', 'placed', {
            lines: lines.map(({ lineNumber, offerId, quantity, unitPrice, currency }) => ({
              lineNumber,
              offerId,
              quantity,
              unitPrice,
              currency,
            })),
          });
        }
      });
    },

    /** One subscription per order line; returns the order's subscription ids. */
    async provisionCustomerOrder({ orderId }: { orderId: string }): Promise<string[]> {
      const ids = await db.transaction(async (tx) => {
        const order = await lockOrder(tx, orderId);
        const lines = await tx
          .select()
          .from(orderLines)
          .where(eq(orderLines.orderId, orderId))
          .orderBy(asc(orderLines.lineNumber));
        if (order.status === 'pending' && lines.length > 0) {
          const created = await tx
            .insert(subscriptions)
            .values(
              lines.map((line) => ({
                customerId: order.customerId,
                orderId,
                orderLineId: line.id,
                offerId: line.offerId,
                quantity: line.quantity,
                term: line.term,
                billingFrequency: line.billingFrequency,
              })),
            )
            .onConflictDoNothing({ target: subscriptions.orderLineId })
            .returning({
              id: subscriptions.id,
              orderLineId: subscriptions.orderLineId,
              offerId: subscriptions.offerId,
              quantity: subscriptions.quantity,
            });
          for (const subscription of created) {
            const line = lines.find((candidate) => candidate.id === subscription.orderLineId)!;
            await audit(tx, order, 'subscription.created', `line:${line.lineNumber}:provisioned`, {
              subscriptionId: subscription.id,
              offerId: subscription.offerId,
              quantity: subscription.quantity,
            });
          }
        }
        const rows = await tx
          .select({ id: subscriptions.id })
          .from(subscriptions)
          .where(eq(subscriptions.orderId, orderId))
          .orderBy(asc(subscriptions.id));
        return rows.map((row) => row.id);
      });
      // Lets a test stop the worker after the subscriptions committed but before the step reported back.
      await testHooks?.afterCommit?.('provisionCustomerOrder', orderId);
      return ids;
    },

    /** Credits the reseller named on each line as partner of record; its partnership must still be active. */
    async creditCustomerOrderPartners({ orderId }: { orderId: string }): Promise<void> {
      await db.transaction(async (tx) => {
        const order = await lockOrder(tx, orderId);
        if (order.status !== 'pending') return;
        const lines = await tx
          .select({ line: orderLines, subscriptionId: subscriptions.id, current: subscriptions.partnerIdOnRecord })
          .from(orderLines)
          .innerJoin(subscriptions, eq(subscriptions.orderLineId, orderLines.id))
          .where(eq(orderLines.orderId, orderId))
          .orderBy(asc(orderLines.lineNumber));
        for (const { line, subscriptionId, current } of lines) {
          const partnerId = line.partnerIdOnRecord;
          if (!partnerId || current === partnerId) continue;
          if (!(await findActivePartnerReseller(tx, { providerId: order.providerId, partnerId }, { lock: true }))) {
            throw businessFailure(
              'PARTNERSHIP_NOT_ACTIVE',
              `Partner ${partnerId} is no longer in an active partnership with the provider`,
            );
          }
          await tx
            .update(subscriptions)
            .set({ partnerIdOnRecord: partnerId, updatedAt: new Date() })
            .where(eq(subscriptions.id, subscriptionId));
          await audit(tx, order, 'subscription.partner_of_record_set', `line:${line.lineNumber}:partner-of-record`, {
            subscriptionId,
            partnerIdOnRecord: partnerId,
          });
        }
      });
    },

    /** Makes the requested reseller the support contact of the order's subscriptions. */
    async designateCustomerOrderSupportContact({ orderId }: { orderId: string }): Promise<void> {
      await db.transaction(async (tx) => {
        const order = await lockOrder(tx, orderId);
        const resellerId = order.request.supportContactResellerId;
        if (order.status !== 'pending' || !resellerId) return;
        if (!(await findActivePartnerReseller(tx, { providerId: order.providerId, resellerId }, { lock: true }))) {
          throw businessFailure(
            'PARTNERSHIP_NOT_ACTIVE',
            'The support contact is no longer in an active partnership with the provider',
          );
        }
        const changed = await tx
          .update(subscriptions)
          .set({ supportContactResellerId: resellerId, updatedAt: new Date() })
          .where(
            and(
              eq(subscriptions.orderId, orderId),
              or(
                isNull(subscriptions.supportContactResellerId),
                ne(subscriptions.supportContactResellerId, resellerId),
              ),
            ),
          )
          .returning({ id: subscriptions.id });
        for (const { id } of changed) {
          await audit(tx, order, 'subscription.support_contact_set', `subscription:${id}:support-contact`, {
            subscriptionId: id,
            supportContactResellerId: resellerId,
          });
        }
      });
    },

    async completeCustomerOrder({ orderId }: { orderId: string }): Promise<void> {
      await db.transaction(async (tx) => {
        const order = await lockOrder(tx, orderId);
        if (order.status !== 'pending') return;
        await tx.update(orders).set({ status: 'completed', updatedAt: new Date() }).where(eq(orders.id, orderId));
        await audit(tx, order, 'order.completed', 'completed', {});
        await recordOrderEvent(tx, orderId);
      });
    },

    async failCustomerOrder(params: { orderId: string; code: string; reason: string }): Promise<void> {
      await db.transaction(async (tx) => {
        const order = await lockOrder(tx, params.orderId);
        if (order.status !== 'pending') return;
        await tx
          .update(orders)
          .set({ status: 'failed', failureReason: params.reason, updatedAt: new Date() })
          .where(eq(orders.id, params.orderId));
        await audit(tx, order, 'order.failed', 'failed', { code: params.code, reason: params.reason });
        await recordOrderEvent(tx, params.orderId);
      });
    },

    /** Compensation: a failed order leaves no active subscription behind. */
    async cancelCustomerOrderSubscriptions({ orderId }: { orderId: string }): Promise<void> {
      await db.transaction(async (tx) => {
        const order = await lockOrder(tx, orderId);
        const cancelled = await tx
          .update(subscriptions)
          .set({ status: 'cancelled', updatedAt: new Date() })
          .where(and(eq(subscriptions.orderId, orderId), ne(subscriptions.status, 'cancelled')))
          .returning({ id: subscriptions.id });
        for (const { id } of cancelled) {
          await audit(tx, order, 'subscription.cancelled', `subscription:${id}:cancelled`, {
            subscriptionId: id,
            reason: 'order failed',
          });
        }
      });
    },
  };
}
