import { type WorkflowHandle } from '@temporalio/client';
import type { ServiceDeps } from './deps';
import { AppError, notFound } from '../domain/errors';
import {
  deleteInvitation,
  getInvitationByTokenHash,
  getInvitationForProvider,
  listInvitations,
  reserveInvitation,
  type Invitation,
  type ListInvitationsParams,
} from '../db/queries/invitations';
import { findActivePartnership, getPartnershipForPartner } from '../db/queries/partnerships';
import { invitationReader } from '../db/queries/readers';
import { findResellersByEmail, getPartnerByPublicId, type Partner } from '../db/queries/partners';
import { invitationRefusals } from '../domain/link-requests';
import { idFor, keyDigest } from './derived-ids';
import { closedLinkError, notPendingError, requestByLinkToken, updateLinkRequest } from './link-requests';
import { startOnce } from './start-once';
import { invitationView, type InvitationView } from '../views/invitation';
import { partnershipView } from '../views/partnership';
import { invitationWorkflowId } from '../../workflows/ids';
import { invitationWorkflow } from '../../workflows/invitation';
import { acceptUpdate, declineUpdate, resendUpdate, revokeUpdate } from '../../workflows/invitation.messages';
import { ProcessStatus, ProviderId } from '../../workflows/search-attributes';

/**
 * Starts a partnership invitation. The row is reserved first so the partial unique index settles
 * "one pending invitation per provider and address" even under concurrent calls; if the workflow
 * cannot be started the reservation is removed again, so nothing half-made remains. With an
 * Idempotency-Key the id is derived from it: a retry finds the invitation its first attempt
 * reserved, makes sure its workflow runs, and answers with it.
 */
export async function inviteReseller(
  deps: ServiceDeps,
  provider: Partner,
  input: { resellerEmail: string; message?: string },
  idempotencyKey?: string,
): Promise<{ created: boolean; invitation: InvitationView }> {
  const id = idFor('invitation', [provider.id], idempotencyKey);
  const earlier = idempotencyKey ? await getInvitationForProvider(deps.db, { id, providerId: provider.id }) : undefined;
  if (earlier) {
    await startInvitationWorkflow(deps, provider, earlier);
    return { created: true, invitation: invitationView(earlier) };
  }
  for (const reseller of await findResellersByEmail(deps.db, input.resellerEmail)) {
    if (await findActivePartnership(deps.db, { providerId: provider.id, resellerId: reseller.id })) {
      throw new AppError('ALREADY_PARTNERS', `${reseller.name} is already in an active partnership with you`);
    }
  }
  const reservation = await reserveInvitation(deps.db, {
    id,
    providerId: provider.id,
    resellerEmail: input.resellerEmail,
    message: input.message,
    expiresAt: new Date(Date.now() + deps.config.invitationTtlMs),
    workflowId: invitationWorkflowId(id),
  });
  if (reservation.invitation.id === id) {
    await startInvitationWorkflow(
      deps,
      provider,
      reservation.invitation,
      reservation.created ? () => deleteInvitation(deps.db, id) : undefined,
    );
    return { created: true, invitation: invitationView(reservation.invitation) };
  }
  return { created: false, invitation: invitationView(reservation.invitation) };
}

/** Starts `invitation-<id>` for a reserved invitation (see startOnce). */
async function startInvitationWorkflow(
  deps: ServiceDeps,
  provider: Partner,
  invitation: Invitation,
  undo?: () => Promise<void>,
): Promise<void> {
  await startOnce(
    deps,
    invitationWorkflow,
    {
      workflowId: invitation.workflowId,
      args: [
        {
          invitationId: invitation.id,
          providerId: provider.id,
          providerName: provider.name,
          providerCountry: provider.country,
          resellerEmail: invitation.resellerEmail,
          expiresAt: invitation.expiresAt.toISOString(),
          ttlMs: deps.config.invitationTtlMs,
          reminderBeforeMs: deps.config.reminderBeforeMs,
        },
      ],
      typedSearchAttributes: [
        { key: ProviderId, value: provider.id },
        { key: ProcessStatus, value: 'pending' },
      ],
      memo: { provider: provider.name, resellerEmail: invitation.resellerEmail },
    },
    undo,
    'nothing was created',
  );
}

export async function getInvitation(deps: ServiceDeps, provider: Partner, id: string): Promise<InvitationView> {
  const invitation = await getInvitationForProvider(deps.db, { id, providerId: provider.id });
  if (!invitation) throw notFound('Invitation');
  return invitationView(invitation);
}

export async function listProviderInvitations(deps: ServiceDeps, params: ListInvitationsParams) {
  const result = await listInvitations(deps.db, params);
  return { items: result.items.map(invitationView), nextCursor: result.nextCursor };
}

/** The Update id of a link answer: derived from the Idempotency-Key (so a retry attaches to it), else unique. */
function linkUpdateId(action: string, invitationId: string, idempotencyKey?: string): string | undefined {
  return idempotencyKey ? `${action}-${keyDigest(invitationId, idempotencyKey)}` : undefined;
}

/**
 * A provider's change (resend, revoke) to one of its invitations. The link answers 410 for a revoked
 * or expired invitation; the provider asking to change one that is no longer pending is a 409.
 */
async function changeAsProvider<T>(
  deps: ServiceDeps,
  provider: Partner,
  id: string,
  send: (handle: WorkflowHandle) => Promise<T>,
) {
  const invitation = await getInvitationForProvider(deps.db, { id, providerId: provider.id });
  if (!invitation) throw notFound('Invitation');
  if (invitation.status !== 'pending') throw notPendingError(invitationRefusals, invitation.status);
  // Past its deadline it is expired, even in the moment before the workflow's timer records it.
  if (invitation.expiresAt.getTime() <= Date.now()) throw notPendingError(invitationRefusals, 'expired');
  try {
    await updateLinkRequest(deps, invitationRefusals, invitation, send);
  } catch (error) {
    if (error instanceof AppError && error.code === 'INVITATION_EXPIRED')
      throw notPendingError(invitationRefusals, 'expired');
    if (error instanceof AppError && error.code === 'INVITATION_REVOKED')
      throw notPendingError(invitationRefusals, 'revoked');
    throw error;
  }
  return getInvitation(deps, provider, id);
}

export async function resendInvitation(deps: ServiceDeps, provider: Partner, id: string): Promise<InvitationView> {
  return changeAsProvider(deps, provider, id, (handle) => handle.executeUpdate(resendUpdate, { args: [] }));
}

export async function revokeInvitation(deps: ServiceDeps, provider: Partner, id: string): Promise<InvitationView> {
  return changeAsProvider(deps, provider, id, (handle) => handle.executeUpdate(revokeUpdate, { args: [] }));
}

/** The invitation a link points at; the token is only ever compared by its hash. */
async function invitationOfLink(deps: ServiceDeps, token: string) {
  return requestByLinkToken((tokenHash) => getInvitationByTokenHash(deps.db, tokenHash), token, 'Invitation');
}

/** The invitation a link points at, with who reads it (the link page's language). */
export async function invitationByToken(deps: ServiceDeps, token: string) {
  const invitation = await invitationOfLink(deps, token);
  const reader = await invitationReader(deps.db, {
    resellerEmail: invitation.resellerEmail,
    providerCountry: invitation.provider.country,
  });
  return { ...invitation, reader };
}

/**
 * Accepts through the link. With an Idempotency-Key a retry of the same accept (say, after a lost
 * answer) gets the first answer again, 200 with the partnership, instead of 409.
 */
export async function acceptInvitationLink(
  deps: ServiceDeps,
  token: string,
  partnerId: string,
  idempotencyKey?: string,
) {
  // The link and the reseller side by side: one round trip's wait, not two (the link's refusals still come first).
  const [invitation, reseller] = await Promise.all([
    invitationOfLink(deps, token),
    getPartnerByPublicId(deps.db, partnerId),
  ]);
  if (invitation.status !== 'pending' && !idempotencyKey) throw closedLinkError(invitationRefusals, invitation.status);
  if (!reseller || reseller.kind !== 'reseller') {
    throw new AppError('RESELLER_NOT_FOUND', `No registered reseller has partner id ${partnerId}`);
  }
  const result = await updateLinkRequest(
    deps,
    invitationRefusals,
    invitation,
    (handle) =>
      handle.executeUpdate(acceptUpdate, {
        updateId: linkUpdateId('accept', invitation.id, idempotencyKey),
        args: [
          {
            resellerId: reseller.id,
            name: reseller.name,
            partnerId: reseller.partnerId,
            email: reseller.email,
            country: reseller.country,
            cspEnrolled: reseller.cspEnrolled,
          },
        ],
      }),
    idempotencyKey !== undefined,
  );
  const partnership = await getPartnershipForPartner(deps.db, { id: result.partnershipId, partnerId: reseller.id });
  // The accept Update commits the partnership before it answers: a missing one is a broken invariant, not an answer.
  if (!partnership)
    throw new Error(`Invitation ${invitation.id} was accepted but partnership ${result.partnershipId} is not readable`);
  return { status: 'accepted' as const, partnership: partnershipView(partnership) };
}

export async function declineInvitationLink(
  deps: ServiceDeps,
  token: string,
  reason?: string,
  idempotencyKey?: string,
) {
  const invitation = await invitationOfLink(deps, token);
  await updateLinkRequest(
    deps,
    invitationRefusals,
    invitation,
    (handle) =>
      handle.executeUpdate(declineUpdate, {
        updateId: linkUpdateId('decline', invitation.id, idempotencyKey),
        args: [{ reason }],
      }),
    idempotencyKey !== undefined,
  );
  return { status: 'declined' as const };
}
