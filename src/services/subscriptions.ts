import type { UpdateDefinition } from '@temporalio/client';
import type { Caller } from './callers';
import type { ServiceDeps } from './deps';
import { AppError, notFound } from '../domain/errors';
import { businessErrorFrom, isWorkflowClosed } from './temporal-refusals';
import { subscriptionView } from '../views/subscription';
import { recordCustomerEvent } from '../db/queries/customer-events';
import { getCustomerById, getCustomerForPartner } from '../db/queries/customer-orders';
import {
  findActivePartnerReseller,
  lockSubscriptionForProvider,
  updateSubscription,
  type SubscriptionChanges,
} from '../db/queries/customer-subscriptions';
import { getOffersByIds } from '../db/queries/offers';
import type { Partner } from '../db/queries/partners';
import { getSubscription, type Subscription } from '../db/queries/subscriptions';
import { isTermChoiceRefusal, resolveTermChoice } from '../domain/subscription-billing';
import type { ScheduledChanges } from '../domain/subscription-lifecycle';
import { subscriptionWorkflowId } from '../../workflows/ids';
import {
  cancelUpdate,
  changeOfferUpdate,
  changeQuantityUpdate,
  reactivateUpdate,
  scheduleChangesUpdate,
  setAutoRenewUpdate,
  suspendUpdate,
  type ChangeResult,
} from '../../workflows/subscription.messages';

type SubscriptionRef = { customerId: string; subscriptionId: string };
/** Who may change a subscription: its customer's provider, or an operator (suspend, reactivate). */
type Changer = Extract<Caller, { role: 'provider' | 'operator' }>;

const actorOf = (caller: Changer) => (caller.role === 'operator' ? 'operator' : `partner:${caller.partner.id}`);

/** The subscription a caller may change; anything else (another provider's, unknown) is 404. */
async function subscriptionFor(deps: ServiceDeps, caller: Changer, ref: SubscriptionRef): Promise<Subscription> {
  const customer =
    caller.role === 'operator'
      ? await getCustomerById(deps.db, ref.customerId)
      : await getCustomerForPartner(deps.db, { customerId: ref.customerId, partnerId: caller.partner.id });
  if (!customer || (caller.role === 'provider' && customer.providerId !== caller.partner.id))
    throw notFound('Subscription');
  const subscription = await getSubscription(deps.db, ref);
  if (!subscription) throw notFound('Subscription');
  return subscription;
}

async function currentView(deps: ServiceDeps, ref: SubscriptionRef) {
  return subscriptionView((await getSubscription(deps.db, ref))!);
}

/**
 * Sends one change to the subscription's workflow, which applies changes one at a time and answers
 * with the outcome or a refusal in our error codes. A subscription whose workflow has ended (or
 * never started) takes no change: 409.
 */
async function askWorkflow<A>(
  deps: ServiceDeps,
  subscription: Subscription,
  update: UpdateDefinition<ChangeResult, [A]>,
  args: A,
): Promise<ChangeResult> {
  try {
    return await deps.temporal.workflow
      .getHandle(subscriptionWorkflowId(subscription.id))
      .executeUpdate(update, { args: [args] });
  } catch (error) {
    const refusal = businessErrorFrom(error);
    if (refusal) throw refusal;
    if (isWorkflowClosed(error)) {
      const why = subscription.workflowId
        ? ''
        : ' and its lifecycle has not started yet (npm run subscriptions:backfill)';
      throw new AppError(
        'SUBSCRIPTION_WRONG_STATE',
        `The subscription is ${subscription.status}${why}; it takes no change`,
      );
    }
    throw error;
  }
}

/** An offer of the catalog, or 422 OFFER_NOT_FOUND naming the field. */
async function catalogOffer(deps: ServiceDeps, offerId: string) {
  const offer = (await getOffersByIds(deps.db, [offerId])).get(offerId);
  if (!offer) throw new AppError('OFFER_NOT_FOUND', `No offer ${offerId} in the catalog`, [{ path: 'body.offerId' }]);
  return offer;
}

/**
 * PATCH: the offer (through the workflow: changed at once, the rest of the billing period refunded
 * at the old price and charged at the new one), licenses (added at once and charged prorated,
 * removed only inside their window and refunded), autoRenew, and the partner of record — applied in
 * that order, each its own change. The partner is checked before anything changes, so a refused
 * credit leaves the offer and quantity as they were.
 */
export async function patchSubscription(
  deps: ServiceDeps,
  caller: Extract<Caller, { role: 'provider' }>,
  ref: SubscriptionRef,
  body: { offerId?: string; quantity?: number; autoRenew?: boolean; partnerIdOnRecord?: string | null },
) {
  const subscription = await subscriptionFor(deps, caller, ref);
  if (
    body.partnerIdOnRecord &&
    !(await findActivePartnerReseller(deps.db, { providerId: caller.partner.id, partnerId: body.partnerIdOnRecord }))
  ) {
    throw new AppError(
      'PARTNERSHIP_NOT_ACTIVE',
      `Partner ${body.partnerIdOnRecord} is not a reseller in an active partnership with you`,
    );
  }
  let scheduledChangesRemoved = false;
  if (body.offerId !== undefined) {
    const { id, name, unitPrice, currency, minQuantity, maxQuantity, terms } = await catalogOffer(deps, body.offerId);
    const offer = { id, name, unitPrice, currency, minQuantity, maxQuantity, terms };
    scheduledChangesRemoved ||= (
      await askWorkflow(deps, subscription, changeOfferUpdate, { actor: actorOf(caller), offer })
    ).scheduledChangesRemoved;
  }
  if (body.quantity !== undefined) {
    scheduledChangesRemoved ||= (
      await askWorkflow(deps, subscription, changeQuantityUpdate, { actor: actorOf(caller), quantity: body.quantity })
    ).scheduledChangesRemoved;
  }
  if (body.autoRenew !== undefined) {
    scheduledChangesRemoved ||= (
      await askWorkflow(deps, subscription, setAutoRenewUpdate, { actor: actorOf(caller), autoRenew: body.autoRenew })
    ).scheduledChangesRemoved;
  }
  if (body.partnerIdOnRecord !== undefined) await setPartnerOfRecord(deps, caller.partner, ref, body.partnerIdOnRecord);
  return { ...(await currentView(deps, ref)), scheduledChangesRemoved };
}

/** POST …/cancel: inside the cancellation window, ends the subscription with a prorated refund. */
export async function cancelSubscription(
  deps: ServiceDeps,
  caller: Extract<Caller, { role: 'provider' }>,
  ref: SubscriptionRef,
) {
  const subscription = await subscriptionFor(deps, caller, ref);
  const result = await askWorkflow(deps, subscription, cancelUpdate, { actor: actorOf(caller) });
  return { ...(await currentView(deps, ref)), refund: -result.amount };
}

export async function suspendSubscription(deps: ServiceDeps, caller: Changer, ref: SubscriptionRef, reason: string) {
  const subscription = await subscriptionFor(deps, caller, ref);
  const result = await askWorkflow(deps, subscription, suspendUpdate, { actor: actorOf(caller), reason });
  return { ...(await currentView(deps, ref)), scheduledChangesRemoved: result.scheduledChangesRemoved };
}

export async function reactivateSubscription(deps: ServiceDeps, caller: Changer, ref: SubscriptionRef) {
  const subscription = await subscriptionFor(deps, caller, ref);
  await askWorkflow(deps, subscription, reactivateUpdate, { actor: actorOf(caller) });
  return currentView(deps, ref);
}

/**
 * PUT …/scheduled-changes (null clears them): checked against the catalog here — the offer must
 * exist (422), sell the resulting term and billing frequency (400) and take the resulting quantity
 * (422) — then handed to the workflow, which needs autoRenew on.
 */
export async function scheduleSubscriptionChanges(
  deps: ServiceDeps,
  caller: Extract<Caller, { role: 'provider' }>,
  ref: SubscriptionRef,
  changes: ScheduledChanges | null,
) {
  const subscription = await subscriptionFor(deps, caller, ref);
  if (changes) {
    const offer = await catalogOffer(deps, changes.offerId ?? subscription.offerId);
    const choice = resolveTermChoice(offer, {
      term: changes.term ?? subscription.term,
      billingFrequency: changes.billingFrequency ?? subscription.billingFrequency,
    });
    if (isTermChoiceRefusal(choice))
      throw new AppError(choice.code, choice.message, [
        { path: choice.code === 'TERM_NOT_OFFERED' ? 'body.term' : 'body.billingFrequency' },
      ]);
    const quantity = changes.quantity ?? subscription.quantity;
    if (quantity < offer.minQuantity || quantity > offer.maxQuantity) {
      throw new AppError(
        'QUANTITY_OUT_OF_BOUNDS',
        `${offer.name} takes ${offer.minQuantity} to ${offer.maxQuantity} licenses, not ${quantity}`,
        [{ path: 'body.quantity', min: offer.minQuantity, max: offer.maxQuantity }],
      );
    }
  }
  await askWorkflow(deps, subscription, scheduleChangesUpdate, { actor: actorOf(caller), changes });
  return currentView(deps, ref);
}

type ChangeEvent = { action: string; details: Record<string, unknown> };

/**
 * Changes the workflow does not own (partner of record, support contact) under a row lock: the rules
 * are checked, the row updated and the audit row written in one transaction, so the trail records
 * exactly what was replaced.
 */
async function changeRecordedParties(
  deps: ServiceDeps,
  provider: Partner,
  ref: SubscriptionRef,
  decide: (
    subscription: Awaited<ReturnType<typeof lockSubscriptionForProvider>> & object,
    tx: Parameters<Parameters<ServiceDeps['db']['transaction']>[0]>[0],
  ) => Promise<{ changes: SubscriptionChanges; events: ChangeEvent[] }>,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const current = await lockSubscriptionForProvider(tx, { providerId: provider.id, ...ref });
    if (!current) throw notFound('Subscription');
    if (current.subscription.status !== 'active')
      throw new AppError('SUBSCRIPTION_WRONG_STATE', `The subscription is ${current.subscription.status}`);
    const { changes, events } = await decide(current, tx);
    if (events.length === 0) return;
    await updateSubscription(tx, current.subscription.id, changes);
    for (const event of events) {
      await recordCustomerEvent(tx, {
        customerId: ref.customerId,
        actor: `partner:${provider.id}`,
        action: event.action,
        details: { subscriptionId: current.subscription.id, ...event.details },
      });
    }
  });
}

async function setPartnerOfRecord(
  deps: ServiceDeps,
  provider: Partner,
  ref: SubscriptionRef,
  partnerId: string | null,
): Promise<void> {
  await changeRecordedParties(deps, provider, ref, async ({ subscription }, tx) => {
    if (partnerId === subscription.partnerIdOnRecord) return { changes: {}, events: [] };
    if (partnerId === null) {
      return {
        changes: { partnerIdOnRecord: null },
        events: [
          { action: 'subscription.partner_of_record_cleared', details: { previous: subscription.partnerIdOnRecord } },
        ],
      };
    }
    const reseller = await findActivePartnerReseller(tx, { providerId: provider.id, partnerId }, { lock: true });
    if (!reseller)
      throw new AppError(
        'PARTNERSHIP_NOT_ACTIVE',
        `Partner ${partnerId} is not a reseller in an active partnership with you`,
      );
    return {
      changes: { partnerIdOnRecord: reseller.partnerId },
      events: [
        {
          action: 'subscription.partner_of_record_set',
          details: { previous: subscription.partnerIdOnRecord, partnerIdOnRecord: reseller.partnerId },
        },
      ],
    };
  });
}

/** Makes a partnered reseller the subscription's designated support contact, or clears it (null). */
export async function setSupportContact(
  deps: ServiceDeps,
  provider: Partner,
  ref: SubscriptionRef,
  resellerId: string | null,
) {
  await changeRecordedParties(deps, provider, ref, async ({ subscription }, tx) => {
    if (resellerId === subscription.supportContactResellerId) return { changes: {}, events: [] };
    if (resellerId === null) {
      return {
        changes: { supportContactResellerId: null },
        events: [
          {
            action: 'subscription.support_contact_cleared',
            details: { previous: subscription.supportContactResellerId },
          },
        ],
      };
    }
    if (!(await findActivePartnerReseller(tx, { providerId: provider.id, resellerId }, { lock: true }))) {
      throw new AppError(
        'PARTNERSHIP_NOT_ACTIVE',
        'The support contact must be a reseller in an active partnership with you',
      );
    }
    return {
      changes: { supportContactResellerId: resellerId },
      events: [
        {
          action: 'subscription.support_contact_set',
          details: { previous: subscription.supportContactResellerId, supportContactResellerId: resellerId },
        },
      ],
    };
  });
  return currentView(deps, ref);
}
