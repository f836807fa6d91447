import { and, asc, eq, gt, or } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { subscriptionCharges, subscriptions, type ChargeKind } from '../schema';

export type NewCharge = {
  subscriptionId: string;
  customerId: string;
  kind: ChargeKind;
  periodStart: Date;
  periodEnd: Date;
  quantity: number;
  amount: number;
  currency: string;
  idempotencyKey: string;
  workflowId?: string;
  runId?: string;
};

/** Records a charge once: a second insert with the same idempotency key does nothing. Returns whether it was new. */
export async function recordCharge(db: DbOrTx, charge: NewCharge): Promise<Charge | undefined> {
  const [inserted] = await db
    .insert(subscriptionCharges)
    .values(charge)
    .onConflictDoNothing({ target: subscriptionCharges.idempotencyKey })
    .returning();
  return inserted;
}

export type Charge = typeof subscriptionCharges.$inferSelect;

/**
 * A customer's charges, oldest first; optionally of one subscription, or only of the subscriptions
 * that credit one reseller (what a reseller on record may see).
 */
export async function listCharges(
  db: DbOrTx,
  params: {
    customerId: string;
    subscriptionId?: string;
    partnerIdOnRecord?: string;
    limit: number;
    after?: { createdAt: Date; id: string };
  },
) {
  const rows = await db
    .select({ charge: subscriptionCharges })
    .from(subscriptionCharges)
    .innerJoin(subscriptions, eq(subscriptions.id, subscriptionCharges.subscriptionId))
    .where(
      and(
        eq(subscriptionCharges.customerId, params.customerId),
        params.partnerIdOnRecord ? eq(subscriptions.partnerIdOnRecord, params.partnerIdOnRecord) : undefined,
        params.subscriptionId ? eq(subscriptionCharges.subscriptionId, params.subscriptionId) : undefined,
        params.after
          ? or(
              gt(subscriptionCharges.createdAt, params.after.createdAt),
              and(
                eq(subscriptionCharges.createdAt, params.after.createdAt),
                gt(subscriptionCharges.id, params.after.id),
              ),
            )
          : undefined,
      ),
    )
    .orderBy(asc(subscriptionCharges.createdAt), asc(subscriptionCharges.id))
    .limit(params.limit + 1);
  return { items: rows.slice(0, params.limit).map((row) => row.charge), hasMore: rows.length > params.limit };
}

/** Whether a reseller is on record for any of a customer's subscriptions (it may then read their charges). */
export async function isResellerOnRecord(
  db: DbOrTx,
  params: { customerId: string; partnerId: string },
): Promise<boolean> {
  const [row] = await db
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(and(eq(subscriptions.customerId, params.customerId), eq(subscriptions.partnerIdOnRecord, params.partnerId)))
    .limit(1);
  return !!row;
}
