import { randomUUID } from 'node:crypto';
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { idempotencyKeys } from '../schema';

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;
type Scope = { ownerId: string; key: string };
/** The request that holds a key: its scope and its lease token. */
export type IdempotencyLease = Scope & { token: string };

const byScope = (scope: Scope) => and(eq(idempotencyKeys.ownerId, scope.ownerId), eq(idempotencyKeys.key, scope.key));
const byLease = (lease: IdempotencyLease) =>
  and(byScope(lease), eq(idempotencyKeys.leaseToken, lease.token), isNull(idempotencyKeys.completedAt));

/**
 * Claims a key for a request, for `leaseMs`. A reservation whose lease ran out without an answer
 * (its request died, or could not write the answer) is taken over by a request with the same
 * fingerprint. Otherwise returns the existing record: an answer to replay, or a live reservation.
 */
export async function claimIdempotencyKey(
  db: DbOrTx,
  params: Scope & { fingerprint: string; leaseMs: number },
): Promise<{ claimed: true; lease: IdempotencyLease } | { claimed: false; record: IdempotencyRecord }> {
  const token = randomUUID();
  const leaseExpiresAt = sql`now() + ${`${params.leaseMs} milliseconds`}::interval`;
  const scope = { ownerId: params.ownerId, key: params.key };
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ ...scope, fingerprint: params.fingerprint, leaseToken: token, leaseExpiresAt })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (inserted.length > 0) return { claimed: true, lease: { ...scope, token } };
  const takenOver = await db
    .update(idempotencyKeys)
    .set({ leaseToken: token, leaseExpiresAt })
    .where(
      and(
        byScope(scope),
        eq(idempotencyKeys.fingerprint, params.fingerprint),
        isNull(idempotencyKeys.completedAt),
        lt(idempotencyKeys.leaseExpiresAt, sql`now()`),
      ),
    )
    .returning({ key: idempotencyKeys.key });
  if (takenOver.length > 0) return { claimed: true, lease: { ...scope, token } };
  const record = await getIdempotencyRecord(db, scope);
  return record ? { claimed: false, record } : claimIdempotencyKey(db, params);
}

/** Stores the answer, if the request still holds the key (a request that lost its lease writes nothing). */
export async function completeIdempotencyKey(
  db: DbOrTx,
  lease: IdempotencyLease,
  answer: { statusCode: number; responseBody: unknown },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ statusCode: answer.statusCode, responseBody: answer.responseBody, completedAt: new Date() })
    .where(byLease(lease));
}

/** Frees a key whose request failed on our side, so the client may retry with it at once. */
export async function releaseIdempotencyKey(db: DbOrTx, lease: IdempotencyLease): Promise<void> {
  await db.delete(idempotencyKeys).where(byLease(lease));
}

export async function getIdempotencyRecord(db: DbOrTx, scope: Scope) {
  const [record] = await db.select().from(idempotencyKeys).where(byScope(scope));
  return record;
}
