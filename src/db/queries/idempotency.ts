import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { idempotencyKeys } from '../schema';

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;

/** Claims a key for a request; returns the existing record when someone claimed it first. */
export async function claimIdempotencyKey(
  db: DbOrTx,
  params: { ownerId: string; key: string; fingerprint: string },
): Promise<{ claimed: true } | { claimed: false; record: IdempotencyRecord }> {
  const inserted = await db.insert(idempotencyKeys).values(params).onConflictDoNothing().returning({ key: idempotencyKeys.key });
  if (inserted.length > 0) return { claimed: true };
  const [record] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.ownerId, params.ownerId), eq(idempotencyKeys.key, params.key)));
  return record ? { claimed: false, record } : claimIdempotencyKey(db, params);
}

export async function completeIdempotencyKey(
  db: DbOrTx,
  params: { ownerId: string; key: string; statusCode: number; responseBody: unknown },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ statusCode: params.statusCode, responseBody: params.responseBody, completedAt: new Date() })
    .where(and(eq(idempotencyKeys.ownerId, params.ownerId), eq(idempotencyKeys.key, params.key)));
}

/** Frees a key whose request failed on our side, so the client may retry with it. */
export async function releaseIdempotencyKey(db: DbOrTx, params: { ownerId: string; key: string }): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.ownerId, params.ownerId), eq(idempotencyKeys.key, params.key), isNull(idempotencyKeys.completedAt)));
}

export async function getIdempotencyRecord(db: DbOrTx, params: { ownerId: string; key: string }) {
  const [record] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.ownerId, params.ownerId), eq(idempotencyKeys.key, params.key)));
  return record;
}
