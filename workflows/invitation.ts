import {
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { defaultActivityOptions } from './activity-options';
import type { Activities } from '../activities';
import { invitationRefusals } from '../src/domain/link-requests';
import { businessFailure } from './failures';
import {
  acceptUpdate,
  declineUpdate,
  resendUpdate,
  revokeUpdate,
  statusQuery,
  type InvitationInput,
  type InvitationState,
} from './invitation.messages';
import { linkAnswers } from './link-answers';
import { ProcessStatus, ProviderId, ResellerId } from './search-attributes';

const activities = proxyActivities<Activities>(defaultActivityOptions);
/**
 * The two steps someone waits on — the first link, and the partnership an accepting reseller is
 * waiting for — run as local activities: in the workflow task that asks for them, on the same
 * worker, so each costs no activity task, no second workflow task and no server round trips
 * (bench `invitations`). Both are short, idempotent transactions; if the worker dies meanwhile the
 * workflow task times out and the next worker runs the step again.
 */
const localActivities = proxyLocalActivities<Activities>(defaultActivityOptions);

/**
 * A provider's partnership request to a reseller. It emails a personalised link, then waits — days,
 * usually — for the reseller to accept or decline, for the provider to revoke or resend, or for the
 * deadline. A reminder goes out REMINDER_BEFORE the deadline. Acceptance creates the partnership.
 */
export async function invitationWorkflow(input: InvitationInput): Promise<InvitationState> {
  const state: InvitationState = {
    invitationId: input.invitationId,
    providerId: input.providerId,
    status: 'pending',
    resellerEmail: input.resellerEmail,
    expiresAt: input.expiresAt,
    linksSent: 0,
    remindersSent: 0,
    resellerId: null,
    partnershipId: null,
    closedAt: null,
  };
  // Runs started before each change replay with the commands they issued then: before
  // 'invitation-local-activities', the steps were activities; before 'invitation-lean-visibility', the
  // run upserted at its start the search attributes its start had already set, and the accept set the
  // reseller's apart from the status (each upsert is a visibility write on the server).
  const lean = patched('invitation-lean-visibility');
  const steps = lean || patched('invitation-local-activities') ? localActivities : activities;
  const answers = linkAnswers(state, invitationRefusals);
  const { refuseUnlessOpen, refuseUnlessPending, close, exclusively } = answers;
  // Bumped by resend so the waiting loop restarts its clock.
  let clock = 0;
  let reminderDue = true;

  setHandler(statusQuery, () => state);

  setHandler(
    acceptUpdate,
    (reseller) =>
      exclusively(async () => {
        const { partnershipId } = await steps.acceptInvitation({
          invitationId: input.invitationId,
          providerId: input.providerId,
          resellerId: reseller.resellerId,
          reseller: { name: reseller.name, partnerId: reseller.partnerId },
        });
        state.resellerId = reseller.resellerId;
        state.partnershipId = partnershipId;
        const resellerAttribute = { key: ResellerId, value: reseller.resellerId };
        if (lean) {
          upsertMemo({ reseller: reseller.name });
          close('accepted', [resellerAttribute]);
        } else {
          upsertSearchAttributes([resellerAttribute]);
          upsertMemo({ reseller: reseller.name });
          close('accepted');
        }
        return { status: 'accepted' as const, partnershipId };
      }),
    {
      validator: (reseller) => {
        refuseUnlessOpen();
        if (reseller.email.trim().toLowerCase() !== state.resellerEmail.trim().toLowerCase()) {
          throw businessFailure('RESELLER_EMAIL_MISMATCH', 'This invitation was sent to another email address');
        }
        if (!reseller.cspEnrolled) {
          throw businessFailure('RESELLER_NOT_ELIGIBLE', 'The reseller is not enrolled as an indirect reseller in CSP');
        }
        if (reseller.country !== input.providerCountry) {
          throw businessFailure(
            'RESELLER_NOT_ELIGIBLE',
            `The reseller must be in the provider's country (${input.providerCountry})`,
          );
        }
      },
    },
  );

  setHandler(
    declineUpdate,
    ({ reason }) =>
      exclusively(async () => {
        await activities.closeInvitation({ invitationId: input.invitationId, status: 'declined', reason });
        close('declined');
        return { status: 'declined' as const };
      }),
    { validator: (_answer) => refuseUnlessOpen() },
  );

  setHandler(
    revokeUpdate,
    () =>
      exclusively(async () => {
        await activities.closeInvitation({ invitationId: input.invitationId, status: 'revoked' });
        close('revoked');
        return { status: 'revoked' as const };
      }),
    { validator: () => refuseUnlessPending() },
  );

  setHandler(
    resendUpdate,
    () =>
      exclusively(async () => {
        const expiresAt = new Date(Date.now() + input.ttlMs).toISOString();
        await activities.resendInvitationLink({
          invitationId: input.invitationId,
          expiresAt,
          sendNumber: state.linksSent + 1,
        });
        state.linksSent += 1;
        state.expiresAt = expiresAt;
        reminderDue = true;
        clock += 1;
        return { expiresAt };
      }),
    { validator: () => refuseUnlessPending() },
  );

  // The API's start sets these; runs started before 'invitation-lean-visibility' set them again here.
  if (!lean) {
    upsertSearchAttributes([
      { key: ProviderId, value: input.providerId },
      { key: ProcessStatus, value: 'pending' },
    ]);
  }

  await steps.sendInvitationLink({ invitationId: input.invitationId });
  state.linksSent = Math.max(state.linksSent, 1);

  while (state.status === 'pending') {
    const observedClock = clock;
    const interrupted = () => state.status !== 'pending' || clock !== observedClock;
    const deadline = Date.parse(state.expiresAt);
    const reminderAt = deadline - input.reminderBeforeMs;

    if (reminderDue && reminderAt > Date.now()) {
      if (await condition(interrupted, reminderAt - Date.now())) continue;
      await condition(() => !answers.isBusy());
      if (state.status !== 'pending' || clock !== observedClock) continue;
      await activities.sendInvitationReminder({ invitationId: input.invitationId, expiresAt: state.expiresAt });
      state.remindersSent += 1;
      reminderDue = false;
      continue;
    }

    if (deadline > Date.now() && (await condition(interrupted, deadline - Date.now()))) continue;
    // The deadline passed, but an answer that arrived just before it is allowed to finish first.
    await condition(() => !answers.isBusy());
    if (state.status !== 'pending' || clock !== observedClock) continue;
    await activities.closeInvitation({ invitationId: input.invitationId, status: 'expired' });
    close('expired');
  }

  // Let the update that closed the invitation reply to its caller before the run completes.
  await condition(allHandlersFinished);
  return state;
}
