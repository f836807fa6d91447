import { asc, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { offers } from '../schema';

export type Offer = typeof offers.$inferSelect;

export async function listOffers(db: DbOrTx): Promise<Offer[]> {
  return db.select().from(offers).orderBy(asc(offers.id));
}

export async function getOffersByIds(db: DbOrTx, ids: string[]): Promise<Map<string, Offer>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select().from(offers).where(inArray(offers.id, ids));
  return new Map(rows.map((offer) => [offer.id, offer]));
}

/** Seeds or refreshes the catalog from the fixture; existing offers are updated in place. */
export async function upsertOffers(db: DbOrTx, catalog: Offer[]): Promise<void> {
  for (const offer of catalog) {
    await db.insert(offers).values(offer).onConflictDoUpdate({ target: offers.id, set: offer });
  }
}
