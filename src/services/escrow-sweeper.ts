import { sweepRevealedEscrows } from '../db/queries/credential-escrow';
import type { Db } from '../db/client';
import type { Logger } from '../logger';

/**
 * Deletes revealed credential escrows whose replay window has ended, every `everyMs` (an API process
 * runs it; several doing so is harmless). A reveal already refuses an expired escrow; this removes
 * the ciphertext itself. Returns the function that stops it.
 */
export function startEscrowSweeper(db: Db, logger: Logger, everyMs = 60_000): () => void {
  const timer = setInterval(() => {
    sweepRevealedEscrows(db).then(
      (count) => count > 0 && logger.info({ count }, 'destroyed revealed credential escrows past their replay window'),
      (error: unknown) => logger.warn({ err: error }, 'could not sweep credential escrows; will retry'),
    );
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
