import { and, eq, isNotNull, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { credentialEscrow, credentialReveals } from '../schema';

export type RevealResult =
  | { outcome: 'revealed'; username: string; passwordEncrypted: string }
  | { outcome: 'gone' }
  | { outcome: 'missing' };

/**
 * The one-time reveal, in one transaction that locks the escrow row, so two concurrent callers can
 * never both see the password:
 * - without a `claim` the row is deleted as it is read: once, to whoever asks first;
 * - with a `claim` (a digest of the caller's Idempotency-Key) the first reveal binds the row to it
 *   for `replayMs`; only the same claim gets the same answer again until then, when the row is deleted.
 * Everyone else gets `gone` once it was revealed. The caller decrypts.
 */
export async function takeCredentialEscrow(
  db: DbOrTx,
  onboardingId: string,
  binding?: { claim: string; replayMs: number },
): Promise<RevealResult> {
  return db.transaction(async (tx) => {
    const [escrow] = await tx
      .select()
      .from(credentialEscrow)
      .where(eq(credentialEscrow.onboardingId, onboardingId))
      .for('update');
    const revealed = (row: { username: string; passwordEncrypted: string }) => ({
      outcome: 'revealed' as const,
      username: row.username,
      passwordEncrypted: row.passwordEncrypted,
    });
    if (escrow && escrow.revealedTo === null) {
      await tx.insert(credentialReveals).values({ onboardingId }).onConflictDoNothing();
      if (!binding) await tx.delete(credentialEscrow).where(eq(credentialEscrow.onboardingId, onboardingId));
      else {
        await tx
          .update(credentialEscrow)
          .set({ revealedTo: binding.claim, replayUntil: sql`now() + ${`${binding.replayMs} milliseconds`}::interval` })
          .where(eq(credentialEscrow.onboardingId, onboardingId));
      }
      return revealed(escrow);
    }
    if (
      escrow &&
      binding &&
      escrow.revealedTo === binding.claim &&
      escrow.replayUntil &&
      escrow.replayUntil.getTime() > Date.now()
    )
      return revealed(escrow);
    const [reveal] = await tx.select().from(credentialReveals).where(eq(credentialReveals.onboardingId, onboardingId));
    return reveal ? { outcome: 'gone' as const } : { outcome: 'missing' as const };
  });
}

/**
 * Destroys a revealed escrow before its replay window ends: the caller acknowledges receipt.
 * Returns false when there was nothing revealed to destroy.
 */
export async function destroyRevealedEscrow(db: DbOrTx, onboardingId: string): Promise<boolean> {
  const deleted = await db
    .delete(credentialEscrow)
    .where(and(eq(credentialEscrow.onboardingId, onboardingId), isNotNull(credentialEscrow.revealedTo)))
    .returning({ id: credentialEscrow.onboardingId });
  return deleted.length > 0;
}

/** Deletes every escrow whose replay window has ended; returns how many. */
export async function sweepRevealedEscrows(db: DbOrTx): Promise<number> {
  const deleted = await db
    .delete(credentialEscrow)
    .where(lt(credentialEscrow.replayUntil, sql`now()`))
    .returning({ id: credentialEscrow.onboardingId });
  return deleted.length;
}
