import { and, eq, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client';
import { partners, partnerships } from '../schema';
import { afterCursorPlaceholders, cursorValues, newestFirst, page, type Cursor } from './pagination';
import { preparedQuery } from './prepared';

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

const partnershipsPage = preparedQuery(
  (db, shape: { side: ListPartnershipsParams['side']; status: boolean; after: boolean }) =>
    withPartners(db)
      .where(
        and(
          eq(
            shape.side === 'provider' ? partnerships.providerId : partnerships.resellerId,
            sql.placeholder('partnerId'),
          ),
          shape.status ? eq(partnerships.status, sql.placeholder('status')) : undefined,
          shape.after ? afterCursorPlaceholders(partnerships.createdAt, partnerships.id) : undefined,
        ),
      )
      .orderBy(...newestFirst(partnerships.createdAt, partnerships.id))
      .limit(sql.placeholder('limit'))
      .prepare('partnerships_page'),
);

/**
 * The caller's partnerships, on its side of them. Naming the one column (rather than provider OR
 * reseller) lets each side read its keyset index in order and stop after one page.
 */
export async function listPartnerships(db: DbOrTx, params: ListPartnershipsParams) {
  const rows = await partnershipsPage(db, {
    side: params.side,
    status: params.status !== undefined,
    after: params.cursor !== undefined,
  }).execute({
    partnerId: params.partnerId,
    status: params.status,
    ...cursorValues(params.cursor),
    limit: params.limit + 1,
  });
  return page(rows, params.limit);
}

const partnershipForPartner = preparedQuery((db) =>
  withPartners(db)
    .where(
      and(
        eq(partnerships.id, sql.placeholder('id')),
        or(
          eq(partnerships.providerId, sql.placeholder('partnerId')),
          eq(partnerships.resellerId, sql.placeholder('partnerId')),
        ),
      ),
    )
    .prepare('partnership_for_partner'),
);

export async function getPartnershipForPartner(db: DbOrTx, params: { id: string; partnerId: string }) {
  const [row] = await partnershipForPartner(db).execute(params);
  return row;
}

const activePartnership = preparedQuery((db) =>
  db
    .select({ id: partnerships.id })
    .from(partnerships)
    .where(
      and(
        eq(partnerships.providerId, sql.placeholder('providerId')),
        eq(partnerships.resellerId, sql.placeholder('resellerId')),
        eq(partnerships.status, 'active'),
      ),
    )
    .prepare('active_partnership'),
);

export async function findActivePartnership(db: DbOrTx, params: { providerId: string; resellerId: string }) {
  const [row] = await activePartnership(db).execute(params);
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
