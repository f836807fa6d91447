import type { ApiDeps } from '../api/context';
import { AppError, notFound } from '../api/errors';
import { recordCustomerEvent } from '../db/queries/customer-events';
import {
  findActivePartnerReseller,
  lockSubscriptionForProvider,
  updateSubscription,
  type Subscription,
  type SubscriptionChanges,
} from '../db/queries/customer-subscriptions';
import type { Partner } from '../db/queries/partners';

export function subscriptionView(subscription: Subscription) {
  return {
    id: subscription.id,
    customerId: subscription.customerId,
    orderId: subscription.orderId,
    offerId: subscription.offerId,
    quantity: subscription.quantity,
    status: subscription.status,
    partnerIdOnRecord: subscription.partnerIdOnRecord,
    supportContactResellerId: subscription.supportContactResellerId,
    createdAt: subscription.createdAt.toISOString(),
    updatedAt: subscription.updatedAt.toISOString(),
  };
}

type SubscriptionRef = { customerId: string; subscriptionId: string };

/**
 * Runs a change to one subscription under a row lock: the rules are checked, the row updated and
 * the audit row written in one transaction, so the trail records exactly what was replaced.
 */
async function changeSubscription(
  deps: ApiDeps,
  provider: Partner,
  ref: SubscriptionRef,
  decide: (
    current: NonNullable<Awaited<ReturnType<typeof lockSubscriptionForProvider>>>,
    tx: Parameters<Parameters<ApiDeps['db']['transaction']>[0]>[0],
  ) => Promise<{ changes: SubscriptionChanges; events: Array<{ action: string; details: Record<string, unknown> }> }>,
) {
  return deps.db.transaction(async (tx) => {
    const current = await lockSubscriptionForProvider(tx, { providerId: provider.id, ...ref });
    if (!current) throw notFound('Subscription');
    if (current.subscription.status !== 'active') throw new AppError('CONFLICT', `The subscription is ${current.subscription.status}`);
    const { changes, events } = await decide(current, tx);
    if (events.length === 0) return subscriptionView(current.subscription);
    const updated = await updateSubscription(tx, current.subscription.id, changes);
    for (const event of events) {
      await recordCustomerEvent(tx, {
        customerId: ref.customerId,
        actor: `partner:${provider.id}`,
        action: event.action,
        details: { subscriptionId: current.subscription.id, ...event.details },
      });
    }
    return subscriptionView(updated);
  });
}

/** Buys or removes licenses (within the offer's bounds) and sets or clears the partner of record. */
export async function patchSubscription(
  deps: ApiDeps,
  provider: Partner,
  ref: SubscriptionRef,
  body: { quantity?: number; partnerIdOnRecord?: string | null },
) {
  return changeSubscription(deps, provider, ref, async ({ subscription, offer }, tx) => {
    const changes: SubscriptionChanges = {};
    const events: Array<{ action: string; details: Record<string, unknown> }> = [];
    if (body.quantity !== undefined && body.quantity !== subscription.quantity) {
      if (body.quantity < offer.minQuantity || body.quantity > offer.maxQuantity) {
        throw new AppError('QUANTITY_OUT_OF_BOUNDS', `${offer.name} takes ${offer.minQuantity} to ${offer.maxQuantity} licenses, not ${body.quantity}`, [
          { path: 'body.quantity', code: 'QUANTITY_OUT_OF_BOUNDS', min: offer.minQuantity, max: offer.maxQuantity },
        ]);
      }
      changes.quantity = body.quantity;
      events.push({ action: 'subscription.quantity_changed', details: { from: subscription.quantity, to: body.quantity } });
    }
    if (body.partnerIdOnRecord !== undefined && body.partnerIdOnRecord !== subscription.partnerIdOnRecord) {
      if (body.partnerIdOnRecord === null) {
        changes.partnerIdOnRecord = null;
        events.push({ action: 'subscription.partner_of_record_cleared', details: { previous: subscription.partnerIdOnRecord } });
      } else {
        const reseller = await findActivePartnerReseller(tx, { providerId: provider.id, partnerId: body.partnerIdOnRecord }, { lock: true });
        if (!reseller) {
          throw new AppError('PARTNERSHIP_NOT_ACTIVE', `Partner ${body.partnerIdOnRecord} is not a reseller in an active partnership with you`);
        }
        changes.partnerIdOnRecord = reseller.partnerId;
        events.push({
          action: 'subscription.partner_of_record_set',
          details: { previous: subscription.partnerIdOnRecord, partnerIdOnRecord: reseller.partnerId },
        });
      }
    }
    return { changes, events };
  });
}

/** Makes a partnered reseller the subscription's designated support contact, or clears it (null). */
export async function setSupportContact(deps: ApiDeps, provider: Partner, ref: SubscriptionRef, resellerId: string | null) {
  return changeSubscription(deps, provider, ref, async ({ subscription }, tx) => {
    if (resellerId === subscription.supportContactResellerId) return { changes: {}, events: [] };
    if (resellerId === null) {
      return {
        changes: { supportContactResellerId: null },
        events: [{ action: 'subscription.support_contact_cleared', details: { previous: subscription.supportContactResellerId } }],
      };
    }
    if (!(await findActivePartnerReseller(tx, { providerId: provider.id, resellerId }, { lock: true }))) {
      throw new AppError('PARTNERSHIP_NOT_ACTIVE', 'The support contact must be a reseller in an active partnership with you');
    }
    return {
      changes: { supportContactResellerId: resellerId },
      events: [{ action: 'subscription.support_contact_set', details: { previous: subscription.supportContactResellerId, supportContactResellerId: resellerId } }],
    };
  });
}
