import type { WorkflowHandle } from '@temporalio/client';
import { AppError, notFound, type ErrorCode } from '../domain/errors';
import {
  closedLinkRefusal,
  linkStatusAt,
  notPendingRefusal,
  type LinkRefusals,
  type LinkRequestStatus,
} from '../domain/link-requests';
import { sha256 } from '../security/tokens';
import type { ServiceDeps } from './deps';
import { businessErrorFrom, isWorkflowClosed } from './temporal-refusals';

/**
 * The one procedure behind every emailed link (invitations, reseller relationships): find the
 * request by its token, send the answer to its workflow as an Update, and map the refusal.
 */

type LinkRequest = { workflowId: string; status: LinkRequestStatus };

/** The refusal of an answer through the link of a request that is no longer pending (410 or 409). */
export function closedLinkError(refusals: LinkRefusals, status: Exclude<LinkRequestStatus, 'pending'>): AppError {
  const { code, message } = closedLinkRefusal(refusals, status);
  return new AppError(code, message);
}

/** The refusal of a provider's change to a request that is no longer pending: always 409. */
export function notPendingError(refusals: LinkRefusals, status: LinkRequestStatus): AppError {
  const { code, message } = notPendingRefusal<ErrorCode>(refusals, status);
  return new AppError(code, message);
}

/**
 * The request a link points at, with its status as of now (a pending one past its deadline reads
 * as expired). The token is only ever compared by its hash; an unknown token is a 404.
 */
export async function requestByLinkToken<R extends { status: LinkRequestStatus; expiresAt: Date }>(
  find: (tokenHash: string) => Promise<R | undefined>,
  token: string,
  what: string,
): Promise<R> {
  const request = await find(sha256(token));
  if (!request) throw notFound(what);
  return { ...request, status: linkStatusAt(request, Date.now()) };
}

/**
 * Sends an Update to a link request's workflow and maps its refusals to domain errors: a business
 * refusal as the workflow coded it, a closed workflow as "no longer pending". `replay` lets an
 * answer already given (accepted, declined) be asked for again: the Update id is derived from the
 * caller's Idempotency-Key, and Temporal answers a known Update id with its first outcome, even
 * once the run has closed; an unknown one on a closed run is refused as not pending.
 */
export async function updateLinkRequest<T>(
  deps: ServiceDeps,
  refusals: LinkRefusals,
  request: LinkRequest,
  send: (handle: WorkflowHandle) => Promise<T>,
  replay = false,
): Promise<T> {
  const answered = request.status === 'accepted' || request.status === 'declined';
  if (request.status !== 'pending' && !(replay && answered)) throw closedLinkError(refusals, request.status);
  try {
    return await send(deps.temporal.workflow.getHandle(request.workflowId));
  } catch (error) {
    const business = businessErrorFrom(error);
    if (business) throw business;
    if (isWorkflowClosed(error)) throw new AppError(refusals.notPending, `The ${refusals.noun} is no longer pending`);
    throw error;
  }
}
