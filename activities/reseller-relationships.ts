import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Tx } from '../src/db/client';
import { recordCustomerEvent } from '../src/db/queries/customer-events';
import { findActivePartnerReseller } from '../src/db/queries/customer-subscriptions';
import { relationshipReader } from '../src/db/queries/readers';
import { customers, partners, resellerRelationships } from '../src/db/schema';
import { recordRelationshipEvent } from '../src/events/record';
import type { QueuedMail } from '../src/mail/mailer';
import { decryptText, encryptText } from '../src/security/cipher';
import { relationshipMail } from '../src/mail/templates';
import { newLinkToken, sha256 } from '../src/security/tokens';
import { businessFailure } from '../workflows/failures';
import type { ActivityDeps } from './index';
import { currentRun } from './provisioning';

const linkUrl = (base: string, token: string) => `${base}/reseller-relationships/${token}`;
const provider = alias(partners, 'provider');
const reseller = alias(partners, 'reseller');

async function lockRelationship(tx: Tx, relationshipId: string) {
  const [row] = await tx
    .select({
      relationship: resellerRelationships,
      providerName: provider.name,
      resellerName: reseller.name,
      resellerPartnerId: reseller.partnerId,
      customer: {
        id: customers.id,
        name: customers.name,
        domain: customers.domain,
        country: customers.country,
        contact: customers.contact,
        resellerId: customers.resellerId,
      },
    })
    .from(resellerRelationships)
    .innerJoin(provider, eq(provider.id, resellerRelationships.providerId))
    .innerJoin(reseller, eq(reseller.id, resellerRelationships.resellerId))
    .innerJoin(customers, eq(customers.id, resellerRelationships.customerId))
    .where(eq(resellerRelationships.id, relationshipId))
    .for('update', { of: resellerRelationships });
  if (!row)
    throw ApplicationFailure.nonRetryable(
      `reseller relationship ${relationshipId} does not exist`,
      'RELATIONSHIP_MISSING',
    );
  return row;
}

/**
 * Reseller-relationship activities. Same token rules as invitations: a 256-bit token issued once,
 * only its sha256 and an encrypted escrow stored, and it never leaves these activities.
 */
export function createResellerRelationshipActivities({ db, mailer, keyRing, publicBaseUrl }: ActivityDeps) {
  async function mailLink(relationshipId: string, kind: 'link' | 'reminder'): Promise<void> {
    const dedupeKey = `reseller-relationship:${relationshipId}:${kind}`;
    const queued = await db.transaction(async (tx): Promise<QueuedMail | undefined> => {
      const row = await lockRelationship(tx, relationshipId);
      const { relationship } = row;
      if (relationship.status !== 'pending') return undefined;
      let token: string;
      if (relationship.tokenEscrow) {
        token = decryptText(keyRing, relationship.tokenEscrow);
      } else {
        if (kind === 'reminder') return undefined;
        token = newLinkToken();
        await tx
          .update(resellerRelationships)
          .set({ tokenHash: sha256(token), tokenEscrow: encryptText(keyRing, token), updatedAt: new Date() })
          .where(eq(resellerRelationships.id, relationshipId));
      }
      if (kind === 'reminder')
        await tx
          .update(resellerRelationships)
          .set({ reminderSentAt: new Date() })
          .where(eq(resellerRelationships.id, relationshipId));
      return mailer.enqueue(tx, {
        dedupeKey,
        to: row.customer.contact.email,
        ...relationshipMail(relationshipReader(row.customer), {
          provider: row.providerName,
          reseller: row.resellerName,
          partnerId: row.resellerPartnerId,
          customer: row.customer.name,
          link: linkUrl(publicBaseUrl, token),
          expiresAt: relationship.expiresAt,
          reminder: kind === 'reminder',
        }),
      });
    });
    await mailer.deliver([queued ?? dedupeKey]);
  }

  return {
    /** Issues the link token (once) and emails it to the customer's contact. */
    async sendResellerRelationshipLink({ relationshipId }: { relationshipId: string }): Promise<void> {
      await mailLink(relationshipId, 'link');
    },

    async sendResellerRelationshipReminder({ relationshipId }: { relationshipId: string }): Promise<void> {
      await mailLink(relationshipId, 'reminder');
    },

    /**
     * Associates the reseller with the customer, with its audit row, in one transaction. The
     * partnership must still be active. Running it again after it committed changes nothing.
     */
    async acceptResellerRelationship({ relationshipId }: { relationshipId: string }): Promise<void> {
      await db.transaction(async (tx) => {
        const { relationship } = await lockRelationship(tx, relationshipId);
        if (relationship.status === 'accepted') return;
        if (relationship.status !== 'pending')
          throw businessFailure('RELATIONSHIP_NOT_PENDING', `The request is already ${relationship.status}`);
        if (
          !(await findActivePartnerReseller(
            tx,
            { providerId: relationship.providerId, resellerId: relationship.resellerId },
            { lock: true },
          ))
        ) {
          throw businessFailure(
            'PARTNERSHIP_NOT_ACTIVE',
            'The reseller is no longer in an active partnership with the provider',
          );
        }
        const [customer] = await tx
          .select({ resellerId: customers.resellerId })
          .from(customers)
          .where(eq(customers.id, relationship.customerId))
          .for('update');
        await tx
          .update(customers)
          .set({ resellerId: relationship.resellerId, updatedAt: new Date() })
          .where(eq(customers.id, relationship.customerId));
        await tx
          .update(resellerRelationships)
          .set({ status: 'accepted', tokenEscrow: null, updatedAt: new Date() })
          .where(eq(resellerRelationships.id, relationshipId));
        await recordCustomerEvent(tx, {
          customerId: relationship.customerId,
          actor: 'workflow',
          action: 'customer.reseller_associated',
          details: {
            relationshipId,
            resellerId: relationship.resellerId,
            previousResellerId: customer?.resellerId ?? null,
            acceptedBy: 'customer contact',
          },
          ...currentRun(),
          dedupeKey: `reseller-relationship:${relationshipId}:accepted`,
        });
        await recordRelationshipEvent(tx, relationshipId);
      });
    },

    /** Records a decline, revocation or expiry. The token escrow is dropped: the link is dead. */
    async closeResellerRelationship(params: {
      relationshipId: string;
      status: 'declined' | 'revoked' | 'expired';
      reason?: string;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        const { relationship } = await lockRelationship(tx, params.relationshipId);
        if (relationship.status !== 'pending') return;
        await tx
          .update(resellerRelationships)
          .set({
            status: params.status,
            declineReason: params.reason ?? null,
            tokenEscrow: null,
            updatedAt: new Date(),
          })
          .where(eq(resellerRelationships.id, params.relationshipId));
        await recordRelationshipEvent(tx, params.relationshipId);
      });
    },
  };
}
