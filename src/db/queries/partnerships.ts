import { and, eq, or } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client';
import { partners, partnerships } from '../schema';
import { afterCursor, newestFirst, page, type Cursor } from './pagination';

const provider = alias(partners, 'provider');
const reseller = alias(partners, 'reseller');

const partnershipColumns = {
  id: partnerships.id,
  status: partnerships.status,
  createdAt: partnerships.createdAt,
  removedAt: partnerships.removedAt,
  provider: { id: provider.id, name: provider.name, partnerId: provider.partnerId },
  reseller: { id: reseller.id, name: reseller.name, partnerId: reseller.partnerId },
};

function withPartners(db: DbOrTx) {
  return db
    .select(partnershipColumns)
    .from(partnerships)
    .innerJoin(provider, eq(provider.id, partnerships.providerId))
    .innerJoin(reseller, eq(reseller.id, partnerships.resellerId));
}

export type ListPartnershipsParams = {
  side: 'provider' | 'reseller';
  partnerId: string;
  status?: 'active' | 'removed';
  limit: number;
  cursor?: Cursor;
};

/**
 * The caller's partnerships, on its side of them. Naming the one column (rather than provider OR
 * reseller) lets each side read its keyset index in order and stop after one page.
 */
export async function listPartnerships(db: DbOrTx, params: ListPartnershipsParams) {
  const rows = await withPartners(db)
    .where(
      and(
        eq(params.side === 'provider' ? partnerships.providerId : partnerships.resellerId, params.partnerId),
        params.status ? eq(partnerships.status, params.status) : undefined,
        afterCursor(params.cursor, partnerships.createdAt, partnerships.id),
      ),
    )
    .orderBy(...newestFirst(partnerships.createdAt, partnerships.id))
    .limit(params.limit + 1);
  return page(rows, params.limit);
}

export async function getPartnershipForPartner(db: DbOrTx, params: { id: string; partnerId: string }) {
  const [row] = await withPartners(db).where(
    and(
      eq(partnerships.id, params.id),
      or(eq(partnerships.providerId, params.partnerId), eq(partnerships.resellerId, params.partnerId)),
    ),
  );
  return row;
}

export async function findActivePartnership(db: DbOrTx, params: { providerId: string; resellerId: string }) {
  const [row] = await db
    .select({ id: partnerships.id })
    .from(partnerships)
    .where(
      and(
        eq(partnerships.providerId, params.providerId),
        eq(partnerships.resellerId, params.resellerId),
        eq(partnerships.status, 'active'),
      ),
    );
  return row;
}

/** Ends an active partnership; its customers stay associated with the reseller, as in Partner Center. */
export async function removePartnership(db: DbOrTx, params: { id: string; providerId: string }) {
  const [row] = await db
    .update(partnerships)
    .set({ status: 'removed', removedAt: new Date() })
    .where(
      and(
        eq(partnerships.id, params.id),
        eq(partnerships.providerId, params.providerId),
        eq(partnerships.status, 'active'),
      ),
    )
    .returning({ id: partnerships.id });
  return row;
}
