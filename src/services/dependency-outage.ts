import { causeChain } from '../domain/cause-chain';

/**
 * gRPC codes of a call cut off by a deadline, its own (DEADLINE_EXCEEDED) or the request's (CANCELLED:
 * the answer bound ran out first). It may have reached the server.
 */
const cutOffCodes = new Set([1, 4]);
/**
 * gRPC codes of a Temporal frontend that is down or restarting (UNAVAILABLE), that refuses the call
 * for now (RESOURCE_EXHAUSTED: a namespace's rate limit, a busy workflow; the client retries it until
 * the request's deadline, so it surfaces only when a request's bound outlasts those retries), or of a
 * call cut off.
 */
const temporalOutageCodes = new Set([...cutOffCodes, 8, 14]);

/**
 * Postgres not reached: the connection refused or never opened in time, the host unreachable or its
 * name not found (Docker's DNS forgets a stopped container's name until it is back), or Postgres
 * refusing new sessions (starting up: 57P03; too many connections: 53300; class 08's "cannot
 * establish" and "rejected": 08001, 08004). Nothing the request sent ran.
 */
const databaseNotReachedCodes = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'CONNECT_TIMEOUT',
  '57P03',
  '53300',
  '08001',
  '08004',
]);

/**
 * A connection to Postgres lost under a request: the socket's errors (a write on a connection the
 * server has just closed fails with EPIPE: seen when Postgres terminated the pool's connections),
 * postgres.js's codes for a connection closed, ended or destroyed, and Postgres ending the session
 * (57P01 shutdown, 57P02 crash, 57P05 idle session; the rest of class 08). A statement in flight
 * then may have run, and a COMMIT in flight may have committed.
 */
const databaseLostCodes = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTCONN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01',
  '57P02',
  '57P05',
]);

const isDatabaseLostCode = (code: string) =>
  databaseLostCodes.has(code) || (/^08[0-9A-Z]{3}$/.test(code) && !databaseNotReachedCodes.has(code));

/** Postgres not reached, or the connection lost under the request: an outage either way. */
const isDatabaseOutageCode = (code: string) => databaseNotReachedCodes.has(code) || isDatabaseLostCode(code);

/**
 * A connection to Postgres lost while the request used it (see databaseLostCodes): if the request
 * wrote, its outcome is unknown, and the answer must not claim that nothing was changed.
 */
export function isDatabaseConnectionLost(error: unknown): boolean {
  for (const cause of causeChain(error))
    if (typeof cause.code === 'string' && isDatabaseLostCode(cause.code)) return true;
  return false;
}

/** The gRPC code under the client's wrapper of a failed call (a start, an Update), if it is one. */
function grpcCodeOf(cause: Record<string, unknown>): number | undefined {
  if (cause.name !== 'ServiceError' && cause.name !== 'WorkflowUpdateRPCTimeoutOrCancelledError') return undefined;
  const code = (cause.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** An outage of Postgres or Temporal is the server's problem, but a temporary one: 503, not 500. */
export function isDependencyOutage(error: unknown): boolean {
  for (const cause of causeChain(error)) {
    const grpc = grpcCodeOf(cause);
    if (grpc !== undefined && temporalOutageCodes.has(grpc)) return true;
    if (typeof cause.code === 'string' && isDatabaseOutageCode(cause.code)) return true;
    if (typeof cause.code === 'number' && temporalOutageCodes.has(cause.code) && 'details' in cause) return true;
    // Temporal refuses Updates while a run's workflow task is being retried (its worker died): transient.
    if (cause.code === 9 && /Workflow Task in failed state/i.test(String((cause as { details?: unknown }).details)))
      return true;
  }
  return false;
}

/**
 * An outage that leaves the outcome unknown: a Temporal call cut off by a deadline (an Update the
 * workflow may still run, a start the server may have made). Such an answer must not claim that
 * nothing was changed; a retry with the same Idempotency-Key finds out.
 */
export function isOutcomeUnknown(error: unknown): boolean {
  for (const cause of causeChain(error)) {
    if (cause.name === 'WorkflowUpdateRPCTimeoutOrCancelledError') return true;
    const grpc = grpcCodeOf(cause);
    if (grpc !== undefined && cutOffCodes.has(grpc)) return true;
  }
  return false;
}
