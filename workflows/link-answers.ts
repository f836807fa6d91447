import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { upsertSearchAttributes } from '@temporalio/workflow';
import {
  closedLinkRefusal,
  notPendingRefusal,
  type LinkRefusals,
  type LinkRequestStatus,
  type Refusal,
} from '../src/domain/link-requests';
import { businessFailure, type BusinessFailureCode } from './failures';
import { ProcessStatus } from './search-attributes';

/**
 * The answer rules shared by the workflows behind emailed links (partnership invitations, reseller
 * relationships): a pending request is answered at most once; each answer runs its activity alone,
 * so concurrent clicks cannot both succeed; past the deadline the link refuses answers even before
 * the expiry timer has fired.
 */
export function linkAnswers(
  state: { status: LinkRequestStatus; expiresAt: string; closedAt: string | null },
  refusals: LinkRefusals<BusinessFailureCode>,
) {
  let busy = false;
  const refuse = (refusal: Refusal<BusinessFailureCode>) => businessFailure(refusal.code, refusal.message);
  const deadlinePassed = () => Date.now() >= Date.parse(state.expiresAt);

  return {
    isBusy: () => busy,

    /** Answers through the link: a revoked or expired link is gone, an answered one conflicts. */
    refuseUnlessOpen(): void {
      const status = state.status === 'pending' && deadlinePassed() ? 'expired' : state.status;
      if (status !== 'pending') throw refuse(closedLinkRefusal(refusals, status));
      if (busy) throw businessFailure(refusals.busy, `Another answer to this ${refusals.noun} is being processed`);
    },

    /** The provider's own changes (revoke, resend): anything but a live pending request conflicts. */
    refuseUnlessPending(): void {
      if (state.status !== 'pending') throw refuse(notPendingRefusal(refusals, state.status));
      if (deadlinePassed()) throw businessFailure(refusals.notPending, `The ${refusals.noun} has expired`);
      if (busy) throw businessFailure(refusals.busy, `Another change to this ${refusals.noun} is being processed`);
    },

    /**
     * Records the final status and shows it to operators through the search attribute, with any other
     * attributes the answer sets (one upsert: each is a visibility write on the server).
     */
    close(status: Exclude<LinkRequestStatus, 'pending'>, alsoSet: SearchAttributeUpdatePair[] = []): void {
      state.status = status;
      state.closedAt = new Date().toISOString();
      upsertSearchAttributes([{ key: ProcessStatus, value: status }, ...alsoSet]);
    },

    async exclusively<T>(work: () => Promise<T>): Promise<T> {
      busy = true;
      try {
        return await work();
      } finally {
        busy = false;
      }
    },
  };
}
