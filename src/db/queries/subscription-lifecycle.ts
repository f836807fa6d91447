import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client';
import { customers, offers, partners, subscriptions } from '../schema';
import type { MirroredSubscriptionState, TermOffer } from '../../domain/subscription-lifecycle';

const termOfferColumns = {
  id: offers.id,
  name: offers.name,
  unitPrice: offers.unitPrice,
  currency: offers.currency,
  minQuantity: offers.minQuantity,
  maxQuantity: offers.maxQuantity,
};

export async function getTermOffer(db: DbOrTx, offerId: string): Promise<TermOffer | undefined> {
  const [row] = await db.select(termOfferColumns).from(offers).where(eq(offers.id, offerId));
  return row;
}

/** A subscription with what its workflow needs to begin: owner, offer at today's price, term. */
export async function getLifecycleSubscription(db: DbOrTx, subscriptionId: string) {
  const [row] = await db
    .select({
      customerId: subscriptions.customerId,
      providerId: customers.providerId,
      offer: termOfferColumns,
      status: subscriptions.status,
      quantity: subscriptions.quantity,
      term: subscriptions.term,
      billingFrequency: subscriptions.billingFrequency,
      startedAt: subscriptions.startedAt,
      autoRenew: subscriptions.autoRenew,
    })
    .from(subscriptions)
    .innerJoin(customers, eq(customers.id, subscriptions.customerId))
    .innerJoin(offers, eq(offers.id, subscriptions.offerId))
    .where(eq(subscriptions.id, subscriptionId));
  return row;
}

/** Mirrors the workflow's state into the row the API reads. Partner of record and support contact are not the workflow's. */
export async function saveLifecycleState(
  db: DbOrTx,
  state: MirroredSubscriptionState,
  workflowId: string,
): Promise<void> {
  await db
    .update(subscriptions)
    .set({
      status: state.status,
      offerId: state.offer.id,
      quantity: state.quantity,
      term: state.term,
      billingFrequency: state.billingFrequency,
      termStartedAt: new Date(state.termStartedAt),
      termEndsAt: new Date(state.termEndsAt),
      autoRenew: state.autoRenew,
      renewalCount: state.renewalCount,
      scheduledChanges: state.scheduledChanges,
      cancellationAllowedUntil: new Date(state.cancellationAllowedUntil),
      licenseBatches: state.batches,
      suspensionReason: state.suspensionReason,
      workflowId,
      updatedAt: new Date(),
    })
    .where(eq(subscriptions.id, state.subscriptionId));
}

const reseller = alias(partners, 'reseller_on_record');

/** Who hears that a term ends: the customer's provider, and the reseller credited on the subscription. */
export async function getRenewalNoticeRecipients(db: DbOrTx, subscriptionId: string) {
  const [row] = await db
    .select({
      customerName: customers.name,
      provider: { name: partners.name, email: partners.email, language: partners.language, country: partners.country },
      reseller: { name: reseller.name, email: reseller.email, language: reseller.language, country: reseller.country },
    })
    .from(subscriptions)
    .innerJoin(customers, eq(customers.id, subscriptions.customerId))
    .innerJoin(partners, eq(partners.id, customers.providerId))
    .leftJoin(reseller, eq(reseller.partnerId, subscriptions.partnerIdOnRecord))
    .where(eq(subscriptions.id, subscriptionId));
  if (!row) return undefined;
  type Recipient = {
    role: 'provider' | 'reseller';
    name: string;
    email: string;
    language: string | null;
    country: string;
  };
  const emails: Recipient[] = [{ role: 'provider', ...row.provider }];
  if (row.reseller?.email)
    emails.push({
      role: 'reseller',
      name: row.reseller.name!,
      email: row.reseller.email,
      language: row.reseller.language,
      country: row.reseller.country!,
    });
  return { customerName: row.customerName, emails };
}

/** Live subscriptions whose workflow has not recorded itself yet: what the backfill starts. */
export async function listSubscriptionsWithoutWorkflow(db: DbOrTx, params: { subscriptionIds?: string[] } = {}) {
  return db
    .select({
      subscriptionId: subscriptions.id,
      customerId: subscriptions.customerId,
      providerId: customers.providerId,
      customerDomain: customers.domain,
      resellerId: customers.resellerId,
      customerName: customers.name,
      providerName: partners.name,
    })
    .from(subscriptions)
    .innerJoin(customers, eq(customers.id, subscriptions.customerId))
    .innerJoin(partners, eq(partners.id, customers.providerId))
    .where(
      and(
        isNull(subscriptions.workflowId),
        inArray(subscriptions.status, ['active', 'suspended']),
        params.subscriptionIds ? inArray(subscriptions.id, params.subscriptionIds) : undefined,
      ),
    )
    .orderBy(asc(subscriptions.createdAt));
}
