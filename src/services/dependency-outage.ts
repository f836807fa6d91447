import { causeChain } from '../domain/cause-chain';

/**
 * gRPC codes of a call cut off by a deadline, its own (DEADLINE_EXCEEDED) or the request's (CANCELLED:
 * the answer bound ran out first). It may have reached the server.
 */
const cutOffCodes = new Set([1, 4]);
/** gRPC codes of a Temporal frontend that is down or restarting (UNAVAILABLE), or of a call cut off. */
const temporalOutageCodes = new Set([...cutOffCodes, 14]);

/**
 * Failures of the connection to Postgres, not of the statement: the socket's errors (a write on a
 * connection the server has just closed fails with EPIPE: seen when Postgres terminated the pool's
 * connections under a request), the name lookup's temporary ones, and postgres.js's own codes for a
 * connection closed, ended, destroyed or never opened in time.
 */
const databaseConnectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTCONN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/**
 * Postgres's own SQLSTATEs for "not now": class 08 (connection exception), too many connections
 * (53300), and the server shutting down, crashed, starting up or closing an idle session (57P01,
 * 57P02, 57P03, 57P05).
 */
const isDatabaseUnavailableState = (code: string) => /^(08[0-9A-Z]{3}|53300|57P0[1235])$/.test(code);

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
    if (
      typeof cause.code === 'string' &&
      (databaseConnectionCodes.has(cause.code) || isDatabaseUnavailableState(cause.code))
    )
      return true;
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
