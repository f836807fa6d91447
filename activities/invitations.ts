import { ApplicationFailure } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import { isUniqueViolation } from '../src/db/errors';
import { invitationColumns } from '../src/db/queries/invitations';
import { findActivePartnership } from '../src/db/queries/partnerships';
import { invitationReader } from '../src/db/queries/readers';
import { readerOf } from '../src/i18n/language';
import { invitationAcceptedMail, invitationMail } from '../src/mail/templates';
import { recordInvitationEvent } from '../src/events/record';
import { invitations, partners, partnerships } from '../src/db/schema';
import { decryptText, encryptText } from '../src/security/cipher';
import { newLinkToken, sha256 } from '../src/security/tokens';
import { businessFailure } from '../workflows/failures';
import type { ActivityDeps } from './index';

const linkUrl = (base: string, token: string) => `${base}/invitations/${token}`;

/**
 * Invitation activities. Each is safe to run twice: tokens are issued once per invitation, mails are
 * deduplicated by key in the outbox, and state changes only apply to a still-pending invitation.
 */
export function createInvitationActivities({ db, mailer, keyRing, publicBaseUrl }: ActivityDeps) {
  /** The invitation, locked, with its provider (no reader: the accept writes to the provider only). */
  async function lockInvitation(tx: Parameters<Parameters<typeof db.transaction>[0]>[0], invitationId: string) {
    const [row] = await tx
      .select({
        invitation: invitations,
        providerName: partners.name,
        providerEmail: partners.email,
        provider: { country: partners.country, language: partners.language },
      })
      .from(invitations)
      .innerJoin(partners, eq(partners.id, invitations.providerId))
      .where(eq(invitations.id, invitationId))
      .for('update', { of: invitations });
    if (!row) throw ApplicationFailure.nonRetryable(`invitation ${invitationId} does not exist`, 'INVITATION_MISSING');
    return row;
  }

  /** The invitation, locked, with its provider and who will read the mail to the reseller. */
  async function loadForUpdate(tx: Parameters<Parameters<typeof db.transaction>[0]>[0], invitationId: string) {
    const row = await lockInvitation(tx, invitationId);
    const reader = await invitationReader(tx, {
      resellerEmail: row.invitation.resellerEmail,
      providerCountry: row.provider.country,
    });
    return { ...row, reader };
  }

  return {
    /** Issues the link token (once) and emails the personalised link. The token never leaves this activity. */
    async sendInvitationLink({ invitationId }: { invitationId: string }): Promise<void> {
      const dedupeKey = `invitation:${invitationId}:link:1`;
      const queued = await db.transaction(async (tx) => {
        const { invitation, providerName, reader } = await loadForUpdate(tx, invitationId);
        if (invitation.status !== 'pending') return dedupeKey;
        let token: string;
        if (invitation.tokenEscrow) {
          token = decryptText(keyRing, invitation.tokenEscrow);
        } else {
          token = newLinkToken();
          await tx
            .update(invitations)
            .set({
              tokenHash: sha256(token),
              tokenEscrow: encryptText(keyRing, token),
              linkSentCount: 1,
              updatedAt: new Date(),
            })
            .where(eq(invitations.id, invitationId));
        }
        return mailer.enqueue(tx, {
          dedupeKey,
          to: invitation.resellerEmail,
          ...invitationMail(reader, {
            provider: providerName,
            message: invitation.message,
            link: linkUrl(publicBaseUrl, token),
            expiresAt: invitation.expiresAt,
          }),
        });
      });
      await mailer.deliver([queued]);
    },

    /** Emails the same link again and moves the deadline. */
    async resendInvitationLink(params: { invitationId: string; expiresAt: string; sendNumber: number }): Promise<void> {
      const dedupeKey = `invitation:${params.invitationId}:link:${params.sendNumber}`;
      const queued = await db.transaction(async (tx) => {
        const { invitation, providerName, reader } = await loadForUpdate(tx, params.invitationId);
        if (invitation.status !== 'pending' || !invitation.tokenEscrow) return dedupeKey;
        const expiresAt = new Date(params.expiresAt);
        await tx
          .update(invitations)
          .set({ expiresAt, linkSentCount: params.sendNumber, reminderSentAt: null, updatedAt: new Date() })
          .where(eq(invitations.id, params.invitationId));
        const link = linkUrl(publicBaseUrl, decryptText(keyRing, invitation.tokenEscrow));
        return mailer.enqueue(tx, {
          dedupeKey,
          to: invitation.resellerEmail,
          ...invitationMail(reader, { provider: providerName, message: invitation.message, link, expiresAt }),
        });
      });
      // The provider's resend is waiting for this answer, not for the mail server.
      mailer.deliverInBackground([queued]);
    },

    async sendInvitationReminder(params: { invitationId: string; expiresAt: string }): Promise<void> {
      const dedupeKey = `invitation:${params.invitationId}:reminder:${params.expiresAt}`;
      const queued = await db.transaction(async (tx) => {
        const { invitation, providerName, reader } = await loadForUpdate(tx, params.invitationId);
        if (invitation.status !== 'pending' || !invitation.tokenEscrow) return dedupeKey;
        await tx.update(invitations).set({ reminderSentAt: new Date() }).where(eq(invitations.id, params.invitationId));
        return mailer.enqueue(tx, {
          dedupeKey,
          to: invitation.resellerEmail,
          ...invitationMail(reader, {
            provider: providerName,
            message: invitation.message,
            link: linkUrl(publicBaseUrl, decryptText(keyRing, invitation.tokenEscrow)),
            expiresAt: invitation.expiresAt,
            reminder: true,
          }),
        });
      });
      await mailer.deliver([queued]);
    },

    /**
     * Creates the active partnership and tells the provider. A second run finds the work done. The
     * reseller's name and partnerId come with the accept (runs started before they did read them here).
     */
    async acceptInvitation(params: {
      invitationId: string;
      providerId: string;
      resellerId: string;
      reseller?: { name: string; partnerId: string };
    }): Promise<{ partnershipId: string }> {
      const dedupeKey = `invitation:${params.invitationId}:accepted`;
      const { partnershipId, notice } = await db
        .transaction(async (tx) => {
          const { invitation, providerEmail, providerName, provider } = await lockInvitation(tx, params.invitationId);
          if (invitation.status === 'accepted' && invitation.partnershipId)
            return { partnershipId: invitation.partnershipId, notice: dedupeKey };
          if (invitation.status !== 'pending') {
            throw businessFailure('INVITATION_NOT_PENDING', `The invitation is already ${invitation.status}`);
          }
          // One active partnership per pair (partnerships_one_active_idx): an existing one is kept.
          const [created] = await tx
            .insert(partnerships)
            .values({ providerId: params.providerId, resellerId: params.resellerId, invitationId: params.invitationId })
            .onConflictDoNothing()
            .returning({ id: partnerships.id });
          const id =
            created?.id ??
            (await findActivePartnership(tx, { providerId: params.providerId, resellerId: params.resellerId }))?.id;
          if (!id) throw ApplicationFailure.retryable('partnership changed concurrently', 'CONCURRENT_ACCEPT');
          const [accepted] = await tx
            .update(invitations)
            .set({
              status: 'accepted',
              resellerId: params.resellerId,
              partnershipId: id,
              tokenEscrow: null,
              updatedAt: new Date(),
            })
            .where(eq(invitations.id, params.invitationId))
            .returning(invitationColumns);
          await recordInvitationEvent(tx, accepted!);
          const reseller =
            params.reseller ??
            (
              await tx
                .select({ name: partners.name, partnerId: partners.partnerId })
                .from(partners)
                .where(eq(partners.id, params.resellerId))
            )[0];
          if (!reseller)
            throw ApplicationFailure.nonRetryable(`reseller ${params.resellerId} does not exist`, 'RESELLER_MISSING');
          const notice = await mailer.enqueue(tx, {
            dedupeKey,
            to: providerEmail,
            ...invitationAcceptedMail(readerOf(provider), {
              provider: providerName,
              reseller: reseller.name,
              partnerId: reseller.partnerId,
              email: invitation.resellerEmail,
            }),
          });
          return { partnershipId: id, notice };
        })
        .catch((error) => {
          // Another accept created the partnership between our read and insert; the retry will find it.
          if (isUniqueViolation(error))
            throw ApplicationFailure.retryable('partnership created concurrently', 'CONCURRENT_ACCEPT');
          throw error;
        });
      // The reseller is waiting for this answer; the provider's notice is not theirs to wait for.
      mailer.deliverInBackground([notice]);
      return { partnershipId };
    },

    /** Records a decline, revocation or expiry. The token escrow is dropped: the link is dead. */
    async closeInvitation(params: {
      invitationId: string;
      status: 'declined' | 'revoked' | 'expired';
      reason?: string;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        const closed = await tx
          .update(invitations)
          .set({
            status: params.status,
            declineReason: params.reason ?? null,
            tokenEscrow: null,
            updatedAt: new Date(),
          })
          .where(and(eq(invitations.id, params.invitationId), eq(invitations.status, 'pending')))
          .returning({ id: invitations.id });
        if (closed.length > 0) await recordInvitationEvent(tx, params.invitationId);
      });
    },
  };
}
