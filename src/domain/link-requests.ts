import type { ErrorCode } from './errors';
import type { InvitationStatus, ResellerRelationshipStatus } from './statuses';

/**
 * Requests answered through an emailed link — partnership invitations and reseller relationships —
 * share their rules: `pending` until answered, revoked or expired, and a pending request past its
 * deadline is expired even before its workflow's timer has recorded it. Their refusals differ only
 * in noun and codes, kept here once for the workflows (workflows/link-answers.ts) and the services
 * (src/services/link-requests.ts).
 */
export type LinkRequestStatus = InvitationStatus & ResellerRelationshipStatus;

/** How one kind of emailed request words and codes its refusals. */
export type LinkRefusals<Code extends string = ErrorCode> = {
  /** "invitation", "request": used in the messages. */
  noun: string;
  revoked: Code;
  expired: Code;
  notPending: Code;
  busy: Code;
};

export const invitationRefusals = {
  noun: 'invitation',
  revoked: 'INVITATION_REVOKED',
  expired: 'INVITATION_EXPIRED',
  notPending: 'INVITATION_NOT_PENDING',
  busy: 'INVITATION_BUSY',
} as const satisfies LinkRefusals;

export const relationshipRefusals = {
  noun: 'request',
  revoked: 'RELATIONSHIP_REVOKED',
  expired: 'RELATIONSHIP_EXPIRED',
  notPending: 'RELATIONSHIP_NOT_PENDING',
  busy: 'RELATIONSHIP_NOT_PENDING',
} as const satisfies LinkRefusals;

export type Refusal<Code extends string> = { code: Code; message: string };

/** The status as of `now`: a pending request past its deadline is expired. */
export const linkStatusAt = (
  request: { status: LinkRequestStatus; expiresAt: Date },
  now: number,
): LinkRequestStatus =>
  request.status === 'pending' && request.expiresAt.getTime() <= now ? 'expired' : request.status;

/** An answer through the link of a request that is no longer pending: gone when revoked or expired, else a conflict. */
export function closedLinkRefusal<Code extends string>(
  refusals: LinkRefusals<Code>,
  status: Exclude<LinkRequestStatus, 'pending'>,
): Refusal<Code> {
  if (status === 'revoked') return { code: refusals.revoked, message: `The ${refusals.noun} was revoked` };
  if (status === 'expired') return { code: refusals.expired, message: `The ${refusals.noun} has expired` };
  return notPendingRefusal(refusals, status);
}

/** The provider's own change (resend, revoke) to a request that is no longer pending: always a conflict. */
export const notPendingRefusal = <Code extends string>(
  refusals: LinkRefusals<Code>,
  status: LinkRequestStatus,
): Refusal<Code> => ({
  code: refusals.notPending,
  message: `The ${refusals.noun} is already ${status}`,
});
