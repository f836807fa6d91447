import { and, eq, or } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client';
import { customers, partners, resellerRelationships } from '../schema';

/** What callers see of a relationship request: never the token, its hash or its escrow. */
export const relationshipColumns = {
  id: resellerRelationships.id,
  providerId: resellerRelationships.providerId,
  customerId: resellerRelationships.customerId,
  resellerId: resellerRelationships.resellerId,
  status: resellerRelationships.status,
  expiresAt: resellerRelationships.expiresAt,
  reminderSentAt: resellerRelationships.reminderSentAt,
  declineReason: resellerRelationships.declineReason,
  workflowId: resellerRelationships.workflowId,
  createdAt: resellerRelationships.createdAt,
  updatedAt: resellerRelationships.updatedAt,
};
export type ResellerRelationship = {
  [K in keyof typeof relationshipColumns]: (typeof resellerRelationships.$inferSelect)[K];
};

export type CreateRelationshipParams = {
  id: string;
  providerId: string;
  customerId: string;
  resellerId: string;
  expiresAt: Date;
  workflowId: string;
};

/**
 * Reserves the one pending request per customer and reseller; returns the pending one when it
 * exists (the partial unique index settles concurrent calls).
 */
export async function reserveResellerRelationship(
  db: DbOrTx,
  params: CreateRelationshipParams,
): Promise<{ created: boolean; relationship: ResellerRelationship }> {
  const [created] = await db
    .insert(resellerRelationships)
    .values(params)
    .onConflictDoNothing()
    .returning(relationshipColumns);
  if (created) return { created: true, relationship: created };
  const [pending] = await db
    .select(relationshipColumns)
    .from(resellerRelationships)
    .where(
      and(
        eq(resellerRelationships.customerId, params.customerId),
        eq(resellerRelationships.resellerId, params.resellerId),
        eq(resellerRelationships.status, 'pending'),
      ),
    );
  if (pending) return { created: false, relationship: pending };
  return reserveResellerRelationship(db, params);
}

export async function deleteResellerRelationship(db: DbOrTx, id: string): Promise<void> {
  await db.delete(resellerRelationships).where(eq(resellerRelationships.id, id));
}

/** The provider that asked, or the reseller it is about. */
export async function getRelationshipForPartner(db: DbOrTx, params: { id: string; partnerId: string }) {
  const [row] = await db
    .select(relationshipColumns)
    .from(resellerRelationships)
    .where(
      and(
        eq(resellerRelationships.id, params.id),
        or(
          eq(resellerRelationships.providerId, params.partnerId),
          eq(resellerRelationships.resellerId, params.partnerId),
        ),
      ),
    );
  return row;
}

const provider = alias(partners, 'provider');
const reseller = alias(partners, 'reseller');

/** The request behind a link, with who asks, for whom and about which company, for the public page. */
export async function getRelationshipByTokenHash(db: DbOrTx, tokenHash: string) {
  const [row] = await db
    .select({
      ...relationshipColumns,
      provider: { name: provider.name, partnerId: provider.partnerId },
      reseller: { name: reseller.name, partnerId: reseller.partnerId, country: reseller.country },
      customer: {
        name: customers.name,
        domain: customers.domain,
        country: customers.country,
        contact: customers.contact,
      },
    })
    .from(resellerRelationships)
    .innerJoin(provider, eq(provider.id, resellerRelationships.providerId))
    .innerJoin(reseller, eq(reseller.id, resellerRelationships.resellerId))
    .innerJoin(customers, eq(customers.id, resellerRelationships.customerId))
    .where(eq(resellerRelationships.tokenHash, tokenHash));
  return row;
}
