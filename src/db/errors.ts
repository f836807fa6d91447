import { causeChain } from '../domain/cause-chain';

/**
 * What a database error means for whoever meets it. Postgres names every error with a SQLSTATE
 * whose first two characters are its class; the class says whether trying again can help.
 */

/** The SQLSTATE of the first Postgres error in the chain (postgres.js and PGlite both set `code`). */
export function sqlStateOf(error: unknown): string | undefined {
  for (const cause of causeChain(error)) {
    if (typeof cause.code === 'string' && /^[0-9A-Z]{5}$/.test(cause.code)) return cause.code;
  }
  return undefined;
}

/**
 * A value Postgres refuses (class 22: a NUL byte, an out-of-range number, a malformed uuid) or a
 * constraint it enforces (class 23). The same statement fails the same way every time: retrying
 * is pointless, and the request that carried it is at fault, not the server.
 */
export type PermanentDataError = { kind: 'data' | 'constraint'; sqlState: string; message: string };

export function permanentDataError(error: unknown): PermanentDataError | undefined {
  const sqlState = sqlStateOf(error);
  if (!sqlState) return undefined;
  if (sqlState.startsWith('22'))
    return { kind: 'data', sqlState, message: `The database refused a value of this request (SQLSTATE ${sqlState})` };
  if (sqlState.startsWith('23'))
    return {
      kind: 'constraint',
      sqlState,
      message: `The change conflicts with the stored data (SQLSTATE ${sqlState})`,
    };
  return undefined;
}

/** True when a query failed on a unique index (SQLSTATE 23505), whichever driver ran it. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (const cause of causeChain(error)) {
    if (cause.code === '23505')
      return !constraint || cause.constraint_name === constraint || cause.constraint === constraint;
  }
  return false;
}
