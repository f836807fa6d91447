import { and, eq } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../client';
import { customers, offers, partners, partnerships, subscriptions } from '../schema';

export type Subscription = typeof subscriptions.$inferSelect;

/**
 * Locks one of a provider's customer's subscriptions for a change, with its offer's bounds. The
 * lock serialises concurrent PATCHes so each audit row records the value it replaced.
 */
export async function lockSubscriptionForProvider(
  tx: Tx,
  params: { providerId: string; customerId: string; subscriptionId: string },
) {
  const [row] = await tx
    .select({
      subscription: subscriptions,
      offer: { id: offers.id, name: offers.name, minQuantity: offers.minQuantity, maxQuantity: offers.maxQuantity },
    })
    .from(subscriptions)
    .innerJoin(customers, eq(customers.id, subscriptions.customerId))
    .innerJoin(offers, eq(offers.id, subscriptions.offerId))
    .where(
      and(
        eq(subscriptions.id, params.subscriptionId),
        eq(subscriptions.customerId, params.customerId),
        eq(customers.providerId, params.providerId),
      ),
    )
    .for('update', { of: subscriptions });
  return row;
}

export type SubscriptionChanges = Partial<
  Pick<Subscription, 'quantity' | 'partnerIdOnRecord' | 'supportContactResellerId'>
>;

export async function updateSubscription(tx: DbOrTx, id: string, changes: SubscriptionChanges): Promise<Subscription> {
  const [row] = await tx
    .update(subscriptions)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(subscriptions.id, id))
    .returning();
  return row!;
}

/**
 * The reseller behind a public partnerId or an id, if it is in an active partnership with the
 * provider. Inside a transaction the partnership row is share-locked, so a concurrent removal
 * waits until the credit or designation that relied on it has committed.
 */
export async function findActivePartnerReseller(
  db: DbOrTx,
  params: { providerId: string } & ({ partnerId: string } | { resellerId: string }),
  options: { lock?: boolean } = {},
) {
  const query = db
    .select({ id: partners.id, partnerId: partners.partnerId, name: partners.name, partnershipId: partnerships.id })
    .from(partners)
    .innerJoin(
      partnerships,
      and(
        eq(partnerships.resellerId, partners.id),
        eq(partnerships.providerId, params.providerId),
        eq(partnerships.status, 'active'),
      ),
    )
    .where(
      and(
        eq(partners.kind, 'reseller'),
        'partnerId' in params ? eq(partners.partnerId, params.partnerId) : eq(partners.id, params.resellerId),
      ),
    );
  const [row] = options.lock ? await query.for('share', { of: partnerships }) : await query;
  return row;
}
