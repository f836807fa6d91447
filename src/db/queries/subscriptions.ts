import { and, asc, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client';
import { offers, partners, subscriptions, type SubscriptionStatus } from '../schema';
import { preparedQuery } from './prepared';

const supportContact = alias(partners, 'support_contact');

const subscriptionColumns = {
  id: subscriptions.id,
  customerId: subscriptions.customerId,
  orderId: subscriptions.orderId,
  offerId: subscriptions.offerId,
  offerName: offers.name,
  billingCycle: offers.billingCycle,
  quantity: subscriptions.quantity,
  status: subscriptions.status,
  partnerIdOnRecord: subscriptions.partnerIdOnRecord,
  term: subscriptions.term,
  billingFrequency: subscriptions.billingFrequency,
  startedAt: subscriptions.startedAt,
  termEndsAt: subscriptions.termEndsAt,
  autoRenew: subscriptions.autoRenew,
  renewalCount: subscriptions.renewalCount,
  scheduledChanges: subscriptions.scheduledChanges,
  cancellationAllowedUntil: subscriptions.cancellationAllowedUntil,
  licenseBatches: subscriptions.licenseBatches,
  suspensionReason: subscriptions.suspensionReason,
  workflowId: subscriptions.workflowId,
  supportContactResellerId: subscriptions.supportContactResellerId,
  supportContactName: supportContact.name,
  supportContactPartnerId: supportContact.partnerId,
  createdAt: subscriptions.createdAt,
  updatedAt: subscriptions.updatedAt,
};
export type Subscription = Awaited<ReturnType<typeof listSubscriptions>>['items'][number];

export type ListSubscriptionsParams = {
  customerId: string;
  status?: SubscriptionStatus;
  orderId?: string;
  subscriptionId?: string;
  limit: number;
  /** The id of the last subscription of the previous page (oldest first). */
  after?: { createdAt: Date; id: string };
};

const subscriptionsPage = preparedQuery(
  (db, shape: { status: boolean; order: boolean; subscription: boolean; after: boolean }) =>
    db
      .select(subscriptionColumns)
      .from(subscriptions)
      .innerJoin(offers, eq(offers.id, subscriptions.offerId))
      .leftJoin(supportContact, eq(supportContact.id, subscriptions.supportContactResellerId))
      .where(
        and(
          eq(subscriptions.customerId, sql.placeholder('customerId')),
          shape.status ? eq(subscriptions.status, sql.placeholder('status')) : undefined,
          shape.order ? eq(subscriptions.orderId, sql.placeholder('orderId')) : undefined,
          shape.subscription ? eq(subscriptions.id, sql.placeholder('subscriptionId')) : undefined,
          // One row comparison: an index condition on subscriptions_customer_created_idx, not a filter.
          shape.after
            ? sql`(${subscriptions.createdAt}, ${subscriptions.id}) > (${sql.placeholder('afterCreatedAt')}, ${sql.placeholder('afterId')})`
            : undefined,
        ),
      )
      .orderBy(asc(subscriptions.createdAt), asc(subscriptions.id))
      .limit(sql.placeholder('limit'))
      .prepare('subscriptions_page'),
);

/** A customer's subscriptions, oldest first; the caller has checked it may see the customer. */
export async function listSubscriptions(db: DbOrTx, params: ListSubscriptionsParams) {
  const rows = await subscriptionsPage(db, {
    status: params.status !== undefined,
    order: params.orderId !== undefined,
    subscription: params.subscriptionId !== undefined,
    after: params.after !== undefined,
  }).execute({
    customerId: params.customerId,
    status: params.status,
    orderId: params.orderId,
    subscriptionId: params.subscriptionId,
    afterCreatedAt: params.after?.createdAt.toISOString(),
    afterId: params.after?.id,
    limit: params.limit + 1,
  });
  const items = rows.slice(0, params.limit);
  return { items, hasMore: rows.length > params.limit };
}

/** One subscription of a customer, as the API shows it; the caller has checked it may see the customer. */
export async function getSubscription(
  db: DbOrTx,
  params: { customerId: string; subscriptionId: string },
): Promise<Subscription | undefined> {
  const { items } = await listSubscriptions(db, { ...params, limit: 1 });
  return items[0];
}
