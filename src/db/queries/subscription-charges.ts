import { and, asc, eq, gt, or } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { subscriptionCharges, type ChargeKind } from '../schema';

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
export async function recordCharge(db: DbOrTx, charge: NewCharge): Promise<boolean> {
  const inserted = await db
    .insert(subscriptionCharges)
    .values(charge)
    .onConflictDoNothing({ target: subscriptionCharges.idempotencyKey })
    .returning({ id: subscriptionCharges.id });
  return inserted.length > 0;
}

export type Charge = typeof subscriptionCharges.$inferSelect;

/** A customer's charges, oldest first, optionally of one subscription (or of the ones listed). */
export async function listCharges(
  db: DbOrTx,
  params: { customerId: string; subscriptionId?: string; limit: number; after?: { createdAt: Date; id: string } },
) {
  const rows = await db
    .select()
    .from(subscriptionCharges)
    .where(
      and(
        eq(subscriptionCharges.customerId, params.customerId),
        params.subscriptionId ? eq(subscriptionCharges.subscriptionId, params.subscriptionId) : undefined,
        params.after
          ? or(
              gt(subscriptionCharges.createdAt, params.after.createdAt),
              and(eq(subscriptionCharges.createdAt, params.after.createdAt), gt(subscriptionCharges.id, params.after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(subscriptionCharges.createdAt), asc(subscriptionCharges.id))
    .limit(params.limit + 1);
  return { items: rows.slice(0, params.limit), hasMore: rows.length > params.limit };
}
