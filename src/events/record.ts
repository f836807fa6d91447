import { eq } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { recordEvent } from '../db/queries/events';
import { getOnboarding } from '../db/queries/onboardings';
import { getPartnershipForPartner } from '../db/queries/partnerships';
import { relationshipColumns } from '../db/queries/reseller-relationships';
import { invitationColumns, type Invitation } from '../db/queries/invitations';
import { customers, invitations, orders, partners, resellerRelationships, subscriptions } from '../db/schema';
import { invitationView } from '../views/invitation';
import { onboardingView } from '../views/onboarding';
import { partnershipView } from '../views/partnership';
import { getCustomerOrder } from '../services/orders';
import { relationshipView } from '../views/reseller-relationship';
import { subscriptionView } from '../views/subscription';
import { getSubscription } from '../db/queries/subscriptions';
import { eventTypes, type EventType, type SubscriptionEventType } from './types';

/**
 * One function per resource: called in the transaction that moved the resource, it records the event
 * of the state reached (`<resource>.<status>`), with the resource as the API shows it, for the provider
 * and the reseller concerned. States that are not events (e.g. `provisioning`) record nothing; the
 * dedupe key (resource, status) makes a retried activity record nothing twice.
 */
function typeOf(resource: string, status: string): EventType | undefined {
  const type = `${resource}.${status}`;
  return (eventTypes as readonly string[]).includes(type) ? (type as EventType) : undefined;
}

async function record(
  tx: Tx,
  resource: string,
  id: string,
  status: string,
  recipientIds: (string | null)[],
  data: object,
) {
  const type = typeOf(resource, status);
  if (!type) return;
  await recordEvent(tx, {
    type,
    dedupeKey: `${resource}:${id}:${status}`,
    recipientIds,
    data: data as Record<string, unknown>,
  });
}

/** The reseller learns of an invitation only once it accepted (before that it is just an address). */
export async function recordInvitationEvent(tx: Tx, invitationOrId: string | Invitation): Promise<void> {
  // The row itself when the caller has it (an update's RETURNING): one read less in its transaction.
  const [invitation] =
    typeof invitationOrId === 'string'
      ? await tx.select(invitationColumns).from(invitations).where(eq(invitations.id, invitationOrId))
      : [invitationOrId];
  if (invitation)
    await record(
      tx,
      'invitation',
      invitation.id,
      invitation.status,
      [invitation.providerId, invitation.resellerId],
      invitationView(invitation),
    );
}

export async function recordPartnershipEvent(
  tx: Tx,
  params: { partnershipId: string; providerId: string },
): Promise<void> {
  const partnership = await getPartnershipForPartner(tx, { id: params.partnershipId, partnerId: params.providerId });
  if (partnership) {
    await record(
      tx,
      'partnership',
      partnership.id,
      partnership.status,
      [partnership.provider.id, partnership.reseller.id],
      partnershipView(partnership),
    );
  }
}

/** Onboardings on behalf of a reseller concern that reseller. */
export async function recordOnboardingEvent(tx: Tx, onboardingId: string): Promise<void> {
  const onboarding = await getOnboarding(tx, onboardingId);
  if (onboarding)
    await record(
      tx,
      'customer_onboarding',
      onboarding.id,
      onboarding.status,
      [onboarding.providerId, onboarding.resellerId],
      onboardingView(onboarding),
    );
}

/** An order concerns the reseller managing its customer. */
export async function recordOrderEvent(tx: Tx, orderId: string): Promise<void> {
  const [row] = await tx
    .select({ providerId: orders.providerId, status: orders.status, resellerId: customers.resellerId })
    .from(orders)
    .innerJoin(customers, eq(customers.id, orders.customerId))
    .where(eq(orders.id, orderId));
  if (row)
    await record(
      tx,
      'order',
      orderId,
      row.status,
      [row.providerId, row.resellerId],
      await getCustomerOrder({ db: tx }, { id: row.providerId }, orderId),
    );
}

export async function recordRelationshipEvent(tx: Tx, relationshipId: string): Promise<void> {
  const [relationship] = await tx
    .select(relationshipColumns)
    .from(resellerRelationships)
    .where(eq(resellerRelationships.id, relationshipId));
  if (relationship) {
    await record(
      tx,
      'reseller_relationship',
      relationship.id,
      relationship.status,
      [relationship.providerId, relationship.resellerId],
      relationshipView(relationship),
    );
  }
}

/**
 * Subscription events, called by the subscription workflow's activity in the transaction of each change, with the type and
 * a key naming the transition (e.g. `subscription:<id>:renewed:<renewalCount>`, `charge:<chargeId>`).
 * A subscription concerns the reseller managing its customer and the reseller credited on it.
 */
export async function recordSubscriptionEvent(
  tx: Tx,
  params: { subscriptionId: string; type: SubscriptionEventType; dedupeKey: string; data?: Record<string, unknown> },
): Promise<void> {
  const [row] = await tx
    .select({
      subscription: subscriptions,
      providerId: customers.providerId,
      resellerId: customers.resellerId,
      creditedId: partners.id,
    })
    .from(subscriptions)
    .innerJoin(customers, eq(customers.id, subscriptions.customerId))
    .leftJoin(partners, eq(partners.partnerId, subscriptions.partnerIdOnRecord))
    .where(eq(subscriptions.id, params.subscriptionId));
  if (!row) return;
  const shown = params.data
    ? undefined
    : await getSubscription(tx, { customerId: row.subscription.customerId, subscriptionId: params.subscriptionId });
  await recordEvent(tx, {
    type: params.type,
    dedupeKey: params.dedupeKey,
    recipientIds: [row.providerId, row.resellerId, row.creditedId],
    data: params.data ?? subscriptionView(shown!),
  });
}
